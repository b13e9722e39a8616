//! Chunk and trailer signatures agree with `aws-sigv4` (`sign::v4::sign_chunk` and
//! `sign_trailer`, the official Rust signer) on random data, dates, scopes and previous
//! signatures.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, UNIX_EPOCH};

use aws_sigv4::sign::v4::{sign_chunk, sign_trailer, SigningParams};
use aws_smithy_runtime_api::client::identity::Identity;
use aws_smithy_runtime_api::http::Headers;
use proptest::prelude::*;
use sigv4x::primitives::{signature_from_hex, ChunkChain, SigningKey};
use sigv4x::AmzDate;

fn identity(secret: &str) -> Identity {
    aws_credential_types::Credentials::new("AKIDEXAMPLE", secret, None, None, "test").into()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn chunk_signatures_agree(
        data in proptest::collection::vec(any::<u8>(), 0..20_000),
        previous in "[0-9a-f]{64}",
        secret in "[A-Za-z0-9/+]{1,40}",
        region in "[a-z]{2}-[a-z]{4,9}-[1-9]",
        service in "[a-z0-9-]{1,12}",
        unix in 0u64..4_000_000_000,
    ) {
        let time = UNIX_EPOCH + Duration::from_secs(unix);
        let identity = identity(&secret);
        let params = SigningParams::builder()
            .identity(&identity)
            .region(&region)
            .name(&service)
            .time(time)
            .settings(())
            .build()
            .unwrap();
        let theirs = sign_chunk(&bytes::Bytes::from(data.clone()), &previous, &params).unwrap();

        let date = AmzDate::from_system_time(time).unwrap();
        let key = SigningKey::derive(&secret, date.date(), &region, &service);
        let seed = signature_from_hex(previous.as_bytes()).unwrap();
        let mut chain = ChunkChain::new(key, date, &region, &service, seed);
        let ours = chain.sign_chunk(&data);
        prop_assert_eq!(ours.as_str(), theirs.signature());
    }

    #[test]
    fn trailer_signatures_agree(
        trailers in proptest::collection::btree_map("x-amz-[a-z0-9-]{1,20}", "[ ]{0,2}[A-Za-z0-9+/=]{0,44}[ ]{0,2}", 1..4),
        previous in "[0-9a-f]{64}",
        unix in 0u64..4_000_000_000,
    ) {
        let time = UNIX_EPOCH + Duration::from_secs(unix);
        let identity = identity("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
        let params = SigningParams::builder()
            .identity(&identity)
            .region("us-west-2")
            .name("s3")
            .time(time)
            .settings(())
            .build()
            .unwrap();
        let mut headers = Headers::new();
        for (name, value) in &trailers {
            headers.insert(name.clone(), value.clone());
        }
        let theirs = sign_trailer(&headers, &previous, &params).unwrap();

        let date = AmzDate::from_system_time(time).unwrap();
        let key = SigningKey::derive("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", date.date(), "us-west-2", "s3");
        let seed = signature_from_hex(previous.as_bytes()).unwrap();
        let mut chain = ChunkChain::new(key, date, "us-west-2", "s3", seed);
        // Given in reverse order and mixed case: both are canonicalized away.
        let ours: Vec<(String, &str)> = trailers
            .iter()
            .rev()
            .map(|(n, v)| (n.to_ascii_uppercase(), v.as_str()))
            .collect();
        let pairs: Vec<(&str, &str)> = ours.iter().map(|(n, v)| (n.as_str(), *v)).collect();
        let signed = chain.sign_trailers(&pairs);
        prop_assert_eq!(signed.as_str(), theirs.signature());
    }
}
