//! The verifier: decides whether a request carries a valid SigV4 signature, through the same
//! canonicalization code the signer uses.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::auth_params::{
    split_ascii, AuthorizationHeader, CredentialScope, PresignedQuery, Scheme,
};
use crate::canonical::names::{param, X_AMZ_CONTENT_SHA256, X_AMZ_DATE, X_AMZ_SECURITY_TOKEN};
use crate::canonical::{
    headers::cmp_bytes, headers::sort_headers, query, CanonicalRequest, HeaderRef, Param, PathRules,
};
use crate::chunked::{ChunkChain, ChunkDecoder, ChunkError, ChunkedMode, DecoderConfig};
use crate::date::AmzDate;
use crate::payload::{
    Payload, PayloadHash, STREAMING_PAYLOAD, STREAMING_PAYLOAD_TRAILER,
    STREAMING_UNSIGNED_PAYLOAD_TRAILER, UNSIGNED_PAYLOAD,
};
use crate::replay::{ReplayGuard, Seen};
use crate::request::{
    input_of, is_lower_token_list, raw_input, Headers, Input, RawFault, RawRequest,
};
use crate::settings::SigningSettings;
use crate::sign::{Signature, MAX_PRESIGN_EXPIRY};
use crate::signing_key::KeyCache;
#[cfg(feature = "sigv4a")]
use crate::sigv4a::verify as sigv4a;
use crate::stack::{StackBuf, StackVec};
use crate::string_to_sign::{write_string_to_sign_as, Scope};
use crate::verify_error::{Mismatch, VerifyError};

/// What a secret store knows about an access key.
#[derive(Clone)]
pub struct KeyRecord<'a> {
    /// Empty for a SigV4a public key alone: then SigV4 is refused.
    secret_access_key: Cow<'a, str>,
    principal: Option<Cow<'a, str>>,
    session_token: Option<Cow<'a, str>>,
    #[cfg(feature = "sigv4a")]
    public_key: Option<Cow<'a, [u8]>>,
}

impl<'a> KeyRecord<'a> {
    /// A key known by its secret.
    pub fn new(secret_access_key: impl Into<Cow<'a, str>>) -> Self {
        KeyRecord {
            secret_access_key: secret_access_key.into(),
            principal: None,
            session_token: None,
            #[cfg(feature = "sigv4a")]
            public_key: None,
        }
    }

    /// A key known only by its SigV4a public key (SEC1, as
    /// [`SigningKeyV4a::public_key_sec1`](crate::SigningKeyV4a::public_key_sec1) gives it): the
    /// server needs no secret, and SigV4 requests with this key are refused.
    #[cfg(feature = "sigv4a")]
    pub fn from_sigv4a_public_key(sec1: impl Into<Cow<'a, [u8]>>) -> Self {
        KeyRecord {
            public_key: Some(sec1.into()),
            ..KeyRecord::new("")
        }
    }

    /// The principal (for example a role ARN) the key belongs to; handed back in [`Verified`].
    pub fn with_principal(mut self, principal: impl Into<Cow<'a, str>>) -> Self {
        self.principal = Some(principal.into());
        self
    }

    /// The session token requests with this key must carry (temporary credentials).
    pub fn with_session_token(mut self, token: impl Into<Cow<'a, str>>) -> Self {
        self.session_token = Some(token.into());
        self
    }

    #[cfg(feature = "sigv4a")]
    pub(crate) fn secret(&self) -> &str {
        &self.secret_access_key
    }

    fn has_sigv4a_public_key(&self) -> bool {
        #[cfg(feature = "sigv4a")]
        return self.public_key.is_some();
        #[cfg(not(feature = "sigv4a"))]
        false
    }

    #[cfg(feature = "sigv4a")]
    pub(crate) fn sigv4a_public_key(&self) -> Option<&[u8]> {
        self.public_key.as_deref()
    }
}

impl fmt::Debug for KeyRecord<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyRecord")
            .field("principal", &self.principal)
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "** redacted **"),
            )
            .finish_non_exhaustive()
    }
}

/// Where the verifier finds the secret of an access key id.
///
/// Implemented for `HashMap<String, String>` (access key id → secret), for
/// `HashMap<String, StoredKey>` (with principal and session token), and for references and
/// `Arc`s of stores.
pub trait SecretStore {
    /// The record for `access_key_id`, or `None` if the key is unknown.
    fn lookup(&self, access_key_id: &str) -> Option<KeyRecord<'_>>;
}

impl SecretStore for HashMap<String, String> {
    fn lookup(&self, access_key_id: &str) -> Option<KeyRecord<'_>> {
        self.get(access_key_id).map(|s| KeyRecord::new(s.as_str()))
    }
}

/// An owned key for a [`SecretStore`] map: the secret (zeroized on drop), and optionally the
/// principal it belongs to and the session token it requires.
#[derive(Clone)]
pub struct StoredKey {
    secret_access_key: Zeroizing<String>,
    principal: Option<String>,
    session_token: Option<Zeroizing<String>>,
}

impl StoredKey {
    /// A key known by its secret.
    pub fn new(secret_access_key: impl Into<String>) -> Self {
        StoredKey {
            secret_access_key: Zeroizing::new(secret_access_key.into()),
            principal: None,
            session_token: None,
        }
    }

    /// The principal the key belongs to.
    pub fn with_principal(mut self, principal: impl Into<String>) -> Self {
        self.principal = Some(principal.into());
        self
    }

    /// The session token requests with this key must carry.
    pub fn with_session_token(mut self, token: impl Into<String>) -> Self {
        self.session_token = Some(Zeroizing::new(token.into()));
        self
    }
}

impl fmt::Debug for StoredKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredKey")
            .field("principal", &self.principal)
            .finish_non_exhaustive()
    }
}

impl SecretStore for HashMap<String, StoredKey> {
    fn lookup(&self, access_key_id: &str) -> Option<KeyRecord<'_>> {
        self.get(access_key_id).map(|k| KeyRecord {
            secret_access_key: Cow::Borrowed(k.secret_access_key.as_str()),
            principal: k.principal.as_deref().map(Cow::Borrowed),
            session_token: k
                .session_token
                .as_deref()
                .map(|t| Cow::Borrowed(t.as_str())),
            #[cfg(feature = "sigv4a")]
            public_key: None,
        })
    }
}

impl<T: SecretStore + ?Sized> SecretStore for &T {
    fn lookup(&self, access_key_id: &str) -> Option<KeyRecord<'_>> {
        (**self).lookup(access_key_id)
    }
}

impl<T: SecretStore + ?Sized> SecretStore for Arc<T> {
    fn lookup(&self, access_key_id: &str) -> Option<KeyRecord<'_>> {
        (**self).lookup(access_key_id)
    }
}

impl<T: SecretStore + ?Sized> SecretStore for Box<T> {
    fn lookup(&self, access_key_id: &str) -> Option<KeyRecord<'_>> {
        (**self).lookup(access_key_id)
    }
}

/// What the signature covers of the body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifiedPayload {
    /// The body's SHA-256 was checked (the caller gave the body or its hash).
    Checked,
    /// The request declared this SHA-256 (lower-case hex) and the caller did not give the body:
    /// the caller must check the body against it ([`VerifiedPayload::matches_body`]).
    Declared([u8; 64]),
    /// `UNSIGNED-PAYLOAD`: the body is not covered.
    Unsigned,
    /// An aws-chunked body (`STREAMING-…`): each chunk must be verified as it arrives, chained
    /// from [`Verified::signature`].
    Streaming(&'static str),
}

impl VerifiedPayload {
    /// For [`VerifiedPayload::Declared`], whether `body` is the body the signature covers: its
    /// SHA-256 equals the declared one (compared in constant time). Always false for the other
    /// kinds, which have no hash to compare with.
    ///
    /// ```
    /// # use sigv4x::VerifiedPayload;
    /// let empty = *b"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    /// assert!(VerifiedPayload::Declared(empty).matches_body(b""));
    /// assert!(!VerifiedPayload::Declared(empty).matches_body(b"x"));
    /// ```
    pub fn matches_body(&self, body: &[u8]) -> bool {
        let VerifiedPayload::Declared(declared) = self else {
            return false;
        };
        let Some(actual) = Payload::Bytes(body).hash() else {
            return false;
        };
        bool::from(actual.as_bytes().ct_eq(declared.as_slice()))
    }
}

/// Proof that a request carried a valid signature. Only the verifier builds it.
#[derive(Clone, PartialEq, Eq)]
pub struct Verified {
    /// Access key id, region, service, signed headers and principal, side by side; on the
    /// stack unless they are unusually long.
    text: VerifiedText,
    ends: [usize; 5],
    date: AmzDate,
    signature: Signature,
    presigned: bool,
    session_token: bool,
    payload: VerifiedPayload,
    /// SigV4a: part 1 of `text` is then the region set, and the scope has no region.
    sigv4a: bool,
}

impl Verified {
    fn part(&self, i: usize) -> &str {
        let start = match i {
            0 => 0,
            _ => self.ends.get(i - 1).copied().unwrap_or(0),
        };
        let end = self.ends.get(i).copied().unwrap_or(start);
        self.text.0.as_str().get(start..end).unwrap_or_default()
    }

    /// The access key id that signed the request.
    pub fn access_key_id(&self) -> &str {
        self.part(0)
    }

    /// The credential scope.
    pub fn scope(&self) -> CredentialScope<'_> {
        CredentialScope {
            access_key_id: self.part(0),
            date: self.date.date(),
            region: if self.sigv4a { "" } else { self.part(1) },
            service: self.part(2),
        }
    }

    /// SigV4a: the region set the request was signed for (its scope has no region).
    pub fn region_set(&self) -> Option<&str> {
        self.sigv4a.then(|| self.part(1))
    }

    /// The signed header names, lower case, in order.
    pub fn signed_headers(&self) -> impl Iterator<Item = &str> {
        self.part(3).split(';')
    }

    /// The principal the secret store associated with the key, if any.
    pub fn principal(&self) -> Option<&str> {
        Some(self.part(4)).filter(|p| !p.is_empty())
    }

    /// When the request says it was signed (`X-Amz-Date`).
    pub fn request_time(&self) -> AmzDate {
        self.date
    }

    /// The request's signature (the seed signature of an aws-chunked body). For SigV4a, whose
    /// signatures do not fit, the SHA-256 of the signature as sent.
    pub fn signature(&self) -> Signature {
        self.signature
    }

    /// True for a presigned URL, false for an `Authorization` header.
    pub fn is_presigned(&self) -> bool {
        self.presigned
    }

    /// True if the request carried a session token (checked against the store's).
    pub fn has_session_token(&self) -> bool {
        self.session_token
    }

    /// What the signature covers of the body.
    pub fn payload(&self) -> VerifiedPayload {
        self.payload
    }
}

impl fmt::Debug for Verified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verified")
            .field("access_key_id", &self.access_key_id())
            .field("scope", &self.scope())
            .field("signed_headers", &self.part(3))
            .field("principal", &self.principal())
            .field("request_time", &self.date)
            .field("presigned", &self.presigned)
            .field("payload", &self.payload)
            .finish()
    }
}

#[derive(Clone)]
struct VerifiedText(StackBuf<192>);

impl PartialEq for VerifiedText {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_bytes() == other.0.as_bytes()
    }
}

impl Eq for VerifiedText {}

/// Checks SigV4 signatures of incoming requests.
///
/// Strict by default: ±5 minutes of clock skew, presigned URLs valid at most 7 days,
/// `UNSIGNED-PAYLOAD` refused, every `x-amz-*` header must be signed, only the configured
/// regions and services accepted (none until configured).
///
/// ```
/// use std::collections::HashMap;
/// use std::time::{Duration, UNIX_EPOCH};
/// use sigv4x::{Credentials, Payload, Signer, Verifier};
///
/// let store = HashMap::from([("AKID".to_string(), "SECRET".to_string())]);
/// let verifier = Verifier::new(store).region("us-east-1").service("execute-api");
///
/// let signer = Signer::new(Credentials::new("AKID", "SECRET", None), "us-east-1", "execute-api");
/// let mut request = http::Request::get("https://api.example.com/prod/orders").body(()).unwrap();
/// let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// signer.sign_at(&mut request, Payload::Empty, now)?;
///
/// let ok = verifier.verify_at(&request, Payload::Empty, now)?;
/// assert_eq!(ok.access_key_id(), "AKID");
///
/// let later = now + Duration::from_secs(600);
/// let err = verifier.verify_at(&request, Payload::Empty, later).unwrap_err();
/// assert_eq!((err.code(), err.http_status()), ("RequestTimeTooSkewed", 403));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Verifier<S> {
    store: S,
    regions: Vec<String>,
    services: Vec<String>,
    settings: SigningSettings,
    max_skew: Duration,
    max_expiry: Duration,
    allow_unsigned_payload: bool,
    accept_non_normal_paths: bool,
    unsigned_allowed: Vec<String>,
    clock: Arc<dyn Fn() -> SystemTime + Send + Sync>,
    replay: Option<Arc<ReplayGuard>>,
    keys: KeyCache,
    #[cfg(feature = "sigv4a")]
    keys_v4a: crate::KeyCacheV4a,
}

impl<S> fmt::Debug for Verifier<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("regions", &self.regions)
            .field("services", &self.services)
            .field("settings", &self.settings)
            .field("max_skew", &self.max_skew)
            .field("max_expiry", &self.max_expiry)
            .field("allow_unsigned_payload", &self.allow_unsigned_payload)
            .field("accept_non_normal_paths", &self.accept_non_normal_paths)
            .field("replay", &self.replay)
            .finish_non_exhaustive()
    }
}

/// The most headers a `SignedHeaders` list may name; a longer one is refused before any work.
const MAX_SIGNED_HEADERS: usize = 64;

impl<S: SecretStore> Verifier<S> {
    /// A verifier looking up secrets in `store`, with strict defaults.
    pub fn new(store: S) -> Self {
        Verifier {
            store,
            regions: Vec::new(),
            services: Vec::new(),
            settings: SigningSettings::default(),
            max_skew: Duration::from_secs(300),
            max_expiry: MAX_PRESIGN_EXPIRY,
            allow_unsigned_payload: false,
            accept_non_normal_paths: false,
            unsigned_allowed: Vec::new(),
            clock: Arc::new(SystemTime::now),
            replay: None,
            keys: KeyCache::new(1024),
            #[cfg(feature = "sigv4a")]
            keys_v4a: crate::KeyCacheV4a::new(1024),
        }
    }

    /// Accepts credentials scoped to `region` (call again to accept several); SigV4a requests
    /// are accepted when their region set includes one of these regions.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.regions.push(region.into());
        self
    }

    /// Accepts credentials scoped to `service` (call again to accept several).
    pub fn service(mut self, service: impl Into<String>) -> Self {
        self.services.push(service.into());
        self
    }

    /// Canonicalizes as these settings say: use [`SigningSettings::s3`] for S3-style servers
    /// (no path normalization, single encoding, `UNSIGNED-PAYLOAD` in presigned URLs, a required
    /// `x-amz-content-sha256`). With `sign_session_token = false` the session token is expected
    /// outside the signature (unsigned header, or a query parameter left out of the canonical
    /// query), as a few services (IoT) require.
    pub fn settings(mut self, settings: SigningSettings) -> Self {
        self.settings = settings;
        self
    }

    /// The largest accepted difference between `X-Amz-Date` and the server clock, in either
    /// direction. Default 5 minutes (API Gateway); S3 allows 15.
    pub fn max_skew(mut self, skew: Duration) -> Self {
        self.max_skew = skew;
        self
    }

    /// The largest accepted `X-Amz-Expires` of a presigned URL. Default (and at most) 7 days.
    pub fn max_presign_expiry(mut self, expiry: Duration) -> Self {
        self.max_expiry = expiry.min(MAX_PRESIGN_EXPIRY);
        self
    }

    /// Accept bodies the signature does not cover: `x-amz-content-sha256: UNSIGNED-PAYLOAD`
    /// and `STREAMING-UNSIGNED-PAYLOAD-TRAILER` (S3 does, over TLS; the latter's trailing
    /// checksum is still checked by the [chunk decoder](Verifier::chunk_decoder), but anyone
    /// can compute a checksum). Default: both refused.
    pub fn allow_unsigned_payload(mut self, allow: bool) -> Self {
        self.allow_unsigned_payload = allow;
        self
    }

    /// Accept paths that are not in normal form (see [`Verifier::check_path`]) when they
    /// normalize to the signed path, as AWS services do. Default: refused.
    ///
    /// With this set, `/prod/./admin` is accepted for a signature over `/prod/admin`: the path
    /// the signature covers is then **not** the request's raw path, and a caller that routes,
    /// authorizes, logs or forwards the raw path acts on a path nobody signed. Only for servers
    /// that do not use the path (a test of canonicalization, say).
    pub fn accept_non_normal_paths(mut self, accept: bool) -> Self {
        self.accept_non_normal_paths = accept;
        self
    }

    /// Let the `x-amz-*` header `name` be present without being signed. By default every
    /// `x-amz-*` header must be signed, as S3 requires, so none can be injected by a
    /// man in the middle.
    pub fn allow_unsigned_header(mut self, name: impl Into<String>) -> Self {
        self.unsigned_allowed.push(name.into().to_ascii_lowercase());
        self
    }

    /// The clock [`Verifier::verify`] reads. Default: the system clock.
    pub fn clock(mut self, clock: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Refuse a header signature already accepted inside the skew window, remembering at most
    /// `capacity` signatures. Presigned URLs are meant to be reusable until they expire and are
    /// not tracked.
    pub fn replay_guard(mut self, capacity: usize) -> Self {
        self.replay = Some(Arc::new(ReplayGuard::new(capacity)));
        self
    }

    /// As [`Verifier::replay_guard`], with a guard shared with other verifiers: a server with
    /// one verifier per API or region must share one guard, or a captured request could be
    /// replayed once through each of them.
    pub fn shared_replay_guard(mut self, guard: Arc<ReplayGuard>) -> Self {
        self.replay = Some(guard);
        self
    }

    /// Checks that `path` (the request's path, exactly as received, without the query) is in
    /// normal form, so that the path the signature covers is the path as sent:
    /// - it starts with `/` and has no empty, `.` or `..` segment, and no `;` (servlet
    ///   containers strip `;params` from segments, so `/admin;x` is `/admin` to them);
    /// - every `%` starts an upper-case `%XX` escape of a byte that must be escaped: no
    ///   percent-encoded unreserved character (`%2E`, `%61`), `/` (`%2F`), `\` or NUL, no
    ///   double-encoded escape (`%252E`), and no `\` at all;
    /// - it decodes to UTF-8 (an overlong `%C0%AE` is '.' to some decoders).
    ///
    /// Signing normalizes the path for every service but S3, so without this rule
    /// `/prod//admin`, `/prod/orders/../admin` and `/prod/admin` carry the same signature, and
    /// `/prod/orders/%2E%2E/admin` one that a decoding backend serves as `/prod/admin`.
    /// [`Verifier::verify`] applies it first (unless
    /// [`accept_non_normal_paths`](Verifier::accept_non_normal_paths) is set); a server that
    /// routes before it authenticates calls it before routing. With S3 settings (no
    /// normalization) every path is accepted: S3 signs the path as sent.
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use sigv4x::Verifier;
    ///
    /// let verifier = Verifier::new(HashMap::<String, String>::new());
    /// assert!(verifier.check_path("/prod/orders/7").is_ok());
    /// let err = verifier.check_path("/prod/orders/../admin").unwrap_err();
    /// assert_eq!((err.code(), err.http_status()), ("InvalidURI", 400));
    /// ```
    ///
    /// # Errors
    /// [`VerifyError::PathNotNormalized`], naming what is wrong.
    pub fn check_path(&self, path: &str) -> Result<(), VerifyError> {
        self.check_path_bytes(path.as_bytes())
    }

    fn check_path_bytes(&self, path: &[u8]) -> Result<(), VerifyError> {
        if !self.settings.normalize_path {
            return Ok(());
        }
        crate::canonical::path::check_normal(path)
            .map_err(|reason| VerifyError::PathNotNormalized { reason })
    }

    /// The time by the verifier's [clock](Verifier::clock), as [`Verifier::verify`] reads it.
    pub fn now(&self) -> SystemTime {
        (self.clock)()
    }

    /// Verifies `request` against the verifier's clock.
    ///
    /// # Errors
    /// A [`VerifyError`] naming the first check that failed.
    pub fn verify<B>(
        &self,
        request: &http::Request<B>,
        payload: Payload<'_>,
    ) -> Result<Verified, VerifyError> {
        self.verify_at(request, payload, (self.clock)())
    }

    /// Verifies `request` as of `now`.
    ///
    /// `payload` is what the server knows of the body: [`Payload::Bytes`] or
    /// [`Payload::Empty`] when it has the body, [`Payload::Sha256`] when it hashed it while
    /// receiving it, [`Payload::Unsigned`] when it has not read it yet (then the request must
    /// declare its hash in `x-amz-content-sha256` and [`Verified::payload`] says what is left to
    /// check: compare the body's hash with [`VerifiedPayload::Declared`], or decode an
    /// aws-chunked body through [`Verifier::chunk_decoder`]).
    ///
    /// A body the verifier was given is verified, or the request is refused: an aws-chunked
    /// request verified with the body in hand is refused with
    /// [`VerifyError::StreamingPayloadNeedsDecoder`], since only the decoder can check its
    /// chunks.
    ///
    /// # Errors
    /// A [`VerifyError`] naming the first check that failed.
    pub fn verify_at<B>(
        &self,
        request: &http::Request<B>,
        payload: Payload<'_>,
        now: SystemTime,
    ) -> Result<Verified, VerifyError> {
        // Over HTTP/2 the host travels as the URI's authority, not as a Host header.
        let mut input = input_of(request);
        input.host = request.uri().authority().map(|a| a.as_str().as_bytes());
        self.verify_input(&input, payload, now)
    }

    /// Verifies a request given as parts (see [`RawRequest`]).
    ///
    /// # Errors
    /// [`VerifyError::MalformedRequest`] for a header that could not have been sent, otherwise
    /// as [`Verifier::verify_at`].
    pub fn verify_raw_at(
        &self,
        request: &RawRequest<'_>,
        payload: Payload<'_>,
        now: SystemTime,
    ) -> Result<Verified, VerifyError> {
        let input = raw_input(request).map_err(|fault| VerifyError::MalformedRequest {
            reason: match fault {
                RawFault::Method => "the method is not an HTTP token",
                RawFault::HeaderName(_) => "a header name is not an HTTP token",
                RawFault::HeaderValue(_) => "a header value contains CR, LF or NUL",
            },
        })?;
        self.verify_input(&input, payload, now)
    }

    /// For a request verified with [`VerifiedPayload::Streaming`], the decoder that checks its
    /// aws-chunked body as it arrives: each chunk's signature chained from the request's, the
    /// declared length, and the trailing checksum `x-amz-trailer` announced.
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use sigv4x::*;
    ///
    /// let signer = Signer::new(Credentials::new("AKID", "SECRET", None), "us-east-1", "s3")
    ///     .with_settings(SigningSettings::s3());
    /// let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    /// let data = vec![7u8; 20_000];
    /// let mut request = http::Request::put("https://bucket.s3.amazonaws.com/key").body(())?;
    /// let plan = StreamingPlan::new(ChunkedMode::Signed, data.len() as u64, 16 * 1024);
    /// let mut encoder = sign_streaming_at(&signer, &mut request, plan, now)?;
    /// let mut body = Vec::new();
    /// for chunk in data.chunks(16 * 1024) {
    ///     encoder.encode_chunk(chunk, &mut body)?;
    /// }
    /// body.extend_from_slice(encoder.finish()?.as_bytes());
    ///
    /// let store = HashMap::from([("AKID".to_string(), "SECRET".to_string())]);
    /// let verifier = Verifier::new(store).region("us-east-1").service("s3")
    ///     .settings(SigningSettings::s3());
    /// let verified = verifier.verify_at(&request, Payload::Unsigned, now)?;
    /// let mut decoder = verifier.chunk_decoder(&request, &verified, DecoderConfig::default())?;
    /// let mut received = Vec::new();
    /// decoder.feed(&body, |bytes| received.extend_from_slice(bytes))?;
    /// decoder.finish()?;
    /// assert_eq!(received, data);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`ChunkError::NotStreaming`] unless the request was verified as streaming, errors for
    /// bad `x-amz-trailer` or `x-amz-decoded-content-length` headers, and
    /// [`ChunkError::KeyUnavailable`] if the key has left the store since.
    pub fn chunk_decoder<B>(
        &self,
        request: &http::Request<B>,
        verified: &Verified,
        config: DecoderConfig,
    ) -> Result<ChunkDecoder, ChunkError> {
        let VerifiedPayload::Streaming(value) = verified.payload() else {
            return Err(ChunkError::NotStreaming {
                value: format!("{:?}", verified.payload()),
            });
        };
        let headers = Headers::Map(request.headers());
        let text = |name: &str, err: ChunkError| -> Result<Option<&str>, ChunkError> {
            match headers.single(name) {
                Ok(None) => Ok(None),
                Ok(Some(v)) => std::str::from_utf8(v).map(Some).map_err(|_| err),
                Err(()) => Err(err),
            }
        };
        let trailer = text(
            "x-amz-trailer",
            ChunkError::UnsupportedTrailer {
                value: "(repeated or not UTF-8)".into(),
            },
        )?;
        let mode = ChunkedMode::from_headers(value, trailer)?;
        let decoded = text(
            "x-amz-decoded-content-length",
            ChunkError::InvalidDecodedLength,
        )?
        .and_then(|v| {
            (!v.is_empty() && v.len() <= 20 && v.bytes().all(|b| b.is_ascii_digit()))
                .then(|| v.parse::<u64>().ok())
                .flatten()
        })
        .ok_or(ChunkError::InvalidDecodedLength)?;
        match mode {
            ChunkedMode::UnsignedWithTrailer(checksum) => {
                Ok(ChunkDecoder::unsigned(checksum, decoded, config))
            }
            _ => {
                let scope = verified.scope();
                let record = self
                    .store
                    .lookup(scope.access_key_id)
                    .ok_or(ChunkError::KeyUnavailable)?;
                let key = self.keys.get(
                    scope.access_key_id,
                    &record.secret_access_key,
                    scope.date,
                    scope.region,
                    scope.service,
                );
                let chain = ChunkChain::new(
                    key,
                    verified.request_time(),
                    scope.region,
                    scope.service,
                    verified.signature(),
                );
                Ok(ChunkDecoder::signed(chain, mode.trailer(), decoded, config))
            }
        }
    }

    fn verify_input(
        &self,
        input: &Input<'_>,
        payload: Payload<'_>,
        now: SystemTime,
    ) -> Result<Verified, VerifyError> {
        if !self.accept_non_normal_paths {
            self.check_path_bytes(input.path)?;
        }
        let headers = input.headers;
        let query = input.query;
        let special = SpecialHeaders::scan(headers);
        let (authorization, authorizations) = special.authorization;
        let presigned = PresignedQuery::is_presigned(query);

        // 1. The authentication parameters, from exactly one place.
        let presigned_query;
        let (scheme, query_region_set);
        let (credential, signed_headers, signature, date, token, expires) =
            match (authorization, presigned) {
                (None, false) => return Err(VerifyError::MissingAuthentication),
                (Some(_), true) => return Err(VerifyError::AmbiguousAuthentication),
                (Some(value), false) => {
                    if authorizations > 1 {
                        return Err(VerifyError::IncompleteSignature {
                            reason: "The Authorization header must be given once.",
                        });
                    }
                    let value = std::str::from_utf8(value).map_err(|_| {
                        VerifyError::IncompleteSignature {
                            reason: "The Authorization header must be ASCII.",
                        }
                    })?;
                    let auth;
                    (scheme, auth) = AuthorizationHeader::parse_with_scheme(value)?;
                    query_region_set = None;
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
                    let token =
                        token.map(|t| Cow::Borrowed(std::str::from_utf8(t).unwrap_or("\u{fffd}")));
                    (
                        auth.credential,
                        auth.signed_headers,
                        auth.signature,
                        date,
                        token,
                        None,
                    )
                }
                (None, true) => {
                    presigned_query = PresignedQuery::parse(query)?;
                    let q = &presigned_query;
                    (scheme, query_region_set) = (q.scheme, q.region_set.as_ref());
                    (
                        q.credential()?,
                        q.signed_headers.as_ref(),
                        q.signature.as_ref(),
                        q.date.as_bytes(),
                        q.security_token.clone(),
                        Some(q.expires.as_ref()),
                    )
                }
            };

        // 2. Time and scope.
        let request_time = AmzDate::parse(date).ok_or(VerifyError::MalformedDate)?;
        if request_time.date() != credential.date {
            return Err(VerifyError::ScopeDateMismatch);
        }
        let region = self.check_region(
            scheme,
            credential.region,
            headers,
            signed_headers,
            query_region_set,
        )?;
        if !self.services.iter().any(|s| s == credential.service) {
            return Err(VerifyError::WrongService {
                service: credential.service.to_owned(),
            });
        }
        let record = self
            .store
            .lookup(credential.access_key_id)
            .ok_or(VerifyError::UnknownAccessKey)?;
        // An empty secret is no secret: anyone can sign with it, by HMAC or by the SigV4a key
        // it derives. Only a record that carries a SigV4a public key may have none, and then
        // only for SigV4a.
        if record.secret_access_key.is_empty()
            && (scheme == Scheme::V4 || !record.has_sigv4a_public_key())
        {
            return Err(VerifyError::UnknownAccessKey);
        }
        let signed_at = request_time.to_system_time();
        let skewed = || VerifyError::RequestTimeTooSkewed {
            request_time,
            now,
            max_skew: self.max_skew,
        };
        let valid_until = match expires {
            None => {
                let too_old = now
                    .duration_since(signed_at)
                    .is_ok_and(|d| d > self.max_skew);
                let too_new = signed_at
                    .duration_since(now)
                    .is_ok_and(|d| d > self.max_skew);
                if too_old || too_new {
                    return Err(skewed());
                }
                signed_at + self.max_skew
            }
            Some(expires) => {
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
                expired_at
            }
        };

        // 3. The signed headers: canonical, complete, and covering every x-amz-* header.
        // One check of every byte, then one split: names non-empty and strictly ascending.
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
        let is_signed = |name: &[u8]| signed_name(name).is_some();
        if !is_signed(b"host") {
            return Err(VerifyError::HostNotSigned);
        }
        // Every x-amz-* header must be signed, except an unsigned session token when the
        // settings say tokens travel outside the signature, and the configured exceptions.
        let must_be_signed = |name: &[u8]| {
            let amz = name.len() > 6
                && name
                    .get(..6)
                    .is_some_and(|p| p.eq_ignore_ascii_case(b"x-amz-"));
            let token_outside = !self.settings.sign_session_token
                && name.eq_ignore_ascii_case(X_AMZ_SECURITY_TOKEN.as_bytes());
            let excepted = self
                .unsigned_allowed
                .iter()
                .any(|a| a.as_bytes().eq_ignore_ascii_case(name));
            amz && !token_outside && !excepted
        };
        // One pass over the request's headers: collect the signed ones (in the order sent) and
        // find any x-amz-* header left unsigned.
        let mut unsigned = None;
        let mut list: StackVec<HeaderRef<'_>, 12> = StackVec::new();
        headers.for_each(|name, value| match signed_name(name) {
            Some(canonical) => list.push(HeaderRef::lower(canonical.as_bytes(), value)),
            None if unsigned.is_none() && must_be_signed(name) => {
                unsigned = Some(String::from_utf8_lossy(name).to_ascii_lowercase());
            }
            None => {}
        });
        if let Some(name) = unsigned {
            return Err(VerifyError::HeaderNotSigned { name });
        }
        sort_headers(list.as_mut_slice());
        // Every signed name must be present; a missing host may come from the URI's authority.
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

        // 4. The session token.
        match (&record.session_token, &token) {
            (None, None) => {}
            (Some(required), Some(given))
                if bool::from(required.as_bytes().ct_eq(given.as_bytes())) => {}
            _ => return Err(VerifyError::InvalidSessionToken),
        }

        // 5. The payload line.
        let (payload_line, verified_payload) =
            self.payload_line(special.content_sha256, payload, expires.is_some())?;
        // SigV4a streaming signs its chunks with ECDSA, which the chunk decoder does not do: a
        // SigV4 chunked mode under a SigV4a signature cannot be verified.
        let signed_chunks = matches!(verified_payload, VerifiedPayload::Streaming(mode)
            if mode != STREAMING_UNSIGNED_PAYLOAD_TRAILER);
        if scheme != Scheme::V4 && signed_chunks {
            return Err(VerifyError::InvalidContentSha256);
        }

        // 6. The canonical request, the string to sign, the signature.
        let mut params: StackVec<Param<'_>, 12> = StackVec::new();
        let token_signed = self.settings.sign_session_token;
        query::split_query(input.query.as_bytes(), &mut params, |p| {
            expires.is_none()
                || !(p.name_is(param::SIGNATURE.as_bytes())
                    || (!token_signed && p.name_is(param::SECURITY_TOKEN.as_bytes())))
        });
        query::sort_params(params.as_mut_slice());
        let creq = CanonicalRequest {
            method: input.method,
            path: input.path,
            path_rules: PathRules {
                normalize: self.settings.normalize_path,
                double_encode: self.settings.double_encode_path,
            },
            params: params.as_slice(),
            headers: list.as_slice(),
            signed_headers: signed_headers.as_bytes(),
            payload_hash: payload_line.as_bytes(),
        };
        let creq_hash = creq.hash_hex();
        let scope = Scope {
            date: credential.date.as_bytes(),
            region: credential.region,
            service: credential.service,
        };
        let (matches, mac, expected) = match scheme {
            Scheme::V4 => {
                let mac = self.keys.sign_string_to_sign(
                    credential.access_key_id,
                    &record.secret_access_key,
                    request_time.as_bytes(),
                    &scope,
                    &creq_hash,
                );
                let expected = Signature::from_mac(&mac);
                let matches = signature.len() == 64
                    && signatures_equal(expected.as_bytes(), signature.as_bytes());
                (matches, mac, expected)
            }
            #[cfg(feature = "sigv4a")]
            Scheme::V4a => sigv4a::check(
                &self.keys_v4a,
                &record,
                credential.access_key_id,
                request_time.as_bytes(),
                &scope,
                &creq_hash,
                signature,
            )?,
        };
        if !matches {
            let mut sts = Vec::with_capacity(160);
            let algorithm = scheme.algorithm();
            write_string_to_sign_as(
                &mut sts,
                algorithm,
                request_time.as_bytes(),
                &scope,
                &creq_hash,
            );
            let mut canonical_request = creq.to_text();
            if let Some(token) = token.as_deref().filter(|t| !t.is_empty()) {
                canonical_request = canonical_request.replace(token, "<redacted>");
                let mut encoded = Vec::new();
                crate::canonical::encode::write_encoded(
                    &mut encoded,
                    token.as_bytes(),
                    crate::canonical::encode::Encoding::PLAIN,
                );
                canonical_request =
                    canonical_request.replace(&*String::from_utf8_lossy(&encoded), "<redacted>");
            }
            return Err(VerifyError::SignatureDoesNotMatch(Box::new(Mismatch {
                canonical_request,
                string_to_sign: String::from_utf8_lossy(&sts).into_owned(),
            })));
        }

        // 7. Replays.
        if let (Some(guard), None) = (&self.replay, expires) {
            match guard.check(mac, valid_until, now) {
                Seen::New => {}
                Seen::Replayed => return Err(VerifyError::Replayed),
                Seen::Full => return Err(VerifyError::ReplayGuardFull),
            }
        }

        let principal = record.principal.as_deref().unwrap_or("");
        let parts = [
            credential.access_key_id,
            region,
            credential.service,
            signed_headers,
            principal,
        ];
        let mut text = VerifiedText(StackBuf::new());
        let mut ends = [0usize; 5];
        let mut len = 0;
        for (end, part) in ends.iter_mut().zip(parts) {
            text.0.push(part.as_bytes());
            len += part.len();
            *end = len;
        }
        Ok(Verified {
            text,
            ends,
            date: request_time,
            signature: expected,
            presigned: expires.is_some(),
            session_token: token.is_some(),
            payload: verified_payload,
            sigv4a: scheme != Scheme::V4,
        })
    }

    /// The region the request was signed for, checked against the verifier's: the credential's
    /// for SigV4, the signed region set for SigV4a (which then stands in the region's place).
    #[cfg_attr(not(feature = "sigv4a"), allow(unused_variables))]
    fn check_region<'r>(
        &self,
        scheme: Scheme,
        credential_region: &'r str,
        headers: Headers<'r>,
        signed_headers: &'r str,
        region_set_param: Option<&'r Cow<'r, str>>,
    ) -> Result<&'r str, VerifyError> {
        match scheme {
            Scheme::V4 if !self.regions.iter().any(|r| r == credential_region) => {
                Err(VerifyError::WrongRegion {
                    region: credential_region.to_owned(),
                })
            }
            Scheme::V4 => Ok(credential_region),
            #[cfg(feature = "sigv4a")]
            Scheme::V4a => {
                let set = sigv4a::region_set(headers, signed_headers, region_set_param)?;
                sigv4a::check_region_set(set, &self.regions)?;
                Ok(set)
            }
        }
    }

    /// The payload line of the canonical request, and what it says about the body.
    fn payload_line<'p>(
        &self,
        declared: (Option<&'p [u8]>, usize),
        payload: Payload<'p>,
        presigned: bool,
    ) -> Result<(PayloadHash<'p>, VerifiedPayload), VerifyError> {
        if presigned && self.settings.presign_unsigned_payload {
            return Ok((
                PayloadHash::Literal(UNSIGNED_PAYLOAD),
                VerifiedPayload::Unsigned,
            ));
        }
        let declared = match declared {
            (_, 2..) => return Err(VerifyError::InvalidContentSha256),
            (value, _) => value,
        };
        let known = match payload {
            Payload::Empty | Payload::Bytes(_) | Payload::Sha256(_) => payload.hash(),
            _ => None,
        };
        let Some(declared) = declared else {
            if self.settings.content_sha256_header && !presigned {
                return Err(VerifyError::MalformedRequest {
                    reason: "Missing required header for this request: x-amz-content-sha256",
                });
            }
            return match (known, payload) {
                (Some(hash), _) => Ok((hash, VerifiedPayload::Checked)),
                (None, Payload::Precomputed(line)) => {
                    Ok((PayloadHash::Literal(line), VerifiedPayload::Unsigned))
                }
                _ => Err(VerifyError::PayloadHashUnknown),
            };
        };
        if is_sha256_hex(declared) {
            let mut hex = [0u8; 64];
            hex.copy_from_slice(declared);
            return match known {
                Some(hash) if hash.as_bytes() == declared => Ok((hash, VerifiedPayload::Checked)),
                Some(_) => Err(VerifyError::ContentSha256Mismatch),
                None => Ok((PayloadHash::Hex(hex), VerifiedPayload::Declared(hex))),
            };
        }
        let literal = [
            UNSIGNED_PAYLOAD,
            STREAMING_PAYLOAD,
            STREAMING_PAYLOAD_TRAILER,
            STREAMING_UNSIGNED_PAYLOAD_TRAILER,
        ]
        .into_iter()
        .find(|l| l.as_bytes() == declared)
        .ok_or(VerifyError::InvalidContentSha256)?;
        let unsigned = literal == UNSIGNED_PAYLOAD || literal == STREAMING_UNSIGNED_PAYLOAD_TRAILER;
        if unsigned && !self.allow_unsigned_payload {
            return Err(VerifyError::UnsignedPayloadNotAllowed);
        }
        if literal == UNSIGNED_PAYLOAD {
            return Ok((PayloadHash::Literal(literal), VerifiedPayload::Unsigned));
        }
        // An aws-chunked body is checked chunk by chunk; one handed over whole would be
        // "verified" without a look at its chunks.
        if known.is_some() {
            return Err(VerifyError::StreamingPayloadNeedsDecoder);
        }
        Ok((
            PayloadHash::Literal(literal),
            VerifiedPayload::Streaming(literal),
        ))
    }
}

/// The headers verification reads by name, found in one pass: each value (the last one seen)
/// and how many times the name appeared.
struct SpecialHeaders<'r> {
    authorization: (Option<&'r [u8]>, usize),
    date: (Option<&'r [u8]>, usize),
    token: (Option<&'r [u8]>, usize),
    content_sha256: (Option<&'r [u8]>, usize),
}

impl<'r> SpecialHeaders<'r> {
    fn scan(headers: Headers<'r>) -> Self {
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

/// Compares a computed signature with the one the request carries in constant time: every byte
/// is looked at whatever the first difference, the differences are folded into one word, and
/// only that word goes through `subtle`'s optimization barrier.
fn signatures_equal(expected: &[u8; 64], given: &[u8]) -> bool {
    if given.len() != expected.len() {
        return false;
    }
    let mut diff = 0u64;
    for (a, b) in expected.chunks_exact(8).zip(given.chunks_exact(8)) {
        let word = |c: &[u8]| u64::from_ne_bytes(c.try_into().unwrap_or([0; 8]));
        diff |= word(a) ^ word(b);
    }
    bool::from(diff.ct_eq(&0))
}

fn is_sha256_hex(v: &[u8]) -> bool {
    v.len() == 64 && v.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A whole number of seconds: 1 to 10 ASCII digits, no sign, no spaces.
fn parse_seconds(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 10 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::signatures_equal;

    #[test]
    fn signature_comparison_sees_every_byte() {
        let a = [b'a'; 64];
        assert!(signatures_equal(&a, &a));
        for i in 0..64 {
            let mut b = a;
            b[i] = b'b';
            assert!(!signatures_equal(&a, &b), "difference at {i}");
        }
        assert!(!signatures_equal(&a, &a[..63]));
        assert!(!signatures_equal(&a, &[b'a'; 65]));
    }
}
