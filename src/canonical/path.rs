//! The canonical URI: optional removal of dot segments and empty segments, then encoding.

use super::encode::{decoded, hex_value, write_encoded, Encoding, STRICT};
use super::Sink;
use crate::stack::StackVec;

/// How the path of a request is canonicalized.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PathRules {
    /// Remove `.` and `..` segments and collapse empty segments (every service but S3).
    pub normalize: bool,
    /// Encode the wire path once more (`%` becomes `%25`) instead of bringing it to single
    /// canonical encoding (S3).
    pub double_encode: bool,
}

/// Writes the canonical URI of `wire_path` (the path exactly as it is sent).
pub(crate) fn write_path<S: Sink + ?Sized>(sink: &mut S, wire_path: &[u8], rules: PathRules) {
    let enc = if rules.double_encode {
        Encoding::PATH_DOUBLE
    } else {
        Encoding::PATH_SINGLE
    };
    if !wire_path.starts_with(b"/") {
        sink.put(b"/");
    }
    if !rules.normalize || !needs_normalizing(wire_path) {
        write_encoded(sink, wire_path, enc);
        return;
    }

    // Keep the segments that survive `.`/`..`/empty removal, as slices of the input.
    let mut kept: StackVec<&[u8], 32> = StackVec::new();
    for segment in wire_path.split(|&b| b == b'/') {
        match segment {
            b"" | b"." => {}
            // A `..` above the root stays at the root.
            b".." => kept.pop(),
            other => kept.push(other),
        }
    }
    // The leading '/' was written above when the input lacked it; write it here otherwise.
    if wire_path.starts_with(b"/") {
        sink.put(b"/");
    }
    for (i, segment) in kept.as_slice().iter().enumerate() {
        if i > 0 {
            sink.put(b"/");
        }
        write_encoded(sink, segment, enc);
    }
    let trailing_slash = [&b"/"[..], b"/.", b"/.."]
        .iter()
        .any(|end| wire_path.ends_with(end));
    if trailing_slash && kept.len() > 0 {
        sink.put(b"/");
    }
}

/// True if the path has an empty, `.` or `..` segment. Every such segment starts right after a
/// `/` with `/` or `.` (or is a leading `.`), so paths without that pair, the usual case, are
/// cleared in one pass over their bytes.
fn needs_normalizing(path: &[u8]) -> bool {
    let suspicious = path.starts_with(b".")
        || path
            .windows(2)
            .any(|w| w[0] == b'/' && (w[1] == b'/' || w[1] == b'.'));
    suspicious
        && (path.windows(2).any(|w| w == b"//")
            || path
                .split(|&b| b == b'/')
                .any(|segment| segment == b"." || segment == b".."))
}

/// Why a path is not in normal form: the verifier refuses such a path (for services whose
/// signing normalizes paths) because a router, a policy or a backend could read it as another
/// path than the one the signature covers.
pub(crate) fn check_normal(path: &[u8]) -> Result<(), &'static str> {
    if !path.starts_with(b"/") {
        return Err("the path must start with '/'");
    }
    if needs_normalizing(path) {
        return Err("the path has an empty, '.' or '..' segment");
    }
    let mut non_ascii = false;
    let mut bytes = path.iter().copied().enumerate();
    while let Some((i, b)) = bytes.next() {
        match b {
            b'\\' => return Err("the path contains a backslash"),
            // Servlet containers (Tomcat, Jetty, Spring) strip `;params` from each segment, so
            // `/admin;x/stats` is `/admin/stats` to them but not to a policy.
            b';' => {
                return Err("the path has a ';' (segment parameters, which some servers strip)")
            }
            b'%' => {
                let (Some((_, hi)), Some((_, lo))) = (bytes.next(), bytes.next()) else {
                    return Err("the path has a '%' not followed by two hex digits");
                };
                let byte = check_escape(hi, lo)?;
                if byte == b'%' && is_escape(path.get(i + 3..i + 5)) {
                    return Err(
                        "the path has a double-encoded escape ('%25' before two hex digits)",
                    );
                }
                non_ascii |= byte >= 0x80;
            }
            b => non_ascii |= b >= 0x80,
        }
    }
    // Overlong and other invalid UTF-8 (`%C0%AE` for '.') is read as '.' by some decoders.
    if non_ascii && std::str::from_utf8(&decoded(path, Encoding::PATH_SINGLE)).is_err() {
        return Err("the path does not decode to UTF-8");
    }
    Ok(())
}

fn is_escape(pair: Option<&[u8]>) -> bool {
    matches!(pair, Some([hi, lo]) if hi.is_ascii_hexdigit() && lo.is_ascii_hexdigit())
}

/// One `%XX` escape in normal form: upper-case hex, standing for a byte that has to be escaped
/// and that no router or backend reads as structure.
fn check_escape(hi: u8, lo: u8) -> Result<u8, &'static str> {
    let (Some(h), Some(l)) = (hex_value(hi), hex_value(lo)) else {
        return Err("the path has a '%' not followed by two hex digits");
    };
    if hi.is_ascii_lowercase() || lo.is_ascii_lowercase() {
        return Err("the path has a percent-escape in lower-case hex");
    }
    let byte = (h << 4) | l;
    match byte {
        b'/' | b'\\' => Err("the path has a percent-encoded '/' or '\\'"),
        0 => Err("the path has a percent-encoded NUL"),
        b if STRICT.keeps(b) => {
            Err("the path has a percent-encoded unreserved character (letter, digit, '-', '.', '_' or '~')")
        }
        b => Ok(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_paths() {
        for ok in [
            "/",
            "/prod/orders",
            "/prod/orders/",
            "/a%20b/c",
            "/%25",
            "/k%3A1",
            "/.../x",
            "/a.b/c..d/.e",
            "/%E2%82%AC",
            "/100%25",
            "/%25zz",
            "/\u{20ac}",
        ] {
            assert_eq!(check_normal(ok.as_bytes()), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "prod",
            "//a",
            "/a//b",
            "/a/./b",
            "/a/../b",
            "/a/.",
            "/a/..",
            "/./a",
            "/a/%2e%2e/b",
            "/a/%2E%2E/b",
            "/a/..%2Fb",
            "/a%2fb",
            "/a%5Cb",
            "/a\\b",
            "/%61dmin",
            "/a%7E",
            "/a%3a",
            "/a%",
            "/a%2",
            "/a%zz",
            "/a%00",
            "/a/..;/b",
            "/a/.;x/b",
            "/..;",
            "/a;b/c",
            "/x/..a;b",
            "/admin;jsessionid=1/stats",
            "/a/%252e%252e/b",
            "/%252F",
            "/a/%C0%AE%C0%AE/b",
            "/%E0%80%AE",
            "/%FF",
        ] {
            assert!(
                check_normal(bad.as_bytes()).is_err(),
                "{bad:?} should not be normal"
            );
        }
    }

    fn canon(path: &str, normalize: bool, double_encode: bool) -> String {
        let mut out = Vec::new();
        write_path(
            &mut out,
            path.as_bytes(),
            PathRules {
                normalize,
                double_encode,
            },
        );
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn normalization_removes_dots_and_empty_segments() {
        let cases = [
            ("", "/"),
            ("/", "/"),
            ("/example/..", "/"),
            ("/example/../", "/"),
            ("/example/.", "/example/"),
            ("/example/./", "/example/"),
            ("/./example/../foo", "/foo"),
            ("//example//", "/example/"),
            ("/a/b/../../..", "/"),
            ("/../../x", "/x"),
            ("/.../x", "/.../x"),
            ("/%2E%2E/x", "/%252E%252E/x"),
            ("a/b", "/a/b"),
            ("/a b/c", "/a%20b/c"),
        ];
        for (input, want) in cases {
            assert_eq!(canon(input, true, true), want, "input {input:?}");
        }
    }

    #[test]
    fn unnormalized_paths_keep_their_segments() {
        assert_eq!(canon("//example//", false, true), "//example//");
        assert_eq!(canon("/a/./b/../c", false, false), "/a/./b/../c");
        assert_eq!(canon("", false, false), "/");
        assert_eq!(canon("/k%2Fey", false, false), "/k%2Fey");
        assert_eq!(canon("/k%2Fey", false, true), "/k%252Fey");
    }
}
