#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The SigV4 tower layer on its own, around a service that echoes what it was given.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::{ready, Ready};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Full};
use sigv4x::{Credentials, Payload, Signer, StoredKey, Verified, Verifier};
use sigv4x_gateway::SigV4Layer;
use tower_layer::Layer;
use tower_service::Service;

const CALLER: &str = "arn:aws:iam::111122223333:role/caller";

/// Answers with the verified principal and the body it received; counts its calls.
#[derive(Clone)]
struct Echo {
    calls: Arc<AtomicUsize>,
}

impl Service<Request<Full<Bytes>>> for Echo {
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = Ready<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Full<Bytes>>) -> Self::Future {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let principal = request
            .extensions()
            .get::<Verified>()
            .and_then(|v| v.principal().map(str::to_owned))
            .unwrap_or_else(|| "none".into());
        let body = request.into_body();
        ready(Ok(Response::builder()
            .header("x-principal", principal)
            .body(body)
            .unwrap()))
    }
}

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

type Svc = sigv4x_gateway::SigV4Service<HashMap<String, StoredKey>, Echo>;

fn service(limit: usize) -> (Svc, Arc<AtomicUsize>) {
    let keys = HashMap::from([(
        "AKIDEXAMPLE".to_string(),
        StoredKey::new("secret").with_principal(CALLER),
    )]);
    let verifier = Verifier::new(keys)
        .region("us-east-1")
        .service("execute-api")
        .clock(now);
    let calls = Arc::new(AtomicUsize::new(0));
    let layer = SigV4Layer::new(verifier).max_body_bytes(limit);
    (
        layer.layer(Echo {
            calls: Arc::clone(&calls),
        }),
        calls,
    )
}

fn signed(body: &'static [u8], at: SystemTime) -> Request<Full<Bytes>> {
    let signer = Signer::new(
        Credentials::new("AKIDEXAMPLE", "secret", None),
        "us-east-1",
        "execute-api",
    );
    let mut request = Request::post("https://api.example.com/prod/orders?x=1")
        .body(Full::new(Bytes::from_static(body)))
        .unwrap();
    signer
        .sign_at(&mut request, Payload::Bytes(body), at)
        .unwrap();
    request
}

async fn read(
    response: Response<sigv4x_gateway::SigV4Body<Full<Bytes>>>,
) -> (u16, http::HeaderMap, Bytes) {
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    (parts.status.as_u16(), parts.headers, bytes)
}

#[tokio::test]
async fn a_valid_request_reaches_the_inner_service_with_its_identity_and_body() {
    let (mut svc, calls) = service(1024);
    let (status, headers, body) = read(svc.call(signed(b"{\"a\":1}", now())).await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(headers["x-principal"], CALLER);
    assert_eq!(body, Bytes::from_static(b"{\"a\":1}"));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_changed_body_is_refused_before_the_inner_service() {
    let (mut svc, calls) = service(1024);
    let (parts, _) = signed(b"{\"a\":1}", now()).into_parts();
    let forged = Request::from_parts(parts, Full::new(Bytes::from_static(b"{\"a\":2}")));
    let (status, headers, body) = read(svc.call(forged).await.unwrap()).await;
    assert_eq!(status, 403);
    assert_eq!(headers["x-amzn-errortype"], "InvalidSignatureException");
    assert_eq!(headers["content-type"], "application/json");
    assert!(headers.contains_key("x-amzn-requestid"));
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert!(json["message"]
        .as_str()
        .unwrap()
        .contains("The String-to-Sign should have been"));
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn skew_missing_auth_and_oversized_bodies_are_refused() {
    let (mut svc, calls) = service(16);
    let late = signed(b"{}", now() - Duration::from_secs(301));
    let (status, headers, _) = read(svc.call(late).await.unwrap()).await;
    assert_eq!(
        (status, &headers["x-amzn-errortype"]),
        (
            403,
            &"InvalidSignatureException"
                .parse::<http::HeaderValue>()
                .unwrap()
        )
    );

    let unsigned = Request::get("https://api.example.com/prod/orders")
        .body(Full::new(Bytes::new()))
        .unwrap();
    let (status, headers, body) = read(svc.call(unsigned).await.unwrap()).await;
    assert_eq!(status, 403);
    assert_eq!(
        headers["x-amzn-errortype"],
        "MissingAuthenticationTokenException"
    );
    assert_eq!(
        body,
        Bytes::from_static(br#"{"message":"Missing Authentication Token"}"#)
    );

    let big = signed(b"0123456789abcdefX", now());
    let (status, headers, _) = read(svc.call(big).await.unwrap()).await;
    assert_eq!(status, 413);
    assert_eq!(
        headers["x-amzn-errortype"],
        "RequestEntityTooLargeException"
    );

    // Exactly at the limit is fine.
    let (status, _, _) = read(svc.call(signed(b"0123456789abcdef", now())).await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}
