//! The JSON report. Its shape is a public interface: `schema_version` changes when a field is
//! removed or changes meaning; new fields may be added at any time.

use super::Report;
use crate::finding::{CommitInfo, Confidence, Finding, Severity, Suppression, VcsInfo};
use crate::stats::{HistoryStats, Shard, Skipped};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;

pub const SCHEMA_VERSION: u32 = 1;

/// The report document, for [`write`] and for documents that extend it (the audit's JSON adds
/// keys beside these, so every reader of the report reads it too).
#[derive(Serialize)]
pub(super) struct JsonReport<'a> {
    schema_version: u32,
    tool: Tool,
    findings: Vec<JsonFinding<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressed: Option<Vec<JsonFinding<'a>>>,
    summary: Summary<'a>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    rule_name: &'a str,
    severity: Severity,
    path: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    preview: String,
    fingerprint: &'a str,
    entropy: Option<f32>,
    /// How sure the match is to be a real credential: validated, likely or possible.
    confidence: Confidence,
    publishable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    commit: Option<&'a CommitInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    in_head: Option<bool>,
    /// The git blob a history finding was found in.
    #[serde(skip_serializing_if = "Option::is_none")]
    blob: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressed_by: Option<Suppression>,
    advice: &'a str,
    /// Other rules' verdicts on the same value, folded into this finding.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    also: Vec<JsonAlso<'a>>,
    /// Only in a git-ignored, never-committed file: reported, does not fail the gate.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    local_only: bool,
    /// Shard reports only: what `leakgate merge` needs to fold shards as one scan folds blobs.
    #[serde(skip_serializing_if = "Option::is_none")]
    origin: Option<super::origin::OriginDoc>,
}

#[derive(Serialize)]
struct JsonAlso<'a> {
    rule: &'a str,
    rule_name: &'a str,
    severity: Severity,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
    fingerprint: &'a str,
    advice: &'a str,
}

#[derive(Serialize)]
struct Summary<'a> {
    files_scanned: u64,
    bytes_scanned: u64,
    skipped: &'a Skipped,
    findings: BTreeMap<&'static str, usize>,
    total_findings: usize,
    failing_findings: usize,
    suppressed: usize,
    fail_on: Severity,
    complete: bool,
    elapsed_ms: u128,
    warnings: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    history: Option<&'a HistoryStats>,
    /// `--shard I/N`: this report covers only that shard (`leakgate merge` combines them).
    #[serde(skip_serializing_if = "Option::is_none")]
    shard: Option<Shard>,
    /// Shard reports only: the repositories scanned, so `merge` tells one's shards from
    /// another's.
    #[serde(skip_serializing_if = "Option::is_none")]
    repositories: Option<&'a [VcsInfo]>,
}

pub fn write(report: &Report<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &document(report))?;
    writeln!(out)
}

/// The report as a serialisable document.
pub(super) fn document<'a>(report: &'a Report<'_>) -> JsonReport<'a> {
    let findings = report.active().map(|f| json_finding(report, f)).collect();
    // A shard report always lists its suppressed findings: `merge` keeps them.
    let suppressed = (report.options.show_suppressed || report.stats.shard.is_some()).then(|| {
        report
            .suppressed()
            .map(|f| json_finding(report, f))
            .collect()
    });
    let stats = report.stats;
    JsonReport {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "leakgate",
            version: env!("CARGO_PKG_VERSION"),
        },
        findings,
        suppressed,
        summary: Summary {
            files_scanned: stats.files_scanned,
            bytes_scanned: stats.bytes_scanned,
            skipped: &stats.skipped,
            findings: Severity::ALL
                .iter()
                .map(|&s| (s.as_str(), report.count(s)))
                .collect(),
            total_findings: report.active().count(),
            failing_findings: report.failing(),
            suppressed: report.suppressed().count(),
            fail_on: report.options.fail_on,
            complete: stats.complete(),
            elapsed_ms: report.elapsed.as_millis(),
            warnings: &stats.warnings,
            history: stats.history.as_ref(),
            shard: stats.shard,
            repositories: stats.shard.map(|_| stats.vcs.as_slice()),
        },
    }
}

fn json_finding<'a>(report: &Report<'_>, f: &'a Finding) -> JsonFinding<'a> {
    JsonFinding {
        rule: &f.rule.id,
        rule_name: &f.rule.name,
        severity: f.severity,
        path: &f.location.path,
        line: f.location.line,
        column: f.location.column,
        end_line: f.location.end_line,
        end_column: f.location.end_column,
        preview: report.preview(f),
        fingerprint: &f.fingerprint,
        entropy: f.entropy.map(|e| (e * 1000.0).round() / 1000.0),
        confidence: f.confidence,
        publishable: f.publishable,
        message: f.message.as_deref(),
        commit: f.commit.as_ref(),
        in_head: f.in_head,
        blob: f.blob.as_deref(),
        suppressed_by: f.suppressed,
        advice: &f.rule.description,
        also: f
            .also
            .iter()
            .map(|a| JsonAlso {
                rule: &a.rule.id,
                rule_name: &a.rule.name,
                severity: a.severity,
                message: a.message.as_deref(),
                fingerprint: &a.fingerprint,
                advice: &a.rule.description,
            })
            .collect(),
        local_only: f.local_only,
        origin: report
            .stats
            .shard
            .and_then(|_| super::origin::OriginDoc::of(f)),
    }
}
