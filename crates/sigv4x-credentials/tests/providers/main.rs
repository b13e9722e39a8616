//! Each provider against in-process servers speaking its real protocol, configured through the
//! same variables and files a user sets (a temporary `HOME`, passed as an `Env` so tests run
//! side by side). One module per concern.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../common/mod.rs"]
mod common;

mod botocore;
mod cache;
mod chain;
mod container;
mod environment;
mod imds;
mod profile;
mod signer;
mod sso;
mod web_identity;
