#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Requests signed by other SigV4 implementations reach the gateway over loopback and are
//! allowed or denied as the policies say: `curl --aws-sigv4`, botocore, and awscurl.
//!
//! A missing tool is a failure when `CI=true`, and a skip notice otherwise.

mod common;

use std::process::{Command, Output};

use common::*;
use sigv4x_gateway::{BlockingGateway, Gateway};

fn run(command: &mut Command) -> String {
    let Output {
        status,
        stdout,
        stderr,
    } = command.output().unwrap();
    let out = String::from_utf8_lossy(&stdout).into_owned();
    assert!(
        status.success(),
        "{command:?} failed: {out}\n{}",
        String::from_utf8_lossy(&stderr)
    );
    out
}

fn start() -> BlockingGateway {
    Gateway::spawn(reference_config()).unwrap()
}

#[test]
fn curl_aws_sigv4() {
    if !available(
        "curl",
        Command::new("curl").args(["--help", "all"]),
        "apt-get install curl (7.75 or later)",
    ) {
        return;
    }
    let gateway = start();
    let inside = gateway.address_for(Some(ENDPOINT)).unwrap();
    let outside = gateway.address_for(None).unwrap();
    let curl = |key: &Key, address, method: &str, path: &str, body: Option<&str>| {
        let mut command = Command::new("curl");
        command
            .args([
                "-s",
                "-X",
                method,
                "--aws-sigv4",
                "aws:amz:us-east-1:execute-api",
            ])
            .args(["--user", &format!("{}:{}", key.id, key.secret)])
            .args(["-H", &format!("x-amz-security-token: {}", key.token)])
            .args(["-w", "\n%{http_code}"]);
        if let Some(body) = body {
            command.args([
                "-H",
                "content-type: application/json",
                "--data-binary",
                body,
            ]);
        }
        command.arg(format!("http://{address}{path}"));
        let out = run(&mut command);
        let (body, status) = out.rsplit_once('\n').unwrap();
        (status.to_owned(), body.to_owned())
    };

    let (status, body) = curl(&LAMBDA, inside, "GET", "/prod/orders", None);
    assert_eq!(
        (status.as_str(), body.as_str()),
        ("200", r#"{"orders":[{"id":"7","status":"shipped"}]}"#)
    );
    let (status, _) = curl(
        &LAMBDA,
        inside,
        "POST",
        "/prod/orders",
        Some(r#"{"item":"book"}"#),
    );
    assert_eq!(status, "201");
    let (status, body) = curl(&LAMBDA, outside, "GET", "/prod/orders", None);
    assert_eq!(status, "403");
    assert!(body.contains("with an explicit deny"), "{body}");
    let (status, body) = curl(&REPORTING, inside, "GET", "/prod/orders", None);
    assert_eq!(status, "403");
    assert!(
        body.starts_with(
            r#"{"Message":"User: arn:aws:sts::111122223333:assumed-role/reporting-role/"#
        ),
        "{body}"
    );
    let wrong = Key {
        secret: "not-the-secret",
        ..LAMBDA
    };
    let (status, body) = curl(&wrong, inside, "GET", "/prod/orders", None);
    assert_eq!(status, "403");
    assert!(
        body.contains("The request signature we calculated does not match"),
        "{body}"
    );
    let audit = gateway.audit().unwrap().records();
    assert_eq!(
        audit.iter().map(|r| r.status).collect::<Vec<_>>(),
        [200, 201, 403, 403, 403]
    );
    gateway.stop();
}

#[test]
fn botocore_sigv4auth() {
    if !available(
        "botocore",
        Command::new("python3").args(["-c", "import botocore"]),
        "pip install botocore",
    ) {
        return;
    }
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/clients/botocore_call.py"
    );
    let gateway = start();
    let inside = gateway.address_for(Some(ENDPOINT)).unwrap();
    let outside = gateway.address_for(None).unwrap();
    let call = |key: &Key, address, method: &str, path: &str, body: &str| {
        let out = run(Command::new("python3").args([
            script,
            method,
            &format!("http://{address}{path}"),
            body,
            key.id,
            key.secret,
            key.token,
        ]));
        let mut lines = out.splitn(3, '\n');
        let status = lines.next().unwrap().to_owned();
        let error_type = lines.next().unwrap().to_owned();
        (
            status,
            error_type,
            lines.next().unwrap_or_default().trim_end().to_owned(),
        )
    };
    let (status, _, body) = call(&LAMBDA, inside, "GET", "/prod/orders/7", "");
    assert_eq!(
        (status.as_str(), body.as_str()),
        ("200", r#"{"id":"7","status":"shipped"}"#)
    );
    let (status, _, _) = call(&LAMBDA, inside, "POST", "/prod/orders", r#"{"item":"pen"}"#);
    assert_eq!(status, "201");
    let (status, error_type, _) = call(&LAMBDA, outside, "GET", "/prod/orders", "");
    assert_eq!(
        (status.as_str(), error_type.as_str()),
        ("403", "AccessDeniedException")
    );
    let (status, error_type, body) = call(&LAMBDA_BILLING_TAG, inside, "GET", "/prod/orders", "");
    assert_eq!(
        (status.as_str(), error_type.as_str()),
        ("403", "AccessDeniedException")
    );
    assert!(!body.contains("explicit deny"), "{body}");
    let (status, error_type, _) = call(&LAMBDA, inside, "GET", "/prod/admin/stats", "");
    assert_eq!(
        (status.as_str(), error_type.as_str()),
        ("403", "AccessDeniedException")
    );
    gateway.stop();
}

#[test]
fn awscurl() {
    if !available(
        "awscurl",
        Command::new("awscurl").arg("--help"),
        "pip install awscurl",
    ) {
        return;
    }
    let gateway = start();
    let inside = gateway.address_for(Some(ENDPOINT)).unwrap();
    let outside = gateway.address_for(None).unwrap();
    let call = |address, method: &str, path: &str, body: &str| {
        let mut command = Command::new("awscurl");
        // No profile or variables from the machine: only the keys given here.
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", std::env::temp_dir())
            .args([
                "-i",
                "-X",
                method,
                "--service",
                "execute-api",
                "--region",
                "us-east-1",
            ])
            .args(["--access_key", LAMBDA.id, "--secret_key", LAMBDA.secret])
            .args(["--session_token", LAMBDA.token]);
        if !body.is_empty() {
            command.args(["-H", "content-type: application/json", "-d", body]);
        }
        command.arg(format!("http://{address}{path}"));
        run(&mut command)
    };
    // awscurl prints headers and body but not the status: read it from the audit log.
    let status_of = |out: &str| {
        let id = out
            .split("'x-amzn-requestid': '")
            .nth(1)
            .and_then(|rest| rest.split('\'').next())
            .unwrap_or_else(|| panic!("no request id in {out}"));
        gateway.audit().unwrap().find(id).unwrap().status
    };
    let out = call(inside, "GET", "/prod/orders", "");
    assert_eq!(status_of(&out), 200);
    assert!(
        out.contains(r#"{"orders":[{"id":"7","status":"shipped"}]}"#),
        "{out}"
    );
    let out = call(inside, "POST", "/prod/orders", r#"{"item":"cup"}"#);
    assert_eq!(status_of(&out), 201);
    let out = call(outside, "GET", "/prod/orders", "");
    assert_eq!(status_of(&out), 403);
    assert!(out.contains("with an explicit deny"), "{out}");
    gateway.stop();
}
