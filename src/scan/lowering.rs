//! Secret findings in test fixtures, examples, samples, docs and translations are lowered, not
//! dropped: at most [`CEILING`], with the message saying where the finding is and what it was.
//!
//! Why here, in `scan`, and not in `engine::place`: the decision is purely path-based, but it
//! must be the same for every source (the working-tree walk, history at the path it found a
//! blob under, archive entries, standard input, the bundle check's secret findings), and the
//! vocabulary lives in `checks::common::path_class`, which the engine may not import. One step
//! after the findings are collected, before env verdicts are folded in (so an env check's own
//! severity is not lowered with the secret's) and before suppressions, sees them all once.
//!
//! Why a ceiling of `medium` and not "one level down": third-party code's made-up keys sit in
//! exactly these files (test certificates, README connection strings, `.env.example`), and a
//! critical one lowered to high would still fail a `--fail-on high` gate, which is the gate for
//! "only what is likely live". The default gate fails on `low`, so a real key pasted in a
//! fixture still fails it: lowering changes ranking and what `--fail-on high` sees, never
//! silences the default gate. A finding whose rule checked its structure offline (a checksum,
//! a CRC) is not lowered: such a token is very likely real wherever it is.

use crate::checks::common::path_class::{self, PathClass};
use crate::engine::Matcher;
use crate::finding::{Confidence, Finding, Severity};
use std::collections::HashSet;

/// The highest severity a secret finding in a test fixture, example, doc or translation keeps.
pub const CEILING: Severity = Severity::Medium;

/// Lowers the secret rules' findings in `findings` whose path is of a [`PathClass`] to at most
/// [`CEILING`], saying why in the message. Findings of checks (env files, bundles, launch) keep
/// their severity: each check decides for itself what a path means.
pub fn lower_by_path(findings: &mut [Finding], matcher: &Matcher) {
    let secret_rules: HashSet<&str> = matcher.rules().rules().iter().map(|r| r.id()).collect();
    for finding in findings {
        if !secret_rules.contains(finding.rule.id.as_str())
            // The token's structure held an offline check: very likely real wherever it is.
            || finding.confidence == Confidence::Validated
            || finding.severity <= CEILING
        {
            continue;
        }
        if let Some(class) = path_class::classify(&finding.location.path) {
            lower(finding, class);
        }
    }
}

/// Caps `finding` at [`CEILING`] and appends "In a test fixture: lowered from critical." to
/// its message.
fn lower(finding: &mut Finding, class: PathClass) {
    let note = format!(
        "{}: lowered from {}.",
        capitalised(class.place()),
        finding.severity
    );
    finding.severity = CEILING;
    finding.note(&note, None);
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::AllowList;
    use crate::finding::{Location, RuleInfo};
    use crate::rules::RuleSet;
    use std::sync::Arc;

    fn matcher() -> Matcher {
        let rules = Arc::new(RuleSet::builtin().expect("built-in rules load"));
        Matcher::new(rules, AllowList::default())
    }

    fn finding(rule: &str, severity: Severity, path: &str, message: Option<&str>) -> Finding {
        let mut f = Finding::new(
            RuleInfo::for_test(rule, severity),
            severity,
            Location::file_start(path),
            format!("fp-{rule}-{path}"),
        );
        f.message = message.map(str::to_string);
        f
    }

    fn validated(mut f: Finding) -> Finding {
        f.confidence = Confidence::Validated;
        f
    }

    /// A rule with an offline check that only reads the token (an AWS key id has no checksum)
    /// does not make its findings validated: they are lowered like any other.
    #[test]
    fn only_a_validated_finding_keeps_its_severity_not_every_checked_rule() {
        let matcher = matcher();
        let mut findings = [finding(
            "aws-access-key-id",
            Severity::High,
            "tests/fixtures/creds.txt",
            None,
        )];
        assert!(
            matcher
                .rules()
                .rules()
                .iter()
                .any(|r| r.id() == "aws-access-key-id" && r.spec.validate.is_some()),
            "the case names a checked rule"
        );
        lower_by_path(&mut findings, &matcher);
        assert_eq!(findings[0].severity, Severity::Medium);
    }

    #[test]
    fn secret_findings_in_fixtures_docs_examples_and_translations_are_lowered_and_say_why() {
        let matcher = matcher();
        let cases = [
            (
                "tests/fixtures/db.yml",
                "In a test fixture: lowered from critical.",
            ),
            ("README.md", "In documentation: lowered from critical."),
            (
                ".env.example",
                "In an example or sample: lowered from critical.",
            ),
            (
                "locales/fr.json",
                "In a translation file: lowered from critical.",
            ),
            (
                "history/old.zip!docs/setup.rst",
                "In documentation: lowered from critical.",
            ),
        ];
        for (path, note) in cases {
            let mut findings = [finding(
                "postgres-url-password",
                Severity::Critical,
                path,
                None,
            )];
            lower_by_path(&mut findings, &matcher);
            assert_eq!(findings[0].severity, Severity::Medium, "{path}");
            assert_eq!(findings[0].message.as_deref(), Some(note), "{path}");
        }
    }

    #[test]
    fn shipped_code_validated_tokens_checks_and_low_findings_keep_their_severity() {
        let matcher = matcher();
        let mut findings = [
            // Code that ships.
            finding(
                "postgres-url-password",
                Severity::Critical,
                "src/db.ts",
                None,
            ),
            // A checksum-validated token is very likely real wherever it is.
            validated(finding(
                "github-pat-classic",
                Severity::Critical,
                "tests/fixtures/ci.yml",
                None,
            )),
            // A check decides for itself what a path means.
            finding("env-committed-real-file", Severity::High, "docs/.env", None),
            // Already at or below the ceiling: nothing to lower, nothing to say.
            finding("postgres-url-password", Severity::Low, "README.md", None),
            finding("jwt", Severity::Medium, "test/token.js", None),
        ];
        let before: Vec<(Severity, Option<String>)> = findings
            .iter()
            .map(|f| (f.severity, f.message.clone()))
            .collect();
        lower_by_path(&mut findings, &matcher);
        let after: Vec<(Severity, Option<String>)> = findings
            .iter()
            .map(|f| (f.severity, f.message.clone()))
            .collect();
        assert_eq!(after, before);
        assert!(
            matcher
                .rules()
                .rules()
                .iter()
                .any(|r| r.id() == "github-pat-classic"),
            "the validated case names a real rule"
        );
    }

    #[test]
    fn a_message_of_its_own_is_kept_before_the_note() {
        let matcher = matcher();
        let mut findings = [
            finding(
                "postgres-url-password",
                Severity::High,
                "docs/a.md",
                Some("Also x"),
            ),
            finding(
                "postgres-url-password",
                Severity::High,
                "docs/b.md",
                Some("Said so. "),
            ),
        ];
        lower_by_path(&mut findings, &matcher);
        assert_eq!(
            findings[0].message.as_deref(),
            Some("Also x. In documentation: lowered from high.")
        );
        assert_eq!(
            findings[1].message.as_deref(),
            Some("Said so. In documentation: lowered from high.")
        );
    }
}
