//! Understanding the GitHub Actions environment, in Rust so it is tested: from the event name
//! and payload, decide what a CI scan covers. A push scans the pushed commits, a new branch its
//! whole history, a pull request the commits between base and head, and scheduled or manual
//! runs everything.
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
    },
    /// Everything reachable from `head` (a new branch).
    BranchHistory { head: String },
    /// The working tree and the full history.
    Everything { reason: String },
}

impl CiPlan {
    /// For a pull request, the commit whose rules and config are trusted (not the PR's own).
    pub fn trusted_config_commit(&self, event: &str) -> Option<&str> {
        match self {
            CiPlan::Range { base, .. } if event.starts_with("pull_request") => Some(base),
            _ => None,
        }
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
        "pull_request" | "pull_request_target" => {
            let payload = read_payload(event, payload_path)?;
            let pr = payload
                .pull_request
                .ok_or_else(|| missing(event, "pull_request"))?;
            Ok(CiPlan::Range {
                base: valid_sha(event, pr.base.sha, "pull_request.base.sha")?,
                head: valid_sha(event, pr.head.sha, "pull_request.head.sha")?,
                reason: "pull request: the commits between its base and head".into(),
            })
        }
        other => Ok(CiPlan::Everything {
            reason: format!("{other} event: the working tree and the full history"),
        }),
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
    Ok(CiPlan::Range {
        base: valid_sha("push", before, "before")?,
        head: after,
        reason: reason.into(),
    })
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
            }
        );
        assert_eq!(plan.trusted_config_commit("push"), None);
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
            plan.trusted_config_commit("pull_request"),
            Some("f95f852bd8fca8fcc58a9a2d6c842781e32a215e")
        );
    }

    #[test]
    fn schedule_and_dispatch_scan_everything() {
        for event in ["schedule", "workflow_dispatch"] {
            assert!(matches!(
                plan(event, Some(&fixture("schedule.json"))).unwrap(),
                CiPlan::Everything { .. }
            ));
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
}
