use sigv4x_credentials::{Error, ProvideCredentials, WebIdentityProvider};

use crate::common::fake_sts::FakeSts;
use crate::common::{assert_no_secret, Answer, Home, Server};

#[tokio::test]
async fn assumes_the_role_with_the_token_file_unsigned() {
    let sts = FakeSts::start().await;
    sts.accept_web_identity_token("eyJhbGciOiJSUzI1NiJ9.irsa");
    let home = Home::new();
    let token = home.write(
        "var/run/secrets/eks.amazonaws.com/serviceaccount/token",
        "eyJhbGciOiJSUzI1NiJ9.irsa",
    );
    let token_path = token.display().to_string();
    let env = home.env(&[
        ("AWS_WEB_IDENTITY_TOKEN_FILE", &token_path),
        ("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/irsa"),
        ("AWS_ROLE_SESSION_NAME", "my-pod"),
        ("AWS_REGION", "eu-central-1"),
        ("AWS_ENDPOINT_URL_STS", &sts.url()),
    ]);
    let loaded = WebIdentityProvider::with_env(env.clone())
        .provide_credentials()
        .await
        .unwrap();
    assert_eq!(loaded.credentials().access_key_id(), "ASIAIRSA1");
    let call = &sts.calls()[0];
    assert_eq!(call.action, "AssumeRoleWithWebIdentity");
    assert_eq!(
        call.params["RoleArn"],
        "arn:aws:iam::123456789012:role/irsa"
    );
    assert_eq!(call.params["RoleSessionName"], "my-pod");
    assert_eq!(call.signed_by, None);

    // The platform rotates the token; a stale one is refused by STS.
    std::fs::write(&token, "eyJ.stale").unwrap();
    let err = WebIdentityProvider::with_env(env)
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Service { status: 400, code: Some(c), .. } if c == "InvalidIdentityToken"),
        "{err:?}"
    );
    assert_no_secret(&format!("{err} {err:?}"), &["eyJ.stale"]);
}

#[tokio::test]
async fn absent_without_the_token_file_and_an_error_without_the_role() {
    let home = Home::new();
    let err = WebIdentityProvider::with_env(home.env(&[]))
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(err.is_not_configured());
    let env = home.env(&[("AWS_WEB_IDENTITY_TOKEN_FILE", "/nonexistent")]);
    let err = WebIdentityProvider::with_env(env)
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("AWS_ROLE_ARN"), "{err}");
}

/// Web identity against an STS that answers `body` with `status`, whatever it is.
async fn against_sts_answering(
    status: u16,
    body: String,
) -> Result<sigv4x_credentials::ExpiringCredentials, Error> {
    let sts = Server::start(move |_| Some(Answer::new(status, body.clone()))).await;
    let home = Home::new();
    let token = home.write("token", "WEBTOKEN");
    let env = home.env(&[
        ("AWS_WEB_IDENTITY_TOKEN_FILE", &token.display().to_string()),
        ("AWS_ROLE_ARN", "arn:aws:iam::1:role/r"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ENDPOINT_URL_STS", &sts.url()),
    ]);
    WebIdentityProvider::with_env(env)
        .provide_credentials()
        .await
}

fn sts_answer(credentials: &str) -> String {
    format!(
        "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult>{credentials}\
         </AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>"
    )
}

/// Errors about an STS answer say what is wrong with it, never what it says: a 200 that is
/// not XML, an element of the wrong shape, a bad `Expiration`.
#[tokio::test]
async fn sts_answers_are_never_echoed_in_errors() {
    let creds = |id: &str, exp: &str| {
        format!(
            "<Credentials><AccessKeyId>{id}</AccessKeyId><SecretAccessKey>SECRETXYZ</SecretAccessKey>\
             <SessionToken>TOKENXYZ</SessionToken><Expiration>{exp}</Expiration></Credentials>"
        )
    };
    for body in [
        "SECRETXYZ {json}".to_string(),
        sts_answer("<Credentials>SECRETXYZ-TEXT</Credentials>"),
        sts_answer(&creds("ASIA1", "SECRETXYZ")),
        "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult>SECRETXYZ".to_string(),
    ] {
        let err = against_sts_answering(200, body).await.unwrap_err();
        assert!(matches!(err, Error::InvalidResponse { .. }), "{err}");
        assert_no_secret(&format!("{err} {err:?}"), &["SECRETXYZ", "TOKENXYZ"]);
    }
    let ok = against_sts_answering(200, sts_answer(&creds("ASIA1", "2099-01-01T00:00:00Z")))
        .await
        .unwrap();
    assert_eq!(ok.credentials().access_key_id(), "ASIA1");
}

/// Empty keys from STS are refused, naming the field.
#[tokio::test]
async fn sts_answers_with_empty_keys_are_refused() {
    for (field, credentials) in [
        (
            "AccessKeyId",
            "<Credentials><AccessKeyId></AccessKeyId><SecretAccessKey>S</SecretAccessKey>\
             <SessionToken>T</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>",
        ),
        (
            "AccessKeyId",
            "<Credentials><AccessKeyId/><SecretAccessKey>S</SecretAccessKey>\
             <SessionToken>T</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>",
        ),
        (
            "SecretAccessKey",
            "<Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey/>\
             <SessionToken>T</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>",
        ),
    ] {
        let err = against_sts_answering(200, sts_answer(credentials))
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::InvalidResponse { .. }) && err.to_string().contains(field),
            "{field}: {err}"
        );
    }
}
