use sigv4x_credentials::{ChainProvider, Error, ProvideCredentials};

use crate::common::fake_sts::FakeSts;
use crate::common::metadata::{container, imds};
use crate::common::Home;

#[tokio::test]
async fn the_sdk_order_environment_web_identity_profile_container_imds() {
    let sts = FakeSts::start().await;
    sts.accept_web_identity_token("oidc-token");
    let container = container(None).await;
    let imds = imds(Some("instance-role")).await;
    let home = Home::new();
    let token = home.write("token", "oidc-token");
    home.credentials(
        "[default]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = profile-secret\n",
    );
    let sts_url = sts.url();
    let container_uri = format!("{}/v2/credentials/abc", container.url());
    let imds_url = imds.url();
    let token_path = token.display().to_string();
    let all: Vec<(&str, &str)> = vec![
        ("AWS_ACCESS_KEY_ID", "AKIDENV"),
        ("AWS_SECRET_ACCESS_KEY", "env-secret"),
        ("AWS_WEB_IDENTITY_TOKEN_FILE", &token_path),
        ("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/oidc"),
        ("AWS_ENDPOINT_URL_STS", &sts_url),
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", &container_uri),
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT", &imds_url),
    ];
    let without = |drop: &[&str]| {
        let kept: Vec<(&str, &str)> = all
            .iter()
            .copied()
            .filter(|(k, _)| !drop.contains(k))
            .collect();
        home.env(&kept)
    };
    let winner = |env| async move {
        ChainProvider::default_chain_with_env(env)
            .provide_credentials()
            .await
            .unwrap()
            .credentials()
            .access_key_id()
            .to_string()
    };
    assert_eq!(winner(without(&[])).await, "AKIDENV");
    assert_eq!(winner(without(&["AWS_ACCESS_KEY_ID"])).await, "ASIAOIDC1");
    assert_eq!(
        winner(without(&[
            "AWS_ACCESS_KEY_ID",
            "AWS_WEB_IDENTITY_TOKEN_FILE"
        ]))
        .await,
        "AKIDPROFILE"
    );
    std::fs::remove_file(home.path().join(".aws/credentials")).unwrap();
    // A config whose default profile only sets the region (usual on EC2 and in containers)
    // does not stop the chain.
    home.config("[default]\nregion = eu-west-1\n");
    assert_eq!(
        winner(without(&[
            "AWS_ACCESS_KEY_ID",
            "AWS_WEB_IDENTITY_TOKEN_FILE"
        ]))
        .await,
        "ASIACONTAINER1"
    );
    assert_eq!(
        winner(without(&[
            "AWS_ACCESS_KEY_ID",
            "AWS_WEB_IDENTITY_TOKEN_FILE",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI"
        ]))
        .await,
        "ASIAIMDS1"
    );
    let names: Vec<&str> = ChainProvider::default_chain().names().collect();
    assert_eq!(
        names,
        [
            "environment",
            "web identity",
            "profile",
            "container",
            "instance metadata"
        ]
    );
}

#[tokio::test]
async fn nothing_found_lists_every_provider_and_why() {
    let home = Home::new();
    let env = home.env(&[("AWS_EC2_METADATA_DISABLED", "true")]);
    let err = ChainProvider::default_chain_with_env(env)
        .provide_credentials()
        .await
        .unwrap_err();
    let Error::NoneFound(tried) = &err else {
        panic!("{err:?}")
    };
    let names: Vec<&str> = tried.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        names,
        [
            "environment",
            "web identity",
            "profile",
            "container",
            "instance metadata"
        ]
    );
    let text = err.to_string();
    for reason in [
        "AWS_ACCESS_KEY_ID is not set",
        "AWS_WEB_IDENTITY_TOKEN_FILE is not set",
        "profile `default` is not defined (no config or credentials file exists)",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI is set",
        "disabled by AWS_EC2_METADATA_DISABLED",
    ] {
        assert!(text.contains(reason), "{reason:?} missing from: {text}");
    }
}

#[tokio::test]
async fn a_configured_source_that_fails_stops_the_chain() {
    let sts = FakeSts::start().await;
    sts.accept_web_identity_token("the-right-token");
    let container = container(None).await;
    let home = Home::new();
    let token = home.write("token", "a-wrong-token");
    let container_uri = format!("{}/v2/credentials/abc", container.url());
    let env = home.env(&[
        ("AWS_WEB_IDENTITY_TOKEN_FILE", &token.display().to_string()),
        ("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/oidc"),
        ("AWS_ENDPOINT_URL_STS", &sts.url()),
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", &container_uri),
    ]);
    let err = ChainProvider::default_chain_with_env(env)
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Service { status: 400, .. }), "{err:?}");
    assert!(
        container.requests().is_empty(),
        "the chain went past a failing source"
    );
}
