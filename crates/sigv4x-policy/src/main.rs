//! `sigv4x-policy`: lint policy files, or decide a request against them.
//!
//! ```text
//! sigv4x-policy lint [--kind endpoint|resource|identity] [--api private|regional] FILE...
//! sigv4x-policy eval [--endpoint FILE] [--resource FILE] [--identity FILE]...
//!                    --resource-arn ARN [--action ACTION] [--principal ARN]
//!                    [--role-arn ARN] [--unique-id ID]
//!                    [--source-vpce ID] [--source-vpc ID] [--vpc-source-ip IP]
//!                    [--source-ip IP] [--principal-tag K=V]... [--key K=V]...
//!                    [--empty-key K]...
//! ```
//!
//! `eval` exits 0 when allowed, 1 when denied, 2 on a command-line mistake
//! (with the usage text), 3 when a policy file does not parse (its file,
//! JSON path and reason, without usage text: the command line was right,
//! the document is not one IAM would accept).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::process::ExitCode;

use sigv4x_policy::{
    infer_kind, is_account_id, is_partition, lint_with, Arn, Authorizer, Caller, LintOptions,
    NamedPolicy, Outcome, Policy, PolicyKind, RequestContext, Severity,
};

const USAGE: &str = "\
usage:
  sigv4x-policy lint [--kind endpoint|resource|identity] [--api private|regional] FILE...
      Print findings as `FILE: severity: [statement Sid/index] message (code)`.
      Exit status 1 when any finding is an error (or a file cannot be read
      or parsed), 2 on a usage mistake. Without --kind, the kind is read
      from the content: the execute-api:/ shorthand or a Deny guarding on
      aws:SourceVpce makes a resource policy; no Principal an identity
      policy; the file name (`endpoint`, `vpce`) is only a hint. --api
      private makes a resource policy without an endpoint guard an error,
      --api regional drops that finding.
  sigv4x-policy eval [--endpoint FILE] [--resource FILE] [--identity FILE]...
      --resource-arn ARN [--action execute-api:Invoke] [--principal ARN]
      [--role-arn ARN] [--unique-id ID]
      [--source-vpce vpce-...] [--source-vpc vpc-...] [--vpc-source-ip IP]
      [--source-ip IP] [--secure-transport true|false]
      [--principal-tag KEY=VALUE]... [--key KEY=VALUE]... [--empty-key KEY]...
      Print the decision and its reason; for a deny, also API Gateway's
      403 message. The request carries aws:CurrentTime (now) and
      aws:SecureTransport (true unless given). --role-arn gives a role
      session's role with its path (for aws:PrincipalArn), --unique-id the
      principal's AIDA.../AROA... id (for aws:userid). Repeating --key with
      one KEY builds a multi-valued key (for ForAnyValue/ForAllValues);
      --empty-key sets KEY to an empty set. Exit status 0 when allowed,
      1 when denied, 2 on misuse, 3 when a policy file does not parse.
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.split_first() {
        Some((command, rest)) if command == "lint" => run_lint(rest),
        Some((command, rest)) if command == "eval" => run_eval(rest),
        Some((flag, _)) if flag == "-h" || flag == "--help" => {
            return match say(format_args!("{}", USAGE.trim_end())) {
                Ok(()) => ExitCode::SUCCESS,
                Err(_) => ExitCode::from(2),
            };
        }
        _ => Err(Failure::Usage(
            "expected a command: lint or eval".to_owned(),
        )),
    };
    match result {
        Ok(code) => code,
        Err(Failure::Usage(message)) => {
            complain(format_args!("sigv4x-policy: {message}\n{USAGE}"));
            ExitCode::from(2)
        }
        Err(Failure::Unreadable(message) | Failure::Output(message)) => {
            complain(format_args!("sigv4x-policy: {message}"));
            ExitCode::from(2)
        }
        Err(Failure::Policy(message)) => {
            complain(format_args!(
                "sigv4x-policy: policy does not parse: {message}"
            ));
            ExitCode::from(3)
        }
    }
}

/// Why a command did not run to its answer.
enum Failure {
    /// A mistake in the command line: exit 2, with the usage text.
    Usage(String),
    /// A file named on the command line cannot be read: exit 2.
    Unreadable(String),
    /// A policy file is not a policy IAM would accept: exit 3.
    Policy(String),
    /// The answer could not be written: exit 2.
    Output(String),
}

fn parse_kind(text: &str) -> Result<PolicyKind, Failure> {
    match text {
        "endpoint" | "vpce" => Ok(PolicyKind::VpcEndpoint),
        "resource" => Ok(PolicyKind::Resource),
        "identity" => Ok(PolicyKind::Identity),
        other => Err(Failure::Usage(format!(
            "unknown policy kind `{other}` (endpoint, resource or identity)"
        ))),
    }
}

fn read_policy(file: &str) -> Result<Policy, Failure> {
    let bytes = std::fs::read(file)
        .map_err(|e| Failure::Unreadable(format!("{file}: cannot read: {e}")))?;
    // A file that is there but is not UTF-8 is a document IAM would not
    // accept (policies are JSON text), not a command-line mistake.
    let text = String::from_utf8(bytes).map_err(|e| {
        Failure::Policy(format!(
            "{file}: not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })?;
    Policy::parse(&text).map_err(|e| Failure::Policy(format!("{file}: {e}")))
}

/// Print one line on standard output. A closed pipe (`| head`) ends the
/// output quietly; any other write error is reported.
fn say(line: std::fmt::Arguments<'_>) -> Result<(), Failure> {
    use std::io::Write;
    match writeln!(std::io::stdout().lock(), "{line}") {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Failure::Output(format!(
            "cannot write to standard output: {e}"
        ))),
        _ => Ok(()),
    }
}

/// Print on standard error, ignoring a closed stream: there is nowhere
/// left to report it.
fn complain(text: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

fn parse_api(text: &str) -> Result<LintOptions, Failure> {
    match text {
        "private" => Ok(LintOptions::private_api(true)),
        "regional" | "edge" => Ok(LintOptions::private_api(false)),
        other => Err(Failure::Usage(format!(
            "unknown API type `{other}` (private or regional)"
        ))),
    }
}

fn run_lint(args: &[String]) -> Result<ExitCode, Failure> {
    let mut kind = None;
    let mut options = LintOptions::default();
    let mut files = Vec::new();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if arg == "--kind" {
            let value = iter
                .next()
                .ok_or_else(|| Failure::Usage("--kind needs a value".to_owned()))?;
            kind = Some(parse_kind(value)?);
        } else if let Some(value) = arg.strip_prefix("--kind=") {
            kind = Some(parse_kind(value)?);
        } else if arg == "--api" {
            let value = iter
                .next()
                .ok_or_else(|| Failure::Usage("--api needs a value".to_owned()))?;
            options = parse_api(value)?;
        } else if arg.starts_with("--") {
            return Err(Failure::Usage(format!("unknown option `{arg}`")));
        } else {
            files.push(arg.as_str());
        }
    }
    if files.is_empty() {
        return Err(Failure::Usage("lint needs at least one FILE".to_owned()));
    }
    let mut failed = false;
    for file in files {
        let policy = match read_policy(file) {
            Ok(policy) => policy,
            Err(
                Failure::Policy(message)
                | Failure::Unreadable(message)
                | Failure::Usage(message)
                | Failure::Output(message),
            ) => {
                let message = message
                    .strip_prefix(&format!("{file}: "))
                    .unwrap_or(&message);
                say(format_args!(
                    "{file}: error: [policy] {message} (parse-error)"
                ))?;
                failed = true;
                continue;
            }
        };
        let kind = kind.unwrap_or_else(|| infer_kind(&policy, Some(file)));
        for finding in lint_with(&policy, kind, options) {
            failed |= finding.severity == Severity::Error;
            say(format_args!("{file}: {finding}"))?;
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn key_value(text: &str, flag: &str) -> Result<(String, String), Failure> {
    text.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| Failure::Usage(format!("{flag} wants KEY=VALUE, got `{text}`")))
}

/// The request keys of the command line: a key given twice gathers both
/// values (names compare without case, as IAM compares them).
#[derive(Default)]
struct Keys(Vec<(String, Vec<String>)>);

impl Keys {
    fn add(&mut self, key: &str, value: Option<String>) {
        let index = match self.0.iter().position(|(k, _)| k.eq_ignore_ascii_case(key)) {
            Some(i) => i,
            None => {
                self.0.push((key.to_owned(), Vec::new()));
                self.0.len() - 1
            }
        };
        if let (Some(value), Some((_, values))) = (value, self.0.get_mut(index)) {
            values.push(value);
        }
    }
}

/// What `eval` was asked.
struct EvalArgs {
    authorizer: Authorizer,
    action: String,
    resource: Option<String>,
    principal: Option<String>,
    role_arn: Option<String>,
    unique_id: Option<String>,
    keys: Keys,
}

fn load(file: String, authorizer: Authorizer, kind: PolicyKind) -> Result<Authorizer, Failure> {
    let policy = read_policy(&file)?;
    // The flag says the kind: refuse what IAM refuses in that kind.
    policy
        .check_kind(kind)
        .map_err(|e| Failure::Policy(format!("{file}: read as the {}: {e}", kind.describe())))?;
    let named = NamedPolicy::new(file.clone(), policy);
    Ok(match kind {
        PolicyKind::VpcEndpoint => authorizer.with_endpoint_policy(named),
        PolicyKind::Resource => authorizer.with_resource_policy(named),
        PolicyKind::Identity => authorizer.with_identity_policy(named),
    })
}

fn parse_eval_args(args: &[String]) -> Result<EvalArgs, Failure> {
    let mut parsed = EvalArgs {
        authorizer: Authorizer::new(),
        action: "execute-api:Invoke".to_owned(),
        resource: None,
        principal: None,
        role_arn: None,
        unique_id: None,
        keys: Keys::default(),
    };
    // A resource or endpoint policy is one document on AWS, and a request
    // has one resource, action and caller: a second one is refused rather
    // than silently replacing the first.
    const ONCE: &[&str] = &[
        "--endpoint",
        "--resource",
        "--resource-arn",
        "--action",
        "--principal",
        "--role-arn",
        "--unique-id",
        "--secure-transport",
    ];
    let mut seen: Vec<&str> = Vec::new();
    let mut iter = args.iter();
    while let Some(flag) = iter.next() {
        if ONCE.contains(&flag.as_str()) {
            if seen.contains(&flag.as_str()) {
                return Err(Failure::Usage(format!(
                    "{flag} given twice: {}",
                    match flag.as_str() {
                        "--endpoint" | "--resource" => {
                            "a VPC endpoint or an API has one policy document; merge the statements into one file"
                        }
                        _ => "a request has one of each",
                    }
                )));
            }
            seen.push(flag);
        }
        let mut value = || {
            iter.next()
                .cloned()
                .ok_or_else(|| Failure::Usage(format!("{flag} needs a value")))
        };
        let p = &mut parsed;
        match flag.as_str() {
            "--endpoint" => {
                p.authorizer = load(value()?, p.authorizer.clone(), PolicyKind::VpcEndpoint)?
            }
            "--resource" => {
                p.authorizer = load(value()?, p.authorizer.clone(), PolicyKind::Resource)?
            }
            "--identity" => {
                p.authorizer = load(value()?, p.authorizer.clone(), PolicyKind::Identity)?
            }
            "--resource-arn" => p.resource = Some(value()?),
            "--action" => p.action = value()?,
            "--principal" => p.principal = Some(value()?),
            "--role-arn" => p.role_arn = Some(value()?),
            "--unique-id" => p.unique_id = Some(value()?),
            "--source-vpce" => p.keys.add("aws:SourceVpce", Some(value()?)),
            "--source-vpc" => p.keys.add("aws:SourceVpc", Some(value()?)),
            "--vpc-source-ip" => p.keys.add("aws:VpcSourceIp", Some(value()?)),
            "--source-ip" => p.keys.add("aws:SourceIp", Some(value()?)),
            "--secure-transport" => {
                let tls = value()?;
                if tls != "true" && tls != "false" {
                    return Err(Failure::Usage(format!(
                        "--secure-transport wants true or false, got `{tls}`"
                    )));
                }
                p.keys.add("aws:SecureTransport", Some(tls));
            }
            "--principal-tag" => {
                let (k, v) = key_value(&value()?, flag)?;
                p.keys.add(&format!("aws:PrincipalTag/{k}"), Some(v));
            }
            "--key" => {
                let (k, v) = key_value(&value()?, flag)?;
                p.keys.add(&k, Some(v));
            }
            "--empty-key" => p.keys.add(&value()?, None),
            other => return Err(Failure::Usage(format!("unknown option `{other}`"))),
        }
    }
    Ok(parsed)
}

/// The caller the flags describe, if any.
fn caller(args: &EvalArgs) -> Result<Option<Caller>, Failure> {
    let Some(principal) = &args.principal else {
        if args.role_arn.is_some() || args.unique_id.is_some() {
            return Err(Failure::Usage(
                "--role-arn and --unique-id describe the --principal".to_owned(),
            ));
        }
        return Ok(None);
    };
    let misuse = |e: sigv4x_policy::CallerError| Failure::Usage(format!("--principal: {e}"));
    // A principal that is no principal ARN would have no account to
    // compare: refuse it rather than guess.
    let mut caller = Caller::new(principal).map_err(misuse)?;
    let misuse = |e: sigv4x_policy::CallerError| Failure::Usage(e.to_string());
    if let Some(role) = &args.role_arn {
        caller = caller.with_role_arn(role).map_err(misuse)?;
    }
    if let Some(id) = &args.unique_id {
        caller = caller.with_unique_id(id).map_err(misuse)?;
    }
    Ok(Some(caller))
}

/// The API's ARN must name its partition and account, or the same-account
/// rules could not be applied.
fn check_resource_arn(resource: &str) -> Result<(), Failure> {
    let Some(arn) = Arn::parse(resource) else {
        return Err(Failure::Usage(format!(
            "--resource-arn `{resource}` is not an ARN (arn:aws:execute-api:region:account:api-id/stage/METHOD/path)"
        )));
    };
    if !is_partition(arn.partition) {
        return Err(Failure::Usage(format!(
            "--resource-arn `{resource}` has an unknown partition `{}`",
            arn.partition
        )));
    }
    if !is_account_id(arn.account) {
        return Err(Failure::Usage(format!(
            "--resource-arn `{resource}` has account `{}`, which is not twelve digits",
            arn.account
        )));
    }
    Ok(())
}

fn run_eval(args: &[String]) -> Result<ExitCode, Failure> {
    let parsed = parse_eval_args(args)?;
    let resource = parsed
        .resource
        .clone()
        .ok_or_else(|| Failure::Usage("eval needs --resource-arn".to_owned()))?;
    check_resource_arn(&resource)?;
    let mut ctx = RequestContext::new(parsed.action.clone(), resource)
        .with_current_time(std::time::SystemTime::now())
        .with_secure_transport(true);
    if let Some(caller) = caller(&parsed)? {
        ctx = ctx.with_caller(&caller);
    }
    for (key, values) in &parsed.keys.0 {
        ctx = ctx.with_values(key, values);
    }
    let decision = parsed.authorizer.decide(&ctx);
    let label = match decision.outcome {
        Outcome::Allow => "ALLOW",
        Outcome::ExplicitDeny => "EXPLICIT DENY",
        Outcome::ImplicitDeny => "IMPLICIT DENY",
    };
    say(format_args!("{label}: {decision}"))?;
    if let Some(message) = decision.access_denied_message(&ctx) {
        say(format_args!("403 AccessDeniedException: {message}"))?;
    }
    Ok(if decision.is_allowed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
