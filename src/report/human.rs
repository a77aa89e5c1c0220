//! Plain-words output for people: findings grouped by file, then what to do about each kind of
//! secret, then one summary line. Colour only on a terminal.

use super::{Report, display_path, human_bytes};
use crate::finding::{Confidence, Finding, Severity};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};

struct Paint {
    on: bool,
}

impl Paint {
    fn wrap(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn severity(&self, s: Severity) -> String {
        let code = match s {
            Severity::Critical => "1;31",
            Severity::High => "31",
            Severity::Medium => "33",
            Severity::Low => "36",
            Severity::Info => "2",
        };
        self.wrap(code, &format!("{:<8}", s.as_str()))
    }

    fn bold(&self, text: &str) -> String {
        self.wrap("1", text)
    }

    fn dim(&self, text: &str) -> String {
        self.wrap("2", text)
    }
}

pub fn write(report: &Report<'_>, out: &mut dyn Write, color: bool) -> io::Result<()> {
    let paint = Paint { on: color };
    let mut by_path: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for finding in report.shown() {
        by_path
            .entry(finding.location.path.as_str())
            .or_default()
            .push(finding);
    }
    for (path, findings) in &by_path {
        writeln!(out, "{}", paint.bold(&display_path(path)))?;
        for f in findings {
            write_finding(report, out, &paint, f)?;
        }
        writeln!(out)?;
    }
    write_advice(report, out, &paint)?;
    write_summary(report, out, &paint)
}

fn write_finding(
    report: &Report<'_>,
    out: &mut dyn Write,
    paint: &Paint,
    f: &Finding,
) -> io::Result<()> {
    let place = format!("{}:{}", f.location.line, f.location.column);
    writeln!(
        out,
        "  {:>9}  {} {}  {}",
        place,
        paint.severity(f.severity),
        f.rule.name,
        paint.dim(&format!("[{}]", f.rule.id)),
    )?;
    let preview = report.preview(f);
    let mut detail = Vec::new();
    if !preview.is_empty() {
        detail.push(format!("secret {}", display_path(&preview)));
    }
    if f.confidence != Confidence::Likely {
        detail.push(f.confidence.as_str().into());
    }
    if f.publishable {
        detail.push("publishable by design".into());
    }
    if let Some(why) = f.suppressed {
        detail.push(format!("suppressed ({})", why.as_str()));
    }
    detail.push(format!(
        "fingerprint {}",
        &f.fingerprint[..16.min(f.fingerprint.len())]
    ));
    writeln!(out, "  {:>9}  {}", "", paint.dim(&detail.join(" · ")))?;
    if let Some(message) = &f.message {
        writeln!(out, "  {:>9}  {}", "", display_path(message))?;
    }
    if let Some(commit) = &f.commit {
        writeln!(
            out,
            "  {:>9}  introduced in {} by {} on {}: {}",
            "",
            super::short_id(&commit.id),
            display_path(&commit.author_name),
            commit.date,
            display_path(&commit.summary)
        )?;
    }
    Ok(())
}

/// The env check that reports a real env file tracked by git (its fix is `git rm --cached`).
const COMMITTED_ENV_FILE: &str = "env-committed-real-file";

/// Names listed on one line of "What to do" before "and N more".
const MAX_NAMED: usize = 4;

/// What to do, short: one line per distinct action (rotate, remove from git, fix the rest),
/// each naming the rules or files it concerns, then a line on false positives and one
/// pointer to each rule's full advice. At most five lines, however many findings there are;
/// the findings above carry the specifics.
fn write_advice(report: &Report<'_>, out: &mut dyn Write, paint: &Paint) -> io::Result<()> {
    let lines = advice_lines(report);
    if lines.is_empty() {
        return Ok(());
    }
    writeln!(out, "{}", paint.bold("What to do"))?;
    for line in lines {
        writeln!(out, "  {line}")?;
    }
    writeln!(out)
}

fn advice_lines(report: &Report<'_>) -> Vec<String> {
    let mut secrets: BTreeSet<&str> = BTreeSet::new();
    let mut secret_rules: Vec<&str> = Vec::new();
    let mut only_in_history = false;
    let mut tracked: Vec<&str> = Vec::new();
    let mut other = 0;
    let mut other_rules: Vec<&str> = Vec::new();
    for f in report.active() {
        let id = f.rule.id.as_str();
        if !f.secret.is_empty() && !f.publishable {
            secrets.insert(&f.secret);
            push_once(&mut secret_rules, id);
            only_in_history |= !super::in_current_file(f);
        } else if id == COMMITTED_ENV_FILE {
            push_once(&mut tracked, &f.location.path);
        } else {
            other += 1;
            push_once(&mut other_rules, id);
        }
    }
    let mut lines = Vec::new();
    if !secrets.is_empty() {
        let n = secrets.len();
        lines.push(format!(
            "Rotate: {n} {} ({}): revoke and re-issue {} at the provider, then take {} out of \
             the code{}.",
            plural(n, "credential", "credentials"),
            named(&secret_rules),
            if n == 1 { "it" } else { "each" },
            if n == 1 { "it" } else { "them" },
            if only_in_history {
                "; deleting is not enough, git history keeps every version"
            } else {
                ""
            }
        ));
    }
    if !tracked.is_empty() {
        let shown: Vec<String> = tracked.iter().map(|p| display_path(p)).collect();
        lines.push(format!(
            "Remove from git: {} (`git rm --cached`, then add to .gitignore; each finding \
             above has the exact command).",
            named_strings(&shown)
        ));
    }
    if other > 0 {
        lines.push(format!(
            "Fix: {other} other {} ({}): each finding above says how.",
            plural(other, "problem", "problems"),
            named(&other_rules)
        ));
    }
    if !lines.is_empty() {
        lines.push(
            "Not a secret? Add a `leakgate:allow` comment on its line, or its fingerprint to \
             .leakgateignore."
                .to_string(),
        );
        lines.push(
            "Details: every rule's full advice is in `--format json` (the `advice` field)."
                .to_string(),
        );
    }
    lines
}

fn push_once<'a>(list: &mut Vec<&'a str>, item: &'a str) {
    if !list.contains(&item) {
        list.push(item);
    }
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// "a, b, c, d and 3 more": at most [`MAX_NAMED`] names.
fn named(names: &[&str]) -> String {
    named_strings(&names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
}

fn named_strings(names: &[String]) -> String {
    let mut text = names
        .iter()
        .take(MAX_NAMED)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > MAX_NAMED {
        text.push_str(&format!(" and {} more", names.len() - MAX_NAMED));
    }
    text
}

/// "N unique blobs (X) in M commits of git history", or the staged-blob count.
fn history_summary(h: &crate::stats::HistoryStats) -> String {
    if h.mode == "staged" {
        return format!(
            "{} staged blobs ({})",
            h.blobs_scanned,
            human_bytes(h.bytes_scanned)
        );
    }
    format!(
        "{} unique blobs ({}) in {} commits of git history{}{}",
        h.blobs_scanned,
        human_bytes(h.bytes_scanned),
        h.commits,
        match &h.within {
            Some(folder) => format!(" (only {folder}/)"),
            None => String::new(),
        },
        if h.truncated {
            " (shallow clone: truncated)"
        } else {
            ""
        }
    )
}

fn write_summary(report: &Report<'_>, out: &mut dyn Write, paint: &Paint) -> io::Result<()> {
    let stats = report.stats;
    let mut parts = vec![format!(
        "scanned {} files ({}) in {:.2}s",
        stats.files_scanned,
        human_bytes(stats.bytes_scanned),
        report.elapsed.as_secs_f64()
    )];
    if let Some(shard) = stats.shard {
        // Said first: everything this report counts is one shard's (`leakgate merge`).
        parts[0] = format!("shard {shard}: {}", parts[0]);
    }
    if let Some(h) = &stats.history {
        parts.push(history_summary(h));
    }
    let s = &stats.skipped;
    if s.total() > 0 {
        let mut why = Vec::new();
        for (n, what) in [
            (s.binary, "binary"),
            (s.too_large, "too large"),
            (s.symlink, "symlink"),
            (s.special, "not a regular file"),
            (s.unreadable, "unreadable"),
        ] {
            if n > 0 {
                why.push(format!("{n} {what}"));
            }
        }
        parts.push(format!("skipped {} ({})", s.total(), why.join(", ")));
    }
    let counts: Vec<String> = Severity::ALL
        .iter()
        .filter_map(|&sev| {
            let n = report.count(sev);
            (n > 0).then(|| format!("{n} {sev}"))
        })
        .collect();
    let local = report.active().filter(|f| f.local_only).count();
    if local > 0 {
        parts.push(format!(
            "{local} in local env files git never held (these do not fail the gate)"
        ));
    }
    let suppressed = report.suppressed().count();
    if suppressed > 0 {
        parts.push(format!(
            "{suppressed} suppressed{}",
            if report.options.show_suppressed {
                ""
            } else {
                " (--show-suppressed lists them)"
            }
        ));
    }
    let verdict = if report.active().next().is_some() {
        format!("findings: {}", counts.join(", "))
    } else if stats.complete() {
        "no secrets found".to_string()
    } else {
        "no secrets found in what could be read, but the scan is INCOMPLETE".to_string()
    };
    parts.push(verdict);
    writeln!(out, "{}", parts.join("; "))?;
    if report.failing() > 0 {
        writeln!(
            out,
            "{}",
            paint.bold(&format!(
                "FAILED: {} finding(s) at or above `{}`. Fix each one; rotate any leaked secret before removing it.",
                report.failing(),
                report.options.fail_on
            ))
        )?;
    } else if !stats.complete() {
        let why = if stats.skipped.unreadable > 0 {
            format!(
                "{} file(s) could not be read (see warnings above).",
                stats.skipped.unreadable
            )
        } else {
            "this is a shallow clone, so history before its boundary was not scanned.".to_string()
        };
        writeln!(out, "{}", paint.bold(&format!("FAILED: {why}")))?;
    }
    Ok(())
}
