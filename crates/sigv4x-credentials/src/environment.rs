//! Credentials from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`.

use sigv4x::Credentials;

use crate::provider::{ExpiringCredentials, ProvideCredentials, ProvideFuture};
use crate::timestamp::parse_rfc3339;
use crate::{Env, Error};

const NAME: &str = "environment";

/// Credentials from the environment: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, and, when
/// set and not empty, `AWS_SESSION_TOKEN` and `AWS_CREDENTIAL_EXPIRATION` (RFC 3339, as the
/// Rust SDK reads it).
///
/// Not configured when `AWS_ACCESS_KEY_ID` is unset or empty; an error when it is set without a
/// secret (botocore and the SDKs refuse half a pair rather than fall through to another source).
#[derive(Clone, Debug, Default)]
pub struct EnvironmentProvider {
    env: Env,
}

impl EnvironmentProvider {
    /// Reads the process environment.
    pub fn new() -> Self {
        EnvironmentProvider::default()
    }

    /// Reads `env` instead.
    pub fn with_env(env: Env) -> Self {
        EnvironmentProvider { env }
    }

    /// Loads now, without the async wrapper.
    ///
    /// # Errors
    /// As [`ProvideCredentials::provide_credentials`].
    pub fn load(&self) -> Result<ExpiringCredentials, Error> {
        let Some(id) = self.env.get_non_empty("AWS_ACCESS_KEY_ID") else {
            return Err(Error::not_configured(NAME, "AWS_ACCESS_KEY_ID is not set"));
        };
        let Some(secret) = self.env.get_non_empty("AWS_SECRET_ACCESS_KEY") else {
            return Err(Error::invalid_config(
                NAME,
                "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not",
            ));
        };
        let token = self.env.get_non_empty("AWS_SESSION_TOKEN");
        let expiry = match self.env.get_non_empty("AWS_CREDENTIAL_EXPIRATION") {
            None => None,
            Some(text) => Some(parse_rfc3339(&text).ok_or_else(|| {
                Error::invalid_config(NAME, "AWS_CREDENTIAL_EXPIRATION is not an RFC 3339 time")
            })?),
        };
        Ok(ExpiringCredentials::new(
            Credentials::new(id, secret, token),
            expiry,
        ))
    }
}

impl ProvideCredentials for EnvironmentProvider {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        let result = self.load();
        Box::pin(async move { result })
    }
}
