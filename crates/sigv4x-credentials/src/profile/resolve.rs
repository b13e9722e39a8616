//! From a selected profile to a plan: one base source of credentials, then the roles to
//! assume in turn. Pure (no I/O), so the rules are tested on their own.
//!
//! The rules follow the SDKs' shared-config specification and botocore:
//! - a profile with `role_arn` assumes that role, from `source_profile` (another profile's
//!   credentials, possibly itself assuming a role: a chain) or from `credential_source`
//!   (`Environment`, `Ec2InstanceMetadata`, `EcsContainer`), or with `web_identity_token_file`;
//! - in a *source* profile, static keys take precedence over its own `role_arn` and end the
//!   chain (botocore's `_resolve_credentials_from_profile`); a profile naming itself as
//!   `source_profile` uses its own keys;
//! - a profile without `role_arn` gives credentials from, in botocore's order: an SSO session,
//!   static keys, `credential_process`.

use std::collections::HashSet;

use sigv4x::Credentials;

use super::{Profile, ProfileSet, NAME};
use crate::{Error, ProcessProvider};

/// Where the first credentials of a plan come from.
#[derive(Debug)]
pub(crate) enum Base {
    /// `aws_access_key_id` and `aws_secret_access_key` of a profile.
    Static(Credentials),
    /// `credential_source = Environment`.
    Environment,
    /// `credential_source = Ec2InstanceMetadata`.
    Imds,
    /// `credential_source = EcsContainer`.
    Container,
    /// `web_identity_token_file` with `role_arn`.
    WebIdentity {
        role_arn: String,
        token_file: String,
        session_name: Option<String>,
    },
    /// `credential_process` (whose `Debug` hides the command's arguments).
    Process(ProcessProvider),
    /// An SSO session or legacy SSO profile.
    Sso(SsoPlan),
}

/// What SSO needs: where the cached token is and which role to ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SsoPlan {
    pub(crate) profile: String,
    /// The session name (`sso_session`), or for legacy profiles `None`.
    pub(crate) session: Option<String>,
    pub(crate) start_url: String,
    pub(crate) region: String,
    pub(crate) account_id: String,
    pub(crate) role_name: String,
}

impl SsoPlan {
    /// The name hashed for the token cache file: the session name, else the start URL.
    pub(crate) fn cache_key(&self) -> &str {
        self.session.as_deref().unwrap_or(&self.start_url)
    }
}

/// A role to assume, with the profile's options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RoleStep {
    pub(crate) profile: String,
    pub(crate) role_arn: String,
    pub(crate) session_name: Option<String>,
    pub(crate) external_id: Option<String>,
    pub(crate) duration_seconds: Option<u32>,
}

/// A base source and the roles to assume from it, innermost first.
#[derive(Debug)]
pub(crate) struct Plan {
    pub(crate) base: Base,
    pub(crate) roles: Vec<RoleStep>,
    /// The profiles visited, selected first, for messages.
    pub(crate) profiles: Vec<String>,
}

/// Resolves the selected profile of `set`.
pub(crate) fn resolve(set: &ProfileSet) -> Result<Plan, Error> {
    let mut profile = set.selected_profile()?;
    let mut visited: Vec<String> = Vec::new();
    let mut seen: HashSet<&str> = HashSet::new();
    // Roles from the selected profile outwards; reversed at the end.
    let mut roles: Vec<RoleStep> = Vec::new();
    let base = loop {
        let name = profile.name();
        if !seen.insert(name) {
            visited.push(name.to_string());
            return Err(Error::invalid_config(
                NAME,
                format!("source_profile cycle: {}", visited.join(" -> ")),
            ));
        }
        visited.push(name.to_string());
        let is_source = visited.len() > 1;
        if is_source {
            if let Some(credentials) = static_credentials(profile)? {
                break Base::Static(credentials);
            }
        }
        let Some(role_arn) = profile.get("role_arn") else {
            break leaf(set, profile, is_source)?;
        };
        if let Some(token_file) = profile.get("web_identity_token_file") {
            break Base::WebIdentity {
                role_arn: role_arn.to_string(),
                token_file: token_file.to_string(),
                session_name: profile.get("role_session_name").map(str::to_string),
            };
        }
        if profile.get("mfa_serial").is_some() {
            return Err(Error::invalid_config(
                NAME,
                format!(
                    "profile `{name}` sets mfa_serial; assuming a role with an MFA code needs an \
                     interactive prompt, which this crate does not do"
                ),
            ));
        }
        roles.push(role_step(profile, role_arn)?);
        match (
            profile.get("source_profile"),
            profile.get("credential_source"),
        ) {
            (Some(_), Some(_)) => {
                return Err(Error::invalid_config(
                    NAME,
                    format!(
                        "profile `{name}` sets both source_profile and credential_source; \
                         set one"
                    ),
                ))
            }
            (None, None) => {
                return Err(Error::invalid_config(
                    NAME,
                    format!(
                        "profile `{name}` sets role_arn but neither source_profile, \
                         credential_source nor web_identity_token_file"
                    ),
                ))
            }
            (None, Some(source)) => break credential_source(name, source)?,
            (Some(source), None) if source == name => {
                // A profile may assume a role with its own keys.
                match static_credentials(profile)? {
                    Some(credentials) => break Base::Static(credentials),
                    None => {
                        return Err(Error::invalid_config(
                            NAME,
                            format!(
                                "profile `{name}` is its own source_profile but has no \
                                 aws_access_key_id and aws_secret_access_key"
                            ),
                        ))
                    }
                }
            }
            (Some(source), None) => {
                profile = set.profile(source).ok_or_else(|| {
                    Error::invalid_config(
                        NAME,
                        format!(
                            "source_profile `{source}` of profile `{name}` (at {}) is not defined",
                            profile.location("source_profile").unwrap_or_default()
                        ),
                    )
                })?;
            }
        }
    };
    roles.reverse();
    Ok(Plan {
        base,
        roles,
        profiles: visited,
    })
}

/// A profile's static keys, if it has any; half a pair is an error.
fn static_credentials(profile: &Profile) -> Result<Option<Credentials>, Error> {
    match (
        profile.get("aws_access_key_id"),
        profile.get("aws_secret_access_key"),
    ) {
        (Some(id), Some(secret)) => Ok(Some(Credentials::new(
            id,
            secret,
            profile.get("aws_session_token").map(str::to_string),
        ))),
        (None, None) => Ok(None),
        (Some(_), None) => Err(Error::invalid_config(
            NAME,
            format!(
                "profile `{}` sets aws_access_key_id but not aws_secret_access_key",
                profile.name()
            ),
        )),
        (None, Some(_)) => Err(Error::invalid_config(
            NAME,
            format!(
                "profile `{}` sets aws_secret_access_key but not aws_access_key_id",
                profile.name()
            ),
        )),
    }
}

fn role_step(profile: &Profile, role_arn: &str) -> Result<RoleStep, Error> {
    let duration_seconds = match profile.get("duration_seconds") {
        None => None,
        Some(text) => Some(text.parse::<u32>().map_err(|_| {
            Error::invalid_config(
                NAME,
                format!(
                    "duration_seconds `{text}` of profile `{}` (at {}) is not a number of seconds",
                    profile.name(),
                    profile.location("duration_seconds").unwrap_or_default()
                ),
            )
        })?),
    };
    Ok(RoleStep {
        profile: profile.name().to_string(),
        role_arn: role_arn.to_string(),
        session_name: profile.get("role_session_name").map(str::to_string),
        external_id: profile.get("external_id").map(str::to_string),
        duration_seconds,
    })
}

fn credential_source(profile: &str, source: &str) -> Result<Base, Error> {
    // The SDKs match these names exactly.
    match source {
        "Environment" => Ok(Base::Environment),
        "Ec2InstanceMetadata" => Ok(Base::Imds),
        "EcsContainer" => Ok(Base::Container),
        other => Err(Error::invalid_config(
            NAME,
            format!(
                "credential_source `{other}` of profile `{profile}` is not one of Environment, \
                 Ec2InstanceMetadata, EcsContainer"
            ),
        )),
    }
}

/// A profile without `role_arn`: SSO, static keys or `credential_process`.
///
/// A selected profile with none of them (a `[default]` holding only `region`, common on EC2
/// and in containers) is "not configured", so the chain goes on to the container and instance
/// providers, as botocore's and the SDKs' chains do; a source profile with none breaks the
/// chain it is part of, an error.
fn leaf(set: &ProfileSet, profile: &Profile, is_source: bool) -> Result<Base, Error> {
    let name = profile.name();
    if let Some(sso) = sso_plan(set, profile)? {
        return Ok(Base::Sso(sso));
    }
    if let Some(credentials) = static_credentials(profile)? {
        return Ok(Base::Static(credentials));
    }
    if let Some(command) = profile.get("credential_process") {
        return Ok(Base::Process(ProcessProvider::for_profile(name, command)));
    }
    let message = format!(
        "profile `{name}` has no credentials: none of aws_access_key_id, role_arn, \
         sso_session, sso_start_url or credential_process"
    );
    if is_source {
        Err(Error::invalid_config(NAME, message))
    } else {
        Err(Error::not_configured(NAME, message))
    }
}

fn sso_plan(set: &ProfileSet, profile: &Profile) -> Result<Option<SsoPlan>, Error> {
    let name = profile.name();
    let missing = |what: &str, place: &str| {
        Error::invalid_config(NAME, format!("{place} has SSO settings but no {what}"))
    };
    let place = format!("profile `{name}`");
    let (session, start_url, region) = if let Some(session_name) = profile.get("sso_session") {
        let session = set.sso_session(session_name).ok_or_else(|| {
            Error::invalid_config(
                NAME,
                format!("sso_session `{session_name}` of profile `{name}` has no [sso-session {session_name}] section"),
            )
        })?;
        let session_place = format!("[sso-session {session_name}]");
        let start_url = session
            .get("sso_start_url")
            .ok_or_else(|| missing("sso_start_url", &session_place))?;
        let region = session
            .get("sso_region")
            .ok_or_else(|| missing("sso_region", &session_place))?;
        // A profile repeating the session's values must agree with them (botocore checks).
        for key in ["sso_start_url", "sso_region"] {
            if let Some(own) = profile.get(key) {
                if Some(own) != session.get(key) {
                    return Err(Error::invalid_config(
                        NAME,
                        format!("{key} of profile `{name}` differs from {session_place}'s"),
                    ));
                }
            }
        }
        (Some(session_name.to_string()), start_url, region)
    } else if let Some(start_url) = profile.get("sso_start_url") {
        let region = profile
            .get("sso_region")
            .ok_or_else(|| missing("sso_region", &place))?;
        (None, start_url, region)
    } else {
        return Ok(None);
    };
    Ok(Some(SsoPlan {
        profile: name.to_string(),
        session,
        start_url: start_url.to_string(),
        region: region.to_string(),
        account_id: profile
            .get("sso_account_id")
            .ok_or_else(|| missing("sso_account_id", &place))?
            .to_string(),
        role_name: profile
            .get("sso_role_name")
            .ok_or_else(|| missing("sso_role_name", &place))?
            .to_string(),
    }))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn plan(config: &str, selected: &str) -> Result<Plan, Error> {
        let set = ProfileSet::from_texts(Some((Path::new("config"), config)), None, selected)?;
        resolve(&set)
    }

    fn message(result: Result<Plan, Error>) -> String {
        match result {
            Ok(plan) => panic!("expected an error, got {plan:?}"),
            Err(e) => e.to_string(),
        }
    }

    const CHAIN: &str = "\
[profile base]
aws_access_key_id = AKIDBASE
aws_secret_access_key = base-secret
role_arn = arn:aws:iam::1:role/ignored-in-a-source
[profile middle]
role_arn = arn:aws:iam::2:role/middle
source_profile = base
external_id = ext-2
[profile top]
role_arn = arn:aws:iam::3:role/top
source_profile = middle
duration_seconds = 900
role_session_name = me
";

    #[test]
    fn role_chain_innermost_first_and_static_keys_end_a_source() {
        let plan = plan(CHAIN, "top").unwrap();
        match &plan.base {
            Base::Static(c) => assert_eq!(c.access_key_id(), "AKIDBASE"),
            other => panic!("{other:?}"),
        }
        let arns: Vec<&str> = plan.roles.iter().map(|r| r.role_arn.as_str()).collect();
        assert_eq!(
            arns,
            ["arn:aws:iam::2:role/middle", "arn:aws:iam::3:role/top"]
        );
        assert_eq!(plan.roles[0].external_id.as_deref(), Some("ext-2"));
        assert_eq!(plan.roles[1].duration_seconds, Some(900));
        assert_eq!(plan.roles[1].session_name.as_deref(), Some("me"));
        assert_eq!(plan.profiles, ["top", "middle", "base"]);
    }

    #[test]
    fn the_selected_profile_assumes_its_role_rather_than_use_its_keys() {
        // `base` has keys and role_arn but no source: botocore refuses it too
        // ("must have either source_profile or credential_source").
        assert!(message(plan(CHAIN, "base")).contains("neither source_profile"));
    }

    #[test]
    fn leaf_kinds_and_credential_sources() {
        let config = "\
[profile env]
role_arn = arn:aws:iam::1:role/r
credential_source = Environment
[profile ec2]
role_arn = arn:aws:iam::1:role/r
credential_source = Ec2InstanceMetadata
[profile ecs]
role_arn = arn:aws:iam::1:role/r
credential_source = EcsContainer
[profile wi]
role_arn = arn:aws:iam::1:role/r
web_identity_token_file = /tok
[profile proc]
credential_process = /bin/get-creds --profile x
[profile sso]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = Dev
[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1
[profile legacy-sso]
sso_start_url = https://old.awsapps.com/start
sso_region = us-east-1
sso_account_id = 1
sso_role_name = R
";
        assert!(matches!(
            plan(config, "env").unwrap().base,
            Base::Environment
        ));
        assert!(matches!(plan(config, "ec2").unwrap().base, Base::Imds));
        assert!(matches!(plan(config, "ecs").unwrap().base, Base::Container));
        assert!(matches!(
            plan(config, "wi").unwrap().base,
            Base::WebIdentity { .. }
        ));
        match plan(config, "proc").unwrap().base {
            Base::Process(process) => {
                assert_eq!(process.command(), "/bin/get-creds --profile x");
                assert!(!format!("{process:?}").contains("--profile"));
            }
            other => panic!("{other:?}"),
        }
        match plan(config, "sso").unwrap().base {
            Base::Sso(sso) => {
                assert_eq!(sso.cache_key(), "corp");
                assert_eq!(sso.region, "eu-west-1");
                assert_eq!(sso.account_id, "111122223333");
            }
            other => panic!("{other:?}"),
        }
        match plan(config, "legacy-sso").unwrap().base {
            Base::Sso(sso) => assert_eq!(sso.cache_key(), "https://old.awsapps.com/start"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn misconfigurations_are_explained() {
        let cycle = "[profile a]\nrole_arn = r\nsource_profile = b\n[profile b]\nrole_arn = r\nsource_profile = a\n";
        assert!(message(plan(cycle, "a")).contains("cycle: a -> b -> a"));
        let self_no_keys = "[profile a]\nrole_arn = r\nsource_profile = a\n";
        assert!(message(plan(self_no_keys, "a")).contains("its own source_profile"));
        let self_keys = "[profile a]\nrole_arn = r\nsource_profile = a\naws_access_key_id = K\naws_secret_access_key = S\n";
        assert_eq!(plan(self_keys, "a").unwrap().roles.len(), 1);
        let missing = "[profile a]\nrole_arn = r\nsource_profile = nope\n";
        assert!(message(plan(missing, "a"))
            .contains("source_profile `nope` of profile `a` (at config:3) is not defined"));
        let both =
            "[profile a]\nrole_arn = r\nsource_profile = a\ncredential_source = Environment\n";
        assert!(message(plan(both, "a")).contains("both"));
        let neither = "[profile a]\nrole_arn = r\n";
        assert!(message(plan(neither, "a")).contains("neither"));
        let bad_source = "[profile a]\nrole_arn = r\ncredential_source = environment\n";
        assert!(message(plan(bad_source, "a")).contains("not one of"));
        let half = "[profile a]\naws_access_key_id = K\n";
        assert!(message(plan(half, "a")).contains("not aws_secret_access_key"));
        let bad_duration = "[profile a]\nrole_arn = r\nsource_profile = a\naws_access_key_id = K\naws_secret_access_key = S\nduration_seconds = 1h\n";
        assert!(message(plan(bad_duration, "a")).contains("config:6"));
        let empty = "[profile a]\nregion = x\n[profile b]\nrole_arn = r\nsource_profile = a\n";
        let selected_empty = plan(empty, "a").unwrap_err();
        assert!(selected_empty.is_not_configured(), "{selected_empty}");
        assert!(selected_empty.to_string().contains("has no credentials"));
        let source_empty = plan(empty, "b").unwrap_err();
        assert!(
            matches!(source_empty, Error::InvalidConfiguration { .. }),
            "{source_empty}"
        );
        assert!(message(plan(empty, "c")).contains("profile `c` is not defined"));
        let no_session = "[profile a]\nsso_session = s\n";
        assert!(message(plan(no_session, "a")).contains("[sso-session s]"));
    }
}
