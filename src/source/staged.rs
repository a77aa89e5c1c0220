//! Staged changes (`--staged`), for the pre-commit hook: the files whose staged blob differs
//! from `HEAD`'s at the same path (from `HEAD`'s parents' while `HEAD` is unpushed, see
//! `Base`), with only the lines the change adds reported.
//!
//! It must feel instant in a large repository, so it never walks the whole `HEAD` tree when it
//! does not have to: the index's cache-tree extension records, per directory, the tree id the
//! index would write. Where that id equals `HEAD`'s tree at the same directory, nothing under it
//! is staged and its entries are skipped in one step. `git add` invalidates only the
//! directories above the files it touched, so a typical commit reads a handful of trees.
//!
//! "Staged" means the index `git commit` is about to write, which is not always `.git/index`:
//! `git commit -a`, `git commit <paths>`, `--only`, `--include` (and a linked worktree, whose
//! index lives under `.git/worktrees/<name>/`) hand the pre-commit hook a temporary index named
//! in `GIT_INDEX_FILE`. The repository itself is opened isolated from the environment, so the
//! settings read that location once and pass it here as a [`StagedPlace`].

use crate::source::BlobMatcher;
use crate::source::history::{
    self, BlobTask, GitError, GitRepo, HistoryFinding, HistoryOptions, HistoryOutcome,
};
use crate::source::repo::{BoxedError, vcs_info};
use crate::stats::{HistoryStats, ScanStats};
use crate::text::one_line;
use gix::ObjectId;
use gix::bstr::{BStr, BString, ByteSlice, ByteVec};
use gix::index::entry::{Mode, Stage};
use gix::index::extension::Tree as CacheTree;
use gix::objs::FindExt;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Where the commit being prepared lives, as git tells its hooks: `GIT_DIR`, `GIT_WORK_TREE`
/// and `GIT_INDEX_FILE`, made absolute against the directory git ran the hook in (git passes
/// them relative to it, for example `GIT_INDEX_FILE=.git/index`). `None` means git's default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StagedPlace {
    pub git_dir: Option<PathBuf>,
    pub work_tree: Option<PathBuf>,
    pub index_file: Option<PathBuf>,
}

impl StagedPlace {
    /// Reads the three variables through `var`, resolving relative values against `cwd`. An
    /// empty value counts as unset, as git treats it.
    pub fn from_vars(cwd: &Path, var: impl Fn(&str) -> Option<std::ffi::OsString>) -> StagedPlace {
        let path = |name: &str| {
            var(name)
                .filter(|value| !value.is_empty())
                .map(|value| cwd.join(value))
        };
        StagedPlace {
            git_dir: path("GIT_DIR"),
            work_tree: path("GIT_WORK_TREE"),
            index_file: path("GIT_INDEX_FILE"),
        }
    }
}

/// Scans what `git commit` would add.
pub fn scan<M: BlobMatcher>(
    git: &GitRepo,
    place: &StagedPlace,
    options: &HistoryOptions<'_, M>,
) -> Result<HistoryOutcome, GitError> {
    let repo = git.repo.to_thread_local();
    if repo.workdir().is_none() && place.work_tree.is_none() {
        return Err(GitError::Bare {
            shown: git.shown.clone(),
        });
    }
    let index = read_index(git, &repo, place)?;
    let mut stats = ScanStats::default();
    let base = Base::of_head(&repo, &mut stats);
    let mut differ = StagedDiff {
        repo: &repo,
        entries: index.entries(),
        state: &index,
        cursor: 0,
        tasks: Vec::new(),
        buf: Vec::new(),
        stats: &mut stats,
    };
    differ.dir(BString::default(), index.tree(), &base.trees);
    let mut tasks = differ.tasks;
    tasks.retain(|t| !options.exclude.is_match(&t.path));
    let scan = history::scan_blobs(git, options, true, &tasks);
    let (hits, scan_stats) = scan;
    stats.merge(scan_stats);
    let findings = hits
        .into_iter()
        .flat_map(|hit| {
            let task = &tasks[hit.task];
            let from_head = base.unpushed_head.is_some_and(|tree| {
                history::blob_at_path(&repo, tree, &task.path) == Some(task.id)
            });
            let message = if from_head {
                "Added by the unpushed HEAD commit and still in what is being committed (an \
                 amend records it again): take it out of the file and commit or amend again (and \
                 rotate it if it was ever shared)."
            } else {
                "Staged for commit: take it out before committing (and rotate it if it was ever \
                 shared)."
            };
            let blob = task.id;
            hit.findings.into_iter().map(move |mut finding| {
                finding.message = Some(message.to_string());
                HistoryFinding {
                    finding,
                    blobs: vec![blob],
                }
            })
        })
        .collect();
    let history = stats.history.get_or_insert_with(HistoryStats::default);
    history.mode = "staged";
    Ok(HistoryOutcome {
        findings,
        stats,
        vcs: vcs_info(&repo),
        env_paths: Vec::new(),
    })
}

/// What the index is compared with. Normally `HEAD`: what `git commit` adds on top of it. But
/// git does not tell a pre-commit hook whether it is amending (no argument, no variable; even
/// prepare-commit-msg says only "message" for `--amend -m`), and an amend records `HEAD`'s own
/// changes again, on `HEAD`'s parents. So while `HEAD` is on no remote-tracking ref (unpushed,
/// the commit an amend rewrites), the index is compared with `HEAD`'s parents: a secret `HEAD`
/// added that the index still holds is reported, amend or not. Once `HEAD` is pushed, only
/// what the index adds to it is, and rewriting it is the pre-push hook's to judge.
struct Base {
    /// The trees a line must be absent from to count as added (none: everything is new).
    trees: Vec<ObjectId>,
    /// `HEAD`'s tree, when the base is its parents.
    unpushed_head: Option<ObjectId>,
}

impl Base {
    fn of_head(repo: &gix::Repository, stats: &mut ScanStats) -> Base {
        // No commit yet (or an unreadable HEAD): everything staged is new.
        let Ok(head) = repo.head_commit() else {
            return Base {
                trees: Vec::new(),
                unpushed_head: None,
            };
        };
        let head_tree = head.tree_id().ok().map(|id| id.detach());
        let remote_tips = history::repo::remote_tracking_tips(repo, &mut |w| stats.warn(w));
        if is_reachable(repo, head.id, &remote_tips) {
            return Base {
                trees: head_tree.into_iter().collect(),
                unpushed_head: None,
            };
        }
        let mut trees = Vec::new();
        for parent in head.parent_ids() {
            match parent.object().ok().and_then(|o| o.peel_to_commit().ok()) {
                Some(commit) => trees.extend(commit.tree_id().ok().map(|id| id.detach())),
                None => {
                    // Compared with less, so more counts as added: never less.
                    stats.skipped.unreadable += 1;
                    stats.warn(format!(
                        "commit {parent} (parent of HEAD) cannot be read; what HEAD holds counts \
                         as new"
                    ));
                }
            }
        }
        Base {
            trees,
            unpushed_head: head_tree,
        }
    }
}

/// Whether `commit` is reachable from one of `tips`. A walk that fails counts as "no", so the
/// commit is treated as unpushed and compared with more care.
fn is_reachable(repo: &gix::Repository, commit: ObjectId, tips: &[ObjectId]) -> bool {
    if tips.is_empty() {
        return false;
    }
    if tips.contains(&commit) {
        return true;
    }
    match repo
        .rev_walk([commit])
        .with_hidden(tips.iter().copied())
        .all()
    {
        Ok(mut walk) => match walk.next() {
            None => true,
            Some(Ok(info)) => info.id != commit,
            Some(Err(_)) => false,
        },
        Err(_) => false,
    }
}

/// The index `git commit` will write, as every reader of staged files sees it (this scan and
/// the snapshot of the index the file checks read). The index git named is read as it is, and
/// must exist: a missing temporary index is an error, never "nothing staged". Without one, a
/// repository with no commit yet may have no index at all, and then nothing is staged.
pub fn read_index(
    git: &GitRepo,
    repo: &gix::Repository,
    place: &StagedPlace,
) -> Result<gix::index::File, GitError> {
    let unreadable = |e: BoxedError| GitError::Index {
        shown: git.shown.clone(),
        source: e,
    };
    match &place.index_file {
        Some(path) => gix::index::File::at(
            path,
            repo.object_hash(),
            false,
            gix::index::decode::Options::default(),
        )
        .map_err(|e| unreadable(Box::new(e))),
        None => {
            let shared = repo.index_or_empty().map_err(|e| unreadable(Box::new(e)))?;
            Ok(gix::index::File::clone(&shared))
        }
    }
}

struct StagedDiff<'a> {
    repo: &'a gix::Repository,
    entries: &'a [gix::index::Entry],
    state: &'a gix::index::State,
    cursor: usize,
    tasks: Vec<BlobTask>,
    buf: Vec<u8>,
    stats: &'a mut ScanStats,
}

impl StagedDiff<'_> {
    /// Compares the index entries under `dir` (with a trailing `/`, or empty for the root) with
    /// `bases`, the base trees at that directory. A directory whose cached tree equals one of
    /// them adds nothing and is skipped whole.
    fn dir(&mut self, dir: BString, cache: Option<&CacheTree>, bases: &[ObjectId]) {
        if let Some(cache) = cache
            && let Some(count) = cache.num_entries
            && bases.contains(&cache.id)
        {
            self.cursor += count as usize;
            return;
        }
        let base_entries: Vec<_> = bases.iter().map(|tree| self.read_tree(*tree)).collect();
        while let Some(entry) = self.entries.get(self.cursor) {
            let path = entry.path(self.state);
            let Some(rest) = path.strip_prefix(dir.as_slice()) else {
                return;
            };
            match rest.find_byte(b'/') {
                Some(slash) => {
                    let name = &rest[..slash];
                    let child_cache =
                        cache.and_then(|c| c.children.iter().find(|t| t.name.as_slice() == name));
                    let child_bases: Vec<ObjectId> = base_entries
                        .iter()
                        .filter_map(|entries| entries.get(name.as_bstr()))
                        .filter_map(|(id, mode)| mode.is_tree().then_some(*id))
                        .collect();
                    let mut child = dir.clone();
                    child.push_str(name);
                    child.push(b'/');
                    self.dir(child, child_cache, &child_bases);
                }
                None => {
                    self.cursor += 1;
                    let previous: Vec<ObjectId> = base_entries
                        .iter()
                        .filter_map(|entries| entries.get(rest.as_bstr()))
                        .filter(|(_, mode)| mode.is_blob())
                        .map(|(id, _)| *id)
                        .collect();
                    self.file(entry, path, previous);
                }
            }
        }
    }

    /// `previous`: the base versions of this path (a blob found in any of them adds nothing).
    fn file(&mut self, entry: &gix::index::Entry, path: &BStr, previous: Vec<ObjectId>) {
        let is_file = entry.mode == Mode::FILE || entry.mode == Mode::FILE_EXECUTABLE;
        if !is_file || entry.stage() != Stage::Unconflicted {
            return;
        }
        if previous.contains(&entry.id) {
            return;
        }
        self.tasks.push(BlobTask {
            id: entry.id,
            commit: None,
            path: path.to_str_lossy().into_owned(),
            previous,
        });
    }

    fn read_tree(
        &mut self,
        tree: ObjectId,
    ) -> HashMap<BString, (ObjectId, gix::objs::tree::EntryMode)> {
        match self.repo.objects.find_tree_iter(&tree, &mut self.buf) {
            Ok(iter) => iter
                .filter_map(Result::ok)
                .map(|e| (e.filename.to_owned(), (e.oid.to_owned(), e.mode)))
                .collect(),
            Err(e) => {
                self.stats.skipped.unreadable += 1;
                self.stats.warn(format!(
                    "base tree {tree} cannot be read; files under it count as new: {}",
                    one_line(&e)
                ));
                HashMap::new()
            }
        }
    }
}
