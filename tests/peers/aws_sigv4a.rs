//! SigV4a agreement with `aws-sigv4` (feature `sigv4a`), both ways, on random requests:
//! - requests `aws-sigv4` signs (header and presigned, default and S3 settings, with and
//!   without session tokens, over a random region set) verify with sigv4x's `Verifier`;
//! - signatures sigv4x's `SignerV4a` makes verify, through `p256` directly, under the public
//!   key of the private key `aws-sigv4` derives, over sigv4x's string to sign; and
//!   `aws-sigv4`'s signature of the same request verifies over that same string to sign, so
//!   both signers sign the same text.
#![cfg(feature = "sigv4a")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sigv4::http_request::{sign, SignableBody, SignableRequest};
use aws_sigv4::sign::v4a;
use aws_smithy_runtime_api::client::identity::Identity;
use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::{Signature, SigningKey};
use proptest::prelude::*;
use sigv4x::{
    Credentials, Payload, SignatureLocation, SignerV4a, SigningSettings, StoredKey, Verifier,
};

use super::aws_reference;

#[derive(Clone, Debug)]
struct Case {
    method: &'static str,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    secret: String,
    token: Option<String>,
    region_set: &'static str,
    unix: u64,
    s3: bool,
    presign: bool,
}

impl Case {
    fn uri(&self) -> String {
        let base = format!("https://example.amazonaws.com{}", self.path);
        if self.query.is_empty() {
            base
        } else {
            format!("{base}?{}", self.query)
        }
    }

    fn request(&self) -> http::Request<()> {
        let mut b = http::Request::builder().method(self.method).uri(self.uri());
        for (n, v) in &self.headers {
            b = b.header(n.as_str(), v.as_str());
        }
        b.body(()).unwrap()
    }

    fn settings(&self) -> SigningSettings {
        if self.s3 {
            SigningSettings::s3()
        } else {
            SigningSettings::default()
        }
    }

    fn time(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.unix)
    }

    fn payload(&self) -> Payload<'_> {
        if self.presign {
            if self.s3 {
                Payload::Unsigned
            } else {
                Payload::Empty
            }
        } else {
            Payload::Bytes(&self.body)
        }
    }

    fn location(&self) -> SignatureLocation {
        if self.presign {
            SignatureLocation::Query(Duration::from_secs(900))
        } else {
            SignatureLocation::Headers
        }
    }

    fn credentials(&self) -> Credentials {
        Credentials::new("AKIDEXAMPLE", &self.secret, self.token.clone())
    }

    /// Signs with aws-sigv4; returns the signed request and aws-sigv4's signature.
    fn sign_with_aws(&self) -> (http::Request<()>, String) {
        let identity: Identity = aws_credential_types::Credentials::new(
            "AKIDEXAMPLE",
            &self.secret,
            self.token.clone(),
            None,
            "test",
        )
        .into();
        let presign = self.presign.then(|| Duration::from_secs(900));
        let settings = aws_reference::aws_settings(&self.settings(), presign);
        let params = v4a::SigningParams::builder()
            .identity(&identity)
            .region_set(self.region_set)
            .name("service")
            .time(self.time())
            .settings(settings)
            .build()
            .unwrap()
            .into();
        let mut request = self.request();
        let uri = request.uri().to_string();
        let body = match self.payload() {
            Payload::Unsigned => SignableBody::UnsignedPayload,
            Payload::Bytes(b) => SignableBody::Bytes(b),
            _ => SignableBody::Bytes(b""),
        };
        let headers = request
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str(), v.to_str().unwrap()));
        let signable = SignableRequest::new(self.method, &uri, headers, body).unwrap();
        let (instructions, signature) = sign(signable, &params).unwrap().into_parts();
        instructions.apply_to_request_http1x(&mut request);
        (request, signature)
    }
}

fn case() -> impl Strategy<Value = Case> {
    // No `.`/`..` segments: the verifier refuses paths not in normal form (by design).
    let segment = "[a-zA-Z0-9_~-][a-zA-Z0-9._~-]{0,7}";
    let pair = ("[a-zA-Z0-9_-]{1,6}", "[a-zA-Z0-9._~-]{0,8}");
    let header = (
        prop::sample::select(vec![
            "content-type",
            "x-amz-meta-color",
            "x-custom",
            "accept",
        ]),
        "[a-zA-Z0-9 ,;=/._-]{1,20}",
    );
    (
        prop::sample::select(vec!["GET", "PUT", "POST", "DELETE"]),
        prop::collection::vec(segment, 0..4),
        prop::collection::vec(pair, 0..4),
        prop::collection::btree_map(header.0, header.1, 0..3),
        prop::collection::vec(any::<u8>(), 0..64),
        "[a-zA-Z0-9/+]{20,40}",
        prop::option::of("[a-zA-Z0-9/+=]{16,64}"),
        prop::sample::select(vec!["us-east-1", "us-east-1,us-west-2", "*", "us-*"]),
        1_500_000_000u64..1_900_000_000,
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(
                method,
                segments,
                pairs,
                headers,
                body,
                secret,
                token,
                region_set,
                unix,
                s3,
                presign,
            )| {
                let query = pairs
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join("&");
                Case {
                    method,
                    path: format!("/{}", segments.join("/")),
                    query,
                    headers: headers
                        .into_iter()
                        .map(|(n, v)| (n.to_string(), v.trim().to_string()))
                        .filter(|(_, v)| !v.is_empty())
                        .collect(),
                    body,
                    secret,
                    token,
                    region_set,
                    unix,
                    s3,
                    presign,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn aws_sigv4_signed_requests_verify_with_sigv4x(case in case()) {
        let (request, _) = case.sign_with_aws();
        let mut key = StoredKey::new(case.secret.clone());
        if let Some(t) = &case.token {
            key = key.with_session_token(t.clone());
        }
        let store = HashMap::from([("AKIDEXAMPLE".to_string(), key)]);
        let verifier = Verifier::new(store)
            .region("us-east-1")
            .service("service")
            .settings(case.settings());
        let verified = verifier.verify_at(&request, case.payload(), case.time());
        prop_assert!(verified.is_ok(), "{:?}\n{:?}", verified, request);
        let verified = verified.unwrap();
        prop_assert_eq!(verified.region_set(), Some(case.region_set));
    }

    #[test]
    fn sigv4x_and_aws_sigv4_sign_the_same_string_with_the_same_key(case in case()) {
        let signer = SignerV4a::new(case.credentials(), case.region_set, "service")
            .with_settings(case.settings());
        let report = signer
            .explain_at(&case.request(), case.payload(), case.location(), case.time())
            .unwrap();
        let private = v4a::generate_signing_key("AKIDEXAMPLE", &case.secret);
        let theirs = SigningKey::from_slice(private.as_ref()).unwrap();
        let public = theirs.verifying_key();
        let ours = Signature::from_der(&hex(report.signature.as_str())).unwrap();
        prop_assert!(public.verify(report.string_to_sign.as_bytes(), &ours).is_ok());
        let (_, their_signature) = case.sign_with_aws();
        let theirs = Signature::from_der(&hex(&their_signature)).unwrap();
        prop_assert!(
            public.verify(report.string_to_sign.as_bytes(), &theirs).is_ok(),
            "aws-sigv4 signed another string than\n{}", report.string_to_sign
        );
    }
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}
