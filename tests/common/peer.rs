//! The rule for tests against real peers (python3 with botocore, curl): a missing tool is a
//! visible skip locally and a failure when `CI=true`, where `.ci/run` installs them. The one
//! copy for the core's tests; `sigv4x-gateway` keeps its own in its test tree.
#![allow(dead_code, clippy::panic)]

use std::process::Command;

/// True when `CI=true`: a missing tool is then a failure, not a skip.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Whether `probe` runs and succeeds. When not: a panic in CI, a `SKIPPED` notice (with the
/// probe's last line of error, which names the exception rather than the traceback) elsewhere.
pub fn available(tool: &str, probe: &mut Command, install: &str) -> bool {
    let why = match probe.output() {
        Ok(o) if o.status.success() => return true,
        Ok(o) => String::from_utf8_lossy(&o.stderr)
            .trim()
            .lines()
            .last()
            .unwrap_or_default()
            .to_string(),
        Err(e) => e.to_string(),
    };
    if in_ci() {
        panic!("{tool} is required in CI ({install}): {why}");
    }
    eprintln!("SKIPPED: {tool} is not available ({why}); set CI=true to make this a failure");
    false
}
