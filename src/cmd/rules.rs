//! `leakgate rules list`, `rules show ID` and `rules check`: see what is compiled in, read
//! one rule or check in full, and let users prove their own rules the same way the built-ins
//! are proven.

use super::{EXIT_CLEAN, EXIT_ERROR};
use crate::cli::{RulesCommand, ShowFormat};
use crate::engine::{Matcher, Scratch, check_examples, labelled};
use crate::report::{
    self,
    listing::{
        CategoryStats, ListedRule, RuleDetail, ShownExample, ShownExamples, write_category_stats,
        write_rule_list,
    },
};
use crate::rules::{RuleSet, category, read_rules_file};
use anyhow::Result;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

pub fn run(command: &RulesCommand) -> Result<u8> {
    match command {
        RulesCommand::List { extra, stats } => match stats {
            true => stats_by_category(extra),
            false => list(extra),
        },
        RulesCommand::Show { id, extra, format } => show(id, extra, *format == ShowFormat::Json),
        RulesCommand::Check { files } => check(files),
    }
}

/// The built-in rules and those of `extra`, in that order.
fn rule_set(extra: &[PathBuf]) -> Result<RuleSet> {
    let mut set = RuleSet::builtin()?;
    for file in extra {
        set.add_file(file)?;
    }
    Ok(set)
}

fn list(extra: &[PathBuf]) -> Result<u8> {
    let set = rule_set(extra)?;
    let mut rows: Vec<ListedRule<'_>> = set
        .rules()
        .iter()
        .map(|rule| ListedRule {
            id: rule.id(),
            severity: rule.severity(),
            name: &rule.spec.name,
            note: if rule.spec.publishable {
                Some("publishable")
            } else {
                rule.spec.validate.map(|_| "checked offline")
            },
        })
        .collect();
    // Repository checks are not regex rules, but users disable and look them up by the same ids.
    rows.extend(crate::checks::all().map(|check| ListedRule {
        id: check.id,
        severity: check.severity,
        name: check.name,
        note: Some("check; severity depends on the case"),
    }));
    write_rule_list(&rows, set.len(), crate::checks::all().count())?;
    Ok(EXIT_CLEAN)
}

/// Coverage by category: how many providers and rules, and how much of the generated
/// labelled corpus each category's rules find (see `engine::labelled`).
fn stats_by_category(extra: &[PathBuf]) -> Result<u8> {
    let set = Arc::new(rule_set(extra)?);
    let recall = labelled::measure(&set);
    let mut rows: Vec<CategoryStats> = category::CATEGORIES
        .iter()
        .map(|(name, _)| *name)
        .chain([category::OTHER])
        .map(CategoryStats::named)
        .collect();
    let mut providers: Vec<HashSet<&str>> = vec![HashSet::new(); rows.len()];
    for rule in set.rules() {
        let at = rows
            .iter()
            .position(|row| row.name == category::category(rule))
            .expect("every category is a row");
        let row = &mut rows[at];
        row.rules += 1;
        providers[at].insert(labelled::provider(rule));
        if let Some(r) = recall.get(rule.id()) {
            row.found += r.found;
            row.samples += r.total;
        }
    }
    for (row, providers) in rows.iter_mut().zip(&providers) {
        row.providers = providers.len();
    }
    let all_providers = providers.iter().flatten().collect::<HashSet<_>>().len();
    rows.retain(|row| row.rules > 0);
    let syntaxes: Vec<&str> = labelled::Syntax::ALL.iter().map(|s| s.as_str()).collect();
    write_category_stats(&rows, all_providers, &syntaxes)?;
    Ok(EXIT_CLEAN)
}

/// One rule or check in full. A secret rule's examples are secrets (made up, but in the
/// provider's format): each is shown with the secrets the rules find in it redacted, or, when
/// none is found (a negative example), with every token-like run redacted; never in full.
fn show(id: &str, extra: &[PathBuf], json: bool) -> Result<u8> {
    let detail = if let Some(check) = crate::checks::find(id) {
        let mut examples = ShownExamples::default();
        for e in crate::checks::launch::examples().filter(|e| e.rule == check.id) {
            let shown = |list: &[crate::checks::launch::Example]| -> Vec<ShownExample> {
                list.iter()
                    .map(|x| ShownExample {
                        path: Some(x.path.to_string()),
                        text: x.text.to_string(),
                    })
                    .collect()
            };
            examples.fires.extend(shown(e.fires));
            examples.quiet.extend(shown(e.quiet));
        }
        RuleDetail {
            confidence: None,
            id: check.id.to_string(),
            kind: "check",
            name: check.name.to_string(),
            severity: check.severity,
            tags: check.tags.iter().map(|t| t.to_string()).collect(),
            description: check.description.to_string(),
            matching: None,
            examples,
        }
    } else {
        let mut set = RuleSet::builtin()?;
        for file in extra {
            set.add_file(file)?;
        }
        let set = Arc::new(set);
        let Some(rule) = set.rules().iter().find(|r| r.id() == id) else {
            anyhow::bail!(
                "no rule or check has the id {} (`leakgate rules list` lists them)",
                crate::text::quoted_value(id)
            );
        };
        let matcher = Matcher::new(set.clone(), crate::engine::AllowList::default());
        // What its own examples are judged, as a scan would judge them.
        let mut confidences: Vec<crate::finding::Confidence> = Vec::new();
        for example in &rule.spec.examples {
            let data = example.as_bytes();
            for m in matcher.find(data, &mut Scratch::default()) {
                if set.get(m.rule).id() == rule.id() {
                    let now = crate::engine::now();
                    confidences.push(
                        matcher
                            .assess(rule, &data[m.secret.clone()], (data, m.secret.end), "", now)
                            .confidence,
                    );
                }
            }
        }
        confidences.sort_unstable_by(|a, b| b.cmp(a));
        confidences.dedup();
        let mut confidence: Vec<String> = confidences.iter().map(|c| c.to_string()).collect();
        if let Some(check) = rule.spec.validate {
            confidence.push(format!("(offline check: {})", check.name()));
        }
        let mut scratch = Scratch::default();
        let mut redacted = |text: &str| -> ShownExample {
            let spans: Vec<_> = matcher
                .find(text.as_bytes(), &mut scratch)
                .into_iter()
                .map(|m| m.secret)
                .collect();
            let text = if spans.is_empty() {
                // A near miss may still look like a token: every token-like run is redacted.
                report::redact::excerpt(text.as_bytes(), 0..0, false)
            } else {
                report::redact::redact_spans(text, &spans)
            };
            ShownExample { path: None, text }
        };
        let spec = &rule.spec;
        RuleDetail {
            confidence: Some(confidence.join(" ")).filter(|c| !c.is_empty()),
            id: rule.id().to_string(),
            kind: "rule",
            name: spec.name.clone(),
            severity: rule.severity(),
            tags: spec.tags.clone(),
            description: spec.description.clone(),
            matching: Some(matching(rule)),
            examples: ShownExamples {
                fires: spec.examples.iter().map(|e| redacted(e)).collect(),
                quiet: spec.negative_examples.iter().map(|e| redacted(e)).collect(),
            },
        }
    };
    report::listing::write_rule_detail(&detail, json)?;
    Ok(EXIT_CLEAN)
}

/// How `rule` matches, in words for `rules show`.
fn matching(rule: &crate::rules::Rule) -> report::listing::Matching {
    let context = rule.spec.context.as_ref().map(|c| {
        let mut words = format!("names {}", c.names.join(", "));
        if !c.keys.is_empty() {
            words.push_str(&format!("; keys {}", c.keys.join(", ")));
        }
        words.push_str(&format!("; value {}", c.value));
        words
    });
    let pair = rule.spec.pair.as_ref().map(|p| {
        let mut words = format!(
            "one finding with `{}` when it is within {} line(s)",
            p.with, p.within
        );
        if let Some(severity) = p.severity {
            words.push_str(&format!(", then {}", severity.as_str()));
        }
        words
    });
    report::listing::Matching {
        keywords: rule.keywords().to_vec(),
        regex: rule.pattern().to_string(),
        context,
        pair,
    }
}

/// Checks every file completely, so one run lists every problem, one line each: a file that
/// cannot be read or parsed, each malformed or invalid rule, each id used twice (in a file,
/// across the files, or by a built-in rule, which would make `scan` refuse the file), and each
/// example that does not behave. Each file's rules are proven against that file alone.
fn check(files: &[PathBuf]) -> Result<u8> {
    let builtin = RuleSet::builtin()?;
    let mut seen: HashMap<String, String> = HashMap::new();
    let mut problems = 0usize;
    let mut checked = 0usize;
    let mut problem = |message: String| {
        report::error(&message);
        problems += 1;
    };
    for file in files {
        let origin = file.display().to_string();
        let text = match read_rules_file(file) {
            Ok(text) => text,
            Err(e) => {
                problem(e.to_string());
                continue;
            }
        };
        let mut set = RuleSet::default();
        for e in set.add_yaml_reporting_all(&origin, &text) {
            problem(e.to_string());
        }
        for rule in set.rules() {
            let id = rule.id();
            if builtin.contains(id) {
                problem(format!(
                    "{origin}: rule `{id}`: a built-in rule has this id; choose another id"
                ));
            } else if let Some(first) = seen.get(id) {
                problem(format!(
                    "{origin}: rule `{id}`: {first} already defines this id; ids must be unique"
                ));
            } else {
                seen.insert(id.to_string(), origin.clone());
            }
        }
        checked += set.len();
        for p in check_examples(Arc::new(set)) {
            problem(format!("{}: rule `{}`: {}", p.origin, p.rule, p.message));
        }
    }
    if problems > 0 {
        report::note(&format!("{problems} problem(s) found"));
        return Ok(EXIT_ERROR);
    }
    report::result_line(&format!("ok: {checked} rules, all examples behave"))?;
    Ok(EXIT_CLEAN)
}
