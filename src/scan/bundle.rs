//! The bundle step: build output under every scanned directory, plus `--bundle` and
//! `bundle_dirs` folders, found before the working-tree walk (so the walk leaves those files to
//! this check and each is read once), then checked by [`crate::checks::bundle`]. Also the
//! folder handling `leakgate bundle DIR...` shares.

use super::DisplayPaths;
use crate::checks::bundle::discover::{self, BundleFile, Exclude, Found, Visibility};
use crate::checks::bundle::{BundleCheck, BundleOptions, BundleOutcome};
use crate::engine::RuleInfos;
use crate::settings::{BundleSettings, ScanSettings};
use crate::source::worktree;
use crate::stats::ScanStats;
use crate::text::slash_path;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Build output found for one scan, not yet read.
pub struct BuildOutput {
    found: Found,
    /// Warnings from finding it (configured folders that do not exist yet).
    stats: ScanStats,
}

impl BuildOutput {
    /// The files this check reads and reports on, as the working-tree walk names them (root
    /// joined with the relative path): the walk leaves them alone.
    pub fn walked_paths(&self) -> HashSet<PathBuf> {
        self.found
            .files
            .iter()
            .filter(|f| BundleCheck::reports_on(f))
            .map(|f| f.path.clone())
            .collect()
    }
}

/// Finds the build output of a scan; `None` with `--no-bundle`.
pub fn discover_in_scan(settings: &ScanSettings, paths: &DisplayPaths) -> Option<BuildOutput> {
    let bundle = settings.bundle.as_ref()?;
    let mut found = Found::default();
    let mut stats = ScanStats::default();
    // The walk refuses bad patterns up front; here they can only be valid.
    let excludes = worktree::exclude_set(&settings.config.config.exclude).ok();
    for root in settings.roots.iter().filter(|r| r.is_dir()) {
        // Shown exactly as the working-tree walk shows it.
        let shown = paths.prefix(root).map(slash_path).unwrap_or_default();
        found.exclude = excludes.clone().map(|globs| Exclude {
            root: root.clone(),
            globs,
        });
        discover::discover(root, &shown, &mut found);
    }
    // Folders named explicitly are checked whatever `exclude` says.
    found.exclude = None;
    for dir in &bundle.dirs {
        add_named(dir, &paths.shown_dir(dir), &mut found);
    }
    for dir in &bundle.configured {
        if std::fs::symlink_metadata(dir).is_ok() {
            add_named(dir, &paths.shown_dir(dir), &mut found);
        } else {
            stats.warn(format!(
                "{}: bundle_dirs folder does not exist (not built yet?), not checked",
                dir.display()
            ));
        }
    }
    found.dedup();
    Some(BuildOutput { found, stats })
}

/// Reads and checks the build output.
pub fn check(settings: &ScanSettings, infos: &RuleInfos, output: BuildOutput) -> BundleOutcome {
    let bundle = settings
        .bundle
        .as_ref()
        .expect("build output is only found when the bundle check is on");
    let options = options(
        bundle,
        settings.threads,
        settings.max_file_size,
        settings.output.verbose,
    );
    let mut outcome = BundleCheck::new(&settings.matcher, infos, options).run(output.found);
    outcome.stats.merge(output.stats);
    outcome
}

pub fn options(
    bundle: &BundleSettings,
    threads: usize,
    max_file_size: u64,
    verbose: bool,
) -> BundleOptions {
    BundleOptions {
        threads,
        max_file_size,
        switches: bundle.switches.clone(),
        verbose,
    }
}

/// A folder named by the user, or a single file (taken as client output).
pub fn add_named(path: &Path, shown: &str, found: &mut Found) {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_file() => found.files.push(BundleFile {
            path: path.to_path_buf(),
            shown: shown.to_string(),
            visibility: Visibility::Client,
        }),
        _ => discover::explicit(path, shown, found),
    }
}

/// `dist`, `./dist/` and `.` shown as `dist` and `` (paths below them then read `dist/...`).
pub fn shown_as_given(dir: &Path) -> String {
    let text = slash_path(dir);
    let trimmed = text.trim_start_matches("./").trim_end_matches('/');
    if trimmed == "." || trimmed.is_empty() && !text.starts_with('/') {
        String::new()
    } else if trimmed.is_empty() {
        "/".to_string()
    } else {
        trimmed.to_string()
    }
}
