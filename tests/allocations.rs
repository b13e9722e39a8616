#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Heap allocations of `Signer::sign_at`, counted with `allocation-counter` (which replaces the
//! global allocator in this test binary and counts per thread, so the tests may run in
//! parallel).
//!
//! The budget, once the signing key for the day is cached: the two header values the signer
//! adds (`X-Amz-Date` and `Authorization` each become a `HeaderValue`, which owns its bytes) —
//! at most 2 allocations; one more when the signer also has to add a `Host` header.
//!
//! Requests are built fresh with `http::Request::builder` for every measurement: a cloned
//! `HeaderMap` has exact capacity, so the headers the signer inserts would grow it, which is an
//! allocation of the test's making, not the signer's.

#[path = "common/aws_reference.rs"]
mod aws_reference;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use allocation_counter::{measure, AllocationInfo};
use aws_reference::Reference;
use aws_sigv4::http_request::SignableBody;
use sigv4x::{Credentials, Payload, Signer, SigningSettings};

const DAY: u64 = 1_700_000_000;

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

fn credentials() -> Credentials {
    Credentials::new(
        "AKIDEXAMPLE",
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        None,
    )
}

fn signer() -> Signer {
    Signer::new(credentials(), "us-east-1", "execute-api")
}

fn get_request() -> http::Request<()> {
    http::Request::builder()
        .method("GET")
        .uri("https://abc123.execute-api.us-east-1.amazonaws.com/prod/orders?status=open&limit=10")
        .header("host", "abc123.execute-api.us-east-1.amazonaws.com")
        .header("accept", "application/json")
        .header("x-correlation-id", "7d3c6a1e-3f7b-4c55-9e0d-2b8c1f0a9e11")
        .body(())
        .unwrap()
}

fn post_request(body: &[u8]) -> http::Request<Vec<u8>> {
    http::Request::builder()
        .method("POST")
        .uri("https://abc123.execute-api.us-east-1.amazonaws.com/prod/orders")
        .header("host", "abc123.execute-api.us-east-1.amazonaws.com")
        .header("content-type", "application/json")
        .body(body.to_vec())
        .unwrap()
}

fn no_host_request(authority: &str) -> http::Request<()> {
    http::Request::builder()
        .method("GET")
        .uri(format!("https://{authority}/prod/orders?limit=10"))
        .header("accept", "application/json")
        .body(())
        .unwrap()
}

/// Signs `request` under the counter; returns the count and checks the request got signed.
fn count_signing<B>(
    signer: &Signer,
    mut request: http::Request<B>,
    payload: Payload<'_>,
    secs: u64,
) -> u64 {
    let info: AllocationInfo = measure(|| {
        signer.sign_at(&mut request, payload, at(secs)).unwrap();
    });
    assert!(request.headers().contains_key("authorization"));
    assert!(request.headers().contains_key("x-amz-date"));
    info.count_total
}

#[test]
fn counting_works() {
    // The counter is live in this binary (so a 0 below means no allocation, not no counting).
    let info = measure(|| {
        std::hint::black_box(Vec::<u8>::with_capacity(10));
    });
    assert_eq!(info.count_total, 1);
}

#[test]
fn get_with_three_headers_and_a_query() {
    let signer = signer();
    let first = count_signing(&signer, get_request(), Payload::Empty, DAY);
    let second = count_signing(&signer, get_request(), Payload::Empty, DAY);
    let third = count_signing(&signer, get_request(), Payload::Empty, DAY + 60);
    eprintln!("sigv4x GET: first signing {first} allocations, then {second}, {third}");
    assert!(second <= 2, "GET: {second} allocations after warm-up");
    assert!(third <= 2, "GET, same day, other time: {third} allocations");
    // The first signing derives the key and caches it; the second does not derive it again.
    assert!(
        second < first,
        "the second signing ({second}) should skip the key derivation of the first ({first})"
    );
}

#[test]
fn post_with_a_1_kib_body() {
    let signer = signer();
    let body: Vec<u8> = (0..1024u32).map(|i| (i % 251) as u8).collect();
    let first = count_signing(&signer, post_request(&body), Payload::Bytes(&body), DAY);
    let second = count_signing(&signer, post_request(&body), Payload::Bytes(&body), DAY);
    eprintln!("sigv4x POST 1 KiB: first signing {first} allocations, then {second}");
    assert!(second <= 2, "POST: {second} allocations after warm-up");
    assert!(second < first);
}

#[test]
fn s3_settings_add_one_header() {
    // With S3 settings the signer also sets x-amz-content-sha256: one more header value.
    let signer = signer().with_settings(SigningSettings::s3());
    count_signing(&signer, get_request(), Payload::Unsigned, DAY);
    let n = count_signing(&signer, get_request(), Payload::Unsigned, DAY);
    eprintln!("sigv4x GET with S3 settings: {n} allocations");
    assert!(n <= 3, "S3 GET: {n} allocations after warm-up");
}

#[test]
fn request_without_host_header() {
    let signer = signer();
    let authority = "abc123.execute-api.us-east-1.amazonaws.com";
    count_signing(&signer, no_host_request(authority), Payload::Empty, DAY);
    let mut request = no_host_request(authority);
    let info = measure(|| {
        signer
            .sign_at(&mut request, Payload::Empty, at(DAY))
            .unwrap();
    });
    eprintln!("sigv4x GET without Host: {} allocations", info.count_total);
    assert_eq!(request.headers()["host"], authority);
    assert!(
        info.count_total <= 3,
        "no Host: {} allocations after warm-up",
        info.count_total
    );
}

#[test]
fn a_new_day_derives_a_new_key() {
    let signer = signer();
    let first = count_signing(&signer, get_request(), Payload::Empty, DAY);
    let warm = count_signing(&signer, get_request(), Payload::Empty, DAY);
    let next_day = count_signing(&signer, get_request(), Payload::Empty, DAY + 86_400);
    assert!(
        next_day > warm,
        "a new scope date must derive (and cache) a new key: {next_day} vs {warm}"
    );
    assert!(first > warm);
}

#[test]
fn aws_sigv4_on_the_same_get() {
    let settings = SigningSettings::default();
    let reference = Reference::new(&credentials(), "us-east-1", "execute-api", &settings, None);
    // Warm-up, as for sigv4x (aws-sigv4 has no key cache, but lazily initialized statics
    // should not be counted).
    let mut request = get_request();
    reference.sign_request(&mut request, SignableBody::Bytes(b""), at(DAY));
    let mut request = get_request();
    let info = measure(|| {
        reference.sign_request(&mut request, SignableBody::Bytes(b""), at(DAY));
    });
    eprintln!(
        "aws-sigv4 GET through the test adapter (settings clone, URI to string, \
         SignableRequest, sign, apply_to_request_http1x): {} allocations, {} bytes",
        info.count_total, info.bytes_total
    );
    assert!(request.headers().contains_key("authorization"));
    assert!(info.count_total > 2);

    // The leanest use of aws-sigv4: signing parameters and the URI text prepared beforehand;
    // only building the SignableRequest, signing and applying the result are counted.
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&reference.identity)
        .region(&reference.region)
        .name(&reference.service)
        .time(at(DAY))
        .settings(reference.settings.clone())
        .build()
        .unwrap()
        .into();
    let mut request = get_request();
    let uri = request.uri().to_string();
    let info = measure(|| {
        let signable = aws_sigv4::http_request::SignableRequest::new(
            request.method().as_str(),
            &uri,
            request
                .headers()
                .iter()
                .map(|(k, v)| (k.as_str(), v.to_str().unwrap())),
            SignableBody::Bytes(b""),
        )
        .unwrap();
        let (instructions, _signature) = aws_sigv4::http_request::sign(signable, &params)
            .unwrap()
            .into_parts();
        instructions.apply_to_request_http1x(&mut request);
    });
    eprintln!(
        "aws-sigv4 GET (SignableRequest, sign, apply_to_request_http1x only): {} allocations, \
         {} bytes",
        info.count_total, info.bytes_total
    );
    assert!(request.headers().contains_key("authorization"));
    assert!(info.count_total > 2);
}

/// Regression: a non-default port in the derived Host used to cost a temporary `String`.
#[test]
fn request_without_host_header_with_a_port() {
    let signer = signer();
    let authority = "abc123.execute-api.us-east-1.amazonaws.com:8443";
    count_signing(&signer, no_host_request(authority), Payload::Empty, DAY);
    let mut request = no_host_request(authority);
    let info = measure(|| {
        signer
            .sign_at(&mut request, Payload::Empty, at(DAY))
            .unwrap();
    });
    assert_eq!(request.headers()["host"], authority);
    assert!(
        info.count_total <= 3,
        "no Host, port 8443: {} allocations after warm-up",
        info.count_total
    );
}

/// Verifying a signed GET allocates nothing once the key is cached: the request is read in
/// place and `Verified` keeps its strings on the stack.
#[test]
fn verifying_a_signed_get_does_not_allocate() {
    use std::collections::HashMap;
    let signer = signer();
    let mut request = get_request();
    signer
        .sign_at(&mut request, Payload::Empty, at(DAY))
        .unwrap();
    let store = HashMap::from([(
        "AKIDEXAMPLE".to_string(),
        credentials().secret_access_key().to_string(),
    )]);
    let verifier = sigv4x::Verifier::new(store)
        .region("us-east-1")
        .service("execute-api");
    verifier
        .verify_at(&request, Payload::Empty, at(DAY))
        .unwrap();
    let info = measure(|| {
        let v = verifier
            .verify_at(&request, Payload::Empty, at(DAY))
            .unwrap();
        assert_eq!(v.access_key_id(), "AKIDEXAMPLE");
    });
    assert_eq!(
        info.count_total, 0,
        "verify allocated {} times",
        info.count_total
    );
}
