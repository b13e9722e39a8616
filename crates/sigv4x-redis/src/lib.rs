//! Replay protection shared through Redis, for servers that verify SigV4 behind a load
//! balancer: a request replayed to another instance is refused there too.
//!
//! [`RedisReplayStore`] is a [`sigv4x::ReplayStore`]. Each accepted request costs one atomic
//! `SET {namespace}:{sha256(signature)} 1 NX PX {ttl}` over a multiplexed connection (the
//! `redis` crate's tokio [`ConnectionManager`], so concurrent requests share one connection
//! without waiting for each other, and it reconnects by itself). The entry lives as long as
//! the request could be accepted: its `X-Amz-Date` plus the skew window, or a presigned URL's
//! expiry (see [`sigv4x::Verified::replay_entry`]).
//!
//! When Redis cannot be asked (down, or slower than [`RedisReplayConfig::timeout`]), the store
//! fails closed by default ([`sigv4x::VerifyError::ReplayStoreUnavailable`], 503), or, with
//! [`FailureMode::Open`], lets the request through unchecked ([`ReplayCheck::Unchecked`]),
//! counted ([`RedisReplayStore::failed_open`]) and logged through `tracing` once per outage.
//!
//! ```no_run
//! use sigv4x::ReplayStore;
//! use sigv4x_redis::{FailureMode, RedisReplayConfig, RedisReplayStore};
//!
//! # async fn demo(verified: sigv4x::Verified) -> Result<(), Box<dyn std::error::Error>> {
//! let store = RedisReplayStore::connect(
//!     "redis://127.0.0.1:6379/0",
//!     RedisReplayConfig::default().failure_mode(FailureMode::Closed),
//! )
//! .await?;
//! // After the signature is verified: a second use, here or on another server, is refused.
//! store.record(verified.replay_entry(), std::time::SystemTime::now()).await?;
//! # Ok(()) }
//! ```
//!
//! Give the Redis server `maxmemory-policy noeviction` (or `volatile-ttl`): a policy that
//! evicts keys before they expire forgets signatures that could then be replayed.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod error;

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::Value;
use sha2::{Digest, Sha256};
use sigv4x::{ReplayCheck, ReplayEntry, ReplayStore, VerifyError};

pub use error::RedisReplayError;

/// What to do with a request when Redis cannot be asked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum FailureMode {
    /// Refuse it with 503 (`ServiceUnavailable`): no replay gets through. The default.
    #[default]
    Closed,
    /// Let it through unchecked, counted and logged: the service stays up, and a replay sent
    /// during the outage is accepted.
    Open,
}

/// The prefix of every key a [`RedisReplayStore`] writes, unless configured otherwise.
pub const DEFAULT_NAMESPACE: &str = "sigv4x:replay";

/// How long a [`RedisReplayStore`] waits for Redis to answer, unless configured otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(250);

/// How a [`RedisReplayStore`] names its keys and how long it waits.
#[derive(Clone, Debug)]
pub struct RedisReplayConfig {
    namespace: String,
    failure_mode: FailureMode,
    timeout: Duration,
    connect_timeout: Duration,
}

impl Default for RedisReplayConfig {
    fn default() -> Self {
        RedisReplayConfig {
            namespace: DEFAULT_NAMESPACE.to_owned(),
            failure_mode: FailureMode::Closed,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: Duration::from_secs(2),
        }
    }
}

impl RedisReplayConfig {
    /// The prefix of every key (`{namespace}:{hex}`), so that several services can share one
    /// Redis. Default `sigv4x:replay`. Servers that must refuse each other's replays share it.
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = namespace.into();
        self
    }

    /// What to do when Redis cannot be asked. Default [`FailureMode::Closed`].
    pub fn failure_mode(mut self, mode: FailureMode) -> Self {
        self.failure_mode = mode;
        self
    }

    /// How long one request waits for Redis before it counts as unavailable. Default 250 ms.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long [`RedisReplayStore::connect`] and each reconnection attempt may take. Default
    /// 2 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }
}

/// A [`ReplayStore`] shared through Redis (see the crate docs).
pub struct RedisReplayStore {
    connection: ConnectionManager,
    /// `host:port` (or the socket path), for messages: never the URL, which may hold a
    /// password.
    address: String,
    namespace: String,
    failure_mode: FailureMode,
    timeout: Duration,
    /// Requests Redis could not be asked about.
    unavailable: AtomicU64,
    /// Of those, the ones let through unchecked.
    failed_open: AtomicU64,
    /// Whether the last request found Redis unavailable (to log an outage once).
    down: AtomicBool,
}

impl RedisReplayStore {
    /// Connects to the Redis server at `url` (`redis://[user:password@]host[:port][/db]` or
    /// `redis+unix:///path`) and checks that it answers.
    ///
    /// # Errors
    /// [`RedisReplayError::InvalidUrl`] for a URL the client cannot use;
    /// [`RedisReplayError::Unreachable`] when the server does not answer within the connect
    /// timeout. Neither shows the URL's password.
    pub async fn connect(url: &str, config: RedisReplayConfig) -> Result<Self, RedisReplayError> {
        let client = error::client(url)?;
        let address = client.get_connection_info().addr().to_string();
        let manager_config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(config.connect_timeout))
            .set_response_timeout(Some(config.timeout))
            .set_number_of_retries(2)
            .set_min_delay(Duration::from_millis(20))
            .set_max_delay(Duration::from_millis(500));
        let connected = tokio::time::timeout(
            config.connect_timeout,
            ConnectionManager::new_with_config(client.clone(), manager_config),
        )
        .await;
        let connection = match connected {
            Ok(Ok(connection)) => connection,
            Ok(Err(e)) => return Err(error::unreachable(&client, &address, &e)),
            Err(_) => {
                return Err(RedisReplayError::Unreachable {
                    address,
                    reason: format!("no answer within {:?}", config.connect_timeout),
                })
            }
        };
        Ok(RedisReplayStore {
            connection,
            address,
            namespace: config.namespace,
            failure_mode: config.failure_mode,
            timeout: config.timeout,
            unavailable: AtomicU64::new(0),
            failed_open: AtomicU64::new(0),
            down: AtomicBool::new(false),
        })
    }

    /// How many requests Redis could not be asked about since the start.
    pub fn unavailable(&self) -> u64 {
        self.unavailable.load(Ordering::Relaxed)
    }

    /// How many of those were let through unchecked ([`FailureMode::Open`]).
    pub fn failed_open(&self) -> u64 {
        self.failed_open.load(Ordering::Relaxed)
    }

    /// The failure mode.
    pub fn failure_mode(&self) -> FailureMode {
        self.failure_mode
    }

    /// `{namespace}:{hex(sha256(key))}`: fixed length whatever the namespace, and no signature
    /// readable from the store.
    fn key(&self, entry: &ReplayEntry) -> Vec<u8> {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let digest = Sha256::digest(entry.key());
        let mut key = Vec::with_capacity(self.namespace.len() + 1 + 64);
        key.extend_from_slice(self.namespace.as_bytes());
        key.push(b':');
        for byte in digest {
            key.push(HEX[usize::from(byte >> 4)]);
            key.push(HEX[usize::from(byte & 15)]);
        }
        key
    }

    async fn set_if_absent(
        &self,
        entry: ReplayEntry,
        now: SystemTime,
    ) -> Result<ReplayCheck, VerifyError> {
        // Redis needs a positive expiry; an entry at the very end of its window gets 1 ms.
        let ttl = u64::try_from(entry.time_to_live(now).as_millis())
            .unwrap_or(u64::MAX)
            .max(1);
        let mut command = redis::cmd("SET");
        command
            .arg(self.key(&entry))
            .arg(1u8)
            .arg("NX")
            .arg("PX")
            .arg(ttl);
        let mut connection = self.connection.clone();
        let answer =
            tokio::time::timeout(self.timeout, command.query_async::<Value>(&mut connection)).await;
        match answer {
            Ok(Ok(Value::Okay)) => {
                self.up();
                Ok(ReplayCheck::Fresh)
            }
            Ok(Ok(Value::SimpleString(s))) if s == "OK" => {
                self.up();
                Ok(ReplayCheck::Fresh)
            }
            Ok(Ok(Value::Nil)) => {
                self.up();
                Err(VerifyError::Replayed)
            }
            Ok(Ok(_)) => self.failed("an unexpected answer to SET NX"),
            Ok(Err(e)) if e.is_timeout() => self.failed("no answer in time"),
            Ok(Err(e)) if e.is_io_error() => self.failed("the connection failed"),
            Ok(Err(_)) => self.failed("an error answer to SET NX"),
            Err(_) => self.failed("no answer in time"),
        }
    }

    fn up(&self) {
        if self.down.swap(false, Ordering::Relaxed) {
            tracing::info!(
                address = %self.address,
                "the replay store answers again"
            );
        }
    }

    /// Counts a request Redis could not be asked about, logs the outage once, and answers as
    /// the failure mode says.
    fn failed(&self, why: &'static str) -> Result<ReplayCheck, VerifyError> {
        self.unavailable.fetch_add(1, Ordering::Relaxed);
        let first = !self.down.swap(true, Ordering::Relaxed);
        match self.failure_mode {
            FailureMode::Closed => {
                if first {
                    tracing::warn!(
                        address = %self.address,
                        reason = why,
                        "the replay store is unavailable: requests are refused (fail closed)"
                    );
                }
                Err(VerifyError::ReplayStoreUnavailable)
            }
            FailureMode::Open => {
                let n = self.failed_open.fetch_add(1, Ordering::Relaxed) + 1;
                if first {
                    tracing::warn!(
                        address = %self.address,
                        reason = why,
                        failed_open = n,
                        "the replay store is unavailable: requests are let through unchecked \
                         (fail open)"
                    );
                }
                Ok(ReplayCheck::Unchecked)
            }
        }
    }
}

impl ReplayStore for RedisReplayStore {
    fn record(
        &self,
        entry: ReplayEntry,
        now: SystemTime,
    ) -> impl std::future::Future<Output = Result<ReplayCheck, VerifyError>> + Send {
        self.set_if_absent(entry, now)
    }
}

impl fmt::Debug for RedisReplayStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisReplayStore")
            .field("address", &self.address)
            .field("namespace", &self.namespace)
            .field("failure_mode", &self.failure_mode)
            .field("timeout", &self.timeout)
            .field("unavailable", &self.unavailable())
            .field("failed_open", &self.failed_open())
            .finish_non_exhaustive()
    }
}
