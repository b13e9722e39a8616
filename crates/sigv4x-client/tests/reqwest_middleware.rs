//! `SigV4Middleware` in a reqwest-middleware client, end to end against the gateway emulator.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use reqwest_middleware::ClientBuilder;
use sigv4x_client::{SigV4Middleware, SignError};

fn client(middleware: SigV4Middleware) -> reqwest_middleware::ClientWithMiddleware {
    let inner = reqwest::Client::builder().no_proxy().build().unwrap();
    ClientBuilder::new(inner).with(middleware).build()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buffered_bodies_are_signed_and_accepted() {
    let (gateway, address) = common::gateway().await;
    let client = client(SigV4Middleware::new(common::lambda().await));
    let response = client
        .get(format!("http://{address}/prod/orders/7"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"id":"7","status":"shipped"}"#
    );

    let response = client
        .post(format!("http://{address}/prod/orders"))
        .header("content-type", "application/json")
        .body(r#"{"orderId":"42"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);

    // Another role: signed correctly, denied by the endpoint policy.
    let client = self::client(SigV4Middleware::new(common::reporting().await));
    let response = client
        .get(format!("http://{address}/prod/orders"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert!(response
        .text()
        .await
        .unwrap()
        .contains("is not authorized to perform"));
    gateway.shutdown().await;
}

fn stream_body() -> reqwest::Body {
    let chunks: Vec<Result<&'static [u8], std::io::Error>> =
        vec![Ok(b"{\"orderId\""), Ok(b":\"42\"}")];
    reqwest::Body::wrap_stream(futures_util::stream::iter(chunks))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streaming_bodies_need_unsigned_payload() {
    let (gateway, address) = common::gateway().await;
    let before = gateway.audit().len();
    let client = client(SigV4Middleware::new(common::lambda().await));
    let error = client
        .post(format!("http://{address}/prod/orders"))
        .body(stream_body())
        .send()
        .await
        .unwrap_err();
    let sign_error = match &error {
        reqwest_middleware::Error::Middleware(e) => e.downcast_ref::<SignError>(),
        _ => None,
    };
    assert!(
        matches!(sign_error, Some(SignError::StreamingBody)),
        "{error}"
    );
    assert_eq!(gateway.audit().len(), before, "nothing was sent");

    // Allowed: signed as UNSIGNED-PAYLOAD, which API Gateway refuses by name.
    let client = self::client(SigV4Middleware::new(common::lambda().await).unsigned_payload(true));
    let response = client
        .post(format!("http://{address}/prod/orders"))
        .body(stream_body())
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body = response.text().await.unwrap();
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("unsigned payload"), "{body}");
    gateway.shutdown().await;
}
