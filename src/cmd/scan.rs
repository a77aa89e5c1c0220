//! `leakgate scan`: enumerate inputs, match each blob, collect findings, report, and turn the
//! result into an exit code. Later checks (history, env files, bundles) plug in here.

use crate::checks::env_files::{self, EnvRule, SecretScope};
use crate::cli::ScanArgs;
use crate::detect::{RuleInfos, STDIN_PATH, findings_in_blob, findings_in_block};
use crate::engine::{Matcher, Scratch};
use crate::finding::Finding;
use crate::settings::ScanSettings;
use crate::source::git;
use crate::source::history::CommittedPath;
use crate::source::stream::{self, safe_cut};
use crate::source::worktree::{self, Collector, FileItem, SkipReason, Visitor, WalkOptions};
use crate::stats::ScanStats;
use anyhow::Result;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

pub fn run(args: &ScanArgs) -> Result<u8> {
    let started = Instant::now();
    let settings = ScanSettings::from_args(args)?;
    let infos = Arc::new(RuleInfos::new(&settings.matcher));
    let (findings, stats) = collect(&settings, &infos)?;
    finish(&settings, &infos, findings, stats, started)
}

/// Runs every source and check the settings ask for and gathers their findings, with accepted
/// ones marked as suppressed. Order does not matter: findings are sorted when reported.
pub fn collect(
    settings: &ScanSettings,
    infos: &Arc<RuleInfos>,
) -> Result<(Vec<Finding>, ScanStats)> {
    let mut findings = Vec::new();
    let mut stats = ScanStats::default();
    // `--git-only`, `--range`, `--since` and `--staged` look at git alone.
    let files = settings.git.files;
    let (mut worktree_findings, worktree_stats) = if files {
        scan_worktree(settings, infos)?
    } else {
        Default::default()
    };
    let bundle = files
        .then(|| super::bundle::scan_step(settings, infos))
        .flatten();
    if let Some(bundle) = bundle {
        // Build output is reported once, by the bundle check.
        worktree_findings.retain(|f| !bundle.covered.contains(&f.location.path));
        findings.extend(bundle.findings);
        stats.merge(bundle.stats);
    }
    let git = git::scan_roots(settings, infos)?;
    stats.merge(git.stats);
    let committed_env_paths = git.env_paths;
    findings.extend(git::merge_with_worktree(
        settings,
        worktree_findings,
        git.findings,
    ));
    stats.merge(worktree_stats);
    if settings.stdin {
        let (stdin_findings, stdin_stats) = scan_stdin(settings, infos)?;
        findings.extend(stdin_findings);
        stats.merge(stdin_stats);
    }
    if files {
        let (env_findings, env_stats) =
            super::env::check_roots(settings, infos, SecretScope::SkippedByWorktreeScan)?;
        findings.extend(env_findings);
        stats.merge(env_stats);
    }
    let from_history = env_files_only_history_holds(settings, &findings, &committed_env_paths);
    findings.extend(from_history);
    settings.suppressions.apply(&mut findings);
    Ok((findings, stats))
}

/// `env-committed-real-file` for env files that history holds but the working-tree env check
/// did not report: committed once and deleted since, or added by the commits of a range.
fn env_files_only_history_holds(
    settings: &ScanSettings,
    findings: &[Finding],
    committed: &[CommittedPath],
) -> Vec<Finding> {
    let Some(env) = &settings.env else {
        return Vec::new();
    };
    let reported: HashSet<String> = findings
        .iter()
        .filter(|f| f.rule.id == EnvRule::CommittedRealFile.id())
        .map(|f| f.location.path.clone())
        .collect();
    env_files::committed_in_history(env, committed, &reported)
}

/// Standard input, scanned as a stream in bounded memory.
fn scan_stdin(settings: &ScanSettings, infos: &RuleInfos) -> Result<(Vec<Finding>, ScanStats)> {
    let mut findings = Vec::new();
    let mut stats = ScanStats::default();
    let mut scratch = Scratch::default();
    let stdin = std::io::stdin();
    let result = stream::for_each_block(stdin.lock(), |block| {
        let found = findings_in_block(&settings.matcher, infos, &block, STDIN_PATH, &mut scratch);
        let done = if block.whole {
            block.data.len()
        } else {
            safe_cut(
                block.data.len(),
                found.iter().map(|(_, range)| range.clone()),
            )
        };
        stats.bytes_scanned += done as u64;
        findings.extend(
            found
                .into_iter()
                .filter(|(_, range)| block.whole || range.end <= done)
                .map(|(f, _)| f),
        );
        Ok(done)
    });
    if let Err(e) = result {
        stats.skipped.count(SkipReason::Unreadable);
        stats.warn(format!("{STDIN_PATH}: could not read: {e}"));
    }
    stats.files_scanned += 1;
    Ok((findings, stats))
}

/// Sorts, reports and decides the exit code.
pub(super) fn finish(
    settings: &ScanSettings,
    infos: &RuleInfos,
    findings: Vec<Finding>,
    stats: ScanStats,
    started: Instant,
) -> Result<u8> {
    let rules: Vec<_> = infos.all().cloned().collect();
    super::finish(&settings.output, &rules, findings, stats, started)
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
