//! Credentials from the real default chain: environment, a profile file in a temporary HOME,
//! and a container endpoint served by a small test server; and none at all.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::mpsc;

use common::*;

fn credentials_file(key: &Key, profile: &str) -> String {
    format!(
        "[{profile}]\naws_access_key_id = {}\naws_secret_access_key = {}\naws_session_token = {}\n",
        key.id, key.secret, key.token
    )
}

#[test]
fn from_the_environment() {
    let (_gateway, address) = gateway();
    let run = Sigv4x::new()
        .with_key(&LAMBDA)
        .args(["curl"])
        .args(SCOPE)
        .arg_url(address, "/prod/orders")
        .run();
    run.assert_code(0);
    assert!(run.out().contains("shipped"));
}

#[test]
fn from_a_profile_in_home() {
    let (gateway, address) = gateway();
    // The default profile, and a named one chosen by AWS_PROFILE or --profile.
    for (profile, how) in [
        ("default", None),
        ("orders", Some("env")),
        ("orders", Some("flag")),
    ] {
        let sigv4x = Sigv4x::new();
        let aws = sigv4x.home().join(".aws");
        std::fs::create_dir_all(&aws).unwrap();
        std::fs::write(aws.join("credentials"), credentials_file(&LAMBDA, profile)).unwrap();
        std::fs::write(
            aws.join("config"),
            format!(
                "[{}]\nregion = us-east-1\n",
                if profile == "default" {
                    "default".to_owned()
                } else {
                    format!("profile {profile}")
                }
            ),
        )
        .unwrap();
        let sigv4x = match how {
            Some("env") => sigv4x.env("AWS_PROFILE", profile).args(["curl"]),
            Some(_) => sigv4x.args(["curl", "--profile", profile]),
            None => sigv4x.args(["curl"]),
        };
        // The region comes from the profile: only the service is given.
        let run = sigv4x
            .args(["--service", "execute-api"])
            .arg_url(address, "/prod/orders")
            .run();
        run.assert_code(0);
        assert!(
            run.out().contains("shipped"),
            "{profile} {how:?}: {}",
            run.out()
        );
    }
    let record = gateway.audit().unwrap().last().unwrap();
    assert_eq!(record.status, 200);

    // --profile wins over the environment's keys, as in the AWS CLI.
    let sigv4x = Sigv4x::new().with_key(&REPORTING);
    let aws = sigv4x.home().join(".aws");
    std::fs::create_dir_all(&aws).unwrap();
    std::fs::write(aws.join("credentials"), credentials_file(&LAMBDA, "orders")).unwrap();
    let run = sigv4x
        .args(["curl", "--fail", "--profile", "orders"])
        .args(SCOPE)
        .arg_url(address, "/prod/orders")
        .run();
    run.assert_code(0);
    // A profile that does not exist is an error, not another identity.
    let run = Sigv4x::new()
        .with_key(&LAMBDA)
        .args(["curl", "--profile", "missing"])
        .args(SCOPE)
        .arg_url(address, "/prod/orders")
        .run();
    run.assert_code(1);
    assert!(run.stderr.contains("missing"), "{}", run.stderr);
}

#[test]
fn from_a_container_endpoint() {
    let (_gateway, address) = gateway();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = listener.local_addr().unwrap();
    let (seen_tx, seen_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut head = Vec::new();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line == "\r\n" || line.is_empty() {
                break;
            }
            head.push(line);
        }
        seen_tx.send(head).unwrap();
        let body = format!(
            r#"{{"AccessKeyId":"{}","SecretAccessKey":"{}","Token":"{}","Expiration":"2099-01-01T00:00:00Z"}}"#,
            LAMBDA.id, LAMBDA.secret, LAMBDA.token
        );
        write!(
            stream,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
    });
    let run = Sigv4x::new()
        .env(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            format!("http://{endpoint}/v2/credentials"),
        )
        .env("AWS_CONTAINER_AUTHORIZATION_TOKEN", "container-token-1")
        .args(["curl"])
        .args(SCOPE)
        .arg_url(address, "/prod/orders")
        .run();
    run.assert_code(0);
    assert!(run.out().contains("shipped"), "{}", run.out());
    let head = seen_rx.recv().unwrap();
    assert!(
        head[0].starts_with("GET /v2/credentials HTTP/1.1"),
        "{head:?}"
    );
    assert!(
        head.iter()
            .any(|l| l.eq_ignore_ascii_case("authorization: container-token-1\r\n")),
        "{head:?}"
    );
}

#[test]
fn no_credentials_is_one_line_and_exit_1() {
    let run = Sigv4x::new()
        .args(["curl"])
        .args(SCOPE)
        .args(["http://127.0.0.1:1/prod/orders"])
        .run();
    run.assert_code(1);
    assert!(
        run.stderr
            .starts_with("sigv4x: no credentials: no credentials found; tried environment"),
        "{}",
        run.stderr
    );
}
