//! From configuration to the request path: every setting checked (ids, accounts, ARNs,
//! policies parsed as their kind, routes, headers), then compiled into the lookup tables
//! [`Pipeline`] answers requests from. A configuration that does not make sense is refused here,
//! at start, with the setting it names; nothing on the request path re-checks it.

use super::*;

fn load(
    source: &PolicySource,
    base: Option<&Path>,
    kind: PolicyKind,
) -> Result<NamedPolicy, GatewayError> {
    Ok(NamedPolicy::new(source.name(), source.load(base, kind)?))
}
impl Pipeline {
    /// Checks `config` and builds the request path from it, with no replay check yet
    /// ([`Pipeline::with_replay`] adds it once the configuration is known to be sound, so a bad
    /// setting is reported before any network wait for the replay store).
    pub(crate) fn compile(config: &GatewayConfig, audit: AuditLog) -> Result<Self, GatewayError> {
        let base = config.base_dir.as_deref();
        let accounts: Vec<&str> = config.accounts.iter().map(|a| a.id.as_str()).collect();
        let known_account = |id: &str, what: &str| -> Result<(), GatewayError> {
            if !sigv4x_policy::is_account_id(id) {
                return Err(GatewayError::invalid(format!(
                    "{what}: {id:?} is not a 12-digit account id"
                )));
            }
            if !accounts.is_empty() && !accounts.contains(&id) {
                return Err(GatewayError::invalid(format!(
                    "{what}: account {id} is not listed under [[accounts]]"
                )));
            }
            Ok(())
        };

        // Principals and their keys.
        let mut keys = HashMap::new();
        let mut principals = Vec::new();
        let mut identity = Vec::new();
        let mut by_access_key = HashMap::new();
        for p in &config.principals {
            let what = format!("principal {}", p.access_key_id);
            let arn = sigv4x_policy::Arn::parse(&p.arn).ok_or_else(|| {
                GatewayError::invalid(format!("{what}: {:?} is not an ARN", p.arn))
            })?;
            known_account(arn.account, &what)?;
            let (secret, token) = p.credentials(base)?;
            let caller = caller_of(p, &what)?;
            let mut key = StoredKey::new(secret).with_principal(caller.arn().to_owned());
            if let Some(token) = token {
                key = key.with_session_token(token);
            }
            if keys.insert(p.access_key_id.clone(), key).is_some() {
                return Err(GatewayError::invalid(format!("{what} is configured twice")));
            }
            let policies = p
                .identity_policies
                .iter()
                .map(|s| load(s, base, PolicyKind::Identity))
                .collect::<Result<Vec<_>, _>>()?;
            by_access_key.insert(p.access_key_id.clone(), principals.len());
            identity.push(policies);
            principals.push(Principal {
                identity: caller,
                tags: p.tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            });
        }
        let keys = Arc::new(keys);

        // Endpoints.
        let mut endpoints = Vec::new();
        let mut endpoint_policies = Vec::new();
        for e in &config.endpoints {
            let what = format!("endpoint {}", e.id);
            if !e.id.starts_with("vpce-") {
                return Err(GatewayError::invalid(format!(
                    "{what}: a VPC endpoint id starts with \"vpce-\""
                )));
            }
            if endpoints.iter().any(|x: &Endpoint| x.id == e.id) {
                return Err(GatewayError::invalid(format!("{what} is configured twice")));
            }
            known_account(&e.owner, &what)?;
            let policy = e.policy.as_ref();
            endpoint_policies.push(
                policy
                    .map(|s| load(s, base, PolicyKind::VpcEndpoint))
                    .transpose()?,
            );
            endpoints.push(Endpoint {
                id: e.id.clone(),
                vpc: e.vpc.clone(),
                tags: e.tags.clone(),
            });
        }

        // APIs, and one authorizer per (API, endpoint or none, principal or anonymous), in the
        // order `Pipeline::authorizer` indexes them.
        let mut apis = Vec::new();
        let mut authorizers = Vec::new();
        let skew = config.settings.max_skew_seconds;
        let longest = sigv4x::MAX_PRESIGN_EXPIRY.as_secs();
        if skew > longest {
            return Err(GatewayError::invalid(format!(
                "settings.max_skew_seconds ({skew}) is longer than 7 days ({longest})"
            )));
        }
        let skew = Duration::from_secs(skew);
        for a in &config.apis {
            let what = format!("API {}", a.id);
            if apis.iter().any(|x: &Api| x.id == a.id) {
                return Err(GatewayError::invalid(format!("{what} is configured twice")));
            }
            known_account(&a.account, &what)?;
            if a.stages.is_empty() {
                return Err(GatewayError::invalid(format!("{what} has no stages")));
            }
            let resource_policy = match &a.resource_policy {
                Some(source) => load(source, base, PolicyKind::Resource)?,
                None => {
                    return Err(GatewayError::invalid(format!(
                        "{what}: a private API needs a resource policy (API Gateway refuses to \
                         deploy one without)"
                    )))
                }
            };
            let mut routes = Vec::new();
            for r in &a.routes {
                routes.push(compile_route(r, &what)?);
            }
            let api_index = apis.len();
            for endpoint in std::iter::once(None).chain((0..endpoints.len()).map(Some)) {
                for principal in std::iter::once(None).chain((0..principals.len()).map(Some)) {
                    let mut authorizer =
                        Authorizer::new().with_resource_policy(resource_policy.clone());
                    if let Some(Some(policy)) =
                        endpoint.and_then(|e| endpoint_policies.get(e)).cloned()
                    {
                        authorizer = authorizer.with_endpoint_policy(policy);
                    }
                    if let Some(policies) = principal.and_then(|p| identity.get(p)) {
                        for policy in policies {
                            authorizer = authorizer.with_identity_policy(policy.clone());
                        }
                    }
                    // The request path finds this authorizer by `authorizer_index`: one out of
                    // place would decide with another caller's or endpoint's policies.
                    let key = (api_index, endpoint, principal);
                    if authorizer_index(key, endpoints.len(), principals.len())
                        != Some(authorizers.len())
                    {
                        return Err(GatewayError::invalid(format!(
                            "{what}: internal error: authorizers out of order"
                        )));
                    }
                    authorizers.push(authorizer);
                }
            }
            let verifier = Verifier::new(Arc::clone(&keys))
                .region(a.region.clone())
                .service("execute-api")
                .max_skew(skew);
            apis.push(Api {
                id: a.id.clone(),
                account: a.account.clone(),
                region: a.region.clone(),
                stages: a.stages.clone(),
                routes,
                verifier,
            });
        }

        Ok(Pipeline {
            apis,
            principals,
            by_access_key,
            endpoints,
            authorizers,
            limits: BodyLimits::new(
                config.settings.max_body_bytes,
                Duration::from_millis(config.settings.body_read_timeout_ms),
                config.settings.body_budget_bytes,
                config.settings.aws_chunked,
            ),
            replay: None,
            audit,
        })
    }
}

fn compile_route(r: &crate::config::RouteConfig, api: &str) -> Result<Route, GatewayError> {
    let what = format!("{api} route {} {}", r.method, r.path);
    let method = if r.method.eq_ignore_ascii_case("ANY") {
        None
    } else {
        Some(
            Method::from_bytes(r.method.to_ascii_uppercase().as_bytes())
                .map_err(|_| GatewayError::invalid(format!("{what}: not an HTTP method")))?,
        )
    };
    let template = Template::parse(&r.path).map_err(|e| match e {
        GatewayError::Invalid { reason } => GatewayError::invalid(format!("{api}: {reason}")),
        other => other,
    })?;
    let action = match (&r.response, &r.proxy) {
        (Some(canned), None) => {
            let status = StatusCode::from_u16(canned.status)
                .map_err(|_| GatewayError::invalid(format!("{what}: bad status")))?;
            let mut headers = http::HeaderMap::new();
            let content_type = HeaderValue::from_str(&canned.content_type)
                .map_err(|_| GatewayError::invalid(format!("{what}: bad content_type")))?;
            headers.insert(CONTENT_TYPE, content_type);
            for (name, value) in &canned.headers {
                let name = HeaderName::from_bytes(name.as_bytes())
                    .map_err(|_| GatewayError::invalid(format!("{what}: bad header {name:?}")))?;
                let value = HeaderValue::from_str(value).map_err(|_| {
                    GatewayError::invalid(format!("{what}: bad value for header {name}"))
                })?;
                headers.append(name, value);
            }
            Action::Canned {
                status,
                body: Bytes::from(canned.body.clone()),
                headers,
            }
        }
        (None, Some(url)) => Action::Proxy(ProxyTarget::parse(
            url,
            r.timeout_ms.map(Duration::from_millis),
        )?),
        _ => {
            return Err(GatewayError::invalid(format!(
                "{what}: give exactly one of response or proxy"
            )))
        }
    };
    let display = format!("{} {}", r.method.to_ascii_uppercase(), r.path);
    Ok(Route {
        method,
        template,
        display,
        authorization: r.authorization,
        action,
    })
}

/// The caller a principal's configuration describes.
fn caller_of(
    p: &crate::config::PrincipalConfig,
    what: &str,
) -> Result<sigv4x_policy::Caller, GatewayError> {
    use sigv4x_policy::Caller;
    let caller = match &p.session_name {
        Some(session) => Caller::role_session(&p.arn, session).map_err(|e| {
            GatewayError::invalid(format!(
                "{what}: session_name is for roles, and {} is not one ({e})",
                p.arn
            ))
        })?,
        None => Caller::new(&p.arn).map_err(|e| GatewayError::invalid(format!("{what}: {e}")))?,
    };
    match &p.unique_id {
        Some(id) => caller
            .with_unique_id(id)
            .map_err(|e| GatewayError::invalid(format!("{what}: unique_id: {e}"))),
        None => Ok(caller),
    }
}
