//! One finding per problem, and the right severity: an env check and a secret rule that judge
//! the same value are one finding; git-ignored env files that were never committed are reported
//! but do not fail the gate; a database password for the developer's own machine is low;
//! `env-shared-secret` says what is shared.

use crate::common::{Tokens, git, leakgate, write};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

fn scan_json(dir: &Path, extra: &[&str]) -> (Value, i32) {
    let out = leakgate()
        .current_dir(dir)
        .args(["scan", ".", "--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("not JSON; stderr: {}", String::from_utf8_lossy(&out.stderr)));
    (json, out.status.code().unwrap())
}

fn findings(json: &Value) -> &Vec<Value> {
    json["findings"].as_array().expect("findings")
}

/// `(path, line, rule)` of every finding, with the rules folded into it after a `+`.
fn places(json: &Value) -> BTreeSet<(String, u64, String)> {
    findings(json)
        .iter()
        .map(|f| {
            let mut rules = vec![f["rule"].as_str().unwrap().to_string()];
            for also in f["also"].as_array().into_iter().flatten() {
                rules.push(also["rule"].as_str().unwrap().to_string());
            }
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                rules.join("+"),
            )
        })
        .collect()
}

/// A developer's local database password (built at run time: the repository's own self-scan
/// would otherwise find it).
fn dev_password() -> String {
    ["dev", "pass"].concat()
}

/// A base32 AWS secret-looking value: 40 characters of the key's alphabet.
fn aws_secret(t: &mut Tokens) -> String {
    t.pick(
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+",
        40,
    )
}

struct Startup {
    dir: tempfile::TempDir,
    db_password: String,
    stripe_prod: String,
    stripe_staging: String,
    aws_id: String,
    github: String,
}

/// A startup's repository as it is found in the wild: a template, a local `.env`, and
/// production and staging env files committed by mistake, sharing an AWS key pair and a
/// database password, staging with a live Stripe key of its own.
fn startup() -> Startup {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let mut t = Tokens::new(1201);
    let db_password = t.base62(20);
    let stripe_prod = t.stripe_live();
    let stripe_staging = t.stripe_live();
    let aws_id = t.aws_key_id();
    let aws_key = aws_secret(&mut t);
    let github = t.github_pat();
    git(root, &["init", "-q"]);
    write(root, ".gitignore", "node_modules/\n.env\n");
    write(
        root,
        ".env.example",
        "DATABASE_URL=postgres://app:changeme@localhost:5432/app\nSTRIPE_SECRET_KEY=\n\
         AWS_ACCESS_KEY_ID=\nAWS_SECRET_ACCESS_KEY=\nGITHUB_TOKEN=\n",
    );
    write(
        root,
        ".env",
        format!(
            "DATABASE_URL=postgres://app:{}@localhost:5432/app\nSTRIPE_SECRET_KEY={}\n\
             AWS_ACCESS_KEY_ID=\nAWS_SECRET_ACCESS_KEY=\nGITHUB_TOKEN=\n",
            dev_password(),
            t.stripe_test()
        ),
    );
    write(
        root,
        ".env.production",
        format!(
            "DATABASE_URL=postgres://app:{db_password}@db.prod.acme-corp.io:5432/app\n\
             STRIPE_SECRET_KEY={stripe_prod}\nAWS_ACCESS_KEY_ID={aws_id}\n\
             AWS_SECRET_ACCESS_KEY={aws_key}\nGITHUB_TOKEN={github}\n"
        ),
    );
    write(
        root,
        ".env.staging",
        format!(
            "DATABASE_URL=postgres://app:{db_password}@db.staging.acme-corp.io:5432/app\n\
             STRIPE_SECRET_KEY={stripe_staging}\nAWS_ACCESS_KEY_ID={aws_id}\n\
             AWS_SECRET_ACCESS_KEY={aws_key}\nGITHUB_TOKEN=\n"
        ),
    );
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "config"]);
    Startup {
        dir,
        db_password,
        stripe_prod,
        stripe_staging,
        aws_id,
        github,
    }
}

#[test]
fn a_startup_repository_has_one_finding_per_problem() {
    let s = startup();
    let (json, code) = scan_json(s.dir.path(), &[]);
    assert_eq!(code, 1, "{json:#}");
    let got = places(&json);
    let want: BTreeSet<(String, u64, String)> = [
        // The developer's own `.env` (ignored, never committed): reported, not gating.
        (".env", 1, "postgres-url-password"),
        (".env", 2, "stripe-secret-key-test"),
        // Both committed env files: one finding each for the file.
        (".env.production", 1, "env-committed-real-file"),
        (".env.staging", 1, "env-committed-real-file"),
        (".env.production", 1, "env-not-ignored"),
        (".env.staging", 1, "env-not-ignored"),
        // Production: each secret once, with the shared-secret verdict folded in where the
        // value is also staging's.
        (
            ".env.production",
            1,
            "postgres-url-password+env-shared-secret",
        ),
        (".env.production", 2, "stripe-secret-key-live"),
        // The AWS key pair is one finding at its secret (the key id folded in); the id's
        // shared-value verdict stays at the id's line.
        (".env.production", 3, "env-shared-secret"),
        (
            ".env.production",
            4,
            "aws-secret-access-key+aws-access-key-id+env-shared-secret",
        ),
        (".env.production", 5, "github-pat-classic"),
        // Staging: the same secrets (a leak of each copy), the live key once with its
        // "production credential outside production" verdict.
        (".env.staging", 1, "postgres-url-password"),
        (
            ".env.staging",
            2,
            "stripe-secret-key-live+env-live-key-outside-production",
        ),
        (".env.staging", 4, "aws-secret-access-key+aws-access-key-id"),
    ]
    .into_iter()
    .map(|(p, l, r)| (p.to_string(), l, r.to_string()))
    .collect();
    assert_eq!(got, want, "{json:#}");
    assert_eq!(json["summary"]["total_findings"], want.len());
    for f in findings(&json) {
        let local = f["path"] == ".env";
        assert_eq!(f["local_only"] == true, local, "{f:#}");
    }
    assert_eq!(json["summary"]["failing_findings"], want.len() - 2);
    // One problem, the highest severity of its verdicts, the secret rule's fingerprint, and
    // every explanation: the folded verdict's message, rule and advice.
    let staging_live = findings(&json)
        .iter()
        .find(|f| f["path"] == ".env.staging" && f["line"] == 2)
        .unwrap();
    assert_eq!(staging_live["severity"], "critical");
    assert_eq!(
        staging_live["fingerprint"],
        leakgate::finding::fingerprint("stripe-secret-key-live", s.stripe_staging.as_bytes())
    );
    let also = &staging_live["also"][0];
    assert_eq!(also["rule"], "env-live-key-outside-production");
    assert!(also["advice"].as_str().unwrap().contains("test-mode key"));
    let message = staging_live["message"].as_str().unwrap();
    assert!(
        message.contains("[env-live-key-outside-production]")
            && message.contains("in a staging env file"),
        "{message}"
    );
    // No secret is printed whole, in any finding or message.
    let text = json.to_string();
    for secret in [
        &s.db_password,
        &s.stripe_prod,
        &s.stripe_staging,
        &s.aws_id,
        &s.github,
    ] {
        assert!(!text.contains(secret.as_str()), "{secret} printed");
    }
}

#[test]
fn every_format_shows_a_merged_finding_once() {
    let s = startup();
    let root = s.dir.path();
    let (json, _) = scan_json(root, &[]);
    let total = findings(&json).len();
    // Human: one header line per finding; the folded rule appears in its message only.
    let out = leakgate()
        .current_dir(root)
        .args(["scan", "."])
        .output()
        .unwrap();
    let human = String::from_utf8_lossy(&out.stdout);
    let headers: Vec<&str> = human
        .lines()
        .filter(|l| {
            let t = l.trim_start();
            t.split_whitespace().next().is_some_and(|p| {
                p.split_once(':')
                    .is_some_and(|(a, b)| a.parse::<u32>().is_ok() && b.parse::<u32>().is_ok())
            })
        })
        .collect();
    assert_eq!(headers.len(), total, "{human}");
    assert!(
        !headers
            .iter()
            .any(|h| h.contains("[env-live-key-outside-production]")),
        "{human}"
    );
    assert!(human.contains("Also Production credential outside production"));
    // "What to do" counts it once, as a credential to rotate.
    assert!(human.contains("\n  Rotate: "), "{human}");
    // SARIF: one result per finding, the folded rules named.
    let out = leakgate()
        .current_dir(root)
        .args(["scan", ".", "--format", "sarif"])
        .output()
        .unwrap();
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), total);
    let staging_live = results
        .iter()
        .find(|r| {
            r["ruleId"] == "stripe-secret-key-live"
                && r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    == ".env.staging"
        })
        .unwrap();
    assert_eq!(
        staging_live["properties"]["also_rules"][0],
        "env-live-key-outside-production"
    );
    // GitHub annotations: one per finding.
    let summary = tempfile::NamedTempFile::new().unwrap();
    let out = leakgate()
        .current_dir(root)
        .args(["scan", "."])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", summary.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let annotations = stderr
        .lines()
        .filter(|l| {
            l.starts_with("::") && l.contains(" file=") || l.contains("::") && l.contains("file=")
        })
        .count();
    assert_eq!(annotations, total, "{stderr}");
}

#[test]
fn a_baseline_made_before_the_merge_still_accepts_the_merged_finding() {
    let s = startup();
    let root = s.dir.path();
    // What a baseline written by an older leakgate holds for the staging live key: the secret
    // rule's finding and the env check's, each under its own fingerprint.
    let baseline = serde_json::json!({
        "schema_version": 1,
        "findings": [
            {
                "fingerprint": leakgate::finding::fingerprint("stripe-secret-key-live", s.stripe_staging.as_bytes()),
                "rule": "stripe-secret-key-live", "path": ".env.staging", "line": 2
            },
            {
                "fingerprint": leakgate::finding::fingerprint("env-live-key-outside-production", s.stripe_staging.as_bytes()),
                "rule": "env-live-key-outside-production", "path": ".env.staging", "line": 2
            }
        ]
    });
    let file = root.join("old-baseline.json");
    std::fs::write(&file, baseline.to_string()).unwrap();
    let (json, _) = scan_json(root, &["--baseline", file.to_str().unwrap()]);
    assert!(
        !findings(&json)
            .iter()
            .any(|f| f["path"] == ".env.staging" && f["line"] == 2),
        "{json:#}"
    );
    assert_eq!(json["summary"]["suppressed"], 1);
    // And a baseline written now accepts everything it lists, run after run.
    let new = root.join("new-baseline.json");
    leakgate()
        .current_dir(root)
        .args(["baseline", "create", "--baseline-file"])
        .arg(&new)
        .arg(".")
        .assert()
        .success();
    let (json, code) = scan_json(root, &["--baseline", new.to_str().unwrap()]);
    assert_eq!(code, 0, "{json:#}");
    assert!(findings(&json).is_empty(), "{json:#}");
}

#[test]
fn shared_secret_says_what_is_shared_without_the_value() {
    let s = startup();
    let (json, _) = scan_json(s.dir.path(), &[]);
    let message_at = |line: u64| {
        findings(&json)
            .iter()
            .filter(|f| f["path"] == ".env.production" && f["line"] == line)
            .find_map(|f| {
                if f["rule"] == "env-shared-secret" {
                    return f["message"].as_str();
                }
                f["also"]
                    .as_array()?
                    .iter()
                    .find(|a| a["rule"] == "env-shared-secret")?["message"]
                    .as_str()
            })
            .unwrap_or_else(|| panic!("no shared-secret verdict on line {line}: {json:#}"))
            .to_string()
    };
    let db = message_at(1);
    assert!(
        db.starts_with(
            "The password of `DATABASE_URL` in .env.production is the same as the password of \
             `DATABASE_URL` in .env.staging:1 (staging) (hosts db.prod.acme-corp.io, \
             db.staging.acme-corp.io)"
        ),
        "{db}"
    );
    assert!(!db.contains(&s.db_password));
    let aws = message_at(3);
    assert!(
        aws.starts_with(
            "The value of `AWS_ACCESS_KEY_ID` in .env.production is the same as the value of \
             `AWS_ACCESS_KEY_ID` in .env.staging:3 (staging):"
        ),
        "{aws}"
    );
    assert!(!aws.contains(&s.aws_id));
}

/// A repository whose `.gitignore` covers `.env.local`, and a `.env.local` with real-looking
/// secrets that was never added.
fn local_env_repo() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let mut t = Tokens::new(1202);
    let stripe = t.stripe_live();
    git(root, &["init", "-q"]);
    write(root, ".gitignore", ".env.local\n");
    write(root, "app.js", "console.log('hi')\n");
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "app"]);
    write(
        root,
        ".env.local",
        format!(
            "STRIPE_SECRET_KEY={stripe}\nGITHUB_TOKEN={}\n",
            t.github_pat()
        ),
    );
    (dir, stripe)
}

#[test]
fn an_ignored_never_committed_env_file_is_reported_but_does_not_fail_the_gate() {
    let (dir, stripe) = local_env_repo();
    let root = dir.path();
    let (json, code) = scan_json(root, &[]);
    assert_eq!(code, 0, "{json:#}");
    let found = findings(&json);
    assert_eq!(found.len(), 2, "{json:#}");
    for f in found {
        assert_eq!(f["path"], ".env.local");
        assert_eq!(f["local_only"], true);
        assert!(
            f["message"]
                .as_str()
                .unwrap()
                .contains("Does not fail the gate")
        );
    }
    assert_eq!(json["summary"]["failing_findings"], 0);
    // The human report says so next to each finding, and does not say FAILED.
    let out = leakgate()
        .current_dir(root)
        .args(["scan", "."])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let human = String::from_utf8_lossy(&out.stdout);
    assert!(
        human.contains(
            "Does not fail the gate: .env.local is ignored by git and was never committed"
        ),
        "{human}"
    );
    assert!(!human.contains("FAILED"), "{human}");
    assert!(
        human.contains("2 in local env files git never held (these do not fail the gate)"),
        "{human}"
    );
    assert!(!human.contains(&stripe));
    // In GitHub Actions they are notices, not errors on a green check.
    let out = leakgate()
        .current_dir(root)
        .env("GITHUB_ACTIONS", "true")
        .args(["scan", "."])
        .output()
        .unwrap();
    let annotations = String::from_utf8_lossy(&out.stderr);
    assert!(annotations.contains("::notice "), "{annotations}");
    assert!(!annotations.contains("::error "), "{annotations}");
    // SARIF carries the flag.
    let out = leakgate()
        .current_dir(root)
        .args(["scan", ".", "--format", "sarif"])
        .output()
        .unwrap();
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        sarif["runs"][0]["results"][0]["properties"]["local_only"],
        true
    );
    // The configuration can count them.
    write(root, ".leakgate.yml", "fail_on_ignored_env_files: true\n");
    let (json, code) = scan_json(root, &[]);
    assert_eq!(code, 1, "{json:#}");
    assert!(
        findings(&json)
            .iter()
            .all(|f| f.get("local_only").is_none())
    );
}

#[test]
fn an_ignored_env_file_that_git_tracks_or_once_committed_still_fails() {
    // Tracked despite .gitignore (added with -f): staged, then committed.
    let (dir, _) = local_env_repo();
    let root = dir.path();
    git(root, &["add", "-f", ".env.local"]);
    let (json, code) = scan_json(root, &[]);
    assert_eq!(code, 1, "staged: {json:#}");
    git(root, &["commit", "-q", "-m", "oops"]);
    let (json, code) = scan_json(root, &[]);
    assert_eq!(code, 1, "committed: {json:#}");
    // Untracked again and ignored, but history holds it: every clone has the secrets.
    git(root, &["rm", "-q", "--cached", ".env.local"]);
    git(root, &["commit", "-q", "-m", "untrack"]);
    assert!(root.join(".env.local").exists());
    let (json, code) = scan_json(root, &[]);
    assert_eq!(code, 1, "in history: {json:#}");
    assert!(
        findings(&json)
            .iter()
            .filter(|f| f["path"] == ".env.local")
            .all(|f| f.get("local_only").is_none()),
        "{json:#}"
    );
}

#[test]
fn without_the_history_an_ignored_env_file_is_not_known_never_committed() {
    let (dir, _) = local_env_repo();
    let (json, code) = scan_json(dir.path(), &["--no-git"]);
    assert_eq!(code, 1, "{json:#}");
}

#[test]
fn database_passwords_for_the_developers_own_machine_are_low() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let mut t = Tokens::new(1203);
    let pw = t.base62(16);
    let local = [
        "localhost:5432",
        "127.0.0.1",
        "[::1]:5432",
        "app.localhost",
        "host.docker.internal:5432",
    ];
    let remote = [
        "db.acme-corp.io:5432",
        "10.0.3.17",
        "localhost.acme-corp.io",
        "db:5432",
    ];
    let mut config = String::new();
    for host in local.iter().chain(&remote) {
        config.push_str(&format!("url: postgres://app:{pw}@{host}/app\n"));
    }
    config.push_str(&format!("cache: redis://default:{pw}@localhost:6379/0\n"));
    config.push_str(&format!(
        "broker: amqp://app:{pw}@rabbit.acme-corp.io/vhost\n"
    ));
    write(root, "config/database.yml", &config);
    write(
        root,
        "docker-compose.yml",
        format!(
            "services:\n  db:\n    image: postgres\n  api:\n    environment:\n      \
             DATABASE_URL: postgres://app:{pw}@db:5432/app\n      \
             ANALYTICS_URL: postgres://app:{pw}@warehouse:5432/app\n"
        ),
    );
    let (json, code) = scan_json(root, &[]);
    assert_eq!(code, 1, "{json:#}");
    let severity = |path: &str, line: u64| {
        findings(&json)
            .iter()
            .find(|f| f["path"] == path && f["line"] == line)
            .map(|f| f["severity"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("no finding at {path}:{line}: {json:#}"))
    };
    for (i, host) in local.iter().enumerate() {
        assert_eq!(
            severity("config/database.yml", i as u64 + 1),
            "low",
            "{host}"
        );
    }
    for (i, host) in remote.iter().enumerate() {
        let line = (local.len() + i) as u64 + 1;
        assert_eq!(severity("config/database.yml", line), "critical", "{host}");
    }
    let n = (local.len() + remote.len()) as u64;
    assert_eq!(
        severity("config/database.yml", n + 1),
        "low",
        "redis on localhost"
    );
    assert_eq!(
        severity("config/database.yml", n + 2),
        "critical",
        "remote broker"
    );
    // In a compose file, its own service is local; another host is not.
    assert_eq!(severity("docker-compose.yml", 6), "low");
    assert_eq!(severity("docker-compose.yml", 7), "critical");
    // Low still fails at the default threshold, and not above it.
    let (_, code) = scan_json(root, &["--fail-on", "medium"]);
    assert_eq!(code, 1, "remote hosts stay critical");
}

#[test]
fn a_localhost_database_url_in_an_env_file_is_low() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        ".env.development",
        format!(
            "DATABASE_URL=postgres://app:{}@localhost:5432/app\n",
            dev_password()
        ),
    );
    let (json, code) = scan_json(root, &["--fail-on", "high"]);
    let found: Vec<&Value> = findings(&json)
        .iter()
        .filter(|f| f["rule"] == "postgres-url-password")
        .collect();
    assert_eq!(found.len(), 1, "{json:#}");
    assert_eq!(found[0]["severity"], "low");
    // Not ignored by git (no repository here): that is a medium finding of its own.
    assert_eq!(code, 0, "{json:#}");
}
