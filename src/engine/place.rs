//! Placing: turns the engine's raw matches in one blob into [`Finding`]s at a path (line,
//! column, fingerprint, inline allow). Shared by every source (working tree, history, staged
//! changes, stdin) and check, so a secret looks the same wherever it was found.

use super::decode::{self, Encoding};
use super::{Matcher, Paired, RawMatch, Scratch, positions};
use crate::finding::{AlsoFound, Finding, Location, RuleInfo, Suppression, fingerprint};
use crate::rules::Rule;
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

/// Scans one blob and returns its findings at `path`: secrets as written and inside encodings
/// ([`Matcher::find_all`]). A blob of UTF-16 text is matched as the text it holds, its
/// findings placed in that text's lines and columns.
pub fn findings_in_blob(
    matcher: &Matcher,
    infos: &RuleInfos,
    data: &[u8],
    path: &str,
    scratch: &mut Scratch,
) -> Vec<Finding> {
    if let Some((text, encoding)) = decode::utf16(data) {
        let text = text.as_bytes();
        let matches = matcher.find_all(text, scratch);
        let mut found = place(matcher, infos, text, path, matches, Some(encoding));
        // A file that only looked like UTF-16 (a binary with text in both forms) keeps what
        // its bytes as written hold.
        let as_written = matcher.find_all(data, scratch);
        let seen: std::collections::HashSet<String> =
            found.iter().map(|f| f.fingerprint.clone()).collect();
        found.extend(
            findings_from_matches(matcher, infos, data, path, as_written)
                .into_iter()
                .filter(|f| !seen.contains(&f.fingerprint)),
        );
        return found;
    }
    let matches = matcher.find_all(data, scratch);
    findings_from_matches(matcher, infos, data, path, matches)
}

/// Places raw matches in `data` at `path`: line and column (computed only here, for the few
/// matches there are), fingerprint, and the inline-allow mark. Keeps the matches' order.
/// A match found by decoding is placed at its encoded span, with the decoded secret (and so
/// the same fingerprint as that secret written in plain) and the encodings in its message.
pub fn findings_from_matches(
    matcher: &Matcher,
    infos: &RuleInfos,
    data: &[u8],
    path: &str,
    matches: Vec<RawMatch>,
) -> Vec<Finding> {
    place(matcher, infos, data, path, matches, None)
}

/// [`findings_from_matches`] for `data` that was itself decoded from `outer` (a whole blob).
fn place(
    matcher: &Matcher,
    infos: &RuleInfos,
    data: &[u8],
    path: &str,
    matches: Vec<RawMatch>,
    outer: Option<Encoding>,
) -> Vec<Finding> {
    if matches.is_empty() {
        return Vec::new();
    }
    let matches = matcher.pair_up(data, matches);
    let positions = positions(
        data,
        matches
            .iter()
            .flat_map(|p| std::iter::once(&p.found).chain(&p.partner))
            .flat_map(|m| [m.secret.start, m.secret.end]),
    );
    let now = super::assess::now();
    matches
        .into_iter()
        .map(|Paired { found: m, partner }| {
            let rule = matcher.rule(m.rule);
            let (secret, after, end) = match &m.decoded {
                Some(d) => (&d.secret[..], &d.after[..], 0),
                None => (&data[m.secret.clone()], data, m.secret.end),
            };
            let location =
                Location::span(path, positions[&m.secret.start], positions[&m.secret.end]);
            let judged = matcher.assess(rule, secret, (after, end), path, now);
            let mut finding = Finding::new(
                infos.get(m.rule),
                judged.severity,
                location,
                fingerprint(rule.id(), secret),
            );
            finding.secret = String::from_utf8_lossy(secret).into_owned();
            finding.entropy = Some(m.entropy);
            finding.confidence = judged.confidence;
            finding.publishable = judged.publishable;
            finding.message = judged.message;
            finding.suppressed =
                allowed_inline(data, m.secret.start).then_some(Suppression::Inline);
            let chain: Vec<Encoding> = outer
                .into_iter()
                .chain(m.decoded.iter().flat_map(|d| d.chain.iter().copied()))
                .collect();
            if !chain.is_empty() {
                finding.note(&decode::describe(&chain), None);
            }
            if let Some(other) = partner {
                let line = positions[&other.secret.start].0;
                fold_partner(&mut finding, rule, infos, data, &other, line);
            }
            finding
        })
        .collect()
}

/// Folds the other half of a multi-part credential (found on `line`) into the finding of its
/// secret half: the message names its kind and line, never its value; the severity rises to
/// the pair's when the rule gives one.
fn fold_partner(
    finding: &mut Finding,
    rule: &Rule,
    infos: &RuleInfos,
    data: &[u8],
    other: &RawMatch,
    line: usize,
) {
    if let Some(severity) = rule.spec.pair.as_ref().and_then(|p| p.severity) {
        finding.severity = finding.severity.max(severity);
    }
    let info = infos.get(other.rule);
    finding.note(
        &format!(
            "Complete credential: its other half, {} [{}], is on line {line}; reported once, here.",
            info.name, info.id
        ),
        None,
    );
    let other_secret = match &other.decoded {
        Some(d) => &d.secret[..],
        None => &data[other.secret.clone()],
    };
    finding.also.push(AlsoFound {
        severity: info.severity,
        message: Some(format!("the other half of this credential, on line {line}")),
        fingerprint: fingerprint(&info.id, other_secret),
        rule: info,
    });
}

/// The marker a developer puts in a comment to accept a finding on that line, or on the next
/// line when the comment stands alone on its line.
pub const INLINE_ALLOW: &[u8] = b"leakgate:allow";

/// How far from a finding, within its line and the line before, the marker is looked for:
/// bounded so a huge minified line with many findings stays linear.
pub const INLINE_ALLOW_REACH: usize = 4096;

/// What may stand before the marker on a line of its own: whitespace and the characters that
/// open a comment in common languages (`#`, `//`, `/*`, `--`, `;`, `<!--`, `%`, `'`, `{#`, `(*`).
const COMMENT_OPENERS: &[u8] = b"#/*-;!<%'{(";

/// Whether `leakgate:allow` accepts what sits at `offset`: the marker is on the same line, or
/// the line before holds nothing but a comment carrying it. A trailing marker
/// (`key = X # leakgate:allow`) covers its own line only, never a different secret on the next.
pub fn allowed_inline(data: &[u8], offset: usize) -> bool {
    let floor = offset.saturating_sub(INLINE_ALLOW_REACH);
    let ceil = (offset + INLINE_ALLOW_REACH).min(data.len());
    let line_start = memchr::memrchr(b'\n', &data[floor..offset]).map_or(floor, |i| floor + i + 1);
    let line_end = memchr::memchr(b'\n', &data[offset..ceil]).map_or(ceil, |i| offset + i);
    if memchr::memmem::find(&data[line_start..line_end], INLINE_ALLOW).is_some() {
        return true;
    }
    if line_start == 0 || (line_start == floor && data[line_start - 1] != b'\n') {
        // The first line, or a line longer than the reach: no whole line before it to read.
        return false;
    }
    let prev_end = line_start - 1;
    let prev_floor = prev_end.saturating_sub(INLINE_ALLOW_REACH);
    let prev_start = match memchr::memrchr(b'\n', &data[prev_floor..prev_end]) {
        Some(i) => prev_floor + i + 1,
        None if prev_floor == 0 => 0,
        // Longer than the reach: not a comment standing alone.
        None => return false,
    };
    standalone_allow(&data[prev_start..prev_end])
}

/// Whether `line` is a comment holding the marker and nothing else (no code before it).
fn standalone_allow(line: &[u8]) -> bool {
    memchr::memmem::find(line, INLINE_ALLOW).is_some_and(|at| {
        line[..at]
            .iter()
            .all(|b| b.is_ascii_whitespace() || COMMENT_OPENERS.contains(b))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_allow_covers_its_line_and_the_next() {
        let data = b"a = 1\n# leakgate:allow\nkey = X\nother = Y\n";
        let x = data.iter().position(|&b| b == b'X').unwrap();
        let y = data.iter().position(|&b| b == b'Y').unwrap();
        assert!(allowed_inline(data, x));
        assert!(!allowed_inline(data, y));
        let same = b"key = X // leakgate:allow";
        assert!(allowed_inline(same, 6));
        assert!(!allowed_inline(b"X", 0));
    }

    #[test]
    fn a_trailing_allow_covers_its_own_line_only() {
        let data = b"a = X # leakgate:allow\nb = Y\n";
        let x = data.iter().position(|&b| b == b'X').unwrap();
        let y = data.iter().position(|&b| b == b'Y').unwrap();
        assert!(allowed_inline(data, x));
        assert!(!allowed_inline(data, y));
    }

    #[test]
    fn an_allow_alone_on_its_line_covers_the_next_in_any_comment_style() {
        for comment in [
            "# leakgate:allow test key",
            "  // leakgate:allow",
            "/* leakgate:allow */",
            "<!-- leakgate:allow -->",
            "-- leakgate:allow",
            "; leakgate:allow",
            "\t% leakgate:allow\r",
            "leakgate:allow",
        ] {
            let data = format!("{comment}\nkey = X\nnext = Y\n");
            let x = data.find('X').unwrap();
            let y = data.find('Y').unwrap();
            assert!(allowed_inline(data.as_bytes(), x), "{comment:?}");
            assert!(!allowed_inline(data.as_bytes(), y), "{comment:?}");
        }
        for not_alone in ["x = 1 # leakgate:allow", "print('leakgate:allow')"] {
            let data = format!("{not_alone}\nkey = X\n");
            assert!(
                !allowed_inline(data.as_bytes(), data.find('X').unwrap()),
                "{not_alone:?}"
            );
        }
    }

    #[test]
    fn the_line_before_is_read_only_when_whole() {
        let long = format!(
            "{}\n# leakgate:allow\nX",
            "a".repeat(3 * INLINE_ALLOW_REACH)
        );
        assert!(allowed_inline(long.as_bytes(), long.len() - 1));
        let huge_comment = format!("# leakgate:allow{}\nX", " ".repeat(2 * INLINE_ALLOW_REACH));
        assert!(!allowed_inline(
            huge_comment.as_bytes(),
            huge_comment.len() - 1
        ));
        let long_line = format!("# leakgate:allow\n{}X", "a".repeat(2 * INLINE_ALLOW_REACH));
        assert!(!allowed_inline(long_line.as_bytes(), long_line.len() - 1));
    }
}

#[cfg(test)]
mod pair_tests {
    use super::*;
    use crate::engine::AllowList;
    use crate::finding::Severity;
    use crate::rules::RuleSet;
    use crate::rules::testing::random;

    /// An id half (`IDX` + 16 upper-case letters) and a secret half (40 base62 characters found
    /// by the name `acme_secret`) that pairs with it within 3 lines, critical when complete.
    const RULES: &str = r#"rules:
  - id: acme-id
    name: Acme key id
    description: rotate
    severity: low
    keywords: [IDX]
    regex: '\b(?P<secret>IDX[A-Z]{16})\b'
  - id: acme-secret
    name: Acme secret
    description: rotate
    severity: high
    context:
      names: [acme_secret]
      value: '[A-Za-z0-9]{40}'
    pair: { with: acme-id, within: 3, severity: critical }
"#;

    fn matcher() -> (Matcher, RuleInfos) {
        let mut set = RuleSet::default();
        set.add_yaml("pair.yaml", RULES).expect("test rules load");
        let matcher = Matcher::new(Arc::new(set), AllowList::default());
        let infos = RuleInfos::new(&matcher);
        (matcher, infos)
    }

    /// Values in each half's format from a seed, so no test string is a real credential.
    fn values(seed: u64) -> (String, String) {
        let id = format!("IDX{}", random(seed, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", 16));
        let secret = random(
            seed ^ 0x005E_C2E7,
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
            40,
        );
        (id, secret)
    }

    fn scan(text: &str) -> Vec<Finding> {
        let (matcher, infos) = matcher();
        findings_in_blob(
            &matcher,
            &infos,
            text.as_bytes(),
            "x.env",
            &mut Scratch::default(),
        )
    }

    #[test]
    fn a_complete_pair_is_one_finding_at_the_secret_naming_the_other_half() {
        let (id, secret) = values(1);
        let found = scan(&format!("ACME_ID={id}\nACME_SECRET={secret}\n"));
        assert_eq!(found.len(), 1, "{found:?}");
        let f = &found[0];
        assert_eq!(f.rule.id, "acme-secret");
        assert_eq!(f.secret, secret);
        assert_eq!(f.location.line, 2);
        assert_eq!(f.severity, Severity::Critical);
        let message = f.message.as_deref().expect("a pair says so");
        assert!(
            message.contains("Acme key id [acme-id]") && message.contains("line 1"),
            "{message}"
        );
        assert!(
            !message.contains(&id) && !message.contains(&id[3..9]),
            "{message}"
        );
        assert_eq!(f.also.len(), 1);
        assert_eq!(f.also[0].rule.id, "acme-id");
        assert_eq!(f.also[0].fingerprint, fingerprint("acme-id", id.as_bytes()));
        // The secret half's own fingerprint is what it would be alone: baselines still match.
        assert_eq!(f.fingerprint, fingerprint("acme-secret", secret.as_bytes()));
    }

    #[test]
    fn a_half_alone_is_reported_as_before() {
        let (id, secret) = values(2);
        let found = scan(&format!("ACME_SECRET={secret}\n"));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::High);
        assert!(found[0].message.is_none() && found[0].also.is_empty());
        let found = scan(&format!("ACME_ID={id}\n"));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].rule.id, "acme-id");
    }

    #[test]
    fn two_pairs_in_a_file_each_take_the_nearest_other_half() {
        let (id1, s1) = values(3);
        let (id2, s2) = values(4);
        let text =
            format!("ACME_SECRET={s1}\nACME_ID={id1}\n\n\n\nACME_ID={id2}\nACME_SECRET={s2}\n");
        let found = scan(&text);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].secret, s1);
        assert_eq!(
            found[0].also[0].fingerprint,
            fingerprint("acme-id", id1.as_bytes())
        );
        assert!(found[0].message.as_deref().unwrap_or("").contains("line 2"));
        assert_eq!(found[1].secret, s2);
        assert_eq!(
            found[1].also[0].fingerprint,
            fingerprint("acme-id", id2.as_bytes())
        );
        assert!(found[1].message.as_deref().unwrap_or("").contains("line 6"));
    }

    #[test]
    fn halves_too_far_apart_are_two_findings() {
        let (id, secret) = values(5);
        let found = scan(&format!("ACME_ID={id}\n\n\n\nACME_SECRET={secret}\n"));
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found
                .iter()
                .all(|f| f.message.is_none() && f.also.is_empty())
        );
        assert_eq!(found[1].severity, Severity::High);
    }

    #[test]
    fn many_halves_on_one_line_pair_up_without_blowing_up() {
        let mut text = String::new();
        for seed in 0..5_000 {
            let (id, secret) = values(100 + seed);
            text.push_str(&format!("ACME_ID={id} ACME_SECRET={secret} "));
        }
        let start = std::time::Instant::now();
        let found = scan(&text);
        assert!(start.elapsed() < std::time::Duration::from_secs(30));
        assert_eq!(found.len(), 5_000);
        let odd: Vec<_> = found
            .iter()
            .filter(|f| !(f.rule.id == "acme-secret" && f.also.len() == 1))
            .map(|f| (&f.rule.id, &f.secret, f.also.len()))
            .collect();
        assert!(odd.is_empty(), "{odd:?}");
    }
}
