//! Paths a configuration names (`rules_files`, `bundle_dirs`) stay inside the scanned folder
//! when the configuration belongs to that folder: a repository's `.leakgate.yml` must not make
//! the scan read, or the report show, files elsewhere on the machine that runs it (a CI
//! runner's home, `/etc`). Checked after resolving `..` and symbolic links, so neither an
//! absolute path, a `../` nor a link inside the repository can lead out.
//!
//! Which configurations are confined: one found in the scanned folder (or the current
//! directory), and one named with `--config` that lies inside a scanned folder. A file named
//! with `--config` outside every scanned folder is the operator's own and may name anything.
//! A configuration read from a commit (a pull request's base) is confined to the first root.

use crate::config::{DEFAULT_CONFIG_NAME, LoadedConfig};
use anyhow::{Result, bail};
use std::path::{Component, Path, PathBuf};

/// Refuses `loaded`'s paths that resolve outside the folder it belongs to (see the module
/// docs). `explicit`: the config was named with `--config`; `roots`: the scanned paths.
pub fn check(loaded: &LoadedConfig, explicit: bool, roots: &[PathBuf]) -> Result<()> {
    let Some((boundary, base)) = boundary(loaded, explicit, roots) else {
        return Ok(());
    };
    let shown = loaded.path.as_ref().map_or_else(
        || DEFAULT_CONFIG_NAME.to_string(),
        |p| p.display().to_string(),
    );
    let config = &loaded.config;
    for (key, paths) in [
        ("rules_files", &config.rules_files),
        ("bundle_dirs", &config.bundle_dirs),
    ] {
        for (n, path) in paths.iter().enumerate() {
            let resolved = base.join(path);
            if !resolves_inside(&resolved, &boundary) {
                // The value is not echoed: a config error never prints what the file says.
                bail!(
                    "{shown}: {key} entry {} resolves outside the scanned folder {}; a \
                     repository's configuration may only name files inside it",
                    n + 1,
                    boundary.display()
                );
            }
        }
    }
    Ok(())
}

/// (the folder the config's paths must stay in, the folder they are relative to), both
/// canonical; `None` when the config is not confined.
fn boundary(
    loaded: &LoadedConfig,
    explicit: bool,
    roots: &[PathBuf],
) -> Option<(PathBuf, PathBuf)> {
    let canonical_dirs = || {
        roots
            .iter()
            .filter_map(|r| std::fs::canonicalize(r).ok())
            .filter(|r| r.is_dir())
    };
    match &loaded.path {
        None => {
            // Read from a commit: its paths are paths in the first root's repository.
            let root = canonical_dirs().next()?;
            Some((root.clone(), root))
        }
        Some(path) => {
            let file = std::fs::canonicalize(path).ok()?;
            let folder = file.parent()?.to_path_buf();
            let boundary = if explicit {
                canonical_dirs().find(|root| file.starts_with(root))?
            } else {
                folder.clone()
            };
            Some((boundary, folder))
        }
    }
}

/// Whether `path` (absolute) is inside `boundary` (canonical) once every link is followed. A
/// path that does not exist yet (a build folder not built) is judged by its deepest existing
/// ancestor plus the rest, which may not climb with `..`.
fn resolves_inside(path: &Path, boundary: &Path) -> bool {
    let mut existing = path.to_path_buf();
    let mut rest: Vec<Component<'_>> = Vec::new();
    let components: Vec<Component<'_>> = path.components().collect();
    let mut keep = components.len();
    let canonical = loop {
        if let Ok(canonical) = std::fs::canonicalize(&existing) {
            break canonical;
        }
        if keep == 0 || !existing.pop() {
            return false;
        }
        keep -= 1;
        rest.insert(0, components[keep]);
    };
    if rest.iter().any(|c| !matches!(c, Component::Normal(_))) {
        return false;
    }
    let full: PathBuf = rest.iter().fold(canonical, |p, c| p.join(c));
    full.starts_with(boundary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_judged_after_dots_and_links() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap().join("root");
        std::fs::create_dir_all(root.join("rules")).unwrap();
        std::fs::create_dir_all(root.parent().unwrap().join("outside")).unwrap();
        assert!(resolves_inside(&root.join("rules"), &root));
        assert!(resolves_inside(&root.join("not/built/yet"), &root));
        assert!(resolves_inside(&root.join("rules/../rules"), &root));
        assert!(!resolves_inside(&root.join("../outside"), &root));
        assert!(!resolves_inside(&root.join("rules/../../outside"), &root));
        assert!(!resolves_inside(&root.join("missing/../../outside"), &root));
        assert!(!resolves_inside(Path::new("/etc"), &root));
        #[cfg(unix)]
        {
            let outside = root.parent().unwrap().join("outside");
            std::os::unix::fs::symlink(&outside, root.join("link")).unwrap();
            assert!(!resolves_inside(&root.join("link"), &root));
            assert!(!resolves_inside(&root.join("link/not-yet"), &root));
        }
    }
}
