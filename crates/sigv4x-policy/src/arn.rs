//! Amazon Resource Names: splitting them into their six parts, checking
//! their shape, and the `execute-api` forms this crate cares about.

use crate::wildcard::{self, Case, Token};

/// The six colon-separated parts of an ARN, borrowed from the text.
///
/// `arn:partition:service:region:account-id:resource` — the resource part
/// keeps any further colons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arn<'a> {
    /// `aws`, `aws-cn`, `aws-us-gov`, …
    pub partition: &'a str,
    /// `iam`, `sts`, `execute-api`, …
    pub service: &'a str,
    /// Empty for global services such as IAM.
    pub region: &'a str,
    /// Twelve digits, or empty for some services.
    pub account: &'a str,
    /// Everything after the fifth colon.
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// Split `text` into its parts; `None` unless it starts with `arn:` and has
    /// at least six parts.
    pub fn parse(text: &'a str) -> Option<Self> {
        let rest = text.strip_prefix("arn:")?;
        // The four colons by a byte scan: `splitn` with a char pattern cost about a thousand
        // instructions per ARN, and a request's decision parses a dozen.
        let mut colons = [0usize; 4];
        let mut found = 0;
        for (i, b) in rest.bytes().enumerate() {
            if b == b':' {
                if let Some(slot) = colons.get_mut(found) {
                    *slot = i;
                }
                found += 1;
                if found == colons.len() {
                    break;
                }
            }
        }
        if found < colons.len() {
            return None;
        }
        let [a, b, c, d] = colons;
        let partition = rest.get(..a)?;
        let service = rest.get(a + 1..b)?;
        let region = rest.get(b + 1..c)?;
        let account = rest.get(c + 1..d)?;
        let resource = rest.get(d + 1..)?;
        Some(Arn {
            partition,
            service,
            region,
            account,
            resource,
        })
    }
}

/// Is `text` a twelve-digit AWS account id?
pub fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// The account a principal ARN (or bare account id) belongs to.
pub(crate) fn principal_account(principal: &str) -> Option<&str> {
    if is_account_id(principal) {
        return Some(principal);
    }
    Arn::parse(principal)
        .map(|arn| arn.account)
        .filter(|a| is_account_id(a))
}

/// The partition and account of an ARN whose partition AWS has and whose
/// account is twelve digits; `None` when either cannot be read (`ARN:aws:…`,
/// `arn:aws:…:1111-2222-3333:…`, an account `*`, no ARN at all). Accounts
/// that cannot be read cannot be compared.
pub(crate) fn partition_account(text: &str) -> Option<(&str, &str)> {
    let arn = Arn::parse(text)?;
    (PARTITIONS.contains(&arn.partition) && is_account_id(arn.account))
        .then_some((arn.partition, arn.account))
}

/// For an STS assumed-role session ARN
/// (`arn:aws:sts::111122223333:assumed-role/RoleName/session`), the parsed
/// ARN and the role name. Allocates nothing.
pub(crate) fn session_role(principal: &str) -> Option<(Arn<'_>, &str)> {
    let arn = Arn::parse(principal)?;
    if arn.service != "sts" {
        return None;
    }
    let rest = arn.resource.strip_prefix("assumed-role/")?;
    let (role, session) = rest.split_once('/')?;
    if role.is_empty() || session.is_empty() {
        return None;
    }
    Some((arn, role))
}

/// An STS assumed-role session ARN split into the parsed ARN, the role
/// name and the session name.
pub(crate) fn session_parts(principal: &str) -> Option<(Arn<'_>, &str, &str)> {
    let (arn, role) = session_role(principal)?;
    let session = arn.resource.get("assumed-role/".len() + role.len() + 1..)?;
    Some((arn, role, session))
}

/// The IAM role ARN a session stands for, as `aws:PrincipalArn` reports it.
pub(crate) fn role_of_session(principal: &str) -> Option<(&str, String)> {
    let (arn, role) = session_role(principal)?;
    Some((
        role,
        format!("arn:{}:iam::{}:role/{}", arn.partition, arn.account, role),
    ))
}

/// Is `role_arn` (an IAM role ARN, perhaps with a path) the role whose
/// session `caller` is? Allocates nothing.
pub(crate) fn is_role_of_session(role_arn: &str, caller: &str) -> bool {
    let (Some(role), Some((session, name))) = (Arn::parse(role_arn), session_role(caller)) else {
        return false;
    };
    role.service == "iam"
        && role.region.is_empty()
        && role.partition == session.partition
        && role.account == session.account
        && role.resource.starts_with("role/")
        && role.resource.rsplit('/').next() == Some(name)
}

/// Is `text` a partition AWS has (`aws`, `aws-cn`, `aws-us-gov`, …)?
pub fn is_partition(text: &str) -> bool {
    PARTITIONS.contains(&text)
}

/// The partitions AWS has.
const PARTITIONS: &[&str] = &[
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
];

/// What is wrong with an ARN's shape, if anything. `allow_wildcards` lets
/// `*` and `?` stand for parts (as in `Resource`, never in `Principal`).
pub(crate) fn shape_problem(text: &str, allow_wildcards: bool) -> Option<String> {
    let Some(arn) = Arn::parse(text) else {
        return Some(format!(
            "`{text}` is not an ARN: it needs six colon-separated parts, `arn:partition:service:region:account:resource`"
        ));
    };
    let wild = |part: &str| allow_wildcards && wildcard::has_wildcard(part);
    if !wild(arn.partition) && !PARTITIONS.contains(&arn.partition) {
        return Some(format!(
            "`{text}` has an unknown partition `{}`",
            arn.partition
        ));
    }
    if arn.service.is_empty() {
        return Some(format!("`{text}` names no service"));
    }
    if !arn.account.is_empty() && !wild(arn.account) && !is_account_id(arn.account) {
        return Some(format!(
            "`{text}` has account `{}`, which is not twelve digits",
            arn.account
        ));
    }
    if arn.resource.starts_with(':') {
        return Some(format!(
            "`{text}` has an extra colon before its resource part `{}`",
            arn.resource
        ));
    }
    if arn.resource.is_empty() {
        return Some(format!("`{text}` has an empty resource part"));
    }
    if arn.service == "iam" || arn.service == "sts" {
        if !arn.region.is_empty() && !wild(arn.region) {
            return Some(format!(
                "`{text}` has a region, but {} ARNs have none",
                arn.service
            ));
        }
        if arn.account.is_empty() {
            return Some(format!("`{text}` names no account"));
        }
    }
    if arn.service == "execute-api" {
        return execute_api_problem(text, arn.resource, allow_wildcards);
    }
    None
}

fn execute_api_problem(text: &str, resource: &str, allow_wildcards: bool) -> Option<String> {
    if allow_wildcards && resource == "*" {
        return None;
    }
    let mut parts = resource.splitn(4, '/');
    let api = parts.next().unwrap_or("");
    if api.is_empty() {
        return Some(format!("`{text}` names no API id before the first `/`"));
    }
    if !allow_wildcards || !wildcard::has_wildcard(resource) {
        if let Some(method) = parts.nth(1) {
            if !is_method(method) {
                return Some(format!(
                    "`{text}` has `{method}` where the HTTP method belongs (api-id/stage/METHOD/path)"
                ));
            }
        }
    }
    None
}

fn is_method(method: &str) -> bool {
    matches!(
        method,
        "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS" | "ANY"
    )
}

/// Split a request's `execute-api` resource ARN into the API prefix
/// (`arn:aws:execute-api:region:account:api-id`) and the path after it
/// (`/stage/METHOD/path`). `None` for anything else.
pub(crate) fn split_execute_api(resource: &str) -> Option<(&str, &str)> {
    let arn = Arn::parse(resource)?;
    if arn.service != "execute-api" {
        return None;
    }
    let slash = arn.resource.find('/')?;
    let cut = resource.len() - arn.resource.len() + slash;
    Some((resource.get(..cut)?, resource.get(cut..)?))
}

/// Does the resource-policy shorthand `execute-api:/stage/METHOD/path`
/// (wildcards allowed) match the request's full ARN? The shorthand stands
/// for the API being called, so only the path after the API id is compared.
pub(crate) fn shorthand_matches(pattern_path: &str, resource: &str) -> bool {
    match split_execute_api(resource) {
        Some((_, path)) => wildcard::matches(pattern_path, path, Case::Sensitive),
        None => false,
    }
}

/// `ArnEquals`/`ArnLike`: compare part by part, each with wildcards,
/// case-sensitively. A pattern that is not ARN-shaped is compared whole.
pub(crate) fn arn_like(pattern: &str, value: &str) -> bool {
    match (Arn::parse(pattern), Arn::parse(value)) {
        (Some(p), Some(v)) => {
            wildcard::matches(p.partition, v.partition, Case::Sensitive)
                && wildcard::matches(p.service, v.service, Case::Sensitive)
                && wildcard::matches(p.region, v.region, Case::Sensitive)
                && wildcard::matches(p.account, v.account, Case::Sensitive)
                && wildcard::matches(p.resource, v.resource, Case::Sensitive)
        }
        _ => wildcard::matches(pattern, value, Case::Sensitive),
    }
}

/// [`arn_like`] for a pattern with substituted variables, already split
/// into tokens (so that literal `*`, `?` and `:` from values stay literal).
pub(crate) fn arn_like_tokens(pattern: &[Token], value: &str) -> bool {
    // The six parts in an array, not a vector: this runs per decision.
    let mut parts: [&[Token]; 6] = [&[]; 6];
    let mut count = 0;
    let mut rest = pattern;
    while count < 5 {
        let Some(colon) = rest.iter().position(|t| *t == Token::Byte(b':')) else {
            break;
        };
        if let Some(part) = parts.get_mut(count) {
            *part = rest.get(..colon).unwrap_or_default();
        }
        count += 1;
        rest = rest.get(colon + 1..).unwrap_or_default();
    }
    if let Some(part) = parts.get_mut(count) {
        *part = rest;
    }
    count += 1;
    let arn_prefix = [Token::Byte(b'a'), Token::Byte(b'r'), Token::Byte(b'n')];
    let shaped = count == 6 && parts.first() == Some(&&arn_prefix[..]);
    match (shaped, Arn::parse(value)) {
        (true, Some(v)) => {
            let wanted = [v.partition, v.service, v.region, v.account, v.resource];
            parts
                .iter()
                .skip(1)
                .zip(wanted)
                .all(|(p, v)| wildcard::matches_tokens(p, v, Case::Sensitive))
        }
        _ => wildcard::matches_tokens(pattern, value, Case::Sensitive),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_colon_is_reported() {
        let problem = shape_problem("arn:aws:iam::111122223333::role/name", false);
        assert!(problem.is_some_and(|p| p.contains("extra colon")));
        assert_eq!(
            shape_problem("arn:aws:iam::111122223333:role/name", false),
            None
        );
    }

    #[test]
    fn account_shape() {
        assert!(shape_problem("arn:aws:iam::11112222333:role/x", false).is_some());
        assert!(shape_problem("arn:aws:iam::*:role/x", true).is_none());
        assert!(shape_problem("arn:aws:iam::*:role/x", false).is_some());
    }

    #[test]
    fn execute_api_shapes() {
        assert_eq!(
            shape_problem(
                "arn:aws:execute-api:us-east-1:444455556666:abc/prod/GET/x",
                false
            ),
            None
        );
        assert!(shape_problem(
            "arn:aws:execute-api:us-east-1:444455556666:abc/prod/get/x",
            false
        )
        .is_some());
        assert_eq!(
            shape_problem("arn:aws:execute-api:us-east-1:444455556666:abc/*", true),
            None
        );
    }

    #[test]
    fn session_role() {
        let (name, arn) =
            role_of_session("arn:aws:sts::111122223333:assumed-role/app/session-1").unwrap();
        assert_eq!(name, "app");
        assert_eq!(arn, "arn:aws:iam::111122223333:role/app");
        assert!(role_of_session("arn:aws:iam::111122223333:role/app").is_none());
    }

    #[test]
    fn split_and_shorthand() {
        let arn = "arn:aws:execute-api:us-east-1:444455556666:abc/prod/GET/orders";
        assert_eq!(
            split_execute_api(arn),
            Some((
                "arn:aws:execute-api:us-east-1:444455556666:abc",
                "/prod/GET/orders"
            ))
        );
        assert!(shorthand_matches("/prod/*", arn));
        assert!(!shorthand_matches("/test/*", arn));
        assert!(!shorthand_matches("/*", "arn:aws:s3:::bucket/key"));
    }

    #[test]
    fn arn_like_is_part_wise() {
        assert!(arn_like(
            "arn:aws:iam::*:role/app",
            "arn:aws:iam::111122223333:role/app"
        ));
        assert!(!arn_like(
            "arn:aws:iam::111122223333:role/App",
            "arn:aws:iam::111122223333:role/app"
        ));
    }
}
