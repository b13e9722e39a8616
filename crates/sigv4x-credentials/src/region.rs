//! The region, as the SDKs find it.

use crate::profile::ProfileSet;
use crate::{Env, Error};

/// The region from `AWS_REGION`, else `AWS_DEFAULT_REGION` (botocore and the CLI read it),
/// else the selected profile's `region` in the shared config files.
///
/// # Errors
/// A malformed or unreadable config file ([`Error::ProfileFile`], [`Error::Io`]); a missing
/// file or profile is not an error, just no region.
pub async fn load_region(env: &Env) -> Result<Option<String>, Error> {
    if let Some(region) = env_region(env) {
        return Ok(Some(region));
    }
    let set = ProfileSet::load(env, None).await?;
    Ok(profile_region(&set))
}

/// A region goes into host names (`sts.{region}.amazonaws.com`) and the credential scope: it
/// must look like one (lowercase letters, digits, dashes), or a typo or a hostile config could
/// send credentials to another host.
pub(crate) fn check_region(provider: &'static str, region: &str) -> Result<(), Error> {
    let valid = !region.is_empty()
        && region.len() <= 64
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if valid {
        Ok(())
    } else {
        Err(Error::invalid_config(
            provider,
            format!("region `{region}` is not a region name"),
        ))
    }
}

pub(crate) fn env_region(env: &Env) -> Option<String> {
    env.get_non_empty("AWS_REGION")
        .or_else(|| env.get_non_empty("AWS_DEFAULT_REGION"))
}

pub(crate) fn profile_region(set: &ProfileSet) -> Option<String> {
    set.profile(set.selected())
        .and_then(|p| p.get("region"))
        .map(str::to_string)
}

/// The STS endpoint for providers outside a profile (web identity): the region and
/// `endpoint_url` of the selected profile, under the environment's overrides.
pub(crate) async fn sts_endpoint(env: &Env) -> Result<crate::sts::Endpoint, Error> {
    let set = ProfileSet::load(env, None).await?;
    let region = env_region(env).or_else(|| profile_region(&set));
    let profile = set.profile(set.selected());
    let endpoint_url = profile.and_then(|p| p.get("endpoint_url"));
    crate::sts::endpoint(env, region.as_deref(), endpoint_url)
}
