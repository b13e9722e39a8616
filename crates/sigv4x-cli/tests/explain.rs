//! `sigv4x explain` fed the gateway's own answers to requests that went wrong in the three
//! classic ways: a header changed after signing, a path encoded twice, a clock off.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;

/// Signs `args` with `--dry-run`, lets `tamper` change the bytes as a proxy would, sends them to
/// the gateway and returns (the request as signed, the gateway's answer).
fn tampered(
    address: std::net::SocketAddr,
    args: &[&str],
    path: &str,
    status: u16,
    tamper: impl Fn(&str) -> String,
) -> (Vec<u8>, Vec<u8>) {
    let run = Sigv4x::new()
        .with_key(&LAMBDA)
        .args(["curl", "--dry-run"])
        .args(args)
        .args(SCOPE)
        .arg_url(address, path)
        .run();
    run.assert_code(0);
    let signed = run.stdout.clone();
    let sent = tamper(&String::from_utf8(signed.clone()).unwrap());
    let answer = send_raw(address, sent.as_bytes());
    assert_eq!(
        status_of(&answer),
        status,
        "{}",
        String::from_utf8_lossy(&answer)
    );
    (signed, answer)
}

fn explain_with_flags(
    answer: &[u8],
    address: std::net::SocketAddr,
    args: &[&str],
    path: &str,
) -> Run {
    let sigv4x = Sigv4x::new().with_key(&LAMBDA);
    let response = write_file(sigv4x.home(), "answer.http", answer);
    let run = sigv4x
        .args(["explain", "--response"])
        .args([&response])
        .args(args)
        .args(SCOPE)
        .arg_url(address, path)
        .run();
    run.assert_code(0);
    run
}

fn explain_with_file(answer: &[u8], request: &[u8]) -> Run {
    // No credentials at all: the request file carries what is needed.
    let sigv4x = Sigv4x::new();
    let response = write_file(sigv4x.home(), "answer.http", answer);
    let request = write_file(sigv4x.home(), "request.http", request);
    let run = sigv4x
        .args(["explain", "--response"])
        .args([&response])
        .args(["--request-file"])
        .args([&request])
        .run();
    run.assert_code(0);
    run
}

#[test]
fn a_header_changed_after_signing() {
    let (_gateway, address) = gateway();
    let args = ["-H", "X-Custom: one"];
    let (signed, answer) = tampered(address, &args, "/prod/orders", 403, |r| {
        r.replace("X-Custom: one", "X-Custom: two")
    });
    assert!(String::from_utf8_lossy(&answer).contains("The Canonical String for this request"));

    for run in [
        explain_with_flags(&answer, address, &args, "/prod/orders"),
        explain_with_file(&answer, &signed),
    ] {
        let out = run.out();
        assert!(out.contains("- x-custom:one\n+ x-custom:two\n"), "{out}");
        assert!(out.contains("First difference: header x-custom\n"), "{out}");
        assert!(
            out.contains("Likely cause: a header was changed after signing"),
            "{out}"
        );
        assert!(out.contains("  x-amz-security-token:<redacted>\n"), "{out}");
        assert!(!out.contains(LAMBDA.token), "{out}");
    }
}

#[test]
fn a_path_encoded_twice() {
    let (_gateway, address) = gateway();
    // The client signed /prod/orders/a%20b; something encoded the URL once more before it
    // was sent.
    let path = "/prod/orders/a%20b";
    let (signed, answer) = tampered(address, &[], path, 400, |r| {
        r.replacen("/prod/orders/a%20b", "/prod/orders/a%2520b", 1)
    });
    // The gateway refuses a double-encoded path before it checks the signature, and says so.
    for run in [
        explain_with_flags(&answer, address, &[], path),
        explain_with_file(&answer, &signed),
    ] {
        let out = run.out();
        assert!(out.contains("First difference: path\n"), "{out}");
        assert!(out.contains("Likely cause: double encoding"), "{out}");
    }
}

#[test]
fn a_clock_off_by_ten_minutes() {
    let (_gateway, address) = gateway();
    let ten_minutes_ago = (unix_now() - 600).to_string();
    let run = Sigv4x::new()
        .with_key(&LAMBDA)
        .env("SIGV4X_TEST_NOW", &ten_minutes_ago)
        .args(["curl", "-i"])
        .args(SCOPE)
        .arg_url(address, "/prod/orders")
        .run();
    run.assert_code(0);
    let answer = run.stdout.clone();
    assert!(
        String::from_utf8_lossy(&answer).contains("Signature expired"),
        "{}",
        run.out()
    );
    // The answer through standard input, as in `sigv4x curl -i … | sigv4x explain …`.
    let run = Sigv4x::new()
        .with_key(&LAMBDA)
        .args(["explain"])
        .args(SCOPE)
        .arg_url(address, "/prod/orders")
        .run_with_stdin(&answer);
    run.assert_code(0);
    let out = run.out();
    assert!(
        out.starts_with("The server refused the request: InvalidSignatureException (HTTP 403)\n"),
        "{out}"
    );
    assert!(out.contains("First difference: date\n"), "{out}");
    assert!(out.contains("Likely cause: clock skew"), "{out}");
    assert!(
        out.contains("the client's clock is 10 min behind the server's, more than the 5 min"),
        "{out}"
    );
}

#[test]
fn a_changed_body_and_an_unchanged_request() {
    let (_gateway, address) = gateway();
    let args = ["--data-binary", "{\"orderId\":\"42\"}"];
    let (signed, answer) = tampered(address, &args, "/prod/orders", 403, |r| {
        r.replace("\"42\"", "\"43\"")
    });
    let out = explain_with_file(&answer, &signed).out();
    assert!(out.contains("First difference: payload hash\n"), "{out}");
    assert!(
        out.contains("Likely cause: the body changed after signing"),
        "{out}"
    );

    // A wrong secret: every text agrees.
    let run = Sigv4x::new()
        .with_key(&Key {
            secret: "not-the-secret",
            ..LAMBDA
        })
        .args(["curl", "-i"])
        .args(SCOPE)
        .arg_url(address, "/prod/orders")
        .run();
    let answer = run.stdout;
    let out = explain_with_flags(&answer, address, &[], "/prod/orders").out();
    assert!(out.contains("First difference: none\n"), "{out}");
    assert!(out.contains("secret access key does not belong"), "{out}");
}

#[test]
fn answers_without_texts() {
    let cases: [(&str, &str); 4] = [
        (
            r#"{"message":"Credential should be scoped to a valid region, not 'eu-west-1'."}"#,
            "wrong region",
        ),
        (
            "<Error><Code>AuthorizationHeaderMalformed</Code><Message>The authorization header is malformed; the region 'us-east-1' is wrong; expecting 'eu-west-1'</Message><Region>eu-west-1</Region></Error>",
            "wrong region: S3 expects `eu-west-1`",
        ),
        (
            r#"{"message":"The security token included in the request is invalid."}"#,
            "does not know these credentials",
        ),
        (
            "<Error><Code>RequestTimeTooSkewed</Code><Message>The difference between the request time and the current time is too large.</Message><RequestTime>20130524T000000Z</RequestTime><ServerTime>2013-05-24T00:20:00Z</ServerTime><MaxAllowedSkewMilliseconds>900000</MaxAllowedSkewMilliseconds></Error>",
            "clock is 20 min behind the server's, more than the 15 min",
        ),
    ];
    for (answer, expected) in cases {
        let run = Sigv4x::new()
            .args(["explain"])
            .run_with_stdin(answer.as_bytes());
        run.assert_code(0);
        assert!(run.out().contains(expected), "{answer}\n{}", run.out());
    }
    let run = Sigv4x::new()
        .args(["explain"])
        .run_with_stdin(b"HTTP/1.1 200 OK\r\n\r\nfine");
    run.assert_code(1);
}
