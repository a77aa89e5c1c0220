//! Finds build output: the folders bundlers write (`dist/`, `.next/static/`, ...) and loose
//! bundle files (`*.min.js`, `*.bundle.js`, `*.chunk.js` and their maps), and says for each
//! file whether browsers receive it (client) or only the server runs it.
//!
//! Why its own walk: the working-tree scan honours `.gitignore`, and build output is almost
//! always ignored, so it would never be seen. This walk ignores ignore files but stays safe and
//! bounded: symbolic links are never followed (a link is counted and passed over), only
//! regular files are listed (FIFOs and devices are counted, never opened), dependency and cache
//! folders are pruned (`node_modules`, `vendor`, anything with a `CACHEDIR.TAG`), the config's
//! `exclude` globs are honoured, and the search for build folders stops at a fixed depth.

use crate::checks::common::folders;
use crate::source::worktree::SkipReason;
use std::fs::FileType;
use std::path::{Path, PathBuf};

/// How deep below a root the search for build folders goes.
pub const MAX_DISCOVERY_DEPTH: usize = 12;
/// How deep inside one build folder files are listed.
pub const MAX_BUILD_DEPTH: usize = 64;
/// Entries looked at when deciding whether a generic `dist/` is a web build.
const MAX_SNIFF_ENTRIES: usize = 2000;

/// Who receives a file of build output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Served to browsers: everything in it is public.
    Client,
    /// Runs on the server only (`.next/server/`, `dist/server/`).
    Server,
}

/// A well-known place where a bundler writes output.
#[derive(Debug, PartialEq, Eq)]
pub struct Layout {
    /// Trailing path components that identify the folder.
    pub path: &'static [&'static str],
    pub visibility: Visibility,
    /// `dist/`, `build/`, `out/`: names many non-web tools use too, so a found one is only
    /// taken for a web build when its contents look like one.
    pub generic: bool,
}

const fn layout(path: &'static [&'static str], visibility: Visibility, generic: bool) -> Layout {
    Layout {
        path,
        visibility,
        generic,
    }
}

/// Longest paths first, so `public/build` wins over `build`.
pub const LAYOUTS: &[Layout] = &[
    layout(&[".nuxt", "dist", "client"], Visibility::Client, false),
    layout(&[".nuxt", "dist", "server"], Visibility::Server, false),
    layout(
        &[".svelte-kit", "output", "client"],
        Visibility::Client,
        false,
    ),
    layout(
        &[".svelte-kit", "output", "prerendered"],
        Visibility::Client,
        false,
    ),
    layout(
        &[".svelte-kit", "output", "server"],
        Visibility::Server,
        false,
    ),
    layout(&[".next", "static"], Visibility::Client, false),
    layout(&[".next", "server"], Visibility::Server, false),
    layout(&[".output", "public"], Visibility::Client, false),
    layout(&[".output", "server"], Visibility::Server, false),
    layout(&["public", "build"], Visibility::Client, false),
    layout(&["storybook-static"], Visibility::Client, false),
    layout(&["dist"], Visibility::Client, true),
    layout(&["build"], Visibility::Client, true),
    layout(&["out"], Visibility::Client, true),
];

/// Framework folders whose only output is under the layouts above; the rest of them (caches,
/// traces) is never listed.
const CONTAINERS: &[&str] = &[".next", ".output", ".nuxt", ".svelte-kit"];

/// Loose files whose names say they are bundles for browsers, wherever they are.
const BUNDLE_SUFFIXES: &[&str] = &[
    ".min.js",
    ".bundle.js",
    ".chunk.js",
    ".min.js.map",
    ".bundle.js.map",
    ".chunk.js.map",
];

/// One file of build output to check.
#[derive(Debug, Clone, PartialEq)]
pub struct BundleFile {
    /// Where to open it.
    pub path: PathBuf,
    /// How to show it in findings.
    pub shown: String,
    pub visibility: Visibility,
}

/// A build folder that was found, for `--verbose` and the docs' "what was checked".
#[derive(Debug, Clone, PartialEq)]
pub struct BuildDir {
    pub shown: String,
    pub visibility: Visibility,
}

/// Something passed over while listing, with why.
#[derive(Debug, Clone, PartialEq)]
pub struct Skip {
    pub path: PathBuf,
    pub reason: SkipReason,
    pub detail: Option<String>,
}

/// The config's `exclude` globs, relative to the root being searched.
#[derive(Debug, Clone)]
pub struct Exclude {
    pub root: PathBuf,
    pub globs: crate::source::worktree::Excludes,
}

impl Exclude {
    fn excludes(&self, path: &Path) -> bool {
        path.strip_prefix(&self.root)
            .is_ok_and(|relative| self.globs.is_match(relative))
    }
}

/// Everything discovery produced.
#[derive(Debug, Default)]
pub struct Found {
    pub dirs: Vec<BuildDir>,
    pub files: Vec<BundleFile>,
    pub skipped: Vec<Skip>,
    /// While set, paths it matches are neither searched nor listed (as in the working-tree walk).
    pub exclude: Option<Exclude>,
}

impl Found {
    fn excluded(&self, path: &Path) -> bool {
        self.exclude.as_ref().is_some_and(|e| e.excludes(path))
    }

    fn skip(&mut self, path: &Path, reason: SkipReason, detail: Option<String>) {
        self.skipped.push(Skip {
            path: path.to_path_buf(),
            reason,
            detail,
        });
    }

    /// Drops files listed twice (a folder named explicitly inside a discovered one).
    pub fn dedup(&mut self) {
        let mut seen = std::collections::HashSet::new();
        self.files.retain(|f| seen.insert(file_identity(&f.path)));
        let mut seen_dirs = std::collections::HashSet::new();
        self.dirs.retain(|d| seen_dirs.insert(d.shown.clone()));
    }
}

#[cfg(unix)]
fn file_identity(path: &Path) -> (u64, u64, PathBuf) {
    use std::os::unix::fs::MetadataExt;
    match std::fs::symlink_metadata(path) {
        Ok(meta) => (meta.dev(), meta.ino(), PathBuf::new()),
        Err(_) => (0, 0, path.to_path_buf()),
    }
}

#[cfg(not(unix))]
fn file_identity(path: &Path) -> (u64, u64, PathBuf) {
    (0, 0, path.to_path_buf())
}

/// What to do with a folder met while searching.
pub enum DirClass {
    Build(&'static Layout),
    Descend,
    Prune,
}

/// Classifies a folder by its trailing path components (root name + relative path).
pub fn classify(components: &[String]) -> DirClass {
    let Some(last) = components.last() else {
        return DirClass::Descend;
    };
    if folders::is_dependency_dir(last) {
        return DirClass::Prune;
    }
    if let Some(i) = components
        .iter()
        .rposition(|c| CONTAINERS.contains(&c.as_str()))
    {
        let tail = &components[i..];
        if let Some(found) = LAYOUTS.iter().find(|l| same(l.path, tail)) {
            return DirClass::Build(found);
        }
        let leads_to_output = LAYOUTS
            .iter()
            .any(|l| l.path.len() > tail.len() && same(&l.path[..tail.len()], tail));
        return if leads_to_output {
            DirClass::Descend
        } else {
            DirClass::Prune
        };
    }
    LAYOUTS
        .iter()
        .filter(|l| !CONTAINERS.contains(&l.path[0]))
        .find(|l| {
            components.len() >= l.path.len()
                && same(l.path, &components[components.len() - l.path.len()..])
        })
        .map_or(DirClass::Descend, DirClass::Build)
}

fn same(a: &[&str], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| *x == y)
}

/// Up to the last three components of a folder's real path, to recognise `.next/static` or
/// `dist` when a user names it directly.
fn tail_components(dir: &Path) -> Vec<String> {
    let real = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let mut parts: Vec<String> = real
        .components()
        .filter_map(|c| match c {
            std::path::Component::Normal(p) => Some(p.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    let keep = parts.len().saturating_sub(3);
    parts.drain(..keep);
    parts
}

pub fn name_of(dir: &Path) -> Vec<String> {
    tail_components(dir).pop().into_iter().collect()
}

pub fn join_shown(shown: &str, name: &str) -> String {
    if shown.is_empty() {
        name.to_string()
    } else {
        format!("{}/{name}", shown.trim_end_matches('/'))
    }
}

/// Searches a scanned root for build folders and loose bundle files. The root itself is never
/// taken for build output by its name (a CI checkout may well be called `build`).
/// `shown` is how the root itself is shown (empty: paths relative to it).
pub fn discover(root: &Path, shown: &str, found: &mut Found) {
    search(root, shown, name_of(root), 0, found);
}

/// A folder the user named (`leakgate bundle DIR`, `--bundle DIR`, `bundle_dirs`): a known
/// layout is treated as such (`.next/static`, `dist`), a framework or project folder is
/// searched, and anything else is client output because the user said it is build output.
pub fn explicit(dir: &Path, shown: &str, found: &mut Found) {
    let tail = tail_components(dir);
    match classify(&tail) {
        DirClass::Build(layout) => list_build_dir(dir, shown, layout.visibility, found),
        DirClass::Prune => list_build_dir(dir, shown, Visibility::Client, found),
        DirClass::Descend => {
            let before = (found.dirs.len(), found.files.len());
            search(dir, shown, tail, 0, found);
            let found_nothing = (found.dirs.len(), found.files.len()) == before;
            if found_nothing && !is_project_root(dir) {
                list_build_dir(dir, shown, Visibility::Client, found);
            }
        }
    }
}

fn is_project_root(dir: &Path) -> bool {
    [
        "package.json",
        ".git",
        "Cargo.toml",
        "pyproject.toml",
        "go.mod",
    ]
    .iter()
    .any(|marker| std::fs::symlink_metadata(dir.join(marker)).is_ok())
}

fn sorted_entries(dir: &Path, found: &mut Found) -> Vec<(String, PathBuf, FileType)> {
    let reader = match std::fs::read_dir(dir) {
        Ok(reader) => reader,
        Err(e) => {
            found.skip(dir, SkipReason::Unreadable, Some(e.to_string()));
            return Vec::new();
        }
    };
    let mut entries = Vec::new();
    for entry in reader {
        match entry.and_then(|e| Ok((e.file_name(), e.path(), e.file_type()?))) {
            Ok((name, path, file_type)) => {
                entries.push((name.to_string_lossy().into_owned(), path, file_type))
            }
            Err(e) => found.skip(dir, SkipReason::Unreadable, Some(e.to_string())),
        }
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    entries
}

fn search(dir: &Path, shown: &str, components: Vec<String>, depth: usize, found: &mut Found) {
    if depth > MAX_DISCOVERY_DEPTH || std::fs::symlink_metadata(dir.join("CACHEDIR.TAG")).is_ok() {
        return;
    }
    for (name, path, file_type) in sorted_entries(dir, found) {
        if found.excluded(&path) {
            continue;
        }
        let child_shown = join_shown(shown, &name);
        if file_type.is_dir() {
            let mut child = components.clone();
            child.push(name);
            match classify(&child) {
                DirClass::Prune => {}
                DirClass::Descend => search(&path, &child_shown, child, depth + 1, found),
                DirClass::Build(layout) if layout.generic && !looks_like_web_build(&path) => {
                    search(&path, &child_shown, child, depth + 1, found)
                }
                DirClass::Build(layout) => {
                    list_build_dir(&path, &child_shown, layout.visibility, found)
                }
            }
        } else if file_type.is_file() && is_loose_bundle(&name) {
            found.files.push(BundleFile {
                path,
                shown: child_shown,
                visibility: Visibility::Client,
            });
        }
    }
}

pub fn is_loose_bundle(name: &str) -> bool {
    BUNDLE_SUFFIXES.iter().any(|s| name.ends_with(s))
}

/// A generic `dist/` is taken for web output when it holds HTML, an assets folder, a bundler
/// manifest or bundle-named files within two levels; a compiled Node library or a Python
/// `build/` is not.
pub fn looks_like_web_build(dir: &Path) -> bool {
    let mut budget = MAX_SNIFF_ENTRIES;
    sniff_web(dir, 0, &mut budget)
}

fn sniff_web(dir: &Path, depth: usize, budget: &mut usize) -> bool {
    let Ok(reader) = std::fs::read_dir(dir) else {
        return false;
    };
    let mut subdirs = Vec::new();
    for entry in reader.flatten() {
        if *budget == 0 {
            return false;
        }
        *budget -= 1;
        let name = entry.file_name().to_string_lossy().to_ascii_lowercase();
        let Ok(file_type) = entry.file_type() else {
            continue;
        };
        if file_type.is_dir() {
            if ["assets", "static", "_next", "_app", "chunks", ".vite"].contains(&name.as_str()) {
                return true;
            }
            subdirs.push(entry.path());
        } else if file_type.is_file()
            && (name.ends_with(".html")
                || name.ends_with(".htm")
                || name == "asset-manifest.json"
                || name == "manifest.json"
                || is_loose_bundle(&name))
        {
            return true;
        }
    }
    depth == 0 && subdirs.iter().any(|d| sniff_web(d, depth + 1, budget))
}

/// Lists every regular file of a build folder. In generic folders a `server/` subfolder is
/// server-only output (the Vite/SSR convention of `dist/client` + `dist/server`).
fn list_build_dir(dir: &Path, shown: &str, visibility: Visibility, found: &mut Found) {
    found.dirs.push(BuildDir {
        shown: shown.to_string(),
        visibility,
    });
    let mut stack = vec![(dir.to_path_buf(), shown.to_string(), visibility, 0usize)];
    while let Some((dir, shown, visibility, depth)) = stack.pop() {
        if depth > MAX_BUILD_DEPTH {
            continue;
        }
        let entries = sorted_entries(&dir, found);
        // Pushed in reverse so files come out in name order.
        for (name, path, file_type) in entries.into_iter().rev() {
            if found.excluded(&path) {
                continue;
            }
            let child_shown = join_shown(&shown, &name);
            if file_type.is_symlink() {
                found.skip(&path, SkipReason::Symlink, None);
            } else if file_type.is_dir() {
                if name == "node_modules" || name == ".git" {
                    continue;
                }
                let child_visibility = if name == "server" {
                    Visibility::Server
                } else {
                    visibility
                };
                stack.push((path, child_shown, child_visibility, depth + 1));
            } else if file_type.is_file() {
                found.files.push(BundleFile {
                    path,
                    shown: child_shown,
                    visibility,
                });
            } else {
                found.skip(&path, SkipReason::Special, None);
            }
        }
    }
}

/// Build output in a snapshot of a repository (a commit's tree), decided from paths alone as
/// [`discover`] decides it from a folder: for each of `files` (paths from the repository's
/// top, `/`-separated), whether it is build output and who receives it. `all` is every file of
/// the snapshot, for the questions discovery asks the file system (is a generic `dist/` a web
/// build, is a folder a cache).
pub fn in_snapshot(
    files: &[&str],
    all: &std::collections::BTreeSet<&str>,
) -> Vec<Option<Visibility>> {
    // Decided once per folder (a snapshot of 9k files has a few hundred): only a loose bundle's
    // own name is looked at per file.
    let mut folders: std::collections::HashMap<&str, Option<Option<Visibility>>> =
        std::collections::HashMap::new();
    files
        .iter()
        .map(|path| {
            let (folder, name) = path.rsplit_once('/').unwrap_or(("", path));
            let decided = *folders
                .entry(folder)
                .or_insert_with(|| folder_visibility(folder, all));
            decided.unwrap_or_else(|| is_loose_bundle(name).then_some(Visibility::Client))
        })
        .collect()
}

/// What a file's folder (from the repository's top, `/`-separated; empty for the top) makes
/// of it: `Some(None)` not build output whatever its name (a cache, a dependency folder),
/// `Some(Some(_))` build output received by whom, `None` undecided (the name decides).
fn folder_visibility(
    folder: &str,
    all: &std::collections::BTreeSet<&str>,
) -> Option<Option<Visibility>> {
    if folder.is_empty() {
        return None;
    }
    let dirs: Vec<&str> = folder.split('/').collect();
    // The root's own name never makes it build output: an empty first component stands for it.
    let mut components = vec![String::new()];
    for (i, dir) in dirs.iter().enumerate() {
        let prefix = dirs[..=i].join("/");
        if all.contains(format!("{prefix}/CACHEDIR.TAG").as_str()) {
            return Some(None);
        }
        components.push(dir.to_string());
        match classify(&components) {
            DirClass::Prune => return Some(None),
            DirClass::Descend => {}
            DirClass::Build(layout) if layout.generic && !snapshot_looks_web(&prefix, all) => {}
            DirClass::Build(layout) => {
                let below = &dirs[i + 1..];
                if below.iter().any(|d| *d == "node_modules" || *d == ".git") {
                    return Some(None);
                }
                let server = below.contains(&"server");
                return Some(Some(if server {
                    Visibility::Server
                } else {
                    layout.visibility
                }));
            }
        }
    }
    None
}

/// [`looks_like_web_build`] over a snapshot's paths: a web-named folder or file within two
/// levels of `dir`.
fn snapshot_looks_web(dir: &str, all: &std::collections::BTreeSet<&str>) -> bool {
    let start = format!("{dir}/");
    all.range(start.as_str()..)
        .take_while(|p| p.starts_with(&start))
        .take(MAX_SNIFF_ENTRIES)
        .any(|p| {
            let rest: Vec<String> = p[start.len()..]
                .split('/')
                .map(str::to_ascii_lowercase)
                .collect();
            let web_dir = |d: &String| {
                ["assets", "static", "_next", "_app", "chunks", ".vite"].contains(&d.as_str())
            };
            let web_file = |f: &String| {
                f.ends_with(".html")
                    || f.ends_with(".htm")
                    || f == "asset-manifest.json"
                    || f == "manifest.json"
                    || is_loose_bundle(f)
            };
            match rest.len() {
                1 => web_file(&rest[0]),
                2 => web_dir(&rest[0]) || web_file(&rest[1]),
                _ => web_dir(&rest[0]) || web_dir(&rest[1]),
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_output_in_a_snapshot_is_decided_from_paths() {
        let all: std::collections::BTreeSet<&str> = [
            "dist/index.html",
            "dist/assets/app.js",
            "dist/server/entry.js",
            "lib/dist/index.js",
            "web/.next/static/chunks/main.js",
            "web/.next/cache/x.js",
            "node_modules/x/dist/index.html",
            "src/vendor.min.js",
            "cache/CACHEDIR.TAG",
            "cache/out/app.min.js",
        ]
        .into_iter()
        .collect();
        let files: Vec<&str> = all.iter().copied().collect();
        let seen: Vec<(&str, Option<Visibility>)> = files
            .iter()
            .copied()
            .zip(in_snapshot(&files, &all))
            .collect();
        let client = Some(Visibility::Client);
        assert_eq!(
            seen,
            [
                ("cache/CACHEDIR.TAG", None),
                ("cache/out/app.min.js", None),
                ("dist/assets/app.js", client),
                ("dist/index.html", client),
                ("dist/server/entry.js", Some(Visibility::Server)),
                // A compiled library's `dist/` is not a web build.
                ("lib/dist/index.js", None),
                ("node_modules/x/dist/index.html", None),
                ("src/vendor.min.js", client),
                ("web/.next/cache/x.js", None),
                ("web/.next/static/chunks/main.js", client),
            ]
        );
    }

    fn parts(path: &str) -> Vec<String> {
        path.split('/').map(String::from).collect()
    }

    fn layout_of(path: &str) -> Option<(&'static [&'static str], Visibility)> {
        match classify(&parts(path)) {
            DirClass::Build(l) => Some((l.path, l.visibility)),
            _ => None,
        }
    }

    #[test]
    fn known_layouts_are_recognised_with_their_visibility() {
        assert_eq!(
            layout_of("app/.next/static"),
            Some((&[".next", "static"][..], Visibility::Client))
        );
        assert_eq!(
            layout_of("app/.next/server"),
            Some((&[".next", "server"][..], Visibility::Server))
        );
        assert_eq!(
            layout_of("web/public/build"),
            Some((&["public", "build"][..], Visibility::Client))
        );
        assert_eq!(
            layout_of("web/dist"),
            Some((&["dist"][..], Visibility::Client))
        );
        assert_eq!(
            layout_of("x/.nuxt/dist/client"),
            Some((&[".nuxt", "dist", "client"][..], Visibility::Client))
        );
    }

    #[test]
    fn container_insides_other_than_output_are_pruned() {
        assert!(matches!(
            classify(&parts("app/.next/cache")),
            DirClass::Prune
        ));
        assert!(matches!(
            classify(&parts("app/.nuxt/dist")),
            DirClass::Descend
        ));
        // `dist` inside `.nuxt` is the container's, not a generic dist.
        assert!(matches!(
            classify(&parts("app/.nuxt/dist")),
            DirClass::Descend
        ));
        assert!(matches!(
            classify(&parts("app/node_modules")),
            DirClass::Prune
        ));
    }

    #[test]
    fn loose_bundles_are_recognised_by_name() {
        assert!(is_loose_bundle("app.min.js"));
        assert!(is_loose_bundle("main.3f2a.chunk.js"));
        assert!(is_loose_bundle("vendor.bundle.js.map"));
        assert!(!is_loose_bundle("index.js"));
    }
}
