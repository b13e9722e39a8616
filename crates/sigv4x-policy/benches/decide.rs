//! A decision over the three reference policies of the private-API pattern
//! (endpoint, resource, identity). The policies are parsed once, outside
//! the timed loop; the decision itself allocates nothing.
//!
//! The issue asks for this to be compared, in the same run, with verifying
//! the request's SigV4 signature; that benchmark joins this group once the
//! core verifier exists.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use sigv4x_policy::reference::{self, orders_arn, CALLER_SESSION, VPCE_ID};
use sigv4x_policy::{Authorizer, NamedPolicy, Outcome, Policy, RequestContext};

fn reference_authorizer() -> Authorizer {
    let parse = |text: &str| Policy::parse(text).unwrap();
    Authorizer::new()
        .with_endpoint_policy(NamedPolicy::new(
            "endpoint",
            parse(reference::ENDPOINT_POLICY),
        ))
        .with_resource_policy(NamedPolicy::new(
            "resource",
            parse(reference::RESOURCE_POLICY),
        ))
        .with_identity_policy(NamedPolicy::new(
            "identity",
            parse(reference::IDENTITY_POLICY),
        ))
}

fn decide(c: &mut Criterion) {
    let authorizer = reference_authorizer();
    let allowed = RequestContext::new("execute-api:Invoke", orders_arn("GET", "orders/42"))
        .with_principal(CALLER_SESSION)
        .with_principal_tag("Project", "orders")
        .with_source_vpce(VPCE_ID)
        .with_vpc_source_ip("10.0.12.34")
        .with_secure_transport(true);
    let denied = allowed.clone().with_source_vpce("vpce-0fffffffffffffff0");
    assert_eq!(authorizer.decide(&allowed).outcome, Outcome::Allow);
    assert_eq!(authorizer.decide(&denied).outcome, Outcome::ExplicitDeny);

    let mut group = c.benchmark_group("private_api_request");
    group.bench_function("policy_decision_allow", |b| {
        b.iter(|| black_box(authorizer.decide(black_box(&allowed))).outcome)
    });
    group.bench_function("policy_decision_explicit_deny", |b| {
        b.iter(|| black_box(authorizer.decide(black_box(&denied))).outcome)
    });
    group.finish();
}

criterion_group!(benches, decide);
criterion_main!(benches);
