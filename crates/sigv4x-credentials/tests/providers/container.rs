use std::time::{Duration, SystemTime};

use sigv4x_credentials::{ContainerProvider, Error, ProvideCredentials};

use crate::common::metadata::{container, credentials_json};
use crate::common::{assert_no_secret, Answer, Home, Server};

#[tokio::test]
async fn full_uri_with_an_authorization_token() {
    let server = container(Some("pod-identity-token")).await;
    let home = Home::new();
    let uri = format!("{}/v2/credentials/abc", server.url());
    let env = home.env(&[
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", &uri),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "pod-identity-token"),
    ]);
    let loaded = ContainerProvider::with_env(env)
        .provide_credentials()
        .await
        .unwrap();
    assert_eq!(loaded.credentials().access_key_id(), "ASIACONTAINER1");
    assert_eq!(
        loaded.credentials().secret_access_key(),
        "secret-of-ASIACONTAINER1"
    );
    assert_eq!(
        loaded.credentials().session_token(),
        Some("token-of-ASIACONTAINER1")
    );
    assert!(loaded.expiry().is_some());
    assert_eq!(server.requests()[0].method, http::Method::GET);
}

#[tokio::test]
async fn the_token_file_wins_and_is_read_at_each_load() {
    let server = container(Some("from-file")).await;
    let home = Home::new();
    let file = home.write("eks-pod-identity-token", "from-file\n");
    let uri = format!("{}/v2/credentials/abc", server.url());
    let env = home.env(&[
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", &uri),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "from-variable"),
        (
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
            &file.display().to_string(),
        ),
    ]);
    let provider = ContainerProvider::with_env(env);
    assert!(provider.provide_credentials().await.is_ok());
    // Rotated by the platform: the next load reads the new token.
    std::fs::write(&file, "rotated").unwrap();
    let err = provider.provide_credentials().await.unwrap_err();
    match &err {
        Error::Service {
            status: 401, code, ..
        } => assert_eq!(code.as_deref(), Some("AccessDeniedException")),
        other => panic!("{other:?}"),
    }
    assert_no_secret(
        &format!("{err} {err:?} {provider:?}"),
        &["rotated", "from-variable", "from-file"],
    );
}

#[tokio::test]
async fn relative_uri_is_served_from_the_ecs_address() {
    let server = container(None).await;
    let home = Home::new();
    let env = home.env(&[(
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "/v2/credentials/abc",
    )]);
    let loaded = ContainerProvider::with_env(env)
        .relative_base(server.url())
        .provide_credentials()
        .await
        .unwrap();
    assert_eq!(loaded.credentials().access_key_id(), "ASIACONTAINER1");
}

#[tokio::test]
async fn refuses_clear_http_off_the_host_and_is_absent_without_variables() {
    let home = Home::new();
    let env = home.env(&[(
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "http://203.0.113.7/creds",
    )]);
    let err = ContainerProvider::with_env(env)
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidConfiguration { .. }), "{err}");
    let err = ContainerProvider::with_env(home.env(&[]))
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(err.is_not_configured());
}

/// `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` is a path on the ECS agent: a value that would
/// change the host (`@host:port/x` after `http://169.254.170.2`, or `.attacker.tld/x`) is
/// refused before any request, so the other host receives neither the authorization token nor
/// the chance to hand out credentials.
#[tokio::test]
async fn a_relative_uri_cannot_name_another_host() {
    let attacker = Server::start(|_| {
        Some(Answer::new(
            200,
            credentials_json("STOLEN", SystemTime::now() + Duration::from_secs(3600)),
        ))
    })
    .await;
    let home = Home::new();
    let at_host = format!("@{}/creds", attacker.addr);
    for relative in [
        at_host.as_str(),
        ".attacker.invalid/creds",
        "//attacker.invalid/creds",
        "creds",
        "/v2/credentials\\@attacker.invalid",
    ] {
        let env = home.env(&[
            ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", relative),
            ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "SUPER-SECRET-AUTH"),
        ]);
        let err = ContainerProvider::with_env(env)
            .provide_credentials()
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::InvalidConfiguration { .. }),
            "{relative:?}: {err}"
        );
        assert_no_secret(&format!("{err} {err:?}"), &["SUPER-SECRET-AUTH"]);
    }
    assert!(attacker.requests().is_empty(), "the attacker was asked");
}

#[tokio::test]
async fn a_relative_uri_keeps_its_query() {
    let server = Server::start(|request| {
        Some(Answer::new(
            200,
            credentials_json(
                request.uri.query().unwrap_or("none"),
                SystemTime::now() + Duration::from_secs(3600),
            ),
        ))
    })
    .await;
    let env = Home::new().env(&[(
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "/v2/credentials/abc?id=1",
    )]);
    let loaded = ContainerProvider::with_env(env)
        .relative_base(server.url())
        .provide_credentials()
        .await
        .unwrap();
    assert_eq!(loaded.credentials().access_key_id(), "id=1");
    assert_eq!(server.requests()[0].uri.path(), "/v2/credentials/abc");
}

/// URLs in errors lose their `user:password@` (and query).
#[tokio::test]
async fn errors_show_urls_without_their_password() {
    let home = Home::new();
    for full in [
        "http://user:PASSWORDLEAK@10.0.0.1/x?q=QUERYLEAK",
        "https://user:PASSWORDLEAK@127.0.0.1:1/x?q=QUERYLEAK",
        "http://user:PASSWORDLEAK@[::1/x",
    ] {
        let env = home.env(&[("AWS_CONTAINER_CREDENTIALS_FULL_URI", full)]);
        let err = ContainerProvider::with_env(env)
            .provide_credentials()
            .await
            .unwrap_err();
        assert_no_secret(&format!("{err} {err:?}"), &["PASSWORDLEAK", "QUERYLEAK"]);
    }
}
