//! One sink for findings: human text, JSON and SARIF. Formats only: what to print comes in a
//! [`Report`], how in [`ReportOptions`]; whether the run fails is decided by the gate in
//! `cmd`, not here. Redaction is the leaf module [`redact`], the only way a secret becomes text.

pub mod document;
mod github;
mod human;
mod json;
pub mod listing;
pub mod redact;
mod sarif;

use crate::finding::{Finding, RuleInfo, Severity};
use crate::stats::ScanStats;
pub use redact::preview;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Sarif,
}

/// How a report is written: the report's own options, built once by `settings`.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    pub format: Format,
    /// A file to write the report to (mode 0600) instead of stdout.
    pub output: Option<PathBuf>,
    /// Findings at or above this severity are the failing ones (shown as such; the gate uses
    /// the same threshold).
    pub fail_on: Severity,
    pub show_secrets: bool,
    pub show_suppressed: bool,
}

/// Everything a report needs, gathered after the scan.
pub struct Report<'a> {
    pub findings: &'a [Finding],
    pub stats: &'a ScanStats,
    /// Every rule in force (SARIF lists them all so code scanning knows each one).
    pub rules: &'a [Arc<RuleInfo>],
    pub elapsed: Duration,
    pub options: &'a ReportOptions,
}

impl Report<'_> {
    /// Findings that count: not accepted by inline allow, ignore file or baseline.
    pub fn active(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.suppressed.is_none())
    }

    pub fn suppressed(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.suppressed.is_some())
    }

    /// Findings to print: the active ones, plus suppressed ones with `--show-suppressed`.
    pub fn shown(&self) -> impl Iterator<Item = &Finding> {
        let all = self.options.show_suppressed;
        self.findings
            .iter()
            .filter(move |f| all || f.suppressed.is_none())
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.active().filter(|f| f.severity == severity).count()
    }

    /// Active findings at or above the failing severity.
    pub fn failing(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.fails(self.options.fail_on))
            .count()
    }

    pub fn preview(&self, finding: &Finding) -> String {
        preview(&finding.secret, self.options.show_secrets)
    }
}

/// Writes the report in the chosen format to the chosen place.
pub fn write(report: &Report<'_>) -> anyhow::Result<()> {
    match &report.options.output {
        Some(path) => {
            let mut file = create_report_file(path)?;
            render(report, &mut file, false)?;
            file.flush()?;
        }
        None => {
            let stdout = std::io::stdout();
            let color = stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none();
            let mut lock = std::io::BufWriter::new(stdout.lock());
            if report.options.format == Format::Human && github::in_actions() {
                // The job log: no line of the report may be taken for a workflow command.
                let mut rendered = Ok(());
                github::without_commands(&mut lock, |out| {
                    rendered = render(report, out, color);
                    Ok(())
                })?;
                rendered?;
            } else {
                render(report, &mut lock, color)?;
            }
            lock.flush()?;
        }
    }
    Ok(())
}

/// Inside GitHub Actions: inline annotations on stderr and a step summary. Failures to write
/// the summary are warnings; the report itself has already been written.
pub fn write_github_extras(report: &Report<'_>) {
    if !github::in_actions() {
        return;
    }
    // The report went to a file (SARIF for code scanning): the job log still gets the
    // human-readable version, redacted whatever `--show-secrets` says (only the report file
    // may hold secrets) and with workflow commands stopped.
    if report.options.output.is_some() && report.options.format != Format::Human {
        let options = ReportOptions {
            show_secrets: false,
            ..report.options.clone()
        };
        let log = Report {
            options: &options,
            ..*report
        };
        let stdout = std::io::stdout();
        let mut lock = stdout.lock();
        if let Err(e) = github::without_commands(&mut lock, |out| human::write(&log, out, false)) {
            warn(&format!("could not write the log report: {e}"));
        }
    }
    let stderr = std::io::stderr();
    if let Err(e) = github::write_annotations(report, &mut stderr.lock()) {
        warn(&format!("could not write annotations: {e}"));
    }
    if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY")
        && let Err(e) = github::append_step_summary(report, Path::new(&path))
    {
        warn(&format!("could not write the step summary: {e}"));
    }
    if let Some(path) = std::env::var_os("GITHUB_OUTPUT")
        && let Err(e) = github::append_outputs(report, Path::new(&path))
    {
        warn(&format!("could not write step outputs: {e}"));
    }
}

fn render(report: &Report<'_>, out: &mut dyn Write, color: bool) -> anyhow::Result<()> {
    match report.options.format {
        Format::Human => human::write(report, out, color)?,
        Format::Json => json::write(report, out)?,
        Format::Sarif => sarif::write(report, out)?,
    }
    Ok(())
}

/// Creates (or truncates) a report file with mode 0600, refusing anything but a regular file:
/// `--output` must not become a way to write through a symlink or into a device.
pub fn create_report_file(path: &Path) -> anyhow::Result<std::fs::File> {
    if let Ok(meta) = std::fs::symlink_metadata(path)
        && !meta.file_type().is_file()
    {
        anyhow::bail!(
            "{}: refusing to write the report over something that is not a regular file",
            path.display()
        );
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    let file = options
        .open(path)
        .map_err(|e| anyhow::anyhow!("{}: cannot write report: {e}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(file)
}

/// Escapes control characters in a path before it reaches a terminal.
pub fn display_path(path: &str) -> String {
    path.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

/// Prints a note about what the run did (hook installed, baseline written, what `--ci`
/// scans) as one line on stderr; results stay on stdout.
pub fn note(message: &str) {
    eprintln!("leakgate: {}", display_path(message));
}

/// Prints a block of guidance on stderr after the report (what to do when a hook blocks).
pub fn advice(text: &str) {
    eprintln!("\n{text}");
}

/// Prints a line of a command's result on stdout (`rules check`'s verdict); a failed write
/// (the reader went away) is the caller's to handle.
pub fn result_line(message: &str) -> std::io::Result<()> {
    writeln!(std::io::stdout().lock(), "{message}")
}

/// Prints a fatal error as one line on stderr (never with file contents).
pub fn error(message: &str) {
    eprintln!(
        "leakgate: error: {}",
        display_path(&message.replace('\n', " "))
    );
}

/// Prints a command-line usage error (several lines: the problem, usage, a hint) on stderr.
pub fn usage(message: &str) {
    eprint!("{}", message);
}

/// Prints one warning line on stderr (never with file contents).
pub fn warn(message: &str) {
    eprintln!("leakgate: warning: {}", display_path(message));
}

pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KB", "MB", "GB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_in_paths_are_escaped() {
        assert_eq!(display_path("a\u{1b}[31mb"), "a\\u{1b}[31mb");
    }
}
