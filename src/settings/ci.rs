//! Understanding the GitHub Actions environment, in Rust so it is tested: from the event name
//! and payload, decide what a CI scan covers and whose configuration judges it. A push scans
//! the pushed commits, a new branch its whole history, a pull request (or a merge queue entry)
//! the commits between base and head, and scheduled or manual runs everything.
//!
//! Trust is decided by the event, never by the checkout: only the events a maintainer starts
//! (push, schedule, manual dispatch) may use the working tree's configuration. Every other
//! event, including ones this version does not know, runs on behalf of code that has not been
//! reviewed, so it is judged by the base commit's configuration or, without one, by the
//! built-in rules alone ([`Trust`]).
//!
//! Values from the payload are data: they are parsed here and never pass through a shell.

use serde::Deserialize;
use std::path::Path;
use thiserror::Error;

/// What a CI run should scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CiPlan {
    /// Commits reachable from `head` but not from `base` (`base..head`).
    Range {
        base: String,
        head: String,
        /// Why this range: shown to the user.
        reason: String,
        /// For a push to a branch other than the default one: the default branch's name. If
        /// `base` is missing from a clone that is not shallow (history was rewritten), the
        /// commits of `head` that this branch's remote-tracking ref lacks are scanned instead.
        default_branch: Option<String>,
    },
    /// Everything reachable from `head` (a new branch).
    BranchHistory { head: String },
    /// The working tree and the full history.
    Everything { reason: String },
}

/// Whose configuration (`.leakgate.yml`, `.leakgateignore`, rules files, baseline, inline
/// allows) a CI run may use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    /// A run a maintainer started on the repository's own branch: the working tree's.
    WorkingTree,
    /// A run on behalf of a pull request: the base commit's, read from git, never the files of
    /// the checkout; inline allows the pull request adds are not trusted.
    BaseCommit(String),
    /// On behalf of a pull request (or an unknown event) with no base commit to read: none at
    /// all, only the built-in rules. `reason` says why, to the user.
    BuiltIn { reason: String },
}

/// The events a maintainer starts on the repository's own code: the only ones whose working
/// tree is trusted. Anything else (every `pull_request*` event, `merge_group`, review events,
/// `issue_comment`, `workflow_run`, events GitHub adds later) is scanned as a pull request.
const TRUSTED_EVENTS: &[&str] = &["push", "schedule", "workflow_dispatch"];

/// Whose configuration judges `plan` for `event` (before checking that a base commit exists).
pub fn trust(event: &str, plan: &CiPlan) -> Trust {
    if TRUSTED_EVENTS.contains(&event) {
        return Trust::WorkingTree;
    }
    match plan {
        CiPlan::Range { base, .. } => Trust::BaseCommit(base.clone()),
        _ => Trust::BuiltIn {
            reason: format!(
                "the {event} event may run on behalf of a pull request and names no base commit"
            ),
        },
    }
}

#[derive(Debug, Error)]
pub enum CiError {
    #[error("not running in GitHub Actions (GITHUB_EVENT_NAME is not set); drop --ci")]
    NotGithub,
    #[error("GITHUB_EVENT_PATH {path}: cannot read the event payload")]
    PayloadUnreadable {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("GITHUB_EVENT_PATH {path}: not a GitHub event payload")]
    Payload {
        path: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("the {event} event payload has no {field}")]
    Missing { event: String, field: &'static str },
}

/// The all-zero id GitHub sends as `before` when a branch is created.
const ZERO_SHA: &str = "0000000000000000000000000000000000000000";

#[derive(Debug, Deserialize)]
struct Payload {
    #[serde(default)]
    before: Option<String>,
    #[serde(default)]
    after: Option<String>,
    #[serde(default)]
    created: Option<bool>,
    #[serde(default)]
    deleted: Option<bool>,
    #[serde(default)]
    forced: Option<bool>,
    #[serde(default)]
    pull_request: Option<PullRequest>,
    #[serde(default)]
    merge_group: Option<MergeGroup>,
    /// The pushed ref (`refs/heads/feature`).
    #[serde(default, rename = "ref")]
    pushed_ref: Option<String>,
    #[serde(default)]
    repository: Option<Repository>,
}

#[derive(Debug, Deserialize)]
struct Repository {
    #[serde(default)]
    default_branch: Option<String>,
}

/// A merge queue entry: the queue's base and the temporary branch that adds the pull request.
#[derive(Debug, Deserialize)]
struct MergeGroup {
    base_sha: String,
    head_sha: String,
}

#[derive(Debug, Deserialize)]
struct PullRequest {
    base: GitRef,
    head: GitRef,
}

#[derive(Debug, Deserialize)]
struct GitRef {
    sha: String,
}

/// Reads `GITHUB_EVENT_NAME` and the payload at `GITHUB_EVENT_PATH`.
pub fn plan_from_env() -> Result<(String, CiPlan), CiError> {
    let event = std::env::var("GITHUB_EVENT_NAME").map_err(|_| CiError::NotGithub)?;
    let path = std::env::var_os("GITHUB_EVENT_PATH");
    let plan = plan(&event, path.as_deref().map(Path::new))?;
    Ok((event, plan))
}

pub fn plan(event: &str, payload_path: Option<&Path>) -> Result<CiPlan, CiError> {
    match event {
        "push" => plan_push(&read_payload(event, payload_path)?),
        "schedule" | "workflow_dispatch" => Ok(everything(event)),
        "merge_group" => {
            let group = read_payload(event, payload_path)?
                .merge_group
                .ok_or_else(|| missing(event, "merge_group"))?;
            Ok(CiPlan::Range {
                base: valid_sha(event, group.base_sha, "merge_group.base_sha")?,
                head: valid_sha(event, group.head_sha, "merge_group.head_sha")?,
                reason: "merge queue: the commits between its base and head".into(),
                default_branch: None,
            })
        }
        // `pull_request`, `pull_request_target`, `pull_request_review`,
        // `pull_request_review_comment`: the payload names the pull request's base and head.
        pr_event if pr_event.starts_with("pull_request") => {
            let payload = read_payload(event, payload_path)?;
            let pr = payload
                .pull_request
                .ok_or_else(|| missing(event, "pull_request"))?;
            pull_request_range(event, pr)
        }
        // Another event (`issue_comment`, `workflow_run`, one GitHub adds later): its pull
        // request's commits if the payload names them, else everything; judged as a pull
        // request either way (see [`trust`]).
        other => match read_payload(event, payload_path)
            .ok()
            .and_then(|p| p.pull_request)
        {
            Some(pr) => pull_request_range(event, pr),
            None => Ok(everything(other)),
        },
    }
}

fn pull_request_range(event: &str, pr: PullRequest) -> Result<CiPlan, CiError> {
    Ok(CiPlan::Range {
        base: valid_sha(event, pr.base.sha, "pull_request.base.sha")?,
        head: valid_sha(event, pr.head.sha, "pull_request.head.sha")?,
        reason: format!("pull request ({event}): the commits between its base and head"),
        default_branch: None,
    })
}

fn everything(event: &str) -> CiPlan {
    CiPlan::Everything {
        reason: format!("{event} event: the working tree and the full history"),
    }
}

fn plan_push(payload: &Payload) -> Result<CiPlan, CiError> {
    let after = payload
        .after
        .clone()
        .ok_or_else(|| missing("push", "after"))?;
    if payload.deleted == Some(true) || after == ZERO_SHA {
        return Ok(CiPlan::Everything {
            reason: "push that deleted a branch: nothing new; scanning everything".into(),
        });
    }
    let after = valid_sha("push", after, "after")?;
    let before = payload
        .before
        .clone()
        .unwrap_or_else(|| ZERO_SHA.to_string());
    if payload.created == Some(true) || before == ZERO_SHA {
        return Ok(CiPlan::BranchHistory { head: after });
    }
    let reason = if payload.forced == Some(true) {
        "force push: the commits now on the branch that the old tip did not have"
    } else {
        "push: the pushed commits"
    };
    // Only a plain branch name other than the pushed one: it becomes a ref name, and a
    // push to the default branch itself has nothing to compare with but its own history.
    let default_branch = payload
        .repository
        .as_ref()
        .and_then(|r| r.default_branch.clone())
        .filter(|name| is_plain_branch_name(name))
        .filter(|name| payload.pushed_ref.as_deref() != Some(&format!("refs/heads/{name}")));
    Ok(CiPlan::Range {
        base: valid_sha("push", before, "before")?,
        head: after,
        reason: reason.into(),
        default_branch,
    })
}

/// A branch name that is safe to put into `refs/remotes/<remote>/<name>`: no revision syntax
/// (`..`, `^`, `~`, `@{`, `:`), nothing git itself would refuse.
fn is_plain_branch_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && !name.starts_with(['-', '/', '.'])
        && !name.ends_with(['/', '.'])
        && !name.contains("..")
        && !name.contains("//")
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./".contains(&b))
}

fn read_payload(event: &str, path: Option<&Path>) -> Result<Payload, CiError> {
    let path = path.ok_or_else(|| missing(event, "payload (GITHUB_EVENT_PATH is not set)"))?;
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| CiError::PayloadUnreadable {
        path: shown.clone(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| CiError::Payload {
        path: shown,
        source,
    })
}

fn valid_sha(event: &str, sha: String, field: &'static str) -> Result<String, CiError> {
    if sha.len() >= 7 && sha.len() <= 64 && sha.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(sha)
    } else {
        Err(missing(event, field))
    }
}

fn missing(event: &str, field: &'static str) -> CiError {
    CiError::Missing {
        event: event.to_string(),
        field,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn fixture(name: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/github")
            .join(name)
    }

    #[test]
    fn push_scans_before_to_after() {
        let plan = plan("push", Some(&fixture("push.json"))).unwrap();
        assert_eq!(
            plan,
            CiPlan::Range {
                base: "6113728f27ae82c7b1a177c8d03f9e96e0adf246".into(),
                head: "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c".into(),
                reason: "push: the pushed commits".into(),
                default_branch: None,
            }
        );
        assert_eq!(trust("push", &plan), Trust::WorkingTree);
    }

    #[test]
    fn a_new_branch_scans_its_whole_history() {
        let plan = plan("push", Some(&fixture("push_new_branch.json"))).unwrap();
        assert_eq!(
            plan,
            CiPlan::BranchHistory {
                head: "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c".into()
            }
        );
    }

    #[test]
    fn a_force_push_scans_what_the_old_tip_did_not_have() {
        match plan("push", Some(&fixture("push_forced.json"))).unwrap() {
            CiPlan::Range { base, reason, .. } => {
                assert_eq!(base, "a10867b14bb761a232cd80139fbd4c0d33264240");
                assert!(reason.contains("force push"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_push_to_another_branch_names_the_default_branch_to_fall_back_on() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("push.json");
        let payload = |pushed: &str, default: &str| {
            serde_json::json!({
                "ref": pushed, "before": "a".repeat(40), "after": "b".repeat(40),
                "forced": true, "repository": { "default_branch": default }
            })
            .to_string()
        };
        let fallback = |pushed: &str, default: &str| {
            std::fs::write(&path, payload(pushed, default)).unwrap();
            match plan("push", Some(&path)).unwrap() {
                CiPlan::Range { default_branch, .. } => default_branch,
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(
            fallback("refs/heads/feature", "main").as_deref(),
            Some("main")
        );
        assert_eq!(fallback("refs/heads/main", "main"), None);
        for hostile in ["main^{/x}", "a..b", "-x", "main@{1}", "x:y", "", "a b"] {
            assert_eq!(fallback("refs/heads/feature", hostile), None, "{hostile}");
        }
    }

    #[test]
    fn a_deleted_branch_has_nothing_new() {
        assert!(matches!(
            plan("push", Some(&fixture("push_deleted.json"))).unwrap(),
            CiPlan::Everything { .. }
        ));
    }

    #[test]
    fn a_pull_request_scans_base_to_head_and_trusts_the_base_config() {
        let plan = plan("pull_request", Some(&fixture("pull_request.json"))).unwrap();
        match &plan {
            CiPlan::Range { base, head, .. } => {
                assert_eq!(base, "f95f852bd8fca8fcc58a9a2d6c842781e32a215e");
                assert_eq!(head, "ec26c3e57ca3a959ca5aad62de7213c562f8c821");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            trust("pull_request", &plan),
            Trust::BaseCommit("f95f852bd8fca8fcc58a9a2d6c842781e32a215e".into())
        );
    }

    #[test]
    fn every_event_on_behalf_of_a_pull_request_trusts_only_its_base() {
        for event in [
            "pull_request_target",
            "pull_request_review",
            "pull_request_review_comment",
            "some_future_event",
        ] {
            let range = plan(event, Some(&fixture("pull_request.json"))).unwrap();
            assert!(matches!(range, CiPlan::Range { .. }), "{event}: {range:?}");
            assert_eq!(
                trust(event, &range),
                Trust::BaseCommit("f95f852bd8fca8fcc58a9a2d6c842781e32a215e".into()),
                "{event}"
            );
        }
        let dir = tempfile::tempdir().unwrap();
        let group = dir.path().join("merge_group.json");
        std::fs::write(
            &group,
            r#"{"merge_group": {"base_sha": "aaaaaaa1", "head_sha": "bbbbbbb2", "head_ref": "x"}}"#,
        )
        .unwrap();
        let queued = plan("merge_group", Some(&group)).unwrap();
        assert_eq!(
            trust("merge_group", &queued),
            Trust::BaseCommit("aaaaaaa1".into())
        );
        // An event that names no pull request is scanned whole, with the built-in rules only.
        for event in ["issue_comment", "workflow_run"] {
            let all = plan(event, Some(&fixture("schedule.json"))).unwrap();
            assert!(matches!(all, CiPlan::Everything { .. }));
            assert!(
                matches!(trust(event, &all), Trust::BuiltIn { .. }),
                "{event}"
            );
        }
        assert!(plan("pull_request_review", Some(&fixture("push.json"))).is_err());
    }

    #[test]
    fn schedule_and_dispatch_scan_everything() {
        for event in ["schedule", "workflow_dispatch"] {
            let plan = plan(event, Some(&fixture("schedule.json"))).unwrap();
            assert!(matches!(plan, CiPlan::Everything { .. }));
            assert_eq!(trust(event, &plan), Trust::WorkingTree);
        }
    }

    #[test]
    fn a_payload_that_is_not_json_or_lacks_fields_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, "not json").unwrap();
        assert!(matches!(
            plan("push", Some(&bad)),
            Err(CiError::Payload { .. })
        ));
        std::fs::write(&bad, r#"{"after": "$(reboot)"}"#).unwrap();
        assert!(matches!(
            plan("push", Some(&bad)),
            Err(CiError::Missing { .. })
        ));
        assert!(plan("pull_request", None).is_err());
    }

    mod properties {
        use super::*;
        use crate::engine::testing::cases;
        use proptest::prelude::*;
        use serde_json::{Value, json};

        /// Values a payload field may hold: real commit ids, the all-zero id, revision syntax
        /// and options a hostile payload could try to pass to git, and anything else.
        fn field() -> impl Strategy<Value = Value> {
            prop_oneof![
                "[0-9a-f]{40}".prop_map(Value::from),
                "[0-9a-fA-F]{1,70}".prop_map(Value::from),
                Just(Value::from(ZERO_SHA)),
                prop::sample::select(vec![
                    "--output=/tmp/x",
                    "-c",
                    "HEAD~1",
                    "main..evil",
                    "@{u}",
                    "a b",
                    "main",
                    "refs/heads/main",
                    "feature/x",
                    "../x",
                    "-x",
                    "x.lock",
                    "",
                ])
                .prop_map(Value::from),
                "\\PC{0,12}".prop_map(Value::from),
                any::<bool>().prop_map(Value::from),
                any::<i64>().prop_map(Value::from),
                Just(Value::Null),
                Just(json!({})),
                Just(json!([])),
            ]
        }

        /// A payload with any of the fields the reader looks at, each holding anything.
        fn payload() -> impl Strategy<Value = Value> {
            (
                prop::collection::vec(
                    (
                        prop::sample::select(vec![
                            "before",
                            "after",
                            "created",
                            "deleted",
                            "forced",
                            "ref",
                            "pull_request",
                            "merge_group",
                            "repository",
                        ]),
                        field(),
                        field(),
                        field(),
                        any::<u8>(),
                    ),
                    0..9,
                ),
                "\\PC{0,8}",
            )
                .prop_map(|(fields, extra)| {
                    let mut map = serde_json::Map::new();
                    for (name, a, b, c, shape) in fields {
                        let value = match (name, shape % 3) {
                            ("pull_request", 0) => json!({"base": {"sha": a}, "head": {"sha": b}}),
                            ("merge_group", 0) => json!({"base_sha": a, "head_sha": b}),
                            ("repository", 0) => json!({"default_branch": a}),
                            ("ref", 0) => {
                                json!(format!("refs/heads/{}", b.as_str().unwrap_or("x")))
                            }
                            (_, 1) => c,
                            _ => a,
                        };
                        map.insert(name.to_string(), value);
                    }
                    map.insert(extra, json!(1));
                    Value::Object(map)
                })
        }

        fn is_sha(s: &str) -> bool {
            (7..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit())
        }

        proptest! {
            #![proptest_config(cases(256))]

            /// Whatever the payload holds, the reader never panics, and every commit id it
            /// hands on (to git, as revisions) is a hex id taken from the payload, never an
            /// option or revision syntax; a default branch it hands on is a plain name. A pull
            /// request's range is its payload's base and head, or an error: never wider, never
            /// guessed.
            #[test]
            fn any_payload_gives_a_plan_of_real_commit_ids_or_an_error(
                event in prop::sample::select(vec![
                    "push", "pull_request", "pull_request_target", "merge_group",
                    "issue_comment", "workflow_run", "schedule", "something_new",
                ]),
                payload in payload(),
                raw in prop::option::of(prop::collection::vec(any::<u8>(), 0..64)),
            ) {
                let dir = tempfile::tempdir().expect("temp dir");
                let path = dir.path().join("event.json");
                let bytes = raw.clone().unwrap_or_else(|| serde_json::to_vec(&payload).expect("JSON"));
                std::fs::write(&path, &bytes).expect("write payload");
                let result = plan(event, Some(&path));
                match &result {
                    Ok(CiPlan::Range { base, head, default_branch, .. }) => {
                        prop_assert!(is_sha(base) && is_sha(head), "{result:?}");
                        if let Some(name) = default_branch {
                            prop_assert!(is_plain_branch_name(name), "{result:?}");
                        }
                        if event.starts_with("pull_request") {
                            prop_assert_eq!(Some(base.as_str()), payload["pull_request"]["base"]["sha"].as_str());
                            prop_assert_eq!(Some(head.as_str()), payload["pull_request"]["head"]["sha"].as_str());
                        }
                    }
                    Ok(CiPlan::BranchHistory { head }) => prop_assert!(is_sha(head), "{result:?}"),
                    Ok(CiPlan::Everything { .. }) => {
                        prop_assert!(!event.starts_with("pull_request") && event != "merge_group", "{result:?}");
                    }
                    Err(e) => prop_assert!(!e.to_string().contains('\n')),
                }
                // Whose configuration judges it is decided by the event alone.
                if let Ok(plan) = &result {
                    let trusted = matches!(trust(event, plan), Trust::WorkingTree);
                    prop_assert_eq!(trusted, TRUSTED_EVENTS.contains(&event));
                }
            }
        }
    }
}
