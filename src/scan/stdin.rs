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
    let mut stats = ScanStats::default();
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
        return Ok((Vec::new(), stats));
    }
    if archive::sniff(&head).is_some() {
        let found = archive_from_stdin(settings, infos, head, stdin, &mut stats);
        stats.files_scanned += 1;
        return Ok((found, stats));
    }
    let input = BufReader::new(Cursor::new(head).chain(stdin));
    Ok(scan_stream(&settings.matcher, infos, input))
}

/// Scans one stream (standard input in use; any reader in the tests, which trickle it in
/// small reads so tokens straddle every read boundary).
fn scan_stream(
    matcher: &Matcher,
    infos: &RuleInfos,
    input: impl std::io::BufRead,
) -> (Vec<Finding>, ScanStats) {
    let mut findings = Vec::new();
    let mut stats = ScanStats::default();
    let mut scratch = Scratch::default();
    let result = stream::for_each_block(input, |block| {
        let found = findings_in_block(matcher, infos, &block, STDIN_PATH, &mut scratch);
        super::note_decode_cuts(&mut scratch, STDIN_PATH, &mut stats);
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
    (findings, stats)
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

/// Scans one block of a stream; findings carry stream lines and columns, paired with the byte range
/// of each secret within the block (so a caller cutting the block knows which are whole).
fn findings_in_block(
    matcher: &Matcher,
    infos: &RuleInfos,
    block: &Block<'_>,
    path: &str,
    scratch: &mut Scratch,
) -> Vec<(Finding, Range<usize>)> {
    let matches = matcher.find_all(block.data, scratch);
    let ranges: Vec<Range<usize>> = matches.iter().map(|m| m.secret.clone()).collect();
    let mut findings = findings_from_matches(matcher, infos, block.data, path, matches);
    for f in &mut findings {
        // A block that starts inside a long line (after a cut) starts at a column of it.
        if f.location.line == 1 {
            f.location.column += block.column_offset;
        }
        if f.location.end_line == 1 {
            f.location.end_column += block.column_offset;
        }
        f.location.line += block.first_line - 1;
        f.location.end_line += block.first_line - 1;
    }
    findings.into_iter().zip(ranges).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::findings_in_blob;
    use crate::engine::testing::{builtin, cases, said, surroundings, token};
    use crate::source::stream::{CUT_OVERLAP, MAX_BLOCK, Trickle};
    use proptest::prelude::*;

    /// `data` read as standard input is, `read` bytes at a time.
    fn streamed(data: &[u8], read: usize) -> Vec<Finding> {
        let (matcher, infos) = builtin();
        let reader = std::io::BufReader::with_capacity(read, Trickle { data, n: read });
        let (findings, stats) = scan_stream(matcher, infos, reader);
        assert_eq!(stats.bytes_scanned, data.len() as u64);
        findings
    }

    /// The same bytes scanned whole, as a file.
    fn whole(data: &[u8]) -> Vec<Finding> {
        let (matcher, infos) = builtin();
        findings_in_blob(matcher, infos, data, STDIN_PATH, &mut Scratch::default())
    }

    proptest! {
        #![proptest_config(cases(48))]

        /// A token at any offset of any text, read in pieces of any size (so it straddles a
        /// read-buffer boundary at every position), is found exactly once, at the place a
        /// whole-file scan gives it.
        #[test]
        fn a_token_straddling_any_read_boundary_is_found_once_at_its_place(
            text in surroundings(),
            at in any::<prop::sample::Index>(),
            (token, rule) in token(),
            read in 1usize..48,
        ) {
            let boundaries: Vec<usize> =
                text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
            let offset = *at.get(&boundaries);
            let data = format!("{}{token}{}", &text[..offset], &text[offset..]);
            let got = said(&streamed(data.as_bytes(), read));
            prop_assert_eq!(got.len(), 1, "{:?}", got);
            prop_assert_eq!((got[0].0.as_str(), got[0].1.as_str()), (rule, token.as_str()));
            prop_assert_eq!(got, said(&whole(data.as_bytes())));
        }
    }

    proptest! {
        #![proptest_config(cases(4))]

        /// A line longer than a block is cut, keeping a tail: a token anywhere around the end
        /// of the first block or the cut (on the first cut or a later one) is found exactly
        /// once, at its line and column in the whole stream.
        #[test]
        fn a_token_around_a_long_line_cut_is_found_once_at_its_place(
            (token, rule) in token(),
            cut in 1usize..3,
            at_block_end in any::<bool>(),
            delta in 0usize..80,
            newline_before in any::<bool>(),
            read in prop::sample::select(vec![4096usize, 8192, 65_536]),
        ) {
            // The k-th block ends at MAX_BLOCK + (k - 1) * (MAX_BLOCK - CUT_OVERLAP), and is
            // cut CUT_OVERLAP before its end.
            let block_end = MAX_BLOCK + (cut - 1) * (MAX_BLOCK - CUT_OVERLAP);
            let boundary = if at_block_end { block_end } else { block_end - CUT_OVERLAP };
            let offset = (boundary + 40).saturating_sub(delta).saturating_sub(token.len() / 2);
            let mut data = vec![b'.'; offset];
            if newline_before {
                data[offset / 3] = b'\n';
            }
            data.extend_from_slice(b" ");
            data.extend_from_slice(token.as_bytes());
            data.extend_from_slice(b" ");
            data.resize(block_end + MAX_BLOCK / 8, b'.');
            let got = said(&streamed(&data, read));
            prop_assert_eq!(got.len(), 1, "{:?}", got);
            prop_assert_eq!((got[0].0.as_str(), got[0].1.as_str()), (rule, token.as_str()));
            prop_assert_eq!(got, said(&whole(&data)));
        }
    }
}
