//! `leakgate-audit.md`: the page's content as GitHub-flavoured Markdown, for a pull request or
//! a wiki. The timeline is its table (Markdown has no drawing).
//!
//! Repository and rule text goes through [`md`]: it can neither break a table row nor become
//! a link, an image, HTML or emphasis.

use super::html::escape;
use super::{Audit, Place, Risk, unread};
use crate::finding::CommitInfo;
use crate::inventory::Inventory;
use crate::report::{Report, human_bytes};

/// Text from the repository or a rule as Markdown that shows exactly that text, in a
/// paragraph, a list item or a table cell: [`escape`] for HTML (so `<img>` is text and
/// control characters are visible; quotes, which mean nothing outside an attribute, are put
/// back for a readable source), a backslash before the characters Markdown gives a meaning
/// inside a line (`\ * _ [ ] | ~` and backtick), line breaks as spaces (a table row is one
/// line), and the `:` of `://`, `@` and the dot of `www.` as character references, so GitHub
/// does not turn `https://…`, `www.…` or an e-mail address into a link.
pub(super) fn md(text: &str) -> String {
    let escaped = escape(text).replace("&#39;", "'").replace("&quot;", "\"");
    let mut out = String::with_capacity(escaped.len() + 16);
    for (at, c) in escaped.char_indices() {
        match c {
            '\\' | '*' | '_' | '[' | ']' | '|' | '~' | '`' => {
                out.push('\\');
                out.push(c);
            }
            '\r' | '\n' => out.push(' '),
            ':' if escaped[at..].starts_with("://") => out.push_str("&#58;"),
            '@' => out.push_str("&#64;"),
            '.' if escaped
                .get(at.saturating_sub(3)..at)
                .is_some_and(|w| w.eq_ignore_ascii_case("www")) =>
            {
                out.push_str("&#46;")
            }
            c => out.push(c),
        }
    }
    out
}

/// Our own sentences, which name commands between backticks: kept as code spans, the rest
/// escaped like repository text.
fn prose(text: &str) -> String {
    let parts: Vec<&str> = text.split('`').collect();
    if parts.len() < 3 || parts.len().is_multiple_of(2) {
        return md(text);
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 && !part.contains(['`', '|', '\n']) {
                format!("`{part}`")
            } else {
                md(part)
            }
        })
        .collect()
}

/// How the Markdown marks text up (see [`super::Markup`]): code is plain escaped text, since
/// a code span cannot hold every character a path may.
const MARKUP: super::Markup = super::Markup {
    text: md,
    code: md,
    br: ", ",
};

fn commit_brief(c: &CommitInfo) -> String {
    super::commit_brief(c, &MARKUP)
}

fn commit_full(c: &CommitInfo) -> String {
    super::commit_full(c, &MARKUP)
}

fn place(p: &Place) -> String {
    p.render(&MARKUP)
}

fn name(r: &Risk) -> String {
    let mut text = format!("{} ({}", md(&r.rule.name), md(r.severity.as_str()));
    if r.confidence != crate::finding::Confidence::Likely {
        text.push_str(&format!(", {}", r.confidence));
    }
    text.push(')');
    if !r.preview.is_empty() {
        text.push_str(&format!(" {}", md(&r.preview)));
    }
    text
}

fn yes_no(value: bool) -> &'static str {
    if value { "**yes**" } else { "no" }
}

/// The audit as Markdown.
pub fn markdown(audit: &Audit, report: &Report<'_>, inventory: &Inventory) -> String {
    let mut out = String::with_capacity(16 * 1024);
    out.push_str(&format!(
        "# Release audit: {}\n\n**{}**: {}\n\n",
        audit.verdict().word(),
        audit.verdict().word(),
        md(audit.reason())
    ));
    out.push_str(&format!(
        "leakgate {}, gate at {} severity.\n\n",
        env!("CARGO_PKG_VERSION"),
        audit.fail_on()
    ));
    risks(&mut out, audit);
    env(&mut out, inventory);
    timeline(&mut out, audit);
    bundles(&mut out, audit, inventory);
    coverage(&mut out, audit, report);
    handover(&mut out, audit);
    out
}

fn risks(out: &mut String, audit: &Audit) {
    out.push_str("## Risks, most urgent first\n\n");
    if audit.risks().is_empty() {
        out.push_str("No risk was found in what was read.\n\n");
        return;
    }
    out.push_str(
        "Each distinct secret once. Ranked by what reached a client bundle, then what is still \
         in the current files, then what is only in git history; then severity, places and age.\n\n\
         | # | Risk | Fingerprint | Where | Entered history | In current files | Client bundle | Next step |\n\
         |---:|---|---|---|---|---|---|---|\n",
    );
    for r in audit.risks() {
        let mut places: Vec<String> = r.places.iter().take(3).map(place).collect();
        if r.places.len() > 3 {
            places.push(format!("and {} more", r.places.len() - 3));
        }
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} |\n",
            r.rank,
            name(r),
            md(r.short_fingerprint()),
            places.join("; "),
            r.first_commit
                .as_ref()
                .map_or("never committed".to_string(), commit_brief),
            yes_no(r.in_head),
            yes_no(r.in_bundle),
            md(r.next_step_short())
        ));
    }
    out.push('\n');
    for r in audit.risks() {
        out.push_str(&format!("### {}. {}\n\n", r.rank, name(r)));
        out.push_str(&format!(
            "- Fingerprint {}, {}{}.\n",
            md(r.short_fingerprint()),
            md(r.exposure.label()),
            if r.fails { ", fails the gate" } else { "" }
        ));
        out.push_str(&format!(
            "- {}: {}\n",
            r.description_label(),
            prose(&r.rule.description)
        ));
        if !r.also.is_empty() {
            let also: Vec<String> = r
                .also
                .iter()
                .map(|a| format!("{} ({})", md(&a.name), md(&a.id)))
                .collect();
            out.push_str(&format!("- Also: {}\n", also.join(", ")));
        }
        for m in &r.messages {
            out.push_str(&format!("- Found: {}\n", md(m)));
        }
        out.push_str(&format!("- Places ({}):\n", r.places.len()));
        for p in &r.places {
            out.push_str(&format!("  - {}\n", place(p)));
        }
        out.push_str(&format!(
            "- Entered history: {}\n",
            r.first_commit
                .as_ref()
                .map_or("never committed".to_string(), commit_full)
        ));
        if let Some(left) = &r.departure {
            out.push_str(&format!("- Left HEAD: {}\n", commit_full(left)));
        }
        if let Some(home) = r.home_text() {
            out.push_str(&format!("- Must live in: {}\n", md(&home)));
        }
        out.push_str("- Next steps:\n");
        for (i, step) in r.next_steps().iter().enumerate() {
            out.push_str(&format!("  {}. {}\n", i + 1, prose(step)));
        }
        out.push('\n');
    }
}

fn env(out: &mut String, inventory: &Inventory) {
    out.push_str("## Environment separation\n\n");
    if inventory.env.is_empty() {
        out.push_str("No env files were found in what was read.\n\n");
        return;
    }
    for matrix in &inventory.env {
        let dir = if matrix.dir.is_empty() {
            "the scanned root".to_string()
        } else {
            md(&matrix.dir)
        };
        out.push_str(&format!("### Env files in {dir}\n\n| Variable |"));
        for column in &matrix.environments {
            out.push_str(&format!(" {} |", md(&column.environment)));
        }
        out.push_str("\n|---|");
        for _ in &matrix.environments {
            out.push_str("---|");
        }
        out.push('\n');
        for row in &matrix.variables {
            out.push_str(&format!("| {} |", md(&row.name)));
            for cell in &row.cells {
                let words = cell.state.as_str().replace('-', " ");
                if cell.checks.is_empty() {
                    out.push_str(&format!(" {words} |"));
                } else {
                    let checks: Vec<String> = cell.checks.iter().map(|c| md(c)).collect();
                    out.push_str(&format!(" {words} ({}) |", checks.join(", ")));
                }
            }
            out.push('\n');
        }
        out.push_str("\nFiles: ");
        let files: Vec<String> = matrix
            .environments
            .iter()
            .map(|c| {
                let names: Vec<String> = c.files.iter().map(|f| md(f)).collect();
                format!("{} = {}", md(&c.environment), names.join(", "))
            })
            .collect();
        out.push_str(&files.join("; "));
        out.push_str(".\n\n");
    }
}

fn timeline(out: &mut String, audit: &Audit) {
    out.push_str("## When secrets entered and left history\n\n");
    let entered: Vec<&Risk> = audit
        .credentials()
        .filter(|r| r.first_commit.is_some())
        .collect();
    if entered.is_empty() {
        out.push_str("No secret was found in git history.\n\n");
        return;
    }
    out.push_str("| # | Secret | Entered history | Left HEAD |\n|---:|---|---|---|\n");
    for r in entered {
        let left = super::left_head(r, &MARKUP);
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            r.rank,
            name(r),
            r.first_commit
                .as_ref()
                .map(commit_brief)
                .unwrap_or_default(),
            left
        ));
    }
    out.push('\n');
}

fn bundles(out: &mut String, audit: &Audit, inventory: &Inventory) {
    out.push_str("## Client bundles: what ships to browsers\n\n");
    if inventory.bundles.is_empty() {
        out.push_str("No build output folder was found in what was read.\n\n");
    } else {
        out.push_str(
            "| Folder | Ships to | Files read | Size | Source maps |\n|---|---|---:|---:|---:|\n",
        );
        for b in &inventory.bundles {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                md(&b.path),
                super::ships_to(b.client),
                b.files,
                human_bytes(b.bytes),
                b.source_maps
            ));
        }
        out.push('\n');
    }
    let shipped: Vec<&Risk> = audit.risks().iter().filter(|r| r.in_bundle).collect();
    if shipped.is_empty() {
        out.push_str("No finding is in a client bundle.\n\n");
        return;
    }
    for r in shipped {
        let places: Vec<String> = r.places.iter().filter(|p| p.bundle).map(place).collect();
        out.push_str(&format!(
            "- **{}.** {}: {}\n",
            r.rank,
            name(r),
            places.join(", ")
        ));
    }
    out.push('\n');
}

fn coverage(out: &mut String, audit: &Audit, report: &Report<'_>) {
    out.push_str("## What was read, and what was not\n\n");
    let stats = report.stats;
    if audit.complete() {
        out.push_str("Everything the audit was asked to read was read.\n\n");
    } else {
        let unread = unread(stats);
        out.push_str(&format!(
            "**Not everything was read**{}, so the verdict cannot be SHIP.\n\n",
            if unread.is_empty() {
                String::new()
            } else {
                format!(": {}", md(&super::list(&unread)))
            }
        ));
    }
    out.push_str("| What | Count | Why it matters |\n|---|---:|---|\n");
    for (what, count, why) in super::file_counts(stats) {
        out.push_str(&format!("| {what} | {count} | {} |\n", md(why)));
    }
    out.push('\n');
    match &stats.history {
        Some(h) => out.push_str(&format!(
            "Git history ({} mode): {} commits, {} unique blobs, {} messages read. {}\n\n",
            md(h.mode),
            h.commits,
            h.blobs_scanned,
            h.messages_scanned,
            if h.truncated {
                "**History is truncated** at a shallow clone's boundary."
            } else {
                "History is complete."
            }
        )),
        None => out.push_str("Git history was not read.\n\n"),
    }
    let accepted: usize = audit.suppressed().values().sum();
    if accepted > 0 {
        let kinds: Vec<String> = audit
            .suppressed()
            .iter()
            .map(|(kind, n)| format!("{n} by {}", md(kind)))
            .collect();
        out.push_str(&format!(
            "{} not counted ({}).\n\n",
            super::counted(accepted, "accepted finding is", "accepted findings are"),
            kinds.join(", ")
        ));
    }
    if !stats.warnings.is_empty() {
        out.push_str("Warnings:\n\n");
        for w in &stats.warnings {
            out.push_str(&format!("- {}\n", md(w)));
        }
        if stats.warnings_dropped > 0 {
            out.push_str(&format!("- and {} more not kept\n", stats.warnings_dropped));
        }
        out.push('\n');
    }
}

fn handover(out: &mut String, audit: &Audit) {
    out.push_str("## Handover checklist\n\n");
    if audit.credentials().next().is_none() {
        out.push_str("No credential was found: nothing to hand over or rotate.\n");
    }
    for r in audit.credentials() {
        let (rotate, why) = r.rotate();
        out.push_str(&format!(
            "- [ ] **{}.** {}, fingerprint {}. Must live in: {}. Rotate: **{}**, {}.\n",
            r.rank,
            name(r),
            md(r.short_fingerprint()),
            md(&r.home_text().unwrap_or_default()),
            if rotate { "yes" } else { "no" },
            md(why)
        ));
    }
    launch_handover(out, audit);
}

/// The launch configuration to fix before launch (`leakgate checklist` lists every item).
fn launch_handover(out: &mut String, audit: &Audit) {
    if audit.launch_problems().next().is_none() {
        return;
    }
    out.push_str(
        "\nLaunch configuration to fix before launch (`leakgate checklist` lists every item):\n\n",
    );
    for r in audit.launch_problems() {
        let at = r
            .places
            .first()
            .map(|p| format!("{}:{}", p.path, p.line))
            .unwrap_or_default();
        out.push_str(&format!(
            "- [ ] **{}.** {} (`{}`) at {}, fingerprint {}.\n",
            r.rank,
            md(&r.rule.name),
            md(&r.rule.id),
            md(&at),
            md(r.short_fingerprint())
        ));
    }
}
