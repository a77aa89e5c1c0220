//! Findings are data, not errors: every source (working tree, history, env checks, bundles)
//! produces [`Finding`]s, and one sink (`report/`) renders them. The secret itself travels with
//! the finding so `--show-secrets` and de-duplication can use it, but only `report/` decides
//! how much of it is ever printed.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use std::sync::Arc;

/// How bad a finding is. Ordered: `Info < Low < Medium < High < Critical`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// GitHub code scanning's `security-severity` score (0.0-10.0) for this level.
    pub fn security_score(self) -> &'static str {
        match self {
            Severity::Info => "0.0",
            Severity::Low => "3.0",
            Severity::Medium => "5.5",
            Severity::High => "8.0",
            Severity::Critical => "9.5",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "info" => Ok(Severity::Info),
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            other => Err(format!(
                "unknown severity `{other}` (expected critical, high, medium, low or info)"
            )),
        }
    }
}

impl Severity {
    /// `levels` steps less severe, never below `Info` (an expired token, a temporary key).
    pub fn lowered(self, levels: u8) -> Severity {
        let index = Severity::ALL
            .iter()
            .position(|&s| s == self)
            .expect("ALL lists every severity");
        Severity::ALL[(index + usize::from(levels)).min(Severity::ALL.len() - 1)]
    }
}

/// How sure leakgate is that a finding is a real credential, as opposed to how bad it would be
/// (its [`Severity`]). Ordered: `Possible < Likely < Validated`, so merged findings keep the
/// highest.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// A generic rule, or a value found only by the provider's name beside it.
    Possible,
    /// A provider rule with a distinctive prefix or format.
    Likely,
    /// The token's own structure was checked offline (checksum, CRC, decoded JWT, decoded
    /// embedded id) and holds.
    Validated,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Possible => "possible",
            Confidence::Likely => "likely",
            Confidence::Validated => "validated",
        }
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Confidence {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "possible" => Ok(Confidence::Possible),
            "likely" => Ok(Confidence::Likely),
            "validated" => Ok(Confidence::Validated),
            other => Err(format!(
                "unknown confidence `{other}` (expected validated, likely or possible)"
            )),
        }
    }
}

/// What a finding's rule is, for reports: secret rules and repository checks alike.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleInfo {
    pub id: String,
    pub name: String,
    pub description: String,
    pub severity: Severity,
    pub tags: Vec<String>,
}

#[cfg(test)]
impl RuleInfo {
    /// A rule for unit tests that need a finding of some rule: named `name of <id>`, with no
    /// description or tags.
    pub fn for_test(id: &str, severity: Severity) -> Arc<RuleInfo> {
        Arc::new(RuleInfo {
            id: id.into(),
            name: format!("name of {id}"),
            description: String::new(),
            severity,
            tags: Vec::new(),
        })
    }
}

/// A place in a file. Lines and columns are 1-based; columns count Unicode scalar values.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Default, Serialize)]
pub struct Location {
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

impl Location {
    /// The start of a file, for findings about a whole file.
    pub fn file_start(path: &str) -> Location {
        Location {
            path: path.to_string(),
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 1,
        }
    }

    /// A span between two `(line, column)` positions in a file.
    pub fn span(path: &str, start: (usize, usize), end: (usize, usize)) -> Location {
        Location {
            path: path.to_string(),
            line: start.0,
            column: start.1,
            end_line: end.0,
            end_column: end.1,
        }
    }
}

/// The commit that introduced a finding, when it was found in git history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitInfo {
    pub id: String,
    pub author_name: String,
    pub author_email: String,
    pub date: String,
    pub summary: String,
}

/// Where a scanned repository lives and what was checked out, for SARIF's
/// `versionControlProvenance`. Never holds credentials (userinfo is stripped from URLs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VcsInfo {
    pub repository_uri: String,
    pub revision_id: Option<String>,
    pub branch: Option<String>,
}

/// One thing to report.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: Arc<RuleInfo>,
    pub severity: Severity,
    pub location: Location,
    /// The matched secret (or, for checks without a secret, empty). Redacted by `report/`.
    pub secret: String,
    pub fingerprint: String,
    pub entropy: Option<f32>,
    /// How sure we are it is a real credential (see [`Confidence`]). `Likely` until the engine
    /// (or a check that knows better) says otherwise.
    pub confidence: Confidence,
    /// Publishable-by-design key (Stripe `pk_`, Firebase web key): informational only.
    pub publishable: bool,
    /// A sentence for the reader beyond the rule's name: what a check found, or what a secret
    /// rule's offline check read from the token (issuer, role, expiry, account, cipher).
    /// Never the secret or an encoding of it.
    pub message: Option<String>,
    pub commit: Option<CommitInfo>,
    /// For history findings: whether the same secret is still in `HEAD`.
    pub in_head: Option<bool>,
    /// For history findings: the git blob (the version of the file) the secret was found in,
    /// so a finding that is no longer in `HEAD` can be located at its commit and blob.
    pub blob: Option<String>,
    /// Set when a team has accepted this finding; suppressed findings never fail a scan.
    pub suppressed: Option<Suppression>,
    /// Other rules' verdicts on the same value at the same place (an env check and a secret
    /// rule on one line), folded into this finding so one problem is one finding. Its rule,
    /// fingerprint and suppression stay this finding's own; its severity is the highest.
    pub also: Vec<AlsoFound>,
    /// Found only in a file that git ignores and that was never committed (not in the index,
    /// `HEAD` or the history scanned): reported, but it does not fail the gate (the right
    /// place for a developer's own secrets), unless the configuration says it should.
    pub local_only: bool,
    /// Which source found it (the working-tree walk, history, or both folded into one), so
    /// `leakgate merge` can fold the reports of several shards the way one scan folds blobs.
    /// Written only in shard reports; `None` for checks and streams.
    pub origin: Option<Origin>,
}

/// See [`Finding::origin`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    /// Found by the working-tree walk: history's finding of the same secret at its path is
    /// folded into it.
    pub worktree: bool,
    /// Found in history (or history's finding was folded into this one).
    pub history: Option<HistoryOrigin>,
}

/// Where history found a secret: the path it was grouped by and the position of the commit
/// that introduced it in the history walk (the same walk, and so the same positions, in every
/// shard of one repository). Of several, the earliest is the one a whole scan reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryOrigin {
    pub path: String,
    /// `u32::MAX` for a blob no commit holds (only an index or a ref names it).
    pub order: u32,
}

/// Another rule's verdict folded into a [`Finding`] about the same value (see
/// [`Finding::absorb`]).
#[derive(Debug, Clone)]
pub struct AlsoFound {
    pub rule: Arc<RuleInfo>,
    pub severity: Severity,
    pub message: Option<String>,
    /// Its own fingerprint before the merge, for readers matching older reports.
    pub fingerprint: String,
}

/// Why a finding is not counted against the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Suppression {
    /// A `leakgate:allow` comment on the line or the line before.
    Inline,
    /// Its fingerprint is listed in `.leakgateignore`.
    IgnoreFile,
    /// Its fingerprint is in the baseline given with `--baseline`.
    Baseline,
}

impl Suppression {
    pub fn as_str(self) -> &'static str {
        match self {
            Suppression::Inline => "inline leakgate:allow",
            Suppression::IgnoreFile => ".leakgateignore",
            Suppression::Baseline => "baseline",
        }
    }
}

/// The stable identity of one leaked secret: the same secret under the same rule has the same
/// fingerprint in every file, line and commit, so alerts survive moved lines and renames.
pub fn fingerprint(rule_id: &str, secret: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(rule_id.as_bytes());
    hasher.update([0u8]);
    hasher.update(secret);
    hex::encode(hasher.finalize())
}

impl Finding {
    /// Whether this finding fails a run whose threshold is `fail_on`: it is not accepted
    /// (suppressed) and at least that severe. The gate and the reports count the same way.
    /// A local-only finding (see [`Finding::local_only`]) never fails.
    pub fn fails(&self, fail_on: Severity) -> bool {
        self.suppressed.is_none() && !self.local_only && self.severity >= fail_on
    }

    /// Folds `other`, a verdict on the same value at the same place, into this finding: its
    /// rule and message become an [`AlsoFound`], the severity is the higher of the two, and
    /// the message names the other rule and says what it says, so every format shows both.
    /// The confidence is the higher of the two.
    /// This finding's rule, fingerprint and suppression are kept.
    pub fn absorb(&mut self, other: Finding) {
        self.severity = self.severity.max(other.severity);
        self.confidence = self.confidence.max(other.confidence);
        if self.secret.is_empty() {
            self.secret = other.secret.clone();
        }
        let mut note = format!("Also {} [{}]", other.rule.name, other.rule.id);
        if let Some(message) = &other.message {
            note.push_str(": ");
            note.push_str(message);
        }
        self.message = Some(match self.message.take() {
            Some(own) => format!("{} {note}", sentence(&own)),
            None => note,
        });
        self.local_only &= other.local_only;
        self.also.push(AlsoFound {
            rule: other.rule,
            severity: other.severity,
            message: other.message,
            fingerprint: other.fingerprint,
        });
        self.also.extend(other.also);
    }

    /// Adds a sentence after the finding's message (a rule's verdict on the token stays first),
    /// or replaces `instead_of` where the message has it (a source restating where the secret
    /// stands).
    pub fn note(&mut self, text: &str, instead_of: Option<&str>) {
        self.message = Some(match self.message.take() {
            Some(own) => match instead_of.filter(|old| own.contains(old)) {
                Some(old) => own.replace(old, text),
                None if own.contains(text) => own,
                None => format!("{} {text}", sentence(&own)),
            },
            None => text.to_string(),
        });
    }

    /// Every rule id this finding carries: its own, then the folded ones.
    pub fn rule_ids(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.rule.id.as_str()).chain(self.also.iter().map(|a| a.rule.id.as_str()))
    }

    /// The one way a finding is made: what rule, how bad, where, and its stable identity.
    /// Everything else (the secret, a message, provenance, suppression) starts empty and is
    /// filled in by whoever knows it.
    pub fn new(
        rule: Arc<RuleInfo>,
        severity: Severity,
        location: Location,
        fingerprint: String,
    ) -> Finding {
        Finding {
            rule,
            severity,
            location,
            secret: String::new(),
            fingerprint,
            entropy: None,
            confidence: Confidence::Likely,
            publishable: false,
            message: None,
            commit: None,
            in_head: None,
            blob: None,
            suppressed: None,
            also: Vec::new(),
            local_only: false,
            origin: None,
        }
    }

    /// Every text field of this finding that comes from the repository (path, message,
    /// provenance), for redaction before any output. The destructuring names every field
    /// without `..`: a field added to `Finding`, `Location` or `CommitInfo` does not compile
    /// until it is listed here or said not to be repository text.
    pub fn repository_text_mut(&mut self) -> Vec<&mut String> {
        let Finding {
            rule: _,
            severity: _,
            location,
            secret: _,
            fingerprint: _,
            entropy: _,
            confidence: _,
            publishable: _,
            message,
            commit,
            in_head: _,
            blob: _,
            suppressed: _,
            also,
            local_only: _,
            origin,
        } = self;
        let Location {
            path,
            line: _,
            column: _,
            end_line: _,
            end_column: _,
        } = location;
        let mut fields = vec![path];
        fields.extend(message.as_mut());
        if let Some(Origin {
            worktree: _,
            history: Some(HistoryOrigin { path, order: _ }),
        }) = origin
        {
            fields.push(path);
        }
        if let Some(CommitInfo {
            id: _,
            author_name,
            author_email,
            date: _,
            summary,
        }) = commit
        {
            fields.extend([author_name, author_email, summary]);
        }
        for AlsoFound {
            rule: _,
            severity: _,
            message,
            fingerprint: _,
        } in also
        {
            fields.extend(message.as_mut());
        }
        fields
    }

    /// Order used everywhere findings are listed: by path, then position, then rule.
    pub fn sort_key(&self) -> (&str, usize, usize, &str) {
        (
            &self.location.path,
            self.location.line,
            self.location.column,
            &self.rule.id,
        )
    }

    /// Sorts a run's findings into the order every report lists them in, and drops
    /// duplicates (the same place and secret reached by two sources).
    ///
    /// Findings reach this in whatever order the scan's threads finished, so the order is
    /// total: two versions of a file can hold two secrets at the same line and column of the
    /// same rule, and without the fingerprint and provenance after [`Finding::sort_key`] a
    /// report listed them in a different order from run to run. Copies of one secret at one
    /// place sort together (so each is dropped, whatever lay between them), and the copy kept
    /// is the one that fails a gate: not accepted, not local-only, the most severe.
    pub fn list(findings: &mut Vec<Finding>) {
        findings.sort_by(|a, b| {
            a.sort_key()
                .cmp(&b.sort_key())
                .then_with(|| a.fingerprint.cmp(&b.fingerprint))
                .then_with(|| a.suppressed.is_some().cmp(&b.suppressed.is_some()))
                .then_with(|| a.local_only.cmp(&b.local_only))
                .then_with(|| b.severity.cmp(&a.severity))
                .then_with(|| {
                    let a = a.commit.as_ref().map(|c| c.id.as_str());
                    a.cmp(&b.commit.as_ref().map(|c| c.id.as_str()))
                })
                .then_with(|| a.blob.cmp(&b.blob))
                .then_with(|| a.message.cmp(&b.message))
        });
        findings.dedup_by(|a, b| a.sort_key() == b.sort_key() && a.fingerprint == b.fingerprint);
    }
}

/// `text` as a sentence: with a full stop at its end, so another can follow.
fn sentence(text: &str) -> String {
    let trimmed = text.trim_end();
    if trimmed.ends_with(['.', '!', '?']) {
        trimmed.to_string()
    } else {
        format!("{trimmed}.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowering_steps_down_and_stops_at_info() {
        assert_eq!(Severity::Critical.lowered(1), Severity::High);
        assert_eq!(Severity::High.lowered(2), Severity::Low);
        assert_eq!(Severity::Low.lowered(5), Severity::Info);
        assert_eq!(Severity::Medium.lowered(0), Severity::Medium);
    }

    #[test]
    fn a_merged_finding_keeps_the_highest_confidence() {
        let finding = |confidence| {
            let mut f = Finding::new(
                RuleInfo::for_test("r", Severity::Low),
                Severity::Low,
                Location::file_start("a"),
                "fp".into(),
            );
            f.confidence = confidence;
            f
        };
        for (a, b) in [
            (Confidence::Possible, Confidence::Validated),
            (Confidence::Validated, Confidence::Possible),
            (Confidence::Likely, Confidence::Possible),
        ] {
            let mut merged = finding(a);
            merged.absorb(finding(b));
            assert_eq!(merged.confidence, a.max(b));
        }
        assert!(Confidence::Possible < Confidence::Likely);
        assert!(Confidence::Likely < Confidence::Validated);
        assert_eq!("VALIDATED".parse(), Ok(Confidence::Validated));
    }

    /// A finding at one shared place (`a.env`, line 3, rule `r`): the case where the order
    /// threads hand findings back in used to show through.
    fn at_one_place(fingerprint: &str, commit: Option<&str>) -> Finding {
        let mut f = Finding::new(
            RuleInfo::for_test("r", Severity::High),
            Severity::High,
            Location::span("a.env", (3, 5), (3, 30)),
            fingerprint.into(),
        );
        f.commit = commit.map(|id| CommitInfo {
            id: id.into(),
            author_name: String::new(),
            author_email: String::new(),
            date: String::new(),
            summary: String::new(),
        });
        f.blob = commit.map(|id| format!("blob of {id}"));
        f
    }

    fn listed(mut findings: Vec<Finding>) -> Vec<(String, Option<String>)> {
        Finding::list(&mut findings);
        findings
            .into_iter()
            .map(|f| (f.fingerprint, f.commit.map(|c| c.id)))
            .collect()
    }

    #[test]
    fn the_list_is_the_same_in_whatever_order_the_threads_gave_it() {
        // Two secrets of two versions of one file, at the same line and column of the same
        // rule: history's threads return them in either order.
        let found = [
            at_one_place("fp-b", Some("c1")),
            at_one_place("fp-a", Some("c2")),
            at_one_place("fp-c", None),
        ];
        let first = listed(found.to_vec());
        for order in [[1, 0, 2], [2, 1, 0], [0, 2, 1], [1, 2, 0], [2, 0, 1]] {
            let shuffled = order.iter().map(|&i| found[i].clone()).collect();
            assert_eq!(listed(shuffled), first, "input order {order:?}");
        }
    }

    #[test]
    fn a_copy_is_dropped_even_with_another_secret_between_them() {
        let found = vec![
            at_one_place("fp-a", Some("c1")),
            at_one_place("fp-b", Some("c2")),
            at_one_place("fp-a", Some("c1")),
        ];
        assert_eq!(listed(found).len(), 2);
    }

    #[test]
    fn of_two_copies_the_one_that_fails_the_gate_is_kept() {
        let mut accepted = at_one_place("fp-a", None);
        accepted.suppressed = Some(Suppression::Baseline);
        let mut local = at_one_place("fp-a", None);
        local.local_only = true;
        let mut low = at_one_place("fp-a", None);
        low.severity = Severity::Low;
        for quiet in [accepted, local, low] {
            for pair in [
                vec![quiet.clone(), at_one_place("fp-a", None)],
                vec![at_one_place("fp-a", None), quiet.clone()],
            ] {
                let mut pair = pair;
                Finding::list(&mut pair);
                assert_eq!(pair.len(), 1);
                assert!(pair[0].fails(Severity::High), "kept {:?}", pair[0]);
            }
        }
    }
}
