//! aws-chunked bodies: streamed uploads whose chunks carry chained signatures
//! (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD`, optionally with signed trailers) or an unsigned
//! trailing checksum (`STREAMING-UNSIGNED-PAYLOAD-TRAILER`).
//!
//! The wire format, per chunk: `<hex size>;chunk-signature=<64 hex>\r\n<data>\r\n`, then a
//! final chunk of size 0. Without trailers the body ends with `\r\n`; with trailers the final
//! chunk header is followed directly by the trailer lines (`name:value\r\n`), the trailer
//! signature line in signed mode, and `\r\n`. The unsigned mode drops the `;chunk-signature=`
//! extension and the trailer signature.
//!
//! Each chunk signature is the HMAC, under the request's signing key, of
//! `AWS4-HMAC-SHA256-PAYLOAD\n<X-Amz-Date>\n<scope>\n<previous signature>\n<SHA-256 of "">\n<SHA-256 of the chunk>`
//! starting from the seed (the request's own) signature. The trailer signature is the HMAC of
//! `AWS4-HMAC-SHA256-TRAILER\n<X-Amz-Date>\n<scope>\n<final chunk signature>\n<SHA-256 of the canonical trailers>`.
//!
//! - Signing side: [`sign_streaming_at`] signs the request and returns a [`ChunkEncoder`].
//! - Verifying side: [`ChunkDecoder`] takes the bytes as they arrive and hands out data only
//!   after its chunk signature has been checked.

mod checksum;
mod decoder;
mod encoder;
mod error;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

pub use checksum::ChecksumAlgorithm;
pub use decoder::{ChunkDecoder, DecodeSummary, DecoderConfig};
pub use encoder::{sign_streaming_at, ChunkEncoder, ChunkHeader, ChunkTail, StreamingPlan};
pub use error::{ChunkEncodeError, ChunkError};

use crate::canonical::encode::hex_value;
use crate::canonical::hex_lower;
use crate::payload::{
    STREAMING_PAYLOAD, STREAMING_PAYLOAD_TRAILER, STREAMING_UNSIGNED_PAYLOAD_TRAILER,
};
use crate::signing_key::SigningKey;
use crate::string_to_sign::{write_chunk_string_to_sign, write_trailer_string_to_sign, Scope};
use crate::{AmzDate, Signature};

/// The smallest chunk S3 accepts other than the last one (`InvalidChunkSizeError` below it).
pub const MIN_CHUNK_SIZE: usize = 8192;

/// The CRLF that ends every chunk's data: after [`ChunkEncoder::chunk_header`] the caller sends
/// the header, the data, then this.
pub const CHUNK_DATA_END: &[u8] = b"\r\n";

const SIGNATURE_EXTENSION: &[u8] = b";chunk-signature=";
const TRAILER_SIGNATURE_NAME: &[u8] = b"x-amz-trailer-signature";

/// How an aws-chunked body is framed and authenticated: the `x-amz-content-sha256` value, and
/// the trailing checksum that `x-amz-trailer` announces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ChunkedMode {
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD`: signed chunks, no trailers.
    Signed,
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER`: signed chunks, then a checksum trailer and
    /// `x-amz-trailer-signature`.
    SignedWithTrailer(ChecksumAlgorithm),
    /// `STREAMING-UNSIGNED-PAYLOAD-TRAILER`: unsigned chunks; the checksum trailer is the only
    /// integrity check of the body.
    UnsignedWithTrailer(ChecksumAlgorithm),
}

impl ChunkedMode {
    /// The `x-amz-content-sha256` value (and the payload line of the canonical request).
    #[must_use]
    pub fn payload_value(self) -> &'static str {
        match self {
            ChunkedMode::Signed => STREAMING_PAYLOAD,
            ChunkedMode::SignedWithTrailer(_) => STREAMING_PAYLOAD_TRAILER,
            ChunkedMode::UnsignedWithTrailer(_) => STREAMING_UNSIGNED_PAYLOAD_TRAILER,
        }
    }

    /// The trailing checksum, if the mode has one.
    #[must_use]
    pub fn trailer(self) -> Option<ChecksumAlgorithm> {
        match self {
            ChunkedMode::Signed => None,
            ChunkedMode::SignedWithTrailer(a) | ChunkedMode::UnsignedWithTrailer(a) => Some(a),
        }
    }

    /// True when chunks (and trailers) carry signatures.
    #[must_use]
    pub fn is_signed(self) -> bool {
        !matches!(self, ChunkedMode::UnsignedWithTrailer(_))
    }

    /// The mode a request declares, from its (signed) `x-amz-content-sha256` and
    /// `x-amz-trailer` header values.
    ///
    /// Strict: a trailer mode needs exactly one supported checksum in `x-amz-trailer`, and the
    /// plain signed mode must not announce one. In the unsigned mode nothing but this header
    /// names the checksum, so a verifier that accepted any trailer name would let a client
    /// switch the check off by renaming the line.
    ///
    /// # Errors
    /// [`ChunkError::NotStreaming`], [`ChunkError::MissingTrailerHeader`],
    /// [`ChunkError::UnexpectedTrailerHeader`] or [`ChunkError::UnsupportedTrailer`].
    ///
    /// ```
    /// use sigv4x::{ChecksumAlgorithm, ChunkedMode};
    /// let mode = ChunkedMode::from_headers(
    ///     "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
    ///     Some("x-amz-checksum-crc32"),
    /// )?;
    /// assert_eq!(mode, ChunkedMode::UnsignedWithTrailer(ChecksumAlgorithm::Crc32));
    /// # Ok::<(), sigv4x::ChunkError>(())
    /// ```
    pub fn from_headers(content_sha256: &str, trailer: Option<&str>) -> Result<Self, ChunkError> {
        let algorithm = match trailer {
            None => None,
            Some(value) => Some(
                ChecksumAlgorithm::from_header_name(value.trim()).ok_or_else(|| {
                    ChunkError::UnsupportedTrailer {
                        value: error::excerpt(value.as_bytes()),
                    }
                })?,
            ),
        };
        match (content_sha256, algorithm) {
            (STREAMING_PAYLOAD, None) => Ok(ChunkedMode::Signed),
            (STREAMING_PAYLOAD, Some(_)) => Err(ChunkError::UnexpectedTrailerHeader),
            (STREAMING_PAYLOAD_TRAILER, Some(a)) => Ok(ChunkedMode::SignedWithTrailer(a)),
            (STREAMING_UNSIGNED_PAYLOAD_TRAILER, Some(a)) => {
                Ok(ChunkedMode::UnsignedWithTrailer(a))
            }
            (STREAMING_PAYLOAD_TRAILER | STREAMING_UNSIGNED_PAYLOAD_TRAILER, None) => {
                Err(ChunkError::MissingTrailerHeader)
            }
            (other, _) => Err(ChunkError::NotStreaming {
                value: error::excerpt(other.as_bytes()),
            }),
        }
    }
}

/// Number of hex digits in `n` (at least one).
fn hex_digits(n: u64) -> u64 {
    let bits = 64 - u64::from(n.leading_zeros());
    bits.div_ceil(4).max(1)
}

/// The size on the wire of a chunk carrying `len` bytes (the final chunk when `len` is 0, not
/// counting what follows it).
fn chunk_overhead(signed: bool, len: u64) -> u64 {
    let signature = if signed {
        (SIGNATURE_EXTENSION.len() + 64) as u64
    } else {
        0
    };
    let data_end = if len == 0 { 0 } else { 2 };
    hex_digits(len) + signature + 2 + data_end
}

/// The bytes after the final chunk header: `\r\n`, or the trailer lines and the closing CRLF.
fn tail_len(mode: ChunkedMode) -> u64 {
    match mode.trailer() {
        None => 2,
        Some(a) => {
            let checksum = a.header_name().len() + 1 + a.encoded_len() + 2;
            let signature = if mode.is_signed() {
                TRAILER_SIGNATURE_NAME.len() + 1 + 64 + 2
            } else {
                0
            };
            (checksum + signature + 2) as u64
        }
    }
}

/// The `Content-Length` of an aws-chunked body carrying `decoded_length` bytes in chunks of
/// `chunk_size` (the last one shorter), with the final chunk and trailers of `mode`. `None` if
/// `chunk_size` is 0 or the length does not fit in a `u64`.
///
/// ```
/// use sigv4x::{encoded_length, ChunkedMode};
/// // The S3 documentation's example: 66 560 bytes in 64 KiB chunks.
/// assert_eq!(encoded_length(ChunkedMode::Signed, 66_560, 65_536), Some(66_824));
/// ```
#[must_use]
pub fn encoded_length(mode: ChunkedMode, decoded_length: u64, chunk_size: u64) -> Option<u64> {
    if chunk_size == 0 {
        return None;
    }
    let signed = mode.is_signed();
    let full = decoded_length / chunk_size;
    let rest = decoded_length % chunk_size;
    let mut total = full.checked_mul(chunk_overhead(signed, chunk_size))?;
    if rest > 0 {
        total = total.checked_add(chunk_overhead(signed, rest))?;
    }
    total
        .checked_add(decoded_length)?
        .checked_add(chunk_overhead(signed, 0))?
        .checked_add(tail_len(mode))
}

/// Reads a signature written as 64 hex digits (either case), as found in an `Authorization`
/// header or a `chunk-signature=` extension. `None` for anything else.
#[must_use]
pub fn signature_from_hex(hex: &[u8]) -> Option<Signature> {
    decode_signature(hex).map(|mac| Signature::from_mac(&mac))
}

fn decode_signature(text: &[u8]) -> Option<[u8; 32]> {
    let mut mac = [0u8; 32];
    if text.len() != 64 {
        return None;
    }
    for (byte, pair) in mac.iter_mut().zip(text.chunks_exact(2)) {
        let (Some(hi), Some(lo)) = (hex_value(pair[0]), hex_value(pair[1])) else {
            return None;
        };
        *byte = (hi << 4) | lo;
    }
    Some(mac)
}

/// A signature as it must appear on the wire: 64 lower-case hex digits, the only form SigV4
/// writes. Accepting upper case would give each chunk signature many spellings.
pub(crate) fn decode_wire_signature(text: &[u8]) -> Option<[u8; 32]> {
    if !text.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    decode_signature(text)
}

/// The chain of chunk signatures: the signing key and scope of the request, and the signature
/// that the next chunk (or trailer) is chained from, starting with the seed signature.
///
/// Encoders and decoders use it internally; it is public for callers who frame chunks
/// themselves.
///
/// ```
/// use sigv4x::primitives::{signature_from_hex, ChunkChain, SigningKey};
/// use sigv4x::AmzDate;
/// // The S3 documentation's chunked upload example.
/// let key = SigningKey::derive("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "20130524", "us-east-1", "s3");
/// let date = AmzDate::parse(b"20130524T000000Z").unwrap();
/// let seed = signature_from_hex(b"4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9").unwrap();
/// let mut chain = ChunkChain::new(key, date, "us-east-1", "s3", seed);
/// assert_eq!(
///     chain.sign_chunk(&[b'a'; 65_536]).as_str(),
///     "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"
/// );
/// ```
#[derive(Clone)]
pub struct ChunkChain {
    key: SigningKey,
    date: AmzDate,
    region: Box<str>,
    service: Box<str>,
    previous: Signature,
}

impl std::fmt::Debug for ChunkChain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChunkChain")
            .field("date", &self.date)
            .field("region", &self.region)
            .field("service", &self.service)
            .field("previous", &self.previous)
            .finish_non_exhaustive()
    }
}

impl ChunkChain {
    /// A chain for a request signed at `date` for `region` and `service` with `key`, whose own
    /// (seed) signature is `seed`.
    #[must_use]
    pub fn new(
        key: SigningKey,
        date: AmzDate,
        region: &str,
        service: &str,
        seed: Signature,
    ) -> Self {
        ChunkChain {
            key,
            date,
            region: region.into(),
            service: service.into(),
            previous: seed,
        }
    }

    /// The signature the next chunk or trailer chains from.
    #[must_use]
    pub fn previous(&self) -> Signature {
        self.previous
    }

    /// The signature of the next chunk, whose data is `data`; the chain moves past it.
    pub fn sign_chunk(&mut self, data: &[u8]) -> Signature {
        self.sign_chunk_digest(&Sha256::digest(data).into())
    }

    /// As [`ChunkChain::sign_chunk`], from the chunk's SHA-256.
    pub fn sign_chunk_digest(&mut self, sha256: &[u8; 32]) -> Signature {
        let mac = self.chunk_mac(sha256);
        self.advance(&mac)
    }

    /// The signature of the trailers, each `(name, value)` canonicalized as
    /// `lowercase(name):trim(value)\n` and sorted by name; the chain moves past it.
    pub fn sign_trailers(&mut self, trailers: &[(&str, &str)]) -> Signature {
        let mut sorted: Vec<(String, &str)> = trailers
            .iter()
            .map(|(n, v)| (n.to_ascii_lowercase(), v.trim_matches([' ', '\t'])))
            .collect();
        sorted.sort();
        let mut hasher = Sha256::new();
        for (name, value) in &sorted {
            hasher.update(name.as_bytes());
            hasher.update(b":");
            hasher.update(value.as_bytes());
            hasher.update(b"\n");
        }
        let mac = self.trailer_mac(&hasher.finalize().into());
        self.advance(&mac)
    }

    pub(crate) fn chunk_mac(&self, sha256: &[u8; 32]) -> [u8; 32] {
        let (previous, hash) = (self.previous.as_bytes(), &hex_lower(sha256));
        self.key.sign_sink(|h| {
            write_chunk_string_to_sign(h, self.date.as_bytes(), &self.scope(), previous, hash)
        })
    }

    pub(crate) fn trailer_mac(&self, sha256: &[u8; 32]) -> [u8; 32] {
        let (previous, hash) = (self.previous.as_bytes(), &hex_lower(sha256));
        self.key.sign_sink(|h| {
            write_trailer_string_to_sign(h, self.date.as_bytes(), &self.scope(), previous, hash)
        })
    }

    fn scope(&self) -> Scope<'_> {
        Scope::of(&self.date, &self.region, &self.service)
    }

    /// Moves the chain past a chunk or trailer whose MAC is `mac`.
    pub(crate) fn advance(&mut self, mac: &[u8; 32]) -> Signature {
        self.previous = Signature::from_mac(mac);
        self.previous
    }

    /// Checks a received signature against an expected MAC in constant time.
    pub(crate) fn matches(expected: &[u8; 32], received: &[u8; 32]) -> bool {
        bool::from(expected.ct_eq(received))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_digit_counts() {
        assert_eq!(hex_digits(0), 1);
        assert_eq!(hex_digits(0xf), 1);
        assert_eq!(hex_digits(0x10), 2);
        assert_eq!(hex_digits(0x10000), 5);
        assert_eq!(hex_digits(u64::MAX), 16);
    }

    #[test]
    fn encoded_lengths_of_each_mode() {
        // Signed, one 3-byte chunk: "3;chunk-signature=<64>\r\nabc\r\n" (89) +
        // "0;chunk-signature=<64>\r\n" (84) + "\r\n".
        assert_eq!(
            encoded_length(ChunkedMode::Signed, 3, 8192),
            Some(89 + 84 + 2)
        );
        // Unsigned with CRC32: "3\r\nabc\r\n" + "0\r\n" + "x-amz-checksum-crc32:NSRBwg==\r\n" + "\r\n".
        assert_eq!(
            encoded_length(
                ChunkedMode::UnsignedWithTrailer(ChecksumAlgorithm::Crc32),
                3,
                8192
            ),
            Some(8 + 3 + 31 + 2)
        );
        assert_eq!(encoded_length(ChunkedMode::Signed, 0, 8192), Some(86));
        assert_eq!(encoded_length(ChunkedMode::Signed, 1, 0), None);
        assert_eq!(encoded_length(ChunkedMode::Signed, u64::MAX, 1), None);
    }

    #[test]
    fn modes_from_headers_are_strict() {
        use ChecksumAlgorithm::*;
        assert_eq!(
            ChunkedMode::from_headers(STREAMING_PAYLOAD, None),
            Ok(ChunkedMode::Signed)
        );
        assert_eq!(
            ChunkedMode::from_headers(STREAMING_PAYLOAD_TRAILER, Some("x-amz-checksum-sha256")),
            Ok(ChunkedMode::SignedWithTrailer(Sha256))
        );
        assert_eq!(
            ChunkedMode::from_headers(STREAMING_PAYLOAD, Some("x-amz-checksum-crc32")),
            Err(ChunkError::UnexpectedTrailerHeader)
        );
        assert_eq!(
            ChunkedMode::from_headers(STREAMING_UNSIGNED_PAYLOAD_TRAILER, None),
            Err(ChunkError::MissingTrailerHeader)
        );
        assert!(matches!(
            ChunkedMode::from_headers(STREAMING_PAYLOAD_TRAILER, Some("x-amz-meta-a")),
            Err(ChunkError::UnsupportedTrailer { .. })
        ));
        assert!(matches!(
            ChunkedMode::from_headers("UNSIGNED-PAYLOAD", None),
            Err(ChunkError::NotStreaming { .. })
        ));
        for mode in [
            ChunkedMode::Signed,
            ChunkedMode::SignedWithTrailer(Crc32c),
            ChunkedMode::UnsignedWithTrailer(Sha1),
        ] {
            assert_eq!(
                ChunkedMode::from_headers(
                    mode.payload_value(),
                    mode.trailer().map(ChecksumAlgorithm::header_name)
                ),
                Ok(mode)
            );
        }
    }

    #[test]
    fn signatures_parse_from_hex_only() {
        let hex = b"4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
        assert_eq!(
            signature_from_hex(hex).unwrap().as_bytes(),
            hex,
            "round trip"
        );
        let upper = hex.to_ascii_uppercase();
        assert_eq!(
            signature_from_hex(&upper).unwrap().as_bytes(),
            hex,
            "upper case is read and written back in lower case"
        );
        assert!(signature_from_hex(&hex[..63]).is_none());
        let mut bad = *hex;
        bad[10] = b'g';
        assert!(signature_from_hex(&bad).is_none());
    }
}
