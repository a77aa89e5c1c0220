//! Noise control: findings a team has accepted, by fingerprint. `.leakgateignore` lists
//! fingerprints one per line; a baseline (`leakgate baseline create`) records every current
//! finding so that only new ones fail. Both key on the fingerprint (rule + secret), never on
//! line numbers, so moving or reformatting code never turns an accepted finding into a new one.
//! Neither file ever holds a secret.

use crate::finding::{Finding, Suppression};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::Path;
use thiserror::Error;

/// The ignore file looked for at the root of a scan.
pub const IGNORE_FILE_NAME: &str = ".leakgateignore";
pub const BASELINE_SCHEMA_VERSION: u32 = 1;

const MAX_SUPPRESSION_FILE_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Debug, Error)]
pub enum SuppressError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{path}:{line}: expected a 64-hex-digit fingerprint, optionally followed by `# comment`"
    )]
    BadIgnoreLine { path: String, line: usize },
    #[error("{path}: not a leakgate baseline: {message}")]
    BadBaseline { path: String, message: String },
    /// The JSON parser's message quotes values (which may be secrets): only where and what
    /// kind of problem is kept.
    #[error("{path}: not a leakgate baseline: {message}")]
    BaselineNotJson { path: String, message: String },
}

/// Fingerprints from `.leakgateignore` and/or a baseline.
#[derive(Debug, Default)]
pub struct Suppressions {
    ignored: HashSet<String>,
    baseline: HashSet<String>,
}

impl Suppressions {
    pub fn load_ignore_file(&mut self, path: &Path) -> Result<(), SuppressError> {
        let text = read_bounded(path)?;
        self.load_ignore_text(&path.display().to_string(), &text)
    }

    /// Ignore-file lines from any source (a file, or a commit's blob); `shown` names it in errors.
    pub fn load_ignore_text(&mut self, shown: &str, text: &str) -> Result<(), SuppressError> {
        for (n, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            if !is_fingerprint(line) {
                return Err(SuppressError::BadIgnoreLine {
                    path: shown.to_string(),
                    line: n + 1,
                });
            }
            self.ignored.insert(line.to_ascii_lowercase());
        }
        Ok(())
    }

    pub fn load_baseline(&mut self, path: &Path) -> Result<(), SuppressError> {
        let text = read_bounded(path)?;
        let bad = |message: String| SuppressError::BadBaseline {
            path: path.display().to_string(),
            message,
        };
        let baseline: Baseline =
            serde_json::from_str(&text).map_err(|e| SuppressError::BaselineNotJson {
                path: path.display().to_string(),
                message: format!(
                    "{} at line {} column {}",
                    crate::text::without_quoted_input(&e.to_string())
                        .split(" at line ")
                        .next()
                        .unwrap_or("invalid JSON"),
                    e.line(),
                    e.column()
                ),
            })?;
        if baseline.schema_version != BASELINE_SCHEMA_VERSION {
            return Err(bad(format!(
                "schema_version {} (this leakgate reads {BASELINE_SCHEMA_VERSION})",
                baseline.schema_version
            )));
        }
        for entry in baseline.findings {
            if !is_fingerprint(&entry.fingerprint) {
                return Err(bad(format!(
                    "bad fingerprint {} (expected 64 hex digits)",
                    crate::text::quoted_value(&entry.fingerprint)
                )));
            }
            self.baseline.insert(entry.fingerprint.to_ascii_lowercase());
        }
        Ok(())
    }

    /// Marks accepted findings; an inline allow already set by the engine is kept.
    pub fn apply(&self, findings: &mut [Finding]) {
        for f in findings.iter_mut().filter(|f| f.suppressed.is_none()) {
            if self.ignored.contains(&f.fingerprint) {
                f.suppressed = Some(Suppression::IgnoreFile);
            } else if self.baseline.contains(&f.fingerprint) {
                f.suppressed = Some(Suppression::Baseline);
            }
        }
    }
}

fn is_fingerprint(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn read_bounded(path: &Path) -> Result<String, SuppressError> {
    let io = |source| SuppressError::Io {
        path: path.display().to_string(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.len() > MAX_SUPPRESSION_FILE_BYTES {
        return Err(io(std::io::Error::other("file is too large")));
    }
    std::fs::read_to_string(path).map_err(io)
}

/// The baseline file: fingerprints and where each was seen (for people reading the file).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub schema_version: u32,
    pub findings: Vec<BaselineEntry>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineEntry {
    pub fingerprint: String,
    pub rule: String,
    pub path: String,
    pub line: usize,
}

impl Baseline {
    pub fn from_findings(findings: &[Finding]) -> Baseline {
        let mut entries: Vec<BaselineEntry> = findings
            .iter()
            .map(|f| BaselineEntry {
                fingerprint: f.fingerprint.clone(),
                rule: f.rule.id.clone(),
                path: f.location.path.clone(),
                line: f.location.line,
            })
            .collect();
        entries.sort_by(|a, b| (&a.path, a.line, &a.rule).cmp(&(&b.path, b.line, &b.rule)));
        Baseline {
            schema_version: BASELINE_SCHEMA_VERSION,
            findings: entries,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignore_file_accepts_comments_and_rejects_junk_with_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".leakgateignore");
        let fp = "a".repeat(64);
        std::fs::write(&path, format!("# accepted\n{fp}  # test key\n\n")).unwrap();
        let mut s = Suppressions::default();
        s.load_ignore_file(&path).unwrap();
        assert!(s.ignored.contains(&fp));
        std::fs::write(&path, format!("{fp}\nnot-a-fingerprint\n")).unwrap();
        let err = Suppressions::default().load_ignore_file(&path).unwrap_err();
        assert!(err.to_string().contains(":2:"), "{err}");
    }
}
