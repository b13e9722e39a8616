//! A caching wrapper for slow [`AsyncSecretStore`]s: bounded memory, single-flight lookups,
//! positive entries that never outlive the credentials, and short-lived negative entries for
//! unknown keys.
//!
//! Built on `std` alone (a mutex, a map, wakers), so the core crate keeps its dependency list
//! and the wrapper works under any async runtime; it never sleeps or spawns, so it needs no
//! timer. Store errors are handed to every waiting caller and never remembered.

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::future::Future;
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Poll, Waker};
use std::time::{Duration, SystemTime};

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::store::{AsyncSecretStore, KeyQuery, KeyRecord, LookupResult, SessionTokenRule};
use super::StoreError;

/// Caches what a slow store answers.
///
/// - **Known keys** are kept for [`ttl`](CachedStore::ttl) (default 5 minutes), never past the
///   expiry of their credentials, at most [`capacity`](CachedStore::capacity) of them (default
///   10 000; the oldest goes first). A record whose token the store checked
///   ([`SessionTokenRule::CheckedByStore`]) is reused only for that same token.
/// - **Per scope**: an answer, found or not, is reused only for the credential scope (date,
///   region, service) it was given for, since a store may answer by scope (a key allowed for
///   one service only). Up to four scopes are kept per key (a client using one key in several
///   regions or services, or across midnight); a fifth pushes out the oldest.
/// - **Unknown keys** (the store answered `None`) are remembered for
///   [`negative_ttl`](CachedStore::negative_ttl) (default 10 s), per access key id, token and
///   scope, in their own bounded table: a flood of made-up key ids displaces only other
///   unknown ids.
/// - **Single flight**: callers asking for a key being looked up wait for that lookup instead
///   of starting their own; at most [`max_lookups_in_flight`](CachedStore::max_lookups_in_flight)
///   lookups (default 64) run at once, and a caller beyond that gets
///   [`StoreError::Unavailable`] (`503`) at once: random key ids cannot hammer the backend.
///   The refresh of a known key whose entry expired is not held to that bound (one at a time
///   per key), so such a flood cannot lock out the keys already in use.
/// - **Errors** are not cached: the callers waiting on a failed lookup get its error, the next
///   caller asks the store again. If the lookup is dropped (its caller timed out), a waiting
///   caller takes over.
///
/// Revoked keys live on until their entry expires; call [`CachedStore::invalidate`] when a key
/// is revoked.
pub struct CachedStore<S> {
    store: S,
    state: Mutex<State>,
    ttl: Duration,
    negative_ttl: Duration,
    max_in_flight: usize,
    clock: Arc<dyn Fn() -> SystemTime + Send + Sync>,
    /// Keys the fingerprints of tokens in negative entries (which need not keep the token).
    tokens: RandomState,
}

/// How many credential scopes are remembered per access key id, in each table.
const SCOPES_PER_KEY: usize = 4;

struct State {
    /// Per access key id, its answers by scope (at most [`SCOPES_PER_KEY`], oldest first).
    known: Table<Vec<Known>>,
    unknown: Table<Vec<Unknown>>,
    flights: HashMap<Box<str>, Arc<Flight>>,
    /// Bumped by `invalidate` and `clear`: a lookup begun before does not store its answer.
    generation: u64,
}

struct Known {
    record: KeyRecord<'static>,
    until: SystemTime,
    scope: Scope,
    /// For a record whose token the store checked: the token it checked (or its absence).
    checked_token: Option<Option<Zeroizing<String>>>,
}

struct Unknown {
    until: SystemTime,
    token: Option<u64>,
    scope: Scope,
}

/// The credential scope (less the access key id) a store's answer was given for.
#[derive(PartialEq, Eq)]
struct Scope {
    date: Box<str>,
    region: Box<str>,
    service: Box<str>,
}

impl Scope {
    fn of(query: &KeyQuery<'_>) -> Self {
        let scope = query.scope();
        Scope {
            date: scope.date.into(),
            region: scope.region.into(),
            service: scope.service.into(),
        }
    }

    fn is_of(&self, query: &KeyQuery<'_>) -> bool {
        let scope = query.scope();
        *self.date == *scope.date
            && *self.region == *scope.region
            && *self.service == *scope.service
    }
}

impl Known {
    fn applies_to(&self, token: Option<&str>, now: SystemTime) -> bool {
        self.until > now && self.vouches_for(token)
    }

    /// Whether the record, while fresh, answers a request carrying `token`.
    fn vouches_for(&self, token: Option<&str>) -> bool {
        match (&self.checked_token, token) {
            (None, _) | (Some(None), None) => true,
            (Some(Some(checked)), Some(given)) => {
                bool::from(checked.as_bytes().ct_eq(given.as_bytes()))
            }
            _ => false,
        }
    }
}

/// A map with a bound: when full, the entry inserted longest ago goes.
struct Table<E> {
    map: HashMap<Box<str>, (E, u64)>,
    /// Insertion order, by generation; entries replaced since are skipped when met.
    order: VecDeque<(Box<str>, u64)>,
    capacity: usize,
    next: u64,
}

impl<E> Table<E> {
    fn new(capacity: usize) -> Self {
        Table {
            map: HashMap::new(),
            order: VecDeque::new(),
            capacity: capacity.max(1),
            next: 0,
        }
    }

    fn get(&self, id: &str) -> Option<&E> {
        self.map.get(id).map(|(e, _)| e)
    }

    fn insert(&mut self, id: &str, entry: E) {
        if !self.map.contains_key(id) {
            while self.map.len() >= self.capacity {
                let Some((old, generation)) = self.order.pop_front() else {
                    break;
                };
                if self.map.get(&old).is_some_and(|(_, g)| *g == generation) {
                    self.map.remove(&old);
                }
            }
        }
        self.next += 1;
        self.map.insert(id.into(), (entry, self.next));
        self.order.push_back((id.into(), self.next));
        // Replaced entries leave stale places in the queue: drop them before it grows.
        if self.order.len() > 2 * self.capacity + 16 {
            let map = &self.map;
            self.order
                .retain(|(id, g)| map.get(id).is_some_and(|(_, current)| current == g));
        }
    }

    fn remove(&mut self, id: &str) -> Option<E> {
        self.map.remove(id).map(|(e, _)| e)
    }

    fn clear(&mut self) {
        self.map.clear();
        self.order.clear();
    }
}

/// A lookup in progress, which other callers for the same key wait on.
#[derive(Default)]
struct Flight {
    state: Mutex<FlightState>,
}

#[derive(Default)]
struct FlightState {
    outcome: Option<Outcome>,
    waiters: Vec<Waker>,
}

#[derive(Clone)]
enum Outcome {
    /// The answer is in the tables (or was not cacheable): look again.
    Settled,
    /// The store failed: every waiter gets the error.
    Failed(StoreError),
    /// The leading caller went away before the answer: look again, and lead if need be.
    Abandoned,
}

impl Flight {
    fn settle(&self, outcome: Outcome) {
        let waiters = {
            let mut state = lock(&self.state);
            state.outcome = Some(outcome);
            std::mem::take(&mut state.waiters)
        };
        waiters.into_iter().for_each(Waker::wake);
    }

    async fn wait(&self) -> Outcome {
        std::future::poll_fn(|cx| {
            let mut state = lock(&self.state);
            if let Some(outcome) = &state.outcome {
                return Poll::Ready(outcome.clone());
            }
            if !state.waiters.iter().any(|w| w.will_wake(cx.waker())) {
                state.waiters.push(cx.waker().clone());
            }
            Poll::Pending
        })
        .await
    }
}

/// The cache's locks guard plain data that no code panics while holding; a poisoned lock is
/// still consistent.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What the tables say about a key.
enum Probe {
    Hit(Option<KeyRecord<'static>>),
    Wait(Arc<Flight>),
    /// Lead the lookup; the number is the cache's generation when it started.
    Lead(Arc<Flight>, u64),
}

/// The caller that runs a lookup; if dropped before it settles, the waiters take over.
struct Leading<'c, S> {
    cache: &'c CachedStore<S>,
    id: &'c str,
    flight: Arc<Flight>,
    settled: bool,
}

impl<S> Leading<'_, S> {
    fn settle(mut self, outcome: Outcome) {
        self.cache.end_flight(self.id, &self.flight);
        self.flight.settle(outcome);
        self.settled = true;
    }
}

impl<S> Drop for Leading<'_, S> {
    fn drop(&mut self) {
        if !self.settled {
            self.cache.end_flight(self.id, &self.flight);
            self.flight.settle(Outcome::Abandoned);
        }
    }
}

impl<S> CachedStore<S> {
    /// Caches what `store` answers, with the defaults above.
    pub fn new(store: S) -> Self {
        CachedStore {
            store,
            state: Mutex::new(State {
                known: Table::new(10_000),
                unknown: Table::new(10_000),
                flights: HashMap::new(),
                generation: 0,
            }),
            ttl: Duration::from_secs(300),
            negative_ttl: Duration::from_secs(10),
            max_in_flight: 64,
            clock: Arc::new(SystemTime::now),
            tokens: RandomState::new(),
        }
    }

    /// How many known keys are kept, and how many unknown ones (each its own table; at least
    /// one).
    pub fn capacity(self, known: usize, unknown: usize) -> Self {
        let mut state = lock(&self.state);
        state.known = Table::new(known);
        state.unknown = Table::new(unknown);
        drop(state);
        self
    }

    /// How long a known key is kept (never past its credentials' expiry). Default 5 minutes:
    /// a secret rotated or revoked in the store is still accepted that long, unless
    /// [invalidated](CachedStore::invalidate).
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// How long an unknown key is remembered as unknown. Default 10 seconds: a key created in
    /// the store is refused at most that long.
    pub fn negative_ttl(mut self, ttl: Duration) -> Self {
        self.negative_ttl = ttl;
        self
    }

    /// How many lookups may run at once (at least one); beyond that a caller whose key is not
    /// cached gets [`StoreError::Unavailable`] at once. Default 64.
    pub fn max_lookups_in_flight(mut self, n: usize) -> Self {
        self.max_in_flight = n.max(1);
        self
    }

    /// The clock entries expire by. Default: the system clock.
    pub fn clock(mut self, clock: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The store behind the cache.
    pub fn inner(&self) -> &S {
        &self.store
    }

    /// Forgets what is cached about `access_key_id` (a key revoked or rotated). A lookup in
    /// flight at that moment does not put its answer back: it may predate the revocation.
    pub fn invalidate(&self, access_key_id: &str) {
        let mut state = lock(&self.state);
        state.known.remove(access_key_id);
        state.unknown.remove(access_key_id);
        state.generation = state.generation.wrapping_add(1);
    }

    /// Forgets everything cached (lookups in flight included, as for
    /// [`invalidate`](CachedStore::invalidate)).
    pub fn clear(&self) {
        let mut state = lock(&self.state);
        state.known.clear();
        state.unknown.clear();
        state.generation = state.generation.wrapping_add(1);
    }

    fn fingerprint(&self, token: Option<&str>) -> Option<u64> {
        token.map(|t| self.tokens.hash_one(t))
    }

    fn probe(&self, query: &KeyQuery<'_>, now: SystemTime) -> Result<Probe, StoreError> {
        let id = query.access_key_id();
        let token = query.session_token();
        let mut state = lock(&self.state);
        // A known key whose entry expired is refreshed even when every lookup slot is taken:
        // otherwise a flood of made-up ids would lock every caller out within one TTL. At most
        // one such lookup per known key (single flight), so the bound is still the tables'.
        let mut refresh = false;
        if let Some(known) = state.known.get(id) {
            let in_scope = known.iter().find(|k| k.scope.is_of(query));
            if let Some(k) = in_scope.filter(|k| k.applies_to(token, now)) {
                return Ok(Probe::Hit(Some(k.record.clone())));
            }
            refresh = known.iter().any(|k| k.vouches_for(token));
        }
        if let Some(unknown) = state.unknown.get(id) {
            let fingerprint = self.fingerprint(token);
            if unknown
                .iter()
                .any(|u| u.until > now && u.token == fingerprint && u.scope.is_of(query))
            {
                return Ok(Probe::Hit(None));
            }
        }
        if let Some(flight) = state.flights.get(id) {
            return Ok(Probe::Wait(Arc::clone(flight)));
        }
        if !refresh && state.flights.len() >= self.max_in_flight {
            return Err(StoreError::unavailable("too many key lookups in flight"));
        }
        let flight = Arc::new(Flight::default());
        state.flights.insert(id.into(), Arc::clone(&flight));
        Ok(Probe::Lead(flight, state.generation))
    }

    fn end_flight(&self, id: &str, flight: &Arc<Flight>) {
        let mut state = lock(&self.state);
        if state
            .flights
            .get(id)
            .is_some_and(|f| Arc::ptr_eq(f, flight))
        {
            state.flights.remove(id);
        }
    }

    /// Remembers what the store answered for `query` (errors are not remembered), unless the
    /// cache was invalidated since the lookup began (`generation`).
    fn remember(&self, query: &KeyQuery<'_>, found: &Option<KeyRecord<'static>>, generation: u64) {
        let now = (self.clock)();
        let id = query.access_key_id();
        let mut state = lock(&self.state);
        if state.generation != generation {
            return;
        }
        match found {
            Some(record) => {
                let Some(mut until) = now.checked_add(self.ttl) else {
                    return;
                };
                if let Some(expiry) = record.expires_at() {
                    until = until.min(expiry);
                }
                if until <= now {
                    return;
                }
                let checked_token = (record.session_token_rule()
                    == SessionTokenRule::CheckedByStore)
                    .then(|| query.session_token().map(|t| Zeroizing::new(t.to_owned())));
                if let Some(mut unknown) = state.unknown.remove(id) {
                    unknown.retain(|u| !u.scope.is_of(query));
                    if !unknown.is_empty() {
                        state.unknown.insert(id, unknown);
                    }
                }
                let known = Known {
                    record: record.clone(),
                    until,
                    scope: Scope::of(query),
                    checked_token,
                };
                let entries = state.known.remove(id).unwrap_or_default();
                state
                    .known
                    .insert(id, with_scope(entries, known, |k| &k.scope));
            }
            None => {
                let token = self.fingerprint(query.session_token());
                let Some(until) = now.checked_add(self.negative_ttl) else {
                    return;
                };
                let unknown = Unknown {
                    until,
                    token,
                    scope: Scope::of(query),
                };
                let entries = state.unknown.remove(id).unwrap_or_default();
                state
                    .unknown
                    .insert(id, with_scope(entries, unknown, |u| &u.scope));
            }
        }
    }
}

/// `entries` with `entry` in place of the one for its scope, the oldest pushed out beyond
/// [`SCOPES_PER_KEY`].
fn with_scope<E>(mut entries: Vec<E>, entry: E, scope: impl Fn(&E) -> &Scope) -> Vec<E> {
    entries.retain(|e| *scope(e) != *scope(&entry));
    if entries.len() >= SCOPES_PER_KEY {
        entries.remove(0);
    }
    entries.push(entry);
    entries
}

impl<S: AsyncSecretStore> CachedStore<S> {
    async fn lookup_cached(&self, query: &KeyQuery<'_>) -> LookupResult<'_> {
        loop {
            let flight = match self.probe(query, (self.clock)())? {
                Probe::Hit(found) => return Ok(found),
                Probe::Lead(flight, generation) => {
                    return self.lead(query, flight, generation).await
                }
                Probe::Wait(flight) => flight,
            };
            match flight.wait().await {
                Outcome::Failed(e) => return Err(e),
                Outcome::Settled | Outcome::Abandoned => continue,
            }
        }
    }

    async fn lead(
        &self,
        query: &KeyQuery<'_>,
        flight: Arc<Flight>,
        generation: u64,
    ) -> LookupResult<'_> {
        let leading = Leading {
            cache: self,
            id: query.access_key_id(),
            flight,
            settled: false,
        };
        let found = self
            .store
            .lookup(query)
            .await
            .map(|found| found.map(KeyRecord::into_shared));
        match &found {
            Ok(found) => {
                self.remember(query, found, generation);
                leading.settle(Outcome::Settled);
            }
            Err(e) => leading.settle(Outcome::Failed(e.clone())),
        }
        found
    }
}

impl<S: AsyncSecretStore + Sync> AsyncSecretStore for CachedStore<S> {
    fn lookup(&self, query: &KeyQuery<'_>) -> impl Future<Output = LookupResult<'_>> + Send {
        self.lookup_cached(query)
    }
}

impl<S> fmt::Debug for CachedStore<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = lock(&self.state);
        f.debug_struct("CachedStore")
            .field("known", &state.known.map.len())
            .field("unknown", &state.unknown.map.len())
            .field("in_flight", &state.flights.len())
            .field("ttl", &self.ttl)
            .field("negative_ttl", &self.negative_ttl)
            .finish_non_exhaustive()
    }
}
