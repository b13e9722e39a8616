//! The provider trait, credentials with an expiry, and fixed credentials.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::SystemTime;

use sigv4x::Credentials;

use crate::Error;

/// The future a [`ProvideCredentials`] returns: boxed, so that providers can be chained and
/// held as `dyn ProvideCredentials`.
pub type ProvideFuture<'a> =
    Pin<Box<dyn Future<Output = Result<ExpiringCredentials, Error>> + Send + 'a>>;

/// A source of credentials.
///
/// Each call loads afresh (reads the files, asks the endpoint); wrap a provider in
/// [`CachingProvider`](crate::CachingProvider) to load once and refresh before expiry.
pub trait ProvideCredentials: Send + Sync + fmt::Debug {
    /// Loads credentials.
    ///
    /// # Errors
    /// [`Error::NotConfigured`] when this source does not apply here; any other [`Error`]
    /// when it applies and failed.
    fn provide_credentials(&self) -> ProvideFuture<'_>;
}

impl<P: ProvideCredentials + ?Sized> ProvideCredentials for Arc<P> {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        (**self).provide_credentials()
    }
}

impl<P: ProvideCredentials + ?Sized> ProvideCredentials for Box<P> {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        (**self).provide_credentials()
    }
}

/// Credentials and the time they stop working, if they do.
#[derive(Clone, Debug)]
pub struct ExpiringCredentials {
    credentials: Credentials,
    expiry: Option<SystemTime>,
}

impl ExpiringCredentials {
    /// Credentials valid until `expiry` (`None`: long-term keys that do not expire).
    pub fn new(credentials: Credentials, expiry: Option<SystemTime>) -> Self {
        ExpiringCredentials {
            credentials,
            expiry,
        }
    }

    /// The credentials.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// When they expire, if they do.
    pub fn expiry(&self) -> Option<SystemTime> {
        self.expiry
    }

    /// Whether they have expired at `now`.
    pub fn is_expired_at(&self, now: SystemTime) -> bool {
        self.expiry.is_some_and(|e| e <= now)
    }

    /// The credentials, without their expiry.
    pub fn into_credentials(self) -> Credentials {
        self.credentials
    }
}

/// Fixed credentials, for tests and for keys that come from elsewhere.
#[derive(Clone, Debug)]
pub struct StaticProvider(ExpiringCredentials);

impl StaticProvider {
    /// Always provides `credentials`, which never expire.
    pub fn new(credentials: Credentials) -> Self {
        StaticProvider(ExpiringCredentials::new(credentials, None))
    }

    /// Always provides `credentials`, with their expiry.
    pub fn expiring(credentials: ExpiringCredentials) -> Self {
        StaticProvider(credentials)
    }
}

impl ProvideCredentials for StaticProvider {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        let credentials = self.0.clone();
        Box::pin(async move { Ok(credentials) })
    }
}
