//! The gateway emulator and a refreshing signer from the real credential chain.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;

use sigv4x_credentials::{ChainProvider, Env, RefreshingSigner};
use sigv4x_gateway::{Gateway, GatewayConfig};

pub const ENDPOINT: &str = "vpce-0a1b2c3d4e5f60718";

pub async fn gateway() -> (Gateway, SocketAddr) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../sigv4x-gateway/examples/gateway.toml"
    );
    let config = GatewayConfig::load(path)
        .unwrap()
        .with_ephemeral_ports()
        .audit_in_memory(100);
    let gateway = Gateway::start(config).await.unwrap();
    let address = gateway.address_for(Some(ENDPOINT)).unwrap();
    (gateway, address)
}

/// A signer fed by the default chain, reading an environment with these keys.
pub async fn signer(id: &str, secret: &str, token: &str) -> RefreshingSigner {
    let env = Env::from_pairs([
        ("AWS_ACCESS_KEY_ID", id),
        ("AWS_SECRET_ACCESS_KEY", secret),
        ("AWS_SESSION_TOKEN", token),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ]);
    RefreshingSigner::new(
        ChainProvider::default_chain_with_env(env),
        "us-east-1",
        "execute-api",
    )
    .await
    .unwrap()
}

pub async fn lambda() -> RefreshingSigner {
    signer(
        "ASIAORDERSLAMBDA0001",
        "orders-lambda-example-secret-0001",
        "orders-lambda-example-session-token-0001",
    )
    .await
}

pub async fn reporting() -> RefreshingSigner {
    signer(
        "ASIAREPORTINGROLE001",
        "reporting-example-secret-0001",
        "reporting-example-session-token-0001",
    )
    .await
}
