//! `sigv4x explain`: why did the server say the signature does not match?
//!
//! The server's answer says what it computed (API Gateway and S3 quote their canonical request
//! and string to sign); the request as the client sent it is signed again here, at the same
//! `X-Amz-Date`, and the two are compared part by part. The first part that differs, and its
//! usual cause, is the explanation. Answers that carry no texts (a clock off by more than the
//! skew allowed, a wrong region, unknown credentials, a policy denial) are explained from the
//! message alone.

mod answer;
mod compare;
mod sent;

use std::borrow::Cow;
use std::io::Read;
use std::time::{Duration, SystemTime};

use sigv4x::{AmzDate, Credentials, SignatureLocation, Signer};

use crate::args::ExplainArgs;
use crate::error::CliError;
use crate::request::{self, RequestSpec};
use crate::sign;
use answer::{Answer, Skew};
use sent::SentAuth;

/// Runs `sigv4x explain`: prints the comparison and the likely cause; 0 when a cause was
/// named.
///
/// # Errors
/// Usage errors for unreadable or unparsable input; a runtime error when the answer is not a
/// SigV4 refusal this command knows.
pub async fn run(args: ExplainArgs) -> Result<u8, CliError> {
    let input = read_input(&args.response)?;
    let answer = answer::parse(&input);
    let mut out = String::new();
    let heading = match (&answer.code, answer.status) {
        (Some(code), Some(status)) => {
            format!("The server refused the request: {code} (HTTP {status})")
        }
        (Some(code), None) => format!("The server refused the request: {code}"),
        (None, Some(status)) => format!("The server answered HTTP {status}"),
        (None, None) => "The server's answer".to_owned(),
    };
    out.push_str(&heading);
    out.push('\n');
    if let Some(first) = answer.message.lines().next().filter(|l| !l.is_empty()) {
        out.push_str(&format!("  {first}\n"));
    }
    out.push('\n');

    if let Some(skew) = answer.skew {
        out.push_str("First difference: date\n");
        out.push_str(&format!("Likely cause: {}\n", skew_cause(&skew)));
        print!("{out}");
        return Ok(0);
    }
    if let (Some(server_cr), Some(server_sts)) = (&answer.canonical_request, &answer.string_to_sign)
    {
        let Some((mut spec, from_file)) = client_request(&args)? else {
            out.push_str("The server computed:\n");
            for line in server_cr.lines().chain(server_sts.lines()) {
                out.push_str(&format!("  {line}\n"));
            }
            print!("{out}");
            return Err(CliError::usage(
                "to compare, give the request too: the flags and URL given to `sigv4x curl`, or \
                 --request-file FILE",
            ));
        };
        let auth = sent::take_auth(&mut spec);
        let (client_cr, client_sts, note) =
            recompute(&args, &mut spec, &auth, from_file, server_sts).await?;
        let result = compare::compare(&client_cr, server_cr, &client_sts, server_sts);
        out.push_str(&result.listing);
        out.push('\n');
        match result.findings.first() {
            Some(first) => {
                out.push_str(&format!("First difference: {}\n", first.part));
                out.push_str(&format!("Likely cause: {}\n", first.cause));
                let others: Vec<&str> = result
                    .findings
                    .iter()
                    .skip(1)
                    .map(|f| f.part.as_str())
                    .collect();
                if !others.is_empty() {
                    out.push_str(&format!("Also differs: {}\n", others.join(", ")));
                }
            }
            None => out.push_str(
                "First difference: none\nLikely cause: the canonical request and the string to \
                 sign agree, so the signature differs only through the key: the secret access \
                 key does not belong to the access key id (a wrong secret, or keys mixed from two \
                 profiles)\n",
            ),
        }
        if let Some(note) = note {
            out.push_str(&format!("Note: {note}\n"));
        }
        print!("{out}");
        return Ok(0);
    }
    match message_cause(&answer) {
        Some((part, cause)) => {
            out.push_str(&format!(
                "First difference: {part}\nLikely cause: {cause}\n"
            ));
            print!("{out}");
            Ok(0)
        }
        None => {
            print!("{out}");
            Err(CliError::runtime(
                "the answer is not a SigV4 refusal sigv4x knows (no SignatureDoesNotMatch texts, \
                 no clock, scope or credentials error)",
            ))
        }
    }
}

fn read_input(source: &str) -> Result<Vec<u8>, CliError> {
    if source == "-" {
        let mut data = Vec::new();
        std::io::stdin()
            .read_to_end(&mut data)
            .map_err(|e| CliError::runtime(format!("cannot read standard input: {e}")))?;
        Ok(data)
    } else {
        std::fs::read(source)
            .map_err(|e| CliError::runtime(format!("cannot read response file `{source}`: {e}")))
    }
}

/// The request to compare: from `--request-file`, else from the curl flags; `None` without
/// either. The flag says whether it came from a file.
fn client_request(args: &ExplainArgs) -> Result<Option<(RequestSpec, bool)>, CliError> {
    if let Some(path) = &args.request_file {
        let bytes = std::fs::read(path).map_err(|e| {
            CliError::runtime(format!(
                "cannot read request file `{}`: {e}",
                path.display()
            ))
        })?;
        return Ok(Some((sent::parse_raw(&bytes)?, true)));
    }
    if args.request.url.is_none() {
        return Ok(None);
    }
    Ok(Some((request::from_args(&args.request)?, false)))
}

/// The client's canonical request (session token redacted) and string to sign, signed again
/// as the request was, at the server's `X-Amz-Date`; and a note when something had to be
/// assumed.
async fn recompute(
    args: &ExplainArgs,
    spec: &mut RequestSpec,
    auth: &SentAuth,
    from_file: bool,
    server_sts: &str,
) -> Result<(String, String, Option<String>), CliError> {
    let mut sts_lines = server_sts.split('\n');
    let server_date = sts_lines.nth(1).and_then(|d| AmzDate::parse(d.as_bytes()));
    let server_scope: Vec<&str> = sts_lines.next().unwrap_or_default().split('/').collect();
    let host = spec.header("host").unwrap_or_default().to_owned();
    let inferred = crate::infer::infer(&host);
    let flag = |v: &Option<String>| v.clone();
    let pick = |flag: Option<String>,
                sent: Option<String>,
                inferred: Option<String>,
                server: Option<&&str>| {
        let server = server.map(|s| (*s).to_owned());
        if from_file {
            sent.or(flag).or(inferred).or(server)
        } else {
            flag.or(sent).or(inferred).or(server)
        }
    };
    let region = pick(
        flag(&args.request.region),
        auth.region.clone(),
        inferred.as_ref().map(|i| i.region.clone()),
        server_scope.get(1),
    )
    .unwrap_or_default();
    let service = pick(
        flag(&args.request.service),
        auth.service.clone(),
        inferred.as_ref().map(|i| i.service.clone()),
        server_scope.get(2),
    )
    .unwrap_or_default();
    let time = auth
        .date
        .or(server_date)
        .map_or_else(SystemTime::now, |d| d.to_system_time());

    let mut note = None;
    let credentials = match &auth.access_key_id {
        // Only the key id and token are part of the texts; the secret is not needed.
        Some(id) => Credentials::new(id.clone(), "-", auth.session_token.clone()),
        None => match sign::credentials(args.request.profile.as_deref()).await {
            Ok(c) => match &auth.session_token {
                Some(token) => Credentials::new(
                    c.access_key_id(),
                    c.secret_access_key(),
                    Some(token.clone()),
                ),
                None => c,
            },
            Err(e) => {
                note = Some(format!(
                    "{e}; compared without a session token (a difference in \
                     x-amz-security-token may be only that)"
                ));
                Credentials::new("AKIDEXAMPLE", "-", auth.session_token.clone())
            }
        },
    };

    let location = match auth.presigned {
        Some(expires) => {
            spec.payload_hash = Some(if sign::is_s3(&service) {
                sigv4x::UNSIGNED_PAYLOAD.to_owned()
            } else {
                sigv4x::EMPTY_SHA256.to_owned()
            });
            SignatureLocation::Query(expires)
        }
        None => SignatureLocation::Headers,
    };
    let mut settings = sign::settings_for(&service, spec.unsigned_payload);
    if let Some(signed) = &auth.signed_headers {
        // The request lists what it signed: sign exactly those headers again.
        settings.unsigned_headers = Cow::Owned(Vec::new());
        settings.content_sha256_header = signed.iter().any(|h| h == "x-amz-content-sha256");
    }
    let signer = Signer::new(credentials, region, service).with_settings(settings);
    let report = sign::explain(&signer, spec, location, time)?;
    Ok((report.canonical_request, report.string_to_sign, note))
}

fn skew_cause(skew: &Skew) -> String {
    let request = skew.request_time.unix_seconds();
    let server = skew.server_time.unix_seconds();
    let (diff, direction) = if request < server {
        (server - request, "behind")
    } else {
        (request - server, "ahead of")
    };
    let allowed = skew
        .max
        .map(|m| format!(", more than the {} the server allows", minutes(m)))
        .unwrap_or_default();
    format!(
        "clock skew: the request was signed at {} (X-Amz-Date) and the server's clock read {}: \
         the client's clock is {} {direction} the server's{allowed}. Synchronize the client's \
         clock (NTP) and sign again; a cached or replayed signed request fails the same way",
        skew.request_time,
        skew.server_time,
        minutes(Duration::from_secs(diff)),
    )
}

fn minutes(d: Duration) -> String {
    let s = d.as_secs();
    match (s / 60, s % 60) {
        (0, s) => format!("{s} s"),
        (m, 0) => format!("{m} min"),
        (m, s) => format!("{m} min {s} s"),
    }
}

/// Causes the message alone tells.
fn message_cause(answer: &Answer) -> Option<(&'static str, String)> {
    let m = answer.message.as_str();
    let code = answer.code.as_deref().unwrap_or("");
    let quoted = || m.split('\'').nth(1).unwrap_or("").to_owned();
    // sigv4x's verifier (and its gateway) refuse a path that is not in normal form before
    // they compute anything: the message names what is wrong with it.
    if m.contains("request path is not in normal form") {
        let cause = if m.contains("double-encoded") {
            "double encoding: the path was percent-encoded once more after signing (`%2520` \
             for `%20`); send the URL exactly as it was signed"
                .to_owned()
        } else {
            format!(
                "the path was sent in another form than the one signed ({m}); send it normalized \
                 (no `.`/`..`/empty segments, no needless escapes)"
            )
        };
        return Some(("path", cause));
    }
    if m.contains("Credential should be scoped to a valid region") {
        return Some((
            "scope",
            format!(
                "wrong region: the request was signed for `{}`, which this endpoint does not \
                 serve; sign for the API's region (--region)",
                quoted()
            ),
        ));
    }
    if let Some(expected) = &answer.expected_region {
        return Some((
            "scope",
            format!("wrong region: S3 expects `{expected}` for this bucket (--region {expected})"),
        ));
    }
    if m.contains("Credential should be scoped to correct service") {
        return Some((
            "scope",
            format!(
                "wrong service: the credential scope names the wrong service ({m}); pass \
                 --service with the signing name (execute-api for API Gateway, lambda for \
                 function URLs, s3, es …)"
            ),
        ));
    }
    if m.contains("security token included in the request is invalid")
        || m.contains("does not exist in our records")
        || matches!(
            code,
            "UnrecognizedClientException"
                | "InvalidClientTokenId"
                | "InvalidAccessKeyId"
                | "ExpiredToken"
        )
    {
        return Some((
            "credentials",
            "the server does not know these credentials: the access key id is unknown here, or \
             the session token is missing, expired or belongs to other keys (refresh the \
             session; check AWS_PROFILE and the environment's keys)"
                .to_owned(),
        ));
    }
    if m.contains("Missing Authentication Token") {
        return Some((
            "authentication",
            "no signature reached the server, or (API Gateway) no route matches this method and \
             path: check the stage and resource path before the signature"
                .to_owned(),
        ));
    }
    if m.contains("is not authorized to perform") || code == "AccessDeniedException" {
        return Some((
            "none (the signature was accepted)",
            format!("a policy denied the call: {m}"),
        ));
    }
    if m.contains("x-amz-content-sha256") || code == "XAmzContentSHA256Mismatch" {
        return Some((
            "payload hash",
            "the body changed after signing: the bytes received do not hash to the declared \
             x-amz-content-sha256 (a proxy or library re-encoded or compressed it)"
                .to_owned(),
        ));
    }
    if m.contains("Request has expired") || code == "AccessDenied" && m.contains("expired") {
        return Some((
            "date",
            "the presigned URL has expired: presign again, or with a longer --expires".to_owned(),
        ));
    }
    if m.contains("signature we calculated does not match") || code == "SignatureDoesNotMatch" {
        return Some((
            "unknown",
            "the server did not say what it computed; run the request with `sigv4x curl -v` and \
             compare its canonical request with the service's documentation"
                .to_owned(),
        ));
    }
    None
}
