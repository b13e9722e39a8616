//! Condition operators and how one condition is decided against a request.
//!
//! The rules, from the IAM documentation of condition operators:
//! - a key absent from the request makes a condition false, except that a
//!   negated operator (`StringNotEquals`, `ArnNotLike`, `NotIpAddress`, …) is
//!   then true, `…IfExists` is then true, and `Null` tests presence itself;
//! - several values under one key are OR-ed (NOR-ed for negated operators);
//! - `ForAllValues:` is true when every request value matches (and so on an
//!   empty or absent set); `ForAnyValue:` needs at least one (so is false on
//!   an empty or absent set).

use std::fmt;
use std::net::IpAddr;

use crate::arn;
use crate::context::RequestContext;
use crate::date;
use crate::ip::Cidr;
use crate::policy::Condition;
use crate::variable::{Resolved, Template};
use crate::wildcard::{self, Case};

/// The comparison an operator makes, without its qualifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OperatorKind {
    /// Exact, case-sensitive.
    StringEquals,
    /// Negated `StringEquals`.
    StringNotEquals,
    /// Exact, ignoring ASCII case.
    StringEqualsIgnoreCase,
    /// Negated `StringEqualsIgnoreCase`.
    StringNotEqualsIgnoreCase,
    /// Case-sensitive with `*` and `?` wildcards.
    StringLike,
    /// Negated `StringLike`.
    StringNotLike,
    /// Numbers equal.
    NumericEquals,
    /// Negated `NumericEquals`.
    NumericNotEquals,
    /// Request value below the policy value.
    NumericLessThan,
    /// Request value at most the policy value.
    NumericLessThanEquals,
    /// Request value above the policy value.
    NumericGreaterThan,
    /// Request value at least the policy value.
    NumericGreaterThanEquals,
    /// Same instant.
    DateEquals,
    /// Negated `DateEquals`.
    DateNotEquals,
    /// Request time before the policy time.
    DateLessThan,
    /// Request time at or before the policy time.
    DateLessThanEquals,
    /// Request time after the policy time.
    DateGreaterThan,
    /// Request time at or after the policy time.
    DateGreaterThanEquals,
    /// `true`/`false`, ignoring case.
    Bool,
    /// Byte-for-byte equality of base64 text.
    BinaryEquals,
    /// Request address inside one of the blocks.
    IpAddress,
    /// Negated `IpAddress`.
    NotIpAddress,
    /// ARN part by part, wildcards allowed (IAM treats it like `ArnLike`).
    ArnEquals,
    /// ARN part by part, wildcards allowed.
    ArnLike,
    /// Negated `ArnEquals`.
    ArnNotEquals,
    /// Negated `ArnLike`.
    ArnNotLike,
    /// `"true"`: the key is absent; `"false"`: the key is present.
    Null,
    /// An operator name IAM does not have. [`Operator::parse`] can return
    /// it, but [`Policy::parse`](crate::Policy::parse) refuses a document
    /// that uses one, so a parsed policy never holds it.
    Unknown,
}

const NAMES: &[(&str, OperatorKind)] = &[
    ("StringEquals", OperatorKind::StringEquals),
    ("StringNotEquals", OperatorKind::StringNotEquals),
    (
        "StringEqualsIgnoreCase",
        OperatorKind::StringEqualsIgnoreCase,
    ),
    (
        "StringNotEqualsIgnoreCase",
        OperatorKind::StringNotEqualsIgnoreCase,
    ),
    ("StringLike", OperatorKind::StringLike),
    ("StringNotLike", OperatorKind::StringNotLike),
    ("NumericEquals", OperatorKind::NumericEquals),
    ("NumericNotEquals", OperatorKind::NumericNotEquals),
    ("NumericLessThan", OperatorKind::NumericLessThan),
    ("NumericLessThanEquals", OperatorKind::NumericLessThanEquals),
    ("NumericGreaterThan", OperatorKind::NumericGreaterThan),
    (
        "NumericGreaterThanEquals",
        OperatorKind::NumericGreaterThanEquals,
    ),
    ("DateEquals", OperatorKind::DateEquals),
    ("DateNotEquals", OperatorKind::DateNotEquals),
    ("DateLessThan", OperatorKind::DateLessThan),
    ("DateLessThanEquals", OperatorKind::DateLessThanEquals),
    ("DateGreaterThan", OperatorKind::DateGreaterThan),
    ("DateGreaterThanEquals", OperatorKind::DateGreaterThanEquals),
    ("Bool", OperatorKind::Bool),
    ("BinaryEquals", OperatorKind::BinaryEquals),
    ("IpAddress", OperatorKind::IpAddress),
    ("NotIpAddress", OperatorKind::NotIpAddress),
    ("ArnEquals", OperatorKind::ArnEquals),
    ("ArnLike", OperatorKind::ArnLike),
    ("ArnNotEquals", OperatorKind::ArnNotEquals),
    ("ArnNotLike", OperatorKind::ArnNotLike),
    ("Null", OperatorKind::Null),
];

impl OperatorKind {
    /// Is this a negated operator, true when the key is absent?
    pub fn is_negated(self) -> bool {
        matches!(
            self,
            OperatorKind::StringNotEquals
                | OperatorKind::StringNotEqualsIgnoreCase
                | OperatorKind::StringNotLike
                | OperatorKind::NumericNotEquals
                | OperatorKind::DateNotEquals
                | OperatorKind::NotIpAddress
                | OperatorKind::ArnNotEquals
                | OperatorKind::ArnNotLike
        )
    }

    /// Does the operator compare strings (so suits string-valued keys)?
    pub fn is_string(self) -> bool {
        matches!(
            self,
            OperatorKind::StringEquals
                | OperatorKind::StringNotEquals
                | OperatorKind::StringEqualsIgnoreCase
                | OperatorKind::StringNotEqualsIgnoreCase
                | OperatorKind::StringLike
                | OperatorKind::StringNotLike
        )
    }

    /// Is this one of the `Date…` operators?
    pub fn is_date(self) -> bool {
        matches!(
            self,
            OperatorKind::DateEquals
                | OperatorKind::DateNotEquals
                | OperatorKind::DateLessThan
                | OperatorKind::DateLessThanEquals
                | OperatorKind::DateGreaterThan
                | OperatorKind::DateGreaterThanEquals
        )
    }

    /// Is this one of the `Arn…` operators?
    pub fn is_arn(self) -> bool {
        matches!(
            self,
            OperatorKind::ArnEquals
                | OperatorKind::ArnLike
                | OperatorKind::ArnNotEquals
                | OperatorKind::ArnNotLike
        )
    }

    /// Is this one of the `Numeric…` operators?
    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            OperatorKind::NumericEquals
                | OperatorKind::NumericNotEquals
                | OperatorKind::NumericLessThan
                | OperatorKind::NumericLessThanEquals
                | OperatorKind::NumericGreaterThan
                | OperatorKind::NumericGreaterThanEquals
        )
    }
}

/// `ForAnyValue:` or `ForAllValues:`, for keys that carry several values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetQualifier {
    /// At least one request value must match; false on an empty set.
    ForAnyValue,
    /// Every request value must match; true on an empty set.
    ForAllValues,
}

/// A condition operator as written in the policy, parsed into its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Operator {
    /// The name exactly as the policy writes it, e.g. `ForAnyValue:StringLikeIfExists`.
    pub name: String,
    /// The comparison.
    pub kind: OperatorKind,
    /// The `IfExists` suffix: true when the key is absent.
    pub if_exists: bool,
    /// The set qualifier prefix, if any.
    pub qualifier: Option<SetQualifier>,
}

impl Operator {
    /// Parse an operator name. Names IAM does not know become
    /// [`OperatorKind::Unknown`]; the policy parser refuses them.
    ///
    /// Names are compared exactly, case included. The IAM documentation
    /// calls only condition *key* names case-insensitive ("Context key names
    /// are not case-sensitive",
    /// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html>);
    /// operator names are the fixed list of
    /// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html>
    /// ("specific allowed values", policy grammar notes), and IAM refuses
    /// another spelling: `CreateRole` answers `MalformedPolicyDocument:
    /// Invalid Condition type : stringEquals`
    /// (quoted in ministryofjustice/modernisation-platform-environments#8893).
    pub fn parse(name: &str) -> Operator {
        let (qualifier, rest) = if let Some(rest) = name.strip_prefix("ForAnyValue:") {
            (Some(SetQualifier::ForAnyValue), rest)
        } else if let Some(rest) = name.strip_prefix("ForAllValues:") {
            (Some(SetQualifier::ForAllValues), rest)
        } else {
            (None, name)
        };
        let (if_exists, base) = match rest.strip_suffix("IfExists") {
            Some(base) => (true, base),
            None => (false, rest),
        };
        let kind = NAMES
            .iter()
            .find(|(n, _)| *n == base)
            .map_or(OperatorKind::Unknown, |(_, k)| *k);
        // `NullIfExists` is not an operator.
        let kind = if kind == OperatorKind::Null && (if_exists || qualifier.is_some()) {
            OperatorKind::Unknown
        } else {
            kind
        };
        Operator {
            name: name.to_owned(),
            kind,
            if_exists,
            qualifier,
        }
    }
}

/// A known operator name that `name` (an unknown one) resembles: the same
/// letters in another case, or one `s` more or less (`StringNotEqual`).
pub(crate) fn suggestion(name: &str) -> Option<&'static str> {
    let base = name
        .rsplit(':')
        .next()
        .unwrap_or(name)
        .trim_end_matches("IfExists");
    NAMES.iter().map(|(known, _)| *known).find(|known| {
        known.eq_ignore_ascii_case(base)
            || known
                .strip_suffix('s')
                .is_some_and(|k| k.eq_ignore_ascii_case(base))
            || base
                .strip_suffix('s')
                .is_some_and(|b| b.eq_ignore_ascii_case(known))
    })
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// Why a key counts as absent: not in the request at all, or present with
/// an empty set of values (which every operator reads as absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Absence {
    /// The request has the key with at least one value.
    Present,
    /// The request does not have the key.
    Absent,
    /// The request has the key with no values.
    EmptySet,
}

/// How one condition came out for a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// It holds; `absence` says whether it holds only because the key was
    /// absent or empty (negated operator, `IfExists`, `ForAllValues`).
    Holds { absence: Absence },
    /// It does not hold; `absence` says whether the key was absent or empty.
    Fails { absence: Absence },
}

/// Decide one condition.
pub(crate) fn evaluate(condition: &Condition, ctx: &RequestContext) -> Outcome {
    let op = &condition.operator;
    let raw = ctx.values(&condition.key);
    let absence = match raw {
        None => Absence::Absent,
        Some([]) => Absence::EmptySet,
        Some(_) => Absence::Present,
    };
    let request_values = raw.filter(|v| !v.is_empty());
    if op.kind == OperatorKind::Unknown {
        // The parser refuses unknown operators; should one get here, it
        // never holds.
        return Outcome::Fails { absence };
    }
    if op.kind == OperatorKind::Null {
        let present = request_values.is_some();
        let holds = condition.values.iter().any(|v| {
            if v.eq_ignore_ascii_case("true") {
                !present
            } else if v.eq_ignore_ascii_case("false") {
                present
            } else {
                false
            }
        });
        return if holds {
            Outcome::Holds {
                absence: Absence::Present,
            }
        } else {
            Outcome::Fails { absence }
        };
    }
    let Some(request_values) = request_values else {
        let holds = op.if_exists
            || match op.qualifier {
                Some(SetQualifier::ForAllValues) => true,
                Some(SetQualifier::ForAnyValue) => false,
                None => op.kind.is_negated(),
            };
        return if holds {
            Outcome::Holds { absence }
        } else {
            Outcome::Fails { absence }
        };
    };
    let negated = op.kind.is_negated();
    // For one request value: does the operator hold? Positive operators need
    // some policy value to match; negated ones need none to match.
    let per_value = |request: &str| {
        let any = condition
            .templates
            .iter()
            .any(|policy| template_match(op.kind, policy, request, ctx));
        any != negated
    };
    let mut values = request_values.iter().map(String::as_str);
    let holds = match op.qualifier {
        Some(SetQualifier::ForAllValues) => values.all(per_value),
        Some(SetQualifier::ForAnyValue) => values.any(per_value),
        // A plain negated operator on several values: none may match (NOR).
        None if negated => values.all(per_value),
        None => values.any(per_value),
    };
    if holds {
        Outcome::Holds { absence }
    } else {
        Outcome::Fails { absence }
    }
}

/// The positive comparison for one policy value, after substituting its
/// variables. A variable whose key is absent (and has no default) makes
/// the value match nothing: "any attempt to match it fails" (IAM policy
/// variables, principal key values).
fn template_match(
    kind: OperatorKind,
    policy: &Template,
    request: &str,
    ctx: &RequestContext,
) -> bool {
    match policy {
        Template::Plain(policy) => positive_match(kind, policy, request),
        Template::Parts(_) => policy
            .resolve(ctx)
            .is_some_and(|resolved| resolved_match(kind, &resolved, request)),
    }
}

/// Wildcard operators read the tokens (escapes and substituted values are
/// literal there); the others compare the text.
fn resolved_match(kind: OperatorKind, policy: &Resolved, request: &str) -> bool {
    match kind {
        OperatorKind::StringLike | OperatorKind::StringNotLike => {
            wildcard::matches_tokens(&policy.tokens, request, Case::Sensitive)
        }
        _ if kind.is_arn() => arn::arn_like_tokens(&policy.tokens, request),
        _ => positive_match(kind, &policy.text, request),
    }
}

/// The positive form of the comparison: does `request` match `policy`?
fn positive_match(kind: OperatorKind, policy: &str, request: &str) -> bool {
    use OperatorKind as K;
    match kind {
        K::StringEquals | K::StringNotEquals | K::BinaryEquals => policy == request,
        K::StringEqualsIgnoreCase | K::StringNotEqualsIgnoreCase => {
            policy.eq_ignore_ascii_case(request)
        }
        K::StringLike | K::StringNotLike => wildcard::matches(policy, request, Case::Sensitive),
        K::NumericEquals | K::NumericNotEquals => compare_numbers(policy, request, |o| o.is_eq()),
        K::NumericLessThan => compare_numbers(policy, request, |o| o.is_lt()),
        K::NumericLessThanEquals => compare_numbers(policy, request, |o| o.is_le()),
        K::NumericGreaterThan => compare_numbers(policy, request, |o| o.is_gt()),
        K::NumericGreaterThanEquals => compare_numbers(policy, request, |o| o.is_ge()),
        K::DateEquals | K::DateNotEquals => compare_dates(policy, request, |o| o.is_eq()),
        K::DateLessThan => compare_dates(policy, request, |o| o.is_lt()),
        K::DateLessThanEquals => compare_dates(policy, request, |o| o.is_le()),
        K::DateGreaterThan => compare_dates(policy, request, |o| o.is_gt()),
        K::DateGreaterThanEquals => compare_dates(policy, request, |o| o.is_ge()),
        K::Bool => is_bool(policy) && is_bool(request) && policy.eq_ignore_ascii_case(request),
        K::IpAddress | K::NotIpAddress => match (Cidr::parse(policy), request.parse::<IpAddr>()) {
            (Some(block), Ok(addr)) => block.contains(addr),
            _ => false,
        },
        K::ArnEquals | K::ArnLike | K::ArnNotEquals | K::ArnNotLike => {
            arn::arn_like(policy, request)
        }
        K::Null | K::Unknown => false,
    }
}

fn is_bool(text: &str) -> bool {
    text.eq_ignore_ascii_case("true") || text.eq_ignore_ascii_case("false")
}

/// A decimal number as IAM conditions write them: optional `-`, digits,
/// optional fraction. No exponents, no `NaN`/`inf`.
pub(crate) fn parse_number(text: &str) -> Option<f64> {
    let body = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match body.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (body, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || fraction.is_some_and(|f| !digits(f)) {
        return None;
    }
    text.parse().ok()
}

/// Compare request against policy (request OP policy).
fn compare_numbers(policy: &str, request: &str, test: impl Fn(std::cmp::Ordering) -> bool) -> bool {
    match (parse_number(policy), parse_number(request)) {
        (Some(p), Some(r)) => r.partial_cmp(&p).is_some_and(test),
        _ => false,
    }
}

fn compare_dates(policy: &str, request: &str, test: impl Fn(std::cmp::Ordering) -> bool) -> bool {
    match (date::parse_millis(policy), date::parse_millis(request)) {
        (Some(p), Some(r)) => test(r.cmp(&p)),
        _ => false,
    }
}

/// Can this policy value ever match, given the operator? Used by the linter.
pub(crate) fn value_problem(kind: OperatorKind, value: &str) -> Option<&'static str> {
    use OperatorKind as K;
    let ok = match kind {
        K::Bool | K::Null => is_bool(value),
        K::IpAddress | K::NotIpAddress => Cidr::parse(value).is_some(),
        _ if kind.is_numeric() => parse_number(value).is_some(),
        _ if kind.is_date() => date::parse_millis(value).is_some(),
        _ => true,
    };
    if ok {
        None
    } else {
        Some(match kind {
            K::Bool | K::Null => "is neither `true` nor `false`",
            K::IpAddress | K::NotIpAddress => "is not an IP address or CIDR block",
            _ if kind.is_numeric() => "is not a number",
            _ => "is not an ISO 8601 date or epoch seconds",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operator_names() {
        let op = Operator::parse("ForAnyValue:StringLikeIfExists");
        assert_eq!(op.kind, OperatorKind::StringLike);
        assert!(op.if_exists);
        assert_eq!(op.qualifier, Some(SetQualifier::ForAnyValue));
        assert_eq!(Operator::parse("NullIfExists").kind, OperatorKind::Unknown);
        assert_eq!(Operator::parse("StringEqual").kind, OperatorKind::Unknown);
        assert_eq!(Operator::parse("stringequals").kind, OperatorKind::Unknown);
        assert_eq!(Operator::parse("Null").kind, OperatorKind::Null);
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_number("12"), Some(12.0));
        assert_eq!(parse_number("-1.5"), Some(-1.5));
        for bad in ["NaN", "inf", "1e3", "", "-", "1.", ".5"] {
            assert_eq!(parse_number(bad), None, "{bad}");
        }
    }
}
