//! The answers API Gateway gives when it refuses a request, and the ids it stamps on every
//! response.
//!
//! The shapes follow what API Gateway (REST APIs, default gateway responses) sends: a 403 with
//! `x-amzn-ErrorType` naming the exception, and a JSON body whose key is `message` for
//! authentication and routing failures but `Message` (capital M) for policy denies.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use http::{Response, StatusCode};
use http_body_util::Full;
use sigv4x::VerifyError;

/// `x-amzn-ErrorType`, the header naming API Gateway's exception.
pub const ERROR_TYPE_HEADER: HeaderName = HeaderName::from_static("x-amzn-errortype");
/// `x-amzn-RequestId`, the request's id (the one CloudWatch logs show).
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-amzn-requestid");
/// `x-amz-apigw-id`, API Gateway's extended request id.
pub const APIGW_ID_HEADER: HeaderName = HeaderName::from_static("x-amz-apigw-id");

const JSON: HeaderValue = HeaderValue::from_static("application/json");

/// Which key the JSON body uses for its text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MessageKey {
    /// `{"message": …}`: routing and authentication failures.
    Lower,
    /// `{"Message": …}`: policy denies (`AccessDeniedException`).
    #[cfg_attr(not(feature = "emulator"), allow(dead_code))]
    Upper,
}

/// A refusal, as API Gateway words it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub(crate) status: StatusCode,
    pub(crate) error_type: &'static str,
    pub(crate) key: MessageKey,
    pub(crate) message: String,
}

impl Refusal {
    /// `403 MissingAuthenticationTokenException`: no signature on a route that needs one, or
    /// no route at all (API Gateway does not tell a missing route from a missing signature).
    #[cfg(feature = "emulator")]
    pub(crate) fn missing_authentication_token() -> Self {
        Refusal {
            status: StatusCode::FORBIDDEN,
            error_type: "MissingAuthenticationTokenException",
            key: MessageKey::Lower,
            message: "Missing Authentication Token".to_owned(),
        }
    }

    /// `403 ForbiddenException`: the request names no API reachable here.
    #[cfg(feature = "emulator")]
    pub(crate) fn forbidden() -> Self {
        Refusal {
            status: StatusCode::FORBIDDEN,
            error_type: "ForbiddenException",
            key: MessageKey::Lower,
            message: "Forbidden".to_owned(),
        }
    }

    /// A failed SigV4 check. A signature mismatch carries, as API Gateway's does, the
    /// canonical request and string to sign the server computed, so the client can compare.
    pub(crate) fn from_verify_error(error: &VerifyError) -> Self {
        let mut message = error.to_string();
        if let Some(mismatch) = error.mismatch() {
            message.push_str("\n\nThe Canonical String for this request should have been\n'");
            message.push_str(mismatch.canonical_request());
            message.push_str("'\n\nThe String-to-Sign should have been\n'");
            message.push_str(mismatch.string_to_sign());
            message.push_str("'\n");
        }
        Refusal {
            status: StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::FORBIDDEN),
            error_type: error.api_gateway_error_type(),
            key: MessageKey::Lower,
            message,
        }
    }

    /// `403 AccessDeniedException` with the policy decision's message.
    #[cfg(feature = "emulator")]
    pub(crate) fn access_denied(message: String) -> Self {
        Refusal {
            status: StatusCode::FORBIDDEN,
            error_type: "AccessDeniedException",
            key: MessageKey::Upper,
            message,
        }
    }

    /// `413`: the body is larger than the gateway accepts.
    pub(crate) fn too_large(limit: usize) -> Self {
        Refusal {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            error_type: "RequestEntityTooLargeException",
            key: MessageKey::Lower,
            message: format!("Request body larger than {limit} bytes"),
        }
    }

    /// `400`: the body could not be read.
    pub(crate) fn unreadable_body() -> Self {
        Refusal {
            status: StatusCode::BAD_REQUEST,
            error_type: "BadRequestException",
            key: MessageKey::Lower,
            message: "The request body could not be read".to_owned(),
        }
    }

    /// `400 BadRequestException` with a message.
    pub(crate) fn bad_request(message: &str) -> Self {
        Refusal {
            status: StatusCode::BAD_REQUEST,
            error_type: "BadRequestException",
            key: MessageKey::Lower,
            message: message.to_owned(),
        }
    }

    /// An aws-chunked body that failed its check: 403 for a chunk or trailer signature that
    /// does not match, 400 for everything else, as S3 answers.
    pub(crate) fn chunked(error: &sigv4x::ChunkError) -> Self {
        let status = error.status();
        Refusal {
            status,
            error_type: if status == StatusCode::FORBIDDEN {
                "InvalidSignatureException"
            } else {
                "BadRequestException"
            },
            key: MessageKey::Lower,
            message: error.to_string(),
        }
    }

    /// `503`: the bytes of body buffered across requests in flight are at their budget.
    pub(crate) fn busy() -> Self {
        Refusal {
            status: StatusCode::SERVICE_UNAVAILABLE,
            error_type: "ServiceUnavailableException",
            key: MessageKey::Lower,
            message: "Too much request data in flight; retry later".to_owned(),
        }
    }

    /// `408`: the body did not arrive in time.
    pub(crate) fn body_timeout() -> Self {
        Refusal {
            status: StatusCode::REQUEST_TIMEOUT,
            error_type: "RequestTimeoutException",
            key: MessageKey::Lower,
            message: "The request body did not arrive in time".to_owned(),
        }
    }

    /// `500 Internal server error`.
    pub(crate) fn internal() -> Self {
        Refusal {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            error_type: "InternalServerErrorException",
            key: MessageKey::Lower,
            message: "Internal server error".to_owned(),
        }
    }

    /// `500 Internal server error`: the integration could not be reached.
    #[cfg(feature = "emulator")]
    pub(crate) fn integration_failure() -> Self {
        Self::internal()
    }

    /// `504`: the integration did not answer in time.
    #[cfg(feature = "emulator")]
    pub(crate) fn integration_timeout() -> Self {
        Refusal {
            status: StatusCode::GATEWAY_TIMEOUT,
            error_type: "IntegrationTimeoutException",
            key: MessageKey::Lower,
            message: "Endpoint request timed out".to_owned(),
        }
    }

    /// The JSON body.
    pub(crate) fn body(&self) -> String {
        let key = match self.key {
            MessageKey::Lower => "message",
            MessageKey::Upper => "Message",
        };
        let mut map = serde_json::Map::new();
        map.insert(
            key.to_owned(),
            serde_json::Value::String(self.message.clone()),
        );
        serde_json::Value::Object(map).to_string()
    }

    /// The whole response, stamped with `ids`.
    pub(crate) fn into_response(self, ids: &RequestIds) -> Response<Full<Bytes>> {
        let body = self.body();
        let mut response = Response::new(Full::new(Bytes::from(body)));
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, JSON);
        headers.insert(ERROR_TYPE_HEADER, HeaderValue::from_static(self.error_type));
        ids.stamp(headers);
        response
    }
}

/// The ids of one request: `x-amzn-RequestId` (a UUID) and `x-amz-apigw-id`, kept inline
/// (a request's ids cost no allocation).
#[derive(Clone, PartialEq, Eq)]
pub struct RequestIds {
    request_id: [u8; 36],
    apigw_id: [u8; 16],
}

impl std::fmt::Debug for RequestIds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestIds")
            .field("request_id", &self.request_id())
            .field("apigw_id", &self.apigw_id())
            .finish()
    }
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// SplitMix64: spreads a counter over 64 bits so ids look like AWS's and differ in every digit.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn seed() -> u64 {
    static SEED: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *SEED.get_or_init(|| {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        mix(nanos ^ u64::from(std::process::id()).rotate_left(32))
    })
}

/// Writes the low `out.len()` hex digits of `value` into `out`, lower case.
fn hex_into(out: &mut [u8], mut value: u64) {
    for digit in out.iter_mut().rev() {
        *digit = b"0123456789abcdef"[(value & 15) as usize];
        value >>= 4;
    }
}

impl RequestIds {
    /// Fresh ids, unique within the process (a counter mixed with a per-process seed; not
    /// random, and not meant to be unguessable).
    pub fn next() -> Self {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let a = mix(seed() ^ n);
        let b = mix(a ^ 0x5851_f42d_4c95_7f2d);
        // `{a:32}-{a:16}-4{a:12}-{8 | b:14}-{b:48}`: a version-4, variant-1 UUID's shape.
        let mut request_id = *b"00000000-0000-4000-0000-000000000000";
        hex_into(&mut request_id[..8], a >> 32);
        hex_into(&mut request_id[9..13], a >> 16);
        hex_into(&mut request_id[15..18], a);
        hex_into(&mut request_id[19..23], 0x8000 | ((b >> 48) & 0x3fff));
        hex_into(&mut request_id[24..], b);
        let mut bytes = [0u8; 11];
        for (i, byte) in bytes.iter_mut().enumerate() {
            let word = if i < 8 { b } else { a };
            *byte = (word >> ((i % 8) * 8)) as u8;
        }
        let mut apigw_id = [0u8; 16];
        base64_into(&bytes, &mut apigw_id);
        RequestIds {
            request_id,
            apigw_id,
        }
    }

    /// `x-amzn-RequestId`.
    pub fn request_id(&self) -> &str {
        std::str::from_utf8(&self.request_id).unwrap_or_default()
    }

    /// `x-amz-apigw-id`.
    pub fn apigw_id(&self) -> &str {
        std::str::from_utf8(&self.apigw_id).unwrap_or_default()
    }

    /// Sets both headers.
    pub(crate) fn stamp(&self, headers: &mut http::HeaderMap) {
        if let Ok(v) = HeaderValue::from_bytes(&self.request_id) {
            headers.insert(REQUEST_ID_HEADER, v);
        }
        if let Ok(v) = HeaderValue::from_bytes(&self.apigw_id) {
            headers.insert(APIGW_ID_HEADER, v);
        }
    }
}

/// Standard base64 (with padding) of `bytes` into `out`, which holds exactly the encoding's
/// `4 * ceil(len / 3)` bytes; a shorter `out` gets the encoding's start.
fn base64_into(bytes: &[u8], out: &mut [u8]) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut at = out.iter_mut();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            let Some(slot) = at.next() else { return };
            *slot = if i <= chunk.len() {
                ALPHABET[((n >> shift) & 63) as usize]
            } else {
                b'='
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base64(bytes: &[u8]) -> String {
        let mut out = vec![0u8; bytes.len().div_ceil(3) * 4];
        base64_into(bytes, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn base64_matches_rfc4648_vectors() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn ids_are_uuid_shaped_and_distinct() {
        let a = RequestIds::next();
        let b = RequestIds::next();
        assert_ne!(a, b);
        let parts: Vec<&str> = a.request_id().split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(parts[2].starts_with('4'));
        assert_eq!(a.apigw_id().len(), 16);
        assert!(a.apigw_id().ends_with('='));
    }

    #[test]
    fn policy_denies_use_capital_m_and_auth_failures_lower_case() {
        let deny = Refusal::access_denied("no".into());
        assert_eq!(deny.body(), r#"{"Message":"no"}"#);
        let missing = Refusal::missing_authentication_token();
        assert_eq!(
            missing.body(),
            r#"{"message":"Missing Authentication Token"}"#
        );
    }
}
