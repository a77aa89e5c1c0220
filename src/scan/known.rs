//! A file whose blob history also matched is matched once.
//!
//! A default `leakgate scan` reads the working tree and git history, and every tracked file
//! that is unchanged since its last commit is a blob history matches too. When both steps
//! run, history runs first through a [`Recorder`]: for each blob it matches whole, whose id is
//! one the index tracks, it keeps the findings by blob id and by the path they were matched
//! at. The walk then hashes each file it reads (a git blob id, far cheaper than matching) and,
//! where history matched the same blob at the same path, takes those findings instead of
//! matching the bytes again ([`KnownFindings::get`]).
//!
//! Why this is exact: the matcher's findings depend on the bytes and the path only (the engine
//! never knows where bytes came from, and `BlobMatcher::findings_after` is exactly
//! `findings`), and equal blob ids mean equal bytes. So the working file's own bytes are
//! hashed, never trusted from the index's stat data: a file edited since, checked out through
//! a filter or with CRLF line ends, or an LFS pointer's real content, has other bytes, another
//! id, and is matched as before. The path must be the very text history matched at (the scan
//! of a repository's top names files as history does; a subfolder or several roots do not,
//! and match as before). A blob whose matching left anything in the run's counters (a warning,
//! a skip inside an archive, text past the decoding budget) is not kept, so the walk matches
//! it itself and says so as before.

use super::Detector;
use crate::engine::{Scratch, incremental};
use crate::finding::Finding;
use crate::source::{BlobId, BlobMatcher, Copied};
use crate::stats::ScanStats;
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

/// Findings history kept for blobs the walk may read, by blob id and the path matched at.
#[derive(Debug, Default)]
pub struct KnownFindings {
    /// By blob, then by path: the walk looks up every file it reads, and a path is looked up
    /// as the `&str` it has, without building a key.
    by_blob: HashMap<BlobId, HashMap<String, Vec<Finding>>>,
}

impl KnownFindings {
    /// The findings at `path` of the blob `id`, when history matched it there.
    pub fn get(&self, id: BlobId, path: &str) -> Option<&[Finding]> {
        self.by_blob.get(&id)?.get(path).map(Vec::as_slice)
    }

    pub fn is_empty(&self) -> bool {
        self.by_blob.is_empty()
    }
}

/// The blob ids the index of each folder root's repository tracks under it: the blobs whose
/// findings the walk may reuse. None outside a repository, or where the index cannot be read
/// (the walk then matches every file, as it would anyway).
pub fn tracked_blobs(roots: &[std::path::PathBuf]) -> HashSet<BlobId> {
    roots
        .iter()
        .filter(|root| root.is_dir())
        .filter_map(|root| crate::source::index::GitView::open(root).ok().flatten())
        .flat_map(|view| view.indexed_files(|_| true).into_iter().map(|f| f.id))
        .collect()
}

/// The run's counters a match may add to: when any moved, the blob's findings are not kept.
fn marks(stats: &ScanStats) -> (u64, u64, u64, u64) {
    (
        stats.warnings.len() as u64 + stats.warnings_dropped,
        stats.skipped.total(),
        stats.files_scanned,
        stats.bytes_scanned,
    )
}

/// The history matcher when the walk comes after: the [`Detector`], keeping the findings of
/// the blobs in `wanted` (the ids the index tracks) as [`BlobMatcher::matched`] hands them.
pub struct Recorder<'a> {
    pub detector: Detector<'a>,
    pub wanted: &'a HashSet<BlobId>,
    kept: Mutex<HashMap<BlobId, HashMap<String, Vec<Finding>>>>,
}

impl<'a> Recorder<'a> {
    pub fn new(detector: Detector<'a>, wanted: &'a HashSet<BlobId>) -> Recorder<'a> {
        Recorder {
            detector,
            wanted,
            kept: Mutex::default(),
        }
    }

    /// What was kept.
    pub fn into_known(self) -> KnownFindings {
        KnownFindings {
            by_blob: self
                .kept
                .into_inner()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        }
    }
}

/// The detector's scratch, and whether the last match left the run's counters as they were.
#[derive(Default)]
pub struct RecorderScratch {
    inner: Scratch,
    quiet: bool,
}

impl RecorderScratch {
    /// Runs one match, noting whether it added to `stats`.
    fn quietly<T>(
        &mut self,
        stats: &mut ScanStats,
        run: impl FnOnce(&mut Scratch, &mut ScanStats) -> T,
    ) -> T {
        let before = marks(stats);
        let out = run(&mut self.inner, stats);
        self.quiet = marks(stats) == before;
        out
    }
}

impl BlobMatcher for Recorder<'_> {
    type Scratch = RecorderScratch;
    type Known = incremental::Known;

    fn findings(
        &self,
        data: &[u8],
        path: &str,
        scratch: &mut RecorderScratch,
        stats: &mut ScanStats,
    ) -> Vec<Finding> {
        scratch.quietly(stats, |s, stats| {
            self.detector.findings(data, path, s, stats)
        })
    }

    fn findings_known(
        &self,
        data: &[u8],
        path: &str,
        scratch: &mut RecorderScratch,
        stats: &mut ScanStats,
    ) -> (Vec<Finding>, Option<incremental::Known>) {
        scratch.quietly(stats, |s, stats| {
            self.detector.findings_known(data, path, s, stats)
        })
    }

    fn findings_after(
        &self,
        data: &[u8],
        path: &str,
        base: (&incremental::Known, &[Copied]),
        scratch: &mut RecorderScratch,
        stats: &mut ScanStats,
    ) -> (Vec<Finding>, Option<incremental::Known>) {
        scratch.quietly(stats, |s, stats| {
            self.detector.findings_after(data, path, base, s, stats)
        })
    }

    fn matched(
        &self,
        id: &BlobId,
        path: &str,
        findings: &[Finding],
        scratch: &mut RecorderScratch,
    ) {
        if !std::mem::take(&mut scratch.quiet) || !self.wanted.contains(id) {
            return;
        }
        self.kept
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .entry(*id)
            .or_default()
            .insert(path.to_string(), findings.to_vec());
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::settings_with;
    use super::*;
    use crate::engine::RuleInfos;
    use crate::engine::testing::{cases, token};
    use crate::source::fixture::{git, write};
    use proptest::prelude::*;
    use std::path::Path;
    use std::sync::Arc;

    /// What happens to one file of a generated repository after it is committed.
    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Fate {
        /// Committed and left alone: the walk takes history's findings.
        Clean,
        /// Edited after the commit to bytes of the same length, its modification time put
        /// back: clean by its stat data, other bytes.
        RacyEdit,
        /// A second version staged, then a third written.
        EditedAfterStaging,
        /// Renamed in a later commit (the blob is history's at the old path first).
        Renamed,
        /// The same bytes committed at a second path too.
        Copied,
        /// Checked out with CRLF line ends (`text=auto`, `core.autocrlf`).
        Crlf,
        /// An LFS pointer in git, the real bytes on disk.
        LfsPointer,
        /// Its secret line carries an inline allow.
        Allowed,
        /// Deleted from the working tree.
        Deleted,
        /// Never committed.
        Untracked,
        /// A git-ignored `.env`, never committed (local only).
        IgnoredEnv,
    }

    fn fate() -> impl Strategy<Value = Fate> {
        prop::sample::select(vec![
            Fate::Clean,
            Fate::RacyEdit,
            Fate::EditedAfterStaging,
            Fate::Renamed,
            Fate::Copied,
            Fate::Crlf,
            Fate::LfsPointer,
            Fate::Allowed,
            Fate::Deleted,
            Fate::Untracked,
            Fate::IgnoredEnv,
        ])
    }

    /// Builds the repository: one file per fate, in folders whose names the rules and the
    /// lowering read (a test fixture, docs), each with a token or none.
    fn build(root: &Path, files: &[(Option<String>, usize, Fate)]) {
        git(root, &["init", "-q"]);
        git(root, &["config", "core.autocrlf", "false"]);
        write(root, ".gitignore", ".env\n");
        write(
            root,
            ".gitattributes",
            "*.crlf text=auto eol=crlf\n*.bin filter=lfs diff=lfs merge=lfs -text\n",
        );
        let dirs = ["", "src/", "tests/fixtures/", "docs/"];
        let mut later: Vec<Box<dyn Fn()>> = Vec::new();
        for (i, (secret, dir, fate)) in files.iter().enumerate() {
            let dir = dirs[dir % dirs.len()];
            let secret = secret.clone().unwrap_or_else(|| "nothing".to_string());
            let text = format!("// file {i}\nconst key = \"{secret}\";\nline two\n");
            let path = match fate {
                Fate::Crlf => format!("{dir}f{i}.crlf"),
                Fate::LfsPointer => format!("{dir}f{i}.bin"),
                Fate::IgnoredEnv => format!("{dir}.env"),
                _ => format!("{dir}f{i}.js"),
            };
            let root = root.to_path_buf();
            match fate {
                Fate::Clean => write(&root, &path, &text),
                Fate::Deleted => {
                    write(&root, &path, &text);
                    later.push(Box::new(move || {
                        std::fs::remove_file(root.join(&path)).unwrap()
                    }));
                }
                Fate::Allowed => write(
                    &root,
                    &path,
                    format!("const key = \"{secret}\"; // leakgate:allow\n"),
                ),
                Fate::RacyEdit => {
                    write(&root, &path, &text);
                    later.push(Box::new(move || {
                        let file = root.join(&path);
                        let when = std::fs::metadata(&file).unwrap().modified().unwrap();
                        std::fs::write(&file, text.replacen("key", "kex", 1)).unwrap();
                        let opened = std::fs::File::options().write(true).open(&file).unwrap();
                        opened.set_modified(when).unwrap();
                    }));
                }
                Fate::EditedAfterStaging => {
                    write(&root, &path, &text);
                    later.push(Box::new(move || {
                        write(&root, &path, format!("{text}staged\n"));
                        git(&root, &["add", &path]);
                        write(&root, &path, format!("{text}on disk\n"));
                    }));
                }
                Fate::Renamed => {
                    write(&root, &path, &text);
                    later.push(Box::new(move || {
                        git(&root, &["mv", &path, &format!("{path}.moved.js")]);
                        git(&root, &["commit", "-q", "-m", "rename"]);
                    }));
                }
                Fate::Copied => {
                    write(&root, &path, &text);
                    write(&root, &format!("{path}.copy.js"), &text);
                }
                Fate::Crlf => {
                    write(&root, &path, &text);
                    later.push(Box::new(move || {
                        write(&root, &path, text.replace('\n', "\r\n"));
                    }));
                }
                Fate::LfsPointer => {
                    write(
                        &root,
                        &path,
                        "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a\nsize 12\n",
                    );
                    later.push(Box::new(move || write(&root, &path, &text)));
                }
                Fate::Untracked | Fate::IgnoredEnv => {
                    later.push(Box::new(move || write(&root, &path, &text)));
                }
            }
        }
        git(root, &["add", "-A"]);
        git(root, &["commit", "-q", "-m", "project"]);
        for step in later {
            step();
        }
    }

    /// Everything a report says of a run: every finding field (as JSON, sorted) and the
    /// counters.
    fn report(collected: &Collected) -> (Vec<String>, String) {
        let mut findings: Vec<String> = collected
            .findings
            .iter()
            .map(|f| format!("{f:?}"))
            .collect();
        findings.sort();
        let stats = &collected.stats;
        let counters = format!(
            "{} {} {} {:?} {}",
            stats.files_scanned,
            stats.bytes_scanned,
            serde_json::to_string(&stats.skipped).expect("counters serialise"),
            stats.warnings,
            serde_json::to_string(&stats.history).expect("counters serialise"),
        );
        (findings, counters)
    }

    use super::super::{Collected, gather_with};

    proptest! {
        #![proptest_config(cases(12))]

        /// A default scan (tree and history) reports exactly what it reports when the walk
        /// matches every file itself, whatever happened to the files since their commit.
        #[test]
        fn taking_historys_findings_changes_nothing(
            files in prop::collection::vec(
                (prop::option::weighted(0.8, token().prop_map(|(t, _)| t)), 0usize..4, fate()),
                1..8,
            ),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let root = dir.path();
            build(root, &files);
            let settings = settings_with(root, &[]);
            let infos = Arc::new(RuleInfos::new(&settings.matcher));
            let reused = gather_with(&settings, &infos, true, true).expect("the scan runs");
            let matched = gather_with(&settings, &infos, true, false).expect("the scan runs");
            prop_assert_eq!(report(&reused), report(&matched));
            // And history's findings were there to take for every clean file.
            let wanted = tracked_blobs(&settings.roots);
            let paths = super::super::DisplayPaths::new(&settings.roots);
            let known = crate::scan::git::scan_roots(
                &settings,
                &infos,
                &paths,
                crate::scan::git::Extras::default(),
                Some(&wanted),
            )
            .expect("history scans")
            .known;
            for (i, (_, _, fate)) in files.iter().enumerate() {
                if *fate == Fate::Clean {
                    let at = ["", "src/", "tests/fixtures/", "docs/"][files[i].1 % 4];
                    let path = format!("{at}f{i}.js");
                    let id = crate::source::blob_id(&std::fs::read(root.join(&path)).unwrap())
                        .unwrap();
                    prop_assert!(known.get(id, &path).is_some(), "{path}");
                }
            }
        }
    }
}
