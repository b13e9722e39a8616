//! The request as the client sent it: a raw HTTP/1.1 request, or curl flags, and the
//! authentication it carried (an `Authorization` header or a presigned query).

use std::time::Duration;

use sigv4x::primitives::AuthorizationHeader;
use sigv4x::{AmzDate, CredentialScope};

use crate::error::CliError;
use crate::request::{RequestSpec, Scheme};

/// What the request's own authentication says about how it was signed.
#[derive(Clone, Debug, Default)]
pub struct SentAuth {
    /// The access key id.
    pub access_key_id: Option<String>,
    /// The region of the credential scope.
    pub region: Option<String>,
    /// The service of the credential scope.
    pub service: Option<String>,
    /// `X-Amz-Date`.
    pub date: Option<AmzDate>,
    /// The signed header names, lower case.
    pub signed_headers: Option<Vec<String>>,
    /// The session token sent.
    pub session_token: Option<String>,
    /// A presigned URL's `X-Amz-Expires`.
    pub presigned: Option<Duration>,
}

/// The presigned URL parameters, which the signer adds back itself.
const PRESIGN_PARAMS: [&str; 7] = [
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    "X-Amz-Security-Token",
    "X-Amz-Signature",
];

/// Parses a raw HTTP/1.1 request (CRLF or LF line ends): request line, headers, blank line,
/// body.
///
/// # Errors
/// A usage error naming what does not parse.
pub fn parse_raw(bytes: &[u8]) -> Result<RequestSpec, CliError> {
    let bad = |why: &str| CliError::usage(format!("the request file does not parse: {why}"));
    let (head, body) = split_head(bytes).ok_or_else(|| bad("no blank line after the headers"))?;
    let head = std::str::from_utf8(head).map_err(|_| bad("the head is not UTF-8"))?;
    let mut lines = head.lines();
    let request_line = lines.next().ok_or_else(|| bad("empty"))?;
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return Err(bad("the first line is not `METHOD TARGET HTTP/1.1`"));
    };
    if method.is_empty() || http::Method::from_bytes(method.as_bytes()).is_err() {
        return Err(bad("the first line is not `METHOD TARGET HTTP/1.1`"));
    }
    let mut headers = Vec::new();
    for line in lines {
        let line = line.trim_end_matches('\r');
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| bad(&format!("header line `{line}` has no colon")))?;
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    // An absolute-form target (through a proxy) keeps only its path and query.
    let (scheme, origin) = match target.split_once("://") {
        Some((scheme, rest)) => (
            if scheme.eq_ignore_ascii_case("http") {
                Scheme::Http
            } else {
                Scheme::Https
            },
            rest.find('/').and_then(|i| rest.get(i..)).unwrap_or("/"),
        ),
        None => (Scheme::Https, target),
    };
    let (path, query) = origin.split_once('?').unwrap_or((origin, ""));
    let host = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("host"))
        .map(|(_, v)| v.clone())
        .ok_or_else(|| bad("no Host header"))?;
    Ok(RequestSpec {
        method: method.to_owned(),
        scheme,
        host,
        port: 443,
        path: path.to_owned(),
        query: query.to_owned(),
        headers: headers
            .into_iter()
            .filter(|(n, _)| !n.eq_ignore_ascii_case("content-length"))
            .collect(),
        body: body.to_vec(),
        unsigned_payload: false,
        payload_hash: None,
    })
}

fn split_head(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let crlf = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| (i, 4));
    let lf = bytes.windows(2).position(|w| w == b"\n\n").map(|i| (i, 2));
    let (at, len) = match (crlf, lf) {
        (Some(a), Some(b)) => {
            if a.0 < b.0 {
                a
            } else {
                b
            }
        }
        (a, b) => a.or(b)?,
    };
    Some((bytes.get(..at)?, bytes.get(at + len..)?))
}

/// Takes the authentication out of `spec` (the `Authorization`, `X-Amz-Date` and
/// `X-Amz-Security-Token` headers, or the presigned query parameters) and says what it
/// declared, so the request can be signed again the same way.
pub fn take_auth(spec: &mut RequestSpec) -> SentAuth {
    let mut auth = SentAuth::default();
    let header = |spec: &RequestSpec, name: &str| spec.header(name).map(str::to_owned);
    if let Some(value) = header(spec, "authorization") {
        if let Ok(parsed) = AuthorizationHeader::parse(&value) {
            set_scope(&mut auth, &parsed.credential);
            auth.signed_headers = Some(
                parsed
                    .signed_headers
                    .split(';')
                    .map(str::to_owned)
                    .collect(),
            );
        }
    }
    auth.date = header(spec, "x-amz-date").and_then(|d| AmzDate::parse(d.as_bytes()));
    auth.session_token = header(spec, "x-amz-security-token");
    if let Some(sha) = header(spec, "x-amz-content-sha256") {
        if auth
            .signed_headers
            .as_ref()
            .is_none_or(|s| s.iter().any(|h| h == "x-amz-content-sha256"))
        {
            spec.payload_hash = Some(sha);
        }
    }
    spec.headers.retain(|(n, _)| {
        ![
            "authorization",
            "x-amz-date",
            "x-amz-security-token",
            "x-amz-content-sha256",
        ]
        .iter()
        .any(|s| n.eq_ignore_ascii_case(s))
    });

    // A presigned URL.
    let params: Vec<(String, String)> = spec
        .query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (k.to_owned(), v.to_owned())
        })
        .collect();
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| percent_decode(v))
    };
    if get("X-Amz-Signature").is_some() {
        if let Some(credential) = get("X-Amz-Credential") {
            if let Ok(scope) = CredentialScope::parse(&credential) {
                set_scope(&mut auth, &scope);
            }
        }
        auth.date = get("X-Amz-Date").and_then(|d| AmzDate::parse(d.as_bytes()));
        auth.session_token = get("X-Amz-Security-Token");
        auth.signed_headers =
            get("X-Amz-SignedHeaders").map(|s| s.split(';').map(str::to_owned).collect());
        auth.presigned = get("X-Amz-Expires")
            .and_then(|e| e.parse().ok())
            .map(Duration::from_secs);
        spec.query = spec
            .query
            .split('&')
            .filter(|p| {
                let key = p.split_once('=').map_or(*p, |(k, _)| k);
                !p.is_empty() && !PRESIGN_PARAMS.contains(&key)
            })
            .collect::<Vec<_>>()
            .join("&");
    }
    if let Some(signed) = &auth.signed_headers {
        spec.headers
            .retain(|(n, _)| signed.iter().any(|s| s.eq_ignore_ascii_case(n)));
    }
    auth
}

fn set_scope(auth: &mut SentAuth, scope: &CredentialScope<'_>) {
    auth.access_key_id = Some(scope.access_key_id.to_owned());
    auth.region = Some(scope.region.to_owned());
    auth.service = Some(scope.service.to_owned());
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b, hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_request_and_its_auth() {
        let raw = b"POST /prod/orders?b=2&a=1 HTTP/1.1\r\nHost: h.example\r\nUser-Agent: x\r\nX-Custom: one\r\nX-Amz-Date: 20261129T103433Z\r\nX-Amz-Security-Token: tok\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKID/20261129/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token;x-custom, Signature=0000000000000000000000000000000000000000000000000000000000000000\r\nContent-Length: 4\r\n\r\nbody";
        let mut spec = parse_raw(raw).unwrap();
        assert_eq!(
            (spec.path.as_str(), spec.query.as_str()),
            ("/prod/orders", "b=2&a=1")
        );
        assert_eq!(spec.body, b"body");
        let auth = take_auth(&mut spec);
        assert_eq!(auth.region.as_deref(), Some("us-east-1"));
        assert_eq!(auth.session_token.as_deref(), Some("tok"));
        assert_eq!(auth.date.unwrap().as_str(), "20261129T103433Z");
        let names: Vec<&str> = spec.headers.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["Host", "X-Custom"]);
    }

    #[test]
    fn presigned_query() {
        let raw = b"GET /prod/orders?x=1&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20261129%2Fus-east-1%2Fexecute-api%2Faws4_request&X-Amz-Date=20261129T103433Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Signature=00 HTTP/1.1\nHost: h\n\n";
        let mut spec = parse_raw(raw).unwrap();
        let auth = take_auth(&mut spec);
        assert_eq!(spec.query, "x=1");
        assert_eq!(auth.presigned, Some(Duration::from_secs(900)));
        assert_eq!(auth.service.as_deref(), Some("execute-api"));
    }

    #[test]
    fn bad_files() {
        for raw in [
            &b""[..],
            b"GET\n\n",
            b"GET / HTTP/1.1\nno colon\n\n",
            b"GET / HTTP/1.1\n\n",
        ] {
            assert_eq!(parse_raw(raw).unwrap_err().code, 2);
        }
    }
}
