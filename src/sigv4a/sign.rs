//! The SigV4a signer: [`SignerV4a`] mirrors [`Signer`](crate::Signer), method for method.

use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use p256::NistP256;

use crate::canonical::{own_text, write_hex_lower, Sink};
use crate::credentials::Credentials;
use crate::date::AmzDate;
use crate::error::SigningError;
use crate::fast::name_filter::NameFilter;
use crate::payload::Payload;
use crate::request::{input_of, raw_input, Input, RawRequest};
use crate::settings::SigningSettings;
use crate::sha256::Hasher;
use crate::sign::canonicalize::{canonicalize, special_names, Additions, Rules};
use crate::sign::pipeline::{self, Explained, HexSignature, Scheme, Signed};
use crate::sign::OutputHeaders;
use crate::sign::{config_error, SignatureLocation};
use crate::sigv4a::key::SigningKeyV4a;
use crate::sigv4a::region_set::RegionSet;
use crate::sigv4a::ALGORITHM_V4A;
use crate::stack::StackBuf;
use crate::string_to_sign::{is_scope_part, Scope, StringToSign};

/// The longest DER encoding of a P-256 ECDSA signature: two 33-byte integers and 6 bytes of
/// framing.
pub(crate) const MAX_DER_LEN: usize = 72;

/// A SigV4a signature: the DER-encoded ECDSA signature in lower-case hex (up to 144 digits).
/// Signatures are randomized by the message only (RFC 6979), so two signings of one string to
/// sign agree, but AWS's own signers draw a random nonce: compare signatures by verifying them.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SignatureV4a {
    hex: [u8; 2 * MAX_DER_LEN],
    len: u8,
}

impl SignatureV4a {
    fn from_der(der: &[u8]) -> Self {
        let mut hex = [0u8; 2 * MAX_DER_LEN];
        write_hex_lower(&mut hex, der);
        SignatureV4a {
            hex,
            len: (2 * der.len().min(MAX_DER_LEN)) as u8,
        }
    }

    /// The signature as hex text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        own_text(self.as_bytes())
    }

    /// The signature as hex bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        self.hex.get(..usize::from(self.len)).unwrap_or_default()
    }
}

impl fmt::Debug for SignatureV4a {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SignatureV4a({})", self.as_str())
    }
}

impl fmt::Display for SignatureV4a {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The intermediate texts of one SigV4a signing (see [`SigningReport`](crate::SigningReport)).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SigningReportV4a {
    /// The canonical request (its session token, if signed, is included as sent).
    pub canonical_request: String,
    /// The string to sign.
    pub string_to_sign: String,
    /// The resulting signature.
    pub signature: SignatureV4a,
}

impl From<Explained<SignatureV4a>> for SigningReportV4a {
    fn from(texts: Explained<SignatureV4a>) -> Self {
        SigningReportV4a {
            canonical_request: texts.texts.canonical_request,
            string_to_sign: texts.texts.string_to_sign,
            signature: texts.signature,
        }
    }
}

impl fmt::Debug for SigningReportV4a {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningReportV4a")
            .field("string_to_sign", &self.string_to_sign)
            .field("signature", &self.signature)
            .finish_non_exhaustive()
    }
}

/// What SigV4a-signing a [`RawRequest`] produced: the headers to add to it.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningOutputV4a {
    headers: OutputHeaders,
    signature: SignatureV4a,
}

impl SigningOutputV4a {
    /// The headers to set on the request: `X-Amz-Date`, `X-Amz-Region-Set`,
    /// `X-Amz-Security-Token` and `X-Amz-Content-Sha256` when they apply, `Authorization`.
    pub fn headers(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.headers.iter()
    }

    /// The `Authorization` header value.
    #[must_use]
    pub fn authorization(&self) -> &str {
        &self.headers.authorization
    }

    /// The signature.
    #[must_use]
    pub fn signature(&self) -> SignatureV4a {
        self.signature
    }
}

impl fmt::Debug for SigningOutputV4a {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningOutputV4a")
            .field("date", &self.headers.date)
            .field(
                "region_set",
                &self.headers.region_set.as_deref().unwrap_or_default(),
            )
            .field("authorization", &self.headers.authorization)
            .finish_non_exhaustive()
    }
}

/// Signs requests with SigV4a for one region set and service: the same API as
/// [`Signer`](crate::Signer), with a region set (`us-east-1,us-west-2`, `*`, `us-*`) where the
/// region was. Cloning is cheap; clones share the derived key pair, derived once on first use.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use sigv4x::{Credentials, Payload, SignerV4a};
///
/// let signer = SignerV4a::new(Credentials::new("AKID", "SECRET", None), "*", "s3");
/// let mut request = http::Request::get("https://mfzwi23gnjvgw.mrap.accesspoint.s3-global.amazonaws.com/key")
///     .body(())
///     .unwrap();
/// signer.sign_at(&mut request, Payload::Empty, UNIX_EPOCH + Duration::from_secs(1_700_000_000))?;
/// assert_eq!(request.headers()["x-amz-region-set"], "*");
/// assert!(request.headers()["authorization"]
///     .to_str()
///     .unwrap()
///     .starts_with("AWS4-ECDSA-P256-SHA256 Credential=AKID/20231114/s3/aws4_request"));
/// # Ok::<(), sigv4x::SigningError>(())
/// ```
#[derive(Clone)]
pub struct SignerV4a {
    credentials: Credentials,
    region_set: String,
    service: String,
    settings: SigningSettings,
    special: NameFilter,
    key: Arc<OnceLock<SigningKeyV4a>>,
    config_error: Option<SigningError>,
}

impl fmt::Debug for SignerV4a {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignerV4a")
            .field("credentials", &self.credentials)
            .field("region_set", &self.region_set)
            .field("service", &self.service)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl SignerV4a {
    /// A SigV4a signer for `service` valid in the regions of `region_set`, with the default
    /// [`SigningSettings`].
    pub fn new(
        credentials: Credentials,
        region_set: impl Into<String>,
        service: impl Into<String>,
    ) -> Self {
        let region_set = region_set.into();
        let service = service.into();
        // The same checks as SigV4's, the region set's after the access key's.
        let config_error = match RegionSet::parse(&region_set) {
            Err(e) if is_scope_part(credentials.access_key_id()) => {
                Some(SigningError::InvalidRegionSet(e))
            }
            _ => config_error(&credentials, None, &service),
        };
        SignerV4a {
            credentials,
            region_set,
            service,
            special: special_names(&SigningSettings::default()),
            settings: SigningSettings::default(),
            key: Arc::new(OnceLock::new()),
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

    /// The region set signed.
    #[must_use]
    pub fn region_set(&self) -> &str {
        &self.region_set
    }

    /// The service (signing name) in the credential scope.
    #[must_use]
    pub fn service(&self) -> &str {
        &self.service
    }

    /// The derived key pair (its public key is what a verifier without the secret needs).
    #[must_use]
    pub fn key(&self) -> &SigningKeyV4a {
        self.key.get_or_init(|| {
            SigningKeyV4a::derive(
                self.credentials.access_key_id(),
                self.credentials.secret_access_key(),
            )
        })
    }

    /// Signs `request` now; see [`SignerV4a::sign_at`].
    ///
    /// # Errors
    /// As [`SignerV4a::sign_at`].
    pub fn sign<B>(
        &self,
        request: &mut http::Request<B>,
        payload: Payload<'_>,
    ) -> Result<SignatureV4a, SigningError> {
        self.sign_at(request, payload, SystemTime::now())
    }

    /// Signs `request` as of `time`, as [`Signer::sign_at`](crate::Signer::sign_at) does, and
    /// sets `X-Amz-Region-Set`.
    ///
    /// # Errors
    /// As [`Signer::sign_at`](crate::Signer::sign_at), and
    /// [`SigningError::InvalidRegionSet`] for a malformed region set.
    pub fn sign_at<B>(
        &self,
        request: &mut http::Request<B>,
        payload: Payload<'_>,
        time: SystemTime,
    ) -> Result<SignatureV4a, SigningError> {
        pipeline::sign_request(self, request, payload, time)
    }

    /// A presigned URL for `request`, valid for `expires_in` from `time`, with
    /// `X-Amz-Region-Set` among its parameters; see [`Signer::presign_at`](crate::Signer::presign_at).
    ///
    /// # Errors
    /// As [`Signer::presign_at`](crate::Signer::presign_at).
    pub fn presign_at<B>(
        &self,
        request: &http::Request<B>,
        expires_in: Duration,
        time: SystemTime,
    ) -> Result<http::Uri, SigningError> {
        let payload = pipeline::presign_payload(&self.settings);
        self.presign_with_payload_at(request, payload, expires_in, time)
    }

    /// As [`SignerV4a::presign_at`], with an explicit payload.
    ///
    /// # Errors
    /// As [`SignerV4a::presign_at`].
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
    /// As [`Signer::sign_raw_at`](crate::Signer::sign_raw_at).
    pub fn sign_raw_at(
        &self,
        request: &RawRequest<'_>,
        payload: Payload<'_>,
        time: SystemTime,
    ) -> Result<SigningOutputV4a, SigningError> {
        let (headers, signature) = pipeline::sign_raw(self, request, payload, time)?;
        Ok(SigningOutputV4a { headers, signature })
    }

    /// Presigns a request given as parts; returns the query string of the presigned URL.
    ///
    /// # Errors
    /// As [`Signer::presign_raw_at`](crate::Signer::presign_raw_at).
    pub fn presign_raw_at(
        &self,
        request: &RawRequest<'_>,
        payload: Payload<'_>,
        expires_in: Duration,
        time: SystemTime,
    ) -> Result<String, SigningError> {
        pipeline::presign_raw(self, request, payload, expires_in, time)
    }

    /// The canonical request, string to sign and signature of signing `request` at `time`.
    ///
    /// # Errors
    /// As [`SignerV4a::sign_at`] and [`SignerV4a::presign_at`].
    pub fn explain_at<B>(
        &self,
        request: &http::Request<B>,
        payload: Payload<'_>,
        location: SignatureLocation,
        time: SystemTime,
    ) -> Result<SigningReportV4a, SigningError> {
        pipeline::explain(self, &input_of(request), payload, location, time)
            .map(SigningReportV4a::from)
    }

    /// As [`SignerV4a::explain_at`], for a request given as parts.
    ///
    /// # Errors
    /// As [`SignerV4a::sign_raw_at`].
    pub fn explain_raw_at(
        &self,
        request: &RawRequest<'_>,
        payload: Payload<'_>,
        location: SignatureLocation,
        time: SystemTime,
    ) -> Result<SigningReportV4a, SigningError> {
        pipeline::explain(self, &raw_input(request)?, payload, location, time)
            .map(SigningReportV4a::from)
    }
}

impl HexSignature for SignatureV4a {
    fn hex(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl Scheme for SignerV4a {
    type Signature = SignatureV4a;

    fn settings(&self) -> &SigningSettings {
        &self.settings
    }

    fn session_token(&self) -> Option<&str> {
        self.credentials.session_token()
    }

    fn region_set(&self) -> Option<&str> {
        Some(&self.region_set)
    }

    /// The SigV4a pipeline: SigV4's canonicalization with the region set added, then an ECDSA
    /// signature over the SHA-256 of the string to sign.
    fn run<'p, R>(
        &self,
        input: &Input<'_>,
        payload: Payload<'p>,
        time: SystemTime,
        location: SignatureLocation,
        finish: impl FnOnce(Signed<'_, 'p, SignatureV4a>) -> R,
    ) -> Result<R, SigningError> {
        if let Some(err) = &self.config_error {
            return Err(err.clone());
        }
        let unix = time
            .duration_since(UNIX_EPOCH)
            .map_err(|_| SigningError::TimeOutOfRange)?
            .as_secs();
        let date = AmzDate::from_unix(unix).ok_or(SigningError::TimeOutOfRange)?;
        let payload = payload.hash().ok_or(SigningError::InvalidPayloadHash)?;
        let scope = Scope {
            date: date.date_bytes(),
            region: "",
            service: &self.service,
        };
        let mut credential = StackBuf::<256>::new();
        credential.put(self.credentials.access_key_id().as_bytes());
        credential.put(b"/");
        scope.write(&mut credential);
        let add = Additions {
            algorithm: ALGORITHM_V4A,
            credential: credential.as_bytes(),
            date: &date,
            region_set: Some(&self.region_set),
        };
        let rules = Rules {
            settings: &self.settings,
            special: &self.special,
            token: self.credentials.session_token(),
        };
        let key = self.key();
        canonicalize(&rules, input, &payload, location, &add, |canonical| {
            let string_to_sign = StringToSign {
                algorithm: ALGORITHM_V4A,
                amz_date: date.as_bytes(),
                scope,
                canonical_request_hash: canonical.creq.hash_hex(),
            };
            let mut sts = Hasher::<4>::new();
            string_to_sign.write(&mut sts);
            let digest = sts.finish();
            let scalar = key.signing_key().as_nonzero_scalar();
            let (ecdsa, _) = ecdsa::hazmat::sign_prehashed_rfc6979::<NistP256, sha2::Sha256>(
                scalar,
                &digest,
                &[],
            );
            finish(Signed {
                canonical,
                payload,
                string_to_sign,
                signature: SignatureV4a::from_der(ecdsa.to_der().as_bytes()),
            })
        })
    }
}
