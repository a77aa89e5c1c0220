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

/// `--stats` counts providers and rules by category and measures each category's recall on
/// samples generated from the rules' examples: a user rule that only finds `NAME=value`
/// shows up as missing the other ways of writing its value.
#[test]
fn list_stats_shows_coverage_and_recall_by_category() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "mine.yaml",
        r#"rules:
  - id: acme-env-only
    name: Acme key
    description: An Acme key.
    severity: high
    keywords: [acme_key=]
    regex: '(?i)acme_key=(?P<secret>[0-9a-f]{24})'
    tags: [acme, feature-flags]
    examples: ['ACME_KEY=0a1b2c3d4e5f60718293a4b5']
    negative_examples: ['ACME_KEY=nothex']
"#,
    );
    let builtin = leakgate()
        .args(["rules", "list", "--stats"])
        .output()
        .unwrap();
    let with_mine = leakgate()
        .args(["rules", "list", "--stats", "--rules"])
        .arg(dir.path().join("mine.yaml"))
        .output()
        .unwrap();
    assert_eq!(builtin.status.code(), Some(0));
    assert_eq!(with_mine.status.code(), Some(0));
    let row = |out: &std::process::Output, name: &str| -> Vec<String> {
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("no {name} row"))
            .split_whitespace()
            .map(str::to_string)
            .collect()
    };
    let total = row(&builtin, "total");
    let providers: usize = total[1].parse().unwrap();
    let rule_count: usize = total[2].parse().unwrap();
    assert!(providers >= 400 && rule_count >= 600, "{total:?}");
    assert!(row(&builtin, "Payments and finance").len() == 7);
    // The feature-flags row gains one provider, one rule and one sample per way, of which the
    // user's rule finds only the env-style ones.
    let (before, after) = (row(&builtin, "Feature"), row(&with_mine, "Feature"));
    let counts = |r: &[String]| -> (usize, usize, usize, usize) {
        let (found, samples) = r[4].split_once('/').unwrap();
        (
            r[2].parse().unwrap(),
            r[3].parse().unwrap(),
            found.parse().unwrap(),
            samples.parse().unwrap(),
        )
    };
    let ways: usize = String::from_utf8_lossy(&builtin.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("recall: the rules' examples written "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("the recall line says how many ways");
    let (p0, r0, f0, s0) = counts(&before);
    let (p1, r1, f1, s1) = counts(&after);
    assert_eq!(
        (p1, r1, s1),
        (p0 + 1, r0 + 1, s0 + ways),
        "{before:?} {after:?}"
    );
    assert!(f1 > f0 && f1 < f0 + ways, "{before:?} {after:?}");
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
