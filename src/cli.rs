//! Command-line definitions only (clap derive). Turning these into validated settings happens
//! in `settings.rs`, once.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "leakgate",
    version,
    about = "Stops secrets and unsafe configuration from shipping",
    long_about = "Scans a working tree for leaked secrets (API keys, tokens, private keys, \
                  database passwords) and fails the pipeline when it finds any.\n\n\
                  Exit codes: 0 nothing at or above --fail-on, 1 findings, 2 error or \
                  incomplete scan."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files for secrets (and check env files; see `env`).
    Scan(ScanArgs),
    /// Scan only the changes staged for commit (`scan --staged`), for pre-commit hooks.
    Protect(ScanArgs),
    /// Combine reports (`scan --shard I/N` shards, or separate scans) into one: leakgate JSON,
    /// or SARIF leakgate wrote. One finding per secret and place, every location kept; exit
    /// code as for the combined findings (2 if any report was incomplete or a shard is
    /// missing).
    Merge(MergeArgs),
    /// Check build output (dist/, .next/static/, ...) for what ships to every browser:
    /// secrets, test keys, dev endpoints, published source maps, inlined env objects.
    Bundle(BundleArgs),
    /// Check env files only (.env, .env.production, ...).
    ///
    /// Finds committed or unignored env files, secrets shared between environments, live keys
    /// outside production, test keys, dev endpoints and insecure settings in production, drift
    /// from the template and secrets in browser-exposed variables.
    Env(EnvArgs),
    /// A one-off release audit: everything `scan` checks (files, all history, env files, build
    /// output), written as a page people read (`leakgate-audit.html`, or `.md` with --format
    /// markdown) plus the JSON it was built from (`leakgate-audit.json`): a SHIP / FIX FIRST
    /// verdict, the risks ranked by business impact, the env matrix, a timeline, what ships to
    /// browsers, what was not read, and a handover checklist.
    ///
    /// Exit codes as for `scan`: 0 SHIP, 1 findings at or above --fail-on, 2 error or an
    /// incomplete audit (which never says SHIP).
    Audit(AuditArgs),
    /// The launch checklist as a report: each item of the minimum bar a startup ships with
    /// (secrets out of code, env separation, CORS, webhook signatures, redacted logs, session
    /// cookies, debug off, CI workflows, ...), whether leakgate can check it from the
    /// repository, its status (pass, fail, not checked, not checkable here) and the evidence.
    /// It runs what `scan PATH` runs.
    ///
    /// Exit codes as for `scan`: 0 nothing failing at or above --fail-on, 1 failing findings, 2
    /// error or an incomplete run.
    Checklist(ChecklistArgs),
    /// List, show or check detection rules and checks.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Record current findings so that only new ones fail later scans.
    #[command(subcommand)]
    Baseline(BaselineCommand),
    /// Copy stdin to stdout with every secret replaced by a redaction marker.
    Redact(RedactArgs),
    /// Install a git pre-commit hook that runs `leakgate scan --staged` (or, with --pre-push, a
    /// pre-push hook that runs `leakgate scan --pre-push`).
    InstallHook {
        /// Replace an existing hook that leakgate did not write.
        #[arg(long)]
        force: bool,
        /// Install the pre-push hook instead: it scans exactly the commits a push sends.
        #[arg(long)]
        pre_push: bool,
        /// A path inside the repository.
        #[arg(default_value = ".")]
        path: PathBuf,
    },
    /// Remove the hook written by `install-hook` (the pre-push one with --pre-push).
    UninstallHook {
        #[arg(long)]
        pre_push: bool,
        #[arg(default_value = ".")]
        path: PathBuf,
    },
    /// Set a repository up: a commented starter .leakgate.yml, the GitHub workflow
    /// (.github/workflows/leakgate.yml) and the pre-commit framework's entry
    /// (.pre-commit-config.yaml). Existing files are kept unless --force.
    Init(InitArgs),
    /// Print the JSON Schema of .leakgate.yml (for editor completion and checks).
    Schema,
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), or write one page per command into --out-dir.
    Man {
        /// Write leakgate.1 and leakgate-<command>.1 into this folder instead.
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// A folder inside the repository to set up (files go to the top of its work tree).
    #[arg(default_value = ".", value_name = "PATH")]
    pub path: PathBuf,
    /// Replace an existing .leakgate.yml and workflow file (.pre-commit-config.yaml is only
    /// ever added to, never replaced).
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
    Sarif,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum FailOn {
    Critical,
    High,
    Medium,
    Low,
    Info,
}

/// Where to read settings and how hard to work; shared by `scan`, `env`, `bundle` and `audit`.
#[derive(Debug, Args, Clone)]
pub struct InputArgs {
    /// Configuration file (default: .leakgate.yml in the first folder scanned, or in the current
    /// directory for `bundle`, if present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Worker threads (default: all cores; at most 1024).
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,
    /// Skip files larger than this many bytes. By default every file is read, large ones in
    /// bounded memory; a skipped file makes the scan incomplete (exit 2 if nothing else fails).
    #[arg(long, value_name = "BYTES")]
    pub max_file_size: Option<u64>,
}

/// Options shared by every command that reports findings.
#[derive(Debug, Args, Clone)]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Write the report to FILE (created with mode 0600) instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Lowest severity that makes the scan fail (exit 1). Default: low, or `fail_on` in the config.
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// Print secrets in full instead of redacted (never do this in CI logs).
    #[arg(long)]
    pub show_secrets: bool,
    /// Print nothing but the report (no warnings, no progress).
    #[arg(long, short)]
    pub quiet: bool,
    /// Also print each skipped file and why.
    #[arg(long, short)]
    pub verbose: bool,
    /// Also list suppressed findings (inline allow, .leakgateignore, baseline).
    #[arg(long)]
    pub show_suppressed: bool,
}

#[derive(Debug, Clone, Args)]
pub struct ScanArgs {
    /// Files or directories to scan (default: `.`); `-` reads standard input.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub input: InputArgs,
    /// Scan standard input as a stream (same as giving `-` as a path).
    #[arg(long)]
    pub stdin: bool,
    /// Report and fail only on findings not in this baseline file.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Also check this build-output folder for client-bundle leaks (repeatable). Build output
    /// found under the scanned paths (dist/, build/, .next/static/, ...) is checked anyway.
    #[arg(long = "bundle", value_name = "DIR")]
    pub bundle: Vec<PathBuf>,
    /// Do not check build output for client-bundle leaks.
    #[arg(long, conflicts_with = "bundle")]
    pub no_bundle: bool,
    /// Skip the env-file checks (and the secret scan of git-ignored env files).
    #[arg(long)]
    pub no_env: bool,
    /// Skip the launch checks (CORS, cookies, webhook signatures, logs, debug in production,
    /// GitHub workflows, Docker).
    #[arg(long)]
    pub no_launch: bool,
    /// Do not scan git history, only the files (history is scanned by default when PATH is a
    /// git repository).
    #[arg(long, conflicts_with_all = ["git_only", "refs", "range", "since", "staged"])]
    pub no_git: bool,
    /// Scan git history only, not the files in the working tree.
    #[arg(long)]
    pub git_only: bool,
    /// Only history reachable from refs matching PATTERN (a glob on the full name
    /// `refs/heads/main` or the short name `main`, `origin/*`, `v1.*`; `HEAD`). Repeatable.
    #[arg(long = "ref", value_name = "PATTERN")]
    pub refs: Vec<String>,
    /// Only what the commits in A..B added (a push or a pull request); implies --git-only.
    #[arg(long, value_name = "A..B", conflicts_with_all = ["since", "staged", "refs"])]
    pub range: Option<String>,
    /// Same as --range REV..HEAD.
    #[arg(long, value_name = "REV", conflicts_with_all = ["staged", "refs"])]
    pub since: Option<String>,
    /// Only the changes staged for commit (index against HEAD, added lines only), for a
    /// pre-commit hook; implies --git-only.
    #[arg(long, conflicts_with_all = ["refs"])]
    pub staged: bool,
    /// With --staged (`protect`): check these files whole, as the index holds them (read from
    /// disk if it does not), besides what the commit adds. The pre-commit framework passes the
    /// files it runs on here (`leakgate protect -- FILE...`); a folder names every staged file
    /// under it (`protect -- .` checks everything `git commit` would record).
    #[arg(last = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// For a git pre-push hook: only the commits being pushed, from the ref lines git gives the
    /// hook on standard input (an updated ref: remote..local; a new ref: the commits no
    /// remote-tracking ref holds; a deletion: nothing). REMOTE and URL are the hook's own
    /// arguments, passed on as `--pre-push "$@"` (put paths before it); implies --git-only.
    #[arg(long, num_args = 0..=2, value_names = ["REMOTE", "URL"],
          conflicts_with_all = ["range", "since", "staged", "refs", "no_git", "stdin", "ci"])]
    pub pre_push: Option<Vec<String>>,
    /// In GitHub Actions: scan what the event added (push: the pushed commits, new branch: its
    /// history, pull request: base..head, schedule/manual: everything); on pull requests take
    /// `.leakgate.yml` and `.leakgateignore` from the base commit.
    #[arg(long, conflicts_with_all = ["range", "since", "staged", "refs", "no_git"])]
    pub ci: bool,
    /// Scan only shard I of N (1-based, like 2/4) of the files and history blobs, decided by
    /// their git blob ids, so N runners split one repository; combine their reports with
    /// `leakgate merge`. Not with --staged, --range, --since, --pre-push, --ci or stdin.
    #[arg(long, value_name = "I/N", env = "LEAKGATE_SHARD")]
    pub shard: Option<String>,
    /// For tests and benchmarks only, so hidden: `off` reads every history blob by id and
    /// matches it whole (the slow path the pack's deltas are proven against); `stats` also
    /// counts how each blob was read, in the JSON summary's `history.read_paths`.
    #[arg(long, value_enum, value_name = "MODE", hide = true)]
    pub history_deltas: Option<HistoryDeltas>,
}

/// How history blobs are read (`--history-deltas`, hidden).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HistoryDeltas {
    /// From the pack's delta chains (the default).
    On,
    /// Every blob by id, matched whole.
    Off,
    /// As `on`, counting how each blob was read.
    Stats,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Reports to combine: `--format json` reports, or `--format sarif` ones.
    #[arg(required = true, value_name = "REPORT")]
    pub reports: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Write the combined report to FILE (created with mode 0600) instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Lowest severity that fails (exit 1). Default: the strictest `fail_on` the JSON reports
    /// were written with, else low.
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// Print nothing but the report.
    #[arg(long, short)]
    pub quiet: bool,
    /// Also list suppressed findings.
    #[arg(long)]
    pub show_suppressed: bool,
}

#[derive(Debug, Subcommand)]
pub enum BaselineCommand {
    /// Scan and write every current finding (fingerprints and locations, no secrets).
    Create {
        #[command(flatten)]
        scan: ScanArgs,
        /// Where to write the baseline.
        #[arg(
            long = "baseline-file",
            value_name = "FILE",
            default_value = ".leakgate-baseline.json"
        )]
        file: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct RedactArgs {
    /// Exit 1 if anything was redacted.
    #[arg(long)]
    pub fail: bool,
    /// Configuration file for extra rules and allow-lists.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct EnvArgs {
    /// Project directory whose env files to check.
    #[arg(default_value = ".", value_name = "PATH")]
    pub path: PathBuf,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub input: InputArgs,
}

#[derive(Debug, Args)]
pub struct BundleArgs {
    /// Build-output folders (dist, build, .next, ...), or project folders to search for them.
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub input: InputArgs,
}

/// The page `leakgate audit` writes (the JSON is always written beside it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuditFormat {
    /// One self-contained HTML page (no network, readable without JavaScript).
    Html,
    /// Markdown, for a pull request or a wiki.
    Markdown,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// The repository (or project folder) to audit.
    #[arg(default_value = ".", value_name = "PATH")]
    pub path: PathBuf,
    /// The page's format.
    #[arg(long, value_enum, default_value = "html")]
    pub format: AuditFormat,
    /// Where to write leakgate-audit.html (or .md) and leakgate-audit.json (created if
    /// missing; files are created with mode 0600).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out_dir: PathBuf,
    /// Lowest severity that makes the verdict FIX FIRST (exit 1). Default: low, or `fail_on` in
    /// the config.
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// Leave out findings recorded in this baseline file (accepted risks).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    #[command(flatten)]
    pub input: InputArgs,
    /// Print nothing but the summary (no warnings, no progress).
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Print the compiled rules: id, severity, name.
    List {
        /// Also list rules from these files.
        #[arg(long = "rules", value_name = "FILE")]
        extra: Vec<PathBuf>,
        /// Print coverage by category instead: providers, rules, and the recall of each
        /// category on a corpus generated from the rules' examples written fifteen ways.
        #[arg(long)]
        stats: bool,
    },
    /// Print one rule's or check's id, name, severity, tags, description and examples (a
    /// secret rule's examples are redacted).
    Show {
        /// The rule or check id (as `rules list` prints it).
        #[arg(value_name = "ID")]
        id: String,
        /// Also look in these rules files.
        #[arg(long = "rules", value_name = "FILE")]
        extra: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "human")]
        format: ShowFormat,
    },
    /// Validate rules files and run their examples; one line per problem.
    Check {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
}

/// How `rules show` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShowFormat {
    Human,
    Json,
}

/// How `checklist` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ChecklistFormat {
    /// Plain words for a terminal.
    Human,
    /// Markdown, for a pull request or a wiki.
    Markdown,
    /// JSON with stable keys (items, summary, verdict).
    Json,
}

#[derive(Debug, Args)]
pub struct ChecklistArgs {
    /// The repository (or project folder) to check.
    #[arg(default_value = ".", value_name = "PATH")]
    pub path: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: ChecklistFormat,
    /// Write the checklist to FILE (created with mode 0600) instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Lowest severity that fails an item and the run (exit 1). Default: low, or `fail_on` in
    /// the config.
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// Leave out findings recorded in this baseline file (accepted risks).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    #[command(flatten)]
    pub input: InputArgs,
    /// Skip the env-file checks (their items are then "not checked").
    #[arg(long)]
    pub no_env: bool,
    /// Skip the client-bundle checks.
    #[arg(long)]
    pub no_bundle: bool,
    /// Skip the launch checks (CORS, cookies, webhooks, logs, debug, workflows, Docker).
    #[arg(long)]
    pub no_launch: bool,
    /// Do not scan git history, only the files.
    #[arg(long)]
    pub no_git: bool,
    /// Print nothing but the checklist (no warnings, no progress).
    #[arg(long, short)]
    pub quiet: bool,
}
