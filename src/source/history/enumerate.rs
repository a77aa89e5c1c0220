//! Which blobs to scan, and where each first appeared.
//!
//! Commits are walked once and put in topological order (parents before children, older
//! first among independent commits). Full history then visits each commit's tree, skipping any
//! tree id already visited: a blob is recorded the first time it is met, so it is attributed to
//! the first commit in that order that holds it. Every ancestor of that commit comes earlier
//! and did not hold the blob, so that commit introduced it (a merge commit included, when the
//! blob is in neither parent). A range instead diffs each commit's tree against all its
//! parents and keeps blobs that differ from every parent at that path, with those parents'
//! versions, so only added lines are reported.
//!
//! Objects that cannot be read are warnings with their id; the walk goes on without them.

use super::{BlobTask, GitError};
use crate::text::one_line;
use gix::ObjectId;
use gix::bstr::{BString, ByteSlice, ByteVec};
use gix::hashtable::HashSet;
use gix::objs::FindExt;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

/// One commit of the walk.
#[derive(Debug, Clone)]
pub struct CommitNode {
    pub id: ObjectId,
    pub tree: ObjectId,
    pub parents: Vec<ObjectId>,
    pub time: i64,
}

/// What a commit walk found, in topological order.
#[derive(Debug, Default)]
pub struct CommitWalk {
    pub commits: Vec<CommitNode>,
}

/// Receives warnings and counts objects that could not be read.
pub trait Problems {
    fn warn(&mut self, message: String);
    fn unreadable(&mut self, message: String);
}

/// Why a commit could not be read (a missing or corrupt object), shown on one line.
pub(super) type ObjectError = Box<dyn std::error::Error + Send + Sync>;

pub(super) fn read_commit(
    repo: &gix::Repository,
    id: ObjectId,
    buf: &mut Vec<u8>,
) -> Result<CommitNode, ObjectError> {
    let commit = repo.objects.find_commit(&id, buf)?;
    let time = commit.committer().map(|s| s.seconds()).unwrap_or(0);
    Ok(CommitNode {
        id,
        tree: commit.tree(),
        parents: commit.parents().collect(),
        time,
    })
}

/// Walks every commit reachable from `tips`, stopping at the shallow boundary.
pub fn walk_all(
    repo: &gix::Repository,
    tips: &[ObjectId],
    shallow: &[ObjectId],
    problems: &mut dyn Problems,
) -> CommitWalk {
    let mut seen: HashSet<ObjectId> = HashSet::default();
    let mut nodes = Vec::new();
    let mut stack: Vec<(ObjectId, Option<ObjectId>)> = tips.iter().map(|t| (*t, None)).collect();
    let mut buf = Vec::new();
    while let Some((id, child)) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        match read_commit(repo, id, &mut buf) {
            Ok(node) => {
                if shallow.binary_search(&id).is_err() {
                    stack.extend(node.parents.iter().map(|p| (*p, Some(id))));
                }
                nodes.push(node);
            }
            Err(e) => {
                let message = one_line(&e);
                let what = match child {
                    Some(child) => format!("commit {id} (parent of {child})"),
                    None => format!("commit {id}"),
                };
                problems.unreadable(format!(
                    "{what} cannot be read, history behind it is not scanned: {message}"
                ));
            }
        }
    }
    CommitWalk {
        commits: topological(nodes),
    }
}

/// Commits reachable from `to` but from none of `from` (`from..to`), as `git log from..to` lists
/// them. A range that runs into the shallow boundary, or into a commit that is not there, is
/// an error: its result would look clean while missing commits.
pub fn walk_range(
    repo: &gix::Repository,
    from: &[ObjectId],
    to: ObjectId,
    shallow: &[ObjectId],
    spec: &str,
) -> Result<CommitWalk, GitError> {
    let incomplete = |message: String| GitError::IncompleteRange {
        spec: spec.to_string(),
        message,
    };
    let walk = repo
        .rev_walk([to])
        .with_hidden(from.iter().copied())
        .all()
        .map_err(|e| incomplete(one_line(&e)))?;
    let mut nodes = Vec::new();
    let mut buf = Vec::new();
    for info in walk {
        let info = info.map_err(|e| incomplete(one_line(&e)))?;
        if shallow.binary_search(&info.id).is_ok() {
            return Err(incomplete(format!(
                "commit {} is at the shallow boundary: its parents were not fetched",
                info.id
            )));
        }
        let node = read_commit(repo, info.id, &mut buf).map_err(|e| incomplete(one_line(&e)))?;
        for parent in &node.parents {
            if !repo.has_object(parent) {
                return Err(incomplete(format!(
                    "commit {parent} (parent of {}) is not in this clone",
                    node.id
                )));
            }
        }
        nodes.push(node);
    }
    Ok(CommitWalk {
        commits: topological(nodes),
    })
}

impl CommitWalk {
    /// The walk of `commits` gathered by several walks, put in topological order.
    pub fn ordered(commits: Vec<CommitNode>) -> CommitWalk {
        CommitWalk {
            commits: topological(commits),
        }
    }
}

/// Kahn's algorithm over the walked commits: a commit comes after all its walked parents;
/// among commits ready at the same time, the oldest (committer time) first.
fn topological(nodes: Vec<CommitNode>) -> Vec<CommitNode> {
    let index: HashMap<ObjectId, usize> =
        nodes.iter().enumerate().map(|(i, n)| (n.id, i)).collect();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    let mut pending: Vec<usize> = vec![0; nodes.len()];
    for (i, node) in nodes.iter().enumerate() {
        let mut parents: Vec<usize> = node
            .parents
            .iter()
            .filter_map(|p| index.get(p).copied())
            .collect();
        parents.sort_unstable();
        parents.dedup();
        pending[i] = parents.len();
        for p in parents {
            children[p].push(i);
        }
    }
    let mut ready: BinaryHeap<Reverse<(i64, usize)>> = pending
        .iter()
        .enumerate()
        .filter(|(_, n)| **n == 0)
        .map(|(i, _)| Reverse((nodes[i].time, i)))
        .collect();
    let mut order = Vec::with_capacity(nodes.len());
    while let Some(Reverse((_, i))) = ready.pop() {
        order.push(i);
        for &c in &children[i] {
            pending[c] -= 1;
            if pending[c] == 0 {
                ready.push(Reverse((nodes[c].time, c)));
            }
        }
    }
    let mut slots: Vec<Option<CommitNode>> = nodes.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

/// One entry of a decoded tree, owned so the decode buffer can be reused.
struct Entry {
    name: BString,
    id: ObjectId,
    kind: EntryKind,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum EntryKind {
    Tree,
    /// A regular or executable file.
    File,
    /// Symlinks (their blob is a path, not content) and submodule commits.
    Other,
}

fn read_tree(
    repo: &gix::Repository,
    id: &ObjectId,
    buf: &mut Vec<u8>,
) -> Result<Vec<Entry>, String> {
    let tree = repo
        .objects
        .find_tree_iter(id, buf)
        .map_err(|e| one_line(&e))?;
    let mut entries = Vec::new();
    for entry in tree {
        let entry = entry.map_err(|e| one_line(&e))?;
        let kind = if entry.mode.is_tree() {
            EntryKind::Tree
        } else if entry.mode.is_blob_or_symlink() {
            EntryKind::File
        } else {
            EntryKind::Other
        };
        entries.push(Entry {
            name: entry.filename.to_owned(),
            id: entry.oid.to_owned(),
            kind,
        });
    }
    Ok(entries)
}

pub(super) fn join(prefix: &BString, name: &gix::bstr::BStr) -> BString {
    let mut path = prefix.clone();
    if !path.is_empty() {
        path.push(b'/');
    }
    path.push_str(name);
    path
}

/// The blob ids of every file in one tree (for `in_head`).
pub fn blobs_in_tree(
    repo: &gix::Repository,
    root: ObjectId,
    problems: &mut dyn Problems,
) -> HashSet<ObjectId> {
    let mut blobs = HashSet::default();
    let mut seen = HashSet::default();
    let mut stack = vec![root];
    let mut buf = Vec::new();
    while let Some(tree) = stack.pop() {
        if !seen.insert(tree) {
            continue;
        }
        match read_tree(repo, &tree, &mut buf) {
            Ok(entries) => {
                for entry in entries {
                    match entry.kind {
                        EntryKind::Tree => stack.push(entry.id),
                        EntryKind::File => {
                            blobs.insert(entry.id);
                        }
                        EntryKind::Other => {}
                    }
                }
            }
            Err(message) => problems.warn(format!("tree {tree} in HEAD cannot be read: {message}")),
        }
    }
    blobs
}

/// A range: for each commit (oldest first), the files whose blob differs from every parent's
/// version at the same path, each blob once, with the parents' versions for line filtering.
pub fn changed_blobs(
    repo: &gix::Repository,
    commits: &[CommitNode],
    problems: &mut dyn Problems,
) -> Vec<BlobTask> {
    let mut differ = TreeDiffer::new(repo);
    for (order, commit) in commits.iter().enumerate() {
        let mut parent_roots = Vec::new();
        for parent in &commit.parents {
            match differ.tree_of_commit(parent) {
                Ok(tree) => parent_roots.push(tree),
                Err(e) => problems.unreadable(format!(
                    "commit {parent} (parent of {}) cannot be read: {}",
                    commit.id,
                    one_line(&e)
                )),
            }
        }
        differ.diff(commit.tree, parent_roots, order as u32, problems);
    }
    differ.tasks
}

/// Finds the blobs of a tree that differ from other trees at the same path, each blob once
/// over all the trees it is given.
pub(super) struct TreeDiffer<'r> {
    repo: &'r gix::Repository,
    seen_blobs: HashSet<ObjectId>,
    tasks: Vec<BlobTask>,
    buf: Vec<u8>,
    parent_trees: HashMap<ObjectId, ObjectId>,
}

impl<'r> TreeDiffer<'r> {
    pub(super) fn new(repo: &'r gix::Repository) -> TreeDiffer<'r> {
        TreeDiffer {
            repo,
            seen_blobs: HashSet::default(),
            tasks: Vec::new(),
            buf: Vec::new(),
            parent_trees: HashMap::new(),
        }
    }

    /// The blobs `tree` holds at a path where none of `others` holds the same blob, leaving
    /// out blobs an earlier call already returned (their path is where they were met first).
    pub(super) fn blobs_not_in(
        &mut self,
        tree: ObjectId,
        others: Vec<ObjectId>,
        problems: &mut dyn Problems,
    ) -> Vec<BlobTask> {
        self.diff(tree, others, 0, problems);
        std::mem::take(&mut self.tasks)
    }
}

impl TreeDiffer<'_> {
    fn tree_of_commit(&mut self, commit: &ObjectId) -> Result<ObjectId, ObjectError> {
        if let Some(tree) = self.parent_trees.get(commit) {
            return Ok(*tree);
        }
        let tree = read_commit(self.repo, *commit, &mut self.buf)?.tree;
        self.parent_trees.insert(*commit, tree);
        Ok(tree)
    }

    fn diff(
        &mut self,
        root: ObjectId,
        parents: Vec<ObjectId>,
        order: u32,
        problems: &mut dyn Problems,
    ) {
        // (tree in the commit, the parents' trees at the same path, path)
        let mut stack: Vec<(ObjectId, Vec<ObjectId>, BString)> =
            vec![(root, parents, BString::default())];
        while let Some((tree, parent_trees, prefix)) = stack.pop() {
            if parent_trees.contains(&tree) {
                continue;
            }
            let entries = match read_tree(self.repo, &tree, &mut self.buf) {
                Ok(e) => e,
                Err(message) => {
                    problems.unreadable(format!("tree {tree} cannot be read: {message}"));
                    continue;
                }
            };
            let mut parent_entries: Vec<HashMap<BString, (ObjectId, EntryKind)>> = Vec::new();
            for parent in &parent_trees {
                match read_tree(self.repo, parent, &mut self.buf) {
                    Ok(list) => parent_entries
                        .push(list.into_iter().map(|e| (e.name, (e.id, e.kind))).collect()),
                    Err(message) => {
                        problems.unreadable(format!("tree {parent} cannot be read: {message}"))
                    }
                }
            }
            for entry in entries {
                let before: Vec<(ObjectId, EntryKind)> = parent_entries
                    .iter()
                    .filter_map(|p| p.get(&entry.name).copied())
                    .collect();
                if before.iter().any(|(id, _)| *id == entry.id) {
                    continue; // unchanged against at least one parent: nothing new here
                }
                let path = join(&prefix, entry.name.as_ref());
                match entry.kind {
                    EntryKind::Tree => {
                        let subtrees = before
                            .iter()
                            .filter(|(_, k)| *k == EntryKind::Tree)
                            .map(|(id, _)| *id)
                            .collect();
                        stack.push((entry.id, subtrees, path));
                    }
                    EntryKind::File => {
                        if self.seen_blobs.insert(entry.id) {
                            let previous = before
                                .iter()
                                .filter(|(_, k)| *k == EntryKind::File)
                                .map(|(id, _)| *id)
                                .collect();
                            self.tasks.push(BlobTask {
                                id: entry.id,
                                commit: Some(order),
                                path: path.to_str_lossy().into_owned(),
                                previous,
                            });
                        }
                    }
                    EntryKind::Other => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(n: u8, parents: &[u8], time: i64) -> CommitNode {
        let id = |b: u8| ObjectId::from_bytes_or_panic(&[b; 20]);
        CommitNode {
            id: id(n),
            tree: id(0),
            parents: parents.iter().map(|p| id(*p)).collect(),
            time,
        }
    }

    #[test]
    fn parents_come_before_children_even_with_skewed_clocks() {
        // 3 is a merge of 1 and 2; 2's clock is earlier than its parent 1's.
        let nodes = vec![
            node(3, &[1, 2], 30),
            node(2, &[1], 5),
            node(1, &[], 10),
            node(4, &[], 1),
        ];
        let order: Vec<u8> = topological(nodes)
            .iter()
            .map(|n| n.id.as_bytes()[0])
            .collect();
        assert_eq!(order, vec![4, 1, 2, 3]);
    }
}
