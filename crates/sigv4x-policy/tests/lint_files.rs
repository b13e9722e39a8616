//! The linter on files: for each rule, one file that must trigger it and
//! one correct AWS documentation example that must not. The kind is
//! inferred from the content (and file name), as the CLI does, unless the
//! row gives it. Files live in `tests/lint-files/{trigger,clean}/`.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sigv4x_policy::{infer_kind, lint_with, LintOptions, Policy, PolicyKind};

const PRIVATE_EXAMPLE: &str = "aws-private-api-allow-only-from-my-vpce.json";
const CROSS_EXAMPLE: &str = "aws-cross-account.json";
const IP_EXAMPLE: &str = "aws-ip-deny.json";
const ENDPOINT_EXAMPLE: &str = "aws-vpce-endpoint-policy.json";
const IDENTITY_EXAMPLE: &str = "aws-identity-invoke.json";
const TAG_EXAMPLE: &str = "aws-tag-condition.json";

/// The pages the clean examples come from: resource policies from
/// `EXAMPLES`, the endpoint policy from
/// <https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-vpc-endpoint-policies.html>,
/// the identity policy from `IDENTITY_EXAMPLES`.
const EXAMPLES: &str = "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-resource-policies-examples.html";
const IDENTITY_EXAMPLES: &str = "https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-control-access-using-iam-policies-to-invoke-api.html";

struct Row {
    /// The finding's code, or `parse-error`.
    code: &'static str,
    trigger: &'static str,
    clean: &'static str,
    /// The kind, when the content does not say it.
    kind: Option<PolicyKind>,
    /// The page the rule rests on.
    doc: &'static str,
}

const fn row(
    code: &'static str,
    trigger: &'static str,
    clean: &'static str,
    doc: &'static str,
) -> Row {
    Row {
        code,
        trigger,
        clean,
        kind: None,
        doc,
    }
}

const ROWS: &[Row] = &[
    row("duplicate-sid", "duplicate-sid.json", PRIVATE_EXAMPLE, "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_sid.html"),
    row("endpoint-policy-constraint", "vpce-endpoint-policy-constraint.json", ENDPOINT_EXAMPLE, "https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html"),
    row("for-all-values-on-single-valued-key", "for-all-values-on-single-valued-key.json", TAG_EXAMPLE, "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html"),
    row("invalid-principal-format", "invalid-principal-format.json", CROSS_EXAMPLE, "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html"),
    row("invalid-arn-service-case", "invalid-arn-service-case.json", CROSS_EXAMPLE, "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html"),
    row("principal-partition-mismatch", "principal-partition-mismatch.json", CROSS_EXAMPLE, "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html"),
    row("invoke-on-any-resource", "invoke-on-any-resource.json", IDENTITY_EXAMPLE, IDENTITY_EXAMPLES),
    row("key-not-documented-for-api-gateway", "key-not-documented-for-api-gateway.json", IP_EXAMPLE, "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-resource-policies-aws-condition-keys.html"),
    row("malformed-action", "malformed-action.json", IDENTITY_EXAMPLE, "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html"),
    row("malformed-arn", "malformed-arn.json", CROSS_EXAMPLE, "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html"),
    row("missing-endpoint-deny", "missing-endpoint-deny.json", PRIVATE_EXAMPLE, EXAMPLES),
    row("missing-principal", "missing-principal-endpoint.json", ENDPOINT_EXAMPLE, "https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html"),
    row("missing-version", "missing-version.json", IDENTITY_EXAMPLE, "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html"),
    row("never-matches", "never-matches.json", TAG_EXAMPLE, "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html"),
    row("no-statements", "no-statements.json", PRIVATE_EXAMPLE, "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html"),
    row("open-principal-without-condition", "open-principal-without-condition.json", IP_EXAMPLE, EXAMPLES),
    row("partial-endpoint-deny", "partial-endpoint-deny.json", PRIVATE_EXAMPLE, EXAMPLES),
    Row { kind: Some(PolicyKind::Identity), ..row("principal-in-identity-policy", "principal-in-identity-policy.json", IDENTITY_EXAMPLE, "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html") },
    row("resource-tag-on-invoke", "resource-tag-on-invoke.json", TAG_EXAMPLE, "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-resource-policies-aws-condition-keys.html"),
    Row { kind: Some(PolicyKind::Identity), ..row("shorthand-outside-resource-policy", "shorthand-outside-resource-policy.json", IDENTITY_EXAMPLE, EXAMPLES) },
    row("source-ip-through-endpoint", "source-ip-through-endpoint.json", PRIVATE_EXAMPLE, "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html"),
    row("unknown-action", "unknown-action.json", IDENTITY_EXAMPLE, "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonapigateway.html"),
    row("unknown-condition-key", "unknown-condition-key.json", TAG_EXAMPLE, "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html"),
    row("vpce-vpc-mixup", "vpce-vpc-mixup.json", PRIVATE_EXAMPLE, "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-resource-policies-aws-condition-keys.html"),
    row("wildcard-in-principal", "wildcard-in-principal.json", CROSS_EXAMPLE, "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html"),
    // Refused by the parser: the linter never sees them, the CLI reports
    // them as `parse-error`.
    row("parse-error", "unknown-operator.json", PRIVATE_EXAMPLE, "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html"),
    row("parse-error", "duplicate-key.json", PRIVATE_EXAMPLE, "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html"),
    row("parse-error", "not-principal-with-allow.json", CROSS_EXAMPLE, "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html"),
    row("parse-error", "invalid-condition-data-type.json", PRIVATE_EXAMPLE, "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html"),
    row("parse-error", "duplicate-key-case.json", PRIVATE_EXAMPLE, "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html"),
];

fn read(dir: &str, file: &str) -> String {
    let path = format!(
        "{}/tests/lint-files/{dir}/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The codes the linter (or the parser, as `parse-error`) reports.
fn codes(dir: &str, file: &str, kind: Option<PolicyKind>) -> Vec<String> {
    let policy = match Policy::parse(&read(dir, file)) {
        Ok(policy) => policy,
        Err(_) => return vec!["parse-error".to_owned()],
    };
    let kind = kind.unwrap_or_else(|| infer_kind(&policy, Some(file)));
    lint_with(&policy, kind, LintOptions::default())
        .into_iter()
        .map(|f| f.code.to_owned())
        .collect()
}

#[test]
fn each_rule_has_a_trigger_and_a_clean_aws_example() {
    let mut failures = Vec::new();
    for row in ROWS {
        let triggered = codes("trigger", row.trigger, row.kind);
        if !triggered.iter().any(|c| c == row.code) {
            failures.push(format!(
                "{}: {} does not trigger it: {triggered:?} ({})",
                row.code, row.trigger, row.doc
            ));
        }
        let clean = codes("clean", row.clean, None);
        if clean.iter().any(|c| c == row.code) {
            failures.push(format!(
                "{}: the AWS example {} triggers it ({})",
                row.code, row.clean, row.doc
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every code the linter has is covered by a row.
#[test]
fn every_rule_has_a_row() {
    let source = [
        include_str!("../src/lint.rs"),
        include_str!("../src/lint/guard.rs"),
    ]
    .concat();
    for line in source.lines() {
        let code = line.trim().trim_end_matches(',').trim_matches('"');
        let looks_like_code = line.trim().starts_with('"')
            && line.trim().ends_with("\",")
            && code.contains('-')
            && code.bytes().all(|b| b.is_ascii_lowercase() || b == b'-');
        // `unknown-condition-operator` is unreachable: the parser refuses
        // unknown operators (covered by the parse-error rows).
        if looks_like_code && code != "unknown-condition-operator" {
            assert!(
                ROWS.iter().any(|r| r.code == code),
                "no lint file row for `{code}`"
            );
        }
    }
}

/// The clean AWS examples are inferred as the kind they are.
#[test]
fn the_aws_examples_are_inferred_as_their_kind() {
    for (file, kind) in [
        (PRIVATE_EXAMPLE, PolicyKind::Resource),
        (CROSS_EXAMPLE, PolicyKind::Resource),
        (IP_EXAMPLE, PolicyKind::Resource),
        (ENDPOINT_EXAMPLE, PolicyKind::VpcEndpoint),
        (IDENTITY_EXAMPLE, PolicyKind::Identity),
        (TAG_EXAMPLE, PolicyKind::Identity),
    ] {
        let policy = Policy::parse(&read("clean", file)).unwrap();
        assert_eq!(infer_kind(&policy, Some(file)), kind, "{file}");
    }
    // AWS's private-API example under an endpoint-sounding name is still
    // a resource policy, and lints clean of errors.
    let policy = Policy::parse(&read("clean", PRIVATE_EXAMPLE)).unwrap();
    let kind = infer_kind(&policy, Some("allow-only-from-my-vpce.json"));
    assert_eq!(kind, PolicyKind::Resource);
    let errors: Vec<_> = lint_with(&policy, kind, LintOptions::private_api(true))
        .into_iter()
        .filter(|f| f.severity == sigv4x_policy::Severity::Error)
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
}
