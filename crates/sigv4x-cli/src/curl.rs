//! `sigv4x curl`: sign with the default credential chain and send, as curl would.

use std::io::Write;
use std::time::Duration;

use http_body_util::BodyExt;

use crate::args::CurlArgs;
use crate::error::CliError;
use crate::request::{self, RequestSpec};
use crate::{clock, sign, transport};

/// Runs `sigv4x curl`; returns the exit status.
///
/// # Errors
/// Usage, runtime and curl-numbered errors.
pub async fn run(args: CurlArgs) -> Result<u8, CliError> {
    let mut spec = request::from_args(&args.request)?;
    let host = spec.header("host").unwrap_or_default().to_owned();
    let (region, service, inferred) = sign::scope(
        &host,
        args.request.region.as_deref(),
        args.request.service.as_deref(),
        args.request.profile.as_deref(),
    )
    .await?;
    if inferred
        .as_ref()
        .is_some_and(|i| i.vpce && i.service == "execute-api")
        && spec.header("x-apigw-api-id").is_none()
    {
        eprintln!(
            "sigv4x: warning: `{host}` is a VPC endpoint's name: API Gateway needs \
             -H 'x-apigw-api-id: API_ID' (or a Host header naming the API) to route the request"
        );
    }
    let time = clock::now()?;
    let credentials = sign::credentials(args.request.profile.as_deref()).await?;
    let signer = sign::signer(credentials, &region, &service, spec.unsigned_payload);
    let signed = sign::sign(&signer, &mut spec, time)?;

    if args.dry_run {
        let mut out = std::io::stdout().lock();
        write_request(&mut out, &spec, false)
            .and_then(|()| out.write_all(&spec.body))
            .and_then(|()| out.flush())
            .map_err(|e| CliError::curl(23, format!("Failure writing output: {e}")))?;
        return Ok(0);
    }
    if args.verbose {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "* Canonical request:");
        for line in redact_token(&signed.report.canonical_request).lines() {
            let _ = writeln!(err, "*   {line}");
        }
        let _ = writeln!(err, "* String to sign:");
        for line in signed.report.string_to_sign.lines() {
            let _ = writeln!(err, "*   {line}");
        }
        let _ = writeln!(err, "* Connecting to {} port {}", spec.host, spec.port);
        let _ = write_request(&mut PrefixWriter::new(&mut err, "> "), &spec, true);
    }

    let options = transport::Options {
        cacert: args.cacert.clone(),
        insecure: args.insecure,
        resolve: args.resolve.clone(),
    };
    let exchange = exchange(&spec, &options, &args);
    match args.max_time {
        Some(secs) if secs > 0.0 && secs.is_finite() => {
            let limit = Duration::from_secs_f64(secs);
            tokio::time::timeout(limit, exchange).await.map_err(|_| {
                CliError::curl(
                    28,
                    format!(
                        "Operation timed out after {} milliseconds",
                        limit.as_millis()
                    ),
                )
            })?
        }
        Some(_) => Err(CliError::usage(
            "--max-time must be a positive number of seconds",
        )),
        None => exchange.await,
    }
}

async fn exchange(
    spec: &RequestSpec,
    options: &transport::Options,
    args: &CurlArgs,
) -> Result<u8, CliError> {
    let response = transport::send(spec, options).await?;
    let status = response.status();
    let head = response_head(&response);
    if args.verbose {
        let mut err = std::io::stderr().lock();
        for line in head.lines() {
            let _ = writeln!(err, "< {line}");
        }
    }
    if args.fail && status.as_u16() >= 400 {
        return Err(CliError::curl(
            22,
            format!("The requested URL returned error: {}", status.as_u16()),
        ));
    }
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(std::fs::File::create(path).map_err(|e| {
            CliError::curl(
                23,
                format!("Failure writing output to `{}`: {e}", path.display()),
            )
        })?),
        None => Box::new(std::io::stdout().lock()),
    };
    let write_error =
        |e: std::io::Error| CliError::curl(23, format!("Failure writing output: {e}"));
    if args.include {
        out.write_all(head.as_bytes()).map_err(write_error)?;
    }
    let mut body = response.into_body();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            CliError::curl(
                56,
                format!("Failure when receiving data from the peer: {e}"),
            )
        })?;
        if let Ok(data) = frame.into_data() {
            out.write_all(&data).map_err(write_error)?;
        }
    }
    out.flush().map_err(write_error)?;
    Ok(0)
}

/// The status line and headers, as curl -i prints them (CRLF line ends, a blank line after).
fn response_head<B>(response: &http::Response<B>) -> String {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status().as_u16(),
        response.status().canonical_reason().unwrap_or("")
    );
    for (name, value) in response.headers() {
        head.push_str(name.as_str());
        head.push_str(": ");
        head.push_str(&String::from_utf8_lossy(value.as_bytes()));
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    head
}

/// Writes the request line and headers; `redact` hides the session token (for -v).
fn write_request(out: &mut dyn Write, spec: &RequestSpec, redact: bool) -> std::io::Result<()> {
    write!(out, "{} {} HTTP/1.1\r\n", spec.method, spec.target())?;
    for (name, value) in &spec.headers {
        let value = if redact && name.eq_ignore_ascii_case("x-amz-security-token") {
            "<redacted>"
        } else {
            value
        };
        write!(out, "{name}: {value}\r\n")?;
    }
    if !spec.body.is_empty() && spec.header("content-length").is_none() {
        write!(out, "Content-Length: {}\r\n", spec.body.len())?;
    }
    out.write_all(b"\r\n")
}

/// The canonical request with the session token's value replaced, as API Gateway shows it.
pub fn redact_token(canonical_request: &str) -> String {
    canonical_request
        .lines()
        .map(|line| {
            if line.starts_with("x-amz-security-token:") {
                "x-amz-security-token:<redacted>".to_owned()
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Writes each line with a prefix and without its CR, for -v.
struct PrefixWriter<'a> {
    inner: &'a mut dyn Write,
    prefix: &'static str,
    at_start: bool,
}

impl<'a> PrefixWriter<'a> {
    fn new(inner: &'a mut dyn Write, prefix: &'static str) -> Self {
        PrefixWriter {
            inner,
            prefix,
            at_start: true,
        }
    }
}

impl Write for PrefixWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        for &b in buf {
            if b == b'\r' {
                continue;
            }
            if self.at_start {
                self.inner.write_all(self.prefix.as_bytes())?;
                self.at_start = false;
            }
            self.inner.write_all(&[b])?;
            if b == b'\n' {
                self.at_start = true;
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
