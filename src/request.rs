//! What signing and verifying need from a request, however it was given: an
//! [`http::Request`] or a [`RawRequest`] of borrowed parts.

use crate::canonical::write_decimal;
use crate::error::SigningError;
use crate::stack::StackBuf;

/// A request given as its parts, for callers without an [`http::Request`], and for paths that
/// `http::Uri` cannot hold (raw spaces, raw UTF-8).
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use sigv4x::{Credentials, Payload, RawRequest, Signer};
///
/// let signer = Signer::new(Credentials::new("AKID", "SECRET", None), "us-east-1", "service");
/// let request = RawRequest {
///     method: "GET",
///     path: "/example space/",
///     query: "",
///     headers: &[("Host", "example.amazonaws.com")],
/// };
/// let when = UNIX_EPOCH + Duration::from_secs(1_440_938_160);
/// let signed = signer.sign_raw_at(&request, Payload::Empty, when)?;
/// for (name, value) in signed.headers() {
///     println!("{name}: {value}");
/// }
/// # Ok::<(), sigv4x::SigningError>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct RawRequest<'a> {
    /// The method, for example `GET`.
    pub method: &'a str,
    /// The path exactly as sent (percent-encoded or not), without the query.
    pub path: &'a str,
    /// The query exactly as sent, without the leading `?`; `""` for none.
    pub query: &'a str,
    /// Headers in the order sent; a name may repeat. Must include `Host`.
    pub headers: &'a [(&'a str, &'a str)],
}

/// What the canonicalization needs from a request, however it was given.
pub(crate) struct Input<'r> {
    pub(crate) method: &'r [u8],
    pub(crate) path: &'r [u8],
    pub(crate) query: &'r str,
    pub(crate) headers: Headers<'r>,
    /// The `Host` value to use when the headers have none (from the URI's authority).
    pub(crate) host: Option<&'r [u8]>,
    /// The URI of an `http::Request`, whose host the signer signs (and sends) when the
    /// headers have no `Host`.
    pub(crate) uri: Option<&'r http::Uri>,
}

#[derive(Clone, Copy)]
pub(crate) enum Headers<'r> {
    Map(&'r http::HeaderMap),
    Pairs(&'r [(&'r str, &'r str)]),
}

impl<'r> Headers<'r> {
    /// Calls `f` with every value of the header `name` (lower case), in the order sent.
    pub(crate) fn values_of(self, name: &str, mut f: impl FnMut(&'r [u8])) {
        match self {
            Headers::Map(map) => map.get_all(name).iter().for_each(|v| f(v.as_bytes())),
            Headers::Pairs(pairs) => pairs
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                .for_each(|(_, v)| f(v.as_bytes())),
        }
    }

    /// The only value of `name`: `Ok(None)` if absent, `Err(())` if repeated.
    pub(crate) fn single(self, name: &str) -> Result<Option<&'r [u8]>, ()> {
        let mut found = None;
        let mut count = 0;
        self.values_of(name, |v| {
            count += 1;
            found = Some(v);
        });
        if count > 1 {
            Err(())
        } else {
            Ok(found)
        }
    }

    /// True when every name is lower case (always so in an `http::HeaderMap`), so names can be
    /// compared and written as they are.
    pub(crate) fn names_are_lower(self) -> bool {
        matches!(self, Headers::Map(_))
    }

    pub(crate) fn for_each(self, mut f: impl FnMut(&'r [u8], &'r [u8])) {
        match self {
            Headers::Map(map) => map
                .iter()
                .for_each(|(n, v)| f(n.as_str().as_bytes(), v.as_bytes())),
            Headers::Pairs(pairs) => pairs
                .iter()
                .for_each(|(n, v)| f(n.as_bytes(), v.as_bytes())),
        }
    }
}

pub(crate) fn input_of<B>(request: &http::Request<B>) -> Input<'_> {
    let uri = request.uri();
    Input {
        method: request.method().as_str().as_bytes(),
        path: uri.path().as_bytes(),
        query: uri.query().unwrap_or_default(),
        headers: Headers::Map(request.headers()),
        host: None,
        uri: Some(uri),
    }
}

/// The `Host` a request without one is sent with: the URI's host, with its port unless it is the
/// scheme's default. `None` when the URI has no host.
pub(crate) fn host_from_uri(uri: &http::Uri) -> Option<StackBuf<256>> {
    let host = uri.host()?;
    let mut out = StackBuf::<256>::new();
    out.push(host.as_bytes());
    if let Some(port) = uri.port_u16() {
        let default = match uri.scheme_str() {
            Some("http") => Some(80),
            Some("https") => Some(443),
            _ => None,
        };
        if default != Some(port) {
            out.push(b":");
            write_decimal(&mut out, u64::from(port));
        }
    }
    Some(out)
}

/// Byte classes for header names, one table lookup a byte: bit 0 marks the RFC 9110 `tchar`s,
/// bit 1 the `tchar`s a canonical (lower-case) header name may use.
const NAME_CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0usize;
    while b < 128 {
        let c = b as u8;
        let special = matches!(
            c,
            b'!' | b'#'
                | b'$'
                | b'%'
                | b'&'
                | b'\''
                | b'*'
                | b'+'
                | b'-'
                | b'.'
                | b'^'
                | b'_'
                | b'`'
                | b'|'
                | b'~'
        );
        if c.is_ascii_alphanumeric() || special {
            table[b] = if c.is_ascii_uppercase() { 1 } else { 3 };
        }
        b += 1;
    }
    table
};

fn all_in_class(s: &[u8], bit: u8) -> bool {
    !s.is_empty() && s.iter().all(|&b| NAME_CLASS[usize::from(b)] & bit != 0)
}

/// True if `s` consists of lower-case `tchar`s and `sep`s only (a signed-headers list, before it
/// is split).
pub(crate) fn is_lower_token_list(s: &[u8], sep: u8) -> bool {
    s.iter()
        .all(|&b| b == sep || NAME_CLASS[usize::from(b)] & 2 != 0)
}

/// True for an HTTP token (a method or a header name): one or more `tchar`s.
pub(crate) fn is_token(s: &[u8]) -> bool {
    all_in_class(s, 1)
}

/// What makes a [`RawRequest`] impossible to send as it is. The signer and the verifier each
/// turn it into their own error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RawFault<'r> {
    /// The method is not an HTTP token.
    Method,
    /// This header name is not an HTTP token.
    HeaderName(&'r str),
    /// The value of this header contains CR, LF or NUL, which would let it forge other headers.
    HeaderValue(&'r str),
}

impl From<RawFault<'_>> for SigningError {
    fn from(fault: RawFault<'_>) -> Self {
        match fault {
            RawFault::Method => SigningError::InvalidMethod,
            RawFault::HeaderName(name) => SigningError::InvalidHeaderName { name: name.into() },
            RawFault::HeaderValue(name) => SigningError::InvalidHeaderValue { name: name.into() },
        }
    }
}

/// The parts of a [`RawRequest`], once its method and headers are known to be sendable. (A
/// missing `Host` is the caller's to judge: the signer refuses it, the verifier reports which
/// signed header is absent.)
pub(crate) fn raw_input<'r>(request: &RawRequest<'r>) -> Result<Input<'r>, RawFault<'r>> {
    if !is_token(request.method.as_bytes()) {
        return Err(RawFault::Method);
    }
    for (name, value) in request.headers {
        if !is_token(name.as_bytes()) {
            return Err(RawFault::HeaderName(name));
        }
        if value.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0)) {
            return Err(RawFault::HeaderValue(name));
        }
    }
    Ok(Input {
        method: request.method.as_bytes(),
        path: request.path.as_bytes(),
        query: request.query,
        headers: Headers::Pairs(request.headers),
        host: None,
        uri: None,
    })
}
