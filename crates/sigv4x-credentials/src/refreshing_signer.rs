//! A `Signer` that always signs with current credentials.

use std::fmt;
use std::sync::{Arc, Weak};
use std::time::{Duration, SystemTime};

use arc_swap::{ArcSwap, Guard};
use sigv4x::{Payload, Signature, Signer, SigningError, SigningSettings};
use tokio::task::JoinHandle;

use crate::cache::{CacheSettings, CachingProvider};
use crate::provider::{ExpiringCredentials, ProvideCredentials};
use crate::Error;

/// Signs like [`sigv4x::Signer`], with credentials from a provider, refreshed in the
/// background before they expire.
///
/// The current `Signer` sits in an [`ArcSwap`]: signing loads it (no lock, no await, no
/// allocation) and calls it, so signing costs what a plain `Signer` costs. A background tokio
/// task, started by [`RefreshingSigner::new`], sleeps until the [`CachingProvider`]'s refresh
/// time, loads new credentials and swaps in a new `Signer`; requests being signed at that
/// moment finish with the old one. A failed refresh is logged and retried while the current
/// credentials last (see [`CachingProvider`]).
///
/// Cheap to clone: clones share the signer and the task, which stops when the last clone is
/// dropped.
#[derive(Clone)]
pub struct RefreshingSigner {
    shared: Arc<Shared>,
}

struct Shared {
    current: ArcSwap<Signer>,
    cache: CachingProvider,
    region: String,
    service: String,
    settings: SigningSettings,
    task: std::sync::Mutex<Option<JoinHandle<()>>>,
}

impl Drop for Shared {
    fn drop(&mut self) {
        if let Ok(mut task) = self.task.lock() {
            if let Some(task) = task.take() {
                task.abort();
            }
        }
    }
}

impl RefreshingSigner {
    /// Loads credentials from `provider` (cached with the default [`CacheSettings`]) and
    /// returns a signer for `service` in `region`, refreshing in a task on the current tokio
    /// runtime.
    ///
    /// # Errors
    /// The provider's error when the first credentials cannot be loaded.
    pub async fn new(
        provider: impl ProvideCredentials + 'static,
        region: impl Into<String>,
        service: impl Into<String>,
    ) -> Result<Self, Error> {
        Self::builder(provider, region, service).build().await
    }

    /// A builder, for signing settings and cache settings.
    pub fn builder(
        provider: impl ProvideCredentials + 'static,
        region: impl Into<String>,
        service: impl Into<String>,
    ) -> RefreshingSignerBuilder {
        RefreshingSignerBuilder {
            provider: Box::new(provider),
            region: region.into(),
            service: service.into(),
            settings: SigningSettings::default(),
            cache: CacheSettings::default(),
        }
    }

    /// The current signer, lock-free; hold it for a batch of signings.
    pub fn load(&self) -> Guard<Arc<Signer>> {
        self.shared.current.load()
    }

    /// The current signer, as an `Arc` to keep.
    pub fn signer(&self) -> Arc<Signer> {
        self.shared.current.load_full()
    }

    /// The cache behind the signer (its current credentials and next refresh).
    pub fn cache(&self) -> &CachingProvider {
        &self.shared.cache
    }

    /// Signs `request` now with the current credentials; see [`Signer::sign`].
    ///
    /// # Errors
    /// As [`Signer::sign_at`].
    #[inline]
    pub fn sign<B>(
        &self,
        request: &mut http::Request<B>,
        payload: Payload<'_>,
    ) -> Result<Signature, SigningError> {
        self.shared.current.load().sign(request, payload)
    }

    /// Signs `request` as of `time` with the current credentials; see [`Signer::sign_at`].
    ///
    /// # Errors
    /// As [`Signer::sign_at`].
    #[inline]
    pub fn sign_at<B>(
        &self,
        request: &mut http::Request<B>,
        payload: Payload<'_>,
        time: SystemTime,
    ) -> Result<Signature, SigningError> {
        self.shared.current.load().sign_at(request, payload, time)
    }

    /// A presigned URL with the current credentials; see [`Signer::presign_at`]. Note that a
    /// URL presigned with temporary credentials stops working when they expire, whatever its
    /// `X-Amz-Expires`.
    ///
    /// # Errors
    /// As [`Signer::presign_at`].
    pub fn presign_at<B>(
        &self,
        request: &http::Request<B>,
        expires_in: Duration,
        time: SystemTime,
    ) -> Result<http::Uri, SigningError> {
        self.shared
            .current
            .load()
            .presign_at(request, expires_in, time)
    }

    /// Refreshes now if the cache says it is time (or the credentials expired), swapping in a
    /// new signer when the credentials changed. The background task calls this; tests and
    /// programs without a long-lived runtime may too.
    ///
    /// # Errors
    /// The provider's error when no unexpired credentials could be had.
    pub async fn refresh(&self) -> Result<(), Error> {
        let fresh = self.shared.cache.credentials().await?;
        self.shared.swap_if_changed(&fresh);
        Ok(())
    }
}

impl Shared {
    fn signer_for(&self, credentials: &ExpiringCredentials) -> Signer {
        Signer::new(
            credentials.credentials().clone(),
            self.region.clone(),
            self.service.clone(),
        )
        .with_settings(self.settings.clone())
    }

    fn swap_if_changed(&self, fresh: &ExpiringCredentials) {
        let current = self.current.load();
        let (a, b) = (current.credentials(), fresh.credentials());
        let same = a.access_key_id() == b.access_key_id()
            && a.secret_access_key() == b.secret_access_key()
            && a.session_token() == b.session_token();
        if !same {
            self.current.store(Arc::new(self.signer_for(fresh)));
            tracing::debug!(
                target: "sigv4x_credentials::signer",
                access_key_id = fresh.credentials().access_key_id(),
                "signer now uses refreshed credentials"
            );
        }
    }
}

/// Options for a [`RefreshingSigner`].
pub struct RefreshingSignerBuilder {
    provider: Box<dyn ProvideCredentials>,
    region: String,
    service: String,
    settings: SigningSettings,
    cache: CacheSettings,
}

impl RefreshingSignerBuilder {
    /// Signing settings (default [`SigningSettings::default`]).
    pub fn settings(mut self, settings: SigningSettings) -> Self {
        self.settings = settings;
        self
    }

    /// When to refresh (default [`CacheSettings::default`]).
    pub fn cache_settings(mut self, cache: CacheSettings) -> Self {
        self.cache = cache;
        self
    }

    /// Loads the first credentials and starts the refresh task.
    ///
    /// # Errors
    /// The provider's error when the first credentials cannot be loaded;
    /// [`Error::InvalidConfiguration`] outside a tokio runtime.
    pub async fn build(self) -> Result<RefreshingSigner, Error> {
        // Without a tokio runtime `tokio::spawn` would panic; say so instead.
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
            Error::invalid_config(
                "signer",
                "RefreshingSigner refreshes in a tokio task: build it inside a tokio runtime",
            )
        })?;
        let cache = CachingProvider::with_settings(self.provider, self.cache);
        let first = cache.credentials().await?;
        let signer = Signer::new(
            first.credentials().clone(),
            self.region.clone(),
            self.service.clone(),
        )
        .with_settings(self.settings.clone());
        let shared = Arc::new(Shared {
            current: ArcSwap::from_pointee(signer),
            cache,
            region: self.region,
            service: self.service,
            settings: self.settings,
            task: std::sync::Mutex::new(None),
        });
        let task = runtime.spawn(refresh_loop(Arc::downgrade(&shared)));
        if let Ok(mut slot) = shared.task.lock() {
            *slot = Some(task);
        }
        Ok(RefreshingSigner { shared })
    }
}

impl fmt::Debug for RefreshingSignerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshingSignerBuilder")
            .field("provider", &self.provider)
            .field("region", &self.region)
            .field("service", &self.service)
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

/// Sleeps until the next refresh time, refreshes, repeats; ends when the signer is dropped or
/// its credentials never expire.
async fn refresh_loop(shared: Weak<Shared>) {
    loop {
        let wait = {
            let Some(shared) = shared.upgrade() else {
                return;
            };
            let Some(at) = shared.cache.next_refresh() else {
                return;
            };
            at.duration_since(shared.cache.now())
                .unwrap_or(Duration::ZERO)
        };
        tokio::time::sleep(wait).await;
        let Some(strong) = shared.upgrade() else {
            return;
        };
        let retry = strong.cache.settings().retry_after_failure;
        match strong.cache.credentials().await {
            Ok(fresh) => strong.swap_if_changed(&fresh),
            Err(error) => {
                // The credentials expired and could not be renewed: keep trying.
                tracing::warn!(
                    target: "sigv4x_credentials::signer",
                    %error,
                    "credentials expired and refreshing them failed; retrying in {retry:?}"
                );
                drop(strong);
                tokio::time::sleep(retry).await;
            }
        }
    }
}

impl fmt::Debug for RefreshingSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshingSigner")
            .field("signer", &**self.shared.current.load())
            .field("next_refresh", &self.shared.cache.next_refresh())
            .finish()
    }
}
