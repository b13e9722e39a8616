//! `sigv4x`: sign and send AWS requests like curl, presign URLs, and explain a
//! SignatureDoesNotMatch. See the crate's README.
#![forbid(unsafe_code)]

mod args;
mod clock;
mod curl;
mod error;
mod explain;
mod infer;
mod presign;
mod request;
mod sign;
mod transport;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout with status 0; usage errors to stderr with 2.
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(error::USAGE));
        }
    };
    let silent = matches!(&cli.command, Command::Curl(c) if c.silent && !c.show_error);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("sigv4x: cannot start the runtime: {e}");
            return ExitCode::from(error::RUNTIME);
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Curl(args) => curl::run(args).await,
            Command::Presign(args) => presign::run(args).await,
            Command::Explain(args) => explain::run(args).await,
        }
    });
    let _ = std::io::stdout().flush();
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            if !silent {
                eprintln!("sigv4x: {e}");
            }
            ExitCode::from(e.code)
        }
    }
}
