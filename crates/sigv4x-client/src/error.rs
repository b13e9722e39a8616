//! Why an outgoing request could not be signed.

use std::fmt;

/// Why an outgoing request was not signed (and so not sent).
#[derive(Debug)]
#[non_exhaustive]
pub enum SignError {
    /// The signer refused the request, or its credentials expired and could not be refreshed.
    Signing(sigv4x_credentials::SignError),
    /// The body is a stream, whose hash is not known before it is sent, and unsigned payloads
    /// were not allowed: allow them (`unsigned_payload(true)`) only for services that accept
    /// `UNSIGNED-PAYLOAD`, such as S3; otherwise give a buffered body.
    StreamingBody,
    /// The body could not be read to be hashed.
    Body(Box<dyn std::error::Error + Send + Sync>),
    /// The request's URL is not a valid `http::Uri`.
    InvalidUri(String),
}

impl fmt::Display for SignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignError::Signing(e) => write!(f, "cannot sign the request: {e}"),
            SignError::StreamingBody => f.write_str(
                "a streaming body can only be signed as UNSIGNED-PAYLOAD, which is not allowed \
                 here: buffer the body, or allow unsigned payloads for a service that accepts \
                 them (S3)",
            ),
            SignError::Body(e) => write!(f, "cannot read the request body to sign it: {e}"),
            SignError::InvalidUri(uri) => write!(f, "cannot sign a request to `{uri}`"),
        }
    }
}

impl std::error::Error for SignError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SignError::Signing(e) => Some(e),
            SignError::Body(e) => Some(e.as_ref()),
            _ => None,
        }
    }
}

impl From<sigv4x_credentials::SignError> for SignError {
    fn from(e: sigv4x_credentials::SignError) -> Self {
        SignError::Signing(e)
    }
}

impl From<sigv4x::SigningError> for SignError {
    fn from(e: sigv4x::SigningError) -> Self {
        SignError::Signing(e.into())
    }
}
