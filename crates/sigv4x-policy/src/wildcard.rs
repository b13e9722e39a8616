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

/// One element of a pattern: a literal byte or a wildcard. Patterns built
/// from policy variables need this form, because a `*` that comes from
/// `${*}` (or from a substituted value) is a literal asterisk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Token {
    /// This byte, literally.
    Byte(u8),
    /// `*`: any run of characters.
    AnyRun,
    /// `?`: exactly one character.
    AnyOne,
}

impl Token {
    /// The character of the text the token was read from: `*` for [`Token::AnyRun`], `?` for
    /// [`Token::AnyOne`].
    pub(crate) fn text_byte(self) -> u8 {
        match self {
            Token::Byte(b) => b,
            Token::AnyRun => b'*',
            Token::AnyOne => b'?',
        }
    }
}

/// The tokens of a pattern as written, where `*` and `?` are wildcards.
pub(crate) fn pattern_tokens(pattern: &str) -> impl Iterator<Item = Token> + '_ {
    pattern.bytes().map(|b| match b {
        b'*' => Token::AnyRun,
        b'?' => Token::AnyOne,
        other => Token::Byte(other),
    })
}

/// The tokens of literal text, where `*` and `?` are plain characters.
pub(crate) fn literal_tokens(text: &str) -> impl Iterator<Item = Token> + '_ {
    text.bytes().map(Token::Byte)
}

/// Does `text` match `pattern` in full?
///
/// Runs in O(len(pattern) * len(text)) at worst and O(len(text)) for the
/// patterns policies hold, with the classic greedy two-pointer algorithm
/// that keeps a single backtrack point (the last `*`), so a hostile
/// pattern cannot blow up.
pub(crate) fn matches(pattern: &str, text: &str, case: Case) -> bool {
    // The literal start of the pattern, up to its first wildcard, is compared at once: most
    // patterns are an ARN or an action with one `*` at or near the end. Each literal byte
    // matches exactly one byte of text, and the pattern's start ends on a character boundary
    // (a wildcard is ASCII), so an equal start of the text does too.
    let literal = pattern
        .bytes()
        .position(|b| b == b'*' || b == b'?')
        .unwrap_or(pattern.len());
    let (Some(head), Some(text_head)) = (
        pattern.as_bytes().get(..literal),
        text.as_bytes().get(..literal),
    ) else {
        return false;
    };
    let same = match case {
        Case::Sensitive => head == text_head,
        Case::Insensitive => head.eq_ignore_ascii_case(text_head),
    };
    match (pattern.get(literal..), text.get(literal..)) {
        _ if !same => false,
        (Some(""), Some(rest)) => rest.is_empty(),
        (Some(pattern), Some(text)) => matches_from(pattern, text, case),
        _ => false,
    }
}

/// [`matches`] without the literal-start shortcut.
fn matches_from(pattern: &str, text: &str, case: Case) -> bool {
    let p = pattern.as_bytes();
    matches_with(
        p.len(),
        |i| match p.get(i).copied() {
            Some(b'*') => Some(Token::AnyRun),
            Some(b'?') => Some(Token::AnyOne),
            other => other.map(Token::Byte),
        },
        text,
        case,
    )
}

/// [`matches`] for a pattern already split into tokens.
pub(crate) fn matches_tokens(pattern: &[Token], text: &str, case: Case) -> bool {
    matches_with(pattern.len(), |i| pattern.get(i).copied(), text, case)
}

fn matches_with(
    len: usize,
    token: impl Fn(usize) -> Option<Token>,
    text: &str,
    case: Case,
) -> bool {
    let t = text.as_bytes();
    let (mut pi, mut ti) = (0usize, 0usize);
    // Where to resume after the last `*`: pattern index after the star, and
    // the text index the star currently extends to.
    let mut resume: Option<(usize, usize)> = None;
    while ti < t.len() {
        let tc = t.get(ti).copied().unwrap_or(0);
        match token(pi) {
            Some(Token::AnyRun) => {
                pi += 1;
                resume = Some((pi, ti));
                continue;
            }
            Some(Token::AnyOne) => {
                pi += 1;
                ti += char_len(tc);
                continue;
            }
            Some(Token::Byte(c)) if same_byte(c, tc, case) => {
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
    (pi..len).all(|i| token(i) == Some(Token::AnyRun))
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
    fn tokens_agree_with_text_patterns_and_keep_literals_literal() {
        for (pattern, text) in [("a*c", "abbc"), ("a?c", "abc"), ("*", ""), ("a*", "b")] {
            let tokens: Vec<Token> = pattern_tokens(pattern).collect();
            let written: Vec<u8> = tokens.iter().map(|t| t.text_byte()).collect();
            assert_eq!(written, pattern.as_bytes());
            for case in [Case::Sensitive, Case::Insensitive] {
                assert_eq!(
                    matches_tokens(&tokens, text, case),
                    matches(pattern, text, case),
                    "{pattern} {text}"
                );
            }
        }
        let literal: Vec<Token> = literal_tokens("a*").collect();
        assert!(matches_tokens(&literal, "a*", Case::Sensitive));
        assert!(!matches_tokens(&literal, "ab", Case::Sensitive));
    }

    /// Hostile patterns cost at most pattern × text steps: only the last
    /// `*` is ever backtracked to (a failure after it cannot be mended by
    /// an earlier `*` taking more), so there is no exponential blow-up.
    #[test]
    fn hostile_patterns_stay_cheap() {
        let pattern = format!("{}b", "*a".repeat(200));
        let text = "a".repeat(20_000);
        let started = std::time::Instant::now();
        assert!(!matches(&pattern, &text, Case::Sensitive));
        assert!(matches(&pattern, &format!("{text}b"), Case::Sensitive));
        assert!(
            started.elapsed() < std::time::Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn wildcard_detection() {
        assert!(has_wildcard("a*"));
        assert!(has_wildcard("a?"));
        assert!(!has_wildcard("arn:aws:iam::1:root"));
    }

    proptest::proptest! {
        #[test]
        fn the_literal_start_shortcut_changes_no_answer(
            pattern in "[aAbé/:*?]{0,12}",
            text in "[aAbé/:]{0,12}",
        ) {
            for case in [Case::Sensitive, Case::Insensitive] {
                proptest::prop_assert_eq!(
                    matches(&pattern, &text, case),
                    matches_from(&pattern, &text, case),
                    "pattern {:?} text {:?} {:?}", pattern, text, case
                );
            }
        }
    }
}
