//! `.leakgate.yml`: excludes, allow-lists, disabled rules, extra rules, strict validation.

use crate::common::{Tokens, leakgate, write};
use serde_json::Value;

fn scan_json(dir: &std::path::Path) -> (Value, i32, String) {
    let out = leakgate()
        .arg("scan")
        .arg(dir)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (json, out.status.code().unwrap(), stderr)
}

#[test]
fn excludes_allow_list_and_disabled_rules_apply() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = Tokens::new(200);
    let allowed = t.github_pat();
    write(dir.path(), "tests/fixtures/keys.txt", t.github_pat());
    write(dir.path(), "src/a.txt", format!("{allowed}\n"));
    write(dir.path(), "src/b.txt", format!("{}\n", t.aws_key_id()));
    write(
        dir.path(),
        ".leakgate.yml",
        format!(
            "exclude:\n  - tests/fixtures\nallow:\n  - '^{allowed}$'\ndisable_rules:\n  - aws-access-key-id\n"
        ),
    );
    let (json, code, stderr) = scan_json(dir.path());
    assert_eq!(code, 0, "{json} {stderr}");
    assert_eq!(json["summary"]["total_findings"], 0);
}

#[test]
fn unknown_keys_are_errors_that_name_the_key_and_line() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".leakgate.yml", "exclude: []\nexlude: [x]\n");
    let (_, code, stderr) = scan_json(dir.path());
    assert_eq!(code, 2);
    assert!(
        stderr.contains("exlude") && stderr.contains("line 2"),
        "{stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    assert_eq!(stderr.matches("exlude").count(), 1, "said once: {stderr}");
}

#[test]
fn a_misspelt_key_in_a_rules_file_is_named_once() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "extra.yaml", "rules:\n  - id: a\n    nmae: x\n");
    write(dir.path(), ".leakgate.yml", "rules_files: [extra.yaml]\n");
    let (_, code, stderr) = scan_json(dir.path());
    assert_eq!(code, 2);
    assert!(
        stderr.contains("extra.yaml") && stderr.contains("line 3"),
        "{stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    assert_eq!(stderr.matches("nmae").count(), 1, "said once: {stderr}");
}

#[test]
fn unknown_disabled_rule_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        ".leakgate.yml",
        "disable_rules: [no-such-rule]\n",
    );
    let (_, code, stderr) = scan_json(dir.path());
    assert_eq!(code, 2);
    assert!(stderr.contains("no-such-rule"), "{stderr}");
}

#[test]
fn hostile_yaml_is_refused_within_budget() {
    let dir = tempfile::tempdir().unwrap();
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x]\n");
    for i in 0..200 {
        bomb.push_str(&format!("b{i}: &b{i} [*a, *a, *a, *a, *a, *a, *a, *a]\n"));
    }
    write(dir.path(), ".leakgate.yml", bomb);
    let (_, code, stderr) = scan_json(dir.path());
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn extra_rules_files_from_the_config_are_used_and_fail_on_applies() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "ci/rules.yaml",
        r#"rules:
  - id: acme-internal-token
    name: ACME internal token
    description: An ACME service token. Rotate it in the ACME console.
    severity: medium
    keywords: [acme_tok_]
    regex: '\b(?P<secret>acme_tok_[a-f0-9]{32})\b'
    examples: ['acme_tok_0123456789abcdef0123456789abcdef']
    negative_examples: ['acme_tok_short']
"#,
    );
    write(
        dir.path(),
        ".leakgate.yml",
        "rules_files: [ci/rules.yaml]\nfail_on: high\n",
    );
    let token = format!("acme_tok_{}", Tokens::new(201).hex(32));
    write(dir.path(), "app.env.txt", format!("X={token}\n"));
    let (json, code, stderr) = scan_json(dir.path());
    assert_eq!(code, 0, "medium is below fail_on high: {stderr}");
    assert_eq!(json["findings"][0]["rule"], "acme-internal-token");
    let out = leakgate()
        .arg("scan")
        .arg(dir.path())
        .args(["--fail-on", "medium", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "--fail-on overrides the config");
}

#[test]
fn explicit_config_flag_is_used_and_a_missing_one_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.txt", Tokens::new(202).github_pat());
    let cfg = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(cfg.path(), "exclude: ['*.txt']\n").unwrap();
    leakgate()
        .arg("scan")
        .arg(dir.path())
        .arg("--config")
        .arg(cfg.path())
        .assert()
        .code(0);
    leakgate()
        .arg("scan")
        .arg(dir.path())
        .args(["--config", "/no/such/config.yml"])
        .assert()
        .code(2);
}
