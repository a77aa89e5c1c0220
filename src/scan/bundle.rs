//! The bundle step: build output under every scanned directory, plus `--bundle` and
//! `bundle_dirs` folders, found before the working-tree walk (so the walk leaves those files to
//! this check and each is read once), then checked by [`crate::checks::bundle`]. Also the
//! folder handling `leakgate bundle DIR...` shares.

use super::DisplayPaths;
use super::git::TreeView;
use crate::checks::bundle::discover::{self, BundleFile, Found, Visibility};
use crate::checks::bundle::{BundleCheck, BundleOptions, BundleOutcome, BundleRule};
use crate::engine::RuleInfos;
use crate::settings::{BundleSettings, ScanSettings};
use crate::source::index::IndexError;
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

/// The build output folders the user named (`--bundle`, `bundle_dirs`), listed before the
/// working-tree walk so it leaves their files to this check; `None` with `--no-bundle`. The
/// build output under the scanned roots is found by that walk ([`BuildOutput::with_walked`]).
pub fn named_in_scan(settings: &ScanSettings, paths: &DisplayPaths) -> Option<BuildOutput> {
    let bundle = settings.bundle.as_ref()?;
    let mut found = Found::default();
    let mut stats = ScanStats::default();
    // Folders named explicitly are checked whatever `exclude` says.
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
    Some(BuildOutput { found, stats })
}

impl BuildOutput {
    /// The build output the walk found under the scanned roots (in root order), then the
    /// named folders, each file once.
    pub fn with_walked(self, walked: Found) -> BuildOutput {
        let named = self.found;
        let mut found = walked;
        found.exclude = None;
        found.dirs.extend(named.dirs);
        found.files.extend(named.files);
        found.skipped.extend(named.skipped);
        found.dedup();
        BuildOutput {
            found,
            stats: self.stats,
        }
    }
}

/// Reads and checks the build output; `folders` (the audit's) tallies what each folder ships.
pub fn check(
    settings: &ScanSettings,
    infos: &RuleInfos,
    output: BuildOutput,
    folders: bool,
) -> BundleOutcome {
    let bundle = settings
        .bundle
        .as_ref()
        .expect("build output is only found when the bundle check is on");
    let options = BundleOptions {
        folders,
        ..options(
            bundle,
            settings.threads,
            settings.max_file_size,
            settings.output.verbose,
        )
    };
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
        folders: false,
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

/// The bundle checks over the build output a git snapshot holds and its range (or the commit)
/// changed: committed `dist/` files read from git, as the working-tree step reads them from
/// disk. Secret-rule matches in them are the git scan's to report (it reads the same blobs),
/// so only the bundle-specific findings are kept: test keys, dev endpoints, published source
/// maps, env dumps.
pub fn check_tree(
    settings: &ScanSettings,
    infos: &RuleInfos,
    paths: &DisplayPaths,
    views: &[TreeView<'_>],
) -> BundleOutcome {
    let mut outcome = BundleOutcome::default();
    let Some(bundle) = settings.bundle.as_ref() else {
        return outcome;
    };
    let excludes = worktree::exclude_set(&settings.config.config.exclude).ok();
    let check = BundleCheck::new(
        &settings.matcher,
        infos,
        options(
            bundle,
            settings.threads,
            settings.max_file_size,
            settings.output.verbose,
        ),
    );
    for view in views {
        // Only changed files are reported on (checked below): the others are not looked at.
        let kept = view.changed_files(|path| !excludes.as_ref().is_some_and(|g| g.is_match(path)));
        if kept.is_empty() {
            continue;
        }
        let listed = view.head.files(|_| true);
        let all: std::collections::BTreeSet<String> =
            listed.iter().map(|f| slash_path(&f.relative)).collect();
        let all_ref: std::collections::BTreeSet<&str> = all.iter().map(String::as_str).collect();
        let names: Vec<String> = kept.iter().map(|f| slash_path(&f.relative)).collect();
        let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
        // Build output is decided from paths first (cheap): only those files are compared with
        // the base, a tree lookup each (the pre-commit hook in a 9k-file repository spent a
        // second comparing every file).
        let visibility = discover::in_snapshot(&name_refs, &all_ref);
        let mut given = Vec::new();
        for ((file, name), visibility) in kept.iter().zip(&names).zip(visibility) {
            let Some(visibility) = visibility else {
                continue;
            };
            if !view.changed(&file.relative, file.id) {
                continue;
            }
            let shown = paths.shown_text(view.root, name);
            match view.head.blob(file.id, settings.max_file_size) {
                Ok(data) => given.push((
                    BundleFile {
                        path: view.root.join(&file.relative),
                        shown,
                        visibility,
                    },
                    data,
                )),
                Err(IndexError::TooLarge { size }) => {
                    outcome.stats.skipped.too_large += 1;
                    outcome.stats.warn(format!(
                        "{shown}: build output in {} is larger than --max-file-size ({size} \
                         bytes); not checked",
                        view.what
                    ));
                }
                Err(e) => {
                    outcome.stats.skipped.unreadable += 1;
                    outcome.stats.warn(format!(
                        "{shown}: build output in {}: {}",
                        view.what,
                        crate::text::error_chain(&e)
                    ));
                }
            }
        }
        let found = check.run_given(&given);
        let secret = BundleRule::Secret.id();
        let bundle_ids: Vec<&str> = BundleRule::ALL.iter().map(|r| r.id()).collect();
        outcome.findings.extend(
            found
                .findings
                .into_iter()
                .filter(|f| f.rule.id != secret && bundle_ids.contains(&f.rule.id.as_str())),
        );
        outcome.stats.merge(found.stats);
    }
    outcome
}
