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
use globset::{Glob, GlobSet, GlobSetBuilder};
use ignore::{DirEntry, WalkBuilder, WalkState};
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
    /// Files another step reads itself (build output the bundle check covers), as walked
    /// (root joined with the relative path): passed over without reading or counting, so each
    /// file is read and reported once.
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

/// Receives the walk's output on each worker thread. One visitor per thread, so no locks on the
/// hot path; `finish` hands its results back when the thread is done.
pub trait Visitor: Send {
    fn file(&mut self, item: FileItem<'_>);
    /// One window of a file too large to read whole (see [`Window`]); `done` is called after
    /// its last window with the file's size.
    fn window(&mut self, relative: &Path, window: Window<'_>);
    fn done(&mut self, relative: &Path, bytes: u64);
    fn skipped(&mut self, path: &Path, reason: SkipReason, detail: Option<String>);
    fn finish(self: Box<Self>);
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

/// Walks `root` in parallel, calling a fresh visitor from `make_visitor` on each worker thread;
/// then, in a git repository, reads the tracked files the ignore rules hid from the walk.
pub fn walk<F>(root: &Path, options: &WalkOptions, make_visitor: F) -> Result<(), WalkError>
where
    F: Fn() -> Box<dyn Visitor> + Sync,
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
    // Tracked files are read even if `.gitignore` matches them: note what the walk saw.
    let visited: Collector<Vec<PathBuf>> = Collector::default();
    let record = meta.is_dir() && !options.tracked.is_empty();
    let mut builder = ignore_aware_builder(root);
    builder.threads(options.threads);
    let walker = builder.build_parallel();
    let root_buf = root.to_path_buf();
    let excludes = &excludes;
    let root_ref = &root_buf;
    let make_visitor = &make_visitor;
    let visited_ref = &visited;
    walker.run(|| {
        let mut worker = Worker::new(make_visitor(), root_ref, options);
        worker.visited = record.then_some(visited_ref);
        Box::new(move |entry| {
            match entry {
                Ok(entry) => {
                    let relative = relative_to(&worker.root, entry.path());
                    if !relative.as_os_str().is_empty() && excludes.is_match(&relative) {
                        return if entry.file_type().is_some_and(|t| t.is_dir()) {
                            WalkState::Skip
                        } else {
                            WalkState::Continue
                        };
                    }
                    worker.entry(&entry, &relative);
                }
                Err(err) => worker.walk_error(err),
            }
            WalkState::Continue
        })
    });
    if record {
        let visited: HashSet<PathBuf> = visited.into_parts().into_iter().flatten().collect();
        let mut worker = Worker::new(make_visitor(), root_ref, options);
        for relative in options.tracked.iter() {
            if !visited.contains(relative)
                && !excludes.is_match(relative)
                && !excluded_parent(excludes, relative)
            {
                worker.tracked(relative);
            }
        }
    }
    Ok(())
}

/// Whether a folder above `relative` is excluded (the walk does not descend into one).
fn excluded_parent(excludes: &Excludes, relative: &Path) -> bool {
    relative
        .ancestors()
        .skip(1)
        .any(|a| !a.as_os_str().is_empty() && excludes.is_match(a))
}

fn relative_to(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root).unwrap_or(path).to_path_buf()
}

struct Worker<'a> {
    visitor: Option<Box<dyn Visitor>>,
    buffer: Vec<u8>,
    root: PathBuf,
    options: WalkOptions,
    /// Where to record the files this worker saw, in a git repository (see [`walk`]).
    visited: Option<&'a Collector<Vec<PathBuf>>>,
    seen: Vec<PathBuf>,
}

impl Drop for Worker<'_> {
    fn drop(&mut self) {
        if let Some(v) = self.visitor.take() {
            v.finish();
        }
        if let Some(visited) = self.visited {
            visited.push(std::mem::take(&mut self.seen));
        }
    }
}

/// How a walk error is counted, by its kind (never by its message, which holds the path).
fn classify_walk_error(err: &ignore::Error) -> SkipReason {
    match err {
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => classify_walk_error(err),
        // Only possible when following links, which the walk never does: not a file to read.
        ignore::Error::Loop { .. } => SkipReason::Symlink,
        // An unreadable folder or file, a bad ignore file, anything else: what is behind it
        // was not read, so the scan is incomplete.
        _ => SkipReason::Unreadable,
    }
}

impl<'a> Worker<'a> {
    fn new(visitor: Box<dyn Visitor>, root: &Path, options: &WalkOptions) -> Worker<'a> {
        Worker {
            visitor: Some(visitor),
            buffer: Vec::new(),
            root: root.to_path_buf(),
            options: options.clone(),
            visited: None,
            seen: Vec::new(),
        }
    }

    fn visitor(&mut self) -> &mut dyn Visitor {
        self.visitor
            .as_deref_mut()
            .expect("the visitor lives until the worker is dropped")
    }

    fn walk_error(&mut self, err: ignore::Error) {
        let path = error_path(&err).unwrap_or_else(|| self.root.clone());
        let reason = classify_walk_error(&err);
        self.visitor().skipped(&path, reason, Some(err.to_string()));
    }

    fn entry(&mut self, entry: &DirEntry, relative: &Path) {
        let Some(file_type) = entry.file_type() else {
            // Only stdin has no file type; we never walk stdin.
            return;
        };
        if file_type.is_dir() || self.options.read_elsewhere.contains(entry.path()) {
            return;
        }
        if self.visited.is_some() {
            self.seen.push(relative.to_path_buf());
        }
        self.read(entry.path(), relative, file_type);
    }

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
            .as_deref_mut()
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

fn error_path(err: &ignore::Error) -> Option<PathBuf> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        _ => None,
    }
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
    fn walk_errors_are_classified_by_kind_never_by_message() {
        let denied = ignore::Error::WithPath {
            path: PathBuf::from("src/loop"),
            err: Box::new(ignore::Error::Io(std::io::Error::from(
                std::io::ErrorKind::PermissionDenied,
            ))),
        };
        assert_eq!(classify_walk_error(&denied), SkipReason::Unreadable);
        let looped = ignore::Error::WithDepth {
            depth: 2,
            err: Box::new(ignore::Error::Loop {
                ancestor: PathBuf::from("a"),
                child: PathBuf::from("a/b"),
            }),
        };
        assert_eq!(classify_walk_error(&looped), SkipReason::Symlink);
    }

    #[test]
    fn nul_in_first_8k_is_binary() {
        assert!(is_binary(b"abc\0def"));
        let mut late = vec![b'a'; 9000];
        late.push(0);
        assert!(!is_binary(&late));
    }
}
