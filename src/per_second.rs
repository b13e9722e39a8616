//! The one-slot cache of what every string to sign of one second shares, used by both ends: a
//! signer keeps its [`Stamp`](crate::sign) (date, key, the HMAC paused after the string to sign's
//! fixed start, the credential), and each key the verifier caches keeps that paused HMAC.
//!
//! One slot is enough (and bounded by construction): requests arrive in time order, so the slot
//! is hit by every request of its second and replaced once per second. A hit is a read lock and
//! a comparison; readers do not keep each other out.

use std::fmt;
use std::sync::{RwLock, RwLockReadGuard};

/// One slot holding the value of the last second (or date) asked for.
pub(crate) struct PerSecond<K, V> {
    slot: RwLock<Option<(K, V)>>,
}

impl<K, V> Default for PerSecond<K, V> {
    fn default() -> Self {
        PerSecond {
            slot: RwLock::new(None),
        }
    }
}

/// A value borrowed from the slot, or made for this call alone.
pub(crate) enum SlotRef<'a, K, V> {
    Cached(RwLockReadGuard<'a, Option<(K, V)>>),
    Own(Box<V>),
}

impl<K, V> SlotRef<'_, K, V> {
    /// The value (`None` only if the slot was emptied under a held read lock, which cannot be).
    pub(crate) fn get(&self) -> Option<&V> {
        match self {
            SlotRef::Cached(guard) => guard.as_ref().map(|(_, v)| v),
            SlotRef::Own(value) => Some(value),
        }
    }
}

impl<K: PartialEq + Copy, V> PerSecond<K, V> {
    /// The value of `key`; `make` builds one, given the cached value of another key (whose
    /// parts it may reuse, such as the key of the same day). `None` when `make` gives none.
    pub(crate) fn get(
        &self,
        key: K,
        make: impl Fn(Option<&V>) -> Option<V>,
    ) -> Option<SlotRef<'_, K, V>> {
        let hit = |slot: &Option<(K, V)>| slot.as_ref().is_some_and(|(k, _)| *k == key);
        if let Ok(guard) = self.slot.read() {
            if hit(&guard) {
                return Some(SlotRef::Cached(guard));
            }
        }
        if let Ok(mut slot) = self.slot.write() {
            if !hit(&slot) {
                let value = make(slot.as_ref().map(|(_, v)| v))?;
                *slot = Some((key, value));
            }
        }
        // Another thread may have moved the slot to another second in between: then this call
        // makes its own value rather than waiting.
        match self.slot.read() {
            Ok(guard) if hit(&guard) => Some(SlotRef::Cached(guard)),
            Ok(guard) => {
                let value = make(guard.as_ref().map(|(_, v)| v));
                drop(guard);
                value.map(|v| SlotRef::Own(Box::new(v)))
            }
            Err(_) => make(None).map(|v| SlotRef::Own(Box::new(v))),
        }
    }
}

impl<K, V> fmt::Debug for PerSecond<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PerSecond { .. }")
    }
}
