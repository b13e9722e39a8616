//! Authentication from the headers first, then a body read within limits and handed on only
//! once it is verified. [`SigV4Layer`](crate::SigV4Layer) and the gateway both take every
//! request through [`authenticate`], so the two cannot drift apart.
//!
//! The order:
//! 1. A request that declares no body is verified at once, over the empty payload.
//! 2. Otherwise everything the headers alone can settle is checked before a byte of the body
//!    is read: the path, the authentication parameters, the key, the time window, the signed
//!    headers, the session token, and, when `x-amz-content-sha256` declares the payload, the
//!    signature itself. An unauthenticated client cannot make the server buffer its body.
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
use sha2::{Digest, Sha256};
use sigv4x::{
    ChunkDecoder, ChunkError, DecoderConfig, Payload, SecretStore, Verified, VerifiedPayload,
    Verifier, VerifyError,
};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::layer::BoxError;
use crate::response::Refusal;

/// How much body a request may make the server hold, and for how long.
#[derive(Clone, Debug)]
pub(crate) struct BodyLimits {
    /// The largest body, in bytes (decoded size for aws-chunked bodies).
    pub(crate) max_body: usize,
    /// How long the whole body may take to arrive.
    pub(crate) read_timeout: Duration,
    /// Bytes of body buffered across all requests in flight.
    pub(crate) budget: Arc<Semaphore>,
    /// Whether aws-chunked (`STREAMING-…`) bodies are decoded and handed on, or refused.
    pub(crate) aws_chunked: bool,
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
            budget: Arc::new(Semaphore::new(budget.min(Semaphore::MAX_PERMITS))),
            aws_chunked,
        }
    }
}

/// A request's body as read within the limits, and its share of the byte budget (released
/// when dropped).
#[derive(Debug)]
pub(crate) struct HeldBody {
    pub(crate) bytes: Bytes,
    _held: Option<OwnedSemaphorePermit>,
}

/// Why a request was refused on its way through [`authenticate`].
#[derive(Debug)]
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
    pub(crate) fn reason(&self) -> String {
        match self {
            Refused::Verify(e) => e.to_string(),
            Refused::Body(_, why) => why.clone(),
        }
    }

    /// The `x-amzn-ErrorType` to record.
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
pub(crate) fn check_target<S: SecretStore>(
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
    S: SecretStore,
    B: Body,
    B::Error: Into<BoxError>,
{
    if body.size_hint().exact() == Some(0) {
        let verified = verifier.verify_at(head, Payload::Empty, now)?;
        return Ok((verified, HeldBody::empty()));
    }
    match verifier.verify_at(head, Payload::Unsigned, now) {
        // The headers are sound; the payload hash is part of the signature.
        Err(VerifyError::PayloadHashUnknown) => {
            let body = read(head.headers(), body, limits).await?;
            let verified = verifier.verify_at(head, Payload::Bytes(&body.bytes), now)?;
            Ok((verified, body))
        }
        Err(e) => Err(e.into()),
        Ok(verified) => match verified.payload() {
            VerifiedPayload::Declared(hex) => {
                let body = read(head.headers(), body, limits).await?;
                let digest: [u8; 32] = Sha256::digest(&body.bytes).into();
                if !hex_equals(&hex, &digest) {
                    return Err(VerifyError::ContentSha256Mismatch.into());
                }
                Ok((verified, body))
            }
            VerifiedPayload::Streaming(_) if limits.aws_chunked => {
                let decoder = verifier
                    .chunk_decoder(head, &verified, DecoderConfig::default())
                    .map_err(|e| chunk_refusal(&e))?;
                let body = decode(decoder, body, limits).await?;
                describe_decoded(head, body.bytes.len());
                Ok((verified, body))
            }
            VerifiedPayload::Streaming(_) => Err(body_refusal(Refusal::bad_request(
                "aws-chunked (STREAMING-…) request bodies are not accepted here",
            ))),
            // Only by an explicit `allow_unsigned_payload`: the body is not covered.
            VerifiedPayload::Unsigned => {
                let body = read(head.headers(), body, limits).await?;
                Ok((verified, body))
            }
            // `Payload::Unsigned` never comes back checked; refuse rather than hand on a body
            // nobody looked at.
            _ => Err(body_refusal(Refusal::internal())),
        },
    }
}

fn hex_equals(hex: &[u8; 64], digest: &[u8; 32]) -> bool {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut diff = 0u8;
    for (pair, byte) in hex.chunks_exact(2).zip(digest) {
        let hi = DIGITS[usize::from(byte >> 4)];
        let lo = DIGITS[usize::from(byte & 0x0f)];
        diff |= (pair[0] ^ hi) | (pair[1] ^ lo);
    }
    diff == 0
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

/// Holds budget for a growing body.
struct Held {
    budget: Arc<Semaphore>,
    permit: Option<OwnedSemaphorePermit>,
}

impl Held {
    fn new(budget: &Arc<Semaphore>) -> Self {
        Held {
            budget: Arc::clone(budget),
            permit: None,
        }
    }

    /// Takes `n` more bytes of budget, or refuses at once (waiting would let slow clients hold
    /// the budget hostage).
    fn take(&mut self, n: usize) -> Result<(), Refused> {
        let Ok(n) = u32::try_from(n) else {
            return Err(body_refusal(Refusal::busy()));
        };
        if n == 0 {
            return Ok(());
        }
        let more = Arc::clone(&self.budget)
            .try_acquire_many_owned(n)
            .map_err(|_| body_refusal(Refusal::busy()))?;
        match &mut self.permit {
            Some(permit) => permit.merge(more),
            None => self.permit = Some(more),
        }
        Ok(())
    }
}

fn declared_length(headers: &http::HeaderMap) -> Option<u64> {
    headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
}

/// Reads a whole body within the limits. [`authenticate`] calls it once the headers are
/// authenticated; the gateway calls it directly only for routes without authorization.
pub(crate) async fn read<B>(
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
    let mut held = Held::new(&limits.budget);
    let mut buffer = BytesMut::new();
    let collect = async {
        let mut body = std::pin::pin!(body);
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|_| body_refusal(Refusal::unreadable_body()))?;
            let Ok(data) = frame.into_data() else {
                continue;
            };
            let data: &[u8] = bytes::Buf::chunk(&data);
            if buffer.len() + data.len() > limits.max_body {
                return Err(body_refusal(Refusal::too_large(limits.max_body)));
            }
            held.take(data.len())?;
            buffer.extend_from_slice(data);
        }
        Ok(())
    };
    within(limits.read_timeout, collect).await?;
    Ok(HeldBody {
        bytes: buffer.freeze(),
        _held: held.permit,
    })
}

/// Reads an aws-chunked body through its decoder, keeping only the verified data.
async fn decode<B>(
    mut decoder: ChunkDecoder,
    body: B,
    limits: &BodyLimits,
) -> Result<HeldBody, Refused>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    let mut held = Held::new(&limits.budget);
    let mut out = BytesMut::new();
    let collect = async {
        let mut body = std::pin::pin!(body);
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|_| body_refusal(Refusal::unreadable_body()))?;
            let Ok(data) = frame.into_data() else {
                continue;
            };
            let mut over = false;
            decoder
                .feed(bytes::Buf::chunk(&data), |verified| {
                    if out.len() + verified.len() > limits.max_body {
                        over = true;
                    } else if !over {
                        out.extend_from_slice(verified);
                    }
                })
                .map_err(|e| chunk_refusal(&e))?;
            if over {
                return Err(body_refusal(Refusal::too_large(limits.max_body)));
            }
            held.take(out.len().saturating_sub(held_len(&held)))?;
        }
        decoder.finish().map_err(|e| chunk_refusal(&e))?;
        Ok(())
    };
    within(limits.read_timeout, collect).await?;
    Ok(HeldBody {
        bytes: out.freeze(),
        _held: held.permit,
    })
}

fn held_len(held: &Held) -> usize {
    held.permit
        .as_ref()
        .map_or(0, OwnedSemaphorePermit::num_permits)
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
    fn hex_comparison() {
        let digest: [u8; 32] = Sha256::digest(b"abc").into();
        let mut hex = [0u8; 64];
        hex.copy_from_slice(b"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert!(hex_equals(&hex, &digest));
        hex[63] = b'c';
        assert!(!hex_equals(&hex, &digest));
    }

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
