//! Report formats: redaction everywhere, the JSON schema, SARIF shape, report files.

use crate::common::{Tokens, leakgate, write};
use serde_json::Value;

fn tree_with_two_secrets() -> (tempfile::TempDir, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let mut t = Tokens::new(100);
    let gh = t.github_pat();
    let aws = t.aws_key_id();
    write(dir.path(), "app/settings.py", format!("GITHUB = '{gh}'\n"));
    write(
        dir.path(),
        "deploy/aws.cfg",
        format!("[default]\naws_access_key_id = {aws}\n"),
    );
    (dir, vec![gh, aws])
}

#[test]
fn secrets_never_appear_in_any_format_by_default() {
    let (dir, secrets) = tree_with_two_secrets();
    for format in ["human", "json", "sarif"] {
        let out = leakgate()
            .arg("scan")
            .arg(dir.path())
            .args(["--format", format, "-v"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{format}");
        let all = [out.stdout, out.stderr].concat();
        let text = String::from_utf8_lossy(&all);
        for s in &secrets {
            assert!(!text.contains(s.as_str()), "{format} leaked a secret");
            assert!(
                text.contains(&format!("{}…", &s[..4])),
                "{format} has no preview"
            );
        }
    }
}

#[test]
fn show_secrets_opts_in_to_full_values() {
    let (dir, secrets) = tree_with_two_secrets();
    let out = leakgate()
        .arg("scan")
        .arg(dir.path())
        .args(["--format", "json", "--show-secrets"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for s in &secrets {
        assert!(text.contains(s.as_str()));
    }
}

#[test]
fn json_follows_the_documented_schema() {
    let (dir, secrets) = tree_with_two_secrets();
    let out = leakgate()
        .arg("scan")
        .arg(dir.path())
        .args(["--format", "json"])
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["schema_version"], 1);
    assert_eq!(json["tool"]["name"], "leakgate");
    for f in json["findings"].as_array().unwrap() {
        for key in [
            "rule",
            "severity",
            "path",
            "line",
            "column",
            "end_column",
            "preview",
            "fingerprint",
            "entropy",
        ] {
            assert!(!f[key].is_null(), "finding lacks {key}: {f}");
        }
        let fp = f["fingerprint"].as_str().unwrap();
        assert_eq!(fp.len(), 64);
        assert!(fp.chars().all(|c| c.is_ascii_hexdigit()));
    }
    let summary = &json["summary"];
    assert_eq!(summary["files_scanned"], 2);
    assert_eq!(summary["total_findings"], 2);
    assert_eq!(summary["complete"], true);
    // The fingerprint is SHA-256 over rule id, a NUL and the secret: check it independently.
    let gh = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "github-pat-classic")
        .unwrap();
    assert_eq!(
        gh["fingerprint"],
        leakgate::finding::fingerprint("github-pat-classic", secrets[0].as_bytes())
    );
}

#[test]
fn the_same_secret_has_the_same_fingerprint_wherever_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let token = Tokens::new(101).github_pat();
    write(dir.path(), "a.txt", format!("{token}\n"));
    write(dir.path(), "b/c.txt", format!("\n\n   x={token}\n"));
    let out = leakgate()
        .arg("scan")
        .arg(dir.path())
        .args(["--format", "json"])
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = json["findings"].as_array().unwrap();
    assert_eq!(f.len(), 2);
    assert_eq!(f[0]["fingerprint"], f[1]["fingerprint"]);
    assert_ne!(f[0]["line"], f[1]["line"]);
}

#[test]
fn sarif_has_what_github_code_scanning_requires() {
    let (dir, _) = tree_with_two_secrets();
    let out = leakgate()
        .arg("scan")
        .arg(dir.path())
        .args(["--format", "sarif"])
        .output()
        .unwrap();
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules.len() >= 80, "every rule in force is described");
    for rule in rules {
        for key in ["shortDescription", "fullDescription", "help"] {
            assert!(rule[key]["text"].is_string(), "rule lacks {key}: {rule}");
        }
        let score: f64 = rule["properties"]["security-severity"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((0.0..=10.0).contains(&score));
    }
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    for r in results {
        let loc = &r["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
        assert!(
            !uri.starts_with('/') && !uri.contains('\\'),
            "relative uri: {uri}"
        );
        assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(loc["region"]["endColumn"].as_u64().unwrap() > 1);
        assert!(r["partialFingerprints"]["leakgateFingerprint/v1"].is_string());
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], r["ruleId"]);
    }
}

#[cfg(unix)]
#[test]
fn report_files_are_private_and_never_written_through_links() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, secrets) = tree_with_two_secrets();
    let out_dir = tempfile::tempdir().unwrap();
    let report = out_dir.path().join("report.json");
    leakgate()
        .arg("scan")
        .arg(dir.path())
        .args(["--format", "json", "--output"])
        .arg(&report)
        .assert()
        .code(1)
        .stdout("");
    let mode = std::fs::metadata(&report).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let text = std::fs::read_to_string(&report).unwrap();
    assert!(!text.contains(&secrets[0]));

    let target = out_dir.path().join("target.txt");
    std::fs::write(&target, "keep me").unwrap();
    let link = out_dir.path().join("link.json");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    leakgate()
        .arg("scan")
        .arg(dir.path())
        .arg("--output")
        .arg(&link)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("not a regular file"));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");
    leakgate()
        .arg("scan")
        .arg(dir.path())
        .arg("--output")
        .arg(out_dir.path())
        .assert()
        .code(2);
}

#[test]
fn human_output_groups_by_file_and_says_what_to_do() {
    let (dir, _) = tree_with_two_secrets();
    let out = leakgate().arg("scan").arg(dir.path()).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    // Deterministic parts only: the elapsed time varies between runs.
    let stable: String = stdout
        .lines()
        .map(|l| match l.find(" in ") {
            Some(i) if l.starts_with("scanned") => {
                let rest = &l[i + 4..];
                let after = rest.find(';').map_or("", |j| &rest[j..]);
                format!("{} in <elapsed>{after}", &l[..i])
            }
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!(stable);
}

/// Validates real SARIF output with Microsoft's SARIF Multitool against the official 2.1.0
/// schema and GitHub's ingestion rules (`--rule-kind "Gh;Sarif"`); any error-level result
/// fails. `.ci/run` installs the tool and sets `LEAKGATE_SARIF_MULTITOOL`; in CI its absence
/// is a failure, elsewhere the test says it was not run.
#[test]
fn sarif_passes_the_sarif_multitool_with_github_rules() {
    let Some(tool) = crate::common::sarif_multitool() else {
        return;
    };
    let (dir, _) = tree_with_two_secrets();
    let out_dir = tempfile::tempdir().unwrap();
    let sarif = out_dir.path().join("leakgate.sarif");
    leakgate()
        .arg("scan")
        .arg(dir.path())
        .args(["--format", "sarif", "--output"])
        .arg(&sarif)
        .assert()
        .code(1);
    crate::common::assert_valid_sarif(&tool, &sarif);
}
