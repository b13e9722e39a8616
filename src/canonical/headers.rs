//! Canonical headers and the signed-headers list: names lower-cased and sorted, the values of a
//! repeated name joined with `,` in the order they were sent, each value trimmed and its runs of
//! spaces collapsed to one.

use std::cmp::Ordering;

use super::Sink;
use crate::stack::sort_stable_by;

/// A header as it stands in the input: its name in any case, its value as sent.
///
/// Its default is all zero bytes (the parts are `Option`s), so the arrays of the signer's stack
/// lists are cleared by `memset` rather than element by element.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct HeaderRef<'a> {
    name: Option<&'a [u8]>,
    value: Option<&'a [u8]>,
    /// The name has no upper-case letters (always so for `http::HeaderName`), so it can be
    /// compared and written as it is.
    lower: bool,
    /// The first header of its name in a sorted list (set by [`sort_headers`]).
    first: bool,
}

impl<'a> HeaderRef<'a> {
    /// A header whose name may contain upper-case letters.
    pub(crate) fn new(name: &'a [u8], value: &'a [u8]) -> Self {
        let lower = !name.iter().any(u8::is_ascii_uppercase);
        HeaderRef {
            name: Some(name),
            value: Some(value),
            lower,
            first: true,
        }
    }

    /// A header whose name is known to be lower case.
    pub(crate) fn lower(name: &'a [u8], value: &'a [u8]) -> Self {
        debug_assert!(!name.iter().any(u8::is_ascii_uppercase));
        HeaderRef {
            name: Some(name),
            value: Some(value),
            lower: true,
            first: true,
        }
    }

    /// The name as given.
    #[inline]
    pub(crate) fn name(&self) -> &'a [u8] {
        self.name.unwrap_or_default()
    }

    /// The value as given.
    #[inline]
    pub(crate) fn value(&self) -> &'a [u8] {
        self.value.unwrap_or_default()
    }

    /// True for the first header of its name in a list sorted with [`sort_headers`].
    pub(crate) fn is_first(&self) -> bool {
        self.first
    }

    fn cmp_name(&self, other: &Self) -> Ordering {
        if self.lower && other.lower {
            cmp_bytes(self.name(), other.name())
        } else {
            cmp_names(self.name(), other.name())
        }
    }
}

/// Byte-wise comparison, inlined: header names are short and usually differ early, where a
/// call to `memcmp` would cost more than the comparison.
#[inline]
pub(crate) fn cmp_bytes(a: &[u8], b: &[u8]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        if x != y {
            return x.cmp(y);
        }
    }
    a.len().cmp(&b.len())
}

/// Compares two names as their lower-case forms.
pub(crate) fn cmp_names(a: &[u8], b: &[u8]) -> Ordering {
    a.iter()
        .map(u8::to_ascii_lowercase)
        .cmp(b.iter().map(u8::to_ascii_lowercase))
}

/// Sorts headers by lower-case name, keeping repeated names in the order they were sent, and
/// marks the first header of each name.
pub(crate) fn sort_headers(headers: &mut [HeaderRef<'_>]) {
    sort_stable_by(headers, |a, b| a.cmp_name(b) == Ordering::Less);
    let mut previous: Option<HeaderRef<'_>> = None;
    for h in headers.iter_mut() {
        h.first = previous.is_none_or(|p| {
            // Equal lower-case names have equal lengths: most pairs differ right there.
            p.name().len() != h.name().len() || p.cmp_name(h) != Ordering::Equal
        });
        previous = Some(*h);
    }
}

impl HeaderRef<'_> {
    /// Writes the name in lower case.
    fn write_name<S: Sink + ?Sized>(&self, sink: &mut S) {
        if self.lower {
            sink.put(self.name());
        } else {
            write_lowercase(sink, self.name());
        }
    }
}

fn write_lowercase<S: Sink + ?Sized>(sink: &mut S, name: &[u8]) {
    let mut chunk = [0u8; 64];
    for piece in name.chunks(chunk.len()) {
        let out = chunk.get_mut(..piece.len()).unwrap_or_default();
        for (o, b) in out.iter_mut().zip(piece) {
            *o = b.to_ascii_lowercase();
        }
        sink.put(out);
    }
}

/// Writes a header value with leading and trailing spaces removed and each run of spaces
/// inside it replaced by one space. Only U+0020 counts as a space here, as in the AWS text
/// and the Go and Rust SDKs (a tab is data).
pub(crate) fn write_value<S: Sink + ?Sized>(sink: &mut S, value: &[u8]) {
    // Most values have no space to remove: one pass to check, one write.
    if is_trimmed(value) {
        sink.put(value);
        return;
    }
    let mut rest = value;
    while let [b' ', tail @ ..] = rest {
        rest = tail;
    }
    while let [head @ .., b' '] = rest {
        rest = head;
    }
    while !rest.is_empty() {
        let word = rest.iter().position(|&b| b == b' ').unwrap_or(rest.len());
        let (head, tail) = rest.split_at(word);
        sink.put(head);
        rest = tail;
        if !rest.is_empty() {
            sink.put(b" ");
            while let [b' ', tail @ ..] = rest {
                rest = tail;
            }
        }
    }
}

/// True if `value` has no leading or trailing space and no run of two spaces: written as it is.
///
/// Eight bytes at a time: a word without any space byte (the usual case: hosts, dates, media
/// types, ids) is cleared with a few arithmetic steps; only words holding a space look closer.
fn is_trimmed(value: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    /// The high bit of every byte of `word` (little-endian) that is a space; exact.
    #[inline(always)]
    fn spaces(word: u64) -> u64 {
        let x = word ^ (0x20 * ONES);
        !(((x & !HIGHS) + !HIGHS) | x) & HIGHS
    }
    if value.first() == Some(&b' ') || value.last() == Some(&b' ') {
        return false;
    }
    let (words, tail) = value.as_chunks::<8>();
    // `carry` is the space bit of the previous word's last byte, moved to byte 0.
    let mut carry = 0;
    for word in words {
        let m = spaces(u64::from_le_bytes(*word));
        if m & ((m << 8) | carry) != 0 {
            return false;
        }
        carry = m >> 56;
    }
    // The last few bytes one at a time (copying them into a word would stall on the load).
    let mut previous_space = carry != 0;
    for &b in tail {
        let space = b == b' ';
        if space && previous_space {
            return false;
        }
        previous_space = space;
    }
    true
}

/// Writes the canonical headers block: one `name:value[,value…]\n` line per distinct name.
/// `headers` must be sorted with [`sort_headers`].
pub(crate) fn write_canonical_headers<S: Sink + ?Sized>(sink: &mut S, headers: &[HeaderRef<'_>]) {
    for (i, h) in headers.iter().enumerate() {
        if h.first {
            if i > 0 {
                sink.put(b"\n");
            }
            h.write_name(sink);
            sink.put(b":");
        } else {
            sink.put(b",");
        }
        write_value(sink, h.value());
    }
    if !headers.is_empty() {
        sink.put(b"\n");
    }
}

/// Writes the signed-headers list: the distinct lower-case names joined with `;`.
/// `headers` must be sorted with [`sort_headers`].
pub(crate) fn write_signed_headers<S: Sink + ?Sized>(sink: &mut S, headers: &[HeaderRef<'_>]) {
    for (i, h) in headers.iter().filter(|h| h.first).enumerate() {
        if i > 0 {
            sink.put(b";");
        }
        h.write_name(sink);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(v: &str) -> String {
        let mut out = Vec::new();
        write_value(&mut out, v.as_bytes());
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn values_are_trimmed_and_spaces_collapsed() {
        assert_eq!(value("  a   b  c  "), "a b c");
        assert_eq!(value("a"), "a");
        assert_eq!(value("    "), "");
        assert_eq!(value(""), "");
        assert_eq!(value("a\tb"), "a\tb");
        assert_eq!(value(" \"a   b\" "), "\"a b\"");
    }

    #[test]
    fn the_word_at_a_time_check_agrees_with_the_plain_one() {
        let plain = |v: &[u8]| {
            !v.starts_with(b" ") && !v.ends_with(b" ") && !v.windows(2).any(|p| p == b"  ")
        };
        // Every placement of one, two and three spaces in values of every length up to 40,
        // so that space pairs fall inside words and across their edges.
        for len in 0..40usize {
            for i in 0..len {
                for j in i..len {
                    for k in [j, j + 1, len.saturating_sub(1)] {
                        let mut v = vec![b'a'; len];
                        for at in [i, j, k] {
                            if let Some(b) = v.get_mut(at) {
                                *b = b' ';
                            }
                        }
                        assert_eq!(
                            is_trimmed(&v),
                            plain(&v),
                            "{:?}",
                            String::from_utf8_lossy(&v)
                        );
                    }
                }
            }
            let v = vec![b'a'; len];
            assert_eq!(is_trimmed(&v), plain(&v));
        }
        for v in [&b"\xa0\xa0"[..], b"\x20\xa0", b"a\xa0 b", b"\x00\x20\x00"] {
            assert_eq!(is_trimmed(v), plain(v));
        }
    }

    #[test]
    fn repeated_names_are_merged_in_order_and_names_lowercased() {
        let mut headers = [
            HeaderRef::new(b"My-Header1", b"value2"),
            HeaderRef::new(b"host", b"example.com"),
            HeaderRef::new(b"my-header1", b"  value1 "),
            HeaderRef::new(b"A", b"x"),
        ];
        sort_headers(&mut headers);
        let mut out = Vec::new();
        write_canonical_headers(&mut out, &headers);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a:x\nhost:example.com\nmy-header1:value2,value1\n"
        );
        let mut signed = Vec::new();
        write_signed_headers(&mut signed, &headers);
        assert_eq!(signed, b"a;host;my-header1");
    }
}
