//! The verifying side: an incremental aws-chunked decoder that checks every chunk signature
//! before it hands out the chunk's data.

use sha2::{Digest, Sha256};

use super::checksum::{base64_decode, Base64Text, Checksum, ChecksumValue};
use super::error::excerpt;
use super::{
    decode_wire_signature, ChecksumAlgorithm, ChunkChain, ChunkError, ChunkedMode, MIN_CHUNK_SIZE,
    SIGNATURE_EXTENSION, TRAILER_SIGNATURE_NAME,
};

/// Limits of a [`ChunkDecoder`]. Strict by default; each leniency is an explicit opt-in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DecoderConfig {
    /// The largest chunk accepted, in bytes. A signed chunk is held back until its signature
    /// has been checked, so this bounds the decoder's memory. Default 1 MiB (SDKs send 64 KiB
    /// to 1 MiB).
    pub max_chunk_size: usize,
    /// The smallest chunk accepted other than the last data chunk. Default 8 KiB, as S3
    /// requires (`InvalidChunkSizeError`); 0 accepts any size.
    pub min_chunk_size: usize,
}

impl Default for DecoderConfig {
    fn default() -> Self {
        DecoderConfig {
            max_chunk_size: 1 << 20,
            min_chunk_size: MIN_CHUNK_SIZE,
        }
    }
}

impl DecoderConfig {
    /// The same config with another chunk size limit.
    #[must_use]
    pub fn with_max_chunk_size(mut self, max_chunk_size: usize) -> Self {
        self.max_chunk_size = max_chunk_size;
        self
    }

    /// The same config with another minimum chunk size.
    #[must_use]
    pub fn with_min_chunk_size(mut self, min_chunk_size: usize) -> Self {
        self.min_chunk_size = min_chunk_size;
        self
    }
}

/// What a completely decoded body was: returned by [`ChunkDecoder::finish`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DecodeSummary {
    /// The data length (equal to the declared `x-amz-decoded-content-length`).
    pub decoded_length: u64,
    /// The encoded length.
    pub encoded_length: u64,
    /// Data chunks, not counting the final empty one.
    pub data_chunks: u64,
    /// The verified trailing checksum: its algorithm and base64 value.
    pub checksum: Option<(ChecksumAlgorithm, String)>,
}

/// The longest chunk header: 16 hex digits, the signature extension, 64 hex digits, CRLF.
const MAX_HEADER: usize = 16 + 17 + 64 + 2;
/// The longest trailer line accepted.
const MAX_TRAILER_LINE: usize = 256;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Reading a chunk header line into `line`.
    Header,
    /// Inside a chunk's data; `remaining` bytes to go.
    Data { remaining: u64 },
    /// After a chunk's data: `seen` bytes of its CRLF read.
    DataEnd { seen: u8 },
    /// After the final chunk, reading trailer lines into `line`.
    Trailers,
    /// After the final chunk without trailers: `seen` bytes of the closing CRLF read.
    Close { seen: u8 },
    /// The body is complete.
    Done,
}

/// An incremental aws-chunked decoder and verifier.
///
/// Feed it the body as it arrives, in slices of any size; it calls `sink` with the decoded
/// data. In the signed modes, data reaches `sink` only after its chunk signature has been
/// checked, and at most one chunk is held in memory (bounded by
/// [`DecoderConfig::max_chunk_size`]); when a whole chunk arrives in one slice it is checked in
/// place and handed out without a copy. In [`ChunkedMode::UnsignedWithTrailer`] nothing can be
/// checked before the trailing checksum, so data is handed out as it arrives and must be
/// treated as unverified until [`ChunkDecoder::finish`] succeeds.
///
/// After an error the decoder refuses everything with that error.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use sigv4x::primitives::{ChunkChain, SigningKey};
/// use sigv4x::{
///     sign_streaming_at, AmzDate, ChunkDecoder, ChunkedMode, Credentials, DecoderConfig, Signer,
///     StreamingPlan,
/// };
///
/// // A client signs and encodes 20 000 bytes.
/// let signer = Signer::new(Credentials::new("AKID", "SECRET", None), "us-east-1", "s3");
/// let data = vec![1u8; 20_000];
/// let plan = StreamingPlan::new(ChunkedMode::Signed, 20_000, 8192);
/// let mut request = http::Request::put("https://bucket.s3.amazonaws.com/key").body(())?;
/// let when = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// let mut encoder = sign_streaming_at(&signer, &mut request, plan, when)?;
/// let mut body = Vec::new();
/// for chunk in data.chunks(8192) {
///     encoder.encode_chunk(chunk, &mut body)?;
/// }
/// body.extend_from_slice(encoder.finish()?.as_bytes());
///
/// // The server, having verified the request's own signature (the seed):
/// let date = AmzDate::from_system_time(when).unwrap();
/// let key = SigningKey::derive("SECRET", date.date(), "us-east-1", "s3");
/// let chain = ChunkChain::new(key, date, "us-east-1", "s3", encoder.seed_signature());
/// let mut decoder = ChunkDecoder::signed(chain, None, 20_000, DecoderConfig::default());
/// let mut received = Vec::new();
/// for piece in body.chunks(1000) {
///     decoder.feed(piece, |verified| received.extend_from_slice(verified))?;
/// }
/// let summary = decoder.finish()?;
/// assert_eq!(summary.decoded_length, 20_000);
/// assert_eq!(received, data);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ChunkDecoder {
    mode: ChunkedMode,
    chain: Option<ChunkChain>,
    config: DecoderConfig,
    declared: u64,
    state: State,
    failed: Option<ChunkError>,
    /// Bytes of encoded body consumed.
    offset: u64,
    /// Data bytes handed out (or, in signed modes, accepted for the current chunk).
    decoded: u64,
    /// The current chunk's number, from 1.
    chunk: u64,
    /// The size of the previous data chunk, for the minimum-size rule.
    previous_size: Option<u64>,
    /// A header or trailer line being gathered.
    line: [u8; MAX_TRAILER_LINE],
    line_len: usize,
    /// Where the line being gathered starts.
    line_offset: u64,
    /// The current chunk's claimed signature.
    claimed: [u8; 32],
    /// SHA-256 of the current chunk's data so far.
    hasher: Sha256,
    /// The current chunk's data, held back until its signature is checked.
    held: Vec<u8>,
    checksum: Option<Checksum>,
    /// The checksum value the trailer declared.
    declared_checksum: Option<ChecksumValue>,
    /// SHA-256 of the canonical trailers, for the trailer signature.
    trailer_hasher: Sha256,
    trailer_signed: bool,
}

impl std::fmt::Debug for ChunkDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChunkDecoder")
            .field("mode", &self.mode)
            .field("state", &self.state)
            .field("offset", &self.offset)
            .field("decoded", &self.decoded)
            .field("chunk", &self.chunk)
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}

impl ChunkDecoder {
    /// A decoder for a signed body (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD`, or with `trailer`,
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER`) whose chunk signatures chain from `chain`,
    /// carrying `decoded_length` bytes (`x-amz-decoded-content-length`).
    #[must_use]
    pub fn signed(
        chain: ChunkChain,
        trailer: Option<ChecksumAlgorithm>,
        decoded_length: u64,
        config: DecoderConfig,
    ) -> Self {
        let mode = match trailer {
            None => ChunkedMode::Signed,
            Some(a) => ChunkedMode::SignedWithTrailer(a),
        };
        Self::new(mode, Some(chain), decoded_length, config)
    }

    /// A decoder for a `STREAMING-UNSIGNED-PAYLOAD-TRAILER` body whose trailing `checksum` is
    /// the one `x-amz-trailer` announced.
    #[must_use]
    pub fn unsigned(
        checksum: ChecksumAlgorithm,
        decoded_length: u64,
        config: DecoderConfig,
    ) -> Self {
        Self::new(
            ChunkedMode::UnsignedWithTrailer(checksum),
            None,
            decoded_length,
            config,
        )
    }

    fn new(
        mode: ChunkedMode,
        chain: Option<ChunkChain>,
        declared: u64,
        config: DecoderConfig,
    ) -> Self {
        ChunkDecoder {
            mode,
            chain,
            config,
            declared,
            state: State::Header,
            failed: None,
            offset: 0,
            decoded: 0,
            chunk: 1,
            previous_size: None,
            line: [0; MAX_TRAILER_LINE],
            line_len: 0,
            line_offset: 0,
            claimed: [0; 32],
            hasher: Sha256::new(),
            held: Vec::new(),
            checksum: mode.trailer().map(Checksum::new),
            declared_checksum: None,
            trailer_hasher: Sha256::new(),
            trailer_signed: false,
        }
    }

    /// The mode being decoded.
    #[must_use]
    pub fn mode(&self) -> ChunkedMode {
        self.mode
    }

    /// Data bytes decoded so far.
    #[must_use]
    pub fn decoded(&self) -> u64 {
        self.decoded
    }

    /// True once the whole body, trailers included, has been read and verified.
    #[must_use]
    pub fn is_done(&self) -> bool {
        self.state == State::Done && self.failed.is_none()
    }

    /// Decodes `input`, the next bytes of the body, calling `sink` with each run of decoded
    /// (in the signed modes, verified) data.
    ///
    /// # Errors
    /// Any [`ChunkError`] about the body; once one is returned, every later call returns it
    /// again.
    pub fn feed<F: FnMut(&[u8])>(&mut self, input: &[u8], mut sink: F) -> Result<(), ChunkError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        match self.run(input, &mut sink) {
            Ok(()) => Ok(()),
            Err(e) => {
                self.failed = Some(e.clone());
                self.held = Vec::new();
                Err(e)
            }
        }
    }

    /// Ends the body: checks that it was complete.
    ///
    /// # Errors
    /// The error of an earlier [`ChunkDecoder::feed`], or [`ChunkError::MissingFinalChunk`] or
    /// [`ChunkError::IncompleteTrailer`] when the body stopped early.
    pub fn finish(self) -> Result<DecodeSummary, ChunkError> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        match self.state {
            State::Done => Ok(DecodeSummary {
                decoded_length: self.decoded,
                encoded_length: self.offset,
                data_chunks: self.chunk.saturating_sub(1),
                checksum: self
                    .mode
                    .trailer()
                    .zip(self.declared_checksum)
                    .map(|(a, v)| {
                        let text = v.to_base64();
                        (a, String::from_utf8_lossy(text.as_bytes()).into_owned())
                    }),
            }),
            State::Trailers | State::Close { .. } => Err(ChunkError::IncompleteTrailer),
            _ => Err(ChunkError::MissingFinalChunk {
                decoded: self.decoded,
            }),
        }
    }

    fn run(&mut self, mut input: &[u8], sink: &mut dyn FnMut(&[u8])) -> Result<(), ChunkError> {
        while !input.is_empty() {
            let used = match self.state {
                State::Header => {
                    let (used, complete) = self.gather_line(input, MAX_HEADER)?;
                    if complete {
                        self.on_header()?;
                    }
                    used
                }
                State::Data { remaining } => self.on_data(input, remaining, sink)?,
                State::DataEnd { seen } => {
                    let (used, complete) =
                        self.expect_crlf(input, seen, |seen| State::DataEnd { seen })?;
                    if complete {
                        self.chunk += 1;
                        self.state = State::Header;
                    }
                    used
                }
                State::Trailers => {
                    let (used, complete) = self.gather_line(input, MAX_TRAILER_LINE)?;
                    if complete {
                        self.on_trailer_line()?;
                    }
                    used
                }
                State::Close { seen } => {
                    let (used, complete) =
                        self.expect_crlf(input, seen, |seen| State::Close { seen })?;
                    if complete {
                        self.state = State::Done;
                    }
                    used
                }
                State::Done => {
                    return Err(ChunkError::TrailingData {
                        offset: self.offset,
                    })
                }
            };
            self.offset += used as u64;
            input = input.get(used..).unwrap_or_default();
        }
        Ok(())
    }

    /// Gathers a line ending in LF into `line`; returns the bytes used and whether the line is
    /// complete. The line must end in CRLF and fit in `max` bytes.
    fn gather_line(&mut self, input: &[u8], max: usize) -> Result<(usize, bool), ChunkError> {
        if self.line_len == 0 {
            self.line_offset = self.offset;
        }
        let room = max.saturating_sub(self.line_len);
        let window = input.get(..room.min(input.len())).unwrap_or_default();
        let (used, complete) = match window.iter().position(|&b| b == b'\n') {
            Some(at) => (at + 1, true),
            None => (window.len(), false),
        };
        let piece = input.get(..used).unwrap_or_default();
        let error = self.line_error();
        let dst = self
            .line
            .get_mut(self.line_len..self.line_len + used)
            .ok_or(error)?;
        dst.copy_from_slice(piece);
        self.line_len += used;
        if !complete && self.line_len >= max {
            return Err(self.line_error());
        }
        if complete && !self.current_line().ends_with(b"\r\n") {
            return Err(self.line_error());
        }
        Ok((used, complete))
    }

    fn current_line(&self) -> &[u8] {
        self.line.get(..self.line_len).unwrap_or_default()
    }

    fn line_error(&self) -> ChunkError {
        match self.state {
            State::Trailers => ChunkError::MalformedTrailer {
                offset: self.line_offset,
            },
            _ => ChunkError::MalformedChunkHeader {
                chunk: self.chunk,
                offset: self.line_offset,
            },
        }
    }

    fn expect_crlf(
        &mut self,
        input: &[u8],
        seen: u8,
        state: impl Fn(u8) -> State,
    ) -> Result<(usize, bool), ChunkError> {
        let want = b"\r\n".get(usize::from(seen)..).unwrap_or_default();
        let n = want.len().min(input.len());
        if input.get(..n) != want.get(..n) {
            let offset = self.offset;
            return Err(match self.state {
                State::Close { .. } => ChunkError::TrailingData { offset },
                _ => ChunkError::MalformedChunkHeader {
                    chunk: self.chunk,
                    offset,
                },
            });
        }
        let seen = seen + n as u8;
        self.state = state(seen);
        Ok((n, seen == 2))
    }

    /// Parses a complete chunk header in `line`.
    fn on_header(&mut self) -> Result<(), ChunkError> {
        let malformed = ChunkError::MalformedChunkHeader {
            chunk: self.chunk,
            offset: self.line_offset,
        };
        let line = self.current_line();
        let body = line.get(..line.len().saturating_sub(2)).unwrap_or_default();
        let (size_text, signature) = if self.chain.is_some() {
            let at = body
                .iter()
                .position(|&b| b == b';')
                .ok_or(malformed.clone())?;
            let (size_text, extension) = body.split_at(at);
            let hex = extension
                .strip_prefix(SIGNATURE_EXTENSION)
                .ok_or(malformed.clone())?;
            (
                size_text,
                Some(decode_wire_signature(hex).ok_or(malformed.clone())?),
            )
        } else {
            (body, None)
        };
        let size = parse_hex_size(size_text).ok_or(malformed)?;
        self.line_len = 0;

        if size > self.config.max_chunk_size as u64 {
            return Err(ChunkError::ChunkTooLarge {
                chunk: self.chunk,
                size,
                limit: self.config.max_chunk_size,
            });
        }
        if size > 0 {
            if let Some(previous) = self.previous_size {
                if previous < self.config.min_chunk_size as u64 {
                    return Err(ChunkError::ChunkTooSmall {
                        chunk: self.chunk - 1,
                        size: previous,
                        minimum: self.config.min_chunk_size,
                    });
                }
            }
        }
        let total = self.decoded.saturating_add(size);
        if total > self.declared {
            return Err(ChunkError::TooMuchData {
                declared: self.declared,
                at_least: total,
            });
        }
        if let Some(claimed) = signature {
            self.claimed = claimed;
        }
        if size > 0 {
            self.previous_size = Some(size);
            self.state = State::Data { remaining: size };
            return Ok(());
        }

        // The final chunk.
        if self.decoded != self.declared {
            return Err(ChunkError::TooLittleData {
                declared: self.declared,
                actual: self.decoded,
            });
        }
        self.verify_chunk(&Sha256::digest(b"").into())?;
        self.state = match self.mode.trailer() {
            Some(_) => State::Trailers,
            None => State::Close { seen: 0 },
        };
        Ok(())
    }

    fn verify_chunk(&mut self, digest: &[u8; 32]) -> Result<(), ChunkError> {
        if let Some(chain) = &mut self.chain {
            let expected = chain.chunk_mac(digest);
            if !ChunkChain::matches(&expected, &self.claimed) {
                return Err(ChunkError::ChunkSignatureMismatch { chunk: self.chunk });
            }
            chain.advance(&expected);
        }
        Ok(())
    }

    /// Takes data bytes of the current chunk; returns how many were used.
    fn on_data(
        &mut self,
        input: &[u8],
        remaining: u64,
        sink: &mut dyn FnMut(&[u8]),
    ) -> Result<usize, ChunkError> {
        let n = usize::try_from(remaining)
            .unwrap_or(usize::MAX)
            .min(input.len());
        let piece = input.get(..n).unwrap_or_default();
        let left = remaining - n as u64;
        if self.chain.is_none() {
            // Unsigned: nothing to check until the trailing checksum.
            self.take_verified(piece, sink);
        } else if left == 0 && self.held.is_empty() {
            // The whole chunk is in this slice: check it in place, no copy.
            self.hasher.update(piece);
            let digest = self.hasher.finalize_reset().into();
            self.verify_chunk(&digest)?;
            self.take_verified(piece, sink);
        } else {
            self.hasher.update(piece);
            self.held.extend_from_slice(piece);
            if left == 0 {
                let digest = self.hasher.finalize_reset().into();
                self.verify_chunk(&digest)?;
                let held = std::mem::take(&mut self.held);
                self.take_verified(&held, sink);
                self.held = held;
                self.held.clear();
            }
        }
        self.state = if left == 0 {
            State::DataEnd { seen: 0 }
        } else {
            State::Data { remaining: left }
        };
        Ok(n)
    }

    fn take_verified(&mut self, data: &[u8], sink: &mut dyn FnMut(&[u8])) {
        if let Some(checksum) = &mut self.checksum {
            checksum.update(data);
        }
        self.decoded += data.len() as u64;
        sink(data);
    }

    /// Handles a complete trailer line in `line`.
    fn on_trailer_line(&mut self) -> Result<(), ChunkError> {
        let offset = self.line_offset;
        let line_len = self.line_len;
        self.line_len = 0;
        let line = self
            .line
            .get(..line_len.saturating_sub(2))
            .unwrap_or_default();
        let Some(algorithm) = self.mode.trailer() else {
            return Err(ChunkError::MalformedTrailer { offset });
        };
        let checksum_name = algorithm.header_name();

        if line.is_empty() {
            // The end of the trailers.
            let Some(declared) = self.declared_checksum else {
                return Err(ChunkError::MissingTrailer {
                    name: checksum_name,
                });
            };
            if self.chain.is_some() && !self.trailer_signed {
                return Err(ChunkError::MissingTrailer {
                    name: "x-amz-trailer-signature",
                });
            }
            let computed =
                self.checksum
                    .take()
                    .map(Checksum::finish)
                    .ok_or(ChunkError::MissingTrailer {
                        name: checksum_name,
                    })?;
            if computed != declared {
                return Err(ChunkError::ChecksumMismatch {
                    algorithm,
                    declared: base64_string(declared.to_base64()),
                    computed: base64_string(computed.to_base64()),
                });
            }
            self.state = State::Done;
            return Ok(());
        }

        let colon = line
            .iter()
            .position(|&b| b == b':')
            .ok_or(ChunkError::MalformedTrailer { offset })?;
        let (name, value) = line.split_at(colon);
        let value = trim(value.get(1..).unwrap_or_default());
        if name.is_empty() || !name.iter().all(|&b| is_token_byte(b)) {
            return Err(ChunkError::MalformedTrailer { offset });
        }
        if self.trailer_signed {
            // Nothing may follow the trailer signature: it would not be covered by it.
            return Err(ChunkError::UnexpectedTrailer {
                name: excerpt(name),
            });
        }

        if self.chain.is_some() && name.eq_ignore_ascii_case(TRAILER_SIGNATURE_NAME) {
            if self.declared_checksum.is_none() {
                return Err(ChunkError::MissingTrailer {
                    name: checksum_name,
                });
            }
            let claimed =
                decode_wire_signature(value).ok_or(ChunkError::MalformedTrailer { offset })?;
            let digest = std::mem::take(&mut self.trailer_hasher).finalize().into();
            if let Some(chain) = &mut self.chain {
                let expected = chain.trailer_mac(&digest);
                if !ChunkChain::matches(&expected, &claimed) {
                    return Err(ChunkError::TrailerSignatureMismatch);
                }
                chain.advance(&expected);
            }
            self.trailer_signed = true;
            return Ok(());
        }

        if !name.eq_ignore_ascii_case(checksum_name.as_bytes()) {
            return Err(ChunkError::UnexpectedTrailer {
                name: excerpt(name),
            });
        }
        if self.declared_checksum.is_some() {
            return Err(ChunkError::DuplicateTrailer {
                name: checksum_name,
            });
        }
        let mut digest = [0u8; 32];
        let len = base64_decode(value, &mut digest)
            .filter(|&n| n == algorithm.digest_len())
            .ok_or(ChunkError::InvalidChecksum { algorithm })?;
        self.declared_checksum = Some(ChecksumValue::from_slice(
            digest.get(..len).unwrap_or_default(),
        ));
        self.trailer_hasher.update(checksum_name.as_bytes());
        self.trailer_hasher.update(b":");
        self.trailer_hasher.update(value);
        self.trailer_hasher.update(b"\n");
        Ok(())
    }
}

fn base64_string(text: Base64Text) -> String {
    String::from_utf8_lossy(text.as_bytes()).into_owned()
}

fn trim(bytes: &[u8]) -> &[u8] {
    let is_space = |b: &u8| *b == b' ' || *b == b'\t';
    let start = bytes
        .iter()
        .position(|b| !is_space(b))
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !is_space(b))
        .map_or(start, |e| e + 1);
    bytes.get(start..end).unwrap_or_default()
}

/// An HTTP token character (RFC 9110 §5.6.2).
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// A chunk size: 1 to 16 hex digits of either case.
fn parse_hex_size(text: &[u8]) -> Option<u64> {
    if text.is_empty() || text.len() > 16 {
        return None;
    }
    text.iter().try_fold(0u64, |acc, &b| {
        let digit = char::from(b).to_digit(16)?;
        Some((acc << 4) | u64::from(digit))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_sizes_parse_strictly() {
        assert_eq!(parse_hex_size(b"10000"), Some(0x10000));
        assert_eq!(parse_hex_size(b"FfF"), Some(0xfff));
        assert_eq!(parse_hex_size(b"ffffffffffffffff"), Some(u64::MAX));
        for bad in [
            &b""[..],
            b"10000000000000000",
            b"+1",
            b"1 ",
            b" 1",
            b"0x1",
            b"g",
        ] {
            assert_eq!(parse_hex_size(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn trimming_drops_only_spaces_and_tabs() {
        assert_eq!(trim(b" \tab c\t "), b"ab c");
        assert_eq!(trim(b"   "), b"");
        assert_eq!(trim(b"x"), b"x");
    }
}
