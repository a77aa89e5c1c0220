//! Test-only helpers for the property tests inside the crate (`proptest!` next to the readers
//! the library does not export): the built-in matcher, built once, tokens made from providers'
//! documented formats, and text that cannot be part of a token.

use super::{AllowList, Matcher, RuleInfos};
use crate::rules::{RuleSet, base62_checksum};
use proptest::prelude::*;
use std::sync::{Arc, OnceLock};

/// The built-in rules' matcher and rule metadata.
pub(crate) fn builtin() -> &'static (Matcher, RuleInfos) {
    static BUILT: OnceLock<(Matcher, RuleInfos)> = OnceLock::new();
    BUILT.get_or_init(|| {
        let rules = Arc::new(RuleSet::builtin().expect("built-in rules load"));
        let matcher = Matcher::new(rules, AllowList::default());
        let infos = RuleInfos::new(&matcher);
        (matcher, infos)
    })
}

/// `cases` cases, or `PROPTEST_CASES` when it is set (to run longer).
pub(crate) fn cases(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

/// A provider token in its documented format, and the rule that must report it.
pub(crate) fn token() -> impl Strategy<Value = (String, &'static str)> {
    prop_oneof![
        "[0-9A-Za-z]{30}".prop_map(|r| {
            let check = base62_checksum(r.as_bytes());
            (format!("ghp_{r}{check}"), "github-pat-classic")
        }),
        "[A-Z2-7]{16}".prop_map(|r| (format!("AKIA{r}"), "aws-access-key-id")),
        "[0-9A-Za-z]{24,40}".prop_map(|r| (format!("sk_live_{r}"), "stripe-secret-key-live")),
        "[0-9A-Za-z_-]{20,40}".prop_map(|r| (format!("glpat-{r}"), "gitlab-pat")),
    ]
    .prop_filter("a real-looking token, not a run of one letter", |(t, _)| {
        crate::engine::shannon(t.as_bytes()) > 3.5
    })
}

/// Text that cannot be part of a token: anything but ASCII letters, digits and the characters
/// tokens are made of (every other Unicode character, controls, line ends, RTL and zero-width
/// marks).
pub(crate) fn surroundings() -> impl Strategy<Value = String> {
    "[^0-9A-Za-z_.+/=-]{0,200}"
}

/// What a finding says, to compare two ways of reading the same bytes: rule, secret and place
/// (line, column, end line, end column).
pub(crate) fn said(
    findings: &[crate::finding::Finding],
) -> Vec<(String, String, usize, usize, usize, usize)> {
    findings
        .iter()
        .map(|f| {
            let l = &f.location;
            (
                f.rule.id.clone(),
                f.secret.clone(),
                l.line,
                l.column,
                l.end_line,
                l.end_column,
            )
        })
        .collect()
}
