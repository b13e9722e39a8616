//! The Authorization header parser never panics, and what it accepts is well formed.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(h) = sigv4x::primitives::AuthorizationHeader::parse(text) {
        assert!(!h.signed_headers.is_empty() && !h.signature.is_empty());
        assert_eq!(h.credential.date.len(), 8);
        assert!(!h.credential.access_key_id.contains('/'));
    }
});
