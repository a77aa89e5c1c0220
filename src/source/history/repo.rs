//! Opening a repository and choosing where history starts: which refs are tips, whether the
//! clone is shallow, and what the run's version-control provenance is.
//!
//! Opening is isolated (no global or system git config, no environment) and read-only: the scan
//! reads objects and refs, and never runs hooks, filters, textconv or LFS smudge, whatever the
//! repository's configuration says.

use super::HistoryError;
use crate::finding::VcsInfo;
use gix::ObjectId;
use gix::bstr::ByteSlice;
use globset::{Glob, GlobSet, GlobSetBuilder};
use std::path::{Path, PathBuf};

/// An opened repository, shareable between threads.
pub struct GitRepo {
    pub repo: gix::ThreadSafeRepository,
    /// Where the repository was found (for messages).
    pub shown: String,
}

/// Where history starts: commits, plus trees and blobs that tags point at directly.
#[derive(Debug, Default)]
pub struct Tips {
    pub commits: Vec<ObjectId>,
    /// Trees or blobs named by a ref (rare: `git tag t <tree>`), scanned without a commit.
    pub others: Vec<(ObjectId, String)>,
    pub refs_considered: usize,
}

fn open_options() -> gix::open::Options {
    gix::open::Options::isolated()
}

/// Opens `path` only if it is itself a repository: a work tree whose `.git` is a directory or a
/// `gitdir:` file, or a bare repository. A plain directory (or a subdirectory of a work tree)
/// gives `Ok(None)`, so a scan of a non-git directory silently has no history; something that
/// looks like a repository but cannot be opened is an error for the caller to report.
pub fn open_at(path: &Path) -> Result<Option<GitRepo>, HistoryError> {
    if !path.is_dir() {
        return Ok(None);
    }
    let looks_like_repo = path.join(".git").exists()
        || (path.join("HEAD").is_file() && path.join("objects").is_dir());
    if !looks_like_repo {
        return Ok(None);
    }
    let repo = gix::ThreadSafeRepository::open_opts(path, open_options()).map_err(|e| {
        HistoryError::NotARepository {
            path: path.display().to_string(),
            message: one_line(&e),
        }
    })?;
    Ok(Some(GitRepo {
        repo,
        shown: path.display().to_string(),
    }))
}

/// Finds the repository containing `path` (for `--staged`, `--range`, `--git-only`).
pub fn discover(path: &Path) -> Result<GitRepo, HistoryError> {
    let start = if path.is_dir() {
        path.to_path_buf()
    } else {
        path.parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."))
    };
    if let Some(repo) = open_at(&start)? {
        return Ok(repo);
    }
    let repo = gix::ThreadSafeRepository::discover_opts(
        &start,
        Default::default(),
        gix::sec::trust::Mapping {
            full: open_options(),
            reduced: open_options(),
        },
    )
    .map_err(|e| HistoryError::NotARepository {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    Ok(GitRepo {
        repo,
        shown: path.display().to_string(),
    })
}

/// Compiles `--ref` patterns. Each matches the full ref name (`refs/heads/main`) or its short
/// name (`main`, `origin/main`, `v1.0`); `HEAD` matches the checked-out commit.
pub fn ref_patterns(patterns: &[String]) -> Result<Option<GlobSet>, HistoryError> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        let glob = Glob::new(pattern).map_err(|e| HistoryError::BadRefPattern {
            pattern: pattern.clone(),
            message: e.kind().to_string(),
        })?;
        builder.add(glob);
    }
    builder
        .build()
        .map(Some)
        .map_err(|e| HistoryError::BadRefPattern {
            pattern: patterns.join(", "),
            message: e.to_string(),
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
pub fn resolve_commit(repo: &gix::Repository, spec: &str) -> Result<ObjectId, HistoryError> {
    let id = repo
        .rev_parse_single(spec)
        .map_err(|e| HistoryError::UnknownRevision {
            spec: spec.to_string(),
            message: one_line(&e),
        })?;
    let object = id.object().map_err(|e| HistoryError::UnknownRevision {
        spec: spec.to_string(),
        message: one_line(&e),
    })?;
    let commit = object
        .peel_to_commit()
        .map_err(|e| HistoryError::UnknownRevision {
            spec: spec.to_string(),
            message: one_line(&e),
        })?;
    Ok(commit.id)
}

/// What SARIF's `versionControlProvenance` says about this run: the fetch remote (without any
/// credentials in it) or the repository's location, `HEAD`'s commit and branch.
pub fn vcs_info(repo: &gix::Repository) -> Option<VcsInfo> {
    let revision = repo.head_id().ok().map(|id| id.detach().to_string());
    let branch = repo
        .head_name()
        .ok()
        .flatten()
        .map(|name| name.shorten().to_str_lossy().into_owned());
    let remote_url = repo
        .find_default_remote(gix::remote::Direction::Fetch)
        .and_then(Result::ok)
        .and_then(|remote| remote.url(gix::remote::Direction::Fetch).cloned())
        .map(|mut url| {
            url.user = None;
            url.password = None;
            url.to_bstring().to_str_lossy().into_owned()
        });
    let repository_uri = match remote_url {
        Some(url) => url,
        None => {
            let place = repo.workdir().unwrap_or_else(|| repo.git_dir());
            let place = std::fs::canonicalize(place).unwrap_or_else(|_| place.to_path_buf());
            format!("file://{}", place.display())
        }
    };
    Some(VcsInfo {
        repository_uri,
        revision_id: revision,
        branch,
    })
}

/// gix errors can span lines; warnings are one line each.
pub fn one_line(e: &dyn std::fmt::Display) -> String {
    e.to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}
