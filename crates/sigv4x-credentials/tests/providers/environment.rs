use sigv4x_credentials::{EnvironmentProvider, Error, ProvideCredentials};

use crate::common::{assert_no_secret, Home};

#[tokio::test]
async fn keys_token_and_expiry_from_the_environment() {
    let home = Home::new();
    let env = home.env(&[
        ("AWS_ACCESS_KEY_ID", "AKIDENV"),
        ("AWS_SECRET_ACCESS_KEY", "env-secret"),
        ("AWS_SESSION_TOKEN", "env-token"),
        ("AWS_CREDENTIAL_EXPIRATION", "2040-01-01T00:00:00Z"),
    ]);
    let loaded = EnvironmentProvider::with_env(env)
        .provide_credentials()
        .await
        .unwrap();
    let c = loaded.credentials();
    assert_eq!(
        (c.access_key_id(), c.secret_access_key()),
        ("AKIDENV", "env-secret")
    );
    assert_eq!(c.session_token(), Some("env-token"));
    assert!(loaded.expiry().is_some());
    assert_no_secret(&format!("{loaded:?}"), &["env-secret", "env-token"]);
}

#[tokio::test]
async fn absent_is_not_configured_and_half_a_pair_is_an_error() {
    let home = Home::new();
    let err = EnvironmentProvider::with_env(home.env(&[]))
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(err.is_not_configured(), "{err}");
    let err = EnvironmentProvider::with_env(home.env(&[("AWS_ACCESS_KEY_ID", "AKID")]))
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidConfiguration { .. }), "{err}");
    assert!(err.to_string().contains("AWS_SECRET_ACCESS_KEY"));
    let empty_token = home.env(&[
        ("AWS_ACCESS_KEY_ID", "AKID"),
        ("AWS_SECRET_ACCESS_KEY", "S"),
        ("AWS_SESSION_TOKEN", ""),
    ]);
    let c = EnvironmentProvider::with_env(empty_token)
        .provide_credentials()
        .await
        .unwrap();
    assert_eq!(c.credentials().session_token(), None);
}
