#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Server-side key lookup: async stores (a real SQLite database in a temporary file, a slow
//! store that sleeps), the caching wrapper, store-checked and any-session tokens, expired
//! credentials, and store failures — all through the verifier, under tokio.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use sigv4x::{
    AsyncSecretStore, CachedStore, Credentials, DynSecretStore, KeyQuery, KeyRecord, LookupResult,
    Payload, Signer, StoreError, Verifier, VerifyError,
};

const NOW: u64 = 1_700_000_000;

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(NOW)
}

fn signed(id: &str, secret: &str, token: Option<&str>) -> http::Request<()> {
    let creds = Credentials::new(id, secret, token.map(str::to_owned));
    let signer = Signer::new(creds, "us-east-1", "execute-api");
    let mut request = http::Request::get("https://api.example.com/prod/orders")
        .body(())
        .unwrap();
    signer.sign_at(&mut request, Payload::Empty, now()).unwrap();
    request
}

fn verifier<S>(store: S) -> Verifier<S> {
    Verifier::new(store)
        .region("us-east-1")
        .service("execute-api")
        .clock(now)
}

async fn verify<S: AsyncSecretStore>(
    v: &Verifier<S>,
    request: &http::Request<()>,
) -> Result<sigv4x::Verified, VerifyError> {
    v.verify_async(request, Payload::Empty).await
}

/// A key's row: access key id, secret, principal, session token, expiry (Unix seconds).
type KeyRow<'a> = (&'a str, &'a str, &'a str, Option<&'a str>, Option<u64>);

/// A SQLite database in a temporary file, removed when dropped.
struct Database {
    path: PathBuf,
}

impl Database {
    fn create(rows: &[KeyRow<'_>]) -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let path =
            std::env::temp_dir().join(format!("sigv4x-keys-{}-{nanos}.sqlite", std::process::id()));
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE keys (access_key_id TEXT PRIMARY KEY, secret TEXT NOT NULL,
             principal TEXT NOT NULL, session_token TEXT, expires_unix INTEGER)",
        )
        .unwrap();
        for (id, secret, principal, token, expires) in rows {
            conn.execute(
                "INSERT INTO keys VALUES (?1, ?2, ?3, ?4, ?5)",
                rusqlite::params![id, secret, principal, token, expires.map(|e| e as i64)],
            )
            .unwrap();
        }
        Database { path }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// An async store reading the database on tokio's blocking pool, as a server would.
struct SqliteStore {
    conn: Arc<Mutex<rusqlite::Connection>>,
    lookups: AtomicUsize,
}

impl SqliteStore {
    fn open(db: &Database) -> Self {
        let conn = rusqlite::Connection::open(&db.path).unwrap();
        SqliteStore {
            conn: Arc::new(Mutex::new(conn)),
            lookups: AtomicUsize::new(0),
        }
    }
}

type Row = (String, String, Option<String>, Option<i64>);

impl AsyncSecretStore for SqliteStore {
    async fn lookup(&self, query: &KeyQuery<'_>) -> LookupResult<'_> {
        self.lookups.fetch_add(1, Ordering::SeqCst);
        let conn = Arc::clone(&self.conn);
        let id = query.access_key_id().to_owned();
        let row = tokio::task::spawn_blocking(move || -> rusqlite::Result<Option<Row>> {
            let conn = conn.lock().unwrap();
            let mut statement = conn.prepare_cached(
                "SELECT secret, principal, session_token, expires_unix FROM keys \
                 WHERE access_key_id = ?1",
            )?;
            let mut rows = statement.query([id])?;
            let Some(row) = rows.next()? else {
                return Ok(None);
            };
            Ok(Some((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)))
        })
        .await
        .map_err(StoreError::failed)?
        .map_err(StoreError::failed)?;
        Ok(row.map(|(secret, principal, token, expires)| {
            let mut record = KeyRecord::new(secret).with_principal(principal);
            if let Some(token) = token {
                record = record.with_session_token(token);
            }
            if let Some(expires) = expires {
                record = record.with_expiry(UNIX_EPOCH + Duration::from_secs(expires as u64));
            }
            record
        }))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_backed_store_verifies_and_refuses() {
    let db = Database::create(&[
        (
            "AKIDLONGTERM",
            "secret-1",
            "arn:aws:iam::111122223333:user/alice",
            None,
            None,
        ),
        (
            "ASIATEMPORARY",
            "secret-2",
            "arn:aws:sts::111122223333:assumed-role/app/s",
            Some("token-2"),
            Some(NOW + 3600),
        ),
        (
            "ASIAEXPIRED",
            "secret-3",
            "arn:aws:iam::111122223333:role/old",
            Some("token-3"),
            Some(NOW - 1),
        ),
    ]);
    let v = verifier(CachedStore::new(SqliteStore::open(&db)).clock(now));

    let ok = verify(&v, &signed("AKIDLONGTERM", "secret-1", None))
        .await
        .unwrap();
    assert_eq!(ok.principal(), Some("arn:aws:iam::111122223333:user/alice"));
    let ok = verify(&v, &signed("ASIATEMPORARY", "secret-2", Some("token-2")))
        .await
        .unwrap();
    assert!(ok.has_session_token());

    let cases = [
        (
            signed("AKIDNOBODY", "secret-1", None),
            "InvalidClientTokenId",
        ),
        (
            signed("AKIDLONGTERM", "wrong", None),
            "SignatureDoesNotMatch",
        ),
        (
            signed("ASIATEMPORARY", "secret-2", Some("token-x")),
            "InvalidClientTokenId",
        ),
        (
            signed("ASIATEMPORARY", "secret-2", None),
            "InvalidClientTokenId",
        ),
        (
            signed("ASIAEXPIRED", "secret-3", Some("token-3")),
            "ExpiredToken",
        ),
    ];
    for (request, code) in &cases {
        let err = verify(&v, request).await.unwrap_err();
        assert_eq!((err.code(), err.http_status()), (*code, 403), "{err:?}");
    }
    let err = verify(&v, &cases[4].0).await.unwrap_err();
    assert_eq!(err.api_gateway_error_type(), "ExpiredTokenException");
    assert_eq!(
        err.to_string(),
        "The security token included in the request is expired"
    );
    // Each key was read from the database once, the cache answering the rest, except the
    // expired one, which the cache does not keep.
    assert_eq!(v.store().inner().lookups.load(Ordering::SeqCst), 5);

    // The same store behind `dyn`.
    let shared: Arc<dyn DynSecretStore> = Arc::new(SqliteStore::open(&db));
    let v = verifier(shared);
    assert!(verify(&v, &signed("AKIDLONGTERM", "secret-1", None))
        .await
        .is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expiry_is_checked_against_the_verifiers_clock() {
    let expiry = now() + Duration::from_secs(60);
    let keys = HashMap::from([(
        "ASIAKEY".to_string(),
        KeyRecord::new("s")
            .with_session_token("t")
            .with_expiry(expiry),
    )]);
    let request = signed("ASIAKEY", "s", Some("t"));
    let before = verifier(keys.clone());
    assert!(before
        .verify_async_at(&request, Payload::Empty, now())
        .await
        .is_ok());
    // At the expiry instant the credentials are no longer valid (the request is still inside
    // the skew window, so only the expiry refuses it).
    let err = before
        .verify_async_at(&request, Payload::Empty, expiry)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        VerifyError::ExpiredToken {
            expired_at: expiry,
            now: expiry
        }
    );
    // The sync entry checks the same.
    assert_eq!(
        before
            .verify_at(&request, Payload::Empty, expiry)
            .unwrap_err()
            .code(),
        "ExpiredToken"
    );
}

/// Knows every key `AKID…` with secret `secret`, after sleeping; counts its lookups.
struct SlowStore {
    delay: Duration,
    lookups: AtomicUsize,
}

impl AsyncSecretStore for SlowStore {
    async fn lookup(&self, query: &KeyQuery<'_>) -> LookupResult<'_> {
        self.lookups.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(self.delay).await;
        Ok(query
            .access_key_id()
            .starts_with("AKID")
            .then(|| KeyRecord::new("secret")))
    }
}

fn slow(delay_ms: u64) -> SlowStore {
    SlowStore {
        delay: Duration::from_millis(delay_ms),
        lookups: AtomicUsize::new(0),
    }
}

/// Verifies every request at once, each in its own task.
async fn verify_all<S>(
    v: &Arc<Verifier<S>>,
    requests: Vec<http::Request<()>>,
) -> Vec<Result<(), VerifyError>>
where
    S: AsyncSecretStore + Send + Sync + 'static,
{
    let tasks: Vec<_> = requests
        .into_iter()
        .map(|request| {
            let v = Arc::clone(v);
            tokio::spawn(async move { v.verify_async(&request, Payload::Empty).await.map(|_| ()) })
        })
        .collect();
    let mut out = Vec::new();
    for task in tasks {
        out.push(task.await.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lookups_do_not_block_other_requests() {
    // 40 verifications, each with its own key, against a store that takes 300 ms a lookup:
    // one after the other that is 12 s; awaited side by side, about one lookup's time.
    let v = Arc::new(verifier(slow(300)));
    let requests = (0..40)
        .map(|i| signed(&format!("AKID{i:04}"), "secret", None))
        .collect();
    let started = Instant::now();
    let results = verify_all(&v, requests).await;
    let took = started.elapsed();
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(v.store().lookups.load(Ordering::SeqCst), 40);
    assert!(
        took < Duration::from_secs(3),
        "40 lookups of 300 ms took {took:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cache_bounds_backend_calls() {
    // Lookups slow enough that the 100 made-up ids below all arrive while 8 are in flight.
    let store = CachedStore::new(slow(400)).max_lookups_in_flight(8);
    let v = Arc::new(verifier(store));
    let lookups =
        |v: &Verifier<CachedStore<SlowStore>>| v.store().inner().lookups.load(Ordering::SeqCst);

    // 200 requests for one known key: one lookup (single flight), then hits.
    let requests = (0..200)
        .map(|_| signed("AKIDKNOWN", "secret", None))
        .collect();
    assert!(verify_all(&v, requests).await.iter().all(Result::is_ok));
    assert_eq!(lookups(&v), 1);

    // A flood of 300 requests over 5 unknown key ids: 5 lookups, and the ids are then
    // remembered as unknown.
    let flood = || {
        (0..300)
            .map(|i| signed(&format!("NOPE{}", i % 5), "x", None))
            .collect()
    };
    let results = verify_all(&v, flood()).await;
    assert!(results
        .iter()
        .all(|r| r == &Err(VerifyError::UnknownAccessKey)));
    assert_eq!(lookups(&v), 6);
    let results = verify_all(&v, flood()).await;
    assert!(results
        .iter()
        .all(|r| r == &Err(VerifyError::UnknownAccessKey)));
    assert_eq!(lookups(&v), 6);

    // 100 different made-up ids at once: at most 8 reach the store; the others are told to
    // come back later (503), not that their key is unknown.
    let random = (0..100)
        .map(|i| signed(&format!("RAND{i:04}"), "x", None))
        .collect();
    let results = verify_all(&v, random).await;
    let busy = results
        .iter()
        .filter(|r| matches!(r, Err(VerifyError::Store(StoreError::Unavailable(_)))))
        .count();
    assert!(lookups(&v) - 6 <= 8, "{} lookups", lookups(&v) - 6);
    assert_eq!(busy + (lookups(&v) - 6), 100);
    assert_eq!(
        results
            .iter()
            .find_map(|r| r.as_ref().err().filter(|e| e.http_status() == 503))
            .map(VerifyError::code),
        Some("ServiceUnavailable")
    );
    // The known key is still cached.
    assert!(verify(&v, &signed("AKIDKNOWN", "secret", None))
        .await
        .is_ok());
    assert_eq!(lookups(&v) - 6, 100 - busy);
}

#[tokio::test(flavor = "current_thread")]
async fn cache_entries_never_outlive_the_credentials() {
    struct Temporary(AtomicUsize);
    impl AsyncSecretStore for Temporary {
        async fn lookup(&self, _: &KeyQuery<'_>) -> LookupResult<'_> {
            self.0.fetch_add(1, Ordering::SeqCst);
            Ok(Some(
                KeyRecord::new("secret").with_expiry(now() + Duration::from_secs(30)),
            ))
        }
    }
    let clock = Arc::new(Mutex::new(now()));
    let read = Arc::clone(&clock);
    let v = verifier(
        CachedStore::new(Temporary(AtomicUsize::new(0))).clock(move || *read.lock().unwrap()),
    );
    let request = signed("AKIDTEMP", "secret", None);
    verify(&v, &request).await.unwrap();
    *clock.lock().unwrap() += Duration::from_secs(29);
    verify(&v, &request).await.unwrap();
    assert_eq!(v.store().inner().0.load(Ordering::SeqCst), 1);
    // Past the expiry (the TTL is 5 minutes) the store is asked again.
    *clock.lock().unwrap() += Duration::from_secs(2);
    verify(&v, &request).await.unwrap();
    assert_eq!(v.store().inner().0.load(Ordering::SeqCst), 2);
}

/// Fails as told, then knows `AKIDFLAKY`.
struct Flaky {
    failures: Mutex<Vec<StoreError>>,
    lookups: AtomicUsize,
}

impl AsyncSecretStore for Flaky {
    async fn lookup(&self, _: &KeyQuery<'_>) -> LookupResult<'_> {
        self.lookups.fetch_add(1, Ordering::SeqCst);
        match self.failures.lock().unwrap().pop() {
            Some(e) => Err(e),
            None => Ok(Some(KeyRecord::new("secret"))),
        }
    }
}

#[tokio::test(flavor = "current_thread")]
async fn store_errors_are_5xx_and_never_cached() {
    let store = Flaky {
        failures: Mutex::new(vec![
            StoreError::failed("corrupt row"),
            StoreError::unavailable("connection refused"),
        ]),
        lookups: AtomicUsize::new(0),
    };
    let v = verifier(CachedStore::new(store));
    let request = signed("AKIDFLAKY", "secret", None);

    let err = verify(&v, &request).await.unwrap_err();
    assert_eq!((err.code(), err.http_status()), ("ServiceUnavailable", 503));
    assert_eq!(err.api_gateway_error_type(), "ServiceUnavailableException");
    // The store's own error is there for the log, not in the client's message.
    let source = std::error::Error::source(&err).unwrap().to_string();
    assert!(source.contains("connection refused"), "{source}");
    assert!(!err.to_string().contains("connection refused"));

    let err = verify(&v, &request).await.unwrap_err();
    assert_eq!((err.code(), err.http_status()), ("InternalFailure", 500));

    // Neither failure was remembered: the store is asked again, and now answers.
    assert!(verify(&v, &request).await.is_ok());
    assert_eq!(v.store().inner().lookups.load(Ordering::SeqCst), 3);
}

/// An identity service that validates its own tokens: `token-for-<id>` is valid.
struct TokenService(AtomicUsize);

impl AsyncSecretStore for TokenService {
    async fn lookup(&self, query: &KeyQuery<'_>) -> LookupResult<'_> {
        self.0.fetch_add(1, Ordering::SeqCst);
        let expected = format!("token-for-{}", query.access_key_id());
        Ok((query.session_token() == Some(expected.as_str()))
            .then(|| KeyRecord::new("secret").with_store_checked_token()))
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_store_can_check_the_session_token_itself() {
    let v = verifier(CachedStore::new(TokenService(AtomicUsize::new(0))));
    let good = signed("ASIAONE", "secret", Some("token-for-ASIAONE"));
    let bad = signed("ASIAONE", "secret", Some("token-for-ASIATWO"));
    let none = signed("ASIAONE", "secret", None);
    assert!(verify(&v, &good).await.unwrap().has_session_token());
    // The cached record vouches for the token it was checked with, not for another one.
    assert_eq!(
        verify(&v, &bad).await.unwrap_err(),
        VerifyError::UnknownAccessKey
    );
    assert_eq!(
        verify(&v, &none).await.unwrap_err(),
        VerifyError::UnknownAccessKey
    );
    assert!(verify(&v, &good).await.is_ok());
    // And a bad token did not make the key unknown for the good one: its record is still
    // cached (good, bad, none asked the service; the last two goods did not).
    assert!(verify(&v, &good).await.is_ok());
    assert_eq!(v.store().inner().0.load(Ordering::SeqCst), 3);
}

#[tokio::test(flavor = "current_thread")]
async fn accepting_any_session_token_is_explicit() {
    let keys = HashMap::from([("AKIDPLAIN".to_string(), "secret".to_string())]);
    let with_token = signed("AKIDPLAIN", "secret", Some("from-a-lambda"));
    let strict = verifier(keys.clone());
    assert_eq!(
        verify(&strict, &with_token).await.unwrap_err(),
        VerifyError::InvalidSessionToken
    );
    assert_eq!(
        strict.verify(&with_token, Payload::Empty).unwrap_err(),
        VerifyError::InvalidSessionToken
    );

    let mock = verifier(keys).accept_any_session_token(true);
    assert!(verify(&mock, &with_token)
        .await
        .unwrap()
        .has_session_token());
    assert!(verify(&mock, &signed("AKIDPLAIN", "secret", None))
        .await
        .is_ok());

    // A record that names its token still requires it.
    let keys = HashMap::from([(
        "ASIATEMP".to_string(),
        KeyRecord::new("secret").with_session_token("the-token"),
    )]);
    let mock = verifier(keys).accept_any_session_token(true);
    let err = verify(&mock, &signed("ASIATEMP", "secret", Some("another")))
        .await
        .unwrap_err();
    assert_eq!(err, VerifyError::InvalidSessionToken);
}

#[tokio::test(flavor = "current_thread")]
async fn a_lookup_gets_the_id_the_token_and_the_scope() {
    struct Recording(Mutex<Vec<String>>);
    impl AsyncSecretStore for Recording {
        async fn lookup(&self, query: &KeyQuery<'_>) -> LookupResult<'_> {
            let scope = query.scope();
            self.0.lock().unwrap().push(format!(
                "{} {:?} {} {} {}",
                query.access_key_id(),
                query.session_token(),
                scope.date,
                scope.region,
                scope.service
            ));
            Ok(None)
        }
    }
    let v = verifier(Recording(Mutex::new(Vec::new())));
    let _ = verify(&v, &signed("ASIAWHO", "s", Some("tok"))).await;
    assert_eq!(
        v.store().0.lock().unwrap().as_slice(),
        ["ASIAWHO Some(\"tok\") 20231114 us-east-1 execute-api"]
    );
    // Debug never shows the token.
    let query = format!(
        "{:?}",
        KeyQuery::new(
            sigv4x::CredentialScope::parse("A/20231114/r/s/aws4_request").unwrap(),
            Some("tok")
        )
    );
    assert!(!query.contains("tok\""), "{query}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiter_takes_over_when_the_leading_lookup_is_dropped() {
    let store = Arc::new(CachedStore::new(slow(300)));
    let scope = sigv4x::CredentialScope::parse("AKIDX/20231114/us-east-1/execute-api/aws4_request")
        .unwrap();
    let leader = {
        let store = Arc::clone(&store);
        tokio::spawn(async move {
            let query = KeyQuery::new(scope, None);
            tokio::time::timeout(Duration::from_millis(50), store.lookup(&query))
                .await
                .is_err()
        })
    };
    tokio::time::sleep(Duration::from_millis(10)).await;
    let follower = {
        let store = Arc::clone(&store);
        tokio::spawn(async move {
            let query = KeyQuery::new(scope, None);
            store.lookup(&query).await.map(|found| found.is_some())
        })
    };
    assert!(leader.await.unwrap(), "the leader timed out");
    assert_eq!(follower.await.unwrap(), Ok(true));
    assert_eq!(store.inner().lookups.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_unknown_ids_does_not_lock_out_a_known_key_due_for_refresh() {
    // An unauthenticated client keeps every lookup slot busy with made-up key ids. A key the
    // cache knows, whose entry just expired, must still be refreshed: otherwise every caller
    // is refused (503) within one TTL of the flood starting, and the bound on lookups in
    // flight becomes a lock-out of the whole service.
    let clock = Arc::new(Mutex::new(now()));
    let read = Arc::clone(&clock);
    let store = CachedStore::new(slow(400))
        .max_lookups_in_flight(8)
        .ttl(Duration::from_secs(60))
        .clock(move || *read.lock().unwrap());
    let v = Arc::new(verifier(store));
    let known = signed("AKIDKNOWN", "secret", None);
    verify(&v, &known).await.unwrap();
    *clock.lock().unwrap() += Duration::from_secs(61);

    let flood: Vec<_> = (0..50)
        .map(|i| signed(&format!("RAND{i:04}"), "x", None))
        .collect();
    let flooding = {
        let v = Arc::clone(&v);
        tokio::spawn(async move { verify_all(&v, flood).await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(verify(&v, &known).await.map(|_| ()), Ok(()));
    let refused = flooding.await.unwrap();
    assert!(refused.iter().all(Result::is_err));
    // The refresh of the known key went beyond the bound, the made-up ids did not.
    assert!(v.store().inner().lookups.load(Ordering::SeqCst) <= 1 + 8 + 1);
}

/// A store that knows a key for one service only, as a store answering by scope may.
struct OneService(AtomicUsize);

impl AsyncSecretStore for OneService {
    async fn lookup(&self, query: &KeyQuery<'_>) -> LookupResult<'_> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok((query.scope().service == "execute-api").then(|| KeyRecord::new("secret")))
    }
}

#[tokio::test(flavor = "current_thread")]
async fn cached_answers_are_reused_only_for_their_credential_scope() {
    let cache = CachedStore::new(OneService(AtomicUsize::new(0)));
    let scope = |s: &'static str| sigv4x::CredentialScope::parse(s).unwrap();
    let api = scope("AKIDSCOPED/20231114/us-east-1/execute-api/aws4_request");
    let s3 = scope("AKIDSCOPED/20231114/us-east-1/s3/aws4_request");
    let lookup = |scope| {
        let cache = &cache;
        async move { cache.lookup(&KeyQuery::new(scope, None)).await.unwrap() }
    };
    assert!(lookup(api).await.is_some());
    // The record found for execute-api does not answer for s3: the store is asked, says no.
    assert!(lookup(s3).await.is_none());
    assert_eq!(cache.inner().0.load(Ordering::SeqCst), 2);
    // The "no" for s3 does not refuse the key for execute-api, and within its scope each
    // answer is still cached.
    assert!(lookup(api).await.is_some());
    assert!(lookup(s3).await.is_none());
    assert_eq!(cache.inner().0.load(Ordering::SeqCst), 2);
    // Another day is another scope.
    let next_day = scope("AKIDSCOPED/20231115/us-east-1/execute-api/aws4_request");
    assert!(lookup(next_day).await.is_some());
    assert_eq!(cache.inner().0.load(Ordering::SeqCst), 3);
    // A client alternating between scopes (regions here) is answered from the cache for each.
    let europe = scope("AKIDSCOPED/20231115/eu-west-1/execute-api/aws4_request");
    for _ in 0..3 {
        assert!(lookup(europe).await.is_some());
        assert!(lookup(next_day).await.is_some());
    }
    assert_eq!(cache.inner().0.load(Ordering::SeqCst), 4);
}

/// A store whose key is revoked while a lookup is in flight: the lookup saw it before.
struct Revocable {
    revoked: AtomicBool,
}

impl AsyncSecretStore for Revocable {
    async fn lookup(&self, _query: &KeyQuery<'_>) -> LookupResult<'_> {
        let revoked = self.revoked.load(Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(200)).await;
        Ok((!revoked).then(|| KeyRecord::new("secret")))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalidate_wins_over_a_lookup_in_flight() {
    let cache = Arc::new(CachedStore::new(Revocable {
        revoked: AtomicBool::new(false),
    }));
    let scope =
        sigv4x::CredentialScope::parse("AKIDLEAK/20231114/us-east-1/execute-api/aws4_request")
            .unwrap();
    let in_flight = {
        let cache = Arc::clone(&cache);
        tokio::spawn(async move {
            cache
                .lookup(&KeyQuery::new(scope, None))
                .await
                .unwrap()
                .is_some()
        })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    cache.inner().revoked.store(true, Ordering::SeqCst);
    cache.invalidate("AKIDLEAK");
    // The lookup that began before the revocation answers its caller, but is not cached: the
    // next caller asks the store, which now refuses the key.
    assert!(in_flight.await.unwrap());
    assert!(cache
        .lookup(&KeyQuery::new(scope, None))
        .await
        .unwrap()
        .is_none());
}
