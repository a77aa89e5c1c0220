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
use std::ops::Range;

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
    /// Characters between the start of that line and the block's first byte: not zero after a
    /// long line was cut (counted as [`Window::column_offset`] is).
    pub column_offset: usize,
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
    let (mut first_line, mut column_offset) = (1usize, 0usize);
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
                column_offset,
                whole: true,
            })?;
            advance(
                &block[..release_before],
                &mut first_line,
                &mut column_offset,
            );
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
            column_offset,
            whole,
        })?;
        let done = if whole { block.len() } else { done.min(limit) };
        advance(&block[..done], &mut first_line, &mut column_offset);
        block.drain(..done);
        pem.drained(done);
        if eof {
            return Ok(());
        }
    }
}

/// Moves a line and column past `gone`, bytes handed on and dropped.
fn advance(gone: &[u8], line: &mut usize, column: &mut usize) {
    match memchr::memrchr(b'\n', gone) {
        Some(last) => {
            *line += memchr::memchr_iter(b'\n', gone).count();
            *column = char_count(&gone[last + 1..]);
        }
        None => *column += char_count(gone),
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

/// One piece of an input too large to hold whole, read by [`for_each_window`].
pub struct Window<'a> {
    pub data: &'a [u8],
    /// The bytes of `data` this window answers for. A match is reported by the window that owns
    /// its first byte, so one crossing a boundary is reported exactly once; `data` reaches the
    /// overlap beyond the owned bytes on each side (less at the ends of the input), so every
    /// match starting in them is seen with its context, as in a whole-file scan.
    pub owned: Range<usize>,
    /// 1-based line of `data[0]` in the input.
    pub first_line: usize,
    /// Characters between the start of that line and `data[0]` (each invalid byte counts one).
    pub column_offset: usize,
}

/// Reads `input` in windows of `step` owned bytes, each with `overlap` bytes of context on both
/// sides, in `step + 2 * overlap` bytes of memory; returns the bytes read. `step` must be at
/// least `overlap`. Memory stays bounded however large the input is.
pub fn for_each_window<R, F>(
    mut input: R,
    step: usize,
    overlap: usize,
    mut each: F,
) -> io::Result<u64>
where
    R: io::Read,
    F: FnMut(Window<'_>),
{
    let step = step.max(overlap).max(1);
    let mut buffer: Vec<u8> = Vec::with_capacity(step + 2 * overlap);
    let (mut offset, mut line, mut column) = (0u64, 1usize, 0usize);
    let mut owned_start = 0;
    loop {
        let eof = fill(&mut input, &mut buffer, owned_start + step + overlap)?;
        let owned_end = if eof {
            buffer.len()
        } else {
            owned_start + step
        };
        if owned_start < owned_end || offset == 0 {
            each(Window {
                data: &buffer,
                owned: owned_start..owned_end,
                first_line: line,
                column_offset: column,
            });
        }
        if eof {
            return Ok(offset + buffer.len() as u64);
        }
        // Keep `overlap` bytes of context before the next owned byte.
        let dropped = owned_end - overlap;
        advance(&buffer[..dropped], &mut line, &mut column);
        offset += dropped as u64;
        buffer.drain(..dropped);
        owned_start = overlap;
    }
}

/// Reads until `buffer` holds `want` bytes; true at the end of the input.
fn fill<R: io::Read>(input: &mut R, buffer: &mut Vec<u8>, want: usize) -> io::Result<bool> {
    while buffer.len() < want {
        let start = buffer.len();
        buffer.resize(want, 0);
        match input.read(&mut buffer[start..]) {
            Ok(0) => {
                buffer.truncate(start);
                return Ok(true);
            }
            Ok(n) => buffer.truncate(start + n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => buffer.truncate(start),
            Err(e) => {
                buffer.truncate(start);
                return Err(e);
            }
        }
    }
    Ok(false)
}

/// Unicode scalar values in `bytes`, each invalid byte counting one (as the engine counts columns).
fn char_count(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count()
}

/// A reader that hands out at most `n` bytes per read, so lines, PEM blocks and tokens
/// straddle read-buffer boundaries (for the tests of every stream reader).
#[cfg(test)]
pub(crate) struct Trickle<'a> {
    pub data: &'a [u8],
    pub n: usize,
}

#[cfg(test)]
impl io::Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let k = self.n.min(buf.len()).min(self.data.len());
        buf[..k].copy_from_slice(&self.data[..k]);
        self.data = &self.data[k..];
        Ok(k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

#[cfg(test)]
mod window_tests {
    use super::*;

    /// Every byte is owned by exactly one window, and each window's context is `overlap`.
    #[test]
    fn windows_own_every_byte_once_and_carry_their_context() {
        let data: Vec<u8> = (0..10_000u32)
            .map(|i| b"ab\ncd\xc3\xa9"[i as usize % 7])
            .collect();
        for (step, overlap) in [(100, 10), (1000, 100), (64, 64), (20_000, 10)] {
            let mut owned = Vec::new();
            let total = for_each_window(&data[..], step, overlap, |w| {
                let start = owned.len() - w.owned.start;
                assert_eq!(w.data, &data[start..start + w.data.len()]);
                assert!(w.owned.start == 0 || w.owned.start >= overlap);
                let after = w.data.len() - w.owned.end;
                assert!(after >= overlap || start + w.data.len() == data.len());
                let before = &data[..start];
                let lines = before.iter().filter(|&&b| b == b'\n').count();
                assert_eq!(w.first_line, lines + 1);
                let line_start = before
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |i| i + 1);
                assert_eq!(w.column_offset, char_count(&before[line_start..]));
                owned.extend_from_slice(&w.data[w.owned.clone()]);
            })
            .unwrap();
            assert_eq!(total, data.len() as u64);
            assert_eq!(owned, data, "step {step} overlap {overlap}");
        }
    }
}
