//! Credentials for a role assumed with a web identity token (EKS IRSA, GitHub Actions OIDC):
//! STS `AssumeRoleWithWebIdentity`.

use std::path::Path;

use crate::provider::{ExpiringCredentials, ProvideCredentials, ProvideFuture};
use crate::sts::{self, Endpoint};
use crate::{Env, Error};

const NAME: &str = "web identity";

/// Assumes `AWS_ROLE_ARN` with the token in `AWS_WEB_IDENTITY_TOKEN_FILE`, as session
/// `AWS_ROLE_SESSION_NAME` (or a generated name).
///
/// The token file is read at every load: the platform rotates it. Not configured when
/// `AWS_WEB_IDENTITY_TOKEN_FILE` is unset.
#[derive(Clone, Debug, Default)]
pub struct WebIdentityProvider {
    env: Env,
}

impl WebIdentityProvider {
    /// Reads the process environment.
    pub fn new() -> Self {
        WebIdentityProvider::default()
    }

    /// Reads `env` instead.
    pub fn with_env(env: Env) -> Self {
        WebIdentityProvider { env }
    }

    async fn load(&self) -> Result<ExpiringCredentials, Error> {
        let Some(token_file) = self.env.get_non_empty("AWS_WEB_IDENTITY_TOKEN_FILE") else {
            return Err(Error::not_configured(
                NAME,
                "AWS_WEB_IDENTITY_TOKEN_FILE is not set",
            ));
        };
        let Some(role_arn) = self.env.get_non_empty("AWS_ROLE_ARN") else {
            return Err(Error::invalid_config(
                NAME,
                "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not",
            ));
        };
        let session = self.env.get_non_empty("AWS_ROLE_SESSION_NAME");
        let endpoint = crate::region::sts_endpoint(&self.env).await?;
        let token_file = self.env.expand_home(&token_file);
        assume(&endpoint, &role_arn, &token_file, session.as_deref()).await
    }
}

impl ProvideCredentials for WebIdentityProvider {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        Box::pin(self.load())
    }
}

/// Reads the token from `token_file` and assumes `role_arn` with it.
pub(crate) async fn assume(
    endpoint: &Endpoint,
    role_arn: &str,
    token_file: &Path,
    session_name: Option<&str>,
) -> Result<ExpiringCredentials, Error> {
    let token = tokio::fs::read_to_string(token_file)
        .await
        .map_err(|e| Error::Io {
            provider: NAME,
            path: token_file.to_path_buf(),
            message: e.to_string(),
        })?;
    let token = token.trim();
    if token.is_empty() {
        return Err(Error::invalid_config(
            NAME,
            format!("web identity token file {} is empty", token_file.display()),
        ));
    }
    let generated;
    let session_name = match session_name {
        Some(name) => name,
        None => {
            generated = sts::default_session_name();
            &generated
        }
    };
    sts::assume_role_with_web_identity(NAME, endpoint, role_arn, session_name, token).await
}
