//! One thin `run()` per subcommand, plus the gate. Each command builds its settings, runs the
//! scan steps it needs, hands the findings to `report` and returns the exit code the gate
//! decides; errors bubble up as `anyhow` and become one line on stderr with exit code 2.

pub mod baseline;
pub mod bundle;
pub mod env;
pub mod gate;
pub mod hook;
pub mod redact;
pub mod rules;
pub mod scan;

pub use gate::{EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS};

use crate::finding::{Finding, RuleInfo};
use crate::report::{self, Report};
use crate::settings::OutputSettings;
use crate::stats::ScanStats;
use anyhow::Result;
use std::sync::Arc;
use std::time::Instant;

/// Sorts, reports and decides the exit code; shared by every command that reports findings.
pub fn finish(
    output: &OutputSettings,
    rules: &[Arc<RuleInfo>],
    mut findings: Vec<Finding>,
    stats: ScanStats,
    started: Instant,
) -> Result<u8> {
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings.dedup_by(|a, b| a.sort_key() == b.sort_key() && a.fingerprint == b.fingerprint);
    if !output.quiet {
        for warning in &stats.warnings {
            report::warn(warning);
        }
        if stats.warnings_dropped > 0 {
            report::warn(&format!(
                "{} more warnings not shown",
                stats.warnings_dropped
            ));
        }
    }
    let report = Report {
        findings: &findings,
        stats: &stats,
        rules,
        elapsed: started.elapsed(),
        options: &output.report,
    };
    report::write(&report)?;
    report::write_github_extras(&report);
    Ok(gate::exit_code(&findings, &stats, output.report.fail_on))
}
