#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(missing_debug_implementations, unreachable_pub)]

mod auth_params;
mod canonical;
mod chunked;
mod credentials;
mod date;
mod error;
mod explain;
mod fast;
mod payload;
mod per_second;
pub mod primitives;
mod replay;
mod request;
mod settings;
mod sha256;
mod sign;
mod signing_key;
#[cfg(feature = "sigv4a")]
mod sigv4a;
mod stack;
mod string_to_sign;
mod verify;
mod verify_error;

pub use auth_params::CredentialScope;
pub use chunked::{
    encoded_length, sign_streaming_at, ChecksumAlgorithm, ChunkDecoder, ChunkEncodeError,
    ChunkEncoder, ChunkError, ChunkHeader, ChunkTail, ChunkedMode, DecodeSummary, DecoderConfig,
    StreamingPlan, CHUNK_DATA_END, MIN_CHUNK_SIZE,
};
pub use credentials::{Credentials, CredentialsError};
pub use date::AmzDate;
pub use error::SigningError;
pub use payload::{
    Payload, EMPTY_SHA256, STREAMING_PAYLOAD, STREAMING_PAYLOAD_TRAILER,
    STREAMING_UNSIGNED_PAYLOAD_TRAILER, UNSIGNED_PAYLOAD,
};
pub use replay::{ReplayCheck, ReplayEntry, ReplayGuard, ReplayStore};
pub use request::RawRequest;
pub use settings::{SigningSettings, DEFAULT_UNSIGNED_HEADERS};
pub use sign::{
    Signature, SignatureLocation, Signer, SigningOutput, SigningReport, MAX_PRESIGN_EXPIRY,
};
#[cfg(feature = "sigv4a")]
pub use sigv4a::{
    key::SigningKeyV4a,
    region_set::{RegionSet, RegionSetError},
    sign::{SignatureV4a, SignerV4a, SigningOutputV4a, SigningReportV4a},
    ALGORITHM_V4A,
};
pub use string_to_sign::ALGORITHM;
pub use verify::{
    AsyncSecretStore, BoxedLookup, CachedStore, DynSecretStore, KeyQuery, KeyRecord, LookupResult,
    PendingVerification, SecretStore, SessionTokenRule, StoreCause, StoreError, StoredKey,
    SyncStore, Verified, VerifiedPayload, Verifier,
};
pub use verify_error::{Mismatch, VerifyError};
