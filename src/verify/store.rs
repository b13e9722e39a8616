//! Where the verifier finds an access key's secret: the one record a lookup returns
//! ([`KeyRecord`]), what a lookup is given ([`KeyQuery`]), how a store fails ([`StoreError`]),
//! and the store traits: [`SecretStore`] (synchronous, the simple case), [`AsyncSecretStore`]
//! (a database, a secrets manager, an identity service) and its object-safe twin
//! [`DynSecretStore`].

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use zeroize::Zeroize;

use crate::auth_params::CredentialScope;

/// What a store knows about an access key: its secret, the principal it belongs to, when
/// temporary credentials expire, how a request's session token is checked, and (SigV4a) a
/// public key.
///
/// Borrowed or owned: a store that holds its keys returns a record borrowing them (no
/// allocation); one that fetches them returns an owned record. [`StoredKey`] is the owned
/// form kept in a map. Owned secrets and tokens are zeroized on drop; `Debug` shows neither.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use sigv4x::{KeyRecord, SessionTokenRule};
///
/// let record = KeyRecord::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
///     .with_principal("arn:aws:sts::111122223333:assumed-role/app/session")
///     .with_session_token("IQoJb3JpZ2luX2VjE...")
///     .with_expiry(SystemTime::now() + Duration::from_secs(3600));
/// assert!(matches!(record.session_token_rule(), SessionTokenRule::Equals(_)));
/// assert!(!format!("{record:?}").contains("wJalr"));
/// ```
#[derive(Clone)]
pub struct KeyRecord<'a> {
    repr: Repr<'a>,
}

/// An owned [`KeyRecord`], as kept in a `HashMap<String, StoredKey>` store.
pub type StoredKey = KeyRecord<'static>;

#[derive(Clone)]
enum Repr<'a> {
    Parts(Parts<'a>),
    /// Cheap to clone: what a cache hands out.
    Shared(Arc<Parts<'static>>),
}

#[derive(Clone)]
struct Parts<'a> {
    /// Empty for a SigV4a public key alone: then SigV4 is refused.
    secret: Cow<'a, str>,
    principal: Option<Cow<'a, str>>,
    expires_at: Option<SystemTime>,
    token: Token<'a>,
    #[cfg(feature = "sigv4a")]
    public_key: Option<Cow<'a, [u8]>>,
}

#[derive(Clone, Default)]
enum Token<'a> {
    #[default]
    Absent,
    Equals(Cow<'a, str>),
    CheckedByStore,
}

impl Drop for Parts<'_> {
    fn drop(&mut self) {
        if let Cow::Owned(secret) = &mut self.secret {
            secret.zeroize();
        }
        if let Token::Equals(Cow::Owned(token)) = &mut self.token {
            token.zeroize();
        }
    }
}

/// How the session token of a request signed with a key is checked, as the store says.
#[derive(Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionTokenRule<'a> {
    /// Long-term keys: a request must carry no session token (unless the verifier was told to
    /// [accept any](crate::Verifier::accept_any_session_token)).
    Absent,
    /// Temporary credentials: a request must carry exactly this token (compared in constant
    /// time).
    Equals(&'a str),
    /// The store checked the token it was given in the [`KeyQuery`] (present or not) and vouches
    /// for it, as an identity service that validates its own tokens does.
    CheckedByStore,
}

impl fmt::Debug for SessionTokenRule<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SessionTokenRule::Absent => "Absent",
            SessionTokenRule::Equals(_) => "Equals(** redacted **)",
            SessionTokenRule::CheckedByStore => "CheckedByStore",
        })
    }
}

impl<'a> KeyRecord<'a> {
    fn parts(&self) -> &Parts<'a> {
        match &self.repr {
            Repr::Parts(p) => p,
            Repr::Shared(p) => p,
        }
    }

    /// The record with `change` made to its parts (copied first if shared).
    fn edit(self, change: impl FnOnce(&mut Parts<'a>)) -> Self {
        let mut parts = match self.repr {
            Repr::Parts(p) => p,
            Repr::Shared(shared) => Arc::unwrap_or_clone(shared),
        };
        change(&mut parts);
        KeyRecord {
            repr: Repr::Parts(parts),
        }
    }

    /// A key known by its secret: a long-term key, no session token allowed, no expiry.
    pub fn new(secret_access_key: impl Into<Cow<'a, str>>) -> Self {
        KeyRecord {
            repr: Repr::Parts(Parts {
                secret: secret_access_key.into(),
                principal: None,
                expires_at: None,
                token: Token::Absent,
                #[cfg(feature = "sigv4a")]
                public_key: None,
            }),
        }
    }

    /// A key known only by its SigV4a public key (SEC1, as
    /// [`SigningKeyV4a::public_key_sec1`](crate::SigningKeyV4a::public_key_sec1) gives it): the
    /// server needs no secret, and SigV4 requests with this key are refused.
    #[cfg(feature = "sigv4a")]
    pub fn from_sigv4a_public_key(sec1: impl Into<Cow<'a, [u8]>>) -> Self {
        KeyRecord::new("").edit(|p| p.public_key = Some(sec1.into()))
    }

    /// The principal (for example a role ARN) the key belongs to; handed back in
    /// [`Verified::principal`](crate::Verified::principal).
    pub fn with_principal(self, principal: impl Into<Cow<'a, str>>) -> Self {
        self.edit(|p| p.principal = Some(principal.into()))
    }

    /// Temporary credentials: requests with this key must carry exactly `token`.
    pub fn with_session_token(self, token: impl Into<Cow<'a, str>>) -> Self {
        self.edit(|p| p.token = Token::Equals(token.into()))
    }

    /// The store has checked the session token of the [`KeyQuery`] (present or absent) and
    /// vouches for it: the verifier accepts whatever token the request carries. Only for a
    /// store that really checks, since the token is then compared with nothing.
    pub fn with_store_checked_token(self) -> Self {
        self.edit(|p| p.token = Token::CheckedByStore)
    }

    /// Temporary credentials that expire at `expires_at`: from then on requests are refused with
    /// [`VerifyError::ExpiredToken`](crate::VerifyError::ExpiredToken), by the verifier's clock.
    pub fn with_expiry(self, expires_at: SystemTime) -> Self {
        self.edit(|p| p.expires_at = Some(expires_at))
    }

    /// The secret access key (empty for a SigV4a public key alone).
    pub fn secret_access_key(&self) -> &str {
        &self.parts().secret
    }

    /// The principal the key belongs to, if the store named one.
    pub fn principal(&self) -> Option<&str> {
        self.parts().principal.as_deref()
    }

    /// When temporary credentials expire.
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.parts().expires_at
    }

    /// How a request's session token is checked.
    pub fn session_token_rule(&self) -> SessionTokenRule<'_> {
        match &self.parts().token {
            Token::Absent => SessionTokenRule::Absent,
            Token::Equals(t) => SessionTokenRule::Equals(t),
            Token::CheckedByStore => SessionTokenRule::CheckedByStore,
        }
    }

    /// SigV4a: the public key (SEC1) the store gave, if any.
    #[cfg(feature = "sigv4a")]
    pub fn sigv4a_public_key(&self) -> Option<&[u8]> {
        self.parts().public_key.as_deref()
    }

    pub(crate) fn has_sigv4a_public_key(&self) -> bool {
        #[cfg(feature = "sigv4a")]
        return self.parts().public_key.is_some();
        #[cfg(not(feature = "sigv4a"))]
        false
    }

    /// A record borrowing this one: no allocation.
    pub fn borrowed(&self) -> KeyRecord<'_> {
        if let Repr::Shared(shared) = &self.repr {
            return KeyRecord {
                repr: Repr::Shared(Arc::clone(shared)),
            };
        }
        let p = self.parts();
        KeyRecord {
            repr: Repr::Parts(Parts {
                secret: Cow::Borrowed(&p.secret),
                principal: p.principal.as_deref().map(Cow::Borrowed),
                expires_at: p.expires_at,
                token: match &p.token {
                    Token::Absent => Token::Absent,
                    Token::Equals(t) => Token::Equals(Cow::Borrowed(t)),
                    Token::CheckedByStore => Token::CheckedByStore,
                },
                #[cfg(feature = "sigv4a")]
                public_key: p.public_key.as_deref().map(Cow::Borrowed),
            }),
        }
    }

    /// The record with everything it borrows copied, shared behind an `Arc` so that clones
    /// cost a reference count (what a cache keeps).
    pub fn into_shared(self) -> KeyRecord<'static> {
        if let Repr::Shared(shared) = &self.repr {
            return KeyRecord {
                repr: Repr::Shared(Arc::clone(shared)),
            };
        }
        let p = self.parts();
        let owned = Parts {
            secret: Cow::Owned(p.secret.to_string()),
            principal: p.principal.as_deref().map(|s| Cow::Owned(s.to_owned())),
            expires_at: p.expires_at,
            token: match &p.token {
                Token::Absent => Token::Absent,
                Token::Equals(t) => Token::Equals(Cow::Owned(t.to_string())),
                Token::CheckedByStore => Token::CheckedByStore,
            },
            #[cfg(feature = "sigv4a")]
            public_key: p.public_key.as_deref().map(|k| Cow::Owned(k.to_vec())),
        };
        KeyRecord {
            repr: Repr::Shared(Arc::new(owned)),
        }
    }
}

impl fmt::Debug for KeyRecord<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyRecord")
            .field("principal", &self.principal())
            .field("expires_at", &self.expires_at())
            .field("session_token", &self.session_token_rule())
            .finish_non_exhaustive()
    }
}

/// What a store is asked: the access key id, the session token the request carries, and the
/// credential scope it was signed for. Built by the verifier (or [`KeyQuery::new`] in tests).
#[derive(Clone, Copy)]
pub struct KeyQuery<'q> {
    scope: CredentialScope<'q>,
    session_token: Option<&'q str>,
}

impl<'q> KeyQuery<'q> {
    /// A query for the key of `scope`, from a request carrying `session_token`.
    pub fn new(scope: CredentialScope<'q>, session_token: Option<&'q str>) -> Self {
        KeyQuery {
            scope,
            session_token,
        }
    }

    /// The access key id.
    pub fn access_key_id(&self) -> &'q str {
        self.scope.access_key_id
    }

    /// The session token the request carries (`X-Amz-Security-Token`), if any. A secret: never
    /// log it.
    pub fn session_token(&self) -> Option<&'q str> {
        self.session_token
    }

    /// The credential scope (date, region, service) the request was signed for; the region is
    /// empty for SigV4a.
    pub fn scope(&self) -> CredentialScope<'q> {
        self.scope
    }
}

impl fmt::Debug for KeyQuery<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyQuery")
            .field("scope", &self.scope)
            .field(
                "session_token",
                &self.session_token.map(|_| "** redacted **"),
            )
            .finish()
    }
}

/// The cause of a [`StoreError`]: the store's own error, kept for logs (through
/// [`std::error::Error::source`]) and never shown to clients.
#[derive(Clone)]
pub struct StoreCause(Arc<dyn std::error::Error + Send + Sync>);

impl<E: Into<Box<dyn std::error::Error + Send + Sync>>> From<E> for StoreCause {
    fn from(e: E) -> Self {
        StoreCause(Arc::from(e.into()))
    }
}

impl fmt::Debug for StoreCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// Why a store could not answer. Not an authentication failure: the verifier maps it to
/// `500 InternalFailure` or `503 ServiceUnavailable` ([`VerifyError::Store`](crate::VerifyError::Store)),
/// and caches never remember it.
///
/// A store error's cause ends up in server logs: it must not carry secrets.
#[derive(Clone)]
#[non_exhaustive]
pub enum StoreError {
    /// The store cannot answer now (unreachable, overloaded, too many lookups in flight);
    /// retrying later may work. `503 ServiceUnavailable`.
    Unavailable(StoreCause),
    /// The store failed (a query error, a corrupt record). `500 InternalFailure`.
    Failed(StoreCause),
    /// The lookup took longer than allowed. `503 ServiceUnavailable`.
    TimedOut {
        /// The time allowed.
        after: Duration,
    },
    /// The lookup panicked. `503 ServiceUnavailable`.
    Panicked,
}

impl StoreError {
    /// The store cannot answer now (`503`).
    pub fn unavailable(cause: impl Into<StoreCause>) -> Self {
        StoreError::Unavailable(cause.into())
    }

    /// The store failed (`500`).
    pub fn failed(cause: impl Into<StoreCause>) -> Self {
        StoreError::Failed(cause.into())
    }

    /// True for the errors answered with `500 InternalFailure` rather than `503`.
    pub fn is_internal(&self) -> bool {
        matches!(self, StoreError::Failed(_))
    }
}

impl PartialEq for StoreError {
    /// Errors of the same kind are equal whatever their causes (which need not compare).
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (StoreError::TimedOut { after: a }, StoreError::TimedOut { after: b }) => a == b,
            _ => std::mem::discriminant(self) == std::mem::discriminant(other),
        }
    }
}

impl Eq for StoreError {}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Unavailable(cause) => write!(f, "key store unavailable: {cause:?}"),
            StoreError::Failed(cause) => write!(f, "key store failed: {cause:?}"),
            StoreError::TimedOut { after } => {
                write!(f, "key lookup timed out after {} ms", after.as_millis())
            }
            StoreError::Panicked => f.write_str("key lookup panicked"),
        }
    }
}

impl fmt::Debug for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoreError({self})")
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StoreError::Unavailable(c) | StoreError::Failed(c) => Some(&*c.0),
            _ => None,
        }
    }
}

/// What a lookup answers: the record, `None` for an unknown access key (or, for a store that
/// checks tokens, a token it does not accept), or why it could not answer.
pub type LookupResult<'s> = Result<Option<KeyRecord<'s>>, StoreError>;

/// A synchronous store: the simple case, for keys in memory.
///
/// Implemented for `HashMap<String, String>` (access key id → secret, long-term keys), for
/// `HashMap<String, StoredKey>`, and for references, `Box`es and `Arc`s of stores.
pub trait SecretStore {
    /// The record for the key `query` names, or `None` if the key is unknown.
    ///
    /// # Errors
    /// A [`StoreError`] when the store cannot answer (never for an unknown key).
    fn lookup(&self, query: &KeyQuery<'_>) -> LookupResult<'_>;
}

/// A store the verifier awaits: a database, a secrets manager, an identity service. Use
/// [`Verifier::verify_async`](crate::Verifier::verify_async); wrap a slow store in a
/// [`CachedStore`](crate::CachedStore).
///
/// Implemented for the in-memory maps [`SecretStore`] is, for [`SyncStore`] (any
/// [`SecretStore`]), for references, `Box`es and `Arc`s of stores, and for
/// `dyn` [`DynSecretStore`]. Write `async fn lookup` in an implementation; the future must be
/// `Send`.
pub trait AsyncSecretStore {
    /// The record for the key `query` names, or `None` if the key is unknown.
    ///
    /// # Errors
    /// A [`StoreError`] when the store cannot answer (never for an unknown key).
    fn lookup(&self, query: &KeyQuery<'_>) -> impl Future<Output = LookupResult<'_>> + Send;
}

/// The future of a [`DynSecretStore`] lookup.
pub type BoxedLookup<'f, 's> = Pin<Box<dyn Future<Output = LookupResult<'s>> + Send + 'f>>;

/// The object-safe form of [`AsyncSecretStore`], for `Arc<dyn DynSecretStore>` (each lookup
/// boxes its future). Every `AsyncSecretStore + Send + Sync` is one, and `dyn DynSecretStore`
/// is an [`AsyncSecretStore`].
pub trait DynSecretStore: Send + Sync {
    /// As [`AsyncSecretStore::lookup`], boxed.
    fn lookup_boxed<'s: 'f, 'q: 'f, 'f>(&'s self, query: &'f KeyQuery<'q>) -> BoxedLookup<'f, 's>;
}

impl<T: AsyncSecretStore + Send + Sync> DynSecretStore for T {
    fn lookup_boxed<'s: 'f, 'q: 'f, 'f>(&'s self, query: &'f KeyQuery<'q>) -> BoxedLookup<'f, 's> {
        Box::pin(AsyncSecretStore::lookup(self, query))
    }
}

impl AsyncSecretStore for dyn DynSecretStore + '_ {
    async fn lookup(&self, query: &KeyQuery<'_>) -> LookupResult<'_> {
        self.lookup_boxed(query).await
    }
}

/// A [`SecretStore`] used where an [`AsyncSecretStore`] is wanted (`SigV4Layer`, the gateway):
/// its lookup runs inline, so it must not block.
#[derive(Clone, Debug, Default)]
pub struct SyncStore<S>(pub S);

impl<S: SecretStore + Sync> AsyncSecretStore for SyncStore<S> {
    fn lookup(&self, query: &KeyQuery<'_>) -> impl Future<Output = LookupResult<'_>> + Send {
        std::future::ready(self.0.lookup(query))
    }
}

impl SecretStore for HashMap<String, String> {
    fn lookup(&self, query: &KeyQuery<'_>) -> LookupResult<'_> {
        Ok(self
            .get(query.access_key_id())
            .map(|s| KeyRecord::new(s.as_str())))
    }
}

// For every lifetime, not just `'static`: inside `async` code lifetimes are erased, and an
// impl for `StoredKey` alone would not be found there.
impl<'k> SecretStore for HashMap<String, KeyRecord<'k>> {
    fn lookup(&self, query: &KeyQuery<'_>) -> LookupResult<'_> {
        Ok(self.get(query.access_key_id()).map(KeyRecord::borrowed))
    }
}

/// The maps answer at once.
impl AsyncSecretStore for HashMap<String, String> {
    fn lookup(&self, query: &KeyQuery<'_>) -> impl Future<Output = LookupResult<'_>> + Send {
        std::future::ready(SecretStore::lookup(self, query))
    }
}

impl<'k> AsyncSecretStore for HashMap<String, KeyRecord<'k>> {
    fn lookup(&self, query: &KeyQuery<'_>) -> impl Future<Output = LookupResult<'_>> + Send {
        std::future::ready(SecretStore::lookup(self, query))
    }
}

/// References, boxes and `Arc`s of stores are stores.
macro_rules! forward {
    ($($w:ty),*) => {$(
        impl<T: SecretStore + ?Sized> SecretStore for $w {
            fn lookup(&self, query: &KeyQuery<'_>) -> LookupResult<'_> {
                (**self).lookup(query)
            }
        }
        impl<T: AsyncSecretStore + ?Sized + Sync> AsyncSecretStore for $w {
            fn lookup(&self, query: &KeyQuery<'_>) -> impl Future<Output = LookupResult<'_>> + Send {
                (**self).lookup(query)
            }
        }
    )*};
}
forward!(&T, Box<T>, Arc<T>);

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> CredentialScope<'static> {
        CredentialScope {
            access_key_id: "AKID",
            date: "20240101",
            region: "us-east-1",
            service: "s3",
        }
    }

    #[test]
    fn owned_borrowed_and_shared_records_agree() {
        let owned: StoredKey = KeyRecord::new(String::from("s3cret"))
            .with_principal(String::from("p"))
            .with_session_token(String::from("tok"))
            .with_expiry(SystemTime::UNIX_EPOCH);
        for r in [owned.borrowed(), owned.clone().into_shared()] {
            assert_eq!(r.secret_access_key(), "s3cret");
            assert_eq!(r.principal(), Some("p"));
            assert_eq!(r.session_token_rule(), SessionTokenRule::Equals("tok"));
            assert_eq!(r.expires_at(), Some(SystemTime::UNIX_EPOCH));
        }
        // A shared record can still be changed: it is copied first.
        let changed = owned.into_shared().with_store_checked_token();
        assert_eq!(
            changed.session_token_rule(),
            SessionTokenRule::CheckedByStore
        );
        assert_eq!(changed.secret_access_key(), "s3cret");
    }

    #[test]
    fn debug_hides_secret_and_token() {
        let r = KeyRecord::new("s3cret").with_session_token("tok3n");
        let q = KeyQuery::new(scope(), Some("tok3n"));
        for shown in [format!("{r:?}"), format!("{q:?}")] {
            assert!(
                !shown.contains("s3cret") && !shown.contains("tok3n"),
                "{shown}"
            );
        }
    }

    #[test]
    fn maps_answer_by_access_key_id() {
        let map = HashMap::from([("AKID".to_string(), "s".to_string())]);
        let q = KeyQuery::new(scope(), None);
        let found = SecretStore::lookup(&map, &q).unwrap().unwrap();
        assert_eq!(found.secret_access_key(), "s");
        assert_eq!(found.session_token_rule(), SessionTokenRule::Absent);
        let other = KeyQuery::new(
            CredentialScope {
                access_key_id: "OTHER",
                ..scope()
            },
            None,
        );
        assert!(SecretStore::lookup(&map, &other).unwrap().is_none());
    }

    #[test]
    fn store_errors_compare_by_kind_and_keep_their_cause() {
        let e = StoreError::failed("disk on fire");
        assert_eq!(e, StoreError::failed("another cause"));
        assert_ne!(e, StoreError::unavailable("x"));
        assert!(e.is_internal());
        let source = std::error::Error::source(&e).map(ToString::to_string);
        assert_eq!(source.as_deref(), Some("disk on fire"));
    }
}
