//! The JSON credentials document shared by the container endpoint and EC2 instance metadata:
//! `AccessKeyId`, `SecretAccessKey`, `Token`, `Expiration` (and fields this crate ignores).

use serde::Deserialize;
use sigv4x::Credentials;

use crate::error::json_problem;
use crate::provider::ExpiringCredentials;
use crate::timestamp::parse_rfc3339;
use crate::Error;

// No `Debug`: it holds secrets.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Document {
    code: Option<String>,
    message: Option<String>,
    access_key_id: Option<String>,
    secret_access_key: Option<String>,
    token: Option<String>,
    expiration: Option<String>,
}

/// Parses a credentials document; `AccessKeyId`, `SecretAccessKey`, `Token` and `Expiration`
/// are all required. IMDS may answer 200 with `"Code"` other than `Success`.
pub(crate) fn parse(provider: &'static str, body: &[u8]) -> Result<ExpiringCredentials, Error> {
    let doc: Document = serde_json::from_slice(body).map_err(|e| {
        Error::invalid_response(
            provider,
            format!("the credentials JSON document {}", json_problem(&e)),
        )
    })?;
    if let Some(code) = doc.code.as_deref().filter(|c| *c != "Success") {
        return Err(Error::Service {
            provider,
            status: 200,
            code: Some(code.to_string()),
            message: doc.message,
        });
    }
    // Both sources serve temporary credentials only: like the Rust SDK's
    // `json_credentials.rs`, every field is required. Without `Expiration` they would be cached
    // forever and never refreshed; without `Token` they cannot sign.
    let missing = |field: &str| Error::invalid_response(provider, format!("no {field}"));
    let id = doc
        .access_key_id
        .filter(|s| !s.is_empty())
        .ok_or_else(|| missing("AccessKeyId"))?;
    let secret = doc
        .secret_access_key
        .filter(|s| !s.is_empty())
        .ok_or_else(|| missing("SecretAccessKey"))?;
    let token = doc
        .token
        .filter(|s| !s.is_empty())
        .ok_or_else(|| missing("Token"))?;
    let expiration = doc
        .expiration
        .filter(|s| !s.is_empty())
        .ok_or_else(|| missing("Expiration"))?;
    let expiry = parse_rfc3339(&expiration)
        .ok_or_else(|| Error::invalid_response(provider, "Expiration is not an ISO 8601 time"))?;
    Ok(ExpiringCredentials::new(
        Credentials::new(id, secret, Some(token)),
        Some(expiry),
    ))
}

/// `code`/`message` of an error document (the container agents write either case).
pub(crate) fn parse_error(body: &[u8]) -> (Option<String>, Option<String>) {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_slice::<serde_json::Value>(body)
    else {
        return (None, None);
    };
    let field = |a: &str, b: &str| {
        map.get(a)
            .or_else(|| map.get(b))
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    (field("Code", "code"), field("Message", "message"))
}
