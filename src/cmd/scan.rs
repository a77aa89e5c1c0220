//! `leakgate scan` (and `protect`, which is `scan --staged`): every step the settings ask for,
//! reported, with the gate's exit code. When it blocks a commit (`--staged`) or a push
//! (`--pre-push`) it also says what to do, since it then speaks to someone at a git prompt.

use crate::cli::ScanArgs;
use crate::engine::RuleInfos;
use crate::report;
use crate::settings::{GitScope, ScanSettings};
use crate::source::history::Selection;
use anyhow::Result;
use std::sync::Arc;
use std::time::Instant;

pub fn run(args: &ScanArgs) -> Result<u8> {
    let started = Instant::now();
    let settings = ScanSettings::from_args(args)?;
    let infos = Arc::new(RuleInfos::new(&settings.matcher));
    let (findings, stats) = crate::scan::collect(&settings, &infos)?;
    let code = super::finish(
        &settings.output,
        &settings.matcher,
        &super::rules_in_force(
            &infos,
            &crate::checks::Switches::from_disabled(&settings.config.config.disable_rules),
            super::Steps::of(&settings),
        ),
        findings,
        stats,
        started,
    )?;
    if code == super::EXIT_FINDINGS && !settings.output.quiet {
        match &settings.git.scope {
            Some(GitScope::Staged(_)) => report::advice(super::hook::BLOCKED_COMMIT),
            Some(GitScope::History(Selection::Push { .. })) => {
                report::advice(super::hook::BLOCKED_PUSH)
            }
            _ => {}
        }
    }
    Ok(code)
}
