#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Heap allocations of what the gateway does per request with this crate: build a
//! [`RequestContext`] and decide it. Counted with `allocation-counter`, which replaces the global
//! allocator in this test binary (hence a binary of its own) and counts per thread, so the tests
//! may run in parallel. A reallocation counts as one allocation.
//!
//! The budgets:
//! - a context with the keys the gateway sets (caller, two principal tags, endpoint, VPC,
//!   addresses, time, user agent): 2 allocations, its text buffer and its key list (it was 22
//!   when every value and the principal were `String`s of their own);
//! - a decision over the reference policies, allowed or denied: none;
//! - a decision over policies with variables (`${aws:PrincipalTag/…}` in `Resource` and in
//!   string and ARN conditions): none either, for values of ordinary length (it was 22, for
//!   the text and tokens of every substituted value).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use allocation_counter::measure;
use sigv4x_policy::reference::{self, orders_arn, CALLER_ROLE, CALLER_SESSION, VPCE_ID};
use sigv4x_policy::{Authorizer, NamedPolicy, Outcome, Policy, RequestContext};

/// Allocations allowed for building the gateway's context.
const CONTEXT_BUDGET: u64 = 2;

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

/// Allocations of `decide`, and its outcome.
fn count_decision(authorizer: &Authorizer, ctx: &RequestContext) -> (u64, Outcome) {
    let mut outcome = None;
    let info = measure(|| {
        outcome = Some(std::hint::black_box(authorizer.decide(ctx)).outcome);
    });
    (info.count_total, outcome.unwrap())
}

#[test]
fn counting_works() {
    // The counter is live in this binary (so a 0 below means no allocation, not no counting).
    let info = measure(|| {
        std::hint::black_box(Vec::<u8>::with_capacity(10));
    });
    assert_eq!(info.count_total, 1);
}

#[test]
fn building_the_gateway_context() {
    let (caller, resource) = (
        reference::lambda_caller().unwrap(),
        orders_arn("GET", "orders/42"),
    );
    let mut ctx = None;
    let info = measure(|| {
        ctx = Some(reference::lambda_context(&resource, &caller, now()));
    });
    let ctx = ctx.unwrap();
    // What was built is what the gateway needs.
    assert_eq!(ctx.value("aws:PrincipalArn"), Some(CALLER_ROLE));
    assert_eq!(
        ctx.value("aws:userid"),
        Some("AROAORDERSLAMBDAROLE1:orders-function")
    );
    assert_eq!(ctx.value("aws:principaltag/team"), Some("fulfilment"));
    assert_eq!(ctx.value("aws:EpochTime"), Some("1700000000"));
    assert_eq!(ctx.value("aws:CurrentTime"), Some("2023-11-14T22:13:20Z"));
    assert_eq!(ctx.principal(), Some(CALLER_SESSION));
    eprintln!(
        "gateway context: {} allocations, {} bytes",
        info.count_total, info.bytes_total
    );
    assert!(
        info.count_total <= CONTEXT_BUDGET,
        "building the gateway's context took {} allocations (budget {CONTEXT_BUDGET})",
        info.count_total
    );
}

#[test]
fn deciding_over_the_reference_policies() {
    let authorizer = reference::authorizer().unwrap();
    let caller = reference::lambda_caller().unwrap();
    let allowed = reference::lambda_context(&orders_arn("GET", "orders/42"), &caller, now());
    let cases = [
        (allowed.clone(), Outcome::Allow),
        (
            allowed.clone().with_source_vpce("vpce-0fffffffffffffff0"),
            Outcome::ExplicitDeny,
        ),
        (
            reference::lambda_context(&orders_arn("DELETE", "orders/42"), &caller, now()),
            Outcome::ImplicitDeny,
        ),
        (
            RequestContext::new("execute-api:Invoke", orders_arn("GET", "orders"))
                .with_source_vpce(VPCE_ID),
            Outcome::ImplicitDeny,
        ),
        (
            RequestContext::new("execute-api:Invoke", orders_arn("GET", "orders"))
                .with_principal(CALLER_SESSION),
            Outcome::ExplicitDeny,
        ),
    ];
    for (ctx, want) in &cases {
        let (count, outcome) = count_decision(&authorizer, ctx);
        assert_eq!(outcome, *want, "{ctx:?}");
        assert_eq!(count, 0, "decide allocated {count} times for {ctx:?}");
    }
}

/// Policy variables are substituted per decision, into a buffer on the stack.
#[test]
fn deciding_with_policy_variables() {
    let resource_policy = r#"{
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
            "Action": "execute-api:Invoke",
            "Resource": "execute-api:/prod/*/${aws:PrincipalTag/Project}/*",
            "Condition": {
                "StringEquals": {"aws:SourceVpc": "${aws:SourceVpc}"},
                "StringLike": {"aws:userid": "AROA*:${aws:PrincipalTag/Project}-*"},
                "ArnLike": {"aws:PrincipalArn": "arn:aws:iam::${aws:PrincipalAccount}:role/*"}
            }
        }]
    }"#;
    let identity_policy = r#"{
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Action": "execute-api:Invoke",
            "Resource": "arn:aws:execute-api:*:*:*/prod/*/${aws:PrincipalTag/Project}/*"
        }]
    }"#;
    let authorizer = Authorizer::new()
        .with_resource_policy(NamedPolicy::new(
            "resource",
            Policy::parse(resource_policy).unwrap(),
        ))
        .with_identity_policy(NamedPolicy::new(
            "identity",
            Policy::parse(identity_policy).unwrap(),
        ));
    let caller = reference::lambda_caller().unwrap();
    let allowed = reference::lambda_context(&orders_arn("GET", "orders/42"), &caller, now());
    let other_route = reference::lambda_context(&orders_arn("GET", "invoices/42"), &caller, now());
    for (ctx, want) in [
        (&allowed, Outcome::Allow),
        (&other_route, Outcome::ImplicitDeny),
    ] {
        let (count, outcome) = count_decision(&authorizer, ctx);
        assert_eq!(outcome, want, "{ctx:?}");
        assert_eq!(count, 0, "decide allocated {count} times for {ctx:?}");
    }
}
