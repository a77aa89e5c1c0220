//! `leakgate bundle DIR...`: the client-bundle check alone, for a CI step right after the
//! build, over exactly the folders named, reported through the same sink and exit codes as
//! scan.

use crate::checks::bundle::BundleCheck;
use crate::checks::bundle::discover::Found;
use crate::cli::BundleArgs;
use crate::engine::RuleInfos;
use crate::scan::bundle::{add_named, options, shown_as_given};
use crate::settings::BundleCommandSettings;
use crate::stats::ScanStats;
use anyhow::Result;
use std::time::Instant;

pub fn run(args: &BundleArgs) -> Result<u8> {
    let started = Instant::now();
    let settings = BundleCommandSettings::from_args(args)?;
    let infos = RuleInfos::new(&settings.matcher);
    let mut found = Found::default();
    let mut stats = ScanStats::default();
    for dir in &settings.bundle.dirs {
        let before = found.files.len();
        add_named(dir, &shown_as_given(dir), &mut found);
        if found.files.len() == before {
            stats.warn(format!("{}: no build output found in it", dir.display()));
        }
    }
    found.dedup();
    let options = options(
        &settings.bundle,
        settings.threads,
        settings.max_file_size,
        settings.output.verbose,
    );
    let check = BundleCheck::new(&settings.matcher, &infos, options);
    let mut outcome = check.run(found);
    settings.suppressions.apply(&mut outcome.findings)?;
    stats.merge(outcome.stats);
    let rules = super::rules_in_force(
        &infos,
        &settings.bundle.switches,
        super::Steps {
            bundle: true,
            ..Default::default()
        },
    );
    super::finish(
        &settings.output,
        &settings.matcher,
        &rules,
        outcome.findings,
        stats,
        started,
    )
}
