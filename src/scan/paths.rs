//! How scanned paths are shown, decided once for every step. With one directory root, paths
//! are shown relative to it (`src/app.ts`); with several roots, or a single file, as walked
//! (`../other/src/app.ts`, `config.yml`). The working tree, history, the env check and the
//! bundle check all name files through this type, so the same file has the same name in every
//! finding and a working-tree finding can be matched to its history.

use crate::text::slash_path;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct DisplayPaths {
    /// The only root, when it is a directory: paths are shown relative to it.
    single_dir: Option<PathBuf>,
}

impl DisplayPaths {
    pub fn new(roots: &[PathBuf]) -> DisplayPaths {
        let single_dir = match roots {
            [root] if root.is_dir() => Some(root.clone()),
            _ => None,
        };
        DisplayPaths { single_dir }
    }

    /// Whether paths are shown relative to one directory root.
    pub fn is_single_dir(&self) -> bool {
        self.single_dir.is_some()
    }

    /// The prefix a step working inside `root` puts before its root-relative paths: `None`
    /// for the single directory root, `Some(root)` otherwise.
    pub fn prefix<'a>(&self, root: &'a Path) -> Option<&'a Path> {
        (!self.is_single_dir()).then_some(root)
    }

    /// A file found at `relative` under `root` (`walked` is `root` joined with it).
    pub fn shown(&self, root: &Path, relative: &Path) -> String {
        if relative.as_os_str().is_empty() {
            // The root itself: a single file, shown as given.
            return slash_path(root);
        }
        match self.prefix(root) {
            Some(root) => slash_path(&root.join(relative)),
            None => slash_path(relative),
        }
    }

    /// A path inside `root`'s repository or tree given `/`-separated (history, staged).
    pub fn shown_text(&self, root: &Path, relative: &str) -> String {
        match self.prefix(root) {
            Some(root) => slash_path(&root.join(relative)),
            None => relative.to_string(),
        }
    }

    /// Where a shown path is on disk.
    pub fn on_disk(&self, shown: &str) -> PathBuf {
        match &self.single_dir {
            Some(root) => root.join(shown),
            None => PathBuf::from(shown),
        }
    }

    /// A folder the user named (`--bundle dist`), shown as the walk would show files in it:
    /// relative to the single directory root when it is inside it, else as given.
    pub fn shown_dir(&self, dir: &Path) -> String {
        let relative = self.single_dir.as_ref().and_then(|root| {
            let root = std::fs::canonicalize(root).ok()?;
            let dir = std::fs::canonicalize(dir).ok()?;
            dir.strip_prefix(&root).ok().map(PathBuf::from)
        });
        match relative {
            Some(relative) => slash_path(&relative),
            None => slash_path(dir),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_directory_root_shows_relative_paths() {
        let dir = tempfile::tempdir().unwrap();
        let paths = DisplayPaths::new(&[dir.path().to_path_buf()]);
        assert!(paths.is_single_dir());
        assert_eq!(paths.shown(dir.path(), Path::new("src/a.ts")), "src/a.ts");
        assert_eq!(paths.shown_text(dir.path(), "src/a.ts"), "src/a.ts");
        assert_eq!(paths.on_disk("src/a.ts"), dir.path().join("src/a.ts"));
        assert_eq!(paths.prefix(dir.path()), None);
    }

    #[test]
    fn several_roots_show_paths_as_walked() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let roots = [a.path().to_path_buf(), b.path().to_path_buf()];
        let paths = DisplayPaths::new(&roots);
        assert!(!paths.is_single_dir());
        let shown = paths.shown(b.path(), Path::new("x/.env"));
        assert_eq!(shown, slash_path(&b.path().join("x/.env")));
        assert_eq!(paths.shown_text(b.path(), "x/.env"), shown);
        assert_eq!(paths.on_disk(&shown), PathBuf::from(&shown));
    }

    #[test]
    fn a_single_file_root_is_shown_as_given() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config.yml");
        std::fs::write(&file, "a: 1\n").unwrap();
        let paths = DisplayPaths::new(std::slice::from_ref(&file));
        assert!(!paths.is_single_dir());
        assert_eq!(paths.shown(&file, Path::new("")), slash_path(&file));
    }
}
