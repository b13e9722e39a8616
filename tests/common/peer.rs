//! The rule for tests against real peers (python3 with botocore, curl): a missing tool is a
//! visible skip locally and a failure when `CI=true`, where `.ci/run` installs them. The one
//! copy for the core's tests; `sigv4x-gateway` keeps its own in its test tree.
#![allow(dead_code, clippy::panic)]

use std::io::Write;
use std::process::{Command, Stdio};

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

/// Runs `python3 -c script` with `input` on its stdin; its stdout. Panics, with the script's
/// stderr, when it fails (`what` names it).
pub fn run_python(script: &str, input: &str, what: &str) -> Vec<u8> {
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{what}: python3 did not start: {e}"));
    let mut stdin = child.stdin.take().expect("piped stdin");
    stdin
        .write_all(input.as_bytes())
        .unwrap_or_else(|e| panic!("{what}: writing its input: {e}"));
    drop(stdin);
    let output = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        output.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// A small deterministic generator, for a batch of cases sent to a peer in one go (where
/// proptest's runner, case by case, does not fit).
pub struct Lcg(pub u64);

impl Lcg {
    /// The next 31 bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    /// A number below `n` (at least 1).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// One of `items` (not empty).
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}
