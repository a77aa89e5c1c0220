//! `leakgate scan`: enumerate inputs, match each blob, collect findings, report, and turn the
//! result into an exit code. Later checks (history, env files, bundles) plug in here.

use super::{EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS};
use crate::cli::ScanArgs;
use crate::detect::{RuleInfos, findings_in_blob};
use crate::engine::{Matcher, Scratch};
use crate::finding::{Finding, VcsInfo};
use crate::report::{self, Report};
use crate::settings::ScanSettings;
use crate::source::git;
use crate::source::worktree::{self, Collector, FileItem, SkipReason, Visitor, WalkOptions};
use crate::stats::ScanStats;
use anyhow::Result;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

pub fn run(args: &ScanArgs) -> Result<u8> {
    let started = Instant::now();
    let settings = ScanSettings::from_args(args)?;
    let infos = Arc::new(RuleInfos::new(&settings.matcher));
    let mut findings = Vec::new();
    let mut stats = ScanStats::default();
    // Each source and check adds its findings here; order does not matter (sorted at the end).
    let mut worktree_findings = Vec::new();
    if settings.git.files {
        let (found, worktree_stats) = scan_worktree(&settings, &infos)?;
        worktree_findings = found;
        stats.merge(worktree_stats);
    }
    let git = git::scan_roots(&settings, &infos)?;
    stats.merge(git.stats);
    findings.extend(git::merge_with_worktree(
        &settings,
        worktree_findings,
        git.findings,
    ));
    finish(&settings, &infos, findings, stats, &git.vcs, started)
}

/// Sorts, reports and decides the exit code.
fn finish(
    settings: &ScanSettings,
    infos: &RuleInfos,
    mut findings: Vec<Finding>,
    stats: ScanStats,
    vcs: &[VcsInfo],
    started: Instant,
) -> Result<u8> {
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    if !settings.output.quiet {
        for warning in &stats.warnings {
            report::warn(warning);
        }
        if stats.warnings_dropped > 0 {
            report::warn(&format!(
                "{} more warnings not shown",
                stats.warnings_dropped
            ));
        }
    }
    let rules: Vec<_> = infos.all().cloned().collect();
    let report = Report {
        findings: &findings,
        stats: &stats,
        rules: &rules,
        elapsed: started.elapsed(),
        settings: &settings.output,
        vcs,
    };
    report::write(&report)?;
    Ok(if report.failing() > 0 {
        EXIT_FINDINGS
    } else if !stats.complete() {
        EXIT_ERROR
    } else {
        EXIT_CLEAN
    })
}

/// Walks every root in parallel; each worker thread scans the files it reads.
fn scan_worktree(
    settings: &ScanSettings,
    infos: &Arc<RuleInfos>,
) -> Result<(Vec<Finding>, ScanStats)> {
    let collector: Collector<(Vec<Finding>, ScanStats)> = Collector::default();
    let collector = Arc::new(collector);
    let single_dir_root = settings.roots.len() == 1 && settings.roots[0].is_dir();
    for root in &settings.roots {
        let options = WalkOptions {
            threads: settings.threads,
            max_file_size: settings.max_file_size,
            exclude: settings.config.config.exclude.clone(),
        };
        let display_root = (!single_dir_root).then(|| root.clone());
        worktree::walk(root, &options, || {
            Box::new(ScanVisitor {
                matcher: settings.matcher.clone(),
                infos: infos.clone(),
                scratch: Scratch::default(),
                findings: Vec::new(),
                stats: ScanStats::default(),
                display_root: display_root.clone(),
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
    /// With several roots, paths are shown as walked; with one directory, relative to it.
    display_root: Option<PathBuf>,
    verbose: bool,
    collector: Arc<Collector<(Vec<Finding>, ScanStats)>>,
}

impl ScanVisitor {
    fn shown(&self, path: &Path, relative: &Path) -> String {
        let p = if self.display_root.is_some() || relative.as_os_str().is_empty() {
            path
        } else {
            relative
        };
        p.to_string_lossy().replace('\\', "/")
    }
}

impl Visitor for ScanVisitor {
    fn file(&mut self, item: FileItem<'_>) {
        self.stats.files_scanned += 1;
        self.stats.bytes_scanned += item.data.len() as u64;
        let path = self.shown(item.path, item.relative);
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
        self.stats.skipped.count(reason);
        let shown = path.display();
        match (reason, detail) {
            (SkipReason::Unreadable, detail) => self.stats.warn(format!(
                "{shown}: could not read: {}",
                detail.unwrap_or_else(|| "unknown error".into())
            )),
            (SkipReason::TooLarge, detail) => self.stats.warn(format!(
                "{shown}: skipped, larger than --max-file-size ({})",
                detail.unwrap_or_default()
            )),
            (reason, _) if self.verbose => {
                self.stats.warn(format!("{shown}: skipped ({reason:?})"))
            }
            _ => {}
        }
    }

    fn finish(self: Box<Self>) {
        let me = *self;
        me.collector.push((me.findings, me.stats));
    }
}
