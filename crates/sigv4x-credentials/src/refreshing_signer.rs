//! A `Signer` that always signs with current credentials.

use std::fmt;
use std::sync::{Arc, Weak};
use std::time::{Duration, SystemTime};

use arc_swap::ArcSwap;
use sigv4x::{Payload, Signature, Signer, SigningError, SigningSettings};
use tokio::task::JoinHandle;

use crate::cache::{CacheSettings, CachingProvider};
use crate::provider::{ExpiringCredentials, ProvideCredentials};
use crate::timestamp::format_rfc3339;
use crate::Error;

/// Signs like [`sigv4x::Signer`], with credentials from a provider, refreshed in the
/// background before they expire.
///
/// The current `Signer` and its credentials' expiry sit in an [`ArcSwap`]: signing loads them
/// (no lock, no await, no allocation), compares the expiry with the signing time and calls the
/// `Signer`, so signing costs what a plain `Signer` costs. A background tokio task, started by
/// [`RefreshingSigner::new`], sleeps until the [`CachingProvider`]'s refresh time, loads new
/// credentials and swaps in a new `Signer`; requests being signed at that moment finish with
/// the old one. A failed refresh is logged and retried while the current credentials last
/// (see [`CachingProvider`]).
///
/// Once the current credentials have expired at the signing time (every refresh failed), the
/// `sign*` methods refuse with [`SignError::Expired`] rather than sign requests AWS would
/// reject.
///
/// The refresh task lives on the tokio runtime the signer was built on: when that runtime
/// shuts down, nothing refreshes any more, and signing fails with [`SignError::Expired`] once
/// the credentials expire. A signer that outlives its runtime can be kept current by calling
/// [`RefreshingSigner::refresh`] from another one.
///
/// Cheap to clone: clones share the signer and the task, which stops when the last clone is
/// dropped.
#[derive(Clone)]
pub struct RefreshingSigner {
    shared: Arc<Shared>,
}

/// Why a [`RefreshingSigner`] did not sign.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignError {
    /// The current credentials expired at or before the signing time: refreshing them failed
    /// (see the `tracing` warnings) or the refresh task's runtime has shut down.
    Expired {
        /// When they expired.
        expired_at: SystemTime,
    },
    /// The request could not be signed; see [`Signer::sign_at`].
    Signing(SigningError),
}

impl From<SigningError> for SignError {
    fn from(error: SigningError) -> Self {
        SignError::Signing(error)
    }
}

impl fmt::Display for SignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignError::Expired { expired_at } => write!(
                f,
                "the signer's credentials expired at {} and could not be refreshed",
                format_rfc3339(*expired_at)
            ),
            SignError::Signing(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for SignError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SignError::Expired { .. } => None,
            SignError::Signing(error) => Some(error),
        }
    }
}

/// The `Signer` and when its credentials expire, swapped together.
struct Current {
    signer: Signer,
    expiry: Option<SystemTime>,
}

impl Current {
    /// The signer, unless its credentials have expired at `time`.
    #[inline]
    fn at(&self, time: SystemTime) -> Result<&Signer, SignError> {
        match self.expiry {
            Some(expired_at) if expired_at <= time => Err(SignError::Expired { expired_at }),
            _ => Ok(&self.signer),
        }
    }
}

struct Shared {
    current: ArcSwap<Current>,
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

    /// A copy of the current signer (cheap: clones share their key cache). It is a snapshot:
    /// it does not refresh and does not check expiry; prefer the `sign*` methods.
    pub fn signer(&self) -> Signer {
        self.shared.current.load().signer.clone()
    }

    /// When the current signer's credentials expire, if they do.
    pub fn expiry(&self) -> Option<SystemTime> {
        self.shared.current.load().expiry
    }

    /// The cache behind the signer (its current credentials and next refresh).
    pub fn cache(&self) -> &CachingProvider {
        &self.shared.cache
    }

    /// Signs `request` now with the current credentials; see [`Signer::sign`].
    ///
    /// # Errors
    /// [`SignError::Expired`] when the current credentials have expired; otherwise as
    /// [`Signer::sign_at`].
    #[inline]
    pub fn sign<B>(
        &self,
        request: &mut http::Request<B>,
        payload: Payload<'_>,
    ) -> Result<Signature, SignError> {
        self.sign_at(request, payload, SystemTime::now())
    }

    /// Signs `request` as of `time` with the current credentials; see [`Signer::sign_at`].
    ///
    /// # Errors
    /// [`SignError::Expired`] when the current credentials have expired at `time`; otherwise
    /// as [`Signer::sign_at`].
    #[inline]
    pub fn sign_at<B>(
        &self,
        request: &mut http::Request<B>,
        payload: Payload<'_>,
        time: SystemTime,
    ) -> Result<Signature, SignError> {
        let current = self.shared.current.load();
        Ok(current.at(time)?.sign_at(request, payload, time)?)
    }

    /// A presigned URL with the current credentials; see [`Signer::presign_at`]. Note that a
    /// URL presigned with temporary credentials stops working when they expire, whatever its
    /// `X-Amz-Expires`.
    ///
    /// # Errors
    /// [`SignError::Expired`] when the current credentials have expired at `time`; otherwise
    /// as [`Signer::presign_at`].
    pub fn presign_at<B>(
        &self,
        request: &http::Request<B>,
        expires_in: Duration,
        time: SystemTime,
    ) -> Result<http::Uri, SignError> {
        let current = self.shared.current.load();
        Ok(current.at(time)?.presign_at(request, expires_in, time)?)
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
    fn current_for(&self, credentials: &ExpiringCredentials) -> Current {
        current_for(credentials, &self.region, &self.service, &self.settings)
    }

    fn swap_if_changed(&self, fresh: &ExpiringCredentials) {
        let current = self.current.load();
        let (a, b) = (current.signer.credentials(), fresh.credentials());
        let same = a.access_key_id() == b.access_key_id()
            && a.secret_access_key() == b.secret_access_key()
            && a.session_token() == b.session_token();
        if !same {
            self.current.store(Arc::new(self.current_for(fresh)));
            tracing::debug!(
                target: "sigv4x_credentials::signer",
                access_key_id = fresh.credentials().access_key_id(),
                "signer now uses refreshed credentials"
            );
        } else if current.expiry != fresh.expiry() {
            // The same keys with a new expiry (some sources extend a session).
            self.current.store(Arc::new(Current {
                signer: current.signer.clone(),
                expiry: fresh.expiry(),
            }));
        }
    }
}

fn current_for(
    credentials: &ExpiringCredentials,
    region: &str,
    service: &str,
    settings: &SigningSettings,
) -> Current {
    Current {
        signer: Signer::new(credentials.credentials().clone(), region, service)
            .with_settings(settings.clone()),
        expiry: credentials.expiry(),
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

    /// Loads the first credentials and starts the refresh task on the current tokio runtime,
    /// where it lives (see [`RefreshingSigner`]).
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
        let current = current_for(&first, &self.region, &self.service, &self.settings);
        let shared = Arc::new(Shared {
            current: ArcSwap::from_pointee(current),
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
            .field("signer", &self.shared.current.load().signer)
            .field("next_refresh", &self.shared.cache.next_refresh())
            .finish()
    }
}
