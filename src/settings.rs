//! Options that change how a request is signed.

use std::borrow::Cow;

use crate::canonical::names::{param, X_AMZ_SECURITY_TOKEN};
use crate::canonical::{Param, PathRules};

/// How a [`Signer`](crate::Signer) canonicalizes and signs. The default fits every SigV4 service
/// except S3; [`SigningSettings::s3`] fits S3 and S3-compatible stores.
///
/// ```
/// let mut settings = sigv4x::SigningSettings::default();
/// settings.unsigned_headers.to_mut().push("x-forwarded-for".into());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SigningSettings {
    /// Remove `.`/`..` and empty path segments before signing. Default `true`; S3: `false`
    /// (object keys may contain them).
    pub normalize_path: bool,
    /// Encode the path once more, so `%` is signed as `%25`. Default `true`; S3: `false` (the path
    /// is signed in single canonical encoding).
    pub double_encode_path: bool,
    /// Add `x-amz-content-sha256` (the payload line) as a signed header. Default `false`; S3:
    /// `true` (S3 requires it).
    pub content_sha256_header: bool,
    /// Sign `X-Amz-Security-Token` (`true`, the default) or add it after signing (`false`, which
    /// a few services such as IoT require).
    pub sign_session_token: bool,
    /// Header names (lower case) never signed, because proxies and clients rewrite them.
    /// Default: `authorization`, `user-agent`, `x-amzn-trace-id`, `expect`, and the hop-by-hop
    /// headers `connection`, `keep-alive`, `proxy-authenticate`, `proxy-authorization`, `te`,
    /// `trailer`, `transfer-encoding`, `upgrade`.
    pub unsigned_headers: Cow<'static, [Cow<'static, str>]>,
    /// Presigned URLs sign `UNSIGNED-PAYLOAD` instead of the hash of an empty body. Default
    /// `false`; S3: `true`.
    pub presign_unsigned_payload: bool,
}

/// The default [`SigningSettings::unsigned_headers`].
pub const DEFAULT_UNSIGNED_HEADERS: &[Cow<'static, str>] = &[
    Cow::Borrowed("authorization"),
    Cow::Borrowed("user-agent"),
    Cow::Borrowed("x-amzn-trace-id"),
    Cow::Borrowed("expect"),
    Cow::Borrowed("connection"),
    Cow::Borrowed("keep-alive"),
    Cow::Borrowed("proxy-authenticate"),
    Cow::Borrowed("proxy-authorization"),
    Cow::Borrowed("te"),
    Cow::Borrowed("trailer"),
    Cow::Borrowed("transfer-encoding"),
    Cow::Borrowed("upgrade"),
];

impl Default for SigningSettings {
    fn default() -> Self {
        SigningSettings {
            normalize_path: true,
            double_encode_path: true,
            content_sha256_header: false,
            sign_session_token: true,
            unsigned_headers: Cow::Borrowed(DEFAULT_UNSIGNED_HEADERS),
            presign_unsigned_payload: false,
        }
    }
}

impl SigningSettings {
    /// Settings for Amazon S3 and S3-compatible stores: no path normalization, single path
    /// encoding, a signed `x-amz-content-sha256`, and `UNSIGNED-PAYLOAD` in presigned URLs.
    #[must_use]
    pub fn s3() -> Self {
        SigningSettings {
            normalize_path: false,
            double_encode_path: false,
            content_sha256_header: true,
            presign_unsigned_payload: true,
            ..SigningSettings::default()
        }
    }

    /// True if `name` is in [`SigningSettings::unsigned_headers`].
    #[must_use]
    pub fn is_unsigned(&self, name: &[u8]) -> bool {
        self.unsigned_headers
            .iter()
            .any(|u| u.len() == name.len() && u.as_bytes().eq_ignore_ascii_case(name))
    }

    /// True when the session token travels outside the signature (`sign_session_token =
    /// false`): an unsigned `X-Amz-Security-Token` header, or a presigned URL's parameter left
    /// out of the canonical query.
    pub(crate) fn token_travels_outside(&self) -> bool {
        !self.sign_session_token
    }

    /// True if the header `name` is the session token and travels outside the signature. The
    /// signer never signs it (whoever set it); the verifier accepts it unsigned.
    pub(crate) fn is_outside_token(&self, name: &[u8]) -> bool {
        self.token_travels_outside() && name.eq_ignore_ascii_case(X_AMZ_SECURITY_TOKEN.as_bytes())
    }

    /// True if a request header `name` is never signed under these settings: one of
    /// [`SigningSettings::unsigned_headers`], or a session token that travels outside.
    pub(crate) fn never_signs(&self, name: &[u8]) -> bool {
        self.is_outside_token(name) || self.is_unsigned(name)
    }

    /// True if a presigned URL's query parameter is part of its canonical query: all are but
    /// `X-Amz-Signature`, and `X-Amz-Security-Token` when the token travels outside.
    pub(crate) fn signs_presigned_param(&self, p: &Param<'_>) -> bool {
        let is = |n: &str| p.name_is(n.as_bytes());
        !(is(param::SIGNATURE) || (self.token_travels_outside() && is(param::SECURITY_TOKEN)))
    }

    /// How these settings canonicalize the path.
    pub(crate) fn path_rules(&self) -> PathRules {
        PathRules {
            normalize: self.normalize_path,
            double_encode: self.double_encode_path,
        }
    }
}
