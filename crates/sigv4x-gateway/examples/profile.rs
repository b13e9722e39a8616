//! A driver for instruction-count profiles: `N` signed requests on one connection through
//! either bare hyper or the gateway (allowed GET), on one thread, client in the same process.
//! Run it twice with two counts under `valgrind --tool=callgrind` and divide the difference by
//! the difference in counts: that is the cost per request, start-up excluded.
//!
//! ```text
//! cargo build --release -p sigv4x-gateway --example profile
//! valgrind --tool=callgrind target/release/examples/profile gateway 2000
//! valgrind --tool=callgrind target/release/examples/profile gateway 4000
//! valgrind --tool=callgrind target/release/examples/profile bare 2000  # … and 4000
//! ```
//!
//! A third argument spreads the requests over that many connections on two worker threads, as
//! the load example does; profile that with a sampling profiler:
//!
//! ```text
//! perf record -e cpu-clock --call-graph dwarf target/release/examples/profile gateway 200000 16
//! //! ```

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tests/common/load.rs"]
mod load;

use std::time::SystemTime;

use bytes::Bytes;
use load::{bare_hyper, drive, Shot};
use sigv4x::{Credentials, Payload, Signer};
use sigv4x_gateway::{Gateway, GatewayConfig};

const ENDPOINT: &str = "vpce-0a1b2c3d4e5f60718";
const BODY: &str = r#"{"orders":[{"id":"7","status":"shipped"}]}"#;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let target = args.next().unwrap_or_else(|| "gateway".into());
    let count: usize = args.next().map_or(Ok(2_000), |n| n.parse())?;
    // More than one connection: the load example's setting (two worker threads), for a
    // sampling profiler (`perf record`) rather than callgrind.
    let connections: usize = args.next().map_or(Ok(1), |n| n.parse())?;
    let runtime = if connections > 1 {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?
    } else {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
    };
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/gateway.toml");
    let config = GatewayConfig::load(path)?
        .with_ephemeral_ports()
        .audit_in_memory(1_000);
    let gateway = runtime.block_on(Gateway::start(config))?;
    let address = match target.as_str() {
        "bare" => runtime.block_on(bare_hyper(BODY)),
        _ => gateway.address_for(Some(ENDPOINT)).ok_or("no listener")?,
    };
    let signer = Signer::new(
        Credentials::new(
            "ASIAORDERSLAMBDA0001",
            "orders-lambda-example-secret-0001",
            Some("orders-lambda-example-session-token-0001".to_owned()),
        ),
        "us-east-1",
        "execute-api",
    );
    let mut request =
        http::Request::get(format!("http://{address}/prod/orders")).body(Bytes::new())?;
    signer.sign_at(&mut request, Payload::Empty, SystemTime::now())?;
    let plans = [vec![Shot {
        address,
        request,
        status: 200,
        error_type: "",
        label: "",
    }]];
    let stats = runtime.block_on(drive(&plans, connections, count / connections));
    assert!(stats.wrong.is_empty() && stats.errors == 0, "{stats:?}");
    runtime.block_on(gateway.shutdown());
    Ok(())
}
