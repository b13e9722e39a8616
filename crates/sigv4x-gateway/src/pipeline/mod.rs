//! The gateway's request path: each request taken through the layers in order, answered from
//! lookup tables that [`compile`] builds from the configuration (and checks it on the way).
//!
//! # The order, and why
//! 1. **Route**: the API (from `Host: {api-id}.execute-api.…`, `Host: {api-id}-{vpce-id}.…`,
//!    the `x-apigw-api-id` header, or the listener's default), the stage, then the method and
//!    path. API Gateway answers a request that matches no route with
//!    `403 MissingAuthenticationTokenException` before looking at credentials, so this comes
//!    first; a request naming no API reachable here gets `403 ForbiddenException`.
//! 2. **Authentication**: SigV4 (for `AWS_IAM` routes) over the whole body, ±5 minutes.
//! 3. **Authorization**: the VPC endpoint policy, the resource policy and the caller's identity
//!    policies, decided together as IAM does (one [`Authorizer`] decision; an explicit deny in
//!    any wins, then each required layer must allow). On AWS these run after authentication,
//!    in one evaluation, so one decision is the faithful model.
//! 4. **Handler**: the route's canned response or proxy target.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, CONTENT_TYPE, HOST};
use http::{Method, Request, Response, StatusCode};
use http_body::Body;
use http_body_util::Full;
use sigv4x::{StoredKey, Verifier};
use sigv4x_policy::{
    Authorizer, Decision, Determinant, LayerVerdict, Miss, NamedPolicy, PolicyKind, RequestContext,
};

use crate::audit::{AuditLog, AuditRecord, Step, StepRecord, Verdict};
use crate::body::{self, BodyLimits};
use crate::config::{Authorization, GatewayConfig, PolicySource};
use crate::error::GatewayError;
use crate::layer::BoxError;
use crate::proxy::{ProxyError, ProxyTarget};
use crate::replay::ReplayStep;
use crate::response::{Refusal, RequestIds};
use crate::route::Template;

mod compile;

/// `x-apigw-api-id`: names the API when the host does not (a private API called through an
/// endpoint without private DNS).
const API_ID_HEADER: &str = "x-apigw-api-id";

enum Action {
    Canned {
        status: StatusCode,
        body: Bytes,
        headers: http::HeaderMap,
    },
    Proxy(ProxyTarget),
}

struct Route {
    /// `None` for `ANY`.
    method: Option<Method>,
    template: Template,
    display: String,
    authorization: Authorization,
    action: Action,
}

struct Api {
    id: String,
    account: String,
    region: String,
    stages: Vec<String>,
    routes: Vec<Route>,
    verifier: Verifier<Arc<HashMap<String, StoredKey>>>,
}

struct Principal {
    /// The caller: its ARN is the one API Gateway reports (the STS session ARN for a role
    /// session); policies see its `aws:PrincipalArn` (the role's, path kept), `aws:userid`,
    /// `aws:username`, account and type.
    identity: sigv4x_policy::Caller,
    tags: Vec<(String, String)>,
}

struct Endpoint {
    id: String,
    vpc: Option<String>,
    tags: BTreeMap<String, String>,
}

/// What a connection knows about where it arrived.
#[derive(Clone, Debug)]
pub(crate) struct Arrival {
    pub(crate) listener: SocketAddr,
    pub(crate) peer: SocketAddr,
    pub(crate) endpoint: Option<usize>,
    pub(crate) default_api: Option<usize>,
    /// `listener` and the peer's IP as text, written once per connection instead of once
    /// (the IP twice) per request.
    pub(crate) listener_text: Arc<str>,
    pub(crate) peer_ip: Arc<str>,
}

impl Arrival {
    /// Where a connection from `peer` arrived on `listener`.
    pub(crate) fn new(
        listener: SocketAddr,
        peer: SocketAddr,
        endpoint: Option<usize>,
        default_api: Option<usize>,
    ) -> Self {
        Arrival {
            listener,
            peer,
            endpoint,
            default_api,
            listener_text: listener.to_string().into(),
            peer_ip: peer.ip().to_string().into(),
        }
    }

    /// The same arrival from another peer.
    pub(crate) fn with_peer(&self, peer: SocketAddr) -> Self {
        Arrival {
            peer,
            peer_ip: peer.ip().to_string().into(),
            ..self.clone()
        }
    }
}

/// An answer to a request (a refusal, when a step returns it early).
type Answer = Response<Full<Bytes>>;

/// What every step of one request reads: where it arrived, when, and its ids.
#[derive(Clone, Copy)]
struct Call<'r> {
    arrival: &'r Arrival,
    now: SystemTime,
    ids: &'r RequestIds,
}

/// What routing found.
struct Routed<'a> {
    api_index: usize,
    api: &'a Api,
    /// `x-apigw-api-id` chose the API (so it must be signed).
    by_header: bool,
    route: &'a Route,
    /// The path after the stage.
    rest: &'a str,
    resource_arn: String,
}

/// Who called (when the route asks), with the body read and, for a signed request, verified.
struct Caller<'a> {
    principal: Option<(usize, &'a Principal)>,
    body: body::HeldBody,
    verified: Option<sigv4x::Verified>,
}

/// An API, the endpoint a request came through (if any) and the caller (if known).
type AuthorizerKey = (usize, Option<usize>, Option<usize>);

/// Where the authorizer for `key` is in [`Pipeline::authorizers`]: API by API, then endpoint
/// (none first), then principal (anonymous first).
fn authorizer_index(
    (api, endpoint, principal): AuthorizerKey,
    endpoints: usize,
    principals: usize,
) -> Option<usize> {
    let endpoint = endpoint.map_or(Some(0), |e| (e < endpoints).then_some(e + 1))?;
    let principal = principal.map_or(Some(0), |p| (p < principals).then_some(p + 1))?;
    api.checked_mul(endpoints + 1)?
        .checked_add(endpoint)?
        .checked_mul(principals + 1)?
        .checked_add(principal)
}

/// The compiled configuration.
pub(crate) struct Pipeline {
    apis: Vec<Api>,
    principals: Vec<Principal>,
    by_access_key: HashMap<String, usize>,
    endpoints: Vec<Endpoint>,
    /// One per [`AuthorizerKey`], at [`authorizer_index`].
    authorizers: Vec<Authorizer>,
    limits: BodyLimits,
    /// One replay check for every API: a signature accepted by one is a replay at any other.
    replay: Option<ReplayStep>,
    pub(crate) audit: AuditLog,
}

impl Pipeline {
    /// The pipeline with `replay` as its replay check (`None`: no check).
    pub(crate) fn with_replay(mut self, replay: Option<ReplayStep>) -> Self {
        self.replay = replay;
        self
    }

    /// The index of an endpoint by id.
    pub(crate) fn endpoint_index(&self, id: &str) -> Option<usize> {
        self.endpoints.iter().position(|e| e.id == id)
    }

    /// The index of an API by id.
    pub(crate) fn api_index(&self, id: &str) -> Option<usize> {
        self.apis.iter().position(|a| a.id == id)
    }

    /// Which API the request means, or `None` when it names one that is not here; and whether
    /// the `x-apigw-api-id` header chose it (then it must be signed, see [`Pipeline::run`]).
    fn select_api(&self, head: &Request<()>, arrival: &Arrival) -> Option<(usize, bool)> {
        let host = head
            .headers()
            .get(HOST)
            .and_then(|h| h.to_str().ok())
            .or_else(|| head.uri().host());
        if let Some(label) = host.and_then(api_label) {
            // `{api-id}-{vpce-id}.execute-api…` names the endpoint too.
            let id = label.split_once("-vpce-").map_or(label, |(id, _)| id);
            return self
                .apis
                .iter()
                .position(|a| a.id.eq_ignore_ascii_case(id))
                .map(|i| (i, false));
        }
        if let Some(id) = head
            .headers()
            .get(API_ID_HEADER)
            .and_then(|h| h.to_str().ok())
        {
            return self.api_index(id).map(|i| (i, true));
        }
        if let Some(i) = arrival.default_api {
            // The listener's default is the emulator's stand-in for a host name: a request
            // signed for another listener (another API) must not be served by this one's.
            let port = host.map_or(Some(80), host_port);
            return (port == Some(arrival.listener.port())).then_some((i, false));
        }
        (self.apis.len() == 1).then_some((0, false))
    }

    /// Takes one request through every layer, records it, and answers.
    pub(crate) async fn handle<B>(
        &self,
        request: Request<B>,
        arrival: &Arrival,
    ) -> Response<Full<Bytes>>
    where
        B: Body,
        B::Error: Into<BoxError>,
    {
        let started = Instant::now();
        let now = SystemTime::now();
        let ids = RequestIds::next();
        let (parts, body) = request.into_parts();
        let mut head = Request::from_parts(parts, ());
        // What the record names of the request, kept apart from `head`, which the body step
        // may change (an aws-chunked body's headers); nothing changes the target.
        let (method, uri) = (head.method().clone(), head.uri().clone());
        let mut event_time = [0u8; 40];
        let event_time = rfc3339(now, &mut event_time);
        let mut trace = Trace::new(&ids, event_time, &method, uri.path(), arrival, self);
        let call = Call {
            arrival,
            now,
            ids: &ids,
        };
        let response = self
            .run(&mut head, uri.path(), body, call, &mut trace)
            .await;
        let record = trace.finish(&response, started);
        self.audit.record(record);
        response
    }

    async fn run<'a, B>(
        &'a self,
        head: &mut Request<()>,
        path: &'a str,
        body: B,
        call: Call<'_>,
        trace: &mut Trace<'a>,
    ) -> Answer
    where
        B: Body,
        B::Error: Into<BoxError>,
    {
        let routed = match self.route(head, path, call, trace) {
            Ok(routed) => routed,
            Err(answer) => return answer,
        };
        let caller = match self.authenticate(&routed, head, body, call, trace).await {
            Ok(caller) => caller,
            Err(answer) => return answer,
        };
        let why = match self.authorize(&routed, caller.principal, head, call, trace) {
            Ok(why) => why,
            Err(answer) => return answer,
        };
        self.respond(&routed, head, caller, why, call, trace).await
    }

    /// 1. Route: the API, the path's normal form, the stage, the route, and the resource ARN the
    ///    policies will be asked about.
    // The error is the refusal's response itself, moved once on the way out: boxing it would
    // cost a refused request an allocation to save a copy of 144 bytes.
    #[allow(clippy::result_large_err)]
    fn route<'a>(
        &'a self,
        head: &Request<()>,
        path: &'a str,
        call: Call<'_>,
        trace: &mut Trace<'a>,
    ) -> Result<Routed<'a>, Answer> {
        let refuse = |trace: &mut Trace<'a>, why: &str, refusal| {
            trace.refuse(Step::Route, None, why, refusal, call.ids)
        };
        let Some((api_index, api, by_header)) = self
            .select_api(head, call.arrival)
            .and_then(|(i, h)| self.apis.get(i).map(|a| (i, a, h)))
        else {
            let why = "the request names no API reachable here (by Host, x-apigw-api-id or the \
                       listener's default)";
            return Err(refuse(trace, why, Refusal::forbidden()));
        };
        trace.record.api_id = Some(api.id.as_str().into());
        // The signature covers the normalized path; a path that is not already normal would be
        // routed, authorized and forwarded as another path than the signed one.
        if let Err(e) = body::check_target(&api.verifier, head) {
            return Err(refuse(
                trace,
                &e.to_string(),
                Refusal::from_verify_error(&e),
            ));
        }
        let (stage, rest) = split_stage(path);
        if !api.stages.iter().any(|s| s == stage) {
            let why = format!("stage {stage:?} is not deployed on API {}", api.id);
            return Err(refuse(trace, &why, Refusal::missing_authentication_token()));
        }
        trace.record.stage = Some(stage.into());
        let Some(route) = best_route(&api.routes, head.method(), rest) else {
            let why = format!("no route of stage {stage} matches {} {rest}", head.method());
            return Err(refuse(trace, &why, Refusal::missing_authentication_token()));
        };
        trace.record.route = Some(route.display.as_str().into());
        let display = Some(route.display.as_str().into());
        trace.layer(Step::Route, Verdict::Allow, display, None, None);
        let resource_arn = sigv4x_policy::execute_api_arn(
            &api.region,
            &api.account,
            &api.id,
            stage,
            head.method().as_str(),
            rest,
        );
        trace.record.resource_arn = Some(resource_arn.clone().into());
        Ok(Routed {
            api_index,
            api,
            by_header,
            route,
            rest,
            resource_arn,
        })
    }

    /// 2. Authentication from the headers, then the body, verified (or, on a route without
    ///    authorization, read within the same limits); 3. replays, once the signature is known
    ///    good.
    async fn authenticate<'a, B>(
        &'a self,
        routed: &Routed<'a>,
        head: &mut Request<()>,
        body: B,
        call: Call<'_>,
        trace: &mut Trace<'a>,
    ) -> Result<Caller<'a>, Answer>
    where
        B: Body,
        B::Error: Into<BoxError>,
    {
        if routed.route.authorization == Authorization::None {
            let why = Some("the route's authorization is NONE".into());
            trace.layer(Step::Authentication, Verdict::NotConsulted, None, None, why);
            return match body::read(head.headers(), body, &self.limits).await {
                Ok(body) => Ok(Caller {
                    principal: None,
                    body,
                    verified: None,
                }),
                Err(refused) => Err(trace.refused(&refused, call.ids)),
            };
        }
        let verifier = &routed.api.verifier;
        let (verified, body) =
            match body::authenticate(verifier, head, body, &self.limits, call.now).await {
                Ok(authenticated) => authenticated,
                Err(refused) => return Err(trace.refused(&refused, call.ids)),
            };
        let id = verified.access_key_id();
        // The pipeline's own copy of the id, when it knows the key (always, for a signature its
        // verifier accepted: both come from one map, so the uncapped client-sent copy is never
        // needed in practice).
        trace.record.access_key_id = Some(
            self.by_access_key
                .get_key_value(id)
                .map_or_else(|| id.to_owned().into(), |(id, _)| id.as_str().into()),
        );
        // A header that picks the API picks the resource ARN and the policies: unsigned, it
        // would let a captured request be sent to another API.
        if routed.by_header && !verified.signed_headers().any(|h| h == API_ID_HEADER) {
            let name = API_ID_HEADER.to_owned();
            let e = sigv4x::VerifyError::HeaderNotSigned { name };
            return Err(trace.refused(&body::Refused::Verify(e), call.ids));
        }
        let index = self.by_access_key.get(id).copied();
        let principal = index.and_then(|i| self.principals.get(i).map(|p| (i, p)));
        if let Some((_, p)) = principal {
            trace.record.principal = Some(p.identity.arn().into());
        }
        let note = match &self.replay {
            Some(replay) => match replay
                .check(&verified, call.now, self.limits.lookup_timeout)
                .await
            {
                Ok(note) => note,
                Err(e) => return Err(trace.refused(&body::Refused::Verify(e), call.ids)),
            },
            None => None,
        };
        let note = note.map(Cow::Borrowed);
        trace.layer(Step::Authentication, Verdict::Allow, None, None, note);
        Ok(Caller {
            principal,
            body,
            verified: Some(verified),
        })
    }

    /// 4. Authorization: endpoint, resource and identity policies in one decision. The reason,
    ///    when it allows.
    // The error is the refusal's response itself, moved once on the way out: boxing it would
    // cost a refused request an allocation to save a copy of 144 bytes.
    #[allow(clippy::result_large_err)]
    fn authorize<'a>(
        &'a self,
        routed: &Routed<'a>,
        principal: Option<(usize, &'a Principal)>,
        head: &Request<()>,
        call: Call<'_>,
        trace: &mut Trace<'a>,
    ) -> Result<String, Answer> {
        let endpoint = call.arrival.endpoint.and_then(|i| self.endpoints.get(i));
        let ctx = context(routed, principal.map(|(_, p)| p), endpoint, head, call);
        let key = (
            routed.api_index,
            call.arrival.endpoint,
            principal.map(|(i, _)| i),
        );
        let index = authorizer_index(key, self.endpoints.len(), self.principals.len());
        let Some(authorizer) = index.and_then(|i| self.authorizers.get(i)) else {
            // Every combination is built at start; a miss would be a bug, answered safely.
            let refusal = Refusal::access_denied("Forbidden".into());
            let why = "no authorizer for this request";
            return Err(trace.refuse(Step::ResourcePolicy, None, why, refusal, call.ids));
        };
        let decision = authorizer.decide(&ctx);
        trace.decision(&decision);
        if !decision.is_allowed() {
            let message = decision
                .access_denied_message(&ctx)
                .unwrap_or_else(|| "Forbidden".to_owned());
            let why = explain(&decision, endpoint);
            let layer = layer_of(decision.layer);
            let refusal = Refusal::access_denied(message);
            return Err(trace.refuse(layer, None, &why, refusal, call.ids));
        }
        Ok(reason(&decision))
    }

    /// 5. Handler: the route's canned response, or its proxy target's.
    async fn respond<'a>(
        &'a self,
        routed: &Routed<'a>,
        head: &Request<()>,
        caller: Caller<'a>,
        why: String,
        call: Call<'_>,
        trace: &mut Trace<'a>,
    ) -> Answer {
        let mut response = match &routed.route.action {
            Action::Canned {
                status,
                body,
                headers,
            } => {
                let mut response = Response::new(Full::new(body.clone()));
                *response.status_mut() = *status;
                *response.headers_mut() = headers.clone();
                response
            }
            Action::Proxy(target) => {
                let (peer, verified) = (call.arrival.peer, caller.verified.as_ref());
                match target
                    .forward(head, routed.rest, peer, verified, caller.body)
                    .await
                {
                    Ok(response) => response,
                    Err(e) => return proxy_failed(&e, &why, call, trace),
                }
            }
        };
        call.ids.stamp(response.headers_mut());
        let display = Some(routed.route.display.as_str().into());
        trace.layer(Step::Handler, Verdict::Allow, display, None, None);
        trace.decided(Step::Handler, why.into());
        response
    }
}

/// The answer and record when the proxy target failed a request the policies allowed (`why`).
fn proxy_failed(e: &ProxyError, why: &str, call: Call<'_>, trace: &mut Trace<'_>) -> Answer {
    let (refusal, detail) = match e {
        ProxyError::Unreachable => (
            Refusal::integration_failure(),
            "the proxy target could not be reached",
        ),
        ProxyError::TimedOut => (
            Refusal::integration_timeout(),
            "the proxy target did not answer in time",
        ),
    };
    let note = Some(detail.into());
    trace.layer(Step::Handler, Verdict::Error, None, None, note);
    trace.decided(Step::Handler, format!("{why}; but {detail}").into());
    trace.record.error_type = Some(refusal.error_type.into());
    refusal.into_response(call.ids)
}

/// The facts the policies see: the action on the resource, the time, the caller and its tags,
/// where the request came from, and the user agent and referer it sent.
fn context(
    routed: &Routed<'_>,
    principal: Option<&Principal>,
    endpoint: Option<&Endpoint>,
    head: &Request<()>,
    call: Call<'_>,
) -> RequestContext {
    let mut ctx = RequestContext::new("execute-api:Invoke", &routed.resource_arn)
        .with_current_time(call.now)
        // The real endpoint is HTTPS only; the emulator stands in for it.
        .with_secure_transport(true);
    if let Some(p) = principal {
        ctx = ctx.with_caller(&p.identity);
        for (k, v) in &p.tags {
            ctx = ctx.with_principal_tag(k, v.as_str());
        }
    }
    let ip = &*call.arrival.peer_ip;
    match endpoint {
        Some(e) => {
            ctx = ctx.with_source_vpce(e.id.as_str()).with_vpc_source_ip(ip);
            if let Some(vpc) = &e.vpc {
                ctx = ctx.with_source_vpc(vpc.as_str());
            }
        }
        None => ctx = ctx.with_source_ip(ip),
    }
    for (header, key) in [("user-agent", "aws:UserAgent"), ("referer", "aws:Referer")] {
        if let Some(v) = head.headers().get(header).and_then(|v| v.to_str().ok()) {
            ctx = ctx.with_key(key, v);
        }
    }
    ctx
}

/// The first label of an `execute-api` host name that names an API. An endpoint's own DNS
/// name (`vpce-….execute-api.….vpce.amazonaws.com`) names none: the client then sends
/// `x-apigw-api-id`.
fn api_label(host: &str) -> Option<&str> {
    let (label, rest) = host.split_once('.')?;
    // Host names are case-insensitive: `EXECUTE-API` names the API as well.
    let execute_api = rest
        .get(..12)
        .is_some_and(|p| p.eq_ignore_ascii_case("execute-api."));
    let endpoint = label
        .get(..5)
        .is_some_and(|p| p.eq_ignore_ascii_case("vpce-"));
    (execute_api && !endpoint).then_some(label)
}

/// The port a `Host` value names (80 when it names none), or `None` if it is malformed.
fn host_port(host: &str) -> Option<u16> {
    match host.rsplit_once(':') {
        Some((_, port)) if !port.contains(']') => port.parse().ok(),
        _ => Some(80),
    }
}

/// `/prod/orders/7` → (`prod`, `/orders/7`).
fn split_stage(path: &str) -> (&str, &str) {
    let trimmed = path.strip_prefix('/').unwrap_or(path);
    match trimmed.find('/') {
        Some(i) => (
            trimmed.get(..i).unwrap_or(""),
            trimmed.get(i..).unwrap_or(""),
        ),
        None => (trimmed, ""),
    }
}

fn best_route<'r>(routes: &'r [Route], method: &Method, path: &str) -> Option<&'r Route> {
    let path = if path.is_empty() { "/" } else { path };
    routes
        .iter()
        .filter(|r| r.method.as_ref().is_none_or(|m| m == method) && r.template.matches(path))
        .enumerate()
        // Most specific first; among equals, an exact method over ANY, then the first listed.
        .max_by_key(|(i, r)| (r.template.specificity(), r.method.is_some(), usize::MAX - i))
        .map(|(_, r)| r)
}

fn layer_of(kind: PolicyKind) -> Step {
    match kind {
        PolicyKind::VpcEndpoint => Step::EndpointPolicy,
        PolicyKind::Resource => Step::ResourcePolicy,
        PolicyKind::Identity => Step::IdentityPolicy,
    }
}

fn statement_name<'p>(d: &Determinant<'p>) -> Cow<'p, str> {
    d.statement
        .sid
        .map_or_else(|| format!("#{}", d.statement.index).into(), Cow::Borrowed)
}

/// `now` in RFC 3339 (UTC, nanoseconds as `time` writes them), written into `buffer`.
fn rfc3339(now: SystemTime, buffer: &mut [u8; 40]) -> &str {
    let mut out = &mut buffer[..];
    let written = time::OffsetDateTime::from(now)
        .format_into(&mut out, &time::format_description::well_known::Rfc3339)
        .unwrap_or(0);
    std::str::from_utf8(buffer.get(..written).unwrap_or_default()).unwrap_or_default()
}

/// The decision in words, written into one buffer sized for it: a reason names up to three
/// policies and statements (300–500 bytes), and growing a string to that size reallocates it
/// six times.
fn reason(decision: &Decision<'_>) -> String {
    use std::fmt::Write;
    let mut why = String::with_capacity(512);
    let _ = write!(why, "{decision}");
    why
}

/// The decision's reason, and a note when it turned on an `aws:ResourceTag/…` key: API Gateway
/// does not give endpoint (or API) tags to policies for `execute-api:Invoke`.
fn explain(decision: &Decision<'_>, endpoint: Option<&Endpoint>) -> String {
    let mut why = reason(decision);
    let mut absent = decision.decided_by.and_then(|d| d.absent_key);
    for verdict in [&decision.endpoint, &decision.resource, &decision.identity] {
        if let LayerVerdict::NoAllow {
            closest:
                Some(sigv4x_policy::MissedStatement {
                    miss:
                        Miss::Condition {
                            key, absent: true, ..
                        },
                    ..
                }),
            ..
        } = verdict
        {
            absent = absent.or(Some(key));
        }
    }
    if let Some(key) = absent.filter(|k| {
        k.get(..16)
            .is_some_and(|p| p.eq_ignore_ascii_case("aws:ResourceTag/"))
    }) {
        why.push_str(&format!(
            ". Note: API Gateway sets no {key} for execute-api:Invoke"
        ));
        if let Some(e) = endpoint.filter(|e| !e.tags.is_empty()) {
            let tags: Vec<String> = e.tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
            why.push_str(&format!(
                "; endpoint {} is tagged {}, but policies do not see those tags",
                e.id,
                tags.join(", ")
            ));
        }
        why.push_str("; condition on aws:PrincipalTag/… or aws:SourceVpce instead");
    }
    why
}

/// The audit record, built as the request goes through the layers: it borrows what it names
/// from the pipeline and from the request.
struct Trace<'a> {
    record: AuditRecord<'a>,
    decided: bool,
}

impl<'a> Trace<'a> {
    fn new(
        ids: &'a RequestIds,
        event_time: &'a str,
        method: &'a Method,
        path: &'a str,
        arrival: &'a Arrival,
        pipeline: &'a Pipeline,
    ) -> Self {
        Trace {
            record: AuditRecord {
                event_time: event_time.into(),
                request_id: ids.request_id().into(),
                listener: Cow::Borrowed(&arrival.listener_text),
                source_vpce: arrival
                    .endpoint
                    .and_then(|i| pipeline.endpoints.get(i))
                    .map(|e| e.id.as_str().into()),
                source_ip: Cow::Borrowed(&arrival.peer_ip),
                method: method.as_str().into(),
                path: path.into(),
                api_id: None,
                stage: None,
                route: None,
                resource_arn: None,
                access_key_id: None,
                principal: None,
                status: 0,
                error_type: None,
                decided_by: Step::Route,
                reason: Cow::Borrowed(""),
                layers: Vec::with_capacity(6),
                latency_micros: 0,
            },
            decided: false,
        }
    }

    fn layer(
        &mut self,
        layer: Step,
        verdict: Verdict,
        policy: Option<Cow<'a, str>>,
        statement: Option<Cow<'a, str>>,
        detail: Option<Cow<'a, str>>,
    ) {
        self.record.layers.push(StepRecord {
            layer,
            verdict,
            policy,
            statement,
            detail,
        });
    }

    fn decided(&mut self, layer: Step, reason: Cow<'a, str>) {
        self.record.decided_by = layer;
        self.record.reason = reason;
        self.decided = true;
    }

    fn decision(&mut self, decision: &Decision<'a>) {
        for (layer, verdict) in [
            (Step::EndpointPolicy, &decision.endpoint),
            (Step::ResourcePolicy, &decision.resource),
            (Step::IdentityPolicy, &decision.identity),
        ] {
            let (v, policy, statement, detail) = match verdict {
                LayerVerdict::Allowed(d) => (
                    Verdict::Allow,
                    Some(d.policy.into()),
                    Some(statement_name(d)),
                    None,
                ),
                LayerVerdict::Denied(d) => (
                    Verdict::Deny,
                    Some(d.policy.into()),
                    Some(statement_name(d)),
                    d.absent_key
                        .map(|k| format!("applied because {k} is absent from the request").into()),
                ),
                LayerVerdict::NoAllow { policy, closest } => (
                    Verdict::NoAllow,
                    policy.map(Cow::Borrowed),
                    None,
                    closest.map(|m| {
                        format!(
                            "closest: {}, which does not apply because {}",
                            m.statement, m.miss
                        )
                        .into()
                    }),
                ),
                _ => (Verdict::NotConsulted, None, None, None),
            };
            self.layer(layer, v, policy, statement, detail);
        }
    }

    /// Records a refusal on the way through authentication and the body, and renders it.
    fn refused(&mut self, refused: &body::Refused, ids: &RequestIds) -> Response<Full<Bytes>> {
        let why = refused.reason();
        let error_type = Some(refused.error_type());
        self.refuse(
            Step::Authentication,
            error_type,
            &why,
            refused.refusal(),
            ids,
        )
    }

    /// Records a refusal by `layer` and renders it.
    fn refuse(
        &mut self,
        layer: Step,
        error_type: Option<&'static str>,
        why: &str,
        refusal: Refusal,
        ids: &RequestIds,
    ) -> Response<Full<Bytes>> {
        if matches!(layer, Step::Route | Step::Authentication) {
            self.layer(
                layer,
                Verdict::Deny,
                None,
                None,
                Some(why.to_owned().into()),
            );
        }
        self.record.error_type = Some(error_type.unwrap_or(refusal.error_type).into());
        self.decided(layer, why.to_owned().into());
        refusal.into_response(ids)
    }

    fn finish(mut self, response: &Response<Full<Bytes>>, started: Instant) -> AuditRecord<'a> {
        self.record.status = response.status().as_u16();
        if !self.decided {
            self.record.decided_by = Step::Handler;
        }
        self.record.latency_micros =
            u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        self.record
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorizers_are_indexed_in_the_order_they_are_built() {
        let (apis, endpoints, principals) = (3, 2, 4);
        let mut expected = 0;
        for api in 0..apis {
            for endpoint in std::iter::once(None).chain((0..endpoints).map(Some)) {
                for principal in std::iter::once(None).chain((0..principals).map(Some)) {
                    let key = (api, endpoint, principal);
                    assert_eq!(authorizer_index(key, endpoints, principals), Some(expected));
                    expected += 1;
                }
            }
        }
        assert_eq!(authorizer_index((0, Some(2), None), 2, 4), None);
        assert_eq!(authorizer_index((0, None, Some(4)), 2, 4), None);
        assert_eq!(authorizer_index((usize::MAX, None, None), 2, 4), None);
    }

    #[test]
    fn stage_and_rest() {
        assert_eq!(split_stage("/prod/orders/7"), ("prod", "/orders/7"));
        assert_eq!(split_stage("/prod"), ("prod", ""));
        assert_eq!(split_stage("/prod/"), ("prod", "/"));
        assert_eq!(split_stage("/"), ("", ""));
    }

    #[test]
    fn host_ports() {
        assert_eq!(host_port("127.0.0.1:8080"), Some(8080));
        assert_eq!(host_port("example.com"), Some(80));
        assert_eq!(host_port("[::1]:9000"), Some(9000));
        assert_eq!(host_port("[::1]"), Some(80));
        assert_eq!(host_port("h:x"), None);
    }

    #[test]
    fn execute_api_hosts() {
        assert_eq!(
            api_label("a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"),
            Some("a1b2c3d4e5")
        );
        assert_eq!(
            api_label("a1b2c3d4e5-vpce-0a1b2c3d4e5f60718.execute-api.us-east-1.vpce.amazonaws.com"),
            Some("a1b2c3d4e5-vpce-0a1b2c3d4e5f60718")
        );
        assert_eq!(
            api_label("vpce-0a1b2c3d4e5f60718-abcdefgh.execute-api.us-east-1.vpce.amazonaws.com"),
            None
        );
        assert_eq!(
            api_label("A1B2C3D4E5.EXECUTE-API.us-east-1.amazonaws.com"),
            Some("A1B2C3D4E5")
        );
        assert_eq!(api_label("127.0.0.1:8080"), None);
        assert_eq!(api_label("localhost"), None);
    }
}
