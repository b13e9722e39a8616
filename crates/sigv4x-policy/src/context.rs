//! The request context: who calls, what action on which resource, and the
//! condition keys the request carries.
//!
//! Keys are matched without regard to case, as IAM does. Only keys that are
//! set are present: in particular `aws:ResourceTag/…` is absent unless the
//! caller sets it, because API Gateway does not document it for
//! `execute-api:Invoke` (see the crate docs), and a decision that turned on
//! an absent key says so.

use std::fmt;
use std::iter::FusedIterator;
use std::time::SystemTime;

use crate::arn;
use crate::caller::Caller;
use crate::date;

/// The facts of one request that policies are evaluated against.
///
/// All text lives in one buffer that the context owns, reserved up front:
/// building the context the gateway builds for a request (caller, tags,
/// endpoint, addresses, time, user agent) allocates that buffer and the key
/// list, nothing else. Setting a key again replaces it; the text of the old
/// value stays in the buffer, unread, until the context is dropped.
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
#[derive(Clone)]
pub struct RequestContext {
    /// Every piece of text: action, resource, principal, key names that are
    /// not [`KNOWN_KEYS`], values.
    text: String,
    action: Span,
    resource: Span,
    principal: Option<Span>,
    keys: Vec<Entry>,
    /// The values of keys with other than one value, each key a run of them.
    spans: Vec<Span>,
}

/// Where a piece of text lies in [`RequestContext::text`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    start: usize,
    end: usize,
}

/// One key that is set.
#[derive(Debug, Clone, Copy)]
struct Entry {
    name: Name,
    values: Run,
}

/// A key's name: one of [`KNOWN_KEYS`] or text of the context.
#[derive(Debug, Clone, Copy)]
enum Name {
    Known(&'static str),
    Text(Span),
}

/// A key's values: one in nearly every request, so kept without a run of
/// [`RequestContext::spans`].
#[derive(Debug, Clone, Copy)]
enum Run {
    One(Span),
    /// `spans[start..end]`, empty for an empty set.
    Spans {
        start: usize,
        end: usize,
    },
}

/// The names of the keys a request context usually carries, so that setting one does not
/// copy its name (the gateway sets about a dozen per request).
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

/// The context keys this crate sets from [`RequestContext::with_caller`].
const PRINCIPAL_KEYS: &[&str] = &[
    "aws:PrincipalArn",
    "aws:PrincipalAccount",
    "aws:PrincipalType",
    "aws:userid",
    "aws:username",
];

/// Room for the text of the keys besides action and resource: those the
/// gateway sets come to about 400 bytes with a short user agent, and SDK
/// user agents run to 200.
const TEXT_ROOM: usize = 640;

/// Room for keys: the gateway sets about a dozen.
const KEY_ROOM: usize = 16;

fn span_text(text: &str, span: Span) -> &str {
    text.get(span.start..span.end).unwrap_or_default()
}

/// The values of one key of a [`RequestContext`], borrowed from it, in the
/// order they were set. Empty for a key set to an empty set.
///
/// ```
/// use sigv4x_policy::RequestContext;
///
/// let ctx = RequestContext::new("s3:ListBucket", "arn:aws:s3:::b")
///     .with_values("aws:TagKeys", ["team", "cost-center"]);
/// let values = ctx.values("aws:tagkeys").unwrap();
/// assert_eq!(values.len(), 2);
/// assert_eq!(values.collect::<Vec<_>>(), ["team", "cost-center"]);
/// ```
#[derive(Clone)]
pub struct KeyValues<'a> {
    text: &'a str,
    spans: std::slice::Iter<'a, Span>,
}

impl KeyValues<'_> {
    /// No values left (a key set to an empty set has none at all).
    pub fn is_empty(&self) -> bool {
        self.spans.len() == 0
    }
}

impl<'a> Iterator for KeyValues<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let text = self.text;
        self.spans.next().map(|span| span_text(text, *span))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.spans.size_hint()
    }
}

impl DoubleEndedIterator for KeyValues<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        let text = self.text;
        self.spans.next_back().map(|span| span_text(text, *span))
    }
}

impl ExactSizeIterator for KeyValues<'_> {}

impl FusedIterator for KeyValues<'_> {}

impl fmt::Debug for KeyValues<'_> {
    /// The values left, as a list.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

impl RequestContext {
    /// An anonymous request for `action` on `resource`.
    pub fn new(action: impl AsRef<str>, resource: impl AsRef<str>) -> Self {
        let (action, resource) = (action.as_ref(), resource.as_ref());
        let room = action
            .len()
            .saturating_add(resource.len())
            .saturating_add(TEXT_ROOM);
        let mut ctx = RequestContext {
            text: String::with_capacity(room),
            action: Span { start: 0, end: 0 },
            resource: Span { start: 0, end: 0 },
            principal: None,
            keys: Vec::with_capacity(KEY_ROOM),
            spans: Vec::new(),
        };
        ctx.action = ctx.push_text(&[action]);
        ctx.resource = ctx.push_text(&[resource]);
        ctx
    }

    /// The caller, from its ARN alone: an IAM user or role ARN, an STS
    /// assumed-role session ARN, a federated user or an account root ARN.
    /// Sets the principal keys as [`with_caller`](Self::with_caller) does;
    /// a session's ARN does not carry its role's path or unique id, so
    /// `aws:PrincipalArn` is then `role/NAME` and `aws:userid` is absent:
    /// use [`Caller`] to give them. Text that is no principal ARN becomes
    /// the caller as is, with `aws:PrincipalArn` equal to it.
    #[must_use]
    pub fn with_principal(self, arn: impl AsRef<str>) -> Self {
        let arn = arn.as_ref();
        match Caller::new(arn) {
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
            self.set(Name::Known("aws:PrincipalAccount"), &[account]);
        }
        self.set(Name::Known("aws:PrincipalArn"), &[caller.principal_arn()]);
        self.set(Name::Known("aws:PrincipalType"), &[caller.principal_type()]);
        if let Some(name) = caller.username() {
            self.set(Name::Known("aws:username"), &[name]);
        }
        match caller.userid_parts() {
            Some((first, Some(second))) => {
                self.set(Name::Known("aws:userid"), &[first, ":", second])
            }
            Some((first, None)) => self.set(Name::Known("aws:userid"), &[first]),
            None => {}
        }
        self.principal = Some(self.push_text(&[caller.arn()]));
        self
    }

    fn with_unknown_principal(mut self, arn: &str) -> Self {
        for key in PRINCIPAL_KEYS {
            self.remove(key);
        }
        if let Some(account) = arn::principal_account(arn) {
            self.set(Name::Known("aws:PrincipalAccount"), &[account]);
        }
        let principal = self.push_text(&[arn]);
        self.keys.push(Entry {
            name: Name::Known("aws:PrincipalArn"),
            values: Run::One(principal),
        });
        self.set(Name::Known("aws:PrincipalType"), &["AWSPrincipal"]);
        self.principal = Some(principal);
        self
    }

    /// `aws:SourceVpce`: the VPC endpoint (`vpce-…`) the request came through.
    /// Its presence is also what makes the endpoint policy apply.
    #[must_use]
    pub fn with_source_vpce(self, vpce: impl AsRef<str>) -> Self {
        self.with_key("aws:SourceVpce", vpce)
    }

    /// `aws:SourceVpc`: the VPC (`vpc-…`) of that endpoint.
    #[must_use]
    pub fn with_source_vpc(self, vpc: impl AsRef<str>) -> Self {
        self.with_key("aws:SourceVpc", vpc)
    }

    /// `aws:VpcSourceIp`: the caller's private address, for requests through
    /// an endpoint.
    #[must_use]
    pub fn with_vpc_source_ip(self, ip: impl AsRef<str>) -> Self {
        self.with_key("aws:VpcSourceIp", ip)
    }

    /// `aws:SourceIp`: the caller's public address. Never present on
    /// requests through a VPC endpoint, so leave it unset for those.
    #[must_use]
    pub fn with_source_ip(self, ip: impl AsRef<str>) -> Self {
        self.with_key("aws:SourceIp", ip)
    }

    /// `aws:SecureTransport`.
    #[must_use]
    pub fn with_secure_transport(self, tls: bool) -> Self {
        self.with_key("aws:SecureTransport", if tls { "true" } else { "false" })
    }

    /// `aws:CurrentTime` (ISO 8601) and `aws:EpochTime`.
    #[must_use]
    pub fn with_current_time(mut self, now: SystemTime) -> Self {
        self.set_written("aws:CurrentTime", |text| date::push_iso8601(now, text));
        self.set_written("aws:EpochTime", |text| date::push_epoch_seconds(now, text));
        self
    }

    /// `aws:PrincipalTag/<tag>`: a tag on the calling role or user.
    #[must_use]
    pub fn with_principal_tag(self, tag: &str, value: impl AsRef<str>) -> Self {
        self.with_prefixed_key("aws:PrincipalTag/", tag, value.as_ref())
    }

    /// `aws:ResourceTag/<tag>`. API Gateway does not document this key for
    /// `execute-api:Invoke`; set it only to model a service that does.
    #[must_use]
    pub fn with_resource_tag(self, tag: &str, value: impl AsRef<str>) -> Self {
        self.with_prefixed_key("aws:ResourceTag/", tag, value.as_ref())
    }

    /// A key named `prefix` + `tag`, its name written into the text.
    fn with_prefixed_key(mut self, prefix: &str, tag: &str, value: &str) -> Self {
        let name = self.push_text(&[prefix, tag]);
        self.remove_name(name);
        self.set(Name::Text(name), &[value]);
        self
    }

    /// Set any key to one value, replacing what it had.
    #[must_use]
    pub fn with_key(mut self, key: &str, value: impl AsRef<str>) -> Self {
        self.remove(key);
        let name = self.name(key);
        self.set(name, &[value.as_ref()]);
        self
    }

    /// Set a multi-valued key (for `ForAnyValue:`/`ForAllValues:`),
    /// replacing what it had. An empty list is kept as an empty set.
    #[must_use]
    pub fn with_values<I, S>(mut self, key: &str, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.remove(key);
        let name = self.name(key);
        let mut values = values.into_iter();
        let first = values.next().map(|v| self.push_text(&[v.as_ref()]));
        let second = values.next().map(|v| self.push_text(&[v.as_ref()]));
        let run = match (first, second) {
            (Some(one), None) => Run::One(one),
            (first, second) => {
                let start = self.spans.len();
                self.spans.extend(first.into_iter().chain(second));
                for value in values {
                    let span = self.push_text(&[value.as_ref()]);
                    self.spans.push(span);
                }
                Run::Spans {
                    start,
                    end: self.spans.len(),
                }
            }
        };
        self.keys.push(Entry { name, values: run });
        self
    }

    /// Remove a key; true when it was there.
    pub fn remove(&mut self, key: &str) -> bool {
        let before = self.keys.len();
        let text = &self.text;
        self.keys
            .retain(|entry| !name_text(text, entry.name).eq_ignore_ascii_case(key));
        before != self.keys.len()
    }

    /// [`remove`](Self::remove) for a name already in the text.
    fn remove_name(&mut self, name: Span) {
        let text = &self.text;
        let key = span_text(text, name);
        self.keys
            .retain(|entry| !name_text(text, entry.name).eq_ignore_ascii_case(key));
    }

    /// The name to keep for `key`: a known one as is, any other copied into
    /// the text.
    fn name(&mut self, key: &str) -> Name {
        match KNOWN_KEYS.iter().find(|k| **k == key) {
            Some(&known) => Name::Known(known),
            None => Name::Text(self.push_text(&[key])),
        }
    }

    /// Add a key (already removed) with one value, the concatenation of `pieces`.
    fn set(&mut self, name: Name, pieces: &[&str]) {
        let value = self.push_text(pieces);
        self.keys.push(Entry {
            name,
            values: Run::One(value),
        });
    }

    /// Set a known key to the value `write` appends to the text.
    fn set_written(&mut self, key: &'static str, write: impl FnOnce(&mut String)) {
        self.remove(key);
        let start = self.text.len();
        write(&mut self.text);
        let value = Span {
            start,
            end: self.text.len(),
        };
        self.keys.push(Entry {
            name: Name::Known(key),
            values: Run::One(value),
        });
    }

    /// Append the concatenation of `pieces` to the text.
    fn push_text(&mut self, pieces: &[&str]) -> Span {
        let start = self.text.len();
        for piece in pieces {
            self.text.push_str(piece);
        }
        Span {
            start,
            end: self.text.len(),
        }
    }

    /// The action, e.g. `execute-api:Invoke`.
    pub fn action(&self) -> &str {
        span_text(&self.text, self.action)
    }

    /// The resource ARN.
    pub fn resource(&self) -> &str {
        span_text(&self.text, self.resource)
    }

    /// The caller's ARN; `None` for an anonymous request.
    pub fn principal(&self) -> Option<&str> {
        self.principal.map(|span| span_text(&self.text, span))
    }

    /// The caller's account, when the principal names one.
    pub fn principal_account(&self) -> Option<&str> {
        self.principal().and_then(arn::principal_account)
    }

    /// All values of a key (case-insensitive name), borrowed; `None` when
    /// absent, and empty when the key was set to an empty set.
    pub fn values(&self, key: &str) -> Option<KeyValues<'_>> {
        self.keys
            .iter()
            .find(|entry| name_text(&self.text, entry.name).eq_ignore_ascii_case(key))
            .map(|entry| self.entry_values(entry))
    }

    /// The first value of a key; `None` when absent or empty.
    pub fn value(&self, key: &str) -> Option<&str> {
        self.values(key).and_then(|mut values| values.next())
    }

    /// Every key that is set, with its values, in the order they were set.
    pub fn keys(&self) -> impl Iterator<Item = (&str, KeyValues<'_>)> {
        self.keys
            .iter()
            .map(|entry| (name_text(&self.text, entry.name), self.entry_values(entry)))
    }

    fn entry_values<'a>(&'a self, entry: &'a Entry) -> KeyValues<'a> {
        let spans = match &entry.values {
            Run::One(one) => std::slice::from_ref(one),
            Run::Spans { start, end } => self.spans.get(*start..*end).unwrap_or_default(),
        };
        KeyValues {
            text: &self.text,
            spans: spans.iter(),
        }
    }
}

fn name_text(text: &str, name: Name) -> &str {
    match name {
        Name::Known(known) => known,
        Name::Text(span) => span_text(text, span),
    }
}

impl PartialEq for RequestContext {
    /// Equal when action, resource, caller and keys (names, values, order)
    /// are; text left behind by replaced keys does not count.
    fn eq(&self, other: &Self) -> bool {
        self.action() == other.action()
            && self.resource() == other.resource()
            && self.principal() == other.principal()
            && self.keys.len() == other.keys.len()
            && self
                .keys()
                .zip(other.keys())
                .all(|((name, values), (other_name, other_values))| {
                    name == other_name && values.eq(other_values)
                })
    }
}

impl Eq for RequestContext {}

impl fmt::Debug for RequestContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestContext")
            .field("action", &self.action())
            .field("resource", &self.resource())
            .field("principal", &self.principal())
            .field("keys", &Keys(self))
            .finish()
    }
}

/// The keys of a context, for `Debug`: `{"name": ["value", …], …}`.
struct Keys<'a>(&'a RequestContext);

impl fmt::Debug for Keys<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.0.keys()).finish()
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

    fn all(values: Option<KeyValues<'_>>) -> Option<Vec<&str>> {
        values.map(Iterator::collect)
    }

    /// Known key names are kept as they are, others copied into the text; both read back the
    /// same way, whatever their case, and one value or several keep their order.
    #[test]
    fn known_and_other_keys_agree() {
        let ctx = RequestContext::new("s3:GetObject", "arn:aws:s3:::b/k")
            .with_key("aws:SourceVpce", "vpce-1")
            .with_key("aws:sourceVPC", "vpc-1")
            .with_values("x:Many", ["a", "b", "c"])
            .with_values("x:None", Vec::<String>::new());
        assert!(matches!(ctx.keys[0].name, Name::Known(_)));
        assert!(matches!(ctx.keys[1].name, Name::Text(_)));
        assert_eq!(ctx.value("AWS:SOURCEVPCE"), Some("vpce-1"));
        assert_eq!(ctx.value("aws:SourceVpc"), Some("vpc-1"));
        assert_eq!(all(ctx.values("x:many")), Some(vec!["a", "b", "c"]));
        assert_eq!(all(ctx.values("x:none")), Some(vec![]));
        assert!(ctx.values("x:none").is_some_and(|v| v.is_empty()));
        assert_eq!(ctx.value("x:none"), None);
        assert_eq!(all(ctx.values("x:absent")), None);
        let names: Vec<&str> = ctx.keys().map(|(name, _)| name).collect();
        assert_eq!(
            names,
            ["aws:SourceVpce", "aws:sourceVPC", "x:Many", "x:None"]
        );
        assert_eq!(ctx.action(), "s3:GetObject");
        assert_eq!(ctx.resource(), "arn:aws:s3:::b/k");
        assert_eq!(ctx.principal(), None);
    }

    /// A key set again, in any case, replaces the old one and moves to the end; the text the
    /// old value leaves behind changes neither reads nor equality.
    #[test]
    fn replacing_keeps_reads_and_equality() {
        let replaced = RequestContext::new("a:b", "r")
            .with_values("x:Many", ["a", "b"])
            .with_key("aws:SourceVpce", "vpce-old")
            .with_principal_tag("team", "old")
            .with_key("AWS:SOURCEVPCE", "vpce-new")
            .with_values("x:many", ["c"])
            .with_principal_tag("Team", "new")
            .with_current_time(std::time::UNIX_EPOCH)
            .with_current_time(std::time::UNIX_EPOCH + std::time::Duration::from_secs(60));
        let direct = RequestContext::new("a:b", "r")
            .with_key("AWS:SOURCEVPCE", "vpce-new")
            .with_values("x:many", ["c"])
            .with_key("aws:PrincipalTag/Team", "new")
            .with_key("aws:CurrentTime", "1970-01-01T00:01:00Z")
            .with_key("aws:EpochTime", "60");
        assert_eq!(replaced, direct);
        assert_eq!(replaced.clone(), direct);
        assert_eq!(format!("{replaced:?}"), format!("{direct:?}"));
        assert!(replaced.text.len() > direct.text.len());
        assert_eq!(replaced.keys().count(), 5);
        assert_eq!(all(replaced.values("x:MANY")), Some(vec!["c"]));
        assert_ne!(direct.clone().with_key("aws:EpochTime", "61"), direct);
        assert_ne!(direct.clone().with_values("x:many", ["c", "d"]), direct);
        let mut removed = direct.clone();
        assert!(removed.remove("aws:sourcevpce"));
        assert!(!removed.remove("aws:sourcevpce"));
        assert_eq!(removed.value("aws:SourceVpce"), None);
        assert_ne!(removed, direct);
    }

    #[test]
    fn principals_known_and_not() {
        let session = "arn:aws:sts::111122223333:assumed-role/app/s1";
        let ctx = RequestContext::new("a:b", "r").with_principal(session);
        assert_eq!(ctx.principal(), Some(session));
        assert_eq!(ctx.principal_account(), Some("111122223333"));
        assert_eq!(ctx.value("aws:PrincipalType"), Some("AssumedRole"));
        assert_eq!(ctx.value("aws:userid"), None);
        let other = ctx.with_principal("someone");
        assert_eq!(other.principal(), Some("someone"));
        assert_eq!(other.value("aws:PrincipalArn"), Some("someone"));
        assert_eq!(other.value("aws:PrincipalAccount"), None);
        assert_eq!(other.value("aws:PrincipalType"), Some("AWSPrincipal"));
        assert_eq!(other.keys().count(), 2);
    }

    #[test]
    fn key_values_iterate_both_ways() {
        let ctx = RequestContext::new("a:b", "r").with_values("x:k", ["1", "2", "3"]);
        let mut values = ctx.values("x:k").unwrap();
        assert_eq!(values.len(), 3);
        assert_eq!(format!("{values:?}"), r#"["1", "2", "3"]"#);
        assert_eq!(values.next_back(), Some("3"));
        assert_eq!(values.next(), Some("1"));
        assert_eq!(values.len(), 1);
        assert_eq!(values.clone().collect::<Vec<_>>(), ["2"]);
        assert_eq!(values.next(), Some("2"));
        assert!(values.is_empty());
        assert_eq!(values.next(), None);
    }
}
