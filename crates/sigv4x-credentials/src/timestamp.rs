//! The timestamps credential sources write: RFC 3339 (`2019-11-09T13:34:41Z`, with or without
//! fractional seconds or an offset) or, from SSO, milliseconds since the epoch.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Parses an RFC 3339 timestamp. botocore also accepts a `UTC` suffix in place of `Z` (it is
/// found in SSO token caches written by older CLIs), so that is accepted too.
pub(crate) fn parse_rfc3339(text: &str) -> Option<SystemTime> {
    let text = text.trim();
    let owned;
    let text = match text.strip_suffix("UTC") {
        Some(rest) => {
            owned = format!("{rest}Z");
            owned.as_str()
        }
        None => text,
    };
    let parsed = OffsetDateTime::parse(text, &Rfc3339).ok()?;
    let nanos = parsed.unix_timestamp_nanos();
    let nanos = u64::try_from(nanos).ok()?;
    UNIX_EPOCH.checked_add(Duration::from_nanos(nanos))
}

/// Milliseconds since the epoch, as SSO's `GetRoleCredentials` gives `expiration`.
pub(crate) fn from_epoch_millis(millis: u64) -> Option<SystemTime> {
    UNIX_EPOCH.checked_add(Duration::from_millis(millis))
}

/// `time` as RFC 3339 in UTC, for messages.
pub(crate) fn format_rfc3339(time: SystemTime) -> String {
    OffsetDateTime::from(time)
        .format(&Rfc3339)
        .unwrap_or_else(|_| "(unrepresentable time)".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_forms_aws_writes() {
        let t = UNIX_EPOCH + Duration::from_secs(1_573_306_481);
        assert_eq!(parse_rfc3339("2019-11-09T13:34:41Z"), Some(t));
        assert_eq!(parse_rfc3339("2019-11-09T13:34:41UTC"), Some(t));
        assert_eq!(parse_rfc3339("2019-11-09T14:34:41+01:00"), Some(t));
        assert_eq!(
            parse_rfc3339("2019-11-09T13:34:41.5Z"),
            Some(t + Duration::from_millis(500))
        );
        assert_eq!(parse_rfc3339("yesterday"), None);
        assert_eq!(parse_rfc3339("1969-01-01T00:00:00Z"), None);
        assert_eq!(format_rfc3339(t), "2019-11-09T13:34:41Z");
        assert_eq!(from_epoch_millis(1_573_306_481_000), Some(t));
    }
}
