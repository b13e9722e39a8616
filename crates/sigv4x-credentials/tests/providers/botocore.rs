//! botocore as a second opinion on profile resolution: for each profile of one config, botocore
//! and sigv4x-credentials resolve credentials against their own fresh fake STS, and must make
//! the same `AssumeRole` calls (role, external id, duration, signing key, signing region, in
//! order) and end with the same credentials. botocore's own requests are verified by the fake
//! STS with `sigv4x::Verifier` too.
//!
//! Without python3 or botocore the test prints a skip message, and fails when `CI=true`.

use std::process::Stdio;

use sigv4x_credentials::{ProfileProvider, ProvideCredentials};

use crate::common::fake_sts::{Call, FakeSts};
use crate::common::Home;

const PROFILES: &[&str] = &[
    "static",
    "role",
    "chain",
    "source-keys-win",
    "self",
    "external",
    "proc",
    "role-from-proc",
];

fn config(script: &str) -> String {
    format!(
        "\
[profile static]
region = eu-west-1
[profile role]
role_arn = arn:aws:iam::123456789012:role/role
source_profile = base
[profile chain]
role_arn = arn:aws:iam::123456789012:role/top
source_profile = role
[profile keys-and-role]
role_arn = arn:aws:iam::123456789012:role/never
source_profile = base
[profile source-keys-win]
role_arn = arn:aws:iam::123456789012:role/winner
source_profile = keys-and-role
[profile self]
role_arn = arn:aws:iam::123456789012:role/self
source_profile = self
[profile external]
role_arn = arn:aws:iam::123456789012:role/ext
source_profile = base
external_id = 3rd-party-id
duration_seconds = 1800
role_session_name = fixed-session
[profile proc]
credential_process = {script}
[profile role-from-proc]
role_arn = arn:aws:iam::123456789012:role/viaproc
source_profile = proc
"
    )
}

const CREDENTIALS: &str = "\
[static]
aws_access_key_id = AKIDSTATIC
aws_secret_access_key = static-secret
aws_session_token = static-token
[base]
aws_access_key_id = AKIDBASE
aws_secret_access_key = base-secret
[keys-and-role]
aws_access_key_id = AKIDKEYSANDROLE
aws_secret_access_key = kar-secret
[self]
aws_access_key_id = AKIDSELF
aws_secret_access_key = self-secret
";

const PYTHON: &str = "\
import botocore.session
c = botocore.session.Session().get_credentials().get_frozen_credentials()
print(c.access_key, c.token or '')
";

async fn fake_sts() -> FakeSts {
    let sts = FakeSts::start().await;
    for (id, secret) in [
        ("AKIDBASE", "base-secret"),
        ("AKIDKEYSANDROLE", "kar-secret"),
        ("AKIDSELF", "self-secret"),
    ] {
        sts.allow_key(id, secret);
    }
    sts.allow_temporary_key("AKIDPROC", "proc-secret", "proc-token");
    sts
}

/// What a resolution did, without the generated session names.
fn summary(calls: &[Call]) -> Vec<String> {
    calls
        .iter()
        .map(|c| {
            format!(
                "{} {} ext={:?} dur={:?} by={:?} region={:?}",
                c.action,
                c.params["RoleArn"],
                c.params.get("ExternalId"),
                c.params.get("DurationSeconds"),
                c.signed_by,
                c.signing_region
            )
        })
        .collect()
}

fn botocore_available() -> Result<(), String> {
    let out = std::process::Command::new("python3")
        .args(["-c", "import botocore"])
        .output()
        .map_err(|e| format!("python3: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profile_resolution_agrees_with_botocore() {
    if let Err(why) = botocore_available() {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("botocore is required in CI: {why}");
        }
        eprintln!("skipped: botocore unavailable: {why}");
        return;
    }
    let home = Home::new();
    let script = home.script(
        "bin/proc.sh",
        "#!/bin/sh\necho '{\"Version\":1,\"AccessKeyId\":\"AKIDPROC\",\"SecretAccessKey\":\"proc-secret\",\"SessionToken\":\"proc-token\",\"Expiration\":\"2040-01-01T00:00:00Z\"}'\n",
    );
    home.config(&config(&script.display().to_string()));
    home.credentials(CREDENTIALS);
    for profile in PROFILES {
        let ours_sts = fake_sts().await;
        let env = home.env(&[
            ("AWS_PROFILE", profile),
            ("AWS_ENDPOINT_URL_STS", &ours_sts.url()),
            ("AWS_DEFAULT_REGION", "eu-west-1"),
        ]);
        let ours = ProfileProvider::with_env(env)
            .provide_credentials()
            .await
            .unwrap();
        let ours = format!(
            "{} {}",
            ours.credentials().access_key_id(),
            ours.credentials().session_token().unwrap_or("")
        );

        let theirs_sts = fake_sts().await;
        let output = tokio::process::Command::new("python3")
            .args(["-c", PYTHON])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", home.path())
            .env("AWS_PROFILE", profile)
            .env("AWS_ENDPOINT_URL_STS", theirs_sts.url())
            .env("AWS_DEFAULT_REGION", "eu-west-1")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .stdin(Stdio::null())
            .output()
            .await
            .unwrap();
        assert!(
            output.status.success(),
            "botocore failed for profile {profile}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let theirs = String::from_utf8(output.stdout).unwrap().trim().to_string();
        assert_eq!(ours, theirs, "final credentials of profile {profile}");
        assert_eq!(
            summary(&ours_sts.calls()),
            summary(&theirs_sts.calls()),
            "STS calls for profile {profile}"
        );
    }
}
