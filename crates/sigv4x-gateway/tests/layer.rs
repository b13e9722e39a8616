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

/// The verifier every test here uses unless it needs its own store: one key, `CALLER`'s.
fn verifier() -> Verifier<HashMap<String, StoredKey>> {
    let keys = HashMap::from([(
        "AKIDEXAMPLE".to_string(),
        StoredKey::new("secret").with_principal(CALLER),
    )]);
    Verifier::new(keys)
        .region("us-east-1")
        .service("execute-api")
        .clock(now)
}

fn service(limit: usize) -> (Svc, Arc<AtomicUsize>) {
    let verifier = verifier();
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

/// A request signed for `signed_path` and sent with `sent_path`.
fn signed_for(signed_path: &str, sent_path: &str) -> Request<Full<Bytes>> {
    let signer = Signer::new(
        Credentials::new("AKIDEXAMPLE", "secret", None),
        "us-east-1",
        "execute-api",
    );
    let mut request = Request::get(format!("https://api.example.com{signed_path}"))
        .body(Full::new(Bytes::new()))
        .unwrap();
    signer.sign_at(&mut request, Payload::Empty, now()).unwrap();
    *request.uri_mut() = format!("https://api.example.com{sent_path}")
        .parse()
        .unwrap();
    request
}

#[tokio::test]
async fn paths_not_in_normal_form_never_reach_the_inner_service() {
    let (mut svc, calls) = service(1024);
    for (signed, sent) in [
        ("/prod/admin", "/prod//admin"),
        ("/prod/admin", "/prod/./admin"),
        ("/prod/admin", "/prod/orders/../admin"),
        ("/prod/orders/%2e%2e/admin", "/prod/orders/%2e%2e/admin"),
        ("/prod/orders/..%2Fadmin", "/prod/orders/..%2Fadmin"),
        ("/prod/%61dmin", "/prod/%61dmin"),
    ] {
        let (status, headers, body) = read(svc.call(signed_for(signed, sent)).await.unwrap()).await;
        assert_eq!(status, 400, "{sent}");
        assert_eq!(headers["x-amzn-errortype"], "BadRequestException", "{sent}");
        assert!(
            String::from_utf8_lossy(&body).contains("normal form"),
            "{sent}"
        );
    }
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    // The layer holds the rule even when the verifier was told to accept such paths.
    let keys = HashMap::from([("AKIDEXAMPLE".to_string(), StoredKey::new("secret"))]);
    let lenient = Verifier::new(keys)
        .region("us-east-1")
        .service("execute-api")
        .clock(now)
        .accept_non_normal_paths(true);
    let mut svc = SigV4Layer::new(lenient).layer(Echo {
        calls: Arc::clone(&calls),
    });
    let request = signed_for("/prod/admin", "/prod/x/../admin");
    let (status, _, _) = read(svc.call(request).await.unwrap()).await;
    assert_eq!(status, 400);
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

/// An aws-chunked upload of `data`, signed; `tamper` flips a byte of the encoded body.
fn chunked(data: &[u8], tamper: bool) -> Request<Full<Bytes>> {
    let signer = Signer::new(
        Credentials::new("AKIDEXAMPLE", "secret", None),
        "us-east-1",
        "execute-api",
    );
    let mut request = Request::put("https://api.example.com/prod/upload")
        .body(())
        .unwrap();
    let plan = sigv4x::StreamingPlan::new(sigv4x::ChunkedMode::Signed, data.len() as u64, 8192);
    let mut encoder = sigv4x::sign_streaming_at(&signer, &mut request, plan, now()).unwrap();
    let mut body = Vec::new();
    for chunk in data.chunks(8192) {
        encoder.encode_chunk(chunk, &mut body).unwrap();
    }
    body.extend_from_slice(encoder.finish().unwrap().as_bytes());
    if tamper {
        let last = body.len() - 40;
        body[last] ^= 1;
    }
    let (parts, ()) = request.into_parts();
    Request::from_parts(parts, Full::new(Bytes::from(body)))
}

/// Answers with the headers it was given and the body.
#[derive(Clone)]
struct Headers;

impl Service<Request<Full<Bytes>>> for Headers {
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = Ready<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Full<Bytes>>) -> Self::Future {
        let (parts, body) = request.into_parts();
        let mut response = Response::new(body);
        *response.headers_mut() = parts.headers;
        ready(Ok(response))
    }
}

#[tokio::test]
async fn aws_chunked_bodies_are_decoded_verified_or_refused() {
    let keys = HashMap::from([("AKIDEXAMPLE".to_string(), StoredKey::new("secret"))]);
    let verifier = || {
        Verifier::new(keys.clone())
            .region("us-east-1")
            .service("execute-api")
            .clock(now)
    };
    let data = vec![b'q'; 20_000];
    let mut svc = SigV4Layer::new(verifier()).layer(Headers);
    let (status, headers, body) = read(svc.call(chunked(&data, false)).await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(body, Bytes::from(data.clone()));
    assert_eq!(headers["content-length"], "20000");
    assert!(headers.get("content-encoding").is_none());

    let (status, headers, _) = read(svc.call(chunked(&data, true)).await.unwrap()).await;
    assert_eq!(status, 403, "a changed chunk");
    assert_eq!(headers["x-amzn-errortype"], "InvalidSignatureException");

    let mut svc = SigV4Layer::new(verifier())
        .aws_chunked(false)
        .layer(Headers);
    let (status, headers, _) = read(svc.call(chunked(&data, false)).await.unwrap()).await;
    assert_eq!(status, 400);
    assert_eq!(headers["x-amzn-errortype"], "BadRequestException");

    // Larger decoded than the limit: refused, not handed on cut.
    let mut svc = SigV4Layer::new(verifier())
        .max_body_bytes(10_000)
        .layer(Headers);
    let (status, _, _) = read(svc.call(chunked(&data, false)).await.unwrap()).await;
    assert_eq!(status, 413);
}

/// A body that sends what its channel gives and ends only when the sender is dropped: a
/// client trickling a body.
struct Trickle(tokio::sync::mpsc::Receiver<Bytes>);

impl http_body::Body for Trickle {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Infallible>>> {
        self.0
            .poll_recv(cx)
            .map(|next| next.map(|bytes| Ok(http_body::Frame::data(bytes))))
    }
}

/// A POST of `len` bytes by `key`, signed over the whole body, whose body only trickles: the
/// first `sent` bytes arrive, the rest never (until the returned sender is dropped).
fn trickling(
    key: &str,
    len: usize,
    sent: usize,
) -> (Request<Trickle>, tokio::sync::mpsc::Sender<Bytes>) {
    let body = vec![b'x'; len];
    let signer = Signer::new(
        Credentials::new(key, "secret", None),
        "us-east-1",
        "execute-api",
    );
    let mut request = Request::post("https://api.example.com/prod/upload")
        .header("content-length", len)
        .body(())
        .unwrap();
    signer
        .sign_at(&mut request, Payload::Bytes(&body), now())
        .unwrap();
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    tx.try_send(Bytes::from(body[..sent].to_vec())).unwrap();
    let (parts, ()) = request.into_parts();
    (Request::from_parts(parts, Trickle(rx)), tx)
}

#[tokio::test]
async fn one_access_key_cannot_hold_the_whole_body_budget() {
    let keys = HashMap::from([
        ("AKIDSLOW".to_string(), StoredKey::new("secret")),
        ("AKIDOTHER".to_string(), StoredKey::new("secret")),
    ]);
    let verifier = Verifier::new(keys)
        .region("us-east-1")
        .service("execute-api")
        .clock(now);
    // 4000 bytes in all, so 1000 per key; each body at most 1000.
    let layer = SigV4Layer::new(verifier)
        .max_body_bytes(1000)
        .body_budget(4000);
    let calls = Arc::new(AtomicUsize::new(0));
    let svc = layer.layer(Echo {
        calls: Arc::clone(&calls),
    });
    // Two slow uploads of one key hold 600 bytes each... the second goes over its share.
    let (first, _hold_first) = trickling("AKIDSLOW", 1000, 600);
    let mut s1 = svc.clone();
    let slow = tokio::spawn(async move { s1.call(first).await });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let (second, _hold_second) = trickling("AKIDSLOW", 1000, 600);
    let mut s2 = svc.clone();
    let (status, headers, _) = read(s2.call(second).await.unwrap()).await;
    assert_eq!(status, 503, "the key's share is used up");
    assert_eq!(headers["x-amzn-errortype"], "ServiceUnavailableException");
    // ... while another key's upload goes through.
    let (other, hold_other) = trickling("AKIDOTHER", 700, 700);
    drop(hold_other);
    let mut s3 = svc.clone();
    let (status, _, body) = read(s3.call(other).await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(body.len(), 700);
    slow.abort();
}

/// With the `sigv4a` feature the layer accepts SigV4a requests whose region set includes the
/// verifier's region, and refuses the others.
#[cfg(feature = "sigv4a")]
#[tokio::test]
async fn sigv4a_requests_pass_when_their_region_set_includes_the_region() {
    for (set, status) in [("us-*", 200), ("us-east-1,eu-west-1", 200), ("eu-*", 403)] {
        let (mut svc, _) = service(1024);
        let signer = sigv4x::SignerV4a::new(
            Credentials::new("AKIDEXAMPLE", "secret", None),
            set,
            "execute-api",
        );
        let mut request = Request::get("https://api.example.com/prod/orders")
            .body(Full::new(Bytes::new()))
            .unwrap();
        signer.sign_at(&mut request, Payload::Empty, now()).unwrap();
        let (got, headers, _) = read(svc.call(request).await.unwrap()).await;
        assert_eq!(got, status, "{set}");
        if status == 200 {
            assert_eq!(headers["x-principal"], CALLER);
        }
    }
}

#[tokio::test]
async fn a_declared_payload_hash_is_checked_against_the_body() {
    let mut settings = sigv4x::SigningSettings::default();
    settings.content_sha256_header = true;
    let signer = Signer::new(
        Credentials::new("AKIDEXAMPLE", "secret", None),
        "us-east-1",
        "execute-api",
    )
    .with_settings(settings);
    let body = b"{\"a\":1}";
    let mut request = Request::post("https://api.example.com/prod/orders")
        .body(())
        .unwrap();
    signer
        .sign_at(&mut request, Payload::Bytes(body), now())
        .unwrap();
    assert!(request.headers().contains_key("x-amz-content-sha256"));
    let (parts, ()) = request.into_parts();
    let (mut svc, calls) = service(1024);
    let same = Request::from_parts(parts.clone(), Full::new(Bytes::from_static(body)));
    let (status, _, echoed) = read(svc.call(same).await.unwrap()).await;
    assert_eq!((status, echoed), (200, Bytes::from_static(body)));
    let other = Request::from_parts(parts, Full::new(Bytes::from_static(b"{\"a\":2}")));
    let (status, headers, _) = read(svc.call(other).await.unwrap()).await;
    assert_eq!(status, 400);
    assert_eq!(headers["x-amzn-errortype"], "BadRequestException");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

/// A store that misbehaves as told, counting its lookups.
struct Misbehaving {
    how: &'static str,
    lookups: AtomicUsize,
}

impl sigv4x::AsyncSecretStore for Misbehaving {
    async fn lookup(&self, _: &sigv4x::KeyQuery<'_>) -> sigv4x::LookupResult<'_> {
        self.lookups.fetch_add(1, Ordering::SeqCst);
        match self.how {
            "panic" => panic!("the store's own bug"),
            "hang" => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                Ok(None)
            }
            "fail" => Err(sigv4x::StoreError::failed("disk on fire")),
            _ => Ok(Some(
                sigv4x::KeyRecord::new("secret").with_principal(CALLER),
            )),
        }
    }
}

fn misbehaving(how: &'static str) -> sigv4x_gateway::SigV4Service<Arc<Misbehaving>, Echo> {
    let store = Arc::new(Misbehaving {
        how,
        lookups: AtomicUsize::new(0),
    });
    let verifier = Verifier::new(store)
        .region("us-east-1")
        .service("execute-api")
        .clock(now);
    SigV4Layer::new(verifier)
        .lookup_timeout(Duration::from_millis(200))
        .layer(Echo {
            calls: Arc::new(AtomicUsize::new(0)),
        })
}

#[tokio::test]
async fn a_store_that_panics_hangs_or_fails_gets_a_5xx_not_a_403() {
    for (how, status, error_type) in [
        ("panic", 503, "ServiceUnavailableException"),
        ("hang", 503, "ServiceUnavailableException"),
        ("fail", 500, "InternalServerErrorException"),
    ] {
        let mut svc = misbehaving(how);
        let started = std::time::Instant::now();
        let (got, headers, body) = read(svc.call(signed(b"{}", now())).await.unwrap()).await;
        assert_eq!(
            (got, headers["x-amzn-errortype"].to_str().unwrap()),
            (status, error_type),
            "{how}"
        );
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert!(!json.to_string().contains("disk on fire"), "{how}: {json}");
        // The service is still there for the next request.
        let (again, _, _) = read(svc.call(signed(b"{}", now())).await.unwrap()).await;
        assert_eq!(again, status, "{how}");
        assert!(started.elapsed() < Duration::from_secs(60), "{how}");
    }
}

#[tokio::test]
async fn the_key_is_looked_up_once_even_when_the_body_is_read_first() {
    let store = Arc::new(Misbehaving {
        how: "answer",
        lookups: AtomicUsize::new(0),
    });
    let verifier = Verifier::new(Arc::clone(&store))
        .region("us-east-1")
        .service("execute-api")
        .clock(now);
    let calls = Arc::new(AtomicUsize::new(0));
    let mut svc = SigV4Layer::new(verifier).layer(Echo {
        calls: Arc::clone(&calls),
    });
    // No x-amz-content-sha256: the body's hash is signed but not declared, so the body is
    // read between the lookup and the signature check.
    let (status, headers, _) = read(svc.call(signed(b"{\"a\":1}", now())).await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(headers["x-principal"], CALLER);
    assert_eq!(store.lookups.load(Ordering::SeqCst), 1);
}

/// A replay store of the user's own that misbehaves.
struct BadReplayStore {
    how: &'static str,
}

impl sigv4x::ReplayStore for BadReplayStore {
    fn record(
        &self,
        _entry: sigv4x::ReplayEntry,
        _now: SystemTime,
    ) -> impl std::future::Future<Output = Result<sigv4x::ReplayCheck, sigv4x::VerifyError>> + Send
    {
        let how = self.how;
        async move {
            match how {
                "panic" => panic!("replay store on fire"),
                "hang" => std::future::pending().await,
                _ => Ok(sigv4x::ReplayCheck::Fresh),
            }
        }
    }
}

#[tokio::test]
async fn a_replay_store_that_panics_or_hangs_gets_a_503_and_the_service_stays() {
    for how in ["panic", "hang"] {
        let verifier = verifier();
        let calls = Arc::new(AtomicUsize::new(0));
        let mut svc = SigV4Layer::new(verifier)
            .lookup_timeout(Duration::from_millis(200))
            .replay_store(BadReplayStore { how })
            .layer(Echo {
                calls: Arc::clone(&calls),
            });
        let started = std::time::Instant::now();
        for _ in 0..2 {
            let answer =
                tokio::time::timeout(Duration::from_secs(10), svc.call(signed(b"{}", now())))
                    .await
                    .unwrap_or_else(|_| panic!("{how}: no answer within 10 s"));
            let (status, headers, _) = read(answer.unwrap()).await;
            assert_eq!(
                (status, headers["x-amzn-errortype"].to_str().unwrap()),
                (503, "ServiceUnavailableException"),
                "{how}"
            );
        }
        assert_eq!(
            calls.load(Ordering::SeqCst),
            0,
            "{how}: nothing reached the service"
        );
        assert!(started.elapsed() < Duration::from_secs(30), "{how}");
    }
    // A store that answers lets the request through.
    let verifier = verifier();
    let mut svc = SigV4Layer::new(verifier)
        .replay_store(BadReplayStore { how: "answer" })
        .layer(Echo {
            calls: Arc::new(AtomicUsize::new(0)),
        });
    let (status, _, _) = read(svc.call(signed(b"{}", now())).await.unwrap()).await;
    assert_eq!(status, 200);
}

/// A replay store whose `record` panics before it returns its future (work done synchronously
/// in a non-`async` fn body, which the trait's `-> impl Future` signature allows).
struct SyncPanicReplayStore;

impl sigv4x::ReplayStore for SyncPanicReplayStore {
    fn record(
        &self,
        _entry: sigv4x::ReplayEntry,
        _now: SystemTime,
    ) -> impl std::future::Future<Output = Result<sigv4x::ReplayCheck, sigv4x::VerifyError>> + Send
    {
        panic!("replay store on fire before its future exists");
        #[allow(unreachable_code)]
        std::future::ready(Ok(sigv4x::ReplayCheck::Fresh))
    }
}

/// Found by the attack on the replay-store guard: the store's `record` was called outside
/// `catch_panic`, so a panic before its future existed took the connection down instead of a 503.
#[tokio::test]
async fn a_replay_store_that_panics_before_its_future_exists_gets_a_503() {
    let calls = Arc::new(AtomicUsize::new(0));
    let mut svc = SigV4Layer::new(verifier())
        .lookup_timeout(Duration::from_millis(200))
        .replay_store(SyncPanicReplayStore)
        .layer(Echo {
            calls: Arc::clone(&calls),
        });
    let answer = tokio::spawn(svc.call(signed(b"{}", now()))).await;
    let answer = answer.expect("the store's panic escaped the layer (no 503, connection lost)");
    let (status, headers, _) = read(answer.unwrap()).await;
    assert_eq!(
        (status, headers["x-amzn-errortype"].to_str().unwrap()),
        (503, "ServiceUnavailableException")
    );
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}
