//! One sink for findings: human text, JSON and SARIF. Formats only: what to print comes in a
//! [`Report`], how in [`ReportOptions`]; whether the run fails is decided by the gate in
//! `cmd`, not here. Redaction is the leaf module [`redact`], the only way a secret becomes text.

pub mod audit;
pub mod checklist;
pub mod document;
mod github;
mod human;
mod json;
pub mod listing;
pub mod origin;
#[cfg(test)]
mod properties;
pub mod read;
pub mod redact;
pub mod sarif;

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

/// Whether a finding's line and column point into the file as it is now (working tree, index
/// or `HEAD`). A secret found only in an older commit (deleted since), in a commit message, or
/// in an env file committed in the past is located at its commit and blob instead: the same
/// line of today's file of the same path is unrelated code, and a report that annotates it
/// (SARIF for code scanning, a GitHub annotation) would blame innocent code.
pub fn in_current_file(f: &Finding) -> bool {
    // No commit: a working-tree, staged or stream finding. Still in HEAD: the secret is there.
    // No blob but a known HEAD state: a working-tree finding that history was merged into.
    f.commit.is_none() || f.in_head == Some(true) || (f.blob.is_none() && f.in_head.is_some())
}

/// "commit 0123456789ab, blob 89abcdef0123": where a finding that is not in the current
/// file was found (see [`in_current_file`]).
pub fn history_place(f: &Finding) -> String {
    let short = |id: &str| short_id(id).to_string();
    let mut place = Vec::new();
    if let Some(commit) = &f.commit {
        place.push(format!("commit {}", short(&commit.id)));
    }
    if let Some(blob) = &f.blob {
        place.push(format!("blob {}", short(blob)));
    }
    place.join(", ")
}

/// The first 12 characters of a commit or blob id, as reports show it. By characters, not
/// bytes: an id read back from a report (`merge`) may be any text, and must not panic here.
pub fn short_id(id: &str) -> &str {
    id.char_indices().nth(12).map_or(id, |(end, _)| &id[..end])
}

/// One finding as one line of plain sentences, for SARIF messages and GitHub annotations:
/// the rule's name with the redacted secret and the severity, the finding's own explanation,
/// where in history it is when it is not in the current file, and any `closing` words. Each
/// part ends with exactly one full stop (a part that already ends a sentence gets none).
pub fn finding_sentences(f: &Finding, preview: &str, closing: &str) -> String {
    let mut parts = Vec::new();
    parts.push(if preview.is_empty() {
        format!("{} ({})", f.rule.name, f.severity)
    } else {
        format!("{} {preview} ({})", f.rule.name, f.severity)
    });
    if let Some(message) = &f.message {
        parts.push(message.clone());
    }
    if !in_current_file(f) {
        parts.push(format!(
            "Located in git history at {}, not in the current version of this file",
            history_place(f)
        ));
    }
    parts.push(closing.to_string());
    sentences(&parts)
}

/// Joins parts into sentences: each trimmed, empty ones dropped, a full stop added where a
/// part does not already end one (`.`, `!`, `?`), one space between.
pub fn sentences(parts: &[String]) -> String {
    parts
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .map(|p| {
            if p.ends_with(['.', '!', '?']) {
                p.to_string()
            } else {
                format!("{p}.")
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
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

    fn finding(commit: bool, in_head: Option<bool>, blob: bool) -> Finding {
        let rule = RuleInfo::for_test("r", Severity::High);
        let mut f = Finding::new(
            rule,
            Severity::High,
            crate::finding::Location::file_start("a.py"),
            "fp".into(),
        );
        f.commit = commit.then(|| crate::finding::CommitInfo {
            id: "0123456789abcdef0123".into(),
            author_name: String::new(),
            author_email: String::new(),
            date: String::new(),
            summary: String::new(),
        });
        f.in_head = in_head;
        f.blob = blob.then(|| "89abcdef0123456789ab".into());
        f
    }

    #[test]
    fn only_findings_in_the_current_file_keep_their_line() {
        // Working tree, staged, stream.
        assert!(in_current_file(&finding(false, None, false)));
        // History, still in HEAD.
        assert!(in_current_file(&finding(true, Some(true), true)));
        // A working-tree finding that history was merged into, whatever HEAD says.
        assert!(in_current_file(&finding(true, Some(false), false)));
        // History only, a commit message, HEAD unreadable, an env file committed in the past.
        assert!(!in_current_file(&finding(true, Some(false), true)));
        assert!(!in_current_file(&finding(true, None, true)));
        assert!(!in_current_file(&finding(true, None, false)));
        let f = finding(true, Some(false), true);
        assert_eq!(history_place(&f), "commit 0123456789ab, blob 89abcdef0123");
        assert!(finding_sentences(&f, "", "").ends_with(
            "Located in git history at commit 0123456789ab, blob 89abcdef0123, not in the \
             current version of this file."
        ));
    }

    #[test]
    fn sentences_end_with_one_full_stop_each() {
        let parts = [
            "Env file (high)".to_string(),
            "It stays in git.".to_string(),
            "  ".to_string(),
            "Rotate it".to_string(),
            "Really?".to_string(),
        ];
        assert_eq!(
            sentences(&parts),
            "Env file (high). It stays in git. Rotate it. Really?"
        );
    }

    #[test]
    fn control_characters_in_paths_are_escaped() {
        assert_eq!(display_path("a\u{1b}[31mb"), "a\\u{1b}[31mb");
    }
}
