//! `leakgate checklist`: the launch checklist as a report. Each item of the minimum bar a
//! startup ships with, whether leakgate can check it from the repository, its status and the
//! evidence, rendered for a terminal ([`human`]), as Markdown ([`markdown`]) and as JSON with
//! stable keys ([`json`]).
//!
//! Decisions:
//! - **The item table is data** ([`ITEMS`]): an item names the rules it is judged by through
//!   [`Covers`] (the secret rules as a whole, a check family's tag such as `cors` or `env`, or
//!   an id prefix), never a list of ids, so a check added to a family joins its item without a
//!   change here. Which rules exist and which are in force come from the command
//!   ([`Inputs`]): this layer does not know the checks registry.
//! - **Status**: `fail` when an active finding of the item's rules is at or above `--fail-on`
//!   (the gate's own test, `Finding::fails`); otherwise `not checked` when none of its rules
//!   ran (`--no-*` flags, `disable_rules`) or the run was incomplete (a pass cannot be claimed
//!   for what was not read); otherwise `pass`. Items no repository scan can judge (rate limits,
//!   TLS, DMARC, ...) are `not checkable here`, each with one sentence on how to check it by
//!   hand.
//! - **Verdict**: the gate's decision worded as the audit words it (`ship` / `fix-first`):
//!   fix first on any failing finding or an incomplete run. It speaks only for what leakgate
//!   can check, and says how many items are left to check by hand.
//! - **Evidence never holds a secret**: rule id, severity, path, line and the first 16
//!   characters of the fingerprint (a hash); paths were redacted by the command like every
//!   report's repository text.

use super::audit::short_fingerprint;
use crate::finding::{Finding, RuleInfo, Severity};
use serde::Serialize;
use std::cmp::Reverse;
use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

/// Which rules an item is judged by.
#[derive(Debug, Clone, Copy)]
pub enum Covers {
    /// Every secret rule (anything that is not a repository check).
    SecretRules,
    /// The repository checks carrying this tag (a family: `env`, `bundle`, `cors`, ...).
    Tag(&'static str),
    /// The repository checks whose id starts with this.
    Prefix(&'static str),
}

/// One item of the minimum bar.
#[derive(Debug)]
pub struct Item {
    /// Stable, kebab-case: the JSON's `id`.
    pub id: &'static str,
    pub title: &'static str,
    /// Empty: leakgate cannot judge it from a repository.
    pub covers: &'static [Covers],
    /// How to check it by hand (for an item leakgate cannot check), or what leakgate's checks
    /// leave to a person (for one it can).
    pub how_to_check: &'static str,
}

/// The minimum bar, in the order a reviewer walks it.
pub const ITEMS: &[Item] = &[
    Item {
        id: "auth-on-private-routes",
        title: "Authentication on every private route",
        covers: &[],
        how_to_check: "List the routes and API handlers, and call each one that is not public \
                       without a session: every one must answer 401 or redirect to sign-in.",
    },
    Item {
        id: "server-side-authorization",
        title: "Authorization decided on the server",
        covers: &[],
        how_to_check: "Signed in as one user, request another user's or another team's records \
                       by id on every endpoint: the server must refuse, whatever the UI hides.",
    },
    Item {
        id: "secrets-out-of-code",
        title: "Secrets out of code, git history and client bundles",
        covers: &[Covers::SecretRules, Covers::Tag("bundle")],
        how_to_check: "Rotate anything leakgate reports; a secret in git history stays in every \
                       clone even after the file changes.",
    },
    Item {
        id: "env-separation",
        title: "Environments kept apart (own secrets per environment, env files not committed)",
        covers: &[Covers::Tag("env")],
        how_to_check: "Check that staging and production use different keys at each provider \
                       dashboard.",
    },
    Item {
        id: "production-config-from-secret-store",
        title: "Production configuration from a secret store, not files or images",
        covers: &[
            Covers::Tag("docker"),
            Covers::Prefix("env-committed-real-file"),
            Covers::Prefix("env-not-ignored"),
        ],
        how_to_check: "Check that the deploy reads secrets from the host's or CI's secret store \
                       (or a vault) at run time.",
    },
    Item {
        id: "cors",
        title: "CORS allows only the app's own origins",
        covers: &[Covers::Tag("cors")],
        how_to_check: "From a page on another origin, call the API with credentials: the \
                       browser must block it.",
    },
    Item {
        id: "session-cookies",
        title: "Session cookies are Secure, HttpOnly and SameSite",
        covers: &[Covers::Tag("cookies")],
        how_to_check: "Sign in on the deployed site and read the session cookie's flags in the \
                       browser's developer tools.",
    },
    Item {
        id: "webhook-signatures",
        title: "Webhooks verify the provider's signature",
        covers: &[Covers::Tag("webhooks")],
        how_to_check: "Send each webhook endpoint a request with a wrong signature: it must \
                       answer 400 or 401 and change nothing.",
    },
    Item {
        id: "redacted-logs",
        title: "Logs leave out secrets, cookies and request bodies of auth routes",
        covers: &[Covers::Tag("logs")],
        how_to_check: "Sign in and reset a password on staging, then search the logs for the \
                       password, the session cookie and the Authorization header.",
    },
    Item {
        id: "debug-off-in-production",
        title: "Debug off and test keys out of production",
        covers: &[
            Covers::Tag("debug"),
            Covers::Prefix("env-test-key"),
            Covers::Prefix("env-dev-endpoint"),
            Covers::Prefix("env-insecure-production-setting"),
            Covers::Prefix("bundle-test-key"),
            Covers::Prefix("bundle-dev-endpoint"),
        ],
        how_to_check: "Open a page that does not exist on the deployed site: it must not show a \
                       stack trace or the framework's debug page.",
    },
    Item {
        id: "ci-workflows",
        title: "CI workflows do not leak secrets or run untrusted input",
        covers: &[Covers::Tag("workflows")],
        how_to_check: "Read a recent CI log of a pull request from a fork: no secret is printed \
                       and no secret is available to it.",
    },
    Item {
        id: "rate-limits-on-auth",
        title: "Rate limits on sign-in and password reset",
        covers: &[],
        how_to_check: "Send 50 wrong passwords and 50 reset requests for one account in a \
                       minute on staging: the server must start refusing (429) well before the \
                       end.",
    },
    Item {
        id: "audit-trail",
        title: "An audit trail of admin actions",
        covers: &[],
        how_to_check: "Do an admin action (change a role, delete a user) on staging and find it \
                       in the audit log with who, what and when.",
    },
    Item {
        id: "tls-and-edge",
        title: "TLS everywhere, HTTP redirected, HSTS at the edge",
        covers: &[],
        how_to_check: "Run `curl -sI http://your-domain` (it must redirect to https) and check \
                       the certificate and the Strict-Transport-Security header with an SSL \
                       test.",
    },
    Item {
        id: "email-authentication",
        title: "SPF, DKIM and DMARC for the sending domain",
        covers: &[],
        how_to_check: "Look up the domain's TXT records (`dig TXT your-domain`, \
                       `dig TXT _dmarc.your-domain`) and send a test mail to a checker that \
                       reports SPF, DKIM and DMARC results.",
    },
    Item {
        id: "uptime-monitoring",
        title: "Uptime monitoring that pages someone",
        covers: &[],
        how_to_check: "Check that an external monitor calls the site and the API every minute \
                       or so and alerts a person, then stop staging to see the alert arrive.",
    },
];

/// An item's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Pass,
    Fail,
    /// Its checks did not run (switched off) or the run was incomplete.
    NotChecked,
    /// No repository scan can judge it.
    NotCheckable,
}

impl Status {
    /// As people read it.
    pub fn words(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::NotChecked => "not checked",
            Status::NotCheckable => "not checkable here",
        }
    }
}

/// The checklist's verdict, as the audit words the gate's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Ship,
    FixFirst,
}

/// A failing finding, as evidence: never its secret.
#[derive(Debug, Clone, Serialize)]
pub struct Evidence {
    pub rule: String,
    pub severity: Severity,
    pub path: String,
    pub line: usize,
    /// The first 16 characters of the finding's fingerprint.
    pub fingerprint: String,
}

/// One item as judged by a run.
#[derive(Debug, Clone, Serialize)]
pub struct Judged {
    pub id: &'static str,
    pub title: &'static str,
    pub checkable: bool,
    pub status: Status,
    /// Why it is `not checked`, or how it was judged, in one sentence.
    pub reason: String,
    /// The checks and rules in force that judged it (for the secret rules, their count).
    pub checks: Vec<String>,
    pub evidence: Vec<Evidence>,
    /// Findings of its rules below `--fail-on` (reported by `scan`, not failing).
    pub below_threshold: usize,
    pub how_to_check: &'static str,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub pass: usize,
    pub fail: usize,
    pub not_checked: usize,
    pub not_checkable: usize,
    /// Every rule and check was run over everything it was asked to read.
    pub complete: bool,
    pub fail_on: Option<Severity>,
}

/// The checklist of one run.
#[derive(Debug, Clone, Serialize)]
pub struct Checklist {
    /// What was checked, as given.
    pub path: String,
    pub verdict: Verdict,
    /// One sentence: why this verdict.
    pub reason: String,
    pub items: Vec<Judged>,
    pub summary: Summary,
}

/// What a run gives the checklist.
pub struct Inputs<'a> {
    pub path: String,
    pub findings: &'a [Finding],
    pub complete: bool,
    /// Why the run is incomplete, when it is (what was not read), for the items' reasons.
    pub incomplete_because: Option<String>,
    pub fail_on: Severity,
    /// Every rule and check in force for the run (`cmd::rules_in_force`).
    pub in_force: &'a [Arc<RuleInfo>],
    /// Every repository check that exists, in force or not: everything else is a secret rule.
    pub checks: &'a [Arc<RuleInfo>],
}

impl Covers {
    fn matches(self, rule: &RuleInfo, is_check: bool) -> bool {
        match self {
            Covers::SecretRules => !is_check,
            Covers::Tag(tag) => is_check && rule.tags.iter().any(|t| t == tag),
            Covers::Prefix(prefix) => is_check && rule.id.starts_with(prefix),
        }
    }
}

impl Item {
    fn covers_rule(&self, rule: &RuleInfo, is_check: bool) -> bool {
        self.covers.iter().any(|c| c.matches(rule, is_check))
    }
}

impl Checklist {
    /// Judges every item (see the module documentation).
    pub fn build(inputs: &Inputs<'_>) -> Checklist {
        let check_ids: HashSet<&str> = inputs.checks.iter().map(|c| c.id.as_str()).collect();
        let is_check = |rule: &RuleInfo| check_ids.contains(rule.id.as_str());
        let mut items = Vec::new();
        let mut summary = Summary {
            complete: inputs.complete,
            fail_on: Some(inputs.fail_on),
            ..Summary::default()
        };
        for item in ITEMS {
            let judged = judge(item, inputs, &is_check);
            match judged.status {
                Status::Pass => summary.pass += 1,
                Status::Fail => summary.fail += 1,
                Status::NotChecked => summary.not_checked += 1,
                Status::NotCheckable => summary.not_checkable += 1,
            }
            items.push(judged);
        }
        let failing = inputs.findings.iter().any(|f| f.fails(inputs.fail_on));
        let verdict = if failing || !inputs.complete {
            Verdict::FixFirst
        } else {
            Verdict::Ship
        };
        let reason = match verdict {
            Verdict::FixFirst if summary.fail > 0 => format!(
                "{} of the items leakgate checks {} at or above {}",
                summary.fail,
                if summary.fail == 1 { "fails" } else { "fail" },
                inputs.fail_on.as_str()
            ),
            Verdict::FixFirst if failing => format!(
                "findings at or above {} fail the run",
                inputs.fail_on.as_str()
            ),
            Verdict::FixFirst => format!(
                "the run was incomplete ({}), so no pass can be claimed",
                inputs
                    .incomplete_because
                    .as_deref()
                    .unwrap_or("something it was asked to read was not read")
            ),
            Verdict::Ship => format!(
                "nothing leakgate checks fails at or above {}; {} {} left to check by hand",
                inputs.fail_on.as_str(),
                summary.not_checkable + summary.not_checked,
                if summary.not_checkable + summary.not_checked == 1 {
                    "item is"
                } else {
                    "items are"
                }
            ),
        };
        Checklist {
            path: inputs.path.clone(),
            verdict,
            reason,
            items,
            summary,
        }
    }
}

fn judge(item: &'static Item, inputs: &Inputs<'_>, is_check: &dyn Fn(&RuleInfo) -> bool) -> Judged {
    let mut judged = Judged {
        id: item.id,
        title: item.title,
        checkable: !item.covers.is_empty(),
        status: Status::NotCheckable,
        reason: String::new(),
        checks: Vec::new(),
        evidence: Vec::new(),
        below_threshold: 0,
        how_to_check: item.how_to_check,
    };
    if item.covers.is_empty() {
        judged.reason = "leakgate cannot judge this from the repository".to_string();
        return judged;
    }
    let in_force: Vec<&RuleInfo> = inputs
        .in_force
        .iter()
        .map(|r| r.as_ref())
        .filter(|r| item.covers_rule(r, is_check(r)))
        .collect();
    let secret_rules = in_force.iter().filter(|r| !is_check(r)).count();
    judged.checks = in_force
        .iter()
        .filter(|r| is_check(r))
        .map(|r| r.id.clone())
        .collect();
    if secret_rules > 0 {
        judged
            .checks
            .insert(0, format!("{secret_rules} secret rules"));
    }
    let existing = inputs
        .checks
        .iter()
        .filter(|c| item.covers_rule(c, true))
        .count();
    let switched_off = existing.saturating_sub(in_force.len() - secret_rules);
    for f in inputs.findings.iter().filter(|f| f.suppressed.is_none()) {
        // The finding's own rule, or a verdict folded into it (an env check's on a secret's
        // line): the evidence names the rule this item is judged by.
        let own = item
            .covers_rule(&f.rule, is_check(&f.rule))
            .then_some((&f.rule, f.severity));
        let Some((rule, severity)) = own.or_else(|| {
            f.also
                .iter()
                .find(|a| item.covers_rule(&a.rule, is_check(&a.rule)))
                .map(|a| (&a.rule, a.severity))
        }) else {
            continue;
        };
        if f.fails(inputs.fail_on) {
            judged.evidence.push(Evidence {
                rule: rule.id.clone(),
                severity,
                path: f.location.path.clone(),
                line: f.location.line,
                fingerprint: short_fingerprint(&f.fingerprint).to_string(),
            });
        } else {
            judged.below_threshold += 1;
        }
    }
    judged.evidence.sort_by(|a, b| {
        (Reverse(a.severity), &a.path, a.line, &a.rule).cmp(&(
            Reverse(b.severity),
            &b.path,
            b.line,
            &b.rule,
        ))
    });
    let partly = if switched_off > 0 {
        format!(" ({switched_off} of its checks switched off)")
    } else {
        String::new()
    };
    (judged.status, judged.reason) = if !judged.evidence.is_empty() {
        (
            Status::Fail,
            format!(
                "{} failing {}{partly}",
                judged.evidence.len(),
                if judged.evidence.len() == 1 {
                    "finding"
                } else {
                    "findings"
                }
            ),
        )
    } else if in_force.is_empty() {
        (
            Status::NotChecked,
            if existing == 0 && !item.covers.iter().any(|c| matches!(c, Covers::SecretRules)) {
                "this leakgate has no check for it yet".to_string()
            } else {
                "its checks were switched off (a --no-* flag or disable_rules)".to_string()
            },
        )
    } else if !inputs.complete {
        (
            Status::NotChecked,
            format!(
                "the run was incomplete ({}), so a pass cannot be claimed",
                inputs
                    .incomplete_because
                    .as_deref()
                    .unwrap_or("something was not read")
            ),
        )
    } else {
        (
            Status::Pass,
            format!("no failing finding from {} checks{partly}", in_force.len()),
        )
    };
    judged
}

/// The checklist's output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Markdown,
    Json,
}

/// Writes the checklist in `format` to `output` (created with mode 0600, as reports are) or
/// to stdout.
pub fn write(list: &Checklist, format: Format, output: Option<&Path>) -> anyhow::Result<()> {
    use anyhow::Context;
    use std::io::Write;
    let text = match format {
        Format::Human => human(list),
        Format::Markdown => markdown(list),
        Format::Json => json(list).context("cannot render the checklist JSON")?,
    };
    match output {
        Some(path) => {
            let mut file = super::create_report_file(path)?;
            file.write_all(text.as_bytes())
                .and_then(|()| file.flush())
                .with_context(|| format!("{}: cannot write", path.display()))?;
        }
        None => {
            let mut lock = std::io::stdout().lock();
            lock.write_all(text.as_bytes())?;
            lock.flush()?;
        }
    }
    Ok(())
}

/// The most evidence lines an item shows in the human and Markdown checklists (the JSON has
/// all of it): the most severe first, the rest counted.
const SHOWN_EVIDENCE: usize = 5;

/// The checklist for a terminal: plain words, one item per line, evidence beneath.
pub fn human(list: &Checklist) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "Launch checklist for {}: {}\n{}.\n\n",
        list.path,
        verdict_words(list.verdict),
        capitalised(&list.reason)
    ));
    for item in &list.items {
        let mark = match item.status {
            Status::Pass => "[pass]         ",
            Status::Fail => "[FAIL]         ",
            Status::NotChecked => "[not checked]  ",
            Status::NotCheckable => "[check by hand]",
        };
        out.push_str(&format!("{mark} {}\n", item.title));
        let indent = "                ";
        match item.status {
            Status::Fail => {
                for e in item.evidence.iter().take(SHOWN_EVIDENCE) {
                    out.push_str(&format!(
                        "{indent}{} ({}) at {}:{}  fingerprint {}\n",
                        e.rule,
                        e.severity.as_str(),
                        e.path,
                        e.line,
                        e.fingerprint
                    ));
                }
                if item.evidence.len() > SHOWN_EVIDENCE {
                    out.push_str(&format!(
                        "{indent}and {} more (`leakgate scan` lists every finding)\n",
                        item.evidence.len() - SHOWN_EVIDENCE
                    ));
                }
            }
            Status::NotChecked => {
                out.push_str(&format!("{indent}Not checked: {}.\n", item.reason));
            }
            Status::NotCheckable => {
                out.push_str(&format!("{indent}How: {}\n", item.how_to_check));
            }
            Status::Pass => {}
        }
    }
    let s = &list.summary;
    out.push_str(&format!(
        "\n{} pass, {} fail, {} not checked, {} to check by hand.\n",
        s.pass, s.fail, s.not_checked, s.not_checkable
    ));
    if s.fail > 0 {
        out.push_str(
            "Details and fixes: `leakgate scan` shows each finding; `leakgate rules show ID` \
             explains a rule.\n",
        );
    }
    out
}

/// The checklist as Markdown (a task list: passing items ticked).
pub fn markdown(list: &Checklist) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "# Launch checklist\n\n**{}**: {}.\n\nChecked: `{}`.\n\n",
        verdict_words(list.verdict),
        md(&list.reason),
        md(&list.path).replace('`', "'")
    ));
    out.push_str("| Item | Status | Evidence |\n|---|---|---|\n");
    for item in &list.items {
        let evidence = match item.status {
            Status::Fail => item
                .evidence
                .iter()
                .take(SHOWN_EVIDENCE)
                .map(|e| {
                    format!(
                        "`{}` ({}) {}:{} `{}`",
                        e.rule,
                        e.severity.as_str(),
                        md(&e.path),
                        e.line,
                        e.fingerprint
                    )
                })
                .chain(
                    (item.evidence.len() > SHOWN_EVIDENCE)
                        .then(|| format!("and {} more", item.evidence.len() - SHOWN_EVIDENCE)),
                )
                .collect::<Vec<_>>()
                .join("<br>"),
            Status::NotChecked => md(&item.reason),
            Status::NotCheckable => format!("How to check: {}", md(item.how_to_check)),
            Status::Pass => String::new(),
        };
        out.push_str(&format!(
            "| {} {} | {} | {} |\n",
            if item.status == Status::Pass {
                "[x]"
            } else {
                "[ ]"
            },
            md(item.title),
            item.status.words(),
            evidence
        ));
    }
    let s = &list.summary;
    out.push_str(&format!(
        "\n{} pass, {} fail, {} not checked, {} to check by hand.\n",
        s.pass, s.fail, s.not_checked, s.not_checkable
    ));
    out
}

/// The checklist as JSON: `items[]` (`id`, `title`, `checkable`, `status`, `evidence[]`,
/// `how_to_check`, ...), `summary` and `verdict`.
pub fn json(list: &Checklist) -> serde_json::Result<String> {
    #[derive(Serialize)]
    struct Document<'a> {
        schema_version: u32,
        tool: Tool,
        #[serde(flatten)]
        checklist: &'a Checklist,
    }
    #[derive(Serialize)]
    struct Tool {
        name: &'static str,
        version: &'static str,
    }
    let mut text = serde_json::to_string_pretty(&Document {
        schema_version: 1,
        tool: Tool {
            name: "leakgate",
            version: env!("CARGO_PKG_VERSION"),
        },
        checklist: list,
    })?;
    text.push('\n');
    Ok(text)
}

fn verdict_words(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Ship => "SHIP",
        Verdict::FixFirst => "FIX FIRST",
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Text in a Markdown table cell: no pipe or newline breaks the row, no markup is injected.
fn md(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
        .replace('<', "&lt;")
        .replace('*', "\\*")
        .replace('_', "\\_")
        .replace('[', "\\[")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Location, Severity};

    fn rule(id: &str, tags: &[&str]) -> Arc<RuleInfo> {
        let mut info = RuleInfo::clone(&RuleInfo::for_test(id, Severity::High));
        info.tags = tags.iter().map(|t| t.to_string()).collect();
        Arc::new(info)
    }

    fn finding(rule: &Arc<RuleInfo>, severity: Severity, path: &str) -> Finding {
        Finding::new(
            rule.clone(),
            severity,
            Location::span(path, (3, 1), (3, 9)),
            format!("{}{path}fingerprint-of-it", rule.id),
        )
    }

    fn status<'a>(list: &'a Checklist, id: &str) -> &'a Judged {
        list.items.iter().find(|i| i.id == id).expect("an item")
    }

    #[test]
    fn items_have_unique_ids_and_say_how_to_check_them() {
        let ids: HashSet<&str> = ITEMS.iter().map(|i| i.id).collect();
        assert_eq!(ids.len(), ITEMS.len());
        for item in ITEMS {
            assert!(item.how_to_check.ends_with('.'), "{}", item.id);
            assert!(!item.title.is_empty());
        }
    }

    #[test]
    fn statuses_follow_findings_switches_and_completeness() {
        let cors = rule("cors-any-origin", &["launch", "cors"]);
        let cookie = rule("cookie-insecure", &["launch", "cookies"]);
        let env = rule("env-drift", &["env", "config"]);
        let secret = rule("github-pat", &["github"]);
        let checks = vec![cors.clone(), cookie.clone(), env.clone()];
        // The cookie check is switched off.
        let in_force = vec![secret.clone(), cors.clone(), env.clone()];
        let findings = vec![
            finding(&cors, Severity::High, "src/app.js"),
            finding(&env, Severity::Info, ".env"),
        ];
        let mut inputs = Inputs {
            path: ".".into(),
            findings: &findings,
            complete: true,
            incomplete_because: None,
            fail_on: Severity::Low,
            in_force: &in_force,
            checks: &checks,
        };
        let list = Checklist::build(&inputs);
        assert_eq!(list.verdict, Verdict::FixFirst);
        let cors_item = status(&list, "cors");
        assert_eq!(cors_item.status, Status::Fail);
        assert_eq!(cors_item.evidence[0].rule, "cors-any-origin");
        assert_eq!(cors_item.evidence[0].path, "src/app.js");
        assert_eq!(cors_item.evidence[0].fingerprint.len(), 16);
        assert_eq!(status(&list, "session-cookies").status, Status::NotChecked);
        let env_item = status(&list, "env-separation");
        assert_eq!(
            (env_item.status, env_item.below_threshold),
            (Status::Pass, 1)
        );
        assert_eq!(status(&list, "secrets-out-of-code").status, Status::Pass);
        assert_eq!(
            status(&list, "uptime-monitoring").status,
            Status::NotCheckable
        );
        // A family without checks yet is not checked, and says why.
        assert!(
            status(&list, "webhook-signatures")
                .reason
                .contains("no check")
        );

        // Incomplete: what did not fail cannot pass.
        inputs.complete = false;
        let list = Checklist::build(&inputs);
        assert_eq!(status(&list, "cors").status, Status::Fail);
        assert_eq!(status(&list, "env-separation").status, Status::NotChecked);

        // Nothing failing at high: ship.
        inputs.complete = true;
        inputs.fail_on = Severity::Critical;
        let list = Checklist::build(&inputs);
        assert_eq!(list.verdict, Verdict::Ship);
        assert_eq!(status(&list, "cors").status, Status::Pass);
        for text in [human(&list), markdown(&list), json(&list).unwrap()] {
            assert!(text.contains("Session cookies") || text.contains("session-cookies"));
        }
    }

    /// An env verdict folded into a secret's finding is evidence for the env item under the
    /// env check's id, and for the secrets item under the secret rule's.
    #[test]
    fn folded_verdicts_are_evidence_under_their_own_rule() {
        let env = rule("env-secret-in-template", &["env", "config"]);
        let secret = rule("github-pat", &["github"]);
        let mut found = finding(&secret, Severity::Critical, ".env.example");
        found.absorb(finding(&env, Severity::Medium, ".env.example"));
        let findings = vec![found];
        let checks = vec![env.clone()];
        let in_force = vec![secret, env];
        let list = Checklist::build(&Inputs {
            path: ".".into(),
            findings: &findings,
            complete: true,
            incomplete_because: None,
            fail_on: Severity::Low,
            in_force: &in_force,
            checks: &checks,
        });
        let env_item = status(&list, "env-separation");
        assert_eq!(env_item.evidence[0].rule, "env-secret-in-template");
        assert_eq!(env_item.evidence[0].severity, Severity::Medium);
        let secrets = status(&list, "secrets-out-of-code");
        assert_eq!(secrets.evidence[0].rule, "github-pat");
    }
}
