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
    /// Scan files for secrets.
    Scan(ScanArgs),
    /// List or check detection rules.
    #[command(subcommand)]
    Rules(RulesCommand),
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
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files or directories to scan.
    #[arg(default_value = ".", value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Configuration file (default: .leakgate.yml at the first scanned root, if present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,
    /// Skip files larger than this many bytes (counted and reported).
    #[arg(long, value_name = "BYTES", default_value_t = 25 * 1024 * 1024)]
    pub max_file_size: u64,
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
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Print the compiled rules: id, severity, name.
    List {
        /// Also list rules from these files.
        #[arg(long = "rules", value_name = "FILE")]
        extra: Vec<PathBuf>,
    },
    /// Validate rules files and run their examples; one line per problem.
    Check {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
}
