//! `leakgate scan --ci` in GitHub Actions, driven by recorded-style event payloads, and
//! `leakgate protect` on staged changes.

use crate::common::{Tokens, git, leakgate, write};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// A repository with two commits: the first adds `old`, the second adds `new`.
fn two_commit_repo(old: &str, new: &str) -> (tempfile::TempDir, String, String) {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q"]);
    write(dir.path(), "a.txt", format!("{old}\n"));
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-qm", "first"]);
    let c1 = git(dir.path(), &["rev-parse", "HEAD"]);
    write(dir.path(), "b.txt", format!("{new}\n"));
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-qm", "second"]);
    let c2 = git(dir.path(), &["rev-parse", "HEAD"]);
    (dir, c1, c2)
}

fn ci_scan(dir: &Path, event: &str, payload: &str) -> (Value, i32, String) {
    // Beside the scanned folder (not in it), and unique to it: tests run in parallel.
    let payload_file = dir.with_extension("event.json");
    std::fs::write(&payload_file, payload).unwrap();
    let out = leakgate()
        .args(["scan", "--ci", "--format", "json"])
        .arg(dir)
        .env("GITHUB_EVENT_NAME", event)
        .env("GITHUB_EVENT_PATH", &payload_file)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&payload_file);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("not JSON; stderr: {stderr}"));
    (json, out.status.code().unwrap(), stderr)
}

fn paths(json: &Value) -> Vec<String> {
    let mut p: Vec<String> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    p.sort();
    p
}

#[test]
fn a_push_scans_only_the_pushed_commits() {
    let mut t = Tokens::new(500);
    let (repo, c1, c2) = two_commit_repo(&t.github_pat(), &t.github_pat());
    let payload = format!(r#"{{"before": "{c1}", "after": "{c2}", "created": false}}"#);
    let (json, code, stderr) = ci_scan(repo.path(), "push", &payload);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(paths(&json), vec!["b.txt"]);
    assert!(stderr.contains("push: the pushed commits"), "{stderr}");
}

#[test]
fn a_new_branch_scans_its_whole_history() {
    let mut t = Tokens::new(501);
    let (repo, _, c2) = two_commit_repo(&t.github_pat(), &t.github_pat());
    let payload = format!(
        r#"{{"before": "0000000000000000000000000000000000000000", "after": "{c2}", "created": true, "ref": "refs/heads/$(id)"}}"#
    );
    let (json, code, _) = ci_scan(repo.path(), "push", &payload);
    assert_eq!(code, 1);
    assert_eq!(paths(&json), vec!["a.txt", "b.txt"]);
}

#[test]
fn a_missing_base_in_a_shallow_checkout_says_which_fetch_depth_and_scans_what_is_there() {
    let mut t = Tokens::new(502);
    let (repo, c1, c2) = two_commit_repo(&t.github_pat(), &t.github_pat());
    // What actions/checkout gives by default: the pushed commit alone.
    let shallow = tempfile::tempdir().unwrap();
    let url = format!("file://{}", repo.path().display());
    git(
        shallow.path(),
        &["clone", "-q", "--depth", "1", &url, "clone"],
    );
    let clone = shallow.path().join("clone");
    let payload = format!(r#"{{"before": "{c1}", "after": "{c2}"}}"#);
    let (json, code, stderr) = ci_scan(&clone, "push", &payload);
    assert_eq!(code, 1);
    assert!(stderr.contains("a shallow clone"), "{stderr}");
    assert!(stderr.contains("fetch-depth: 0"), "{stderr}");
    assert_eq!(paths(&json), vec!["a.txt", "b.txt"]);
}

#[test]
fn a_pull_request_is_judged_by_its_base_commits_config() {
    let mut t = Tokens::new(503);
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q"]);
    write(dir.path(), ".leakgate.yml", "exclude: [docs/]\n");
    write(dir.path(), "README.md", "hello\n");
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-qm", "base"]);
    let base = git(dir.path(), &["rev-parse", "HEAD"]);
    // The pull request adds a token and tries to switch its own rule off.
    write(
        dir.path(),
        "app.py",
        format!("TOKEN = '{}'\n", t.github_pat()),
    );
    write(
        dir.path(),
        ".leakgate.yml",
        "exclude: [docs/]\ndisable_rules: [github-pat-classic]\n",
    );
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-qm", "feature"]);
    let head = git(dir.path(), &["rev-parse", "HEAD"]);
    let payload = format!(
        r#"{{"pull_request": {{"base": {{"sha": "{base}"}}, "head": {{"sha": "{head}", "ref": "x; rm -rf /"}}}}}}"#
    );
    let (json, code, stderr) = ci_scan(dir.path(), "pull_request", &payload);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(paths(&json), vec!["app.py"]);
    assert!(stderr.contains("changes .leakgate.yml"), "{stderr}");
}

#[test]
fn outside_actions_ci_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    leakgate()
        .args(["scan", "--ci"])
        .arg(dir.path())
        .env_remove("GITHUB_EVENT_NAME")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("GITHUB_EVENT_NAME"));
}

#[test]
fn protect_blocks_staged_secrets_but_not_unstaged_ones() {
    let mut t = Tokens::new(504);
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q"]);
    write(dir.path(), "a.txt", "hello\n");
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-qm", "first"]);
    write(dir.path(), "unstaged.txt", format!("{}\n", t.github_pat()));
    leakgate().arg("protect").arg(dir.path()).assert().code(0);
    write(dir.path(), "staged.txt", format!("{}\n", t.github_pat()));
    git(dir.path(), &["add", "staged.txt"]);
    let out = leakgate().arg("protect").arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("staged.txt") && !stdout.contains("unstaged.txt"),
        "{stdout}"
    );
}

#[test]
fn the_installed_hook_blocks_a_commit_that_adds_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q"]);
    write(dir.path(), "a.txt", "hello\n");
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-qm", "first"]);
    leakgate()
        .arg("install-hook")
        .arg(dir.path())
        .assert()
        .code(0);
    let token = Tokens::new(505).github_pat();
    write(dir.path(), "config.js", format!("const t = '{token}';\n"));
    git(dir.path(), &["add", "config.js"]);
    // The hook finds leakgate through PATH or the absolute path it was installed with.
    let out = Command::new("git")
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.com"])
        .args(["commit", "-qm", "add config"])
        .current_dir(dir.path())
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .output()
        .unwrap();
    assert!(!out.status.success(), "the commit must be blocked");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(all.contains("leakgate blocked this commit"), "{all}");
    assert!(all.contains("config.js"), "{all}");
    assert!(!all.contains(&token), "the hook never prints the secret");
}

#[test]
fn an_env_file_committed_once_and_deleted_since_is_still_reported() {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q"]);
    write(dir.path(), ".gitignore", "node_modules/\n");
    write(dir.path(), ".env.production", "LOG_LEVEL=info\n");
    write(dir.path(), ".env.example", "LOG_LEVEL=\n");
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-qm", "add production env"]);
    let added = git(dir.path(), &["rev-parse", "HEAD"]);
    git(dir.path(), &["rm", "-q", "--cached", ".env.production"]);
    std::fs::remove_file(dir.path().join(".env.production")).unwrap();
    write(
        dir.path(),
        ".gitignore",
        "node_modules/\n.env*\n!.env.example\n",
    );
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-qm", "untrack env"]);
    let out = leakgate()
        .args(["scan", "--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let committed: Vec<&Value> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "env-committed-real-file")
        .collect();
    assert_eq!(committed.len(), 1, "{json}");
    let f = committed[0];
    assert_eq!(f["path"], ".env.production");
    assert_eq!(f["severity"], "critical");
    assert_eq!(f["commit"]["id"], added.as_str());
    // The committed template is fine: the single finding above is the production file.
    assert!(f["message"].as_str().unwrap().contains("rotate"));
}

#[test]
fn a_push_that_adds_an_env_file_is_reported_in_ci() {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q"]);
    write(dir.path(), "README.md", "x\n");
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-qm", "base"]);
    let base = git(dir.path(), &["rev-parse", "HEAD"]);
    write(
        dir.path(),
        ".env.staging",
        "API_URL=https://api.example.com\n",
    );
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-qm", "add staging env"]);
    let head = git(dir.path(), &["rev-parse", "HEAD"]);
    let payload = format!(r#"{{"before": "{base}", "after": "{head}"}}"#);
    let (json, code, stderr) = ci_scan(dir.path(), "push", &payload);
    assert_eq!(code, 1, "{stderr}");
    let rules: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, vec!["env-committed-real-file"]);
    assert_eq!(json["findings"][0]["severity"], "critical");
}
