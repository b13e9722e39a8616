//! Why a request was refused, with the error code and HTTP status an AWS service returns.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::date::AmzDate;
use crate::explain::Explanation;

/// Why the verifier refused a request. Every variant maps to the error code and HTTP status a
/// real AWS service returns ([`VerifyError::code`], [`VerifyError::http_status`]), and to the
/// `x-amzn-ErrorType` API Gateway sends ([`VerifyError::api_gateway_error_type`]).
///
/// `Display` gives a message fit to send back to the client; it never contains secret material.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifyError {
    /// The request carries no SigV4 authentication at all (no `Authorization` header, no
    /// `X-Amz-Signature` query parameter).
    MissingAuthentication,
    /// The request carries both an `Authorization` header and presigned query parameters.
    AmbiguousAuthentication,
    /// An authentication parameter is missing, malformed or given twice.
    IncompleteSignature {
        /// What is wrong, for example `"Authorization header requires 'Credential' parameter."`.
        reason: &'static str,
    },
    /// The algorithm is not `AWS4-HMAC-SHA256` (for example SigV4a's `AWS4-ECDSA-P256-SHA256`).
    UnsupportedAlgorithm,
    /// `X-Amz-Date` is missing, repeated, or not `YYYYMMDD'T'HHMMSS'Z'`.
    MalformedDate,
    /// The credential scope's date is not the date of `X-Amz-Date`.
    ScopeDateMismatch,
    /// The credential is scoped to a region this verifier does not accept.
    WrongRegion {
        /// The region in the credential scope.
        region: String,
    },
    /// The credential is scoped to a service this verifier does not accept.
    WrongService {
        /// The service in the credential scope.
        service: String,
    },
    /// The access key id is not known to the secret store.
    UnknownAccessKey,
    /// The session token is missing, unexpected, or not the one the secret store requires.
    InvalidSessionToken,
    /// The key's temporary credentials expired (their [expiry](crate::KeyRecord::with_expiry)
    /// is not after the verifier's clock).
    ExpiredToken {
        /// When the credentials expired.
        expired_at: SystemTime,
        /// The server's clock.
        now: SystemTime,
    },
    /// The secret store could not answer (unreachable, failed, timed out, panicked). Not an
    /// authentication failure: `500 InternalFailure` or `503 ServiceUnavailable`, and the
    /// client may retry. The store's own error is the [`source`](std::error::Error::source),
    /// for logs; `Display` does not show it.
    Store(crate::StoreError),
    /// `X-Amz-Date` is further from the server's clock than the skew window allows.
    RequestTimeTooSkewed {
        /// When the request says it was signed.
        request_time: AmzDate,
        /// The server's clock.
        now: SystemTime,
        /// The largest difference accepted.
        max_skew: Duration,
    },
    /// A presigned URL's `X-Amz-Expires` is not a whole number of seconds within the limit.
    InvalidExpires {
        /// The largest expiry accepted.
        max: Duration,
    },
    /// A presigned URL has expired.
    Expired {
        /// When it stopped being valid.
        expired_at: SystemTime,
        /// The server's clock.
        now: SystemTime,
    },
    /// `SignedHeaders` is not in canonical form: lower case, sorted, no duplicates, no empty
    /// names.
    SignedHeadersNotCanonical,
    /// `SignedHeaders` does not include `host`.
    HostNotSigned,
    /// A header the request carries is not signed although it must be (every `x-amz-*`
    /// header, as S3 requires).
    HeaderNotSigned {
        /// The header's name.
        name: String,
    },
    /// A header listed in `SignedHeaders` is not in the request.
    SignedHeaderMissing {
        /// The header's name.
        name: String,
    },
    /// `x-amz-content-sha256` is not a SHA-256 in hex nor one of the literal payload modes.
    InvalidContentSha256,
    /// `x-amz-content-sha256` does not match the body.
    ContentSha256Mismatch,
    /// The request declares `UNSIGNED-PAYLOAD` or `STREAMING-UNSIGNED-PAYLOAD-TRAILER` (a body
    /// the signature does not cover), which this verifier does not accept.
    UnsignedPayloadNotAllowed,
    /// The body's hash is needed but neither given by the caller nor declared by the request.
    PayloadHashUnknown,
    /// The path is not in normal form (an empty, `.` or `..` segment, a `;`, a percent-encoded `/`,
    /// `\\`, NUL or unreserved character, a double-encoded escape, lower-case or broken escapes,
    /// bytes that do not decode to UTF-8). Signing normalizes the
    /// path for every service but S3, so such a path is signed as another one; a router, policy
    /// or backend reading the raw path would act on a path nobody signed. Refused before the
    /// signature is checked, unless [`crate::Verifier::accept_non_normal_paths`] is set.
    PathNotNormalized {
        /// What is wrong with the path.
        reason: &'static str,
    },
    /// The request declares an aws-chunked body (`STREAMING-…`) and the caller handed the
    /// verifier the body (or its hash) to check: a chunked body can only be verified chunk by
    /// chunk, through [`crate::Verifier::chunk_decoder`]. Verify with [`crate::Payload::Unsigned`]
    /// ("not read yet") and decode the body with the decoder.
    StreamingPayloadNeedsDecoder,
    /// The request itself is malformed (a header value with CR, LF or NUL, a bad name).
    MalformedRequest {
        /// What is wrong.
        reason: &'static str,
    },
    /// The signature does not match the one the server computed.
    SignatureDoesNotMatch(Box<Mismatch>),
    /// The same signature was already accepted inside the skew window (replay guard).
    Replayed,
    /// The replay guard is full of signatures that have not yet expired; the request is
    /// refused rather than let a replay through.
    ReplayGuardFull,
    /// The replay store (a network store shared by several servers) could not be asked, and
    /// is configured to fail closed: the request is refused rather than let a replay through.
    ReplayStoreUnavailable,
    /// SigV4a: the signature is not lower-case hex of a DER-encoded P-256 ECDSA signature whose
    /// two integers lie in [1, n − 1].
    #[cfg(feature = "sigv4a")]
    MalformedSignature {
        /// What is wrong.
        reason: &'static str,
    },
    /// SigV4a: `X-Amz-Region-Set` is empty or malformed.
    #[cfg(feature = "sigv4a")]
    InvalidRegionSet(crate::RegionSetError),
    /// SigV4a: the signed region set does not include a region this verifier serves.
    #[cfg(feature = "sigv4a")]
    RegionNotInSet {
        /// The region set the request was signed for.
        region_set: String,
    },
    /// SigV4a: the public key the secret store gave is not a SEC1-encoded P-256 point.
    #[cfg(feature = "sigv4a")]
    InvalidPublicKey,
}

/// What the server computed for a request whose signature did not match, for the client to
/// compare with its own (AWS puts the same texts in its error message). Session token values
/// are replaced by `<redacted>`.
#[derive(Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub(crate) canonical_request: String,
    pub(crate) string_to_sign: String,
}

impl Mismatch {
    /// The server's canonical request.
    #[must_use]
    pub fn canonical_request(&self) -> &str {
        &self.canonical_request
    }

    /// The server's string to sign.
    #[must_use]
    pub fn string_to_sign(&self) -> &str {
        &self.string_to_sign
    }
}

impl From<Explanation> for Mismatch {
    fn from(texts: Explanation) -> Self {
        Mismatch {
            canonical_request: texts.canonical_request,
            string_to_sign: texts.string_to_sign,
        }
    }
}

impl fmt::Debug for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mismatch")
            .field("string_to_sign", &self.string_to_sign)
            .finish_non_exhaustive()
    }
}

impl VerifyError {
    /// The AWS error code for this failure, as the query-protocol services (STS, IAM, EC2) and S3
    /// spell it: `SignatureDoesNotMatch`, `IncompleteSignature`, `MissingAuthenticationToken`,
    /// `InvalidClientTokenId`, `RequestTimeTooSkewed`, …
    #[must_use]
    pub fn code(&self) -> &'static str {
        use VerifyError::*;
        match self {
            MissingAuthentication => "MissingAuthenticationToken",
            AmbiguousAuthentication => "InvalidArgument",
            IncompleteSignature { .. }
            | UnsupportedAlgorithm
            | MalformedDate
            | ScopeDateMismatch
            | InvalidExpires { .. }
            | SignedHeadersNotCanonical
            | HostNotSigned => "IncompleteSignature",
            WrongRegion { .. } | WrongService { .. } | SignedHeaderMissing { .. } => {
                "SignatureDoesNotMatch"
            }
            SignatureDoesNotMatch(_) => "SignatureDoesNotMatch",
            UnknownAccessKey | InvalidSessionToken => "InvalidClientTokenId",
            ExpiredToken { .. } => "ExpiredToken",
            Store(e) if e.is_internal() => "InternalFailure",
            Store(_) => "ServiceUnavailable",
            RequestTimeTooSkewed { .. } => "RequestTimeTooSkewed",
            Expired { .. } => "RequestExpired",
            HeaderNotSigned { .. } => "AccessDenied",
            InvalidContentSha256 => "InvalidArgument",
            ContentSha256Mismatch => "XAmzContentSHA256Mismatch",
            UnsignedPayloadNotAllowed | PayloadHashUnknown | StreamingPayloadNeedsDecoder => {
                "InvalidRequest"
            }
            PathNotNormalized { .. } => "InvalidURI",
            MalformedRequest { .. } => "InvalidRequest",
            Replayed => "AccessDenied",
            ReplayGuardFull | ReplayStoreUnavailable => "ServiceUnavailable",
            #[cfg(feature = "sigv4a")]
            MalformedSignature { .. } | RegionNotInSet { .. } => "SignatureDoesNotMatch",
            #[cfg(feature = "sigv4a")]
            InvalidRegionSet(_) => "IncompleteSignature",
            #[cfg(feature = "sigv4a")]
            InvalidPublicKey => "InvalidClientTokenId",
        }
    }

    /// The HTTP status AWS answers with: 403 for authentication failures, 400 for malformed
    /// requests and payload errors, 503 when the replay guard is full or the secret store
    /// cannot answer, 500 when the store failed.
    #[must_use]
    pub fn http_status(&self) -> u16 {
        use VerifyError::*;
        match self {
            AmbiguousAuthentication
            | InvalidContentSha256
            | ContentSha256Mismatch
            | UnsignedPayloadNotAllowed
            | PayloadHashUnknown
            | StreamingPayloadNeedsDecoder
            | PathNotNormalized { .. }
            | MalformedRequest { .. } => 400,
            ReplayGuardFull | ReplayStoreUnavailable => 503,
            Store(e) if e.is_internal() => 500,
            Store(_) => 503,
            _ => 403,
        }
    }

    /// The `x-amzn-ErrorType` API Gateway (REST APIs with `AWS_IAM` authorization) sends for
    /// this failure, without the `:` suffix it appends.
    #[must_use]
    pub fn api_gateway_error_type(&self) -> &'static str {
        use VerifyError::*;
        match self {
            MissingAuthentication => "MissingAuthenticationTokenException",
            IncompleteSignature { .. }
            | UnsupportedAlgorithm
            | MalformedDate
            | InvalidExpires { .. }
            | SignedHeadersNotCanonical
            | HostNotSigned
            | AmbiguousAuthentication => "IncompleteSignatureException",
            UnknownAccessKey | InvalidSessionToken => "UnrecognizedClientException",
            #[cfg(feature = "sigv4a")]
            InvalidRegionSet(_) => "IncompleteSignatureException",
            #[cfg(feature = "sigv4a")]
            InvalidPublicKey => "UnrecognizedClientException",
            HeaderNotSigned { .. } | Replayed => "AccessDeniedException",
            InvalidContentSha256
            | ContentSha256Mismatch
            | UnsignedPayloadNotAllowed
            | PayloadHashUnknown
            | StreamingPayloadNeedsDecoder
            | PathNotNormalized { .. }
            | MalformedRequest { .. } => "BadRequestException",
            ReplayGuardFull | ReplayStoreUnavailable => "ServiceUnavailableException",
            ExpiredToken { .. } => "ExpiredTokenException",
            Store(e) if e.is_internal() => "InternalServerErrorException",
            Store(_) => "ServiceUnavailableException",
            _ => "InvalidSignatureException",
        }
    }

    /// For [`VerifyError::SignatureDoesNotMatch`], what the server computed.
    #[must_use]
    pub fn mismatch(&self) -> Option<&Mismatch> {
        match self {
            VerifyError::SignatureDoesNotMatch(m) => Some(m),
            _ => None,
        }
    }
}

fn unix(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn amz(t: SystemTime) -> String {
    AmzDate::from_unix(unix(t)).map_or_else(|| "?".into(), |d| d.as_str().to_owned())
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use VerifyError::*;
        match self {
            MissingAuthentication => f.write_str("Missing Authentication Token"),
            AmbiguousAuthentication => f.write_str(
                "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the \
                 Authorization header should be specified",
            ),
            IncompleteSignature { reason } => f.write_str(reason),
            UnsupportedAlgorithm if cfg!(feature = "sigv4a") => f.write_str(
                "Unsupported signing algorithm; only AWS4-HMAC-SHA256 and AWS4-ECDSA-P256-SHA256 \
                 are accepted",
            ),
            UnsupportedAlgorithm => f.write_str(
                "Unsupported signing algorithm; only AWS4-HMAC-SHA256 is accepted",
            ),
            MalformedDate => f.write_str(
                "X-Amz-Date must be given once, as YYYYMMDD'T'HHMMSS'Z' (ISO 8601 basic, UTC)",
            ),
            ScopeDateMismatch => f.write_str(
                "Invalid credential date: the credential scope's date is not the date of X-Amz-Date",
            ),
            WrongRegion { region } => write!(
                f,
                "Credential should be scoped to a valid region, not '{}'.",
                region.escape_debug()
            ),
            WrongService { service } => write!(
                f,
                "Credential should be scoped to correct service, not '{}'.",
                service.escape_debug()
            ),
            UnknownAccessKey | InvalidSessionToken => {
                f.write_str("The security token included in the request is invalid.")
            }
            ExpiredToken { .. } => {
                f.write_str("The security token included in the request is expired")
            }
            Store(e) if e.is_internal() => f.write_str(
                "The request processing has failed because of an unknown error, exception or \
                 failure.",
            ),
            Store(_) => f.write_str(
                "The request has failed due to a temporary failure of the server.",
            ),
            RequestTimeTooSkewed {
                request_time,
                now,
                max_skew,
            } => {
                let earlier = unix(*now) > request_time.unix_seconds();
                let bound = if earlier {
                    now.checked_sub(*max_skew).unwrap_or(UNIX_EPOCH)
                } else {
                    *now + *max_skew
                };
                write!(
                    f,
                    "Signature expired: {} is now {} than {} ({} {} {} min.)",
                    request_time,
                    if earlier { "earlier" } else { "later" },
                    amz(bound),
                    amz(*now),
                    if earlier { "-" } else { "+" },
                    max_skew.as_secs() / 60
                )
            }
            InvalidExpires { max } => write!(
                f,
                "X-Amz-Expires must be a whole number of seconds from 1 to {}",
                max.as_secs()
            ),
            Expired { expired_at, now } => write!(
                f,
                "Request has expired: it was valid until {}, and it is now {}",
                amz(*expired_at),
                amz(*now)
            ),
            SignedHeadersNotCanonical => f.write_str(
                "SignedHeaders must list lower-case header names, sorted, each once, separated by ';'",
            ),
            HostNotSigned => f.write_str("SignedHeaders must include host"),
            HeaderNotSigned { name } => write!(
                f,
                "There were headers present in the request which were not signed: {}",
                name.escape_debug()
            ),
            SignedHeaderMissing { name } => write!(
                f,
                "The header {} is listed in SignedHeaders but missing from the request",
                name.escape_debug()
            ),
            InvalidContentSha256 => f.write_str(
                "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, \
                 STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-UNSIGNED-PAYLOAD-TRAILER, \
                 or a SHA-256 in lower-case hex",
            ),
            ContentSha256Mismatch => f.write_str(
                "The provided 'x-amz-content-sha256' header does not match what was computed.",
            ),
            UnsignedPayloadNotAllowed => f.write_str(
                "An unsigned payload (UNSIGNED-PAYLOAD or STREAMING-UNSIGNED-PAYLOAD-TRAILER) is \
                 not accepted here",
            ),
            PathNotNormalized { reason } => write!(
                f,
                "The request path is not in normal form: {reason}; send the path exactly as it \
                 was signed"
            ),
            StreamingPayloadNeedsDecoder => f.write_str(
                "An aws-chunked (STREAMING-…) body is verified chunk by chunk through \
                 Verifier::chunk_decoder, not as a whole",
            ),
            PayloadHashUnknown => f.write_str(
                "the request body must be given to the verifier, or declared in x-amz-content-sha256",
            ),
            MalformedRequest { reason } => f.write_str(reason),
            SignatureDoesNotMatch(_) => f.write_str(
                "The request signature we calculated does not match the signature you provided. \
                 Check your AWS Secret Access Key and signing method. Consult the service \
                 documentation for details.",
            ),
            Replayed => f.write_str("This request signature has already been used"),
            ReplayGuardFull => f.write_str("Too many requests to check for replays; retry later"),
            ReplayStoreUnavailable => {
                f.write_str("The request cannot be checked for replays now; retry later")
            }
            #[cfg(feature = "sigv4a")]
            MalformedSignature { reason } => write!(f, "Malformed SigV4a signature: {reason}"),
            #[cfg(feature = "sigv4a")]
            InvalidRegionSet(e) => e.fmt(f),
            #[cfg(feature = "sigv4a")]
            RegionNotInSet { region_set } => write!(
                f,
                "The signature's region set '{}' does not include this region.",
                region_set.escape_debug()
            ),
            #[cfg(feature = "sigv4a")]
            InvalidPublicKey => f.write_str("The security token included in the request is invalid."),
        }
    }
}

impl fmt::Debug for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VerifyError::{}({:?})", self.code(), self.to_string())
    }
}

impl std::error::Error for VerifyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            VerifyError::Store(e) => Some(e),
            _ => None,
        }
    }
}
