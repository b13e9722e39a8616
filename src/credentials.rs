//! AWS credentials: an access key id, its secret, and an optional session token.

use std::fmt;

use zeroize::Zeroizing;

/// The credentials a request is signed with.
///
/// The secret access key and the session token are zeroized when dropped and never printed:
/// `Debug` shows only the access key id.
#[derive(Clone)]
pub struct Credentials {
    access_key_id: String,
    secret_access_key: Zeroizing<String>,
    session_token: Option<Zeroizing<String>>,
}

impl Credentials {
    /// Credentials from their parts. `session_token` is the token of temporary credentials (an
    /// assumed role, a Lambda function's role); `None` for long-term keys.
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
        session_token: Option<String>,
    ) -> Self {
        Credentials {
            access_key_id: access_key_id.into(),
            secret_access_key: Zeroizing::new(secret_access_key.into()),
            session_token: session_token.map(Zeroizing::new),
        }
    }

    /// Credentials from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and, if set and not empty,
    /// `AWS_SESSION_TOKEN`: what the Lambda runtime gives a function for its execution role.
    ///
    /// # Errors
    /// [`CredentialsError::Missing`] names the variable that is unset, empty or not Unicode.
    pub fn from_env() -> Result<Self, CredentialsError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// As [`Credentials::from_env`], reading variables through `lookup` (for tests and for
    /// configuration sources other than the process environment).
    ///
    /// # Errors
    /// [`CredentialsError::Missing`] names the variable that `lookup` did not supply.
    pub fn from_lookup(
        mut lookup: impl FnMut(&str) -> Option<String>,
    ) -> Result<Self, CredentialsError> {
        let mut required = |name: &'static str| {
            lookup(name)
                .filter(|v| !v.is_empty())
                .ok_or(CredentialsError::Missing(name))
        };
        let id = required("AWS_ACCESS_KEY_ID")?;
        let secret = required("AWS_SECRET_ACCESS_KEY")?;
        let token = lookup("AWS_SESSION_TOKEN").filter(|v| !v.is_empty());
        Ok(Credentials::new(id, secret, token))
    }

    /// The access key id (not secret: it is sent in every signed request).
    #[must_use]
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The secret access key.
    #[must_use]
    pub fn secret_access_key(&self) -> &str {
        &self.secret_access_key
    }

    /// The session token, for temporary credentials.
    pub fn session_token(&self) -> Option<&str> {
        self.session_token.as_deref().map(String::as_str)
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"** redacted **")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "** redacted **"),
            )
            .finish()
    }
}

/// Why credentials could not be loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CredentialsError {
    /// The named environment variable is unset, empty or not valid Unicode.
    Missing(&'static str),
}

impl fmt::Display for CredentialsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialsError::Missing(name) => {
                write!(f, "credentials not found: {name} is unset or empty")
            }
        }
    }
}

impl std::error::Error for CredentialsError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_secrets() {
        let c = Credentials::new("AKID", "very-secret", Some("tok3n".into()));
        let shown = format!("{c:?}");
        assert!(shown.contains("AKID"));
        assert!(!shown.contains("very-secret"));
        assert!(!shown.contains("tok3n"));
    }

    #[test]
    fn lookup_requires_id_and_secret_and_ignores_empty_token() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        let c = Credentials::from_lookup(env(&[
            ("AWS_ACCESS_KEY_ID", "A"),
            ("AWS_SECRET_ACCESS_KEY", "S"),
            ("AWS_SESSION_TOKEN", ""),
        ]))
        .unwrap();
        assert_eq!((c.access_key_id(), c.secret_access_key()), ("A", "S"));
        assert_eq!(c.session_token(), None);
        assert_eq!(
            Credentials::from_lookup(env(&[("AWS_ACCESS_KEY_ID", "A")])).unwrap_err(),
            CredentialsError::Missing("AWS_SECRET_ACCESS_KEY")
        );
        assert_eq!(
            Credentials::from_lookup(env(&[("AWS_ACCESS_KEY_ID", "")])).unwrap_err(),
            CredentialsError::Missing("AWS_ACCESS_KEY_ID")
        );
    }
}
