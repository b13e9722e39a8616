//! What a signer reuses within one second, and the one-slot cache that holds it.
//!
//! A signer's access key, secret, region and service never change, so everything that depends
//! only on the time is the same for every request signed in the same second: the `X-Amz-Date`,
//! the signing key of the day, the start of the string to sign and of the `Authorization` header.

use std::fmt;
use std::sync::{RwLock, RwLockReadGuard};

use crate::date::AmzDate;
use crate::sha256::Midstate;
use crate::signing_key::SigningKey;
use crate::stack::StackBuf;
use crate::string_to_sign::ALGORITHM;

/// What a signer reuses for every request signed in one second.
pub(crate) struct Stamp {
    pub(crate) unix: u64,
    pub(crate) date: AmzDate,
    pub(crate) key: SigningKey,
    /// The HMAC state after `AWS4-HMAC-SHA256\n<date>\n<scope>\n`.
    pub(crate) string_to_sign: Midstate,
    /// `AWS4-HMAC-SHA256 Credential=<access key id>/<scope>, SignedHeaders=`. Inline, so a new
    /// second costs no allocation (the parts of the scope are at most 128 bytes each).
    pub(crate) authorization_prefix: StackBuf<448>,
}

/// What [`Stamp::authorization_prefix`] holds between the algorithm and the credential, and
/// after the credential.
pub(crate) const CREDENTIAL_LABEL: &[u8] = b" Credential=";
pub(crate) const SIGNED_HEADERS_LABEL: &[u8] = b", SignedHeaders=";

impl Stamp {
    /// `<access key id>/<scope>`: the `Credential` of the `Authorization` header, and the
    /// `X-Amz-Credential` of a presigned URL.
    pub(crate) fn credential(&self) -> &[u8] {
        let prefix = self.authorization_prefix.as_bytes();
        let start = ALGORITHM.len() + CREDENTIAL_LABEL.len();
        let end = prefix.len().saturating_sub(SIGNED_HEADERS_LABEL.len());
        prefix.get(start..end).unwrap_or_default()
    }
}

/// The cache of a signer, whose access key, secret, region and service never change: one slot
/// holding the [`Stamp`] of the last second signed in (bounded by construction). A hit is a read
/// lock and a comparison; a new second costs one SHA-256 block, a new day a key derivation.
#[derive(Default)]
pub(crate) struct StampCache {
    slot: RwLock<Option<Stamp>>,
}

/// A [`Stamp`] borrowed from the cache, or made for this call alone.
pub(crate) enum StampRef<'a> {
    Cached(RwLockReadGuard<'a, Option<Stamp>>),
    Own(Box<Stamp>),
}

impl StampRef<'_> {
    pub(crate) fn get(&self) -> Option<&Stamp> {
        match self {
            StampRef::Cached(guard) => guard.as_ref(),
            StampRef::Own(stamp) => Some(stamp),
        }
    }
}

impl StampCache {
    /// The stamp of second `unix`; `make` builds one, given the cached stamp (whose key it may
    /// reuse if the day is the same). `None` when `make` gives none.
    pub(crate) fn get(
        &self,
        unix: u64,
        make: impl Fn(Option<&Stamp>) -> Option<Stamp>,
    ) -> Option<StampRef<'_>> {
        let hit = |slot: &Option<Stamp>| slot.as_ref().is_some_and(|s| s.unix == unix);
        if let Ok(guard) = self.slot.read() {
            if hit(&guard) {
                return Some(StampRef::Cached(guard));
            }
        }
        if let Ok(mut slot) = self.slot.write() {
            if !hit(&slot) {
                let stamp = make(slot.as_ref())?;
                *slot = Some(stamp);
            }
        }
        // Another thread may have moved the slot to another second in between: then this call
        // makes its own stamp rather than waiting.
        match self.slot.read() {
            Ok(guard) if hit(&guard) => Some(StampRef::Cached(guard)),
            Ok(guard) => {
                let stamp = make(guard.as_ref());
                drop(guard);
                stamp.map(|s| StampRef::Own(Box::new(s)))
            }
            Err(_) => make(None).map(|s| StampRef::Own(Box::new(s))),
        }
    }
}

impl fmt::Debug for StampCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StampCache { .. }")
    }
}
