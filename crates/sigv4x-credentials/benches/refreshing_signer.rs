//! Signing through a `RefreshingSigner` against a plain `Signer`, same request, same run: the
//! refreshing signer's hot path is one `ArcSwap` load, so the two should stay within a few
//! percent.
//!
//! `cargo bench -p sigv4x-credentials`
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use sigv4x::{Credentials, Payload, Signer};
use sigv4x_credentials::{ExpiringCredentials, RefreshingSigner, StaticProvider};

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_764_400_000)
}

/// The GET of the core's `sign` bench: three headers and a query.
fn small_get() -> http::Request<()> {
    http::Request::get(
        "https://abc123defg.execute-api.us-east-1.amazonaws.com/prod/orders?limit=10&status=open",
    )
    .header("host", "abc123defg.execute-api.us-east-1.amazonaws.com")
    .header("accept", "application/json")
    .header("x-correlation-id", "4b0c2f9e-8d3a-4f6e-9b1a-2c7d5e8f0a13")
    .body(())
    .unwrap()
}

fn bench(c: &mut Criterion) {
    // Temporary credentials, as a refreshing signer has: the session token is signed too.
    let creds = Credentials::new(
        "ASIAEXAMPLE",
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        Some("IQoJb3JpZ2luX2VjEXAMPLETOKEN".into()),
    );
    let plain = Signer::new(creds.clone(), "us-east-1", "execute-api");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // Expiring in a day (after both the real time and the bench's signing time), so the
    // refresh task is scheduled but never runs during the bench, and the expiry check passes.
    let expiry = SystemTime::now().max(now()) + Duration::from_secs(86_400);
    let expiring = ExpiringCredentials::new(creds, Some(expiry));
    let refreshing = runtime
        .block_on(RefreshingSigner::new(
            StaticProvider::expiring(expiring),
            "us-east-1",
            "execute-api",
        ))
        .unwrap();

    let mut group = c.benchmark_group("sign a GET, 3 headers + query");
    group.bench_function("plain Signer", |b| {
        b.iter_batched_ref(
            small_get,
            |r| plain.sign_at(black_box(r), Payload::Empty, now()).unwrap(),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("RefreshingSigner", |b| {
        b.iter_batched_ref(
            small_get,
            |r| {
                refreshing
                    .sign_at(black_box(r), Payload::Empty, now())
                    .unwrap()
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
    drop(refreshing);
    drop(runtime);
}

criterion_group!(benches, bench);
criterion_main!(benches);
