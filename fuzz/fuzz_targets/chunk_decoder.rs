//! The aws-chunked decoder on arbitrary bytes, in every mode, fed in slices whose sizes the
//! input chooses. It must never panic, never hand out more than the declared length, and in
//! the signed modes never accept a body (the signatures cannot be forged by chance).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigv4x::{AmzDate, ChecksumAlgorithm, ChunkDecoder, DecoderConfig};
use sigv4x::primitives::{ChunkChain, SigningKey, signature_from_hex};

fuzz_target!(|input: &[u8]| {
    let Some((&control, rest)) = input.split_first() else {
        return;
    };
    let Some((&step, body)) = rest.split_first() else {
        return;
    };
    let algorithm = ChecksumAlgorithm::ALL[usize::from(control >> 4) % 4];
    let declared = u64::from(control & 0x0f) * 3;
    let config = DecoderConfig::default()
        .with_max_chunk_size(4096)
        .with_min_chunk_size(usize::from(control & 1) * 16);
    let date = AmzDate::from_unix(1_369_353_600).unwrap_or_else(|| unreachable!());
    let chain = || {
        let key = SigningKey::derive("secret", date.date(), "us-east-1", "s3");
        let seed = signature_from_hex(&[b'a'; 64]).unwrap_or_else(|| unreachable!());
        ChunkChain::new(key, date, "us-east-1", "s3", seed)
    };
    let mut decoders = [
        ChunkDecoder::signed(chain(), None, declared, config),
        ChunkDecoder::signed(chain(), Some(algorithm), declared, config),
        ChunkDecoder::unsigned(algorithm, declared, config),
    ];
    for (index, decoder) in decoders.iter_mut().enumerate() {
        let mut out = 0u64;
        let mut failed = false;
        for piece in body.chunks(usize::from(step).max(1)) {
            if decoder.feed(piece, |d| out += d.len() as u64).is_err() {
                failed = true;
                break;
            }
        }
        assert!(out <= declared);
        if !failed && decoder.is_done() {
            // Only the unsigned mode can be satisfied without a key (a checksum is public).
            assert_eq!(index, 2, "a signed body passed without a valid signature");
            assert_eq!(out, declared);
        }
    }
});
