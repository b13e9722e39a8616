//! Dates for the `Date…` condition operators and `aws:CurrentTime`:
//! ISO 8601 (`2025-01-31`, `2025-01-31T12:00:00Z`, with fractions or an
//! offset) and epoch seconds, reduced to milliseconds since 1970 UTC.

use std::time::{SystemTime, UNIX_EPOCH};

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn digits(text: &str) -> Option<i64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Parse a policy or context date; `None` when it is neither ISO 8601 nor
/// whole epoch seconds.
pub(crate) fn parse_millis(text: &str) -> Option<i64> {
    if let Some(secs) = digits(text) {
        return secs.checked_mul(1000);
    }
    let (date, time) = match text.split_once(['T', 't']) {
        Some((d, t)) => (d, Some(t)),
        None => (text, None),
    };
    let mut fields = date.split('-');
    let year = fields.next().filter(|y| y.len() == 4).and_then(digits)?;
    let month = fields.next().filter(|m| m.len() == 2).and_then(digits)?;
    let day = fields.next().filter(|d| d.len() == 2).and_then(digits)?;
    if fields.next().is_some()
        || !(1..=12).contains(&month)
        || !(1..=days_in_month(year, month)).contains(&day)
    {
        return None;
    }
    let mut millis = days_from_civil(year, month, day) * 86_400_000;
    if let Some(time) = time {
        millis += time_of_day_millis(time)?;
    }
    Some(millis)
}

/// `HH:MM[:SS[.fff]]` followed by `Z` or `±HH:MM`, as an offset from
/// midnight UTC in milliseconds (may be negative or past a day).
fn time_of_day_millis(text: &str) -> Option<i64> {
    let (clock, offset) = if let Some(clock) = text.strip_suffix(['Z', 'z']) {
        (clock, 0)
    } else {
        let sign_at = text.rfind(['+', '-'])?;
        let (clock, zone) = text.split_at(sign_at);
        let sign = if zone.starts_with('-') { -1 } else { 1 };
        let (hh, mm) = zone.get(1..)?.split_once(':')?;
        let (hh, mm) = (digits(hh)?, digits(mm)?);
        if hh > 23 || mm > 59 {
            return None;
        }
        (clock, sign * (hh * 60 + mm) * 60_000)
    };
    let mut parts = clock.split(':');
    let hour = parts.next().filter(|h| h.len() == 2).and_then(digits)?;
    let minute = parts.next().filter(|m| m.len() == 2).and_then(digits)?;
    let (second, fraction) = match parts.next() {
        Some(sec) => {
            let (whole, frac) = match sec.split_once('.') {
                Some((w, f)) => (w, Some(f)),
                None => (sec, None),
            };
            let whole = Some(whole).filter(|w| w.len() == 2).and_then(digits)?;
            let millis = match frac {
                Some(f) => {
                    digits(f)?;
                    let padded = f.bytes().chain(std::iter::repeat(b'0')).take(3);
                    padded.fold(0i64, |acc, b| acc * 10 + i64::from(b - b'0'))
                }
                None => 0,
            };
            (whole, millis)
        }
        None => (0, 0),
    };
    if parts.next().is_some() || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    Some(((hour * 60 + minute) * 60 + second) * 1000 + fraction - offset)
}

/// Append a time as `aws:CurrentTime` carries it, `2025-01-31T12:00:00Z`, to
/// `out` (a request context's text, so that the time needs no buffer of its own).
pub(crate) fn push_iso8601(time: SystemTime, out: &mut String) {
    let secs = epoch_seconds(time);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    // Digit by digit: `format!` cost about 3,000 instructions a request.
    if !(0..=9999).contains(&y) {
        use std::fmt::Write;
        let _ = write!(out, "{y:04}");
    } else {
        push_digits(out, y, 4);
    }
    for (separator, value) in [
        ('-', m),
        ('-', d),
        ('T', rem / 3600),
        (':', rem % 3600 / 60),
        (':', rem % 60),
    ] {
        out.push(separator);
        push_digits(out, value, 2);
    }
    out.push('Z');
}

/// Append whole seconds since the epoch, as `aws:EpochTime` carries them, to `out`.
pub(crate) fn push_epoch_seconds(time: SystemTime, out: &mut String) {
    let secs = epoch_seconds(time);
    if secs < 0 {
        out.push('-');
    }
    let magnitude = secs.unsigned_abs();
    let mut divisor = 1_u64;
    while magnitude / divisor >= 10 {
        divisor *= 10;
    }
    while divisor > 0 {
        let digit = u8::try_from(magnitude / divisor % 10).unwrap_or(0);
        out.push(char::from(b'0' + digit));
        divisor /= 10;
    }
}

/// `value` (0 ≤ value < 10^width) as exactly `width` decimal digits.
fn push_digits(out: &mut String, value: i64, width: u32) {
    let mut divisor = 10_i64.pow(width.saturating_sub(1));
    while divisor > 0 {
        let digit = u8::try_from(value / divisor % 10).unwrap_or(0);
        out.push(char::from(b'0' + digit));
        divisor /= 10;
    }
}

/// Whole seconds since the epoch (negative before it).
fn epoch_seconds(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn parses_the_forms_policies_use() {
        let cases: &[(&str, Option<i64>)] = &[
            ("1970-01-01", Some(0)),
            ("1970-01-02", Some(86_400_000)),
            ("2020-02-29T00:00:00Z", Some(1_582_934_400_000)),
            ("2020-02-30", None),
            ("2021-02-29", None),
            ("2024-06-01T12:30:15Z", Some(1_717_245_015_000)),
            ("2024-06-01T12:30:15.5Z", Some(1_717_245_015_500)),
            ("2024-06-01T14:30:15+02:00", Some(1_717_245_015_000)),
            ("2024-06-01T12:30Z", Some(1_717_245_000_000)),
            ("1717245015", Some(1_717_245_015_000)),
            ("2024-6-01", None),
            ("2024-06-01T25:00:00Z", None),
            ("2024-06-01T12:00:00", None),
            ("yesterday", None),
            ("", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_millis(text), *want, "{text}");
        }
    }

    fn format_iso8601(time: SystemTime) -> String {
        let mut out = String::new();
        push_iso8601(time, &mut out);
        out
    }

    fn format_epoch(time: SystemTime) -> String {
        let mut out = String::new();
        push_epoch_seconds(time, &mut out);
        out
    }

    #[test]
    fn formats_and_round_trips() {
        let t = UNIX_EPOCH + Duration::from_secs(1_717_245_015);
        let text = format_iso8601(t);
        assert_eq!(text, "2024-06-01T12:30:15Z");
        assert_eq!(parse_millis(&text), Some(1_717_245_015_000));
        assert_eq!(epoch_seconds(t), 1_717_245_015);
        assert_eq!(format_epoch(t), "1717245015");
    }

    /// Epoch seconds read as `to_string` writes them, at the edges too: the epoch itself,
    /// before it, and the largest time an `i64` holds.
    #[test]
    fn epoch_seconds_as_text() {
        let before = UNIX_EPOCH - Duration::from_secs(86_401);
        for (time, want) in [
            (UNIX_EPOCH, "0".to_owned()),
            (UNIX_EPOCH + Duration::from_secs(9), "9".to_owned()),
            (UNIX_EPOCH + Duration::from_secs(10), "10".to_owned()),
            (before, "-86401".to_owned()),
        ] {
            assert_eq!(format_epoch(time), want);
            assert_eq!(epoch_seconds(time).to_string(), want);
        }
        assert_eq!(format_iso8601(before), "1969-12-30T23:59:59Z");
        let far = UNIX_EPOCH.checked_add(Duration::from_secs(i64::MAX.unsigned_abs()));
        if let Some(far) = far {
            assert_eq!(format_epoch(far), i64::MAX.to_string());
        }
    }

    proptest::proptest! {
        /// The core crate has its own calendar (unsigned, from 1970, for `X-Amz-Date`); this one
        /// also reads dates before 1970. They are kept apart (a policy crate need not link
        /// the signer) but must never disagree where both apply.
        #[test]
        fn agrees_with_the_core_calendar(unix in 0u64..253_402_300_800) {
            let ours = format_iso8601(UNIX_EPOCH + Duration::from_secs(unix)).replace(['-', ':'], "");
            let core = sigv4x::AmzDate::from_unix(unix).unwrap();
            proptest::prop_assert_eq!(ours, core.as_str());
            let parsed = sigv4x::AmzDate::parse(core.as_bytes()).unwrap();
            proptest::prop_assert_eq!(parsed.unix_seconds(), unix);
        }
    }

    #[test]
    fn civil_round_trip() {
        for days in [-800_000i64, -1, 0, 1, 59, 365, 11_016, 20_000, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
