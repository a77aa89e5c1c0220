//! Counters a scan keeps, merged from every worker thread, and the warnings it collected.
//! They feed the summary line and the exit code: a scan that could not read something is
//! never reported as clean.

use serde::Serialize;
use std::path::Path;

/// Why a file was not matched. Every source and check counts skips the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    Binary,
    TooLarge,
    Special,
    Symlink,
    Unreadable,
}

/// How many warnings are kept verbatim; the rest are only counted.
const MAX_KEPT_WARNINGS: usize = 200;

#[derive(Debug, Default, Clone, Serialize)]
pub struct Skipped {
    pub binary: u64,
    pub too_large: u64,
    pub special: u64,
    pub symlink: u64,
    pub unreadable: u64,
}

impl Skipped {
    pub fn total(&self) -> u64 {
        self.binary + self.too_large + self.special + self.symlink + self.unreadable
    }

    pub fn count(&mut self, reason: SkipReason) {
        match reason {
            SkipReason::Binary => self.binary += 1,
            SkipReason::TooLarge => self.too_large += 1,
            SkipReason::Special => self.special += 1,
            SkipReason::Symlink => self.symlink += 1,
            SkipReason::Unreadable => self.unreadable += 1,
        }
    }
}

/// What a git history scan covered, for the summary line and the JSON report.
#[derive(Debug, Default, Clone, Serialize)]
pub struct HistoryStats {
    /// `full`, `range` or `staged`.
    pub mode: &'static str,
    /// A scan of a subfolder of a repository: the folder (relative to the repository's top)
    /// whose history alone was scanned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub within: Option<String>,
    pub commits: u64,
    /// Unique blobs read and matched (each blob id once, however many commits hold it).
    pub blobs_scanned: u64,
    /// Bytes of those blobs, inflated.
    pub bytes_scanned: u64,
    /// Commit and annotated tag messages read and matched.
    pub messages_scanned: u64,
    /// The clone is shallow: commits before the boundary were not there to scan, so the scan
    /// is incomplete.
    pub truncated: bool,
}

impl HistoryStats {
    fn merge(&mut self, other: HistoryStats) {
        if self.mode.is_empty() {
            self.mode = other.mode;
        }
        self.commits += other.commits;
        self.blobs_scanned += other.blobs_scanned;
        self.bytes_scanned += other.bytes_scanned;
        self.messages_scanned += other.messages_scanned;
        self.truncated |= other.truncated;
        if self.within.is_none() {
            self.within = other.within;
        }
    }
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct ScanStats {
    pub files_scanned: u64,
    pub bytes_scanned: u64,
    pub skipped: Skipped,
    /// One line each: path and what went wrong (never file contents).
    pub warnings: Vec<String>,
    pub warnings_dropped: u64,
    /// Present when git history (or staged changes) were scanned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<HistoryStats>,
    /// The repositories whose history was scanned (SARIF `versionControlProvenance`).
    #[serde(skip)]
    pub vcs: Vec<crate::finding::VcsInfo>,
}

impl ScanStats {
    pub fn warn(&mut self, message: String) {
        if self.warnings.len() < MAX_KEPT_WARNINGS {
            self.warnings.push(message);
        } else {
            self.warnings_dropped += 1;
        }
    }

    /// Counts a file passed over and says why: always for what the scan was asked to read and
    /// could not (unreadable, too large), and with `verbose` for the rest (binaries, symlinks,
    /// special files). The one wording of these warnings, whoever skipped the file.
    pub fn skip(&mut self, path: &Path, reason: SkipReason, detail: Option<String>, verbose: bool) {
        self.skipped.count(reason);
        let shown = path.display();
        match reason {
            SkipReason::Unreadable => self.warn(format!(
                "{shown}: could not read: {}",
                detail.unwrap_or_else(|| "unknown error".into())
            )),
            SkipReason::TooLarge => self.warn(format!(
                "{shown}: skipped, larger than --max-file-size ({})",
                detail.unwrap_or_default()
            )),
            reason if verbose => self.warn(format!("{shown}: skipped ({reason:?})")),
            _ => {}
        }
    }

    pub fn merge(&mut self, other: ScanStats) {
        self.files_scanned += other.files_scanned;
        self.bytes_scanned += other.bytes_scanned;
        self.skipped.binary += other.skipped.binary;
        self.skipped.too_large += other.skipped.too_large;
        self.skipped.special += other.skipped.special;
        self.skipped.symlink += other.skipped.symlink;
        self.skipped.unreadable += other.skipped.unreadable;
        for w in other.warnings {
            self.warn(w);
        }
        self.warnings_dropped += other.warnings_dropped;
        self.vcs.extend(other.vcs);
        if let Some(h) = other.history {
            self.history
                .get_or_insert_with(HistoryStats::default)
                .merge(h);
        }
    }

    /// Whether everything the scan was asked to read was read: nothing unreadable, nothing
    /// passed over for its size (`--max-file-size` is an explicit opt-out, never a pass), and no
    /// history cut off at a shallow clone's boundary (the commits behind it were never there
    /// to read, so "clean" would be a guess).
    pub fn complete(&self) -> bool {
        self.skipped.unreadable == 0 && self.skipped.too_large == 0 && !self.history_truncated()
    }

    /// A full-history scan stopped at a shallow clone's boundary.
    pub fn history_truncated(&self) -> bool {
        self.history.as_ref().is_some_and(|h| h.truncated)
    }
}
