//! Parse, evaluate and lint the IAM policies that guard a private API
//! Gateway API: the VPC endpoint policy in the caller's account, the API's
//! resource policy in the provider's account, and the caller's identity
//! policies.
//!
//! ```
//! use sigv4x_policy::{reference, Authorizer, NamedPolicy, Outcome, Policy, PolicyKind, RequestContext};
//!
//! let authorizer = Authorizer::new()
//!     .with_endpoint_policy(NamedPolicy::new("vpce", Policy::parse(reference::ENDPOINT_POLICY)?))
//!     .with_resource_policy(NamedPolicy::new("api", Policy::parse(reference::RESOURCE_POLICY)?))
//!     .with_identity_policy(NamedPolicy::new("lambda", Policy::parse(reference::IDENTITY_POLICY)?));
//!
//! let request = RequestContext::new("execute-api:Invoke", reference::orders_arn("GET", "orders"))
//!     .with_principal(reference::CALLER_SESSION)
//!     .with_principal_tag("Project", "orders")
//!     .with_source_vpce(reference::VPCE_ID);
//! assert!(authorizer.decide(&request).is_allowed());
//!
//! // The same call from another endpoint meets the resource policy's deny.
//! let elsewhere = request.clone().with_source_vpce("vpce-0fffffffffffffff0");
//! let decision = authorizer.decide(&elsewhere);
//! assert_eq!(decision.outcome, Outcome::ExplicitDeny);
//! assert_eq!(decision.layer, PolicyKind::Resource);
//! assert_eq!(decision.decided_by.and_then(|d| d.statement.sid), Some("DenyOutsideExpectedEndpoint"));
//! assert!(decision
//!     .access_denied_message(&elsewhere)
//!     .is_some_and(|m| m.ends_with("with an explicit deny")));
//!
//! // And the linter finds what the pattern's policies typically get wrong.
//! let allow_only = Policy::parse(r#"{"Version": "2012-10-17", "Statement": {
//!     "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}}"#)?;
//! let findings = sigv4x_policy::lint(&allow_only, PolicyKind::Resource);
//! assert!(findings.iter().any(|f| f.code == "missing-endpoint-deny"));
//! # Ok::<(), sigv4x_policy::ParseError>(())
//! ```
//!
//! # What is evaluated, and how
//! - `Action` matching ignores case; `Resource` matching does not; `*`
//!   matches any run of characters (across `/` and `:`), `?` exactly one.
//! - In a resource policy, `execute-api:/stage/METHOD/path` stands for the
//!   API being called (`arn:aws:execute-api:region:account:api-id/…`).
//!   Identity and endpoint policies need full ARNs; there the shorthand
//!   matches nothing (and the linter says so).
//! - `Principal`: `"*"` and `{"AWS": "*"}` are everyone, anonymous callers
//!   included; an account id or `arn:…:iam::ACCOUNT:root` is every
//!   principal of that account in the same partition (a bare id: the
//!   resource's partition); a role ARN covers the role's STS sessions.
//!   `NotPrincipal` excludes a caller only when all its identities are
//!   listed (session, role and account); it is refused with `Allow` and
//!   with any wildcard.
//! - Accounts: a call is same-account only when the caller's and the
//!   resource's partition and account can both be read and agree; anything
//!   else is cross-account ([`Decision::accounts_unknown`]).
//! - Conditions: see [`OperatorKind`] for the operators; keys ignore case;
//!   values under one key are OR-ed (NOR-ed for negated operators), keys and
//!   operators AND-ed. A key absent from the request makes a condition
//!   false, except that negated operators and `…IfExists` are then true and
//!   `Null` tests presence; `ForAllValues:` holds on an empty or absent set,
//!   `ForAnyValue:` does not.
//! - Fail closed: whatever the evaluator would not understand is a
//!   [`ParseError`] naming its JSON path, never a condition that quietly
//!   stops applying: unknown or mis-cased operators (operator names are
//!   case-sensitive), a key repeated in any object (two `StringNotEquals`
//!   blocks, `Effect` twice), one condition key twice in different case, a
//!   condition value its operator cannot read (`Bool "1"`, an IP block
//!   `/33`, `"+100"`, a date that is not ISO 8601), a space in a policy
//!   variable's name. What IAM refuses only for a given kind of policy is
//!   checked by [`Policy::check_kind`].
//! - Numbers compare exactly (as decimal digits, not `f64`). A request
//!   value an operator cannot read matches nothing, as in IAM.
//! - Wildcard matching keeps one backtrack point: O(pattern × text) at
//!   worst, linear for the patterns policies hold.
//! - Policy variables (2012-10-17 only; 2008-10-17 keeps `${…}` literal):
//!   substituted in `Resource` and in string and ARN condition values, with
//!   defaults (`${aws:username, 'anonymous'}`) and the escapes `${*}`,
//!   `${?}`, `${$}`; a variable whose key is absent makes its value match
//!   nothing. Substituted values are literal, never wildcards.
//! - The caller's keys: `aws:PrincipalArn` (a session's role, with its path
//!   when the [`Caller`] was given it), `aws:PrincipalAccount`,
//!   `aws:PrincipalType`, `aws:username` (IAM users), `aws:userid` (with
//!   the principal's unique id, see [`Caller::with_unique_id`]).
//! - `aws:ResourceTag/…` is absent unless the caller sets it: API Gateway
//!   does not document it for `execute-api:Invoke`. A decision that turned
//!   on an absent key names it ([`Determinant::absent_key`],
//!   [`Miss::Condition`]).
//!
//! The layers combine as [`Authorizer::decide`] documents.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod arn;
mod caller;
mod condition;
mod context;
mod date;
mod decision;
mod error;
mod evaluate;
mod ip;
mod json;
mod lint;
mod parse;
mod policy;
pub mod reference;
mod variable;
mod wildcard;

pub use crate::arn::{is_account_id, is_partition, Arn};
pub use crate::caller::{Caller, CallerError};
pub use crate::condition::{Operator, OperatorKind, SetQualifier};
pub use crate::context::{execute_api_arn, KeyValues, RequestContext};
pub use crate::decision::{
    Authorizer, Decision, Determinant, LayerVerdict, NamedPolicy, Outcome, Skipped,
};
pub use crate::error::ParseError;
pub use crate::evaluate::{
    AppliedStatement, Miss, MissedStatement, PolicyEvaluation, StatementRef,
};
pub use crate::lint::{infer_kind, lint, lint_with, Finding, LintOptions, Severity};
pub use crate::policy::{
    Condition, Effect, Policy, PolicyKind, PrincipalClause, PrincipalId, PrincipalType, Principals,
    Statement, ValueClause, Version,
};

impl Policy {
    /// Parse a policy document. Errors name the JSON path of the problem.
    ///
    /// ```
    /// let err = sigv4x_policy::Policy::parse(r#"{"Statement": [{"Effect": "allow", "Action": "*", "Resource": "*"}]}"#)
    ///     .unwrap_err();
    /// assert_eq!(err.path(), Some("$.Statement[0].Effect"));
    /// ```
    pub fn parse(text: &str) -> Result<Policy, ParseError> {
        parse::parse_policy(text)
    }

    /// Refuse what IAM refuses in a policy of `kind`, although the document
    /// is well formed: a resource or VPC endpoint policy statement without
    /// `Principal`/`NotPrincipal`, a `Principal`/`NotPrincipal` in an
    /// identity policy, and the `execute-api:/…` shorthand in `Resource` or
    /// `NotResource` outside resource policies (where `NotResource` with it
    /// would cover every resource). Errors name the JSON path.
    ///
    /// ```
    /// use sigv4x_policy::{Policy, PolicyKind};
    ///
    /// let policy = Policy::parse(r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
    ///     "Action": "execute-api:Invoke", "NotResource": "execute-api:/admin/*"}]}"#)?;
    /// let err = policy.check_kind(PolicyKind::Identity).unwrap_err();
    /// assert_eq!(err.path(), Some("$.Statement[0].NotResource"));
    /// assert!(policy.check_kind(PolicyKind::Resource).is_err(), "no Principal");
    /// # Ok::<(), sigv4x_policy::ParseError>(())
    /// ```
    pub fn check_kind(&self, kind: PolicyKind) -> Result<(), ParseError> {
        parse::check_kind(self, kind)
    }

    /// [`Policy::parse`], then [`Policy::check_kind`].
    pub fn parse_as(text: &str, kind: PolicyKind) -> Result<Policy, ParseError> {
        let policy = Policy::parse(text)?;
        policy.check_kind(kind)?;
        Ok(policy)
    }

    /// Read a policy from an already-parsed JSON value.
    pub fn from_json(value: &serde_json::Value) -> Result<Policy, ParseError> {
        parse::policy_from_value(value)
    }
}
