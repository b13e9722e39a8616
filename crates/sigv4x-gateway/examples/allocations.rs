//! Heap allocations per request: the same loopback client against a bare hyper server and
//! against the gateway (allowed GET, and a policy deny), on one thread so that a counting
//! allocator sees client, server and gateway alike. The difference is the gateway's.
//!
//! ```text
//! cargo run --release -p sigv4x-gateway --example allocations
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tests/common/load.rs"]
mod load;

use std::net::SocketAddr;
use std::time::SystemTime;

use bytes::Bytes;
use load::{bare_hyper, drive, Shot};
use sigv4x::{Credentials, Payload, Signer};
use sigv4x_gateway::{Gateway, GatewayConfig};

const ENDPOINT: &str = "vpce-0a1b2c3d4e5f60718";
const BODY: &str = r#"{"orders":[{"id":"7","status":"shipped"}]}"#;
const REQUESTS: usize = 2_000;

fn lambda(address: SocketAddr, path: &str) -> http::Request<Bytes> {
    let signer = Signer::new(
        Credentials::new(
            "ASIAORDERSLAMBDA0001",
            "orders-lambda-example-secret-0001",
            Some("orders-lambda-example-session-token-0001".to_owned()),
        ),
        "us-east-1",
        "execute-api",
    );
    let mut request = http::Request::get(format!("http://{address}{path}"))
        .body(Bytes::new())
        .unwrap();
    signer
        .sign_at(&mut request, Payload::Empty, SystemTime::now())
        .unwrap();
    request
}

/// Allocations and bytes per request of `plan` sent `REQUESTS` times on one connection.
fn per_request(runtime: &tokio::runtime::Runtime, plan: Vec<Shot>) -> (f64, f64) {
    let plans = [plan];
    runtime.block_on(drive(&plans, 1, 200)); // warm up
    let info = allocation_counter::measure(|| {
        let stats = runtime.block_on(drive(&plans, 1, REQUESTS));
        assert!(stats.wrong.is_empty() && stats.errors == 0, "{stats:?}");
    });
    let n = REQUESTS as f64;
    (info.count_total as f64 / n, info.bytes_total as f64 / n)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/gateway.toml");
    let config = GatewayConfig::load(path)?
        .with_ephemeral_ports()
        .audit_in_memory(1);
    let gateway = runtime.block_on(Gateway::start(config))?;
    let inside = gateway.address_for(Some(ENDPOINT)).ok_or("no listener")?;
    let bare = runtime.block_on(bare_hyper(BODY));
    let shot = |address, request, status, error_type| Shot {
        address,
        request,
        status,
        error_type,
        label: "",
    };

    let (bare_count, bare_bytes) = per_request(
        &runtime,
        vec![shot(bare, lambda(bare, "/prod/orders"), 200, "")],
    );
    let allowed = per_request(
        &runtime,
        vec![shot(inside, lambda(inside, "/prod/orders"), 200, "")],
    );
    let denied = per_request(
        &runtime,
        vec![shot(
            inside,
            lambda(inside, "/prod/admin/stats"),
            403,
            "AccessDeniedException",
        )],
    );
    println!("allocations per request (client and server, one thread):");
    println!("  bare hyper            {bare_count:6.1}  ({bare_bytes:.0} bytes)");
    for (name, (count, bytes)) in [
        ("gateway, allowed GET", allowed),
        ("gateway, denied GET", denied),
    ] {
        println!(
            "  {name:<21} {count:6.1}  ({bytes:.0} bytes): {:.1} more than bare hyper",
            count - bare_count
        );
    }
    runtime.block_on(gateway.shutdown());
    Ok(())
}
