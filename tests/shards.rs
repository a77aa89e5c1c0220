//! `scan --shard I/N` and `merge`, end to end through the real binary: a repository with
//! history (secrets kept through several versions of a file, a renamed file, a secret removed
//! from `HEAD`, env files sharing a value across environments, build output, an ignore file and
//! a baseline) is scanned whole and in N shards for N in 1..=7; the merged shard reports must
//! say exactly what the whole scan says. Every token is generated at test time from the
//! provider's documented format.

#[path = "common/mod.rs"]
mod common;

use common::{Tokens, git, leakgate, write};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// The repository, and a baseline file outside it.
struct Fixture {
    _dir: TempDir,
    repo: PathBuf,
    baseline: PathBuf,
}

fn commit(repo: &Path, message: &str) {
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-q", "-m", message]);
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "-q"]);
    let mut t = Tokens::new(16);
    let kept = t.github_pat();
    let shared_live = t.stripe_live();
    let removed = t.aws_key_id();
    let accepted = t.github_pat();
    // Commit 1: a secret in code, env files sharing a live key across environments.
    write(&repo, ".gitignore", ".env.local\n");
    write(
        &repo,
        "config/app.py",
        format!("import os\nTOKEN = \"{kept}\"\n"),
    );
    write(
        &repo,
        ".env.production",
        format!(
            "STRIPE_KEY={shared_live}\nDATABASE_URL=postgres://app:{}@db.internal:5432/app\n",
            t.base62(20)
        ),
    );
    write(
        &repo,
        ".env.staging",
        format!("STRIPE_KEY={shared_live}\nDEBUG=true\n"),
    );
    write(&repo, ".env.example", "STRIPE_KEY=\nDATABASE_URL=\n");
    for i in 0..12 {
        write(
            &repo,
            &format!("services/svc{i}.py"),
            format!("# service {i}\nKEY = \"{}\"\n", t.github_pat()),
        );
    }
    write(
        &repo,
        "old/creds.txt",
        format!("aws_access_key_id = {removed}\n"),
    );
    write(&repo, "notes/accepted.md", format!("example: {accepted}\n"));
    commit(&repo, "first");
    // A baseline of what the repository holds now: later scans report only what is new.
    let baseline = dir.path().join("baseline.json");
    leakgate()
        .args(["baseline", "create", "--no-git", "--baseline-file"])
        .arg(&baseline)
        .arg(&repo)
        .assert()
        .success();
    // Commit 2: the kept secret stays through new versions; services change.
    write(
        &repo,
        "config/app.py",
        format!("import os\n\nTOKEN = \"{kept}\"\nDEBUG = False\n"),
    );
    for i in 0..12 {
        write(
            &repo,
            &format!("services/svc{i}.py"),
            format!("# service {i}, v2\nKEY = \"{}\"\n", t.github_pat()),
        );
    }
    commit(&repo, "second");
    // Commit 3: rename, remove a secret from HEAD, a token in a commit message.
    write(
        &repo,
        "src/extra.py",
        format!("X = \"{}\"\n", t.stripe_live()),
    );
    git(&repo, &["mv", "config/app.py", "src/app.py"]);
    std::fs::remove_file(repo.join("old/creds.txt")).unwrap();
    git(&repo, &["add", "-A"]);
    git(
        &repo,
        &[
            "commit",
            "-q",
            "-m",
            &format!("rename; oops {}", t.github_pat()),
        ],
    );
    // Commit 4: build output with a live key, and an accepted finding.
    write(
        &repo,
        "dist/assets/index-4f9a1c2e.js",
        format!(
            "const stripe=\"{}\";export default function(){{return stripe}}\n",
            t.stripe_live()
        ),
    );
    let fingerprint = {
        let out = leakgate()
            .args(["scan", "--no-git", "--format", "json"])
            .arg(repo.join("notes"))
            .output()
            .unwrap();
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        report["findings"][0]["fingerprint"]
            .as_str()
            .expect("the accepted token is found")
            .to_string()
    };
    write(&repo, ".leakgateignore", format!("{fingerprint}\n"));
    commit(&repo, "fourth");
    // The working tree: an uncommitted edit, an untracked file, an ignored local env file.
    write(
        &repo,
        "services/svc0.py",
        format!("# service 0, v3\nKEY = \"{}\"\n", t.github_pat()),
    );
    write(&repo, "scratch.txt", format!("{}\n", t.aws_key_id()));
    write(
        &repo,
        ".env.local",
        format!("STRIPE_KEY={}\n", t.stripe_live()),
    );
    Fixture {
        _dir: dir,
        repo,
        baseline,
    }
}

/// What must be equal between the whole scan and the merged shards.
type Row = (
    String,         // fingerprint
    String,         // path
    u64,            // line
    u64,            // column
    Option<String>, // commit
    String,         // severity
    String,         // also (rule ids, severities, fingerprints)
    Option<String>, // suppressed_by
    Option<bool>,   // in_head
    bool,           // local_only
    Option<String>, // message
);

fn rows(report: &Value) -> Vec<Row> {
    let mut out: Vec<Row> = ["findings", "suppressed"]
        .iter()
        .flat_map(|key| report[key].as_array().cloned().unwrap_or_default())
        .map(|f| {
            (
                f["fingerprint"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["commit"]["id"].as_str().map(str::to_string),
                f["severity"].as_str().unwrap().to_string(),
                f["also"].to_string(),
                f["suppressed_by"].as_str().map(str::to_string),
                f["in_head"].as_bool(),
                f["local_only"].as_bool().unwrap_or(false),
                f["message"].as_str().map(str::to_string),
            )
        })
        .collect();
    out.sort();
    out
}

fn scan_args(fx: &Fixture) -> Vec<String> {
    vec![
        "scan".into(),
        "--format".into(),
        "json".into(),
        "--show-suppressed".into(),
        "--baseline".into(),
        fx.baseline.display().to_string(),
        fx.repo.display().to_string(),
    ]
}

/// Runs one shard, writing its report; returns the exit code.
fn run_shard(fx: &Fixture, shard: &str, format: &str, out: &Path) -> i32 {
    let mut args = scan_args(fx);
    args[2] = format.into();
    leakgate()
        .args(&args)
        .args(["--shard", shard, "--quiet", "--output"])
        .arg(out)
        .output()
        .unwrap()
        .status
        .code()
        .unwrap()
}

fn json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn merged_shards_equal_the_whole_scan_for_one_to_seven_shards() {
    let fx = fixture();
    let whole = leakgate().args(scan_args(&fx)).output().unwrap();
    assert_eq!(whole.status.code(), Some(1));
    let whole: Value = serde_json::from_slice(&whole.stdout).unwrap();
    let expected = rows(&whole);
    // The fixture exercises what it claims to.
    let has = |pred: &dyn Fn(&Row) -> bool| expected.iter().any(pred);
    assert!(
        has(&|r| r.1 == "src/app.py" && r.4.is_some()),
        "{expected:#?}"
    );
    assert!(has(&|r| r.1 == "old/creds.txt" && r.8 == Some(false)));
    assert!(has(&|r| r.1 == "<commit message>"));
    assert!(has(&|r| r.1.starts_with("dist/")));
    assert!(has(&|r| r.1 == ".env.staging" && r.6 != "null"));
    assert!(has(&|r| r.7.as_deref() == Some("ignore-file")));
    assert!(has(&|r| r.7.as_deref() == Some("baseline")));
    assert!(has(&|r| r.9), "a local-only finding");
    let work = tempfile::tempdir().unwrap();
    for n in 1..=7u32 {
        let mut reports = Vec::new();
        let mut seen: BTreeMap<(String, String, u64, u64, Option<String>), u32> = BTreeMap::new();
        for i in 1..=n {
            let out = work.path().join(format!("{i}-of-{n}.json"));
            let code = run_shard(&fx, &format!("{i}/{n}"), "json", &out);
            let report = json(&out);
            assert_eq!(report["summary"]["shard"]["index"], i);
            assert_eq!(report["summary"]["shard"]["count"], n);
            assert_eq!(report["summary"]["complete"], true);
            let failing = report["summary"]["failing_findings"].as_u64().unwrap();
            assert_eq!(code, if failing > 0 { 1 } else { 0 }, "shard {i}/{n}");
            for r in rows(&report) {
                let key = (r.0, r.1, r.2, r.3, r.4);
                if let Some(other) = seen.insert(key.clone(), i) {
                    panic!("{key:?} in shards {other} and {i} of {n}");
                }
            }
            reports.push(out);
        }
        let merged = leakgate()
            .args(["merge", "--format", "json", "--show-suppressed"])
            .args(&reports)
            .output()
            .unwrap();
        assert_eq!(merged.status.code(), Some(1), "{n} shards");
        let merged: Value = serde_json::from_slice(&merged.stdout).unwrap();
        assert_eq!(rows(&merged), expected, "{n} shards");
        assert_eq!(merged["summary"]["complete"], true);
        assert!(merged["summary"].get("shard").is_none());
        assert_eq!(
            merged["summary"]["failing_findings"],
            whole["summary"]["failing_findings"]
        );
        assert_eq!(
            merged["summary"]["history"]["commits"],
            whole["summary"]["history"]["commits"]
        );
        assert_eq!(
            merged["summary"]["history"]["blobs_scanned"],
            whole["summary"]["history"]["blobs_scanned"],
            "every blob is read by exactly one shard"
        );
        assert_eq!(
            merged["summary"]["files_scanned"], whole["summary"]["files_scanned"],
            "every file is read by exactly one shard"
        );
        // More than one shard actually found something: the split is real.
        if n >= 3 {
            let shards_with_findings: BTreeSet<u32> = seen.values().copied().collect();
            assert!(shards_with_findings.len() > 1, "{n}: {seen:?}");
        }
    }
}

#[test]
fn sarif_shard_reports_merge_to_the_whole_scan() {
    let fx = fixture();
    let whole = leakgate().args(scan_args(&fx)).output().unwrap();
    let expected = rows(&serde_json::from_slice(&whole.stdout).unwrap());
    let work = tempfile::tempdir().unwrap();
    let reports: Vec<PathBuf> = (1..=3)
        .map(|i| {
            let out = work.path().join(format!("{i}.sarif"));
            run_shard(&fx, &format!("{i}/3"), "sarif", &out);
            let sarif = json(&out);
            assert_eq!(sarif["runs"][0]["properties"]["shard"]["index"], i);
            assert_eq!(sarif["runs"][0]["properties"]["shard"]["count"], 3);
            out
        })
        .collect();
    let merged = leakgate()
        .args(["merge", "--format", "json", "--show-suppressed"])
        .args(&reports)
        .output()
        .unwrap();
    assert_eq!(
        merged.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&merged.stderr)
    );
    let merged: Value = serde_json::from_slice(&merged.stdout).unwrap();
    assert_eq!(merged["summary"]["complete"], true);
    assert_eq!(rows(&merged), expected);
    // And SARIF out: one result per finding (suppressed ones listed with their suppression).
    let out = work.path().join("merged.sarif");
    leakgate()
        .args([
            "merge",
            "--format",
            "sarif",
            "--show-suppressed",
            "--output",
        ])
        .arg(&out)
        .args(&reports)
        .assert()
        .code(1);
    let sarif = json(&out);
    assert_eq!(
        sarif["runs"][0]["results"].as_array().unwrap().len(),
        expected.len()
    );
    assert!(
        sarif["runs"][0]
            .get("properties")
            .is_none_or(|p| p.get("shard").is_none())
    );
    if let Some(tool) = common::sarif_multitool() {
        common::assert_valid_sarif(&tool, &out);
    }
}

#[test]
fn the_environment_names_the_shard_as_the_flag_does() {
    let fx = fixture();
    let work = tempfile::tempdir().unwrap();
    let by_flag = work.path().join("flag.json");
    run_shard(&fx, "2/3", "json", &by_flag);
    let by_env = leakgate()
        .args(scan_args(&fx))
        .env("LEAKGATE_SHARD", "2/3")
        .output()
        .unwrap();
    let by_env: Value = serde_json::from_slice(&by_env.stdout).unwrap();
    assert_eq!(by_env["summary"]["shard"]["index"], 2);
    assert_eq!(rows(&by_env), rows(&json(&by_flag)));
    // The human report says which shard it covers.
    let human = leakgate()
        .arg("scan")
        .arg(&fx.repo)
        .env("LEAKGATE_SHARD", "2/3")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(text.contains("shard 2/3: scanned "), "{text}");
}

#[test]
fn bad_shards_and_gate_modes_are_refused_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.txt", "nothing\n");
    for bad in ["0/4", "5/4", "1/0", "0/0", "x", "1/4/1", "", " /4", "2"] {
        let out = leakgate()
            .args(["scan", "--shard", bad])
            .arg(dir.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim().lines().count(), 1, "{bad:?}: {err}");
        assert!(err.contains("--shard"), "{err}");
    }
    let out = leakgate()
        .args(["scan"])
        .arg(dir.path())
        .env("LEAKGATE_SHARD", "9/3")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = leakgate()
        .args(["baseline", "create", "--shard", "1/2", "--baseline-file"])
        .arg(dir.path().join("b.json"))
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!dir.path().join("b.json").exists());
    git(dir.path(), &["init", "-q"]);
    for mode in [
        &["--staged"][..],
        &["--range", "HEAD~1..HEAD"],
        &["--since", "HEAD"],
        &["-"],
    ] {
        let out = leakgate()
            .current_dir(dir.path())
            .args(["scan", "--shard", "1/2"])
            .args(mode)
            .write_stdin("")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{mode:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim().lines().count(), 1, "{mode:?}: {err}");
        assert!(err.contains("cannot be combined"), "{err}");
    }
}

#[test]
fn merge_refuses_what_is_not_a_leakgate_report_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("notes.txt", "hello"),
        (
            "other.sarif",
            r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"gitleaks"}},"results":[]}]}"#,
        ),
        ("gitleaks.json", r#"[{"RuleID":"x","Secret":"y"}]"#),
        (
            "broken.json",
            r#"{"schema_version":1,"tool":{"name":"leakgate","version":"0"},"findings":"no"}"#,
        ),
    ];
    for (name, text) in cases {
        write(dir.path(), name, text);
        let out = leakgate()
            .arg("merge")
            .arg(dir.path().join(name))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{name}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim().lines().count(), 1, "{name}: {err}");
        assert!(err.contains(name), "{err}");
        assert!(out.stdout.is_empty());
    }
    let out = leakgate()
        .arg("merge")
        .arg(dir.path().join("missing.json"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn missing_mixed_and_repeated_shards_fail_the_merge() {
    let fx = fixture();
    let work = tempfile::tempdir().unwrap();
    let shard = |s: &str| {
        let out = work.path().join(format!("{}.json", s.replace('/', "-of-")));
        run_shard(&fx, s, "json", &out);
        out
    };
    let (a, b, c) = (shard("1/3"), shard("2/3"), shard("1/2"));
    // A missing shard: the report is written, says it is incomplete, and the merge exits 2.
    let out = leakgate()
        .args(["merge", "--format", "json"])
        .args([&a, &b])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["summary"]["complete"], false);
    assert!(String::from_utf8_lossy(&out.stderr).contains("3/3"));
    // Two ways of splitting, or one shard twice: one line, exit 2, no report.
    for inputs in [vec![&a, &b, &c], vec![&a, &a, &b]] {
        let out = leakgate().arg("merge").args(inputs).output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(out.stdout.is_empty());
        assert_eq!(
            String::from_utf8_lossy(&out.stderr).trim().lines().count(),
            1
        );
    }
}

#[test]
fn merge_exit_codes_follow_the_gate() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = Tokens::new(7);
    write(dir.path(), "clean/a.txt", "nothing here\n");
    write(
        dir.path(),
        "dirty/a.py",
        format!("T = \"{}\"\n", t.github_pat()),
    );
    let report = |name: &str, extra: &[&str]| {
        let out = dir.path().join(format!("{name}.json"));
        leakgate()
            .args(["scan", "--format", "json", "--quiet", "--output"])
            .arg(&out)
            .args(extra)
            .arg(dir.path().join(name))
            .output()
            .unwrap();
        out
    };
    let clean = report("clean", &[]);
    let dirty = report("dirty", &[]);
    let merge = |inputs: &[&PathBuf], extra: &[&str]| {
        leakgate()
            .args(["merge", "--quiet"])
            .args(extra)
            .args(inputs)
            .output()
            .unwrap()
    };
    assert_eq!(merge(&[&clean], &[]).status.code(), Some(0));
    assert_eq!(merge(&[&clean, &dirty], &[]).status.code(), Some(1));
    let severity = json(&dirty)["findings"][0]["severity"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(severity, "critical", "a GitHub token");
    assert_eq!(
        merge(&[&clean, &dirty], &["--fail-on", "critical"])
            .status
            .code(),
        Some(1)
    );
    // The threshold the reports were written with counts when --fail-on is not given.
    let lenient = {
        let mut r = json(&dirty);
        r["summary"]["fail_on"] = Value::String("critical".into());
        r["findings"][0]["severity"] = Value::String("high".into());
        let path = dir.path().join("lenient.json");
        std::fs::write(&path, r.to_string()).unwrap();
        path
    };
    assert_eq!(merge(&[&lenient], &[]).status.code(), Some(0));
    assert_eq!(
        merge(&[&clean, &lenient], &[]).status.code(),
        Some(1),
        "the strictest"
    );
    assert_eq!(
        merge(&[&clean, &lenient], &["--fail-on", "high"])
            .status
            .code(),
        Some(1)
    );
    // An input that says it was incomplete makes the merge exit 2 (nothing else fails it).
    let mut incomplete = json(&clean);
    incomplete["summary"]["complete"] = Value::Bool(false);
    let path = dir.path().join("incomplete.json");
    std::fs::write(&path, incomplete.to_string()).unwrap();
    let out = merge(&[&clean, &path], &["--format", "json"]);
    assert_eq!(out.status.code(), Some(2));
    let merged: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(merged["summary"]["complete"], false);
    // Per-repository reports add up; the preview is the input's, never more.
    let out = merge(&[&clean, &dirty], &["--format", "json"]);
    let merged: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(merged["summary"]["files_scanned"], 2);
    let preview = json(&dirty)["findings"][0]["preview"].clone();
    assert_eq!(merged["findings"][0]["preview"], preview);
    let human = merge(&[&dirty], &[]);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(text.contains(preview.as_str().unwrap()), "{text}");
}
