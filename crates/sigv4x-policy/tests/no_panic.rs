//! No document and no request context panics the parser, the evaluator or
//! the linter; and decisions stay consistent with the rules whatever the
//! input.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use sigv4x_policy::{lint, Authorizer, NamedPolicy, Outcome, Policy, PolicyKind, RequestContext};

/// Strings drawn from the vocabulary of policies, plus arbitrary text, so
/// that generated documents reach deep into the evaluator.
fn atom() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("*".to_owned()),
        Just("?".to_owned()),
        Just("execute-api:Invoke".to_owned()),
        Just("execute-api:/*".to_owned()),
        Just("execute-api:/prod/GET/*".to_owned()),
        Just("arn:aws:execute-api:us-east-1:444455556666:a1b2c3d4e5/*".to_owned()),
        Just("arn:aws:iam::111122223333:role/app".to_owned()),
        Just("arn:aws:iam::111122223333::role/app".to_owned()),
        Just("111122223333".to_owned()),
        Just("vpce-0a1b2c3d4e5f60718".to_owned()),
        Just("10.0.0.0/8".to_owned()),
        Just("2025-01-01T00:00:00Z".to_owned()),
        Just("true".to_owned()),
        Just("é?*".to_owned()),
        Just("arn:".to_owned()),
        // Policy variables, well and badly formed.
        Just("arn:aws:execute-api:us-east-1:444455556666:a1b2c3d4e5/${aws:username}/*".to_owned()),
        Just("execute-api:/${aws:PrincipalTag/Project, 'prod'}/*".to_owned()),
        Just("${aws:userid}".to_owned()),
        Just("${aws:SourceVpce, 'none'}".to_owned()),
        Just("a${*}b${?}c${$}".to_owned()),
        Just("${".to_owned()),
        Just("${aws:username, 'x".to_owned()),
        Just("${x}".to_owned()),
        ".{0,12}",
    ]
}

fn operator() -> impl Strategy<Value = String> {
    let base = prop_oneof![
        Just("StringEquals"),
        Just("StringNotEquals"),
        Just("StringLike"),
        Just("StringNotLike"),
        Just("StringEqualsIgnoreCase"),
        Just("ArnLike"),
        Just("ArnNotEquals"),
        Just("IpAddress"),
        Just("NotIpAddress"),
        Just("Bool"),
        Just("Null"),
        Just("DateLessThan"),
        Just("DateGreaterThan"),
        Just("NumericLessThan"),
        Just("ArnLike"),
        Just("Bogus"),
        Just("stringequals"),
        Just("StringNotEqual"),
    ];
    (
        prop_oneof![Just(""), Just("ForAnyValue:"), Just("ForAllValues:")],
        base,
        prop_oneof![Just(""), Just("IfExists")],
    )
        .prop_map(|(q, b, s)| format!("{q}{b}{s}"))
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("aws:SourceVpce".to_owned()),
        Just("aws:sourcevpc".to_owned()),
        Just("aws:VpcSourceIp".to_owned()),
        Just("aws:CurrentTime".to_owned()),
        Just("aws:PrincipalArn".to_owned()),
        Just("aws:PrincipalTag/Project".to_owned()),
        Just("aws:ResourceTag/Project".to_owned()),
        Just("aws:TagKeys".to_owned()),
        Just("aws:userid".to_owned()),
        Just("aws:username".to_owned()),
        ".{0,8}",
    ]
}

fn json_list(items: &[String]) -> serde_json::Value {
    if items.len() == 1 {
        serde_json::Value::from(items[0].clone())
    } else {
        serde_json::Value::from(items.to_vec())
    }
}

prop_compose! {
    fn statement()(
        effect in prop_oneof![Just("Allow"), Just("Deny")],
        principal in prop::option::of((any::<bool>(), prop::collection::vec(atom(), 1..3), any::<bool>())),
        not_action in any::<bool>(),
        actions in prop::collection::vec(atom(), 1..3),
        not_resource in any::<bool>(),
        resources in prop::collection::vec(atom(), 1..3),
        conditions in prop::collection::vec((operator(), key(), prop::collection::vec(atom(), 1..3)), 0..3),
    ) -> serde_json::Value {
        let mut s = serde_json::Map::new();
        s.insert("Effect".into(), effect.into());
        if let Some((negated, ids, star)) = principal {
            let value = if star { serde_json::Value::from("*") } else { serde_json::json!({"AWS": json_list(&ids)}) };
            s.insert(if negated { "NotPrincipal" } else { "Principal" }.into(), value);
        }
        s.insert(if not_action { "NotAction" } else { "Action" }.into(), json_list(&actions));
        s.insert(if not_resource { "NotResource" } else { "Resource" }.into(), json_list(&resources));
        if !conditions.is_empty() {
            let mut block = serde_json::Map::new();
            for (op, key, values) in conditions {
                let entry = block.entry(op).or_insert_with(|| serde_json::json!({}));
                if let Some(map) = entry.as_object_mut() {
                    map.insert(key, json_list(&values));
                }
            }
            s.insert("Condition".into(), block.into());
        }
        serde_json::Value::Object(s)
    }
}

prop_compose! {
    fn policy_text()(statements in prop::collection::vec(statement(), 1..4)) -> String {
        serde_json::json!({"Version": "2012-10-17", "Statement": statements}).to_string()
    }
}

prop_compose! {
    fn context()(
        action in atom(),
        resource in atom(),
        principal in prop::option::of(prop_oneof![
            Just("arn:aws:sts::111122223333:assumed-role/app/s".to_owned()),
            Just("arn:aws:iam::444455556666:user/u".to_owned()),
            atom(),
        ]),
        keys in prop::collection::vec((key(), prop::collection::vec(atom(), 0..3)), 0..4),
    ) -> RequestContext {
        let mut ctx = RequestContext::new(action, resource);
        if let Some(p) = principal {
            ctx = ctx.with_principal(p);
        }
        for (k, v) in keys {
            ctx = ctx.with_values(&k, v);
        }
        ctx
    }
}

const KINDS: [PolicyKind; 3] = [
    PolicyKind::VpcEndpoint,
    PolicyKind::Resource,
    PolicyKind::Identity,
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics_the_parser(text in ".{0,200}") {
        let _ = Policy::parse(&text);
    }

    #[test]
    fn repeated_keys_never_panic_and_are_refused(
        name in prop_oneof![Just("Effect"), Just("Statement"), Just("StringEquals"), Just("aws:SourceVpce"), Just("AWS")],
        depth in 0usize..4,
    ) {
        // The same key twice in an object nested `depth` deep.
        let mut text = format!(r#"{{"{name}": 1, "{name}": 2}}"#);
        for _ in 0..depth {
            text = format!(r#"{{"Statement": [{text}]}}"#);
        }
        let err = Policy::parse(&text).unwrap_err();
        prop_assert!(err.path().is_some(), "{}", err);
        prop_assert!(err.to_string().contains("appears twice"), "{}", err);
    }

    #[test]
    fn arbitrary_text_never_panics_the_caller(text in ".{0,80}", id in ".{0,24}") {
        for arn in [text.clone(), format!("arn:aws:sts::111122223333:{text}"), format!("arn:aws:iam::111122223333:{text}")] {
            if let Ok(caller) = sigv4x_policy::Caller::new(&arn) {
                let _ = caller.clone().with_unique_id(&id);
                let _ = caller.with_role_arn(&text);
            }
            let _ = sigv4x_policy::Caller::role_session(&arn, &id);
            let _ = RequestContext::new("a", "b").with_principal(arn);
        }
    }

    #[test]
    fn arbitrary_json_never_panics_the_parser(value in arbitrary_json()) {
        if let Err(e) = Policy::from_json(&value) {
            // Every error that is not a JSON syntax error names a path.
            prop_assert!(e.path().is_some_and(|p| p.starts_with('$')));
        }
    }

    #[test]
    fn generated_policies_decide_consistently(text in policy_text(), ctx in context()) {
        let Ok(policy) = Policy::parse(&text) else { return Ok(()); };
        for kind in KINDS {
            let eval = policy.evaluate(kind, &ctx);
            let _ = lint(&policy, kind);
            // A deny found means no allow could matter; an allow found
            // clears the closest miss.
            if eval.allow.is_some() {
                prop_assert!(eval.closest_allow.is_none());
            }
        }
        let authorizer = Authorizer::new()
            .with_endpoint_policy(NamedPolicy::new("e", policy.clone()))
            .with_resource_policy(NamedPolicy::new("r", policy.clone()))
            .with_identity_policy(NamedPolicy::new("i", policy.clone()));
        let decision = authorizer.decide(&ctx);
        let _ = decision.reason();
        let message = decision.access_denied_message(&ctx);
        prop_assert_eq!(message.is_none(), decision.outcome == Outcome::Allow);
        // An explicit deny always names its statement; so does an allow.
        if decision.outcome != Outcome::ImplicitDeny {
            prop_assert!(decision.decided_by.is_some());
        }
        // Adding a deny-everything policy always turns the answer into an
        // explicit deny, for any caller (a resource policy with "*").
        let deny_all = Policy::parse(
            r#"{"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"}}"#,
        ).unwrap();
        let fenced = authorizer.clone().with_resource_policy(NamedPolicy::new("deny", deny_all));
        prop_assert_eq!(fenced.decide(&ctx).outcome, Outcome::ExplicitDeny);
    }
}

fn arbitrary_json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        atom().prop_map(serde_json::Value::from),
    ];
    let names = prop_oneof![
        Just("Version".to_owned()),
        Just("Statement".to_owned()),
        Just("Effect".to_owned()),
        Just("Principal".to_owned()),
        Just("AWS".to_owned()),
        Just("Action".to_owned()),
        Just("Resource".to_owned()),
        Just("Condition".to_owned()),
        Just("StringEquals".to_owned()),
        Just("stringEquals".to_owned()),
        Just("aws:SourceVpce".to_owned()),
        Just("aws:sourcevpce".to_owned()),
        ".{0,6}",
    ];
    leaf.prop_recursive(5, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::btree_map(names.clone(), inner, 0..5)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}
