//! Redaction: the only way a secret is turned into text, for reports and for the short
//! excerpts checks attach to findings on minified lines. A leaf module (it imports nothing from
//! the crate) so checks can build excerpts without depending on the report formats.

/// The preview rule, in one place (every format, annotation, summary and excerpt uses
/// [`preview`]):
///
/// - a PEM private key is named by its `BEGIN` line (`RSA private key (PEM)`), never shown;
/// - a token that starts with a provider's documented public prefix ([`PUBLIC_PREFIXES`]:
///   `ghp_`, `sk_live_`, `AKIA`, ...) shows that prefix and nothing after it;
/// - anything else shows its first characters: at most [`PREVIEW_CHARS`], and at most a
///   quarter of the secret (a 7-character password shows 1, a 3-character one none);
/// - `--show-secrets` shows the whole secret.
///
/// So beyond a documented public prefix, a preview never reveals more than `len / 4`
/// characters of a secret, nor more than four.
const PREVIEW_CHARS: usize = 4;

/// Token prefixes that the providers document as fixed, public parts of the format. They name
/// the kind of token and carry nothing secret, so a preview may show them in full. Longest
/// first where one is a prefix of another.
pub const PUBLIC_PREFIXES: &[&str] = &[
    // GitHub
    "github_pat_",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    // Stripe
    "sk_live_",
    "sk_test_",
    "rk_live_",
    "rk_test_",
    "pk_live_",
    "pk_test_",
    "whsec_",
    // AWS access key ids
    "AKIA",
    "ASIA",
    // Slack
    "xoxb-",
    "xoxp-",
    "xoxa-",
    "xoxe-",
    "xapp-",
    // GitLab, npm, PyPI, OpenAI, Anthropic, Shopify, SendGrid, Hugging Face, DigitalOcean
    "glpat-",
    "npm_",
    "pypi-",
    "sk-proj-",
    "sk-ant-",
    "shpat_",
    "shpss_",
    "SG.",
    "hf_",
    "dop_v1_",
];

/// Words a PEM `BEGIN` line may use to name a private key (RFC 7468, OpenSSH, PGP); a label
/// with any other word is not repeated, since it is repository text.
const PEM_LABEL_WORDS: &[&str] = &[
    "RSA",
    "EC",
    "DSA",
    "OPENSSH",
    "SSH2",
    "PGP",
    "ENCRYPTED",
    "PRIVATE",
    "KEY",
    "BLOCK",
];

/// The only way a secret is turned into text: see the rule above [`PREVIEW_CHARS`].
pub fn preview(secret: &str, show_secrets: bool) -> String {
    if secret.is_empty() {
        return String::new();
    }
    if show_secrets {
        return secret.to_string();
    }
    if let Some(kind) = pem_kind(secret) {
        return kind;
    }
    let prefix = public_prefix(secret);
    let rest = &secret[prefix.len()..];
    let shown_chars = if prefix.is_empty() {
        PREVIEW_CHARS.min(rest.chars().count() / 4)
    } else {
        0
    };
    let shown: String = prefix
        .chars()
        .chain(rest.chars().take(shown_chars))
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    format!("{shown}…")
}

/// The documented public prefix `secret` starts with, if any (and only when something follows
/// it: a bare prefix is not a token).
pub fn public_prefix(secret: &str) -> &'static str {
    PUBLIC_PREFIXES
        .iter()
        .find(|p| secret.len() > p.len() && secret.starts_with(*p))
        .copied()
        .unwrap_or("")
}

/// `RSA private key (PEM)` for a secret that starts with a PEM `BEGIN ... PRIVATE KEY` line.
fn pem_kind(secret: &str) -> Option<String> {
    let after = secret.trim_start().strip_prefix("-----BEGIN ")?;
    let label = &after[..after.find("-----")?];
    let words: Vec<&str> = label.split(' ').collect();
    let known = words.iter().all(|w| PEM_LABEL_WORDS.contains(w));
    if !known || !label.contains("PRIVATE KEY") {
        return Some("private key (PEM)".to_string());
    }
    let named: Vec<String> = words
        .iter()
        .map(|w| match *w {
            "OPENSSH" => "OpenSSH".to_string(),
            "ENCRYPTED" | "PRIVATE" | "KEY" | "BLOCK" => w.to_ascii_lowercase(),
            other => other.to_string(),
        })
        .collect();
    Some(format!("{} (PEM)", named.join(" ")))
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
    fn preview_shows_a_public_prefix_or_a_quarter_at_most_four_unless_opted_in() {
        assert_eq!(preview("ghp_abcdef", false), "ghp_…");
        assert_eq!(preview("ghp_abcdef", true), "ghp_abcdef");
        assert_eq!(preview("sk_live_0123456789abcdef", false), "sk_live_…");
        assert_eq!(preview("AKIA0123456789ABCDEF", false), "AKIA…");
        assert_eq!(preview("", false), "");
        // Short secrets: a quarter at most (a 7-character password shows one character).
        assert_eq!(preview("hunter2", false), "h…");
        assert_eq!(preview("abc", false), "…");
        assert_eq!(preview("ab\ncdefg", false), "ab…");
        assert_eq!(preview("a\nbcdefghij", false), "a?…");
        // Long ones keep today's cap of four.
        assert_eq!(preview("correct-horse-battery-staple", false), "corr…");
        // A bare prefix is not a token: it is treated as any other short secret.
        assert_eq!(preview("ghp_", false), "g…");
    }

    #[test]
    fn pem_keys_are_named_by_their_begin_line() {
        let body = "MIIEowIBAAKCAQEA7bq0123456789abcdefghijklmnopqrstuvwxyz";
        let rsa = format!("-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----");
        assert_eq!(preview(&rsa, false), "RSA private key (PEM)");
        let plain = format!("-----BEGIN PRIVATE KEY-----\n{body}");
        assert_eq!(preview(&plain, false), "private key (PEM)");
        let ssh = format!("-----BEGIN OPENSSH PRIVATE KEY-----\n{body}");
        assert_eq!(preview(&ssh, false), "OpenSSH private key (PEM)");
        let enc = format!("-----BEGIN ENCRYPTED PRIVATE KEY-----\n{body}");
        assert_eq!(preview(&enc, false), "encrypted private key (PEM)");
        // A label that is not a known key type is not repeated (it is repository text).
        let odd = format!("-----BEGIN ghp_0123456789abcdef PRIVATE KEY-----\n{body}");
        assert_eq!(preview(&odd, false), "private key (PEM)");
        assert!(!preview(&rsa, false).contains("MIIE"));
    }

    /// Shown characters of a secret beyond its public prefix (the ellipsis is not one).
    fn revealed_beyond_prefix(secret: &str) -> usize {
        let shown = preview(secret, false);
        let shown = shown.strip_suffix('…').unwrap_or(&shown);
        if shown.ends_with("(PEM)") {
            // Named by the label only, from a fixed vocabulary: nothing of the key is shown.
            assert!(
                shown
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || " ()".contains(c)),
                "{shown}"
            );
            return 0;
        }
        let prefix = public_prefix(secret);
        assert!(shown.starts_with(prefix), "{shown}");
        shown.chars().count() - prefix.chars().count()
    }

    /// The property: for any secret of any length, a preview reveals at most a quarter of it
    /// (and at most four characters) beyond a documented public prefix. Checked over every
    /// length up to 300, random bodies (ASCII, multi-byte, control characters) with and
    /// without each public prefix; a tiny xorshift stands in for a property-testing crate.
    #[test]
    fn previews_never_reveal_more_than_a_quarter_beyond_a_public_prefix() {
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            state.wrapping_mul(0x2545_F491_4F6C_DD1D)
        };
        let alphabet: Vec<char> = "abcXYZ0189_-+/=.é漢\n\t\u{1b} -".chars().collect();
        let mut prefixes: Vec<&str> = vec![""];
        prefixes.extend(PUBLIC_PREFIXES);
        prefixes.push("-----BEGIN RSA PRIVATE KEY-----\n");
        for len in 0..300 {
            for round in 0..8 {
                let body: String = (0..len)
                    .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                    .collect();
                let prefix = prefixes[(next() as usize + round) % prefixes.len()];
                let secret = format!("{prefix}{body}");
                let total = secret.chars().count();
                let beyond = total - public_prefix(&secret).chars().count();
                let revealed = revealed_beyond_prefix(&secret);
                assert!(
                    revealed <= total / 4 && revealed <= PREVIEW_CHARS && revealed <= beyond,
                    "{secret:?}: {revealed} of {total} revealed"
                );
            }
        }
    }

    #[test]
    fn secret_spans_in_repository_text_become_previews() {
        let text = "add key ghp_0123456789abcdef and é AKIA0123456789ABCDEF.";
        let gh = text.find("ghp_").unwrap();
        let aws = text.find("AKIA").unwrap();
        let spans = [aws..aws + 20, gh..gh + 20, gh + 2..gh + 8];
        assert_eq!(redact_spans(text, &spans), "add key ghp_… and é AKIA….");
        assert_eq!(redact_spans("plain", &[]), "plain");
        // A span cut inside a character is widened to whole characters (and a one-character
        // secret shows none of itself).
        let inside_e = 2..3;
        assert_eq!(
            redact_spans("aébc", std::slice::from_ref(&inside_e)),
            "a…bc"
        );
    }

    #[test]
    fn excerpts_redact_the_span_and_token_like_context() {
        let data = b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,cfg={k:\"sk_live_0123456789abcdefXYZ\",other:\"AKIA0123456789ABCDEF\",n:1}\nmore text after";
        let start = data.windows(7).position(|w| w == b"sk_live").unwrap();
        let text = excerpt(data, start..start + 27, true);
        assert!(text.contains("sk_live_…"), "{text}");
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
