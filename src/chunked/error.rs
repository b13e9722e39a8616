//! Why an aws-chunked body could not be encoded or was refused.

use std::fmt;

use http::StatusCode;

use super::ChecksumAlgorithm;
use crate::SigningError;

/// Why an aws-chunked body was refused. Each variant is one reason; [`ChunkError::code`] and
/// [`ChunkError::status`] give the S3 error code and HTTP status to answer with.
///
/// Offsets count bytes of the encoded body from its start; chunks are numbered from 1 (the
/// final, empty chunk included).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChunkError {
    /// A chunk header is not `<hex size>;chunk-signature=<64 hex>\r\n` (signed modes) or
    /// `<hex size>\r\n` (unsigned mode), or the CRLF after a chunk's data is missing.
    MalformedChunkHeader {
        /// The chunk whose framing is wrong.
        chunk: u64,
        /// Where the problem was found.
        offset: u64,
    },
    /// A chunk is larger than the decoder's [`DecoderConfig::max_chunk_size`](super::DecoderConfig).
    ChunkTooLarge {
        /// The chunk.
        chunk: u64,
        /// Its declared size.
        size: u64,
        /// The configured limit.
        limit: usize,
    },
    /// A chunk other than the last data chunk is smaller than the minimum (8 KiB for S3).
    ChunkTooSmall {
        /// The chunk.
        chunk: u64,
        /// Its size.
        size: u64,
        /// The configured minimum.
        minimum: usize,
    },
    /// A chunk's signature does not chain from the previous signature: the data, its order or
    /// the signature was changed.
    ChunkSignatureMismatch {
        /// The chunk.
        chunk: u64,
    },
    /// The chunks carry more data than `x-amz-decoded-content-length` declared.
    TooMuchData {
        /// The declared decoded length.
        declared: u64,
        /// The decoded length the chunks reached (at least).
        at_least: u64,
    },
    /// The final chunk came before `x-amz-decoded-content-length` bytes of data.
    TooLittleData {
        /// The declared decoded length.
        declared: u64,
        /// The data actually received.
        actual: u64,
    },
    /// The body ended before its final (zero-length) chunk.
    MissingFinalChunk {
        /// The data decoded before the body ended.
        decoded: u64,
    },
    /// The body ended inside the trailers or before the CRLF that closes it.
    IncompleteTrailer,
    /// Bytes follow the end of the aws-chunked body.
    TrailingData {
        /// Where the extra bytes start.
        offset: u64,
    },
    /// A trailer line is not `name:value\r\n`, or is too long.
    MalformedTrailer {
        /// Where the line starts.
        offset: u64,
    },
    /// A trailer other than the one `x-amz-trailer` announced, or a trailer after the trailer
    /// signature.
    UnexpectedTrailer {
        /// The trailer's name (lossily decoded, at most 64 characters).
        name: String,
    },
    /// A trailer was sent twice.
    DuplicateTrailer {
        /// Its name.
        name: &'static str,
    },
    /// The trailers end without the announced checksum or without `x-amz-trailer-signature`.
    MissingTrailer {
        /// The missing trailer.
        name: &'static str,
    },
    /// `x-amz-trailer-signature` does not chain from the final chunk's signature.
    TrailerSignatureMismatch,
    /// The trailing checksum value is not the base64 of a digest of the right length.
    InvalidChecksum {
        /// Its algorithm.
        algorithm: ChecksumAlgorithm,
    },
    /// The trailing checksum does not match the data.
    ChecksumMismatch {
        /// Its algorithm.
        algorithm: ChecksumAlgorithm,
        /// The value the client sent (base64).
        declared: String,
        /// The value of the data received (base64).
        computed: String,
    },
    /// `x-amz-content-sha256` does not name an aws-chunked mode.
    NotStreaming {
        /// The value (lossily decoded, at most 64 characters).
        value: String,
    },
    /// A trailer mode without an `x-amz-trailer` header.
    MissingTrailerHeader,
    /// An `x-amz-trailer` header in a mode without trailers.
    UnexpectedTrailerHeader,
    /// `x-amz-trailer` names something other than one supported checksum.
    UnsupportedTrailer {
        /// The header value (lossily decoded, at most 64 characters).
        value: String,
    },
    /// `x-amz-decoded-content-length` is missing, repeated or not a whole number.
    InvalidDecodedLength,
    /// The access key of a verified request is no longer in the secret store, so its chunk
    /// signatures cannot be checked.
    KeyUnavailable,
}

impl ChunkError {
    /// The S3 error code for this refusal.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            ChunkError::ChunkSignatureMismatch { .. } | ChunkError::TrailerSignatureMismatch => {
                "SignatureDoesNotMatch"
            }
            ChunkError::ChunkTooLarge { .. } | ChunkError::ChunkTooSmall { .. } => {
                "InvalidChunkSizeError"
            }
            ChunkError::TooMuchData { .. }
            | ChunkError::TooLittleData { .. }
            | ChunkError::MissingFinalChunk { .. }
            | ChunkError::IncompleteTrailer => "IncompleteBody",
            ChunkError::MalformedTrailer { .. }
            | ChunkError::UnexpectedTrailer { .. }
            | ChunkError::DuplicateTrailer { .. }
            | ChunkError::MissingTrailer { .. } => "MalformedTrailerError",
            ChunkError::ChecksumMismatch { .. } => "BadDigest",
            ChunkError::MalformedChunkHeader { .. }
            | ChunkError::TrailingData { .. }
            | ChunkError::InvalidChecksum { .. }
            | ChunkError::NotStreaming { .. }
            | ChunkError::MissingTrailerHeader
            | ChunkError::UnexpectedTrailerHeader
            | ChunkError::UnsupportedTrailer { .. }
            | ChunkError::InvalidDecodedLength => "InvalidRequest",
            ChunkError::KeyUnavailable => "InvalidAccessKeyId",
        }
    }

    /// The HTTP status to answer with: 403 for a signature that does not match, 400 otherwise.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        match self {
            ChunkError::ChunkSignatureMismatch { .. }
            | ChunkError::TrailerSignatureMismatch
            | ChunkError::KeyUnavailable => StatusCode::FORBIDDEN,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

/// Text from the wire for an error message: lossy UTF-8, cut to 64 characters.
pub(crate) fn excerpt(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).chars().take(64).collect()
}

impl fmt::Display for ChunkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChunkError::MalformedChunkHeader { chunk, offset } => write!(
                f,
                "chunk {chunk}: malformed aws-chunked framing at byte {offset}"
            ),
            ChunkError::ChunkTooLarge { chunk, size, limit } => write!(
                f,
                "chunk {chunk} declares {size} bytes, more than the limit of {limit}"
            ),
            ChunkError::ChunkTooSmall {
                chunk,
                size,
                minimum,
            } => write!(
                f,
                "chunk {chunk} has {size} bytes; only the last chunk may be smaller than {minimum}"
            ),
            ChunkError::ChunkSignatureMismatch { chunk } => write!(
                f,
                "chunk {chunk}: the chunk signature does not match the data and the previous signature"
            ),
            ChunkError::TooMuchData { declared, at_least } => write!(
                f,
                "chunks carry at least {at_least} bytes, but x-amz-decoded-content-length is {declared}"
            ),
            ChunkError::TooLittleData { declared, actual } => write!(
                f,
                "chunks carry {actual} bytes, but x-amz-decoded-content-length is {declared}"
            ),
            ChunkError::MissingFinalChunk { decoded } => write!(
                f,
                "body ended after {decoded} bytes of data, before its final zero-length chunk"
            ),
            ChunkError::IncompleteTrailer => {
                f.write_str("body ended inside its trailers, before the closing CRLF")
            }
            ChunkError::TrailingData { offset } => {
                write!(f, "bytes follow the end of the aws-chunked body at byte {offset}")
            }
            ChunkError::MalformedTrailer { offset } => {
                write!(f, "trailer line at byte {offset} is not `name:value` + CRLF")
            }
            ChunkError::UnexpectedTrailer { name } => write!(
                f,
                "trailer {name:?} was not announced by x-amz-trailer or follows the trailer signature"
            ),
            ChunkError::DuplicateTrailer { name } => write!(f, "trailer {name} was sent twice"),
            ChunkError::MissingTrailer { name } => write!(f, "trailer {name} is missing"),
            ChunkError::TrailerSignatureMismatch => f.write_str(
                "x-amz-trailer-signature does not match the trailers and the final chunk signature",
            ),
            ChunkError::InvalidChecksum { algorithm } => write!(
                f,
                "the {algorithm} trailer is not the base64 of a {}-byte digest",
                algorithm.digest_len()
            ),
            ChunkError::ChecksumMismatch {
                algorithm,
                declared,
                computed,
            } => write!(
                f,
                "the {algorithm} you specified ({declared}) did not match the calculated checksum ({computed})"
            ),
            ChunkError::InvalidDecodedLength => f.write_str(
                "x-amz-decoded-content-length must be given once, as a whole number of bytes",
            ),
            ChunkError::KeyUnavailable => f.write_str(
                "The AWS access key Id you provided does not exist in our records.",
            ),
            ChunkError::NotStreaming { value } => write!(
                f,
                "x-amz-content-sha256 {value:?} is not an aws-chunked streaming mode"
            ),
            ChunkError::MissingTrailerHeader => {
                f.write_str("a streaming mode with trailers needs an x-amz-trailer header")
            }
            ChunkError::UnexpectedTrailerHeader => {
                f.write_str("x-amz-trailer is set, but the streaming mode has no trailers")
            }
            ChunkError::UnsupportedTrailer { value } => write!(
                f,
                "x-amz-trailer {value:?} is not one of x-amz-checksum-crc32, -crc32c, -sha1, -sha256"
            ),
        }
    }
}

impl std::error::Error for ChunkError {}

/// Why a streaming request could not be signed or a chunk could not be encoded. Each variant
/// names what the caller must fix.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChunkEncodeError {
    /// Signing the request (the seed signature) failed.
    Signing(SigningError),
    /// The planned chunk size is zero, or under the 8 KiB minimum for a body that needs more
    /// than one chunk.
    InvalidChunkSize {
        /// The planned size.
        chunk_size: usize,
        /// The minimum.
        minimum: usize,
    },
    /// The encoded length does not fit in a `u64`.
    EncodedLengthOverflow,
    /// A data chunk was empty; only the final chunk (written by `finish`) is empty.
    EmptyChunk,
    /// A chunk other than the last is smaller than the 8 KiB minimum.
    ChunkTooSmall {
        /// Its length.
        len: usize,
        /// The minimum.
        minimum: usize,
    },
    /// With a planned chunk size (and so a precomputed `Content-Length`), every chunk but the
    /// last must have exactly that size, and the last no more.
    ChunkSizeMismatch {
        /// The planned size.
        expected: usize,
        /// The chunk's length.
        actual: usize,
    },
    /// The chunks would carry more than the declared decoded length.
    LengthExceeded {
        /// The declared decoded length.
        declared: u64,
        /// The length the chunk would bring the body to.
        attempted: u64,
    },
    /// `finish` was called before the declared decoded length was sent.
    LengthShort {
        /// The declared decoded length.
        declared: u64,
        /// What was sent.
        sent: u64,
    },
    /// The encoder has already written the final chunk.
    AlreadyFinished,
}

impl fmt::Display for ChunkEncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChunkEncodeError::Signing(e) => write!(f, "signing the streaming request: {e}"),
            ChunkEncodeError::InvalidChunkSize {
                chunk_size,
                minimum,
            } => write!(
                f,
                "chunk size {chunk_size} is invalid: it must be at least {minimum} unless the body fits in one chunk"
            ),
            ChunkEncodeError::EncodedLengthOverflow => {
                f.write_str("the encoded body length does not fit in 64 bits")
            }
            ChunkEncodeError::EmptyChunk => {
                f.write_str("data chunks must not be empty; call finish() to end the body")
            }
            ChunkEncodeError::ChunkTooSmall { len, minimum } => write!(
                f,
                "chunk of {len} bytes is not the last, and only the last may be under {minimum} bytes"
            ),
            ChunkEncodeError::ChunkSizeMismatch { expected, actual } => write!(
                f,
                "chunk of {actual} bytes breaks the planned chunk size of {expected} that Content-Length was computed for"
            ),
            ChunkEncodeError::LengthExceeded {
                declared,
                attempted,
            } => write!(
                f,
                "chunk would bring the body to {attempted} bytes, past the declared {declared}"
            ),
            ChunkEncodeError::LengthShort { declared, sent } => write!(
                f,
                "finish() after {sent} bytes, but the request declared {declared}"
            ),
            ChunkEncodeError::AlreadyFinished => {
                f.write_str("the final chunk has already been written")
            }
        }
    }
}

impl std::error::Error for ChunkEncodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ChunkEncodeError::Signing(e) => Some(e),
            _ => None,
        }
    }
}

impl From<SigningError> for ChunkEncodeError {
    fn from(e: SigningError) -> Self {
        ChunkEncodeError::Signing(e)
    }
}
