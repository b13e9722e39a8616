//! A signer caches per second (date, signing key, the fixed part of the string to sign) and per
//! day (the key). Whatever order and threads it is used from, it must sign exactly as a signer
//! that starts cold.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use proptest::prelude::*;
use sigv4x::{Credentials, Payload, SignatureLocation, Signer};

fn signer() -> Signer {
    Signer::new(
        Credentials::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            None,
        ),
        "us-east-1",
        "execute-api",
    )
}

fn request() -> http::Request<()> {
    http::Request::get("https://abc.execute-api.us-east-1.amazonaws.com/prod/orders?limit=10")
        .body(())
        .unwrap()
}

fn at(offset: u64) -> SystemTime {
    // 2026-11-28T23:59:50Z: offsets cross midnight after ten seconds.
    UNIX_EPOCH + Duration::from_secs(1_764_374_390 + offset)
}

fn sign(signer: &Signer, when: SystemTime) -> (String, String) {
    let mut req = request();
    signer.sign_at(&mut req, Payload::Empty, when).unwrap();
    let url = signer
        .presign_at(&req, Duration::from_secs(60), when)
        .unwrap();
    let auth = req.headers()["authorization"].to_str().unwrap().to_owned();
    (auth, url.to_string())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn a_warm_signer_signs_as_a_cold_one(offsets in prop::collection::vec(
        prop_oneof![0u64..3, 8u64..14, 86_395u64..86_405, 0u64..400_000],
        1..24,
    )) {
        let warm = signer();
        for offset in offsets {
            let when = at(offset);
            prop_assert_eq!(sign(&warm, when), sign(&signer(), when), "offset {}", offset);
        }
    }
}

#[test]
fn threads_signing_in_different_seconds_and_days_agree_with_a_cold_signer() {
    let shared = Arc::new(signer());
    let expected: Vec<_> = (0..4u64).map(|t| sign(&signer(), at(t * 43_200))).collect();
    let expected = Arc::new(expected);
    let threads: Vec<_> = (0..4u64)
        .map(|t| {
            let shared = Arc::clone(&shared);
            let expected = Arc::clone(&expected);
            std::thread::spawn(move || {
                for _ in 0..300 {
                    assert_eq!(sign(&shared, at(t * 43_200)), expected[t as usize]);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}

#[test]
fn the_explained_string_to_sign_is_the_one_signed() {
    let warm = signer();
    for offset in [0, 1, 11, 86_400] {
        let report = warm
            .explain_at(
                &request(),
                Payload::Empty,
                SignatureLocation::Headers,
                at(offset),
            )
            .unwrap();
        let mut req = request();
        let signature = warm.sign_at(&mut req, Payload::Empty, at(offset)).unwrap();
        assert_eq!(report.signature, signature);
        let date = report.string_to_sign.lines().nth(1).unwrap().to_owned();
        assert_eq!(req.headers()["x-amz-date"], date.as_str());
    }
}
