#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The gateway configured in code: configuration errors, anonymous routes, the proxy, the
//! aws:ResourceTag pitfall, the audit file, and graceful shutdown.

mod common;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use common::*;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use sigv4x_gateway::client::send;
use sigv4x_gateway::{
    ApiConfig, Authorization, EndpointConfig, Gateway, GatewayConfig, GatewayError, ListenerConfig,
    PolicySource, PrincipalConfig, RouteConfig, Step,
};

const API_ACCOUNT: &str = "444455556666";
const CALLER_ACCOUNT: &str = "111122223333";
const VPCE: &str = "vpce-0a1b2c3d4e5f60718";

const ALLOW_THROUGH_ENDPOINT: &str = r#"{"Version": "2012-10-17", "Statement": [
    {"Sid": "DenyOutside", "Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke",
     "Resource": "execute-api:/*", "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-0a1b2c3d4e5f60718"}}},
    {"Sid": "AllowAll", "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
     "Resource": "execute-api:/*"}]}"#;

const IDENTITY_ALL: &str = r#"{"Version": "2012-10-17", "Statement": [{"Sid": "All",
    "Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:*:*:*"}]}"#;

fn lambda() -> PrincipalConfig {
    PrincipalConfig::new(
        LAMBDA.id,
        LAMBDA.secret,
        "arn:aws:iam::111122223333:role/orders-lambda-role",
    )
    .session("orders-function", Some(LAMBDA.token.to_owned()))
    .tag("Project", "orders")
    .identity_policy(PolicySource::json("identity-all", IDENTITY_ALL))
}

/// One API with the given routes, one endpoint, listeners inside and outside.
fn config(routes: Vec<RouteConfig>, endpoint: EndpointConfig) -> GatewayConfig {
    let mut api = ApiConfig::new("a1b2c3d4e5", API_ACCOUNT, "us-east-1")
        .stage("prod")
        .resource_policy(PolicySource::json("resource", ALLOW_THROUGH_ENDPOINT));
    for route in routes {
        api = api.route(route);
    }
    GatewayConfig::new()
        .account(CALLER_ACCOUNT, Some("A"))
        .account(API_ACCOUNT, Some("B"))
        .api(api)
        .principal(lambda())
        .endpoint(endpoint)
        .listener(ListenerConfig::new("127.0.0.1:0".parse().unwrap()).through(VPCE))
        .listener(ListenerConfig::new("127.0.0.1:0".parse().unwrap()))
        .audit_in_memory(1000)
}

fn start_err(config: GatewayConfig) -> GatewayError {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(Gateway::start(config)).unwrap_err()
}

#[test]
fn configuration_mistakes_are_named() {
    let ok = || {
        config(
            vec![RouteConfig::respond("GET", "/orders", 200, "{}")],
            EndpointConfig::new(VPCE, CALLER_ACCOUNT),
        )
    };

    let mut no_policy = ok();
    no_policy.apis[0].resource_policy = None;
    let err = start_err(no_policy).to_string();
    assert!(err.contains("needs a resource policy"), "{err}");

    let mut empty_secret = ok();
    empty_secret.principals[0].secret_access_key = String::new();
    let err = start_err(empty_secret).to_string();
    assert!(err.contains("secret access key is empty"), "{err}");

    // IAM refuses a resource policy statement without a principal: so does the gateway.
    let mut no_principal = ok();
    no_principal.apis[0].resource_policy = Some(PolicySource::json(
        "no-principal",
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]}"#,
    ));
    assert!(matches!(
        start_err(no_principal),
        GatewayError::Policy { .. }
    ));

    let unknown_account = ok().api(
        ApiConfig::new("other", "999999999999", "us-east-1")
            .stage("prod")
            .resource_policy(PolicySource::json("r", ALLOW_THROUGH_ENDPOINT)),
    );
    let err = start_err(unknown_account).to_string();
    assert!(err.contains("account 999999999999 is not listed"), "{err}");

    let bad_route = config(
        vec![RouteConfig::respond("GET", "/{proxy+}/x", 200, "{}")],
        EndpointConfig::new(VPCE, CALLER_ACCOUNT),
    );
    assert!(matches!(start_err(bad_route), GatewayError::Invalid { .. }));

    let stray_listener = ok().listener(
        ListenerConfig::new("127.0.0.1:0".parse().unwrap()).through("vpce-0000000000000000f"),
    );
    let err = start_err(stray_listener).to_string();
    assert!(
        err.contains("vpce-0000000000000000f is not under [[endpoints]]"),
        "{err}"
    );

    let twice = ok().principal(lambda());
    assert!(start_err(twice).to_string().contains("configured twice"));

    let missing_file = ok().endpoint(
        EndpointConfig::new("vpce-0fffffffffffffff0", CALLER_ACCOUNT)
            .policy(PolicySource::file("/nonexistent/policy.json")),
    );
    assert!(matches!(start_err(missing_file), GatewayError::Read { .. }));

    let bad_json = ok().endpoint(
        EndpointConfig::new("vpce-0fffffffffffffff0", CALLER_ACCOUNT).policy(PolicySource::json(
            "broken",
            r#"{"Statement": [{"Effect": "allow"}]}"#,
        )),
    );
    let err = start_err(bad_json);
    assert!(matches!(err, GatewayError::Policy { .. }));
    assert!(err.to_string().starts_with("policy broken: "), "{err}");

    let toml = GatewayConfig::from_toml_str("[[apis]]\nid = 1\n", None).unwrap_err();
    assert!(matches!(toml, GatewayError::Toml { .. }));
    let typo = GatewayConfig::from_toml_str("[[listeners]]\nadress = \"127.0.0.1:0\"\n", None)
        .unwrap_err();
    assert!(typo.to_string().contains("adress"), "{typo}");
}

#[test]
fn the_sample_configuration_lints_clean_of_errors() {
    let config = GatewayConfig::load(config_path()).unwrap();
    let findings = config.lint_policies().unwrap();
    assert!(
        findings
            .iter()
            .all(|(_, f)| f.severity != sigv4x_policy::Severity::Error),
        "{findings:?}"
    );
}

#[tokio::test]
async fn an_endpoint_policy_on_resource_tags_never_allows_and_the_reason_says_why() {
    let policy = r#"{"Version": "2012-10-17", "Statement": [{"Sid": "ByTag", "Effect": "Allow",
        "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*",
        "Condition": {"StringEquals": {"aws:ResourceTag/Project": "orders"}}}]}"#;
    let endpoint = EndpointConfig::new(VPCE, CALLER_ACCOUNT)
        .policy(PolicySource::json("tag-policy", policy))
        .tag("Project", "orders");
    let gateway = Gateway::start(config(
        vec![RouteConfig::respond("GET", "/orders", 200, "{}")],
        endpoint,
    ))
    .await
    .unwrap();
    let inside = gateway.address_for(Some(VPCE)).unwrap();
    let response = send(inside, signed(&LAMBDA, "GET", inside, "/prod/orders", ""))
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let record = gateway.audit().last().unwrap();
    assert_eq!(record.decided_by, Step::EndpointPolicy);
    assert!(
        record
            .reason
            .contains("API Gateway sets no aws:ResourceTag/Project"),
        "{}",
        record.reason
    );
    assert!(
        record
            .reason
            .contains("endpoint vpce-0a1b2c3d4e5f60718 is tagged Project=orders"),
        "{}",
        record.reason
    );
    gateway.shutdown().await;
}

#[tokio::test]
async fn a_route_without_authorization_is_decided_by_the_policies_alone() {
    let routes = vec![
        RouteConfig::respond("GET", "/health", 200, r#"{"ok":true}"#)
            .authorization(Authorization::None),
    ];
    let gateway = Gateway::start(config(routes, EndpointConfig::new(VPCE, CALLER_ACCOUNT)))
        .await
        .unwrap();
    let inside = gateway.address_for(Some(VPCE)).unwrap();
    let outside = gateway.address_for(None).unwrap();
    let plain = |a: SocketAddr| {
        http::Request::get(format!("http://{a}/prod/health"))
            .body(Bytes::new())
            .unwrap()
    };

    let response = send(inside, plain(inside)).await.unwrap();
    assert_eq!(response.status(), 200);
    let record = gateway.audit().last().unwrap();
    assert_eq!(record.principal, None);
    assert_eq!(
        record.layer(Step::Authentication).unwrap().verdict,
        sigv4x_gateway::Verdict::NotConsulted
    );

    let response = send(outside, plain(outside)).await.unwrap();
    assert_eq!(response.status(), 403);
    assert_eq!(
        json(&response)["Message"],
        "User: anonymous is not authorized to perform: execute-api:Invoke on resource: \
         arn:aws:execute-api:us-east-1:444455556666:a1b2c3d4e5/prod/GET/health with an explicit deny"
    );
    gateway.shutdown().await;
}

/// A local server answering with what it received, after `delay`.
async fn upstream(delay: Duration) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let service = service_fn(
                    move |request: hyper::Request<hyper::body::Incoming>| async move {
                        tokio::time::sleep(delay).await;
                        let method = request.method().to_string();
                        let target = request.uri().to_string();
                        let host = request
                            .headers()
                            .get("host")
                            .map(|h| h.to_str().unwrap().to_owned());
                        let body = request.into_body().collect().await.unwrap().to_bytes();
                        let echo = serde_json::json!({
                            "method": method, "target": target, "host": host,
                            "body": String::from_utf8_lossy(&body),
                        });
                        Ok::<_, Infallible>(
                            hyper::Response::builder()
                                .status(202)
                                .header("x-upstream", "yes")
                                .body(Full::new(Bytes::from(echo.to_string())))
                                .unwrap(),
                        )
                    },
                );
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    address
}

#[tokio::test]
async fn proxy_routes_forward_path_query_and_body_and_report_a_dead_target() {
    let target = upstream(Duration::ZERO).await;
    let slow = upstream(Duration::from_millis(500)).await;
    // A port nothing listens on: bind, note it, close.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let mut slow_route = RouteConfig::proxy("ANY", "/slow", format!("http://{slow}"));
    slow_route.timeout_ms = Some(100);
    let routes = vec![
        RouteConfig::proxy(
            "ANY",
            "/orders/{proxy+}",
            format!("http://{target}/backend/"),
        ),
        RouteConfig::proxy("GET", "/dead", format!("http://{dead}")),
        slow_route,
    ];
    let gateway = Gateway::start(config(routes, EndpointConfig::new(VPCE, CALLER_ACCOUNT)))
        .await
        .unwrap();
    let inside = gateway.address_for(Some(VPCE)).unwrap();

    let response = send(
        inside,
        signed(
            &LAMBDA,
            "POST",
            inside,
            "/prod/orders/7/items?limit=2",
            "{\"qty\":3}",
        ),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 202);
    assert_eq!(header(&response, "x-upstream"), "yes");
    assert!(!header(&response, "x-amzn-requestid").is_empty());
    let echo = json(&response);
    assert_eq!(echo["method"], "POST");
    assert_eq!(echo["target"], "/backend/orders/7/items?limit=2");
    assert_eq!(echo["host"], target.to_string());
    assert_eq!(echo["body"], "{\"qty\":3}");

    let response = send(inside, signed(&LAMBDA, "GET", inside, "/prod/dead", ""))
        .await
        .unwrap();
    assert_eq!(response.status(), 500);
    assert_eq!(
        json(&response),
        serde_json::json!({"message": "Internal server error"})
    );
    assert_eq!(gateway.audit().last().unwrap().decided_by, Step::Handler);

    let response = send(inside, signed(&LAMBDA, "GET", inside, "/prod/slow", ""))
        .await
        .unwrap();
    assert_eq!(response.status(), 504);
    assert_eq!(
        json(&response),
        serde_json::json!({"message": "Endpoint request timed out"})
    );
    gateway.shutdown().await;
}

#[tokio::test]
async fn shutdown_lets_requests_in_flight_finish_then_refuses_connections() {
    let slow = upstream(Duration::from_millis(300)).await;
    let routes = vec![RouteConfig::proxy("GET", "/slow", format!("http://{slow}"))];
    let gateway = Gateway::start(config(routes, EndpointConfig::new(VPCE, CALLER_ACCOUNT)))
        .await
        .unwrap();
    let inside = gateway.address_for(Some(VPCE)).unwrap();
    let in_flight = tokio::spawn(send(
        inside,
        signed(&LAMBDA, "GET", inside, "/prod/slow", ""),
    ));
    tokio::time::sleep(Duration::from_millis(100)).await;
    let audit = gateway.audit().clone();
    gateway.shutdown().await;
    let response = in_flight.await.unwrap().unwrap();
    assert_eq!(response.status(), 202);
    assert_eq!(audit.len(), 1);
    assert!(tokio::net::TcpStream::connect(inside).await.is_err());
}

#[tokio::test]
async fn the_audit_file_gets_one_json_line_per_request() {
    let dir = std::env::temp_dir().join(format!("sigv4x-gateway-audit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("audit.jsonl");
    let _ = std::fs::remove_file(&path);
    let config = config(
        vec![RouteConfig::respond("GET", "/orders", 200, "{}")],
        EndpointConfig::new(VPCE, CALLER_ACCOUNT),
    )
    .audit(sigv4x_gateway::AuditConfig::file("audit.jsonl", 10))
    .base_dir(&dir);
    let gateway = Gateway::start(config).await.unwrap();
    let inside = gateway.address_for(Some(VPCE)).unwrap();
    let outside = gateway.address_for(None).unwrap();
    send(inside, signed(&LAMBDA, "GET", inside, "/prod/orders", ""))
        .await
        .unwrap();
    send(outside, signed(&LAMBDA, "GET", outside, "/prod/orders", ""))
        .await
        .unwrap();
    gateway.shutdown().await;
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["status"], 200);
    assert_eq!(lines[0]["sourceVpce"], VPCE);
    assert_eq!(lines[1]["status"], 403);
    assert_eq!(lines[1]["decidedBy"], "resource_policy");
    assert_eq!(lines[1]["layers"][2]["verdict"], "not_consulted");
    assert_eq!(lines[1]["layers"][3]["statement"], "DenyOutside");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_blocking_gateway_serves_synchronous_tests() {
    let gateway = Gateway::spawn(reference_config()).unwrap();
    let inside = gateway.address_for(Some(ENDPOINT)).unwrap();
    let client = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let response = client
        .block_on(send(
            inside,
            signed(&LAMBDA, "GET", inside, "/prod/orders", ""),
        ))
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(gateway.audit().unwrap().len(), 1);
    gateway.stop();
    assert!(std::net::TcpStream::connect(inside).is_err());
}

/// Policies see the caller as IAM describes it: `aws:userid` from the configured unique id
/// and the session name, `aws:PrincipalArn` the role's ARN with its path.
#[tokio::test]
async fn policies_see_the_callers_unique_id_and_role_path() {
    let policy = r#"{"Version": "2012-10-17", "Statement": [
        {"Sid": "OnlyThisSession", "Effect": "Deny", "Principal": "*",
         "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
         "Condition": {"StringNotLike": {"aws:userid": "AROAEXAMPLEROLE00001:orders-function"}}},
        {"Sid": "RoleWithPath", "Effect": "Allow", "Principal": "*",
         "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
         "Condition": {"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/svc/orders-lambda-role"}}}]}"#;
    let caller = |unique_id: Option<&str>| {
        let mut p = PrincipalConfig::new(
            LAMBDA.id,
            LAMBDA.secret,
            "arn:aws:iam::111122223333:role/svc/orders-lambda-role",
        )
        .session("orders-function", Some(LAMBDA.token.to_owned()))
        .identity_policy(PolicySource::json("identity-all", IDENTITY_ALL));
        if let Some(id) = unique_id {
            p = p.unique_id(id);
        }
        p
    };
    for (unique_id, expected) in [(Some("AROAEXAMPLEROLE00001"), 200), (None, 403)] {
        let mut config = config(
            vec![RouteConfig::respond("GET", "/orders", 200, "{}")],
            EndpointConfig::new(VPCE, CALLER_ACCOUNT),
        );
        config.apis[0].resource_policy = Some(PolicySource::json("resource", policy));
        config.principals = vec![caller(unique_id)];
        let gateway = Gateway::start(config).await.unwrap();
        let inside = gateway.address_for(Some(VPCE)).unwrap();
        let response = send(inside, signed(&LAMBDA, "GET", inside, "/prod/orders", ""))
            .await
            .unwrap();
        assert_eq!(response.status(), expected, "unique id {unique_id:?}");
        gateway.shutdown().await;
    }
}

/// A configuration can be committed without its secrets: a principal's secret and token come
/// from a file or an environment variable, and a missing one is named, never shown.
#[tokio::test]
async fn principals_take_their_secrets_from_files_or_the_environment() {
    let dir = std::env::temp_dir().join(format!("sigv4x-gateway-secrets-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("lambda.secret"), format!("{}\n", LAMBDA.secret)).unwrap();
    let var = format!("SIGV4X_TEST_LAMBDA_TOKEN_{}", std::process::id());
    std::env::set_var(&var, LAMBDA.token);

    let from_outside = |secret_file: &str, token_var: &str| {
        let mut config = reference_config();
        let p = config
            .principals
            .iter_mut()
            .find(|p| p.access_key_id == LAMBDA.id)
            .unwrap();
        p.secret_access_key.clear();
        p.secret_access_key_file = Some(dir.join(secret_file));
        p.session_token = None;
        p.session_token_env = Some(token_var.to_owned());
        config
    };

    let gateway = Gateway::start(from_outside("lambda.secret", &var))
        .await
        .unwrap();
    let inside = gateway.address_for(Some(ENDPOINT)).unwrap();
    let response = send(inside, signed(&LAMBDA, "GET", inside, "/prod/orders", ""))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    gateway.shutdown().await;

    let runtime_err = |config| async { Gateway::start(config).await.unwrap_err().to_string() };
    let err = runtime_err(from_outside("missing.secret", &var)).await;
    assert!(err.contains("secret_access_key_file: cannot read"), "{err}");
    let err = runtime_err(from_outside("lambda.secret", "SIGV4X_TEST_UNSET_VARIABLE")).await;
    assert!(
        err.contains("session_token_env") && err.contains("SIGV4X_TEST_UNSET_VARIABLE"),
        "{err}"
    );
    std::fs::write(dir.join("empty.secret"), "\n").unwrap();
    let err = runtime_err(from_outside("empty.secret", &var)).await;
    assert!(
        err.contains("secret_access_key_file") && err.contains("is empty"),
        "{err}"
    );
    let mut both = from_outside("lambda.secret", &var);
    both.principals
        .iter_mut()
        .for_each(|p| p.secret_access_key = "inline".into());
    let err = runtime_err(both).await;
    assert!(err.contains("give only one of secret_access_key"), "{err}");
    assert!(
        !err.contains(LAMBDA.secret) && !err.contains(LAMBDA.token),
        "{err}"
    );

    // The settings' TOML names.
    let toml = GatewayConfig::from_toml_str(
        "[[principals]]\naccess_key_id = \"AKID\"\narn = \"arn:aws:iam::111122223333:user/u\"\n\
         secret_access_key_file = \"k.secret\"\nsession_token_env = \"TOKEN_VAR\"\n",
        None,
    )
    .unwrap();
    let p = &toml.principals[0];
    assert_eq!(
        p.secret_access_key_file.as_deref(),
        Some(std::path::Path::new("k.secret"))
    );
    assert_eq!(p.session_token_env.as_deref(), Some("TOKEN_VAR"));
    let _ = std::fs::remove_dir_all(&dir);
}
