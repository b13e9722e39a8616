//! The reference policies of the private cross-account pattern, with the
//! requests each layer must allow or deny.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sigv4x_policy::reference::{
    self, orders_arn, API_ACCOUNT, CALLER_ROLE, CALLER_SESSION, VPCE_ID,
};
use sigv4x_policy::{
    lint, Authorizer, LayerVerdict, NamedPolicy, Outcome, Policy, PolicyKind, RequestContext,
    Severity,
};

fn authorizer() -> Authorizer {
    reference::authorizer().unwrap()
}

/// The Lambda's call as it arrives: its role session, tagged, through the
/// expected endpoint.
fn lambda_call(method: &str, path: &str) -> RequestContext {
    RequestContext::new("execute-api:Invoke", orders_arn(method, path))
        .with_principal(CALLER_SESSION)
        .with_principal_tag("Project", "orders")
        .with_source_vpce(VPCE_ID)
        .with_source_vpc(reference::VPC_ID)
        .with_vpc_source_ip("10.0.12.34")
        .with_secure_transport(true)
}

#[test]
fn the_files_on_disk_are_the_exported_constants() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/reference/");
    for (file, constant) in [
        ("vpce-endpoint-policy.json", reference::ENDPOINT_POLICY),
        ("api-resource-policy.json", reference::RESOURCE_POLICY),
        ("caller-identity-policy.json", reference::IDENTITY_POLICY),
    ] {
        let on_disk = std::fs::read_to_string(format!("{dir}{file}")).unwrap();
        assert_eq!(on_disk, constant, "{file}");
    }
}

/// (name, request, outcome, deciding layer, deciding Sid)
type Row = (
    &'static str,
    RequestContext,
    Outcome,
    PolicyKind,
    Option<&'static str>,
);

#[test]
fn each_layer_allows_or_denies_as_the_pattern_intends() {
    let other_role = "arn:aws:sts::111122223333:assumed-role/batch-role/job-7";
    let rows: Vec<Row> = vec![
        (
            "the intended call",
            lambda_call("GET", "orders"),
            Outcome::Allow,
            PolicyKind::Resource,
            Some("AllowOrdersLambdaRole"),
        ),
        (
            "a listed sub-route",
            lambda_call("GET", "orders/42"),
            Outcome::Allow,
            PolicyKind::Resource,
            Some("AllowOrdersLambdaRole"),
        ),
        (
            "POST to orders",
            lambda_call("POST", "orders"),
            Outcome::Allow,
            PolicyKind::Resource,
            Some("AllowOrdersLambdaRole"),
        ),
        (
            "another endpoint: the resource policy's deny",
            lambda_call("GET", "orders").with_source_vpce("vpce-0fffffffffffffff0"),
            Outcome::ExplicitDeny,
            PolicyKind::Resource,
            Some("DenyOutsideExpectedEndpoint"),
        ),
        (
            "no endpoint at all: the deny holds on the absent key",
            {
                let mut ctx = lambda_call("GET", "orders");
                ctx.remove("aws:SourceVpce");
                ctx
            },
            Outcome::ExplicitDeny,
            PolicyKind::Resource,
            Some("DenyOutsideExpectedEndpoint"),
        ),
        (
            "untagged role: the endpoint policy has no allow",
            {
                let mut ctx = lambda_call("GET", "orders");
                ctx.remove("aws:PrincipalTag/Project");
                ctx
            },
            Outcome::ImplicitDeny,
            PolicyKind::VpcEndpoint,
            None,
        ),
        (
            "wrong tag value",
            lambda_call("GET", "orders").with_principal_tag("Project", "billing"),
            Outcome::ImplicitDeny,
            PolicyKind::VpcEndpoint,
            None,
        ),
        (
            "another role of the caller account: the endpoint refuses it",
            lambda_call("GET", "orders").with_principal(other_role),
            Outcome::ImplicitDeny,
            PolicyKind::VpcEndpoint,
            None,
        ),
        (
            "a route the identity policy does not grant",
            lambda_call("DELETE", "orders/42"),
            Outcome::ImplicitDeny,
            PolicyKind::Identity,
            None,
        ),
        (
            "another stage: the endpoint policy covers prod only",
            RequestContext::new(
                "execute-api:Invoke",
                sigv4x_policy::execute_api_arn(
                    "us-east-1",
                    API_ACCOUNT,
                    reference::API_ID,
                    "test",
                    "GET",
                    "orders",
                ),
            )
            .with_principal(CALLER_SESSION)
            .with_principal_tag("Project", "orders")
            .with_source_vpce(VPCE_ID),
            Outcome::ImplicitDeny,
            PolicyKind::VpcEndpoint,
            None,
        ),
        (
            "another action",
            {
                let mut ctx =
                    RequestContext::new("execute-api:InvalidateCache", orders_arn("GET", "orders"))
                        .with_principal(CALLER_SESSION)
                        .with_principal_tag("Project", "orders");
                ctx = ctx.with_source_vpce(VPCE_ID);
                ctx
            },
            Outcome::ImplicitDeny,
            PolicyKind::VpcEndpoint,
            None,
        ),
    ];
    let authorizer = authorizer();
    for (name, ctx, outcome, layer, sid) in rows {
        let decision = authorizer.decide(&ctx);
        assert_eq!(decision.outcome, outcome, "{name}: {decision}");
        assert_eq!(decision.layer, layer, "{name}: {decision}");
        assert_eq!(
            decision.decided_by.and_then(|d| d.statement.sid),
            sid,
            "{name}: {decision}"
        );
        assert!(decision.cross_account, "{name}");
    }
}

#[test]
fn the_resource_policy_alone_is_not_enough_across_accounts() {
    // Without an identity policy the cross-account call is an implicit deny,
    // even though the resource policy allows the role.
    let authorizer = Authorizer::new().with_resource_policy(NamedPolicy::new(
        "api",
        Policy::parse(reference::RESOURCE_POLICY).unwrap(),
    ));
    let ctx = lambda_call("GET", "orders");
    let decision = authorizer.decide(&ctx);
    assert_eq!(decision.outcome, Outcome::ImplicitDeny);
    assert_eq!(decision.layer, PolicyKind::Identity);
    assert!(matches!(decision.resource, LayerVerdict::Allowed(_)));
    assert_eq!(
        decision.access_denied_message(&ctx).as_deref(),
        Some(
            "User: arn:aws:sts::111122223333:assumed-role/orders-lambda-role/orders-function is not \
             authorized to perform: execute-api:Invoke on resource: \
             arn:aws:execute-api:us-east-1:444455556666:a1b2c3d4e5/prod/GET/orders because no \
             identity-based policy allows the execute-api:Invoke action"
        )
    );
}

#[test]
fn denial_messages_and_reasons_name_the_deciding_statement() {
    let authorizer = authorizer();
    let ctx = lambda_call("GET", "orders").with_source_vpce("vpce-0fffffffffffffff0");
    let decision = authorizer.decide(&ctx);
    assert_eq!(
        decision.access_denied_body(&ctx).as_deref(),
        Some(
            "{\"Message\":\"User: arn:aws:sts::111122223333:assumed-role/orders-lambda-role/orders-function \
             is not authorized to perform: execute-api:Invoke on resource: \
             arn:aws:execute-api:us-east-1:444455556666:a1b2c3d4e5/prod/GET/orders with an explicit deny\"}"
        )
    );
    assert_eq!(
        decision.reason(),
        "explicit deny by statement 0 (Sid \"DenyOutsideExpectedEndpoint\") of resource policy \
         `api-resource-policy.json`"
    );

    let mut no_endpoint = lambda_call("GET", "orders");
    no_endpoint.remove("aws:SourceVpce");
    let reason = authorizer.decide(&no_endpoint).reason();
    assert!(
        reason.contains("because condition key aws:SourceVpce is absent from the request"),
        "{reason}"
    );

    let allowed = authorizer.decide(&lambda_call("GET", "orders"));
    assert_eq!(
        allowed.access_denied_message(&lambda_call("GET", "orders")),
        None
    );
    let reason = allowed.reason();
    for part in [
        "VPC endpoint policy `vpce-endpoint-policy.json`",
        "identity policy `caller-identity-policy.json`",
        "resource policy `api-resource-policy.json`",
        "cross-account",
    ] {
        assert!(reason.contains(part), "{part} missing from: {reason}");
    }

    let mut untagged = lambda_call("GET", "orders");
    untagged.remove("aws:PrincipalTag/Project");
    let reason = authorizer.decide(&untagged).reason();
    assert!(
        reason.contains("aws:PrincipalTag/Project does not hold: the key is absent"),
        "{reason}"
    );
}

#[test]
fn the_endpoint_policy_applies_only_through_an_endpoint() {
    // The same caller without aws:SourceVpce never passes the endpoint, so
    // its policy is not consulted (the resource policy's deny decides).
    let mut ctx = lambda_call("GET", "orders");
    ctx.remove("aws:SourceVpce");
    let authorizer = authorizer();
    let decision = authorizer.decide(&ctx);
    assert_eq!(decision.endpoint, LayerVerdict::NotConsulted);
    assert_eq!(decision.outcome, Outcome::ExplicitDeny);
}

#[test]
fn the_reference_policies_lint_clean() {
    for (kind, text) in [
        (PolicyKind::VpcEndpoint, reference::ENDPOINT_POLICY),
        (PolicyKind::Resource, reference::RESOURCE_POLICY),
        (PolicyKind::Identity, reference::IDENTITY_POLICY),
    ] {
        let findings = lint(&Policy::parse(text).unwrap(), kind);
        let serious: Vec<_> = findings
            .iter()
            .filter(|f| f.severity >= Severity::Warning)
            .collect();
        assert!(serious.is_empty(), "{kind:?}: {serious:?}");
    }
}

#[test]
fn the_role_the_policies_name_is_the_session_s_role() {
    let ctx = lambda_call("GET", "orders");
    assert_eq!(ctx.value("aws:PrincipalArn"), Some(CALLER_ROLE));
}
