//! A small HTTP/1.1 client for tests and examples: send a (signed) request to a gateway over
//! loopback and read the whole answer.

use std::fmt;
use std::net::SocketAddr;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::task::JoinHandle;

/// Why a request got no answer.
#[derive(Debug)]
#[non_exhaustive]
pub enum ClientError {
    /// The connection could not be made.
    Connect(std::io::Error),
    /// The HTTP exchange failed.
    Http(hyper::Error),
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Connect(e) => write!(f, "cannot connect: {e}"),
            ClientError::Http(e) => write!(f, "HTTP exchange failed: {e}"),
        }
    }
}

impl std::error::Error for ClientError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ClientError::Connect(e) => Some(e),
            ClientError::Http(e) => Some(e),
        }
    }
}

/// One kept-alive HTTP/1.1 connection.
#[derive(Debug)]
pub struct Connection {
    sender: SendRequest<Full<Bytes>>,
    driver: JoinHandle<()>,
}

impl Connection {
    /// Connects to `address`.
    ///
    /// # Errors
    /// [`ClientError`] if the connection or the handshake fails.
    pub async fn open(address: SocketAddr) -> Result<Self, ClientError> {
        let stream = TcpStream::connect(address)
            .await
            .map_err(ClientError::Connect)?;
        let _ = stream.set_nodelay(true);
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(ClientError::Http)?;
        let driver = tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(Connection { sender, driver })
    }

    /// Sends `request` and reads the whole response. An absolute URI
    /// (`http://127.0.0.1:8080/prod/orders`) is sent in origin form with its authority as
    /// `Host`.
    ///
    /// # Errors
    /// [`ClientError::Http`] if the exchange fails.
    pub async fn send(
        &mut self,
        mut request: Request<Bytes>,
    ) -> Result<Response<Bytes>, ClientError> {
        // A request signed with an absolute URI goes out in origin form, its authority as
        // `Host` (which the signer has already set and signed).
        if let Some(authority) = request.uri().authority().cloned() {
            if !request.headers().contains_key(http::header::HOST) {
                if let Ok(host) = http::HeaderValue::from_str(authority.as_str()) {
                    request.headers_mut().insert(http::header::HOST, host);
                }
            }
            let origin = request
                .uri()
                .path_and_query()
                .map_or("/", |p| p.as_str())
                .to_owned();
            if let Ok(uri) = origin.parse() {
                *request.uri_mut() = uri;
            }
        }
        self.sender.ready().await.map_err(ClientError::Http)?;
        let response = self
            .sender
            .send_request(request.map(Full::new))
            .await
            .map_err(ClientError::Http)?;
        let (parts, body) = response.into_parts();
        let bytes = body.collect().await.map_err(ClientError::Http)?.to_bytes();
        Ok(Response::from_parts(parts, bytes))
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

/// Sends one request on a new connection.
///
/// # Errors
/// As [`Connection::open`] and [`Connection::send`].
pub async fn send(
    address: SocketAddr,
    request: Request<Bytes>,
) -> Result<Response<Bytes>, ClientError> {
    Connection::open(address).await?.send(request).await
}
