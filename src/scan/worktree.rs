//! The working-tree step: walk every root in parallel and match each file as it is read.

use super::DisplayPaths;
use crate::engine::{Matcher, RuleInfos, Scratch, findings_from_matches, findings_in_blob};
use crate::finding::Finding;
use crate::finding::Location;
use crate::settings::ScanSettings;
use crate::source::index::GitView;
use crate::source::stream::Window;
use crate::source::worktree::{self, Collector, FileItem, SkipReason, Visitor, WalkOptions};
use crate::stats::{ScanStats, Shard};
use crate::text::error_chain;
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
                scratch: Scratch::default(),
                findings: Vec::new(),
                stats: ScanStats::default(),
                root: root.clone(),
                paths: paths.clone(),
                verbose: settings.output.verbose,
                collector: collector.clone(),
                shard: settings.shard,
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

struct ScanVisitor {
    matcher: Arc<Matcher>,
    infos: Arc<RuleInfos>,
    scratch: Scratch,
    findings: Vec<Finding>,
    stats: ScanStats,
    root: PathBuf,
    paths: DisplayPaths,
    verbose: bool,
    collector: Arc<Collector<(Vec<Finding>, ScanStats)>>,
    /// `--shard`: only this shard's files are matched and counted.
    shard: Option<Shard>,
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
        let found = findings_in_blob(
            &self.matcher,
            &self.infos,
            item.data,
            &path,
            &mut self.scratch,
        );
        self.findings.extend(found);
    }

    fn window(&mut self, relative: &Path, window: Window<'_>) {
        if !self.owns_path(relative) {
            return;
        }
        let path = self.paths.shown(&self.root, relative);
        let mut matches = self.matcher.find(window.data, &mut self.scratch);
        // The window that owns a match's first byte reports it: once, however it straddles.
        matches.retain(|m| window.owned.contains(&m.secret.start));
        let mut found =
            findings_from_matches(&self.matcher, &self.infos, window.data, &path, matches);
        for f in &mut found {
            shift(&mut f.location, &window);
        }
        self.findings.extend(found);
    }

    fn done(&mut self, relative: &Path, bytes: u64) {
        if !self.owns_path(relative) {
            return;
        }
        self.stats.files_scanned += 1;
        self.stats.bytes_scanned += bytes;
    }

    fn skipped(&mut self, path: &Path, reason: SkipReason, detail: Option<String>) {
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
