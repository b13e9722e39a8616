//! Step 9: the canonical request, the string to sign, the signature — computed through the
//! signer's own canonicalization — and its comparison with the one the request carries, in
//! constant time. A mismatch reports what the server computed, session tokens redacted.

use subtle::ConstantTimeEq;

use super::checks::SignedList;
use super::parse::Params;
use super::store::KeyRecord;
use super::Verifier;
use crate::auth_params::Scheme;
use crate::canonical::{query, CanonicalRequest, Param};
use crate::chunked::decode_wire_signature;
use crate::date::AmzDate;
use crate::explain::Explanation;
use crate::payload::PayloadHash;
use crate::request::Input;
use crate::sign::Signature;
#[cfg(feature = "sigv4a")]
use crate::sigv4a::verify as sigv4a;
use crate::stack::StackVec;
use crate::string_to_sign::{Scope, StringToSign};
use crate::verify_error::{Mismatch, VerifyError};

/// A signature that matched: the MAC that keys the replay guard, and the signature to report.
pub(super) struct Matched {
    pub(super) replay_key: [u8; 32],
    pub(super) signature: Signature,
}

impl<S> Verifier<S> {
    /// Computes the request's signature with `record`'s key and compares it with the one sent.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn check_signature(
        &self,
        input: &Input<'_>,
        p: &Params<'_>,
        request_time: AmzDate,
        record: &KeyRecord<'_>,
        headers: &SignedList<'_>,
        payload_line: &PayloadHash<'_>,
    ) -> Result<Matched, VerifyError> {
        let mut params: StackVec<Param<'_>, 12> = StackVec::new();
        let presigned = p.expires.is_some();
        query::split_query(input.query.as_bytes(), &mut params, |q| {
            !presigned || self.settings.signs_presigned_param(q)
        });
        query::sort_params(params.as_mut_slice());
        let creq = CanonicalRequest {
            method: input.method,
            path: input.path,
            path_rules: self.settings.path_rules(),
            params: params.as_slice(),
            headers: headers.as_slice(),
            signed_headers: p.signed_headers.as_bytes(),
            payload_hash: payload_line.as_bytes(),
        };
        let creq_hash = creq.hash_hex();
        let scope = Scope {
            date: p.credential.date.as_bytes(),
            region: p.credential.region,
            service: p.credential.service,
        };
        let (matches, replay_key, signature) = match p.scheme {
            Scheme::V4 => {
                let mac = self.keys.sign_string_to_sign(
                    p.credential.access_key_id,
                    record.secret_access_key(),
                    request_time.as_bytes(),
                    &scope,
                    &creq_hash,
                );
                (
                    mac_matches(&mac, p.signature),
                    mac,
                    Signature::from_mac(&mac),
                )
            }
            #[cfg(feature = "sigv4a")]
            Scheme::V4a => sigv4a::check(
                &self.keys_v4a,
                record,
                p.credential.access_key_id,
                request_time.as_bytes(),
                &scope,
                &creq_hash,
                p.signature,
            )?,
        };
        if !matches {
            return Err(mismatch(p, request_time, &scope, &creq, &creq_hash));
        }
        Ok(Matched {
            replay_key,
            signature,
        })
    }
}

/// Whether `given` is the lower-case hex of `mac`. The hex is decoded first (it is the
/// client's, not secret), then the two 32-byte arrays are compared with `subtle`, as four
/// 64-bit words (one optimization barrier a word rather than one a byte).
fn mac_matches(mac: &[u8; 32], given: &str) -> bool {
    let Some(given) = decode_lower_hex(given) else {
        return false;
    };
    bool::from(words(mac).ct_eq(&words(&given)))
}

fn words(bytes: &[u8; 32]) -> [u64; 4] {
    let mut out = [0u64; 4];
    for (word, chunk) in out.iter_mut().zip(bytes.chunks_exact(8)) {
        let mut eight = [0u8; 8];
        eight.copy_from_slice(chunk);
        *word = u64::from_le_bytes(eight);
    }
    out
}

/// 64 lower-case hex digits as 32 bytes; anything else (upper case included, which the signer
/// never writes) is `None`: the one rule for signatures on the wire, shared with the chunk
/// decoder.
fn decode_lower_hex(hex: &str) -> Option<[u8; 32]> {
    decode_wire_signature(hex.as_bytes())
}

/// The refusal of a signature that does not match: the server's canonical request and string
/// to sign, with the session token (as sent and as encoded) redacted.
fn mismatch(
    p: &Params<'_>,
    request_time: AmzDate,
    scope: &Scope<'_>,
    creq: &CanonicalRequest<'_>,
    creq_hash: &[u8; 64],
) -> VerifyError {
    let sts = StringToSign {
        algorithm: p.scheme.algorithm(),
        amz_date: request_time.as_bytes(),
        scope: *scope,
        canonical_request_hash: *creq_hash,
    };
    let texts = Explanation::of(creq, &sts).redacting(p.token);
    VerifyError::SignatureDoesNotMatch(Box::new(Mismatch::from(texts)))
}

#[cfg(test)]
mod tests {
    use super::{decode_lower_hex, mac_matches};

    #[test]
    fn signature_comparison_sees_every_byte() {
        let mac = [0xabu8; 32];
        let hex = "ab".repeat(32);
        assert!(mac_matches(&mac, &hex));
        for i in 0..64 {
            let mut other = hex.clone().into_bytes();
            other[i] = if other[i] == b'a' { b'c' } else { b'a' };
            let other = String::from_utf8(other).unwrap();
            assert!(!mac_matches(&mac, &other), "difference at {i}");
        }
        assert!(!mac_matches(&mac, &hex[..63]));
        assert!(!mac_matches(&mac, &format!("{hex}a")));
        // The signer writes lower case; upper case is another signature.
        assert!(!mac_matches(&mac, &hex.to_ascii_uppercase()));
        assert_eq!(decode_lower_hex(&"0g".repeat(32)), None);
    }
}
