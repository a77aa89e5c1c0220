//! The git step of `leakgate scan`: which scanned roots are repositories, and scanning each
//! one's history, range or staged changes as the settings say, through the one opener in
//! `source::repo`. Paths come back named by [`DisplayPaths`].

use super::{Detector, DisplayPaths};
use crate::engine::RuleInfos;
use crate::inventory::Departure;
use crate::settings::{GitScope, ScanSettings, TreeChecks};
use crate::source::history::Selection;
use crate::source::history::{self, CommittedPath, GitError, HistoryFinding, HistoryOptions};
use crate::source::index::{BaseTree, IndexError, Snapshot};
use crate::source::staged::{Named, StagedPlace, StagedScope};
use crate::source::{repo, staged, worktree};
use crate::stats::ScanStats;
use std::io::IsTerminal;
use std::path::Path;

/// Findings and counters (with provenance in `stats.vcs`) of every repository scanned.
#[derive(Default)]
pub struct GitScan {
    pub findings: Vec<HistoryFinding>,
    pub stats: ScanStats,
    /// Env files that some scanned commit held (see `HistoryOutcome::env_paths`), named as
    /// findings name them.
    pub env_paths: Vec<CommittedPath>,
    /// When each secret history holds and `HEAD` no longer does left it, when asked.
    pub departures: Vec<Departure>,
}

/// What the git step does beyond finding secrets.
#[derive(Default, Clone, Copy)]
pub struct Extras<'a> {
    /// Find when each secret gone from `HEAD` left it (the audit's timeline): a walk of
    /// `HEAD`'s first-parent line after a history scan ([`history::departure`]).
    pub departures: bool,
    /// Draw the history progress bar below the scan's phases.
    pub bars: Option<&'a indicatif::MultiProgress>,
}

/// History (or staged changes) of each root that is a git repository. Without an explicit git
/// flag, a root that is not a repository simply has no history.
pub fn scan_roots(
    settings: &ScanSettings,
    infos: &RuleInfos,
    paths: &DisplayPaths,
    extras: Extras<'_>,
) -> Result<GitScan, GitError> {
    let mut out = GitScan::default();
    let Some(scope) = &settings.git.scope else {
        return Ok(out);
    };
    // `exclude` in the config means the same paths in every commit as in the working tree.
    let exclude = worktree::exclude_set(&settings.config.config.exclude)?;
    // Env files as the configuration names them (`env_files` globs included); none are
    // needed when the env checks are off.
    let is_env_file = |path: &str| {
        settings
            .env
            .as_ref()
            .is_some_and(|env| env.is_real_env_file(Path::new(path)))
    };
    let detector = Detector {
        matcher: &settings.matcher,
        infos,
        archives: &settings.archives,
    };
    for root in &settings.roots {
        let mut within: Option<String> = None;
        let git = if let GitScope::Staged(StagedScope {
            place:
                StagedPlace {
                    git_dir: Some(git_dir),
                    ..
                },
            ..
        }) = scope
        {
            // A hook's `GIT_DIR` names the repository, as it does for git itself.
            Some(repo::open_git_dir(git_dir)?)
        } else if settings.git.required {
            Some(repo::discover(root)?)
        } else {
            match repo::open_at(root) {
                Ok(Some(git)) => Some(git),
                // A folder inside a work tree: the history of that folder.
                Ok(None)
                    if root.is_dir()
                        && matches!(scope, GitScope::History(Selection::All { .. })) =>
                {
                    match repo::find(root)? {
                        Some(git) => match git.folder_within(root) {
                            Some(folder) => {
                                within = Some(folder);
                                Some(git)
                            }
                            None => {
                                out.stats.warn(format!(
                                    "{}: inside a git repository, but where in its work tree \
                                     cannot be told (a symbolic link?); git history not scanned",
                                    root.display()
                                ));
                                None
                            }
                        },
                        None => None,
                    }
                }
                Ok(None) => None,
                // Not a repository of this tree: refused outright, not scanned without history.
                Err(e @ GitError::ForeignGitDir { .. }) => return Err(e),
                Err(e) => {
                    // Looks like a repository but cannot be opened: the files are still
                    // scanned, and the scan says its history was not.
                    out.stats.skipped.unreadable += 1;
                    out.stats.warn(format!(
                        "{}; git history not scanned",
                        crate::text::error_chain(&e)
                    ));
                    None
                }
            }
        };
        let Some(git) = git else { continue };
        let options = HistoryOptions {
            matcher: &detector,
            threads: settings.threads,
            max_file_size: settings.max_file_size,
            progress: !settings.output.quiet && std::io::stderr().is_terminal(),
            bars: extras.bars,
            exclude: &exclude,
            within: within.as_deref(),
            is_env_file: &is_env_file,
            shard: settings.shard,
            deltas: settings.git.deltas,
        };
        // Paths in the repository, named relative to the scanned folder like its files.
        let in_root = |path: &str| -> String {
            let relative = within
                .as_deref()
                .and_then(|w| path.strip_prefix(w))
                .and_then(|rest| rest.strip_prefix('/'))
                .unwrap_or(path);
            paths.shown_text(root, relative)
        };
        let mut outcome = match scope {
            GitScope::History(selection) => history::scan(&git, selection, &options)?,
            GitScope::Staged(place) => staged::scan(&git, place, &options)?,
        };
        if extras.departures && matches!(scope, GitScope::History(_)) {
            out.departures.extend(history::departure::departures(
                &git,
                &outcome.findings,
                history::departure::MAX_COMMITS,
                &mut outcome.stats,
            ));
        }
        for mut found in outcome.findings {
            found.finding.location.path = in_root(&found.finding.location.path);
            if let Some(history) = found
                .finding
                .origin
                .as_mut()
                .and_then(|o| o.history.as_mut())
            {
                history.path = in_root(&history.path);
            }
            out.findings.push(found);
        }
        out.stats.merge(outcome.stats);
        out.stats.vcs.extend(outcome.vcs);
        for mut committed in outcome.env_paths {
            committed.shown = in_root(&committed.path);
            out.env_paths.push(committed);
        }
    }
    Ok(out)
}

/// What the file checks read in a scan without the working tree: one root's repository at the
/// snapshot the settings name (`head`), and the one it is compared with (`base`; `None` when
/// there is none, so everything at `head` counts as new).
pub struct TreeView<'a> {
    pub root: &'a Path,
    pub head: Snapshot,
    pub base: Option<BaseTree>,
    /// How messages name `head`.
    pub what: String,
    /// Files named to check whole (`protect -- FILE...`): reported as if changed.
    pub named: Named,
}

impl TreeView<'_> {
    /// Whether the file at `relative` with blob `id` in `head` differs from `base`'s (or
    /// there is no base).
    pub fn changed(&self, relative: &Path, id: gix::ObjectId) -> bool {
        self.base
            .as_ref()
            .is_none_or(|base| base.id_at(relative) != Some(id))
            || gix::path::into_bstr(relative).is_ok_and(|path| {
                self.named
                    .covers(gix::path::to_unix_separators_on_windows(path).as_ref())
            })
    }
}

/// Reads the snapshots `which` names, for every root (each in a repository: the git step
/// already required it).
pub fn tree_views<'a>(
    settings: &'a ScanSettings,
    which: &TreeChecks,
) -> anyhow::Result<Vec<TreeView<'a>>> {
    use anyhow::Context;
    let mut views = Vec::new();
    for root in &settings.roots {
        let git = match which {
            // A hook's `GIT_DIR` names the repository, as it does for the staged scan.
            TreeChecks::Index(StagedScope {
                place:
                    StagedPlace {
                        git_dir: Some(git_dir),
                        ..
                    },
                ..
            }) => repo::open_git_dir(git_dir)?,
            _ => repo::discover(root)?,
        };
        if let TreeChecks::Push { ranges } = which {
            for (from, to) in ranges {
                let range = TreeChecks::Range {
                    from: from.clone(),
                    to: to.clone(),
                };
                let view = snapshots(&git, root, &range)
                    .with_context(|| format!("{}: files cannot be read from git", git.shown))?;
                views.push(view);
            }
            continue;
        }
        let view = snapshots(&git, root, which)
            .with_context(|| format!("{}: files cannot be read from git", git.shown))?;
        views.push(view);
    }
    Ok(views)
}

fn snapshots<'a>(
    git: &repo::GitRepo,
    root: &'a Path,
    which: &TreeChecks,
) -> Result<TreeView<'a>, IndexError> {
    let mut named = Named::default();
    let (head, base, what) = match which {
        TreeChecks::Range { from, to } => (
            Snapshot::of_commit(git, to)?,
            Some(BaseTree::range_base(git, from, to)?),
            to.clone(),
        ),
        TreeChecks::Commit { rev } => (Snapshot::of_commit(git, rev)?, None, rev.clone()),
        TreeChecks::Push { .. } => unreachable!("a push is read as one range per updated ref"),
        TreeChecks::Index(scope) => {
            named = scope.named(git)?;
            (
                Snapshot::of_index(git, &scope.place)?,
                Some(BaseTree::of_head(git)?),
                "the index".to_string(),
            )
        }
    };
    Ok(TreeView {
        root,
        head,
        base,
        what,
        named,
    })
}
