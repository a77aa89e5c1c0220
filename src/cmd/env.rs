//! `leakgate env [PATH]`: the env-file checks alone, reported through the same sink and exit
//! codes as `scan`. The checks run exactly as the env step of `scan` runs them; only which
//! secret matches are reported differs (here: those in every env file).

use crate::checks::env_files::SecretScope;
use crate::cli::EnvArgs;
use crate::engine::RuleInfos;
use crate::scan::{DisplayPaths, env};
use crate::settings::ScanSettings;
use anyhow::Result;
use std::sync::Arc;
use std::time::Instant;

pub fn run(args: &EnvArgs) -> Result<u8> {
    let started = Instant::now();
    let settings = ScanSettings::from_env_args(args)?;
    let infos = Arc::new(RuleInfos::new(&settings.matcher));
    let paths = DisplayPaths::new(&settings.roots);
    let checked = env::check_roots(&settings, &infos, &paths, SecretScope::AllEnvFiles, false)?;
    let stats = checked.stats;
    let mut findings = crate::scan::merge::one_per_value(checked.findings);
    settings.suppressions.apply(&mut findings)?;
    super::finish(
        &settings.output,
        &settings.matcher,
        &super::rules_in_force(
            &infos,
            &crate::checks::Switches::from_disabled(&settings.config.config.disable_rules),
            super::Steps {
                env: true,
                ..Default::default()
            },
        ),
        findings,
        stats,
        started,
    )
}
