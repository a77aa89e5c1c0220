//! Git's ignore rules as the one walk applies them, entry by entry, instead of letting the
//! `ignore` crate's walker drop ignored entries unseen: the walk must see ignored env files and
//! build output too, and say of every entry whether it is ignored.
//!
//! Two verdicts per entry, because two questions are asked of it:
//!
//! - [`Ignored::by_scan`]: by the rules the working-tree scan honours (`.gitignore` files and
//!   `.git/info/exclude`, never `.ignore`): the scan reads what these do not ignore;
//! - [`Ignored::by_gitignore`]: by `.gitignore` files alone, which protect everyone who clones
//!   the repository (an env file only `.git/info/exclude` hides is one `git add -A` from a
//!   commit).
//!
//! Each verdict is exactly the `ignore` crate's (version 0.4) for the walks it replaces
//! (`worktree::ignore_aware_builder` and `.gitignore` files alone, both with `parents(true)`
//! and `require_git(false)`), using the crate's own `.gitignore` matcher ([`Gitignore`]): the
//! folder's rules first, then its parents' up to the file system root (the root's ancestors
//! matched with the absolute path, as the crate does), the first that matches deciding; an
//! ignored folder hides everything below it. The property test in `worktree.rs` holds the two
//! equal on generated trees.

use ignore::Match;
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use std::fs::FileType;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What git's ignore rules say of one entry (see the module doc).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ignored {
    /// By `.gitignore` files or `.git/info/exclude`: the working-tree scan passes over it
    /// (unless git tracks it).
    pub by_scan: bool,
    /// By `.gitignore` files alone.
    pub by_gitignore: bool,
}

/// The rules of one folder, linked to its parent's.
pub(super) struct Frame {
    parent: Option<Arc<Frame>>,
    gitignore: Option<Gitignore>,
    exclude: Option<Gitignore>,
    /// An ancestor of the scanned root: matched with the absolute path.
    absolute: bool,
    /// Whether this frame or one above has any rule (matching is skipped when none has).
    any_rules: bool,
    any_absolute_rules: bool,
}

/// How a scanned root is named, for matching against its ancestors' rules.
pub(super) struct RootPaths {
    /// As walked (the crate's `DirEntry` paths start with it).
    walked: PathBuf,
    /// Canonical, when it could be made so (the crate drops the ancestors' rules otherwise).
    absolute: Option<PathBuf>,
}

impl Frame {
    /// The frames of every ancestor of `root` (canonicalised) and of `root` itself, whose
    /// listing says whether it holds `.gitignore` and `.git`.
    pub(super) fn for_root(root: &Path, listing: &Listing) -> (Arc<Frame>, RootPaths) {
        let absolute = root.canonicalize().ok();
        let mut frame: Option<Arc<Frame>> = None;
        if let Some(abs) = &absolute {
            let ancestors: Vec<&Path> = abs.ancestors().skip(1).collect();
            for dir in ancestors.into_iter().rev() {
                let git_type = std::fs::metadata(dir.join(".git"))
                    .ok()
                    .map(|m| m.file_type());
                let has_gitignore = dir.join(".gitignore").exists();
                frame = Some(Frame::new(frame, dir, has_gitignore, git_type, true));
            }
        }
        let root_frame = Frame::child(frame, root, listing);
        let paths = RootPaths {
            walked: root.to_path_buf(),
            absolute,
        };
        (root_frame, paths)
    }

    /// The frame of the folder `dir` below `parent`, from the folder's listing.
    pub(super) fn child(parent: Option<Arc<Frame>>, dir: &Path, listing: &Listing) -> Arc<Frame> {
        let git_type = listing
            .has(".git")
            .then(|| {
                std::fs::metadata(dir.join(".git"))
                    .ok()
                    .map(|m| m.file_type())
            })
            .flatten();
        Frame::new(parent, dir, listing.has(".gitignore"), git_type, false)
    }

    fn new(
        parent: Option<Arc<Frame>>,
        dir: &Path,
        has_gitignore: bool,
        git_type: Option<FileType>,
        absolute: bool,
    ) -> Arc<Frame> {
        let gitignore = has_gitignore
            .then(|| rules_file(dir, &dir.join(".gitignore")))
            .flatten();
        // `info/exclude` is read wherever a `.git` is (a folder, or a file naming one).
        let exclude = git_type
            .and_then(|t| git_common_dir(dir, t))
            .and_then(|git_dir| rules_file(dir, &git_dir.join("info/exclude")));
        let own = gitignore.is_some() || exclude.is_some();
        let above = parent.as_ref().is_some_and(|p| p.any_rules);
        let above_absolute = parent.as_ref().is_some_and(|p| p.any_absolute_rules);
        Arc::new(Frame {
            parent,
            gitignore,
            exclude,
            absolute,
            any_rules: own || above,
            any_absolute_rules: (absolute && own) || above_absolute,
        })
    }

    /// The verdicts for `path` (as walked), an entry of this frame's folder, where the folder
    /// itself is `folder` (entries of an ignored folder are ignored).
    pub(super) fn matched(
        &self,
        root: &RootPaths,
        path: &Path,
        is_dir: bool,
        folder: Ignored,
    ) -> Ignored {
        if (folder.by_scan && folder.by_gitignore) || !self.any_rules {
            // Everything below an ignored folder is ignored as the folder is.
            return folder;
        }
        let path = path.strip_prefix("./").unwrap_or(path);
        let mut gitignore = Match::None;
        let mut exclude = Match::None;
        let mut frame = Some(self);
        while let Some(f) = frame.filter(|f| !f.absolute) {
            look(f, path, is_dir, &mut gitignore, &mut exclude);
            frame = f.parent.as_deref();
        }
        if self.any_absolute_rules
            && let (Some(f), Some(absolute)) = (frame, &root.absolute)
        {
            let relative = if root.walked == Path::new(".") {
                path
            } else {
                let base = root.walked.strip_prefix("./").unwrap_or(&root.walked);
                let rest = path.strip_prefix(base).unwrap_or(path);
                rest.strip_prefix("/").unwrap_or(rest)
            };
            let absolute_path = absolute.join(relative);
            let mut frame = Some(f);
            while let Some(f) = frame {
                look(f, &absolute_path, is_dir, &mut gitignore, &mut exclude);
                frame = f.parent.as_deref();
            }
        }
        let by_gitignore = matches!(gitignore, Match::Ignore(_));
        Ignored {
            by_scan: folder.by_scan || matches!(gitignore.or(exclude), Match::Ignore(_)),
            by_gitignore: folder.by_gitignore || by_gitignore,
        }
    }
}

/// The first match of each kind wins, from the folder up.
fn look<'a>(
    f: &'a Frame,
    path: &Path,
    is_dir: bool,
    gitignore: &mut Match<&'a ignore::gitignore::Glob>,
    exclude: &mut Match<&'a ignore::gitignore::Glob>,
) {
    if gitignore.is_none()
        && let Some(g) = &f.gitignore
    {
        *gitignore = g.matched(path, is_dir);
    }
    if exclude.is_none()
        && let Some(e) = &f.exclude
    {
        *exclude = e.matched(path, is_dir);
    }
}

/// A rules file compiled relative to `dir`; `None` when it does not exist or holds no rule.
/// Lines that do not compile are dropped, as the crate drops them (and as git does).
fn rules_file(dir: &Path, file: &Path) -> Option<Gitignore> {
    if !file.exists() {
        return None;
    }
    let mut builder = GitignoreBuilder::new(dir);
    // Unreadable or partly bad files keep what did compile, as the crate does.
    let _ = builder.add(file);
    builder.build().ok().filter(|g| !g.is_empty())
}

/// Where `info/exclude` lives for the `.git` in `dir`: the folder itself, or for a `.git` file
/// (a linked worktree or a submodule) the common directory it leads to. `None` when the file
/// does not say (no exclude rules, as the crate decides).
fn git_common_dir(dir: &Path, git_type: FileType) -> Option<PathBuf> {
    let dot_git = dir.join(".git");
    if !git_type.is_file() {
        return Some(dot_git);
    }
    let first_line = |path: &Path| -> Option<String> {
        let file = std::fs::File::open(path).ok()?;
        std::io::BufReader::new(file).lines().next()?.ok()
    };
    let line = first_line(&dot_git)?;
    let real = PathBuf::from(line.strip_prefix("gitdir: ")?);
    let common = first_line(&real.join("commondir"))?;
    Some(if common.starts_with('.') {
        real.join(common)
    } else {
        PathBuf::from(common)
    })
}

/// The names in one folder, with their types (not following links).
#[derive(Debug, Default)]
pub struct Listing {
    pub entries: Vec<(std::ffi::OsString, FileType)>,
}

impl Listing {
    /// Whether the folder has an entry of this name (of any type).
    pub fn has(&self, name: &str) -> bool {
        self.entries.iter().any(|(n, _)| n == name)
    }
}
