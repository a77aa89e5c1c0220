//! Raw command-line arguments plus `.leakgate.yml`, turned once into the validated settings
//! that build the walkers, the matcher and the printers (ripgrep's low-args -> high-args).

use crate::cli::{FailOn, Format, OutputArgs, ScanArgs};
use crate::config::{self, DEFAULT_CONFIG_NAME, LoadedConfig};
use crate::engine::{AllowList, Matcher};
use crate::finding::Severity;
use crate::rules::RuleSet;
use crate::source::history::Selection;
use anyhow::{Context, Result, bail};
use regex::bytes::Regex;
use std::path::PathBuf;
use std::sync::Arc;

/// How findings are printed; shared by every reporting command.
#[derive(Debug, Clone)]
pub struct OutputSettings {
    pub format: Format,
    pub output: Option<PathBuf>,
    pub fail_on: Severity,
    pub show_secrets: bool,
    pub quiet: bool,
    pub verbose: bool,
}

/// What of git a scan covers.
#[derive(Debug, Clone)]
pub enum GitScope {
    /// History: all of it, or a range.
    History(Selection),
    /// The index against `HEAD`.
    Staged,
}

#[derive(Debug, Clone)]
pub struct GitSettings {
    /// Scan the files of the working tree.
    pub files: bool,
    pub scope: Option<GitScope>,
    /// A git flag was given, so a PATH that is not in a repository is an error rather than a
    /// scan without history.
    pub required: bool,
}

impl GitSettings {
    pub fn from_args(args: &ScanArgs) -> Result<GitSettings> {
        let scope = if args.no_git {
            None
        } else if args.staged {
            Some(GitScope::Staged)
        } else if let Some(range) = &args.range {
            Some(GitScope::History(Selection::range(range)?))
        } else if let Some(since) = &args.since {
            if since.is_empty() || since.contains("..") {
                bail!("--since takes one revision (for example origin/main), not `{since}`");
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
        let narrowed = args.staged || args.range.is_some() || args.since.is_some();
        Ok(GitSettings {
            files: !(args.git_only || narrowed),
            scope,
            required: args.git_only || narrowed || !args.refs.is_empty(),
        })
    }
}

pub struct ScanSettings {
    pub roots: Vec<PathBuf>,
    pub output: OutputSettings,
    pub threads: usize,
    pub max_file_size: u64,
    pub config: LoadedConfig,
    pub matcher: Arc<Matcher>,
    pub git: GitSettings,
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

impl OutputSettings {
    pub fn from_args(args: &OutputArgs, config_fail_on: Option<Severity>) -> OutputSettings {
        OutputSettings {
            format: args.format,
            output: args.output.clone(),
            fail_on: args
                .fail_on
                .map(severity_of)
                .or(config_fail_on)
                .unwrap_or(Severity::Low),
            show_secrets: args.show_secrets,
            quiet: args.quiet,
            verbose: args.verbose && !args.quiet,
        }
    }
}

impl ScanSettings {
    pub fn from_args(args: &ScanArgs) -> Result<ScanSettings> {
        for root in &args.paths {
            if std::fs::symlink_metadata(root).is_err() {
                bail!("{}: no such file or directory", root.display());
            }
        }
        let git = GitSettings::from_args(args)?;
        let config = load_config(args)?;
        let matcher = Arc::new(build_matcher(&config)?);
        let threads = match args.threads {
            Some(0) => bail!("--threads must be at least 1"),
            Some(n) => n,
            None => std::thread::available_parallelism().map_or(2, |n| n.get()),
        };
        Ok(ScanSettings {
            roots: args.paths.clone(),
            output: OutputSettings::from_args(&args.output, config.config.fail_on),
            threads,
            max_file_size: args.max_file_size,
            config,
            matcher,
            git,
        })
    }
}

fn load_config(args: &ScanArgs) -> Result<LoadedConfig> {
    if let Some(path) = &args.config {
        return Ok(config::load(path)?);
    }
    let first = &args.paths[0];
    let candidate = if first.is_dir() {
        first.join(DEFAULT_CONFIG_NAME)
    } else {
        PathBuf::from(DEFAULT_CONFIG_NAME)
    };
    if candidate.is_file() {
        Ok(config::load(&candidate)?)
    } else {
        Ok(LoadedConfig::default())
    }
}

/// Built-in rules, plus the config's rules files, minus its disabled rules, with its allow-list.
pub fn build_matcher(loaded: &LoadedConfig) -> Result<Matcher> {
    let config = &loaded.config;
    let mut rules = RuleSet::builtin().context("built-in rules")?;
    for file in &config.rules_files {
        let path = match loaded.base_dir() {
            Some(dir) if file.is_relative() => dir.join(file),
            _ => file.clone(),
        };
        rules.add_file(&path)?;
    }
    rules
        .disable(&config.disable_rules)
        .map_err(|e| anyhow::anyhow!("{}: {e}", config_name(loaded)))?;
    let values = config
        .allow
        .iter()
        .map(|a| {
            Regex::new(a).map_err(|e| {
                anyhow::anyhow!(
                    "{}: allow pattern `{a}` does not compile: {}",
                    config_name(loaded),
                    e.to_string().lines().last().unwrap_or_default()
                )
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let stopwords = config
        .stopwords
        .iter()
        .map(|w| w.to_ascii_lowercase())
        .collect();
    Ok(Matcher::new(
        Arc::new(rules),
        AllowList { values, stopwords },
    ))
}

fn config_name(loaded: &LoadedConfig) -> String {
    loaded.path.as_ref().map_or_else(
        || DEFAULT_CONFIG_NAME.to_string(),
        |p| p.display().to_string(),
    )
}
