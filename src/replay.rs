//! Replay protection: a captured request sent again while its timestamp is still inside the
//! skew window is refused. [`ReplayStore`] is what any store of accepted signatures does (one
//! process's memory, or a store shared by several servers); [`ReplayGuard`] is the bounded
//! in-memory one.

use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::VerifyError;

/// What a replay store records of an accepted request: the key that identifies its signature
/// and until when the request could still be accepted. Built by
/// [`Verified::replay_entry`](crate::Verified::replay_entry).
///
/// The key is the signature for SigV4; for SigV4a, whose ECDSA signatures are malleable and
/// randomized, the SHA-256 of the access key id and string to sign. It is not secret (it
/// travels with the request) but is shown by `Debug` only in part.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ReplayEntry {
    key: [u8; 32],
    valid_until: SystemTime,
}

impl ReplayEntry {
    /// An entry for `key`, to be remembered until `valid_until`.
    pub fn new(key: [u8; 32], valid_until: SystemTime) -> Self {
        ReplayEntry { key, valid_until }
    }

    /// The key identifying the signature.
    pub fn key(&self) -> &[u8; 32] {
        &self.key
    }

    /// Until when the request could pass the time checks: its `X-Amz-Date` plus the skew
    /// window, or a presigned URL's expiry.
    pub fn valid_until(&self) -> SystemTime {
        self.valid_until
    }

    /// The same entry, remembered `extra` longer (a margin for clock differences between the
    /// servers sharing a store).
    pub fn extended_by(self, extra: Duration) -> Self {
        ReplayEntry {
            valid_until: self.valid_until + extra,
            ..self
        }
    }

    /// How long it must still be remembered, seen from `now` (zero once it has expired).
    pub fn time_to_live(&self, now: SystemTime) -> Duration {
        self.valid_until.duration_since(now).unwrap_or_default()
    }
}

impl fmt::Debug for ReplayEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, ..] = self.key;
        f.debug_struct("ReplayEntry")
            .field("key", &format_args!("{a:02x}{b:02x}{c:02x}{d:02x}…"))
            .field("valid_until", &self.valid_until)
            .finish()
    }
}

/// What a replay store answered for a request that is not a replay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReplayCheck {
    /// The signature was not seen before, and is now recorded.
    Fresh,
    /// The store could not be asked (a network store that is down) and is configured to fail
    /// open: the request was let through unchecked. The caller should log it.
    Unchecked,
}

/// A store of accepted signatures that refuses to record one twice: the replay check.
///
/// [`record`](ReplayStore::record) must be atomic: of two servers recording the same entry at
/// the same moment, exactly one gets [`ReplayCheck::Fresh`]. It runs after the signature was
/// verified, so that an unauthenticated client never writes to the store.
///
/// Implemented by [`ReplayGuard`] (one process's memory) and, in `sigv4x-redis`, by a store
/// shared through Redis.
pub trait ReplayStore: Send + Sync {
    /// Records `entry`, seen at `now`, and says whether it is new.
    ///
    /// # Errors
    /// [`VerifyError::Replayed`] when it was recorded before and has not expired;
    /// [`VerifyError::ReplayGuardFull`] when a bounded store is full of live entries;
    /// [`VerifyError::ReplayStoreUnavailable`] when the store cannot be asked and fails closed.
    fn record(
        &self,
        entry: ReplayEntry,
        now: SystemTime,
    ) -> impl Future<Output = Result<ReplayCheck, VerifyError>> + Send;
}

impl<T: ReplayStore + ?Sized> ReplayStore for Arc<T> {
    fn record(
        &self,
        entry: ReplayEntry,
        now: SystemTime,
    ) -> impl Future<Output = Result<ReplayCheck, VerifyError>> + Send {
        (**self).record(entry, now)
    }
}

impl ReplayStore for ReplayGuard {
    fn record(
        &self,
        entry: ReplayEntry,
        now: SystemTime,
    ) -> impl Future<Output = Result<ReplayCheck, VerifyError>> + Send {
        std::future::ready(self.record_now(entry, now))
    }
}

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
enum Seen {
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
    fn check(&self, signature: [u8; 32], valid_until: SystemTime, now: SystemTime) -> Seen {
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

    /// [`ReplayStore::record`], without a future: the guard never waits.
    ///
    /// # Errors
    /// [`VerifyError::Replayed`] or [`VerifyError::ReplayGuardFull`].
    pub fn record_now(
        &self,
        entry: ReplayEntry,
        now: SystemTime,
    ) -> Result<ReplayCheck, VerifyError> {
        match self.check(entry.key, entry.valid_until, now) {
            Seen::New => Ok(ReplayCheck::Fresh),
            Seen::Replayed => Err(VerifyError::Replayed),
            Seen::Full => Err(VerifyError::ReplayGuardFull),
        }
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

    /// The guard as a [`ReplayStore`]: the same answers, as `VerifyError`s.
    #[test]
    fn the_guard_is_a_replay_store() {
        let g = ReplayGuard::new(1);
        let t0 = UNIX_EPOCH + Duration::from_secs(1000);
        let entry = ReplayEntry::new([7; 32], t0 + Duration::from_secs(300));
        let run = |e: ReplayEntry| {
            let future = std::pin::pin!(ReplayStore::record(&g, e, t0));
            let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
            match future.poll(&mut cx) {
                std::task::Poll::Ready(answer) => answer,
                std::task::Poll::Pending => Err(VerifyError::ReplayStoreUnavailable),
            }
        };
        assert_eq!(run(entry), Ok(ReplayCheck::Fresh));
        assert_eq!(run(entry), Err(VerifyError::Replayed));
        assert_eq!(
            run(ReplayEntry::new([8; 32], entry.valid_until())),
            Err(VerifyError::ReplayGuardFull)
        );
        assert_eq!(entry.time_to_live(t0), Duration::from_secs(300));
        assert_eq!(
            entry.extended_by(Duration::from_secs(60)).time_to_live(t0),
            Duration::from_secs(360)
        );
        assert!(!format!("{entry:?}").contains("0707070707"));
    }
}
