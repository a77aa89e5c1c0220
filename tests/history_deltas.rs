//! History read from the pack's deltas (each blob matched from what its delta changed) finds
//! exactly what matching every blob whole finds: driven through the real binary on a
//! repository whose history is built to be hostile to the shortcut (a deep delta chain after
//! `git repack -f --depth=50`, tokens split across two commits, keywords, base64 and escapes
//! cut by edits, edits at the very start and end of a file, a long minified line), compared
//! with the same scan with the shortcut off (the hidden `--history-deltas off`).

#[path = "common/mod.rs"]
mod common;

use common::{Tokens, fast_import, git, leakgate, repack_deep};
use serde_json::Value;
use std::io::Write;
use std::path::Path;

/// Commits the versions of each file in order with `git fast-import` (one commit per
/// version), quicker than a process per commit.
fn import(repo: &Path, versions: &[(&str, String)]) {
    let mut stream = Vec::new();
    for (i, (path, content)) in versions.iter().enumerate() {
        let when = 1_700_000_000 + i as u64 * 60;
        writeln!(stream, "commit refs/heads/main").expect("write to memory");
        writeln!(stream, "committer Test <test@example.com> {when} +0000").expect("write");
        let message = format!("edit {i}");
        writeln!(stream, "data {}\n{message}", message.len()).expect("write");
        writeln!(stream, "M 100644 inline {path}").expect("write");
        writeln!(stream, "data {}", content.len()).expect("write");
        stream.extend_from_slice(content.as_bytes());
        writeln!(stream).expect("write");
    }
    fast_import(repo, &stream);
}

fn b64(bytes: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n =
            chunk.iter().fold(0u32, |acc, &b| acc << 8 | u32::from(b)) << (8 * (3 - chunk.len()));
        for i in 0..4 {
            out.push(if i <= chunk.len() {
                A[(n >> (18 - 6 * i) & 63) as usize] as char
            } else {
                '='
            });
        }
    }
    out
}

/// The versions of three files, each edit chosen to cut something the matcher looks for.
fn history(t: &mut Tokens) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let mut lines: Vec<String> = (0..300)
        .map(|i| match i % 7 {
            0 => format!("password_hint = \"see vault {i}\""),
            1 => format!(
                "  data: {}",
                b64(format!("line {i} of a config, token: none").as_bytes())
            ),
            2 => format!("url = \"https://example.test/?a=%5F{i}&b=&#95;\""),
            3 => format!("echo \"\\x5f\\u005f {i}\""),
            _ => format!("// filler line {i} with aws_secret_access_key mentioned"),
        })
        .collect();
    let mut long = (0..400)
        .map(|i| format!("v{i}=\"k{i}\";"))
        .collect::<String>();
    for step in 0..160usize {
        let at = (step * 37) % lines.len();
        match step % 8 {
            // A whole token on a new line.
            0 => lines.insert(at, format!("GITHUB_TOKEN={}", t.github_pat())),
            // A token split across two commits: the first half now, the rest next time.
            1 => {
                let token = t.github_pat();
                lines[at] = format!("token = \"{}", &token[..12]);
                let done = format!("token = \"{token}\"");
                lines.push(String::new());
                let last = lines.len() - 1;
                lines[last] = format!("# next: {}", &done[done.len() - 3..]);
                lines[at].push_str(&token[12..]);
                lines[at].push('"');
            }
            // An AWS key inside base64, edited in the middle of the run.
            2 => {
                let secret = format!("aws_access_key_id = {}\n", t.aws_key_id());
                lines[at] = format!("  blob: {}", b64(secret.as_bytes()));
            }
            3 => {
                let line = &mut lines[at];
                let mid = line.len() / 2;
                line.insert(mid, 'Q');
            }
            // Edits at the very start and end of the file.
            4 => lines.insert(0, format!("STRIPE_KEY={}", t.stripe_live())),
            5 => {
                lines.pop();
                lines.push(format!("last={}", t.github_pat()));
            }
            6 => {
                lines.remove(at);
            }
            _ => {
                let pct: String = t
                    .github_pat()
                    .bytes()
                    .map(|b| format!("%{b:02X}"))
                    .collect();
                lines[at] = format!("link = \"https://x.test/?t={pct}\"");
            }
        }
        out.push(("config/app.env", lines.join("\n") + "\n"));
        if step % 3 == 0 {
            let mid = (step * 131) % long.len();
            let mid = (0..=mid)
                .rev()
                .find(|&i| long.is_char_boundary(i))
                .unwrap_or(0);
            long.insert_str(mid, &format!("s{step}=\"{}\";", t.stripe_live()));
            out.push(("dist/app.min.js", long.clone()));
        }
        if step % 5 == 0 {
            out.push((
                "README",
                format!("{}\napi_key: {}\n", "intro ".repeat(step), t.base62(40)),
            ));
        }
    }
    out
}

fn scan(repo: &Path, deltas: &str) -> Value {
    let out = leakgate()
        .args([
            "scan",
            "--git-only",
            "--format",
            "json",
            "--history-deltas",
            deltas,
        ])
        .arg(repo)
        .output()
        .expect("leakgate runs");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "JSON report ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// How many blobs took the read path `what` (`--history-deltas stats`).
fn count(report: &Value, what: &str) -> u64 {
    report["summary"]["history"]["read_paths"][what]
        .as_u64()
        .unwrap_or_else(|| panic!("read_paths.{what} in {}", report["summary"]))
}

#[test]
fn history_from_deltas_finds_exactly_what_whole_blobs_do() {
    let dir = tempfile::tempdir().expect("temp dir");
    let repo = dir.path();
    git(repo, &["init", "-q", "-b", "main"]);
    import(repo, &history(&mut Tokens::new(13)));
    repack_deep(repo);
    git(repo, &["prune-packed"]);
    let index = std::fs::read_dir(repo.join(".git/objects/pack"))
        .expect("a pack folder")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "idx"))
        .expect("one pack index");
    let chains = git(repo, &["verify-pack", "-v", &index.to_string_lossy()]);
    assert!(
        chains.contains("chain length = 50:") || chains.contains("chain length = 49:"),
        "the repack made deep delta chains: {chains}"
    );

    let fast = scan(repo, "stats");
    let whole = scan(repo, "off");
    let from_deltas = count(&fast, "delta");
    assert!(from_deltas > 200, "{}", fast["summary"]);
    // Only the commit messages are read by id.
    let messages = fast["summary"]["history"]["messages_scanned"].as_u64();
    assert_eq!(Some(count(&fast, "by_id")), messages, "{}", fast["summary"]);
    let findings = fast["findings"].as_array().expect("findings");
    assert!(findings.len() > 100, "{} findings", findings.len());
    for rule in [
        "github-pat-classic",
        "aws-access-key-id",
        "stripe-secret-key-live",
    ] {
        assert!(findings.iter().any(|f| f["rule"] == rule), "{rule} found");
    }
    // Every finding the same, field for field: fingerprint, path, line, column, commit,
    // severity, message, and the counts of what was read.
    // Findings tied on their sort key (same place and rule, different commits) come in no
    // fixed order, whichever path read them: compared as sets of whole findings.
    let listed = |v: &Value| -> Vec<String> {
        let mut all: Vec<String> = v["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(Value::to_string)
            .collect();
        all.sort();
        all
    };
    let (a, b) = (listed(&fast), listed(&whole));
    let only_fast: Vec<&String> = a.iter().filter(|x| !b.contains(x)).collect();
    let only_whole: Vec<&String> = b.iter().filter(|x| !a.contains(x)).collect();
    assert!(
        only_fast.is_empty() && only_whole.is_empty(),
        "only from deltas: {only_fast:#?}\nonly whole: {only_whole:#?}"
    );
    assert_eq!(a, b);
    // The counts of what was read are the same too; only the asked-for read paths differ.
    let mut counted = fast["summary"]["history"].clone();
    counted
        .as_object_mut()
        .expect("history is an object")
        .remove("read_paths");
    assert_eq!(counted, whole["summary"]["history"]);
    assert_eq!(whole["summary"]["history"].get("read_paths"), None);
}

/// The flag that turns the delta path off is for tests and benchmarks: it is not in `--help`,
/// and an unknown mode is refused rather than ignored.
#[test]
fn the_history_deltas_flag_is_hidden_and_checked() {
    let help = leakgate()
        .args(["scan", "--help"])
        .output()
        .expect("leakgate runs");
    assert!(help.status.success());
    assert!(!String::from_utf8_lossy(&help.stdout).contains("history-deltas"));
    let bad = leakgate()
        .args(["scan", "--git-only", "--history-deltas", "maybe", "."])
        .output()
        .expect("leakgate runs");
    assert_eq!(bad.status.code(), Some(2), "a usage error");
}
