//! The authentication parameters of a signed request: parsed from an `Authorization` header or
//! from the `X-Amz-*` parameters of a presigned URL. Parsing is strict: a missing, repeated,
//! empty or unknown parameter is an error, never a guess.

use std::borrow::Cow;

use crate::canonical::encode::{encoded_bytes, hex_value, Encoding};
use crate::canonical::names::param;
use crate::string_to_sign::ALGORITHM;
use crate::verify_error::VerifyError;

/// The credential of a signed request: `access-key-id/YYYYMMDD/region/service/aws4_request`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CredentialScope<'a> {
    /// The access key id.
    pub access_key_id: &'a str,
    /// The scope date, `YYYYMMDD`.
    pub date: &'a str,
    /// The region.
    pub region: &'a str,
    /// The service (signing name).
    pub service: &'a str,
}

const INCOMPLETE_CREDENTIAL: VerifyError = VerifyError::IncompleteSignature {
    reason:
        "Credential must have the form <access key id>/<YYYYMMDD>/<region>/<service>/aws4_request.",
};

/// Which signature scheme a request's authentication names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scheme {
    /// `AWS4-HMAC-SHA256`.
    V4,
    /// `AWS4-ECDSA-P256-SHA256`: a credential scope without a region, a region set.
    #[cfg(feature = "sigv4a")]
    V4a,
}

impl Scheme {
    /// The scheme named `algorithm`; `None` for one this build does not verify.
    pub(crate) fn from_algorithm(algorithm: &str) -> Option<Self> {
        match algorithm {
            ALGORITHM => Some(Scheme::V4),
            #[cfg(feature = "sigv4a")]
            crate::sigv4a::ALGORITHM_V4A => Some(Scheme::V4a),
            _ => None,
        }
    }

    /// The algorithm name.
    pub(crate) fn algorithm(self) -> &'static str {
        match self {
            Scheme::V4 => ALGORITHM,
            #[cfg(feature = "sigv4a")]
            Scheme::V4a => crate::sigv4a::ALGORITHM_V4A,
        }
    }
}

impl<'a> CredentialScope<'a> {
    /// Parses `id/date/region/service/aws4_request`.
    ///
    /// # Errors
    /// [`VerifyError::IncompleteSignature`] unless there are exactly five non-empty parts, the
    /// date is eight digits and the last part is `aws4_request`.
    pub fn parse(credential: &'a str) -> Result<Self, VerifyError> {
        Self::parse_for(credential, Scheme::V4)
    }

    /// Parses the credential of `scheme`: SigV4a's has no region (`id/date/service/aws4_request`,
    /// parsed with an empty region).
    pub(crate) fn parse_for(credential: &'a str, scheme: Scheme) -> Result<Self, VerifyError> {
        if scheme != Scheme::V4 {
            return Self::parse_regionless(credential);
        }
        // The last part is fixed, so only the first four need searching for: one pass that
        // records where the separators are.
        let head = credential
            .strip_suffix("/aws4_request")
            .ok_or(INCOMPLETE_CREDENTIAL)?;
        let mut cuts = [0usize; 3];
        let mut found = 0;
        for (i, b) in head.bytes().enumerate() {
            if b == b'/' {
                match cuts.get_mut(found) {
                    Some(cut) => *cut = i,
                    None => return Err(INCOMPLETE_CREDENTIAL),
                }
                found += 1;
            }
        }
        let [a, b, c] = cuts;
        let part = |from: usize, to: usize| head.get(from..to).filter(|p| !p.is_empty());
        let (3, Some(access_key_id), Some(date), Some(region), Some(service)) = (
            found,
            part(0, a),
            part(a + 1, b),
            part(b + 1, c),
            part(c + 1, head.len()),
        ) else {
            return Err(INCOMPLETE_CREDENTIAL);
        };
        if date.len() != 8 || !date.bytes().all(|b| b.is_ascii_digit()) {
            return Err(INCOMPLETE_CREDENTIAL);
        }
        Ok(CredentialScope {
            access_key_id,
            date,
            region,
            service,
        })
    }

    /// `id/date/service/aws4_request`, checked by the same rules through a stand-in region.
    fn parse_regionless(credential: &'a str) -> Result<Self, VerifyError> {
        let head = credential
            .strip_suffix("/aws4_request")
            .ok_or(INCOMPLETE_CREDENTIAL)?;
        let (id_and_date, service) = head.rsplit_once('/').ok_or(INCOMPLETE_CREDENTIAL)?;
        let (access_key_id, date) = id_and_date.split_once('/').ok_or(INCOMPLETE_CREDENTIAL)?;
        let ok = !access_key_id.is_empty()
            && !service.is_empty()
            && !service.contains('/')
            && date.len() == 8
            && date.bytes().all(|b| b.is_ascii_digit());
        if !ok {
            return Err(INCOMPLETE_CREDENTIAL);
        }
        Ok(CredentialScope {
            access_key_id,
            date,
            region: "",
            service,
        })
    }
}

/// The parameters of an `Authorization: AWS4-HMAC-SHA256 …` header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuthorizationHeader<'a> {
    /// `Credential=`.
    pub credential: CredentialScope<'a>,
    /// `SignedHeaders=`, as sent.
    pub signed_headers: &'a str,
    /// `Signature=`, as sent.
    pub signature: &'a str,
}

impl<'a> AuthorizationHeader<'a> {
    /// Parses an `Authorization` header value. Parameters are separated by commas with optional
    /// spaces, as every SDK writes them; each of `Credential`, `SignedHeaders` and `Signature`
    /// must appear exactly once and nothing else may.
    ///
    /// ```
    /// let h = sigv4x::primitives::AuthorizationHeader::parse(
    ///     "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/iam/aws4_request, \
    ///      SignedHeaders=host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
    /// )?;
    /// assert_eq!(h.credential.region, "us-east-1");
    /// # Ok::<(), sigv4x::VerifyError>(())
    /// ```
    ///
    /// # Errors
    /// [`VerifyError::UnsupportedAlgorithm`] for another `AWS4-` algorithm,
    /// [`VerifyError::IncompleteSignature`] for anything else that is not a complete SigV4
    /// header (a bearer token, a missing or repeated parameter).
    pub fn parse(value: &'a str) -> Result<Self, VerifyError> {
        Self::parse_with_scheme(value).map(|(_, header)| header)
    }

    /// Parses the header and names its scheme. With the `sigv4a` feature a SigV4a header parses
    /// too, its credential's region empty.
    pub(crate) fn parse_with_scheme(value: &'a str) -> Result<(Scheme, Self), VerifyError> {
        let value = value.trim_matches(' ');
        let (algorithm, rest) = split_once_ascii(value, b' ').unwrap_or((value, ""));
        let Some(scheme) = Scheme::from_algorithm(algorithm) else {
            if algorithm.starts_with("AWS4-") {
                return Err(VerifyError::UnsupportedAlgorithm);
            }
            return Err(VerifyError::IncompleteSignature {
                reason: "Authorization header requires 'Credential' parameter. Authorization \
                         header requires 'Signature' parameter. Authorization header requires \
                         'SignedHeaders' parameter. Authorization header requires existence of \
                         either a 'X-Amz-Date' or a 'Date' header.",
            });
        };
        let mut credential = None;
        let mut signed_headers = None;
        let mut signature = None;
        // One pass over `name=value` items separated by commas, spaces around them ignored.
        let bytes = rest.as_bytes();
        let mut at = 0;
        loop {
            while bytes.get(at) == Some(&b' ') {
                at += 1;
            }
            let name_start = at;
            // The three names are known: try them whole before scanning byte by byte.
            let known = ["Credential=", "SignedHeaders=", "Signature="]
                .into_iter()
                .find(|n| rest.get(at..).is_some_and(|r| r.starts_with(n)));
            match known {
                Some(n) => at += n.len() - 1,
                None => {
                    while bytes.get(at).is_some_and(|&b| b != b'=' && b != b',') {
                        at += 1;
                    }
                }
            }
            if bytes.get(at) != Some(&b'=') {
                return Err(MALFORMED_PARAM);
            }
            // `at` and `name_start` sit next to ASCII bytes, so both are character boundaries.
            let name = rest.get(name_start..at).ok_or(MALFORMED_PARAM)?;
            at += 1;
            let value_start = at;
            // Values are long (a 64-digit signature): a vectorized search beats a byte loop.
            at = rest
                .get(at..)
                .and_then(|tail| tail.find(','))
                .map_or(bytes.len(), |comma| at + comma);
            let mut value_end = at;
            while value_end > value_start && bytes.get(value_end - 1) == Some(&b' ') {
                value_end -= 1;
            }
            let value = rest.get(value_start..value_end).ok_or(MALFORMED_PARAM)?;
            let slot = match name {
                "Credential" => &mut credential,
                "SignedHeaders" => &mut signed_headers,
                "Signature" => &mut signature,
                _ => {
                    return Err(VerifyError::IncompleteSignature {
                        reason: "Authorization header has an unknown parameter; only Credential, \
                                 SignedHeaders and Signature are allowed.",
                    })
                }
            };
            if slot.replace(value).is_some() {
                return Err(VerifyError::IncompleteSignature {
                    reason: "Authorization header has a repeated parameter.",
                });
            }
            if at >= bytes.len() {
                break;
            }
            at += 1; // the comma
        }
        let credential =
            credential
                .filter(|c| !c.is_empty())
                .ok_or(VerifyError::IncompleteSignature {
                    reason: "Authorization header requires 'Credential' parameter.",
                })?;
        let signed_headers =
            signed_headers
                .filter(|s| !s.is_empty())
                .ok_or(VerifyError::IncompleteSignature {
                    reason: "Authorization header requires 'SignedHeaders' parameter.",
                })?;
        let signature =
            signature
                .filter(|s| !s.is_empty())
                .ok_or(VerifyError::IncompleteSignature {
                    reason: "Authorization header requires 'Signature' parameter.",
                })?;
        let header = AuthorizationHeader {
            credential: CredentialScope::parse_for(credential, scheme)?,
            signed_headers,
            signature,
        };
        Ok((scheme, header))
    }
}

/// The `X-Amz-*` parameters of a presigned URL, percent-decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PresignedQuery<'a> {
    credential: Cow<'a, str>,
    /// `X-Amz-SignedHeaders`.
    pub signed_headers: Cow<'a, str>,
    /// `X-Amz-Signature`.
    pub signature: Cow<'a, str>,
    /// `X-Amz-Date`.
    pub date: Cow<'a, str>,
    /// `X-Amz-Expires`.
    pub expires: Cow<'a, str>,
    /// `X-Amz-Security-Token`, if present.
    pub security_token: Option<Cow<'a, str>>,
    /// The scheme `X-Amz-Algorithm` names.
    pub(crate) scheme: Scheme,
    /// `X-Amz-Region-Set` (SigV4a), if present.
    pub(crate) region_set: Option<Cow<'a, str>>,
}

impl<'a> PresignedQuery<'a> {
    /// True if `query` carries any presigning parameter (`X-Amz-Algorithm`, `X-Amz-Credential`,
    /// `X-Amz-Signature`, …), that is, if the request means to be presigned.
    #[must_use]
    pub fn is_presigned(query: &str) -> bool {
        // Every spelling of those names has an 'X' or an escape in it.
        if !query.bytes().any(|b| b == b'X' || b == b'x' || b == b'%') {
            return false;
        }
        query_params(query).any(|(name, _)| {
            [param::ALGORITHM, param::CREDENTIAL, param::SIGNATURE]
                .iter()
                .any(|p| canonical_name_is(name, p))
        })
    }

    /// Parses the presigning parameters of a query string (without `?`). Other parameters are
    /// ignored.
    ///
    /// # Errors
    /// [`VerifyError::UnsupportedAlgorithm`] for another algorithm;
    /// [`VerifyError::IncompleteSignature`] when a parameter is missing, empty or repeated.
    pub fn parse(query: &'a str) -> Result<Self, VerifyError> {
        let mut found: [Option<&'a str>; 7] = [None; 7];
        let mut region_set = None;
        for (name, value) in query_params(query) {
            let slot = match param::ALL.iter().position(|p| canonical_name_is(name, p)) {
                Some(i) => found.get_mut(i).ok_or(INCOMPLETE_QUERY)?,
                None if canonical_name_is(name, param::REGION_SET) => &mut region_set,
                None => continue,
            };
            if slot.replace(value).is_some() {
                return Err(VerifyError::IncompleteSignature {
                    reason: "Query-string authentication parameters must not be repeated.",
                });
            }
        }
        let [algorithm, credential, date, expires, signed_headers, token, signature] = found;
        let required = |v: Option<&'a str>| -> Result<Cow<'a, str>, VerifyError> {
            v.map(decode)
                .filter(|v| !v.is_empty())
                .ok_or(INCOMPLETE_QUERY)
        };
        let scheme = Scheme::from_algorithm(&required(algorithm)?)
            .ok_or(VerifyError::UnsupportedAlgorithm)?;
        let q = PresignedQuery {
            scheme,
            region_set: region_set.map(decode),
            credential: required(credential)?,
            signed_headers: required(signed_headers)?,
            signature: required(signature)?,
            date: required(date)?,
            expires: required(expires)?,
            security_token: token.map(decode),
        };
        q.credential()?;
        Ok(q)
    }

    /// `X-Amz-Credential`.
    ///
    /// # Errors
    /// As [`CredentialScope::parse`].
    pub fn credential(&self) -> Result<CredentialScope<'_>, VerifyError> {
        CredentialScope::parse_for(&self.credential, self.scheme)
    }
}

/// An `Authorization` parameter that is not `name=value`.
const MALFORMED_PARAM: VerifyError = VerifyError::IncompleteSignature {
    reason: "Authorization header parameters must have the form name=value.",
};

const INCOMPLETE_QUERY: VerifyError = VerifyError::IncompleteSignature {
    reason: "Query-string authentication requires the X-Amz-Algorithm, X-Amz-Credential, \
             X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders and X-Amz-Expires parameters.",
};

/// The `name=value` pieces of a query, as sent.
pub(crate) fn query_params(query: &str) -> impl Iterator<Item = (&str, &str)> {
    crate::canonical::query::str_pairs(query)
}

/// Splits `s` at every `sep` (an ASCII byte). Authentication strings are short, and a plain
/// byte loop beats the general `str::split` searcher on them.
pub(crate) fn split_ascii(s: &str, sep: u8) -> impl Iterator<Item = &str> {
    let mut rest = Some(s);
    std::iter::from_fn(move || {
        let r = rest?;
        match split_once_ascii(r, sep) {
            Some((head, tail)) => {
                rest = Some(tail);
                Some(head)
            }
            None => {
                rest = None;
                Some(r)
            }
        }
    })
}

/// `s` split around the first `sep` (an ASCII byte, so both sides are valid `str`s).
pub(crate) fn split_once_ascii(s: &str, sep: u8) -> Option<(&str, &str)> {
    let at = s.bytes().position(|b| b == sep)?;
    Some((s.get(..at)?, s.get(at + 1..)?))
}

/// True if `name` (as sent) decodes to `canonical`.
pub(crate) fn canonical_name_is(name: &str, canonical: &str) -> bool {
    // `canonical` is unreserved characters only, so a name that encodes to it is as long when
    // written plainly and longer only through `%XX` escapes of unreserved characters.
    if name.len() == canonical.len() {
        return name == canonical;
    }
    if name.len() < canonical.len() || !name.contains('%') {
        return false;
    }
    encoded_bytes(name.as_bytes(), Encoding::QUERY).eq(canonical.bytes())
}

/// Percent-decodes a query value (`+` is a space), borrowing when nothing is escaped.
pub(crate) fn decode(value: &str) -> Cow<'_, str> {
    if !value.bytes().any(|b| b == b'%' || b == b'+') {
        return Cow::Borrowed(value);
    }
    let mut out = Vec::with_capacity(value.len());
    let mut bytes = value.bytes();
    while let Some(b) = bytes.next() {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let mut look = bytes.clone();
                let hex = |c: Option<u8>| c.and_then(hex_value);
                match (hex(look.next()), hex(look.next())) {
                    (Some(h), Some(l)) => {
                        out.push((h << 4) | l);
                        bytes = look;
                    }
                    _ => out.push(b'%'),
                }
            }
            other => out.push(other),
        }
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIG: &str = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7";

    #[test]
    fn parses_the_forms_sdks_send() {
        for header in [
            format!("AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/iam/aws4_request, SignedHeaders=host;x-amz-date, Signature={SIG}"),
            format!("AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/iam/aws4_request,SignedHeaders=host;x-amz-date,Signature={SIG}"),
            format!("AWS4-HMAC-SHA256  Signature={SIG},  Credential=AK/20150830/us-east-1/iam/aws4_request , SignedHeaders=host;x-amz-date"),
        ] {
            let h = AuthorizationHeader::parse(&header).unwrap();
            assert_eq!(h.credential.access_key_id, "AK");
            assert_eq!(h.credential.service, "iam");
            assert_eq!(h.signed_headers, "host;x-amz-date");
            assert_eq!(h.signature, SIG);
        }
    }

    #[test]
    fn refuses_incomplete_or_ambiguous_headers() {
        let cred = "Credential=AK/20150830/us-east-1/iam/aws4_request";
        let cases = [
            "Bearer eyJhbGciOi".to_string(),
            "AWS4-HMAC-SHA256".to_string(),
            format!("AWS4-HMAC-SHA256 {cred}, SignedHeaders=host"),
            format!("AWS4-HMAC-SHA256 {cred}, Signature={SIG}"),
            format!("AWS4-HMAC-SHA256 SignedHeaders=host, Signature={SIG}"),
            format!("AWS4-HMAC-SHA256 {cred}, {cred}, SignedHeaders=host, Signature={SIG}"),
            format!("AWS4-HMAC-SHA256 {cred}, SignedHeaders=host, Signature={SIG}, Extra=1"),
            format!("AWS4-HMAC-SHA256 {cred}, SignedHeaders=, Signature={SIG}"),
            format!("AWS4-HMAC-SHA256 {cred} SignedHeaders=host Signature={SIG}"),
            format!("AWS4-HMAC-SHA256 Credential=AK/2015083/us-east-1/iam/aws4_request, SignedHeaders=host, Signature={SIG}"),
            format!("AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/iam/aws4_request/x, SignedHeaders=host, Signature={SIG}"),
            format!("AWS4-HMAC-SHA256 Credential=AK//us-east-1/iam/aws4_request, SignedHeaders=host, Signature={SIG}"),
            format!("AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/iam/aws5_request, SignedHeaders=host, Signature={SIG}"),
        ];
        for case in &cases {
            let err = AuthorizationHeader::parse(case).unwrap_err();
            assert_eq!(err.code(), "IncompleteSignature", "{case}");
        }
        assert_eq!(
            AuthorizationHeader::parse("AWS4-HMAC-SHA512 Credential=x").unwrap_err(),
            VerifyError::UnsupportedAlgorithm
        );
    }

    #[test]
    fn presigned_parameters_are_decoded_and_must_be_unique() {
        let q = format!(
            "a=1&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK%2F20150830%2Fus-east-1%2Fs3%2Faws4_request\
             &X-Amz-Date=20150830T123600Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host%3Bx-amz-meta&X-Amz-Signature={SIG}"
        );
        assert!(PresignedQuery::is_presigned(&q));
        let p = PresignedQuery::parse(&q).unwrap();
        assert_eq!(p.credential().unwrap().service, "s3");
        assert_eq!(p.signed_headers, "host;x-amz-meta");
        assert_eq!(p.expires, "60");
        let twice = format!("{q}&X-Amz-Signature={SIG}");
        assert_eq!(
            PresignedQuery::parse(&twice).unwrap_err().code(),
            "IncompleteSignature"
        );
        // An escaped name is still that parameter: it cannot sneak in a second signature.
        let escaped = format!("{q}&X-Amz-%53ignature={SIG}");
        assert_eq!(
            PresignedQuery::parse(&escaped).unwrap_err().code(),
            "IncompleteSignature"
        );
        let missing = q.replace("&X-Amz-Expires=60", "");
        assert_eq!(
            PresignedQuery::parse(&missing).unwrap_err().code(),
            "IncompleteSignature"
        );
        assert!(!PresignedQuery::is_presigned("a=1&b=2"));
    }
}
