//! Hashers for the signing-key cache, whose keys only a secret store or the signer vouched for,
//! so the hash need not resist flooding (the entry's full key is compared on a hit).
//!
//! [`FoldHasher`] mixes eight bytes a step (like FxHash) and [`SlotHasher`] passes an
//! already-hashed `u64` through; [`plain`] is the standard library's SipHash, which they must
//! agree with on the only law that matters here: equal inputs, equal slots.

use std::hash::Hasher;

/// A word-at-a-time multiplicative hash of the key parts.
#[derive(Default)]
pub(crate) struct FoldHasher(u64);

impl Hasher for FoldHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let (words, rest) = bytes.as_chunks::<8>();
        let mut last = [0u8; 8];
        last.iter_mut().zip(rest).for_each(|(w, b)| *w = *b);
        let tail = (!rest.is_empty()).then_some(&last);
        for word in words.iter().chain(tail) {
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(*word))
                .wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
}

/// The map hasher for keys that are already hashes: `write_u64` passes the value through.
#[derive(Default)]
pub(crate) struct SlotHasher(u64);

impl Hasher for SlotHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used; fold anything else in anyway.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// The standard library's hasher, kept for the benchmark.
#[allow(dead_code)]
pub(crate) mod plain {
    /// SipHash-1-3 with fixed keys.
    pub(crate) type SipHasher = std::hash::DefaultHasher;
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::hash::Hash;

    fn fold(parts: &[Vec<u8>]) -> u64 {
        let mut h = FoldHasher::default();
        parts.iter().for_each(|p| p.hash(&mut h));
        h.finish()
    }

    fn sip(parts: &[Vec<u8>]) -> u64 {
        let mut h = plain::SipHasher::default();
        parts.iter().for_each(|p| p.hash(&mut h));
        h.finish()
    }

    proptest! {
        #[test]
        fn equal_keys_get_equal_slots_as_with_siphash(
            a in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..20), 1..5),
            b in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..20), 1..5),
        ) {
            prop_assert_eq!(fold(&a), fold(&a.clone()));
            // Where SipHash tells two keys apart, the fold does too but for rare collisions,
            // which a hit's full comparison absorbs; where it cannot, neither can the fold.
            if sip(&a) == sip(&b) {
                prop_assert_eq!(fold(&a), fold(&b));
            }
        }

        #[test]
        fn the_slot_hasher_passes_words_through(n in any::<u64>()) {
            let mut h = SlotHasher::default();
            h.write_u64(n);
            prop_assert_eq!(h.finish(), n);
        }
    }
}
