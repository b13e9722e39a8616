//! Small fixed-capacity containers that live on the stack and spill to the heap only when a
//! request is unusually large. They keep the signing hot path free of allocations without
//! `unsafe`: the inline storage is an ordinary array of `Copy + Default` values.

use crate::canonical::Sink;
use crate::fast::copy::copy_short;

/// A byte buffer with `N` bytes of inline storage that moves to a `Vec` when it outgrows them.
///
/// `push` is the hot operation (a canonical request is some fifty of them), so its fast path is
/// one bounds check and a copy that the compiler can inline for constant-length pieces. Once
/// the buffer has spilled, `len` is set past `N` so that the fast path's check fails by itself.
#[derive(Clone)]
pub(crate) struct StackBuf<const N: usize> {
    inline: [u8; N],
    len: usize,
    heap: Vec<u8>,
}

impl<const N: usize> StackBuf<N> {
    #[inline(always)]
    pub(crate) fn new() -> Self {
        Self {
            inline: [0; N],
            len: 0,
            heap: Vec::new(),
        }
    }

    #[inline(always)]
    pub(crate) fn push(&mut self, bytes: &[u8]) {
        let end = self.len.wrapping_add(bytes.len());
        if let Some(dst) = self.inline.get_mut(self.len..end) {
            copy_short(dst, bytes);
            self.len = end;
        } else {
            self.push_slow(bytes);
        }
    }

    #[cold]
    fn push_slow(&mut self, bytes: &[u8]) {
        if self.len <= N {
            let mut heap = Vec::with_capacity((self.len + bytes.len()).max(2 * N));
            heap.extend_from_slice(self.inline.get(..self.len).unwrap_or_default());
            self.heap = heap;
            self.len = N + 1;
        }
        self.heap.extend_from_slice(bytes);
    }

    #[inline]
    pub(crate) fn as_bytes(&self) -> &[u8] {
        match self.inline.get(..self.len) {
            Some(bytes) => bytes,
            None => &self.heap,
        }
    }

    /// The contents as text: everything written into these buffers by this crate is ASCII or
    /// comes from `&str` inputs.
    pub(crate) fn as_str(&self) -> &str {
        crate::canonical::own_text(self.as_bytes())
    }
}

impl<const N: usize> Sink for StackBuf<N> {
    #[inline(always)]
    fn put(&mut self, bytes: &[u8]) {
        self.push(bytes);
    }
}

/// A list with `N` inline slots that moves to a `Vec` when it outgrows them.
pub(crate) struct StackVec<T: Copy + Default, const N: usize> {
    inline: [T; N],
    len: usize,
    heap: Option<Vec<T>>,
}

impl<T: Copy + Default, const N: usize> StackVec<T, N> {
    #[inline(always)]
    pub(crate) fn new() -> Self {
        Self {
            inline: [T::default(); N],
            len: 0,
            heap: None,
        }
    }

    pub(crate) fn push(&mut self, value: T) {
        if let Some(heap) = &mut self.heap {
            heap.push(value);
            return;
        }
        match self.inline.get_mut(self.len) {
            Some(slot) => {
                *slot = value;
                self.len += 1;
            }
            None => {
                let mut heap = Vec::with_capacity(2 * N + 1);
                heap.extend_from_slice(&self.inline);
                heap.push(value);
                self.heap = Some(heap);
            }
        }
    }

    /// Removes the last element, if any.
    pub(crate) fn pop(&mut self) {
        match &mut self.heap {
            Some(heap) => {
                heap.pop();
            }
            None => self.len = self.len.saturating_sub(1),
        }
    }

    pub(crate) fn as_slice(&self) -> &[T] {
        match &self.heap {
            Some(heap) => heap,
            None => self.inline.get(..self.len).unwrap_or_default(),
        }
    }

    pub(crate) fn as_mut_slice(&mut self) -> &mut [T] {
        match &mut self.heap {
            Some(heap) => heap,
            None => self.inline.get_mut(..self.len).unwrap_or_default(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.as_slice().len()
    }
}

/// Stable insertion sort: no allocation, and fastest for the handful of headers or query
/// parameters a request carries. Falls back to the standard (allocating) stable sort for long
/// inputs so a hostile request cannot make it quadratic.
pub(crate) fn sort_stable_by<T, F>(items: &mut [T], mut less: F)
where
    F: FnMut(&T, &T) -> bool,
{
    if items.len() > 24 {
        items.sort_by(|a, b| {
            if less(a, b) {
                std::cmp::Ordering::Less
            } else if less(b, a) {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        });
        return;
    }
    for i in 1..items.len() {
        let mut j = i;
        while j > 0 {
            let (left, right) = items.split_at_mut(j);
            match (left.last_mut(), right.first_mut()) {
                (Some(a), Some(b)) if less(b, a) => std::mem::swap(a, b),
                _ => break,
            }
            j -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stack_buf_spills_and_keeps_contents() {
        let mut buf = StackBuf::<4>::new();
        buf.push(b"ab");
        buf.push(b"cd");
        assert_eq!(buf.as_bytes(), b"abcd");
        buf.push(b"efg");
        assert_eq!(buf.as_str(), "abcdefg");
        buf.push(b"");
        buf.push(b"h");
        assert_eq!(buf.as_str(), "abcdefgh");
        let mut exact = StackBuf::<4>::new();
        exact.push(b"abcd");
        assert_eq!(exact.as_bytes(), b"abcd");
        exact.push(b"e");
        assert_eq!(exact.as_bytes(), b"abcde");
    }

    #[test]
    fn stack_vec_spills_and_keeps_order() {
        let mut v = StackVec::<u32, 2>::new();
        for i in 0..5 {
            v.push(i);
        }
        assert_eq!(v.as_slice(), &[0, 1, 2, 3, 4]);
    }

    #[test]
    fn insertion_sort_is_stable_and_matches_std() {
        let input: Vec<(u8, u32)> = (0..60u32).map(|i| ((i * 7 % 5) as u8, i)).collect();
        for n in [0, 1, 2, 10, 24, 25, 60] {
            let mut ours = input[..n].to_vec();
            let mut std_sorted = ours.clone();
            sort_stable_by(&mut ours, |a, b| a.0 < b.0);
            std_sorted.sort_by_key(|x| x.0);
            assert_eq!(ours, std_sorted, "n = {n}");
        }
    }
}
