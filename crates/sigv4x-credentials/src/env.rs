//! Where providers read environment variables and the home directory from.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

/// The environment variables providers read: the process environment, or a fixed map.
///
/// A map lets tests (and programs configured from elsewhere) run providers side by side without
/// touching the process environment, which is shared by every thread. The home directory is
/// `HOME` (or `USERPROFILE` on Windows) *of this environment*, so a map with `HOME` pointing at a
/// temporary directory gives a provider its own `~/.aws/`.
///
/// `Debug` lists variable names only: values may be secrets.
#[derive(Clone)]
pub struct Env(Arc<Source>);

enum Source {
    Process,
    Map(HashMap<String, String>),
}

impl Env {
    /// The process environment, read at each use.
    pub fn process() -> Self {
        Env(Arc::new(Source::Process))
    }

    /// Exactly these variables and no others.
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        let map = pairs
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        Env(Arc::new(Source::Map(map)))
    }

    /// The variable's value; `None` when unset or not Unicode.
    pub fn get(&self, name: &str) -> Option<String> {
        match &*self.0 {
            Source::Process => std::env::var(name).ok(),
            Source::Map(map) => map.get(name).cloned(),
        }
    }

    /// The variable's value, trimmed, with an empty value counted as unset (as the SDKs do).
    pub fn get_non_empty(&self, name: &str) -> Option<String> {
        self.get(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }

    /// The home directory: `HOME`, else `USERPROFILE`, else `HOMEDRIVE` + `HOMEPATH`.
    pub fn home_dir(&self) -> Option<PathBuf> {
        if let Some(home) = self.get_non_empty("HOME") {
            return Some(PathBuf::from(home));
        }
        if let Some(profile) = self.get_non_empty("USERPROFILE") {
            return Some(PathBuf::from(profile));
        }
        match (
            self.get_non_empty("HOMEDRIVE"),
            self.get_non_empty("HOMEPATH"),
        ) {
            (Some(drive), Some(path)) => Some(PathBuf::from(format!("{drive}{path}"))),
            _ => None,
        }
    }

    /// `path` with a leading `~/` (or `~\`) replaced by the home directory, as the SDKs expand
    /// `AWS_CONFIG_FILE` and similar settings.
    pub fn expand_home(&self, path: &str) -> PathBuf {
        let rest = path
            .strip_prefix("~/")
            .or_else(|| path.strip_prefix("~\\"))
            .or_else(|| (path == "~").then_some(""));
        match (rest, self.home_dir()) {
            (Some(rest), Some(home)) => home.join(rest),
            _ => PathBuf::from(path),
        }
    }

    /// A boolean setting: `true` (any case) is true; anything else, or unset, is false.
    pub(crate) fn flag(&self, name: &str) -> bool {
        self.get_non_empty(name)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }
}

impl Default for Env {
    fn default() -> Self {
        Env::process()
    }
}

impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.0 {
            Source::Process => f.write_str("Env::Process"),
            Source::Map(map) => {
                let mut names: Vec<&str> = map.keys().map(String::as_str).collect();
                names.sort_unstable();
                f.debug_tuple("Env::Map").field(&names).finish()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_names_not_values() {
        let env = Env::from_pairs([("AWS_SECRET_ACCESS_KEY", "s3cr3t")]);
        let shown = format!("{env:?}");
        assert!(shown.contains("AWS_SECRET_ACCESS_KEY"));
        assert!(!shown.contains("s3cr3t"));
    }

    #[test]
    fn home_expansion() {
        let env = Env::from_pairs([("HOME", "/home/u")]);
        assert_eq!(env.expand_home("~/x/y"), PathBuf::from("/home/u/x/y"));
        assert_eq!(env.expand_home("/abs"), PathBuf::from("/abs"));
        assert_eq!(env.get_non_empty("HOME").as_deref(), Some("/home/u"));
        assert_eq!(Env::from_pairs([("HOME", " ")]).home_dir(), None);
    }
}
