//! The IAM policy evaluation rules, one table row per rule.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sigv4x_policy::{Authorizer, Miss, NamedPolicy, Outcome, Policy, PolicyKind, RequestContext};

const API: &str = "arn:aws:execute-api:us-east-1:444455556666:a1b2c3d4e5";
const SESSION: &str = "arn:aws:sts::111122223333:assumed-role/app-role/session-1";
const SAME_ACCOUNT_SESSION: &str = "arn:aws:sts::444455556666:assumed-role/app-role/session-1";

fn route(path: &str) -> String {
    format!("{API}/{path}")
}

/// What one policy says on its own.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
enum Says {
    Allow,
    Deny,
    Nothing,
}

fn says(policy: &str, kind: PolicyKind, ctx: &RequestContext) -> Says {
    let policy = Policy::parse(policy).unwrap_or_else(|e| panic!("{e}\n{policy}"));
    let eval = policy.evaluate(kind, ctx);
    match (eval.deny, eval.allow) {
        (Some(_), _) => Says::Deny,
        (None, Some(_)) => Says::Allow,
        (None, None) => Says::Nothing,
    }
}

/// A one-statement identity policy with the given body.
fn identity(body: &str) -> String {
    format!(r#"{{"Version": "2012-10-17", "Statement": [{{ {body} }}]}}"#)
}

/// An identity statement allowing Invoke on everything with a condition.
fn cond(condition: &str) -> String {
    identity(&format!(
        r#""Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*", "Condition": {condition}"#
    ))
}

fn invoke(path: &str) -> RequestContext {
    RequestContext::new("execute-api:Invoke", route(path)).with_principal(SESSION)
}

#[test]
fn explicit_deny_beats_allow_in_any_order() {
    let allow = r#"{"Effect": "Allow", "Action": "execute-api:*", "Resource": "*"}"#;
    let deny = r#"{"Effect": "Deny", "Action": "execute-api:Invoke", "Resource": "*"}"#;
    for statements in [format!("[{allow}, {deny}]"), format!("[{deny}, {allow}]")] {
        let policy = format!(r#"{{"Version": "2012-10-17", "Statement": {statements}}}"#);
        assert_eq!(
            says(&policy, PolicyKind::Identity, &invoke("prod/GET/x")),
            Says::Deny
        );
    }
}

#[test]
fn actions_resources_and_their_negations() {
    let ctx = invoke("prod/GET/orders");
    let rows: &[(&str, &str, Says)] = &[
        // Action matching ignores case.
        (
            "action case",
            r#""Effect": "Allow", "Action": "EXECUTE-API:invoke", "Resource": "*""#,
            Says::Allow,
        ),
        (
            "action wildcard",
            r#""Effect": "Allow", "Action": "execute-api:Inv*", "Resource": "*""#,
            Says::Allow,
        ),
        (
            "action ?",
            r#""Effect": "Allow", "Action": "execute-api:Invok?", "Resource": "*""#,
            Says::Allow,
        ),
        (
            "other action",
            r#""Effect": "Allow", "Action": "execute-api:ManageConnections", "Resource": "*""#,
            Says::Nothing,
        ),
        // Resource matching respects case.
        (
            "resource case",
            &format!(r#""Effect": "Allow", "Action": "*", "Resource": "{API}/prod/get/orders""#),
            Says::Nothing,
        ),
        (
            "resource exact",
            &format!(r#""Effect": "Allow", "Action": "*", "Resource": "{API}/prod/GET/orders""#),
            Says::Allow,
        ),
        // `*` crosses `/` and `:`.
        (
            "star crosses slashes",
            r#""Effect": "Allow", "Action": "*", "Resource": "arn:aws:execute-api:*/orders""#,
            Says::Allow,
        ),
        (
            "? is one character",
            &format!(r#""Effect": "Allow", "Action": "*", "Resource": "{API}/prod/GE?/orders""#),
            Says::Allow,
        ),
        (
            "? is not two",
            &format!(r#""Effect": "Allow", "Action": "*", "Resource": "{API}/prod/G?/orders""#),
            Says::Nothing,
        ),
        (
            "list is OR",
            &format!(
                r#""Effect": "Allow", "Action": ["s3:GetObject", "execute-api:Invoke"], "Resource": ["{API}/test/*", "{API}/prod/*"]"#
            ),
            Says::Allow,
        ),
        // NotAction: everything except.
        (
            "NotAction other",
            r#""Effect": "Allow", "NotAction": "execute-api:ManageConnections", "Resource": "*""#,
            Says::Allow,
        ),
        (
            "NotAction same",
            r#""Effect": "Allow", "NotAction": "execute-api:Invoke", "Resource": "*""#,
            Says::Nothing,
        ),
        (
            "NotAction deny",
            r#""Effect": "Deny", "NotAction": "s3:*", "Resource": "*""#,
            Says::Deny,
        ),
        // NotResource: everything except.
        (
            "NotResource other",
            &format!(r#""Effect": "Allow", "Action": "*", "NotResource": "{API}/test/*""#),
            Says::Allow,
        ),
        (
            "NotResource same",
            &format!(r#""Effect": "Allow", "Action": "*", "NotResource": "{API}/prod/*""#),
            Says::Nothing,
        ),
        (
            "NotResource deny",
            &format!(r#""Effect": "Deny", "Action": "*", "NotResource": "{API}/prod/GET/health""#),
            Says::Deny,
        ),
    ];
    for (name, body, want) in rows {
        assert_eq!(
            says(&identity(body), PolicyKind::Identity, &ctx),
            *want,
            "{name}"
        );
    }
}

#[test]
fn condition_operators_and_absent_keys() {
    let ctx = invoke("prod/GET/orders")
        .with_source_vpce("vpce-0a1b2c3d4e5f60718")
        .with_vpc_source_ip("10.1.2.3")
        .with_secure_transport(true)
        .with_key("aws:CurrentTime", "2025-06-01T12:00:00Z")
        .with_principal_tag("Project", "Orders")
        .with_values("aws:TagKeys", ["team", "cost-center"])
        .with_values("aws:EmptySet", Vec::<String>::new());
    let rows: &[(&str, &str, Says)] = &[
        (
            "StringEquals hit",
            r#"{"StringEquals": {"aws:SourceVpce": "vpce-0a1b2c3d4e5f60718"}}"#,
            Says::Allow,
        ),
        (
            "StringEquals case-sensitive value",
            r#"{"StringEquals": {"aws:PrincipalTag/Project": "orders"}}"#,
            Says::Nothing,
        ),
        (
            "keys ignore case",
            r#"{"StringEquals": {"AWS:SOURCEVPCE": "vpce-0a1b2c3d4e5f60718"}}"#,
            Says::Allow,
        ),
        (
            "tag key ignores case",
            r#"{"StringEquals": {"aws:principaltag/project": "Orders"}}"#,
            Says::Allow,
        ),
        (
            "values are OR-ed",
            r#"{"StringEquals": {"aws:SourceVpce": ["vpce-1", "vpce-0a1b2c3d4e5f60718"]}}"#,
            Says::Allow,
        ),
        (
            "keys are AND-ed",
            r#"{"StringEquals": {"aws:SourceVpce": "vpce-0a1b2c3d4e5f60718", "aws:PrincipalTag/Project": "x"}}"#,
            Says::Nothing,
        ),
        (
            "operators are AND-ed",
            r#"{"StringEquals": {"aws:SourceVpce": "vpce-0a1b2c3d4e5f60718"}, "Bool": {"aws:SecureTransport": "false"}}"#,
            Says::Nothing,
        ),
        (
            "IgnoreCase",
            r#"{"StringEqualsIgnoreCase": {"aws:PrincipalTag/Project": "ORDERS"}}"#,
            Says::Allow,
        ),
        (
            "StringNotEquals NOR",
            r#"{"StringNotEquals": {"aws:SourceVpce": ["vpce-1", "vpce-0a1b2c3d4e5f60718"]}}"#,
            Says::Nothing,
        ),
        (
            "StringNotEquals other",
            r#"{"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}"#,
            Says::Allow,
        ),
        (
            "StringLike",
            r#"{"StringLike": {"aws:SourceVpce": "vpce-0a1b*"}}"#,
            Says::Allow,
        ),
        (
            "StringLike ?",
            r#"{"StringLike": {"aws:PrincipalTag/Project": "Orde?s"}}"#,
            Says::Allow,
        ),
        (
            "StringNotLike",
            r#"{"StringNotLike": {"aws:SourceVpce": "vpce-0a1b*"}}"#,
            Says::Nothing,
        ),
        (
            "IpAddress in block",
            r#"{"IpAddress": {"aws:VpcSourceIp": "10.0.0.0/8"}}"#,
            Says::Allow,
        ),
        (
            "IpAddress outside",
            r#"{"IpAddress": {"aws:VpcSourceIp": "192.168.0.0/16"}}"#,
            Says::Nothing,
        ),
        (
            "NotIpAddress outside",
            r#"{"NotIpAddress": {"aws:VpcSourceIp": "192.168.0.0/16"}}"#,
            Says::Allow,
        ),
        (
            "Bool",
            r#"{"Bool": {"aws:SecureTransport": "true"}}"#,
            Says::Allow,
        ),
        (
            "Bool JSON boolean",
            r#"{"Bool": {"aws:SecureTransport": true}}"#,
            Says::Allow,
        ),
        (
            "DateLessThan",
            r#"{"DateLessThan": {"aws:CurrentTime": "2026-01-01T00:00:00Z"}}"#,
            Says::Allow,
        ),
        (
            "DateLessThan past",
            r#"{"DateLessThan": {"aws:CurrentTime": "2025-01-01"}}"#,
            Says::Nothing,
        ),
        (
            "DateGreaterThan",
            r#"{"DateGreaterThan": {"aws:CurrentTime": "2025-06-01T11:59:59Z"}}"#,
            Says::Allow,
        ),
        (
            "DateGreaterThan equal",
            r#"{"DateGreaterThan": {"aws:CurrentTime": "2025-06-01T12:00:00Z"}}"#,
            Says::Nothing,
        ),
        (
            "ArnLike on PrincipalArn",
            r#"{"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/app-*"}}"#,
            Says::Allow,
        ),
        (
            "ArnEquals on PrincipalArn",
            r#"{"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/app-role"}}"#,
            Says::Allow,
        ),
        (
            "ArnNotEquals on PrincipalArn",
            r#"{"ArnNotEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/app-role"}}"#,
            Says::Nothing,
        ),
        (
            "ArnNotLike other account",
            r#"{"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::999999999999:*"}}"#,
            Says::Allow,
        ),
        (
            "PrincipalAccount",
            r#"{"StringEquals": {"aws:PrincipalAccount": "111122223333"}}"#,
            Says::Allow,
        ),
        // Absent keys.
        (
            "absent: positive is false",
            r#"{"StringEquals": {"aws:SourceVpc": "vpc-1"}}"#,
            Says::Nothing,
        ),
        (
            "absent: negated is true",
            r#"{"StringNotEquals": {"aws:SourceVpc": "vpc-1"}}"#,
            Says::Allow,
        ),
        (
            "absent: NotIpAddress is true",
            r#"{"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}"#,
            Says::Allow,
        ),
        (
            "absent: IpAddress is false",
            r#"{"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}"#,
            Says::Nothing,
        ),
        (
            "absent: IfExists is true",
            r#"{"StringEqualsIfExists": {"aws:SourceVpc": "vpc-1"}}"#,
            Says::Allow,
        ),
        (
            "present: IfExists compares",
            r#"{"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1"}}"#,
            Says::Nothing,
        ),
        (
            "absent: Bool is false",
            r#"{"Bool": {"aws:MultiFactorAuthPresent": "false"}}"#,
            Says::Nothing,
        ),
        (
            "absent: BoolIfExists is true",
            r#"{"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}"#,
            Says::Allow,
        ),
        (
            "Null true on absent",
            r#"{"Null": {"aws:SourceVpc": "true"}}"#,
            Says::Allow,
        ),
        (
            "Null true on present",
            r#"{"Null": {"aws:SourceVpce": "true"}}"#,
            Says::Nothing,
        ),
        (
            "Null false on present",
            r#"{"Null": {"aws:SourceVpce": "false"}}"#,
            Says::Allow,
        ),
        (
            "Null false on absent",
            r#"{"Null": {"aws:SourceVpc": "false"}}"#,
            Says::Nothing,
        ),
        // Set qualifiers.
        (
            "ForAllValues on absent set",
            r#"{"ForAllValues:StringEquals": {"aws:RequestTag/x": "a"}}"#,
            Says::Allow,
        ),
        (
            "ForAllValues on empty set",
            r#"{"ForAllValues:StringEquals": {"aws:EmptySet": "a"}}"#,
            Says::Allow,
        ),
        (
            "ForAnyValue on absent set",
            r#"{"ForAnyValue:StringEquals": {"aws:RequestTag/x": "a"}}"#,
            Says::Nothing,
        ),
        (
            "ForAnyValue on empty set",
            r#"{"ForAnyValue:StringEquals": {"aws:EmptySet": "a"}}"#,
            Says::Nothing,
        ),
        (
            "ForAllValues all inside",
            r#"{"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "cost-center", "owner"]}}"#,
            Says::Allow,
        ),
        (
            "ForAllValues one outside",
            r#"{"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}}"#,
            Says::Nothing,
        ),
        (
            "ForAnyValue one inside",
            r#"{"ForAnyValue:StringEquals": {"aws:TagKeys": ["team"]}}"#,
            Says::Allow,
        ),
        (
            "ForAnyValue none inside",
            r#"{"ForAnyValue:StringEquals": {"aws:TagKeys": ["owner"]}}"#,
            Says::Nothing,
        ),
        (
            "ForAnyValue:StringNotEquals some other",
            r#"{"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["team"]}}"#,
            Says::Allow,
        ),
        (
            "ForAllValues:StringNotEquals",
            r#"{"ForAllValues:StringNotEquals": {"aws:TagKeys": ["team"]}}"#,
            Says::Nothing,
        ),
        (
            "ForAnyValue:StringLike",
            r#"{"ForAnyValue:StringLike": {"aws:TagKeys": ["cost-*"]}}"#,
            Says::Allow,
        ),
    ];
    for (name, condition, want) in rows {
        assert_eq!(
            says(&cond(condition), PolicyKind::Identity, &ctx),
            *want,
            "{name}: {condition}"
        );
    }
}

/// These conditions used to be kept and never hold, which in a Deny guard
/// let the call in. IAM refuses the policy; so does the parser now.
#[test]
fn unknown_operators_are_refused_not_ignored() {
    for condition in [
        r#"{"StringEqual": {"aws:SourceVpce": "vpce-0a1b2c3d4e5f60718"}}"#,
        r#"{"NullIfExists": {"aws:SourceVpc": "true"}}"#,
        r#"{"stringequals": {"aws:SourceVpc": "vpc-1"}}"#,
    ] {
        let err = Policy::parse(&cond(condition)).expect_err(condition);
        assert!(
            err.to_string().contains("is not a condition operator"),
            "{err}"
        );
    }
}

#[test]
fn principals_in_resource_policies() {
    let resource = route("prod/GET/orders");
    let session = RequestContext::new("execute-api:Invoke", &resource).with_principal(SESSION);
    let user = RequestContext::new("execute-api:Invoke", &resource)
        .with_principal("arn:aws:iam::111122223333:user/alice");
    let anonymous = RequestContext::new("execute-api:Invoke", &resource);
    let rows: &[(&str, &str, &RequestContext, Says)] = &[
        ("* covers a session", r#""*""#, &session, Says::Allow),
        ("* covers anonymous", r#""*""#, &anonymous, Says::Allow),
        (
            "AWS * covers anonymous",
            r#"{"AWS": "*"}"#,
            &anonymous,
            Says::Allow,
        ),
        (
            "account id covers its sessions",
            r#"{"AWS": "111122223333"}"#,
            &session,
            Says::Allow,
        ),
        (
            "account root covers its users",
            r#"{"AWS": "arn:aws:iam::111122223333:root"}"#,
            &user,
            Says::Allow,
        ),
        (
            "other account",
            r#"{"AWS": "999999999999"}"#,
            &session,
            Says::Nothing,
        ),
        (
            "role covers its session",
            r#"{"AWS": "arn:aws:iam::111122223333:role/app-role"}"#,
            &session,
            Says::Allow,
        ),
        (
            "role with path covers its session",
            r#"{"AWS": "arn:aws:iam::111122223333:role/service/app-role"}"#,
            &session,
            Says::Allow,
        ),
        (
            "other role",
            r#"{"AWS": "arn:aws:iam::111122223333:role/app-role-2"}"#,
            &session,
            Says::Nothing,
        ),
        (
            "role in other account",
            r#"{"AWS": "arn:aws:iam::999999999999:role/app-role"}"#,
            &session,
            Says::Nothing,
        ),
        (
            "session ARN exactly",
            &format!(r#"{{"AWS": "{SESSION}"}}"#),
            &session,
            Says::Allow,
        ),
        (
            "user exactly",
            r#"{"AWS": ["arn:aws:iam::111122223333:user/bob", "arn:aws:iam::111122223333:user/alice"]}"#,
            &user,
            Says::Allow,
        ),
        (
            "role does not cover a user",
            r#"{"AWS": "arn:aws:iam::111122223333:role/alice"}"#,
            &user,
            Says::Nothing,
        ),
        (
            "account does not cover anonymous",
            r#"{"AWS": "111122223333"}"#,
            &anonymous,
            Says::Nothing,
        ),
        (
            "malformed ARN matches nobody",
            r#"{"AWS": "arn:aws:iam::111122223333::role/app-role"}"#,
            &session,
            Says::Nothing,
        ),
        (
            "partial wildcard matches nobody",
            r#"{"AWS": "arn:aws:iam::111122223333:role/*"}"#,
            &session,
            Says::Nothing,
        ),
        (
            "service principal is not a caller",
            r#"{"Service": "lambda.amazonaws.com"}"#,
            &session,
            Says::Nothing,
        ),
    ];
    for (name, principal, ctx, want) in rows {
        let policy = format!(
            r#"{{"Version": "2012-10-17", "Statement": {{"Effect": "Allow", "Principal": {principal}, "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}}}}"#
        );
        assert_eq!(says(&policy, PolicyKind::Resource, ctx), *want, "{name}");
    }
}

#[test]
fn not_principal_with_deny_needs_every_identity_listed() {
    let ctx = invoke("prod/GET/orders");
    let deny = |listed: &str| {
        format!(
            r#"{{"Version": "2012-10-17", "Statement": {{"Effect": "Deny", "NotPrincipal": {{"AWS": {listed}}}, "Action": "*", "Resource": "*"}}}}"#
        )
    };
    let rows: &[(&str, String, Says)] = &[
        (
            "other principal listed: denied",
            deny(r#""arn:aws:iam::111122223333:role/other""#),
            Says::Deny,
        ),
        (
            "role only: the session is still denied",
            deny(r#""arn:aws:iam::111122223333:role/app-role""#),
            Says::Deny,
        ),
        (
            "role, session and account: excluded",
            deny(&format!(
                r#"["arn:aws:iam::111122223333:role/app-role", "{SESSION}", "111122223333"]"#
            )),
            Says::Nothing,
        ),
        (
            "session and role without account: denied",
            deny(&format!(
                r#"["arn:aws:iam::111122223333:role/app-role", "{SESSION}"]"#
            )),
            Says::Deny,
        ),
    ];
    for (name, policy, want) in rows {
        assert_eq!(says(policy, PolicyKind::Resource, &ctx), *want, "{name}");
    }
    let anonymous = RequestContext::new("execute-api:Invoke", route("prod/GET/orders"));
    assert_eq!(
        says(&deny(r#""111122223333""#), PolicyKind::Resource, &anonymous),
        Says::Deny,
        "an anonymous caller is never excluded by NotPrincipal"
    );
}

#[test]
fn shorthand_only_in_resource_policies() {
    let ctx = invoke("prod/GET/orders");
    let rows: &[(&str, PolicyKind, Says)] = &[
        ("execute-api:/prod/*", PolicyKind::Resource, Says::Allow),
        ("execute-api:/*/GET/*", PolicyKind::Resource, Says::Allow),
        (
            "execute-api:/prod/GET/orders",
            PolicyKind::Resource,
            Says::Allow,
        ),
        ("execute-api:/test/*", PolicyKind::Resource, Says::Nothing),
        (
            "execute-api:/prod/POST/*",
            PolicyKind::Resource,
            Says::Nothing,
        ),
        ("execute-api:/prod/*", PolicyKind::Identity, Says::Nothing),
        (
            "execute-api:/prod/*",
            PolicyKind::VpcEndpoint,
            Says::Nothing,
        ),
    ];
    for (resource, kind, want) in rows {
        let principal = if *kind == PolicyKind::Identity {
            ""
        } else {
            r#""Principal": "*","#
        };
        let policy = format!(
            r#"{{"Version": "2012-10-17", "Statement": {{"Effect": "Allow", {principal} "Action": "execute-api:Invoke", "Resource": "{resource}"}}}}"#
        );
        assert_eq!(says(&policy, *kind, &ctx), *want, "{resource} in {kind:?}");
    }
}

#[test]
fn statements_without_principal_name_nobody_outside_identity_policies() {
    let body = identity(r#""Effect": "Allow", "Action": "*", "Resource": "*""#);
    let ctx = invoke("prod/GET/orders");
    assert_eq!(says(&body, PolicyKind::Identity, &ctx), Says::Allow);
    assert_eq!(says(&body, PolicyKind::Resource, &ctx), Says::Nothing);
    assert_eq!(says(&body, PolicyKind::VpcEndpoint, &ctx), Says::Nothing);
}

fn parse(text: &str) -> Policy {
    Policy::parse(text).unwrap()
}

const ALLOW_ALL_IDENTITY: &str = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}}"#;
const ALLOW_CALLERS_RESOURCE: &str = r#"{"Version": "2012-10-17", "Statement": {"Sid": "AllowCallers", "Effect": "Allow", "Principal": {"AWS": ["111122223333", "444455556666"]}, "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}}"#;
const NOTHING_IDENTITY: &str = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}"#;
const NOTHING_RESOURCE: &str = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": {"AWS": "999999999999"}, "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}}"#;

#[test]
fn layers_combine_by_account() {
    // (caller, identity policy, resource policy, outcome, deciding layer)
    let rows: &[(&str, &str, &str, Outcome, PolicyKind)] = &[
        // Cross-account: both must allow.
        (
            SESSION,
            ALLOW_ALL_IDENTITY,
            ALLOW_CALLERS_RESOURCE,
            Outcome::Allow,
            PolicyKind::Resource,
        ),
        (
            SESSION,
            NOTHING_IDENTITY,
            ALLOW_CALLERS_RESOURCE,
            Outcome::ImplicitDeny,
            PolicyKind::Identity,
        ),
        (
            SESSION,
            ALLOW_ALL_IDENTITY,
            NOTHING_RESOURCE,
            Outcome::ImplicitDeny,
            PolicyKind::Resource,
        ),
        // Same account: either is enough.
        (
            SAME_ACCOUNT_SESSION,
            ALLOW_ALL_IDENTITY,
            NOTHING_RESOURCE,
            Outcome::Allow,
            PolicyKind::Identity,
        ),
        (
            SAME_ACCOUNT_SESSION,
            NOTHING_IDENTITY,
            ALLOW_CALLERS_RESOURCE,
            Outcome::Allow,
            PolicyKind::Resource,
        ),
        (
            SAME_ACCOUNT_SESSION,
            NOTHING_IDENTITY,
            NOTHING_RESOURCE,
            Outcome::ImplicitDeny,
            PolicyKind::Identity,
        ),
    ];
    for (caller, identity, resource, outcome, layer) in rows {
        let authorizer = Authorizer::new()
            .with_identity_policy(NamedPolicy::new("id", parse(identity)))
            .with_resource_policy(NamedPolicy::new("res", parse(resource)));
        let ctx = RequestContext::new("execute-api:Invoke", route("prod/GET/orders"))
            .with_principal(*caller);
        let decision = authorizer.decide(&ctx);
        assert_eq!(
            decision.outcome, *outcome,
            "{caller} {identity} {resource}: {decision}"
        );
        assert_eq!(
            decision.layer, *layer,
            "{caller} {identity} {resource}: {decision}"
        );
        assert_eq!(decision.cross_account, *caller == SESSION);
    }
}

#[test]
fn anonymous_callers_need_the_resource_policy() {
    let open = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}}"#;
    let anonymous = RequestContext::new("execute-api:Invoke", route("prod/GET/orders"));
    let with_open = Authorizer::new()
        .with_identity_policy(NamedPolicy::new("id", parse(ALLOW_ALL_IDENTITY)))
        .with_resource_policy(NamedPolicy::new("res", parse(open)));
    assert!(with_open.decide(&anonymous).is_allowed());
    let closed = Authorizer::new()
        .with_identity_policy(NamedPolicy::new("id", parse(ALLOW_ALL_IDENTITY)))
        .with_resource_policy(NamedPolicy::new("res", parse(ALLOW_CALLERS_RESOURCE)));
    let decision = closed.decide(&anonymous);
    assert_eq!(decision.outcome, Outcome::ImplicitDeny);
    assert_eq!(decision.layer, PolicyKind::Resource);
    assert_eq!(
        decision.access_denied_message(&anonymous).as_deref(),
        Some("User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:444455556666:a1b2c3d4e5/prod/GET/orders")
    );
}

#[test]
fn a_deny_in_any_identity_policy_wins() {
    let deny = r#"{"Version": "2012-10-17", "Statement": {"Sid": "NoOrders", "Effect": "Deny", "Action": "execute-api:*", "Resource": "arn:aws:execute-api:*:*:*/*/*/orders*"}}"#;
    let authorizer = Authorizer::new()
        .with_identity_policy(NamedPolicy::new("broad", parse(ALLOW_ALL_IDENTITY)))
        .with_identity_policy(NamedPolicy::new("guard", parse(deny)))
        .with_resource_policy(NamedPolicy::new("res", parse(ALLOW_CALLERS_RESOURCE)));
    let decision = authorizer.decide(&invoke("prod/GET/orders"));
    assert_eq!(decision.outcome, Outcome::ExplicitDeny);
    let by = decision.decided_by.unwrap();
    assert_eq!(
        (by.layer, by.policy, by.statement.sid),
        (PolicyKind::Identity, "guard", Some("NoOrders"))
    );
    assert!(authorizer.decide(&invoke("prod/GET/health")).is_allowed());
}

#[test]
fn the_closest_allow_explains_an_implicit_deny() {
    let policy = parse(
        r#"{"Version": "2012-10-17", "Statement": [
            {"Sid": "WrongAction", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {"Sid": "Tagged", "Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*",
             "Condition": {"StringEquals": {"aws:ResourceTag/Project": "orders"}}}]}"#,
    );
    let eval = policy.evaluate(PolicyKind::Identity, &invoke("prod/GET/orders"));
    assert_eq!(eval.allow, None);
    let closest = eval.closest_allow.unwrap();
    assert_eq!(closest.statement.sid, Some("Tagged"));
    assert_eq!(
        closest.miss,
        Miss::Condition {
            operator: "StringEquals",
            key: "aws:ResourceTag/Project",
            absent: true,
            empty_set: false,
        }
    );
}
