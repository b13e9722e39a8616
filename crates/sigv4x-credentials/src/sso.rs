//! IAM Identity Center (SSO): a role's credentials from `GetRoleCredentials`, with the access
//! token `aws sso login` left in `~/.aws/sso/cache/`.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http_body_util::Full;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde::Deserialize;
use sha1::{Digest, Sha1};
use sigv4x::Credentials;

use crate::error::json_problem;
use crate::profile::SsoPlan;
use crate::provider::ExpiringCredentials;
use crate::timestamp::{format_rfc3339, from_epoch_millis, parse_rfc3339};
use crate::{http_client, Env, Error};

const NAME: &str = "sso";
const TIMEOUT: Duration = Duration::from_secs(10);

/// The token cache file: the SHA-1, in hex, of the session name (or, for legacy profiles, of
/// the start URL), as the CLI writes it.
pub(crate) fn cache_file(env: &Env, key: &str) -> Option<PathBuf> {
    let digest = Sha1::digest(key.as_bytes());
    let mut name = String::with_capacity(45);
    for byte in digest.iter() {
        let _ = write!(name, "{byte:02x}");
    }
    name.push_str(".json");
    env.home_dir()
        .map(|home| home.join(".aws").join("sso").join("cache").join(name))
}

/// The portal endpoint: `AWS_ENDPOINT_URL_SSO`, `AWS_ENDPOINT_URL`, else
/// `https://portal.sso.{region}.amazonaws.com`.
pub(crate) fn portal_endpoint(env: &Env, region: &str) -> String {
    let configured = if env.flag("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") {
        None
    } else {
        env.get_non_empty("AWS_ENDPOINT_URL_SSO")
            .or_else(|| env.get_non_empty("AWS_ENDPOINT_URL"))
    };
    match configured {
        Some(url) => url.trim_end_matches('/').to_string(),
        None if region.starts_with("cn-") => {
            format!("https://portal.sso.{region}.amazonaws.com.cn")
        }
        None => format!("https://portal.sso.{region}.amazonaws.com"),
    }
}

// No `Debug` on these: they hold tokens and secrets.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CachedToken {
    access_token: Option<String>,
    expires_at: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RoleCredentialsAnswer {
    role_credentials: RoleCredentials,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RoleCredentials {
    access_key_id: String,
    secret_access_key: String,
    session_token: Option<String>,
    expiration: u64,
}

/// Reads the cached token of `plan` and exchanges it for the role's credentials.
pub(crate) async fn load(
    env: &Env,
    plan: &SsoPlan,
    now: SystemTime,
) -> Result<ExpiringCredentials, Error> {
    crate::region::check_region(NAME, &plan.region)?;
    let login = match &plan.session {
        Some(session) => format!("aws sso login --sso-session {session}"),
        None => format!("aws sso login --profile {}", plan.profile),
    };
    let path = cache_file(env, plan.cache_key()).ok_or_else(|| {
        Error::invalid_config(NAME, "no home directory to find the SSO token cache in")
    })?;
    let text = match tokio::fs::read(&path).await {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::invalid_config(
                NAME,
                format!("no SSO token cached at {}; run `{login}`", path.display()),
            ))
        }
        Err(e) => {
            return Err(Error::Io {
                provider: NAME,
                path,
                message: e.to_string(),
            })
        }
    };
    let cached: CachedToken = serde_json::from_slice(&text).map_err(|e| {
        Error::invalid_config(
            NAME,
            format!(
                "{}, the SSO token cache, {}",
                path.display(),
                json_problem(&e)
            ),
        )
    })?;
    let (Some(token), Some(expires_at)) = (cached.access_token, cached.expires_at) else {
        return Err(Error::invalid_config(
            NAME,
            format!("{} has no accessToken or expiresAt", path.display()),
        ));
    };
    let expires = parse_rfc3339(&expires_at).ok_or_else(|| {
        Error::invalid_config(
            NAME,
            format!("expiresAt in {} is not a time", path.display()),
        )
    })?;
    if expires <= now {
        // Refreshing the token through SSO OIDC `CreateToken` is left to the CLI.
        return Err(Error::invalid_config(
            NAME,
            format!(
                "the SSO token in {} expired at {}; run `{login}`",
                path.display(),
                format_rfc3339(expires)
            ),
        ));
    }
    let url = format!(
        "{}/federation/credentials?role_name={}&account_id={}",
        portal_endpoint(env, &plan.region),
        utf8_percent_encode(&plan.role_name, NON_ALPHANUMERIC),
        utf8_percent_encode(&plan.account_id, NON_ALPHANUMERIC),
    );
    let mut bearer = http::HeaderValue::from_str(&token)
        .map_err(|_| Error::invalid_config(NAME, "the cached SSO token is not a header value"))?;
    bearer.set_sensitive(true);
    let request = http::Request::get(url.as_str())
        .header("x-amz-sso_bearer_token", bearer)
        .body(Full::new(Bytes::new()))
        .map_err(|_| Error::invalid_config(NAME, "bad SSO portal URL"))?;
    let response = http_client::send(NAME, request, TIMEOUT).await?;
    if !response.status.is_success() {
        let (code, message) = crate::metadata_json::parse_error(&response.body);
        // The portal names its errors `…#UnauthorizedException` in `__type`.
        let code = code.or_else(|| {
            serde_json::from_slice::<serde_json::Value>(&response.body)
                .ok()
                .and_then(|v| v.get("__type").and_then(|t| t.as_str()).map(str::to_string))
                .map(|t| t.rsplit('#').next().unwrap_or_default().to_string())
        });
        return Err(Error::Service {
            provider: NAME,
            status: response.status.as_u16(),
            code,
            message,
        });
    }
    let answer: RoleCredentialsAnswer = serde_json::from_slice(&response.body).map_err(|e| {
        Error::invalid_response(
            NAME,
            format!("the GetRoleCredentials answer {}", json_problem(&e)),
        )
    })?;
    let c = answer.role_credentials;
    if c.access_key_id.is_empty() || c.secret_access_key.is_empty() {
        return Err(Error::invalid_response(
            NAME,
            "the GetRoleCredentials answer has an empty accessKeyId or secretAccessKey",
        ));
    }
    let expiry = from_epoch_millis(c.expiration)
        .ok_or_else(|| Error::invalid_response(NAME, "expiration out of range"))?;
    Ok(ExpiringCredentials::new(
        Credentials::new(
            c.access_key_id,
            c.secret_access_key,
            c.session_token.filter(|t| !t.is_empty()),
        ),
        Some(expiry),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_file_is_the_sha1_of_the_key() {
        let env = Env::from_pairs([("HOME", "/home/u")]);
        // sha1("my-sso-session") as the CLI computes it (`hashlib.sha1(...).hexdigest()`).
        let path = cache_file(&env, "my-sso-session").unwrap();
        assert_eq!(
            path,
            PathBuf::from("/home/u/.aws/sso/cache/b755b5ec73400c04400e978208d8559ad1f39053.json")
        );
        // Legacy profiles: the start URL is hashed.
        let legacy = cache_file(&env, "https://my-sso-portal.awsapps.com/start").unwrap();
        assert!(legacy.ends_with("c7aaaf71fcc8777ae2475525ed049d39fe16c484.json"));
    }

    #[test]
    fn portal_endpoints() {
        let none = Env::from_pairs::<String, String>([]);
        assert_eq!(
            portal_endpoint(&none, "eu-west-1"),
            "https://portal.sso.eu-west-1.amazonaws.com"
        );
        let env = Env::from_pairs([("AWS_ENDPOINT_URL_SSO", "http://127.0.0.1:9/")]);
        assert_eq!(portal_endpoint(&env, "eu-west-1"), "http://127.0.0.1:9");
    }
}
