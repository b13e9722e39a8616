//! SigV4 verification as a [`tower_layer::Layer`] (the trait `tower::Layer` re-exports), for
//! any tower, hyper or axum server.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use http_body::Body;
use http_body_util::{Either, Full};
use sigv4x::{AsyncSecretStore, Verifier};
use tower_layer::Layer;
use tower_service::Service;

use crate::body::{authenticate, check_target, BodyLimits};
use crate::replay::ReplayStep;
use crate::response::{Refusal, RequestIds};

/// API Gateway's largest request payload: 10 MB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// How long a request body may take to arrive, by default: 30 seconds.
pub const DEFAULT_BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// How long the secret store may take to answer a key lookup, by default: 5 seconds.
pub const DEFAULT_KEY_LOOKUP_TIMEOUT: Duration = Duration::from_secs(5);

/// The bytes of request body buffered across all requests in flight, by default: 64 MiB.
pub const DEFAULT_BODY_BUDGET_BYTES: usize = 64 * 1024 * 1024;

/// The response body of a [`SigV4Service`]: the inner service's body, or the gateway's JSON
/// refusal.
pub type SigV4Body<B> = Either<B, Full<Bytes>>;

/// A boxed error, as tower uses.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A layer that verifies the SigV4 signature of every request before the inner service sees it.
///
/// The verifier's store is an [`AsyncSecretStore`]: the maps of [`sigv4x::SecretStore`] are
/// one, a database-backed store is awaited without blocking (wrap it in a
/// [`sigv4x::CachedStore`]), and any other synchronous store can be wrapped in
/// [`sigv4x::SyncStore`]. The key is looked up once per request, within
/// [`SigV4Layer::lookup_timeout`].
///
/// What the inner service gets is what was verified, and nothing else:
/// - **The path that was signed.** A path not in normal form (empty, `.` or `..` segments,
///   percent-encoded `/`, `\\`, NUL or unreserved characters; see
///   [`Verifier::check_path`]) is refused with `400 BadRequestException`, whatever the
///   verifier's settings, because SigV4 signs such a path as another one: a router behind the
///   layer would otherwise route a path nobody signed. (With S3 settings the raw path is the
///   signed path, and every path is accepted.)
/// - **A verified body.** The headers are checked before the body is read, so a request
///   without valid authentication is refused without its body being buffered. The body is then
///   read whole (at most [`SigV4Layer::max_body_bytes`], 10 MB by default, as API Gateway;
///   within [`SigV4Layer::body_read_timeout`]; inside a [byte budget](SigV4Layer::body_budget)
///   shared by all requests in flight) and checked against the signature or the declared
///   `x-amz-content-sha256`. An aws-chunked body (`STREAMING-…`) is checked chunk by chunk and
///   handed on decoded, with `content-encoding: aws-chunked` removed and `content-length` set
///   to the decoded length; or refused, with [`SigV4Layer::aws_chunked`]`(false)`.
///
/// The body reaches the inner service as [`Full<Bytes>`]. On success the
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
    limits: BodyLimits,
    replay: Option<Arc<ReplayStep>>,
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
            limits: BodyLimits::new(
                DEFAULT_MAX_BODY_BYTES,
                DEFAULT_BODY_READ_TIMEOUT,
                DEFAULT_BODY_BUDGET_BYTES,
                true,
            ),
            replay: None,
        }
    }

    /// The largest body accepted (decoded size for aws-chunked bodies); a larger one is refused
    /// with 413 before the inner service runs. Default 10 MB.
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.limits = self.limits.with_max_body(limit);
        self
    }

    /// How long a body may take to arrive; a slower one is refused with 408. Default 30 s.
    pub fn body_read_timeout(mut self, timeout: Duration) -> Self {
        self.limits.read_timeout = timeout;
        self
    }

    /// The bytes of body buffered across all requests in flight through this layer (and its
    /// clones); a request that would go over is refused with 503 at once. One access key may
    /// hold at most a quarter of it (or one largest body, if more), so a client who knows an
    /// access key id but not its secret cannot starve other callers. Default 64 MiB.
    pub fn body_budget(mut self, bytes: usize) -> Self {
        self.limits = self.limits.with_budget(bytes);
        self
    }

    /// Whether aws-chunked (`STREAMING-…`) bodies are verified, decoded and handed on (the
    /// default), or refused with 400.
    pub fn aws_chunked(mut self, accept: bool) -> Self {
        self.limits.aws_chunked = accept;
        self
    }

    /// How long the verifier's secret store may take to answer. A lookup that takes longer, or
    /// panics, or fails, is answered with `503 ServiceUnavailableException` (`500` for a
    /// store that says it failed) and a line on stderr naming the access key id, never a
    /// secret; the inner service is not called. The same bound holds for a
    /// [`replay_store`](Self::replay_store). Default 5 s
    /// ([`DEFAULT_KEY_LOOKUP_TIMEOUT`](crate::DEFAULT_KEY_LOOKUP_TIMEOUT)).
    pub fn lookup_timeout(mut self, timeout: Duration) -> Self {
        self.limits.lookup_timeout = timeout;
        self
    }

    /// Refuse a signature already accepted, as `store` remembers them: a
    /// `RedisReplayStore` (crate `sigv4x-redis`) shared by every instance behind a load balancer, or
    /// any [`sigv4x::ReplayStore`]. Checked after the signature is verified (so an
    /// unauthenticated client never writes to the store); a replay gets `403
    /// AccessDeniedException`; a store that cannot be asked and fails closed, panics, or takes
    /// longer than [`lookup_timeout`](Self::lookup_timeout) gets the client `503` (and
    /// stderr a line without the request's details). Presigned
    /// URLs are not tracked. (Within one process, [`Verifier::replay_guard`] does the same in
    /// memory.)
    pub fn replay_store<R: sigv4x::ReplayStore + 'static>(mut self, store: R) -> Self {
        self.replay = Some(Arc::new(ReplayStep::custom(store)));
        self
    }
}

impl<S> Clone for SigV4Layer<S> {
    fn clone(&self) -> Self {
        SigV4Layer {
            verifier: Arc::clone(&self.verifier),
            limits: self.limits.clone(),
            replay: self.replay.clone(),
        }
    }
}

impl<S> fmt::Debug for SigV4Layer<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigV4Layer")
            .field("verifier", &self.verifier)
            .field("limits", &self.limits)
            .field("replay", &self.replay)
            .finish()
    }
}

impl<S, I> Layer<I> for SigV4Layer<S> {
    type Service = SigV4Service<S, I>;

    fn layer(&self, inner: I) -> Self::Service {
        SigV4Service {
            inner,
            verifier: Arc::clone(&self.verifier),
            limits: self.limits.clone(),
            replay: self.replay.clone(),
        }
    }
}

/// The service [`SigV4Layer`] wraps around an inner service.
pub struct SigV4Service<S, I> {
    inner: I,
    verifier: Arc<Verifier<S>>,
    limits: BodyLimits,
    replay: Option<Arc<ReplayStep>>,
}

impl<S, I: Clone> Clone for SigV4Service<S, I> {
    fn clone(&self) -> Self {
        SigV4Service {
            inner: self.inner.clone(),
            verifier: Arc::clone(&self.verifier),
            limits: self.limits.clone(),
            replay: self.replay.clone(),
        }
    }
}

impl<S, I: fmt::Debug> fmt::Debug for SigV4Service<S, I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigV4Service")
            .field("inner", &self.inner)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S, I, B, ResBody> Service<Request<B>> for SigV4Service<S, I>
where
    S: AsyncSecretStore + Send + Sync + 'static,
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
        let limits = self.limits.clone();
        let replay = self.replay.clone();
        Box::pin(async move {
            let refuse = |refusal: Refusal| {
                let response = refusal.into_response(&RequestIds::next());
                Ok(response.map(Either::Right))
            };
            let (parts, body) = request.into_parts();
            let mut head = Request::from_parts(parts, ());
            // Whatever the verifier's settings: the inner service routes on this path, and on
            // this authority.
            if let Err(e) = check_target(&verifier, &head) {
                return refuse(Refusal::from_verify_error(&e));
            }
            let now = verifier.now();
            match authenticate(&verifier, &mut head, body, &limits, now).await {
                Ok((verified, body)) => {
                    if let Some(replay) = &replay {
                        if let Err(e) = replay.check(&verified, now, limits.lookup_timeout).await {
                            return refuse(Refusal::from_verify_error(&e));
                        }
                    }
                    let (parts, ()) = head.into_parts();
                    let mut request = Request::from_parts(parts, Full::new(body.bytes.clone()));
                    request.extensions_mut().insert(verified);
                    let response = inner.call(request).await?;
                    // The body's share of the budget is held until the inner service answered.
                    drop(body);
                    Ok(response.map(Either::Left))
                }
                Err(refused) => refuse(refused.refusal()),
            }
        })
    }
}
