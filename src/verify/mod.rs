//! The verifier: decides whether a request carries a valid SigV4 signature, through the same
//! canonicalization code the signer uses.
//!
//! The files read in the order the work happens; every entry point runs the same steps:
//! 1. [`parse`]: the authentication parameters, from the header or the query, never both;
//! 2. [`checks`] (scope): the date and the credential scope are this verifier's;
//! 3. [`store`]: the key is looked up — synchronously, or awaited — and, for slow stores,
//!    through [`cache`];
//! 4. [`checks`] (after the lookup): the key record (a secret, not expired), the time window,
//!    the signed headers, the session token;
//! 5. [`payload_line`]: what the signature covers of the body;
//! 6. [`compare`]: the canonical request, the signature, compared in constant time;
//! 7. replays (here), and the [`verified`] proof.
//!
//! Steps 1–2 and 4–7 are synchronous; only the lookup may wait, so a sync and an async entry
//! share everything else, and a server can put a body read between lookup and signature
//! ([`Verifier::begin_at`]).

mod cache;
mod checks;
mod compare;
mod parse;
mod payload_line;
mod store;
mod verified;

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

pub use cache::CachedStore;
pub use store::{
    AsyncSecretStore, BoxedLookup, DynSecretStore, KeyQuery, KeyRecord, LookupResult, SecretStore,
    SessionTokenRule, StoreCause, StoreError, StoredKey, SyncStore,
};
pub use verified::{Verified, VerifiedPayload};

use crate::auth_params::Scheme;
use crate::chunked::{ChunkChain, ChunkDecoder, ChunkError, ChunkedMode, DecoderConfig};
use crate::payload::{Payload, STREAMING_UNSIGNED_PAYLOAD_TRAILER};
use crate::replay::{ReplayEntry, ReplayGuard};
use crate::request::{input_of, raw_input, Headers, Input, RawFault, RawRequest};
use crate::settings::SigningSettings;
use crate::sign::MAX_PRESIGN_EXPIRY;
use crate::signing_key::KeyCache;
use crate::verify_error::VerifyError;
use checks::Scoped;
use parse::{AuthSource, Params, SpecialHeaders};
use verified::{ChunkKey, Texts};

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
#[must_use = "a Verifier does nothing until it verifies a request"]
pub struct Verifier<S> {
    store: S,
    regions: Vec<String>,
    services: Vec<String>,
    settings: SigningSettings,
    max_skew: Duration,
    max_expiry: Duration,
    allow_unsigned_payload: bool,
    accept_any_session_token: bool,
    accept_non_normal_paths: bool,
    unsigned_allowed: Vec<String>,
    clock: Arc<dyn Fn() -> SystemTime + Send + Sync>,
    replay: Option<Arc<ReplayGuard>>,
    keys: KeyCache,
    #[cfg(feature = "sigv4a")]
    keys_v4a: crate::sigv4a::key::KeyCacheV4a,
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
            .field("accept_any_session_token", &self.accept_any_session_token)
            .field("accept_non_normal_paths", &self.accept_non_normal_paths)
            .field("replay", &self.replay)
            .finish_non_exhaustive()
    }
}

impl<S> Verifier<S> {
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
            accept_any_session_token: false,
            accept_non_normal_paths: false,
            unsigned_allowed: Vec::new(),
            clock: Arc::new(SystemTime::now),
            replay: None,
            keys: KeyCache::new(1024),
            #[cfg(feature = "sigv4a")]
            keys_v4a: crate::sigv4a::key::KeyCacheV4a::new(1024),
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
    /// direction. Default 5 minutes (API Gateway); S3 allows 15. At most 7 days (a longer one
    /// is taken as 7 days), so that a request's date plus the window is always a time.
    pub fn max_skew(mut self, skew: Duration) -> Self {
        self.max_skew = skew.min(MAX_PRESIGN_EXPIRY);
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

    /// **For mock servers and emulators only.** Accept requests carrying any session token
    /// (`X-Amz-Security-Token`) for keys whose record requires none
    /// ([`SessionTokenRule::Absent`]: a `HashMap<String, String>` store, a [`StoredKey`] without
    /// [`with_session_token`](KeyRecord::with_session_token)), as a local stand-in for AWS must
    /// when its clients run with temporary credentials (a Lambda function's role always sends a
    /// token) that it cannot validate. The token is still covered by the signature when sent in
    /// a signed header; records with [`SessionTokenRule::Equals`] still require their token.
    /// Default: off — a token the store did not ask for is refused
    /// ([`VerifyError::InvalidSessionToken`]), since a real service would validate it.
    pub fn accept_any_session_token(mut self, accept: bool) -> Self {
        self.accept_any_session_token = accept;
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

    /// The store the verifier looks keys up in.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The time by the verifier's [clock](Verifier::clock), as [`Verifier::verify`] reads it.
    pub fn now(&self) -> SystemTime {
        (self.clock)()
    }
}

/// What steps 1–2 leave for the rest: the parsed parameters and the declared payload hash.
struct Started<'r> {
    source: AuthSource<'r>,
    content_sha256: (Option<&'r [u8]>, usize),
}

/// A request whose authentication parameters were read and whose scope was checked, waiting
/// for its key ([`Verifier::begin_at`]). Borrows the request.
pub struct PendingVerification<'r> {
    input: Input<'r>,
    started: Started<'r>,
    now: SystemTime,
}

impl PendingVerification<'_> {
    /// The access key id the request names, before its key is looked up: for per-key budgets
    /// and for logs. Not authenticated.
    pub fn access_key_id(&self) -> Option<&str> {
        let params = self.started.source.params().ok()?;
        Some(params.credential.access_key_id)
    }
}

impl fmt::Debug for PendingVerification<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingVerification")
            .field("now", &self.now)
            .finish_non_exhaustive()
    }
}

impl<S> Verifier<S> {
    /// Steps 1–2 of any verification, before the key is looked up.
    fn start<'r>(&self, input: &Input<'r>) -> Result<Started<'r>, VerifyError> {
        if !self.accept_non_normal_paths {
            self.check_path_bytes(input.path)?;
        }
        let special = SpecialHeaders::scan(input.headers);
        let source = AuthSource::read(input, &special)?;
        Ok(Started {
            source,
            content_sha256: special.content_sha256,
        })
    }

    /// Steps 4–7, once the key is known.
    #[allow(clippy::too_many_arguments)]
    fn finish(
        &self,
        input: &Input<'_>,
        content_sha256: (Option<&[u8]>, usize),
        p: &Params<'_>,
        scoped: &Scoped<'_>,
        record: &KeyRecord<'_>,
        payload: Payload<'_>,
        now: SystemTime,
    ) -> Result<Verified, VerifyError> {
        self.check_record(record, p.scheme, now)?;
        let valid_until = self.check_time(p, scoped.request_time, now)?;
        let headers = self.signed_headers(input, p.signed_headers)?;
        self.check_token(record, p.token)?;
        let (payload_line, verified_payload) =
            self.payload_line(content_sha256, payload, p.expires.is_some())?;
        // SigV4a streaming signs its chunks with ECDSA, which the chunk decoder does not do: a
        // SigV4 chunked mode under a SigV4a signature cannot be verified.
        let signed_chunks = matches!(verified_payload, VerifiedPayload::Streaming(mode)
            if mode != STREAMING_UNSIGNED_PAYLOAD_TRAILER);
        if p.scheme != Scheme::V4 && signed_chunks {
            return Err(VerifyError::InvalidContentSha256);
        }
        let matched = self.check_signature(
            input,
            p,
            scoped.request_time,
            record,
            &headers,
            &payload_line,
        )?;
        let replay = ReplayEntry::new(matched.replay_key, valid_until);
        self.check_replay(p, replay, now)?;
        let chunk_key = signed_chunks.then(|| {
            let key = self.keys.get(
                p.credential.access_key_id,
                record.secret_access_key(),
                p.credential.date,
                p.credential.region,
                p.credential.service,
            );
            Box::new(ChunkKey(key))
        });
        Ok(Verified {
            texts: Texts::new([
                p.credential.access_key_id,
                scoped.region,
                p.credential.service,
                p.signed_headers,
                record.principal().unwrap_or(""),
            ]),
            date: scoped.request_time,
            signature: matched.signature,
            presigned: p.expires.is_some(),
            session_token: p.token.is_some(),
            payload: verified_payload,
            sigv4a: p.scheme != Scheme::V4,
            chunk_key,
            replay,
        })
    }

    /// Refuses a header signature already accepted inside the skew window. Presigned URLs are
    /// meant to be reusable until they expire and are not tracked.
    fn check_replay(
        &self,
        p: &Params<'_>,
        entry: ReplayEntry,
        now: SystemTime,
    ) -> Result<(), VerifyError> {
        let (Some(guard), None) = (&self.replay, p.expires) else {
            return Ok(());
        };
        guard.record_now(entry, now).map(drop)
    }

    /// Steps 1–2 for `request` as of `now`: what can be checked before the key is looked up.
    /// With [`Verifier::find_key`] and [`Verifier::complete`] this splits
    /// [`Verifier::verify_async_at`] in three, so a server can look the key up once, under its
    /// own timeout, and read the body before the signature is checked (when the body's hash
    /// is part of it).
    ///
    /// ```
    /// # async fn demo(verifier: &sigv4x::Verifier<sigv4x::CachedStore<std::collections::HashMap<String, String>>>,
    /// #               request: &http::Request<()>, body: &[u8]) -> Result<(), sigv4x::VerifyError> {
    /// use sigv4x::{Payload, VerifyError};
    /// let pending = verifier.begin_at(request, verifier.now())?;
    /// let key = verifier.find_key(&pending).await?;
    /// let verified = match verifier.complete(&pending, &key, Payload::Unsigned) {
    ///     // The body's hash is signed but not declared: read the body, then check.
    ///     Err(VerifyError::PayloadHashUnknown) => {
    ///         verifier.complete(&pending, &key, Payload::Bytes(body))?
    ///     }
    ///     other => other?,
    /// };
    /// # let _ = verified; Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`Verifier::verify_at`], for the checks that need no key.
    pub fn begin_at<'r, B>(
        &self,
        request: &'r http::Request<B>,
        now: SystemTime,
    ) -> Result<PendingVerification<'r>, VerifyError> {
        let input = http_input(request);
        let started = self.start(&input)?;
        self.check_scope(input.headers, &started.source.params()?)?;
        Ok(PendingVerification {
            input,
            started,
            now,
        })
    }

    /// The rest of a verification [begun](Verifier::begin_at) with `pending`, with the `record`
    /// [`Verifier::find_key`] returned for it. May be called again with another `payload`
    /// (the body once read).
    ///
    /// # Errors
    /// As [`Verifier::verify_at`].
    pub fn complete(
        &self,
        pending: &PendingVerification<'_>,
        record: &KeyRecord<'_>,
        payload: Payload<'_>,
    ) -> Result<Verified, VerifyError> {
        let p = pending.started.source.params()?;
        let scoped = self.check_scope(pending.input.headers, &p)?;
        let declared = pending.started.content_sha256;
        self.finish(
            &pending.input,
            declared,
            &p,
            &scoped,
            record,
            payload,
            pending.now,
        )
    }

    /// For a request verified with [`VerifiedPayload::Streaming`], the decoder that checks its
    /// aws-chunked body as it arrives: each chunk's signature chained from the request's, the
    /// declared length, and the trailing checksum `x-amz-trailer` announced. The signing key
    /// travelled in `verified`: the store is not asked again.
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
    /// [`ChunkError::KeyUnavailable`] if `verified` carries no key for a signed mode (it was not
    /// verified as streaming by a verifier).
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
        if let ChunkedMode::UnsignedWithTrailer(checksum) = mode {
            return Ok(ChunkDecoder::unsigned(checksum, decoded, config));
        }
        let key = verified
            .chunk_key
            .as_deref()
            .ok_or(ChunkError::KeyUnavailable)?;
        let scope = verified.scope();
        let chain = ChunkChain::new(
            key.0.clone(),
            verified.request_time(),
            scope.region,
            scope.service,
            verified.signature(),
        );
        Ok(ChunkDecoder::signed(chain, mode.trailer(), decoded, config))
    }
}

/// The parts of an `http::Request` verification reads. Over HTTP/2 the host travels as the
/// URI's authority, not as a Host header.
fn http_input<B>(request: &http::Request<B>) -> Input<'_> {
    let mut input = input_of(request);
    input.host = request.uri().authority().map(|a| a.as_str().as_bytes());
    input
}

fn raw_request_input<'r>(request: &RawRequest<'r>) -> Result<Input<'r>, VerifyError> {
    raw_input(request).map_err(|fault| VerifyError::MalformedRequest {
        reason: match fault {
            RawFault::Method => "the method is not an HTTP token",
            RawFault::HeaderName(_) => "a header name is not an HTTP token",
            RawFault::HeaderValue(_) => "a header value contains CR, LF or NUL",
        },
    })
}

impl<S: SecretStore> Verifier<S> {
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
        self.verify_input(&http_input(request), payload, now)
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
        self.verify_input(&raw_request_input(request)?, payload, now)
    }

    fn verify_input(
        &self,
        input: &Input<'_>,
        payload: Payload<'_>,
        now: SystemTime,
    ) -> Result<Verified, VerifyError> {
        let started = self.start(input)?;
        let p = started.source.params()?;
        let scoped = self.check_scope(input.headers, &p)?;
        let found = self.store.lookup(&KeyQuery::new(p.credential, p.token));
        let record = known(found)?;
        self.finish(
            input,
            started.content_sha256,
            &p,
            &scoped,
            &record,
            payload,
            now,
        )
    }
}

/// A lookup's answer as the verifier reads it: an unknown key is an authentication failure, a
/// store that could not answer is not.
fn known(found: LookupResult<'_>) -> Result<KeyRecord<'_>, VerifyError> {
    found
        .map_err(VerifyError::Store)?
        .ok_or(VerifyError::UnknownAccessKey)
}

impl<S: AsyncSecretStore> Verifier<S> {
    /// As [`Verifier::verify`], looking the key up in an [`AsyncSecretStore`] without blocking.
    ///
    /// # Errors
    /// As [`Verifier::verify_at`]; [`VerifyError::Store`] when the store cannot answer.
    pub async fn verify_async<B>(
        &self,
        request: &http::Request<B>,
        payload: Payload<'_>,
    ) -> Result<Verified, VerifyError> {
        self.verify_async_at(request, payload, (self.clock)()).await
    }

    /// As [`Verifier::verify_at`], looking the key up in an [`AsyncSecretStore`] without
    /// blocking: everything else is the same synchronous code, before and after the lookup.
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use sigv4x::{CachedStore, Credentials, Payload, Signer, Verifier};
    ///
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// // Any AsyncSecretStore; a database-backed one is in the README.
    /// let store = CachedStore::new(HashMap::from([("AKID".to_string(), "SECRET".to_string())]));
    /// let verifier = Verifier::new(store).region("us-east-1").service("execute-api");
    /// let signer = Signer::new(Credentials::new("AKID", "SECRET", None), "us-east-1", "execute-api");
    /// let mut request = http::Request::get("https://api.example.com/prod").body(())?;
    /// let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    /// signer.sign_at(&mut request, Payload::Empty, now)?;
    /// let verified = verifier.verify_async_at(&request, Payload::Empty, now).await?;
    /// assert_eq!(verified.access_key_id(), "AKID");
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`Verifier::verify_at`]; [`VerifyError::Store`] when the store cannot answer.
    pub async fn verify_async_at<B>(
        &self,
        request: &http::Request<B>,
        payload: Payload<'_>,
        now: SystemTime,
    ) -> Result<Verified, VerifyError> {
        self.verify_input_async(&http_input(request), payload, now)
            .await
    }

    /// As [`Verifier::verify_raw_at`], looking the key up without blocking.
    ///
    /// # Errors
    /// As [`Verifier::verify_raw_at`]; [`VerifyError::Store`] when the store cannot answer.
    pub async fn verify_raw_async_at(
        &self,
        request: &RawRequest<'_>,
        payload: Payload<'_>,
        now: SystemTime,
    ) -> Result<Verified, VerifyError> {
        let input = raw_request_input(request)?;
        self.verify_input_async(&input, payload, now).await
    }

    /// The key of a [begun](Verifier::begin_at) verification, from the store.
    ///
    /// # Errors
    /// [`VerifyError::UnknownAccessKey`], or [`VerifyError::Store`] when the store cannot
    /// answer.
    pub async fn find_key(
        &self,
        pending: &PendingVerification<'_>,
    ) -> Result<KeyRecord<'_>, VerifyError> {
        let p = pending.started.source.params()?;
        let found = self
            .store
            .lookup(&KeyQuery::new(p.credential, p.token))
            .await;
        known(found)
    }

    async fn verify_input_async(
        &self,
        input: &Input<'_>,
        payload: Payload<'_>,
        now: SystemTime,
    ) -> Result<Verified, VerifyError> {
        let started = self.start(input)?;
        let p = started.source.params()?;
        let scoped = self.check_scope(input.headers, &p)?;
        let found = self
            .store
            .lookup(&KeyQuery::new(p.credential, p.token))
            .await;
        let record = known(found)?;
        self.finish(
            input,
            started.content_sha256,
            &p,
            &scoped,
            &record,
            payload,
            now,
        )
    }
}
