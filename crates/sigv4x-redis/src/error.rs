//! Why a [`RedisReplayStore`](crate::RedisReplayStore) could not be set up. Messages name the
//! server's address, never its URL: a URL may carry a password.

use std::fmt;

use redis::{Client, RedisError};

/// Why [`RedisReplayStore::connect`](crate::RedisReplayStore::connect) failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RedisReplayError {
    /// The URL is not one the client can use.
    InvalidUrl {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The server did not answer, or refused the connection (wrong password, …).
    Unreachable {
        /// `host:port`, or the socket path.
        address: String,
        /// What happened (never the password).
        reason: String,
    },
}

impl fmt::Display for RedisReplayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RedisReplayError::InvalidUrl { reason } => write!(f, "invalid Redis URL: {reason}"),
            RedisReplayError::Unreachable { address, reason } => {
                write!(f, "cannot reach the Redis server at {address}: {reason}")
            }
        }
    }
}

impl std::error::Error for RedisReplayError {}

/// A client for `url`, or why not (without quoting the URL).
pub(crate) fn client(url: &str) -> Result<Client, RedisReplayError> {
    let scheme = url.split_once("://").map(|(scheme, _)| scheme);
    match scheme {
        Some("redis" | "redis+unix" | "unix") => {}
        Some("rediss") => {
            return Err(RedisReplayError::InvalidUrl {
                reason: "rediss:// (TLS) is not supported; use redis:// on a trusted network",
            })
        }
        _ => {
            return Err(RedisReplayError::InvalidUrl {
                reason: "it must start with redis:// or redis+unix://",
            })
        }
    }
    Client::open(url).map_err(|_| RedisReplayError::InvalidUrl {
        reason: "it does not parse as redis://[user:password@]host[:port][/db]",
    })
}

/// A connection failure, with any password scrubbed from the client's message.
pub(crate) fn unreachable(client: &Client, address: &str, e: &RedisError) -> RedisReplayError {
    let mut reason = e.to_string();
    let settings = client.get_connection_info().redis_settings();
    if let Some(password) = settings.password().filter(|p| !p.is_empty()) {
        reason = reason.replace(password, "<redacted>");
    }
    RedisReplayError::Unreachable {
        address: address.to_owned(),
        reason,
    }
}
