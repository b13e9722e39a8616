#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! A bounded load test over loopback: every request answered, and answered right, while many
//! connections mix allowed and denied calls. Prints the numbers; speed is reported by the
//! `load` example in release mode, not asserted here.

mod common;

use std::time::{Duration, SystemTime};

use common::load::{drive, Shot};
use common::*;
use sigv4x_gateway::Gateway;

const CONNECTIONS: usize = 8;
const PER_CONNECTION: usize = 250;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_load_no_request_is_lost_or_answered_wrongly() {
    let gateway = Gateway::start(reference_config()).await.unwrap();
    let inside = gateway.address_for(Some(ENDPOINT)).unwrap();
    let outside = gateway.address_for(None).unwrap();
    let shot = |address, request, status, error_type, label| Shot {
        address,
        request,
        status,
        error_type,
        label,
    };
    let mut tampered = signed(&LAMBDA, "GET", inside, "/prod/orders", "");
    tampered
        .headers_mut()
        .insert("x-amz-date", "20200101T000000Z".parse().unwrap());
    let skewed = signed_at(
        &LAMBDA,
        "GET",
        inside,
        "/prod/orders",
        "",
        SystemTime::now() - Duration::from_secs(900),
    );
    let inside_plan = vec![
        shot(
            inside,
            signed(&LAMBDA, "GET", inside, "/prod/orders", ""),
            200,
            "",
            "allowed GET",
        ),
        shot(
            inside,
            signed(
                &LAMBDA,
                "POST",
                inside,
                "/prod/orders",
                r#"{"item":"book"}"#,
            ),
            201,
            "",
            "allowed POST",
        ),
        shot(
            inside,
            signed(&LAMBDA_BILLING_TAG, "GET", inside, "/prod/orders", ""),
            403,
            "AccessDeniedException",
            "tag mismatch",
        ),
        shot(
            inside,
            signed(&REPORTING, "GET", inside, "/prod/orders", ""),
            403,
            "AccessDeniedException",
            "other role",
        ),
        shot(
            inside,
            signed(&LAMBDA, "GET", inside, "/prod/admin/stats", ""),
            403,
            "AccessDeniedException",
            "not granted",
        ),
        shot(
            inside,
            tampered,
            403,
            "InvalidSignatureException",
            "tampered",
        ),
        shot(inside, skewed, 403, "InvalidSignatureException", "skewed"),
        shot(
            inside,
            signed(&LAMBDA, "GET", inside, "/prod/nowhere", ""),
            403,
            "MissingAuthenticationTokenException",
            "no route",
        ),
    ];
    let outside_plan = vec![
        shot(
            outside,
            signed(&LAMBDA, "GET", outside, "/prod/orders", ""),
            403,
            "AccessDeniedException",
            "outside",
        ),
        shot(
            outside,
            signed(&LAMBDA, "GET", outside, "/prod/orders/9", ""),
            403,
            "AccessDeniedException",
            "outside",
        ),
    ];
    let plans = [
        inside_plan.clone(),
        inside_plan.clone(),
        inside_plan,
        outside_plan,
    ];

    let stats = drive(&plans, CONNECTIONS, PER_CONNECTION).await;
    eprintln!(
        "load (debug build, 2 workers, {CONNECTIONS} connections): {}",
        stats.summary()
    );
    assert_eq!(stats.errors, 0, "requests without an answer");
    assert!(
        stats.wrong.is_empty(),
        "wrong answers: {:?}",
        &stats.wrong[..stats.wrong.len().min(5)]
    );
    assert_eq!(stats.latencies_us.len(), CONNECTIONS * PER_CONNECTION);

    // The audit log saw every request exactly once, with the status sent.
    let records = gateway.audit().records();
    assert_eq!(records.len(), CONNECTIONS * PER_CONNECTION);
    let mut ids: Vec<&str> = records.iter().map(|r| &*r.request_id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), records.len(), "request ids must be unique");
    let allowed = records.iter().filter(|r| r.status < 300).count();
    let expected: usize = (0..CONNECTIONS)
        .map(|i| {
            let plan = &plans[i % plans.len()];
            (0..PER_CONNECTION)
                .filter(|n| plan[n % plan.len()].status < 300)
                .count()
        })
        .sum();
    assert_eq!(allowed, expected);
    gateway.shutdown().await;
}
