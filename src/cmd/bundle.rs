//! `leakgate bundle DIR...` (the client-bundle check alone, for a CI step right after the
//! build) and the bundle step of `leakgate scan`. Both find build output, run
//! [`crate::checks::bundle`] over it and report through the same sink and exit codes as scan.

use crate::checks::bundle::discover::{self, BundleFile, Exclude, Found, Visibility};
use crate::checks::bundle::{BundleCheck, BundleOptions, BundleOutcome};
use crate::cli::BundleArgs;
use crate::detect::RuleInfos;
use crate::settings::{BundleCommandSettings, BundleSettings, ScanSettings};
use crate::source::worktree;
use crate::stats::ScanStats;
use anyhow::Result;
use std::path::{Path, PathBuf};
use std::time::Instant;

pub fn run(args: &BundleArgs) -> Result<u8> {
    let started = Instant::now();
    let settings = BundleCommandSettings::from_args(args)?;
    let infos = RuleInfos::new(&settings.matcher);
    let mut found = Found::default();
    let mut stats = ScanStats::default();
    for dir in &settings.bundle.dirs {
        let before = found.files.len();
        add_named(dir, &shown_as_given(dir), &mut found);
        if found.files.len() == before {
            stats.warn(format!("{}: no build output found in it", dir.display()));
        }
    }
    found.dedup();
    let options = options(
        &settings.bundle,
        settings.threads,
        settings.max_file_size,
        settings.output.verbose,
    );
    let check = BundleCheck::new(&settings.matcher, &infos, options);
    let mut outcome = check.run(found);
    settings.suppressions.apply(&mut outcome.findings);
    stats.merge(outcome.stats);
    let rules: Vec<_> = infos.all().cloned().chain(check.rules().all()).collect();
    super::finish(&settings.output, &rules, outcome.findings, stats, started)
}

/// The bundle step of `leakgate scan`: build output under every scanned directory, plus
/// `--bundle` and `bundle_dirs` folders. `None` with `--no-bundle`.
pub fn scan_step(settings: &ScanSettings, infos: &RuleInfos) -> Option<BundleOutcome> {
    let bundle = settings.bundle.as_ref()?;
    let single_dir_root = settings.roots.len() == 1 && settings.roots[0].is_dir();
    let mut found = Found::default();
    let mut warnings = ScanStats::default();
    // The walk already refused bad patterns; here they can only be valid.
    let excludes = worktree::exclude_set(&settings.config.config.exclude).ok();
    for root in settings.roots.iter().filter(|r| r.is_dir()) {
        // Shown exactly as the working-tree walk shows it, so its findings can be superseded.
        let shown = if single_dir_root {
            String::new()
        } else {
            path_text(root)
        };
        found.exclude = excludes.clone().map(|globs| Exclude {
            root: root.clone(),
            globs,
        });
        discover::discover(root, &shown, &mut found);
    }
    // Folders named explicitly are checked whatever `exclude` says.
    found.exclude = None;
    let root = single_dir_root.then(|| settings.roots[0].as_path());
    for dir in &bundle.dirs {
        add_named(dir, &shown_in_scan(dir, root), &mut found);
    }
    for dir in &bundle.configured {
        if std::fs::symlink_metadata(dir).is_ok() {
            add_named(dir, &shown_in_scan(dir, root), &mut found);
        } else {
            warnings.warn(format!(
                "{}: bundle_dirs folder does not exist (not built yet?), not checked",
                dir.display()
            ));
        }
    }
    found.dedup();
    let options = options(
        bundle,
        settings.threads,
        settings.max_file_size,
        settings.output.verbose,
    );
    let mut outcome = BundleCheck::new(&settings.matcher, infos, options).run(found);
    outcome.stats.merge(warnings);
    Some(outcome)
}

fn options(
    bundle: &BundleSettings,
    threads: usize,
    max_file_size: u64,
    verbose: bool,
) -> BundleOptions {
    BundleOptions {
        threads,
        max_file_size,
        disabled: bundle.disabled.clone(),
        verbose,
    }
}

/// A folder named by the user, or a single file (taken as client output).
fn add_named(path: &Path, shown: &str, found: &mut Found) {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_file() => found.files.push(BundleFile {
            path: path.to_path_buf(),
            shown: shown.to_string(),
            visibility: Visibility::Client,
        }),
        _ => discover::explicit(path, shown, found),
    }
}

fn path_text(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// `dist`, `./dist/` and `.` shown as `dist` and `` (paths below them then read `dist/...`).
fn shown_as_given(dir: &Path) -> String {
    let text = path_text(dir);
    let trimmed = text.trim_start_matches("./").trim_end_matches('/');
    if trimmed == "." || trimmed.is_empty() && !text.starts_with('/') {
        String::new()
    } else if trimmed.is_empty() {
        "/".to_string()
    } else {
        trimmed.to_string()
    }
}

/// In a scan of one folder, paths inside it are shown relative to it, as the walk shows them.
fn shown_in_scan(dir: &Path, root: Option<&Path>) -> String {
    let relative = root.and_then(|root| {
        let root = std::fs::canonicalize(root).ok()?;
        let dir = std::fs::canonicalize(dir).ok()?;
        dir.strip_prefix(&root).ok().map(PathBuf::from)
    });
    match relative {
        Some(relative) => path_text(&relative),
        None => path_text(dir),
    }
}
