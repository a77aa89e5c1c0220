//! The working-tree step: walk every root in parallel and match each file as it is read.

use super::DisplayPaths;
use crate::engine::{Matcher, RuleInfos, Scratch, findings_in_blob};
use crate::finding::Finding;
use crate::settings::ScanSettings;
use crate::source::worktree::{self, Collector, FileItem, SkipReason, Visitor, WalkOptions};
use crate::stats::ScanStats;
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
    for root in &settings.roots {
        let options = WalkOptions {
            threads: settings.threads,
            max_file_size: settings.max_file_size,
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
            })
        })?;
    }
    let parts = Arc::try_unwrap(collector)
        .map_err(|_| anyhow::anyhow!("internal error: a scan worker outlived the walk"))?
        .into_parts();
    let mut findings = Vec::new();
    let mut stats = ScanStats::default();
    for (f, s) in parts {
        findings.extend(f);
        stats.merge(s);
    }
    Ok((findings, stats))
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
}

impl Visitor for ScanVisitor {
    fn file(&mut self, item: FileItem<'_>) {
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

    fn skipped(&mut self, path: &Path, reason: SkipReason, detail: Option<String>) {
        self.stats.skip(path, reason, detail, self.verbose);
    }

    fn finish(self: Box<Self>) {
        let me = *self;
        me.collector.push((me.findings, me.stats));
    }
}
