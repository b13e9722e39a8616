//! `RedisReplayStore` against a real `redis-server` (started here on a free loopback port;
//! skipped with a notice when it is not installed, a failure when `CI=true`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../sigv4x-gateway/tests/common/peer.rs"]
mod peer;
#[path = "../../sigv4x-gateway/tests/common/redis.rs"]
mod redis_server;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

#[allow(unused_imports)] // for the harness (`super::available`)
use peer::available;
use redis_server::RedisServer;
use sigv4x::{ReplayCheck, ReplayEntry, ReplayStore, VerifyError};
use sigv4x_redis::{FailureMode, RedisReplayConfig, RedisReplayError, RedisReplayStore};

fn entry(n: u8, ttl: Duration) -> (ReplayEntry, SystemTime) {
    let now = SystemTime::now();
    (ReplayEntry::new([n; 32], now + ttl), now)
}

fn config() -> RedisReplayConfig {
    RedisReplayConfig::default().timeout(Duration::from_millis(300))
}

#[tokio::test]
async fn a_signature_is_fresh_once_then_refused_by_every_store_sharing_the_namespace() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let one = RedisReplayStore::connect(&server.url(), config())
        .await
        .unwrap();
    let two = RedisReplayStore::connect(&server.url(), config())
        .await
        .unwrap();
    let other_service = RedisReplayStore::connect(&server.url(), config().namespace("billing"))
        .await
        .unwrap();
    let (e, now) = entry(1, Duration::from_secs(300));
    assert_eq!(one.record(e, now).await, Ok(ReplayCheck::Fresh));
    assert_eq!(one.record(e, now).await, Err(VerifyError::Replayed));
    assert_eq!(two.record(e, now).await, Err(VerifyError::Replayed));
    // Another namespace is another set of signatures.
    assert_eq!(other_service.record(e, now).await, Ok(ReplayCheck::Fresh));
    assert_eq!(one.unavailable(), 0);
}

#[tokio::test]
async fn an_entry_is_forgotten_when_its_window_ends() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let store = RedisReplayStore::connect(&server.url(), config())
        .await
        .unwrap();
    let (e, now) = entry(2, Duration::from_millis(300));
    assert_eq!(store.record(e, now).await, Ok(ReplayCheck::Fresh));
    assert_eq!(store.record(e, now).await, Err(VerifyError::Replayed));
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(store.record(e, now).await, Ok(ReplayCheck::Fresh));
}

/// Many tasks recording the same signature at once over the multiplexed connection: exactly
/// one is told it is fresh.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_records_of_one_signature_let_exactly_one_through() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let store = Arc::new(
        RedisReplayStore::connect(&server.url(), config())
            .await
            .unwrap(),
    );
    for n in 0..20u8 {
        let (e, now) = entry(100 + n, Duration::from_secs(60));
        let tasks: Vec<_> = (0..16)
            .map(|_| {
                let store = Arc::clone(&store);
                tokio::spawn(async move { store.record(e, now).await })
            })
            .collect();
        let mut fresh = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(ReplayCheck::Fresh) => fresh += 1,
                Err(VerifyError::Replayed) => {}
                other => panic!("unexpected answer {other:?}"),
            }
        }
        assert_eq!(fresh, 1, "signature {n}");
    }
}

#[tokio::test]
async fn when_redis_goes_away_closed_refuses_open_counts_and_both_recover() {
    let Some(mut server) = RedisServer::start() else {
        return;
    };
    let closed = RedisReplayStore::connect(&server.url(), config())
        .await
        .unwrap();
    let open = RedisReplayStore::connect(&server.url(), config().failure_mode(FailureMode::Open))
        .await
        .unwrap();
    server.stop();
    let (e, now) = entry(3, Duration::from_secs(60));
    assert_eq!(
        closed.record(e, now).await,
        Err(VerifyError::ReplayStoreUnavailable)
    );
    assert_eq!(open.record(e, now).await, Ok(ReplayCheck::Unchecked));
    assert_eq!(open.failed_open(), 1);
    assert_eq!(closed.failed_open(), 0);
    assert!(closed.unavailable() >= 1);

    // Back without a restart of the stores: they reconnect by themselves.
    server.restart();
    for (n, store) in [(4, &closed), (5, &open)] {
        let (fresh, now) = entry(n, Duration::from_secs(60));
        until_fresh(store, fresh, now).await;
        assert_eq!(store.record(fresh, now).await, Err(VerifyError::Replayed));
    }
}

/// Records `e` until Redis is back and takes it (10 s at most).
async fn until_fresh(store: &RedisReplayStore, e: ReplayEntry, now: SystemTime) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        match store.record(e, now).await {
            Ok(ReplayCheck::Fresh) => return,
            Ok(ReplayCheck::Unchecked) | Err(VerifyError::ReplayStoreUnavailable)
                if tokio::time::Instant::now() < deadline =>
            {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            other => panic!("the store did not recover: {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_bad_url_or_no_server_is_an_error_that_never_shows_the_password() {
    for url in [
        "http://127.0.0.1:6379",
        "redis://",
        "rediss://127.0.0.1:6379",
        "127.0.0.1",
    ] {
        let e = RedisReplayStore::connect(url, config()).await.unwrap_err();
        assert!(
            matches!(e, RedisReplayError::InvalidUrl { .. }),
            "{url}: {e}"
        );
    }
    // Nothing listens on a port just released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("redis://user:s3cret-pw@127.0.0.1:{port}/0");
    let e = RedisReplayStore::connect(&url, config().connect_timeout(Duration::from_millis(500)))
        .await
        .unwrap_err();
    assert!(matches!(e, RedisReplayError::Unreachable { .. }), "{e}");
    let shown = format!("{e} {e:?}");
    assert!(shown.contains(&format!("127.0.0.1:{port}")), "{shown}");
    assert!(!shown.contains("s3cret-pw"), "{shown}");
}
