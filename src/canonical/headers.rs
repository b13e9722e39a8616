//! Canonical headers and the signed-headers list: names lower-cased and sorted, the values of a
//! repeated name joined with `,` in the order they were sent, each value trimmed and its runs of
//! spaces collapsed to one.

use std::cmp::Ordering;

use super::Sink;
use crate::stack::sort_stable_by;

/// A header as it stands in the input: its name in any case, its value as sent.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct HeaderRef<'a> {
    pub name: &'a [u8],
    pub value: &'a [u8],
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
            name,
            value,
            lower,
            first: true,
        }
    }

    /// A header whose name is known to be lower case.
    pub(crate) fn lower(name: &'a [u8], value: &'a [u8]) -> Self {
        debug_assert!(!name.iter().any(u8::is_ascii_uppercase));
        HeaderRef {
            name,
            value,
            lower: true,
            first: true,
        }
    }

    /// True for the first header of its name in a list sorted with [`sort_headers`].
    pub(crate) fn is_first(&self) -> bool {
        self.first
    }

    fn cmp_name(&self, other: &Self) -> Ordering {
        if self.lower && other.lower {
            cmp_bytes(self.name, other.name)
        } else {
            cmp_names(self.name, other.name)
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
        h.first = previous.is_none_or(|p| p.cmp_name(h) != Ordering::Equal);
        previous = Some(*h);
    }
}

impl HeaderRef<'_> {
    /// Writes the name in lower case.
    fn write_name<S: Sink + ?Sized>(&self, sink: &mut S) {
        if self.lower {
            sink.put(self.name);
        } else {
            write_lowercase(sink, self.name);
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
    let mut previous_space = true;
    let mut clean = true;
    for &b in value {
        let space = b == b' ';
        clean &= !(space && previous_space);
        previous_space = space;
    }
    if clean && !previous_space || value.is_empty() {
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
        write_value(sink, h.value);
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
