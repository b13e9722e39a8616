//! What the entry points of [`Signer`](crate::Signer) and `SignerV4a` share: each scheme runs
//! its pipeline ([`Scheme::run`]) and these functions write the result where it goes — the
//! request's headers, a presigned URL, or the texts of a report.

use std::time::{Duration, SystemTime};

use http::header::{HeaderName, HeaderValue, AUTHORIZATION, HOST};

use crate::canonical::names::{
    X_AMZ_CONTENT_SHA256, X_AMZ_DATE, X_AMZ_REGION_SET, X_AMZ_SECURITY_TOKEN,
};
use crate::error::SigningError;
use crate::explain::Explanation;
use crate::payload::{Payload, PayloadHash};
use crate::request::{input_of, raw_input, Input, RawRequest};
use crate::settings::SigningSettings;
use crate::stack::StackBuf;
use crate::string_to_sign::StringToSign;

use super::canonicalize::Canonical;
use super::output::{OutputHeaders, SignatureLocation};

/// A signature that is written as hex text.
pub(crate) trait HexSignature: Copy {
    fn hex(&self) -> &[u8];
}

/// A signed request, borrowed from the pipeline while an entry point finishes it.
pub(crate) struct Signed<'s, 'p, S> {
    pub canonical: &'s Canonical<'s>,
    pub payload: PayloadHash<'p>,
    pub string_to_sign: StringToSign<'s>,
    pub signature: S,
}

impl<S: HexSignature> Signed<'_, '_, S> {
    pub(crate) fn authorization(&self) -> Vec<u8> {
        self.canonical.authorization(self.signature.hex())
    }

    /// Presigning only: the query string, after `url_prefix`.
    fn presigned_query(&self, url_prefix: &[u8]) -> Option<String> {
        self.canonical
            .presigned_query(url_prefix, self.signature.hex())
    }
}

/// A signing scheme: SigV4 (HMAC) or SigV4a (ECDSA).
pub(crate) trait Scheme {
    type Signature: HexSignature;

    fn settings(&self) -> &SigningSettings;
    fn session_token(&self) -> Option<&str>;
    /// SigV4a's region set, sent as `X-Amz-Region-Set`.
    fn region_set(&self) -> Option<&str>;

    /// Canonicalizes and signs `input`, and hands the result to `finish`.
    fn run<'p, R>(
        &self,
        input: &Input<'_>,
        payload: Payload<'p>,
        time: SystemTime,
        location: SignatureLocation,
        finish: impl FnOnce(Signed<'_, 'p, Self::Signature>) -> R,
    ) -> Result<R, SigningError>;
}

/// The header values signing sets, made while the pipeline's borrows last.
struct HeaderValues<S> {
    host: Option<Result<HeaderValue, http::header::InvalidHeaderValue>>,
    date: Result<HeaderValue, http::header::InvalidHeaderValue>,
    authorization: Result<HeaderValue, http::header::InvalidHeaderValue>,
    content_sha256: Option<Result<HeaderValue, http::header::InvalidHeaderValue>>,
    signature: S,
}

fn invalid(name: &str) -> SigningError {
    SigningError::InvalidHeaderValue { name: name.into() }
}

/// Signs `request` in its headers; see [`Signer::sign_at`](crate::Signer::sign_at).
pub(crate) fn sign_request<S: Scheme, B>(
    scheme: &S,
    request: &mut http::Request<B>,
    payload: Payload<'_>,
    time: SystemTime,
) -> Result<S::Signature, SigningError> {
    let input = input_of(request);
    let settings = scheme.settings();
    let values = scheme.run(&input, payload, time, SignatureLocation::Headers, |s| {
        HeaderValues {
            host: s.canonical.added_host.map(HeaderValue::from_bytes),
            date: HeaderValue::from_bytes(s.canonical.additions().date.as_bytes()),
            authorization: HeaderValue::try_from(s.authorization()),
            content_sha256: settings
                .content_sha256_header
                .then(|| HeaderValue::from_bytes(s.payload.as_bytes())),
            signature: s.signature,
        }
    })?;

    let name = HeaderName::from_static;
    let headers = request.headers_mut();
    if let Some(value) = values.host {
        headers.insert(HOST, value.map_err(|_| invalid("host"))?);
    }
    let date = values.date.map_err(|_| invalid(X_AMZ_DATE))?;
    headers.insert(name(X_AMZ_DATE), date);
    if let Some(set) = scheme.region_set() {
        let value = HeaderValue::from_str(set).map_err(|_| invalid(X_AMZ_REGION_SET))?;
        headers.insert(name(X_AMZ_REGION_SET), value);
    }
    if let Some(token) = scheme.session_token() {
        let mut value = HeaderValue::from_str(token).map_err(|_| invalid(X_AMZ_SECURITY_TOKEN))?;
        value.set_sensitive(true);
        headers.insert(name(X_AMZ_SECURITY_TOKEN), value);
    }
    if let Some(value) = values.content_sha256 {
        let value = value.map_err(|_| invalid(X_AMZ_CONTENT_SHA256))?;
        headers.insert(name(X_AMZ_CONTENT_SHA256), value);
    }
    let mut value = values.authorization.map_err(|_| invalid("authorization"))?;
    value.set_sensitive(true);
    headers.insert(AUTHORIZATION, value);
    Ok(values.signature)
}

/// Signs a request given as parts; returns the headers to add.
pub(crate) fn sign_raw<S: Scheme>(
    scheme: &S,
    request: &RawRequest<'_>,
    payload: Payload<'_>,
    time: SystemTime,
) -> Result<(OutputHeaders, S::Signature), SigningError> {
    let input = raw_input(request)?;
    let owned = |s: &str| s.to_owned();
    let content_sha256 = scheme.settings().content_sha256_header;
    scheme.run(&input, payload, time, SignatureLocation::Headers, |s| {
        let headers = OutputHeaders {
            date: *s.canonical.additions().date,
            region_set: scheme.region_set().map(owned),
            // Built from ASCII and `&str` inputs: the conversion is lossless.
            authorization: String::from_utf8_lossy(&s.authorization()).into_owned(),
            security_token: scheme.session_token().map(owned),
            content_sha256: content_sha256.then(|| owned(s.payload.as_str())),
        };
        (headers, s.signature)
    })
}

/// The payload a presigned URL signs when the caller names none.
pub(crate) fn presign_payload(settings: &SigningSettings) -> Payload<'static> {
    if settings.presign_unsigned_payload {
        Payload::Unsigned
    } else {
        Payload::Empty
    }
}

/// A presigned URL for `request`; see [`Signer::presign_at`](crate::Signer::presign_at).
pub(crate) fn presign_request<S: Scheme, B>(
    scheme: &S,
    request: &http::Request<B>,
    payload: Payload<'_>,
    expires_in: Duration,
    time: SystemTime,
) -> Result<http::Uri, SigningError> {
    let input = input_of(request);
    let uri = request.uri();
    // The URL up to its query, so the pipeline writes the whole URL in one buffer.
    let mut prefix = StackBuf::<256>::new();
    if let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) {
        prefix.push(scheme.as_bytes());
        prefix.push(b"://");
        prefix.push(authority.as_str().as_bytes());
    }
    // The path as signed: an authority-form or asterisk-form target has no leading '/',
    // and its canonical path gained one.
    if !uri.path().starts_with('/') {
        prefix.push(b"/");
    }
    prefix.push(uri.path().as_bytes());
    prefix.push(b"?");
    let location = SignatureLocation::Query(expires_in);
    let url = scheme.run(&input, payload, time, location, |s| {
        s.presigned_query(prefix.as_bytes())
    })?;
    let url = url.ok_or(SigningError::InvalidUri)?;
    http::Uri::try_from(url).map_err(|_| SigningError::InvalidUri)
}

/// The query string of a presigned URL for a request given as parts.
pub(crate) fn presign_raw<S: Scheme>(
    scheme: &S,
    request: &RawRequest<'_>,
    payload: Payload<'_>,
    expires_in: Duration,
    time: SystemTime,
) -> Result<String, SigningError> {
    let input = raw_input(request)?;
    let location = SignatureLocation::Query(expires_in);
    let query = scheme.run(&input, payload, time, location, |s| s.presigned_query(b""))?;
    // A query location always gives a query string.
    query.ok_or(SigningError::InvalidUri)
}

/// The texts of a signing, for a report: canonical request, string to sign, signature.
pub(crate) struct Explained<S> {
    pub texts: Explanation,
    pub signature: S,
}

/// Signs without changing anything, and keeps the intermediate texts.
pub(crate) fn explain<S: Scheme>(
    scheme: &S,
    input: &Input<'_>,
    payload: Payload<'_>,
    location: SignatureLocation,
    time: SystemTime,
) -> Result<Explained<S::Signature>, SigningError> {
    scheme.run(input, payload, time, location, |s| Explained {
        texts: Explanation::of(&s.canonical.creq, &s.string_to_sign),
        signature: s.signature,
    })
}
