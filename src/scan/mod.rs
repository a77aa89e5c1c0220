//! Orchestration: one run of every step the settings ask for, in order, and the merge of what
//! they found. This is the only place that knows about several sources and checks at once:
//!
//! 1. list the build output folders the user named (the bundle check's files), so the
//!    working-tree walk can leave them to it and every file is read once;
//! 2. walk the working tree once and match every file ([`worktree`]), listing on the way the
//!    env files (git-ignored ones too) and the build output under the roots; when history is
//!    scanned too, step 4 runs first and keeps the findings of the blobs the index tracks, so
//!    a file with the same bytes at the same path is not matched again ([`known`]);
//! 3. run the bundle check over the build output ([`bundle`]);
//! 4. scan git history, a range or the staged changes ([`git`]);
//! 5. merge working-tree and history findings: one finding per secret and place, carrying the
//!    commit that introduced it ([`merge`]);
//! 6. standard input ([`stdin`]);
//! 7. the env-file checks, and `env-committed-real-file` for env files only history holds
//!    ([`env`]); without the working tree (a range, CI, staged changes), the env-file checks
//!    over the git snapshot instead, reporting what the range or the commit changes, and the
//!    bundle checks over the build output it changes ([`bundle::check_tree`]), and the launch
//!    checks over the files it changes ([`launch::check_tree`]; in the walk they run as each
//!    file is read);
//! 8. lower the secret findings in test fixtures, examples, docs and translations
//!    ([`lowering`]), then fold the env checks' verdicts on a value into the secret finding on that line
//!    ([`merge::one_per_value`]), so one problem is one finding;
//!    findings in git-ignored env files that were never committed do not fail the gate
//!    ([`env::mark_local_only`]);
//! 9. mark accepted findings (ignore file, baseline) as suppressed.
//!
//! With `--shard I/N` the sources match only the shard's files and blobs, and the checks
//! (cheap, and judging several files at once) run whole but keep only the findings in the
//! shard's files ([`shards`]), so the folds of steps 5 and 8 happen inside one shard and
//! `leakgate merge` redoes what crosses shards.
//!
//! Paths are named by one [`DisplayPaths`]; what is a secret is decided by the engine through
//! [`Detector`]; printing and the exit code are the caller's (`cmd`).

pub mod bundle;
pub mod env;
pub mod git;
pub mod known;
pub mod launch;
pub mod lowering;
pub mod merge;
pub mod paths;
pub mod progress;
pub mod shards;
pub mod stdin;
pub mod worktree;

pub use paths::DisplayPaths;

use crate::engine::{Matcher, RuleInfos, Scratch, findings_in_blob, incremental};
use crate::finding::Finding;
use crate::inventory::{Departure, Inventory};
use crate::settings::{GitScope, ScanSettings};
use crate::source::BlobMatcher;
use crate::source::archive::{self, Limits, Problem};
use crate::stats::{ScanStats, SkipReason};
use anyhow::Result;
use std::path::Path;
use std::sync::Arc;

/// The engine as the sources see it: bytes and a path in, placed findings out (inside an
/// archive, at `path!entry`).
pub struct Detector<'a> {
    pub matcher: &'a Matcher,
    pub infos: &'a RuleInfos,
    pub archives: &'a Limits,
}

impl BlobMatcher for Detector<'_> {
    type Scratch = Scratch;
    type Known = incremental::Known;

    fn findings(
        &self,
        data: &[u8],
        path: &str,
        scratch: &mut Scratch,
        stats: &mut ScanStats,
    ) -> Vec<Finding> {
        let Some(kind) = archive::sniff(data) else {
            let found = findings_in_blob(self.matcher, self.infos, data, path, scratch);
            note_decode_cuts(scratch, path, stats);
            return found;
        };
        let mut sink = ArchiveSink {
            detector: self,
            scratch,
            stats,
            findings: Vec::new(),
            entries: 0,
            problems: 0,
        };
        archive::walk(data, path, kind, self.archives, &mut sink);
        let (mut findings, opened) = (sink.findings, sink.entries > 0 || sink.problems == 0);
        if !opened {
            // Not an archive after all, or a broken one: its bytes are still matched as they
            // are (and the scan is already incomplete).
            findings = findings_in_blob(self.matcher, self.infos, data, path, scratch);
            note_decode_cuts(scratch, path, stats);
        }
        findings
    }

    fn findings_known(
        &self,
        data: &[u8],
        path: &str,
        scratch: &mut Scratch,
        stats: &mut ScanStats,
    ) -> (Vec<Finding>, Option<incremental::Known>) {
        if archive::sniff(data).is_some() {
            return (self.findings(data, path, scratch, stats), None);
        }
        let found = incremental::findings_known(self.matcher, self.infos, data, path, scratch);
        note_decode_cuts(scratch, path, stats);
        found
    }

    fn findings_after(
        &self,
        data: &[u8],
        path: &str,
        (base, copies): (&incremental::Known, &[crate::source::Copied]),
        scratch: &mut Scratch,
        stats: &mut ScanStats,
    ) -> (Vec<Finding>, Option<incremental::Known>) {
        if archive::sniff(data).is_some() {
            return (self.findings(data, path, scratch, stats), None);
        }
        let found = incremental::findings_after(
            self.matcher,
            self.infos,
            data,
            path,
            (base, copies),
            scratch,
        );
        note_decode_cuts(scratch, path, stats);
        found
    }
}

impl Detector<'_> {
    /// The findings in an archive too large to hold in memory, read from its file.
    pub fn findings_in_archive_file(
        &self,
        file: &Path,
        path: &str,
        scratch: &mut Scratch,
        stats: &mut ScanStats,
    ) -> Vec<Finding> {
        let opened = std::fs::File::open(file).and_then(|mut f| {
            let mut head = Vec::with_capacity(512);
            std::io::Read::read_to_end(&mut std::io::Read::take(&mut f, 512), &mut head)?;
            std::io::Seek::rewind(&mut f)?;
            Ok((archive::sniff(&head), f))
        });
        let (kind, file) = match opened {
            Ok((Some(kind), file)) => (kind, file),
            Ok((None, _)) => {
                // It was an archive when its first window was read.
                let detail = "changed while it was read".to_string();
                stats.skip(Path::new(path), SkipReason::Unreadable, Some(detail), false);
                return Vec::new();
            }
            Err(e) => {
                let detail = crate::text::one_line(&e);
                stats.skip(Path::new(path), SkipReason::Unreadable, Some(detail), false);
                return Vec::new();
            }
        };
        let mut sink = ArchiveSink {
            detector: self,
            scratch,
            stats,
            findings: Vec::new(),
            entries: 0,
            problems: 0,
        };
        archive::walk_reader(
            std::io::BufReader::new(file),
            path,
            kind,
            self.archives,
            &mut sink,
        );
        sink.findings
    }
}

/// Says in the run's warnings when the blob just matched at `path` held more encoded text than
/// the engine decodes per blob ([`crate::engine::decode::DECODE_BUDGET`]): its plain text was
/// matched in full, the encoded spans past the budget were not decoded.
fn note_decode_cuts(scratch: &mut Scratch, path: &str, stats: &mut ScanStats) {
    let cuts = scratch.take_decode_cuts();
    if cuts > 0 {
        stats.warn(format!(
            "{path}: {cuts} encoded span(s) not decoded (over the {} MiB decoding budget per file)",
            crate::engine::decode::DECODE_BUDGET >> 20
        ));
    }
}

/// Matches each entry of an archive and counts what could not be read in it.
struct ArchiveSink<'d, 'a, 's> {
    detector: &'d Detector<'a>,
    scratch: &'s mut Scratch,
    stats: &'s mut ScanStats,
    findings: Vec<Finding>,
    entries: u64,
    problems: u64,
}

impl archive::Entries for ArchiveSink<'_, '_, '_> {
    fn entry(&mut self, path: &str, data: &[u8]) {
        self.entries += 1;
        let d = self.detector;
        self.findings.extend(findings_in_blob(
            d.matcher,
            d.infos,
            data,
            path,
            self.scratch,
        ));
        note_decode_cuts(self.scratch, path, self.stats);
    }

    fn problem(&mut self, problem: Problem) {
        self.problems += 1;
        self.stats.skip(
            Path::new(&problem.path),
            SkipReason::Unreadable,
            Some(problem.detail),
            false,
        );
    }
}

/// Runs every source and check the settings ask for and gathers their findings, with accepted
/// ones marked as suppressed. Order does not matter: findings are sorted when reported.
pub fn collect(
    settings: &ScanSettings,
    infos: &Arc<RuleInfos>,
) -> Result<(Vec<Finding>, ScanStats)> {
    let Collected {
        findings,
        stats,
        inventory: _,
    } = gather(settings, infos, false)?;
    Ok((findings, stats))
}

/// What an audit's scan gathers: the findings and counters of [`collect`], and what the scan
/// saw besides ([`Inventory`]).
pub struct Collected {
    pub findings: Vec<Finding>,
    pub stats: ScanStats,
    pub inventory: Inventory,
}

/// [`collect`], also filling the [`Inventory`]: each folder's env files as a matrix, the
/// build output folders, and when each secret gone from `HEAD` left its history.
pub fn collect_audit(settings: &ScanSettings, infos: &Arc<RuleInfos>) -> Result<Collected> {
    gather(settings, infos, true)
}

/// The one run behind [`collect`] and [`collect_audit`]; `inventory` says whether to fill the
/// inventory (left empty, at no cost, when not).
fn gather(settings: &ScanSettings, infos: &Arc<RuleInfos>, inventory: bool) -> Result<Collected> {
    gather_with(settings, infos, inventory, true)
}

/// [`gather`]; `reuse` says whether the walk may take history's findings for a blob history
/// already matched at the same path (off only to prove, in the tests, that it changes nothing).
fn gather_with(
    settings: &ScanSettings,
    infos: &Arc<RuleInfos>,
    inventory: bool,
    reuse: bool,
) -> Result<Collected> {
    // `--git-only`, `--range`, `--since` and `--staged` look at git alone.
    let files = settings.git.files;
    // When the walk and history both run, history goes first and keeps the findings of the
    // blobs the index tracks, so the walk matches a file history already matched only once
    // (see `known`).
    let history_first = reuse && files && matches!(settings.git.scope, Some(GitScope::History(_)));
    let phases = progress::Phases::new(
        settings.progress,
        if history_first {
            progress::Phase::HISTORY_FIRST
        } else {
            progress::Phase::USUAL
        },
    );
    if !history_first {
        phases.start(progress::Phase::Files);
    }
    let paths = DisplayPaths::new(&settings.roots);
    let mut findings = Vec::new();
    let mut stats = ScanStats::default();
    let mut seen = Inventory::default();
    for notice in &settings.notices {
        stats.warn(notice.clone());
    }
    let extras = git::Extras {
        departures: inventory,
        bars: phases.bars(),
    };
    let mut git_first = None;
    if history_first {
        phases.start(progress::Phase::History);
        let wanted = known::tracked_blobs(&settings.roots);
        git_first = Some(git::scan_roots(
            settings,
            infos,
            &paths,
            extras,
            Some(&wanted),
        )?);
        phases.start(progress::Phase::Files);
    }
    let known = git_first
        .as_mut()
        .map(|git| std::mem::take(&mut git.known))
        .unwrap_or_default();
    // Build output folders the user named are listed first, so the walk leaves their files
    // to the bundle check; the walk finds the rest itself (and the env files).
    let named_output = files
        .then(|| bundle::named_in_scan(settings, &paths))
        .flatten();
    let walked = if files {
        let read_elsewhere = named_output
            .as_ref()
            .map(|b| b.walked_paths())
            .unwrap_or_default();
        worktree::scan(settings, infos, &paths, read_elsewhere, Arc::new(known))?
    } else {
        Default::default()
    };
    let worktree::Walked {
        findings: worktree_findings,
        stats: worktree_stats,
        env: env_listed,
        bundles: walked_output,
    } = walked;
    let build_output = named_output.map(|named| named.with_walked(walked_output));
    stats.merge(worktree_stats);
    let owner = shards::Owner::new(settings, &paths);
    if let Some(build_output) = build_output {
        let outcome = bundle::check(settings, infos, build_output, inventory);
        findings.extend(owner.keep(outcome.findings));
        stats.merge(owner.check_stats(outcome.stats));
        seen.bundles = outcome.folders;
    }
    let mut git = match git_first {
        Some(git) => git,
        None => {
            phases.start(progress::Phase::History);
            git::scan_roots(settings, infos, &paths, extras, None)?
        }
    };
    stats.merge(git.stats);
    stats.shard = settings.shard;
    seen.departures = one_per_secret(std::mem::take(&mut git.departures));
    findings.extend(merge::worktree_with_history(
        &paths,
        // A file's blob id needs its bytes whole: only up to the size the walk reads whole.
        settings
            .max_file_size
            .min(crate::source::worktree::WHOLE_FILE_BYTES),
        worktree_findings,
        git.findings,
    ));
    if settings.stdin {
        let (stdin_findings, stdin_stats) = stdin::scan(settings, infos)?;
        findings.extend(stdin_findings);
        stats.merge(stdin_stats);
    }
    phases.start(progress::Phase::Checks);
    let mut ignored_untracked = Vec::new();
    let mut env_findings = Vec::new();
    if files {
        let checked = env::check_walked(settings, infos, &paths, env_listed, inventory)?;
        env_findings = checked.findings;
        stats.merge(owner.check_stats(checked.stats));
        ignored_untracked = checked.ignored_untracked;
        seen.env = checked.matrix;
    }
    // Decided on the env check's findings in every file, whichever shard owns them.
    let from_history = owner.keep(env::committed_only_in_history(
        settings,
        &env_findings,
        &git.env_paths,
    ));
    findings.extend(owner.keep(env_findings));
    if let Some(which) = &settings.git.tree_checks {
        let views = git::tree_views(settings, which, &git.indexes)?;
        let (tree_findings, tree_stats) = env::check_tree(settings, infos, &paths, which, &views)?;
        findings.extend(env::without_history_duplicates(
            tree_findings,
            &from_history,
        ));
        stats.merge(tree_stats);
        let outcome = bundle::check_tree(settings, infos, &paths, &views);
        findings.extend(outcome.findings);
        stats.merge(outcome.stats);
        let (launch_findings, launch_stats) = launch::check_tree(settings, &paths, &views);
        findings.extend(launch_findings);
        stats.merge(launch_stats);
    }
    findings.extend(from_history);
    lowering::lower_by_path(&mut findings, &settings.matcher);
    let mut findings = merge::one_per_value(findings);
    env::mark_local_only(
        settings,
        &stats,
        &mut findings,
        &ignored_untracked,
        &git.env_paths,
    );
    settings.suppressions.apply(&mut findings)?;
    Ok(Collected {
        findings,
        stats,
        inventory: seen,
    })
}

/// One departure per secret (the same secret in several scanned repositories left each at
/// its own time: the first root's is kept), in fingerprint order.
fn one_per_secret(mut departures: Vec<Departure>) -> Vec<Departure> {
    departures.sort_by(|a, b| a.fingerprint.cmp(&b.fingerprint));
    departures.dedup_by(|later, first| later.fingerprint == first.fingerprint);
    departures
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use crate::inventory::CellState;
    use crate::source::fixture::{git, write};
    use clap::Parser;

    /// A GitHub token in its documented format (made up at test time, checksum included).
    fn github_token(seed: &str) -> String {
        let body = &crate::finding::fingerprint("audit-test", seed.as_bytes())[..30];
        format!(
            "ghp_{body}{}",
            crate::rules::base62_checksum(body.as_bytes())
        )
    }

    fn settings(root: &Path) -> ScanSettings {
        settings_with(root, &[])
    }

    /// The settings of `leakgate scan --quiet FLAGS... ROOT`.
    pub(crate) fn settings_with(root: &Path, flags: &[&str]) -> ScanSettings {
        let cli = Cli::try_parse_from(
            ["leakgate", "scan", "--quiet"]
                .iter()
                .chain(flags)
                .map(std::ffi::OsString::from)
                .chain([root.as_os_str().to_owned()]),
        )
        .expect("the arguments parse");
        let Command::Scan(args) = cli.command else {
            unreachable!("a scan command was parsed")
        };
        ScanSettings::from_args(&args).expect("the settings build")
    }

    /// A small project: a secret committed then removed, env files for two environments
    /// sharing a secret, and a client build.
    #[test]
    fn the_audit_scan_finds_what_scan_finds_and_fills_the_inventory() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let old = github_token(&format!("removed {}", std::process::id()));
        git(d, &["init", "-q"]);
        write(d, ".gitignore", ".env*\n!.env.example\ndist/\n");
        write(
            d,
            "src/config.js",
            format!("export const token = '{old}';\n"),
        );
        git(d, &["add", "-A"]);
        git(d, &["commit", "-q", "-m", "add config"]);
        write(
            d,
            "src/config.js",
            "export const token = process.env.TOKEN;\n",
        );
        git(
            d,
            &["commit", "-q", "-am", "read the token from the environment"],
        );
        let removal = git(d, &["rev-parse", "HEAD"]);
        let session = crate::finding::fingerprint("session", old.as_bytes());
        write(d, ".env", format!("SESSION_SECRET={session}\n"));
        write(d, ".env.production", format!("SESSION_SECRET={session}\n"));
        write(
            d,
            "dist/index.html",
            "<script src=assets/app.js></script>\n",
        );
        write(
            d,
            "dist/assets/app.js",
            "console.log(1);\n//# sourceMappingURL=app.js.map\n",
        );
        write(
            d,
            "dist/assets/app.js.map",
            r#"{"version":3,"sources":["a.ts"],"mappings":""}"#,
        );
        let settings = settings(d);
        let infos = Arc::new(RuleInfos::new(&settings.matcher));
        let (findings, stats) = collect(&settings, &infos).expect("scan runs");
        let audit = collect_audit(&settings, &infos).expect("the audit scan runs");
        let said = |f: &[Finding]| {
            let mut v: Vec<(String, String, usize)> = f
                .iter()
                .map(|f| (f.rule.id.clone(), f.location.path.clone(), f.location.line))
                .collect();
            v.sort();
            v
        };
        assert_eq!(said(&audit.findings), said(&findings));
        assert_eq!(audit.stats.files_scanned, stats.files_scanned);
        assert_eq!(audit.stats.warnings, stats.warnings);

        let removed = audit
            .findings
            .iter()
            .find(|f| f.secret == old)
            .expect("history holds the removed token");
        assert_eq!(removed.in_head, Some(false));
        let departures = &audit.inventory.departures;
        assert_eq!(departures.len(), 1, "{departures:?}");
        assert_eq!(departures[0].fingerprint, removed.fingerprint);
        assert_eq!(departures[0].commit.id, removal);
        assert_eq!(
            departures[0].commit.summary,
            "read the token from the environment"
        );

        let env = &audit.inventory.env;
        assert_eq!(env.len(), 1, "{env:?}");
        let row = &env[0].variables[0];
        assert_eq!(row.name, "SESSION_SECRET");
        let states: Vec<CellState> = row.cells.iter().map(|c| c.state).collect();
        assert_eq!(states, [CellState::SharedValue, CellState::SharedValue]);

        let bundles = &audit.inventory.bundles;
        assert_eq!(bundles.len(), 1, "{bundles:?}");
        assert_eq!(bundles[0].path, "dist");
        assert!(bundles[0].client);
        assert_eq!((bundles[0].files, bundles[0].source_maps), (3, 1));
        let bytes: u64 = [
            "dist/index.html",
            "dist/assets/app.js",
            "dist/assets/app.js.map",
        ]
        .iter()
        .map(|p| std::fs::metadata(d.join(p)).unwrap().len())
        .sum();
        assert_eq!(bundles[0].bytes, bytes);
        // Nothing in the inventory holds a secret value.
        let text = serde_json::to_string(&audit.inventory).unwrap();
        assert!(!text.contains(&old) && !text.contains(&session));
    }
}
