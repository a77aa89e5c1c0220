//! The env step: the env-file checks over every directory root (also the whole of
//! `leakgate env`), and `env-committed-real-file` for env files that only git history holds.
//!
//! Scans that do not read the working tree (`--range`, `--since`, `--ci`, `--staged`) run the
//! same checks over a git snapshot instead ([`check_tree`]): the env files as the head of the
//! range or the index has them, read from git (a CI checkout may hold something else), with
//! only the findings that involve a file the range or the commit changes reported.

use super::DisplayPaths;
use super::git::TreeView;
use crate::checks::env_files::{self, EnvRule, EnvScan, EnvSettings, GivenFile, SecretScope};
use crate::engine::RuleInfos;
use crate::finding::Finding;
use crate::settings::{GitScope, ScanSettings, TreeChecks};
use crate::source::history::{CommittedPath, Selection};
use crate::source::index::{IndexError, Tracking};
use crate::source::worktree;
use crate::stats::ScanStats;
use crate::text::error_chain;
use anyhow::Result;
use std::collections::HashSet;
use std::path::Path;

/// Runs the env checks over every directory root (single-file roots have no project around
/// them to compare), finding the env files with a walk of their own (`leakgate env`). Nothing
/// when env checks are off. `ignored_untracked` lists only the files of roots whose whole
/// history the git step scans (see [`mark_local_only`]); `matrix` (the audit's) lays out every
/// root's env files too.
pub fn check_roots(
    settings: &ScanSettings,
    infos: &RuleInfos,
    paths: &DisplayPaths,
    secrets: SecretScope,
    matrix: bool,
) -> Result<env_files::Checked> {
    check_each(settings, paths, secrets, matrix, |scan| {
        env_files::run(scan, &settings.matcher, infos)
    })
}

/// [`check_roots`] under `scan`, over the env files its walk listed (`listed`, per root).
pub fn check_walked(
    settings: &ScanSettings,
    infos: &RuleInfos,
    paths: &DisplayPaths,
    listed: Vec<(std::path::PathBuf, env_files::Listed)>,
    matrix: bool,
) -> Result<env_files::Checked> {
    let mut listed: std::collections::HashMap<_, _> = listed.into_iter().collect();
    let secrets = SecretScope::SkippedByWorktreeScan;
    check_each(settings, paths, secrets, matrix, |scan| {
        let root_listed = listed.remove(scan.root).unwrap_or_default();
        env_files::run_listed(scan, root_listed, &settings.matcher, infos)
    })
}

fn check_each(
    settings: &ScanSettings,
    paths: &DisplayPaths,
    secrets: SecretScope,
    matrix: bool,
    mut run: impl FnMut(&EnvScan<'_>) -> Result<env_files::Checked, env_files::EnvError>,
) -> Result<env_files::Checked> {
    let mut out = env_files::Checked {
        findings: Vec::new(),
        stats: ScanStats::default(),
        ignored_untracked: Vec::new(),
        matrix: Vec::new(),
    };
    let Some(env) = &settings.env else {
        return Ok(out);
    };
    for root in settings.roots.iter().filter(|r| r.is_dir()) {
        let scan = EnvScan {
            matrix,
            ..env_scan(settings, env, paths, root, secrets)
        };
        let checked = run(&scan)?;
        out.findings.extend(checked.findings);
        out.stats.merge(checked.stats);
        out.matrix.extend(checked.matrix);
        if whole_history_scanned(settings, root) {
            out.ignored_untracked.extend(checked.ignored_untracked);
        }
    }
    // Several roots: their folders in path order, as one root's are.
    out.matrix.sort_by(|a, b| a.dir.cmp(&b.dir));
    Ok(out)
}

/// Whether the git step reads every commit of every ref of the repository whose top is `root`
/// (the default `scan`): only then does "history never held this path" mean never committed.
fn whole_history_scanned(settings: &ScanSettings, root: &Path) -> bool {
    matches!(
        &settings.git.scope,
        Some(GitScope::History(Selection::All { refs })) if refs.is_empty()
    ) && root.join(".git").exists()
}

/// Marks the findings in env files that git ignores and that were never committed (not in
/// the index, not in `HEAD`, not in any commit of the history scanned) as local-only: they
/// are reported but do not fail the gate, because a git-ignored `.env.local` is where a
/// developer's own secrets belong. A tracked file, one committed once and removed since, a
/// truncated (shallow) history, or `fail_on_ignored_env_files: true` in the configuration
/// keep them failing. Findings with a commit (history's own) are never marked.
pub fn mark_local_only(
    settings: &ScanSettings,
    stats: &ScanStats,
    findings: &mut [Finding],
    ignored_untracked: &[env_files::LocalFile],
    committed: &[CommittedPath],
) {
    let shallow = stats.history.as_ref().is_none_or(|h| h.truncated);
    if settings.config.config.fail_on_ignored_env_files || shallow {
        return;
    }
    let committed: HashSet<&str> = committed.iter().map(|c| c.shown.as_str()).collect();
    let local: HashSet<&str> = ignored_untracked
        .iter()
        .map(|f| f.shown.as_str())
        .filter(|shown| !committed.contains(shown))
        .collect();
    for f in findings
        .iter_mut()
        .filter(|f| f.commit.is_none() && local.contains(f.location.path.as_str()))
    {
        f.local_only = true;
        let note = format!(
            "Does not fail the gate: {} is ignored by git and was never committed \
             (set fail_on_ignored_env_files: true in .leakgate.yml to count it).",
            f.location.path
        );
        f.message = Some(match f.message.take() {
            Some(own) => format!("{} {note}", own.trim_end()),
            None => note,
        });
    }
}

/// What the env check needs to know about one root, the same for a folder and a snapshot.
fn env_scan<'a>(
    settings: &'a ScanSettings,
    env: &'a EnvSettings,
    paths: &DisplayPaths,
    root: &'a Path,
    secrets: SecretScope,
) -> EnvScan<'a> {
    EnvScan {
        root,
        display_root: paths.prefix(root),
        settings: env,
        exclude: &settings.config.config.exclude,
        threads: settings.threads,
        max_file_size: settings.max_file_size,
        secrets,
        verbose: settings.output.verbose,
        matrix: false,
    }
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

/// The env checks over a git snapshot of each root's repository: the files at its head, with
/// the findings that involve a file changed since its base (all of them when there is no
/// base). Env files that cannot be read are counted (the scan is then incomplete).
pub fn check_tree(
    settings: &ScanSettings,
    infos: &RuleInfos,
    paths: &DisplayPaths,
    which: &TreeChecks,
    views: &[TreeView<'_>],
) -> Result<(Vec<Finding>, ScanStats)> {
    let mut findings = Vec::new();
    let mut stats = ScanStats::default();
    let Some(env) = &settings.env else {
        return Ok((findings, stats));
    };
    let exclude = worktree::exclude_set(&settings.config.config.exclude)?;
    for view in views {
        let root = view.root;
        let what = &view.what;
        if view.base.is_none() {
            stats.warn(format!(
                "env files: no base commit to compare {what} with, so every env-file problem \
                 at HEAD is reported, not only what the new commits changed"
            ));
        }
        let listed = view
            .head
            .files(|p| env.is_checked_path(p) && !exclude.is_match(p));
        let mut given = Vec::new();
        for file in listed {
            let shown = || paths.shown_text(root, &crate::text::slash_path(&file.relative));
            let data = match view.head.blob(file.id, settings.max_file_size) {
                Ok(data) => data,
                Err(IndexError::TooLarge { size }) => {
                    stats.skipped.too_large += 1;
                    stats.warn(format!(
                        "{}: env file in {what} is larger than --max-file-size ({size} bytes); \
                         not checked",
                        shown()
                    ));
                    continue;
                }
                Err(e) => {
                    stats.skipped.unreadable += 1;
                    stats.warn(format!(
                        "{}: env file in {what}: {}",
                        shown(),
                        error_chain(&e)
                    ));
                    continue;
                }
            };
            let tracking = match which {
                TreeChecks::Index(_) => Tracking {
                    in_index: true,
                    in_head: view
                        .base
                        .as_ref()
                        .is_some_and(|b| b.id_at(&file.relative).is_some()),
                },
                TreeChecks::Range { .. } | TreeChecks::Commit { .. } | TreeChecks::Push { .. } => {
                    Tracking {
                        in_index: false,
                        in_head: true,
                    }
                }
            };
            given.push(GivenFile {
                report: view.changed(&file.relative, file.id),
                relative: file.relative,
                data,
                tracking,
            });
        }
        let scan = env_scan(
            settings,
            env,
            paths,
            root,
            SecretScope::SkippedByWorktreeScan,
        );
        let (f, s) = env_files::run_given(&scan, &given, &settings.matcher, infos);
        findings.extend(f);
        stats.merge(s);
    }
    Ok((findings, stats))
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
