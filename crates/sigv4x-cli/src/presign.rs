//! `sigv4x presign`: a URL that carries its own signature.

use std::time::Duration;

use sigv4x::{Payload, RawRequest, MAX_PRESIGN_EXPIRY};

use crate::args::PresignArgs;
use crate::error::CliError;
use crate::request::{parse_header, parse_url, Scheme};
use crate::{clock, sign};

/// Runs `sigv4x presign`: prints the URL.
///
/// # Errors
/// Usage errors for a bad URL, header or expiry; runtime errors for missing credentials.
pub async fn run(args: PresignArgs) -> Result<u8, CliError> {
    let url = parse_url(&args.url)?;
    let expires = Duration::from_secs(args.expires);
    if args.expires == 0 || expires > MAX_PRESIGN_EXPIRY {
        return Err(CliError::usage(format!(
            "--expires must be 1 to {} seconds (7 days), not {}",
            MAX_PRESIGN_EXPIRY.as_secs(),
            args.expires
        )));
    }
    if http::Method::from_bytes(args.method.as_bytes()).is_err() {
        return Err(CliError::usage(format!(
            "method `{}` is not an HTTP token",
            args.method
        )));
    }
    let mut headers = vec![("Host".to_owned(), url.host_header())];
    for h in &args.headers {
        if let (name, Some(value)) = parse_header(h)? {
            headers.retain(|(n, _)| !n.eq_ignore_ascii_case(&name));
            headers.push((name, value));
        }
    }
    let host = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("host"))
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let (region, service, _) = sign::scope(
        &host,
        args.region.as_deref(),
        args.service.as_deref(),
        args.profile.as_deref(),
    )
    .await?;
    let time = clock::now()?;
    let credentials = sign::credentials(args.profile.as_deref()).await?;
    let signer = sign::signer(credentials, &region, &service, false);
    let payload = if signer.settings().presign_unsigned_payload {
        Payload::Unsigned
    } else {
        Payload::Empty
    };
    let pairs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let raw = RawRequest {
        method: &args.method,
        path: &url.path,
        query: &url.query,
        headers: &pairs,
    };
    let query = signer
        .presign_raw_at(&raw, payload, expires, time)
        .map_err(|e| CliError::runtime(format!("cannot presign: {e}")))?;
    let scheme = match url.scheme {
        Scheme::Http => "http",
        Scheme::Https => "https",
    };
    println!("{scheme}://{}{}?{query}", url.host_header(), url.path);
    Ok(0)
}
