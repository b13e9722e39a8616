//! Running the gateway: one accept loop per listener, hyper HTTP/1.1 connections, and a
//! graceful shutdown that lets requests in flight finish.
//!
//! Every connection is bounded: a listener keeps at most `max_connections` open (the rest wait
//! in the kernel's backlog), a connection that sends nothing is closed after `idle_timeout_ms`,
//! one that has started a request must finish its headers within `header_read_timeout_ms`, and
//! hyper refuses heads over `max_header_bytes`. The watchdog that enforces the timeouts reads
//! the connection's activity from [`Tracked`], a socket wrapper that notes when bytes arrive.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::audit::AuditLog;
use crate::config::{GatewayConfig, Settings};
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
        let pipeline = Pipeline::compile(&config, audit.clone())?;
        if config.listeners.is_empty() {
            return Err(GatewayError::invalid("no [[listeners]]"));
        }
        let replay = crate::replay::ReplayStep::from_config(&config).await?;
        let pipeline = Arc::new(pipeline.with_replay(replay));
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
                Arrival::new(address, address, endpoint, default_api),
                stop_rx.clone(),
                abort_rx.clone(),
                tracker.clone(),
                ConnectionLimits::of(&config.settings),
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

/// The bounds every connection of a listener lives within.
#[derive(Clone, Copy, Debug)]
struct ConnectionLimits {
    max_connections: usize,
    header_read: Duration,
    idle: Duration,
    max_header_bytes: usize,
}

impl ConnectionLimits {
    fn of(settings: &Settings) -> Self {
        ConnectionLimits {
            max_connections: settings.max_connections.max(1),
            header_read: Duration::from_millis(settings.header_read_timeout_ms),
            idle: Duration::from_millis(settings.idle_timeout_ms),
            // hyper's smallest read buffer.
            max_header_bytes: settings.max_header_bytes.max(8192),
        }
    }
}

async fn accept_loop(
    listener: TcpListener,
    pipeline: Arc<Pipeline>,
    arrival: Arrival,
    mut stop: watch::Receiver<bool>,
    abort: watch::Receiver<bool>,
    tracker: mpsc::Sender<()>,
    limits: ConnectionLimits,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    loop {
        // A free slot first: connections beyond the limit wait in the kernel's backlog.
        let slot = tokio::select! {
            slot = Arc::clone(&slots).acquire_owned() => slot,
            _ = signalled(&mut stop) => return,
        };
        let Ok(slot) = slot else { return };
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
        let arrival = arrival.with_peer(peer);
        tokio::spawn(serve(
            stream,
            Arc::clone(&pipeline),
            arrival,
            (stop.clone(), abort.clone()),
            (tracker.clone(), slot),
            limits,
        ));
    }
}

/// Serves one connection until it ends, times out, or the gateway stops.
async fn serve(
    stream: TcpStream,
    pipeline: Arc<Pipeline>,
    arrival: Arrival,
    (mut stop, mut abort): (watch::Receiver<bool>, watch::Receiver<bool>),
    held: (mpsc::Sender<()>, OwnedSemaphorePermit),
    limits: ConnectionLimits,
) {
    let activity = Arc::new(Activity::new());
    let io = Tracked {
        inner: stream,
        activity: Arc::clone(&activity),
    };
    let requests = Arc::clone(&activity);
    let service = service_fn(move |request: hyper::Request<Incoming>| {
        let pipeline = Arc::clone(&pipeline);
        let arrival = arrival.clone();
        let busy = requests.begin();
        async move {
            let response = pipeline.handle(request, &arrival).await;
            drop(busy);
            Ok::<_, Infallible>(response)
        }
    });
    let connection = hyper::server::conn::http1::Builder::new()
        .max_buf_size(limits.max_header_bytes)
        .serve_connection(TokioIo::new(io), service);
    tokio::pin!(connection);
    // One timer for the connection's life, moved only when it fires: a request does not touch
    // it (re-arming a timer and waking the task for every request's first byte cost a third
    // more polls of the connection than bare hyper makes).
    let watchdog = tokio::time::sleep_until(activity.next_check(&limits));
    tokio::pin!(watchdog);
    loop {
        tokio::select! {
            _ = connection.as_mut() => break,
            _ = watchdog.as_mut() => {
                if activity.deadline(&limits) <= Instant::now() {
                    // Dropping the connection closes the socket.
                    break;
                }
                watchdog.as_mut().reset(activity.next_check(&limits));
            }
            _ = signalled(&mut stop) => {
                connection.as_mut().graceful_shutdown();
                tokio::select! {
                    _ = connection.as_mut() => {}
                    _ = signalled(&mut abort) => {}
                }
                break;
            }
        }
    }
    drop(held);
}

/// What the watchdog knows of a connection: when it became ready for a request, when the first
/// byte of the next one arrived, and how many requests are in the pipeline's hands.
#[derive(Debug)]
struct Activity {
    start: Instant,
    /// Milliseconds after `start`.
    ready_at: AtomicU64,
    /// Milliseconds after `start` plus one; 0 when no byte arrived since `ready_at`.
    first_byte_at: AtomicU64,
    in_flight: AtomicUsize,
}

/// A request in the pipeline's hands; when the last ends, the connection is ready again.
struct Busy(Arc<Activity>);

impl Drop for Busy {
    fn drop(&mut self) {
        if self.0.in_flight.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.first_byte_at.store(0, Ordering::Release);
            self.0.ready_at.store(self.0.millis(), Ordering::Release);
        }
    }
}

impl Activity {
    fn new() -> Self {
        Activity {
            start: Instant::now(),
            ready_at: AtomicU64::new(0),
            first_byte_at: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
        }
    }

    fn millis(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX - 1)
    }

    fn read(&self) {
        if self.first_byte_at.load(Ordering::Acquire) != 0 {
            return;
        }
        let now = self.millis() + 1;
        // No wake-up: the watchdog never sleeps past the earliest header deadline a byte
        // arriving now could set (see `next_check`).
        let _ = self
            .first_byte_at
            .compare_exchange(0, now, Ordering::AcqRel, Ordering::Acquire);
    }

    fn begin(self: &Arc<Self>) -> Busy {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        Busy(Arc::clone(self))
    }

    /// When the watchdog looks next: the deadline, or sooner, `header_read` from now. A request
    /// whose first byte arrives after this call has its header deadline `header_read` after
    /// that byte, so no later than this: the watchdog needs no wake-up when bytes arrive, and
    /// still closes a connection that stalls in its headers on time.
    fn next_check(&self, limits: &ConnectionLimits) -> Instant {
        let now = Instant::now();
        // At least a millisecond apart: a zero timeout must not spin the watchdog.
        let step = limits.header_read.max(Duration::from_millis(1));
        self.deadline(limits).min(now + step)
    }

    /// When the connection is to be closed unless something happens first: never while a
    /// request is being handled (the body and the proxy have timeouts of their own), else
    /// `header_read` after the first byte of a request, or `idle` after it became ready.
    fn deadline(&self, limits: &ConnectionLimits) -> Instant {
        let at = |millis: u64, plus: Duration| self.start + Duration::from_millis(millis) + plus;
        if self.in_flight.load(Ordering::Acquire) > 0 {
            return Instant::now() + limits.idle.max(Duration::from_secs(1));
        }
        match self.first_byte_at.load(Ordering::Acquire) {
            0 => at(self.ready_at.load(Ordering::Acquire), limits.idle),
            first => at(first - 1, limits.header_read),
        }
    }
}

/// A socket that tells its [`Activity`] when bytes arrive.
struct Tracked {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Tracked {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.activity.read();
        }
        polled
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
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
