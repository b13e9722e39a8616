//! `SigV4SigningLayer` over a hyper client, end to end against the gateway emulator.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use sigv4x_client::{SigV4SigningLayer, SignedBody};
use tower_layer::Layer;
use tower_service::Service;

type Inner = Client<hyper_util::client::legacy::connect::HttpConnector, SignedBody<Full<Bytes>>>;

fn client(
    signer: sigv4x_client::RefreshingSigner,
    unsigned: bool,
) -> sigv4x_client::SigV4Signing<Inner> {
    let inner: Inner = Client::builder(TokioExecutor::new()).build_http();
    SigV4SigningLayer::new(signer)
        .unsigned_payload(unsigned)
        .layer(inner)
}

async fn call(
    service: &mut sigv4x_client::SigV4Signing<Inner>,
    request: http::Request<Full<Bytes>>,
) -> (u16, String) {
    std::future::poll_fn(|cx| service.poll_ready(cx))
        .await
        .unwrap();
    let response = service.call(request).await.unwrap();
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_get_and_post_are_accepted() {
    let (gateway, address) = common::gateway().await;
    let mut service = client(common::lambda().await, false);
    let get = http::Request::get(format!("http://{address}/prod/orders"))
        .body(Full::new(Bytes::new()))
        .unwrap();
    let (status, body) = call(&mut service, get).await;
    assert_eq!(
        (status, body.as_str()),
        (200, r#"{"orders":[{"id":"7","status":"shipped"}]}"#)
    );

    let post = http::Request::post(format!("http://{address}/prod/orders"))
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from_static(br#"{"orderId":"42"}"#)))
        .unwrap();
    let (status, body) = call(&mut service, post).await;
    assert_eq!(
        (status, body.as_str()),
        (201, r#"{"id":"8","status":"created"}"#)
    );
    let record = gateway.audit().last().unwrap();
    assert_eq!(record.status, 201);
    gateway.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_role_is_denied_by_policy_not_by_signature() {
    let (gateway, address) = common::gateway().await;
    let mut service = client(common::reporting().await, false);
    let get = http::Request::get(format!("http://{address}/prod/orders"))
        .body(Full::new(Bytes::new()))
        .unwrap();
    let (status, body) = call(&mut service, get).await;
    assert_eq!(status, 403);
    assert!(body.contains("is not authorized to perform"), "{body}");
    gateway.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsigned_payload_is_declared_and_signed() {
    let (gateway, address) = common::gateway().await;
    let mut service = client(common::lambda().await, true);
    let post = http::Request::post(format!("http://{address}/prod/orders"))
        .body(Full::new(Bytes::from_static(b"{}")))
        .unwrap();
    let (status, body) = call(&mut service, post).await;
    // API Gateway does not accept UNSIGNED-PAYLOAD: the gateway says so, which shows the
    // request was signed as unsigned rather than with a wrong hash.
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("unsigned payload"), "{body}");
    gateway.shutdown().await;
}
