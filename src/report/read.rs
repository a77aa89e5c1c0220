//! Reading reports leakgate wrote (JSON, and SARIF 2.1.0), for `leakgate merge`: back into
//! findings and counters, so the combined report is rendered by the same writers as a scan's.
//!
//! Inputs are already redacted: a finding's `preview` is kept as it is (it becomes the
//! finding's text, shown as given), never widened. A shard report carries what the merge needs
//! to fold shards as one scan folds blobs (`OriginDoc`; the SARIF writer adds the finding's
//! own message and location too); other SARIF reports are read for what they show (a folded
//! rule is known by its id only, a finding's own explanation is not separate from its text).

use super::origin::OriginDoc;
use crate::finding::{
    AlsoFound, CommitInfo, Confidence, Finding, Location, RuleInfo, Severity, Suppression, VcsInfo,
};
use crate::stats::{HistoryStats, ScanStats, Shard, Skipped};
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// One report as read back.
#[derive(Debug)]
pub struct ReadReport {
    pub findings: Vec<Finding>,
    pub stats: ScanStats,
    pub tool_version: String,
    /// The threshold the report was written with (JSON only).
    pub fail_on: Option<Severity>,
    /// The rules the report lists (SARIF lists every rule in force).
    pub rules: Vec<Arc<RuleInfo>>,
}

/// Why a report could not be read; names the file, never quotes its content.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: neither a leakgate JSON report nor a leakgate SARIF 2.1.0 report")]
    NotAReport { path: String },
    #[error("{path}: a leakgate {kind} report, but {what}")]
    Malformed {
        path: String,
        kind: &'static str,
        what: String,
    },
}

/// Reads one report file: leakgate JSON or leakgate-written SARIF 2.1.0.
pub fn read_file(path: &std::path::Path) -> Result<ReadReport, ReadError> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| ReadError::Io {
        path: shown.clone(),
        source,
    })?;
    parse(&shown, &bytes)
}

/// Reads a report from its bytes; `shown` names it in errors.
pub fn parse(shown: &str, bytes: &[u8]) -> Result<ReadReport, ReadError> {
    let not_a_report = || ReadError::NotAReport {
        path: shown.to_string(),
    };
    let value: Value = serde_json::from_slice(bytes).map_err(|_| not_a_report())?;
    let malformed = |kind: &'static str, e: serde_json::Error| ReadError::Malformed {
        path: shown.to_string(),
        kind,
        // serde's message may quote a value; only where and what kind of problem is kept.
        what: format!(
            "a field has the wrong shape (line {}, column {})",
            e.line(),
            e.column()
        ),
    };
    if value.get("schema_version").is_some()
        && value.pointer("/tool/name").and_then(Value::as_str) == Some("leakgate")
    {
        let doc: JsonDoc = serde_json::from_value(value).map_err(|e| malformed("JSON", e))?;
        return Ok(doc.into_report());
    }
    if value.get("version").and_then(Value::as_str) == Some("2.1.0")
        && value.get("runs").is_some_and(Value::is_array)
    {
        let runs = value["runs"].as_array().map(Vec::as_slice).unwrap_or(&[]);
        let ours = !runs.is_empty()
            && runs.iter().all(|r| {
                r.pointer("/tool/driver/name").and_then(Value::as_str) == Some("leakgate")
            });
        if !ours {
            return Err(not_a_report());
        }
        return sarif(runs).map_err(|what| ReadError::Malformed {
            path: shown.to_string(),
            kind: "SARIF",
            what,
        });
    }
    Err(not_a_report())
}

#[derive(Deserialize)]
struct JsonDoc {
    tool: JsonTool,
    findings: Vec<JsonFinding>,
    #[serde(default)]
    suppressed: Option<Vec<JsonFinding>>,
    summary: JsonSummary,
}

#[derive(Deserialize)]
struct JsonTool {
    version: String,
}

#[derive(Deserialize)]
struct JsonFinding {
    rule: String,
    rule_name: String,
    severity: Severity,
    path: String,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    #[serde(default)]
    preview: String,
    fingerprint: String,
    #[serde(default)]
    entropy: Option<f32>,
    /// Reports written before confidence existed say nothing: `likely`, as a finding starts.
    #[serde(default = "likely")]
    confidence: Confidence,
    #[serde(default)]
    publishable: bool,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    commit: Option<CommitInfo>,
    #[serde(default)]
    in_head: Option<bool>,
    #[serde(default)]
    blob: Option<String>,
    #[serde(default)]
    suppressed_by: Option<Suppression>,
    #[serde(default)]
    advice: String,
    #[serde(default)]
    also: Vec<JsonAlso>,
    #[serde(default)]
    local_only: bool,
    #[serde(default)]
    origin: Option<OriginDoc>,
}

#[derive(Deserialize)]
struct JsonAlso {
    rule: String,
    rule_name: String,
    severity: Severity,
    #[serde(default)]
    message: Option<String>,
    fingerprint: String,
    #[serde(default)]
    advice: String,
}

#[derive(Deserialize)]
struct JsonSummary {
    #[serde(default)]
    files_scanned: u64,
    #[serde(default)]
    bytes_scanned: u64,
    #[serde(default)]
    skipped: Skipped,
    fail_on: Severity,
    complete: bool,
    #[serde(default)]
    warnings: Vec<String>,
    #[serde(default)]
    history: Option<JsonHistory>,
    #[serde(default)]
    shard: Option<Shard>,
    #[serde(default)]
    repositories: Option<Vec<VcsInfo>>,
}

#[derive(Deserialize)]
struct JsonHistory {
    mode: String,
    #[serde(default)]
    within: Option<String>,
    #[serde(default)]
    commits: u64,
    #[serde(default)]
    blobs_scanned: u64,
    #[serde(default)]
    bytes_scanned: u64,
    #[serde(default)]
    messages_scanned: u64,
    #[serde(default)]
    truncated: bool,
}

fn likely() -> Confidence {
    Confidence::Likely
}

/// One `RuleInfo` per rule id, whoever names it first.
#[derive(Default)]
struct Rules(HashMap<String, Arc<RuleInfo>>);

impl Rules {
    fn get(&mut self, id: &str, name: &str, advice: &str, severity: Severity) -> Arc<RuleInfo> {
        self.0
            .entry(id.to_string())
            .or_insert_with(|| {
                Arc::new(RuleInfo {
                    id: id.to_string(),
                    name: name.to_string(),
                    description: advice.to_string(),
                    severity,
                    tags: Vec::new(),
                })
            })
            .clone()
    }
}

/// A preview as the report gave it, with control characters made harmless.
fn shown_text(preview: &str) -> String {
    preview
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

impl JsonDoc {
    fn into_report(self) -> ReadReport {
        let mut rules = Rules::default();
        let mut findings = Vec::new();
        let all = self
            .findings
            .into_iter()
            .chain(self.suppressed.into_iter().flatten());
        for j in all {
            let rule = rules.get(&j.rule, &j.rule_name, &j.advice, j.severity);
            let location = Location::span(&j.path, (j.line, j.column), (j.end_line, j.end_column));
            let mut f = Finding::new(rule, j.severity, location, j.fingerprint);
            f.secret = shown_text(&j.preview);
            f.entropy = j.entropy;
            f.confidence = j.confidence;
            f.publishable = j.publishable;
            f.message = j.message;
            f.commit = j.commit;
            f.in_head = j.in_head;
            f.blob = j.blob;
            f.suppressed = j.suppressed_by;
            f.local_only = j.local_only;
            f.origin = j.origin.map(OriginDoc::into_origin);
            f.also = j
                .also
                .into_iter()
                .map(|a| AlsoFound {
                    rule: rules.get(&a.rule, &a.rule_name, &a.advice, a.severity),
                    severity: a.severity,
                    message: a.message,
                    fingerprint: a.fingerprint,
                })
                .collect();
            findings.push(f);
        }
        let s = self.summary;
        let mut stats = ScanStats {
            files_scanned: s.files_scanned,
            bytes_scanned: s.bytes_scanned,
            skipped: s.skipped,
            shard: s.shard,
            vcs: s.repositories.unwrap_or_default(),
            history: s.history.map(|h| HistoryStats {
                mode: history_mode(&h.mode),
                within: h.within,
                commits: h.commits,
                blobs_scanned: h.blobs_scanned,
                bytes_scanned: h.bytes_scanned,
                messages_scanned: h.messages_scanned,
                truncated: h.truncated,
                read_paths: None,
            }),
            ..ScanStats::default()
        };
        for w in s.warnings {
            stats.warn(w);
        }
        if !s.complete && stats.complete() {
            stats.incomplete_reports += 1;
        }
        ReadReport {
            findings,
            stats,
            tool_version: self.tool.version,
            fail_on: Some(s.fail_on),
            rules: rules.0.into_values().collect(),
        }
    }
}

/// The history modes a scan writes (`HistoryStats::mode` is a fixed word).
fn history_mode(mode: &str) -> &'static str {
    match mode {
        "full" => "full",
        "range" => "range",
        "staged" => "staged",
        "push" => "push",
        _ => "mixed",
    }
}

fn severity_of_score(score: &str) -> Severity {
    Severity::ALL
        .into_iter()
        .find(|s| s.security_score() == score)
        .unwrap_or(Severity::High)
}

fn text_at<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

fn number_at(v: &Value, pointer: &str) -> Option<usize> {
    v.pointer(pointer)
        .and_then(Value::as_u64)
        .and_then(|n| usize::try_from(n).ok())
}

/// A SARIF artifact URI back to the path the scan printed (the writer percent-encodes).
fn uri_path(uri: &str) -> String {
    let bytes = uri.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = uri.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn sarif(runs: &[Value]) -> Result<ReadReport, String> {
    let mut rules = Rules::default();
    let mut listed = Vec::new();
    let mut findings = Vec::new();
    let mut stats = ScanStats::default();
    let mut version = String::new();
    for run in runs {
        version = text_at(run, "/tool/driver/version")
            .unwrap_or_default()
            .to_string();
        for d in run
            .pointer("/tool/driver/rules")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let id = text_at(d, "/id").ok_or("a rule has no id")?;
            let severity =
                severity_of_score(text_at(d, "/properties/security-severity").unwrap_or_default());
            listed.push(rules.get(
                id,
                text_at(d, "/shortDescription/text").unwrap_or(id),
                text_at(d, "/fullDescription/text").unwrap_or_default(),
                severity,
            ));
        }
        for r in run
            .pointer("/results")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            findings.push(sarif_finding(r, &mut rules)?);
        }
        let complete = run
            .pointer("/invocations/0/executionSuccessful")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        if !complete {
            stats.incomplete_reports += 1;
        }
        if let Some(shard) = run.pointer("/properties/shard") {
            stats.shard =
                Some(serde_json::from_value(shard.clone()).map_err(|_| "its shard is not I/N")?);
        }
        for p in run
            .pointer("/versionControlProvenance")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(uri) = text_at(p, "/repositoryUri") {
                stats.vcs.push(VcsInfo {
                    repository_uri: uri.to_string(),
                    revision_id: text_at(p, "/revisionId").map(str::to_string),
                    branch: text_at(p, "/branch").map(str::to_string),
                });
            }
        }
    }
    Ok(ReadReport {
        findings,
        stats,
        tool_version: version,
        fail_on: None,
        rules: listed,
    })
}

fn sarif_finding(r: &Value, rules: &mut Rules) -> Result<Finding, String> {
    let rule_id = text_at(r, "/ruleId").ok_or("a result has no ruleId")?;
    let props = r.pointer("/properties").cloned().unwrap_or(Value::Null);
    let severity: Severity = props
        .get("severity")
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
        .ok_or("a result has no leakgate severity")?;
    let rule = rules.get(rule_id, rule_id, "", severity);
    let physical = r
        .pointer("/locations/0/physicalLocation")
        .ok_or("a result has no location")?;
    let path = uri_path(text_at(physical, "/artifactLocation/uri").unwrap_or_default());
    // A shard report has the finding's own place (a history-only result has no region).
    let at = |key: &str, region: &str| {
        number_at(&props, &format!("/location/{key}"))
            .or_else(|| number_at(physical, &format!("/region/{region}")))
            .unwrap_or(1)
    };
    let location = Location::span(
        &path,
        (at("line", "startLine"), at("column", "startColumn")),
        (at("end_line", "endLine"), at("end_column", "endColumn")),
    );
    // Not a JSON pointer: the key holds a `/`.
    let fingerprint = r
        .get("partialFingerprints")
        .and_then(|p| p.get(super::sarif::FINGERPRINT_KEY))
        .and_then(Value::as_str)
        .ok_or("a result has no leakgate fingerprint")?
        .to_string();
    let mut f = Finding::new(rule, severity, location, fingerprint);
    f.secret = shown_text(
        text_at(physical, "/region/snippet/text")
            .or_else(|| props.get("preview").and_then(Value::as_str))
            .unwrap_or_default(),
    );
    f.publishable = props.get("publishable").and_then(Value::as_bool) == Some(true);
    f.confidence = props
        .get("confidence")
        .and_then(Value::as_str)
        .and_then(|c| c.parse().ok())
        .unwrap_or(Confidence::Likely);
    f.message = props
        .get("message")
        .and_then(Value::as_str)
        .map(str::to_string);
    if let Some(commit) = props.get("commit") {
        f.commit = Some(
            serde_json::from_value(commit.clone()).map_err(|_| "a result's commit is malformed")?,
        );
    }
    f.in_head = props.get("in_head").and_then(Value::as_bool);
    f.blob = props
        .get("blob")
        .and_then(Value::as_str)
        .map(str::to_string);
    f.local_only = props.get("local_only").and_then(Value::as_bool) == Some(true);
    if let Some(origin) = props.get("origin") {
        let doc: OriginDoc =
            serde_json::from_value(origin.clone()).map_err(|_| "a result's origin is malformed")?;
        f.origin = Some(doc.into_origin());
    }
    f.suppressed = r
        .pointer("/suppressions/0/justification")
        .and_then(Value::as_str)
        .map(|why| {
            [
                Suppression::Inline,
                Suppression::IgnoreFile,
                Suppression::Baseline,
            ]
            .into_iter()
            .find(|s| s.as_str() == why)
            .unwrap_or(Suppression::IgnoreFile)
        });
    if let Some(also) = props.get("also").and_then(Value::as_array) {
        for a in also {
            let id = text_at(a, "/rule").ok_or("a folded rule has no id")?;
            let severity: Severity = text_at(a, "/severity")
                .and_then(|s| s.parse().ok())
                .unwrap_or(severity);
            f.also.push(AlsoFound {
                rule: rules.get(id, id, "", severity),
                severity,
                message: text_at(a, "/message").map(str::to_string),
                fingerprint: text_at(a, "/fingerprint").unwrap_or_default().to_string(),
            });
        }
    } else if let Some(ids) = props.get("also_rules").and_then(Value::as_array) {
        for id in ids.iter().filter_map(Value::as_str) {
            f.also.push(AlsoFound {
                rule: rules.get(id, id, "", severity),
                severity,
                message: None,
                fingerprint: String::new(),
            });
        }
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_documents_are_refused_by_name() {
        for bad in [
            &b"not json"[..],
            b"{}",
            b"[]",
            br#"{"schema_version":1,"tool":{"name":"gitleaks"}}"#,
            br#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"semgrep"}}}]}"#,
            br#"{"version":"2.1.0","runs":[]}"#,
        ] {
            let err = parse("r.json", bad).unwrap_err().to_string();
            assert!(err.starts_with("r.json: neither"), "{err}");
        }
        let err = parse(
            "r.json",
            br#"{"schema_version":1,"tool":{"name":"leakgate","version":"1"},"findings":3}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("wrong shape"), "{err}");
    }

    #[test]
    fn uris_decode_back_to_paths() {
        assert_eq!(uri_path("dir/%C3%BC%20x.txt"), "dir/ü x.txt");
        assert_eq!(uri_path("a%zz%"), "a%zz%");
    }
}
