//! `leakgate rules list` and `leakgate rules check`: see what is compiled in, and let users
//! prove their own rules the same way the built-ins are proven.

use super::{EXIT_CLEAN, EXIT_ERROR};
use crate::cli::RulesCommand;
use crate::engine::check_examples;
use crate::report::{
    self,
    listing::{ListedRule, write_rule_list},
};
use crate::rules::RuleSet;
use anyhow::Result;
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

/// Loads each file on its own (so one broken file does not hide problems in another) and
/// runs its examples; prints one line per problem.
fn check(files: &[PathBuf]) -> Result<u8> {
    let mut problems = 0usize;
    let mut checked = 0usize;
    for file in files {
        let mut set = RuleSet::default();
        if let Err(e) = set.add_file(file) {
            report::error(&e.to_string());
            problems += 1;
            continue;
        }
        checked += set.len();
        for p in check_examples(Arc::new(set)) {
            report::error(&format!("{}: rule `{}`: {}", p.origin, p.rule, p.message));
            problems += 1;
        }
    }
    if problems > 0 {
        report::note(&format!("{problems} problem(s) found"));
        return Ok(EXIT_ERROR);
    }
    report::result_line(&format!("ok: {checked} rules, all examples behave"))?;
    Ok(EXIT_CLEAN)
}
