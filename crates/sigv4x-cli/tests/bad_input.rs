//! Bad input: one line on stderr naming the problem, exit 2 (usage) or 1 (runtime), never a
//! panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;

fn curl(args: &[&str]) -> Run {
    Sigv4x::new()
        .with_key(&LAMBDA)
        .args(["curl"])
        .args(args)
        .run()
}

#[test]
fn usage_errors_exit_2() {
    let cases: [(&[&str], &str); 9] = [
        (
            &[
                "--region",
                "us-east-1",
                "--service",
                "execute-api",
                "http://exa mple.com/",
            ],
            "does not parse",
        ),
        (
            &[
                "--region",
                "us-east-1",
                "--service",
                "execute-api",
                "ftp://example.com/",
            ],
            "is not http or https",
        ),
        (
            &[
                "--region",
                "us-east-1",
                "--service",
                "execute-api",
                "-H",
                "no colon",
                "http://127.0.0.1:1/",
            ],
            "has no colon",
        ),
        (
            &[
                "--region",
                "us-east-1",
                "--service",
                "execute-api",
                "-X",
                "G T",
                "http://127.0.0.1:1/",
            ],
            "is not an HTTP token",
        ),
        (
            &["http://127.0.0.1:1/prod/orders"],
            "cannot infer the service from host `127.0.0.1:1`: pass --service",
        ),
        (
            &["--service", "execute-api", "http://127.0.0.1:1/prod/orders"],
            "cannot infer the region from host `127.0.0.1:1`: pass --region",
        ),
        (
            &["--region", "us-east-1", "--service", "execute-api"],
            "no URL given",
        ),
        (
            &[
                "--region",
                "us east",
                "--service",
                "execute-api",
                "http://127.0.0.1:1/",
            ],
            "--region `us east` cannot be part of a credential scope",
        ),
        (
            &[
                "--region",
                "us-east-1",
                "--service",
                "execute-api",
                "--resolve",
                "nonsense",
                "http://127.0.0.1:1/",
            ],
            "--resolve `nonsense`",
        ),
    ];
    for (args, needle) in cases {
        let run = curl(args);
        run.assert_code(2);
        assert!(run.stderr.contains(needle), "{args:?}: {}", run.stderr);
    }
    // clap's own usage errors exit 2 as well.
    let run = Sigv4x::new().args(["curl", "--no-such-flag"]).run();
    assert_eq!(run.code, 2);
    assert!(!run.stderr.contains("panicked"));
    let run = Sigv4x::new().args(["frobnicate"]).run();
    assert_eq!(run.code, 2);
}

#[test]
fn runtime_errors_exit_1() {
    let run = curl(&[
        "--region",
        "us-east-1",
        "--service",
        "execute-api",
        "--data-binary",
        "@/nonexistent/order.json",
        "http://127.0.0.1:1/",
    ]);
    run.assert_code(1);
    assert!(
        run.stderr
            .starts_with("sigv4x: cannot read data file `/nonexistent/order.json`: "),
        "{}",
        run.stderr
    );
    let run = Sigv4x::new()
        .args(["explain", "--response", "/nonexistent/answer"])
        .run();
    run.assert_code(1);
    let run = Sigv4x::new()
        .env("SIGV4X_TEST_NOW", "yesterday")
        .with_key(&LAMBDA)
        .args(["curl", "--dry-run"])
        .args(SCOPE)
        .args(["http://127.0.0.1:1/"])
        .run();
    run.assert_code(2);
    assert!(run.stderr.contains("SIGV4X_TEST_NOW"), "{}", run.stderr);
}

#[test]
fn unresolvable_hosts_exit_6_and_bad_ca_files_77() {
    let run = curl(&[
        "--region",
        "us-east-1",
        "--service",
        "execute-api",
        "http://no-such-host.invalid/",
    ]);
    run.assert_code(6);
    assert_eq!(
        run.stderr,
        "sigv4x: (6) Could not resolve host: no-such-host.invalid\n"
    );
    let dir = tempfile::tempdir().unwrap();
    let ca = write_file(dir.path(), "ca.pem", b"not a certificate");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let run = Sigv4x::new()
        .with_key(&LAMBDA)
        .args(["curl", "--cacert"])
        .args([&ca])
        .args(SCOPE)
        .args([format!("https://127.0.0.1:{port}/")])
        .run();
    run.assert_code(77);
}

#[test]
fn explain_without_the_request_says_what_to_add() {
    let answer = br#"{"message":"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\nThe Canonical String for this request should have been\n'GET\n/prod/orders\n\nhost:h\nx-amz-date:20261129T103433Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'\n\nThe String-to-Sign should have been\n'AWS4-HMAC-SHA256\n20261129T103433Z\n20261129/us-east-1/execute-api/aws4_request\nabc'\n"}"#;
    let run = Sigv4x::new().args(["explain"]).run_with_stdin(answer);
    run.assert_code(2);
    assert!(run.stderr.contains("--request-file"), "{}", run.stderr);
    assert!(
        run.out().contains("The server computed:\n  GET\n"),
        "{}",
        run.out()
    );
}
