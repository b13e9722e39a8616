//! Credentials of an EC2 instance's role from the instance metadata service, IMDSv2 only.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;

use crate::provider::{ExpiringCredentials, ProvideCredentials, ProvideFuture};
use crate::{http_client, metadata_json, Env, Error};

const NAME: &str = "instance metadata";

/// The IPv4 endpoint.
pub const IMDS_ENDPOINT: &str = "http://169.254.169.254";
/// The IPv6 endpoint (`AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6`).
pub const IMDS_ENDPOINT_IPV6: &str = "http://[fd00:ec2::254]";

const TOKEN_TTL_HEADER: &str = "x-aws-ec2-metadata-token-ttl-seconds";
const TOKEN_HEADER: &str = "x-aws-ec2-metadata-token";
const CREDENTIALS_PATH: &str = "/latest/meta-data/iam/security-credentials/";

/// Off EC2 the address answers nothing: each request gets one second, as the SDKs do, so a
/// chain reaching this provider on a laptop gives up in about a second.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1);

/// IMDSv2: `PUT /latest/api/token`, then, with that token, the role name under
/// `/latest/meta-data/iam/security-credentials/` and the role's credentials JSON.
///
/// Honours `AWS_EC2_METADATA_DISABLED=true`, `AWS_EC2_METADATA_SERVICE_ENDPOINT` and
/// `AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE`. No IMDSv1 fallback: an instance that requires
/// tokens (the recommended setting) and one that does not both serve IMDSv2.
///
/// When the token request cannot connect or times out the provider reports
/// [`Error::NotConfigured`] (not on EC2), so a chain moves on.
#[derive(Clone, Debug)]
pub struct ImdsProvider {
    env: Env,
    timeout: Duration,
}

impl Default for ImdsProvider {
    fn default() -> Self {
        ImdsProvider {
            env: Env::default(),
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

impl ImdsProvider {
    /// Reads the process environment.
    pub fn new() -> Self {
        ImdsProvider::default()
    }

    /// Reads `env` instead.
    pub fn with_env(env: Env) -> Self {
        ImdsProvider {
            env,
            ..ImdsProvider::default()
        }
    }

    /// The limit for each of the three requests (default one second).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    fn endpoint(&self) -> String {
        if let Some(endpoint) = self.env.get_non_empty("AWS_EC2_METADATA_SERVICE_ENDPOINT") {
            return endpoint.trim_end_matches('/').to_string();
        }
        match self
            .env
            .get_non_empty("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE")
        {
            Some(mode) if mode.eq_ignore_ascii_case("ipv6") => IMDS_ENDPOINT_IPV6.to_string(),
            _ => IMDS_ENDPOINT.to_string(),
        }
    }

    fn request(
        &self,
        method: http::Method,
        url: &str,
        header: (&'static str, &str),
    ) -> Result<http::Request<Full<Bytes>>, Error> {
        http::Request::builder()
            .method(method)
            .uri(url)
            .header(header.0, header.1)
            .body(Full::new(Bytes::new()))
            .map_err(|_| {
                // The text is not echoed: it may hold `user:password@`.
                Error::invalid_config(
                    NAME,
                    "AWS_EC2_METADATA_SERVICE_ENDPOINT does not make a valid URL",
                )
            })
    }

    async fn get(&self, url: &str, token: &str) -> Result<Bytes, Error> {
        let mut request = self.request(http::Method::GET, url, (TOKEN_HEADER, token))?;
        if let Some(value) = request.headers_mut().get_mut(TOKEN_HEADER) {
            value.set_sensitive(true);
        }
        let response = http_client::send(NAME, request, self.timeout).await?;
        if !response.status.is_success() {
            let (code, message) = metadata_json::parse_error(&response.body);
            return Err(Error::Service {
                provider: NAME,
                status: response.status.as_u16(),
                code,
                message,
            });
        }
        Ok(response.body)
    }

    async fn load(&self) -> Result<ExpiringCredentials, Error> {
        if self.env.flag("AWS_EC2_METADATA_DISABLED") {
            return Err(Error::not_configured(
                NAME,
                "disabled by AWS_EC2_METADATA_DISABLED",
            ));
        }
        let base = self.endpoint();
        let token_url = format!("{base}/latest/api/token");
        let request = self.request(http::Method::PUT, &token_url, (TOKEN_TTL_HEADER, "21600"))?;
        let response = match http_client::send(NAME, request, self.timeout).await {
            Ok(response) => response,
            Err(e @ (Error::Timeout { .. } | Error::Unreachable { .. })) => {
                return Err(Error::not_configured(
                    NAME,
                    format!("no instance metadata service: {e}"),
                ))
            }
            Err(e) => return Err(e),
        };
        if !response.status.is_success() {
            return Err(Error::Service {
                provider: NAME,
                status: response.status.as_u16(),
                code: None,
                message: Some("the IMDSv2 token request was refused".to_string()),
            });
        }
        let token = std::str::from_utf8(&response.body)
            .map_err(|_| Error::invalid_response(NAME, "the IMDSv2 token is not text"))?
            .trim()
            .to_string();

        let roles_url = format!("{base}{CREDENTIALS_PATH}");
        let roles = match self.get(&roles_url, &token).await {
            Err(Error::Service { status: 404, .. }) => {
                return Err(Error::not_configured(
                    NAME,
                    "this instance has no IAM role (instance profile)",
                ))
            }
            other => other?,
        };
        let role = std::str::from_utf8(&roles)
            .ok()
            .and_then(|text| text.lines().map(str::trim).find(|l| !l.is_empty()))
            .ok_or_else(|| Error::invalid_response(NAME, "empty role name"))?
            .to_string();
        if role.contains(['/', '?', '#']) {
            return Err(Error::invalid_response(
                NAME,
                "role name is not a path segment",
            ));
        }
        let body = self.get(&format!("{roles_url}{role}"), &token).await?;
        metadata_json::parse(NAME, &body)
    }
}

impl ProvideCredentials for ImdsProvider {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        Box::pin(self.load())
    }
}
