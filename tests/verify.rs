//! Verifying: the suite's vectors and hostile inputs, sign→verify round trips (SigV4, SigV4a),
//! no panic on any input, and server-side key stores (async, cached, SQLite-backed).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "verify/no_panic.rs"]
mod no_panic;
#[path = "verify/roundtrip.rs"]
mod roundtrip;
#[path = "verify/roundtrip_v4a.rs"]
mod roundtrip_v4a;
#[path = "verify/store.rs"]
mod store;
#[path = "verify/vectors.rs"]
mod vectors;
