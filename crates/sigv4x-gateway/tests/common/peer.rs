//! The rule for tests against real peers (curl, botocore, redis-server): a missing tool is a
//! visible skip locally and a failure in CI. Also included by `sigv4x-redis`'s tests.
#![allow(dead_code, clippy::panic)]

/// True when `CI=true`: a missing tool is then a failure, not a skip.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Whether `probe` runs; when not, fails in CI and says so elsewhere.
pub fn available(tool: &str, probe: &mut std::process::Command, install: &str) -> bool {
    let ok = probe.output().is_ok_and(|o| o.status.success());
    if !ok {
        if in_ci() {
            panic!("{tool} is required in CI but not usable here: {install}");
        }
        let notice = format!(
            "SKIPPED: {tool} is not usable here ({install}); set CI=true to make this a failure"
        );
        // The harness captures eprintln! of passing tests; /dev/stderr is not captured.
        let shown = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/stderr")
            .and_then(|mut err| {
                std::io::Write::write_all(&mut err, format!("{notice}\n").as_bytes())
            });
        if shown.is_err() {
            eprintln!("{notice}");
        }
    }
    ok
}
