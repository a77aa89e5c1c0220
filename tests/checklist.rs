//! Integration tests for `leakgate checklist`: the launch checklist through the real binary,
//! in its three formats, with every status (pass, fail, not checked, not checkable here), the
//! gate's exit codes, and no secret in any output. The CORS problem is a CORS check's own
//! example (`rules show --format json`), so the test follows the check as it evolves.

use serde_json::Value;
use std::path::Path;

#[path = "common/mod.rs"]
mod common;
use common::{Tokens, leakgate, write};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn checklist(dir: &Path, args: &[&str]) -> Run {
    let out = leakgate()
        .arg("checklist")
        .args(args)
        .arg(dir)
        .output()
        .unwrap();
    Run {
        code: out.status.code().expect("an exit code"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn json_of(run: &Run) -> Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|_| panic!("not JSON: {} {}", run.stdout, run.stderr))
}

fn item<'a>(list: &'a Value, id: &str) -> &'a Value {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("no item {id}"))
}

/// A CORS check's first example (path, text) and its id, from the binary.
fn cors_example() -> (String, String, String) {
    let out = leakgate().args(["rules", "list"]).output().unwrap();
    let listing = String::from_utf8_lossy(&out.stdout).into_owned();
    for id in listing
        .lines()
        .filter(|l| l.starts_with("cors-"))
        .filter_map(|l| l.split_whitespace().next())
    {
        let out = leakgate()
            .args(["rules", "show", id, "--format", "json"])
            .output()
            .unwrap();
        let detail: Value = serde_json::from_slice(&out.stdout).unwrap();
        let fires = &detail["examples"]["fires"][0];
        if detail["severity"] != "info" {
            return (
                id.to_string(),
                fires["path"].as_str().unwrap().to_string(),
                fires["text"].as_str().unwrap().to_string(),
            );
        }
    }
    panic!("no CORS check above info");
}

/// A project with a CORS problem and a committed token.
fn project() -> (tempfile::TempDir, String, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let (id, path, text) = cors_example();
    write(dir.path(), &path, &text);
    let token = Tokens::new(4101).github_pat();
    write(
        dir.path(),
        "src/config.py",
        format!("TOKEN = \"{token}\"\n"),
    );
    (dir, id, path, token)
}

#[test]
fn json_has_every_item_with_stable_keys_and_the_evidence() {
    let (dir, cors_id, cors_path, token) = project();
    let run = checklist(dir.path(), &["--format", "json", "--no-git"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let list = json_of(&run);
    assert_eq!(list["verdict"], "fix-first");
    for i in list["items"].as_array().unwrap() {
        for key in [
            "id",
            "title",
            "checkable",
            "status",
            "evidence",
            "how_to_check",
        ] {
            assert!(i.get(key).is_some(), "{key} missing in {i}");
        }
    }
    let cors = item(&list, "cors");
    assert_eq!(cors["status"], "fail");
    assert_eq!(cors["checkable"], true);
    let evidence = &cors["evidence"][0];
    assert_eq!(evidence["rule"], cors_id.as_str());
    assert_eq!(evidence["path"], cors_path.as_str());
    assert!(evidence["line"].as_u64().unwrap() >= 1);
    assert_eq!(evidence["fingerprint"].as_str().unwrap().len(), 16);
    let secrets = item(&list, "secrets-out-of-code");
    assert_eq!(secrets["status"], "fail");
    assert_eq!(secrets["evidence"][0]["rule"], "github-pat-classic");
    let uptime = item(&list, "uptime-monitoring");
    assert_eq!(uptime["status"], "not-checkable");
    assert_eq!(uptime["checkable"], false);
    assert!(uptime["how_to_check"].as_str().unwrap().len() > 20);
    for id in [
        "rate-limits-on-auth",
        "email-authentication",
        "tls-and-edge",
    ] {
        assert_eq!(item(&list, id)["status"], "not-checkable");
    }
    let summary = &list["summary"];
    assert!(summary["fail"].as_u64().unwrap() >= 2);
    assert!(summary["not_checkable"].as_u64().unwrap() >= 5);
    assert!(!run.stdout.contains(&token) && !run.stderr.contains(&token));
}

#[test]
fn switched_off_checks_are_not_checked() {
    let (dir, cors_id, _, _) = project();
    let run = checklist(dir.path(), &["--format", "json", "--no-git", "--no-launch"]);
    let list = json_of(&run);
    for id in [
        "cors",
        "session-cookies",
        "webhook-signatures",
        "ci-workflows",
    ] {
        assert_eq!(item(&list, id)["status"], "not-checked", "{id}");
    }
    let run = checklist(dir.path(), &["--format", "json", "--no-git", "--no-env"]);
    assert_eq!(
        item(&json_of(&run), "env-separation")["status"],
        "not-checked"
    );

    // disable_rules switches off one check: the CORS item no longer fails on it.
    write(
        dir.path(),
        ".leakgate.yml",
        format!("disable_rules: [{cors_id}]\n"),
    );
    let run = checklist(dir.path(), &["--format", "json", "--no-git"]);
    let cors = item(&json_of(&run), "cors").clone();
    assert_ne!(cors["status"], "fail", "{cors}");
    assert!(
        !cors
            .to_string()
            .contains(&format!("\"rule\":\"{cors_id}\""))
    );
}

#[test]
fn a_clean_project_passes_and_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/app.py", "print('hello')\n");
    let run = checklist(dir.path(), &["--format", "json", "--no-git"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let list = json_of(&run);
    assert_eq!(list["verdict"], "ship");
    for id in [
        "secrets-out-of-code",
        "cors",
        "session-cookies",
        "env-separation",
    ] {
        assert_eq!(item(&list, id)["status"], "pass", "{id}");
    }

    // --fail-on decides what fails: a project whose only problem is below it passes.
    let (dir, _, _, _) = project();
    let run = checklist(
        dir.path(),
        &["--format", "json", "--no-git", "--fail-on", "critical"],
    );
    let list = json_of(&run);
    assert_eq!(item(&list, "secrets-out-of-code")["status"], "fail");
}

#[test]
fn an_incomplete_run_claims_no_pass_and_exits_two() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/app.py", "print('hello')\n");
    write(dir.path(), "src/big.txt", "x".repeat(4096));
    let run = checklist(
        dir.path(),
        &["--format", "json", "--no-git", "--max-file-size", "1000"],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    let list = json_of(&run);
    assert_eq!(list["verdict"], "fix-first");
    assert_eq!(item(&list, "secrets-out-of-code")["status"], "not-checked");
    assert!(
        item(&list, "cors")["reason"]
            .as_str()
            .unwrap()
            .contains("incomplete")
    );
}

#[test]
fn human_and_markdown_say_the_same_in_plain_words() {
    let (dir, cors_id, cors_path, token) = project();
    let run = checklist(dir.path(), &["--no-git"]);
    assert_eq!(run.code, 1);
    let text = &run.stdout;
    assert!(text.contains("FIX FIRST"), "{text}");
    assert!(text.contains("[FAIL]"), "{text}");
    assert!(text.contains("[check by hand]"), "{text}");
    assert!(
        text.contains(&cors_id) && text.contains(&cors_path),
        "{text}"
    );
    assert!(text.contains("How: "), "{text}");
    assert!(!text.contains(&token) && !run.stderr.contains(&token));

    let run = checklist(dir.path(), &["--no-git", "--format", "markdown"]);
    assert_eq!(run.code, 1);
    let md = &run.stdout;
    assert!(md.starts_with("# Launch checklist"), "{md}");
    assert!(md.contains("| Item | Status | Evidence |"), "{md}");
    assert!(md.contains("not checkable here"), "{md}");
    assert!(md.contains(&format!("`{cors_id}`")), "{md}");
    assert!(!md.contains(&token));

    // --output writes the file (mode 0600), stdout stays empty.
    let out_dir = tempfile::tempdir().unwrap();
    let file = out_dir.path().join("checklist.json");
    let run = checklist(
        dir.path(),
        &[
            "--no-git",
            "--format",
            "json",
            "--output",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 1);
    assert!(run.stdout.is_empty());
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(!written.contains(&token));
    let _: Value = serde_json::from_str(&written).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn bad_input_is_one_line_and_exit_two() {
    let dir = tempfile::tempdir().unwrap();
    let run = checklist(&dir.path().join("missing"), &[]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stderr.trim_end().lines().count(), 1, "{}", run.stderr);
    assert!(run.stdout.is_empty());

    write(
        dir.path(),
        ".leakgate.yml",
        "disable_rules: [no-such-rule]\n",
    );
    let run = checklist(dir.path(), &["--no-git"]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty());

    let out = leakgate()
        .args(["checklist", "--format", "html"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
