//! [`Signer`]: credentials, scope and settings, checked once; its entry points; and the SigV4
//! pipeline they share, [`Signer::run`], in the order it works: the per-second stamp, the
//! canonical request, the HMAC.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::header::HeaderValue;

use crate::canonical::names::X_AMZ_SECURITY_TOKEN;
use crate::credentials::Credentials;
use crate::error::SigningError;
use crate::fast::name_filter::NameFilter;
use crate::payload::Payload;
use crate::request::{input_of, raw_input, Input, RawRequest};
use crate::settings::SigningSettings;
use crate::string_to_sign::{is_scope_part, Scope, StringToSign, ALGORITHM};

use super::canonicalize::{canonicalize, special_names, Additions, Rules};
use super::output::{Signature, SignatureLocation, SigningOutput, SigningReport};
use super::pipeline::{self, HexSignature, Scheme, Signed};
use super::stamp::{Stamp, StampCache, StampRef};

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
    /// Every header name signing may leave out, replace or look for.
    special: NameFilter,
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

/// Why `credentials` cannot sign, if they cannot: checked once when a signer is made, for SigV4
/// and SigV4a (`region` is `None` for SigV4a, whose region set is checked apart).
pub(crate) fn config_error(
    credentials: &Credentials,
    region: Option<&str>,
    service: &str,
) -> Option<SigningError> {
    let token_is_bad = |t: &str| HeaderValue::from_str(t).is_err() || t.is_empty();
    if !is_scope_part(credentials.access_key_id()) {
        Some(SigningError::InvalidScope {
            part: "access key id",
        })
    } else if region.is_some_and(|r| !is_scope_part(r)) {
        Some(SigningError::InvalidScope { part: "region" })
    } else if !is_scope_part(service) {
        Some(SigningError::InvalidScope { part: "service" })
    } else if credentials.session_token().is_some_and(token_is_bad) {
        Some(SigningError::InvalidHeaderValue {
            name: X_AMZ_SECURITY_TOKEN.into(),
        })
    } else {
        None
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
        let config_error = config_error(&credentials, Some(&region), &service);
        Signer {
            credentials,
            region,
            service,
            special: special_names(&SigningSettings::default()),
            settings: SigningSettings::default(),
            stamps: Arc::new(StampCache::default()),
            config_error,
        }
    }

    /// The same signer with other settings.
    #[must_use]
    pub fn with_settings(mut self, settings: SigningSettings) -> Self {
        self.special = special_names(&settings);
        self.settings = settings;
        self
    }

    /// The settings in use.
    #[must_use]
    pub fn settings(&self) -> &SigningSettings {
        &self.settings
    }

    /// The credentials in use.
    #[must_use]
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// The region in the credential scope.
    #[must_use]
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The service (signing name) in the credential scope.
    #[must_use]
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
        pipeline::sign_request(self, request, payload, time)
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
        let payload = pipeline::presign_payload(&self.settings);
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
        pipeline::presign_request(self, request, payload, expires_in, time)
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
        let (headers, signature) = pipeline::sign_raw(self, request, payload, time)?;
        Ok(SigningOutput { headers, signature })
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
        pipeline::presign_raw(self, request, payload, expires_in, time)
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
        pipeline::explain(self, &input_of(request), payload, location, time)
            .map(SigningReport::from)
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
        pipeline::explain(self, &raw_input(request)?, payload, location, time)
            .map(SigningReport::from)
    }

    /// Step 1: what every request signed in the second of `time` shares.
    fn stamp_at(&self, time: SystemTime) -> Result<StampRef<'_>, SigningError> {
        let unix = time
            .duration_since(UNIX_EPOCH)
            .map_err(|_| SigningError::TimeOutOfRange)?
            .as_secs();
        self.stamps
            .get(unix, |cached| {
                Stamp::make(unix, cached, &self.credentials, &self.region, &self.service)
            })
            .ok_or(SigningError::TimeOutOfRange)
    }

    fn rules(&self) -> Rules<'_> {
        Rules {
            settings: &self.settings,
            special: &self.special,
            token: self.credentials.session_token(),
        }
    }
}

impl HexSignature for Signature {
    fn hex(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl Scheme for Signer {
    type Signature = Signature;

    fn settings(&self) -> &SigningSettings {
        &self.settings
    }

    fn session_token(&self) -> Option<&str> {
        self.credentials.session_token()
    }

    fn region_set(&self) -> Option<&str> {
        None
    }

    /// The SigV4 pipeline: the second's stamp (step 1), the canonical request (step 2), and its
    /// HMAC, resumed from the stamp's paused string to sign (step 3).
    fn run<'p, R>(
        &self,
        input: &Input<'_>,
        payload: Payload<'p>,
        time: SystemTime,
        location: SignatureLocation,
        finish: impl FnOnce(Signed<'_, 'p, Signature>) -> R,
    ) -> Result<R, SigningError> {
        if let Some(err) = &self.config_error {
            return Err(err.clone());
        }
        let stamp = self.stamp_at(time)?;
        let stamp = stamp.get().ok_or(SigningError::TimeOutOfRange)?;
        let payload = payload.hash().ok_or(SigningError::InvalidPayloadHash)?;
        let add = Additions {
            algorithm: ALGORITHM,
            credential: stamp.credential.as_bytes(),
            date: &stamp.date,
            region_set: None,
        };
        canonicalize(
            &self.rules(),
            input,
            &payload,
            location,
            &add,
            |canonical| {
                let hash = canonical.creq.hash_hex();
                let mac = stamp.key.sign_resumed(&stamp.string_to_sign, &hash);
                finish(Signed {
                    canonical,
                    payload,
                    string_to_sign: StringToSign {
                        algorithm: ALGORITHM,
                        amz_date: stamp.date.as_bytes(),
                        scope: Scope::of(&stamp.date, &self.region, &self.service),
                        canonical_request_hash: hash,
                    },
                    signature: Signature::from_mac(&mac),
                })
            },
        )
    }
}
