#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(missing_debug_implementations)]

#[cfg(feature = "emulator")]
mod audit;
mod body;
#[cfg(feature = "test-util")]
pub mod client;
#[cfg(feature = "emulator")]
mod config;
#[cfg(feature = "emulator")]
mod error;
mod layer;
#[cfg(feature = "emulator")]
mod pipeline;
#[cfg(feature = "emulator")]
mod proxy;
mod replay;
mod response;
#[cfg(feature = "emulator")]
mod route;
#[cfg(feature = "emulator")]
mod server;

#[cfg(feature = "emulator")]
pub use audit::{AuditLog, AuditRecord, Step, StepRecord, Verdict};
#[cfg(feature = "emulator")]
pub use config::{
    AccountConfig, ApiConfig, AuditConfig, Authorization, CannedResponse, EndpointConfig,
    GatewayConfig, ListenerConfig, OnUnavailable, PolicySource, PrincipalConfig, ReplayConfig,
    RouteConfig, Settings,
};
#[cfg(feature = "emulator")]
pub use error::GatewayError;
pub use layer::{
    BoxError, SigV4Body, SigV4Layer, SigV4Service, DEFAULT_BODY_BUDGET_BYTES,
    DEFAULT_BODY_READ_TIMEOUT, DEFAULT_KEY_LOOKUP_TIMEOUT, DEFAULT_MAX_BODY_BYTES,
};
pub use response::{RequestIds, APIGW_ID_HEADER, ERROR_TYPE_HEADER, REQUEST_ID_HEADER};
#[cfg(feature = "emulator")]
pub use server::{BlockingGateway, Gateway, ListenerAddr};
