//! `leakgate scan` (and `protect`, which is `scan --staged`): every step the settings ask for,
//! reported, with the gate's exit code.

use crate::cli::ScanArgs;
use crate::engine::RuleInfos;
use crate::settings::ScanSettings;
use anyhow::Result;
use std::sync::Arc;
use std::time::Instant;

pub fn run(args: &ScanArgs) -> Result<u8> {
    let started = Instant::now();
    let settings = ScanSettings::from_args(args)?;
    let infos = Arc::new(RuleInfos::new(&settings.matcher));
    let (findings, stats) = crate::scan::collect(&settings, &infos)?;
    super::finish(
        &settings.output,
        &settings.matcher,
        &infos.all().cloned().collect::<Vec<_>>(),
        findings,
        stats,
        started,
    )
}
