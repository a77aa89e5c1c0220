//! `leakgate rules list` and `leakgate rules check`: see what is compiled in, and let users
//! prove their own rules the same way the built-ins are proven.

use super::{EXIT_CLEAN, EXIT_ERROR};
use crate::cli::RulesCommand;
use crate::engine::check_examples;
use crate::report::{
    self,
    listing::{ListedRule, write_rule_list},
};
use crate::rules::{RuleSet, read_rules_file};
use anyhow::Result;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

pub fn run(command: &RulesCommand) -> Result<u8> {
    match command {
        RulesCommand::List { extra } => list(extra),
        RulesCommand::Check { files } => check(files),
    }
}

fn list(extra: &[PathBuf]) -> Result<u8> {
    let mut set = RuleSet::builtin()?;
    for file in extra {
        set.add_file(file)?;
    }
    let mut rows: Vec<ListedRule<'_>> = set
        .rules()
        .iter()
        .map(|rule| ListedRule {
            id: rule.id(),
            severity: rule.severity(),
            name: &rule.spec.name,
            note: rule.spec.publishable.then_some("publishable"),
        })
        .collect();
    // Repository checks are not regex rules, but users disable and look them up by the same ids.
    rows.extend(crate::checks::all().map(|check| ListedRule {
        id: check.id,
        severity: check.severity,
        name: check.name,
        note: Some("check; severity depends on the case"),
    }));
    write_rule_list(&rows, set.len(), crate::checks::all().count())?;
    Ok(EXIT_CLEAN)
}

/// Checks every file completely, so one run lists every problem, one line each: a file that
/// cannot be read or parsed, each malformed or invalid rule, each id used twice (in a file,
/// across the files, or by a built-in rule, which would make `scan` refuse the file), and each
/// example that does not behave. Each file's rules are proven against that file alone.
fn check(files: &[PathBuf]) -> Result<u8> {
    let builtin = RuleSet::builtin()?;
    let mut seen: HashMap<String, String> = HashMap::new();
    let mut problems = 0usize;
    let mut checked = 0usize;
    let mut problem = |message: String| {
        report::error(&message);
        problems += 1;
    };
    for file in files {
        let origin = file.display().to_string();
        let text = match read_rules_file(file) {
            Ok(text) => text,
            Err(e) => {
                problem(e.to_string());
                continue;
            }
        };
        let mut set = RuleSet::default();
        for e in set.add_yaml_reporting_all(&origin, &text) {
            problem(e.to_string());
        }
        for rule in set.rules() {
            let id = rule.id();
            if builtin.contains(id) {
                problem(format!(
                    "{origin}: rule `{id}`: a built-in rule has this id; choose another id"
                ));
            } else if let Some(first) = seen.get(id) {
                problem(format!(
                    "{origin}: rule `{id}`: {first} already defines this id; ids must be unique"
                ));
            } else {
                seen.insert(id.to_string(), origin.clone());
            }
        }
        checked += set.len();
        for p in check_examples(Arc::new(set)) {
            problem(format!("{}: rule `{}`: {}", p.origin, p.rule, p.message));
        }
    }
    if problems > 0 {
        report::note(&format!("{problems} problem(s) found"));
        return Ok(EXIT_ERROR);
    }
    report::result_line(&format!("ok: {checked} rules, all examples behave"))?;
    Ok(EXIT_CLEAN)
}
