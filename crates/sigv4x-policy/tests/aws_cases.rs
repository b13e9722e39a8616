//! Evaluation cases against AWS's documented evaluation logic, one table
//! row per case: the policies of each layer, the caller and request keys,
//! and the expected decision with the statement (or layer) that decides.
//! Every row names the AWS documentation page it rests on; rows marked
//! "inference" go beyond what the page states, and say how.
//!
//! Shortcuts keep rows short: `allow_if` is a resource policy whose only
//! statement (Sid `Cond`) allows everyone when its condition holds;
//! `deny_if` is a resource policy that allows everyone (Sid `All`) and
//! denies (Sid `Guard`) when its condition holds. The default caller is a
//! role session in the API's own account, so the resource policy alone can
//! allow.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sigv4x_policy::{Authorizer, Caller, NamedPolicy, Outcome, Policy, PolicyKind, RequestContext};

const OPS: &str = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html";
const COND: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html";
const GRAMMAR: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html";
const VARS: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html";
const KEYS: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html";
const MULTI: &str = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html";
const EVAL: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html";
const CROSS: &str = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html";
const PRINCIPAL: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html";
const NOTPRINCIPAL: &str = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html";
const ACTION: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html";
const NOTACTION: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html";
const RESOURCE: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html";
const NOTRESOURCE: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notresource.html";
const ANALYZER: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html";
const APIGW_FLOW: &str =
    "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-authorization-flow.html";
const APIGW_EXAMPLES: &str = "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-resource-policies-examples.html";
const APIGW_KEYS: &str = "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-resource-policies-aws-condition-keys.html";
const APIGW_ENDPOINT: &str = "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-vpc-endpoint-policies.html";
const APIGW_PRIVATE: &str =
    "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-private-apis.html";

const ROUTE: &str = "arn:aws:execute-api:us-east-1:444455556666:a1b2c3d4e5/prod/GET/orders";
/// A session of `app-role` in the API's account.
const S1: &str = "arn:aws:sts::444455556666:assumed-role/app-role/s1";
const S2: &str = "arn:aws:sts::444455556666:assumed-role/app-role/s2";
/// A session in another account.
const X1: &str = "arn:aws:sts::111122223333:assumed-role/app-role/s1";
const ALICE: &str = "arn:aws:iam::444455556666:user/dev/alice";
const ROOT: &str = "arn:aws:iam::444455556666:root";
const ROLE_ID: &str = "AROAEXAMPLEROLEID123";
const USER_ID: &str = "AIDAEXAMPLEUSERID123";
const VPCE: &str = "vpce-0a1b2c3d4e5f60718";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    /// Allowed; the deciding statement's Sid.
    Allow(&'static str),
    /// Explicitly denied by the statement with this Sid.
    Deny(&'static str),
    /// Implicitly denied; the layer that lacked an allow.
    Implicit(PolicyKind),
    /// A policy does not parse; the JSON path of the problem.
    Refused(&'static str),
}

#[derive(Debug, Clone)]
struct Case {
    name: &'static str,
    doc: &'static str,
    endpoint: Option<&'static str>,
    resource: Option<&'static str>,
    identity: &'static [&'static str],
    allow_if: Option<&'static str>,
    deny_if: Option<&'static str>,
    version: &'static str,
    principal: Option<&'static str>,
    role_arn: Option<&'static str>,
    unique_id: Option<&'static str>,
    keys: &'static [(&'static str, &'static [&'static str])],
    action: &'static str,
    resource_arn: &'static str,
    want: Want,
}

fn base(name: &'static str, doc: &'static str, want: Want) -> Case {
    Case {
        name,
        doc,
        endpoint: None,
        resource: None,
        identity: &[],
        allow_if: None,
        deny_if: None,
        version: "2012-10-17",
        principal: Some(S1),
        role_arn: None,
        unique_id: None,
        keys: &[],
        action: "execute-api:Invoke",
        resource_arn: ROUTE,
        want,
    }
}

use PolicyKind::{Identity as I, Resource as R, VpcEndpoint as E};
use Want::{Allow, Deny, Implicit, Refused};

/// A statement list `[...]` becomes a 2012-10-17 policy; a whole document
/// is kept.
fn document(text: &str) -> String {
    if text.trim_start().starts_with('[') {
        format!(r#"{{"Version": "2012-10-17", "Statement": {text}}}"#)
    } else {
        text.to_owned()
    }
}

fn shortcut(case: &Case) -> Option<String> {
    const ALL: &str =
        r#""Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*""#;
    let v = case.version;
    if let Some(c) = case.allow_if {
        return Some(format!(
            r#"{{"Version": "{v}", "Statement": [{{"Sid": "Cond", "Effect": "Allow", {ALL}, "Condition": {c}}}]}}"#
        ));
    }
    case.deny_if.map(|c| {
        format!(
            r#"{{"Version": "{v}", "Statement": [{{"Sid": "All", "Effect": "Allow", {ALL}}}, {{"Sid": "Guard", "Effect": "Deny", {ALL}, "Condition": {c}}}]}}"#
        )
    })
}

fn caller(case: &Case) -> Option<Caller> {
    let principal = case.principal?;
    let mut caller = Caller::new(principal).unwrap();
    if let Some(role) = case.role_arn {
        caller = caller.with_role_arn(role).unwrap();
    }
    if let Some(id) = case.unique_id {
        caller = caller.with_unique_id(id).unwrap();
    }
    Some(caller)
}

/// Build the authorizer, or the first parse error's path.
fn authorizer(case: &Case) -> Result<Authorizer, String> {
    let parse = |text: &str| {
        Policy::parse(&document(text))
            .map_err(|e| e.path().unwrap_or("").to_owned() + " | " + &e.to_string())
    };
    let mut authorizer = Authorizer::new();
    if let Some(text) = case.endpoint {
        authorizer = authorizer.with_endpoint_policy(NamedPolicy::new("endpoint", parse(text)?));
    }
    let resource = shortcut(case).or(case.resource.map(str::to_owned));
    if let Some(text) = resource {
        authorizer = authorizer.with_resource_policy(NamedPolicy::new("resource", parse(&text)?));
    }
    for text in case.identity {
        authorizer = authorizer.with_identity_policy(NamedPolicy::new("identity", parse(text)?));
    }
    Ok(authorizer)
}

fn run(case: &Case) -> Result<(), String> {
    let authorizer = match (authorizer(case), case.want) {
        (Ok(_), Refused(path)) => return Err(format!("parsed, but should be refused at {path}")),
        (Err(e), Refused(path)) if e.starts_with(&format!("{path} | ")) => return Ok(()),
        (Err(e), _) => return Err(format!("refused: {e}")),
        (Ok(a), _) => a,
    };
    let mut ctx = RequestContext::new(case.action, case.resource_arn);
    match case.principal {
        // Text that is no principal ARN is taken as it is, as the library
        // does (`RequestContext::with_principal`).
        Some(text) if Caller::new(text).is_err() => ctx = ctx.with_principal(text),
        _ => {
            if let Some(caller) = caller(case) {
                ctx = ctx.with_caller(&caller);
            }
        }
    }
    for (key, values) in case.keys {
        ctx = ctx.with_values(key, values.iter().copied());
    }
    let decision = authorizer.decide(&ctx);
    let sid = decision.decided_by.and_then(|d| d.statement.sid);
    let ok = match (decision.outcome, case.want) {
        (Outcome::Allow, Allow(want)) | (Outcome::ExplicitDeny, Deny(want)) => sid == Some(want),
        (Outcome::ImplicitDeny, Implicit(layer)) => decision.layer == layer,
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "got {:?} by {sid:?} in {:?}: {decision}",
            decision.outcome, decision.layer
        ))
    }
}

#[test]
fn aws_documented_evaluation() {
    let cases = cases();
    assert!(cases.len() >= 120, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        assert!(
            case.doc.starts_with("https://docs.aws.amazon.com/"),
            "{}",
            case.name
        );
        if let Err(why) = run(case) {
            failures.push(format!(
                "{}: want {:?}, {why}\n    (rests on {})",
                case.name, case.want, case.doc
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// Shorthands for the rows below.
const ALLOW_ALL: &str = r#"[{"Sid": "All", "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]"#;
const ID_ALLOW: &str = r#"[{"Sid": "Id", "Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:us-east-1:444455556666:a1b2c3d4e5/*"}]"#;
const ID_DENY: &str =
    r#"[{"Sid": "IdDeny", "Effect": "Deny", "Action": "execute-api:Invoke", "Resource": "*"}]"#;

#[allow(clippy::too_many_lines, clippy::vec_init_then_push)]
fn cases() -> Vec<Case> {
    let mut c = Vec::new();
    // --- Issue #12, item 1: unknown operators are refused, in any case.
    c.push(Case {
        deny_if: Some(r#"{"StringNotEqual": {"aws:SourceVpce": "vpce-0a1b2c3d4e5f60718"}}"#),
        ..base(
            "misspelt operator in a Deny guard is refused",
            ANALYZER,
            Refused("$.Statement[1].Condition.StringNotEqual"),
        )
    });
    c.push(Case {
        deny_if: Some(r#"{"stringnotequals": {"aws:SourceVpce": "vpce-0a1b2c3d4e5f60718"}}"#),
        ..base(
            "operator in lower case is refused (names are case-sensitive)",
            COND,
            Refused("$.Statement[1].Condition.stringnotequals"),
        )
    });
    c.push(Case {
        allow_if: Some(r#"{"stringequals": {"aws:SourceVpce": "vpce-0a1b2c3d4e5f60718"}}"#),
        ..base(
            "stringequals in an Allow is refused",
            COND,
            Refused("$.Statement[0].Condition.stringequals"),
        )
    });
    c.push(Case {
        deny_if: Some(r#"{"ForAnyValue:Null": {"aws:SourceVpce": "true"}}"#),
        ..base(
            "Null takes no set qualifier",
            OPS,
            Refused("$.Statement[1].Condition[\"ForAnyValue:Null\"]"),
        )
    });
    c.push(Case {
        deny_if: Some(r#"{"NullIfExists": {"aws:SourceVpce": "true"}}"#),
        ..base(
            "Null takes no IfExists",
            OPS,
            Refused("$.Statement[1].Condition.NullIfExists"),
        )
    });
    c.push(Case {
        deny_if: Some(r#"{"StringEqualsIfExist": {"aws:SourceVpce": "x"}}"#),
        ..base(
            "IfExist without s is refused",
            OPS,
            Refused("$.Statement[1].Condition.StringEqualsIfExist"),
        )
    });
    // --- Item 2: duplicate keys, at every level.
    c.push(Case { resource: Some(r#"[{"Sid": "All", "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}, {"Sid": "Guard", "Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*", "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-0a1b2c3d4e5f60718"}, "StringNotEquals": {"aws:PrincipalAccount": "444455556666"}}}]"#), ..base("two StringNotEquals blocks in one Condition are refused", GRAMMAR, Refused("$.Statement[1].Condition")) });
    c.push(Case { resource: Some(r#"[{"Sid": "All", "Effect": "Deny", "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]"#), ..base("Effect given twice is refused", GRAMMAR, Refused("$.Statement[0]")) });
    c.push(Case { resource: Some(r#"{"Version": "2012-10-17", "Statement": [], "Statement": [{"Sid": "All", "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]}"#), ..base("Statement given twice is refused", GRAMMAR, Refused("$")) });
    c.push(Case { resource: Some(r#"[{"Sid": "All", "Effect": "Allow", "Principal": {"AWS": "111122223333", "AWS": "444455556666"}, "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]"#), ..base("AWS given twice in Principal is refused", GRAMMAR, Refused("$.Statement[0].Principal")) });
    c.push(Case {
        deny_if: Some(
            r#"{"StringNotEquals": {"aws:SourceVpce": "vpce-1", "aws:SourceVpce": "vpce-2"}}"#,
        ),
        ..base(
            "the same key twice in one block is refused",
            GRAMMAR,
            Refused("$.Statement[1].Condition.StringNotEquals"),
        )
    });
    // --- Item 3: the same key differing only in case.
    c.push(Case { deny_if: Some(r#"{"StringNotEquals": {"aws:SourceVpce": "vpce-0a1b2c3d4e5f60718", "aws:sourcevpce": "vpce-0fffffffffffffff0"}}"#), ..base("aws:SourceVpce and aws:sourcevpce in one block are refused", ANALYZER, Refused("$.Statement[1].Condition.StringNotEquals")) });
    c.push(Case { deny_if: Some(r#"{"StringNotEquals": {"aws:SourceVpce": "vpce-0a1b2c3d4e5f60718"}, "StringNotLike": {"AWS:SOURCEVPCE": "vpce-0*"}}"#), keys: &[("aws:SourceVpce", &[VPCE])], ..base("one key in two operator blocks is fine, and matches without case", COND, Allow("All")) });
    // --- Item 4: aws:userid.
    c.push(Case {
        deny_if: Some(r#"{"StringNotLike": {"aws:userid": "*:s1"}}"#),
        unique_id: Some(ROLE_ID),
        ..base(
            "aws:userid of a role session is role-id:session (spared)",
            VARS,
            Allow("All"),
        )
    });
    c.push(Case {
        deny_if: Some(r#"{"StringNotLike": {"aws:userid": "*:s1"}}"#),
        principal: Some(S2),
        unique_id: Some(ROLE_ID),
        ..base(
            "aws:userid of another session meets the guard",
            VARS,
            Deny("Guard"),
        )
    });
    c.push(Case {
        deny_if: Some(r#"{"StringNotLike": {"aws:userid": "*:s1"}}"#),
        ..base(
            "without the role id aws:userid is absent, so StringNotLike holds",
            OPS,
            Deny("Guard"),
        )
    });
    c.push(Case {
        allow_if: Some(r#"{"StringEquals": {"aws:userid": "AROAEXAMPLEROLEID123:s1"}}"#),
        unique_id: Some(ROLE_ID),
        ..base("aws:userid equals role-id:session", VARS, Allow("Cond"))
    });
    c.push(Case {
        allow_if: Some(r#"{"StringEquals": {"aws:userid": "AIDAEXAMPLEUSERID123"}}"#),
        principal: Some(ALICE),
        unique_id: Some(USER_ID),
        ..base(
            "aws:userid of an IAM user is its unique id",
            VARS,
            Allow("Cond"),
        )
    });
    c.push(Case {
        allow_if: Some(r#"{"StringEquals": {"aws:userid": "444455556666"}}"#),
        principal: Some(ROOT),
        ..base(
            "aws:userid of the account root is the account id",
            VARS,
            Allow("Cond"),
        )
    });
    c.push(Case {
        allow_if: Some(r#"{"Null": {"aws:userid": "true"}}"#),
        principal: None,
        ..base("an anonymous caller has no aws:userid", VARS, Allow("Cond"))
    });
    // --- Item 5: aws:username.
    c.push(Case {
        allow_if: Some(r#"{"StringEquals": {"aws:username": "alice"}}"#),
        principal: Some(ALICE),
        ..base(
            "aws:username is the user's friendly name, without its path",
            VARS,
            Allow("Cond"),
        )
    });
    c.push(Case {
        allow_if: Some(r#"{"StringEquals": {"aws:username": "Alice"}}"#),
        principal: Some(ALICE),
        ..base(
            "StringEquals on aws:username respects case",
            COND,
            Implicit(I),
        )
    });
    c.push(Case {
        allow_if: Some(r#"{"StringEqualsIgnoreCase": {"aws:username": "ALICE"}}"#),
        principal: Some(ALICE),
        ..base(
            "StringEqualsIgnoreCase on aws:username ignores case",
            COND,
            Allow("Cond"),
        )
    });
    c.push(Case {
        allow_if: Some(r#"{"Null": {"aws:username": "true"}}"#),
        ..base("a role session has no aws:username", VARS, Allow("Cond"))
    });
    // --- Item 6: policy variables.
    c.push(Case {
        allow_if: Some(r#"{"StringEquals": {"aws:PrincipalTag/team": "${aws:username}"}}"#),
        principal: Some(ALICE),
        keys: &[("aws:PrincipalTag/team", &["alice"])],
        ..base("${aws:username} in a condition value", VARS, Allow("Cond"))
    });
    c.push(Case { resource: Some(r#"[{"Sid": "Own", "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/prod/GET/${aws:username}"}]"#), principal: Some(ALICE), resource_arn: "arn:aws:execute-api:us-east-1:444455556666:a1b2c3d4e5/prod/GET/alice", ..base("${aws:username} in the shorthand Resource", VARS, Allow("Own")) });
    c.push(Case { resource: Some(r#"[{"Sid": "Own", "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/prod/GET/${aws:username}"}]"#), principal: Some(ALICE), resource_arn: "arn:aws:execute-api:us-east-1:444455556666:a1b2c3d4e5/prod/GET/bob", ..base("${aws:username} in Resource does not cover another user's route", VARS, Implicit(I)) });
    c.push(Case { identity: &[r#"[{"Sid": "Stage", "Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:us-east-1:444455556666:a1b2c3d4e5/${aws:PrincipalTag/stage}/*"}]"#], keys: &[("aws:PrincipalTag/stage", &["prod"])], ..base("${aws:PrincipalTag/stage} after the fifth colon of a Resource ARN", VARS, Allow("Stage")) });
    c.push(Case { identity: &[r#"[{"Sid": "Stage", "Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:us-east-1:444455556666:a1b2c3d4e5/${aws:PrincipalTag/stage}/*"}]"#], ..base("an untagged caller: the variable's key is absent, the Resource matches nothing", VARS, Implicit(I)) });
    c.push(Case { identity: &[r#"[{"Sid": "X", "Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:${aws:RequestedRegion}:444455556666:a1b2c3d4e5/*"}]"#], ..base("a variable before the fifth colon is refused", VARS, Refused("$.Statement[0].Resource")) });
    c.push(Case {
        allow_if: Some(r#"{"StringEquals": {"aws:PrincipalTag/endpoint": "${aws:SourceVpce}"}}"#),
        keys: &[
            ("aws:SourceVpce", &[VPCE]),
            ("aws:PrincipalTag/endpoint", &[VPCE]),
        ],
        ..base(
            "${aws:SourceVpce} and other request keys substitute",
            VARS,
            Allow("Cond"),
        )
    });
    c.push(Case {
        allow_if: Some(r#"{"StringEquals": {"aws:PrincipalTag/team": "${aws:username}"}}"#),
        keys: &[("aws:PrincipalTag/team", &["s1"])],
        ..base(
            "${aws:username} of a role session is absent: the value matches nothing",
            VARS,
            Implicit(I),
        )
    });
    c.push(Case {
        allow_if: Some(
            r#"{"StringEquals": {"aws:PrincipalTag/team": "${aws:username, 'anonymous'}"}}"#,
        ),
        keys: &[("aws:PrincipalTag/team", &["anonymous"])],
        ..base(
            "a default value stands in for an absent key",
            VARS,
            Allow("Cond"),
        )
    });
    c.push(Case {
        allow_if: Some(
            r#"{"StringEquals": {"aws:PrincipalTag/team": "${aws:username,'anonymous'}"}}"#,
        ),
        principal: Some(ALICE),
        keys: &[("aws:PrincipalTag/team", &["anonymous"])],
        ..base(
            "a default is not used when the key is present",
            VARS,
            Implicit(I),
        )
    });
    c.push(Case { resource: Some(r#"[{"Sid": "Anon", "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/prod/GET/${aws:userid, 'anonymous'}"}]"#), principal: None, resource_arn: "arn:aws:execute-api:us-east-1:444455556666:a1b2c3d4e5/prod/GET/anonymous", ..base("${aws:userid, 'anonymous'} for an anonymous caller", VARS, Allow("Anon")) });
    c.push(Case { resource: Some(r#"[{"Sid": "Star", "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/prod/GET/a${*}"}]"#), resource_arn: "arn:aws:execute-api:us-east-1:444455556666:a1b2c3d4e5/prod/GET/a*", ..base("${*} is a literal asterisk", VARS, Allow("Star")) });
    c.push(Case { resource: Some(r#"[{"Sid": "Star", "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/prod/GET/a${*}"}]"#), resource_arn: "arn:aws:execute-api:us-east-1:444455556666:a1b2c3d4e5/prod/GET/abc", ..base("${*} is no wildcard", VARS, Implicit(I)) });
    c.push(Case { resource: Some(r#"[{"Sid": "Q", "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/prod/GET/q${?}"}]"#), resource_arn: "arn:aws:execute-api:us-east-1:444455556666:a1b2c3d4e5/prod/GET/qx", ..base("${?} is no single-character wildcard", VARS, Implicit(I)) });
    c.push(Case {
        allow_if: Some(r#"{"StringEquals": {"aws:PrincipalTag/price": "${$}5${?}"}}"#),
        keys: &[("aws:PrincipalTag/price", &["$5?"])],
        ..base("${$} and ${?} in a condition value", VARS, Allow("Cond"))
    });
    c.push(Case {
        allow_if: Some(r#"{"StringLike": {"aws:PrincipalTag/home": "${aws:username}/*"}}"#),
        principal: Some(ALICE),
        keys: &[("aws:PrincipalTag/home", &["alice/docs"])],
        ..base(
            "a variable inside a StringLike pattern keeps the pattern's wildcards",
            VARS,
            Allow("Cond"),
        )
    });
    c.push(Case {
        allow_if: Some(r#"{"StringLike": {"aws:PrincipalTag/x": "${aws:PrincipalTag/y}"}}"#),
        keys: &[
            ("aws:PrincipalTag/x", &["anything"]),
            ("aws:PrincipalTag/y", &["*"]),
        ],
        ..base(
            "a substituted value is literal, not a wildcard (inference from the escapes)",
            VARS,
            Implicit(I),
        )
    });
    c.push(Case { allow_if: Some(r#"{"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::444455556666:role/${aws:PrincipalTag/role}"}}"#), keys: &[("aws:PrincipalTag/role", &["app-role"])], ..base("a variable in an ARN condition", VARS, Allow("Cond")) });
    c.push(Case {
        allow_if: Some(r#"{"StringEquals": {"aws:PrincipalTag/t": "${aws:TagKeys}"}}"#),
        keys: &[("aws:TagKeys", &["a", "b"]), ("aws:PrincipalTag/t", &["a"])],
        ..base(
            "a multi-valued key cannot stand for one string (inference)",
            MULTI,
            Implicit(I),
        )
    });
    c.push(Case {
        allow_if: Some(
            r#"{"NumericLessThan": {"aws:MultiFactorAuthAge": "${aws:PrincipalTag/max}"}}"#,
        ),
        ..base(
            "a variable in a Numeric condition is refused",
            VARS,
            Refused("$.Statement[0].Condition.NumericLessThan[\"aws:MultiFactorAuthAge\"]"),
        )
    });
    c.push(Case {
        allow_if: Some(r#"{"StringEquals": {"aws:PrincipalTag/team": "${aws:username"}}"#),
        ..base(
            "an unclosed variable is refused",
            VARS,
            Refused("$.Statement[0].Condition.StringEquals[\"aws:PrincipalTag/team\"]"),
        )
    });
    c.push(Case {
        allow_if: Some(r#"{"StringEquals": {"aws:PrincipalTag/t": "${aws:username}"}}"#),
        version: "2008-10-17",
        keys: &[("aws:PrincipalTag/t", &["${aws:username}"])],
        principal: Some(ALICE),
        ..base("2008-10-17 keeps ${...} literal", VARS, Allow("Cond"))
    });
    c.push(Case {
        allow_if: Some(r#"{"StringEquals": {"aws:PrincipalTag/t": "${aws:username}"}}"#),
        version: "2008-10-17",
        keys: &[("aws:PrincipalTag/t", &["alice"])],
        principal: Some(ALICE),
        ..base("2008-10-17 substitutes nothing", VARS, Implicit(I))
    });
    // --- Item 7: the role's path in aws:PrincipalArn.
    c.push(Case { allow_if: Some(r#"{"StringEquals": {"aws:PrincipalArn": "arn:aws:iam::444455556666:role/svc/app-role"}}"#), role_arn: Some("arn:aws:iam::444455556666:role/svc/app-role"), ..base("aws:PrincipalArn of a session is its role's ARN, path included", KEYS, Allow("Cond")) });
    c.push(Case {
        allow_if: Some(
            r#"{"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::444455556666:role/svc/*"}}"#,
        ),
        role_arn: Some("arn:aws:iam::444455556666:role/svc/app-role"),
        ..base("ArnLike over a role path", KEYS, Allow("Cond"))
    });
    c.push(Case {
        allow_if: Some(
            r#"{"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::444455556666:role/svc/*"}}"#,
        ),
        ..base(
            "without the role ARN the path is unknown (the session ARN lacks it)",
            KEYS,
            Implicit(I),
        )
    });
    c.push(Case { resource: Some(r#"[{"Sid": "Role", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:role/svc/app-role"}, "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]"#), role_arn: Some("arn:aws:iam::444455556666:role/svc/app-role"), ..base("Principal with a role path covers the role's sessions", PRINCIPAL, Allow("Role")) });
    // --- Item 9: multi-valued keys and the empty set.
    c.push(Case {
        allow_if: Some(r#"{"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}"#),
        keys: &[("aws:TagKeys", &[])],
        ..base("ForAllValues holds on an empty set", MULTI, Allow("Cond"))
    });
    c.push(Case {
        allow_if: Some(r#"{"ForAnyValue:StringEquals": {"aws:TagKeys": ["a", "b"]}}"#),
        keys: &[("aws:TagKeys", &[])],
        ..base("ForAnyValue fails on an empty set", MULTI, Implicit(I))
    });
    c.push(Case {
        allow_if: Some(r#"{"ForAnyValue:StringEquals": {"aws:TagKeys": ["a", "b"]}}"#),
        keys: &[("aws:TagKeys", &["x", "b"])],
        ..base("ForAnyValue needs one matching value", MULTI, Allow("Cond"))
    });
    c.push(Case {
        allow_if: Some(r#"{"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}"#),
        keys: &[("aws:TagKeys", &["a", "x"])],
        ..base(
            "ForAllValues needs every value to match",
            MULTI,
            Implicit(I),
        )
    });
    c.push(Case {
        allow_if: Some(r#"{"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}"#),
        keys: &[("aws:TagKeys", &["a", "b"])],
        ..base("ForAllValues with every value listed", MULTI, Allow("Cond"))
    });
    c.push(Case {
        allow_if: Some(r#"{"ForAllValues:StringEquals": {"aws:TagKeys": ["a"]}}"#),
        ..base("ForAllValues holds on an absent key", MULTI, Allow("Cond"))
    });
    c.push(Case {
        allow_if: Some(r#"{"ForAnyValue:StringLike": {"aws:TagKeys": "cost-*"}}"#),
        keys: &[("aws:TagKeys", &["name", "cost-center"])],
        ..base("ForAnyValue:StringLike", MULTI, Allow("Cond"))
    });
    c.push(Case {
        deny_if: Some(r#"{"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["a", "b"]}}"#),
        keys: &[("aws:TagKeys", &["a", "c"])],
        ..base(
            "ForAnyValue:StringNotEquals: one unlisted value denies",
            MULTI,
            Deny("Guard"),
        )
    });
    c.push(Case {
        deny_if: Some(r#"{"ForAllValues:StringNotEquals": {"aws:TagKeys": ["a", "b"]}}"#),
        keys: &[("aws:TagKeys", &["a", "c"])],
        ..base(
            "ForAllValues:StringNotEquals: a listed value spares",
            MULTI,
            Allow("All"),
        )
    });
    more_cases(&mut c);
    attack_cases(&mut c);
    c
}

/// What the outside attack on the fail-closed promise found: rows that
/// used to let a call in.
#[allow(clippy::too_many_lines)]
fn attack_cases(c: &mut Vec<Case>) {
    // --- H1: a Deny whose value the operator cannot read is refused
    // ("Invalid condition data type"), never a Deny that never holds.
    let unreadable: &[(&str, &str, &str)] = &[
        (
            r#"{"Bool": {"aws:SecureTransport": "1"}}"#,
            "$.Statement[1].Condition.Bool[\"aws:SecureTransport\"]",
            ANALYZER,
        ),
        (
            r#"{"Bool": {"aws:SecureTransport": "True"}}"#,
            "$.Statement[1].Condition.Bool[\"aws:SecureTransport\"]",
            OPS,
        ),
        (
            r#"{"Null": {"aws:SourceVpce": "yes"}}"#,
            "$.Statement[1].Condition.Null[\"aws:SourceVpce\"]",
            ANALYZER,
        ),
        (
            r#"{"IpAddress": {"aws:VpcSourceIp": "10.0.0.0/33"}}"#,
            "$.Statement[1].Condition.IpAddress[\"aws:VpcSourceIp\"]",
            OPS,
        ),
        (
            r#"{"NotIpAddress": {"aws:VpcSourceIp": ["192.0.2.0/24", "010.0.0.0/8"]}}"#,
            "$.Statement[1].Condition.NotIpAddress[\"aws:VpcSourceIp\"][1]",
            OPS,
        ),
        (
            r#"{"NumericGreaterThan": {"aws:MultiFactorAuthAge": "+100"}}"#,
            "$.Statement[1].Condition.NumericGreaterThan[\"aws:MultiFactorAuthAge\"]",
            OPS,
        ),
        (
            r#"{"NumericLessThan": {"aws:MultiFactorAuthAge": "1e3"}}"#,
            "$.Statement[1].Condition.NumericLessThan[\"aws:MultiFactorAuthAge\"]",
            OPS,
        ),
        (
            r#"{"DateGreaterThan": {"aws:CurrentTime": "2020-01-01 00:00:00"}}"#,
            "$.Statement[1].Condition.DateGreaterThan[\"aws:CurrentTime\"]",
            OPS,
        ),
        (
            r#"{"DateGreaterThan": {"aws:CurrentTime": "01/02/2020"}}"#,
            "$.Statement[1].Condition.DateGreaterThan[\"aws:CurrentTime\"]",
            OPS,
        ),
        (
            r#"{"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00"}}"#,
            "$.Statement[1].Condition.DateGreaterThan[\"aws:CurrentTime\"]",
            OPS,
        ),
        (
            r#"{"DateGreaterThan": {"aws:CurrentTime": "2020"}}"#,
            "$.Statement[1].Condition.DateGreaterThan[\"aws:CurrentTime\"]",
            OPS,
        ),
        (
            r#"{"BinaryEquals": {"aws:SourceVpce": "not base64"}}"#,
            "$.Statement[1].Condition.BinaryEquals[\"aws:SourceVpce\"]",
            OPS,
        ),
    ];
    for (condition, path, doc) in unreadable {
        c.push(Case {
            deny_if: Some(condition),
            keys: &[
                ("aws:SecureTransport", &["false"]),
                ("aws:VpcSourceIp", &["10.1.2.3"]),
                ("aws:MultiFactorAuthAge", &["5000"]),
            ],
            ..base(
                "a Deny value its operator cannot read is refused",
                doc,
                Refused(path),
            )
        });
    }
    // The readable forms still hold, compared exactly.
    c.push(Case {
        deny_if: Some(r#"{"NumericGreaterThan": {"aws:MultiFactorAuthAge": "9007199254740992"}}"#),
        keys: &[("aws:MultiFactorAuthAge", &["9007199254740993"])],
        ..base(
            "numbers compare exactly, past f64 precision",
            OPS,
            Deny("Guard"),
        )
    });
    c.push(Case {
        deny_if: Some(r#"{"NumericEquals": {"aws:MultiFactorAuthAge": "3600.0"}}"#),
        keys: &[("aws:MultiFactorAuthAge", &["03600"])],
        ..base("numbers compare by value", OPS, Deny("Guard"))
    });
    c.push(Case {
        deny_if: Some(r#"{"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00+02:00"}}"#),
        keys: &[("aws:CurrentTime", &["2029-12-31T21:59:59Z"])],
        ..base("an ISO 8601 date with an offset holds", OPS, Deny("Guard"))
    });
    // The request side follows AWS: a request value the operator cannot
    // read is a non-match (so a negated operator holds).
    c.push(Case {
        deny_if: Some(r#"{"NotIpAddress": {"aws:VpcSourceIp": "10.0.0.0/8"}}"#),
        keys: &[("aws:VpcSourceIp", &["not-an-ip"])],
        ..base(
            "an unreadable request address is outside every block",
            OPS,
            Deny("Guard"),
        )
    });
    c.push(Case {
        deny_if: Some(r#"{"Bool": {"aws:SecureTransport": "false"}}"#),
        keys: &[("aws:SecureTransport", &["maybe"])],
        ..base(
            "an unreadable request boolean matches nothing",
            OPS,
            Allow("All"),
        )
    });

    // --- H2: NotPrincipal with Allow is not supported; wildcards in
    // NotPrincipal are refused, in both spellings.
    const ALLOW_NOT_P: &str = r#"[{"Sid": "NotP", "Effect": "Allow", "NotPrincipal": {"AWS": "*"}, "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]"#;
    c.push(Case {
        resource: Some(ALLOW_NOT_P),
        principal: None,
        ..base(
            "NotPrincipal {AWS: *} with Allow is refused",
            NOTPRINCIPAL,
            Refused("$.Statement[0].NotPrincipal"),
        )
    });
    c.push(Case { resource: Some(r#"[{"Sid": "NotP", "Effect": "Allow", "NotPrincipal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]"#), ..base("NotPrincipal * with Allow is refused", NOTPRINCIPAL, Refused("$.Statement[0].NotPrincipal")) });
    c.push(Case { resource: Some(r#"[{"Sid": "NotP", "Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]"#), principal: Some(X1), ..base("NotPrincipal with Allow naming an account is refused", NOTPRINCIPAL, Refused("$.Statement[0].NotPrincipal")) });
    c.push(Case { resource: Some(r#"[{"Sid": "All", "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}, {"Sid": "NotP", "Effect": "Deny", "NotPrincipal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]"#), ..base("NotPrincipal * in a Deny is refused", ANALYZER, Refused("$.Statement[1].NotPrincipal")) });
    c.push(Case { resource: Some(r#"[{"Sid": "All", "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}, {"Sid": "NotP", "Effect": "Deny", "NotPrincipal": {"AWS": "*"}, "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]"#), ..base("NotPrincipal {AWS: *} in a Deny is refused like *", ANALYZER, Refused("$.Statement[1].NotPrincipal.AWS")) });
    c.push(Case { resource: Some(r#"[{"Sid": "All", "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}, {"Sid": "NotP", "Effect": "Deny", "NotPrincipal": {"AWS": ["444455556666", "arn:aws:iam::444455556666:role/app-*"]}, "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]"#), ..base("a partial wildcard in NotPrincipal is refused", ANALYZER, Refused("$.Statement[1].NotPrincipal.AWS[1]")) });
    // --- H3: accounts that cannot be compared are cross-account, so an
    // identity allow alone does not let the caller in.
    const ID_ANY: &str =
        r#"[{"Sid": "IdAny", "Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}]"#;
    for principal in [
        "AIDAEXAMPLEUSERID123",
        "ARN:aws:sts::444455556666:assumed-role/app-role/s1",
        "arn:aws:sts::4444-5555-6666:assumed-role/app-role/s1",
        "arn:aws:sts::*:assumed-role/app-role/s1",
        "arn:aws-moon:sts::444455556666:assumed-role/app-role/s1",
    ] {
        c.push(Case {
            identity: &[ID_ANY],
            principal: Some(principal),
            ..base(
                "a caller whose account cannot be read needs the resource policy too",
                CROSS,
                Implicit(R),
            )
        });
    }
    c.push(Case {
        identity: &[ID_ANY],
        resource_arn: "arn:aws:execute-api:us-east-1:*:a1b2c3d4e5/prod/GET/orders",
        ..base(
            "an API whose account cannot be read needs the resource policy too",
            CROSS,
            Implicit(R),
        )
    });
    c.push(Case {
        identity: &[ID_ANY],
        resource: Some(ALLOW_ALL),
        principal: Some("AIDAEXAMPLEUSERID123"),
        ..base(
            "an unreadable account with both layers allowing is allowed",
            CROSS,
            Allow("All"),
        )
    });
    c.push(Case { identity: &[ID_ANY], resource: Some(r#"[{"Sid": "Mine", "Effect": "Allow", "Principal": {"AWS": "444455556666"}, "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]"#), principal: Some("AIDAEXAMPLEUSERID123"), ..base("an account principal names no caller whose account cannot be read", PRINCIPAL, Implicit(R)) });

    // --- H4: partitions are compared wherever principals are.
    const CN1: &str = "arn:aws-cn:sts::444455556666:assumed-role/app-role/s1";
    c.push(Case { identity: &[ID_ANY], resource: Some(r#"[{"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]"#), principal: Some(CN1), ..base("an aws root principal does not name an aws-cn caller of the same digits", PRINCIPAL, Implicit(R)) });
    c.push(Case { identity: &[ID_ANY], resource: Some(r#"[{"Sid": "Acct", "Effect": "Allow", "Principal": {"AWS": "444455556666"}, "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]"#), principal: Some(CN1), ..base("a bare account id is the account in the API's partition", PRINCIPAL, Implicit(R)) });
    c.push(Case { identity: &[ID_ANY], resource: Some(r#"[{"Sid": "Role", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:role/app-role"}, "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]"#), principal: Some(CN1), ..base("an aws role does not cover an aws-cn session", PRINCIPAL, Implicit(R)) });
    c.push(Case { resource: Some(r#"[{"Sid": "Acct", "Effect": "Allow", "Principal": {"AWS": "444455556666"}, "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]"#), principal: Some(CN1), resource_arn: "arn:aws-cn:execute-api:cn-north-1:444455556666:a1b2c3d4e5/prod/GET/orders", ..base("in aws-cn, a bare account id names the aws-cn account", PRINCIPAL, Allow("Acct")) });
    c.push(Case { resource: Some(r#"[{"Sid": "All", "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}, {"Sid": "NotP", "Effect": "Deny", "NotPrincipal": {"AWS": ["arn:aws:sts::444455556666:assumed-role/app-role/s1", "arn:aws:iam::444455556666:role/app-role", "arn:aws:iam::444455556666:root"]}, "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]"#), identity: &[ID_ANY], principal: Some(CN1), ..base("NotPrincipal listing aws identities does not spare an aws-cn caller", NOTPRINCIPAL, Deny("NotP")) });

    // Principal "*" and {"AWS": "*"} mean the same: anonymous included.
    c.push(Case { resource: Some(r#"[{"Sid": "Any", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]"#), principal: None, ..base("Principal {AWS: *} lets an anonymous caller in, as * does", PRINCIPAL, Allow("Any")) });
    c.push(Case { resource: Some(r#"[{"Sid": "All", "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}, {"Sid": "Any", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]"#), principal: None, ..base("a Deny to {AWS: *} covers an anonymous caller", PRINCIPAL, Deny("Any")) });
}

/// Evaluation logic, principals, actions, resources and operators.
#[allow(clippy::too_many_lines)]
fn more_cases(c: &mut Vec<Case>) {
    // --- Evaluation logic and layers.
    c.push(Case {
        resource: Some(ALLOW_ALL),
        ..base(
            "a same-account resource policy allow is enough",
            APIGW_FLOW,
            Allow("All"),
        )
    });
    c.push(Case {
        identity: &[ID_ALLOW],
        ..base(
            "a same-account identity allow is enough",
            APIGW_FLOW,
            Allow("Id"),
        )
    });
    c.push(Case {
        ..base("nothing allows: implicit deny", EVAL, Implicit(I))
    });
    c.push(Case {
        resource: Some(ALLOW_ALL),
        identity: &[ID_DENY],
        ..base(
            "an identity deny beats a resource allow",
            EVAL,
            Deny("IdDeny"),
        )
    });
    c.push(Case { resource: Some(r#"[{"Sid": "No", "Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]"#), identity: &[ID_ALLOW], ..base("a resource deny beats an identity allow", EVAL, Deny("No")) });
    c.push(Case { resource: Some(r#"[{"Sid": "No", "Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}, {"Sid": "Yes", "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]"#), ..base("a deny beats an allow in the same policy", EVAL, Deny("No")) });
    c.push(Case {
        principal: Some(X1),
        resource: Some(ALLOW_ALL),
        ..base(
            "cross-account: the resource policy alone is not enough",
            CROSS,
            Implicit(I),
        )
    });
    c.push(Case {
        principal: Some(X1),
        identity: &[ID_ALLOW],
        ..base(
            "cross-account: the identity policy alone is not enough",
            CROSS,
            Implicit(R),
        )
    });
    c.push(Case {
        principal: Some(X1),
        resource: Some(ALLOW_ALL),
        identity: &[ID_ALLOW],
        ..base("cross-account: both allow", CROSS, Allow("All"))
    });
    c.push(Case {
        principal: None,
        resource: Some(ALLOW_ALL),
        ..base(
            "an anonymous caller allowed by Principal *",
            APIGW_FLOW,
            Allow("All"),
        )
    });
    c.push(Case {
        principal: None,
        identity: &[ID_ALLOW],
        ..base(
            "an anonymous caller has no identity policies",
            APIGW_FLOW,
            Implicit(R),
        )
    });
    c.push(Case { principal: None, resource: Some(r#"[{"Sid": "Acct", "Effect": "Allow", "Principal": {"AWS": "444455556666"}, "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]"#), ..base("an account principal does not cover anonymous callers", PRINCIPAL, Implicit(R)) });
    c.push(Case { endpoint: Some(r#"[{"Sid": "Ep", "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*"}]"#), resource: Some(ALLOW_ALL), keys: &[("aws:SourceVpce", &[VPCE])], ..base("through an endpoint, the endpoint policy must allow too", APIGW_ENDPOINT, Allow("All")) });
    c.push(Case { endpoint: Some(r#"[{"Sid": "Other", "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:us-east-1:444455556666:other/*"}]"#), resource: Some(ALLOW_ALL), keys: &[("aws:SourceVpce", &[VPCE])], ..base("an endpoint policy that allows another API denies this one", APIGW_ENDPOINT, Implicit(E)) });
    c.push(Case { endpoint: Some(r#"[{"Sid": "Ep", "Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}, {"Sid": "EpDeny", "Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:us-east-1:444455556666:a1b2c3d4e5/prod/*"}]"#), resource: Some(ALLOW_ALL), keys: &[("aws:SourceVpce", &[VPCE])], ..base("an endpoint policy deny", APIGW_ENDPOINT, Deny("EpDeny")) });
    c.push(Case { endpoint: Some(r#"[{"Sid": "Other", "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:us-east-1:444455556666:other/*"}]"#), resource: Some(ALLOW_ALL), ..base("without aws:SourceVpce the endpoint policy is not on the path", APIGW_ENDPOINT, Allow("All")) });
    c.push(Case { endpoint: Some(r#"[{"Sid": "Ep", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:role/app-role"}, "Action": "execute-api:Invoke", "Resource": "*"}]"#), resource: Some(ALLOW_ALL), keys: &[("aws:SourceVpce", &[VPCE])], ..base("an endpoint policy naming the role covers its sessions", APIGW_ENDPOINT, Allow("All")) });
    c.push(Case { endpoint: Some(r#"[{"Sid": "Ep", "Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}]"#), resource: Some(ALLOW_ALL), keys: &[("aws:SourceVpce", &[VPCE])], ..base("an endpoint policy statement without Principal names nobody", APIGW_ENDPOINT, Implicit(E)) });
    // --- The private-API resource policy from the API Gateway examples.
    const PRIVATE: &str = r#"[{"Sid": "DenyOthers", "Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*", "Condition": {"StringNotEquals": {"aws:sourceVpce": "vpce-0a1b2c3d4e5f60718"}}}, {"Sid": "Allow", "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]"#;
    c.push(Case {
        resource: Some(PRIVATE),
        keys: &[("aws:SourceVpce", &[VPCE])],
        ..base(
            "private API example: the expected endpoint",
            APIGW_EXAMPLES,
            Allow("Allow"),
        )
    });
    c.push(Case {
        resource: Some(PRIVATE),
        keys: &[("aws:SourceVpce", &["vpce-0fffffffffffffff0"])],
        ..base(
            "private API example: another endpoint",
            APIGW_EXAMPLES,
            Deny("DenyOthers"),
        )
    });
    c.push(Case {
        resource: Some(PRIVATE),
        ..base(
            "private API example: no endpoint (the key is absent)",
            APIGW_EXAMPLES,
            Deny("DenyOthers"),
        )
    });
    c.push(Case {
        resource: Some(PRIVATE),
        principal: Some(X1),
        keys: &[("aws:SourceVpce", &[VPCE])],
        ..base(
            "private API example: a cross-account caller still needs its identity policy",
            CROSS,
            Implicit(I),
        )
    });
    const VPC_ONLY: &str = r#"[{"Sid": "DenyOtherVpcs", "Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*", "Condition": {"StringNotEquals": {"aws:SourceVpc": "vpc-0123456789abcdef0"}}}, {"Sid": "Allow", "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]"#;
    c.push(Case {
        resource: Some(VPC_ONLY),
        keys: &[
            ("aws:SourceVpce", &[VPCE]),
            ("aws:SourceVpc", &["vpc-0123456789abcdef0"]),
        ],
        ..base("aws:SourceVpc names the VPC", APIGW_KEYS, Allow("Allow"))
    });
    c.push(Case {
        resource: Some(VPC_ONLY),
        keys: &[("aws:SourceVpc", &["vpc-0fffffffffffffff0"])],
        ..base("another VPC is denied", APIGW_KEYS, Deny("DenyOtherVpcs"))
    });
    const IP_DENY: &str = r#"[{"Sid": "Allow", "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}, {"Sid": "DenyIps", "Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*", "Condition": {"IpAddress": {"aws:SourceIp": ["192.0.2.0/24", "198.51.100.0/24"]}}}]"#;
    c.push(Case {
        resource: Some(IP_DENY),
        keys: &[("aws:SourceIp", &["192.0.2.7"])],
        ..base(
            "IP deny-list example: a listed address",
            APIGW_EXAMPLES,
            Deny("DenyIps"),
        )
    });
    c.push(Case {
        resource: Some(IP_DENY),
        keys: &[("aws:SourceIp", &["203.0.113.9"])],
        ..base(
            "IP deny-list example: another address",
            APIGW_EXAMPLES,
            Allow("Allow"),
        )
    });
    c.push(Case {
        resource: Some(IP_DENY),
        keys: &[("aws:VpcSourceIp", &["192.0.2.7"])],
        ..base(
            "aws:SourceIp is absent through an endpoint, so IpAddress fails",
            APIGW_KEYS,
            Allow("Allow"),
        )
    });
    const CROSS_EXAMPLE: &str = r#"[{"Sid": "Acct", "Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111122223333:root"]}, "Action": "execute-api:Invoke", "Resource": ["execute-api:/prod/*"]}]"#;
    c.push(Case {
        resource: Some(CROSS_EXAMPLE),
        identity: &[ID_ALLOW],
        principal: Some(X1),
        ..base(
            "cross-account example: the account's root ARN covers its sessions",
            APIGW_EXAMPLES,
            Allow("Acct"),
        )
    });
    c.push(Case {
        resource: Some(CROSS_EXAMPLE),
        identity: &[ID_ALLOW],
        principal: Some(X1),
        resource_arn: "arn:aws:execute-api:us-east-1:444455556666:a1b2c3d4e5/test/GET/orders",
        ..base(
            "cross-account example: another stage",
            APIGW_EXAMPLES,
            Implicit(R),
        )
    });
    // --- Principal.
    let principal_rows: &[(&str, &str, Want)] = &[
        (
            r#"{"AWS": "444455556666"}"#,
            "an account id covers its principals",
            Allow("P"),
        ),
        (
            r#"{"AWS": "arn:aws:iam::444455556666:root"}"#,
            "the root ARN covers the account",
            Allow("P"),
        ),
        (
            r#"{"AWS": "arn:aws:iam::444455556666:role/app-role"}"#,
            "a role ARN covers its sessions",
            Allow("P"),
        ),
        (
            r#"{"AWS": "arn:aws:sts::444455556666:assumed-role/app-role/s1"}"#,
            "the session ARN itself",
            Allow("P"),
        ),
        (
            r#"{"AWS": "arn:aws:sts::444455556666:assumed-role/app-role/s2"}"#,
            "another session of the role",
            Implicit(I),
        ),
        (
            r#"{"AWS": "arn:aws:iam::444455556666:role/other-role"}"#,
            "another role",
            Implicit(I),
        ),
        (r#"{"AWS": "111122223333"}"#, "another account", Implicit(I)),
        (r#"{"AWS": "*"}"#, "AWS * is everyone", Allow("P")),
        (r#""*""#, "Principal * is everyone", Allow("P")),
        (
            r#"{"Service": "lambda.amazonaws.com"}"#,
            "a service principal is not this caller",
            Implicit(I),
        ),
        (
            r#"{"AWS": "arn:aws:iam::444455556666:role/app-*"}"#,
            "no wildcards inside a Principal ARN",
            Implicit(I),
        ),
        (
            r#"{"AWS": "arn:aws:iam::444455556666::role/app-role"}"#,
            "an extra colon matches nobody",
            Implicit(I),
        ),
    ];
    for (principal, name, want) in principal_rows {
        let text: &'static str = Box::leak(format!(r#"[{{"Sid": "P", "Effect": "Allow", "Principal": {principal}, "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}}]"#).into_boxed_str());
        c.push(Case {
            resource: Some(text),
            ..base(name, PRINCIPAL, *want)
        });
    }
    // --- NotPrincipal with Deny: every identity must be listed.
    const NOT_ALL: &str = r#"[{"Sid": "All", "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}, {"Sid": "NotP", "Effect": "Deny", "NotPrincipal": {"AWS": ["arn:aws:sts::444455556666:assumed-role/app-role/s1", "arn:aws:iam::444455556666:role/app-role", "444455556666"]}, "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]"#;
    const NOT_SESSION_ONLY: &str = r#"[{"Sid": "All", "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}, {"Sid": "NotP", "Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:sts::444455556666:assumed-role/app-role/s1"}, "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]"#;
    c.push(Case {
        resource: Some(NOT_ALL),
        ..base(
            "NotPrincipal listing session, role and account spares the session",
            NOTPRINCIPAL,
            Allow("All"),
        )
    });
    c.push(Case {
        resource: Some(NOT_ALL),
        principal: Some(S2),
        ..base(
            "NotPrincipal does not spare another session",
            NOTPRINCIPAL,
            Deny("NotP"),
        )
    });
    c.push(Case {
        resource: Some(NOT_SESSION_ONLY),
        ..base(
            "NotPrincipal listing only the session denies it",
            NOTPRINCIPAL,
            Deny("NotP"),
        )
    });
    c.push(Case {
        resource: Some(NOT_ALL),
        principal: None,
        ..base(
            "NotPrincipal never spares an anonymous caller",
            NOTPRINCIPAL,
            Deny("NotP"),
        )
    });
    // --- Action and NotAction.
    let action_rows: &[(&str, &str, Want)] = &[
        (
            r#""Action": "execute-api:Invoke""#,
            "the action by name",
            Allow("A"),
        ),
        (
            r#""Action": "EXECUTE-API:invoke""#,
            "action names ignore case",
            Allow("A"),
        ),
        (
            r#""Action": "execute-api:*""#,
            "a service wildcard",
            Allow("A"),
        ),
        (
            r#""Action": "execute-api:Inv?ke""#,
            "? is one character",
            Allow("A"),
        ),
        (
            r#""Action": "execute-api:ManageConnections""#,
            "another action",
            Implicit(I),
        ),
        (
            r#""Action": ["s3:GetObject", "execute-api:Invoke"]"#,
            "a list is OR",
            Allow("A"),
        ),
        (
            r#""NotAction": "execute-api:ManageConnections""#,
            "NotAction covers every other action",
            Allow("A"),
        ),
        (
            r#""NotAction": "execute-api:*""#,
            "NotAction excluding the action",
            Implicit(I),
        ),
    ];
    for (action, name, want) in action_rows {
        let doc = if action.contains("NotAction") {
            NOTACTION
        } else {
            ACTION
        };
        let text: &'static str = Box::leak(format!(r#"[{{"Sid": "A", "Effect": "Allow", "Principal": "*", {action}, "Resource": "execute-api:/*"}}]"#).into_boxed_str());
        c.push(Case {
            resource: Some(text),
            ..base(name, doc, *want)
        });
    }
    // --- Resource and NotResource, full ARNs in identity policies.
    let resource_rows: &[(&str, &str, Want)] = &[
        (
            r#""Resource": "arn:aws:execute-api:us-east-1:444455556666:a1b2c3d4e5/prod/GET/orders""#,
            "the exact ARN",
            Allow("Res"),
        ),
        (
            r#""Resource": "arn:aws:execute-api:us-east-1:444455556666:a1b2c3d4e5/prod/get/orders""#,
            "resource ARNs respect case",
            Implicit(I),
        ),
        (
            r#""Resource": "arn:aws:execute-api:*:*:a1b2c3d4e5/*""#,
            "wildcards in region, account and path",
            Allow("Res"),
        ),
        (
            r#""Resource": "arn:aws:execute-api:us-east-1:444455556666:a1b2c3d4e5/*/GET/*""#,
            "a wildcard stage",
            Allow("Res"),
        ),
        (
            r#""Resource": "arn:aws:execute-api:us-east-1:444455556666:a1b2c3d4e5/prod/POST/*""#,
            "another method",
            Implicit(I),
        ),
        (
            r#""Resource": "arn:aws:execute-api:us-east-1:444455556666:a1b2c3d4e5/prod/GE?/orders""#,
            "? in the method",
            Allow("Res"),
        ),
        (
            r#""Resource": "execute-api:/prod/GET/orders""#,
            "the shorthand means nothing in an identity policy",
            Implicit(I),
        ),
        (
            r#""NotResource": "arn:aws:execute-api:us-east-1:444455556666:a1b2c3d4e5/test/*""#,
            "NotResource covers the other stages",
            Allow("Res"),
        ),
        (
            r#""NotResource": "arn:aws:execute-api:us-east-1:444455556666:a1b2c3d4e5/prod/*""#,
            "NotResource excluding the route",
            Implicit(I),
        ),
        (r#""Resource": "*""#, "Resource *", Allow("Res")),
    ];
    for (resource, name, want) in resource_rows {
        let doc = if resource.contains("NotResource") {
            NOTRESOURCE
        } else {
            RESOURCE
        };
        let text: &'static str = Box::leak(format!(r#"[{{"Sid": "Res", "Effect": "Allow", "Action": "execute-api:Invoke", {resource}}}]"#).into_boxed_str());
        c.push(Case {
            identity: Box::leak(vec![text].into_boxed_slice()),
            ..base(name, doc, *want)
        });
    }
    let shorthand_rows: &[(&str, &str, Want)] = &[
        (
            "execute-api:/prod/GET/orders",
            "the shorthand names this API's route",
            Allow("S"),
        ),
        (
            "execute-api:/prod/*",
            "the shorthand with a wildcard",
            Allow("S"),
        ),
        (
            "execute-api:/test/*",
            "the shorthand, another stage",
            Implicit(I),
        ),
        (
            "execute-api:/*/GET/orders",
            "the shorthand, any stage",
            Allow("S"),
        ),
    ];
    for (resource, name, want) in shorthand_rows {
        let text: &'static str = Box::leak(format!(r#"[{{"Sid": "S", "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "{resource}"}}]"#).into_boxed_str());
        c.push(Case {
            resource: Some(text),
            ..base(name, APIGW_EXAMPLES, *want)
        });
    }
    operator_cases(c);
}

/// One row per operator behaviour: (condition, keys, does the Allow hold).
#[allow(clippy::too_many_lines)]
fn operator_cases(c: &mut Vec<Case>) {
    type Row = (
        &'static str,
        &'static str,
        &'static [(&'static str, &'static [&'static str])],
        bool,
    );
    let rows: &[Row] = &[
        (
            "StringEquals matches exactly",
            r#"{"StringEquals": {"aws:PrincipalTag/team": "blue"}}"#,
            &[("aws:PrincipalTag/team", &["blue"])],
            true,
        ),
        (
            "StringEquals respects case",
            r#"{"StringEquals": {"aws:PrincipalTag/team": "blue"}}"#,
            &[("aws:PrincipalTag/team", &["Blue"])],
            false,
        ),
        (
            "StringEquals values are OR-ed",
            r#"{"StringEquals": {"aws:PrincipalTag/team": ["red", "blue"]}}"#,
            &[("aws:PrincipalTag/team", &["blue"])],
            true,
        ),
        (
            "StringEquals on an absent key fails",
            r#"{"StringEquals": {"aws:PrincipalTag/team": "blue"}}"#,
            &[],
            false,
        ),
        (
            "StringNotEquals on an absent key holds",
            r#"{"StringNotEquals": {"aws:PrincipalTag/team": "blue"}}"#,
            &[],
            true,
        ),
        (
            "StringNotEquals values are NOR-ed",
            r#"{"StringNotEquals": {"aws:PrincipalTag/team": ["red", "blue"]}}"#,
            &[("aws:PrincipalTag/team", &["blue"])],
            false,
        ),
        (
            "StringEqualsIgnoreCase",
            r#"{"StringEqualsIgnoreCase": {"aws:PrincipalTag/team": "BLUE"}}"#,
            &[("aws:PrincipalTag/team", &["blue"])],
            true,
        ),
        (
            "StringNotEqualsIgnoreCase",
            r#"{"StringNotEqualsIgnoreCase": {"aws:PrincipalTag/team": "BLUE"}}"#,
            &[("aws:PrincipalTag/team", &["blue"])],
            false,
        ),
        (
            "StringLike with *",
            r#"{"StringLike": {"aws:UserAgent": "aws-cli/*"}}"#,
            &[("aws:UserAgent", &["aws-cli/2.15"])],
            true,
        ),
        (
            "StringLike respects case",
            r#"{"StringLike": {"aws:UserAgent": "AWS-CLI/*"}}"#,
            &[("aws:UserAgent", &["aws-cli/2.15"])],
            false,
        ),
        (
            "StringLike with ?",
            r#"{"StringLike": {"aws:PrincipalTag/team": "bl?e"}}"#,
            &[("aws:PrincipalTag/team", &["blue"])],
            true,
        ),
        (
            "StringNotLike",
            r#"{"StringNotLike": {"aws:UserAgent": "curl/*"}}"#,
            &[("aws:UserAgent", &["aws-cli/2"])],
            true,
        ),
        (
            "condition key names ignore case",
            r#"{"StringEquals": {"AWS:PRINCIPALTAG/TEAM": "blue"}}"#,
            &[("aws:PrincipalTag/team", &["blue"])],
            true,
        ),
        (
            "two keys in one block are AND-ed",
            r#"{"StringEquals": {"aws:PrincipalTag/team": "blue", "aws:PrincipalTag/env": "prod"}}"#,
            &[
                ("aws:PrincipalTag/team", &["blue"]),
                ("aws:PrincipalTag/env", &["dev"]),
            ],
            false,
        ),
        (
            "two operator blocks are AND-ed",
            r#"{"StringEquals": {"aws:PrincipalTag/team": "blue"}, "Bool": {"aws:SecureTransport": "true"}}"#,
            &[
                ("aws:PrincipalTag/team", &["blue"]),
                ("aws:SecureTransport", &["true"]),
            ],
            true,
        ),
        (
            "NumericLessThan",
            r#"{"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}"#,
            &[("aws:MultiFactorAuthAge", &["120"])],
            true,
        ),
        (
            "NumericLessThan at the bound",
            r#"{"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}"#,
            &[("aws:MultiFactorAuthAge", &["3600"])],
            false,
        ),
        (
            "NumericLessThanEquals at the bound",
            r#"{"NumericLessThanEquals": {"aws:MultiFactorAuthAge": 3600}}"#,
            &[("aws:MultiFactorAuthAge", &["3600"])],
            true,
        ),
        (
            "NumericGreaterThan",
            r#"{"NumericGreaterThan": {"aws:MultiFactorAuthAge": "60"}}"#,
            &[("aws:MultiFactorAuthAge", &["61"])],
            true,
        ),
        (
            "NumericEquals compares numbers, not text",
            r#"{"NumericEquals": {"aws:MultiFactorAuthAge": "10"}}"#,
            &[("aws:MultiFactorAuthAge", &["10.0"])],
            true,
        ),
        (
            "NumericNotEquals on an absent key holds",
            r#"{"NumericNotEquals": {"aws:MultiFactorAuthAge": "10"}}"#,
            &[],
            true,
        ),
        (
            "DateLessThan",
            r#"{"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}"#,
            &[("aws:CurrentTime", &["2025-06-01T12:00:00Z"])],
            true,
        ),
        (
            "DateGreaterThan",
            r#"{"DateGreaterThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}"#,
            &[("aws:CurrentTime", &["2025-06-01T12:00:00Z"])],
            false,
        ),
        (
            "DateGreaterThanEquals with epoch seconds",
            r#"{"DateGreaterThanEquals": {"aws:EpochTime": "1700000000"}}"#,
            &[("aws:EpochTime", &["1748779200"])],
            true,
        ),
        (
            "DateEquals",
            r#"{"DateEquals": {"aws:CurrentTime": "2025-06-01T12:00:00Z"}}"#,
            &[("aws:CurrentTime", &["2025-06-01T12:00:00Z"])],
            true,
        ),
        (
            "Bool true",
            r#"{"Bool": {"aws:SecureTransport": "true"}}"#,
            &[("aws:SecureTransport", &["true"])],
            true,
        ),
        (
            "Bool false against true",
            r#"{"Bool": {"aws:SecureTransport": "false"}}"#,
            &[("aws:SecureTransport", &["true"])],
            false,
        ),
        (
            "Bool with a JSON boolean",
            r#"{"Bool": {"aws:SecureTransport": true}}"#,
            &[("aws:SecureTransport", &["true"])],
            true,
        ),
        (
            "Bool on an absent key fails",
            r#"{"Bool": {"aws:MultiFactorAuthPresent": "true"}}"#,
            &[],
            false,
        ),
        (
            "BoolIfExists on an absent key holds",
            r#"{"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}"#,
            &[],
            true,
        ),
        (
            "BoolIfExists on a present key compares",
            r#"{"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}"#,
            &[("aws:MultiFactorAuthPresent", &["false"])],
            false,
        ),
        (
            "StringEqualsIfExists on an absent key holds",
            r#"{"StringEqualsIfExists": {"aws:PrincipalTag/team": "blue"}}"#,
            &[],
            true,
        ),
        (
            "IpAddress inside the block",
            r#"{"IpAddress": {"aws:VpcSourceIp": "10.0.0.0/16"}}"#,
            &[("aws:VpcSourceIp", &["10.0.4.2"])],
            true,
        ),
        (
            "IpAddress outside the block",
            r#"{"IpAddress": {"aws:VpcSourceIp": "10.0.0.0/16"}}"#,
            &[("aws:VpcSourceIp", &["10.1.4.2"])],
            false,
        ),
        (
            "IpAddress with IPv6",
            r#"{"IpAddress": {"aws:SourceIp": "2001:db8::/32"}}"#,
            &[("aws:SourceIp", &["2001:db8::1"])],
            true,
        ),
        (
            "NotIpAddress",
            r#"{"NotIpAddress": {"aws:SourceIp": "192.0.2.0/24"}}"#,
            &[("aws:SourceIp", &["203.0.113.1"])],
            true,
        ),
        (
            "NotIpAddress on an absent key holds",
            r#"{"NotIpAddress": {"aws:SourceIp": "192.0.2.0/24"}}"#,
            &[],
            true,
        ),
        (
            "ArnLike part by part",
            r#"{"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/app-*"}}"#,
            &[],
            true,
        ),
        (
            "ArnEquals exactly",
            r#"{"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::444455556666:role/app-role"}}"#,
            &[],
            true,
        ),
        (
            "ArnNotLike",
            r#"{"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/admin-*"}}"#,
            &[],
            true,
        ),
        (
            "ArnLike respects case",
            r#"{"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/App-*"}}"#,
            &[],
            false,
        ),
        (
            "StringEquals on aws:PrincipalAccount",
            r#"{"StringEquals": {"aws:PrincipalAccount": "444455556666"}}"#,
            &[],
            true,
        ),
        (
            "aws:PrincipalType of a session",
            r#"{"StringEquals": {"aws:PrincipalType": "AssumedRole"}}"#,
            &[],
            true,
        ),
        (
            "Null true on an absent key",
            r#"{"Null": {"aws:SourceVpce": "true"}}"#,
            &[],
            true,
        ),
        (
            "Null false on a present key",
            r#"{"Null": {"aws:SourceVpce": "false"}}"#,
            &[("aws:SourceVpce", &[VPCE])],
            true,
        ),
        (
            "Null true on a present key",
            r#"{"Null": {"aws:SourceVpce": "true"}}"#,
            &[("aws:SourceVpce", &[VPCE])],
            false,
        ),
        (
            "aws:ResourceTag is absent for Invoke, so StringEquals fails",
            r#"{"StringEquals": {"aws:ResourceTag/Project": "orders"}}"#,
            &[],
            false,
        ),
    ];
    for (name, condition, keys, holds) in rows {
        let doc = if name.starts_with("aws:ResourceTag") {
            APIGW_KEYS
        } else {
            OPS
        };
        let want = if *holds { Allow("Cond") } else { Implicit(I) };
        c.push(Case {
            allow_if: Some(condition),
            keys,
            ..base(name, doc, want)
        });
    }
    c.push(Case { deny_if: Some(r#"{"StringNotEquals": {"aws:ResourceTag/Project": "orders"}}"#), ..base("aws:ResourceTag is absent for Invoke, so a StringNotEquals deny always applies (inference)", APIGW_KEYS, Deny("Guard")) });
    c.push(Case {
        deny_if: Some(r#"{"Bool": {"aws:SecureTransport": "false"}}"#),
        keys: &[("aws:SecureTransport", &["false"])],
        ..base("a deny on plain HTTP", OPS, Deny("Guard"))
    });
}

/// The driver itself: every case with a wrong expectation must fail.
#[test]
fn the_driver_catches_wrong_answers() {
    for mut case in cases() {
        case.want = match case.want {
            Allow(_) | Refused(_) => Implicit(E),
            Deny(_) => Allow("All"),
            Implicit(_) => Deny("nobody"),
        };
        assert!(
            run(&case).is_err(),
            "{} passes with a wrong answer",
            case.name
        );
    }
}

/// Layers left out are named in the decision (a private API cannot be
/// deployed without a resource policy).
#[test]
fn skipped_layers_are_recorded() {
    let case = Case {
        identity: &[ID_ALLOW],
        endpoint: Some(ALLOW_ALL),
        ..base("identity only", APIGW_PRIVATE, Allow("Id"))
    };
    assert_eq!(run(&case), Ok(()));
    let authorizer = authorizer(&case).unwrap();
    let ctx = RequestContext::new(case.action, case.resource_arn).with_principal(S1);
    let decision = authorizer.decide(&ctx);
    assert!(decision.skipped.no_resource_policy);
    assert!(decision.skipped.endpoint_policy_off_path);
    assert!(!decision.skipped.default_endpoint_policy);
    let text = decision.to_string();
    assert!(
        text.contains("not evaluated: the VPC endpoint policy"),
        "{text}"
    );
    assert!(
        text.contains("API Gateway does not deploy a private API without one"),
        "{text}"
    );
    let resource_only = Authorizer::new().with_resource_policy(NamedPolicy::new(
        "r",
        Policy::parse(&document(ALLOW_ALL)).unwrap(),
    ));
    let through = resource_only.decide(&ctx.clone().with_source_vpce(VPCE));
    assert!(through.skipped.default_endpoint_policy);
    assert!(through.to_string().contains("default full-access policy"));
}

#[test]
fn there_are_enough_cases() {
    let cases = cases();
    assert!(cases.len() >= 120, "{}", cases.len());
    eprintln!("{} evaluation cases", cases.len());
}
