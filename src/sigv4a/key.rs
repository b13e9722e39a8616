//! The SigV4a key pair, derived from the access key and secret, and the bounded cache of them.
//!
//! Derivation (NIST SP 800-108 counter mode with HMAC-SHA256, as AWS specifies it): under the
//! key `"AWS4A" + secret`, the MAC of `be32(1) ‖ "AWS4-ECDSA-P256-SHA256" ‖ 0x00 ‖ access key id ‖
//! counter ‖ be32(256)` is a 256-bit candidate k0; it is accepted when k0 ≤ n − 2 (n the P-256
//! group order), else the counter goes up. The private scalar is k0 + 1, so it lies in
//! [1, n − 1]. The range check and the addition are done by `p256`'s scalar type, in constant
//! time; nothing here does field arithmetic by hand.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use p256::ecdsa::{SigningKey, VerifyingKey};
use p256::elliptic_curve::ff::PrimeField;
use p256::{NonZeroScalar, Scalar};
use zeroize::Zeroizing;

use crate::sha256::HmacKey;
use crate::sigv4a::ALGORITHM_V4A;

/// A SigV4a key pair: the private scalar derived from a secret access key and access key id,
/// and its public point. Zeroized on drop, never printed.
#[derive(Clone)]
pub struct SigningKeyV4a {
    private: SigningKey,
}

impl SigningKeyV4a {
    /// Derives the key pair of (`access_key_id`, `secret_access_key`) as AWS does. Costs one
    /// HMAC-SHA256 per attempt (a second is needed with probability about 2⁻³²) and one scalar
    /// multiplication for the public key.
    #[must_use]
    pub fn derive(access_key_id: &str, secret_access_key: &str) -> Self {
        let mut seed = Zeroizing::new(Vec::with_capacity(5 + secret_access_key.len()));
        seed.extend_from_slice(b"AWS4A");
        seed.extend_from_slice(secret_access_key.as_bytes());
        let mac = HmacKey::new(&seed);
        let mut counter: u8 = 1;
        loop {
            let mut h = mac.start::<2>();
            h.put(&1u32.to_be_bytes());
            h.put(ALGORITHM_V4A.as_bytes());
            h.put(&[0]);
            h.put(access_key_id.as_bytes());
            h.put(&[counter]);
            h.put(&256u32.to_be_bytes());
            let k0 = Zeroizing::new(mac.finish(h));
            if let Some(scalar) = private_scalar(&k0) {
                return SigningKeyV4a {
                    private: SigningKey::from(scalar),
                };
            }
            // Each attempt fails with probability below 2⁻³²: 255 failures in a row do not
            // happen; wrapping keeps the loop total all the same.
            counter = counter.wrapping_add(1);
        }
    }

    /// The public key, SEC1-encoded: uncompressed (`04 ‖ X ‖ Y`, 65 bytes) or compressed.
    #[must_use]
    pub fn public_key_sec1(&self, compressed: bool) -> Box<[u8]> {
        self.private
            .verifying_key()
            .to_sec1_point(compressed)
            .as_bytes()
            .into()
    }

    pub(crate) fn signing_key(&self) -> &SigningKey {
        &self.private
    }

    pub(crate) fn verifying_key(&self) -> &VerifyingKey {
        self.private.verifying_key()
    }
}

/// k0 + 1 when k0 ≤ n − 2, as a non-zero scalar: `from_repr` accepts exactly k0 < n, and the
/// sum is zero exactly when k0 = n − 1.
fn private_scalar(k0: &[u8; 32]) -> Option<NonZeroScalar> {
    let k0: Option<Scalar> = Scalar::from_repr((*k0).into()).into();
    NonZeroScalar::new(k0? + Scalar::ONE).into()
}

impl fmt::Debug for SigningKeyV4a {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKeyV4a { .. }")
    }
}

struct Entry {
    secret: Zeroizing<Box<str>>,
    key: Arc<SigningKeyV4a>,
}

/// A bounded, thread-safe cache of derived SigV4a keys by access key id (the secret is checked
/// on every hit, so a rotated secret derives anew). Derivation costs a scalar multiplication,
/// some 40 times a SigV4 key derivation; a hit costs a lock and a map lookup. When full, the
/// key cached first is dropped.
pub struct KeyCacheV4a {
    capacity: usize,
    state: Mutex<Slots>,
}

/// The cached keys, and their access key ids in the order they were cached (for eviction).
#[derive(Default)]
struct Slots {
    map: HashMap<Box<str>, Entry>,
    order: VecDeque<Box<str>>,
}

impl KeyCacheV4a {
    /// A cache holding at most `capacity` keys (at least one).
    #[must_use]
    pub fn new(capacity: usize) -> Self {
        KeyCacheV4a {
            capacity: capacity.max(1),
            state: Mutex::new(Slots::default()),
        }
    }

    /// The key pair of (`access_key_id`, `secret_access_key`), cached or derived now.
    pub fn get(&self, access_key_id: &str, secret_access_key: &str) -> Arc<SigningKeyV4a> {
        if let Ok(state) = self.state.lock() {
            // The secrets compared are the store's own, never attacker input.
            if let Some(e) = state.map.get(access_key_id) {
                if **e.secret == *secret_access_key {
                    return e.key.clone();
                }
            }
        }
        // Derived outside the lock: a scalar multiplication should not block other lookups.
        let key = Arc::new(SigningKeyV4a::derive(access_key_id, secret_access_key));
        if let Ok(mut state) = self.state.lock() {
            let Slots { map, order } = &mut *state;
            if !map.contains_key(access_key_id) {
                while map.len() >= self.capacity {
                    let Some(oldest) = order.pop_front() else {
                        break;
                    };
                    map.remove(&oldest);
                }
                order.push_back(access_key_id.into());
            }
            let entry = Entry {
                secret: Zeroizing::new(secret_access_key.into()),
                key: key.clone(),
            };
            map.insert(access_key_id.into(), entry);
        }
        key
    }

    /// How many keys are cached now.
    pub fn len(&self) -> usize {
        // A panic elsewhere while holding the lock leaves the map intact: count it anyway.
        let state = self.state.lock();
        state.unwrap_or_else(PoisonError::into_inner).map.len()
    }

    /// True when no key is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl fmt::Debug for KeyCacheV4a {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyCacheV4a")
            .field("capacity", &self.capacity)
            .field("len", &self.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_check_is_k0_at_most_n_minus_2() {
        let n: [u8; 32] = [
            0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63,
            0x25, 0x51,
        ];
        let minus = |d: u8| {
            let mut v = n;
            v[31] -= d;
            v
        };
        assert!(private_scalar(&n).is_none());
        assert!(private_scalar(&minus(1)).is_none());
        let top = private_scalar(&minus(2)).unwrap();
        assert_eq!(top.to_repr().as_slice(), &minus(1)[..]);
        let one = private_scalar(&[0; 32]).unwrap();
        assert_eq!(one.to_repr()[31], 1);
        assert!(private_scalar(&[0xff; 32]).is_none());
    }

    #[test]
    fn cache_is_bounded_and_follows_rotation() {
        let cache = KeyCacheV4a::new(2);
        let a = cache.get("A", "s1");
        assert!(Arc::ptr_eq(&a, &cache.get("A", "s1")));
        let rotated = cache.get("A", "s2");
        assert!(!Arc::ptr_eq(&a, &rotated));
        cache.get("B", "s");
        cache.get("C", "s");
        assert_eq!(cache.len(), 2);
        assert_eq!(format!("{:?}", *a), "SigningKeyV4a { .. }");
    }
}
