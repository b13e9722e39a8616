//! The `sigv4x-gateway` binary itself, started on the example configuration: for tests of
//! what only the binary does (its limits, its log). Only integration tests of this crate can
//! include it (it needs `CARGO_BIN_EXE_sigv4x-gateway`).

use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The running binary, killed when dropped.
pub struct Running {
    pub child: Child,
    pub address: SocketAddr,
    pub dir: std::path::PathBuf,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The binary with the example configuration (plus `extra` TOML appended) on a free port, the
/// endpoint's listener only, at most `open_files` open files, its audit log on a stdout pipe
/// that nobody reads and its stderr where `stderr` says. Waits until it accepts connections.
pub fn start_binary(extra: &str, open_files: u32, stderr: Stdio) -> Running {
    let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/examples");
    let text = std::fs::read_to_string(format!("{examples}/gateway.toml")).unwrap();
    let port = free_port();
    let text = text
        .replace("127.0.0.1:8080", &format!("127.0.0.1:{port}"))
        .replace("127.0.0.1:8081", &format!("127.0.0.1:{}", free_port()))
        .replace(
            "../../sigv4x-policy",
            &format!("{examples}/../../sigv4x-policy"),
        )
        .replace("\"policies/", &format!("\"{examples}/policies/"))
        + extra;
    let dir = std::env::temp_dir().join(format!("sigv4x-binary-{}-{port}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("gateway.toml");
    std::fs::write(&config, text).unwrap();
    let child = Command::new("sh")
        .args(["-c", "ulimit -n \"$2\" && exec \"$0\" --config \"$1\""])
        .arg(env!("CARGO_BIN_EXE_sigv4x-gateway"))
        .arg(&config)
        .arg(open_files.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let address: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(address).is_err() {
        assert!(Instant::now() < deadline, "the gateway did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Running {
        child,
        address,
        dir,
    }
}
