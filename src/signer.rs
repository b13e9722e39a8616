//! The signer: adds a SigV4 `Authorization` header to a request, or presigns its URL.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::header::{HeaderName, HeaderValue, AUTHORIZATION, HOST};

use crate::canonical::{headers::sort_headers, headers::write_signed_headers, hex_lower};
use crate::canonical::{query, CanonicalRequest, HeaderRef, Param, PathRules, Sink};
use crate::credentials::Credentials;
use crate::date::AmzDate;
use crate::error::SigningError;
use crate::payload::{Payload, PayloadHash};
use crate::request::{host_from_uri, input_of, raw_input, Input, RawRequest};
use crate::settings::SigningSettings;
use crate::signing_key::SigningKey;
use crate::stack::{StackBuf, StackVec};
use crate::stamp::{Stamp, StampCache, StampRef, CREDENTIAL_LABEL, SIGNED_HEADERS_LABEL};
use crate::string_to_sign::{
    is_scope_part, write_string_to_sign, write_string_to_sign_prefix, Scope, ALGORITHM,
};

/// The longest a presigned URL may stay valid: 7 days.
pub const MAX_PRESIGN_EXPIRY: Duration = Duration::from_secs(604_800);

pub(crate) const X_AMZ_DATE: &str = "x-amz-date";
const X_AMZ_DATE_NAME: HeaderName = HeaderName::from_static(X_AMZ_DATE);
const X_AMZ_SECURITY_TOKEN_NAME: HeaderName = HeaderName::from_static(X_AMZ_SECURITY_TOKEN);
const X_AMZ_CONTENT_SHA256_NAME: HeaderName = HeaderName::from_static(X_AMZ_CONTENT_SHA256);
pub(crate) const X_AMZ_SECURITY_TOKEN: &str = "x-amz-security-token";
pub(crate) const X_AMZ_CONTENT_SHA256: &str = "x-amz-content-sha256";
/// SigV4a's region set, signed as a header.
pub(crate) const X_AMZ_REGION_SET: &str = "x-amz-region-set";

/// The query parameters of a presigned URL.
pub(crate) mod param {
    pub const ALGORITHM: &str = "X-Amz-Algorithm";
    pub const CREDENTIAL: &str = "X-Amz-Credential";
    pub const DATE: &str = "X-Amz-Date";
    pub const EXPIRES: &str = "X-Amz-Expires";
    pub const SIGNED_HEADERS: &str = "X-Amz-SignedHeaders";
    pub const SECURITY_TOKEN: &str = "X-Amz-Security-Token";
    pub const SIGNATURE: &str = "X-Amz-Signature";
    /// SigV4a only; not in [`ALL`].
    pub const REGION_SET: &str = "X-Amz-Region-Set";
    pub const ALL: [&str; 7] = [
        ALGORITHM,
        CREDENTIAL,
        DATE,
        EXPIRES,
        SIGNED_HEADERS,
        SECURITY_TOKEN,
        SIGNATURE,
    ];
}

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

/// What signing a [`RawRequest`] produced: the headers to add to it.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningOutput {
    date: AmzDate,
    authorization: String,
    security_token: Option<String>,
    content_sha256: Option<String>,
    signature: Signature,
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

/// Signs requests with one set of credentials for one region and service.
///
/// Cloning is cheap and clones share the cache of derived signing keys, so one signer can serve
/// many threads.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use sigv4x::{Credentials, Payload, Signer};
///
/// let signer = Signer::new(Credentials::new("AKID", "SECRET", None), "us-east-1", "execute-api");
/// let mut request = http::Request::get("https://abc123.execute-api.us-east-1.amazonaws.com/prod/orders")
///     .body(())
///     .unwrap();
/// let when = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// signer.sign_at(&mut request, Payload::Empty, when)?;
/// assert!(request.headers()["authorization"]
///     .to_str()
///     .unwrap()
///     .starts_with("AWS4-HMAC-SHA256 Credential=AKID/20231114/us-east-1/execute-api/aws4_request"));
/// # Ok::<(), sigv4x::SigningError>(())
/// ```
#[derive(Clone)]
pub struct Signer {
    credentials: Credentials,
    region: String,
    service: String,
    settings: SigningSettings,
    stamps: Arc<StampCache>,
    /// Checked once here so that signing does not re-check per request.
    config_error: Option<SigningError>,
    /// The (first byte, length) pairs of every header name signing may leave out, replace or
    /// look for: one table lookup and a bit test rule out almost every other header.
    special: NameFilter,
}

/// A Bloom-like filter of header names: bit `min(len, 63)` of the entry for the first byte (in
/// either case) is set for every name in the set. A clear bit proves a name is not in the set.
#[derive(Clone)]
pub(crate) struct NameFilter([u64; 256]);

impl NameFilter {
    pub(crate) fn new(settings: &SigningSettings) -> Self {
        let mut table = [0u64; 256];
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
        for name in replaced.into_iter().chain(unsigned) {
            if let Some(&b) = name.as_bytes().first() {
                for c in [b.to_ascii_lowercase(), b.to_ascii_uppercase()] {
                    if let Some(slot) = table.get_mut(usize::from(c)) {
                        *slot |= 1 << name.len().min(63);
                    }
                }
            }
        }
        NameFilter(table)
    }

    #[inline]
    fn may_contain(&self, name: &[u8]) -> bool {
        name.first().is_some_and(|&b| {
            self.0
                .get(usize::from(b))
                .is_some_and(|bits| bits >> name.len().min(63) & 1 != 0)
        })
    }
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("credentials", &self.credentials)
            .field("region", &self.region)
            .field("service", &self.service)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// The result of the shared signing pipeline, borrowed from it while it finishes.
struct Signed<'s, 'p> {
    stamp: &'s Stamp,
    payload: PayloadHash<'p>,
    signature: Signature,
    signed_headers: &'s [u8],
    /// The `Host` signed for a request that had none, to be sent with it.
    added_host: Option<&'s [u8]>,
    /// Presigning only: the query string of the presigned URL.
    query: Option<String>,
}

impl Signed<'_, '_> {
    /// The `Authorization` header value, built in a buffer of exactly its length so that it
    /// becomes a `HeaderValue` without another copy.
    fn authorization(&self) -> Vec<u8> {
        const SIGNATURE: &[u8] = b", Signature=";
        let prefix = self.stamp.authorization_prefix.as_bytes();
        let len = prefix.len() + self.signed_headers.len() + SIGNATURE.len() + 64;
        let mut out = Vec::with_capacity(len);
        out.extend_from_slice(prefix);
        out.extend_from_slice(self.signed_headers);
        out.extend_from_slice(SIGNATURE);
        out.extend_from_slice(self.signature.as_bytes());
        out
    }
}

impl Signer {
    /// A signer for `service` (the signing name, for example `execute-api`, `lambda`, `s3`,
    /// `es`) in `region`, with the default [`SigningSettings`].
    pub fn new(
        credentials: Credentials,
        region: impl Into<String>,
        service: impl Into<String>,
    ) -> Self {
        let region = region.into();
        let service = service.into();
        let config_error = if !is_scope_part(credentials.access_key_id()) {
            Some(SigningError::InvalidScope {
                part: "access key id",
            })
        } else if !is_scope_part(&region) {
            Some(SigningError::InvalidScope { part: "region" })
        } else if !is_scope_part(&service) {
            Some(SigningError::InvalidScope { part: "service" })
        } else if credentials
            .session_token()
            .is_some_and(|t| HeaderValue::from_str(t).is_err() || t.is_empty())
        {
            Some(SigningError::InvalidHeaderValue {
                name: X_AMZ_SECURITY_TOKEN.into(),
            })
        } else {
            None
        };
        Signer {
            credentials,
            region,
            service,
            special: NameFilter::new(&SigningSettings::default()),
            settings: SigningSettings::default(),
            stamps: Arc::new(StampCache::default()),
            config_error,
        }
    }

    /// The same signer with other settings.
    pub fn with_settings(mut self, settings: SigningSettings) -> Self {
        self.special = NameFilter::new(&settings);
        self.settings = settings;
        self
    }

    /// The settings in use.
    pub fn settings(&self) -> &SigningSettings {
        &self.settings
    }

    /// The credentials in use.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// The region in the credential scope.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The service (signing name) in the credential scope.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// Signs `request` now; see [`Signer::sign_at`].
    ///
    /// # Errors
    /// As [`Signer::sign_at`].
    pub fn sign<B>(
        &self,
        request: &mut http::Request<B>,
        payload: Payload<'_>,
    ) -> Result<Signature, SigningError> {
        self.sign_at(request, payload, SystemTime::now())
    }

    /// Signs `request` as of `time`: sets `X-Amz-Date`, `Authorization`, `X-Amz-Security-Token`
    /// (with a session token), `X-Amz-Content-Sha256` (when the settings ask for it), and `Host`
    /// when the request has none but its URI has an authority (default ports dropped). Existing
    /// headers of those names are replaced.
    ///
    /// # Errors
    /// [`SigningError::MissingHost`] without a host; [`SigningError::TimeOutOfRange`],
    /// [`SigningError::InvalidScope`] or [`SigningError::InvalidPayloadHash`] for bad inputs.
    pub fn sign_at<B>(
        &self,
        request: &mut http::Request<B>,
        payload: Payload<'_>,
        time: SystemTime,
    ) -> Result<Signature, SigningError> {
        let input = input_of(request);
        let invalid = |name: &str| SigningError::InvalidHeaderValue { name: name.into() };
        let location = SignatureLocation::Headers;
        let (host, date, authorization, content_sha256, signature) =
            self.run(&input, payload, time, location, None, b"", |signed| {
                let content_sha256 = self
                    .settings
                    .content_sha256_header
                    .then(|| HeaderValue::from_bytes(signed.payload.as_bytes()));
                (
                    signed.added_host.map(HeaderValue::from_bytes),
                    HeaderValue::from_bytes(signed.stamp.date.as_bytes()),
                    HeaderValue::try_from(signed.authorization()),
                    content_sha256,
                    signed.signature,
                )
            })?;

        let headers = request.headers_mut();
        if let Some(value) = host {
            headers.insert(HOST, value.map_err(|_| invalid("host"))?);
        }
        headers.insert(X_AMZ_DATE_NAME, date.map_err(|_| invalid(X_AMZ_DATE))?);
        if let Some(token) = self.credentials.session_token() {
            let mut value =
                HeaderValue::from_str(token).map_err(|_| invalid(X_AMZ_SECURITY_TOKEN))?;
            value.set_sensitive(true);
            headers.insert(X_AMZ_SECURITY_TOKEN_NAME, value);
        }
        if let Some(value) = content_sha256 {
            let value = value.map_err(|_| invalid(X_AMZ_CONTENT_SHA256))?;
            headers.insert(X_AMZ_CONTENT_SHA256_NAME, value);
        }
        let mut value = authorization.map_err(|_| invalid("authorization"))?;
        value.set_sensitive(true);
        headers.insert(AUTHORIZATION, value);
        Ok(signature)
    }

    /// A presigned URL for `request`, valid for `expires_in` from `time`. The body is not signed
    /// (the hash of an empty body, or `UNSIGNED-PAYLOAD` with [`SigningSettings::s3`]); headers
    /// the request carries are signed and must be sent with the URL.
    ///
    /// # Errors
    /// [`SigningError::InvalidExpiry`] unless 1 s ≤ `expires_in` ≤ 7 days; otherwise as
    /// [`Signer::sign_at`].
    pub fn presign_at<B>(
        &self,
        request: &http::Request<B>,
        expires_in: Duration,
        time: SystemTime,
    ) -> Result<http::Uri, SigningError> {
        let payload = if self.settings.presign_unsigned_payload {
            Payload::Unsigned
        } else {
            Payload::Empty
        };
        self.presign_with_payload_at(request, payload, expires_in, time)
    }

    /// As [`Signer::presign_at`], with an explicit payload.
    ///
    /// # Errors
    /// As [`Signer::presign_at`].
    pub fn presign_with_payload_at<B>(
        &self,
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
        let out = self.run(
            &input,
            payload,
            time,
            location,
            None,
            prefix.as_bytes(),
            |s| s.query.unwrap_or_default(),
        )?;
        http::Uri::try_from(out).map_err(|_| SigningError::InvalidUri)
    }

    /// Signs a request given as parts; returns the headers to add.
    ///
    /// # Errors
    /// [`SigningError::InvalidHeaderName`], [`SigningError::InvalidHeaderValue`] or
    /// [`SigningError::InvalidMethod`] for parts that cannot be sent, and as
    /// [`Signer::sign_at`].
    pub fn sign_raw_at(
        &self,
        request: &RawRequest<'_>,
        payload: Payload<'_>,
        time: SystemTime,
    ) -> Result<SigningOutput, SigningError> {
        let input = raw_input(request)?;
        let location = SignatureLocation::Headers;
        self.run(&input, payload, time, location, None, b"", |signed| {
            SigningOutput {
                date: signed.stamp.date,
                // Built from ASCII and `&str` inputs: the conversion cannot fail.
                authorization: String::from_utf8(signed.authorization()).unwrap_or_default(),
                security_token: self.credentials.session_token().map(str::to_owned),
                content_sha256: self
                    .settings
                    .content_sha256_header
                    .then(|| signed.payload.as_str().to_owned()),
                signature: signed.signature,
            }
        })
    }

    /// Presigns a request given as parts; returns the query string of the presigned URL
    /// (without `?`): the request's own parameters followed by the `X-Amz-*` ones.
    ///
    /// # Errors
    /// As [`Signer::sign_raw_at`] and [`Signer::presign_at`].
    pub fn presign_raw_at(
        &self,
        request: &RawRequest<'_>,
        payload: Payload<'_>,
        expires_in: Duration,
        time: SystemTime,
    ) -> Result<String, SigningError> {
        let input = raw_input(request)?;
        let location = SignatureLocation::Query(expires_in);
        self.run(&input, payload, time, location, None, b"", |signed| {
            signed.query.unwrap_or_default()
        })
    }

    /// The canonical request, string to sign and signature that signing `request` at `time`
    /// would produce, without changing the request.
    ///
    /// # Errors
    /// As [`Signer::sign_at`] and [`Signer::presign_at`].
    pub fn explain_at<B>(
        &self,
        request: &http::Request<B>,
        payload: Payload<'_>,
        location: SignatureLocation,
        time: SystemTime,
    ) -> Result<SigningReport, SigningError> {
        self.explain(&input_of(request), payload, location, time)
    }

    /// As [`Signer::explain_at`], for a request given as parts.
    ///
    /// # Errors
    /// As [`Signer::sign_raw_at`].
    pub fn explain_raw_at(
        &self,
        request: &RawRequest<'_>,
        payload: Payload<'_>,
        location: SignatureLocation,
        time: SystemTime,
    ) -> Result<SigningReport, SigningError> {
        self.explain(&raw_input(request)?, payload, location, time)
    }

    fn explain(
        &self,
        input: &Input<'_>,
        payload: Payload<'_>,
        location: SignatureLocation,
        time: SystemTime,
    ) -> Result<SigningReport, SigningError> {
        let mut report = SigningReport {
            canonical_request: String::new(),
            string_to_sign: String::new(),
            signature: Signature([b'0'; 64]),
        };
        self.run(
            input,
            payload,
            time,
            location,
            Some(&mut report),
            b"",
            |_| (),
        )?;
        Ok(report)
    }

    /// The stamp of second `unix`, reusing the key of `cached` if its day is the same.
    fn make_stamp(&self, unix: u64, cached: Option<&Stamp>) -> Option<Stamp> {
        let date = AmzDate::from_unix(unix)?;
        let key = match cached {
            Some(c) if c.date.date_bytes() == date.date_bytes() => c.key.clone(),
            _ => SigningKey::derive(
                self.credentials.secret_access_key(),
                date.date(),
                &self.region,
                &self.service,
            ),
        };
        let scope = self.scope(&date);
        let string_to_sign =
            key.pause_after(|h| write_string_to_sign_prefix(h, date.as_bytes(), &scope));
        let mut authorization_prefix = StackBuf::new();
        authorization_prefix.put(ALGORITHM.as_bytes());
        authorization_prefix.put(CREDENTIAL_LABEL);
        authorization_prefix.put(self.credentials.access_key_id().as_bytes());
        authorization_prefix.put(b"/");
        scope.write(&mut authorization_prefix);
        authorization_prefix.put(SIGNED_HEADERS_LABEL);
        Some(Stamp {
            unix,
            date,
            key,
            string_to_sign,
            authorization_prefix,
        })
    }

    fn scope<'a>(&'a self, date: &'a AmzDate) -> Scope<'a> {
        Scope {
            date: date.date_bytes(),
            region: &self.region,
            service: &self.service,
        }
    }

    /// The pipeline every signing goes through: select and sort the signed headers, build the
    /// canonical query, hash the canonical request, sign the string to sign.
    #[allow(clippy::too_many_arguments)]
    fn run<'p, R>(
        &self,
        input: &Input<'_>,
        payload: Payload<'p>,
        time: SystemTime,
        location: SignatureLocation,
        report: Option<&mut SigningReport>,
        url_prefix: &[u8],
        finish: impl FnOnce(Signed<'_, 'p>) -> R,
    ) -> Result<R, SigningError> {
        if let Some(err) = &self.config_error {
            return Err(err.clone());
        }
        let unix = time
            .duration_since(UNIX_EPOCH)
            .map_err(|_| SigningError::TimeOutOfRange)?
            .as_secs();
        let stamp = self
            .stamps
            .get(unix, |cached| self.make_stamp(unix, cached));
        let stamp = stamp
            .as_ref()
            .and_then(StampRef::get)
            .ok_or(SigningError::TimeOutOfRange)?;
        let date = &stamp.date;
        let payload = &payload.hash().ok_or(SigningError::InvalidPayloadHash)?;
        let add = Additions {
            algorithm: ALGORITHM,
            credential: stamp.credential(),
            date,
            region_set: None,
        };
        canonicalize(&self.rules(), input, payload, location, &add, |c| {
            let creq_hash = c.creq.hash_hex();
            let mac = stamp.key.sign_resumed(&stamp.string_to_sign, &creq_hash);
            let signature = Signature::from_mac(&mac);
            if let Some(report) = report {
                report.canonical_request = c.creq.to_text();
                let mut sts = Vec::with_capacity(160);
                write_string_to_sign(&mut sts, date.as_bytes(), &self.scope(date), &creq_hash);
                report.string_to_sign = String::from_utf8_lossy(&sts).into_owned();
                report.signature = signature;
            }
            finish(Signed {
                stamp,
                payload: *payload,
                signature,
                signed_headers: c.signed_headers,
                added_host: c.added_host,
                query: c.presigned_query(url_prefix, signature.as_bytes()),
            })
        })
    }

    fn rules(&self) -> Rules<'_> {
        Rules {
            settings: &self.settings,
            special: &self.special,
            token: self.credentials.session_token(),
        }
    }
}

/// What canonicalization needs to know of a signer besides the request.
pub(crate) struct Rules<'a> {
    pub settings: &'a SigningSettings,
    pub special: &'a NameFilter,
    pub token: Option<&'a str>,
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

/// The canonical request of one signing, with what finishing the signing needs.
pub(crate) struct Canonical<'c> {
    pub creq: CanonicalRequest<'c>,
    pub signed_headers: &'c [u8],
    /// The `Host` signed for a request that had none, to be sent with it.
    pub added_host: Option<&'c [u8]>,
    /// Presigning only: the `X-Amz-Expires` text.
    expires: Option<&'c [u8]>,
    query: &'c str,
    add: &'c Additions<'c>,
    token: Option<&'c str>,
}

/// The part of signing SigV4 and SigV4a share: select and sort the signed headers, build the
/// canonical query, and hand the canonical request to `finish`.
pub(crate) fn canonicalize<R>(
    rules: &Rules<'_>,
    input: &Input<'_>,
    payload: &PayloadHash<'_>,
    location: SignatureLocation,
    add: &Additions<'_>,
    finish: impl FnOnce(&Canonical<'_>) -> R,
) -> Result<R, SigningError> {
    let presign = match location {
        SignatureLocation::Headers => false,
        SignatureLocation::Query(expires) => {
            if !(1..=MAX_PRESIGN_EXPIRY.as_secs()).contains(&expires.as_secs()) {
                return Err(SigningError::InvalidExpiry { requested: expires });
            }
            true
        }
    };
    let settings = rules.settings;
    let token = rules.token;
    let sign_token = settings.sign_session_token && token.is_some();
    let date = add.date;
    let region_set_header = add.region_set.filter(|_| !presign);

    // 1. The signed headers.
    let mut headers: StackVec<HeaderRef<'_>, 16> = StackVec::new();
    let lower_names = input.headers.names_are_lower();
    let mut has_host = false;
    input.headers.for_each(|name, value| {
        if !rules.special.may_contain(name) {
            headers.push(if lower_names {
                HeaderRef::lower(name, value)
            } else {
                HeaderRef::new(name, value)
            });
            return;
        }
        has_host |= name.eq_ignore_ascii_case(b"host");
        // A token that travels outside the signature is never signed, whoever set it.
        let token_outside = !settings.sign_session_token
            && name.eq_ignore_ascii_case(X_AMZ_SECURITY_TOKEN.as_bytes());
        let replaced = token_outside
            || !presign
                && (name.eq_ignore_ascii_case(X_AMZ_DATE.as_bytes())
                    || name.eq_ignore_ascii_case(b"authorization")
                    || (token.is_some()
                        && name.eq_ignore_ascii_case(X_AMZ_SECURITY_TOKEN.as_bytes()))
                    || (settings.content_sha256_header
                        && name.eq_ignore_ascii_case(X_AMZ_CONTENT_SHA256.as_bytes()))
                    || (region_set_header.is_some()
                        && name.eq_ignore_ascii_case(X_AMZ_REGION_SET.as_bytes())));
        let unsigned = settings.is_unsigned(name);
        if !replaced && !unsigned {
            headers.push(if lower_names {
                HeaderRef::lower(name, value)
            } else {
                HeaderRef::new(name, value)
            });
        }
    });
    // A request without a Host header is signed (and sent) with its URI's host.
    let uri_host;
    let mut added_host = None;
    if !has_host {
        uri_host = input
            .uri
            .and_then(host_from_uri)
            .ok_or(SigningError::MissingHost)?;
        headers.push(HeaderRef::lower(b"host", uri_host.as_bytes()));
        added_host = Some(uri_host.as_bytes());
    }
    if !presign {
        headers.push(HeaderRef::lower(X_AMZ_DATE.as_bytes(), date.as_bytes()));
        if let Some(set) = region_set_header {
            headers.push(HeaderRef::lower(
                X_AMZ_REGION_SET.as_bytes(),
                set.as_bytes(),
            ));
        }
        if let (true, Some(token)) = (sign_token, token) {
            headers.push(HeaderRef::lower(
                X_AMZ_SECURITY_TOKEN.as_bytes(),
                token.as_bytes(),
            ));
        }
        if settings.content_sha256_header {
            headers.push(HeaderRef::lower(
                X_AMZ_CONTENT_SHA256.as_bytes(),
                payload.as_bytes(),
            ));
        }
    }
    sort_headers(headers.as_mut_slice());
    let mut signed_headers = StackBuf::<256>::new();
    write_signed_headers(&mut signed_headers, headers.as_slice());

    // 2. The query parameters; presigning adds its own and drops stale ones.
    let mut params: StackVec<Param<'_>, 16> = StackVec::new();
    query::split_query(input.query.as_bytes(), &mut params, |p| {
        !presign || !add.is_presign_param(p)
    });
    let mut expires_text = StackBuf::<8>::new();
    if let SignatureLocation::Query(expires) = location {
        write_decimal(&mut expires_text, expires.as_secs());
        let mut plain = |name: &'static str, value| {
            params.push(Param::plain(name.as_bytes(), value));
        };
        plain(param::ALGORITHM, add.algorithm.as_bytes());
        plain(param::CREDENTIAL, add.credential);
        plain(param::DATE, date.as_bytes());
        plain(param::EXPIRES, expires_text.as_bytes());
        plain(param::SIGNED_HEADERS, signed_headers.as_bytes());
        if let Some(set) = add.region_set {
            plain(param::REGION_SET, set.as_bytes());
        }
        if let (true, Some(token)) = (sign_token, token) {
            plain(param::SECURITY_TOKEN, token.as_bytes());
        }
    }
    query::sort_params(params.as_mut_slice());

    // 3. The canonical request.
    let canonical = Canonical {
        creq: CanonicalRequest {
            method: input.method,
            path: input.path,
            path_rules: PathRules {
                normalize: settings.normalize_path,
                double_encode: settings.double_encode_path,
            },
            params: params.as_slice(),
            headers: headers.as_slice(),
            signed_headers: signed_headers.as_bytes(),
            payload_hash: payload.as_bytes(),
        },
        signed_headers: signed_headers.as_bytes(),
        added_host,
        expires: presign.then_some(expires_text.as_bytes()),
        query: input.query,
        add,
        token,
    };
    Ok(finish(&canonical))
}

impl Canonical<'_> {
    /// Presigning only: the presigned URL's query string, after `url_prefix` (the URL up to
    /// its `?`, or nothing): the request's own parameters, then the `X-Amz-*` ones.
    pub(crate) fn presigned_query(&self, url_prefix: &[u8], signature: &[u8]) -> Option<String> {
        let expires = self.expires?;
        let add = self.add;
        let mut out = Vec::with_capacity(url_prefix.len() + self.query.len() + 480);
        out.put(url_prefix);
        for piece in self.query.as_bytes().split(|&b| b == b'&') {
            if piece.is_empty() {
                continue;
            }
            let (key, value) = match piece.iter().position(|&b| b == b'=') {
                Some(eq) => (
                    piece.get(..eq).unwrap_or_default(),
                    piece.get(eq + 1..).unwrap_or_default(),
                ),
                None => (piece, &b""[..]),
            };
            if !add.is_presign_param(&Param::wire(key, value)) {
                out.put(piece);
                out.put(b"&");
            }
        }
        let mut added = |name: &str, value: &[u8]| {
            query::write_param(&mut out, &Param::plain(name.as_bytes(), value));
            out.put(b"&");
        };
        added(param::ALGORITHM, add.algorithm.as_bytes());
        added(param::CREDENTIAL, add.credential);
        added(param::DATE, add.date.as_bytes());
        added(param::EXPIRES, expires);
        added(param::SIGNED_HEADERS, self.signed_headers);
        if let Some(set) = add.region_set {
            added(param::REGION_SET, set.as_bytes());
        }
        if let Some(token) = self.token {
            added(param::SECURITY_TOKEN, token.as_bytes());
        }
        added(param::SIGNATURE, signature);
        out.pop();
        // Built from `&str` inputs and ASCII, so this is UTF-8 and the conversion is free.
        Some(
            String::from_utf8(out)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
        )
    }
}

fn write_decimal(out: &mut StackBuf<8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        if let Some(d) = digits.get_mut(i) {
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    out.push(digits.get(i..).unwrap_or_default());
}
