//! Laws of the aws-chunked encoder and decoder: what one encodes the other decodes, however the
//! body is split into chunks and into network reads; and every change to the body (a flipped
//! byte, a truncation, reordered or dropped chunks, extra bytes, a wrong declared length, a
//! wrong trailer) is refused, with no unverified data handed out in the signed modes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use proptest::prelude::*;
use sigv4x::primitives::{ChunkChain, SigningKey};
use sigv4x::{
    sign_streaming_at, AmzDate, ChecksumAlgorithm, ChunkDecoder, ChunkError, ChunkedMode,
    Credentials, DecoderConfig, Signature, Signer, StreamingPlan,
};

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const REGION: &str = "eu-west-1";
const SERVICE: &str = "s3";

fn when() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_764_400_000)
}

fn signer() -> Signer {
    Signer::new(
        Credentials::new("AKIDEXAMPLE", SECRET, None),
        REGION,
        SERVICE,
    )
}

fn all_modes() -> Vec<ChunkedMode> {
    let mut modes = vec![ChunkedMode::Signed];
    for a in ChecksumAlgorithm::ALL {
        modes.push(ChunkedMode::SignedWithTrailer(a));
        modes.push(ChunkedMode::UnsignedWithTrailer(a));
    }
    modes
}

/// Encodes `payload` in chunks of the given sizes; returns the body and the seed.
fn encode(mode: ChunkedMode, payload: &[u8], sizes: &[usize]) -> (Vec<u8>, Signature) {
    let plan = StreamingPlan::without_content_length(mode, payload.len() as u64);
    let mut request = http::Request::put("https://b.s3.amazonaws.com/k")
        .body(())
        .unwrap();
    let mut encoder = sign_streaming_at(&signer(), &mut request, plan, when()).unwrap();
    let mut body = Vec::new();
    let mut at = 0;
    for &size in sizes {
        let chunk = &payload[at..at + size];
        // Exercise both entry points.
        if size % 2 == 0 {
            encoder.encode_chunk(chunk, &mut body).unwrap();
        } else {
            body.extend_from_slice(encoder.chunk_header(chunk).unwrap().as_bytes());
            body.extend_from_slice(chunk);
            body.extend_from_slice(sigv4x::CHUNK_DATA_END);
        }
        at += size;
    }
    assert_eq!(at, payload.len());
    body.extend_from_slice(encoder.finish().unwrap().as_bytes());
    (body, encoder.seed_signature())
}

fn decoder(
    mode: ChunkedMode,
    seed: Signature,
    declared: u64,
    config: DecoderConfig,
) -> ChunkDecoder {
    match mode {
        ChunkedMode::UnsignedWithTrailer(a) => ChunkDecoder::unsigned(a, declared, config),
        _ => {
            let date = AmzDate::from_system_time(when()).unwrap();
            let key = SigningKey::derive(SECRET, date.date(), REGION, SERVICE);
            let chain = ChunkChain::new(key, date, REGION, SERVICE, seed);
            ChunkDecoder::signed(chain, mode.trailer(), declared, config)
        }
    }
}

/// Feeds `body` in slices of the given sizes (cycled); returns the data handed out and the
/// outcome.
fn decode(
    mode: ChunkedMode,
    seed: Signature,
    declared: u64,
    body: &[u8],
    steps: &[usize],
) -> (Vec<u8>, Result<(), ChunkError>) {
    let mut d = decoder(mode, seed, declared, DecoderConfig::default());
    let mut out = Vec::new();
    let mut at = 0;
    let mut i = 0;
    while at < body.len() {
        let step = steps
            .get(i % steps.len().max(1))
            .copied()
            .unwrap_or(body.len())
            .max(1);
        let end = (at + step).min(body.len());
        if let Err(e) = d.feed(&body[at..end], |data| out.extend_from_slice(data)) {
            return (out, Err(e));
        }
        at = end;
        i += 1;
    }
    (out, d.finish().map(|_| ()))
}

/// Splits `len` into chunk sizes of at least 8 KiB, the last one excepted.
fn split(len: usize, picks: &[usize]) -> Vec<usize> {
    let mut sizes = Vec::new();
    let mut left = len;
    let mut i = 0;
    while left > 0 {
        let pick = picks.get(i).copied().unwrap_or(8192).clamp(8192, 40_000);
        let size = if left <= pick || left - pick < 8192 && left < 2 * 8192 {
            left
        } else {
            pick.min(left)
        };
        sizes.push(size);
        left -= size;
        i += 1;
    }
    sizes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn what_is_encoded_decodes(
        payload in proptest::collection::vec(any::<u8>(), 0..60_000),
        picks in proptest::collection::vec(8192usize..30_000, 0..8),
        steps in proptest::collection::vec(1usize..20_000, 1..8),
        mode_index in 0usize..9,
    ) {
        let mode = all_modes()[mode_index];
        let sizes = split(payload.len(), &picks);
        let (body, seed) = encode(mode, &payload, &sizes);
        let (out, result) = decode(mode, seed, payload.len() as u64, &body, &steps);
        prop_assert_eq!(result, Ok(()));
        prop_assert!(out == payload);
    }

    #[test]
    fn random_bytes_never_panic_and_never_pass(
        garbage in proptest::collection::vec(any::<u8>(), 0..400),
        mode_index in 0usize..9,
    ) {
        let mode = all_modes()[mode_index];
        let seed = sigv4x::primitives::signature_from_hex(&[b'0'; 64]).unwrap();
        let (_, result) = decode(mode, seed, garbage.len() as u64, &garbage, &[7]);
        prop_assert!(result.is_err());
    }
}

/// A two-chunk body per mode, small enough to try every change exhaustively.
fn small_cases() -> Vec<(ChunkedMode, Vec<u8>, Vec<u8>, Signature)> {
    let payload: Vec<u8> = (0..8192 + 40).map(|i| (i * 31 % 251) as u8).collect();
    all_modes()
        .into_iter()
        .map(|mode| {
            let (body, seed) = encode(mode, &payload, &[8192, 40]);
            (mode, payload.clone(), body, seed)
        })
        .collect()
}

/// In the signed modes nothing unverified is handed out: what came out before a failure is a
/// prefix of the real payload made of whole chunks.
fn assert_only_verified(mode: ChunkedMode, out: &[u8], payload: &[u8], what: &str) {
    if mode.is_signed() {
        assert!(
            out.is_empty() || out == &payload[..8192] || out == payload,
            "{mode:?}: {what}: handed out {} unverified bytes",
            out.len()
        );
    }
}

#[test]
fn every_single_byte_flip_is_refused() {
    // One mode of each kind (the checksum algorithms differ only in the digest).
    let kinds = [
        ChunkedMode::Signed,
        ChunkedMode::SignedWithTrailer(ChecksumAlgorithm::Crc32c),
        ChunkedMode::UnsignedWithTrailer(ChecksumAlgorithm::Crc32),
    ];
    for (mode, payload, body, seed) in small_cases() {
        if !kinds.contains(&mode) {
            continue;
        }
        for at in 0..body.len() {
            // Masks that never just change the case of a letter: hex sizes and trailer names
            // are case-insensitive by design, so such a flip is not a change of meaning. Each
            // position gets one of them in turn.
            {
                let mask = [0x01u8, 0x80, 0xff][at % 3];
                let mut bad = body.clone();
                bad[at] ^= mask;
                let (out, result) = decode(mode, seed, payload.len() as u64, &bad, &[4096]);
                assert!(
                    result.is_err(),
                    "{mode:?}: flip {mask:#x} at {at} of {} accepted",
                    body.len()
                );
                assert_only_verified(mode, &out, &payload, "flip");
            }
        }
    }
}

#[test]
fn every_truncation_is_refused() {
    for (mode, payload, body, seed) in small_cases() {
        for len in 0..body.len() {
            let (out, result) = decode(mode, seed, payload.len() as u64, &body[..len], &[997]);
            let e = result.expect_err("truncated body accepted");
            assert!(
                matches!(
                    e,
                    ChunkError::MissingFinalChunk { .. } | ChunkError::IncompleteTrailer
                ),
                "{mode:?}: truncation at {len}: {e:?}"
            );
            assert_eq!(e.code(), "IncompleteBody");
            assert_only_verified(mode, &out, &payload, "truncation");
        }
    }
}

#[test]
fn extensions_are_refused() {
    for (mode, payload, body, seed) in small_cases() {
        for extra in [&b"\r\n"[..], b"0", b"x", b"0;chunk-signature=00\r\n\r\n"] {
            let mut long = body.clone();
            long.extend_from_slice(extra);
            let (out, result) = decode(mode, seed, payload.len() as u64, &long, &[long.len()]);
            assert_eq!(
                result,
                Err(ChunkError::TrailingData {
                    offset: body.len() as u64
                }),
                "{mode:?}"
            );
            assert_eq!(out, payload);
        }
    }
}

/// The encoded frames of a body, split at chunk boundaries (the final frame holds the rest).
fn frames(body: &[u8], sizes: &[usize]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut at = 0;
    for &size in sizes {
        let header_end = at + body[at..].windows(2).position(|w| w == b"\r\n").unwrap() + 2;
        let end = header_end + size + 2;
        out.push(body[at..end].to_vec());
        at = end;
    }
    out.push(body[at..].to_vec());
    out
}

#[test]
fn reordered_dropped_and_repeated_chunks_are_refused() {
    let payload: Vec<u8> = (0..3 * 8192).map(|i| (i % 253) as u8).collect();
    let sizes = [8192, 8192, 8192];
    for mode in all_modes() {
        let (body, seed) = encode(mode, &payload, &sizes);
        let f = frames(&body, &sizes);
        let variants: Vec<(&str, Vec<&Vec<u8>>)> = vec![
            ("swap 1 and 2", vec![&f[1], &f[0], &f[2], &f[3]]),
            ("swap 2 and 3", vec![&f[0], &f[2], &f[1], &f[3]]),
            ("drop 2", vec![&f[0], &f[2], &f[3]]),
            ("repeat 1", vec![&f[0], &f[0], &f[1], &f[2], &f[3]]),
        ];
        for (what, order) in variants {
            let bad: Vec<u8> = order.into_iter().flatten().copied().collect();
            let (out, result) = decode(mode, seed, payload.len() as u64, &bad, &[5000]);
            let e = result.expect_err(what);
            if mode.is_signed() {
                assert!(
                    matches!(
                        e,
                        ChunkError::ChunkSignatureMismatch { .. }
                            | ChunkError::TooLittleData { .. }
                            | ChunkError::TooMuchData { .. }
                    ),
                    "{mode:?} {what}: {e:?}"
                );
                assert!(
                    payload.starts_with(&out),
                    "{mode:?} {what}: unverified data out"
                );
            } else {
                // Unsigned: the frames are well-formed; the checksum or the length catches it.
                assert!(
                    matches!(
                        e,
                        ChunkError::ChecksumMismatch { .. }
                            | ChunkError::TooLittleData { .. }
                            | ChunkError::TooMuchData { .. }
                    ),
                    "{mode:?} {what}: {e:?}"
                );
            }
        }
    }
}

#[test]
fn a_wrong_declared_length_is_refused() {
    for (mode, payload, body, seed) in small_cases() {
        let n = payload.len() as u64;
        let (_, short) = decode(mode, seed, n + 1, &body, &[body.len()]);
        assert_eq!(
            short,
            Err(ChunkError::TooLittleData {
                declared: n + 1,
                actual: n
            })
        );
        let (_, long) = decode(mode, seed, n - 1, &body, &[body.len()]);
        assert_eq!(
            long,
            Err(ChunkError::TooMuchData {
                declared: n - 1,
                at_least: n
            })
        );
    }
}

#[test]
fn chunks_over_the_limit_or_too_small_are_refused() {
    let payload = vec![9u8; 8192 + 40];
    let (body, seed) = encode(ChunkedMode::Signed, &payload, &[8192, 40]);
    let config = DecoderConfig::default().with_max_chunk_size(8191);
    let mut d = decoder(ChunkedMode::Signed, seed, payload.len() as u64, config);
    let mut out = Vec::new();
    let e = d.feed(&body, |x| out.extend_from_slice(x)).unwrap_err();
    assert_eq!(
        e,
        ChunkError::ChunkTooLarge {
            chunk: 1,
            size: 8192,
            limit: 8191
        }
    );
    assert!(out.is_empty());

    // A 100-byte chunk before another chunk, signed correctly by hand.
    let date = AmzDate::from_system_time(when()).unwrap();
    let key = SigningKey::derive(SECRET, date.date(), REGION, SERVICE);
    let mut chain = ChunkChain::new(key, date, REGION, SERVICE, seed);
    let mut bad = Vec::new();
    for data in [&[1u8; 100][..], &[2u8; 8192][..], &[][..]] {
        let signature = chain.sign_chunk(data);
        bad.extend_from_slice(
            format!("{:x};chunk-signature={signature}\r\n", data.len()).as_bytes(),
        );
        if !data.is_empty() {
            bad.extend_from_slice(data);
            bad.extend_from_slice(b"\r\n");
        }
    }
    bad.extend_from_slice(b"\r\n");
    let (_, result) = decode(ChunkedMode::Signed, seed, 8292, &bad, &[bad.len()]);
    let e = result.unwrap_err();
    assert_eq!(
        e,
        ChunkError::ChunkTooSmall {
            chunk: 1,
            size: 100,
            minimum: 8192
        }
    );
    assert_eq!(e.code(), "InvalidChunkSizeError");
    // The same body passes when the minimum is waived.
    let mut lenient = decoder(
        ChunkedMode::Signed,
        seed,
        8292,
        DecoderConfig::default().with_min_chunk_size(0),
    );
    lenient.feed(&bad, |_| {}).unwrap();
    lenient.finish().unwrap();
}

/// Unsigned trailer bodies written by hand: `abc` with the CRC32 `NSRBwg==`.
#[test]
fn unsigned_trailers_must_be_the_announced_checksum() {
    let crc32 = ChecksumAlgorithm::Crc32;
    let run = |body: &[u8], alg| {
        let mut d = ChunkDecoder::unsigned(alg, 3, DecoderConfig::default());
        d.feed(body, |_| {})?;
        d.finish().map(|s| s.checksum)
    };
    assert_eq!(
        run(
            b"3\r\nabc\r\n0\r\nx-amz-checksum-crc32:NSRBwg==\r\n\r\n",
            crc32
        ),
        Ok(Some((crc32, "NSRBwg==".to_string())))
    );
    // Upper-case hex sizes and names, and spaces around the value, are accepted.
    assert!(run(
        b"3\r\nabc\r\n0\r\nX-Amz-Checksum-CRC32: NSRBwg== \r\n\r\n",
        crc32
    )
    .is_ok());
    // A renamed checksum line would switch the check off: refused.
    assert_eq!(
        run(
            b"3\r\nabc\r\n0\r\nx-amz-checksum-crc32c:NSRBwg==\r\n\r\n",
            crc32
        ),
        Err(ChunkError::UnexpectedTrailer {
            name: "x-amz-checksum-crc32c".into()
        })
    );
    assert_eq!(
        run(b"3\r\nabc\r\n0\r\n\r\n", crc32),
        Err(ChunkError::MissingTrailer {
            name: "x-amz-checksum-crc32"
        })
    );
    let mismatch = run(
        b"3\r\nabc\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n",
        crc32,
    );
    let e = mismatch.unwrap_err();
    assert_eq!(e.code(), "BadDigest");
    assert_eq!(
        e,
        ChunkError::ChecksumMismatch {
            algorithm: crc32,
            declared: "AAAAAA==".into(),
            computed: "NSRBwg==".into()
        }
    );
    assert_eq!(
        run(
            b"3\r\nabc\r\n0\r\nx-amz-checksum-crc32:NSRBwg=\r\n\r\n",
            crc32
        ),
        Err(ChunkError::InvalidChecksum { algorithm: crc32 })
    );
    assert_eq!(
        run(
            b"3\r\nabc\r\n0\r\nx-amz-checksum-crc32:NSRBwg==\r\nx-amz-checksum-crc32:NSRBwg==\r\n\r\n",
            crc32
        ),
        Err(ChunkError::DuplicateTrailer {
            name: "x-amz-checksum-crc32"
        })
    );
    // A signature extension has no place in the unsigned mode.
    assert!(matches!(
        run(
            b"3;chunk-signature=00\r\nabc\r\n0\r\nx-amz-checksum-crc32:NSRBwg==\r\n\r\n",
            crc32
        ),
        Err(ChunkError::MalformedChunkHeader {
            chunk: 1,
            offset: 0
        })
    ));
}

#[test]
fn signed_trailers_must_be_signed_and_come_before_their_signature() {
    let mode = ChunkedMode::SignedWithTrailer(ChecksumAlgorithm::Sha256);
    let payload = vec![5u8; 100];
    let (body, seed) = encode(mode, &payload, &[100]);
    let text = String::from_utf8_lossy(&body).into_owned();
    let tail_at = text.find("x-amz-checksum-sha256:").unwrap();
    let (head, tail) = text.split_at(tail_at);
    let lines: Vec<&str> = tail.split("\r\n").collect();
    let (checksum_line, signature_line) = (lines[0], lines[1]);
    let variants = [
        (
            "signature first",
            format!("{head}{signature_line}\r\n{checksum_line}\r\n\r\n"),
        ),
        ("no signature", format!("{head}{checksum_line}\r\n\r\n")),
        ("no checksum", format!("{head}{signature_line}\r\n\r\n")),
        (
            "line after the signature",
            format!("{head}{checksum_line}\r\n{signature_line}\r\nx-amz-meta-a:b\r\n\r\n"),
        ),
        (
            "upper-case signature",
            format!(
                "{head}{checksum_line}\r\n{}\r\n\r\n",
                signature_line
                    .to_ascii_uppercase()
                    .replace("X-AMZ-TRAILER-SIGNATURE", "x-amz-trailer-signature")
            ),
        ),
        (
            "blank line before the trailers",
            format!("{head}\r\n{checksum_line}\r\n{signature_line}\r\n\r\n"),
        ),
    ];
    for (what, bad) in variants {
        let (out, result) = decode(mode, seed, 100, bad.as_bytes(), &[bad.len()]);
        assert!(result.is_err(), "{what} accepted");
        assert_eq!(out, payload, "{what}: the chunks themselves verified");
    }
    // The untouched body passes, fed three bytes at a time.
    let (ok_out, ok) = decode(mode, seed, 100, &body, &[3]);
    assert_eq!(ok, Ok(()));
    assert_eq!(ok_out, payload);
}

#[test]
fn errors_stick_and_map_to_s3_codes() {
    let (body, seed) = encode(ChunkedMode::Signed, &[1u8; 10], &[10]);
    let mut bad = body.clone();
    bad[90] ^= 1; // inside the data of chunk 1
    let mut d = decoder(ChunkedMode::Signed, seed, 10, DecoderConfig::default());
    let e = d
        .feed(&bad, |_| panic!("forged data handed out"))
        .unwrap_err();
    assert_eq!(e, ChunkError::ChunkSignatureMismatch { chunk: 1 });
    assert_eq!(e.code(), "SignatureDoesNotMatch");
    assert_eq!(e.status(), http::StatusCode::FORBIDDEN);
    assert_eq!(d.feed(b"", |_| {}), Err(e.clone()));
    assert_eq!(d.finish(), Err(e));
}
