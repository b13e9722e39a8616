//! The requests and clock the benchmarks share, so signing and verifying are measured on the
//! same GET.
#![allow(dead_code, clippy::unwrap_used)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

pub fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_764_400_000)
}

/// A GET with three headers and a query, as a Lambda calls a private API.
pub fn small_get() -> http::Request<()> {
    http::Request::get(
        "https://abc123defg.execute-api.us-east-1.amazonaws.com/prod/orders?limit=10&status=open",
    )
    .header("host", "abc123defg.execute-api.us-east-1.amazonaws.com")
    .header("accept", "application/json")
    .header("x-correlation-id", "4b0c2f9e-8d3a-4f6e-9b1a-2c7d5e8f0a13")
    .body(())
    .unwrap()
}
