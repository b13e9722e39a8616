//! The one HTTP client every provider shares: hyper-util's pooled client, plain HTTP for
//! metadata endpoints and loopback, HTTPS through rustls (with `ring` and the Mozilla roots from
//! `webpki-roots`) for STS and SSO.

use std::sync::OnceLock;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};

use crate::Error;

/// Answers larger than this are refused: every credential document is a few kilobytes.
const MAX_BODY: usize = 1 << 20;

type Inner = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// An answer: status and the whole body.
#[derive(Debug)]
pub(crate) struct Response {
    pub(crate) status: http::StatusCode,
    pub(crate) body: Bytes,
}

fn client() -> Result<&'static Inner, String> {
    static CLIENT: OnceLock<Result<Inner, String>> = OnceLock::new();
    CLIENT
        .get_or_init(|| {
            // The provider is named rather than taken from the process default, so that another
            // crate enabling rustls' `aws-lc-rs` cannot leave two providers and no choice.
            let https = hyper_rustls::HttpsConnectorBuilder::new()
                .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())
                .map_err(|e| format!("TLS setup failed: {e}"))?
                .https_or_http()
                .enable_http1()
                .build();
            Ok(Client::builder(TokioExecutor::new())
                .pool_timer(TokioTimer::new())
                .pool_idle_timeout(Duration::from_secs(30))
                .build(https))
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// `uri` without its userinfo (`user:password@`) and query, for messages.
pub(crate) fn display_url(uri: &http::Uri) -> String {
    let mut shown = String::new();
    if let Some(scheme) = uri.scheme_str() {
        shown.push_str(scheme);
        shown.push_str("://");
    }
    if let Some(authority) = uri.authority() {
        shown.push_str(authority.host());
        if let Some(port) = authority.port() {
            shown.push(':');
            shown.push_str(port.as_str());
        }
    }
    shown.push_str(uri.path());
    shown
}

/// Sends `request` and reads the whole answer, all within `timeout`.
pub(crate) async fn send(
    provider: &'static str,
    request: http::Request<Full<Bytes>>,
    timeout: Duration,
) -> Result<Response, Error> {
    let url = display_url(request.uri());
    let client = client().map_err(|message| Error::Unreachable {
        provider,
        url: url.clone(),
        message,
    })?;
    let exchange = async {
        let response = client.request(request).await.map_err(|e| {
            // The error chain names the cause (refused, DNS, TLS); it never holds a body.
            let mut message = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(cause) = source {
                message.push_str(": ");
                message.push_str(&cause.to_string());
                source = cause.source();
            }
            Error::Unreachable {
                provider,
                url: url.clone(),
                message,
            }
        })?;
        let status = response.status();
        let body = Limited::new(response.into_body(), MAX_BODY)
            .collect()
            .await
            .map_err(|e| Error::Unreachable {
                provider,
                url: url.clone(),
                message: format!("reading the answer failed: {e}"),
            })?
            .to_bytes();
        Ok(Response { status, body })
    };
    match tokio::time::timeout(timeout, exchange).await {
        Ok(result) => result,
        Err(_) => Err(Error::Timeout {
            provider,
            url,
            after: timeout,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_url_drops_userinfo_and_query() {
        let shown = |s: &str| display_url(&s.parse().unwrap());
        assert_eq!(
            shown("https://user:PASSWORDLEAK@127.0.0.1:8443/x?token=QUERYLEAK"),
            "https://127.0.0.1:8443/x"
        );
        assert_eq!(shown("http://u@[::1]/creds"), "http://[::1]/creds");
        assert_eq!(
            shown("http://169.254.170.2/v2/x"),
            "http://169.254.170.2/v2/x"
        );
    }
}
