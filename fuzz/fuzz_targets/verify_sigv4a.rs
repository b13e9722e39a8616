//! SigV4a verification of an arbitrary request never panics: the same input format as the
//! `verify` target (method, path, query, "name:value" headers, a blank line, the body), against
//! a verifier that knows the suite's key by its secret or, when the first byte is odd, by its
//! public key alone. Seeds are the v4a suite's signed requests, so the fuzzer starts past the
//! parsers, at the region set, DER and ECDSA checks.
#![no_main]

use std::sync::OnceLock;
use std::time::{Duration, UNIX_EPOCH};

use libfuzzer_sys::fuzz_target;
use sigv4x::{KeyQuery, KeyRecord, LookupResult, Payload, RawRequest, SecretStore, SigningKeyV4a, Verifier};

struct Store {
    public_key: Box<[u8]>,
    by_public_key: bool,
}

impl SecretStore for Store {
    fn lookup(&self, query: &KeyQuery<'_>) -> LookupResult<'_> {
        Ok((query.access_key_id() == "AKIDEXAMPLE").then(|| {
            if self.by_public_key {
                KeyRecord::from_sigv4a_public_key(&*self.public_key)
            } else {
                KeyRecord::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
            }
        }))
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (head, body) = text.split_once("\n\n").unwrap_or((text, ""));
    let mut lines = head.lines();
    let method = lines.next().unwrap_or("GET");
    let path = lines.next().unwrap_or("/");
    let query = lines.next().unwrap_or("");
    let headers: Vec<(&str, &str)> = lines
        .take(64)
        .map(|l| l.split_once(':').unwrap_or((l, "")))
        .collect();
    static KEY: OnceLock<SigningKeyV4a> = OnceLock::new();
    let key = KEY.get_or_init(|| {
        SigningKeyV4a::derive("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    });
    let store = Store {
        public_key: key.public_key_sec1(data.len() % 3 == 0),
        by_public_key: data.first().is_some_and(|b| b & 1 == 1),
    };
    let verifier = Verifier::new(store)
        .region("us-east-1")
        .region("eu-west-1")
        .service("service")
        .accept_non_normal_paths(true)
        .replay_guard(8);
    let now = UNIX_EPOCH + Duration::from_secs(1_440_938_160 + u64::from(data.len() as u8));
    let raw = RawRequest {
        method,
        path,
        query,
        headers: &headers,
    };
    let payload = if body.is_empty() {
        Payload::Empty
    } else {
        Payload::Bytes(body.as_bytes())
    };
    if let Err(e) = verifier.verify_raw_at(&raw, payload, now) {
        assert!(!e.code().is_empty());
        assert!(matches!(e.http_status(), 400 | 403 | 503));
        assert!(!e.to_string().is_empty());
    }
});
