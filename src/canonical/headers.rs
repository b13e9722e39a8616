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
}

/// Compares two names as their lower-case forms.
pub(crate) fn cmp_names(a: &[u8], b: &[u8]) -> Ordering {
    a.iter()
        .map(u8::to_ascii_lowercase)
        .cmp(b.iter().map(u8::to_ascii_lowercase))
}

/// Sorts headers by lower-case name, keeping repeated names in the order they were sent.
pub(crate) fn sort_headers(headers: &mut [HeaderRef<'_>]) {
    sort_stable_by(headers, |a, b| cmp_names(a.name, b.name) == Ordering::Less);
}

/// Writes a header name in lower case.
pub(crate) fn write_name<S: Sink + ?Sized>(sink: &mut S, name: &[u8]) {
    if !name.iter().any(u8::is_ascii_uppercase) {
        sink.put(name);
        return;
    }
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

/// Calls `f` once per distinct name with the slice of headers that carry it.
fn for_each_group<'h, 'a>(headers: &'h [HeaderRef<'a>], mut f: impl FnMut(&'h [HeaderRef<'a>])) {
    let mut rest = headers;
    while let Some(first) = rest.first() {
        let n = rest
            .iter()
            .take_while(|h| cmp_names(h.name, first.name) == Ordering::Equal)
            .count();
        let (group, tail) = rest.split_at(n);
        f(group);
        rest = tail;
    }
}

/// Writes the canonical headers block: one `name:value[,value…]\n` line per distinct name.
/// `headers` must be sorted with [`sort_headers`].
pub(crate) fn write_canonical_headers<S: Sink + ?Sized>(sink: &mut S, headers: &[HeaderRef<'_>]) {
    for_each_group(headers, |group| {
        if let Some(first) = group.first() {
            write_name(sink, first.name);
        }
        sink.put(b":");
        for (i, h) in group.iter().enumerate() {
            if i > 0 {
                sink.put(b",");
            }
            write_value(sink, h.value);
        }
        sink.put(b"\n");
    });
}

/// Writes the signed-headers list: the distinct lower-case names joined with `;`.
/// `headers` must be sorted with [`sort_headers`].
pub(crate) fn write_signed_headers<S: Sink + ?Sized>(sink: &mut S, headers: &[HeaderRef<'_>]) {
    let mut first = true;
    for_each_group(headers, |group| {
        if !first {
            sink.put(b";");
        }
        first = false;
        if let Some(h) = group.first() {
            write_name(sink, h.name);
        }
    });
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
            HeaderRef {
                name: b"My-Header1",
                value: b"value2",
            },
            HeaderRef {
                name: b"host",
                value: b"example.com",
            },
            HeaderRef {
                name: b"my-header1",
                value: b"  value1 ",
            },
            HeaderRef {
                name: b"A",
                value: b"x",
            },
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
