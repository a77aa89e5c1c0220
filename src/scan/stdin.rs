//! Standard input (`scan -` / `--stdin`), scanned as a stream in bounded memory: blocks are
//! matched as they arrive, and a block is cut only where no secret spans the cut.

use crate::engine::{Matcher, RuleInfos, Scratch, findings_from_matches};
use crate::finding::Finding;
use crate::settings::ScanSettings;
use crate::source::stream::{self, Block, safe_cut};
use crate::stats::{ScanStats, SkipReason};
use anyhow::Result;
use std::ops::Range;

/// How standard input is named in findings.
pub const STDIN_PATH: &str = "<stdin>";

pub fn scan(settings: &ScanSettings, infos: &RuleInfos) -> Result<(Vec<Finding>, ScanStats)> {
    let mut findings = Vec::new();
    let mut stats = ScanStats::default();
    let mut scratch = Scratch::default();
    let stdin = std::io::stdin();
    let result = stream::for_each_block(stdin.lock(), |block| {
        let found = findings_in_block(&settings.matcher, infos, &block, STDIN_PATH, &mut scratch);
        let done = if block.whole {
            block.data.len()
        } else {
            safe_cut(
                block.data.len(),
                found.iter().map(|(_, range)| range.clone()),
            )
        };
        stats.bytes_scanned += done as u64;
        findings.extend(
            found
                .into_iter()
                .filter(|(_, range)| block.whole || range.end <= done)
                .map(|(f, _)| f),
        );
        Ok(done)
    });
    if let Err(e) = result {
        stats.skipped.count(SkipReason::Unreadable);
        stats.warn(format!("{STDIN_PATH}: could not read: {e}"));
    }
    stats.files_scanned += 1;
    Ok((findings, stats))
}

/// Scans one block of a stream; findings carry stream line numbers, paired with the byte range
/// of each secret within the block (so a caller cutting the block knows which are whole).
fn findings_in_block(
    matcher: &Matcher,
    infos: &RuleInfos,
    block: &Block<'_>,
    path: &str,
    scratch: &mut Scratch,
) -> Vec<(Finding, Range<usize>)> {
    let matches = matcher.find(block.data, scratch);
    let ranges: Vec<Range<usize>> = matches.iter().map(|m| m.secret.clone()).collect();
    let mut findings = findings_from_matches(matcher, infos, block.data, path, matches);
    for f in &mut findings {
        f.location.line += block.first_line - 1;
        f.location.end_line += block.first_line - 1;
    }
    findings.into_iter().zip(ranges).collect()
}
