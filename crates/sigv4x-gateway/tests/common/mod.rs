//! Helpers shared by the integration tests: the reference configuration on free ports, its
//! keys, and signing.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod load;

use std::net::SocketAddr;
use std::time::SystemTime;

use bytes::Bytes;
use sigv4x::{Credentials, Payload, Signer};
use sigv4x_gateway::GatewayConfig;

pub const ENDPOINT: &str = "vpce-0a1b2c3d4e5f60718";

pub struct Key {
    pub id: &'static str,
    pub secret: &'static str,
    pub token: &'static str,
}

pub const LAMBDA: Key = Key {
    id: "ASIAORDERSLAMBDA0001",
    secret: "orders-lambda-example-secret-0001",
    token: "orders-lambda-example-session-token-0001",
};
pub const LAMBDA_BILLING_TAG: Key = Key {
    id: "ASIAORDERSLAMBDA0002",
    secret: "orders-lambda-example-secret-0002",
    token: "orders-lambda-example-session-token-0002",
};
pub const REPORTING: Key = Key {
    id: "ASIAREPORTINGROLE001",
    secret: "reporting-example-secret-0001",
    token: "reporting-example-session-token-0001",
};

pub const LAMBDA_SESSION: &str =
    "arn:aws:sts::111122223333:assumed-role/orders-lambda-role/orders-function";

pub fn config_path() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/examples/gateway.toml").to_owned()
}

/// The sample configuration, on free ports, auditing to memory only.
pub fn reference_config() -> GatewayConfig {
    GatewayConfig::load(config_path())
        .unwrap()
        .with_ephemeral_ports()
        .audit_in_memory(100_000)
}

pub fn signer(key: &Key) -> Signer {
    Signer::new(
        Credentials::new(key.id, key.secret, Some(key.token.to_owned())),
        "us-east-1",
        "execute-api",
    )
}

/// A request to `address`, signed by `key` at `when`.
pub fn signed_at(
    key: &Key,
    method: &str,
    address: SocketAddr,
    path: &str,
    body: &'static str,
    when: SystemTime,
) -> http::Request<Bytes> {
    let mut request = http::Request::builder()
        .method(method)
        .uri(format!("http://{address}{path}"))
        .body(Bytes::from_static(body.as_bytes()))
        .unwrap();
    let bytes = request.body().clone();
    signer(key)
        .sign_at(&mut request, Payload::Bytes(&bytes), when)
        .unwrap();
    request
}

pub fn signed(
    key: &Key,
    method: &str,
    address: SocketAddr,
    path: &str,
    body: &'static str,
) -> http::Request<Bytes> {
    signed_at(key, method, address, path, body, SystemTime::now())
}

pub fn header<'r>(response: &'r http::Response<Bytes>, name: &str) -> &'r str {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or_default()
}

pub fn json(response: &http::Response<Bytes>) -> serde_json::Value {
    serde_json::from_slice(response.body()).unwrap()
}

/// True when `CI=true`: a missing tool is then a failure, not a skip.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}
