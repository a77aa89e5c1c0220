//! `leakgate scan`: enumerate inputs, match each blob, collect findings, report, and turn the
//! result into an exit code. Later checks (history, env files, bundles) plug in here.

use super::{EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS};
use crate::cli::ScanArgs;
use crate::detect::{RuleInfos, findings_in_blob};
use crate::engine::{Matcher, Scratch};
use crate::finding::{Finding, VcsInfo};
use crate::report::{self, Report};
use crate::settings::{GitScope, ScanSettings};
use crate::source::history::{self, HistoryFinding, HistoryOptions};
use crate::source::worktree::{self, Collector, FileItem, SkipReason, Visitor, WalkOptions};
use crate::source::{BlobId, blob_id, staged};
use crate::stats::ScanStats;
use anyhow::Result;
use std::collections::HashMap;
use std::io::IsTerminal;
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
    let git = scan_git(&settings, &infos)?;
    stats.merge(git.stats);
    findings.extend(merge_worktree_and_history(
        &settings,
        worktree_findings,
        git.findings,
    ));
    finish(&settings, &infos, findings, stats, &git.vcs, started)
}

/// Findings, counters and provenance of every repository scanned.
#[derive(Default)]
struct GitScan {
    findings: Vec<HistoryFinding>,
    stats: ScanStats,
    vcs: Vec<VcsInfo>,
}

/// History (or staged changes) of each root that is a git repository. Without an explicit git
/// flag, a root that is not a repository simply has no history.
fn scan_git(settings: &ScanSettings, infos: &RuleInfos) -> Result<GitScan> {
    let mut out = GitScan::default();
    let Some(scope) = &settings.git.scope else {
        return Ok(out);
    };
    let options = HistoryOptions {
        matcher: &settings.matcher,
        infos,
        threads: settings.threads,
        max_file_size: settings.max_file_size,
        progress: !settings.output.quiet && std::io::stderr().is_terminal(),
    };
    let single_dir_root = settings.roots.len() == 1 && settings.roots[0].is_dir();
    for root in &settings.roots {
        let repo = if settings.git.required {
            Some(history::discover(root)?)
        } else {
            match history::open_at(root) {
                Ok(repo) => repo,
                Err(e) => {
                    // Looks like a repository but cannot be opened: the files are still
                    // scanned, and the scan says its history was not.
                    out.stats.skipped.unreadable += 1;
                    out.stats.warn(format!("{e}; git history not scanned"));
                    None
                }
            }
        };
        let Some(repo) = repo else { continue };
        let outcome = match scope {
            GitScope::History(selection) => history::scan(&repo, selection, &options)?,
            GitScope::Staged => staged::scan(&repo, &options)?,
        };
        for mut found in outcome.findings {
            if !single_dir_root {
                found.finding.location.path = root
                    .join(&found.finding.location.path)
                    .to_string_lossy()
                    .replace('\\', "/");
            }
            out.findings.push(found);
        }
        out.stats.merge(outcome.stats);
        out.vcs.extend(outcome.vcs);
    }
    Ok(out)
}

/// The same secret at the same place in the working tree and in history is reported once: at
/// its working-tree location, with the commit that introduced it. "The same place" is the same
/// path, or a file whose content is one of the blobs history found the secret in (a renamed
/// file).
fn merge_worktree_and_history(
    settings: &ScanSettings,
    mut worktree: Vec<Finding>,
    history: Vec<HistoryFinding>,
) -> Vec<Finding> {
    let mut by_fingerprint: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, h) in history.iter().enumerate() {
        by_fingerprint
            .entry(h.finding.fingerprint.clone())
            .or_default()
            .push(i);
    }
    let single_dir_root = settings.roots.len() == 1 && settings.roots[0].is_dir();
    let mut absorbed = vec![false; history.len()];
    for w in &mut worktree {
        let Some(candidates) = by_fingerprint.get(&w.fingerprint) else {
            continue;
        };
        let on_disk = if single_dir_root {
            settings.roots[0].join(&w.location.path)
        } else {
            PathBuf::from(&w.location.path)
        };
        let mut file_blob = None;
        let same_place = candidates.iter().copied().find(|&i| {
            let h = &history[i];
            h.finding.location.path == w.location.path || {
                let blob =
                    file_blob.get_or_insert_with(|| blob_of_file(&on_disk, settings.max_file_size));
                blob.is_some_and(|b| h.blobs.contains(&b))
            }
        });
        if let Some(i) = same_place {
            w.commit = history[i].finding.commit.clone();
            w.in_head = history[i].finding.in_head;
            if w.message.is_none() {
                w.message = history[i].finding.message.clone();
            }
            for &j in candidates {
                let h = &history[j];
                if h.finding.location.path == history[i].finding.location.path
                    && h.finding.fingerprint == w.fingerprint
                {
                    absorbed[j] = true;
                }
            }
        }
    }
    worktree.extend(
        history
            .into_iter()
            .zip(absorbed)
            .filter(|(_, absorbed)| !absorbed)
            .map(|(h, _)| h.finding),
    );
    worktree
}

fn blob_of_file(path: &Path, max: u64) -> Option<BlobId> {
    let mut buffer = Vec::new();
    worktree::read_regular_file(path, max, &mut buffer).ok()?;
    blob_id(&buffer)
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
