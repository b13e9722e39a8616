//! Each speed trick of `src/fast/` against its plain version, in the same run: a trick stays
//! only while it saves something that matters (`src/fast/mod.rs` lists those taken out).

#![allow(dead_code, missing_docs, unused_imports)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};

#[path = "../src/fast/copy.rs"]
mod copy;
#[path = "../src/fast/name_filter.rs"]
mod name_filter;

/// The names the default signer looks for: those it sets, `host`, and the default unsigned ones.
const SPECIAL: [&str; 18] = [
    "x-amz-date",
    "authorization",
    "x-amz-security-token",
    "x-amz-content-sha256",
    "x-amz-region-set",
    "host",
    "authorization",
    "user-agent",
    "x-amzn-trace-id",
    "expect",
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];
/// A request's headers: the benchmark GET's and a few a client adds.
const HEADERS: [&str; 6] = [
    "host",
    "content-type",
    "x-amz-meta-owner",
    "accept",
    "user-agent",
    "x-custom-id",
];

fn bench_name_filter(c: &mut Criterion) {
    let filter = name_filter::NameFilter::new(SPECIAL.iter().map(|n| n.as_bytes()));
    let exact = name_filter::plain::NameSet(SPECIAL.iter().map(|n| n.as_bytes()).collect());
    let mut g = c.benchmark_group("special header names, 6 headers");
    g.bench_function("prefilter then exact", |b| {
        b.iter(|| {
            HEADERS
                .iter()
                .filter(|h| {
                    let h = black_box(h.as_bytes());
                    filter.may_contain(h) && exact.contains(h)
                })
                .count()
        })
    });
    g.bench_function("exact", |b| {
        b.iter(|| {
            HEADERS
                .iter()
                .filter(|h| exact.contains(black_box(h.as_bytes())))
                .count()
        })
    });
    g.finish();
}

/// The pieces of the benchmark GET's canonical request, as the hasher's buffer receives them.
const PIECES: [&[u8]; 14] = [
    b"GET",
    b"\n",
    b"/prod/orders",
    b"\n",
    b"limit=10&status=open",
    b"\n",
    b"host",
    b":",
    b"a1b2c3d4e5.execute-api.us-east-1.amazonaws.com",
    b"\n",
    b"x-amz-date",
    b":",
    b"20261129T103433Z",
    b"\n",
];

fn bench_copy(c: &mut Criterion) {
    let mut g = c.benchmark_group("copy the pieces of a canonical request");
    g.bench_function("copy_short", |b| {
        let mut buf = [0u8; 256];
        b.iter(|| {
            let mut at = 0;
            for p in black_box(PIECES) {
                copy::copy_short(&mut buf[at..at + p.len()], p);
                at += p.len();
            }
            black_box(&buf);
        })
    });
    g.bench_function("copy_from_slice", |b| {
        let mut buf = [0u8; 256];
        b.iter(|| {
            let mut at = 0;
            for p in black_box(PIECES) {
                copy::plain::copy_short(&mut buf[at..at + p.len()], p);
                at += p.len();
            }
            black_box(&buf);
        })
    });
    g.finish();
}

criterion_group!(benches, bench_name_filter, bench_copy);
criterion_main!(benches);
