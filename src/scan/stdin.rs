//! Standard input (`scan -` / `--stdin`), scanned as a stream in bounded memory: blocks are
//! matched as they arrive, and a block is cut only where no secret spans the cut. An archive
//! piped in (told by its first bytes) is read whole, up to `--max-file-size` or 256 MiB, and
//! its entries are matched (`<stdin>!app/.env`).

use super::Detector;
use crate::engine::{Matcher, RuleInfos, Scratch, findings_from_matches};
use crate::finding::Finding;
use crate::settings::ScanSettings;
use crate::source::BlobMatcher;
use crate::source::archive;
use crate::source::stream::{self, Block, safe_cut};
use crate::stats::{ScanStats, SkipReason};
use anyhow::Result;
use std::io::{BufReader, Cursor, Read};
use std::ops::Range;

/// How standard input is named in findings.
pub const STDIN_PATH: &str = "<stdin>";

pub fn scan(settings: &ScanSettings, infos: &RuleInfos) -> Result<(Vec<Finding>, ScanStats)> {
    let mut findings = Vec::new();
    let mut stats = ScanStats::default();
    let mut scratch = Scratch::default();
    let mut stdin = std::io::stdin().lock();
    let mut head = Vec::with_capacity(512);
    if let Err(e) = (&mut stdin).take(512).read_to_end(&mut head) {
        stats.skip(
            std::path::Path::new(STDIN_PATH),
            SkipReason::Unreadable,
            Some(crate::text::one_line(&e)),
            false,
        );
        stats.files_scanned += 1;
        return Ok((findings, stats));
    }
    if archive::sniff(&head).is_some() {
        let found = archive_from_stdin(settings, infos, head, stdin, &mut stats);
        stats.files_scanned += 1;
        return Ok((found, stats));
    }
    let input = BufReader::new(Cursor::new(head).chain(stdin));
    let result = stream::for_each_block(input, |block| {
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

/// An archive on standard input: read whole (it cannot be walked in pieces), up to the size a
/// blob is read whole, then matched entry by entry.
fn archive_from_stdin(
    settings: &ScanSettings,
    infos: &RuleInfos,
    head: Vec<u8>,
    rest: impl Read,
    stats: &mut ScanStats,
) -> Vec<Finding> {
    let limit = settings.max_file_size;
    let mut data = head;
    let read = rest
        .take(limit.saturating_sub(data.len() as u64) + 1)
        .read_to_end(&mut data);
    let path = std::path::Path::new(STDIN_PATH);
    if let Err(e) = read {
        stats.skip(
            path,
            SkipReason::Unreadable,
            Some(crate::text::one_line(&e)),
            false,
        );
        return Vec::new();
    }
    if data.len() as u64 > limit {
        stats.skip(
            path,
            SkipReason::TooLarge,
            Some(format!("an archive over {limit} bytes")),
            false,
        );
        return Vec::new();
    }
    stats.bytes_scanned += data.len() as u64;
    let detector = Detector {
        matcher: &settings.matcher,
        infos,
        archives: &settings.archives,
    };
    detector.findings(&data, STDIN_PATH, &mut Scratch::default(), stats)
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
