//! The working-tree step: walk every root in parallel and match each file as it is read.

use super::{Detector, DisplayPaths};
use crate::checks::launch::{self, LaunchSettings, SourceFile};
use crate::engine::{Matcher, RuleInfos, Scratch, findings_from_matches};
use crate::finding::Finding;
use crate::finding::Location;
use crate::settings::ScanSettings;
use crate::source::BlobMatcher;
use crate::source::archive::{self, Limits};
use crate::source::index::GitView;
use crate::source::stream::Window;
use crate::source::worktree::{self, Collector, FileItem, SkipReason, Visitor, WalkOptions};
use crate::stats::{ScanStats, Shard};
use crate::text::{error_chain, slash_path};
use anyhow::Result;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Walks every root in parallel; each worker thread matches the files it reads. Files in
/// `read_elsewhere` are left to the step that reads them.
pub fn scan(
    settings: &ScanSettings,
    infos: &Arc<RuleInfos>,
    paths: &DisplayPaths,
    read_elsewhere: HashSet<PathBuf>,
) -> Result<(Vec<Finding>, ScanStats)> {
    let collector: Arc<Collector<(Vec<Finding>, ScanStats)>> = Arc::default();
    let read_elsewhere = Arc::new(read_elsewhere);
    let mut problems = ScanStats::default();
    for root in &settings.roots {
        let tracked = match tracked_files(root) {
            Ok(tracked) => tracked,
            Err(detail) => {
                // Which files git tracks is unknown: ignored-but-tracked ones may be missed.
                problems.skip(root, SkipReason::Unreadable, Some(detail), false);
                Vec::new()
            }
        };
        let options = WalkOptions {
            tracked: Arc::new(tracked),
            threads: settings.threads,
            max_file_size: settings.skip_larger_than,
            overlap: window_overlap(&settings.matcher),
            exclude: settings.config.config.exclude.clone(),
            read_elsewhere: read_elsewhere.clone(),
        };
        worktree::walk(root, &options, || {
            Box::new(ScanVisitor {
                matcher: settings.matcher.clone(),
                infos: infos.clone(),
                archives: settings.archives,
                scratch: Scratch::default(),
                large_archive: false,
                findings: Vec::new(),
                stats: ScanStats::default(),
                root: root.clone(),
                paths: paths.clone(),
                verbose: settings.output.verbose,
                collector: collector.clone(),
                shard: settings.shard,
                launch: settings.launch.clone(),
            })
        })?;
    }
    let parts = Arc::try_unwrap(collector)
        .map_err(|_| anyhow::anyhow!("internal error: a scan worker outlived the walk"))?
        .into_parts();
    let mut findings = Vec::new();
    let mut stats = problems;
    for (f, s) in parts {
        findings.extend(f);
        stats.merge(s);
    }
    Ok((findings, stats))
}

/// The files git's index tracks under `root` (a folder), relative to it; none outside a
/// repository.
fn tracked_files(root: &Path) -> Result<Vec<PathBuf>, String> {
    if !root.is_dir() {
        return Ok(Vec::new());
    }
    match GitView::open(root) {
        Ok(Some(view)) => Ok(view
            .indexed_files(|_| true)
            .into_iter()
            .map(|file| file.relative)
            .collect()),
        Ok(None) => Ok(Vec::new()),
        Err(e) => Err(error_chain(&e)),
    }
}

/// Context on each side of a window of a large file: every match starting in the bytes a window
/// owns is seen as a whole-file scan sees it (its keyword and its widened regex window), and its
/// inline allow marker too.
fn window_overlap(matcher: &Matcher) -> usize {
    2 * (matcher.reach() + crate::engine::INLINE_ALLOW_REACH)
}

/// A location found in a window, moved to where it is in the file.
fn shift(location: &mut Location, window: &Window<'_>) {
    if location.line == 1 {
        location.column += window.column_offset;
    }
    if location.end_line == 1 {
        location.end_column += window.column_offset;
    }
    location.line += window.first_line - 1;
    location.end_line += window.first_line - 1;
}

/// The findings of one window of a large file, placed in the file: those whose first byte the
/// window owns (so a match crossing a boundary is reported once, however it straddles).
fn findings_in_window(
    matcher: &Matcher,
    infos: &RuleInfos,
    window: &Window<'_>,
    path: &str,
    scratch: &mut Scratch,
) -> Vec<Finding> {
    let mut matches = matcher.find_all(window.data, scratch);
    matches.retain(|m| window.owned.contains(&m.secret.start));
    let mut found = findings_from_matches(matcher, infos, window.data, path, matches);
    for f in &mut found {
        shift(&mut f.location, window);
    }
    found
}

struct ScanVisitor {
    matcher: Arc<Matcher>,
    infos: Arc<RuleInfos>,
    archives: Limits,
    scratch: Scratch,
    /// The file being read in windows is an archive: it is read from its file when done.
    large_archive: bool,
    findings: Vec<Finding>,
    stats: ScanStats,
    root: PathBuf,
    paths: DisplayPaths,
    verbose: bool,
    collector: Arc<Collector<(Vec<Finding>, ScanStats)>>,
    /// `--shard`: only this shard's files are matched and counted.
    shard: Option<Shard>,
    /// The launch checks judge the files they read as the walk reads them (no walk of their
    /// own); `None` with `--no-launch`.
    launch: Option<LaunchSettings>,
}

impl ScanVisitor {
    /// Whether a file decided by its path (read in windows, or not read at all) is this
    /// shard's; see [`super::shards`].
    fn owns_path(&self, relative: &Path) -> bool {
        self.shard
            .is_none_or(|s| s.owns_path(&self.paths.shown(&self.root, relative)))
    }
}

impl Visitor for ScanVisitor {
    fn file(&mut self, item: FileItem<'_>) {
        if let Some(shard) = &self.shard
            && !super::shards::owns_bytes(shard, item.data)
        {
            return;
        }
        self.stats.files_scanned += 1;
        self.stats.bytes_scanned += item.data.len() as u64;
        let path = self.paths.shown(&self.root, item.relative);
        let detector = Detector {
            matcher: &self.matcher,
            infos: &self.infos,
            archives: &self.archives,
        };
        let found = detector.findings(item.data, &path, &mut self.scratch, &mut self.stats);
        self.findings.extend(found);
        if let Some(launch) = &self.launch
            && item.data.len() <= launch::files::MAX_BYTES
        {
            let relative = slash_path(item.relative);
            if let Some(kind) = launch::kind_of(&relative) {
                let file = SourceFile {
                    relative: &relative,
                    shown: &path,
                    data: item.data,
                    kind,
                };
                self.findings.extend(launch::check_file(launch, &file));
            }
        }
    }

    fn window(&mut self, relative: &Path, window: Window<'_>) {
        if !self.owns_path(relative) {
            return;
        }
        if window.owned.start == 0 && window.first_line == 1 {
            self.large_archive = archive::sniff(window.data).is_some();
        }
        if self.large_archive {
            return;
        }
        let path = self.paths.shown(&self.root, relative);
        let found = findings_in_window(
            &self.matcher,
            &self.infos,
            &window,
            &path,
            &mut self.scratch,
        );
        self.findings.extend(found);
        super::note_decode_cuts(&mut self.scratch, &path, &mut self.stats);
    }

    fn done(&mut self, relative: &Path, bytes: u64) {
        if !self.owns_path(relative) {
            return;
        }
        self.stats.files_scanned += 1;
        self.stats.bytes_scanned += bytes;
        if std::mem::take(&mut self.large_archive) {
            let file = if relative.as_os_str().is_empty() {
                self.root.clone()
            } else {
                self.root.join(relative)
            };
            let path = self.paths.shown(&self.root, relative);
            let detector = Detector {
                matcher: &self.matcher,
                infos: &self.infos,
                archives: &self.archives,
            };
            let found =
                detector.findings_in_archive_file(&file, &path, &mut self.scratch, &mut self.stats);
            self.findings.extend(found);
        }
    }

    fn skipped(&mut self, path: &Path, reason: SkipReason, detail: Option<String>) {
        self.large_archive = false;
        let relative = path.strip_prefix(&self.root).unwrap_or(path);
        if !self.owns_path(relative) {
            return;
        }
        self.stats.skip(path, reason, detail, self.verbose);
    }

    fn finish(self: Box<Self>) {
        let me = *self;
        me.collector.push((me.findings, me.stats));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::findings_in_blob;
    use crate::engine::testing::{builtin, cases, said, token};
    use crate::source::stream::{Trickle, for_each_window};
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(cases(4))]

        /// A large file is read in overlapping windows. A token around any window boundary
        /// (where a window's owned bytes end, or where its context ends), read in pieces of
        /// any size, is found exactly once, at the line and column a whole-file scan gives it.
        #[test]
        fn a_token_across_any_window_boundary_is_found_once_at_its_place(
            (token, rule) in token(),
            window in 1usize..3,
            edge in 0usize..3,
            delta in 0usize..80,
            line_width in prop::sample::select(vec![0usize, 61, 4096]),
            multibyte in any::<bool>(),
            read in prop::sample::select(vec![1000usize, 65_536, 1 << 20]),
        ) {
            let (matcher, infos) = builtin();
            let overlap = window_overlap(matcher);
            // The smallest step: the most boundaries for the bytes read.
            let step = overlap;
            let owned_end = window * step;
            let boundary = match edge {
                0 => owned_end,
                1 => owned_end + overlap,
                _ => owned_end - overlap / 2,
            };
            let filler: &[u8] = if multibyte { "é.".as_bytes() } else { b".." };
            let mut data = Vec::with_capacity(4 * step);
            while data.len() < (boundary + 40).saturating_sub(delta + token.len() / 2) {
                data.extend_from_slice(filler);
                if line_width > 0 && data.len() % line_width < filler.len() {
                    data.push(b'\n');
                }
            }
            data.extend_from_slice(b" ");
            data.extend_from_slice(token.as_bytes());
            data.extend_from_slice(b" ");
            while data.len() < 3 * step + overlap / 2 {
                data.extend_from_slice(filler);
            }
            let mut found = Vec::new();
            let mut scratch = Scratch::default();
            let input = Trickle { data: &data, n: read };
            for_each_window(input, step, overlap, |w| {
                found.extend(findings_in_window(matcher, infos, &w, "big", &mut scratch));
            })
            .expect("in-memory reads do not fail");
            let got = said(&found);
            prop_assert_eq!(got.len(), 1, "{:?}", got);
            prop_assert_eq!((got[0].0.as_str(), got[0].1.as_str()), (rule, token.as_str()));
            let whole = findings_in_blob(matcher, infos, &data, "big", &mut scratch);
            prop_assert_eq!(got, said(&whole));
        }
    }
}
