//! The SigV4a-only steps of verification: finding and checking the region set, and checking
//! the ECDSA signature. Everything else — parsing, time, signed headers, tokens, payload,
//! canonical request, replays — is the SigV4 verifier's, unchanged.

use std::borrow::Cow;

use p256::ecdsa::signature::hazmat::PrehashVerifier;
use p256::ecdsa::{Signature, VerifyingKey};

use crate::canonical::encode::hex_value;
use crate::canonical::names::X_AMZ_REGION_SET;
use crate::request::Headers;
use crate::sha256::Hasher;
use crate::sigv4a::key::KeyCacheV4a;
use crate::sigv4a::region_set::RegionSet;
use crate::sigv4a::sign::MAX_DER_LEN;
use crate::sigv4a::ALGORITHM_V4A;
use crate::string_to_sign::{write_string_to_sign_as, Scope};
use crate::verify_error::VerifyError;

/// The signed region set: the `X-Amz-Region-Set` query parameter of a presigned URL, or the
/// header, which must then be given once and signed.
pub(crate) fn region_set<'r>(
    headers: Headers<'r>,
    signed_headers: &str,
    presigned: Option<&'r Cow<'r, str>>,
) -> Result<&'r str, VerifyError> {
    const MISSING: VerifyError = VerifyError::IncompleteSignature {
        reason: "SigV4a requires the X-Amz-Region-Set header or query parameter, once.",
    };
    if let Some(set) = presigned {
        return Ok(set.as_ref());
    }
    let value = headers.single(X_AMZ_REGION_SET).map_err(|()| MISSING)?;
    let value = value.ok_or(MISSING)?;
    if !signed_headers.split(';').any(|n| n == X_AMZ_REGION_SET) {
        return Err(VerifyError::HeaderNotSigned {
            name: X_AMZ_REGION_SET.into(),
        });
    }
    std::str::from_utf8(value).map_err(|_| MISSING)
}

/// Checks that `set` is well formed and names one of `regions` (the verifier's own).
pub(crate) fn check_region_set(set: &str, regions: &[String]) -> Result<(), VerifyError> {
    let parsed = RegionSet::parse(set).map_err(VerifyError::InvalidRegionSet)?;
    if regions.iter().any(|r| parsed.contains(r)) {
        return Ok(());
    }
    Err(VerifyError::RegionNotInSet {
        region_set: set.to_owned(),
    })
}

/// Where the public key comes from: given by the store (SEC1), or derived from the secret.
pub(crate) enum PublicKey<'k> {
    Sec1(&'k [u8]),
    Secret {
        access_key_id: &'k str,
        secret_access_key: &'k str,
    },
}

/// Checks the hex DER `signature` over the string to sign of (`amz_date`, `scope`,
/// `creq_hash`). `Ok(true)` when it verifies, `Ok(false)` when it is well formed but does not.
pub(crate) fn check_signature(
    keys: &KeyCacheV4a,
    public_key: PublicKey<'_>,
    amz_date: &[u8; 16],
    scope: &Scope<'_>,
    creq_hash: &[u8; 64],
    signature: &str,
) -> Result<bool, VerifyError> {
    let mut der = [0u8; MAX_DER_LEN];
    let der = decode_hex(signature, &mut der)?;
    let signature = Signature::from_der(der).map_err(|_| VerifyError::MalformedSignature {
        reason: "not a DER-encoded P-256 ECDSA signature with r and s in [1, n - 1]",
    })?;
    let mut sts = Hasher::<4>::new();
    write_string_to_sign_as(&mut sts, ALGORITHM_V4A, amz_date, scope, creq_hash);
    let digest = sts.finish();
    let verified = match public_key {
        PublicKey::Sec1(sec1) => VerifyingKey::from_sec1_bytes(sec1)
            .map_err(|_| VerifyError::InvalidPublicKey)?
            .verify_prehash(&digest, &signature),
        PublicKey::Secret {
            access_key_id,
            secret_access_key,
        } => keys
            .get(access_key_id, secret_access_key)
            .verifying_key()
            .verify_prehash(&digest, &signature),
    };
    Ok(verified.is_ok())
}

/// What the replay guard remembers of a SigV4a request. Not the signature: ECDSA signatures
/// are malleable (`(r, n − s)` verifies too) and randomized, so one signed request has many. The
/// hash of the access key id and string to sign is the request's own.
pub(crate) fn replay_key(
    access_key_id: &str,
    amz_date: &[u8; 16],
    scope: &Scope<'_>,
    creq_hash: &[u8; 64],
) -> [u8; 32] {
    let mut h = Hasher::<4>::new();
    h.put(access_key_id.as_bytes());
    h.put(b"\n");
    write_string_to_sign_as(&mut h, ALGORITHM_V4A, amz_date, scope, creq_hash);
    h.finish()
}

/// Lower-case hex of at most 72 bytes.
fn decode_hex<'b>(hex: &str, out: &'b mut [u8; MAX_DER_LEN]) -> Result<&'b [u8], VerifyError> {
    let malformed = VerifyError::MalformedSignature {
        reason: "the signature must be 16 to 144 lower-case hex digits",
    };
    let bytes = hex.as_bytes();
    if !bytes.len().is_multiple_of(2) || bytes.len() < 16 || bytes.len() > 2 * MAX_DER_LEN {
        return Err(malformed);
    }
    let digit = |b: u8| hex_value(b).filter(|_| !b.is_ascii_uppercase());
    for (dst, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
        match (
            pair.first().copied().and_then(digit),
            pair.get(1).copied().and_then(digit),
        ) {
            (Some(h), Some(l)) => *dst = h << 4 | l,
            _ => return Err(malformed),
        }
    }
    out.get(..bytes.len() / 2).ok_or(malformed)
}

/// The SigV4a signature check for the verifier: whether `signature` verifies under the
/// record's public key (given, or derived from its secret and cached), the replay guard's key
/// for the request, and the [`Verified::signature`](crate::Verified::signature) to report.
pub(crate) fn check(
    keys: &KeyCacheV4a,
    record: &crate::KeyRecord<'_>,
    access_key_id: &str,
    amz_date: &[u8; 16],
    scope: &Scope<'_>,
    creq_hash: &[u8; 64],
    signature: &str,
) -> Result<(bool, [u8; 32], crate::Signature), VerifyError> {
    let public_key = match record.sigv4a_public_key() {
        Some(sec1) => PublicKey::Sec1(sec1),
        None => PublicKey::Secret {
            access_key_id,
            secret_access_key: record.secret_access_key(),
        },
    };
    let ok = check_signature(keys, public_key, amz_date, scope, creq_hash, signature)?;
    let replay = replay_key(access_key_id, amz_date, scope, creq_hash);
    let reported = crate::Signature::from_mac(&crate::sha256::digest(signature.as_bytes()));
    Ok((ok, replay, reported))
}
