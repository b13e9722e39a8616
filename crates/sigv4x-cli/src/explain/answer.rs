//! The server's answer to a failed request, parsed once: API Gateway's JSON message (which
//! quotes the canonical request and string to sign it computed), S3's XML error (whose
//! `CanonicalRequest` and `StringToSign` elements do the same), or a bare message.

use std::time::Duration;

use sigv4x::AmzDate;

/// What the server said.
#[derive(Clone, Debug, Default)]
pub struct Answer {
    /// The HTTP status, when the answer had a status line.
    pub status: Option<u16>,
    /// The error code: `x-amzn-ErrorType` (API Gateway) or `<Code>` (S3).
    pub code: Option<String>,
    /// The message.
    pub message: String,
    /// The canonical request the server computed.
    pub canonical_request: Option<String>,
    /// The string to sign the server computed.
    pub string_to_sign: Option<String>,
    /// The request's `X-Amz-Date` and the server's clock, when the server refused the date.
    pub skew: Option<Skew>,
    /// The region S3 expected (`AuthorizationHeaderMalformed`'s `<Region>`).
    pub expected_region: Option<String>,
}

/// A refused signing time.
#[derive(Clone, Copy, Debug)]
pub struct Skew {
    /// When the request says it was signed.
    pub request_time: AmzDate,
    /// The server's clock.
    pub server_time: AmzDate,
    /// The difference the server accepts, when it said.
    pub max: Option<Duration>,
}

const CANONICAL_INTRO: &str = "The Canonical String for this request should have been\n'";
const STS_INTRO: &str = "'\n\nThe String-to-Sign should have been\n'";

/// Parses an answer in any of the forms the servers and curl give it.
pub fn parse(input: &[u8]) -> Answer {
    let text = String::from_utf8_lossy(input).replace("\r\n", "\n");
    let mut answer = Answer::default();
    let mut body = text.trim_start();
    if body.starts_with("HTTP/") {
        let (head, rest) = body.split_once("\n\n").unwrap_or((body, ""));
        let mut lines = head.lines();
        answer.status = lines
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|s| s.parse().ok());
        for line in lines {
            if let Some((name, value)) = line.split_once(':') {
                if name.trim().eq_ignore_ascii_case("x-amzn-errortype") {
                    // `InvalidSignatureException:http://internal.amazon.com/…` on some APIs.
                    let value = value.trim();
                    let code = value.split(':').next().unwrap_or(value);
                    answer.code = Some(code.to_owned());
                }
            }
        }
        body = rest;
    }
    let body = body.trim();
    if body.starts_with('{') {
        if let Ok(json) = serde_json::from_str::<serde_json::Value>(body) {
            for key in ["message", "Message", "errorMessage"] {
                if let Some(m) = json.get(key).and_then(|v| v.as_str()) {
                    answer.message = m.to_owned();
                    break;
                }
            }
            if answer.code.is_none() {
                answer.code = json
                    .get("__type")
                    .and_then(|v| v.as_str())
                    .map(|t| t.rsplit('#').next().unwrap_or(t).to_owned());
            }
        } else {
            answer.message = body.to_owned();
        }
    } else if body.starts_with('<') {
        parse_xml(body, &mut answer);
    } else {
        answer.message = body.to_owned();
    }
    if answer.canonical_request.is_none() {
        if let Some((cr, sts)) = quoted_texts(&answer.message) {
            answer.canonical_request = Some(cr);
            answer.string_to_sign = Some(sts);
        }
    }
    if answer.skew.is_none() {
        answer.skew = skew_from_message(&answer.message);
    }
    answer
}

/// API Gateway's mismatch message quotes both texts between single quotes.
fn quoted_texts(message: &str) -> Option<(String, String)> {
    let start = message.find(CANONICAL_INTRO)? + CANONICAL_INTRO.len();
    let rest = message.get(start..)?;
    let mid = rest.find(STS_INTRO)?;
    let canonical = rest.get(..mid)?;
    let sts_and_rest = rest.get(mid + STS_INTRO.len()..)?;
    let end = sts_and_rest.rfind('\'')?;
    Some((canonical.to_owned(), sts_and_rest.get(..end)?.to_owned()))
}

/// `Signature expired: 20261129T102433Z is now earlier than 20261129T102933Z (20261129T103433Z
/// - 5 min.)`, and API Gateway's `Signature not yet current: … is still later than …`.
fn skew_from_message(message: &str) -> Option<Skew> {
    if !(message.contains("Signature expired") || message.contains("Signature not yet current")) {
        return None;
    }
    let dates: Vec<AmzDate> = message
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter_map(|w| AmzDate::parse(w.as_bytes()))
        .collect();
    let request_time = *dates.first()?;
    let server_time = *dates.get(2).or(dates.get(1))?;
    let max = message
        .split_once(" min.")
        .and_then(|(before, _)| before.rsplit(' ').next())
        .and_then(|n| n.parse::<u64>().ok())
        .map(|m| Duration::from_secs(m * 60));
    Some(Skew {
        request_time,
        server_time,
        max,
    })
}

fn parse_xml(body: &str, answer: &mut Answer) {
    answer.code = answer.code.take().or_else(|| element(body, "Code"));
    answer.message = element(body, "Message").unwrap_or_else(|| body.to_owned());
    answer.canonical_request = element(body, "CanonicalRequest");
    answer.string_to_sign = element(body, "StringToSign");
    answer.expected_region = element(body, "Region");
    let request_time = element(body, "RequestTime").and_then(|t| AmzDate::parse(t.as_bytes()));
    let server_time = element(body, "ServerTime").and_then(|t| iso_to_amz(&t));
    if let (Some(request_time), Some(server_time)) = (request_time, server_time) {
        answer.skew = Some(Skew {
            request_time,
            server_time,
            max: element(body, "MaxAllowedSkewMilliseconds")
                .and_then(|m| m.parse::<u64>().ok())
                .map(Duration::from_millis),
        });
    }
}

/// `2013-05-24T00:20:00Z` (S3's `ServerTime`) as an `AmzDate`.
fn iso_to_amz(text: &str) -> Option<AmzDate> {
    let compact: String = text
        .chars()
        .filter(|c| *c != '-' && *c != ':')
        .collect::<String>();
    let compact = match compact.split_once('.') {
        Some((whole, _)) => format!("{whole}Z"),
        None => compact,
    };
    AmzDate::parse(compact.as_bytes())
}

/// The text of the first `<name>…</name>`, entities decoded.
fn element(xml: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let start = xml.find(&open)? + open.len();
    let end = start + xml.get(start..)?.find(&close)?;
    Some(unescape(xml.get(start..end)?))
}

fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('&') {
        out.push_str(rest.get(..i).unwrap_or_default());
        let after = rest.get(i + 1..).unwrap_or_default();
        let Some(semi) = after.find(';').filter(|&s| s <= 10) else {
            out.push('&');
            rest = after;
            continue;
        };
        let entity = after.get(..semi).unwrap_or_default();
        let decoded = match entity {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = after.get(semi + 1..).unwrap_or_default();
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_gateway_mismatch() {
        let body = serde_json::json!({"message": "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\nThe Canonical String for this request should have been\n'GET\n/prod/orders\n\nhost:abc\nx-amz-date:20261129T103433Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'\n\nThe String-to-Sign should have been\n'AWS4-HMAC-SHA256\n20261129T103433Z\n20261129/us-east-1/execute-api/aws4_request\nabc'\n"});
        let raw = format!(
            "HTTP/1.1 403 Forbidden\r\nx-amzn-ErrorType: InvalidSignatureException\r\n\r\n{body}"
        );
        let a = parse(raw.as_bytes());
        assert_eq!(a.status, Some(403));
        assert_eq!(a.code.as_deref(), Some("InvalidSignatureException"));
        assert!(a.canonical_request.unwrap().ends_with("b855"));
        assert_eq!(
            a.string_to_sign.unwrap(),
            "AWS4-HMAC-SHA256\n20261129T103433Z\n20261129/us-east-1/execute-api/aws4_request\nabc"
        );
    }

    #[test]
    fn s3_xml() {
        let xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided.</Message><StringToSign>AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\nabc</StringToSign><CanonicalRequest>GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nx-amz-meta-a:&lt;b&gt; &amp; &#34;c&#x22;\n\nhost;x-amz-meta-a\nUNSIGNED-PAYLOAD</CanonicalRequest></Error>";
        let a = parse(xml.as_bytes());
        assert_eq!(a.code.as_deref(), Some("SignatureDoesNotMatch"));
        assert!(a
            .canonical_request
            .unwrap()
            .contains("x-amz-meta-a:<b> & \"c\""));
        assert!(a.string_to_sign.unwrap().starts_with("AWS4-HMAC-SHA256\n"));
    }

    #[test]
    fn skews() {
        let a = parse(br#"{"message":"Signature expired: 20261129T102433Z is now earlier than 20261129T102933Z (20261129T103433Z - 5 min.)"}"#);
        let s = a.skew.unwrap();
        assert_eq!(s.request_time.as_str(), "20261129T102433Z");
        assert_eq!(s.server_time.as_str(), "20261129T103433Z");
        assert_eq!(s.max, Some(Duration::from_secs(300)));
        let xml = "<Error><Code>RequestTimeTooSkewed</Code><Message>The difference between the request time and the current time is too large.</Message><RequestTime>20130524T000000Z</RequestTime><ServerTime>2013-05-24T00:20:00.123Z</ServerTime><MaxAllowedSkewMilliseconds>900000</MaxAllowedSkewMilliseconds></Error>";
        let s = parse(xml.as_bytes()).skew.unwrap();
        assert_eq!(s.server_time.as_str(), "20130524T002000Z");
        assert_eq!(s.max, Some(Duration::from_secs(900)));
    }

    #[test]
    fn anything_else_is_a_message() {
        assert_eq!(
            parse(b"  Missing Authentication Token\n").message,
            "Missing Authentication Token"
        );
        assert_eq!(parse(b"{not json").message, "{not json");
        assert_eq!(parse(b"").message, "");
    }
}
