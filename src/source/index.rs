//! What the index and `HEAD` say about files under a scanned root: whether a path is in the
//! index (staged or tracked) and in `HEAD`'s tree (committed), and which files are tracked
//! although they are gone from the working tree. Read with gitoxide through the one opener in
//! [`super::repo`], never by running `git`.
//!
//! This is the light "is it committed" view the env check needs; history-wide answers (a file
//! committed once and deleted since) belong to the history source.
//!
//! [`Snapshot`] is the same family without a working tree: the files of one commit's tree (the
//! head of a range, or the base it is compared with) or of the index (what `git commit` will
//! write), so checks that read whole files can run on what a range or a commit brings rather
//! than on whatever the checkout holds.

use super::repo::{self, GitError, GitRepo};
use super::staged::StagedPlace;
use gix::bstr::{BStr, BString, ByteSlice, ByteVec};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Something git could not tell about a file; callers count it and say so (a gate that cannot
/// tell whether an env file is committed does not call it clean).
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error(transparent)]
    Open(#[from] GitError),
    #[error("cannot read the git index")]
    Index(#[source] BoxedError),
    #[error("cannot read HEAD")]
    Head(#[source] BoxedError),
    #[error("cannot read HEAD's tree")]
    HeadTree(#[source] BoxedError),
    #[error("path is not valid UTF-8, cannot look it up in git")]
    NotUtf8,
    #[error("cannot read blob {id}")]
    Blob {
        id: gix::ObjectId,
        #[source]
        source: BoxedError,
    },
    #[error("larger than --max-file-size ({size} bytes)")]
    TooLarge { size: u64 },
    #[error("revision `{rev}` cannot be read")]
    Revision {
        rev: String,
        #[source]
        source: BoxedError,
    },
    #[error("cannot find the merge base of {from} and {to}")]
    MergeBase {
        from: gix::ObjectId,
        to: gix::ObjectId,
        #[source]
        source: BoxedError,
    },
    #[error("cannot read tree {id}")]
    Tree {
        id: gix::ObjectId,
        #[source]
        source: BoxedError,
    },
}

/// gix has one error type per operation; they are kept as the source, whatever their type.
pub type BoxedError = Box<dyn std::error::Error + Send + Sync>;

fn boxed(e: impl std::error::Error + Send + Sync + 'static) -> BoxedError {
    Box::new(e)
}

/// Where git has a path.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tracking {
    /// In the index: staged for the next commit (or tracked and unchanged).
    pub in_index: bool,
    /// In `HEAD`'s tree: committed.
    pub in_head: bool,
}

impl Tracking {
    pub fn is_tracked(self) -> bool {
        self.in_index || self.in_head
    }
}

/// An open repository seen from a scanned root inside its working tree.
pub struct GitView {
    repo: gix::Repository,
    /// The scanned root relative to the working tree, `/`-separated, empty or ending in `/`.
    prefix: BString,
    index: gix::worktree::Index,
    head_tree: Option<gix::ObjectId>,
}

/// A tracked file from the index, relative to the scanned root.
pub struct IndexedFile {
    pub relative: PathBuf,
    pub id: gix::ObjectId,
}

impl GitView {
    /// Opens the repository containing `root`. `Ok(None)` when there is none (or it is bare);
    /// `Err` with a one-line reason when there is one that cannot be read.
    pub fn open(root: &Path) -> Result<Option<GitView>, IndexError> {
        match repo::find(root)? {
            Some(git) => GitView::new(&git, root),
            None => Ok(None),
        }
    }

    /// The view of `root` (a folder inside `git`'s work tree); `Ok(None)` for a bare repository
    /// or a root outside the work tree.
    pub fn new(git: &GitRepo, root: &Path) -> Result<Option<GitView>, IndexError> {
        let repo = git.repo.to_thread_local();
        let Some(workdir) = repo.workdir() else {
            return Ok(None);
        };
        let prefix = match relative_prefix(workdir, root) {
            Some(prefix) => prefix,
            None => return Ok(None),
        };
        let index = repo
            .index_or_empty()
            .map_err(|e| IndexError::Index(boxed(e)))?;
        let head_tree = head_tree_id(&repo)?;
        Ok(Some(GitView {
            repo,
            prefix,
            index,
            head_tree,
        }))
    }

    fn repo_path(&self, relative: &Path) -> Result<BString, IndexError> {
        let mut path = self.prefix.clone();
        let rel = gix::path::into_bstr(relative).map_err(|_| IndexError::NotUtf8)?;
        path.push_str(gix::path::to_unix_separators_on_windows(rel).as_ref());
        Ok(path)
    }

    /// The path of `relative` (to the scanned root) from the top of the working tree,
    /// `/`-separated: what git commands run at the top take.
    pub fn repo_relative(&self, relative: &Path) -> Option<String> {
        self.repo_path(relative)
            .ok()
            .map(|p| p.to_str_lossy().into_owned())
    }

    /// Whether the file at `relative` (to the scanned root) is staged and/or committed.
    pub fn tracking(&self, relative: &Path) -> Result<Tracking, IndexError> {
        let path = self.repo_path(relative)?;
        let in_index = self.index.entry_by_path(path.as_bstr()).is_some();
        let in_head = match self.head_tree {
            None => false,
            Some(id) => {
                let tree = self
                    .repo
                    .find_tree(id)
                    .map_err(|e| IndexError::HeadTree(boxed(e)))?;
                let fs_path =
                    gix::path::from_bstr(path.as_bstr()).map_err(|_| IndexError::NotUtf8)?;
                tree.lookup_entry_by_path(fs_path)
                    .map_err(|e| IndexError::HeadTree(boxed(e)))?
                    .is_some_and(|entry| entry.mode().is_blob())
            }
        };
        Ok(Tracking { in_index, in_head })
    }

    /// Regular files in the index under the scanned root for which `keep` says yes.
    pub fn indexed_files(&self, keep: impl Fn(&Path) -> bool) -> Vec<IndexedFile> {
        let mut out = Vec::new();
        for entry in self.index.entries() {
            let is_blob = entry.mode.to_tree_entry_mode().is_some_and(|m| m.is_blob());
            if !is_blob {
                continue;
            }
            let path: &BStr = entry.path(&self.index);
            let Some(rel) = path.strip_prefix(self.prefix.as_slice()) else {
                continue;
            };
            let Ok(relative) = gix::path::from_bstr(rel.as_bstr()) else {
                continue;
            };
            let relative = relative.into_owned();
            if keep(&relative) {
                out.push(IndexedFile {
                    relative,
                    id: entry.id,
                });
            }
        }
        out
    }

    /// The contents of a blob, refusing anything larger than `max` bytes.
    pub fn blob(&self, id: gix::ObjectId, max: u64) -> Result<Vec<u8>, IndexError> {
        read_blob(&self.repo, id, max)
    }
}

fn head_tree_id(repo: &gix::Repository) -> Result<Option<gix::ObjectId>, IndexError> {
    let mut head = repo.head().map_err(|e| IndexError::Head(boxed(e)))?;
    if head.is_unborn() {
        return Ok(None);
    }
    let commit = head
        .peel_to_commit()
        .map_err(|e| IndexError::Head(boxed(e)))?;
    let tree = commit
        .tree_id()
        .map_err(|e| IndexError::HeadTree(boxed(e)))?;
    Ok(Some(tree.detach()))
}

/// `root` relative to the working tree as a `/`-separated prefix (`""` or `"sub/dir/"`).
fn relative_prefix(workdir: &Path, root: &Path) -> Option<BString> {
    let workdir = std::fs::canonicalize(workdir).ok()?;
    let root = std::fs::canonicalize(root).ok()?;
    let rel = root.strip_prefix(&workdir).ok()?;
    let rel = gix::path::into_bstr(rel).ok()?;
    let mut prefix: BString = gix::path::to_unix_separators_on_windows(rel).into_owned();
    if !prefix.is_empty() {
        prefix.push(b'/');
    }
    Some(prefix)
}

/// The regular files of one snapshot of a repository, a commit's tree or the index, by their
/// path from the repository's top (`/`-separated), with their blobs readable. Symbolic links,
/// submodules and conflicted index entries are not files here.
pub struct Snapshot {
    repo: gix::Repository,
    files: Files,
}

/// A snapshot's files, in path order, one blob per path.
enum Files {
    /// A commit's tree (or an index git would refuse to read: see [`Snapshot::of_index`]).
    Listed(BTreeMap<BString, gix::ObjectId>),
    /// The index as read, and the positions of its files among its entries: its entries are
    /// already in path order, each path once, so nothing is copied (the pre-commit hook lists
    /// a 16k-file index on every commit).
    Index {
        index: std::sync::Arc<gix::index::File>,
        files: Vec<usize>,
    },
}

/// Whether an index entry is a file of the snapshot: a regular or executable file, not in a
/// merge conflict (symbolic links, submodules and a sparse index's folders are not).
fn is_snapshot_file(entry: &gix::index::Entry) -> bool {
    let is_file = entry.mode == gix::index::entry::Mode::FILE
        || entry.mode == gix::index::entry::Mode::FILE_EXECUTABLE;
    is_file && entry.stage() == gix::index::entry::Stage::Unconflicted
}

impl Snapshot {
    /// The tree of the commit `rev` names.
    pub fn of_commit(git: &GitRepo, rev: &str) -> Result<Snapshot, IndexError> {
        let repo = git.repo.to_thread_local();
        let commit = commit_id(&repo, rev)?;
        Snapshot::of_commit_id(repo, commit)
    }

    /// The index `git commit` will write, read as the staged scan reads it.
    pub fn of_index(git: &GitRepo, place: &StagedPlace) -> Result<Snapshot, IndexError> {
        let repo = git.repo.to_thread_local();
        let index = super::staged::read_index(git, &repo, place)?;
        Ok(Snapshot::of_read_index(repo, std::sync::Arc::new(index)))
    }

    /// [`Snapshot::of_index`] of an index already read. Its entries are used in place when
    /// they are in the strict order git keeps them in (git itself refuses to read an index
    /// that is not); otherwise they are sorted into a map, the last entry of a path winning,
    /// as before.
    pub fn of_read_index(
        repo: gix::Repository,
        index: std::sync::Arc<gix::index::File>,
    ) -> Snapshot {
        if index.verify_entries().is_ok() {
            let files = (index.entries().iter().enumerate())
                .filter(|(_, entry)| is_snapshot_file(entry))
                .map(|(at, _)| at)
                .collect();
            return Snapshot {
                repo,
                files: Files::Index { index, files },
            };
        }
        let mut files = BTreeMap::new();
        for entry in index.entries() {
            if is_snapshot_file(entry) {
                files.insert(entry.path(&index).to_owned(), entry.id);
            }
        }
        Snapshot {
            repo,
            files: Files::Listed(files),
        }
    }

    /// The index the snapshot was read from, when its entries are used in place (see
    /// [`Snapshot::of_read_index`]).
    pub fn index(&self) -> Option<&gix::index::File> {
        match &self.files {
            Files::Index { index, .. } => Some(index),
            Files::Listed(_) => None,
        }
    }

    fn of_commit_id(repo: gix::Repository, commit: gix::ObjectId) -> Result<Snapshot, IndexError> {
        let tree = commit_tree(&repo, commit)?;
        Snapshot::of_tree(repo, Some(tree))
    }

    fn of_tree(repo: gix::Repository, tree: Option<gix::ObjectId>) -> Result<Snapshot, IndexError> {
        let mut files = BTreeMap::new();
        let mut stack: Vec<(BString, gix::ObjectId)> =
            tree.map(|t| (BString::default(), t)).into_iter().collect();
        while let Some((dir, id)) = stack.pop() {
            let tree = repo.find_tree(id).map_err(|e| IndexError::Tree {
                id,
                source: boxed(e),
            })?;
            for entry in tree.iter() {
                let entry = entry.map_err(|e| IndexError::Tree {
                    id,
                    source: boxed(e),
                })?;
                let mut path = dir.clone();
                path.push_str(entry.filename());
                let mode = entry.mode();
                if mode.is_tree() {
                    path.push(b'/');
                    stack.push((path, entry.oid().to_owned()));
                } else if mode.is_blob() {
                    files.insert(path, entry.oid().to_owned());
                }
            }
        }
        Ok(Snapshot {
            repo,
            files: Files::Listed(files),
        })
    }

    /// Files for which `keep` (given the path from the repository's top) says yes.
    /// `keep` is asked before anything is copied: most callers keep a few files of many.
    pub fn files(&self, keep: impl Fn(&Path) -> bool) -> Vec<IndexedFile> {
        let kept = |path: &BStr, id: gix::ObjectId| {
            let relative = gix::path::from_bstr(path).ok()?;
            keep(&relative).then(|| IndexedFile {
                relative: relative.into_owned(),
                id,
            })
        };
        match &self.files {
            Files::Listed(files) => files
                .iter()
                .filter_map(|(path, id)| kept(path.as_bstr(), *id))
                .collect(),
            Files::Index { index, files } => files
                .iter()
                .filter_map(|&at| {
                    let entry = &index.entries()[at];
                    kept(entry.path(index), entry.id)
                })
                .collect(),
        }
    }

    /// The contents of a blob, refusing anything larger than `max` bytes.
    pub fn blob(&self, id: gix::ObjectId, max: u64) -> Result<Vec<u8>, IndexError> {
        read_blob(&self.repo, id, max)
    }
}

/// Room for the trees of a large repository's lookups (a tree of 1,000 entries is ~40 KB).
const TREE_CACHE_BYTES: usize = 16 * 1024 * 1024;

/// What a snapshot is compared with (`HEAD` for the index, the merge base for a range): asked
/// "which blob is at this path", so it looks paths up in the tree instead of listing it whole
/// (the pre-commit hook must stay instant in a large repository). The bundle check asks for
/// every file of the snapshot, so the trees on the way are kept in an object cache: each tree
/// is inflated once, not once per file beneath it.
pub struct BaseTree {
    repo: gix::Repository,
    /// `None`: nothing to compare with (an unborn branch, unrelated histories).
    tree: Option<gix::ObjectId>,
    /// Lookups so far: past [`LOOKUPS_BEFORE_LISTING`] the tree is listed whole, once.
    lookups: std::cell::Cell<usize>,
    /// Every blob of the tree by path, once listed (`None` inside: the listing failed, and
    /// lookups go on one path at a time).
    listed:
        std::cell::OnceCell<Option<std::collections::HashMap<gix::bstr::BString, gix::ObjectId>>>,
}

/// Looking a path up decodes every tree on its way and scans each linearly: cheap for the few
/// files a hook asks about, but the launch checks ask about every source file a change might
/// touch (3,000 lookups cost a pre-commit scan of a 4,400-file repository 25 ms). Past this many
/// lookups the tree is listed once and the rest are hash lookups.
const LOOKUPS_BEFORE_LISTING: usize = 64;

impl BaseTree {
    /// `HEAD`'s tree; no files on an unborn branch (a first commit).
    pub fn of_head(git: &GitRepo) -> Result<BaseTree, IndexError> {
        let mut repo = git.repo.to_thread_local();
        repo.object_cache_size_if_unset(TREE_CACHE_BYTES);
        let tree = head_tree_id(&repo)?;
        Ok(BaseTree::new(repo, tree))
    }

    /// What the commits of `from..to` are measured against: the tree of the best merge base of
    /// `from` and `to` (like `git diff from...to`), so changes `from`'s branch made after `to`
    /// forked from it are not counted as the range's. No files when the two share no history
    /// (everything at `to` is then new).
    pub fn range_base(git: &GitRepo, from: &str, to: &str) -> Result<BaseTree, IndexError> {
        let mut repo = git.repo.to_thread_local();
        repo.object_cache_size_if_unset(TREE_CACHE_BYTES);
        let from = commit_id(&repo, from)?;
        let to = commit_id(&repo, to)?;
        let base = repo
            .merge_base(from, to)
            .map_err(|e| IndexError::MergeBase {
                from,
                to,
                source: boxed(e),
            })?
            .map(|id| id.detach());
        let tree = match base {
            Some(base) => Some(commit_tree(&repo, base)?),
            None => None,
        };
        Ok(BaseTree::new(repo, tree))
    }

    /// The blob at `relative` (from the repository's top), if the tree has a file there. A
    /// lookup that fails answers `None`, so the file counts as changed and is reported: never
    /// less.
    pub fn id_at(&self, relative: &Path) -> Option<gix::ObjectId> {
        let tree = self.tree?;
        self.lookups.set(self.lookups.get() + 1);
        if self.lookups.get() > LOOKUPS_BEFORE_LISTING
            && let Some(listed) = self.listed.get_or_init(|| self.list(tree))
        {
            // A path git cannot spell is in no tree.
            let path = gix::path::into_bstr(relative).ok()?;
            let path: &gix::bstr::BStr = &gix::path::to_unix_separators_on_windows(path);
            return listed.get(path).copied();
        }
        let tree = self.repo.find_tree(tree).ok()?;
        let entry = tree.lookup_entry_by_path(relative).ok()??;
        entry.mode().is_blob().then(|| entry.object_id())
    }

    /// The tree compared with (`None`: nothing, everything counts as new).
    pub fn tree_id(&self) -> Option<gix::ObjectId> {
        self.tree
    }

    fn new(repo: gix::Repository, tree: Option<gix::ObjectId>) -> BaseTree {
        BaseTree {
            repo,
            tree,
            lookups: std::cell::Cell::new(0),
            listed: std::cell::OnceCell::new(),
        }
    }

    /// Every blob of `tree` by its `/`-separated path, each tree decoded once.
    fn list(
        &self,
        tree: gix::ObjectId,
    ) -> Option<std::collections::HashMap<gix::bstr::BString, gix::ObjectId>> {
        let tree = self.repo.find_tree(tree).ok()?;
        let mut recorder = gix::traverse::tree::Recorder::default();
        tree.traverse().breadthfirst(&mut recorder).ok()?;
        Some(
            recorder
                .records
                .into_iter()
                .filter(|entry| entry.mode.is_blob())
                .map(|entry| (entry.filepath, entry.oid))
                .collect(),
        )
    }
}

fn commit_tree(repo: &gix::Repository, commit: gix::ObjectId) -> Result<gix::ObjectId, IndexError> {
    Ok(repo
        .find_commit(commit)
        .map_err(|e| IndexError::Revision {
            rev: commit.to_string(),
            source: boxed(e),
        })?
        .tree_id()
        .map_err(|e| IndexError::Revision {
            rev: commit.to_string(),
            source: boxed(e),
        })?
        .detach())
}

fn commit_id(repo: &gix::Repository, rev: &str) -> Result<gix::ObjectId, IndexError> {
    let failed = |e: BoxedError| IndexError::Revision {
        rev: rev.to_string(),
        source: e,
    };
    let id = repo.rev_parse_single(rev).map_err(|e| failed(boxed(e)))?;
    let commit = id
        .object()
        .map_err(|e| failed(boxed(e)))?
        .peel_to_commit()
        .map_err(|e| failed(boxed(e)))?;
    Ok(commit.id)
}

fn read_blob(repo: &gix::Repository, id: gix::ObjectId, max: u64) -> Result<Vec<u8>, IndexError> {
    let header = repo.find_header(id).map_err(|e| IndexError::Blob {
        id,
        source: boxed(e),
    })?;
    if header.size() > max {
        return Err(IndexError::TooLarge {
            size: header.size(),
        });
    }
    let mut blob = repo.find_blob(id).map_err(|e| IndexError::Blob {
        id,
        source: boxed(e),
    })?;
    Ok(std::mem::take(&mut blob.data))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::fixture::{git, write};

    /// A base tree answers the same after it switches from path lookups to one listing: for
    /// files at every depth, executables, folders, symlinks and paths it does not hold.
    #[test]
    fn lookups_answer_the_same_before_and_after_the_tree_is_listed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        git(root, &["init", "-q"]);
        let mut asked = Vec::new();
        for i in 0..(2 * LOOKUPS_BEFORE_LISTING) {
            let path = match i % 3 {
                0 => format!("f{i}.js"),
                1 => format!("src/d{}/f{i}.py", i % 5),
                _ => format!("a/b/c/f{i} with space.ts"),
            };
            write(root, &path, format!("{i}\n"));
            asked.push(path);
        }
        write(root, "bin/run", "#!/bin/sh\n");
        git(root, &["update-index", "--add", "--chmod=+x", "bin/run"]);
        std::os::unix::fs::symlink("f0.js", root.join("link.js")).expect("symlink");
        git(root, &["add", "-A"]);
        git(root, &["commit", "-q", "-m", "files"]);
        asked.extend(
            [
                "bin/run",
                "link.js",
                "src",
                "src/d1",
                "missing.js",
                "src/d1/nope.py",
                "a/b",
            ]
            .map(String::from),
        );
        let repo = crate::source::repo::discover(root).expect("a repository");
        let listed = BaseTree::of_head(&repo).expect("HEAD");
        for _ in 0..=LOOKUPS_BEFORE_LISTING {
            listed.id_at(Path::new("warm-up"));
        }
        for path in &asked {
            let one_by_one = BaseTree::of_head(&repo).expect("HEAD");
            let want = one_by_one.id_at(Path::new(path));
            assert_eq!(listed.id_at(Path::new(path)), want, "{path}");
        }
        assert!(listed.listed.get().is_some_and(Option::is_some));
        assert!(listed.id_at(Path::new("bin/run")).is_some());
        assert!(listed.id_at(Path::new("src")).is_none());
    }
}
