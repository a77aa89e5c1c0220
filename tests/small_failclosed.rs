//! Small and fail-closed (issue 12): asking for something that does not exist is an error, a
//! reader that stops reading ends the run quietly (never with exit 0 for an undelivered
//! report), and history is scanned (or said not to be) whatever folder is named.

#[path = "common/mod.rs"]
mod common;

use common::{Tokens, git, leakgate, write};
use serde_json::Value;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};

/// The built binary as a plain `std` command (for piping its stdout by hand).
fn binary() -> Command {
    let cmd = leakgate();
    let mut std_cmd = Command::new(cmd.get_program());
    std_cmd
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GITHUB_ACTIONS");
    std_cmd
}

/// Runs `args` in `cwd` with a reader that closes the pipe before reading anything:
/// (exit status code, stderr).
fn with_closed_stdout(cwd: &Path, args: &[&str], stdin: Option<Vec<u8>>) -> (Option<i32>, String) {
    let mut child = binary()
        .args(args)
        .current_dir(cwd)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    if let Some(data) = stdin {
        let mut input = child.stdin.take().unwrap();
        std::thread::spawn(move || {
            use std::io::Write;
            let _ = input.write_all(&data);
        });
    }
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    (status.code(), stderr)
}

#[test]
fn a_closed_stdout_ends_every_command_quietly_with_the_sigpipe_status() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = Tokens::new(1207);
    let many: String = (0..2000)
        .map(|i| format!("key{i} = {}\n", t.aws_key_id()))
        .collect();
    write(dir.path(), "keys.txt", &many);
    write(dir.path(), ".env.production", "DEBUG=true\n");
    let scan_dir = dir.path().to_str().unwrap();
    let cases: Vec<(Vec<&str>, Option<Vec<u8>>)> = vec![
        (vec!["rules", "list"], None),
        (vec!["scan", "--no-git", scan_dir], None),
        (vec!["scan", "--no-git", "--format", "json", scan_dir], None),
        (
            vec!["scan", "--no-git", "--format", "sarif", scan_dir],
            None,
        ),
        (vec!["env", scan_dir], None),
        (vec!["redact"], Some(many.repeat(20).into_bytes())),
    ];
    for (args, stdin) in cases {
        let (code, stderr) = with_closed_stdout(dir.path(), &args, stdin);
        assert_eq!(code, Some(141), "{args:?}: {stderr}");
        assert!(!stderr.contains("Broken pipe"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_failed_write_to_a_file_is_still_an_error() {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = binary()
        .args(["rules", "list"])
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("error"), "{stderr}");
}

/// A repository with one commit holding a token on `main`.
fn repo_with_token() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q"]);
    let mut t = Tokens::new(1208);
    write(
        dir.path(),
        "src/app.py",
        format!("T = \"{}\"\n", t.github_pat()),
    );
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-qm", "add"]);
    dir
}

#[test]
fn a_ref_pattern_that_matches_nothing_is_an_error() {
    let dir = repo_with_token();
    for refs in [vec!["mian"], vec!["main", "relase/*"]] {
        let mut args = vec!["scan", "--git-only"];
        for r in &refs {
            args.extend(["--ref", r]);
        }
        let out = leakgate().args(&args).arg(dir.path()).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{refs:?}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(
            stderr.contains(&format!(
                "--ref `{}` matches no reference",
                refs[refs.len() - 1]
            )),
            "{stderr}"
        );
    }
    let out = leakgate()
        .args([
            "scan",
            "--git-only",
            "--format",
            "json",
            "--ref",
            "main",
            "--ref",
            "HEAD",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["findings"][0]["rule"], "github-pat-classic");
}

/// A remote where `branch` was pushed, then rewritten and force-pushed; `main` holds an old
/// token of its own. Returns (dir, full clone as CI checks it out, old tip, new tip, the token
/// only the rewritten branch adds).
fn force_pushed(
    branch: &str,
) -> (
    tempfile::TempDir,
    std::path::PathBuf,
    String,
    String,
    String,
) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let mut t = Tokens::new(1209);
    git(root, &["init", "-q", "--bare", "remote.git"]);
    let url = format!("file://{}", root.join("remote.git").display());
    git(root, &["clone", "-q", &url, "work"]);
    let work = root.join("work");
    write(&work, "old.txt", format!("legacy = {}\n", t.stripe_live()));
    git(&work, &["add", "."]);
    git(&work, &["commit", "-qm", "main with an old key"]);
    write(&work, "old.txt", "legacy = removed\n");
    git(&work, &["commit", "-qam", "remove it"]);
    git(&work, &["push", "-q", "origin", "main"]);
    if branch != "main" {
        git(&work, &["checkout", "-qb", branch]);
    }
    write(&work, "app.txt", "first version\n");
    git(&work, &["add", "."]);
    git(&work, &["commit", "-qm", "first"]);
    git(&work, &["push", "-q", "origin", branch]);
    let before = git(&work, &["rev-parse", "HEAD"]);
    let token = t.github_pat();
    write(&work, "app.txt", format!("token = {token}\n"));
    git(&work, &["add", "."]);
    git(&work, &["commit", "-q", "--amend", "-m", "rewritten"]);
    git(&work, &["push", "-q", "--force", "origin", branch]);
    let after = git(&work, &["rev-parse", "HEAD"]);
    git(root, &["clone", "-q", "--branch", branch, &url, "ci"]);
    let ci = root.join("ci");
    assert_eq!(git(&ci, &["rev-parse", "HEAD"]), after);
    assert!(
        Command::new("git")
            .args(["cat-file", "-e", &format!("{before}^{{commit}}")])
            .current_dir(&ci)
            .status()
            .is_ok_and(|s| !s.success()),
        "the full clone must lack the old tip"
    );
    (dir, ci, before, after, token)
}

/// `leakgate scan --ci` in `ci` on the push event GitHub sends for the force push.
fn ci_push(ci: &Path, branch: &str, before: &str, after: &str) -> (i32, Value, String) {
    let payload = serde_json::json!({
        "ref": format!("refs/heads/{branch}"),
        "before": before,
        "after": after,
        "created": false,
        "deleted": false,
        "forced": true,
        "repository": { "full_name": "org/repo", "default_branch": "main" },
        "head_commit": { "id": after }
    });
    let payload_file = ci.with_extension("event.json");
    std::fs::write(&payload_file, payload.to_string()).unwrap();
    let out = leakgate()
        .args(["scan", "--ci", "--format", "json"])
        .current_dir(ci)
        .env("GITHUB_EVENT_NAME", "push")
        .env("GITHUB_EVENT_PATH", &payload_file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("not JSON; stderr: {stderr}"));
    (out.status.code().unwrap(), json, stderr)
}

fn finding_rules(json: &Value) -> Vec<String> {
    let mut rules: Vec<String> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect();
    rules.sort();
    rules
}

#[test]
fn a_force_push_to_a_branch_scans_its_commits_not_in_the_default_branch() {
    let (_dir, ci, before, after, _token) = force_pushed("feature");
    let (code, json, stderr) = ci_push(&ci, "feature", &before, &after);
    assert_eq!(code, 1, "{stderr}");
    assert!(!stderr.contains("shallow clone"), "{stderr}");
    assert!(!stderr.contains("fetch-depth"), "{stderr}");
    assert!(
        stderr.contains("history was rewritten (force push)"),
        "{stderr}"
    );
    assert!(stderr.contains("not in `main`"), "{stderr}");
    // The rewritten commit's token, not main's old one (main's history is main's own).
    assert_eq!(finding_rules(&json), ["github-pat-classic"], "{json}");
    assert_eq!(
        json["findings"][0]["commit"]["id"],
        after.as_str(),
        "{json}"
    );
    assert_eq!(json["summary"]["history"]["commits"], 1, "{json}");
}

#[test]
fn a_force_push_to_the_default_branch_scans_its_whole_history() {
    let (_dir, ci, before, after, _token) = force_pushed("main");
    let (code, json, stderr) = ci_push(&ci, "main", &before, &after);
    assert_eq!(code, 1, "{stderr}");
    assert!(!stderr.contains("shallow clone"), "{stderr}");
    assert!(
        stderr.contains("history was rewritten (force push)"),
        "{stderr}"
    );
    assert!(stderr.contains("whole history"), "{stderr}");
    assert_eq!(
        finding_rules(&json),
        ["github-pat-classic", "stripe-secret-key-live"],
        "{json}"
    );
}

/// A repository whose history once held a key in `src/lib/` and one in `other/`, both deleted;
/// `src/` still has a clean file.
fn repo_with_deleted_keys() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    git(root, &["init", "-q"]);
    let mut t = Tokens::new(1210);
    let inside = t.github_pat();
    write(root, "src/lib/keys.txt", format!("k = {inside}\n"));
    write(root, "src/lib2/x.txt", "clean\n");
    write(root, "other/keys.txt", format!("k = {}\n", t.stripe_live()));
    // A sibling whose name starts like the folder: not in it.
    write(root, "srcx/keys.txt", format!("k = {}\n", t.aws_key_id()));
    git(root, &["add", "."]);
    git(root, &["commit", "-qm", "keys"]);
    git(
        root,
        &[
            "rm",
            "-q",
            "src/lib/keys.txt",
            "other/keys.txt",
            "srcx/keys.txt",
        ],
    );
    git(root, &["commit", "-qm", "remove keys"]);
    (dir, inside)
}

#[test]
fn a_scan_of_a_subfolder_scans_that_folders_history() {
    let (dir, _) = repo_with_deleted_keys();
    let runs = [
        (dir.path().to_path_buf(), vec!["src"]),
        (dir.path().join("src"), vec![]),
        (dir.path().join("src"), vec!["."]),
    ];
    for (cwd, args) in runs {
        let out = leakgate()
            .args(["scan", "--format", "json"])
            .args(&args)
            .current_dir(&cwd)
            .output()
            .unwrap();
        let json: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}: {json}");
        let found: Vec<(&str, &str)> = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["rule"].as_str().unwrap(), f["path"].as_str().unwrap()))
            .collect();
        assert_eq!(found, [("github-pat-classic", "lib/keys.txt")], "{args:?}");
        assert_eq!(json["summary"]["history"]["within"], "src", "{json}");
        assert_eq!(json["summary"]["history"]["commits"], 2, "{json}");
    }
    // The human summary says which history was read.
    let out = leakgate()
        .args(["scan", "src"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("commits of git history (only src/)"),
        "{stdout}"
    );
}

#[test]
fn a_scan_of_the_top_still_reads_all_history() {
    let (dir, _) = repo_with_deleted_keys();
    let out = leakgate()
        .args(["scan", "--format", "json", "."])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["findings"].as_array().unwrap().len(), 3, "{json}");
    assert!(json["summary"]["history"].get("within").is_none(), "{json}");
}
