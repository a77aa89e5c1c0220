//! Env-file separation checks: find every dotenv-family file under a root (git-ignored ones
//! included), work out which environment each configures, parse it, and report what is wrong
//! for that environment or between environments. Part of `leakgate scan` by default and the
//! whole of `leakgate env`.
//!
//! Shape (the same for every check module): [`EnvSettings`] is built once from the config;
//! [`run`] reads the files into a [`project`] model, then hands it to the single-file checks
//! ([`file_checks`]) and the cross-file checks ([`cross_checks`]), which speak through
//! [`rules::Sink`]. Secret-rule matches inside env files are reported as ordinary secret
//! findings too, but under `scan` only for the files the working-tree walk skipped (git-ignored
//! ones, or ones deleted from the tree but still tracked), so nothing is reported twice.

mod classify;
mod cross_checks;
mod discover;
pub mod dotenv;
mod file_checks;
mod matrix;
mod project;
mod rules;
pub(in crate::checks) mod values;

pub use classify::{EnvNames, EnvNamesError, Environment, classify_name};
pub use discover::Discovered;
pub use rules::{CHECKS, EnvRule};

use crate::checks::common::folders;
use crate::checks::{self, Switches};
use crate::config::Config;
use crate::engine::{Matcher, RuleInfos, Scratch, allowed_inline, findings_in_blob};
use crate::finding::{Finding, Location, Severity};
use crate::inventory::EnvMatrix;
use crate::source::history::CommittedPath;
use crate::source::index::{GitView, Tracking};
use crate::source::worktree::{self, ReadError, WalkError};
use crate::stats::ScanStats;
use crate::text::{error_chain, slash_path};
use discover::IgnoreRules;
use project::{EnvFile, Hit, Judge};
use regex::bytes::Regex;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Env-check settings from `.leakgate.yml`, validated once.
#[derive(Debug, Clone)]
pub struct EnvSettings {
    names: EnvNames,
    judge: Judge,
    switches: Switches,
}

#[derive(Debug, thiserror::Error)]
pub enum EnvError {
    #[error(transparent)]
    Names(#[from] EnvNamesError),
    #[error(transparent)]
    Walk(#[from] WalkError),
    #[error("allow pattern `{pattern}` does not compile")]
    Allow {
        pattern: String,
        #[source]
        source: regex::Error,
    },
}

impl EnvSettings {
    pub fn from_config(config: &Config, switches: Switches) -> Result<EnvSettings, EnvError> {
        let names = EnvNames::from_config(&config.env_files)?;
        let allow = config
            .allow
            .iter()
            .map(|a| {
                Regex::new(a).map_err(|e| EnvError::Allow {
                    pattern: a.clone(),
                    source: e,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let stopwords = config
            .stopwords
            .iter()
            .map(|w| w.to_ascii_lowercase())
            .collect();
        Ok(EnvSettings {
            names,
            judge: Judge { stopwords, allow },
            switches,
        })
    }
}

impl EnvSettings {
    /// The environment an env file at `path` (relative to the scanned root) configures, by the
    /// configured `env_files` globs and the built-in names; `None` for any other file.
    pub fn classify(&self, path: &Path) -> Option<Environment> {
        self.names.classify(path)
    }

    /// Whether `path` (relative to the scanned root or the repository) names a real,
    /// non-template env file, by the configured `env_files` globs and the built-in names.
    pub fn is_real_env_file(&self, path: &Path) -> bool {
        self.names.classify(path).is_some_and(|e| !e.is_template())
    }
}

impl EnvSettings {
    /// Whether the env checks read the file at `path` of a git snapshot (from the repository's
    /// top): an env-named file outside dependency folders and framework build output, the
    /// folders discovery skips in a working tree.
    pub fn is_checked_path(&self, path: &Path) -> bool {
        let skipped_dir = path.parent().is_some_and(|dir| {
            dir.components().any(|c| {
                let name = c.as_os_str().to_string_lossy();
                name == ".git"
                    || folders::is_dependency_dir(&name)
                    || folders::BUILD_OUTPUT.contains(&name.as_ref())
            })
        });
        !skipped_dir && self.names.classify(path).is_some()
    }
}

/// An env file the caller read from a snapshot of a repository (a commit's tree, the index),
/// with what git says of it. The checks do not care where the bytes came from.
pub struct GivenFile {
    /// Relative to the scanned root, which is the repository's top.
    pub relative: PathBuf,
    pub data: Vec<u8>,
    pub tracking: Tracking,
    /// Whether findings that involve this file are reported. A file that is not is still
    /// read, so the files that are can be compared with it (a secret shared with it).
    pub report: bool,
}

/// Which env files' secret-rule matches to report as ordinary secret findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretScope {
    /// Every env file (`leakgate env`, where nothing else reads them).
    AllEnvFiles,
    /// Only env files the working-tree scan did not read (`leakgate scan`).
    SkippedByWorktreeScan,
}

/// One root to check, and how.
pub struct EnvScan<'a> {
    pub root: &'a Path,
    /// With several roots, paths are shown joined with their root; with one, relative to it.
    pub display_root: Option<&'a Path>,
    pub settings: &'a EnvSettings,
    pub exclude: &'a [String],
    pub threads: usize,
    pub max_file_size: u64,
    pub secrets: SecretScope,
    pub verbose: bool,
    /// Also lay out each folder's env files as a matrix ([`Checked::matrix`]), for the audit.
    pub matrix: bool,
}

/// What checking one root found.
pub struct Checked {
    pub findings: Vec<Finding>,
    pub stats: ScanStats,
    /// Env files that a `.gitignore` ignores and that neither the index nor `HEAD` holds:
    /// candidates for "never committed" (whether history ever held them is the caller's to
    /// decide, with the history it scanned).
    pub ignored_untracked: Vec<LocalFile>,
    /// One matrix of variables by environment per folder, when [`EnvScan::matrix`] asks.
    pub matrix: Vec<EnvMatrix>,
}

/// An env file in the working tree that git ignores and does not track.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalFile {
    /// Relative to the scanned root, `/`-separated.
    pub relative: String,
    /// As findings name it.
    pub shown: String,
}

/// The env files of one root as a walk listed them, with what git's ignore rules say of each.
#[derive(Debug, Default)]
pub struct Listed {
    pub found: Discovered,
    /// Those the working-tree scan read (its ignore rules do not hide them): their secrets
    /// are its to report.
    pub covered: HashSet<PathBuf>,
    /// Those no `.gitignore` file ignores (only real env files are asked about).
    pub unignored: HashSet<PathBuf>,
}

/// Checks one root: every env file under it, alone and against each other.
pub fn run(scan: &EnvScan<'_>, matcher: &Matcher, infos: &RuleInfos) -> Result<Checked, EnvError> {
    let listed = list(scan)?;
    run_listed(scan, listed, matcher, infos)
}

/// Finds the env files of one root with a walk of its own (`leakgate env`; `scan` lists them
/// in its one walk of the tree).
fn list(scan: &EnvScan<'_>) -> Result<Listed, EnvError> {
    let root = scan.root;
    let excludes = worktree::exclude_set(scan.exclude)?;
    let found = discover::discover(root, &scan.settings.names, &excludes, scan.threads);
    let mut listed: Vec<PathBuf> = found.files.iter().map(|(p, _)| p.clone()).collect();
    listed.extend(found.symlinks.iter().cloned());
    listed.extend(found.special.iter().cloned());
    let covered = match scan.secrets {
        SecretScope::AllEnvFiles => HashSet::new(),
        SecretScope::SkippedByWorktreeScan => {
            discover::visible(root, &listed, IgnoreRules::WorktreeScan)
        }
    };
    let real: Vec<PathBuf> = found
        .files
        .iter()
        .filter(|(_, env)| !env.is_template())
        .map(|(p, _)| p.clone())
        .collect();
    let unignored = discover::visible(root, &real, IgnoreRules::GitignoreFiles);
    Ok(Listed {
        found,
        covered,
        unignored,
    })
}

/// Checks one root's env files as listed (see [`Listed`]).
pub fn run_listed(
    scan: &EnvScan<'_>,
    listed: Listed,
    matcher: &Matcher,
    infos: &RuleInfos,
) -> Result<Checked, EnvError> {
    let mut reader = Reader::new(scan, matcher, infos);
    let files = reader.read_project(listed)?;
    let mut sink = rules::Sink::new(&scan.settings.switches);
    file_checks::check_all(&files, &scan.settings.judge, &mut sink);
    cross_checks::check_all(&files, &scan.settings.judge, &mut sink);
    let matrix = match scan.matrix {
        true => matrix::matrices(&files, &sink.findings, &sink.variables),
        false => Vec::new(),
    };
    let mut findings = reader.secret_findings;
    findings.extend(sink.findings);
    let ignored_untracked = files
        .iter()
        .filter(|f| {
            f.in_worktree
                && f.gitignored == Some(true)
                && f.tracking.is_some_and(|t| !t.is_tracked())
        })
        .map(|f| LocalFile {
            relative: f.relative.clone(),
            shown: f.shown.clone(),
        })
        .collect();
    Ok(Checked {
        findings,
        stats: reader.stats,
        ignored_untracked,
        matrix,
    })
}

/// Checks env files read from a snapshot of a repository (`--range`, `--ci`, `--staged`): every
/// finding that involves a file marked `report` (where it is reported, or a file it was
/// compared with), none about the others alone. Secret-rule matches in them are the git
/// source's to report (it reads the same blobs), so they are not reported again here;
/// `scan.root` only names the files (for advice such as `git rm --cached`).
pub fn run_given(
    scan: &EnvScan<'_>,
    given: &[GivenFile],
    matcher: &Matcher,
    infos: &RuleInfos,
) -> (Vec<Finding>, ScanStats) {
    let mut reader = Reader::new(scan, matcher, infos);
    let mut files = Vec::new();
    let mut wanted: HashSet<String> = HashSet::new();
    for file in given {
        let Some(environment) = scan.settings.names.classify(&file.relative) else {
            continue;
        };
        if worktree::is_binary(&file.data) {
            if scan.verbose {
                reader.stats.warn(format!(
                    "{}: env file looks binary (encrypted?); skipped",
                    reader.shown(&file.relative)
                ));
            }
            continue;
        }
        let source = Source {
            relative: &file.relative,
            environment,
            // The snapshot holds it; the working tree is not what is checked.
            in_worktree: true,
            gitignored: None,
            tracking: Some(file.tracking),
            report_secrets: false,
        };
        let env_file = reader.load(source, &file.data);
        if file.report {
            wanted.insert(env_file.relative.clone());
        }
        files.push(env_file);
    }
    let mut sink = rules::Sink::new(&scan.settings.switches);
    file_checks::check_all(&files, &scan.settings.judge, &mut sink);
    cross_checks::check_all(&files, &scan.settings.judge, &mut sink);
    let findings = sink
        .findings
        .into_iter()
        .zip(sink.involved)
        .filter(|(_, involved)| involved.iter().any(|r| wanted.contains(r)))
        .map(|(finding, _)| finding)
        .collect();
    (findings, reader.stats)
}

/// Reads the env files of one root into the project model, keeping the stats and the
/// secret findings on the way.
struct Reader<'a> {
    scan: &'a EnvScan<'a>,
    matcher: &'a Matcher,
    infos: &'a RuleInfos,
    scratch: Scratch,
    stats: ScanStats,
    secret_findings: Vec<Finding>,
    buffer: Vec<u8>,
    /// Where the scanned root is from the top of its repository (`""` or ending in `/`), once
    /// known: advice names files from there (`git rm --cached apps/web/.env`).
    repo_prefix: String,
}

impl<'a> Reader<'a> {
    fn new(scan: &'a EnvScan<'a>, matcher: &'a Matcher, infos: &'a RuleInfos) -> Reader<'a> {
        Reader {
            scan,
            matcher,
            infos,
            scratch: Scratch::default(),
            stats: ScanStats::default(),
            secret_findings: Vec::new(),
            buffer: Vec::new(),
            repo_prefix: String::new(),
        }
    }

    fn read_project(&mut self, listed: Listed) -> Result<Vec<EnvFile>, EnvError> {
        let scan = self.scan;
        let excludes = worktree::exclude_set(scan.exclude)?;
        let Listed {
            found,
            mut covered,
            unignored,
        } = listed;
        if scan.secrets == SecretScope::AllEnvFiles {
            covered.clear();
        }
        self.note_unread(&found, &covered);
        let git = self.open_git();
        if let Some(prefix) = git.as_ref().and_then(|g| g.repo_relative(Path::new(""))) {
            self.repo_prefix = prefix;
        }
        let mut files = Vec::new();
        for (relative, environment) in &found.files {
            let counted = !covered.contains(relative);
            let Some(data) = self.read_worktree_file(relative, counted) else {
                continue;
            };
            let tracking = git.as_ref().and_then(|g| self.tracking(g, relative));
            let gitignored = (!environment.is_template()).then(|| !unignored.contains(relative));
            let source = Source {
                relative,
                environment: *environment,
                in_worktree: true,
                gitignored,
                tracking,
                report_secrets: counted,
            };
            files.push(self.load(source, &data));
        }
        if let Some(git) = &git {
            self.read_deleted_but_tracked(git, &excludes, &mut files);
        }
        Ok(files)
    }

    /// Symlinks, special files and unlistable folders found by discovery; under `scan`, only
    /// those the working-tree walk did not already count.
    fn note_unread(&mut self, found: &discover::Discovered, covered: &HashSet<PathBuf>) {
        let verbose = self.scan.verbose;
        for path in found.symlinks.iter().filter(|p| !covered.contains(*p)) {
            self.stats.skipped.symlink += 1;
            if verbose {
                self.stats.warn(format!(
                    "{}: env file is a symbolic link; not followed (its target is checked where it lives)",
                    self.shown(path)
                ));
            }
        }
        for path in found.special.iter().filter(|p| !covered.contains(*p)) {
            self.stats.skipped.special += 1;
            if verbose {
                self.stats.warn(format!(
                    "{}: env file is not a regular file; not opened",
                    self.shown(path)
                ));
            }
        }
        for (path, error) in &found.errors {
            // Under `scan` the working-tree walk reports the folders it could not list; an
            // unlistable ignored folder (a database volume) is not something it was asked for.
            if self.scan.secrets == SecretScope::AllEnvFiles {
                self.stats.skipped.unreadable += 1;
                self.stats
                    .warn(format!("{}: env discovery: {error}", path.display()));
            } else if verbose {
                self.stats
                    .warn(format!("{}: env discovery: {error}", path.display()));
            }
        }
    }

    fn open_git(&mut self) -> Option<GitView> {
        match GitView::open(self.scan.root) {
            Ok(view) => view,
            Err(reason) => {
                self.stats.skipped.unreadable += 1;
                self.stats.warn(format!(
                    "{}: cannot read the git repository, so committed env files cannot be \
                     detected: {}",
                    self.scan.root.display(),
                    error_chain(&reason)
                ));
                None
            }
        }
    }

    fn tracking(&mut self, git: &GitView, relative: &Path) -> Option<Tracking> {
        match git.tracking(relative) {
            Ok(t) => Some(t),
            Err(reason) => {
                self.stats.skipped.unreadable += 1;
                self.stats.warn(format!(
                    "{}: {}",
                    self.shown(relative),
                    error_chain(&reason)
                ));
                None
            }
        }
    }

    /// Reads a working-tree env file; `None` (counted and warned) when it cannot be read.
    /// `counted` is false for files the working-tree scan already read and counted.
    fn read_worktree_file(&mut self, relative: &Path, counted: bool) -> Option<Vec<u8>> {
        let path = self.scan.root.join(relative);
        let shown = self.shown(relative);
        let mut buffer = std::mem::take(&mut self.buffer);
        let result = worktree::read_regular_file(&path, self.scan.max_file_size, &mut buffer);
        let data = match result {
            Ok(()) if worktree::is_binary(&buffer) => {
                if counted {
                    self.stats.skipped.binary += 1;
                }
                if self.scan.verbose {
                    self.stats.warn(format!(
                        "{shown}: env file looks binary (encrypted?); skipped"
                    ));
                }
                None
            }
            Ok(()) => Some(buffer.clone()),
            Err(error) => {
                if counted {
                    self.count_read_error(&shown, error);
                }
                None
            }
        };
        self.buffer = buffer;
        data
    }

    fn count_read_error(&mut self, shown: &str, error: ReadError) {
        let (reason, detail) = error.into_skip();
        self.stats
            .skip(Path::new(shown), reason, detail, self.scan.verbose);
    }

    /// Env files still in the git index but gone from the working tree: still committed,
    /// and invisible to the working-tree scan.
    fn read_deleted_but_tracked(
        &mut self,
        git: &GitView,
        excludes: &worktree::Excludes,
        files: &mut Vec<EnvFile>,
    ) {
        let names = &self.scan.settings.names;
        let root = self.scan.root;
        let indexed = git.indexed_files(|rel| {
            names.classify(rel).is_some()
                && !excludes.is_match(rel)
                && std::fs::symlink_metadata(root.join(rel)).is_err()
        });
        for file in indexed {
            let Some(environment) = names.classify(&file.relative) else {
                continue;
            };
            let shown = self.shown(&file.relative);
            let data = match git.blob(file.id, self.scan.max_file_size) {
                Ok(data) if worktree::is_binary(&data) => continue,
                Ok(data) => data,
                Err(reason) => {
                    self.stats.skipped.unreadable += 1;
                    self.stats.warn(format!(
                        "{shown}: tracked env file: {}",
                        error_chain(&reason)
                    ));
                    continue;
                }
            };
            let tracking = self.tracking(git, &file.relative);
            let source = Source {
                relative: &file.relative,
                environment,
                in_worktree: false,
                gitignored: None,
                tracking,
                report_secrets: true,
            };
            files.push(self.load(source, &data));
        }
    }

    /// Parses one file, notes its malformed lines, matches the secret rules over it and, if
    /// in scope, reports those matches as secret findings.
    fn load(&mut self, source: Source<'_>, data: &[u8]) -> EnvFile {
        let shown = self.shown(source.relative);
        let parsed = dotenv::parse(data);
        for bad in &parsed.malformed {
            self.stats.warn(format!(
                "{shown}:{}: malformed env line: {}",
                bad.line, bad.reason
            ));
        }
        let hits = self
            .matcher
            .find(data, &mut self.scratch)
            .into_iter()
            .map(|m| {
                let rule = self.matcher.rule(m.rule);
                Hit {
                    secret: String::from_utf8_lossy(&data[m.secret.clone()]).into_owned(),
                    range: m.secret,
                    rule_id: rule.id().to_string(),
                    publishable: rule.spec.publishable,
                }
            })
            .collect();
        let in_scope = self.scan.secrets == SecretScope::AllEnvFiles || source.report_secrets;
        if in_scope {
            self.stats.files_scanned += 1;
            self.stats.bytes_scanned += data.len() as u64;
            let found = findings_in_blob(self.matcher, self.infos, data, &shown, &mut self.scratch);
            self.secret_findings.extend(found);
        }
        let encrypted = project::is_encrypted_file(&parsed);
        let allowed_lines = parsed
            .entries
            .iter()
            .filter(|e| allowed_inline(data, e.value_span.start))
            .map(|e| e.line)
            .collect();
        let relative = source.relative;
        EnvFile {
            relative: slash_path(relative),
            command_path: self.command_path(relative),
            shown,
            environment: source.environment,
            file_name: relative
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            dir: relative.parent().map(Path::to_path_buf).unwrap_or_default(),
            in_worktree: source.in_worktree,
            gitignored: source.gitignored,
            tracking: source.tracking,
            dotenv: parsed,
            hits,
            encrypted,
            allowed_lines,
        }
    }

    fn shown(&self, relative: &Path) -> String {
        match self.scan.display_root {
            Some(root) => slash_path(&root.join(relative)),
            None => slash_path(relative),
        }
    }

    /// From the top of the repository, whatever the scanned root (`/tmp/app`, `.`, `apps/web`)
    /// and the current directory: advice is run there. A snapshot's files are already named
    /// from the top.
    fn command_path(&self, relative: &Path) -> String {
        format!("{}{}", self.repo_prefix, slash_path(relative))
    }
}

/// Where a file's bytes came from and what is known about it before parsing.
struct Source<'a> {
    relative: &'a Path,
    environment: Environment,
    in_worktree: bool,
    gitignored: Option<bool>,
    tracking: Option<Tracking>,
    /// Whether the working-tree scan skipped it (so its secret matches are ours to report).
    report_secrets: bool,
}

/// `env-committed-real-file` for env files that git history holds but the working-tree check
/// did not report (deleted since, or added by the commits of a scanned range): every clone
/// still has their values. `reported` holds the shown paths the env check already reported.
pub fn committed_in_history(
    settings: &EnvSettings,
    committed: &[CommittedPath],
    reported: &HashSet<&str>,
) -> Vec<Finding> {
    let rule = EnvRule::CommittedRealFile;
    if !settings.switches.is_on(rule.id()) {
        return Vec::new();
    }
    let info = checks::info(rule.id());
    committed
        .iter()
        .filter(|c| !reported.contains(c.shown.as_str()))
        .filter_map(|c| {
            let environment = settings.names.classify(Path::new(&c.path))?;
            if environment.is_template() {
                return None;
            }
            let severity = if environment.is_deployed() {
                Severity::Critical
            } else {
                Severity::High
            };
            let short = &c.commit.id[..12.min(c.commit.id.len())];
            let message = format!(
                "`{}` ({} env file) was committed in {short} ({}: \"{}\"). Every clone of the \
                 repository has the values it held, even if a later commit removed it: rotate \
                 every secret in it, make sure .gitignore covers it, and keep only a template \
                 (.env.example) in git.",
                c.shown,
                environment.as_str(),
                c.commit.date,
                c.commit.summary
            );
            let mut finding = Finding::new(
                info.clone(),
                severity,
                Location::file_start(&c.shown),
                rules::committed_file_fingerprint(&c.path),
            );
            finding.message = Some(message);
            finding.commit = Some(c.commit.clone());
            Some(finding)
        })
        .collect()
}
