//! The launch step where the working tree is not walked (`--range`, `--since`, a `--ci` pull
//! request or push, `--staged`, `--pre-push`): the launch checks over the git snapshot the
//! scan judges, as the working-tree walk runs them over the files it reads
//! (`scan::worktree`).
//!
//! Decisions:
//! - The files are read from git, never from disk: a pre-commit hook judges the index blob
//!   `git commit` will record (a fixed working file does not hide a bad staged one, and a bad
//!   working file that is not staged is not this commit's), and a pull request is judged by
//!   its head commit, whatever the checkout holds.
//! - Only the files the range or the commit changes are judged ([`TreeView::changed`]), like
//!   the env and bundle checks over a snapshot: a gate blames the change, not what was there.
//! - Which files are read is [`launch::kind_of`]'s decision, and a file larger than
//!   [`launch::files::MAX_BYTES`] is not read (generated, as in the walk). One that cannot be
//!   read is counted: the scan is then incomplete.
//! - Inline `leakgate:allow` comments are read from the file's bytes by the checks' sink; on
//!   a pull request `settings::trusted` distrusts them (and takes `disable_rules` from the
//!   base commit), so a pull request cannot silence its own launch findings.
//! - With `--shard`, a file's findings belong to the shard that owns its blob id, as the walk
//!   decides by the bytes it reads (gates refuse `--shard` today; this keeps the rule one).

use super::DisplayPaths;
use super::git::TreeView;
use crate::checks::launch::{self, SourceFile};
use crate::finding::Finding;
use crate::settings::ScanSettings;
use crate::source::index::IndexError;
use crate::source::worktree;
use crate::stats::ScanStats;
use crate::text::{error_chain, slash_path};

/// The launch findings in the files each view's head holds and its range (or the commit)
/// changed; nothing with `--no-launch`.
pub fn check_tree(
    settings: &ScanSettings,
    paths: &DisplayPaths,
    views: &[TreeView<'_>],
) -> (Vec<Finding>, ScanStats) {
    let mut findings = Vec::new();
    let mut stats = ScanStats::default();
    let Some(launch_settings) = &settings.launch else {
        return (findings, stats);
    };
    // The walk refuses bad patterns up front; here they can only be valid.
    let excludes = worktree::exclude_set(&settings.config.config.exclude).ok();
    let most = settings.max_file_size.min(launch::files::MAX_BYTES as u64);
    for view in views {
        let listed =
            view.changed_files(|path| !excludes.as_ref().is_some_and(|g| g.is_match(path)));
        for file in listed {
            // The path decides first (cheap); only files the checks read are compared with
            // the base (a tree lookup each).
            let relative = slash_path(&file.relative);
            let Some(kind) = launch::kind_of(&relative) else {
                continue;
            };
            if !view.changed(&file.relative, file.id) {
                continue;
            }
            if let Some(shard) = &settings.shard
                && !shard.owns_id(file.id.as_bytes())
            {
                continue;
            }
            let shown = paths.shown_text(view.root, &relative);
            let data = match view.head.blob(file.id, most) {
                Ok(data) => data,
                // Generated, as the walk judges it: not read, not a gap.
                Err(IndexError::TooLarge { size }) if size > launch::files::MAX_BYTES as u64 => {
                    continue;
                }
                Err(IndexError::TooLarge { size }) => {
                    stats.skipped.too_large += 1;
                    stats.warn(format!(
                        "{shown}: file in {} is larger than --max-file-size ({size} bytes); \
                         launch checks not run on it",
                        view.what
                    ));
                    continue;
                }
                Err(e) => {
                    stats.skipped.unreadable += 1;
                    stats.warn(format!(
                        "{shown}: file in {} cannot be read for the launch checks: {}",
                        view.what,
                        error_chain(&e)
                    ));
                    continue;
                }
            };
            let source = SourceFile {
                relative: &relative,
                shown: &shown,
                data: &data,
                kind,
            };
            findings.extend(launch::check_file(launch_settings, &source));
        }
    }
    (findings, stats)
}
