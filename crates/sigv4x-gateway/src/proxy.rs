//! Proxying an allowed request to a local HTTP server, as an `HTTP_PROXY` integration does.

use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, HOST};
use http::{Request, Response, Uri};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::error::GatewayError;
use crate::layer::DEFAULT_MAX_BODY_BYTES;

/// API Gateway's default integration timeout.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_millis(29_000);

/// Where a route's requests go.
#[derive(Debug, Clone)]
pub(crate) struct ProxyTarget {
    authority: String,
    base_path: String,
    pub(crate) timeout: Duration,
}

/// Why the target did not answer.
#[derive(Debug)]
pub(crate) enum ProxyError {
    Unreachable,
    TimedOut,
}

/// Headers that belong to one connection, not to the request (RFC 9110 §7.6.1).
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

fn is_hop_by_hop(name: &HeaderName) -> bool {
    HOP_BY_HOP.contains(&name.as_str())
}

impl ProxyTarget {
    pub(crate) fn parse(url: &str, timeout: Option<Duration>) -> Result<Self, GatewayError> {
        let uri: Uri = url
            .parse()
            .map_err(|e| GatewayError::invalid(format!("proxy URL {url:?}: {e}")))?;
        if uri.scheme_str() != Some("http") {
            return Err(GatewayError::invalid(format!(
                "proxy URL {url:?}: only http:// targets are supported"
            )));
        }
        let Some(authority) = uri.authority() else {
            return Err(GatewayError::invalid(format!(
                "proxy URL {url:?} has no host"
            )));
        };
        if uri.query().is_some() {
            return Err(GatewayError::invalid(format!(
                "proxy URL {url:?}: the request's query is appended, so the URL takes none"
            )));
        }
        let authority = if authority.port().is_some() {
            authority.as_str().to_owned()
        } else {
            format!("{}:80", authority.host())
        };
        Ok(ProxyTarget {
            authority,
            base_path: uri.path().trim_end_matches('/').to_owned(),
            timeout: timeout.unwrap_or(DEFAULT_TIMEOUT),
        })
    }

    /// Sends the request on (its path under the stage appended to the target's path) and
    /// returns the answer.
    pub(crate) async fn forward(
        &self,
        head: &Request<()>,
        rest_path: &str,
        body: Bytes,
    ) -> Result<Response<Full<Bytes>>, ProxyError> {
        match tokio::time::timeout(self.timeout, self.send(head, rest_path, body)).await {
            Ok(result) => result,
            Err(_) => Err(ProxyError::TimedOut),
        }
    }

    async fn send(
        &self,
        head: &Request<()>,
        rest_path: &str,
        body: Bytes,
    ) -> Result<Response<Full<Bytes>>, ProxyError> {
        let mut target = String::with_capacity(self.base_path.len() + rest_path.len() + 16);
        target.push_str(&self.base_path);
        target.push_str(rest_path);
        if target.is_empty() {
            target.push('/');
        }
        if let Some(query) = head.uri().query() {
            target.push('?');
            target.push_str(query);
        }
        let mut request = Request::builder()
            .method(head.method().clone())
            .uri(target)
            .body(Full::new(body))
            .map_err(|_| ProxyError::Unreachable)?;
        for (name, value) in head.headers() {
            if name != HOST && !is_hop_by_hop(name) {
                request.headers_mut().append(name, value.clone());
            }
        }
        let host = HeaderValue::from_str(&self.authority).map_err(|_| ProxyError::Unreachable)?;
        request.headers_mut().insert(HOST, host);

        let stream = TcpStream::connect(&self.authority)
            .await
            .map_err(|_| ProxyError::Unreachable)?;
        let _ = stream.set_nodelay(true);
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|_| ProxyError::Unreachable)?;
        let driver = tokio::spawn(connection);
        let response = sender
            .send_request(request)
            .await
            .map_err(|_| ProxyError::Unreachable)?;
        let (mut parts, body) = response.into_parts();
        let bytes = Limited::new(body, DEFAULT_MAX_BODY_BYTES)
            .collect()
            .await
            .map_err(|_| ProxyError::Unreachable)?
            .to_bytes();
        drop(sender);
        driver.abort();
        let upstream = std::mem::take(&mut parts.headers);
        for (name, value) in &upstream {
            if !is_hop_by_hop(name) && name != http::header::CONTENT_LENGTH {
                parts.headers.append(name, value.clone());
            }
        }
        Ok(Response::from_parts(parts, Full::new(bytes)))
    }
}
