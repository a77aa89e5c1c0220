//! GitHub Actions extras: workflow commands (`::error file=…::…`) so findings show inline on the
//! pull request, and a Markdown table appended to the job's step summary. Both go through this
//! module only, and both always show secrets redacted: `--show-secrets` is for the report
//! itself, never for annotations or a summary that anyone who can read the run sees.
//!
//! Repository text must not become a workflow command: the human report in the job log is
//! wrapped in `::stop-commands::<random token>` … `::<token>::` (GitHub's mechanism to print
//! untrusted text), and every value in a command is escaped by GitHub's rules.

use super::Report;
use super::redact::preview;
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
            // Reported, never failing the gate (a local env file no commit holds): not an error.
            _ if f.local_only => "notice",
            Severity::Critical | Severity::High => "error",
            Severity::Medium => "warning",
            Severity::Low | Severity::Info => "notice",
        };
        let message = super::finding_sentences(
            f,
            &preview(&f.secret, false),
            if f.secret.is_empty() {
                "See the job summary for what to do"
            } else {
                "Rotate it, then remove it; see the job summary for what to do"
            },
        );
        // A finding only in git history is annotated on the file, not on a line of it: that
        // line of today's file is unrelated code.
        let place = if super::in_current_file(f) {
            format!(
                "file={},line={},endLine={},col={},endColumn={}",
                escape_property(&f.location.path),
                f.location.line,
                f.location.end_line,
                f.location.column,
                f.location.end_column,
            )
        } else {
            format!("file={}", escape_property(&f.location.path))
        };
        writeln!(
            out,
            "::{level} {place},title={}::{}",
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
    let mut active: Vec<&Finding> = report.active().collect();
    // Most severe first, then by place, so the table reads in the order to act.
    active.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.sort_key().cmp(&b.sort_key()))
    });
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
                .map(|c| format!("`{}` {}", super::short_id(&c.id), escape_md(&c.summary)))
                .unwrap_or_default();
            let secret = preview(&f.secret, false);
            let secret = if secret.is_empty() {
                String::new()
            } else {
                format!("`{}`", escape_md(&secret))
            };
            let place = if super::in_current_file(f) {
                format!("`{}:{}`", escape_md(&f.location.path), f.location.line)
            } else {
                format!("`{}` (history only)", escape_md(&f.location.path))
            };
            md.push_str(&format!(
                "| {} | {} | {place} | {secret} | {introduced} |\n",
                f.severity,
                escape_md(&f.rule.name),
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

/// Whether this process runs as a GitHub Actions step.
pub fn in_actions() -> bool {
    std::env::var("GITHUB_ACTIONS").as_deref() == Ok("true")
}

/// A fresh token for `::stop-commands::`: 128 bits from the OS, so text in the report (which
/// the repository controls) cannot guess it and resume command processing early.
pub fn stop_token() -> String {
    let mut bytes = [0u8; 16];
    let from_os = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes))
        .is_ok();
    if !from_os {
        // Elsewhere: std's per-process random hash keys.
        use std::hash::{BuildHasher, Hasher};
        for chunk in bytes.chunks_mut(8) {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u128(std::time::UNIX_EPOCH.elapsed().map_or(0, |d| d.as_nanos()));
            chunk.copy_from_slice(&h.finish().to_le_bytes());
        }
    }
    format!("leakgate-{}", hex::encode(bytes))
}

/// Writes `body` between `::stop-commands::<token>` and `::<token>::`, so no line of it is
/// taken for a workflow command.
pub fn without_commands(
    out: &mut dyn Write,
    body: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let token = stop_token();
    writeln!(out, "::stop-commands::{token}")?;
    let written = body(out);
    // Resume even when the body failed half-way, so later steps keep their commands.
    writeln!(out, "::{token}::")?;
    written
}

/// Escaping for the message part of a workflow command (GitHub's `escapeData`); other
/// control characters (ESC and the rest) are shown escaped rather than sent to the log.
fn escape_data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c if c.is_control() => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out
}

/// Escaping for a property value of a workflow command.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Text for one cell of the summary table: no line break of any kind (a bare CR too), no
/// other control character, no column separator, no code-span end.
fn escape_md(s: &str) -> String {
    s.chars()
        .flat_map(|c| match c {
            '|' => vec!['\\', '|'],
            '`' => vec!['\''],
            '\r' | '\n' | '\u{2028}' | '\u{2029}' => vec![' '],
            c if c.is_control() => c.escape_default().collect(),
            c => vec![c],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_command_values_are_escaped() {
        assert_eq!(escape_data("a%b\nc"), "a%25b%0Ac");
        assert_eq!(escape_data("a\rb\u{1b}[31m"), "a%0Db\\u{1b}[31m");
        assert_eq!(escape_property("dir:a,b.txt"), "dir%3Aa%2Cb.txt");
        assert_eq!(
            escape_property("::error title=x::y\r\n"),
            "%3A%3Aerror title=x%3A%3Ay%0D%0A"
        );
    }

    #[test]
    fn summary_cells_have_no_line_breaks_or_separators() {
        assert_eq!(escape_md("a\rb|c`d\ne\u{1b}"), "a b\\|c'd e\\u{1b}");
    }

    #[test]
    fn stop_tokens_are_fresh_and_commands_resume() {
        assert_ne!(stop_token(), stop_token());
        let mut out = Vec::new();
        without_commands(&mut out, |w| writeln!(w, "::error::forged")).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let token = lines[0].strip_prefix("::stop-commands::").unwrap();
        assert!(token.len() >= 32);
        assert_eq!(lines[1], "::error::forged");
        assert_eq!(lines[2], format!("::{token}::"));
    }
}
