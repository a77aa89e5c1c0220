//! One finding per problem. Two merges:
//!
//! - [`worktree_with_history`]: the same secret at the same place in the working tree and in
//!   history is reported once: at its working-tree location, with the commit that introduced
//!   it. "The same place" is the same path, or a file whose content is one of the blobs history
//!   found the secret in (a renamed file), recognised by blob id.
//! - [`one_per_value`]: a secret rule and the env checks that judge the same value (a live
//!   Stripe key in a staging env file is both "a Stripe live key" and "a production credential
//!   outside production") are one finding that carries every explanation.

use super::DisplayPaths;
use crate::checks::env_files::EnvRule;
use crate::finding::Finding;
use crate::source::history::HistoryFinding;
use crate::source::{BlobId, blob_id, worktree};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// Folds every env-check verdict about a variable's value into the finding of the secret on
/// that line: same file, same line (one variable per line in an env file), and the same value
/// (the env finding's value and the secret contain one another, or the env finding names no
/// value, as `env-shared-secret` does not). Env verdicts on a value no secret rule matched fold
/// into one another the same way. The result keeps the secret rule's fingerprint (rule +
/// secret, as before the merge), so ignore files and baselines written before still accept it;
/// its severity is the highest of the verdicts, and its message says what each one says.
///
/// Verdicts about something else on the line (a development host, a missing template entry)
/// and about a whole file stay their own findings, and so does a secret that history holds but
/// the file no longer does.
pub fn one_per_value(findings: Vec<Finding>) -> Vec<Finding> {
    let mut by_line: BTreeMap<(String, usize), Vec<usize>> = BTreeMap::new();
    for (i, f) in findings.iter().enumerate() {
        if is_value_verdict(f) || is_secret(f) {
            by_line
                .entry((f.location.path.clone(), f.location.line))
                .or_default()
                .push(i);
        }
    }
    let mut slots: Vec<Option<Finding>> = findings.into_iter().map(Some).collect();
    for members in by_line.into_values().filter(|m| m.len() > 1) {
        let mut primaries: Vec<usize> = members
            .iter()
            .copied()
            .filter(|&i| slots[i].as_ref().is_some_and(is_secret))
            .collect();
        primaries.sort_by_key(|&i| slots[i].as_ref().map(|f| f.location.column));
        let mut verdicts: Vec<usize> = members
            .iter()
            .copied()
            .filter(|&i| slots[i].as_ref().is_some_and(is_value_verdict))
            .collect();
        // A fixed order, so the verdict that survives (and its fingerprint) never changes.
        verdicts.sort_by(|&a, &b| {
            let key = |i: usize| {
                slots[i]
                    .as_ref()
                    .map(|f| (f.rule.id.clone(), f.secret.clone()))
            };
            key(a).cmp(&key(b))
        });
        for v in verdicts {
            let target = primaries.iter().copied().find(|&p| {
                let (Some(p), Some(v)) = (&slots[p], &slots[v]) else {
                    return false;
                };
                same_value(&p.secret, &v.secret)
            });
            match target {
                Some(p) => {
                    let verdict = slots[v].take().expect("each verdict is folded once");
                    slots[p]
                        .as_mut()
                        .expect("a primary is never folded away")
                        .absorb(verdict);
                }
                None => primaries.push(v),
            }
        }
    }
    slots.into_iter().flatten().collect()
}

/// A secret rule's match that is still where it was found (not a secret only history holds).
fn is_secret(f: &Finding) -> bool {
    EnvRule::from_id(&f.rule.id).is_none()
        && !f.secret.is_empty()
        && f.in_head != Some(false)
        && f.location.end_line >= f.location.line
}

/// An env check's verdict about a variable's value (not about a host, a name or a file).
fn is_value_verdict(f: &Finding) -> bool {
    EnvRule::from_id(&f.rule.id).is_some_and(EnvRule::is_about_value)
}

/// Whether two findings on one line judge the same value: one contains the other, or one of
/// them names no value.
fn same_value(a: &str, b: &str) -> bool {
    a.is_empty() || b.is_empty() || a.contains(b) || b.contains(a)
}

pub fn worktree_with_history(
    paths: &DisplayPaths,
    max_file_size: u64,
    mut worktree: Vec<Finding>,
    history: Vec<HistoryFinding>,
) -> Vec<Finding> {
    let mut by_fingerprint: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, h) in history.iter().enumerate() {
        by_fingerprint
            .entry(h.finding.fingerprint.as_str())
            .or_default()
            .push(i);
    }
    let mut absorbed = vec![false; history.len()];
    for w in &mut worktree {
        w.origin = Some(crate::finding::Origin {
            worktree: true,
            history: None,
        });
        let Some(candidates) = by_fingerprint.get(w.fingerprint.as_str()) else {
            continue;
        };
        let on_disk = paths.on_disk(&w.location.path);
        let mut file_blob = None;
        let same_place = candidates.iter().copied().find(|&i| {
            let h = &history[i];
            h.finding.location.path == w.location.path || {
                let blob = file_blob.get_or_insert_with(|| blob_of_file(&on_disk, max_file_size));
                blob.is_some_and(|b| h.blobs.contains(&b))
            }
        });
        if let Some(i) = same_place {
            w.commit = history[i].finding.commit.clone();
            w.in_head = history[i].finding.in_head;
            if let Some(origin) = &mut w.origin {
                origin.history = history[i]
                    .finding
                    .origin
                    .as_ref()
                    .and_then(|o| o.history.clone());
            }
            // History's message is the rule's verdict (the same token, so the same one)
            // with where the secret stands added: it says more.
            w.message = match (w.message.take(), &history[i].finding.message) {
                (None, theirs) => theirs.clone(),
                (Some(own), Some(theirs)) if theirs.contains(&own) => Some(theirs.clone()),
                (own, _) => own,
            };
            w.confidence = w.confidence.max(history[i].finding.confidence);
            for &j in candidates {
                let h = &history[j];
                if h.finding.location.path == history[i].finding.location.path
                    && h.finding.fingerprint == w.fingerprint
                {
                    absorbed[j] = true;
                }
            }
        }
    }
    worktree.extend(
        history
            .into_iter()
            .zip(absorbed)
            .filter(|(_, absorbed)| !absorbed)
            .map(|(h, _)| h.finding),
    );
    worktree
}

fn blob_of_file(path: &Path, max: u64) -> Option<BlobId> {
    let mut buffer = Vec::new();
    worktree::read_regular_file(path, max, &mut buffer).ok()?;
    blob_id(&buffer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{CommitInfo, Location, RuleInfo, Severity};

    fn finding(path: &str, fingerprint: &str) -> Finding {
        let rule = RuleInfo::for_test("r", Severity::High);
        let location = Location {
            path: path.into(),
            ..Location::file_start(path)
        };
        Finding::new(rule, Severity::High, location, fingerprint.into())
    }

    fn from_history(
        path: &str,
        fingerprint: &str,
        commit: &str,
        blobs: Vec<BlobId>,
    ) -> HistoryFinding {
        let mut f = finding(path, fingerprint);
        f.commit = Some(CommitInfo {
            id: commit.into(),
            author_name: String::new(),
            author_email: String::new(),
            date: String::new(),
            summary: String::new(),
        });
        f.in_head = Some(true);
        f.message = Some("from history".into());
        HistoryFinding { finding: f, blobs }
    }

    #[test]
    fn a_secret_in_the_tree_and_in_history_at_the_same_path_is_one_finding_with_its_commit() {
        let dir = tempfile::tempdir().unwrap();
        let paths = DisplayPaths::new(&[dir.path().to_path_buf()]);
        let merged = worktree_with_history(
            &paths,
            1 << 20,
            vec![finding("a.env", "fp")],
            vec![from_history("a.env", "fp", "c1", Vec::new())],
        );
        assert_eq!(merged.len(), 1);
        assert_eq!(merged[0].commit.as_ref().unwrap().id, "c1");
        assert_eq!(merged[0].in_head, Some(true));
        assert_eq!(merged[0].message.as_deref(), Some("from history"));
    }

    #[test]
    fn a_renamed_file_is_recognised_by_its_blob_id() {
        let dir = tempfile::tempdir().unwrap();
        let content = b"TOKEN=secret-value\n";
        std::fs::write(dir.path().join("new.env"), content).unwrap();
        let blob = blob_id(content).unwrap();
        let paths = DisplayPaths::new(&[dir.path().to_path_buf()]);
        let merged = worktree_with_history(
            &paths,
            1 << 20,
            vec![finding("new.env", "fp")],
            vec![from_history("old.env", "fp", "c1", vec![blob])],
        );
        assert_eq!(merged.len(), 1, "{merged:?}");
        assert_eq!(merged[0].location.path, "new.env");
        assert_eq!(merged[0].commit.as_ref().unwrap().id, "c1");
    }

    fn at(
        rule: &str,
        severity: Severity,
        path: &str,
        line: usize,
        column: usize,
        secret: &str,
    ) -> Finding {
        let info = RuleInfo::for_test(rule, severity);
        let location = Location::span(path, (line, column), (line, column + 5));
        let fingerprint = crate::finding::fingerprint(rule, secret.as_bytes());
        let mut f = Finding::new(info, severity, location, fingerprint);
        f.secret = secret.into();
        f
    }

    #[test]
    fn env_verdicts_on_a_value_fold_into_the_secret_on_that_line() {
        let mut shared = at(
            "env-shared-secret",
            Severity::High,
            ".env.production",
            1,
            1,
            "",
        );
        shared.message = Some("shared with staging".into());
        let found = vec![
            at(
                "env-live-key-outside-production",
                Severity::Critical,
                ".env.staging",
                2,
                1,
                "sk_live_x",
            ),
            at(
                "stripe-secret-key-live",
                Severity::High,
                ".env.staging",
                2,
                19,
                "sk_live_x",
            ),
            at(
                "postgres-url-password",
                Severity::Low,
                ".env.production",
                1,
                29,
                "pw",
            ),
            shared,
        ];
        let merged = one_per_value(found);
        assert_eq!(merged.len(), 2, "{merged:#?}");
        let live = merged
            .iter()
            .find(|f| f.location.path == ".env.staging")
            .unwrap();
        assert_eq!(
            live.rule.id, "stripe-secret-key-live",
            "the secret rule leads"
        );
        assert_eq!(
            live.fingerprint,
            crate::finding::fingerprint("stripe-secret-key-live", b"sk_live_x")
        );
        assert_eq!(live.severity, Severity::Critical, "the highest severity");
        assert_eq!(live.location.column, 19);
        assert_eq!(
            live.rule_ids().collect::<Vec<_>>(),
            ["stripe-secret-key-live", "env-live-key-outside-production"]
        );
        let db = merged
            .iter()
            .find(|f| f.location.path == ".env.production")
            .unwrap();
        assert_eq!(db.severity, Severity::High);
        assert_eq!(
            db.message.as_deref(),
            Some("Also name of env-shared-secret [env-shared-secret]: shared with staging")
        );
        assert_eq!(
            db.also[0].fingerprint,
            crate::finding::fingerprint("env-shared-secret", b"")
        );
    }

    #[test]
    fn other_problems_on_the_line_and_other_values_stay_apart() {
        let found = vec![
            // Another value on the same line (the env verdict names a different secret).
            at(
                "env-live-key-outside-production",
                Severity::High,
                ".env.staging",
                2,
                1,
                "sk_live_other",
            ),
            at(
                "stripe-secret-key-live",
                Severity::Critical,
                ".env.staging",
                2,
                19,
                "sk_live_x",
            ),
            // A host verdict and a file verdict are problems of their own.
            at(
                "env-dev-endpoint-in-production",
                Severity::Medium,
                ".env.production",
                1,
                1,
                "",
            ),
            at(
                "env-committed-real-file",
                Severity::Critical,
                ".env.production",
                1,
                1,
                "",
            ),
            at(
                "postgres-url-password",
                Severity::Critical,
                ".env.production",
                1,
                29,
                "pw",
            ),
            // The same line of another file.
            at("env-shared-secret", Severity::High, ".env", 1, 1, ""),
            at(
                "postgres-url-password",
                Severity::Low,
                ".env.local",
                1,
                29,
                "pw",
            ),
        ];
        assert_eq!(one_per_value(found).len(), 7);
        // A secret history holds but the file no longer does is not the line's value.
        let mut old = at(
            "postgres-url-password",
            Severity::Critical,
            ".env.production",
            1,
            29,
            "old",
        );
        old.in_head = Some(false);
        let found = vec![
            old,
            at(
                "env-shared-secret",
                Severity::High,
                ".env.production",
                1,
                1,
                "",
            ),
        ];
        assert_eq!(one_per_value(found).len(), 2);
    }

    #[test]
    fn env_verdicts_without_a_secret_rule_fold_into_one_another() {
        let found = vec![
            at(
                "env-shared-secret",
                Severity::High,
                ".env.staging",
                3,
                1,
                "",
            ),
            at(
                "env-live-key-outside-production",
                Severity::Medium,
                ".env.staging",
                3,
                1,
                "value",
            ),
        ];
        let merged = one_per_value(found);
        assert_eq!(merged.len(), 1);
        // A fixed choice (by rule id), whatever the order they came in.
        assert_eq!(merged[0].rule.id, "env-live-key-outside-production");
        assert_eq!(merged[0].severity, Severity::High);
    }

    #[test]
    fn other_secrets_and_other_places_stay_separate() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.env"), b"unrelated\n").unwrap();
        let paths = DisplayPaths::new(&[dir.path().to_path_buf()]);
        let merged = worktree_with_history(
            &paths,
            1 << 20,
            vec![finding("a.env", "fp1")],
            vec![
                from_history("a.env", "fp2", "c1", Vec::new()),
                // The same secret committed at another path whose blob is not this file's.
                from_history("b.env", "fp1", "c2", vec![blob_id(b"other\n").unwrap()]),
            ],
        );
        assert_eq!(merged.len(), 3, "{merged:?}");
        assert!(
            merged[0].commit.is_none(),
            "the tree's copy has no commit of its own"
        );
    }
}
