#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Tried as an attacker would: a request signed (by botocore) for one path and sent with
//! another, encodings a backend decodes, aws-chunked bodies nobody verified, and proxy header
//! tricks. Each row of issue #11's tables is a test here; every one must be refused before it
//! reaches a route, a policy or a backend.

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use common::*;
use sigv4x::{
    sign_streaming_at, ChunkedMode, Credentials, Payload, Signer, StreamingPlan, STREAMING_PAYLOAD,
    STREAMING_UNSIGNED_PAYLOAD_TRAILER,
};
use sigv4x_gateway::{BlockingGateway, Gateway, PolicySource, RouteConfig};

/// The resource policy of the issue's setup: only through the expected endpoint, the admin
/// routes denied to everyone, the two roles allowed on the whole stage.
const RESOURCE_POLICY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "DenyOutsideExpectedEndpoint", "Effect": "Deny", "Principal": "*",
     "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
     "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-0a1b2c3d4e5f60718"}}},
    {"Sid": "DenyAdmin", "Effect": "Deny", "Principal": "*",
     "Action": "execute-api:Invoke", "Resource": "execute-api:/prod/GET/admin/*"},
    {"Sid": "AllowRoles", "Effect": "Allow",
     "Principal": {"AWS": ["arn:aws:iam::111122223333:role/orders-lambda-role",
                           "arn:aws:iam::111122223333:role/reporting-role"]},
     "Action": "execute-api:Invoke", "Resource": "execute-api:/prod/*"}
  ]
}"#;

const ENDPOINT_POLICY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "AllowBothRoles", "Effect": "Allow",
     "Principal": {"AWS": ["arn:aws:iam::111122223333:role/orders-lambda-role",
                           "arn:aws:iam::111122223333:role/reporting-role"]},
     "Action": "execute-api:Invoke",
     "Resource": "arn:aws:execute-api:us-east-1:444455556666:a1b2c3d4e5/prod/*"}
  ]
}"#;

struct Setup {
    gateway: BlockingGateway,
    address: SocketAddr,
    backend: Arc<Mutex<Vec<Received>>>,
}

/// The reference gateway plus a proxy route `ANY /{proxy+}` to a recording backend under
/// `/base`, and the policies above.
fn setup() -> Setup {
    let (backend_address, backend) = backend();
    let mut config = reference_config();
    config.apis[0].resource_policy =
        Some(PolicySource::json("hardening-resource", RESOURCE_POLICY));
    config.endpoints[0].policy = Some(PolicySource::json("hardening-endpoint", ENDPOINT_POLICY));
    config.apis[0].routes.push(RouteConfig::proxy(
        "ANY",
        "/{proxy+}",
        format!("http://{backend_address}/base"),
    ));
    let gateway = Gateway::spawn(config).unwrap();
    let address = gateway.address_for(Some(ENDPOINT)).unwrap();
    Setup {
        gateway,
        address,
        backend,
    }
}

/// Signed by botocore for `signed_path`, sent with the raw target `sent_as`.
fn send_as(s: &Setup, key: &Key, signed_path: &str, sent_as: &str) -> Option<RawAnswer> {
    let url = format!("http://{}{signed_path}", s.address);
    let headers = botocore_headers(key, "GET", &url, "", &[])?;
    Some(raw_request(s.address, "GET", sent_as, &headers, b""))
}

fn assert_not_normal(answer: &RawAnswer, what: &str) {
    assert_eq!(answer.status, 400, "{what}: {answer:?}");
    assert_eq!(
        answer.header("x-amzn-errortype"),
        Some("BadRequestException"),
        "{what}"
    );
    assert!(
        answer.body.contains("normal form"),
        "{what}: {}",
        answer.body
    );
}

#[test]
fn the_signed_path_is_the_only_path_that_gets_through() {
    let s = setup();
    // Controls: the real paths get their real answers.
    let Some(admin) = send_as(&s, &REPORTING, "/prod/admin/stats", "/prod/admin/stats") else {
        return;
    };
    assert_eq!(admin.status, 403, "the Deny on admin/* holds: {admin:?}");
    assert!(admin.body.contains("explicit deny"), "{}", admin.body);
    let orders = send_as(&s, &LAMBDA, "/prod/orders", "/prod/orders").unwrap();
    assert_eq!(orders.status, 200, "{orders:?}");

    let rows: [(&Key, &str, &str); 8] = [
        (&REPORTING, "/prod/admin/stats", "/prod//admin/stats"),
        (&REPORTING, "/prod/admin/stats", "/prod/./admin/stats"),
        (&LAMBDA, "/prod/admin/stats", "/prod/orders/../admin/stats"),
        (
            &LAMBDA,
            "/prod/orders/%2e%2e/admin/stats",
            "/prod/orders/%2e%2e/admin/stats",
        ),
        (
            &LAMBDA,
            "/prod/orders/..%2Fadmin%2Fstats",
            "/prod/orders/..%2Fadmin%2Fstats",
        ),
        (
            &LAMBDA,
            "/prod/orders/%2E%2E%2Fadmin%2Fstats",
            "/prod/orders/%2E%2E%2Fadmin%2Fstats",
        ),
        (&LAMBDA, "/prod/orders/%61dmin", "/prod/orders/%61dmin"),
        // Servlet containers read `/admin;x/stats` as `/admin/stats`.
        (&REPORTING, "/prod/admin;x/stats", "/prod/admin;x/stats"),
    ];
    for (key, signed, sent) in rows {
        let answer = send_as(&s, key, signed, sent).unwrap();
        assert_not_normal(&answer, &format!("{} signed {signed} sent {sent}", key.id));
    }
    assert!(
        s.backend.lock().unwrap().is_empty(),
        "nothing reached the backend: {:?}",
        s.backend.lock().unwrap()
    );
    // Each refusal is audited with the path as sent, refused by the route layer.
    let records = s.gateway.audit().unwrap().records();
    let refused: Vec<_> = records.iter().filter(|r| r.status == 400).collect();
    assert_eq!(refused.len(), 8);
    assert!(refused
        .iter()
        .all(|r| r.route.is_none() && r.resource_arn.is_none()));
    assert!(refused
        .iter()
        .any(|r| r.path == "/prod/orders/../admin/stats"));
    s.gateway.stop();
}

#[test]
fn the_backend_gets_the_signed_path_and_what_the_gateway_adds() {
    let s = setup();
    let url = format!("http://{}/prod/orders/7/items?x=1", s.address);
    let Some(headers) = botocore_headers(
        &REPORTING,
        "GET",
        &url,
        "",
        &["x-forwarded-for:10.66.66.66"],
    ) else {
        return;
    };
    let answer = raw_request(s.address, "GET", "/prod/orders/7/items?x=1", &headers, b"");
    assert_eq!(answer.status, 200, "{answer:?}");
    let seen = s.backend.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    let got = &seen[0];
    assert_eq!(got.target, "/base/orders/7/items?x=1");
    let header = |n: &str| {
        got.headers
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(header("x-forwarded-for"), Some("10.66.66.66, 127.0.0.1"));
    assert_eq!(header("forwarded"), Some("for=127.0.0.1"));
    assert!(header("authorization").is_some_and(|a| a.starts_with("AWS4-HMAC-SHA256")));
    s.gateway.stop();
}

#[test]
fn connection_named_headers_do_not_reach_the_backend() {
    let s = setup();
    let url = format!("http://{}/prod/orders/9/items", s.address);
    let Some(mut headers) = botocore_headers(&REPORTING, "GET", &url, "", &[]) else {
        return;
    };
    headers.push(("X-Hop".into(), "only-for-the-gateway".into()));
    headers.push(("Keep-Alive".into(), "timeout=5".into()));
    headers.push(("Connection".into(), "X-Hop, keep-alive".into()));
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(s.address).unwrap();
    let mut head = "GET /prod/orders/9/items HTTP/1.1\r\n".to_string();
    for (n, v) in &headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut buf = [0u8; 4096];
    let n = stream.read(&mut buf).unwrap();
    let answer = parse_answer(&buf[..n]);
    assert_eq!(answer.status, 200, "{answer:?}");
    let seen = s.backend.lock().unwrap().clone();
    let got = seen.last().unwrap();
    let names: Vec<&str> = got.headers.iter().map(|(n, _)| n.as_str()).collect();
    assert!(!names.contains(&"x-hop"), "{names:?}");
    assert!(!names.contains(&"keep-alive"), "{names:?}");
    drop(stream);
    s.gateway.stop();
}

fn lambda_signer() -> Signer {
    Signer::new(
        Credentials::new(LAMBDA.id, LAMBDA.secret, Some(LAMBDA.token.to_owned())),
        "us-east-1",
        "execute-api",
    )
}

/// A POST to the proxy route declaring an aws-chunked body, signed, with `body` sent as is.
fn streaming_post(s: &Setup, mode: &str, body: &[u8]) -> RawAnswer {
    let mut request = http::Request::post(format!("http://{}/prod/orders/upload", s.address))
        .header("x-amz-content-sha256", mode)
        .header("x-amz-decoded-content-length", "5")
        .header("content-encoding", "aws-chunked")
        .body(())
        .unwrap();
    lambda_signer()
        .sign_at(&mut request, Payload::Precomputed(mode), SystemTime::now())
        .unwrap();
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap().to_owned()))
        .collect();
    raw_request(s.address, "POST", "/prod/orders/upload", &headers, body)
}

#[test]
fn a_streaming_request_whose_body_is_not_aws_chunked_is_refused() {
    let s = setup();
    let answer = streaming_post(&s, STREAMING_PAYLOAD, b"not aws-chunked at all");
    assert_eq!(answer.status, 400, "{answer:?}");
    assert!(s.backend.lock().unwrap().is_empty());
    s.gateway.stop();
}

#[test]
fn streaming_unsigned_payload_trailer_needs_the_same_opt_in_as_unsigned_payload() {
    let s = setup();
    let answer = streaming_post(&s, STREAMING_UNSIGNED_PAYLOAD_TRAILER, b"anything");
    assert_eq!(answer.status, 400, "{answer:?}");
    assert!(
        answer.body.contains("STREAMING-UNSIGNED-PAYLOAD-TRAILER"),
        "{}",
        answer.body
    );
    assert!(s.backend.lock().unwrap().is_empty());
    s.gateway.stop();
}

/// A real aws-chunked upload: `tamper` flips one byte of the encoded body first.
fn chunked_upload(s: &Setup, tamper: bool) -> RawAnswer {
    let data = vec![b'z'; 20_000];
    let mut request = http::Request::post(format!("http://{}/prod/orders/upload", s.address))
        .body(())
        .unwrap();
    let plan = StreamingPlan::new(ChunkedMode::Signed, data.len() as u64, 8 * 1024);
    let mut encoder =
        sign_streaming_at(&lambda_signer(), &mut request, plan, SystemTime::now()).unwrap();
    let mut body = Vec::new();
    for chunk in data.chunks(8 * 1024) {
        encoder.encode_chunk(chunk, &mut body).unwrap();
    }
    body.extend_from_slice(encoder.finish().unwrap().as_bytes());
    if tamper {
        let at = body.len() / 2;
        body[at] ^= 1;
    }
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap().to_owned()))
        .collect();
    raw_request(s.address, "POST", "/prod/orders/upload", &headers, &body)
}

#[test]
fn aws_chunked_bodies_reach_the_backend_decoded_and_verified() {
    let s = setup();
    // POST /orders/upload is not in the Lambda's identity policy: give it one that is.
    let answer = chunked_upload(&s, true);
    assert_eq!(answer.status, 403, "a changed chunk: {answer:?}");
    assert!(s.backend.lock().unwrap().is_empty());
    s.gateway.stop();

    let (backend_address, backend) = backend();
    let mut config = reference_config();
    config.apis[0].routes.push(RouteConfig::proxy(
        "POST",
        "/orders/{proxy+}",
        format!("http://{backend_address}"),
    ));
    config.principals[0].identity_policies = vec![PolicySource::json(
        "upload",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke",
            "Resource":"arn:aws:execute-api:us-east-1:444455556666:a1b2c3d4e5/prod/*"}]}"#,
    )];
    let gateway = Gateway::spawn(config).unwrap();
    let s = Setup {
        address: gateway.address_for(Some(ENDPOINT)).unwrap(),
        gateway,
        backend,
    };
    let answer = chunked_upload(&s, false);
    assert_eq!(answer.status, 200, "{answer:?}");
    let seen = s.backend.lock().unwrap().clone();
    let got = &seen[0];
    assert_eq!(got.body, vec![b'z'; 20_000]);
    let header = |n: &str| {
        got.headers
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(header("content-length"), Some("20000"));
    assert_eq!(header("content-encoding"), None);
    s.gateway.stop();
}

#[test]
fn an_unsigned_request_is_refused_before_its_body_is_read() {
    let s = setup();
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(s.address).unwrap();
    // Declares 10 MB and sends none of it: the answer comes from the headers alone.
    stream
        .write_all(b"POST /prod/orders HTTP/1.1\r\nhost: x\r\ncontent-length: 10000000\r\n\r\n")
        .unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut buf = [0u8; 2048];
    let n = stream.read(&mut buf).unwrap();
    let answer = parse_answer(&buf[..n]);
    assert_eq!(answer.status, 403, "{answer:?}");
    assert_eq!(
        answer.header("x-amzn-errortype"),
        Some("MissingAuthenticationTokenException")
    );
    s.gateway.stop();
}

/// The setup with a second API (`zzzzzzzzzz`, allowing everyone) that a captured request could
/// be sent to, and the replay guard on.
fn two_apis() -> (BlockingGateway, SocketAddr) {
    let mut config = reference_config();
    config.settings.replay_cache = 1000;
    config.apis[0].resource_policy =
        Some(PolicySource::json("hardening-resource", RESOURCE_POLICY));
    config.endpoints[0].policy = None;
    let open = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*",
        "Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}"#;
    config = config.api(
        sigv4x_gateway::ApiConfig::new("zzzzzzzzzz", "444455556666", "us-east-1")
            .stage("prod")
            .resource_policy(PolicySource::json("open", open))
            .route(RouteConfig::respond(
                "GET",
                "/admin/stats",
                200,
                "other API",
            )),
    );
    let gateway = Gateway::spawn(config).unwrap();
    let address = gateway.address_for(Some(ENDPOINT)).unwrap();
    (gateway, address)
}

#[test]
fn an_unsigned_api_id_header_cannot_send_a_request_to_another_api() {
    let (gateway, address) = two_apis();
    let url = format!("http://{address}/prod/admin/stats");
    let Some(mut headers) = botocore_headers(&REPORTING, "GET", &url, "", &[]) else {
        return;
    };
    headers.push(("x-apigw-api-id".into(), "zzzzzzzzzz".into()));
    let answer = raw_request(address, "GET", "/prod/admin/stats", &headers, b"");
    assert_eq!(answer.status, 403, "{answer:?}");
    assert!(
        answer.body.contains("not signed: x-apigw-api-id"),
        "{}",
        answer.body
    );
    // Signed, the header chooses the API as it should.
    let headers =
        botocore_headers(&REPORTING, "GET", &url, "", &["x-apigw-api-id:zzzzzzzzzz"]).unwrap();
    let answer = raw_request(address, "GET", "/prod/admin/stats", &headers, b"");
    assert!(!answer.body.contains("not signed"), "{answer:?}");
    assert_eq!(
        gateway.audit().unwrap().last().unwrap().api_id.as_deref(),
        Some("zzzzzzzzzz")
    );
    // The replay guard (one for every API) refuses the same bytes a second time.
    let again = raw_request(address, "GET", "/prod/admin/stats", &headers, b"");
    assert_eq!(again.status, 403, "{again:?}");
    assert!(again.body.contains("already been used"), "{}", again.body);
    gateway.stop();
}

#[test]
fn an_absolute_target_must_name_the_signed_host() {
    let s = setup();
    let url = format!("http://{}/prod/orders", s.address);
    let Some(headers) = botocore_headers(&LAMBDA, "GET", &url, "", &[]) else {
        return;
    };
    let answer = raw_request(
        s.address,
        "GET",
        "http://evil.example:9/prod/orders",
        &headers,
        b"",
    );
    assert_eq!(answer.status, 400, "{answer:?}");
    let same = format!("http://{}/prod/orders", s.address);
    let answer = raw_request(s.address, "GET", &same, &headers, b"");
    assert_eq!(answer.status, 200, "{answer:?}");
    s.gateway.stop();
}

#[test]
fn a_slow_header_is_cut_off_at_the_header_timeout_not_the_idle_one() {
    use std::io::{Read, Write};
    let mut config = reference_config();
    config.settings.header_read_timeout_ms = 1000;
    config.settings.idle_timeout_ms = 30_000;
    let gateway = Gateway::spawn(config).unwrap();
    let address = gateway.address_for(Some(ENDPOINT)).unwrap();
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    let started = std::time::Instant::now();
    stream
        .write_all(b"GET /prod/orders HTTP/1.1\r\nHost: x\r\nX-A: ")
        .unwrap();
    // One byte every 200 ms, never finishing the headers (bounded: at most 20 s).
    let mut closed = false;
    while started.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(200));
        if stream.write_all(b"a").is_err() {
            closed = true;
            break;
        }
        stream
            .set_read_timeout(Some(Duration::from_millis(1)))
            .unwrap();
        let mut buf = [0u8; 64];
        if matches!(stream.read(&mut buf), Ok(0)) {
            closed = true;
            break;
        }
    }
    let took = started.elapsed();
    assert!(closed, "still open after {took:?}");
    assert!(took < Duration::from_secs(5), "closed after {took:?}");
    gateway.stop();
}

#[test]
fn a_request_signed_for_one_listener_is_not_served_as_anothers_api() {
    let mut config = reference_config();
    config.apis[0].resource_policy =
        Some(PolicySource::json("hardening-resource", RESOURCE_POLICY));
    config.endpoints[0].policy = None;
    let open = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*",
        "Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}"#;
    config = config
        .api(
            sigv4x_gateway::ApiConfig::new("zzzzzzzzzz", "444455556666", "us-east-1")
                .stage("prod")
                .resource_policy(PolicySource::json("open", open))
                .route(RouteConfig::respond(
                    "GET",
                    "/admin/stats",
                    200,
                    "other API",
                )),
        )
        .listener(
            sigv4x_gateway::ListenerConfig::new("127.0.0.1:0".parse().unwrap())
                .through(ENDPOINT)
                .default_api("a1b2c3d4e5"),
        )
        .listener(
            sigv4x_gateway::ListenerConfig::new("127.0.0.1:0".parse().unwrap())
                .through(ENDPOINT)
                .default_api("zzzzzzzzzz"),
        );
    let gateway = Gateway::spawn(config).unwrap();
    let listeners = gateway.listeners().to_vec();
    let (first, second) = (listeners[2].address, listeners[3].address);
    let url = format!("http://{first}/prod/admin/stats");
    let Some(headers) = botocore_headers(&REPORTING, "GET", &url, "", &[]) else {
        return;
    };
    let answer = raw_request(first, "GET", "/prod/admin/stats", &headers, b"");
    assert_eq!(answer.status, 403, "the Deny of the first API: {answer:?}");
    let moved = raw_request(second, "GET", "/prod/admin/stats", &headers, b"");
    assert_eq!(moved.status, 403, "{moved:?}");
    assert_eq!(moved.header("x-amzn-errortype"), Some("ForbiddenException"));
    assert!(!moved.body.contains("other API"));
    gateway.stop();
}

#[test]
fn underscored_and_override_headers_do_not_reach_the_backend() {
    let s = setup();
    let url = format!("http://{}/prod/orders/9/items", s.address);
    let Some(mut headers) = botocore_headers(&REPORTING, "GET", &url, "", &[]) else {
        return;
    };
    headers.push(("X_HTTP_Method_Override".into(), "DELETE".into()));
    headers.push(("X-Original-URL".into(), "/admin/stats".into()));
    headers.push(("X-Forwarded-Proto".into(), "http".into()));
    let answer = raw_request(s.address, "GET", "/prod/orders/9/items", &headers, b"");
    assert_eq!(answer.status, 200, "{answer:?}");
    let seen = s.backend.lock().unwrap().clone();
    let names: Vec<&str> = seen[0].headers.iter().map(|(n, _)| n.as_str()).collect();
    for dropped in [
        "x_http_method_override",
        "x-original-url",
        "x-forwarded-proto",
    ] {
        assert!(
            !names.contains(&dropped),
            "{dropped} reached the backend: {names:?}"
        );
    }
    s.gateway.stop();
}
