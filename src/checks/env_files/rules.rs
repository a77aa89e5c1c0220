//! The env checks as rules: stable ids, plain-English names, advice that says what to do, and
//! a default severity (individual findings may be lower or higher; the message says why).
//! Also the one place that turns a check's verdict into a [`Finding`], so every env finding
//! has the same shape: the key's line, a message, and a fingerprint that never hashes a value
//! unless the finding carries that value as its secret.

use super::dotenv::Entry;
use crate::checks::{self, Check, Switches};
use crate::finding::{Finding, Location, Severity, Suppression, fingerprint};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EnvRule {
    CommittedRealFile,
    NotIgnored,
    SharedSecret,
    LiveKeyOutsideProduction,
    TestKeyInProduction,
    DevEndpointInProduction,
    InsecureProductionSetting,
    SecretInTemplate,
    Drift,
    ClientExposedSecret,
}

impl EnvRule {
    pub const ALL: [EnvRule; 10] = [
        EnvRule::CommittedRealFile,
        EnvRule::NotIgnored,
        EnvRule::SharedSecret,
        EnvRule::LiveKeyOutsideProduction,
        EnvRule::TestKeyInProduction,
        EnvRule::DevEndpointInProduction,
        EnvRule::InsecureProductionSetting,
        EnvRule::SecretInTemplate,
        EnvRule::Drift,
        EnvRule::ClientExposedSecret,
    ];

    /// This rule's entry in [`CHECKS`].
    pub fn check(self) -> &'static Check {
        &CHECKS[self as usize]
    }

    pub fn id(self) -> &'static str {
        self.check().id
    }

    pub fn from_id(id: &str) -> Option<EnvRule> {
        EnvRule::ALL.into_iter().find(|r| r.id() == id)
    }

    /// Whether this rule judges a variable's value (a credential where it should not be), so
    /// a secret rule's match on the same value is the same problem and one finding. The
    /// others judge a file, a host or a name: problems of their own.
    pub fn is_about_value(self) -> bool {
        matches!(
            self,
            EnvRule::SharedSecret
                | EnvRule::LiveKeyOutsideProduction
                | EnvRule::TestKeyInProduction
                | EnvRule::SecretInTemplate
                | EnvRule::ClientExposedSecret
        )
    }
}

/// What each env check reports, in [`EnvRule::ALL`] order.
pub const CHECKS: [Check; 10] = [
    Check {
        id: "env-committed-real-file",
        name: "Real env file tracked by git",
        severity: Severity::Critical,
        description: "An env file with real configuration is tracked by git, so every clone has its \
                 values. Untrack it with `git rm --cached <file>`, add it to .gitignore and \
                 commit; then rotate every secret it held, because deleting the file does not \
                 remove it from history.",
        tags: &["env", "config"],
    },
    Check {
        id: "env-not-ignored",
        name: "Env file not ignored by git",
        severity: Severity::High,
        description: "No .gitignore matches this env file, so `git add .` or `git commit -a` will \
                 publish it. Add a pattern such as `.env*` to .gitignore, with `!.env.example` \
                 to keep the template tracked.",
        tags: &["env", "config"],
    },
    Check {
        id: "env-shared-secret",
        name: "Same secret in several environments",
        severity: Severity::High,
        description: "The same credential is configured for two environments, so a leak of the less \
                 protected one (a laptop, CI, staging) opens the other. Issue a separate \
                 credential per environment and rotate the shared one.",
        tags: &["env", "config"],
    },
    Check {
        id: "env-live-key-outside-production",
        name: "Production credential outside production",
        severity: Severity::Critical,
        description: "A live credential or a production data store appears in a local, test or \
                 staging env file, so development and testing act on real money and real data. \
                 Replace it with a test-mode key or a non-production host, and rotate the live \
                 credential if the file was ever shared.",
        tags: &["env", "config"],
    },
    Check {
        id: "env-test-key-in-production",
        name: "Test or sandbox credential in production",
        severity: Severity::High,
        description: "Production is configured with a test-mode key, a sandbox host or a test mode, \
                 so payments and API calls will not reach the live service. Replace it with the \
                 live value from your secret store.",
        tags: &["env", "config"],
    },
    Check {
        id: "env-dev-endpoint-in-production",
        name: "Development endpoint in a deployed environment",
        severity: Severity::Medium,
        description: "A production or staging variable points at a developer machine, a private or \
                 internal address, or a host named for another environment. Replace it with the \
                 host that environment should reach; if production really runs inside that \
                 private network, disable this rule for the file's values.",
        tags: &["env", "config"],
    },
    Check {
        id: "env-insecure-production-setting",
        name: "Insecure setting in a deployed environment",
        severity: Severity::High,
        description: "A production or staging env file turns on debugging or development mode, turns \
                 off TLS verification or authentication, allows any CORS origin or host, or \
                 sends session cookies without `Secure`. Set the production value named in the \
                 message.",
        tags: &["env", "config"],
    },
    Check {
        id: "env-secret-in-template",
        name: "Real-looking value in an env template",
        severity: Severity::High,
        description: "Env templates (.env.example and friends) are committed and copied by every \
                 developer, so they must hold placeholders. Replace the value with a placeholder \
                 or leave it empty, and rotate it if it is a real credential.",
        tags: &["env", "config"],
    },
    Check {
        id: "env-drift",
        name: "Env variable missing or misnamed",
        severity: Severity::Medium,
        description: "A variable is in the template but not set for an environment, set for \
                 production or staging but missing from the template, or spelt differently \
                 (the \"works locally, fails in production\" bug). Add the variable or fix its \
                 name so the template and every environment agree.",
        tags: &["env", "config"],
    },
    Check {
        id: "env-client-exposed-secret",
        name: "Secret in a browser-exposed variable",
        severity: Severity::Critical,
        description: "Variables with a public prefix (NEXT_PUBLIC_, VITE_, REACT_APP_, EXPO_PUBLIC_, \
                 NUXT_PUBLIC_, PUBLIC_, GATSBY_, VUE_APP_) are inlined into the JavaScript sent \
                 to every visitor. Move the secret to a variable without the prefix, use it only \
                 on the server, and rotate it if it was ever built into a bundle.",
        tags: &["env", "config"],
    },
];

/// The fingerprint of `env-committed-real-file` for the file at `relative` (to the scanned
/// root, which is the repository's top in every scan that reads history). The working-tree
/// check and the history step both use it, so a baselined "committed env file" stays accepted
/// after `git rm` (when only history still holds it) and whatever the roots of the scan were.
pub fn committed_file_fingerprint(relative: &str) -> String {
    fingerprint(
        EnvRule::CommittedRealFile.id(),
        format!("{relative}\0{COMMITTED_CASE}").as_bytes(),
    )
}

/// The case string of `env-committed-real-file` verdicts (see [`committed_file_fingerprint`]).
pub const COMMITTED_CASE: &str = "tracked";

/// One step less severe: staging gets the production verdict, softened.
pub fn lower(severity: Severity) -> Severity {
    match severity {
        Severity::Critical => Severity::High,
        Severity::High => Severity::Medium,
        Severity::Medium => Severity::Low,
        Severity::Low | Severity::Info => Severity::Info,
    }
}

/// Where a finding is reported: a file as shown to the user, and its path relative to the
/// scanned root (the stable part of a fingerprint).
pub struct Place<'a> {
    pub shown: &'a str,
    pub relative: &'a str,
    /// Entry lines a `leakgate:allow` comment accepts.
    pub allowed_lines: &'a std::collections::HashSet<usize>,
}

/// Collects env findings; drops those of rules the configuration disabled.
pub struct Sink<'a> {
    switches: &'a Switches,
    pub findings: Vec<Finding>,
    /// For each finding (same order), the files it is about (relative paths): where it is
    /// reported and every other file the verdict compared it with. A scan that reports only
    /// what some files changed keeps the findings that involve one of them.
    pub involved: Vec<Vec<String>>,
    /// For each finding (same order), the variables it is about as (relative path, line of
    /// the key): the entry it is reported on and, for a shared secret, the entries holding the
    /// same value in the other environments; none for a finding about a whole file. Recorded
    /// by the check that knows them, so the env matrix never guesses a variable from a line.
    pub variables: Vec<Vec<(String, usize)>>,
}

impl<'a> Sink<'a> {
    pub fn new(switches: &'a Switches) -> Sink<'a> {
        Sink {
            switches,
            findings: Vec::new(),
            involved: Vec::new(),
            variables: Vec::new(),
        }
    }

    /// A finding on a variable: at its key's line and column.
    pub fn at_entry(&mut self, verdict: Verdict, place: &Place<'_>, entry: &Entry) {
        self.at_entry_among(verdict, place, entry, &[]);
    }

    /// A finding on a variable that a comparison with `others` (relative paths) found.
    pub fn at_entry_among(
        &mut self,
        verdict: Verdict,
        place: &Place<'_>,
        entry: &Entry,
        others: &[&str],
    ) {
        self.on_entry(verdict, place, entry, others, Vec::new());
    }

    /// A finding on a variable whose value the variables `sharing` (relative path, line of
    /// the key) in other files hold too: it is about each of them.
    pub fn at_entry_sharing(
        &mut self,
        verdict: Verdict,
        place: &Place<'_>,
        entry: &Entry,
        sharing: &[(&str, usize)],
    ) {
        let others: Vec<&str> = sharing.iter().map(|&(relative, _)| relative).collect();
        let also = sharing
            .iter()
            .map(|&(relative, line)| (relative.to_string(), line))
            .collect();
        self.on_entry(verdict, place, entry, &others, also);
    }

    /// A finding on `entry` (at its key's line and column), compared with `others`, about the
    /// entry's variable and the variables in `also`.
    fn on_entry(
        &mut self,
        verdict: Verdict,
        place: &Place<'_>,
        entry: &Entry,
        others: &[&str],
        also: Vec<(String, usize)>,
    ) {
        let location = Location {
            path: place.shown.to_string(),
            line: entry.line,
            column: entry.column,
            end_line: entry.line,
            end_column: entry.column + entry.key.chars().count(),
        };
        let allowed = place.allowed_lines.contains(&entry.line);
        let mut variables = vec![(place.relative.to_string(), entry.line)];
        variables.extend(also);
        if let Some(finding) = self.push(verdict, place, location, others, variables) {
            finding.suppressed = allowed.then_some(Suppression::Inline);
        }
    }

    /// A finding on a whole file: at its first line.
    pub fn at_file(&mut self, verdict: Verdict, place: &Place<'_>) {
        let location = Location::file_start(place.shown);
        self.push(verdict, place, location, &[], Vec::new());
    }

    /// Records the finding (returned, to be marked further) unless its rule is off.
    fn push(
        &mut self,
        verdict: Verdict,
        place: &Place<'_>,
        location: Location,
        others: &[&str],
        variables: Vec<(String, usize)>,
    ) -> Option<&mut Finding> {
        if !self.switches.is_on(verdict.rule.id()) {
            return None;
        }
        let mut involved = vec![place.relative.to_string()];
        involved.extend(others.iter().map(|o| o.to_string()));
        self.involved.push(involved);
        self.variables.push(variables);
        let id = verdict.rule.id();
        let fingerprint = match &verdict.secret {
            Some(secret) => fingerprint(id, secret.as_bytes()),
            None => fingerprint(
                id,
                format!("{}\0{}", place.relative, verdict.case).as_bytes(),
            ),
        };
        let mut finding = Finding::new(
            checks::info(verdict.rule.id()),
            verdict.severity,
            location,
            fingerprint,
        );
        finding.secret = verdict.secret.unwrap_or_default();
        finding.message = Some(verdict.message);
        self.findings.push(finding);
        self.findings.last_mut()
    }
}

/// What a check concluded about one place.
pub struct Verdict {
    pub rule: EnvRule,
    pub severity: Severity,
    pub message: String,
    /// The offending value, when the finding is about a value worth redacting and fingerprinting.
    pub secret: Option<String>,
    /// A stable description of the case (key name, host, ...) for the fingerprint.
    pub case: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_stable_and_round_trip() {
        let ids: std::collections::HashSet<&str> = EnvRule::ALL.iter().map(|r| r.id()).collect();
        assert_eq!(ids.len(), EnvRule::ALL.len());
        for rule in EnvRule::ALL {
            assert!(rule.id().starts_with("env-"));
            assert_eq!(EnvRule::from_id(rule.id()), Some(rule));
        }
    }

    #[test]
    fn every_description_says_what_to_do() {
        for rule in EnvRule::ALL {
            let d = rule.check().description.to_ascii_lowercase();
            assert!(
                ["rotate", "add", "replace", "set", "move", "untrack"]
                    .iter()
                    .any(|w| d.contains(w)),
                "{}",
                rule.id()
            );
        }
    }
}
