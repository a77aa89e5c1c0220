//! Rules are data: YAML files under `rules/`, embedded at build time, plus any files a user
//! names in `.leakgate.yml`. This module turns that YAML into a validated, compiled [`RuleSet`].
//!
//! Loading is strict (unknown keys, bad regexes, missing examples are errors with the file and
//! line) because a rule that silently fails to compile is a hole in the gate.

mod builtin;
mod validate;

pub use validate::{Validator, base62_checksum, base64url_decode, crc32};

use crate::finding::Severity;
use crate::text::one_line;
use regex::bytes::Regex;
use serde::Deserialize;
use std::collections::HashSet;
use std::path::Path;
use std::sync::OnceLock;
use thiserror::Error;

/// Default number of bytes on each side of a keyword hit that a rule's regex sees.
pub const DEFAULT_WINDOW: usize = 256;

/// Upper bound on a YAML rules file; anything larger is not a rules file.
const MAX_RULES_FILE_BYTES: usize = 4 * 1024 * 1024;

#[derive(Debug, Error)]
pub enum RuleError {
    #[error("{file}: {message}")]
    Parse { file: String, message: String },
    #[error("{file}: {source}")]
    Yaml {
        file: String,
        #[source]
        source: crate::yaml::YamlError,
    },
    #[error("disable_rules names unknown rule `{id}`")]
    UnknownRule { id: String },
    #[error("{file}: rule `{id}`: {message}")]
    Invalid {
        file: String,
        id: String,
        message: String,
    },
    #[error("{file}: cannot read: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
}

/// One rule as written in YAML. Field names are the file format: keep them stable.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub id: String,
    pub name: String,
    pub description: String,
    pub severity: Severity,
    pub keywords: Vec<String>,
    pub regex: String,
    #[serde(default)]
    pub entropy: Option<f32>,
    #[serde(default)]
    pub allow: Vec<String>,
    #[serde(default)]
    pub validate: Option<Validator>,
    #[serde(default)]
    pub publishable: bool,
    #[serde(default)]
    pub window: Option<usize>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub examples: Vec<String>,
    #[serde(default)]
    pub negative_examples: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    rules: Vec<RuleSpec>,
}

/// A validated rule, ready for the engine.
///
/// Regexes are compiled on first use: compiling all of them costs far more than the rest of
/// start-up, and a pre-commit scan of a small change only ever needs the few whose keywords
/// occur. Every pattern is parsed (syntax and the `secret` group checked) at load, and user
/// rules are also compiled at load so their errors surface at once; built-in rules are all
/// compiled by the test suite.
#[derive(Debug, Clone)]
pub struct Rule {
    pub spec: RuleSpec,
    regex: OnceLock<Regex>,
    allow: OnceLock<Vec<Regex>>,
    /// Index of the `secret` capture group in `regex`.
    pub secret_group: usize,
    /// Generic rules lose to specific ones when both match the same bytes.
    pub generic: bool,
    /// Where the rule came from (`builtin:rules/aws.yaml` or a user path), for messages.
    pub origin: String,
}

impl Rule {
    pub fn id(&self) -> &str {
        &self.spec.id
    }

    pub fn regex(&self) -> &Regex {
        self.regex.get_or_init(|| {
            build_regex(&self.spec.regex).expect("rule regexes are validated when the rule loads")
        })
    }

    pub fn allow(&self) -> &[Regex] {
        self.allow.get_or_init(|| {
            self.spec
                .allow
                .iter()
                .map(|a| build_regex(a).expect("allow regexes are validated when the rule loads"))
                .collect()
        })
    }

    pub fn window(&self) -> usize {
        self.spec.window.unwrap_or(DEFAULT_WINDOW)
    }

    /// Severity as reported: publishable-by-design keys are informational whatever the file says.
    pub fn severity(&self) -> Severity {
        if self.spec.publishable {
            Severity::Info
        } else {
            self.spec.severity
        }
    }
}

/// All rules in force for one run, in a stable order (built-ins first, then user files).
#[derive(Debug, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
}

impl RuleSet {
    /// The rules compiled into the binary (regexes compiled lazily; see [`Rule`]).
    pub fn builtin() -> Result<RuleSet, RuleError> {
        let mut set = RuleSet::default();
        for (name, text) in builtin::FILES {
            set.add_yaml_with(&format!("builtin:{name}"), text, Compile::Lazily)?;
        }
        Ok(set)
    }

    /// A set of one rule, to test it in isolation.
    pub fn single(rule: Rule) -> RuleSet {
        RuleSet { rules: vec![rule] }
    }

    /// Parses, fully compiles and adds every rule in one YAML document.
    pub fn add_yaml(&mut self, origin: &str, text: &str) -> Result<(), RuleError> {
        self.add_yaml_with(origin, text, Compile::Now)
    }

    fn add_yaml_with(&mut self, origin: &str, text: &str, when: Compile) -> Result<(), RuleError> {
        for spec in parse_rules_yaml(origin, text)? {
            if self.rules.iter().any(|r| r.spec.id == spec.id) {
                return Err(invalid(origin, &spec.id, "duplicate rule id"));
            }
            let rule = validate(origin, spec, when)?;
            self.rules.push(rule);
        }
        Ok(())
    }

    pub fn add_file(&mut self, path: &Path) -> Result<(), RuleError> {
        let origin = path.display().to_string();
        let text = read_rules_file(path)?;
        self.add_yaml(&origin, &text)
    }

    /// Drops rules by id (from `.leakgate.yml` `disable_rules`); unknown ids are an error so a
    /// typo cannot silently leave a rule on.
    pub fn disable(&mut self, ids: &[String]) -> Result<(), RuleError> {
        let known: HashSet<&str> = self.rules.iter().map(|r| r.id()).collect();
        if let Some(unknown) = ids.iter().find(|id| !known.contains(id.as_str())) {
            return Err(RuleError::UnknownRule {
                id: unknown.clone(),
            });
        }
        self.rules.retain(|r| !ids.contains(&r.spec.id));
        Ok(())
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn get(&self, index: usize) -> &Rule {
        &self.rules[index]
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

pub fn read_rules_file(path: &Path) -> Result<String, RuleError> {
    let origin = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| RuleError::Io {
        file: origin.clone(),
        source,
    })?;
    if bytes.len() > MAX_RULES_FILE_BYTES {
        return Err(RuleError::Parse {
            file: origin,
            message: format!("larger than {MAX_RULES_FILE_BYTES} bytes"),
        });
    }
    String::from_utf8(bytes).map_err(|_| RuleError::Parse {
        file: origin,
        message: "not UTF-8 text".into(),
    })
}

/// Parses rules YAML with budgets: user rules files may come from the scanned repository.
pub fn parse_rules_yaml(origin: &str, text: &str) -> Result<Vec<RuleSpec>, RuleError> {
    let file: RuleFile = crate::yaml::from_str(text).map_err(|source| RuleError::Yaml {
        file: origin.to_string(),
        source,
    })?;
    Ok(file.rules)
}

fn invalid(origin: &str, id: &str, message: impl Into<String>) -> RuleError {
    RuleError::Invalid {
        file: origin.to_string(),
        id: id.to_string(),
        message: message.into(),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Compile {
    Now,
    Lazily,
}

/// Regexes of scanned-for tokens are small; the limit keeps a hostile rules file from making
/// us build a huge automaton.
fn build_regex(pattern: &str) -> Result<Regex, regex::Error> {
    regex::bytes::RegexBuilder::new(pattern)
        .size_limit(32 * 1024 * 1024)
        .build()
}

fn validate(origin: &str, spec: RuleSpec, when: Compile) -> Result<Rule, RuleError> {
    let id = spec.id.clone();
    let bad = |m: String| invalid(origin, &id, m);
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(bad(
            "id must be non-empty kebab-case (letters, digits, `-`)".into(),
        ));
    }
    if spec.keywords.is_empty() || spec.keywords.iter().any(|k| k.trim().is_empty()) {
        return Err(bad("needs at least one non-empty keyword".into()));
    }
    if let Some(e) = spec.entropy
        && !(0.0..=8.0).contains(&e)
    {
        return Err(bad(format!("entropy {e} is outside 0..8 bits per byte")));
    }
    if spec.window == Some(0) {
        return Err(bad("window must be at least 1 byte".into()));
    }
    let secret_group = match secret_group_index(&spec.regex) {
        Ok(Some(index)) => index,
        Ok(None) => return Err(bad("regex has no capture group named `secret`".into())),
        Err(e) => return Err(bad(format!("regex does not compile: {}", one_line(&e)))),
    };
    for a in &spec.allow {
        regex_syntax::Parser::new()
            .parse(a)
            .map_err(|e| bad(format!("allow regex does not compile: {}", one_line(&e))))?;
    }
    let rule = Rule {
        generic: spec.tags.iter().any(|t| t == "generic"),
        spec,
        regex: OnceLock::new(),
        allow: OnceLock::new(),
        secret_group,
        origin: origin.to_string(),
    };
    if when == Compile::Now {
        let regex = build_regex(&rule.spec.regex)
            .map_err(|e| bad(format!("regex does not compile: {}", one_line(&e))))?;
        let allow = rule
            .spec
            .allow
            .iter()
            .map(|a| {
                build_regex(a)
                    .map_err(|e| bad(format!("allow regex does not compile: {}", one_line(&e))))
            })
            .collect::<Result<Vec<_>, _>>()?;
        rule.regex.set(regex).expect("a new rule has no regex yet");
        rule.allow
            .set(allow)
            .expect("a new rule has no allow list yet");
    }
    Ok(rule)
}

/// Parses the pattern (cheap, unlike compiling it) and finds the `secret` group's index,
/// counting groups in the same order the `regex` crate does.
fn secret_group_index(pattern: &str) -> Result<Option<usize>, Box<regex_syntax::Error>> {
    let hir = regex_syntax::Parser::new()
        .parse(pattern)
        .map_err(Box::new)?;
    let mut found = None;
    collect_group(&hir, &mut found);
    Ok(found.map(|i| i as usize))
}

fn collect_group(hir: &regex_syntax::hir::Hir, found: &mut Option<u32>) {
    use regex_syntax::hir::HirKind;
    match hir.kind() {
        HirKind::Capture(cap) => {
            if cap.name.as_deref() == Some("secret") && found.is_none() {
                *found = Some(cap.index);
            }
            collect_group(&cap.sub, found);
        }
        HirKind::Concat(subs) | HirKind::Alternation(subs) => {
            for sub in subs {
                collect_group(sub, found);
            }
        }
        HirKind::Repetition(rep) => collect_group(&rep.sub, found),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_regex_compiles_and_agrees_on_the_secret_group() {
        let rules = RuleSet::builtin().expect("built-in rules parse");
        for rule in rules.rules() {
            let regex =
                build_regex(&rule.spec.regex).unwrap_or_else(|e| panic!("{}: {e}", rule.id()));
            let by_name = regex.capture_names().position(|n| n == Some("secret"));
            assert_eq!(by_name, Some(rule.secret_group), "{}", rule.id());
            for a in &rule.spec.allow {
                build_regex(a).unwrap_or_else(|e| panic!("{} allow: {e}", rule.id()));
            }
        }
    }

    #[test]
    fn builtin_rules_say_what_to_do() {
        let rules = RuleSet::builtin().expect("built-in rules compile");
        for rule in rules.rules() {
            let d = rule.spec.description.to_ascii_lowercase();
            assert!(
                [
                    "rotate",
                    "revoke",
                    "regenerate",
                    "reset",
                    "roll",
                    "delete",
                    "replace"
                ]
                .iter()
                .any(|w| d.contains(w)),
                "{} does not say what to do",
                rule.id()
            );
            assert!(!rule.spec.tags.is_empty(), "{} has no tags", rule.id());
        }
    }

    #[test]
    fn rule_errors_name_the_rule_and_problem() {
        let mut set = RuleSet::default();
        let err = set
            .add_yaml(
                "x.yaml",
                "rules:\n  - id: a\n    name: b\n    description: c\n    severity: low\n    keywords: [k]\n    regex: '(?P<secret>k'\n",
            )
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("x.yaml") && err.contains("`a`") && err.contains("regex"),
            "{err}"
        );
    }

    #[test]
    fn disabling_an_unknown_rule_is_refused() {
        let mut set = RuleSet::builtin().expect("built-in rules compile");
        assert!(set.disable(&["nope".into()]).is_err());
    }
}
