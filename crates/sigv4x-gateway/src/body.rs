//! Authentication from the headers first, then a body read within limits and handed on only
//! once it is verified. [`SigV4Layer`](crate::SigV4Layer) and the gateway both take every
//! request through [`authenticate`], so the two cannot drift apart.
//!
//! The order:
//! 1. A request that declares no body is verified at once, over the empty payload.
//! 2. Otherwise everything the headers alone can settle is checked before a byte of the body
//!    is read: the path, the authentication parameters, the key (looked up once, within the
//!    lookup timeout), the time window, the signed headers, the session token, and, when
//!    `x-amz-content-sha256` declares the payload, the signature itself. An unauthenticated
//!    client cannot make the server buffer its body.
//! 3. The body is read within [`BodyLimits`]: at most `max_body` bytes, within `read_timeout`,
//!    and inside a byte budget shared by every request in flight.
//! 4. The body is verified: against the signature (payload undeclared), against the declared
//!    SHA-256, or chunk by chunk through [`Verifier::chunk_decoder`] for aws-chunked bodies,
//!    which are handed on decoded.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::{Bytes, BytesMut};
use http::header::{CONTENT_ENCODING, CONTENT_LENGTH};
use http::{HeaderValue, Request};
use http_body::Body;
use http_body_util::BodyExt;
use sigv4x::{
    AsyncSecretStore, ChunkDecoder, ChunkError, DecoderConfig, KeyRecord, Payload,
    PendingVerification, StoreError, Verified, VerifiedPayload, Verifier, VerifyError,
};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::layer::{BoxError, DEFAULT_KEY_LOOKUP_TIMEOUT};
use crate::response::Refusal;

/// How much body a request may make the server hold, and for how long.
#[derive(Clone, Debug)]
pub(crate) struct BodyLimits {
    /// The largest body, in bytes (decoded size for aws-chunked bodies).
    pub(crate) max_body: usize,
    /// How long the whole body may take to arrive.
    pub(crate) read_timeout: Duration,
    /// Bytes of body buffered across all requests in flight, and each access key's share.
    pub(crate) budget: Budget,
    /// Whether aws-chunked (`STREAMING-…`) bodies are decoded and handed on, or refused.
    pub(crate) aws_chunked: bool,
    /// How long the secret store may take to answer.
    pub(crate) lookup_timeout: Duration,
}

impl BodyLimits {
    pub(crate) fn new(
        max_body: usize,
        read_timeout: Duration,
        budget: usize,
        aws_chunked: bool,
    ) -> Self {
        BodyLimits {
            max_body,
            read_timeout,
            budget: Budget::new(budget, max_body),
            aws_chunked,
            lookup_timeout: DEFAULT_KEY_LOOKUP_TIMEOUT,
        }
    }

    /// The same limits with another largest body (the budget's per-key share follows it).
    pub(crate) fn with_max_body(self, max_body: usize) -> Self {
        BodyLimits {
            max_body,
            budget: Budget::new(self.budget.bytes(), max_body),
            ..self
        }
    }

    /// The same limits with another budget across all requests in flight.
    pub(crate) fn with_budget(self, bytes: usize) -> Self {
        BodyLimits {
            budget: Budget::new(bytes, self.max_body),
            ..self
        }
    }
}

/// The body budget: bytes across all requests, and per access key at most a quarter of them
/// (or one largest body, if that is more), so that a client who knows an access key id (which
/// is no secret) but not its secret can hold bodies for that key only, not starve every other
/// caller.
#[derive(Clone, Debug)]
pub(crate) struct Budget {
    bytes: usize,
    total: Arc<Semaphore>,
    per_key: Arc<std::sync::Mutex<std::collections::HashMap<String, usize>>>,
    key_share: usize,
}

impl Budget {
    /// The total, in bytes.
    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }

    fn new(bytes: usize, max_body: usize) -> Self {
        let bytes = bytes.min(Semaphore::MAX_PERMITS);
        Budget {
            bytes,
            total: Arc::new(Semaphore::new(bytes)),
            per_key: Arc::default(),
            key_share: (bytes / 4).max(max_body.min(bytes)).max(1),
        }
    }
}

/// A request's body as read within the limits, and its share of the byte budget (released
/// when dropped).
#[derive(Debug)]
pub(crate) struct HeldBody {
    pub(crate) bytes: Bytes,
    _held: Option<Held>,
}

/// Why a request was refused on its way through [`authenticate`].
#[derive(Debug)]
// The layer answers with the refusal alone; the reason is for the emulator's audit log.
#[cfg_attr(not(feature = "emulator"), allow(dead_code))]
pub(crate) enum Refused {
    /// A SigV4 check failed.
    Verify(VerifyError),
    /// The body was too large, too slow, over budget, unreadable or badly chunked.
    Body(Refusal, String),
}

impl Refused {
    pub(crate) fn refusal(&self) -> Refusal {
        match self {
            Refused::Verify(e) => Refusal::from_verify_error(e),
            Refused::Body(r, _) => r.clone(),
        }
    }

    /// Why, for the audit log.
    #[cfg(feature = "emulator")]
    pub(crate) fn reason(&self) -> String {
        match self {
            Refused::Verify(e) => e.to_string(),
            Refused::Body(_, why) => why.clone(),
        }
    }

    /// The `x-amzn-ErrorType` to record.
    #[cfg(feature = "emulator")]
    pub(crate) fn error_type(&self) -> &'static str {
        match self {
            Refused::Verify(e) => e.api_gateway_error_type(),
            Refused::Body(r, _) => r.error_type,
        }
    }
}

impl From<VerifyError> for Refused {
    fn from(e: VerifyError) -> Self {
        Refused::Verify(e)
    }
}

fn body_refusal(refusal: Refusal) -> Refused {
    let why = refusal.message.clone();
    Refused::Body(refusal, why)
}

fn chunk_refusal(e: &ChunkError) -> Refused {
    let refusal = Refusal::chunked(e);
    Refused::Body(refusal, format!("aws-chunked body refused: {e}"))
}

/// The request target's rules, checked before routing: the path is in normal form (see
/// [`Verifier::check_path`]), and an absolute-form target (`GET http://host/path`) names the
/// same authority as the `Host` header, which is the one the signature covers.
pub(crate) fn check_target<S>(
    verifier: &Verifier<S>,
    head: &Request<()>,
) -> Result<(), VerifyError> {
    verifier.check_path(head.uri().path())?;
    let host = head.headers().get(http::header::HOST);
    if let (Some(authority), Some(host)) = (head.uri().authority(), host) {
        if !authority
            .as_str()
            .as_bytes()
            .eq_ignore_ascii_case(host.as_bytes())
        {
            return Err(VerifyError::MalformedRequest {
                reason: "The request target names another host than the Host header",
            });
        }
    }
    Ok(())
}

/// Verifies `head` and reads its body (see the module docs for the order). On success `head`
/// describes the body handed back: an aws-chunked body is decoded, its `content-encoding:
/// aws-chunked` removed and its `content-length` set to the decoded length.
pub(crate) async fn authenticate<S, B>(
    verifier: &Verifier<S>,
    head: &mut Request<()>,
    body: B,
    limits: &BodyLimits,
    now: SystemTime,
) -> Result<(Verified, HeldBody), Refused>
where
    S: AsyncSecretStore,
    B: Body,
    B::Error: Into<BoxError>,
{
    let pending = verifier.begin_at(head, now)?;
    let key = find_key(verifier, &pending, limits.lookup_timeout).await?;
    if body.size_hint().exact() == Some(0) {
        let verified = verifier.complete(&pending, &key, Payload::Empty)?;
        return Ok((verified, HeldBody::empty()));
    }
    match verifier.complete(&pending, &key, Payload::Unsigned) {
        // The headers are sound; the payload hash is part of the signature.
        Err(VerifyError::PayloadHashUnknown) => {
            // The key is known to the store, but the signature is not checked yet.
            let key_id = pending.access_key_id().map(str::to_owned);
            let body = read_for(key_id, head.headers(), body, limits).await?;
            let verified = verifier.complete(&pending, &key, Payload::Bytes(&body.bytes))?;
            Ok((verified, body))
        }
        Err(e) => Err(e.into()),
        Ok(verified) => {
            drop(pending);
            read_verified(verifier, head, verified, body, limits).await
        }
    }
}

/// The body of a request whose signature is checked, read (and decoded) as its payload says.
async fn read_verified<S, B>(
    verifier: &Verifier<S>,
    head: &mut Request<()>,
    verified: Verified,
    body: B,
    limits: &BodyLimits,
) -> Result<(Verified, HeldBody), Refused>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    let key = Some(verified.access_key_id().to_owned());
    match verified.payload() {
        VerifiedPayload::Declared(_) => {
            let body = read_for(key, head.headers(), body, limits).await?;
            if !verified.payload().matches_body(&body.bytes) {
                return Err(VerifyError::ContentSha256Mismatch.into());
            }
            Ok((verified, body))
        }
        VerifiedPayload::Streaming(_) if limits.aws_chunked => {
            let decoder = verifier
                .chunk_decoder(head, &verified, DecoderConfig::default())
                .map_err(|e| chunk_refusal(&e))?;
            let body = decode(decoder, key, body, limits).await?;
            describe_decoded(head, body.bytes.len());
            Ok((verified, body))
        }
        VerifiedPayload::Streaming(_) => Err(body_refusal(Refusal::bad_request(
            "aws-chunked (STREAMING-…) request bodies are not accepted here",
        ))),
        // Only by an explicit `allow_unsigned_payload`: the body is not covered.
        VerifiedPayload::Unsigned => {
            let body = read_for(key, head.headers(), body, limits).await?;
            Ok((verified, body))
        }
        // `Payload::Unsigned` never comes back checked; refuse rather than hand on a body
        // nobody looked at.
        _ => Err(body_refusal(Refusal::internal())),
    }
}

/// The key of a pending verification, from the store, within `timeout`. A store that fails,
/// times out or panics gets the client a 5xx answer (never a 403: its credentials may be
/// fine) and the server a log line naming the access key id and what went wrong, never a
/// secret or a token.
async fn find_key<'s, S: AsyncSecretStore>(
    verifier: &'s Verifier<S>,
    pending: &PendingVerification<'_>,
    timeout: Duration,
) -> Result<KeyRecord<'s>, VerifyError> {
    let lookup = catch_panic(verifier.find_key(pending));
    let failure = match tokio::time::timeout(timeout, lookup).await {
        Ok(Ok(found)) => match found {
            Err(VerifyError::Store(e)) => e,
            other => return other,
        },
        Ok(Err(Panicked)) => StoreError::Panicked,
        Err(_) => StoreError::TimedOut { after: timeout },
    };
    let id = pending.access_key_id().unwrap_or_default();
    eprintln!(
        "sigv4x-gateway: key lookup for access key {:?} failed: {failure}",
        id
    );
    Err(VerifyError::Store(failure))
}

/// A panic while polling.
pub(crate) struct Panicked;

/// Runs `work`, turning a panic inside it into [`Panicked`]: a store's bug must not take the
/// connection (or, with `panic = "abort"` aside, the server) down with it.
pub(crate) async fn catch_panic<F: std::future::Future>(work: F) -> Result<F::Output, Panicked> {
    let mut work = std::pin::pin!(work);
    std::future::poll_fn(|cx| {
        let polled =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work.as_mut().poll(cx)));
        match polled {
            Ok(std::task::Poll::Ready(out)) => std::task::Poll::Ready(Ok(out)),
            Ok(std::task::Poll::Pending) => std::task::Poll::Pending,
            Err(_) => std::task::Poll::Ready(Err(Panicked)),
        }
    })
    .await
}

/// After decoding: the headers describe the decoded body.
fn describe_decoded(head: &mut Request<()>, len: usize) {
    let headers = head.headers_mut();
    let remaining: Vec<String> = headers
        .get_all(CONTENT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|c| !c.is_empty() && !c.eq_ignore_ascii_case("aws-chunked"))
        .map(str::to_owned)
        .collect();
    headers.remove(CONTENT_ENCODING);
    if let Ok(value) = HeaderValue::from_str(&remaining.join(", ")) {
        if !remaining.is_empty() {
            headers.insert(CONTENT_ENCODING, value);
        }
    }
    headers.insert(CONTENT_LENGTH, HeaderValue::from(len));
}

impl HeldBody {
    fn empty() -> Self {
        HeldBody {
            bytes: Bytes::new(),
            _held: None,
        }
    }
}

/// Budget held for a growing body: its bytes of the total, and of its key's share.
#[derive(Debug)]
struct Held {
    budget: Budget,
    key: Option<String>,
    permit: Option<OwnedSemaphorePermit>,
    key_bytes: usize,
}

impl Held {
    fn new(budget: &Budget, key: Option<String>) -> Self {
        Held {
            budget: budget.clone(),
            key,
            permit: None,
            key_bytes: 0,
        }
    }

    fn bytes(&self) -> usize {
        self.permit
            .as_ref()
            .map_or(0, OwnedSemaphorePermit::num_permits)
    }

    /// Takes `n` more bytes of budget, or refuses at once (waiting would let slow clients hold
    /// the budget hostage).
    fn take(&mut self, n: usize) -> Result<(), Refused> {
        let busy = || body_refusal(Refusal::busy());
        let Ok(permits) = u32::try_from(n) else {
            return Err(busy());
        };
        if n == 0 {
            return Ok(());
        }
        if let Some(key) = &self.key {
            let mut per_key = self
                .budget
                .per_key
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let held = per_key.entry(key.clone()).or_insert(0);
            if *held + n > self.budget.key_share {
                if *held == 0 {
                    per_key.remove(key);
                }
                return Err(busy());
            }
            *held += n;
            self.key_bytes += n;
        }
        let more = Arc::clone(&self.budget.total)
            .try_acquire_many_owned(permits)
            .map_err(|_| busy())?;
        match &mut self.permit {
            Some(permit) => permit.merge(more),
            None => self.permit = Some(more),
        }
        Ok(())
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let Some(key) = &self.key else { return };
        if self.key_bytes == 0 {
            return;
        }
        let mut per_key = self
            .budget
            .per_key
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(held) = per_key.get_mut(key) {
            *held = held.saturating_sub(self.key_bytes);
            if *held == 0 {
                per_key.remove(key);
            }
        }
    }
}

fn declared_length(headers: &http::HeaderMap) -> Option<u64> {
    headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
}

/// Reads a whole body within the limits, for a route without authorization (no key share).
#[cfg(feature = "emulator")]
pub(crate) async fn read<B>(
    headers: &http::HeaderMap,
    body: B,
    limits: &BodyLimits,
) -> Result<HeldBody, Refused>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    read_for(None, headers, body, limits).await
}

/// Reads a whole body within the limits, inside `key`'s share of the budget.
async fn read_for<B>(
    key: Option<String>,
    headers: &http::HeaderMap,
    body: B,
    limits: &BodyLimits,
) -> Result<HeldBody, Refused>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    if declared_length(headers).is_some_and(|n| n > limits.max_body as u64) {
        return Err(body_refusal(Refusal::too_large(limits.max_body)));
    }
    let max = limits.max_body;
    collect(body, limits, key, |data, out| {
        if out.len() + data.len() > max {
            return Err(body_refusal(Refusal::too_large(max)));
        }
        out.extend_from_slice(data);
        Ok(())
    })
    .await
}

/// Reads an aws-chunked body through its decoder, keeping only the verified data.
async fn decode<B>(
    mut decoder: ChunkDecoder,
    key: Option<String>,
    body: B,
    limits: &BodyLimits,
) -> Result<HeldBody, Refused>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    let max = limits.max_body;
    let body = collect(body, limits, key, |data, out| {
        let mut over = false;
        decoder
            .feed(data, |verified| {
                over |= out.len() + verified.len() > max;
                if !over {
                    out.extend_from_slice(verified);
                }
            })
            .map_err(|e| chunk_refusal(&e))?;
        if over {
            return Err(body_refusal(Refusal::too_large(max)));
        }
        Ok(())
    })
    .await?;
    decoder.finish().map_err(|e| chunk_refusal(&e))?;
    Ok(body)
}

/// Reads `body` frame by frame within the read timeout, `absorb` turning each piece into the
/// bytes kept (as sent, or decoded); the kept bytes hold their share of the budget.
async fn collect<B>(
    body: B,
    limits: &BodyLimits,
    key: Option<String>,
    mut absorb: impl FnMut(&[u8], &mut BytesMut) -> Result<(), Refused>,
) -> Result<HeldBody, Refused>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    let mut held = Held::new(&limits.budget, key);
    let mut out = BytesMut::new();
    let work = async {
        let mut body = std::pin::pin!(body);
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|_| body_refusal(Refusal::unreadable_body()))?;
            let Ok(data) = frame.into_data() else {
                continue;
            };
            absorb(bytes::Buf::chunk(&data), &mut out)?;
            held.take(out.len().saturating_sub(held.bytes()))?;
        }
        Ok(())
    };
    within(limits.read_timeout, work).await?;
    Ok(HeldBody {
        bytes: out.freeze(),
        _held: Some(held),
    })
}

async fn within<F>(timeout: Duration, work: F) -> Result<(), Refused>
where
    F: std::future::Future<Output = Result<(), Refused>>,
{
    match tokio::time::timeout(timeout, work).await {
        Ok(result) => result,
        Err(_) => Err(body_refusal(Refusal::body_timeout())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoded_bodies_lose_aws_chunked_only() {
        let mut head = Request::put("/x")
            .header(CONTENT_ENCODING, "aws-chunked, gzip")
            .header(CONTENT_LENGTH, "999")
            .body(())
            .unwrap_or_default();
        describe_decoded(&mut head, 5);
        assert_eq!(head.headers()[CONTENT_ENCODING], "gzip");
        assert_eq!(head.headers()[CONTENT_LENGTH], "5");
        let mut head = Request::put("/x")
            .header(CONTENT_ENCODING, "aws-chunked")
            .body(())
            .unwrap_or_default();
        describe_decoded(&mut head, 0);
        assert!(head.headers().get(CONTENT_ENCODING).is_none());
    }
}
