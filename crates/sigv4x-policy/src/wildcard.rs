//! Wildcard matching as IAM does it: `*` matches any run of characters
//! (including none, and including `/` and `:`), `?` matches exactly one
//! character. Everything else is literal. The matcher allocates nothing.

/// Whether letters compare with or without regard to case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Case {
    /// `A` and `a` differ (resource ARNs, `StringLike`).
    Sensitive,
    /// `A` and `a` are the same (actions, condition keys). ASCII only, as in IAM.
    Insensitive,
}

/// Length in bytes of the UTF-8 character that starts with `first`.
fn char_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

fn same_byte(a: u8, b: u8, case: Case) -> bool {
    match case {
        Case::Sensitive => a == b,
        Case::Insensitive => a.eq_ignore_ascii_case(&b),
    }
}

/// Does `text` match `pattern` in full?
///
/// Runs in O(len(pattern) * len(text)) at worst, with the classic
/// single-backtrack-point algorithm, so a hostile pattern cannot blow up.
pub(crate) fn matches(pattern: &str, text: &str, case: Case) -> bool {
    let p = pattern.as_bytes();
    let t = text.as_bytes();
    let (mut pi, mut ti) = (0usize, 0usize);
    // Where to resume after the last `*`: pattern index after the star, and
    // the text index the star currently extends to.
    let mut resume: Option<(usize, usize)> = None;
    while ti < t.len() {
        let pc = p.get(pi).copied();
        let tc = t.get(ti).copied().unwrap_or(0);
        match pc {
            Some(b'*') => {
                pi += 1;
                resume = Some((pi, ti));
                continue;
            }
            Some(b'?') => {
                pi += 1;
                ti += char_len(tc);
                continue;
            }
            Some(c) if same_byte(c, tc, case) => {
                pi += 1;
                ti += 1;
                continue;
            }
            _ => {}
        }
        match resume {
            Some((star_p, star_t)) => {
                let next_t = star_t + char_len(t.get(star_t).copied().unwrap_or(0));
                resume = Some((star_p, next_t));
                pi = star_p;
                ti = next_t;
            }
            None => return false,
        }
    }
    // `?` may have stepped past the end of a truncated character.
    if ti > t.len() {
        return false;
    }
    p.get(pi..)
        .is_some_and(|rest| rest.iter().all(|&c| c == b'*'))
}

/// Does the pattern contain a wildcard character?
pub(crate) fn has_wildcard(pattern: &str) -> bool {
    pattern.bytes().any(|b| b == b'*' || b == b'?')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        let cases: &[(&str, &str, Case, bool)] = &[
            ("*", "", Case::Sensitive, true),
            ("*", "anything/at:all", Case::Sensitive, true),
            ("", "", Case::Sensitive, true),
            ("", "a", Case::Sensitive, false),
            ("a", "", Case::Sensitive, false),
            ("?", "", Case::Sensitive, false),
            ("?", "é", Case::Sensitive, true),
            ("??", "é", Case::Sensitive, false),
            ("a?c", "abc", Case::Sensitive, true),
            ("a?c", "ac", Case::Sensitive, false),
            ("prod/*", "prod/GET/orders", Case::Sensitive, true),
            ("prod/*/orders", "prod/GET/x/orders", Case::Sensitive, true),
            ("prod/*/orders", "prod/GET/orders/1", Case::Sensitive, false),
            ("Prod/*", "prod/GET", Case::Sensitive, false),
            ("Prod/*", "prod/GET", Case::Insensitive, true),
            (
                "execute-api:*",
                "EXECUTE-API:Invoke",
                Case::Insensitive,
                true,
            ),
            ("*a*b*c*", "xxaxxbxxcxx", Case::Sensitive, true),
            ("*a*b*c*", "xxaxxcxxbxx", Case::Sensitive, false),
            ("a**", "a", Case::Sensitive, true),
            ("*?", "", Case::Sensitive, false),
            ("*?", "z", Case::Sensitive, true),
        ];
        for (pattern, text, case, want) in cases {
            assert_eq!(
                matches(pattern, text, *case),
                *want,
                "pattern {pattern:?} text {text:?} {case:?}"
            );
        }
    }

    #[test]
    fn wildcard_detection() {
        assert!(has_wildcard("a*"));
        assert!(has_wildcard("a?"));
        assert!(!has_wildcard("arn:aws:iam::1:root"));
    }
}
