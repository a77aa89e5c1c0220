//! Full history's blob list: every blob reachable from the walked commits, each once, with the
//! first commit (in topological order) and path that hold it. Trees are walked by several
//! threads at once, because inflating tens of thousands of deltified trees one at a time is
//! the longest serial step of a history scan.
//!
//! Each commit's tree is compared with its parents' trees at the same path: an entry equal to
//! one parent's (same name, same id) is not looked at again, since that parent comes earlier in
//! the order and holds the same blob at the same path, so it can never be the first place. Only
//! what a commit changed reaches the shared maps. Each tree id also records the smallest commit
//! position it was walked for, and is walked again only for a smaller one; each blob keeps the
//! smallest (position, path). The result is exactly what a serial walk of every whole tree in
//! order gives (the minimum over all commits that hold the blob, ties inside one commit broken
//! as the depth-first walk meets them), whatever the threads' timing: at the first commit
//! holding a blob, no parent holds it, so nothing leading to it is skipped.
//!
//! Trees are read out of the packs by `packed::TreeReader`, which keeps the trees it rebuilt so
//! the next tree of a delta chain is one delta away (gix re-inflated most of each chain for
//! every tree); loose trees and whatever it cannot follow are read through gix. Threads take
//! commits newest first: a pack stores an older tree as a delta of a newer one, and a commit's
//! parents' trees, read to compare with, are the trees the next commit walks.

use super::BlobTask;
use super::enumerate::{CommitNode, Problems, join};
use super::packed::{Packs, TreeReader};
use crate::source::worktree::Excludes;
use crate::text::one_line;
use gix::ObjectId;
use gix::bstr::{BString, ByteSlice};
use gix::hashtable::HashMap;
use gix::objs::FindExt;
use std::rc::Rc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Position used for trees and blobs that refs name directly (no commit).
const NO_COMMIT: u32 = u32::MAX;

/// Commits a thread takes at a time.
const COMMITS_PER_TAKE: usize = 64;

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
    /// Commit id -> position in `commits`, to find each commit's parents' trees.
    position: HashMap<ObjectId, u32>,
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
        position: commits
            .iter()
            .enumerate()
            .map(|(at, c)| (c.id, at as u32))
            .collect(),
        exclude,
        within,
        next: AtomicUsize::new(0),
        trees: Sharded::new(),
        blobs: Sharded::new(),
    };
    let threads = threads.clamp(1, commits.len().div_ceil(COMMITS_PER_TAKE).max(1));
    let packs = Packs::open(repo.objects.path());
    let found: Vec<Found> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| scope.spawn(|| walk_commits(repo, &shared, &packs)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let local = repo.to_thread_local();
    let mut rest = Found::default();
    let mut cache = TreeSource::new(Some(&packs));
    for (id, name) in others {
        match local.find_header(*id).map(|h| h.kind()) {
            // A blob a ref names directly is in no folder.
            Ok(gix::object::Kind::Blob) if within.is_some() => {}
            Ok(gix::object::Kind::Blob) => {
                offer_blob(&shared, id, NO_COMMIT, || name.as_str().into())
            }
            _ => walk_tree(
                &local,
                &shared,
                *id,
                Vec::new(),
                NO_COMMIT,
                &mut cache,
                &mut rest,
            ),
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
    tasks_of(shared.blobs)
}

/// The blobs found, sorted by first position then path.
fn tasks_of(blobs: Sharded<(u32, BString)>) -> Vec<BlobTask> {
    let mut tasks: Vec<BlobTask> = blobs
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

fn walk_commits(repo: &gix::ThreadSafeRepository, shared: &Shared<'_>, packs: &Packs) -> Found {
    let local = repo.to_thread_local();
    let mut found = Found::default();
    let mut cache = TreeSource::new(Some(packs));
    let n = shared.commits.len();
    loop {
        let taken = shared.next.fetch_add(COMMITS_PER_TAKE, Ordering::Relaxed);
        if taken >= n {
            break;
        }
        // Newest first: positions `n - 1 - taken` down to `n - taken - COMMITS_PER_TAKE`.
        let high = n - taken;
        let low = high.saturating_sub(COMMITS_PER_TAKE);
        for order in (low..high).rev() {
            let commit = &shared.commits[order];
            let parents: Vec<ObjectId> = commit
                .parents
                .iter()
                .filter_map(|p| shared.position.get(p))
                .map(|&at| shared.commits[at as usize].tree)
                .collect();
            walk_tree(
                &local,
                shared,
                commit.tree,
                parents,
                order as u32,
                &mut cache,
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

/// Walks the tree `root` of the commit at position `order` (`parents`: the trees of its
/// walked parents, all earlier in the order), offering every blob it holds that no parent
/// holds at the same path.
fn walk_tree(
    repo: &gix::Repository,
    shared: &Shared<'_>,
    root: ObjectId,
    parents: Vec<ObjectId>,
    order: u32,
    cache: &mut TreeSource<'_>,
    problems: &mut dyn Problems,
) {
    // Explicit stack: a hostile, very deep tree cannot overflow the call stack. Each entry
    // carries the parents' trees at the same path.
    let mut stack: Vec<(ObjectId, Vec<ObjectId>, BString)> =
        vec![(root, parents, BString::default())];
    while let Some((tree, parents, prefix)) = stack.pop() {
        // The same tree in a parent: everything in it is offered there, at an earlier place.
        if parents.contains(&tree) || !claim_tree(shared, &tree, order) {
            continue;
        }
        let data = match cache.get(repo, &tree) {
            Ok(data) => data,
            Err(e) => {
                problems.unreadable(tree_problem(tree, &prefix, &e));
                continue;
            }
        };
        // A parent's tree that cannot be read only means nothing is skipped against it (its
        // own commit reports it).
        let parent_data: Vec<Rc<[u8]>> = parents
            .iter()
            .filter_map(|p| cache.get(repo, p).ok())
            .collect();
        let mut before: Vec<Before<'_>> = parent_data
            .iter()
            .map(|d| Before::new(d, repo.object_hash()))
            .collect();
        for entry in gix::objs::TreeRefIter::from_bytes(&data, repo.object_hash()) {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    problems.unreadable(tree_problem(tree, &prefix, &one_line(&e)));
                    break;
                }
            };
            let is_tree = entry.mode.is_tree();
            let mut same_path = before
                .iter_mut()
                .filter_map(|b| b.at(entry.filename, is_tree));
            if is_tree {
                let mut subtrees = Vec::new();
                let mut unchanged = false;
                for (id, mode) in same_path.by_ref() {
                    if mode.is_tree() {
                        unchanged |= id == entry.oid;
                        subtrees.push(id.to_owned());
                    }
                }
                if unchanged {
                    continue;
                }
                if !tree_walked_before(shared, entry.oid, order) {
                    let path = join(&prefix, entry.filename);
                    if !excluded(shared, &path) && !outside(shared, &path, true) {
                        stack.push((entry.oid.to_owned(), subtrees, path));
                    }
                }
            } else if entry.mode.is_blob_or_symlink() {
                if same_path.any(|(id, mode)| id == entry.oid && mode.is_blob_or_symlink()) {
                    continue;
                }
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

/// A parent's tree, read alongside the commit's tree at the same path: both are sorted the
/// way git sorts tree entries, so one pass over each finds the entry of the same name.
struct Before<'a> {
    entries: std::iter::Peekable<gix::objs::TreeRefIter<'a>>,
}

impl<'a> Before<'a> {
    fn new(data: &'a [u8], hash: gix::hash::Kind) -> Before<'a> {
        Before {
            entries: gix::objs::TreeRefIter::from_bytes(data, hash).peekable(),
        }
    }

    /// The parent's entry named `name` (a folder when `is_tree`), if it has one. Entries are
    /// asked for in git's order; a tree that is not sorted (or cannot be decoded) only makes
    /// an entry look new, which walks more, never less.
    fn at(
        &mut self,
        name: &gix::bstr::BStr,
        is_tree: bool,
    ) -> Option<(&'a gix::oid, gix::objs::tree::EntryMode)> {
        loop {
            let Some(Ok(next)) = self.entries.peek() else {
                return None;
            };
            match git_order(next.filename, next.mode.is_tree(), name, is_tree) {
                std::cmp::Ordering::Less => {
                    self.entries.next();
                }
                std::cmp::Ordering::Equal => {
                    let (id, mode) = (next.oid, next.mode);
                    self.entries.next();
                    return Some((id, mode));
                }
                std::cmp::Ordering::Greater => return None,
            }
        }
    }
}

/// Git's order of tree entries: by name, a folder's name compared as if it ended in `/`.
fn git_order(a: &[u8], a_tree: bool, b: &[u8], b_tree: bool) -> std::cmp::Ordering {
    let n = a.len().min(b.len());
    a[..n].cmp(&b[..n]).then_with(|| {
        let end =
            |name: &[u8], tree: bool| name.get(n).copied().unwrap_or(if tree { b'/' } else { 0 });
        end(a, a_tree).cmp(&end(b, b_tree))
    })
}

/// Where a walking thread reads trees: from the packs through [`TreeReader`] (each delta
/// applied to a tree kept from before), else through gix (loose trees, alternates, whatever
/// the reader cannot follow, and every tree in the tests' reference walk).
struct TreeSource<'a> {
    reader: Option<TreeReader<'a>>,
    buf: Vec<u8>,
}

impl<'a> TreeSource<'a> {
    fn new(packs: Option<&'a Packs>) -> TreeSource<'a> {
        TreeSource {
            reader: packs.map(TreeReader::new),
            buf: Vec::new(),
        }
    }

    fn get(&mut self, repo: &gix::Repository, id: &ObjectId) -> Result<Rc<[u8]>, String> {
        if let Some(tree) = self.reader.as_mut().and_then(|r| r.tree(id)) {
            return Ok(tree);
        }
        let object = repo
            .objects
            .find(id, &mut self.buf)
            .map_err(|e| one_line(&e))?;
        if object.kind == gix::object::Kind::Tree {
            return Ok(Rc::from(object.data));
        }
        // gix says what is wrong with it.
        let kind = object.kind;
        Err(match repo.objects.find_tree_iter(id, &mut self.buf) {
            Err(e) => one_line(&e),
            Ok(_) => format!("object is a {kind}, not a tree"),
        })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::fixture::git;
    use proptest::prelude::*;
    use std::io::Write;
    use std::path::Path;

    /// What the walk did before it compared trees with parents: every commit's whole tree,
    /// one thread, oldest first (only tree ids already walked for an earlier or the same
    /// commit are skipped). The walk that skips what parents hold must give exactly this.
    fn whole_trees(repo: &gix::ThreadSafeRepository, commits: &[CommitNode]) -> Vec<BlobTask> {
        let exclude = Excludes::default();
        let shared = Shared {
            commits,
            position: HashMap::default(),
            exclude: &exclude,
            within: None,
            next: AtomicUsize::new(0),
            trees: Sharded::new(),
            blobs: Sharded::new(),
        };
        let local = repo.to_thread_local();
        // Every tree through gix: the reference shares no code with the pack reader.
        let (mut cache, mut found) = (TreeSource::new(None), Found::default());
        for (order, commit) in commits.iter().enumerate() {
            let (root, order) = (commit.tree, order as u32);
            walk_tree(
                &local,
                &shared,
                root,
                Vec::new(),
                order,
                &mut cache,
                &mut found,
            );
        }
        assert!(found.unreadable.is_empty(), "{:?}", found.unreadable);
        tasks_of(shared.blobs)
    }

    fn parallel(
        repo: &gix::ThreadSafeRepository,
        commits: &[CommitNode],
        threads: usize,
    ) -> Vec<BlobTask> {
        let exclude = Excludes::default();
        let filter = PathFilter {
            exclude: &exclude,
            within: None,
        };
        let mut found = Found::default();
        let tasks = new_blobs(repo, commits, &[], &[], threads, filter, &mut found);
        assert!(found.unreadable.is_empty(), "{:?}", found.unreadable);
        tasks
    }

    fn places(tasks: &[BlobTask]) -> Vec<(ObjectId, Option<u32>, String)> {
        tasks
            .iter()
            .map(|t| (t.id, t.commit, t.path.clone()))
            .collect()
    }

    /// One step of a generated history.
    #[derive(Debug, Clone)]
    enum Step {
        /// Write file `path` (an index into [`PATHS`]) with content `content`.
        Set(usize, u8),
        Delete(usize),
        /// Copy every file under `a/` to `b/` (the same subtree at two paths).
        CopyAToB,
        /// Commit the current files on branch `branch` (a new branch starts at the last
        /// commit, or with no parent when `orphan`), merging branch `merge`'s tip if it has one.
        Commit {
            branch: usize,
            merge: Option<usize>,
            orphan: bool,
            clock: i8,
        },
    }

    /// Paths chosen so that subtrees repeat: `a/` and `b/` often hold the same files, and
    /// `a/c/` the same as `b/c/` or `d/`.
    const PATHS: [&str; 9] = [
        "x", "a/x", "a/y", "a/c/x", "b/x", "b/y", "b/c/x", "d/x", "d/c/x",
    ];

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            4 => (0..PATHS.len(), 0u8..3).prop_map(|(p, c)| Step::Set(p, c)),
            1 => (0..PATHS.len()).prop_map(Step::Delete),
            1 => Just(Step::CopyAToB),
            3 => (0usize..3, proptest::option::of(0usize..3), proptest::bool::weighted(0.1), -5i8..5)
                .prop_map(|(branch, merge, orphan, clock)| Step::Commit { branch, merge, orphan, clock }),
        ]
    }

    /// Builds the history with `git fast-import`: one commit per `Commit` step, each listing
    /// every current file.
    fn import(dir: &Path, steps: &[Step]) -> usize {
        git(dir, &["init", "-q", "-b", "b0"]);
        let mut files: std::collections::BTreeMap<&str, u8> = Default::default();
        let mut tips: [Option<usize>; 3] = [None; 3];
        let (mut mark, mut last, mut time) = (0usize, None, 1_700_000_000i64);
        let mut stream = Vec::new();
        for step in steps {
            match step {
                Step::Set(p, c) => {
                    files.insert(PATHS[*p], *c);
                }
                Step::Delete(p) => {
                    files.remove(PATHS[*p]);
                }
                Step::CopyAToB => {
                    let under_a: Vec<(String, u8)> = files
                        .iter()
                        .filter_map(|(p, c)| Some((format!("b/{}", p.strip_prefix("a/")?), *c)))
                        .collect();
                    for (p, c) in under_a {
                        if let Some(at) = PATHS.iter().position(|q| *q == p) {
                            files.insert(PATHS[at], c);
                        }
                    }
                }
                Step::Commit {
                    branch,
                    merge,
                    orphan,
                    clock,
                } => {
                    mark += 1;
                    time += i64::from(*clock) * 100 + 60;
                    let w = &mut stream;
                    if *orphan {
                        // A force-pushed ref: the branch starts over with no parent.
                        writeln!(w, "reset refs/heads/b{branch}").expect("write");
                    }
                    writeln!(w, "commit refs/heads/b{branch}\nmark :{mark}").expect("write");
                    writeln!(w, "committer T <t@example.com> {time} +0000").expect("write");
                    writeln!(w, "data 1\nm").expect("write");
                    let from = match orphan {
                        true => None,
                        false => tips[*branch].or(last),
                    };
                    if let Some(from) = from {
                        writeln!(w, "from :{from}").expect("write");
                        let other = merge.and_then(|m| tips[m]).filter(|&m| m != from);
                        if let Some(other) = other {
                            writeln!(w, "merge :{other}").expect("write");
                        }
                    }
                    writeln!(w, "deleteall").expect("write");
                    for (path, content) in &files {
                        let text = format!("content {content}\n");
                        writeln!(w, "M 100644 inline {path}\ndata {}\n{text}", text.len())
                            .expect("write");
                    }
                    tips[*branch] = Some(mark);
                    last = Some(mark);
                }
            }
        }
        crate::source::fixture::fast_import(dir, &stream);
        mark
    }

    fn history(dir: &Path) -> (gix::ThreadSafeRepository, Vec<CommitNode>) {
        let repo = gix::open(dir).expect("repository opens");
        let mut found = Found::default();
        let tips = super::super::repo::tips(&repo, None, &mut found);
        let walk = super::super::enumerate::walk_all(&repo, &tips.commits, &[], &mut found);
        (repo.into_sync(), walk.commits)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        /// Skipping what a parent holds at the same path, newest first, on two and three
        /// threads, gives every blob the same first commit and path as walking every whole tree
        /// oldest first; also when the oldest commits are left out, as at a shallow boundary
        /// (their children's parents are then not walked).
        #[test]
        fn skipping_what_parents_hold_finds_the_same_first_places(
            steps in proptest::collection::vec(step(), 1..60),
            cut in 0usize..6,
            repack in proptest::bool::ANY,
        ) {
            let dir = tempfile::tempdir().expect("temp dir");
            if import(dir.path(), &steps) == 0 {
                return Ok(());
            }
            if repack {
                // Deep chains in every direction git picks, for the pack's tree reader.
                crate::source::fixture::repack_deep(dir.path());
            }
            let (repo, commits) = history(dir.path());
            let expected = places(&whole_trees(&repo, &commits));
            for threads in [1, 2, 3] {
                prop_assert_eq!(&places(&parallel(&repo, &commits, threads)), &expected);
            }
            let shallow = &commits[cut.min(commits.len())..];
            let expected = places(&whole_trees(&repo, shallow));
            prop_assert_eq!(&places(&parallel(&repo, shallow, 2)), &expected);
        }
    }

    #[test]
    fn git_order_sorts_folders_as_if_their_names_ended_in_a_slash() {
        use std::cmp::Ordering::*;
        assert_eq!(git_order(b"a", false, b"a", false), Equal);
        assert_eq!(git_order(b"a", true, b"a", true), Equal);
        // "a.c" < "a/" (as a folder) but "a" (a file) < "a.c".
        assert_eq!(git_order(b"a.c", false, b"a", true), Less);
        assert_eq!(git_order(b"a", false, b"a.c", false), Less);
        assert_eq!(git_order(b"a", false, b"a", true), Less);
        assert_eq!(git_order(b"ab", false, b"a", true), Greater);
    }
}
