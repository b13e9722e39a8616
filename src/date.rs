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
    pub fn from_system_time(time: SystemTime) -> Option<Self> {
        let unix = time.duration_since(UNIX_EPOCH).ok()?.as_secs();
        Self::from_unix(unix)
    }

    /// The timestamp for `unix` seconds since 1970-01-01T00:00:00Z. `None` after 9999.
    pub fn from_unix(unix: u64) -> Option<Self> {
        let dt = time::OffsetDateTime::from_unix_timestamp(i64::try_from(unix).ok()?).ok()?;
        let year = u32::try_from(dt.year()).ok().filter(|y| *y <= 9999)?;
        let mut text = *b"00000000T000000Z";
        let fields: [(usize, u32, usize); 6] = [
            (0, year, 4),
            (4, u32::from(u8::from(dt.month())), 2),
            (6, u32::from(dt.day()), 2),
            (9, u32::from(dt.hour()), 2),
            (11, u32::from(dt.minute()), 2),
            (13, u32::from(dt.second()), 2),
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
    /// real calendar date and time of day.
    pub fn parse(text: &[u8]) -> Option<Self> {
        let bytes: &[u8; 16] = text.try_into().ok()?;
        if bytes[8] != b'T' || bytes[15] != b'Z' {
            return None;
        }
        let num = |from: usize, to: usize| -> Option<u32> {
            bytes.get(from..to)?.iter().try_fold(0u32, |acc, &b| {
                b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
            })
        };
        let year = i32::try_from(num(0, 4)?).ok()?;
        let month = time::Month::try_from(u8::try_from(num(4, 6)?).ok()?).ok()?;
        let day = u8::try_from(num(6, 8)?).ok()?;
        let hour = u8::try_from(num(9, 11)?).ok()?;
        let minute = u8::try_from(num(11, 13)?).ok()?;
        let second = u8::try_from(num(13, 15)?).ok()?;
        let date = time::Date::from_calendar_date(year, month, day).ok()?;
        let time = time::Time::from_hms(hour, minute, second).ok()?;
        let unix = u64::try_from(date.with_time(time).assume_utc().unix_timestamp()).ok()?;
        Some(AmzDate { text: *bytes, unix })
    }

    /// `YYYYMMDD'T'HHMMSS'Z'`.
    pub fn as_str(&self) -> &str {
        // Always ASCII digits and 'T'/'Z'.
        std::str::from_utf8(&self.text).unwrap_or_default()
    }

    /// `YYYYMMDD'T'HHMMSS'Z'` as bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.text
    }

    /// The scope date, `YYYYMMDD`, as bytes.
    pub(crate) fn date_bytes(&self) -> &[u8] {
        self.text.get(..8).unwrap_or_default()
    }

    /// The scope date, `YYYYMMDD`.
    pub fn date(&self) -> &str {
        self.as_str().get(..8).unwrap_or_default()
    }

    /// Seconds since the Unix epoch.
    pub fn unix_seconds(&self) -> u64 {
        self.unix
    }

    /// The timestamp as a `SystemTime`.
    pub fn to_system_time(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.unix)
    }
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
    fn out_of_range_times_are_none() {
        assert!(AmzDate::from_unix(253_402_300_800).is_none()); // year 10000
        assert!(AmzDate::from_unix(u64::MAX).is_none());
        assert!(AmzDate::from_system_time(UNIX_EPOCH - Duration::from_secs(1)).is_none());
    }
}
