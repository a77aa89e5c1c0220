//! The working tree: every regular file under the scanned roots, walked in parallel.
//!
//! Walk rules, and why: `.gitignore`/`.ignore` are honoured (build output and dependencies are
//! not the author's code) but hidden files are not skipped (`.env`, `.npmrc`, `.aws/credentials`
//! are exactly what leaks). Symbolic links are never followed, so a link cannot lead the scan
//! out of the tree or round in a loop; what they point to inside the tree is scanned at its
//! real path. Only regular files are opened, and with `O_NONBLOCK`, so a FIFO swapped in after
//! the directory listing cannot block the scan.

use globset::{Glob, GlobSet, GlobSetBuilder};
use ignore::{DirEntry, WalkBuilder, WalkState};
use std::collections::HashSet;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Bytes at the start of a file inspected for a NUL byte to decide it is binary.
const BINARY_SNIFF: usize = 8 * 1024;

pub use crate::stats::SkipReason;

/// What a walk should do; built once from settings.
#[derive(Debug, Clone)]
pub struct WalkOptions {
    pub threads: usize,
    pub max_file_size: u64,
    pub exclude: Vec<String>,
    /// Files another step reads itself (build output the bundle check covers), as walked
    /// (root joined with the relative path): passed over without reading or counting, so each
    /// file is read and reported once.
    pub read_elsewhere: Arc<HashSet<PathBuf>>,
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
}

/// Builds the exclude matcher; patterns without a `/` match at any depth, like `.gitignore`.
pub fn exclude_set(patterns: &[String]) -> Result<GlobSet, WalkError> {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        let trimmed = pattern.trim_start_matches("./").trim_start_matches('/');
        let trimmed = trimmed.trim_end_matches('/');
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
    }
    builder.build().map_err(|e| WalkError::Exclude {
        pattern: patterns.join(", "),
        problem: e,
    })
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
        .ignore(true)
        .parents(true)
        .filter_entry(|entry| entry.file_name() != ".git");
    builder
}

/// Walks `root` in parallel, calling a fresh visitor from `make_visitor` on each worker thread.
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
    let mut builder = ignore_aware_builder(root);
    builder.threads(options.threads);
    let walker = builder.build_parallel();
    let root_buf = root.to_path_buf();
    let excludes = &excludes;
    let root_ref = &root_buf;
    let make_visitor = &make_visitor;
    walker.run(|| {
        let mut worker = Worker {
            visitor: Some(make_visitor()),
            buffer: Vec::new(),
            root: root_ref.clone(),
            options: options.clone(),
        };
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
    Ok(())
}

fn relative_to(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root).unwrap_or(path).to_path_buf()
}

struct Worker {
    visitor: Option<Box<dyn Visitor>>,
    buffer: Vec<u8>,
    root: PathBuf,
    options: WalkOptions,
}

impl Drop for Worker {
    fn drop(&mut self) {
        if let Some(v) = self.visitor.take() {
            v.finish();
        }
    }
}

impl Worker {
    fn visitor(&mut self) -> &mut dyn Visitor {
        self.visitor
            .as_deref_mut()
            .expect("the visitor lives until the worker is dropped")
    }

    fn walk_error(&mut self, err: ignore::Error) {
        let path = error_path(&err).unwrap_or_else(|| self.root.clone());
        let detail = err.to_string();
        // A loop or a broken link is not a file we were asked to read.
        let reason = if detail.contains("loop") {
            SkipReason::Symlink
        } else {
            SkipReason::Unreadable
        };
        self.visitor().skipped(&path, reason, Some(detail));
    }

    fn entry(&mut self, entry: &DirEntry, relative: &Path) {
        let Some(file_type) = entry.file_type() else {
            // Only stdin has no file type; we never walk stdin.
            return;
        };
        if file_type.is_dir() || self.options.read_elsewhere.contains(entry.path()) {
            return;
        }
        if file_type.is_symlink() {
            self.visitor()
                .skipped(entry.path(), SkipReason::Symlink, None);
            return;
        }
        if !file_type.is_file() {
            self.visitor()
                .skipped(entry.path(), SkipReason::Special, None);
            return;
        }
        match read_regular_file(entry.path(), self.options.max_file_size, &mut self.buffer) {
            Ok(()) if is_binary(&self.buffer) => {
                self.visitor()
                    .skipped(entry.path(), SkipReason::Binary, None)
            }
            Ok(()) => {
                let buffer = std::mem::take(&mut self.buffer);
                self.visitor().file(FileItem {
                    relative,
                    data: &buffer,
                });
                self.buffer = buffer;
            }
            Err(error) => {
                let (reason, detail) = error.into_skip();
                self.visitor().skipped(entry.path(), reason, detail)
            }
        }
    }
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
    buffer.clear();
    let file = open_nonblocking(path).map_err(ReadError::Io)?;
    let meta = file.metadata().map_err(ReadError::Io)?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular);
    }
    if meta.len() > max {
        return Err(ReadError::TooLarge(meta.len()));
    }
    buffer.reserve(meta.len() as usize);
    // `take` bounds a file that grows while we read it.
    file.take(max + 1)
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

/// A NUL byte in the first 8 KiB means binary, as git and ripgrep decide it.
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

    #[test]
    fn nul_in_first_8k_is_binary() {
        assert!(is_binary(b"abc\0def"));
        let mut late = vec![b'a'; 9000];
        late.push(0);
        assert!(!is_binary(&late));
    }
}
