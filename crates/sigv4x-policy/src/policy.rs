//! The policy document model: what a parsed policy holds.
//!
//! The types are read-only views for callers (fields are public, the
//! structs are `#[non_exhaustive]`); documents are built with
//! [`Policy::parse`].

use crate::condition::Operator;
use crate::variable::Template;

/// The kind of policy, which is also the layer of the private-API pattern
/// it guards. Evaluation and linting depend on it: only resource policies
/// understand the `execute-api:/…` shorthand, identity policies have no
/// `Principal`, and so on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyKind {
    /// The VPC endpoint policy in the caller's account.
    VpcEndpoint,
    /// The API's resource policy in the provider's account.
    Resource,
    /// An identity policy attached to the calling role or user.
    Identity,
}

impl PolicyKind {
    /// A short lower-case name: `endpoint`, `resource`, `identity`.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyKind::VpcEndpoint => "endpoint",
            PolicyKind::Resource => "resource",
            PolicyKind::Identity => "identity",
        }
    }

    /// The name with its article: "a VPC endpoint policy", "an identity
    /// policy", …
    pub(crate) fn with_article(self) -> &'static str {
        match self {
            PolicyKind::VpcEndpoint => "a VPC endpoint policy",
            PolicyKind::Resource => "a resource policy",
            PolicyKind::Identity => "an identity policy",
        }
    }

    /// The name a person would use: "VPC endpoint policy", …
    pub fn describe(self) -> &'static str {
        match self {
            PolicyKind::VpcEndpoint => "VPC endpoint policy",
            PolicyKind::Resource => "resource policy",
            PolicyKind::Identity => "identity policy",
        }
    }
}

/// The policy language version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// `2012-10-17`, the current language.
    V2012_10_17,
    /// `2008-10-17`, the old language without policy variables.
    V2008_10_17,
}

/// A parsed policy document.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Policy {
    /// `Version`, when the document states one.
    pub version: Option<Version>,
    /// `Id`, when present.
    pub id: Option<String>,
    /// The statements, in document order (a single object counts as one).
    pub statements: Vec<Statement>,
    /// `Statement` was a single object rather than an array (for JSON paths).
    pub(crate) single_statement: bool,
}

/// `Allow` or `Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// The statement grants.
    Allow,
    /// The statement refuses, and wins over every allow.
    Deny,
}

/// One statement of a policy.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Statement {
    /// `Sid`, when present.
    pub sid: Option<String>,
    /// `Effect`.
    pub effect: Effect,
    /// `Principal` or `NotPrincipal`; `None` in identity policies.
    pub principal: Option<PrincipalClause>,
    /// `Action` or `NotAction`.
    pub action: ValueClause,
    /// `Resource` or `NotResource`.
    pub resource: ValueClause,
    /// Every operator/key pair of `Condition` (sorted by operator, then key);
    /// all must hold.
    pub conditions: Vec<Condition>,
}

/// A list of patterns with its polarity: `Action` vs `NotAction`,
/// `Resource` vs `NotResource`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ValueClause {
    /// `true` for the `Not…` form: the statement covers everything *except*
    /// what the patterns match.
    pub negated: bool,
    /// The patterns as written, `*` and `?` wildcards allowed (and, in
    /// 2012-10-17 `Resource`, policy variables).
    pub patterns: Vec<String>,
    /// The same patterns, read for evaluation; evaluation reads only these.
    pub(crate) templates: Vec<Template>,
    /// Written as an array (for JSON paths).
    pub(crate) array: bool,
}

impl ValueClause {
    pub(crate) fn new(
        negated: bool,
        patterns: Vec<String>,
        templates: Vec<Template>,
        array: bool,
    ) -> Self {
        ValueClause {
            negated,
            patterns,
            templates,
            array,
        }
    }
}

/// `Principal` or `NotPrincipal`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PrincipalClause {
    /// `true` for `NotPrincipal`.
    pub negated: bool,
    /// Who is named.
    pub principals: Principals,
}

/// The principals a statement names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principals {
    /// `"*"`: everyone, anonymous callers included.
    Anyone,
    /// `{"AWS": …, "Service": …}`: the listed principals.
    Listed(Vec<PrincipalId>),
}

/// One entry of a `Principal` map.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PrincipalId {
    /// The map key.
    pub kind: PrincipalType,
    /// The value as written: an ARN, an account id, a service name or `*`.
    pub value: String,
}

/// The key of a `Principal` map entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrincipalType {
    /// `AWS`: accounts, IAM users and roles, role sessions.
    Aws,
    /// `Service`: an AWS service such as `lambda.amazonaws.com`.
    Service,
    /// `Federated`: a web identity or SAML provider.
    Federated,
    /// `CanonicalUser`: an S3 canonical user id.
    CanonicalUser,
}

/// One operator/key pair of a `Condition` block, with its values
/// (OR-ed; NOR-ed for negated operators).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Condition {
    /// The operator, parsed.
    pub operator: Operator,
    /// The condition key as written (matching ignores its case).
    pub key: String,
    /// The values as written, numbers and booleans turned into their JSON
    /// text.
    pub values: Vec<String>,
    /// The same values, read for evaluation (policy variables parsed);
    /// evaluation reads only these.
    pub(crate) templates: Vec<Template>,
}
