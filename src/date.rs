//! The SigV4 timestamp: `X-Amz-Date` (`YYYYMMDD'T'HHMMSS'Z'`, UTC, ISO 8601 basic format) and the
//! scope date (`YYYYMMDD`), formatted and parsed without allocation.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A timestamp in SigV4's `X-Amz-Date` form.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct AmzDate {
    text: [u8; 16],
    unix: u64,
}

impl AmzDate {
    /// The timestamp for `time`, truncated to the second. `None` before 1970 or after 9999.
    #[must_use]
    pub fn from_system_time(time: SystemTime) -> Option<Self> {
        let unix = time.duration_since(UNIX_EPOCH).ok()?.as_secs();
        Self::from_unix(unix)
    }

    /// The timestamp for `unix` seconds since 1970-01-01T00:00:00Z. `None` after 9999.
    #[must_use]
    pub fn from_unix(unix: u64) -> Option<Self> {
        let days = unix / 86_400;
        let secs = unix % 86_400;
        let (year, month, day) = civil_from_days(days);
        if year > 9999 {
            return None;
        }
        let mut text = *b"00000000T000000Z";
        let fields: [(usize, u64, usize); 6] = [
            (0, year, 4),
            (4, month, 2),
            (6, day, 2),
            (9, secs / 3600, 2),
            (11, secs / 60 % 60, 2),
            (13, secs % 60, 2),
        ];
        for (at, mut value, width) in fields {
            for slot in text.iter_mut().skip(at).take(width).rev() {
                // `value % 10` is a single digit.
                *slot = b'0' + (value % 10) as u8;
                value /= 10;
            }
        }
        Some(AmzDate { text, unix })
    }

    /// Parses `YYYYMMDD'T'HHMMSS'Z'` strictly: exactly 16 bytes, digits where digits belong, a
    /// real calendar date (1970 or later) and time of day (no leap second).
    #[must_use]
    pub fn parse(text: &[u8]) -> Option<Self> {
        let bytes: &[u8; 16] = text.try_into().ok()?;
        if bytes[8] != b'T' || bytes[15] != b'Z' {
            return None;
        }
        let num = |from: usize, to: usize| -> Option<u64> {
            bytes.get(from..to)?.iter().try_fold(0u64, |acc, &b| {
                b.is_ascii_digit().then(|| acc * 10 + u64::from(b - b'0'))
            })
        };
        let (year, month, day) = (num(0, 4)?, num(4, 6)?, num(6, 8)?);
        let (hour, minute, second) = (num(9, 11)?, num(11, 13)?, num(13, 15)?);
        let valid = year >= 1970
            && (1..=12).contains(&month)
            && (1..=days_in_month(year, month)).contains(&day)
            && hour < 24
            && minute < 60
            && second < 60;
        if !valid {
            return None;
        }
        let unix = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
        Some(AmzDate { text: *bytes, unix })
    }

    /// `YYYYMMDD'T'HHMMSS'Z'`.
    #[must_use]
    pub fn as_str(&self) -> &str {
        // Always ASCII digits and 'T'/'Z'.
        crate::canonical::own_text(&self.text)
    }

    /// `YYYYMMDD'T'HHMMSS'Z'` as bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.text
    }

    /// The scope date, `YYYYMMDD`, as bytes.
    pub(crate) fn date_bytes(&self) -> &[u8] {
        self.text.split_at(8).0
    }

    /// The scope date, `YYYYMMDD`.
    #[must_use]
    pub fn date(&self) -> &str {
        crate::canonical::own_text(self.date_bytes())
    }

    /// Seconds since the Unix epoch.
    #[must_use]
    pub fn unix_seconds(&self) -> u64 {
        self.unix
    }

    /// The timestamp as a `SystemTime`.
    #[must_use]
    pub fn to_system_time(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.unix)
    }
}

fn is_leap(year: u64) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

fn days_in_month(year: u64, month: u64) -> u64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (1970 or later), counting in 400-year
/// eras that start on March 1st so that the leap day falls at the end of a year.
fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let year_of_era = y % 400;
    let shifted_month = (month + 9) % 12; // March = 0
    let day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    // 719_468 days from 0000-03-01 to 1970-01-01.
    (era * 146_097 + day_of_era).saturating_sub(719_468)
}

/// The inverse of [`days_from_civil`]: (year, month, day) of a day count since 1970-01-01.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153; // March = 0
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

impl std::fmt::Debug for AmzDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AmzDate({})", self.as_str())
    }
}

impl std::fmt::Display for AmzDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses_round_trip() {
        let d = AmzDate::from_unix(1_440_938_160).unwrap();
        assert_eq!(d.as_str(), "20150830T123600Z");
        assert_eq!(d.date(), "20150830");
        assert_eq!(AmzDate::parse(b"20150830T123600Z"), Some(d));
        let leap = AmzDate::parse(b"20240229T235959Z").unwrap();
        assert_eq!(
            AmzDate::from_unix(leap.unix_seconds()).unwrap().as_str(),
            "20240229T235959Z"
        );
        assert_eq!(AmzDate::from_unix(0).unwrap().as_str(), "19700101T000000Z");
    }

    #[test]
    fn rejects_malformed_dates() {
        for bad in [
            &b"20150830T123600"[..],
            b"20150830T123600z",
            b"20150830 123600Z",
            b"20150230T123600Z",
            b"20151330T123600Z",
            b"20150830T243600Z",
            b"20150830T126000Z",
            b"2015083OT123600Z",
            b"+0150830T123600Z",
            b"20150830T123600ZZ",
            b"",
        ] {
            assert_eq!(
                AmzDate::parse(bad),
                None,
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn every_day_from_1970_to_2400_round_trips() {
        let mut previous: Option<AmzDate> = None;
        for day in 0..(430 * 366) {
            let d = AmzDate::from_unix(day * 86_400 + 86_399).unwrap();
            assert_eq!(AmzDate::parse(d.as_bytes()), Some(d));
            if let Some(p) = previous {
                assert!(p.as_str() < d.as_str(), "{p} then {d}");
            }
            previous = Some(d);
        }
        assert_eq!(
            AmzDate::from_unix(951_782_400).unwrap().as_str(),
            "20000229T000000Z"
        );
        assert_eq!(
            AmzDate::from_unix(4_107_542_400).unwrap().as_str(),
            "21000301T000000Z"
        );
        assert!(AmzDate::parse(b"21000229T000000Z").is_none()); // 2100 is not a leap year
        assert!(AmzDate::parse(b"19691231T235959Z").is_none());
        assert!(AmzDate::parse(b"20150830T123660Z").is_none());
    }

    #[test]
    fn out_of_range_times_are_none() {
        assert!(AmzDate::from_unix(253_402_300_800).is_none()); // year 10000
        assert!(AmzDate::from_unix(u64::MAX).is_none());
        assert!(AmzDate::from_system_time(UNIX_EPOCH - Duration::from_secs(1)).is_none());
    }
}
