//! SigV4a speed (feature `sigv4a`): signing beside aws-sigv4's in one run, key derivation cold
//! and cached, and verification.
//!
//! `cargo bench --features sigv4a --bench sigv4a`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::hint::black_box;

use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4a;
use aws_smithy_runtime_api::client::identity::Identity;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use sigv4x::primitives::KeyCacheV4a;
use sigv4x::{Credentials, Payload, SignerV4a, SigningKeyV4a, StoredKey, Verifier};

#[path = "common/requests.rs"]
mod requests;
use requests::{now, small_get, SECRET};

fn bench_sign(c: &mut Criterion) {
    let signer = SignerV4a::new(
        Credentials::new("AKIDEXAMPLE", SECRET, None),
        "*",
        "execute-api",
    );
    let _ = signer.key(); // derived once, as in a long-lived client
    let identity: Identity =
        aws_credential_types::Credentials::new("AKIDEXAMPLE", SECRET, None, None, "bench").into();
    let mut g = c.benchmark_group("SigV4a sign GET, 3 headers + query");
    g.bench_function("sigv4x", |b| {
        b.iter_batched_ref(
            small_get,
            |r| signer.sign_at(r, Payload::Empty, now()).unwrap(),
            BatchSize::SmallInput,
        )
    });
    g.bench_function("aws-sigv4", |b| {
        b.iter_batched_ref(
            small_get,
            |r| {
                let params = v4a::SigningParams::builder()
                    .identity(&identity)
                    .region_set("*")
                    .name("execute-api")
                    .time(now())
                    .settings(SigningSettings::default())
                    .build()
                    .unwrap()
                    .into();
                let uri = r.uri().to_string();
                let headers = r
                    .headers()
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.to_str().unwrap()));
                let signable =
                    SignableRequest::new("GET", &uri, headers, SignableBody::Bytes(b"")).unwrap();
                let (instructions, _) = sign(signable, &params).unwrap().into_parts();
                instructions.apply_to_request_http1x(r);
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

fn bench_derive(c: &mut Criterion) {
    let mut g = c.benchmark_group("SigV4a key derivation");
    g.bench_function("cold (KDF + public key)", |b| {
        b.iter(|| SigningKeyV4a::derive(black_box("AKIDEXAMPLE"), black_box(SECRET)))
    });
    let cache = KeyCacheV4a::new(16);
    cache.get("AKIDEXAMPLE", SECRET);
    g.bench_function("cached", |b| {
        b.iter(|| cache.get(black_box("AKIDEXAMPLE"), black_box(SECRET)))
    });
    g.finish();
}

fn bench_verify(c: &mut Criterion) {
    let signer = SignerV4a::new(
        Credentials::new("AKIDEXAMPLE", SECRET, None),
        "*",
        "execute-api",
    );
    let mut request = small_get();
    signer.sign_at(&mut request, Payload::Empty, now()).unwrap();
    let store = HashMap::from([("AKIDEXAMPLE".to_string(), StoredKey::new(SECRET))]);
    let verifier = Verifier::new(store)
        .region("us-east-1")
        .service("execute-api");
    verifier.verify_at(&request, Payload::Empty, now()).unwrap();
    c.bench_function("SigV4a verify GET (key cached)", |b| {
        b.iter(|| {
            verifier
                .verify_at(black_box(&request), Payload::Empty, now())
                .unwrap()
        })
    });
}

criterion_group!(benches, bench_sign, bench_derive, bench_verify);
criterion_main!(benches);
