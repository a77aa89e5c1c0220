//! The git step of `leakgate scan`: which scanned roots are repositories, and scanning each
//! one's history, range or staged changes as the settings say. Kept out of `cmd/scan.rs` so the
//! command stays a short list of steps.

use crate::detect::RuleInfos;
use crate::finding::Finding;
use crate::settings::{GitScope, ScanSettings};
use crate::source::history::{self, HistoryError, HistoryFinding, HistoryOptions};
use crate::source::{BlobId, blob_id, staged, worktree};
use crate::stats::ScanStats;
use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// Findings and counters (with provenance in `stats.vcs`) of every repository scanned.
#[derive(Default)]
pub struct GitScan {
    pub findings: Vec<HistoryFinding>,
    pub stats: ScanStats,
    /// Env files that some scanned commit held (see `HistoryOutcome::env_paths`).
    pub env_paths: Vec<history::CommittedPath>,
}

/// History (or staged changes) of each root that is a git repository. Without an explicit git
/// flag, a root that is not a repository simply has no history.
pub fn scan_roots(settings: &ScanSettings, infos: &RuleInfos) -> Result<GitScan, HistoryError> {
    let mut out = GitScan::default();
    let Some(scope) = &settings.git.scope else {
        return Ok(out);
    };
    // `exclude` in the config means the same paths in every commit as in the working tree.
    let exclude = worktree::exclude_set(&settings.config.config.exclude)
        .map_err(|e| HistoryError::Exclude(e.to_string()))?;
    let options = HistoryOptions {
        matcher: &settings.matcher,
        infos,
        threads: settings.threads,
        max_file_size: settings.max_file_size,
        progress: !settings.output.quiet && std::io::stderr().is_terminal(),
        exclude: &exclude,
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
        out.stats.vcs.extend(outcome.vcs);
        for mut committed in outcome.env_paths {
            if !single_dir_root {
                committed.path = root
                    .join(&committed.path)
                    .to_string_lossy()
                    .replace('\\', "/");
            }
            out.env_paths.push(committed);
        }
    }
    Ok(out)
}

/// The same secret at the same place in the working tree and in history is reported once: at
/// its working-tree location, with the commit that introduced it. "The same place" is the same
/// path, or a file whose content is one of the blobs history found the secret in (a renamed
/// file).
pub fn merge_with_worktree(
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
