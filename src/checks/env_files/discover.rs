//! Finding env files, including the git-ignored ones the working-tree scan never sees (they
//! are exactly the files that must not be committed), and answering two questions about each:
//! would the working-tree scan have read it, and does a `.gitignore` protect it?
//!
//! Discovery walks with every ignore rule off, but still skips `.git`, dependency folders
//! (`node_modules`, `vendor`, virtualenvs, ...) and the configured excludes; it never follows
//! symbolic links and only lists names, so nothing but the few env files is ever opened.
//!
//! Both questions are answered by a second, pruned walk that only enters the folders on the
//! way to the candidates: one with the working-tree scan's own walk settings
//! ([`worktree::ignore_aware_builder`]), so "covered" means exactly what the scan did, and one
//! with `.gitignore` files alone, because `.git/info/exclude` and a global excludes file do not
//! protect anyone else who clones the repository.

use super::classify::{EnvNames, Environment};
use crate::checks::common::folders;
use crate::source::worktree;
use crate::source::worktree::Excludes;
use ignore::{DirEntry, WalkBuilder, WalkState};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// What discovery found under a root; paths are relative to it.
#[derive(Debug, Default)]
pub struct Discovered {
    pub files: Vec<(PathBuf, Environment)>,
    /// Env-named symbolic links (not followed; their targets are found at their real paths).
    pub symlinks: Vec<PathBuf>,
    /// Env-named FIFOs, sockets and devices (never opened).
    pub special: Vec<PathBuf>,
    /// Folders or entries that could not be listed, with the error.
    pub errors: Vec<(PathBuf, String)>,
}

/// Lists every env file under `root` (see the module doc for what is skipped).
pub fn discover(root: &Path, names: &EnvNames, excludes: &Excludes, threads: usize) -> Discovered {
    let found = Mutex::new(Discovered::default());
    let mut builder = WalkBuilder::new(root);
    builder
        .standard_filters(false)
        .hidden(false)
        .follow_links(false)
        .threads(threads)
        .filter_entry(|entry| entry.depth() == 0 || !is_skipped_dir(entry));
    let root_buf = root.to_path_buf();
    builder.build_parallel().run(|| {
        let found = &found;
        let root = &root_buf;
        Box::new(move |entry| {
            let entry = match entry {
                Ok(entry) => entry,
                Err(err) => {
                    lock(found).errors.push((root.clone(), err.to_string()));
                    return WalkState::Continue;
                }
            };
            let relative = entry.path().strip_prefix(root).unwrap_or(entry.path());
            if relative.as_os_str().is_empty() {
                return WalkState::Continue;
            }
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            if excludes.is_match(relative) {
                return if is_dir {
                    WalkState::Skip
                } else {
                    WalkState::Continue
                };
            }
            if !is_dir {
                record(found, &entry, relative, names);
            }
            WalkState::Continue
        })
    });
    let mut found = found
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    found.files.sort();
    found.symlinks.sort();
    found.special.sort();
    found
}

fn lock(found: &Mutex<Discovered>) -> std::sync::MutexGuard<'_, Discovered> {
    found
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn record(found: &Mutex<Discovered>, entry: &DirEntry, relative: &Path, names: &EnvNames) {
    let Some(environment) = names.classify(relative) else {
        return;
    };
    let Some(file_type) = entry.file_type() else {
        return;
    };
    let relative = relative.to_path_buf();
    let mut found = lock(found);
    if file_type.is_symlink() {
        found.symlinks.push(relative);
    } else if file_type.is_file() {
        found.files.push((relative, environment));
    } else {
        found.special.push(relative);
    }
}

/// Dependency folders by name, virtualenvs by their marker file (they are often called
/// `.env`!), and Rust's `target/` by its cache tag.
fn is_skipped_dir(entry: &DirEntry) -> bool {
    let name = entry.file_name();
    if name == ".git" {
        return true;
    }
    if !entry.file_type().is_some_and(|t| t.is_dir()) {
        return false;
    }
    let name = name.to_string_lossy();
    (folders::is_dependency_dir(name.as_ref()) || folders::BUILD_OUTPUT.contains(&name.as_ref()))
        || entry.path().join("pyvenv.cfg").is_file()
        || (name == "target" && entry.path().join("CACHEDIR.TAG").is_file())
}

/// Which ignore rules a visibility walk applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IgnoreRules {
    /// Exactly what the working-tree scan honours (`.gitignore`, `.ignore`, `.git/info/exclude`).
    WorktreeScan,
    /// Only `.gitignore` files: what protects everyone who clones the repository.
    GitignoreFiles,
}

/// The subset of `candidates` (relative paths of files) that a walk under `rules` would visit,
/// i.e. that those rules do not ignore.
pub fn visible(root: &Path, candidates: &[PathBuf], rules: IgnoreRules) -> HashSet<PathBuf> {
    if candidates.is_empty() {
        return HashSet::new();
    }
    let wanted: HashSet<PathBuf> = candidates.iter().cloned().collect();
    let mut on_the_way: HashSet<PathBuf> = HashSet::new();
    for candidate in candidates {
        for ancestor in candidate.ancestors().skip(1) {
            if !on_the_way.insert(ancestor.to_path_buf()) {
                break;
            }
        }
    }
    let mut builder = match rules {
        IgnoreRules::WorktreeScan => worktree::ignore_aware_builder(root),
        IgnoreRules::GitignoreFiles => worktree::gitignore_only_builder(root),
    };
    let root_buf = root.to_path_buf();
    builder.filter_entry(move |entry| {
        if entry.depth() == 0 {
            return true;
        }
        if entry.file_name() == ".git" {
            return false;
        }
        let relative = entry.path().strip_prefix(&root_buf).unwrap_or(entry.path());
        wanted.contains(relative) || on_the_way.contains(relative)
    });
    builder
        .build()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_some_and(|t| !t.is_dir()))
        .filter_map(|e| e.path().strip_prefix(root).ok().map(Path::to_path_buf))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    #[test]
    fn finds_ignored_env_files_and_skips_dependencies() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, ".gitignore", ".env*\n!.env.example\n");
        write(root, ".env", "A=1\n");
        write(root, ".env.example", "A=\n");
        write(root, "apps/web/.env.production.local", "A=1\n");
        write(root, "node_modules/pkg/.env", "A=1\n");
        write(root, "tools/.env/pyvenv.cfg", "home = /usr\n");
        write(root, "tools/.env/lib/.env", "A=1\n");
        write(root, "src/main.rs", "fn main() {}\n");
        let names = EnvNames::from_config(&BTreeMap::new()).unwrap();
        let excludes = worktree::exclude_set(&[]).unwrap();
        let found = discover(root, &names, &excludes, 2);
        let paths: Vec<&Path> = found.files.iter().map(|(p, _)| p.as_path()).collect();
        assert_eq!(
            paths,
            [
                Path::new(".env"),
                Path::new(".env.example"),
                Path::new("apps/web/.env.production.local")
            ]
        );
        let all: Vec<PathBuf> = found.files.iter().map(|(p, _)| p.clone()).collect();
        let scan = visible(root, &all, IgnoreRules::WorktreeScan);
        assert_eq!(scan, HashSet::from([PathBuf::from(".env.example")]));
    }

    #[test]
    fn info_exclude_hides_from_the_scan_but_does_not_protect_the_repository() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, ".git/info/exclude", ".env.local\n");
        write(root, ".git/HEAD", "ref: refs/heads/main\n");
        write(root, ".env.local", "A=1\n");
        let candidates = vec![PathBuf::from(".env.local")];
        assert!(visible(root, &candidates, IgnoreRules::WorktreeScan).is_empty());
        assert_eq!(
            visible(root, &candidates, IgnoreRules::GitignoreFiles).len(),
            1
        );
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_and_fifos_are_listed_not_opened() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "real.env", "A=1\n");
        std::os::unix::fs::symlink(root.join("real.env"), root.join(".env")).unwrap();
        let fifo = root.join(".env.production");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let names = EnvNames::default();
        let excludes = worktree::exclude_set(&[]).unwrap();
        let found = discover(root, &names, &excludes, 1);
        assert_eq!(found.files.len(), 1);
        assert_eq!(found.symlinks, [PathBuf::from(".env")]);
        assert_eq!(found.special, [PathBuf::from(".env.production")]);
    }
}
