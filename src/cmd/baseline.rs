//! `leakgate baseline create`: scan as `scan` would and record every current finding by
//! fingerprint, so a team adopting leakgate on an old repository fails only on new leaks.

use super::EXIT_CLEAN;
use crate::cli::BaselineCommand;
use crate::engine::RuleInfos;
use crate::report;
use crate::settings::ScanSettings;
use crate::suppress::Baseline;
use anyhow::Result;
use std::io::Write;
use std::sync::Arc;

pub fn run(command: &BaselineCommand) -> Result<u8> {
    match command {
        BaselineCommand::Create { scan, file } => {
            let settings = ScanSettings::from_args(scan)?;
            if settings.shard.is_some() {
                anyhow::bail!(
                    "a baseline records every finding: it cannot be written from one shard \
                     (unset LEAKGATE_SHARD, or drop --shard)"
                );
            }
            let infos = Arc::new(RuleInfos::new(&settings.matcher));
            let (findings, stats) = crate::scan::collect(&settings, &infos)?;
            if !stats.complete() {
                anyhow::bail!(
                    "{} file(s) could not be read; refusing to write a baseline of a partial scan",
                    stats.skipped.unreadable
                );
            }
            let active: Vec<_> = findings
                .into_iter()
                .filter(|f| f.suppressed.is_none())
                .collect();
            let baseline = Baseline::from_findings(&active);
            let mut out = report::create_report_file(file)?;
            serde_json::to_writer_pretty(&mut out, &baseline)?;
            writeln!(out)?;
            if !settings.output.quiet {
                report::note(&format!(
                    "wrote {} finding(s) to {}; scan with --baseline {} to fail only on new ones",
                    baseline.findings.len(),
                    file.display(),
                    file.display()
                ));
            }
            Ok(EXIT_CLEAN)
        }
    }
}
