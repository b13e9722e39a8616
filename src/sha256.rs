//! SHA-256 and HMAC-SHA256 for the short, many-piece messages of SigV4, built on the raw
//! compression function of the `sha2` crate.
//!
//! A canonical request is some fifty writes of a few bytes each, and the string to sign is four.
//! [`Hasher`] gathers them in a multi-block stack buffer and compresses every full block in one
//! call; padding is written in place. [`HmacKey`] keeps the two keyed *midstates* of HMAC (the
//! states after the `ipad` and `opad` blocks), so a MAC under a known key costs only the
//! message's blocks and one outer block. A [`Midstate`] is a hash paused between blocks: the
//! signer keeps one for the part of the string to sign that stays the same for a whole second.
//!
//! Bulk payload hashing stays with `sha2::Sha256`, whose buffer suits long inputs.

use std::fmt;

use sha2::block_api::compress256;
use zeroize::Zeroize;

use crate::fast::copy::copy_short;

/// SHA-256's initial state (FIPS 180-4, 5.3.3).
const IV: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];

const BLOCK: usize = 64;

/// SHA-256 of pieces written one after another, with `B` blocks of buffer on the stack.
///
/// Its state is zeroized on drop: when it runs under an HMAC key, the state is as good as the key.
pub(crate) struct Hasher<const B: usize> {
    state: [u32; 8],
    buf: [[u8; BLOCK]; B],
    /// Bytes waiting in `buf`.
    len: usize,
    /// Bytes already compressed into `state`.
    done: u64,
}

/// A SHA-256 paused after some whole blocks, with the bytes that did not fill a block.
#[derive(Clone)]
pub(crate) struct Midstate {
    state: [u32; 8],
    done: u64,
    tail: [u8; BLOCK],
    tail_len: usize,
}

impl<const B: usize> Hasher<B> {
    #[inline(always)]
    pub(crate) fn new() -> Self {
        Self::resume_at(IV, 0)
    }

    #[inline(always)]
    fn resume_at(state: [u32; 8], done: u64) -> Self {
        // Padding may take a block beyond the last byte: two blocks at least.
        const { assert!(B >= 2) };
        Hasher {
            state,
            buf: [[0; BLOCK]; B],
            len: 0,
            done,
        }
    }

    /// Goes on from a paused hash.
    #[inline(always)]
    pub(crate) fn resume(mid: &Midstate) -> Self {
        let mut h = Self::resume_at(mid.state, mid.done);
        h.put(mid.tail.get(..mid.tail_len).unwrap_or_default());
        h
    }

    /// Appends `bytes`.
    #[inline(always)]
    pub(crate) fn put(&mut self, bytes: &[u8]) {
        let end = self.len.wrapping_add(bytes.len());
        if let Some(dst) = self.buf.as_flattened_mut().get_mut(self.len..end) {
            copy_short(dst, bytes);
            self.len = end;
        } else {
            self.put_slow(bytes);
        }
    }

    #[cold]
    #[inline(never)]
    fn put_slow(&mut self, mut bytes: &[u8]) {
        // Fill the buffer, compress it, then compress whole blocks straight from the input.
        let room = (B * BLOCK).saturating_sub(self.len);
        let (head, rest) = bytes.split_at(room.min(bytes.len()));
        self.put(head);
        bytes = rest;
        if bytes.is_empty() {
            return;
        }
        self.compress_buffer();
        let (blocks, tail) = bytes.as_chunks::<BLOCK>();
        compress256(&mut self.state, blocks);
        self.done += (blocks.len() * BLOCK) as u64;
        self.put(tail);
    }

    /// Compresses the whole blocks in the buffer and moves what is left to its front.
    fn compress_buffer(&mut self) {
        let full = self.len / BLOCK;
        if let Some(blocks) = self.buf.get(..full) {
            compress256(&mut self.state, blocks);
        }
        self.done += (full * BLOCK) as u64;
        let flat = self.buf.as_flattened_mut();
        flat.copy_within(full * BLOCK..self.len, 0);
        self.len -= full * BLOCK;
    }

    /// Pauses after the whole blocks written so far.
    pub(crate) fn pause(mut self) -> Midstate {
        self.compress_buffer();
        let mut tail = [0; BLOCK];
        let n = self.len;
        if let (Some(dst), Some(src)) = (tail.get_mut(..n), self.buf.as_flattened().get(..n)) {
            dst.copy_from_slice(src);
        }
        Midstate {
            state: self.state,
            done: self.done,
            tail,
            tail_len: n,
        }
    }

    /// The digest.
    pub(crate) fn finish(mut self) -> [u8; 32] {
        if self.len + 9 > B * BLOCK {
            self.compress_buffer();
        }
        let bits = (self.done + self.len as u64).wrapping_mul(8);
        let blocks = (self.len + 9).div_ceil(BLOCK);
        let end = blocks * BLOCK;
        let flat = self.buf.as_flattened_mut();
        if let Some(pad) = flat.get_mut(self.len..end) {
            pad.fill(0);
            if let Some(first) = pad.first_mut() {
                *first = 0x80;
            }
        }
        if let Some(length) = flat.get_mut(end - 8..end) {
            length.copy_from_slice(&bits.to_be_bytes());
        }
        if let Some(blocks) = self.buf.get(..blocks) {
            compress256(&mut self.state, blocks);
        }
        words_to_bytes(&self.state)
    }
}

impl<const B: usize> Drop for Hasher<B> {
    fn drop(&mut self) {
        self.state.zeroize();
    }
}

impl<const B: usize> crate::canonical::Sink for Hasher<B> {
    #[inline(always)]
    fn put(&mut self, bytes: &[u8]) {
        Hasher::put(self, bytes);
    }
}

impl Drop for Midstate {
    fn drop(&mut self) {
        self.state.zeroize();
    }
}

fn words_to_bytes(state: &[u32; 8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (dst, word) in out.chunks_exact_mut(4).zip(state) {
        dst.copy_from_slice(&word.to_be_bytes());
    }
    out
}

/// SHA-256 of `data` in one call.
pub(crate) fn digest(data: &[u8]) -> [u8; 32] {
    let mut h = Hasher::<2>::new();
    h.put(data);
    h.finish()
}

/// An HMAC-SHA256 key, kept as its two keyed midstates. Zeroized on drop, redacted in `Debug`.
#[derive(Clone)]
pub(crate) struct HmacKey {
    inner: [u32; 8],
    outer: [u32; 8],
}

impl HmacKey {
    /// RFC 2104: a key longer than a block is hashed first; the key block is the key padded
    /// with zeros, XORed with `ipad` for the inner hash and `opad` for the outer.
    pub(crate) fn new(key: &[u8]) -> Self {
        let mut block = [0u8; BLOCK];
        if key.len() > BLOCK {
            let mut hashed = digest(key);
            block[..32].copy_from_slice(&hashed);
            hashed.zeroize();
        } else if let Some(dst) = block.get_mut(..key.len()) {
            dst.copy_from_slice(key);
        }
        let mut inner = IV;
        let mut outer = IV;
        for b in block.iter_mut() {
            *b ^= 0x36;
        }
        compress256(&mut inner, std::slice::from_ref(&block));
        for b in block.iter_mut() {
            *b ^= 0x36 ^ 0x5c;
        }
        compress256(&mut outer, std::slice::from_ref(&block));
        block.zeroize();
        HmacKey { inner, outer }
    }

    /// A hasher for the message, already past the inner key block.
    pub(crate) fn start<const B: usize>(&self) -> Hasher<B> {
        Hasher::resume_at(self.inner, BLOCK as u64)
    }

    /// The MAC of the message written into `inner` (a hasher from [`HmacKey::start`], or one
    /// resumed from a [`Midstate`] of it).
    pub(crate) fn finish<const B: usize>(&self, inner: Hasher<B>) -> [u8; 32] {
        let inner_digest = inner.finish();
        // The outer message is the 32-byte inner digest after the opad block: one padded block.
        let mut block = [0u8; BLOCK];
        block[..32].copy_from_slice(&inner_digest);
        block[32] = 0x80;
        block[56..].copy_from_slice(&((BLOCK as u64 + 32) * 8).to_be_bytes());
        let mut state = self.outer;
        compress256(&mut state, std::slice::from_ref(&block));
        let out = words_to_bytes(&state);
        state.zeroize();
        out
    }

    /// HMAC-SHA256 of `message`.
    pub(crate) fn mac(&self, message: &[u8]) -> [u8; 32] {
        let mut h = self.start::<2>();
        h.put(message);
        self.finish(h)
    }
}

impl Drop for HmacKey {
    fn drop(&mut self) {
        self.inner.zeroize();
        self.outer.zeroize();
    }
}

impl fmt::Debug for HmacKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HmacKey { .. }")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hmac::{Hmac, KeyInit, Mac};
    use sha2::{Digest, Sha256};

    /// Messages of every length around the block and buffer edges, written in pieces of every
    /// size, against the `sha2` and `hmac` crates.
    #[test]
    fn agrees_with_sha2_and_hmac_across_block_and_buffer_edges() {
        let data: Vec<u8> = (0..1200u32).map(|i| (i * 131 % 251) as u8).collect();
        for len in (0..200).chain(500..530).chain(1000..1200) {
            let message = &data[..len];
            let expected: [u8; 32] = Sha256::digest(message).into();
            for piece in [1, 3, 7, 64, 100, 1000] {
                let mut h = Hasher::<2>::new();
                message.chunks(piece).for_each(|p| h.put(p));
                assert_eq!(h.finish(), expected, "len {len}, pieces of {piece}");
                let mut h = Hasher::<8>::new();
                message.chunks(piece).for_each(|p| h.put(p));
                assert_eq!(
                    h.finish(),
                    expected,
                    "len {len}, pieces of {piece}, 8 blocks"
                );
            }
            for key_len in [0, 1, 32, 63, 64, 65, 200] {
                let key = &data[len % 7..len % 7 + key_len];
                let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
                mac.update(message);
                let expected: [u8; 32] = mac.finalize().into_bytes().into();
                assert_eq!(
                    HmacKey::new(key).mac(message),
                    expected,
                    "hmac {len}/{key_len}"
                );
            }
        }
    }

    #[test]
    fn a_paused_hash_resumes_where_it_stopped() {
        let data: Vec<u8> = (0..400u32).map(|i| (i * 7 % 256) as u8).collect();
        let key = HmacKey::new(b"key");
        for split in [0, 1, 63, 64, 65, 130, 200] {
            let (a, b) = data.split_at(split);
            let mut first = key.start::<2>();
            first.put(a);
            let mid = first.pause();
            let mut second = Hasher::<3>::resume(&mid);
            second.put(b);
            assert_eq!(key.finish(second), key.mac(&data), "split at {split}");
        }
    }

    #[test]
    fn debug_redacts_the_key() {
        assert_eq!(format!("{:?}", HmacKey::new(b"secret")), "HmacKey { .. }");
    }
}
