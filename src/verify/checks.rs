//! The checks that need no signature: the scope (before the key is looked up), then the key
//! record, the time window, the signed headers and the session token (after).

use std::time::{Duration, SystemTime};

use subtle::ConstantTimeEq;

use super::parse::Params;
use super::store::{KeyRecord, SessionTokenRule};
use super::Verifier;
use crate::auth_params::{split_ascii, Scheme};
use crate::canonical::{headers::cmp_bytes, headers::sort_headers, HeaderRef};
use crate::date::AmzDate;
use crate::request::{is_lower_token_list, Headers, Input};
#[cfg(feature = "sigv4a")]
use crate::sigv4a::verify as sigv4a;
use crate::stack::StackVec;
use crate::verify_error::VerifyError;

/// The most headers a `SignedHeaders` list may name; a longer one is refused before any work.
const MAX_SIGNED_HEADERS: usize = 64;

/// What the scope check found: when the request was signed, and the region it was signed for
/// (SigV4a: the region set).
pub(super) struct Scoped<'p> {
    pub(super) request_time: AmzDate,
    pub(super) region: &'p str,
}

/// The signed headers of a request, canonical and sorted, ready for the canonical request.
pub(super) type SignedList<'p> = StackVec<HeaderRef<'p>, 12>;

impl<S> Verifier<S> {
    /// Step 2: the date is well formed and the scope's, the region and service are this
    /// verifier's.
    pub(super) fn check_scope<'p>(
        &self,
        headers: Headers<'p>,
        p: &Params<'p>,
    ) -> Result<Scoped<'p>, VerifyError> {
        let request_time = AmzDate::parse(p.date).ok_or(VerifyError::MalformedDate)?;
        if request_time.date() != p.credential.date {
            return Err(VerifyError::ScopeDateMismatch);
        }
        let region = self.check_region(p.scheme, p.credential.region, headers, p)?;
        if !self.services.iter().any(|s| s == p.credential.service) {
            return Err(VerifyError::WrongService {
                service: p.credential.service.to_owned(),
            });
        }
        Ok(Scoped {
            request_time,
            region,
        })
    }

    /// The region the request was signed for, checked against the verifier's: the credential's
    /// for SigV4, the signed region set for SigV4a (which then stands in the region's place).
    #[cfg_attr(not(feature = "sigv4a"), allow(unused_variables))]
    fn check_region<'p>(
        &self,
        scheme: Scheme,
        credential_region: &'p str,
        headers: Headers<'p>,
        p: &Params<'p>,
    ) -> Result<&'p str, VerifyError> {
        match scheme {
            Scheme::V4 if !self.regions.iter().any(|r| r == credential_region) => {
                Err(VerifyError::WrongRegion {
                    region: credential_region.to_owned(),
                })
            }
            Scheme::V4 => Ok(credential_region),
            #[cfg(feature = "sigv4a")]
            Scheme::V4a => {
                let set = sigv4a::region_set(headers, p.signed_headers, p.query_region_set)?;
                sigv4a::check_region_set(set, &self.regions)?;
                Ok(set)
            }
        }
    }

    /// Step 4: the record can sign this scheme and has not expired.
    pub(super) fn check_record(
        &self,
        record: &KeyRecord<'_>,
        scheme: Scheme,
        now: SystemTime,
    ) -> Result<(), VerifyError> {
        // An empty secret is no secret: anyone can sign with it, by HMAC or by the SigV4a key
        // it derives. Only a record that carries a SigV4a public key may have none, and then
        // only for SigV4a.
        if record.secret_access_key().is_empty()
            && (scheme == Scheme::V4 || !record.has_sigv4a_public_key())
        {
            return Err(VerifyError::UnknownAccessKey);
        }
        match record.expires_at() {
            Some(expired_at) if expired_at <= now => {
                Err(VerifyError::ExpiredToken { expired_at, now })
            }
            _ => Ok(()),
        }
    }

    /// Step 5: the request time is inside the skew window (header) or the URL has not expired
    /// (presigned). Returns until when the signature may be accepted.
    pub(super) fn check_time(
        &self,
        p: &Params<'_>,
        request_time: AmzDate,
        now: SystemTime,
    ) -> Result<SystemTime, VerifyError> {
        let signed_at = request_time.to_system_time();
        let skewed = || VerifyError::RequestTimeTooSkewed {
            request_time,
            now,
            max_skew: self.max_skew,
        };
        let Some(expires) = p.expires else {
            let too_old = now
                .duration_since(signed_at)
                .is_ok_and(|d| d > self.max_skew);
            let too_new = signed_at
                .duration_since(now)
                .is_ok_and(|d| d > self.max_skew);
            if too_old || too_new {
                return Err(skewed());
            }
            return Ok(signed_at + self.max_skew);
        };
        let seconds = parse_seconds(expires)
            .filter(|s| (1..=self.max_expiry.as_secs()).contains(s))
            .ok_or(VerifyError::InvalidExpires {
                max: self.max_expiry,
            })?;
        if signed_at
            .duration_since(now)
            .is_ok_and(|d| d > self.max_skew)
        {
            return Err(skewed());
        }
        let expired_at = signed_at + Duration::from_secs(seconds);
        if now > expired_at {
            return Err(VerifyError::Expired { expired_at, now });
        }
        Ok(expired_at)
    }

    /// Step 6: `SignedHeaders` is canonical, names `host` and every present header, and covers
    /// every `x-amz-*` header the request carries. Returns the signed headers, sorted.
    pub(super) fn signed_headers<'p>(
        &self,
        input: &Input<'p>,
        signed_headers: &'p str,
    ) -> Result<SignedList<'p>, VerifyError> {
        let names = signed_names(signed_headers)?;
        let headers = input.headers;
        // The signed name equal to `name` (in any case; exactly when names are lower case
        // already). The list is short and names differ in length more often than not, so a
        // linear scan that compares lengths first wins over a binary search here.
        let lower_names = headers.names_are_lower();
        let signed_name = |name: &[u8]| {
            names
                .as_slice()
                .iter()
                .find(|n| {
                    n.len() == name.len()
                        && if lower_names {
                            n.as_bytes() == name
                        } else {
                            n.as_bytes().eq_ignore_ascii_case(name)
                        }
                })
                .copied()
        };
        if signed_name(b"host").is_none() {
            return Err(VerifyError::HostNotSigned);
        }
        // One pass over the request's headers: collect the signed ones (in the order sent) and
        // find any x-amz-* header left unsigned.
        let mut unsigned = None;
        let mut list: SignedList<'p> = StackVec::new();
        headers.for_each(|name, value| match signed_name(name) {
            Some(canonical) => list.push(HeaderRef::lower(canonical.as_bytes(), value)),
            None if unsigned.is_none() && self.must_be_signed(name) => {
                unsigned = Some(String::from_utf8_lossy(name).to_ascii_lowercase());
            }
            None => {}
        });
        if let Some(name) = unsigned {
            return Err(VerifyError::HeaderNotSigned { name });
        }
        sort_headers(list.as_mut_slice());
        self.add_missing_host(input, &names, &mut list)?;
        Ok(list)
    }

    /// Every x-amz-* header must be signed, except an unsigned session token when the settings
    /// say tokens travel outside the signature, and the configured exceptions.
    fn must_be_signed(&self, name: &[u8]) -> bool {
        let amz = name.len() > 6
            && name
                .get(..6)
                .is_some_and(|p| p.eq_ignore_ascii_case(b"x-amz-"));
        let token_outside = self.settings.is_outside_token(name);
        let excepted = self
            .unsigned_allowed
            .iter()
            .any(|a| a.as_bytes().eq_ignore_ascii_case(name));
        amz && !token_outside && !excepted
    }

    /// Every signed name must be present; a missing host may come from the URI's authority
    /// (HTTP/2), and is then added.
    fn add_missing_host<'p>(
        &self,
        input: &Input<'p>,
        names: &StackVec<&'p str, 12>,
        list: &mut SignedList<'p>,
    ) -> Result<(), VerifyError> {
        let mut present = list
            .as_slice()
            .iter()
            .filter(|h| h.is_first())
            .map(|h| h.name());
        let mut next_present = present.next();
        let mut missing_host = false;
        for name in names.as_slice() {
            if next_present == Some(name.as_bytes()) {
                next_present = present.next();
            } else if *name == "host" && input.host.is_some() {
                missing_host = true;
            } else {
                return Err(VerifyError::SignedHeaderMissing {
                    name: (*name).to_owned(),
                });
            }
        }
        if let (true, Some(authority)) = (missing_host, input.host) {
            list.push(HeaderRef::lower(b"host", authority));
            sort_headers(list.as_mut_slice());
        }
        Ok(())
    }

    /// Step 7: the session token is the one the record requires (or the store checked it, or
    /// this verifier accepts any).
    pub(super) fn check_token(
        &self,
        record: &KeyRecord<'_>,
        token: Option<&str>,
    ) -> Result<(), VerifyError> {
        match (record.session_token_rule(), token) {
            (SessionTokenRule::CheckedByStore, _) | (SessionTokenRule::Absent, None) => Ok(()),
            (SessionTokenRule::Absent, Some(_)) if self.accept_any_session_token => Ok(()),
            (SessionTokenRule::Equals(required), Some(given))
                if bool::from(required.as_bytes().ct_eq(given.as_bytes())) =>
            {
                Ok(())
            }
            _ => Err(VerifyError::InvalidSessionToken),
        }
    }
}

/// `SignedHeaders` split into names, after one check of every byte: lower-case tokens,
/// non-empty and strictly ascending, at most [`MAX_SIGNED_HEADERS`].
fn signed_names(signed_headers: &str) -> Result<StackVec<&str, 12>, VerifyError> {
    if !is_lower_token_list(signed_headers.as_bytes(), b';') {
        return Err(VerifyError::SignedHeadersNotCanonical);
    }
    let mut names: StackVec<&str, 12> = StackVec::new();
    for name in split_ascii(signed_headers, b';') {
        let ordered = (names.as_slice().last())
            .is_none_or(|prev| cmp_bytes(prev.as_bytes(), name.as_bytes()).is_lt());
        if name.is_empty() || !ordered {
            return Err(VerifyError::SignedHeadersNotCanonical);
        }
        if names.len() >= MAX_SIGNED_HEADERS {
            return Err(VerifyError::IncompleteSignature {
                reason: "SignedHeaders names too many headers.",
            });
        }
        names.push(name);
    }
    Ok(names)
}

/// A whole number of seconds: 1 to 10 ASCII digits, no sign, no spaces.
fn parse_seconds(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 10 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}
