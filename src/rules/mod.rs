//! Rules are data: YAML files under `rules/`, embedded at build time, plus any files a user
//! names in `.leakgate.yml`. This module turns that YAML into a validated, compiled [`RuleSet`].
//!
//! Loading is strict (unknown keys, bad regexes, missing examples are errors with the file and
//! line) because a rule that silently fails to compile is a hole in the gate.

mod builtin;
mod check;
mod validate;

pub use check::{ExampleProblem, check_examples};
pub use validate::Validator;

use crate::finding::Severity;
use regex::bytes::Regex;
use serde::Deserialize;
use std::collections::HashSet;
use std::path::Path;
use thiserror::Error;

/// Default number of bytes on each side of a keyword hit that a rule's regex sees.
pub const DEFAULT_WINDOW: usize = 256;

/// Upper bound on a YAML rules file; anything larger is not a rules file.
const MAX_RULES_FILE_BYTES: usize = 4 * 1024 * 1024;

#[derive(Debug, Error)]
pub enum RuleError {
    #[error("{file}: {message}")]
    Parse { file: String, message: String },
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

/// A compiled rule, ready for the engine.
#[derive(Debug, Clone)]
pub struct Rule {
    pub spec: RuleSpec,
    pub regex: Regex,
    pub allow: Vec<Regex>,
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
    /// The rules compiled into the binary.
    pub fn builtin() -> Result<RuleSet, RuleError> {
        let mut set = RuleSet::default();
        for (name, text) in builtin::FILES {
            set.add_yaml(&format!("builtin:{name}"), text)?;
        }
        Ok(set)
    }

    /// A set of one rule, to test it in isolation.
    pub fn single(rule: Rule) -> RuleSet {
        RuleSet { rules: vec![rule] }
    }

    /// Parses and adds every rule in one YAML document.
    pub fn add_yaml(&mut self, origin: &str, text: &str) -> Result<(), RuleError> {
        for spec in parse_rules_yaml(origin, text)? {
            self.add(origin, spec)?;
        }
        Ok(())
    }

    pub fn add_file(&mut self, path: &Path) -> Result<(), RuleError> {
        let origin = path.display().to_string();
        let text = read_rules_file(path)?;
        self.add_yaml(&origin, &text)
    }

    fn add(&mut self, origin: &str, spec: RuleSpec) -> Result<(), RuleError> {
        if self.rules.iter().any(|r| r.spec.id == spec.id) {
            return Err(invalid(origin, &spec.id, "duplicate rule id"));
        }
        let rule = compile(origin, spec)?;
        self.rules.push(rule);
        Ok(())
    }

    /// Drops rules by id (from `.leakgate.yml` `disable_rules`); unknown ids are an error so a
    /// typo cannot silently leave a rule on.
    pub fn disable(&mut self, ids: &[String]) -> Result<(), String> {
        let known: HashSet<&str> = self.rules.iter().map(|r| r.id()).collect();
        if let Some(unknown) = ids.iter().find(|id| !known.contains(id.as_str())) {
            return Err(format!("disable_rules names unknown rule `{unknown}`"));
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
    let file: RuleFile = crate::yaml::from_str(text).map_err(|message| RuleError::Parse {
        file: origin.to_string(),
        message,
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

fn compile(origin: &str, spec: RuleSpec) -> Result<Rule, RuleError> {
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
    let regex = regex::bytes::RegexBuilder::new(&spec.regex)
        .size_limit(32 * 1024 * 1024)
        .build()
        .map_err(|e| {
            bad(format!(
                "regex does not compile: {}",
                one_line(&e.to_string())
            ))
        })?;
    let secret_group = regex
        .capture_names()
        .position(|n| n == Some("secret"))
        .ok_or_else(|| bad("regex has no capture group named `secret`".into()))?;
    let allow = spec
        .allow
        .iter()
        .map(|a| {
            Regex::new(a).map_err(|e| {
                bad(format!(
                    "allow regex does not compile: {}",
                    one_line(&e.to_string())
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let generic = spec.tags.iter().any(|t| t == "generic");
    Ok(Rule {
        spec,
        regex,
        allow,
        secret_group,
        generic,
        origin: origin.to_string(),
    })
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
