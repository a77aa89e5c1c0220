//! Builders shared by the integration tests: the real binary, temporary trees, and tokens
//! generated at test time from each provider's documented format (no real secret is ever
//! committed). Generation is seeded so snapshots are stable.
#![allow(dead_code)]

use assert_cmd::Command;
use std::path::Path;

// Shared with the crate's own unit tests (`crate::source::fixture`). Not every test binary
// uses both (as with the rest of this module, hence the allow).
mod files;
#[allow(unused_imports)]
pub use files::{fast_import, git, repack_deep, write};

pub fn leakgate() -> Command {
    let mut cmd = Command::cargo_bin("leakgate").expect("the leakgate binary is built for tests");
    // Not the hook environment `cargo test` may itself run under (a pre-commit hook sets these).
    cmd.env_remove("NO_COLOR")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_WORK_TREE");
    cmd
}

/// `leakgate scan DIR --format json EXTRA...`: the report and the exit code.
pub fn scan_json(dir: &Path, extra: &[&str]) -> (serde_json::Value, i32) {
    let out = leakgate()
        .arg("scan")
        .arg(dir)
        .args(["--format", "json"])
        .args(extra)
        .output()
        .expect("leakgate runs");
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (json, out.status.code().expect("leakgate exits with a code"))
}

/// A small deterministic generator (xorshift64*): random enough for token bodies.
pub struct Tokens {
    state: u64,
}

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

impl Tokens {
    pub fn new(seed: u64) -> Tokens {
        Tokens {
            state: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
        }
    }

    fn next(&mut self) -> u64 {
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        self.state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn pick(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n)
            .map(|_| alphabet[(self.next() % alphabet.len() as u64) as usize] as char)
            .collect()
    }

    pub fn base62(&mut self, n: usize) -> String {
        self.pick(BASE62, n)
    }

    pub fn hex(&mut self, n: usize) -> String {
        self.pick(b"0123456789abcdef", n)
    }

    /// GitHub classic PAT: `ghp_` + 30 random base62 + 6-char CRC-32 checksum.
    pub fn github_pat(&mut self) -> String {
        let random = self.base62(30);
        let check = leakgate::rules::base62_checksum(random.as_bytes());
        format!("ghp_{random}{check}")
    }

    /// AWS access key id: `AKIA` + 16 characters of base32 (A-Z, 2-7).
    pub fn aws_key_id(&mut self) -> String {
        format!("AKIA{}", self.pick(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16))
    }

    /// Stripe live secret key: `sk_live_` + 24 base62 (newer keys are longer).
    pub fn stripe_live(&mut self) -> String {
        format!("sk_live_{}", self.base62(24))
    }

    /// Stripe test secret key.
    pub fn stripe_test(&mut self) -> String {
        format!("sk_test_{}", self.base62(24))
    }

    /// Stripe publishable key: public by design.
    pub fn stripe_publishable(&mut self) -> String {
        format!("pk_live_{}", self.base62(24))
    }
}

/// The SARIF Multitool that `.ci/run` installs (`LEAKGATE_SARIF_MULTITOOL`). In CI its absence
/// fails the test; elsewhere the caller skips, saying so.
pub fn sarif_multitool() -> Option<std::ffi::OsString> {
    let tool = std::env::var_os("LEAKGATE_SARIF_MULTITOOL");
    if tool.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must set LEAKGATE_SARIF_MULTITOOL (see .ci/run)"
        );
        eprintln!("LEAKGATE_SARIF_MULTITOOL not set: SARIF Multitool validation not run");
    }
    tool
}

/// Validates a SARIF file against the official 2.1.0 schema and GitHub's ingestion rules
/// (`--rule-kind "Gh;Sarif"`); every error-level result fails, listed.
pub fn assert_valid_sarif(tool: &std::ffi::OsStr, sarif: &Path) {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("validation.sarif");
    let out = std::process::Command::new(tool)
        .args(["validate", "--rule-kind", "Gh;Sarif", "--output"])
        .arg(&log)
        .arg(sarif)
        .env("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
        .output()
        .expect("the SARIF Multitool runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let validation: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&log).expect("validation log")).expect("JSON");
    let errors: Vec<String> = validation["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["level"] == "error")
        .map(|r| format!("{}: {}", r["ruleId"], r["message"]))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF Multitool errors:\n{}",
        errors.join("\n")
    );
}

/// A YAML file of this repository (a workflow, the action, a manifest) as JSON values.
pub fn yaml(path: &str) -> serde_json::Value {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{path} is not YAML: {e}"))
}

/// Every `uses:` line of a workflow or action's text, with the action it names
/// (`owner/repo@version`, the comment after it left out), in order.
pub fn uses_lines(text: &str) -> Vec<(&str, &str)> {
    text.lines()
        .filter_map(|line| {
            let uses = line
                .trim_start()
                .trim_start_matches("- ")
                .strip_prefix("uses: ")?;
            Some((line, uses.split_whitespace().next()?))
        })
        .collect()
}

/// Every `run:` script in a workflow or action, with where it is.
pub fn run_scripts(value: &serde_json::Value, at: &str, found: &mut Vec<(String, String)>) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                if key == "run" {
                    if let Some(s) = v.as_str() {
                        found.push((at.to_string(), s.to_string()));
                    }
                } else {
                    run_scripts(v, &format!("{at}.{key}"), found);
                }
            }
        }
        Value::Array(items) => {
            for (n, v) in items.iter().enumerate() {
                run_scripts(v, &format!("{at}[{n}]"), found);
            }
        }
        _ => {}
    }
}
