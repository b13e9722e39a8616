//! A fake STS speaking the query API: form-encoded POSTs in, the documented XML out, and
//! `ErrorResponse` documents for refusals. `AssumeRole` requests must carry a valid SigV4
//! signature (checked with `sigv4x::Verifier`) from a key it knows, with that key's session
//! token; the credentials it issues become known keys, so role chains verify step by step.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use percent_encoding::percent_decode_str;
use sigv4x::{Payload, StoredKey, Verifier};

use super::{rfc3339, Answer, Recorded, Server};

/// What one call asked for.
#[derive(Clone, Debug)]
pub struct Call {
    pub action: String,
    pub params: HashMap<String, String>,
    /// The access key that signed it (AssumeRole).
    pub signed_by: Option<String>,
    /// The region in the signature's scope.
    pub signing_region: Option<String>,
}

#[derive(Default)]
struct State {
    keys: HashMap<String, StoredKey>,
    denied_roles: Vec<String>,
    web_identity_token: Option<String>,
    calls: Vec<Call>,
    issued: usize,
    lifetime: Option<Duration>,
}

pub struct FakeSts {
    pub server: Server,
    state: Arc<Mutex<State>>,
}

pub fn parse_form(body: &[u8]) -> HashMap<String, String> {
    let text = std::str::from_utf8(body).unwrap();
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |s: &str| {
                percent_decode_str(&s.replace('+', " "))
                    .decode_utf8()
                    .unwrap()
                    .into_owned()
            };
            (decode(k), decode(v))
        })
        .collect()
}

fn error(status: u16, code: &str, message: &str) -> Answer {
    Answer::new(
        status,
        format!(
            "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <Error>\n    \
             <Type>Sender</Type>\n    <Code>{code}</Code>\n    <Message>{message}</Message>\n  \
             </Error>\n  <RequestId>4c6f4f4e-0000-4000-8000-000000000000</RequestId>\n</ErrorResponse>\n"
        ),
    )
    .header("content-type", "text/xml")
}

impl FakeSts {
    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let server = Server::start(move |request| Some(handle(&shared, request))).await;
        FakeSts { server, state }
    }

    /// A long-term key that may call AssumeRole.
    pub fn allow_key(&self, id: &str, secret: &str) {
        self.state
            .lock()
            .unwrap()
            .keys
            .insert(id.into(), StoredKey::new(secret.to_owned()));
    }

    /// A temporary key that may call AssumeRole when it sends `token`.
    pub fn allow_temporary_key(&self, id: &str, secret: &str, token: &str) {
        let key = StoredKey::new(secret.to_owned()).with_session_token(token.to_owned());
        self.state.lock().unwrap().keys.insert(id.into(), key);
    }

    /// AssumeRole of `role_arn` is refused with AccessDenied.
    pub fn deny_role(&self, role_arn: &str) {
        self.state
            .lock()
            .unwrap()
            .denied_roles
            .push(role_arn.into());
    }

    /// The one web identity token accepted.
    pub fn accept_web_identity_token(&self, token: &str) {
        self.state.lock().unwrap().web_identity_token = Some(token.into());
    }

    /// Issued credentials last this long unless DurationSeconds says otherwise.
    pub fn lifetime(&self, lifetime: Duration) {
        self.state.lock().unwrap().lifetime = Some(lifetime);
    }

    pub fn calls(&self) -> Vec<Call> {
        self.state.lock().unwrap().calls.clone()
    }

    pub fn url(&self) -> String {
        self.server.url()
    }
}

fn handle(state: &Mutex<State>, request: &Recorded) -> Answer {
    if request.method != http::Method::POST {
        return error(400, "InvalidAction", "STS's query API takes POST here");
    }
    if !request
        .header("content-type")
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"))
    {
        return error(400, "InvalidParameterValue", "not a form");
    }
    let params = parse_form(&request.body);
    let action = params.get("Action").cloned().unwrap_or_default();
    if params.get("Version").map(String::as_str) != Some("2011-06-15") {
        return error(400, "InvalidParameterValue", "unknown Version");
    }
    let mut state = state.lock().unwrap();
    let (signed_by, signing_region) = match action.as_str() {
        "AssumeRole" => {
            let verifier = Verifier::new(state.keys.clone()).service("sts");
            // The signing region is whatever the client scoped; record it for the test.
            let region = request
                .header("authorization")
                .and_then(|a| a.split("Credential=").nth(1))
                .and_then(|c| c.split('/').nth(2))
                .unwrap_or("")
                .to_string();
            let verifier = verifier.region(region.clone());
            match verifier.verify_at(
                &request.to_request(),
                Payload::Bytes(&request.body),
                SystemTime::now(),
            ) {
                Ok(verified) => (Some(verified.access_key_id().to_string()), Some(region)),
                Err(e) => return error(e.http_status(), e.code(), &e.to_string()),
            }
        }
        "AssumeRoleWithWebIdentity" => {
            if request.header("authorization").is_some() {
                return error(
                    400,
                    "InvalidRequest",
                    "AssumeRoleWithWebIdentity is not signed",
                );
            }
            if params.get("WebIdentityToken") != state.web_identity_token.as_ref() {
                return error(
                    400,
                    "InvalidIdentityToken",
                    "Couldn't retrieve verification key from your identity provider",
                );
            }
            (None, None)
        }
        _ => return error(400, "InvalidAction", "Could not find operation"),
    };
    let role_arn = params.get("RoleArn").cloned().unwrap_or_default();
    state.calls.push(Call {
        action: action.clone(),
        params: params.clone(),
        signed_by,
        signing_region,
    });
    if state.denied_roles.contains(&role_arn) {
        return error(
            403,
            "AccessDenied",
            &format!("User is not authorized to perform: sts:AssumeRole on resource: {role_arn}"),
        );
    }
    state.issued += 1;
    let role = role_arn.rsplit('/').next().unwrap_or("role").to_uppercase();
    let id = format!("ASIA{role}{}", state.issued);
    let secret = format!("secret-of-{id}");
    let token = format!("token-of-{id}");
    state.keys.insert(
        id.clone(),
        StoredKey::new(secret.clone()).with_session_token(token.clone()),
    );
    let lifetime = params
        .get("DurationSeconds")
        .and_then(|d| d.parse().ok())
        .map(Duration::from_secs)
        .or(state.lifetime)
        .unwrap_or(Duration::from_secs(3600));
    let expiration = rfc3339(SystemTime::now() + lifetime);
    let session = params.get("RoleSessionName").cloned().unwrap_or_default();
    Answer::new(
        200,
        format!(
            "<{action}Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <{action}Result>\n    \
             <AssumedRoleUser>\n      <Arn>arn:aws:sts::123456789012:assumed-role/{role}/{session}</Arn>\n      \
             <AssumedRoleId>AROA3XFRBF535PLBIFPI4:{session}</AssumedRoleId>\n    </AssumedRoleUser>\n    \
             <Credentials>\n      <AccessKeyId>{id}</AccessKeyId>\n      <SecretAccessKey>{secret}</SecretAccessKey>\n      \
             <SessionToken>{token}</SessionToken>\n      <Expiration>{expiration}</Expiration>\n    </Credentials>\n    \
             <PackedPolicySize>6</PackedPolicySize>\n  </{action}Result>\n  <ResponseMetadata>\n    \
             <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>\n  </ResponseMetadata>\n</{action}Response>\n"
        ),
    )
    .header("content-type", "text/xml")
}
