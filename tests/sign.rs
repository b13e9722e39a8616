//! Signing: the AWS suites (SigV4 and, with the `sigv4a` feature, SigV4a), the signer's per-second
//! cache, and no panic on any input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "sign/aws_suite.rs"]
mod aws_suite;
#[path = "sign/aws_suite_v4a.rs"]
mod aws_suite_v4a;
#[path = "sign/cache.rs"]
mod cache;
#[path = "sign/no_panic.rs"]
mod no_panic;
