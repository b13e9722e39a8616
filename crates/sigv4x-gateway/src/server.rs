//! Running the gateway: one accept loop per listener, hyper HTTP/1.1 connections, and a
//! graceful shutdown that lets requests in flight finish.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::audit::AuditLog;
use crate::config::GatewayConfig;
use crate::error::GatewayError;
use crate::pipeline::{Arrival, Pipeline};

/// Where a listener is, and which endpoint arrival on it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenerAddr {
    /// The bound address (with the real port when port 0 was asked for).
    pub address: SocketAddr,
    /// The VPC endpoint, or `None` for outside any endpoint.
    pub endpoint: Option<String>,
}

/// A running gateway.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use sigv4x_gateway::{Gateway, GatewayConfig};
///
/// let config = GatewayConfig::load("crates/sigv4x-gateway/examples/gateway.toml")?
///     .with_ephemeral_ports();
/// let gateway = Gateway::start(config).await?;
/// let through_endpoint = gateway.address_for(Some("vpce-0a1b2c3d4e5f60718"));
/// // … send signed requests to it …
/// let records = gateway.audit().records();
/// gateway.shutdown().await;
/// # let _ = (through_endpoint, records);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Gateway {
    listeners: Vec<ListenerAddr>,
    audit: AuditLog,
    stop: watch::Sender<bool>,
    abort: watch::Sender<bool>,
    accept_loops: Vec<JoinHandle<()>>,
    connections: mpsc::Receiver<()>,
    grace: Duration,
}

impl Gateway {
    /// Checks the configuration, reads the policies, binds every listener and starts serving.
    ///
    /// # Errors
    /// A [`GatewayError`] for a configuration that does not make sense, a policy that does not
    /// parse, or an address that cannot be bound.
    pub async fn start(config: GatewayConfig) -> Result<Gateway, GatewayError> {
        let audit = AuditLog::open(&config.audit, config.base_dir.as_deref())?;
        let pipeline = Arc::new(Pipeline::compile(&config, audit.clone())?);
        if config.listeners.is_empty() {
            return Err(GatewayError::invalid("no [[listeners]]"));
        }
        let (stop, stop_rx) = watch::channel(false);
        let (abort, abort_rx) = watch::channel(false);
        // Each connection holds a sender; when all are gone, the receiver sees the end.
        let (tracker, connections) = mpsc::channel::<()>(1);
        let mut bound = Vec::new();
        for l in &config.listeners {
            let endpoint = match &l.endpoint {
                Some(id) => Some(pipeline.endpoint_index(id).ok_or_else(|| {
                    GatewayError::invalid(format!(
                        "listener {}: endpoint {id} is not under [[endpoints]]",
                        l.address
                    ))
                })?),
                None => None,
            };
            let default_api = match &l.api {
                Some(id) => Some(pipeline.api_index(id).ok_or_else(|| {
                    GatewayError::invalid(format!(
                        "listener {}: API {id} is not under [[apis]]",
                        l.address
                    ))
                })?),
                None => None,
            };
            let listener =
                TcpListener::bind(l.address)
                    .await
                    .map_err(|source| GatewayError::Bind {
                        address: l.address,
                        source,
                    })?;
            let address = listener.local_addr().map_err(|source| GatewayError::Bind {
                address: l.address,
                source,
            })?;
            bound.push((listener, address, endpoint, default_api, l.endpoint.clone()));
        }
        let mut listeners = Vec::new();
        let mut accept_loops = Vec::new();
        for (listener, address, endpoint, default_api, endpoint_id) in bound {
            listeners.push(ListenerAddr {
                address,
                endpoint: endpoint_id,
            });
            accept_loops.push(tokio::spawn(accept_loop(
                listener,
                Arc::clone(&pipeline),
                Arrival {
                    listener: address,
                    peer: address,
                    endpoint,
                    default_api,
                },
                stop_rx.clone(),
                abort_rx.clone(),
                tracker.clone(),
            )));
        }
        Ok(Gateway {
            listeners,
            audit,
            stop,
            abort,
            accept_loops,
            connections,
            grace: Duration::from_millis(config.settings.shutdown_grace_ms),
        })
    }

    /// Every listener, in configuration order.
    pub fn listeners(&self) -> &[ListenerAddr] {
        &self.listeners
    }

    /// The first listener for `endpoint` (`None`: outside any endpoint).
    pub fn address_for(&self, endpoint: Option<&str>) -> Option<SocketAddr> {
        self.listeners
            .iter()
            .find(|l| l.endpoint.as_deref() == endpoint)
            .map(|l| l.address)
    }

    /// The audit log.
    pub fn audit(&self) -> &AuditLog {
        &self.audit
    }

    /// Stops accepting, lets requests in flight finish (at most the configured grace period,
    /// then drops their connections), and writes out the audit log.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        for task in self.accept_loops.drain(..) {
            let _ = task.await;
        }
        // Our own receiver sees `None` once every connection task has dropped its sender.
        let drained = tokio::time::timeout(self.grace, self.connections.recv()).await;
        if drained.is_err() {
            let _ = self.abort.send(true);
            let _ = tokio::time::timeout(Duration::from_secs(1), self.connections.recv()).await;
        }
        self.audit.close();
    }
}

/// Waits until the flag is set (or its sender is gone). The guard `wait_for` returns is
/// dropped here, so callers stay `Send`.
async fn signalled(flag: &mut watch::Receiver<bool>) {
    let _ = flag.wait_for(|set| *set).await;
}

async fn accept_loop(
    listener: TcpListener,
    pipeline: Arc<Pipeline>,
    arrival: Arrival,
    mut stop: watch::Receiver<bool>,
    abort: watch::Receiver<bool>,
    tracker: mpsc::Sender<()>,
) {
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = signalled(&mut stop) => return,
        };
        let Ok((stream, peer)) = accepted else {
            // Out of file descriptors and the like: back off instead of spinning.
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        let arrival = Arrival {
            peer,
            ..arrival.clone()
        };
        let pipeline = Arc::clone(&pipeline);
        let mut stop = stop.clone();
        let mut abort = abort.clone();
        let tracker = tracker.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request: hyper::Request<Incoming>| {
                let pipeline = Arc::clone(&pipeline);
                let arrival = arrival.clone();
                async move { Ok::<_, Infallible>(pipeline.handle(request, &arrival).await) }
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service);
            tokio::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                _ = signalled(&mut stop) => {
                    connection.as_mut().graceful_shutdown();
                    tokio::select! {
                        _ = connection.as_mut() => {}
                        _ = signalled(&mut abort) => {}
                    }
                }
            }
            drop(tracker);
        });
    }
}

/// A gateway running on its own runtime, for synchronous code and tests that are not async.
///
/// ```no_run
/// use sigv4x_gateway::{Gateway, GatewayConfig};
///
/// let config = GatewayConfig::load("crates/sigv4x-gateway/examples/gateway.toml")?
///     .with_ephemeral_ports();
/// let gateway = Gateway::spawn(config)?;
/// let address = gateway.address_for(None);
/// gateway.stop();
/// # let _ = address;
/// # Ok::<(), sigv4x_gateway::GatewayError>(())
/// ```
#[derive(Debug)]
pub struct BlockingGateway {
    gateway: Option<Gateway>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Gateway {
    /// Starts a gateway on a runtime of its own (two worker threads) and returns once it
    /// listens. Call it outside any async runtime.
    ///
    /// # Errors
    /// As [`Gateway::start`], or [`GatewayError::Io`] if the runtime cannot be built.
    pub fn spawn(config: GatewayConfig) -> Result<BlockingGateway, GatewayError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("sigv4x-gateway")
            .enable_all()
            .build()
            .map_err(|source| GatewayError::Io {
                context: "cannot build the gateway's runtime".into(),
                source,
            })?;
        let gateway = runtime.block_on(Gateway::start(config))?;
        Ok(BlockingGateway {
            gateway: Some(gateway),
            runtime: Some(runtime),
        })
    }
}

impl BlockingGateway {
    /// Every listener.
    pub fn listeners(&self) -> &[ListenerAddr] {
        self.gateway.as_ref().map_or(&[], |g| g.listeners())
    }

    /// The first listener for `endpoint` (`None`: outside any endpoint).
    pub fn address_for(&self, endpoint: Option<&str>) -> Option<SocketAddr> {
        self.gateway.as_ref().and_then(|g| g.address_for(endpoint))
    }

    /// The audit log.
    pub fn audit(&self) -> Option<&AuditLog> {
        self.gateway.as_ref().map(Gateway::audit)
    }

    /// Shuts down gracefully (as [`Gateway::shutdown`]) and stops the runtime.
    pub fn stop(mut self) {
        if let (Some(gateway), Some(runtime)) = (self.gateway.take(), self.runtime.take()) {
            runtime.block_on(gateway.shutdown());
            runtime.shutdown_background();
        }
    }
}

impl Drop for BlockingGateway {
    fn drop(&mut self) {
        if let Some(gateway) = self.gateway.take() {
            gateway.audit.close();
        }
        // Not `drop(runtime)`: that would panic if dropped inside another runtime.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}
