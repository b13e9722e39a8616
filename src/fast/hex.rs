//! Lower-case hex of a 32-byte digest (a SHA-256 or an HMAC), on the stack.
//!
//! [`hex_lower`] is SWAR (four bytes at a time in one 64-bit word); [`plain::hex_lower`] is the
//! obvious table lookup it must agree with.

/// Lower-case hex of a 32-byte digest.
///
/// Four bytes at a time in one 64-bit word: their eight nibbles are spread one per byte, then
/// turned into ASCII together (`'0' + n`, plus 39 more for `a`-`f`). Every step stays inside its
/// byte, so no lane carries into the next.
#[inline]
pub(crate) fn hex_lower(digest: &[u8; 32]) -> [u8; 64] {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let mut out = [0u8; 64];
    let (words, _) = digest.as_chunks::<4>();
    let (lanes_out, _) = out.as_chunks_mut::<8>();
    for (dst, src) in lanes_out.iter_mut().zip(words) {
        let x = u64::from(u32::from_be_bytes(*src));
        // Byte i of `x` to 16-bit lane i (lane 0 = first byte), little-endian.
        let lanes = ((x >> 24) & 0xff)
            | ((x >> 16) & 0xff) << 16
            | ((x >> 8) & 0xff) << 32
            | (x & 0xff) << 48;
        // In each lane, the high nibble first (low byte), then the low nibble.
        let nibbles =
            ((lanes >> 4) & 0x000f_000f_000f_000f) | ((lanes & 0x000f_000f_000f_000f) << 8);
        let letters = ((nibbles + 6 * ONES) >> 4) & ONES;
        let ascii = nibbles + 0x30 * ONES + letters * 39;
        *dst = ascii.to_le_bytes();
    }
    out
}

/// The obvious versions, kept for the equivalence test and the benchmark.
#[allow(dead_code)]
pub(crate) mod plain {
    /// Lower-case hex of a 32-byte digest, one table lookup a nibble.
    pub(crate) fn hex_lower(digest: &[u8; 32]) -> [u8; 64] {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = [0u8; 64];
        for (pair, b) in out.chunks_exact_mut(2).zip(digest) {
            for (slot, nibble) in pair.iter_mut().zip([b >> 4, b & 15]) {
                *slot = DIGITS.get(usize::from(nibble)).copied().unwrap_or(b'0');
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn swar_hex_equals_plain_hex(digest in any::<[u8; 32]>()) {
            prop_assert_eq!(super::hex_lower(&digest), super::plain::hex_lower(&digest));
        }
    }

    #[test]
    fn hex_matches_format_for_every_byte() {
        for start in 0..=255u8 {
            let digest: [u8; 32] =
                std::array::from_fn(|i| start.wrapping_add((i as u8).wrapping_mul(37)));
            let expected: String = digest.iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(
                std::str::from_utf8(&super::hex_lower(&digest)).unwrap(),
                expected
            );
        }
    }
}
