//! The one test that goes through the real process environment and real files in a temporary
//! `HOME`, as a user's program would: `ChainProvider::default_chain()` and
//! `RefreshingSigner`. Alone in its binary, since it changes the process environment.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "common/mod.rs"]
mod common;

use common::fake_sts::FakeSts;
use common::Home;
use sigv4x::Payload;
use sigv4x_credentials::{load_region, ChainProvider, Env, RefreshingSigner};

#[tokio::test]
async fn default_chain_from_the_process_environment_and_a_temporary_home() {
    let sts = FakeSts::start().await;
    sts.allow_key("AKIDFROMHOME", "home-secret");
    let home = Home::new();
    home.credentials(
        "[base]\naws_access_key_id = AKIDFROMHOME\naws_secret_access_key = home-secret\n",
    );
    home.config(
        "[profile app]\nregion = eu-north-1\nrole_arn = arn:aws:iam::123456789012:role/app\n\
         source_profile = base\n",
    );
    // Only this test runs in this binary, so changing the environment races with nothing.
    for (name, _) in std::env::vars() {
        if name.starts_with("AWS_") {
            std::env::remove_var(name);
        }
    }
    std::env::set_var("HOME", home.path());
    std::env::set_var("AWS_PROFILE", "app");
    std::env::set_var("AWS_ENDPOINT_URL_STS", sts.url());
    std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");

    let region = load_region(&Env::process()).await.unwrap();
    assert_eq!(region.as_deref(), Some("eu-north-1"));
    let signer = RefreshingSigner::new(
        ChainProvider::default_chain(),
        region.unwrap(),
        "execute-api",
    )
    .await
    .unwrap();
    let mut request = http::Request::get("https://abc.execute-api.eu-north-1.amazonaws.com/prod/")
        .body(())
        .unwrap();
    signer.sign(&mut request, Payload::Empty).unwrap();
    let auth = request.headers()["authorization"].to_str().unwrap();
    assert!(auth.contains("Credential=ASIAAPP1/"), "{auth}");
    assert!(
        auth.contains("/eu-north-1/execute-api/aws4_request"),
        "{auth}"
    );
    let call = &sts.calls()[0];
    assert_eq!(call.signed_by.as_deref(), Some("AKIDFROMHOME"));
    assert_eq!(call.signing_region.as_deref(), Some("eu-north-1"));
}
