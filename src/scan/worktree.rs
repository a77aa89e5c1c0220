//! The working-tree step: one parallel walk of every root that matches each file as it is read
//! and lists, on the way, what the other steps need: the env files (git-ignored ones too) for
//! the env checks, and the build output for the bundle check (which reads it: the walk leaves
//! those files alone, so each file is read once). Before, each of those steps walked the tree
//! again with the ignore rules off.
//!
//! What the walk enters: every folder git's ignore rules do not hide (the secret scan reads
//! them), and an ignored folder only where the env discovery or the build-output search look
//! ([`ScanPlan`]): never dependency folders (`node_modules`, `vendor`, ...), virtualenvs,
//! caches with a `CACHEDIR.TAG`, or `.git`. So a huge ignored `node_modules` is not entered at
//! all, as before, and the folders only the old ignore-off walks entered are listed without
//! reading a file in them but their env files.

use super::known::KnownFindings;
use super::{Detector, DisplayPaths};
use crate::checks::bundle::BundleCheck;
use crate::checks::bundle::discover::{self as bundles, BuildDir, BundleFile, DirClass, Found};
use crate::checks::bundle::discover::{Skip, Visibility};
use crate::checks::common::folders;
use crate::checks::env_files::{Discovered, EnvSettings, Listed};
use crate::checks::launch::{self, LaunchSettings, SourceFile};
use crate::engine::{Matcher, RuleInfos, Scratch, findings_from_matches};
use crate::finding::Finding;
use crate::finding::Location;
use crate::settings::ScanSettings;
use crate::source::BlobMatcher;
use crate::source::archive::{self, Limits};
use crate::source::index::GitView;
use crate::source::stream::Window;
use crate::source::worktree::{self, Collector, FileItem, FileVisitor, SkipReason, Visitor};
use crate::source::worktree::{Entry, FolderEntry, Ignored, Listing, Plan, Take, WalkOptions};
use crate::stats::{ScanStats, Shard};
use crate::text::{error_chain, slash_path};
use anyhow::Result;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// What the walk of every root found.
#[derive(Default)]
pub struct Walked {
    pub findings: Vec<Finding>,
    pub stats: ScanStats,
    /// Each directory root's env files (none with `--no-env`), in root order.
    pub env: Vec<(PathBuf, Listed)>,
    /// The build output under the roots (empty with `--no-bundle`), in root order.
    pub bundles: Found,
}

/// Walks every root in parallel; each worker thread matches the files it reads. Files in
/// `read_elsewhere` (build output folders the user named) are left to the step that reads
/// them, and so is the build output the walk finds.
pub fn scan(
    settings: &ScanSettings,
    infos: &Arc<RuleInfos>,
    paths: &DisplayPaths,
    read_elsewhere: HashSet<PathBuf>,
    known: Arc<KnownFindings>,
) -> Result<Walked> {
    let read_elsewhere = Arc::new(read_elsewhere);
    let mut walked = Walked::default();
    for root in &settings.roots {
        let tracked = match tracked_files(root) {
            Ok(tracked) => tracked,
            Err(detail) => {
                // Which files git tracks is unknown: ignored-but-tracked ones may be missed.
                walked
                    .stats
                    .skip(root, SkipReason::Unreadable, Some(detail), false);
                Vec::new()
            }
        };
        let options = WalkOptions {
            tracked: Arc::new(tracked),
            threads: settings.threads,
            max_file_size: settings.skip_larger_than,
            overlap: window_overlap(&settings.matcher),
            exclude: settings.config.config.exclude.clone(),
            read_elsewhere: read_elsewhere.clone(),
        };
        let shown = paths.prefix(root).map(slash_path).unwrap_or_default();
        let plan = ScanPlan {
            env: settings.env.is_some() && root.is_dir(),
            bundle: settings.bundle.is_some() && root.is_dir(),
            shown: shown.clone(),
            build_dirs: Mutex::default(),
        };
        let collector: Arc<Collector<Part>> = Arc::default();
        worktree::walk(root, &options, &plan, || ScanVisitor {
            matcher: settings.matcher.clone(),
            infos: infos.clone(),
            archives: settings.archives,
            scratch: Scratch::default(),
            large_archive: false,
            part: Part::default(),
            root: root.clone(),
            shown: shown.clone(),
            paths: paths.clone(),
            verbose: settings.output.verbose,
            collector: collector.clone(),
            shard: settings.shard,
            launch: settings.launch.clone(),
            env: settings.env.as_ref().filter(|_| plan.env).cloned(),
            known: known.clone(),
        })?;
        let parts = Arc::try_unwrap(collector)
            .map_err(|_| anyhow::anyhow!("internal error: a scan worker outlived the walk"))?
            .into_parts();
        let mut env = Listed::default();
        let mut found = Found::default();
        for part in parts {
            walked.findings.extend(part.findings);
            walked.stats.merge(part.stats);
            env.found.files.extend(part.env.found.files);
            env.found.symlinks.extend(part.env.found.symlinks);
            env.found.special.extend(part.env.found.special);
            env.found.errors.extend(part.env.found.errors);
            env.covered.extend(part.env.covered);
            env.unignored.extend(part.env.unignored);
            found.files.extend(part.bundle_files);
            found.skipped.extend(part.bundle_skips);
        }
        // In the order the env discovery sorted them: paths compare component by component.
        env.found.files.sort();
        env.found.symlinks.sort();
        env.found.special.sort();
        let mut dirs = plan
            .build_dirs
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        dirs.sort_by(|a, b| a.0.cmp(&b.0));
        let build_dirs: Vec<&Path> = dirs.iter().map(|(p, _)| p.as_path()).collect();
        let key = |path: &Path| listing_order(path.strip_prefix(root).unwrap_or(path), &build_dirs);
        found.files.sort_by_cached_key(|f| key(&f.path));
        found.skipped.sort_by_cached_key(|s| key(&s.path));
        found.dirs = dirs.into_iter().map(|(_, d)| d).collect();
        walked.bundles.dirs.extend(found.dirs);
        walked.bundles.files.extend(found.files);
        walked.bundles.skipped.extend(found.skipped);
        if plan.env {
            walked.env.push((root.clone(), env));
        }
    }
    Ok(walked)
}

/// One step of [`listing_order`]'s key.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    /// Outside build folders (and a build folder's own name): name order.
    Name(std::ffi::OsString),
    /// Inside a build folder, a file: before the folders beside it, last name first.
    File(std::cmp::Reverse<std::ffi::OsString>),
    /// Inside a build folder, a folder: after the files beside it, in name order.
    Folder(std::ffi::OsString),
}

/// Where the build-output discovery the walk replaced listed a file (relative to the root),
/// so the bundle check sees its files in the same order (which source map reference a
/// finding names first depends on it): depth first in name order, except that inside a build
/// folder each folder's files came first, last name first, then its subfolders.
fn listing_order(relative: &Path, build_dirs: &[&Path]) -> Vec<Step> {
    let inside = build_dirs
        .iter()
        .find(|d| relative.starts_with(d))
        .map_or(usize::MAX, |d| d.components().count());
    let count = relative.components().count();
    relative
        .components()
        .enumerate()
        .map(|(i, c)| {
            let name = c.as_os_str().to_os_string();
            if i < inside {
                Step::Name(name)
            } else if i + 1 == count {
                Step::File(std::cmp::Reverse(name))
            } else {
                Step::Folder(name)
            }
        })
        .collect()
}

/// What the steps keep per folder of the walk.
pub struct FolderState {
    /// The env discovery looks for env files here.
    env: bool,
    bundle: BuildSearch,
}

/// Where the build-output search stands in a folder (the old discovery's recursion, one
/// folder at a time).
#[derive(Clone)]
enum BuildSearch {
    Off,
    /// Looking for build folders and loose bundles; `components` end with this folder's name
    /// (the first is the root's own name).
    Search {
        components: Vec<String>,
        depth: usize,
    },
    /// Inside a build folder: every file is build output.
    List {
        visibility: Visibility,
        depth: usize,
    },
}

/// Which ignored folders the walk enters, for the env and build-output steps.
struct ScanPlan {
    env: bool,
    bundle: bool,
    /// How the root is shown (paths below it are joined to it).
    shown: String,
    /// Build folders found, with where they are (to sort them).
    build_dirs: Mutex<Vec<(PathBuf, BuildDir)>>,
}

impl ScanPlan {
    fn shown(&self, relative: &Path) -> String {
        bundles::join_shown(&self.shown, &slash_path(relative))
    }
}

impl Plan for ScanPlan {
    type Folder = FolderState;

    fn root(&self, root: &Path, listing: &Listing) -> FolderState {
        let bundle = if self.bundle && !listing.has("CACHEDIR.TAG") {
            BuildSearch::Search {
                components: bundles::name_of(root),
                depth: 0,
            }
        } else {
            BuildSearch::Off
        };
        FolderState {
            env: self.env,
            bundle,
        }
    }

    fn enter(&self, parent: &FolderState, folder: &FolderEntry<'_>) -> FolderState {
        let name = folder.name.to_string_lossy();
        let env = parent.env
            && !(name == ".git"
                || folders::is_dependency_dir(&name)
                || folders::BUILD_OUTPUT.contains(&name.as_ref()));
        let bundle = match &parent.bundle {
            BuildSearch::Off => BuildSearch::Off,
            BuildSearch::Search { components, depth } => {
                let mut child = components.clone();
                child.push(name.into_owned());
                let search = |components| BuildSearch::Search {
                    components,
                    depth: depth + 1,
                };
                match bundles::classify(&child) {
                    DirClass::Prune => BuildSearch::Off,
                    DirClass::Descend => search(child),
                    DirClass::Build(layout)
                        if layout.generic && !bundles::looks_like_web_build(folder.path) =>
                    {
                        search(child)
                    }
                    DirClass::Build(layout) => {
                        let dir = BuildDir {
                            shown: self.shown(folder.relative),
                            visibility: layout.visibility,
                        };
                        self.build_dirs
                            .lock()
                            .unwrap_or_else(|poisoned| poisoned.into_inner())
                            .push((folder.relative.to_path_buf(), dir));
                        BuildSearch::List {
                            visibility: layout.visibility,
                            depth: 0,
                        }
                    }
                }
            }
            BuildSearch::List { visibility, depth } => {
                if name == "node_modules" || name == ".git" {
                    BuildSearch::Off
                } else {
                    BuildSearch::List {
                        visibility: if name == "server" {
                            Visibility::Server
                        } else {
                            *visibility
                        },
                        depth: depth + 1,
                    }
                }
            }
        };
        FolderState { env, bundle }
    }

    fn listed(&self, folder: &mut FolderState, path: &Path, listing: &Listing) {
        // Virtualenvs (often called `.env`!) by their marker, Rust's `target/` by its tag.
        let is_file = |name: &str| listing.has(name) && path.join(name).is_file();
        if folder.env
            && (is_file("pyvenv.cfg")
                || (path.file_name().is_some_and(|n| n == "target") && is_file("CACHEDIR.TAG")))
        {
            folder.env = false;
        }
        let off = match &folder.bundle {
            BuildSearch::Search { depth, .. } => {
                *depth > bundles::MAX_DISCOVERY_DEPTH || listing.has("CACHEDIR.TAG")
            }
            BuildSearch::List { depth, .. } => *depth > bundles::MAX_BUILD_DEPTH,
            BuildSearch::Off => false,
        };
        if off {
            folder.bundle = BuildSearch::Off;
        }
    }

    fn wanted(&self, folder: &FolderState) -> bool {
        folder.env || !matches!(folder.bundle, BuildSearch::Off)
    }
}

/// What one worker thread gathered.
#[derive(Default)]
struct Part {
    findings: Vec<Finding>,
    stats: ScanStats,
    env: Listed,
    bundle_files: Vec<BundleFile>,
    bundle_skips: Vec<Skip>,
}

/// The files git's index tracks under `root` (a folder), relative to it; none outside a
/// repository.
fn tracked_files(root: &Path) -> Result<Vec<PathBuf>, String> {
    if !root.is_dir() {
        return Ok(Vec::new());
    }
    match GitView::open(root) {
        Ok(Some(view)) => Ok(view
            .indexed_files(|_| true)
            .into_iter()
            .map(|file| file.relative)
            .collect()),
        Ok(None) => Ok(Vec::new()),
        Err(e) => Err(error_chain(&e)),
    }
}

/// Context on each side of a window of a large file: every match starting in the bytes a window
/// owns is seen as a whole-file scan sees it (its keyword and its widened regex window), and its
/// inline allow marker too.
fn window_overlap(matcher: &Matcher) -> usize {
    2 * (matcher.reach() + crate::engine::INLINE_ALLOW_REACH)
}

/// A location found in a window, moved to where it is in the file.
fn shift(location: &mut Location, window: &Window<'_>) {
    if location.line == 1 {
        location.column += window.column_offset;
    }
    if location.end_line == 1 {
        location.end_column += window.column_offset;
    }
    location.line += window.first_line - 1;
    location.end_line += window.first_line - 1;
}

/// The findings of one window of a large file, placed in the file: those whose first byte the
/// window owns (so a match crossing a boundary is reported once, however it straddles).
fn findings_in_window(
    matcher: &Matcher,
    infos: &RuleInfos,
    window: &Window<'_>,
    path: &str,
    scratch: &mut Scratch,
) -> Vec<Finding> {
    let mut matches = matcher.find_all(window.data, scratch);
    matches.retain(|m| window.owned.contains(&m.secret.start));
    let mut found = findings_from_matches(matcher, infos, window.data, path, matches);
    for f in &mut found {
        shift(&mut f.location, window);
    }
    found
}

struct ScanVisitor {
    matcher: Arc<Matcher>,
    infos: Arc<RuleInfos>,
    archives: Limits,
    scratch: Scratch,
    /// The file being read in windows is an archive: it is read from its file when done.
    large_archive: bool,
    part: Part,
    root: PathBuf,
    /// How the root is shown (build output paths are joined to it).
    shown: String,
    paths: DisplayPaths,
    verbose: bool,
    collector: Arc<Collector<Part>>,
    /// `--shard`: only this shard's files are matched and counted.
    shard: Option<Shard>,
    /// The launch checks judge the files they read as the walk reads them (no walk of their
    /// own); `None` with `--no-launch`.
    launch: Option<LaunchSettings>,
    /// The env files' names, when the env checks run on this root.
    env: Option<EnvSettings>,
    /// What history found in the blobs it matched before the walk: a file with the same
    /// bytes at the same path is not matched again.
    known: Arc<KnownFindings>,
}

impl ScanVisitor {
    /// Whether a file decided by its path (read in windows, or not read at all) is this
    /// shard's; see [`super::shards`].
    fn owns_path(&self, relative: &Path) -> bool {
        self.shard
            .is_none_or(|s| s.owns_path(&self.paths.shown(&self.root, relative)))
    }

    /// Notes an env file for the env step, with what the ignore rules say of it.
    fn note_env(&mut self, entry: &Entry<'_>) {
        let Some(env) = &self.env else {
            return;
        };
        let Some(environment) = env.classify(entry.relative) else {
            return;
        };
        let relative = entry.relative.to_path_buf();
        let listed = &mut self.part.env;
        if !entry.ignored.by_scan {
            listed.covered.insert(relative.clone());
        }
        let found: &mut Discovered = &mut listed.found;
        if entry.file_type.is_symlink() {
            found.symlinks.push(relative);
        } else if entry.file_type.is_file() {
            if !environment.is_template() && !entry.ignored.by_gitignore {
                listed.unignored.insert(relative.clone());
            }
            found.files.push((relative, environment));
        } else {
            found.special.push(relative);
        }
    }

    /// Notes build output for the bundle check; whether the check reports on the file (so
    /// the walk leaves it alone).
    fn note_build_output(&mut self, entry: &Entry<'_>, search: &BuildSearch) -> bool {
        let shown = || bundles::join_shown(&self.shown, &slash_path(entry.relative));
        let visibility = match search {
            BuildSearch::Off => return false,
            BuildSearch::Search { .. } => {
                let name = entry.name.to_string_lossy();
                if !(entry.file_type.is_file() && bundles::is_loose_bundle(&name)) {
                    return false;
                }
                Visibility::Client
            }
            BuildSearch::List { visibility, .. } => {
                let reason = if entry.file_type.is_symlink() {
                    SkipReason::Symlink
                } else if entry.file_type.is_file() {
                    return self.add_build_file(entry, shown(), *visibility);
                } else {
                    SkipReason::Special
                };
                self.part.bundle_skips.push(Skip {
                    path: entry.path.to_path_buf(),
                    reason,
                    detail: None,
                });
                return false;
            }
        };
        self.add_build_file(entry, shown(), visibility)
    }

    fn add_build_file(&mut self, entry: &Entry<'_>, shown: String, visibility: Visibility) -> bool {
        let file = BundleFile {
            path: entry.path.to_path_buf(),
            shown,
            visibility,
        };
        let elsewhere = BundleCheck::reports_on(&file);
        self.part.bundle_files.push(file);
        elsewhere
    }
}

impl Visitor<FolderState> for ScanVisitor {
    fn entry(&mut self, entry: &Entry<'_>, folder: &FolderState) -> Take {
        let is_git = entry.name == ".git";
        if folder.env && !is_git {
            self.note_env(entry);
        }
        if self.note_build_output(entry, &folder.bundle) {
            Take::Elsewhere
        } else if entry.ignored.by_scan || is_git {
            Take::Pass
        } else {
            Take::Read
        }
    }

    fn unlisted(
        &mut self,
        path: &Path,
        ignored: Ignored,
        folder: &FolderState,
        error: &std::io::Error,
    ) {
        let detail = format!("{}: {error}", path.display());
        if !ignored.by_scan {
            let relative = path.strip_prefix(&self.root).unwrap_or(path);
            if self.owns_path(relative) {
                self.part.stats.skip(
                    path,
                    SkipReason::Unreadable,
                    Some(detail.clone()),
                    self.verbose,
                );
            }
        }
        if !matches!(folder.bundle, BuildSearch::Off) {
            self.part.bundle_skips.push(Skip {
                path: path.to_path_buf(),
                reason: SkipReason::Unreadable,
                detail: Some(error.to_string()),
            });
        }
        if folder.env {
            self.part.env.found.errors.push((self.root.clone(), detail));
        }
    }
}

impl FileVisitor for ScanVisitor {
    fn file(&mut self, item: FileItem<'_>) {
        // Hashed once, for the shard and for what history already found in the same blob.
        let id = (self.shard.is_some() || !self.known.is_empty())
            .then(|| crate::source::blob_id(item.data))
            .flatten();
        if let Some(shard) = &self.shard
            && !id.map_or(shard.index == 1, |id| shard.owns_id(id.as_bytes()))
        {
            return;
        }
        self.part.stats.files_scanned += 1;
        self.part.stats.bytes_scanned += item.data.len() as u64;
        let path = self.paths.shown(&self.root, item.relative);
        match id.and_then(|id| self.known.get(id, &path)) {
            Some(found) => self.part.findings.extend_from_slice(found),
            None => {
                let detector = Detector {
                    matcher: &self.matcher,
                    infos: &self.infos,
                    archives: &self.archives,
                };
                let stats = &mut self.part.stats;
                let found = detector.findings(item.data, &path, &mut self.scratch, stats);
                self.part.findings.extend(found);
            }
        }
        if let Some(launch) = &self.launch
            && item.data.len() <= launch::files::MAX_BYTES
        {
            let relative = slash_path(item.relative);
            if let Some(kind) = launch::kind_of(&relative) {
                let file = SourceFile {
                    relative: &relative,
                    shown: &path,
                    data: item.data,
                    kind,
                };
                self.part.findings.extend(launch::check_file(launch, &file));
            }
        }
    }

    fn window(&mut self, relative: &Path, window: Window<'_>) {
        if !self.owns_path(relative) {
            return;
        }
        if window.owned.start == 0 && window.first_line == 1 {
            self.large_archive = archive::sniff(window.data).is_some();
        }
        if self.large_archive {
            return;
        }
        let path = self.paths.shown(&self.root, relative);
        let found = findings_in_window(
            &self.matcher,
            &self.infos,
            &window,
            &path,
            &mut self.scratch,
        );
        self.part.findings.extend(found);
        super::note_decode_cuts(&mut self.scratch, &path, &mut self.part.stats);
    }

    fn done(&mut self, relative: &Path, bytes: u64) {
        if !self.owns_path(relative) {
            return;
        }
        self.part.stats.files_scanned += 1;
        self.part.stats.bytes_scanned += bytes;
        if std::mem::take(&mut self.large_archive) {
            let file = if relative.as_os_str().is_empty() {
                self.root.clone()
            } else {
                self.root.join(relative)
            };
            let path = self.paths.shown(&self.root, relative);
            let detector = Detector {
                matcher: &self.matcher,
                infos: &self.infos,
                archives: &self.archives,
            };
            let found = detector.findings_in_archive_file(
                &file,
                &path,
                &mut self.scratch,
                &mut self.part.stats,
            );
            self.part.findings.extend(found);
        }
    }

    fn skipped(&mut self, path: &Path, reason: SkipReason, detail: Option<String>) {
        self.large_archive = false;
        let relative = path.strip_prefix(&self.root).unwrap_or(path);
        if !self.owns_path(relative) {
            return;
        }
        self.part.stats.skip(path, reason, detail, self.verbose);
    }

    fn finish(self) {
        self.collector.push(self.part);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::findings_in_blob;
    use crate::engine::testing::{builtin, cases, said, token};
    use crate::source::stream::{Trickle, for_each_window};
    use proptest::prelude::*;

    fn settings(root: &Path) -> ScanSettings {
        super::super::tests::settings_with(root, &["--no-git"])
    }

    /// A project with every kind of place the old env and build-output walks looked (or did
    /// not): git-ignored folders, dependency folders, a virtualenv called `.env`, a tagged
    /// cache, framework output, a web `dist/` with a server half, a library `dist/`, loose
    /// bundles, a link and deep folders.
    fn project(root: &Path) {
        use crate::source::fixture::write;
        write(
            root,
            ".gitignore",
            ".env*\n!.env.example\ndist/\ndata/\nnode_modules/\ncache/\n",
        );
        for (path, text) in [
            (".env", "A=1\n"),
            (".env.example", "A=\n"),
            ("data/deep/er/.env.production", "B=2\n"),
            ("data/deep/app.min.js", "x\n"),
            ("node_modules/pkg/.env", "A=1\n"),
            ("node_modules/pkg/dist/index.html", "<p>\n"),
            ("tools/.env/pyvenv.cfg", "home = /usr\n"),
            ("tools/.env/lib/.env", "A=1\n"),
            (
                "target/CACHEDIR.TAG",
                "Signature: 8a477f597d28d172789f06886806bc55\n",
            ),
            ("target/.env", "A=1\n"),
            ("cache/CACHEDIR.TAG", "x\n"),
            ("cache/out/app.min.js", "x\n"),
            ("web/.next/static/chunks/b.js", "x\n"),
            ("web/.next/static/chunks/a.js", "x\n"),
            ("web/.next/cache/x.js", "x\n"),
            ("web/.next/.env", "A=1\n"),
            ("dist/index.html", "<script src=assets/app.js></script>\n"),
            ("dist/b.js", "x\n"),
            ("dist/a.js", "x\n"),
            ("dist/assets/z.js", "x\n"),
            ("dist/assets/app.js.map", "{}\n"),
            ("dist/server/entry.js.map", "{}\n"),
            ("dist/server/entry.js", "x\n"),
            ("dist/node_modules/x.js", "x\n"),
            ("lib/dist/index.js", "x\n"),
            ("src/vendor.min.js", "x\n"),
            ("src/app.js", "x\n"),
            ("apps/api/.env.staging", "C=3\n"),
        ] {
            write(root, path, text);
        }
        #[cfg(unix)]
        std::os::unix::fs::symlink("index.html", root.join("dist/link.html")).unwrap();
    }

    /// The one walk lists the build output exactly as the discovery walk it replaced (same
    /// files, folders and skips, in the same order, which decides which source map reference a
    /// finding names first), and the env checks over the env files it lists report exactly
    /// what they report with their own walks.
    #[test]
    fn the_walk_lists_what_the_env_and_build_output_walks_listed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        project(root);
        let settings = settings(root);
        let paths = DisplayPaths::new(&settings.roots);
        let infos = Arc::new(RuleInfos::new(&settings.matcher));
        let walked =
            scan(&settings, &infos, &paths, HashSet::new(), Arc::default()).expect("the walk runs");

        let mut old = Found::default();
        bundles::discover(root, "", &mut old);
        let files = |f: &Found| -> Vec<(String, Visibility)> {
            f.files
                .iter()
                .map(|f| (f.shown.clone(), f.visibility))
                .collect()
        };
        assert_eq!(files(&walked.bundles), files(&old));
        assert!(files(&old).len() > 8, "{:?}", files(&old));
        assert_eq!(walked.bundles.dirs, old.dirs);
        let skips = |f: &Found| -> Vec<(PathBuf, SkipReason)> {
            f.skipped
                .iter()
                .map(|s| (s.path.clone(), s.reason))
                .collect()
        };
        assert_eq!(skips(&walked.bundles), skips(&old));

        let said = |c: crate::checks::env_files::Checked| {
            let mut v: Vec<(String, String, usize, bool)> = c
                .findings
                .iter()
                .map(|f| {
                    (
                        f.rule.id.clone(),
                        f.location.path.clone(),
                        f.location.line,
                        f.local_only,
                    )
                })
                .collect();
            v.sort();
            (
                v,
                c.stats.files_scanned,
                c.stats.skipped.binary,
                c.ignored_untracked,
            )
        };
        let scope = crate::checks::env_files::SecretScope::SkippedByWorktreeScan;
        let before = super::super::env::check_roots(&settings, &infos, &paths, scope, false)
            .expect("the env check runs");
        let now = super::super::env::check_walked(&settings, &infos, &paths, walked.env, false)
            .expect("the env check runs");
        let (before, now) = (said(before), said(now));
        assert!(!before.0.is_empty());
        assert_eq!(now, before);
    }

    proptest! {
        #![proptest_config(cases(4))]

        /// A large file is read in overlapping windows. A token around any window boundary
        /// (where a window's owned bytes end, or where its context ends), read in pieces of
        /// any size, is found exactly once, at the line and column a whole-file scan gives it.
        #[test]
        fn a_token_across_any_window_boundary_is_found_once_at_its_place(
            (token, rule) in token(),
            window in 1usize..3,
            edge in 0usize..3,
            delta in 0usize..80,
            line_width in prop::sample::select(vec![0usize, 61, 4096]),
            multibyte in any::<bool>(),
            read in prop::sample::select(vec![1000usize, 65_536, 1 << 20]),
        ) {
            let (matcher, infos) = builtin();
            let overlap = window_overlap(matcher);
            // The smallest step: the most boundaries for the bytes read.
            let step = overlap;
            let owned_end = window * step;
            let boundary = match edge {
                0 => owned_end,
                1 => owned_end + overlap,
                _ => owned_end - overlap / 2,
            };
            let filler: &[u8] = if multibyte { "é.".as_bytes() } else { b".." };
            let mut data = Vec::with_capacity(4 * step);
            while data.len() < (boundary + 40).saturating_sub(delta + token.len() / 2) {
                data.extend_from_slice(filler);
                if line_width > 0 && data.len() % line_width < filler.len() {
                    data.push(b'\n');
                }
            }
            data.extend_from_slice(b" ");
            data.extend_from_slice(token.as_bytes());
            data.extend_from_slice(b" ");
            while data.len() < 3 * step + overlap / 2 {
                data.extend_from_slice(filler);
            }
            let mut found = Vec::new();
            let mut scratch = Scratch::default();
            let input = Trickle { data: &data, n: read };
            for_each_window(input, step, overlap, |w| {
                found.extend(findings_in_window(matcher, infos, &w, "big", &mut scratch));
            })
            .expect("in-memory reads do not fail");
            let got = said(&found);
            prop_assert_eq!(got.len(), 1, "{:?}", got);
            prop_assert_eq!((got[0].0.as_str(), got[0].1.as_str()), (rule, token.as_str()));
            let whole = findings_in_blob(matcher, infos, &data, "big", &mut scratch);
            prop_assert_eq!(got, said(&whole));
        }
    }
}
