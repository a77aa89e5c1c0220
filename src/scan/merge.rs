//! The merge of working-tree and history findings. The same secret at the same place in the
//! working tree and in history is reported once: at its working-tree location, with the commit
//! that introduced it. "The same place" is the same path, or a file whose content is one of the
//! blobs history found the secret in (a renamed file), recognised by blob id.

use super::DisplayPaths;
use crate::finding::Finding;
use crate::source::history::HistoryFinding;
use crate::source::{BlobId, blob_id, worktree};
use std::collections::HashMap;
use std::path::Path;

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
            if w.message.is_none() {
                w.message = history[i].finding.message.clone();
            }
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
    use std::sync::Arc;

    fn finding(path: &str, fingerprint: &str) -> Finding {
        let rule = Arc::new(RuleInfo {
            id: "r".into(),
            name: "r".into(),
            description: String::new(),
            severity: Severity::High,
            tags: Vec::new(),
        });
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
