//! Agreement with independent implementations run for real: `aws-sigv4` (SigV4, SigV4a,
//! chunked), botocore (and its CRT SigV4a signer), `curl --aws-sigv4`, and requests signed by
//! real clients verifying here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "common/aws_reference.rs"]
mod aws_reference;
#[path = "common/peer.rs"]
mod peer;

#[path = "peers/aws_sigv4.rs"]
mod aws_sigv4;
#[path = "peers/aws_sigv4a.rs"]
mod aws_sigv4a;
#[path = "peers/botocore.rs"]
mod botocore;
#[path = "peers/botocore_sigv4a.rs"]
mod botocore_sigv4a;
#[path = "peers/chunked_aws_sigv4.rs"]
mod chunked_aws_sigv4;
#[path = "peers/curl.rs"]
mod curl;
#[path = "peers/real_clients.rs"]
mod real_clients;
