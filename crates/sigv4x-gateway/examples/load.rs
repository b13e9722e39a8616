//! How much the gateway adds to a request: the same loopback client against a bare hyper
//! server returning the same response, and against the gateway (route, SigV4 verify, three
//! policies, audit record), on one runtime with two worker threads.
//!
//! ```text
//! cargo run --release -p sigv4x-gateway --example load
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tests/common/load.rs"]
mod load;

use std::net::SocketAddr;
use std::time::SystemTime;

use bytes::Bytes;
use load::{bare_hyper, drive, Shot, Stats};
use sigv4x::{Credentials, Payload, Signer};
use sigv4x_gateway::{Gateway, GatewayConfig};

const ENDPOINT: &str = "vpce-0a1b2c3d4e5f60718";
const BODY: &str = r#"{"orders":[{"id":"7","status":"shipped"}]}"#;

fn signed(
    id: &str,
    secret: &str,
    token: &str,
    address: SocketAddr,
    method: &str,
    path: &str,
) -> http::Request<Bytes> {
    let signer = Signer::new(
        Credentials::new(id, secret, Some(token.to_owned())),
        "us-east-1",
        "execute-api",
    );
    let mut request = http::Request::builder()
        .method(method)
        .uri(format!("http://{address}{path}"))
        .body(Bytes::new())
        .unwrap();
    signer
        .sign_at(&mut request, Payload::Empty, SystemTime::now())
        .unwrap();
    request
}

fn lambda(address: SocketAddr, method: &str, path: &str) -> http::Request<Bytes> {
    signed(
        "ASIAORDERSLAMBDA0001",
        "orders-lambda-example-secret-0001",
        "orders-lambda-example-session-token-0001",
        address,
        method,
        path,
    )
}

fn row(name: &str, stats: &Stats) {
    println!(
        "{name:<44} {:>8} {:>10.0} {:>8} {:>8} {:>6}",
        stats.requests,
        stats.per_second(),
        stats.percentile(0.50),
        stats.percentile(0.99),
        stats.wrong.len() + stats.errors
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/gateway.toml");
    let config = GatewayConfig::load(path)?
        .with_ephemeral_ports()
        .audit_in_memory(10_000);
    let gateway = Gateway::start(config).await?;
    let inside = gateway
        .address_for(Some(ENDPOINT))
        .ok_or("no endpoint listener")?;
    let outside = gateway.address_for(None).ok_or("no outside listener")?;
    let bare = bare_hyper(BODY).await;

    let shot = |address, request, status, error_type, label| Shot {
        address,
        request,
        status,
        error_type,
        label,
    };
    let bare_plan = vec![shot(
        bare,
        lambda(bare, "GET", "/prod/orders"),
        200,
        "",
        "bare",
    )];
    let gateway_plan = vec![shot(
        inside,
        lambda(inside, "GET", "/prod/orders"),
        200,
        "",
        "allowed",
    )];
    let mixed = vec![
        gateway_plan[0].clone(),
        shot(
            inside,
            lambda(inside, "GET", "/prod/admin/stats"),
            403,
            "AccessDeniedException",
            "not granted",
        ),
        shot(
            inside,
            lambda(inside, "GET", "/prod/nowhere"),
            403,
            "MissingAuthenticationTokenException",
            "no route",
        ),
    ];
    let outside_plan = vec![shot(
        outside,
        lambda(outside, "GET", "/prod/orders"),
        403,
        "AccessDeniedException",
        "outside",
    )];

    // Warm up both servers and the client.
    drive(std::slice::from_ref(&bare_plan), 1, 2_000).await;
    drive(std::slice::from_ref(&gateway_plan), 1, 2_000).await;

    println!(
        "{:<44} {:>8} {:>10} {:>8} {:>8} {:>6}",
        "run", "requests", "req/s", "p50 µs", "p99 µs", "wrong"
    );
    let mut overheads = Vec::new();
    for round in 1..=3 {
        let b = drive(std::slice::from_ref(&bare_plan), 1, 20_000).await;
        let g = drive(std::slice::from_ref(&gateway_plan), 1, 20_000).await;
        row(&format!("round {round}: bare hyper, 1 connection"), &b);
        row(
            &format!("round {round}: gateway (allowed GET), 1 connection"),
            &g,
        );
        overheads.push(g.percentile(0.50) as i64 - b.percentile(0.50) as i64);
    }
    let b = drive(std::slice::from_ref(&bare_plan), 16, 2_000).await;
    let g = drive(std::slice::from_ref(&gateway_plan), 16, 2_000).await;
    let m = drive(&[mixed.clone(), mixed, outside_plan], 16, 2_000).await;
    row("bare hyper, 16 connections", &b);
    row("gateway (allowed GET), 16 connections", &g);
    row("gateway (allow/deny mix), 16 connections", &m);
    overheads.sort_unstable();
    println!(
        "\ngateway p50 overhead over bare hyper, 1 connection: {:?} µs per round (median {} µs)",
        overheads,
        overheads[overheads.len() / 2]
    );
    println!("audit records kept in memory: {}", gateway.audit().len());
    gateway.shutdown().await;
    Ok(())
}
