use std::time::{Duration, SystemTime};

use sigv4x_credentials::{Error, ProfileProvider, ProvideCredentials};

use crate::common::metadata::sso_portal;
use crate::common::{assert_no_secret, rfc3339, Home};

const CONFIG: &str = "\
[profile dev]
sso_session = my-sso
sso_account_id = 111122223333
sso_role_name = Developer
region = us-west-2

[sso-session my-sso]
sso_start_url = https://my-sso-portal.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile legacy]
sso_start_url = https://my-sso-portal.awsapps.com/start
sso_region = us-east-1
sso_account_id = 111122223333
sso_role_name = Developer
";

/// What `aws sso login` leaves in the cache (fields as the CLI writes them).
fn token_cache(token: &str, expires: SystemTime) -> String {
    format!(
        r#"{{"startUrl": "https://my-sso-portal.awsapps.com/start", "region": "us-east-1", "accessToken": "{token}", "expiresAt": "{}", "clientId": "c", "clientSecret": "cs", "refreshToken": "r"}}"#,
        rfc3339(expires)
    )
}

#[tokio::test]
async fn sso_session_token_from_the_cache_is_exchanged_for_role_credentials() {
    let portal = sso_portal("sso-access-token").await;
    let home = Home::new();
    home.config(CONFIG);
    // sha1("my-sso"), as `hashlib.sha1(b"my-sso").hexdigest()` gives it.
    home.write(
        ".aws/sso/cache/0ad374308c5a4e22f723adf10145eafad7c4031c.json",
        &token_cache(
            "sso-access-token",
            SystemTime::now() + Duration::from_secs(3600),
        ),
    );
    let env = home.env(&[
        ("AWS_PROFILE", "dev"),
        ("AWS_ENDPOINT_URL_SSO", &portal.url()),
    ]);
    let loaded = ProfileProvider::with_env(env)
        .provide_credentials()
        .await
        .unwrap();
    assert_eq!(loaded.credentials().access_key_id(), "ASIASSO1");
    assert_eq!(
        loaded.credentials().session_token(),
        Some("token-of-ASIASSO1")
    );
    let expiry = loaded.expiry().unwrap();
    assert!(expiry > SystemTime::now() + Duration::from_secs(3500));
    let request = &portal.requests()[0];
    assert_eq!(request.uri.path(), "/federation/credentials");
    assert_eq!(
        request.uri.query(),
        Some("role_name=Developer&account_id=111122223333")
    );
}

#[tokio::test]
async fn legacy_profiles_hash_the_start_url_and_expired_or_bad_tokens_say_what_to_do() {
    let portal = sso_portal("sso-access-token").await;
    let home = Home::new();
    home.config(CONFIG);
    // sha1("https://my-sso-portal.awsapps.com/start"), the name the CLI documents.
    let cache = ".aws/sso/cache/c7aaaf71fcc8777ae2475525ed049d39fe16c484.json";
    let env = home.env(&[
        ("AWS_PROFILE", "legacy"),
        ("AWS_ENDPOINT_URL", &portal.url()),
    ]);

    let err = ProfileProvider::with_env(env.clone())
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("aws sso login --profile legacy"),
        "{err}"
    );

    home.write(
        cache,
        &token_cache(
            "sso-access-token",
            SystemTime::now() + Duration::from_secs(600),
        ),
    );
    let loaded = ProfileProvider::with_env(env.clone())
        .provide_credentials()
        .await
        .unwrap();
    assert_eq!(loaded.credentials().access_key_id(), "ASIASSO1");

    home.write(
        cache,
        &token_cache(
            "sso-access-token",
            SystemTime::now() - Duration::from_secs(60),
        ),
    );
    let err = ProfileProvider::with_env(env.clone())
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("expired"), "{err}");

    home.write(
        cache,
        &token_cache(
            "revoked-token",
            SystemTime::now() + Duration::from_secs(600),
        ),
    );
    let err = ProfileProvider::with_env(env)
        .provide_credentials()
        .await
        .unwrap_err();
    match &err {
        Error::Service {
            status: 401,
            code,
            message,
            ..
        } => {
            assert_eq!(code.as_deref(), Some("UnauthorizedException"));
            assert_eq!(
                message.as_deref(),
                Some("Session token not found or invalid")
            );
        }
        other => panic!("{other:?}"),
    }
    assert_no_secret(&format!("{err} {err:?}"), &["revoked-token"]);
}
