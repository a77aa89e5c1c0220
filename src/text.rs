//! Small text helpers every layer needs when it turns a path or an error into one line of a
//! message. A leaf: it imports nothing from the crate.

use std::fmt::Display;
use std::path::Path;

/// An error or message on one line (gix and regex errors span several), for warnings that
/// must stay one line each.
pub fn one_line(text: &dyn Display) -> String {
    text.to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// An error and every source under it, on one line (`cannot read blob 1a2b: object not
/// found`): for warnings, which are one line each and must say why, not only what.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        // Some errors repeat their source in their own message; do not say it twice.
        if !text.ends_with(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    one_line(&text)
}

/// A value from a config file, rules file, baseline or flag, quoted for an error message only
/// when it looks like a name (a key, a rule id, a severity): short, lower-case letters, digits
/// and `_-.`, and no long run with digits in it. Anything else may be a secret pasted in the
/// wrong place, and an error is printed in CI logs: it is described, never echoed.
pub fn quoted_value(value: &str) -> String {
    // Up to three characters (a bracket the parser expected) cannot hide a secret.
    if value.chars().count() <= 3 {
        return format!("`{value}`");
    }
    let name_like = !value.is_empty()
        && value.len() <= 48
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_-.*/".contains(&b))
        && value.bytes().filter(u8::is_ascii_digit).count() <= 4;
    if name_like {
        format!("`{value}`")
    } else {
        format!(
            "(a value of {} characters, not shown)",
            value.chars().count()
        )
    }
}

/// A parser's or regex compiler's message without the input it quotes: the `regex` crate and
/// YAML and JSON parsers echo the pattern or value (which may be a secret) before the problem,
/// and then quote names in backticks or quotes. Keeps the last line (the problem itself) with
/// each quoted part passed through [`quoted_value`].
pub fn without_quoted_input(message: &str) -> String {
    let last = message
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("invalid input");
    let last = last.strip_prefix("error: ").unwrap_or(last);
    let mut out = String::new();
    let mut rest = last;
    while let Some(open) = rest.find(['`', '"', '\'']) {
        let quote = rest[open..].chars().next().unwrap_or('`');
        let after = &rest[open + 1..];
        let close = match quote {
            '`' => after.find(['`', '\'']),
            q => after.find(q),
        };
        let Some(close) = close else { break };
        out.push_str(&rest[..open]);
        out.push_str(&quoted_value(&after[..close]));
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// Text for a terminal or a log: terminal control sequences (`ESC [ … letter` and the like)
/// and every other C0/C1 control character removed; tabs and line breaks become spaces.
/// Applied to rule names and descriptions read from rules files, which a repository may supply.
pub fn strip_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' | '\u{9b}' => {
                // CSI: parameters and intermediates up to a final byte in @..~.
                if c == '\u{9b}' || chars.peek() == Some(&'[') {
                    if c == '\u{1b}' {
                        chars.next();
                    }
                    for d in chars.by_ref() {
                        if ('@'..='~').contains(&d) {
                            break;
                        }
                    }
                } else if chars.peek() == Some(&']') {
                    // OSC: up to BEL or ESC \.
                    for d in chars.by_ref() {
                        if d == '\u{7}' || d == '\u{9c}' {
                            break;
                        }
                        if d == '\u{1b}' {
                            chars.next();
                            break;
                        }
                    }
                } else {
                    chars.next();
                }
            }
            '\t' | '\n' | '\r' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A path as shown in reports and fingerprints: forward slashes on every platform.
pub fn slash_path(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// One shell word for a command the user may copy and paste: unchanged when it is only
/// `A-Z a-z 0-9 . _ / + @ -`, otherwise in single quotes (a `'` inside becomes `'\''`), so no
/// character of a hostile file name (`$( )`, a backtick, `;`, a space) is run by the shell.
pub fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '/' | '+' | '@' | '-'));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// `git rm --cached <path>` for a repository-relative path, safe to copy: a path that starts
/// with `-` comes after `--` (it would otherwise be read as an option), one that git would read
/// as a pattern or pathspec magic (`*`, `?`, `[`, `\`, a leading `:`) is marked
/// `:(literal)`, and the path is one shell word.
pub fn git_untrack_command(path: &str) -> String {
    let pattern_like = path.starts_with(':') || path.contains(['*', '?', '[', '\\']);
    let pathspec = if pattern_like {
        format!(":(literal){path}")
    } else {
        path.to_string()
    };
    let separator = if pathspec.starts_with('-') { "-- " } else { "" };
    format!("git rm --cached {separator}{}", shell_word(&pathspec))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_joins_lines_and_runs_of_spaces() {
        assert_eq!(one_line(&"a\n  b\tc "), "a b c");
    }

    #[test]
    fn error_chains_name_every_cause_once() {
        #[derive(Debug, thiserror::Error)]
        #[error("cannot read blob")]
        struct Outer(#[source] std::io::Error);
        let e = Outer(std::io::Error::other("object\nnot found"));
        assert_eq!(error_chain(&e), "cannot read blob: object not found");
    }

    #[test]
    fn values_are_quoted_only_when_they_look_like_names() {
        assert_eq!(quoted_value("exlcude_paths"), "`exlcude_paths`");
        assert_eq!(quoted_value("env-drfit"), "`env-drfit`");
        let token = "ghp_Abc1234567890abcdefghijklmnopqrstuvWX";
        assert_eq!(quoted_value(token), "(a value of 41 characters, not shown)");
        assert!(!quoted_value("0123456789abcdef0123").contains("0123"));
        let regex = format!("regex parse error:\n    {token}(\n    ^\nerror: unclosed group");
        assert_eq!(without_quoted_input(&regex), "unclosed group");
        let yaml =
            format!("line 1 column 10: unknown variant `{token}`, expected one of info, low");
        assert_eq!(
            without_quoted_input(&yaml),
            "line 1 column 10: unknown variant (a value of 41 characters, not shown), expected one of info, low"
        );
        assert_eq!(
            without_quoted_input("invalid type: string \"sk_live_x1y2z3w4v5u6\", expected u32"),
            "invalid type: string (a value of 20 characters, not shown), expected u32"
        );
    }

    #[test]
    fn control_sequences_are_stripped() {
        assert_eq!(strip_controls("a\u{1b}[31;1mred\u{1b}[0m b"), "ared b");
        assert_eq!(strip_controls("t\u{1b}]0;title\u{7}x\r\ny\u{85}"), "tx  y");
        assert_eq!(strip_controls("plain – text"), "plain – text");
    }

    #[test]
    fn untrack_commands_are_one_safe_shell_word() {
        assert_eq!(
            git_untrack_command("apps/web/.env.local"),
            "git rm --cached apps/web/.env.local"
        );
        assert_eq!(
            git_untrack_command("my app/.env"),
            "git rm --cached 'my app/.env'"
        );
        assert_eq!(
            git_untrack_command("it's/.env"),
            r"git rm --cached 'it'\''s/.env'"
        );
        assert_eq!(
            git_untrack_command("$(touch pwned).env"),
            "git rm --cached '$(touch pwned).env'"
        );
        assert_eq!(
            git_untrack_command("`id`;x.env"),
            "git rm --cached '`id`;x.env'"
        );
        assert_eq!(git_untrack_command("-rf.env"), "git rm --cached -- -rf.env");
        assert_eq!(
            git_untrack_command("*.env"),
            "git rm --cached ':(literal)*.env'"
        );
        assert_eq!(
            git_untrack_command(":!x/.env"),
            "git rm --cached ':(literal):!x/.env'"
        );
    }

    #[test]
    fn slash_paths_use_forward_slashes() {
        assert_eq!(slash_path(Path::new("a\\b/c")), "a/b/c");
    }
}
