//! aws-chunked streaming: the suite's vectors and encode→decode round trips.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "chunked/roundtrip.rs"]
mod roundtrip;
#[path = "chunked/vectors.rs"]
mod vectors;
