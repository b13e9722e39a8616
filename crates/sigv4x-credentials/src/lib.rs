#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(missing_debug_implementations)]

mod cache;
mod chain;
mod container;
mod env;
mod environment;
mod error;
mod http_client;
mod imds;
mod metadata_json;
mod process;
mod profile;
mod provider;
mod refreshing_signer;
mod region;
#[cfg(feature = "aws-config")]
mod sdk;
mod sso;
mod sts;
mod timestamp;
mod web_identity;

pub use cache::{CacheSettings, CachingProvider};
pub use chain::ChainProvider;
pub use container::{ContainerProvider, ECS_ENDPOINT};
pub use env::Env;
pub use environment::EnvironmentProvider;
pub use error::Error;
pub use imds::{ImdsProvider, IMDS_ENDPOINT, IMDS_ENDPOINT_IPV6};
pub use process::ProcessProvider;
pub use profile::{Profile, ProfileProvider, ProfileSet};
pub use provider::{ExpiringCredentials, ProvideCredentials, ProvideFuture, StaticProvider};
pub use refreshing_signer::{RefreshingSigner, RefreshingSignerBuilder, SignError};
pub use region::load_region;
#[cfg(feature = "aws-config")]
pub use sdk::SdkProvider;
pub use web_identity::WebIdentityProvider;
