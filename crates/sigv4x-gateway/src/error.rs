//! Why a gateway could not be configured or started.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Why a gateway configuration could not be loaded, or the gateway not started.
#[derive(Debug)]
#[non_exhaustive]
pub enum GatewayError {
    /// A file (the configuration, a policy) could not be read.
    Read {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The configuration is not valid TOML for a gateway.
    Toml {
        /// The configuration file, when it came from one.
        path: Option<PathBuf>,
        /// What the TOML parser said (line and column included).
        message: String,
    },
    /// A policy document does not parse.
    Policy {
        /// Where the policy came from: its file, or a description of an inline policy.
        source_name: String,
        /// What is wrong with it.
        error: sigv4x_policy::ParseError,
    },
    /// The configuration parses but does not make sense (a reference to an unknown account, a
    /// duplicate id, a malformed route).
    Invalid {
        /// What is wrong, naming the entry.
        reason: String,
    },
    /// A listener's address could not be bound.
    Bind {
        /// The address.
        address: SocketAddr,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The audit log file could not be opened, or the runtime not built.
    Io {
        /// What was being done.
        context: String,
        /// What the operating system said.
        source: std::io::Error,
    },
}

impl GatewayError {
    pub(crate) fn invalid(reason: impl Into<String>) -> Self {
        GatewayError::Invalid {
            reason: reason.into(),
        }
    }
}

impl fmt::Display for GatewayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GatewayError::Read { path, source } => {
                write!(f, "cannot read {}: {source}", path.display())
            }
            GatewayError::Toml {
                path: Some(path),
                message,
            } => write!(f, "{}: {message}", path.display()),
            GatewayError::Toml {
                path: None,
                message,
            } => write!(f, "gateway configuration: {message}"),
            GatewayError::Policy { source_name, error } => {
                write!(f, "policy {source_name}: {error}")
            }
            GatewayError::Invalid { reason } => {
                write!(f, "invalid gateway configuration: {reason}")
            }
            GatewayError::Bind { address, source } => {
                write!(f, "cannot listen on {address}: {source}")
            }
            GatewayError::Io { context, source } => write!(f, "{context}: {source}"),
        }
    }
}

impl std::error::Error for GatewayError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            GatewayError::Read { source, .. }
            | GatewayError::Bind { source, .. }
            | GatewayError::Io { source, .. } => Some(source),
            GatewayError::Policy { error, .. } => Some(error),
            GatewayError::Toml { .. } | GatewayError::Invalid { .. } => None,
        }
    }
}
