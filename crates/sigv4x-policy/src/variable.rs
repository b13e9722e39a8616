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

/// A value after substitution: the text (for exact comparisons) and its
/// tokens (for wildcard matching, escapes and substituted values literal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Resolved {
    pub(crate) text: String,
    pub(crate) tokens: Vec<Token>,
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
        let mut resolved = Resolved {
            text: String::new(),
            tokens: Vec::new(),
        };
        let parts = match self {
            Template::Plain(text) => {
                resolved.text.push_str(text);
                wildcard::push_pattern(text, &mut resolved.tokens);
                return Some(resolved);
            }
            Template::Parts(parts) => parts,
        };
        for part in parts {
            match part {
                Part::Text(text) => {
                    resolved.text.push_str(text);
                    wildcard::push_pattern(text, &mut resolved.tokens);
                }
                Part::Escape(c) => {
                    resolved.text.push(char::from(*c));
                    resolved.tokens.push(Token::Byte(*c));
                }
                Part::Variable { key, default } => {
                    let value = match ctx.values(key) {
                        Some(mut values) if values.len() <= 1 => match values.next() {
                            Some(one) => one,
                            None => default.as_deref()?,
                        },
                        None => default.as_deref()?,
                        Some(_) => return None,
                    };
                    resolved.text.push_str(value);
                    wildcard::push_literal(value, &mut resolved.tokens);
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
            .map(|r| r.text)
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
        assert_eq!(escaped.tokens, [Token::Byte(b'a'), Token::Byte(b'*')]);
        assert_eq!(
            Template::parse("${x}", false).unwrap(),
            Template::Plain("${x}".to_owned())
        );
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
