//! A bounded load driver over loopback: `connections` kept-alive HTTP/1.1 connections, each
//! sending its share of requests one after another, every answer checked. Shared by the load
//! test and the `load` example.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use sigv4x_gateway::client::Connection;

/// A request, where it goes, and the answer it must get.
#[derive(Clone)]
pub struct Shot {
    pub address: SocketAddr,
    pub request: http::Request<Bytes>,
    pub status: u16,
    /// `x-amzn-ErrorType`, or "" for none.
    pub error_type: &'static str,
    pub label: &'static str,
}

/// What a run measured.
#[derive(Debug, Clone)]
pub struct Stats {
    pub requests: usize,
    pub wrong: Vec<String>,
    pub errors: usize,
    pub elapsed: Duration,
    pub latencies_us: Vec<u64>,
}

impl Stats {
    pub fn per_second(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    pub fn percentile(&self, p: f64) -> u64 {
        let mut sorted = self.latencies_us.clone();
        sorted.sort_unstable();
        if sorted.is_empty() {
            return 0;
        }
        let index = ((sorted.len() - 1) as f64 * p).round() as usize;
        sorted[index.min(sorted.len() - 1)]
    }

    pub fn summary(&self) -> String {
        format!(
            "{} requests in {:.2?}: {:.0} req/s, p50 {} µs, p99 {} µs, {} wrong, {} errors",
            self.requests,
            self.elapsed,
            self.per_second(),
            self.percentile(0.50),
            self.percentile(0.99),
            self.wrong.len(),
            self.errors
        )
    }
}

/// Runs `per_connection` requests on each of `connections` connections; connection `i` sends
/// `plans[i % plans.len()]` in a cycle (each plan's shots share one address).
pub async fn drive(plans: &[Vec<Shot>], connections: usize, per_connection: usize) -> Stats {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..connections {
        let plan = plans[i % plans.len()].clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(per_connection);
            let mut wrong = Vec::new();
            let mut errors = 0;
            let mut connection = match Connection::open(plan[0].address).await {
                Ok(c) => c,
                Err(_) => return (latencies, wrong, per_connection),
            };
            for n in 0..per_connection {
                let shot = &plan[n % plan.len()];
                let sent = Instant::now();
                let answer = tokio::time::timeout(
                    Duration::from_secs(10),
                    connection.send(shot.request.clone()),
                )
                .await;
                latencies.push(sent.elapsed().as_micros() as u64);
                match answer {
                    Ok(Ok(response)) => {
                        let error_type = response
                            .headers()
                            .get("x-amzn-errortype")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("");
                        if response.status().as_u16() != shot.status
                            || error_type != shot.error_type
                        {
                            wrong.push(format!(
                                "{}: got {} {error_type:?}, want {} {:?}",
                                shot.label,
                                response.status(),
                                shot.status,
                                shot.error_type
                            ));
                        }
                    }
                    _ => {
                        errors += 1;
                        // A broken connection: open another and go on.
                        if let Ok(c) = Connection::open(shot.address).await {
                            connection = c;
                        }
                    }
                }
            }
            (latencies, wrong, errors)
        }));
    }
    let mut stats = Stats {
        requests: connections * per_connection,
        wrong: Vec::new(),
        errors: 0,
        elapsed: Duration::ZERO,
        latencies_us: Vec::with_capacity(connections * per_connection),
    };
    for task in tasks {
        let (latencies, wrong, errors) = task.await.unwrap();
        stats.latencies_us.extend(latencies);
        stats.wrong.extend(wrong);
        stats.errors += errors;
    }
    stats.elapsed = started.elapsed();
    stats
}

/// A bare hyper server answering every request with `body` and the same headers the gateway
/// sends for a canned route: the baseline the gateway's overhead is measured against.
pub async fn bare_hyper(body: &'static str) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let service = service_fn(
                    move |_request: hyper::Request<hyper::body::Incoming>| async move {
                        let ids = sigv4x_gateway::RequestIds::next();
                        Ok::<_, Infallible>(
                            hyper::Response::builder()
                                .header("content-type", "application/json")
                                .header("x-amzn-requestid", ids.request_id())
                                .header("x-amz-apigw-id", ids.apigw_id())
                                .body(Full::new(Bytes::from_static(body.as_bytes())))
                                .unwrap(),
                        )
                    },
                );
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    address
}
