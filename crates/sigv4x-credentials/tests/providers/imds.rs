use std::time::{Duration, Instant};

use sigv4x_credentials::{ContainerProvider, Error, ImdsProvider, ProvideCredentials};

use crate::common::metadata::{imds, imds_serving};
use crate::common::{assert_no_secret, Home, Server};

#[tokio::test]
async fn imdsv2_token_then_role_then_credentials() {
    let server = imds(Some("web-server-role")).await;
    let home = Home::new();
    let env = home.env(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT", &server.url())]);
    let loaded = ImdsProvider::with_env(env)
        .provide_credentials()
        .await
        .unwrap();
    assert_eq!(loaded.credentials().access_key_id(), "ASIAIMDS1");
    assert!(loaded.expiry().is_some());
    let requests = server.requests();
    let seen: Vec<(String, &str)> = requests
        .iter()
        .map(|r| (r.method.to_string(), r.uri.path()))
        .collect();
    assert_eq!(
        seen,
        [
            ("PUT".to_string(), "/latest/api/token"),
            (
                "GET".to_string(),
                "/latest/meta-data/iam/security-credentials/"
            ),
            (
                "GET".to_string(),
                "/latest/meta-data/iam/security-credentials/web-server-role"
            ),
        ]
    );
    assert_eq!(
        requests[0].header("x-aws-ec2-metadata-token-ttl-seconds"),
        Some("21600")
    );
    assert_eq!(
        requests[2].header("x-aws-ec2-metadata-token"),
        Some("AQAEAImdsV2TokenExample==")
    );
}

#[tokio::test]
async fn disabled_and_roleless_instances_are_not_configured() {
    let server = imds(None).await;
    let home = Home::new();
    let env = home.env(&[
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT", &server.url()),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ]);
    let err = ImdsProvider::with_env(env)
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(
        err.is_not_configured() && err.to_string().contains("AWS_EC2_METADATA_DISABLED"),
        "{err}"
    );
    assert!(server.requests().is_empty(), "a disabled IMDS is not asked");
    let env = home.env(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT", &server.url())]);
    let err = ImdsProvider::with_env(env)
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(
        err.is_not_configured() && err.to_string().contains("no IAM role"),
        "{err}"
    );
}

#[tokio::test]
async fn gives_up_within_about_a_second_when_nothing_answers() {
    // Accepts the connection and never answers, like a filtered 169.254.169.254.
    let black_hole = Server::start(|_| None).await;
    let home = Home::new();
    let env = home.env(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT", &black_hole.url())]);
    let started = Instant::now();
    let err = ImdsProvider::with_env(env)
        .provide_credentials()
        .await
        .unwrap_err();
    let took = started.elapsed();
    assert!(err.is_not_configured(), "{err}");
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_millis(2000),
        "{took:?}"
    );

    // Nothing listening at all: refused at once.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let env = home.env(&[(
        "AWS_EC2_METADATA_SERVICE_ENDPOINT",
        &format!("http://{closed}"),
    )]);
    let err = ImdsProvider::with_env(env)
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotConfigured { .. }), "{err}");
}

/// Both sources serve temporary credentials: an answer without `Token` or without
/// `Expiration` is refused (naming the field, not echoing values), never cached forever.
#[tokio::test]
async fn token_and_expiration_are_required_from_imds_and_containers() {
    let cases = [
        (
            "Token",
            r#"{"Code":"Success","AccessKeyId":"ASIAX","SecretAccessKey":"SECRETXYZ","Expiration":"2099-01-01T00:00:00Z"}"#,
        ),
        (
            "Expiration",
            r#"{"Code":"Success","AccessKeyId":"ASIAX","SecretAccessKey":"SECRETXYZ","Token":"TOKENXYZ"}"#,
        ),
        (
            "Token",
            r#"{"AccessKeyId":"ASIAX","SecretAccessKey":"SECRETXYZ","Token":"","Expiration":"2099-01-01T00:00:00Z"}"#,
        ),
        (
            "AccessKeyId",
            r#"{"AccessKeyId":"","SecretAccessKey":"SECRETXYZ","Token":"TOKENXYZ","Expiration":"2099-01-01T00:00:00Z"}"#,
        ),
    ];
    let home = Home::new();
    for (field, body) in cases {
        let server = imds_serving(body.to_string()).await;
        let env = home.env(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT", &server.url())]);
        let imds_err = ImdsProvider::with_env(env)
            .provide_credentials()
            .await
            .unwrap_err();
        let uri = format!("{}/creds", server.url());
        let env = home.env(&[("AWS_CONTAINER_CREDENTIALS_FULL_URI", &uri)]);
        let container_err = ContainerProvider::with_env(env)
            .provide_credentials()
            .await
            .unwrap_err();
        for err in [imds_err, container_err] {
            assert!(matches!(err, Error::InvalidResponse { .. }), "{err}");
            assert!(err.to_string().contains(field), "{field}: {err}");
            assert_no_secret(&format!("{err} {err:?}"), &["SECRETXYZ", "TOKENXYZ"]);
        }
    }
}
