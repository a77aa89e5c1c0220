//! SARIF 2.1.0 for GitHub code scanning and other consumers, typed by `serde-sarif` (generated
//! from the official schema). Every rule carries the descriptions GitHub requires and a
//! `security-severity`; every result carries a stable `partialFingerprints` entry so alerts
//! follow a secret across moved lines, and only a redacted snippet. Every rule in force is
//! listed, fired or not (the caller passes them; checks a finding names are added if missing).
//! A finding that is only in git history has no region (see `report::in_current_file`): it
//! is a file-level result, located at its commit and blob by its message and properties.

use super::Report;
use crate::finding::{Finding, RuleInfo, Severity, Suppression};
use serde_json::json;
use serde_sarif::sarif::{
    self, ArtifactContent, ArtifactLocation, Invocation, Location, Message,
    MultiformatMessageString, PhysicalLocation, PropertyBag, Region, ReportingConfiguration,
    ReportingDescriptor, Run, Sarif, Tool, ToolComponent, VersionControlDetails,
};
use std::collections::{BTreeMap, HashMap};
use std::io::Write;

/// The key under which our fingerprint is published; bump the suffix if its recipe changes.
pub const FINGERPRINT_KEY: &str = "leakgateFingerprint/v1";

/// GitHub code scanning rejects a run with more results than this; we keep the most severe.
pub const MAX_RESULTS: usize = 25_000;

pub fn write(report: &Report<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    let doc = build(report);
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

fn build(report: &Report<'_>) -> Sarif {
    let mut rule_index: HashMap<&str, usize> = HashMap::new();
    let mut rules: Vec<ReportingDescriptor> = Vec::new();
    // Rules in force first, then any rule a finding names that is not in the list (checks).
    let extra = report.shown().map(|f| &f.rule);
    for info in report.rules.iter().chain(extra) {
        if !rule_index.contains_key(info.id.as_str()) {
            rule_index.insert(info.id.as_str(), rules.len());
            rules.push(descriptor(info));
        }
    }
    let mut shown: Vec<&Finding> = report.shown().collect();
    let total = shown.len();
    if total > MAX_RESULTS {
        shown.sort_by_key(|f| std::cmp::Reverse(f.severity));
        shown.truncate(MAX_RESULTS);
        super::warn(&format!(
            "SARIF: {total} results exceed GitHub's limit of {MAX_RESULTS} per run; \
             kept the {MAX_RESULTS} most severe (use --format json for all)"
        ));
    }
    let results: Vec<sarif::Result> = shown
        .iter()
        .map(|f| result(report, f, rule_index[f.rule.id.as_str()]))
        .collect();
    let mut driver = ToolComponent::builder()
        .name("leakgate")
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .version(env!("CARGO_PKG_VERSION"))
        .rules(rules)
        .build();
    let repository = env!("CARGO_PKG_REPOSITORY");
    if !repository.is_empty() {
        driver.information_uri = Some(repository.into());
    }
    let mut run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .column_kind(json!("unicodeCodePoints"))
        .build();
    // Whether the scan read everything it was asked to (an unreadable object or file, a
    // shallow clone's cut-off history): a consumer must not take a run with
    // `executionSuccessful: false` as clean.
    let mut complete = BTreeMap::new();
    complete.insert("complete".to_string(), json!(report.stats.complete()));
    run.invocations = Some(vec![
        Invocation::builder()
            .execution_successful(report.stats.complete())
            .properties(PropertyBag {
                tags: None,
                additional_properties: complete,
            })
            .build(),
    ]);
    if !report.stats.vcs.is_empty() {
        run.version_control_provenance = Some(report.stats.vcs.iter().map(provenance).collect());
    }
    let mut props = BTreeMap::new();
    if total > MAX_RESULTS {
        props.insert("truncated".to_string(), json!(true));
        props.insert("total_results".to_string(), json!(total));
    }
    if let Some(shard) = report.stats.shard {
        props.insert("shard".to_string(), json!(shard));
    }
    if !props.is_empty() {
        run.properties = Some(PropertyBag {
            tags: None,
            additional_properties: props,
        });
    }
    Sarif {
        schema: Some(sarif::SCHEMA_URL.into()),
        version: json!("2.1.0"),
        runs: vec![run],
        inline_external_properties: None,
        properties: None,
    }
}

/// Where the scanned repository lives and what was checked out (no credentials: userinfo is
/// stripped from remote URLs before it gets here).
fn provenance(vcs: &crate::finding::VcsInfo) -> VersionControlDetails {
    VersionControlDetails {
        repository_uri: vcs.repository_uri.clone(),
        revision_id: vcs.revision_id.clone(),
        branch: vcs.branch.clone(),
        mapped_to: Some(ArtifactLocation {
            uri_base_id: Some("%SRCROOT%".into()),
            ..Default::default()
        }),
        as_of_time_utc: None,
        properties: None,
        revision_tag: None,
    }
}

fn text(s: &str) -> MultiformatMessageString {
    MultiformatMessageString::builder().text(s).build()
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

fn descriptor(info: &RuleInfo) -> ReportingDescriptor {
    let mut props = BTreeMap::new();
    props.insert(
        "security-severity".to_string(),
        json!(info.severity.security_score()),
    );
    // GitHub code scanning's precision: a generic rule (a secret-looking assignment, a password
    // in any URL) is right less often than a provider's format; each result's own confidence
    // is in its `properties.confidence`.
    let generic = info.tags.iter().any(|t| t == "generic");
    props.insert(
        "precision".to_string(),
        json!(if generic { "medium" } else { "high" }),
    );
    // SARIF wants each tag once; a rule may carry `security` or `secret` itself.
    let mut tags = vec!["security".to_string(), "secret".to_string()];
    for tag in &info.tags {
        if !tags.contains(tag) {
            tags.push(tag.clone());
        }
    }
    ReportingDescriptor::builder()
        .id(info.id.clone())
        .name(pascal_case(&info.id))
        .short_description(text(&info.name))
        .full_description(text(&info.description))
        .help(
            MultiformatMessageString::builder()
                .text(info.description.clone())
                .markdown(format!("**{}**\n\n{}", info.name, info.description))
                .build(),
        )
        .default_configuration(ReportingConfiguration {
            level: Some(json!(level(info.severity))),
            ..Default::default()
        })
        .properties(PropertyBag {
            tags: Some(tags),
            additional_properties: props,
        })
        .build()
}

fn result(report: &Report<'_>, f: &Finding, index: usize) -> sarif::Result {
    let preview = report.preview(f);
    let located = super::in_current_file(f);
    let message = super::finding_sentences(f, &preview, "");
    // A finding that is not in the current file has no region: its line would point at
    // unrelated code of today's file. It stays a file-level result, located by the message and
    // the `commit`/`blob` properties.
    let region = located.then(|| Region {
        start_line: Some(f.location.line.max(1) as i64),
        start_column: Some(f.location.column.max(1) as i64),
        end_line: Some(f.location.end_line.max(f.location.line).max(1) as i64),
        end_column: Some(f.location.end_column.max(1) as i64),
        snippet: (!preview.is_empty()).then(|| ArtifactContent {
            text: Some(preview.clone()),
            ..Default::default()
        }),
        ..Default::default()
    });
    let mut fingerprints = BTreeMap::new();
    fingerprints.insert(FINGERPRINT_KEY.to_string(), f.fingerprint.clone());
    let mut props = BTreeMap::new();
    props.insert("severity".to_string(), json!(f.severity.as_str()));
    props.insert("confidence".to_string(), json!(f.confidence.as_str()));
    if f.publishable {
        props.insert("publishable".to_string(), json!(true));
    }
    if let Some(commit) = &f.commit {
        props.insert("commit".to_string(), json!(commit));
    }
    if let Some(in_head) = f.in_head {
        props.insert("in_head".to_string(), json!(in_head));
    }
    if let Some(blob) = &f.blob {
        props.insert("blob".to_string(), json!(blob));
    }
    if !f.also.is_empty() {
        let also: Vec<&str> = f.also.iter().map(|a| a.rule.id.as_str()).collect();
        props.insert("also_rules".to_string(), json!(also));
    }
    if f.local_only {
        props.insert("local_only".to_string(), json!(true));
    }
    if report.stats.shard.is_some() {
        shard_properties(f, &preview, located, &mut props);
    }
    let mut result = sarif::Result::builder()
        .rule_id(f.rule.id.clone())
        .rule_index(index as i64)
        .level(serde_sarif::sarif::ResultLevel::from_severity(f.severity))
        .message(Message {
            text: Some(message),
            ..Default::default()
        })
        .locations(vec![Location {
            physical_location: Some(PhysicalLocation {
                artifact_location: Some(artifact_location(&f.location.path)),
                region,
                ..Default::default()
            }),
            ..Default::default()
        }])
        .partial_fingerprints(fingerprints)
        .properties(PropertyBag {
            tags: None,
            additional_properties: props,
        })
        .build();
    if let Some(why) = f.suppressed {
        let kind = match why {
            Suppression::Inline => "inSource",
            Suppression::IgnoreFile | Suppression::Baseline => "external",
        };
        result.suppressions = Some(vec![
            sarif::Suppression::builder()
                .kind(json!(kind))
                .justification(why.as_str())
                .build(),
        ]);
    }
    result
}

/// What `leakgate merge` needs beyond what a SARIF result shows, in a shard report: where the
/// finding came from, its own explanation and place (a history-only result has no region),
/// its redacted preview, and each folded verdict whole.
fn shard_properties(
    f: &Finding,
    preview: &str,
    located: bool,
    props: &mut BTreeMap<String, serde_json::Value>,
) {
    if let Some(origin) = super::origin::OriginDoc::of(f) {
        props.insert("origin".to_string(), json!(origin));
    }
    if let Some(message) = &f.message {
        props.insert("message".to_string(), json!(message));
    }
    props.insert(
        "location".to_string(),
        json!({
            "line": f.location.line,
            "column": f.location.column,
            "end_line": f.location.end_line,
            "end_column": f.location.end_column,
        }),
    );
    if !located && !preview.is_empty() {
        props.insert("preview".to_string(), json!(preview));
    }
    if !f.also.is_empty() {
        let also: Vec<serde_json::Value> = f
            .also
            .iter()
            .map(|a| {
                json!({
                    "rule": a.rule.id,
                    "severity": a.severity,
                    "message": a.message,
                    "fingerprint": a.fingerprint,
                })
            })
            .collect();
        props.insert("also".to_string(), json!(also));
    }
}

trait FromSeverity {
    fn from_severity(s: Severity) -> Self;
}

impl FromSeverity for serde_sarif::sarif::ResultLevel {
    fn from_severity(s: Severity) -> Self {
        use serde_sarif::sarif::ResultLevel as L;
        match level(s) {
            "error" => L::Error,
            "warning" => L::Warning,
            _ => L::Note,
        }
    }
}

/// Where a finding is: a path relative to the scanned root (`%SRCROOT%`), or, for a file
/// outside it (several roots were scanned), an absolute `file:` URI with no base. SARIF allows
/// a base only under a relative reference, and a relative reference cannot start with `/`.
fn artifact_location(path: &str) -> ArtifactLocation {
    let slashed = path.replace('\\', "/");
    let bytes = slashed.as_bytes();
    let drive = bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && &bytes[1..3] == b":/";
    if slashed.starts_with('/') || drive {
        let root = if drive { "file:///" } else { "file://" };
        return ArtifactLocation {
            uri: Some(format!("{root}{}", encode(&slashed, b":"))),
            ..Default::default()
        };
    }
    ArtifactLocation {
        uri: Some(uri(path)),
        uri_base_id: Some("%SRCROOT%".into()),
        ..Default::default()
    }
}

/// A relative URI reference: forward slashes, percent-encoding for anything not safe in a path.
/// A `:` is encoded too, or `a:b/c` would read as a URI of scheme `a`.
fn uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    // `./`, `.//`, `.\`: a path relative to the root however spelt, never one from `/`.
    let mut path = path.as_str();
    while let Some(rest) = path.strip_prefix("./").or_else(|| path.strip_prefix('/')) {
        path = rest;
    }
    encode(path, b"")
}

/// `path` with every byte that is not safe in a URI path (or in `keep`) percent-encoded.
fn encode(path: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~!$&'()*+,;=@".contains(&b) || keep.contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn pascal_case(id: &str) -> String {
    id.split(['-', '_'])
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            match c.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_and_escaped() {
        assert_eq!(uri("./src/a b.rs"), "src/a%20b.rs");
        assert_eq!(uri("dir/ü.txt"), "dir/%C3%BC.txt");
        assert_eq!(uri("a:b/c"), "a%3Ab/c");
        assert_eq!(uri(".//a"), "a");
        assert_eq!(uri("./\\"), "");
    }

    #[test]
    fn files_outside_the_root_are_absolute_file_uris_without_a_base() {
        let outside = artifact_location("/tmp/x y/a.txt");
        assert_eq!(outside.uri.as_deref(), Some("file:///tmp/x%20y/a.txt"));
        assert_eq!(outside.uri_base_id, None);
        let windows = artifact_location("C:\\Users\\a\\.env");
        assert_eq!(windows.uri.as_deref(), Some("file:///C:/Users/a/.env"));
        let inside = artifact_location("./src/a.rs");
        assert_eq!(inside.uri.as_deref(), Some("src/a.rs"));
        assert_eq!(inside.uri_base_id.as_deref(), Some("%SRCROOT%"));
    }

    #[test]
    fn rule_tags_are_listed_once() {
        let info = RuleInfo {
            id: "x-token".into(),
            name: "X token".into(),
            description: "Revoke it.".into(),
            severity: crate::finding::Severity::High,
            tags: vec!["x".into(), "security".into(), "x".into()],
        };
        let json = serde_json::to_value(descriptor(&info)).unwrap();
        let tags = json["properties"]["tags"].as_array().unwrap();
        assert_eq!(tags.len(), 3, "{tags:?}");
    }

    #[test]
    fn a_generic_rule_has_medium_precision_and_a_provider_rule_high() {
        let precision = |tags: &[&str]| {
            let info = RuleInfo {
                id: "x-token".into(),
                name: "X token".into(),
                description: "Revoke it.".into(),
                severity: crate::finding::Severity::High,
                tags: tags.iter().map(|t| t.to_string()).collect(),
            };
            serde_json::to_value(descriptor(&info)).unwrap()["properties"]["precision"].clone()
        };
        assert_eq!(precision(&["x"]), "high");
        assert_eq!(precision(&["url", "generic"]), "medium");
    }

    #[test]
    fn rule_names_are_pascal_case() {
        assert_eq!(pascal_case("github-pat-classic"), "GithubPatClassic");
    }
}
