//! The hooks see what git is about to record: every form of `git commit` (which hands the
//! pre-commit hook a temporary index in `GIT_INDEX_FILE`), linked worktrees, `--git-dir`, an
//! amend, and every kind of `git push` (update, new branch, force push, delete). Each test runs
//! a REAL git command with the installed hook against a repository built here, and checks both
//! that a secret blocks (non-zero, nothing recorded) and that clean work passes.

use crate::common::{Tokens, leakgate, write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The directory holding the binary under test, put first on PATH so the hook runs it.
fn bin_dir() -> PathBuf {
    let bin = assert_cmd::cargo::cargo_bin("leakgate");
    bin.parent()
        .expect("the binary is in a folder")
        .to_path_buf()
}

/// `git` with no user or system config and none of an outer hook's environment, so a test
/// behaves the same when `cargo test` itself runs inside a git hook.
fn git_cmd(dir: &Path) -> Command {
    let path = format!(
        "{}:{}",
        bin_dir().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = Command::new("git");
    cmd.current_dir(dir)
        .env("PATH", path)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("PRE_COMMIT")
        .env_remove("PRE_COMMIT_TO_REF")
        .env_remove("PRE_COMMIT_FROM_REF")
        .env_remove("NO_COLOR")
        .env_remove("GITHUB_ACTIONS");
    cmd
}

fn run(dir: &Path, args: &[&str]) -> Output {
    git_cmd(dir).args(args).output().expect("git runs")
}

/// A git command that must succeed (setup steps).
fn git(dir: &Path, args: &[&str]) -> String {
    let out = run(dir, args);
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn rev(dir: &Path, spec: &str) -> String {
    git(dir, &["rev-parse", spec])
}

/// A repository on `main` with one clean commit and the hook(s) installed.
fn repo_with_hooks(root: &Path, name: &str) -> PathBuf {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    git(&dir, &["init", "-q", "-b", "main"]);
    write(&dir, "app.js", "const greeting = 'hello';\n");
    write(&dir, "README.md", "# demo\n");
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-qm", "first"]);
    for extra in [&[][..], &["--pre-push"][..]] {
        leakgate()
            .arg("install-hook")
            .args(extra)
            .arg(&dir)
            .assert()
            .code(0);
    }
    dir
}

fn secret_line(t: &mut Tokens) -> (String, String) {
    let token = t.github_pat();
    (format!("const token = '{token}';\n"), token)
}

/// The command must fail, leave `HEAD` (or the ref) where it was, say why, and never print the
/// secret.
fn assert_blocked(out: &Output, token: &str, what: &str) {
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success(), "{what} must be blocked:\n{all}");
    assert!(all.contains("leakgate blocked this"), "{what}:\n{all}");
    assert!(!all.contains(token), "{what} printed the secret:\n{all}");
}

fn assert_passed(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} must pass:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs a `git commit` form that must be blocked, then checks nothing was committed.
fn commit_blocked(dir: &Path, args: &[&str], token: &str) {
    let before = rev(dir, "HEAD");
    let out = run(dir, args);
    assert_blocked(&out, token, &format!("git {args:?}"));
    assert_eq!(rev(dir, "HEAD"), before, "git {args:?} made a commit");
}

#[test]
fn commit_all_scans_the_temporary_index_git_hands_the_hook() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = repo_with_hooks(tmp.path(), "r");
    let (line, token) = secret_line(&mut Tokens::new(1001));
    // Tracked and changed, never `git add`ed: only `-a` puts it in the commit.
    write(&dir, "app.js", &line);
    commit_blocked(&dir, &["commit", "-qam", "all"], &token);
    write(&dir, "app.js", "const greeting = 'hi';\n");
    assert_passed(
        &run(&dir, &["commit", "-qam", "clean"]),
        "a clean commit -a",
    );
}

#[test]
fn commit_with_paths_only_and_include_scan_what_they_commit() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = repo_with_hooks(tmp.path(), "r");
    let mut t = Tokens::new(1002);
    let (line, token) = secret_line(&mut t);
    write(&dir, "app.js", &line);
    // `git commit <paths>` and `--only <paths>`: the named files as they are on disk.
    commit_blocked(&dir, &["commit", "-qm", "paths", "app.js"], &token);
    commit_blocked(&dir, &["commit", "-qm", "only", "--only", "app.js"], &token);
    // `--include`: what is staged plus the named files.
    write(&dir, "README.md", "# demo, staged\n");
    git(&dir, &["add", "README.md"]);
    commit_blocked(
        &dir,
        &["commit", "-qm", "include", "--include", "app.js"],
        &token,
    );
    // A subdirectory: git runs the hook at the top with a path relative to it.
    let sub = dir.join("src");
    write(&sub, "deep.js", "const a = 1;\n");
    git(&dir, &["add", "src/deep.js"]);
    git(&dir, &["commit", "-qm", "deep", "--no-verify"]);
    write(&sub, "deep.js", &line);
    commit_blocked(&sub, &["commit", "-qm", "from sub", "deep.js"], &token);
    // The clean forms pass.
    write(&dir, "app.js", "const greeting = 'hey';\n");
    write(&sub, "deep.js", "const a = 2;\n");
    assert_passed(
        &run(&dir, &["commit", "-qm", "clean paths", "app.js"]),
        "a clean commit <paths>",
    );
    assert_passed(
        &run(
            &dir,
            &["commit", "-qm", "clean include", "-i", "src/deep.js"],
        ),
        "a clean commit --include",
    );
}

#[test]
fn a_linked_worktree_commit_reads_that_worktrees_index() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = repo_with_hooks(tmp.path(), "r");
    let wt = tmp.path().join("wt");
    git(
        &dir,
        &["worktree", "add", "-q", "-b", "topic", wt.to_str().unwrap()],
    );
    let mut t = Tokens::new(1003);
    let (line, token) = secret_line(&mut t);
    write(&wt, "app.js", &line);
    commit_blocked(&wt, &["commit", "-qam", "wt all"], &token);
    git(&wt, &["add", "app.js"]);
    commit_blocked(&wt, &["commit", "-qm", "wt staged"], &token);
    // The main worktree's index has nothing staged: its own commits are not blocked by the
    // other worktree's.
    write(&dir, "README.md", "# demo 2\n");
    assert_passed(
        &run(&dir, &["commit", "-qam", "main clean"]),
        "a clean commit in the main worktree",
    );
    write(&wt, "app.js", "const greeting = 'wt';\n");
    git(&wt, &["add", "app.js"]);
    assert_passed(
        &run(&wt, &["commit", "-qm", "wt clean"]),
        "a clean commit in the linked worktree",
    );
}

#[test]
fn git_dir_and_work_tree_given_to_git_reach_the_hook() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = repo_with_hooks(tmp.path(), "r");
    let (line, token) = secret_line(&mut Tokens::new(1004));
    write(&dir, "app.js", &line);
    // Run from outside the work tree: git sets GIT_DIR=.git and GIT_WORK_TREE=. for the hook.
    let before = rev(&dir, "HEAD");
    let out = run(
        tmp.path(),
        &["--git-dir=r/.git", "--work-tree=r", "commit", "-qam", "gd"],
    );
    assert_blocked(&out, &token, "commit with --git-dir");
    assert_eq!(rev(&dir, "HEAD"), before);
}

#[test]
fn amending_an_unpushed_commit_that_holds_a_secret_is_blocked() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = repo_with_hooks(tmp.path(), "r");
    let (line, token) = secret_line(&mut Tokens::new(1005));
    // The secret got into HEAD past the hook (`--no-verify`); amending it (even only the
    // message, with the index unchanged) would record that commit again.
    write(&dir, "app.js", &line);
    git(&dir, &["commit", "-qam", "oops", "--no-verify"]);
    commit_blocked(&dir, &["commit", "-q", "--amend", "-m", "reworded"], &token);
    commit_blocked(&dir, &["commit", "-q", "--amend", "--no-edit"], &token);
    // Taking it out and amending passes.
    write(&dir, "app.js", "const greeting = 'fixed';\n");
    assert_passed(
        &run(&dir, &["commit", "-qa", "--amend", "--no-edit"]),
        "an amend that removes the secret",
    );
    // A clean amend of a clean commit passes.
    write(&dir, "README.md", "# demo, amended\n");
    assert_passed(
        &run(&dir, &["commit", "-qa", "--amend", "-m", "clean amend"]),
        "a clean amend",
    );
}

#[test]
fn once_head_is_pushed_only_what_the_index_adds_counts() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = repo_with_hooks(tmp.path(), "r");
    let (line, token) = secret_line(&mut Tokens::new(1011));
    write(&dir, "app.js", &line);
    git(&dir, &["commit", "-qam", "legacy", "--no-verify"]);
    write(&dir, "README.md", "# later\n");
    git(&dir, &["commit", "-qam", "later", "--no-verify"]);
    // A remote-tracking ref holds a descendant of the secret's commit: it is pushed.
    git(&dir, &["update-ref", "refs/remotes/origin/main", "HEAD"]);
    git(&dir, &["checkout", "-q", "HEAD~1"]);
    write(&dir, "other.txt", "clean\n");
    git(&dir, &["add", "other.txt"]);
    assert_passed(
        &run(&dir, &["commit", "-qm", "on a pushed commit"]),
        "a clean commit on top of a pushed HEAD",
    );
    // The new HEAD is unpushed but did not add the secret: still clean.
    write(&dir, "other.txt", "cleaner\n");
    assert_passed(
        &run(&dir, &["commit", "-qam", "again"]),
        "a clean commit on an unpushed clean HEAD",
    );
    // Adding a secret is still blocked.
    write(&dir, "other.txt", &line);
    commit_blocked(&dir, &["commit", "-qam", "new secret"], &token);
}

#[test]
fn a_named_index_that_is_missing_or_relative_is_handled() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = repo_with_hooks(tmp.path(), "r");
    let (line, token) = secret_line(&mut Tokens::new(1006));
    // An index of its own, written by git through a relative GIT_INDEX_FILE.
    write(&dir, "app.js", &line);
    let out = git_cmd(&dir)
        .env("GIT_INDEX_FILE", ".git/other-index")
        .args(["add", "app.js"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let scan = |index: &str| {
        leakgate()
            .args(["scan", "--staged"])
            .current_dir(&dir)
            .env_remove("GIT_DIR")
            .env("GIT_INDEX_FILE", index)
            .output()
            .unwrap()
    };
    let out = scan(".git/other-index");
    assert_eq!(
        out.status.code(),
        Some(1),
        "the named index holds the secret"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains(&token));
    // The default index has nothing staged.
    let out = leakgate()
        .args(["scan", "--staged"])
        .current_dir(&dir)
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_DIR")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    // A named index that does not exist, or is not an index, is an error: never "clean".
    let out = scan(".git/no-such-index");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("index") && stderr.lines().count() == 1,
        "{stderr}"
    );
    write(&dir, ".git/garbage-index", "DIRC not really an index");
    assert_eq!(scan(".git/garbage-index").status.code(), Some(2));
}

/// An index damaged on disk (one byte of a staged file's entry flipped, so its checksum no
/// longer matches) is an error naming the index, never "nothing staged": the default index
/// (read afresh, not copied from the repository's) and one named by `GIT_INDEX_FILE` alike.
#[test]
fn a_damaged_index_fails_closed_with_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = repo_with_hooks(tmp.path(), "r");
    let (line, token) = secret_line(&mut Tokens::new(1007));
    write(&dir, "app.js", &line);
    git(&dir, &["add", "app.js"]);
    let index = dir.join(".git/index");
    let mut bytes = std::fs::read(&index).unwrap();
    let at = bytes
        .windows(b"app.js".len())
        .position(|w| w == b"app.js")
        .expect("the index names the staged file");
    bytes[at] ^= 0x20;
    std::fs::write(dir.join(".git/damaged-index"), &bytes).unwrap();
    std::fs::write(&index, &bytes).unwrap();
    for named in [None, Some(".git/damaged-index")] {
        let mut cmd = leakgate();
        cmd.args(["scan", "--staged"])
            .current_dir(&dir)
            .env_remove("GIT_DIR")
            .env_remove("GIT_INDEX_FILE");
        if let Some(named) = named {
            cmd.env("GIT_INDEX_FILE", named);
        }
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{named:?}: {stderr}");
        assert!(
            stderr.contains("index") && stderr.lines().count() == 1,
            "{named:?}: {stderr}"
        );
        assert!(!String::from_utf8_lossy(&out.stdout).contains(&token));
    }
}

/// A bare "remote", cloned, with both hooks installed in the clone.
fn remote_and_clone(root: &Path) -> (PathBuf, PathBuf) {
    let seed = repo_with_hooks(root, "seed");
    let bare = root.join("remote.git");
    git(
        root,
        &["clone", "-q", "--bare", "seed", bare.to_str().unwrap()],
    );
    let clone = root.join("clone");
    git(
        root,
        &[
            "clone",
            "-q",
            bare.to_str().unwrap(),
            clone.to_str().unwrap(),
        ],
    );
    for extra in [&[][..], &["--pre-push"][..]] {
        leakgate()
            .arg("install-hook")
            .args(extra)
            .arg(&clone)
            .assert()
            .code(0);
    }
    let _ = seed;
    (bare, clone)
}

/// Three commits, the middle one adding a secret and the last one removing it again: the tip
/// is clean, the push still sends the secret.
fn commits_with_secret_in_the_middle(dir: &Path, t: &mut Tokens) -> String {
    let (line, token) = secret_line(t);
    write(dir, "one.txt", "one\n");
    git(dir, &["add", "."]);
    git(dir, &["commit", "-qm", "one"]);
    write(dir, "app.js", &line);
    git(dir, &["commit", "-qam", "two", "--no-verify"]);
    write(dir, "app.js", "const greeting = 'gone';\n");
    git(dir, &["commit", "-qam", "three"]);
    token
}

fn push_blocked(clone: &Path, bare: &Path, args: &[&str], token: &str, remote_ref: &str) {
    let before = git(
        bare,
        &["for-each-ref", "--format=%(objectname)", remote_ref],
    );
    let out = run(clone, args);
    assert_blocked(&out, token, &format!("git {args:?}"));
    let after = git(
        bare,
        &["for-each-ref", "--format=%(objectname)", remote_ref],
    );
    assert_eq!(before, after, "git {args:?} moved {remote_ref}");
}

#[test]
fn a_push_with_a_secret_in_a_middle_commit_is_blocked_and_a_clean_one_passes() {
    let tmp = tempfile::tempdir().unwrap();
    let (bare, clone) = remote_and_clone(tmp.path());
    let mut t = Tokens::new(1007);
    let token = commits_with_secret_in_the_middle(&clone, &mut t);
    push_blocked(
        &clone,
        &bare,
        &["push", "-q", "origin", "main"],
        &token,
        "refs/heads/main",
    );
    // Rewrite the history without the secret: the push passes.
    git(&clone, &["reset", "-q", "--hard", "origin/main"]);
    write(&clone, "one.txt", "clean\n");
    git(&clone, &["add", "."]);
    git(&clone, &["commit", "-qm", "clean"]);
    assert_passed(
        &run(&clone, &["push", "-q", "origin", "main"]),
        "a clean push",
    );
    assert_eq!(
        rev(&clone, "HEAD"),
        git(&bare, &["rev-parse", "refs/heads/main"])
    );
}

#[test]
fn a_new_branch_is_judged_by_the_commits_no_remote_ref_holds() {
    let tmp = tempfile::tempdir().unwrap();
    let (bare, clone) = remote_and_clone(tmp.path());
    let mut t = Tokens::new(1008);
    // A secret already on the remote (pushed past the hook) is not the new branch's doing.
    let (line, _old) = secret_line(&mut t);
    write(&clone, "legacy.js", &line);
    git(&clone, &["add", "."]);
    git(&clone, &["commit", "-qm", "legacy", "--no-verify"]);
    git(&clone, &["push", "-q", "--no-verify", "origin", "main"]);
    git(&clone, &["checkout", "-q", "-b", "clean-topic"]);
    write(&clone, "b.txt", "b\n");
    git(&clone, &["add", "."]);
    git(&clone, &["commit", "-qm", "b"]);
    assert_passed(
        &run(&clone, &["push", "-q", "origin", "clean-topic"]),
        "a new branch whose own commits are clean",
    );
    git(&clone, &["checkout", "-q", "-b", "topic", "main"]);
    let token = commits_with_secret_in_the_middle(&clone, &mut t);
    push_blocked(
        &clone,
        &bare,
        &["push", "-q", "origin", "topic"],
        &token,
        "refs/heads/topic",
    );
    // Pushed to a new name from a detached commit: the same commits, the same verdict.
    let tip = rev(&clone, "HEAD");
    push_blocked(
        &clone,
        &bare,
        &["push", "-q", "origin", &format!("{tip}:refs/heads/other")],
        &token,
        "refs/heads/other",
    );
}

#[test]
fn a_force_push_is_judged_by_what_it_sends_and_a_delete_sends_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let (bare, clone) = remote_and_clone(tmp.path());
    let mut t = Tokens::new(1009);
    write(&clone, "x.txt", "x\n");
    git(&clone, &["add", "."]);
    git(&clone, &["commit", "-qm", "x"]);
    git(&clone, &["push", "-q", "origin", "main"]);
    // Rewrite: drop the last commit, add commits with a secret in the middle, force push.
    git(&clone, &["reset", "-q", "--hard", "HEAD~1"]);
    let token = commits_with_secret_in_the_middle(&clone, &mut t);
    push_blocked(
        &clone,
        &bare,
        &["push", "-q", "--force", "origin", "main"],
        &token,
        "refs/heads/main",
    );
    // A clean rewrite passes.
    git(&clone, &["reset", "-q", "--hard", "HEAD~3"]);
    write(&clone, "y.txt", "y\n");
    git(&clone, &["add", "."]);
    git(&clone, &["commit", "-qm", "y"]);
    assert_passed(
        &run(&clone, &["push", "-q", "--force", "origin", "main"]),
        "a clean force push",
    );
    // Deleting a branch sends no commit: it passes even though the branch holds a secret.
    git(&clone, &["checkout", "-q", "-b", "doomed"]);
    let _ = commits_with_secret_in_the_middle(&clone, &mut t);
    git(&clone, &["push", "-q", "--no-verify", "origin", "doomed"]);
    git(&clone, &["checkout", "-q", "main"]);
    assert_passed(
        &run(&clone, &["push", "-q", "origin", "--delete", "doomed"]),
        "a delete",
    );
    assert_eq!(
        git(&bare, &["for-each-ref", "refs/heads/doomed"]),
        "",
        "the branch was deleted"
    );
}

#[test]
fn pre_push_input_is_parsed_strictly() {
    let tmp = tempfile::tempdir().unwrap();
    let (_bare, clone) = remote_and_clone(tmp.path());
    let head = rev(&clone, "HEAD");
    let zeros = "0".repeat(40);
    let scan = |stdin: String| {
        leakgate()
            .args(["scan", "--pre-push", "origin", "url"])
            .current_dir(&clone)
            .env_remove("PRE_COMMIT")
            .env_remove("PRE_COMMIT_TO_REF")
            .write_stdin(stdin)
            .output()
            .unwrap()
    };
    for bad in [
        format!("refs/heads/main {head} refs/heads/main\n"),
        format!("refs/heads/main {} refs/heads/main {zeros}\n", &head[..12]),
        "garbage\n".to_string(),
        format!(
            "refs/heads/main {} refs/heads/main {zeros}\n",
            "f".repeat(40)
        ),
    ] {
        let out = scan(bad);
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    }
    // Nothing on stdin: git is pushing nothing.
    assert_eq!(scan(String::new()).status.code(), Some(0));
    // Under the pre-commit framework, its variables name the refs; without them it is an
    // error, since the framework does not pass git's lines on.
    let out = leakgate()
        .args(["scan", "--pre-push"])
        .current_dir(&clone)
        .env("PRE_COMMIT", "1")
        .env_remove("PRE_COMMIT_TO_REF")
        .write_stdin("")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let mut t = Tokens::new(1010);
    let token = commits_with_secret_in_the_middle(&clone, &mut t);
    let out = leakgate()
        .args(["scan", "--pre-push"])
        .current_dir(&clone)
        .env("PRE_COMMIT", "1")
        .env("PRE_COMMIT_FROM_REF", &head)
        .env("PRE_COMMIT_TO_REF", "HEAD")
        .write_stdin("")
        .output()
        .unwrap();
    assert_blocked(&out, &token, "the framework's push");
}

#[test]
fn the_pre_push_hook_installs_and_uninstalls_beside_the_pre_commit_hook() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = repo_with_hooks(tmp.path(), "r");
    let hooks = dir.join(".git/hooks");
    let pre_push = std::fs::read_to_string(hooks.join("pre-push")).unwrap();
    assert!(pre_push.contains("scan --pre-push \"$@\""), "{pre_push}");
    assert!(
        pre_push.contains("exec "),
        "stdin must reach leakgate: {pre_push}"
    );
    leakgate()
        .args(["uninstall-hook", "--pre-push"])
        .arg(&dir)
        .assert()
        .code(0);
    assert!(!hooks.join("pre-push").exists());
    assert!(
        hooks.join("pre-commit").exists(),
        "only the pre-push hook goes"
    );
    // A foreign pre-push hook is kept unless forced.
    std::fs::write(hooks.join("pre-push"), "#!/bin/sh\nexit 0\n").unwrap();
    leakgate()
        .args(["install-hook", "--pre-push"])
        .arg(&dir)
        .assert()
        .code(2);
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-push")).unwrap(),
        "#!/bin/sh\nexit 0\n"
    );
}

/// The pre-commit framework's entries: the pre-push one exists for the pre-push stage, and its
/// command, run the way the framework runs it, blocks a push that sends a secret.
#[test]
fn the_framework_pre_push_entry_runs_the_push_scan() {
    let manifest = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml"),
    )
    .unwrap();
    let entry = manifest
        .split("- id: ")
        .find(|block| block.starts_with("leakgate-pre-push\n"))
        .expect("a leakgate-pre-push hook");
    assert!(entry.contains("stages: [pre-push]"), "{entry}");
    assert!(entry.contains("always_run: true"), "{entry}");
    let command = entry
        .lines()
        .find_map(|l| l.trim().strip_prefix("entry: leakgate "))
        .expect("an entry running leakgate");
    let tmp = tempfile::tempdir().unwrap();
    let (_bare, clone) = remote_and_clone(tmp.path());
    let base = rev(&clone, "HEAD");
    let token = commits_with_secret_in_the_middle(&clone, &mut Tokens::new(1012));
    let framework = |from: &str| {
        leakgate()
            .args(command.split_whitespace())
            .current_dir(&clone)
            .env("PRE_COMMIT", "1")
            .env("PRE_COMMIT_FROM_REF", from)
            .env("PRE_COMMIT_TO_REF", "HEAD")
            .env("PRE_COMMIT_LOCAL_BRANCH", "refs/heads/main")
            .write_stdin("")
            .output()
            .unwrap()
    };
    assert_blocked(&framework(&base), &token, "the framework's update");
    // A new branch (all zeros): judged against the remote-tracking refs.
    assert_blocked(
        &framework(&"0".repeat(40)),
        &token,
        "the framework's new branch",
    );
    // Nothing new: passes.
    assert_passed(
        &leakgate()
            .args(command.split_whitespace())
            .current_dir(&clone)
            .env("PRE_COMMIT", "1")
            .env("PRE_COMMIT_FROM_REF", "HEAD")
            .env("PRE_COMMIT_TO_REF", "HEAD")
            .write_stdin("")
            .output()
            .unwrap(),
        "a framework push of nothing new",
    );
}
