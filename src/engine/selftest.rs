//! Rules test themselves: every example must produce a finding from its own rule and every
//! negative example must produce none. The built-in test and `leakgate rules check` share this.

use super::{AllowList, Matcher, Scratch};
use crate::rules::RuleSet;
use std::sync::Arc;

/// One rule example that did not behave as its rule promises.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleProblem {
    pub rule: String,
    pub origin: String,
    pub message: String,
}

/// Runs every rule's examples through the full engine (prefilter, window, regex, entropy,
/// allow-lists, validators, overlap resolution) against the whole set, exactly as a scan would.
pub fn check_examples(rules: Arc<RuleSet>) -> Vec<ExampleProblem> {
    let mut problems = Vec::new();
    let matcher = Matcher::new(rules.clone(), AllowList::default());
    let mut scratch = Scratch::default();
    for (index, rule) in rules.rules().iter().enumerate() {
        let mut problem = |message: String| {
            problems.push(ExampleProblem {
                rule: rule.id().to_string(),
                origin: rule.origin.clone(),
                message,
            })
        };
        if rule.spec.examples.is_empty() {
            problem("has no examples".into());
        }
        if rule.spec.negative_examples.is_empty() {
            problem("has no negative_examples".into());
        }
        for (n, example) in rule.spec.examples.iter().enumerate() {
            let found = matcher.find(example.as_bytes(), &mut scratch);
            if !found.iter().any(|m| m.rule == index) {
                let other = found
                    .first()
                    .map(|m| format!(" (rule `{}` took it)", matcher.rule(m.rule).id()))
                    .unwrap_or_default();
                problem(format!("example {} does not match{other}", n + 1));
            }
        }
        // Negatives run against the rule alone, so another rule taking the bytes cannot hide a
        // false positive.
        let alone = Matcher::new(
            Arc::new(RuleSet::single(rule.clone())),
            AllowList::default(),
        );
        for (n, example) in rule.spec.negative_examples.iter().enumerate() {
            if !alone.find(example.as_bytes(), &mut scratch).is_empty() {
                problem(format!("negative example {} matches", n + 1));
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_load_and_every_example_behaves() {
        let rules = RuleSet::builtin().expect("built-in rules compile");
        assert!(rules.len() >= 80, "only {} built-in rules", rules.len());
        let problems = check_examples(Arc::new(rules));
        let lines: Vec<String> = problems
            .iter()
            .map(|p| format!("{}: {}: {}", p.origin, p.rule, p.message))
            .collect();
        assert!(lines.is_empty(), "rule problems:\n{}", lines.join("\n"));
    }
}
