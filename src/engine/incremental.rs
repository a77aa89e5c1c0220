//! Matching a blob that is an edited copy of a blob matched before (a version of a file that
//! git stores as a delta against another version), without reading all of it again.
//!
//! Matching a blob has two passes over every byte: the keyword prefilter (every occurrence of
//! every keyword) and decoding's span search (runs of base64, escapes that hide a token
//! character, see [`decode::Marks`]). Everything after them (windows around the keyword hits,
//! regexes, decoding the spans, pairing, placing) reads only around what they found. Each
//! thing they find depends on a few bytes of its own and nothing else: a keyword occurrence on
//! its bytes, a base64 block on its bytes and the byte on each side that ends it, an escape on
//! at most [`decode::ESCAPE_READ`] bytes from its lead byte. So in a blob made of copies of
//! its base's bytes and inserted bytes, whatever lies wholly inside one copy (with what decides
//! it) is exactly what the base had there, moved; only the inserted bytes and the few bytes
//! before the end of every copy are searched again (for keywords, only before the ends a
//! keyword can cross: see [`Straddle`]). The blob's [`Known`] so built is the one
//! a full search gives (proven by the property tests below), and the rest of matching runs on
//! the whole blob as always: the findings are the full scan's, match for match.

use super::decode::{self, Marks};
use super::{
    KeywordHit, Matcher, RawMatch, RuleInfos, Scratch, findings_from_matches, findings_in_blob,
};
use crate::finding::Finding;
use std::ops::Range;

pub use crate::delta::Copied;

/// What the per-byte passes found in one blob, kept so that a delta of it can reuse them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Known {
    /// The blob's length (a delta's copies must lie inside it).
    len: usize,
    hits: Vec<KeywordHit>,
    marks: Marks,
}

impl Known {
    /// Bytes held, for a cache's budget.
    pub fn weight(&self) -> usize {
        self.hits.len() * size_of::<KeywordHit>()
            + self.marks.blocks.len() * size_of::<Range<usize>>()
            + self.marks.escapes.len() * size_of::<usize>()
    }
}

impl Matcher {
    /// [`Matcher::find_all`], also returning what a delta of `data` can reuse.
    pub fn find_all_known(&self, data: &[u8], scratch: &mut Scratch) -> (Vec<RawMatch>, Known) {
        let mut hits = Vec::new();
        self.keyword_hits(data, 0..data.len(), &mut hits);
        // Sorted by end so that a delta finds the hits inside each copy by binary search.
        hits.sort_unstable_by_key(|h| (h.end, h.start));
        let known = Known {
            len: data.len(),
            hits,
            marks: decode::marks(data),
        };
        (self.find_known(data, &known, scratch), known)
    }

    /// [`Matcher::find_all`] of `data`, which is `base`'s blob edited: `copies` (in order of
    /// `to`) say which of its bytes are copied from the base; every other byte was inserted.
    /// The same matches as `find_all(data)`; `None` when the copies do not describe `data`
    /// and `base` (the caller then matches `data` whole).
    pub fn find_all_after(
        &self,
        data: &[u8],
        base: &Known,
        copies: &[Copied],
        scratch: &mut Scratch,
    ) -> Option<(Vec<RawMatch>, Known)> {
        let known = self.known_after(data, base, copies, scratch)?;
        Some((self.find_known(data, &known, scratch), known))
    }

    /// Everything matching does after the per-byte passes, given what they found.
    fn find_known(&self, data: &[u8], known: &Known, scratch: &mut Scratch) -> Vec<RawMatch> {
        let plain = self.find_from_hits(data, &known.hits, scratch);
        let spans = decode::spans_from(data, &known.marks);
        decode::with_decoded_spans(self, data, plain, spans, scratch)
    }

    /// What the per-byte passes find in `data`, from `base`'s and a search of where what they
    /// look for can start without lying inside one copy (see [`Edits::starts`]).
    fn known_after(
        &self,
        data: &[u8],
        base: &Known,
        copies: &[Copied],
        scratch: &mut Scratch,
    ) -> Option<Known> {
        let edits = Edits::new(data.len(), base.len, copies)?;
        let mut ranges = std::mem::take(&mut scratch.ranges);
        let mut hits = Vec::with_capacity(base.hits.len() + 16);
        let keyword = self.keywords.longest().max(1);
        edits.starts(data, keyword, Some(&self.straddle), &mut ranges);
        for range in &ranges {
            self.keyword_hits(data, range.clone(), &mut hits);
        }
        hits.retain(|h| edits.copy_holding(h.start..h.end).is_none());
        for c in copies {
            let (from, end) = (c.from, c.from + c.len);
            // Sorted by end: the hits ending inside the copy, then those starting in it too.
            let first = base.hits.partition_point(|h| h.end <= from);
            let last = base.hits.partition_point(|h| h.end <= end);
            hits.extend(
                base.hits[first..last]
                    .iter()
                    .filter(|h| h.start >= from)
                    .map(|h| KeywordHit {
                        pattern: h.pattern,
                        start: h.start - from + c.to,
                        end: h.end - from + c.to,
                    }),
            );
        }
        hits.sort_unstable_by_key(|h| (h.end, h.start));

        let mut blocks = Vec::new();
        for range in edits.base64_stretches(data) {
            decode::base64_blocks(data, range, &mut blocks);
        }
        for c in copies {
            let (from, end) = (c.from, c.from + c.len);
            // A block whose ending bytes on both sides were copied with it is a block here.
            let first = base.marks.blocks.partition_point(|b| b.start <= from);
            blocks.extend(
                base.marks.blocks[first..]
                    .iter()
                    .take_while(|b| b.end < end)
                    .map(|b| b.start - from + c.to..b.end - from + c.to),
            );
        }
        blocks.sort_unstable_by_key(|b| b.start);

        let mut escapes = Vec::new();
        edits.starts(data, decode::ESCAPE_READ, None, &mut ranges);
        for range in &ranges {
            decode::escape_marks(data, range.clone(), &mut escapes);
        }
        scratch.ranges = ranges;
        escapes.retain(|&at| edits.copy_holding(at..at + decode::ESCAPE_READ).is_none());
        for c in copies {
            let (from, end) = (c.from, c.from + c.len);
            let first = base.marks.escapes.partition_point(|&at| at < from);
            escapes.extend(
                base.marks.escapes[first..]
                    .iter()
                    .take_while(|&&at| at + decode::ESCAPE_READ <= end)
                    .map(|&at| at - from + c.to),
            );
        }
        escapes.sort_unstable();

        Some(Known {
            len: data.len(),
            hits,
            marks: Marks { blocks, escapes },
        })
    }
}

/// Bytes between two stretches to search below which they are searched as one: a search
/// started costs about as much as a few dozen bytes searched.
const SEARCH_GAP: usize = 32;

/// The pairs of adjacent bytes that keywords hold (ASCII case folded, as the keyword filter
/// compares them). A keyword occurrence that crosses the edge between two pieces of a delta
/// holds the two bytes on either side of the edge as one of its pairs; so where no keyword
/// holds that pair, no occurrence crosses the edge, and the bytes before it need no search.
/// Most edges fall between bytes no keyword has side by side (a newline, `;`, a brace, a
/// letter and a space).
pub(super) struct Straddle {
    /// One bit per pair, indexed by `first << 8 | second`.
    pairs: Box<[u64]>,
}

impl Straddle {
    /// The pairs of `patterns`, the lowercased keywords the filter searches for.
    pub(super) fn new(patterns: &[String]) -> Straddle {
        let mut pairs = vec![0u64; (1 << 16) / 64].into_boxed_slice();
        for pattern in patterns {
            for pair in pattern.as_bytes().windows(2) {
                let at = Straddle::index(pair[0], pair[1]);
                pairs[at >> 6] |= 1 << (at & 63);
            }
        }
        Straddle { pairs }
    }

    fn index(first: u8, second: u8) -> usize {
        usize::from(first.to_ascii_lowercase()) << 8 | usize::from(second.to_ascii_lowercase())
    }

    /// Whether a keyword can hold `first` followed by `second`.
    fn crossed(&self, first: u8, second: u8) -> bool {
        let at = Straddle::index(first, second);
        self.pairs[at >> 6] >> (at & 63) & 1 == 1
    }
}

/// A delta's layout over the new blob: its copies, and the edges where something else begins.
struct Edits<'a> {
    len: usize,
    copies: &'a [Copied],
}

impl<'a> Edits<'a> {
    /// `None` unless the copies are in order, do not overlap, and lie inside both blobs.
    fn new(len: usize, base_len: usize, copies: &'a [Copied]) -> Option<Edits<'a>> {
        let mut next = 0;
        for c in copies {
            let in_base = c.from.checked_add(c.len).is_some_and(|e| e <= base_len);
            let here = c.to.checked_add(c.len).is_some_and(|e| e <= len);
            if c.len == 0 || c.to < next || !in_base || !here {
                return None;
            }
            next = c.to + c.len;
        }
        Some(Edits { len, copies })
    }

    /// The copy that holds all of `range`, if one does.
    fn copy_holding(&self, range: Range<usize>) -> Option<&Copied> {
        let i = self.copies.partition_point(|c| c.to + c.len <= range.start);
        self.copies
            .get(i)
            .filter(|c| c.to <= range.start && range.end <= c.to + c.len)
    }

    /// The edges between pieces (copies and inserted stretches), the blob's ends included, and
    /// the inserted stretches, in order.
    fn pieces(&self) -> impl Iterator<Item = Range<usize>> + '_ {
        let mut at = 0;
        let inner = self.copies.iter().flat_map(move |c| {
            let inserted = (at < c.to).then_some(at..c.to);
            at = c.to + c.len;
            inserted.into_iter().chain([c.to..c.to, at..at])
        });
        let last = self.copies.last().map_or(0, |c| c.to + c.len);
        let tail = (last < self.len || self.copies.is_empty()).then_some(last..self.len);
        inner.chain(tail).chain(std::iter::once(self.len..self.len))
    }

    /// Where a thing that is `width` bytes long at most, and decided by its own bytes, starts
    /// when it does not lie inside one copy: in inserted bytes, or in the last `width - 1`
    /// bytes of a copy and running past its end (one that starts before a copy starts in
    /// inserted bytes or in an earlier copy). With `straddle`, the thing is a keyword
    /// occurrence, which lies inside the blob and holds the bytes on both sides of any end it
    /// crosses: the ends it cannot cross are not searched. Ranges in order, joined when less
    /// than [`SEARCH_GAP`] apart (what is found inside one copy is dropped by the caller).
    fn starts(
        &self,
        data: &[u8],
        width: usize,
        straddle: Option<&Straddle>,
        out: &mut Vec<Range<usize>>,
    ) {
        out.clear();
        let mut push = |range: Range<usize>| {
            if range.is_empty() {
                return;
            }
            match out.last_mut() {
                Some(last) if range.start <= last.end + SEARCH_GAP => last.end = range.end,
                _ => out.push(range),
            }
        };
        let mut at = 0;
        for c in self.copies {
            push(at..c.to);
            let end = c.to + c.len;
            let crossed = match straddle {
                Some(pairs) => end < data.len() && pairs.crossed(data[end - 1], data[end]),
                None => true,
            };
            if crossed {
                push(c.to.max((end + 1).saturating_sub(width))..end);
            }
            at = end;
        }
        push(at..data.len());
    }

    /// The stretches of `data` that hold every base64 block not inside one copy with its two
    /// ending bytes: each piece edge and inserted stretch, grown over the base64 characters
    /// on both sides, so that no stretch cuts a block.
    ///
    /// Pieces come in order, so a piece that ends inside the stretch grown so far adds nothing
    /// (that growth stopped at a byte that is not base64, or at the end), and a piece is grown
    /// backwards only down to where that stretch ends: every byte is stepped over once, not
    /// once per edge inside a long run (a minified line or a base64 blob edited in many
    /// places). The stretches are the same as growing every piece whole, but for the empty
    /// ones (a test keeps that reference).
    fn base64_stretches(&self, data: &[u8]) -> Vec<Range<usize>> {
        let mut out: Vec<Range<usize>> = Vec::new();
        for p in self.pieces() {
            let covered = out.last().map_or(0, |last| last.end);
            if !out.is_empty() && p.end <= covered {
                continue;
            }
            // An edge between two bytes that are not base64 grows into nothing: no block can
            // hold it, and it would stop the growth of the next piece where that stops anyway.
            let base64_at = |at: usize| data.get(at).copied().is_some_and(decode::is_base64);
            if p.is_empty() && !(p.start > 0 && base64_at(p.start - 1)) && !base64_at(p.end) {
                continue;
            }
            let mut start = p.start;
            while start > covered && decode::is_base64(data[start - 1]) {
                start -= 1;
            }
            let mut end = p.end;
            while end < data.len() && decode::is_base64(data[end]) {
                end += 1;
            }
            match out.last_mut() {
                Some(last) if start <= last.end => last.end = last.end.max(end),
                _ => out.push(start..end),
            }
        }
        out
    }
}

/// Ranges sorted by start and joined where they overlap.
#[cfg(test)]
fn merged(ranges: impl Iterator<Item = Range<usize>>) -> Vec<Range<usize>> {
    let mut all: Vec<Range<usize>> = ranges.collect();
    all.sort_unstable_by_key(|r| r.start);
    let mut out: Vec<Range<usize>> = Vec::with_capacity(all.len());
    for r in all {
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

/// [`findings_in_blob`], also returning what a delta of `data` can reuse: nothing for a blob
/// of UTF-16 text (it is matched as the text it decodes to).
pub fn findings_known(
    matcher: &Matcher,
    infos: &RuleInfos,
    data: &[u8],
    path: &str,
    scratch: &mut Scratch,
) -> (Vec<Finding>, Option<Known>) {
    if decode::utf16(data).is_some() {
        return (findings_in_blob(matcher, infos, data, path, scratch), None);
    }
    let (matches, known) = matcher.find_all_known(data, scratch);
    let found = findings_from_matches(matcher, infos, data, path, matches);
    (found, Some(known))
}

/// [`findings_in_blob`] of `data`, `base`'s blob edited as `copies` say: the same findings,
/// from a search of what the edit changed (the whole blob when the edit cannot be followed).
pub fn findings_after(
    matcher: &Matcher,
    infos: &RuleInfos,
    data: &[u8],
    path: &str,
    (base, copies): (&Known, &[Copied]),
    scratch: &mut Scratch,
) -> (Vec<Finding>, Option<Known>) {
    if decode::utf16(data).is_some() {
        return (findings_in_blob(matcher, infos, data, path, scratch), None);
    }
    match matcher.find_all_after(data, base, copies, scratch) {
        Some((matches, known)) => {
            let found = findings_from_matches(matcher, infos, data, path, matches);
            (found, Some(known))
        }
        None => findings_known(matcher, infos, data, path, scratch),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::testing::{builtin, cases, said, token};
    use proptest::prelude::*;

    /// One piece of a generated edit: copy `len` bytes of the base from `from` (both taken
    /// modulo the base), or insert text.
    #[derive(Debug, Clone)]
    enum Op {
        Copy(usize, usize),
        Insert(Vec<u8>),
    }

    /// Applies `ops` to `base`: the new blob and its copies (adjacent copies kept apart, as a
    /// delta may have them).
    fn apply(base: &[u8], ops: &[Op]) -> (Vec<u8>, Vec<Copied>) {
        let mut data = Vec::new();
        let mut copies = Vec::new();
        for op in ops {
            match op {
                Op::Copy(from, len) if !base.is_empty() => {
                    let from = from % base.len();
                    let len = 1 + len % (base.len() - from);
                    copies.push(Copied {
                        from,
                        to: data.len(),
                        len,
                    });
                    data.extend_from_slice(&base[from..from + len]);
                }
                Op::Copy(..) => {}
                Op::Insert(bytes) => data.extend_from_slice(bytes),
            }
        }
        (data, copies)
    }

    /// Text with what the passes look for: keywords, tokens, base64 (also wrapped, padded),
    /// escapes of every kind, long lines, line ends.
    fn piece() -> impl Strategy<Value = String> {
        let keywords: Vec<String> = builtin()
            .0
            .rules()
            .rules()
            .iter()
            .flat_map(|r| r.keywords().iter().cloned())
            .collect();
        let longest = keywords.iter().map(String::len).max().unwrap_or(0);
        let long: Vec<String> = keywords
            .iter()
            .filter(|k| k.len() + 4 >= longest)
            .cloned()
            .collect();
        prop_oneof![
            proptest::sample::select(keywords).prop_map(|k| k.to_ascii_uppercase()),
            proptest::sample::select(long),
            token().prop_map(|(t, _)| t),
            token().prop_map(|(t, _)| format!("GITHUB_TOKEN={t}\n")),
            token().prop_map(|(t, _)| {
                use base64::Engine as _;
                base64::engine::general_purpose::STANDARD.encode(format!("token: {t}"))
            }),
            token().prop_map(|(t, _)| {
                use base64::Engine as _;
                let long = format!("{}\nkey={t}\n{}", "lorem ipsum ".repeat(6), "x".repeat(30));
                let b = base64::engine::general_purpose::STANDARD.encode(long);
                b.as_bytes()
                    .chunks(64)
                    .map(|c| format!("  {}\n", String::from_utf8_lossy(c)))
                    .collect()
            }),
            token().prop_map(|(t, _)| t.bytes().map(|b| format!("%{b:02X}")).collect()),
            token().prop_map(|(t, _)| format!("\"ghp\\u005f{}\"", &t[4..])),
            token().prop_map(|(t, _)| format!("<i value=\"x&#95;{t}\">")),
            Just("password = \"hunter2hunter2xx\"\n".to_string()),
            Just("api_key: ".to_string()),
            Just("aws_secret_access_key=".to_string()),
            Just("\\x5f%5F&lowbar;&#x2F;\\/".to_string()),
            Just("=".to_string()),
            "[A-Za-z0-9+/]{0,80}",
            "[a-z_ ]{0,40}\n",
            "[ -~]{0,200}",
            Just(" ".repeat(1500)),
        ]
    }

    fn text() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(piece(), 0..24).prop_map(|p| p.concat().into_bytes())
    }

    fn ops() -> impl Strategy<Value = Vec<Op>> {
        proptest::collection::vec(
            prop_oneof![
                3 => (any::<usize>(), any::<usize>()).prop_map(|(f, l)| Op::Copy(f, l)),
                1 => piece().prop_map(|p| Op::Insert(p.into_bytes())),
                1 => proptest::collection::vec(any::<u8>(), 1..4).prop_map(Op::Insert),
            ],
            0..12,
        )
    }

    /// The stretches as they were first written: every piece grown whole, then merged.
    fn stretches_grown_whole(edits: &Edits<'_>, data: &[u8]) -> Vec<Range<usize>> {
        merged(edits.pieces().map(|p| {
            let mut start = p.start;
            while start > 0 && decode::is_base64(data[start - 1]) {
                start -= 1;
            }
            let mut end = p.end;
            while end < data.len() && decode::is_base64(data[end]) {
                end += 1;
            }
            start..end
        }))
    }

    proptest! {
        #![proptest_config(cases(256))]

        /// Growing each piece only over what the stretches so far do not cover gives exactly
        /// the stretches of growing every piece whole: on long base64 runs edited in many
        /// places (the case the shortcut is for), runs cut by other bytes, and edits at the ends.
        #[test]
        fn stretches_grown_once_are_the_stretches_grown_whole(
            base in proptest::collection::vec(
                prop_oneof![8 => Just(b'A'), 1 => Just(b'='), 1 => Just(b' '), 1 => Just(b'\n')],
                1..300,
            ),
            ops in ops(),
        ) {
            let (data, copies) = apply(&base, &ops);
            let edits = Edits::new(data.len(), base.len(), &copies).expect("valid copies");
            // Empty stretches hold no block: the edges between two bytes that are not base64
            // are left out of the first.
            let filled = |all: Vec<Range<usize>>| -> Vec<Range<usize>> {
                all.into_iter().filter(|r| !r.is_empty()).collect()
            };
            prop_assert_eq!(
                filled(edits.base64_stretches(&data)),
                filled(stretches_grown_whole(&edits, &data))
            );
        }

        /// A delta's matches and reusable state, built from its base's, are a full scan's.
        #[test]
        fn an_edited_blob_matches_exactly_as_a_full_scan(
            base in text(),
            edits in proptest::collection::vec(ops(), 1..4),
        ) {
            let (matcher, _) = builtin();
            let mut scratch = Scratch::default();
            let (_, mut known) = matcher.find_all_known(&base, &mut scratch);
            let mut current = base;
            // A chain of edits: each version's state comes from the one before.
            for ops in edits {
                let (data, copies) = apply(&current, &ops);
                let full = matcher.find_all_known(&data, &mut scratch);
                let after = matcher.find_all_after(&data, &known, &copies, &mut scratch);
                let (matches, next) = after.expect("a delta built from its base is followed");
                prop_assert_eq!(&next, &full.1);
                prop_assert_eq!(&matches, &full.0);
                prop_assert_eq!(&matches, &matcher.find_all(&data, &mut scratch));
                known = next;
                current = data;
            }
        }
    }

    /// Edits that cut a token, a keyword and a base64 run, at the very start and end.
    #[test]
    fn edits_that_cut_what_was_found_are_seen() {
        let (matcher, infos) = builtin();
        let body = "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1";
        let check = crate::rules::base62_checksum(body.as_bytes());
        let t = format!("ghp_{body}{check}");
        let base = format!("token = {t}\npassword: x\nZm9vYmFyYmF6cXV4cXV1eA==\n");
        let b = base.as_bytes();
        let (_, known) = matcher.find_all_known(b, &mut Scratch::default());
        let cases: Vec<Vec<Op>> = vec![
            // Insert in the middle of the token.
            vec![
                Op::Copy(0, 20),
                Op::Insert(b"Q".to_vec()),
                Op::Copy(20, 1000),
            ],
            // Cut the keyword `password` and the base64 run.
            vec![Op::Copy(0, 53), Op::Copy(58, 1000)],
            vec![Op::Insert(b"x".to_vec()), Op::Copy(0, 1000)],
            vec![Op::Copy(1, 1000), Op::Insert(b"==".to_vec())],
            vec![Op::Insert(base.as_bytes().to_vec())],
            vec![],
        ];
        for ops in cases {
            let (data, copies) = apply(b, &ops);
            let mut scratch = Scratch::default();
            let (found, _) =
                findings_after(matcher, infos, &data, "f", (&known, &copies), &mut scratch);
            let full = findings_in_blob(matcher, infos, &data, "f", &mut scratch);
            assert_eq!(said(&found), said(&full), "{ops:?}");
        }
    }

    /// Every keyword (as written and in upper case), escape and base64 block cut by an edge at
    /// each of its bytes (two copies that together copy everything: only the edge is new) is
    /// found where the full scan finds it: the longest keywords are the ones the search margin
    /// exists for, and every pair of bytes in every keyword is one an edge falls between, so
    /// a pair missing from [`Straddle`] fails here.
    #[test]
    fn what_an_edge_cuts_at_any_byte_is_found() {
        let (matcher, _) = builtin();
        let mut scratch = Scratch::default();
        let mut samples: Vec<String> = matcher
            .rules()
            .rules()
            .iter()
            .flat_map(|r| r.keywords().iter().cloned())
            .flat_map(|k| [k.to_ascii_uppercase(), k])
            .collect();
        samples.sort();
        samples.dedup();
        samples.extend(
            [
                "&#x5F;",
                "&lowbar;",
                "\\u005f",
                "%5F",
                "Zm9vYmFyYmF6cXV4cXV1eA==",
            ]
            .map(String::from),
        );
        for sample in samples {
            let base = format!("a {sample} b");
            let (_, known) = matcher.find_all_known(base.as_bytes(), &mut scratch);
            let n = base.len();
            for p in 1..n {
                let copies = [
                    Copied {
                        from: 0,
                        to: 0,
                        len: p,
                    },
                    Copied {
                        from: p,
                        to: p,
                        len: n - p,
                    },
                ];
                let after = matcher.known_after(base.as_bytes(), &known, &copies, &mut scratch);
                assert_eq!(after.as_ref(), Some(&known), "{sample} cut at {p}");
            }
        }
    }

    #[test]
    fn copies_that_do_not_fit_are_refused() {
        let (matcher, _) = builtin();
        let mut scratch = Scratch::default();
        let (_, known) = matcher.find_all_known(b"0123456789", &mut scratch);
        let copy = |from, to, len| Copied { from, to, len };
        for copies in [
            vec![copy(5, 0, 6)],
            vec![copy(0, 0, 4), copy(0, 2, 4)],
            vec![copy(0, 8, 4)],
            vec![copy(0, 0, 0)],
            vec![copy(usize::MAX, 0, 2)],
        ] {
            assert!(
                matcher
                    .find_all_after(b"0123456789", &known, &copies, &mut scratch)
                    .is_none()
            );
        }
    }
}
