//! Copies of the short pieces a canonical request is made of (names, values, separators).
//!
//! [`copy_short`] does lengths 4 to 16 by two overlapping fixed-size moves the compiler inlines,
//! instead of a call to `memcpy`; [`plain::copy_short`] is `copy_from_slice`.

/// `dst.copy_from_slice(src)` for slices of equal length (does nothing otherwise).
#[inline(always)]
pub(crate) fn copy_short(dst: &mut [u8], src: &[u8]) {
    let n = src.len();
    if dst.len() != n {
        return;
    }
    if (8..=16).contains(&n) {
        if let (Some(d), Some(s)) = (dst.first_chunk_mut::<8>(), src.first_chunk::<8>()) {
            *d = *s;
        }
        if let (Some(d), Some(s)) = (dst.last_chunk_mut::<8>(), src.last_chunk::<8>()) {
            *d = *s;
        }
    } else if (4..8).contains(&n) {
        if let (Some(d), Some(s)) = (dst.first_chunk_mut::<4>(), src.first_chunk::<4>()) {
            *d = *s;
        }
        if let (Some(d), Some(s)) = (dst.last_chunk_mut::<4>(), src.last_chunk::<4>()) {
            *d = *s;
        }
    } else if n < 4 {
        for (d, s) in dst.iter_mut().zip(src) {
            *d = *s;
        }
    } else {
        dst.copy_from_slice(src);
    }
}

/// The obvious version, kept for the equivalence test and the benchmark.
#[allow(dead_code)]
pub(crate) mod plain {
    /// `dst.copy_from_slice(src)` for slices of equal length (does nothing otherwise).
    #[inline(always)]
    pub(crate) fn copy_short(dst: &mut [u8], src: &[u8]) {
        if dst.len() == src.len() {
            dst.copy_from_slice(src);
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn short_copy_equals_plain_copy(
            src in proptest::collection::vec(any::<u8>(), 0..40),
            dst_len_delta in 0usize..2,
        ) {
            let mut fast = vec![0xaa; src.len() + dst_len_delta];
            let mut plain = fast.clone();
            super::copy_short(&mut fast, &src);
            super::plain::copy_short(&mut plain, &src);
            prop_assert_eq!(&fast, &plain);
            if dst_len_delta == 0 {
                prop_assert_eq!(&fast, &src);
            }
        }
    }
}
