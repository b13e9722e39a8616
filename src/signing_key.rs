//! The derived signing key (kDate → kRegion → kService → kSigning) and the bounded, thread-safe
//! cache the verifier keeps of it.
//!
//! A [`SigningKey`] holds the *keyed HMAC midstates* of kSigning, not just its bytes: signing with
//! a cached key costs only the HMAC of the string to sign, with no key set-up and no derivation.
//! The state is zeroized on drop and never printed.

use std::collections::HashMap;
use std::fmt;
use std::hash::{DefaultHasher, Hash, Hasher};

use crate::per_second::PerSecond;
use std::sync::{PoisonError, RwLock};

use zeroize::Zeroizing;

use crate::sha256::{self, HmacKey, Midstate};
use crate::string_to_sign::{write_string_to_sign, write_string_to_sign_prefix, Scope};

/// A derived SigV4 signing key for one (secret, date, region, service).
#[derive(Clone)]
pub struct SigningKey {
    mac: HmacKey,
}

/// Room for a string to sign: the algorithm, date and scope (at most some 300 bytes with the
/// longest region and service names the signer accepts) and the 64-digit hash.
type StringToSignHasher = sha256::Hasher<7>;

impl SigningKey {
    /// Derives the key: four HMAC-SHA256 steps starting from `"AWS4" + secret`.
    /// `date` is the scope date, `YYYYMMDD`.
    #[must_use]
    pub fn derive(secret_access_key: &str, date: &str, region: &str, service: &str) -> Self {
        Self::derive_bytes(secret_access_key, date.as_bytes(), region, service)
    }

    /// [`SigningKey::derive`] with the date as bytes, as a parsed scope holds it.
    pub(crate) fn derive_bytes(
        secret_access_key: &str,
        date: &[u8],
        region: &str,
        service: &str,
    ) -> Self {
        let mut seed = Zeroizing::new(Vec::with_capacity(4 + secret_access_key.len()));
        seed.extend_from_slice(b"AWS4");
        seed.extend_from_slice(secret_access_key.as_bytes());
        let mut key = Zeroizing::new(HmacKey::new(&seed).mac(date));
        for step in [region.as_bytes(), service.as_bytes(), b"aws4_request"] {
            *key = HmacKey::new(&*key).mac(step);
        }
        SigningKey {
            mac: HmacKey::new(&*key),
        }
    }

    /// HMAC-SHA256 of the concatenation of `parts` under this key.
    #[must_use]
    pub fn sign(&self, parts: &[&[u8]]) -> [u8; 32] {
        self.sign_sink(|h| parts.iter().for_each(|p| h.put(p)))
    }

    /// HMAC-SHA256 of what `write` feeds to the MAC.
    pub(crate) fn sign_sink(&self, write: impl FnOnce(&mut StringToSignHasher)) -> [u8; 32] {
        let mut h = self.mac.start();
        write(&mut h);
        self.mac.finish(h)
    }

    /// The MAC paused after `prefix`: the part of a string to sign that does not change within
    /// a second. [`SigningKey::sign_resumed`] finishes it.
    pub(crate) fn pause_after(&self, prefix: impl FnOnce(&mut StringToSignHasher)) -> Midstate {
        let mut h: StringToSignHasher = self.mac.start();
        prefix(&mut h);
        h.pause()
    }

    /// HMAC-SHA256 of the prefix paused in `mid` followed by `rest`.
    pub(crate) fn sign_resumed(&self, mid: &Midstate, rest: &[u8]) -> [u8; 32] {
        let mut h = sha256::Hasher::<3>::resume(mid);
        h.put(rest);
        self.mac.finish(h)
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey { .. }")
    }
}

struct Entry {
    access_key_id: Box<str>,
    secret: Zeroizing<Box<str>>,
    date: [u8; 8],
    region: Box<str>,
    service: Box<str>,
    key: SigningKey,
    /// The HMAC paused after the fixed start of the last second's strings to sign, keyed by
    /// their `X-Amz-Date`: requests signed in the same second skip a block.
    recent: PerSecond<[u8; 16], Midstate>,
}

impl Entry {
    fn matches(&self, lookup: &Lookup<'_>) -> bool {
        self.date == lookup.date
            && *self.access_key_id == *lookup.access_key_id
            && *self.region == *lookup.region
            && *self.service == *lookup.service
            // Both secrets are the server's own (cached and current); no attacker input is
            // compared here, so a plain comparison is fine.
            && **self.secret == *lookup.secret_access_key
    }
}

/// A bounded, thread-safe cache of derived signing keys, keyed by (access key id, secret, date,
/// region, service). A hit costs a hash of the key parts and a read lock; no HMAC is computed.
///
/// The secret is part of the key, so a rotated secret never reuses a stale key. When the cache
/// is full, the entries with the oldest scope date are dropped first (yesterday's keys are the
/// first that stop being useful).
pub(crate) struct KeyCache {
    capacity: usize,
    entries: RwLock<Slots>,
}

/// What a cached key is looked up by.
struct Lookup<'a> {
    access_key_id: &'a str,
    secret_access_key: &'a str,
    /// The scope date (only an eight-byte date is ever looked up or cached).
    date: [u8; 8],
    region: &'a str,
    service: &'a str,
}

impl Lookup<'_> {
    fn slot(&self) -> u64 {
        slot_of(self.access_key_id, &self.date, self.region, self.service)
    }
}

impl KeyCache {
    /// Calls `f` with the cached entry for `lookup`, if there is one.
    fn with_cached<R>(&self, lookup: &Lookup<'_>, f: impl FnOnce(&Entry) -> R) -> Option<R> {
        let entries = self.entries.read().ok()?;
        let entry = entries.get(&lookup.slot())?;
        entry.matches(lookup).then(|| f(entry))
    }

    /// A cache holding at most `capacity` keys (at least one).
    pub(crate) fn new(capacity: usize) -> Self {
        KeyCache {
            capacity: capacity.max(1),
            entries: RwLock::new(Slots::default()),
        }
    }

    /// The cached key, or a freshly derived one (which is then cached).
    pub(crate) fn get(
        &self,
        access_key_id: &str,
        secret_access_key: &str,
        date: &str,
        region: &str,
        service: &str,
    ) -> SigningKey {
        self.get_bytes(
            access_key_id,
            secret_access_key,
            date.as_bytes(),
            region,
            service,
        )
    }

    pub(crate) fn get_bytes(
        &self,
        access_key_id: &str,
        secret_access_key: &str,
        date: &[u8],
        region: &str,
        service: &str,
    ) -> SigningKey {
        let Ok(&scope_date) = <&[u8; 8]>::try_from(date) else {
            // Not a scope date: derive, but never look it up or let it take a cache slot.
            return SigningKey::derive_bytes(secret_access_key, date, region, service);
        };
        let lookup = Lookup {
            access_key_id,
            secret_access_key,
            date: scope_date,
            region,
            service,
        };
        if let Some(key) = self.with_cached(&lookup, |e| e.key.clone()) {
            return key;
        }
        let slot = lookup.slot();
        let key = SigningKey::derive_bytes(secret_access_key, date, region, service);
        if let Ok(mut entries) = self.entries.write() {
            if entries.len() >= self.capacity && !entries.contains_key(&slot) {
                evict_oldest(&mut entries);
            }
            entries.insert(
                slot,
                Entry {
                    access_key_id: access_key_id.into(),
                    secret: Zeroizing::new(secret_access_key.into()),
                    date: lookup.date,
                    region: region.into(),
                    service: service.into(),
                    key: key.clone(),
                    recent: PerSecond::default(),
                },
            );
        }
        key
    }

    /// HMAC-SHA256 of the string to sign `AWS4-HMAC-SHA256\n<amz_date>\n<scope>\n<hash>`
    /// under the key of (`access_key_id`, `secret_access_key`, `scope`).
    pub(crate) fn sign_string_to_sign(
        &self,
        access_key_id: &str,
        secret_access_key: &str,
        amz_date: &[u8; 16],
        scope: &Scope<'_>,
        hash: &[u8; 64],
    ) -> [u8; 32] {
        // A scope date that is not 8 bytes is never cached: `get_bytes` derives it.
        let lookup = <&[u8; 8]>::try_from(scope.date).ok().map(|&date| Lookup {
            access_key_id,
            secret_access_key,
            date,
            region: scope.region,
            service: scope.service,
        });
        let cached = lookup.as_ref().and_then(|lookup| {
            self.with_cached(lookup, |e| {
                let pause = |_: Option<&Midstate>| {
                    Some(
                        e.key
                            .pause_after(|h| write_string_to_sign_prefix(h, amz_date, scope)),
                    )
                };
                let recent = e.recent.get(*amz_date, pause)?;
                Some(e.key.sign_resumed(recent.get()?, hash))
            })
        });
        if let Some(Some(mac)) = cached {
            return mac;
        }
        let key = self.get_bytes(
            access_key_id,
            secret_access_key,
            scope.date,
            scope.region,
            scope.service,
        );
        key.sign_sink(|h| write_string_to_sign(h, amz_date, scope, hash))
    }

    /// How many keys are cached now.
    pub(crate) fn len(&self) -> usize {
        // A panic elsewhere while holding the lock leaves the map intact: count it anyway.
        let entries = self.entries.read();
        entries.unwrap_or_else(PoisonError::into_inner).len()
    }
}

fn evict_oldest(entries: &mut Slots) {
    let Some(oldest) = entries.values().map(|e| e.date).min() else {
        return;
    };
    let newest = entries.values().map(|e| e.date).max().unwrap_or(oldest);
    if oldest != newest {
        entries.retain(|_, e| e.date != oldest);
    } else if let Some(victim) = entries.keys().next().copied() {
        // All keys share one date: drop any one of them.
        entries.remove(&victim);
    }
}

/// Where an entry lives. Collisions are harmless: the entry's full key is compared on a hit.
/// Only keys that a secret store or the signer vouched for reach the cache, so the hash does not
/// need to resist flooding.
fn slot_of(id: &str, date: &[u8; 8], region: &str, service: &str) -> u64 {
    let mut h = DefaultHasher::new();
    id.hash(&mut h);
    date.hash(&mut h);
    region.hash(&mut h);
    service.hash(&mut h);
    h.finish()
}

/// The map from slot to entry.
type Slots = HashMap<u64, Entry>;

impl Default for KeyCache {
    /// A cache of 64 keys.
    fn default() -> Self {
        KeyCache::new(64)
    }
}

impl fmt::Debug for KeyCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyCache")
            .field("capacity", &self.capacity)
            .field("len", &self.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    #[test]
    fn a_date_of_another_length_never_reads_the_cache() {
        // It used to look up the slot of date [0; 8], which a NUL date had filled.
        let cache = KeyCache::new(4);
        let nul = cache.get("AK", SECRET, "\0\0\0\0\0\0\0\0", "r", "s");
        let short = cache.get("AK", SECRET, "2015", "r", "s");
        let fresh = SigningKey::derive(SECRET, "2015", "r", "s");
        assert_eq!(short.sign(&[b"x"]), fresh.sign(&[b"x"]));
        assert_ne!(nul.sign(&[b"x"]), short.sign(&[b"x"]));
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn derivation_matches_the_aws_documentation_example() {
        // The kSigning of the IAM example in the AWS SigV4 documentation
        // (20150830, us-east-1, iam) signs its published string to sign.
        let key = SigningKey::derive(SECRET, "20150830", "us-east-1", "iam");
        let sts = "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\n\
                   f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59";
        assert_eq!(
            hex::encode(key.sign(&[sts.as_bytes()])),
            "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
        );
    }

    #[test]
    fn cache_hits_reuse_and_secret_rotation_misses() {
        let cache = KeyCache::new(4);
        let a = cache.get("AK", SECRET, "20150830", "us-east-1", "iam");
        assert_eq!(cache.len(), 1);
        let b = cache.get("AK", SECRET, "20150830", "us-east-1", "iam");
        assert_eq!(cache.len(), 1);
        assert_eq!(a.sign(&[b"x"]), b.sign(&[b"x"]));
        let rotated = cache.get("AK", "other", "20150830", "us-east-1", "iam");
        assert_ne!(a.sign(&[b"x"]), rotated.sign(&[b"x"]));
        assert_eq!(
            rotated.sign(&[b"x"]),
            SigningKey::derive("other", "20150830", "us-east-1", "iam").sign(&[b"x"])
        );
    }

    #[test]
    fn cache_is_bounded_and_drops_old_dates_first() {
        let cache = KeyCache::new(3);
        cache.get("A", SECRET, "20150829", "r", "s");
        cache.get("B", SECRET, "20150830", "r", "s");
        cache.get("C", SECRET, "20150830", "r", "s");
        cache.get("D", SECRET, "20150830", "r", "s");
        assert!(cache.len() <= 3);
        let entries = cache.entries.read().unwrap();
        assert!(entries.values().all(|e| &e.date == b"20150830"));
    }

    #[test]
    fn strings_to_sign_agree_whatever_the_cache_holds() {
        let cache = KeyCache::new(4);
        let hash = [b'a'; 64];
        fn scope(date: &[u8]) -> Scope<'_> {
            Scope {
                date,
                region: "us-east-1",
                service: "iam",
            }
        }
        let expected = |secret: &str, amz_date: &[u8; 16]| {
            let day = &amz_date[..8];
            let key = SigningKey::derive(
                secret,
                std::str::from_utf8(day).unwrap(),
                "us-east-1",
                "iam",
            );
            let mut sts = Vec::new();
            write_string_to_sign(&mut sts, amz_date, &scope(day), &hash);
            key.sign(&[&sts])
        };
        // The same second twice, another second, back again, another day, a rotated secret.
        for (secret, amz_date) in [
            (SECRET, b"20150830T123600Z"),
            (SECRET, b"20150830T123600Z"),
            (SECRET, b"20150830T123601Z"),
            (SECRET, b"20150830T123600Z"),
            (SECRET, b"20150831T000000Z"),
            ("rotated", b"20150831T000000Z"),
            (SECRET, b"20150831T000000Z"),
        ] {
            let got =
                cache.sign_string_to_sign("AK", secret, amz_date, &scope(&amz_date[..8]), &hash);
            assert_eq!(got, expected(secret, amz_date), "{secret} {amz_date:?}");
        }
    }

    #[test]
    fn debug_is_redacted() {
        let key = SigningKey::derive(SECRET, "20150830", "us-east-1", "iam");
        assert_eq!(format!("{key:?}"), "SigningKey { .. }");
    }
}
