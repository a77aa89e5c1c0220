//! `leakgate rules list` and `leakgate rules check`.

use crate::common::{leakgate, write};

#[test]
fn list_prints_every_builtin_rule() {
    let out = leakgate().args(["rules", "list"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let count: usize = stdout
        .lines()
        .last()
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(count >= 80, "{count} rules");
    assert!(stdout.contains("github-pat-classic"));
    assert!(stdout.contains("env-shared-secret") && stdout.contains("bundle-env-dump"));
    assert!(stdout.contains("(publishable)"));
}

#[test]
fn check_accepts_a_good_file_and_reports_each_problem_on_one_line() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "good.yaml",
        r#"rules:
  - id: demo-token
    name: Demo token
    description: Demo. Rotate it.
    severity: high
    keywords: [demo_]
    regex: '\b(?P<secret>demo_[a-z0-9]{10})\b'
    entropy: 2.5
    examples: ['x = demo_ab12cd34ef']
    negative_examples: ['x = demo_aaaaaaaaaa']
"#,
    );
    leakgate()
        .args(["rules", "check"])
        .arg(dir.path().join("good.yaml"))
        .assert()
        .code(0)
        .stdout(predicates::str::contains("ok: 1 rules"));

    write(
        dir.path(),
        "bad.yaml",
        r#"rules:
  - id: demo-token
    name: Demo token
    description: Demo.
    severity: high
    keywords: [demo_]
    regex: '\b(?P<secret>demo_[a-z0-9]{10})\b'
    examples: ['no token here']
    negative_examples: ['x = demo_ab12cd34ef']
  - id: no-group
    name: No group
    description: Demo.
    severity: low
    keywords: [abc]
    regex: 'abc[0-9]+'
    examples: ['abc1']
    negative_examples: ['x']
"#,
    );
    let out = leakgate()
        .args(["rules", "check"])
        .arg(dir.path().join("bad.yaml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no capture group named `secret`"),
        "{stderr}"
    );

    write(
        dir.path(),
        "examples.yaml",
        r#"rules:
  - id: demo-token
    name: Demo token
    description: Demo.
    severity: high
    keywords: [demo_]
    regex: '\b(?P<secret>demo_[a-z0-9]{10})\b'
    examples: ['no token here']
    negative_examples: ['x = demo_ab12cd34ef']
"#,
    );
    let out = leakgate()
        .args(["rules", "check"])
        .arg(dir.path().join("examples.yaml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("example 1 does not match"), "{stderr}");
    assert!(stderr.contains("negative example 1 matches"), "{stderr}");
}

#[test]
fn check_names_unknown_keys() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "typo.yaml",
        "rules:\n  - id: a\n    name: b\n    description: c\n    severity: low\n    keywords: [k]\n    regex: '(?P<secret>k)'\n    exmaples: [k]\n",
    );
    leakgate()
        .args(["rules", "check"])
        .arg(dir.path().join("typo.yaml"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("exmaples"));
}
