//! The env files of each folder as a matrix, for the release audit: every variable any file of
//! the folder sets (rows) by the environments the folder configures (columns), each cell saying
//! in one word what that environment's files make of the variable, with the checks that fired
//! on it there.
//!
//! Built from the same parsed files the checks read and from the findings they emitted, never
//! from a second judgement: a cell is a shared value because `env-shared-secret` said so, a
//! test key because `env-test-key-in-production` did. A finding is tied to a variable by the
//! variables the check itself recorded for it ([`Sink::variables`]: the entry it is reported
//! on, and for a shared secret the entries in the other environments), not by its line, so a
//! finding about a whole file (shown at line 1) never lands on a variable that happens to be
//! there. Findings accepted inline count too: a cell states what the files hold; whether a
//! finding is accepted is the risk list's business.
//!
//! A cell describes a value and never holds one.
//!
//! [`Sink::variables`]: super::rules::Sink::variables

use super::classify::Environment;
use super::project::EnvFile;
use super::rules::EnvRule;
use crate::finding::Finding;
use crate::inventory::{CellState, EnvCell, EnvColumn, EnvMatrix, EnvRow};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One matrix per folder holding env files, in path order. `variables[i]` are the variables
/// `findings[i]` is about, as (relative path, line of the key).
pub fn matrices(
    files: &[EnvFile],
    findings: &[Finding],
    variables: &[Vec<(String, usize)>],
) -> Vec<EnvMatrix> {
    let mut checks_at: HashMap<(&str, usize), BTreeSet<&str>> = HashMap::new();
    for (finding, about) in findings.iter().zip(variables) {
        for (relative, line) in about {
            checks_at
                .entry((relative.as_str(), *line))
                .or_default()
                .insert(finding.rule.id.as_str());
        }
    }
    let mut folders: BTreeMap<&str, Vec<&EnvFile>> = BTreeMap::new();
    for file in files {
        let dir = file.shown.rsplit_once('/').map_or("", |(dir, _)| dir);
        folders.entry(dir).or_default().push(file);
    }
    folders
        .into_iter()
        .map(|(dir, files)| matrix(dir, &files, &checks_at))
        .collect()
}

fn matrix(
    dir: &str,
    files: &[&EnvFile],
    checks_at: &HashMap<(&str, usize), BTreeSet<&str>>,
) -> EnvMatrix {
    // `Environment`'s order is the columns' order: local/development, test, staging,
    // production, template.
    let mut by_environment: BTreeMap<Environment, Vec<&EnvFile>> = BTreeMap::new();
    for file in files {
        by_environment
            .entry(file.environment)
            .or_default()
            .push(file);
    }
    let names: BTreeSet<&str> = files
        .iter()
        .flat_map(|f| f.dotenv.entries.iter().map(|e| e.key.as_str()))
        .collect();
    let environments = by_environment
        .iter()
        .map(|(environment, files)| {
            let mut shown: Vec<String> = files.iter().map(|f| f.shown.clone()).collect();
            shown.sort();
            EnvColumn {
                environment: environment.as_str().to_string(),
                files: shown,
            }
        })
        .collect();
    let variables = names
        .into_iter()
        .map(|name| EnvRow {
            name: name.to_string(),
            cells: by_environment
                .values()
                .map(|files| cell(name, files, checks_at))
                .collect(),
        })
        .collect();
    EnvMatrix {
        dir: dir.to_string(),
        environments,
        variables,
    }
}

/// What one environment's files make of the variable `name`, by the precedence documented on
/// [`CellState`]: a shared value, a test key, a dev endpoint, then set or empty.
fn cell(
    name: &str,
    files: &[&EnvFile],
    checks_at: &HashMap<(&str, usize), BTreeSet<&str>>,
) -> EnvCell {
    let mut checks: BTreeSet<&str> = BTreeSet::new();
    let mut entries = 0;
    let mut any_value = false;
    for file in files {
        for entry in file.dotenv.entries.iter().filter(|e| e.key == name) {
            entries += 1;
            any_value |= !entry.value.trim().is_empty();
            if let Some(fired) = checks_at.get(&(file.relative.as_str(), entry.line)) {
                checks.extend(fired);
            }
        }
    }
    let fired = |rule: EnvRule| checks.contains(rule.id());
    let state = if entries == 0 {
        CellState::Missing
    } else if fired(EnvRule::SharedSecret) {
        CellState::SharedValue
    } else if fired(EnvRule::TestKeyInProduction) {
        CellState::TestKey
    } else if fired(EnvRule::DevEndpointInProduction) {
        CellState::DevEndpoint
    } else if any_value {
        CellState::Set
    } else {
        CellState::Empty
    };
    EnvCell {
        state,
        checks: checks.into_iter().map(str::to_string).collect(),
    }
}
