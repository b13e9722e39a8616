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
    let absence = match &raw {
        None => Absence::Absent,
        Some(values) if values.is_empty() => Absence::EmptySet,
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
    let Some(mut values) = request_values else {
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
    use OperatorKind as K;
    match kind {
        K::StringLike | K::StringNotLike => {
            wildcard::matches_tokens(policy.tokens(), request, Case::Sensitive)
        }
        _ if kind.is_arn() => arn::arn_like_tokens(policy.tokens(), request),
        // `positive_match` for these, without building the text.
        K::StringEquals | K::StringNotEquals | K::BinaryEquals => policy.text_equals(request),
        K::StringEqualsIgnoreCase | K::StringNotEqualsIgnoreCase => {
            policy.text_equals_ignore_case(request)
        }
        // The parser substitutes variables for string and ARN operators only.
        _ => positive_match(kind, &policy.text(), request),
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

/// A decimal number as IAM conditions write them ("an integer or decimal
/// value"): optional `-`, digits, optional `.` and digits. No `+`, no
/// exponent, no spaces, no `NaN`/`inf`. Kept as its digits (leading zeros
/// of the whole part and trailing zeros of the fraction dropped), so that
/// comparisons are exact: `9007199254740993` and `9007199254740992` differ,
/// as they would not after a round trip through `f64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Decimal<'a> {
    negative: bool,
    whole: &'a str,
    fraction: &'a str,
}

impl Decimal<'_> {
    /// Compare two numbers exactly.
    fn compare(&self, other: &Decimal<'_>) -> std::cmp::Ordering {
        use std::cmp::Ordering;
        match (self.negative, other.negative) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (negative, _) => {
                let magnitude = self
                    .whole
                    .len()
                    .cmp(&other.whole.len())
                    .then_with(|| self.whole.cmp(other.whole))
                    .then_with(|| self.fraction.cmp(other.fraction));
                if negative {
                    magnitude.reverse()
                } else {
                    magnitude
                }
            }
        }
    }
}

/// Read a number in IAM's condition format; `None` for anything else.
pub(crate) fn parse_number(text: &str) -> Option<Decimal<'_>> {
    let (negative, body) = match text.strip_prefix('-') {
        Some(body) => (true, body),
        None => (false, text),
    };
    let (whole, fraction) = match body.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (body, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || fraction.is_some_and(|f| !digits(f)) {
        return None;
    }
    let whole = whole.trim_start_matches('0');
    let fraction = fraction.unwrap_or("").trim_end_matches('0');
    // `-0` is zero.
    let negative = negative && !(whole.is_empty() && fraction.is_empty());
    Some(Decimal {
        negative,
        whole,
        fraction,
    })
}

/// Compare request against policy (request OP policy). A request value
/// that is not a number matches nothing, as in IAM.
fn compare_numbers(policy: &str, request: &str, test: impl Fn(std::cmp::Ordering) -> bool) -> bool {
    match (parse_number(policy), parse_number(request)) {
        (Some(p), Some(r)) => test(r.compare(&p)),
        _ => false,
    }
}

fn compare_dates(policy: &str, request: &str, test: impl Fn(std::cmp::Ordering) -> bool) -> bool {
    match (date::parse_millis(policy), date::parse_millis(request)) {
        (Some(p), Some(r)) => test(r.cmp(&p)),
        _ => false,
    }
}

/// Is `value` base-64 text (`BinaryEquals` compares against it)?
fn is_base64(value: &str) -> bool {
    let body = value.trim_end_matches('=');
    let padding = value.len() - body.len();
    !value.is_empty()
        && value.len() % 4 == 0
        && padding <= 2
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

/// Why the operator cannot read a policy value, if it cannot: IAM Access
/// Analyzer's "Invalid condition data type" ("The value in the condition
/// key-value pair must match the data type of the condition key and
/// condition operator",
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html>).
/// The parser refuses such a value: evaluated, it would match nothing, so
/// a `Deny` carrying it would silently stop applying.
///
/// The forms accepted are those of "IAM JSON policy elements: Condition
/// operators"
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html>):
/// - `Bool`, `Null`: `true` or `false`. The page compares keys to "true"
///   or "false" and says nothing of other spellings, so `True` or `1` are
///   refused rather than guessed at;
/// - `Numeric…`: "an integer or decimal value";
/// - `Date…`: "one of the W3C implementations of the ISO 8601 date formats
///   or in epoch (UNIX) time": `2025-01-31`, `2025-01-31T12:00Z`,
///   `2025-01-31T12:00:00.5+02:00`, or whole epoch seconds. Four bare
///   digits are refused: `2025` reads as the W3C year and as epoch second
///   2025 alike;
/// - `IpAddress`, `NotIpAddress`: an IPv4 or IPv6 address or CIDR block,
///   the prefix within the family's length, no leading zeros;
/// - `BinaryEquals`: base-64 text.
pub(crate) fn policy_value_error(kind: OperatorKind, value: &str) -> Option<String> {
    use OperatorKind as K;
    match kind {
        K::Bool | K::Null if value != "true" && value != "false" => Some(format!(
            "`{value}` is not a {} value: write true or false",
            if kind == K::Bool { "Bool" } else { "Null" }
        )),
        K::IpAddress | K::NotIpAddress if Cidr::parse(value).is_none() => Some(format!(
            "`{value}` is not an IPv4 or IPv6 address or CIDR block (such as 203.0.113.0/24 or 2001:db8::/32)"
        )),
        _ if kind.is_numeric() && parse_number(value).is_none() => Some(format!(
            "`{value}` is not an integer or decimal number (digits, an optional leading `-` and fraction; no `+`, exponent or spaces)"
        )),
        _ if kind.is_date() && value.len() == 4 && value.bytes().all(|b| b.is_ascii_digit()) => {
            Some(format!(
                "`{value}` reads both as a year and as epoch seconds; write a full date such as {value}-01-01"
            ))
        }
        _ if kind.is_date() && date::parse_millis(value).is_none() => Some(format!(
            "`{value}` is not an ISO 8601 date (2025-01-31, 2025-01-31T12:00:00Z, with a fraction or a ±hh:mm offset) or whole epoch seconds"
        )),
        K::BinaryEquals if !is_base64(value) => {
            Some(format!("`{value}` is not base-64 text"))
        }
        _ => None,
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
        use std::cmp::Ordering;
        let cmp = |a: &str, b: &str| parse_number(a).unwrap().compare(&parse_number(b).unwrap());
        assert_eq!(cmp("12", "12.0"), Ordering::Equal);
        assert_eq!(cmp("-0", "0"), Ordering::Equal);
        assert_eq!(cmp("007", "7"), Ordering::Equal);
        assert_eq!(cmp("-1.5", "-1.25"), Ordering::Less);
        assert_eq!(cmp("0.5", "0.45"), Ordering::Greater);
        assert_eq!(cmp("100", "99.999"), Ordering::Greater);
        assert_eq!(cmp("-100", "-99"), Ordering::Less);
        assert_eq!(
            cmp("9007199254740993", "9007199254740992"),
            Ordering::Greater
        );
        for bad in ["NaN", "inf", "1e3", "", "-", "1.", ".5", "+100", " 1", "1 "] {
            assert_eq!(parse_number(bad), None, "{bad}");
        }
    }

    #[test]
    fn policy_values_are_read_per_operator() {
        use OperatorKind as K;
        let bad = [
            (K::Bool, "1"),
            (K::Bool, "True"),
            (K::Null, "yes"),
            (K::IpAddress, "10.0.0.0/33"),
            (K::NotIpAddress, "010.0.0.0/8"),
            (K::NumericGreaterThan, "+100"),
            (K::DateLessThan, "2025-01-31 12:00:00"),
            (K::DateLessThan, "2025"),
            (K::BinaryEquals, "not base64!"),
        ];
        for (kind, value) in bad {
            assert!(
                policy_value_error(kind, value).is_some(),
                "{kind:?} {value}"
            );
        }
        let good = [
            (K::Bool, "false"),
            (K::Null, "true"),
            (K::IpAddress, "2001:db8::/32"),
            (K::NumericLessThan, "-3.5"),
            (K::DateGreaterThan, "1717245015"),
            (K::DateGreaterThan, "2024-06-01T12:30:15Z"),
            (K::BinaryEquals, "QmluYXJ5VmFsdWU="),
            (K::StringEquals, "anything at all"),
        ];
        for (kind, value) in good {
            assert_eq!(policy_value_error(kind, value), None, "{kind:?} {value}");
        }
    }
}
