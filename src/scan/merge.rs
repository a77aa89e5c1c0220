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
