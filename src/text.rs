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

/// A path as shown in reports and fingerprints: forward slashes on every platform.
pub fn slash_path(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
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
    fn slash_paths_use_forward_slashes() {
        assert_eq!(slash_path(Path::new("a\\b/c")), "a/b/c");
    }
}
