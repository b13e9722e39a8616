//! Verifying speed: sigv4x verifies the GET it signs, in the same run as signing it.
//!
//! `cargo bench --bench verify`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use sigv4x::{Credentials, Payload, Signer, Verifier};

#[path = "common/requests.rs"]
mod requests;
use requests::{now, small_get, SECRET};

fn bench_verify(c: &mut Criterion) {
    let signer = Signer::new(
        Credentials::new("AKIDEXAMPLE", SECRET, None),
        "us-east-1",
        "execute-api",
    );
    let store = HashMap::from([("AKIDEXAMPLE".to_string(), SECRET.to_string())]);
    let verifier = Verifier::new(store)
        .region("us-east-1")
        .service("execute-api");
    let mut signed = small_get();
    signer.sign_at(&mut signed, Payload::Empty, now()).unwrap();
    // Warm the key cache, as a server that has seen this key today has.
    verifier.verify_at(&signed, Payload::Empty, now()).unwrap();

    let mut g = c.benchmark_group("GET, 3 headers + query: sign vs verify");
    g.bench_function("sigv4x sign", |b| {
        b.iter_batched_ref(
            small_get,
            |req| {
                signer
                    .sign_at(req, Payload::Empty, black_box(now()))
                    .unwrap()
            },
            BatchSize::SmallInput,
        )
    });
    g.bench_function("sigv4x verify", |b| {
        b.iter(|| {
            verifier
                .verify_at(black_box(&signed), Payload::Empty, black_box(now()))
                .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench_verify);
criterion_main!(benches);
