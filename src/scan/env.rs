//! The env step: the env-file checks over every directory root (also the whole of
//! `leakgate env`), and `env-committed-real-file` for env files that only git history holds.
//!
//! Scans that do not read the working tree (`--range`, `--since`, `--ci`, `--staged`) run the
//! same checks over a git snapshot instead ([`check_tree`]): the env files as the head of the
//! range or the index has them, read from git (a CI checkout may hold something else), with
//! only the findings that involve a file the range or the commit changes reported.

use super::DisplayPaths;
use crate::checks::env_files::{self, EnvRule, EnvScan, GivenFile, SecretScope};
use crate::engine::RuleInfos;
use crate::finding::Finding;
use crate::settings::{ScanSettings, TreeChecks};
use crate::source::history::CommittedPath;
use crate::source::index::{IndexError, Snapshot, Tracking};
use crate::source::{repo, worktree};
use crate::stats::ScanStats;
use crate::text::error_chain;
use anyhow::{Context, Result};
use std::collections::HashSet;

/// Runs the env checks over every directory root (single-file roots have no project around
/// them to compare). Nothing when env checks are off.
pub fn check_roots(
    settings: &ScanSettings,
    infos: &RuleInfos,
    paths: &DisplayPaths,
    secrets: SecretScope,
) -> Result<(Vec<Finding>, ScanStats)> {
    let mut findings = Vec::new();
    let mut stats = ScanStats::default();
    let Some(env) = &settings.env else {
        return Ok((findings, stats));
    };
    for root in settings.roots.iter().filter(|r| r.is_dir()) {
        let scan = EnvScan {
            root,
            display_root: paths.prefix(root),
            settings: env,
            exclude: &settings.config.config.exclude,
            threads: settings.threads,
            max_file_size: settings.max_file_size,
            secrets,
            verbose: settings.output.verbose,
        };
        let (f, s) = env_files::run(&scan, &settings.matcher, infos)?;
        findings.extend(f);
        stats.merge(s);
    }
    Ok((findings, stats))
}

/// `env-committed-real-file` for env files that history holds but the working-tree env check
/// did not report: committed once and deleted since, or added by the commits of a range.
pub fn committed_only_in_history(
    settings: &ScanSettings,
    findings: &[Finding],
    committed: &[CommittedPath],
) -> Vec<Finding> {
    let Some(env) = &settings.env else {
        return Vec::new();
    };
    let reported: HashSet<&str> = findings
        .iter()
        .filter(|f| f.rule.id == EnvRule::CommittedRealFile.id())
        .map(|f| f.location.path.as_str())
        .collect();
    env_files::committed_in_history(env, committed, &reported)
}

/// The env checks over a git snapshot of each root's repository, as `which` says: the files
/// at its head, with the findings that involve a file changed since its base (all of them when
/// there is no base). Env files that cannot be read are counted (the scan is then incomplete).
pub fn check_tree(
    settings: &ScanSettings,
    infos: &RuleInfos,
    paths: &DisplayPaths,
    which: &TreeChecks,
) -> Result<(Vec<Finding>, ScanStats)> {
    let mut findings = Vec::new();
    let mut stats = ScanStats::default();
    let Some(env) = &settings.env else {
        return Ok((findings, stats));
    };
    let exclude = worktree::exclude_set(&settings.config.config.exclude)?;
    for root in &settings.roots {
        let git = repo::discover(root)?;
        let (head, base, what) = snapshots(&git, which)
            .with_context(|| format!("{}: env files cannot be read from git", git.shown))?;
        if base.is_none() {
            stats.warn(format!(
                "env files: no base commit to compare {what} with, so every env-file problem \
                 at HEAD is reported, not only what the new commits changed"
            ));
        }
        let listed = head.files(|p| env.is_checked_path(p) && !exclude.is_match(p));
        let mut given = Vec::new();
        for file in listed {
            let data = match head.blob(file.id, settings.max_file_size) {
                Ok(data) => data,
                Err(IndexError::TooLarge { size }) => {
                    stats.skipped.too_large += 1;
                    stats.warn(format!(
                        "{}: env file in {what} is larger than --max-file-size ({size} bytes); \
                         not checked",
                        paths.shown_text(root, &crate::text::slash_path(&file.relative))
                    ));
                    continue;
                }
                Err(e) => {
                    stats.skipped.unreadable += 1;
                    stats.warn(format!(
                        "{}: env file in {what}: {}",
                        paths.shown_text(root, &crate::text::slash_path(&file.relative)),
                        error_chain(&e)
                    ));
                    continue;
                }
            };
            let before = base.as_ref().map(|b| b.id_at(&file.relative));
            let tracking = match which {
                TreeChecks::Index => Tracking {
                    in_index: true,
                    in_head: before.flatten().is_some(),
                },
                TreeChecks::Range { .. } | TreeChecks::Commit { .. } => Tracking {
                    in_index: false,
                    in_head: true,
                },
            };
            given.push(GivenFile {
                report: before.is_none_or(|id| id != Some(file.id)),
                relative: file.relative,
                data,
                tracking,
            });
        }
        let scan = EnvScan {
            root,
            display_root: paths.prefix(root),
            settings: env,
            exclude: &settings.config.config.exclude,
            threads: settings.threads,
            max_file_size: settings.max_file_size,
            secrets: SecretScope::SkippedByWorktreeScan,
            verbose: settings.output.verbose,
        };
        let (f, s) = env_files::run_given(&scan, &given, &settings.matcher, infos);
        findings.extend(f);
        stats.merge(s);
    }
    Ok((findings, stats))
}

/// The snapshot to check, the one it is compared with (`None`: nothing to compare with, all
/// is reported), and how messages name the first.
fn snapshots(
    git: &repo::GitRepo,
    which: &TreeChecks,
) -> Result<(Snapshot, Option<Snapshot>, String), IndexError> {
    Ok(match which {
        TreeChecks::Range { from, to } => (
            Snapshot::of_commit(git, to)?,
            Some(Snapshot::range_base(git, from, to)?),
            to.clone(),
        ),
        TreeChecks::Commit { rev } => (Snapshot::of_commit(git, rev)?, None, rev.clone()),
        TreeChecks::Index => (
            Snapshot::of_index(git)?,
            Some(Snapshot::of_head(git)?),
            "the index".to_string(),
        ),
    })
}

/// Tree-check findings without the `env-committed-real-file` ones history already reported
/// for the same file (history's carry the commit that added it).
pub fn without_history_duplicates(tree: Vec<Finding>, from_history: &[Finding]) -> Vec<Finding> {
    let committed = EnvRule::CommittedRealFile.id();
    let reported: HashSet<&str> = from_history
        .iter()
        .filter(|f| f.rule.id == committed)
        .map(|f| f.location.path.as_str())
        .collect();
    tree.into_iter()
        .filter(|f| f.rule.id != committed || !reported.contains(f.location.path.as_str()))
        .collect()
}
