//! No input panics the verifier: arbitrary methods, paths, queries, header names and values,
//! bodies and clocks give either a `Verified` or a typed refusal with a code and a status.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::time::{Duration, UNIX_EPOCH};

use proptest::prelude::*;
use sigv4x::{Payload, RawRequest, SigningSettings, StoredKey, Verifier};

fn auth_like() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,64}",
        "AWS4-HMAC-SHA256 Credential=[A-Z]{0,6}/[0-9]{0,9}/[a-z0-9-]{0,10}/[a-z]{0,8}/aws4_request, SignedHeaders=[a-z;-]{0,30}, Signature=[0-9a-f]{0,70}",
        "AWS4-HMAC-SHA256 ([A-Za-z]{1,12}=[^,]{0,20}, ?){0,6}",
    ]
}

fn query_like() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ -~]{0,80}",
        "(X-Amz-(Algorithm|Credential|Date|Expires|SignedHeaders|Signature|Security-Token)=[A-Za-z0-9%+/-]{0,24}&){0,9}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn nothing_panics(
        method in "[A-Za-z]{0,8}|.{0,4}",
        path in ".{0,40}",
        query in query_like(),
        auth in auth_like(),
        date in "[0-9T Z-]{0,18}",
        extra in prop::collection::vec(("[!-~]{1,12}", ".{0,30}"), 0..6),
        body in prop::collection::vec(any::<u8>(), 0..64),
        content_sha in prop::option::of("[0-9a-zA-Z-]{0,70}"),
        now_secs in any::<u64>(),
        s3 in any::<bool>(),
    ) {
        let mut headers: Vec<(&str, &str)> = vec![("host", "example.com"), ("authorization", &auth), ("x-amz-date", &date)];
        if let Some(c) = &content_sha {
            headers.push(("x-amz-content-sha256", c));
        }
        for (n, v) in &extra {
            headers.push((n, v));
        }
        let store = HashMap::from([("AKID".to_string(), StoredKey::new("secret").with_session_token("t"))]);
        let mut v = Verifier::new(store).region("us-east-1").service("s3").replay_guard(4);
        if s3 {
            v = v.settings(SigningSettings::s3()).allow_unsigned_payload(true);
        }
        let raw = RawRequest { method: &method, path: &path, query: &query, headers: &headers };
        let now = UNIX_EPOCH.checked_add(Duration::from_secs(now_secs % (1u64 << 40))).unwrap();
        for payload in [Payload::Bytes(&body), Payload::Unsigned, Payload::Empty] {
            if let Err(e) = v.verify_raw_at(&raw, payload, now) {
                prop_assert!(!e.code().is_empty());
                prop_assert!(matches!(e.http_status(), 400 | 403 | 503));
                prop_assert!(!e.to_string().is_empty());
                prop_assert!(!e.to_string().contains("secret"));
            }
        }
    }
}

/// A skew window too long to add to a request's date is taken as 7 days, not a panic.
#[test]
fn a_huge_skew_window_does_not_panic() {
    let keys = HashMap::from([("AKIDEXAMPLE".to_string(), StoredKey::new("secret"))]);
    let verifier = Verifier::new(keys)
        .region("us-east-1")
        .service("service")
        .max_skew(Duration::MAX)
        .clock(|| UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    let request = http::Request::get("https://example.amazonaws.com/")
        .header("host", "example.amazonaws.com")
        .header("x-amz-date", "20231114T221320Z")
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/us-east-1/service/aws4_request, \
             SignedHeaders=host;x-amz-date, Signature=00000000000000000000000000000000000000000000000000000000000000ff",
        )
        .body(())
        .unwrap();
    let err = verifier.verify(&request, Payload::Empty).unwrap_err();
    assert_eq!(err.code(), "SignatureDoesNotMatch");
}
