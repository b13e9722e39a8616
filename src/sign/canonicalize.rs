//! The part of signing SigV4 and SigV4a share: choose and sort the signed headers, build the
//! canonical query, and hand the [`CanonicalRequest`] on; afterwards, write a presigned URL's
//! query string.

use std::time::Duration;

use crate::canonical::headers::{sort_headers, write_signed_headers};
use crate::canonical::names::{
    param, X_AMZ_CONTENT_SHA256, X_AMZ_DATE, X_AMZ_REGION_SET, X_AMZ_SECURITY_TOKEN,
};
use crate::canonical::{query, write_decimal, CanonicalRequest, HeaderRef, Param, Sink};
use crate::date::AmzDate;
use crate::error::SigningError;
use crate::fast::name_filter::NameFilter;
use crate::payload::PayloadHash;
use crate::request::{host_from_uri, Input};
use crate::settings::SigningSettings;
use crate::stack::{StackBuf, StackVec};

use super::output::SignatureLocation;

/// The longest a presigned URL may stay valid: 7 days.
pub const MAX_PRESIGN_EXPIRY: Duration = Duration::from_secs(604_800);

/// What canonicalization needs to know of a signer besides the request.
pub(crate) struct Rules<'a> {
    pub settings: &'a SigningSettings,
    pub special: &'a NameFilter,
    pub token: Option<&'a str>,
}

/// The prefilter of every header name signing may leave out, replace or look for: one table
/// lookup and a bit test rule out almost every other header.
pub(crate) fn special_names(settings: &SigningSettings) -> NameFilter {
    // `host` too: its presence decides whether the URI's host is signed instead.
    let replaced = [
        X_AMZ_DATE,
        "authorization",
        X_AMZ_SECURITY_TOKEN,
        X_AMZ_CONTENT_SHA256,
        X_AMZ_REGION_SET,
        "host",
    ];
    let unsigned = settings.unsigned_headers.iter().map(|n| n.as_ref());
    NameFilter::new(replaced.into_iter().chain(unsigned).map(str::as_bytes))
}

/// What a signing scheme (SigV4 or SigV4a) adds to a request besides its own parts.
pub(crate) struct Additions<'a> {
    /// `X-Amz-Algorithm` of a presigned URL.
    pub algorithm: &'a str,
    /// `<access key id>/<scope>`.
    pub credential: &'a [u8],
    pub date: &'a AmzDate,
    /// SigV4a: the `X-Amz-Region-Set`, signed as a header or a query parameter.
    pub region_set: Option<&'a str>,
}

impl Additions<'_> {
    /// True for a query parameter presigning sets, which the request's own query loses.
    fn is_presign_param(&self, p: &Param<'_>) -> bool {
        param::ALL.iter().any(|name| p.name_is(name.as_bytes()))
            || (self.region_set.is_some() && p.name_is(param::REGION_SET.as_bytes()))
    }
}

/// Where the signature goes, as the pipeline uses it: a checked [`SignatureLocation`].
pub(crate) enum Place {
    /// The `Authorization` header: the signer's headers are signed.
    Headers,
    /// A presigned URL: the signer's parameters are signed, `expires` is `X-Amz-Expires`.
    Query { expires: StackBuf<8> },
}

impl Place {
    fn of(location: SignatureLocation) -> Result<Self, SigningError> {
        match location {
            SignatureLocation::Headers => Ok(Place::Headers),
            SignatureLocation::Query(expires) => {
                if !(1..=MAX_PRESIGN_EXPIRY.as_secs()).contains(&expires.as_secs()) {
                    return Err(SigningError::InvalidExpiry { requested: expires });
                }
                let mut text = StackBuf::new();
                write_decimal(&mut text, expires.as_secs());
                Ok(Place::Query { expires: text })
            }
        }
    }
}

/// The canonical request of one signing, with what finishing the signing needs.
pub(crate) struct Canonical<'c> {
    pub creq: CanonicalRequest<'c>,
    pub signed_headers: &'c [u8],
    /// The `Host` signed for a request that had none, to be sent with it.
    pub added_host: Option<&'c [u8]>,
    place: &'c Place,
    query: &'c str,
    add: &'c Additions<'c>,
    /// The session token, signed or not: a presigned URL carries it either way.
    token: Option<&'c str>,
}

/// Canonicalizes `input` and hands the canonical request to `finish`.
pub(crate) fn canonicalize<R>(
    rules: &Rules<'_>,
    input: &Input<'_>,
    payload: &PayloadHash<'_>,
    location: SignatureLocation,
    add: &Additions<'_>,
    finish: impl FnOnce(&Canonical<'_>) -> R,
) -> Result<R, SigningError> {
    let place = Place::of(location)?;
    // A token that travels outside the signature is sent, but not signed as a header.
    let token = rules
        .token
        .filter(|_| !rules.settings.token_travels_outside());

    let mut headers: StackVec<HeaderRef<'_>, 16> = StackVec::new();
    let has_host = request_headers(rules, input, &place, add, &mut headers);
    // A request without a Host header is signed (and sent) with its URI's host.
    let uri_host = match has_host {
        true => None,
        false => Some(
            input
                .uri
                .and_then(host_from_uri)
                .ok_or(SigningError::MissingHost)?,
        ),
    };
    if let Some(host) = &uri_host {
        headers.push(HeaderRef::lower(b"host", host.as_bytes()));
    }
    if let Place::Headers = place {
        signer_headers(rules.settings, add, token, payload, &mut headers);
    }
    sort_headers(headers.as_mut_slice());
    let mut signed_headers = StackBuf::<256>::new();
    write_signed_headers(&mut signed_headers, headers.as_slice());

    let mut params: StackVec<Param<'_>, 16> = StackVec::new();
    query::split_query(input.query.as_bytes(), &mut params, |p| {
        matches!(place, Place::Headers) || !add.is_presign_param(p)
    });
    if let Place::Query { expires } = &place {
        let signed = signed_headers.as_bytes();
        signer_params(rules, add, expires.as_bytes(), signed, &mut params);
    }
    query::sort_params(params.as_mut_slice());

    let settings = rules.settings;
    Ok(finish(&Canonical {
        creq: CanonicalRequest {
            method: input.method,
            path: input.path,
            path_rules: settings.path_rules(),
            params: params.as_slice(),
            headers: headers.as_slice(),
            signed_headers: signed_headers.as_bytes(),
            payload_hash: payload.as_bytes(),
        },
        signed_headers: signed_headers.as_bytes(),
        added_host: uri_host.as_ref().map(StackBuf::as_bytes),
        place: &place,
        query: input.query,
        add,
        token: rules.token,
    }))
}

/// Pushes the request's own headers that are signed; true if it has a `Host`.
fn request_headers<'i>(
    rules: &Rules<'_>,
    input: &Input<'i>,
    place: &Place,
    add: &Additions<'_>,
    out: &mut StackVec<HeaderRef<'i>, 16>,
) -> bool {
    let lower_names = input.headers.names_are_lower();
    let mut has_host = false;
    input.headers.for_each(|name, value| {
        if rules.special.may_contain(name) {
            has_host |= name.eq_ignore_ascii_case(b"host");
            if left_out(rules, place, add, name) {
                return;
            }
        }
        out.push(if lower_names {
            HeaderRef::lower(name, value)
        } else {
            HeaderRef::new(name, value)
        });
    });
    has_host
}

/// True for a request header that is not signed: one never signed under the settings (a token
/// that travels outside the signature among them), or one the signer sets itself when signing
/// in headers.
fn left_out(rules: &Rules<'_>, place: &Place, add: &Additions<'_>, name: &[u8]) -> bool {
    let settings = rules.settings;
    let is = |n: &str| name.eq_ignore_ascii_case(n.as_bytes());
    let replaced = matches!(place, Place::Headers)
        && (is(X_AMZ_DATE)
            || is("authorization")
            || (rules.token.is_some() && is(X_AMZ_SECURITY_TOKEN))
            || (settings.content_sha256_header && is(X_AMZ_CONTENT_SHA256))
            || (add.region_set.is_some() && is(X_AMZ_REGION_SET)));
    replaced || settings.never_signs(name)
}

/// Pushes the headers the signer sets when signing in headers.
fn signer_headers<'a>(
    settings: &SigningSettings,
    add: &Additions<'a>,
    token: Option<&'a str>,
    payload: &'a PayloadHash<'_>,
    out: &mut StackVec<HeaderRef<'a>, 16>,
) {
    let mut push = |name: &'static str, value: &'a [u8]| {
        out.push(HeaderRef::lower(name.as_bytes(), value));
    };
    push(X_AMZ_DATE, add.date.as_bytes());
    if let Some(set) = add.region_set {
        push(X_AMZ_REGION_SET, set.as_bytes());
    }
    if let Some(token) = token {
        push(X_AMZ_SECURITY_TOKEN, token.as_bytes());
    }
    if settings.content_sha256_header {
        push(X_AMZ_CONTENT_SHA256, payload.as_bytes());
    }
}

/// Pushes the `X-Amz-*` parameters of a presigned URL that its canonical query holds: the
/// settings say which (the signature is never among them).
fn signer_params<'a>(
    rules: &Rules<'a>,
    add: &Additions<'a>,
    expires: &'a [u8],
    signed_headers: &'a [u8],
    out: &mut StackVec<Param<'a>, 16>,
) {
    for_each_signer_param(add, rules.token, expires, signed_headers, |name, value| {
        let p = Param::plain(name.as_bytes(), value);
        if rules.settings.signs_presigned_param(&p) {
            out.push(p);
        }
    });
}

/// The `X-Amz-*` parameters of a presigned URL but for the signature, in the order it lists them.
fn for_each_signer_param<'a>(
    add: &Additions<'a>,
    token: Option<&'a str>,
    expires: &'a [u8],
    signed_headers: &'a [u8],
    mut f: impl FnMut(&'static str, &'a [u8]),
) {
    f(param::ALGORITHM, add.algorithm.as_bytes());
    f(param::CREDENTIAL, add.credential);
    f(param::DATE, add.date.as_bytes());
    f(param::EXPIRES, expires);
    f(param::SIGNED_HEADERS, signed_headers);
    if let Some(set) = add.region_set {
        f(param::REGION_SET, set.as_bytes());
    }
    if let Some(token) = token {
        f(param::SECURITY_TOKEN, token.as_bytes());
    }
}

impl Canonical<'_> {
    /// What the scheme added: algorithm, credential, date, region set.
    pub(crate) fn additions(&self) -> &Additions<'_> {
        self.add
    }

    /// The `Authorization` header value, built in a buffer of exactly its length so that it
    /// becomes a `HeaderValue` without another copy.
    pub(crate) fn authorization(&self, signature: &[u8]) -> Vec<u8> {
        let parts: [&[u8]; 6] = [
            self.add.algorithm.as_bytes(),
            b" Credential=",
            self.add.credential,
            b", SignedHeaders=",
            self.signed_headers,
            b", Signature=",
        ];
        let len = parts.iter().map(|p| p.len()).sum::<usize>() + signature.len();
        let mut out = Vec::with_capacity(len);
        parts.iter().for_each(|p| out.extend_from_slice(p));
        out.extend_from_slice(signature);
        out
    }

    /// Presigning only: the presigned URL's query string, after `url_prefix` (the URL up to
    /// its `?`, or nothing): the request's own parameters, then the `X-Amz-*` ones.
    pub(crate) fn presigned_query(&self, url_prefix: &[u8], signature: &[u8]) -> Option<String> {
        let Place::Query { expires } = self.place else {
            return None;
        };
        let add = self.add;
        let mut out = Vec::with_capacity(url_prefix.len() + self.query.len() + 480);
        out.put(url_prefix);
        for pair in query::pairs(self.query.as_bytes()) {
            if !add.is_presign_param(&Param::wire(pair.name, pair.value)) {
                out.put(pair.text);
                out.put(b"&");
            }
        }
        let mut added = |name: &str, value: &[u8]| {
            query::write_param(&mut out, &Param::plain(name.as_bytes(), value));
            out.put(b"&");
        };
        let signed = self.signed_headers;
        for_each_signer_param(add, self.token, expires.as_bytes(), signed, &mut added);
        added(param::SIGNATURE, signature);
        out.pop();
        // Built from `&str` inputs and ASCII, so this is UTF-8 and the conversion is free.
        Some(
            String::from_utf8(out)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
        )
    }
}
