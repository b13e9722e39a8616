//! What ends a run: a message of one line and the exit status that goes with it.

use std::fmt;

/// Exit status for bad usage: a URL that does not parse, a header without a colon, a region or
/// service that cannot be inferred (clap uses 2 for its own usage errors too).
pub const USAGE: u8 = 2;
/// Exit status for a runtime failure that is not a transport error: no credentials, an
/// unreadable file, a signing error.
pub const RUNTIME: u8 = 1;

/// An error to print as `sigv4x: message` (or, for curl's transport and HTTP errors,
/// `sigv4x: (code) message`, as curl prints them) before exiting with `code`.
#[derive(Debug)]
pub struct CliError {
    /// The exit status.
    pub code: u8,
    /// Whether to print the code in parentheses, as curl does for its own numbered errors.
    pub curl_style: bool,
    message: String,
}

impl CliError {
    /// Bad usage: exit 2.
    pub fn usage(message: impl Into<String>) -> Self {
        CliError::new(USAGE, false, message)
    }

    /// A runtime failure: exit 1.
    pub fn runtime(message: impl Into<String>) -> Self {
        CliError::new(RUNTIME, false, message)
    }

    /// A curl-numbered failure (6 resolve, 7 connect, 22 HTTP ≥ 400, 28 timeout, 35 TLS,
    /// 56 receive, 60 certificate).
    pub fn curl(code: u8, message: impl Into<String>) -> Self {
        CliError::new(code, true, message)
    }

    fn new(code: u8, curl_style: bool, message: impl Into<String>) -> Self {
        // One line, whatever the source said: multi-line messages are joined.
        let message: String = message.into();
        let message = message
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("; ");
        CliError {
            code,
            curl_style,
            message,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.curl_style {
            write!(f, "({}) {}", self.code, self.message)
        } else {
            f.write_str(&self.message)
        }
    }
}

impl std::error::Error for CliError {}
