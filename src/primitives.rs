//! The low-level pieces under [`Signer`](crate::Signer) and [`Verifier`](crate::Verifier), for
//! tools that work below them: the derived signing key, the aws-chunked signature chain, and the
//! parsers of a request's authentication parameters. Most users need none of these.

pub use crate::auth_params::{AuthorizationHeader, PresignedQuery};
pub use crate::chunked::{signature_from_hex, ChunkChain};
pub use crate::signing_key::SigningKey;
#[cfg(feature = "sigv4a")]
pub use crate::sigv4a::key::KeyCacheV4a;
