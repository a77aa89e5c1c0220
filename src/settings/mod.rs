//! Raw command-line arguments plus `.leakgate.yml` (or, on a pull request, the base commit's),
//! turned once into the validated settings that build the walkers, the matcher and the
//! printers (ripgrep's low-args -> high-args). Nothing below this layer sees `cli` or the
//! config file: each step gets the part of the settings it needs.

pub mod ci;
mod confine;
pub mod push;
pub mod trusted;

use crate::checks::env_files::EnvSettings;
use crate::checks::launch::LaunchSettings;
use crate::checks::{self, Switches};
use crate::cli::{
    AuditArgs, AuditFormat, BundleArgs, ChecklistArgs, EnvArgs, FailOn, Format, HistoryDeltas,
    MergeArgs, OutputArgs, ScanArgs,
};
use crate::config::{self, DEFAULT_CONFIG_NAME, LoadedConfig};
use crate::engine::{AllowList, Matcher};
use crate::finding::Severity;
use crate::report::{self, ReportOptions};
use crate::rules::RuleSet;
use crate::source::history::{Deltas, Selection};
use crate::source::repo::{self, GitRepo};
use crate::source::staged::{StagedPlace, StagedScope};
use crate::stats::Shard;
use crate::suppress::{IGNORE_FILE_NAME, Suppressions};
use anyhow::{Context, Result, bail};
use ci::{CiPlan, Trust};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How findings are printed and how chatty the run is; shared by every reporting command.
#[derive(Debug, Clone)]
pub struct OutputSettings {
    /// The report's own options (format, destination, threshold, redaction).
    pub report: ReportOptions,
    pub quiet: bool,
    pub verbose: bool,
}

/// What of git a scan covers.
#[derive(Debug, Clone)]
pub enum GitScope {
    /// History: all of it, or a range.
    History(Selection),
    /// The index git is about to commit (where git's hook environment says it is) against
    /// `HEAD`, and the files named to check whole.
    Staged(StagedScope),
}

/// Where the file checks (env files) read files when the working tree is not scanned: the
/// snapshot git is asked about, and what of it is reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TreeChecks {
    /// The head of `from..to`: findings that involve a file the range changed (compared with
    /// the merge base of `from` and `to`).
    Range { from: String, to: String },
    /// Everything at `rev`: there is no base to compare with (a new branch, or a shallow
    /// clone without the base commit), so nothing can be called old and all is reported.
    Commit { rev: String },
    /// The index (`--staged`): findings that involve a file whose staged blob differs from
    /// `HEAD`'s, i.e. what the commit changes, or a file named to check whole.
    Index(StagedScope),
    /// `--pre-push`: each updated ref's `remote..local`, as a range. A ref the push creates has
    /// no base to compare with (its commits were judged by the pre-commit hook, and will be by
    /// CI), so it is left to the secret scan rather than reported whole.
    Push { ranges: Vec<(String, String)> },
}

#[derive(Debug, Clone)]
pub struct GitSettings {
    /// Scan the files of the working tree (and run the checks over them).
    pub files: bool,
    pub scope: Option<GitScope>,
    /// The file checks over a git snapshot instead of the working tree (`None` when the
    /// working tree is scanned, or git only is asked for).
    pub tree_checks: Option<TreeChecks>,
    /// A git flag was given, so a PATH that is not in a repository is an error rather than a
    /// scan without history.
    pub required: bool,
    /// How history blobs are read (the hidden `--history-deltas`, for tests and benchmarks).
    pub deltas: Deltas,
}

impl GitSettings {
    /// Everything there is: the files and the full history of every ref (`audit`). A folder
    /// that is not in a repository is audited without history, as `scan` scans it.
    pub fn everything() -> GitSettings {
        GitSettings {
            files: true,
            scope: Some(GitScope::History(Selection::All { refs: Vec::new() })),
            tree_checks: None,
            required: false,
            deltas: Deltas::On,
        }
    }

    /// Files only, no git (commands other than `scan`).
    pub fn off() -> GitSettings {
        GitSettings {
            files: true,
            scope: None,
            tree_checks: None,
            required: false,
            deltas: Deltas::On,
        }
    }

    pub fn from_args(args: &ScanArgs, ci: Option<&CiPlan>) -> Result<GitSettings> {
        // Files after `--` name what the staged check reads whole; anywhere else they would
        // be silently ignored.
        if !args.files.is_empty() && (!args.staged || args.no_git || ci.is_some()) {
            bail!(
                "files after `--` are checked as staged: use `leakgate protect -- FILE...` (or \
                 `scan --staged -- FILE...`)"
            );
        }
        let deltas = match args.history_deltas {
            None | Some(HistoryDeltas::On) => Deltas::On,
            Some(HistoryDeltas::Off) => Deltas::Off,
            Some(HistoryDeltas::Stats) => Deltas::Stats,
        };
        if let Some(plan) = ci {
            return Ok(GitSettings {
                deltas,
                ..GitSettings::for_ci(plan)
            });
        }
        let scope = if args.no_git {
            None
        } else if args.staged {
            Some(GitScope::Staged(staged_scope(&args.files)?))
        } else if args.pre_push.is_some() {
            Some(GitScope::History(Selection::Push {
                updates: pushed_refs()?,
            }))
        } else if let Some(range) = &args.range {
            Some(GitScope::History(Selection::range(range)?))
        } else if let Some(since) = &args.since {
            if since.is_empty() || since.contains("..") {
                bail!(
                    "--since takes one revision (for example origin/main), not {}",
                    crate::text::quoted_value(since)
                );
            }
            Some(GitScope::History(Selection::Range {
                from: since.clone(),
                to: "HEAD".into(),
            }))
        } else {
            Some(GitScope::History(Selection::All {
                refs: args.refs.clone(),
            }))
        };
        let narrowed =
            args.staged || args.range.is_some() || args.since.is_some() || args.pre_push.is_some();
        let tree_checks = match &scope {
            Some(GitScope::Staged(scope)) => Some(TreeChecks::Index(scope.clone())),
            Some(GitScope::History(Selection::Range { from, to })) => Some(TreeChecks::Range {
                from: from.clone(),
                to: to.clone(),
            }),
            Some(GitScope::History(Selection::Push { updates })) => Some(TreeChecks::Push {
                ranges: updates
                    .iter()
                    .filter_map(|u| Some((u.remote.clone()?, u.local.clone())))
                    .collect(),
            }),
            _ => None,
        };
        Ok(GitSettings {
            files: !(args.git_only || narrowed),
            scope,
            tree_checks,
            required: args.git_only || narrowed || !args.refs.is_empty(),
            deltas,
        })
    }
}

/// `--staged` reads the index git is committing: in a hook, git names it (and the repository)
/// in its environment, relative to the directory it runs the hook in. Files named after `--`
/// are relative to that directory too (the pre-commit framework runs hooks at the top of the
/// work tree and names files from there).
fn staged_scope(files: &[PathBuf]) -> Result<StagedScope> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    Ok(StagedScope {
        place: StagedPlace::from_vars(&cwd, |name| std::env::var_os(name)),
        whole: files.iter().map(|file| cwd.join(file)).collect(),
    })
}

/// What `--pre-push` scans: the pre-commit framework's refs when it runs the hook (it reads
/// git's lines itself and does not pass them on), else git's lines on standard input. No line
/// means git is pushing nothing, except under the framework, where it means its refs are
/// missing: that is an error rather than a pass.
fn pushed_refs() -> Result<Vec<crate::source::history::PushedRef>> {
    if let Some(update) = push::from_framework(|name| std::env::var(name).ok()) {
        return Ok(vec![update]);
    }
    let updates = push::parse_lines(&push::read_stdin()?)?;
    if updates.is_empty() && std::env::var_os("PRE_COMMIT").is_some_and(|v| v == "1") {
        bail!(
            "--pre-push under the pre-commit framework: PRE_COMMIT_TO_REF is not set, so what \
             is being pushed is unknown"
        );
    }
    Ok(updates)
}

impl GitSettings {
    /// What a CI event asks for (see `ci.rs`); a range whose base is missing from a shallow
    /// clone was already turned into "all that is present" by [`resolve_ci_plan`].
    fn for_ci(plan: &CiPlan) -> GitSettings {
        match plan {
            CiPlan::Range { base, head, .. } => GitSettings {
                files: false,
                scope: Some(GitScope::History(Selection::Range {
                    from: base.clone(),
                    to: head.clone(),
                })),
                tree_checks: Some(TreeChecks::Range {
                    from: base.clone(),
                    to: head.clone(),
                }),
                required: true,
                deltas: Deltas::On,
            },
            // No base to compare with: the gate stays closed, every env problem at HEAD is
            // reported (the plan's warning says why).
            CiPlan::BranchHistory { .. } => GitSettings {
                files: false,
                scope: Some(GitScope::History(Selection::All {
                    refs: vec!["HEAD".into()],
                })),
                tree_checks: Some(TreeChecks::Commit { rev: "HEAD".into() }),
                required: true,
                deltas: Deltas::On,
            },
            CiPlan::Everything { .. } => GitSettings {
                files: true,
                scope: Some(GitScope::History(Selection::All { refs: Vec::new() })),
                tree_checks: None,
                required: false,
                deltas: Deltas::On,
            },
        }
    }
}

/// Reads the GitHub Actions event and decides what to scan and whose configuration judges it,
/// saying so on stderr. A base commit missing from a shallow checkout is not fetched (leakgate
/// never runs git; the action fetches it first): the user is told which `fetch-depth` to set,
/// everything present is scanned instead of nothing, and a pull request is then judged by the
/// built-in rules alone, since its checkout is all there is and it is the pull request's.
pub fn resolve_ci_plan(root: &Path, quiet: bool) -> Result<(String, CiPlan, Trust)> {
    let (event, plan) = ci::plan_from_env()?;
    let mut trust = ci::trust(&event, &plan);
    let say = |m: String| {
        if !quiet {
            report::note(&format!("--ci: {m}"));
        }
    };
    let plan = match plan {
        CiPlan::Range {
            base,
            head,
            reason,
            default_branch,
        } if !repo::discover(root).is_ok_and(|git| git.has_commit(&base)) => {
            let git = repo::discover(root).ok();
            let shallow = git.as_ref().is_none_or(|g| g.is_shallow());
            if !shallow && event == "push" {
                rewritten_push(git.as_ref(), &base, head, default_branch.as_deref())
            } else {
                let why = if shallow {
                    "is not in this checkout (a shallow clone)"
                } else {
                    "is not in this clone (it is not shallow: the commit was never fetched, or \
                     history was rewritten)"
                };
                report::warn(&format!(
                    "{reason}: the base commit {} {why}; scanning all history that is present \
                     instead. Set `fetch-depth: 0` on actions/checkout so only the new commits \
                     are scanned",
                    &base[..12.min(base.len())]
                ));
                let _ = head;
                if let Trust::BaseCommit(base) = &trust {
                    trust = Trust::BuiltIn {
                        reason: format!(
                            "{event}: the base commit {} is not in this checkout",
                            &base[..12.min(base.len())]
                        ),
                    };
                }
                CiPlan::BranchHistory {
                    head: "HEAD".into(),
                }
            }
        }
        plan => plan,
    };
    match &plan {
        CiPlan::Range {
            base, head, reason, ..
        } => say(format!(
            "{reason}: {}..{}",
            short_rev(base),
            short_rev(head)
        )),
        CiPlan::BranchHistory { .. } => say(format!("{event}: the history of HEAD")),
        CiPlan::Everything { reason } => say(reason.clone()),
    }
    match &trust {
        Trust::WorkingTree => {}
        Trust::BaseCommit(base) => say(format!(
            "judged by the base commit {}'s configuration, not this checkout's",
            &base[..12.min(base.len())]
        )),
        Trust::BuiltIn { .. } => say("judged by the built-in rules alone".into()),
    }
    Ok((event, plan, trust))
}

/// A commit id shortened to 12 digits; a ref name whole.
fn short_rev(rev: &str) -> &str {
    if rev.bytes().all(|b| b.is_ascii_hexdigit()) {
        &rev[..12.min(rev.len())]
    } else {
        rev
    }
}

/// A push whose `before` is missing from a full clone: the branch was force-pushed with
/// rewritten history, and the old tip is gone (no fetch depth brings it back). The new tip's
/// commits that the default branch does not have are scanned; without a default branch to
/// compare with (a push to it, or it is not in the clone), the branch's whole history.
fn rewritten_push(
    git: Option<&repo::GitRepo>,
    before: &str,
    head: String,
    default_branch: Option<&str>,
) -> CiPlan {
    let compare = default_branch.and_then(|name| {
        [
            format!("refs/remotes/origin/{name}"),
            format!("refs/heads/{name}"),
        ]
        .into_iter()
        .find(|rev| git.is_some_and(|g| g.has_commit(rev)))
        .map(|rev| (name, rev))
    });
    let before = &before[..12.min(before.len())];
    match compare {
        Some((name, rev)) => {
            report::warn(&format!(
                "history was rewritten (force push): the old tip {before} is not in this clone, \
                 which is not shallow; scanning the branch's commits that are not in `{name}`"
            ));
            CiPlan::Range {
                base: rev,
                head,
                reason: format!("force push: the commits not in `{name}`"),
                default_branch: None,
            }
        }
        None => {
            report::warn(&format!(
                "history was rewritten (force push): the old tip {before} is not in this clone, \
                 which is not shallow; scanning the branch's whole history"
            ));
            CiPlan::BranchHistory {
                head: "HEAD".into(),
            }
        }
    }
}

pub struct ScanSettings {
    /// Files and directories to walk (may be empty when only stdin is scanned).
    pub roots: Vec<PathBuf>,
    /// Also scan standard input as a stream.
    pub stdin: bool,
    /// Accepted findings: `.leakgateignore` at the first root, and `--baseline`.
    pub suppressions: Suppressions,
    pub output: OutputSettings,
    pub threads: usize,
    /// The most a check or the history scan reads of one file or blob in one piece:
    /// `--max-file-size`, else [`WHOLE_READ_LIMIT`]. Larger ones are counted as too large.
    pub max_file_size: u64,
    /// `--max-file-size` as given: the working-tree walk reads every file unless it is set.
    pub skip_larger_than: Option<u64>,
    pub config: LoadedConfig,
    pub matcher: Arc<Matcher>,
    /// Env-file checks; `None` with `--no-env`.
    pub env: Option<EnvSettings>,
    /// The client-bundle check; `None` with `--no-bundle`.
    pub bundle: Option<BundleSettings>,
    /// The launch checks (CORS, cookies, webhooks, logs, workflows, ...); `None` with
    /// `--no-launch`.
    pub launch: Option<LaunchSettings>,
    /// Git history, a range or staged changes, and whether the files are scanned too.
    pub git: GitSettings,
    /// How much may be unpacked from an archive (`archives` in the config).
    pub archives: crate::source::archive::Limits,
    /// What the settings decided that the report must say (on a pull request: which of its
    /// files were not used, which it changes).
    pub notices: Vec<String>,
    /// `--shard I/N` (or `LEAKGATE_SHARD`): match only this shard's files and blobs.
    pub shard: Option<Shard>,
    /// Show the scan's phases (`files`, `history`, `checks`) on stderr; drawn only when stderr
    /// is a terminal (see `scan::progress`). Off unless a command turns it on
    /// ([`ScanSettings::with_progress`]), so `scan`'s stderr is what it always was.
    pub progress: bool,
}

impl ScanSettings {
    /// The phases on stderr, unless `--quiet` (a long run, such as the audit's, shows them).
    pub fn with_progress(mut self) -> ScanSettings {
        self.progress = !self.output.quiet;
        self
    }
}

/// What the client-bundle check looks at beyond the build output found under the roots.
#[derive(Debug, Clone, Default)]
pub struct BundleSettings {
    /// Folders named on the command line (checked to exist up front).
    pub dirs: Vec<PathBuf>,
    /// `bundle_dirs` from the config, resolved against its folder; may not be built yet.
    pub configured: Vec<PathBuf>,
    /// Which checks are on (`disable_rules`).
    pub switches: Switches,
}

/// `leakgate bundle DIR...`: the bundle check alone.
pub struct BundleCommandSettings {
    pub output: OutputSettings,
    pub threads: usize,
    pub max_file_size: u64,
    pub matcher: Arc<Matcher>,
    pub bundle: BundleSettings,
    /// Accepted findings: `.leakgateignore` in the current directory.
    pub suppressions: Suppressions,
}

pub fn severity_of(fail_on: FailOn) -> Severity {
    match fail_on {
        FailOn::Critical => Severity::Critical,
        FailOn::High => Severity::High,
        FailOn::Medium => Severity::Medium,
        FailOn::Low => Severity::Low,
        FailOn::Info => Severity::Info,
    }
}

/// What `leakgate audit` writes besides the scan: the page's format and where the files go.
pub struct AuditOutput {
    pub format: AuditPage,
    /// The folder for `leakgate-audit.{html,md,json}` (created if missing).
    pub out_dir: PathBuf,
}

/// The audit page's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditPage {
    Html,
    Markdown,
}

impl AuditOutput {
    pub fn from_args(args: &AuditArgs) -> AuditOutput {
        AuditOutput {
            format: match args.format {
                AuditFormat::Html => AuditPage::Html,
                AuditFormat::Markdown => AuditPage::Markdown,
            },
            out_dir: args.out_dir.clone(),
        }
    }

    /// The page's file name in [`AuditOutput::out_dir`].
    pub fn page_name(&self) -> &'static str {
        match self.format {
            AuditPage::Html => "leakgate-audit.html",
            AuditPage::Markdown => "leakgate-audit.md",
        }
    }
}

/// `leakgate merge`: the reports to read and how to write the combined one.
pub struct MergeSettings {
    pub reports: Vec<PathBuf>,
    pub format: report::Format,
    pub output: Option<PathBuf>,
    /// `--fail-on` as given; without it, the reports' own threshold decides.
    pub fail_on: Option<Severity>,
    pub quiet: bool,
    pub show_suppressed: bool,
}

impl MergeSettings {
    pub fn from_args(args: &MergeArgs) -> MergeSettings {
        MergeSettings {
            reports: args.reports.clone(),
            format: report_format(args.format),
            output: args.output.clone(),
            fail_on: args.fail_on.map(severity_of),
            quiet: args.quiet,
            show_suppressed: args.show_suppressed,
        }
    }
}

fn report_format(format: Format) -> report::Format {
    match format {
        Format::Human => report::Format::Human,
        Format::Json => report::Format::Json,
        Format::Sarif => report::Format::Sarif,
    }
}

impl OutputSettings {
    /// `--fail-on` wins over the config's `fail_on`; the default fails on low and above.
    pub fn from_args(args: &OutputArgs, config_fail_on: Option<Severity>) -> OutputSettings {
        OutputSettings {
            report: ReportOptions {
                format: report_format(args.format),
                output: args.output.clone(),
                fail_on: args
                    .fail_on
                    .map(severity_of)
                    .or(config_fail_on)
                    .unwrap_or(Severity::Low),
                show_secrets: args.show_secrets,
                show_suppressed: args.show_suppressed,
            },
            quiet: args.quiet,
            verbose: args.verbose && !args.quiet,
        }
    }
}

/// The most `--threads` may ask for: each thread has its own buffers and a stack, and far
/// more threads than cores only costs memory.
pub const MAX_THREADS: usize = 1024;

/// What checks and the history scan read in one piece when `--max-file-size` is not given
/// (the working-tree walk reads larger files in windows; see `source::worktree`).
pub const WHOLE_READ_LIMIT: u64 = 256 * 1024 * 1024;

/// `--threads N` (1 to [`MAX_THREADS`]), else one per available core.
pub fn resolve_threads(requested: Option<usize>) -> Result<usize> {
    match requested {
        Some(0) => bail!("--threads must be at least 1"),
        Some(n) if n > MAX_THREADS => bail!("--threads must be at most {MAX_THREADS}, not {n}"),
        Some(n) => Ok(n),
        None => Ok(std::thread::available_parallelism().map_or(2, |n| n.get())),
    }
}

/// What `scan` and `env` have in common on the command line.
struct Inputs<'a> {
    paths: &'a [PathBuf],
    output: &'a OutputArgs,
    config: Option<&'a Path>,
    threads: Option<usize>,
    max_file_size: Option<u64>,
    env: bool,
    stdin: bool,
    baseline: Option<&'a Path>,
    bundle: bool,
    bundle_dirs: &'a [PathBuf],
    launch: bool,
    git: GitSettings,
    /// Whose config, ignore file, baseline and inline allows count (`--ci` decides).
    trust: Trust,
    shard: Option<Shard>,
}

/// The report options of a command that writes its own report (`audit`, `checklist`): only the
/// threshold and quietness count (and JSON, the document their reports extend).
fn threshold_only(fail_on: Option<FailOn>, quiet: bool) -> OutputArgs {
    OutputArgs {
        format: Format::Json,
        output: None,
        fail_on,
        show_secrets: false,
        quiet,
        verbose: false,
        show_suppressed: false,
    }
}

/// `--shard I/N` (or `LEAKGATE_SHARD`), checked. A shard splits a whole scan (the files and
/// the full history, which every runner enumerates the same way); what a gate scans
/// (`--staged`, `--range`, `--since`, `--pre-push`, `--ci`) and standard input are small and
/// judged against a base, so they are refused rather than split.
fn shard_of(args: &ScanArgs, stdin: bool) -> Result<Option<Shard>> {
    let Some(text) = &args.shard else {
        return Ok(None);
    };
    let shard = Shard::parse(text)?;
    let refused = [
        (args.staged, "--staged"),
        (args.range.is_some(), "--range"),
        (args.since.is_some(), "--since"),
        (args.pre_push.is_some(), "--pre-push"),
        (args.ci, "--ci"),
        (stdin, "standard input"),
    ];
    if let Some((_, what)) = refused.iter().find(|(on, _)| *on) {
        bail!(
            "--shard splits a whole scan (files and full history); it cannot be combined with              {what} (unset LEAKGATE_SHARD if it came from the environment)"
        );
    }
    Ok(Some(shard))
}

impl ScanSettings {
    pub fn from_args(args: &ScanArgs) -> Result<ScanSettings> {
        let stdin = args.stdin || args.paths.iter().any(|p| p.as_os_str() == "-");
        let mut roots: Vec<PathBuf> = args
            .paths
            .iter()
            .filter(|p| p.as_os_str() != "-")
            .cloned()
            .collect();
        if roots.is_empty() && !stdin {
            roots.push(PathBuf::from("."));
        }
        let shard = shard_of(args, stdin)?;
        let ci = match args.ci {
            true => Some(resolve_ci_plan(&roots[0], args.output.quiet)?),
            false => None,
        };
        // On a pull request the scan's own rules come from the base commit (or the built-in
        // rules alone), so the pull request cannot switch off or allow-list its own findings.
        let trust = ci
            .as_ref()
            .map_or(Trust::WorkingTree, |(_, _, trust)| trust.clone());
        ScanSettings::build(Inputs {
            paths: &roots,
            output: &args.output,
            config: args.input.config.as_deref(),
            threads: args.input.threads,
            max_file_size: args.input.max_file_size,
            env: !args.no_env,
            stdin,
            baseline: args.baseline.as_deref(),
            bundle: !args.no_bundle,
            bundle_dirs: &args.bundle,
            launch: !args.no_launch,
            git: GitSettings::from_args(args, ci.as_ref().map(|(_, plan, _)| plan))?,
            trust,
            shard,
        })
    }

    /// `leakgate env PATH`: the scan settings for one project folder, env checks on.
    pub fn from_env_args(args: &EnvArgs) -> Result<ScanSettings> {
        let path = &args.path;
        require_folder(path, "env checks compare the env files of a project folder")?;
        ScanSettings::build(Inputs {
            paths: std::slice::from_ref(path),
            output: &args.output,
            config: args.input.config.as_deref(),
            threads: args.input.threads,
            max_file_size: args.input.max_file_size,
            env: true,
            stdin: false,
            baseline: None,
            bundle: false,
            bundle_dirs: &[],
            launch: false,
            git: GitSettings::off(),
            trust: Trust::WorkingTree,
            shard: None,
        })
    }

    /// `leakgate audit PATH`: everything `scan` runs with no narrowing flag (the files, the
    /// full history of all refs, the env and bundle checks), with the config, ignore file and
    /// baseline read as `scan` reads them. The audit writes its own files, so the report
    /// options only carry the threshold (and JSON, the document the audit JSON extends).
    pub fn from_audit_args(args: &AuditArgs) -> Result<ScanSettings> {
        let path = &args.path;
        require_folder(path, "an audit reads a repository or project folder")?;
        let output = threshold_only(args.fail_on, args.quiet);
        ScanSettings::build(Inputs {
            paths: std::slice::from_ref(path),
            output: &output,
            config: args.input.config.as_deref(),
            threads: args.input.threads,
            max_file_size: args.input.max_file_size,
            env: true,
            stdin: false,
            baseline: args.baseline.as_deref(),
            bundle: true,
            bundle_dirs: &[],
            launch: true,
            git: GitSettings::everything(),
            trust: Trust::WorkingTree,
            shard: None,
        })
        // A whole-history audit takes a while: its phases are shown (on a terminal).
        .map(ScanSettings::with_progress)
    }

    /// `leakgate checklist PATH`: what `scan PATH` runs (the files, the full history of all
    /// refs unless `--no-git`, the env, bundle and launch checks unless switched off), with the
    /// config, ignore file and baseline read as `scan` reads them. The checklist writes its own
    /// report, so the report options only carry the threshold.
    pub fn from_checklist_args(args: &ChecklistArgs) -> Result<ScanSettings> {
        let path = &args.path;
        require_folder(path, "a checklist reads a repository or project folder")?;
        let output = threshold_only(args.fail_on, args.quiet);
        ScanSettings::build(Inputs {
            paths: std::slice::from_ref(path),
            output: &output,
            config: args.input.config.as_deref(),
            threads: args.input.threads,
            max_file_size: args.input.max_file_size,
            env: !args.no_env,
            stdin: false,
            baseline: args.baseline.as_deref(),
            bundle: !args.no_bundle,
            bundle_dirs: &[],
            launch: !args.no_launch,
            git: if args.no_git {
                GitSettings::off()
            } else {
                GitSettings::everything()
            },
            trust: Trust::WorkingTree,
            shard: None,
        })
    }

    fn build(inputs: Inputs<'_>) -> Result<ScanSettings> {
        for root in inputs.paths {
            if std::fs::symlink_metadata(root).is_err() {
                bail!("{}: no such file or directory", root.display());
            }
        }
        require_existing(inputs.bundle_dirs)?;
        // On behalf of a pull request: nothing from the checkout (see `trusted`).
        let named = trusted::Named {
            config: inputs.config,
            baseline: inputs.baseline,
        };
        let judged = match inputs.paths.first() {
            Some(root) => trusted::judged(&inputs.trust, root, &named)?,
            None => None,
        };
        let (config, suppressions, git, notices) = match judged {
            Some(j) => (j.config, j.suppressions, j.git, j.notices),
            None => (
                load_config(inputs.config, inputs.paths.first())?,
                load_suppressions(inputs.baseline, inputs.paths.first())?,
                None,
                Vec::new(),
            ),
        };
        confine::check(&config, inputs.config.is_some(), inputs.paths)?;
        let matcher = Arc::new(build_matcher(&config, git.as_ref())?);
        // `disable_rules` is read once; every check gets the same switches.
        let switches = Switches::from_disabled(&config.config.disable_rules);
        let env_settings = EnvSettings::from_config(&config.config, switches.clone())
            .with_context(|| config_name(&config))?;
        let threads = resolve_threads(inputs.threads)?;
        Ok(ScanSettings {
            roots: inputs.paths.to_vec(),
            stdin: inputs.stdin,
            suppressions,
            output: OutputSettings::from_args(inputs.output, config.config.fail_on),
            threads,
            archives: archive_limits(&config.config.archives),
            max_file_size: inputs.max_file_size.unwrap_or(WHOLE_READ_LIMIT),
            skip_larger_than: inputs.max_file_size,
            matcher,
            env: inputs.env.then_some(env_settings),
            launch: inputs.launch.then(|| LaunchSettings::new(switches.clone())),
            bundle: inputs
                .bundle
                .then(|| BundleSettings::new(inputs.bundle_dirs, &config, switches)),
            config,
            git: inputs.git,
            notices,
            shard: inputs.shard,
            progress: false,
        })
        .map(|mut settings| {
            // A shard's JSON or SARIF report lists its suppressed findings: `merge` keeps them.
            let report = &mut settings.output.report;
            report.show_suppressed |=
                settings.shard.is_some() && report.format != report::Format::Human;
            settings
        })
    }
}

/// The config's archive limits as the archive reader takes them.
fn archive_limits(archives: &crate::config::Archives) -> crate::source::archive::Limits {
    crate::source::archive::Limits {
        max_depth: archives.max_depth,
        max_unpacked_bytes: archives.max_unpacked_bytes,
        max_entry_bytes: archives.max_entry_bytes,
        max_ratio: archives.max_ratio,
        max_entries: archives.max_entries,
    }
}

impl BundleSettings {
    fn new(dirs: &[PathBuf], loaded: &LoadedConfig, switches: Switches) -> BundleSettings {
        let base = loaded.base_dir().map(Path::to_path_buf).unwrap_or_default();
        BundleSettings {
            dirs: dirs.to_vec(),
            configured: loaded
                .config
                .bundle_dirs
                .iter()
                .map(|d| {
                    if d.is_relative() {
                        base.join(d)
                    } else {
                        d.clone()
                    }
                })
                .collect(),
            switches,
        }
    }
}

impl BundleCommandSettings {
    pub fn from_args(args: &BundleArgs) -> Result<BundleCommandSettings> {
        require_existing(&args.dirs)?;
        // `--config`, else `.leakgate.yml` in the current directory.
        let config = load_config(args.input.config.as_deref(), None)?;
        confine::check(&config, args.input.config.is_some(), &args.dirs)?;
        let suppressions = load_suppressions(None, None)?;
        let matcher = Arc::new(build_matcher(&config, None)?);
        let switches = Switches::from_disabled(&config.config.disable_rules);
        let mut bundle = BundleSettings::new(&args.dirs, &config, switches);
        // The command checks exactly the folders it is given.
        bundle.configured.clear();
        let threads = resolve_threads(args.input.threads)?;
        Ok(BundleCommandSettings {
            output: OutputSettings::from_args(&args.output, config.config.fail_on),
            threads,
            max_file_size: args.input.max_file_size.unwrap_or(WHOLE_READ_LIMIT),
            matcher,
            bundle,
            suppressions,
        })
    }
}

/// A command that reads one project folder refuses anything else, saying `why` it needs one.
fn require_folder(path: &Path, why: &str) -> Result<()> {
    require_existing(&[path.to_path_buf()])?;
    if !path.is_dir() {
        bail!("{}: not a directory ({why})", path.display());
    }
    Ok(())
}

fn require_existing(paths: &[PathBuf]) -> Result<()> {
    for path in paths {
        if std::fs::symlink_metadata(path).is_err() {
            bail!("{}: no such file or directory", path.display());
        }
    }
    Ok(())
}

/// `--config FILE`, else `.leakgate.yml` at the first root (or the current directory).
pub fn load_config(explicit: Option<&Path>, first_root: Option<&PathBuf>) -> Result<LoadedConfig> {
    if let Some(path) = explicit {
        return Ok(config::load(path)?);
    }
    let candidate = match first_root {
        Some(first) if first.is_dir() => first.join(DEFAULT_CONFIG_NAME),
        _ => PathBuf::from(DEFAULT_CONFIG_NAME),
    };
    if candidate.is_file() {
        Ok(config::load(&candidate)?)
    } else {
        Ok(LoadedConfig::default())
    }
}

/// The matcher of `leakgate redact`: the built-in rules plus an explicit `--config`, never a
/// `.leakgate.yml` found in the current directory. That file is the repository's, and a log
/// filter must not be switched off by the repository whose logs it guards (`allow: ['.*']`).
pub fn redact_matcher(explicit: Option<&Path>) -> Result<Matcher> {
    let config = match explicit {
        Some(path) => config::load(path)?,
        None => LoadedConfig::default(),
    };
    build_matcher(&config, None)
}

/// `.leakgateignore` beside the config (at the first root) and the `--baseline` file, if any.
/// A file's text as committed in `commit` (`None` if absent).
fn text_at_commit(git: &GitRepo, commit: &str, path: &str) -> Result<Option<String>> {
    let bytes = git
        .file_at_commit(commit, path)
        .with_context(|| format!("reading {path} from the base commit"))?;
    bytes
        .map(|b| {
            String::from_utf8(b).map_err(|_| anyhow::anyhow!("{path} at {commit} is not UTF-8"))
        })
        .transpose()
}

fn load_suppressions(
    baseline: Option<&Path>,
    first_root: Option<&PathBuf>,
) -> Result<Suppressions> {
    let mut suppressions = Suppressions::default();
    let ignore_file = match first_root {
        Some(first) if first.is_dir() => first.join(IGNORE_FILE_NAME),
        _ => PathBuf::from(IGNORE_FILE_NAME),
    };
    if ignore_file.is_file() {
        suppressions.load_ignore_file(&ignore_file)?;
    }
    if let Some(baseline) = baseline {
        suppressions.load_baseline(baseline)?;
    }
    Ok(suppressions)
}

/// Built-in rules, plus the config's rules files, minus its disabled rules, with its allow-list.
/// A config read from a commit reads its rules files from that commit, in `git`.
pub fn build_matcher(loaded: &LoadedConfig, git: Option<&GitRepo>) -> Result<Matcher> {
    let config = &loaded.config;
    let mut rules = RuleSet::builtin().context("built-in rules")?;
    for file in &config.rules_files {
        let path = match loaded.base_dir() {
            Some(dir) if file.is_relative() => dir.join(file),
            _ => file.clone(),
        };
        match (&loaded.commit, git) {
            (Some(commit), Some(git)) => {
                // Relative to the config's folder in the repository, as in the checkout.
                if !path.is_relative() {
                    bail!(
                        "rules file {}: an absolute path cannot be read from the base commit",
                        file.display()
                    );
                }
                let shown = crate::text::slash_path(&path);
                let text = text_at_commit(git, commit, &shown)?.ok_or_else(|| {
                    anyhow::anyhow!("rules file {shown} is not in the base commit")
                })?;
                rules.add_yaml(
                    &format!("{shown}@{}", &commit[..12.min(commit.len())]),
                    &text,
                )?;
            }
            _ => rules.add_file(&path)?,
        }
    }
    // Check ids are switched off through `checks::Switches`; the rest must name secret rules.
    let disable: Vec<String> = config
        .disable_rules
        .iter()
        .filter(|id| checks::find(id).is_none())
        .cloned()
        .collect();
    rules
        .disable(&disable)
        .with_context(|| config_name(loaded))?;
    let values = config
        .allow
        .iter()
        .enumerate()
        .map(|(i, a)| {
            // Bounded like rule regexes: the config may come from the scanned repository. The
            // pattern is not echoed: an allow-list often holds the very value it allows.
            regex::bytes::RegexBuilder::new(a)
                .size_limit(4 * 1024 * 1024)
                .build()
                .map_err(|e| {
                    anyhow::anyhow!(
                        "{}: allow pattern {} does not compile: {}",
                        config_name(loaded),
                        i + 1,
                        crate::text::without_quoted_input(&e.to_string())
                    )
                })
        })
        .collect::<Result<Vec<_>>>()?;
    let stopwords = config
        .stopwords
        .iter()
        .map(|w| w.to_ascii_lowercase())
        .collect();
    Ok(
        Matcher::new(Arc::new(rules), AllowList { values, stopwords })
            .with_local_hosts(checks::common::hosts::opens_nothing_reachable),
    )
}

fn config_name(loaded: &LoadedConfig) -> String {
    loaded.path.as_ref().map_or_else(
        || DEFAULT_CONFIG_NAME.to_string(),
        |p| p.display().to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    fn scan_args(args: &[&str]) -> ScanArgs {
        let argv = ["leakgate", "scan"].iter().chain(args.iter());
        match Cli::try_parse_from(argv).expect("valid arguments").command {
            Command::Scan(args) => args,
            _ => unreachable!("parsed a scan command"),
        }
    }

    fn git(args: &[&str]) -> GitSettings {
        GitSettings::from_args(&scan_args(args), None).expect("valid git flags")
    }

    #[test]
    fn a_plain_scan_reads_files_and_all_history_where_there_is_any() {
        let g = git(&[]);
        assert!(g.files && !g.required);
        assert!(matches!(
            g.scope,
            Some(GitScope::History(Selection::All { ref refs })) if refs.is_empty()
        ));
    }

    fn audit_args(args: &[&str]) -> AuditArgs {
        let argv = ["leakgate", "audit"].iter().chain(args.iter());
        match Cli::try_parse_from(argv).expect("valid arguments").command {
            Command::Audit(args) => args,
            _ => unreachable!("parsed an audit command"),
        }
    }

    #[test]
    fn an_audit_runs_every_step_over_all_history_and_writes_into_the_out_dir() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().to_str().expect("UTF-8 temp path");
        let settings = ScanSettings::from_audit_args(&audit_args(&[root, "--fail-on", "high"]))
            .expect("valid audit settings");
        assert!(settings.git.files && !settings.git.required && settings.git.tree_checks.is_none());
        assert!(matches!(
            settings.git.scope,
            Some(GitScope::History(Selection::All { ref refs })) if refs.is_empty()
        ));
        assert!(settings.env.is_some() && settings.bundle.is_some());
        assert!(!settings.stdin && settings.shard.is_none());
        assert_eq!(settings.output.report.fail_on, Severity::High);
        assert!(!settings.output.report.show_secrets);
        assert!(settings.progress, "phases shown (drawn only on a terminal)");
        let quiet = ScanSettings::from_audit_args(&audit_args(&[root, "--quiet"]))
            .expect("valid audit settings");
        assert!(!quiet.progress && quiet.output.quiet);

        let output = AuditOutput::from_args(&audit_args(&[]));
        assert_eq!(
            (output.page_name(), output.out_dir.as_path()),
            ("leakgate-audit.html", Path::new("."))
        );
        let markdown =
            AuditOutput::from_args(&audit_args(&["--format", "markdown", "--out-dir", "o"]));
        assert_eq!(
            (markdown.page_name(), markdown.out_dir.as_path()),
            ("leakgate-audit.md", Path::new("o"))
        );
    }

    #[test]
    fn an_audit_of_a_file_or_a_missing_path_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("a.txt");
        std::fs::write(&file, "x").expect("write");
        for path in [file, dir.path().join("missing")] {
            let args = audit_args(&[path.to_str().expect("UTF-8")]);
            let err = ScanSettings::from_audit_args(&args).err().expect("refused");
            assert!(
                format!("{err:#}").contains(&path.display().to_string()),
                "{err:#}"
            );
        }
    }

    #[test]
    fn narrowing_flags_read_git_alone_and_require_a_repository() {
        let staged = git(&["--staged"]);
        assert!(!staged.files && staged.required);
        assert!(matches!(staged.scope, Some(GitScope::Staged(_))));

        let range = git(&["--range", "origin/main..HEAD"]);
        assert!(!range.files && range.required);
        assert!(matches!(
            range.scope,
            Some(GitScope::History(Selection::Range { ref from, ref to }))
                if from == "origin/main" && to == "HEAD"
        ));

        let since = git(&["--since", "v1.2"]);
        assert!(matches!(
            since.scope,
            Some(GitScope::History(Selection::Range { ref from, ref to }))
                if from == "v1.2" && to == "HEAD"
        ));

        let only = git(&["--git-only"]);
        assert!(!only.files && only.required);

        let refs = git(&["--ref", "main"]);
        assert!(refs.files && refs.required);
    }

    #[test]
    fn files_after_the_separator_need_the_staged_check() {
        let staged = git(&["--staged", "--", "a.js", "src"]);
        match staged.scope {
            Some(GitScope::Staged(scope)) => {
                assert_eq!(scope.whole.len(), 2);
                assert!(scope.whole.iter().all(|p| p.is_absolute()));
            }
            other => panic!("{other:?}"),
        }
        for args in [&["--", "a.js"][..], &["--git-only", "--", "a.js"]] {
            assert!(GitSettings::from_args(&scan_args(args), None).is_err());
        }
        let mut protect_no_git = scan_args(&["--no-git", "--", "a.js"]);
        protect_no_git.staged = true;
        assert!(GitSettings::from_args(&protect_no_git, None).is_err());
    }

    #[test]
    fn no_git_reads_files_only_and_bad_ranges_are_refused() {
        let g = git(&["--no-git"]);
        assert!(g.files && g.scope.is_none() && !g.required);
        assert!(GitSettings::from_args(&scan_args(&["--since", "a..b"]), None).is_err());
        assert!(GitSettings::from_args(&scan_args(&["--since", ""]), None).is_err());
        assert!(GitSettings::from_args(&scan_args(&["--range", "a...b"]), None).is_err());
    }

    #[test]
    fn a_ci_range_scans_only_the_range_and_a_scheduled_run_everything() {
        let range = GitSettings::for_ci(&CiPlan::Range {
            base: "a".into(),
            head: "b".into(),
            reason: "push".into(),
            default_branch: None,
        });
        assert!(!range.files && range.required);
        let everything = GitSettings::for_ci(&CiPlan::Everything {
            reason: "schedule".into(),
        });
        assert!(everything.files && !everything.required);
    }

    #[test]
    fn fail_on_comes_from_the_flag_then_the_config_then_low() {
        let output = |args: &[&str], config: Option<Severity>| {
            OutputSettings::from_args(&scan_args(args).output, config)
        };
        assert_eq!(output(&[], None).report.fail_on, Severity::Low);
        assert_eq!(
            output(&[], Some(Severity::High)).report.fail_on,
            Severity::High
        );
        assert_eq!(
            output(&["--fail-on", "critical"], Some(Severity::Info))
                .report
                .fail_on,
            Severity::Critical
        );
        let quiet = output(&["--quiet", "--verbose"], None);
        assert!(quiet.quiet && !quiet.verbose, "--quiet wins over --verbose");
        let sarif = output(&["--format", "sarif", "--show-secrets"], None);
        assert_eq!(sarif.report.format, report::Format::Sarif);
        assert!(sarif.report.show_secrets);
    }

    #[test]
    fn threads_are_at_least_one() {
        assert!(resolve_threads(Some(0)).is_err());
        assert_eq!(resolve_threads(Some(3)).unwrap(), 3);
        assert_eq!(resolve_threads(Some(MAX_THREADS)).unwrap(), MAX_THREADS);
        assert!(resolve_threads(Some(MAX_THREADS + 1)).is_err());
        assert!(resolve_threads(None).unwrap() >= 1);
    }

    #[test]
    fn disable_rules_switches_off_checks_and_rules_and_refuses_unknown_ids() {
        let mut loaded = LoadedConfig::default();
        loaded.config.disable_rules = vec!["env-drift".into(), "generic-secret-assignment".into()];
        let matcher = build_matcher(&loaded, None).expect("known ids");
        assert!(
            matcher
                .rules()
                .rules()
                .iter()
                .all(|r| r.id() != "generic-secret-assignment")
        );
        let switches = Switches::from_disabled(&loaded.config.disable_rules);
        assert!(!switches.is_on("env-drift"));
        loaded.config.disable_rules = vec!["env-drfit".into()];
        let err = build_matcher(&loaded, None)
            .err()
            .expect("a typo is an error");
        assert!(format!("{err:#}").contains("env-drfit"), "{err:#}");
    }
}
