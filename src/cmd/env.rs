//! `leakgate env [PATH]`: the env-file checks alone, reported through the same sink and exit
//! codes as `scan`. Also the env step of `scan` ([`check_roots`]), so both commands run the
//! checks the same way and differ only in which secret matches they report.

use crate::checks::env_files::{self, EnvScan, SecretScope};
use crate::cli::EnvArgs;
use crate::detect::RuleInfos;
use crate::finding::Finding;
use crate::settings::ScanSettings;
use crate::stats::ScanStats;
use anyhow::Result;
use std::sync::Arc;
use std::time::Instant;

pub fn run(args: &EnvArgs) -> Result<u8> {
    let started = Instant::now();
    let settings = ScanSettings::from_env_args(args)?;
    let infos = Arc::new(RuleInfos::new(&settings.matcher));
    let (mut findings, stats) = check_roots(&settings, &infos, SecretScope::AllEnvFiles)?;
    settings.suppressions.apply(&mut findings);
    super::scan::finish(&settings, &infos, findings, stats, started)
}

/// Runs the env checks over every directory root (single-file roots have no project around
/// them to compare). Nothing when env checks are off.
pub(super) fn check_roots(
    settings: &ScanSettings,
    infos: &RuleInfos,
    secrets: SecretScope,
) -> Result<(Vec<Finding>, ScanStats)> {
    let mut findings = Vec::new();
    let mut stats = ScanStats::default();
    let Some(env) = &settings.env else {
        return Ok((findings, stats));
    };
    let single_dir_root = settings.roots.len() == 1 && settings.roots[0].is_dir();
    for root in settings.roots.iter().filter(|r| r.is_dir()) {
        let scan = EnvScan {
            root,
            display_root: (!single_dir_root).then_some(root.as_path()),
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
