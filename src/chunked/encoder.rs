//! The signing side: sign a streaming request, then frame the caller's chunks.

use std::time::SystemTime;

use http::header::{HeaderValue, CONTENT_ENCODING, CONTENT_LENGTH};
use sha2::{Digest, Sha256};

use super::checksum::Checksum;
use super::{
    chunk_overhead, encoded_length, ChunkChain, ChunkEncodeError, ChunkedMode, CHUNK_DATA_END,
    MIN_CHUNK_SIZE, SIGNATURE_EXTENSION, TRAILER_SIGNATURE_NAME,
};
use crate::signing_key::SigningKey;
use crate::{AmzDate, Payload, Signature, Signer, SigningError};

/// What a streaming upload will send: its mode, its decoded length and, when the
/// `Content-Length` is to be computed up front, the chunk size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct StreamingPlan {
    /// The framing and authentication of the body.
    pub mode: ChunkedMode,
    /// The length of the data, sent as `x-amz-decoded-content-length`.
    pub decoded_length: u64,
    /// The size of every chunk but the last (which may be shorter). With `Some`, the request
    /// gets a `Content-Length` and the encoder holds the caller to the plan; with `None`, the
    /// caller sends the body with `Transfer-Encoding: chunked` and may choose any chunk sizes
    /// of at least 8 KiB (the last one excepted).
    pub chunk_size: Option<usize>,
}

impl StreamingPlan {
    /// A body of `decoded_length` bytes in chunks of `chunk_size` (the last one shorter), with
    /// a precomputed `Content-Length`.
    #[must_use]
    pub fn new(mode: ChunkedMode, decoded_length: u64, chunk_size: usize) -> Self {
        StreamingPlan {
            mode,
            decoded_length,
            chunk_size: Some(chunk_size),
        }
    }

    /// A body of `decoded_length` bytes in chunks of sizes chosen as it is sent; the request
    /// gets no `Content-Length`.
    #[must_use]
    pub fn without_content_length(mode: ChunkedMode, decoded_length: u64) -> Self {
        StreamingPlan {
            mode,
            decoded_length,
            chunk_size: None,
        }
    }

    /// The `Content-Length` of the encoded body, when the plan has a chunk size.
    #[must_use]
    pub fn encoded_length(&self) -> Option<u64> {
        encoded_length(self.mode, self.decoded_length, self.chunk_size? as u64)
    }
}

/// Signs `request` for an aws-chunked body and returns the encoder for that body.
///
/// Sets `Content-Encoding: aws-chunked` (before any encoding already there),
/// `x-amz-decoded-content-length`, `x-amz-content-sha256` (the mode's `STREAMING-…` value),
/// `x-amz-trailer` (trailer modes), and `Content-Length` when the plan has a chunk size; then
/// signs it with [`Signer::sign_at`]. The signature is the seed of the chunk signatures.
///
/// # Errors
/// [`ChunkEncodeError::InvalidChunkSize`] for a chunk size of 0, or under 8 KiB for a body that
/// needs more than one chunk; [`ChunkEncodeError::EncodedLengthOverflow`];
/// [`ChunkEncodeError::Signing`] when signing fails.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use sigv4x::{
///     sign_streaming_at, ChecksumAlgorithm, ChunkedMode, Credentials, Signer, SigningSettings,
///     StreamingPlan, CHUNK_DATA_END,
/// };
///
/// let signer = Signer::new(Credentials::new("AKID", "SECRET", None), "us-east-1", "s3")
///     .with_settings(SigningSettings::s3());
/// let data = vec![7u8; 100_000];
/// let mode = ChunkedMode::SignedWithTrailer(ChecksumAlgorithm::Crc32);
/// let plan = StreamingPlan::new(mode, data.len() as u64, 65_536);
/// let mut request = http::Request::put("https://bucket.s3.amazonaws.com/key").body(())?;
/// let when = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// let mut encoder = sign_streaming_at(&signer, &mut request, plan, when)?;
///
/// let mut body = Vec::new();
/// for chunk in data.chunks(65_536) {
///     // An async writer would send these three slices without joining them.
///     let header = encoder.chunk_header(chunk)?;
///     body.extend_from_slice(header.as_bytes());
///     body.extend_from_slice(chunk);
///     body.extend_from_slice(CHUNK_DATA_END);
/// }
/// body.extend_from_slice(encoder.finish()?.as_bytes());
/// assert_eq!(request.headers()["content-length"], body.len().to_string().as_str());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn sign_streaming_at<B>(
    signer: &Signer,
    request: &mut http::Request<B>,
    plan: StreamingPlan,
    time: SystemTime,
) -> Result<ChunkEncoder, ChunkEncodeError> {
    let date = AmzDate::from_system_time(time).ok_or(SigningError::TimeOutOfRange)?;
    let content_length = match plan.chunk_size {
        None => None,
        Some(size) => {
            let fits_one = (size as u64) >= plan.decoded_length;
            if size == 0 || (size < MIN_CHUNK_SIZE && !fits_one) {
                return Err(ChunkEncodeError::InvalidChunkSize {
                    chunk_size: size,
                    minimum: MIN_CHUNK_SIZE,
                });
            }
            Some(
                plan.encoded_length()
                    .ok_or(ChunkEncodeError::EncodedLengthOverflow)?,
            )
        }
    };

    let headers = request.headers_mut();
    let encoding = match headers.get(CONTENT_ENCODING).map(HeaderValue::as_bytes) {
        None => HeaderValue::from_static("aws-chunked"),
        Some(existing) if has_aws_chunked(existing) => {
            HeaderValue::from_bytes(existing).map_err(|_| invalid("content-encoding"))?
        }
        Some(existing) => {
            let mut value = b"aws-chunked,".to_vec();
            value.extend_from_slice(existing);
            HeaderValue::from_bytes(&value).map_err(|_| invalid("content-encoding"))?
        }
    };
    headers.insert(CONTENT_ENCODING, encoding);
    headers.insert(
        "x-amz-decoded-content-length",
        HeaderValue::from(plan.decoded_length),
    );
    headers.insert(
        "x-amz-content-sha256",
        HeaderValue::from_static(plan.mode.payload_value()),
    );
    match plan.mode.trailer() {
        Some(algorithm) => {
            headers.insert(
                "x-amz-trailer",
                HeaderValue::from_static(algorithm.header_name()),
            );
        }
        None => {
            headers.remove("x-amz-trailer");
        }
    }
    if let Some(length) = content_length {
        headers.insert(CONTENT_LENGTH, HeaderValue::from(length));
    }

    let seed = signer.sign_at(
        request,
        Payload::Precomputed(plan.mode.payload_value()),
        time,
    )?;
    let chain = plan.mode.is_signed().then(|| {
        let key = SigningKey::derive(
            signer.credentials().secret_access_key(),
            date.date(),
            signer.region(),
            signer.service(),
        );
        ChunkChain::new(key, date, signer.region(), signer.service(), seed)
    });
    Ok(ChunkEncoder::new(plan, seed, chain))
}

fn invalid(name: &str) -> SigningError {
    SigningError::InvalidHeaderValue { name: name.into() }
}

fn has_aws_chunked(value: &[u8]) -> bool {
    value
        .split(|&b| b == b',')
        .any(|part| part.trim_ascii().eq_ignore_ascii_case(b"aws-chunked"))
}

/// Frames a body's chunks in aws-chunked form, chaining each chunk's signature from the
/// previous one. Made by [`sign_streaming_at`].
///
/// For each chunk the caller sends [`ChunkEncoder::chunk_header`], the data itself, then
/// [`CHUNK_DATA_END`]; the data is only read (hashed), never copied. [`ChunkEncoder::finish`]
/// gives the final chunk and the trailers.
#[derive(Clone)]
pub struct ChunkEncoder {
    plan: StreamingPlan,
    seed: Signature,
    chain: Option<ChunkChain>,
    checksum: Option<Checksum>,
    sent: u64,
    finished: bool,
}

impl std::fmt::Debug for ChunkEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChunkEncoder")
            .field("plan", &self.plan)
            .field("sent", &self.sent)
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}

/// A chunk header: `<hex size>;chunk-signature=<64 hex>\r\n` (or `<hex size>\r\n` unsigned),
/// on the stack.
#[derive(Clone, Copy)]
pub struct ChunkHeader {
    bytes: [u8; 100],
    len: usize,
}

impl ChunkHeader {
    /// The header bytes to send before the chunk's data.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }
}

impl std::fmt::Debug for ChunkHeader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ChunkHeader({:?})",
            String::from_utf8_lossy(self.as_bytes())
        )
    }
}

/// The end of an aws-chunked body: the final zero-length chunk, then `\r\n` or the trailers
/// (and their signature) and the closing `\r\n`.
#[derive(Clone, Copy)]
pub struct ChunkTail {
    bytes: [u8; 256],
    len: usize,
}

impl ChunkTail {
    /// The bytes to send after the last data chunk.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }
}

impl std::fmt::Debug for ChunkTail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ChunkTail({:?})",
            String::from_utf8_lossy(self.as_bytes())
        )
    }
}

/// Appends to a fixed buffer; pieces past its end are dropped (the buffers are sized for the
/// longest header this module writes).
struct Writer<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl Writer<'_> {
    fn put(&mut self, bytes: &[u8]) {
        if let Some(dst) = self.buf.get_mut(self.len..self.len + bytes.len()) {
            dst.copy_from_slice(bytes);
            self.len += bytes.len();
        }
    }

    fn put_hex(&mut self, n: u64) {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut text = [0u8; 16];
        let mut at = text.len();
        let mut rest = n;
        loop {
            at -= 1;
            text[at] = DIGITS[(rest & 0xf) as usize];
            rest >>= 4;
            if rest == 0 || at == 0 {
                break;
            }
        }
        self.put(text.get(at..).unwrap_or_default());
    }
}

impl ChunkEncoder {
    /// An encoder for `plan` whose chain (in signed modes) starts at `seed`. Most callers get
    /// one from [`sign_streaming_at`]; this is for requests signed another way.
    pub(crate) fn new(plan: StreamingPlan, seed: Signature, chain: Option<ChunkChain>) -> Self {
        ChunkEncoder {
            plan,
            seed,
            chain: if plan.mode.is_signed() { chain } else { None },
            checksum: plan.mode.trailer().map(Checksum::new),
            sent: 0,
            finished: false,
        }
    }

    /// The request's signature, which the first chunk's signature is chained from.
    #[must_use]
    pub fn seed_signature(&self) -> Signature {
        self.seed
    }

    /// How many data bytes have been framed so far.
    #[must_use]
    pub fn sent(&self) -> u64 {
        self.sent
    }

    /// Signs the next chunk and returns its header. Send the header, then `data`, then
    /// [`CHUNK_DATA_END`].
    ///
    /// # Errors
    /// [`ChunkEncodeError::EmptyChunk`], [`ChunkEncodeError::LengthExceeded`],
    /// [`ChunkEncodeError::ChunkTooSmall`] (under 8 KiB and not the last chunk),
    /// [`ChunkEncodeError::ChunkSizeMismatch`] (against the plan's chunk size), or
    /// [`ChunkEncodeError::AlreadyFinished`]. On error nothing is signed and the encoder can
    /// still be used.
    pub fn chunk_header(&mut self, data: &[u8]) -> Result<ChunkHeader, ChunkEncodeError> {
        self.check_chunk(data.len())?;
        let mut bytes = [0u8; 100];
        let mut w = Writer {
            buf: &mut bytes,
            len: 0,
        };
        w.put_hex(data.len() as u64);
        if let Some(chain) = &mut self.chain {
            let signature = chain.sign_chunk_digest(&Sha256::digest(data).into());
            w.put(SIGNATURE_EXTENSION);
            w.put(signature.as_bytes());
        }
        w.put(b"\r\n");
        let len = w.len;
        if let Some(checksum) = &mut self.checksum {
            checksum.update(data);
        }
        self.sent += data.len() as u64;
        Ok(ChunkHeader { bytes, len })
    }

    /// Appends the whole chunk (header, data, CRLF) to `out`: one copy of the data, for callers
    /// who build the body in memory.
    ///
    /// # Errors
    /// As [`ChunkEncoder::chunk_header`].
    pub fn encode_chunk(&mut self, data: &[u8], out: &mut Vec<u8>) -> Result<(), ChunkEncodeError> {
        let header = self.chunk_header(data)?;
        out.reserve(header.len + data.len() + CHUNK_DATA_END.len());
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(data);
        out.extend_from_slice(CHUNK_DATA_END);
        Ok(())
    }

    fn check_chunk(&self, len: usize) -> Result<(), ChunkEncodeError> {
        if self.finished {
            return Err(ChunkEncodeError::AlreadyFinished);
        }
        if len == 0 {
            return Err(ChunkEncodeError::EmptyChunk);
        }
        let declared = self.plan.decoded_length;
        let attempted = self.sent.saturating_add(len as u64);
        if attempted > declared {
            return Err(ChunkEncodeError::LengthExceeded {
                declared,
                attempted,
            });
        }
        let last = attempted == declared;
        match self.plan.chunk_size {
            Some(expected) if (last && len > expected) || (!last && len != expected) => {
                Err(ChunkEncodeError::ChunkSizeMismatch {
                    expected,
                    actual: len,
                })
            }
            _ if !last && len < MIN_CHUNK_SIZE => Err(ChunkEncodeError::ChunkTooSmall {
                len,
                minimum: MIN_CHUNK_SIZE,
            }),
            _ => Ok(()),
        }
    }

    /// Writes the final zero-length chunk and, in trailer modes, the checksum trailer (and its
    /// signature); the encoder is then done.
    ///
    /// # Errors
    /// [`ChunkEncodeError::LengthShort`] before the declared length was sent;
    /// [`ChunkEncodeError::AlreadyFinished`] the second time.
    pub fn finish(&mut self) -> Result<ChunkTail, ChunkEncodeError> {
        if self.finished {
            return Err(ChunkEncodeError::AlreadyFinished);
        }
        if self.sent != self.plan.decoded_length {
            return Err(ChunkEncodeError::LengthShort {
                declared: self.plan.decoded_length,
                sent: self.sent,
            });
        }
        self.finished = true;
        let mut bytes = [0u8; 256];
        let mut w = Writer {
            buf: &mut bytes,
            len: 0,
        };
        w.put(b"0");
        if let Some(chain) = &mut self.chain {
            let signature = chain.sign_chunk_digest(&Sha256::digest(b"").into());
            w.put(SIGNATURE_EXTENSION);
            w.put(signature.as_bytes());
        }
        w.put(b"\r\n");
        if let (Some(algorithm), Some(checksum)) = (self.plan.mode.trailer(), self.checksum.take())
        {
            let value = checksum.finish().to_base64();
            let name = algorithm.header_name();
            w.put(name.as_bytes());
            w.put(b":");
            w.put(value.as_bytes());
            w.put(b"\r\n");
            if let Some(chain) = &mut self.chain {
                let mut hasher = Sha256::new();
                hasher.update(name.as_bytes());
                hasher.update(b":");
                hasher.update(value.as_bytes());
                hasher.update(b"\n");
                let mac = chain.trailer_mac(&hasher.finalize().into());
                let signature = chain.advance(&mac);
                w.put(TRAILER_SIGNATURE_NAME);
                w.put(b":");
                w.put(signature.as_bytes());
                w.put(b"\r\n");
            }
        }
        w.put(b"\r\n");
        let len = w.len;
        Ok(ChunkTail { bytes, len })
    }

    /// The size on the wire of the header, data and CRLF of a chunk of `len` bytes.
    #[must_use]
    pub fn framed_len(&self, len: usize) -> u64 {
        chunk_overhead(self.plan.mode.is_signed(), len as u64) + len as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_sizes_are_lower_case_without_padding() {
        for (n, text) in [
            (0u64, "0"),
            (9, "9"),
            (0x400, "400"),
            (0x10000, "10000"),
            (u64::MAX, "ffffffffffffffff"),
        ] {
            let mut buf = [0u8; 16];
            let mut w = Writer {
                buf: &mut buf,
                len: 0,
            };
            w.put_hex(n);
            let len = w.len;
            assert_eq!(&buf[..len], text.as_bytes());
        }
    }

    #[test]
    fn aws_chunked_is_prepended_once() {
        assert!(has_aws_chunked(b"gzip, aws-chunked"));
        assert!(has_aws_chunked(b"AWS-CHUNKED"));
        assert!(!has_aws_chunked(b"gzip"));
    }
}
