//! The provider of the shared config and credentials files.

use std::time::SystemTime;

use super::{resolve, Base, ProfileSet, RoleStep, NAME};
use crate::provider::{ExpiringCredentials, ProvideCredentials, ProvideFuture};
use crate::region::{env_region, profile_region};
use crate::sts::{self, AssumeRole};
use crate::{sso, web_identity, ContainerProvider, Env, EnvironmentProvider, Error, ImdsProvider};

/// Credentials of a profile in the shared config and credentials files.
///
/// The profile is the one given to [`ProfileProvider::profile`], else `AWS_PROFILE`, else
/// `default`; the files are `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE`, else
/// `~/.aws/config` and `~/.aws/credentials`. A profile gives static keys (with an optional
/// session token), assumes `role_arn` from `source_profile` (chains of roles included) or
/// `credential_source`, or with `web_identity_token_file`, runs `credential_process`, or
/// exchanges a cached SSO token (`sso_session` or legacy `sso_start_url`) for role
/// credentials. `AssumeRole` requests are signed with `sigv4x` and honour `external_id`,
/// `duration_seconds` and `role_session_name`.
///
/// STS is reached at the endpoint the SDKs would use: `AWS_ENDPOINT_URL_STS`,
/// `AWS_ENDPOINT_URL`, the profile's `endpoint_url`, else the regional endpoint of
/// `AWS_REGION`, `AWS_DEFAULT_REGION` or the profile's `region` (else the global one).
#[derive(Clone, Debug, Default)]
pub struct ProfileProvider {
    env: Env,
    profile: Option<String>,
}

impl ProfileProvider {
    /// Reads the process environment and the files it points at.
    pub fn new() -> Self {
        ProfileProvider::default()
    }

    /// Reads `env` (and the home directory it names) instead.
    pub fn with_env(env: Env) -> Self {
        ProfileProvider { env, profile: None }
    }

    /// Uses profile `name`, whatever `AWS_PROFILE` says.
    pub fn profile(mut self, name: impl Into<String>) -> Self {
        self.profile = Some(name.into());
        self
    }

    async fn load(&self) -> Result<ExpiringCredentials, Error> {
        let env = &self.env;
        let set = ProfileSet::load(env, self.profile.as_deref()).await?;
        let plan = resolve(&set)?;
        let region = env_region(env).or_else(|| profile_region(&set));
        let endpoint_url = set
            .profile(set.selected())
            .and_then(|p| p.get("endpoint_url"));
        let sts_endpoint = sts::endpoint(env, region.as_deref(), endpoint_url)?;
        let source_profile = plan.profiles.last().cloned().unwrap_or_default();
        let required = |source: &'static str| {
            move |e: Error| match e {
                Error::NotConfigured { reason, .. } => Error::invalid_config(
                    NAME,
                    format!(
                        "credential_source {source} of profile `{source_profile}` found nothing: \
                         {reason}"
                    ),
                ),
                other => other,
            }
        };
        let mut credentials = match plan.base {
            Base::Static(credentials) => ExpiringCredentials::new(credentials, None),
            Base::Environment => EnvironmentProvider::with_env(env.clone())
                .load()
                .map_err(required("Environment"))?,
            Base::Imds => ImdsProvider::with_env(env.clone())
                .provide_credentials()
                .await
                .map_err(required("Ec2InstanceMetadata"))?,
            Base::Container => ContainerProvider::with_env(env.clone())
                .provide_credentials()
                .await
                .map_err(required("EcsContainer"))?,
            Base::WebIdentity {
                role_arn,
                token_file,
                session_name,
            } => {
                web_identity::assume(
                    &sts_endpoint,
                    &role_arn,
                    &env.expand_home(&token_file),
                    session_name.as_deref(),
                )
                .await?
            }
            Base::Process(process) => process.provide_credentials().await?,
            Base::Sso(plan) => sso::load(env, &plan, SystemTime::now()).await?,
        };
        for step in &plan.roles {
            credentials = assume(&sts_endpoint, &credentials, step).await?;
        }
        Ok(credentials)
    }
}

/// One step of a role chain; a refusal names the role and profile.
async fn assume(
    endpoint: &sts::Endpoint,
    source: &ExpiringCredentials,
    step: &RoleStep,
) -> Result<ExpiringCredentials, Error> {
    let generated;
    let session_name = match &step.session_name {
        Some(name) => name.as_str(),
        None => {
            generated = sts::default_session_name();
            &generated
        }
    };
    let params = AssumeRole {
        role_arn: &step.role_arn,
        session_name,
        external_id: step.external_id.as_deref(),
        duration_seconds: step.duration_seconds,
    };
    sts::assume_role(NAME, endpoint, source.credentials(), &params)
        .await
        .map_err(|e| match e {
            Error::Service {
                provider,
                status,
                code,
                message,
            } => Error::Service {
                provider,
                status,
                code,
                message: Some(format!(
                    "AssumeRole {} for profile `{}`: {}",
                    step.role_arn,
                    step.profile,
                    message.unwrap_or_default()
                )),
            },
            other => other,
        })
}

impl ProvideCredentials for ProfileProvider {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        Box::pin(self.load())
    }
}
