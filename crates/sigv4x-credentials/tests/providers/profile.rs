use std::time::{Duration, SystemTime};

use sigv4x_credentials::{Error, ProcessProvider, ProfileProvider, ProvideCredentials};

use crate::common::fake_sts::FakeSts;
use crate::common::{assert_no_secret, Home};

const BASE_KEYS: &str =
    "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = base-secret\n";

#[tokio::test]
async fn static_keys_with_session_token_from_the_credentials_file() {
    let home = Home::new();
    home.credentials(
        "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = default-secret\n\
         [work]\naws_access_key_id = AKIDWORK\naws_secret_access_key = work-secret\n\
         aws_session_token = work-token\n",
    );
    let default = ProfileProvider::with_env(home.env(&[]))
        .provide_credentials()
        .await
        .unwrap();
    assert_eq!(default.credentials().access_key_id(), "AKIDDEFAULT");
    let work = ProfileProvider::with_env(home.env(&[("AWS_PROFILE", "work")]))
        .provide_credentials()
        .await
        .unwrap();
    assert_eq!(work.credentials().access_key_id(), "AKIDWORK");
    assert_eq!(work.credentials().session_token(), Some("work-token"));
    assert_eq!(work.expiry(), None);
    // The builder's profile wins over AWS_PROFILE.
    let chosen = ProfileProvider::with_env(home.env(&[("AWS_PROFILE", "work")]))
        .profile("default")
        .provide_credentials()
        .await
        .unwrap();
    assert_eq!(chosen.credentials().access_key_id(), "AKIDDEFAULT");
}

#[tokio::test]
async fn a_profile_assumes_a_role_from_another_profile_with_a_signed_request() {
    let sts = FakeSts::start().await;
    sts.allow_key("AKIDBASE", "base-secret");
    let home = Home::new();
    home.credentials(BASE_KEYS);
    home.config(
        "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\nsource_profile = base\n\
         external_id = ext-1234\nduration_seconds = 900\nrole_session_name = alice\nregion = eu-west-1\n",
    );
    let env = home.env(&[("AWS_PROFILE", "dev"), ("AWS_ENDPOINT_URL_STS", &sts.url())]);
    let before = SystemTime::now();
    let loaded = ProfileProvider::with_env(env)
        .provide_credentials()
        .await
        .unwrap();
    assert_eq!(loaded.credentials().access_key_id(), "ASIADEV1");
    assert_eq!(
        loaded.credentials().secret_access_key(),
        "secret-of-ASIADEV1"
    );
    assert_eq!(
        loaded.credentials().session_token(),
        Some("token-of-ASIADEV1")
    );
    let expiry = loaded.expiry().unwrap();
    assert!(
        expiry > before + Duration::from_secs(890) && expiry < before + Duration::from_secs(910)
    );

    let calls = sts.calls();
    assert_eq!(calls.len(), 1);
    let call = &calls[0];
    assert_eq!(call.action, "AssumeRole");
    // The fake verified the signature with sigv4x::Verifier before recording the call.
    assert_eq!(call.signed_by.as_deref(), Some("AKIDBASE"));
    assert_eq!(call.signing_region.as_deref(), Some("eu-west-1"));
    assert_eq!(call.params["RoleArn"], "arn:aws:iam::123456789012:role/dev");
    assert_eq!(call.params["ExternalId"], "ext-1234");
    assert_eq!(call.params["DurationSeconds"], "900");
    assert_eq!(call.params["RoleSessionName"], "alice");
}

#[tokio::test]
async fn a_chain_of_roles_assumes_each_with_the_previous_credentials() {
    let sts = FakeSts::start().await;
    sts.allow_key("AKIDBASE", "base-secret");
    let home = Home::new();
    home.credentials(BASE_KEYS);
    home.config(
        "[profile middle]\nrole_arn = arn:aws:iam::123456789012:role/middle\nsource_profile = base\n\
         [profile top]\nrole_arn = arn:aws:iam::210987654321:role/top\nsource_profile = middle\n",
    );
    let env = home.env(&[("AWS_PROFILE", "top"), ("AWS_ENDPOINT_URL", &sts.url())]);
    let loaded = ProfileProvider::with_env(env)
        .provide_credentials()
        .await
        .unwrap();
    assert_eq!(loaded.credentials().access_key_id(), "ASIATOP2");
    let calls = sts.calls();
    let steps: Vec<(&str, Option<&str>)> = calls
        .iter()
        .map(|c| (c.params["RoleArn"].as_str(), c.signed_by.as_deref()))
        .collect();
    assert_eq!(
        steps,
        [
            ("arn:aws:iam::123456789012:role/middle", Some("AKIDBASE")),
            // Signed with the middle role's temporary key and its session token.
            ("arn:aws:iam::210987654321:role/top", Some("ASIAMIDDLE1")),
        ]
    );
    // No region anywhere: signed for us-east-1, as for the global endpoint.
    assert_eq!(calls[0].signing_region.as_deref(), Some("us-east-1"));
    assert!(calls[0].params["RoleSessionName"].starts_with("sigv4x-"));
}

#[tokio::test]
async fn sts_refusals_and_bad_signatures_come_back_as_service_errors() {
    let sts = FakeSts::start().await;
    sts.allow_key("AKIDBASE", "base-secret");
    sts.deny_role("arn:aws:iam::123456789012:role/forbidden");
    let home = Home::new();
    home.credentials(
        "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = base-secret\n\
         [wrong]\naws_access_key_id = AKIDBASE\naws_secret_access_key = not-the-secret\n",
    );
    home.config(
        "[profile denied]\nrole_arn = arn:aws:iam::123456789012:role/forbidden\nsource_profile = base\n\
         [profile badsig]\nrole_arn = arn:aws:iam::123456789012:role/dev\nsource_profile = wrong\n",
    );
    let env = |p: &str| home.env(&[("AWS_PROFILE", p), ("AWS_ENDPOINT_URL_STS", &sts.url())]);
    let err = ProfileProvider::with_env(env("denied"))
        .provide_credentials()
        .await
        .unwrap_err();
    match &err {
        Error::Service {
            status,
            code,
            message,
            ..
        } => {
            assert_eq!(*status, 403);
            assert_eq!(code.as_deref(), Some("AccessDenied"));
            let message = message.as_deref().unwrap();
            assert!(
                message.contains("role/forbidden") && message.contains("profile `denied`"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
    let err = ProfileProvider::with_env(env("badsig"))
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Service { status: 403, code: Some(c), .. } if c == "SignatureDoesNotMatch"),
        "{err:?}"
    );
    assert_no_secret(
        &format!("{err} {err:?}"),
        &["base-secret", "not-the-secret"],
    );
}

#[tokio::test]
async fn credential_source_environment_feeds_assume_role() {
    let sts = FakeSts::start().await;
    sts.allow_key("AKIDFROMENV", "env-secret");
    let home = Home::new();
    home.config(
        "[default]\nrole_arn = arn:aws:iam::123456789012:role/ci\ncredential_source = Environment\n",
    );
    let env = home.env(&[
        ("AWS_ACCESS_KEY_ID", "AKIDFROMENV"),
        ("AWS_SECRET_ACCESS_KEY", "env-secret"),
        ("AWS_ENDPOINT_URL_STS", &sts.url()),
        ("AWS_REGION", "ap-southeast-2"),
    ]);
    let loaded = ProfileProvider::with_env(env)
        .provide_credentials()
        .await
        .unwrap();
    assert_eq!(loaded.credentials().access_key_id(), "ASIACI1");
    assert_eq!(
        sts.calls()[0].signing_region.as_deref(),
        Some("ap-southeast-2")
    );

    // Without the variables the profile is misconfigured, not "not configured".
    let err = ProfileProvider::with_env(home.env(&[("AWS_ENDPOINT_URL_STS", &sts.url())]))
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidConfiguration { .. }), "{err}");
    assert!(
        err.to_string().contains("credential_source Environment"),
        "{err}"
    );
}

#[cfg(unix)]
#[tokio::test]
async fn credential_process_runs_a_script_and_can_source_a_role() {
    let sts = FakeSts::start().await;
    // The fake checks the session token the process hands out, as STS does.
    sts.allow_temporary_key("AKIDPROCESS", "process-secret", "process-token-arg-one");
    let home = Home::new();
    let script = home.script(
        "bin/creds.sh",
        "#!/bin/sh\necho 'helper prompt on stderr' >&2\n\
         printf '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROCESS\", \"SecretAccessKey\": \"process-secret\", \
         \"SessionToken\": \"process-token-%s\", \"Expiration\": \"2040-05-01T00:00:00Z\"}' \"$1\"\n",
    );
    let failing = home.script(
        "bin/fail.sh",
        "#!/bin/sh\necho 'not logged in' >&2\nexit 3\n",
    );
    let garbage = home.script(
        "bin/garbage.sh",
        "#!/bin/sh\necho 'secret-garbage-output'\n",
    );
    home.config(&format!(
        "[profile proc]\ncredential_process = {} arg-one\n\
         [profile fails]\ncredential_process = {}\n\
         [profile garbage]\ncredential_process = {}\n\
         [profile role]\nrole_arn = arn:aws:iam::123456789012:role/fromprocess\nsource_profile = proc\n",
        script.display(),
        failing.display(),
        garbage.display()
    ));
    let env = |p: &str| home.env(&[("AWS_PROFILE", p), ("AWS_ENDPOINT_URL_STS", &sts.url())]);
    let loaded = ProfileProvider::with_env(env("proc"))
        .provide_credentials()
        .await
        .unwrap();
    assert_eq!(loaded.credentials().access_key_id(), "AKIDPROCESS");
    assert_eq!(
        loaded.credentials().session_token(),
        Some("process-token-arg-one")
    );
    assert!(loaded.expiry().is_some());

    let err = ProfileProvider::with_env(env("fails"))
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Process { profile, .. } if profile == "fails"),
        "{err:?}"
    );
    assert!(err.to_string().contains("exit status: 3"), "{err}");

    let err = ProfileProvider::with_env(env("garbage"))
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("JSON output is not valid JSON"),
        "{err}"
    );
    assert_no_secret(&err.to_string(), &["secret-garbage-output"]);

    // A process profile as the source of a role (the fake requires its session token too).
    let role = ProfileProvider::with_env(env("role"))
        .provide_credentials()
        .await
        .unwrap();
    assert_eq!(role.credentials().access_key_id(), "ASIAFROMPROCESS1");
    assert_eq!(sts.calls()[0].signed_by.as_deref(), Some("AKIDPROCESS"));
}

#[tokio::test]
async fn a_malformed_file_is_reported_with_its_path_and_line() {
    let home = Home::new();
    let path = home.config("[default]\nregion = eu-west-1\n\n[profile dev\nregion = x\n");
    let err = ProfileProvider::with_env(home.env(&[]))
        .provide_credentials()
        .await
        .unwrap_err();
    match &err {
        Error::ProfileFile {
            path: p,
            line,
            problem,
        } => {
            assert_eq!(p, &path);
            assert_eq!(*line, 4);
            assert!(problem.contains("no closing `]`"), "{problem}");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        err.to_string()
            .starts_with(&format!("{}:4: ", path.display())),
        "{err}"
    );

    // AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE move the files, with `~` expanded.
    let other = home.write("elsewhere/creds", "aws_access_key_id = AKID\n[default]\n");
    let env = home.env(&[
        ("AWS_SHARED_CREDENTIALS_FILE", "~/elsewhere/creds"),
        ("AWS_CONFIG_FILE", "~/none"),
    ]);
    let err = ProfileProvider::with_env(env)
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::ProfileFile { path, line: 1, .. } if path == &other),
        "{err:?}"
    );
}

/// A bare `\r` ends a line, as botocore reads the file; errors name the line and never quote
/// the file (a header followed by text once echoed the rest of the line, with bare-CR line
/// endings the whole file, secrets included).
#[tokio::test]
async fn bare_cr_files_parse_and_errors_quote_no_file_text() {
    let home = Home::new();
    home.credentials("[x]\raws_access_key_id = AKIDCR\raws_secret_access_key = S\r");
    let env = home.env(&[("AWS_PROFILE", "x")]);
    let loaded = ProfileProvider::with_env(env)
        .provide_credentials()
        .await
        .unwrap();
    assert_eq!(loaded.credentials().access_key_id(), "AKIDCR");

    home.credentials("[x] junk\raws_access_key_id = A\raws_secret_access_key = HUNTER2SECRET\r");
    let env = home.env(&[("AWS_PROFILE", "x")]);
    let err = ProfileProvider::with_env(env)
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ProfileFile { line: 1, .. }), "{err}");
    assert_no_secret(&format!("{err} {err:?}"), &["HUNTER2SECRET", "junk"]);
}

/// A `credential_process` answer with a mistyped field is reported by kind and position, not
/// by the value serde_json would quote.
#[cfg(unix)]
#[tokio::test]
async fn credential_process_output_is_never_echoed() {
    let home = Home::new();
    home.config(
        "[profile version]\ncredential_process = echo '{\"Version\":\"HUNTER2SECRET\",\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\"}'\n\
         [profile secret]\ncredential_process = echo '{\"Version\":1,\"AccessKeyId\":\"A\",\"SecretAccessKey\":[\"HUNTER2SECRET\"]}'\n\
         [profile expiry]\ncredential_process = echo '{\"Version\":1,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\",\"Expiration\":\"HUNTER2SECRET\"}'\n",
    );
    for profile in ["version", "secret", "expiry"] {
        let err = ProfileProvider::with_env(home.env(&[("AWS_PROFILE", profile)]))
            .provide_credentials()
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Process { .. }), "{err}");
        assert_no_secret(&format!("{err} {err:?}"), &["HUNTER2SECRET"]);
    }
}

#[tokio::test]
async fn missing_profiles() {
    let home = Home::new();
    // No files at all: not configured, so a chain moves on.
    let err = ProfileProvider::with_env(home.env(&[]))
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(err.is_not_configured(), "{err}");
    // A profile asked for by name that does not exist: an error.
    home.credentials(BASE_KEYS);
    let err = ProfileProvider::with_env(home.env(&[("AWS_PROFILE", "nope")]))
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidConfiguration { .. }), "{err}");
    assert!(
        err.to_string().contains("profile `nope` is not defined"),
        "{err}"
    );
}

#[tokio::test]
async fn web_identity_from_a_profile() {
    let sts = FakeSts::start().await;
    sts.accept_web_identity_token("eyJ-profile-token");
    let home = Home::new();
    let token = home.write("token", "eyJ-profile-token\n");
    home.config(&format!(
        "[default]\nrole_arn = arn:aws:iam::123456789012:role/wi\nweb_identity_token_file = {}\n\
         role_session_name = pod\n",
        token.display()
    ));
    let env = home.env(&[("AWS_ENDPOINT_URL_STS", &sts.url())]);
    let loaded = ProfileProvider::with_env(env)
        .provide_credentials()
        .await
        .unwrap();
    assert_eq!(loaded.credentials().access_key_id(), "ASIAWI1");
    let call = &sts.calls()[0];
    assert_eq!(call.action, "AssumeRoleWithWebIdentity");
    assert_eq!(call.params["RoleSessionName"], "pod");
}

/// A `credential_process` command line's arguments may hold secrets: `Debug` and errors show
/// the program name only.
#[cfg(unix)]
#[tokio::test]
async fn credential_process_arguments_stay_out_of_debug_and_errors() {
    let shown = format!("{:?}", ProcessProvider::new("helper --token HUNTER2SECRET"));
    assert!(shown.contains("helper"), "{shown}");
    assert_no_secret(&shown, &["HUNTER2SECRET"]);
    for command in [
        "false --password HUNTER2SECRET",
        "/nonexistent/helper --token HUNTER2SECRET",
    ] {
        let err = ProcessProvider::new(command)
            .provide_credentials()
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Process { .. }), "{err}");
        assert_no_secret(&format!("{err} {err:?}"), &["HUNTER2SECRET"]);
    }
    let home = Home::new();
    home.config("[profile p]\ncredential_process = false --password HUNTER2SECRET\n");
    let provider = ProfileProvider::with_env(home.env(&[("AWS_PROFILE", "p")]));
    let err = provider.provide_credentials().await.unwrap_err();
    assert!(err.to_string().contains("false"), "{err}");
    assert_no_secret(&format!("{err} {err:?} {provider:?}"), &["HUNTER2SECRET"]);
}
