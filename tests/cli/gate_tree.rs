//! The working tree: exit 0 means everything was read. Hostile trees built by each test (binary
//! files, huge files, ignore files, tracked-but-ignored files, unreadable folders, symbolic
//! links, long tokens) and hostile inputs (rules, thread counts, baselines), through the binary.

use crate::common::{Tokens, git, leakgate, write};
use serde_json::Value;
use std::path::Path;
use std::process::Output;

fn run(args: &[&str], dir: &Path) -> Output {
    leakgate()
        .arg("scan")
        .arg(dir)
        .args(["--format", "json"])
        .args(args)
        .timeout(std::time::Duration::from_secs(300))
        .output()
        .expect("leakgate runs")
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn findings(json: &Value) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = json["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().into(),
                f["rule"].as_str().unwrap().into(),
            )
        })
        .collect();
    found.sort();
    found
}

#[test]
fn a_binary_file_is_scanned_in_the_tree_and_in_history() {
    let dir = tempfile::tempdir().unwrap();
    let token = Tokens::new(101).github_pat();
    let mut data = b"\x7fELF\x02\x01\x01\x00\x00\x00".to_vec();
    data.extend(std::iter::repeat_n(0u8, 300));
    data.extend_from_slice(token.as_bytes());
    data.extend(std::iter::repeat_n(0u8, 300));
    write(dir.path(), "tool.bin", &data);
    let out = run(&["--no-git"], dir.path());
    let report = json(&out);
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    assert_eq!(
        findings(&report),
        [("tool.bin".into(), "github-pat-classic".into())]
    );
    assert_eq!(report["summary"]["skipped"]["binary"], 0);

    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "tool.bin"]);
    git(dir.path(), &["commit", "-qm", "add a tool"]);
    let out = run(&["--git-only"], dir.path());
    let report = json(&out);
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    assert_eq!(
        findings(&report),
        [("tool.bin".into(), "github-pat-classic".into())]
    );
}

/// The walk reads files above 16 MiB in windows of 8 MiB that overlap by this many bytes on
/// each side (twice the matcher's reach plus the inline-allow reach: see
/// `scan::worktree::window_overlap`). Tokens are put across both kinds of window edge.
const STEP: u64 = 8 * 1024 * 1024;
const OVERLAP: u64 = 2 * ((16_384 + 1024 + 65_536) + 4096);

#[test]
fn a_large_file_is_read_in_windows_and_each_token_is_found_once_where_it_is() {
    use std::io::{Seek, SeekFrom, Write};
    let dir = tempfile::tempdir().unwrap();
    let mut t = Tokens::new(102);
    let size = 5 * STEP;
    // Where tokens start: across the owned edges (k * STEP), across the end of a window's
    // context (STEP + OVERLAP) and the start of the next one's (2 * STEP - OVERLAP), and last.
    let first = STEP - 12;
    let starts = [
        2 * STEP - OVERLAP - 7,
        2 * STEP - 20,
        STEP + OVERLAP - 9 + STEP,
        3 * STEP - 1,
        4 * STEP - 30,
        size - 100,
    ];
    let path = dir.path().join("dump.bin");
    let mut file = std::fs::File::create(&path).unwrap();
    file.set_len(size).unwrap();
    // One token on the first line, far from its start: its column crosses a window.
    let first_token = t.github_pat();
    file.seek(SeekFrom::Start(first)).unwrap();
    file.write_all(first_token.as_bytes()).unwrap();
    let mut expected = vec![(1u64, first + 1, first_token)];
    for (i, &start) in starts.iter().enumerate() {
        let token = t.github_pat();
        // A newline before each token (so it starts a line) and one after.
        file.seek(SeekFrom::Start(start - 1)).unwrap();
        file.write_all(format!("\n{token}\n").as_bytes()).unwrap();
        expected.push((2 * i as u64 + 2, 1, token));
    }
    drop(file);
    let out = run(&["--no-git"], dir.path());
    let report = json(&out);
    assert_eq!(out.status.code(), Some(1), "{}", report["summary"]);
    assert_eq!(report["summary"]["complete"], true);
    assert_eq!(report["summary"]["bytes_scanned"], size);
    let got: Vec<(u64, u64, u64)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["end_column"].as_u64().unwrap(),
            )
        })
        .collect();
    let want: Vec<(u64, u64, u64)> = expected
        .iter()
        .map(|(line, column, token)| (*line, *column, column + token.len() as u64))
        .collect();
    assert_eq!(got, want, "each token exactly once, at its place");

    // `--max-file-size` is an explicit opt-out: the file is skipped and the scan incomplete.
    let out = run(&["--no-git", "--max-file-size", "1000000"], dir.path());
    let report = json(&out);
    assert_eq!(out.status.code(), Some(2), "{}", report["summary"]);
    assert_eq!(report["summary"]["complete"], false);
    assert_eq!(report["summary"]["skipped"]["too_large"], 1);
}

#[test]
fn ignore_and_rgignore_files_do_not_blind_the_scan() {
    for name in [".ignore", ".rgignore"] {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), name, "*\n");
        write(
            dir.path(),
            "src/app.js",
            format!("const k = \"{}\";\n", Tokens::new(103).github_pat()),
        );
        let out = run(&["--no-git"], dir.path());
        let report = json(&out);
        assert_eq!(out.status.code(), Some(1), "{name}: {report:#}");
        assert_eq!(
            findings(&report),
            [("src/app.js".into(), "github-pat-classic".into())]
        );
    }
}

#[test]
fn a_tracked_file_is_scanned_even_if_gitignore_matches_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = Tokens::new(104);
    write(dir.path(), ".gitignore", "*.secret\nvendor/\n");
    write(
        dir.path(),
        "prod.secret",
        format!("token={}\n", t.github_pat()),
    );
    write(
        dir.path(),
        "vendor/lib.js",
        format!("k=\"{}\"\n", t.github_pat()),
    );
    write(dir.path(), "local.secret", "nothing\n");
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", ".gitignore"]);
    git(dir.path(), &["add", "-f", "prod.secret", "vendor/lib.js"]);
    git(dir.path(), &["commit", "-qm", "force-added"]);
    // Untracked and ignored: still not scanned (git will not commit it).
    write(
        dir.path(),
        "local.secret",
        format!("token={}\n", t.github_pat()),
    );
    let out = run(&["--no-git"], dir.path());
    let report = json(&out);
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    assert_eq!(
        findings(&report),
        [
            ("prod.secret".into(), "github-pat-classic".into()),
            ("vendor/lib.js".into(), "github-pat-classic".into())
        ]
    );
    // The config's `exclude` still applies to tracked files.
    write(dir.path(), ".leakgate.yml", "exclude: [vendor]\n");
    let out = run(&["--no-git"], dir.path());
    assert_eq!(
        findings(&json(&out)),
        [("prod.secret".into(), "github-pat-classic".into())]
    );
}

/// A folder the walk cannot read makes the scan incomplete, whatever its name says. Tests run
/// as root, who can read a `chmod 000` folder; no one can open a path longer than `PATH_MAX`,
/// so the folder named `loop` is put just past it (created by relative `cd`s in a shell).
#[cfg(target_os = "linux")]
#[test]
fn an_unreadable_folder_named_loop_makes_the_scan_incomplete() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "ok.txt", "fine\n");
    let base = dir.path().join("deep");
    std::fs::create_dir(&base).unwrap();
    let mut length = base.as_os_str().len();
    let mut script = String::from("set -e; cd \"$1\"");
    // Parent of `loop` ends at 4093 bytes: listable; `.../loop` (4098) is not.
    while length < 4093 {
        let n = (4093 - length - 1).min(200);
        let name = "d".repeat(n.max(1));
        length += 1 + name.len();
        script.push_str(&format!("; mkdir {name}; cd {name}"));
    }
    assert_eq!(length, 4093);
    script.push_str("; mkdir loop; echo hidden > loop/secret.txt");
    let status = std::process::Command::new("sh")
        .args(["-c", &script, "sh"])
        .arg(&base)
        .status()
        .unwrap();
    assert!(status.success());
    let out = run(&["--no-git"], dir.path());
    let report = json(&out);
    assert_eq!(out.status.code(), Some(2), "{report:#}");
    assert_eq!(report["summary"]["complete"], false);
    assert!(report["summary"]["skipped"]["unreadable"].as_u64().unwrap() >= 1);
    assert_eq!(report["summary"]["skipped"]["symlink"], 0);
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_whose_target_text_is_a_token_is_found_without_following_it() {
    let dir = tempfile::tempdir().unwrap();
    let token = Tokens::new(105).github_pat();
    std::os::unix::fs::symlink(format!("keys/{token}"), dir.path().join("current")).unwrap();
    let out = run(&["--no-git"], dir.path());
    let report = json(&out);
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    assert_eq!(
        findings(&report),
        [("current".into(), "github-pat-classic".into())]
    );
    // Committed, git stores the same text as the link's blob: history finds it too.
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "current"]);
    git(dir.path(), &["commit", "-qm", "link"]);
    let out = run(&["--git-only"], dir.path());
    assert_eq!(out.status.code(), Some(1));
}

/// base64url without padding.
fn b64url(data: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let n =
            chunk.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b)) << (8 * (3 - chunk.len()));
        for i in 0..=chunk.len() {
            out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

#[test]
fn a_jwt_longer_than_the_matching_window_is_found_whole() {
    let dir = tempfile::tempdir().unwrap();
    // A JWT whose only keyword hits are its two segment starts: no chance `eyJ` inside the
    // payload may chain windows to its end (the first seed that gives one is used).
    let jwt = (106..)
        .map(|seed| {
            let mut t = Tokens::new(seed);
            let claims = format!(
                "{{\"sub\":\"{}\",\"roles\":\"{}\"}}",
                t.base62(24),
                t.base62(4400)
            );
            format!(
                "{}.{}.{}",
                b64url(br#"{"alg":"HS256","typ":"JWT"}"#),
                b64url(claims.as_bytes()),
                t.pick(
                    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
                    43
                )
            )
        })
        .find(|jwt| jwt.to_ascii_lowercase().matches("eyj").count() == 2)
        .expect("a seed gives a JWT without a chance keyword");
    assert!(jwt.len() > 6000, "{}", jwt.len());
    write(
        dir.path(),
        "client.ts",
        format!("export const session = \"{jwt}\";\n"),
    );
    let out = run(&["--no-git"], dir.path());
    let report = json(&out);
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    assert_eq!(findings(&report), [("client.ts".into(), "jwt".into())]);
    let f = &report["findings"][0];
    assert_eq!(
        f["end_column"].as_u64().unwrap() - f["column"].as_u64().unwrap(),
        jwt.len() as u64
    );
}

fn rule(id: &str, regex: &str) -> String {
    format!(
        "  - id: {id}\n    name: {id}\n    description: Revoke it.\n    severity: high\n    \
         keywords: [zq{id}]\n    regex: '{regex}'\n    examples: ['x']\n    negative_examples: ['y']\n"
    )
}

#[test]
fn a_rules_file_cannot_exhaust_memory_and_the_error_names_the_rule() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.txt", "fine\n");
    write(dir.path(), ".leakgate.yml", "rules_files: [huge.yaml]\n");
    let huge: String = (0..40)
        .map(|i| rule(&format!("huge-{i}"), "(?P<secret>(a{1000}){1000})"))
        .collect();
    write(dir.path(), "huge.yaml", format!("rules:\n{huge}"));
    let out = run(&["--no-git"], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("huge.yaml") && stderr.contains("`huge-0`"),
        "{stderr}"
    );
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    // Each rule compiles alone; together they pass the budget, and the one that does is named.
    let many: String = (0..300)
        .map(|i| rule(&format!("big-{i}"), "(?P<secret>(?:[a-z]{100}){200})"))
        .collect();
    write(dir.path(), "huge.yaml", format!("rules:\n{many}"));
    let out = run(&["--no-git"], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("rule `big-") && stderr.contains("in total"),
        "{stderr}"
    );
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
}

#[test]
fn an_absurd_thread_count_is_a_one_line_error() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.txt", "fine\n");
    let out = run(&["--no-git", "-j", "100000"], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("at most 1024"), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
}

#[cfg(unix)]
#[test]
fn a_baseline_that_is_not_a_regular_file_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.txt", "fine\n");
    let fifo = dir.path().join("baseline.fifo");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    for baseline in [Path::new("/dev/zero"), fifo.as_path(), dir.path()] {
        let out = leakgate()
            .arg("scan")
            .arg(dir.path())
            .args(["--no-git", "--baseline"])
            .arg(baseline)
            .timeout(std::time::Duration::from_secs(30))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{}: {stderr}",
            baseline.display()
        );
        assert!(stderr.contains("not a regular file"), "{stderr}");
    }
}

#[test]
fn a_forty_thousand_entry_exclude_list_works_and_its_errors_stay_one_short_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = Tokens::new(131);
    let mut config = String::from("exclude:\n");
    for i in 0..40_000 {
        // Half plain names (any depth), half plain paths: what generated lists hold.
        if i % 2 == 0 {
            config.push_str(&format!("- f{i}.txt\n"));
        } else {
            config.push_str(&format!("- g/f{i}\n"));
        }
    }
    write(dir.path(), ".leakgate.yml", &config);
    write(
        dir.path(),
        "g/f39999",
        format!("k = \"{}\"\n", t.github_pat()),
    );
    write(
        dir.path(),
        "deep/er/f39998.txt",
        format!("k = \"{}\"\n", t.github_pat()),
    );
    write(
        dir.path(),
        "src/app.js",
        format!("const k = \"{}\";\n", t.github_pat()),
    );
    let out = run(&["--no-git"], dir.path());
    let report = json(&out);
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    assert_eq!(
        findings(&report),
        [("src/app.js".into(), "github-pat-classic".into())]
    );

    // One bad glob among them: one short line, not the list.
    config.push_str("- \"src/[bad\"\n");
    write(dir.path(), ".leakgate.yml", &config);
    let out = run(&["--no-git"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("exclude"), "{stderr}");
    assert!(stderr.len() < 400, "{} bytes: {stderr}", stderr.len());
}
