//! aws-chunked speed: verifying (decoding) and signing (encoding) a 64 MiB upload in 64 KiB
//! chunks, next to a plain SHA-256 of the same bytes, the floor of both: every chunk signature
//! covers the SHA-256 of its chunk, so neither side can do with less than one hash pass.
//!
//! `cargo bench --bench streaming`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sha2::{Digest, Sha256};
use sigv4x::primitives::{ChunkChain, SigningKey};
use sigv4x::{
    sign_streaming_at, AmzDate, ChecksumAlgorithm, ChunkDecoder, ChunkedMode, Credentials,
    DecoderConfig, Signer, SigningSettings, StreamingPlan, CHUNK_DATA_END,
};

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const LEN: usize = 64 << 20;
const CHUNK: usize = 64 << 10;
/// What a server typically reads from a socket at a time.
const READ: usize = 256 << 10;

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_764_400_000)
}

fn signer() -> Signer {
    Signer::new(
        Credentials::new("AKIDEXAMPLE", SECRET, None),
        "us-east-1",
        "s3",
    )
    .with_settings(SigningSettings::s3())
}

fn start(mode: ChunkedMode) -> sigv4x::ChunkEncoder {
    let plan = StreamingPlan::new(mode, LEN as u64, CHUNK);
    let mut request = http::Request::put("https://bucket.s3.amazonaws.com/key")
        .body(())
        .unwrap();
    sign_streaming_at(&signer(), &mut request, plan, now()).unwrap()
}

fn encode(mode: ChunkedMode, data: &[u8]) -> (Vec<u8>, sigv4x::Signature) {
    let mut encoder = start(mode);
    let mut body = Vec::with_capacity(data.len() + data.len() / 500 + 4096);
    for chunk in data.chunks(CHUNK) {
        encoder.encode_chunk(chunk, &mut body).unwrap();
    }
    body.extend_from_slice(encoder.finish().unwrap().as_bytes());
    (body, encoder.seed_signature())
}

fn decoder(mode: ChunkedMode, seed: sigv4x::Signature) -> ChunkDecoder {
    let date = AmzDate::from_system_time(now()).unwrap();
    let key = SigningKey::derive(SECRET, date.date(), "us-east-1", "s3");
    let chain = ChunkChain::new(key, date, "us-east-1", "s3", seed);
    ChunkDecoder::signed(chain, mode.trailer(), LEN as u64, DecoderConfig::default())
}

fn bench_streaming(c: &mut Criterion) {
    let data: Vec<u8> = (0..LEN).map(|i| (i * 7 + i / 4096) as u8).collect();
    let mut group = c.benchmark_group("streaming_64MiB");
    group.throughput(Throughput::Bytes(LEN as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(8));

    group.bench_function("sha256_floor", |b| {
        b.iter(|| black_box(Sha256::digest(black_box(&data))))
    });

    for (name, mode) in [
        ("signed", ChunkedMode::Signed),
        (
            "signed_crc32_trailer",
            ChunkedMode::SignedWithTrailer(ChecksumAlgorithm::Crc32),
        ),
    ] {
        let (body, seed) = encode(mode, &data);
        group.bench_function(format!("decode_{name}_reads_256KiB"), |b| {
            b.iter(|| {
                let mut d = decoder(mode, seed);
                let mut n = 0usize;
                for piece in body.chunks(READ) {
                    d.feed(piece, |x| n += x.len()).unwrap();
                }
                d.finish().unwrap();
                black_box(n)
            })
        });
        group.bench_function(format!("decode_{name}_reads_16KiB"), |b| {
            b.iter(|| {
                let mut d = decoder(mode, seed);
                let mut n = 0usize;
                for piece in body.chunks(16 << 10) {
                    d.feed(piece, |x| n += x.len()).unwrap();
                }
                d.finish().unwrap();
                black_box(n)
            })
        });
        group.bench_function(format!("encode_{name}_headers_only"), |b| {
            b.iter(|| {
                let mut encoder = start(mode);
                let mut framing = 0usize;
                for chunk in data.chunks(CHUNK) {
                    // What an async writer does: header, then the caller's own slice, then CRLF.
                    framing += encoder.chunk_header(chunk).unwrap().as_bytes().len();
                    framing += CHUNK_DATA_END.len();
                }
                framing += encoder.finish().unwrap().as_bytes().len();
                black_box(framing)
            })
        });
    }
    let mut body = Vec::with_capacity(LEN + LEN / 500 + 4096);
    group.bench_function("encode_signed_into_vec", |b| {
        b.iter(|| {
            body.clear();
            let mut encoder = start(ChunkedMode::Signed);
            for chunk in data.chunks(CHUNK) {
                encoder.encode_chunk(chunk, &mut body).unwrap();
            }
            body.extend_from_slice(encoder.finish().unwrap().as_bytes());
            black_box(body.len())
        })
    });
    group.finish();
}

criterion_group!(benches, bench_streaming);
criterion_main!(benches);
