//! The credential scope and the strings to sign: the request's, and the chained ones of
//! aws-chunked chunks and trailers. Each is written into a [`Sink`] (an HMAC state, or a buffer
//! for a person to read), like the canonical request.

use crate::canonical::Sink;
use crate::date::AmzDate;
use crate::payload::EMPTY_SHA256;

/// The only algorithm SigV4 (as opposed to SigV4a) uses.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// The credential scope: `date/region/service/aws4_request`, or SigV4a's `date/service/aws4_request`
/// when the region is empty (SigV4 never has an empty region: signer and verifier refuse one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Scope<'a> {
    /// `YYYYMMDD`.
    pub date: &'a [u8],
    pub region: &'a str,
    pub service: &'a str,
}

impl<'a> Scope<'a> {
    /// SigV4's scope of `date` (`region` non-empty).
    pub(crate) fn of(date: &'a AmzDate, region: &'a str, service: &'a str) -> Self {
        Scope {
            date: date.date_bytes(),
            region,
            service,
        }
    }

    pub(crate) fn write<S: Sink + ?Sized>(&self, sink: &mut S) {
        sink.put(self.date);
        sink.put(b"/");
        if !self.region.is_empty() {
            sink.put(self.region.as_bytes());
            sink.put(b"/");
        }
        sink.put(self.service.as_bytes());
        sink.put(b"/aws4_request");
    }
}

/// Writes `AWS4-HMAC-SHA256\n<X-Amz-Date>\n<scope>\n<hex SHA-256 of the canonical request>`.
pub(crate) fn write_string_to_sign<S: Sink + ?Sized>(
    sink: &mut S,
    amz_date: &[u8],
    scope: &Scope<'_>,
    canonical_request_hash: &[u8; 64],
) {
    write_string_to_sign_as(sink, ALGORITHM, amz_date, scope, canonical_request_hash);
}

/// Writes `<algorithm>\n<X-Amz-Date>\n<scope>\n<hex SHA-256 of the canonical request>`: the
/// string to sign of SigV4 and of SigV4a (`AWS4-ECDSA-P256-SHA256`, scope without region).
pub(crate) fn write_string_to_sign_as<S: Sink + ?Sized>(
    sink: &mut S,
    algorithm: &str,
    amz_date: &[u8],
    scope: &Scope<'_>,
    canonical_request_hash: &[u8; 64],
) {
    write_start(sink, algorithm.as_bytes(), amz_date, scope);
    sink.put(canonical_request_hash);
}

/// A request's string to sign, for writing out as text (signing streams the same parts into the
/// MAC).
pub(crate) struct StringToSign<'a> {
    pub algorithm: &'a str,
    pub amz_date: &'a [u8; 16],
    pub scope: Scope<'a>,
    pub canonical_request_hash: [u8; 64],
}

impl StringToSign<'_> {
    pub(crate) fn write<S: Sink + ?Sized>(&self, sink: &mut S) {
        write_string_to_sign_as(
            sink,
            self.algorithm,
            self.amz_date,
            &self.scope,
            &self.canonical_request_hash,
        );
    }
}

/// The algorithm line of a chunk's string to sign.
const CHUNK_ALGORITHM: &[u8] = b"AWS4-HMAC-SHA256-PAYLOAD";
/// The algorithm line of the trailers' string to sign.
const TRAILER_ALGORITHM: &[u8] = b"AWS4-HMAC-SHA256-TRAILER";

/// Writes `AWS4-HMAC-SHA256-PAYLOAD\n<X-Amz-Date>\n<scope>\n<previous signature>\n<SHA-256 of "">\n<SHA-256 of the chunk>`.
pub(crate) fn write_chunk_string_to_sign<S: Sink + ?Sized>(
    sink: &mut S,
    amz_date: &[u8; 16],
    scope: &Scope<'_>,
    previous: &[u8; 64],
    chunk_hash: &[u8; 64],
) {
    write_chained_start(sink, CHUNK_ALGORITHM, amz_date, scope, previous);
    // The hash of nothing, where a hash of chunk headers could be.
    sink.put(EMPTY_SHA256.as_bytes());
    sink.put(b"\n");
    sink.put(chunk_hash);
}

/// Writes `AWS4-HMAC-SHA256-TRAILER\n<X-Amz-Date>\n<scope>\n<previous signature>\n<SHA-256 of the canonical trailers>`.
pub(crate) fn write_trailer_string_to_sign<S: Sink + ?Sized>(
    sink: &mut S,
    amz_date: &[u8; 16],
    scope: &Scope<'_>,
    previous: &[u8; 64],
    trailers_hash: &[u8; 64],
) {
    write_chained_start(sink, TRAILER_ALGORITHM, amz_date, scope, previous);
    sink.put(trailers_hash);
}

fn write_chained_start<S: Sink + ?Sized>(
    sink: &mut S,
    algorithm: &[u8],
    amz_date: &[u8; 16],
    scope: &Scope<'_>,
    previous: &[u8; 64],
) {
    write_start(sink, algorithm, amz_date, scope);
    sink.put(previous);
    sink.put(b"\n");
}

/// Writes the part of the string to sign before the hash: the same for every request signed in
/// one second.
pub(crate) fn write_string_to_sign_prefix<S: Sink + ?Sized>(
    sink: &mut S,
    amz_date: &[u8],
    scope: &Scope<'_>,
) {
    write_start(sink, ALGORITHM.as_bytes(), amz_date, scope);
}

fn write_start<S: Sink + ?Sized>(
    sink: &mut S,
    algorithm: &[u8],
    amz_date: &[u8],
    scope: &Scope<'_>,
) {
    sink.put(algorithm);
    sink.put(b"\n");
    sink.put(amz_date);
    sink.put(b"\n");
    scope.write(sink);
    sink.put(b"\n");
}

/// True for a part of the credential scope (access key id, region, service) that can be
/// written into `Credential=id/date/region/service/aws4_request` and parsed back unambiguously.
pub(crate) fn is_scope_part(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && s.bytes()
            .all(|b| b.is_ascii_graphic() && !matches!(b, b'/' | b',' | b'=' | b'"' | b'\\'))
}
