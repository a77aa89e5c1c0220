//! Turns the engine's raw matches in one blob into [`Finding`]s at a path. Shared by every
//! source (working tree, history, staged changes) so a secret looks the same wherever found.

use crate::engine::{Matcher, Scratch, line_columns};
use crate::finding::{Finding, Location, RuleInfo, fingerprint};
use crate::rules::Rule;
use std::collections::HashMap;
use std::sync::Arc;

/// Rule metadata shared by all findings of one rule, built once per run.
pub struct RuleInfos {
    infos: Vec<Arc<RuleInfo>>,
}

impl RuleInfos {
    pub fn new(matcher: &Matcher) -> RuleInfos {
        let infos = matcher
            .rules()
            .rules()
            .iter()
            .map(|r| Arc::new(rule_info(r)))
            .collect();
        RuleInfos { infos }
    }

    pub fn get(&self, index: usize) -> Arc<RuleInfo> {
        self.infos[index].clone()
    }

    pub fn all(&self) -> impl Iterator<Item = &Arc<RuleInfo>> {
        self.infos.iter()
    }
}

pub fn rule_info(rule: &Rule) -> RuleInfo {
    RuleInfo {
        id: rule.spec.id.clone(),
        name: rule.spec.name.clone(),
        description: rule.spec.description.trim().to_string(),
        severity: rule.severity(),
        tags: rule.spec.tags.clone(),
    }
}

/// Scans one blob and returns its findings at `path`.
pub fn findings_in_blob(
    matcher: &Matcher,
    infos: &RuleInfos,
    data: &[u8],
    path: &str,
    scratch: &mut Scratch,
) -> Vec<Finding> {
    let matches = matcher.find(data, scratch);
    if matches.is_empty() {
        return Vec::new();
    }
    let mut offsets: Vec<usize> = Vec::with_capacity(matches.len() * 2);
    for m in &matches {
        offsets.push(m.secret.start);
        offsets.push(m.secret.end);
    }
    offsets.sort_unstable();
    let positions: HashMap<usize, (usize, usize)> = offsets
        .iter()
        .copied()
        .zip(line_columns(data, &offsets))
        .collect();
    matches
        .into_iter()
        .map(|m| {
            let rule = matcher.rule(m.rule);
            let secret = &data[m.secret.clone()];
            let (line, column) = positions[&m.secret.start];
            let (end_line, end_column) = positions[&m.secret.end];
            Finding {
                rule: infos.get(m.rule),
                severity: rule.severity(),
                location: Location {
                    path: path.to_string(),
                    line,
                    column,
                    end_line,
                    end_column,
                },
                secret: String::from_utf8_lossy(secret).into_owned(),
                fingerprint: fingerprint(rule.id(), secret),
                entropy: Some(m.entropy),
                publishable: rule.spec.publishable,
                message: None,
                commit: None,
                in_head: None,
            }
        })
        .collect()
}
