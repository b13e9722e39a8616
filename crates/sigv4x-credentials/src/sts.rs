//! The two STS actions credential providers need, over STS's query API: `AssumeRole`, signed
//! with `sigv4x` itself, and `AssumeRoleWithWebIdentity`, unsigned (the token is the proof).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::Full;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::Deserialize;
use sigv4x::{Credentials, Payload, Signer};

use crate::error::xml_problem;
use crate::http_client::{self, display_url};
use crate::provider::ExpiringCredentials;
use crate::timestamp::parse_rfc3339;
use crate::{Env, Error};

/// STS answers within seconds; a stuck connection must not hold a refresh forever.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Form encoding as the AWS query API expects it: everything but the unreserved characters.
const FORM: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Where STS requests go and the region they are signed for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Endpoint {
    pub(crate) url: String,
    pub(crate) signing_region: String,
}

/// The STS endpoint, with the SDKs' precedence: `AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL`,
/// the profile's `endpoint_url` (all skipped when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`),
/// then the regional endpoint `https://sts.{region}.amazonaws.com` (`.amazonaws.com.cn` in
/// China), or the global `https://sts.amazonaws.com` when no region is set. Requests are
/// signed for the region, or `us-east-1` without one.
pub(crate) fn endpoint(
    env: &Env,
    region: Option<&str>,
    profile_endpoint: Option<&str>,
) -> Result<Endpoint, Error> {
    if let Some(region) = region {
        crate::region::check_region("sts", region)?;
    }
    let signing_region = region.unwrap_or("us-east-1").to_string();
    let configured = if env.flag("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") {
        None
    } else {
        env.get_non_empty("AWS_ENDPOINT_URL_STS")
            .or_else(|| env.get_non_empty("AWS_ENDPOINT_URL"))
            .or_else(|| profile_endpoint.map(str::to_string))
    };
    let url = match (configured, region) {
        (Some(url), _) => url,
        (None, Some(region)) if region.starts_with("cn-") => {
            format!("https://sts.{region}.amazonaws.com.cn")
        }
        (None, Some(region)) => format!("https://sts.{region}.amazonaws.com"),
        (None, None) => "https://sts.amazonaws.com".to_string(),
    };
    Ok(Endpoint {
        url,
        signing_region,
    })
}

/// A default `RoleSessionName`, unique enough per process and second.
pub(crate) fn default_session_name() -> String {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    format!("sigv4x-{millis}")
}

/// `AssumeRole`'s parameters.
#[derive(Debug, Clone, Default)]
pub(crate) struct AssumeRole<'a> {
    pub(crate) role_arn: &'a str,
    pub(crate) session_name: &'a str,
    pub(crate) external_id: Option<&'a str>,
    pub(crate) duration_seconds: Option<u32>,
}

/// Calls `AssumeRole` as `source`.
pub(crate) async fn assume_role(
    provider: &'static str,
    endpoint: &Endpoint,
    source: &Credentials,
    params: &AssumeRole<'_>,
) -> Result<ExpiringCredentials, Error> {
    let duration = params.duration_seconds.map(|d| d.to_string());
    let mut form = vec![
        ("Action", "AssumeRole"),
        ("Version", "2011-06-15"),
        ("RoleArn", params.role_arn),
        ("RoleSessionName", params.session_name),
    ];
    if let Some(id) = params.external_id {
        form.push(("ExternalId", id));
    }
    if let Some(duration) = &duration {
        form.push(("DurationSeconds", duration));
    }
    let body = encode_form(&form);
    let mut request = post(provider, endpoint, body.clone())?;
    Signer::new(source.clone(), endpoint.signing_region.clone(), "sts")
        .sign(&mut request, Payload::Bytes(&body))
        .map_err(|e| Error::invalid_config(provider, format!("cannot sign AssumeRole: {e}")))?;
    call(provider, request).await
}

/// Calls `AssumeRoleWithWebIdentity` with `token`.
pub(crate) async fn assume_role_with_web_identity(
    provider: &'static str,
    endpoint: &Endpoint,
    role_arn: &str,
    session_name: &str,
    token: &str,
) -> Result<ExpiringCredentials, Error> {
    let body = encode_form(&[
        ("Action", "AssumeRoleWithWebIdentity"),
        ("Version", "2011-06-15"),
        ("RoleArn", role_arn),
        ("RoleSessionName", session_name),
        ("WebIdentityToken", token),
    ]);
    let request = post(provider, endpoint, body)?;
    call(provider, request).await
}

fn encode_form(pairs: &[(&str, &str)]) -> Vec<u8> {
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.extend(utf8_percent_encode(k, FORM));
        out.push('=');
        out.extend(utf8_percent_encode(v, FORM));
    }
    out.into_bytes()
}

fn post(
    provider: &'static str,
    endpoint: &Endpoint,
    body: Vec<u8>,
) -> Result<http::Request<Full<Bytes>>, Error> {
    // The text is not echoed: it may hold `user:password@`.
    let uri: http::Uri = endpoint
        .url
        .parse()
        .map_err(|_| Error::invalid_config(provider, "the STS endpoint is not a URL"))?;
    if uri.authority().is_none() {
        return Err(Error::invalid_config(
            provider,
            format!("STS endpoint `{}` has no host", display_url(&uri)),
        ));
    }
    http::Request::post(uri)
        .header(
            http::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded; charset=utf-8",
        )
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| Error::invalid_config(provider, format!("bad STS request: {e}")))
}

async fn call(
    provider: &'static str,
    request: http::Request<Full<Bytes>>,
) -> Result<ExpiringCredentials, Error> {
    let url = display_url(request.uri());
    let response = http_client::send(provider, request, TIMEOUT).await?;
    let text = std::str::from_utf8(&response.body)
        .map_err(|_| Error::invalid_response(provider, format!("{url} answered non-UTF-8")))?;
    if !response.status.is_success() {
        let (code, message) = parse_error(text);
        return Err(Error::Service {
            provider,
            status: response.status.as_u16(),
            code,
            message,
        });
    }
    parse_credentials(provider, text)
}

// The shapes of STS's answers. No `Debug`: they hold secrets.
#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "AssumeRoleResult", alias = "AssumeRoleWithWebIdentityResult")]
    result: ResultElement,
}

#[derive(Deserialize)]
struct ResultElement {
    #[serde(rename = "Credentials")]
    credentials: CredentialsElement,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CredentialsElement {
    access_key_id: String,
    secret_access_key: String,
    session_token: String,
    expiration: String,
}

#[derive(Deserialize)]
struct ErrorEnvelope {
    #[serde(rename = "Error")]
    error: ErrorElement,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ErrorElement {
    code: Option<String>,
    message: Option<String>,
}

/// The credentials of an `AssumeRoleResponse` or `AssumeRoleWithWebIdentityResponse`.
pub(crate) fn parse_credentials(
    provider: &'static str,
    xml: &str,
) -> Result<ExpiringCredentials, Error> {
    let envelope: Envelope = quick_xml::de::from_str(xml).map_err(|e| {
        Error::invalid_response(
            provider,
            format!("STS answer is not the expected XML: {}", xml_problem(&e)),
        )
    })?;
    let c = envelope.result.credentials;
    for (field, value) in [
        ("AccessKeyId", &c.access_key_id),
        ("SecretAccessKey", &c.secret_access_key),
        ("SessionToken", &c.session_token),
    ] {
        if value.trim().is_empty() {
            return Err(Error::invalid_response(
                provider,
                format!("STS answer has an empty {field}"),
            ));
        }
    }
    let expiry = parse_rfc3339(&c.expiration).ok_or_else(|| {
        Error::invalid_response(provider, "STS Expiration is not an ISO 8601 time")
    })?;
    Ok(ExpiringCredentials::new(
        Credentials::new(c.access_key_id, c.secret_access_key, Some(c.session_token)),
        Some(expiry),
    ))
}

/// `Code` and `Message` of an `ErrorResponse` document, when the body is one.
pub(crate) fn parse_error(xml: &str) -> (Option<String>, Option<String>) {
    match quick_xml::de::from_str::<ErrorEnvelope>(xml) {
        Ok(e) => (e.error.code, e.error.message),
        Err(_) => (None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANSWER: &str = r#"<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <SourceIdentity>Alice</SourceIdentity>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/demo/TestAR</Arn>
      <AssumedRoleId>ARO123EXAMPLE123:TestAR</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId>
      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
      <SessionToken>AQoDYXdzEPT//////////wEXAMPLEtc764</SessionToken>
      <Expiration>2019-11-09T13:34:41Z</Expiration>
    </Credentials>
    <PackedPolicySize>6</PackedPolicySize>
  </AssumeRoleResult>
  <ResponseMetadata>
    <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
  </ResponseMetadata>
</AssumeRoleResponse>"#;

    #[test]
    fn parses_the_documented_answer_and_error() {
        let c = parse_credentials("t", ANSWER).unwrap();
        assert_eq!(c.credentials().access_key_id(), "ASIAIOSFODNN7EXAMPLE");
        assert_eq!(
            c.credentials().session_token(),
            Some("AQoDYXdzEPT//////////wEXAMPLEtc764")
        );
        assert_eq!(
            c.expiry(),
            Some(UNIX_EPOCH + Duration::from_secs(1_573_306_481))
        );
        let error = r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: x is not authorized</Message></Error>
  <RequestId>r</RequestId></ErrorResponse>"#;
        assert_eq!(
            parse_error(error),
            (
                Some("AccessDenied".into()),
                Some("User: x is not authorized".into())
            )
        );
        let broken = parse_credentials(
            "t",
            "<AssumeRoleResponse><AssumeRoleResult/></AssumeRoleResponse>",
        );
        assert!(matches!(broken, Err(Error::InvalidResponse { .. })));
    }

    #[test]
    fn endpoints_follow_the_sdk_precedence() {
        let env = Env::from_pairs([
            ("AWS_ENDPOINT_URL", "http://all"),
            ("AWS_ENDPOINT_URL_STS", "http://sts"),
        ]);
        assert_eq!(
            endpoint(&env, Some("eu-west-1"), None).unwrap().url,
            "http://sts"
        );
        let env = Env::from_pairs([("AWS_ENDPOINT_URL", "http://all")]);
        assert_eq!(
            endpoint(&env, None, Some("http://profile")).unwrap().url,
            "http://all"
        );
        let env = Env::from_pairs([
            ("AWS_ENDPOINT_URL", "http://all"),
            ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"),
        ]);
        let e = endpoint(&env, Some("eu-west-1"), None).unwrap();
        assert_eq!(e.url, "https://sts.eu-west-1.amazonaws.com");
        assert_eq!(e.signing_region, "eu-west-1");
        let none = Env::from_pairs::<String, String>([]);
        assert_eq!(
            endpoint(&none, Some("cn-north-1"), None).unwrap().url,
            "https://sts.cn-north-1.amazonaws.com.cn"
        );
        let global = endpoint(&none, None, Some("http://profile")).unwrap();
        assert_eq!(global.url, "http://profile");
        assert_eq!(
            endpoint(&none, None, None).unwrap().url,
            "https://sts.amazonaws.com"
        );
        assert_eq!(
            endpoint(&none, None, None).unwrap().signing_region,
            "us-east-1"
        );
    }

    #[test]
    fn form_encoding() {
        assert_eq!(
            encode_form(&[("RoleArn", "arn:aws:iam::1:role/a b+c")]),
            b"RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fa%20b%2Bc".to_vec()
        );
    }
}
