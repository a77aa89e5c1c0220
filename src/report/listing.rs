//! `leakgate rules list`: one line per secret rule and per repository check, as a table.

use crate::finding::Severity;
use std::io::Write;

/// One row of the listing.
pub struct ListedRule<'a> {
    pub id: &'a str,
    pub severity: Severity,
    pub name: &'a str,
    /// Said after the name: `(publishable)`, `(check; severity depends on the case)`.
    pub note: Option<&'static str>,
}

/// Writes the rows and a closing count line to stdout.
pub fn write_rule_list(
    rows: &[ListedRule<'_>],
    rules: usize,
    checks: usize,
) -> std::io::Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for row in rows {
        let note = row.note.map(|n| format!(" ({n})")).unwrap_or_default();
        writeln!(
            out,
            "{:<40} {:<8} {}{note}",
            row.id,
            row.severity.as_str(),
            row.name
        )?;
    }
    writeln!(out, "{rules} rules, {checks} checks")?;
    out.flush()
}
