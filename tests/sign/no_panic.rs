#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! No input makes the signer panic: every entry point returns `Ok` or a typed `SigningError`,
//! and the error is always one the input deserves. The oracle is two-sided: for each input the
//! test computes the set of errors the documentation allows (a non-token method is
//! `InvalidMethod`, CR/LF/NUL in a header value is `InvalidHeaderValue` naming that header, an
//! expiry outside 1 s..=7 days is `InvalidExpiry`, a time before 1970 or after 9999 is
//! `TimeOutOfRange`, no Host is `MissingHost`, …); the call must succeed exactly when that set is
//! empty, and otherwise fail with one of its members. Which of several faults is reported first
//! is not specified, so it is not asserted.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use proptest::prelude::*;
use proptest::test_runner::Config;
use sigv4x::{
    Credentials, Payload, RawRequest, SignatureLocation, Signer, SigningError, SigningSettings,
    MAX_PRESIGN_EXPIRY,
};

const CASES: u32 = 256;
/// 9999-12-31T23:59:59Z.
const LAST_SECOND: u64 = 253_402_300_799;

// ---------------------------------------------------------------------------------------------
// Inputs and what they deserve.

fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn bad_value(s: &str) -> bool {
    s.contains(['\r', '\n', '\0'])
}

#[derive(Clone, Debug)]
enum When {
    BeforeEpoch(Duration),
    AfterEpoch(Duration),
}

impl When {
    fn time(&self) -> Option<SystemTime> {
        match self {
            When::BeforeEpoch(d) => UNIX_EPOCH.checked_sub(*d),
            When::AfterEpoch(d) => UNIX_EPOCH.checked_add(*d),
        }
    }

    fn in_range(&self) -> bool {
        match self {
            When::BeforeEpoch(d) => d.is_zero(),
            When::AfterEpoch(d) => d.as_secs() <= LAST_SECOND,
        }
    }
}

fn when_strategy() -> impl Strategy<Value = When> {
    prop_oneof![
        40 => (0u64..=LAST_SECOND).prop_map(|s| When::AfterEpoch(Duration::from_secs(s))),
        1 => Just(When::BeforeEpoch(Duration::from_secs(1))),
        1 => Just(When::BeforeEpoch(Duration::from_nanos(1))),
        1 => Just(When::BeforeEpoch(Duration::from_secs(86_400 * 365 * 300))),
        3 => Just(When::AfterEpoch(Duration::ZERO)),
        3 => Just(When::AfterEpoch(Duration::from_secs(LAST_SECOND))),
        3 => Just(When::AfterEpoch(Duration::new(LAST_SECOND, 999_999_999))),
        1 => Just(When::AfterEpoch(Duration::from_secs(LAST_SECOND + 1))),
        1 => Just(When::AfterEpoch(Duration::from_secs(i64::MAX as u64 / 2))),
        1 => (LAST_SECOND..u64::MAX / 2).prop_map(|s| When::AfterEpoch(Duration::from_secs(s))),
    ]
    .prop_filter("SystemTime must hold it", |w| w.time().is_some())
}

fn expiry_strategy() -> impl Strategy<Value = Duration> {
    prop_oneof![
        12 => (1u64..=604_800).prop_map(Duration::from_secs),
        1 => Just(Duration::ZERO),
        1 => Just(Duration::from_millis(500)),
        1 => Just(Duration::from_secs(1)),
        1 => Just(MAX_PRESIGN_EXPIRY),
        1 => Just(Duration::from_secs(604_801)),
        1 => Just(Duration::from_secs(u64::MAX)),
        1 => Just(Duration::MAX),
        1 => any::<u64>().prop_map(Duration::from_secs),
    ]
}

fn expiry_ok(d: Duration) -> bool {
    (1..=604_800).contains(&d.as_secs())
}

#[derive(Clone, Debug)]
enum Body {
    Empty,
    Bytes(Vec<u8>),
    Unsigned,
    Sha256([u8; 32]),
    Precomputed(String),
}

impl Body {
    fn payload(&self) -> Payload<'_> {
        match self {
            Body::Empty => Payload::Empty,
            Body::Bytes(b) => Payload::Bytes(b),
            Body::Unsigned => Payload::Unsigned,
            Body::Sha256(d) => Payload::Sha256(*d),
            Body::Precomputed(s) => Payload::Precomputed(s),
        }
    }

    /// Documented: a precomputed value is 1 to 128 visible ASCII characters.
    fn ok(&self) -> bool {
        match self {
            Body::Precomputed(s) => {
                (1..=128).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_graphic())
            }
            _ => true,
        }
    }
}

fn body_strategy() -> impl Strategy<Value = Body> {
    prop_oneof![
        3 => Just(Body::Empty),
        3 => proptest::collection::vec(any::<u8>(), 0..64).prop_map(Body::Bytes),
        2 => Just(Body::Unsigned),
        2 => any::<[u8; 32]>().prop_map(Body::Sha256),
        2 => prop_oneof![
            Just(String::new()),
            "[!-~]{1,128}",
            "[!-~]{129,140}",
            ".{0,40}",
            "[a-f0-9]{60}[ \t\r\n\0]{1,3}",
            Just(sigv4x::STREAMING_PAYLOAD.to_string()),
        ]
        .prop_map(Body::Precomputed),
    ]
}

/// A scope part (access key id, region, service) that is either plainly valid or invalid for a
/// documented reason (empty, `/`, `,`, `=`, whitespace, control or non-ASCII characters).
fn scope_part() -> impl Strategy<Value = (String, bool)> {
    prop_oneof![
        40 => "[A-Za-z0-9._-]{1,20}".prop_map(|s| (s, true)),
        1 => Just((String::new(), false)),
        1 => ("[a-z]{0,5}", proptest::sample::select(vec!["/", ",", "=", " ", "\t", "\n", "\0", "é"]), "[a-z]{0,5}")
            .prop_map(|(a, bad, b)| (format!("{a}{bad}{b}"), false)),
    ]
}

/// A session token: none, a plausible one, or one that cannot be sent in a header.
fn token_strategy() -> impl Strategy<Value = (Option<String>, bool)> {
    prop_oneof![
        10 => Just((None, true)),
        10 => "[A-Za-z0-9/+=]{1,100}".prop_map(|t| (Some(t), true)),
        1 => Just((Some(String::new()), false)),
        1 => ("[a-z]{0,5}", proptest::sample::select(vec!["\r", "\n", "\0", "\u{7f}"]), "[a-z]{0,5}")
            .prop_map(|(a, bad, b)| (Some(format!("{a}{bad}{b}")), false)),
    ]
}

#[derive(Clone, Debug)]
struct Setup {
    akid: (String, bool),
    region: (String, bool),
    service: (String, bool),
    token: (Option<String>, bool),
    s3: bool,
    sign_token: bool,
}

impl Setup {
    fn signer(&self) -> Signer {
        let mut settings = if self.s3 {
            SigningSettings::s3()
        } else {
            SigningSettings::default()
        };
        settings.sign_session_token = self.sign_token;
        Signer::new(
            Credentials::new(&self.akid.0, "secret", self.token.0.clone()),
            self.region.0.as_str(),
            self.service.0.as_str(),
        )
        .with_settings(settings)
    }

    fn allowed(&self, allowed: &mut Vec<SigningError>) {
        if !self.akid.1 {
            allowed.push(SigningError::InvalidScope {
                part: "access key id",
            });
        }
        if !self.region.1 {
            allowed.push(SigningError::InvalidScope { part: "region" });
        }
        if !self.service.1 {
            allowed.push(SigningError::InvalidScope { part: "service" });
        }
        if !self.token.1 {
            allowed.push(SigningError::InvalidHeaderValue {
                name: "x-amz-security-token".into(),
            });
        }
    }
}

fn setup_strategy() -> impl Strategy<Value = Setup> {
    (
        scope_part(),
        scope_part(),
        scope_part(),
        token_strategy(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(akid, region, service, token, s3, sign_token)| Setup {
            akid,
            region,
            service,
            token,
            s3,
            sign_token,
        })
}

/// Any text, with a bias to the characters that matter: CR, LF, NUL, spaces, `%`, `/`, `.`,
/// `&`, `=`, `+`, and multi-byte characters; sometimes 100 KiB of it.
fn text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => ".{0,8}",
        2 => "[a-zA-Z0-9-]{1,8}",
        2 => proptest::sample::select(vec![
            "\r", "\n", "\r\n", "\0", " ", "  ", "\t", "%", "%2F", "%zz", "/", "//", ".", "..",
            "&", "=", "+", "?", "#", "é", "\u{1F600}", "\u{FEFF}", "\u{7f}",
        ])
        .prop_map(String::from),
    ];
    prop_oneof![
        100 => proptest::collection::vec(piece, 0..8).prop_map(|v| v.concat()),
        1 => Just("x".repeat(100 * 1024)),
        1 => Just(format!("{}\r\n{}", "y".repeat(50 * 1024), "z".repeat(50 * 1024))),
    ]
}

fn header_name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::sample::select(vec![
            "host", "Host", "HOST", "x-amz-date", "X-Amz-Date", "authorization",
            "x-amz-security-token", "x-amz-content-sha256", "user-agent", "content-type",
        ])
        .prop_map(String::from),
        3 => "[a-zA-Z0-9!#$%&'*+.^_`|~-]{1,20}",
        2 => text(),
    ]
}

#[derive(Clone, Debug)]
struct Raw {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
}

impl Raw {
    fn allowed(&self, allowed: &mut Vec<SigningError>) {
        if !is_token(&self.method) {
            allowed.push(SigningError::InvalidMethod);
        }
        for (name, value) in &self.headers {
            if !is_token(name) {
                allowed.push(SigningError::InvalidHeaderName { name: name.clone() });
            }
            if bad_value(value) {
                allowed.push(SigningError::InvalidHeaderValue { name: name.clone() });
            }
        }
        if !self
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("host"))
        {
            allowed.push(SigningError::MissingHost);
        }
    }
}

/// Text without CR, LF or NUL: a header value that is valid (though it may hold any Unicode).
fn clean_text() -> impl Strategy<Value = String> {
    text().prop_map(|t| t.replace(['\r', '\n', '\0'], ""))
}

fn raw_strategy() -> impl Strategy<Value = Raw> {
    // Mostly valid requests with one fault here and there, so that both the success path and
    // each error are exercised.
    let method = prop_oneof![
        12 => proptest::sample::select(vec!["GET", "POST", "PUT", "get", "M-SEARCH"]).prop_map(String::from),
        1 => text(),
    ];
    let name = prop_oneof![
        12 => proptest::sample::select(vec![
            "X-Amz-Date", "x-amz-date", "authorization", "x-amz-security-token",
            "x-amz-content-sha256", "user-agent", "content-type", "Host",
        ])
        .prop_map(String::from),
        12 => "[a-zA-Z0-9!#$%&'*+.^_`|~-]{1,20}",
        1 => header_name(),
    ];
    let value = prop_oneof![
        12 => "[ -~\t]{0,30}",
        12 => clean_text(),
        1 => text(),
    ];
    let host = prop_oneof![
        8 => ("(host|Host|HOST)", clean_text()).prop_map(Some),
        1 => Just(None),
    ];
    (
        method,
        text(),
        text(),
        proptest::collection::vec((name, value), 0..24),
        host,
        any::<proptest::sample::Index>(),
    )
        .prop_map(|(method, path, query, mut headers, host, at)| {
            if let Some(host) = host {
                let at = at.index(headers.len() + 1);
                headers.insert(at, host);
            }
            Raw {
                method,
                path,
                query,
                headers,
            }
        })
}

// ---------------------------------------------------------------------------------------------
// The checks.

/// `result` is `Ok` exactly when nothing is wrong, and otherwise one of the allowed errors.
fn judge<T>(
    what: &str,
    result: &Result<T, SigningError>,
    allowed: &[SigningError],
) -> Result<(), TestCaseError> {
    match result {
        Ok(_) => prop_assert!(
            allowed.is_empty(),
            "{what}: Ok, but expected one of {:?}",
            allowed
        ),
        Err(e) => {
            prop_assert!(
                allowed.contains(e),
                "{what}: got {:?}, expected one of {:?}",
                e,
                allowed
            );
            // Display must not panic either, and must say something.
            prop_assert!(!e.to_string().is_empty());
        }
    }
    Ok(())
}

fn common_faults(setup: &Setup, when: &When, body: &Body) -> Vec<SigningError> {
    let mut allowed = Vec::new();
    setup.allowed(&mut allowed);
    if !when.in_range() {
        allowed.push(SigningError::TimeOutOfRange);
    }
    if !body.ok() {
        allowed.push(SigningError::InvalidPayloadHash);
    }
    allowed
}

fn config() -> Config {
    Config {
        cases: CASES,
        max_global_rejects: 10_000,
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn raw_requests_never_panic(
        setup in setup_strategy(),
        raw in raw_strategy(),
        when in when_strategy(),
        body in body_strategy(),
        expires in expiry_strategy(),
    ) {
        let signer = setup.signer();
        let time = when.time().unwrap();
        let headers: Vec<(&str, &str)> =
            raw.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let request = RawRequest {
            method: &raw.method,
            path: &raw.path,
            query: &raw.query,
            headers: &headers,
        };
        let mut allowed = common_faults(&setup, &when, &body);
        raw.allowed(&mut allowed);

        let signed = signer.sign_raw_at(&request, body.payload(), time);
        judge("sign_raw_at", &signed, &allowed)?;
        let explained =
            signer.explain_raw_at(&request, body.payload(), SignatureLocation::Headers, time);
        judge("explain_raw_at", &explained, &allowed)?;
        if let (Ok(s), Ok(e)) = (&signed, &explained) {
            prop_assert_eq!(s.signature(), e.signature);
            prop_assert!(s.authorization().ends_with(s.signature().as_str()));
        }

        if !expiry_ok(expires) {
            allowed.push(SigningError::InvalidExpiry { requested: expires });
        }
        let presigned = signer.presign_raw_at(&request, body.payload(), expires, time);
        judge("presign_raw_at", &presigned, &allowed)?;
        if let Ok(query) = &presigned {
            prop_assert!(query.contains("X-Amz-Signature="));
        }
        let explained = signer.explain_raw_at(
            &request,
            body.payload(),
            SignatureLocation::Query(expires),
            time,
        );
        judge("explain_raw_at (query)", &explained, &allowed)?;
    }
}

// ---------------------------------------------------------------------------------------------
// http::Request inputs: odd URIs, odd header bytes.

/// URIs in every form `http::Uri` accepts: absolute, origin-form (no authority), authority-form
/// (no scheme), `*`, IPv6 literals, ports, userinfo, unknown schemes, long hosts.
fn uri_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::sample::select(vec![
            "*",
            "/",
            "/only/a/path?q=1",
            "example.com",
            "example.com:443",
            "example.com:0",
            "http://example.com",
            "https://example.com:443/",
            "http://example.com:80/a/../b",
            "http://example.com:65535/%zz",
            "https://[::1]/",
            "https://[::1]:8443/x?y",
            "http://[fe80::1%25eth0]:80/",
            "https://user:pw@example.com:8443/k",
            "foo://example.com:80/",
            "unix://%2Ftmp%2Fsock/x",
            "http://127.0.0.1:1/",
            "https://a/?X-Amz-Signature=stale&X-Amz-Date=old&&=",
        ])
        .prop_map(String::from),
        2 => (
            proptest::sample::select(vec!["http://", "https://", "s3://", ""]),
            "[a-zA-Z0-9.-]{1,300}",
            proptest::option::of(any::<u16>()),
            "(/[a-zA-Z0-9%._~!$&'()*+,;=:@-]{0,12}){0,5}",
            proptest::option::of("[a-zA-Z0-9%=&+._~-]{0,30}"),
        )
            .prop_map(|(scheme, host, port, path, query)| {
                let mut s = format!("{scheme}{host}");
                if let Some(p) = port {
                    s.push_str(&format!(":{p}"));
                }
                s.push_str(&path);
                if let Some(q) = query {
                    s.push('?');
                    s.push_str(&q);
                }
                s
            }),
    ]
    .prop_filter("http::Uri must accept it", |u| {
        u.parse::<http::Uri>().is_ok()
    })
}

fn http_header_strategy() -> impl Strategy<Value = Vec<(String, Vec<u8>)>> {
    let name = prop_oneof![
        proptest::sample::select(vec![
            "host",
            "x-amz-date",
            "authorization",
            "x-amz-security-token",
            "x-amz-content-sha256",
            "user-agent",
            "accept",
        ])
        .prop_map(String::from),
        "[a-z0-9!#$%&'*+.^_`|~-]{1,20}",
    ];
    // Header values may hold obs-text (bytes 0x80-0xFF): not UTF-8, but valid in a HeaderMap.
    let value = prop_oneof![
        30 => "[ -~\t]{0,30}".prop_map(String::into_bytes),
        10 => proptest::collection::vec(
            prop_oneof![Just(b'\t'), 0x20u8..0x7f, 0x80u8..=0xff], 0..30
        ),
        1 => Just(vec![b'v'; 100 * 1024]),
    ];
    proptest::collection::vec((name, value), 0..24)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn http_requests_never_panic(
        setup in setup_strategy(),
        method in prop_oneof![
            proptest::sample::select(vec!["GET", "PUT", "CONNECT", "OPTIONS"]).prop_map(String::from),
            "[A-Za-z0-9!#$%&'*+.^_`|~-]{1,20}",
        ],
        uri in uri_strategy(),
        headers in http_header_strategy(),
        when in when_strategy(),
        body in body_strategy(),
        expires in expiry_strategy(),
    ) {
        let signer = setup.signer();
        let time = when.time().unwrap();
        let build = || {
            let mut b = http::Request::builder().method(method.as_str()).uri(uri.as_str());
            for (n, v) in &headers {
                b = b.header(n.as_str(), http::HeaderValue::from_bytes(v).unwrap());
            }
            b.body(()).unwrap()
        };
        let request = build();
        let mut allowed = common_faults(&setup, &when, &body);
        let has_host = request.headers().contains_key(http::header::HOST);
        if !has_host && request.uri().host().is_none() {
            allowed.push(SigningError::MissingHost);
        }

        let mut signed_request = build();
        let signed = signer.sign_at(&mut signed_request, body.payload(), time);
        judge("sign_at", &signed, &allowed)?;
        match &signed {
            Ok(signature) => {
                let auth = signed_request.headers()["authorization"].to_str().unwrap();
                prop_assert!(auth.starts_with("AWS4-HMAC-SHA256 Credential="));
                prop_assert!(auth.ends_with(signature.as_str()));
                prop_assert!(signed_request.headers().contains_key(http::header::HOST));
                prop_assert_eq!(
                    signed_request.headers().get_all("authorization").iter().count(), 1
                );
            }
            // A failed signing leaves the request as it was.
            Err(_) => prop_assert_eq!(signed_request.headers(), request.headers()),
        }
        let explained =
            signer.explain_at(&request, body.payload(), SignatureLocation::Headers, time);
        judge("explain_at", &explained, &allowed)?;
        if let (Ok(s), Ok(e)) = (&signed, &explained) {
            prop_assert_eq!(*s, e.signature);
        }

        // The faults of a presigning: those above (without the payload's for `presign_at`, which
        // takes none) and the expiry's.
        let presign_faults = |body: &Body| {
            let mut faults = common_faults(&setup, &when, body);
            if !has_host && request.uri().host().is_none() {
                faults.push(SigningError::MissingHost);
            }
            if !expiry_ok(expires) {
                faults.push(SigningError::InvalidExpiry { requested: expires });
            }
            // A presigned URL longer than http::Uri can hold is `InvalidUri`; with these inputs
            // it stays far below that limit, so `InvalidUri` is not allowed.
            faults
        };
        let presigned = signer.presign_at(&request, expires, time);
        judge("presign_at", &presigned, &presign_faults(&Body::Empty))?;
        let presigned =
            signer.presign_with_payload_at(&request, body.payload(), expires, time);
        judge("presign_with_payload_at", &presigned, &presign_faults(&body))?;
        if let Ok(uri) = &presigned {
            prop_assert!(uri.query().unwrap().contains("X-Amz-Signature="));
            // The path as signed: authority- and asterisk-form targets gain a leading '/'.
            let path = request.uri().path();
            let signed_path = if path.starts_with('/') { path.to_string() } else { format!("/{path}") };
            prop_assert_eq!(uri.path(), signed_path);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The documented errors, one by one.

fn signer() -> Signer {
    Signer::new(Credentials::new("AKID", "SECRET", None), "us-east-1", "svc")
}

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

fn raw<'a>(headers: &'a [(&'a str, &'a str)]) -> RawRequest<'a> {
    RawRequest {
        method: "GET",
        path: "/",
        query: "",
        headers,
    }
}

#[test]
fn control_characters_in_header_values_are_rejected() {
    for bad in ["a\rb", "a\nb", "a\0b", "\r\n", "x\r\nX-Injected: 1"] {
        let headers = [("host", "example.com"), ("x-custom", bad)];
        let err = signer()
            .sign_raw_at(&raw(&headers), Payload::Empty, at(1_700_000_000))
            .unwrap_err();
        assert_eq!(
            err,
            SigningError::InvalidHeaderValue {
                name: "x-custom".into()
            },
            "{bad:?}"
        );
    }
    // A CR in the Host header is caught the same way.
    let headers = [("host", "example.com\r")];
    assert_eq!(
        signer()
            .sign_raw_at(&raw(&headers), Payload::Empty, at(1_700_000_000))
            .unwrap_err(),
        SigningError::InvalidHeaderValue {
            name: "host".into()
        }
    );
}

#[test]
fn invalid_names_and_methods_are_rejected() {
    let headers = [("host", "example.com"), ("bad name", "v")];
    assert_eq!(
        signer()
            .sign_raw_at(&raw(&headers), Payload::Empty, at(1_700_000_000))
            .unwrap_err(),
        SigningError::InvalidHeaderName {
            name: "bad name".into()
        }
    );
    for method in ["", "GE T", "GET\r\n", "ГЕТ"] {
        let headers = [("host", "example.com")];
        let request = RawRequest {
            method,
            ..raw(&headers)
        };
        assert_eq!(
            signer()
                .sign_raw_at(&request, Payload::Empty, at(1_700_000_000))
                .unwrap_err(),
            SigningError::InvalidMethod,
            "{method:?}"
        );
    }
}

#[test]
fn expiry_limits() {
    let req = http::Request::get("https://example.com/").body(()).unwrap();
    let time = at(1_700_000_000);
    for (secs, ok) in [
        (0, false),
        (1, true),
        (604_800, true),
        (604_801, false),
        (u64::MAX, false),
    ] {
        let expires = Duration::from_secs(secs);
        let result = signer().presign_at(&req, expires, time);
        if ok {
            let uri = result.unwrap();
            assert!(
                uri.query()
                    .unwrap()
                    .contains(&format!("X-Amz-Expires={secs}&")),
                "{uri}"
            );
        } else {
            assert_eq!(
                result.unwrap_err(),
                SigningError::InvalidExpiry { requested: expires }
            );
        }
    }
    assert_eq!(
        signer()
            .presign_at(&req, Duration::from_millis(999), time)
            .unwrap_err(),
        SigningError::InvalidExpiry {
            requested: Duration::from_millis(999)
        }
    );
}

#[test]
fn time_limits() {
    let mut req = http::Request::get("https://example.com/").body(()).unwrap();
    let before = UNIX_EPOCH - Duration::from_secs(1);
    assert_eq!(
        signer()
            .sign_at(&mut req, Payload::Empty, before)
            .unwrap_err(),
        SigningError::TimeOutOfRange
    );
    signer()
        .sign_at(&mut req, Payload::Empty, UNIX_EPOCH)
        .unwrap();
    assert_eq!(req.headers()["x-amz-date"], "19700101T000000Z");
    signer()
        .sign_at(&mut req, Payload::Empty, at(LAST_SECOND))
        .unwrap();
    assert_eq!(req.headers()["x-amz-date"], "99991231T235959Z");
    for secs in [LAST_SECOND + 1, i64::MAX as u64 / 4] {
        assert_eq!(
            signer()
                .sign_at(&mut req, Payload::Empty, at(secs))
                .unwrap_err(),
            SigningError::TimeOutOfRange,
            "{secs}"
        );
    }
}

#[test]
fn missing_host() {
    let time = at(1_700_000_000);
    for uri in ["/path", "*", "/?q"] {
        let mut req = http::Request::get(uri).body(()).unwrap();
        assert_eq!(
            signer()
                .sign_at(&mut req, Payload::Empty, time)
                .unwrap_err(),
            SigningError::MissingHost,
            "{uri}"
        );
        assert!(req.headers().is_empty(), "a failed signing changed {uri}");
        // The same request with a Host header signs.
        let mut req = http::Request::get(uri)
            .header("host", "example.com")
            .body(())
            .unwrap();
        signer().sign_at(&mut req, Payload::Empty, time).unwrap();
    }
    // Authority-form URIs carry a host.
    let mut req = http::Request::builder()
        .method("CONNECT")
        .uri("example.com:8443")
        .body(())
        .unwrap();
    signer().sign_at(&mut req, Payload::Empty, time).unwrap();
    assert_eq!(req.headers()["host"], "example.com:8443");
    let headers = [("accept", "*/*")];
    assert_eq!(
        signer()
            .sign_raw_at(&raw(&headers), Payload::Empty, time)
            .unwrap_err(),
        SigningError::MissingHost
    );
}

#[test]
fn junk_precomputed_payloads_are_rejected() {
    let headers = [("host", "example.com")];
    let long = "a".repeat(129);
    for junk in ["", "a b", "abc\n", "\0", "é", long.as_str()] {
        assert_eq!(
            signer()
                .sign_raw_at(
                    &raw(&headers),
                    Payload::Precomputed(junk),
                    at(1_700_000_000)
                )
                .unwrap_err(),
            SigningError::InvalidPayloadHash,
            "{junk:?}"
        );
    }
    let max = "a".repeat(128);
    signer()
        .sign_raw_at(
            &raw(&headers),
            Payload::Precomputed(&max),
            at(1_700_000_000),
        )
        .unwrap();
}

/// Regression: sigv4x signs the canonical path `/` for the authority-form URI
/// `example.com:8443` (and takes the Host from it), but cannot return the presigned URL: it
/// rebuilds it as `"" + "?" + query`, which `http::Uri` rejects, so the caller gets
/// `InvalidUri` ("a presigned URL beyond http::Uri's limits"), which is not what happened.
/// Expected: a URL carrying the path that was signed (`/`), as for `https://example.com:8443`.
#[test]
fn presigning_an_authority_form_uri() {
    let req = http::Request::get("example.com:8443").body(()).unwrap();
    let uri = signer()
        .presign_at(&req, Duration::from_secs(60), at(1_700_000_000))
        .unwrap();
    assert_eq!(uri.path(), "/");
    assert!(uri.query().unwrap().contains("X-Amz-Signature="));
}

#[test]
fn huge_parts_sign() {
    let big = "v".repeat(100 * 1024);
    let path = format!("/{}", "a/".repeat(50 * 1024));
    let query = "k=v&".repeat(25 * 1024);
    let headers = [("host", "example.com"), ("x-big", big.as_str())];
    let request = RawRequest {
        method: "PUT",
        path: &path,
        query: &query,
        headers: &headers,
    };
    let time = at(1_700_000_000);
    let out = signer()
        .sign_raw_at(&request, Payload::Bytes(big.as_bytes()), time)
        .unwrap();
    let report = signer()
        .explain_raw_at(
            &request,
            Payload::Bytes(big.as_bytes()),
            SignatureLocation::Headers,
            time,
        )
        .unwrap();
    assert_eq!(out.signature(), report.signature);
    assert!(report.canonical_request.contains(&format!("x-big:{big}\n")));
    let bad = format!("{big}\r\n{big}");
    let headers = [("host", "example.com"), ("x-big", bad.as_str())];
    assert_eq!(
        signer()
            .sign_raw_at(
                &RawRequest {
                    headers: &headers,
                    ..request
                },
                Payload::Empty,
                time
            )
            .unwrap_err(),
        SigningError::InvalidHeaderValue {
            name: "x-big".into()
        }
    );
}
