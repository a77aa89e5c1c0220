//! GitHub Actions extras: workflow commands (`::error file=…::…`) so findings show inline on the
//! pull request, and a Markdown table appended to the job's step summary. Both are redacted like
//! every other output; both go through this module only.

use super::Report;
use crate::finding::{Finding, Severity};
use std::io::Write;
use std::path::Path;

/// Annotations GitHub shows per step; more are dropped by the runner, so we say so instead.
const MAX_ANNOTATIONS: usize = 50;

/// Prints one workflow command per active finding (most severe first) on `out`.
pub fn write_annotations(report: &Report<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    let mut findings: Vec<&Finding> = report.active().collect();
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    for f in findings.iter().take(MAX_ANNOTATIONS) {
        let level = match f.severity {
            Severity::Critical | Severity::High => "error",
            Severity::Medium => "warning",
            Severity::Low | Severity::Info => "notice",
        };
        let mut message = format!("{} ({})", f.rule.name, f.severity);
        let preview = report.preview(f);
        if !preview.is_empty() {
            message.push_str(&format!(": {preview}"));
        }
        if let Some(extra) = &f.message {
            message.push_str(&format!(". {extra}"));
        }
        message.push_str(". Rotate it, then remove it; see the job summary for what to do.");
        writeln!(
            out,
            "::{level} file={},line={},endLine={},col={},endColumn={},title={}::{}",
            escape_property(&f.location.path),
            f.location.line,
            f.location.end_line,
            f.location.column,
            f.location.end_column,
            escape_property(&format!("leakgate: {}", f.rule.id)),
            escape_data(&message)
        )?;
    }
    if findings.len() > MAX_ANNOTATIONS {
        writeln!(
            out,
            "::warning title=leakgate::{} more findings are not annotated; see the report",
            findings.len() - MAX_ANNOTATIONS
        )?;
    }
    Ok(())
}

/// Appends a Markdown summary to the file named by `GITHUB_STEP_SUMMARY`.
pub fn append_step_summary(report: &Report<'_>, path: &Path) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    let mut md = String::from("## leakgate\n\n");
    let active: Vec<&Finding> = report.active().collect();
    if active.is_empty() {
        md.push_str(&format!(
            "No secrets found in {} files.\n",
            report.stats.files_scanned
        ));
    } else {
        md.push_str("| severity | rule | where | secret | introduced |\n|---|---|---|---|---|\n");
        for f in &active {
            let introduced = f
                .commit
                .as_ref()
                .map(|c| {
                    format!(
                        "`{}` {}",
                        &c.id[..12.min(c.id.len())],
                        escape_md(&c.summary)
                    )
                })
                .unwrap_or_default();
            md.push_str(&format!(
                "| {} | {} | `{}:{}` | `{}` | {} |\n",
                f.severity,
                escape_md(&f.rule.name),
                escape_md(&f.location.path),
                f.location.line,
                escape_md(&report.preview(f)),
                introduced
            ));
        }
        md.push_str(
            "\n**What to do:** rotate (revoke and re-issue) every secret listed, then remove it \
             from the code. Deleting it is not enough: it stays in git history. A false positive \
             can be accepted with a `leakgate:allow` comment or its fingerprint in `.leakgateignore`.\n",
        );
    }
    let suppressed = report.suppressed().count();
    if suppressed > 0 {
        md.push_str(&format!("\n{suppressed} finding(s) suppressed.\n"));
    }
    file.write_all(md.as_bytes())
}

/// Step outputs for the action: the number of active findings and the SARIF report's path.
pub fn append_outputs(report: &Report<'_>, path: &Path) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    writeln!(file, "findings={}", report.active().count())?;
    if report.options.format == super::Format::Sarif
        && let Some(sarif) = &report.options.output
    {
        // A path with a newline would forge another output line: refuse to write it.
        let shown = sarif.display().to_string();
        if !shown.contains(['\n', '\r']) {
            writeln!(file, "sarif-file={shown}")?;
        }
    }
    Ok(())
}

/// Escaping for the message part of a workflow command.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escaping for a property value of a workflow command.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn escape_md(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ").replace('`', "'")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_command_values_are_escaped() {
        assert_eq!(escape_data("a%b\nc"), "a%25b%0Ac");
        assert_eq!(escape_property("dir:a,b.txt"), "dir%3Aa%2Cb.txt");
    }
}
