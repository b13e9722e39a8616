//! The shared config (`~/.aws/config`) and credentials (`~/.aws/credentials`) files: parsed,
//! merged into profiles, and resolved into a plan of where credentials come from.

mod parse;
mod provider;
mod resolve;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

pub use provider::ProfileProvider;
pub(crate) use resolve::{resolve, Base, RoleStep, SsoPlan};

use crate::{Env, Error};

const NAME: &str = "profile";

/// One profile or `[sso-session]`: its properties, merged from both files.
///
/// `Debug` shows property names only: values include secret keys.
#[derive(Clone, Default)]
pub struct Profile {
    name: String,
    properties: HashMap<String, Located>,
}

#[derive(Clone)]
struct Located {
    value: String,
    path: PathBuf,
    line: usize,
}

impl Profile {
    /// The profile's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A property's value (keys are lowercase), `None` when absent or empty.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.properties
            .get(key)
            .map(|p| p.value.as_str())
            .filter(|v| !v.is_empty())
    }

    /// Where a property was set, as `file:line`, for messages.
    pub fn location(&self, key: &str) -> Option<String> {
        self.properties
            .get(key)
            .map(|p| format!("{}:{}", p.path.display(), p.line))
    }

    fn merge(&mut self, path: &Path, properties: Vec<(String, parse::Property)>) {
        for (key, property) in properties {
            self.properties.insert(
                key,
                Located {
                    value: property.value,
                    path: path.to_path_buf(),
                    line: property.line,
                },
            );
        }
    }
}

impl fmt::Debug for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut keys: Vec<&str> = self.properties.keys().map(String::as_str).collect();
        keys.sort_unstable();
        f.debug_struct("Profile")
            .field("name", &self.name)
            .field("keys", &keys)
            .finish()
    }
}

/// Every profile and SSO session of the two files, and which profile is selected.
#[derive(Clone, Debug, Default)]
pub struct ProfileSet {
    profiles: HashMap<String, Profile>,
    sso_sessions: HashMap<String, Profile>,
    selected: String,
    /// Whether `selected` was asked for (`AWS_PROFILE` or a builder option) rather than the
    /// default: a missing default profile is "not configured", a missing named one an error.
    explicit: bool,
    /// The files that existed.
    files: Vec<PathBuf>,
}

impl ProfileSet {
    /// Loads the files `env` points at (`AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE`, or
    /// `~/.aws/config` and `~/.aws/credentials` under its home directory) and selects
    /// `profile`, else `AWS_PROFILE`, else `default`. Missing files are empty.
    ///
    /// # Errors
    /// [`Error::ProfileFile`] for a malformed file, [`Error::Io`] for an unreadable one.
    pub async fn load(env: &Env, profile: Option<&str>) -> Result<Self, Error> {
        let config = match env.get_non_empty("AWS_CONFIG_FILE") {
            Some(path) => Some(env.expand_home(&path)),
            None => env.home_dir().map(|h| h.join(".aws").join("config")),
        };
        let credentials = match env.get_non_empty("AWS_SHARED_CREDENTIALS_FILE") {
            Some(path) => Some(env.expand_home(&path)),
            None => env.home_dir().map(|h| h.join(".aws").join("credentials")),
        };
        let explicit = profile
            .map(str::to_string)
            .or_else(|| env.get_non_empty("AWS_PROFILE"));
        let mut set = ProfileSet {
            selected: explicit.clone().unwrap_or_else(|| "default".to_string()),
            explicit: explicit.is_some(),
            ..ProfileSet::default()
        };
        if let Some(path) = config {
            if let Some(text) = read_optional(&path).await? {
                set.add_config(&path, parse::parse(&path, &text)?);
                set.files.push(path);
            }
        }
        if let Some(path) = credentials {
            if let Some(text) = read_optional(&path).await? {
                set.add_credentials(&path, parse::parse(&path, &text)?);
                set.files.push(path);
            }
        }
        Ok(set)
    }

    /// Builds a set from file contents, as [`ProfileSet::load`] would from those files.
    ///
    /// # Errors
    /// [`Error::ProfileFile`] for malformed text.
    pub fn from_texts(
        config: Option<(&Path, &str)>,
        credentials: Option<(&Path, &str)>,
        selected: &str,
    ) -> Result<Self, Error> {
        let mut set = ProfileSet {
            selected: selected.to_string(),
            explicit: true,
            ..ProfileSet::default()
        };
        if let Some((path, text)) = config {
            set.add_config(path, parse::parse(path, text)?);
            set.files.push(path.to_path_buf());
        }
        if let Some((path, text)) = credentials {
            set.add_credentials(path, parse::parse(path, text)?);
            set.files.push(path.to_path_buf());
        }
        Ok(set)
    }

    fn add_config(&mut self, path: &Path, sections: Vec<parse::Section>) {
        // `[profile default]` wins over `[default]` in the config file, whatever their order
        // (SDK shared-config specification), so plain `[default]` is merged first.
        let (plain_default, rest): (Vec<_>, Vec<_>) =
            sections.into_iter().partition(|s| s.header == "default");
        for section in plain_default.into_iter().chain(rest) {
            let header = section.header.as_str();
            if header == "default" {
                self.entry_profile("default")
                    .merge(path, section.properties);
            } else if let Some(name) = prefixed(header, "profile") {
                self.entry_profile(name).merge(path, section.properties);
            } else if let Some(name) = prefixed(header, "sso-session") {
                let session = self
                    .sso_sessions
                    .entry(name.to_string())
                    .or_insert_with(|| Profile {
                        name: name.to_string(),
                        ..Profile::default()
                    });
                session.merge(path, section.properties);
            } else if prefixed(header, "services").is_none() {
                // The SDKs ignore such sections too; say so, since it is a common slip.
                tracing::warn!(
                    file = %path.display(),
                    line = section.line,
                    "ignoring config file section [{header}]: profiles there are [profile NAME]"
                );
            }
        }
    }

    fn add_credentials(&mut self, path: &Path, sections: Vec<parse::Section>) {
        // In the credentials file a section's name is the profile's name, and its values
        // override the config file's.
        for section in sections {
            let name = section.header.clone();
            self.entry_profile(&name).merge(path, section.properties);
        }
    }

    fn entry_profile(&mut self, name: &str) -> &mut Profile {
        self.profiles
            .entry(name.to_string())
            .or_insert_with(|| Profile {
                name: name.to_string(),
                ..Profile::default()
            })
    }

    /// The selected profile's name.
    pub fn selected(&self) -> &str {
        &self.selected
    }

    /// A profile by name.
    pub fn profile(&self, name: &str) -> Option<&Profile> {
        self.profiles.get(name)
    }

    /// An `[sso-session NAME]` section by name.
    pub fn sso_session(&self, name: &str) -> Option<&Profile> {
        self.sso_sessions.get(name)
    }

    /// The selected profile.
    ///
    /// # Errors
    /// [`Error::NotConfigured`] when the default profile is absent;
    /// [`Error::InvalidConfiguration`] when a profile asked for by name is absent.
    pub fn selected_profile(&self) -> Result<&Profile, Error> {
        if let Some(profile) = self.profiles.get(&self.selected) {
            return Ok(profile);
        }
        let files = if self.files.is_empty() {
            "no config or credentials file exists".to_string()
        } else {
            let names: Vec<String> = self.files.iter().map(|p| p.display().to_string()).collect();
            format!("not in {}", names.join(" or "))
        };
        let message = format!("profile `{}` is not defined ({files})", self.selected);
        if self.explicit {
            Err(Error::invalid_config(NAME, message))
        } else {
            Err(Error::not_configured(NAME, message))
        }
    }
}

/// `header`'s name after `prefix` and at least one whitespace character.
fn prefixed<'h>(header: &'h str, prefix: &str) -> Option<&'h str> {
    let rest = header.strip_prefix(prefix)?;
    if !rest.starts_with([' ', '\t']) {
        return None;
    }
    let name = rest.trim();
    (!name.is_empty()).then_some(name)
}

/// The file's text, `None` if it does not exist.
async fn read_optional(path: &Path) -> Result<Option<String>, Error> {
    match tokio::fs::read(path).await {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => Ok(Some(text)),
            Err(e) => {
                // Line of the first bad byte, so the error points somewhere useful.
                let valid = e.utf8_error().valid_up_to();
                let line = 1 + e.as_bytes()[..valid]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count();
                Err(Error::ProfileFile {
                    path: path.to_path_buf(),
                    line,
                    problem: "the file is not valid UTF-8".to_string(),
                })
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::Io {
            provider: NAME,
            path: path.to_path_buf(),
            message: e.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merging_files_and_default_precedence() {
        let set = ProfileSet::from_texts(
            Some((
                Path::new("config"),
                "[profile default]\nregion = from-profile-default\n[default]\nregion = plain\n\
                 output = json\n[dev]\nregion = ignored\n[profile dev]\nregion = eu-west-1\n\
                 [sso-session corp]\nsso_region = us-east-1\n",
            )),
            Some((
                Path::new("credentials"),
                "[dev]\naws_access_key_id = AKID\nregion = from-credentials\n",
            )),
            "dev",
        )
        .unwrap();
        let default = set.profile("default").unwrap();
        assert_eq!(default.get("region"), Some("from-profile-default"));
        assert_eq!(default.get("output"), Some("json"));
        let dev = set.selected_profile().unwrap();
        assert_eq!(dev.get("region"), Some("from-credentials"));
        assert_eq!(dev.location("region").as_deref(), Some("credentials:3"));
        assert_eq!(
            set.sso_session("corp").unwrap().get("sso_region"),
            Some("us-east-1")
        );
        assert!(!format!("{dev:?}").contains("AKID"));
    }
}
