#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Random requests are signed by sigv4x and by `aws-sigv4` (the official Rust signer) under
//! equivalent settings; both must produce the same signature, in header mode and presigned
//! (query) mode, with the default settings and with `SigningSettings::s3()`, with and without a
//! session token (signed or added after signing).
//!
//! The generators below deliberately avoid a few input classes on which the two signers are
//! known to differ on purpose; each exclusion is explained where it is made. Everything else
//! that `http::Request` can carry is fair game.

use super::aws_reference;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_reference::Reference;
use aws_sigv4::http_request::SignableBody;
use proptest::prelude::*;
use proptest::test_runner::Config;
use sigv4x::{Credentials, Payload, SignatureLocation, Signer, SigningSettings};

const CASES: u32 = 256;

// ---------------------------------------------------------------------------------------------
// The case.

#[derive(Clone, Debug)]
enum Body {
    Empty,
    Bytes(Vec<u8>),
    Unsigned,
    Sha256([u8; 32]),
    Streaming,
}

impl Body {
    fn ours(&self) -> Payload<'_> {
        match self {
            Body::Empty => Payload::Empty,
            Body::Bytes(b) => Payload::Bytes(b),
            Body::Unsigned => Payload::Unsigned,
            Body::Sha256(d) => Payload::Sha256(*d),
            Body::Streaming => Payload::Precomputed(sigv4x::STREAMING_PAYLOAD),
        }
    }

    fn theirs(&self) -> SignableBody<'_> {
        match self {
            Body::Empty => SignableBody::Bytes(b""),
            Body::Bytes(b) => SignableBody::Bytes(b),
            Body::Unsigned => SignableBody::UnsignedPayload,
            Body::Sha256(d) => SignableBody::Precomputed(hex(d)),
            Body::Streaming => SignableBody::Precomputed(sigv4x::STREAMING_PAYLOAD.into()),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Clone, Debug)]
struct Case {
    method: String,
    /// `scheme://authority`, always present (see `host_strategy`).
    origin: String,
    host_header: Option<String>,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Body,
    access_key_id: String,
    secret: String,
    token: Option<String>,
    sign_token: bool,
    region: String,
    service: String,
    unix: u64,
    s3: bool,
    /// `None`: header mode. `Some((expiry, with_payload))`: presigned; with `with_payload` the
    /// body is passed to `presign_with_payload_at`, otherwise `presign_at` decides it.
    presign: Option<(u64, bool)>,
}

impl Case {
    fn uri(&self) -> String {
        if self.query.is_empty() {
            format!("{}{}", self.origin, self.path)
        } else {
            format!("{}{}?{}", self.origin, self.path, self.query)
        }
    }

    fn settings(&self) -> SigningSettings {
        let mut s = if self.s3 {
            SigningSettings::s3()
        } else {
            SigningSettings::default()
        };
        s.sign_session_token = self.sign_token;
        s
    }

    fn time(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.unix)
    }

    fn credentials(&self) -> Credentials {
        Credentials::new(&self.access_key_id, &self.secret, self.token.clone())
    }

    /// A fresh request (built twice, once per signer, as `http::Request` is not `Clone`).
    fn request(&self) -> http::Request<()> {
        let mut b = http::Request::builder()
            .method(self.method.as_str())
            .uri(self.uri());
        if let Some(h) = &self.host_header {
            b = b.header("host", h.as_str());
        }
        for (n, v) in &self.headers {
            b = b.header(n.as_str(), v.as_str());
        }
        b.body(()).unwrap()
    }
}

// ---------------------------------------------------------------------------------------------
// Generators.

const UNRESERVED: &str = "[A-Za-z0-9._~-]{1,6}";

/// A byte as an upper-case `%XX` escape.
fn escape(b: u8) -> String {
    format!("%{b:02X}")
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~".contains(&b)
}

/// A path segment for the default settings. The path is double-encoded there, so any byte that
/// `http::Uri` accepts is data: reserved characters, escapes in either case (of any byte, valid
/// UTF-8 or not), stray `%`, raw UTF-8.
fn segment_default() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => UNRESERVED.prop_map(String::from),
        2 => proptest::sample::select(vec![
            "!", "$", "&", "'", "(", ")", "*", "+", ",", ";", "=", ":", "@", "[", "]", "^",
            "|", "{", "}", "\"", "\\",
        ])
        .prop_map(String::from),
        2 => any::<u8>().prop_map(escape),
        1 => any::<u8>().prop_map(|b| format!("%{b:02x}")),
        1 => proptest::sample::select(vec!["%", "%zz", "%4", "%%"]).prop_map(String::from),
        1 => proptest::sample::select(vec!["é", "ሴ", "😀", "ß"]).prop_map(String::from),
    ];
    prop_oneof![
        6 => proptest::collection::vec(piece, 1..4).prop_map(|v| v.concat()),
        1 => Just(".".to_string()),
        1 => Just("..".to_string()),
        1 => Just(String::new()),
    ]
}

/// A path segment for `SigningSettings::s3()`.
///
/// KNOWN DIVERGENCE (a): with `double_encode_path = false` sigv4x brings the path to single
/// *canonical* encoding (decode `%XX`, then encode everything but unreserved characters and
/// `/`; `%2F` stays `%2F`), whereas aws-sigv4 signs the path exactly as given. The two agree
/// when the path already is in canonical single encoding, which is what SDKs send for S3 keys:
/// only unreserved characters, `/`, and upper-case `%XX` escapes of bytes that are not
/// unreserved. Dot segments and empty segments are kept by both (S3 does not normalize).
fn segment_s3() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => UNRESERVED.prop_map(String::from),
        3 => any::<u8>()
            .prop_filter("unreserved bytes are not escaped in canonical form", |b| {
                !is_unreserved(*b)
            })
            .prop_map(escape),
        1 => proptest::sample::select(vec!["é", "ሴ", "😀"]).prop_map(|s: &str| {
            s.bytes().map(escape).collect::<String>()
        }),
    ];
    prop_oneof![
        6 => proptest::collection::vec(piece, 1..4).prop_map(|v| v.concat()),
        1 => Just(".".to_string()),
        1 => Just("..".to_string()),
        1 => Just(String::new()),
    ]
}

fn path_strategy(s3: bool, max: usize) -> BoxedStrategy<String> {
    let segments = if s3 {
        proptest::collection::vec(segment_s3(), 0..max).boxed()
    } else {
        proptest::collection::vec(segment_default(), 0..max).boxed()
    };
    (segments, any::<bool>())
        .prop_map(|(segs, trailing)| {
            let mut p = String::from("/");
            p.push_str(&segs.join("/"));
            if trailing && !segs.is_empty() {
                p.push('/');
            }
            p
        })
        .boxed()
}

/// Percent-decodes like `application/x-www-form-urlencoded` (with `+` as a space).
fn form_decode(s: &str) -> Vec<u8> {
    let hex_digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::new();
    let mut rest = s.as_bytes();
    while let [first, tail @ ..] = rest {
        if let (b'%', [h, l, after @ ..]) = (first, tail) {
            if let (Some(h), Some(l)) = (hex_digit(*h), hex_digit(*l)) {
                out.push(h * 16 + l);
                rest = after;
                continue;
            }
        }
        out.push(if *first == b'+' { b' ' } else { *first });
        rest = tail;
    }
    out
}

/// A query name or value as sent on the wire: unreserved characters, reserved characters that
/// `http::Uri` accepts in a query, `+` (a space), escapes in either case, stray `%`, raw UTF-8
/// and escaped UTF-8.
fn query_text(allow_eq: bool) -> impl Strategy<Value = String> {
    let mut reserved = vec![
        "!", "$", "'", "(", ")", "*", ",", ";", ":", "@", "/", "?", "[", "]", "{", "}", "|", "^",
        "`", "\\",
    ];
    if allow_eq {
        reserved.push("=");
    }
    let piece = prop_oneof![
        5 => UNRESERVED.prop_map(String::from),
        2 => proptest::sample::select(reserved).prop_map(String::from),
        1 => Just("+".to_string()),
        2 => (0u8..0x80).prop_map(escape),
        1 => (0u8..0x80).prop_map(|b| format!("%{b:02x}")),
        1 => proptest::sample::select(vec!["%", "%zz", "%G1"]).prop_map(String::from),
        1 => proptest::sample::select(vec!["é", "ሴ", "😀"]).prop_map(String::from),
        1 => proptest::sample::select(vec!["é", "ሴ", "😀"]).prop_map(|s: &str| {
            s.bytes().map(escape).collect::<String>()
        }),
    ];
    proptest::collection::vec(piece, 0..4)
        .prop_map(|v| v.concat())
        // KNOWN DIVERGENCE (d): aws-sigv4 reads the query with `form_urlencoded::parse`, which
        // decodes into UTF-8 *lossily*: an escape sequence that decodes to invalid UTF-8 (say
        // `%FF`) is signed as `%EF%BF%BD` (U+FFFD), not as `%FF` as the SigV4 rules (encode each
        // byte) and the service require. sigv4x signs `%FF`; see
        // `invalid_utf8_in_query_is_signed_bytewise` below. A stray `%` next to hex digits from
        // the following piece can also form such an escape, hence the check on the whole text.
        .prop_filter("decoded query text must be UTF-8 for aws-sigv4", |s| {
            std::str::from_utf8(&form_decode(s)).is_ok()
        })
        // Parameters named X-Amz-* are the presigner's own; sigv4x drops stale ones from a
        // presigned URL and aws-sigv4 keeps them. Such names are not tested here.
        .prop_filter("no X-Amz- names", |s| {
            !String::from_utf8_lossy(&form_decode(s))
                .to_ascii_lowercase()
                .starts_with("x-amz-")
        })
}

fn query_strategy(max: usize) -> impl Strategy<Value = String> {
    let key_pool = prop_oneof![
        2 => proptest::sample::select(vec!["a", "b", "key", "Key", "list-type", "prefix"])
            .prop_map(String::from),
        3 => query_text(false),
    ];
    let piece = prop_oneof![
        4 => (key_pool.clone(), query_text(true)).prop_map(|(k, v)| format!("{k}={v}")),
        1 => key_pool.clone().prop_map(|k| format!("{k}=")),
        1 => key_pool,
        1 => Just(String::new()),
    ];
    proptest::collection::vec(piece, 0..max).prop_map(|v| v.join("&"))
}

/// Header names that are not tested as ordinary headers, and why:
/// - `host`: generated separately (`host_header`).
/// - `x-amz-security-token`: with `sign_session_token = false` aws-sigv4 leaves any header of
///   that name out of the signed headers, even one the caller set when the credentials carry
///   no token (or when presigning); sigv4x signs such a caller-set header. Reported as a
///   divergence, not tested here.
/// - `x-amz-user-agent`, `x-amz-checksum-mode`: aws-sigv4 never signs them in presigned URLs
///   (an SDK-specific rule); sigv4x has no such special case, it uses `unsigned_headers`.
const NOT_GENERATED: &[&str] = &[
    "host",
    "x-amz-security-token",
    "x-amz-user-agent",
    "x-amz-checksum-mode",
];

fn header_name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::sample::select(vec![
            "accept",
            "content-type",
            "x-amz-meta-color",
            "x-correlation-id",
            "range",
            // Stale values of headers the signer sets itself, and unsigned headers: both
            // signers must replace or exclude them the same way.
            "x-amz-date",
            "x-amz-content-sha256",
            "authorization",
            "user-agent",
            "expect",
            "x-amzn-trace-id",
            "connection",
            "transfer-encoding",
        ])
        .prop_map(String::from),
        4 => "[a-z0-9!#$%&'*+.^_`|~-]{1,16}",
    ]
    .prop_filter("reserved names", |n| !NOT_GENERATED.contains(&n.as_str()))
}

/// Header values: visible ASCII with runs of spaces, leading and trailing spaces, and tabs
/// (a tab is data for both signers: only U+0020 is trimmed and collapsed).
fn header_value() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => "[!-~]{1,8}",
        2 => " {1,4}",
        1 => Just("\t".to_string()),
    ];
    proptest::collection::vec(piece, 0..6).prop_map(|v| v.concat())
}

fn headers_strategy(max: usize) -> impl Strategy<Value = Vec<(String, String)>> {
    proptest::collection::vec((header_name(), header_value()), 0..max).prop_flat_map(|headers| {
        // Repeat some headers under the same name with another value.
        let n = headers.len();
        (
            Just(headers),
            proptest::collection::vec((0..n.max(1), header_value()), 0..3),
        )
            .prop_map(move |(mut headers, repeats)| {
                for (i, v) in repeats {
                    if let Some((name, _)) = headers.get(i).cloned() {
                        headers.push((name, v));
                    }
                }
                headers
            })
    })
}

/// `scheme://authority` and an optional Host header.
///
/// KNOWN DIVERGENCE (c): without a Host header, aws-sigv4 signs the URI's whole authority
/// (userinfo included) unless the port is the scheme's default, whereas sigv4x signs (and sets)
/// the URI's host and non-default port, as an HTTP client sends it. No userinfo is generated
/// here; `host_is_derived_from_the_authority` below checks sigv4x's derived Host explicitly.
fn host_strategy() -> impl Strategy<Value = (String, Option<String>)> {
    let host = prop_oneof![
        4 => "[a-z][a-z0-9-]{0,10}(\\.[a-z0-9]{1,6}){0,2}",
        1 => "[A-Z][a-zA-Z0-9]{0,6}\\.[a-z]{2,4}",
        1 => Just("127.0.0.1".to_string()),
        1 => Just("[::1]".to_string()),
        1 => Just("[2001:db8::7]".to_string()),
    ];
    let port = prop_oneof![
        3 => Just(None),
        1 => Just(Some(80u16)),
        1 => Just(Some(443u16)),
        1 => Just(Some(8080u16)),
        1 => (1u16..).prop_map(Some),
    ];
    let scheme = proptest::sample::select(vec!["http", "https"]);
    let explicit = prop_oneof![
        3 => Just(None),
        1 => Just(Some(None)),                       // the Host header equals the authority
        1 => "[ a-zA-Z0-9.:-]{1,20}".prop_map(|h| Some(Some(h))), // any Host header value
    ];
    (scheme, host, port, explicit).prop_map(|(scheme, host, port, explicit)| {
        let authority = match port {
            Some(p) => format!("{host}:{p}"),
            None => host,
        };
        let header = match explicit {
            None => None,
            Some(None) => Some(authority.clone()),
            Some(Some(h)) => Some(h),
        };
        (format!("{scheme}://{authority}"), header)
    })
}

fn method_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => proptest::sample::select(vec![
            "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"
        ])
        .prop_map(String::from),
        1 => "[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]{0,10}",
    ]
}

fn body_strategy() -> impl Strategy<Value = Body> {
    prop_oneof![
        2 => Just(Body::Empty),
        3 => proptest::collection::vec(any::<u8>(), 0..300).prop_map(Body::Bytes),
        1 => Just(Body::Unsigned),
        1 => any::<[u8; 32]>().prop_map(Body::Sha256),
        1 => Just(Body::Streaming),
    ]
}

fn token_strategy() -> impl Strategy<Value = (Option<String>, bool)> {
    prop_oneof![
        2 => Just((None, true)),
        1 => Just((None, false)),
        2 => "[A-Za-z0-9/+=]{1,80}".prop_map(|t| (Some(t), true)),
        2 => "[A-Za-z0-9/+=]{1,80}".prop_map(|t| (Some(t), false)),
    ]
}

/// `large` makes requests beyond the signer's inline buffers (16 headers, 16 parameters, 32
/// path segments, 256 bytes of signed-header names), so that the spill paths are compared too.
fn case_strategy(s3: bool, presign: bool, large: bool) -> impl Strategy<Value = Case> {
    let (segments, params, headers) = if large { (80, 40, 40) } else { (6, 6, 7) };
    let presign = if presign {
        (1u64..=604_800, any::<bool>()).prop_map(Some).boxed()
    } else {
        Just(None).boxed()
    };
    let scope = (
        "[A-Z0-9]{4,20}",
        "[A-Za-z0-9/+]{1,40}",
        prop_oneof![Just("us-east-1".to_string()), "[a-z]{2}-[a-z]{4,9}-[1-9]",],
        "[a-z0-9-]{1,12}",
        0u64..=4_102_444_800, // 1970 to 2100
    );
    (
        method_strategy(),
        host_strategy(),
        path_strategy(s3, segments),
        query_strategy(params),
        headers_strategy(headers),
        body_strategy(),
        token_strategy(),
        scope,
        presign,
    )
        .prop_map(
            move |(
                method,
                (origin, host_header),
                path,
                query,
                headers,
                body,
                (token, sign_token),
                (access_key_id, secret, region, service, unix),
                presign,
            )| Case {
                method,
                origin,
                host_header,
                path,
                query,
                headers,
                body,
                access_key_id,
                secret,
                token,
                sign_token,
                region,
                service,
                unix,
                s3,
                presign,
            },
        )
        .prop_filter("the URI must parse", |c| {
            c.uri().parse::<http::Uri>().is_ok()
        })
}

// ---------------------------------------------------------------------------------------------
// The comparison.

/// sigv4x's own account of the signing, for failure messages.
fn explain(case: &Case, signer: &Signer, location: SignatureLocation) -> String {
    match signer.explain_at(&case.request(), case.body.ours(), location, case.time()) {
        Ok(r) => format!(
            "--- sigv4x canonical request\n{}\n--- string to sign\n{}",
            r.canonical_request, r.string_to_sign
        ),
        Err(e) => format!("explain failed: {e}"),
    }
}

const COMPARED_HEADERS: [&str; 4] = [
    "authorization",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-content-sha256",
];

fn header_values(req: &http::Request<()>) -> Vec<(&'static str, Vec<String>)> {
    COMPARED_HEADERS
        .iter()
        .map(|&name| {
            let values = req
                .headers()
                .get_all(name)
                .iter()
                .map(|v| v.to_str().unwrap().to_string())
                .collect();
            (name, values)
        })
        .collect()
}

fn amz_params(uri: &http::Uri) -> Vec<String> {
    let mut v: Vec<String> = uri
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|p| p.starts_with("X-Amz-"))
        .map(String::from)
        .collect();
    v.sort();
    v
}

fn check(case: &Case) -> Result<(), TestCaseError> {
    let settings = case.settings();
    let signer = Signer::new(
        case.credentials(),
        case.region.as_str(),
        case.service.as_str(),
    )
    .with_settings(settings.clone());
    let expires = case.presign.map(|(secs, _)| Duration::from_secs(secs));
    let reference = Reference::new(
        &case.credentials(),
        &case.region,
        &case.service,
        &settings,
        expires,
    );

    match case.presign {
        None => {
            let mut ours = case.request();
            signer
                .sign_at(&mut ours, case.body.ours(), case.time())
                .unwrap_or_else(|e| panic!("sigv4x failed on {case:#?}: {e}"));
            let mut theirs = case.request();
            reference.sign_request(&mut theirs, case.body.theirs(), case.time());
            prop_assert_eq!(
                header_values(&ours),
                header_values(&theirs),
                "header mode differs for {:#?}\nuri {}\n{}",
                case,
                case.uri(),
                explain(case, &signer, SignatureLocation::Headers)
            );
        }
        Some((secs, with_payload)) => {
            let expires = Duration::from_secs(secs);
            let request = case.request();
            let (uri, their_body) = if with_payload {
                let uri = signer.presign_with_payload_at(
                    &request,
                    case.body.ours(),
                    expires,
                    case.time(),
                );
                (uri, case.body.theirs())
            } else {
                // presign_at signs UNSIGNED-PAYLOAD with the S3 settings and the hash of an
                // empty body otherwise.
                let body = if settings.presign_unsigned_payload {
                    SignableBody::UnsignedPayload
                } else {
                    SignableBody::Bytes(b"")
                };
                (signer.presign_at(&request, expires, case.time()), body)
            };
            let uri = uri.unwrap_or_else(|e| panic!("sigv4x failed on {case:#?}: {e}"));
            let mut theirs = case.request();
            reference.sign_request(&mut theirs, their_body, case.time());
            let location = SignatureLocation::Query(expires);
            prop_assert_eq!(
                amz_params(&uri),
                amz_params(theirs.uri()),
                "presigned URL differs for {:#?}\nuri {}\nours   {}\ntheirs {}\n{}",
                case,
                case.uri(),
                uri,
                theirs.uri(),
                explain(case, &signer, location)
            );
            // Presigning never touches the request's own parameters.
            let own = |u: &http::Uri| -> Vec<String> {
                let mut v: Vec<String> = u
                    .query()
                    .unwrap_or_default()
                    .split('&')
                    .filter(|p| !p.is_empty() && !p.starts_with("X-Amz-"))
                    .map(String::from)
                    .collect();
                v.sort();
                v
            };
            prop_assert_eq!(own(&uri), own(&request.uri().clone()));
        }
    }
    Ok(())
}

fn config() -> Config {
    Config {
        cases: CASES,
        max_global_rejects: 100_000,
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn headers_default_settings(case in case_strategy(false, false, false)) {
        check(&case)?;
    }

    #[test]
    fn headers_s3_settings(case in case_strategy(true, false, false)) {
        check(&case)?;
    }

    #[test]
    fn presigned_default_settings(case in case_strategy(false, true, false)) {
        check(&case)?;
    }

    #[test]
    fn presigned_s3_settings(case in case_strategy(true, true, false)) {
        check(&case)?;
    }
}

proptest! {
    #![proptest_config(Config { cases: CASES / 4, ..config() })]

    #[test]
    fn large_requests(
        case in (any::<bool>(), any::<bool>())
            .prop_flat_map(|(s3, presign)| case_strategy(s3, presign, true))
    ) {
        check(&case)?;
    }
}

// ---------------------------------------------------------------------------------------------
// Deterministic checks of the excluded classes: what sigv4x does there, and why it is right.

/// KNOWN DIVERGENCE (c). A request without a Host header is signed with the URI's host and
/// non-default port, and sigv4x sets that Host header. The signature equals aws-sigv4's for the
/// same request with the Host header set explicitly to that value, which is what an HTTP client
/// sends (RFC 9110 §7.2: Host is `uri-host [ ":" port ]`, never userinfo).
#[test]
fn host_is_derived_from_the_authority() {
    let cases = [
        ("https://user:pw@example.com:8443/x", "example.com:8443"),
        ("https://user@example.com/x", "example.com"),
        ("http://example.com:80/x", "example.com"),
        ("https://example.com:443/x", "example.com"),
        ("http://example.com:443/x", "example.com:443"),
        ("https://[::1]:8443/x", "[::1]:8443"),
        ("https://[::1]/x", "[::1]"),
    ];
    let creds = Credentials::new("AKID", "SECRET", None);
    let time = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let settings = SigningSettings::default();
    let signer = Signer::new(creds.clone(), "us-east-1", "svc");
    let reference = Reference::new(&creds, "us-east-1", "svc", &settings, None);
    for (uri, host) in cases {
        let mut ours = http::Request::get(uri).body(()).unwrap();
        signer.sign_at(&mut ours, Payload::Empty, time).unwrap();
        assert_eq!(ours.headers()["host"], host, "{uri}");
        let mut theirs = http::Request::get(uri)
            .header("host", host)
            .body(())
            .unwrap();
        reference.sign_request(&mut theirs, SignableBody::Bytes(b""), time);
        assert_eq!(
            ours.headers()["authorization"],
            theirs.headers()["authorization"],
            "{uri}"
        );
    }
}

/// KNOWN DIVERGENCE (d). `%FF` in a query is the byte 0xFF; the canonical query keeps it as
/// `%FF` (the SigV4 rules encode each byte; services decode the query into bytes). aws-sigv4
/// signs `%EF%BF%BD` instead (lossy UTF-8 decoding), which the service would not match.
#[test]
fn invalid_utf8_in_query_is_signed_bytewise() {
    let creds = Credentials::new("AKID", "SECRET", None);
    let signer = Signer::new(creds, "us-east-1", "svc");
    let time = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let req = http::Request::get("https://example.com/?k=%ff%FE&%C3=v")
        .body(())
        .unwrap();
    let report = signer
        .explain_at(&req, Payload::Empty, SignatureLocation::Headers, time)
        .unwrap();
    let query_line = report.canonical_request.lines().nth(2).unwrap();
    assert_eq!(query_line, "%C3=v&k=%FF%FE");
}

/// KNOWN DIVERGENCE (a). With the S3 settings a path that is not in canonical single encoding
/// is brought to it before signing (lower-case escapes upper-cased, escaped unreserved
/// characters decoded, reserved characters escaped, `%2F` kept), so that a path an HTTP client
/// sent in any equivalent spelling signs the same as the one S3 reconstructs.
#[test]
fn s3_paths_are_signed_in_canonical_single_encoding() {
    let creds = Credentials::new("AKID", "SECRET", None);
    let signer = Signer::new(creds, "us-east-1", "s3").with_settings(SigningSettings::s3());
    let time = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let canonical = |path: &str| {
        let req = http::Request::get(format!("https://bucket.s3.amazonaws.com{path}"))
            .body(())
            .unwrap();
        let report = signer
            .explain_at(&req, Payload::Unsigned, SignatureLocation::Headers, time)
            .unwrap();
        report.canonical_request.lines().nth(1).unwrap().to_string()
    };
    assert_eq!(canonical("/a%2fb/%7E%41/c:d/./"), "/a%2Fb/~A/c%3Ad/./");
    assert_eq!(canonical("/k%2Fey//x"), "/k%2Fey//x");
    assert_eq!(canonical("/%E1%88%b4"), "/%E1%88%B4");
}
