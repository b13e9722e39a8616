#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Attacks on the request path after the performance round: hostile text through every field
//! that reaches the audit line, and many (API, endpoint, principal) combinations in one
//! configuration, so that an authorizer taken from the wrong slot would show.

mod common;

use std::net::SocketAddr;
use std::time::SystemTime;

use bytes::Bytes;
use common::*;
use sigv4x::Payload;
use sigv4x_gateway::client::send;
use sigv4x_gateway::{
    ApiConfig, EndpointConfig, Gateway, GatewayConfig, ListenerConfig, PolicySource,
    PrincipalConfig, RouteConfig,
};

const API_ACCOUNT: &str = "444455556666";
const CALLER_ACCOUNT: &str = "111122223333";
const VPCE_A: &str = "vpce-0a1b2c3d4e5f60718";
const VPCE_B: &str = "vpce-11112222333344445";
const APIS: [&str; 3] = ["aaaaaaaaa0", "bbbbbbbbb1", "ccccccccc2"];

fn role(p: usize) -> String {
    format!("arn:aws:iam::{CALLER_ACCOUNT}:role/role-{p}")
}

const KEYS: [Key; 3] = [LAMBDA, LAMBDA_BILLING_TAG, REPORTING];

/// Which APIs principal `p`'s identity policy allows.
fn identity_allows(p: usize, api: usize) -> bool {
    match p {
        0 => api == 0,
        1 => api == 1,
        _ => api != 0,
    }
}

/// Which principals endpoint `e` lets through (`None`: no endpoint, no endpoint policy).
fn endpoint_allows(e: Option<usize>, p: usize) -> bool {
    match e {
        None => true,
        Some(0) => p == 0 || p == 2,
        Some(_) => p == 1,
    }
}

/// Resource policy of API `api` denies principal 2 on API 2 only.
fn resource_allows(api: usize, p: usize) -> bool {
    !(api == 2 && p == 2)
}

fn resource_policy(api: usize) -> String {
    let id = APIS[api];
    format!(
        r#"{{"Version": "2012-10-17", "Statement": [
        {{"Sid": "Allow{api}", "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
         "Resource": "arn:aws:execute-api:us-east-1:{API_ACCOUNT}:{id}/*"}},
        {{"Sid": "DenyP2", "Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke",
         "Resource": "execute-api:/*",
         "Condition": {{"StringEquals": {{"aws:PrincipalArn": "{}"}}}}}}]}}"#,
        if api == 2 {
            role(2)
        } else {
            "arn:aws:iam::000000000000:role/nobody".into()
        }
    )
}

fn identity_policy(p: usize) -> String {
    let resources: Vec<String> = (0..APIS.len())
        .filter(|&a| identity_allows(p, a))
        .map(|a| {
            format!(
                "\"arn:aws:execute-api:us-east-1:{API_ACCOUNT}:{}/*\"",
                APIS[a]
            )
        })
        .collect();
    format!(
        r#"{{"Version": "2012-10-17", "Statement": [{{"Sid": "Id{p}", "Effect": "Allow",
        "Action": "execute-api:Invoke", "Resource": [{}]}}]}}"#,
        resources.join(",")
    )
}

fn endpoint_policy(e: usize) -> String {
    let arns: Vec<String> = (0..3)
        .filter(|&p| endpoint_allows(Some(e), p))
        .map(|p| format!("\"{}\"", role(p)))
        .collect();
    format!(
        r#"{{"Version": "2012-10-17", "Statement": [{{"Sid": "Ep{e}", "Effect": "Allow",
        "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*",
        "Condition": {{"StringEquals": {{"aws:PrincipalArn": [{}]}}}}}}]}}"#,
        arns.join(",")
    )
}

fn matrix_config() -> GatewayConfig {
    let mut config = GatewayConfig::new()
        .account(CALLER_ACCOUNT, Some("A"))
        .account(API_ACCOUNT, Some("B"));
    for (a, id) in APIS.iter().enumerate() {
        config = config.api(
            ApiConfig::new(*id, API_ACCOUNT, "us-east-1")
                .stage("prod")
                .resource_policy(PolicySource::json(
                    format!("resource-{a}"),
                    resource_policy(a),
                ))
                .route(RouteConfig::respond("GET", "/x", 200, "{}")),
        );
    }
    for (p, key) in KEYS.iter().enumerate() {
        config = config.principal(
            PrincipalConfig::new(key.id, key.secret, role(p))
                .session(format!("s{p}"), Some(key.token.to_owned()))
                .identity_policy(PolicySource::json(
                    format!("identity-{p}"),
                    identity_policy(p),
                )),
        );
    }
    for (e, id) in [VPCE_A, VPCE_B].iter().enumerate() {
        config = config
            .endpoint(
                EndpointConfig::new(*id, CALLER_ACCOUNT).policy(PolicySource::json(
                    format!("endpoint-{e}"),
                    endpoint_policy(e),
                )),
            )
            .listener(ListenerConfig::new("127.0.0.1:0".parse().unwrap()).through(*id));
    }
    config
        .listener(ListenerConfig::new("127.0.0.1:0".parse().unwrap()))
        .audit_in_memory(10_000)
}

fn signed_for_api(key: &Key, address: SocketAddr, api: &str) -> http::Request<Bytes> {
    let mut request = http::Request::builder()
        .method("GET")
        .uri(format!("http://{address}/prod/x"))
        .header("x-apigw-api-id", api)
        .body(Bytes::new())
        .unwrap();
    signer(key)
        .sign_at(&mut request, Payload::Bytes(b""), SystemTime::now())
        .unwrap();
    request
}

/// Every (API, endpoint or none, principal) of a 3 × 3 × 4 configuration is decided by its own
/// authorizer: a request allowed or refused where its own policies say otherwise would mean
/// `authorizer_index` picked another slot (fail-open when it allows).
#[tokio::test]
async fn every_api_endpoint_principal_combination_gets_its_own_authorizer() {
    let gateway = Gateway::start(matrix_config()).await.unwrap();
    let mut wrong = Vec::new();
    for endpoint in [None, Some(0), Some(1)] {
        let vpce = endpoint.map(|i| [VPCE_A, VPCE_B][i]);
        let address = gateway.address_for(vpce).unwrap();
        for (a, api) in APIS.iter().enumerate() {
            for (p, key) in KEYS.iter().enumerate() {
                let want =
                    identity_allows(p, a) && endpoint_allows(endpoint, p) && resource_allows(a, p);
                let response = send(address, signed_for_api(key, address, api))
                    .await
                    .unwrap();
                let got = response.status() == 200;
                if got != want {
                    let record = gateway.audit().last().unwrap();
                    wrong.push(format!(
                        "api {api} endpoint {vpce:?} principal {p}: status {} want allowed={want}; {}",
                        response.status(),
                        record.reason
                    ));
                }
            }
        }
    }
    let records = gateway.audit().records();
    let allowed = records.iter().filter(|r| r.status == 200).count();
    assert!(
        allowed > 3 && allowed < records.len(),
        "{allowed} of {}",
        records.len()
    );
    assert!(wrong.is_empty(), "{wrong:#?}");
    gateway.shutdown().await;
}

/// One gateway, one API with an open-ish resource policy, reached on the plain listener.
fn open_config(max_field: Option<usize>) -> GatewayConfig {
    let policy = r#"{"Version": "2012-10-17", "Statement": [{"Sid": "All", "Effect": "Allow",
        "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]}"#;
    let mut config = GatewayConfig::new()
        .account(API_ACCOUNT, Some("B"))
        .api(
            ApiConfig::new(APIS[0], API_ACCOUNT, "us-east-1")
                .stage("prod")
                .resource_policy(PolicySource::json("resource", policy))
                .route(
                    RouteConfig::respond("GET", "/{proxy+}", 200, "{}")
                        .authorization(sigv4x_gateway::Authorization::None),
                ),
        )
        .listener(ListenerConfig::new("127.0.0.1:0".parse().unwrap()))
        .audit_in_memory(10_000);
    if let Some(max) = max_field {
        let mut audit = sigv4x_gateway::AuditConfig::default();
        audit.memory = 10_000;
        audit.max_field_bytes = max;
        config = config.audit(audit);
    }
    config
}

/// Request targets and methods an outsider can send: every request gets exactly one record,
/// found by its id, naming the path and method as sent (or cut), and the log reads back whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_paths_methods_and_headers_each_get_their_record() {
    let gateway = Gateway::start(open_config(None)).await.unwrap();
    let address = gateway.address_for(None).unwrap();
    let long = format!("/prod/{}", "a\"".repeat(5_000));
    let needle = "/prod/x\",\"requestId\":\"00000000-0000-4000-8000-000000000000\",\"x\":\"";
    // Through hyper: `\"`, `{`, `}` and UTF-8 reach the gateway; `\\`, `%5C`, `//`, `.` are
    // refused as not normal (recorded too); control bytes never pass hyper.
    let targets: Vec<String> = vec![
        "/prod/\"quoted\"".into(),
        "/prod/back\\slash".into(),
        "/prod/%22%5C%00%0a%0d%1f".into(),
        "/prod/\u{e9}\u{1f600}".into(),
        "/prod/{\"requestId\":\"x\"}".into(),
        needle.into(),
        "/prod/%ZZ".into(),
        "/prod//double//slash".into(),
        "/prod/./dot/../x".into(),
        "/prod/x?q=\"\\".into(),
        "*".into(),
        long.clone(),
    ];
    let methods: Vec<String> = ["GET", "POST", "X-CUSTOM", "M!#$%&'*+-.^_`|~"]
        .iter()
        .map(|m| (*m).to_owned())
        .chain(["M".repeat(2_000)])
        .collect();
    let ua = "\"ua\\\t\"}{".to_string();
    let mut sent = 0;
    let mut problems = Vec::new();
    let target_clone = targets.clone();
    let answers = tokio::task::spawn_blocking(move || {
        let mut answers = Vec::new();
        for target in &target_clone {
            for method in &methods {
                let headers = vec![
                    ("host".to_owned(), "localhost".to_owned()),
                    ("user-agent".to_owned(), ua.clone()),
                    ("referer".to_owned(), "\\\"".to_owned()),
                ];
                let answer = raw_request(address, method, target, &headers, b"");
                answers.push((target.clone(), method.clone(), answer));
            }
        }
        answers
    })
    .await
    .unwrap();
    for (target, method, answer) in &answers {
        sent += 1;
        let Some(id) = answer.header("x-amzn-requestid") else {
            // hyper refused it before the gateway saw it: not recorded, fine.
            sent -= 1;
            continue;
        };
        match gateway.audit().find(id) {
            None => problems.push(format!("{method} {target}: no record for {id}")),
            Some(record) => {
                let path = target.split('?').next().unwrap();
                if record.path != path && !record.path.contains("bytes)") {
                    problems.push(format!("{method} {target}: path {:?}", record.path));
                }
                if record.method.len() > 1024 + 32 {
                    problems.push(format!("{method}: method not cut"));
                }
                if record.request_id != *id {
                    problems.push(format!("{id}: found {}", record.request_id));
                }
            }
        }
    }
    assert!(sent >= 30, "only {sent} requests reached the gateway");
    let records = gateway.audit().records();
    if records.len() != gateway.audit().len() || records.len() != sent {
        problems.push(format!(
            "{} records read back of {} lines, {sent} requests answered with an id",
            records.len(),
            gateway.audit().len()
        ));
    }
    assert!(gateway
        .audit()
        .find("00000000-0000-4000-8000-000000000000")
        .is_none());
    for record in &records {
        let line = record.to_json_line();
        if line.len() > 16 * 1024 {
            problems.push(format!("line of {} bytes", line.len()));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
    gateway.shutdown().await;
}

/// `max_field_bytes` of 0 and of 1 (cut inside a multi-byte character): no panic, and every
/// record still reads back.
#[tokio::test]
async fn tiny_field_caps_keep_every_record() {
    for max in [0, 1, 2, 3] {
        let gateway = Gateway::start(open_config(Some(max))).await.unwrap();
        let address = gateway.address_for(None).unwrap();
        let answer = tokio::task::spawn_blocking(move || {
            raw_request(address, "GET", "/prod/\u{1f600}\u{e9}", &[], b"")
        })
        .await
        .unwrap();
        let id = answer.header("x-amzn-requestid").unwrap().to_owned();
        let record = gateway.audit().find(&id);
        assert!(record.is_some(), "max {max}: no record");
        assert_eq!(gateway.audit().records().len(), 1);
        gateway.shutdown().await;
    }
}
