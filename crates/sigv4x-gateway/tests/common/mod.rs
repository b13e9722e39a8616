//! Helpers shared by the integration tests: the reference configuration on free ports, its
//! keys, and signing.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod binary;
pub mod load;
pub mod peer;
pub mod redis;

#[allow(unused_imports)]
pub use peer::{available, in_ci};

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

/// The headers botocore's `SigV4Auth` adds to `method url` with `body`, signed by `key`, or
/// `None` (a skip notice; a failure in CI) when botocore is not installed.
pub fn botocore_headers(
    key: &Key,
    method: &str,
    url: &str,
    body: &str,
    extra: &[&str],
) -> Option<Vec<(String, String)>> {
    let probe = &mut std::process::Command::new("python3");
    probe.args(["-c", "import botocore"]);
    if !available("botocore", probe, "python3 -m pip install botocore") {
        return None;
    }
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/clients/botocore_sign.py"
    );
    let out = std::process::Command::new("python3")
        .arg(script)
        .args([method, url, body, key.id, key.secret, key.token])
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    Some(
        text.lines()
            .filter_map(|l| l.split_once(": "))
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect(),
    )
}

/// An answer read off a raw socket.
#[derive(Debug)]
pub struct RawAnswer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl RawAnswer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Sends one HTTP/1.1 request with exactly this request target and these headers (no client
/// in between to normalize anything), and reads the answer until the server closes.
pub fn raw_request(
    address: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> RawAnswer {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream
        // Long enough for a request queued behind connections that must time out first.
        .set_read_timeout(Some(std::time::Duration::from_secs(80)))
        .unwrap();
    let mut head = format!("{method} {target} HTTP/1.1\r\n");
    for (n, v) in headers {
        if !n.eq_ignore_ascii_case("content-length") && !n.eq_ignore_ascii_case("connection") {
            head.push_str(&format!("{n}: {v}\r\n"));
        }
    }
    head.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    ));
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    parse_answer(&raw)
}

pub fn parse_answer(raw: &[u8]) -> RawAnswer {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    RawAnswer {
        status,
        headers,
        body: body.to_owned(),
    }
}

/// What a backend behind a proxy route received.
#[derive(Debug, Clone)]
pub struct Received {
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// A small HTTP/1.1 backend on a free loopback port that records every request and answers
/// `200 backend`. It serves until the process ends.
pub fn backend() -> (SocketAddr, std::sync::Arc<std::sync::Mutex<Vec<Received>>>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = std::sync::Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let target = line.split(' ').nth(1).unwrap_or("").to_owned();
            let mut headers = Vec::new();
            let mut length = 0usize;
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                    break;
                }
                if let Some((n, v)) = h.trim_end().split_once(':') {
                    if n.eq_ignore_ascii_case("content-length") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                    headers.push((n.to_ascii_lowercase(), v.trim().to_owned()));
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            log.lock().unwrap().push(Received {
                target,
                headers,
                body,
            });
            let mut stream = stream;
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\ncontent-length: 7\r\nconnection: close\r\n\r\nbackend",
            );
        }
    });
    (address, seen)
}
