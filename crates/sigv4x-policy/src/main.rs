//! `sigv4x-policy`: lint policy files, or decide a request against them.
//!
//! ```text
//! sigv4x-policy lint [--kind endpoint|resource|identity] FILE...
//! sigv4x-policy eval [--endpoint FILE] [--resource FILE] [--identity FILE]...
//!                    --resource-arn ARN [--action ACTION] [--principal ARN]
//!                    [--source-vpce ID] [--source-vpc ID] [--vpc-source-ip IP]
//!                    [--source-ip IP] [--principal-tag K=V]... [--key K=V]...
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::process::ExitCode;

use sigv4x_policy::{
    lint, Authorizer, NamedPolicy, Outcome, Policy, PolicyKind, RequestContext, Severity,
};

const USAGE: &str = "\
usage:
  sigv4x-policy lint [--kind endpoint|resource|identity] FILE...
      Print findings as `FILE: severity: [statement Sid/index] message (code)`.
      Exit status 1 when any finding is an error (or a file cannot be read),
      2 on a usage mistake. Without --kind, a file whose statements name no
      Principal is an identity policy; one whose name contains `endpoint` or
      `vpce` is an endpoint policy; any other is a resource policy.
  sigv4x-policy eval [--endpoint FILE] [--resource FILE] [--identity FILE]...
      --resource-arn ARN [--action execute-api:Invoke] [--principal ARN]
      [--source-vpce vpce-...] [--source-vpc vpc-...] [--vpc-source-ip IP]
      [--source-ip IP] [--secure-transport true|false]
      [--principal-tag KEY=VALUE]... [--key KEY=VALUE]...
      Print the decision and its reason; for a deny, also API Gateway's
      403 message. The request carries aws:CurrentTime (now) and
      aws:SecureTransport (true unless given). Exit status 0 when allowed,
      1 when denied, 2 on misuse.
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.split_first() {
        Some((command, rest)) if command == "lint" => run_lint(rest),
        Some((command, rest)) if command == "eval" => run_eval(rest),
        Some((flag, _)) if flag == "-h" || flag == "--help" => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => Err(Usage("expected a command: lint or eval".to_owned())),
    };
    match result {
        Ok(code) => code,
        Err(Usage(message)) => {
            eprintln!("sigv4x-policy: {message}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// A mistake in the command line.
struct Usage(String);

fn parse_kind(text: &str) -> Result<PolicyKind, Usage> {
    match text {
        "endpoint" | "vpce" => Ok(PolicyKind::VpcEndpoint),
        "resource" => Ok(PolicyKind::Resource),
        "identity" => Ok(PolicyKind::Identity),
        other => Err(Usage(format!(
            "unknown policy kind `{other}` (endpoint, resource or identity)"
        ))),
    }
}

fn infer_kind(file: &str, policy: &Policy) -> PolicyKind {
    if policy.statements.iter().all(|s| s.principal.is_none()) {
        return PolicyKind::Identity;
    }
    let name = std::path::Path::new(file)
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if name.contains("endpoint") || name.contains("vpce") {
        PolicyKind::VpcEndpoint
    } else {
        PolicyKind::Resource
    }
}

fn read_policy(file: &str) -> Result<Policy, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read: {e}"))?;
    Policy::parse(&text).map_err(|e| e.to_string())
}

fn run_lint(args: &[String]) -> Result<ExitCode, Usage> {
    let mut kind = None;
    let mut files = Vec::new();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if arg == "--kind" {
            let value = iter
                .next()
                .ok_or_else(|| Usage("--kind needs a value".to_owned()))?;
            kind = Some(parse_kind(value)?);
        } else if let Some(value) = arg.strip_prefix("--kind=") {
            kind = Some(parse_kind(value)?);
        } else if arg.starts_with("--") {
            return Err(Usage(format!("unknown option `{arg}`")));
        } else {
            files.push(arg.as_str());
        }
    }
    if files.is_empty() {
        return Err(Usage("lint needs at least one FILE".to_owned()));
    }
    let mut failed = false;
    for file in files {
        let policy = match read_policy(file) {
            Ok(policy) => policy,
            Err(message) => {
                println!("{file}: error: [policy] {message} (parse-error)");
                failed = true;
                continue;
            }
        };
        let kind = kind.unwrap_or_else(|| infer_kind(file, &policy));
        for finding in lint(&policy, kind) {
            failed |= finding.severity == Severity::Error;
            println!("{file}: {finding}");
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn key_value(text: &str, flag: &str) -> Result<(String, String), Usage> {
    text.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| Usage(format!("{flag} wants KEY=VALUE, got `{text}`")))
}

fn run_eval(args: &[String]) -> Result<ExitCode, Usage> {
    let mut authorizer = Authorizer::new();
    let mut action = "execute-api:Invoke".to_owned();
    let mut resource = None;
    let mut keys: Vec<(String, String)> = Vec::new();
    let mut principal = None;
    let mut iter = args.iter();
    while let Some(flag) = iter.next() {
        let mut value = || {
            iter.next()
                .cloned()
                .ok_or_else(|| Usage(format!("{flag} needs a value")))
        };
        let load = |file: String, authorizer: Authorizer, kind: PolicyKind| match read_policy(&file)
        {
            Ok(policy) => {
                let named = NamedPolicy::new(file, policy);
                Ok(match kind {
                    PolicyKind::VpcEndpoint => authorizer.with_endpoint_policy(named),
                    PolicyKind::Resource => authorizer.with_resource_policy(named),
                    PolicyKind::Identity => authorizer.with_identity_policy(named),
                })
            }
            Err(message) => Err(Usage(format!("{file}: {message}"))),
        };
        match flag.as_str() {
            "--endpoint" => authorizer = load(value()?, authorizer, PolicyKind::VpcEndpoint)?,
            "--resource" => authorizer = load(value()?, authorizer, PolicyKind::Resource)?,
            "--identity" => authorizer = load(value()?, authorizer, PolicyKind::Identity)?,
            "--resource-arn" => resource = Some(value()?),
            "--action" => action = value()?,
            "--principal" => principal = Some(value()?),
            "--source-vpce" => keys.push(("aws:SourceVpce".to_owned(), value()?)),
            "--source-vpc" => keys.push(("aws:SourceVpc".to_owned(), value()?)),
            "--vpc-source-ip" => keys.push(("aws:VpcSourceIp".to_owned(), value()?)),
            "--source-ip" => keys.push(("aws:SourceIp".to_owned(), value()?)),
            "--secure-transport" => keys.push(("aws:SecureTransport".to_owned(), value()?)),
            "--principal-tag" => {
                let (k, v) = key_value(&value()?, flag)?;
                keys.push((format!("aws:PrincipalTag/{k}"), v));
            }
            "--key" => keys.push(key_value(&value()?, flag)?),
            other => return Err(Usage(format!("unknown option `{other}`"))),
        }
    }
    let resource = resource.ok_or_else(|| Usage("eval needs --resource-arn".to_owned()))?;
    let mut ctx = RequestContext::new(action, resource)
        .with_current_time(std::time::SystemTime::now())
        .with_secure_transport(true);
    if let Some(principal) = principal {
        ctx = ctx.with_principal(principal);
    }
    for (key, value) in keys {
        ctx = ctx.with_key(&key, value);
    }
    let decision = authorizer.decide(&ctx);
    let label = match decision.outcome {
        Outcome::Allow => "ALLOW",
        Outcome::ExplicitDeny => "EXPLICIT DENY",
        Outcome::ImplicitDeny => "IMPLICIT DENY",
    };
    println!("{label}: {decision}");
    if let Some(message) = decision.access_denied_message(&ctx) {
        println!("403 AccessDeniedException: {message}");
    }
    Ok(if decision.is_allowed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
