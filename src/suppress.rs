//! Noise control: findings a team has accepted, by fingerprint. `.leakgateignore` lists
//! fingerprints one per line, whole or as the prefix reports print (at least
//! [`MIN_PREFIX_DIGITS`] hex digits); a prefix must name one fingerprint among the run's
//! findings, and an ambiguous one is an error rather than a wider suppression. A baseline
//! (`leakgate baseline create`) records every current finding so that only new ones fail.
//! Both key on the fingerprint (rule + secret), never on line numbers, so moving or
//! reformatting code never turns an accepted finding into a new one.
//! Neither file ever holds a secret.
//!
//! Inline `leakgate:allow` comments are marked by the engine where it places a finding; on a
//! pull request they are written by the author being judged, so [`Suppressions`] can be told
//! not to honour them: such a finding fails the gate unless the trusted ignore file or
//! baseline accepts it.

use crate::finding::{Finding, Suppression};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::Path;
use thiserror::Error;

/// The ignore file looked for at the root of a scan.
pub const IGNORE_FILE_NAME: &str = ".leakgateignore";
pub const BASELINE_SCHEMA_VERSION: u32 = 1;

const MAX_SUPPRESSION_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// The shortest fingerprint prefix `.leakgateignore` accepts (reports print 16 digits):
/// 48 bits, so an accidental match among one run's findings is negligible, and a real one is
/// caught as ambiguous.
pub const MIN_PREFIX_DIGITS: usize = 12;

/// Hex digits in a whole fingerprint (SHA-256).
const FINGERPRINT_DIGITS: usize = 64;

#[derive(Debug, Error)]
pub enum SuppressError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{path}:{line}: expected a fingerprint as printed in a finding (12 to 64 hex digits), \
         optionally followed by `# comment`"
    )]
    BadIgnoreLine { path: String, line: usize },
    #[error(
        "{path}:{line}: fingerprint prefix {prefix} matches {count} different findings; \
         paste more of the fingerprint (up to all 64 hex digits, as `--format json` shows)"
    )]
    AmbiguousPrefix {
        path: String,
        line: usize,
        prefix: String,
        count: usize,
    },
    #[error("{path}: not a leakgate baseline: {message}")]
    BadBaseline { path: String, message: String },
    /// The JSON parser's message quotes values (which may be secrets): only where and what
    /// kind of problem is kept.
    #[error("{path}: not a leakgate baseline: {message}")]
    BaselineNotJson { path: String, message: String },
}

/// Fingerprints from `.leakgateignore` and/or a baseline, and whether inline allows count.
#[derive(Debug, Default)]
pub struct Suppressions {
    /// Whole fingerprints from ignore files.
    ignored: HashSet<String>,
    /// Shorter prefixes, resolved against each run's findings in [`Suppressions::apply`].
    prefixes: Vec<IgnorePrefix>,
    baseline: HashSet<String>,
    /// Set when inline allows are not trusted: the sentence such a finding carries instead.
    inline_distrusted: Option<String>,
}

impl Suppressions {
    /// Inline `leakgate:allow` comments stop suppressing; each finding they would have hidden
    /// is reported with `why` (a pull request may not allow-list its own findings).
    pub fn distrust_inline_allows(&mut self, why: &str) {
        self.inline_distrusted = Some(why.to_string());
    }

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
            if !is_hex_of_len(line, MIN_PREFIX_DIGITS..=FINGERPRINT_DIGITS) {
                return Err(SuppressError::BadIgnoreLine {
                    path: shown.to_string(),
                    line: n + 1,
                });
            }
            let line_text = line.to_ascii_lowercase();
            if line_text.len() == FINGERPRINT_DIGITS {
                self.ignored.insert(line_text);
            } else {
                self.prefixes.push(IgnorePrefix {
                    prefix: line_text,
                    path: shown.to_string(),
                    line: n + 1,
                });
            }
        }
        Ok(())
    }

    pub fn load_baseline(&mut self, path: &Path) -> Result<(), SuppressError> {
        let text = read_bounded(path)?;
        self.load_baseline_text(&path.display().to_string(), &text)
    }

    /// A baseline from any source (a file, or a commit's blob); `shown` names it in errors.
    pub fn load_baseline_text(&mut self, shown: &str, text: &str) -> Result<(), SuppressError> {
        let bad = |message: String| SuppressError::BadBaseline {
            path: shown.to_string(),
            message,
        };
        let baseline: Baseline =
            serde_json::from_str(text).map_err(|e| SuppressError::BaselineNotJson {
                path: shown.to_string(),
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

    /// Marks accepted findings; an inline allow already set by the engine is kept, unless
    /// inline allows are distrusted. Fails when an ignore-file prefix matches more than one
    /// fingerprint among `findings` (the run's findings): accepting all of them would silence
    /// findings nobody looked at.
    pub fn apply(&self, findings: &mut [Finding]) -> Result<(), SuppressError> {
        let ignored = self.resolve_prefixes(findings)?;
        for f in findings.iter_mut() {
            if let (Some(Suppression::Inline), Some(why)) = (f.suppressed, &self.inline_distrusted)
            {
                f.suppressed = None;
                f.message = Some(match f.message.take() {
                    Some(message) => format!("{why}; {message}"),
                    None => why.clone(),
                });
            }
            if f.suppressed.is_some() {
                continue;
            }
            if self.ignored.contains(&f.fingerprint) || ignored.contains(&f.fingerprint) {
                f.suppressed = Some(Suppression::IgnoreFile);
            } else if self.baseline.contains(&f.fingerprint) {
                f.suppressed = Some(Suppression::Baseline);
            }
        }
        Ok(())
    }

    /// The whole fingerprints among `findings` that the ignore files' prefixes name. A prefix
    /// that matches nothing names nothing (like a whole fingerprint no finding has).
    fn resolve_prefixes(&self, findings: &[Finding]) -> Result<HashSet<String>, SuppressError> {
        let mut resolved = HashSet::new();
        if self.prefixes.is_empty() {
            return Ok(resolved);
        }
        let mut known: Vec<&str> = findings.iter().map(|f| f.fingerprint.as_str()).collect();
        known.sort_unstable();
        known.dedup();
        for entry in &self.prefixes {
            let from = known.partition_point(|fp| *fp < entry.prefix.as_str());
            let count = known[from..]
                .iter()
                .take_while(|fp| fp.starts_with(&entry.prefix))
                .count();
            match count {
                0 => {}
                1 => {
                    resolved.insert(known[from].to_string());
                }
                count => {
                    return Err(SuppressError::AmbiguousPrefix {
                        path: entry.path.clone(),
                        line: entry.line,
                        prefix: entry.prefix.clone(),
                        count,
                    });
                }
            }
        }
        Ok(resolved)
    }
}

/// A fingerprint prefix from an ignore file, with where it was written (for errors).
#[derive(Debug)]
struct IgnorePrefix {
    prefix: String,
    path: String,
    line: usize,
}

fn is_fingerprint(s: &str) -> bool {
    is_hex_of_len(s, FINGERPRINT_DIGITS..=FINGERPRINT_DIGITS)
}

fn is_hex_of_len(s: &str, len: std::ops::RangeInclusive<usize>) -> bool {
    len.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Reads a suppression file: a regular file of at most [`MAX_SUPPRESSION_FILE_BYTES`]. Opened
/// non-blocking and checked on the open handle, so a FIFO, a device (`/dev/zero`) or a folder is
/// refused at once instead of blocking, reading forever or failing obscurely.
fn read_bounded(path: &Path) -> Result<String, SuppressError> {
    use std::io::Read;
    let io = |source| SuppressError::Io {
        path: path.display().to_string(),
        source,
    };
    let file = open_nonblocking(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(io(std::io::Error::other("not a regular file")));
    }
    let too_large = || {
        io(std::io::Error::other(format!(
            "larger than {} MiB",
            MAX_SUPPRESSION_FILE_BYTES >> 20
        )))
    };
    if meta.len() > MAX_SUPPRESSION_FILE_BYTES {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    file.take(MAX_SUPPRESSION_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_SUPPRESSION_FILE_BYTES {
        return Err(too_large());
    }
    String::from_utf8(bytes).map_err(|_| io(std::io::Error::other("not UTF-8 text")))
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
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

    #[test]
    fn distrusted_inline_allows_fail_unless_the_trusted_files_accept_them() {
        let allowed = |fp: &str| {
            let mut f = finding(fp);
            f.suppressed = Some(Suppression::Inline);
            f
        };
        let (new, accepted) = ("a".repeat(64), "b".repeat(64));
        let mut findings = vec![allowed(&new), allowed(&accepted)];
        let mut s = Suppressions::default();
        s.apply(&mut findings).unwrap();
        assert!(
            findings
                .iter()
                .all(|f| f.suppressed == Some(Suppression::Inline))
        );
        s.load_ignore_text("ignore", &accepted).unwrap();
        s.distrust_inline_allows("allow-listed by this pull request");
        s.apply(&mut findings).unwrap();
        assert_eq!(findings[0].suppressed, None);
        assert_eq!(
            findings[0].message.as_deref(),
            Some("allow-listed by this pull request")
        );
        assert_eq!(findings[1].suppressed, Some(Suppression::IgnoreFile));
    }

    fn finding(fp: &str) -> Finding {
        use crate::finding::{Location, RuleInfo, Severity};
        let rule = RuleInfo::for_test("r", Severity::High);
        Finding::new(
            rule,
            Severity::High,
            Location::span("a", (1, 1), (1, 2)),
            fp.to_string(),
        )
    }

    #[test]
    fn a_printed_prefix_accepts_the_one_finding_it_names() {
        let wanted = format!("0123456789abcdef{}", "1".repeat(48));
        let other = format!("0123456789abffff{}", "2".repeat(48));
        let mut findings = vec![finding(&wanted), finding(&other), finding(&wanted)];
        let mut s = Suppressions::default();
        s.load_ignore_text(
            "ignore",
            "0123456789ABCDEF  # as printed\nfedcba9876543210\n",
        )
        .unwrap();
        s.apply(&mut findings).unwrap();
        let marks: Vec<_> = findings.iter().map(|f| f.suppressed).collect();
        assert_eq!(
            marks,
            [
                Some(Suppression::IgnoreFile),
                None,
                Some(Suppression::IgnoreFile)
            ]
        );
    }

    #[test]
    fn an_ambiguous_prefix_is_an_error_naming_its_line() {
        let a = format!("0123456789ab{}", "1".repeat(52));
        let b = format!("0123456789ab{}", "2".repeat(52));
        let mut findings = vec![finding(&a), finding(&b)];
        let mut s = Suppressions::default();
        s.load_ignore_text(".leakgateignore", "# x\n0123456789ab\n")
            .unwrap();
        let err = s.apply(&mut findings).unwrap_err().to_string();
        assert!(err.starts_with(".leakgateignore:2: "), "{err}");
        assert!(err.contains("matches 2 different findings"), "{err}");
        assert!(findings.iter().all(|f| f.suppressed.is_none()));
    }

    #[test]
    fn a_prefix_shorter_than_twelve_digits_is_refused() {
        let err = Suppressions::default()
            .load_ignore_text("i", "0123456789a\n")
            .unwrap_err();
        assert!(err.to_string().contains("12 to 64 hex digits"), "{err}");
        let too_long = "a".repeat(65);
        assert!(
            Suppressions::default()
                .load_ignore_text("i", &too_long)
                .is_err()
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_baseline_that_is_not_a_regular_file_is_refused_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        for path in [fifo.as_path(), Path::new("/dev/zero"), dir.path()] {
            let err = Suppressions::default().load_baseline(path).unwrap_err();
            assert!(err.to_string().contains("not a regular file"), "{err}");
        }
    }
}
