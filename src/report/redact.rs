//! Redaction: the only way a secret is turned into text, for reports and for the short
//! excerpts checks attach to findings on minified lines. A leaf module (it imports nothing from
//! the crate) so checks can build excerpts without depending on the report formats.

/// Characters of a secret shown in a redacted preview.
const PREVIEW_CHARS: usize = 4;

/// The only way a secret is turned into text: the first four characters and an ellipsis, or
/// the whole secret when the user opted in with `--show-secrets`.
pub fn preview(secret: &str, show_secrets: bool) -> String {
    if secret.is_empty() {
        return String::new();
    }
    if show_secrets {
        return secret.to_string();
    }
    let shown: String = secret
        .chars()
        .take(PREVIEW_CHARS)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    format!("{shown}…")
}

/// Repository text (a path, a commit summary, an author, a check's message) with each secret
/// span in it replaced by its redacted preview, exactly as a finding's secret is shown. Which
/// spans are secrets is the engine's to say; the caller passes them (sorted or not, possibly
/// overlapping, in bytes of `text`). Spans that do not fall on character boundaries are
/// widened to them.
pub fn redact_spans(text: &str, spans: &[std::ops::Range<usize>]) -> String {
    let mut spans: Vec<std::ops::Range<usize>> = spans
        .iter()
        .filter(|s| s.start < s.end)
        .map(|s| {
            let mut start = s.start.min(text.len());
            while !text.is_char_boundary(start) {
                start -= 1;
            }
            let mut end = s.end.min(text.len());
            while !text.is_char_boundary(end) {
                end += 1;
            }
            start..end
        })
        .collect();
    spans.sort_by_key(|s| (s.start, std::cmp::Reverse(s.end)));
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for span in spans {
        if span.end <= pos {
            continue;
        }
        let start = span.start.max(pos);
        out.push_str(&text[pos..start]);
        out.push_str(&preview(&text[start..span.end], false));
        pos = span.end;
    }
    out.push_str(&text[pos..]);
    out
}

/// Bytes of context shown on each side of a finding in an excerpt.
const EXCERPT_CONTEXT: usize = 32;
/// A run of token characters this long (with a digit in it) is redacted in excerpts.
const EXCERPT_TOKEN_RUN: usize = 16;

/// A short one-line excerpt around `span` of `data`, for files whose lines are too long to
/// show (minified bundles). When `redact_span` is set the span is shown as a redacted preview;
/// in the context around it every token-like run (long, with a digit, or cut by the edge of the
/// excerpt) is redacted too, so an excerpt never carries a secret in full. Built here because
/// redaction lives in `report/` and nowhere else.
pub fn excerpt(data: &[u8], span: std::ops::Range<usize>, redact_span: bool) -> String {
    let start = span.start.min(data.len());
    let end = span.end.clamp(start, data.len());
    let lo = start.saturating_sub(EXCERPT_CONTEXT);
    let hi = (end + EXCERPT_CONTEXT).min(data.len());
    let left = redact_tokens(&data[lo..start], lo > 0, false);
    let right = redact_tokens(&data[end..hi], false, hi < data.len());
    let middle = String::from_utf8_lossy(&data[start..end]);
    let middle = if redact_span {
        preview(&middle, false)
    } else {
        middle.into_owned()
    };
    // A cut edge is marked with one ellipsis, whether or not a redacted run already ends there.
    let text = format!(
        "{}{left}{middle}{right}{}",
        if lo > 0 && !left.starts_with('…') {
            "…"
        } else {
            ""
        },
        if hi < data.len() && !right.ends_with('…') {
            "…"
        } else {
            ""
        }
    );
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'_' | b'-')
}

/// Redacts token-like runs in excerpt context. A run touching a cut edge may be the visible part
/// of a longer secret, so it is redacted whatever its length.
fn redact_tokens(bytes: &[u8], cut_left: bool, cut_right: bool) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < bytes.len() {
        let run_end = (i..bytes.len())
            .find(|&j| !is_token_byte(bytes[j]))
            .unwrap_or(bytes.len());
        if run_end == i {
            let next = (i + 1..=bytes.len())
                .find(|&j| j == bytes.len() || is_token_byte(bytes[j]))
                .unwrap_or(bytes.len());
            out.push_str(&String::from_utf8_lossy(&bytes[i..next]));
            i = next;
            continue;
        }
        let run = &bytes[i..run_end];
        let at_cut = (i == 0 && cut_left) || (run_end == bytes.len() && cut_right);
        let long_with_digit = run.len() >= EXCERPT_TOKEN_RUN && run.iter().any(u8::is_ascii_digit);
        if (at_cut && run.len() >= 4) || long_with_digit {
            out.push('…');
        } else {
            out.push_str(&String::from_utf8_lossy(run));
        }
        i = run_end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preview_shows_four_chars_unless_opted_in() {
        assert_eq!(preview("ghp_abcdef", false), "ghp_…");
        assert_eq!(preview("ghp_abcdef", true), "ghp_abcdef");
        assert_eq!(preview("", false), "");
        assert_eq!(preview("ab\ncd", false), "ab?c…");
    }

    #[test]
    fn secret_spans_in_repository_text_become_previews() {
        let text = "add key ghp_0123456789abcdef and é AKIA0123456789ABCDEF.";
        let gh = text.find("ghp_").unwrap();
        let aws = text.find("AKIA").unwrap();
        let spans = [aws..aws + 20, gh..gh + 20, gh + 2..gh + 8];
        assert_eq!(redact_spans(text, &spans), "add key ghp_… and é AKIA….");
        assert_eq!(redact_spans("plain", &[]), "plain");
        // A span cut inside a character is widened to whole characters.
        let inside_e = 2..3;
        assert_eq!(
            redact_spans("aébc", std::slice::from_ref(&inside_e)),
            "aé…bc"
        );
    }

    #[test]
    fn excerpts_redact_the_span_and_token_like_context() {
        let data = b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,cfg={k:\"sk_live_0123456789abcdefXYZ\",other:\"AKIA0123456789ABCDEF\",n:1}\nmore text after";
        let start = data.windows(7).position(|w| w == b"sk_live").unwrap();
        let text = excerpt(data, start..start + 27, true);
        assert!(text.contains("sk_l…"), "{text}");
        assert!(!text.contains("0123456789abcdef"), "{text}");
        assert!(!text.contains("AKIA0123"), "{text}");
        assert!(text.contains("cfg={k:"), "{text}");
        assert!(text.starts_with('…') && text.ends_with('…'), "{text}");
        assert!(!text.contains('\n'));
        let url = b"x=\"http://localhost:3000/api\"";
        assert_eq!(
            excerpt(url, 3..24, false),
            "x=\"http://localhost:3000/api\""
        );
    }
}
