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
    fn slash_paths_use_forward_slashes() {
        assert_eq!(slash_path(Path::new("a\\b/c")), "a/b/c");
    }
}
