//! Git history, ranges and staged changes, driven through the real binary on repositories
//! built in each test with the `git` CLI (the tool itself never runs git). Secrets are
//! generated at test time in a made-up format (`lgtest_` + 32 base62) that only this file's
//! rule matches, so the assertions do not depend on the built-in rule set.

#[path = "common/mod.rs"]
mod common;

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

const RULE_ID: &str = "test-history-token";

const RULES: &str = r#"rules:
  - id: test-history-token
    name: Test history token
    description: Rotate the test token, then remove it.
    severity: high
    keywords: [lgtest_]
    regex: '\b(?P<secret>lgtest_[0-9A-Za-z]{32})\b'
    examples: ["lgtest_0123456789abcdefghijABCDEFGHIJ01"]
"#;

/// A temporary place holding the rules/config and any repositories of one test.
struct Fixture {
    dir: TempDir,
    seed: u64,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("rules.yaml"), RULES).expect("write rules");
        std::fs::write(
            dir.path().join("leakgate.yml"),
            "rules_files: [rules.yaml]\n",
        )
        .expect("write config");
        Fixture {
            dir,
            seed: 0x5eed_1234_abcd_0001,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A fresh token: `lgtest_` + 32 base62 characters (xorshift; not a real secret).
    fn token(&mut self) -> String {
        const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        let mut out = String::from("lgtest_");
        for _ in 0..32 {
            self.seed ^= self.seed << 13;
            self.seed ^= self.seed >> 7;
            self.seed ^= self.seed << 17;
            out.push(BASE62[(self.seed % 62) as usize] as char);
        }
        out
    }

    fn repo(&self, name: &str) -> Repo {
        let path = self.path(name);
        std::fs::create_dir_all(&path).expect("repo dir");
        let repo = Repo { path, clock: 0 };
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    fn scan(&self, args: &[&str]) -> Outcome {
        let mut cmd = Command::cargo_bin("leakgate").expect("binary built");
        cmd.env_remove("NO_COLOR")
            .arg("scan")
            .arg("--config")
            .arg(self.path("leakgate.yml"));
        cmd.args(args);
        let output = cmd.output().expect("run leakgate");
        Outcome {
            code: output.status.code().expect("exit code"),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Runs a JSON scan and returns (exit code, our rule's findings, whole report).
    fn scan_json(&self, args: &[&str]) -> (i32, Vec<Value>, Value, String) {
        let mut all = vec!["--format", "json"];
        all.extend_from_slice(args);
        let out = self.scan(&all);
        let report: Value = serde_json::from_str(&out.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", out.stdout, out.stderr));
        let ours = report["findings"]
            .as_array()
            .expect("findings array")
            .iter()
            .filter(|f| f["rule"] == RULE_ID)
            .cloned()
            .collect();
        (out.code, ours, report, out.stderr)
    }
}

struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
}

struct Repo {
    path: PathBuf,
    clock: u64,
}

impl Repo {
    fn git(&self, args: &[&str]) -> String {
        git_in(&self.path, args, 0)
    }

    fn write(&self, relative: &str, contents: &str) {
        let path = self.path.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("dirs");
        }
        std::fs::write(path, contents).expect("write file");
    }

    /// Stages everything and commits; returns the new commit id.
    fn commit(&mut self, message: &str) -> String {
        self.clock += 1;
        self.git(&["add", "-A"]);
        git_in(
            &self.path,
            &["commit", "-q", "--allow-empty", "-m", message],
            self.clock,
        );
        self.head()
    }

    fn head(&self) -> String {
        self.git(&["rev-parse", "HEAD"]).trim().to_string()
    }

    fn arg(&self) -> &str {
        self.path.to_str().expect("utf-8 temp path")
    }
}

fn git_in(dir: &Path, args: &[&str], clock: u64) -> String {
    let date = format!("{} +0000", 1_700_000_000 + clock * 60);
    let output = std::process::Command::new("git")
        .current_dir(dir)
        .args(["-c", "commit.gpgsign=false", "-c", "core.autocrlf=false"])
        .args(args)
        .env("GIT_AUTHOR_NAME", "Ada Author")
        .env("GIT_AUTHOR_EMAIL", "ada@example.invalid")
        .env("GIT_COMMITTER_NAME", "Ada Author")
        .env("GIT_COMMITTER_EMAIL", "ada@example.invalid")
        .env("GIT_AUTHOR_DATE", &date)
        .env("GIT_COMMITTER_DATE", &date)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn commit_id(finding: &Value) -> &str {
    finding["commit"]["id"]
        .as_str()
        .expect("finding has a commit id")
}

#[test]
fn secret_added_then_deleted_is_reported_with_its_commit_and_not_in_head() {
    let mut fx = Fixture::new();
    let secret = fx.token();
    let mut repo = fx.repo("r");
    repo.write("README.md", "hello\n");
    repo.commit("start");
    repo.write("config/app.env", &format!("# creds\nTOKEN {secret}\n"));
    let introduced = repo.commit("add config");
    repo.git(&["rm", "-q", "config/app.env"]);
    repo.commit("remove config");

    let (code, ours, report, _) = fx.scan_json(&[repo.arg()]);
    assert_eq!(code, 1);
    assert_eq!(ours.len(), 1, "{report:#}");
    let f = &ours[0];
    assert_eq!(f["path"], "config/app.env");
    assert_eq!(f["line"], 2);
    assert_eq!(commit_id(f), introduced);
    assert_eq!(f["commit"]["author_name"], "Ada Author");
    assert_eq!(f["commit"]["author_email"], "ada@example.invalid");
    assert_eq!(f["commit"]["summary"], "add config");
    assert!(
        f["commit"]["date"]
            .as_str()
            .unwrap()
            .starts_with("2023-11-14T22:")
    );
    assert_eq!(f["in_head"], false);
    assert!(f["message"].as_str().unwrap().contains("rotate"));
    assert_eq!(report["summary"]["history"]["mode"], "full");
    assert_eq!(report["summary"]["history"]["commits"], 3);

    // Human output tells the reader to rotate, and never prints the secret.
    let human = fx.scan(&[repo.arg()]);
    assert_eq!(human.code, 1);
    assert!(human.stdout.contains("introduced in"), "{}", human.stdout);
    assert!(
        human.stdout.contains("rotate the secret"),
        "{}",
        human.stdout
    );
    assert!(!human.stdout.contains(&secret));

    // --no-git: the files alone are clean.
    let files_only = fx.scan(&["--no-git", repo.arg()]);
    assert_eq!(files_only.code, 0, "{}", files_only.stdout);
}

#[test]
fn secret_only_in_a_merge_commit_result_is_found_and_attributed_to_the_merge() {
    let mut fx = Fixture::new();
    let secret = fx.token();
    let mut repo = fx.repo("r");
    repo.write("a.txt", "base\n");
    repo.commit("base");
    repo.git(&["checkout", "-q", "-b", "side"]);
    repo.write("b.txt", "side\n");
    repo.commit("side work");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("c.txt", "main\n");
    repo.commit("main work");
    repo.git(&["merge", "-q", "--no-ff", "--no-commit", "side"]);
    repo.write("merged.txt", &format!("resolved {secret}\n"));
    repo.clock += 1;
    repo.git(&["add", "-A"]);
    git_in(
        &repo.path,
        &["commit", "-q", "-m", "merge side"],
        repo.clock,
    );
    let merge = repo.head();
    repo.git(&["rm", "-q", "merged.txt"]);
    repo.commit("drop it");

    let (code, ours, report, _) = fx.scan_json(&["--git-only", repo.arg()]);
    assert_eq!(code, 1);
    assert_eq!(ours.len(), 1, "{report:#}");
    assert_eq!(commit_id(&ours[0]), merge);
    assert_eq!(ours[0]["path"], "merged.txt");
}

#[test]
fn secret_on_a_non_default_branch_is_found_unless_refs_are_narrowed() {
    let mut fx = Fixture::new();
    let secret = fx.token();
    let mut repo = fx.repo("r");
    repo.write("a.txt", "base\n");
    repo.commit("base");
    repo.git(&["checkout", "-q", "-b", "feature/x"]);
    repo.write("feature.txt", &format!("{secret}\n"));
    let on_branch = repo.commit("feature");
    repo.git(&["checkout", "-q", "main"]);

    let (code, ours, _, _) = fx.scan_json(&[repo.arg()]);
    assert_eq!(code, 1);
    assert_eq!(ours.len(), 1);
    assert_eq!(commit_id(&ours[0]), on_branch);

    let (code, ours, _, _) = fx.scan_json(&["--ref", "main", repo.arg()]);
    assert_eq!(code, 0);
    assert!(ours.is_empty());
    let (_, ours, _, _) = fx.scan_json(&["--ref", "feature/*", repo.arg()]);
    assert_eq!(ours.len(), 1);
}

#[test]
fn secret_reachable_only_from_a_tag_is_found() {
    let mut fx = Fixture::new();
    let secret = fx.token();
    let mut repo = fx.repo("r");
    repo.write("a.txt", "base\n");
    repo.commit("base");
    repo.git(&["checkout", "-q", "--detach"]);
    repo.write("release.txt", &format!("{secret}\n"));
    let tagged = repo.commit("release build");
    repo.git(&["tag", "-a", "-m", "v1", "v1.0"]);
    repo.git(&["checkout", "-q", "main"]);

    let (code, ours, _, _) = fx.scan_json(&["--git-only", repo.arg()]);
    assert_eq!(code, 1);
    assert_eq!(ours.len(), 1);
    assert_eq!(commit_id(&ours[0]), tagged);
}

#[test]
fn renamed_file_is_one_finding_at_its_current_path_with_the_introducing_commit() {
    let mut fx = Fixture::new();
    let secret = fx.token();
    let mut repo = fx.repo("r");
    repo.write("old/name.cfg", &format!("key {secret}\n"));
    let introduced = repo.commit("add");
    std::fs::create_dir_all(repo.path.join("new")).unwrap();
    repo.git(&["mv", "old/name.cfg", "new/name.cfg"]);
    repo.commit("rename");

    let (code, ours, report, _) = fx.scan_json(&[repo.arg()]);
    assert_eq!(code, 1);
    assert_eq!(ours.len(), 1, "{report:#}");
    assert_eq!(ours[0]["path"], "new/name.cfg");
    assert_eq!(commit_id(&ours[0]), introduced);
    assert_eq!(ours[0]["in_head"], true);
}

#[test]
fn same_blob_in_many_commits_is_scanned_once_and_attributed_to_the_first() {
    let mut fx = Fixture::new();
    let secret = fx.token();
    let mut repo = fx.repo("r");
    repo.write("secrets.txt", &format!("{secret}\n"));
    let first = repo.commit("first");
    for i in 0..12 {
        repo.write("counter.txt", &format!("{i}\n"));
        repo.commit(&format!("tick {i}"));
    }
    // Later edits elsewhere in the same file make new blobs: still one finding.
    repo.write("secrets.txt", &format!("# header\n{secret}\n"));
    repo.commit("edit secrets");
    // The same content under a second path is the same blob: no new finding.
    repo.write("copy/secrets.txt", &format!("{secret}\n"));
    repo.commit("copy");

    let (code, ours, report, _) = fx.scan_json(&["--git-only", repo.arg()]);
    assert_eq!(code, 1);
    assert_eq!(ours.len(), 1, "{report:#}");
    assert_eq!(commit_id(&ours[0]), first);
    assert_eq!(ours[0]["path"], "secrets.txt");
    assert_eq!(ours[0]["line"], 1);
    // 2 versions of secrets.txt + 12 counters; the copy is the first blob again.
    assert_eq!(report["summary"]["history"]["blobs_scanned"], 14);
    assert_eq!(report["summary"]["history"]["commits"], 15);
}

#[test]
fn working_tree_and_history_findings_of_one_secret_are_reported_once() {
    let mut fx = Fixture::new();
    let secret = fx.token();
    let mut repo = fx.repo("r");
    repo.write("app.cfg", &format!("key {secret}\n"));
    let introduced = repo.commit("add");

    let (code, ours, report, _) = fx.scan_json(&[repo.arg()]);
    assert_eq!(code, 1);
    assert_eq!(ours.len(), 1, "{report:#}");
    assert_eq!(ours[0]["path"], "app.cfg");
    assert_eq!(commit_id(&ours[0]), introduced);
    assert_eq!(ours[0]["in_head"], true);
}

#[test]
fn range_reports_only_what_the_pushed_commits_added() {
    let mut fx = Fixture::new();
    let old = fx.token();
    let added_in_file = fx.token();
    let new_file = fx.token();
    let mut repo = fx.repo("r");
    repo.write("settings.cfg", &format!("a = 1\nold {old}\n"));
    let base = repo.commit("base");
    repo.write(
        "settings.cfg",
        &format!("a = 2\nold {old}\nnew {added_in_file}\n"),
    );
    let c1 = repo.commit("tweak settings");
    repo.write("deploy/creds.txt", &format!("{new_file}\n"));
    let c2 = repo.commit("add creds");

    let range = format!("{base}..HEAD");
    let (code, ours, report, _) = fx.scan_json(&["--range", &range, repo.arg()]);
    assert_eq!(code, 1);
    assert_eq!(report["summary"]["history"]["mode"], "range");
    assert_eq!(report["summary"]["history"]["commits"], 2);
    let mut seen: Vec<(String, String)> = ours
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                commit_id(f).to_string(),
            )
        })
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        vec![
            ("deploy/creds.txt".to_string(), c2.clone()),
            ("settings.cfg".to_string(), c1.clone())
        ],
        "{report:#}"
    );
    let settings = ours.iter().find(|f| f["path"] == "settings.cfg").unwrap();
    assert_eq!(settings["line"], 3);
    // Working-tree files are not part of a range scan.
    assert_eq!(report["summary"]["files_scanned"], 0);

    // --since is REV..HEAD.
    let (code, since, _, _) = fx.scan_json(&["--since", &base, repo.arg()]);
    assert_eq!(code, 1);
    assert_eq!(since.len(), 2);

    // An empty range is clean.
    let (code, none, _, _) = fx.scan_json(&["--since", "HEAD", repo.arg()]);
    assert_eq!(code, 0);
    assert!(none.is_empty());

    // An unknown base is an error with the fix, never a clean result.
    let out = fx.scan(&["--range", "nosuchref..HEAD", repo.arg()]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("nosuchref"), "{}", out.stderr);
    assert!(out.stderr.contains("fetch-depth: 0"), "{}", out.stderr);
}

#[test]
fn staged_reports_added_lines_of_staged_files_only() {
    let mut fx = Fixture::new();
    let committed = fx.token();
    let staged = fx.token();
    let unstaged = fx.token();
    let new_file = fx.token();
    let mut repo = fx.repo("r");
    repo.write("app.cfg", &format!("one\nold {committed}\n"));
    repo.commit("base");
    // HEAD is pushed (a remote-tracking ref holds it): only what the index adds to it counts.
    // (While HEAD is unpushed its own additions count too, since an amend records them again.)
    repo.git(&["update-ref", "refs/remotes/origin/main", "HEAD"]);

    // Nothing staged: clean, even though HEAD holds a secret.
    let (code, ours, _, _) = fx.scan_json(&["--staged", repo.arg()]);
    assert_eq!(code, 0);
    assert!(ours.is_empty());

    repo.write(
        "app.cfg",
        &format!("one\nold {committed}\nstaged {staged}\n"),
    );
    repo.write("fresh/new.cfg", &format!("{new_file}\n"));
    repo.git(&["add", "app.cfg", "fresh/new.cfg"]);
    repo.write(
        "app.cfg",
        &format!("one\nold {committed}\nstaged {staged}\nunstaged {unstaged}\n"),
    );

    let (code, ours, report, _) = fx.scan_json(&["--staged", repo.arg()]);
    assert_eq!(code, 1);
    let mut places: Vec<(String, u64)> = ours
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    places.sort();
    assert_eq!(
        places,
        vec![("app.cfg".to_string(), 3), ("fresh/new.cfg".to_string(), 1)],
        "{report:#}"
    );
    assert!(ours.iter().all(|f| f.get("commit").is_none()));
    assert_eq!(report["summary"]["history"]["mode"], "staged");

    // From a subdirectory, as a hook might run.
    let sub = repo.path.join("fresh");
    let (code, ours, _, _) = fx.scan_json(&["--staged", sub.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(ours.len(), 2);
}

#[test]
fn shallow_clone_scans_what_exists_and_says_history_is_truncated() {
    let mut fx = Fixture::new();
    let early = fx.token();
    let late = fx.token();
    let mut repo = fx.repo("origin");
    repo.write("early.txt", &format!("{early}\n"));
    let first = repo.commit("early");
    repo.git(&["rm", "-q", "early.txt"]);
    repo.commit("remove early");
    repo.write("late.txt", &format!("{late}\n"));
    repo.commit("late");

    let url = format!("file://{}", repo.path.display());
    let clone = fx.path("shallow");
    git_in(
        fx.dir.path(),
        &["clone", "-q", "--depth", "1", &url, clone.to_str().unwrap()],
        0,
    );
    let (code, ours, report, stderr) = fx.scan_json(&["--git-only", clone.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(ours.len(), 1, "{report:#}");
    assert_eq!(ours[0]["path"], "late.txt");
    assert_eq!(report["summary"]["history"]["truncated"], true);
    assert_eq!(stderr.matches("shallow clone").count(), 1, "{stderr}");
    assert!(stderr.contains("fetch-depth: 0"), "{stderr}");

    // A range reaching past the boundary is an error with the fix.
    let out = fx.scan(&[
        "--range",
        &format!("{first}..HEAD"),
        clone.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(out.stderr.contains("fetch-depth: 0"), "{}", out.stderr);
}

/// Overwrites the loose object of `relative` at HEAD with garbage; returns its id.
fn corrupt_loose_blob(repo: &Repo, relative: &str) -> String {
    let id = repo
        .git(&["rev-parse", &format!("HEAD:{relative}")])
        .trim()
        .to_string();
    let object = repo.path.join(".git/objects").join(&id[..2]).join(&id[2..]);
    let mut perms = std::fs::metadata(&object).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&object, perms).unwrap();
    std::fs::write(&object, b"definitely not zlib").unwrap();
    id
}

#[test]
fn corrupt_loose_object_is_a_warning_with_its_id_and_the_scan_finishes() {
    let mut fx = Fixture::new();
    let secret = fx.token();
    let mut repo = fx.repo("r");
    repo.write("good.txt", &format!("{secret}\n"));
    repo.write("bad.txt", "this blob will be corrupted\n");
    repo.commit("two files");
    let bad = corrupt_loose_blob(&repo, "bad.txt");

    let (code, ours, report, stderr) = fx.scan_json(&["--git-only", repo.arg()]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(ours.len(), 1);
    assert!(stderr.contains(&bad), "{stderr}");
    assert_eq!(report["summary"]["complete"], false);

    // With nothing found, a scan that could not read a blob is exit 2, never clean.
    let mut clean = fx.repo("clean");
    clean.write("bad.txt", "another blob to corrupt\n");
    clean.commit("one file");
    let bad = corrupt_loose_blob(&clean, "bad.txt");
    let out = fx.scan(&["--git-only", clean.arg()]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(out.stdout.contains("INCOMPLETE"), "{}", out.stdout);
    assert!(out.stderr.contains(&bad), "{}", out.stderr);
}

#[test]
fn bare_repository_and_linked_worktree_are_scanned() {
    let mut fx = Fixture::new();
    let secret = fx.token();
    let mut repo = fx.repo("r");
    repo.write("a.txt", &format!("{secret}\n"));
    let introduced = repo.commit("add");
    repo.git(&["rm", "-q", "a.txt"]);
    repo.commit("remove");

    let bare = fx.path("bare.git");
    git_in(
        fx.dir.path(),
        &["clone", "-q", "--bare", repo.arg(), bare.to_str().unwrap()],
        0,
    );
    let (code, ours, _, _) = fx.scan_json(&[bare.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(ours.len(), 1);
    assert_eq!(commit_id(&ours[0]), introduced);

    let linked = fx.path("linked");
    repo.git(&[
        "worktree",
        "add",
        "-q",
        linked.to_str().unwrap(),
        "-b",
        "other",
    ]);
    assert!(
        linked.join(".git").is_file(),
        "a linked worktree has a gitdir: file"
    );
    let (code, ours, _, _) = fx.scan_json(&[linked.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(ours.len(), 1);
    assert_eq!(commit_id(&ours[0]), introduced);
}

#[test]
fn plain_directory_scan_has_no_history_and_git_only_there_is_an_error() {
    let mut fx = Fixture::new();
    let secret = fx.token();
    let dir = fx.path("plain");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("f.txt"), format!("{secret}\n")).unwrap();
    let (code, ours, report, _) = fx.scan_json(&[dir.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(ours.len(), 1);
    assert!(report["summary"].get("history").is_none());
    assert!(ours[0].get("commit").is_none());

    let out = fx.scan(&["--git-only", dir.to_str().unwrap()]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("not a git repository"),
        "{}",
        out.stderr
    );
}

#[test]
fn sarif_carries_commit_properties_fingerprints_and_provenance() {
    let mut fx = Fixture::new();
    let secret = fx.token();
    let mut repo = fx.repo("r");
    // Credentials in the remote URL, made at run time: they must never reach a report.
    let password = fx.token()[7..23].to_string();
    let url = format!("https://user:{password}@git.example.invalid/team/app.git");
    repo.git(&["remote", "add", "origin", &url]);
    repo.write("a.txt", &format!("{secret}\n"));
    let introduced = repo.commit("add");
    let out = fx.scan(&["--format", "sarif", repo.arg()]);
    assert_eq!(out.code, 1);
    let sarif: Value = serde_json::from_str(&out.stdout).expect("SARIF is JSON");
    let run = &sarif["runs"][0];
    let vcp = &run["versionControlProvenance"][0];
    assert_eq!(
        vcp["repositoryUri"],
        "https://git.example.invalid/team/app.git"
    );
    assert_eq!(vcp["revisionId"], introduced.as_str());
    assert_eq!(vcp["branch"], "main");
    assert!(
        !out.stdout.contains(&password),
        "credentials must not leak into reports"
    );
    let result = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == RULE_ID)
        .expect("our result");
    assert_eq!(result["properties"]["commit"]["id"], introduced.as_str());
    assert_eq!(result["properties"]["in_head"], true);
    assert!(result["partialFingerprints"]["leakgateFingerprint/v1"].is_string());
}

#[test]
fn unreadable_head_is_a_warning_and_other_refs_are_still_scanned() {
    let mut fx = Fixture::new();
    let secret = fx.token();
    let mut repo = fx.repo("r");
    repo.write("a.txt", &format!("{secret}\n"));
    repo.commit("add");
    repo.git(&["branch", "keep"]);
    // HEAD names a branch whose ref file holds an id that is not in the repository.
    std::fs::write(
        repo.path.join(".git/refs/heads/main"),
        "1234567890123456789012345678901234567890\n",
    )
    .unwrap();
    let (code, ours, _, stderr) = fx.scan_json(&["--git-only", repo.arg()]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(ours.len(), 1);
    assert!(
        stderr.contains("1234567890123456789012345678901234567890"),
        "{stderr}"
    );
}

#[test]
fn blobs_over_max_file_size_are_skipped_with_a_counted_warning() {
    let mut fx = Fixture::new();
    let secret = fx.token();
    let mut repo = fx.repo("r");
    let mut big = "filler line\n".repeat(200);
    big.push_str(&format!("{secret}\n"));
    repo.write("big.txt", &big);
    repo.write("small.txt", "tiny\n");
    let big_id = {
        repo.commit("files");
        repo.git(&["rev-parse", "HEAD:big.txt"]).trim().to_string()
    };
    let (code, ours, report, stderr) =
        fx.scan_json(&["--git-only", "--max-file-size", "1000", repo.arg()]);
    // An explicit size limit is an opt-out: the scan says it is incomplete and fails closed.
    assert_eq!(code, 2, "{report:#}");
    assert_eq!(report["summary"]["complete"], false);
    assert!(ours.is_empty());
    assert_eq!(report["summary"]["skipped"]["too_large"], 1);
    assert!(stderr.contains(&big_id), "{stderr}");
    assert!(stderr.contains("--max-file-size"), "{stderr}");
}

#[test]
fn directory_that_looks_like_a_repository_but_cannot_be_opened_is_incomplete() {
    let fx = Fixture::new();
    let dir = fx.path("broken");
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    std::fs::write(dir.join(".git/HEAD"), "not a ref\n").unwrap();
    std::fs::write(dir.join("f.txt"), "nothing here\n").unwrap();
    let out = fx.scan(&[dir.to_str().unwrap()]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(
        out.stderr.contains("git history not scanned"),
        "{}",
        out.stderr
    );
}

#[test]
fn config_exclude_applies_to_paths_in_history_too() {
    let mut fx = Fixture::new();
    let in_fixture = fx.token();
    let elsewhere = fx.token();
    let mut repo = fx.repo("r");
    repo.write("fixtures/sample.txt", &format!("{in_fixture}\n"));
    repo.write("src/app.cfg", &format!("{elsewhere}\n"));
    repo.commit("add");
    repo.git(&["rm", "-q", "-r", "fixtures", "src"]);
    repo.commit("remove both");
    std::fs::write(
        fx.path("exclude.yml"),
        format!(
            "rules_files: [{}]\nexclude: [fixtures]\n",
            fx.path("rules.yaml").display()
        ),
    )
    .unwrap();
    let out = Command::cargo_bin("leakgate")
        .unwrap()
        .args(["scan", "--format", "json", "--config"])
        .arg(fx.path("exclude.yml"))
        .arg(repo.arg())
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let paths: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == RULE_ID)
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, vec!["src/app.cfg"], "{report:#}");
}

/// History SARIF (commit properties, `versionControlProvenance`) passes Microsoft's SARIF
/// Multitool with GitHub's rules, when `.ci/run` provides the tool.
#[test]
fn history_sarif_passes_the_sarif_multitool_with_github_rules() {
    let Some(tool) = common::sarif_multitool() else {
        return;
    };
    let mut fx = Fixture::new();
    let secret = fx.token();
    let mut repo = fx.repo("r");
    repo.git(&[
        "remote",
        "add",
        "origin",
        "https://git.example.invalid/team/app.git",
    ]);
    repo.write("a.txt", &format!("{secret}\n"));
    repo.commit("add");
    repo.git(&["rm", "-q", "a.txt"]);
    repo.commit("remove");
    let sarif = fx.path("history.sarif");
    let out = fx.scan(&[
        "--format",
        "sarif",
        "--output",
        sarif.to_str().unwrap(),
        repo.arg(),
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    common::assert_valid_sarif(&tool, &sarif);
}
