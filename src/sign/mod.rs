//! The signing side, in the order the work happens:
//!
//! 1. [`signer`]: a [`Signer`] holds credentials, scope and settings (checked once); each entry
//!    point (`sign_at`, `presign_at`, `sign_raw_at`, `explain_at`, …) runs the pipeline;
//! 2. [`stamp`]: what every request of one second shares — date, signing key, the HMAC paused
//!    after the string to sign's fixed start, the credential;
//! 3. [`canonicalize`]: the signed headers and query parameters, sorted, become a
//!    `CanonicalRequest` (shared with SigV4a's `SignerV4a`), whose hash finishes the HMAC;
//! 4. [`pipeline`]: the signature written where [`SignatureLocation`] says — the request's
//!    headers, a presigned URL — or kept as texts for a [`SigningReport`];
//! 5. [`streaming`]: an aws-chunked upload, whose request signature seeds the chunk chain.

pub(crate) mod canonicalize;
mod output;
pub(crate) mod pipeline;
mod signer;
mod stamp;
mod streaming;

pub use canonicalize::MAX_PRESIGN_EXPIRY;
#[cfg(feature = "sigv4a")]
pub(crate) use output::OutputHeaders;
pub use output::{Signature, SignatureLocation, SigningOutput, SigningReport};
#[cfg(feature = "sigv4a")]
pub(crate) use signer::config_error;
pub use signer::Signer;
