//! One sink for findings: human text, JSON and SARIF. Redaction lives here and nowhere else,
//! so no other module can print a secret by accident.

mod human;
mod json;
mod sarif;

use crate::cli::Format;
use crate::finding::{Finding, RuleInfo, Severity, VcsInfo};
use crate::settings::OutputSettings;
use crate::stats::ScanStats;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Characters of a secret shown in a redacted preview.
const PREVIEW_CHARS: usize = 4;

/// Everything a report needs, gathered after the scan.
pub struct Report<'a> {
    pub findings: &'a [Finding],
    pub stats: &'a ScanStats,
    /// Every rule in force (SARIF lists them all so code scanning knows each one).
    pub rules: &'a [Arc<RuleInfo>],
    pub elapsed: Duration,
    pub settings: &'a OutputSettings,
    /// The git repositories whose history was scanned (SARIF `versionControlProvenance`).
    pub vcs: &'a [VcsInfo],
}

impl Report<'_> {
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }

    /// Findings at or above the failing severity.
    pub fn failing(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity >= self.settings.fail_on)
            .count()
    }

    pub fn preview(&self, finding: &Finding) -> String {
        preview(&finding.secret, self.settings.show_secrets)
    }
}

/// The only way a secret is turned into text: the first four characters and an ellipsis, or
/// the whole secret when the user opted in with `--show-secrets`.
pub fn preview(secret: &str, show_secrets: bool) -> String {
    if secret.is_empty() {
        return String::new();
    }
    if show_secrets {
        return secret.to_string();
    }
    let shown: String = secret
        .chars()
        .take(PREVIEW_CHARS)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    format!("{shown}…")
}

/// Writes the report in the chosen format to the chosen place.
pub fn write(report: &Report<'_>) -> anyhow::Result<()> {
    match &report.settings.output {
        Some(path) => {
            let mut file = create_report_file(path)?;
            render(report, &mut file, false)?;
            file.flush()?;
        }
        None => {
            let stdout = std::io::stdout();
            let color = stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none();
            let mut lock = std::io::BufWriter::new(stdout.lock());
            render(report, &mut lock, color)?;
            lock.flush()?;
        }
    }
    Ok(())
}

fn render(report: &Report<'_>, out: &mut dyn Write, color: bool) -> anyhow::Result<()> {
    match report.settings.format {
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
    fn preview_shows_four_chars_unless_opted_in() {
        assert_eq!(preview("ghp_abcdef", false), "ghp_…");
        assert_eq!(preview("ghp_abcdef", true), "ghp_abcdef");
        assert_eq!(preview("", false), "");
        assert_eq!(preview("ab\ncd", false), "ab?c…");
    }

    #[test]
    fn control_characters_in_paths_are_escaped() {
        assert_eq!(display_path("a\u{1b}[31mb"), "a\\u{1b}[31mb");
    }
}
