//! `leakgate audit [PATH]`: the one-off release audit. It runs everything `scan` runs, keeps
//! what the scan saw besides its findings (the inventory), and writes a page people read
//! (`leakgate-audit.html`, or `.md`) plus the JSON it was built from (`leakgate-audit.json`)
//! into `--out-dir`. Two files are written, so stdout only gets a short summary: the verdict,
//! its reason and the paths. The exit code is the gate's, so an audit that could not read
//! everything is never a pass (its verdict is never SHIP either).

use crate::cli::AuditArgs;
use crate::engine::RuleInfos;
use crate::report::audit::{self, Audit};
use crate::report::{self, Report};
use crate::scan::Collected;
use crate::settings::{AuditOutput, AuditPage, ScanSettings};
use anyhow::{Context, Result};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// The JSON's file name, beside the page.
const JSON_NAME: &str = "leakgate-audit.json";

pub fn run(args: &AuditArgs) -> Result<u8> {
    let started = Instant::now();
    let settings = ScanSettings::from_audit_args(args)?;
    let output = AuditOutput::from_args(args);
    // Before the scan: a folder that cannot be written is an error now, not after minutes.
    std::fs::create_dir_all(&output.out_dir)
        .with_context(|| format!("--out-dir {}: cannot create", output.out_dir.display()))?;
    let infos = Arc::new(RuleInfos::new(&settings.matcher));
    let Collected {
        mut findings,
        mut stats,
        mut inventory,
    } = crate::scan::collect_audit(&settings, &infos)?;
    super::settle(
        &settings.matcher,
        &mut findings,
        &mut stats,
        inventory.repository_text_mut(),
    );
    if !settings.output.quiet {
        super::warn_all(&stats);
    }
    let rules = super::rules_in_force(
        &infos,
        &crate::checks::Switches::from_disabled(&settings.config.config.disable_rules),
        super::Steps::of(&settings),
    );
    let report = Report {
        findings: &findings,
        stats: &stats,
        rules: &rules,
        elapsed: started.elapsed(),
        options: &settings.output.report,
    };
    let built = Audit::build(&report, &inventory);
    let page = match output.format {
        AuditPage::Html => audit::html(&built, &report, &inventory),
        AuditPage::Markdown => audit::markdown(&built, &report, &inventory),
    };
    let json = audit::json(&built, &report, &inventory).context("cannot render the audit JSON")?;
    let page_path = output.out_dir.join(output.page_name());
    let json_path = output.out_dir.join(JSON_NAME);
    write_file(&page_path, page.as_bytes())?;
    write_file(&json_path, &json)?;
    summary(&built, &[page_path, json_path])?;
    Ok(super::gate::exit_code(
        &findings,
        &stats,
        settings.output.report.fail_on,
    ))
}

/// One output file, created as reports are (mode 0600, never through a symlink).
fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = report::create_report_file(path)?;
    file.write_all(bytes)
        .and_then(|()| file.flush())
        .with_context(|| format!("{}: cannot write", path.display()))
}

/// The plain summary on stdout: `FIX FIRST: <why>` and the files written, one per line.
fn summary(built: &Audit, written: &[PathBuf]) -> Result<()> {
    report::result_line(&format!("{}: {}", built.verdict().word(), built.reason()))?;
    for path in written {
        report::result_line(&format!(
            "wrote {}",
            report::display_path(&path.display().to_string())
        ))?;
    }
    Ok(())
}
