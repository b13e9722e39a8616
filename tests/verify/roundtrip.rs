//! The verifier's laws, on random requests: everything the signer produces verifies, and any
//! single change to the method, path, query, a signed header, the body, the date, the scope or
//! the signature is refused with the right error.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{HeaderValue, Request, Uri};
use proptest::prelude::*;
use sigv4x::{
    Credentials, Payload, Signer, SigningSettings, StoredKey, VerifiedPayload, Verifier,
    VerifyError,
};

const AKID: &str = "AKIDROUNDTRIP";
const SECRET: &str = "round/trip+secret";
const TOKEN: &str = "FwoGZXIvYXdzEJr//////////wEaDA==";

fn t0() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_764_400_000)
}

#[derive(Clone, Debug)]
struct Case {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    s3: bool,
    token: bool,
    presign: bool,
}

fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9._~-]{1,8}",
        Just("%20".to_string()),
        Just("%2F".to_string()),
        Just("%E2%82%AC".to_string()),
        Just("a%3Db".to_string()),
        Just("@!$'()*,;=:+".to_string()),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop_oneof![
            Just("GET"),
            Just("PUT"),
            Just("POST"),
            Just("DELETE"),
            Just("PATCH")
        ],
        prop::collection::vec(segment(), 0..4),
        prop::collection::vec(("[a-zA-Z0-9._~-]{0,6}", "[a-zA-Z0-9._~%+-]{0,6}"), 0..4),
        prop::collection::vec(
            (
                prop_oneof![
                    Just("x-custom"),
                    Just("accept"),
                    Just("x-amz-meta-a"),
                    Just("content-type")
                ],
                "[ a-zA-Z0-9/;=,.-]{0,12}",
            ),
            0..4,
        ),
        prop::collection::vec(any::<u8>(), 0..64),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(method, segments, query, headers, body, s3, token, presign)| Case {
                method: method.to_string(),
                path: format!("/{}", segments.join("/")),
                query: query
                    .iter()
                    .map(|(k, v)| format!("{k}={}", v.replace('%', "%25")))
                    .collect::<Vec<_>>()
                    .join("&"),
                headers: headers
                    .into_iter()
                    .map(|(n, v)| (n.to_string(), v))
                    .collect(),
                body,
                s3,
                token,
                presign,
            },
        )
}

fn settings(c: &Case) -> SigningSettings {
    if c.s3 {
        SigningSettings::s3()
    } else {
        SigningSettings::default()
    }
}

/// The verifier for a case. A path not in normal form (`%2F`, a `.` segment) is refused by
/// default; the laws below are stated for the verifier that accepts it, and
/// `non_normal_paths_are_refused_by_default` checks the refusal.
fn verifier(c: &Case) -> Verifier<HashMap<String, StoredKey>> {
    let normal = strict_verifier(c).check_path(&c.path).is_ok();
    strict_verifier(c).accept_non_normal_paths(!normal)
}

fn strict_verifier(c: &Case) -> Verifier<HashMap<String, StoredKey>> {
    let mut key = StoredKey::new(SECRET).with_principal("arn:aws:iam::111122223333:role/r");
    if c.token {
        key = key.with_session_token(TOKEN);
    }
    Verifier::new(HashMap::from([(AKID.to_string(), key)]))
        .region("us-east-1")
        .service("execute-api")
        .settings(settings(c))
        .allow_unsigned_payload(true)
}

fn signer(c: &Case) -> Signer {
    let token = c.token.then(|| TOKEN.to_string());
    Signer::new(
        Credentials::new(AKID, SECRET, token),
        "us-east-1",
        "execute-api",
    )
    .with_settings(settings(c))
}

/// The request as it goes on the wire, signed (header form) or presigned.
fn signed(c: &Case) -> Request<()> {
    let uri = if c.query.is_empty() {
        format!("https://api.example.com{}", c.path)
    } else {
        format!("https://api.example.com{}?{}", c.path, c.query)
    };
    let mut builder = Request::builder().method(c.method.as_str()).uri(uri);
    for (n, v) in &c.headers {
        builder = builder.header(n.as_str(), v.as_str());
    }
    let mut req = builder.body(()).unwrap();
    let signer = signer(c);
    if c.presign {
        let url = signer
            .presign_with_payload_at(&req, payload_of(c), Duration::from_secs(600), t0())
            .unwrap();
        *req.uri_mut() = url;
        // A presigned request carries the host it was signed for.
        req.headers_mut()
            .insert("host", HeaderValue::from_static("api.example.com"));
    } else {
        signer.sign_at(&mut req, payload_of(c), t0()).unwrap();
    }
    req
}

fn payload_of(c: &Case) -> Payload<'_> {
    if c.presign && c.s3 {
        Payload::Unsigned
    } else {
        Payload::Bytes(&c.body)
    }
}

fn assert_refused(
    c: &Case,
    req: &Request<()>,
    body: &[u8],
    at: SystemTime,
    what: &str,
) -> VerifyError {
    verifier(c)
        .verify_at(req, Payload::Bytes(body), at)
        .expect_err(what)
}

fn is_mismatch(e: &VerifyError) -> bool {
    matches!(e, VerifyError::SignatureDoesNotMatch(_))
}

fn with_uri(req: &Request<()>, uri: &str) -> Request<()> {
    let mut r = req.clone();
    *r.uri_mut() = uri.parse::<Uri>().unwrap();
    r
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    #[test]
    fn everything_the_signer_produces_verifies(c in case()) {
        let req = signed(&c);
        let ok = verifier(&c).verify_at(&req, Payload::Bytes(&c.body), t0());
        let ok = ok.map_err(|e| format!("{e:?} for {c:?}\n{req:?}")).unwrap();
        prop_assert_eq!(ok.access_key_id(), AKID);
        prop_assert_eq!(ok.principal(), Some("arn:aws:iam::111122223333:role/r"));
        prop_assert_eq!(ok.scope().region, "us-east-1");
        prop_assert_eq!(ok.is_presigned(), c.presign);
        prop_assert_eq!(ok.has_session_token(), c.token);
        prop_assert!(ok.signed_headers().any(|h| h == "host"));
        let expected_payload = if c.presign && c.s3 { VerifiedPayload::Unsigned } else { VerifiedPayload::Checked };
        prop_assert_eq!(ok.payload(), expected_payload);
        // Anywhere inside the skew window or the expiry is fine too.
        prop_assert!(verifier(&c).verify_at(&req, Payload::Bytes(&c.body), t0() + Duration::from_secs(299)).is_ok());
    }

    #[test]
    fn non_normal_paths_are_refused_by_default(c in case()) {
        let req = signed(&c);
        let strict = strict_verifier(&c).verify_at(&req, Payload::Bytes(&c.body), t0());
        let dotted = c.path.split('/').any(|s| s == "." || s == "..");
        let escaped = c.path.contains("%2F");
        let parameters = c.path.contains(';');
        if !c.s3 && (dotted || escaped || parameters) {
            prop_assert!(
                matches!(strict, Err(VerifyError::PathNotNormalized { .. })),
                "{:?} for {:?}", strict, c
            );
        } else {
            prop_assert!(strict.is_ok(), "{:?} for {:?}", strict, c);
        }
    }

    #[test]
    fn any_single_change_is_refused(c in case(), pick in 0usize..9, salt in any::<u8>()) {
        let req = signed(&c);
        let uri = req.uri().to_string();
        let (mutated, body, at, what): (Request<()>, Vec<u8>, SystemTime, &str) = match pick {
            0 => {
                let mut r = req.clone();
                *r.method_mut() = if c.method == "GET" { http::Method::HEAD } else { http::Method::GET };
                (r, c.body.clone(), t0(), "method")
            }
            1 => {
                let path_end = uri.find('?').unwrap_or(uri.len());
                let changed = format!("{}x{}", &uri[..path_end], &uri[path_end..]);
                (with_uri(&req, &changed), c.body.clone(), t0(), "path")
            }
            2 => {
                let sep = if uri.contains('?') { '&' } else { '?' };
                (with_uri(&req, &format!("{uri}{sep}extra{salt}=1")), c.body.clone(), t0(), "query")
            }
            3 => {
                let mut r = req.clone();
                r.headers_mut().insert("host", HeaderValue::from_static("evil.example.com"));
                (r, c.body.clone(), t0(), "signed header")
            }
            4 => {
                let mut body = c.body.clone();
                body.push(salt);
                (req.clone(), body, t0(), "body")
            }
            5 => (req.clone(), c.body.clone(), t0() + Duration::from_secs(3600), "time"),
            6 => {
                let from = if c.presign { "us-east-1%2F" } else { "us-east-1/" };
                let to = if c.presign { "us-west-2%2F" } else { "us-west-2/" };
                let mut r = req.clone();
                if c.presign {
                    *r.uri_mut() = uri.replace(from, to).parse().unwrap();
                } else {
                    let auth = r.headers()["authorization"].to_str().unwrap().replace(from, to);
                    r.headers_mut().insert("authorization", auth.parse().unwrap());
                }
                (r, c.body.clone(), t0(), "scope")
            }
            7 => {
                let mut r = req.clone();
                let flip = |s: &str| {
                    let at = s.find("Signature=").unwrap() + "Signature=".len() + usize::from(salt % 64);
                    let mut b = s.as_bytes().to_vec();
                    b[at] = if b[at] == b'a' { b'b' } else { b'a' };
                    String::from_utf8(b).unwrap()
                };
                if c.presign {
                    *r.uri_mut() = flip(&uri).parse().unwrap();
                } else {
                    let auth = flip(r.headers()["authorization"].to_str().unwrap());
                    r.headers_mut().insert("authorization", auth.parse().unwrap());
                }
                (r, c.body.clone(), t0(), "signature")
            }
            _ => {
                // The date moves by a second: still inside the window, but not what was signed.
                let mut r = req.clone();
                if c.presign {
                    *r.uri_mut() = uri.replace("T070640Z", "T070641Z").parse().unwrap();
                } else {
                    r.headers_mut().insert("x-amz-date", HeaderValue::from_static("20251129T070641Z"));
                }
                (r, c.body.clone(), t0(), "date")
            }
        };
        if what == "body" && c.presign && c.s3 {
            // S3 presigned URLs sign UNSIGNED-PAYLOAD: the body is not covered, by design.
            prop_assert_eq!(
                verifier(&c).verify_at(&mutated, Payload::Bytes(&body), at).unwrap().payload(),
                VerifiedPayload::Unsigned
            );
            return Ok(());
        }
        let err = assert_refused(&c, &mutated, &body, at, what);
        let right = match what {
            "time" => matches!(err, VerifyError::RequestTimeTooSkewed { .. } | VerifyError::Expired { .. }),
            "scope" => matches!(err, VerifyError::WrongRegion { .. }),
            // A body change is caught by the declared hash (S3) or by the signature.
            "body" => is_mismatch(&err) || err == VerifyError::ContentSha256Mismatch,
            _ => is_mismatch(&err),
        };
        prop_assert!(right, "{what}: got {err:?} for {c:?}");
    }
}

#[test]
fn header_and_presigned_together_are_refused() {
    let c = Case {
        method: "GET".into(),
        path: "/".into(),
        query: String::new(),
        headers: vec![],
        body: vec![],
        s3: false,
        token: false,
        presign: true,
    };
    let mut req = signed(&c);
    req.headers_mut().insert(
        "authorization",
        HeaderValue::from_static("AWS4-HMAC-SHA256 Credential=x"),
    );
    let err = verifier(&c)
        .verify_at(&req, Payload::Empty, t0())
        .unwrap_err();
    assert_eq!(err, VerifyError::AmbiguousAuthentication);
    assert_eq!((err.code(), err.http_status()), ("InvalidArgument", 400));
}

#[test]
fn a_mismatch_hands_back_the_servers_texts_without_secrets() {
    let c = Case {
        method: "GET".into(),
        path: "/orders".into(),
        query: "a=1".into(),
        headers: vec![],
        body: vec![],
        s3: false,
        token: true,
        presign: false,
    };
    let mut req = signed(&c);
    req.headers_mut()
        .insert("host", HeaderValue::from_static("other.example.com"));
    let err = verifier(&c)
        .verify_at(&req, Payload::Empty, t0())
        .unwrap_err();
    let m = err
        .mismatch()
        .expect("a mismatch carries the server's texts");
    assert!(m
        .canonical_request()
        .starts_with("GET\n/orders\na=1\nhost:other.example.com\n"));
    assert!(m
        .canonical_request()
        .contains("x-amz-security-token:<redacted>"));
    assert!(!m.canonical_request().contains(TOKEN));
    assert!(m.string_to_sign().starts_with(
        "AWS4-HMAC-SHA256\n20251129T070640Z\n20251129/us-east-1/execute-api/aws4_request\n"
    ));
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(TOKEN) && !shown.contains(SECRET) && !shown.contains("host:"));
    assert_eq!(err.api_gateway_error_type(), "InvalidSignatureException");
}

#[test]
fn replay_guard_refuses_the_second_use_of_a_signature() {
    let c = Case {
        method: "POST".into(),
        path: "/orders".into(),
        query: String::new(),
        headers: vec![],
        body: b"{}".to_vec(),
        s3: false,
        token: false,
        presign: false,
    };
    let req = signed(&c);
    let v = verifier(&c).replay_guard(16);
    assert!(v.verify_at(&req, Payload::Bytes(b"{}"), t0()).is_ok());
    let again = v.verify_at(&req, Payload::Bytes(b"{}"), t0() + Duration::from_secs(1));
    assert_eq!(again.unwrap_err(), VerifyError::Replayed);
    // A fresh signing of the same request is a different signature.
    let later = {
        let mut r = Request::post("https://api.example.com/orders")
            .body(())
            .unwrap();
        signer(&c)
            .sign_at(&mut r, Payload::Bytes(b"{}"), t0() + Duration::from_secs(2))
            .unwrap();
        r
    };
    assert!(v
        .verify_at(&later, Payload::Bytes(b"{}"), t0() + Duration::from_secs(2))
        .is_ok());
}

/// What a shared replay store records: the signature sent, kept until the request's time plus
/// the skew window (header form) or until the presigned URL expires.
#[test]
fn replay_entry_is_the_signature_and_its_window() {
    let mut c = Case {
        method: "GET".into(),
        path: "/orders".into(),
        query: String::new(),
        headers: vec![],
        body: Vec::new(),
        s3: false,
        token: false,
        presign: false,
    };
    let req = signed(&c);
    let verified = verifier(&c)
        .max_skew(Duration::from_secs(120))
        .verify_at(&req, Payload::Empty, t0() + Duration::from_secs(5))
        .unwrap();
    let entry = verified.replay_entry();
    assert_eq!(
        hex::encode(entry.key()).as_bytes(),
        verified.signature().as_bytes()
    );
    assert_eq!(
        entry.valid_until(),
        verified.request_time().to_system_time() + Duration::from_secs(120)
    );
    c.presign = true;
    let req = signed(&c);
    let verified = verifier(&c).verify_at(&req, Payload::Empty, t0()).unwrap();
    let expires: u64 = req
        .uri()
        .query()
        .unwrap()
        .split('&')
        .find_map(|p| p.strip_prefix("X-Amz-Expires="))
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        verified.replay_entry().valid_until(),
        verified.request_time().to_system_time() + Duration::from_secs(expires)
    );
}

/// From a verified streaming request to a verified body: the verifier builds the chunk decoder,
/// which chains from the request's signature; one changed byte of the body is refused, and a
/// request that was not streamed has no decoder.
#[test]
fn a_verified_streaming_upload_yields_a_decoder_that_refuses_a_changed_body() {
    use sigv4x::{sign_streaming_at, ChunkError, ChunkedMode, DecoderConfig, StreamingPlan};
    let c = Case {
        method: "PUT".into(),
        path: "/bucket/key".into(),
        query: String::new(),
        headers: vec![],
        body: vec![],
        s3: true,
        token: true,
        presign: false,
    };
    let data: Vec<u8> = (0..40_000u32).map(|i| (i % 251) as u8).collect();
    let mut req = Request::put("https://bucket.s3.amazonaws.com/bucket/key")
        .body(())
        .unwrap();
    let plan = StreamingPlan::new(ChunkedMode::Signed, data.len() as u64, 16 * 1024);
    let mut encoder = sign_streaming_at(&signer(&c), &mut req, plan, t0()).unwrap();
    let mut body = Vec::new();
    for chunk in data.chunks(16 * 1024) {
        encoder.encode_chunk(chunk, &mut body).unwrap();
    }
    body.extend_from_slice(encoder.finish().unwrap().as_bytes());

    let v = verifier(&c);
    let verified = v.verify_at(&req, Payload::Unsigned, t0()).unwrap();
    assert!(matches!(verified.payload(), VerifiedPayload::Streaming(_)));
    let mut decoder = v
        .chunk_decoder(&req, &verified, DecoderConfig::default())
        .unwrap();
    let mut received = Vec::new();
    decoder
        .feed(&body, |b| received.extend_from_slice(b))
        .unwrap();
    decoder.finish().unwrap();
    assert_eq!(received, data);

    let mut forged = body.clone();
    let at = forged.len() / 2;
    forged[at] ^= 1;
    let mut decoder = v
        .chunk_decoder(&req, &verified, DecoderConfig::default())
        .unwrap();
    let err = decoder
        .feed(&forged, |_| {})
        .and_then(|()| decoder.finish().map(|_| ()));
    assert_eq!(err.unwrap_err().code(), "SignatureDoesNotMatch");

    let plain = signed(&Case {
        presign: false,
        ..c
    });
    let ok = v.verify_at(&plain, Payload::Bytes(&[]), t0()).unwrap();
    assert!(matches!(
        v.chunk_decoder(&plain, &ok, DecoderConfig::default()),
        Err(ChunkError::NotStreaming { .. })
    ));
}
