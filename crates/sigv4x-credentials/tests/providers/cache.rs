use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use sigv4x::Credentials;
use sigv4x_credentials::{
    CacheSettings, CachingProvider, Error, ExpiringCredentials, ProvideCredentials, ProvideFuture,
};

/// Issues `KEY{n}` valid for `lifetime` from the fake clock; fails the calls listed in
/// `fail_on` (1-based); each call takes `delay`.
#[derive(Debug, Clone)]
struct Issuer {
    calls: Arc<AtomicUsize>,
    clock: Arc<AtomicU64>,
    lifetime: Duration,
    fail_on: Vec<usize>,
    delay: Duration,
}

impl Issuer {
    fn new(clock: &Arc<AtomicU64>) -> Self {
        Issuer {
            calls: Arc::new(AtomicUsize::new(0)),
            clock: clock.clone(),
            lifetime: Duration::from_secs(3600),
            fail_on: Vec::new(),
            delay: Duration::ZERO,
        }
    }
    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

impl ProvideCredentials for Issuer {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        Box::pin(async move {
            let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
            if !self.delay.is_zero() {
                tokio::time::sleep(self.delay).await;
            }
            if self.fail_on.contains(&n) {
                return Err(Error::Service {
                    provider: "test",
                    status: 503,
                    code: Some("ServiceUnavailable".into()),
                    message: None,
                });
            }
            let now = UNIX_EPOCH + Duration::from_secs(self.clock.load(Ordering::SeqCst));
            Ok(ExpiringCredentials::new(
                Credentials::new(
                    format!("KEY{n}"),
                    format!("secret{n}"),
                    Some(format!("token{n}")),
                ),
                Some(now + self.lifetime),
            ))
        })
    }
}

const T0: u64 = 1_800_000_000;

fn no_jitter() -> CacheSettings {
    CacheSettings {
        refresh_before: Duration::from_secs(300),
        jitter: Duration::ZERO,
        retry_after_failure: Duration::from_secs(10),
    }
}

fn cache(issuer: &Issuer, clock: &Arc<AtomicU64>) -> CachingProvider {
    let clock = clock.clone();
    CachingProvider::with_settings(issuer.clone(), no_jitter())
        .with_clock(move || UNIX_EPOCH + Duration::from_secs(clock.load(Ordering::SeqCst)))
}

async fn key(cache: &CachingProvider) -> Result<String, Error> {
    cache
        .credentials()
        .await
        .map(|c| c.credentials().access_key_id().to_string())
}

#[tokio::test]
async fn refreshes_five_minutes_before_expiry_and_not_before() {
    let clock = Arc::new(AtomicU64::new(T0));
    let issuer = Issuer::new(&clock);
    let cache = cache(&issuer, &clock);
    assert_eq!(key(&cache).await.unwrap(), "KEY1");
    assert_eq!(
        cache.next_refresh(),
        Some(UNIX_EPOCH + Duration::from_secs(T0 + 3300))
    );
    clock.store(T0 + 3299, Ordering::SeqCst);
    assert_eq!(key(&cache).await.unwrap(), "KEY1");
    assert_eq!(issuer.calls(), 1, "served from the cache");
    clock.store(T0 + 3300, Ordering::SeqCst);
    assert_eq!(key(&cache).await.unwrap(), "KEY2");
    assert_eq!(issuer.calls(), 2);
    // Expired without a refresh in between (a sleeping laptop): loads again.
    clock.store(T0 + 10_000, Ordering::SeqCst);
    assert!(cache.current().is_none());
    assert_eq!(key(&cache).await.unwrap(), "KEY3");
}

#[tokio::test]
async fn jitter_moves_the_refresh_earlier_within_its_bound() {
    let clock = Arc::new(AtomicU64::new(T0));
    let issuer = Issuer::new(&clock);
    let c = clock.clone();
    let settings = CacheSettings {
        jitter: Duration::from_secs(60),
        ..no_jitter()
    };
    let jittered = CachingProvider::with_settings(issuer.clone(), settings)
        .with_clock(move || UNIX_EPOCH + Duration::from_secs(c.load(Ordering::SeqCst)));
    key(&jittered).await.unwrap();
    let at = jittered.next_refresh().unwrap();
    let earliest = UNIX_EPOCH + Duration::from_secs(T0 + 3600 - 360);
    let latest = UNIX_EPOCH + Duration::from_secs(T0 + 3600 - 300);
    assert!(at >= earliest && at <= latest, "{at:?}");

    // Short-lived credentials refresh at half their life, not in a loop.
    let short = Issuer {
        lifetime: Duration::from_secs(120),
        ..Issuer::new(&clock)
    };
    let short_cache = cache(&short, &clock);
    key(&short_cache).await.unwrap();
    assert_eq!(
        short_cache.next_refresh(),
        Some(UNIX_EPOCH + Duration::from_secs(T0 + 60))
    );
}

#[tokio::test]
async fn a_failed_refresh_keeps_serving_unexpired_credentials_then_retries() {
    let clock = Arc::new(AtomicU64::new(T0));
    let issuer = Issuer {
        fail_on: vec![2, 3, 5],
        ..Issuer::new(&clock)
    };
    let cache = cache(&issuer, &clock);
    assert_eq!(key(&cache).await.unwrap(), "KEY1");
    clock.store(T0 + 3400, Ordering::SeqCst);
    // Refresh fails (call 2): the current credentials are still good and still served.
    assert_eq!(key(&cache).await.unwrap(), "KEY1");
    assert_eq!(issuer.calls(), 2);
    // Not retried at every call: only after retry_after_failure.
    assert_eq!(key(&cache).await.unwrap(), "KEY1");
    assert_eq!(issuer.calls(), 2);
    clock.store(T0 + 3410, Ordering::SeqCst);
    assert_eq!(key(&cache).await.unwrap(), "KEY1");
    assert_eq!(issuer.calls(), 3, "retried after 10 s, failed again");
    clock.store(T0 + 3420, Ordering::SeqCst);
    assert_eq!(key(&cache).await.unwrap(), "KEY4");
    // Once expired, a failing refresh is an error: nothing valid is left to serve.
    clock.store(T0 + 3420 + 3600, Ordering::SeqCst);
    let err = key(&cache).await.unwrap_err();
    assert!(matches!(err, Error::Service { status: 503, .. }), "{err:?}");
    assert_eq!(key(&cache).await.unwrap(), "KEY6");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_refresh_at_a_time_and_nobody_waits_for_it_while_credentials_are_valid() {
    let clock = Arc::new(AtomicU64::new(T0));
    let issuer = Issuer {
        delay: Duration::from_millis(300),
        ..Issuer::new(&clock)
    };
    let cache = cache(&issuer, &clock);
    // Cold start: twenty callers, one load, all get its result.
    let callers: Vec<_> = (0..20)
        .map(|_| {
            let cache = cache.clone();
            tokio::spawn(async move { key(&cache).await.unwrap() })
        })
        .collect();
    for caller in callers {
        assert_eq!(caller.await.unwrap(), "KEY1");
    }
    assert_eq!(issuer.calls(), 1);

    // In the refresh window: one caller refreshes (slowly); the others return at once.
    clock.store(T0 + 3400, Ordering::SeqCst);
    let refresher = {
        let cache = cache.clone();
        tokio::spawn(async move { key(&cache).await.unwrap() })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    let started = std::time::Instant::now();
    for _ in 0..10 {
        assert_eq!(key(&cache).await.unwrap(), "KEY1");
    }
    assert!(
        started.elapsed() < Duration::from_millis(100),
        "callers waited for the refresh"
    );
    assert_eq!(refresher.await.unwrap(), "KEY2");
    assert_eq!(issuer.calls(), 2);
    assert_eq!(key(&cache).await.unwrap(), "KEY2");
}

/// Collects what the `fmt` subscriber writes.
#[derive(Clone, Default)]
struct Capture(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_failed_refresh_is_logged_as_a_warning_without_secrets() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::TRACE)
        .finish();
    // A current-thread runtime: the whole test runs on this thread, under this subscriber.
    let _guard = tracing::subscriber::set_default(subscriber);

    let clock = Arc::new(AtomicU64::new(T0));
    let issuer = Issuer {
        fail_on: vec![2],
        ..Issuer::new(&clock)
    };
    let cache = cache(&issuer, &clock);
    key(&cache).await.unwrap();
    clock.store(T0 + 3400, Ordering::SeqCst);
    assert_eq!(key(&cache).await.unwrap(), "KEY1");

    let logged = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(logged.contains("WARN"), "{logged}");
    assert!(logged.contains("refreshing credentials failed"), "{logged}");
    assert!(logged.contains("ServiceUnavailable"), "{logged}");
    assert!(
        logged.contains("2027-01-15T09:00:00Z"),
        "the expiry is logged: {logged}"
    );
    crate::common::assert_no_secret(&logged, &["secret1", "token1"]);
}

/// Gives the listed credentials in turn, then the last one again.
#[derive(Debug)]
struct Sequence(std::sync::Mutex<Vec<ExpiringCredentials>>);

impl ProvideCredentials for Sequence {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        let mut left = self.0.lock().unwrap();
        let next = if left.len() > 1 {
            left.remove(0)
        } else {
            left[0].clone()
        };
        Box::pin(async move { Ok(next) })
    }
}

fn expiring(key: &str, expiry: u64) -> ExpiringCredentials {
    ExpiringCredentials::new(
        Credentials::new(key, "SECRETXYZ", Some("TOKENXYZ".into())),
        Some(UNIX_EPOCH + Duration::from_secs(expiry)),
    )
}

/// As botocore: a load that gives credentials already expired is an error, not served, and a
/// refresh that does so keeps the current, still valid ones.
#[tokio::test]
async fn credentials_expired_on_arrival_are_never_served() {
    let clock = Arc::new(AtomicU64::new(T0));
    let fake = clock.clone();
    let cache = CachingProvider::with_settings(
        Sequence(std::sync::Mutex::new(vec![expiring("PAST", T0 - 3600)])),
        no_jitter(),
    )
    .with_clock(move || UNIX_EPOCH + Duration::from_secs(fake.load(Ordering::SeqCst)));
    for _ in 0..2 {
        let err = cache.credentials().await.unwrap_err();
        assert_eq!(
            err,
            Error::ExpiredCredentials {
                expired_at: UNIX_EPOCH + Duration::from_secs(T0 - 3600)
            }
        );
        assert!(err.to_string().contains("still expired"), "{err}");
        assert!(cache.current().is_none());
    }

    // Valid first, then a refresh that answers expired credentials: the valid ones stay.
    let fake = clock.clone();
    let cache = CachingProvider::with_settings(
        Sequence(std::sync::Mutex::new(vec![
            expiring("GOOD", T0 + 600),
            expiring("PAST", T0 - 1),
        ])),
        no_jitter(),
    )
    .with_clock(move || UNIX_EPOCH + Duration::from_secs(fake.load(Ordering::SeqCst)));
    assert_eq!(key(&cache).await.unwrap(), "GOOD");
    clock.store(T0 + 400, Ordering::SeqCst); // past the refresh time, before expiry
    assert_eq!(key(&cache).await.unwrap(), "GOOD");
    clock.store(T0 + 600, Ordering::SeqCst); // expired: nothing to serve
    assert!(matches!(
        cache.credentials().await,
        Err(Error::ExpiredCredentials { .. })
    ));
}

/// The reviewer's case end to end: IMDS answers an `Expiration` an hour ago.
#[tokio::test]
async fn an_expired_imds_answer_builds_no_signer() {
    let past = std::time::SystemTime::now() - Duration::from_secs(3600);
    let server = crate::common::metadata::imds_serving(crate::common::metadata::credentials_json(
        "PAST", past,
    ))
    .await;
    let home = crate::common::Home::new();
    let env = home.env(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT", &server.url())]);
    let cache = CachingProvider::new(sigv4x_credentials::ImdsProvider::with_env(env.clone()));
    assert!(matches!(
        cache.credentials().await,
        Err(Error::ExpiredCredentials { .. })
    ));
    let signer = sigv4x_credentials::RefreshingSigner::new(
        sigv4x_credentials::ImdsProvider::with_env(env),
        "us-east-1",
        "s3",
    )
    .await;
    assert!(matches!(signer, Err(Error::ExpiredCredentials { .. })));
}
