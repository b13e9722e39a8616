//! The whole verification of an arbitrary request never panics: method, path, query, headers,
//! body and clock all come from the input. A fixed valid signed request is mutated too, so the
//! fuzzer starts close to the paths past parsing.
#![no_main]

use std::collections::HashMap;
use std::time::{Duration, UNIX_EPOCH};

use libfuzzer_sys::fuzz_target;
use sigv4x::{Payload, RawRequest, StoredKey, Verifier};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Lines: method, path, query, then headers as "name:value", a blank line, the body.
    let (head, body) = text.split_once("\n\n").unwrap_or((text, ""));
    let mut lines = head.lines();
    let method = lines.next().unwrap_or("GET");
    let path = lines.next().unwrap_or("/");
    let query = lines.next().unwrap_or("");
    let headers: Vec<(&str, &str)> = lines
        .take(64)
        .map(|l| l.split_once(':').unwrap_or((l, "")))
        .collect();
    let store = HashMap::from([(
        "AKIDEXAMPLE".to_string(),
        StoredKey::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
    )]);
    let verifier = Verifier::new(store)
        .region("us-east-1")
        .service("service")
        .allow_unsigned_payload(data.first().is_some_and(|b| b & 1 == 1))
        .replay_guard(8);
    let now = UNIX_EPOCH + Duration::from_secs(1_440_938_160 + u64::from(data.len() as u16));
    let raw = RawRequest {
        method,
        path,
        query,
        headers: &headers,
    };
    let payload = if body.is_empty() {
        Payload::Unsigned
    } else {
        Payload::Bytes(body.as_bytes())
    };
    if let Err(e) = verifier.verify_raw_at(&raw, payload, now) {
        // Every refusal has a code, a status and a message.
        assert!(!e.code().is_empty());
        assert!(matches!(e.http_status(), 400 | 403 | 503));
        assert!(!e.to_string().is_empty());
    }
});
