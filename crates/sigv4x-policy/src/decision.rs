//! The decision over all three layers of the private-API pattern, with the
//! reason, and API Gateway's `AccessDenied` messages rendered from it.
//!
//! The rules implemented:
//! 1. An explicit `Deny` in any consulted policy wins.
//! 2. A request through a VPC endpoint (one that carries `aws:SourceVpce`)
//!    also needs an `Allow` from the endpoint policy, when one is set; an
//!    endpoint without a custom policy has AWS's default full-access policy.
//! 3. Cross-account (caller's account or partition differs from the
//!    resource ARN's, or either cannot be read: not an ARN, an unknown
//!    partition, an account that is not twelve digits): both an identity
//!    policy and the resource policy must allow. Accounts that cannot be
//!    compared are never taken to be the same.
//! 4. Same account: an allow from either an identity policy or the resource
//!    policy is enough (API Gateway's documented table for resource
//!    policies with IAM authorization).
//! 5. An anonymous caller has no identity policies: the resource policy must
//!    allow.
//! 6. Anything else is an implicit deny.

use std::fmt;

use crate::arn;
use crate::context::RequestContext;
use crate::evaluate::{AppliedStatement, MissedStatement, PolicyEvaluation, StatementRef};
use crate::policy::{Policy, PolicyKind};

/// A policy with the name a person knows it by (a file name, a role's
/// policy name), so that decisions can say which one decided.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct NamedPolicy {
    /// The name shown in decisions.
    pub name: String,
    /// The parsed document.
    pub policy: Policy,
}

impl NamedPolicy {
    /// Name a policy.
    pub fn new(name: impl Into<String>, policy: Policy) -> Self {
        NamedPolicy {
            name: name.into(),
            policy,
        }
    }
}

/// The policies that guard one API, ready to decide requests.
///
/// Parse the policies once and keep the authorizer; [`Authorizer::decide`]
/// does not allocate.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Authorizer {
    endpoint: Option<NamedPolicy>,
    resource: Option<NamedPolicy>,
    identity: Vec<NamedPolicy>,
}

/// The overall answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every layer that must allow does, and nothing denies.
    Allow,
    /// A `Deny` statement applies.
    ExplicitDeny,
    /// Some required layer has no applicable `Allow`.
    ImplicitDeny,
}

/// A statement that took part in the decision, and where it lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Determinant<'p> {
    /// The layer.
    pub layer: PolicyKind,
    /// The policy's name.
    pub policy: &'p str,
    /// The statement.
    pub statement: StatementRef<'p>,
    /// A condition key absent from the request that nonetheless let the
    /// statement apply (negated operator, `…IfExists`, `ForAllValues:`).
    pub absent_key: Option<&'p str>,
    /// That key was in the request, but with an empty set of values.
    pub empty_set: bool,
}

impl fmt::Display for Determinant<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} of {} `{}`",
            self.statement,
            self.layer.describe(),
            self.policy
        )?;
        match (self.absent_key, self.empty_set) {
            (Some(key), false) => write!(
                f,
                " (it applied because condition key {key} is absent from the request)"
            )?,
            (Some(key), true) => write!(
                f,
                " (it applied because condition key {key} has an empty set of values)"
            )?,
            (None, _) => {}
        }
        Ok(())
    }
}

/// Layers a decision did not evaluate, stated so that nobody reads an
/// answer as covering them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Skipped {
    /// An endpoint policy was given, but the request carries no
    /// `aws:SourceVpce`: it did not come through a VPC endpoint, so the
    /// endpoint policy was not evaluated.
    pub endpoint_policy_off_path: bool,
    /// The request came through a VPC endpoint, but no endpoint policy was
    /// given: the endpoint was taken to have AWS's default full-access
    /// policy.
    pub default_endpoint_policy: bool,
    /// No resource policy was given. API Gateway does not deploy a private
    /// API without one, so such an API cannot exist; the decision models
    /// the other layers only.
    pub no_resource_policy: bool,
}

impl Skipped {
    /// Was anything skipped?
    pub fn any(&self) -> bool {
        self.endpoint_policy_off_path || self.default_endpoint_policy || self.no_resource_policy
    }
}

impl fmt::Display for Skipped {
    /// `not evaluated: …; …`, or nothing when nothing was skipped.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let notes = [
            (self.endpoint_policy_off_path, "the VPC endpoint policy (the request carries no aws:SourceVpce, so it did not come through a VPC endpoint)"),
            (self.default_endpoint_policy, "a VPC endpoint policy (none was given, so the endpoint's default full-access policy applies)"),
            (self.no_resource_policy, "a resource policy (none was given; API Gateway does not deploy a private API without one)"),
        ];
        let mut first = true;
        for (_, note) in notes.iter().filter(|(on, _)| *on) {
            f.write_str(if first { "not evaluated: " } else { "; " })?;
            f.write_str(note)?;
            first = false;
        }
        Ok(())
    }
}

/// What one layer said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LayerVerdict<'p> {
    /// The layer was not on this request's path (no endpoint, an anonymous
    /// caller's identity layer) or no policy of it was given.
    NotConsulted,
    /// A statement allows and none denies.
    Allowed(Determinant<'p>),
    /// A statement denies.
    Denied(Determinant<'p>),
    /// No statement allows; the closest `Allow`, if any, and why it missed.
    NoAllow {
        /// The policy that came closest (the first one, when none had an allow).
        policy: Option<&'p str>,
        /// Its closest `Allow` statement and why it did not apply.
        closest: Option<MissedStatement<'p>>,
    },
}

impl LayerVerdict<'_> {
    fn allows(&self) -> bool {
        matches!(self, LayerVerdict::Allowed(_))
    }
}

/// The decision for one request, with everything needed to explain it.
/// Borrowed from the [`Authorizer`] that made it; [`fmt::Display`] gives
/// the human reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Decision<'p> {
    /// Allow, explicit deny or implicit deny.
    pub outcome: Outcome,
    /// The layer that decided: the denying one, the one missing an allow,
    /// or for an allow the resource layer if it allowed, else the identity
    /// layer.
    pub layer: PolicyKind,
    /// The statement that decided (the deny, or the allow); `None` for an
    /// implicit deny, where no statement applied.
    pub decided_by: Option<Determinant<'p>>,
    /// The caller's account differs from the API's account, or the two
    /// cannot be compared (see `accounts_unknown`).
    pub cross_account: bool,
    /// The caller's or the API's account (or partition) cannot be read
    /// from its ARN (not an ARN, an unknown partition, an account that is
    /// not twelve digits or is a wildcard), so the call was treated as
    /// cross-account: both an identity policy and the resource policy must
    /// allow.
    pub accounts_unknown: bool,
    /// What the VPC endpoint policy said.
    pub endpoint: LayerVerdict<'p>,
    /// What the API's resource policy said.
    pub resource: LayerVerdict<'p>,
    /// What the caller's identity policies said.
    pub identity: LayerVerdict<'p>,
    /// The layers not evaluated, and why; the reason text ends with them.
    pub skipped: Skipped,
}

impl Authorizer {
    /// No policies yet.
    pub fn new() -> Self {
        Authorizer::default()
    }

    /// The VPC endpoint policy, consulted for requests that carry
    /// `aws:SourceVpce`.
    #[must_use]
    pub fn with_endpoint_policy(mut self, policy: NamedPolicy) -> Self {
        self.endpoint = Some(policy);
        self
    }

    /// The API's resource policy.
    #[must_use]
    pub fn with_resource_policy(mut self, policy: NamedPolicy) -> Self {
        self.resource = Some(policy);
        self
    }

    /// An identity policy of the caller (add several for several attached
    /// policies).
    #[must_use]
    pub fn with_identity_policy(mut self, policy: NamedPolicy) -> Self {
        self.identity.push(policy);
        self
    }

    /// Decide a request.
    pub fn decide<'p>(&'p self, ctx: &RequestContext) -> Decision<'p> {
        let through_endpoint = ctx.values("aws:SourceVpce").is_some_and(|v| !v.is_empty());
        let endpoint = match (&self.endpoint, through_endpoint) {
            (Some(named), true) => {
                layer_verdict(PolicyKind::VpcEndpoint, std::slice::from_ref(named), ctx)
            }
            _ => LayerVerdict::NotConsulted,
        };
        let resource = match &self.resource {
            Some(named) => layer_verdict(PolicyKind::Resource, std::slice::from_ref(named), ctx),
            None => LayerVerdict::NotConsulted,
        };
        let identity = if ctx.principal().is_some() {
            layer_verdict(PolicyKind::Identity, &self.identity, ctx)
        } else {
            LayerVerdict::NotConsulted
        };
        // Same account only when both accounts (and partitions) can be read
        // and agree: accounts that cannot be compared are treated as
        // cross-account, so both an identity policy and the resource policy
        // must allow.
        let accounts = (
            ctx.principal().map(arn::partition_account),
            arn::partition_account(ctx.resource()),
        );
        let (cross_account, accounts_unknown) = match accounts {
            (None, _) => (false, false),
            (Some(Some(caller)), Some(owner)) => (caller != owner, false),
            (Some(_), _) => (true, true),
        };
        let skipped = Skipped {
            endpoint_policy_off_path: self.endpoint.is_some() && !through_endpoint,
            default_endpoint_policy: self.endpoint.is_none() && through_endpoint,
            no_resource_policy: self.resource.is_none(),
        };
        let mut decision = Decision {
            outcome: Outcome::ImplicitDeny,
            layer: PolicyKind::Identity,
            decided_by: None,
            cross_account,
            accounts_unknown,
            endpoint,
            resource,
            identity,
            skipped,
        };
        for (layer, verdict) in [
            (PolicyKind::VpcEndpoint, endpoint),
            (PolicyKind::Resource, resource),
            (PolicyKind::Identity, identity),
        ] {
            if let LayerVerdict::Denied(d) = verdict {
                decision.outcome = Outcome::ExplicitDeny;
                decision.layer = layer;
                decision.decided_by = Some(d);
                return decision;
            }
        }
        if through_endpoint && self.endpoint.is_some() && !endpoint.allows() {
            decision.layer = PolicyKind::VpcEndpoint;
            return decision;
        }
        let missing = if ctx.principal().is_none() {
            (!resource.allows()).then_some(PolicyKind::Resource)
        } else if cross_account {
            if !identity.allows() {
                Some(PolicyKind::Identity)
            } else if !resource.allows() {
                Some(PolicyKind::Resource)
            } else {
                None
            }
        } else if identity.allows() || resource.allows() {
            None
        } else {
            Some(PolicyKind::Identity)
        };
        if let Some(layer) = missing {
            decision.layer = layer;
            return decision;
        }
        decision.outcome = Outcome::Allow;
        let (layer, decided_by) = match (resource, identity) {
            (LayerVerdict::Allowed(d), _) => (PolicyKind::Resource, d),
            (_, LayerVerdict::Allowed(d)) => (PolicyKind::Identity, d),
            // Unreachable by the rules above, but answer honestly anyway.
            _ => return decision,
        };
        decision.layer = layer;
        decision.decided_by = Some(decided_by);
        decision
    }
}

fn determinant<'p>(
    layer: PolicyKind,
    policy: &'p str,
    applied: AppliedStatement<'p>,
) -> Determinant<'p> {
    Determinant {
        layer,
        policy,
        statement: applied.statement,
        absent_key: applied.absent_key,
        empty_set: applied.empty_set,
    }
}

/// Combine the policies of one layer: a deny in any wins, then an allow in any.
fn layer_verdict<'p>(
    layer: PolicyKind,
    policies: &'p [NamedPolicy],
    ctx: &RequestContext,
) -> LayerVerdict<'p> {
    let mut allowed = None;
    let mut closest: Option<(&'p str, MissedStatement<'p>)> = None;
    for named in policies {
        let PolicyEvaluation {
            deny,
            allow,
            closest_allow,
        } = named.policy.evaluate(layer, ctx);
        if let Some(deny) = deny {
            return LayerVerdict::Denied(determinant(layer, &named.name, deny));
        }
        if let (None, Some(allow)) = (allowed, allow) {
            allowed = Some(determinant(layer, &named.name, allow));
        }
        if let (None, Some(miss)) = (closest, closest_allow) {
            closest = Some((&named.name, miss));
        }
    }
    match allowed {
        Some(d) => LayerVerdict::Allowed(d),
        None if policies.is_empty() => LayerVerdict::NotConsulted,
        None => LayerVerdict::NoAllow {
            policy: closest
                .map(|(name, _)| name)
                .or_else(|| policies.first().map(|p| p.name.as_str())),
            closest: closest.map(|(_, miss)| miss),
        },
    }
}

impl Decision<'_> {
    /// Is the request allowed?
    pub fn is_allowed(&self) -> bool {
        self.outcome == Outcome::Allow
    }

    /// The human reason, the same text as `Display`.
    pub fn reason(&self) -> String {
        self.to_string()
    }

    /// The `Message` API Gateway puts in its 403 `AccessDeniedException`
    /// body, or `None` when the request is allowed:
    /// `User: <caller or anonymous> is not authorized to perform: <action>
    /// on resource: <ARN>`, followed by ` with an explicit deny` when a deny
    /// decided, or ` because no identity-based policy allows the <action>
    /// action` when the identity layer lacked an allow.
    pub fn access_denied_message(&self, ctx: &RequestContext) -> Option<String> {
        let user = ctx.principal().unwrap_or("anonymous");
        let base = format!(
            "User: {user} is not authorized to perform: {} on resource: {}",
            ctx.action(),
            ctx.resource()
        );
        match (self.outcome, self.layer) {
            (Outcome::Allow, _) => None,
            (Outcome::ExplicitDeny, _) => Some(format!("{base} with an explicit deny")),
            (Outcome::ImplicitDeny, PolicyKind::Identity) => Some(format!(
                "{base} because no identity-based policy allows the {} action",
                ctx.action()
            )),
            (Outcome::ImplicitDeny, _) => Some(base),
        }
    }

    /// The whole 403 body, `{"Message":"…"}` (capital `M`, as API Gateway
    /// writes it), or `None` when allowed.
    pub fn access_denied_body(&self, ctx: &RequestContext) -> Option<String> {
        let message = self.access_denied_message(ctx)?;
        let mut body = serde_json::Map::new();
        body.insert("Message".to_owned(), serde_json::Value::String(message));
        Some(serde_json::Value::Object(body).to_string())
    }
}

fn write_no_allow(
    f: &mut fmt::Formatter<'_>,
    layer: PolicyKind,
    verdict: &LayerVerdict<'_>,
) -> fmt::Result {
    match verdict {
        LayerVerdict::NoAllow {
            policy: Some(policy),
            closest: Some(miss),
        } => write!(
            f,
            "no statement of {} `{policy}` allows it; the closest, {}, does not apply because {}",
            layer.describe(),
            miss.statement,
            miss.miss
        ),
        LayerVerdict::NoAllow {
            policy: Some(policy),
            closest: None,
        } => write!(
            f,
            "{} `{policy}` has no Allow statement that could apply",
            layer.describe()
        ),
        _ => write!(f, "no {} was given", layer.describe()),
    }
}

impl fmt::Display for Decision<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_outcome(f)?;
        if self.skipped.any() {
            write!(f, " [{}]", self.skipped)?;
        }
        Ok(())
    }
}

impl Decision<'_> {
    fn write_cross_account(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.accounts_unknown {
            f.write_str("the caller's and the API's accounts cannot be compared, so the call is treated as cross-account; ")?;
        }
        Ok(())
    }

    fn write_outcome(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.outcome {
            Outcome::ExplicitDeny => match &self.decided_by {
                Some(d) => write!(f, "explicit deny by {d}"),
                None => f.write_str("explicit deny"),
            },
            Outcome::Allow => {
                f.write_str("allowed")?;
                let mut first = true;
                for verdict in [&self.endpoint, &self.identity, &self.resource] {
                    if let LayerVerdict::Allowed(d) = verdict {
                        f.write_str(if first { " by " } else { " and " })?;
                        write!(f, "{d}")?;
                        first = false;
                    }
                }
                if self.accounts_unknown {
                    f.write_str(" (treated as cross-account, as the caller's and the API's accounts cannot be compared: identity and resource policy both allow)")?;
                } else if self.cross_account {
                    f.write_str(" (cross-account: identity and resource policy both allow)")?;
                }
                Ok(())
            }
            Outcome::ImplicitDeny => {
                f.write_str("implicit deny: ")?;
                match self.layer {
                    PolicyKind::VpcEndpoint => {
                        write_no_allow(f, PolicyKind::VpcEndpoint, &self.endpoint)
                    }
                    PolicyKind::Resource if self.cross_account => {
                        self.write_cross_account(f)?;
                        f.write_str(
                            "a cross-account call needs the resource policy to allow too, but ",
                        )?;
                        write_no_allow(f, PolicyKind::Resource, &self.resource)
                    }
                    PolicyKind::Resource => write_no_allow(f, PolicyKind::Resource, &self.resource),
                    PolicyKind::Identity if self.cross_account => {
                        self.write_cross_account(f)?;
                        f.write_str(
                            "a cross-account call needs an identity policy to allow too, but ",
                        )?;
                        write_no_allow(f, PolicyKind::Identity, &self.identity)
                    }
                    PolicyKind::Identity => {
                        write_no_allow(f, PolicyKind::Identity, &self.identity)?;
                        f.write_str("; and ")?;
                        write_no_allow(f, PolicyKind::Resource, &self.resource)
                    }
                }
            }
        }
    }
}
