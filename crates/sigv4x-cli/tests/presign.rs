//! `sigv4x presign`: URLs the gateway accepts, until they expire.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;

#[test]
fn presigned_urls_are_accepted() {
    let (_gateway, address) = gateway();
    let run = Sigv4x::new()
        .with_key(&LAMBDA)
        .args(["presign", "--expires", "60"])
        .args(SCOPE)
        .arg_url(address, "/prod/orders/7")
        .run();
    run.assert_code(0);
    let url = run.out().trim().to_owned();
    assert!(url.starts_with(&format!("http://{address}/prod/orders/7?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAORDERSLAMBDA0001%2F")), "{url}");
    assert!(url.contains("&X-Amz-Expires=60&"), "{url}");
    assert!(url.contains("&X-Amz-Security-Token="), "{url}");
    let response = get_url(address, &url);
    assert_eq!(
        status_of(&response),
        200,
        "{}",
        String::from_utf8_lossy(&response)
    );
    assert!(String::from_utf8_lossy(&response).ends_with(r#"{"id":"7","status":"shipped"}"#));
}

#[test]
fn expired_urls_are_refused_and_explained() {
    let (_gateway, address) = gateway();
    let run = Sigv4x::new()
        .with_key(&LAMBDA)
        .env("SIGV4X_TEST_NOW", (unix_now() - 120).to_string())
        .args(["presign", "--expires", "60"])
        .args(SCOPE)
        .arg_url(address, "/prod/orders")
        .run();
    run.assert_code(0);
    let response = get_url(address, run.out().trim());
    assert_eq!(status_of(&response), 403);
    let run = Sigv4x::new().args(["explain"]).run_with_stdin(&response);
    run.assert_code(0);
    assert!(
        run.out().contains("presigned URL has expired"),
        "{}",
        run.out()
    );
}

#[test]
fn bad_expiry_and_method() {
    for (args, needle) in [
        (
            vec!["--expires", "0"],
            "--expires must be 1 to 604800 seconds",
        ),
        (
            vec!["--expires", "604801"],
            "--expires must be 1 to 604800 seconds",
        ),
        (vec!["-X", "G T"], "is not an HTTP token"),
    ] {
        let run = Sigv4x::new()
            .with_key(&LAMBDA)
            .args(["presign"])
            .args(&args)
            .args(SCOPE)
            .args(["http://127.0.0.1:1/prod/orders"])
            .run();
        run.assert_code(2);
        assert!(run.stderr.contains(needle), "{}", run.stderr);
    }
}
