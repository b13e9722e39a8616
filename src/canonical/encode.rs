//! SigV4's percent-encoding rules as `const` byte sets, and one tokenizer that both writes an
//! encoded component and compares two components by their encoded form, so that sorting and
//! writing can never disagree.

use percent_encoding::percent_encode_byte;

use super::Sink;

/// The bytes that pass through unencoded; every other byte becomes `%XX`. A table of 256
/// flags: one lookup per byte on the hot path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct KeepSet([bool; 256]);

impl KeepSet {
    /// The RFC 3986 unreserved characters: `A-Z a-z 0-9 - _ . ~`.
    const fn unreserved() -> Self {
        let mut table = [false; 256];
        let mut b = 0usize;
        while b < 128 {
            let c = b as u8;
            table[b] =
                c.is_ascii_alphanumeric() || c == b'-' || c == b'_' || c == b'.' || c == b'~';
            b += 1;
        }
        KeepSet(table)
    }

    const fn with(self, b: u8) -> Self {
        let mut table = self.0;
        table[b as usize] = true;
        KeepSet(table)
    }

    #[inline]
    pub(crate) const fn keeps(&self, b: u8) -> bool {
        self.0[b as usize]
    }
}

/// Only the unreserved characters are kept. This is what AWS calls "URI-encode", for query
/// names and values and for S3 path segments.
pub(crate) static STRICT: KeepSet = KeepSet::unreserved();

/// [`STRICT`] but `/` is kept: the set for a whole path.
pub(crate) static PATH: KeepSet = KeepSet::unreserved().with(b'/');

/// How a raw component is read before it is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Decode {
    /// The bytes are taken literally: `%` is data and becomes `%25` (double encoding).
    None,
    /// `%XX` escapes are decoded first (a `%` not followed by two hex digits is data).
    Percent,
    /// As `Percent`, and `+` means a space, as in `application/x-www-form-urlencoded` query
    /// strings; this is how AWS services and the SDKs read a query.
    PercentPlus,
}

/// How one component is rewritten into its canonical form.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Encoding {
    /// Set applied to bytes that appear literally in the input.
    pub raw: &'static KeepSet,
    /// Set applied to bytes that came out of a `%XX` escape (or a `+`).
    pub decoded: &'static KeepSet,
    pub decode: Decode,
}

impl Encoding {
    pub(crate) const QUERY: Encoding = Encoding {
        raw: &STRICT,
        decoded: &STRICT,
        decode: Decode::PercentPlus,
    };
    /// A value this crate produced itself (a credential, a date): encode, never decode.
    pub(crate) const PLAIN: Encoding = Encoding {
        raw: &STRICT,
        decoded: &STRICT,
        decode: Decode::None,
    };
    /// Paths for most services: the wire path is encoded once more, so `%` becomes `%25`.
    pub(crate) const PATH_DOUBLE: Encoding = Encoding {
        raw: &PATH,
        decoded: &PATH,
        decode: Decode::None,
    };
    /// Paths for S3: the wire path is brought to single canonical encoding. An escaped `/`
    /// (`%2F`) stays escaped because it is part of a key, not a separator.
    pub(crate) const PATH_SINGLE: Encoding = Encoding {
        raw: &PATH,
        decoded: &STRICT,
        decode: Decode::Percent,
    };

    /// True when the component is already canonical and can be used as it is.
    #[inline]
    pub(crate) fn is_identity(&self, raw: &[u8]) -> bool {
        raw.iter().all(|&b| self.passes(b))
    }

    /// True if `b`, read literally, is copied to the output unchanged.
    #[inline]
    pub(crate) fn keeps_literally(&self, b: u8) -> bool {
        self.passes(b)
    }

    #[inline]
    fn passes(&self, b: u8) -> bool {
        // `%` and `+` are never in a keep set, so being kept also means not being special.
        self.raw.keeps(b)
    }
}

/// One piece of encoded output.
enum Token<'a> {
    /// Input bytes copied unchanged.
    Run(&'a [u8]),
    /// A single byte output as itself.
    Byte(u8),
    /// A byte output as `%XX`.
    Escape(u8),
}

/// The value of one hex digit, either case.
pub(crate) fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn escape(b: u8) -> [u8; 3] {
    let mut out = [b'%'; 3];
    out.copy_from_slice(percent_encode_byte(b).as_bytes());
    out
}

struct Tokens<'a> {
    raw: &'a [u8],
    enc: Encoding,
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Token<'a>;

    #[inline]
    fn next(&mut self) -> Option<Token<'a>> {
        let (&first, rest) = self.raw.split_first()?;
        let run = self.raw.iter().take_while(|&&b| self.enc.passes(b)).count();
        if run > 0 {
            let (head, tail) = self.raw.split_at(run);
            self.raw = tail;
            return Some(Token::Run(head));
        }
        let decoding = self.enc.decode != Decode::None;
        if decoding && first == b'%' {
            if let [h, l, tail @ ..] = rest {
                if let (Some(h), Some(l)) = (hex_value(*h), hex_value(*l)) {
                    self.raw = tail;
                    let b = (h << 4) | l;
                    return Some(if self.enc.decoded.keeps(b) {
                        Token::Byte(b)
                    } else {
                        Token::Escape(b)
                    });
                }
            }
            self.raw = rest;
            return Some(Token::Escape(b'%'));
        }
        self.raw = rest;
        if self.enc.decode == Decode::PercentPlus && first == b'+' {
            return Some(Token::Escape(b' '));
        }
        Some(Token::Escape(first))
    }
}

fn tokens(raw: &[u8], enc: Encoding) -> Tokens<'_> {
    Tokens { raw, enc }
}

/// Writes `raw` in canonical encoding. Unchanged stretches are passed through as slices.
#[inline]
pub(crate) fn write_encoded<S: Sink + ?Sized>(sink: &mut S, raw: &[u8], enc: Encoding) {
    if enc.is_identity(raw) {
        sink.put(raw);
        return;
    }
    for token in tokens(raw, enc) {
        match token {
            Token::Run(run) => sink.put(run),
            Token::Byte(b) => sink.put(&[b]),
            Token::Escape(b) => sink.put(&escape(b)),
        }
    }
}

/// `raw` as a decoding server reads it: the bytes the tokenizer sees under `enc`, escapes
/// decoded (for checks of what a path stands for, not for canonicalization).
pub(crate) fn decoded(raw: &[u8], enc: Encoding) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    for token in tokens(raw, enc) {
        match token {
            Token::Run(run) => out.extend_from_slice(run),
            Token::Byte(b) | Token::Escape(b) => out.push(b),
        }
    }
    out
}

/// The canonical encoding of `raw`, byte by byte (for comparisons).
pub(crate) fn encoded_bytes(raw: &[u8], enc: Encoding) -> impl Iterator<Item = u8> + '_ {
    tokens(raw, enc).flat_map(|token| {
        let (buf, len): ([u8; 3], usize) = match token {
            Token::Run(run) => return TokenBytes::Run(run.iter().copied()),
            Token::Byte(b) => ([b, 0, 0], 1),
            Token::Escape(b) => (escape(b), 3),
        };
        TokenBytes::Small(buf.into_iter().take(len))
    })
}

enum TokenBytes<'a> {
    Run(std::iter::Copied<std::slice::Iter<'a, u8>>),
    Small(std::iter::Take<std::array::IntoIter<u8, 3>>),
}

impl Iterator for TokenBytes<'_> {
    type Item = u8;
    #[inline]
    fn next(&mut self) -> Option<u8> {
        match self {
            TokenBytes::Run(it) => it.next(),
            TokenBytes::Small(it) => it.next(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(raw: &str, e: Encoding) -> String {
        let mut out = Vec::new();
        write_encoded(&mut out, raw.as_bytes(), e);
        let via_iter: Vec<u8> = encoded_bytes(raw.as_bytes(), e).collect();
        assert_eq!(out, via_iter, "writer and comparator disagree on {raw:?}");
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn query_components_are_decoded_then_strictly_encoded() {
        let q = Encoding::QUERY;
        assert_eq!(enc("abc-_.~XYZ09", q), "abc-_.~XYZ09");
        assert_eq!(enc("a b", q), "a%20b");
        assert_eq!(enc("a+b", q), "a%20b");
        assert_eq!(enc("a%2bb", q), "a%2Bb");
        assert_eq!(enc("%7e%41", q), "~A");
        assert_eq!(enc("100%", q), "100%25");
        assert_eq!(enc("%zz%4", q), "%25zz%254");
        assert_eq!(enc("ሴ", q), "%E1%88%B4");
        assert_eq!(enc("a/b=c&", q), "a%2Fb%3Dc%26");
    }

    #[test]
    fn path_double_encodes_percent_and_keeps_slashes() {
        let p = Encoding::PATH_DOUBLE;
        assert_eq!(enc("/a b/%3D@", p), "/a%20b/%253D%40");
        assert_eq!(enc("/~x/", p), "/~x/");
    }

    #[test]
    fn path_single_normalizes_escapes_but_keeps_escaped_slash() {
        let p = Encoding::PATH_SINGLE;
        assert_eq!(enc("/a%2Fb/%7e/c d/%3d", p), "/a%2Fb/~/c%20d/%3D");
        assert_eq!(enc("/a+b@", p), "/a%2Bb%40");
    }

    #[test]
    fn identity_fast_path_is_never_wrong() {
        // `is_identity` may say "no" for an input that happens to encode to itself ("a%20" in a
        // query), which only costs speed; it must never say "yes" for one that changes.
        for s in ["abc", "a b", "a%20", "a+b", "~-_.", "/x/y", "%41", "ሴ"] {
            for e in [
                Encoding::QUERY,
                Encoding::PLAIN,
                Encoding::PATH_DOUBLE,
                Encoding::PATH_SINGLE,
            ] {
                if e.is_identity(s.as_bytes()) {
                    assert_eq!(enc(s, e), s, "{s:?} with {e:?}");
                }
            }
        }
        assert!(Encoding::QUERY.is_identity(b"abc-_.~"));
        assert!(!Encoding::QUERY.is_identity(b"a b"));
    }
}
