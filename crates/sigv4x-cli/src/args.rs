//! The command line, as clap reads it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Sign AWS requests with Signature Version 4: send them like curl, presign URLs, and explain a
/// SignatureDoesNotMatch.
#[derive(Debug, Parser)]
#[command(name = "sigv4x", version, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sign a request with the default credential chain and send it; flags mean what they mean
    /// in curl.
    Curl(CurlArgs),
    /// Print a presigned URL.
    Presign(PresignArgs),
    /// Compare a failed request with the server's answer and name the first part that differs.
    Explain(ExplainArgs),
}

/// The request and how to sign it: shared by `curl` and `explain`.
#[derive(Debug, Args)]
pub struct RequestArgs {
    /// The method (default GET, or POST with data, PUT with -T).
    #[arg(short = 'X', long = "request", value_name = "METHOD")]
    pub method: Option<String>,
    /// A header, `Name: value` (`Name:` removes a default header, `Name;` sends it empty).
    #[arg(
        short = 'H',
        long = "header",
        value_name = "HEADER",
        allow_hyphen_values = true
    )]
    pub headers: Vec<String>,
    /// Data to send (POST, form content type); `@FILE` reads a file without its newlines,
    /// `@-` standard input. Repeated values are joined with `&`.
    #[arg(
        short = 'd',
        long = "data",
        value_name = "DATA",
        allow_hyphen_values = true
    )]
    pub data: Vec<String>,
    /// Data sent exactly as given; `@FILE` reads a file as it is.
    #[arg(long = "data-binary", value_name = "DATA", allow_hyphen_values = true)]
    pub data_binary: Vec<String>,
    /// Data sent as given, `@` included.
    #[arg(long = "data-raw", value_name = "DATA", allow_hyphen_values = true)]
    pub data_raw: Vec<String>,
    /// Upload a file (PUT unless -X says otherwise); `-` reads standard input.
    #[arg(short = 'T', long = "upload-file", value_name = "FILE")]
    pub upload_file: Option<PathBuf>,
    /// The User-Agent header (never signed).
    #[arg(short = 'A', long = "user-agent", value_name = "NAME")]
    pub user_agent: Option<String>,
    /// The region of the credential scope (default: inferred from the host, else AWS_REGION,
    /// AWS_DEFAULT_REGION or the profile's region).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// The service (signing name) of the credential scope (default: inferred from the host).
    #[arg(long, value_name = "SERVICE")]
    pub service: Option<String>,
    /// Use this profile of the shared config and credentials files (the environment's keys are
    /// then ignored, as the AWS CLI does).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Sign `UNSIGNED-PAYLOAD` instead of the body's hash (sent in x-amz-content-sha256), for
    /// services that accept it, such as S3.
    #[arg(long)]
    pub unsigned_payload: bool,
    /// The URL.
    #[arg(value_name = "URL")]
    pub url: Option<String>,
}

/// `sigv4x curl`.
#[derive(Debug, Args)]
pub struct CurlArgs {
    /// The request.
    #[command(flatten)]
    pub request: RequestArgs,
    /// Include the response's status line and headers in the output.
    #[arg(short = 'i', long = "include")]
    pub include: bool,
    /// Print the canonical request, the string to sign and the request and response headers to
    /// standard error.
    #[arg(short = 'v', long)]
    pub verbose: bool,
    /// Write the body to FILE instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 22, without output, when the HTTP status is 400 or more.
    #[arg(short = 'f', long)]
    pub fail: bool,
    /// Print no error messages (with -S, print them anyway).
    #[arg(short = 's', long)]
    pub silent: bool,
    /// With -s, still print error messages.
    #[arg(short = 'S', long)]
    pub show_error: bool,
    /// Verify the server's certificate against the CA certificates in this PEM file instead of
    /// the system's.
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<PathBuf>,
    /// Do not verify the server's certificate.
    #[arg(short = 'k', long)]
    pub insecure: bool,
    /// Connect to ADDR when the URL names HOST:PORT (`HOST:PORT:ADDR`).
    #[arg(long, value_name = "HOST:PORT:ADDR")]
    pub resolve: Vec<String>,
    /// Give up after this many seconds (exit 28).
    #[arg(short = 'm', long, value_name = "SECONDS")]
    pub max_time: Option<f64>,
    /// Print the signed request instead of sending it.
    #[arg(long)]
    pub dry_run: bool,
}

/// `sigv4x presign`.
#[derive(Debug, Args)]
pub struct PresignArgs {
    /// How long the URL stays valid, 1 to 604800 seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 900)]
    pub expires: u64,
    /// The method the URL is for.
    #[arg(
        short = 'X',
        long = "request",
        value_name = "METHOD",
        default_value = "GET"
    )]
    pub method: String,
    /// A header to sign; it must be sent with the URL.
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    pub headers: Vec<String>,
    /// The region (default: inferred from the host, else the environment's or profile's).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// The service (default: inferred from the host).
    #[arg(long, value_name = "SERVICE")]
    pub service: Option<String>,
    /// Use this profile of the shared config and credentials files.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// The URL to presign.
    #[arg(value_name = "URL")]
    pub url: String,
}

/// `sigv4x explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The server's answer: an HTTP response as `curl -i` prints it, or just its body (API
    /// Gateway's JSON, S3's XML) or message; `-` (the default) reads standard input.
    #[arg(long, value_name = "FILE", default_value = "-")]
    pub response: String,
    /// The request as it was sent, as a raw HTTP/1.1 request (as `sigv4x curl --dry-run`
    /// prints it), instead of curl flags and a URL.
    #[arg(long = "request-file", value_name = "FILE", conflicts_with = "url")]
    pub request_file: Option<PathBuf>,
    /// The request, with the flags given to `sigv4x curl`.
    #[command(flatten)]
    pub request: RequestArgs,
}
