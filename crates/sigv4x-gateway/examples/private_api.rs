//! The private cross-account API pattern, played end to end on loopback.
//!
//! Starts the gateway from `examples/gateway.toml` (the reference policies of sigv4x-policy) on
//! free ports, sends each scenario as a SigV4-signed request over a real HTTP connection, and
//! prints what the gateway answered, which layer decided, and why (from its audit log).
//!
//! ```text
//! cargo run -p sigv4x-gateway --example private_api
//! ```

use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use sigv4x::{Credentials, Payload, Signer};
use sigv4x_gateway::client::Connection;
use sigv4x_gateway::{Gateway, GatewayConfig, REQUEST_ID_HEADER};

const ENDPOINT: &str = "vpce-0a1b2c3d4e5f60718";

struct Key {
    id: &'static str,
    secret: &'static str,
    token: &'static str,
}

const LAMBDA: Key = Key {
    id: "ASIAORDERSLAMBDA0001",
    secret: "orders-lambda-example-secret-0001",
    token: "orders-lambda-example-session-token-0001",
};
const LAMBDA_BILLING_TAG: Key = Key {
    id: "ASIAORDERSLAMBDA0002",
    secret: "orders-lambda-example-secret-0002",
    token: "orders-lambda-example-session-token-0002",
};
const REPORTING: Key = Key {
    id: "ASIAREPORTINGROLE001",
    secret: "reporting-example-secret-0001",
    token: "reporting-example-session-token-0001",
};

enum Tamper {
    None,
    Unsigned,
    Signature,
}

struct Scenario {
    name: &'static str,
    through_endpoint: bool,
    key: Key,
    method: &'static str,
    path: &'static str,
    body: &'static str,
    clock_offset: i64,
    tamper: Tamper,
}

fn scenario(name: &'static str, key: Key, method: &'static str, path: &'static str) -> Scenario {
    Scenario {
        name,
        through_endpoint: true,
        key,
        method,
        path,
        body: "",
        clock_offset: 0,
        tamper: Tamper::None,
    }
}

fn build(
    s: &Scenario,
    address: SocketAddr,
) -> Result<http::Request<Bytes>, Box<dyn std::error::Error>> {
    let mut request = http::Request::builder()
        .method(s.method)
        .uri(format!("http://{address}{}", s.path))
        .header("content-type", "application/json")
        .body(Bytes::from_static(s.body.as_bytes()))?;
    if matches!(s.tamper, Tamper::Unsigned) {
        return Ok(request);
    }
    let credentials = Credentials::new(s.key.id, s.key.secret, Some(s.key.token.to_owned()));
    let signer = Signer::new(credentials, "us-east-1", "execute-api");
    let now = SystemTime::now();
    let offset = Duration::from_secs(s.clock_offset.unsigned_abs());
    let when = if s.clock_offset >= 0 {
        now + offset
    } else {
        now - offset
    };
    let body = request.body().clone();
    signer.sign_at(&mut request, Payload::Bytes(&body), when)?;
    if matches!(s.tamper, Tamper::Signature) {
        let header = request.headers()["authorization"].to_str()?.to_owned();
        // Flip the last hex digit of the signature.
        let (head, last) = header.split_at(header.len() - 1);
        let flipped = if last == "0" { "1" } else { "0" };
        request
            .headers_mut()
            .insert("authorization", format!("{head}{flipped}").parse()?);
    }
    Ok(request)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/gateway.toml");
    let config = GatewayConfig::load(path)?
        .with_ephemeral_ports()
        .audit_in_memory(1000);
    let gateway = Gateway::start(config).await?;
    let inside = gateway
        .address_for(Some(ENDPOINT))
        .ok_or("no endpoint listener")?;
    let outside = gateway.address_for(None).ok_or("no outside listener")?;

    let scenarios = [
        scenario(
            "Lambda role through its endpoint",
            LAMBDA,
            "GET",
            "/prod/orders",
        ),
        Scenario {
            body: r#"{"item":"book","qty":1}"#,
            ..scenario(
                "Lambda role creates an order (signed body)",
                LAMBDA,
                "POST",
                "/prod/orders",
            )
        },
        Scenario {
            through_endpoint: false,
            ..scenario(
                "same role from outside the endpoint",
                LAMBDA,
                "GET",
                "/prod/orders",
            )
        },
        scenario(
            "another role (reporting-role)",
            REPORTING,
            "GET",
            "/prod/orders",
        ),
        scenario(
            "route not granted to the role",
            LAMBDA,
            "GET",
            "/prod/admin/stats",
        ),
        Scenario {
            clock_offset: 10 * 60,
            ..scenario(
                "client clock 10 minutes ahead",
                LAMBDA,
                "GET",
                "/prod/orders",
            )
        },
        Scenario {
            tamper: Tamper::Signature,
            ..scenario("tampered signature", LAMBDA, "GET", "/prod/orders/7")
        },
        scenario(
            "endpoint policy tag mismatch (Project=billing)",
            LAMBDA_BILLING_TAG,
            "GET",
            "/prod/orders",
        ),
        scenario("route that does not exist", LAMBDA, "GET", "/prod/invoices"),
        Scenario {
            tamper: Tamper::Unsigned,
            ..scenario("no signature", LAMBDA, "GET", "/prod/orders")
        },
    ];

    println!(
        "{:<2} {:<46} {:>6}  {:<16} why",
        "#", "scenario", "status", "decided by"
    );
    for (i, s) in scenarios.iter().enumerate() {
        let address = if s.through_endpoint { inside } else { outside };
        let request = build(s, address)?;
        let mut connection = Connection::open(address).await?;
        let response = connection.send(request).await?;
        let request_id = response
            .headers()
            .get(REQUEST_ID_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let record = gateway.audit().find(request_id).ok_or("no audit record")?;
        let why = record.reason.lines().next().unwrap_or_default().to_owned();
        println!(
            "{:<2} {:<46} {:>6}  {:<16} {}",
            i + 1,
            s.name,
            response.status().as_u16(),
            record.decided_by.as_str(),
            why
        );
    }

    println!("\nThe audit line of the first request:");
    if let Some(first) = gateway.audit().records().first() {
        println!("{}", first.to_json_line());
    }
    gateway.shutdown().await;
    Ok(())
}
