//! Choosing where history starts: which refs are tips, whether the clone is shallow, and which
//! commit a revision names. Opening the repository is [`crate::source::repo`]'s job.

use super::GitError;
use super::enumerate::Problems;
use crate::text::one_line;
use gix::ObjectId;
use gix::bstr::ByteSlice;
use globset::{Glob, GlobSet, GlobSetBuilder};

/// Where history starts: commits, plus trees and blobs that tags point at directly, the
/// annotated tags whose messages are read, and the blobs that only the indexes hold.
#[derive(Debug, Default)]
pub struct Tips {
    pub commits: Vec<ObjectId>,
    /// Trees or blobs named by a ref (rare: `git tag t <tree>`), scanned without a commit.
    pub others: Vec<(ObjectId, String)>,
    /// Annotated tag objects (each of a chain of tags) and the ref that names them.
    pub tags: Vec<(ObjectId, String)>,
    /// Files in the index of the main work tree and of every linked worktree (staged, perhaps
    /// never committed), with their paths.
    pub staged: Vec<(ObjectId, String)>,
    pub refs_considered: usize,
    /// For each `--ref` pattern (in order), whether some ref matched it.
    pub patterns_matched: Vec<bool>,
}

/// Compiles `--ref` patterns. Each matches the full ref name (`refs/heads/main`) or its short
/// name (`main`, `origin/main`, `v1.0`); `HEAD` matches the checked-out commit.
pub fn ref_patterns(patterns: &[String]) -> Result<Option<GlobSet>, GitError> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        let glob = Glob::new(pattern).map_err(|e| GitError::BadRefPattern {
            pattern: pattern.clone(),
            source: e,
        })?;
        builder.add(glob);
    }
    builder
        .build()
        .map(Some)
        .map_err(|e| GitError::BadRefPattern {
            pattern: patterns.join(", "),
            source: e,
        })
}

/// Every ref (branches, remote branches, tags, replacements, notes), every stash entry (the
/// stash's reflog, not only its newest), `HEAD` and every linked worktree's `HEAD`, peeled to
/// the object each names, filtered by `patterns`; with no patterns, also the blobs of every
/// index. A ref, reflog or index that cannot be read makes the scan incomplete (what it names
/// might hold a secret), but the walk goes on with the rest.
pub fn tips(
    repo: &gix::Repository,
    patterns: Option<&GlobSet>,
    problems: &mut dyn Problems,
) -> Tips {
    let mut tips = Tips::default();
    let mut matched = vec![false; patterns.map_or(0, GlobSet::len)];
    let mut wanted = |full: &str, short: &str| match patterns {
        None => true,
        Some(set) => {
            let mut hit = false;
            for i in set.matches(full).into_iter().chain(set.matches(short)) {
                matched[i] = true;
                hit = true;
            }
            hit
        }
    };
    if wanted("HEAD", "HEAD") {
        head_tip(repo, "HEAD", &mut tips, problems);
    }
    let platform = match repo.references() {
        Ok(p) => p,
        Err(e) => {
            problems.unreadable(format!("cannot list references: {}", one_line(&e)));
            return tips;
        }
    };
    let iter = match platform.all() {
        Ok(i) => i,
        Err(e) => {
            problems.unreadable(format!("cannot list references: {}", one_line(&e)));
            return tips;
        }
    };
    for reference in iter {
        let mut reference = match reference {
            Ok(r) => r,
            Err(e) => {
                problems.unreadable(format!(
                    "a reference cannot be read, history behind it is not scanned: {}",
                    one_line(&e)
                ));
                continue;
            }
        };
        let full = reference.name().as_bstr().to_str_lossy().into_owned();
        let short = reference.name().shorten().to_str_lossy().into_owned();
        if !wanted(&full, &short) {
            continue;
        }
        tips.refs_considered += 1;
        if let Some(target) = reference.target().try_id().map(ToOwned::to_owned) {
            tag_chain(repo, target, &short, &mut tips, problems);
        }
        if full == "refs/stash" {
            stash_entries(&reference, &mut tips, problems);
        }
        match reference.peel_to_id() {
            Ok(id) => add_tip(repo, &mut tips, id.detach(), &full, problems),
            Err(e) => problems.unreadable(format!(
                "{full}: cannot be resolved, history behind it is not scanned: {}",
                one_line(&e)
            )),
        }
    }
    if patterns.is_none() {
        linked_worktrees(repo, &mut tips, problems);
        index_blobs(repo, "the index", &mut tips, problems);
        // Scanned from a linked worktree: the main work tree's HEAD and index count too.
        if let Ok(main) = repo.main_repo()
            && main.git_dir() != repo.git_dir()
        {
            head_tip(&main, "the main worktree's HEAD", &mut tips, problems);
            index_blobs(&main, "the main worktree's index", &mut tips, problems);
        }
    }
    tips.patterns_matched = matched;
    tips.commits.sort();
    tips.commits.dedup();
    tips.others.sort();
    tips.others.dedup_by(|a, b| a.0 == b.0);
    tips.tags.sort();
    tips.tags.dedup_by(|a, b| a.0 == b.0);
    tips
}

/// The commit a `HEAD` names, if any (an unborn branch has none).
fn head_tip(repo: &gix::Repository, name: &str, tips: &mut Tips, problems: &mut dyn Problems) {
    match repo.head() {
        Ok(mut head) => match head.try_peel_to_id() {
            Ok(Some(id)) => add_tip(repo, tips, id.detach(), name, problems),
            Ok(None) => {} // unborn branch: nothing committed yet
            Err(e) => problems.unreadable(format!(
                "{name}: cannot be resolved, history behind it is not scanned: {}",
                one_line(&e)
            )),
        },
        Err(e) => problems.unreadable(format!(
            "{name}: cannot be read, history behind it is not scanned: {}",
            one_line(&e)
        )),
    }
}

/// Annotated tags are objects with a message of their own: each one a ref leads through
/// (a tag of a tag included) is recorded so its message is scanned.
fn tag_chain(
    repo: &gix::Repository,
    mut id: ObjectId,
    name: &str,
    tips: &mut Tips,
    problems: &mut dyn Problems,
) {
    // A chain of tags is short in practice; the bound keeps a hostile cycle-free chain cheap.
    for _ in 0..MAX_TAG_CHAIN {
        let Ok(header) = repo.find_header(id) else {
            return; // a missing object is reported when the ref is peeled
        };
        if header.kind() != gix::object::Kind::Tag {
            return;
        }
        tips.tags.push((id, name.to_string()));
        match repo
            .find_object(id)
            .map(|o| o.try_into_tag().map(|t| t.target_id()))
        {
            Ok(Ok(Ok(target))) => id = target.detach(),
            _ => {
                problems.unreadable(format!("{name}: tag {id} cannot be decoded"));
                return;
            }
        }
    }
}

const MAX_TAG_CHAIN: usize = 64;

/// Every entry of the stash's reflog: `git stash` keeps older entries only there.
fn stash_entries(reference: &gix::Reference<'_>, tips: &mut Tips, problems: &mut dyn Problems) {
    let mut platform = reference.log_iter();
    let lines = match platform.all() {
        Ok(Some(lines)) => lines,
        Ok(None) => return,
        Err(e) => {
            problems.unreadable(format!(
                "refs/stash: the stash list cannot be read, older stash entries are not \
                 scanned: {}",
                one_line(&e)
            ));
            return;
        }
    };
    for line in lines {
        match line {
            Ok(line) => {
                let id = line.new_oid();
                if !id.is_null() {
                    tips.commits.push(id);
                }
            }
            Err(e) => problems.unreadable(format!(
                "refs/stash: a stash entry cannot be read, not scanned: {}",
                one_line(&e)
            )),
        }
    }
}

/// Linked worktrees (`git worktree add`) have a `HEAD` and an index of their own: a detached
/// `HEAD` there can be the only way to reach its commits.
fn linked_worktrees(repo: &gix::Repository, tips: &mut Tips, problems: &mut dyn Problems) {
    let proxies = match repo.worktrees() {
        Ok(p) => p,
        Err(e) => {
            problems.unreadable(format!(
                "linked worktrees cannot be listed, their HEADs are not scanned: {}",
                one_line(&e)
            ));
            return;
        }
    };
    for proxy in proxies {
        let name = format!(
            "worktree {}",
            proxy
                .id()
                .map(|id| id.to_str_lossy().into_owned())
                .unwrap_or_default()
        );
        match proxy.into_repo_with_possibly_inaccessible_worktree() {
            Ok(linked) => {
                head_tip(&linked, &format!("{name} HEAD"), tips, problems);
                index_blobs(&linked, &format!("the index of {name}"), tips, problems);
            }
            Err(e) => problems.unreadable(format!(
                "{name}: cannot be opened, its HEAD and index are not scanned: {}",
                one_line(&e)
            )),
        }
    }
}

/// The files of one index (a `git add` writes the blob before any commit holds it).
fn index_blobs(repo: &gix::Repository, what: &str, tips: &mut Tips, problems: &mut dyn Problems) {
    if !repo.index_path().is_file() {
        return;
    }
    let index = match repo.open_index() {
        Ok(index) => index,
        Err(e) => {
            problems.unreadable(format!(
                "{what} cannot be read, staged files are not scanned: {}",
                one_line(&e)
            ));
            return;
        }
    };
    for entry in index.entries() {
        if matches!(
            entry.mode,
            gix::index::entry::Mode::FILE | gix::index::entry::Mode::FILE_EXECUTABLE
        ) && !entry
            .flags
            .contains(gix::index::entry::Flags::INTENT_TO_ADD)
        {
            let path = entry.path(&index).to_str_lossy().into_owned();
            tips.staged.push((entry.id, path));
        }
    }
}

fn add_tip(
    repo: &gix::Repository,
    tips: &mut Tips,
    id: ObjectId,
    name: &str,
    problems: &mut dyn Problems,
) {
    match repo.find_header(id) {
        Ok(header) => match header.kind() {
            gix::object::Kind::Commit => tips.commits.push(id),
            gix::object::Kind::Tree | gix::object::Kind::Blob => {
                tips.others.push((id, name.to_string()))
            }
            gix::object::Kind::Tag => {} // peeling stops at a tag only if it is broken
        },
        Err(e) => problems.unreadable(format!(
            "{name}: object {id} cannot be read, history behind it is not scanned: {}",
            one_line(&e)
        )),
    }
}

/// The commits at the shallow boundary (their parents were not fetched), sorted.
pub fn shallow_boundary(repo: &gix::Repository) -> Vec<ObjectId> {
    match repo.shallow_commits() {
        Ok(Some(commits)) => {
            let mut v: Vec<ObjectId> = commits.iter().copied().collect();
            v.sort();
            v
        }
        _ => Vec::new(),
    }
}

/// Resolves a revision (`main`, `origin/main`, a commit id, `HEAD~3`) to a commit.
pub fn resolve_commit(repo: &gix::Repository, spec: &str) -> Result<ObjectId, GitError> {
    let id = repo
        .rev_parse_single(spec)
        .map_err(|e| GitError::UnknownRevision {
            spec: spec.to_string(),
            source: Box::new(e),
        })?;
    let object = id.object().map_err(|e| GitError::UnknownRevision {
        spec: spec.to_string(),
        source: Box::new(e),
    })?;
    let commit = object
        .peel_to_commit()
        .map_err(|e| GitError::UnknownRevision {
            spec: spec.to_string(),
            source: Box::new(e),
        })?;
    Ok(commit.id)
}

/// The commits every remote-tracking ref (`refs/remotes/*`, of any remote) points at: what the
/// remotes are known to hold. A ref that cannot be read is a warning and hides nothing, so the
/// push is judged against less, never more.
pub fn remote_tracking_tips(repo: &gix::Repository, warn: &mut dyn FnMut(String)) -> Vec<ObjectId> {
    let mut tips = Vec::new();
    let platform = match repo.references() {
        Ok(p) => p,
        Err(e) => {
            warn(format!("cannot list references: {}", one_line(&e)));
            return tips;
        }
    };
    let iter = match platform.prefixed("refs/remotes/") {
        Ok(i) => i,
        Err(e) => {
            warn(format!(
                "cannot list remote-tracking refs: {}",
                one_line(&e)
            ));
            return tips;
        }
    };
    for reference in iter {
        let mut reference = match reference {
            Ok(r) => r,
            Err(e) => {
                warn(format!(
                    "a remote-tracking ref cannot be read, it hides nothing: {}",
                    one_line(&e)
                ));
                continue;
            }
        };
        let name = reference.name().as_bstr().to_str_lossy().into_owned();
        match reference.peel_to_commit() {
            Ok(commit) => tips.push(commit.id),
            Err(e) => warn(format!(
                "{name}: cannot be resolved to a commit, it hides nothing: {}",
                one_line(&e)
            )),
        }
    }
    tips.sort();
    tips.dedup();
    tips
}
