//! Staged changes (`--staged`), for the pre-commit hook: the files whose staged blob differs
//! from `HEAD`'s at the same path, with only the lines the change adds reported.
//!
//! It must feel instant in a large repository, so it never walks the whole `HEAD` tree when it
//! does not have to: the index's cache-tree extension records, per directory, the tree id the
//! index would write. Where that id equals `HEAD`'s tree at the same directory, nothing under it
//! is staged and its entries are skipped in one step. `git add` invalidates only the
//! directories above the files it touched, so a typical commit reads a handful of trees.

use crate::source::BlobMatcher;
use crate::source::history::{
    self, BlobTask, GitError, GitRepo, HistoryFinding, HistoryOptions, HistoryOutcome,
};
use crate::source::repo::vcs_info;
use crate::stats::{HistoryStats, ScanStats};
use crate::text::one_line;
use gix::ObjectId;
use gix::bstr::{BStr, BString, ByteSlice, ByteVec};
use gix::index::entry::{Mode, Stage};
use gix::index::extension::Tree as CacheTree;
use gix::objs::FindExt;
use std::collections::HashMap;

/// Scans what `git commit` would add.
pub fn scan<M: BlobMatcher>(
    git: &GitRepo,
    options: &HistoryOptions<'_, M>,
) -> Result<HistoryOutcome, GitError> {
    let repo = git.repo.to_thread_local();
    if repo.workdir().is_none() {
        return Err(GitError::Bare {
            shown: git.shown.clone(),
        });
    }
    let index = read_index(git, &repo)?;
    let head_tree = repo.head_tree_id().ok().map(|id| id.detach());
    let mut stats = ScanStats::default();
    let mut differ = StagedDiff {
        repo: &repo,
        entries: index.entries(),
        state: &index,
        cursor: 0,
        tasks: Vec::new(),
        buf: Vec::new(),
        stats: &mut stats,
    };
    differ.dir(BString::default(), index.tree(), head_tree);
    let mut tasks = differ.tasks;
    tasks.retain(|t| !options.exclude.is_match(&t.path));
    let scan = history::scan_blobs(git, options, true, &tasks);
    let (hits, scan_stats) = scan;
    stats.merge(scan_stats);
    let findings = hits
        .into_iter()
        .flat_map(|hit| {
            let blob = tasks[hit.task].id;
            hit.findings.into_iter().map(move |mut finding| {
                finding.message = Some(
                    "Staged for commit: take it out before committing (and rotate it if it was \
                     ever shared)."
                        .to_string(),
                );
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

/// The index `git commit` will write, as every reader of staged files sees it (this scan and
/// the snapshot of the index the file checks read).
pub fn read_index(git: &GitRepo, repo: &gix::Repository) -> Result<gix::worktree::Index, GitError> {
    repo.index_or_empty().map_err(|e| GitError::Index {
        shown: git.shown.clone(),
        source: Box::new(e),
    })
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
    /// `head`, the `HEAD` tree at that directory.
    fn dir(&mut self, dir: BString, cache: Option<&CacheTree>, head: Option<ObjectId>) {
        if let (Some(cache), Some(head)) = (cache, head)
            && let Some(count) = cache.num_entries
            && cache.id == head
        {
            self.cursor += count as usize;
            return;
        }
        let head_entries = head.map(|tree| self.read_tree(tree)).unwrap_or_default();
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
                    let child_head = head_entries
                        .get(name.as_bstr())
                        .and_then(|(id, mode)| mode.is_tree().then_some(*id));
                    let mut child = dir.clone();
                    child.push_str(name);
                    child.push(b'/');
                    self.dir(child, child_cache, child_head);
                }
                None => {
                    self.cursor += 1;
                    self.file(entry, path, head_entries.get(rest.as_bstr()));
                }
            }
        }
    }

    fn file(
        &mut self,
        entry: &gix::index::Entry,
        path: &BStr,
        head: Option<&(ObjectId, gix::objs::tree::EntryMode)>,
    ) {
        let is_file = entry.mode == Mode::FILE || entry.mode == Mode::FILE_EXECUTABLE;
        if !is_file || entry.stage() != Stage::Unconflicted {
            return;
        }
        let previous: Vec<ObjectId> = head
            .filter(|(_, mode)| mode.is_blob())
            .map(|(id, _)| *id)
            .into_iter()
            .collect();
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
                    "HEAD tree {tree} cannot be read; files under it count as new: {}",
                    one_line(&e)
                ));
                HashMap::new()
            }
        }
    }
}
