//! A bounded memory of recently accepted signatures, to refuse a captured request sent again
//! while its timestamp is still inside the skew window.

use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// Remembers accepted signatures until they could no longer pass the skew check anyway.
///
/// Memory is bounded by `capacity` signatures. When it is full of signatures that have not yet
/// expired, new requests are refused ([`VerifyError::ReplayGuardFull`](crate::VerifyError)) —
/// failing closed — rather than forgetting a signature that could then be replayed.
pub struct ReplayGuard {
    capacity: usize,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    seen: HashSet<[u8; 32]>,
    /// Signatures in the order they expire (they are inserted with expiries that only grow
    /// within a skew window, and out-of-order ones are swept by the check below).
    order: VecDeque<(u64, [u8; 32])>,
}

/// What the guard decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Seen {
    New,
    Replayed,
    Full,
}

fn secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

impl ReplayGuard {
    /// A guard remembering at most `capacity` signatures (at least one).
    pub fn new(capacity: usize) -> Self {
        ReplayGuard {
            capacity: capacity.max(1),
            state: Mutex::new(State::default()),
        }
    }

    /// Records `signature`, valid until `valid_until`; says whether it was seen before.
    pub(crate) fn check(
        &self,
        signature: [u8; 32],
        valid_until: SystemTime,
        now: SystemTime,
    ) -> Seen {
        let Ok(mut state) = self.state.lock() else {
            return Seen::Full;
        };
        let now = secs(now);
        while let Some(&(expiry, sig)) = state.order.front() {
            if expiry >= now {
                break;
            }
            state.order.pop_front();
            state.seen.remove(&sig);
        }
        if state.seen.contains(&signature) {
            return Seen::Replayed;
        }
        if state.seen.len() >= self.capacity {
            return Seen::Full;
        }
        state.seen.insert(signature);
        let expiry = secs(valid_until);
        // Keep `order` sorted by expiry; a late arrival is placed where it belongs.
        let at = state.order.partition_point(|(e, _)| *e <= expiry);
        state.order.insert(at, (expiry, signature));
        Seen::New
    }

    /// How many signatures are remembered now.
    pub fn len(&self) -> usize {
        self.state.lock().map_or(0, |s| s.seen.len())
    }

    /// True when nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl fmt::Debug for ReplayGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplayGuard")
            .field("capacity", &self.capacity)
            .field("len", &self.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn refuses_a_signature_twice_until_it_expires() {
        let g = ReplayGuard::new(2);
        let t0 = UNIX_EPOCH + Duration::from_secs(1000);
        let until = t0 + Duration::from_secs(300);
        assert_eq!(g.check([1; 32], until, t0), Seen::New);
        assert_eq!(g.check([1; 32], until, t0), Seen::Replayed);
        assert_eq!(g.check([2; 32], until, t0), Seen::New);
        // Full of live signatures: fail closed.
        assert_eq!(g.check([3; 32], until, t0), Seen::Full);
        // Once they have expired they are forgotten and room is made.
        let later = until + Duration::from_secs(1);
        assert_eq!(
            g.check([3; 32], later + Duration::from_secs(300), later),
            Seen::New
        );
        assert_eq!(g.len(), 1);
    }
}
