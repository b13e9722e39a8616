//! What the CLI tests share: the gateway emulator on free ports, the example keys, running the
//! built binary with a clean environment, and sending raw bytes.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use sigv4x_gateway::{BlockingGateway, Gateway, GatewayConfig};

pub const ENDPOINT: &str = "vpce-0a1b2c3d4e5f60718";
pub const API_HOST: &str = "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com";

pub struct Key {
    pub id: &'static str,
    pub secret: &'static str,
    pub token: &'static str,
}

/// The Lambda role of the reference pattern: allowed on GET/POST /orders.
pub const LAMBDA: Key = Key {
    id: "ASIAORDERSLAMBDA0001",
    secret: "orders-lambda-example-secret-0001",
    token: "orders-lambda-example-session-token-0001",
};

/// Another role: denied by the endpoint policy.
pub const REPORTING: Key = Key {
    id: "ASIAREPORTINGROLE001",
    secret: "reporting-example-secret-0001",
    token: "reporting-example-session-token-0001",
};

/// The reference gateway on free ports, auditing to memory.
pub fn gateway() -> (BlockingGateway, SocketAddr) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../sigv4x-gateway/examples/gateway.toml"
    );
    let config = GatewayConfig::load(path)
        .unwrap()
        .with_ephemeral_ports()
        .audit_in_memory(1000);
    let gateway = Gateway::spawn(config).unwrap();
    let address = gateway.address_for(Some(ENDPOINT)).unwrap();
    (gateway, address)
}

/// The binary, with an environment of its own: an empty `HOME`, no instance metadata, and
/// nothing of the test process's AWS settings.
pub struct Sigv4x {
    pub home: tempfile::TempDir,
    command: Command,
}

impl Sigv4x {
    pub fn new() -> Self {
        let home = tempfile::tempdir().unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_sigv4x"));
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home.path())
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .stdin(Stdio::null());
        Sigv4x { home, command }
    }

    /// With `key` in the environment's variables.
    pub fn with_key(mut self, key: &Key) -> Self {
        self.command
            .env("AWS_ACCESS_KEY_ID", key.id)
            .env("AWS_SECRET_ACCESS_KEY", key.secret)
            .env("AWS_SESSION_TOKEN", key.token);
        self
    }

    pub fn env(mut self, name: &str, value: impl AsRef<std::ffi::OsStr>) -> Self {
        self.command.env(name, value);
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.command.args(args);
        self
    }

    /// The gateway URL of `path`, as the last argument.
    pub fn arg_url(self, address: SocketAddr, path: &str) -> Self {
        self.args([url(address, path)])
    }

    pub fn run(mut self) -> Run {
        let output = self.command.output().unwrap();
        Run::new(output, self.home)
    }

    /// Runs with `input` on standard input.
    pub fn run_with_stdin(mut self, input: &[u8]) -> Run {
        let mut child = self
            .command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(input).unwrap();
        Run::new(child.wait_with_output().unwrap(), self.home)
    }

    pub fn home(&self) -> &Path {
        self.home.path()
    }
}

/// What a run gave (its `HOME` lives as long as it does).
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: String,
    pub home: tempfile::TempDir,
}

impl Run {
    fn new(o: Output, home: tempfile::TempDir) -> Self {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: o.stdout,
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
            home,
        }
    }

    pub fn out(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Exit status `code`, and on failure one line on stderr, no panic.
    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code,
            code,
            "stdout: {}\nstderr: {}",
            self.out(),
            self.stderr
        );
        if code != 0 {
            assert_eq!(
                self.stderr.lines().count(),
                1,
                "one line: {:?}",
                self.stderr
            );
            assert!(self.stderr.starts_with("sigv4x: "), "{:?}", self.stderr);
        }
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
        self
    }
}

/// The URL of `path` on the gateway's endpoint listener.
pub fn url(address: SocketAddr, path: &str) -> String {
    format!("http://{address}{path}")
}

/// The flags that name the scope for a loopback address.
pub const SCOPE: [&str; 4] = ["--region", "us-east-1", "--service", "execute-api"];

/// Sends `request` as it is (with `Connection: close` added to its head) and returns the
/// whole response.
pub fn send_raw(address: SocketAddr, request: &[u8]) -> Vec<u8> {
    let split = request
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a head");
    let mut bytes = request[..split + 2].to_vec();
    bytes.extend_from_slice(b"Connection: close\r\n");
    bytes.extend_from_slice(&request[split + 2..]);
    let mut stream = TcpStream::connect(address).unwrap();
    stream.write_all(&bytes).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    response
}

/// GETs `url` (an `http://` URL with a query) as it is.
pub fn get_url(address: SocketAddr, url: &str) -> Vec<u8> {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, target) = rest.split_at(rest.find('/').unwrap());
    let request = format!("GET {target} HTTP/1.1\r\nHost: {host}\r\n\r\n");
    send_raw(address, request.as_bytes())
}

pub fn status_of(response: &[u8]) -> u16 {
    let text = String::from_utf8_lossy(response);
    text.split(' ').nth(1).unwrap().parse().unwrap()
}

pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

pub fn write_file(dir: &Path, name: &str, contents: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}
