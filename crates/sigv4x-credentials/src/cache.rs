//! Credentials loaded once and refreshed ahead of their expiry.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use arc_swap::ArcSwapOption;

use crate::provider::{ExpiringCredentials, ProvideCredentials, ProvideFuture};
use crate::timestamp::format_rfc3339;
use crate::Error;

/// When a [`CachingProvider`] refreshes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CacheSettings {
    /// Refresh this long before expiry (default 5 minutes, the SDKs' buffer). Credentials that
    /// live less than twice this are refreshed at half their remaining life instead.
    pub refresh_before: Duration,
    /// Up to this much more, chosen at random for each set of credentials (default 1 minute),
    /// so that a fleet started together does not refresh together.
    pub jitter: Duration,
    /// After a failed refresh, wait this long before trying again, serving the current
    /// credentials meanwhile (default 10 seconds).
    pub retry_after_failure: Duration,
}

impl Default for CacheSettings {
    fn default() -> Self {
        CacheSettings {
            refresh_before: Duration::from_secs(300),
            jitter: Duration::from_secs(60),
            retry_after_failure: Duration::from_secs(10),
        }
    }
}

type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// Credentials and when to refresh them.
struct Cached {
    credentials: ExpiringCredentials,
    /// `None`: they do not expire, never refresh.
    refresh_at: Option<SystemTime>,
}

struct Shared {
    provider: Box<dyn ProvideCredentials>,
    settings: CacheSettings,
    clock: Clock,
    state: ArcSwapOption<Cached>,
    /// Held by the one caller that is refreshing.
    refresh: tokio::sync::Mutex<()>,
}

/// Wraps a provider: loads on first use, then serves the same credentials until shortly
/// before they expire.
///
/// - Refreshes [`CacheSettings::refresh_before`] (plus jitter) ahead of expiry.
/// - One refresh at a time: while one caller refreshes, other callers get the current
///   credentials at once (or, when there are none or they expired, wait for that refresh).
/// - A load or refresh that gives credentials already expired fails with
///   [`Error::ExpiredCredentials`]: expired credentials are never cached or served.
/// - When a refresh fails and the current credentials have not expired, they are still served
///   and a warning is logged through [`tracing`] (target `sigv4x_credentials::cache`); the
///   refresh is tried again after [`CacheSettings::retry_after_failure`].
///
/// Cheap to clone: clones share the cache.
#[derive(Clone)]
pub struct CachingProvider {
    shared: Arc<Shared>,
}

impl CachingProvider {
    /// Caches `provider` with the default settings.
    pub fn new(provider: impl ProvideCredentials + 'static) -> Self {
        CachingProvider::with_settings(provider, CacheSettings::default())
    }

    /// Caches `provider` with `settings`.
    pub fn with_settings(
        provider: impl ProvideCredentials + 'static,
        settings: CacheSettings,
    ) -> Self {
        CachingProvider {
            shared: Arc::new(Shared {
                provider: Box::new(provider),
                settings,
                clock: Arc::new(SystemTime::now),
                state: ArcSwapOption::empty(),
                refresh: tokio::sync::Mutex::new(()),
            }),
        }
    }

    /// The same cache reading time from `clock` (for tests). Call it on a new cache: on one
    /// already cloned, the clones keep sharing the system clock and `clock` is not used.
    pub fn with_clock(self, clock: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        let shared = match Arc::try_unwrap(self.shared) {
            Ok(mut shared) => {
                shared.clock = Arc::new(clock);
                shared
            }
            Err(shared) => return CachingProvider { shared },
        };
        CachingProvider {
            shared: Arc::new(shared),
        }
    }

    /// The settings.
    pub fn settings(&self) -> &CacheSettings {
        &self.shared.settings
    }

    /// The cached credentials if they have not expired, without loading or waiting.
    pub fn current(&self) -> Option<ExpiringCredentials> {
        let now = (self.shared.clock)();
        self.shared
            .state
            .load()
            .as_ref()
            .filter(|c| !c.credentials.is_expired_at(now))
            .map(|c| c.credentials.clone())
    }

    /// When the cache will next refresh: `None` before the first load and for credentials that
    /// do not expire.
    pub fn next_refresh(&self) -> Option<SystemTime> {
        self.shared.state.load().as_ref().and_then(|c| c.refresh_at)
    }

    pub(crate) fn now(&self) -> SystemTime {
        (self.shared.clock)()
    }

    /// Current credentials, loading or refreshing them as needed.
    ///
    /// # Errors
    /// The provider's error when there are no unexpired credentials to serve.
    pub async fn credentials(&self) -> Result<ExpiringCredentials, Error> {
        let shared = &self.shared;
        let now = (shared.clock)();
        let current = shared.state.load_full();
        if let Some(cached) = current.as_deref() {
            if !cached.credentials.is_expired_at(now) {
                if cached.refresh_at.is_none_or(|at| now < at) {
                    return Ok(cached.credentials.clone());
                }
                // Time to refresh, but they still work: refresh unless someone else is, and
                // never make other callers wait.
                let Ok(_guard) = shared.refresh.try_lock() else {
                    return Ok(cached.credentials.clone());
                };
                return Ok(self.refresh_locked(now).await.unwrap_or_else(|_| {
                    // `refresh_locked` kept and rescheduled the still-valid credentials.
                    cached.credentials.clone()
                }));
            }
        }
        // Nothing valid to serve: wait for the refresh (ours or another caller's).
        let _guard = shared.refresh.lock().await;
        let now = (shared.clock)();
        if let Some(cached) = shared.state.load().as_deref() {
            if !cached.credentials.is_expired_at(now) {
                return Ok(cached.credentials.clone());
            }
        }
        self.refresh_locked(now).await
    }

    /// Loads and stores; the caller holds the refresh lock. On failure, still-valid
    /// credentials are kept (and rescheduled) and the error returned.
    async fn refresh_locked(&self, now: SystemTime) -> Result<ExpiringCredentials, Error> {
        let shared = &self.shared;
        if let Some(cached) = shared.state.load().as_deref() {
            // Another caller may have refreshed between our look and taking the lock.
            if !cached.credentials.is_expired_at(now) && cached.refresh_at.is_none_or(|at| now < at)
            {
                return Ok(cached.credentials.clone());
            }
        }
        let loaded = shared.provider.provide_credentials().await;
        let now = (shared.clock)();
        // As botocore: credentials that are expired as soon as they are loaded are an error,
        // never cached or served.
        let loaded = loaded.and_then(|fresh| match fresh.expiry() {
            Some(expired_at) if expired_at <= now => Err(Error::ExpiredCredentials { expired_at }),
            _ => Ok(fresh),
        });
        match loaded {
            Ok(fresh) => {
                let refresh_at = self.refresh_time(&fresh, now);
                shared.state.store(Some(Arc::new(Cached {
                    credentials: fresh.clone(),
                    refresh_at,
                })));
                Ok(fresh)
            }
            Err(error) => {
                let current = shared.state.load_full();
                if let Some(cached) = current.as_deref() {
                    if let Some(expiry) = cached.credentials.expiry().filter(|e| *e > now) {
                        tracing::warn!(
                            target: "sigv4x_credentials::cache",
                            %error,
                            expiry = %format_rfc3339(expiry),
                            "refreshing credentials failed; still using the current ones until they expire"
                        );
                        let retry = (now + shared.settings.retry_after_failure).min(expiry);
                        shared.state.store(Some(Arc::new(Cached {
                            credentials: cached.credentials.clone(),
                            refresh_at: Some(retry),
                        })));
                    }
                }
                Err(error)
            }
        }
    }

    fn refresh_time(&self, fresh: &ExpiringCredentials, now: SystemTime) -> Option<SystemTime> {
        let expiry = fresh.expiry()?;
        let settings = &self.shared.settings;
        let Ok(remaining) = expiry.duration_since(now) else {
            // Not reached: expired credentials are refused before they are stored.
            return Some(now + settings.retry_after_failure);
        };
        let jitter_nanos = u64::try_from(settings.jitter.as_nanos()).unwrap_or(u64::MAX);
        let jitter = Duration::from_nanos(fastrand::u64(0..=jitter_nanos));
        let lead = (settings.refresh_before + jitter).min(remaining / 2);
        Some(expiry - lead)
    }
}

impl ProvideCredentials for CachingProvider {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        Box::pin(self.credentials())
    }
}

impl fmt::Debug for CachingProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared.state.load();
        f.debug_struct("CachingProvider")
            .field("provider", &self.shared.provider)
            .field("settings", &self.shared.settings)
            .field(
                "cached",
                &state.as_ref().map(|c| {
                    (
                        c.credentials.credentials().access_key_id().to_string(),
                        c.refresh_at,
                    )
                }),
            )
            .finish_non_exhaustive()
    }
}
