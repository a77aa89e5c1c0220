//! One file per subcommand. Each returns the process exit code; errors bubble up as `anyhow`
//! and become one line on stderr with exit code 2 in `main`.

pub mod baseline;
pub mod bundle;
pub mod env;
pub mod hook;
pub mod redact;
pub mod rules;
pub mod scan;

use crate::finding::{Finding, RuleInfo};
use crate::report::{self, Report};
use crate::settings::OutputSettings;
use crate::stats::ScanStats;
use anyhow::Result;
use std::sync::Arc;
use std::time::Instant;

/// Exit codes, documented in the README and `--help`.
pub const EXIT_CLEAN: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

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
        settings: output,
    };
    report::write(&report)?;
    report::write_github_extras(&report);
    Ok(if report.failing() > 0 {
        EXIT_FINDINGS
    } else if !stats.complete() {
        EXIT_ERROR
    } else {
        EXIT_CLEAN
    })
}
