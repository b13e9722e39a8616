//! Step 1: the authentication parameters, read from exactly one place (the `Authorization`
//! header or a presigned URL's query), and the headers verification reads by name.

use std::borrow::Cow;

use crate::auth_params::{AuthorizationHeader, CredentialScope, PresignedQuery, Scheme};
use crate::canonical::names::{X_AMZ_CONTENT_SHA256, X_AMZ_DATE, X_AMZ_SECURITY_TOKEN};
use crate::request::{Headers, Input};
use crate::verify_error::VerifyError;

/// The headers verification reads by name, found in one pass: each value (the last one seen)
/// and how many times the name appeared.
pub(super) struct SpecialHeaders<'r> {
    pub(super) authorization: (Option<&'r [u8]>, usize),
    pub(super) date: (Option<&'r [u8]>, usize),
    pub(super) token: (Option<&'r [u8]>, usize),
    pub(super) content_sha256: (Option<&'r [u8]>, usize),
}

impl<'r> SpecialHeaders<'r> {
    pub(super) fn scan(headers: Headers<'r>) -> Self {
        let mut s = SpecialHeaders {
            authorization: (None, 0),
            date: (None, 0),
            token: (None, 0),
            content_sha256: (None, 0),
        };
        headers.for_each(|name, value| {
            let slot = match name.len() {
                13 if name.eq_ignore_ascii_case(b"authorization") => &mut s.authorization,
                10 if name.eq_ignore_ascii_case(X_AMZ_DATE.as_bytes()) => &mut s.date,
                20 if name.eq_ignore_ascii_case(X_AMZ_SECURITY_TOKEN.as_bytes()) => &mut s.token,
                20 if name.eq_ignore_ascii_case(X_AMZ_CONTENT_SHA256.as_bytes()) => {
                    &mut s.content_sha256
                }
                _ => return,
            };
            *slot = (Some(value), slot.1 + 1);
        });
        s
    }
}

/// Where the authentication parameters came from, as parsed. Owns what a presigned query had
/// to percent-decode; [`AuthSource::params`] lends the parameters out.
pub(super) enum AuthSource<'r> {
    Header {
        scheme: Scheme,
        auth: AuthorizationHeader<'r>,
        date: &'r [u8],
        token: Option<&'r str>,
    },
    Query(PresignedQuery<'r>),
}

/// The authentication parameters, wherever they came from.
pub(super) struct Params<'p> {
    pub(super) scheme: Scheme,
    pub(super) credential: CredentialScope<'p>,
    pub(super) signed_headers: &'p str,
    pub(super) signature: &'p str,
    pub(super) date: &'p [u8],
    pub(super) token: Option<&'p str>,
    /// `X-Amz-Expires`: only presigned URLs have it.
    pub(super) expires: Option<&'p str>,
    /// SigV4a: `X-Amz-Region-Set` of a presigned URL.
    #[cfg_attr(not(feature = "sigv4a"), allow(dead_code))]
    pub(super) query_region_set: Option<&'p Cow<'p, str>>,
}

impl<'r> AuthSource<'r> {
    /// Reads the parameters from the header or the query, never both.
    pub(super) fn read(
        input: &Input<'r>,
        special: &SpecialHeaders<'r>,
    ) -> Result<Self, VerifyError> {
        let (authorization, authorizations) = special.authorization;
        match (authorization, PresignedQuery::is_presigned(input.query)) {
            (None, false) => Err(VerifyError::MissingAuthentication),
            (Some(_), true) => Err(VerifyError::AmbiguousAuthentication),
            (Some(value), false) => {
                if authorizations > 1 {
                    return Err(VerifyError::IncompleteSignature {
                        reason: "The Authorization header must be given once.",
                    });
                }
                Self::from_header(value, special)
            }
            (None, true) => Ok(AuthSource::Query(PresignedQuery::parse(input.query)?)),
        }
    }

    fn from_header(value: &'r [u8], special: &SpecialHeaders<'r>) -> Result<Self, VerifyError> {
        let value = std::str::from_utf8(value).map_err(|_| VerifyError::IncompleteSignature {
            reason: "The Authorization header must be ASCII.",
        })?;
        let (scheme, auth) = AuthorizationHeader::parse_with_scheme(value)?;
        let date = match special.date {
            (Some(date), 1) => date,
            _ => return Err(VerifyError::MalformedDate),
        };
        let token = match special.token {
            (token, 0 | 1) => token,
            _ => {
                return Err(VerifyError::IncompleteSignature {
                    reason: "X-Amz-Security-Token must be given once.",
                })
            }
        };
        // A token that is not UTF-8 matches no store's token; its bytes are still signed.
        let token = token.map(|t| std::str::from_utf8(t).unwrap_or("\u{fffd}"));
        Ok(AuthSource::Header {
            scheme,
            auth,
            date,
            token,
        })
    }

    /// The parameters. Fails only as [`AuthSource::read`] would have (the presigned
    /// credential is parsed again).
    pub(super) fn params(&self) -> Result<Params<'_>, VerifyError> {
        Ok(match self {
            AuthSource::Header {
                scheme,
                auth,
                date,
                token,
            } => Params {
                scheme: *scheme,
                credential: auth.credential,
                signed_headers: auth.signed_headers,
                signature: auth.signature,
                date,
                token: *token,
                expires: None,
                query_region_set: None,
            },
            AuthSource::Query(q) => Params {
                scheme: q.scheme,
                credential: q.credential()?,
                signed_headers: &q.signed_headers,
                signature: &q.signature,
                date: q.date.as_bytes(),
                token: q.security_token.as_deref(),
                expires: Some(&q.expires),
                query_region_set: q.region_set.as_ref(),
            },
        })
    }
}
