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

/// One category's line of `rules list --stats`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryStats {
    pub name: &'static str,
    pub providers: usize,
    pub rules: usize,
    /// Generated samples of the category's rules that a scan found, of `samples`.
    pub found: usize,
    pub samples: usize,
}

impl CategoryStats {
    pub fn named(name: &'static str) -> CategoryStats {
        CategoryStats {
            name,
            providers: 0,
            rules: 0,
            found: 0,
            samples: 0,
        }
    }
}

fn percent(found: usize, samples: usize) -> String {
    match samples {
        0 => "-".to_string(),
        _ => format!("{:.1}%", 100.0 * found as f64 / samples as f64),
    }
}

/// Writes the categories and a total line to stdout. `providers` is the number of distinct
/// providers overall (a provider can have rules in two categories); `syntaxes` names the ways
/// the corpus writes each example.
pub fn write_category_stats(
    rows: &[CategoryStats],
    providers: usize,
    syntaxes: &[&str],
) -> std::io::Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    writeln!(
        out,
        "{:<34} {:>9} {:>6} {:>15} {:>7}",
        "category", "providers", "rules", "samples found", "recall"
    )?;
    for row in rows {
        writeln!(
            out,
            "{:<34} {:>9} {:>6} {:>15} {:>7}",
            row.name,
            row.providers,
            row.rules,
            format!("{}/{}", row.found, row.samples),
            percent(row.found, row.samples)
        )?;
    }
    let rules: usize = rows.iter().map(|r| r.rules).sum();
    let found: usize = rows.iter().map(|r| r.found).sum();
    let samples: usize = rows.iter().map(|r| r.samples).sum();
    writeln!(
        out,
        "{:<34} {:>9} {:>6} {:>15} {:>7}",
        "total",
        providers,
        rules,
        format!("{found}/{samples}"),
        percent(found, samples)
    )?;
    writeln!(
        out,
        "recall: the rules' examples written {} ways ({}), each scanned as its kind of file",
        syntaxes.len(),
        syntaxes.join(", ")
    )?;
    out.flush()
}

/// One rule or check as `rules show` prints it. A secret rule's examples arrive already
/// redacted (`cmd` finds the secret in each with the engine and redacts it through
/// [`super::redact`]); a check's examples are code, shown as they are, each with the path
/// that decides how it is read.
#[derive(Debug, serde::Serialize)]
pub struct RuleDetail {
    pub id: String,
    /// `rule` (a secret rule) or `check` (a repository check).
    pub kind: &'static str,
    pub name: String,
    pub severity: Severity,
    /// A secret rule's: what its examples are judged (validated, likely, possible), and its
    /// offline check if it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<String>,
    pub tags: Vec<String>,
    pub description: String,
    /// How a secret rule matches (absent for checks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matching: Option<Matching>,
    pub examples: ShownExamples,
}

/// What a secret rule looks for: its keywords and the regex it runs, whether written in the
/// rule or built by the context grammar, and the other half it pairs with.
#[derive(Debug, serde::Serialize)]
pub struct Matching {
    pub keywords: Vec<String>,
    pub regex: String,
    /// The rule's `context:` in words, when the regex was built from it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// The rule's `pair:` in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pair: Option<String>,
}

/// What a rule reports (`fires`) and what it must not (`quiet`).
#[derive(Debug, Default, serde::Serialize)]
pub struct ShownExamples {
    pub fires: Vec<ShownExample>,
    pub quiet: Vec<ShownExample>,
}

#[derive(Debug, serde::Serialize)]
pub struct ShownExample {
    /// Where a check's example lives (it decides how the file is read); `None` for a rule's.
    pub path: Option<String>,
    pub text: String,
}

/// Writes one rule's detail to stdout, as plain text or JSON.
pub fn write_rule_detail(detail: &RuleDetail, json: bool) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if json {
        serde_json::to_writer_pretty(&mut out, detail)?;
        writeln!(out)?;
        out.flush()?;
        return Ok(());
    }
    writeln!(out, "{} ({})", detail.id, detail.kind)?;
    writeln!(out, "name:        {}", detail.name)?;
    let ceiling = if detail.kind == "check" {
        " (the highest it reports; a case may be lower)"
    } else {
        ""
    };
    writeln!(out, "severity:    {}{ceiling}", detail.severity.as_str())?;
    if let Some(confidence) = &detail.confidence {
        writeln!(out, "confidence:  {confidence}")?;
    }
    writeln!(out, "tags:        {}", detail.tags.join(", "))?;
    writeln!(out)?;
    writeln!(out, "{}", detail.description.trim_end())?;
    if let Some(m) = &detail.matching {
        writeln!(out)?;
        writeln!(out, "keywords:    {}", m.keywords.join(", "))?;
        if let Some(context) = &m.context {
            writeln!(out, "context:     {context}")?;
            writeln!(out, "regex:       (built by the context grammar)")?;
        } else {
            writeln!(out, "regex:")?;
        }
        writeln!(out, "  {}", m.regex)?;
        if let Some(pair) = &m.pair {
            writeln!(out, "pair:        {pair}")?;
        }
    }
    for (heading, examples) in [
        ("Reported", &detail.examples.fires),
        ("Not reported", &detail.examples.quiet),
    ] {
        if examples.is_empty() {
            continue;
        }
        writeln!(out)?;
        writeln!(out, "{heading}:")?;
        for example in examples {
            match &example.path {
                Some(path) => writeln!(out, "  --- {path}")?,
                None => writeln!(out, "  ---")?,
            }
            for line in example.text.lines() {
                writeln!(out, "  {line}")?;
            }
        }
    }
    out.flush()?;
    Ok(())
}
