//! Git history as a source: every blob reachable from every ref, each unique blob scanned once,
//! each finding attributed to the commit and path that introduced it; or only what a range of
//! commits added (`--range`, `--since`).
//!
//! Shaped as enumerate -> scan -> attribute, like the working tree: `enumerate` decides which
//! blobs to read and remembers where each first appeared, `scan` reads and matches them in
//! parallel in pack order, `attribute` turns blob findings into reportable findings with commit
//! metadata. Everything goes through gix; no `git` process, hook, filter or smudge ever runs.

mod attribute;
pub mod departure;
mod enumerate;
mod lines;
mod packed;
pub mod repo;
mod scan;
mod trees;

pub use crate::source::repo::{FETCH_HINT, GitError, GitRepo};

use crate::finding::{Finding, VcsInfo};
use crate::source::BlobMatcher;
use crate::source::repo::vcs_info;
use crate::source::worktree::Excludes;
use crate::stats::{HistoryStats, ScanStats, Shard};
use enumerate::Problems;
use gix::ObjectId;
use gix::hashtable::HashSet;
use gix::objs::Find;
use scan::BlobScan;
use std::path::Path;

pub use attribute::history_message;
pub(crate) use scan::BlobHit;

/// One blob to read, and where it first appeared.
#[derive(Debug, Clone)]
pub struct BlobTask {
    pub id: ObjectId,
    /// Position of the introducing commit in the walk's order (`None`: named by a ref directly,
    /// or staged).
    pub commit: Option<u32>,
    pub path: String,
    /// Versions of this path before the change (range and staged scans only).
    pub previous: Vec<ObjectId>,
}

/// What part of history to scan.
#[derive(Debug, Clone)]
pub enum Selection {
    /// Every blob reachable from the refs matching these patterns (all refs when empty).
    All { refs: Vec<String> },
    /// What the commits in `from..to` added.
    Range { from: String, to: String },
    /// What a `git push` sends (the pre-push hook): for each ref it updates, the commits
    /// `remote..local` added; for a new branch (or a remote commit this clone does not have),
    /// the commits no remote-tracking ref (`refs/remotes/*`) reaches. Deletions send nothing
    /// and are not listed.
    Push { updates: Vec<PushedRef> },
}

/// One ref a push updates, from the line git gives the pre-push hook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushedRef {
    /// The local ref as git names it (`refs/heads/topic`, or `HEAD~1` as typed), for messages.
    pub local_ref: String,
    /// The commit pushed: an object id from git's line, or a revision.
    pub local: String,
    /// What the remote has now; `None` when the push creates the ref.
    pub remote: Option<String>,
}

impl Selection {
    /// Parses `A..B` (`A..` means `A..HEAD`). Three-dot ranges are refused rather than guessed.
    pub fn range(spec: &str) -> Result<Selection, GitError> {
        let bad = || GitError::BadRange {
            spec: spec.to_string(),
        };
        if spec.contains("...") {
            return Err(bad());
        }
        let (from, to) = spec.split_once("..").ok_or_else(bad)?;
        if from.is_empty() {
            return Err(bad());
        }
        let to = if to.is_empty() { "HEAD" } else { to };
        Ok(Selection::Range {
            from: from.to_string(),
            to: to.to_string(),
        })
    }
}

/// How history blobs are read. Only tests and benchmarks ask for anything but the default
/// (the hidden `--history-deltas` flag): the findings are the same either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Deltas {
    /// Blobs in the repository's packs from their delta chains, each matched from what its
    /// delta changed.
    #[default]
    On,
    /// Every blob read by id and matched whole: the slow path the fast one is proven against.
    Off,
    /// As `On`, and the summary counts how each blob was read (`history.read_paths`).
    Stats,
}

/// How to scan (shared with `--staged`).
pub struct HistoryOptions<'a, M: BlobMatcher> {
    /// What each blob is handed to.
    pub matcher: &'a M,
    pub threads: usize,
    pub max_file_size: u64,
    /// Show a progress bar on stderr (the caller checks for a terminal and `--quiet`).
    pub progress: bool,
    /// Where the bar is drawn when the scan shows its phases (below them); `None`: alone.
    pub bars: Option<&'a indicatif::MultiProgress>,
    /// Paths (at each commit) not to scan: the config's `exclude`.
    pub exclude: &'a Excludes,
    /// A full-history scan of a subfolder: only paths in this folder (relative to the
    /// repository's top, `/`-separated), and no commit messages (they belong to no folder).
    pub within: Option<&'a str>,
    /// Which paths are real (non-template) env files, as the configuration names them: their
    /// first commits are reported in [`HistoryOutcome::env_paths`].
    pub is_env_file: &'a (dyn Fn(&str) -> bool + Sync),
    /// `--shard I/N`: read and match only the blobs (and commit and tag messages) whose id is
    /// this shard's. Everything else (the walk, which paths held env files, what `HEAD` holds)
    /// is still enumerated whole, so every shard sees the same history.
    pub shard: Option<Shard>,
    /// How blobs are read (tests and benchmarks only).
    pub deltas: Deltas,
}

/// A finding from history, with every blob it was found in at its path (so a working-tree
/// finding in one of those blobs can be recognised as the same one).
#[derive(Debug, Clone)]
pub struct HistoryFinding {
    pub finding: Finding,
    pub blobs: Vec<ObjectId>,
}

pub struct HistoryOutcome {
    pub findings: Vec<HistoryFinding>,
    pub stats: ScanStats,
    pub vcs: Option<VcsInfo>,
    /// Real (non-template) env files some commit held, for the env check's
    /// `env-committed-real-file`: a file deleted since is still in every clone.
    pub env_paths: Vec<CommittedPath>,
}

/// A path and the first commit (in topological order) that held a file there.
#[derive(Debug, Clone)]
pub struct CommittedPath {
    /// Relative to the repository's top, `/`-separated: the stable part of a fingerprint.
    pub path: String,
    /// As findings show it (the scan layer prefixes the root in multi-root scans).
    pub shown: String,
    pub commit: crate::finding::CommitInfo,
}

/// The dotenv-named paths among the blobs history found, each with its first commit. Read from
/// the blob list the scan builds anyway, so it costs no extra tree walk.
fn committed_env_paths(
    repo: &gix::Repository,
    commits: &[enumerate::CommitNode],
    tasks: &[BlobTask],
    is_env_file: &dyn Fn(&str) -> bool,
) -> Vec<CommittedPath> {
    let mut first: std::collections::BTreeMap<&str, u32> = std::collections::BTreeMap::new();
    for task in tasks {
        let Some(order) = task.commit else { continue };
        if is_env_file(&task.path) {
            let slot = first.entry(task.path.as_str()).or_insert(order);
            *slot = (*slot).min(order);
        }
    }
    first
        .into_iter()
        .filter_map(|(path, order)| {
            let node = commits.get(order as usize)?;
            Some(CommittedPath {
                path: path.to_string(),
                shown: path.to_string(),
                commit: attribute::commit_info(repo, node.id)?,
            })
        })
        .collect()
}

/// Warnings and unreadable objects go into the scan's counters.
struct Collect<'a> {
    stats: &'a mut ScanStats,
}

impl Problems for Collect<'_> {
    fn warn(&mut self, message: String) {
        self.stats.warn(message);
    }

    fn unreadable(&mut self, message: String) {
        self.stats.skipped.unreadable += 1;
        self.stats.warn(message);
    }
}

/// Scans history as `selection` says.
pub fn scan<M: BlobMatcher>(
    git: &GitRepo,
    selection: &Selection,
    options: &HistoryOptions<'_, M>,
) -> Result<HistoryOutcome, GitError> {
    match selection {
        Selection::All { refs } => scan_all(git, refs, options),
        Selection::Range { from, to } => scan_range(git, from, to, options),
        Selection::Push { updates } => scan_pushed(git, updates, options),
    }
}

fn shallow_warning(repo: &gix::Repository, stats: &mut ScanStats) -> Vec<ObjectId> {
    let shallow = repo::shallow_boundary(repo);
    if !shallow.is_empty() {
        stats.warn(format!(
            "shallow clone: history is truncated, commits older than the {} boundary commit(s) \
             were not fetched and were not scanned; {FETCH_HINT}",
            shallow.len()
        ));
    }
    shallow
}

fn scan_all<M: BlobMatcher>(
    git: &GitRepo,
    refs: &[String],
    options: &HistoryOptions<'_, M>,
) -> Result<HistoryOutcome, GitError> {
    let mut repo = git.repo.to_thread_local();
    let mut stats = ScanStats::default();
    let patterns = repo::ref_patterns(refs)?;
    let shallow = shallow_warning(&repo, &mut stats);
    let mut problems = Collect { stats: &mut stats };
    let tips = repo::tips(&repo, patterns.as_ref(), &mut problems);
    // A pattern that names nothing is a typo or a ref this clone lacks: scanning less than
    // was asked for must not pass.
    if let Some((pattern, _)) = refs
        .iter()
        .zip(&tips.patterns_matched)
        .find(|(_, matched)| !**matched)
    {
        return Err(GitError::NoRefMatches {
            pattern: pattern.clone(),
        });
    }
    let walk = enumerate::walk_all(&repo, &tips.commits, &shallow, &mut problems);
    let mut tasks = trees::new_blobs(
        &git.repo,
        &walk.commits,
        &tips.others,
        &tips.staged,
        options.threads,
        trees::PathFilter {
            exclude: options.exclude,
            within: options.within,
        },
        &mut problems,
    );
    // Blobs only an index holds: staged, never committed (the walk found no commit for them).
    let staged: HashSet<ObjectId> = tips.staged.iter().map(|(id, _)| *id).collect();
    let staged_only: HashSet<ObjectId> = tasks
        .iter()
        .filter(|t| t.commit.is_none() && staged.contains(&t.id))
        .map(|t| t.id)
        .collect();
    if options.within.is_none() {
        tasks.extend(message_tasks(&walk.commits, &tips.tags));
    }
    let head_blobs: Option<HashSet<ObjectId>> = repo
        .head_tree_id()
        .ok()
        .map(|tree| enumerate::blobs_in_tree(&repo, tree.detach(), &mut problems));
    // The blob workers have caches of their own; this one's memory is better freed.
    repo.objects.unset_pack_cache();
    // Which paths ever held an env file is decided from every blob, whichever shard reads it.
    let env_paths = committed_env_paths(&repo, &walk.commits, &tasks, options.is_env_file);
    if let Some(shard) = &options.shard {
        tasks.retain(|t| shard.owns_id(t.id.as_bytes()));
    }
    let (hits, scan_stats) = blob_scan(git, options, false).run(&tasks);
    stats.merge(scan_stats);
    let head_fingerprints: std::collections::HashSet<String> = hits
        .iter()
        .filter(|h| {
            head_blobs
                .as_ref()
                .is_some_and(|b| b.contains(&tasks[h.task].id))
        })
        .flat_map(|h| h.findings.iter().map(|f| f.fingerprint.clone()))
        .collect();
    let mut findings = attribute::attribute(&repo, &walk.commits, &tasks, hits, &mut |f, _| {
        head_blobs
            .is_some()
            .then(|| head_fingerprints.contains(&f.fingerprint))
    });
    for found in &mut findings {
        if found.blobs.iter().all(|b| staged_only.contains(b)) {
            let said = found.finding.in_head.map(attribute::history_message);
            found.finding.note(STAGED_ONLY_MESSAGE, said);
        }
    }
    describe_messages(&mut findings);
    let history = stats.history.get_or_insert_with(HistoryStats::default);
    history.mode = "full";
    history.within = options.within.map(str::to_string);
    history.commits = walk.commits.len() as u64;
    history.truncated = !shallow.is_empty();
    Ok(HistoryOutcome {
        findings,
        stats,
        vcs: vcs_info(&repo),
        env_paths,
    })
}

/// Where a finding in a commit message is located: this path, at the commit.
pub const COMMIT_MESSAGE_PATH: &str = "<commit message>";

/// Where a finding in an annotated tag's message is located (the tag has no commit).
fn tag_message_path(name: &str) -> String {
    format!("<tag message: {name}>")
}

const STAGED_ONLY_MESSAGE: &str = "Staged in the index but never committed: unstage it \
    (`git rm --cached`) and rotate the secret if it was ever shared.";

/// One task per commit message and per annotated tag message: the scan reads a commit or tag
/// task's message (see `scan::BlobScan`), located at the commit (or named by the tag's ref).
fn message_tasks<'a>(
    commits: &'a [enumerate::CommitNode],
    tags: &'a [(ObjectId, String)],
) -> impl Iterator<Item = BlobTask> + 'a {
    let commit_messages = commits.iter().enumerate().map(|(order, c)| BlobTask {
        id: c.id,
        commit: Some(order as u32),
        path: COMMIT_MESSAGE_PATH.to_string(),
        previous: Vec::new(),
    });
    let tag_messages = tags.iter().map(|(id, name)| BlobTask {
        id: *id,
        commit: None,
        path: tag_message_path(name),
        previous: Vec::new(),
    });
    commit_messages.chain(tag_messages)
}

/// A secret in a message is in history for good: it is never "in HEAD", and only rewriting
/// history removes it.
fn describe_messages(findings: &mut [HistoryFinding]) {
    for found in findings {
        let path = &found.finding.location.path;
        if path == COMMIT_MESSAGE_PATH || path.starts_with("<tag message: ") {
            let said = found.finding.in_head.map(attribute::history_message);
            found.finding.in_head = None;
            // Found in a message, not in a file's blob.
            found.finding.blob = None;
            found.finding.note(
                "In a commit or tag message, which every clone has: rotate the secret; \
                 only rewriting history removes it.",
                said,
            );
        }
    }
}

fn scan_range<M: BlobMatcher>(
    git: &GitRepo,
    from: &str,
    to: &str,
    options: &HistoryOptions<'_, M>,
) -> Result<HistoryOutcome, GitError> {
    let repo = git.repo.to_thread_local();
    let stats = ScanStats::default();
    let spec = format!("{from}..{to}");
    let shallow = repo::shallow_boundary(&repo);
    let from_id = repo::resolve_commit(&repo, from)?;
    let to_id = repo::resolve_commit(&repo, to)?;
    let walk = enumerate::walk_range(&repo, &[from_id], to_id, &shallow, &spec)?;
    range_outcome(git, &repo, walk, stats, "range", options)
}

/// What a push sends, one walk per updated ref (the range machinery with several hidden
/// tips), merged into one set of commits so a commit pushed to two refs is read once.
fn scan_pushed<M: BlobMatcher>(
    git: &GitRepo,
    updates: &[PushedRef],
    options: &HistoryOptions<'_, M>,
) -> Result<HistoryOutcome, GitError> {
    let repo = git.repo.to_thread_local();
    let mut stats = ScanStats::default();
    let shallow = repo::shallow_boundary(&repo);
    let mut remote_tips: Option<Vec<ObjectId>> = None;
    let mut commits: Vec<enumerate::CommitNode> = Vec::new();
    let mut seen: HashSet<ObjectId> = HashSet::default();
    for update in updates {
        let local = repo::resolve_commit(&repo, &update.local)?;
        let spec = match &update.remote {
            Some(remote) => format!("{remote}..{local} ({})", update.local_ref),
            None => format!("new ref {} at {local}", update.local_ref),
        };
        // A remote commit this clone lacks (someone pushed since the last fetch) cannot hide
        // anything: the push is then judged like a new branch, against every remote ref.
        let known = update
            .remote
            .as_deref()
            .and_then(|remote| repo::resolve_commit(&repo, remote).ok());
        let hidden = match known {
            Some(remote) => vec![remote],
            None => {
                if let Some(remote) = &update.remote {
                    stats.warn(format!(
                        "{}: the remote's commit {remote} is not in this clone; scanning every \
                         pushed commit that no remote-tracking ref holds",
                        update.local_ref
                    ));
                }
                remote_tips
                    .get_or_insert_with(|| {
                        repo::remote_tracking_tips(&repo, &mut |w| stats.warn(w))
                    })
                    .clone()
            }
        };
        let walk = enumerate::walk_range(&repo, &hidden, local, &shallow, &spec)?;
        commits.extend(walk.commits.into_iter().filter(|c| seen.insert(c.id)));
    }
    let walk = enumerate::CommitWalk::ordered(commits);
    range_outcome(git, &repo, walk, stats, "push", options)
}

/// Reads what the walked commits added (each against its parents, added lines only) and
/// attributes it: the shared tail of a range and a push.
fn range_outcome<M: BlobMatcher>(
    git: &GitRepo,
    repo: &gix::Repository,
    walk: enumerate::CommitWalk,
    mut stats: ScanStats,
    mode: &'static str,
    options: &HistoryOptions<'_, M>,
) -> Result<HistoryOutcome, GitError> {
    let mut problems = Collect { stats: &mut stats };
    let mut tasks = enumerate::changed_blobs(repo, &walk.commits, &mut problems);
    tasks.retain(|t| !options.exclude.is_match(&t.path));
    tasks.extend(message_tasks(&walk.commits, &[]));
    let (hits, scan_stats) = blob_scan(git, options, true).run(&tasks);
    stats.merge(scan_stats);
    let head_tree = repo.head_tree_id().ok().map(|t| t.detach());
    let mut scratch = M::Scratch::default();
    let mut findings = attribute::attribute(repo, &walk.commits, &tasks, hits, &mut |f, blobs| {
        head_tree.map(|tree| secret_in_tree_at(repo, tree, f, blobs, options, &mut scratch))
    });
    describe_messages(&mut findings);
    let env_paths = committed_env_paths(repo, &walk.commits, &tasks, options.is_env_file);
    let history = stats.history.get_or_insert_with(HistoryStats::default);
    history.mode = mode;
    history.commits = walk.commits.len() as u64;
    Ok(HistoryOutcome {
        findings,
        stats,
        vcs: vcs_info(repo),
        env_paths,
    })
}

/// Reads and matches `tasks` in parallel (shared with `--staged`).
pub(crate) fn scan_blobs<M: BlobMatcher>(
    git: &GitRepo,
    options: &HistoryOptions<'_, M>,
    added_lines_only: bool,
    tasks: &[BlobTask],
) -> (Vec<BlobHit>, ScanStats) {
    blob_scan(git, options, added_lines_only).run(tasks)
}

fn blob_scan<'a, M: BlobMatcher>(
    git: &'a GitRepo,
    options: &'a HistoryOptions<'_, M>,
    added_lines_only: bool,
) -> BlobScan<'a, M> {
    BlobScan {
        repo: &git.repo,
        matcher: options.matcher,
        max_file_size: options.max_file_size,
        threads: options.threads,
        progress: options.progress,
        bars: options.bars,
        added_lines_only,
        deltas: options.deltas,
    }
}

/// Whether `tree` holds the finding's secret at the finding's path: the same blob, or a later
/// version of the file that still contains it.
fn secret_in_tree_at<M: BlobMatcher>(
    repo: &gix::Repository,
    tree: ObjectId,
    finding: &Finding,
    blobs: &[ObjectId],
    options: &HistoryOptions<'_, M>,
    scratch: &mut M::Scratch,
) -> bool {
    // A finding inside an archive names the archive's path before a `!`.
    let path = &finding.location.path;
    let containers = path
        .match_indices(crate::source::archive::SEPARATOR)
        .map(|(at, _)| &path[..at]);
    let Some(id) = std::iter::once(path.as_str())
        .chain(containers)
        .find_map(|path| blob_at_path(repo, tree, path))
    else {
        return false;
    };
    if blobs.contains(&id) {
        return true;
    }
    let mut buf = Vec::new();
    let Ok(Some(data)) = repo.objects.try_find(&id, &mut buf) else {
        return false;
    };
    options
        .matcher
        .findings(
            data.data,
            &finding.location.path,
            scratch,
            &mut crate::stats::ScanStats::default(),
        )
        .iter()
        .any(|f| f.fingerprint == finding.fingerprint)
}

/// The blob at `path` in `tree`, if it is a file there.
pub(crate) fn blob_at_path(repo: &gix::Repository, tree: ObjectId, path: &str) -> Option<ObjectId> {
    let tree = repo.find_tree(tree).ok()?;
    let entry = tree.lookup_entry_by_path(Path::new(path)).ok()??;
    entry.mode().is_blob().then(|| entry.object_id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse_two_dot_forms_and_refuse_others() {
        match Selection::range("origin/main..HEAD").unwrap() {
            Selection::Range { from, to } => {
                assert_eq!((from.as_str(), to.as_str()), ("origin/main", "HEAD"))
            }
            other => panic!("{other:?}"),
        }
        match Selection::range("v1..").unwrap() {
            Selection::Range { to, .. } => assert_eq!(to, "HEAD"),
            other => panic!("{other:?}"),
        }
        assert!(Selection::range("a...b").is_err());
        assert!(Selection::range("..b").is_err());
        assert!(Selection::range("main").is_err());
    }
}
