//! Trailing checksums (`x-amz-checksum-crc32`, `-crc32c`, `-sha1`, `-sha256`) and the base64
//! their values are sent in.
//!
//! S3 sends each checksum as the standard base64 (RFC 4648 §4, with padding) of the big-endian
//! digest: four bytes for the CRCs, twenty for SHA-1, thirty-two for SHA-256.

use std::fmt;

use sha1::Sha1;
use sha2::{Digest, Sha256};

/// A checksum algorithm that can travel as an aws-chunked trailer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ChecksumAlgorithm {
    /// CRC-32 (ISO-HDLC, the zlib polynomial): `x-amz-checksum-crc32`.
    Crc32,
    /// CRC-32C (Castagnoli): `x-amz-checksum-crc32c`.
    Crc32c,
    /// SHA-1: `x-amz-checksum-sha1`.
    Sha1,
    /// SHA-256: `x-amz-checksum-sha256`.
    Sha256,
}

impl ChecksumAlgorithm {
    /// Every algorithm, in the order of this enum.
    pub const ALL: [ChecksumAlgorithm; 4] = [
        ChecksumAlgorithm::Crc32,
        ChecksumAlgorithm::Crc32c,
        ChecksumAlgorithm::Sha1,
        ChecksumAlgorithm::Sha256,
    ];

    /// The trailer (and header) name, lower case: `x-amz-checksum-crc32` and so on. This is also
    /// the value of the `x-amz-trailer` request header that announces it.
    #[must_use]
    pub fn header_name(self) -> &'static str {
        match self {
            ChecksumAlgorithm::Crc32 => "x-amz-checksum-crc32",
            ChecksumAlgorithm::Crc32c => "x-amz-checksum-crc32c",
            ChecksumAlgorithm::Sha1 => "x-amz-checksum-sha1",
            ChecksumAlgorithm::Sha256 => "x-amz-checksum-sha256",
        }
    }

    /// The algorithm a trailer name announces, compared without regard to ASCII case.
    #[must_use]
    pub fn from_header_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|a| a.header_name().eq_ignore_ascii_case(name))
    }

    /// The digest length in bytes.
    #[must_use]
    pub fn digest_len(self) -> usize {
        match self {
            ChecksumAlgorithm::Crc32 | ChecksumAlgorithm::Crc32c => 4,
            ChecksumAlgorithm::Sha1 => 20,
            ChecksumAlgorithm::Sha256 => 32,
        }
    }

    /// The length of the base64 value on the wire.
    #[must_use]
    pub fn encoded_len(self) -> usize {
        base64_len(self.digest_len())
    }
}

impl fmt::Display for ChecksumAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ChecksumAlgorithm::Crc32 => "CRC32",
            ChecksumAlgorithm::Crc32c => "CRC32C",
            ChecksumAlgorithm::Sha1 => "SHA1",
            ChecksumAlgorithm::Sha256 => "SHA256",
        })
    }
}

/// A running checksum of the decoded payload.
#[derive(Clone)]
pub(crate) enum Checksum {
    Crc32(crc32fast::Hasher),
    Crc32c(u32),
    Sha1(Sha1),
    Sha256(Sha256),
}

/// A finished checksum: the digest bytes, at most 32 of them.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct ChecksumValue {
    bytes: [u8; 32],
    len: usize,
}

impl ChecksumValue {
    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }

    pub(crate) fn from_slice(digest: &[u8]) -> Self {
        let mut bytes = [0u8; 32];
        let len = digest.len().min(32);
        bytes
            .iter_mut()
            .zip(digest)
            .for_each(|(slot, byte)| *slot = *byte);
        ChecksumValue { bytes, len }
    }

    /// The base64 text, as sent in the trailer.
    pub(crate) fn to_base64(self) -> Base64Text {
        Base64Text::encode(self.as_bytes())
    }
}

impl Checksum {
    pub(crate) fn new(algorithm: ChecksumAlgorithm) -> Self {
        match algorithm {
            ChecksumAlgorithm::Crc32 => Checksum::Crc32(crc32fast::Hasher::new()),
            ChecksumAlgorithm::Crc32c => Checksum::Crc32c(0),
            ChecksumAlgorithm::Sha1 => Checksum::Sha1(Sha1::new()),
            ChecksumAlgorithm::Sha256 => Checksum::Sha256(Sha256::new()),
        }
    }

    pub(crate) fn update(&mut self, data: &[u8]) {
        match self {
            Checksum::Crc32(h) => h.update(data),
            Checksum::Crc32c(crc) => *crc = crc32c::crc32c_append(*crc, data),
            Checksum::Sha1(h) => h.update(data),
            Checksum::Sha256(h) => h.update(data),
        }
    }

    pub(crate) fn finish(self) -> ChecksumValue {
        match self {
            Checksum::Crc32(h) => ChecksumValue::from_slice(&h.finalize().to_be_bytes()),
            Checksum::Crc32c(crc) => ChecksumValue::from_slice(&crc.to_be_bytes()),
            Checksum::Sha1(h) => ChecksumValue::from_slice(&h.finalize()),
            Checksum::Sha256(h) => ChecksumValue::from_slice(&h.finalize()),
        }
    }
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// The padded base64 length of `n` bytes.
pub(crate) const fn base64_len(n: usize) -> usize {
    n.div_ceil(3) * 4
}

/// Base64 text of at most 32 bytes (44 characters), on the stack.
#[derive(Clone, Copy)]
pub(crate) struct Base64Text {
    text: [u8; 44],
    len: usize,
}

impl Base64Text {
    /// Standard base64 with padding. Input beyond 33 bytes is ignored (never happens: digests
    /// are at most 32 bytes).
    pub(crate) fn encode(bytes: &[u8]) -> Self {
        let mut text = [b'='; 44];
        let mut len = 0;
        for (group, out) in bytes.chunks(3).zip(text.chunks_exact_mut(4)) {
            let b = |i: usize| u32::from(group.get(i).copied().unwrap_or(0));
            let n = (b(0) << 16) | (b(1) << 8) | b(2);
            let sextet = |shift: u32| ALPHABET[((n >> shift) & 0x3f) as usize];
            let emitted = group.len() + 1;
            for (k, slot) in out.iter_mut().enumerate().take(emitted) {
                *slot = sextet(18 - 6 * k as u32);
            }
            len += 4;
        }
        Base64Text { text, len }
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.text.get(..self.len).unwrap_or_default()
    }
}

fn sextet_of(c: u8) -> Option<u32> {
    Some(u32::from(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    }))
}

/// Strict standard base64 with padding into `out`; returns how many bytes were written, or
/// `None` for anything but the one canonical encoding of a byte string that fits `out`
/// (wrong length, foreign characters, misplaced `=`, non-zero bits in the padding).
pub(crate) fn base64_decode(text: &[u8], out: &mut [u8]) -> Option<usize> {
    if !text.len().is_multiple_of(4) {
        return None;
    }
    let mut written = 0;
    let groups = text.len() / 4;
    for (index, group) in text.chunks_exact(4).enumerate() {
        let last = index + 1 == groups;
        let pad = group.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && !last) {
            return None;
        }
        let mut n = 0u32;
        for &c in group.get(..4 - pad)? {
            n = (n << 6) | sextet_of(c)?;
        }
        n <<= 6 * pad as u32;
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        let keep = 3 - pad;
        // Canonical form: the bits that padding drops must be zero.
        if bytes.get(keep..)?.iter().any(|&b| b != 0) {
            return None;
        }
        let dst = out.get_mut(written..written + keep)?;
        dst.copy_from_slice(bytes.get(..keep)?);
        written += keep;
    }
    Some(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        let cases: [(&[u8], &str); 7] = [
            (b"", ""),
            (b"f", "Zg=="),
            (b"fo", "Zm8="),
            (b"foo", "Zm9v"),
            (b"foob", "Zm9vYg=="),
            (b"fooba", "Zm9vYmE="),
            (b"foobar", "Zm9vYmFy"),
        ];
        for (raw, text) in cases {
            assert_eq!(Base64Text::encode(raw).as_bytes(), text.as_bytes());
            let mut out = [0u8; 8];
            let n = base64_decode(text.as_bytes(), &mut out).unwrap();
            assert_eq!(&out[..n], raw);
        }
    }

    #[test]
    fn base64_round_trips_every_length_and_byte() {
        for len in 0..=32usize {
            let raw: Vec<u8> = (0..len).map(|i| (i * 37 + len * 11) as u8 ^ 0xa5).collect();
            let text = Base64Text::encode(&raw);
            assert_eq!(text.as_bytes().len(), base64_len(len));
            let mut out = [0u8; 32];
            let n = base64_decode(text.as_bytes(), &mut out).unwrap();
            assert_eq!(&out[..n], &raw[..]);
        }
    }

    #[test]
    fn base64_decoding_is_strict() {
        let mut out = [0u8; 32];
        for bad in [
            &b"Zg="[..],
            b"Zg=a",
            b"Z===",
            b"Zh==",
            b"Zm9=",
            b"Zg==Zg==",
            b"Zm9v!A==",
            b"Zm 9",
        ] {
            assert_eq!(base64_decode(bad, &mut out), None, "{bad:?}");
        }
        let mut small = [0u8; 2];
        assert_eq!(base64_decode(b"Zm9v", &mut small), None);
    }

    #[test]
    fn checksums_match_published_check_values() {
        // The "check" value of each CRC is its checksum of the ASCII digits 1 to 9.
        let digest = |alg| {
            let mut c = Checksum::new(alg);
            c.update(b"1234");
            c.update(b"56789");
            c.finish()
        };
        assert_eq!(
            digest(ChecksumAlgorithm::Crc32).as_bytes(),
            &0xcbf4_3926u32.to_be_bytes()
        );
        assert_eq!(
            digest(ChecksumAlgorithm::Crc32c).as_bytes(),
            &0xe306_9283u32.to_be_bytes()
        );
        assert_eq!(
            hex::encode(digest(ChecksumAlgorithm::Sha1).as_bytes()),
            "f7c3bc1d808e04732adf679965ccc34ca7ae3441"
        );
        assert_eq!(
            hex::encode(digest(ChecksumAlgorithm::Sha256).as_bytes()),
            "15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225"
        );
    }

    #[test]
    fn names_round_trip_and_lengths_fit() {
        for alg in ChecksumAlgorithm::ALL {
            assert_eq!(
                ChecksumAlgorithm::from_header_name(&alg.header_name().to_uppercase()),
                Some(alg)
            );
            let value = Checksum::new(alg).finish();
            assert_eq!(value.as_bytes().len(), alg.digest_len());
            assert_eq!(value.to_base64().as_bytes().len(), alg.encoded_len());
        }
        assert_eq!(
            ChecksumAlgorithm::from_header_name("x-amz-checksum-md5"),
            None
        );
    }
}
