#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Replay protection (`[replay]`): in memory, and shared through a real `redis-server` by two
//! gateway instances, under load and while Redis goes away and comes back.
//!
//! Requests are signed for the API's execute-api host name, so that the same bytes are a valid
//! request at either instance (as behind a load balancer).

mod common;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use common::redis::RedisServer;
use common::*;
use sigv4x_gateway::client::Connection;
use sigv4x_gateway::{
    AuditRecord, Gateway, GatewayConfig, GatewayError, OnUnavailable, ReplayConfig, Step,
};

const API_HOST: &str = "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com";
const REPLAYED: &str = "This request signature has already been used";
const UNCHECKED: &str = "not checked for replays: the replay store is unavailable (fail open)";

/// `GET {path}` for the reference API, signed by `key` now; `n` makes each signature unique.
fn api_request(key: &Key, path: &str, n: usize) -> http::Request<Bytes> {
    let mut request = http::Request::get(format!("https://{API_HOST}{path}?n={n}"))
        .body(Bytes::new())
        .unwrap();
    signer(key)
        .sign_at(&mut request, sigv4x::Payload::Empty, SystemTime::now())
        .unwrap();
    request
}

fn config(replay: ReplayConfig) -> GatewayConfig {
    reference_config().replay(replay)
}

/// The status, `x-amzn-ErrorType` and request id of an answer.
struct Answer {
    status: u16,
    error_type: String,
    request_id: String,
}

async fn send(connection: &mut Connection, request: http::Request<Bytes>) -> Answer {
    let response = tokio::time::timeout(Duration::from_secs(10), connection.send(request))
        .await
        .expect("an answer within 10 s")
        .expect("a response");
    Answer {
        status: response.status().as_u16(),
        error_type: header(&response, "x-amzn-errortype").to_owned(),
        request_id: header(&response, "x-amzn-requestid").to_owned(),
    }
}

fn is_access_denied(a: &Answer) -> bool {
    a.status == 403 && a.error_type == "AccessDeniedException"
}

/// The record of a refused replay, the same wherever it lands and whatever the store.
fn assert_replay_record(record: &AuditRecord) {
    assert_eq!(record.status, 403);
    assert_eq!(record.decided_by, Step::Authentication);
    assert_eq!(
        record.error_type.as_deref(),
        Some("AccessDeniedException"),
        "{record:?}"
    );
    assert_eq!(record.reason, REPLAYED);
}

async fn inside(gateway: &Gateway) -> Connection {
    Connection::open(gateway.address_for(Some(ENDPOINT)).unwrap())
        .await
        .unwrap()
}

#[tokio::test]
async fn two_gateways_sharing_redis_refuse_a_request_replayed_from_one_to_the_other() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let a = Gateway::start(config(ReplayConfig::redis(redis.url())))
        .await
        .unwrap();
    let b = Gateway::start(config(ReplayConfig::redis(redis.url())))
        .await
        .unwrap();
    let (mut to_a, mut to_b) = (inside(&a).await, inside(&b).await);
    let request = api_request(&LAMBDA, "/prod/orders", 1);
    assert_eq!(send(&mut to_a, request.clone()).await.status, 200);
    let again = send(&mut to_b, request.clone()).await;
    assert!(is_access_denied(&again), "{}", again.status);
    assert_replay_record(&b.audit().find(&again.request_id).unwrap());
    // And back to the first.
    assert!(is_access_denied(&send(&mut to_a, request).await));
    // A new signature of the same request is a new request.
    let fresh = api_request(&LAMBDA, "/prod/orders", 2);
    assert_eq!(send(&mut to_b, fresh).await.status, 200);
    a.shutdown().await;
    b.shutdown().await;
}

/// The in-memory store refuses with the same code and audit record; the older
/// `replay_cache` setting still works, and cannot be set beside `[replay]`.
#[tokio::test]
async fn the_memory_store_refuses_a_replay_the_same_way() {
    let gateway = Gateway::start(config(ReplayConfig::memory(100)))
        .await
        .unwrap();
    let mut connection = inside(&gateway).await;
    let request = api_request(&LAMBDA, "/prod/orders", 1);
    assert_eq!(send(&mut connection, request.clone()).await.status, 200);
    let again = send(&mut connection, request).await;
    assert!(is_access_denied(&again));
    assert_replay_record(&gateway.audit().find(&again.request_id).unwrap());
    gateway.shutdown().await;

    let mut both = config(ReplayConfig::memory(100));
    both.settings.replay_cache = 10;
    let Err(GatewayError::Invalid { reason }) = Gateway::start(both).await else {
        panic!("replay_cache beside [replay] must be refused");
    };
    assert!(reason.contains("replay_cache"), "{reason}");
}

#[tokio::test]
async fn a_bad_store_or_window_is_a_config_error_naming_the_setting() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    for (replay, names) in [
        (ReplayConfig::redis("redis//nowhere"), "[replay] store"),
        (
            ReplayConfig::redis("http://127.0.0.1:6379"),
            "[replay] store",
        ),
        (
            ReplayConfig::redis(format!("redis://:pw-s3cret@127.0.0.1:{port}")),
            "[replay] store",
        ),
        (
            ReplayConfig::memory(10).window_seconds(10),
            "window_seconds",
        ),
    ] {
        let Err(e) = Gateway::start(config(replay)).await else {
            panic!("{names}: must be refused");
        };
        let shown = format!("{e} {e:?}");
        assert!(shown.contains(names), "{shown}");
        assert!(!shown.contains("pw-s3cret"), "{shown}");
    }
    // The TOML form, and its Debug, which hides the URL's password.
    let toml = r#"
        [replay]
        store = "redis://:pw-s3cret@127.0.0.1:6379/0"
        on_unavailable = "fail-open"
        window_seconds = 400
    "#;
    let parsed = GatewayConfig::from_toml_str(toml, None).unwrap();
    let replay = parsed.replay.as_ref().unwrap();
    assert_eq!(replay.on_unavailable, OnUnavailable::FailOpen);
    assert_eq!(replay.window_seconds, Some(400));
    assert!(!format!("{parsed:?}").contains("pw-s3cret"));
}

/// A window too long to add to a request's date made every authenticated request panic (the
/// connection dropped, no answer, no audit line): it is a configuration error instead.
#[tokio::test]
async fn a_window_too_long_to_add_to_a_date_is_a_config_error() {
    for window in [u64::MAX, u64::MAX / 2, 10 * 365 * 24 * 3600] {
        match Gateway::start(config(ReplayConfig::memory(10).window_seconds(window))).await {
            Err(e) => assert!(e.to_string().contains("window_seconds"), "{e}"),
            Ok(gateway) => {
                let mut connection = inside(&gateway).await;
                let answer = send(&mut connection, api_request(&LAMBDA, "/prod/orders", 1)).await;
                panic!("window {window}: started, answered {}", answer.status);
            }
        }
    }
}

/// The skew window is added to each request's date as well: one too long to do so is a
/// configuration error, not a panic per request.
#[tokio::test]
async fn a_skew_too_long_to_add_to_a_date_is_a_config_error() {
    for skew in [u64::MAX, 604_801] {
        let mut config = reference_config();
        config.settings.max_skew_seconds = skew;
        match Gateway::start(config).await {
            Err(e) => assert!(e.to_string().contains("max_skew_seconds"), "{e}"),
            Ok(gateway) => {
                let mut connection = inside(&gateway).await;
                let answer = send(&mut connection, api_request(&LAMBDA, "/prod/orders", 1)).await;
                panic!("skew {skew}: started, answered {}", answer.status);
            }
        }
    }
}

/// What a connection sends, and what must come back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    Allowed,
    Denied,
    Replay,
    /// Sent at once to both instances: exactly one of the two is let through.
    Race(usize),
}

/// Sends each connection's plan in order (connection `i` to `gateways[i % 2]`); returns the
/// answers, in plan order.
async fn run(
    addresses: [SocketAddr; 2],
    plans: Vec<Vec<(http::Request<Bytes>, Expect)>>,
) -> Vec<Vec<(Expect, Answer)>> {
    let tasks: Vec<_> = plans
        .into_iter()
        .enumerate()
        .map(|(i, plan)| {
            let address = addresses[i % 2];
            tokio::spawn(async move {
                let mut connection = Connection::open(address).await.unwrap();
                let mut answers = Vec::with_capacity(plan.len());
                for (request, expect) in plan {
                    answers.push((expect, send(&mut connection, request).await));
                }
                answers
            })
        })
        .collect();
    let mut all = Vec::new();
    for task in tasks {
        all.push(task.await.unwrap());
    }
    all
}

/// Two instances sharing Redis, 16 connections, allowed, denied, replayed and raced requests:
/// every answer right, every replay refused wherever it lands, one audit record per request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_gateways_and_redis_under_load_refuse_every_replay_wherever_it_lands() {
    const CONNECTIONS: usize = 16;
    const ROUNDS: usize = 12;
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let a = Gateway::start(config(ReplayConfig::redis(redis.url())))
        .await
        .unwrap();
    let b = Gateway::start(config(ReplayConfig::redis(redis.url())))
        .await
        .unwrap();
    let addresses = [
        a.address_for(Some(ENDPOINT)).unwrap(),
        b.address_for(Some(ENDPOINT)).unwrap(),
    ];
    let test = async {
        // Phase 1: fresh requests, allowed and denied, and races of one request sent to both.
        let mut n = 0;
        let mut next = || {
            n += 1;
            n
        };
        let mut sent: Vec<http::Request<Bytes>> = Vec::new();
        let mut plans = vec![Vec::new(); CONNECTIONS];
        for round in 0..ROUNDS {
            for c in (0..CONNECTIONS).step_by(2) {
                let race = api_request(&LAMBDA, "/prod/orders", next());
                plans[c].push((race.clone(), Expect::Race(round * CONNECTIONS + c)));
                plans[c + 1].push((race.clone(), Expect::Race(round * CONNECTIONS + c)));
                sent.push(race);
                for conn in [c, c + 1] {
                    let allowed = api_request(&LAMBDA, "/prod/orders", next());
                    let denied = api_request(&LAMBDA, "/prod/admin/stats", next());
                    sent.push(allowed.clone());
                    sent.push(denied.clone());
                    plans[conn].push((allowed, Expect::Allowed));
                    plans[conn].push((denied, Expect::Denied));
                }
            }
        }
        let mut answers = run(addresses, plans).await;
        // Phase 2: every request of phase 1 again, each on the other instance than its
        // connection sent it to before half the time, mixed with fresh ones.
        let mut plans = vec![Vec::new(); CONNECTIONS];
        for (i, request) in sent.into_iter().enumerate() {
            let conn = (i * 7) % CONNECTIONS;
            plans[conn].push((request, Expect::Replay));
            plans[conn].push((
                api_request(&LAMBDA, "/prod/orders", next()),
                Expect::Allowed,
            ));
        }
        answers.extend(run(addresses, plans).await);
        answers
    };
    let answers = tokio::time::timeout(Duration::from_secs(120), test)
        .await
        .expect("the load test finishes within 2 minutes");

    let mut races: HashMap<usize, Vec<bool>> = HashMap::new();
    let mut ids = Vec::new();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for (expect, answer) in answers.iter().flatten() {
        ids.push(answer.request_id.clone());
        match expect {
            Expect::Allowed => assert_eq!(answer.status, 200, "allowed"),
            Expect::Denied | Expect::Replay => {
                assert!(is_access_denied(answer), "{expect:?}: {}", answer.status)
            }
            Expect::Race(id) => {
                let won = answer.status == 200;
                assert!(won || is_access_denied(answer), "race: {}", answer.status);
                races.entry(*id).or_default().push(won);
            }
        }
        let kind = match expect {
            Expect::Allowed => "allowed",
            Expect::Denied => "denied",
            Expect::Replay => "replayed",
            Expect::Race(_) => "raced",
        };
        *counts.entry(kind).or_default() += 1;
    }
    for (id, outcomes) in &races {
        assert_eq!(outcomes.len(), 2);
        assert_eq!(outcomes.iter().filter(|w| **w).count(), 1, "race {id}");
    }

    // Exactly one audit record per request, in one instance or the other, saying why.
    let records: Vec<AuditRecord> = [&a, &b].iter().flat_map(|g| g.audit().records()).collect();
    assert_eq!(records.len(), ids.len());
    let by_id: HashMap<&str, &AuditRecord> = records.iter().map(|r| (&*r.request_id, r)).collect();
    assert_eq!(by_id.len(), records.len(), "request ids are unique");
    for (expect, answer) in answers.iter().flatten() {
        let record = by_id[answer.request_id.as_str()];
        assert_eq!(record.status, answer.status);
        match expect {
            Expect::Replay => assert_replay_record(record),
            Expect::Denied => assert_eq!(record.decided_by, Step::IdentityPolicy),
            Expect::Race(_) if answer.status != 200 => assert_replay_record(record),
            _ => {}
        }
    }
    eprintln!(
        "two gateways + redis, {CONNECTIONS} connections: {} requests {counts:?}",
        ids.len()
    );
    a.shutdown().await;
    b.shutdown().await;
}

/// Redis killed while connections are open: a fail-closed instance answers 503, a fail-open
/// one lets requests through with a note in their audit record; once Redis is back (empty),
/// both check replays again, without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_redis_goes_away_each_instance_follows_its_failure_mode_and_recovers() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let closed = Gateway::start(config(ReplayConfig::redis(redis.url()).timeout_ms(200)))
        .await
        .unwrap();
    let open = Gateway::start(config(
        ReplayConfig::redis(redis.url())
            .timeout_ms(200)
            .on_unavailable(OnUnavailable::FailOpen),
    ))
    .await
    .unwrap();
    let mut connections = Vec::new();
    for gateway in [&closed, &open, &closed, &open] {
        connections.push(inside(gateway).await);
    }
    let mut n = 0;
    let test = async {
        // Up: every request answered 200.
        for connection in &mut connections {
            for _ in 0..5 {
                n += 1;
                let request = api_request(&LAMBDA, "/prod/orders", n);
                assert_eq!(send(connection, request).await.status, 200);
            }
        }
        redis.stop();
        let mut unchecked = Vec::new();
        for (i, connection) in connections.iter_mut().enumerate() {
            for _ in 0..5 {
                n += 1;
                let answer = send(connection, api_request(&LAMBDA, "/prod/orders", n)).await;
                if i % 2 == 0 {
                    assert_eq!(
                        (answer.status, answer.error_type.as_str()),
                        (503, "ServiceUnavailableException")
                    );
                } else {
                    assert_eq!(answer.status, 200);
                    unchecked.push(answer.request_id);
                }
            }
        }
        for id in &unchecked {
            let record = open.audit().find(id).unwrap();
            let detail = record.layer(Step::Authentication).unwrap().detail.clone();
            assert_eq!(detail.as_deref(), Some(UNCHECKED));
        }
        redis.restart();
        for (i, connection) in connections.iter_mut().enumerate() {
            // Reconnection takes a few attempts; then replays are refused again.
            let gateway = if i % 2 == 0 { &closed } else { &open };
            let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
            let request = loop {
                n += 1;
                let request = api_request(&LAMBDA, "/prod/orders", n);
                let answer = send(connection, request.clone()).await;
                let record = gateway.audit().find(&answer.request_id).unwrap();
                let unchecked = record
                    .layer(Step::Authentication)
                    .is_some_and(|l| l.detail.is_some());
                if answer.status == 200 && !unchecked {
                    break request;
                }
                assert!(tokio::time::Instant::now() < deadline, "no recovery");
                tokio::time::sleep(Duration::from_millis(50)).await;
            };
            assert!(is_access_denied(&send(connection, request).await));
        }
    };
    tokio::time::timeout(Duration::from_secs(60), test)
        .await
        .expect("the outage test finishes within a minute");
    closed.shutdown().await;
    open.shutdown().await;
}

/// The binary logs a Redis outage (once, with the failure mode) and its end on stderr, where an
/// operator sees it: the log lines come through `tracing`, which the binary sets up. The URL
/// carries a password, which never reaches stderr, nor do the caller's secret or token.
#[test]
fn the_binary_logs_redis_outages_and_never_the_password() {
    const PASSWORD: &str = "replay-store-password-7c1d";
    for (mode, while_down, outage_says) in [
        ("fail-open", 200, "fail open"),
        ("fail-closed", 503, "fail closed"),
    ] {
        let Some(mut redis) = RedisServer::start_with_password(PASSWORD) else {
            return;
        };
        let log_dir = tempfile_dir();
        let log = log_dir.join("stderr");
        let extra = format!(
            "\n[replay]\nstore = \"{}\"\non_unavailable = \"{mode}\"\ntimeout_ms = 200\n",
            redis.url()
        );
        let stderr = std::fs::File::create(&log).unwrap().into();
        let gateway = common::binary::start_binary(&extra, 1024, stderr);
        let get = |n: usize| {
            let path = format!("/prod/orders?n={n}");
            let request = signed(&LAMBDA, "GET", gateway.address, &path, "");
            let headers: Vec<(String, String)> = request
                .headers()
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_str().unwrap().to_owned()))
                .collect();
            raw_request(gateway.address, "GET", &path, &headers, b"").status
        };
        assert_eq!(get(1), 200, "{mode}");
        redis.stop();
        assert_eq!(get(2), while_down, "{mode}");
        assert_eq!(get(3), while_down, "{mode}");
        redis.restart();
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        let mut n = 4;
        while !std::fs::read_to_string(&log)
            .unwrap()
            .contains("answers again")
        {
            assert!(
                std::time::Instant::now() < deadline,
                "{mode}: no recovery logged"
            );
            // The first request after Redis returns may still find it reconnecting.
            assert!([200, while_down].contains(&get(n)), "{mode}");
            n += 1;
            std::thread::sleep(Duration::from_millis(100));
        }
        assert_eq!(get(n), 200, "{mode}: Redis answers again");
        drop(gateway);
        let text = std::fs::read_to_string(&log).unwrap();
        let outage: Vec<&str> = text
            .lines()
            .filter(|l| l.contains("the replay store is unavailable"))
            .collect();
        assert_eq!(outage.len(), 1, "{mode}: logged once per outage:\n{text}");
        assert!(
            outage[0].contains(outage_says) && outage[0].contains("WARN"),
            "{mode}: {text}"
        );
        for secret in [PASSWORD, LAMBDA.secret, LAMBDA.token] {
            assert!(
                !text.contains(secret),
                "{mode}: a secret on stderr:\n{text}"
            );
        }
        let _ = std::fs::remove_dir_all(log_dir);
    }
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "sigv4x-replay-log-{}-{}",
        std::process::id(),
        common::binary::free_port()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
