//! `credential_process`: a command whose standard output is a JSON credentials document.

use std::fmt;
use std::process::Stdio;
use std::time::Duration;

use serde::Deserialize;
use sigv4x::Credentials;

use crate::error::json_problem;
use crate::provider::{ExpiringCredentials, ProvideCredentials, ProvideFuture};
use crate::timestamp::parse_rfc3339;
use crate::Error;

/// A process that has not answered in this long is killed: a hung helper must not hang every
/// refresh. (The SDKs set no limit; a minute leaves room for a helper that prompts a browser.)
const TIMEOUT: Duration = Duration::from_secs(60);

/// Runs a command, as a profile's `credential_process` does, and reads its answer:
/// `{"Version": 1, "AccessKeyId": …, "SecretAccessKey": …, "SessionToken": …, "Expiration": …}`
/// (the last two optional).
///
/// The command line is run by `sh -c` (`cmd /C` on Windows), as botocore splits and the CLI
/// documents it. Its standard error passes through to ours, where helpers write prompts.
///
/// Arguments may hold secrets (`helper --token …`): `Debug` and errors show the program name
/// only, as the Rust SDK's `CommandWithSensitiveArgs` does.
#[derive(Clone)]
pub struct ProcessProvider {
    profile: String,
    command: String,
}

impl fmt::Debug for ProcessProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessProvider")
            .field("profile", &self.profile)
            .field("command", &Redacted(&self.command))
            .finish()
    }
}

/// A command line shown as its program name, arguments redacted.
struct Redacted<'a>(&'a str);

impl fmt::Display for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let command = self.0.trim();
        match command.split_once(char::is_whitespace) {
            Some((program, _)) => write!(f, "{program} ** arguments redacted **"),
            None => f.write_str(command),
        }
    }
}

impl fmt::Debug for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

impl ProcessProvider {
    /// Runs `command`.
    pub fn new(command: impl Into<String>) -> Self {
        ProcessProvider {
            profile: String::new(),
            command: command.into(),
        }
    }

    #[cfg(test)]
    pub(crate) fn command(&self) -> &str {
        &self.command
    }

    pub(crate) fn for_profile(profile: &str, command: &str) -> Self {
        ProcessProvider {
            profile: profile.to_string(),
            command: command.to_string(),
        }
    }

    async fn load(&self) -> Result<ExpiringCredentials, Error> {
        let fail = |message: String| Error::Process {
            profile: self.profile.clone(),
            message,
        };
        let mut command = if cfg!(windows) {
            let mut c = tokio::process::Command::new("cmd");
            c.arg("/C").arg(&self.command);
            c
        } else {
            let mut c = tokio::process::Command::new("sh");
            c.arg("-c").arg(&self.command);
            c
        };
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        let child = command
            .spawn()
            .map_err(|e| fail(format!("cannot start `{}`: {e}", Redacted(&self.command))))?;
        let output = match tokio::time::timeout(TIMEOUT, child.wait_with_output()).await {
            Ok(output) => output.map_err(|e| fail(format!("waiting for it failed: {e}")))?,
            Err(_) => return Err(fail(format!("no answer within {TIMEOUT:?}; killed"))),
        };
        if !output.status.success() {
            return Err(fail(format!(
                "`{}` failed: {}",
                Redacted(&self.command),
                output.status
            )));
        }
        parse(&output.stdout).map_err(fail)
    }
}

impl ProvideCredentials for ProcessProvider {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        Box::pin(self.load())
    }
}

// No `Debug`: it holds the secret.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Answer {
    version: Option<i64>,
    access_key_id: Option<String>,
    secret_access_key: Option<String>,
    session_token: Option<String>,
    expiration: Option<String>,
}

/// The process's answer. Messages name fields, never values.
fn parse(stdout: &[u8]) -> Result<ExpiringCredentials, String> {
    let answer: Answer = serde_json::from_slice(stdout)
        .map_err(|e| format!("its credentials JSON output {}", json_problem(&e)))?;
    match answer.version {
        Some(1) => {}
        Some(other) => return Err(format!("unsupported Version {other}; expected 1")),
        None => return Err("its output has no Version (expected 1)".to_string()),
    }
    let id = answer
        .access_key_id
        .filter(|s| !s.is_empty())
        .ok_or("its output has no AccessKeyId")?;
    let secret = answer
        .secret_access_key
        .filter(|s| !s.is_empty())
        .ok_or("its output has no SecretAccessKey")?;
    let expiry = match answer.expiration {
        None => None,
        Some(text) => Some(
            parse_rfc3339(&text)
                .ok_or_else(|| "its Expiration is not an ISO 8601 time".to_string())?,
        ),
    };
    let token = answer.session_token.filter(|s| !s.is_empty());
    Ok(ExpiringCredentials::new(
        Credentials::new(id, secret, token),
        expiry,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_answers() {
        let ok = parse(br#"{"Version":1,"AccessKeyId":"A","SecretAccessKey":"S","SessionToken":"T","Expiration":"2030-01-01T00:00:00Z"}"#).unwrap();
        assert_eq!(ok.credentials().session_token(), Some("T"));
        assert!(ok.expiry().is_some());
        let long_term = parse(br#"{"Version":1,"AccessKeyId":"A","SecretAccessKey":"S"}"#).unwrap();
        assert_eq!(long_term.expiry(), None);
        assert!(
            parse(br#"{"Version":2,"AccessKeyId":"A","SecretAccessKey":"S"}"#)
                .unwrap_err()
                .contains("Version 2")
        );
        let missing = parse(br#"{"Version":1,"AccessKeyId":"A"}"#).unwrap_err();
        assert!(missing.contains("SecretAccessKey"));
        let garbage = parse(b"SECRETSTUFF not json").unwrap_err();
        assert!(!garbage.contains("SECRETSTUFF"));
    }
}
