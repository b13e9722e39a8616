//! Why credentials could not be provided.
//!
//! No variant ever holds a secret: response bodies are summarised (an STS error's `Code` and
//! `Message`, a JSON field that is missing), never copied.

use std::fmt;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use crate::timestamp::format_rfc3339;

/// Why a provider gave no credentials.
///
/// [`Error::NotConfigured`] means "this source does not apply here" (its variables or files are
/// absent): a chain moves on to its next provider. Every other variant means the source *is*
/// configured and failed, and a chain stops there, as the AWS SDKs do, rather than quietly
/// signing as some other identity.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The source is not configured in this environment.
    NotConfigured {
        /// The provider, e.g. `environment`.
        provider: &'static str,
        /// What it looked for and did not find.
        reason: String,
    },
    /// The source is configured, but its configuration is unusable.
    InvalidConfiguration {
        /// The provider.
        provider: &'static str,
        /// What is wrong, naming the variable, profile or key.
        message: String,
    },
    /// A shared config or credentials file could not be parsed.
    ProfileFile {
        /// The file.
        path: PathBuf,
        /// Its 1-based line number.
        line: usize,
        /// What is wrong with that line.
        problem: String,
    },
    /// A file the configuration names could not be read.
    Io {
        /// The provider.
        provider: &'static str,
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        message: String,
    },
    /// The endpoint could not be reached or did not answer in time.
    Unreachable {
        /// The provider.
        provider: &'static str,
        /// The URL, without its query.
        url: String,
        /// The transport's reason.
        message: String,
    },
    /// The endpoint did not answer within its time limit.
    Timeout {
        /// The provider.
        provider: &'static str,
        /// The URL, without its query.
        url: String,
        /// The limit that passed.
        after: Duration,
    },
    /// The service refused: an STS error document, a container endpoint's error, a non-2xx status.
    Service {
        /// The provider.
        provider: &'static str,
        /// The HTTP status.
        status: u16,
        /// The service's error code (`AccessDenied`, `ExpiredTokenException`, …), if it gave one.
        code: Option<String>,
        /// The service's message, if it gave one.
        message: Option<String>,
    },
    /// An answer that could not be understood (bad XML or JSON, a missing field, a bad date).
    InvalidResponse {
        /// The provider.
        provider: &'static str,
        /// What is wrong with it (never the body itself).
        message: String,
    },
    /// A `credential_process` failed to run or exited unsuccessfully.
    Process {
        /// The profile that names the process.
        profile: String,
        /// What happened.
        message: String,
    },
    /// A provider from elsewhere (an AWS SDK provider) failed.
    External {
        /// The provider.
        provider: &'static str,
        /// Its error, with its sources.
        message: String,
    },
    /// No provider of a chain applied; each entry names a provider and why it did not apply.
    NoneFound(Vec<(&'static str, String)>),
    /// A load or refresh gave credentials that had already expired (an `Expiration` in the
    /// past, or a clock far behind the issuer's). They are never cached or served.
    ExpiredCredentials {
        /// When they expired.
        expired_at: SystemTime,
    },
}

impl Error {
    /// A chain moves on past this error (the source is not configured here).
    pub fn is_not_configured(&self) -> bool {
        matches!(self, Error::NotConfigured { .. })
    }

    pub(crate) fn not_configured(provider: &'static str, reason: impl Into<String>) -> Self {
        Error::NotConfigured {
            provider,
            reason: reason.into(),
        }
    }

    pub(crate) fn invalid_config(provider: &'static str, message: impl Into<String>) -> Self {
        Error::InvalidConfiguration {
            provider,
            message: message.into(),
        }
    }

    pub(crate) fn invalid_response(provider: &'static str, message: impl Into<String>) -> Self {
        Error::InvalidResponse {
            provider,
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotConfigured { provider, reason } => {
                write!(f, "{provider} credentials not configured: {reason}")
            }
            Error::InvalidConfiguration { provider, message } => {
                write!(f, "invalid {provider} credentials configuration: {message}")
            }
            Error::ProfileFile {
                path,
                line,
                problem,
            } => write!(f, "{}:{line}: {problem}", path.display()),
            Error::Io {
                provider,
                path,
                message,
            } => write!(f, "{provider}: cannot read {}: {message}", path.display()),
            Error::Unreachable {
                provider,
                url,
                message,
            } => write!(f, "{provider}: {url} unreachable: {message}"),
            Error::Timeout {
                provider,
                url,
                after,
            } => write!(f, "{provider}: {url} did not answer within {after:?}"),
            Error::Service {
                provider,
                status,
                code,
                message,
            } => {
                write!(f, "{provider}: the service answered HTTP {status}")?;
                if let Some(code) = code {
                    write!(f, " {code}")?;
                }
                if let Some(message) = message {
                    write!(f, ": {message}")?;
                }
                Ok(())
            }
            Error::InvalidResponse { provider, message } => {
                write!(f, "{provider}: unexpected answer: {message}")
            }
            Error::Process { profile, message } => {
                write!(f, "credential_process of profile `{profile}`: {message}")
            }
            Error::External { provider, message } => write!(f, "{provider}: {message}"),
            Error::ExpiredCredentials { expired_at } => write!(
                f,
                "credentials were refreshed, but the refreshed credentials are still expired \
                 (they expired at {})",
                format_rfc3339(*expired_at)
            ),
            Error::NoneFound(tried) => {
                write!(f, "no credentials found; tried")?;
                for (i, (provider, reason)) in tried.iter().enumerate() {
                    let sep = if i == 0 { " " } else { "; " };
                    write!(f, "{sep}{provider}: {reason}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for Error {}

/// What is wrong with a JSON document, without any of its text: serde_json's messages quote
/// mistyped values (`invalid type: string "…"`), so only the kind of problem, its position and
/// field names from our own schemas (`missing field `AccessKeyId``) are kept.
pub(crate) fn json_problem(error: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let kind = match error.classify() {
        Category::Io => "could not be read".to_string(),
        Category::Syntax => "is not valid JSON".to_string(),
        Category::Eof => "ends early".to_string(),
        Category::Data => match schema_message(&error.to_string()) {
            Some(message) => message,
            None => "has a value of the wrong type".to_string(),
        },
    };
    format!("{kind} (line {}, column {})", error.line(), error.column())
}

/// What is wrong with an XML document, without any of its text (quick-xml's messages may quote
/// element text and names).
pub(crate) fn xml_problem(error: &quick_xml::DeError) -> String {
    use quick_xml::DeError;
    match error {
        DeError::Custom(message) => schema_message(message)
            .unwrap_or_else(|| "an element has unexpected content".to_string()),
        DeError::InvalidXml(_) => "malformed XML".to_string(),
        DeError::UnexpectedEof => "the document ends early".to_string(),
        DeError::UnexpectedStart(_) => "an unexpected element".to_string(),
        _ => "an unexpected structure".to_string(),
    }
}

/// serde's "missing field `X`" and "duplicate field `X`", whose `X` is one of our own field
/// names, never input; `None` for any other message.
fn schema_message(message: &str) -> Option<String> {
    ["missing field `", "duplicate field `"]
        .iter()
        .find_map(|prefix| {
            let rest = message.strip_prefix(prefix)?;
            let name = &rest[..rest.find('`')?];
            name.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
                .then(|| format!("{prefix}{name}`"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(rename_all = "PascalCase")]
    #[allow(dead_code)]
    struct Doc {
        version: i64,
        secret_access_key: String,
    }

    #[test]
    fn json_and_xml_problems_quote_no_input() {
        for body in [
            r#"{"Version":"HUNTER2SECRET","SecretAccessKey":"x"}"#,
            r#"{"Version":1,"SecretAccessKey":["HUNTER2SECRET"]}"#,
            r#"{"Version":1,"SecretAccessKey":"x"} HUNTER2SECRET"#,
            "HUNTER2SECRET",
            r#"{"Version":1,"SecretAccessKey":"HUNTER2SECRET"#,
        ] {
            let error = serde_json::from_str::<Doc>(body).unwrap_err();
            let shown = json_problem(&error);
            assert!(!shown.contains("HUNTER2SECRET"), "{shown}");
            assert!(shown.contains("line 1"), "{shown}");
        }
        let missing = serde_json::from_str::<Doc>(r#"{"Version":1}"#).unwrap_err();
        assert!(json_problem(&missing).starts_with("missing field `SecretAccessKey`"));

        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Root {
            #[serde(rename = "Credentials")]
            credentials: String,
        }
        for xml in [
            "HUNTER2SECRET {json}",
            "<Root><Credentials><X>HUNTER2SECRET</X></Credentials></Root>",
            "<Root><Credentials>HUNTER2SECRET</Wrong></Root>",
        ] {
            if let Err(error) = quick_xml::de::from_str::<Root>(xml) {
                let shown = xml_problem(&error);
                assert!(!shown.contains("HUNTER2SECRET"), "{shown}");
            }
        }
    }
}
