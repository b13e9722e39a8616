//! The `sigv4x-policy` command line: output lines and exit statuses.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sigv4x-policy"))
}

fn reference(file: &str) -> String {
    format!("{}/examples/reference/{file}", env!("CARGO_MANIFEST_DIR"))
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A scratch file under the target directory, unique to the test.
fn scratch(name: &str, text: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sigv4x-policy-cli");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn lint_passes_the_reference_policies() {
    let output = bin()
        .arg("lint")
        .arg(reference("vpce-endpoint-policy.json"))
        .arg(reference("api-resource-policy.json"))
        .arg(reference("caller-identity-policy.json"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert_eq!(stdout(&output), "");
}

#[test]
fn lint_reports_errors_with_file_severity_and_statement() {
    let file = scratch(
        "allow-only-resource-policy.json",
        r#"{"Version": "2012-10-17", "Statement": [{"Sid": "Open", "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333::role/name"},
            "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]}"#,
    );
    // The missing endpoint guard is an error for an API known to be
    // private (it used to be one for every resource policy, which flagged
    // AWS's own cross-account and IP examples).
    let output = bin()
        .args(["lint", "--api", "private"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    let prefix = format!("{}: error: [statement Open/0] Principal `arn:aws:iam::111122223333::role/name` has an extra colon", file.display());
    assert!(text.lines().any(|l| l.starts_with(&prefix)), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with(&format!("{}: error: [policy] no Deny", file.display()))),
        "{text}"
    );
}

#[test]
fn lint_kind_flag_overrides_inference() {
    // The shorthand is understood only by resource policies, so the content
    // makes this a resource policy, whose missing Principal is the error.
    // (It used to be inferred as an identity policy from the missing
    // Principal alone.)
    let file = scratch(
        "shorthand.json",
        r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "execute-api:/prod/*"}}"#,
    );
    let inferred = bin().arg("lint").arg(&file).output().unwrap();
    assert_eq!(inferred.status.code(), Some(1));
    let text = stdout(&inferred);
    assert!(text.contains("missing-principal"), "{text}");
    assert!(
        !text.contains("shorthand-outside-resource-policy"),
        "{text}"
    );
    // Forced to be an identity policy, the shorthand is the error instead.
    let forced = bin()
        .args(["lint", "--kind", "identity"])
        .arg(&file)
        .output()
        .unwrap();
    let text = stdout(&forced);
    assert!(text.contains("shorthand-outside-resource-policy"), "{text}");
    assert!(!text.contains("missing-principal"), "{text}");
}

#[test]
fn lint_warnings_alone_exit_zero_and_parse_errors_exit_one() {
    let warn = scratch(
        "warn.json",
        r#"{"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}}"#,
    );
    let output = bin().arg("lint").arg(&warn).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).contains(": warning: [policy] no Version"));

    let broken = scratch("broken.json", r#"{"Statement": {"Effect": "Permit"}}"#);
    let output = bin().arg("lint").arg(&broken).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output)
            .contains("error: [policy] at $.Statement.Effect: `Permit` is not an effect"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn usage_mistakes_exit_two() {
    for args in [
        vec![],
        vec!["lint"],
        vec!["lint", "--kind", "bucket", "x.json"],
        vec!["frobnicate"],
        vec!["eval", "--resource", "/nonexistent/policy.json"],
    ] {
        let output = bin().args(&args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(!output.stderr.is_empty(), "{args:?}");
    }
}

fn eval(extra: &[&str]) -> Output {
    bin()
        .arg("eval")
        .args(["--endpoint", &reference("vpce-endpoint-policy.json")])
        .args(["--resource", &reference("api-resource-policy.json")])
        .args(["--identity", &reference("caller-identity-policy.json")])
        .args([
            "--principal",
            "arn:aws:sts::111122223333:assumed-role/orders-lambda-role/orders-function",
            "--principal-tag",
            "Project=orders",
            "--resource-arn",
            "arn:aws:execute-api:us-east-1:444455556666:a1b2c3d4e5/prod/GET/orders",
        ])
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn eval_allows_the_intended_call_and_denies_another_endpoint() {
    let allowed = eval(&["--source-vpce", "vpce-0a1b2c3d4e5f60718"]);
    assert_eq!(allowed.status.code(), Some(0), "{}", stdout(&allowed));
    assert!(stdout(&allowed).starts_with("ALLOW: allowed by "));

    let denied = eval(&["--source-vpce", "vpce-0fffffffffffffff0"]);
    assert_eq!(denied.status.code(), Some(1));
    let text = stdout(&denied);
    assert!(
        text.starts_with(
            "EXPLICIT DENY: explicit deny by statement 0 (Sid \"DenyOutsideExpectedEndpoint\")"
        ),
        "{text}"
    );
    assert!(
        text.contains("403 AccessDeniedException: User: arn:aws:sts::111122223333:assumed-role/orders-lambda-role/orders-function is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:444455556666:a1b2c3d4e5/prod/GET/orders with an explicit deny"),
        "{text}"
    );
}

#[test]
fn a_policy_that_does_not_parse_exits_three_with_its_path_and_no_usage() {
    let broken = scratch(
        "typo-operator.json",
        r#"{"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*",
            "Condition": {"StringNotEqual": {"aws:SourceVpce": "vpce-0a1b2c3d4e5f60718"}}}}"#,
    );
    let output = bin()
        .args(["eval", "--resource"])
        .arg(&broken)
        .args([
            "--resource-arn",
            "arn:aws:execute-api:us-east-1:444455556666:a1b2c3d4e5/prod/GET/x",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains(
            "at $.Statement.Condition.StringNotEqual: `StringNotEqual` is not a condition operator"
        ),
        "{err}"
    );
    assert!(err.contains(&broken.display().to_string()), "{err}");
    assert!(!err.contains("usage:"), "{err}");
    assert!(stdout(&output).is_empty());
}

/// A resource policy that allows everyone whose tags are all `orders-*`
/// values, and denies one named session.
fn tag_policy(name: &str) -> PathBuf {
    scratch(
        name,
        r#"{"Version": "2012-10-17", "Statement": [
            {"Sid": "OnlyOrders", "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
             "Condition": {"ForAllValues:StringLike": {"aws:TagKeys": "orders-*"}}},
            {"Sid": "NotS2", "Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
             "Condition": {"StringLike": {"aws:userid": "*:s2"}}}]}"#,
    )
}

fn eval_tags(name: &str, extra: &[&str]) -> Output {
    bin()
        .args(["eval", "--resource"])
        .arg(tag_policy(name))
        .args([
            "--resource-arn",
            "arn:aws:execute-api:us-east-1:444455556666:a1b2c3d4e5/prod/GET/x",
        ])
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn repeated_keys_build_a_set_and_an_empty_set_is_named_as_such() {
    let all = eval_tags(
        "sets.json",
        &[
            "--key",
            "aws:TagKeys=orders-a",
            "--key",
            "aws:TagKeys=orders-b",
        ],
    );
    assert_eq!(all.status.code(), Some(0), "{}", stdout(&all));
    // The second value is not an orders-* tag: with one value kept (the old
    // behaviour) this would have been allowed.
    let mixed = eval_tags(
        "sets.json",
        &[
            "--key",
            "aws:TagKeys=orders-a",
            "--key",
            "AWS:tagkeys=billing",
        ],
    );
    assert_eq!(mixed.status.code(), Some(1), "{}", stdout(&mixed));
    let empty = eval_tags("sets.json", &["--empty-key", "aws:TagKeys"]);
    assert_eq!(empty.status.code(), Some(0), "{}", stdout(&empty));
    assert!(
        stdout(&empty).contains("aws:TagKeys has an empty set of values"),
        "{}",
        stdout(&empty)
    );
}

#[test]
fn unique_id_and_role_path_reach_the_keys() {
    let session = "arn:aws:sts::444455556666:assumed-role/app-role/s2";
    let denied = eval_tags(
        "ids.json",
        &[
            "--principal",
            session,
            "--unique-id",
            "AROAEXAMPLEID1234567",
        ],
    );
    assert_eq!(denied.status.code(), Some(1), "{}", stdout(&denied));
    assert!(
        stdout(&denied).contains("Sid \"NotS2\""),
        "{}",
        stdout(&denied)
    );
    let other = eval_tags(
        "ids.json",
        &[
            "--principal",
            "arn:aws:sts::444455556666:assumed-role/app-role/s1",
            "--role-arn",
            "arn:aws:iam::444455556666:role/svc/app-role",
            "--unique-id",
            "AROAEXAMPLEID1234567",
        ],
    );
    assert_eq!(other.status.code(), Some(0), "{}", stdout(&other));
    let wrong_role = eval_tags(
        "ids.json",
        &[
            "--principal",
            session,
            "--role-arn",
            "arn:aws:iam::444455556666:role/other",
        ],
    );
    assert_eq!(wrong_role.status.code(), Some(2));
}

#[test]
fn skipped_layers_are_stated() {
    let output = bin()
        .arg("eval")
        .args(["--endpoint", &reference("vpce-endpoint-policy.json")])
        .args(["--identity", &reference("caller-identity-policy.json")])
        .args([
            "--principal",
            "arn:aws:sts::444455556666:assumed-role/orders-lambda-role/orders-function",
            "--resource-arn",
            "arn:aws:execute-api:us-east-1:444455556666:a1b2c3d4e5/prod/GET/orders",
        ])
        .output()
        .unwrap();
    let text = stdout(&output);
    assert!(
        text.contains(
            "not evaluated: the VPC endpoint policy (the request carries no aws:SourceVpce"
        ),
        "{text}"
    );
    assert!(text.contains("a resource policy (none was given; API Gateway does not deploy a private API without one)"), "{text}");
}

const ROUTE: &str = "arn:aws:execute-api:us-east-1:444455556666:a1b2c3d4e5/prod/GET/orders";

/// An identity policy that allows Invoke on anything.
fn identity_any() -> PathBuf {
    scratch(
        "identity-any.json",
        r#"{"Version": "2012-10-17", "Statement": {"Sid": "IdAny", "Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}}"#,
    )
}

/// H3: a principal or API ARN whose account cannot be read is a
/// command-line mistake (the same-account rules could not apply).
#[test]
fn eval_refuses_principals_and_resource_arns_without_a_readable_account() {
    let identity = identity_any();
    let rows: &[(&str, &str, &str)] = &[
        (
            "AIDAEXAMPLEUSERID123",
            ROUTE,
            "--principal: `AIDAEXAMPLEUSERID123` is not a principal ARN",
        ),
        (
            "ARN:aws:sts::444455556666:assumed-role/app-role/s1",
            ROUTE,
            "is not a principal ARN",
        ),
        (
            "arn:aws:sts::1111-2222-3333:assumed-role/app-role/s1",
            ROUTE,
            "is not a principal ARN",
        ),
        (
            "arn:aws:sts::444455556666:assumed-role/app-role/s1",
            "arn:aws:execute-api:us-east-1:*:a1b2c3d4e5/prod/GET/orders",
            "has account `*`, which is not twelve digits",
        ),
        (
            "arn:aws:sts::444455556666:assumed-role/app-role/s1",
            "arn:aws-moon:execute-api:us-east-1:444455556666:a1b2c3d4e5/prod/GET/orders",
            "unknown partition `aws-moon`",
        ),
        (
            "arn:aws:sts::444455556666:assumed-role/app-role/s1",
            "orders",
            "is not an ARN",
        ),
    ];
    for (principal, resource, phrase) in rows {
        let output = bin()
            .args(["eval", "--identity"])
            .arg(&identity)
            .args(["--principal", principal, "--resource-arn", resource])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{principal} {resource}: {err}"
        );
        assert!(err.contains(phrase), "{principal} {resource}: {err}");
    }
    // A well-formed caller of the API's account is allowed by its identity
    // policy alone; a caller of another account is not.
    let same = bin()
        .args(["eval", "--identity"])
        .arg(&identity)
        .args([
            "--principal",
            "arn:aws:sts::444455556666:assumed-role/app-role/s1",
        ])
        .args(["--resource-arn", ROUTE])
        .output()
        .unwrap();
    assert_eq!(same.status.code(), Some(0), "{}", stdout(&same));
}

/// H5: a resource or endpoint policy is one document; a request has one
/// resource, action and caller.
#[test]
fn eval_refuses_a_repeated_single_valued_flag() {
    let api = reference("api-resource-policy.json");
    let vpce = reference("vpce-endpoint-policy.json");
    for (flag, first, second) in [
        ("--resource", api.as_str(), api.as_str()),
        ("--endpoint", vpce.as_str(), vpce.as_str()),
        ("--resource-arn", ROUTE, ROUTE),
        (
            "--principal",
            "arn:aws:iam::444455556666:root",
            "arn:aws:iam::111122223333:root",
        ),
        ("--action", "execute-api:Invoke", "execute-api:Invoke"),
    ] {
        let mut args = vec!["eval", flag, first, flag, second];
        if flag != "--resource-arn" {
            args.extend(["--resource-arn", ROUTE]);
        }
        let output = bin().args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{flag}: {err}");
        assert!(err.contains(&format!("{flag} given twice")), "{err}");
    }
}

/// D2: `eval` knows each file's kind and refuses what IAM refuses in it.
#[test]
fn eval_refuses_what_iam_refuses_for_the_files_kind() {
    let no_principal = scratch(
        "resource-no-principal.json",
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"},
            {"Effect": "Deny", "Action": "execute-api:Invoke", "Resource": "execute-api:/*", "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-0a1b2c3d4e5f60718"}}}]}"#,
    );
    let with_principal = scratch(
        "identity-with-principal.json",
        r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*"}}"#,
    );
    let not_resource = scratch(
        "endpoint-not-resource-shorthand.json",
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "NotResource": ["arn:aws:s3:::x", "execute-api:/admin/*"]}]}"#,
    );
    let identity_shorthand = scratch(
        "identity-shorthand.json",
        r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "execute-api:Invoke", "NotResource": "execute-api:/admin/*"}}"#,
    );
    let rows = [
        ("--resource", &no_principal, "at $.Statement[1]: a resource policy statement needs Principal or NotPrincipal"),
        ("--identity", &with_principal, "at $.Statement.Principal: identity policies have no Principal"),
        ("--endpoint", &not_resource, "at $.Statement[0].NotResource[1]: `execute-api:/admin/*`: the execute-api:/… shorthand is understood only in resource policies"),
        ("--identity", &identity_shorthand, "in an identity policy NotResource would exclude nothing with it, so the statement would cover every resource"),
    ];
    for (flag, file, phrase) in rows {
        let output = bin()
            .args(["eval", flag])
            .arg(file)
            .args([
                "--principal",
                "arn:aws:sts::444455556666:assumed-role/app-role/s1",
            ])
            .args([
                "--resource-arn",
                "arn:aws:execute-api:us-east-1:444455556666:a1b2c3d4e5/prod/GET/admin/users",
            ])
            .args(["--source-vpce", "vpce-0a1b2c3d4e5f60718"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(3),
            "{flag} {}: {err}",
            file.display()
        );
        assert!(err.contains(phrase), "{err}");
        assert!(err.contains(&file.display().to_string()), "{err}");
    }
}

/// D5: a closed standard output (`| head -0`) ends the output quietly,
/// with the decision's status, never a panic (exit 101).
#[test]
fn a_closed_stdout_is_not_a_panic() {
    use std::process::Stdio;
    for args in [vec!["eval", "--resource-arn", ROUTE], vec!["--help"]] {
        let mut child = bin()
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Close the read end before the program writes.
        drop(child.stdout.take());
        let output = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&output.stderr);
        assert_ne!(output.status.code(), Some(101), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
    let lint = bin()
        .arg("lint")
        .arg(reference("api-resource-policy.json"))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lint = lint;
    drop(lint.stdout.take());
    assert_ne!(lint.wait().unwrap().code(), Some(101));
}

/// D6: a policy file that is not UTF-8 is a policy that does not parse
/// (exit 3), and `--secure-transport` takes true or false only (exit 2).
#[test]
fn non_utf8_policies_exit_three_and_bad_secure_transport_exits_two() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sigv4x-policy-cli");
    std::fs::create_dir_all(&dir).unwrap();
    let latin1 = dir.join("latin1.json");
    std::fs::write(
        &latin1,
        b"{\"Version\": \"2012-10-17\", \"Statement\": {\"Sid\": \"caf\xe9\"}}",
    )
    .unwrap();
    let output = bin()
        .args(["eval", "--resource"])
        .arg(&latin1)
        .args(["--resource-arn", ROUTE])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{err}");
    assert!(
        err.contains("not UTF-8 text (invalid byte at offset 51)"),
        "{err}"
    );
    let lint = bin().arg("lint").arg(&latin1).output().unwrap();
    assert_eq!(lint.status.code(), Some(1));
    assert!(
        stdout(&lint).contains("not UTF-8 text"),
        "{}",
        stdout(&lint)
    );

    let output = eval(&["--secure-transport", "maybe"]);
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--secure-transport wants true or false, got `maybe`"),
        "{err}"
    );
}
