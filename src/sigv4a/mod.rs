//! SigV4a (`AWS4-ECDSA-P256-SHA256`): the asymmetric variant of SigV4 whose one signature is
//! valid in a set of regions (S3 Multi-Region Access Points, EventBridge global endpoints,
//! CloudFront KeyValueStore).
//!
//! It differs from SigV4 in four places only, so it reuses SigV4's canonicalization whole:
//! the algorithm name; a credential scope without a region (`date/service/aws4_request`); the
//! region set, signed as the `X-Amz-Region-Set` header or query parameter; and the signature, an
//! ECDSA P-256 signature (DER, hex) over the SHA-256 of the string to sign, made with a key pair
//! derived from the secret ([`key`]).

pub(crate) mod key;
pub(crate) mod region_set;
pub(crate) mod sign;
pub(crate) mod verify;

/// The algorithm name of SigV4a, in `Authorization` headers and `X-Amz-Algorithm`.
pub const ALGORITHM_V4A: &str = "AWS4-ECDSA-P256-SHA256";
