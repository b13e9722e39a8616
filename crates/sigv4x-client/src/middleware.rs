//! A `reqwest-middleware` middleware that signs reqwest requests.

use http::Extensions;
use reqwest_middleware::{Middleware, Next};
use sigv4x::Payload;
use sigv4x_credentials::RefreshingSigner;

use crate::{declare_unsigned, SignError};

/// The headers signing sets, copied onto the reqwest request.
const SIGNED: [&str; 5] = [
    "host",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-content-sha256",
    "authorization",
];

/// Signs each reqwest request with the current credentials of a [`RefreshingSigner`].
///
/// Buffered bodies (`Vec<u8>`, `String`, JSON, forms) are hashed. A streaming body's hash is
/// unknown before it is sent, so it is refused ([`SignError::StreamingBody`]) unless
/// [`SigV4Middleware::unsigned_payload`] allows `UNSIGNED-PAYLOAD`, which only some services
/// (S3) accept. Headers reqwest adds after the middleware ran (`accept`, `user-agent`) are not
/// signed, which SigV4 allows.
#[derive(Clone, Debug)]
pub struct SigV4Middleware {
    signer: RefreshingSigner,
    unsigned_payload: bool,
}

impl SigV4Middleware {
    /// Signs with `signer`'s region, service, settings and always-current credentials.
    pub fn new(signer: RefreshingSigner) -> Self {
        SigV4Middleware {
            signer,
            unsigned_payload: false,
        }
    }

    /// Signs streaming bodies as `UNSIGNED-PAYLOAD`: only for services that accept it.
    pub fn unsigned_payload(mut self, allow: bool) -> Self {
        self.unsigned_payload = allow;
        self
    }

    /// Signs `request` in place.
    ///
    /// # Errors
    /// [`SignError::StreamingBody`] for a streaming body without unsigned payloads allowed;
    /// [`SignError::Signing`] for what the signer refuses.
    pub fn sign(&self, request: &mut reqwest::Request) -> Result<(), SignError> {
        let signed = {
            let url = request.url().as_str();
            let mut head = http::Request::builder()
                .method(request.method().clone())
                .uri(url)
                .body(())
                .map_err(|_| SignError::InvalidUri(url.to_owned()))?;
            *head.headers_mut() = request.headers().clone();
            let body = match request.body() {
                None => Some(&[][..]),
                Some(body) => body.as_bytes(),
            };
            let payload = match body {
                Some([]) => Payload::Empty,
                Some(bytes) => Payload::Bytes(bytes),
                None if self.unsigned_payload => {
                    declare_unsigned(head.headers_mut());
                    Payload::Unsigned
                }
                None => return Err(SignError::StreamingBody),
            };
            self.signer.sign(&mut head, payload)?;
            head
        };
        let headers = request.headers_mut();
        for name in SIGNED {
            if let Some(value) = signed.headers().get(name) {
                headers.insert(name, value.clone());
            }
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl Middleware for SigV4Middleware {
    async fn handle(
        &self,
        mut request: reqwest::Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        self.sign(&mut request)
            .map_err(reqwest_middleware::Error::middleware)?;
        next.run(request, extensions).await
    }
}
