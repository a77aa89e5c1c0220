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

#[cfg(test)]
mod tests {
    use super::super::{Checked, EnvScan, EnvSettings, SecretScope, run};
    use crate::checks::Switches;
    use crate::config::Config;
    use crate::finding::fingerprint;
    use crate::inventory::EnvMatrix;
    use crate::source::fixture::write;
    use std::path::Path;

    /// A made-up value in a key's shape, different per run (never a real credential).
    fn random(name: &str, len: usize) -> String {
        let seed = format!("{name}-{}", std::process::id());
        let hex = fingerprint("matrix-test", seed.as_bytes());
        // Letters and digits both, so the value reads as a key.
        hex.chars()
            .take(len)
            .enumerate()
            .map(|(i, c)| {
                if i % 3 == 0 {
                    c.to_ascii_uppercase()
                } else {
                    c
                }
            })
            .collect()
    }

    fn check(root: &Path, matrix: bool) -> Checked {
        let (matcher, infos) = crate::engine::testing::builtin();
        let settings = EnvSettings::from_config(&Config::default(), Switches::default())
            .expect("the default config is valid");
        let scan = EnvScan {
            root,
            display_root: None,
            settings: &settings,
            exclude: &[],
            threads: 1,
            max_file_size: 1 << 20,
            secrets: SecretScope::AllEnvFiles,
            verbose: false,
            matrix,
        };
        run(&scan, matcher, infos).expect("the env check runs")
    }

    /// A matrix as text: the folder and its columns, then one line per variable with each
    /// cell's state and, in brackets, the checks that fired there.
    fn table(matrix: &EnvMatrix) -> Vec<String> {
        let columns: Vec<String> = matrix
            .environments
            .iter()
            .map(|c| format!("{} {}", c.environment, c.files.join(",")))
            .collect();
        let mut out = vec![format!("[{}] {}", matrix.dir, columns.join(" | "))];
        for row in &matrix.variables {
            let cells: Vec<String> = row
                .cells
                .iter()
                .map(|c| match c.checks.is_empty() {
                    true => c.state.as_str().to_string(),
                    false => format!("{} ({})", c.state.as_str(), c.checks.join(" ")),
                })
                .collect();
            out.push(format!("{}: {}", row.name, cells.join(" | ")));
        }
        out
    }

    #[test]
    fn each_folder_is_a_matrix_of_what_its_environments_make_of_each_variable() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let shared = random("shared", 32);
        // A test key shared by two environments: both a shared value and a test key in
        // production, and a shared value wins.
        let shared_test_key = format!("sk_test_{}", random("shared test key", 24));
        // The first line of each real file is an entry: the file-level findings about it
        // (no .gitignore covers it) are at line 1 and must not land on that variable.
        write(
            d,
            ".env",
            format!(
                "FIRST=1\nSESSION_SECRET={shared}\nSTRIPE_SECRET_KEY=sk_test_{}\n\
                 API_URL=http://localhost:3000\nONLY_LOCAL=yes\nPAYMENTS_KEY={shared_test_key}\n",
                random("dev test key", 24)
            ),
        );
        write(
            d,
            ".env.production",
            format!(
                "FIRST=1\nSESSION_SECRET={shared}\nSTRIPE_SECRET_KEY=sk_test_{}\n\
                 API_URL=http://localhost:3000\nFEATURE_FLAG=\nPAYMENTS_KEY={shared_test_key}\n",
                random("production test key", 24)
            ),
        );
        write(
            d,
            ".env.staging",
            "API_URL=https://api.staging.example.com\n",
        );
        write(
            d,
            ".env.example",
            "FIRST=\nSESSION_SECRET=\nSTRIPE_SECRET_KEY=\nAPI_URL=\nFEATURE_FLAG=\n",
        );
        write(
            d,
            "apps/web/.env.test",
            "# a comment\nNEXT_PUBLIC_SITE=http://localhost\n",
        );
        let checked = check(d, true);
        let file_level: Vec<(&str, usize)> = checked
            .findings
            .iter()
            .filter(|f| f.rule.id == "env-not-ignored")
            .map(|f| (f.location.path.as_str(), f.location.line))
            .collect();
        assert!(file_level.contains(&(".env", 1)), "{file_level:?}");
        assert!(
            file_level.contains(&(".env.production", 1)),
            "{file_level:?}"
        );
        let tables: Vec<Vec<String>> = checked.matrix.iter().map(table).collect();
        let expected = [
            vec![
                "[] local/development .env | staging .env.staging | production .env.production \
                 | template .env.example",
                // A variable an environment lacks is drift, reported on the template's entry
                // (apps/web's test file is described by this template too, and lacks them all).
                "API_URL: set | set | dev-endpoint (env-dev-endpoint-in-production) \
                 | empty (env-drift)",
                "FEATURE_FLAG: missing | missing | empty | empty (env-drift)",
                "FIRST: set | missing | set | empty (env-drift)",
                "ONLY_LOCAL: set | missing | missing | missing",
                // Not in the template: drift in production, which is deployed.
                "PAYMENTS_KEY: shared-value (env-shared-secret) | missing | shared-value \
                 (env-drift env-shared-secret env-test-key-in-production) | missing",
                // Reported once, on production's entry; the development entry shares it.
                "SESSION_SECRET: shared-value (env-shared-secret) | missing \
                 | shared-value (env-shared-secret) | empty (env-drift)",
                "STRIPE_SECRET_KEY: set | missing | test-key (env-test-key-in-production) \
                 | empty (env-drift)",
            ],
            vec![
                "[apps/web] test apps/web/.env.test",
                "NEXT_PUBLIC_SITE: set",
            ],
        ];
        assert_eq!(tables, expected);
    }

    #[test]
    fn no_matrix_unless_asked() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), ".env.production", "A=1\n");
        let checked = check(dir.path(), false);
        assert!(checked.matrix.is_empty());
        assert!(!checked.findings.is_empty());
        assert_eq!(check(dir.path(), true).matrix.len(), 1);
    }
}
