//! A record's JSON line, written straight into a buffer: the same text `serde_json` writes for
//! the derived `Serialize` (a property test holds the two equal), without its byte-by-byte
//! escape loop over text that, nearly always, needs no escaping.

use super::{AuditRecord, StepRecord};

/// Appends `record` as one line of JSON (no newline) to `out`.
pub(super) fn write(record: &AuditRecord<'_>, out: &mut Vec<u8>) {
    let mut o = Object::open(out);
    o.text("eventTime", &record.event_time);
    o.text("requestId", &record.request_id);
    o.text("listener", &record.listener);
    o.nullable("sourceVpce", record.source_vpce.as_deref());
    o.text("sourceIp", &record.source_ip);
    o.text("method", &record.method);
    o.text("path", &record.path);
    o.nullable("apiId", record.api_id.as_deref());
    o.nullable("stage", record.stage.as_deref());
    o.nullable("route", record.route.as_deref());
    o.nullable("resourceArn", record.resource_arn.as_deref());
    o.nullable("accessKeyId", record.access_key_id.as_deref());
    o.nullable("principal", record.principal.as_deref());
    o.serde("status", &record.status);
    o.nullable("errorType", record.error_type.as_deref());
    o.serde("decidedBy", &record.decided_by);
    o.text("reason", &record.reason);
    o.key("layers");
    o.out.push(b'[');
    for (i, layer) in record.layers.iter().enumerate() {
        if i > 0 {
            o.out.push(b',');
        }
        write_step(layer, o.out);
    }
    o.out.push(b']');
    o.serde("latencyMicros", &record.latency_micros);
    o.close();
}

fn write_step(step: &StepRecord<'_>, out: &mut Vec<u8>) {
    let mut o = Object::open(out);
    o.serde("layer", &step.layer);
    o.serde("verdict", &step.verdict);
    for (name, value) in [
        ("policy", &step.policy),
        ("statement", &step.statement),
        ("detail", &step.detail),
    ] {
        if let Some(value) = value {
            o.text(name, value);
        }
    }
    o.close();
}

/// A JSON object being written.
struct Object<'o> {
    out: &'o mut Vec<u8>,
    first: bool,
}

impl<'o> Object<'o> {
    fn open(out: &'o mut Vec<u8>) -> Self {
        out.push(b'{');
        Object { out, first: true }
    }

    /// `"name":` (names here are plain ASCII and need no escaping).
    fn key(&mut self, name: &str) {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        self.out.push(b'"');
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(b"\":");
    }

    fn text(&mut self, name: &str, value: &str) {
        self.key(name);
        string(value, self.out);
    }

    fn nullable(&mut self, name: &str, value: Option<&str>) {
        self.key(name);
        match value {
            Some(value) => string(value, self.out),
            None => self.out.extend_from_slice(b"null"),
        }
    }

    /// Numbers and the unit enums, as `serde_json` writes them (their names are serde's).
    fn serde(&mut self, name: &str, value: &impl serde::Serialize) {
        self.key(name);
        let start = self.out.len();
        if serde_json::to_writer(&mut *self.out, value).is_err() {
            // Numbers and unit variants cannot fail; were they to, the line stays JSON.
            self.out.truncate(start);
            self.out.extend_from_slice(b"null");
        }
    }

    fn close(self) {
        self.out.push(b'}');
    }
}

/// `value` as a JSON string, escaped as `serde_json` escapes: `"` and `\`, the short forms
/// `\b \f \n \r \t`, other control characters as `\u00xx`; everything else as it is.
fn string(value: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    let bytes = value.as_bytes();
    if bytes.iter().all(|&b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.extend_from_slice(bytes);
    } else {
        for &b in bytes {
            match b {
                b'"' => out.extend_from_slice(b"\\\""),
                b'\\' => out.extend_from_slice(b"\\\\"),
                0x08 => out.extend_from_slice(b"\\b"),
                0x0c => out.extend_from_slice(b"\\f"),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                b'\t' => out.extend_from_slice(b"\\t"),
                0..=0x1f => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    out.extend_from_slice(b"\\u00");
                    out.push(HEX[usize::from(b >> 4)]);
                    out.push(HEX[usize::from(b & 15)]);
                }
                _ => out.push(b),
            }
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use proptest::prelude::*;

    use super::super::{Step, Verdict};
    use super::*;

    fn text() -> impl Strategy<Value = String> {
        // Control characters, quotes, backslashes, DEL, non-ASCII and plain text, mixed.
        proptest::string::string_regex("(\\PC|[\\x00-\\x1f\"\\\\\\x7f]|é|😀){0,24}").unwrap()
    }

    fn maybe() -> impl Strategy<Value = Option<String>> {
        proptest::option::of(text())
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            Just(Step::Route),
            Just(Step::Authentication),
            Just(Step::EndpointPolicy),
            Just(Step::ResourcePolicy),
            Just(Step::IdentityPolicy),
            Just(Step::Handler),
        ]
    }

    fn verdict() -> impl Strategy<Value = Verdict> {
        prop_oneof![
            Just(Verdict::Allow),
            Just(Verdict::Deny),
            Just(Verdict::NoAllow),
            Just(Verdict::NotConsulted),
            Just(Verdict::Error),
        ]
    }

    fn layer() -> impl Strategy<Value = StepRecord<'static>> {
        (step(), verdict(), maybe(), maybe(), maybe()).prop_map(
            |(layer, verdict, policy, statement, detail)| StepRecord {
                layer,
                verdict,
                policy: policy.map(Cow::Owned),
                statement: statement.map(Cow::Owned),
                detail: detail.map(Cow::Owned),
            },
        )
    }

    fn record() -> impl Strategy<Value = AuditRecord<'static>> {
        let texts = proptest::collection::vec(text(), 6);
        let maybes = proptest::collection::vec(maybe(), 8);
        let layers = proptest::collection::vec(layer(), 0..7);
        (texts, maybes, layers, any::<u16>(), step(), any::<u64>()).prop_map(
            |(mut t, mut m, layers, status, decided_by, latency_micros)| {
                let mut t = move || Cow::Owned(t.pop().unwrap_or_default());
                let mut m = move || m.pop().flatten().map(Cow::Owned);
                AuditRecord {
                    event_time: t(),
                    request_id: t(),
                    listener: t(),
                    source_vpce: m(),
                    source_ip: t(),
                    method: t(),
                    path: t(),
                    api_id: m(),
                    stage: m(),
                    route: m(),
                    resource_arn: m(),
                    access_key_id: m(),
                    principal: m(),
                    status,
                    error_type: m(),
                    decided_by,
                    reason: Cow::Borrowed("allowed by \"x\""),
                    layers,
                    latency_micros,
                }
            },
        )
    }

    proptest! {
        #[test]
        fn the_line_is_what_serde_json_writes(record in record()) {
            let mut line = Vec::new();
            write(&record, &mut line);
            prop_assert_eq!(String::from_utf8(line).unwrap(), serde_json::to_string(&record).unwrap());
        }
    }
}
