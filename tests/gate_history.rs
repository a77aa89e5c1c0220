//! History holds the gate: everything git keeps is read (objects as stored, not as `git
//! replace` shows them; commit and tag messages; every stash entry; linked worktrees' HEADs and
//! indexes; staged blobs), or the scan says it is incomplete (broken refs, a shallow boundary);
//! and neither a `.git` link nor a repository's own config can make the scan read files from
//! elsewhere on the machine. Driven through the real binary on repositories built by each test
//! with the `git` CLI; tokens are generated at test time in a made-up format only this file's
//! rule matches.
//!
//! `LEAKGATE_TEST_BIN=/path/to/leakgate` runs the same tests against another build (to show
//! that they fail on an older one).

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

const RULE_ID: &str = "test-gate-token";

const RULES: &str = r#"rules:
  - id: test-gate-token
    name: Test gate token
    description: Rotate the test token, then remove it.
    severity: high
    keywords: [lgtest_]
    regex: '\b(?P<secret>lgtest_[0-9A-Za-z]{32})\b'
    examples: ["lgtest_0123456789abcdefghijABCDEFGHIJ01"]
"#;

fn leakgate() -> Command {
    let mut cmd = match std::env::var_os("LEAKGATE_TEST_BIN") {
        Some(bin) => Command::new(bin),
        None => Command::cargo_bin("leakgate").expect("binary built"),
    };
    cmd.env_remove("NO_COLOR")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_WORK_TREE");
    cmd.timeout(std::time::Duration::from_secs(120));
    cmd
}

/// A temporary place holding the rules, the config and the repositories of one test.
struct Fixture {
    dir: TempDir,
    seed: u64,
}

struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
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
            seed: 0x6a7e_4151_0000_0010,
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

    /// `leakgate scan --config <fixture config> ARGS`.
    fn scan(&self, args: &[&str]) -> Outcome {
        let mut cmd = leakgate();
        cmd.arg("scan")
            .arg("--config")
            .arg(self.path("leakgate.yml"));
        cmd.args(args);
        run(cmd)
    }

    /// A JSON scan: (exit code, our rule's findings, the whole report, stderr).
    fn scan_json(&self, args: &[&str]) -> (i32, Vec<Value>, Value, String) {
        let mut all = vec!["--format", "json"];
        all.extend_from_slice(args);
        let out = self.scan(&all);
        let (ours, report) = parse(&out);
        (out.code, ours, report, out.stderr)
    }
}

fn run(mut cmd: Command) -> Outcome {
    let output = cmd.output().expect("run leakgate");
    Outcome {
        code: output.status.code().expect("exit code"),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn parse(out: &Outcome) -> (Vec<Value>, Value) {
    let report: Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", out.stdout, out.stderr));
    let ours = report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .filter(|f| f["rule"] == RULE_ID)
        .cloned()
        .collect();
    (ours, report)
}

struct Repo {
    path: PathBuf,
    clock: u64,
}

impl Repo {
    fn git(&self, args: &[&str]) -> String {
        git_in(&self.path, args, self.clock)
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
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
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
        .args(["-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"])
        .args([
            "-c",
            "core.autocrlf=false",
            "-c",
            "protocol.file.allow=always",
        ])
        .args(args)
        .env("GIT_AUTHOR_NAME", "Ada Author")
        .env("GIT_AUTHOR_EMAIL", "ada@example.invalid")
        .env("GIT_COMMITTER_NAME", "Ada Author")
        .env("GIT_COMMITTER_EMAIL", "ada@example.invalid")
        .env("GIT_AUTHOR_DATE", &date)
        .env("GIT_COMMITTER_DATE", &date)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_WORK_TREE")
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

fn paths(findings: &[Value]) -> Vec<String> {
    let mut v: Vec<String> = findings
        .iter()
        .map(|f| f["path"].as_str().unwrap_or_default().to_string())
        .collect();
    v.sort();
    v
}

// ---- git replace ----------------------------------------------------------------------------

#[test]
fn a_replace_ref_does_not_hide_the_commit_it_replaces() {
    let mut fx = Fixture::new();
    let secret = fx.token();
    let mut repo = fx.repo("r");
    repo.write("README.md", "hello\n");
    let start = repo.commit("start");
    repo.write("deploy.cfg", &format!("TOKEN {secret}\n"));
    let leaky = repo.commit("add deploy config");
    repo.git(&["rm", "-q", "deploy.cfg"]);
    repo.commit("remove deploy config");
    // A clean stand-in for the leaky commit: same parent, the parent's tree.
    let tree = repo.git(&["rev-parse", &format!("{start}^{{tree}}")]);
    let clean = repo
        .git(&[
            "commit-tree",
            tree.trim(),
            "-p",
            &start,
            "-m",
            "add deploy config",
        ])
        .trim()
        .to_string();
    repo.git(&["replace", &leaky, &clean]);
    // git itself now shows no secret anywhere in history.
    let log = repo.git(&["log", "--all", "-p"]);
    assert!(!log.contains(&secret));

    let (code, ours, report, _) = fx.scan_json(&["--git-only", repo.arg()]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(paths(&ours), vec!["deploy.cfg"], "{report:#}");
    assert_eq!(ours[0]["commit"]["id"], leaky.as_str());
}

#[test]
fn a_replacement_object_is_scanned_too() {
    let mut fx = Fixture::new();
    let secret = fx.token();
    let mut repo = fx.repo("r");
    repo.write("README.md", "hello\n");
    let start = repo.commit("start");
    repo.write("README.md", "hello again\n");
    let original = repo.commit("edit");
    // The replacement holds a secret that no branch reaches.
    repo.write("extra.cfg", &format!("TOKEN {secret}\n"));
    repo.git(&["add", "extra.cfg"]);
    let tree = repo.git(&["write-tree"]);
    let replacement = repo
        .git(&["commit-tree", tree.trim(), "-p", &start, "-m", "edit"])
        .trim()
        .to_string();
    repo.git(&["reset", "-q", "--hard", &original]);
    repo.git(&["replace", &original, &replacement]);

    let (code, ours, report, _) = fx.scan_json(&["--git-only", repo.arg()]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(paths(&ours), vec!["extra.cfg"], "{report:#}");
}

// ---- commit and tag messages ------------------------------------------------------------------

#[test]
fn a_secret_in_a_commit_message_is_a_finding_at_that_commit() {
    let mut fx = Fixture::new();
    let secret = fx.token();
    let mut repo = fx.repo("r");
    repo.write("README.md", "hello\n");
    repo.commit("start");
    repo.write("README.md", "hello again\n");
    let leaky = repo.commit(&format!("Fix deploy\n\nused token {secret} to test\n"));
    repo.write("README.md", "bye\n");
    repo.commit("later");

    for args in [vec!["--git-only"], vec![]] {
        let mut all = args.clone();
        all.push(repo.arg());
        let out = fx.scan(&[&["--format", "json"][..], &all[..]].concat());
        let (ours, report) = parse(&out);
        assert_eq!(out.code, 1, "{report:#}");
        assert_eq!(ours.len(), 1, "{report:#}");
        let f = &ours[0];
        assert_eq!(f["path"], "<commit message>");
        assert_eq!(f["line"], 3);
        assert_eq!(f["commit"]["id"], leaky.as_str());
        assert!(!out.stdout.contains(&secret), "secret printed in full");
    }
    // A range holding that commit reports it too (what a pull request's scan reads).
    let (code, ours, report, _) = fx.scan_json(&["--range", "HEAD~2..HEAD", repo.arg()]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(paths(&ours), vec!["<commit message>"]);
    // Human output locates it without printing the secret.
    let out = fx.scan(&[repo.arg()]);
    assert_eq!(out.code, 1);
    assert!(out.stdout.contains("<commit message>"), "{}", out.stdout);
    assert!(!out.stdout.contains(&secret), "{}", out.stdout);
}

#[test]
fn a_secret_in_an_annotated_tag_message_is_found() {
    let mut fx = Fixture::new();
    let secret = fx.token();
    let mut repo = fx.repo("r");
    repo.write("README.md", "hello\n");
    repo.commit("start");
    repo.git(&[
        "tag",
        "-a",
        "v1.0",
        "-m",
        &format!("Release\n\nkey: {secret}\n"),
    ]);

    let (code, ours, report, _) = fx.scan_json(&["--git-only", repo.arg()]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(paths(&ours), vec!["<tag message: v1.0>"], "{report:#}");
    assert_eq!(ours[0]["line"], 3);
}

// ---- stash, linked worktrees, the index ------------------------------------------------------

#[test]
fn every_stash_entry_is_scanned_not_only_the_newest() {
    let mut fx = Fixture::new();
    let secret = fx.token();
    let mut repo = fx.repo("r");
    repo.write("app.cfg", "name = app\n");
    repo.commit("start");
    repo.write("app.cfg", &format!("name = app\ntoken = {secret}\n"));
    repo.git(&["stash", "-q"]);
    repo.write("app.cfg", "name = renamed\n");
    repo.git(&["stash", "-q"]);
    assert_eq!(repo.git(&["stash", "list"]).lines().count(), 2);

    let (code, ours, report, _) = fx.scan_json(&["--git-only", repo.arg()]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(paths(&ours), vec!["app.cfg"], "{report:#}");
}

#[test]
fn a_commit_only_a_linked_worktrees_detached_head_reaches_is_scanned() {
    let mut fx = Fixture::new();
    let secret = fx.token();
    let mut repo = fx.repo("r");
    repo.write("README.md", "hello\n");
    repo.commit("start");
    let wt = fx.path("wt");
    repo.git(&["worktree", "add", "-q", "--detach", wt.to_str().unwrap()]);
    std::fs::write(wt.join("wt.cfg"), format!("TOKEN {secret}\n")).unwrap();
    git_in(&wt, &["add", "wt.cfg"], 5);
    git_in(&wt, &["commit", "-q", "-m", "detached work"], 5);
    let detached = git_in(&wt, &["rev-parse", "HEAD"], 5).trim().to_string();

    let (code, ours, report, _) = fx.scan_json(&["--git-only", repo.arg()]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(paths(&ours), vec!["wt.cfg"], "{report:#}");
    assert_eq!(ours[0]["commit"]["id"], detached.as_str());
}

#[test]
fn a_blob_staged_but_never_committed_is_scanned() {
    let mut fx = Fixture::new();
    let secret = fx.token();
    let other = fx.token();
    let mut repo = fx.repo("r");
    repo.write("README.md", "hello\n");
    repo.commit("start");
    // Staged, then deleted from the working tree: only the index holds it.
    repo.write("staged.cfg", &format!("TOKEN {secret}\n"));
    repo.git(&["add", "staged.cfg"]);
    std::fs::remove_file(repo.path.join("staged.cfg")).unwrap();
    // The same in a linked worktree's own index.
    let wt = fx.path("wt");
    repo.git(&["worktree", "add", "-q", "--detach", wt.to_str().unwrap()]);
    std::fs::write(wt.join("wt-staged.cfg"), format!("TOKEN {other}\n")).unwrap();
    git_in(&wt, &["add", "wt-staged.cfg"], 5);
    std::fs::remove_file(wt.join("wt-staged.cfg")).unwrap();

    for args in [vec!["--git-only"], vec![]] {
        let mut all = vec!["--format", "json"];
        all.extend(args);
        all.push(repo.arg());
        let out = fx.scan(&all);
        let (ours, report) = parse(&out);
        assert_eq!(out.code, 1, "{report:#}");
        assert_eq!(
            paths(&ours),
            vec!["staged.cfg", "wt-staged.cfg"],
            "{report:#}"
        );
        assert!(ours.iter().all(|f| f.get("commit").is_none()), "{report:#}");
    }
}

// ---- refs that cannot be read, shallow clones ------------------------------------------------

fn clean_repo(fx: &Fixture) -> Repo {
    let mut repo = fx.repo("r");
    repo.write("README.md", "hello\n");
    repo.commit("start");
    repo.write("README.md", "hello again\n");
    repo.commit("second");
    repo
}

#[test]
fn a_corrupt_loose_ref_makes_the_scan_incomplete() {
    let fx = Fixture::new();
    let repo = clean_repo(&fx);
    std::fs::write(
        repo.path.join(".git/refs/heads/broken"),
        "not an object id\n",
    )
    .unwrap();

    let (code, ours, report, stderr) = fx.scan_json(&["--git-only", repo.arg()]);
    assert!(ours.is_empty());
    assert_eq!(code, 2, "{report:#}\n{stderr}");
    assert_eq!(report["summary"]["complete"], false, "{report:#}");
    assert!(stderr.contains("refs/heads/broken"), "{stderr}");
}

#[test]
fn a_loose_ref_naming_a_missing_object_makes_the_scan_incomplete() {
    let fx = Fixture::new();
    let repo = clean_repo(&fx);
    std::fs::write(
        repo.path.join(".git/refs/heads/gone"),
        "0123456789abcdef0123456789abcdef01234567\n",
    )
    .unwrap();
    let (code, _, report, stderr) = fx.scan_json(&["--git-only", repo.arg()]);
    assert_eq!(code, 2, "{report:#}\n{stderr}");
    assert_eq!(report["summary"]["complete"], false, "{report:#}");
}

#[test]
fn a_corrupt_packed_refs_line_makes_the_scan_incomplete() {
    let fx = Fixture::new();
    let repo = clean_repo(&fx);
    repo.git(&["branch", "feature"]);
    repo.git(&["pack-refs", "--all"]);
    let packed = repo.path.join(".git/packed-refs");
    let mut text = std::fs::read_to_string(&packed).unwrap();
    text.push_str("zzzz-this-is-not-a-packed-ref refs/heads/evil\n");
    std::fs::write(&packed, text).unwrap();

    let (code, ours, report, stderr) = fx.scan_json(&["--git-only", repo.arg()]);
    assert!(ours.is_empty());
    assert_eq!(code, 2, "{report:#}\n{stderr}");
    assert_eq!(report["summary"]["complete"], false, "{report:#}");
}

#[test]
fn a_full_history_scan_of_a_shallow_clone_is_incomplete() {
    let mut fx = Fixture::new();
    let early = fx.token();
    let mut repo = fx.repo("origin");
    repo.write("early.txt", &format!("{early}\n"));
    repo.commit("early");
    repo.git(&["rm", "-q", "early.txt"]);
    repo.commit("remove early");
    repo.write("README.md", "clean\n");
    repo.commit("late");
    let url = format!("file://{}", repo.path.display());
    let clone = fx.path("shallow");
    git_in(
        fx.dir.path(),
        &["clone", "-q", "--depth", "1", &url, clone.to_str().unwrap()],
        0,
    );

    let (code, ours, report, stderr) = fx.scan_json(&["--git-only", clone.to_str().unwrap()]);
    assert!(ours.is_empty(), "{report:#}");
    assert_eq!(report["summary"]["history"]["truncated"], true);
    assert_eq!(report["summary"]["complete"], false, "{report:#}");
    assert_eq!(code, 2, "the gate stays closed: {stderr}");
    // SARIF says so too.
    let out = fx.scan(&["--git-only", "--format", "sarif", clone.to_str().unwrap()]);
    assert_eq!(out.code, 2);
    let sarif: Value = serde_json::from_str(&out.stdout).expect("SARIF is JSON");
    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false, "{sarif:#}");
    assert_eq!(invocation["properties"]["complete"], false, "{sarif:#}");
    // The human report says so in its verdict.
    let out = fx.scan(&["--git-only", clone.to_str().unwrap()]);
    assert_eq!(out.code, 2);
    assert!(out.stdout.contains("INCOMPLETE"), "{}", out.stdout);
    assert!(out.stdout.contains("shallow"), "{}", out.stdout);
}

// ---- .git links -------------------------------------------------------------------------------

/// A repository elsewhere on the machine, with a secret in its history.
fn elsewhere(fx: &mut Fixture) -> (Repo, String) {
    let secret = fx.token();
    let mut other = fx.repo("elsewhere");
    other.write("private.cfg", &format!("TOKEN {secret}\n"));
    other.commit("private");
    (other, secret)
}

#[test]
fn a_git_file_pointing_at_an_unrelated_repository_is_refused() {
    let mut fx = Fixture::new();
    let (other, _) = elsewhere(&mut fx);
    let victim = fx.path("project");
    std::fs::create_dir_all(&victim).unwrap();
    std::fs::write(victim.join("app.txt"), "hello\n").unwrap();
    std::fs::write(
        victim.join(".git"),
        format!("gitdir: {}\n", other.path.join(".git").display()),
    )
    .unwrap();

    for args in [vec![], vec!["--git-only"]] {
        let mut all = args.clone();
        all.push(victim.to_str().unwrap());
        let out = fx.scan(&all);
        assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
        assert!(!out.stdout.contains("private.cfg"), "{}", out.stdout);
        assert_eq!(out.stderr.trim().lines().count(), 1, "{}", out.stderr);
        assert!(out.stderr.contains(".git"), "{}", out.stderr);
    }
}

#[cfg(unix)]
#[test]
fn a_git_symlink_to_an_unrelated_repository_is_refused() {
    let mut fx = Fixture::new();
    let (other, _) = elsewhere(&mut fx);
    let victim = fx.path("project");
    std::fs::create_dir_all(&victim).unwrap();
    std::fs::write(victim.join("app.txt"), "hello\n").unwrap();
    std::os::unix::fs::symlink(other.path.join(".git"), victim.join(".git")).unwrap();

    let out = fx.scan(&[victim.to_str().unwrap()]);
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    assert!(!out.stdout.contains("private.cfg"), "{}", out.stdout);
    assert!(out.stderr.contains(".git"), "{}", out.stderr);
}

#[test]
fn linked_worktrees_and_submodules_are_still_scanned() {
    let mut fx = Fixture::new();
    let secret = fx.token();
    let sub_secret = fx.token();
    let mut repo = fx.repo("r");
    repo.write("app.cfg", &format!("TOKEN {secret}\n"));
    repo.commit("start");
    let wt = fx.path("wt");
    repo.git(&["worktree", "add", "-q", "-b", "side", wt.to_str().unwrap()]);
    let (code, ours, report, stderr) = fx.scan_json(&["--git-only", wt.to_str().unwrap()]);
    assert_eq!(code, 1, "{report:#}\n{stderr}");
    assert_eq!(paths(&ours), vec!["app.cfg"]);

    let mut lib = fx.repo("lib");
    lib.write("lib.cfg", &format!("TOKEN {sub_secret}\n"));
    lib.commit("lib");
    repo.git(&["submodule", "add", "-q", lib.arg(), "vendor/lib"]);
    repo.commit("add submodule");
    let sub = repo.path.join("vendor/lib");
    assert!(sub.join(".git").is_file());
    let (code, ours, report, stderr) = fx.scan_json(&["--git-only", sub.to_str().unwrap()]);
    assert_eq!(code, 1, "{report:#}\n{stderr}");
    assert_eq!(paths(&ours), vec!["lib.cfg"]);
}

// ---- config paths must stay inside the scanned root --------------------------------------------

/// A project whose own `.leakgate.yml` says `config`, with a rules file of its own, and a
/// folder outside it holding a rules file and a built bundle with a secret.
fn project_with_config(fx: &mut Fixture, config: &str) -> (PathBuf, PathBuf) {
    let root = fx.path("project");
    let outside = fx.path("outside");
    std::fs::create_dir_all(root.join("rules")).unwrap();
    std::fs::create_dir_all(outside.join("dist")).unwrap();
    std::fs::write(root.join("rules/ours.yaml"), RULES).unwrap();
    std::fs::write(
        outside.join("rules.yaml"),
        RULES.replace("test-gate", "test-outside"),
    )
    .unwrap();
    let secret = fx.token();
    std::fs::write(
        outside.join("dist/app.js"),
        format!("const key = \"{secret}\";\n"),
    )
    .unwrap();
    std::fs::write(root.join("index.txt"), "hello\n").unwrap();
    std::fs::write(
        root.join(".leakgate.yml"),
        config.replace("OUTSIDE", outside.to_str().unwrap()),
    )
    .unwrap();
    (root, outside)
}

fn scan_project(root: &Path) -> Outcome {
    let mut cmd = leakgate();
    cmd.arg("scan").arg("--format").arg("json").arg(root);
    run(cmd)
}

fn assert_refused(out: &Outcome, key: &str) {
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert_eq!(out.stderr.trim().lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.contains(key), "{}", out.stderr);
    assert!(out.stderr.contains("outside"), "{}", out.stderr);
}

#[test]
fn config_rules_files_outside_the_root_are_refused() {
    let mut fx = Fixture::new();
    let (root, _) = project_with_config(&mut fx, "rules_files: ['OUTSIDE/rules.yaml']\n");
    assert_refused(&scan_project(&root), "rules_files");

    let mut fx = Fixture::new();
    let (root, _) = project_with_config(&mut fx, "rules_files: ['../outside/rules.yaml']\n");
    assert_refused(&scan_project(&root), "rules_files");
}

#[test]
fn config_bundle_dirs_outside_the_root_are_refused() {
    let mut fx = Fixture::new();
    let (root, _) = project_with_config(
        &mut fx,
        "rules_files: [rules/ours.yaml]\nbundle_dirs: ['../outside/dist']\n",
    );
    assert_refused(&scan_project(&root), "bundle_dirs");

    let mut fx = Fixture::new();
    let (root, _) = project_with_config(
        &mut fx,
        "rules_files: [rules/ours.yaml]\nbundle_dirs: ['OUTSIDE/dist']\n",
    );
    assert_refused(&scan_project(&root), "bundle_dirs");
}

#[cfg(unix)]
#[test]
fn config_paths_that_escape_through_a_symlink_are_refused() {
    let mut fx = Fixture::new();
    let (root, outside) = project_with_config(&mut fx, "rules_files: [rules/link.yaml]\n");
    std::os::unix::fs::symlink(outside.join("rules.yaml"), root.join("rules/link.yaml")).unwrap();
    assert_refused(&scan_project(&root), "rules_files");

    let mut fx = Fixture::new();
    let (root, outside) = project_with_config(
        &mut fx,
        "rules_files: [rules/ours.yaml]\nbundle_dirs: [built]\n",
    );
    std::os::unix::fs::symlink(outside.join("dist"), root.join("built")).unwrap();
    assert_refused(&scan_project(&root), "bundle_dirs");
}

#[test]
fn config_paths_inside_the_root_still_work() {
    let mut fx = Fixture::new();
    let (root, _) = project_with_config(
        &mut fx,
        "rules_files: [rules/ours.yaml]\nbundle_dirs: [not-built-yet]\nexclude: [rules]\n",
    );
    let secret = fx.token();
    std::fs::write(root.join("app.cfg"), format!("TOKEN {secret}\n")).unwrap();
    let out = scan_project(&root);
    let (ours, report) = parse(&out);
    assert_eq!(out.code, 1, "{report:#}\n{}", out.stderr);
    assert_eq!(paths(&ours), vec!["app.cfg"]);
}

#[test]
fn scanned_from_a_linked_worktree_the_main_worktrees_head_and_index_count_too() {
    let mut fx = Fixture::new();
    let committed = fx.token();
    let staged = fx.token();
    let mut repo = fx.repo("r");
    repo.write("README.md", "hello\n");
    repo.commit("start");
    let wt = fx.path("wt");
    repo.git(&["worktree", "add", "-q", "-b", "side", wt.to_str().unwrap()]);
    // The main work tree leaves its branch: a detached commit, then a staged-only file.
    repo.git(&["checkout", "-q", "--detach"]);
    repo.write("main.cfg", &format!("TOKEN {committed}\n"));
    repo.commit("detached in main");
    repo.write("main-staged.cfg", &format!("TOKEN {staged}\n"));
    repo.git(&["add", "main-staged.cfg"]);
    std::fs::remove_file(repo.path.join("main-staged.cfg")).unwrap();

    let (code, ours, report, _) = fx.scan_json(&["--git-only", wt.to_str().unwrap()]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(
        paths(&ours),
        vec!["main-staged.cfg", "main.cfg"],
        "{report:#}"
    );
}
