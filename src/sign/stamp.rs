//! Step 1 of signing: what a signer reuses within one second.
//!
//! A signer's access key, secret, region and service never change, so everything that depends
//! only on the time is the same for every request signed in the same second: the `X-Amz-Date`,
//! the signing key of the day, the start of the string to sign and the credential.

use crate::credentials::Credentials;
use crate::date::AmzDate;
use crate::per_second::{PerSecond, SlotRef};
use crate::sha256::Midstate;
use crate::signing_key::SigningKey;
use crate::stack::StackBuf;
use crate::string_to_sign::{write_string_to_sign_prefix, Scope};

/// What a signer reuses for every request signed in one second.
pub(crate) struct Stamp {
    pub(crate) date: AmzDate,
    pub(crate) key: SigningKey,
    /// The HMAC state after `AWS4-HMAC-SHA256\n<date>\n<scope>\n`.
    pub(crate) string_to_sign: Midstate,
    /// `<access key id>/<scope>`: the `Credential` of the `Authorization` header and the
    /// `X-Amz-Credential` of a presigned URL. Inline, so a new second costs no allocation (the
    /// parts of the scope are at most 128 bytes each).
    pub(crate) credential: StackBuf<448>,
}

/// The cache of a signer: one slot, keyed by the Unix second. A new second costs one SHA-256
/// block, a new day a key derivation.
pub(crate) type StampCache = PerSecond<u64, Stamp>;
pub(crate) type StampRef<'a> = SlotRef<'a, u64, Stamp>;

impl Stamp {
    /// The stamp of second `unix`, reusing the key of `cached` if its day is the same. `None`
    /// after 9999.
    pub(crate) fn make(
        unix: u64,
        cached: Option<&Stamp>,
        credentials: &Credentials,
        region: &str,
        service: &str,
    ) -> Option<Stamp> {
        let date = AmzDate::from_unix(unix)?;
        let key = match cached {
            Some(c) if c.date.date_bytes() == date.date_bytes() => c.key.clone(),
            _ => SigningKey::derive(
                credentials.secret_access_key(),
                date.date(),
                region,
                service,
            ),
        };
        let scope = Scope::of(&date, region, service);
        let string_to_sign =
            key.pause_after(|h| write_string_to_sign_prefix(h, date.as_bytes(), &scope));
        let mut credential = StackBuf::new();
        credential.push(credentials.access_key_id().as_bytes());
        credential.push(b"/");
        scope.write(&mut credential);
        Some(Stamp {
            date,
            key,
            string_to_sign,
            credential,
        })
    }
}
