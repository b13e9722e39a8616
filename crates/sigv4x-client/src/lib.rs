#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(missing_debug_implementations)]

mod error;
#[cfg(feature = "tower")]
mod layer;
#[cfg(feature = "reqwest-middleware")]
mod middleware;

pub use error::SignError;
#[cfg(feature = "tower")]
pub use layer::{BoxError, SigV4Signing, SigV4SigningLayer, SignedBody};
#[cfg(feature = "reqwest-middleware")]
pub use middleware::SigV4Middleware;
pub use sigv4x_credentials::RefreshingSigner;

/// The header that tells the server the payload line of the signature.
pub(crate) const X_AMZ_CONTENT_SHA256: http::HeaderName =
    http::HeaderName::from_static("x-amz-content-sha256");

/// Marks a request whose body is not hashed: the signature covers `UNSIGNED-PAYLOAD`, which
/// the request declares in `x-amz-content-sha256` (and signs, so it cannot be changed).
pub(crate) fn declare_unsigned(headers: &mut http::HeaderMap) {
    headers.insert(
        X_AMZ_CONTENT_SHA256,
        http::HeaderValue::from_static(sigv4x::UNSIGNED_PAYLOAD),
    );
}
