//! Properties of the JSON and SARIF writers: for any finding text (control characters, paths
//! that were invalid UTF-8, huge lines, RTL and zero-width marks, `</script>`, quotes), they
//! write a document that parses back, has the shape its readers rely on, and never holds a
//! secret in full. Its strategies (`hostile`, `finding`, ...) also feed the audit's properties.

use super::{Format, Report, ReportOptions, json, sarif};
use crate::finding::{
    AlsoFound, CommitInfo, Confidence, Finding, Location, RuleInfo, Severity, Suppression,
};
use crate::stats::ScanStats;
use proptest::prelude::*;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// `cases` cases, or `PROPTEST_CASES` when it is set (to run longer).
pub(super) fn cases(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

/// Text a repository can put in a path, a commit or a message.
pub(super) fn hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "\\PC{0,40}",
        4 => "[\u{0}-\u{1f}\u{7f}-\u{9f}\u{202a}-\u{202e}\u{2066}-\u{2069}\u{200b}-\u{200f}\u{feff}\u{fffd}\u{2028}\u{2029}\"'\\\\<>/&%#?:;|`$ a-z.]{0,40}",
        1 => prop::sample::select(vec![
            "</script><script>alert(1)</script>", "]]></x>", "::error::x", "%0A%25", "\u{1b}[31mred",
            "../../etc/passwd", "C:\\Users\\a b\\.env", "a\r\nb", "-", ".", "",
        ]).prop_map(String::from),
        1 => (".{0,4}", 5_000usize..20_000).prop_map(|(s, n)| s.repeat(n / s.len().max(1))),
    ]
}

/// A secret as a matched value may be: a token, or any text (lossy bytes, line breaks).
pub(super) fn secret() -> impl Strategy<Value = String> {
    prop_oneof![
        "(ghp_|sk_live_|AKIA|xoxb-|)[0-9A-Za-z]{16,40}",
        "[\\PC\n\t\u{0}]{16,60}",
        "-----BEGIN (RSA )?PRIVATE KEY-----\n[A-Za-z0-9+/]{40}\n-----END PRIVATE KEY-----",
    ]
    .prop_filter("long enough to be a secret, and not a repeat", |s| {
        s.chars().count() >= 16 && s.chars().collect::<std::collections::BTreeSet<_>>().len() > 6
    })
}

fn rule() -> impl Strategy<Value = Arc<RuleInfo>> {
    (
        prop_oneof!["[a-z0-9-]{1,30}", hostile()],
        hostile(),
        hostile(),
        0..5usize,
        prop::collection::vec(hostile(), 0..3),
    )
        .prop_map(|(id, name, description, severity, tags)| {
            Arc::new(RuleInfo {
                id,
                name,
                description,
                severity: Severity::ALL[severity],
                tags,
            })
        })
}

pub(super) fn finding() -> impl Strategy<Value = Finding> {
    (
        (rule(), hostile(), secret(), 0..5usize, any::<[u16; 4]>()),
        (
            prop::option::of(hostile()),
            prop::option::of((hostile(), hostile(), hostile(), hostile(), hostile())),
            prop::option::of(any::<bool>()),
            prop::option::of(hostile()),
            prop::option::of(0..3usize),
            any::<(bool, bool)>(),
            any::<f32>(),
        ),
        prop::collection::vec((rule(), prop::option::of(hostile()), hostile()), 0..2),
        prop::sample::select(vec![
            Confidence::Possible,
            Confidence::Likely,
            Confidence::Validated,
        ]),
    )
        .prop_map(
            |(
                (rule, path, secret, severity, place),
                (message, commit, in_head, blob, suppressed, (publishable, local_only), entropy),
                also,
                confidence,
            )| {
                let [line, column, end_line, end_column] = place.map(usize::from);
                let location = Location::span(&path, (line, column), (end_line, end_column));
                let mut f = Finding::new(
                    rule,
                    Severity::ALL[severity],
                    location,
                    crate::finding::fingerprint("rule", secret.as_bytes()),
                );
                f.secret = secret;
                f.message = message;
                f.commit =
                    commit.map(
                        |(id, author_name, author_email, date, summary)| CommitInfo {
                            id,
                            author_name,
                            author_email,
                            date,
                            summary,
                        },
                    );
                f.in_head = in_head;
                f.blob = blob;
                f.suppressed = suppressed.map(|s| {
                    [
                        Suppression::Inline,
                        Suppression::IgnoreFile,
                        Suppression::Baseline,
                    ][s]
                });
                f.publishable = publishable;
                f.local_only = local_only;
                f.entropy = Some(entropy);
                f.confidence = confidence;
                f.also = also
                    .into_iter()
                    .map(|(rule, message, fingerprint)| AlsoFound {
                        rule,
                        severity: Severity::High,
                        message,
                        fingerprint,
                    })
                    .collect();
                f
            },
        )
}

fn written(findings: &[Finding], format: Format, show_suppressed: bool) -> Vec<u8> {
    let mut stats = ScanStats::default();
    stats.warn("a warning".into());
    let rules: Vec<Arc<RuleInfo>> = findings.iter().map(|f| f.rule.clone()).collect();
    let options = ReportOptions {
        format,
        output: None,
        fail_on: Severity::Low,
        show_secrets: false,
        show_suppressed,
    };
    let report = Report {
        findings,
        stats: &stats,
        rules: &rules,
        elapsed: Duration::from_millis(3),
        options: &options,
    };
    let mut out = Vec::new();
    match format {
        Format::Json => json::write(&report, &mut out),
        Format::Sarif => sarif::write(&report, &mut out),
        Format::Human => unreachable!("only the machine-readable formats are checked here"),
    }
    .expect("writing to memory does not fail");
    out
}

/// Every string in a JSON document, keys included.
fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(map) => {
            for (k, v) in map {
                out.push(k.clone());
                strings(v, out);
            }
        }
        _ => {}
    }
}

/// No string of the document (as a reader decodes it) and no stretch of its raw text holds a
/// secret in full.
fn assert_no_secret(doc: &Value, raw: &[u8], findings: &[Finding]) -> Result<(), TestCaseError> {
    let mut all = Vec::new();
    strings(doc, &mut all);
    let raw = String::from_utf8_lossy(raw);
    for f in findings {
        let escaped = serde_json::to_string(&f.secret).expect("a string serialises");
        let escaped = &escaped[1..escaped.len() - 1];
        prop_assert!(
            !raw.contains(escaped),
            "the secret {:?} is in the output",
            f.secret
        );
        for s in &all {
            prop_assert!(
                !s.contains(&f.secret),
                "the secret {:?} is in {s:?}",
                f.secret
            );
        }
    }
    Ok(())
}

/// A URI reference as RFC 3986 allows one (the characters it may hold; `%` only before two hex
/// digits).
fn is_uri_reference(uri: &str) -> bool {
    let bytes = uri.as_bytes();
    bytes.iter().enumerate().all(|(i, &b)| {
        b.is_ascii_alphanumeric()
            || b"/-._~!$&'()*+,;=:@?#".contains(&b)
            || (b == b'%'
                && bytes
                    .get(i + 1..i + 3)
                    .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)))
    })
}

proptest! {
    #![proptest_config(cases(48))]

    /// The JSON report parses back, lists every finding (the active ones, and the suppressed
    /// ones when asked) with its path, place, rule and fingerprint as they are, and never
    /// holds a secret in full.
    #[test]
    fn the_json_report_is_valid_and_never_holds_a_secret(
        findings in prop::collection::vec(finding(), 0..4),
        show_suppressed in any::<bool>(),
    ) {
        let out = written(&findings, Format::Json, show_suppressed);
        let doc: Value = serde_json::from_slice(&out).map_err(|e| TestCaseError::fail(format!("not JSON: {e}")))?;
        prop_assert_eq!(&doc["schema_version"], &Value::from(json::SCHEMA_VERSION));
        let mut listed: Vec<&Value> = doc["findings"].as_array().expect("findings").iter().collect();
        if show_suppressed {
            listed.extend(doc["suppressed"].as_array().expect("suppressed"));
        }
        let expected: Vec<&Finding> = findings
            .iter()
            .filter(|f| show_suppressed || f.suppressed.is_none())
            .collect();
        prop_assert_eq!(listed.len(), expected.len());
        for f in &expected {
            let l = &f.location;
            prop_assert!(
                listed.iter().any(|j| j["path"] == l.path.as_str()
                    && j["line"] == l.line
                    && j["column"] == l.column
                    && j["rule"] == f.rule.id.as_str()
                    && j["fingerprint"] == f.fingerprint.as_str()),
                "{:?} is not listed as it is", l.path
            );
        }
        assert_no_secret(&doc, &out, &findings)?;
    }

    /// The SARIF report parses back (as JSON and as SARIF 2.1.0 types), has the structure code
    /// scanning needs (every result's rule listed at its index, a relative URI, a region of
    /// positive lines, a message, a fingerprint), and never holds a secret in full.
    #[test]
    fn the_sarif_report_is_valid_and_never_holds_a_secret(
        findings in prop::collection::vec(finding(), 0..4),
        show_suppressed in any::<bool>(),
    ) {
        let out = written(&findings, Format::Sarif, show_suppressed);
        let doc: Value = serde_json::from_slice(&out).map_err(|e| TestCaseError::fail(format!("not JSON: {e}")))?;
        let typed: Result<serde_sarif::sarif::Sarif, _> = serde_json::from_slice(&out);
        prop_assert!(typed.is_ok(), "not SARIF: {:?}", typed.err());
        prop_assert_eq!(&doc["version"], "2.1.0");
        let run = &doc["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
        let results = run["results"].as_array().expect("results");
        let shown = findings.iter().filter(|f| show_suppressed || f.suppressed.is_none()).count();
        prop_assert_eq!(results.len(), shown);
        for r in results {
            let index = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
            prop_assert!(index < rules.len());
            prop_assert_eq!(&rules[index]["id"], &r["ruleId"]);
            prop_assert!(!r["message"]["text"].as_str().unwrap_or_default().is_empty());
            prop_assert!(r["partialFingerprints"].as_object().is_some_and(|p| !p.is_empty()));
            let physical = &r["locations"][0]["physicalLocation"];
            let location = &physical["artifactLocation"];
            let uri = location["uri"].as_str().expect("uri");
            prop_assert!(is_uri_reference(uri), "{uri:?}");
            if uri.starts_with("file:///") {
                // A file outside the root: an absolute URI, with no base.
                prop_assert!(location.get("uriBaseId").is_none(), "{location}");
            } else {
                // A relative reference: no leading `/`, and no `:` that would read as a scheme.
                prop_assert_eq!(&location["uriBaseId"], "%SRCROOT%");
                prop_assert!(!uri.starts_with('/'), "{uri:?}");
                prop_assert!(!uri.split('/').next().unwrap_or_default().contains(':'), "{uri:?}");
            }
            if let Some(region) = physical.get("region") {
                let start = region["startLine"].as_i64().expect("startLine");
                prop_assert!(start >= 1 && region["endLine"].as_i64().expect("endLine") >= start);
                prop_assert!(region["startColumn"].as_i64().expect("startColumn") >= 1);
            }
        }
        for rule in rules {
            prop_assert!(rule["shortDescription"]["text"].is_string());
            prop_assert!(rule["fullDescription"]["text"].is_string());
        }
        assert_no_secret(&doc, &out, &findings)?;
    }

    /// Both machine formats carry each finding's confidence, and `leakgate merge` reads it
    /// back as it was.
    #[test]
    fn the_confidence_survives_a_report_and_its_reading(
        findings in prop::collection::vec(finding(), 1..4),
    ) {
        let findings: Vec<Finding> = findings
            .into_iter()
            .map(|mut f| {
                f.suppressed = None;
                f
            })
            .collect();
        for format in [Format::Json, Format::Sarif] {
            let out = written(&findings, format, false);
            let read = super::read::parse("report", &out)
                .map_err(|e| TestCaseError::fail(format!("{format:?} does not read back: {e}")))?;
            let mut got: Vec<(String, Confidence)> = read
                .findings
                .iter()
                .map(|f| (f.fingerprint.clone(), f.confidence))
                .collect();
            let mut want: Vec<(String, Confidence)> = findings
                .iter()
                .map(|f| (f.fingerprint.clone(), f.confidence))
                .collect();
            got.sort();
            want.sort();
            prop_assert_eq!(got, want, "{:?}", format);
        }
    }
}
