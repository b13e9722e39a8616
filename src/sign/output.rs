//! What signing hands back: the [`Signature`], the headers of a [`SigningOutput`], or the texts of
//! a [`SigningReport`], and [`SignatureLocation`], which chooses between headers and a URL.

use std::fmt;
use std::time::Duration;

use crate::canonical::{hex_lower, own_text};
use crate::date::AmzDate;
use crate::sign::pipeline::Explained;

/// A SigV4 signature: 64 lower-case hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Signature([u8; 64]);

impl Signature {
    pub(crate) fn from_mac(mac: &[u8; 32]) -> Self {
        Signature(hex_lower(mac))
    }

    /// The signature as hex text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        own_text(&self.0)
    }

    /// The signature as hex bytes.
    #[must_use]
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

/// The headers signing a request given as parts sets, for SigV4 and SigV4a alike.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct OutputHeaders {
    pub(crate) date: AmzDate,
    /// SigV4a only.
    pub(crate) region_set: Option<String>,
    pub(crate) authorization: String,
    pub(crate) security_token: Option<String>,
    pub(crate) content_sha256: Option<String>,
}

impl OutputHeaders {
    /// In the order `X-Amz-Date`, `X-Amz-Region-Set`, `X-Amz-Security-Token`,
    /// `X-Amz-Content-Sha256`, `Authorization` (the optional ones only when they apply).
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [
            Some(("X-Amz-Date", self.date.as_str())),
            self.region_set.as_deref().map(|s| ("X-Amz-Region-Set", s)),
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
}

/// What signing a [`RawRequest`](crate::RawRequest) produced: the headers to add to it.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningOutput {
    pub(crate) headers: OutputHeaders,
    pub(crate) signature: Signature,
}

impl SigningOutput {
    /// The headers to set on the request, in the order `X-Amz-Date`, `X-Amz-Security-Token`,
    /// `X-Amz-Content-Sha256`, `Authorization` (the optional ones only when they apply).
    pub fn headers(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.headers.iter()
    }

    /// The `Authorization` header value.
    #[must_use]
    pub fn authorization(&self) -> &str {
        &self.headers.authorization
    }

    /// The signature.
    #[must_use]
    pub fn signature(&self) -> Signature {
        self.signature
    }

    /// The `X-Amz-Date` value.
    #[must_use]
    pub fn date(&self) -> AmzDate {
        self.headers.date
    }
}

impl fmt::Debug for SigningOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let h = &self.headers;
        f.debug_struct("SigningOutput")
            .field("date", &h.date)
            .field("authorization", &h.authorization)
            .field(
                "security_token",
                &h.security_token.as_ref().map(|_| "** redacted **"),
            )
            .field("content_sha256", &h.content_sha256)
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

impl From<Explained<Signature>> for SigningReport {
    fn from(texts: Explained<Signature>) -> Self {
        SigningReport {
            canonical_request: texts.texts.canonical_request,
            string_to_sign: texts.texts.string_to_sign,
            signature: texts.signature,
        }
    }
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
