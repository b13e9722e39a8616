//! Interop with the AWS SDK for Rust (feature `aws-config`): any SDK credentials provider,
//! such as `aws_config`'s default chain, as a [`ProvideCredentials`], and SDK credentials as
//! [`ExpiringCredentials`].

use std::fmt;

use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::ProvideCredentials as SdkProvideCredentials;
use sigv4x::Credentials;

use crate::provider::{ExpiringCredentials, ProvideCredentials, ProvideFuture};
use crate::Error;

const NAME: &str = "aws-config";

/// An AWS SDK credentials provider, for teams that already configure the SDK's chain:
///
/// ```ignore
/// let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
/// let provider = SdkProvider::new(sdk.credentials_provider().unwrap());
/// let signer = RefreshingSigner::new(provider, "eu-west-1", "execute-api").await?;
/// ```
///
/// The SDK's "not loaded" error becomes [`Error::NotConfigured`] (so the provider can sit in a
/// [`ChainProvider`](crate::ChainProvider)), its invalid-configuration error
/// [`Error::InvalidConfiguration`], and any other [`Error::External`].
pub struct SdkProvider<P>(P);

impl<P: SdkProvideCredentials> SdkProvider<P> {
    /// Wraps `provider`.
    pub fn new(provider: P) -> Self {
        SdkProvider(provider)
    }

    /// The wrapped provider.
    pub fn into_inner(self) -> P {
        self.0
    }
}

impl<P: fmt::Debug> fmt::Debug for SdkProvider<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SdkProvider").field(&self.0).finish()
    }
}

impl<P: SdkProvideCredentials> ProvideCredentials for SdkProvider<P> {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        Box::pin(async move {
            match self.0.provide_credentials().await {
                Ok(credentials) => Ok(ExpiringCredentials::from(&credentials)),
                Err(error) => Err(convert(&error)),
            }
        })
    }
}

/// The error and its sources, as the SDK's `DisplayErrorContext` shows them. The SDK's
/// providers never put secrets in their errors.
fn describe(error: &CredentialsError) -> String {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

fn convert(error: &CredentialsError) -> Error {
    let message = describe(error);
    match error {
        CredentialsError::CredentialsNotLoaded(_) => Error::not_configured(NAME, message),
        CredentialsError::InvalidConfiguration(_) => Error::invalid_config(NAME, message),
        _ => Error::External {
            provider: NAME,
            message,
        },
    }
}

impl From<&aws_credential_types::Credentials> for ExpiringCredentials {
    fn from(c: &aws_credential_types::Credentials) -> Self {
        ExpiringCredentials::new(
            Credentials::new(
                c.access_key_id(),
                c.secret_access_key(),
                c.session_token().map(str::to_string),
            ),
            c.expiry(),
        )
    }
}

impl From<aws_credential_types::Credentials> for ExpiringCredentials {
    fn from(c: aws_credential_types::Credentials) -> Self {
        ExpiringCredentials::from(&c)
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use aws_credential_types::provider::future;

    use super::*;

    #[derive(Debug)]
    struct NotLoaded;

    impl SdkProvideCredentials for NotLoaded {
        fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
        where
            Self: 'a,
        {
            future::ProvideCredentials::ready(Err(CredentialsError::not_loaded("no profile")))
        }
    }

    #[derive(Debug)]
    struct Failing;

    impl SdkProvideCredentials for Failing {
        fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
        where
            Self: 'a,
        {
            future::ProvideCredentials::ready(Err(CredentialsError::provider_error("STS said 503")))
        }
    }

    #[tokio::test]
    async fn sdk_credentials_and_errors_carry_over() {
        let expiry = UNIX_EPOCH + Duration::from_secs(2_000_000_000);
        let sdk = aws_credential_types::Credentials::new(
            "AKIDSDK",
            "sdk-secret",
            Some("sdk-token".into()),
            Some(expiry),
            "test",
        );
        let got = SdkProvider::new(sdk).provide_credentials().await.unwrap();
        assert_eq!(got.credentials().access_key_id(), "AKIDSDK");
        assert_eq!(got.credentials().secret_access_key(), "sdk-secret");
        assert_eq!(got.credentials().session_token(), Some("sdk-token"));
        assert_eq!(got.expiry(), Some(expiry));

        let err = SdkProvider::new(NotLoaded)
            .provide_credentials()
            .await
            .unwrap_err();
        assert!(
            err.is_not_configured() && err.to_string().contains("no profile"),
            "{err}"
        );
        let err = SdkProvider::new(Failing)
            .provide_credentials()
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::External { .. }) && err.to_string().contains("503"),
            "{err}"
        );

        // In a chain, "not loaded" moves on.
        let chain = crate::ChainProvider::new()
            .or_else("sdk", SdkProvider::new(NotLoaded))
            .or_else(
                "static",
                crate::StaticProvider::new(Credentials::new("AKIDNEXT", "s", None)),
            );
        let got = chain.provide_credentials().await.unwrap();
        assert_eq!(got.credentials().access_key_id(), "AKIDNEXT");
    }
}
