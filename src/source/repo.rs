//! The one way leakgate opens a git repository, for every step that reads git: history,
//! staged changes, the env check's "is it committed" view and the pull request's base-commit
//! configuration. Everything reads through the [`GitRepo`] opened here.
//!
//! Opening is isolated (no global or system git config, no environment) and read-only: the scan
//! reads objects, refs and the index, and never runs hooks, filters, textconv or LFS smudge,
//! whatever the repository's configuration says.

use crate::finding::VcsInfo;
use gix::bstr::ByteSlice;
use std::path::{Path, PathBuf};

/// What to tell a user whose clone lacks history.
pub const FETCH_HINT: &str = "fetch the full history with `git fetch --unshallow` \
    (GitHub Actions: `actions/checkout` with `fetch-depth: 0`)";

/// gix has one error type per operation; they are kept as the source, whatever their type.
pub type BoxedError = Box<dyn std::error::Error + Send + Sync>;

/// What can go wrong opening or reading a repository; each message says what to do. The
/// underlying gix error is kept as the source (`text::error_chain` prints the whole chain).
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("{path}: not a git repository")]
    NotARepository {
        path: String,
        #[source]
        source: BoxedError,
    },
    #[error("bad --ref pattern `{pattern}`")]
    BadRefPattern {
        pattern: String,
        #[source]
        source: globset::Error,
    },
    #[error(
        "--ref `{pattern}` matches no reference (see `git for-each-ref`; a clone may lack \
         branches and tags: fetch them first)"
    )]
    NoRefMatches { pattern: String },
    #[error("revision `{spec}` not found (if this is a shallow clone, {FETCH_HINT})")]
    UnknownRevision {
        spec: String,
        #[source]
        source: BoxedError,
    },
    #[error("range `{spec}` cannot be scanned completely: {message}; {FETCH_HINT}")]
    IncompleteRange { spec: String, message: String },
    #[error("bad range `{spec}`: expected A..B (for example origin/main..HEAD)")]
    BadRange { spec: String },
    #[error("{shown}: --staged needs a work tree, and this is a bare repository")]
    Bare { shown: String },
    #[error("{path}: outside the repository's work tree ({work_tree}); name files inside it")]
    OutsideWorkTree { path: String, work_tree: String },
    #[error("{shown}: cannot read the index")]
    Index {
        shown: String,
        #[source]
        source: BoxedError,
    },
    #[error("cannot read `{path}` at {rev}")]
    FileAtCommit {
        rev: String,
        path: String,
        #[source]
        source: BoxedError,
    },
    #[error(
        "{link}: points at a repository elsewhere ({target}), not at a linked worktree or \
         submodule of this one; refusing to scan it (to scan that repository's history, name its \
         git directory; --no-git scans the files alone)"
    )]
    ForeignGitDir { link: String, target: String },
    #[error(transparent)]
    Exclude(#[from] crate::source::worktree::WalkError),
}

/// An opened repository, shareable between threads.
pub struct GitRepo {
    pub repo: gix::ThreadSafeRepository,
    /// Where the repository was found (for messages).
    pub shown: String,
}

/// Isolated, and objects as stored: `git replace` (refs/replace/*) would otherwise substitute
/// one commit for another during the walk and hide the original's blobs. The replacements are
/// refs like any other, so they are scanned as well.
fn open_options() -> gix::open::Options {
    gix::open::Options::isolated().config_overrides(["core.useReplaceRefs=false"])
}

/// Opens `path` only if it is itself a repository: a work tree whose `.git` is a directory or a
/// `gitdir:` file, or a bare repository. A plain directory (or a subdirectory of a work tree)
/// gives `Ok(None)`, so a scan of a non-git directory silently has no history; something that
/// looks like a repository but cannot be opened is an error for the caller to report.
pub fn open_at(path: &Path) -> Result<Option<GitRepo>, GitError> {
    if !path.is_dir() {
        return Ok(None);
    }
    let looks_like_repo = path.join(".git").exists()
        || (path.join("HEAD").is_file() && path.join("objects").is_dir());
    if !looks_like_repo {
        return Ok(None);
    }
    let repo = gix::ThreadSafeRepository::open_opts(path, open_options()).map_err(|e| {
        GitError::NotARepository {
            path: path.display().to_string(),
            source: Box::new(e),
        }
    })?;
    check_git_link(&repo)?;
    Ok(Some(GitRepo {
        repo,
        shown: path.display().to_string(),
    }))
}

/// Opens the git directory a hook was given in `GIT_DIR` (a linked worktree's is
/// `.git/worktrees/<name>`), isolated like every other open: only the location comes from git's
/// environment, nothing else of it.
pub fn open_git_dir(git_dir: &Path) -> Result<GitRepo, GitError> {
    let repo = gix::ThreadSafeRepository::open_opts(git_dir, open_options()).map_err(|e| {
        GitError::NotARepository {
            path: git_dir.display().to_string(),
            source: Box::new(e),
        }
    })?;
    Ok(GitRepo {
        repo,
        shown: git_dir.display().to_string(),
    })
}

/// Refuses a work tree whose `.git` is a file or symbolic link leading to an unrelated
/// repository. A `gitdir:` file is legitimate in a linked worktree (the repository's
/// `worktrees/<name>/gitdir` names this `.git` file back) and in a submodule (the module's
/// `core.worktree` names this folder); a symbolic link must stay inside the work tree.
/// Anything else would make the scan report another repository's history, perhaps one on the
/// CI runner that the scanned files have no business reading.
fn check_git_link(repo: &gix::ThreadSafeRepository) -> Result<(), GitError> {
    let Some(workdir) = repo.work_dir() else {
        return Ok(());
    };
    let link = workdir.join(".git");
    let Ok(meta) = std::fs::symlink_metadata(&link) else {
        return Ok(()); // opened through an explicit git dir or from a bare repository
    };
    if meta.is_dir() {
        return Ok(());
    }
    let canonical = |p: &Path| std::fs::canonicalize(p).ok();
    let git_dir = canonical(repo.git_dir());
    let related = if meta.file_type().is_symlink() {
        match (&git_dir, canonical(workdir)) {
            (Some(target), Some(root)) => target.starts_with(root),
            _ => false,
        }
    } else {
        let names_back = |file: &Path| {
            std::fs::read_to_string(file)
                .ok()
                .map(|text| PathBuf::from(text.trim_end_matches(['\n', '\r'])))
                .map(|p| {
                    if p.is_relative() {
                        repo.git_dir().join(p)
                    } else {
                        p
                    }
                })
                .and_then(|p| canonical(&p))
        };
        let worktree_back = names_back(&repo.git_dir().join("gitdir"));
        let submodule_root = gix::config::File::from_path_no_includes(
            repo.git_dir().join("config"),
            gix::config::Source::Local,
        )
        .ok()
        .and_then(|config| {
            let worktree = config.string("core.worktree")?;
            let worktree = gix::path::from_bstr(worktree).ok()?.into_owned();
            Some(repo.git_dir().join(worktree))
        })
        .and_then(|p| canonical(&p));
        (worktree_back.is_some() && worktree_back == canonical(&link))
            || (submodule_root.is_some() && submodule_root == canonical(workdir))
    };
    if related {
        Ok(())
    } else {
        Err(GitError::ForeignGitDir {
            link: link.display().to_string(),
            target: repo.git_dir().display().to_string(),
        })
    }
}

/// Finds the repository containing `path` (for `--staged`, `--range`, `--git-only`).
pub fn discover(path: &Path) -> Result<GitRepo, GitError> {
    let start = start_dir(path);
    if let Some(repo) = open_at(&start)? {
        return Ok(repo);
    }
    let repo = discover_upwards(&start).map_err(|e| GitError::NotARepository {
        path: path.display().to_string(),
        source: Box::new(e),
    })?;
    check_git_link(&repo)?;
    Ok(GitRepo {
        repo,
        shown: path.display().to_string(),
    })
}

/// The folder to search from: `path` itself, or the folder of a file.
fn start_dir(path: &Path) -> PathBuf {
    if path.is_dir() {
        path.to_path_buf()
    } else {
        path.parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."))
    }
}

/// The repository `start` is in, searching upwards, opened isolated.
fn discover_upwards(start: &Path) -> Result<gix::ThreadSafeRepository, gix::Error> {
    gix::ThreadSafeRepository::discover_opts(
        start,
        Default::default(),
        gix::sec::trust::Mapping {
            full: open_options(),
            reduced: open_options(),
        },
    )
}

/// Finds the repository containing `path`, like [`discover`], but a path in no repository (or
/// only in a bare one, which has no work tree to compare with) is `Ok(None)` rather than an
/// error: the env check still runs there, it just cannot say what is committed.
pub fn find(path: &Path) -> Result<Option<GitRepo>, GitError> {
    match discover_upwards(&start_dir(path)) {
        Ok(repo) => {
            check_git_link(&repo)?;
            Ok(Some(GitRepo {
                repo,
                shown: path.display().to_string(),
            }))
        }
        Err(e) if is_not_a_repository(&e) => Ok(None),
        Err(e) => Err(GitError::NotARepository {
            path: path.display().to_string(),
            source: Box::new(e),
        }),
    }
}

fn is_not_a_repository(err: &gix::Error) -> bool {
    use gix::discover::upwards::Error as Upwards;
    matches!(
        err.downcast_any_ref::<Upwards>(),
        Some(
            Upwards::NoGitRepository { .. }
                | Upwards::NoGitRepositoryWithinCeiling { .. }
                | Upwards::NoGitRepositoryWithinFs { .. }
        )
    )
}

impl GitRepo {
    /// The bytes of `path` as committed in `rev`; `Ok(None)` when that commit has no such file.
    /// Used to take a pull request's configuration from its base commit.
    pub fn file_at_commit(&self, rev: &str, path: &str) -> Result<Option<Vec<u8>>, GitError> {
        let failed = |e: BoxedError| GitError::FileAtCommit {
            rev: rev.to_string(),
            path: path.to_string(),
            source: e,
        };
        let repo = self.repo.to_thread_local();
        let id = repo
            .rev_parse_single(rev)
            .map_err(|e| failed(Box::new(e)))?;
        let tree = id
            .object()
            .map_err(|e| failed(Box::new(e)))?
            .peel_to_tree()
            .map_err(|e| failed(Box::new(e)))?;
        let Some(entry) = tree
            .lookup_entry_by_path(path)
            .map_err(|e| failed(Box::new(e)))?
        else {
            return Ok(None);
        };
        let object = entry.object().map_err(|e| failed(Box::new(e)))?;
        Ok(Some(object.detach().data))
    }

    /// Where `path` (a folder inside this repository's work tree) is, relative to the top of
    /// the work tree, `/`-separated; `None` for the top itself, a bare repository, or a path
    /// that cannot be placed (a symlink out of the tree).
    pub fn folder_within(&self, path: &Path) -> Option<String> {
        let top = self.repo.work_dir()?.canonicalize().ok()?;
        let inner = path.canonicalize().ok()?;
        let relative = inner.strip_prefix(&top).ok()?;
        let text = crate::text::slash_path(relative);
        (!text.is_empty()).then_some(text)
    }

    /// Whether this is a shallow clone (history cut at a boundary); unknown counts as shallow.
    pub fn is_shallow(&self) -> bool {
        self.repo.to_thread_local().is_shallow().unwrap_or(true)
    }

    /// Whether `rev` names a commit present here (a shallow clone may lack a push's `before` or
    /// a pull request's base).
    pub fn has_commit(&self, rev: &str) -> bool {
        let repo = self.repo.to_thread_local();
        repo.rev_parse_single(rev)
            .ok()
            .and_then(|id| id.object().ok())
            .and_then(|o| o.peel_to_commit().ok())
            .is_some()
    }
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
