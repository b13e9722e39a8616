//! A `tower::Layer` that signs outgoing requests, for hyper and tower clients.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::{BodyExt, Either, Full};
use sigv4x::Payload;
use sigv4x_credentials::RefreshingSigner;
use tower_layer::Layer;
use tower_service::Service;

use crate::{declare_unsigned, SignError};

/// The error type of [`SigV4Signing`]: a [`SignError`] or the inner service's error.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The body [`SigV4Signing`] hands on: the buffered, hashed body, or the original one when it
/// is sent as `UNSIGNED-PAYLOAD`.
pub type SignedBody<B> = Either<Full<Bytes>, B>;

/// Signs every request with the current credentials of a [`RefreshingSigner`] before handing it
/// to the inner service (a `hyper_util` client, or any tower service).
///
/// Bodies are read whole and hashed, as SigV4 requires of every service but those that accept
/// `UNSIGNED-PAYLOAD`; with [`SigV4SigningLayer::unsigned_payload`] they are streamed unread and
/// the request declares `x-amz-content-sha256: UNSIGNED-PAYLOAD` (S3 accepts it; API Gateway
/// and most services do not).
#[derive(Clone, Debug)]
pub struct SigV4SigningLayer {
    signer: RefreshingSigner,
    unsigned_payload: bool,
}

impl SigV4SigningLayer {
    /// Signs with `signer`'s region, service, settings and always-current credentials.
    pub fn new(signer: RefreshingSigner) -> Self {
        SigV4SigningLayer {
            signer,
            unsigned_payload: false,
        }
    }

    /// Streams bodies unhashed, signed as `UNSIGNED-PAYLOAD`: only for services that accept it.
    pub fn unsigned_payload(mut self, allow: bool) -> Self {
        self.unsigned_payload = allow;
        self
    }
}

impl<S> Layer<S> for SigV4SigningLayer {
    type Service = SigV4Signing<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SigV4Signing {
            inner,
            signer: self.signer.clone(),
            unsigned_payload: self.unsigned_payload,
        }
    }
}

/// The service [`SigV4SigningLayer`] builds.
#[derive(Clone, Debug)]
pub struct SigV4Signing<S> {
    inner: S,
    signer: RefreshingSigner,
    unsigned_payload: bool,
}

impl<S, B> Service<http::Request<B>> for SigV4Signing<S>
where
    S: Service<http::Request<SignedBody<B>>> + Clone + Send + 'static,
    S::Future: Send,
    S::Error: Into<BoxError>,
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    type Response = S::Response;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        // The clone that was made ready is the one to call (tower's usual dance).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let signer = self.signer.clone();
        let unsigned = self.unsigned_payload;
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let mut head = http::Request::from_parts(parts, ());
            let body = if unsigned {
                declare_unsigned(head.headers_mut());
                signer
                    .sign(&mut head, Payload::Unsigned)
                    .map_err(SignError::from)?;
                Either::Right(body)
            } else {
                let bytes = body
                    .collect()
                    .await
                    .map_err(|e| SignError::Body(e.into()))?
                    .to_bytes();
                signer
                    .sign(&mut head, Payload::Bytes(&bytes))
                    .map_err(SignError::from)?;
                Either::Left(Full::new(bytes))
            };
            let (parts, ()) = head.into_parts();
            inner
                .call(http::Request::from_parts(parts, body))
                .await
                .map_err(Into::into)
        })
    }
}
