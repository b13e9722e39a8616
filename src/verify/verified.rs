//! What a successful verification hands back: [`Verified`], the proof only the verifier
//! builds, and [`VerifiedPayload`], what its signature covers of the body.

use std::fmt;

use subtle::ConstantTimeEq;

use crate::auth_params::CredentialScope;
use crate::date::AmzDate;
use crate::payload::Payload;
use crate::replay::ReplayEntry;
use crate::sign::Signature;
use crate::signing_key::SigningKey;
use crate::stack::StackBuf;

/// What the signature covers of the body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifiedPayload {
    /// The body's SHA-256 was checked (the caller gave the body or its hash).
    Checked,
    /// The request declared this SHA-256 (lower-case hex) and the caller did not give the body:
    /// the caller must check the body against it ([`VerifiedPayload::matches_body`]).
    Declared([u8; 64]),
    /// `UNSIGNED-PAYLOAD`: the body is not covered.
    Unsigned,
    /// An aws-chunked body (`STREAMING-…`): each chunk must be verified as it arrives, chained
    /// from [`Verified::signature`].
    Streaming(&'static str),
}

impl VerifiedPayload {
    /// For [`VerifiedPayload::Declared`], whether `body` is the body the signature covers: its
    /// SHA-256 equals the declared one (compared in constant time). Always false for the other
    /// kinds, which have no hash to compare with.
    ///
    /// ```
    /// # use sigv4x::VerifiedPayload;
    /// let empty = *b"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    /// assert!(VerifiedPayload::Declared(empty).matches_body(b""));
    /// assert!(!VerifiedPayload::Declared(empty).matches_body(b"x"));
    /// ```
    #[must_use]
    pub fn matches_body(&self, body: &[u8]) -> bool {
        let VerifiedPayload::Declared(declared) = self else {
            return false;
        };
        let Some(actual) = Payload::Bytes(body).hash() else {
            return false;
        };
        bool::from(actual.as_bytes().ct_eq(declared.as_slice()))
    }
}

/// The texts a [`Verified`] reports, in the order they are kept side by side.
#[derive(Clone, Copy)]
pub(super) enum Part {
    AccessKeyId,
    /// The region, or SigV4a's region set.
    Region,
    Service,
    SignedHeaders,
    /// Empty when the store named none.
    Principal,
}

/// The reported texts side by side, on the stack unless they are unusually long; `ends[part]`
/// is where each ends.
#[derive(Clone)]
pub(super) struct Texts {
    buf: StackBuf<192>,
    ends: [usize; 5],
}

impl Texts {
    /// The texts, given in [`Part`] order.
    pub(super) fn new(parts: [&str; 5]) -> Self {
        let mut texts = Texts {
            buf: StackBuf::new(),
            ends: [0; 5],
        };
        let mut len = 0;
        for (end, part) in texts.ends.iter_mut().zip(parts) {
            texts.buf.push(part.as_bytes());
            len += part.len();
            *end = len;
        }
        texts
    }

    fn get(&self, part: Part) -> &str {
        let i = part as usize;
        let start = match i.checked_sub(1) {
            Some(before) => self.ends.get(before).copied().unwrap_or(0),
            None => 0,
        };
        let end = self.ends.get(i).copied().unwrap_or(start);
        self.buf.as_str().get(start..end).unwrap_or_default()
    }
}

impl PartialEq for Texts {
    fn eq(&self, other: &Self) -> bool {
        self.ends == other.ends && self.buf.as_bytes() == other.buf.as_bytes()
    }
}

impl Eq for Texts {}

/// The signing key an aws-chunked body's chunks are chained with, carried from verification to
/// [`Verifier::chunk_decoder`](crate::Verifier::chunk_decoder) so the store is asked once.
/// Zeroized on drop (the key's own state), never shown by `Debug`.
#[derive(Clone)]
pub(super) struct ChunkKey(pub(super) SigningKey);

impl PartialEq for ChunkKey {
    /// Two keys are equal when they MAC the same message alike (compared in constant time).
    fn eq(&self, other: &Self) -> bool {
        let probe: &[&[u8]] = &[b"sigv4x chunk key"];
        bool::from(self.0.sign(probe).ct_eq(&other.0.sign(probe)))
    }
}

impl Eq for ChunkKey {}

/// Proof that a request carried a valid signature. Only the verifier builds it.
#[derive(Clone, PartialEq, Eq)]
pub struct Verified {
    pub(super) texts: Texts,
    pub(super) date: AmzDate,
    pub(super) signature: Signature,
    pub(super) presigned: bool,
    pub(super) session_token: bool,
    pub(super) payload: VerifiedPayload,
    /// SigV4a: [`Part::Region`] is then the region set, and the scope has no region.
    pub(super) sigv4a: bool,
    /// For a signed aws-chunked body only.
    pub(super) chunk_key: Option<Box<ChunkKey>>,
    /// What a replay store records (see [`Verified::replay_entry`]).
    pub(super) replay: ReplayEntry,
}

impl Verified {
    /// The access key id that signed the request.
    #[must_use]
    pub fn access_key_id(&self) -> &str {
        self.texts.get(Part::AccessKeyId)
    }

    /// The credential scope.
    #[must_use]
    pub fn scope(&self) -> CredentialScope<'_> {
        CredentialScope {
            access_key_id: self.access_key_id(),
            date: self.date.date(),
            region: if self.sigv4a {
                ""
            } else {
                self.texts.get(Part::Region)
            },
            service: self.texts.get(Part::Service),
        }
    }

    /// SigV4a: the region set the request was signed for (its scope has no region).
    #[must_use]
    pub fn region_set(&self) -> Option<&str> {
        self.sigv4a.then(|| self.texts.get(Part::Region))
    }

    /// The signed header names, lower case, in order.
    pub fn signed_headers(&self) -> impl Iterator<Item = &str> {
        self.texts.get(Part::SignedHeaders).split(';')
    }

    /// The principal the secret store associated with the key, if any.
    #[must_use]
    pub fn principal(&self) -> Option<&str> {
        Some(self.texts.get(Part::Principal)).filter(|p| !p.is_empty())
    }

    /// When the request says it was signed (`X-Amz-Date`).
    #[must_use]
    pub fn request_time(&self) -> AmzDate {
        self.date
    }

    /// The request's signature (the seed signature of an aws-chunked body). For SigV4a, whose
    /// signatures do not fit, the SHA-256 of the signature as sent.
    #[must_use]
    pub fn signature(&self) -> Signature {
        self.signature
    }

    /// True for a presigned URL, false for an `Authorization` header.
    #[must_use]
    pub fn is_presigned(&self) -> bool {
        self.presigned
    }

    /// True if the request carried a session token (checked as the store said).
    #[must_use]
    pub fn has_session_token(&self) -> bool {
        self.session_token
    }

    /// What the signature covers of the body.
    #[must_use]
    pub fn payload(&self) -> VerifiedPayload {
        self.payload
    }

    /// What a [`ReplayStore`](crate::ReplayStore) records to refuse this request a second
    /// time: its signature (for SigV4a, the hash of its string to sign) and until when it
    /// stays acceptable (`X-Amz-Date` plus the skew window, or the presigned expiry).
    #[must_use]
    pub fn replay_entry(&self) -> ReplayEntry {
        self.replay
    }
}

impl fmt::Debug for Verified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verified")
            .field("access_key_id", &self.access_key_id())
            .field("scope", &self.scope())
            .field("signed_headers", &self.texts.get(Part::SignedHeaders))
            .field("principal", &self.principal())
            .field("request_time", &self.date)
            .field("presigned", &self.presigned)
            .field("payload", &self.payload)
            .finish()
    }
}
