//! The working tree: every regular file under the scanned roots, walked in parallel.
//!
//! Walk rules, and why: only git's own ignore rules are honoured (`.gitignore`,
//! `.git/info/exclude`: build output and dependencies git will never commit), never `.ignore` or
//! `.rgignore`, which a contributor could commit to blind the scan; and in a git repository
//! every file the index tracks is scanned even if it matches `.gitignore` (it is committed, so
//! it ships). Hidden files are not skipped (`.env`, `.npmrc`, `.aws/credentials` are exactly
//! what leaks). Symbolic links are never followed, so a link cannot lead the scan out of the
//! tree or round in a loop; their text (the target path, which git stores as the link's blob
//! and which can hold a secret) is scanned as the link's contents. Only regular files are
//! opened, and with `O_NONBLOCK`, so a FIFO swapped in after the directory listing cannot block
//! the scan.
//!
//! Every byte is read: binary files too (the engine's regexes work on bytes), and files of any
//! size, those above [`WHOLE_FILE_BYTES`] in overlapping windows ([`stream::for_each_window`])
//! so memory stays bounded. Only an explicit `--max-file-size` skips a file, and that skip
//! makes the scan incomplete.

use super::stream::{self, Window};
use rules::{Frame, RootPaths};
pub use rules::{Ignored, Listing};

mod rules;
use globset::{Glob, GlobSet, GlobSetBuilder};
use ignore::WalkBuilder;
use std::collections::HashSet;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Bytes at the start of a file inspected for a NUL byte to decide it is binary.
const BINARY_SNIFF: usize = 8 * 1024;

/// Files up to this size are read whole; larger ones are scanned in windows.
pub const WHOLE_FILE_BYTES: u64 = 16 * 1024 * 1024;
/// Bytes each window of a large file answers for (plus the overlap on each side).
pub const WINDOW_STEP: usize = 8 * 1024 * 1024;

pub use crate::stats::SkipReason;

/// What a walk should do; built once from settings.
#[derive(Debug, Clone)]
pub struct WalkOptions {
    pub threads: usize,
    /// `--max-file-size`: skip larger files (counted as too large, so the scan is incomplete).
    /// `None` reads every file, large ones in windows.
    pub max_file_size: Option<u64>,
    /// Bytes of context a match needs on each side (the matcher's reach): the overlap between
    /// the windows of a large file.
    pub overlap: usize,
    pub exclude: Vec<String>,
    /// Files another step reads itself (build output in folders named with `--bundle` or
    /// `bundle_dirs`; what the walk finds itself, its visitor says), as walked (root joined
    /// with the relative path): passed over without reading or counting, so each file is read
    /// and reported once.
    pub read_elsewhere: Arc<HashSet<PathBuf>>,
    /// In a git repository, the files the index tracks under the root (relative to it): those
    /// the ignore rules hide from the walk are read after it. Empty outside a repository.
    pub tracked: Arc<Vec<PathBuf>>,
}

/// A readable file handed to the per-thread consumer, with its bytes in a reused buffer.
pub struct FileItem<'a> {
    /// The path relative to the root it was found under (empty when the root is this file).
    pub relative: &'a Path,
    pub data: &'a [u8],
}

/// Receives the bytes the walk reads, on each worker thread. One visitor per thread, so no
/// locks on the hot path; `finish` hands its results back when the walk is done.
pub trait FileVisitor: Send {
    fn file(&mut self, item: FileItem<'_>);
    /// One window of a file too large to read whole (see [`Window`]); `done` is called after
    /// its last window with the file's size.
    fn window(&mut self, relative: &Path, window: Window<'_>);
    fn done(&mut self, relative: &Path, bytes: u64);
    fn skipped(&mut self, path: &Path, reason: SkipReason, detail: Option<String>);
    fn finish(self)
    where
        Self: Sized;
}

/// Receives every entry the walk lists, with its folder's [`Plan`] state `S`, and says what to
/// do with it; then the bytes of those it asks to read ([`FileVisitor`]).
pub trait Visitor<S>: FileVisitor {
    fn entry(&mut self, entry: &Entry<'_>, folder: &S) -> Take;
    /// A folder that could not be listed, with what the rules say of it.
    fn unlisted(&mut self, path: &Path, ignored: Ignored, folder: &S, error: &std::io::Error);
}

#[derive(Debug, thiserror::Error)]
pub enum WalkError {
    #[error("{path}")]
    Root {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a file or directory")]
    NotAFileOrDirectory { path: String },
    /// Neither the pattern nor globset's message (which quotes it) is echoed: it may be a
    /// secret pasted in the wrong place.
    #[error(
        "bad exclude pattern {}: {}",
        crate::text::quoted_value(pattern),
        crate::text::without_quoted_input(&problem.kind().to_string())
    )]
    Exclude {
        pattern: String,
        problem: globset::Error,
    },
    #[error("the exclude patterns cannot be compiled ({count} patterns)")]
    ExcludeSet {
        count: usize,
        #[source]
        source: globset::Error,
    },
}

/// The configured `exclude` patterns as one matcher. Patterns without a `/` match at any depth,
/// like `.gitignore`, and a match excludes everything below it. Plain names and plain paths
/// (no glob syntax), which is what long generated lists are made of, are looked up in hash
/// sets; only real globs go to a `GlobSet`, whose automaton grows with every pattern (40,000
/// patterns did not build at all, and took 580 MB before that).
#[derive(Debug, Clone, Default)]
pub struct Excludes {
    /// Plain names: a path is excluded when any of its components is one.
    names: std::collections::HashSet<String>,
    /// Plain paths from the root: a path is excluded when it is one or lies below one.
    paths: std::collections::HashSet<String>,
    globs: GlobSet,
}

impl Excludes {
    pub fn new(patterns: &[String]) -> Result<Excludes, WalkError> {
        let mut excludes = Excludes::default();
        let mut builder = GlobSetBuilder::new();
        let mut globs = 0usize;
        for pattern in patterns {
            let trimmed = pattern.trim_start_matches("./").trim_start_matches('/');
            let trimmed = trimmed.trim_end_matches('/');
            let plain =
                !trimmed.is_empty() && !trimmed.contains(['*', '?', '[', ']', '{', '}', '\\', '!']);
            if plain
                && !trimmed
                    .split('/')
                    .any(|c| c.is_empty() || c == "." || c == "..")
            {
                if trimmed.contains('/') {
                    excludes.paths.insert(trimmed.to_string());
                } else {
                    excludes.names.insert(trimmed.to_string());
                }
                continue;
            }
            let anchored = if trimmed.contains('/') {
                trimmed.to_string()
            } else {
                format!("**/{trimmed}")
            };
            for glob in [anchored.clone(), format!("{anchored}/**")] {
                let glob = Glob::new(&glob).map_err(|e| WalkError::Exclude {
                    pattern: pattern.clone(),
                    problem: e,
                })?;
                builder.add(glob);
            }
            globs += 1;
        }
        // Never the whole list in an error: it can be tens of thousands of patterns.
        excludes.globs = builder.build().map_err(|e| WalkError::ExcludeSet {
            count: globs,
            source: e,
        })?;
        Ok(excludes)
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty() && self.paths.is_empty() && self.globs.is_empty()
    }

    /// Whether `path` (relative to the scanned root, `/`-separated or the platform's own) is
    /// excluded.
    pub fn is_match(&self, path: impl AsRef<Path>) -> bool {
        let path = path.as_ref();
        if !self.names.is_empty() || !self.paths.is_empty() {
            let text = path.to_string_lossy();
            let text = text.replace(std::path::MAIN_SEPARATOR, "/");
            let mut prefix_end = 0;
            for component in text.split('/') {
                prefix_end += component.len();
                if self.names.contains(component) || self.paths.contains(&text[..prefix_end]) {
                    return true;
                }
                prefix_end += 1;
            }
        }
        !self.globs.is_empty() && self.globs.is_match(path)
    }
}

/// Builds the exclude matcher (see [`Excludes`]).
pub fn exclude_set(patterns: &[String]) -> Result<Excludes, WalkError> {
    Excludes::new(patterns)
}

/// The walk configuration every working-tree scan uses (see the module doc for why). Shared
/// so that other checks can ask "would the scan have visited this path?" under exactly the
/// same ignore rules. Callers that set their own `filter_entry` must keep skipping `.git`.
pub fn ignore_aware_builder(root: &Path) -> WalkBuilder {
    let mut builder = WalkBuilder::new(root);
    builder
        .hidden(false)
        .follow_links(false)
        .require_git(false)
        .git_ignore(true)
        .git_global(false)
        .git_exclude(true)
        // `.ignore` (and `.rgignore`, which the ignore crate reads only when asked) are not git's
        // rules: a committed `.ignore` with `*` would hide every file from the scan.
        .ignore(false)
        .parents(true)
        .filter_entry(|entry| entry.file_name() != ".git");
    builder
}

/// A walk that honours `.gitignore` files alone (no `info/exclude`, no global excludes, no
/// `.ignore`): what decides whether git would let an env file be committed. Callers that set
/// their own `filter_entry` must keep skipping `.git`.
pub fn gitignore_only_builder(root: &Path) -> WalkBuilder {
    let mut builder = WalkBuilder::new(root);
    builder
        .standard_filters(false)
        .hidden(false)
        .follow_links(false)
        .require_git(false)
        .git_ignore(true)
        .parents(true)
        .filter_entry(|entry| entry.file_name() != ".git");
    builder
}

/// One entry of a folder, as the walk found it (never a folder: those go to [`Plan::enter`]).
pub struct Entry<'a> {
    /// Root joined with `relative`: where to open it.
    pub path: &'a Path,
    /// Relative to the root walked.
    pub relative: &'a Path,
    pub name: &'a std::ffi::OsStr,
    /// Not following links: a link is a link.
    pub file_type: std::fs::FileType,
    pub ignored: Ignored,
}

/// A folder the walk may enter.
pub struct FolderEntry<'a> {
    pub path: &'a Path,
    pub relative: &'a Path,
    pub name: &'a std::ffi::OsStr,
}

/// Which folders the walk enters beyond what the working-tree scan reads, and what each step
/// keeps per folder (its `Folder`, handed back with every entry of the folder). The walk
/// enters every folder git's ignore rules do not hide (the scan reads them); one they hide
/// only when [`Plan::wanted`] says a step looks there (env files and build output are
/// git-ignored by design), so a huge ignored `node_modules` costs nothing.
pub trait Plan: Sync {
    type Folder: Send + Sync;
    /// The root folder's state, from its listing.
    fn root(&self, root: &Path, listing: &Listing) -> Self::Folder;
    /// A child folder's state, from its parent's and its name (before it is listed).
    fn enter(&self, parent: &Self::Folder, folder: &FolderEntry<'_>) -> Self::Folder;
    /// The state refined once the folder is listed (marker files such as `CACHEDIR.TAG`).
    fn listed(&self, folder: &mut Self::Folder, path: &Path, listing: &Listing);
    /// Whether any step looks inside an ignored folder in this state.
    fn wanted(&self, folder: &Self::Folder) -> bool;
}

/// What a visitor does with an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Take {
    /// Read it and hand its bytes to [`Visitor::file`] (or its windows).
    Read,
    /// Another step reads it (build output): not read, and not read again as a tracked file.
    Elsewhere,
    /// Not read (ignored).
    Pass,
}

/// Walks `root` once in parallel, calling a fresh visitor from `make_visitor` on each worker
/// thread: every entry of every folder the scan reads or `plan` wants goes to
/// [`Visitor::entry`], which says whether to read it; then, in a git repository, the tracked
/// files the ignore rules hid from the walk are read.
pub fn walk<P, F, V>(
    root: &Path,
    options: &WalkOptions,
    plan: &P,
    make_visitor: F,
) -> Result<(), WalkError>
where
    P: Plan,
    V: Visitor<P::Folder>,
    F: Fn() -> V + Sync,
{
    let meta = std::fs::metadata(root).map_err(|e| WalkError::Root {
        path: root.display().to_string(),
        source: e,
    })?;
    if !meta.is_dir() && !meta.is_file() {
        return Err(WalkError::NotAFileOrDirectory {
            path: root.display().to_string(),
        });
    }
    let excludes = exclude_set(&options.exclude)?;
    // A root the user named is what they asked to scan: when it is a link, the folder or file
    // it leads to is walked or read (links met inside the tree are never followed).
    let resolved;
    let root = if std::fs::symlink_metadata(root).is_ok_and(|m| m.file_type().is_symlink()) {
        resolved = std::fs::canonicalize(root).map_err(|e| WalkError::Root {
            path: root.display().to_string(),
            source: e,
        })?;
        resolved.as_path()
    } else {
        root
    };
    if !meta.is_dir() {
        // A single file: read as it is, whatever the ignore rules.
        let mut worker = Worker::new(make_visitor(), root, options);
        match std::fs::symlink_metadata(root) {
            Ok(m) => worker.read(root, Path::new(""), m.file_type()),
            Err(e) => worker
                .visitor()
                .skipped(root, SkipReason::Unreadable, Some(e.to_string())),
        }
        return Ok(());
    }
    let record = !options.tracked.is_empty();
    let threads = options.threads.max(1);
    let workers: Vec<Mutex<Worker<V>>> = (0..threads)
        .map(|_| Mutex::new(Worker::new(make_visitor(), root, options)))
        .collect();
    match list(root) {
        Err(e) => {
            let mut worker = lock(&workers[0]);
            let detail = format!("{}: {e}", root.display());
            worker
                .visitor()
                .skipped(root, SkipReason::Unreadable, Some(detail));
        }
        Ok((listing, errors)) => {
            let (frame, root_paths) = Frame::for_root(root, &listing);
            let walk = Walk {
                plan,
                options,
                excludes: &excludes,
                workers: &workers,
                record,
                root_paths: &root_paths,
            };
            let folder = Folder {
                path: root.to_path_buf(),
                relative: PathBuf::new(),
                ignored: Ignored::default(),
                frame,
                state: plan.root(root, &listing),
            };
            for e in errors {
                walk.worker()
                    .visitor()
                    .unlisted(root, Ignored::default(), &folder.state, &e);
            }
            let run = || rayon::scope(|scope| walk.entries(scope, &folder, listing));
            match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
                Ok(pool) => pool.install(run),
                // Without a pool of our own, rayon's global one does the same work.
                Err(_) => run(),
            }
        }
    }
    let mut seen: HashSet<PathBuf> = HashSet::new();
    for worker in workers {
        let mut worker = worker
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        seen.extend(std::mem::take(&mut worker.seen));
    }
    if record {
        let mut worker = Worker::new(make_visitor(), root, options);
        for relative in options.tracked.iter() {
            if !seen.contains(relative)
                && !excludes.is_match(relative)
                && !excluded_parent(&excludes, relative)
            {
                worker.tracked(relative);
            }
        }
    }
    Ok(())
}

/// A folder being walked.
struct Folder<S> {
    path: PathBuf,
    relative: PathBuf,
    ignored: Ignored,
    /// Its rules (and its parents').
    frame: Arc<Frame>,
    state: S,
}

/// What every task of one walk shares.
struct Walk<'w, P: Plan, V: FileVisitor> {
    plan: &'w P,
    options: &'w WalkOptions,
    excludes: &'w Excludes,
    /// One per thread of the pool, so a visitor is never shared (the lock is never contended).
    workers: &'w [Mutex<Worker<V>>],
    record: bool,
    root_paths: &'w RootPaths,
}

impl<P: Plan, V: FileVisitor> Clone for Walk<'_, P, V> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<P: Plan, V: FileVisitor> Copy for Walk<'_, P, V> {}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl<'w, P, V> Walk<'w, P, V>
where
    P: Plan,
    V: Visitor<P::Folder>,
{
    fn worker(&self) -> std::sync::MutexGuard<'w, Worker<V>> {
        let slot = rayon::current_thread_index().unwrap_or(0) % self.workers.len();
        lock(&self.workers[slot])
    }

    /// Hands every entry of `folder` (already listed) to a visitor, and spawns a task per
    /// folder below it that is to be entered.
    fn entries<'s>(self, scope: &rayon::Scope<'s>, folder: &Folder<P::Folder>, listing: Listing)
    where
        'w: 's,
    {
        let root_paths = self.root_paths;
        for (name, file_type) in listing.entries {
            let relative = folder.relative.join(&name);
            if self.excludes.is_match(&relative) {
                continue;
            }
            let path = folder.path.join(&name);
            let is_dir = file_type.is_dir();
            if is_dir && name == ".git" {
                continue;
            }
            let ignored = folder
                .frame
                .matched(root_paths, &path, is_dir, folder.ignored);
            if is_dir {
                let entry = FolderEntry {
                    path: &path,
                    relative: &relative,
                    name: &name,
                };
                let state = self.plan.enter(&folder.state, &entry);
                if ignored.by_scan && !self.plan.wanted(&state) {
                    continue;
                }
                let parent = folder.frame.clone();
                scope
                    .spawn(move |scope| self.folder(scope, parent, path, relative, ignored, state));
                continue;
            }
            let entry = Entry {
                path: &path,
                relative: &relative,
                name: &name,
                file_type,
                ignored,
            };
            let mut worker = self.worker();
            let take = match worker.visitor().entry(&entry, &folder.state) {
                _ if self.options.read_elsewhere.contains(&path) => Take::Elsewhere,
                // `.git` files (a submodule's or a linked worktree's pointer) are never read.
                Take::Read if name == ".git" => Take::Pass,
                take => take,
            };
            if take != Take::Pass && self.record {
                worker.seen.push(relative.clone());
            }
            if take == Take::Read {
                worker.read(&path, &relative, file_type);
            }
        }
    }

    /// Lists a folder below the root and walks it.
    fn folder<'s>(
        self,
        scope: &rayon::Scope<'s>,
        parent: Arc<Frame>,
        path: PathBuf,
        relative: PathBuf,
        ignored: Ignored,
        mut state: P::Folder,
    ) where
        'w: 's,
    {
        let (listing, errors) = match list(&path) {
            Ok(listed) => listed,
            Err(e) => {
                let mut worker = self.worker();
                worker.visitor().unlisted(&path, ignored, &state, &e);
                return;
            }
        };
        for e in errors {
            self.worker().visitor().unlisted(&path, ignored, &state, &e);
        }
        self.plan.listed(&mut state, &path, &listing);
        if ignored.by_scan && !self.plan.wanted(&state) {
            return;
        }
        // Below a folder both rule sets ignore, every verdict is "ignored": no rules to read.
        let frame = if ignored.by_scan && ignored.by_gitignore {
            parent
        } else {
            Frame::child(Some(parent), &path, &listing)
        };
        let folder = Folder {
            path,
            relative,
            ignored,
            frame,
            state,
        };
        self.entries(scope, &folder, listing);
    }
}

/// A folder's entries with their types (not following links), and the entries that could not
/// be read.
fn list(dir: &Path) -> std::io::Result<(Listing, Vec<std::io::Error>)> {
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        match entry.and_then(|e| Ok((e.file_name(), e.file_type()?))) {
            Ok(named) => entries.push(named),
            Err(e) => errors.push(e),
        }
    }
    Ok((Listing { entries }, errors))
}

/// Whether a folder above `relative` is excluded (the walk does not descend into one).
fn excluded_parent(excludes: &Excludes, relative: &Path) -> bool {
    relative
        .ancestors()
        .skip(1)
        .any(|a| !a.as_os_str().is_empty() && excludes.is_match(a))
}

struct Worker<V: FileVisitor> {
    visitor: Option<V>,
    buffer: Vec<u8>,
    root: PathBuf,
    options: WalkOptions,
    /// The files this worker read or left to another step, in a git repository (see [`walk`]).
    seen: Vec<PathBuf>,
}

impl<V: FileVisitor> Drop for Worker<V> {
    fn drop(&mut self) {
        if let Some(v) = self.visitor.take() {
            v.finish();
        }
    }
}

impl<V: FileVisitor> Worker<V> {
    fn new(visitor: V, root: &Path, options: &WalkOptions) -> Worker<V> {
        Worker {
            visitor: Some(visitor),
            buffer: Vec::new(),
            root: root.to_path_buf(),
            options: options.clone(),
            seen: Vec::new(),
        }
    }

    fn visitor(&mut self) -> &mut V {
        self.visitor
            .as_mut()
            .expect("the visitor lives until the worker is dropped")
    }
}

impl<V: FileVisitor> Worker<V> {
    /// A tracked file the ignore rules hid from the walk; gone from the working tree is fine
    /// (the history scan reads what git holds).
    fn tracked(&mut self, relative: &Path) {
        let path = self.root.join(relative);
        if self.options.read_elsewhere.contains(&path) {
            return;
        }
        match std::fs::symlink_metadata(&path) {
            Ok(meta) => self.read(&path, relative, meta.file_type()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => self
                .visitor()
                .skipped(&path, SkipReason::Unreadable, Some(e.to_string())),
        }
    }

    fn read(&mut self, path: &Path, relative: &Path, file_type: std::fs::FileType) {
        if file_type.is_symlink() {
            // Git stores a link as a blob of its target path: scan that text, never follow it.
            match std::fs::read_link(path) {
                Ok(target) => {
                    let text = link_text(&target);
                    self.visitor().file(FileItem {
                        relative,
                        data: &text,
                    });
                }
                Err(e) => self
                    .visitor()
                    .skipped(path, SkipReason::Unreadable, Some(e.to_string())),
            }
            return;
        }
        if !file_type.is_file() {
            self.visitor().skipped(path, SkipReason::Special, None);
            return;
        }
        let limit = self.options.max_file_size.unwrap_or(u64::MAX);
        let result = open_regular_file(path, limit).and_then(|(file, len)| {
            if len <= WHOLE_FILE_BYTES {
                read_open_file(file, len, limit.min(WHOLE_FILE_BYTES), &mut self.buffer)
                    .map(|()| None)
            } else {
                Ok(Some(file))
            }
        });
        match result {
            Ok(None) => {
                let buffer = std::mem::take(&mut self.buffer);
                self.visitor().file(FileItem {
                    relative,
                    data: &buffer,
                });
                self.buffer = buffer;
            }
            Ok(Some(file)) => self.stream(path, relative, file, limit),
            Err(ReadError::TooLarge(size)) if size > limit => {
                let (reason, detail) = ReadError::TooLarge(size).into_skip();
                self.visitor().skipped(path, reason, detail)
            }
            Err(ReadError::TooLarge(_)) => {
                // It grew past the whole-file size while being read: read it in windows.
                match open_regular_file(path, limit) {
                    Ok((file, _)) => self.stream(path, relative, file, limit),
                    Err(error) => {
                        let (reason, detail) = error.into_skip();
                        self.visitor().skipped(path, reason, detail)
                    }
                }
            }
            Err(error) => {
                let (reason, detail) = error.into_skip();
                self.visitor().skipped(path, reason, detail)
            }
        }
    }

    /// A file too large to read whole: overlapping windows in bounded memory.
    fn stream(&mut self, path: &Path, relative: &Path, file: File, limit: u64) {
        let overlap = self.options.overlap;
        let visitor = self
            .visitor
            .as_mut()
            .expect("the visitor lives until the worker is dropped");
        // `take` bounds a file that grows while we read it.
        let input = file.take(limit.saturating_add(1));
        match stream::for_each_window(input, WINDOW_STEP, overlap, |w| visitor.window(relative, w))
        {
            Ok(bytes) if bytes > limit => {
                let (reason, detail) = ReadError::TooLarge(bytes).into_skip();
                visitor.skipped(path, reason, detail)
            }
            Ok(bytes) => visitor.done(relative, bytes),
            Err(e) => visitor.skipped(path, SkipReason::Unreadable, Some(e.to_string())),
        }
    }
}

/// A link's target as git stores it: the path's bytes.
#[cfg(unix)]
fn link_text(target: &Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    target.as_os_str().as_bytes().to_vec()
}

#[cfg(not(unix))]
fn link_text(target: &Path) -> Vec<u8> {
    target.to_string_lossy().into_owned().into_bytes()
}

#[derive(Debug)]
pub enum ReadError {
    TooLarge(u64),
    NotRegular,
    Io(std::io::Error),
}

impl ReadError {
    /// How the skip is counted and what the warning says about it (see `ScanStats::skip`).
    pub fn into_skip(self) -> (SkipReason, Option<String>) {
        match self {
            ReadError::TooLarge(size) => (SkipReason::TooLarge, Some(format!("{size} bytes"))),
            ReadError::NotRegular => (SkipReason::Special, None),
            ReadError::Io(e) => (SkipReason::Unreadable, Some(e.to_string())),
        }
    }
}

/// Reads a regular file into `buffer` (cleared first). Opens non-blocking and re-checks the
/// opened handle, so a file replaced by a FIFO or device after listing is refused, not read.
pub fn read_regular_file(path: &Path, max: u64, buffer: &mut Vec<u8>) -> Result<(), ReadError> {
    let (file, len) = open_regular_file(path, max)?;
    read_open_file(file, len, max, buffer)
}

/// Opens a regular file (see [`read_regular_file`]) and returns it with its size, refusing one
/// larger than `max`.
fn open_regular_file(path: &Path, max: u64) -> Result<(File, u64), ReadError> {
    let file = open_nonblocking(path).map_err(ReadError::Io)?;
    let meta = file.metadata().map_err(ReadError::Io)?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular);
    }
    if meta.len() > max {
        return Err(ReadError::TooLarge(meta.len()));
    }
    Ok((file, meta.len()))
}

fn read_open_file(file: File, len: u64, max: u64, buffer: &mut Vec<u8>) -> Result<(), ReadError> {
    buffer.clear();
    buffer.reserve(len.min(max) as usize);
    // `take` bounds a file that grows while we read it.
    file.take(max.saturating_add(1))
        .read_to_end(buffer)
        .map_err(ReadError::Io)?;
    if buffer.len() as u64 > max {
        return Err(ReadError::TooLarge(buffer.len() as u64));
    }
    Ok(())
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    File::open(path)
}

/// A NUL byte in the first 8 KiB means binary, as git and ripgrep decide it. The secret scan
/// reads binary files too; checks that parse text (env files, bundles) use this.
pub fn is_binary(data: &[u8]) -> bool {
    memchr::memchr(0, &data[..data.len().min(BINARY_SNIFF)]).is_some()
}

/// Collects per-thread results into one place when threads finish.
pub struct Collector<T> {
    parts: Mutex<Vec<T>>,
}

impl<T> Default for Collector<T> {
    fn default() -> Self {
        Collector {
            parts: Mutex::new(Vec::new()),
        }
    }
}

impl<T> Collector<T> {
    pub fn push(&self, part: T) {
        self.parts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(part);
    }

    pub fn into_parts(self) -> Vec<T> {
        self.parts
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    /// A plan that enters every folder, and a visitor that notes what the walk says of every
    /// file: the walk's ignore verdicts, laid bare.
    struct Everything;

    impl Plan for Everything {
        type Folder = ();
        fn root(&self, _: &Path, _: &Listing) {}
        fn enter(&self, _: &(), _: &FolderEntry<'_>) {}
        fn listed(&self, _: &mut (), _: &Path, _: &Listing) {}
        fn wanted(&self, _: &()) -> bool {
            true
        }
    }

    type Verdicts = BTreeMap<PathBuf, Ignored>;

    struct Noting {
        seen: Verdicts,
        read: Vec<PathBuf>,
        out: Arc<Collector<(Verdicts, Vec<PathBuf>)>>,
    }

    impl Visitor<()> for Noting {
        fn entry(&mut self, entry: &Entry<'_>, _: &()) -> Take {
            self.seen
                .insert(entry.relative.to_path_buf(), entry.ignored);
            if entry.ignored.by_scan {
                Take::Pass
            } else {
                Take::Read
            }
        }
        fn unlisted(&mut self, _: &Path, _: Ignored, _: &(), _: &std::io::Error) {}
    }

    impl FileVisitor for Noting {
        fn file(&mut self, item: FileItem<'_>) {
            self.read.push(item.relative.to_path_buf());
        }
        fn window(&mut self, _: &Path, _: Window<'_>) {}
        fn done(&mut self, _: &Path, _: u64) {}
        fn skipped(&mut self, _: &Path, _: SkipReason, _: Option<String>) {}
        fn finish(self) {
            self.out.push((self.seen, self.read));
        }
    }

    fn verdicts(root: &Path, tracked: Vec<PathBuf>) -> (Verdicts, Vec<PathBuf>) {
        let out: Arc<Collector<(Verdicts, Vec<PathBuf>)>> = Arc::default();
        let options = WalkOptions {
            threads: 2,
            max_file_size: None,
            overlap: 64,
            exclude: Vec::new(),
            read_elsewhere: Arc::default(),
            tracked: Arc::new(tracked),
        };
        walk(root, &options, &Everything, || Noting {
            seen: Verdicts::new(),
            read: Vec::new(),
            out: out.clone(),
        })
        .expect("the walk runs");
        let mut all = (Verdicts::new(), Vec::new());
        for (seen, read) in Arc::try_unwrap(out).ok().expect("walk done").into_parts() {
            all.0.extend(seen);
            all.1.extend(read);
        }
        all.1.sort();
        all
    }

    /// The files a walk of the `ignore` crate yields (what the scan read before, and what the
    /// env check's "protected by .gitignore" walk saw).
    fn crate_walk(root: &Path, gitignore_only: bool) -> Vec<PathBuf> {
        let mut builder = if gitignore_only {
            gitignore_only_builder(root)
        } else {
            ignore_aware_builder(root)
        };
        let mut files: Vec<PathBuf> = builder
            .threads(1)
            .build()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_some_and(|t| !t.is_dir()))
            .map(|e| e.path().strip_prefix(root).unwrap().to_path_buf())
            .collect();
        files.sort();
        files
    }

    const FOLDERS: &[&str] = &["", "a", "a/b", "build", "a/build", "sub", "sub/.git"];
    const NAMES: &[&str] = &[
        ".env",
        ".env.local",
        "x.log",
        "keep.log",
        "app.js",
        "b",
        "dist",
    ];
    const RULES: &[&str] = &[
        "*.log",
        "!keep.log",
        "build/",
        "/build",
        "a/",
        "b",
        ".env*",
        "!.env.example",
        "!.env",
        "**/dist",
        "a/**/x.log",
        "/app.js",
        "sub",
        "!sub/",
        "*",
        "!*/",
        "# comment",
        "[",
    ];

    /// Files (folder, name), `.gitignore` files (folder, rules), `.git/info/exclude` rules.
    type Tree = (Vec<(usize, usize)>, Vec<(usize, Vec<usize>)>, Vec<usize>);

    fn tree() -> impl Strategy<Value = Tree> {
        (
            prop::collection::vec((0..FOLDERS.len(), 0..NAMES.len()), 1..14),
            prop::collection::vec(
                (
                    0..FOLDERS.len(),
                    prop::collection::vec(0..RULES.len(), 1..4),
                ),
                0..4,
            ),
            prop::collection::vec(0..RULES.len(), 0..3),
        )
    }

    fn build(
        root: &Path,
        files: &[(usize, usize)],
        ignores: &[(usize, Vec<usize>)],
        exclude: &[usize],
    ) {
        let lines = |rules: &[usize]| {
            rules
                .iter()
                .map(|&r| format!("{}\n", RULES[r]))
                .collect::<String>()
        };
        // A name taken by a file cannot be a folder too (and the other way round): the
        // later one is left out.
        for &(folder, name) in files {
            let dir = root.join(FOLDERS[folder]);
            if std::fs::create_dir_all(&dir).is_ok() && !dir.join(NAMES[name]).is_dir() {
                std::fs::write(dir.join(NAMES[name]), "x").unwrap();
            }
        }
        for (folder, rules) in ignores {
            let dir = root.join(FOLDERS[*folder]);
            if std::fs::create_dir_all(&dir).is_ok() {
                std::fs::write(dir.join(".gitignore"), lines(rules)).unwrap();
            }
        }
        if !exclude.is_empty() {
            std::fs::create_dir_all(root.join(".git/info")).unwrap();
            std::fs::write(root.join(".git/info/exclude"), lines(exclude)).unwrap();
        }
        if root.join("sub").is_dir() {
            std::fs::create_dir_all(root.join("sub/.git/info")).unwrap();
            std::fs::write(root.join("sub/.git/info/exclude"), "app.js\n").unwrap();
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// The one walk's verdicts are the `ignore` crate's: the files its ignore-aware walk
        /// yields are exactly those the one walk finds not ignored by the scan's rules (and
        /// reads), and those a walk with `.gitignore` files alone yields are exactly those it
        /// finds not ignored by `.gitignore` files; nested rules, negations, folder rules,
        /// `.git/info/exclude` (a nested repository's too) and bad lines included.
        #[test]
        fn the_walk_ignores_exactly_what_the_ignore_crate_ignores((files, ignores, exclude) in tree()) {
            let dir = tempfile::tempdir().unwrap();
            let root = dir.path();
            build(root, &files, &ignores, &exclude);
            let (seen, read) = verdicts(root, Vec::new());
            let not = |f: fn(&Ignored) -> bool| -> Vec<PathBuf> {
                seen.iter().filter(|(_, i)| !f(i)).map(|(p, _)| p.clone()).collect()
            };
            prop_assert_eq!(not(|i| i.by_scan), crate_walk(root, false));
            prop_assert_eq!(read, crate_walk(root, false));
            prop_assert_eq!(not(|i| i.by_gitignore), crate_walk(root, true));
        }
    }

    /// A tracked file the rules ignore is read once, after the walk, even in a folder the walk
    /// entered for another step.
    #[test]
    fn tracked_ignored_files_are_read_once() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        build(root, &[(0, 2), (1, 4)], &[(0, vec![0, 4])], &[]);
        let (seen, read) = verdicts(
            root,
            vec![PathBuf::from("x.log"), PathBuf::from("a/app.js")],
        );
        assert!(seen[Path::new("x.log")].by_scan);
        assert!(seen[Path::new("a/app.js")].by_scan);
        let read: Vec<&Path> = read.iter().map(PathBuf::as_path).collect();
        assert_eq!(read, [".gitignore", "a/app.js", "x.log"].map(Path::new));
    }

    #[test]
    fn excludes_match_at_any_depth_unless_anchored() {
        let set = exclude_set(&["fixtures".into(), "docs/*.md".into()]).unwrap();
        assert!(set.is_match("a/fixtures/x.txt"));
        assert!(set.is_match("fixtures"));
        assert!(set.is_match("docs/a.md"));
        assert!(!set.is_match("src/docs/a.md"));
    }

    /// Plain names and paths are looked up in sets rather than compiled: they must match
    /// exactly what the same pattern as a glob matches.
    #[test]
    fn plain_excludes_match_like_their_globs() {
        let patterns = [
            "fixtures",
            "vendor/lib",
            "./build/",
            "/dist",
            "a.txt",
            "deep/er/path",
        ];
        let fast = exclude_set(&patterns.map(String::from)).unwrap();
        // The same patterns with a no-op character class force the glob route.
        let slow = exclude_set(&patterns.map(|p| {
            let (head, last) = p
                .trim_end_matches('/')
                .split_at(p.trim_end_matches('/').len() - 1);
            format!("{head}[{last}]")
        }))
        .unwrap();
        assert!(fast.globs.is_empty() && !slow.globs.is_empty());
        for path in [
            "fixtures",
            "x/fixtures",
            "x/fixtures/y.txt",
            "fixturesx",
            "xfixtures/a",
            "vendor/lib",
            "vendor/lib/a.js",
            "x/vendor/lib",
            "vendor/library",
            "build",
            "build/a",
            "src/build/a",
            "dist/x",
            "a/dist",
            "a.txt",
            "b/a.txt",
            "a.txt.bak",
            "deep/er/path/x",
            "deep/er",
            "deep/er/pathy",
        ] {
            assert_eq!(fast.is_match(path), slow.is_match(path), "{path}");
        }
    }

    #[test]
    fn forty_thousand_plain_excludes_build_and_match() {
        let patterns: Vec<String> = (0..40_000)
            .map(|i| {
                if i % 2 == 0 {
                    format!("file{i}.txt")
                } else {
                    format!("vendor/dir{i}")
                }
            })
            .collect();
        let set = exclude_set(&patterns).unwrap();
        assert!(set.is_match("a/file39998.txt"));
        assert!(set.is_match("vendor/dir39999/x.js"));
        assert!(!set.is_match("a/vendor/dir39999/x.js"));
        assert!(!set.is_match("file1.txt"));
    }

    #[test]
    fn nul_in_first_8k_is_binary() {
        assert!(is_binary(b"abc\0def"));
        let mut late = vec![b'a'; 9000];
        late.push(0);
        assert!(!is_binary(&late));
    }
}
