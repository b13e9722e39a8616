//! Step 8: the payload line of the canonical request — the body's hash, given or declared,
//! or one of the literal modes — and what the signature then covers of the body.

use super::verified::VerifiedPayload;
use super::Verifier;
use crate::payload::{
    Payload, PayloadHash, STREAMING_PAYLOAD, STREAMING_PAYLOAD_TRAILER,
    STREAMING_UNSIGNED_PAYLOAD_TRAILER, UNSIGNED_PAYLOAD,
};
use crate::verify_error::VerifyError;

impl<S> Verifier<S> {
    /// The payload line of the canonical request, and what it says about the body.
    pub(super) fn payload_line<'p>(
        &self,
        declared: (Option<&'p [u8]>, usize),
        payload: Payload<'p>,
        presigned: bool,
    ) -> Result<(PayloadHash<'p>, VerifiedPayload), VerifyError> {
        if presigned && self.settings.presign_unsigned_payload {
            return Ok((
                PayloadHash::Literal(UNSIGNED_PAYLOAD),
                VerifiedPayload::Unsigned,
            ));
        }
        let declared = match declared {
            (_, 2..) => return Err(VerifyError::InvalidContentSha256),
            (value, _) => value,
        };
        let known = match payload {
            Payload::Empty | Payload::Bytes(_) | Payload::Sha256(_) => payload.hash(),
            _ => None,
        };
        let Some(declared) = declared else {
            if self.settings.content_sha256_header && !presigned {
                return Err(VerifyError::MalformedRequest {
                    reason: "Missing required header for this request: x-amz-content-sha256",
                });
            }
            return match (known, payload) {
                (Some(hash), _) => Ok((hash, VerifiedPayload::Checked)),
                (None, Payload::Precomputed(line)) => {
                    Ok((PayloadHash::Literal(line), VerifiedPayload::Unsigned))
                }
                _ => Err(VerifyError::PayloadHashUnknown),
            };
        };
        if is_sha256_hex(declared) {
            let mut hex = [0u8; 64];
            hex.copy_from_slice(declared);
            return match known {
                Some(hash) if hash.as_bytes() == declared => Ok((hash, VerifiedPayload::Checked)),
                Some(_) => Err(VerifyError::ContentSha256Mismatch),
                None => Ok((PayloadHash::Hex(hex), VerifiedPayload::Declared(hex))),
            };
        }
        let literal = [
            UNSIGNED_PAYLOAD,
            STREAMING_PAYLOAD,
            STREAMING_PAYLOAD_TRAILER,
            STREAMING_UNSIGNED_PAYLOAD_TRAILER,
        ]
        .into_iter()
        .find(|l| l.as_bytes() == declared)
        .ok_or(VerifyError::InvalidContentSha256)?;
        let unsigned = literal == UNSIGNED_PAYLOAD || literal == STREAMING_UNSIGNED_PAYLOAD_TRAILER;
        if unsigned && !self.allow_unsigned_payload {
            return Err(VerifyError::UnsignedPayloadNotAllowed);
        }
        if literal == UNSIGNED_PAYLOAD {
            return Ok((PayloadHash::Literal(literal), VerifiedPayload::Unsigned));
        }
        // An aws-chunked body is checked chunk by chunk; one handed over whole would be
        // "verified" without a look at its chunks.
        if known.is_some() {
            return Err(VerifyError::StreamingPayloadNeedsDecoder);
        }
        Ok((
            PayloadHash::Literal(literal),
            VerifiedPayload::Streaming(literal),
        ))
    }
}

fn is_sha256_hex(v: &[u8]) -> bool {
    v.len() == 64 && v.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}
