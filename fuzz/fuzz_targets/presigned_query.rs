//! The presigned-query parser never panics, and what it accepts has every parameter.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(query) = std::str::from_utf8(data) else {
        return;
    };
    let presigned = sigv4x::primitives::PresignedQuery::is_presigned(query);
    if let Ok(q) = sigv4x::primitives::PresignedQuery::parse(query) {
        assert!(presigned);
        assert!(q.credential().is_ok());
        assert!(!q.signature.is_empty() && !q.expires.is_empty());
    }
});
