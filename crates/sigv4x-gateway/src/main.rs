//! `sigv4x-gateway --config gateway.toml`: run the private API emulator until Ctrl-C.

use std::process::ExitCode;

use sigv4x_gateway::{Gateway, GatewayConfig};

const USAGE: &str = "usage: sigv4x-gateway --config <gateway.toml>

Runs an emulator of a private API Gateway: each listener stands for arrival through one VPC
endpoint (or from outside any endpoint); every request is routed, SigV4-verified, decided by
the endpoint, resource and identity policies, and answered as API Gateway answers it. One JSON
audit line per request goes where [audit] says. Ctrl-C stops it gracefully.";

fn config_path() -> Result<String, String> {
    let mut args = std::env::args().skip(1);
    let mut path = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => return Err(String::new()),
            "-c" | "--config" => {
                path = Some(args.next().ok_or("--config needs a file")?);
            }
            other => match other.strip_prefix("--config=") {
                Some(p) => path = Some(p.to_owned()),
                None => return Err(format!("unknown argument {other:?}")),
            },
        }
    }
    path.ok_or_else(|| "--config is required".to_owned())
}

#[tokio::main]
async fn main() -> ExitCode {
    // Warnings and errors that crates report through `tracing` (a replay store's outage, and
    // when it answers again) go to stderr beside the gateway's own lines; the audit log keeps
    // stdout.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing_subscriber::filter::LevelFilter::INFO)
        .with_ansi(false)
        .init();
    let path = match config_path() {
        Ok(path) => path,
        Err(message) if message.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("sigv4x-gateway: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let config = match GatewayConfig::load(&path) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("sigv4x-gateway: {e}");
            return ExitCode::FAILURE;
        }
    };
    match config.lint_policies() {
        Ok(findings) => {
            for (policy, finding) in findings {
                eprintln!("sigv4x-gateway: lint {policy}: {finding}");
            }
        }
        Err(e) => {
            eprintln!("sigv4x-gateway: {e}");
            return ExitCode::FAILURE;
        }
    }
    let gateway = match Gateway::start(config).await {
        Ok(gateway) => gateway,
        Err(e) => {
            eprintln!("sigv4x-gateway: {e}");
            return ExitCode::FAILURE;
        }
    };
    for listener in gateway.listeners() {
        match &listener.endpoint {
            Some(endpoint) => eprintln!(
                "sigv4x-gateway: listening on http://{} (through {endpoint})",
                listener.address
            ),
            None => eprintln!(
                "sigv4x-gateway: listening on http://{} (outside any VPC endpoint)",
                listener.address
            ),
        }
    }
    if let Err(e) = tokio::signal::ctrl_c().await {
        eprintln!("sigv4x-gateway: cannot wait for Ctrl-C ({e}); stopping");
    }
    eprintln!("sigv4x-gateway: stopping");
    gateway.shutdown().await;
    ExitCode::SUCCESS
}
