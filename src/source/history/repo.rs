//! Choosing where history starts: which refs are tips, whether the clone is shallow, and which
//! commit a revision names. Opening the repository is [`crate::source::repo`]'s job.

use super::GitError;
use crate::text::one_line;
use gix::ObjectId;
use gix::bstr::ByteSlice;
use globset::{Glob, GlobSet, GlobSetBuilder};

/// Where history starts: commits, plus trees and blobs that tags point at directly.
#[derive(Debug, Default)]
pub struct Tips {
    pub commits: Vec<ObjectId>,
    /// Trees or blobs named by a ref (rare: `git tag t <tree>`), scanned without a commit.
    pub others: Vec<(ObjectId, String)>,
    pub refs_considered: usize,
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

/// Every ref (branches, remote branches, tags, stash, notes) and `HEAD`, peeled to the object
/// it names, filtered by `patterns`. Unreadable refs are warnings, never an abort.
pub fn tips(
    repo: &gix::Repository,
    patterns: Option<&GlobSet>,
    warn: &mut dyn FnMut(String),
) -> Tips {
    let mut tips = Tips::default();
    let wanted = |full: &str, short: &str| match patterns {
        None => true,
        Some(set) => set.is_match(full) || set.is_match(short),
    };
    match repo.head() {
        Ok(mut head) if wanted("HEAD", "HEAD") => match head.try_peel_to_id() {
            Ok(Some(id)) => add_tip(repo, &mut tips, id.detach(), "HEAD", warn),
            Ok(None) => {} // unborn branch: nothing committed yet
            Err(e) => warn(format!(
                "HEAD: cannot be resolved, skipped: {}",
                one_line(&e)
            )),
        },
        Ok(_) => {}
        Err(e) => warn(format!("HEAD: cannot be read, skipped: {}", one_line(&e))),
    }
    let platform = match repo.references() {
        Ok(p) => p,
        Err(e) => {
            warn(format!("cannot list references: {}", one_line(&e)));
            return tips;
        }
    };
    let iter = match platform.all() {
        Ok(i) => i,
        Err(e) => {
            warn(format!("cannot list references: {}", one_line(&e)));
            return tips;
        }
    };
    for reference in iter {
        let mut reference = match reference {
            Ok(r) => r,
            Err(e) => {
                warn(format!(
                    "a reference cannot be read, skipped: {}",
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
        match reference.peel_to_id() {
            Ok(id) => add_tip(repo, &mut tips, id.detach(), &full, warn),
            Err(e) => warn(format!(
                "{full}: cannot be resolved, skipped: {}",
                one_line(&e)
            )),
        }
    }
    tips.commits.sort();
    tips.commits.dedup();
    tips.others.sort();
    tips.others.dedup_by(|a, b| a.0 == b.0);
    tips
}

fn add_tip(
    repo: &gix::Repository,
    tips: &mut Tips,
    id: ObjectId,
    name: &str,
    warn: &mut dyn FnMut(String),
) {
    match repo.find_header(id) {
        Ok(header) => match header.kind() {
            gix::object::Kind::Commit => tips.commits.push(id),
            gix::object::Kind::Tree | gix::object::Kind::Blob => {
                tips.others.push((id, name.to_string()))
            }
            gix::object::Kind::Tag => {} // peeling stops at a tag only if it is broken
        },
        Err(e) => warn(format!(
            "{name}: object {id} cannot be read, skipped: {}",
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
