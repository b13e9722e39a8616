//! Verifying speed: sigv4x verifies the GET it signs, in the same run as signing it; and the
//! same verification through the async entry, with the map as an async store and behind a
//! `CachedStore` (a hit), polled once with a no-op waker (a hit never waits).
//!
//! `cargo bench --bench verify`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use sigv4x::{CachedStore, Credentials, Payload, Signer, Verified, Verifier};

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
    let async_map = Verifier::new(verifier.store().clone())
        .region("us-east-1")
        .service("execute-api");
    let cached = Verifier::new(CachedStore::new(verifier.store().clone()))
        .region("us-east-1")
        .service("execute-api");
    poll_once(cached.verify_async_at(&signed, Payload::Empty, now()));
    g.bench_function("sigv4x verify_async, map store", |b| {
        b.iter(|| {
            poll_once(async_map.verify_async_at(
                black_box(&signed),
                Payload::Empty,
                black_box(now()),
            ))
        })
    });
    g.bench_function("sigv4x verify_async, CachedStore hit", |b| {
        b.iter(|| {
            poll_once(cached.verify_async_at(black_box(&signed), Payload::Empty, black_box(now())))
        })
    });
    g.finish();
}

/// Polls a verification that does not wait (a map, a cache hit) to its end.
fn poll_once(
    verification: impl Future<Output = Result<Verified, sigv4x::VerifyError>>,
) -> Verified {
    let mut cx = Context::from_waker(Waker::noop());
    match pin!(verification).poll(&mut cx) {
        Poll::Ready(verified) => verified.unwrap(),
        Poll::Pending => unreachable!("an in-memory lookup never waits"),
    }
}

criterion_group!(benches, bench_verify);
criterion_main!(benches);
