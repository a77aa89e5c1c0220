//! The env step: the env-file checks over every directory root (also the whole of
//! `leakgate env`), and `env-committed-real-file` for env files that only git history holds.

use super::DisplayPaths;
use crate::checks::env_files::{self, EnvRule, EnvScan, SecretScope};
use crate::engine::RuleInfos;
use crate::finding::Finding;
use crate::settings::ScanSettings;
use crate::source::history::CommittedPath;
use crate::stats::ScanStats;
use anyhow::Result;
use std::collections::HashSet;

/// Runs the env checks over every directory root (single-file roots have no project around
/// them to compare). Nothing when env checks are off.
pub fn check_roots(
    settings: &ScanSettings,
    infos: &RuleInfos,
    paths: &DisplayPaths,
    secrets: SecretScope,
) -> Result<(Vec<Finding>, ScanStats)> {
    let mut findings = Vec::new();
    let mut stats = ScanStats::default();
    let Some(env) = &settings.env else {
        return Ok((findings, stats));
    };
    for root in settings.roots.iter().filter(|r| r.is_dir()) {
        let scan = EnvScan {
            root,
            display_root: paths.prefix(root),
            settings: env,
            exclude: &settings.config.config.exclude,
            threads: settings.threads,
            max_file_size: settings.max_file_size,
            secrets,
            verbose: settings.output.verbose,
        };
        let (f, s) = env_files::run(&scan, &settings.matcher, infos)?;
        findings.extend(f);
        stats.merge(s);
    }
    Ok((findings, stats))
}

/// `env-committed-real-file` for env files that history holds but the working-tree env check
/// did not report: committed once and deleted since, or added by the commits of a range.
pub fn committed_only_in_history(
    settings: &ScanSettings,
    findings: &[Finding],
    committed: &[CommittedPath],
) -> Vec<Finding> {
    let Some(env) = &settings.env else {
        return Vec::new();
    };
    let reported: HashSet<&str> = findings
        .iter()
        .filter(|f| f.rule.id == EnvRule::CommittedRealFile.id())
        .map(|f| f.location.path.as_str())
        .collect();
    env_files::committed_in_history(env, committed, &reported)
}
