//! The canonical request: the one code path that both the signer and the verifier use to turn
//! request parts into the text whose hash is signed.
//!
//! Nothing here builds strings: every part is written into a [`Sink`], which is a SHA-256 state
//! when signing or verifying and a byte vector when a person asks to see the text.

pub(crate) mod encode;
pub(crate) mod headers;
pub(crate) mod names;
pub(crate) mod path;
pub(crate) mod query;

use crate::sha256::Hasher;

pub(crate) use headers::HeaderRef;
pub(crate) use path::PathRules;
pub(crate) use query::Param;

/// Where canonical text goes: a hash state or a buffer.
pub(crate) trait Sink {
    /// Appends bytes.
    fn put(&mut self, bytes: &[u8]);
}

impl Sink for Vec<u8> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// The parts of a canonical request, already selected and sorted by the caller (signer or
/// verifier); [`CanonicalRequest::write`] only lays them out.
#[derive(Debug)]
pub(crate) struct CanonicalRequest<'a> {
    pub method: &'a [u8],
    /// The path as sent on the wire (without the query).
    pub path: &'a [u8],
    pub path_rules: PathRules,
    /// Query parameters sorted with [`query::sort_params`].
    pub params: &'a [Param<'a>],
    /// Signed headers sorted with [`headers::sort_headers`].
    pub headers: &'a [HeaderRef<'a>],
    /// The signed-headers line: what [`headers::write_signed_headers`] writes for `headers`.
    /// The signer computes it once for both this and its `Authorization` header; the verifier
    /// takes it from the request after checking that it is in canonical form.
    pub signed_headers: &'a [u8],
    /// The hashed payload line: a lower-case hex SHA-256 or a literal such as
    /// `UNSIGNED-PAYLOAD`.
    pub payload_hash: &'a [u8],
}

impl CanonicalRequest<'_> {
    /// Writes the canonical request text.
    pub(crate) fn write<S: Sink + ?Sized>(&self, sink: &mut S) {
        sink.put(self.method);
        sink.put(b"\n");
        path::write_path(sink, self.path, self.path_rules);
        sink.put(b"\n");
        query::write_query(sink, self.params);
        sink.put(b"\n");
        headers::write_canonical_headers(sink, self.headers);
        sink.put(b"\n");
        sink.put(self.signed_headers);
        sink.put(b"\n");
        sink.put(self.payload_hash);
    }

    /// The lower-case hex SHA-256 of the canonical request.
    pub(crate) fn hash_hex(&self) -> [u8; 64] {
        // Eight blocks hold a typical canonical request whole: it is compressed in one call.
        let mut hasher = Hasher::<8>::new();
        self.write(&mut hasher);
        hex_lower(&hasher.finish())
    }

    /// The canonical request as text, for people debugging a signature.
    pub(crate) fn to_text(&self) -> String {
        let mut out = Vec::with_capacity(256);
        self.write(&mut out);
        String::from_utf8_lossy(&out).into_owned()
    }
}

/// `bytes` as text, for buffers this crate wrote itself from ASCII and `&str` inputs (hex digits,
/// dates, canonical texts). Safe Rust has no infallible conversion: the one fallback for a
/// buffer that broke that rule lives here, and debug builds (the tests) fail on it instead.
pub(crate) fn own_text(bytes: &[u8]) -> &str {
    let text = std::str::from_utf8(bytes);
    debug_assert!(text.is_ok(), "a buffer this crate wrote is not UTF-8");
    text.unwrap_or_default()
}

/// Lower-case hex of a 32-byte digest (a SHA-256 or an HMAC), on the stack.
pub(crate) fn hex_lower(digest: &[u8; 32]) -> [u8; 64] {
    let mut out = [0u8; 64];
    write_hex_lower(&mut out, digest);
    out
}

/// Writes lower-case hex of `bytes` into `out`, as far as both go (two digits a byte).
pub(crate) fn write_hex_lower(out: &mut [u8], bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for (pair, b) in out.as_chunks_mut::<2>().0.iter_mut().zip(bytes) {
        *pair = [DIGITS[usize::from(b >> 4)], DIGITS[usize::from(b & 15)]];
    }
}

/// Writes `n` in decimal.
pub(crate) fn write_decimal<S: Sink + ?Sized>(sink: &mut S, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    for slot in digits.iter_mut().rev() {
        // `n % 10` is a single digit.
        *slot = b'0' + (n % 10) as u8;
        start -= 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    sink.put(digits.get(start..).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::{hex_lower, write_decimal};

    #[test]
    fn hex_matches_format_for_every_byte() {
        for start in 0..=255u8 {
            let digest: [u8; 32] =
                std::array::from_fn(|i| start.wrapping_add((i as u8).wrapping_mul(37)));
            let expected: String = digest.iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(std::str::from_utf8(&hex_lower(&digest)).unwrap(), expected);
        }
    }

    #[test]
    fn decimals_match_display() {
        for n in [0, 1, 9, 10, 443, 65_535, 604_800, u64::MAX] {
            let mut out = Vec::new();
            write_decimal(&mut out, n);
            assert_eq!(out, n.to_string().as_bytes());
        }
    }
}
