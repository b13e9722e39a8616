//! The replay check: after a request's signature is verified (so an unauthenticated client
//! never writes to the store), its signature is recorded in a [`ReplayStore`], and a second
//! use is refused. One step for the gateway and [`SigV4Layer`](crate::SigV4Layer), whichever
//! store: the same error code and audit record wherever a replay lands.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use sigv4x::{ReplayCheck, ReplayEntry, ReplayGuard, ReplayStore, Verified, VerifyError};
#[cfg(feature = "emulator")]
use sigv4x_redis::{FailureMode, RedisReplayConfig, RedisReplayStore};

use crate::body::{catch_panic, Panicked};
#[cfg(feature = "emulator")]
use crate::config::{GatewayConfig, OnUnavailable, ReplayConfig};
#[cfg(feature = "emulator")]
use crate::error::GatewayError;

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A [`ReplayStore`] behind a pointer (for stores a [`SigV4Layer`](crate::SigV4Layer) user
/// brings): one boxed future per request.
trait DynStore: Send + Sync {
    fn record_boxed(
        &self,
        entry: ReplayEntry,
        now: SystemTime,
    ) -> BoxFuture<'_, Result<ReplayCheck, VerifyError>>;
}

impl<T: ReplayStore> DynStore for T {
    fn record_boxed(
        &self,
        entry: ReplayEntry,
        now: SystemTime,
    ) -> BoxFuture<'_, Result<ReplayCheck, VerifyError>> {
        Box::pin(self.record(entry, now))
    }
}

/// The stores the gateway builds are called directly (no box on the request path).
enum Store {
    #[cfg_attr(not(feature = "emulator"), allow(dead_code))]
    Memory(ReplayGuard),
    #[cfg(feature = "emulator")]
    Redis(RedisReplayStore),
    Other(Arc<dyn DynStore>),
}

/// The replay check, with its store and how long past a request's window it remembers it.
pub(crate) struct ReplayStep {
    store: Store,
    /// Added to each entry's window: a margin for clock differences between instances.
    extra: Duration,
}

/// The longest `[replay] window_seconds`: a presigned URL's longest life, far beyond any skew
/// window. A longer one would overflow when added to a request's date.
#[cfg(feature = "emulator")]
const MAX_WINDOW_SECONDS: u64 = sigv4x::MAX_PRESIGN_EXPIRY.as_secs();

/// What the audit record says of a request let through unchecked.
pub(crate) const UNCHECKED: &str =
    "not checked for replays: the replay store is unavailable (fail open)";

impl ReplayStep {
    /// A step over a store a layer user brings.
    pub(crate) fn custom<R: ReplayStore + 'static>(store: R) -> Self {
        ReplayStep {
            store: Store::Other(Arc::new(store)),
            extra: Duration::ZERO,
        }
    }

    /// The step `[replay]` (or the older `replay_cache`) asks for, connected; `None` when off.
    #[cfg(feature = "emulator")]
    pub(crate) async fn from_config(config: &GatewayConfig) -> Result<Option<Self>, GatewayError> {
        let settings = &config.settings;
        let replay = match (&config.replay, settings.replay_cache) {
            (Some(_), n) if n > 0 => {
                return Err(GatewayError::invalid(
                    "settings.replay_cache and [replay] are both set: keep [replay] (its \
                     capacity replaces replay_cache)",
                ))
            }
            (Some(replay), _) => replay,
            // The older setting: memory, remembered for the skew window, as before.
            (None, 0) => return Ok(None),
            (None, n) => {
                return Ok(Some(ReplayStep {
                    store: Store::Memory(ReplayGuard::new(n)),
                    extra: Duration::ZERO,
                }))
            }
        };
        let skew = settings.max_skew_seconds;
        let window = replay.window_seconds.unwrap_or(skew.saturating_add(60));
        if window < skew {
            return Err(GatewayError::invalid(format!(
                "[replay] window_seconds ({window}) is shorter than settings.max_skew_seconds \
                 ({skew}): a replay would be accepted once its entry expired"
            )));
        }
        if window > MAX_WINDOW_SECONDS {
            return Err(GatewayError::invalid(format!(
                "[replay] window_seconds ({window}, or settings.max_skew_seconds + 60 by \
                 default) is longer than 7 days ({MAX_WINDOW_SECONDS})"
            )));
        }
        let extra = Duration::from_secs(window - skew);
        let store = match replay.store.as_str() {
            "off" => return Ok(None),
            "memory" => Store::Memory(ReplayGuard::new(replay.capacity)),
            url if url.contains("://") => Store::Redis(connect(url, replay).await?),
            _ => {
                return Err(GatewayError::invalid(
                    "[replay] store: expected \"memory\", \"off\" or a redis:// URL",
                ))
            }
        };
        Ok(Some(ReplayStep { store, extra }))
    }

    /// Records `verified`'s signature. `Ok(Some(note))` when it was let through unchecked
    /// (the audit record carries the note); presigned URLs are not tracked.
    ///
    /// # Errors
    /// [`VerifyError::Replayed`], [`VerifyError::ReplayGuardFull`] or
    /// [`VerifyError::ReplayStoreUnavailable`].
    /// A store of the user's own that panics or takes longer than `timeout` fails closed, as
    /// an unavailable store does (the built-in ones neither panic nor wait unbounded).
    pub(crate) async fn check(
        &self,
        verified: &Verified,
        now: SystemTime,
        timeout: Duration,
    ) -> Result<Option<&'static str>, VerifyError> {
        if verified.is_presigned() {
            return Ok(None);
        }
        let entry = verified.replay_entry().extended_by(self.extra);
        let checked = match &self.store {
            Store::Memory(guard) => guard.record_now(entry, now),
            #[cfg(feature = "emulator")]
            Store::Redis(redis) => redis.record(entry, now).await,
            Store::Other(store) => {
                // Called inside the guard: a store's `record` may panic before it returns its
                // future, not only while it is polled.
                let record = catch_panic(async { store.record_boxed(entry, now).await });
                let failure = match tokio::time::timeout(timeout, record).await {
                    Ok(Ok(checked)) => return checked.map(unchecked_note),
                    Ok(Err(Panicked)) => "panicked",
                    Err(_) => "did not answer in time",
                };
                eprintln!("sigv4x-gateway: the replay store {failure}; refused with 503");
                Err(VerifyError::ReplayStoreUnavailable)
            }
        }?;
        Ok(unchecked_note(checked))
    }
}

/// The audit note for a request let through unchecked.
fn unchecked_note(checked: ReplayCheck) -> Option<&'static str> {
    (checked == ReplayCheck::Unchecked).then_some(UNCHECKED)
}

impl std::fmt::Debug for ReplayStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let store: &dyn std::fmt::Debug = match &self.store {
            Store::Memory(guard) => guard,
            #[cfg(feature = "emulator")]
            Store::Redis(redis) => redis,
            Store::Other(_) => &"custom",
        };
        f.debug_struct("ReplayStep")
            .field("store", store)
            .field("extra", &self.extra)
            .finish()
    }
}

#[cfg(feature = "emulator")]
async fn connect(url: &str, replay: &ReplayConfig) -> Result<RedisReplayStore, GatewayError> {
    let mode = match replay.on_unavailable {
        OnUnavailable::FailClosed => FailureMode::Closed,
        OnUnavailable::FailOpen => FailureMode::Open,
    };
    let config = RedisReplayConfig::default()
        .namespace(replay.namespace.clone())
        .failure_mode(mode)
        .timeout(Duration::from_millis(replay.timeout_ms.max(1)));
    RedisReplayStore::connect(url, config)
        .await
        .map_err(|e| GatewayError::invalid(format!("[replay] store: {e}")))
}
