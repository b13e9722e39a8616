//! The findings about a resource policy's endpoint guard, and the
//! constraints the AWS PrivateLink documentation places on endpoint
//! policies.

use super::{covers_invoke, is_open, LintOptions, Linter, Severity};
use crate::policy::{Condition, Effect, Policy, Statement};
use crate::wildcard::{self, Case};

fn is_endpoint_key(c: &Condition) -> bool {
    c.key.eq_ignore_ascii_case("aws:SourceVpce") || c.key.eq_ignore_ascii_case("aws:SourceVpc")
}

/// A `Deny` on Invoke that refuses requests from other endpoints.
fn is_endpoint_guard(s: &Statement) -> bool {
    s.effect == Effect::Deny
        && covers_invoke(&s.action)
        && s.conditions
            .iter()
            .any(|c| is_endpoint_key(c) && c.operator.kind.is_negated())
}

/// Does `outer` (a Resource pattern) cover every resource `inner` names?
/// Textual: `outer` matches `inner` as a wildcard pattern.
fn pattern_covers(outer: &str, inner: &str) -> bool {
    outer == "*" || wildcard::matches(outer, inner, Case::Sensitive)
}

/// Does the guard apply to every caller and every resource of `allow`?
pub(super) fn guard_covers(guard: &Statement, allow: &Statement) -> bool {
    let open = guard
        .principal
        .as_ref()
        .is_some_and(|p| !p.negated && is_open(&p.principals));
    let resources = !guard.resource.negated
        && !allow.resource.negated
        && allow.resource.patterns.iter().all(|inner| {
            guard
                .resource
                .patterns
                .iter()
                .any(|outer| pattern_covers(outer, inner))
        });
    open && resources
}

/// A private API's resource policy must deny requests from other
/// endpoints: an allow-only policy is reachable from every VPC endpoint.
/// How bad its absence is depends on whether the API is private.
pub(super) fn lint_endpoint_deny<'a>(l: &mut Linter<'a>, policy: &'a Policy, options: LintOptions) {
    if options.private_api == Some(false) {
        return;
    }
    let guards: Vec<&Statement> = policy
        .statements
        .iter()
        .filter(|s| is_endpoint_guard(s))
        .collect();
    let allows = policy
        .statements
        .iter()
        .enumerate()
        .filter(|(_, s)| s.effect == Effect::Allow && covers_invoke(&s.action));
    if !guards.is_empty() {
        for (index, allow) in allows {
            if !guards.iter().any(|g| guard_covers(g, allow)) {
                l.statement = Some((index, allow));
                l.push(
                    Severity::Warning,
                    "partial-endpoint-deny",
                    "the Deny for other endpoints covers only some principals or routes, while this Allow covers more: calls outside the guard reach the API from any VPC endpoint; give the Deny Principal \"*\" and the Allow's resources".to_owned(),
                );
            }
        }
        l.statement = None;
        return;
    }
    let allows_scoped = policy.statements.iter().any(|s| {
        s.effect == Effect::Allow
            && s.conditions
                .iter()
                .any(|c| is_endpoint_key(c) && !c.operator.kind.is_negated())
    });
    if allows_scoped {
        l.push(
            Severity::Warning,
            "missing-endpoint-deny",
            "the allows are scoped to an endpoint, but nothing denies other endpoints: a same-account caller whose identity policy allows execute-api:Invoke still gets in from any VPC endpoint; add a Deny with StringNotEquals on aws:SourceVpce".to_owned(),
        );
    } else if options.private_api == Some(true) {
        l.push(
            Severity::Error,
            "missing-endpoint-deny",
            "no Deny for requests outside the expected VPC endpoint: a private API with an allow-only resource policy is reachable from every VPC endpoint; add a Deny with StringNotEquals on aws:SourceVpce".to_owned(),
        );
    } else {
        l.push(
            Severity::Warning,
            "missing-endpoint-deny",
            "no Deny for requests outside an expected VPC endpoint: if this API is private, it is reachable from every VPC endpoint; add a Deny with StringNotEquals on aws:SourceVpce (lint with the API known to be private to make this an error)".to_owned(),
        );
    }
}

/// Keys holding identifiers AWS generates: PrivateLink refuses wildcards
/// and numeric operators on them in endpoint policies.
const GENERATED_ID_KEYS: &[&str] = &[
    "aws:PrincipalAccount",
    "aws:PrincipalOrgID",
    "aws:ResourceAccount",
    "aws:ResourceOrgID",
    "aws:SourceAccount",
    "aws:SourceOrgID",
    "aws:SourceVpc",
    "aws:SourceVpce",
    "aws:VpceAccount",
    "aws:VpceOrgID",
];

/// The constraints of "Control access to VPC endpoints using endpoint
/// policies", Considerations
/// (<https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html>):
/// no wildcards or numeric operators on keys of generated identifiers; at
/// least six consecutive characters before or after each wildcard of a
/// string operator; an ARN's account part is an account id or a wildcard,
/// not both. (A Principal is required too: `missing-principal`.)
pub(super) fn lint_endpoint_constraints(l: &mut Linter<'_>, s: &Statement) {
    for c in &s.conditions {
        let generated = GENERATED_ID_KEYS
            .iter()
            .any(|k| k.eq_ignore_ascii_case(&c.key));
        let wild =
            c.operator.kind.is_string() && c.values.iter().any(|v| wildcard::has_wildcard(v));
        if generated && (wild || c.operator.kind.is_numeric()) {
            l.push(
                Severity::Error,
                "endpoint-policy-constraint",
                format!("{} on {}: endpoint policies allow no wildcards or numeric operators on keys of AWS-generated identifiers", c.operator.name, c.key),
            );
        }
        let like = matches!(
            c.operator.kind,
            crate::OperatorKind::StringLike | crate::OperatorKind::StringNotLike
        );
        for value in c.values.iter().filter(|v| like && !short_wildcard_ok(v)) {
            l.push(
                Severity::Error,
                "endpoint-policy-constraint",
                format!("`{value}`: in an endpoint policy each wildcard needs at least six consecutive characters before or after it"),
            );
        }
    }
    let arns = s.resource.patterns.iter().chain(
        s.conditions
            .iter()
            .filter(|c| c.operator.kind.is_arn())
            .flat_map(|c| c.values.iter()),
    );
    for value in arns {
        let account = crate::Arn::parse(value).map(|a| a.account).unwrap_or("");
        if wildcard::has_wildcard(account) && account.bytes().any(|b| b.is_ascii_digit()) {
            l.push(
                Severity::Error,
                "endpoint-policy-constraint",
                format!("`{value}`: in an endpoint policy an ARN's account is an account id or a wildcard, not both"),
            );
        }
    }
}

/// Six or more consecutive non-wildcard characters before or after every
/// wildcard of `value`.
fn short_wildcard_ok(value: &str) -> bool {
    let b = value.as_bytes();
    let is_wild = |c: u8| c == b'*' || c == b'?';
    b.iter()
        .enumerate()
        .filter(|(_, c)| is_wild(**c))
        .all(|(i, _)| {
            let before = b
                .get(..i)
                .unwrap_or_default()
                .iter()
                .rev()
                .take_while(|c| !is_wild(**c))
                .count();
            let after = b
                .get(i + 1..)
                .unwrap_or_default()
                .iter()
                .take_while(|c| !is_wild(**c))
                .count();
            before >= 6 || after >= 6
        })
}
