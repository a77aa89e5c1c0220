//! Full history's blob list: every blob reachable from the walked commits, each once, with the
//! first commit (in topological order) and path that hold it. Trees are walked by several
//! threads at once, because inflating tens of thousands of deltified trees one at a time is
//! the longest serial step of a history scan.
//!
//! Each tree id records the smallest commit position it was visited for, and is walked again
//! only for a smaller one; each blob keeps the smallest (position, path). Threads take commits
//! in increasing order, so re-walks are rare, and the result is exactly what a serial walk in
//! order gives: the minimum over all commits that hold the blob, ties broken by path, whatever
//! the threads' timing. Trees visited once and skipped afterwards keep the walk linear in the
//! number of unique trees, not in commits times files.

use super::BlobTask;
use super::enumerate::{CommitNode, Problems, join};
use crate::source::worktree::Excludes;
use crate::text::one_line;
use gix::ObjectId;
use gix::bstr::{BString, ByteSlice};
use gix::hashtable::HashMap;
use gix::objs::FindExt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Position used for trees and blobs that refs name directly (no commit).
const NO_COMMIT: u32 = u32::MAX;

/// Commits a thread takes at a time.
const COMMITS_PER_TAKE: usize = 8;

/// Lock shards for the shared maps (by the first byte of the object id).
const SHARDS: usize = 64;

struct Sharded<V> {
    shards: Vec<Mutex<HashMap<ObjectId, V>>>,
}

impl<V> Sharded<V> {
    fn new() -> Self {
        Sharded {
            shards: (0..SHARDS)
                .map(|_| Mutex::new(HashMap::default()))
                .collect(),
        }
    }

    fn with<R>(&self, id: &gix::oid, f: impl FnOnce(&mut HashMap<ObjectId, V>) -> R) -> R {
        let shard = id.as_bytes()[0] as usize % SHARDS;
        let mut map = self.shards[shard]
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut map)
    }

    fn into_values(self) -> impl Iterator<Item = (ObjectId, V)> {
        self.shards.into_iter().flat_map(|m| {
            m.into_inner()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .into_iter()
        })
    }
}

struct Shared<'a> {
    commits: &'a [CommitNode],
    /// Paths not to scan (the config's `exclude`); an excluded directory is not walked.
    exclude: &'a Excludes,
    /// Only paths in this folder (relative to the top, `/`-separated): a scan of a subfolder.
    within: Option<&'a str>,
    next: AtomicUsize,
    /// Tree id -> smallest position walked for.
    trees: Sharded<u32>,
    /// Blob id -> smallest (position, path).
    blobs: Sharded<(u32, BString)>,
}

/// Which paths of each tree are read: not the config's `exclude`, and only those in `within`
/// (a folder relative to the top) when a subfolder is scanned.
pub struct PathFilter<'a> {
    pub exclude: &'a Excludes,
    pub within: Option<&'a str>,
}

#[derive(Default)]
struct Found {
    warnings: Vec<String>,
    unreadable: Vec<String>,
}

impl Problems for Found {
    fn warn(&mut self, message: String) {
        self.warnings.push(message);
    }
    fn unreadable(&mut self, message: String) {
        self.unreadable.push(message);
    }
}

/// Every blob reachable from `commits` (in topological order), from `others` (trees or blobs
/// that refs name directly) and in `staged` (index entries), each once, sorted by first
/// position then path.
pub fn new_blobs(
    repo: &gix::ThreadSafeRepository,
    commits: &[CommitNode],
    others: &[(ObjectId, String)],
    staged: &[(ObjectId, String)],
    threads: usize,
    paths: PathFilter<'_>,
    problems: &mut dyn Problems,
) -> Vec<BlobTask> {
    let PathFilter { exclude, within } = paths;
    let shared = Shared {
        commits,
        exclude,
        within,
        next: AtomicUsize::new(0),
        trees: Sharded::new(),
        blobs: Sharded::new(),
    };
    let threads = threads.clamp(1, commits.len().div_ceil(COMMITS_PER_TAKE).max(1));
    let found: Vec<Found> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| scope.spawn(|| walk_commits(repo, &shared)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let local = repo.to_thread_local();
    let mut rest = Found::default();
    let mut buf = Vec::new();
    for (id, name) in others {
        match local.find_header(*id).map(|h| h.kind()) {
            // A blob a ref names directly is in no folder.
            Ok(gix::object::Kind::Blob) if within.is_some() => {}
            Ok(gix::object::Kind::Blob) => {
                offer_blob(&shared, id, NO_COMMIT, || name.as_str().into())
            }
            _ => walk_tree(&local, &shared, *id, NO_COMMIT, &mut buf, &mut rest),
        }
    }
    // Index entries are blobs; most are in some commit already, which keeps its place.
    for (id, path) in staged {
        if !shared.exclude.is_match(path.as_str()) && !outside(&shared, path.as_bytes(), false) {
            offer_blob(&shared, id, NO_COMMIT, || path.as_str().into());
        }
    }
    for f in found.into_iter().chain(std::iter::once(rest)) {
        f.warnings.into_iter().for_each(|w| problems.warn(w));
        f.unreadable
            .into_iter()
            .for_each(|w| problems.unreadable(w));
    }
    let mut tasks: Vec<BlobTask> = shared
        .blobs
        .into_values()
        .map(|(id, (order, path))| BlobTask {
            id,
            commit: (order != NO_COMMIT).then_some(order),
            path: path.to_str_lossy().into_owned(),
            previous: Vec::new(),
        })
        .collect();
    tasks.sort_by(|a, b| {
        (a.commit.unwrap_or(NO_COMMIT), &a.path).cmp(&(b.commit.unwrap_or(NO_COMMIT), &b.path))
    });
    tasks
}

fn walk_commits(repo: &gix::ThreadSafeRepository, shared: &Shared<'_>) -> Found {
    let local = repo.to_thread_local();
    let mut found = Found::default();
    let mut buf = Vec::new();
    loop {
        let start = shared.next.fetch_add(COMMITS_PER_TAKE, Ordering::Relaxed);
        if start >= shared.commits.len() {
            break;
        }
        let end = (start + COMMITS_PER_TAKE).min(shared.commits.len());
        for (order, commit) in shared.commits[start..end].iter().enumerate() {
            walk_tree(
                &local,
                shared,
                commit.tree,
                (start + order) as u32,
                &mut buf,
                &mut found,
            );
        }
    }
    found
}

/// Claims `tree` for position `order`: true if it was never walked, or only for later ones.
fn claim_tree(shared: &Shared<'_>, tree: &gix::oid, order: u32) -> bool {
    shared.trees.with(tree, |map| match map.get_mut(tree) {
        Some(seen) if *seen <= order => false,
        Some(seen) => {
            *seen = order;
            true
        }
        None => {
            map.insert(tree.to_owned(), order);
            true
        }
    })
}

fn tree_walked_before(shared: &Shared<'_>, tree: &gix::oid, order: u32) -> bool {
    shared
        .trees
        .with(tree, |map| map.get(tree).is_some_and(|seen| *seen <= order))
}

/// Records `blob` at (`order`, path) unless it is already known at an earlier place.
fn offer_blob(shared: &Shared<'_>, blob: &gix::oid, order: u32, path: impl FnOnce() -> BString) {
    shared.blobs.with(blob, |map| match map.get_mut(blob) {
        Some((seen, _)) if *seen < order => {}
        Some(place) => {
            let path = path();
            if (order, &path) < (place.0, &place.1) {
                *place = (order, path);
            }
        }
        None => {
            map.insert(blob.to_owned(), (order, path()));
        }
    })
}

fn walk_tree(
    repo: &gix::Repository,
    shared: &Shared<'_>,
    root: ObjectId,
    order: u32,
    buf: &mut Vec<u8>,
    problems: &mut dyn Problems,
) {
    // Explicit stack: a hostile, very deep tree cannot overflow the call stack.
    let mut stack: Vec<(ObjectId, BString)> = vec![(root, BString::default())];
    while let Some((tree, prefix)) = stack.pop() {
        if !claim_tree(shared, &tree, order) {
            continue;
        }
        let iter = match repo.objects.find_tree_iter(&tree, buf) {
            Ok(iter) => iter,
            Err(e) => {
                problems.unreadable(tree_problem(tree, &prefix, &one_line(&e)));
                continue;
            }
        };
        for entry in iter {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    problems.unreadable(tree_problem(tree, &prefix, &one_line(&e)));
                    break;
                }
            };
            if entry.mode.is_tree() {
                if !tree_walked_before(shared, entry.oid, order) {
                    let path = join(&prefix, entry.filename);
                    if !excluded(shared, &path) && !outside(shared, &path, true) {
                        stack.push((entry.oid.to_owned(), path));
                    }
                }
            } else if entry.mode.is_blob_or_symlink() {
                if (!shared.exclude.is_empty() || shared.within.is_some()) && {
                    let path = join(&prefix, entry.filename);
                    excluded(shared, &path) || outside(shared, &path, false)
                } {
                    continue;
                }
                offer_blob(shared, entry.oid, order, || join(&prefix, entry.filename));
            }
        }
    }
}

/// Whether `path` lies outside the folder a subfolder scan is limited to; a folder on the way
/// to it (`src` for `src/app`) is inside, so it is walked.
fn outside(shared: &Shared<'_>, path: &[u8], is_dir: bool) -> bool {
    let Some(within) = shared.within else {
        return false;
    };
    let within = within.as_bytes();
    let under = |outer: &[u8], inner: &[u8]| {
        inner.len() > outer.len() && inner.starts_with(outer) && inner[outer.len()] == b'/'
    };
    !(path == within || under(within, path) || (is_dir && under(path, within)))
}

fn excluded(shared: &Shared<'_>, path: &BString) -> bool {
    !shared.exclude.is_empty() && shared.exclude.is_match(path.to_str_lossy().as_ref())
}

fn tree_problem(tree: ObjectId, prefix: &BString, message: &str) -> String {
    let at = if prefix.is_empty() {
        "/".to_string()
    } else {
        prefix.to_str_lossy().into_owned()
    };
    format!("tree {tree} ({at}) cannot be read: {message}")
}
