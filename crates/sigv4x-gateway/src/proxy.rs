//! Proxying an allowed request to a local HTTP server, as an `HTTP_PROXY` integration does.
//!
//! What the backend receives:
//! - the path the signature covers (the gateway refuses any other before routing) under the
//!   target's base path, with the query as sent;
//! - the verified body: an aws-chunked body decoded, with headers that describe it;
//! - the client's end-to-end headers, including `Authorization`, `X-Amz-Date`,
//!   `X-Amz-Security-Token` and `X-Amz-Content-Sha256`, as API Gateway's HTTP proxy
//!   integration passes request headers through: a backend may check the signature again, and
//!   a test can see what the client sent. They carry no secret (a signature is not one, and a
//!   session token is useless without its secret key), but a backend should not log them;
//! - not the hop-by-hop headers (RFC 9110 §7.6.1: `Connection` and every header it names,
//!   `Keep-Alive`, `Proxy-*`, `TE`, `Trailer`, `Transfer-Encoding`, `Upgrade`) nor `Host`,
//!   which names the target — except that a *signed* header stays even when `Connection`
//!   names it, since an unsigned `Connection` must not take away what was signed;
//! - not, unless they were signed, the headers some servers read as another URL, host, scheme
//!   or method (`X-Original-URL`, `X-Rewrite-URL`, `X-HTTP-Method-Override`,
//!   `X-Forwarded-Host`, `X-Forwarded-Proto`, … see `OVERRIDES`), nor any header whose name
//!   has `_` (CGI-style servers read `X_Original_URL` as `X-Original-URL`): the backend must
//!   act on the method and path that were signed;
//! - `X-Forwarded-For` and `Forwarded` with the client's address appended to what the client
//!   sent, so the backend can tell the gateway's word from the client's.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, CONNECTION, FORWARDED, HOST};
use http::{Request, Response, Uri};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::body::HeldBody;
use crate::error::GatewayError;
use crate::layer::DEFAULT_MAX_BODY_BYTES;
use sigv4x::Verified;

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

/// The header names a message's `Connection` header lists: they belong to that hop only.
fn named_in_connection(headers: &http::HeaderMap) -> Vec<HeaderName> {
    headers
        .get_all(CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect()
}

/// Headers some servers and frameworks read as a replacement URL, host, scheme or method.
const OVERRIDES: &[&str] = &[
    "x-original-url",
    "x-original-uri",
    "x-rewrite-url",
    "x-override-url",
    "x-envoy-original-path",
    "x-forwarded-uri",
    "x-forwarded-path",
    "x-forwarded-prefix",
    "x-forwarded-host",
    "x-forwarded-server",
    "x-forwarded-proto",
    "x-forwarded-port",
    "x-host",
    "x-http-method-override",
    "x-http-method",
    "x-method-override",
    "x-original-method",
    "x-forwarded-method",
];

/// Whether `name` is an override, or carries `_` (CGI-style servers read `X_Original_URL` as
/// `X-Original-URL`, so a name with `_` could stand for any header, overrides included).
fn is_override(name: &HeaderName) -> bool {
    name.as_str().contains('_') || OVERRIDES.contains(&name.as_str())
}

/// Copies the end-to-end headers of `from` onto `to`: not hop-by-hop headers, nor those
/// `Connection` names (unless `signed`), nor the ones in `skip`, nor unsigned overrides when
/// `drop_overrides`.
fn copy_end_to_end(
    from: &http::HeaderMap,
    to: &mut http::HeaderMap,
    skip: &[HeaderName],
    signed: &dyn Fn(&HeaderName) -> bool,
    drop_overrides: bool,
) {
    let connection = named_in_connection(from);
    for (name, value) in from {
        let hop = is_hop_by_hop(name) || (connection.contains(name) && !signed(name));
        let overrides = drop_overrides && is_override(name) && !signed(name);
        if !hop && !overrides && !skip.contains(name) {
            to.append(name, value.clone());
        }
    }
}

/// Appends the client's address to `X-Forwarded-For` and `Forwarded`, after whatever the client
/// sent (which the backend must not trust more than the client).
fn append_forwarded(headers: &mut http::HeaderMap, client: SocketAddr) {
    let ip = client.ip();
    let join = |existing: Vec<&str>, ours: String| {
        let mut all: Vec<String> = existing.into_iter().map(str::to_owned).collect();
        all.push(ours);
        all.join(", ")
    };
    let xff = HeaderName::from_static("x-forwarded-for");
    let node = match ip {
        std::net::IpAddr::V4(v4) => format!("for={v4}"),
        std::net::IpAddr::V6(v6) => format!("for=\"[{v6}]\""),
    };
    for (name, ours) in [(xff, ip.to_string()), (FORWARDED, node)] {
        let existing: Vec<&str> = headers
            .get_all(&name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let present = !existing.is_empty();
        let value = join(existing, ours);
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        } else if present {
            // A value that was not text cannot be extended: replace it with ours alone.
            headers.remove(&name);
        }
    }
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
        client: SocketAddr,
        verified: Option<&Verified>,
        body: HeldBody,
    ) -> Result<Response<Full<Bytes>>, ProxyError> {
        let signed = |name: &HeaderName| {
            verified.is_some_and(|v| v.signed_headers().any(|s| s == name.as_str()))
        };
        let mut headers = http::HeaderMap::new();
        copy_end_to_end(head.headers(), &mut headers, &[HOST], &signed, true);
        append_forwarded(&mut headers, client);
        let send = self.send(head, rest_path, headers, body.bytes.clone());
        // `body` (and its share of the budget) is held until the target answered.
        let _held = body;
        match tokio::time::timeout(self.timeout, send).await {
            Ok(result) => result,
            Err(_) => Err(ProxyError::TimedOut),
        }
    }

    async fn send(
        &self,
        head: &Request<()>,
        rest_path: &str,
        headers: http::HeaderMap,
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
        *request.headers_mut() = headers;
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
        let unsigned = |_: &HeaderName| false;
        copy_end_to_end(
            &upstream,
            &mut parts.headers,
            &[http::header::CONTENT_LENGTH],
            &unsigned,
            false,
        );
        Ok(Response::from_parts(parts, Full::new(bytes)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hop_by_hop_and_connection_named_headers_stay_behind() {
        let mut from = http::HeaderMap::new();
        from.insert(
            CONNECTION,
            HeaderValue::from_static("keep-alive, X-Secret-Hop"),
        );
        from.insert("x-secret-hop", HeaderValue::from_static("1"));
        from.insert("keep-alive", HeaderValue::from_static("timeout=5"));
        from.insert("te", HeaderValue::from_static("trailers"));
        from.insert("x-kept", HeaderValue::from_static("yes"));
        from.insert(HOST, HeaderValue::from_static("client.example"));
        from.insert("x-original-url", HeaderValue::from_static("/admin"));
        from.insert("x_http_method_override", HeaderValue::from_static("DELETE"));
        let mut to = http::HeaderMap::new();
        copy_end_to_end(&from, &mut to, &[HOST], &|_| false, true);
        let names: Vec<&str> = to.keys().map(HeaderName::as_str).collect();
        assert_eq!(names, ["x-kept"]);
        // Signed, a header stays whatever Connection says, and so does a signed override.
        let signed = |n: &HeaderName| n == "x-secret-hop" || n == "x-original-url";
        let mut to = http::HeaderMap::new();
        copy_end_to_end(&from, &mut to, &[HOST], &signed, true);
        let mut names: Vec<&str> = to.keys().map(HeaderName::as_str).collect();
        names.sort_unstable();
        assert_eq!(names, ["x-kept", "x-original-url", "x-secret-hop"]);
    }

    #[test]
    fn the_client_address_is_appended() {
        let mut headers = http::HeaderMap::new();
        headers.insert("x-forwarded-for", HeaderValue::from_static("10.9.9.9"));
        append_forwarded(
            &mut headers,
            "127.0.0.7:5000".parse().unwrap_or_else(|_| unreachable!()),
        );
        assert_eq!(headers["x-forwarded-for"], "10.9.9.9, 127.0.0.7");
        assert_eq!(headers[FORWARDED], "for=127.0.0.7");
        let mut headers = http::HeaderMap::new();
        append_forwarded(
            &mut headers,
            "[::1]:5000".parse().unwrap_or_else(|_| unreachable!()),
        );
        assert_eq!(headers["x-forwarded-for"], "::1");
        assert_eq!(headers[FORWARDED], "for=\"[::1]\"");
    }
}
