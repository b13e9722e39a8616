//! The linter: each mistake the pattern invites gives its finding, on the
//! right statement, and a correct policy gives none.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sigv4x_policy::{lint, lint_with, Finding, LintOptions, Policy, PolicyKind, Severity};

fn findings(kind: PolicyKind, statements: &str) -> Vec<Finding> {
    let text = format!(r#"{{"Version": "2012-10-17", "Statement": [{statements}]}}"#);
    lint(
        &Policy::parse(&text).unwrap_or_else(|e| panic!("{e}: {text}")),
        kind,
    )
}

/// A resource-policy deny that scopes the API to the endpoint, so that
/// resource-policy rows do not all also report `missing-endpoint-deny`.
const ENDPOINT_DENY: &str = r#"{"Sid": "Fence", "Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*", "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-0a1b2c3d4e5f60718"}}}"#;

/// A guard that covers only the `test` stage.
const TEST_ONLY_DENY: &str = r#"{"Sid": "Fence", "Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/test/*", "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-0a1b2c3d4e5f60718"}}}"#;

const ROLE: &str = r#"{"AWS": "arn:aws:iam::111122223333:role/app"}"#;

#[test]
fn each_mistake_is_found() {
    // (kind, statements, code, severity, statement index it points at)
    let rows: Vec<(PolicyKind, String, &str, Severity, Option<usize>)> = vec![
        (
            PolicyKind::Identity,
            r#"{"Sid": "All", "Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}"#.into(),
            "invoke-on-any-resource", Severity::Warning, Some(0),
        ),
        (
            PolicyKind::Identity,
            r#"{"Effect": "Allow", "Action": "execute-api:*", "Resource": "*"}"#.into(),
            "invoke-on-any-resource", Severity::Warning, Some(0),
        ),
        (
            PolicyKind::Resource,
            format!(r#"{TEST_ONLY_DENY}, {{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}}"#),
            "open-principal-without-condition", Severity::Warning, Some(1),
        ),
        (
            PolicyKind::Resource,
            format!(r#"{TEST_ONLY_DENY}, {{"Effect": "Allow", "Principal": {{"AWS": "*"}}, "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}}"#),
            "open-principal-without-condition", Severity::Warning, Some(1),
        ),
        (
            PolicyKind::Resource,
            format!(r#"{TEST_ONLY_DENY}, {{"Effect": "Allow", "Principal": {ROLE}, "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}}"#),
            "partial-endpoint-deny", Severity::Warning, Some(1),
        ),
        (
            PolicyKind::Resource,
            // Whether the API is private is not known here: a warning (see
            // the_missing_endpoint_guard_is_as_bad_as_the_api_is_private).
            format!(r#"{{"Effect": "Allow", "Principal": {ROLE}, "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}}"#),
            "missing-endpoint-deny", Severity::Warning, None,
        ),
        (
            PolicyKind::Resource,
            format!(r#"{{"Effect": "Allow", "Principal": {ROLE}, "Action": "execute-api:Invoke", "Resource": "execute-api:/*", "Condition": {{"StringEquals": {{"aws:SourceVpce": "vpce-1"}}}}}}"#),
            "missing-endpoint-deny", Severity::Warning, None,
        ),
        (
            PolicyKind::Resource,
            format!(r#"{ENDPOINT_DENY}, {{"Effect": "Allow", "Principal": {{"AWS": "arn:aws:iam::111122223333::role/name"}}, "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}}"#),
            "malformed-arn", Severity::Error, Some(1),
        ),
        (
            PolicyKind::Resource,
            format!(r#"{ENDPOINT_DENY}, {{"Effect": "Allow", "Principal": {{"AWS": "arn:aws:iam::111122223333:role/*"}}, "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}}"#),
            "wildcard-in-principal", Severity::Error, Some(1),
        ),
        (
            PolicyKind::Identity,
            r#"{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:us-east-1:44445555666:api/prod/GET/x"}"#.into(),
            "malformed-arn", Severity::Error, Some(0),
        ),
        (
            PolicyKind::Identity,
            r#"{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:us-east-1:444455556666:api/prod/get/x"}"#.into(),
            "malformed-arn", Severity::Error, Some(0),
        ),
        (
            PolicyKind::Identity,
            r#"{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:*", "Condition": {"StringEquals": {"aws:SourceVPCEndpoint": "vpce-1"}}}"#.into(),
            "unknown-condition-key", Severity::Warning, Some(0),
        ),
        (
            PolicyKind::Resource,
            format!(r#"{ENDPOINT_DENY}, {{"Effect": "Allow", "Principal": {ROLE}, "Action": "execute-api:Invoke", "Resource": "execute-api:/*", "Condition": {{"StringEquals": {{"aws:ResourceTag/Project": "orders"}}}}}}"#),
            "resource-tag-on-invoke", Severity::Warning, Some(1),
        ),
        (
            PolicyKind::Resource,
            format!(r#"{ENDPOINT_DENY}, {{"Effect": "Allow", "Principal": {ROLE}, "Action": "execute-api:Invoke", "Resource": "execute-api:/*", "Condition": {{"StringEquals": {{"aws:SourceAccount": "111122223333"}}}}}}"#),
            "key-not-documented-for-api-gateway", Severity::Warning, Some(1),
        ),
        (
            PolicyKind::Resource,
            r#"{"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*", "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpc-0123456789abcdef0"}}}"#.into(),
            "vpce-vpc-mixup", Severity::Error, Some(0),
        ),
        (
            PolicyKind::Resource,
            r#"{"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*", "Condition": {"StringNotEquals": {"aws:SourceVpc": "vpce-0a1b2c3d4e5f60718"}}}"#.into(),
            "vpce-vpc-mixup", Severity::Error, Some(0),
        ),
        (
            PolicyKind::Resource,
            format!(r#"{ENDPOINT_DENY}, {{"Effect": "Allow", "Principal": {ROLE}, "Action": "execute-api:Invoke", "Resource": "execute-api:/*", "Condition": {{"IpAddress": {{"aws:SourceIp": "10.0.0.0/8"}}}}}}"#),
            "source-ip-through-endpoint", Severity::Warning, Some(1),
        ),
        (
            PolicyKind::Identity,
            r#"{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "execute-api:/prod/GET/orders"}"#.into(),
            "shorthand-outside-resource-policy", Severity::Error, Some(0),
        ),
        (
            PolicyKind::VpcEndpoint,
            r#"{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/prod/*", "Condition": {"StringEquals": {"aws:PrincipalAccount": "111122223333"}}}"#.into(),
            "shorthand-outside-resource-policy", Severity::Error, Some(0),
        ),
        (
            PolicyKind::Identity,
            r#"{"Effect": "Allow", "NotAction": "*", "Resource": "*"}"#.into(),
            "never-matches", Severity::Error, Some(0),
        ),
        (
            PolicyKind::Identity,
            r#"{"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "*"}"#.into(),
            "never-matches", Severity::Error, Some(0),
        ),
        (
            PolicyKind::Identity,
            r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"Null": {"aws:SourceVpce": "true"}, "StringEquals": {"aws:SourceVpce": "vpce-1"}}}"#.into(),
            "never-matches", Severity::Error, Some(0),
        ),
        (
            PolicyKind::Identity,
            r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"DateLessThan": {"aws:CurrentTime": "2024-01-01T00:00:00Z"}, "DateGreaterThan": {"aws:CurrentTime": "2025-01-01T00:00:00Z"}}}"#.into(),
            "never-matches", Severity::Error, Some(0),
        ),
        (
            PolicyKind::Identity,
            r#"{"Effect": "Allow", "Action": "execute-api:Invok", "Resource": "arn:aws:execute-api:*"}"#.into(),
            "unknown-action", Severity::Error, Some(0),
        ),
        (
            PolicyKind::Identity,
            r#"{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}"#.into(),
            "principal-in-identity-policy", Severity::Error, Some(0),
        ),
        (
            PolicyKind::Resource,
            format!(r#"{ENDPOINT_DENY}, {{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}}"#),
            "missing-principal", Severity::Error, Some(1),
        ),
        (
            PolicyKind::Identity,
            r#"{"Sid": "A", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}, {"Sid": "A", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}"#.into(),
            "duplicate-sid", Severity::Warning, Some(1),
        ),
        (
            PolicyKind::Identity,
            r#"{"Effect": "Allow", "Action": "Invoke", "Resource": "*"}"#.into(),
            "malformed-action", Severity::Error, Some(0),
        ),
    ];
    for (kind, statements, code, severity, index) in rows {
        let found = findings(kind, &statements);
        let hit = found.iter().find(|f| f.code == code);
        let Some(hit) = hit else {
            panic!("{code} not found for {statements}; got {found:#?}");
        };
        assert_eq!(hit.severity, severity, "{code}: {hit}");
        assert_eq!(hit.statement, index, "{code}: {hit}");
    }
}

/// An unknown operator used to reach the linter as a finding while the
/// evaluator dropped the condition; it is now a parse error, so nothing
/// downstream ever sees it.
#[test]
fn unknown_operators_never_reach_the_linter() {
    let text = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*", "Condition": {"StringEqual": {"aws:SourceVpce": "vpce-1"}}}]}"#;
    let err = Policy::parse(text).unwrap_err();
    assert_eq!(err.path(), Some("$.Statement[0].Condition.StringEqual"));
}

#[test]
fn resource_tag_findings_say_which_way_the_condition_goes() {
    let found = findings(
        PolicyKind::Resource,
        &format!(
            r#"{ENDPOINT_DENY}, {{"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*", "Condition": {{"StringNotEquals": {{"aws:ResourceTag/Project": "orders"}}}}}}"#
        ),
    );
    let hit = found
        .iter()
        .find(|f| f.code == "resource-tag-on-invoke")
        .unwrap();
    assert!(hit.message.contains("always holds"), "{hit}");
    let found = findings(
        PolicyKind::Resource,
        &format!(
            r#"{ENDPOINT_DENY}, {{"Effect": "Allow", "Principal": {ROLE}, "Action": "execute-api:Invoke", "Resource": "execute-api:/*", "Condition": {{"StringEquals": {{"aws:ResourceTag/Project": "orders"}}}}}}"#
        ),
    );
    let hit = found
        .iter()
        .find(|f| f.code == "resource-tag-on-invoke")
        .unwrap();
    assert!(hit.message.contains("never holds"), "{hit}");
}

#[test]
fn correct_policies_have_no_findings() {
    let rows: &[(PolicyKind, &str)] = &[
        // An open Allow that the endpoint guard limits is no finding.
        (
            PolicyKind::Resource,
            &format!(
                r#"{ENDPOINT_DENY}, {{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}}"#
            ),
        ),
        (
            PolicyKind::Resource,
            &format!(
                r#"{ENDPOINT_DENY}, {{"Effect": "Allow", "Principal": {ROLE}, "Action": "execute-api:Invoke", "Resource": "execute-api:/prod/*"}}"#
            ),
        ),
        (
            PolicyKind::Identity,
            r#"{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:us-east-1:444455556666:a1b2c3d4e5/prod/GET/orders"}"#,
        ),
        (
            PolicyKind::VpcEndpoint,
            r#"{"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:us-east-1:444455556666:a1b2c3d4e5/*", "Condition": {"StringEquals": {"aws:PrincipalTag/Project": "orders"}, "IpAddress": {"aws:VpcSourceIp": "10.0.0.0/16"}}}"#,
        ),
        (
            PolicyKind::Identity,
            r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/*", "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2024-01-01T00:00:00Z"}, "DateLessThan": {"aws:CurrentTime": "2025-01-01T00:00:00Z"}}}"#,
        ),
    ];
    for (kind, statements) in rows {
        let found = findings(*kind, statements);
        assert!(found.is_empty(), "{statements}: {found:#?}");
    }
}

#[test]
fn a_policy_without_version_is_reported() {
    let policy =
        Policy::parse(r#"{"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}}"#)
            .unwrap();
    let found = lint(&policy, PolicyKind::Identity);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].code, "missing-version");
    assert_eq!(found[0].statement, None);
}

#[test]
fn findings_render_with_sid_and_index() {
    let found = findings(
        PolicyKind::Identity,
        r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}, {"Sid": "All", "Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}"#,
    );
    let text: Vec<String> = found.iter().map(ToString::to_string).collect();
    assert_eq!(text.len(), 1, "{text:?}");
    assert!(
        text[0]
            .starts_with("warning: [statement All/1] Allow execute-api:Invoke on Resource \"*\""),
        "{}",
        text[0]
    );
    assert!(text[0].ends_with("(invoke-on-any-resource)"), "{}", text[0]);
}

#[test]
fn the_missing_endpoint_guard_is_as_bad_as_the_api_is_private() {
    let text = format!(
        r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Principal": {ROLE}, "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}}]}}"#
    );
    let policy = Policy::parse(&text).unwrap();
    let severity = |options| {
        lint_with(&policy, PolicyKind::Resource, options)
            .into_iter()
            .find(|f| f.code == "missing-endpoint-deny")
            .map(|f| f.severity)
    };
    assert_eq!(
        severity(LintOptions::private_api(true)),
        Some(Severity::Error)
    );
    assert_eq!(severity(LintOptions::default()), Some(Severity::Warning));
    assert_eq!(severity(LintOptions::private_api(false)), None);
}
