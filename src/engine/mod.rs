//! How one blob of bytes is matched. The engine never knows where the bytes came from.
//!
//! Two stages, because almost all input contains no secret: one Aho-Corasick automaton over
//! every rule's keywords (ASCII case-insensitive) finds the few places worth a closer look;
//! then each rule whose keyword occurred runs its regex only over a bounded window around the
//! hits. Candidates are then filtered by entropy, allow-lists and offline validators, and
//! overlapping candidates from several rules are reduced to the most specific one.

mod place;
mod selftest;

pub use place::{
    INLINE_ALLOW, RuleInfos, allowed_inline, findings_from_matches, findings_in_blob, rule_info,
};
pub use selftest::{ExampleProblem, check_examples};

use crate::rules::{Rule, RuleSet};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use regex::bytes::Regex;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

/// How far a window may be stretched to reach the start or end of a line, so that a regex
/// never sees a token cut in half at an arbitrary byte.
const LINE_SNAP: usize = 1024;

/// A secret found in a blob, before it is placed in a file or commit.
#[derive(Debug, Clone, PartialEq)]
pub struct RawMatch {
    /// Index into the matcher's rule set.
    pub rule: usize,
    /// Byte range of the `secret` capture.
    pub secret: Range<usize>,
    pub entropy: f32,
}

/// Values that must never be reported whatever rule finds them (from `.leakgate.yml`).
#[derive(Debug, Default, Clone)]
pub struct AllowList {
    pub values: Vec<Regex>,
    pub stopwords: Vec<String>,
}

impl AllowList {
    fn allows(&self, secret: &[u8]) -> bool {
        if self.values.iter().any(|r| r.is_match(secret)) {
            return true;
        }
        if self.stopwords.is_empty() {
            return false;
        }
        let lower = secret.to_ascii_lowercase();
        self.stopwords
            .iter()
            .any(|w| memchr::memmem::find(&lower, w.as_bytes()).is_some())
    }
}

/// How much a matcher will scan, which decides its keyword automaton. Both find exactly the
/// same matches; they trade start-up for throughput. With ~2,000 case-insensitive keywords a
/// full DFA takes about three times longer to build than a contiguous NFA (tens of
/// milliseconds), and scans about twice as fast: worth it for a tree or a history, not for
/// the few files of a pre-commit hook, which must feel instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    /// A handful of small blobs: staged changes, rule examples.
    Small,
    /// Trees, histories, bundles, streams.
    Large,
}

/// The compiled matcher for a rule set. Cheap to share between threads (`Arc`).
pub struct Matcher {
    rules: Arc<RuleSet>,
    keywords: AhoCorasick,
    /// For each keyword pattern, the rules that asked for it.
    keyword_rules: Vec<Vec<usize>>,
    allow: AllowList,
}

/// Per-thread scratch space, reused between blobs so the hot path does not allocate.
#[derive(Default)]
pub struct Scratch {
    windows: Vec<Vec<Range<usize>>>,
    touched: Vec<usize>,
    candidates: Vec<RawMatch>,
}

impl Matcher {
    pub fn new(rules: Arc<RuleSet>, allow: AllowList, workload: Workload) -> Matcher {
        let mut patterns: Vec<String> = Vec::new();
        let mut keyword_rules: Vec<Vec<usize>> = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (index, rule) in rules.rules().iter().enumerate() {
            for keyword in &rule.spec.keywords {
                let keyword = keyword.to_ascii_lowercase();
                match seen.get(&keyword) {
                    Some(&p) => keyword_rules[p].push(index),
                    None => {
                        seen.insert(keyword.clone(), patterns.len());
                        patterns.push(keyword);
                        keyword_rules.push(vec![index]);
                    }
                }
            }
        }
        let kind = match workload {
            Workload::Large => AhoCorasickKind::DFA,
            Workload::Small => AhoCorasickKind::ContiguousNFA,
        };
        let keywords = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .kind(Some(kind))
            .build(&patterns)
            .expect("keyword automaton builds: keywords are plain literals of bounded size");
        Matcher {
            rules,
            keywords,
            keyword_rules,
            allow,
        }
    }

    pub fn rules(&self) -> &Arc<RuleSet> {
        &self.rules
    }

    pub fn rule(&self, index: usize) -> &Rule {
        self.rules.get(index)
    }

    /// Finds every secret in `data`, sorted by position, one per byte range.
    pub fn find(&self, data: &[u8], scratch: &mut Scratch) -> Vec<RawMatch> {
        self.collect_windows(data, scratch);
        scratch.candidates.clear();
        for &rule_index in &scratch.touched {
            let rule = self.rules.get(rule_index);
            for window in &scratch.windows[rule_index] {
                self.match_window(
                    rule_index,
                    rule,
                    data,
                    window.clone(),
                    &mut scratch.candidates,
                );
            }
        }
        for &rule_index in &scratch.touched {
            scratch.windows[rule_index].clear();
        }
        scratch.touched.clear();
        resolve_overlaps(&mut scratch.candidates, &self.rules)
    }

    /// Stage one: keyword hits become per-rule windows, merged where they overlap so no byte is
    /// searched twice by the same rule.
    fn collect_windows(&self, data: &[u8], scratch: &mut Scratch) {
        if scratch.windows.len() < self.rules.len() {
            scratch.windows.resize_with(self.rules.len(), Vec::new);
        }
        for hit in self.keywords.find_overlapping_iter(data) {
            for &rule_index in &self.keyword_rules[hit.pattern().as_usize()] {
                let reach = self.rules.get(rule_index).window();
                let lo = hit.start().saturating_sub(reach);
                let hi = (hit.end() + reach).min(data.len());
                let windows = &mut scratch.windows[rule_index];
                match windows.last_mut() {
                    Some(last) if lo <= last.end => last.end = last.end.max(hi),
                    Some(_) => windows.push(lo..hi),
                    None => {
                        scratch.touched.push(rule_index);
                        windows.push(lo..hi);
                    }
                }
            }
        }
    }

    fn match_window(
        &self,
        rule_index: usize,
        rule: &Rule,
        data: &[u8],
        window: Range<usize>,
        out: &mut Vec<RawMatch>,
    ) {
        let window = snap_to_lines(data, window);
        let haystack = &data[window.clone()];
        for caps in rule.regex().captures_iter(haystack) {
            let Some(secret) = caps.get(rule.secret_group()) else {
                continue;
            };
            let bytes = secret.as_bytes();
            if bytes.is_empty() {
                continue;
            }
            let entropy = shannon(bytes);
            if let Some(min) = rule.spec.entropy
                && entropy < min
            {
                continue;
            }
            if rule.allow().iter().any(|a| a.is_match(bytes)) || self.allow.allows(bytes) {
                continue;
            }
            if let Some(v) = rule.spec.validate
                && !v.accepts(bytes)
            {
                continue;
            }
            let start = window.start + secret.start();
            out.push(RawMatch {
                rule: rule_index,
                secret: start..start + bytes.len(),
                entropy,
            });
        }
    }
}

/// Widens a window to whole lines (within [`LINE_SNAP`] bytes) so tokens at its edges are whole.
/// Shannon entropy of `bytes` in bits per byte: the one measure of "looks random" that rules
/// (`entropy:` floors) and the repository checks (placeholder versus real value) share.
pub fn shannon(bytes: &[u8]) -> f32 {
    entropy::shannon_entropy(bytes)
}

fn snap_to_lines(data: &[u8], window: Range<usize>) -> Range<usize> {
    let floor = window.start.saturating_sub(LINE_SNAP);
    let start = memchr::memrchr(b'\n', &data[floor..window.start])
        .map(|i| floor + i + 1)
        .unwrap_or(floor);
    let ceil = (window.end + LINE_SNAP).min(data.len());
    let end = memchr::memchr(b'\n', &data[window.end..ceil])
        .map(|i| window.end + i)
        .unwrap_or(ceil);
    start..end
}

/// Where several rules matched overlapping bytes, keeps the most specific: a provider rule beats
/// a generic one; then the longer secret (it saw more of the token); then the earlier rule.
fn resolve_overlaps(candidates: &mut Vec<RawMatch>, rules: &RuleSet) -> Vec<RawMatch> {
    candidates.sort_by(|a, b| {
        a.secret
            .start
            .cmp(&b.secret.start)
            .then(b.secret.end.cmp(&a.secret.end))
            .then(a.rule.cmp(&b.rule))
    });
    candidates.dedup_by(|a, b| a.rule == b.rule && a.secret == b.secret);
    let rank = |m: &RawMatch| {
        (
            !rules.get(m.rule).generic,
            m.secret.len(),
            std::cmp::Reverse(m.rule),
        )
    };
    let mut kept: Vec<RawMatch> = Vec::with_capacity(candidates.len());
    for candidate in candidates.drain(..) {
        match kept.last_mut() {
            Some(last) if candidate.secret.start < last.secret.end => {
                if rank(&candidate) > rank(last) {
                    *last = candidate;
                }
            }
            _ => kept.push(candidate),
        }
    }
    kept
}

/// 1-based line and column (in Unicode scalar values) of each byte offset, computed in one pass.
/// `offsets` must be sorted; only findings pay for this. Columns are counted incrementally from
/// the previous offset, so many findings on one enormous minified line stay linear.
pub fn line_columns(data: &[u8], offsets: &[usize]) -> Vec<(usize, usize)> {
    let mut out = Vec::with_capacity(offsets.len());
    let mut line = 1;
    let mut column = 1;
    let mut pos = 0;
    for &offset in offsets {
        debug_assert!(offset >= pos, "offsets are sorted");
        let offset = offset.min(data.len()).max(pos);
        let segment = &data[pos..offset];
        match memchr::memrchr(b'\n', segment) {
            Some(last_newline) => {
                line += memchr::memchr_iter(b'\n', segment).count();
                column = 1 + char_count(&segment[last_newline + 1..]);
            }
            None => column += char_count(segment),
        }
        pos = offset;
        out.push((line, column));
    }
    out
}

/// Line and column of each offset, keyed by offset; offsets may come in any order and repeat.
pub fn positions(
    data: &[u8],
    offsets: impl IntoIterator<Item = usize>,
) -> std::collections::HashMap<usize, (usize, usize)> {
    let mut offsets: Vec<usize> = offsets.into_iter().collect();
    offsets.sort_unstable();
    offsets.dedup();
    offsets
        .iter()
        .copied()
        .zip(line_columns(data, &offsets))
        .collect()
}

/// Counts Unicode scalar values, treating each invalid byte as one.
fn char_count(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(rule: usize, secret: Range<usize>) -> RawMatch {
        RawMatch {
            rule,
            secret,
            entropy: 4.0,
        }
    }

    /// Rules 0 and 1 are provider rules, 2 is generic.
    fn three_rules() -> RuleSet {
        let mut set = RuleSet::default();
        let rule = |id: &str, tags: &str| {
            format!(
                "  - id: {id}\n    name: {id}\n    description: Revoke it.\n    severity: high\n    \
                 keywords: [k]\n    regex: '(?P<secret>k)'\n    tags: [{tags}]\n"
            )
        };
        let yaml = format!(
            "rules:\n{}{}{}",
            rule("first", "a"),
            rule("second", "b"),
            rule("any", "generic")
        );
        set.add_yaml("test.yaml", &yaml).expect("test rules load");
        set
    }

    #[test]
    fn overlapping_matches_keep_the_specific_then_the_longer_then_the_earlier_rule() {
        let rules = three_rules();
        // A provider rule beats the generic rule on the same bytes, even a longer generic match.
        let mut c = vec![raw(2, 10..40), raw(1, 12..40)];
        assert_eq!(resolve_overlaps(&mut c, &rules), [raw(1, 12..40)]);
        // Between provider rules, the longer match wins.
        let mut c = vec![raw(0, 10..30), raw(1, 10..40)];
        assert_eq!(resolve_overlaps(&mut c, &rules), [raw(1, 10..40)]);
        // Same length: the rule loaded first wins.
        let mut c = vec![raw(1, 10..40), raw(0, 10..40)];
        assert_eq!(resolve_overlaps(&mut c, &rules), [raw(0, 10..40)]);
        // Disjoint matches are all kept, in order; exact duplicates once.
        let mut c = vec![raw(0, 50..60), raw(1, 10..20), raw(1, 10..20)];
        assert_eq!(
            resolve_overlaps(&mut c, &rules),
            [raw(1, 10..20), raw(0, 50..60)]
        );
    }

    #[test]
    fn both_workloads_find_exactly_the_same_matches() {
        let rules = Arc::new(RuleSet::builtin().expect("built-in rules load"));
        let text: String = rules
            .rules()
            .iter()
            .flat_map(|r| r.spec.examples.iter().chain(&r.spec.negative_examples))
            .map(|e| format!("{e}\n"))
            .collect();
        let mut scratch = Scratch::default();
        let small = Matcher::new(rules.clone(), AllowList::default(), Workload::Small)
            .find(text.as_bytes(), &mut scratch);
        let large = Matcher::new(rules.clone(), AllowList::default(), Workload::Large)
            .find(text.as_bytes(), &mut scratch);
        assert!(small.len() > rules.len() / 2, "{} matches", small.len());
        assert_eq!(small, large);
    }

    #[test]
    fn line_columns_counts_lines_and_chars() {
        let data = "ab\ncé d\n\nxyz".as_bytes();
        let d = data.iter().position(|&b| b == b'd').unwrap();
        let z = data.len() - 1;
        assert_eq!(line_columns(data, &[0, d, z]), vec![(1, 1), (2, 4), (4, 3)]);
        assert_eq!(line_columns(data, &[d, d, z]), vec![(2, 4), (2, 4), (4, 3)]);
        let line = "é".repeat(10);
        assert_eq!(
            line_columns(line.as_bytes(), &[2, 4, 20]),
            vec![(1, 2), (1, 3), (1, 11)]
        );
    }

    #[test]
    fn snapping_reaches_line_edges_but_is_bounded() {
        let data = b"aaaa\nbbbbXbbbb\ncccc";
        assert_eq!(snap_to_lines(data, 9..10), 5..14);
        let long = vec![b'x'; 10_000];
        let w = snap_to_lines(&long, 5000..5010);
        assert_eq!(w, 5000 - LINE_SNAP..5010 + LINE_SNAP);
    }
}
