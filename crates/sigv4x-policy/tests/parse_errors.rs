//! Malformed documents: a clear error with the JSON path, never a panic.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sigv4x_policy::{
    Effect, OperatorKind, ParseError, Policy, PrincipalType, Principals, SetQualifier, Version,
};

#[test]
fn errors_name_the_json_path() {
    let rows: &[(&str, &str, &str)] = &[
        // (document, path, a phrase the message must contain)
        (r#"[]"#, "$", "expected a policy object, found an array"),
        (
            r#"{"Version": "2012-10-17"}"#,
            "$",
            "missing required element `Statement`",
        ),
        (
            r#"{"Version": "2012-10-18", "Statement": []}"#,
            "$.Version",
            "unsupported policy version",
        ),
        (
            r#"{"Version": 2012, "Statement": []}"#,
            "$.Version",
            "expected a string, found a number",
        ),
        (r#"{"statement": []}"#, "$", "unknown element `statement`"),
        (r#"{"Statement": "Allow"}"#, "$.Statement", "found a string"),
        (
            r#"{"Statement": [42]}"#,
            "$.Statement[0]",
            "expected a statement object",
        ),
        (
            r#"{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}, {"Effect": "allow", "Action": "*", "Resource": "*"}]}"#,
            "$.Statement[1].Effect",
            "`allow` is not an effect",
        ),
        (
            r#"{"Statement": {"Action": "*", "Resource": "*"}}"#,
            "$.Statement",
            "missing required element `Effect`",
        ),
        (
            r#"{"Statement": {"Effect": "Allow", "Resource": "*"}}"#,
            "$.Statement",
            "`Action`",
        ),
        (
            r#"{"Statement": {"Effect": "Allow", "Action": "*"}}"#,
            "$.Statement",
            "`Resource`",
        ),
        (
            r#"{"Statement": {"Effect": "Allow", "Action": "*", "NotAction": "s3:*", "Resource": "*"}}"#,
            "$.Statement",
            "`Action` or `NotAction`, not both",
        ),
        (
            r#"{"Statement": {"Effect": "Deny", "Principal": "*", "NotPrincipal": "*", "Action": "*", "Resource": "*"}}"#,
            "$.Statement",
            "`Principal` or `NotPrincipal`",
        ),
        (
            r#"{"Statement": {"Effect": "Allow", "Action": ["*", 7], "Resource": "*"}}"#,
            "$.Statement.Action[1]",
            "expected a string, found a number",
        ),
        (
            r#"{"Statement": {"Effect": "Allow", "Action": [], "Resource": "*"}}"#,
            "$.Statement.Action",
            "empty list",
        ),
        (
            r#"{"Statement": {"Effect": "Allow", "Action": "*", "Resource": {"a": 1}}}"#,
            "$.Statement.Resource",
            "a string or an array of strings",
        ),
        (
            r#"{"Statement": {"Effect": "Allow", "Principal": "111122223333", "Action": "*", "Resource": "*"}}"#,
            "$.Statement.Principal",
            "is not a principal",
        ),
        (
            r#"{"Statement": {"Effect": "Allow", "Principal": {"aws": "*"}, "Action": "*", "Resource": "*"}}"#,
            "$.Statement.Principal",
            "unknown element `aws`",
        ),
        (
            r#"{"Statement": {"Effect": "Allow", "Principal": {"AWS": [null]}, "Action": "*", "Resource": "*"}}"#,
            "$.Statement.Principal.AWS[0]",
            "found null",
        ),
        (
            r#"{"Statement": {"Effect": "Allow", "Principal": {}, "Action": "*", "Resource": "*"}}"#,
            "$.Statement.Principal",
            "names nobody",
        ),
        (
            r#"{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": []}}"#,
            "$.Statement.Condition",
            "an object of condition operators",
        ),
        (
            r#"{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"StringEquals": "x"}}}"#,
            "$.Statement.Condition.StringEquals",
            "an object of condition keys",
        ),
        (
            r#"{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"StringEquals": {}}}}"#,
            "$.Statement.Condition.StringEquals",
            "at least one key",
        ),
        (
            r#"{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"StringEquals": {"aws:SourceVpce": [{"x": 1}]}}}}"#,
            "$.Statement.Condition.StringEquals[\"aws:SourceVpce\"][0]",
            "a string, number or boolean",
        ),
        (
            r#"{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"ForAnyValue:StringLike": {"aws:TagKeys": []}}}}"#,
            "$.Statement.Condition[\"ForAnyValue:StringLike\"][\"aws:TagKeys\"]",
            "empty list",
        ),
        // Variables are substituted now (issue #12); what stays refused is
        // a malformed one, or one where IAM does not substitute.
        (
            r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::bucket/${aws:username/*"}}"#,
            "$.Statement.Resource",
            "policy variable",
        ),
        (
            r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": ["1", "${aws:username}"]}}}}"#,
            "$.Statement.Condition.NumericLessThan[\"aws:MultiFactorAuthAge\"][1]",
            "only in string and ARN conditions",
        ),
        (
            r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": ["*", "arn:aws:iam::${aws:PrincipalAccount}:user/x"]}}"#,
            "$.Statement.Resource[1]",
            "after the fifth colon",
        ),
        (
            r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:${aws:username}", "Resource": "*"}}"#,
            "$.Statement.Action",
            "only in Resource",
        ),
        // Repeated keys, at every level.
        (
            r#"{"Version": "2012-10-17", "Version": "2012-10-17", "Statement": []}"#,
            "$",
            "`Version` appears twice",
        ),
        (
            r#"{"Statement": [{"Effect": "Deny", "Effect": "Allow", "Action": "*", "Resource": "*"}]}"#,
            "$.Statement[0]",
            "`Effect` appears twice",
        ),
        (
            r#"{"Statement": {"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*", "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1"}, "StringNotEquals": {"aws:PrincipalAccount": "111122223333"}}}}"#,
            "$.Statement.Condition",
            "`StringNotEquals` appears twice",
        ),
        (
            r#"{"Statement": {"Effect": "Allow", "Principal": {"AWS": "1", "AWS": "2"}, "Action": "*", "Resource": "*"}}"#,
            "$.Statement.Principal",
            "`AWS` appears twice",
        ),
        (
            r#"{"Statement": {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1", "aws:SourceVpce": "vpce-2"}}}}"#,
            "$.Statement.Condition.StringNotEquals",
            "`aws:SourceVpce` appears twice",
        ),
        // The same key in another case, in one block.
        (
            r#"{"Statement": {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1", "aws:sourcevpce": "vpce-2"}}}}"#,
            "$.Statement.Condition.StringNotEquals",
            "differ only in case",
        ),
        // Operators IAM does not have, in any case.
        (
            r#"{"Statement": {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"StringNotEqual": {"aws:SourceVpce": "vpce-1"}}}}"#,
            "$.Statement.Condition.StringNotEqual",
            "did you mean `StringNotEquals`?",
        ),
        (
            r#"{"Statement": {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"stringnotequals": {"aws:SourceVpce": "vpce-1"}}}}"#,
            "$.Statement.Condition.stringnotequals",
            "operator names are case-sensitive",
        ),
        (
            r#"{"Statement": {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"ForAnyValue:NullIfExists": {"aws:SourceVpce": "true"}}}}"#,
            "$.Statement.Condition[\"ForAnyValue:NullIfExists\"]",
            "is not a condition operator",
        ),
        (
            r#"{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*", "Effects": "Deny"}}"#,
            "$.Statement",
            "unknown element `Effects`",
        ),
        // Values the operator cannot read (Access Analyzer: invalid
        // condition data type): a Deny carrying one would never apply.
        (
            r#"{"Statement": {"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "1"}}}}"#,
            "$.Statement.Condition.Bool[\"aws:SecureTransport\"]",
            "invalid condition data type for Bool: `1` is not a Bool value: write true or false",
        ),
        (
            r#"{"Statement": {"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*", "Condition": {"Null": {"aws:SourceVpce": "yes"}}}}"#,
            "$.Statement.Condition.Null[\"aws:SourceVpce\"]",
            "`yes` is not a Null value",
        ),
        (
            r#"{"Statement": {"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "10.0.0.0/33"]}}}}"#,
            "$.Statement.Condition.IpAddress[\"aws:SourceIp\"][1]",
            "`10.0.0.0/33` is not an IPv4 or IPv6 address or CIDR block",
        ),
        (
            r#"{"Statement": {"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*", "Condition": {"NumericGreaterThan": {"aws:MultiFactorAuthAge": "+100"}}}}"#,
            "$.Statement.Condition.NumericGreaterThan[\"aws:MultiFactorAuthAge\"]",
            "`+100` is not an integer or decimal number",
        ),
        (
            r#"{"Statement": {"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*", "Condition": {"DateGreaterThan": {"aws:CurrentTime": "June 1, 2024"}}}}"#,
            "$.Statement.Condition.DateGreaterThan[\"aws:CurrentTime\"]",
            "is not an ISO 8601 date",
        ),
        // NotPrincipal: Deny only, and no wildcard.
        (
            r#"{"Statement": {"Effect": "Allow", "NotPrincipal": {"AWS": "*"}, "Action": "*", "Resource": "*"}}"#,
            "$.Statement.NotPrincipal",
            "NotPrincipal with \"Effect\": \"Allow\" is not supported",
        ),
        (
            r#"{"Statement": {"Effect": "Deny", "NotPrincipal": "*", "Action": "*", "Resource": "*"}}"#,
            "$.Statement.NotPrincipal",
            "unsupported wildcard in principal",
        ),
        // Spaces inside a variable's name (Access Analyzer: unsupported
        // space in variable), at either end too.
        (
            r#"{"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*", "Condition": {"StringNotEquals": {"aws:SourceVpce": "${aws: SourceVpce}"}}}}"#,
            "$.Statement.Condition.StringNotEquals[\"aws:SourceVpce\"]",
            "unsupported space in variable",
        ),
        (
            r#"{"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*", "Condition": {"StringNotEquals": {"aws:SourceVpce": "${ aws:SourceVpce }"}}}}"#,
            "$.Statement.Condition.StringNotEquals[\"aws:SourceVpce\"]",
            "unsupported space in variable",
        ),
    ];
    for (document, path, phrase) in rows {
        let err = Policy::parse(document).expect_err(document);
        assert_eq!(err.path(), Some(*path), "{document}: {err}");
        let message = err.to_string();
        assert!(
            message.contains(phrase),
            "{document}: `{message}` lacks `{phrase}`"
        );
        assert!(message.starts_with(&format!("at {path}: ")), "{message}");
    }
}

#[test]
fn invalid_json_gives_line_and_column() {
    let err =
        Policy::parse("{\n  \"Statement\": [\n    {\"Effect\": \"Allow\",,}\n  ]\n}").unwrap_err();
    match &err {
        ParseError::Json { line, column, .. } => assert_eq!((*line, *column), (3, 24)),
        other => panic!("expected a JSON error, got {other:?}"),
    }
    assert_eq!(err.path(), None);
    assert!(err
        .to_string()
        .starts_with("not valid JSON at line 3, column 24"));
}

#[test]
fn the_2008_language_keeps_dollar_braces_literal() {
    let policy = Policy::parse(
        r#"{"Version": "2008-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b/${x}"}}"#,
    )
    .unwrap();
    assert_eq!(policy.version, Some(Version::V2008_10_17));
    assert_eq!(
        policy.statements[0].resource.patterns,
        ["arn:aws:s3:::b/${x}"]
    );
}

#[test]
fn well_formed_documents_parse_to_the_model() {
    let policy = Policy::parse(
        r#"{
        "Version": "2012-10-17",
        "Id": "p1",
        "Statement": {
            "Sid": "One",
            "Effect": "Deny",
            "NotPrincipal": {"AWS": ["111122223333", "arn:aws:iam::111122223333:role/r"], "Service": "lambda.amazonaws.com"},
            "NotAction": "execute-api:ManageConnections",
            "Resource": ["execute-api:/prod/*"],
            "Condition": {
                "ForAllValues:StringLikeIfExists": {"aws:TagKeys": ["a*", "b"]},
                "NumericLessThan": {"aws:MultiFactorAuthAge": 3600},
                "Bool": {"aws:SecureTransport": false}
            }
        }
    }"#,
    )
    .unwrap();
    assert_eq!(policy.id.as_deref(), Some("p1"));
    let s = &policy.statements[0];
    assert_eq!(s.sid.as_deref(), Some("One"));
    assert_eq!(s.effect, Effect::Deny);
    let principal = s.principal.as_ref().unwrap();
    assert!(principal.negated);
    let Principals::Listed(ids) = &principal.principals else {
        panic!("expected listed principals");
    };
    assert_eq!(ids.len(), 3);
    assert_eq!(ids[2].kind, PrincipalType::Service);
    assert!(s.action.negated);
    assert!(!s.resource.negated);
    // Conditions come sorted by operator, then key.
    let ops: Vec<_> = s.conditions.iter().map(|c| c.operator.kind).collect();
    assert_eq!(
        ops,
        [
            OperatorKind::Bool,
            OperatorKind::StringLike,
            OperatorKind::NumericLessThan
        ]
    );
    assert_eq!(s.conditions[0].values, ["false"]);
    assert_eq!(
        s.conditions[1].operator.qualifier,
        Some(SetQualifier::ForAllValues)
    );
    assert!(s.conditions[1].operator.if_exists);
    assert_eq!(s.conditions[2].values, ["3600"]);
}
