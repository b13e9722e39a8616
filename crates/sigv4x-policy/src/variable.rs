//! Policy variables in 2012-10-17 policies: `${aws:username}`,
//! `${aws:PrincipalTag/team}`, `${aws:SourceVpce}` and any other request
//! key, with a default (`${aws:username, 'anonymous'}`), and the escapes
//! `${*}`, `${?}`, `${$}` for a literal `*`, `?`, `$`.
//!
//! From "IAM policy elements: Variables and tags"
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html>):
//! - variables are substituted in `Resource` (only after the ARN's fifth
//!   colon) and in the values of string and ARN conditions, nowhere else;
//! - a key that is not present makes "any attempt to match it fail", unless
//!   the variable gives a default;
//! - 2008-10-17 policies (and those without `Version`) keep `${…}` literal.
//!
//! A substituted value is matched literally: a `*` inside a tag value is
//! not a wildcard (inference: IAM's escapes exist because only the
//! policy's own text is read for wildcards). A key with several values
//! cannot stand for one string, so a variable naming it matches nothing.

use crate::context::RequestContext;
use crate::wildcard::{self, Token};

/// One piece of a value that holds variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Part {
    /// Policy text, where `*` and `?` keep their wildcard meaning.
    Text(String),
    /// `${*}`, `${?}` or `${$}`: that character, literally.
    Escape(u8),
    /// `${key}` or `${key, 'default'}`.
    Variable {
        key: String,
        default: Option<String>,
    },
}

/// A policy value, ready for evaluation: plain text, or text with
/// variables to substitute from the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Template {
    /// No variables (or a policy language that has none).
    Plain(String),
    /// Text with at least one `${…}`.
    Parts(Vec<Part>),
}

/// How many tokens a substituted value keeps on the stack; a longer one
/// moves to the heap.
const INLINE_TOKENS: usize = 256;

/// A value after substitution, as tokens (for wildcard matching, escapes and
/// substituted values literal). Its text, for exact comparisons, is the
/// tokens' bytes ([`Token::text_byte`]). Substitution happens per decision,
/// so the tokens stay on the stack up to [`INLINE_TOKENS`] of them: values
/// of ordinary length cost no allocation.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    inline: [Token; INLINE_TOKENS],
    len: usize,
    /// Every token, once there are more than fit inline.
    spilled: Vec<Token>,
}

impl Resolved {
    fn new() -> Self {
        Resolved {
            inline: [Token::AnyRun; INLINE_TOKENS],
            len: 0,
            spilled: Vec::new(),
        }
    }

    fn extend(&mut self, tokens: impl IntoIterator<Item = Token>) {
        for token in tokens {
            if self.spilled.is_empty() {
                if let Some(slot) = self.inline.get_mut(self.len) {
                    *slot = token;
                    self.len += 1;
                    continue;
                }
                self.spilled.reserve(2 * INLINE_TOKENS);
                self.spilled.extend_from_slice(&self.inline);
            }
            self.spilled.push(token);
        }
    }

    /// The tokens, for wildcard matching.
    pub(crate) fn tokens(&self) -> &[Token] {
        if self.spilled.is_empty() {
            self.inline.get(..self.len).unwrap_or_default()
        } else {
            &self.spilled
        }
    }

    fn text_bytes(&self) -> impl Iterator<Item = u8> + '_ {
        self.tokens().iter().map(|token| token.text_byte())
    }

    /// Is the text `other`, byte for byte?
    pub(crate) fn text_equals(&self, other: &str) -> bool {
        self.tokens().len() == other.len() && self.text_bytes().eq(other.bytes())
    }

    /// Is the text `other`, ignoring ASCII case (as `str::eq_ignore_ascii_case`)?
    pub(crate) fn text_equals_ignore_case(&self, other: &str) -> bool {
        self.tokens().len() == other.len()
            && self
                .text_bytes()
                .zip(other.bytes())
                .all(|(a, b)| a.eq_ignore_ascii_case(&b))
    }

    /// Does the text start with `prefix`?
    pub(crate) fn text_starts_with(&self, prefix: &str) -> bool {
        self.tokens().len() >= prefix.len()
            && self.text_bytes().zip(prefix.bytes()).all(|(a, b)| a == b)
    }

    /// The text as a `String` (an allocation: for comparisons that need the text whole).
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.text_bytes().collect::<Vec<u8>>()).into_owned()
    }
}

impl Template {
    /// Read `text`; `variables` is true for 2012-10-17 policies.
    pub(crate) fn parse(text: &str, variables: bool) -> Result<Template, &'static str> {
        if !variables || !text.contains("${") {
            return Ok(Template::Plain(text.to_owned()));
        }
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            if start > 0 {
                parts.push(Part::Text(rest[..start].to_owned()));
            }
            let after = &rest[start + 2..];
            let end = after
                .find('}')
                .ok_or("`${` has no closing `}`; write `${$}` for a literal `$`")?;
            parts.push(parse_variable(&after[..end])?);
            rest = &after[end + 1..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_owned()));
        }
        Ok(Template::Parts(parts))
    }

    /// The text before the first `${`, as written.
    pub(crate) fn literal_prefix(&self) -> &str {
        match self {
            Template::Plain(text) => text,
            Template::Parts(parts) => match parts.first() {
                Some(Part::Text(text)) => text,
                _ => "",
            },
        }
    }

    /// Substitute the request's values; `None` when a variable's key is
    /// absent (or multi-valued) and the variable has no default.
    pub(crate) fn resolve(&self, ctx: &RequestContext) -> Option<Resolved> {
        let mut resolved = Resolved::new();
        let parts = match self {
            Template::Plain(text) => {
                resolved.extend(wildcard::pattern_tokens(text));
                return Some(resolved);
            }
            Template::Parts(parts) => parts,
        };
        for part in parts {
            match part {
                Part::Text(text) => resolved.extend(wildcard::pattern_tokens(text)),
                Part::Escape(c) => resolved.extend([Token::Byte(*c)]),
                Part::Variable { key, default } => {
                    let value = match ctx.values(key) {
                        Some(mut values) if values.len() <= 1 => match values.next() {
                            Some(one) => one,
                            None => default.as_deref()?,
                        },
                        None => default.as_deref()?,
                        Some(_) => return None,
                    };
                    resolved.extend(wildcard::literal_tokens(value));
                }
            }
        }
        Some(resolved)
    }
}

/// The inside of `${…}`.
fn parse_variable(inner: &str) -> Result<Part, &'static str> {
    match inner {
        "*" => return Ok(Part::Escape(b'*')),
        "?" => return Ok(Part::Escape(b'?')),
        "$" => return Ok(Part::Escape(b'$')),
        _ => {}
    }
    let (key, default) = match inner.split_once(',') {
        Some((key, default)) => (key, Some(parse_default(default.trim())?)),
        None => (inner, None),
    };
    // IAM Access Analyzer, "Unsupported space in variable": "Although you
    // can include a space when you specify a default variable, you cannot
    // include a space in the variable name." So `${aws: SourceVpce}` and
    // `${ aws:SourceVpce }` are refused alike: trimmed, the first would be
    // a key no request has, and nothing says IAM trims the second.
    if key.bytes().any(|b| b.is_ascii_whitespace()) {
        return Err("unsupported space in variable: the variable name may hold no space (only the default after the comma may)");
    }
    let valid = |b: u8| b.is_ascii_alphanumeric() || b":/_-.@+=".contains(&b);
    if key.is_empty() {
        return Err("`${}` names no condition key");
    }
    if !key.bytes().all(valid) {
        return Err("the variable's key has characters no condition key has");
    }
    if !key.contains(':') {
        return Err("the variable's key needs a service prefix, as in `${aws:username}`");
    }
    Ok(Part::Variable {
        key: key.to_owned(),
        default,
    })
}

/// `'text'` after the comma of a default.
fn parse_default(text: &str) -> Result<String, &'static str> {
    text.strip_prefix('\'')
        .and_then(|t| t.strip_suffix('\''))
        .filter(|t| !t.contains('\''))
        .map(str::to_owned)
        .ok_or("a default value is written in single quotes: `${aws:username, 'anonymous'}`")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> RequestContext {
        RequestContext::new("a:b", "r")
            .with_key("aws:username", "alice")
            .with_values("aws:TagKeys", ["a", "b"])
            .with_values("aws:Empty", Vec::<String>::new())
    }

    fn text(template: &str) -> Option<String> {
        Template::parse(template, true)
            .unwrap()
            .resolve(&ctx())
            .map(|r| r.text())
    }

    #[test]
    fn substitution_defaults_and_escapes() {
        assert_eq!(
            text("home/${aws:username}/*").as_deref(),
            Some("home/alice/*")
        );
        assert_eq!(text("${AWS:UserName}").as_deref(), Some("alice"));
        assert_eq!(text("${aws:userid}"), None);
        assert_eq!(
            text("${aws:userid, 'anonymous'}").as_deref(),
            Some("anonymous")
        );
        assert_eq!(text("${aws:userid,'x y'}").as_deref(), Some("x y"));
        assert_eq!(text("${aws:TagKeys}"), None);
        assert_eq!(text("${aws:Empty, 'd'}").as_deref(), Some("d"));
        assert_eq!(text("a${*}b${?}c${$}").as_deref(), Some("a*b?c$"));
        let escaped = Template::parse("a${*}", true)
            .unwrap()
            .resolve(&ctx())
            .unwrap();
        assert_eq!(escaped.tokens(), [Token::Byte(b'a'), Token::Byte(b'*')]);
        assert_eq!(
            Template::parse("${x}", false).unwrap(),
            Template::Plain("${x}".to_owned())
        );
    }

    /// Short values stay on the stack, long ones move to the heap; both read the same.
    #[test]
    fn resolved_text_inline_and_spilled() {
        for length in [3, INLINE_TOKENS - 7, INLINE_TOKENS - 6, INLINE_TOKENS, 300] {
            let name = "x".repeat(length);
            let ctx = RequestContext::new("a:b", "r").with_key("aws:username", &name);
            let resolved = Template::parse("home/${aws:username}/*", true)
                .unwrap()
                .resolve(&ctx)
                .unwrap();
            let want = format!("home/{name}/*");
            assert_eq!(resolved.text(), want);
            assert_eq!(resolved.tokens().len(), want.len());
            assert_eq!(resolved.tokens().last(), Some(&Token::AnyRun));
            assert_eq!(resolved.tokens().get(5), Some(&Token::Byte(b'x')));
            assert!(resolved.text_equals(&want));
            assert!(!resolved.text_equals(&want[..want.len() - 1]));
            assert!(!resolved.text_equals(&format!("{want}/")));
            assert!(resolved.text_equals_ignore_case(&want.to_uppercase()));
            assert!(!resolved.text_equals_ignore_case("HOME/"));
            assert!(resolved.text_starts_with("home/xx"));
            assert!(!resolved.text_starts_with("home/y"));
            assert!(!resolved.text_starts_with(&format!("{want}/")));
        }
    }

    #[test]
    fn malformed_variables_are_refused() {
        for bad in [
            "${aws:username",
            "${}",
            "${username}",
            "${aws:user{name}",
            "${aws:username, anonymous}",
            "${aws:username, 'a'b'}",
            "${aws: SourceVpce}",
            "${ aws:SourceVpce }",
            "${aws:SourceVpce }",
            "${aws:username , 'x'}",
            "${aws:PrincipalTag/cost center}",
        ] {
            assert!(Template::parse(bad, true).is_err(), "{bad}");
        }
    }
}
