//! Credentials from a container's credentials endpoint: ECS tasks and EKS Pod Identity.

use std::net::IpAddr;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;

use crate::provider::{ExpiringCredentials, ProvideCredentials, ProvideFuture};
use crate::{http_client, metadata_json, Env, Error};

const NAME: &str = "container";

/// Where ECS serves `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`.
pub const ECS_ENDPOINT: &str = "http://169.254.170.2";

/// The agents answer locally; five seconds covers one under load (the Rust SDK's read limit).
const TIMEOUT: Duration = Duration::from_secs(5);

/// GETs `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` on `169.254.170.2` (ECS), or
/// `AWS_CONTAINER_CREDENTIALS_FULL_URI` (EKS Pod Identity, local agents), with an
/// `Authorization` header from the file `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` (read at each
/// load, it rotates) or else `AWS_CONTAINER_AUTHORIZATION_TOKEN`.
///
/// A relative URI must be a path (and query) starting with `/`; it is joined to the ECS
/// address as parts, so it cannot name another host. A full URI must be HTTPS, or HTTP to a loopback address or to the ECS (`169.254.170.2`) or
/// EKS (`169.254.170.23`, `fd00:ec2::23`) agent, as the SDKs require: credentials never cross
/// a network in clear.
#[derive(Clone, Debug)]
pub struct ContainerProvider {
    env: Env,
    relative_base: String,
}

impl Default for ContainerProvider {
    fn default() -> Self {
        ContainerProvider {
            env: Env::default(),
            relative_base: ECS_ENDPOINT.to_string(),
        }
    }
}

impl ContainerProvider {
    /// Reads the process environment.
    pub fn new() -> Self {
        ContainerProvider::default()
    }

    /// Reads `env` instead.
    pub fn with_env(env: Env) -> Self {
        ContainerProvider {
            env,
            ..ContainerProvider::default()
        }
    }

    /// Serves relative URIs from `base` instead of [`ECS_ENDPOINT`] (for tests and emulators):
    /// the scheme and host of `base`, the path and query of the relative URI.
    pub fn relative_base(mut self, base: impl Into<String>) -> Self {
        self.relative_base = base.into();
        self
    }

    fn uri(&self) -> Result<http::Uri, Error> {
        if let Some(relative) = self
            .env
            .get_non_empty("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
        {
            return self.relative_uri(&relative);
        }
        let Some(full) = self.env.get_non_empty("AWS_CONTAINER_CREDENTIALS_FULL_URI") else {
            return Err(Error::not_configured(
                NAME,
                "neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor \
                 AWS_CONTAINER_CREDENTIALS_FULL_URI is set",
            ));
        };
        // Not echoed: the text may hold `user:password@`.
        let uri: http::Uri = full.parse().map_err(|_| {
            Error::invalid_config(NAME, "AWS_CONTAINER_CREDENTIALS_FULL_URI is not a URL")
        })?;
        if !allowed_full_uri(&uri) {
            return Err(Error::invalid_config(
                NAME,
                format!(
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI `{}` must be https, or http to a loopback \
                     address or the ECS or EKS agent",
                    http_client::display_url(&uri)
                ),
            ));
        }
        Ok(uri)
    }

    /// `relative` on the ECS agent, built from parts as the Rust SDK does (scheme and authority
    /// from the base, path and query from the variable), never by pasting text: a value such as
    /// `@evil:80/x` or `.evil.tld/x` would otherwise name another host, which would receive the
    /// authorization token and serve the credentials.
    fn relative_uri(&self, relative: &str) -> Result<http::Uri, Error> {
        let invalid = || {
            Error::invalid_config(
                NAME,
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI must be a path (and query) starting with \
                 a single `/`, without `@`, `\\` or `#`",
            )
        };
        if !relative.starts_with('/')
            || relative.starts_with("//")
            || relative.contains(['@', '\\', '#'])
        {
            return Err(invalid());
        }
        let path_and_query: http::uri::PathAndQuery = relative.parse().map_err(|_| invalid())?;
        let base: http::Uri = self
            .relative_base
            .parse()
            .map_err(|_| Error::invalid_config(NAME, "the container relative base is not a URL"))?;
        let (Some(scheme), Some(authority)) = (base.scheme(), base.authority()) else {
            return Err(Error::invalid_config(
                NAME,
                "the container relative base has no scheme or host",
            ));
        };
        http::Uri::builder()
            .scheme(scheme.clone())
            .authority(authority.clone())
            .path_and_query(path_and_query)
            .build()
            .map_err(|_| invalid())
    }

    async fn authorization(&self) -> Result<Option<String>, Error> {
        let token = if let Some(file) = self
            .env
            .get_non_empty("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
        {
            let path = self.env.expand_home(&file);
            let text = tokio::fs::read_to_string(&path)
                .await
                .map_err(|e| Error::Io {
                    provider: NAME,
                    path: path.clone(),
                    message: e.to_string(),
                })?;
            Some(text.trim().to_string())
        } else {
            self.env.get_non_empty("AWS_CONTAINER_AUTHORIZATION_TOKEN")
        };
        match token {
            Some(t) if t.contains(['\r', '\n']) => Err(Error::invalid_config(
                NAME,
                "the container authorization token contains a line break",
            )),
            other => Ok(other),
        }
    }

    async fn load(&self) -> Result<ExpiringCredentials, Error> {
        let uri = self.uri()?;
        let mut request = http::Request::get(uri).header(http::header::ACCEPT, "application/json");
        if let Some(token) = self.authorization().await? {
            let mut value = http::HeaderValue::from_str(&token).map_err(|_| {
                Error::invalid_config(
                    NAME,
                    "the container authorization token is not a valid header value",
                )
            })?;
            value.set_sensitive(true);
            request = request.header(http::header::AUTHORIZATION, value);
        }
        let request = request
            .body(Full::new(Bytes::new()))
            .map_err(|e| Error::invalid_config(NAME, e.to_string()))?;
        let response = http_client::send(NAME, request, TIMEOUT).await?;
        if !response.status.is_success() {
            let (code, message) = metadata_json::parse_error(&response.body);
            return Err(Error::Service {
                provider: NAME,
                status: response.status.as_u16(),
                code,
                message,
            });
        }
        metadata_json::parse(NAME, &response.body)
    }
}

impl ProvideCredentials for ContainerProvider {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        Box::pin(self.load())
    }
}

fn allowed_full_uri(uri: &http::Uri) -> bool {
    match uri.scheme_str() {
        Some("https") => true,
        Some("http") => {
            let Some(host) = uri.host() else {
                return false;
            };
            if host.eq_ignore_ascii_case("localhost") {
                return true;
            }
            let bare = host.trim_start_matches('[').trim_end_matches(']');
            match bare.parse::<IpAddr>() {
                Ok(ip) => {
                    ip.is_loopback()
                        || ip == IpAddr::from([169, 254, 170, 2])
                        || ip == IpAddr::from([169, 254, 170, 23])
                        || ip == IpAddr::from([0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x23])
                }
                Err(_) => false,
            }
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_uri_rules() {
        let ok = |s: &str| allowed_full_uri(&s.parse().unwrap());
        assert!(ok("https://example.com/creds"));
        assert!(ok("http://127.0.0.1:8080/creds"));
        assert!(ok("http://127.1.2.3/creds"));
        assert!(ok("http://localhost/creds"));
        assert!(ok("http://[::1]:80/creds"));
        assert!(ok("http://169.254.170.23/v1/credentials"));
        assert!(ok("http://[fd00:ec2::23]/v1/credentials"));
        assert!(!ok("http://10.0.0.1/creds"));
        assert!(!ok("http://example.com/creds"));
        assert!(!ok("ftp://127.0.0.1/creds"));
    }
}
