//! A byte stream (stdin, a CI log) scanned in bounded memory, block by block.
//!
//! Blocks are whole lines, so a secret split across `read` calls is still seen whole. Two
//! exceptions keep memory bounded and multi-line secrets intact: a block that opens a PEM
//! `-----BEGIN` (or a PuTTY key file) is held until its `-----END` (up to [`MAX_PEM_BLOCK`]
//! from its last opening line: an earlier BEGIN that never ended is released, never allowed to
//! push a later key out of the hold unmatched), and a line longer than [`MAX_BLOCK`] is cut,
//! keeping a tail so a token straddling the cut is not lost.
//!
//! Known limit: a secret whose rule needs context on an earlier line (a YAML key on one line,
//! its value on the next) is not seen in a stream, which is matched line by line.

use std::io::{self, BufRead};

/// The longest block handled in one piece.
pub const MAX_BLOCK: usize = 1 << 20;
/// How long a PEM block may grow while waiting for its END line.
pub const MAX_PEM_BLOCK: usize = 64 * 1024;
/// Bytes kept back when a long line has to be cut, so a token crossing the cut stays whole.
pub const CUT_OVERLAP: usize = 4096;

/// One piece of the stream, ready to scan.
pub struct Block<'a> {
    pub data: &'a [u8],
    /// 1-based line number of the block's first byte.
    pub first_line: usize,
    /// The block ends at a line end or the end of the stream: it must be finished whole.
    /// Otherwise it is a cut long line and the callback may keep a tail (see [`safe_cut`]).
    pub whole: bool,
}

/// Reads `input` in blocks and calls `each` on every one; `each` returns how many leading bytes
/// of the block are finished (normally all of them; fewer to keep a tail for the next block).
pub fn for_each_block<R, F>(mut input: R, mut each: F) -> io::Result<()>
where
    R: BufRead,
    F: FnMut(Block<'_>) -> io::Result<usize>,
{
    let mut block: Vec<u8> = Vec::new();
    let mut first_line = 1usize;
    // The block's last `-----BEGIN` that has no `-----END` after it, kept up to date from the
    // bytes each read appends (so a held block is not searched again line after line).
    let mut pem = PemState::default();
    loop {
        let eof = read_line_bounded(&mut input, &mut block)?;
        pem.update(&block);
        let complete_line = block.last() == Some(&b'\n');
        // A full hold buffer is released only up to the line of its last unterminated BEGIN:
        // an earlier BEGIN that never ended must not push a later key out unmatched.
        let held_from = pem
            .open
            .iter()
            .flatten()
            .filter(|open| complete_line && !eof && block.len() - open.begin < MAX_PEM_BLOCK)
            .map(|open| open.line)
            .min();
        let (waiting_for_pem, release_before) = match held_from {
            Some(line) => (line == 0, line),
            None => (false, 0),
        };
        let long_line = !complete_line && !eof && block.len() >= MAX_BLOCK;
        if block.is_empty() || waiting_for_pem || (!complete_line && !eof && !long_line) {
            if eof {
                return Ok(());
            }
            continue;
        }
        if release_before > 0 {
            // The lines before the open PEM block are finished; the block is still held.
            each(Block {
                data: &block[..release_before],
                first_line,
                whole: true,
            })?;
            first_line += memchr::memchr_iter(b'\n', &block[..release_before]).count();
            block.drain(..release_before);
            pem.drained(release_before);
            continue;
        }
        let whole = eof || complete_line;
        // A cut long line hands on nothing from a held block's opening marker on: the marker
        // stays with the lines that complete it.
        let limit = if whole {
            block.len()
        } else {
            pem.open
                .iter()
                .flatten()
                .map(|open| open.begin)
                .filter(|&begin| block.len() - begin < MAX_PEM_BLOCK)
                .min()
                .unwrap_or(block.len())
        };
        let done = each(Block {
            data: &block[..limit],
            first_line,
            whole,
        })?;
        let done = if whole { block.len() } else { done.min(limit) };
        first_line += memchr::memchr_iter(b'\n', &block[..done]).count();
        block.drain(..done);
        pem.drained(done);
        if eof {
            return Ok(());
        }
    }
}

/// Multi-line secrets held whole: what opens one and what its last line starts with. A PEM
/// block (`-----BEGIN` … `-----END`), and a PuTTY key file (`PuTTY-User-Key-File-` …
/// `Private-MAC:`), whose rule needs its header lines and its body together.
const HELD_BLOCKS: [(&[u8], &[u8]); 2] = [
    (b"-----BEGIN", b"-----END"),
    (b"PuTTY-User-Key-File-", b"Private-MAC:"),
];

/// Where an unterminated held block starts in the current block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct OpenPem {
    /// Start of the line holding the opening marker.
    line: usize,
    /// Where the opening marker is.
    begin: usize,
}

/// Tracks, per kind of held block, the block's last opening marker with no closing marker
/// after it, incrementally: each update looks only at the bytes appended since the last one
/// (plus a marker's length before them).
#[derive(Debug, Default)]
struct PemState {
    open: [Option<OpenPem>; HELD_BLOCKS.len()],
    examined: usize,
}

impl PemState {
    fn update(&mut self, block: &[u8]) {
        for (open, (begin_marker, end_marker)) in self.open.iter_mut().zip(HELD_BLOCKS) {
            let from = self
                .examined
                .saturating_sub(begin_marker.len() - 1)
                .min(block.len());
            if let Some(begin) =
                memchr::memmem::rfind(&block[from..], begin_marker).map(|b| from + b)
            {
                // The last opening marker decides, as if the whole block were searched.
                *open = memchr::memmem::find(&block[begin..], end_marker)
                    .is_none()
                    .then(|| OpenPem {
                        line: memchr::memrchr(b'\n', &block[..begin]).map_or(0, |i| i + 1),
                        begin,
                    });
            } else if let Some(held) = *open {
                let after = from.max(held.begin + begin_marker.len()).min(block.len());
                if memchr::memmem::find(&block[after..], end_marker).is_some() {
                    *open = None;
                }
            }
        }
        self.examined = block.len();
    }

    /// The first `n` bytes of the block were handed on and removed.
    fn drained(&mut self, n: usize) {
        self.examined = self.examined.saturating_sub(n);
        for open in &mut self.open {
            *open = open.and_then(|open| {
                (open.begin >= n).then(|| OpenPem {
                    line: open.line.saturating_sub(n),
                    begin: open.begin - n,
                })
            });
        }
    }
}

/// Appends up to one line (or [`MAX_BLOCK`] bytes of it) to `block`; returns true at EOF.
fn read_line_bounded<R: BufRead>(input: &mut R, block: &mut Vec<u8>) -> io::Result<bool> {
    loop {
        let available = match input.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok(true);
        }
        let room = MAX_BLOCK.saturating_sub(block.len()).max(1);
        let take = available.len().min(room);
        let (used, found) = match memchr::memchr(b'\n', &available[..take]) {
            Some(i) => (i + 1, true),
            None => (take, false),
        };
        block.extend_from_slice(&available[..used]);
        input.consume(used);
        if found || block.len() >= MAX_BLOCK {
            return Ok(false);
        }
    }
}

/// Where a long block may be cut: leave [`CUT_OVERLAP`] bytes, and never cut inside a match.
pub fn safe_cut(len: usize, matches: impl Iterator<Item = std::ops::Range<usize>>) -> usize {
    let mut cut = len.saturating_sub(CUT_OVERLAP);
    for m in matches {
        if m.start < cut && m.end > cut {
            cut = m.start;
        }
    }
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out at most `n` bytes per read, to split lines across reads.
    struct Trickle<'a> {
        data: &'a [u8],
        n: usize,
    }

    impl io::Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let k = self.n.min(buf.len()).min(self.data.len());
            buf[..k].copy_from_slice(&self.data[..k]);
            self.data = &self.data[k..];
            Ok(k)
        }
    }

    fn blocks(data: &[u8], n: usize) -> Vec<(String, usize)> {
        let reader = io::BufReader::with_capacity(n, Trickle { data, n });
        let mut out = Vec::new();
        for_each_block(reader, |b| {
            out.push((String::from_utf8_lossy(b.data).into_owned(), b.first_line));
            Ok(b.data.len())
        })
        .unwrap();
        out
    }

    #[test]
    fn lines_split_across_reads_come_out_whole() {
        let got = blocks(b"one\ntwo two\nthree", 3);
        assert_eq!(
            got,
            vec![
                ("one\n".into(), 1),
                ("two two\n".into(), 2),
                ("three".into(), 3)
            ]
        );
    }

    #[test]
    fn pem_blocks_are_held_until_their_end() {
        let data = b"x\n-----BEGIN KEY-----\nAAAA\nBBBB\n-----END KEY-----\ny\n";
        let got = blocks(data, 5);
        assert_eq!(
            got[1].0,
            "-----BEGIN KEY-----\nAAAA\nBBBB\n-----END KEY-----\n"
        );
        assert_eq!(got[1].1, 2);
        assert_eq!(got[2], ("y\n".into(), 6));
    }

    #[test]
    fn an_unterminated_begin_does_not_push_a_later_key_out_of_the_hold_buffer() {
        let mut data = b"-----BEGIN junk\n".to_vec();
        while data.len() < MAX_PEM_BLOCK - 40 {
            data.extend_from_slice(b"filler filler filler\n");
        }
        let key = b"-----BEGIN KEY-----\nAAAA\nBBBB\nCCCC\n-----END KEY-----\n";
        data.extend_from_slice(key);
        data.extend_from_slice(b"after\n");
        for n in [7, 4096] {
            let got = blocks(&data, n);
            assert!(
                got.iter().any(|(b, _)| b.as_bytes() == key),
                "the key is not one block with reads of {n}"
            );
            let joined: String = got.iter().map(|(b, _)| b.as_str()).collect();
            assert_eq!(joined.as_bytes(), &data[..]);
        }
    }

    #[test]
    fn a_cut_never_splits_a_match() {
        assert_eq!(
            safe_cut(10_000, std::iter::once(100..200)),
            10_000 - CUT_OVERLAP
        );
        let cut = 10_000 - CUT_OVERLAP;
        assert_eq!(
            safe_cut(10_000, std::iter::once(cut - 10..cut + 10)),
            cut - 10
        );
    }
}
