//! Deciding one policy against a request: which statements apply, and for
//! those that do not, why not. Nothing here allocates.

use std::fmt;

use crate::arn::{self, Arn};
use crate::condition::{self, Absence, Outcome};
use crate::context::RequestContext;
use crate::policy::{
    Effect, Policy, PolicyKind, PrincipalClause, PrincipalId, PrincipalType, Principals, Statement,
    ValueClause,
};
use crate::variable::{Resolved, Template};
use crate::wildcard::{self, Case};

/// Which statement of a policy: its index in `Statement` and its `Sid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatementRef<'p> {
    /// Zero-based position in the statement list.
    pub index: usize,
    /// The statement's `Sid`, if it has one.
    pub sid: Option<&'p str>,
}

impl fmt::Display for StatementRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.sid {
            Some(sid) => write!(f, "statement {} (Sid \"{sid}\")", self.index),
            None => write!(f, "statement {}", self.index),
        }
    }
}

/// A statement that applied to the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppliedStatement<'p> {
    /// Which statement.
    pub statement: StatementRef<'p>,
    /// A condition key that was absent from the request yet let the
    /// statement apply (through a negated operator, `…IfExists` or
    /// `ForAllValues:`), so that a person can see it.
    pub absent_key: Option<&'p str>,
    /// That key was in the request, but with an empty set of values.
    pub empty_set: bool,
}

/// Why a statement did not apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Miss<'p> {
    /// `Principal`/`NotPrincipal` does not cover the caller.
    Principal,
    /// `Action`/`NotAction` does not cover the action.
    Action,
    /// `Resource`/`NotResource` does not cover the resource.
    Resource,
    /// A condition does not hold.
    Condition {
        /// The operator as written.
        operator: &'p str,
        /// The condition key as written.
        key: &'p str,
        /// The key was absent from the request.
        absent: bool,
        /// The key was in the request with an empty set of values (which
        /// operators read as absent).
        empty_set: bool,
    },
}

impl Miss<'_> {
    /// How close the statement came: conditions are checked last.
    fn rank(&self) -> u8 {
        match self {
            Miss::Principal => 0,
            Miss::Action => 1,
            Miss::Resource => 2,
            Miss::Condition { .. } => 3,
        }
    }
}

impl fmt::Display for Miss<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Miss::Principal => f.write_str("its principal does not cover the caller"),
            Miss::Action => f.write_str("its action does not cover the request's action"),
            Miss::Resource => f.write_str("its resource does not cover the request's resource"),
            Miss::Condition {
                operator,
                key,
                absent: true,
                ..
            } => write!(
                f,
                "its condition {operator} on {key} does not hold: the key is absent from the request"
            ),
            Miss::Condition {
                operator,
                key,
                empty_set: true,
                ..
            } => write!(
                f,
                "its condition {operator} on {key} does not hold: the key's set of values is empty"
            ),
            Miss::Condition { operator, key, .. } => {
                write!(f, "its condition {operator} on {key} does not hold")
            }
        }
    }
}

/// A statement that did not apply, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MissedStatement<'p> {
    /// Which statement.
    pub statement: StatementRef<'p>,
    /// Why it did not apply.
    pub miss: Miss<'p>,
}

/// The outcome of one policy for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PolicyEvaluation<'p> {
    /// The first `Deny` statement that applies.
    pub deny: Option<AppliedStatement<'p>>,
    /// The first `Allow` statement that applies.
    pub allow: Option<AppliedStatement<'p>>,
    /// When no `Allow` applies: the `Allow` statement that came closest
    /// (a condition failing beats a resource mismatch, and so on).
    pub closest_allow: Option<MissedStatement<'p>>,
}

impl Policy {
    /// Decide this policy alone for a request, as a policy of `kind`.
    pub fn evaluate<'p>(&'p self, kind: PolicyKind, ctx: &RequestContext) -> PolicyEvaluation<'p> {
        let mut result = PolicyEvaluation::default();
        for (index, statement) in self.statements.iter().enumerate() {
            let at = StatementRef {
                index,
                sid: statement.sid.as_deref(),
            };
            match statement_applies(statement, kind, ctx) {
                Ok(absent) => {
                    let applied = AppliedStatement {
                        statement: at,
                        absent_key: absent.map(|(key, _)| key),
                        empty_set: absent.is_some_and(|(_, empty)| empty),
                    };
                    match statement.effect {
                        Effect::Deny => {
                            result.deny = Some(applied);
                            // A deny settles the policy; nothing later matters.
                            break;
                        }
                        Effect::Allow => {
                            result.allow.get_or_insert(applied);
                        }
                    }
                }
                Err(miss) if statement.effect == Effect::Allow => {
                    let closer = result
                        .closest_allow
                        .is_none_or(|best| miss.rank() > best.miss.rank());
                    if closer {
                        result.closest_allow = Some(MissedStatement {
                            statement: at,
                            miss,
                        });
                    }
                }
                Err(_) => {}
            }
        }
        if result.allow.is_some() {
            result.closest_allow = None;
        }
        result
    }
}

/// Does the statement apply? `Ok` with the first absent (or empty, `true`)
/// key that the conditions let through, or `Err` with the reason it does
/// not.
fn statement_applies<'p>(
    statement: &'p Statement,
    kind: PolicyKind,
    ctx: &RequestContext,
) -> Result<Option<(&'p str, bool)>, Miss<'p>> {
    if !principal_covers(statement.principal.as_ref(), kind, ctx) {
        return Err(Miss::Principal);
    }
    if !clause_covers(&statement.action, |p| {
        wildcard::matches(p, ctx.action(), Case::Insensitive)
    }) {
        return Err(Miss::Action);
    }
    if !templates_cover(&statement.resource, |t| {
        resource_template_matches(t, kind, ctx)
    }) {
        return Err(Miss::Resource);
    }
    let mut absent_key = None;
    for condition in &statement.conditions {
        match condition::evaluate(condition, ctx) {
            Outcome::Holds { absence } => {
                if absence != Absence::Present && absent_key.is_none() {
                    absent_key = Some((condition.key.as_str(), absence == Absence::EmptySet));
                }
            }
            Outcome::Fails { absence } => {
                return Err(Miss::Condition {
                    operator: &condition.operator.name,
                    key: &condition.key,
                    absent: absence == Absence::Absent,
                    empty_set: absence == Absence::EmptySet,
                })
            }
        }
    }
    Ok(absent_key)
}

fn clause_covers(clause: &ValueClause, matches: impl Fn(&str) -> bool) -> bool {
    let any = clause.patterns.iter().any(|p| matches(p));
    any != clause.negated
}

fn templates_cover(clause: &ValueClause, matches: impl Fn(&Template) -> bool) -> bool {
    let any = clause.templates.iter().any(matches);
    any != clause.negated
}

/// A `Resource` pattern, its variables substituted first. A variable whose
/// key is absent makes the pattern match nothing.
fn resource_template_matches(template: &Template, kind: PolicyKind, ctx: &RequestContext) -> bool {
    match template {
        Template::Plain(pattern) => resource_matches(pattern, kind, ctx.resource()),
        Template::Parts(_) => template
            .resolve(ctx)
            .is_some_and(|resolved| resolved_resource_matches(&resolved, kind, ctx.resource())),
    }
}

fn resolved_resource_matches(pattern: &Resolved, kind: PolicyKind, resource: &str) -> bool {
    const SHORTHAND: &str = "execute-api:";
    if kind == PolicyKind::Resource && pattern.text_starts_with("execute-api:/") {
        // The parser allows variables only after a literal `execute-api:/`,
        // so the first tokens are that text.
        return match (
            arn::split_execute_api(resource),
            pattern.tokens().get(SHORTHAND.len()..),
        ) {
            (Some((_, path)), Some(rest)) => wildcard::matches_tokens(rest, path, Case::Sensitive),
            _ => false,
        };
    }
    wildcard::matches_tokens(pattern.tokens(), resource, Case::Sensitive)
}

/// Resource patterns: case-sensitive wildcards over the whole ARN; in a
/// resource policy, `execute-api:/…` stands for the API being called.
fn resource_matches(pattern: &str, kind: PolicyKind, resource: &str) -> bool {
    if kind == PolicyKind::Resource {
        if let Some(path) = pattern.strip_prefix("execute-api:") {
            if path.starts_with('/') {
                return arn::shorthand_matches(path, resource);
            }
        }
    }
    wildcard::matches(pattern, resource, Case::Sensitive)
}

fn principal_covers(
    clause: Option<&PrincipalClause>,
    kind: PolicyKind,
    ctx: &RequestContext,
) -> bool {
    let Some(clause) = clause else {
        // Identity policies name no principal: they apply to whoever they
        // are attached to. Elsewhere a statement without one names nobody.
        return kind == PolicyKind::Identity;
    };
    let listed = match &clause.principals {
        Principals::Anyone => return !clause.negated,
        Principals::Listed(listed) => listed,
    };
    if clause.negated {
        !not_principal_excludes(listed, ctx.principal(), ctx.resource())
    } else {
        match ctx.principal() {
            Some(caller) => listed
                .iter()
                .any(|id| principal_matches(id, caller, ctx.resource())),
            None => listed.iter().any(is_everyone),
        }
    }
}

fn is_everyone(id: &PrincipalId) -> bool {
    id.kind == PrincipalType::Aws && id.value == "*"
}

/// `Principal` matching for one entry. An account id or `…:root` covers
/// every principal of the account *in the same partition* (a bare account
/// id stands for the account in the resource's partition); a role ARN
/// covers the role's sessions (partition compared too); anything else must
/// equal the caller's ARN. Partial wildcards are not allowed in
/// `Principal` and so never match (the linter reports them).
fn principal_matches(id: &PrincipalId, caller: &str, resource: &str) -> bool {
    if id.kind != PrincipalType::Aws {
        // Service and federated principals never call with an IAM ARN.
        return false;
    }
    let value = id.value.as_str();
    if value == "*" || value == caller {
        return true;
    }
    if root_of(value).is_some() {
        return names_account_of(value, caller, resource);
    }
    arn::is_role_of_session(value, caller)
}

/// `111122223333` (partition `None`: the resource's) or
/// `arn:PARTITION:iam::111122223333:root` → the partition and account.
fn root_of(value: &str) -> Option<(Option<&str>, &str)> {
    if arn::is_account_id(value) {
        return Some((None, value));
    }
    let parsed = Arn::parse(value)?;
    (parsed.service == "iam" && parsed.region.is_empty() && parsed.resource == "root")
        .then_some((Some(parsed.partition), parsed.account))
        .filter(|(_, a)| arn::is_account_id(a))
}

/// Does the account entry `value` (an id or a root ARN) name the account
/// of `caller`, partition included? `arn:aws:iam::…:root` does not name an
/// `arn:aws-cn:…` caller of the same digits: partitions are separate.
fn names_account_of(value: &str, caller: &str, resource: &str) -> bool {
    let (Some((partition, account)), Some((caller_partition, caller_account))) =
        (root_of(value), arn::partition_account(caller))
    else {
        return false;
    };
    let partition = partition.or_else(|| Arn::parse(resource).map(|r| r.partition));
    account == caller_account && partition == Some(caller_partition)
}

/// `NotPrincipal`: the caller is excluded only when every identity it
/// carries is listed exactly: a role session is the session ARN, the role
/// ARN and the account; a user is the user ARN and the account. (This is
/// why IAM's documentation asks for the account and the role next to the
/// session in `NotPrincipal`.) An anonymous caller is never excluded, nor
/// is a caller of another partition.
fn not_principal_excludes(listed: &[PrincipalId], caller: Option<&str>, resource: &str) -> bool {
    let Some(caller) = caller else {
        return false;
    };
    let aws = || listed.iter().filter(|id| id.kind == PrincipalType::Aws);
    let caller_is_root = root_of(caller).is_some_and(|(partition, _)| partition.is_some());
    let listed_exactly = aws().any(|id| {
        id.value == caller || (caller_is_root && names_account_of(&id.value, caller, resource))
    });
    if !listed_exactly {
        return false;
    }
    if arn::session_role(caller).is_some()
        && !aws().any(|id| arn::is_role_of_session(&id.value, caller))
    {
        return false;
    }
    caller_is_root
        || aws()
            .any(|id| root_of(&id.value).is_some() && names_account_of(&id.value, caller, resource))
}
