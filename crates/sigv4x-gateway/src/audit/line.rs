//! A record's JSON line, written straight into a buffer: the same text `serde_json` writes for
//! the derived `Serialize` (a property test holds the two equal), but text is copied in runs
//! between the rare bytes that need escaping, found 16 bytes at a time.

use super::{AuditRecord, StepRecord};

/// Appends `record` as one line of JSON (no newline) to `out`.
pub(super) fn write(record: &AuditRecord<'_>, out: &mut String) {
    let mut o = Object::open(out);
    o.text("eventTime", &record.event_time);
    // Not the last field: `AuditLog::find` looks for `"requestId":…,`.
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
    o.name("decidedBy", record.decided_by.json_name());
    o.text("reason", &record.reason);
    o.key("layers");
    o.out.push('[');
    for (i, layer) in record.layers.iter().enumerate() {
        if i > 0 {
            o.out.push(',');
        }
        write_step(layer, o.out);
    }
    o.out.push(']');
    o.serde("latencyMicros", &record.latency_micros);
    o.close();
}

fn write_step(step: &StepRecord<'_>, out: &mut String) {
    let mut o = Object::open(out);
    o.name("layer", step.layer.json_name());
    o.name("verdict", step.verdict.json_name());
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
    out: &'o mut String,
    first: bool,
}

impl<'o> Object<'o> {
    fn open(out: &'o mut String) -> Self {
        out.push('{');
        Object { out, first: true }
    }

    /// `"name":` (names here are plain ASCII and need no escaping).
    fn key(&mut self, name: &str) {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        self.out.push('"');
        self.out.push_str(name);
        self.out.push_str("\":");
    }

    fn text(&mut self, name: &str, value: &str) {
        self.key(name);
        string(value, self.out);
    }

    fn nullable(&mut self, name: &str, value: Option<&str>) {
        self.key(name);
        match value {
            Some(value) => string(value, self.out),
            None => self.out.push_str("null"),
        }
    }

    fn name(&mut self, name: &str, value: &str) {
        self.key(name);
        self.out.push('"');
        self.out.push_str(value);
        self.out.push('"');
    }

    /// Numbers, as `serde_json` writes them.
    fn serde(&mut self, name: &str, value: &impl serde::Serialize) {
        self.key(name);
        let mut buffer = [0u8; 32];
        let mut cursor = &mut buffer[..];
        let written = match serde_json::to_writer(&mut cursor, value) {
            Ok(()) => 32 - cursor.len(),
            Err(_) => 0,
        };
        // Numbers and unit variants are short and cannot fail; were one to, the line stays JSON.
        match buffer.get(..written).map(std::str::from_utf8) {
            Some(Ok(text)) if written > 0 => self.out.push_str(text),
            _ => self.out.push_str("null"),
        }
    }

    fn close(self) {
        self.out.push('}');
    }
}

/// A byte `serde_json` escapes in a string (without branches, so that a block of them is
/// tested in vector registers).
fn needs_escape(b: u8) -> bool {
    (b < 0x20) | (b == b'"') | (b == b'\\')
}

/// Whether a block holds a byte that needs escaping: all 16 tested without stopping early,
/// which the compiler turns into vector instructions.
fn block_needs_escape(block: &[u8]) -> bool {
    let mut hits = 0u8;
    for &b in block {
        hits |= u8::from(needs_escape(b));
    }
    hits != 0
}

/// Where the first byte that needs escaping is, looked for 16 bytes at a time: text shorter
/// than a block is tested padded with spaces, and the last partial block as the last 16
/// bytes.
fn first_escape(bytes: &[u8]) -> Option<usize> {
    const BLOCK: usize = 16;
    let scan = |from: usize| {
        let tail = bytes.get(from..)?;
        tail.iter().position(|&b| needs_escape(b)).map(|i| from + i)
    };
    if bytes.len() < BLOCK {
        let mut block = [b' '; BLOCK];
        block.get_mut(..bytes.len())?.copy_from_slice(bytes);
        return if block_needs_escape(&block) {
            scan(0)
        } else {
            None
        };
    }
    let mut offset = 0;
    for block in bytes.chunks_exact(BLOCK) {
        if block_needs_escape(block) {
            return scan(offset);
        }
        offset += BLOCK;
    }
    match bytes.get(bytes.len() - BLOCK..) {
        Some(last) if offset < bytes.len() && block_needs_escape(last) => scan(offset),
        _ => None,
    }
}

/// `value` as a JSON string, escaped as `serde_json` escapes: `"` and `\`, the short forms
/// `\b \f \n \r \t`, other control characters as `\u00xx`; everything else as it is.
fn string(value: &str, out: &mut String) {
    out.push('"');
    let mut rest = value;
    while let Some(at) = first_escape(rest.as_bytes()) {
        // `at` is an ASCII byte, so both sides are on character boundaries.
        let (run, tail) = rest.split_at_checked(at).unwrap_or((rest, ""));
        out.push_str(run);
        let mut chars = tail.chars();
        if let Some(c) = chars.next() {
            escape(c, out);
        }
        rest = chars.as_str();
    }
    out.push_str(rest);
    out.push('"');
}

fn escape(c: char, out: &mut String) {
    match c {
        '"' => out.push_str("\\\""),
        '\\' => out.push_str("\\\\"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c => {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            let b = u32::from(c) as usize;
            out.push_str("\\u00");
            out.push(char::from(HEX[(b >> 4) & 15]));
            out.push(char::from(HEX[b & 15]));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use proptest::prelude::*;

    use super::super::{Step, Verdict};
    use super::*;

    fn text() -> impl Strategy<Value = String> {
        // Control characters, quotes, backslashes, DEL, non-ASCII and plain text, mixed.
        proptest::string::string_regex(
            "(\\PC|[\\x00-\\x1f\"\\\\\\x7f]|é|😀){0,24}|[a-z]{0,40}[\"\\x01]?[a-z/ ]{0,40}",
        )
        .unwrap()
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
        fn blocks_find_the_first_byte_to_escape(bytes in proptest::collection::vec(
            prop_oneof![Just(b'"'), Just(b'\\'), Just(0x1f), Just(0x20), any::<u8>(), 0x61..0x7a_u8],
            0..80,
        )) {
            let naive = bytes.iter().position(|&b| needs_escape(b));
            prop_assert_eq!(first_escape(&bytes), naive);
        }

        #[test]
        fn the_line_is_what_serde_json_writes(record in record()) {
            let mut line = String::new();
            write(&record, &mut line);
            prop_assert_eq!(line, serde_json::to_string(&record).unwrap());
        }
    }
}
