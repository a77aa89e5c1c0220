//! Where a finding came from, as shard reports write it (JSON `origin`, SARIF result property
//! `origin`) and `leakgate merge` reads it back: see `Finding::origin`.

use crate::finding::{Finding, HistoryOrigin, Origin};
use serde::{Deserialize, Serialize};

/// What a report says about where a finding came from (shard reports only).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct OriginDoc {
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub worktree: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history_order: Option<u32>,
}

impl OriginDoc {
    pub fn of(f: &Finding) -> Option<OriginDoc> {
        let origin = f.origin.as_ref()?;
        Some(OriginDoc {
            worktree: origin.worktree,
            history_path: origin.history.as_ref().map(|h| h.path.clone()),
            history_order: origin.history.as_ref().map(|h| h.order),
        })
    }

    pub fn into_origin(self) -> Origin {
        Origin {
            worktree: self.worktree,
            history: match (self.history_path, self.history_order) {
                (Some(path), Some(order)) => Some(HistoryOrigin { path, order }),
                _ => None,
            },
        }
    }
}
