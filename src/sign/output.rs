//! What signing hands back: the [`Signature`], the headers of a [`SigningOutput`], or the texts of
//! a [`SigningReport`], and [`SignatureLocation`], which chooses between headers and a URL.

use std::fmt;
use std::time::Duration;

use crate::date::AmzDate;
use crate::fast::hex::hex_lower;

/// A SigV4 signature: 64 lower-case hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Signature([u8; 64]);

impl Signature {
    pub(crate) fn from_mac(mac: &[u8; 32]) -> Self {
        Signature(hex_lower(mac))
    }

    /// The signature as hex text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The signature as hex bytes.
    pub fn as_bytes(&self) -> &[u8; 64] {
        &self.0
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({})", self.as_str())
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where the signature goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureLocation {
    /// The `Authorization` header.
    Headers,
    /// The query string of a presigned URL valid for this long.
    Query(Duration),
}

/// What signing a [`RawRequest`](crate::RawRequest) produced: the headers to add to it.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningOutput {
    pub(crate) date: AmzDate,
    pub(crate) authorization: String,
    pub(crate) security_token: Option<String>,
    pub(crate) content_sha256: Option<String>,
    pub(crate) signature: Signature,
}

impl SigningOutput {
    /// The headers to set on the request, in the order `X-Amz-Date`, `X-Amz-Security-Token`,
    /// `X-Amz-Content-Sha256`, `Authorization` (the optional ones only when they apply).
    pub fn headers(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [
            Some(("X-Amz-Date", self.date.as_str())),
            self.security_token
                .as_deref()
                .map(|t| ("X-Amz-Security-Token", t)),
            self.content_sha256
                .as_deref()
                .map(|c| ("X-Amz-Content-Sha256", c)),
            Some(("Authorization", self.authorization.as_str())),
        ]
        .into_iter()
        .flatten()
    }

    /// The `Authorization` header value.
    pub fn authorization(&self) -> &str {
        &self.authorization
    }

    /// The signature.
    pub fn signature(&self) -> Signature {
        self.signature
    }

    /// The `X-Amz-Date` value.
    pub fn date(&self) -> AmzDate {
        self.date
    }
}

impl fmt::Debug for SigningOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningOutput")
            .field("date", &self.date)
            .field("authorization", &self.authorization)
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "** redacted **"),
            )
            .field("content_sha256", &self.content_sha256)
            .finish()
    }
}

/// The intermediate texts of one signing, for people debugging a `SignatureDoesNotMatch`:
/// compare them with the ones in the service's error message.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SigningReport {
    /// The canonical request (its session token, if signed, is included as sent).
    pub canonical_request: String,
    /// The string to sign.
    pub string_to_sign: String,
    /// The resulting signature.
    pub signature: Signature,
}

impl fmt::Debug for SigningReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The canonical request may hold a session token: show it only through the fields.
        f.debug_struct("SigningReport")
            .field("string_to_sign", &self.string_to_sign)
            .field("signature", &self.signature)
            .finish_non_exhaustive()
    }
}
