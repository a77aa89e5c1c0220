//! `leakgate merge REPORT...`: the reports of `scan --shard I/N` runners (or of separate
//! scans) read back and combined into one report, in any format, with the gate's exit code
//! for the combined findings. A missing shard makes the combined report incomplete (exit 2).

use crate::finding::{RuleInfo, Severity};
use crate::report::{self, Report, ReportOptions};
use crate::scan::shards::{self, Input};
use crate::settings::MergeSettings;
use anyhow::Result;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

pub fn run(args: &crate::cli::MergeArgs) -> Result<u8> {
    let started = Instant::now();
    let settings = MergeSettings::from_args(args);
    let mut inputs = Vec::new();
    let mut rules: Vec<Arc<RuleInfo>> = Vec::new();
    for path in &settings.reports {
        let read = report::read::read_file(path)?;
        rules.extend(read.rules);
        inputs.push(Input {
            findings: read.findings,
            stats: read.stats,
            tool_version: read.tool_version,
            fail_on: read.fail_on,
        });
    }
    let mut combined = shards::combine(inputs)?;
    if !combined.missing.is_empty() {
        combined.stats.warn(format!(
            "shard report(s) {} not given: the combined report covers part of the scan only",
            combined.missing.join(", ")
        ));
    }
    let mut seen = HashSet::new();
    rules.retain(|r| seen.insert(r.id.clone()));
    rules.sort_by(|a, b| a.id.cmp(&b.id));
    let options = ReportOptions {
        format: settings.format,
        output: settings.output.clone(),
        fail_on: settings
            .fail_on
            .or(combined.fail_on)
            .unwrap_or(Severity::Low),
        // Inputs are redacted already: a preview is shown as the report gave it, never more.
        show_secrets: true,
        show_suppressed: settings.show_suppressed,
    };
    if !settings.quiet {
        for warning in &combined.stats.warnings {
            report::warn(warning);
        }
    }
    let report = Report {
        findings: &combined.findings,
        stats: &combined.stats,
        rules: &rules,
        elapsed: started.elapsed(),
        options: &options,
    };
    report::write(&report)?;
    report::write_github_extras(&report);
    if !combined.missing.is_empty() {
        return Ok(super::EXIT_ERROR);
    }
    Ok(super::gate::exit_code(
        &combined.findings,
        &combined.stats,
        options.fail_on,
    ))
}
