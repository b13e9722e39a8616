//! The SigV4a region set: which regions one signature is valid in.
//!
//! On the wire it is the value of `X-Amz-Region-Set` (header or query parameter): region names
//! separated by commas, each of which may hold `*` wildcards — `us-east-1,us-west-2`, `*`
//! (everywhere), `us-*`, `us-east-*`. AWS documents the forms but publishes no matcher; the
//! reading here is the one the AWS-authored SigV4a support in Envoy states ("a comma separated
//! list of AWS regions, such as `us-east-1,us-east-2` or wildcard `*` or even region strings
//! containing wildcards such as `us-east-*`", envoyproxy/envoy#31336): a `*` stands for any run
//! of characters, possibly empty, and anything else matches itself exactly.

use std::fmt;

/// The longest region set accepted, in bytes: room for every AWS region by name.
const MAX_LEN: usize = 2048;

/// A well-formed SigV4a region set, as signed: non-empty entries of lower-case letters, digits,
/// `-` and `*`, separated by single commas (spaces around an entry are tolerated, as some
/// clients join entries with `", "`).
///
/// ```
/// let set = sigv4x::RegionSet::parse("us-east-1, eu-*")?;
/// assert!(set.contains("us-east-1"));
/// assert!(set.contains("eu-west-3"));
/// assert!(!set.contains("us-west-2"));
/// assert!(sigv4x::RegionSet::parse("*")?.contains("ap-south-1"));
/// assert!(sigv4x::RegionSet::parse("us-east-1,,us-west-2").is_err());
/// # Ok::<(), sigv4x::RegionSetError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct RegionSet<'a>(&'a str);

/// Why a region set is malformed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegionSetError {
    /// The set, or one of its entries, is empty.
    Empty,
    /// The set is longer than 2048 bytes.
    TooLong,
    /// An entry holds a character other than `a`-`z`, `0`-`9`, `-` and `*`.
    InvalidCharacter {
        /// The offending entry.
        entry: String,
    },
}

impl fmt::Display for RegionSetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegionSetError::Empty => f.write_str(
                "X-Amz-Region-Set must be a comma-separated list of non-empty region names",
            ),
            RegionSetError::TooLong => write!(f, "X-Amz-Region-Set is longer than {MAX_LEN} bytes"),
            RegionSetError::InvalidCharacter { entry } => write!(
                f,
                "X-Amz-Region-Set entry '{}' may hold only a-z, 0-9, '-' and '*'",
                entry.escape_debug()
            ),
        }
    }
}

impl std::error::Error for RegionSetError {}

impl<'a> RegionSet<'a> {
    /// Checks that `value` is a well-formed region set.
    ///
    /// # Errors
    /// A [`RegionSetError`] naming what is wrong.
    pub fn parse(value: &'a str) -> Result<Self, RegionSetError> {
        if value.len() > MAX_LEN {
            return Err(RegionSetError::TooLong);
        }
        for entry in value.split(',').map(|e| e.trim_matches(' ')) {
            if entry.is_empty() {
                return Err(RegionSetError::Empty);
            }
            let valid = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-*".contains(&b);
            if !entry.bytes().all(valid) {
                return Err(RegionSetError::InvalidCharacter {
                    entry: entry.to_owned(),
                });
            }
        }
        Ok(RegionSet(value))
    }

    /// The set as signed.
    #[must_use]
    pub fn as_str(&self) -> &'a str {
        self.0
    }

    /// The entries, spaces around them removed.
    pub fn entries(&self) -> impl Iterator<Item = &'a str> {
        self.0.split(',').map(|e| e.trim_matches(' '))
    }

    /// True if some entry matches `region`: equal to it, or equal once each `*` has stood for
    /// some run of characters.
    #[must_use]
    pub fn contains(&self, region: &str) -> bool {
        self.entries()
            .any(|e| wildcard_match(e.as_bytes(), region.as_bytes()))
    }
}

impl fmt::Debug for RegionSet<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RegionSet({:?})", self.0)
    }
}

impl fmt::Display for RegionSet<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// Glob matching where `*` is the only special character: the classic greedy algorithm with
/// one backtrack point, linear in practice and never recursive (the pattern comes from the
/// request).
fn wildcard_match(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if text.get(t) == Some(&c) => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern
        .get(p..)
        .is_some_and(|rest| rest.iter().all(|&b| b == b'*'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_names_and_wildcards() {
        let cases = [
            ("us-east-1", "us-east-1", true),
            ("us-east-1", "us-east-2", false),
            ("us-east-1", "us-east-10", false),
            ("us-east-1,us-west-2", "us-west-2", true),
            ("us-east-1, us-west-2", "us-west-2", true),
            ("*", "eu-central-1", true),
            ("us-*", "us-gov-west-1", true),
            ("us-*", "eu-west-1", false),
            ("us-east-*", "us-east-2", true),
            ("*-east-1", "us-east-1", true),
            ("*-east-1", "us-east-12", false),
            ("u*1", "us-east-1", true),
            ("**", "x", true),
        ];
        for (set, region, expected) in cases {
            let parsed = RegionSet::parse(set).unwrap();
            assert_eq!(parsed.contains(region), expected, "{set} ∋ {region}");
        }
    }

    #[test]
    fn malformed_sets_are_refused() {
        assert_eq!(RegionSet::parse(""), Err(RegionSetError::Empty));
        assert_eq!(RegionSet::parse("us-east-1,"), Err(RegionSetError::Empty));
        assert_eq!(RegionSet::parse(" , "), Err(RegionSetError::Empty));
        assert!(matches!(
            RegionSet::parse("US-EAST-1"),
            Err(RegionSetError::InvalidCharacter { .. })
        ));
        assert!(matches!(
            RegionSet::parse("us-east-1;us-west-2"),
            Err(RegionSetError::InvalidCharacter { .. })
        ));
        assert_eq!(
            RegionSet::parse(&"a,".repeat(1100)),
            Err(RegionSetError::TooLong)
        );
    }

    #[test]
    fn matching_is_linear_on_hostile_patterns() {
        let pattern = "*a".repeat(500);
        let set = RegionSet::parse(&pattern).unwrap();
        assert!(!set.contains(&format!("{}b", "a".repeat(999))));
        assert!(set.contains(&"a".repeat(999)));
    }
}
