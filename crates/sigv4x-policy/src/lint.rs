//! Findings for the mistakes the private-API pattern invites.
//!
//! Each finding has a stable `code`, a severity, the statement it points at
//! and a message that says what goes wrong at run time.

use std::fmt;

use crate::arn;
use crate::condition::{OperatorKind, SetQualifier};
use crate::date;
use crate::policy::{
    Condition, Effect, Policy, PolicyKind, PrincipalType, Principals, Statement, ValueClause,
};
use crate::wildcard::{self, Case};

mod guard;
mod kind;

pub use kind::infer_kind;

/// What the linter knows beyond the document.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LintOptions {
    /// Whether the API the resource policy guards is private: `Some(true)`
    /// makes a missing endpoint guard an error, `Some(false)` drops that
    /// finding (regional and edge APIs have no endpoint), `None` (unknown)
    /// makes it a warning.
    pub private_api: Option<bool>,
}

impl LintOptions {
    /// Options for the resource policy of a private (`true`) or a regional
    /// or edge-optimized (`false`) API.
    pub fn private_api(private: bool) -> Self {
        LintOptions {
            private_api: Some(private),
        }
    }
}

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Probably not what was meant.
    Warning,
    /// Wrong: AWS refuses it, or it silently never (or always) matches.
    Error,
}

impl Severity {
    /// `info`, `warning` or `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One lint finding.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Finding {
    /// How bad.
    pub severity: Severity,
    /// A stable identifier, e.g. `missing-endpoint-deny`.
    pub code: &'static str,
    /// The statement's index, or `None` for the policy as a whole.
    pub statement: Option<usize>,
    /// That statement's `Sid`.
    pub sid: Option<String>,
    /// What is wrong and what it does.
    pub message: String,
}

impl fmt::Display for Finding {
    /// `severity: [statement Sid/index] message (code)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.severity)?;
        match (&self.sid, self.statement) {
            (Some(sid), Some(i)) => write!(f, "[statement {sid}/{i}] ")?,
            (None, Some(i)) => write!(f, "[statement {i}] ")?,
            _ => f.write_str("[policy] ")?,
        }
        write!(f, "{} ({})", self.message, self.code)
    }
}

/// The condition keys API Gateway documents for resource policies.
const API_GATEWAY_KEYS: &[&str] = &[
    "aws:CurrentTime",
    "aws:EpochTime",
    "aws:TokenIssueTime",
    "aws:MultiFactorAuthPresent",
    "aws:MultiFactorAuthAge",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalTag/*",
    "aws:PrincipalType",
    "aws:Referer",
    "aws:SecureTransport",
    "aws:SourceArn",
    "aws:SourceIp",
    "aws:SourceVpc",
    "aws:SourceVpce",
    "aws:VpcSourceIp",
    "aws:UserAgent",
    "aws:userid",
    "aws:username",
];

/// Other global condition keys IAM has (valid, but not set for every call).
const OTHER_GLOBAL_KEYS: &[&str] = &[
    "aws:ResourceTag/*",
    "aws:RequestTag/*",
    "aws:TagKeys",
    "aws:SourceAccount",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
    "aws:CalledVia",
    "aws:CalledViaFirst",
    "aws:CalledViaLast",
    "aws:ViaAWSService",
    "aws:RequestedRegion",
    "aws:PrincipalIsAWSService",
    "aws:PrincipalServiceName",
    "aws:PrincipalServiceNamesList",
    "aws:SourceIdentity",
    "aws:FederatedProvider",
    "aws:VpceAccount",
    "aws:VpceOrgID",
    "aws:VpceOrgPaths",
    "aws:Ec2InstanceSourceVpc",
    "aws:Ec2InstanceSourcePrivateIPv4",
    "aws:ResourceAccount",
    "aws:ResourceOrgID",
    "aws:ResourceOrgPaths",
    "aws:IsMcpServiceAction",
    "execute-api:viaDomainArn",
];

/// The global keys that carry several values; every other global key is
/// single-valued ("Single-valued vs. multivalued context keys").
const MULTI_VALUED_KEYS: &[&str] = &[
    "aws:TagKeys",
    "aws:PrincipalOrgPaths",
    "aws:CalledVia",
    "aws:PrincipalServiceNamesList",
    "aws:SourceOrgPaths",
    "aws:ResourceOrgPaths",
    "aws:VpceOrgPaths",
];

/// The actions of the `execute-api` service.
const EXECUTE_API_ACTIONS: &[&str] = &[
    "execute-api:Invoke",
    "execute-api:InvalidateCache",
    "execute-api:ManageConnections",
];

fn key_in(list: &[&str], key: &str) -> bool {
    list.iter()
        .any(|known| wildcard::matches(known, key, Case::Insensitive))
}

fn has_prefix_ignore_case(text: &str, prefix: &str) -> bool {
    text.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

struct Linter<'a> {
    kind: PolicyKind,
    findings: Vec<Finding>,
    statement: Option<(usize, &'a Statement)>,
    /// 2012-10-17: values may hold policy variables, checked after
    /// substitution only.
    variables: bool,
    policy: &'a Policy,
    options: LintOptions,
}

impl Linter<'_> {
    fn push(&mut self, severity: Severity, code: &'static str, message: String) {
        let (statement, sid) = match self.statement {
            Some((i, s)) => (Some(i), s.sid.clone()),
            None => (None, None),
        };
        self.findings.push(Finding {
            severity,
            code,
            statement,
            sid,
            message,
        });
    }
}

/// Lint a policy as a policy of `kind`. Findings come in statement order,
/// policy-wide findings last.
///
/// ```
/// use sigv4x_policy::{lint, Policy, PolicyKind, Severity};
///
/// let policy = Policy::parse(r#"{"Version": "2012-10-17", "Statement": [{
///     "Effect": "Allow", "Action": "execute-api:Invoke",
///     "Resource": "execute-api:/prod/GET/orders"}]}"#)?;
/// let findings = lint(&policy, PolicyKind::Identity);
/// assert_eq!(findings[0].code, "shorthand-outside-resource-policy");
/// assert_eq!(findings[0].severity, Severity::Error);
/// # Ok::<(), sigv4x_policy::ParseError>(())
/// ```
pub fn lint(policy: &Policy, kind: PolicyKind) -> Vec<Finding> {
    lint_with(policy, kind, LintOptions::default())
}

/// [`lint`], with what is known beyond the document.
pub fn lint_with(policy: &Policy, kind: PolicyKind, options: LintOptions) -> Vec<Finding> {
    let mut linter = Linter {
        kind,
        findings: Vec::new(),
        statement: None,
        variables: policy.version == Some(crate::policy::Version::V2012_10_17),
        policy,
        options,
    };
    for (index, statement) in policy.statements.iter().enumerate() {
        linter.statement = Some((index, statement));
        lint_statement(&mut linter, statement);
        let earlier_same_sid = statement.sid.as_ref().is_some_and(|sid| {
            policy
                .statements
                .iter()
                .take(index)
                .any(|s| s.sid.as_ref() == Some(sid))
        });
        if earlier_same_sid {
            linter.push(
                Severity::Warning,
                "duplicate-sid",
                "another statement has the same Sid, so decisions naming it are ambiguous"
                    .to_owned(),
            );
        }
    }
    linter.statement = None;
    if policy.version.is_none() {
        linter.push(
            Severity::Warning,
            "missing-version",
            "no Version: IAM then reads the document as the 2008-10-17 language; state \"2012-10-17\""
                .to_owned(),
        );
    }
    if policy.statements.is_empty() {
        linter.push(
            Severity::Error,
            "no-statements",
            "\"Statement\": [] allows nothing and denies nothing; IAM refuses a policy without statements".to_owned(),
        );
    } else if kind == PolicyKind::Resource {
        guard::lint_endpoint_deny(&mut linter, policy, options);
    }
    linter.findings
}

pub(crate) fn covers_invoke(clause: &ValueClause) -> bool {
    let any = clause
        .patterns
        .iter()
        .any(|p| wildcard::matches(p, "execute-api:Invoke", Case::Insensitive));
    any != clause.negated
}

pub(crate) fn is_open(principals: &Principals) -> bool {
    match principals {
        Principals::Anyone => true,
        Principals::Listed(ids) => ids
            .iter()
            .any(|id| id.kind == PrincipalType::Aws && id.value == "*"),
    }
}

fn lint_statement(l: &mut Linter<'_>, s: &Statement) {
    lint_principal(l, s);
    lint_actions(l, s);
    lint_resources(l, s);
    for condition in &s.conditions {
        lint_condition(l, s, condition);
    }
    lint_impossible_conditions(l, s);
    if l.kind == PolicyKind::VpcEndpoint {
        guard::lint_endpoint_constraints(l, s);
    }
}

fn lint_principal(l: &mut Linter<'_>, s: &Statement) {
    let kind = l.kind;
    let Some(clause) = &s.principal else {
        if kind != PolicyKind::Identity {
            l.push(
                Severity::Error,
                "missing-principal",
                format!(
                    "a {} statement needs a Principal; without one it names nobody and never matches",
                    kind.describe()
                ),
            );
        }
        return;
    };
    if kind == PolicyKind::Identity {
        l.push(
            Severity::Error,
            "principal-in-identity-policy",
            "identity policies have no Principal (they apply to whoever they are attached to); IAM refuses this statement".to_owned(),
        );
        return;
    }
    // NotPrincipal with Allow, and wildcards in NotPrincipal, are refused
    // by the parser.
    if let Principals::Listed(ids) = &clause.principals {
        for id in ids {
            if id.kind != PrincipalType::Aws || id.value == "*" {
                continue;
            }
            let value = &id.value;
            if wildcard::has_wildcard(value) {
                l.push(
                    Severity::Error,
                    "wildcard-in-principal",
                    format!("`{value}`: wildcards are not allowed inside a Principal ARN; it matches no principal (use \"*\" with a condition on aws:PrincipalArn)"),
                );
            } else if !arn::is_account_id(value) {
                if let Some(problem) = arn::shape_problem(value, false) {
                    l.push(
                        Severity::Error,
                        "malformed-arn",
                        format!("Principal {problem}; it matches no principal{}", in_deny(s)),
                    );
                } else if let Some((code, problem)) = principal_format_problem(value) {
                    l.push(
                        Severity::Error,
                        code,
                        format!(
                            "Principal `{value}` {problem}; it matches no principal{}",
                            in_deny(s)
                        ),
                    );
                } else if let Some(partitions) = other_partition(value, s) {
                    l.push(
                        Severity::Error,
                        "principal-partition-mismatch",
                        format!("Principal `{value}` is in another partition than the resources ({partitions}): partitions are separate, so it matches no caller of them{}", in_deny(s)),
                    );
                }
            }
        }
    }
    let limited_by_deny =
        l.policy.statements.iter().any(|d| {
            d.effect == Effect::Deny && !d.conditions.is_empty() && guard::guard_covers(d, s)
        });
    if !clause.negated
        && s.effect == Effect::Allow
        && is_open(&clause.principals)
        && s.conditions.is_empty()
        && !limited_by_deny
    {
        l.push(
            Severity::Warning,
            "open-principal-without-condition",
            "Allow with Principal \"*\" and no Condition lets anyone who can reach it in, anonymous callers included".to_owned(),
        );
    }
}

/// For a Deny, what matching nobody means.
fn in_deny(s: &Statement) -> &'static str {
    if s.effect == Effect::Deny {
        ", so this Deny spares everyone it was meant to refuse"
    } else {
        ""
    }
}

/// What is wrong with a principal ARN that has the shape of an ARN but
/// names no principal IAM has (IAM Access Analyzer: "Invalid principal
/// format", "Invalid ARN service case"): `…:root ` with a trailing space,
/// `…:ROOT`, `arn:aws:IAM::…`, `role/` without a name, `sts::…:role/x`,
/// an assumed role without its session, a group.
fn principal_format_problem(value: &str) -> Option<(&'static str, String)> {
    let parsed = arn::Arn::parse(value)?;
    if parsed.service != parsed.service.to_ascii_lowercase() {
        return Some((
            "invalid-arn-service-case",
            format!(
                "has service `{}`: service names are lower case (`{}`)",
                parsed.service,
                parsed.service.to_ascii_lowercase()
            ),
        ));
    }
    if value.bytes().any(|b| b.is_ascii_whitespace()) {
        return Some((
            "invalid-principal-format",
            "holds white space, which no principal ARN has".to_owned(),
        ));
    }
    if crate::Caller::new(value).is_err() {
        return Some((
            "invalid-principal-format",
            "is not an account root, IAM user or role, assumed-role session (arn:…:sts::ACCOUNT:assumed-role/ROLE/SESSION) or federated user".to_owned(),
        ));
    }
    None
}

/// The partitions of the statement's literal resource ARNs, when the
/// principal ARN's partition is none of them.
fn other_partition(value: &str, s: &Statement) -> Option<String> {
    let partition = arn::Arn::parse(value)?.partition;
    let resource_partitions: Vec<&str> = s
        .resource
        .patterns
        .iter()
        .filter(|_| !s.resource.negated)
        .filter_map(|p| arn::Arn::parse(p))
        .map(|a| a.partition)
        .filter(|p| !wildcard::has_wildcard(p))
        .collect();
    let all_literal = s
        .resource
        .patterns
        .iter()
        .all(|p| arn::Arn::parse(p).is_some_and(|a| !wildcard::has_wildcard(a.partition)));
    (all_literal && !resource_partitions.is_empty() && !resource_partitions.contains(&partition))
        .then(|| resource_partitions.join(", "))
}

fn lint_actions(l: &mut Linter<'_>, s: &Statement) {
    let patterns = &s.action.patterns;
    for pattern in patterns {
        if pattern == "*" {
            continue;
        }
        let Some((service, _)) = pattern.split_once(':') else {
            l.push(
                Severity::Error,
                "malformed-action",
                format!("action `{pattern}` needs the form service:Action"),
            );
            continue;
        };
        if service.eq_ignore_ascii_case("execute-api")
            && !EXECUTE_API_ACTIONS
                .iter()
                .any(|a| wildcard::matches(pattern, a, Case::Insensitive))
        {
            l.push(
                Severity::Error,
                "unknown-action",
                format!("`{pattern}` matches no execute-api action (Invoke, InvalidateCache, ManageConnections), so it never matches"),
            );
        }
    }
    if s.action.negated && patterns.iter().any(|p| p == "*") {
        l.push(
            Severity::Error,
            "never-matches",
            "NotAction \"*\" excludes every action: the statement never matches".to_owned(),
        );
    }
}

fn lint_resources(l: &mut Linter<'_>, s: &Statement) {
    let kind = l.kind;
    let patterns = &s.resource.patterns;
    for pattern in patterns {
        if pattern == "*" || (l.variables && pattern.contains("${")) {
            continue;
        }
        if let Some(path) = pattern.strip_prefix("execute-api:") {
            if kind != PolicyKind::Resource {
                l.push(
                    Severity::Error,
                    "shorthand-outside-resource-policy",
                    format!(
                        "`{pattern}`: the execute-api:/… shorthand is understood only in resource policies; in {} {}: write arn:aws:execute-api:region:account:api-id/stage/METHOD/path",
                        kind.with_article(),
                        if s.resource.negated {
                            "NotResource never matches it, so it excludes nothing and the statement covers every resource, what it means to exclude included"
                        } else {
                            "it never matches"
                        }
                    ),
                );
            } else if !path.starts_with('/') {
                l.push(
                    Severity::Error,
                    "malformed-arn",
                    format!("`{pattern}`: the shorthand is execute-api:/stage/METHOD/path"),
                );
            }
            continue;
        }
        if let Some(problem) = arn::shape_problem(pattern, true) {
            l.push(
                Severity::Error,
                "malformed-arn",
                format!("Resource {problem}; it matches no resource"),
            );
        }
    }
    if s.resource.negated && patterns.iter().any(|p| p == "*") {
        l.push(
            Severity::Error,
            "never-matches",
            "NotResource \"*\" excludes every resource: the statement never matches".to_owned(),
        );
    }
    if s.effect == Effect::Allow
        && !s.resource.negated
        && patterns.iter().any(|p| p == "*")
        && covers_invoke(&s.action)
    {
        l.push(
            Severity::Warning,
            "invoke-on-any-resource",
            "Allow execute-api:Invoke on Resource \"*\" grants every API, stage, method and route; name the API's ARNs".to_owned(),
        );
    }
}

fn lint_condition(l: &mut Linter<'_>, s: &Statement, c: &Condition) {
    let kind = l.kind;
    let op = &c.operator;
    let key = c.key.as_str();
    if op.kind == OperatorKind::Unknown {
        l.push(
            Severity::Error,
            "unknown-condition-operator",
            format!("`{}` is not a condition operator (names are case-sensitive); IAM refuses it and this evaluator never lets it hold", op.name),
        );
        return;
    }
    let documented = key_in(API_GATEWAY_KEYS, key);
    if !documented && !key_in(OTHER_GLOBAL_KEYS, key) {
        l.push(
            Severity::Warning,
            "unknown-condition-key",
            format!(
                "`{key}` is not a condition key IAM or API Gateway knows; it is never present, so {} on it {}",
                op.name,
                if op.kind.is_negated() || op.if_exists {
                    "always holds"
                } else {
                    "never holds"
                }
            ),
        );
    } else if has_prefix_ignore_case(key, "aws:ResourceTag/") && covers_invoke(&s.action) {
        let effect = if op.kind.is_negated()
            || op.if_exists
            || op.qualifier == Some(SetQualifier::ForAllValues)
        {
            "always holds (the key is absent, and this operator holds on an absent key)"
        } else {
            "never holds (the key is absent)"
        };
        l.push(
            Severity::Warning,
            "resource-tag-on-invoke",
            format!("API Gateway does not set `{key}` for execute-api:Invoke, so this {} condition {effect}", op.name),
        );
    } else if kind == PolicyKind::Resource && !documented {
        l.push(
            Severity::Warning,
            "key-not-documented-for-api-gateway",
            format!("`{key}` is not among the condition keys API Gateway documents for resource policies; expect it to be absent"),
        );
    }
    if op.qualifier == Some(SetQualifier::ForAllValues)
        && (key_in(API_GATEWAY_KEYS, key) || key_in(OTHER_GLOBAL_KEYS, key))
        && !key_in(MULTI_VALUED_KEYS, key)
    {
        l.push(
            Severity::Warning,
            "for-all-values-on-single-valued-key",
            format!("`{key}` is single-valued: {} also holds whenever the key is absent (every caller without it); use the operator without ForAllValues:", op.name),
        );
    }
    // A regional API's callers do not come through an endpoint.
    let through_endpoint = l.options.private_api != Some(false);
    if key.eq_ignore_ascii_case("aws:SourceIp") && kind != PolicyKind::Identity && through_endpoint
    {
        l.push(
            Severity::Warning,
            "source-ip-through-endpoint",
            "aws:SourceIp is never set on requests through a VPC endpoint; use aws:VpcSourceIp for a private API".to_owned(),
        );
    }
    for value in &c.values {
        lint_condition_value(l, c, value);
    }
}

fn lint_condition_value(l: &mut Linter<'_>, c: &Condition, value: &str) {
    let op = &c.operator;
    let key = c.key.as_str();
    if l.variables && value.contains("${") {
        // Known only after substitution.
        return;
    }
    // Values the operator cannot read are refused by the parser.
    if op.kind.is_arn() && !wildcard::has_wildcard(value) {
        if let Some(problem) = arn::shape_problem(value, true) {
            l.push(
                Severity::Error,
                "malformed-arn",
                format!("{} value {problem}; it matches nothing", op.name),
            );
        }
    }
    if key.eq_ignore_ascii_case("aws:PrincipalArn") && op.kind.is_string() {
        if let Some(problem) = arn::shape_problem(value, true) {
            l.push(
                Severity::Error,
                "malformed-arn",
                format!("aws:PrincipalArn value {problem}; it matches no principal"),
            );
        }
    }
    let literal = !wildcard::has_wildcard(value)
        || !matches!(
            op.kind,
            OperatorKind::StringLike | OperatorKind::StringNotLike
        );
    if !literal || !op.kind.is_string() {
        return;
    }
    if key.eq_ignore_ascii_case("aws:SourceVpce") && !has_prefix_ignore_case(value, "vpce-") {
        l.push(
            Severity::Error,
            "vpce-vpc-mixup",
            format!("aws:SourceVpce holds an endpoint id (vpce-…), but the value is `{value}`: it never equals the key{}",
                if has_prefix_ignore_case(value, "vpc-") { "; use aws:SourceVpc for a VPC id" } else { "" }),
        );
    }
    if key.eq_ignore_ascii_case("aws:SourceVpc")
        && (has_prefix_ignore_case(value, "vpce-") || !has_prefix_ignore_case(value, "vpc-"))
    {
        l.push(
            Severity::Error,
            "vpce-vpc-mixup",
            format!("aws:SourceVpc holds a VPC id (vpc-…), but the value is `{value}`: it never equals the key{}",
                if has_prefix_ignore_case(value, "vpce-") { "; use aws:SourceVpce for an endpoint id" } else { "" }),
        );
    }
}

/// Pairs of conditions in one statement that cannot hold together.
fn lint_impossible_conditions(l: &mut Linter<'_>, s: &Statement) {
    for (i, a) in s.conditions.iter().enumerate() {
        for b in s.conditions.iter().skip(i + 1) {
            if !a.key.eq_ignore_ascii_case(&b.key) {
                continue;
            }
            if let Some(why) = contradiction(a, b).or_else(|| contradiction(b, a)) {
                l.push(
                    Severity::Error,
                    "never-matches",
                    format!(
                        "{} and {} on {} {why}: the statement never matches",
                        a.operator.name, b.operator.name, a.key
                    ),
                );
            }
        }
    }
}

/// Does the key have to be present for the condition to hold?
fn needs_presence(c: &Condition) -> bool {
    let op = &c.operator;
    !(op.kind.is_negated()
        || op.if_exists
        || op.kind == OperatorKind::Null
        || op.qualifier == Some(SetQualifier::ForAllValues))
}

fn contradiction(a: &Condition, b: &Condition) -> Option<&'static str> {
    if a.operator.kind == OperatorKind::Null
        && a.values.iter().all(|v| v.eq_ignore_ascii_case("true"))
        && needs_presence(b)
    {
        return Some("require the key to be both absent and present");
    }
    let plain = |c: &Condition, k: OperatorKind| {
        c.operator.kind == k && c.operator.qualifier.is_none() && !c.operator.if_exists
    };
    let before = plain(a, OperatorKind::DateLessThan) || plain(a, OperatorKind::DateLessThanEquals);
    let after =
        plain(b, OperatorKind::DateGreaterThan) || plain(b, OperatorKind::DateGreaterThanEquals);
    if before && after {
        if let (Some(latest_end), Some(earliest_start)) = (dates(a).max(), dates(b).min()) {
            let inclusive = a.operator.kind == OperatorKind::DateLessThanEquals
                && b.operator.kind == OperatorKind::DateGreaterThanEquals;
            let empty = if inclusive {
                earliest_start > latest_end
            } else {
                earliest_start >= latest_end
            };
            if empty {
                return Some("leave no time at which both hold");
            }
        }
    }
    if plain(a, OperatorKind::StringEquals) && plain(b, OperatorKind::StringEquals) {
        let disjoint = !a.values.iter().any(|v| b.values.contains(v));
        if disjoint {
            return Some("require the single value to equal two disjoint sets");
        }
    }
    None
}

fn dates(c: &Condition) -> impl Iterator<Item = i64> + '_ {
    c.values.iter().filter_map(|v| date::parse_millis(v))
}
