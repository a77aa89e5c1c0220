//! Repository-level checks over the set of files, as opposed to the per-blob secret rules:
//! each looks at several files together (env files across environments, build output) and
//! produces ordinary findings under its own ids.
//!
//! Every check has the same shape (cargo-deny's `cfg` / `diags` / `mod`): its settings type,
//! a `rules.rs` with an enum of what it reports and a [`Check`] table describing each, and a
//! `run` that reads the files and emits findings. This module is the registry: [`all`] lists
//! every check id (for `rules list`, SARIF and `disable_rules`), and [`Switches`] is the one
//! place a configuration switches checks off. `common` holds the vocabulary the checks share
//! (hosts, secret-looking names, public prefixes, dependency folders).

pub mod bundle;
pub mod common;
pub mod env_files;
pub mod launch;

use crate::finding::{RuleInfo, Severity};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, LazyLock};

/// One thing a check reports: a stable id users disable and look up, a name, the highest
/// severity it reports (findings may be lower; their message says why), advice, and tags.
#[derive(Debug)]
pub struct Check {
    pub id: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub description: &'static str,
    pub tags: &'static [&'static str],
}

/// Every check of every module, in a stable order.
pub fn all() -> impl Iterator<Item = &'static Check> {
    env_files::CHECKS
        .iter()
        .chain(bundle::CHECKS.iter())
        .chain(launch::checks())
}

/// The check with this id, if there is one.
pub fn find(id: &str) -> Option<&'static Check> {
    all().find(|c| c.id == id)
}

/// Report metadata of every check, built once per process and shared by all its findings.
static INFOS: LazyLock<HashMap<&'static str, Arc<RuleInfo>>> = LazyLock::new(|| {
    all()
        .map(|c| {
            let info = RuleInfo {
                id: c.id.to_string(),
                name: c.name.to_string(),
                description: c.description.to_string(),
                severity: c.severity,
                tags: c.tags.iter().map(|t| t.to_string()).collect(),
            };
            (c.id, Arc::new(info))
        })
        .collect()
});

/// The report metadata of the check `id` (a registered id: the checks only name their own).
pub fn info(id: &str) -> Arc<RuleInfo> {
    INFOS
        .get(id)
        .cloned()
        .expect("every check id a module reports is in its CHECKS table")
}

/// Which checks are on, from `disable_rules`: built once by `settings`, consulted by every
/// check. Ids that are not checks (secret rules, typos) are left to the rule set, which
/// refuses unknown ones.
#[derive(Debug, Clone, Default)]
pub struct Switches {
    off: HashSet<&'static str>,
}

impl Switches {
    pub fn from_disabled(ids: &[String]) -> Switches {
        Switches {
            off: ids.iter().filter_map(|id| find(id)).map(|c| c.id).collect(),
        }
    }

    pub fn is_on(&self, id: &str) -> bool {
        !self.off.contains(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_ids_are_unique_and_every_check_says_what_to_do() {
        let ids: HashSet<&str> = all().map(|c| c.id).collect();
        assert_eq!(ids.len(), all().count());
        for check in all() {
            assert!(!check.tags.is_empty(), "{}", check.id);
            let d = check.description.to_ascii_lowercase();
            assert!(
                [
                    "rotate", "add", "replace", "set", "move", "untrack", "upload", "build"
                ]
                .iter()
                .any(|w| d.contains(w)),
                "{} does not say what to do",
                check.id
            );
            assert_eq!(info(check.id).id, check.id);
        }
    }

    #[test]
    fn switches_turn_off_only_named_checks() {
        let switches = Switches::from_disabled(&["env-drift".into(), "github-pat-classic".into()]);
        assert!(!switches.is_on("env-drift"));
        assert!(switches.is_on("bundle-secret"));
        assert!(switches.is_on("github-pat-classic"));
    }
}
