//! Why a request could not be signed.

use std::fmt;
use std::time::Duration;

/// Why a request could not be signed. Each variant names what to fix.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SigningError {
    /// The signing time is before 1970 or after the year 9999.
    TimeOutOfRange,
    /// The request has no `Host` header and its URI has no authority to take one from.
    MissingHost,
    /// A header name is not an HTTP token.
    InvalidHeaderName {
        /// The offending name, lossily decoded.
        name: String,
    },
    /// A header value contains CR, LF or NUL, which would let it forge other headers.
    InvalidHeaderValue {
        /// The name of the header whose value is invalid.
        name: String,
    },
    /// The method is empty or not an HTTP token.
    InvalidMethod,
    /// A presigned URL must expire after 1 second to 7 days.
    InvalidExpiry {
        /// What was asked for.
        requested: Duration,
    },
    /// The access key id, region or service is empty, longer than 128 bytes, or contains
    /// characters that would break the credential scope or the `Authorization` header (`/`,
    /// `,`, `=`, `"`, `\`, whitespace, control or non-ASCII characters).
    InvalidScope {
        /// Which part: `"access key id"`, `"region"` or `"service"`.
        part: &'static str,
    },
    /// A [`Payload::Precomputed`](crate::Payload::Precomputed) value cannot be sent in a header.
    InvalidPayloadHash,
    /// The signed request's URI could not be rebuilt (a presigned URL beyond `http::Uri`'s limits).
    InvalidUri,
    /// SigV4a: the region set is empty or malformed.
    #[cfg(feature = "sigv4a")]
    InvalidRegionSet(crate::RegionSetError),
}

impl fmt::Display for SigningError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SigningError::TimeOutOfRange => {
                f.write_str("signing time must be between 1970 and the year 9999")
            }
            SigningError::MissingHost => f.write_str(
                "request has no Host header and its URI has no authority to derive one from",
            ),
            SigningError::InvalidHeaderName { name } => {
                write!(f, "header name {name:?} is not a valid HTTP token")
            }
            SigningError::InvalidHeaderValue { name } => {
                write!(f, "value of header {name:?} contains CR, LF or NUL")
            }
            SigningError::InvalidMethod => f.write_str("method is empty or not an HTTP token"),
            SigningError::InvalidExpiry { requested } => write!(
                f,
                "presigned URL expiry must be 1 to 604800 seconds, not {}s",
                requested.as_secs_f64()
            ),
            SigningError::InvalidScope { part } => write!(
                f,
                "{part} must be 1 to 128 printable ASCII characters without '/', ',', '=', '\"', '\\' or spaces"
            ),
            SigningError::InvalidPayloadHash => {
                f.write_str("precomputed payload value must be 1 to 128 visible ASCII characters")
            }
            SigningError::InvalidUri => {
                f.write_str("the presigned URL could not be built as an http::Uri")
            }
            #[cfg(feature = "sigv4a")]
            SigningError::InvalidRegionSet(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for SigningError {}
