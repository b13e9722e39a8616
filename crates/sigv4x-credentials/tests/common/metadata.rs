//! Fake container credentials endpoint, IMDSv2 and SSO portal, answering as the real ones do.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::{rfc3339, Answer, Server};

/// The credentials JSON the container agents and IMDS serve.
pub fn credentials_json(id: &str, expiry: SystemTime) -> String {
    format!(
        r#"{{"Code":"Success","LastUpdated":"{}","Type":"AWS-HMAC","AccessKeyId":"{id}","SecretAccessKey":"secret-of-{id}","Token":"token-of-{id}","Expiration":"{}","RoleArn":"arn:aws:iam::123456789012:role/task"}}"#,
        rfc3339(SystemTime::now()),
        rfc3339(expiry)
    )
}

/// A container endpoint at `/v2/credentials/abc` (ECS's relative URI shape) requiring
/// `Authorization: token` when given. Each answer issues a new key id.
pub async fn container(token: Option<&'static str>) -> Server {
    let issued = Arc::new(AtomicUsize::new(0));
    Server::start(move |request| {
        if request.uri.path() != "/v2/credentials/abc" {
            return Some(Answer::new(
                404,
                r#"{"code":"NotFound","message":"no such credentials"}"#,
            ));
        }
        if let Some(token) = token {
            if request.header("authorization") != Some(token) {
                return Some(Answer::new(
                    401,
                    r#"{"code":"AccessDeniedException","message":"invalid authorization token"}"#,
                ));
            }
        }
        let n = issued.fetch_add(1, Ordering::SeqCst) + 1;
        let body = credentials_json(
            &format!("ASIACONTAINER{n}"),
            SystemTime::now() + Duration::from_secs(3600),
        );
        Some(Answer::new(200, body).header("content-type", "application/json"))
    })
    .await
}

/// IMDSv2: a token from `PUT /latest/api/token` (with the TTL header), required on every GET.
/// With `role` `None`, the instance has no role (404).
pub async fn imds(role: Option<&'static str>) -> Server {
    const TOKEN: &str = "AQAEAImdsV2TokenExample==";
    Server::start(move |request| {
        let path = request.uri.path();
        if path == "/latest/api/token" {
            if request.method != http::Method::PUT {
                return Some(Answer::new(405, ""));
            }
            if request
                .header("x-aws-ec2-metadata-token-ttl-seconds")
                .is_none()
            {
                return Some(Answer::new(400, ""));
            }
            return Some(
                Answer::new(200, TOKEN).header("x-aws-ec2-metadata-token-ttl-seconds", "21600"),
            );
        }
        if request.header("x-aws-ec2-metadata-token") != Some(TOKEN) {
            return Some(Answer::new(401, ""));
        }
        let base = "/latest/meta-data/iam/security-credentials/";
        match (path.strip_prefix(base), role) {
            (Some(""), Some(role)) => Some(Answer::new(200, format!("{role}\n"))),
            (Some(name), Some(role)) if name == role => Some(Answer::new(
                200,
                credentials_json(
                    "ASIAIMDS1",
                    SystemTime::now() + Duration::from_secs(6 * 3600),
                ),
            )),
            _ => Some(Answer::new(
                404,
                "<?xml version=\"1.0\"?><html><body>404 - Not Found</body></html>",
            )),
        }
    })
    .await
}

/// The SSO portal's `GET /federation/credentials?role_name=…&account_id=…`, accepting only
/// `x-amz-sso_bearer_token: token`.
pub async fn sso_portal(token: &'static str) -> Server {
    Server::start(move |request| {
        if request.uri.path() != "/federation/credentials" {
            return Some(Answer::new(404, "{}"));
        }
        if request.header("x-amz-sso_bearer_token") != Some(token) {
            return Some(
                Answer::new(
                    401,
                    r#"{"message":"Session token not found or invalid","__type":"com.amazonaws.switchboard.portal#UnauthorizedException"}"#,
                )
                .header("x-amzn-errortype", "UnauthorizedException"),
            );
        }
        let query = request.uri.query().unwrap_or("");
        if !(query.contains("role_name=Developer") && query.contains("account_id=111122223333")) {
            return Some(Answer::new(
                403,
                r#"{"message":"No access","__type":"com.amazonaws.switchboard.portal#ForbiddenException"}"#,
            ));
        }
        let expiration = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_millis()
            + 3_600_000;
        Some(Answer::new(
            200,
            format!(
                r#"{{"roleCredentials":{{"accessKeyId":"ASIASSO1","secretAccessKey":"secret-of-ASIASSO1","sessionToken":"token-of-ASIASSO1","expiration":{expiration}}}}}"#
            ),
        ))
    })
    .await
}

/// IMDSv2 whose role `role` answers `body`, whatever it is (for malformed answers).
pub async fn imds_serving(body: String) -> Server {
    Server::start(move |request| {
        let path = request.uri.path();
        Some(if path == "/latest/api/token" {
            Answer::new(200, "TOKEN")
        } else if path.ends_with("/security-credentials/") {
            Answer::new(200, "role\n")
        } else {
            Answer::new(200, body.clone())
        })
    })
    .await
}
