//! From blob findings to history findings: which commit introduced each secret, by whom and
//! when, whether it is still in `HEAD`, and one finding per secret and path rather than one
//! per file version.
//!
//! Editing an unrelated line of a file makes a new blob, and a secret in that file is found
//! again in every version. Findings are therefore grouped by (fingerprint, path) and each group
//! keeps the earliest commit's findings: the commit that put the secret at that path. Commit
//! metadata is read only for the commits that end up in a report.

use super::enumerate::CommitNode;
use super::scan::BlobHit;
use super::{BlobTask, HistoryFinding};
use crate::finding::{CommitInfo, Finding};
use crate::text::one_line;
use gix::ObjectId;
use gix::bstr::ByteSlice;
use gix::objs::FindExt;
use std::collections::HashMap;

/// Where a finding stands relative to `HEAD`, decided by the caller (full history and ranges
/// know it in different ways); `None` when `HEAD` cannot be read.
pub type InHead<'a> = dyn FnMut(&Finding, &[ObjectId]) -> Option<bool> + 'a;

/// Groups hits by (fingerprint, path), keeps the earliest, and fills in commit and `in_head`.
pub fn attribute(
    repo: &gix::Repository,
    commits: &[CommitNode],
    tasks: &[BlobTask],
    hits: Vec<BlobHit>,
    in_head: &mut InHead<'_>,
) -> Vec<HistoryFinding> {
    struct Group {
        order: u32,
        task: usize,
        findings: Vec<Finding>,
        blobs: Vec<ObjectId>,
    }
    let mut groups: HashMap<(String, String), Group> = HashMap::new();
    for hit in hits {
        let task = &tasks[hit.task];
        let order = task.commit.unwrap_or(u32::MAX);
        for finding in hit.findings {
            let key = (finding.fingerprint.clone(), task.path.clone());
            let group = groups.entry(key).or_insert_with(|| Group {
                order,
                task: hit.task,
                findings: Vec::new(),
                blobs: Vec::new(),
            });
            if !group.blobs.contains(&task.id) {
                group.blobs.push(task.id);
            }
            if order < group.order {
                group.order = order;
                group.task = hit.task;
                group.findings.clear();
            }
            if group.task == hit.task {
                group.findings.push(finding);
            }
        }
    }
    let mut infos: HashMap<u32, Option<CommitInfo>> = HashMap::new();
    let mut out = Vec::new();
    for group in groups.into_values() {
        let commit = tasks[group.task].commit.and_then(|order| {
            infos
                .entry(order)
                .or_insert_with(|| commit_info(repo, commits[order as usize].id))
                .clone()
        });
        for mut finding in group.findings {
            let present = in_head(&finding, &group.blobs);
            finding.commit = commit.clone();
            finding.in_head = present;
            finding.blob = Some(tasks[group.task].id.to_string());
            if let Some(present) = present {
                finding.note(history_message(present), None);
            }
            finding.origin = Some(crate::finding::Origin {
                worktree: false,
                history: Some(crate::finding::HistoryOrigin {
                    path: tasks[group.task].path.clone(),
                    order: group.order,
                }),
            });
            out.push(HistoryFinding {
                finding,
                blobs: group.blobs.clone(),
            });
        }
    }
    out
}

pub fn history_message(in_head: bool) -> &'static str {
    if in_head {
        "Committed and still in HEAD: rotate the secret, then remove it from the code."
    } else {
        "No longer in HEAD, but still in the git history that every clone has: rotate the \
         secret; deleting the file or line is not enough."
    }
}

/// Author, date and summary of a commit; a commit that cannot be read still gets its id.
pub fn commit_info(repo: &gix::Repository, id: ObjectId) -> Option<CommitInfo> {
    let mut buf = Vec::new();
    let unknown = || CommitInfo {
        id: id.to_string(),
        author_name: String::new(),
        author_email: String::new(),
        date: String::new(),
        summary: String::new(),
    };
    let commit = match repo.objects.find_commit(&id, &mut buf) {
        Ok(c) => c,
        Err(_) => return Some(unknown()),
    };
    let (author_name, author_email, date) = match commit.author() {
        Ok(sig) => (
            sig.name.trim().to_str_lossy().into_owned(),
            sig.email.trim().to_str_lossy().into_owned(),
            sig.time()
                .ok()
                .and_then(|t| t.format(gix::date::time::format::ISO8601_STRICT).ok())
                .unwrap_or_default(),
        ),
        Err(e) => (String::new(), String::new(), one_line(&e)),
    };
    Some(CommitInfo {
        id: id.to_string(),
        author_name,
        author_email,
        date,
        summary: commit.message().summary().to_str_lossy().into_owned(),
    })
}
