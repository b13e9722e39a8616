//! A chain of providers tried in order, and the default chain of the AWS SDKs.

use crate::provider::{ExpiringCredentials, ProvideCredentials, ProvideFuture};
use crate::{
    ContainerProvider, Env, EnvironmentProvider, Error, ImdsProvider, ProfileProvider,
    WebIdentityProvider,
};

/// Providers tried in order: the first that is configured gives the credentials.
///
/// A provider that is not configured ([`Error::NotConfigured`]) is skipped; any other error
/// stops the chain and is returned, because a source that is configured but failing (an STS
/// refusal, a broken profile) must not silently yield to another identity. When none is
/// configured the error is [`Error::NoneFound`], listing each provider and why it did not
/// apply.
#[derive(Debug, Default)]
pub struct ChainProvider {
    providers: Vec<(&'static str, Box<dyn ProvideCredentials>)>,
}

impl ChainProvider {
    /// An empty chain (which finds nothing); add providers with [`ChainProvider::or_else`].
    pub fn new() -> Self {
        ChainProvider::default()
    }

    /// The chain with `provider`, named `name` in errors, tried after the others.
    pub fn or_else(
        mut self,
        name: &'static str,
        provider: impl ProvideCredentials + 'static,
    ) -> Self {
        self.providers.push((name, Box::new(provider)));
        self
    }

    /// The default chain, reading the process environment: see
    /// [`ChainProvider::default_chain_with_env`].
    pub fn default_chain() -> Self {
        ChainProvider::default_chain_with_env(Env::process())
    }

    /// The default chain of the AWS SDKs, reading `env`:
    ///
    /// 1. environment variables ([`EnvironmentProvider`]);
    /// 2. web identity token ([`WebIdentityProvider`]);
    /// 3. shared config and credentials files ([`ProfileProvider`]);
    /// 4. container credentials endpoint ([`ContainerProvider`]);
    /// 5. EC2 instance metadata, IMDSv2 ([`ImdsProvider`]).
    pub fn default_chain_with_env(env: Env) -> Self {
        ChainProvider::new()
            .or_else("environment", EnvironmentProvider::with_env(env.clone()))
            .or_else("web identity", WebIdentityProvider::with_env(env.clone()))
            .or_else("profile", ProfileProvider::with_env(env.clone()))
            .or_else("container", ContainerProvider::with_env(env.clone()))
            .or_else("instance metadata", ImdsProvider::with_env(env))
    }

    /// The providers' names, in order.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.providers.iter().map(|(name, _)| *name)
    }

    async fn load(&self) -> Result<ExpiringCredentials, Error> {
        let mut tried = Vec::with_capacity(self.providers.len());
        for (name, provider) in &self.providers {
            match provider.provide_credentials().await {
                Ok(credentials) => {
                    tracing::debug!(provider = name, "credentials loaded");
                    return Ok(credentials);
                }
                Err(Error::NotConfigured { reason, .. }) => tried.push((*name, reason)),
                Err(e) => return Err(e),
            }
        }
        Err(Error::NoneFound(tried))
    }
}

impl ProvideCredentials for ChainProvider {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        Box::pin(self.load())
    }
}
