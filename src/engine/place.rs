//! Placing: turns the engine's raw matches in one blob into [`Finding`]s at a path (line,
//! column, fingerprint, inline allow). Shared by every source (working tree, history, staged
//! changes, stdin) and check, so a secret looks the same wherever it was found.

use super::decode::{self, Encoding};
use super::{Matcher, RawMatch, Scratch, positions};
use crate::finding::{Finding, Location, RuleInfo, Suppression, fingerprint};
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
    let positions = positions(
        data,
        matches.iter().flat_map(|m| [m.secret.start, m.secret.end]),
    );
    matches
        .into_iter()
        .map(|m| {
            let rule = matcher.rule(m.rule);
            let (secret, after, end) = match &m.decoded {
                Some(d) => (&d.secret[..], &d.after[..], 0),
                None => (&data[m.secret.clone()], data, m.secret.end),
            };
            let location =
                Location::span(path, positions[&m.secret.start], positions[&m.secret.end]);
            let mut finding = Finding::new(
                infos.get(m.rule),
                matcher.severity_at(rule, after, end, path),
                location,
                fingerprint(rule.id(), secret),
            );
            finding.secret = String::from_utf8_lossy(secret).into_owned();
            finding.entropy = Some(m.entropy);
            finding.publishable = rule.spec.publishable;
            finding.suppressed =
                allowed_inline(data, m.secret.start).then_some(Suppression::Inline);
            let chain: Vec<Encoding> = outer
                .into_iter()
                .chain(m.decoded.iter().flat_map(|d| d.chain.iter().copied()))
                .collect();
            if !chain.is_empty() {
                finding.message = Some(decode::describe(&chain));
            }
            finding
        })
        .collect()
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
