//! How one blob of bytes is matched. The engine never knows where the bytes came from.
//!
//! Two stages, because almost all input contains no secret: a filter over every rule's keywords
//! (ASCII case-insensitive, see [`keywords`]) finds the few places worth a closer look;
//! then each rule whose keyword occurred runs its regex only over a bounded window around the
//! hits, widened to whole lines and, where a window edge falls inside a token, to the token's
//! end (up to [`MAX_TOKEN_GROWTH`] bytes), so a token longer than the window is still seen whole. Candidates are then filtered by entropy, allow-lists and offline validators, and
//! overlapping candidates from several rules are reduced to the most specific one.

mod assess;
pub mod decode;
pub mod incremental;
mod keywords;
pub mod labelled;
mod place;
mod selftest;
#[cfg(test)]
pub(crate) mod testing;

pub use assess::{Assessment, now};
pub use keywords::FilterPath;
pub use place::{
    INLINE_ALLOW, INLINE_ALLOW_REACH, RuleInfos, allowed_inline, findings_from_matches,
    findings_in_blob, rule_info,
};
pub use selftest::{ExampleProblem, check_examples};

use crate::finding::Severity;
use crate::rules::{Rule, RuleSet};
use regex::bytes::Regex;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

/// How far a window may be stretched to reach the start or end of a line, so that a regex
/// never sees a token cut in half at an arbitrary byte.
const LINE_SNAP: usize = 1024;

/// How far a window edge that falls inside a token is pushed out to the token's end: a JWT
/// or a key can be far longer than any rule's window.
pub const MAX_TOKEN_GROWTH: usize = 64 * 1024;

/// A secret found in a blob, before it is placed in a file or commit.
#[derive(Debug, Clone, PartialEq)]
pub struct RawMatch {
    /// Index into the matcher's rule set.
    pub rule: usize,
    /// Byte range of the `secret` capture.
    pub secret: Range<usize>,
    pub entropy: f32,
    /// Set when the secret was found by decoding `secret`'s bytes (see [`decode`]).
    pub decoded: Option<Arc<decode::Decoded>>,
}

/// A match and, when its rule is the secret half of a multi-part credential (`pair:`), the
/// match of the other half it was paired with (see [`Matcher::pair_up`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Paired {
    pub found: RawMatch,
    pub partner: Option<RawMatch>,
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

/// The compiled matcher for a rule set. Cheap to share between threads (`Arc`).
pub struct Matcher {
    rules: Arc<RuleSet>,
    keywords: keywords::Keywords,
    /// For each keyword pattern, the rules that asked for it.
    keyword_rules: Vec<Vec<usize>>,
    allow: AllowList,
    local_host: Option<LocalHost>,
    /// For each rule, the index of the rule that finds its other half (`pair.with`), when it
    /// is in force.
    partners: Vec<Option<usize>>,
    /// The byte pairs keywords hold, so a delta's search skips the edges no keyword can cross
    /// (see [`incremental`]).
    straddle: incremental::Straddle,
}

/// Whether the host a connection string names (`host`, as written after its `@`) is the
/// developer's own machine, given where it was found (`path`, and the blob `data`: a compose
/// file's own services are local). Supplied by the caller (`checks::common::hosts`), so the
/// engine does not depend on the checks; without it, no rule's `local_severity` applies.
pub type LocalHost = fn(host: &str, path: &str, data: &[u8]) -> bool;

/// The host after a connection URL's password: `data[end]` is `@`, then a name, an address or
/// a bracketed IPv6 address (Go's `tcp(host:port)` form too), up to the port, path or query.
fn host_after(data: &[u8], end: usize) -> Option<&str> {
    let rest = data.get(end..)?.strip_prefix(b"@")?;
    let rest = rest
        .strip_prefix(b"tcp(")
        .or_else(|| rest.strip_prefix(b"unix("))
        .unwrap_or(rest);
    let len = if rest.first() == Some(&b'[') {
        rest.iter().position(|&b| b == b']')? + 1
    } else {
        rest.iter()
            .take(256)
            .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_')))
            .unwrap_or(rest.len().min(256))
    };
    std::str::from_utf8(&rest[..len])
        .ok()
        .filter(|h| !h.is_empty())
}

/// One occurrence of a keyword in a blob: the keyword's pattern id (its index among the
/// matcher's distinct lowercased keywords) and its byte range. The prefilter's whole output:
/// everything after it is a function of the blob and the set of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeywordHit {
    pub pattern: u32,
    pub start: usize,
    pub end: usize,
}

/// Per-thread scratch space, reused between blobs so the hot path does not allocate.
#[derive(Default)]
pub struct Scratch {
    hits: Vec<KeywordHit>,
    windows: Vec<Vec<Range<usize>>>,
    touched: Vec<usize>,
    candidates: Vec<RawMatch>,
    /// Encoded spans left undecoded for lack of budget since the last [`Scratch::take_decode_cuts`].
    decode_cuts: u64,
    /// What a delta's search reads (see [`incremental`]).
    ranges: Vec<Range<usize>>,
}

impl Scratch {
    /// How many encoded spans [`Matcher::find_all`] left undecoded (over its per-blob budget)
    /// since the last call, so the caller can say the scan of those bytes was partial.
    pub fn take_decode_cuts(&mut self) -> u64 {
        std::mem::take(&mut self.decode_cuts)
    }
}

impl Matcher {
    /// Compiles the keyword filter for `rules` (linear in their keywords' bytes: cheap enough
    /// for every start-up; rule regexes compile lazily).
    pub fn new(rules: Arc<RuleSet>, allow: AllowList) -> Matcher {
        let mut patterns: Vec<String> = Vec::new();
        let mut keyword_rules: Vec<Vec<usize>> = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (index, rule) in rules.rules().iter().enumerate() {
            for keyword in rule.keywords() {
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
        let keywords = keywords::Keywords::new(&patterns);
        let straddle = incremental::Straddle::new(&patterns);
        let index: HashMap<&str, usize> = rules
            .rules()
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id(), i))
            .collect();
        let partners = rules
            .rules()
            .iter()
            .map(|r| {
                let pair = r.spec.pair.as_ref()?;
                index.get(pair.with.as_str()).copied()
            })
            .collect();
        Matcher {
            partners,
            straddle,
            rules,
            keywords,
            keyword_rules,
            allow,
            local_host: None,
        }
    }

    /// This matcher, rating credentials for the developer's own machine (as `local_host`
    /// decides) at the rule's `local_severity`.
    pub fn with_local_hosts(mut self, local_host: LocalHost) -> Matcher {
        self.local_host = Some(local_host);
        self
    }

    /// The severity of a match of `rule` whose secret ends at `end` in `data` (found at
    /// `path`): the rule's, or its `local_severity` when the secret is a connection URL's
    /// password for a host on the developer's own machine.
    pub fn severity_at(&self, rule: &Rule, data: &[u8], end: usize, path: &str) -> Severity {
        let severity = rule.severity();
        let (Some(local), Some(is_local)) = (rule.spec.local_severity, self.local_host) else {
            return severity;
        };
        match host_after(data, end) {
            Some(host) if is_local(host, path, data) => local.min(severity),
            _ => severity,
        }
    }

    pub fn rules(&self) -> &Arc<RuleSet> {
        &self.rules
    }

    /// The most bytes a keyword hit's window reaches on either side of it, widening included:
    /// a reader cutting a large input into pieces overlaps them by (twice) this, so every match
    /// is seen with the context a whole-file scan gives it.
    pub fn reach(&self) -> usize {
        let widest = self.rules.rules().iter().map(Rule::window).max();
        widest.unwrap_or(0) + LINE_SNAP + MAX_TOKEN_GROWTH
    }

    pub fn rule(&self, index: usize) -> &Rule {
        self.rules.get(index)
    }

    /// Finds every secret in `data`, sorted by position, one per byte range: the keyword
    /// occurrences in the whole blob ([`Matcher::keyword_hits`]), then what they lead to
    /// ([`Matcher::find_from_hits`]).
    pub fn find(&self, data: &[u8], scratch: &mut Scratch) -> Vec<RawMatch> {
        let mut hits = std::mem::take(&mut scratch.hits);
        hits.clear();
        self.keyword_hits(data, 0..data.len(), &mut hits);
        let found = self.find_from_hits(data, &hits, scratch);
        scratch.hits = hits;
        found
    }

    /// Appends to `out` every occurrence of every keyword (overlapping, ASCII
    /// case-insensitive) that starts inside `range` of `data`, reading at most the longest
    /// keyword's length minus one bytes past `range.end`. An occurrence depends only on its own
    /// bytes, so a caller that already knows the occurrences in some bytes (a delta's base)
    /// searches only the rest. Order is unspecified; [`Matcher::find_from_hits`] accepts any.
    pub fn keyword_hits(&self, data: &[u8], range: Range<usize>, out: &mut Vec<KeywordHit>) {
        if let Some((readable, range)) = self.keyword_reach(data, range) {
            self.keywords.find(&data[..readable], range, out);
        }
    }

    /// [`Matcher::keyword_hits`] through the filter loop `path` names, whatever the processor
    /// offers: for benchmarks and tests that compare the loops (same occurrences, in any order).
    #[doc(hidden)]
    pub fn keyword_hits_by(
        &self,
        path: FilterPath,
        data: &[u8],
        range: Range<usize>,
        out: &mut Vec<KeywordHit>,
    ) {
        if let Some((readable, range)) = self.keyword_reach(data, range) {
            self.keywords.find_by(path, &data[..readable], range, out);
        }
    }

    /// How many positions of `data` pass the keyword filter, each then compared exactly with
    /// the keywords that share its bit: the figure a benchmark reports beside the throughput,
    /// since it is what makes one text slower to search than another.
    #[doc(hidden)]
    pub fn keyword_candidates(&self, data: &[u8]) -> usize {
        self.keywords.candidate_count(data, 0..data.len())
    }

    /// What [`Matcher::keyword_hits`] may read for `range` of `data` (how many bytes from the
    /// start) and the range clamped to `data`; `None` when the range is empty.
    fn keyword_reach(&self, data: &[u8], range: Range<usize>) -> Option<(usize, Range<usize>)> {
        let start = range.start.min(data.len());
        let end = range.end.clamp(start, data.len());
        if start == end {
            return None;
        }
        let readable = (end + self.keywords.longest().saturating_sub(1)).min(data.len());
        Some((readable, start..end))
    }

    /// What [`Matcher::find`] does once the keyword occurrences in `data` are known: every
    /// secret the windows around `hits` hold, sorted by position, one per byte range. `hits`
    /// must be every occurrence in `data` ([`Matcher::keyword_hits`] over all of it, or the
    /// same set assembled otherwise), in any order, each with an in-bounds range.
    pub fn find_from_hits(
        &self,
        data: &[u8],
        hits: &[KeywordHit],
        scratch: &mut Scratch,
    ) -> Vec<RawMatch> {
        self.collect_windows(data, hits, scratch);
        scratch.candidates.clear();
        for &rule_index in &scratch.touched {
            let rule = self.rules.get(rule_index);
            // Widened windows can meet: merge them so no byte is searched twice by one rule.
            let mut current: Option<Range<usize>> = None;
            for window in &scratch.windows[rule_index] {
                let wide = widen(data, window.clone());
                match &mut current {
                    Some(c) if wide.start <= c.end => c.end = c.end.max(wide.end),
                    _ => {
                        if let Some(done) = current.replace(wide) {
                            self.match_window(
                                rule_index,
                                rule,
                                data,
                                done,
                                &mut scratch.candidates,
                            );
                        }
                    }
                }
            }
            if let Some(done) = current {
                self.match_window(rule_index, rule, data, done, &mut scratch.candidates);
            }
        }
        for &rule_index in &scratch.touched {
            scratch.windows[rule_index].clear();
        }
        scratch.touched.clear();
        resolve_overlaps(&mut scratch.candidates, &self.rules)
    }

    /// Pairs the halves of multi-part credentials among one blob's matches (sorted by
    /// position, as [`Matcher::find`] returns them): each match of a rule with a `pair` takes
    /// the nearest unpaired match of its other half's rule within the rule's `pair.within`
    /// lines (nearest in lines, then in bytes), and the other half is no longer a match of its
    /// own. Matches without a partner stay as they are, in order.
    pub fn pair_up(&self, data: &[u8], matches: Vec<RawMatch>) -> Vec<Paired> {
        let pairs_wanted = matches
            .iter()
            .any(|m| self.partners[m.rule].is_some_and(|p| matches.iter().any(|o| o.rule == p)));
        if !pairs_wanted {
            return matches
                .into_iter()
                .map(|found| Paired {
                    found,
                    partner: None,
                })
                .collect();
        }
        let lines = start_lines(data, &matches);
        let mut taken: Vec<bool> = vec![false; matches.len()];
        let mut partner_of: Vec<Option<usize>> = vec![None; matches.len()];
        for (i, m) in matches.iter().enumerate() {
            let (Some(other), Some(pair)) = (self.partners[m.rule], &self.rule(m.rule).spec.pair)
            else {
                continue;
            };
            // Only matches within the line bound, and at most a few hundred either side: a
            // minified line of thousands of matches must not make pairing quadratic.
            let lo = lines
                .partition_point(|&l| l + pair.within < lines[i])
                .max(i.saturating_sub(PAIR_CANDIDATES));
            let hi = lines
                .partition_point(|&l| l <= lines[i] + pair.within)
                .min(i + PAIR_CANDIDATES + 1);
            let best = (lo..hi)
                .map(|j| (j, &matches[j]))
                .filter(|&(j, o)| o.rule == other && !taken[j] && partner_of[j].is_none())
                .min_by_key(|&(j, o)| {
                    (
                        lines[i].abs_diff(lines[j]),
                        m.secret.start.abs_diff(o.secret.start),
                    )
                })
                .map(|(j, _)| j);
            if let Some(j) = best {
                taken[j] = true;
                partner_of[i] = Some(j);
            }
        }
        let partners: Vec<Option<RawMatch>> = partner_of
            .iter()
            .map(|p| p.map(|j| matches[j].clone()))
            .collect();
        matches
            .into_iter()
            .zip(partners)
            .zip(taken)
            .filter(|(_, taken)| !taken)
            .map(|((found, partner), _)| Paired { found, partner })
            .collect()
    }

    /// Finds every secret in `data` as [`Matcher::find`] does, and those hidden inside
    /// encodings (base64, percent-encoding, string escapes, HTML entities), reported at their
    /// encoded span; one match per place (see [`decode`]).
    pub fn find_all(&self, data: &[u8], scratch: &mut Scratch) -> Vec<RawMatch> {
        let plain = self.find(data, scratch);
        decode::with_decoded(self, data, plain, scratch)
    }

    /// Stage one: keyword hits become per-rule windows, merged where they overlap so no byte is
    /// searched twice by the same rule. Hits may come in any order: a rule's windows are put in
    /// order of their start before they are merged, so the windows are the union of the hits'
    /// and depend only on the set of hits.
    fn collect_windows(&self, data: &[u8], hits: &[KeywordHit], scratch: &mut Scratch) {
        if scratch.windows.len() < self.rules.len() {
            scratch.windows.resize_with(self.rules.len(), Vec::new);
        }
        for hit in hits {
            let Some(rules) = self.keyword_rules.get(hit.pattern as usize) else {
                continue;
            };
            for &rule_index in rules {
                let reach = self.rules.get(rule_index).window();
                let lo = hit.start.min(data.len()).saturating_sub(reach);
                let hi = (hit.end + reach).min(data.len());
                let windows = &mut scratch.windows[rule_index];
                if windows.is_empty() {
                    scratch.touched.push(rule_index);
                }
                windows.push(lo..hi);
            }
        }
        for &rule_index in &scratch.touched {
            let windows = &mut scratch.windows[rule_index];
            if !windows.is_sorted_by_key(|w| w.start) {
                windows.sort_unstable_by_key(|w| w.start);
            }
            let mut merged = 0;
            for i in 1..windows.len() {
                if windows[i].start <= windows[merged].end {
                    windows[merged].end = windows[merged].end.max(windows[i].end);
                } else {
                    merged += 1;
                    windows[merged] = windows[i].clone();
                }
            }
            windows.truncate(merged + 1);
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
            if let Some(min) = rule.entropy_floor()
                && entropy < min
            {
                continue;
            }
            if rule.by_context() && crate::rules::is_placeholder(bytes) {
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
                decoded: None,
            });
        }
    }
}

/// How many matches on each side of a secret half are looked at for its other half.
const PAIR_CANDIDATES: usize = 256;

/// The 1-based line each match starts on (`matches` sorted by position), in one pass.
fn start_lines(data: &[u8], matches: &[RawMatch]) -> Vec<usize> {
    let mut line = 1;
    let mut pos = 0;
    matches
        .iter()
        .map(|m| {
            let at = m.secret.start.min(data.len()).max(pos);
            line += memchr::memchr_iter(b'\n', &data[pos..at]).count();
            pos = at;
            line
        })
        .collect()
}

/// Shannon entropy of `bytes` in bits per byte: the one measure of "looks random" that rules
/// (`entropy:` floors) and the repository checks (placeholder versus real value) share.
pub fn shannon(bytes: &[u8]) -> f32 {
    entropy::shannon_entropy(bytes)
}

/// Widens a window to whole lines, then past any token its edges still cut (see [`widen_token`]).
fn widen(data: &[u8], window: Range<usize>) -> Range<usize> {
    widen_token(data, snap_to_lines(data, window))
}

/// Bytes that can continue a token: base64/base64url, hex, and the separators tokens use.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'+' | b'/' | b'=' | b'~' | b'%')
}

/// Moves each edge of `window` that falls inside a run of token bytes out to the end of the run
/// (at most [`MAX_TOKEN_GROWTH`] bytes), so a regex never sees a long token cut in half.
fn widen_token(data: &[u8], window: Range<usize>) -> Range<usize> {
    let floor = window.start.saturating_sub(MAX_TOKEN_GROWTH);
    let mut start = window.start;
    while start > floor && is_token_byte(data[start - 1]) {
        start -= 1;
    }
    let ceil = (window.end + MAX_TOKEN_GROWTH).min(data.len());
    let mut end = window.end;
    while end < ceil && is_token_byte(data[end]) {
        end += 1;
    }
    start..end
}

/// Widens a window to whole lines (within [`LINE_SNAP`] bytes) so tokens at its edges are whole.
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

    #[test]
    fn the_host_after_a_password() {
        fn after(text: &str) -> Option<&str> {
            host_after(text.as_bytes(), text.find('@').unwrap_or(text.len()))
        }
        assert_eq!(after("pw@localhost:5432/db"), Some("localhost"));
        assert_eq!(after("pw@[::1]:5432"), Some("[::1]"));
        assert_eq!(after("pw@tcp(127.0.0.1:3306)/db"), Some("127.0.0.1"));
        assert_eq!(after("pw@db_1?x=1"), Some("db_1"));
        assert_eq!(after("pw@'"), None);
        assert_eq!(after("pw"), None);
        assert_eq!(after("pw@[::1"), None);
    }

    fn raw(rule: usize, secret: Range<usize>) -> RawMatch {
        RawMatch {
            rule,
            secret,
            entropy: 4.0,
            decoded: None,
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

    /// The matches found from the new keyword filter's occurrences are those found from
    /// Aho-Corasick's (what the prefilter was), on every rule example and this crate's sources.
    #[test]
    fn matches_are_those_the_automaton_led_to() {
        let rules = Arc::new(RuleSet::builtin().expect("built-in rules load"));
        let matcher = Matcher::new(rules.clone(), AllowList::default());
        let automaton = aho_corasick::AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(aho_corasick::MatchKind::Standard)
            .build(matcher.keywords.patterns())
            .expect("built-in keywords build");
        let mut text: String = rules
            .rules()
            .iter()
            .flat_map(|r| r.spec.examples.iter().chain(&r.spec.negative_examples))
            .map(|e| format!("{e}\n"))
            .collect();
        for file in ["src/engine/mod.rs", "src/rules/mod.rs", "README.md"] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
            text.push_str(&std::fs::read_to_string(path).expect("a source file is readable"));
        }
        let data = text.as_bytes();
        let hits: Vec<KeywordHit> = automaton
            .find_overlapping_iter(data)
            .map(|m| KeywordHit {
                pattern: m.pattern().as_u32(),
                start: m.start(),
                end: m.end(),
            })
            .collect();
        let mut scratch = Scratch::default();
        let found = matcher.find(data, &mut scratch);
        assert!(found.len() > rules.len() / 2, "{} matches", found.len());
        assert_eq!(matcher.find_from_hits(data, &hits, &mut scratch), found);
    }

    #[test]
    fn keyword_hits_in_pieces_are_the_hits_of_the_whole() {
        let rules = Arc::new(RuleSet::builtin().expect("built-in rules load"));
        let matcher = Matcher::new(rules.clone(), AllowList::default());
        let text: String = rules
            .rules()
            .iter()
            .flat_map(|r| r.spec.examples.iter())
            .map(|e| format!("{e}\n"))
            .collect();
        let data = text.as_bytes();
        let mut whole = Vec::new();
        matcher.keyword_hits(data, 0..data.len(), &mut whole);
        assert!(whole.len() > rules.len() / 2, "{} hits", whole.len());
        whole.sort();
        for piece in [1, 7, 64, 4096] {
            let mut parts = Vec::new();
            for start in (0..data.len()).step_by(piece) {
                let range = start..(start + piece).min(data.len());
                // Past the range's end, only the longest keyword's length minus one is read.
                let readable = (range.end + matcher.keywords.longest() - 1).min(data.len());
                matcher.keyword_hits(&data[..readable], range, &mut parts);
            }
            parts.sort();
            assert_eq!(parts, whole, "pieces of {piece} bytes");
        }
        // The matches do not depend on the order the hits come in.
        let mut scratch = Scratch::default();
        let found = matcher.find(data, &mut scratch);
        assert!(!found.is_empty());
        let mut reversed = whole.clone();
        reversed.reverse();
        assert_eq!(matcher.find_from_hits(data, &reversed, &mut scratch), found);
        assert_eq!(matcher.find_from_hits(data, &whole, &mut scratch), found);
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
    fn a_window_edge_inside_a_token_moves_to_the_end_of_the_token() {
        let mut data = b"x = ".to_vec();
        data.extend(std::iter::repeat_n(b'A', 9000));
        data.extend_from_slice(b"\" tail");
        let token_end = 4 + 9000;
        // The window ends mid-token, far beyond line snapping: it grows to the token's end.
        assert_eq!(widen(&data, 4..20), 0..token_end);
        // Growth is bounded.
        let long = vec![b'A'; 3 * MAX_TOKEN_GROWTH];
        let w = widen_token(&long, 100_000..100_010);
        assert_eq!(w, 100_000 - MAX_TOKEN_GROWTH..100_010 + MAX_TOKEN_GROWTH);
    }

    #[test]
    fn a_jwt_longer_than_the_rule_window_is_found() {
        let rules = Arc::new(RuleSet::builtin().expect("built-in rules load"));
        let matcher = Matcher::new(rules.clone(), AllowList::default());
        let b64 = |s: &[u8]| -> String {
            const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            let mut out = String::new();
            for chunk in s.chunks(3) {
                let n = chunk.iter().fold(0u32, |acc, &b| acc << 8 | u32::from(b))
                    << (8 * (3 - chunk.len()));
                for i in 0..=chunk.len() {
                    out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
                }
            }
            out
        };
        let mut state = 0x2545_f491_u32;
        let varied: String = (0..4800)
            .map(|_| {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                (b'a' + (state >> 16) as u8 % 26) as char
            })
            .collect();
        let claims = format!("{{\"sub\":\"{varied}\"}}");
        let jwt = format!(
            "{}.{}.{}",
            b64(br#"{"alg":"HS256","typ":"JWT"}"#),
            b64(claims.as_bytes()),
            b64(&(0..32u8)
                .map(|i| i.wrapping_mul(37) ^ 0x5a)
                .collect::<Vec<_>>())
        );
        assert!(jwt.len() > 6000);
        let text = format!("token = \"{jwt}\"\n");
        let found = matcher.find(text.as_bytes(), &mut Scratch::default());
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(&text.as_bytes()[found[0].secret.clone()], jwt.as_bytes());
    }

    #[test]
    fn snapping_reaches_line_edges_but_is_bounded() {
        let data = b"aaaa\nbbbbXbbbb\ncccc";
        assert_eq!(snap_to_lines(data, 9..10), 5..14);
        let long = vec![b' '; 10_000];
        let w = snap_to_lines(&long, 5000..5010);
        assert_eq!(w, 5000 - LINE_SNAP..5010 + LINE_SNAP);
    }
}
