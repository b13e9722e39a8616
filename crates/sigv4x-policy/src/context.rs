//! The request context: who calls, what action on which resource, and the
//! condition keys the request carries.
//!
//! Keys are matched without regard to case, as IAM does. Only keys that are
//! set are present: in particular `aws:ResourceTag/…` is absent unless the
//! caller sets it, because API Gateway does not document it for
//! `execute-api:Invoke` (see the crate docs), and a decision that turned on
//! an absent key says so.

use std::borrow::Cow;
use std::time::SystemTime;

use crate::arn;
use crate::caller::Caller;
use crate::date;

/// The facts of one request that policies are evaluated against.
///
/// ```
/// use sigv4x_policy::RequestContext;
///
/// let ctx = RequestContext::new(
///     "execute-api:Invoke",
///     "arn:aws:execute-api:us-east-1:444455556666:a1b2c3d4e5/prod/GET/orders",
/// )
/// .with_principal("arn:aws:sts::111122223333:assumed-role/orders-lambda/orders-fn")
/// .with_source_vpce("vpce-0a1b2c3d4e5f60718");
///
/// assert_eq!(ctx.value("AWS:PrincipalAccount"), Some("111122223333"));
/// assert_eq!(
///     ctx.value("aws:PrincipalArn"),
///     Some("arn:aws:iam::111122223333:role/orders-lambda")
/// );
/// assert_eq!(ctx.value("aws:ResourceTag/Project"), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestContext {
    action: String,
    resource: String,
    principal: Option<String>,
    keys: Vec<(Cow<'static, str>, Values)>,
}

/// A key's values: one in nearly every request, so kept without a vector of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Values {
    One([String; 1]),
    Many(Vec<String>),
}

impl Values {
    fn collect(values: impl IntoIterator<Item = String>) -> Self {
        let mut values = values.into_iter();
        match (values.next(), values.next()) {
            (Some(one), None) => Values::One([one]),
            (first, second) => {
                Values::Many(first.into_iter().chain(second).chain(values).collect())
            }
        }
    }

    fn as_slice(&self) -> &[String] {
        match self {
            Values::One(one) => one,
            Values::Many(many) => many,
        }
    }
}

/// The names of the keys a request context usually carries, so that setting one does not
/// allocate its name (the gateway sets about a dozen per request).
const KNOWN_KEYS: &[&str] = &[
    "aws:PrincipalArn",
    "aws:PrincipalAccount",
    "aws:PrincipalType",
    "aws:userid",
    "aws:username",
    "aws:SourceVpce",
    "aws:SourceVpc",
    "aws:VpcSourceIp",
    "aws:SourceIp",
    "aws:SecureTransport",
    "aws:CurrentTime",
    "aws:EpochTime",
    "aws:UserAgent",
    "aws:Referer",
];

fn key_name(key: &str) -> Cow<'static, str> {
    match KNOWN_KEYS.iter().find(|k| **k == key) {
        Some(known) => Cow::Borrowed(known),
        None => Cow::Owned(key.to_owned()),
    }
}

/// The context keys this crate sets from [`RequestContext::with_caller`].
const PRINCIPAL_KEYS: &[&str] = &[
    "aws:PrincipalArn",
    "aws:PrincipalAccount",
    "aws:PrincipalType",
    "aws:userid",
    "aws:username",
];

impl RequestContext {
    /// An anonymous request for `action` on `resource`.
    pub fn new(action: impl Into<String>, resource: impl Into<String>) -> Self {
        RequestContext {
            action: action.into(),
            resource: resource.into(),
            principal: None,
            keys: Vec::with_capacity(16),
        }
    }

    /// The caller, from its ARN alone: an IAM user or role ARN, an STS
    /// assumed-role session ARN, a federated user or an account root ARN.
    /// Sets the principal keys as [`with_caller`](Self::with_caller) does;
    /// a session's ARN does not carry its role's path or unique id, so
    /// `aws:PrincipalArn` is then `role/NAME` and `aws:userid` is absent:
    /// use [`Caller`] to give them. Text that is no principal ARN becomes
    /// the caller as is, with `aws:PrincipalArn` equal to it.
    #[must_use]
    pub fn with_principal(self, arn: impl Into<String>) -> Self {
        let arn = arn.into();
        match Caller::new(&arn) {
            Ok(caller) => self.with_caller(&caller),
            Err(_) => self.with_unknown_principal(arn),
        }
    }

    /// The caller, with the principal keys IAM derives from it:
    /// `aws:PrincipalArn` (a role session's role, path included when the
    /// caller was built with it), `aws:PrincipalAccount`,
    /// `aws:PrincipalType`, `aws:username` (IAM users) and `aws:userid`
    /// (when the unique id is known).
    #[must_use]
    pub fn with_caller(mut self, caller: &Caller) -> Self {
        for key in PRINCIPAL_KEYS {
            self.remove(key);
        }
        if let Some(account) = caller.account() {
            self = self.with_key("aws:PrincipalAccount", account);
        }
        self = self
            .with_key("aws:PrincipalArn", caller.principal_arn())
            .with_key("aws:PrincipalType", caller.principal_type());
        if let Some(name) = caller.username() {
            self = self.with_key("aws:username", name);
        }
        if let Some(id) = caller.userid() {
            self = self.with_key("aws:userid", id);
        }
        self.principal = Some(caller.arn().to_owned());
        self
    }

    fn with_unknown_principal(mut self, arn: String) -> Self {
        for key in PRINCIPAL_KEYS {
            self.remove(key);
        }
        if let Some(account) = arn::principal_account(&arn) {
            let account = account.to_owned();
            self = self.with_key("aws:PrincipalAccount", account);
        }
        self = self
            .with_key("aws:PrincipalArn", arn.as_str())
            .with_key("aws:PrincipalType", "AWSPrincipal");
        self.principal = Some(arn);
        self
    }

    /// `aws:SourceVpce`: the VPC endpoint (`vpce-…`) the request came through.
    /// Its presence is also what makes the endpoint policy apply.
    #[must_use]
    pub fn with_source_vpce(self, vpce: impl Into<String>) -> Self {
        self.with_key("aws:SourceVpce", vpce)
    }

    /// `aws:SourceVpc`: the VPC (`vpc-…`) of that endpoint.
    #[must_use]
    pub fn with_source_vpc(self, vpc: impl Into<String>) -> Self {
        self.with_key("aws:SourceVpc", vpc)
    }

    /// `aws:VpcSourceIp`: the caller's private address, for requests through
    /// an endpoint.
    #[must_use]
    pub fn with_vpc_source_ip(self, ip: impl Into<String>) -> Self {
        self.with_key("aws:VpcSourceIp", ip)
    }

    /// `aws:SourceIp`: the caller's public address. Never present on
    /// requests through a VPC endpoint, so leave it unset for those.
    #[must_use]
    pub fn with_source_ip(self, ip: impl Into<String>) -> Self {
        self.with_key("aws:SourceIp", ip)
    }

    /// `aws:SecureTransport`.
    #[must_use]
    pub fn with_secure_transport(self, tls: bool) -> Self {
        self.with_key("aws:SecureTransport", if tls { "true" } else { "false" })
    }

    /// `aws:CurrentTime` (ISO 8601) and `aws:EpochTime`.
    #[must_use]
    pub fn with_current_time(self, now: SystemTime) -> Self {
        let iso = date::format_iso8601(now);
        let epoch = date::epoch_seconds(now).to_string();
        self.with_key("aws:CurrentTime", iso)
            .with_key("aws:EpochTime", epoch)
    }

    /// `aws:PrincipalTag/<tag>`: a tag on the calling role or user.
    #[must_use]
    pub fn with_principal_tag(self, tag: &str, value: impl Into<String>) -> Self {
        self.with_key(&format!("aws:PrincipalTag/{tag}"), value)
    }

    /// `aws:ResourceTag/<tag>`. API Gateway does not document this key for
    /// `execute-api:Invoke`; set it only to model a service that does.
    #[must_use]
    pub fn with_resource_tag(self, tag: &str, value: impl Into<String>) -> Self {
        self.with_key(&format!("aws:ResourceTag/{tag}"), value)
    }

    /// Set any key to one value, replacing what it had.
    #[must_use]
    pub fn with_key(self, key: &str, value: impl Into<String>) -> Self {
        self.with_values(key, [value.into()])
    }

    /// Set a multi-valued key (for `ForAnyValue:`/`ForAllValues:`),
    /// replacing what it had. An empty list is kept as an empty set.
    #[must_use]
    pub fn with_values<I, S>(mut self, key: &str, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.remove(key);
        self.keys.push((
            key_name(key),
            Values::collect(values.into_iter().map(Into::into)),
        ));
        self
    }

    /// Remove a key; true when it was there.
    pub fn remove(&mut self, key: &str) -> bool {
        let before = self.keys.len();
        self.keys.retain(|(k, _)| !k.eq_ignore_ascii_case(key));
        before != self.keys.len()
    }

    /// The action, e.g. `execute-api:Invoke`.
    pub fn action(&self) -> &str {
        &self.action
    }

    /// The resource ARN.
    pub fn resource(&self) -> &str {
        &self.resource
    }

    /// The caller's ARN; `None` for an anonymous request.
    pub fn principal(&self) -> Option<&str> {
        self.principal.as_deref()
    }

    /// The caller's account, when the principal names one.
    pub fn principal_account(&self) -> Option<&str> {
        self.principal.as_deref().and_then(arn::principal_account)
    }

    /// All values of a key (case-insensitive name); `None` when absent.
    pub fn values(&self, key: &str) -> Option<&[String]> {
        self.keys
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_slice())
    }

    /// The first value of a key; `None` when absent or empty.
    pub fn value(&self, key: &str) -> Option<&str> {
        self.values(key).and_then(|v| v.first()).map(String::as_str)
    }

    /// Every key that is set, with its values, in the order they were set.
    pub fn keys(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.keys.iter().map(|(k, v)| (&**k, v.as_slice()))
    }
}

/// Build the ARN API Gateway authorizes for a REST call:
/// `arn:aws:execute-api:<region>:<account>:<api-id>/<stage>/<METHOD>/<path>`.
/// A leading `/` on `path` is dropped.
///
/// ```
/// assert_eq!(
///     sigv4x_policy::execute_api_arn("us-east-1", "444455556666", "a1b2c3d4e5", "prod", "GET", "/orders/7"),
///     "arn:aws:execute-api:us-east-1:444455556666:a1b2c3d4e5/prod/GET/orders/7"
/// );
/// ```
pub fn execute_api_arn(
    region: &str,
    account: &str,
    api_id: &str,
    stage: &str,
    method: &str,
    path: &str,
) -> String {
    let path = path.strip_prefix('/').unwrap_or(path);
    // Pieces pushed into one buffer of the right size: `format!` grew one from empty.
    let pieces = [
        "arn:aws:execute-api:",
        region,
        ":",
        account,
        ":",
        api_id,
        "/",
        stage,
        "/",
        method,
        "/",
        path,
    ];
    let mut arn = String::with_capacity(pieces.iter().map(|p| p.len()).sum());
    for piece in pieces {
        arn.push_str(piece);
    }
    arn
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Known key names are kept without allocating, others by copy; both read back the same
    /// way, whatever their case, and one value or several keep their order.
    #[test]
    fn known_and_other_keys_agree() {
        assert!(matches!(key_name("aws:SourceVpce"), Cow::Borrowed(_)));
        assert!(matches!(key_name("aws:sourcevpce"), Cow::Owned(_)));
        assert!(matches!(key_name("aws:PrincipalTag/team"), Cow::Owned(_)));
        let ctx = RequestContext::new("s3:GetObject", "arn:aws:s3:::b/k")
            .with_key("aws:SourceVpce", "vpce-1")
            .with_key("aws:sourceVPC", "vpc-1")
            .with_values("x:Many", ["a", "b"])
            .with_values("x:None", Vec::<String>::new());
        assert_eq!(ctx.value("AWS:SOURCEVPCE"), Some("vpce-1"));
        assert_eq!(ctx.value("aws:SourceVpc"), Some("vpc-1"));
        assert_eq!(
            ctx.values("x:many"),
            Some(&["a".to_owned(), "b".to_owned()][..])
        );
        assert_eq!(ctx.values("x:none"), Some(&[][..]));
    }
}
