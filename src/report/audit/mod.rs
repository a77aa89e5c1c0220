//! The release audit (`leakgate audit`): the findings and the inventory of one scan turned
//! into a decision people read — SHIP or FIX FIRST with one sentence why, and the distinct
//! risks ranked by business impact — rendered as one self-contained HTML page ([`html`]), as
//! Markdown for a pull request or a wiki ([`markdown`]), and as the JSON report it was built
//! from plus the inventory and the audit ([`json`]).
//!
//! The model is built once ([`Audit::build`]) so the three formats say the same thing.
//!
//! **One risk per secret.** Active findings (not suppressed) are grouped by the secret they
//! hold: the same key in three files and two commits is one row with five places, and a key
//! its provider's rule found in the source and `bundle-secret` found in the build output is
//! one row too (named by the provider's rule, whose fingerprint it shows, and marked as having
//! reached a bundle). An env or bundle check that reports no secret value (a drifted variable, a
//! published source map) has a fingerprint of its own and is a risk too: it is ranked with
//! the secrets and placed after secrets of equal exposure and severity, since a credential
//! that leaked outranks a configuration to fix. The env matrix shows the same checks again,
//! in context.
//!
//! **Ranking**, most urgent first:
//! 1. exposure: a risk that reached a client bundle (public to every visitor of the site),
//!    then one still in `HEAD` (the current files), then one only in git history, then one
//!    only in git-ignored, never-committed files (where a developer's own secrets belong:
//!    reported, never failing);
//! 2. severity, critical first;
//! 3. a secret before a configuration problem;
//! 4. more places first (more copies to chase, more people who saw it);
//! 5. the older first commit first (exposed longer; never committed comes last);
//! 6. rule id, then fingerprint, so the order is stable.
//!
//! **Verdict**: FIX FIRST when any active finding fails the gate (`Finding::fails` at the
//! run's `fail_on`) or the run is incomplete (`ScanStats::complete`): an audit that could not
//! read everything never says SHIP, and its sentence says what was not read. Otherwise SHIP.
//! This is the gate's decision (`cmd::gate::exit_code`), worded.
//!
//! Secrets reach text only through [`super::redact::preview`] (never shown whole, whatever
//! the report options say); repository text was redacted by the command before the build.

mod html;
mod json;
mod markdown;

pub use html::html;
pub use json::json;
pub use markdown::markdown;

use super::{Report, history_place, in_current_file, preview};
use crate::finding::{CommitInfo, Confidence, Finding, RuleInfo, Severity};
use crate::inventory::Inventory;
use crate::stats::ScanStats;
use serde::Serialize;
use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The decision the page opens with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Ship,
    FixFirst,
}

impl Verdict {
    /// The machine word (`data-verdict`, JSON): `ship` or `fix-first`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ship => "ship",
            Verdict::FixFirst => "fix-first",
        }
    }

    /// The word people read: `SHIP` or `FIX FIRST`.
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Ship => "SHIP",
            Verdict::FixFirst => "FIX FIRST",
        }
    }
}

/// How far a risk got, the ranking's first key (most exposed first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Exposure {
    /// In a client bundle: served to every visitor's browser.
    Bundle,
    /// In the current files (`HEAD`, the index or the working tree).
    Head,
    /// Only in git history: gone from the current files, still in every clone.
    History,
    /// Only in git-ignored files that were never committed.
    Local,
}

impl Exposure {
    pub fn as_str(self) -> &'static str {
        match self {
            Exposure::Bundle => "bundle",
            Exposure::Head => "head",
            Exposure::History => "history",
            Exposure::Local => "local",
        }
    }

    /// A few words for a reader.
    pub fn label(self) -> &'static str {
        match self {
            Exposure::Bundle => "reached a client bundle",
            Exposure::Head => "still in the current files",
            Exposure::History => "only in git history",
            Exposure::Local => "only in ignored local files",
        }
    }
}

/// Where a credential must live once it is rotated (the handover checklist).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Home {
    /// A secret store (the CI's or host's encrypted secrets, a vault), read by server code.
    SecretStore,
    /// The deployed environment's own configuration on the host (its environment variables),
    /// for a value an env file of that environment held.
    HostConfig { environment: String },
    /// Publishable by design: public build configuration, restricted at the provider.
    PublicConfig,
    /// A developer's own git-ignored env file, where it already is.
    LocalFile,
}

/// One place a risk was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Place {
    /// As reports show paths; an archive entry is `outer.zip!inner/.env`.
    pub path: String,
    pub line: usize,
    pub column: usize,
    /// Where in history, when the place is not in the current files
    /// (`commit 0123456789ab, blob 89abcdef0123`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<String>,
    /// In the current files (not only in history, not a local-only file).
    pub current: bool,
    /// Inside an archive.
    pub archive: bool,
    /// Inside a client bundle folder, or reported by a bundle check.
    pub bundle: bool,
    /// In a git-ignored file that was never committed.
    pub local_only: bool,
}

/// One distinct risk: every active finding with one fingerprint.
#[derive(Debug, Clone)]
pub struct Risk {
    /// 1-based, in ranking order.
    pub rank: usize,
    /// The full fingerprint; reports show its first 16 characters ([`short_fingerprint`]).
    pub fingerprint: String,
    pub rule: Arc<RuleInfo>,
    /// The highest of its findings.
    pub severity: Severity,
    /// The highest of its findings (validated, likely, possible).
    pub confidence: Confidence,
    /// The redacted secret (`report::redact::preview`), empty for a check without a value.
    pub preview: String,
    /// A secret value (a credential), as opposed to a configuration problem.
    pub secret: bool,
    pub publishable: bool,
    pub exposure: Exposure,
    /// Some place is in the current files.
    pub in_head: bool,
    /// Some place is in a client bundle.
    pub in_bundle: bool,
    /// Some finding fails the gate at the run's `fail_on`.
    pub fails: bool,
    /// Current places first, then by path and position; each once.
    pub places: Vec<Place>,
    /// The earliest commit any of its findings was introduced in.
    pub first_commit: Option<CommitInfo>,
    /// When it left `HEAD` (`Inventory::departures`), for a risk only in history.
    pub departure: Option<CommitInfo>,
    /// Other rules' verdicts folded into its findings, each once.
    pub also: Vec<Arc<RuleInfo>>,
    /// The findings' own sentences, each once.
    pub messages: Vec<String>,
    /// Where the credential must live; `None` for a configuration problem.
    pub home: Option<Home>,
}

/// The audit of one run: the verdict, why, and the ranked risks.
#[derive(Debug, Clone)]
pub struct Audit {
    verdict: Verdict,
    reason: String,
    risks: Vec<Risk>,
    fail_on: Severity,
    complete: bool,
    suppressed: BTreeMap<&'static str, usize>,
}

impl Audit {
    /// Groups, ranks and decides (see the module documentation).
    pub fn build(report: &Report<'_>, inventory: &Inventory) -> Audit {
        let fail_on = report.options.fail_on;
        let mut groups: BTreeMap<Identity<'_>, Vec<&Finding>> = BTreeMap::new();
        for f in report.active() {
            groups.entry(Identity::of(f)).or_default().push(f);
        }
        let mut risks: Vec<Risk> = groups
            .into_values()
            .map(|findings| risk(&findings, inventory, fail_on))
            .collect();
        risks.sort_by_cached_key(|r| {
            (
                r.exposure,
                Reverse(r.severity),
                !r.secret,
                Reverse(r.places.len()),
                r.first_commit
                    .as_ref()
                    .and_then(|c| timestamp(&c.date))
                    .unwrap_or(i64::MAX),
                r.rule.id.clone(),
                r.fingerprint.clone(),
            )
        });
        for (i, r) in risks.iter_mut().enumerate() {
            r.rank = i + 1;
        }
        let mut suppressed = BTreeMap::new();
        for f in report.suppressed() {
            if let Some(s) = f.suppressed {
                *suppressed.entry(s.as_str()).or_default() += 1;
            }
        }
        let complete = report.stats.complete();
        let verdict = if risks.iter().any(|r| r.fails) || !complete {
            Verdict::FixFirst
        } else {
            Verdict::Ship
        };
        let mut audit = Audit {
            verdict,
            reason: String::new(),
            risks,
            fail_on,
            complete,
            suppressed,
        };
        audit.reason = audit.sentence(report.stats);
        audit
    }

    pub fn verdict(&self) -> Verdict {
        self.verdict
    }

    /// One sentence: why this verdict.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// Every distinct risk, most urgent first.
    pub fn risks(&self) -> &[Risk] {
        &self.risks
    }

    /// The credentials among the risks (the handover checklist), in rank order.
    pub fn credentials(&self) -> impl Iterator<Item = &Risk> {
        self.risks.iter().filter(|r| r.secret)
    }

    pub fn fail_on(&self) -> Severity {
        self.fail_on
    }

    /// The launch checks' configuration problems that fail the gate (CORS, cookies, webhooks,
    /// logs, debug, workflows, Docker), in rank order: the handover lists them as what to fix
    /// before launch, beside the credentials.
    pub fn launch_problems(&self) -> impl Iterator<Item = &Risk> {
        self.risks
            .iter()
            .filter(|r| r.fails && !r.secret && is_launch(&r.rule))
    }

    /// Everything the run was asked to read was read.
    pub fn complete(&self) -> bool {
        self.complete
    }

    /// Accepted findings by how they were accepted (`baseline`, `.leakgateignore`, inline).
    pub fn suppressed(&self) -> &BTreeMap<&'static str, usize> {
        &self.suppressed
    }

    fn sentence(&self, stats: &ScanStats) -> String {
        let failing: Vec<&Risk> = self.risks.iter().filter(|r| r.fails).collect();
        let unread = unread(stats);
        let unread = (!self.complete).then(|| {
            if unread.is_empty() {
                "something the audit was asked to read was not read".to_string()
            } else {
                list(&unread)
            }
        });
        if !failing.is_empty() {
            let secrets = failing.iter().filter(|r| r.secret).count();
            let problems = failing.len() - secrets;
            let mut subject = Vec::new();
            if secrets > 0 {
                subject.push(counted(secrets, "secret", "secrets"));
            }
            if problems > 0 {
                subject.push(counted(
                    problems,
                    "configuration problem",
                    "configuration problems",
                ));
            }
            let mut tiers = Vec::new();
            for (exposure, one, many) in [
                (
                    Exposure::Bundle,
                    "reached a client bundle",
                    "reached a client bundle",
                ),
                (
                    Exposure::Head,
                    "is still in the current files",
                    "are still in the current files",
                ),
                (
                    Exposure::History,
                    "is only in git history",
                    "are only in git history",
                ),
                (
                    Exposure::Local,
                    "is only in ignored local files",
                    "are only in ignored local files",
                ),
            ] {
                let n = failing.iter().filter(|r| r.exposure == exposure).count();
                if n > 0 {
                    tiers.push(format!("{n} {}", if n == 1 { one } else { many }));
                }
            }
            let mut text = format!(
                "{} at or above {} severity must be fixed first: {}",
                list(&subject),
                self.fail_on,
                list(&tiers)
            );
            if let Some(unread) = unread {
                text.push_str(&format!(", and not everything was read ({unread})"));
            }
            text.push('.');
            return text;
        }
        if let Some(unread) = unread {
            return format!(
                "Nothing at or above {} severity was found, but not everything was read \
                 ({unread}), so this audit cannot call the repository clean.",
                self.fail_on
            );
        }
        let mut read = vec![counted(stats.files_scanned as usize, "file", "files")];
        if let Some(h) = &stats.history {
            read.push(counted(h.commits as usize, "commit", "commits"));
        }
        let mut aside = Vec::new();
        let accepted: usize = self.suppressed.values().sum();
        if accepted > 0 {
            aside.push(format!(
                "{} not counted",
                counted(accepted, "accepted finding", "accepted findings")
            ));
        }
        let local = self
            .risks
            .iter()
            .filter(|r| r.exposure == Exposure::Local)
            .count();
        if local > 0 {
            aside.push(format!(
                "{} only in git-ignored files never committed",
                counted(local, "secret", "secrets")
            ));
        }
        let below = self
            .risks
            .iter()
            .filter(|r| r.exposure != Exposure::Local)
            .count();
        if below > 0 {
            aside.push(format!(
                "{} below {}",
                counted(below, "finding", "findings"),
                self.fail_on
            ));
        }
        let aside = if aside.is_empty() {
            String::new()
        } else {
            format!(" ({})", list(&aside))
        };
        format!(
            "Nothing at or above {} severity was found in the {} read, and everything was \
             read{aside}.",
            self.fail_on,
            list(&read)
        )
    }
}

impl Risk {
    /// The first 16 characters of the fingerprint, as every report prints it.
    pub fn short_fingerprint(&self) -> &str {
        short_fingerprint(&self.fingerprint)
    }

    /// The heading of the rule's description: a credential's says what it unlocks (and how
    /// to revoke it), a configuration problem's what it means.
    pub fn description_label(&self) -> &'static str {
        if self.secret {
            "What it unlocks"
        } else {
            "What it means"
        }
    }

    /// Whether to rotate the credential, and why (the handover checklist).
    pub fn rotate(&self) -> (bool, &'static str) {
        if self.publishable {
            (
                false,
                "publishable by design: restrict it at the provider instead",
            )
        } else if self.exposure == Exposure::Local {
            (
                false,
                "only in a git-ignored file that was never committed (rotate it if the file \
                 was ever shared)",
            )
        } else if self.in_bundle {
            (true, "it shipped to browsers, where anyone could read it")
        } else if self.first_commit.is_some() {
            (true, "it is in git history, which every clone keeps")
        } else {
            (
                true,
                "it is in the repository's files, readable by everyone who has them",
            )
        }
    }

    /// Where the credential must live, in words (`None` for a configuration problem).
    pub fn home_text(&self) -> Option<String> {
        Some(match self.home.as_ref()? {
            Home::SecretStore if self.in_bundle => {
                "a secret store (the CI's or host's encrypted secrets, or a vault), read only \
                 by server code: never a variable with a public prefix (NEXT_PUBLIC_, VITE_)"
                    .to_string()
            }
            Home::SecretStore => {
                "a secret store (the CI's or host's encrypted secrets, or a vault), injected \
                 into the server at deploy or run time"
                    .to_string()
            }
            Home::HostConfig { environment } => format!(
                "the {environment} host's configuration (its environment variables, set by the \
                 deploy), not a committed file"
            ),
            Home::PublicConfig => {
                "public build configuration (publishable by design), restricted at the provider \
                 to your sites and the APIs they use"
                    .to_string()
            }
            Home::LocalFile => "the developer's own git-ignored env file, where it is".to_string(),
        })
    }

    /// The next step in a few words, for the risk table.
    pub fn next_step_short(&self) -> &'static str {
        match (self.secret, self.exposure) {
            (false, Exposure::Bundle) => "Fix the build configuration, rebuild",
            (false, _) => "Fix the configuration",
            (true, _) if self.publishable => "Restrict it at the provider",
            (true, Exposure::Bundle) => "Rotate now, rebuild without it",
            (true, Exposure::Head) => "Rotate, move it to its store",
            (true, Exposure::History) => "Rotate; purge history only if private",
            (true, Exposure::Local) => "Keep it out of commits",
        }
    }

    /// The next steps, in order, as sentences.
    pub fn next_steps(&self) -> Vec<String> {
        let mut steps = Vec::new();
        if !self.secret {
            steps.push(
                "Change the configuration as the rule's description says; there is no \
                 credential to rotate."
                    .to_string(),
            );
            if self.in_bundle {
                steps.push("Rebuild and redeploy the client.".to_string());
            }
            return steps;
        }
        if self.publishable {
            steps.push(
                "Restrict it at the provider (allowed HTTP referrers, allowed APIs): it is \
                 publishable by design, so it need not be rotated."
                    .to_string(),
            );
            return steps;
        }
        if self.exposure == Exposure::Local {
            steps.push(
                "Nothing to fix in the repository: it is only in a git-ignored file that was \
                 never committed. Keep it there, and rotate it if the file was ever shared."
                    .to_string(),
            );
            return steps;
        }
        steps.push(if self.in_bundle {
            "Rotate it at the provider now (revoke it, issue a new one): it shipped to \
             browsers, so anyone could read it. The rule's description says where."
                .to_string()
        } else {
            "Rotate it at the provider (revoke it, issue a new one); the rule's description \
             says where."
                .to_string()
        });
        if self.in_bundle {
            steps.push(
                "Rebuild and redeploy the client without it: code that needs it must run on \
                 the server."
                    .to_string(),
            );
        }
        if self.in_head
            && let Some(home) = self.home_text()
        {
            steps.push(format!(
                "Remove it from the files and load the new one from {home}."
            ));
        }
        if let Some(left) = &self.departure {
            steps.push(format!(
                "It left HEAD in commit {} ({}), but history still holds it.",
                super::short_id(&left.id),
                if left.date.is_empty() {
                    "date unknown"
                } else {
                    &left.date
                }
            ));
        }
        if self.first_commit.is_some() {
            steps.push(
                "Git history keeps the old value in every clone, so rotating is what makes it \
                 harmless. Purge it from history with `git filter-repo` only if the repository \
                 is private and you control every copy (clones, forks, CI caches), then \
                 force-push and have everyone clone again; for a public repository or copies \
                 you do not control, purging does not help."
                    .to_string(),
            );
        }
        steps
    }
}

/// The first 16 characters of a fingerprint, as every report prints it. By characters: a
/// fingerprint read back from a report may be any text.
pub fn short_fingerprint(fingerprint: &str) -> &str {
    fingerprint
        .char_indices()
        .nth(16)
        .map_or(fingerprint, |(end, _)| &fingerprint[..end])
}

/// What the run was asked to read and could not, one phrase each (the reasons
/// `ScanStats::complete` is false).
pub fn unread(stats: &ScanStats) -> Vec<String> {
    let mut out = Vec::new();
    let s = &stats.skipped;
    if s.unreadable > 0 {
        out.push(format!(
            "{} could not be read",
            counted(s.unreadable as usize, "file", "files")
        ));
    }
    if s.too_large > 0 {
        out.push(format!(
            "{} larger than --max-file-size {} skipped",
            counted(s.too_large as usize, "file", "files"),
            if s.too_large == 1 { "was" } else { "were" }
        ));
    }
    if stats.history_truncated() {
        out.push("git history stops at a shallow clone's boundary".to_string());
    }
    if stats.incomplete_reports > 0 {
        out.push(format!(
            "{} incomplete or missing",
            counted(
                stats.incomplete_reports as usize,
                "merged report was",
                "merged reports were"
            )
        ));
    }
    out
}

/// A commit date (ISO 8601 with an offset, as history records it) as seconds since the epoch;
/// `None` for anything else (an unreadable commit has no date).
pub fn timestamp(date: &str) -> Option<i64> {
    date.parse::<jiff::Timestamp>().ok().map(|t| t.as_second())
}

/// How a format writes text: repository or rule text, escaped for the format (`text`), the
/// same as code (`code`), and a break between the lines of one cell (`br`). The wording below
/// is the model's; the renderers only say how it is marked up.
pub(super) struct Markup {
    pub text: fn(&str) -> String,
    pub code: fn(&str) -> String,
    pub br: &'static str,
}

impl Place {
    /// `path:line (commit 0123456789ab, blob 89abcdef0123; client bundle)`.
    pub(super) fn render(&self, m: &Markup) -> String {
        let mut text = (m.code)(&self.path);
        if self.line > 0 {
            text.push_str(&format!(":{}", self.line));
        }
        let mut notes: Vec<String> = self.history.iter().map(|h| (m.text)(h)).collect();
        for (on, note) in [
            (self.archive, "in an archive"),
            (self.bundle, "client bundle"),
            (self.local_only, "ignored, never committed"),
        ] {
            if on {
                notes.push(note.to_string());
            }
        }
        if !notes.is_empty() {
            text.push_str(&format!(" ({})", notes.join("; ")));
        }
        text
    }
}

/// The author as git records it: `Name <email>`.
fn author(c: &CommitInfo) -> String {
    match (c.author_name.is_empty(), c.author_email.is_empty()) {
        (false, false) => format!("{} <{}>", c.author_name, c.author_email),
        (false, true) => c.author_name.clone(),
        (true, false) => format!("<{}>", c.author_email),
        (true, true) => String::new(),
    }
}

/// A commit in a table cell: its short id, day and author.
pub(super) fn commit_brief(c: &CommitInfo, m: &Markup) -> String {
    let mut text = (m.code)(super::short_id(&c.id));
    if !c.date.is_empty() {
        let day: String = c.date.chars().take(10).collect();
        text.push_str(&format!(", {}", (m.text)(&day)));
    }
    let author = author(c);
    if !author.is_empty() {
        text.push_str(&format!("{}{}", m.br, (m.text)(&author)));
    }
    text
}

/// A commit in full: id, date and author as git records them, and its summary.
pub(super) fn commit_full(c: &CommitInfo, m: &Markup) -> String {
    let mut text = format!("commit {}", (m.code)(&c.id));
    if !c.date.is_empty() {
        text.push_str(&format!(" on {}", (m.text)(&c.date)));
    }
    let author = author(c);
    if !author.is_empty() {
        text.push_str(&format!(" by {}", (m.text)(&author)));
    }
    if !c.summary.is_empty() {
        text.push_str(&format!(": “{}”", (m.text)(&c.summary)));
    }
    text
}

/// When a risk left `HEAD`, for the timeline's table.
pub(super) fn left_head(r: &Risk, m: &Markup) -> String {
    if r.in_head {
        "still present".to_string()
    } else if let Some(d) = &r.departure {
        commit_brief(d, m)
    } else {
        "not in HEAD (when it left is unknown)".to_string()
    }
}

/// The coverage table: what was read and each reason a file was passed over, with why it
/// matters.
pub(super) fn file_counts(stats: &ScanStats) -> [(&'static str, String, &'static str); 6] {
    let s = &stats.skipped;
    [
        (
            "Files read",
            format!(
                "{} ({})",
                stats.files_scanned,
                super::human_bytes(stats.bytes_scanned)
            ),
            "matched against every rule",
        ),
        (
            "Skipped: binary",
            s.binary.to_string(),
            "not text (archives are opened and their entries read)",
        ),
        (
            "Skipped: too large",
            s.too_large.to_string(),
            "larger than --max-file-size: not read, so the run is incomplete",
        ),
        (
            "Skipped: unreadable",
            s.unreadable.to_string(),
            "could not be read (permissions, I/O errors): the run is incomplete",
        ),
        (
            "Skipped: symbolic links",
            s.symlink.to_string(),
            "not followed; their targets are read where they are",
        ),
        (
            "Skipped: special files",
            s.special.to_string(),
            "devices, sockets and pipes hold no source",
        ),
    ]
}

/// Who a build folder ships to.
pub(super) fn ships_to(client: bool) -> &'static str {
    if client {
        "every visitor's browser"
    } else {
        "the server only"
    }
}

/// `1 file`, `3 files`.
fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `a`, `a and b`, `a, b and c`.
fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// What makes findings one risk. A secret is one risk whichever rules saw it: its provider's
/// rule in the source and `bundle-secret` in the build output name the same key by two
/// fingerprints (a fingerprint is rule + secret), and it is one credential to rotate. A
/// finding without a value (a configuration problem) is its own fingerprint.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Identity<'a> {
    Secret(&'a str),
    Fingerprint(&'a str),
}

impl<'a> Identity<'a> {
    fn of(f: &'a Finding) -> Identity<'a> {
        if f.secret.is_empty() {
            Identity::Fingerprint(&f.fingerprint)
        } else {
            Identity::Secret(&f.secret)
        }
    }
}

/// Whether a finding is a repository check's (bundle, env, launch) rather than a provider
/// rule's, which names the credential and how to rotate it.
fn is_check(f: &Finding) -> bool {
    f.rule.id.starts_with("bundle-") || f.rule.id.starts_with("env-") || is_launch(&f.rule)
}

/// Whether a rule is a launch check's (CORS, cookies, webhooks, logs, debug, workflows,
/// Docker): its tags say so, as every launch check's do.
fn is_launch(rule: &RuleInfo) -> bool {
    rule.tags.iter().any(|t| t == "launch")
}

/// The risk of one secret's (or one fingerprint's) findings, named by a provider rule's
/// finding when there is one.
fn risk(findings: &[&Finding], inventory: &Inventory, fail_on: Severity) -> Risk {
    let first = findings
        .iter()
        .copied()
        .find(|f| !is_check(f))
        .unwrap_or(findings[0]);
    let client_folders: Vec<&str> = inventory
        .bundles
        .iter()
        .filter(|b| b.client)
        .map(|b| b.path.as_str())
        .collect();
    let mut places: Vec<Place> = findings
        .iter()
        .map(|f| {
            let current = in_current_file(f) && !f.local_only;
            let outer = f.location.path.split('!').next().unwrap_or_default();
            Place {
                path: f.location.path.clone(),
                line: f.location.line,
                column: f.location.column,
                history: (!in_current_file(f)).then(|| history_place(f)),
                current,
                archive: f.location.path.contains('!'),
                bundle: f.rule_ids().any(|id| id.starts_with("bundle-"))
                    || client_folders.iter().any(|dir| inside(outer, dir)),
                local_only: f.local_only,
            }
        })
        .collect();
    places.sort_by(|a, b| {
        (!a.current, &a.path, a.line, a.column, &a.history)
            .cmp(&(!b.current, &b.path, b.line, b.column, &b.history))
    });
    places.dedup();
    let in_bundle = places.iter().any(|p| p.bundle);
    let in_head = places.iter().any(|p| p.current);
    let exposure = if in_bundle {
        Exposure::Bundle
    } else if in_head {
        Exposure::Head
    } else if places.iter().all(|p| p.local_only) {
        Exposure::Local
    } else {
        Exposure::History
    };
    let first_commit = findings
        .iter()
        .filter_map(|f| f.commit.as_ref())
        .min_by_key(|c| (timestamp(&c.date).unwrap_or(i64::MAX), c.id.clone()))
        .cloned();
    let departure = (!in_head)
        .then(|| {
            inventory
                .departures
                .iter()
                .find(|d| findings.iter().any(|f| f.fingerprint == d.fingerprint))
                .map(|d| d.commit.clone())
        })
        .flatten();
    let mut also: Vec<Arc<RuleInfo>> = Vec::new();
    let others = findings.iter().map(|f| &f.rule);
    for rule in others.chain(findings.iter().flat_map(|f| f.also.iter().map(|a| &a.rule))) {
        if rule.id != first.rule.id && !also.iter().any(|r| r.id == rule.id) {
            also.push(rule.clone());
        }
    }
    let mut messages: Vec<String> = Vec::new();
    for m in findings.iter().filter_map(|f| f.message.as_ref()) {
        if !messages.contains(m) {
            messages.push(m.clone());
        }
    }
    let secret = findings.iter().any(|f| !f.secret.is_empty());
    let publishable = findings.iter().all(|f| f.publishable);
    let secret_value = findings
        .iter()
        .map(|f| f.secret.as_str())
        .find(|s| !s.is_empty())
        .unwrap_or_default();
    let home = secret.then(|| {
        if exposure == Exposure::Local {
            Home::LocalFile
        } else if publishable {
            Home::PublicConfig
        } else if in_bundle {
            Home::SecretStore
        } else if let Some(environment) = deployed_environment(&places, inventory) {
            Home::HostConfig { environment }
        } else {
            Home::SecretStore
        }
    });
    Risk {
        rank: 0,
        fingerprint: first.fingerprint.clone(),
        rule: first.rule.clone(),
        severity: findings
            .iter()
            .map(|f| f.severity)
            .max()
            .unwrap_or(first.severity),
        confidence: findings
            .iter()
            .map(|f| f.confidence)
            .max()
            .unwrap_or(first.confidence),
        preview: preview(secret_value, false),
        secret,
        publishable,
        exposure,
        in_head,
        in_bundle,
        fails: findings.iter().any(|f| f.fails(fail_on)),
        places,
        first_commit,
        departure,
        also,
        messages,
        home,
    }
}

/// Whether `path` is `dir` or inside it (`""` is the scanned root, which holds everything).
fn inside(path: &str, dir: &str) -> bool {
    let dir = dir.trim_end_matches('/');
    dir.is_empty()
        || dir == "."
        || path == dir
        || path
            .strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// The deployed environment (`staging`, `production`) whose env files hold one of these
/// places, from the inventory's matrices: a value there belongs in that host's configuration.
fn deployed_environment(places: &[Place], inventory: &Inventory) -> Option<String> {
    inventory
        .env
        .iter()
        .flat_map(|m| &m.environments)
        .filter(|c| c.environment == "production" || c.environment == "staging")
        .find(|c| {
            c.files
                .iter()
                .any(|file| places.iter().any(|p| &p.path == file))
        })
        .map(|c| c.environment.clone())
}

#[cfg(test)]
mod tests;
