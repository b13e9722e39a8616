//! sigv4x: AWS Signature Version 4 (placeholder while the signer lands).
#![forbid(unsafe_code)]
#![deny(missing_docs)]
