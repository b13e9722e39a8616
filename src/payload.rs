//! The payload line of the canonical request, and what `x-amz-content-sha256` declares.

use sha2::{Digest, Sha256};

use crate::canonical::hex_lower;

/// `x-amz-content-sha256` for a body the signature does not cover.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
/// `x-amz-content-sha256` for an aws-chunked body with chained chunk signatures.
pub const STREAMING_PAYLOAD: &str = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
/// As [`STREAMING_PAYLOAD`], with signed trailers after the final chunk.
pub const STREAMING_PAYLOAD_TRAILER: &str = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
/// An aws-chunked body without chunk signatures whose trailing checksum is checked.
pub const STREAMING_UNSIGNED_PAYLOAD_TRAILER: &str = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
/// The SHA-256 of the empty string, in lower-case hex.
pub const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// What the signature says about the request body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Payload<'a> {
    /// No body (the hash of the empty string).
    Empty,
    /// The whole body; it is hashed.
    Bytes(&'a [u8]),
    /// The SHA-256 of the body, computed by the caller (for example while streaming it to disk).
    Sha256([u8; 32]),
    /// `UNSIGNED-PAYLOAD`: the body is not covered by the signature (S3 presigned URLs, or
    /// services that allow it over TLS).
    Unsigned,
    /// A literal payload value exactly as it is sent in `x-amz-content-sha256`: a lower-case hex
    /// digest or one of the `STREAMING-…` modes. It must be 1 to 128 visible ASCII characters.
    Precomputed(&'a str),
}

/// The payload line as bytes, held without allocation.
#[derive(Clone, Copy)]
pub(crate) enum PayloadHash<'a> {
    Hex([u8; 64]),
    Literal(&'a str),
}

impl PayloadHash<'_> {
    pub(crate) fn as_bytes(&self) -> &[u8] {
        match self {
            PayloadHash::Hex(hex) => hex,
            PayloadHash::Literal(s) => s.as_bytes(),
        }
    }

    pub(crate) fn as_str(&self) -> &str {
        crate::canonical::own_text(self.as_bytes())
    }
}

impl<'a> Payload<'a> {
    /// The payload line, or `None` if a [`Payload::Precomputed`] value could not be sent in a
    /// header (empty, too long, or with whitespace or control characters).
    pub(crate) fn hash(&self) -> Option<PayloadHash<'a>> {
        Some(match *self {
            Payload::Empty => PayloadHash::Literal(EMPTY_SHA256),
            Payload::Bytes(body) => PayloadHash::Hex(hex_lower(&Sha256::digest(body).into())),
            Payload::Sha256(digest) => PayloadHash::Hex(hex_lower(&digest)),
            Payload::Unsigned => PayloadHash::Literal(UNSIGNED_PAYLOAD),
            Payload::Precomputed(value) => {
                let ok =
                    (1..=128).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_graphic());
                if !ok {
                    return None;
                }
                PayloadHash::Literal(value)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_lines() {
        assert_eq!(Payload::Empty.hash().unwrap().as_str(), EMPTY_SHA256);
        assert_eq!(Payload::Bytes(b"").hash().unwrap().as_str(), EMPTY_SHA256);
        assert_eq!(
            Payload::Bytes(b"Param1=value1").hash().unwrap().as_str(),
            "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e"
        );
        assert_eq!(
            Payload::Sha256(Sha256::digest(b"").into())
                .hash()
                .unwrap()
                .as_str(),
            EMPTY_SHA256
        );
        assert_eq!(Payload::Unsigned.hash().unwrap().as_str(), UNSIGNED_PAYLOAD);
        assert_eq!(
            Payload::Precomputed(STREAMING_PAYLOAD)
                .hash()
                .unwrap()
                .as_str(),
            STREAMING_PAYLOAD
        );
        assert!(Payload::Precomputed("").hash().is_none());
        assert!(Payload::Precomputed("a b").hash().is_none());
        assert!(Payload::Precomputed("a\nb").hash().is_none());
    }
}
