#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! What unauthenticated clients can make the gateway hold, measured on the `sigv4x-gateway`
//! binary itself (its resident memory from `/proc`), limited to 512 file descriptors, with the
//! default limits. Loopback only; every loop is bounded and each test stops by itself. The tests
//! run one at a time so their measurements do not disturb each other.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Stdio;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::binary::{start_binary, Running};
use common::*;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Resident memory of the running binary, from `/proc`.
fn rss_kib(gateway: &Running) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", gateway.child.id())).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// The binary with the example configuration, its audit log on a stdout pipe that nobody
/// reads, and at most 512 open files.
fn start() -> Running {
    start_binary("", 512, Stdio::null())
}

fn signed_get(address: SocketAddr) -> (u16, Duration) {
    let request = signed(&LAMBDA, "GET", address, "/prod/orders", "");
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap().to_owned()))
        .collect();
    let started = Instant::now();
    let answer = raw_request(address, "GET", "/prod/orders", &headers, b"");
    (answer.status, started.elapsed())
}

#[test]
fn unsigned_bodies_are_not_buffered() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let gateway = start();
    let before = rss_kib(&gateway);
    let chunk = vec![b'a'; 64 * 1024];
    let clients: Vec<_> = (0..40)
        .map(|_| {
            let address = gateway.address;
            let chunk = chunk.clone();
            std::thread::spawn(move || {
                let mut s = TcpStream::connect(address).unwrap();
                s.set_write_timeout(Some(Duration::from_secs(10))).unwrap();
                let head =
                    "POST /prod/orders HTTP/1.1\r\nhost: x\r\ncontent-length: 10485760\r\n\r\n";
                if s.write_all(head.as_bytes()).is_err() {
                    return s;
                }
                // 8 MiB of the declared 10: the gateway answers 403 and stops reading.
                for _ in 0..128 {
                    if s.write_all(&chunk).is_err() {
                        break;
                    }
                }
                s
            })
        })
        .collect();
    let held: Vec<_> = clients.into_iter().filter_map(|c| c.join().ok()).collect();
    let after = rss_kib(&gateway);
    drop(held);
    let grown = after.saturating_sub(before);
    eprintln!("RSS {before} KiB -> {after} KiB after 40 unsigned 8 MiB uploads");
    assert!(grown < 64 * 1024, "grew by {grown} KiB");
    assert_eq!(signed_get(gateway.address).0, 200);
}

#[test]
fn silent_connections_do_not_lock_out_a_signed_request() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let gateway = start();
    // More silent connections than the process has file descriptors.
    let silent: Vec<TcpStream> = (0..600)
        .filter_map(|_| TcpStream::connect(gateway.address).ok())
        .collect();
    assert!(silent.len() >= 500, "only {} connected", silent.len());
    let (status, took) = signed_get(gateway.address);
    eprintln!(
        "signed request answered {status} after {took:?} behind {} silent connections",
        silent.len()
    );
    assert_eq!(status, 200);
    assert!(took < Duration::from_secs(75), "took {took:?}");
    drop(silent);
}

#[test]
fn long_unsigned_paths_do_not_pile_up() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let gateway = start();
    let path = format!("/prod/{}", "p".repeat(64 * 1000));
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let address = gateway.address;
            let request = format!("GET {path} HTTP/1.1\r\nhost: x\r\n\r\n").into_bytes();
            std::thread::spawn(move || {
                let mut s = TcpStream::connect(address).unwrap();
                s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
                let mut buf = vec![0u8; 4096];
                let mut answered = 0;
                for _ in 0..5_000 {
                    s.write_all(&request).unwrap();
                    // One answer per request: read until its (short) JSON body ends.
                    let n = s.read(&mut buf).unwrap();
                    assert!(
                        buf[..n].starts_with(b"HTTP/1.1 403"),
                        "{}",
                        String::from_utf8_lossy(&buf[..n])
                    );
                    answered += 1;
                }
                answered
            })
        })
        .collect();
    let answered: usize = workers.into_iter().map(|w| w.join().unwrap()).sum();
    let rss = rss_kib(&gateway);
    eprintln!("RSS {rss} KiB after {answered} unsigned requests with 64 KB paths");
    assert_eq!(answered, 20_000);
    assert!(rss < 100 * 1024, "RSS {rss} KiB");
}
