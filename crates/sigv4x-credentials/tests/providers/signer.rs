use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use sigv4x::{Credentials, Payload, Signer, StoredKey, Verifier};
use sigv4x_credentials::{
    CacheSettings, Error, ExpiringCredentials, ProvideCredentials, ProvideFuture, RefreshingSigner,
    SignError, StaticProvider,
};

/// Issues `KEY{n}` valid for `lifetime` of real time; fails the calls in `fail_on`.
#[derive(Debug, Clone)]
struct Issuer {
    calls: Arc<AtomicUsize>,
    lifetime: Duration,
    fail_on: Vec<usize>,
}

impl ProvideCredentials for Issuer {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        Box::pin(async move {
            let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
            if self.fail_on.contains(&n) {
                return Err(Error::Unreachable {
                    provider: "test",
                    url: "http://test".into(),
                    message: "down".into(),
                });
            }
            Ok(ExpiringCredentials::new(
                Credentials::new(
                    format!("KEY{n}"),
                    format!("secret{n}"),
                    Some(format!("token{n}")),
                ),
                Some(SystemTime::now() + self.lifetime),
            ))
        })
    }
}

fn quick() -> CacheSettings {
    CacheSettings {
        refresh_before: Duration::from_millis(1000),
        jitter: Duration::ZERO,
        retry_after_failure: Duration::from_millis(300),
    }
}

fn request() -> http::Request<()> {
    http::Request::get("https://abc123.execute-api.eu-west-1.amazonaws.com/prod/orders?limit=10")
        .body(())
        .unwrap()
}

fn credential_of(request: &http::Request<()>) -> String {
    let auth = request.headers()["authorization"].to_str().unwrap();
    auth.split("Credential=")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string()
}

async fn wait_for_key(signer: &RefreshingSigner, key: &str, within: Duration) {
    let started = Instant::now();
    while signer.signer().credentials().access_key_id() != key {
        assert!(
            started.elapsed() < within,
            "still {:?} after {within:?}",
            signer.signer().credentials().access_key_id()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn signs_exactly_as_a_plain_signer_with_the_same_credentials() {
    let creds = Credentials::new(
        "AKIDEXAMPLE",
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        Some("tok".into()),
    );
    let refreshing = RefreshingSigner::new(
        StaticProvider::new(creds.clone()),
        "eu-west-1",
        "execute-api",
    )
    .await
    .unwrap();
    let plain = Signer::new(creds, "eu-west-1", "execute-api");
    let when = UNIX_EPOCH + Duration::from_secs(1_764_400_000);
    let (mut a, mut b) = (request(), request());
    let sa = refreshing.sign_at(&mut a, Payload::Empty, when).unwrap();
    let sb = plain.sign_at(&mut b, Payload::Empty, when).unwrap();
    assert_eq!(sa.as_str(), sb.as_str());
    assert_eq!(a.headers(), b.headers());
    assert!(!format!("{refreshing:?}").contains("wJalr"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swaps_in_new_credentials_before_the_old_expire() {
    let issuer = Issuer {
        calls: Arc::default(),
        lifetime: Duration::from_millis(2500),
        fail_on: vec![],
    };
    let signer = RefreshingSigner::builder(issuer.clone(), "eu-west-1", "execute-api")
        .cache_settings(quick())
        .build()
        .await
        .unwrap();
    let mut first = request();
    signer.sign(&mut first, Payload::Empty).unwrap();
    assert_eq!(credential_of(&first), "KEY1");
    let expiry = signer.cache().current().unwrap().expiry().unwrap();
    // Refresh is due one second before expiry; the task does it with nobody asking.
    wait_for_key(&signer, "KEY2", Duration::from_secs(3)).await;
    assert!(SystemTime::now() < expiry, "refreshed only after expiry");
    let mut second = request();
    signer.sign(&mut second, Payload::Empty).unwrap();
    assert_eq!(credential_of(&second), "KEY2");
    assert_eq!(second.headers()["x-amz-security-token"], "token2");
    // The request verifies with the new key and its session token.
    let store = HashMap::from([(
        "KEY2".to_string(),
        StoredKey::new("secret2").with_session_token("token2"),
    )]);
    let verifier = Verifier::new(store)
        .region("eu-west-1")
        .service("execute-api");
    verifier.verify(&second, Payload::Empty).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keeps_signing_through_a_failed_refresh_and_recovers() {
    let issuer = Issuer {
        calls: Arc::default(),
        lifetime: Duration::from_millis(3000),
        fail_on: vec![2],
    };
    let signer = RefreshingSigner::builder(issuer.clone(), "eu-west-1", "execute-api")
        .cache_settings(quick())
        .build()
        .await
        .unwrap();
    // Call 2 (at about 2 s) fails; the signer keeps KEY1, retries 300 ms later and gets KEY3.
    let started = Instant::now();
    while issuer.calls.load(Ordering::SeqCst) < 2 {
        assert!(started.elapsed() < Duration::from_secs(3));
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let mut during = request();
    signer.sign(&mut during, Payload::Empty).unwrap();
    assert_eq!(credential_of(&during), "KEY1");
    wait_for_key(&signer, "KEY3", Duration::from_secs(2)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_refresh_task_stops_with_the_last_clone() {
    let issuer = Issuer {
        calls: Arc::default(),
        lifetime: Duration::from_millis(600),
        fail_on: vec![],
    };
    let signer = RefreshingSigner::builder(issuer.clone(), "eu-west-1", "execute-api")
        .cache_settings(quick())
        .build()
        .await
        .unwrap();
    let clone = signer.clone();
    drop(signer);
    wait_for_key(&clone, "KEY2", Duration::from_secs(2)).await;
    drop(clone);
    let calls = issuer.calls.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(
        issuer.calls.load(Ordering::SeqCst),
        calls,
        "refreshing after the signer was dropped"
    );
}

/// When every refresh fails, the signer stops signing once its credentials expire (AWS would
/// reject the requests), with a typed error; signing as of an earlier time still works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refuses_to_sign_with_expired_credentials() {
    let issuer = Issuer {
        calls: Arc::default(),
        lifetime: Duration::from_millis(1000),
        fail_on: (2..1000).collect(),
    };
    let signer = RefreshingSigner::builder(issuer.clone(), "eu-west-1", "execute-api")
        .cache_settings(quick())
        .build()
        .await
        .unwrap();
    let expiry = signer.expiry().unwrap();
    let mut before = request();
    signer.sign(&mut before, Payload::Empty).unwrap();
    tokio::time::sleep(Duration::from_millis(1300)).await;
    assert!(issuer.calls.load(Ordering::SeqCst) >= 2, "no refresh tried");

    let mut late = request();
    let err = signer.sign(&mut late, Payload::Empty).unwrap_err();
    assert_eq!(err, SignError::Expired { expired_at: expiry });
    assert!(late.headers().get("authorization").is_none());
    assert!(matches!(
        signer.sign_at(&mut late, Payload::Empty, expiry),
        Err(SignError::Expired { .. })
    ));
    assert!(matches!(
        signer.presign_at(&late, Duration::from_secs(60), SystemTime::now()),
        Err(SignError::Expired { .. })
    ));
    let earlier = expiry - Duration::from_millis(1);
    signer.sign_at(&mut late, Payload::Empty, earlier).unwrap();
    assert_eq!(credential_of(&late), "KEY1");
}

/// The refresh task lives on the runtime the signer was built on: once that runtime is gone
/// nothing refreshes, and the signer refuses rather than sign with expired credentials.
#[test]
fn refuses_after_its_runtime_shut_down_and_the_credentials_expired() {
    let issuer = Issuer {
        calls: Arc::default(),
        lifetime: Duration::from_millis(800),
        fail_on: vec![],
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let signer = runtime
        .block_on(
            RefreshingSigner::builder(issuer.clone(), "eu-west-1", "execute-api")
                .cache_settings(quick())
                .build(),
        )
        .unwrap();
    drop(runtime);
    std::thread::sleep(Duration::from_millis(1000));
    let mut late = request();
    assert!(matches!(
        signer.sign(&mut late, Payload::Empty),
        Err(SignError::Expired { .. })
    ));
    assert_eq!(issuer.calls.load(Ordering::SeqCst), 1);
    // Another runtime can bring it back.
    let other = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    other.block_on(signer.refresh()).unwrap();
    signer.sign(&mut late, Payload::Empty).unwrap();
    assert_eq!(credential_of(&late), "KEY2");
}
