//! SigV4a round-trip laws (feature `sigv4a`): whatever `SignerV4a` signs verifies; any single
//! change to a signed part is refused; a region outside the signed set is refused with its own
//! code; and no SigV4a-shaped input panics the verifier.
#![cfg(feature = "sigv4a")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::time::{Duration, UNIX_EPOCH};

use proptest::prelude::*;
use sigv4x::{Credentials, Payload, RawRequest, SignerV4a, StoredKey, Verifier};

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

fn verifier(region: &str) -> Verifier<HashMap<String, StoredKey>> {
    let store = HashMap::from([("AKIDEXAMPLE".to_string(), StoredKey::new(SECRET))]);
    Verifier::new(store)
        .region(region)
        .service("service")
        .replay_guard(1024)
}

#[derive(Clone, Debug)]
struct Req {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Req {
    fn verify(&self, v: &Verifier<HashMap<String, StoredKey>>, unix: u64) -> Result<(), String> {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let raw = RawRequest {
            method: &self.method,
            path: &self.path,
            query: &self.query,
            headers: &headers,
        };
        let now = UNIX_EPOCH + Duration::from_secs(unix);
        v.verify_raw_at(&raw, Payload::Bytes(&self.body), now)
            .map(|_| ())
            .map_err(|e| format!("{} {e}", e.code()))
    }
}

fn request() -> impl Strategy<Value = Req> {
    (
        prop::sample::select(vec!["GET", "PUT", "POST"]),
        prop::collection::vec("[a-z0-9-]{1,6}", 1..3),
        prop::collection::vec(("[a-z]{1,4}", "[a-z0-9]{0,4}"), 0..3),
        prop::collection::vec(
            ("x-amz-meta-[a-z]{1,4}|content-type", "[a-z0-9/]{1,8}"),
            0..3,
        ),
        prop::collection::vec(any::<u8>(), 0..32),
    )
        .prop_map(|(method, segments, pairs, headers, body)| {
            let mut query: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
            query.sort();
            let mut headers: Vec<(String, String)> = headers;
            headers.sort();
            headers.dedup_by(|a, b| a.0 == b.0);
            headers.insert(0, ("host".into(), "example.amazonaws.com".into()));
            Req {
                method: method.into(),
                path: format!("/{}", segments.join("/")),
                query: query.join("&"),
                headers,
                body,
            }
        })
}

/// Signs `req` in header or query form; returns the request as sent.
fn sign(req: &Req, set: &str, presign: bool, unix: u64) -> Req {
    let signer = SignerV4a::new(
        Credentials::new("AKIDEXAMPLE", SECRET, None),
        set,
        "service",
    );
    let headers: Vec<(&str, &str)> = req
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let raw = RawRequest {
        method: &req.method,
        path: &req.path,
        query: &req.query,
        headers: &headers,
    };
    let when = UNIX_EPOCH + Duration::from_secs(unix);
    let mut sent = req.clone();
    if presign {
        let payload = Payload::Bytes(&req.body);
        sent.query = signer
            .presign_raw_at(&raw, payload, Duration::from_secs(300), when)
            .unwrap();
    } else {
        let out = signer
            .sign_raw_at(&raw, Payload::Bytes(&req.body), when)
            .unwrap();
        sent.headers
            .extend(out.headers().map(|(n, v)| (n.to_string(), v.to_string())));
    }
    sent
}

/// Every single change to a signed part of `sent`.
fn changes(sent: &Req) -> Vec<(String, Req)> {
    let mut out = Vec::new();
    let mut push = |what: &str, f: &dyn Fn(&mut Req)| {
        let mut r = sent.clone();
        f(&mut r);
        out.push((what.to_string(), r));
    };
    push("method", &|r| {
        r.method = if r.method == "GET" {
            "PUT".into()
        } else {
            "GET".into()
        }
    });
    push("path", &|r| r.path.push('x'));
    push("query", &|r| r.query = format!("zz=1&{}", r.query));
    push("body", &|r| r.body.push(0));
    for i in 0..sent.headers.len() {
        push(&format!("header {}", sent.headers[i].0), &|r| {
            let v = &mut r.headers[i].1;
            let last = v.pop().unwrap_or('a');
            v.push(if last == '0' { '1' } else { '0' });
        });
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn signed_verifies_and_any_change_is_refused(
        req in request(),
        set in prop::sample::select(vec!["us-east-1", "eu-west-1,us-east-1", "*", "us-*"]),
        presign in any::<bool>(),
        unix in 1_500_000_000u64..1_900_000_000,
    ) {
        let sent = sign(&req, set, presign, unix);
        prop_assert_eq!(sent.verify(&verifier("us-east-1"), unix), Ok(()));
        for (what, changed) in changes(&sent) {
            // A fresh verifier each time: a replay refusal must not stand in for the check.
            let result = changed.verify(&verifier("us-east-1"), unix);
            prop_assert!(result.is_err(), "{} changed, still verified", what);
        }
        let elsewhere = sent.verify(&verifier("ap-south-1"), unix);
        if set == "*" {
            prop_assert_eq!(elsewhere, Ok(()));
        } else {
            prop_assert!(elsewhere.unwrap_err().starts_with("SignatureDoesNotMatch"));
        }
        // Header form: the replay guard refuses the same request twice.
        if !presign {
            let v = verifier("us-east-1");
            prop_assert_eq!(sent.verify(&v, unix), Ok(()));
            prop_assert!(sent.verify(&v, unix).unwrap_err().starts_with("AccessDenied"));
        }
    }

    #[test]
    fn no_sigv4a_shaped_input_panics(
        signature in "[0-9a-fA-F]{0,160}|3[0-9a-f]{0,150}",
        set in "[a-z0-9*,. -]{0,24}",
        credential in "AKIDEXAMPLE/2015083[0-9]/[a-z/]{0,12}aws4_request|[ -~]{0,40}",
        date in "20150830T1236[0-9]{2}Z|[ -~]{0,18}",
        presign in any::<bool>(),
    ) {
        let v = verifier("us-east-1");
        let auth = format!(
            "AWS4-ECDSA-P256-SHA256 Credential={credential}, SignedHeaders=host;x-amz-date;x-amz-region-set, Signature={signature}"
        );
        let mut headers = vec![
            ("host", "example.amazonaws.com"),
            ("x-amz-date", date.as_str()),
            ("x-amz-region-set", set.as_str()),
        ];
        let query;
        if presign {
            query = format!(
                "X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256&X-Amz-Credential={credential}&X-Amz-Date={date}\
                 &X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Region-Set={set}&X-Amz-Signature={signature}"
            );
        } else {
            query = String::new();
            headers.push(("authorization", auth.as_str()));
        }
        let raw = RawRequest { method: "GET", path: "/", query: &query, headers: &headers };
        let now = UNIX_EPOCH + Duration::from_secs(1_440_938_160);
        if let Err(e) = v.verify_raw_at(&raw, Payload::Empty, now) {
            prop_assert!(!e.code().is_empty() && !e.to_string().is_empty());
        }
    }
}

#[test]
fn malformed_signatures_region_sets_and_keys_have_their_codes() {
    let unix = 1_700_000_000;
    let req = Req {
        method: "GET".into(),
        path: "/".into(),
        query: String::new(),
        headers: vec![("host".into(), "example.amazonaws.com".into())],
        body: Vec::new(),
    };
    let sent = sign(&req, "us-east-1", false, unix);
    let with_header = |name: &str, f: &dyn Fn(&str) -> String| {
        let mut r = sent.clone();
        let h = r.headers.iter_mut().find(|(n, _)| n == name).unwrap();
        h.1 = f(&h.1);
        r.verify(&verifier("us-east-1"), unix).unwrap_err()
    };
    let not_der = with_header("Authorization", &|a| {
        let (head, _) = a.rsplit_once("Signature=").unwrap();
        format!("{head}Signature=3006020100020100")
    });
    assert!(not_der.contains("Malformed SigV4a signature"), "{not_der}");
    assert!(not_der.starts_with("SignatureDoesNotMatch"));
    let not_hex = with_header("Authorization", &|a| format!("{a}zz"));
    assert!(not_hex.contains("Malformed SigV4a signature"), "{not_hex}");
    let empty_set = with_header("X-Amz-Region-Set", &|_| "us-east-1,".into());
    assert!(empty_set.starts_with("IncompleteSignature"), "{empty_set}");
    let bad_set = with_header("X-Amz-Region-Set", &|_| "US-EAST-1".into());
    assert!(bad_set.starts_with("IncompleteSignature"), "{bad_set}");

    // A store holding a public key that is not a point: the key is refused, not the server.
    struct BadKey;
    impl sigv4x::SecretStore for BadKey {
        fn lookup(&self, _: &sigv4x::KeyQuery<'_>) -> sigv4x::LookupResult<'_> {
            Ok(Some(sigv4x::KeyRecord::from_sigv4a_public_key(
                &[4u8; 65][..],
            )))
        }
    }
    let v = Verifier::new(BadKey).region("us-east-1").service("service");
    let headers: Vec<(&str, &str)> = sent
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let raw = RawRequest {
        method: "GET",
        path: "/",
        query: "",
        headers: &headers,
    };
    let err = v
        .verify_raw_at(&raw, Payload::Empty, UNIX_EPOCH + Duration::from_secs(unix))
        .unwrap_err();
    assert_eq!(
        (err.code(), err.http_status()),
        ("InvalidClientTokenId", 403)
    );
    // And a public-key-only record never verifies SigV4.
    let v4 = sigv4x::Signer::new(
        Credentials::new("AKIDEXAMPLE", "", None),
        "us-east-1",
        "service",
    );
    let mut request = http::Request::get("https://example.amazonaws.com/")
        .body(())
        .unwrap();
    v4.sign_at(
        &mut request,
        Payload::Empty,
        UNIX_EPOCH + Duration::from_secs(unix),
    )
    .unwrap();
    let err = v
        .verify_at(
            &request,
            Payload::Empty,
            UNIX_EPOCH + Duration::from_secs(unix),
        )
        .unwrap_err();
    assert_eq!(err.code(), "InvalidClientTokenId");
}

/// An empty secret is no secret: anyone can derive its SigV4a key. A store entry holding one
/// (a configuration value that expanded to nothing, say) is refused for SigV4a as for SigV4.
#[test]
fn an_empty_secret_in_the_store_signs_nothing() {
    let store = HashMap::from([(
        "AKIDEXAMPLE".to_string(),
        StoredKey::new("").with_principal("arn:aws:iam::111122223333:role/r"),
    )]);
    let v = Verifier::new(store).region("us-east-1").service("service");
    let headers = [("host", "example.amazonaws.com")];
    let raw = RawRequest {
        method: "GET",
        path: "/p",
        query: "",
        headers: &headers,
    };
    let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let out = SignerV4a::new(Credentials::new("AKIDEXAMPLE", "", None), "*", "service")
        .sign_raw_at(&raw, Payload::Empty, now)
        .unwrap();
    let mut signed: Vec<(String, String)> = vec![("host".into(), "example.amazonaws.com".into())];
    signed.extend(out.headers().map(|(n, v)| (n.to_string(), v.to_string())));
    let signed: Vec<(&str, &str)> = signed
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let raw = RawRequest {
        headers: &signed,
        ..raw
    };
    let err = v.verify_raw_at(&raw, Payload::Empty, now).unwrap_err();
    assert_eq!(err.code(), "InvalidClientTokenId", "{err:?}");
}
