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
use crate::stats::{HistoryStats, ScanStats, SkipReason};
use crate::text::one_line;
use gix::ObjectId;
use gix::bstr::{BStr, BString, ByteSlice, ByteVec};
use gix::index::entry::{Mode, Stage};
use gix::index::extension::Tree as CacheTree;
use gix::objs::FindExt;
use std::collections::{HashMap, HashSet};
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

/// What the pre-commit hook checks: the index git is committing ([`StagedPlace`]) and, when
/// the hook was given file names, those files whole.
///
/// Without names, what the commit adds: the lines of the staged blobs that `HEAD` (or, while
/// `HEAD` is unpushed, its parents: see [`Base`]) does not hold. With names (the pre-commit
/// framework passes the files a commit stages, and `pre-commit run --all-files` every tracked
/// file), each named file is checked whole, as the index holds it; a folder names every file
/// under it, and a file the index does not hold is read from disk. What the commit adds outside
/// the named files is still checked as without names, so an amend that re-records `HEAD`'s own
/// secret in another file is blocked however the framework splits its file list (each of its
/// invocations is a complete check on its own).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StagedScope {
    pub place: StagedPlace,
    /// Files (or folders) to check whole, absolute (the settings resolve them against the
    /// directory leakgate runs in); empty without names.
    pub whole: Vec<PathBuf>,
}

impl StagedScope {
    /// The named files, resolved against the work tree of `git` (none in a bare repository).
    pub fn named(&self, git: &GitRepo) -> Result<Named, GitError> {
        match work_tree(&git.repo.to_thread_local(), &self.place) {
            Some(top) => Named::resolve(&top, &self.whole),
            None => Ok(Named::default()),
        }
    }
}

/// Scans what `git commit` would record: see [`StagedScope`]. Also hands back the index it
/// read, so the file checks judge the same one without reading it again.
pub fn scan<M: BlobMatcher>(
    git: &GitRepo,
    scope: &StagedScope,
    options: &HistoryOptions<'_, M>,
) -> Result<(HistoryOutcome, gix::index::File), GitError> {
    let place = &scope.place;
    let repo = git.repo.to_thread_local();
    let Some(work_tree) = work_tree(&repo, place) else {
        return Err(GitError::Bare {
            shown: git.shown.clone(),
        });
    };
    let index = read_index(git, &repo, place)?;
    let named = Named::resolve(&work_tree, &scope.whole)?;
    let mut stats = ScanStats::default();
    let base = Base::of_head(&repo, &mut stats);
    let mut added = differing(&repo, &index, &base.trees, &mut stats).0;
    // A named file is checked whole below; its added lines are part of that.
    added.retain(|t| !named.covers(t.path.as_bytes().as_bstr()));
    let (mut whole, on_disk) = named.tasks(&index, &work_tree, &mut stats);
    added.retain(|t| !options.exclude.is_match(&t.path));
    whole.retain(|t| !options.exclude.is_match(&t.path));
    let mut findings = Vec::new();
    for (tasks, added_lines_only) in [(&added, true), (&whole, false)] {
        let (hits, scan_stats) = history::scan_blobs(git, options, added_lines_only, tasks);
        stats.merge(scan_stats);
        for hit in hits {
            let task = &tasks[hit.task];
            let message = staged_message(&repo, &base, task, added_lines_only);
            findings.extend(hit.findings.into_iter().map(|mut finding| {
                finding.note(message, None);
                HistoryFinding {
                    finding,
                    blobs: vec![task.id],
                }
            }));
        }
    }
    for path in on_disk {
        if !options.exclude.is_match(&path) {
            findings.extend(scan_on_disk(&work_tree, &path, options, &mut stats));
        }
    }
    let history = stats.history.get_or_insert_with(HistoryStats::default);
    history.mode = "staged";
    let outcome = HistoryOutcome {
        findings,
        stats,
        vcs: vcs_info(&repo),
        env_paths: Vec::new(),
    };
    Ok((outcome, index))
}

/// What a finding in a staged blob tells the person committing.
fn staged_message(
    repo: &gix::Repository,
    base: &Base,
    task: &BlobTask,
    added_lines_only: bool,
) -> &'static str {
    let in_tree = |tree: Option<ObjectId>| {
        tree.is_some_and(|tree| history::blob_at_path(repo, tree, &task.path) == Some(task.id))
    };
    if added_lines_only && in_tree(base.unpushed_head) {
        "Added by the unpushed HEAD commit and still in what is being committed (an amend \
         records it again): take it out of the file and commit or amend again (and rotate it if \
         it was ever shared)."
    } else if !added_lines_only && in_tree(base.head) {
        "Already committed, and still in this file: take it out and commit, and rotate it (git \
         history keeps it)."
    } else {
        "Staged for commit: take it out before committing (and rotate it if it was ever \
         shared)."
    }
}

/// The work tree of the commit being prepared (`None`: a bare repository).
fn work_tree(repo: &gix::Repository, place: &StagedPlace) -> Option<PathBuf> {
    place
        .work_tree
        .clone()
        .or_else(|| repo.workdir().map(Path::to_path_buf))
}

/// Reads a named file the index does not hold from disk and matches it whole. A file that
/// cannot be read, or is too large, is counted: the gate then fails closed.
fn scan_on_disk<M: BlobMatcher>(
    work_tree: &Path,
    path: &str,
    options: &HistoryOptions<'_, M>,
    stats: &mut ScanStats,
) -> Vec<HistoryFinding> {
    let full = work_tree.join(path);
    let shown = Path::new(path);
    let meta = match std::fs::symlink_metadata(&full) {
        Ok(meta) => meta,
        Err(e) => {
            stats.skip(shown, SkipReason::Unreadable, Some(one_line(&e)), false);
            return Vec::new();
        }
    };
    if meta.file_type().is_symlink() {
        // Git records a link's target path, not what it points at.
        stats.skip(shown, SkipReason::Symlink, None, false);
        return Vec::new();
    }
    if !meta.is_file() {
        stats.skip(
            shown,
            SkipReason::Unreadable,
            Some("not a file in the index or on disk".into()),
            false,
        );
        return Vec::new();
    }
    if meta.len() > options.max_file_size {
        stats.skip(
            shown,
            SkipReason::TooLarge,
            Some(format!("{} bytes", meta.len())),
            false,
        );
        return Vec::new();
    }
    let data = match std::fs::read(&full) {
        Ok(data) => data,
        Err(e) => {
            stats.skip(shown, SkipReason::Unreadable, Some(one_line(&e)), false);
            return Vec::new();
        }
    };
    stats.files_scanned += 1;
    stats.bytes_scanned += data.len() as u64;
    let mut scratch = M::Scratch::default();
    options
        .matcher
        .findings(&data, path, &mut scratch, stats)
        .into_iter()
        .map(|mut finding| {
            finding.note(
                "Not staged yet (read from disk): take it out before you add the file (and \
                 rotate it if it was ever shared).",
                None,
            );
            HistoryFinding {
                finding,
                blobs: Vec::new(),
            }
        })
        .collect()
}

/// The named files of a [`StagedScope`], as `/`-separated paths from the top of the work tree
/// (the empty path names the whole tree).
#[derive(Debug, Default)]
pub struct Named {
    paths: HashSet<BString>,
}

impl Named {
    /// Resolves absolute paths against the work tree. A path outside it is an error: the hook
    /// would otherwise pass a file it never checked.
    pub fn resolve(work_tree: &Path, paths: &[PathBuf]) -> Result<Named, GitError> {
        let mut named = Named::default();
        if paths.is_empty() {
            return Ok(named);
        }
        let top = std::fs::canonicalize(work_tree).unwrap_or_else(|_| lexical(work_tree));
        for path in paths {
            let real = real_path(path);
            let outside = || GitError::OutsideWorkTree {
                path: path.display().to_string(),
                work_tree: work_tree.display().to_string(),
            };
            let relative = real.strip_prefix(&top).map_err(|_| outside())?;
            let relative = gix::path::into_bstr(relative).map_err(|_| outside())?;
            let mut relative: BString =
                gix::path::to_unix_separators_on_windows(relative).into_owned();
            while relative.last() == Some(&b'/') {
                relative.pop();
            }
            named.paths.insert(relative);
        }
        Ok(named)
    }

    /// The name that covers `path` (itself, or a folder above it), if any.
    fn covering(&self, path: &BStr) -> Option<&BString> {
        if self.paths.is_empty() {
            return None;
        }
        if let Some(name) = self.paths.get(path) {
            return Some(name);
        }
        let mut end = path.len();
        loop {
            let dir = &path[..end];
            let cut = dir.rfind_byte(b'/');
            let parent = &path[..cut.unwrap_or(0)];
            if let Some(name) = self.paths.get(parent.as_bstr()) {
                return Some(name);
            }
            match cut {
                Some(cut) => end = cut,
                None => return None,
            }
        }
    }

    /// Whether no file is named.
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }

    /// Whether `path` (from the top of the work tree) is named, or lies in a named folder.
    pub fn covers(&self, path: &BStr) -> bool {
        self.covering(path).is_some()
    }

    /// The index's files that are named, as whole-file tasks, and the names the index holds no
    /// file for (to read from disk).
    fn tasks(
        &self,
        index: &gix::index::File,
        work_tree: &Path,
        stats: &mut ScanStats,
    ) -> (Vec<BlobTask>, Vec<String>) {
        if self.paths.is_empty() {
            return (Vec::new(), Vec::new());
        }
        let mut tasks = Vec::new();
        let mut found: HashSet<&BString> = HashSet::new();
        for entry in index.entries() {
            let path = entry.path(index);
            let Some(name) = self.covering(path) else {
                continue;
            };
            found.insert(name);
            let is_file = entry.mode == Mode::FILE || entry.mode == Mode::FILE_EXECUTABLE;
            if is_file && entry.stage() == Stage::Unconflicted {
                tasks.push(BlobTask {
                    id: entry.id,
                    commit: None,
                    path: path.to_str_lossy().into_owned(),
                    previous: Vec::new(),
                });
            }
        }
        let mut on_disk = Vec::new();
        for name in &self.paths {
            if found.contains(name) {
                continue;
            }
            let text = name.to_str_lossy().into_owned();
            if name.is_empty() || work_tree.join(&text).is_dir() {
                // A folder with nothing in the index: nothing of it would be committed.
                stats.warn(format!(
                    "{}: no file under it is staged; nothing to check there",
                    if name.is_empty() { "." } else { &text }
                ));
                continue;
            }
            on_disk.push(text);
        }
        on_disk.sort();
        (tasks, on_disk)
    }
}

/// `path` with the symbolic links of the folders above it resolved (not the file's own: a link
/// in the work tree is a file of the repository, not the file it points at); a folder is
/// resolved whole. Parts that do not exist (a file only the index still holds) are kept as
/// they are, below the nearest folder that does.
fn real_path(path: &Path) -> PathBuf {
    let path = lexical(path);
    if std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir())
        && let Ok(real) = std::fs::canonicalize(&path)
    {
        return real;
    }
    let mut rest = Vec::new();
    let mut dir = path.as_path();
    loop {
        let (Some(name), Some(parent)) = (dir.file_name(), dir.parent()) else {
            return path;
        };
        rest.push(name);
        dir = parent;
        if let Ok(mut real) = std::fs::canonicalize(dir) {
            real.extend(rest.iter().rev());
            return real;
        }
    }
}

/// `path` with `.` and `..` components resolved as text.
fn lexical(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
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
    /// `HEAD`'s tree (`None` before the first commit).
    head: Option<ObjectId>,
    /// `HEAD`'s tree, when the base is its parents.
    unpushed_head: Option<ObjectId>,
}

impl Base {
    fn of_head(repo: &gix::Repository, stats: &mut ScanStats) -> Base {
        // No commit yet (or an unreadable HEAD): everything staged is new.
        let Ok(head) = repo.head_commit() else {
            return Base {
                trees: Vec::new(),
                head: None,
                unpushed_head: None,
            };
        };
        let head_tree = head.tree_id().ok().map(|id| id.detach());
        let remote_tips = history::repo::remote_tracking_tips(repo, &mut |w| stats.warn(w));
        if is_reachable(repo, head.id, &remote_tips) {
            return Base {
                trees: head_tree.into_iter().collect(),
                head: head_tree,
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
            head: head_tree,
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
        // Read afresh rather than copied out of the repository's shared one (a copy of a 16k-file
        // index costs the pre-commit hook more than reading it).
        None if repo.index_path().is_file() => {
            repo.open_index().map_err(|e| unreadable(Box::new(e)))
        }
        None => {
            let shared = repo.index_or_empty().map_err(|e| unreadable(Box::new(e)))?;
            Ok(gix::index::File::clone(&shared))
        }
    }
}

/// The index's files (regular or executable, not in conflict) whose blob none of `bases` (trees
/// of commits) holds at the same path, as tasks with the bases' versions of the path as
/// `previous`, and their positions among the index's entries. Directories whose cached tree
/// (the index's cache-tree extension) is one of the bases' are skipped whole, so a commit that
/// touches a few files reads a few trees however large the index. A tree that cannot be read
/// counts its files as changed (never less), and is counted in `stats`.
pub fn differing(
    repo: &gix::Repository,
    index: &gix::index::File,
    bases: &[ObjectId],
    stats: &mut ScanStats,
) -> (Vec<BlobTask>, Vec<usize>) {
    let mut differ = StagedDiff {
        repo,
        entries: index.entries(),
        state: index,
        cursor: 0,
        tasks: Vec::new(),
        positions: Vec::new(),
        buf: Vec::new(),
        stats,
    };
    differ.dir(BString::default(), index.tree(), bases);
    (differ.tasks, differ.positions)
}

struct StagedDiff<'a> {
    repo: &'a gix::Repository,
    entries: &'a [gix::index::Entry],
    state: &'a gix::index::State,
    cursor: usize,
    tasks: Vec<BlobTask>,
    /// Where each task's entry is among `entries`.
    positions: Vec<usize>,
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
        self.positions.push(self.cursor - 1);
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
