//! `leakgate-audit.json`: the JSON report document as `--format json` writes it (the same
//! keys, so `leakgate merge` and every other reader of reports can read it), plus
//! `inventory` (what the scan saw besides findings) and `audit` (the verdict, its reason and
//! the ranked risks the page shows).

use super::{Audit, Exposure, Home, Place, Risk, Verdict};
use crate::finding::{CommitInfo, Confidence, Severity};
use crate::inventory::Inventory;
use crate::report::{Report, ReportOptions, json::JsonReport};
use serde::Serialize;

#[derive(Serialize)]
struct AuditReport<'a> {
    #[serde(flatten)]
    report: JsonReport<'a>,
    inventory: &'a Inventory,
    audit: AuditDoc<'a>,
}

#[derive(Serialize)]
struct AuditDoc<'a> {
    verdict: Verdict,
    reason: &'a str,
    fail_on: Severity,
    complete: bool,
    risks: Vec<RiskDoc<'a>>,
}

#[derive(Serialize)]
struct RiskDoc<'a> {
    rank: usize,
    /// The first 16 characters, as reports print it.
    fingerprint: &'a str,
    full_fingerprint: &'a str,
    rule: &'a str,
    rule_name: &'a str,
    severity: Severity,
    confidence: Confidence,
    /// What it unlocks and how to revoke it: the rule's description.
    unlocks: &'a str,
    preview: &'a str,
    secret: bool,
    publishable: bool,
    exposure: Exposure,
    in_head: bool,
    in_bundle: bool,
    fails: bool,
    places: &'a [Place],
    #[serde(skip_serializing_if = "Option::is_none")]
    first_commit: Option<&'a CommitInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    left_head: Option<&'a CommitInfo>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    also: Vec<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    messages: &'a [String],
    next_step: &'static str,
    next_steps: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    home: Option<&'a Home>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rotate: Option<bool>,
}

/// The audit's JSON document (pretty-printed, with a final line break). Secrets are shown
/// redacted whatever the report options say: an audit never shows them.
pub fn json(audit: &Audit, report: &Report<'_>, inventory: &Inventory) -> std::io::Result<Vec<u8>> {
    let options = ReportOptions {
        show_secrets: false,
        ..report.options.clone()
    };
    let report = Report {
        options: &options,
        ..*report
    };
    let doc = AuditReport {
        report: crate::report::json::document(&report),
        inventory,
        audit: AuditDoc {
            verdict: audit.verdict(),
            reason: audit.reason(),
            fail_on: audit.fail_on(),
            complete: audit.complete(),
            risks: audit.risks().iter().map(risk_doc).collect(),
        },
    };
    let mut out = serde_json::to_vec_pretty(&doc)?;
    out.push(b'\n');
    Ok(out)
}

fn risk_doc(r: &Risk) -> RiskDoc<'_> {
    RiskDoc {
        rank: r.rank,
        fingerprint: r.short_fingerprint(),
        full_fingerprint: &r.fingerprint,
        rule: &r.rule.id,
        rule_name: &r.rule.name,
        severity: r.severity,
        confidence: r.confidence,
        unlocks: &r.rule.description,
        preview: &r.preview,
        secret: r.secret,
        publishable: r.publishable,
        exposure: r.exposure,
        in_head: r.in_head,
        in_bundle: r.in_bundle,
        fails: r.fails,
        places: &r.places,
        first_commit: r.first_commit.as_ref(),
        left_head: r.departure.as_ref(),
        also: r.also.iter().map(|a| a.id.as_str()).collect(),
        messages: &r.messages,
        next_step: r.next_step_short(),
        next_steps: r.next_steps(),
        home: r.home.as_ref(),
        rotate: r.secret.then(|| r.rotate().0),
    }
}
