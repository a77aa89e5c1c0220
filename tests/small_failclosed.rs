//! Small and fail-closed (issue 12): asking for something that does not exist is an error, a
//! reader that stops reading ends the run quietly (never with exit 0 for an undelivered
//! report), and history is scanned (or said not to be) whatever folder is named.

#[path = "common/mod.rs"]
mod common;

use common::{Tokens, git, leakgate, write};
use serde_json::Value;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};

/// The built binary as a plain `std` command (for piping its stdout by hand).
fn binary() -> Command {
    let cmd = leakgate();
    let mut std_cmd = Command::new(cmd.get_program());
    std_cmd
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GITHUB_ACTIONS");
    std_cmd
}

/// Runs `args` in `cwd` with a reader that closes the pipe before reading anything:
/// (exit status code, stderr).
fn with_closed_stdout(cwd: &Path, args: &[&str], stdin: Option<Vec<u8>>) -> (Option<i32>, String) {
    let mut child = binary()
        .args(args)
        .current_dir(cwd)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    if let Some(data) = stdin {
        let mut input = child.stdin.take().unwrap();
        std::thread::spawn(move || {
            use std::io::Write;
            let _ = input.write_all(&data);
        });
    }
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    (status.code(), stderr)
}

#[test]
fn a_closed_stdout_ends_every_command_quietly_with_the_sigpipe_status() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = Tokens::new(1207);
    let many: String = (0..2000)
        .map(|i| format!("key{i} = {}\n", t.aws_key_id()))
        .collect();
    write(dir.path(), "keys.txt", &many);
    write(dir.path(), ".env.production", "DEBUG=true\n");
    let scan_dir = dir.path().to_str().unwrap();
    let cases: Vec<(Vec<&str>, Option<Vec<u8>>)> = vec![
        (vec!["rules", "list"], None),
        (vec!["scan", "--no-git", scan_dir], None),
        (vec!["scan", "--no-git", "--format", "json", scan_dir], None),
        (
            vec!["scan", "--no-git", "--format", "sarif", scan_dir],
            None,
        ),
        (vec!["env", scan_dir], None),
        (vec!["redact"], Some(many.repeat(20).into_bytes())),
    ];
    for (args, stdin) in cases {
        let (code, stderr) = with_closed_stdout(dir.path(), &args, stdin);
        assert_eq!(code, Some(141), "{args:?}: {stderr}");
        assert!(!stderr.contains("Broken pipe"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_failed_write_to_a_file_is_still_an_error() {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = binary()
        .args(["rules", "list"])
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("error"), "{stderr}");
}

/// A repository with one commit holding a token on `main`.
fn repo_with_token() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q"]);
    let mut t = Tokens::new(1208);
    write(
        dir.path(),
        "src/app.py",
        format!("T = \"{}\"\n", t.github_pat()),
    );
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-qm", "add"]);
    dir
}

#[test]
fn a_ref_pattern_that_matches_nothing_is_an_error() {
    let dir = repo_with_token();
    for refs in [vec!["mian"], vec!["main", "relase/*"]] {
        let mut args = vec!["scan", "--git-only"];
        for r in &refs {
            args.extend(["--ref", r]);
        }
        let out = leakgate().args(&args).arg(dir.path()).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{refs:?}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(
            stderr.contains(&format!(
                "--ref `{}` matches no reference",
                refs[refs.len() - 1]
            )),
            "{stderr}"
        );
    }
    let out = leakgate()
        .args([
            "scan",
            "--git-only",
            "--format",
            "json",
            "--ref",
            "main",
            "--ref",
            "HEAD",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["findings"][0]["rule"], "github-pat-classic");
}
