//! One sink for findings: human text, JSON and SARIF. Redaction lives here and nowhere else,
//! so no other module can print a secret by accident.

mod github;
mod human;
mod json;
mod sarif;

use crate::cli::Format;
use crate::finding::{Finding, RuleInfo, Severity};
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
        let all = self.settings.show_suppressed;
        self.findings
            .iter()
            .filter(move |f| all || f.suppressed.is_none())
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.active().filter(|f| f.severity == severity).count()
    }

    /// Active findings at or above the failing severity.
    pub fn failing(&self) -> usize {
        self.active()
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

/// Bytes of context shown on each side of a finding in an excerpt.
const EXCERPT_CONTEXT: usize = 32;
/// A run of token characters this long (with a digit in it) is redacted in excerpts.
const EXCERPT_TOKEN_RUN: usize = 16;

/// A short one-line excerpt around `span` of `data`, for files whose lines are too long to
/// show (minified bundles). When `redact_span` is set the span is shown as a redacted preview;
/// in the context around it every token-like run (long, with a digit, or cut by the edge of the
/// excerpt) is redacted too, so an excerpt never carries a secret in full. Built here because
/// redaction lives in `report/` and nowhere else.
pub fn excerpt(data: &[u8], span: std::ops::Range<usize>, redact_span: bool) -> String {
    let start = span.start.min(data.len());
    let end = span.end.clamp(start, data.len());
    let lo = start.saturating_sub(EXCERPT_CONTEXT);
    let hi = (end + EXCERPT_CONTEXT).min(data.len());
    let left = redact_tokens(&data[lo..start], lo > 0, false);
    let right = redact_tokens(&data[end..hi], false, hi < data.len());
    let middle = String::from_utf8_lossy(&data[start..end]);
    let middle = if redact_span {
        preview(&middle, false)
    } else {
        middle.into_owned()
    };
    // A cut edge is marked with one ellipsis, whether or not a redacted run already ends there.
    let text = format!(
        "{}{left}{middle}{right}{}",
        if lo > 0 && !left.starts_with('…') {
            "…"
        } else {
            ""
        },
        if hi < data.len() && !right.ends_with('…') {
            "…"
        } else {
            ""
        }
    );
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'_' | b'-')
}

/// Redacts token-like runs in excerpt context. A run touching a cut edge may be the visible part
/// of a longer secret, so it is redacted whatever its length.
fn redact_tokens(bytes: &[u8], cut_left: bool, cut_right: bool) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < bytes.len() {
        let run_end = (i..bytes.len())
            .find(|&j| !is_token_byte(bytes[j]))
            .unwrap_or(bytes.len());
        if run_end == i {
            let next = (i + 1..=bytes.len())
                .find(|&j| j == bytes.len() || is_token_byte(bytes[j]))
                .unwrap_or(bytes.len());
            out.push_str(&String::from_utf8_lossy(&bytes[i..next]));
            i = next;
            continue;
        }
        let run = &bytes[i..run_end];
        let at_cut = (i == 0 && cut_left) || (run_end == bytes.len() && cut_right);
        let long_with_digit = run.len() >= EXCERPT_TOKEN_RUN && run.iter().any(u8::is_ascii_digit);
        if (at_cut && run.len() >= 4) || long_with_digit {
            out.push('…');
        } else {
            out.push_str(&String::from_utf8_lossy(run));
        }
        i = run_end;
    }
    out
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

/// Inside GitHub Actions: inline annotations on stderr and a step summary. Failures to write
/// the summary are warnings; the report itself has already been written.
pub fn write_github_extras(report: &Report<'_>) {
    if std::env::var("GITHUB_ACTIONS").as_deref() != Ok("true") {
        return;
    }
    // The report went to a file (SARIF for code scanning): the job log still gets the
    // human-readable version.
    if report.settings.output.is_some() && report.settings.format != Format::Human {
        let stdout = std::io::stdout();
        if let Err(e) = human::write(report, &mut stdout.lock(), false) {
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
    fn excerpts_redact_the_span_and_token_like_context() {
        let data = b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,cfg={k:\"sk_live_0123456789abcdefXYZ\",other:\"AKIA0123456789ABCDEF\",n:1}\nmore text after";
        let start = data.windows(7).position(|w| w == b"sk_live").unwrap();
        let text = excerpt(data, start..start + 27, true);
        assert!(text.contains("sk_l…"), "{text}");
        assert!(!text.contains("0123456789abcdef"), "{text}");
        assert!(!text.contains("AKIA0123"), "{text}");
        assert!(text.contains("cfg={k:"), "{text}");
        assert!(text.starts_with('…') && text.ends_with('…'), "{text}");
        assert!(!text.contains('\n'));
        let url = b"x=\"http://localhost:3000/api\"";
        assert_eq!(
            excerpt(url, 3..24, false),
            "x=\"http://localhost:3000/api\""
        );
    }

    #[test]
    fn control_characters_in_paths_are_escaped() {
        assert_eq!(display_path("a\u{1b}[31mb"), "a\\u{1b}[31mb");
    }
}
