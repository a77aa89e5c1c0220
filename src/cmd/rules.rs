//! `leakgate rules list` and `leakgate rules check`: see what is compiled in, and let users
//! prove their own rules the same way the built-ins are proven.

use super::{EXIT_CLEAN, EXIT_ERROR};
use crate::cli::RulesCommand;
use crate::engine::check_examples;
use crate::rules::RuleSet;
use anyhow::Result;
use std::io::Write;
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
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for rule in set.rules() {
        let marker = if rule.spec.publishable {
            " (publishable)"
        } else {
            ""
        };
        writeln!(
            out,
            "{:<40} {:<8} {}{marker}",
            rule.id(),
            rule.severity().as_str(),
            rule.spec.name
        )?;
    }
    // Repository checks are not regex rules, but users disable and look them up by the same ids.
    for check in crate::checks::all() {
        writeln!(
            out,
            "{:<40} {:<8} {} (check; severity depends on the case)",
            check.id,
            check.severity.as_str(),
            check.name
        )?;
    }
    writeln!(
        out,
        "{} rules, {} checks",
        set.len(),
        crate::checks::all().count()
    )?;
    out.flush()?;
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
            eprintln!("leakgate: error: {e}");
            problems += 1;
            continue;
        }
        checked += set.len();
        for p in check_examples(Arc::new(set)) {
            eprintln!(
                "leakgate: error: {}: rule `{}`: {}",
                p.origin, p.rule, p.message
            );
            problems += 1;
        }
    }
    if problems > 0 {
        eprintln!("{problems} problem(s) found");
        return Ok(EXIT_ERROR);
    }
    println!("ok: {checked} rules, all examples behave");
    Ok(EXIT_CLEAN)
}
