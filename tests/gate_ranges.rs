//! The gate without a working tree: `scan --range`, `scan --ci` on a pull request, and
//! `scan --staged` run the env-file checks on the env files as git has them (the head of the
//! range, the index), and report what the range or the commit changes. Every test builds a real
//! repository with the `git` CLI and drives the real binary; pull requests are given a real
//! `pull_request` event payload. Credentials are generated at test time.

#[path = "common/mod.rs"]
mod common;

use common::{Tokens, git, leakgate, write};
use serde_json::Value;
use std::path::Path;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// Writes `files` and commits them all; returns the new commit's id.
fn commit(root: &Path, files: &[(&str, String)], message: &str) -> String {
    for (path, text) in files {
        write(root, path, text);
    }
    git(root, &["add", "-A"]);
    git(root, &["commit", "-qm", message, "--allow-empty"]);
    git(root, &["rev-parse", "HEAD"])
}

/// A project that commits its production env file on purpose (Next.js commits non-secret
/// defaults in `.env.production`), so "real env file tracked by git" is switched off in its
/// config: what is left to catch is what the file holds.
fn project(base_files: &[(&str, String)]) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q"]);
    let mut files = vec![
        (
            ".leakgate.yml",
            "disable_rules: [env-committed-real-file]\n".to_string(),
        ),
        ("README.md", "# shop\n".to_string()),
    ];
    files.extend(base_files.iter().cloned());
    let base = commit(dir.path(), &files, "base");
    git(dir.path(), &["checkout", "-q", "-b", "feature"]);
    (dir, base)
}

struct Outcome {
    json: Value,
    code: i32,
    stderr: String,
}

impl Outcome {
    /// `(rule, path)` of every reported finding, sorted.
    fn found(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self.json["findings"]
            .as_array()
            .expect("findings array")
            .iter()
            .flat_map(|f| {
                // A finding's own rule and the env checks folded into it (`also`).
                let path = f["path"].as_str().unwrap().to_string();
                std::iter::once(&f["rule"])
                    .chain(
                        f["also"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .map(|a| &a["rule"]),
                    )
                    .map(move |r| (r.as_str().unwrap().to_string(), path.clone()))
            })
            .collect();
        out.sort();
        out
    }

    fn has(&self, rule: &str, path: &str) -> bool {
        self.found().iter().any(|(r, p)| r == rule && p == path)
    }

    fn text(&self) -> String {
        serde_json::to_string(&self.json).unwrap()
    }
}

fn outcome(out: std::process::Output) -> Outcome {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("not JSON; stderr: {stderr}"));
    Outcome {
        json,
        code: out.status.code().expect("exit code"),
        stderr,
    }
}

fn range_scan(root: &Path, base: &str, head: &str) -> Outcome {
    outcome(
        leakgate()
            .args(["scan", "--format", "json", "--range"])
            .arg(format!("{base}..{head}"))
            .arg(root)
            .output()
            .unwrap(),
    )
}

/// A `pull_request` event as GitHub sends it (the fields leakgate reads, and some it must
/// ignore), for a pull request from `feature` into `main`.
fn pull_request_payload(base: &str, head: &str) -> String {
    serde_json::json!({
        "action": "synchronize",
        "number": 7,
        "pull_request": {
            "number": 7,
            "state": "open",
            "title": "Point production at the new API",
            "user": {"login": "contributor"},
            "head": {"ref": "feature", "sha": head, "repo": {"full_name": "fork/shop"}},
            "base": {"ref": "main", "sha": base, "repo": {"full_name": "acme/shop"}},
        },
        "repository": {"full_name": "acme/shop", "default_branch": "main"},
        "sender": {"login": "contributor"},
    })
    .to_string()
}

fn ci_scan(root: &Path, event: &str, payload: &str) -> Outcome {
    // Beside the repository (not in it), unique to it: tests run in parallel.
    let payload_file = root.with_extension("event.json");
    std::fs::write(&payload_file, payload).unwrap();
    let out = leakgate()
        .args(["scan", "--ci", "--format", "json"])
        .arg(root)
        .env("GITHUB_EVENT_NAME", event)
        .env("GITHUB_EVENT_PATH", &payload_file)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&payload_file);
    outcome(out)
}

fn pr_scan(root: &Path, base: &str, head: &str) -> Outcome {
    ci_scan(root, "pull_request", &pull_request_payload(base, head))
}

fn staged_scan(root: &Path) -> Outcome {
    outcome(
        leakgate()
            .args(["scan", "--staged", "--format", "json"])
            .arg(root)
            .output()
            .unwrap(),
    )
}

const PRODUCTION: &str = "API_URL=https://api.shop.example.com\nDEBUG=false\n";

/// Both ways a pull request is gated must fail it with `rule` at `path`.
fn assert_both_fail(root: &Path, base: &str, head: &str, rule: &str, path: &str) {
    let range = range_scan(root, base, head);
    assert_eq!(range.code, 1, "--range: {}\n{}", range.stderr, range.text());
    assert!(range.has(rule, path), "--range: {:?}", range.found());
    let ci = pr_scan(root, base, head);
    assert_eq!(ci.code, 1, "--ci: {}\n{}", ci.stderr, ci.text());
    assert!(ci.has(rule, path), "--ci: {:?}", ci.found());
}

// ---------------------------------------------------------------------------------------------
// A pull request that changes an env file is judged on what the file now holds
// ---------------------------------------------------------------------------------------------

#[test]
fn a_pull_request_that_turns_on_debug_in_production_fails() {
    let (repo, base) = project(&[(".env.production", PRODUCTION.into())]);
    let head = commit(
        repo.path(),
        &[(
            ".env.production",
            "API_URL=https://api.shop.example.com\nDEBUG=true\n".into(),
        )],
        "debug prod",
    );
    assert_both_fail(
        repo.path(),
        &base,
        &head,
        "env-insecure-production-setting",
        ".env.production",
    );
}

#[test]
fn a_pull_request_that_turns_off_tls_verification_in_production_fails() {
    let (repo, base) = project(&[(".env.production", PRODUCTION.into())]);
    let head = commit(
        repo.path(),
        &[(
            ".env.production",
            format!("{PRODUCTION}NODE_TLS_REJECT_UNAUTHORIZED=0\n"),
        )],
        "self-signed upstream",
    );
    assert_both_fail(
        repo.path(),
        &base,
        &head,
        "env-insecure-production-setting",
        ".env.production",
    );
}

#[test]
fn a_pull_request_that_points_production_at_localhost_fails() {
    let (repo, base) = project(&[(".env.production", PRODUCTION.into())]);
    let head = commit(
        repo.path(),
        &[(
            ".env.production",
            "API_URL=http://localhost:3000\nDEBUG=false\n".into(),
        )],
        "local api",
    );
    assert_both_fail(
        repo.path(),
        &base,
        &head,
        "env-dev-endpoint-in-production",
        ".env.production",
    );
}

#[test]
fn a_pull_request_that_puts_a_test_key_in_production_fails() {
    let mut t = Tokens::new(1000);
    // A project that gates on high and above: a test-mode key alone is a medium secret
    // finding, but in production it means no real payment goes through.
    let (repo, base) = project(&[
        (
            ".leakgate.yml",
            "disable_rules: [env-committed-real-file]\nfail_on: high\n".into(),
        ),
        (".env.production", PRODUCTION.into()),
    ]);
    let head = commit(
        repo.path(),
        &[(
            ".env.production",
            format!("{PRODUCTION}STRIPE_SECRET_KEY={}\n", t.stripe_test()),
        )],
        "payments",
    );
    assert_both_fail(
        repo.path(),
        &base,
        &head,
        "env-test-key-in-production",
        ".env.production",
    );
}

#[test]
fn a_pull_request_that_puts_production_in_sandbox_mode_fails() {
    // The same mistake without a key.
    let (repo, base) = project(&[(".env.production", PRODUCTION.into())]);
    let head = commit(
        repo.path(),
        &[(
            ".env.production",
            format!("{PRODUCTION}PAYPAL_MODE=sandbox\n"),
        )],
        "paypal",
    );
    assert_both_fail(
        repo.path(),
        &base,
        &head,
        "env-test-key-in-production",
        ".env.production",
    );
}

#[test]
fn a_pull_request_that_exposes_a_secret_to_the_browser_fails() {
    let mut t = Tokens::new(1001);
    let (repo, base) = project(&[(".env.production", PRODUCTION.into())]);
    let head = commit(
        repo.path(),
        &[(
            ".env.production",
            format!("{PRODUCTION}NEXT_PUBLIC_ADMIN_SECRET={}\n", t.base62(12)),
        )],
        "admin panel",
    );
    assert_both_fail(
        repo.path(),
        &base,
        &head,
        "env-client-exposed-secret",
        ".env.production",
    );
}

#[test]
fn a_pull_request_that_shares_a_password_between_staging_and_production_fails() {
    let mut t = Tokens::new(1002);
    let staging_password = t.base62(14);
    let production_password = t.base62(14);
    let (repo, base) = project(&[
        (".env.staging", format!("DB_PASSWORD={staging_password}\n")),
        (
            ".env.production",
            format!("{PRODUCTION}DB_PASSWORD={production_password}\n"),
        ),
    ]);
    let head = commit(
        repo.path(),
        &[(
            ".env.production",
            format!("{PRODUCTION}DB_PASSWORD={staging_password}\n"),
        )],
        "one password is simpler",
    );
    assert_both_fail(
        repo.path(),
        &base,
        &head,
        "env-shared-secret",
        ".env.production",
    );
}

#[test]
fn a_shared_password_counts_as_new_when_only_the_other_file_changed() {
    // The finding is placed in production's file, which the pull request did not touch: it is
    // still the pull request's doing, because it changed the staging file it compares with.
    let mut t = Tokens::new(1003);
    let production_password = t.base62(14);
    let (repo, base) = project(&[
        (".env.staging", format!("DB_PASSWORD={}\n", t.base62(14))),
        (
            ".env.production",
            format!("{PRODUCTION}DB_PASSWORD={production_password}\n"),
        ),
    ]);
    let head = commit(
        repo.path(),
        &[(
            ".env.staging",
            format!("DB_PASSWORD={production_password}\n"),
        )],
        "staging uses the prod db",
    );
    assert_both_fail(
        repo.path(),
        &base,
        &head,
        "env-shared-secret",
        ".env.production",
    );
}

// ---------------------------------------------------------------------------------------------
// What the range did not change does not fail it
// ---------------------------------------------------------------------------------------------

/// A production file with every problem of the tests above, already on the base branch.
fn troubled_production(t: &mut Tokens) -> String {
    format!(
        "API_URL=http://localhost:3000\nDEBUG=true\nNODE_TLS_REJECT_UNAUTHORIZED=0\n\
         PAYPAL_MODE=sandbox\nNEXT_PUBLIC_ADMIN_SECRET={}\n",
        t.base62(12)
    )
}

#[test]
fn a_pull_request_that_does_not_touch_env_files_is_not_failed_by_their_old_problems() {
    // Old problems are the base branch's to fix (a full scan of main reports them); failing
    // every unrelated pull request for them would teach people to bypass the gate.
    let mut t = Tokens::new(1004);
    let (repo, base) = project(&[(".env.production", troubled_production(&mut t))]);
    let head = commit(
        repo.path(),
        &[("src/app.ts", "export const answer = 42;\n".into())],
        "feature",
    );
    let range = range_scan(repo.path(), &base, &head);
    assert_eq!(range.code, 0, "{}\n{}", range.stderr, range.text());
    assert_eq!(range.found(), vec![]);
    let ci = pr_scan(repo.path(), &base, &head);
    assert_eq!(ci.code, 0, "{}\n{}", ci.stderr, ci.text());
    assert_eq!(ci.found(), vec![]);
    // The same problems are found by a scan of the files.
    let full = outcome(
        leakgate()
            .args(["scan", "--format", "json", "--no-git"])
            .arg(repo.path())
            .output()
            .unwrap(),
    );
    assert!(full.has("env-insecure-production-setting", ".env.production"));
}

#[test]
fn changing_one_env_file_reports_only_what_involves_it() {
    let mut t = Tokens::new(1005);
    let (repo, base) = project(&[
        (".env.production", troubled_production(&mut t)),
        (
            ".env.staging",
            "API_URL=https://api.staging.shop.example.com\n".into(),
        ),
    ]);
    let head = commit(
        repo.path(),
        &[(
            ".env.staging",
            "API_URL=https://api.staging.shop.example.com\nDEBUG=true\n".into(),
        )],
        "debug staging",
    );
    for out in [
        range_scan(repo.path(), &base, &head),
        pr_scan(repo.path(), &base, &head),
    ] {
        assert_eq!(out.code, 1, "{}", out.stderr);
        assert!(out.has("env-insecure-production-setting", ".env.staging"));
        assert!(
            out.found().iter().all(|(_, path)| path == ".env.staging"),
            "{:?}",
            out.found()
        );
    }
}

#[test]
fn a_range_is_measured_from_the_merge_base_not_the_moved_base_tip() {
    // main moves on (it fixes production's API_URL) after the feature branched; the feature's
    // head still has the old file. Compared with main's tip that file "changed", but the
    // feature never touched it: the range is measured from the merge base.
    let mut t = Tokens::new(1006);
    let (repo, _) = project(&[(".env.production", troubled_production(&mut t))]);
    let head = commit(
        repo.path(),
        &[("src/app.ts", "export const answer = 42;\n".into())],
        "feature",
    );
    git(repo.path(), &["checkout", "-q", "main"]);
    let main = commit(
        repo.path(),
        &[(".env.production", PRODUCTION.into())],
        "fix production",
    );
    let out = range_scan(repo.path(), &main, &head);
    assert_eq!(out.code, 0, "{}\n{}", out.stderr, out.text());
}

// ---------------------------------------------------------------------------------------------
// What is read: the commit, not the checkout
// ---------------------------------------------------------------------------------------------

#[test]
fn ci_reads_env_files_from_the_head_commit_not_the_checkout() {
    let (repo, base) = project(&[(".env.production", PRODUCTION.into())]);
    let head = commit(
        repo.path(),
        &[(
            ".env.production",
            "API_URL=https://api.shop.example.com\nDEBUG=true\n".into(),
        )],
        "debug prod",
    );
    // The runner's checkout holds something else (the base branch, plus a local edit).
    git(repo.path(), &["checkout", "-q", &base]);
    write(
        repo.path(),
        ".env.production",
        "API_URL=https://api.shop.example.com\nDEBUG=false\n",
    );
    let out = pr_scan(repo.path(), &base, &head);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.has("env-insecure-production-setting", ".env.production"));
}

#[test]
fn a_problem_only_the_checkout_has_is_not_the_ranges() {
    let (repo, base) = project(&[(".env.production", PRODUCTION.into())]);
    let head = commit(repo.path(), &[("notes.txt", "x\n".into())], "notes");
    write(
        repo.path(),
        ".env.production",
        "DEBUG=true\nAPI_URL=http://127.0.0.1\n",
    );
    let out = range_scan(repo.path(), &base, &head);
    assert_eq!(out.code, 0, "{}\n{}", out.stderr, out.text());
    let out = pr_scan(repo.path(), &base, &head);
    assert_eq!(out.code, 0, "{}\n{}", out.stderr, out.text());
}

#[test]
fn a_pull_request_without_its_base_commit_reports_every_env_problem_at_head() {
    // A shallow checkout without the base: nothing can be called old, so the gate stays
    // closed and says so.
    let mut t = Tokens::new(1007);
    let (repo, _) = project(&[(".env.production", troubled_production(&mut t))]);
    let head = commit(
        repo.path(),
        &[("src/app.ts", "export const answer = 42;\n".into())],
        "feature",
    );
    let missing = "1234567890123456789012345678901234567890";
    let out = pr_scan(repo.path(), missing, &head);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.has("env-insecure-production-setting", ".env.production"));
    assert!(out.has("env-dev-endpoint-in-production", ".env.production"));
    assert!(
        out.stderr.contains("every env-file problem at HEAD"),
        "{}",
        out.stderr
    );
}

#[test]
fn hostile_paths_and_dependency_folders() {
    // A monorepo app folder with a space and non-ASCII name, a vendored package's env file
    // (discovery skips dependency folders in a working tree; so does the range), and a
    // symbolic link named like an env file pointing outside the repository.
    let (repo, base) = project(&[]);
    #[cfg(unix)]
    std::os::unix::fs::symlink("/etc/hostname", repo.path().join(".env.staging")).unwrap();
    let head = commit(
        repo.path(),
        &[
            ("apps/mon app é/.env.production", "DEBUG=true\n".to_string()),
            ("node_modules/pkg/.env.production", "DEBUG=true\n".into()),
        ],
        "apps",
    );
    for out in [
        range_scan(repo.path(), &base, &head),
        pr_scan(repo.path(), &base, &head),
    ] {
        assert_eq!(out.code, 1, "{}", out.stderr);
        assert_eq!(
            out.found(),
            vec![(
                "env-insecure-production-setting".to_string(),
                "apps/mon app é/.env.production".to_string()
            )]
        );
    }
}

#[test]
fn since_runs_the_env_checks_too() {
    let (repo, _) = project(&[(".env.production", PRODUCTION.into())]);
    commit(
        repo.path(),
        &[(
            ".env.production",
            format!("{PRODUCTION}NODE_TLS_REJECT_UNAUTHORIZED=0\n"),
        )],
        "tls",
    );
    let out = outcome(
        leakgate()
            .args(["scan", "--format", "json", "--since", "main"])
            .arg(repo.path())
            .output()
            .unwrap(),
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.has("env-insecure-production-setting", ".env.production"));
}

// ---------------------------------------------------------------------------------------------
// The pre-commit hook: staged env files, as staged
// ---------------------------------------------------------------------------------------------

#[test]
fn a_force_added_local_env_file_fails_the_commit() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    git(root, &["init", "-q"]);
    commit(
        root,
        &[(".gitignore", ".env*\n!.env.example\n".into())],
        "base",
    );
    let mut t = Tokens::new(1008);
    write(
        root,
        ".env.production.local",
        format!(
            "DATABASE_URL=postgres://app:{}@db.shop.example.com/app\n",
            t.base62(16)
        ),
    );
    git(root, &["add", "-f", ".env.production.local"]);
    let out = staged_scan(root);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let committed: Vec<&Value> = out.json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "env-committed-real-file")
        .collect();
    assert_eq!(committed.len(), 1, "{}", out.text());
    assert_eq!(committed[0]["path"], ".env.production.local");
    assert_eq!(committed[0]["severity"], "critical");
    assert!(
        committed[0]["message"]
            .as_str()
            .unwrap()
            .contains("staged in the git index"),
        "{}",
        out.text()
    );
}

#[test]
fn the_staged_blob_is_checked_not_the_working_tree_file() {
    let (repo, _) = project(&[(".env.production", PRODUCTION.into())]);
    let root = repo.path();
    // Staged: debug on. Working tree: fixed afterwards but not staged, so the commit still
    // turns debug on.
    write(
        root,
        ".env.production",
        "API_URL=https://api.shop.example.com\nDEBUG=true\n",
    );
    git(root, &["add", ".env.production"]);
    write(root, ".env.production", PRODUCTION);
    let out = staged_scan(root);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.has("env-insecure-production-setting", ".env.production"));

    // The other way round: the staged file is fine, only the unstaged edit is not.
    git(root, &["add", ".env.production"]);
    write(root, ".env.production", "DEBUG=true\n");
    let out = staged_scan(root);
    assert_eq!(out.code, 0, "{}\n{}", out.stderr, out.text());
}

#[test]
fn a_commit_that_does_not_change_env_files_is_not_failed_by_them() {
    let mut t = Tokens::new(1009);
    let (repo, _) = project(&[(".env.production", troubled_production(&mut t))]);
    // HEAD counts as pushed: while it is not, the hook also re-reads what HEAD added (an amend
    // would record it again), and the secret HEAD holds would fail the commit on that ground.
    git(
        repo.path(),
        &["update-ref", "refs/remotes/origin/main", "HEAD"],
    );
    write(repo.path(), "src/app.ts", "export const answer = 42;\n");
    git(repo.path(), &["add", "src/app.ts"]);
    let out = staged_scan(repo.path());
    assert_eq!(out.code, 0, "{}\n{}", out.stderr, out.text());
}

// ---------------------------------------------------------------------------------------------
// Committed build output the range changes gets the bundle checks
// ---------------------------------------------------------------------------------------------

fn web_build(api: &str) -> Vec<(&'static str, String)> {
    vec![
        (
            "dist/index.html",
            "<html><script src=\"/assets/app.js\"></script></html>\n".into(),
        ),
        (
            "dist/assets/app.js",
            format!("fetch(\"{api}/orders\").then(r=>r.json());\n"),
        ),
    ]
}

#[test]
fn a_pull_request_that_commits_a_build_pointing_at_localhost_fails() {
    let (repo, base) = project(&web_build("https://api.shop.example.com"));
    let head = commit(repo.path(), &web_build("http://localhost:3000"), "rebuild");
    assert_both_fail(
        repo.path(),
        &base,
        &head,
        "bundle-dev-endpoint",
        "dist/assets/app.js",
    );
}

#[test]
fn committed_build_output_the_range_did_not_change_does_not_fail_it() {
    let (repo, base) = project(&web_build("http://localhost:3000"));
    let head = commit(
        repo.path(),
        &[("src/app.ts", "export const answer = 42;\n".into())],
        "feature",
    );
    for out in [
        range_scan(repo.path(), &base, &head),
        pr_scan(repo.path(), &base, &head),
    ] {
        assert_eq!(out.code, 0, "{}\n{}", out.stderr, out.text());
    }
}
