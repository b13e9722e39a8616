//! The gateway's configuration: from a TOML file, or built in code. Both produce the same
//! [`GatewayConfig`].
//!
//! Policy files named in a TOML file are read relative to that file's folder.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::GatewayError;
use crate::layer::DEFAULT_MAX_BODY_BYTES;

/// Everything a gateway needs: accounts, APIs, principals, VPC endpoints, listeners, and where
/// the audit log goes.
///
/// ```
/// use sigv4x_gateway::{ApiConfig, GatewayConfig, ListenerConfig, PolicySource, RouteConfig};
///
/// let config = GatewayConfig::from_toml_str(r#"
///     [[accounts]]
///     id = "444455556666"
///
///     [[apis]]
///     id = "a1b2c3d4e5"
///     account = "444455556666"
///     region = "us-east-1"
///     stages = ["prod"]
///     resource_policy = "policy.json"
///
///     [[apis.routes]]
///     method = "GET"
///     path = "/orders"
///     response = { status = 200, body = '{"orders": []}' }
///
///     [[listeners]]
///     address = "127.0.0.1:0"
/// "#, None)?;
/// assert_eq!(config.apis[0].routes[0].path, "/orders");
///
/// // The same in code.
/// let in_code = GatewayConfig::new()
///     .account("444455556666", None)
///     .api(
///         ApiConfig::new("a1b2c3d4e5", "444455556666", "us-east-1")
///             .stage("prod")
///             .resource_policy(PolicySource::file("policy.json"))
///             .route(RouteConfig::respond("GET", "/orders", 200, r#"{"orders": []}"#)),
///     )
///     .listener(ListenerConfig::new("127.0.0.1:0".parse()?));
/// assert_eq!(in_code.apis[0].routes[0].path, config.apis[0].routes[0].path);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct GatewayConfig {
    /// Limits that apply to every request.
    #[serde(default)]
    pub settings: Settings,
    /// Where the audit log goes.
    #[serde(default)]
    pub audit: AuditConfig,
    /// The AWS accounts taking part.
    #[serde(default)]
    pub accounts: Vec<AccountConfig>,
    /// The private APIs.
    #[serde(default)]
    pub apis: Vec<ApiConfig>,
    /// The callers, by access key.
    #[serde(default)]
    pub principals: Vec<PrincipalConfig>,
    /// The interface VPC endpoints requests can arrive through.
    #[serde(default)]
    pub endpoints: Vec<EndpointConfig>,
    /// The addresses to listen on; each stands for one endpoint, or for outside any endpoint.
    #[serde(default)]
    pub listeners: Vec<ListenerConfig>,
    /// Replay protection: where accepted signatures are remembered. Absent: off, as on AWS.
    #[serde(default)]
    pub replay: Option<ReplayConfig>,
    /// The folder relative policy paths are read from.
    #[serde(skip)]
    pub base_dir: Option<PathBuf>,
}

/// Limits that apply to every request and connection. Each bounds what a client, signed or
/// not, can make the gateway hold; the defaults are meant for an endpoint reachable by anyone.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Settings {
    /// The largest request body accepted, in bytes (decoded size for aws-chunked bodies).
    /// Default 10 MB (API Gateway's limit).
    #[serde(default = "default_max_body")]
    pub max_body_bytes: usize,
    /// How long a request body may take to arrive, in milliseconds; a slower one gets 408.
    /// Default 30 000.
    #[serde(default = "default_body_timeout")]
    pub body_read_timeout_ms: u64,
    /// The bytes of request body buffered across all requests in flight; a request that would
    /// go over gets 503 at once. Bodies are read only after the headers authenticated (or on
    /// routes with `authorization = "NONE"`). Default 64 MiB.
    #[serde(default = "default_body_budget")]
    pub body_budget_bytes: usize,
    /// Whether aws-chunked (`STREAMING-…`) request bodies are verified chunk by chunk and
    /// handed on decoded (the default), or refused with 400.
    #[serde(default = "default_true")]
    pub aws_chunked: bool,
    /// How long a client has to send a request's headers, in milliseconds, counted from its
    /// first byte. Default 10 000.
    #[serde(default = "default_header_timeout")]
    pub header_read_timeout_ms: u64,
    /// How long a connection may wait for its next request before it is closed, in
    /// milliseconds (a new connection too, until it sends a first byte). Default 30 000.
    #[serde(default = "default_idle_timeout")]
    pub idle_timeout_ms: u64,
    /// The most connections one listener keeps open; more wait in the kernel's backlog until
    /// one closes. Default 512.
    #[serde(default = "default_max_connections")]
    pub max_connections: usize,
    /// The largest request line and headers, in bytes; hyper answers a longer one with 431.
    /// Default 80 KiB (at least 8 KiB).
    #[serde(default = "default_max_header_bytes")]
    pub max_header_bytes: usize,
    /// Deprecated: `[replay] store = "memory"` with `capacity` says the same, and more. Kept so
    /// existing files work: `replay_cache = N` (N > 0) is an in-memory store of N signatures
    /// remembered for the skew window; setting it beside a `[replay]` section is an error.
    #[serde(default)]
    pub replay_cache: usize,
    /// The largest accepted difference between `X-Amz-Date` and the gateway's clock, in
    /// seconds. Default 300 (API Gateway's ±5 minutes).
    #[serde(default = "default_skew")]
    pub max_skew_seconds: u64,
    /// How long a graceful shutdown waits for requests in flight, in milliseconds. Default
    /// 5000.
    #[serde(default = "default_drain")]
    pub shutdown_grace_ms: u64,
}

fn default_max_body() -> usize {
    DEFAULT_MAX_BODY_BYTES
}
fn default_body_timeout() -> u64 {
    30_000
}
fn default_body_budget() -> usize {
    64 * 1024 * 1024
}
fn default_true() -> bool {
    true
}
fn default_header_timeout() -> u64 {
    10_000
}
fn default_idle_timeout() -> u64 {
    30_000
}
fn default_max_connections() -> usize {
    512
}
fn default_max_header_bytes() -> usize {
    80 * 1024
}
fn default_queue() -> usize {
    4096
}
fn default_field_bytes() -> usize {
    1024
}
fn default_skew() -> u64 {
    300
}
fn default_drain() -> u64 {
    5000
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_body_bytes: default_max_body(),
            body_read_timeout_ms: default_body_timeout(),
            body_budget_bytes: default_body_budget(),
            aws_chunked: true,
            header_read_timeout_ms: default_header_timeout(),
            idle_timeout_ms: default_idle_timeout(),
            max_connections: default_max_connections(),
            max_header_bytes: default_max_header_bytes(),
            replay_cache: 0,
            max_skew_seconds: default_skew(),
            shutdown_grace_ms: default_drain(),
        }
    }
}

/// `[replay]`: refuse a signature already accepted, here or, through Redis, by any gateway
/// sharing the store. Checked after the signature is verified (an unauthenticated client never
/// writes to the store), before the policies. A replay gets `403 AccessDeniedException` ("This
/// request signature has already been used") and its audit record, whichever instance it
/// reaches. Presigned URLs are meant to be reused until they expire and are not tracked.
///
/// ```toml
/// [replay]
/// store = "redis://127.0.0.1:6379/0"   # or "memory" (the default), or "off"
/// window_seconds = 360                 # default: max_skew_seconds + 60
/// on_unavailable = "fail-closed"       # or "fail-open"
/// ```
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ReplayConfig {
    /// `"memory"` (this process only; the default), `"off"`, or a Redis URL
    /// (`redis://[user:password@]host[:port][/db]`, `redis+unix:///path`) shared by every
    /// instance. A malformed URL or a server that does not answer at start is a configuration
    /// error naming this setting; the URL (which may hold a password) is never shown.
    #[serde(default = "default_replay_store")]
    pub store: String,
    /// How long after a request's `X-Amz-Date` its signature is remembered, in seconds: at
    /// least `max_skew_seconds` (a shorter window would let a replay through once its entry
    /// expired), plus a margin for clock differences between instances sharing a store.
    /// Default `max_skew_seconds` + 60.
    #[serde(default)]
    pub window_seconds: Option<u64>,
    /// `"memory"`: the most signatures remembered (about 64 bytes each); when full of live
    /// ones, requests get 503 rather than letting a replay through. Default 100 000.
    #[serde(default = "default_replay_capacity")]
    pub capacity: usize,
    /// Redis: what happens when it cannot be asked (down, or slower than `timeout_ms`).
    #[serde(default)]
    pub on_unavailable: OnUnavailable,
    /// Redis: how long a request waits for its answer, in milliseconds. Default 250.
    #[serde(default = "default_replay_timeout")]
    pub timeout_ms: u64,
    /// Redis: the prefix of every key. Instances that must refuse each other's replays share
    /// it. Default `sigv4x:replay`.
    #[serde(default = "default_replay_namespace")]
    pub namespace: String,
}

/// What a gateway does with a request when its Redis replay store cannot be asked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum OnUnavailable {
    /// Refuse it: `503 ServiceUnavailableException`. No replay gets through.
    #[default]
    FailClosed,
    /// Let it through unchecked; its audit record says so, and the store counts and logs it.
    FailOpen,
}

fn default_replay_store() -> String {
    "memory".to_owned()
}
fn default_replay_capacity() -> usize {
    100_000
}
fn default_replay_timeout() -> u64 {
    sigv4x_redis::DEFAULT_TIMEOUT.as_millis() as u64
}
fn default_replay_namespace() -> String {
    sigv4x_redis::DEFAULT_NAMESPACE.to_owned()
}

impl Default for ReplayConfig {
    fn default() -> Self {
        ReplayConfig {
            store: default_replay_store(),
            window_seconds: None,
            capacity: default_replay_capacity(),
            on_unavailable: OnUnavailable::default(),
            timeout_ms: default_replay_timeout(),
            namespace: default_replay_namespace(),
        }
    }
}

impl ReplayConfig {
    /// An in-memory store (this process only).
    pub fn memory(capacity: usize) -> Self {
        ReplayConfig {
            capacity,
            ..ReplayConfig::default()
        }
    }

    /// A store shared through the Redis server at `url`.
    pub fn redis(url: impl Into<String>) -> Self {
        ReplayConfig {
            store: url.into(),
            ..ReplayConfig::default()
        }
    }

    /// What to do when Redis cannot be asked.
    pub fn on_unavailable(mut self, mode: OnUnavailable) -> Self {
        self.on_unavailable = mode;
        self
    }

    /// How long after `X-Amz-Date` a signature is remembered.
    pub fn window_seconds(mut self, seconds: u64) -> Self {
        self.window_seconds = Some(seconds);
        self
    }

    /// How long a request waits for Redis.
    pub fn timeout_ms(mut self, ms: u64) -> Self {
        self.timeout_ms = ms;
        self
    }
}

impl std::fmt::Debug for ReplayConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A Redis URL may carry a password: show its scheme only.
        let store = match self.store.split_once("://") {
            Some((scheme, _)) => format!("{scheme}://…"),
            None => self.store.clone(),
        };
        f.debug_struct("ReplayConfig")
            .field("store", &store)
            .field("window_seconds", &self.window_seconds)
            .field("capacity", &self.capacity)
            .field("on_unavailable", &self.on_unavailable)
            .field("timeout_ms", &self.timeout_ms)
            .field("namespace", &self.namespace)
            .finish()
    }
}

/// Where the audit log (one JSON line per request) goes, and how much of it may wait in memory.
/// The gateway can also keep the most recent records in memory, for tests
/// ([`crate::AuditLog`]).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct AuditConfig {
    /// Write each line to standard output.
    #[serde(default)]
    pub stdout: bool,
    /// Append each line to this file (relative to the configuration file's folder).
    #[serde(default)]
    pub file: Option<PathBuf>,
    /// How many records to keep in memory for [`crate::AuditLog::records`] (the oldest are
    /// dropped). Default 0: none, since nothing in a running gateway reads them; tests set it.
    #[serde(default)]
    pub memory: usize,
    /// How many lines may wait for the writer (stdout or the file). When the writer falls
    /// behind, further lines are dropped and counted ([`crate::AuditLog::dropped`]), and a
    /// line saying how many is written once it catches up. Default 4096 (with long fields cut,
    /// a line is at most a few KiB: the queue stays within about 16 MiB).
    #[serde(default = "default_queue")]
    pub queue: usize,
    /// The longest path, reason and layer detail recorded, in bytes; longer ones are cut, with
    /// a note of their length. Default 1024.
    #[serde(default = "default_field_bytes")]
    pub max_field_bytes: usize,
}

impl Default for AuditConfig {
    fn default() -> Self {
        AuditConfig {
            stdout: false,
            file: None,
            memory: 0,
            queue: default_queue(),
            max_field_bytes: default_field_bytes(),
        }
    }
}

/// An AWS account.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct AccountConfig {
    /// The 12-digit account id.
    pub id: String,
    /// A name for people (e.g. "caller (A)").
    #[serde(default)]
    pub name: Option<String>,
}

/// Where a policy document comes from. In TOML it is a file path.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "PathBuf")]
#[non_exhaustive]
pub enum PolicySource {
    /// A JSON file; a relative path is read from the configuration's folder.
    File(PathBuf),
    /// The JSON text itself, with a name to show in decisions.
    Json {
        /// The name decisions and the audit log show.
        name: String,
        /// The policy document.
        text: String,
    },
}

impl From<PathBuf> for PolicySource {
    fn from(path: PathBuf) -> Self {
        PolicySource::File(path)
    }
}

impl PolicySource {
    /// A policy file.
    pub fn file(path: impl Into<PathBuf>) -> Self {
        PolicySource::File(path.into())
    }

    /// A policy given as JSON text, known as `name`.
    pub fn json(name: impl Into<String>, text: impl Into<String>) -> Self {
        PolicySource::Json {
            name: name.into(),
            text: text.into(),
        }
    }

    /// The name shown in decisions: the file's name, or the given name.
    pub fn name(&self) -> String {
        match self {
            PolicySource::File(path) => path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            ),
            PolicySource::Json { name, .. } => name.clone(),
        }
    }

    /// Reads and parses the policy as a policy of `kind`, refusing what IAM refuses for that
    /// kind (a resource-policy statement without a principal, say).
    pub(crate) fn load(
        &self,
        base: Option<&Path>,
        kind: sigv4x_policy::PolicyKind,
    ) -> Result<sigv4x_policy::Policy, GatewayError> {
        let (text, source_name) = match self {
            PolicySource::File(path) => {
                let full = match base {
                    Some(base) if path.is_relative() => base.join(path),
                    _ => path.clone(),
                };
                let text = std::fs::read_to_string(&full).map_err(|source| GatewayError::Read {
                    path: full.clone(),
                    source,
                })?;
                (text, full.display().to_string())
            }
            PolicySource::Json { name, text } => (text.clone(), name.clone()),
        };
        sigv4x_policy::Policy::parse_as(&text, kind)
            .map_err(|error| GatewayError::Policy { source_name, error })
    }
}

/// A private REST API.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ApiConfig {
    /// The API id (the first label of `{id}.execute-api.{region}.amazonaws.com`).
    pub id: String,
    /// The account that owns the API.
    pub account: String,
    /// Its region (the one requests must be signed for).
    pub region: String,
    /// The deployed stages.
    pub stages: Vec<String>,
    /// The resource policy. A private API cannot be deployed without one, so it is required.
    #[serde(default)]
    pub resource_policy: Option<PolicySource>,
    /// The routes: method and path template, and what answers.
    #[serde(default)]
    pub routes: Vec<RouteConfig>,
}

impl ApiConfig {
    /// An API with no stages and routes yet.
    pub fn new(
        id: impl Into<String>,
        account: impl Into<String>,
        region: impl Into<String>,
    ) -> Self {
        ApiConfig {
            id: id.into(),
            account: account.into(),
            region: region.into(),
            stages: Vec::new(),
            resource_policy: None,
            routes: Vec::new(),
        }
    }

    /// Adds a deployed stage.
    pub fn stage(mut self, stage: impl Into<String>) -> Self {
        self.stages.push(stage.into());
        self
    }

    /// Sets the resource policy.
    pub fn resource_policy(mut self, policy: PolicySource) -> Self {
        self.resource_policy = Some(policy);
        self
    }

    /// Adds a route.
    pub fn route(mut self, route: RouteConfig) -> Self {
        self.routes.push(route);
        self
    }
}

/// How a route authenticates callers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub enum Authorization {
    /// SigV4 (`AWS_IAM`): the default.
    #[default]
    #[serde(rename = "AWS_IAM")]
    AwsIam,
    /// No authentication (`NONE`): the caller is anonymous, and only the policies decide.
    #[serde(rename = "NONE")]
    None,
}

/// One route: a method (or `ANY`) and a path template under the stage, and what answers it.
///
/// Path templates are `/`-separated; a segment `{name}` matches any one segment and a final
/// `{name+}` any rest of the path. When several routes match, the one with more literal
/// segments wins, then a non-greedy one, then an exact method over `ANY`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct RouteConfig {
    /// `GET`, `POST`, … or `ANY`.
    #[serde(default = "any")]
    pub method: String,
    /// The path template under the stage, e.g. `/orders/{id}`.
    pub path: String,
    /// How callers authenticate. Default `AWS_IAM`.
    #[serde(default)]
    pub authorization: Authorization,
    /// A canned response.
    #[serde(default)]
    pub response: Option<CannedResponse>,
    /// Or a local URL to proxy to (`http://127.0.0.1:9000/base`): the request's path under the
    /// stage is appended, with its query.
    #[serde(default)]
    pub proxy: Option<String>,
    /// How long the proxy target may take, in milliseconds. Default 29 000 (API Gateway's
    /// integration timeout).
    #[serde(default)]
    pub timeout_ms: Option<u64>,
}

fn any() -> String {
    "ANY".to_owned()
}

impl RouteConfig {
    /// A route answering with a fixed status and JSON body.
    pub fn respond(
        method: impl Into<String>,
        path: impl Into<String>,
        status: u16,
        body: impl Into<String>,
    ) -> Self {
        RouteConfig {
            method: method.into(),
            path: path.into(),
            authorization: Authorization::AwsIam,
            response: Some(CannedResponse {
                status,
                body: body.into(),
                content_type: default_content_type(),
                headers: BTreeMap::new(),
            }),
            proxy: None,
            timeout_ms: None,
        }
    }

    /// A route proxying to a local URL.
    pub fn proxy(
        method: impl Into<String>,
        path: impl Into<String>,
        url: impl Into<String>,
    ) -> Self {
        RouteConfig {
            method: method.into(),
            path: path.into(),
            authorization: Authorization::AwsIam,
            response: None,
            proxy: Some(url.into()),
            timeout_ms: None,
        }
    }

    /// Sets how callers authenticate.
    pub fn authorization(mut self, authorization: Authorization) -> Self {
        self.authorization = authorization;
        self
    }
}

/// A fixed answer.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct CannedResponse {
    /// The status. Default 200.
    #[serde(default = "ok")]
    pub status: u16,
    /// The body. Default empty.
    #[serde(default)]
    pub body: String,
    /// `Content-Type`. Default `application/json`.
    #[serde(default = "default_content_type")]
    pub content_type: String,
    /// More headers.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

fn ok() -> u16 {
    200
}
fn default_content_type() -> String {
    "application/json".to_owned()
}

/// A caller: an access key, its secret, and who it is.
///
/// The secret comes from exactly one of `secret_access_key` (inline), `secret_access_key_env`
/// (an environment variable's name) or `secret_access_key_file` (a file, relative to the
/// configuration file; one trailing line end is dropped), so a configuration can be committed
/// without its secrets; the session token likewise from at most one of `session_token`,
/// `session_token_env`, `session_token_file`. A variable that is unset or empty, or a file that
/// cannot be read or is empty, is a configuration error naming the setting, never its value.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct PrincipalConfig {
    /// The access key id.
    pub access_key_id: String,
    /// Its secret, inline (empty when given by `secret_access_key_env` or `_file`).
    #[serde(default)]
    pub secret_access_key: String,
    /// The environment variable holding the secret.
    #[serde(default)]
    pub secret_access_key_env: Option<String>,
    /// The file holding the secret.
    #[serde(default)]
    pub secret_access_key_file: Option<PathBuf>,
    /// The session token requests must carry (temporary credentials, as a Lambda function's
    /// role has).
    #[serde(default)]
    pub session_token: Option<String>,
    /// The environment variable holding the session token.
    #[serde(default)]
    pub session_token_env: Option<String>,
    /// The file holding the session token.
    #[serde(default)]
    pub session_token_file: Option<PathBuf>,
    /// The IAM user or role ARN.
    pub arn: String,
    /// For a role: the session name. The caller is then the STS session
    /// `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`, as API Gateway reports it; the role
    /// ARN (with its path, `role/svc/app-role`) is its `aws:PrincipalArn`.
    #[serde(default)]
    pub session_name: Option<String>,
    /// The user's or role's unique id (`AIDA…` for a user, `AROA…` for a role), which IAM puts
    /// in `aws:userid` (`AROA…:SESSION` for a role session). Without it `aws:userid` is absent
    /// from the request, and a condition on it does not match.
    #[serde(default)]
    pub unique_id: Option<String>,
    /// Tags of the user or role, and session tags (`aws:PrincipalTag/…`).
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// The identity policies attached to the user or role.
    #[serde(default)]
    pub identity_policies: Vec<PolicySource>,
}

impl std::fmt::Debug for PrincipalConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrincipalConfig")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key_env", &self.secret_access_key_env)
            .field("secret_access_key_file", &self.secret_access_key_file)
            .field("session_token_env", &self.session_token_env)
            .field("session_token_file", &self.session_token_file)
            .field("arn", &self.arn)
            .field("session_name", &self.session_name)
            .field("unique_id", &self.unique_id)
            .field("tags", &self.tags)
            .field("identity_policies", &self.identity_policies)
            .finish_non_exhaustive()
    }
}

impl PrincipalConfig {
    /// A caller with long-term keys.
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
        arn: impl Into<String>,
    ) -> Self {
        PrincipalConfig {
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
            secret_access_key_env: None,
            secret_access_key_file: None,
            session_token: None,
            session_token_env: None,
            session_token_file: None,
            arn: arn.into(),
            session_name: None,
            unique_id: None,
            tags: BTreeMap::new(),
            identity_policies: Vec::new(),
        }
    }

    /// Temporary credentials: a session of the role, with the token requests must carry.
    pub fn session(mut self, session_name: impl Into<String>, token: Option<String>) -> Self {
        self.session_name = Some(session_name.into());
        self.session_token = token;
        self
    }

    /// Takes the secret from the environment variable `name` instead of inline.
    pub fn secret_from_env(mut self, name: impl Into<String>) -> Self {
        self.secret_access_key.clear();
        self.secret_access_key_env = Some(name.into());
        self
    }

    /// Takes the secret from the file at `path` instead of inline.
    pub fn secret_from_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.secret_access_key.clear();
        self.secret_access_key_file = Some(path.into());
        self
    }

    /// The secret and the session token, from wherever they are configured (`base`: the
    /// configuration file's directory, for relative files).
    pub(crate) fn credentials(
        &self,
        base: Option<&Path>,
    ) -> Result<(String, Option<String>), GatewayError> {
        let who = format!("principal {}", self.access_key_id);
        let inline = Some(self.secret_access_key.as_str()).filter(|s| !s.is_empty());
        let secret = SecretSource::one_of(
            &who,
            [
                "secret_access_key",
                "secret_access_key_env",
                "secret_access_key_file",
            ],
            inline,
            self.secret_access_key_env.as_deref(),
            self.secret_access_key_file.as_deref(),
        )?
        .ok_or_else(|| {
            GatewayError::invalid(format!(
                "{who}: the secret access key is empty (anyone could sign with it): give one \
                 of secret_access_key, secret_access_key_env, secret_access_key_file"
            ))
        })?
        .read(&who, base)?;
        let token = SecretSource::one_of(
            &who,
            ["session_token", "session_token_env", "session_token_file"],
            self.session_token.as_deref(),
            self.session_token_env.as_deref(),
            self.session_token_file.as_deref(),
        )?
        .map(|source| source.read(&who, base))
        .transpose()?;
        Ok((secret, token))
    }

    /// Adds a principal tag.
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.insert(key.into(), value.into());
        self
    }

    /// Sets the unique id (`AIDA…`, `AROA…`) that `aws:userid` is made of.
    pub fn unique_id(mut self, id: impl Into<String>) -> Self {
        self.unique_id = Some(id.into());
        self
    }

    /// Attaches an identity policy.
    pub fn identity_policy(mut self, policy: PolicySource) -> Self {
        self.identity_policies.push(policy);
        self
    }
}

/// Where a principal's secret (or token) is configured: inline, in an environment variable, or
/// in a file. Errors name the setting, never the value.
enum SecretSource<'c> {
    Inline(&'c str),
    Env(&'static str, &'c str),
    File(&'static str, &'c Path),
}

impl<'c> SecretSource<'c> {
    /// The one source configured among the three `settings`, if any; two are an error.
    fn one_of(
        who: &str,
        settings: [&'static str; 3],
        inline: Option<&'c str>,
        env: Option<&'c str>,
        file: Option<&'c Path>,
    ) -> Result<Option<Self>, GatewayError> {
        let [inline_name, env_name, file_name] = settings;
        let given = [
            inline.map(SecretSource::Inline),
            env.map(|v| SecretSource::Env(env_name, v)),
            file.map(|f| SecretSource::File(file_name, f)),
        ];
        let mut given = given.into_iter().flatten();
        let first = given.next();
        if given.next().is_some() {
            return Err(GatewayError::invalid(format!(
                "{who}: give only one of {inline_name}, {env_name}, {file_name}"
            )));
        }
        Ok(first)
    }

    /// The value, which must not be empty.
    fn read(self, who: &str, base: Option<&Path>) -> Result<String, GatewayError> {
        let value = match self {
            SecretSource::Inline(v) => v.to_owned(),
            SecretSource::Env(setting, name) => std::env::var(name)
                .ok()
                .filter(|v| !v.is_empty())
                .ok_or_else(|| {
                    GatewayError::invalid(format!(
                        "{who}: {setting}: the environment variable {name:?} is unset, empty \
                         or not UTF-8"
                    ))
                })?,
            SecretSource::File(setting, file) => {
                let path = match base {
                    Some(base) if file.is_relative() => base.join(file),
                    _ => file.to_path_buf(),
                };
                let mut text = std::fs::read_to_string(&path).map_err(|e| {
                    GatewayError::invalid(format!(
                        "{who}: {setting}: cannot read {}: {e}",
                        path.display()
                    ))
                })?;
                // Files written by editors and `echo` end with a line end that is no part of
                // the secret.
                if text.ends_with('\n') {
                    text.pop();
                    if text.ends_with('\r') {
                        text.pop();
                    }
                }
                if text.is_empty() {
                    return Err(GatewayError::invalid(format!(
                        "{who}: {setting}: {} is empty",
                        path.display()
                    )));
                }
                text
            }
        };
        Ok(value)
    }
}

/// An interface VPC endpoint for `execute-api`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct EndpointConfig {
    /// `vpce-…`.
    pub id: String,
    /// The account that owns it.
    pub owner: String,
    /// Its VPC (`vpc-…`), given to policies as `aws:SourceVpc`.
    #[serde(default)]
    pub vpc: Option<String>,
    /// The endpoint policy; without one, AWS's default policy allows everything.
    #[serde(default)]
    pub policy: Option<PolicySource>,
    /// The endpoint's tags. Recorded and shown, but not given to policies as
    /// `aws:ResourceTag/…`: API Gateway documents no such key for `execute-api:Invoke`.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

impl EndpointConfig {
    /// An endpoint with AWS's default (full access) policy.
    pub fn new(id: impl Into<String>, owner: impl Into<String>) -> Self {
        EndpointConfig {
            id: id.into(),
            owner: owner.into(),
            vpc: None,
            policy: None,
            tags: BTreeMap::new(),
        }
    }

    /// Sets the endpoint policy.
    pub fn policy(mut self, policy: PolicySource) -> Self {
        self.policy = Some(policy);
        self
    }

    /// Sets the VPC.
    pub fn vpc(mut self, vpc: impl Into<String>) -> Self {
        self.vpc = Some(vpc.into());
        self
    }

    /// Adds a tag.
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.insert(key.into(), value.into());
        self
    }
}

/// A listening address. Arrival on it stands for arrival through `endpoint` (so
/// `aws:SourceVpce` is that endpoint's id), or from outside any endpoint when there is none.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ListenerConfig {
    /// The address, e.g. `127.0.0.1:8443`; port 0 picks a free port.
    pub address: SocketAddr,
    /// The VPC endpoint requests on this address come through.
    #[serde(default)]
    pub endpoint: Option<String>,
    /// The API a request means when neither its `Host` (`{api-id}.execute-api.…`) nor an
    /// `x-apigw-api-id` header names one. Not needed when there is only one API.
    #[serde(default)]
    pub api: Option<String>,
}

impl ListenerConfig {
    /// A listener outside any endpoint.
    pub fn new(address: SocketAddr) -> Self {
        ListenerConfig {
            address,
            endpoint: None,
            api: None,
        }
    }

    /// Requests on this listener come through `endpoint`.
    pub fn through(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// The API requests mean by default.
    pub fn default_api(mut self, api: impl Into<String>) -> Self {
        self.api = Some(api.into());
        self
    }
}

impl GatewayConfig {
    /// An empty configuration.
    pub fn new() -> Self {
        GatewayConfig::default()
    }

    /// Parses TOML; relative policy paths will be read from `base_dir` (or the current folder).
    ///
    /// # Errors
    /// [`GatewayError::Toml`] for text that is not TOML of this shape.
    pub fn from_toml_str(text: &str, base_dir: Option<&Path>) -> Result<Self, GatewayError> {
        let mut config: GatewayConfig = toml::from_str(text).map_err(|e| GatewayError::Toml {
            path: None,
            message: e.to_string(),
        })?;
        config.base_dir = base_dir.map(Path::to_path_buf);
        Ok(config)
    }

    /// Reads a TOML file; relative paths in it are read from its folder.
    ///
    /// # Errors
    /// [`GatewayError::Read`] if the file cannot be read, [`GatewayError::Toml`] if it does not
    /// parse.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, GatewayError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| GatewayError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let base = path.parent().map(|p| {
            if p.as_os_str().is_empty() {
                Path::new(".")
            } else {
                p
            }
        });
        GatewayConfig::from_toml_str(&text, base).map_err(|e| match e {
            GatewayError::Toml { message, .. } => GatewayError::Toml {
                path: Some(path.to_path_buf()),
                message,
            },
            other => other,
        })
    }

    /// Reads every policy and lints it for its layer: the findings, each with the name of its
    /// policy (see [`sigv4x_policy::lint`]).
    ///
    /// # Errors
    /// As for loading: a policy that cannot be read or does not parse.
    pub fn lint_policies(&self) -> Result<Vec<(String, sigv4x_policy::Finding)>, GatewayError> {
        use sigv4x_policy::PolicyKind;
        let base = self.base_dir.as_deref();
        let mut sources: Vec<(&PolicySource, PolicyKind)> = Vec::new();
        for api in &self.apis {
            sources.extend(
                api.resource_policy
                    .iter()
                    .map(|s| (s, PolicyKind::Resource)),
            );
        }
        for endpoint in &self.endpoints {
            sources.extend(endpoint.policy.iter().map(|s| (s, PolicyKind::VpcEndpoint)));
        }
        for principal in &self.principals {
            sources.extend(
                principal
                    .identity_policies
                    .iter()
                    .map(|s| (s, PolicyKind::Identity)),
            );
        }
        let mut seen: Vec<(&PolicySource, PolicyKind)> = Vec::new();
        let mut findings = Vec::new();
        for (source, kind) in sources {
            if seen.contains(&(source, kind)) {
                continue;
            }
            seen.push((source, kind));
            let policy = source.load(base, kind)?;
            // Every API here is private: a resource policy without an endpoint guard is an
            // error, not the warning it is for an API of unknown type.
            let options = sigv4x_policy::LintOptions::private_api(true);
            for finding in sigv4x_policy::lint_with(&policy, kind, options) {
                findings.push((source.name(), finding));
            }
        }
        Ok(findings)
    }

    /// Adds an account.
    pub fn account(mut self, id: impl Into<String>, name: Option<&str>) -> Self {
        self.accounts.push(AccountConfig {
            id: id.into(),
            name: name.map(str::to_owned),
        });
        self
    }

    /// Adds an API.
    pub fn api(mut self, api: ApiConfig) -> Self {
        self.apis.push(api);
        self
    }

    /// Adds a principal.
    pub fn principal(mut self, principal: PrincipalConfig) -> Self {
        self.principals.push(principal);
        self
    }

    /// Adds a VPC endpoint.
    pub fn endpoint(mut self, endpoint: EndpointConfig) -> Self {
        self.endpoints.push(endpoint);
        self
    }

    /// Adds a listener.
    pub fn listener(mut self, listener: ListenerConfig) -> Self {
        self.listeners.push(listener);
        self
    }

    /// Sets the audit log's destinations.
    pub fn audit(mut self, audit: AuditConfig) -> Self {
        self.audit = audit;
        self
    }

    /// Sets the folder relative paths are read from.
    pub fn base_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.base_dir = Some(dir.into());
        self
    }

    /// Moves every listener to port 0 on its own IP, so that tests and examples can run beside
    /// each other (and beside a gateway using the configured ports). Ask the running gateway
    /// for the ports it got.
    pub fn with_ephemeral_ports(mut self) -> Self {
        for listener in &mut self.listeners {
            listener.address.set_port(0);
        }
        self
    }

    /// The audit settings: stdout off, no file, and `memory` records kept in memory.
    pub fn audit_in_memory(mut self, memory: usize) -> Self {
        self.audit = AuditConfig {
            memory,
            ..AuditConfig::default()
        };
        self
    }

    /// Replay protection as `replay` says (`[replay]`).
    pub fn replay(mut self, replay: ReplayConfig) -> Self {
        self.replay = Some(replay);
        self
    }
}

impl AuditConfig {
    /// Lines to standard output, plus `memory` records in memory.
    pub fn stdout(memory: usize) -> Self {
        AuditConfig {
            stdout: true,
            memory,
            ..AuditConfig::default()
        }
    }

    /// Lines appended to `path`, plus `memory` records in memory.
    pub fn file(path: impl Into<PathBuf>, memory: usize) -> Self {
        AuditConfig {
            file: Some(path.into()),
            memory,
            ..AuditConfig::default()
        }
    }
}
