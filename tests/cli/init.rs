//! Setting a repository up: the pre-commit framework's hook with file names (`protect --
//! FILE...`, `pre-commit run --all-files`), `leakgate init`, the JSON Schema of `.leakgate.yml`,
//! shell completions and the man page. The framework tests run the REAL `pre-commit` (installed
//! by `.ci/run`) against repositories built here, with the hook entry read from this
//! repository's `.pre-commit-hooks.yaml`.

use crate::common::{Tokens, git, leakgate, write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A repository on `main` whose one commit holds `committed` (a secret) in `old.js`, with HEAD
/// pushed (a remote-tracking ref holds it): without file names, only what a commit adds counts.
fn repo_with_committed_secret(root: &Path, committed: &str) -> PathBuf {
    let dir = root.join("repo");
    std::fs::create_dir_all(&dir).unwrap();
    git(&dir, &["init", "-q", "-b", "main"]);
    write(&dir, "old.js", format!("const key = '{committed}';\n"));
    write(&dir, "src/clean.js", "export const greeting = 'hello';\n");
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-qm", "first"]);
    git(&dir, &["update-ref", "refs/remotes/origin/main", "HEAD"]);
    dir
}

fn protect(dir: &Path, files: &[&str]) -> Output {
    leakgate()
        .arg("protect")
        .arg("--")
        .args(files)
        .current_dir(dir)
        .output()
        .unwrap()
}

#[test]
fn protect_with_file_names_checks_those_files_whole_as_staged() {
    let mut t = Tokens::new(1201);
    let committed = t.github_pat();
    let tmp = tempfile::tempdir().unwrap();
    let dir = repo_with_committed_secret(tmp.path(), &committed);

    // No names: nothing staged, nothing added.
    let out = protect(&dir, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // Named (what `pre-commit run --all-files` passes): the committed secret is found.
    let out = protect(&dir, &["old.js", "src/clean.js"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let all = text(&out);
    assert!(all.contains("old.js") && all.contains("1:14"), "{all}");
    assert!(all.contains("Already committed"), "{all}");
    assert!(!all.contains(&committed), "printed the secret:\n{all}");
    // The friendly text is the binary's own, whoever runs it.
    assert!(all.contains("leakgate blocked this commit"), "{all}");
    assert!(all.contains(".leakgateignore"), "{all}");
    // A folder names every staged file under it; `.` the whole index.
    assert_eq!(protect(&dir, &["."]).status.code(), Some(1));
    assert_eq!(protect(&dir, &["src"]).status.code(), Some(0));
    // Named from a subdirectory: relative to where leakgate runs.
    let out = leakgate()
        .args(["protect", "--", "../old.js"])
        .current_dir(dir.join("src"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    // A clean file alone passes.
    assert_eq!(protect(&dir, &["src/clean.js"]).status.code(), Some(0));
}

#[test]
fn named_files_are_read_as_the_index_holds_them_and_from_disk_only_when_it_does_not() {
    let mut t = Tokens::new(1202);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("repo");
    std::fs::create_dir_all(&dir).unwrap();
    git(&dir, &["init", "-q", "-b", "main"]);
    write(&dir, "app.js", "const a = 1;\n");
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-qm", "first"]);
    // Staged: a secret. Then taken out on disk but not staged: the commit still records it.
    let staged = t.github_pat();
    write(&dir, "app.js", format!("const a = '{staged}';\n"));
    git(&dir, &["add", "app.js"]);
    write(&dir, "app.js", "const a = 1;\n");
    let out = protect(&dir, &["app.js"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    // The reverse: clean in the index, a secret only on disk (not committed): passes.
    git(&dir, &["add", "app.js"]);
    write(&dir, "app.js", format!("const a = '{}';\n", t.github_pat()));
    assert_eq!(protect(&dir, &["app.js"]).status.code(), Some(0));
    // A file the index does not hold is read from disk.
    let untracked = t.github_pat();
    write(&dir, "new.env.js", format!("const b = '{untracked}';\n"));
    let out = protect(&dir, &["new.env.js"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(!text(&out).contains(&untracked));
}

#[test]
fn a_named_env_file_gets_the_env_checks_too() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("repo");
    std::fs::create_dir_all(&dir).unwrap();
    git(&dir, &["init", "-q", "-b", "main"]);
    write(
        &dir,
        ".env.production",
        // Made up, and put together at run time so this file holds no credential.
        format!(
            "DATABASE_URL=postgres://app:{}@db.prod.example.com/app\n",
            ["Xk9vQ2m", "Lp7Rt4sWz"].concat()
        ),
    );
    write(&dir, "a.js", "console.log(1);\n");
    git(&dir, &["add", "-f", "."]);
    git(&dir, &["commit", "-qm", "first"]);
    git(&dir, &["update-ref", "refs/remotes/origin/main", "HEAD"]);
    let rules = |files: &[&str]| {
        let out = leakgate()
            .args(["protect", "--format", "json", "--"])
            .args(files)
            .current_dir(&dir)
            .output()
            .unwrap();
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut ids: Vec<String> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap_or_default().to_string())
            .collect();
        ids.sort();
        (out.status.code(), ids)
    };
    let (code, ids) = rules(&[".env.production", "a.js"]);
    assert_eq!(code, Some(1));
    assert!(
        ids.iter().any(|id| id == "env-committed-real-file"),
        "{ids:?}"
    );
    // Not named: not judged (nothing staged changes it).
    assert_eq!(rules(&["a.js"]), (Some(0), Vec::new()));
}

#[test]
fn bad_file_names_fail_closed_with_one_line() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = repo_with_committed_secret(tmp.path(), &Tokens::new(1203).github_pat());
    let outside = tmp.path().join("outside.txt");
    write(tmp.path(), "outside.txt", "nothing\n");
    for (files, says) in [
        (vec![outside.to_str().unwrap()], "outside the repository"),
        (vec!["../outside.txt"], "outside the repository"),
        (vec!["missing.js"], "missing.js"),
    ] {
        let out = protect(&dir, &files);
        assert_eq!(out.status.code(), Some(2), "{files:?}: {}", text(&out));
        let all = text(&out);
        assert!(all.contains(says), "{files:?}: {all}");
        assert!(!all.contains("panicked"), "{all}");
    }
    // A symbolic link inside the work tree that leads out of it: the file named is outside.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(tmp.path(), dir.join("up")).unwrap();
        let out = protect(&dir, &["up/outside.txt"]);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    }
    // Names after `--` only mean something for the staged check.
    let out = leakgate()
        .args(["scan", "--", "old.js"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("protect --"), "{}", text(&out));
}

#[test]
fn each_part_of_a_split_file_list_is_a_complete_check() {
    // The framework splits a long list into several runs; every run must judge what it is
    // given, and the commit's own additions, on its own.
    let mut t = Tokens::new(1204);
    let tmp = tempfile::tempdir().unwrap();
    let dir = repo_with_committed_secret(tmp.path(), &t.github_pat());
    let names: Vec<String> = (0..40).map(|i| format!("src/f{i:02}.js")).collect();
    for name in &names {
        write(&dir, name, "export const x = 1;\n");
    }
    write(
        &dir,
        "src/f33.js",
        format!("export const x = '{}';\n", t.github_pat()),
    );
    git(&dir, &["add", "."]);
    let (first, second) = names.split_at(20);
    let first: Vec<&str> = first.iter().map(String::as_str).collect();
    let second: Vec<&str> = second.iter().map(String::as_str).collect();
    // The part without the file still sees what the commit adds (f33.js's new line).
    for part in [&first, &second] {
        let out = protect(&dir, part);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        assert!(text(&out).contains("src/f33.js"), "{}", text(&out));
    }
    // Once nothing staged holds a secret, both parts pass (old.js is named in neither), and
    // the part that names old.js fails on it alone.
    write(&dir, "src/f33.js", "export const x = 1;\n");
    git(&dir, &["add", "."]);
    assert_eq!(protect(&dir, &first).status.code(), Some(0));
    assert_eq!(protect(&dir, &second).status.code(), Some(0));
    let mut with_old = second.clone();
    with_old.push("old.js");
    let out = protect(&dir, &with_old);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(protect(&dir, &first).status.code(), Some(0));
}

/// The `pre-commit` executable, if installed. CI installs it (`.ci/run`), so there its absence
/// fails the test; elsewhere the test is skipped, saying so.
fn pre_commit() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("pre-commit"))
            .find(|path| path.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install pre-commit (see .ci/run)"
        );
        eprintln!("pre-commit is not installed: the framework tests were not run");
    }
    found
}

/// A command in `dir` with the binary under test first on PATH, no user git config, and none
/// of an outer hook's environment; `PRE_COMMIT_HOME` in the test's own folder.
fn in_repo(program: &Path, dir: &Path, home: &Path) -> Command {
    let bin = assert_cmd::cargo::cargo_bin("leakgate");
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = Command::new(program);
    cmd.current_dir(dir)
        .env("PATH", path)
        .env("PRE_COMMIT_HOME", home)
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
        .env_remove("NO_COLOR")
        .env_remove("GITHUB_ACTIONS");
    cmd
}

/// `.pre-commit-config.yaml` for a local repository: this repository's `leakgate` hook as
/// published, with `language: system` (the binary under test on PATH) instead of a build.
fn framework_config() -> String {
    let manifest = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml"),
    )
    .unwrap();
    let hooks: Vec<serde_json::Value> = serde_saphyr::from_str(&manifest).unwrap();
    let mut hook = hooks
        .into_iter()
        .find(|h| h["id"] == "leakgate")
        .expect("a leakgate hook");
    hook["language"] = "system".into();
    // JSON is YAML.
    serde_json::json!({ "repos": [{ "repo": "local", "hooks": [hook] }] }).to_string()
}

#[test]
fn the_pre_commit_framework_runs_the_hook_on_all_files_and_on_commits() {
    let Some(pre_commit) = pre_commit() else {
        return;
    };
    let mut t = Tokens::new(1205);
    let committed = t.github_pat();
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("pre-commit-home");
    let dir = repo_with_committed_secret(tmp.path(), &committed);
    write(&dir, ".pre-commit-config.yaml", framework_config());
    git(&dir, &["add", ".pre-commit-config.yaml"]);
    git(&dir, &["commit", "-qm", "hooks"]);
    git(&dir, &["update-ref", "refs/remotes/origin/main", "HEAD"]);
    let framework = |args: &[&str]| {
        in_repo(&pre_commit, &dir, &home)
            .args(args)
            .output()
            .unwrap()
    };
    let install = framework(&["install"]);
    assert!(install.status.success(), "{}", text(&install));

    // `--all-files` on a repository holding a committed secret: failed, not "Passed".
    let out = framework(&["run", "--all-files"]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(all.contains("Failed") && all.contains("old.js"), "{all}");
    assert!(all.contains("leakgate blocked this commit"), "{all}");
    assert!(!all.contains(&committed), "printed the secret:\n{all}");
    // Nothing staged: a plain run has no file and still runs (always_run), and passes.
    let out = framework(&["run"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("Passed"), "{}", text(&out));

    let git_commit = |args: &[&str]| {
        in_repo(Path::new("git"), &dir, &home)
            .args(args)
            .output()
            .unwrap()
    };
    let head = git(&dir, &["rev-parse", "HEAD"]);
    // A commit that adds a secret is blocked through the framework's installed hook.
    let added = t.github_pat();
    write(&dir, "src/new.js", format!("export const k = '{added}';\n"));
    git(&dir, &["add", "src/new.js"]);
    let out = git_commit(&["commit", "-qm", "secret"]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("leakgate blocked this commit"),
        "{}",
        text(&out)
    );
    assert!(!text(&out).contains(&added), "{}", text(&out));
    assert_eq!(git(&dir, &["rev-parse", "HEAD"]), head);
    // `git commit -a` records an unstaged secret: the framework names the file, leakgate reads
    // the index git hands the hook.
    write(&dir, "src/new.js", "export const k = 1;\n");
    git(&dir, &["add", "src/new.js"]);
    write(
        &dir,
        "src/clean.js",
        format!("export const k = '{}';\n", t.github_pat()),
    );
    let out = git_commit(&["commit", "-qam", "all"]);
    assert!(!out.status.success(), "{}", text(&out));
    assert_eq!(git(&dir, &["rev-parse", "HEAD"]), head);
    // Clean work passes, and the commit is made.
    write(&dir, "src/clean.js", "export const greeting = 'hi';\n");
    let out = git_commit(&["commit", "-qam", "clean"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_ne!(git(&dir, &["rev-parse", "HEAD"]), head);
}

#[test]
fn through_the_framework_an_amend_of_an_unpushed_secret_is_blocked() {
    let Some(pre_commit) = pre_commit() else {
        return;
    };
    let mut t = Tokens::new(1206);
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("pre-commit-home");
    let dir = tmp.path().join("repo");
    std::fs::create_dir_all(&dir).unwrap();
    git(&dir, &["init", "-q", "-b", "main"]);
    write(&dir, ".pre-commit-config.yaml", framework_config());
    write(&dir, "a.js", "const a = 1;\n");
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-qm", "first"]);
    git(&dir, &["update-ref", "refs/remotes/origin/main", "HEAD"]);
    // An unpushed commit that slipped a secret in (committed with --no-verify).
    let token = t.github_pat();
    write(&dir, "b.js", format!("const b = '{token}';\n"));
    git(&dir, &["add", "b.js"]);
    git(&dir, &["commit", "-qm", "oops", "--no-verify"]);
    let head = git(&dir, &["rev-parse", "HEAD"]);
    let install = in_repo(&pre_commit, &dir, &home)
        .arg("install")
        .output()
        .unwrap();
    assert!(install.status.success(), "{}", text(&install));
    // The amend stages another file only: the framework names a.js, not b.js.
    write(&dir, "a.js", "const a = 2;\n");
    git(&dir, &["add", "a.js"]);
    let out = in_repo(Path::new("git"), &dir, &home)
        .args(["commit", "-q", "--amend", "-m", "amended"])
        .output()
        .unwrap();
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("b.js"), "{}", text(&out));
    assert!(!text(&out).contains(&token));
    assert_eq!(git(&dir, &["rev-parse", "HEAD"]), head);
}

// ---- leakgate init ----

/// A fresh repository with one commit, for `init`.
fn fresh_repo(root: &Path) -> PathBuf {
    let dir = root.join("app");
    std::fs::create_dir_all(&dir).unwrap();
    git(&dir, &["init", "-q", "-b", "main"]);
    write(&dir, "index.js", "console.log('hi');\n");
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-qm", "first"]);
    dir
}

fn init(dir: &Path, args: &[&str]) -> Output {
    leakgate()
        .arg("init")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn read(dir: &Path, relative: &str) -> String {
    std::fs::read_to_string(dir.join(relative)).unwrap()
}

#[test]
fn init_writes_a_config_a_workflow_and_the_pre_commit_entry() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = fresh_repo(tmp.path());
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    // From a subfolder: the files go to the top of the work tree.
    let out = init(&dir.join("sub"), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let said = text(&out);
    for file in [
        ".leakgate.yml",
        ".github/workflows/leakgate.yml",
        ".pre-commit-config.yaml",
    ] {
        assert!(dir.join(file).is_file(), "{file} missing");
        assert!(said.contains(&format!("wrote {file}")), "{said}");
    }
    assert!(!dir.join("sub/.leakgate.yml").exists());

    // The config loads: a scan with it works, and finds a planted secret.
    let config = read(&dir, ".leakgate.yml");
    assert!(
        config.contains("# yaml-language-server: $schema="),
        "{config}"
    );
    let clean = leakgate()
        .args(["scan", "."])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(clean.status.code(), Some(0), "{}", text(&clean));
    write(
        &dir,
        "leak.js",
        format!("k = '{}';\n", Tokens::new(1207).github_pat()),
    );
    let found = leakgate()
        .args(["scan", ".", "--config", ".leakgate.yml"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(found.status.code(), Some(1), "{}", text(&found));

    // The workflow parses and asks for what the action needs.
    let workflow: serde_json::Value =
        serde_saphyr::from_str(&read(&dir, ".github/workflows/leakgate.yml")).unwrap();
    assert_eq!(workflow["permissions"]["contents"], "read");
    assert_eq!(workflow["permissions"]["security-events"], "write");
    let steps = workflow["jobs"]["leakgate"]["steps"].as_array().unwrap();
    assert!(
        steps[0]["uses"]
            .as_str()
            .unwrap()
            .starts_with("actions/checkout@")
    );
    assert_eq!(steps[0]["with"]["fetch-depth"], 0);
    assert!(steps.iter().any(|s| {
        s["uses"]
            .as_str()
            .unwrap()
            .starts_with("leakgate/leakgate@v")
    }));
    assert!(steps.iter().any(|s| {
        s["uses"].as_str().unwrap().contains("upload-sarif")
            && s["with"]["sarif_file"]
                .as_str()
                .unwrap()
                .contains("steps.leakgate.outputs.sarif-file")
    }));
    for trigger in ["push", "pull_request"] {
        assert!(workflow["on"].get(trigger).is_some(), "{trigger}");
    }

    // The pre-commit config parses and names the leakgate hook.
    let pre_commit: serde_json::Value =
        serde_saphyr::from_str(&read(&dir, ".pre-commit-config.yaml")).unwrap();
    assert_eq!(pre_commit["repos"][0]["hooks"][0]["id"], "leakgate");
}

#[test]
fn init_keeps_existing_files_unless_forced_and_adds_to_a_pre_commit_config() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = fresh_repo(tmp.path());
    write(&dir, ".leakgate.yml", "exclude: [vendor/]\n");
    write(&dir, ".github/workflows/leakgate.yml", "name: mine\n");
    let theirs = "# my hooks\nrepos:\n- repo: local\n  hooks:\n  - id: lint\n    name: lint\n    entry: ./lint.sh\n    language: system\nfail_fast: true\n";
    write(&dir, ".pre-commit-config.yaml", theirs);

    let out = init(&dir, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let said = text(&out);
    assert!(said.contains("left .leakgate.yml alone"), "{said}");
    assert!(
        said.contains("left .github/workflows/leakgate.yml alone"),
        "{said}"
    );
    assert!(said.contains("--force"), "{said}");
    assert!(
        said.contains("added the leakgate hook to .pre-commit-config.yaml"),
        "{said}"
    );
    assert_eq!(read(&dir, ".leakgate.yml"), "exclude: [vendor/]\n");
    assert_eq!(read(&dir, ".github/workflows/leakgate.yml"), "name: mine\n");
    // The user's hooks and settings are all still there, and leakgate's is added.
    let after = read(&dir, ".pre-commit-config.yaml");
    assert!(after.starts_with("# my hooks\nrepos:\n"), "{after}");
    assert!(
        after.ends_with(&theirs["# my hooks\nrepos:\n".len()..]),
        "{after}"
    );
    let parsed: serde_json::Value = serde_saphyr::from_str(&after).unwrap();
    let repos = parsed["repos"].as_array().unwrap();
    assert_eq!(repos.len(), 2);
    assert_eq!(repos[0]["hooks"][0]["id"], "leakgate");
    assert_eq!(repos[1]["hooks"][0]["id"], "lint");
    assert_eq!(parsed["fail_fast"], true);

    // Again: nothing changes, the hook is not added twice.
    let out = init(&dir, &[]);
    assert!(
        text(&out).contains("already runs leakgate"),
        "{}",
        text(&out)
    );
    assert_eq!(read(&dir, ".pre-commit-config.yaml"), after);

    // --force replaces the config and the workflow, never the pre-commit config.
    let out = init(&dir, &["--force"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(read(&dir, ".leakgate.yml").contains("trust_inline_allows_in_pull_requests"));
    assert!(read(&dir, ".github/workflows/leakgate.yml").contains("leakgate/leakgate@v"));
    assert_eq!(read(&dir, ".pre-commit-config.yaml"), after);
    assert!(!std::fs::read_dir(&dir).unwrap().any(|e| {
        e.unwrap()
            .file_name()
            .to_string_lossy()
            .contains("leakgate-init")
    }));

    // A config in a form init does not edit is left alone, with the entry to add by hand.
    write(&dir, ".pre-commit-config.yaml", "repos: []\n");
    let out = init(&dir, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("by hand") && text(&out).contains("- id: leakgate"));
    assert_eq!(read(&dir, ".pre-commit-config.yaml"), "repos: []\n");
}

#[cfg(unix)]
#[test]
fn init_never_writes_through_a_symbolic_link_or_outside_the_repository() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = fresh_repo(tmp.path());
    let elsewhere = tmp.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    // The config file is a link to a file outside.
    write(&elsewhere, "victim.yml", "precious\n");
    std::os::unix::fs::symlink(elsewhere.join("victim.yml"), dir.join(".leakgate.yml")).unwrap();
    for args in [&[][..], &["--force"][..]] {
        let out = init(&dir, args);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        assert!(text(&out).contains("symbolic link"), "{}", text(&out));
        assert_eq!(read(&elsewhere, "victim.yml"), "precious\n");
    }
    std::fs::remove_file(dir.join(".leakgate.yml")).unwrap();
    // A folder on the way is a link out of the repository.
    std::os::unix::fs::symlink(&elsewhere, dir.join(".github")).unwrap();
    let out = init(&dir, &["--force"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(std::fs::read_dir(&elsewhere).unwrap().count() == 1);
    std::fs::remove_file(dir.join(".github")).unwrap();
    // A folder outside any repository (`..` of the work tree): refused, nothing written.
    let out = leakgate()
        .args(["init", ".."])
        .current_dir(&dir)
        .env("GIT_CEILING_DIRECTORIES", tmp.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("not inside a git repository"),
        "{}",
        text(&out)
    );
    assert!(!tmp.path().join(".leakgate.yml").exists());
}

// ---- schema, completions, man ----

/// A focused JSON Schema check of `value` against `schema` (the keywords the schema of
/// `.leakgate.yml` uses: type, enum, properties, additionalProperties, items, anyOf, $ref).
fn schema_errors(
    value: &serde_json::Value,
    schema: &serde_json::Value,
    root: &serde_json::Value,
    at: &str,
) -> Vec<String> {
    use serde_json::Value;
    let mut errors = Vec::new();
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.strip_prefix("#/$defs/").expect("a local $ref");
        return schema_errors(value, &root["$defs"][name], root, at);
    }
    if let Some(any) = schema["anyOf"].as_array() {
        if any
            .iter()
            .all(|s| !schema_errors(value, s, root, at).is_empty())
        {
            errors.push(format!("{at}: matches no alternative"));
        }
        return errors;
    }
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let allowed: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !allowed.is_empty() && !allowed.contains(&kind) {
        errors.push(format!("{at}: {kind}, expected {allowed:?}"));
    }
    if let Some(options) = schema["enum"].as_array()
        && !options.contains(value)
    {
        errors.push(format!("{at}: {value} is not one of {options:?}"));
    }
    if let Value::Array(items) = value {
        for (i, item) in items.iter().enumerate() {
            errors.extend(schema_errors(
                item,
                &schema["items"],
                root,
                &format!("{at}[{i}]"),
            ));
        }
    }
    if let Value::Object(map) = value {
        for (key, item) in map {
            let at = format!("{at}.{key}");
            match (&schema["properties"][key], &schema["additionalProperties"]) {
                (Value::Object(_), _) => {
                    errors.extend(schema_errors(item, &schema["properties"][key], root, &at))
                }
                (_, Value::Bool(false)) => errors.push(format!("{at}: not allowed")),
                (_, Value::Object(_)) => errors.extend(schema_errors(
                    item,
                    &schema["additionalProperties"],
                    root,
                    &at,
                )),
                _ => {}
            }
        }
    }
    errors
}

fn printed_schema() -> serde_json::Value {
    let out = leakgate().arg("schema").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    serde_json::from_slice(&out.stdout).expect("the schema is JSON")
}

#[test]
fn the_committed_schema_is_the_one_the_binary_prints() {
    let out = leakgate().arg("schema").output().unwrap();
    let committed = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/leakgate.schema.json"),
    )
    .expect("schema/leakgate.schema.json is committed");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        committed,
        "schema/leakgate.schema.json is stale: run `cargo run -- schema > schema/leakgate.schema.json`"
    );
}

#[test]
fn the_starter_config_validates_against_the_schema_and_mistakes_do_not() {
    let schema = printed_schema();
    assert_eq!(schema["additionalProperties"], false, "{schema:#}");
    let tmp = tempfile::tempdir().unwrap();
    let dir = fresh_repo(tmp.path());
    assert_eq!(init(&dir, &[]).status.code(), Some(0));
    let starter = read(&dir, ".leakgate.yml");
    // The file names the schema of this very version.
    assert!(
        starter
            .lines()
            .next()
            .unwrap()
            .ends_with(schema["$id"].as_str().unwrap()),
        "{starter}"
    );
    let value: serde_json::Value = serde_saphyr::from_str(&starter).unwrap();
    let errors = schema_errors(&value, &schema, &schema, "");
    assert!(errors.is_empty(), "{errors:?}");
    // The check is not vacuous: what the loader refuses, the schema refuses too.
    for (bad, what) in [
        ("exlcude: []\n", "unknown key"),
        ("fail_on: severe\n", "unknown severity"),
        ("exclude: vendor/\n", "not a list"),
        ("env_files: {web.env: prodution}\n", "unknown environment"),
        (
            "trust_inline_allows_in_pull_requests: yes please\n",
            "not a boolean",
        ),
    ] {
        let value: serde_json::Value = serde_saphyr::from_str(bad).unwrap();
        assert!(
            !schema_errors(&value, &schema, &schema, "").is_empty(),
            "{what}"
        );
        write(&dir, "bad.yml", bad);
        let out = leakgate()
            .args(["scan", ".", "--config", "bad.yml"])
            .current_dir(&dir)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{what}: {}", text(&out));
    }
}

#[test]
fn completions_name_every_subcommand_in_each_shell() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef leakgate"),
        ("fish", "complete -c leakgate"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer"),
    ] {
        let out = leakgate().args(["completions", shell]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", text(&out));
        let script = String::from_utf8_lossy(&out.stdout);
        assert!(script.contains(marker), "{shell}: {script}");
        for sub in [
            "scan",
            "protect",
            "init",
            "install-hook",
            "baseline",
            "schema",
            "audit",
        ] {
            assert!(script.contains(sub), "{shell} lacks {sub}");
        }
    }
    let out = leakgate().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    // bash can load what it is given.
    let tmp = tempfile::tempdir().unwrap();
    let out = leakgate().args(["completions", "bash"]).output().unwrap();
    std::fs::write(tmp.path().join("leakgate.bash"), &out.stdout).unwrap();
    let status = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source {} && complete -p leakgate",
            tmp.path().join("leakgate.bash").display()
        ))
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", text(&status));
}

#[test]
fn the_man_page_is_roff_that_names_the_subcommands() {
    let out = leakgate().arg("man").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let page = String::from_utf8_lossy(&out.stdout);
    assert!(
        page.starts_with(".ie") || page.contains(".TH leakgate"),
        "{page}"
    );
    assert!(
        page.contains(".SH NAME") && page.contains(".SH SUBCOMMANDS"),
        "{page}"
    );
    for sub in ["scan", "protect", "audit", "init", "completions", "man"] {
        assert!(
            page.contains(&format!("leakgate\\-{sub}")) || page.contains(sub),
            "{sub}"
        );
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = leakgate()
        .args(["man", "--out-dir"])
        .arg(tmp.path().join("man"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    for page in [
        "leakgate.1",
        "leakgate-scan.1",
        "leakgate-audit.1",
        "leakgate-init.1",
    ] {
        let text = std::fs::read_to_string(tmp.path().join("man").join(page)).unwrap();
        assert!(text.contains(".TH"), "{page}");
    }
}

/// The published hook manifest is what the framework installs: every hook named once and
/// complete, and the README's `language: system` copy runs the same commands.
#[test]
fn the_hook_manifest_names_each_hook_once_and_the_readme_copy_matches_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = std::fs::read_to_string(root.join(".pre-commit-hooks.yaml")).unwrap();
    let hooks: Vec<serde_json::Value> = serde_saphyr::from_str(&manifest).unwrap();
    let mut ids: Vec<&str> = hooks.iter().map(|h| h["id"].as_str().unwrap()).collect();
    ids.sort_unstable();
    assert_eq!(ids, ["leakgate", "leakgate-pre-push"], "{manifest}");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    for hook in &hooks {
        for key in ["name", "entry", "language", "stages"] {
            assert!(!hook[key].is_null(), "hook {} lacks {key}", hook["id"]);
        }
        let entry = hook["entry"].as_str().unwrap();
        assert!(
            readme.contains(&format!("entry: {entry}\n")),
            "README's local hooks do not run `{entry}`"
        );
    }
}
