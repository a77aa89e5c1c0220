//! Added lines, for `--range` and `--staged`: a finding counts only if it sits on a line that
//! the change added. A line is added when no previous version of the file (no parent's, for a
//! merge) has a line with the same content. That is deliberately coarser than a positional
//! diff: a secret line that only moved was already there before the change, so it is not news
//! for the push or commit being checked (the full-history scan still reports it).

use crate::finding::Finding;
use std::collections::HashSet;

/// Line contents without the line ending (`\r\n` and `\n` are the same line).
fn lines(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    data.split(|b| *b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
}

/// For each 1-based line of `new`, whether it is added relative to all of `previous`.
pub struct AddedLines {
    added: Vec<bool>,
}

impl AddedLines {
    pub fn new(new: &[u8], previous: &[Vec<u8>]) -> AddedLines {
        let before: HashSet<&[u8]> = previous.iter().flat_map(|p| lines(p)).collect();
        AddedLines {
            added: lines(new).map(|line| !before.contains(line)).collect(),
        }
    }

    /// Whether any line the finding spans was added.
    pub fn touches(&self, finding: &Finding) -> bool {
        let first = finding.location.line.max(1);
        let last = finding.location.end_line.max(first);
        (first..=last).any(|line| self.added.get(line - 1).copied().unwrap_or(false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_lines_absent_from_every_previous_version_are_added() {
        let old1 = b"a\nb\nc\n".to_vec();
        let old2 = b"a\nx\n".to_vec();
        let added = AddedLines::new(b"a\r\nx\nnew\nc\n", &[old1, old2]);
        assert_eq!(added.added, vec![false, false, true, false, false]);
    }

    #[test]
    fn with_no_previous_version_every_line_is_added() {
        let added = AddedLines::new(b"a\nb", &[]);
        assert_eq!(added.added, vec![true, true]);
    }
}
