//! Inside GitHub Actions: inline annotations, the step summary and step outputs.

use crate::common::{Tokens, leakgate, write};

#[test]
fn actions_get_redacted_annotations_a_summary_and_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let token = Tokens::new(400).github_pat();
    write(dir.path(), "deploy/ci,1.sh", format!("export GH={token}\n"));
    let files = tempfile::tempdir().unwrap();
    let summary = files.path().join("summary.md");
    let outputs = files.path().join("outputs.txt");
    let sarif = files.path().join("out.sarif");
    let out = leakgate()
        .arg("scan")
        .arg(dir.path())
        .args(["--format", "sarif", "--output"])
        .arg(&sarif)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &outputs)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("deploy/ci,1.sh") && stdout.contains("What to do"),
        "the job log gets the human report: {stdout}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    let annotation = stderr
        .lines()
        .find(|l| l.starts_with("::error "))
        .unwrap_or_else(|| panic!("no annotation in {stderr}"));
    assert!(
        annotation.starts_with("::error file=deploy/ci%2C1.sh,line=1,endLine=1,col=11,"),
        "{annotation}"
    );
    assert!(annotation.contains("title=leakgate%3A github-pat-classic::"));
    let summary = std::fs::read_to_string(&summary).unwrap();
    assert!(
        summary.contains(
            "| critical | GitHub personal access token (classic) | `deploy/ci,1.sh:1` | `ghp_…` |"
        ),
        "{summary}"
    );
    let outputs = std::fs::read_to_string(&outputs).unwrap();
    assert!(outputs.contains("findings=1\n"), "{outputs}");
    assert!(outputs.contains(&format!("sarif-file={}\n", sarif.display())));
    for text in [stdout.to_string(), stderr.to_string(), summary, outputs] {
        assert!(!text.contains(&token), "secret leaked into Actions output");
    }
}

#[test]
fn outside_actions_there_are_no_workflow_commands() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.txt", Tokens::new(401).github_pat());
    let out = leakgate()
        .arg("scan")
        .arg(dir.path())
        .env_remove("GITHUB_ACTIONS")
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("::error"));
}
