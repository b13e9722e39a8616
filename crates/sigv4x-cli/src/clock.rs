//! The signing time: the system clock, or, for tests only, `SIGV4X_TEST_NOW`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sigv4x::AmzDate;

use crate::error::CliError;

/// **Test-only**: a fixed signing time, as Unix seconds or `YYYYMMDDTHHMMSSZ`, so tests can play
/// a client whose clock is wrong. Not for production use: requests signed at another time than
/// now are refused by AWS.
pub const TEST_NOW: &str = "SIGV4X_TEST_NOW";

/// Now, or the time `SIGV4X_TEST_NOW` fixes.
///
/// # Errors
/// A usage error when `SIGV4X_TEST_NOW` is set to something else than a time.
pub fn now() -> Result<SystemTime, CliError> {
    match std::env::var(TEST_NOW) {
        Ok(text) if !text.trim().is_empty() => parse(text.trim()).ok_or_else(|| {
            CliError::usage(format!(
                "{TEST_NOW} must be Unix seconds or YYYYMMDDTHHMMSSZ, not `{text}`"
            ))
        }),
        _ => Ok(SystemTime::now()),
    }
}

fn parse(text: &str) -> Option<SystemTime> {
    if let Ok(secs) = text.parse::<u64>() {
        return Some(UNIX_EPOCH + Duration::from_secs(secs));
    }
    AmzDate::parse(text.as_bytes()).map(|d| d.to_system_time())
}
