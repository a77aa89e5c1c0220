//! The git step of `leakgate scan`: which scanned roots are repositories, and scanning each
//! one's history, range or staged changes as the settings say, through the one opener in
//! `source::repo`. Paths come back named by [`DisplayPaths`].

use super::known::{KnownFindings, Recorder};
use super::{Detector, DisplayPaths};
use crate::engine::RuleInfos;
use crate::inventory::Departure;
use crate::settings::{GitScope, ScanSettings, TreeChecks};
use crate::source::history::Selection;
use crate::source::history::{self, CommittedPath, GitError, HistoryFinding, HistoryOptions};
use crate::source::index::{BaseTree, IndexError, IndexedFile, Snapshot};
use crate::source::staged::{Named, StagedPlace, StagedScope};
use crate::source::{BlobId, BlobMatcher, repo, staged, worktree};
use crate::stats::ScanStats;
use gix::bstr::{BString, ByteSlice};
use std::collections::HashSet;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

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
    /// The index each root's staged scan read (`--staged`), for the file checks to judge the
    /// same one ([`tree_views`]).
    pub indexes: Vec<(PathBuf, Arc<gix::index::File>)>,
    /// The findings of the blobs asked for, for the walk (see [`scan_roots`]).
    pub known: KnownFindings,
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
/// flag, a root that is not a repository simply has no history. With `wanted` (the blob ids
/// the index tracks, when the walk comes after), the findings of those blobs are kept in
/// [`GitScan::known`] for the walk (see [`super::known`]).
pub fn scan_roots(
    settings: &ScanSettings,
    infos: &RuleInfos,
    paths: &DisplayPaths,
    extras: Extras<'_>,
    wanted: Option<&HashSet<BlobId>>,
) -> Result<GitScan, GitError> {
    let detector = Detector {
        matcher: &settings.matcher,
        infos,
        archives: &settings.archives,
    };
    match wanted {
        Some(wanted) => {
            let recorder = Recorder::new(detector, wanted);
            let mut out = scan_roots_with(settings, paths, extras, &recorder)?;
            out.known = recorder.into_known();
            Ok(out)
        }
        None => scan_roots_with(settings, paths, extras, &detector),
    }
}

fn scan_roots_with<M: BlobMatcher>(
    settings: &ScanSettings,
    paths: &DisplayPaths,
    extras: Extras<'_>,
    matcher: &M,
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
            matcher,
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
            GitScope::Staged(place) => {
                let (outcome, index) = staged::scan(&git, place, &options)?;
                out.indexes.push((root.clone(), Arc::new(index)));
                outcome
            }
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
    /// For the index: its files whose blob differs from `base`'s, found through the index's
    /// cache tree (see [`staged::differing`]) instead of looking every file up in `base`.
    differing: Option<Differing>,
}

/// The files of an index that differ from `HEAD`, in the index's order, and as a set.
struct Differing {
    files: Vec<(BString, gix::ObjectId)>,
    set: HashSet<(BString, gix::ObjectId)>,
}

impl TreeView<'_> {
    /// Whether the file at `relative` with blob `id` in `head` differs from `base`'s (or
    /// there is no base).
    pub fn changed(&self, relative: &Path, id: gix::ObjectId) -> bool {
        let path = gix::path::into_bstr(relative)
            .ok()
            .map(|path| gix::path::to_unix_separators_on_windows(path).into_owned());
        let differs = match (&self.differing, &path) {
            (Some(differing), Some(path)) => differing.set.contains(&(path.clone(), id)),
            _ => self
                .base
                .as_ref()
                .is_none_or(|base| base.id_at(relative) != Some(id)),
        };
        differs || path.is_some_and(|path| self.named.covers(path.as_ref()))
    }

    /// The files of `head` that `keep` (given the path from the repository's top) keeps and
    /// [`TreeView::changed`] calls changed. For the index, only the files that differ from
    /// `HEAD` are looked at, not every file it holds: the pre-commit hook of a large
    /// repository stays fast.
    pub fn changed_files(&self, keep: impl Fn(&Path) -> bool) -> Vec<IndexedFile> {
        if let Some(differing) = &self.differing
            && self.named.is_empty()
        {
            return differing
                .files
                .iter()
                .filter_map(|(path, id)| {
                    let relative = gix::path::from_bstr(path.as_bstr()).ok()?;
                    keep(&relative).then(|| IndexedFile {
                        relative: relative.into_owned(),
                        id: *id,
                    })
                })
                .collect();
        }
        let mut files = self.head.files(keep);
        files.retain(|file| self.changed(&file.relative, file.id));
        files
    }
}

/// The files of the index `head` holds that differ from `base` (see [`TreeView::differing`]).
/// `None` where the shortcut cannot be sure, and every file is then compared one by one: an
/// index that is not in git's order, or one with intent-to-add entries (`git add -N`), which
/// are in no tree, so a cached tree can equal `HEAD`'s while one of its files is new.
fn differing(git: &repo::GitRepo, head: &Snapshot, base: &BaseTree) -> Option<Differing> {
    let index = head.index()?;
    if index.entries().iter().any(|entry| {
        entry
            .flags
            .contains(gix::index::entry::Flags::INTENT_TO_ADD)
    }) {
        return None;
    }
    let repo = git.repo.to_thread_local();
    // A base tree that cannot be read counts its files as changed; the scan's own reading of
    // the index counts that failure, this one is not said twice.
    let mut unsaid = crate::stats::ScanStats::default();
    let bases: Vec<gix::ObjectId> = base.tree_id().into_iter().collect();
    let (_, positions) = staged::differing(&repo, index, &bases, &mut unsaid);
    let files: Vec<(BString, gix::ObjectId)> = positions
        .into_iter()
        .map(|at| {
            let entry = &index.entries()[at];
            (entry.path(index).to_owned(), entry.id)
        })
        .collect();
    let set = files.iter().cloned().collect();
    Some(Differing { files, set })
}

/// Reads the snapshots `which` names, for every root (each in a repository: the git step
/// already required it). `indexes`: those the staged scan read, by root (not read again).
pub fn tree_views<'a>(
    settings: &'a ScanSettings,
    which: &TreeChecks,
    indexes: &[(PathBuf, Arc<gix::index::File>)],
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
                let view = snapshots(&git, root, &range, None)
                    .with_context(|| format!("{}: files cannot be read from git", git.shown))?;
                views.push(view);
            }
            continue;
        }
        let read = indexes
            .iter()
            .find(|(indexed, _)| indexed == root)
            .map(|(_, index)| index.clone());
        let view = snapshots(&git, root, which, read)
            .with_context(|| format!("{}: files cannot be read from git", git.shown))?;
        views.push(view);
    }
    Ok(views)
}

fn snapshots<'a>(
    git: &repo::GitRepo,
    root: &'a Path,
    which: &TreeChecks,
    read: Option<Arc<gix::index::File>>,
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
            let head = match read {
                Some(index) => Snapshot::of_read_index(git.repo.to_thread_local(), index),
                None => Snapshot::of_index(git, &scope.place)?,
            };
            (head, Some(BaseTree::of_head(git)?), "the index".to_string())
        }
    };
    let differing = match (which, &base) {
        (TreeChecks::Index(_), Some(base)) => differing(git, &head, base),
        _ => None,
    };
    Ok(TreeView {
        root,
        head,
        base,
        what,
        named,
        differing,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::fixture::{git, write};
    use proptest::prelude::*;

    /// What a change does to one file of the committed project before the hook runs.
    #[derive(Debug, Clone, Copy)]
    enum Change {
        Keep,
        Edit,
        /// Edited on disk only: the index still holds the committed blob.
        EditUnstaged,
        Delete,
        Rename,
        Executable,
        /// `git add -N`: an empty intent-to-add entry beside the file.
        IntentToAdd,
        /// Replaced by a symbolic link with the same text.
        Link,
        /// A submodule entry (a gitlink) staged beside the file.
        Submodule,
        /// The same bytes staged again (nothing changes).
        Touch,
    }

    fn change() -> impl Strategy<Value = Change> {
        prop::sample::select(vec![
            Change::Keep,
            Change::Edit,
            Change::EditUnstaged,
            Change::Delete,
            Change::Rename,
            Change::Executable,
            Change::IntentToAdd,
            Change::Link,
            Change::Submodule,
            Change::Touch,
        ])
    }

    /// A committed project (unless `unborn`) with files at several depths, then `changes`
    /// staged; returns the index view as the file checks read it.
    fn staged_project(root: &Path, changes: &[Change], unborn: bool) {
        git(root, &["init", "-q"]);
        let path = |i: usize| match i % 4 {
            0 => format!("f{i}.js"),
            1 => format!("src/a/f{i}.py"),
            2 => format!("src/b/c/f{i}.ts"),
            _ => format!("docs/f{i}.md"),
        };
        for i in 0..changes.len() + 3 {
            write(root, &path(i), format!("file {i}\n"));
        }
        git(root, &["add", "-A"]);
        if !unborn {
            git(root, &["commit", "-q", "-m", "base"]);
        }
        for (i, change) in changes.iter().enumerate() {
            let p = path(i);
            match change {
                Change::Keep => {}
                Change::Edit => {
                    write(root, &p, format!("file {i} edited\n"));
                    git(root, &["add", &p]);
                }
                Change::EditUnstaged => write(root, &p, "not staged\n"),
                Change::Delete => {
                    git(root, &["rm", "-q", "--cached", &p]);
                }
                Change::Rename => {
                    git(root, &["mv", &p, &format!("{p}.moved")]);
                }
                Change::Executable => {
                    git(root, &["update-index", "--chmod=+x", &p]);
                }
                Change::IntentToAdd => {
                    write(root, &format!("{p}.new"), "new\n");
                    git(root, &["add", "-N", &format!("{p}.new")]);
                }
                Change::Link => {
                    std::fs::remove_file(root.join(&p)).unwrap();
                    std::os::unix::fs::symlink(format!("file {i}"), root.join(&p)).unwrap();
                    git(root, &["add", &p]);
                }
                Change::Submodule => {
                    let id = git(root, &["hash-object", "-w", &p]);
                    let cacheinfo = format!("160000,{id},{p}.sub");
                    git(root, &["update-index", "--add", "--cacheinfo", &cacheinfo]);
                }
                Change::Touch => {
                    write(root, &p, format!("file {i}\n"));
                    git(root, &["add", &p]);
                }
            }
        }
    }

    /// The index view answers as if every file were looked up in `HEAD` one by one: the same
    /// changed files, in the same order, and the same answer for every file of the index.
    fn same_as_lookups(root: &Path) -> Result<(), TestCaseError> {
        let repo = repo::discover(root).expect("a repository");
        let which = TreeChecks::Index(StagedScope::default());
        let fast = snapshots(&repo, root, &which, None).expect("the index view");
        let mut slow = snapshots(&repo, root, &which, None).expect("the index view");
        slow.differing = None;
        let listed = |files: Vec<IndexedFile>| -> Vec<(PathBuf, gix::ObjectId)> {
            files.into_iter().map(|f| (f.relative, f.id)).collect()
        };
        prop_assert_eq!(
            listed(fast.changed_files(|_| true)),
            listed(slow.changed_files(|_| true))
        );
        for file in fast.head.files(|_| true) {
            prop_assert_eq!(
                fast.changed(&file.relative, file.id),
                slow.changed(&file.relative, file.id),
                "{}",
                file.relative.display()
            );
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(crate::engine::testing::cases(24))]

        /// Renames, deletions, mode changes, intent-to-add entries, links, submodules and
        /// unstaged edits: the files the index changes are those a lookup in `HEAD` finds
        /// changed, whether the cache tree is whole or cut by the change.
        #[test]
        fn the_index_view_finds_the_files_a_lookup_in_head_finds(
            changes in prop::collection::vec(change(), 1..12),
            unborn in prop::bool::weighted(0.1),
        ) {
            let dir = tempfile::tempdir().unwrap();
            staged_project(dir.path(), &changes, unborn);
            same_as_lookups(dir.path())?;
        }
    }

    /// A cache tree written whole (`git write-tree` after staging) is used to skip folders;
    /// the answer stays the one-by-one lookups'.
    #[test]
    fn a_whole_cache_tree_gives_the_lookups_answer() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        staged_project(
            root,
            &[Change::Edit, Change::Keep, Change::Rename, Change::Keep],
            false,
        );
        git(root, &["write-tree"]);
        let repo = repo::discover(root).expect("a repository");
        let which = TreeChecks::Index(StagedScope::default());
        let view = snapshots(&repo, root, &which, None).expect("the index view");
        let index = view.head.index().expect("the index is read in place");
        assert!(index.tree().is_some_and(|t| t.num_entries.is_some()));
        assert!(view.differing.is_some());
        same_as_lookups(root).unwrap();
        let changed: Vec<String> = view
            .changed_files(|_| true)
            .into_iter()
            .map(|f| crate::text::slash_path(&f.relative))
            .collect();
        assert_eq!(changed, ["f0.js", "src/b/c/f2.ts.moved"]);
    }

    /// Intent-to-add entries are in no tree, so a cached tree can equal `HEAD`'s while one is
    /// new: the view then compares every file.
    #[test]
    fn an_intent_to_add_entry_turns_the_shortcut_off() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        staged_project(root, &[Change::IntentToAdd], false);
        let repo = repo::discover(root).expect("a repository");
        let which = TreeChecks::Index(StagedScope::default());
        let view = snapshots(&repo, root, &which, None).expect("the index view");
        assert!(view.differing.is_none());
        assert!(view.changed(
            Path::new("f0.js.new"),
            view.head.files(|p| p.ends_with("f0.js.new"))[0].id
        ));
    }
}
