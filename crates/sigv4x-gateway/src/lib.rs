#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(missing_debug_implementations)]

mod audit;
mod body;
pub mod client;
mod config;
mod error;
mod layer;
mod pipeline;
mod proxy;
mod replay;
mod response;
mod route;
mod server;

pub use audit::{AuditLog, AuditRecord, Layer, LayerRecord, Verdict};
pub use config::{
    AccountConfig, ApiConfig, AuditConfig, Authorization, CannedResponse, EndpointConfig,
    GatewayConfig, ListenerConfig, OnUnavailable, PolicySource, PrincipalConfig, ReplayConfig,
    RouteConfig, Settings,
};
pub use error::GatewayError;
pub use layer::{
    BoxError, SigV4Body, SigV4Layer, SigV4Service, DEFAULT_BODY_BUDGET_BYTES,
    DEFAULT_BODY_READ_TIMEOUT, DEFAULT_KEY_LOOKUP_TIMEOUT, DEFAULT_MAX_BODY_BYTES,
};
pub use response::{RequestIds, APIGW_ID_HEADER, ERROR_TYPE_HEADER, REQUEST_ID_HEADER};
pub use server::{BlockingGateway, Gateway, ListenerAddr};
