//! The audit model and its three renderers, at unit level: ranking, one risk per secret,
//! the verdict and its sentence, the page's landmarks, HTML5 well-formedness (parsed by
//! html5ever, zero parse errors) with hostile repository text, Markdown that repository text
//! cannot break (parsed by pulldown-cmark), the JSON document, and no secret in any output.
//! The command and the browser are `tests/audit.rs` and `tests/audit_browser.rs`.

use super::html::escape;
use super::*;
use crate::finding::{AlsoFound, CommitInfo, Finding, Location, RuleInfo, Severity, Suppression};
use crate::inventory::{
    BuildFolder, CellState, Departure, EnvCell, EnvColumn, EnvMatrix, EnvRow, Inventory,
};
use crate::report::properties;
use crate::report::{Format, Report, ReportOptions};
use crate::stats::{HistoryStats, ScanStats};
use html5ever::tendril::TendrilSink;
use markup5ever_rcdom::{Handle, NodeData, RcDom};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use std::sync::Arc;
use std::time::Duration;

// ---------------------------------------------------------------------------------------------
// Building a run

/// A token of the given shape (a regex: a provider's documented prefix and alphabet), drawn
/// at test time: fixtures never hold a real secret.
fn token(runner: &mut TestRunner, shape: &str) -> String {
    proptest::string::string_regex(shape)
        .expect("a valid shape")
        .new_tree(runner)
        .expect("a value")
        .current()
}

fn rule(id: &str, name: &str, severity: Severity) -> Arc<RuleInfo> {
    Arc::new(RuleInfo {
        id: id.into(),
        name: name.into(),
        description: format!(
            "{name}: unlocks the account it belongs to. Revoke it in the provider's console and \
             issue a new one; `git log -S` finds its copies."
        ),
        severity,
        tags: Vec::new(),
    })
}

/// A finding of `rule` at `path:line`; a secret when `secret` is not empty.
fn found(rule: &Arc<RuleInfo>, path: &str, line: usize, secret: &str) -> Finding {
    let fingerprint = crate::finding::fingerprint(
        &rule.id,
        if secret.is_empty() {
            path.as_bytes()
        } else {
            secret.as_bytes()
        },
    );
    let mut f = Finding::new(
        rule.clone(),
        rule.severity,
        Location::span(path, (line, 5), (line, 45)),
        fingerprint,
    );
    f.secret = secret.to_string();
    f
}

fn commit(seed: u8, date: &str, who: &str) -> CommitInfo {
    CommitInfo {
        id: format!("{seed:02x}").repeat(20),
        author_name: who.into(),
        author_email: format!("{}@example.com", who.to_lowercase()),
        date: date.into(),
        summary: format!("Commit by {who}"),
    }
}

/// `f`, found in history at `commit`; `in_head` says whether `HEAD` still holds it (a
/// history-only finding is located at its blob).
fn committed(mut f: Finding, commit: CommitInfo, in_head: bool) -> Finding {
    f.commit = Some(commit);
    f.in_head = Some(in_head);
    if !in_head {
        f.blob = Some("ab".repeat(20));
    }
    f
}

fn options(fail_on: Severity) -> ReportOptions {
    ReportOptions {
        format: Format::Json,
        output: None,
        fail_on,
        show_secrets: false,
        show_suppressed: false,
    }
}

fn full_history(commits: u64) -> ScanStats {
    let mut stats = ScanStats {
        files_scanned: 42,
        bytes_scanned: 123_456,
        ..ScanStats::default()
    };
    stats.history = Some(HistoryStats {
        mode: "full",
        commits,
        blobs_scanned: 80,
        bytes_scanned: 400_000,
        messages_scanned: commits,
        ..HistoryStats::default()
    });
    stats
}

/// Everything one rendering needs, owned, so a test can build it and borrow a [`Report`].
struct Run {
    findings: Vec<Finding>,
    stats: ScanStats,
    inventory: Inventory,
    options: ReportOptions,
}

impl Run {
    fn new(findings: Vec<Finding>, stats: ScanStats, inventory: Inventory) -> Run {
        Run {
            findings,
            stats,
            inventory,
            options: options(Severity::Low),
        }
    }

    fn report(&self) -> Report<'_> {
        Report {
            findings: &self.findings,
            stats: &self.stats,
            rules: &[],
            elapsed: Duration::from_millis(7),
            options: &self.options,
        }
    }

    fn audit(&self) -> Audit {
        Audit::build(&self.report(), &self.inventory)
    }

    fn html(&self) -> String {
        html(&self.audit(), &self.report(), &self.inventory)
    }

    fn markdown(&self) -> String {
        markdown(&self.audit(), &self.report(), &self.inventory)
    }

    fn json(&self) -> Vec<u8> {
        json(&self.audit(), &self.report(), &self.inventory).expect("JSON serialises")
    }
}

fn cell(state: CellState, checks: &[&str]) -> EnvCell {
    EnvCell {
        state,
        checks: checks.iter().map(|c| c.to_string()).collect(),
    }
}

/// A small startup: a GitHub token built into the client bundle (and in its source), a live
/// Stripe key still in `.env.production`, an AWS key that was committed and removed, a drifted
/// variable, a developer's own key in an ignored `.env.local`, and a baselined finding.
struct Startup {
    run: Run,
    secrets: Vec<String>,
}

fn startup() -> Startup {
    let mut runner = TestRunner::deterministic();
    let github = token(&mut runner, "ghp_[0-9A-Za-z]{36}");
    let stripe = token(&mut runner, "sk_live_[0-9A-Za-z]{24}");
    let aws = token(&mut runner, "AKIA[A-Z2-7]{16}");
    let local = token(&mut runner, "sk_live_[0-9A-Za-z]{24}");
    let accepted = token(&mut runner, "xoxb-[0-9]{12}-[0-9A-Za-z]{24}");
    let gh = rule(
        "github-pat-classic",
        "GitHub personal access token",
        Severity::Critical,
    );
    let st = rule(
        "stripe-secret-key-live",
        "Stripe live secret key",
        Severity::Critical,
    );
    let aw = rule("aws-access-key-id", "AWS access key ID", Severity::High);
    let drift = rule(
        "env-drift",
        "Env variable missing or misnamed",
        Severity::Medium,
    );
    let shared = rule(
        "env-shared-secret",
        "Same secret in several environments",
        Severity::High,
    );
    let slack = rule("slack-bot-token", "Slack bot token", Severity::High);
    let stripe_in_env = {
        let mut f = found(&st, ".env.production", 3, &stripe);
        f.also.push(AlsoFound {
            rule: shared.clone(),
            severity: Severity::High,
            message: Some("The same value as .env.staging".into()),
            fingerprint: "0".repeat(64),
        });
        committed(f, commit(0x22, "2023-03-01T10:00:00+01:00", "Bea"), true)
    };
    let mut local_only = found(&st, ".env.local", 1, &local);
    local_only.local_only = true;
    let mut baselined = found(&slack, "scripts/notify.sh", 9, &accepted);
    baselined.suppressed = Some(Suppression::Baseline);
    let findings = vec![
        found(&gh, "web/dist/assets/app.js", 1, &github),
        committed(
            found(&gh, "web/src/api.js", 12, &github),
            commit(0x11, "2023-05-02T09:30:00+00:00", "Ann"),
            true,
        ),
        stripe_in_env,
        committed(
            found(&aw, "deploy/aws.sh", 4, &aws),
            commit(0x33, "2022-01-05T08:00:00-05:00", "Cid"),
            false,
        ),
        found(&drift, ".env.production", 7, ""),
        local_only,
        baselined,
    ];
    let aws_fingerprint = findings[3].fingerprint.clone();
    let inventory = Inventory {
        env: vec![EnvMatrix {
            dir: String::new(),
            environments: vec![
                EnvColumn {
                    environment: "local/development".into(),
                    files: vec![".env.local".into()],
                },
                EnvColumn {
                    environment: "staging".into(),
                    files: vec![".env.staging".into()],
                },
                EnvColumn {
                    environment: "production".into(),
                    files: vec![".env.production".into()],
                },
            ],
            variables: vec![
                EnvRow {
                    name: "API_URL".into(),
                    cells: vec![
                        cell(CellState::Set, &[]),
                        cell(CellState::Missing, &["env-drift"]),
                        cell(CellState::DevEndpoint, &["env-dev-endpoint-in-production"]),
                    ],
                },
                EnvRow {
                    name: "STRIPE_SECRET_KEY".into(),
                    cells: vec![
                        cell(CellState::Set, &[]),
                        cell(CellState::SharedValue, &["env-shared-secret"]),
                        cell(CellState::SharedValue, &["env-shared-secret"]),
                    ],
                },
            ],
        }],
        bundles: vec![
            BuildFolder {
                path: "web/dist".into(),
                client: true,
                files: 12,
                bytes: 345_678,
                source_maps: 2,
            },
            BuildFolder {
                path: "web/.next/server".into(),
                client: false,
                files: 3,
                bytes: 9_000,
                source_maps: 0,
            },
        ],
        departures: vec![Departure {
            fingerprint: aws_fingerprint,
            commit: commit(0x44, "2022-06-01T12:00:00+00:00", "Dee"),
        }],
    };
    let mut stats = full_history(57);
    stats.vcs.push(crate::finding::VcsInfo {
        repository_uri: "https://example.com/startup/app".into(),
        revision_id: Some("cd".repeat(20)),
        branch: Some("main".into()),
    });
    stats.warn("vendor/big.bin: skipped (Binary)".into());
    Startup {
        run: Run::new(findings, stats, inventory),
        secrets: vec![github, stripe, aws, local, accepted],
    }
}

// ---------------------------------------------------------------------------------------------
// Reading the page

fn parse(html: &str) -> RcDom {
    let opts = html5ever::ParseOpts {
        tokenizer: html5ever::tokenizer::TokenizerOpts {
            exact_errors: true,
            ..Default::default()
        },
        tree_builder: html5ever::tree_builder::TreeBuilderOpts {
            exact_errors: true,
            ..Default::default()
        },
    };
    html5ever::parse_document(RcDom::default(), opts).one(html)
}

/// The page parsed, asserting it has no parse error at all.
fn well_formed(html: &str) -> RcDom {
    let dom = parse(html);
    let errors = dom.errors.borrow().clone();
    assert!(errors.is_empty(), "parse errors: {errors:?}");
    dom
}

/// Every element under `node`, in document order.
fn elements(node: &Handle) -> Vec<Handle> {
    let mut out = Vec::new();
    let mut stack = vec![node.clone()];
    while let Some(n) = stack.pop() {
        if matches!(n.data, NodeData::Element { .. }) {
            out.push(n.clone());
        }
        for child in n.children.borrow().iter().rev() {
            stack.push(child.clone());
        }
    }
    out
}

fn tag(node: &Handle) -> String {
    match &node.data {
        NodeData::Element { name, .. } => name.local.to_string(),
        _ => String::new(),
    }
}

fn attr(node: &Handle, key: &str) -> Option<String> {
    match &node.data {
        NodeData::Element { attrs, .. } => attrs
            .borrow()
            .iter()
            .find(|a| &*a.name.local == key)
            .map(|a| a.value.to_string()),
        _ => None,
    }
}

fn text(node: &Handle) -> String {
    let mut out = String::new();
    let mut stack = vec![node.clone()];
    while let Some(n) = stack.pop() {
        if let NodeData::Text { contents } = &n.data {
            out.push_str(&contents.borrow());
        }
        for child in n.children.borrow().iter().rev() {
            stack.push(child.clone());
        }
    }
    out
}

fn by_id(dom: &RcDom, id: &str) -> Handle {
    let found: Vec<Handle> = elements(&dom.document)
        .into_iter()
        .filter(|e| attr(e, "id").as_deref() == Some(id))
        .collect();
    assert_eq!(found.len(), 1, "exactly one element with id {id}");
    found[0].clone()
}

fn all(node: &Handle, name: &str) -> Vec<Handle> {
    elements(node)
        .into_iter()
        .filter(|e| tag(e) == name)
        .collect()
}

/// Element children of `node`.
fn children(node: &Handle) -> Vec<Handle> {
    node.children
        .borrow()
        .iter()
        .filter(|c| matches!(c.data, NodeData::Element { .. }))
        .cloned()
        .collect()
}

/// No output holds a secret whole, nor its middle half, raw or as that format escapes it.
fn assert_no_secret(outputs: &[(&str, &str)], secrets: &[String]) {
    for secret in secrets {
        let chars: Vec<char> = secret.chars().collect();
        let middle: String = chars[chars.len() / 4..chars.len() * 3 / 4].iter().collect();
        for (format, out) in outputs {
            for needle in [secret.as_str(), middle.as_str()] {
                assert!(!out.contains(needle), "{format} holds {needle:?}");
                assert!(!out.contains(&escape(needle)), "{format} holds {needle:?}");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The model

#[test]
fn the_startup_ranks_bundle_then_head_then_history_then_local() {
    let s = startup();
    let audit = s.run.audit();
    let ranked: Vec<(&str, Exposure, bool)> = audit
        .risks()
        .iter()
        .map(|r| (r.rule.id.as_str(), r.exposure, r.in_head))
        .collect();
    assert_eq!(
        ranked,
        [
            ("github-pat-classic", Exposure::Bundle, true),
            ("stripe-secret-key-live", Exposure::Head, true),
            ("env-drift", Exposure::Head, true),
            ("aws-access-key-id", Exposure::History, false),
            ("stripe-secret-key-live", Exposure::Local, false),
        ]
    );
    let ranks: Vec<usize> = audit.risks().iter().map(|r| r.rank).collect();
    assert_eq!(ranks, [1, 2, 3, 4, 5]);
    // The GitHub token: one risk, two places (the bundle's first), the older commit kept.
    let gh = &audit.risks()[0];
    assert_eq!(gh.places.len(), 2);
    assert!(
        gh.in_bundle
            && gh
                .places
                .iter()
                .any(|p| p.bundle && p.path == "web/dist/assets/app.js")
    );
    assert_eq!(
        gh.first_commit.as_ref().map(|c| c.author_name.as_str()),
        Some("Ann")
    );
    assert_eq!(gh.preview, "ghp_…");
    // The AWS key left HEAD in the departure's commit, and is located at its commit and blob.
    let aws = &audit.risks()[3];
    assert_eq!(
        aws.departure.as_ref().map(|c| c.author_name.as_str()),
        Some("Dee")
    );
    assert!(
        aws.places[0]
            .history
            .as_deref()
            .is_some_and(|h| h.starts_with("commit 3333"))
    );
    // The Stripe key in `.env.production` lives in production's host configuration.
    assert_eq!(
        audit.risks()[1].home,
        Some(Home::HostConfig {
            environment: "production".into()
        })
    );
    assert_eq!(audit.risks()[1].also.len(), 1);
    assert_eq!(audit.risks()[0].home, Some(Home::SecretStore));
    assert_eq!(audit.risks()[4].home, Some(Home::LocalFile));
    assert_eq!(audit.risks()[2].home, None);
    assert_eq!(audit.credentials().count(), 4);
    // The baselined Slack token is no risk, but it is counted.
    assert_eq!(audit.suppressed().get("baseline"), Some(&1));
}

/// The ranking's documented keys, one at a time: each pair differs in one key only, and the
/// first of the pair must rank first.
#[test]
fn ranking_follows_exposure_severity_kind_places_and_age() {
    let mut runner = TestRunner::deterministic();
    let mut secret = || token(&mut runner, "sk_live_[0-9A-Za-z]{24}");
    let critical = rule("zz-critical", "Critical", Severity::Critical);
    let low = rule("zz-low", "Low", Severity::Low);
    let check = rule("aa-check", "A check", Severity::Critical);
    let bundle = Inventory {
        bundles: vec![BuildFolder {
            path: "dist".into(),
            client: true,
            files: 1,
            bytes: 1,
            source_maps: 0,
        }],
        ..Inventory::default()
    };
    let old = commit(1, "2020-01-01T00:00:00+00:00", "Old");
    let new = commit(2, "2024-01-01T00:00:00+00:00", "New");
    let first_two = |findings: Vec<Finding>| -> Vec<String> {
        let run = Run::new(findings, full_history(3), bundle.clone());
        run.audit()
            .risks()
            .iter()
            .map(|r| r.places[0].path.clone())
            .collect()
    };
    // A low-severity secret in a client bundle outranks a critical one in HEAD.
    assert_eq!(
        first_two(vec![
            found(&critical, "src/head.js", 1, &secret()),
            found(&low, "dist/app.js", 1, &secret()),
        ]),
        ["dist/app.js", "src/head.js"]
    );
    // A low one still in HEAD outranks a critical one only in history.
    assert_eq!(
        first_two(vec![
            committed(found(&critical, "old.js", 1, &secret()), old.clone(), false),
            found(&low, "src/head.js", 1, &secret()),
        ]),
        ["src/head.js", "old.js"]
    );
    // Same exposure: severity.
    assert_eq!(
        first_two(vec![
            found(&low, "a.js", 1, &secret()),
            found(&critical, "b.js", 1, &secret()),
        ]),
        ["b.js", "a.js"]
    );
    // Same exposure and severity: a secret before a check without a value.
    assert_eq!(
        first_two(vec![
            found(&check, "a.env", 1, ""),
            found(&critical, "b.js", 1, &secret()),
        ]),
        ["b.js", "a.env"]
    );
    // Then more places first.
    let spread = secret();
    assert_eq!(
        first_two(vec![
            found(&critical, "a.js", 1, &secret()),
            found(&critical, "b.js", 1, &spread),
            found(&critical, "c.js", 1, &spread),
        ]),
        ["b.js", "a.js"]
    );
    // Then the older first commit first, and never committed last.
    assert_eq!(
        first_two(vec![
            found(&critical, "a.js", 1, &secret()),
            committed(found(&critical, "b.js", 1, &secret()), new, true),
            committed(found(&critical, "c.js", 1, &secret()), old, true),
        ]),
        ["c.js", "b.js", "a.js"]
    );
}

#[test]
fn one_risk_and_one_row_per_fingerprint() {
    let mut runner = TestRunner::deterministic();
    let value = token(&mut runner, "ghp_[0-9A-Za-z]{36}");
    let gh = rule("github-pat-classic", "GitHub token", Severity::Critical);
    let findings: Vec<Finding> = (1..=12)
        .map(|i| found(&gh, &format!("src/file{i:02}.js"), i, &value))
        .collect();
    let run = Run::new(findings, full_history(1), Inventory::default());
    let audit = run.audit();
    assert_eq!(audit.risks().len(), 1);
    assert_eq!(audit.risks()[0].places.len(), 12);
    let dom = well_formed(&run.html());
    let table = by_id(&dom, "risk-table");
    let rows: Vec<Handle> = all(&table, "tr")
        .into_iter()
        .filter(|r| attr(r, "data-rank").is_some())
        .collect();
    assert_eq!(rows.len(), 1);
    // The row lists three places and says how many more; the details list them all.
    assert!(text(&rows[0]).contains("and 9 more"));
    let details = by_id(&dom, "risk-1");
    assert_eq!(
        all(&details, "li")
            .iter()
            .filter(|li| text(li).contains("src/file"))
            .count(),
        12
    );
    let md = run.markdown();
    assert_eq!(md.matches("| 1 | GitHub token").count(), 1);
}

#[test]
fn one_secret_seen_by_a_provider_rule_and_the_bundle_check_is_one_risk_that_reached_a_bundle() {
    // The same key in the source (its provider's rule) and compiled into the client build
    // (`bundle-secret`): two fingerprints, one credential to rotate.
    let mut runner = TestRunner::deterministic();
    let value = token(&mut runner, "sk_live_[0-9A-Za-z]{24}");
    let stripe = rule(
        "stripe-secret-key-live",
        "Stripe live secret key",
        Severity::Critical,
    );
    let bundle = rule(
        "bundle-secret",
        "Secret in client-visible build output",
        Severity::Critical,
    );
    let source = committed(
        found(&stripe, "src/pay.js", 3, &value),
        commit(1, "2024-01-02T03:04:05Z", "Ann"),
        true,
    );
    let shipped = found(&bundle, "dist/assets/index.js", 1, &value);
    let other = found(
        &stripe,
        "src/other.js",
        1,
        &token(&mut runner, "sk_live_[0-9A-Za-z]{24}"),
    );
    let run = Run::new(
        vec![shipped, source.clone(), other],
        full_history(1),
        Inventory::default(),
    );
    let audit = run.audit();
    assert_eq!(audit.risks().len(), 2, "{:#?}", audit.risks());
    let key = &audit.risks()[0];
    assert_eq!(
        key.rule.id, "stripe-secret-key-live",
        "the provider's rule names it"
    );
    assert_eq!(key.fingerprint, source.fingerprint);
    assert!(key.in_bundle && key.exposure == Exposure::Bundle);
    assert_eq!(key.places.len(), 2);
    assert!(key.also.iter().any(|r| r.id == "bundle-secret"));
    assert!(key.first_commit.is_some());
    assert!(!audit.risks()[1].in_bundle);
}

#[test]
fn verdict_and_reason_for_each_kind_of_run() {
    let mut runner = TestRunner::deterministic();
    let value = token(&mut runner, "sk_live_[0-9A-Za-z]{24}");
    let st = rule("stripe-secret-key-live", "Stripe key", Severity::Critical);
    let info = rule("generic-info", "Info", Severity::Info);
    let decide = |findings: Vec<Finding>, stats: ScanStats| {
        let audit = Run::new(findings, stats, Inventory::default()).audit();
        (audit.verdict(), audit.reason().to_string())
    };

    let (verdict, reason) = decide(vec![], full_history(9));
    assert_eq!(verdict, Verdict::Ship);
    assert_eq!(
        reason,
        "Nothing at or above low severity was found in the 42 files and 9 commits read, and \
         everything was read."
    );

    let (verdict, reason) = decide(vec![found(&st, "a.js", 1, &value)], full_history(9));
    assert_eq!(verdict, Verdict::FixFirst);
    assert_eq!(
        reason,
        "1 secret at or above low severity must be fixed first: 1 is still in the current files."
    );

    let mut unreadable = full_history(9);
    unreadable.skipped.unreadable = 2;
    let (verdict, reason) = decide(vec![], unreadable);
    assert_eq!(verdict, Verdict::FixFirst);
    assert_eq!(
        reason,
        "Nothing at or above low severity was found, but not everything was read (2 files \
         could not be read), so this audit cannot call the repository clean."
    );

    let mut shallow = full_history(9);
    shallow.history.as_mut().expect("history").truncated = true;
    let (verdict, reason) = decide(vec![found(&st, "a.js", 1, &value)], shallow);
    assert_eq!(verdict, Verdict::FixFirst);
    assert!(
        reason.ends_with(
            "1 is still in the current files, and not everything was read (git history stops at a shallow \
             clone's boundary)."
        ),
        "{reason}"
    );

    let mut accepted = found(&st, "a.js", 1, &value);
    accepted.suppressed = Some(Suppression::IgnoreFile);
    let (verdict, reason) = decide(vec![accepted], full_history(9));
    assert_eq!(verdict, Verdict::Ship);
    assert!(
        reason.ends_with("(1 accepted finding not counted)."),
        "{reason}"
    );

    let mut local = found(&st, ".env.local", 1, &value);
    local.local_only = true;
    let (verdict, reason) = decide(vec![local], full_history(9));
    assert_eq!(verdict, Verdict::Ship);
    assert!(
        reason.ends_with("(1 secret only in git-ignored files never committed)."),
        "{reason}"
    );

    let (verdict, reason) = decide(vec![found(&info, "a.txt", 1, &value)], full_history(9));
    assert_eq!(verdict, Verdict::Ship);
    assert!(reason.ends_with("(1 finding below low)."), "{reason}");

    let s = startup();
    let audit = s.run.audit();
    assert_eq!(audit.verdict(), Verdict::FixFirst);
    assert_eq!(
        audit.reason(),
        "3 secrets and 1 configuration problem at or above low severity must be fixed first: \
         1 reached a client bundle, 2 are still in the current files and 1 is only in git history."
    );
}

#[test]
fn next_steps_purge_history_only_for_secrets_in_history() {
    let s = startup();
    let audit = s.run.audit();
    let filter_repo = |r: &Risk| r.next_steps().iter().any(|s| s.contains("git filter-repo"));
    let by_rule = |id: &str, exposure: Exposure| {
        audit
            .risks()
            .iter()
            .find(|r| r.rule.id == id && r.exposure == exposure)
            .expect("the risk")
    };
    assert!(filter_repo(by_rule("aws-access-key-id", Exposure::History)));
    assert!(filter_repo(by_rule(
        "stripe-secret-key-live",
        Exposure::Head
    )));
    assert!(!filter_repo(by_rule(
        "stripe-secret-key-live",
        Exposure::Local
    )));
    assert!(!filter_repo(by_rule("env-drift", Exposure::Head)));
    let gh = by_rule("github-pat-classic", Exposure::Bundle);
    assert!(gh.next_steps()[0].starts_with("Rotate it at the provider now"));
    assert!(gh.rotate().0);
    assert!(
        !by_rule("stripe-secret-key-live", Exposure::Local)
            .rotate()
            .0
    );
    let aws = by_rule("aws-access-key-id", Exposure::History);
    assert!(
        aws.next_steps()
            .iter()
            .any(|s| s.starts_with("It left HEAD in commit 444444444444"))
    );
}

// ---------------------------------------------------------------------------------------------
// The page

#[test]
fn the_page_has_the_landmarks_in_order() {
    let s = startup();
    let page = s.run.html();
    let dom = well_formed(&page);
    let doc = &dom.document;
    let html = all(doc, "html");
    assert_eq!(attr(&html[0], "lang").as_deref(), Some("en"));
    let metas = all(doc, "meta");
    assert!(
        metas
            .iter()
            .any(|m| attr(m, "charset").as_deref() == Some("utf-8"))
    );
    assert!(metas.iter().any(|m| {
        attr(m, "http-equiv").as_deref() == Some("Content-Security-Policy")
            && attr(m, "content").as_deref()
                == Some(
                    "default-src 'none'; style-src 'unsafe-inline'; script-src \
                     'unsafe-inline'; img-src data:",
                )
    }));
    assert_eq!(
        text(&all(doc, "title")[0]),
        "leakgate audit: FIX FIRST (5 risks)"
    );
    assert_eq!(all(doc, "main").len(), 1);
    assert_eq!(all(doc, "h1").len(), 1);
    // No external resource: nothing that loads a URL.
    for e in elements(doc) {
        for key in ["src", "srcset", "data", "action", "poster"] {
            assert_eq!(attr(&e, key), None, "<{} {key}>", tag(&e));
        }
        if tag(&e) == "link" {
            panic!("a <link> element");
        }
        if let Some(href) = attr(&e, "href") {
            assert!(href.starts_with('#'), "a link out of the page: {href}");
        }
    }
    let main = &all(doc, "main")[0];
    let sections: Vec<String> = children(main)
        .iter()
        .filter(|e| tag(e) == "section")
        .map(|s| {
            let id = attr(s, "id").expect("a section id");
            assert_eq!(attr(s, "aria-labelledby"), Some(format!("{id}-h")));
            let h2 = children(s)
                .into_iter()
                .find(|c| tag(c) == "h2")
                .expect("an h2");
            assert_eq!(attr(&h2, "id"), Some(format!("{id}-h")));
            id
        })
        .collect();
    assert_eq!(
        sections,
        [
            "verdict", "risks", "env", "timeline", "bundles", "coverage", "handover"
        ]
    );

    let verdict = by_id(&dom, "verdict");
    assert_eq!(attr(&verdict, "data-verdict").as_deref(), Some("fix-first"));
    assert_eq!(text(&by_id(&dom, "verdict-word")), "FIX FIRST");
    assert_eq!(text(&by_id(&dom, "verdict-reason")), s.run.audit().reason());

    let table = by_id(&dom, "risk-table");
    let headers = all(&all(&table, "thead")[0], "th");
    assert!(
        headers
            .iter()
            .all(|th| attr(th, "scope").as_deref() == Some("col"))
    );
    let rows: Vec<Vec<Option<String>>> = all(&all(&table, "tbody")[0], "tr")
        .iter()
        .map(|tr| {
            [
                "data-rank",
                "data-rule",
                "data-severity",
                "data-in-head",
                "data-in-bundle",
            ]
            .iter()
            .map(|k| attr(tr, k))
            .collect()
        })
        .collect();
    let row = |rank: &str, rule: &str, sev: &str, head: &str, bundle: &str| {
        [rank, rule, sev, head, bundle]
            .map(|v| Some(v.to_string()))
            .to_vec()
    };
    assert_eq!(
        rows,
        [
            row("1", "github-pat-classic", "critical", "true", "true"),
            row("2", "stripe-secret-key-live", "critical", "true", "false"),
            row("3", "env-drift", "medium", "true", "false"),
            row("4", "aws-access-key-id", "high", "false", "false"),
            row("5", "stripe-secret-key-live", "critical", "false", "false"),
        ]
    );
    for (tr, risk) in all(&table, "tr")
        .iter()
        .filter(|tr| attr(tr, "data-rank").is_some())
        .zip(s.run.audit().risks())
    {
        let fp = attr(tr, "data-fingerprint").expect("a fingerprint");
        assert_eq!(fp.len(), 16);
        assert!(risk.fingerprint.starts_with(&fp));
    }

    // The env matrix: columns, rows and cells as the brief names them, the state in words.
    let matrices: Vec<Handle> = all(doc, "table")
        .into_iter()
        .filter(|t| attr(t, "class").as_deref() == Some("env-matrix"))
        .collect();
    assert_eq!(matrices.len(), 1);
    assert_eq!(attr(&matrices[0], "data-dir").as_deref(), Some(""));
    let envs: Vec<String> = all(&matrices[0], "th")
        .iter()
        .filter_map(|th| {
            attr(th, "data-env").inspect(|_| {
                assert_eq!(attr(th, "scope").as_deref(), Some("col"));
            })
        })
        .collect();
    assert_eq!(envs, ["local/development", "staging", "production"]);
    let stripe_row = all(&matrices[0], "tr")
        .into_iter()
        .find(|tr| attr(tr, "data-var").as_deref() == Some("STRIPE_SECRET_KEY"))
        .expect("the row");
    let first = &children(&stripe_row)[0];
    assert_eq!(tag(first), "th");
    assert_eq!(attr(first, "scope").as_deref(), Some("row"));
    assert_eq!(text(first), "STRIPE_SECRET_KEY");
    let cells: Vec<(String, String, String, String)> = all(&stripe_row, "td")
        .iter()
        .map(|td| {
            (
                attr(td, "data-env").unwrap_or_default(),
                attr(td, "data-state").unwrap_or_default(),
                attr(td, "data-checks").unwrap_or_default(),
                text(td),
            )
        })
        .collect();
    assert_eq!(
        cells[1],
        (
            "staging".to_string(),
            "shared-value".to_string(),
            "env-shared-secret".to_string(),
            "shared valueenv-shared-secret".to_string()
        )
    );
    assert_eq!(cells[0].1, "set");
    assert_eq!(cells[0].3, "set");

    // The timeline: one group per secret with a known first commit, then its table.
    let svg = by_id(&dom, "timeline-svg");
    assert_eq!(attr(&svg, "role").as_deref(), Some("img"));
    assert_eq!(
        attr(&svg, "aria-labelledby").as_deref(),
        Some("timeline-title")
    );
    assert_eq!(tag(&by_id(&dom, "timeline-title")), "title");
    let groups: Vec<String> = all(&svg, "g")
        .iter()
        .filter(|g| attr(g, "class").is_some_and(|c| c.split(' ').any(|c| c == "secret")))
        .filter_map(|g| attr(g, "data-fingerprint"))
        .collect();
    let committed: Vec<String> = s
        .run
        .audit()
        .credentials()
        .filter(|r| r.first_commit.is_some())
        .map(|r| r.short_fingerprint().to_string())
        .collect();
    assert_eq!(groups, committed);
    assert_eq!(groups.len(), 3);
    let timeline = by_id(&dom, "timeline");
    let order: Vec<String> = elements(&timeline)
        .iter()
        .filter_map(|e| attr(e, "id"))
        .collect();
    let svg_at = order.iter().position(|id| id == "timeline-svg");
    let table_at = order.iter().position(|id| id == "timeline-table");
    assert!(svg_at < table_at, "{order:?}");
    assert!(text(&by_id(&dom, "timeline-table")).contains("still present"));

    // Bundles, coverage and the handover list.
    let bundles = text(&by_id(&dom, "bundles"));
    assert!(bundles.contains("web/dist") && bundles.contains("every visitor's browser"));
    assert!(text(&by_id(&dom, "bundle-risks")).contains("web/dist/assets/app.js"));
    let coverage = by_id(&dom, "coverage");
    assert_eq!(
        attr(&by_id(&dom, "coverage-state"), "data-complete").as_deref(),
        Some("true")
    );
    assert!(text(&coverage).contains("vendor/big.bin: skipped (Binary)"));
    assert!(text(&coverage).contains("History is complete."));
    assert!(text(&coverage).contains("1 accepted finding is not counted"));
    let handover = by_id(&dom, "handover-list");
    assert_eq!(tag(&handover), "ol");
    let items: Vec<String> = children(&handover)
        .iter()
        .map(|li| attr(li, "data-fingerprint").expect("a fingerprint"))
        .collect();
    assert_eq!(items.len(), 4);
    assert!(text(&handover).contains("the production host's configuration"));

    assert_no_secret(&[("html", &page)], &s.secrets);
}

#[test]
fn a_clean_run_says_so_without_a_table() {
    let run = Run::new(vec![], full_history(3), Inventory::default());
    let page = run.html();
    let dom = well_formed(&page);
    assert_eq!(
        attr(&by_id(&dom, "verdict"), "data-verdict").as_deref(),
        Some("ship")
    );
    assert_eq!(text(&by_id(&dom, "verdict-word")), "SHIP");
    by_id(&dom, "no-risks");
    assert!(!page.contains("id=\"risk-table\""));
    assert!(!page.contains("id=\"timeline-svg\""));
    by_id(&dom, "no-credentials");
}

#[test]
fn an_incomplete_run_says_what_was_not_read() {
    let mut stats = full_history(3);
    stats.skipped.too_large = 1;
    stats.history.as_mut().expect("history").truncated = true;
    let run = Run::new(vec![], stats, Inventory::default());
    let dom = well_formed(&run.html());
    assert_eq!(text(&by_id(&dom, "verdict-word")), "FIX FIRST");
    let state = by_id(&dom, "coverage-state");
    assert_eq!(attr(&state, "data-complete").as_deref(), Some("false"));
    assert_eq!(
        text(&state),
        "Not everything was read: 1 file larger than --max-file-size was skipped and git \
         history stops at a shallow clone's boundary, so the verdict cannot be SHIP."
    );
    assert_eq!(
        attr(&by_id(&dom, "history-coverage"), "data-truncated").as_deref(),
        Some("true")
    );
}

#[test]
fn the_timeline_ends_a_removed_secret_and_leaves_a_present_one_open() {
    let s = startup();
    let page = s.run.html();
    let dom = well_formed(&page);
    let svg = by_id(&dom, "timeline-svg");
    let secrets: Vec<Handle> = all(&svg, "g")
        .into_iter()
        .filter(|g| attr(g, "data-fingerprint").is_some())
        .collect();
    // Rank order: the bundled token and the Stripe key are still there, the AWS key left.
    let shapes = |g: &Handle| -> (usize, usize) {
        let ends = all(g, "rect")
            .iter()
            .filter(|r| attr(r, "class").as_deref() == Some("end"))
            .count();
        (all(g, "path").len(), ends)
    };
    assert_eq!(shapes(&secrets[0]), (1, 0));
    assert_eq!(shapes(&secrets[1]), (1, 0));
    assert_eq!(shapes(&secrets[2]), (0, 1));
    let tip = text(&all(&secrets[2], "title")[0]);
    assert!(tip.contains("entered 2022-01-05, left 2022-06-01"), "{tip}");
    // Entered before it left: the bar runs to the right.
    let rect = &all(&secrets[2], "rect")[0];
    let width: f64 = attr(rect, "width")
        .and_then(|w| w.parse().ok())
        .expect("a width");
    assert!(width > 2.0);
}

#[test]
fn escape_covers_markup_quotes_and_invisible_characters() {
    assert_eq!(
        escape("<a href=\"x\" title='y'>&</a>"),
        "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
    );
    assert_eq!(
        escape("a\u{1b}[31m\u{202e}b\u{0}"),
        "a\\u{1b}[31m\\u{202e}b\\u{0}"
    );
    assert_eq!(escape("tab\tline\n"), "tab\tline\n");
    assert_eq!(
        escape("\u{fdd0}\u{fffe}\u{1fffe}"),
        "\\u{fdd0}\\u{fffe}\\u{1fffe}"
    );
    assert_eq!(escape("café ✓ \u{200b}"), "café ✓ \u{200b}");
}

/// Repository text that tries everything: markup, comments, scripts, quotes, RTL and
/// zero-width marks, controls, lossy non-UTF-8, Markdown syntax.
const HOSTILE: &[&str] = &[
    "</script><script>alert(1)</script>",
    "<!-- comment --><![CDATA[x]]>",
    "\" onmouseover=\"alert(1)\" '",
    "abc\u{202e}gpj.exe\u{200b}\u{feff}",
    "caf\u{fffd}\u{fffd}.env",
    "a|b|c `code` [link](https://evil.example) ![img](x.png) <img src=x onerror=alert(1)>",
    "*em* _u_ ~~s~~ \\ www.evil.example user@evil.example",
    "line\nbreak\r\n| --- |\n# heading",
    "\u{1b}[31m\u{0}\u{7f}\u{85}\u{fdd0}\u{ffff}",
    "</svg></title></textarea><style>x</style>",
];

fn hostile_run(h: &str) -> Startup {
    let mut s = startup();
    for f in &mut s.run.findings {
        for text in f.repository_text_mut() {
            text.push_str(h);
        }
        f.message = Some(format!("message {h}"));
        f.rule = Arc::new(RuleInfo {
            id: format!("{}{h}", f.rule.id),
            name: format!("{}{h}", f.rule.name),
            description: format!("{} {h}", f.rule.description),
            severity: f.rule.severity,
            tags: vec![h.to_string()],
        });
    }
    for text in s.run.inventory.repository_text_mut() {
        text.push_str(h);
    }
    for m in &mut s.run.inventory.env {
        for c in &mut m.environments {
            c.environment.push_str(h);
        }
        for row in &mut m.variables {
            for c in &mut row.cells {
                c.checks.push(h.to_string());
            }
        }
    }
    s.run.stats.warn(format!("warning {h}"));
    for v in &mut s.run.stats.vcs {
        v.repository_uri.push_str(h);
        v.branch = Some(h.to_string());
    }
    s
}

#[test]
fn hostile_repository_text_keeps_the_page_well_formed_and_inert() {
    for h in HOSTILE {
        let s = hostile_run(h);
        let page = s.run.html();
        let dom = well_formed(&page);
        // Nothing the repository wrote became an element or an attribute.
        for e in elements(&dom.document) {
            assert!(
                !matches!(tag(&e).as_str(), "img" | "textarea" | "iframe" | "object"),
                "{h:?} made a <{}>",
                tag(&e)
            );
            if let NodeData::Element { attrs, .. } = &e.data {
                for a in attrs.borrow().iter() {
                    assert!(
                        !a.name.local.starts_with("on"),
                        "{h:?} made {}",
                        &*a.name.local
                    );
                }
            }
        }
        assert_eq!(all(&dom.document, "script").len(), 1, "{h:?}");
        assert_eq!(all(&dom.document, "style").len(), 1, "{h:?}");
        assert_eq!(all(&dom.document, "section").len(), 7, "{h:?}");
        // The text is there, as text.
        let risks = text(&by_id(&dom, "risks"));
        let visible: String = h
            .chars()
            .take_while(|c| !super::html::escape(&c.to_string()).starts_with('\\'))
            .collect();
        assert!(risks.contains(&visible), "{h:?} not shown as text");
        let md = s.run.markdown();
        let json = s.run.json();
        assert_no_secret(
            &[
                ("html", &page),
                ("markdown", &md),
                ("json", &String::from_utf8_lossy(&json)),
            ],
            &s.secrets,
        );
        markdown_is_inert(&md, &s.run.audit());
    }
}

// ---------------------------------------------------------------------------------------------
// Markdown

/// The Markdown parses into the tables and text we wrote: no link, image, HTML or
/// strikethrough from repository text, and every risk row with its rank, fingerprint and flags
/// in their own columns.
fn markdown_is_inert(md: &str, audit: &Audit) {
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut in_cell = false;
    for event in Parser::new_ext(md, options) {
        match &event {
            Event::Html(h) | Event::InlineHtml(h) => panic!("HTML in the Markdown: {h:?}"),
            Event::Start(Tag::Link { dest_url, .. }) => panic!("a link to {dest_url:?}"),
            Event::Start(Tag::Image { dest_url, .. }) => panic!("an image of {dest_url:?}"),
            Event::Start(Tag::Strikethrough) => panic!("strikethrough"),
            Event::Start(Tag::Heading { .. }) => {}
            Event::Start(Tag::TableRow) | Event::Start(Tag::TableHead) => rows.push(Vec::new()),
            Event::Start(Tag::TableCell) => {
                in_cell = true;
                rows.last_mut().expect("a row").push(String::new());
            }
            Event::End(TagEnd::TableCell) => in_cell = false,
            Event::Text(t) | Event::Code(t) if in_cell => {
                rows.last_mut()
                    .and_then(|r| r.last_mut())
                    .expect("a cell")
                    .push_str(t);
            }
            _ => {}
        }
    }
    let risk_rows: Vec<&Vec<String>> = rows
        .iter()
        .filter(|r| r.len() == 8 && r[0].parse::<usize>().is_ok())
        .collect();
    assert_eq!(risk_rows.len(), audit.risks().len(), "{md}");
    for (row, risk) in risk_rows.iter().zip(audit.risks()) {
        assert_eq!(row[0], risk.rank.to_string());
        assert_eq!(row[2], risk.short_fingerprint());
        assert_eq!(row[5], if risk.in_head { "yes" } else { "no" });
        assert_eq!(row[6], if risk.in_bundle { "yes" } else { "no" });
        let name = visible(&risk.rule.name);
        assert!(
            row[1].trim_start().starts_with(name.trim_start()),
            "{:?} in {:?}",
            risk.rule.name,
            row[1]
        );
    }
}

/// Text as the page shows it: invisible characters as their escapes, line breaks as spaces.
fn visible(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\n' => " ".to_string(),
            c => {
                let e = escape(&c.to_string());
                if e.starts_with('\\') {
                    e
                } else {
                    c.to_string()
                }
            }
        })
        .collect()
}

#[test]
fn markdown_escapes_tables_code_links_and_html() {
    let s =
        hostile_run("a|b `c` [link](x) <img src=x> https://e.example www.e.example u@e.example");
    let md = s.run.markdown();
    markdown_is_inert(&md, &s.run.audit());
    assert!(md.contains(
        r"a\|b \`c\` \[link\](x) &lt;img src=x&gt; https&#58;//e.example www&#46;e.example u&#64;e.example"
    ));
    assert!(!md.contains("https://e.example"));
    // The page's sections, in the page's order.
    let headings: Vec<&str> = md.lines().filter(|l| l.starts_with("## ")).collect();
    assert_eq!(
        headings,
        [
            "## Risks, most urgent first",
            "## Environment separation",
            "## When secrets entered and left history",
            "## Client bundles: what ships to browsers",
            "## What was read, and what was not",
            "## Handover checklist",
        ]
    );
}

#[test]
fn the_markdown_of_a_small_audit() {
    let mut s = startup();
    s.run.stats.vcs.clear();
    let md = s
        .run
        .markdown()
        .replace(env!("CARGO_PKG_VERSION"), "VERSION");
    insta::assert_snapshot!(md);
}

// ---------------------------------------------------------------------------------------------
// JSON

#[test]
fn the_json_is_the_report_plus_inventory_and_audit() {
    let s = startup();
    let bytes = s.run.json();
    let doc: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
    for key in [
        "schema_version",
        "tool",
        "findings",
        "summary",
        "inventory",
        "audit",
    ] {
        assert!(doc.get(key).is_some(), "no {key}");
    }
    // The normal report's findings: the active ones.
    assert_eq!(doc["findings"].as_array().map(Vec::len), Some(6));
    assert_eq!(doc["summary"]["suppressed"], 1);
    assert_eq!(doc["inventory"]["bundles"][0]["path"], "web/dist");
    assert_eq!(
        doc["inventory"]["env"][0]["variables"][1]["cells"][1]["state"],
        "shared-value"
    );
    let audit = &doc["audit"];
    assert_eq!(audit["verdict"], "fix-first");
    assert_eq!(audit["reason"], s.run.audit().reason());
    let risks = audit["risks"].as_array().expect("risks");
    assert_eq!(risks.len(), 5);
    for (i, r) in risks.iter().enumerate() {
        assert_eq!(r["rank"], i + 1);
        assert_eq!(r["fingerprint"].as_str().map(str::len), Some(16));
    }
    assert_eq!(risks[0]["rule"], "github-pat-classic");
    assert_eq!(risks[0]["in_bundle"], true);
    assert_eq!(risks[3]["in_head"], false);
    assert_eq!(risks[3]["left_head"]["author_name"], "Dee");
    assert_eq!(risks[1]["home"]["kind"], "host-config");
    // `leakgate merge` still reads it as a report.
    let read = crate::report::read::parse("leakgate-audit.json", &bytes).expect("a report");
    assert_eq!(read.findings.len(), 6);
    assert_no_secret(&[("json", &String::from_utf8_lossy(&bytes))], &s.secrets);
}

#[test]
fn no_output_shows_a_secret_even_when_the_options_ask() {
    let mut s = startup();
    s.run.options.show_secrets = true;
    s.run.options.show_suppressed = true;
    let page = s.run.html();
    let md = s.run.markdown();
    let json = String::from_utf8(s.run.json()).expect("UTF-8");
    assert_no_secret(
        &[("html", &page), ("markdown", &md), ("json", &json)],
        &s.secrets,
    );
}

// ---------------------------------------------------------------------------------------------
// Properties

fn inventory() -> impl Strategy<Value = Inventory> {
    let h = properties::hostile;
    let state = prop::sample::select(vec![
        CellState::Missing,
        CellState::Empty,
        CellState::Set,
        CellState::SharedValue,
        CellState::TestKey,
        CellState::DevEndpoint,
    ]);
    let matrix = (
        h(),
        prop::collection::vec((h(), prop::collection::vec(h(), 0..2)), 0..3),
        prop::collection::vec(
            (
                h(),
                prop::collection::vec((state, prop::collection::vec(h(), 0..2)), 3),
            ),
            0..3,
        ),
    )
        .prop_map(|(dir, columns, rows)| {
            let n = columns.len();
            EnvMatrix {
                dir,
                environments: columns
                    .into_iter()
                    .map(|(environment, files)| EnvColumn { environment, files })
                    .collect(),
                variables: rows
                    .into_iter()
                    .map(|(name, cells)| EnvRow {
                        name,
                        cells: cells
                            .into_iter()
                            .take(n)
                            .map(|(state, checks)| EnvCell { state, checks })
                            .collect(),
                    })
                    .collect(),
            }
        });
    let bundle = (h(), any::<bool>(), 0..100usize, 0..1_000_000u64).prop_map(
        |(path, client, files, bytes)| BuildFolder {
            path,
            client,
            files,
            bytes,
            source_maps: files / 3,
        },
    );
    (
        prop::collection::vec(matrix, 0..2),
        prop::collection::vec(bundle, 0..2),
        prop::collection::vec((h(), h(), h(), h()), 0..2),
    )
        .prop_map(|(env, bundles, departures)| Inventory {
            env,
            bundles,
            departures: departures
                .into_iter()
                .map(|(fingerprint, author_name, date, summary)| Departure {
                    fingerprint,
                    commit: CommitInfo {
                        id: "ef".repeat(20),
                        author_name,
                        author_email: String::new(),
                        date,
                        summary,
                    },
                })
                .collect(),
        })
}

proptest! {
    #![proptest_config(properties::cases(24))]

    /// Whatever text the repository holds, the page parses without an error, the Markdown
    /// keeps its tables, the JSON parses, and no format shows a secret.
    #[test]
    fn any_repository_text_keeps_every_format_well_formed_and_redacted(
        mut findings in prop::collection::vec(properties::finding(), 0..4),
        inventory in inventory(),
        warning in properties::hostile(),
        truncated in any::<bool>(),
    ) {
        // Histories of some findings, in the date format git records, for the timeline.
        for (i, f) in findings.iter_mut().enumerate() {
            if let Some(c) = &mut f.commit && i.is_multiple_of(2) {
                c.date = format!("20{:02}-0{}-1{}T10:00:00+02:00", 10 + i, 1 + i % 9, i % 9);
            }
        }
        let mut stats = full_history(5);
        stats.history.as_mut().expect("history").truncated = truncated;
        stats.warn(warning);
        let run = Run { findings, stats, inventory, options: options(Severity::Low) };
        let page = run.html();
        let errors = parse(&page).errors.borrow().clone();
        prop_assert!(errors.is_empty(), "parse errors: {:?}", errors);
        let md = run.markdown();
        markdown_is_inert(&md, &run.audit());
        let json = run.json();
        let doc: Result<serde_json::Value, _> = serde_json::from_slice(&json);
        prop_assert!(doc.is_ok());
        let json = String::from_utf8_lossy(&json);
        for f in &run.findings {
            for (format, out, shown) in [
                ("html", page.as_str(), escape(&f.secret)),
                ("markdown", md.as_str(), super::markdown::md(&f.secret)),
                ("json", &*json, serde_json::to_string(&f.secret).expect("a string")),
            ] {
                prop_assert!(!out.contains(&f.secret), "{} shows {:?}", format, f.secret);
                let shown = shown.trim_matches('"');
                prop_assert!(!out.contains(shown), "{} shows {:?}", format, f.secret);
            }
        }
    }
}

#[test]
fn a_risk_says_its_confidence_when_it_is_not_likely() {
    let mut s = startup();
    let github = s
        .run
        .findings
        .iter_mut()
        .find(|f| f.rule.id == "github-pat-classic")
        .expect("the startup has a GitHub token");
    github.confidence = crate::finding::Confidence::Validated;
    let md = s.run.markdown();
    assert!(md.contains("(critical, validated)"), "{md}");
    assert!(!md.contains("likely"), "likely is the default, not shown");
    let page = s.run.html();
    assert!(page.contains("<span class=\"confidence\">validated</span>"));
    let json: serde_json::Value = serde_json::from_slice(&s.run.json()).expect("JSON");
    let risks = json["audit"]["risks"].as_array().expect("risks");
    assert!(risks.iter().any(|r| r["confidence"] == "validated"));
    assert!(risks.iter().any(|r| r["confidence"] == "likely"));
}
