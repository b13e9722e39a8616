//! A decision over the three reference policies of the private-API pattern
//! (endpoint, resource, identity). The policies are parsed once, outside
//! the timed loop; the decision itself allocates nothing, and building the
//! gateway's context allocates twice (`tests/allocations.rs` checks both).
//!
//! The gateway builds a request context for every request, then decides:
//! `context_build` times building one with the keys the gateway sets
//! (caller, a principal tag, endpoint, VPC, addresses, time, user agent),
//! and `context_build_and_decision` times both, as the gateway pays them.
//!
//! In the same group, and so in the same run: verifying the SigV4 signature
//! of the request that decision is about (the Lambda role's `GET
//! /prod/orders/42`, with a session token), through the core verifier with
//! its default key cache. The question it answers: does the policy decision
//! cost less than the signature check?

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::time::{Duration, UNIX_EPOCH};

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use sigv4x::{Credentials, Payload, Signer, StoredKey, Verifier};
use sigv4x_policy::reference::{self, orders_arn, CALLER_SESSION, VPCE_ID};
use sigv4x_policy::{Outcome, RequestContext};

fn decide(c: &mut Criterion) {
    let authorizer = reference::authorizer().unwrap();
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
    let caller = reference::lambda_caller().unwrap();
    let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let resource = orders_arn("GET", "orders/42");
    let built = reference::lambda_context(&resource, &caller, now);
    assert_eq!(authorizer.decide(&built).outcome, Outcome::Allow);
    group.bench_function("context_build", |b| {
        b.iter(|| reference::lambda_context(black_box(&resource), &caller, now))
    });
    group.bench_function("context_build_and_decision", |b| {
        b.iter(|| {
            let ctx = reference::lambda_context(black_box(&resource), &caller, now);
            black_box(authorizer.decide(&ctx)).outcome
        })
    });
    let (verifier, request) = signed_request();
    assert!(verifier.verify_at(&request, Payload::Empty, now).is_ok());
    group.bench_function("sigv4_verify", |b| {
        b.iter(|| {
            black_box(verifier.verify_at(black_box(&request), Payload::Empty, now))
                .map(|v| v.access_key_id().len())
        })
    });
    group.finish();
}

/// The request the decision above is about, signed as the Lambda role's
/// session signs it, and a verifier that knows the key.
fn signed_request() -> (Verifier<HashMap<String, StoredKey>>, http::Request<()>) {
    let (id, secret, token) = (
        "ASIAORDERSLAMBDA0001",
        "orders-secret",
        "orders-session-token",
    );
    let keys = HashMap::from([(
        id.to_owned(),
        StoredKey::new(secret)
            .with_principal(CALLER_SESSION)
            .with_session_token(token),
    )]);
    let verifier = Verifier::new(keys)
        .region("us-east-1")
        .service("execute-api");
    let signer = Signer::new(
        Credentials::new(id, secret, Some(token.to_owned())),
        "us-east-1",
        "execute-api",
    );
    let mut request =
        http::Request::get("https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/orders/42")
            .header("user-agent", "orders-function/1.0")
            .body(())
            .unwrap();
    let when = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    signer.sign_at(&mut request, Payload::Empty, when).unwrap();
    (verifier, request)
}

criterion_group!(benches, decide);
criterion_main!(benches);
