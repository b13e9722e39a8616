//! The client's canonical request and string to sign against the server's: a line-by-line
//! comparison, and the parts that differ in the order SigV4 builds them.

use std::fmt::Write;

/// A canonical request, split into its parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Canonical<'a> {
    method: &'a str,
    path: &'a str,
    query: &'a str,
    headers: Vec<(&'a str, &'a str)>,
    signed: &'a str,
    payload: &'a str,
}

impl<'a> Canonical<'a> {
    /// Splits `text`: method, path, query, header lines up to a blank line, signed headers,
    /// payload. `None` when it does not have that shape.
    pub fn parse(text: &'a str) -> Option<Self> {
        let mut lines = text.split('\n');
        let method = lines.next()?;
        let path = lines.next()?;
        let query = lines.next()?;
        let mut headers = Vec::new();
        loop {
            let line = lines.next()?;
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':')?;
            headers.push((name, value));
        }
        let signed = lines.next()?;
        let payload = lines.next()?;
        lines.next().is_none().then_some(Canonical {
            method,
            path,
            query,
            headers,
            signed,
            payload,
        })
    }

    fn header(&self, name: &str) -> Option<&'a str> {
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
    }
}

/// One part that differs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// Which part: `path`, `header x-custom`, `payload hash`, `scope` …
    pub part: String,
    /// The usual cause, and what to do.
    pub cause: String,
}

/// The comparison: the lines to print and the differences found, first one first.
#[derive(Clone, Debug, Default)]
pub struct Comparison {
    /// The line-by-line listing: `  ` same, `- ` the client's, `+ ` the server's.
    pub listing: String,
    /// What differs, in canonical order.
    pub findings: Vec<Finding>,
}

/// The server shows a session token as `<redacted>`: it matches any value.
fn same_value(name: &str, client: &str, server: &str) -> bool {
    client == server || (name == "x-amz-security-token" && server == "<redacted>")
}

fn shown(name: &str, value: &str) -> String {
    if name == "x-amz-security-token" {
        format!("{name}:<redacted>")
    } else {
        format!("{name}:{value}")
    }
}

/// Compares the client's texts (recomputed) with the server's.
pub fn compare(client_cr: &str, server_cr: &str, client_sts: &str, server_sts: &str) -> Comparison {
    let mut out = Comparison::default();
    out.listing
        .push_str("--- client (recomputed from the request)\n");
    out.listing.push_str("+++ server (from its answer)\n");
    out.listing.push_str("Canonical request:\n");
    match (Canonical::parse(client_cr), Canonical::parse(server_cr)) {
        (Some(c), Some(s)) => compare_parts(&c, &s, &mut out),
        _ => {
            lines(client_cr, server_cr, &mut out.listing);
            if client_cr != server_cr {
                out.findings.push(Finding {
                    part: "canonical request".into(),
                    cause: "the canonical requests differ (one of them is not in canonical form)"
                        .into(),
                });
            }
        }
    }
    out.listing.push_str("String to sign:\n");
    lines(client_sts, server_sts, &mut out.listing);
    compare_sts(
        client_sts,
        server_sts,
        out.findings.is_empty(),
        &mut out.findings,
    );
    out
}

/// Plain line-by-line listing, by position.
fn lines(client: &str, server: &str, listing: &mut String) {
    let c: Vec<&str> = client.split('\n').collect();
    let s: Vec<&str> = server.split('\n').collect();
    for i in 0..c.len().max(s.len()) {
        match (c.get(i), s.get(i)) {
            (Some(a), Some(b)) if a == b => {
                let _ = writeln!(listing, "  {a}");
            }
            (a, b) => {
                if let Some(a) = a {
                    let _ = writeln!(listing, "- {a}");
                }
                if let Some(b) = b {
                    let _ = writeln!(listing, "+ {b}");
                }
            }
        }
    }
}

fn line(listing: &mut String, client: &str, server: &str) -> bool {
    if client == server {
        let _ = writeln!(listing, "  {client}");
        true
    } else {
        let _ = writeln!(listing, "- {client}");
        let _ = writeln!(listing, "+ {server}");
        false
    }
}

fn compare_parts(c: &Canonical<'_>, s: &Canonical<'_>, out: &mut Comparison) {
    let listing = &mut out.listing;
    let findings = &mut out.findings;
    if !line(listing, c.method, s.method) {
        findings.push(Finding {
            part: "method".into(),
            cause: format!(
                "the request was signed as {} but reached the server as {}: a redirect or a \
                 library changed the method after signing",
                c.method, s.method
            ),
        });
    }
    if !line(listing, c.path, s.path) {
        findings.push(Finding {
            part: "path".into(),
            cause: path_cause(c.path, s.path),
        });
    }
    if !line(listing, c.query, s.query) {
        findings.push(Finding {
            part: "query".into(),
            cause: format!(
                "the query string differs: a parameter was added, removed or encoded \
                 differently after signing (a space as `+` rather than `%20`, an unencoded \
                 `/`, `=` or `&`, parameters not sorted) — signed `{}`, received `{}`",
                c.query, s.query
            ),
        });
    }

    // Headers, merged by name (both lists are sorted).
    let mut names: Vec<&str> = c
        .headers
        .iter()
        .chain(&s.headers)
        .map(|(n, _)| *n)
        .collect();
    names.sort_unstable();
    names.dedup();
    for name in names {
        match (c.header(name), s.header(name)) {
            (Some(a), Some(b)) if same_value(name, a, b) => {
                let _ = writeln!(listing, "  {}", shown(name, a));
            }
            (Some(a), Some(b)) => {
                let _ = writeln!(listing, "- {name}:{a}");
                let _ = writeln!(listing, "+ {name}:{b}");
                findings.push(Finding {
                    part: format!("header {name}"),
                    cause: header_cause(name, a, b),
                });
            }
            (Some(a), None) => {
                let _ = writeln!(listing, "- {}", shown(name, a));
                findings.push(Finding {
                    part: format!("header {name} (missing from the signed set)"),
                    cause: format!(
                        "`{name}` is not among the SignedHeaders the request carried: it was \
                         added after the request was signed, so the signature sent does not \
                         cover it (or the client signed fewer headers than it sent)"
                    ),
                });
            }
            (None, Some(b)) => {
                let _ = writeln!(listing, "+ {}", shown(name, b));
                findings.push(Finding {
                    part: format!("header {name} (signed, not in your request)"),
                    cause: format!(
                        "the request that was sent signed `{name}`, which the request you \
                         described does not have: the client or its library added it when \
                         signing; give it with -H to compare the rest"
                    ),
                });
            }
            (None, None) => {}
        }
    }
    listing.push('\n');
    if !line(listing, c.signed, s.signed) && c.headers.len() == s.headers.len() {
        findings.push(Finding {
            part: "signed headers".into(),
            cause: "the SignedHeaders lists differ".into(),
        });
    }
    if !line(listing, c.payload, s.payload) {
        findings.push(Finding {
            part: "payload hash".into(),
            cause: payload_cause(c.payload, s.payload),
        });
    }
}

fn compare_sts(client: &str, server: &str, cr_same: bool, findings: &mut Vec<Finding>) {
    let c: Vec<&str> = client.split('\n').collect();
    let s: Vec<&str> = server.split('\n').collect();
    if c.first() != s.first() {
        findings.push(Finding {
            part: "algorithm".into(),
            cause: "the signing algorithm differs (SigV4a's AWS4-ECDSA-P256-SHA256 against \
                    AWS4-HMAC-SHA256?)"
                .into(),
        });
    }
    if c.get(1) != s.get(1) {
        findings.push(Finding {
            part: "date".into(),
            cause: format!(
                "X-Amz-Date differs (signed {}, received {}): the date header was rewritten \
                 after signing",
                c.get(1).unwrap_or(&""),
                s.get(1).unwrap_or(&"")
            ),
        });
    }
    if c.get(2) != s.get(2) {
        let cs: Vec<&str> = c.get(2).unwrap_or(&"").split('/').collect();
        let ss: Vec<&str> = s.get(2).unwrap_or(&"").split('/').collect();
        let cause = if cs.get(1) != ss.get(1) {
            format!(
                "wrong region: signed for `{}`, the server expects `{}` (pass --region {})",
                cs.get(1).unwrap_or(&""),
                ss.get(1).unwrap_or(&""),
                ss.get(1).unwrap_or(&"")
            )
        } else if cs.get(2) != ss.get(2) {
            format!(
                "wrong service: signed for `{}`, the server expects `{}` (pass --service {})",
                cs.get(2).unwrap_or(&""),
                ss.get(2).unwrap_or(&""),
                ss.get(2).unwrap_or(&"")
            )
        } else {
            "the credential scope's date differs from the date of X-Amz-Date".into()
        };
        findings.push(Finding {
            part: "scope".into(),
            cause,
        });
    }
    if findings.is_empty() && cr_same && c.get(3) != s.get(3) {
        findings.push(Finding {
            part: "canonical request hash".into(),
            cause: "the canonical requests agree as shown but hash differently: the session \
                    token (shown redacted) differs — the token sent does not belong to these \
                    credentials"
                .into(),
        });
    }
}

fn path_cause(client: &str, server: &str) -> String {
    if encode_once(client) == server {
        format!(
            "double encoding: the server's path is yours encoded once more (`%` became `%25`): \
             the URL was percent-encoded again after it was signed (`{client}` signed, \
             `{server}` received). Encode the path once and sign it exactly as sent"
        )
    } else if encode_once(server) == client {
        format!(
            "double encoding: you signed the path encoded once more than the server computes \
             it (`{client}` against `{server}`): S3 signs the path as sent, other services \
             encode it a second time — sign with the settings of the service called (--service), \
             and do not encode a path before handing it to the signer"
        )
    } else if normalize(client) == normalize(server) {
        format!(
            "path normalization: `{client}` and `{server}` differ only by empty, `.` or `..` \
             segments, which one side removed; send the path in normal form"
        )
    } else {
        format!(
            "the path was rewritten between signing and the server (`{client}` signed, \
             `{server}` received): a custom domain's base path mapping, a stage prefix or a \
             proxy; sign the path the server receives"
        )
    }
}

fn header_cause(name: &str, client: &str, server: &str) -> String {
    match name {
        "host" => format!(
            "the Host differs (`{client}` signed, `{server}` received): the request reached the \
             server under another name — a proxy, a custom domain, a VPC endpoint's host name or \
             a port; sign the Host the server sees (-H 'Host: …')"
        ),
        "content-type" => format!(
            "a header was changed after signing: content-type went from `{client}` to \
             `{server}` (HTTP libraries often append `; charset=utf-8`); set it before signing"
        ),
        _ => format!(
            "a header was changed after signing: `{name}` went from `{client}` to `{server}` — \
             a proxy, load balancer or HTTP library rewrote it; sign the value that is sent, or \
             leave the header unsigned"
        ),
    }
}

fn payload_cause(client: &str, server: &str) -> String {
    if client == "UNSIGNED-PAYLOAD" || server == "UNSIGNED-PAYLOAD" {
        format!(
            "the payload mode differs (`{client}` against `{server}`): send x-amz-content-sha256 \
             with the value that was signed"
        )
    } else {
        format!(
            "the body changed after signing (its SHA-256 was {client}, the server hashed \
             {server}): a proxy or library re-encoded, compressed or re-serialized it — or \
             curl's -d dropped its newlines (use --data-binary @FILE); sign the bytes that are \
             sent"
        )
    }
}

/// The path percent-encoded once more, as SigV4's second encoding does: every byte but the
/// unreserved characters and `/`.
pub fn encode_once(path: &str) -> String {
    let mut out = String::with_capacity(path.len() * 3);
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn normalize(path: &str) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const STS: &str =
        "AWS4-HMAC-SHA256\n20261129T103433Z\n20261129/us-east-1/execute-api/aws4_request\nabc";

    fn cr(path: &str, custom: &str, payload: &str) -> String {
        format!(
            "GET\n{path}\n\nhost:h\nx-amz-date:20261129T103433Z\nx-amz-security-token:tok\nx-custom:{custom}\n\nhost;x-amz-date;x-amz-security-token;x-custom\n{payload}"
        )
    }

    #[test]
    fn same_texts_blame_the_key() {
        let a = cr("/prod/orders", "one", "e3b0");
        let server = a.replace(
            "x-amz-security-token:tok",
            "x-amz-security-token:<redacted>",
        );
        let sts2 = STS.replace("abc", "abd");
        let r = compare(&a, &server, STS, &sts2);
        assert_eq!(r.findings.len(), 1, "{:?}", r.findings);
        assert_eq!(r.findings[0].part, "canonical request hash");
        let r = compare(&a, &server, STS, STS);
        assert!(r.findings.is_empty());
        assert!(!r.listing.contains("tok\n"), "{}", r.listing);
    }

    #[test]
    fn changed_header() {
        let r = compare(&cr("/p", "one", "e3b0"), &cr("/p", "two", "e3b0"), STS, STS);
        assert_eq!(r.findings[0].part, "header x-custom");
        assert!(r.findings[0].cause.contains("changed after signing"));
        assert!(
            r.listing.contains("- x-custom:one\n+ x-custom:two\n"),
            "{}",
            r.listing
        );
    }

    #[test]
    fn double_encoded_path() {
        let r = compare(
            &cr("/prod/orders/a%2520b", "one", "e3b0"),
            &cr("/prod/orders/a%252520b", "one", "e3b0"),
            STS,
            STS,
        );
        assert_eq!(r.findings[0].part, "path");
        assert!(r.findings[0]
            .cause
            .starts_with("double encoding: the server's"));
        let r = compare(&cr("/a%2520b", "x", "e"), &cr("/a%20b", "x", "e"), STS, STS);
        assert!(r.findings[0]
            .cause
            .starts_with("double encoding: you signed"));
    }

    #[test]
    fn body_and_scope() {
        let r = compare(&cr("/p", "one", "aaaa"), &cr("/p", "one", "bbbb"), STS, STS);
        assert_eq!(r.findings[0].part, "payload hash");
        let other = STS.replace("us-east-1", "eu-west-1");
        let r = compare(&cr("/p", "one", "e"), &cr("/p", "one", "e"), &other, STS);
        assert_eq!(r.findings[0].part, "scope");
        assert!(r.findings[0].cause.starts_with("wrong region"));
    }

    #[test]
    fn header_sets() {
        let server = cr("/p", "one", "e")
            .replace("\nx-custom:one", "")
            .replace(";x-custom", "");
        let r = compare(&cr("/p", "one", "e"), &server, STS, STS);
        assert_eq!(
            r.findings[0].part,
            "header x-custom (missing from the signed set)"
        );
    }

    #[test]
    fn shapes() {
        assert!(Canonical::parse("GET\n/\n\nhost:h\n\nhost\ne").is_some());
        assert!(Canonical::parse("GET\n/").is_none());
        assert_eq!(encode_once("/a b%2F~"), "/a%20b%252F~");
    }
}
