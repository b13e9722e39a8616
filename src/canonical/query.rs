//! The canonical query string: parameters split from the wire query (and, when presigning, the
//! `X-Amz-*` parameters the signer adds), each name and value brought to canonical encoding, sorted
//! by encoded name and then encoded value, joined with `&`.

use std::cmp::Ordering;

use super::encode::{encoded_bytes, write_encoded, Encoding};
use super::headers::cmp_bytes;
use super::Sink;
use crate::stack::{sort_stable_by, StackVec};

/// One query parameter as it stands in the input.
///
/// Its default is all zero bytes (the parts are `Option`s, the encoding a small enum), so the
/// arrays of the signer's stack lists are cleared by `memset` rather than element by element.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Param<'a> {
    key: Option<&'a [u8]>,
    value: Option<&'a [u8]>,
    /// How `key` and `value` are turned into canonical form.
    kind: Kind,
    /// Both parts are already canonical, so they can be compared and written as they are.
    identity: bool,
}

/// Where a parameter came from, which decides its [`Encoding`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Kind {
    /// Read from a query string as sent: [`Encoding::QUERY`].
    #[default]
    Wire,
    /// Produced by this crate: [`Encoding::PLAIN`].
    Plain,
}

impl<'a> Param<'a> {
    /// A parameter read from a query string as it was sent.
    pub(crate) fn wire(key: &'a [u8], value: &'a [u8]) -> Self {
        Self::new(key, value, Kind::Wire)
    }

    /// A parameter whose value this crate produced and that still needs encoding.
    pub(crate) fn plain(key: &'a [u8], value: &'a [u8]) -> Self {
        Self::new(key, value, Kind::Plain)
    }

    fn new(key: &'a [u8], value: &'a [u8], kind: Kind) -> Self {
        let mut p = Param {
            key: Some(key),
            value: Some(value),
            kind,
            identity: false,
        };
        p.identity = p.enc().is_identity(key) && p.enc().is_identity(value);
        p
    }

    #[inline]
    fn key(&self) -> &'a [u8] {
        self.key.unwrap_or_default()
    }

    #[inline]
    fn value(&self) -> &'a [u8] {
        self.value.unwrap_or_default()
    }

    #[inline]
    fn enc(&self) -> Encoding {
        match self.kind {
            Kind::Wire => Encoding::QUERY,
            Kind::Plain => Encoding::PLAIN,
        }
    }

    /// True if the canonical name of this parameter is `name` (which must be canonical).
    pub(crate) fn name_is(&self, name: &[u8]) -> bool {
        // `name` is canonical (unreserved characters only): an encoding of it is never shorter,
        // and longer only through escapes.
        let key = self.key();
        if self.identity || self.enc().is_identity(key) {
            key == name
        } else if key.len() < name.len() || !key.contains(&b'%') {
            false
        } else {
            encoded_bytes(key, self.enc()).eq(name.iter().copied())
        }
    }

    fn cmp_canonical(&self, other: &Self) -> Ordering {
        if self.identity && other.identity {
            return cmp_bytes(self.key(), other.key())
                .then_with(|| cmp_bytes(self.value(), other.value()));
        }
        encoded_bytes(self.key(), self.enc())
            .cmp(encoded_bytes(other.key(), other.enc()))
            .then_with(|| {
                encoded_bytes(self.value(), self.enc())
                    .cmp(encoded_bytes(other.value(), other.enc()))
            })
    }
}

/// One `name=value` piece of a wire query.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Pair<'a> {
    /// The piece as sent, between its `&`s.
    pub text: &'a [u8],
    pub name: &'a [u8],
    pub value: &'a [u8],
}

/// The pieces of a wire query (without the leading `?`), split the way
/// `application/x-www-form-urlencoded` does: empty pieces between `&`s are skipped and a piece
/// without `=` is a name with an empty value. The one query splitter: the canonical query, a
/// presigned URL and the verifier's reading of `X-Amz-*` parameters all go through it.
pub(crate) fn pairs(query: &[u8]) -> impl Iterator<Item = Pair<'_>> {
    query
        .split(|&b| b == b'&')
        .filter(|piece| !piece.is_empty())
        .map(|text| {
            let (name, value) = match text.iter().position(|&b| b == b'=') {
                Some(at) => (
                    text.get(..at).unwrap_or_default(),
                    text.get(at + 1..).unwrap_or_default(),
                ),
                None => (text, &b""[..]),
            };
            Pair { text, name, value }
        })
}

/// [`pairs`] of a query held as text: names and values are split at ASCII bytes, so they are
/// text too.
pub(crate) fn str_pairs(query: &str) -> impl Iterator<Item = (&str, &str)> {
    pairs(query.as_bytes()).filter_map(|p| {
        Some((
            std::str::from_utf8(p.name).ok()?,
            std::str::from_utf8(p.value).ok()?,
        ))
    })
}

/// Splits a wire query into parameters (see [`pairs`]), keeping those `keep` accepts.
pub(crate) fn split_query<'a, const N: usize>(
    query: &'a [u8],
    out: &mut StackVec<Param<'a>, N>,
    mut keep: impl FnMut(&Param<'a>) -> bool,
) {
    for Pair { name, value, .. } in pairs(query) {
        let literal = |part: &[u8]| part.iter().all(|&b| Encoding::QUERY.keeps_literally(b));
        let param = Param {
            key: Some(name),
            value: Some(value),
            kind: Kind::Wire,
            identity: literal(name) && literal(value),
        };
        if keep(&param) {
            out.push(param);
        }
    }
}

/// Sorts parameters into canonical order (by encoded name, then encoded value).
pub(crate) fn sort_params(params: &mut [Param<'_>]) {
    sort_stable_by(params, |a, b| a.cmp_canonical(b) == Ordering::Less);
}

/// Writes sorted parameters as the canonical query string.
pub(crate) fn write_query<S: Sink + ?Sized>(sink: &mut S, params: &[Param<'_>]) {
    for (i, p) in params.iter().enumerate() {
        if i > 0 {
            sink.put(b"&");
        }
        write_param(sink, p);
    }
}

/// Writes one parameter as `name=value` in canonical encoding.
pub(crate) fn write_param<S: Sink + ?Sized>(sink: &mut S, p: &Param<'_>) {
    if p.identity {
        sink.put(p.key());
        sink.put(b"=");
        sink.put(p.value());
    } else {
        write_encoded(sink, p.key(), p.enc());
        sink.put(b"=");
        write_encoded(sink, p.value(), p.enc());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(query: &str) -> String {
        let mut params: StackVec<Param<'_>, 4> = StackVec::new();
        split_query(query.as_bytes(), &mut params, |_| true);
        sort_params(params.as_mut_slice());
        let mut out = Vec::new();
        write_query(&mut out, params.as_slice());
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn sorts_by_encoded_name_then_value() {
        assert_eq!(canon("b=2&a=1"), "a=1&b=2");
        assert_eq!(canon("a=2&a=1&a=10"), "a=1&a=10&a=2");
        // Name first, then value: "a" sorts before "a-b" although "a=" > "a-".
        assert_eq!(canon("a-b=1&a=2"), "a=2&a-b=1");
        // Sorting happens on the encoded form: "%E1%88%B4" < "P" because '%' < 'P'.
        assert_eq!(
            canon("Param-3=Value3&Param=Value2&%E1%88%B4=Value1"),
            "%E1%88%B4=Value1&Param=Value2&Param-3=Value3"
        );
        assert_eq!(canon("ሴ=bar"), "%E1%88%B4=bar");
    }

    #[test]
    fn empty_pieces_and_missing_values() {
        assert_eq!(canon(""), "");
        assert_eq!(canon("&&a&&b=&=c"), "=c&a=&b=");
        assert_eq!(canon("k=v=w"), "k=v%3Dw");
        assert_eq!(canon("a+b=c+d"), "a%20b=c%20d");
    }

    #[test]
    fn pairs_split_at_the_first_equals_sign() {
        let got: Vec<_> = str_pairs("a=1&&b&c=d=e&=f").collect();
        assert_eq!(got, [("a", "1"), ("b", ""), ("c", "d=e"), ("", "f")]);
        let texts: Vec<_> = pairs(b"a=1&&b").map(|p| p.text).collect();
        assert_eq!(texts, [&b"a=1"[..], b"b"]);
    }

    #[test]
    fn name_is_compares_canonical_names() {
        let p = Param::wire(b"X-Amz-%44ate", b"x");
        assert!(p.name_is(b"X-Amz-Date"));
        assert!(!p.name_is(b"X-Amz-Dat"));
    }
}
