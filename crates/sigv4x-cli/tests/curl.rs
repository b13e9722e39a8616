//! `sigv4x curl` against the gateway emulator over loopback.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;

#[test]
fn allowed_call_prints_the_body() {
    let (_gateway, address) = gateway();
    let run = Sigv4x::new()
        .with_key(&LAMBDA)
        .args(["curl"])
        .args(SCOPE)
        .arg_url(address, "/prod/orders")
        .run();
    run.assert_code(0);
    assert_eq!(run.out(), r#"{"orders":[{"id":"7","status":"shipped"}]}"#);
}

#[test]
fn denied_call_prints_the_refusal_and_exits_0_like_curl() {
    let (_gateway, address) = gateway();
    let run = Sigv4x::new()
        .with_key(&REPORTING)
        .args(["curl", "-i"])
        .args(SCOPE)
        .arg_url(address, "/prod/orders")
        .run();
    run.assert_code(0);
    let out = run.out();
    assert!(out.starts_with("HTTP/1.1 403 Forbidden\r\n"), "{out}");
    assert!(out.contains("AccessDeniedException"), "{out}");
    assert!(
        out.contains("is not authorized to perform: execute-api:Invoke"),
        "{out}"
    );
}

#[test]
fn fail_exits_22_without_output() {
    let (_gateway, address) = gateway();
    let run = Sigv4x::new()
        .with_key(&REPORTING)
        .args(["curl", "--fail"])
        .args(SCOPE)
        .arg_url(address, "/prod/orders")
        .run();
    run.assert_code(22);
    assert!(run.stdout.is_empty());
    assert_eq!(
        run.stderr,
        "sigv4x: (22) The requested URL returned error: 403\n"
    );
    // -s hides the message, as in curl.
    let (_g, address) = gateway();
    let run = Sigv4x::new()
        .with_key(&REPORTING)
        .args(["curl", "-sf"])
        .args(SCOPE)
        .arg_url(address, "/prod/orders")
        .run();
    assert_eq!((run.code, run.stderr.as_str()), (22, ""));
    // An allowed call with --fail is quiet and succeeds.
    let run = Sigv4x::new()
        .with_key(&LAMBDA)
        .args(["curl", "-f"])
        .args(SCOPE)
        .arg_url(address, "/prod/orders")
        .run();
    run.assert_code(0);
}

#[test]
fn body_from_a_file_is_signed_and_sent() {
    let (gateway, address) = gateway();
    let sigv4x = Sigv4x::new().with_key(&LAMBDA);
    let body = b"{\"orderId\":\"42\",\n\"items\":[1,2]}\n";
    let file = write_file(sigv4x.home(), "order.json", body);
    let run = sigv4x
        .args([
            "curl",
            "-i",
            "-H",
            "Content-Type: application/json",
            "--data-binary",
        ])
        .args([format!("@{}", file.display())])
        .args(SCOPE)
        .arg_url(address, "/prod/orders")
        .run();
    run.assert_code(0);
    let out = run.out();
    assert!(out.starts_with("HTTP/1.1 201 Created\r\n"), "{out}");
    assert!(out.ends_with(r#"{"id":"8","status":"created"}"#), "{out}");
    let record = gateway.audit().unwrap().last().unwrap();
    assert_eq!(record.status, 201);

    // -T sends the file too (PUT by default; POST here, the route's method).
    let sigv4x = Sigv4x::new().with_key(&LAMBDA);
    let file = write_file(sigv4x.home(), "order.json", body);
    let run = sigv4x
        .args(["curl", "-X", "POST", "-T"])
        .args([&file])
        .args(SCOPE)
        .arg_url(address, "/prod/orders")
        .run();
    run.assert_code(0);
    assert_eq!(run.out(), r#"{"id":"8","status":"created"}"#);
}

#[test]
fn output_file_and_verbose() {
    let (_gateway, address) = gateway();
    let sigv4x = Sigv4x::new().with_key(&LAMBDA);
    let out_file = sigv4x.home().join("out.json");
    let run = sigv4x
        .args(["curl", "-v", "-o"])
        .args([&out_file])
        .args(SCOPE)
        .arg_url(address, "/prod/orders/7")
        .run();
    run.assert_code(0);
    assert!(run.stdout.is_empty());
    assert_eq!(
        std::fs::read_to_string(&out_file).unwrap(),
        r#"{"id":"7","status":"shipped"}"#
    );
    let err = &run.stderr;
    for expected in [
        "* Canonical request:\n*   GET\n*   /prod/orders/7\n",
        "*   x-amz-security-token:<redacted>\n",
        "* String to sign:\n*   AWS4-HMAC-SHA256\n",
        "/us-east-1/execute-api/aws4_request\n",
        "> GET /prod/orders/7 HTTP/1.1\n",
        "> X-Amz-Security-Token: <redacted>\n",
        "< HTTP/1.1 200 OK\n",
    ] {
        assert!(err.contains(expected), "{expected:?} not in\n{err}");
    }
    assert!(!err.contains(LAMBDA.token), "the token is redacted");
}

#[test]
fn region_and_service_from_the_host_header_or_resolve() {
    let (_gateway, address) = gateway();
    // The API's own host name in Host, sent to the loopback listener.
    let run = Sigv4x::new()
        .with_key(&LAMBDA)
        .args(["curl", "-H", &format!("Host: {API_HOST}")])
        .arg_url(address, "/prod/orders")
        .run();
    run.assert_code(0);
    assert!(run.out().contains("shipped"));
    // The API's host name in the URL, resolved to the listener like curl --resolve.
    let port = address.port();
    let run = Sigv4x::new()
        .with_key(&LAMBDA)
        .args(["curl", "--resolve", &format!("{API_HOST}:{port}:127.0.0.1")])
        .args([format!("http://{API_HOST}:{port}/prod/orders")])
        .run();
    run.assert_code(0);
    assert!(run.out().contains("shipped"));
}

#[test]
fn dry_run_prints_the_signed_request_which_the_gateway_accepts() {
    let (_gateway, address) = gateway();
    let run = Sigv4x::new()
        .with_key(&LAMBDA)
        .args(["curl", "--dry-run", "-d", "a=1&b=2"])
        .args(SCOPE)
        .arg_url(address, "/prod/orders")
        .run();
    run.assert_code(0);
    let out = run.out();
    assert!(out.starts_with("POST /prod/orders HTTP/1.1\r\n"), "{out}");
    assert!(out.contains("Content-Type: application/x-www-form-urlencoded\r\n"));
    assert!(out.contains("Authorization: AWS4-HMAC-SHA256 Credential=ASIAORDERSLAMBDA0001/"));
    assert!(out.ends_with("\r\n\r\na=1&b=2"), "{out}");
    let response = send_raw(address, &run.stdout);
    assert_eq!(
        status_of(&response),
        201,
        "{}",
        String::from_utf8_lossy(&response)
    );
}

#[test]
fn transport_errors_have_curl_numbers() {
    // A port nobody listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let run = Sigv4x::new()
        .with_key(&LAMBDA)
        .args(["curl"])
        .args(SCOPE)
        .arg_url(address, "/prod/orders")
        .run();
    run.assert_code(7);
    assert!(
        run.stderr.starts_with(&format!(
            "sigv4x: (7) Failed to connect to 127.0.0.1 port {}",
            address.port()
        )),
        "{}",
        run.stderr
    );
}
