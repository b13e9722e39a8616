//! Credentials, scope and settings for a request, and signing it.

use std::time::SystemTime;

use sigv4x::{
    Credentials, Payload, RawRequest, SignatureLocation, Signer, SigningReport, SigningSettings,
};
use sigv4x_credentials::{ChainProvider, Env, ProfileProvider, ProvideCredentials};

use crate::error::CliError;
use crate::infer::{infer, Inferred};
use crate::request::RequestSpec;

/// Headers the signer sets itself: any value given for them is replaced.
const SET_BY_SIGNER: [&str; 4] = [
    "authorization",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-content-sha256",
];

/// The environment the credential chain and region lookup read: the process's, with
/// `AWS_PROFILE` set to `--profile`.
pub fn env_for(profile: Option<&str>) -> Env {
    match profile {
        None => Env::process(),
        Some(profile) => Env::from_pairs(
            std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .filter(|(k, _)| k != "AWS_PROFILE")
                .chain([("AWS_PROFILE".to_owned(), profile.to_owned())]),
        ),
    }
}

/// Credentials from the default chain, or from profile `profile` alone when one is named (an
/// explicit profile wins over the environment's keys, as in the AWS CLI).
///
/// # Errors
/// A runtime error with the chain's reason (each provider tried and why it did not apply).
pub async fn credentials(profile: Option<&str>) -> Result<Credentials, CliError> {
    let env = env_for(profile);
    let found = match profile {
        None => {
            ChainProvider::default_chain_with_env(env)
                .provide_credentials()
                .await
        }
        Some(name) => {
            ProfileProvider::with_env(env)
                .profile(name)
                .provide_credentials()
                .await
        }
    };
    found
        .map(|c| c.into_credentials())
        .map_err(|e| CliError::runtime(format!("no credentials: {e}")))
}

/// The region and service: the flags, else what the host tells, else (the region only) the
/// environment's or profile's region.
///
/// # Errors
/// A usage error naming the flag to pass when neither can be known.
pub async fn scope(
    host: &str,
    region: Option<&str>,
    service: Option<&str>,
    profile: Option<&str>,
) -> Result<(String, String, Option<Inferred>), CliError> {
    for (flag, value) in [("--region", region), ("--service", service)] {
        if let Some(v) = value {
            let ok = !v.is_empty()
                && v.len() <= 128
                && v.bytes()
                    .all(|b| b.is_ascii_graphic() && !b"/,=\"\\".contains(&b));
            if !ok {
                return Err(CliError::usage(format!(
                    "{flag} `{v}` cannot be part of a credential scope (printable ASCII without \
                     '/', ',', '=', '\"', '\\' or spaces)"
                )));
            }
        }
    }
    let inferred = infer(host);
    let service = match (service, &inferred) {
        (Some(s), _) => s.to_owned(),
        (None, Some(i)) => i.service.clone(),
        (None, None) => {
            return Err(CliError::usage(format!(
                "cannot infer the service from host `{host}`: pass --service (for example \
                 --service execute-api)"
            )))
        }
    };
    let region = match (region, &inferred) {
        (Some(r), _) => r.to_owned(),
        (None, Some(i)) => i.region.clone(),
        (None, None) => sigv4x_credentials::load_region(&env_for(profile))
            .await
            .map_err(|e| CliError::runtime(e.to_string()))?
            .ok_or_else(|| {
                CliError::usage(format!(
                    "cannot infer the region from host `{host}`: pass --region (or set \
                     AWS_REGION)"
                ))
            })?,
    };
    Ok((region, service, inferred))
}

/// Whether `service` signs as S3 does (single-encoded, unnormalized paths, a signed
/// `x-amz-content-sha256`).
pub fn is_s3(service: &str) -> bool {
    matches!(
        service,
        "s3" | "s3-object-lambda" | "s3-outposts" | "s3express"
    )
}

/// The settings for `service`: S3's for S3, and a signed `x-amz-content-sha256` when the
/// payload is unsigned, so the server knows.
pub fn settings_for(service: &str, unsigned_payload: bool) -> SigningSettings {
    let mut settings = if is_s3(service) {
        SigningSettings::s3()
    } else {
        SigningSettings::default()
    };
    if unsigned_payload {
        settings.content_sha256_header = true;
    }
    settings
}

/// A signer for this request.
pub fn signer(credentials: Credentials, region: &str, service: &str, unsigned: bool) -> Signer {
    Signer::new(credentials, region, service).with_settings(settings_for(service, unsigned))
}

/// What signing produced: the texts `-v` shows (the headers are added to the request).
#[derive(Debug)]
pub struct Signed {
    /// The canonical request and string to sign.
    pub report: SigningReport,
}

fn payload(spec: &RequestSpec) -> Payload<'_> {
    if let Some(hash) = &spec.payload_hash {
        Payload::Precomputed(hash)
    } else if spec.unsigned_payload {
        Payload::Unsigned
    } else if spec.body.is_empty() {
        Payload::Empty
    } else {
        Payload::Bytes(&spec.body)
    }
}

/// The headers of `spec` that go to the signer: all but those it sets itself.
fn signable(spec: &RequestSpec) -> Vec<(&str, &str)> {
    spec.headers
        .iter()
        .filter(|(n, _)| !SET_BY_SIGNER.iter().any(|s| n.eq_ignore_ascii_case(s)))
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect()
}

/// The canonical request and string to sign of `spec`, signed as of `time`.
///
/// # Errors
/// A runtime error for what the signer refuses.
pub fn explain(
    signer: &Signer,
    spec: &RequestSpec,
    location: SignatureLocation,
    time: SystemTime,
) -> Result<SigningReport, CliError> {
    let headers = signable(spec);
    let raw = RawRequest {
        method: &spec.method,
        path: &spec.path,
        query: &spec.query,
        headers: &headers,
    };
    signer
        .explain_raw_at(&raw, payload(spec), location, time)
        .map_err(|e| CliError::runtime(format!("cannot sign the request: {e}")))
}

/// Signs `spec` as of `time`, adding the signature headers to it.
///
/// # Errors
/// A runtime error for what the signer refuses.
pub fn sign(signer: &Signer, spec: &mut RequestSpec, time: SystemTime) -> Result<Signed, CliError> {
    let report = explain(signer, spec, SignatureLocation::Headers, time)?;
    let output = {
        let headers = signable(spec);
        let raw = RawRequest {
            method: &spec.method,
            path: &spec.path,
            query: &spec.query,
            headers: &headers,
        };
        signer
            .sign_raw_at(&raw, payload(spec), time)
            .map_err(|e| CliError::runtime(format!("cannot sign the request: {e}")))?
    };
    spec.headers
        .retain(|(n, _)| !SET_BY_SIGNER.iter().any(|s| n.eq_ignore_ascii_case(s)));
    for (name, value) in output.headers() {
        spec.headers.push((name.to_owned(), value.to_owned()));
    }
    Ok(Signed { report })
}
