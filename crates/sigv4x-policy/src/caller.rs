//! Who calls: the principal's ARN and what IAM knows about it beyond the
//! ARN (a role's path, the principal's unique id), and the principal keys
//! IAM derives from them.
//!
//! From "IAM policy elements: Variables and tags", principal key values
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#principaltable>)
//! and "AWS global condition context keys" (`aws:PrincipalArn`):
//!
//! | caller | `aws:username` | `aws:userid` | `aws:PrincipalArn` |
//! |---|---|---|---|
//! | account root | absent | account id | `…:root` |
//! | IAM user | friendly name | unique id (`AIDA…`) | user ARN |
//! | role session | absent | `role-id:session-name` (`AROA…:s1`) | the *role's* ARN, path included |
//! | federated user | absent | `account:caller-specified-name` | the federated-user ARN |
//!
//! An assumed-role ARN does not carry the role's path, so a caller built
//! from it alone reports `role/name`; give the role ARN
//! ([`Caller::role_session`], [`Caller::with_role_arn`]) to keep the path.
//! The unique id is not in any ARN: give it with [`Caller::with_unique_id`],
//! or `aws:userid` stays absent.

use std::fmt;

use crate::arn::{self, Arn};

/// The calling principal, with everything the principal condition keys need.
///
/// ```
/// use sigv4x_policy::{Caller, RequestContext};
///
/// let caller = Caller::role_session("arn:aws:iam::111122223333:role/svc/app-role", "s1")?
///     .with_unique_id("AROAEXAMPLEID1234567")?;
/// assert_eq!(caller.arn(), "arn:aws:sts::111122223333:assumed-role/app-role/s1");
/// let ctx = RequestContext::new("execute-api:Invoke", "arn:aws:execute-api:us-east-1:444455556666:a1/prod/GET/x")
///     .with_caller(&caller);
/// assert_eq!(ctx.value("aws:PrincipalArn"), Some("arn:aws:iam::111122223333:role/svc/app-role"));
/// assert_eq!(ctx.value("aws:userid"), Some("AROAEXAMPLEID1234567:s1"));
/// # Ok::<(), sigv4x_policy::CallerError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    arn: String,
    principal_arn: String,
    kind: Kind,
    unique_id: Option<String>,
}

/// The shapes of principal ARN this crate knows.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Root,
    User { name: String },
    Role,
    Session { session: String },
    FederatedUser { name: String },
}

/// A caller that cannot be built as given.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallerError {
    /// Not an account root, IAM user or role, STS assumed-role session or
    /// federated-user ARN.
    NotAPrincipal {
        /// The text given.
        arn: String,
    },
    /// [`Caller::role_session`] or [`Caller::with_role_arn`] was given
    /// something other than an IAM role ARN.
    NotARole {
        /// The text given.
        arn: String,
    },
    /// [`Caller::with_role_arn`] on a caller that is not a role session,
    /// or with a role that is not the session's (another name, account or
    /// partition).
    NotTheSessionsRole {
        /// The caller's ARN.
        caller: String,
        /// The role ARN given.
        role: String,
    },
    /// A session name outside STS's rules: 2 to 64 characters of letters,
    /// digits and `+=,.@-_`.
    InvalidSessionName {
        /// The name given.
        name: String,
    },
    /// A unique id that is not IAM's: `AIDA…` for users, `AROA…` for
    /// roles, upper-case letters and digits.
    InvalidUniqueId {
        /// The id given.
        id: String,
        /// The prefix this caller's ids have.
        expected_prefix: &'static str,
    },
    /// This kind of caller has no unique id of its own (an account root's
    /// `aws:userid` is its account id; a federated user's is derived).
    NoUniqueId {
        /// The caller's ARN.
        caller: String,
    },
}

impl fmt::Display for CallerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallerError::NotAPrincipal { arn } => write!(
                f,
                "`{arn}` is not a principal ARN (account root, IAM user or role, assumed-role session, federated user)"
            ),
            CallerError::NotARole { arn } => write!(f, "`{arn}` is not an IAM role ARN"),
            CallerError::NotTheSessionsRole { caller, role } => write!(
                f,
                "`{role}` is not the role of `{caller}` (a role ARN adds only a path to the session's role)"
            ),
            CallerError::InvalidSessionName { name } => write!(
                f,
                "`{name}` is not a session name: 2 to 64 letters, digits or +=,.@-_"
            ),
            CallerError::InvalidUniqueId {
                id,
                expected_prefix,
            } => write!(
                f,
                "`{id}` is not this principal's unique id: it starts with {expected_prefix} and has only upper-case letters and digits"
            ),
            CallerError::NoUniqueId { caller } => {
                write!(f, "`{caller}` has no unique id of its own")
            }
        }
    }
}

impl std::error::Error for CallerError {}

impl Caller {
    /// A caller from its ARN: an account root (`arn:aws:iam::…:root`), an
    /// IAM user or role, an STS assumed-role session or a federated user.
    ///
    /// # Errors
    /// [`CallerError::NotAPrincipal`] for anything else.
    pub fn new(arn: &str) -> Result<Caller, CallerError> {
        let not = || CallerError::NotAPrincipal {
            arn: arn.to_owned(),
        };
        let parsed = Arn::parse(arn).ok_or_else(not)?;
        if !arn::is_account_id(parsed.account) || !parsed.region.is_empty() {
            return Err(not());
        }
        let last = |path: &str| path.rsplit('/').next().unwrap_or(path).to_owned();
        let kind = match (parsed.service, parsed.resource) {
            ("iam", "root") => Kind::Root,
            ("iam", r) if r.starts_with("user/") => Kind::User { name: last(r) },
            ("iam", r) if r.starts_with("role/") => Kind::Role,
            ("sts", r) if r.starts_with("federated-user/") => Kind::FederatedUser { name: last(r) },
            ("sts", _) => match arn::session_parts(arn) {
                Some((_, _, session)) => Kind::Session {
                    session: session.to_owned(),
                },
                None => return Err(not()),
            },
            _ => return Err(not()),
        };
        if matches!(&kind, Kind::User { name } | Kind::FederatedUser { name } if name.is_empty())
            || (kind == Kind::Role && last(parsed.resource).is_empty())
        {
            return Err(not());
        }
        let principal_arn = match &kind {
            Kind::Session { .. } => arn::role_of_session(arn).map_or_else(String::new, |(_, r)| r),
            _ => arn.to_owned(),
        };
        Ok(Caller {
            arn: arn.to_owned(),
            principal_arn,
            kind,
            unique_id: None,
        })
    }

    /// A session of `role_arn` (path kept) named `session_name`: the caller
    /// ARN is `arn:…:sts::ACCOUNT:assumed-role/NAME/SESSION`, and
    /// `aws:PrincipalArn` is `role_arn` itself.
    ///
    /// # Errors
    /// [`CallerError::NotARole`], [`CallerError::InvalidSessionName`].
    pub fn role_session(role_arn: &str, session_name: &str) -> Result<Caller, CallerError> {
        let not_role = || CallerError::NotARole {
            arn: role_arn.to_owned(),
        };
        let role = Caller::new(role_arn).map_err(|_| not_role())?;
        if role.kind != Kind::Role {
            return Err(not_role());
        }
        if !is_session_name(session_name) {
            return Err(CallerError::InvalidSessionName {
                name: session_name.to_owned(),
            });
        }
        let parsed = Arn::parse(role_arn).ok_or_else(not_role)?;
        let name = parsed.resource.rsplit('/').next().unwrap_or_default();
        let session_arn = format!(
            "arn:{}:sts::{}:assumed-role/{name}/{session_name}",
            parsed.partition, parsed.account
        );
        Caller::new(&session_arn)?.with_role_arn(role_arn)
    }

    /// For a role session, the role's full ARN (with its path), which
    /// becomes `aws:PrincipalArn`.
    ///
    /// # Errors
    /// [`CallerError::NotARole`], [`CallerError::NotTheSessionsRole`].
    pub fn with_role_arn(mut self, role_arn: &str) -> Result<Caller, CallerError> {
        let is_role = Caller::new(role_arn).is_ok_and(|r| r.kind == Kind::Role);
        if !is_role {
            return Err(CallerError::NotARole {
                arn: role_arn.to_owned(),
            });
        }
        if !arn::is_role_of_session(role_arn, &self.arn) {
            return Err(CallerError::NotTheSessionsRole {
                caller: self.arn,
                role: role_arn.to_owned(),
            });
        }
        self.principal_arn = role_arn.to_owned();
        Ok(self)
    }

    /// The principal's unique id: `AIDA…` for an IAM user, the role's
    /// `AROA…` for a role or role session. It makes `aws:userid`.
    ///
    /// # Errors
    /// [`CallerError::InvalidUniqueId`], [`CallerError::NoUniqueId`].
    pub fn with_unique_id(mut self, id: &str) -> Result<Caller, CallerError> {
        let prefix = match self.kind {
            Kind::User { .. } => "AIDA",
            Kind::Role | Kind::Session { .. } => "AROA",
            Kind::Root | Kind::FederatedUser { .. } => {
                return Err(CallerError::NoUniqueId { caller: self.arn })
            }
        };
        let shaped = id.len() >= 16
            && id.len() <= 128
            && id.starts_with(prefix)
            && id
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if !shaped {
            return Err(CallerError::InvalidUniqueId {
                id: id.to_owned(),
                expected_prefix: prefix,
            });
        }
        self.unique_id = Some(id.to_owned());
        Ok(self)
    }

    /// The caller's ARN, as API Gateway reports it (a session's ARN for a
    /// role session).
    pub fn arn(&self) -> &str {
        &self.arn
    }

    /// `aws:PrincipalArn`: the role's ARN for a role session.
    pub fn principal_arn(&self) -> &str {
        &self.principal_arn
    }

    /// `aws:PrincipalType`.
    pub fn principal_type(&self) -> &'static str {
        match self.kind {
            Kind::Root => "Account",
            Kind::User { .. } => "User",
            Kind::Session { .. } => "AssumedRole",
            Kind::FederatedUser { .. } => "FederatedUser",
            Kind::Role => "AWSPrincipal",
        }
    }

    /// The caller's account.
    pub fn account(&self) -> Option<&str> {
        arn::principal_account(&self.arn)
    }

    /// `aws:username`: an IAM user's friendly name; absent for the others.
    pub fn username(&self) -> Option<&str> {
        match &self.kind {
            Kind::User { name } => Some(name),
            _ => None,
        }
    }

    /// `aws:userid`, when known: see the module table.
    pub fn userid(&self) -> Option<String> {
        self.userid_parts().map(|(first, second)| match second {
            Some(second) => format!("{first}:{second}"),
            None => first.to_owned(),
        })
    }

    /// `aws:userid` in its parts, `first` or `first:second`, so that a request
    /// context can copy it into its own text without building it first.
    pub(crate) fn userid_parts(&self) -> Option<(&str, Option<&str>)> {
        match (&self.kind, &self.unique_id) {
            (Kind::Root, _) => self.account().map(|account| (account, None)),
            (Kind::FederatedUser { name }, _) => {
                self.account().map(|account| (account, Some(name.as_str())))
            }
            (Kind::Session { session }, Some(id)) => Some((id.as_str(), Some(session.as_str()))),
            (Kind::User { .. } | Kind::Role, Some(id)) => Some((id.as_str(), None)),
            (_, None) => None,
        }
    }
}

/// STS `RoleSessionName`: `[\w+=,.@-]{2,64}`.
fn is_session_name(name: &str) -> bool {
    (2..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@-_".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principal_keys_per_kind() {
        let user = Caller::new("arn:aws:iam::111122223333:user/dev/alice")
            .unwrap()
            .with_unique_id("AIDAEXAMPLEID1234567")
            .unwrap();
        assert_eq!(user.username(), Some("alice"));
        assert_eq!(user.userid().as_deref(), Some("AIDAEXAMPLEID1234567"));
        assert_eq!(user.principal_type(), "User");

        let root = Caller::new("arn:aws:iam::111122223333:root").unwrap();
        assert_eq!(root.userid().as_deref(), Some("111122223333"));
        assert_eq!(root.username(), None);

        let fed = Caller::new("arn:aws:sts::111122223333:federated-user/bob").unwrap();
        assert_eq!(fed.userid().as_deref(), Some("111122223333:bob"));

        let session = Caller::new("arn:aws:sts::111122223333:assumed-role/app/s1").unwrap();
        assert_eq!(session.userid(), None);
        assert_eq!(
            session.principal_arn(),
            "arn:aws:iam::111122223333:role/app"
        );
    }

    #[test]
    fn role_paths_and_ids_are_checked() {
        let session = Caller::new("arn:aws:sts::111122223333:assumed-role/app/s1").unwrap();
        let with_path = session
            .clone()
            .with_role_arn("arn:aws:iam::111122223333:role/svc/app")
            .unwrap();
        assert_eq!(
            with_path.principal_arn(),
            "arn:aws:iam::111122223333:role/svc/app"
        );
        assert!(session
            .clone()
            .with_role_arn("arn:aws:iam::111122223333:role/svc/other")
            .is_err());
        assert!(session
            .clone()
            .with_role_arn("arn:aws:iam::444455556666:role/app")
            .is_err());
        assert!(session
            .clone()
            .with_unique_id("AIDAEXAMPLEID1234567")
            .is_err());
        assert!(session.with_unique_id("AROA-bad").is_err());
        assert!(Caller::role_session("arn:aws:iam::111122223333:role/app", "s").is_err());
        assert!(Caller::role_session("arn:aws:iam::111122223333:user/app", "s1").is_err());
        for bad in [
            "arn:aws:iam::111122223333:group/g",
            "arn:aws:iam::11112222333:user/u",
            "arn:aws:iam::111122223333:user/",
            "arn:aws:sts::111122223333:assumed-role/app",
            "111122223333",
        ] {
            assert!(Caller::new(bad).is_err(), "{bad}");
        }
    }
}
