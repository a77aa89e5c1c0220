//! Counters a scan keeps, merged from every worker thread, and the warnings it collected.
//! They feed the summary line and the exit code: a scan that could not read something is
//! never reported as clean.

use serde::{Deserialize, Serialize};
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

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
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
    /// How each blob was read, counted only when a test or benchmark asks
    /// (`--history-deltas stats`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_paths: Option<ReadPaths>,
}

/// How many history blobs took each way of being read (`--history-deltas stats`).
#[derive(Debug, Default, Clone, Copy, Serialize)]
pub struct ReadPaths {
    /// Matched from what their delta changed.
    pub delta: u64,
    /// Rebuilt from a pack and matched whole (the root of a delta chain, or no state to reuse).
    pub whole: u64,
    /// Read by id through gix and matched whole (loose objects, what the pack reader cannot
    /// follow, commit and tag messages, or every blob with deltas off).
    pub by_id: u64,
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
        if let Some(other) = other.read_paths {
            let mine = self.read_paths.get_or_insert_with(ReadPaths::default);
            mine.delta += other.delta;
            mine.whole += other.whole;
            mine.by_id += other.by_id;
        }
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
    /// `--shard I/N`: the run matched only the files and blobs of this shard.
    #[serde(skip)]
    pub shard: Option<Shard>,
    /// Reports combined by `leakgate merge` that were themselves incomplete (or a shard that
    /// is missing): the combined report is incomplete too.
    #[serde(skip)]
    pub incomplete_reports: u64,
}

/// One shard of a scan split over several runners (`--shard I/N`, 1-based): the files and
/// blobs whose git object id falls in it. Decided from the id's own bytes (a SHA-1, already
/// uniform), never from a process-seeded hasher, so every machine splits a repository the same
/// way; a file too large to read whole, or that cannot be read, falls in the shard of its
/// path's SHA-256 instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// 1-based: `1..=count`.
    pub index: u32,
    pub count: u32,
}

/// Why a `--shard` value was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "--shard (or LEAKGATE_SHARD) must be I/N with 1 <= I <= N, like 2/4 (the value is not shown)"
)]
pub struct BadShard;

impl Shard {
    /// Parses `I/N` (`1/4` .. `4/4`); anything else, `0/N`, `I>N` and `N=0` are refused.
    pub fn parse(text: &str) -> Result<Shard, BadShard> {
        let (index, count) = text.trim().split_once('/').ok_or(BadShard)?;
        let number = |s: &str| -> Result<u32, BadShard> {
            if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(BadShard);
            }
            s.parse().map_err(|_| BadShard)
        };
        let (index, count) = (number(index)?, number(count)?);
        if index == 0 || count == 0 || index > count {
            return Err(BadShard);
        }
        Ok(Shard { index, count })
    }

    /// Whether the object with these id bytes (a git blob, commit or tag id) is this shard's.
    pub fn owns_id(&self, id: &[u8]) -> bool {
        let mut head = [0u8; 8];
        let n = id.len().min(8);
        head[..n].copy_from_slice(&id[..n]);
        u64::from_be_bytes(head) % u64::from(self.count) == u64::from(self.index - 1)
    }

    /// Whether a file decided by its path (too large to hash whole, or unreadable) is this
    /// shard's.
    pub fn owns_path(&self, path: &str) -> bool {
        use sha2::{Digest, Sha256};
        self.owns_id(&Sha256::digest(path.as_bytes()))
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
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
        self.incomplete_reports += other.incomplete_reports;
        if self.shard.is_none() {
            self.shard = other.shard;
        }
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
        self.skipped.unreadable == 0
            && self.skipped.too_large == 0
            && !self.history_truncated()
            && self.incomplete_reports == 0
    }

    /// A full-history scan stopped at a shallow clone's boundary.
    pub fn history_truncated(&self) -> bool {
        self.history.as_ref().is_some_and(|h| h.truncated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_one_based_and_refuse_the_rest() {
        assert_eq!(Shard::parse("1/4"), Ok(Shard { index: 1, count: 4 }));
        assert_eq!(Shard::parse("4/4"), Ok(Shard { index: 4, count: 4 }));
        for bad in [
            "0/4",
            "5/4",
            "1/0",
            "0/0",
            "",
            "/",
            "1/",
            "/4",
            "a/b",
            "1/4/2",
            "-1/4",
            "+1/4",
            "1 /4",
            "99999999999/99999999999",
        ] {
            assert_eq!(Shard::parse(bad), Err(BadShard), "{bad:?}");
        }
    }

    #[test]
    fn every_id_falls_in_exactly_one_shard_and_always_the_same() {
        for count in 1..=7u32 {
            for seed in 0u8..=255 {
                let id = [seed, seed.wrapping_mul(7), 3, 4, 5, 6, 7, seed, 9];
                let owners: Vec<u32> = (1..=count)
                    .filter(|&index| Shard { index, count }.owns_id(&id))
                    .collect();
                assert_eq!(owners.len(), 1, "{count} {seed}");
            }
        }
        // Fixed by the id's bytes: 0x00..05 is 5, shard 2 of 4 (5 % 4 = 1).
        let id = [0, 0, 0, 0, 0, 0, 0, 5, 0xff];
        assert!(Shard { index: 2, count: 4 }.owns_id(&id));
    }
}
