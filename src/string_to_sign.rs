//! The credential scope and the string to sign.

use crate::canonical::Sink;

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

impl Scope<'_> {
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
    sink.put(algorithm.as_bytes());
    sink.put(b"\n");
    sink.put(amz_date);
    sink.put(b"\n");
    scope.write(sink);
    sink.put(b"\n");
    sink.put(canonical_request_hash);
}

/// Writes the part of the string to sign before the hash: the same for every request signed in
/// one second.
pub(crate) fn write_string_to_sign_prefix<S: Sink + ?Sized>(
    sink: &mut S,
    amz_date: &[u8],
    scope: &Scope<'_>,
) {
    sink.put(ALGORITHM.as_bytes());
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
