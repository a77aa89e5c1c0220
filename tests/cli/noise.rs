//! Noise control and streams: inline allow, `.leakgateignore`, baselines, `--stdin`, `redact`.

use crate::common::{Tokens, leakgate, scan_json, write};
use serde_json::Value;
use std::io::Write;
use std::process::Stdio;

#[test]
fn inline_allow_suppresses_its_line_and_the_next_and_is_counted() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = Tokens::new(300);
    write(
        dir.path(),
        "a.py",
        format!(
            "TEST_TOKEN = '{}'  # leakgate:allow\n# leakgate:allow (test fixture)\nOTHER = '{}'\nREAL = '{}'\n",
            t.github_pat(),
            t.github_pat(),
            t.github_pat()
        ),
    );
    let (json, code) = scan_json(dir.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(json["findings"].as_array().unwrap().len(), 1);
    assert_eq!(json["findings"][0]["line"], 4);
    assert_eq!(json["summary"]["suppressed"], 2);
    let (json, _) = scan_json(dir.path(), &["--show-suppressed"]);
    let suppressed = json["suppressed"].as_array().unwrap();
    assert_eq!(suppressed.len(), 2);
    assert_eq!(suppressed[0]["suppressed_by"], "inline");
}

#[test]
fn leakgateignore_suppresses_by_fingerprint_and_rejects_junk() {
    let dir = tempfile::tempdir().unwrap();
    let token = Tokens::new(301).github_pat();
    write(dir.path(), "a.txt", format!("{token}\n"));
    let (json, code) = scan_json(dir.path(), &[]);
    assert_eq!(code, 1);
    let fp = json["findings"][0]["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    write(
        dir.path(),
        ".leakgateignore",
        format!("# rotated 2026-11-01\n{fp} # old CI token\n"),
    );
    let (json, code) = scan_json(dir.path(), &[]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["summary"]["suppressed"], 1);
    write(dir.path(), ".leakgateignore", "not a fingerprint\n");
    leakgate()
        .arg("scan")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains(".leakgateignore:1:"));
}

#[test]
fn baseline_round_trip_fails_only_on_new_findings_even_after_lines_move() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = Tokens::new(302);
    let old = t.github_pat();
    write(dir.path(), "src/a.txt", format!("{old}\n"));
    let baseline = dir.path().join("baseline.json");
    leakgate()
        .args(["baseline", "create"])
        .arg(dir.path())
        .arg("--baseline-file")
        .arg(&baseline)
        .assert()
        .code(0);
    let text = std::fs::read_to_string(&baseline).unwrap();
    assert!(!text.contains(&old), "a baseline never holds a secret");
    let b: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(b["findings"].as_array().unwrap().len(), 1);

    // The old secret moves down and into another file; a new one appears.
    write(dir.path(), "src/a.txt", "moved\n");
    write(dir.path(), "src/b.txt", format!("\n\n\nx = {old}\n"));
    let baseline_arg = baseline.to_str().unwrap().to_string();
    let (json, code) = scan_json(dir.path(), &["--baseline", &baseline_arg]);
    assert_eq!(code, 0, "moving a line does not make it new: {json}");
    assert_eq!(json["summary"]["suppressed"], 1);
    let new = t.github_pat();
    write(dir.path(), "src/c.txt", format!("{new}\n"));
    let (json, code) = scan_json(dir.path(), &["--baseline", &baseline_arg]);
    assert_eq!(code, 1);
    assert_eq!(json["findings"].as_array().unwrap().len(), 1);
    assert_eq!(json["findings"][0]["path"], "src/c.txt");
}

#[test]
fn a_corrupt_baseline_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "b.json", "{\"schema_version\": 1}");
    leakgate()
        .arg("scan")
        .arg(dir.path())
        .arg("--baseline")
        .arg(dir.path().join("b.json"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("not a leakgate baseline"));
}

fn pipe(args: &[&str], input: Vec<u8>, chunk: usize) -> (Vec<u8>, i32) {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("leakgate"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        // Small writes with pauses, so secrets arrive split across reads.
        for piece in input.chunks(chunk) {
            stdin.write_all(piece).unwrap();
            stdin.flush().unwrap();
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    (out.stdout, out.status.code().unwrap())
}

#[test]
fn redact_replaces_secrets_split_across_reads() {
    let mut t = Tokens::new(303);
    let a = t.github_pat();
    let b = t.aws_key_id();
    let log = format!("step 1 ok\nusing token {a} for push\nAWS key id={b}\ndone\n");
    let (out, code) = pipe(&["redact"], log.clone().into_bytes(), 7);
    assert_eq!(code, 0);
    let text = String::from_utf8(out).unwrap();
    assert!(!text.contains(&a) && !text.contains(&b), "{text}");
    assert_eq!(
        text,
        format!(
            "step 1 ok\nusing token [REDACTED:github-pat-classic] for push\nAWS key id=[REDACTED:{}]\ndone\n",
            "aws-access-key-id"
        )
    );
    let (_, code) = pipe(&["redact", "--fail"], log.into_bytes(), 4096);
    assert_eq!(code, 1);
    let (out, code) = pipe(
        &["redact", "--fail"],
        b"nothing here\nno newline".to_vec(),
        3,
    );
    assert_eq!(code, 0);
    assert_eq!(out, b"nothing here\nno newline");
}

#[test]
fn redact_handles_very_long_lines_in_bounded_pieces() {
    let token = Tokens::new(304).github_pat();
    // A 3 MB single line with tokens near the 1 MiB cut points.
    let mut line = String::new();
    while line.len() < 3 << 20 {
        line.push_str(&"x".repeat((1 << 20) - 20));
        line.push(' ');
        line.push_str(&token);
        line.push(' ');
    }
    let (out, code) = pipe(&["redact", "--fail"], line.clone().into_bytes(), 65536);
    assert_eq!(code, 1);
    let text = String::from_utf8(out).unwrap();
    assert!(!text.contains(&token));
    let expected = line.replace(&token, "[REDACTED:github-pat-classic]");
    assert_eq!(text.len(), expected.len());
    assert!(text == expected);
}

#[test]
fn scan_stdin_reports_stream_line_numbers() {
    let token = Tokens::new(305).github_pat();
    let input = format!("a\nb\nc\ntoken={token}\n").into_bytes();
    let (out, code) = pipe(&["scan", "--stdin", "--format", "json"], input.clone(), 5);
    assert_eq!(code, 1);
    let json: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(json["findings"][0]["path"], "<stdin>");
    assert_eq!(json["findings"][0]["line"], 4);
    assert_eq!(json["findings"][0]["column"], 7);
    let (out, code) = pipe(&["scan", "-", "--format", "json"], input, 4096);
    assert_eq!(code, 1);
    let json: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        json["summary"]["files_scanned"], 1,
        "only stdin, not the current directory"
    );
}
