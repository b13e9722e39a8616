//! SigV4 verification as a [`tower_layer::Layer`] (the trait `tower::Layer` re-exports), for
//! any tower, hyper or axum server.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response};
use http_body::Body;
use http_body_util::{BodyExt, Either, Full, Limited};
use sigv4x::{Payload, SecretStore, Verifier};
use tower_layer::Layer;
use tower_service::Service;

use crate::response::{Refusal, RequestIds};

/// API Gateway's largest request payload: 10 MB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// The response body of a [`SigV4Service`]: the inner service's body, or the gateway's JSON
/// refusal.
pub type SigV4Body<B> = Either<B, Full<Bytes>>;

/// A boxed error, as tower uses.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Why a body could not be buffered.
#[derive(Debug)]
pub(crate) enum BufferError {
    TooLarge,
    Unreadable,
}

impl BufferError {
    pub(crate) fn refusal(&self, limit: usize) -> Refusal {
        match self {
            BufferError::TooLarge => Refusal::too_large(limit),
            BufferError::Unreadable => Refusal::unreadable_body(),
        }
    }
}

/// Reads a whole body, refusing one longer than `limit` bytes (before reading it, when
/// `Content-Length` says so).
pub(crate) async fn buffer_body<B>(
    headers: &http::HeaderMap,
    body: B,
    limit: usize,
) -> Result<Bytes, BufferError>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    let declared = headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(BufferError::TooLarge);
    }
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(BufferError::TooLarge),
        Err(_) => Err(BufferError::Unreadable),
    }
}

/// A layer that verifies the SigV4 signature of every request before the inner service sees it.
///
/// The body is read whole (at most [`SigV4Layer::max_body_bytes`], 10 MB by default, as API
/// Gateway) so that its hash can be checked, and handed on as [`Full<Bytes>`]. On success the
/// [`sigv4x::Verified`] identity is in the request's extensions; on failure the inner service is
/// not called and the client gets API Gateway's answer: the status, `x-amzn-ErrorType`, a
/// `{"message": …}` body, `x-amzn-RequestId` and `x-amz-apigw-id`.
///
/// ```
/// use std::collections::HashMap;
/// use sigv4x::{StoredKey, Verifier};
/// use sigv4x_gateway::SigV4Layer;
///
/// let keys = HashMap::from([(
///     "AKIDEXAMPLE".to_string(),
///     StoredKey::new("secret").with_principal("arn:aws:iam::111122223333:role/caller"),
/// )]);
/// let verifier = Verifier::new(keys).region("us-east-1").service("execute-api");
/// let layer = SigV4Layer::new(verifier).max_body_bytes(1 << 20);
/// # let _ = layer;
/// ```
pub struct SigV4Layer<S> {
    verifier: Arc<Verifier<S>>,
    max_body: usize,
}

impl<S> SigV4Layer<S> {
    /// A layer checking requests with `verifier`.
    pub fn new(verifier: Verifier<S>) -> Self {
        Self::from_arc(Arc::new(verifier))
    }

    /// A layer sharing a verifier.
    pub fn from_arc(verifier: Arc<Verifier<S>>) -> Self {
        SigV4Layer {
            verifier,
            max_body: DEFAULT_MAX_BODY_BYTES,
        }
    }

    /// The largest body accepted; a larger one is refused with 413 before the inner service
    /// runs.
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body = limit;
        self
    }
}

impl<S> Clone for SigV4Layer<S> {
    fn clone(&self) -> Self {
        SigV4Layer {
            verifier: Arc::clone(&self.verifier),
            max_body: self.max_body,
        }
    }
}

impl<S> fmt::Debug for SigV4Layer<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigV4Layer")
            .field("verifier", &self.verifier)
            .field("max_body", &self.max_body)
            .finish()
    }
}

impl<S, I> Layer<I> for SigV4Layer<S> {
    type Service = SigV4Service<S, I>;

    fn layer(&self, inner: I) -> Self::Service {
        SigV4Service {
            inner,
            verifier: Arc::clone(&self.verifier),
            max_body: self.max_body,
        }
    }
}

/// The service [`SigV4Layer`] wraps around an inner service.
pub struct SigV4Service<S, I> {
    inner: I,
    verifier: Arc<Verifier<S>>,
    max_body: usize,
}

impl<S, I: Clone> Clone for SigV4Service<S, I> {
    fn clone(&self) -> Self {
        SigV4Service {
            inner: self.inner.clone(),
            verifier: Arc::clone(&self.verifier),
            max_body: self.max_body,
        }
    }
}

impl<S, I: fmt::Debug> fmt::Debug for SigV4Service<S, I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigV4Service")
            .field("inner", &self.inner)
            .field("max_body", &self.max_body)
            .finish_non_exhaustive()
    }
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S, I, B, ResBody> Service<Request<B>> for SigV4Service<S, I>
where
    S: SecretStore + Send + Sync + 'static,
    I: Service<Request<Full<Bytes>>, Response = Response<ResBody>> + Clone + Send + 'static,
    I::Future: Send,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    type Response = Response<SigV4Body<ResBody>>;
    type Error = I::Error;
    type Future = BoxFuture<Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        // The clone is the one that was not polled ready: swap so the ready one is used.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let verifier = Arc::clone(&self.verifier);
        let limit = self.max_body;
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let bytes = match buffer_body(&parts.headers, body, limit).await {
                Ok(bytes) => bytes,
                Err(e) => {
                    let response = e.refusal(limit).into_response(&RequestIds::next());
                    return Ok(response.map(Either::Right));
                }
            };
            let mut request = Request::from_parts(parts, Full::new(bytes.clone()));
            match verifier.verify(&request, Payload::Bytes(&bytes)) {
                Ok(verified) => {
                    request.extensions_mut().insert(verified);
                    let response = inner.call(request).await?;
                    Ok(response.map(Either::Left))
                }
                Err(error) => {
                    let response =
                        Refusal::from_verify_error(&error).into_response(&RequestIds::next());
                    Ok(response.map(Either::Right))
                }
            }
        })
    }
}
