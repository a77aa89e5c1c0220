//! What the working-tree walk reads and what it skips, and the exit codes that follow.

use crate::common::{Tokens, leakgate, scan_json, write};
use serde_json::Value;

fn finding_paths(json: &Value) -> Vec<String> {
    let mut paths: Vec<String> = json["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| f["path"].as_str().expect("path").to_string())
        .collect();
    paths.sort();
    paths
}

#[test]
fn finds_a_token_and_fails_with_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let token = Tokens::new(1).github_pat();
    write(
        dir.path(),
        "src/config.js",
        format!("const t = \"{token}\";\n"),
    );
    write(dir.path(), "README.md", "nothing to see\n");
    let (json, code) = scan_json(dir.path(), &[]);
    assert_eq!(code, 1);
    let f = &json["findings"][0];
    assert_eq!(f["rule"], "github-pat-classic");
    assert_eq!(f["path"], "src/config.js");
    assert_eq!(f["line"], 1);
    assert_eq!(f["column"], 12);
    assert_eq!(f["end_column"], 12 + token.len() as u64);
    assert_eq!(json["summary"]["files_scanned"], 2);
}

#[test]
fn clean_tree_exits_0_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.txt", "password = changeme\n");
    leakgate()
        .arg("scan")
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(predicates::str::contains("no secrets found"));
}

#[test]
fn a_token_with_a_bad_checksum_is_not_reported() {
    let dir = tempfile::tempdir().unwrap();
    let mut token = Tokens::new(2).github_pat();
    let last = token.pop().unwrap();
    token.push(if last == 'a' { 'b' } else { 'a' });
    write(dir.path(), "x.txt", format!("token: {token}\n"));
    let (json, code) = scan_json(dir.path(), &[]);
    assert_eq!(code, 0, "{json}");
}

#[test]
fn gitignored_files_are_skipped_but_dotfiles_are_scanned() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = Tokens::new(3);
    write(dir.path(), ".gitignore", "ignored/\n");
    write(dir.path(), "ignored/a.txt", t.github_pat());
    write(
        dir.path(),
        ".npmrc",
        format!("//registry/:_authToken={}\n", t.github_pat()),
    );
    write(
        dir.path(),
        ".aws/credentials",
        format!("aws_access_key_id = {}\n", t.aws_key_id()),
    );
    let (json, _) = scan_json(dir.path(), &[]);
    assert_eq!(finding_paths(&json), vec![".aws/credentials", ".npmrc"]);
}

#[test]
fn binary_files_are_scanned_and_an_explicit_size_limit_makes_the_scan_incomplete() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = Tokens::new(4);
    let mut binary = b"\x00\x01binary ".to_vec();
    binary.extend_from_slice(t.github_pat().as_bytes());
    write(dir.path(), "blob.bin", binary);
    let mut big = "x".repeat(2000);
    big.push_str(&t.github_pat());
    write(dir.path(), "big.txt", big);
    let out = leakgate()
        .arg("scan")
        .arg(dir.path())
        .args(["--format", "json", "--max-file-size", "1000", "--no-git"])
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "the binary file's token is found"
    );
    assert_eq!(finding_paths(&json), vec!["blob.bin"]);
    assert_eq!(json["summary"]["skipped"]["binary"], 0);
    assert_eq!(json["summary"]["skipped"]["too_large"], 1);
    assert_eq!(json["summary"]["complete"], false);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("big.txt") && stderr.contains("max-file-size"),
        "{stderr}"
    );
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_tree_are_not_followed() {
    let outside = tempfile::tempdir().unwrap();
    write(outside.path(), "secret.txt", Tokens::new(5).github_pat());
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "ok.txt", "fine\n");
    std::os::unix::fs::symlink(
        outside.path().join("secret.txt"),
        dir.path().join("link.txt"),
    )
    .unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("linkdir")).unwrap();
    let (json, code) = scan_json(dir.path(), &[]);
    assert_eq!(code, 0, "{json}");
    // The links' text (their target paths) is scanned; what they point to is not read.
    assert_eq!(json["summary"]["files_scanned"], 3, "{json}");
    assert!(finding_paths(&json).is_empty());
}

#[cfg(unix)]
#[test]
fn a_root_named_through_a_link_is_scanned_where_it_leads() {
    // `leakgate scan app` where `app` links to the real folder (a deploy layout, a Docker
    // volume): the user named it, so the folder and a file named the same way are read, and
    // never pass clean on the link's own text.
    let place = tempfile::tempdir().unwrap();
    let real = place.path().join("real");
    std::fs::create_dir(&real).unwrap();
    write(&real, "config.txt", Tokens::new(11).github_pat());
    std::os::unix::fs::symlink(&real, place.path().join("app")).unwrap();
    std::os::unix::fs::symlink(real.join("config.txt"), place.path().join("one.txt")).unwrap();
    for named in ["app", "one.txt"] {
        let out = leakgate()
            .arg("scan")
            .arg("--no-git")
            .arg(place.path().join(named))
            .args(["--format", "json"])
            .output()
            .unwrap();
        let json: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(out.status.code(), Some(1), "{named}: {json}");
        assert_eq!(json["findings"][0]["rule"], "github-pat-classic", "{named}");
        assert_eq!(json["summary"]["complete"], true, "{named}");
    }
}

#[cfg(unix)]
#[test]
fn a_fifo_never_blocks_the_scan() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.txt", Tokens::new(6).github_pat());
    let fifo = dir.path().join("pipe");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo with a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
    let out = leakgate()
        .arg("scan")
        .arg(dir.path())
        .args(["--format", "json"])
        .timeout(std::time::Duration::from_secs(30))
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json["summary"]["skipped"]["special"], 1);
}

#[test]
fn non_utf8_content_and_names_are_scanned() {
    let dir = tempfile::tempdir().unwrap();
    let token = Tokens::new(7).github_pat();
    let mut data = b"\xff\xfe latin1 \xe9\xe8 ".to_vec();
    data.extend_from_slice(token.as_bytes());
    #[cfg(unix)]
    let name = {
        use std::os::unix::ffi::OsStrExt;
        std::ffi::OsStr::from_bytes(b"bad\xffname.txt").to_owned()
    };
    #[cfg(not(unix))]
    let name = std::ffi::OsString::from("badname.txt");
    std::fs::write(dir.path().join(name), data).unwrap();
    let (json, code) = scan_json(dir.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(json["findings"][0]["rule"], "github-pat-classic");
}

#[cfg(unix)]
#[test]
fn control_characters_in_names_are_escaped_on_output() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "evil\u{1b}[2Jname.txt",
        Tokens::new(8).github_pat(),
    );
    let out = leakgate().arg("scan").arg(dir.path()).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        !stdout.contains('\u{1b}'),
        "raw escape reached the terminal"
    );
    assert!(stdout.contains("evil\\u{1b}[2Jname.txt"), "{stdout}");
}

#[test]
fn several_roots_and_single_files_can_be_scanned() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let mut t = Tokens::new(9);
    write(a.path(), "one.txt", t.github_pat());
    write(b.path(), "two.txt", t.github_pat());
    let out = leakgate()
        .arg("scan")
        .arg(a.path())
        .arg(b.path().join("two.txt"))
        .args(["--format", "json"])
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let paths = finding_paths(&json);
    assert_eq!(paths.len(), 2);
    assert!(paths.iter().any(|p| p.ends_with("one.txt")));
    assert!(paths.iter().any(|p| p.ends_with("two.txt")));
}

#[test]
fn a_missing_path_is_an_error_not_a_clean_scan() {
    leakgate()
        .args(["scan", "/definitely/not/here"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no such file or directory"))
        .stdout("");
}

#[test]
fn fail_on_sets_the_threshold() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "pay.js",
        format!("stripe = '{}'\n", Tokens::new(10).stripe_test()),
    );
    let (json, code) = scan_json(dir.path(), &["--fail-on", "critical"]);
    assert_eq!(code, 0, "a test key is below critical: {json}");
    assert_eq!(json["summary"]["total_findings"], 1);
    let (_, code) = scan_json(dir.path(), &["--fail-on", "low"]);
    assert_eq!(code, 1);
}

#[test]
fn publishable_keys_are_informational_and_do_not_fail_by_default() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "checkout.js",
        format!("Stripe('{}')\n", Tokens::new(11).stripe_publishable()),
    );
    let (json, code) = scan_json(dir.path(), &[]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["findings"][0]["severity"], "info");
    assert_eq!(json["findings"][0]["publishable"], true);
}

#[test]
fn bad_arguments_exit_2_with_one_line() {
    leakgate()
        .args(["scan", "--format", "xml"])
        .assert()
        .code(2);
    leakgate()
        .args(["scan", "--threads", "0", "."])
        .assert()
        .code(2);
}
