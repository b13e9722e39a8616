//! Signing speed: sigv4x and aws-sigv4 on the same requests in one run.
//!
//! `cargo bench --bench sign`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use sigv4x::{Credentials, Payload, Signer, SigningSettings};

#[path = "../tests/common/aws_reference.rs"]
mod aws_reference;
use aws_reference::Reference;

#[path = "common/requests.rs"]
mod requests;
use requests::{now, small_get, SECRET};

/// A POST with a 1 KiB JSON body.
pub fn json_post(body: &[u8]) -> http::Request<()> {
    http::Request::post("https://abc123defg.execute-api.us-east-1.amazonaws.com/prod/orders")
        .header("host", "abc123defg.execute-api.us-east-1.amazonaws.com")
        .header("content-type", "application/json")
        .header("content-length", body.len().to_string())
        .body(())
        .unwrap()
}

pub fn json_body() -> Vec<u8> {
    let mut body = b"{\"items\":[".to_vec();
    while body.len() < 1000 {
        body.extend_from_slice(b"{\"sku\":\"ABC-123\",\"qty\":1},");
    }
    body.pop();
    body.extend_from_slice(b"]}");
    body.resize(1024, b' ');
    body
}

/// The cryptographic floor of signing the GET: one SHA-256 of a canonical request of the same
/// size and one HMAC of a string to sign with an already-keyed state. No signer can do less.
fn bench_floor(c: &mut Criterion) {
    use hmac::{Hmac, KeyInit, Mac};
    use sha2::{Digest, Sha256};
    let signer = Signer::new(
        Credentials::new("AKIDEXAMPLE", SECRET, None),
        "us-east-1",
        "execute-api",
    );
    let report = signer
        .explain_at(
            &small_get(),
            Payload::Empty,
            sigv4x::SignatureLocation::Headers,
            now(),
        )
        .unwrap();
    let creq = report.canonical_request.into_bytes();
    let sts = report.string_to_sign.into_bytes();
    let key: Hmac<Sha256> = Hmac::new_from_slice(&[7u8; 32]).unwrap();
    c.bench_function(
        "floor: SHA-256(canonical request) + HMAC(string to sign)",
        |b| {
            b.iter(|| {
                let digest = Sha256::digest(black_box(&creq));
                let mut mac = key.clone();
                mac.update(black_box(&sts));
                (digest, mac.finalize().into_bytes())
            })
        },
    );
}

fn bench_sign(c: &mut Criterion) {
    let creds = Credentials::new("AKIDEXAMPLE", SECRET, None);
    let ours = Signer::new(creds.clone(), "us-east-1", "execute-api");
    let settings = SigningSettings::default();
    let theirs = Reference::new(&creds, "us-east-1", "execute-api", &settings, None);

    let mut g = c.benchmark_group("sign GET, 3 headers + query");
    g.bench_function("sigv4x", |b| {
        b.iter_batched_ref(
            small_get,
            |req| ours.sign_at(req, Payload::Empty, black_box(now())).unwrap(),
            BatchSize::SmallInput,
        )
    });
    g.bench_function("aws-sigv4", |b| {
        b.iter_batched_ref(
            small_get,
            |req| {
                theirs.sign_request(
                    req,
                    aws_sigv4::http_request::SignableBody::Bytes(&[]),
                    black_box(now()),
                )
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();

    let body = json_body();
    let mut g = c.benchmark_group("sign POST, 1 KiB JSON");
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function("sigv4x", |b| {
        b.iter_batched_ref(
            || json_post(&body),
            |req| {
                ours.sign_at(req, Payload::Bytes(&body), black_box(now()))
                    .unwrap()
            },
            BatchSize::SmallInput,
        )
    });
    g.bench_function("aws-sigv4", |b| {
        b.iter_batched_ref(
            || json_post(&body),
            |req| {
                theirs.sign_request(
                    req,
                    aws_sigv4::http_request::SignableBody::Bytes(&body),
                    black_box(now()),
                )
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();

    let expires = Duration::from_secs(900);
    let s3 = Signer::new(creds.clone(), "us-east-1", "s3").with_settings(SigningSettings::s3());
    let s3_settings = SigningSettings::s3();
    let theirs_s3 = Reference::new(&creds, "us-east-1", "s3", &s3_settings, Some(expires));
    let object = http::Request::get("https://examplebucket.s3.amazonaws.com/photos/2026/cat.jpg")
        .header("host", "examplebucket.s3.amazonaws.com")
        .body(())
        .unwrap();
    let mut g = c.benchmark_group("presign S3 GET, 15 min");
    g.bench_function("sigv4x", |b| {
        b.iter(|| s3.presign_at(&object, expires, black_box(now())).unwrap())
    });
    g.bench_function("aws-sigv4", |b| {
        b.iter_batched_ref(
            || object.clone_without_body(),
            |req| {
                theirs_s3.sign_request(
                    req,
                    aws_sigv4::http_request::SignableBody::UnsignedPayload,
                    black_box(now()),
                )
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

trait CloneWithoutBody {
    fn clone_without_body(&self) -> Self;
}

impl CloneWithoutBody for http::Request<()> {
    fn clone_without_body(&self) -> Self {
        let mut r = http::Request::new(());
        *r.method_mut() = self.method().clone();
        *r.uri_mut() = self.uri().clone();
        *r.headers_mut() = self.headers().clone();
        r
    }
}

criterion_group!(benches, bench_sign, bench_floor);
criterion_main!(benches);
