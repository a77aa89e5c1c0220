//! Suppressions that behave (issue 12): what a report tells the user to paste into
//! `.leakgateignore` is accepted, an ambiguous or too short fingerprint is an error, and a
//! `leakgate:allow` comment covers exactly its own line (or the next, when it stands alone),
//! env checks included; a pull request still cannot allow-list its own findings that way.

use crate::common::{Tokens, git, leakgate, write};
use serde_json::{Value, json};
use std::path::Path;

/// `leakgate scan --no-git` of `dir` with `extra` arguments: (exit code, stdout, stderr).
fn scan(dir: &Path, extra: &[&str]) -> (i32, String, String) {
    let out = leakgate()
        .args(["scan", "--no-git"])
        .args(extra)
        .arg(dir)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json_findings(dir: &Path, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["--format", "json"];
    args.extend_from_slice(extra);
    let (code, stdout, stderr) = scan(dir, &args);
    let json = serde_json::from_str(&stdout).unwrap_or_else(|_| panic!("not JSON: {stderr}"));
    (code, json)
}

/// The fingerprints the human report prints, in order.
fn printed_fingerprints(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|l| l.split_once("fingerprint ").map(|(_, rest)| rest))
        .filter_map(|rest| rest.split_whitespace().next())
        .filter(|word| word.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_string)
        .collect()
}

#[test]
fn the_fingerprint_a_report_prints_is_what_leakgateignore_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = Tokens::new(1201);
    write(
        dir.path(),
        "config.py",
        format!("TOKEN = \"{}\"\n", t.github_pat()),
    );
    let (code, stdout, _) = scan(dir.path(), &[]);
    assert_eq!(code, 1, "{stdout}");
    let printed = printed_fingerprints(&stdout);
    assert_eq!(printed.len(), 1, "{stdout}");
    assert!(
        printed[0].len() < 64,
        "the report prints a short form: {stdout}"
    );
    // Pasted as told, upper-cased by an editor, with a reason.
    write(
        dir.path(),
        ".leakgateignore",
        format!("{}  # test fixture\n", printed[0].to_ascii_uppercase()),
    );
    let (code, stdout, stderr) = scan(dir.path(), &[]);
    assert_eq!(code, 0, "stdout: {stdout}\nstderr: {stderr}");
    assert!(stdout.contains("1 suppressed"), "{stdout}");
}

#[test]
fn a_prefix_accepts_only_its_own_finding() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = Tokens::new(1202);
    write(
        dir.path(),
        "a.env.txt",
        format!("A={}\nB={}\n", t.github_pat(), t.stripe_live()),
    );
    let (code, json) = json_findings(dir.path(), &[]);
    assert_eq!(code, 1);
    let first = json["findings"][0]["fingerprint"].as_str().unwrap();
    write(dir.path(), ".leakgateignore", format!("{}\n", &first[..12]));
    let (code, json) = json_findings(dir.path(), &[]);
    assert_eq!(code, 1);
    let left: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(left.len(), 1);
    assert_ne!(left[0], first);
}

#[test]
fn a_fingerprint_shorter_than_twelve_digits_is_a_one_line_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = Tokens::new(1203);
    write(dir.path(), "k.txt", format!("{}\n", t.github_pat()));
    let (_, stdout, _) = scan(dir.path(), &[]);
    let printed = &printed_fingerprints(&stdout)[0];
    write(
        dir.path(),
        ".leakgateignore",
        format!("# ok\n{}\n", &printed[..11]),
    );
    let (code, stdout, stderr) = scan(dir.path(), &[]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    let stderr = stderr.trim();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains(".leakgateignore:2:"), "{stderr}");
    assert!(stderr.contains("12 to 64 hex digits"), "{stderr}");
}

#[test]
fn the_hook_tells_the_user_to_paste_what_the_ignore_file_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    git(repo, &["init", "-q"]);
    let mut t = Tokens::new(1204);
    write(repo, "deploy.sh", format!("export T={}\n", t.github_pat()));
    git(repo, &["add", "deploy.sh"]);
    let out = leakgate()
        .args(["scan", "--staged"])
        .current_dir(repo)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = printed_fingerprints(&text);
    assert_eq!(printed.len(), 1, "{text}");
    write(repo, ".leakgateignore", format!("{}\n", printed[0]));
    let out = leakgate()
        .args(["scan", "--staged"])
        .current_dir(repo)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_trailing_allow_does_not_silence_the_next_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = Tokens::new(1205);
    let (allowed, next) = (t.github_pat(), t.github_pat());
    write(
        dir.path(),
        "settings.py",
        format!("FIXTURE = \"{allowed}\"  # leakgate:allow test key\nPROD = \"{next}\"\n"),
    );
    let (code, json) = json_findings(dir.path(), &["--show-suppressed"]);
    assert_eq!(code, 1, "{json}");
    let lines = |key: &str| -> Vec<u64> {
        json[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["line"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(lines("findings"), [2]);
    assert_eq!(lines("suppressed"), [1]);
}

#[test]
fn an_allow_alone_on_its_line_covers_the_next_line_only() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = Tokens::new(1206);
    write(
        dir.path(),
        "settings.js",
        format!(
            "  // leakgate:allow documented example\nconst a = \"{}\";\nconst b = \"{}\";\n",
            t.github_pat(),
            t.github_pat()
        ),
    );
    let (code, json) = json_findings(dir.path(), &["--show-suppressed"]);
    assert_eq!(code, 1, "{json}");
    assert_eq!(json["findings"][0]["line"], 3);
    assert_eq!(json["findings"].as_array().unwrap().len(), 1);
    assert_eq!(json["suppressed"][0]["line"], 2);
}

/// A production env file in a repository that ignores it, so only the lines' own checks fire.
fn env_repo(env_text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q"]);
    write(dir.path(), ".gitignore", ".env*\n");
    // A local, never-committed env file does not fail the gate by default; these tests are
    // about allow comments, so count it.
    write(
        dir.path(),
        ".leakgate.yml",
        "fail_on_ignored_env_files: true\n",
    );
    write(dir.path(), ".env.production", env_text);
    dir
}

#[test]
fn an_allow_covers_the_env_checks_on_its_line() {
    let dir = env_repo(
        "API_URL=http://localhost:3000 # leakgate:allow local smoke test\n\
         # leakgate:allow debug build, never deployed\n\
         DEBUG=true\n",
    );
    let out = leakgate()
        .args(["scan", "--format", "json", "--show-suppressed", "."])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{json}");
    let suppressed: Vec<(String, u64)> = json["suppressed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(
        suppressed.contains(&("env-dev-endpoint-in-production".into(), 1)),
        "{suppressed:?}"
    );
    assert!(
        suppressed.contains(&("env-insecure-production-setting".into(), 3)),
        "{suppressed:?}"
    );
}

#[test]
fn a_trailing_allow_in_an_env_file_does_not_cover_the_next_variable() {
    let dir = env_repo("API_URL=http://localhost:3000 # leakgate:allow\nDEBUG=true\n");
    let out = leakgate()
        .args(["scan", "--format", "json", "."])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{json}");
    let rules: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["env-insecure-production-setting"]);
}

#[test]
fn a_pull_request_cannot_allow_list_its_own_env_findings() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "-q"]);
    write(&repo, ".gitignore", "node_modules\n");
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-qm", "base"]);
    let base = git(&repo, &["rev-parse", "HEAD"]);
    git(&repo, &["checkout", "-qb", "feature"]);
    write(
        &repo,
        "deploy/.env.production",
        "# leakgate:allow\nDEBUG=true\n",
    );
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-qm", "feature"]);
    let head = git(&repo, &["rev-parse", "HEAD"]);
    let payload = json!({
        "action": "synchronize",
        "number": 7,
        "pull_request": {
            "number": 7,
            "head": { "ref": "feature", "sha": head, "repo": { "full_name": "fork/repo" } },
            "base": { "ref": "main", "sha": base, "repo": { "full_name": "org/repo" } }
        },
        "repository": { "full_name": "org/repo" }
    });
    let payload_file = dir.path().join("event.json");
    std::fs::write(&payload_file, payload.to_string()).unwrap();
    let out = leakgate()
        .args(["scan", "--ci", "--format", "json"])
        .current_dir(&repo)
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_EVENT_PATH", &payload_file)
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{json}");
    assert!(
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "env-insecure-production-setting"),
        "{json}"
    );
}

/// One rule in YAML (indented for a `rules:` list) with examples that behave.
fn rule_yaml(id: &str, prefix: &str) -> String {
    format!(
        "  - id: {id}\n    name: Rule {id}\n    description: test rule\n    severity: high\n    \
         keywords: [{prefix}]\n    regex: '(?P<secret>{prefix}[a-z0-9]{{20}})'\n    \
         examples: ['{prefix}abcdefghij0123456789']\n    negative_examples: ['{prefix}short']\n"
    )
}

#[test]
fn rules_check_reports_every_problem_of_every_file_in_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let a = format!(
        "rules:\n{}{}  - id: no-regex\n    name: x\n    description: d\n    severity: high\n    \
         keywords: [nr_]\n  - id: bad-severity\n    name: x\n    description: d\n    \
         severity: hgih\n    keywords: [bs_]\n    regex: '(?P<secret>bs_[a-z]{{9}})'\n\
         {}  - id: bad-regex\n    name: x\n    description: d\n    severity: high\n    \
         keywords: [br_]\n    regex: '(?P<secret>br_[a-'\n",
        rule_yaml("team-token", "tt_"),
        rule_yaml("github-pat-classic", "zz_"),
        rule_yaml("team-token", "t2_"),
    );
    write(dir.path(), "a.yaml", &a);
    write(
        dir.path(),
        "b.yaml",
        rule_yaml("team-token", "t3_").replace("  - ", "rules:\n  - "),
    );
    write(dir.path(), "c.yaml", "rules:\n  - id: [\n");
    let out = leakgate()
        .args([
            "rules",
            "check",
            "a.yaml",
            "b.yaml",
            "c.yaml",
            "missing.yaml",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("leakgate: error: "))
        .collect();
    let expected = [
        "a.yaml: rule `no-regex`: needs a `regex` or a `context`",
        "a.yaml: rule #4 in `rules`: unknown variant `hgih`",
        "a.yaml: rule `team-token`: duplicate rule id",
        "a.yaml: rule `bad-regex`: regex does not compile",
        "a.yaml: rule `github-pat-classic`: a built-in rule has this id",
        "b.yaml: rule `team-token`: a.yaml already defines this id",
        "c.yaml: line 2",
        "missing.yaml: cannot read",
    ];
    for want in expected {
        assert_eq!(
            errors.iter().filter(|l| l.contains(want)).count(),
            1,
            "{want}\n{stderr}"
        );
    }
    assert_eq!(errors.len(), expected.len(), "{stderr}");
    assert!(stderr.contains("8 problem(s) found"), "{stderr}");
}

#[test]
fn rules_check_refuses_the_id_of_a_built_in_rule_that_scan_would_refuse() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "mine.yaml",
        format!("rules:\n{}", rule_yaml("aws-access-key-id", "ak_")),
    );
    let check = leakgate()
        .args(["rules", "check", "mine.yaml"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&check.stderr);
    assert!(
        stderr.contains("mine.yaml: rule `aws-access-key-id`: a built-in rule has this id"),
        "{stderr}"
    );
    // What `scan` does with the same file (the reason `rules check` must catch it).
    write(dir.path(), ".leakgate.yml", "rules_files: [mine.yaml]\n");
    let scan = leakgate()
        .args(["scan", "--no-git", "."])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(scan.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&scan.stderr).contains("duplicate rule id"),
        "{}",
        String::from_utf8_lossy(&scan.stderr)
    );
    let fixed = format!("rules:\n{}", rule_yaml("team-aws-key", "ak_"));
    write(dir.path(), "mine.yaml", fixed);
    leakgate()
        .args(["rules", "check", "mine.yaml"])
        .current_dir(dir.path())
        .assert()
        .code(0);
}
