//! Signs a request the way a Lambda calling a private API Gateway does, shows every
//! intermediate text, presigns a URL, and verifies both with the matching verifier.
//!
//! `cargo run --example sign` (uses AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
//! AWS_SESSION_TOKEN when set, example credentials otherwise).

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use sigv4x::{Credentials, Payload, SignatureLocation, Signer, StoredKey, Verifier, VerifyError};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let credentials = Credentials::from_env().unwrap_or_else(|_| {
        Credentials::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            None,
        )
    });
    let signer = Signer::new(credentials.clone(), "us-east-1", "execute-api");
    let now = SystemTime::now();
    let body = br#"{"orderId":"42","quantity":3}"#;
    let mut request = http::Request::post(
        "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/orders?source=lambda",
    )
    .header("content-type", "application/json")
    .body(body.to_vec())?;

    let report = signer.explain_at(
        &request,
        Payload::Bytes(body),
        SignatureLocation::Headers,
        now,
    )?;
    signer.sign_at(&mut request, Payload::Bytes(body), now)?;

    println!("== canonical request\n{}\n", report.canonical_request);
    println!("== string to sign\n{}\n", report.string_to_sign);
    println!("== signed request\n{} {}", request.method(), request.uri());
    for (name, value) in request.headers() {
        let shown = if value.is_sensitive() && name != "authorization" {
            "** redacted **"
        } else {
            value.to_str().unwrap_or("<binary>")
        };
        println!("{name}: {shown}");
    }

    let get =
        http::Request::get("https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/orders/42")
            .body(())?;
    let url = signer.presign_at(&get, Duration::from_secs(900), now)?;
    println!("\n== presigned URL (15 minutes)\n{url}\n");

    // The other side: the API's verifier.
    let mut key = StoredKey::new(credentials.secret_access_key().to_owned())
        .with_principal("arn:aws:iam::111122223333:role/orders-lambda-role");
    if let Some(token) = credentials.session_token() {
        key = key.with_session_token(token.to_owned());
    }
    let store = HashMap::from([(credentials.access_key_id().to_string(), key)]);
    let verifier = Verifier::new(store)
        .region("us-east-1")
        .service("execute-api");
    let ok = verifier.verify_at(&request, Payload::Bytes(body), now)?;
    println!(
        "== verified: {} as {}, signed headers {}",
        ok.access_key_id(),
        ok.principal().unwrap_or("?"),
        ok.signed_headers().collect::<Vec<_>>().join(";")
    );
    let mut presigned = http::Request::get(url).body(())?;
    presigned.headers_mut().insert(
        "host",
        http::HeaderValue::from_static("a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"),
    );
    let ok = verifier.verify_at(&presigned, Payload::Empty, now)?;
    println!("== verified presigned URL from {}", ok.access_key_id());

    let tampered = br#"{"orderId":"42","quantity":300}"#;
    let err: VerifyError = match verifier.verify_at(&request, Payload::Bytes(tampered), now) {
        Err(e) => e,
        Ok(_) => return Err("a changed body must not verify".into()),
    };
    println!(
        "== tampered body: {} {} ({})",
        err.http_status(),
        err.code(),
        err.api_gateway_error_type()
    );
    Ok(())
}
