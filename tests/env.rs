//! Integration tests for the env-file checks (`leakgate env` and the env step of `scan`).
//! Each test generates a small project (and, where it matters, a git repository built with
//! the `git` CLI) and drives the real binary. Credentials are generated at test time from each
//! provider's documented format; none is committed.

use serde_json::Value;
use std::path::Path;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

#[path = "common/mod.rs"]
mod common;
use common::{Tokens, git, leakgate, write};

fn git_init(root: &Path) {
    git(root, &["init", "-q"]);
}

/// A made-up provider token that only this file's test rule knows.
trait AcmeToken {
    fn acme(&mut self) -> String;
}

impl AcmeToken for Tokens {
    fn acme(&mut self) -> String {
        format!("acmetok_{}", self.base62(32))
    }
}

/// A rules file with one rule for the made-up `acmetok_` format, and a `.leakgate.yml` in
/// `root` that loads it. The rules file is inside the tree: a repository's config may only name
/// files inside the scanned folder.
fn with_acme_rule(root: &Path) {
    write(
        root,
        "rules/acme.yaml",
        "rules:\n  - id: acme-test-token\n    name: Acme test token\n    description: Revoke it.\n    \
         severity: high\n    keywords: [acmetok_]\n    regex: '(?P<secret>acmetok_[0-9A-Za-z]{32})'\n",
    );
    write(root, ".leakgate.yml", "rules_files: [rules/acme.yaml]\n");
}

/// Runs a command in JSON and returns the report and the exit code.
fn json_run(cmd: &str, dir: &Path, extra: &[&str]) -> (Value, i32) {
    let out = leakgate()
        .arg(cmd)
        .arg(dir)
        .args(["--format", "json"])
        .args(extra)
        .output()
        .expect("leakgate runs");
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (json, out.status.code().expect("exit code"))
}

fn env_json(dir: &Path) -> Value {
    json_run("env", dir, &[]).0
}

fn findings(json: &Value) -> Vec<Value> {
    json["findings"].as_array().expect("findings array").clone()
}

/// Every verdict: each finding's own, and those of the env checks folded into it (a secret
/// rule's finding carries, under `also`, the env checks that judged the same value), each with
/// the finding's place and its own rule, severity and message.
fn verdicts(json: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    for f in findings(json) {
        for also in f["also"].as_array().into_iter().flatten() {
            let mut v = also.clone();
            v["path"] = f["path"].clone();
            v["line"] = f["line"].clone();
            out.push(v);
        }
        out.push(f);
    }
    out
}

/// Verdicts of one rule, as (path, line, severity).
fn of_rule(json: &Value, rule: &str) -> Vec<(String, u64, String)> {
    verdicts(json)
        .into_iter()
        .filter(|f| f["rule"] == rule)
        .map(|f| {
            (
                f["path"].as_str().expect("path").to_string(),
                f["line"].as_u64().expect("line"),
                f["severity"].as_str().expect("severity").to_string(),
            )
        })
        .collect()
}

fn message_of(json: &Value, rule: &str, path: &str, line: u64) -> String {
    verdicts(json)
        .into_iter()
        .find(|f| f["rule"] == rule && f["path"] == path && f["line"] == line)
        .unwrap_or_else(|| panic!("no {rule} at {path}:{line} in {json:#}"))["message"]
        .as_str()
        .expect("message")
        .to_string()
}

fn env_rules(json: &Value) -> Vec<String> {
    verdicts(json)
        .into_iter()
        .filter_map(|f| f["rule"].as_str().map(str::to_string))
        .filter(|r| r.starts_with("env-"))
        .collect()
}

fn t(path: &str, line: u64, severity: &str) -> (String, u64, String) {
    (path.to_string(), line, severity.to_string())
}

/// A well-separated project: templates committed, real env files ignored, references for
/// production secrets, nothing shared, nothing insecure.
fn clean_project(root: &Path) {
    git_init(root);
    write(root, ".gitignore", ".env*\n!.env.example\nnode_modules/\n");
    write(
        root,
        ".env.example",
        "# copy to .env and fill in\nDATABASE_URL=postgres://localhost:5432/app\nSTRIPE_SECRET_KEY=\n\
         NEXT_PUBLIC_SITE_URL=http://localhost:3000\nSESSION_SECRET=changeme\nNODE_ENV=development\n\
         HOST=localhost\nDEBUG=\nSESSION_COOKIE_SECURE=\n",
    );
    write(
        root,
        ".env",
        "DATABASE_URL=postgres://localhost:5432/app\nSTRIPE_SECRET_KEY=${STRIPE_TEST_KEY}\n\
         NEXT_PUBLIC_SITE_URL=http://localhost:3000\nSESSION_SECRET=dev\nNODE_ENV=development\n\
         HOST=localhost\nDEBUG=true\nSESSION_COOKIE_SECURE=false\n",
    );
    write(
        root,
        ".env.production",
        "DATABASE_URL=postgres://app:${DB_PASSWORD}@db.acme-cloud.net:5432/app\n\
         STRIPE_SECRET_KEY=${STRIPE_LIVE_KEY}\nNEXT_PUBLIC_SITE_URL=https://www.acme-shop.com\n\
         SESSION_SECRET=${SESSION_SECRET}\nNODE_ENV=production\nHOST=0.0.0.0\nDEBUG=false\n\
         SESSION_COOKIE_SECURE=true\n",
    );
    write(
        root,
        "node_modules/dep/.env",
        "DEBUG=true\nAPI_URL=http://localhost\n",
    );
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "init"]);
}

// ---------------------------------------------------------------------------------------------
// Clean projects
// ---------------------------------------------------------------------------------------------

#[test]
fn a_well_separated_project_is_clean_under_env_and_scan() {
    let dir = tempfile::tempdir().unwrap();
    clean_project(dir.path());
    for cmd in ["env", "scan"] {
        let (json, code) = json_run(cmd, dir.path(), &[]);
        assert_eq!(findings(&json), Vec::<Value>::new(), "{cmd}: {json:#}");
        assert_eq!(code, 0, "{cmd}");
        assert_eq!(json["summary"]["complete"], true);
    }
    leakgate()
        .args(["env"])
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(predicates::str::contains("no secrets found"));
}

#[test]
fn a_project_without_env_files_is_clean() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/main.rs", "fn main() {}\n");
    let (json, code) = json_run("env", dir.path(), &[]);
    assert_eq!(code, 0);
    assert_eq!(json["summary"]["files_scanned"], 0);
    assert!(findings(&json).is_empty());
}

// ---------------------------------------------------------------------------------------------
// env-committed-real-file
// ---------------------------------------------------------------------------------------------

#[test]
fn a_committed_production_file_is_critical_and_says_how_to_untrack_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    clean_project(root);
    let live = Tokens::new(1).stripe_live();
    write(
        root,
        ".env.production",
        format!("STRIPE_SECRET_KEY={live}\n"),
    );
    write(root, ".env", "PORT=3000\n");
    write(root, ".env.local", "PORT=3001\n");
    git(root, &["add", "-f", ".env.production", ".env"]);
    git(root, &["commit", "-q", "-m", "oops"]);
    git(root, &["add", "-f", ".env.local"]);
    // Run from inside the project, as a developer would, so the advice is a command to paste.
    let out = leakgate()
        .current_dir(root)
        .args(["env", ".", "--format", "json"])
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut got = of_rule(&json, "env-committed-real-file");
    got.sort();
    assert_eq!(
        got,
        [
            t(".env", 1, "low"),
            t(".env.local", 1, "high"),
            t(".env.production", 1, "critical")
        ]
    );
    let m = message_of(&json, "env-committed-real-file", ".env.production", 1);
    assert!(m.contains("git rm --cached .env.production"), "{m}");
    assert!(m.contains("rotate"), "{m}");
    let staged = message_of(&json, "env-committed-real-file", ".env.local", 1);
    assert!(
        staged.contains("staged") && staged.contains("no rotation"),
        "{staged}"
    );
    assert!(
        !json.to_string().contains(&live[8..]),
        "a secret reached the report"
    );
}

#[test]
fn a_tracked_file_deleted_from_the_working_tree_is_still_reported() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    git_init(root);
    write(
        root,
        "config/.env.staging",
        format!("DB_PASSWORD={}\n", Tokens::new(12).base62(16)),
    );
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "add"]);
    std::fs::remove_file(root.join("config/.env.staging")).unwrap();
    let json = env_json(root);
    assert_eq!(
        of_rule(&json, "env-committed-real-file"),
        [t("config/.env.staging", 1, "critical")]
    );
    let m = message_of(&json, "env-committed-real-file", "config/.env.staging", 1);
    assert!(m.contains("deleted from the working tree"), "{m}");
}

#[test]
fn an_env_file_named_in_the_config_and_deleted_since_is_still_reported_from_history() {
    // Regression: history filtered env files with the built-in names only, so a file mapped
    // through `env_files` that was committed and then deleted was never reported.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    git_init(root);
    write(
        root,
        ".leakgate.yml",
        "env_files:\n  'deploy/prod.vars': production\n",
    );
    write(
        root,
        "deploy/prod.vars",
        format!("API_TOKEN={}\n", Tokens::new(21).base62(24)),
    );
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "deploy vars"]);
    git(root, &["rm", "-q", "deploy/prod.vars"]);
    git(root, &["commit", "-q", "-m", "remove deploy vars"]);
    let (json, code) = json_run("scan", root, &[]);
    assert_eq!(code, 1, "{json:#}");
    assert_eq!(
        of_rule(&json, "env-committed-real-file"),
        [t("deploy/prod.vars", 1, "critical")],
        "{json:#}"
    );
    let m = message_of(&json, "env-committed-real-file", "deploy/prod.vars", 1);
    assert!(m.contains("deploy vars"), "{m}");
}

#[test]
fn a_baselined_committed_env_file_stays_accepted_after_git_rm_and_in_multi_root_scans() {
    // Regression: the working-tree check fingerprinted `env-committed-real-file` from the
    // relative path, history from the shown path (root-prefixed with several roots) and a
    // different case, so the finding came back as new after `git rm` or with other roots.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("app");
    std::fs::create_dir(&root).unwrap();
    let root = root.as_path();
    git_init(root);
    write(root, ".gitignore", ".env*\n");
    write(
        root,
        ".env.production",
        format!("API_TOKEN={}\n", Tokens::new(22).base62(24)),
    );
    git(root, &["add", "-f", ".gitignore", ".env.production"]);
    git(root, &["commit", "-q", "-m", "oops"]);
    let baseline = dir.path().join("baseline.json");
    let out = leakgate()
        .args(["baseline", "create", "--baseline-file"])
        .arg(&baseline)
        .arg(root)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let baseline_arg = baseline.to_str().unwrap();
    let fingerprint_of = |json: &Value| -> Vec<String> {
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .chain(json["suppressed"].as_array().into_iter().flatten())
            .filter(|f| f["rule"] == "env-committed-real-file")
            .map(|f| f["fingerprint"].as_str().unwrap().to_string())
            .collect()
    };
    let (before, code) = json_run("scan", root, &["--show-suppressed"]);
    assert_eq!(code, 1);
    let tracked = fingerprint_of(&before);
    assert_eq!(tracked.len(), 1, "{before:#}");

    git(root, &["rm", "-q", "--cached", ".env.production"]);
    git(root, &["commit", "-q", "-m", "untrack"]);
    let (after, code) = json_run(
        "scan",
        root,
        &["--baseline", baseline_arg, "--show-suppressed"],
    );
    assert_eq!(code, 0, "the accepted finding came back: {after:#}");
    assert!(of_rule(&after, "env-committed-real-file").is_empty());
    assert_eq!(fingerprint_of(&after), tracked, "{after:#}");

    // The same repository scanned next to another folder: paths are shown with their root,
    // fingerprints stay the same.
    let other = dir.path().join("other");
    std::fs::create_dir(&other).unwrap();
    let out = leakgate()
        .arg("scan")
        .arg(root)
        .arg(&other)
        .args([
            "--format",
            "json",
            "--show-suppressed",
            "--baseline",
            baseline_arg,
        ])
        .output()
        .unwrap();
    let multi: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{multi:#}");
    assert_eq!(fingerprint_of(&multi), tracked, "{multi:#}");
}

#[test]
fn a_subfolder_of_a_repository_knows_what_is_committed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    git_init(root);
    write(root, ".gitignore", ".env*\n");
    write(
        root,
        "services/api/.env.production",
        format!("API_TOKEN={}\n", Tokens::new(13).base62(20)),
    );
    write(root, "services/api/.env.test", "API_TOKEN=\n");
    git(root, &["add", "-f", "services/api/.env.production"]);
    git(root, &["commit", "-q", "-m", "add"]);
    let json = env_json(&root.join("services/api"));
    assert_eq!(
        of_rule(&json, "env-committed-real-file"),
        [t(".env.production", 1, "critical")]
    );
    assert!(of_rule(&json, "env-not-ignored").is_empty());
}

#[test]
fn templates_and_encrypted_files_may_be_committed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    git_init(root);
    write(
        root,
        ".gitignore",
        ".env*\n!.env.example\n!.env.production\n",
    );
    write(root, ".env.example", "API_KEY=\n");
    write(
        root,
        ".env.production",
        "API_KEY=ENC[AES256_GCM,data:Zm9vYmFy,iv:abc,tag:def,type:str]\nsops_version=3.8.1\n",
    );
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "init"]);
    let json = env_json(root);
    assert!(
        of_rule(&json, "env-committed-real-file").is_empty(),
        "{json:#}"
    );
    assert!(of_rule(&json, "env-not-ignored").is_empty(), "{json:#}");
}

// ---------------------------------------------------------------------------------------------
// env-not-ignored
// ---------------------------------------------------------------------------------------------

#[test]
fn real_env_files_must_be_gitignored_and_info_exclude_does_not_count() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    git_init(root);
    write(root, ".gitignore", "node_modules/\n");
    write(root, ".git/info/exclude", ".env.local\n");
    write(root, ".env.example", "PORT=\n");
    write(root, ".env.local", "PORT=3000\n");
    write(root, ".env.production", "PORT=80\n");
    write(root, "deploy/app.env", "PORT=80\n");
    let json = env_json(root);
    let mut got = of_rule(&json, "env-not-ignored");
    got.sort();
    assert_eq!(
        got,
        [
            t(".env.local", 1, "medium"),
            t(".env.production", 1, "high"),
            t("deploy/app.env", 1, "medium")
        ]
    );
    assert!(message_of(&json, "env-not-ignored", ".env.local", 1).contains("`.env*`"));
    assert!(message_of(&json, "env-not-ignored", "deploy/app.env", 1).contains("`*.env`"));
    write(root, ".gitignore", ".env*\n*.env\n!.env.example\n");
    assert!(of_rule(&env_json(root), "env-not-ignored").is_empty());
}

// ---------------------------------------------------------------------------------------------
// env-shared-secret
// ---------------------------------------------------------------------------------------------

#[test]
fn a_secret_shared_by_staging_and_production_is_reported_without_its_value() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, ".gitignore", ".env*\n");
    let password = Tokens::new(3).base62(20);
    let jwt = Tokens::new(4).base62(40);
    write(
        root,
        ".env.production",
        format!(
            "DATABASE_URL=postgres://app:{password}@db.acme-cloud.net/app\nJWT_SECRET={jwt}\n\
             OTHER_SECRET=prod-only-{password}\n"
        ),
    );
    write(
        root,
        ".env.staging",
        format!(
            "DB_PASS={password}\nJWT_SECRET={}\n",
            Tokens::new(14).base62(24)
        ),
    );
    write(root, ".env.test", format!("JWT_SECRET={jwt}\n"));
    for format in ["json", "human", "sarif"] {
        let out = leakgate()
            .args(["env", "--format", format])
            .arg(root)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            !text.contains(&password),
            "{format}: the shared value was printed"
        );
        assert!(
            !text.contains(&jwt),
            "{format}: the shared value was printed"
        );
        assert_eq!(out.status.code(), Some(1));
    }
    let json = env_json(root);
    let mut got = of_rule(&json, "env-shared-secret");
    got.sort();
    assert_eq!(
        got,
        [
            t(".env.production", 1, "high"),
            t(".env.production", 2, "high")
        ]
    );
    let m = message_of(&json, "env-shared-secret", ".env.production", 1);
    assert!(m.contains("`DB_PASS` in .env.staging:1 (staging)"), "{m}");
    let m = message_of(&json, "env-shared-secret", ".env.production", 2);
    assert!(m.contains(".env.test:1 (test)"), "{m}");
    for f in findings(&json)
        .iter()
        .filter(|f| f["rule"] == "env-shared-secret")
    {
        assert_eq!(f["preview"], "", "no preview of a shared value");
    }
}

#[test]
fn secrets_shared_only_between_development_and_test_are_informational() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, ".gitignore", ".env*\n");
    let token = format!("API_TOKEN=local-{}\n", Tokens::new(15).base62(12));
    // The generic secret rule would also (rightly) report the value itself; this test is about
    // the cross-environment check alone.
    write(
        root,
        ".leakgate.yml",
        "disable_rules: [generic-secret-assignment]\n",
    );
    write(root, ".env.development", &token);
    write(root, ".env.test", &token);
    let (json, code) = json_run("env", root, &[]);
    assert_eq!(
        of_rule(&json, "env-shared-secret"),
        [t(".env.test", 1, "info")]
    );
    assert_eq!(code, 0, "info does not fail the default --fail-on low");
}

// ---------------------------------------------------------------------------------------------
// env-live-key-outside-production / env-test-key-in-production
// ---------------------------------------------------------------------------------------------

#[test]
fn live_keys_and_production_databases_outside_production() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let mut tokens = Tokens::new(5);
    write(root, ".gitignore", ".env*\n");
    write(
        root,
        ".env.production",
        format!(
            "STRIPE_SECRET_KEY={}\nDATABASE_URL=postgres://app:${{DB_PASSWORD}}@pg-main.acme-cloud.net/app\n",
            tokens.stripe_live()
        ),
    );
    write(
        root,
        ".env.test",
        format!("STRIPE_SECRET_KEY={}\n", tokens.stripe_live()),
    );
    write(
        root,
        ".env.staging",
        "STRIPE_SECRET_KEY=${STRIPE_KEY}\nDATABASE_URL=postgres://app:${DB_PASSWORD}@pg-main.acme-cloud.net/app_staging\n\
         CACHE_URL=redis://cache.prod.acme-cloud.net:6379\n",
    );
    write(
        root,
        ".env.local",
        format!("STRIPE_SECRET_KEY={}\n", tokens.stripe_test()),
    );
    let json = env_json(root);
    let mut got = of_rule(&json, "env-live-key-outside-production");
    got.sort();
    assert_eq!(
        got,
        [
            t(".env.staging", 2, "high"),
            t(".env.staging", 3, "high"),
            t(".env.test", 1, "critical")
        ]
    );
    let m = message_of(&json, "env-live-key-outside-production", ".env.staging", 2);
    assert!(
        m.contains("pg-main.acme-cloud.net") && m.contains(".env.production:2"),
        "{m}"
    );
    let live = findings(&json)
        .into_iter()
        .find(|f| {
            // The live key's finding, with this verdict folded in.
            f["path"] == ".env.test" && f["also"][0]["rule"] == "env-live-key-outside-production"
        })
        .unwrap();
    assert_eq!(
        live["preview"], "sk_live_…",
        "the live key is redacted to its prefix"
    );
}

#[test]
fn test_keys_sandbox_hosts_and_test_modes_in_production() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, ".gitignore", ".env*\n");
    write(
        root,
        ".env.production",
        format!(
            "STRIPE_SECRET_KEY={}\nPAYPAL_MODE=sandbox\nPAYPAL_API=https://api-m.sandbox.paypal.com\n\
             NODE_ENV=production\nSTRIPE_PLACEHOLDER=sk_{}_{}\n",
            Tokens::new(6).stripe_test(),
            "test",
            "x".repeat(24)
        ),
    );
    write(
        root,
        ".env.staging",
        format!("STRIPE_SECRET_KEY={}\n", Tokens::new(7).stripe_test()),
    );
    let json = env_json(root);
    let mut got = of_rule(&json, "env-test-key-in-production");
    got.sort();
    assert_eq!(
        got,
        [
            t(".env.production", 1, "high"),
            t(".env.production", 2, "medium"),
            t(".env.production", 3, "medium")
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// env-dev-endpoint-in-production
// ---------------------------------------------------------------------------------------------

#[test]
fn developer_and_private_endpoints_in_production() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, ".gitignore", ".env*\n");
    write(
        root,
        ".env.production",
        "API_URL=http://localhost:8080/api\nREDIS_HOST=127.0.0.1\nSEARCH_URL=http://192.168.1.20:9200\n\
         AUTH_URL=https://auth.staging.acme-shop.com\nPRINTER=http://office-printer.local\n\
         HOST=0.0.0.0\nBIND_ADDR=127.0.0.1:8080\nCDN_URL=https://cdn.acme-shop.com\n\
         WEBHOOK=http://0.0.0.0:3000/hook\nMETADATA=http://metadata.google.internal\n\
         DB_HOST=db.prod.internal\nNAS_URL=http://nas.home.arpa/share\n",
    );
    write(
        root,
        ".env.staging",
        "API_URL=https://api.prod.acme-shop.com\nDEBUG_URL=http://localhost:9229\n",
    );
    write(root, ".env.local", "API_URL=http://localhost:8080/api\n");
    let json = env_json(root);
    let mut got = of_rule(&json, "env-dev-endpoint-in-production");
    got.sort();
    assert_eq!(
        got,
        [
            t(".env.production", 1, "medium"),
            t(".env.production", 2, "medium"),
            t(".env.production", 3, "low"),
            t(".env.production", 4, "medium"),
            t(".env.production", 5, "medium"),
            t(".env.production", 9, "medium"),
            // Lines 10 and 11 are cloud-private names (`*.internal`), where production's private
            // hosts live: not development endpoints. Line 12 is a home-network name.
            t(".env.production", 12, "medium"),
            t(".env.staging", 1, "medium"),
        ]
    );
    let m = message_of(
        &json,
        "env-dev-endpoint-in-production",
        ".env.production",
        4,
    );
    assert!(
        m.contains("auth.staging.acme-shop.com") && m.contains("staging"),
        "{m}"
    );
}

// ---------------------------------------------------------------------------------------------
// env-insecure-production-setting
// ---------------------------------------------------------------------------------------------

#[test]
fn insecure_settings_in_production_and_softer_in_staging() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, ".gitignore", ".env*\n");
    let settings = "DEBUG=true\nNODE_ENV=development\nNODE_TLS_REJECT_UNAUTHORIZED=0\nAPP_DEBUG=false\n\
                    CORS_ORIGIN=*\nSESSION_COOKIE_SECURE=False\nLOG_LEVEL=info\n";
    write(root, ".env.production", settings);
    write(root, ".env.staging", settings);
    write(root, ".env.development", settings);
    let json = env_json(root);
    let mut got = of_rule(&json, "env-insecure-production-setting");
    got.sort();
    assert_eq!(
        got,
        [
            t(".env.production", 1, "high"),
            t(".env.production", 2, "high"),
            t(".env.production", 3, "high"),
            t(".env.production", 5, "medium"),
            t(".env.production", 6, "medium"),
            t(".env.staging", 1, "medium"),
            t(".env.staging", 2, "medium"),
            t(".env.staging", 3, "medium"),
            t(".env.staging", 5, "low"),
            t(".env.staging", 6, "low"),
        ]
    );
    let m = message_of(
        &json,
        "env-insecure-production-setting",
        ".env.production",
        3,
    );
    assert!(
        m.contains("`NODE_TLS_REJECT_UNAUTHORIZED=0`") && m.contains("TLS"),
        "{m}"
    );
}

// ---------------------------------------------------------------------------------------------
// env-secret-in-template
// ---------------------------------------------------------------------------------------------

#[test]
fn templates_must_hold_placeholders() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    with_acme_rule(root);
    let mut tokens = Tokens::new(8);
    let random = tokens.base62(32);
    let acme = tokens.acme();
    write(
        root,
        ".env.example",
        format!(
            "JWT_SECRET={random}\nX1={acme}\nDATABASE_URL=postgres://postgres:postgres@localhost/app\n\
             API_KEY=your-api-key-here\nSTRIPE_SECRET_KEY=sk_{}_{}\n\
             REMOTE_DB=postgres://admin:{}@db.acme-cloud.net/app\nPORT=3000\n",
            "test",
            "x".repeat(20),
            tokens.base62(16)
        ),
    );
    let json = env_json(root);
    let mut got = of_rule(&json, "env-secret-in-template");
    got.sort();
    assert_eq!(
        got,
        [
            // Built-in rules recognise lines 1 (a secret assignment) and 6 (a database URL
            // with a password): a rule match is high, high entropy alone would be medium.
            t(".env.example", 1, "high"),
            t(".env.example", 2, "high"),
            t(".env.example", 6, "high")
        ]
    );
    assert!(
        message_of(&json, "env-secret-in-template", ".env.example", 2).contains("acme-test-token")
    );
}

// ---------------------------------------------------------------------------------------------
// env-drift
// ---------------------------------------------------------------------------------------------

#[test]
fn drift_between_template_and_environments_with_near_miss_names() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, ".gitignore", ".env*\n!.env.example\n");
    write(
        root,
        ".env.example",
        "DATABASE_URL=\nREDIS_URL=\nSTRIPE_WEBHOOK_SECRET=\n",
    );
    write(
        root,
        ".env.production",
        "DATABSE_URL=postgres://db.acme-cloud.net/app\nREDIS_URL=redis://cache.acme-cloud.net\nFEATURE_X=on\n",
    );
    write(
        root,
        ".env",
        "DATABASE_URL=postgres://localhost/app\nREDIS_URL=redis://localhost\nSTRIPE_WEBHOOK_SECRET=${WHSEC}\n",
    );
    let json = env_json(root);
    let mut got = of_rule(&json, "env-drift");
    got.sort();
    assert_eq!(
        got,
        [
            t(".env.example", 3, "medium"),
            t(".env.production", 1, "medium"),
            t(".env.production", 3, "low"),
        ]
    );
    let m = message_of(&json, "env-drift", ".env.production", 1);
    assert!(
        m.contains("`DATABSE_URL`") && m.contains("`DATABASE_URL`") && m.contains("misspelling"),
        "{m}"
    );
    let m = message_of(&json, "env-drift", ".env.example", 3);
    assert!(
        m.contains("STRIPE_WEBHOOK_SECRET") && m.contains("production"),
        "{m}"
    );
}

#[test]
fn drift_uses_the_nearest_template_in_a_monorepo() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, ".gitignore", ".env*\n!.env.example\n");
    write(root, ".env.example", "ROOT_ONLY=\n");
    write(root, "apps/web/.env.example", "API_URL=\n");
    write(
        root,
        "apps/web/.env.production",
        "API_URL=https://api.acme-shop.com\n",
    );
    let json = env_json(root);
    assert!(of_rule(&json, "env-drift").is_empty(), "{json:#}");
}

// ---------------------------------------------------------------------------------------------
// env-client-exposed-secret
// ---------------------------------------------------------------------------------------------

fn b64url(bytes: &[u8]) -> String {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().fold(0u32, |a, &b| (a << 8) | u32::from(b)) << (8 * (3 - chunk.len()));
        for i in 0..=chunk.len() {
            out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

#[test]
fn secrets_in_browser_exposed_variables() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, ".gitignore", ".env*\n!.env.example\n");
    let header = b64url(br#"{"alg":"HS256","typ":"JWT"}"#);
    let sig = Tokens::new(9).base62(43);
    let service = format!(
        "{header}.{}.{sig}",
        b64url(br#"{"iss":"supabase","role":"service_role"}"#)
    );
    let anon = format!(
        "{header}.{}.{sig}",
        b64url(br#"{"iss":"supabase","role":"anon"}"#)
    );
    write(
        root,
        ".env.local",
        format!(
            "VITE_STRIPE_KEY={}\nNEXT_PUBLIC_SUPABASE_SERVICE_ROLE_KEY={service}\n\
             NEXT_PUBLIC_SUPABASE_ANON_KEY={anon}\nREACT_APP_ADMIN_PASSWORD={}\n\
             NEXT_PUBLIC_API_URL=https://api.acme-shop.com\nSTRIPE_SECRET={}\n",
            Tokens::new(10).stripe_live(),
            Tokens::new(16).base62(18),
            Tokens::new(17).base62(18)
        ),
    );
    write(
        root,
        ".env.example",
        "NEXT_PUBLIC_JWT_SECRET=\nVITE_MAPBOX_TOKEN=\n",
    );
    let json = env_json(root);
    let mut got = of_rule(&json, "env-client-exposed-secret");
    got.sort();
    assert_eq!(
        got,
        [
            t(".env.example", 1, "medium"),
            t(".env.local", 1, "critical"),
            t(".env.local", 2, "critical"),
            // The built-in generic rule recognises the password value itself: critical.
            t(".env.local", 4, "critical"),
        ]
    );
    let m = message_of(&json, "env-client-exposed-secret", ".env.local", 1);
    assert!(m.contains("Vite") && m.contains("`VITE_`"), "{m}");
}

// ---------------------------------------------------------------------------------------------
// Secret findings inside env files
// ---------------------------------------------------------------------------------------------

#[test]
fn secrets_in_ignored_env_files_are_reported_once_by_scan_and_by_env() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    with_acme_rule(root);
    let mut tokens = Tokens::new(11);
    write(root, ".gitignore", ".env*\n!.env.example\nbuild/\n");
    write(root, ".env", format!("X1={}\n", tokens.acme()));
    write(root, ".env.example", format!("X1={}\n", tokens.acme()));
    write(
        root,
        "src/app.js",
        format!("const x = '{}';\n", tokens.acme()),
    );
    write(
        root,
        "build/out.js",
        format!("const x = '{}';\n", tokens.acme()),
    );
    let acme_paths = |json: &Value| {
        let mut p: Vec<String> = findings(json)
            .into_iter()
            .filter(|f| f["rule"] == "acme-test-token")
            .map(|f| f["path"].as_str().unwrap().to_string())
            .collect();
        p.sort();
        p
    };
    let (json, code) = json_run("scan", root, &[]);
    assert_eq!(code, 1);
    assert_eq!(acme_paths(&json), [".env", ".env.example", "src/app.js"]);
    let (json, _) = json_run("env", root, &[]);
    assert_eq!(acme_paths(&json), [".env", ".env.example"]);
    let (json, _) = json_run("scan", root, &["--no-env"]);
    assert_eq!(acme_paths(&json), [".env.example", "src/app.js"]);
    assert!(
        env_rules(&json).is_empty(),
        "--no-env turns the env checks off"
    );
}

#[test]
fn scanning_several_roots_shows_env_paths_under_their_root() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    write(a.path(), ".env.production", "DEBUG=true\n");
    write(b.path(), "readme.txt", "hi\n");
    let out = leakgate()
        .arg("scan")
        .arg(a.path())
        .arg(b.path())
        .args(["--format", "json"])
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let expected = format!("{}/.env.production", a.path().display());
    assert!(
        findings(&json)
            .iter()
            .any(|f| f["rule"] == "env-insecure-production-setting"
                && f["path"] == expected.as_str()),
        "{json:#}"
    );
}

// ---------------------------------------------------------------------------------------------
// Parsing real dotenv syntax
// ---------------------------------------------------------------------------------------------

#[test]
fn real_dotenv_syntax_is_understood_and_lines_are_exact() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, ".gitignore", ".env*\n");
    let content = "\u{feff}# production\r\nexport DEBUG=\"true\"\r\nPRIVATE_KEY=\"-----BEGIN KEY-----\r\nabc\r\n-----END KEY-----\"\r\n\
                   this line is not an assignment\r\nNODE_ENV='development' # oops\r\n\
                   DATABASE_URL=postgres://u:${DB_PASS}@localhost/db\r\nCORS_ORIGIN=`*`\r\n";
    write(root, ".env.production", content);
    let out = leakgate()
        .args(["env", "--format", "json"])
        .arg(root)
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(".env.production:6: malformed env line"),
        "malformed line is a warning with file:line: {stderr}"
    );
    assert!(
        !stderr.contains("this line"),
        "warnings never quote the line"
    );
    let mut got = of_rule(&json, "env-insecure-production-setting");
    got.sort();
    assert_eq!(
        got,
        [
            t(".env.production", 2, "high"),
            t(".env.production", 7, "high"),
            t(".env.production", 9, "medium")
        ]
    );
    assert_eq!(
        of_rule(&json, "env-dev-endpoint-in-production"),
        [t(".env.production", 8, "medium")]
    );
    let debug = findings(&json)
        .into_iter()
        .find(|f| f["line"] == 2)
        .unwrap();
    assert_eq!(debug["column"], 8, "column of the key after `export `");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn binary_and_garbage_env_files_never_crash() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, ".gitignore", ".env*\n");
    write(root, ".env", b"\x00\x01\x02binary");
    write(
        root,
        ".env.production",
        b"\xff\xfe=\"\n'''\n\\\n${\n$(\nA=\"unterminated\n",
    );
    let (json, code) = json_run("env", root, &[]);
    assert_eq!(code, 0, "{json:#}");
    assert!(json["summary"]["warnings"].as_array().unwrap().len() >= 3);
}

// ---------------------------------------------------------------------------------------------
// Configuration and command line
// ---------------------------------------------------------------------------------------------

#[test]
fn config_maps_other_names_to_environments_and_can_disable_env_rules() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, ".gitignore", "config/\n.env*\n");
    write(root, "config/prod.vars", "DEBUG=true\n");
    write(root, "docker.env", "DEBUG=true\nAPI_URL=http://localhost\n");
    write(
        root,
        ".leakgate.yml",
        "env_files:\n  config/*.vars: production\n  docker.env: none\n",
    );
    let json = env_json(root);
    assert_eq!(
        of_rule(&json, "env-insecure-production-setting"),
        [t("config/prod.vars", 1, "high")]
    );
    assert!(findings(&json).iter().all(|f| f["path"] != "docker.env"));
    write(
        root,
        ".leakgate.yml",
        "env_files:\n  config/*.vars: production\ndisable_rules: [env-insecure-production-setting]\n",
    );
    assert!(of_rule(&env_json(root), "env-insecure-production-setting").is_empty());
}

#[test]
fn bad_env_config_is_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        ".leakgate.yml",
        "env_files:\n  x.vars: prodution\n",
    );
    leakgate()
        .arg("env")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("prodution").and(predicates::str::contains("x.vars")));
    write(dir.path(), ".leakgate.yml", "disable_rules: [env-drfit]\n");
    leakgate()
        .arg("env")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("env-drfit"));
}

use predicates::prelude::PredicateBooleanExt;

#[test]
fn env_takes_the_output_flags_and_exit_codes_of_scan() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, ".gitignore", ".env*\n");
    write(root, ".env.production", "DEBUG=true\nthis is malformed\n");
    let report = root.join("report.sarif");
    leakgate()
        .arg("env")
        .arg(root)
        .args(["--format", "sarif", "-q", "--output"])
        .arg(&report)
        .assert()
        .code(1)
        .stdout("")
        .stderr("");
    let sarif: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules.iter().any(|r| {
        r["id"] == "env-insecure-production-setting"
            && r["fullDescription"]["text"]
                .as_str()
                .unwrap()
                .contains("Set")
    }));
    let result = &run["results"][0];
    assert_eq!(result["ruleId"], "env-insecure-production-setting");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["region"]["startLine"],
        1
    );
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        ".env.production"
    );
    leakgate()
        .arg("env")
        .arg(root)
        .args(["--fail-on", "critical"])
        .assert()
        .code(0)
        .stdout(predicates::str::contains("DEBUG=true"));
    leakgate()
        .args(["env", "/definitely/not/here"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no such file or directory"));
    leakgate()
        .arg("env")
        .arg(root.join(".env.production"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("not a directory"));
}

#[cfg(unix)]
#[test]
fn symlinks_and_fifos_named_like_env_files_are_never_opened() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, ".gitignore", ".env*\n");
    write(root, "outside/secret.txt", "DEBUG=true\n");
    std::os::unix::fs::symlink(
        root.join("outside/secret.txt"),
        root.join(".env.production"),
    )
    .unwrap();
    let fifo = root.join(".env.staging");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    let (json, code) = json_run("env", root, &["-v"]);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(json["summary"]["skipped"]["symlink"], 1);
    assert_eq!(json["summary"]["skipped"]["special"], 1);
    assert!(findings(&json).is_empty());
}

#[test]
fn dependency_folders_and_virtualenvs_are_not_searched() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "node_modules/pkg/.env.production", "DEBUG=true\n");
    write(root, "vendor/lib/.env.production", "DEBUG=true\n");
    write(root, "py/.env/pyvenv.cfg", "home = /usr/bin\n");
    write(root, "py/.env/lib/.env.production", "DEBUG=true\n");
    let (json, code) = json_run("env", root, &[]);
    assert_eq!(code, 0, "{json:#}");
    assert!(findings(&json).is_empty());
}
