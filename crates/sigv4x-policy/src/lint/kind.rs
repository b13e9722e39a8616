//! Which layer a policy file is, read from its content; the file name is
//! only a hint. AWS's own private-API resource policy saved as
//! `allow-only-from-my-vpce.json` is a resource policy, whatever the name.

use crate::policy::{Effect, Policy, PolicyKind};

/// Infer the kind of a policy from what it says:
/// 1. the `execute-api:/…` shorthand, understood only by resource
///    policies, makes a resource policy;
/// 2. so does a `Deny` guarding on `aws:SourceVpce`/`aws:SourceVpc` with a
///    negated operator (the private-API pattern; inside an endpoint policy
///    the key is always that endpoint);
/// 3. without any `Principal`, an identity policy, unless the name hints
///    at an endpoint (`endpoint`, `vpce`): endpoint policies must have a
///    Principal, and the linter then says so;
/// 4. with a `Principal`, an endpoint policy when the name hints at one,
///    else a resource policy.
///
/// ```
/// use sigv4x_policy::{infer_kind, Policy, PolicyKind};
///
/// let policy = Policy::parse(r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow",
///     "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}}"#)?;
/// assert_eq!(infer_kind(&policy, Some("allow-only-from-my-vpce.json")), PolicyKind::Resource);
/// # Ok::<(), sigv4x_policy::ParseError>(())
/// ```
pub fn infer_kind(policy: &Policy, name_hint: Option<&str>) -> PolicyKind {
    let statements = &policy.statements;
    let shorthand = statements.iter().any(|s| {
        s.resource
            .patterns
            .iter()
            .any(|p| p.starts_with("execute-api:/"))
    });
    let endpoint_guard = statements.iter().any(|s| {
        s.effect == Effect::Deny
            && s.conditions.iter().any(|c| {
                c.operator.kind.is_negated()
                    && (c.key.eq_ignore_ascii_case("aws:SourceVpce")
                        || c.key.eq_ignore_ascii_case("aws:SourceVpc"))
            })
    });
    if shorthand || endpoint_guard {
        return PolicyKind::Resource;
    }
    let hint = name_hint
        .map(|n| {
            n.rsplit(['/', '\\'])
                .next()
                .unwrap_or(n)
                .to_ascii_lowercase()
        })
        .is_some_and(|n| n.contains("endpoint") || n.contains("vpce"));
    let principal = statements.iter().any(|s| s.principal.is_some());
    match (principal, hint) {
        (_, true) => PolicyKind::VpcEndpoint,
        (false, false) => PolicyKind::Identity,
        (true, false) => PolicyKind::Resource,
    }
}
