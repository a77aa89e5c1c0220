//! Decoding: secrets written inside an encoding (a Kubernetes Secret's base64 `data:`, a
//! `.dockerconfigjson`, a Basic auth header, `ghp%5F…` in a URL, `\u005f` in a JSON string,
//! `&#95;` in HTML, a `.env` saved as UTF-16) are found by decoding the span and matching the
//! decoded text with the same rules, nested up to [`MAX_DEPTH`] encodings deep.
//!
//! A decoded match is reported at the encoded span in the original bytes (each decoded byte
//! remembers the input bytes it came from), with the decoded secret and the encoding chain, so
//! its fingerprint is the one the same secret written in plain has.
//!
//! Cost is what shapes this module: almost no input holds an encoded secret, so the common path
//! must stay close to free. Base64 runs are found with a skipping scan (a run shorter than
//! [`MIN_BASE64`] is never looked at byte by byte); escapes, percent-encoding and entities are
//! found with `memchr` on their lead byte, and only an escape that hides a token character
//! (a letter, a digit, `_`, `-`, `/`, …) makes its line worth decoding; base64 whose decoded
//! start is not text (a hash, an image, a key's DER) is dropped before the rest is decoded; and
//! each blob decodes at most [`DECODE_BUDGET`] bytes, what is left over counted in the
//! [`Scratch`] for the caller to report.

use super::{Matcher, RawMatch, Scratch};
use crate::rules::RuleSet;
use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use std::ops::Range;
use std::sync::Arc;

/// How many encodings deep a secret is looked for: a `.dockerconfigjson` is two (base64 of
/// JSON whose `auth` is base64 of `user:token`), one more for a percent-encoded or escaped
/// wrapper around it.
pub const MAX_DEPTH: usize = 3;

/// Decoded bytes one blob may produce, over all its encoded spans and depths; spans past it are
/// left undecoded and counted.
pub const DECODE_BUDGET: usize = 4 << 20;

/// The shortest base64 run that is decoded: 15 bytes of text, shorter than any token a rule
/// reports with its context.
pub const MIN_BASE64: usize = 20;

// `next_base64_run` builds a run of MIN_BASE64 from 16 and one more shift of at most 16.
const _: () = assert!(MIN_BASE64 >= 16 && MIN_BASE64 <= 32);

/// Bytes on each side of an escape that are decoded with it (within its line), so a rule sees
/// the decoded value with the name or prefix written next to it.
const ESCAPE_REACH: usize = 1024;

/// Base64 characters decoded first to decide whether a run holds text at all.
const TEXT_PROBE: usize = 1024;

/// Bytes of the decoded text after a secret kept to judge the host a password is for.
const AFTER: usize = 300;

/// An encoding a secret was found inside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Base64,
    Percent,
    Escapes,
    Html,
    Utf16Le,
    Utf16Be,
}

impl Encoding {
    /// How a finding's message names it.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Base64 => "base64",
            Encoding::Percent => "percent-encoding",
            Encoding::Escapes => "string escapes",
            Encoding::Html => "HTML entities",
            Encoding::Utf16Le => "UTF-16LE text",
            Encoding::Utf16Be => "UTF-16BE text",
        }
    }
}

/// What a match found after decoding carries besides its span in the original bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// The decoded secret (the span in the original bytes is its encoded form).
    pub secret: Vec<u8>,
    /// The encodings it was inside, outermost first.
    pub chain: Vec<Encoding>,
    /// The decoded text right after the secret (for the host a password is for).
    pub after: Vec<u8>,
}

/// The message of a finding decoded through `chain` (outermost first): "decoded from base64
/// inside percent-encoding". Names encodings only, never the encoded text.
pub fn describe(chain: &[Encoding]) -> String {
    let mut names = chain.iter().rev().map(|e| e.name());
    let mut out = format!("decoded from {}", names.next().unwrap_or("an encoding"));
    for name in names {
        out.push_str(" inside ");
        out.push_str(name);
    }
    out
}

/// Decoded text and, for each of its bytes, the range of input bytes it was decoded from
/// (offsets from `base`, so a long blob does not cost eight bytes per decoded byte).
struct Layer {
    text: Vec<u8>,
    starts: Vec<u32>,
    ends: Vec<u32>,
    base: usize,
}

impl Layer {
    fn with_capacity(n: usize, base: usize) -> Layer {
        Layer {
            text: Vec::with_capacity(n),
            starts: Vec::with_capacity(n),
            ends: Vec::with_capacity(n),
            base,
        }
    }

    /// Appends decoded `bytes` that came from the input range `from` (absolute offsets).
    fn push(&mut self, bytes: &[u8], from: Range<usize>) {
        for &b in bytes {
            self.text.push(b);
            self.starts.push(rel(from.start - self.base));
            self.ends.push(rel(from.end - self.base));
        }
    }

    /// The input range decoded bytes `r` came from.
    fn span(&self, r: Range<usize>) -> Range<usize> {
        let start = self.base + self.starts[r.start] as usize;
        let end = self.base + self.ends[r.end - 1] as usize;
        start..end.max(start)
    }

    /// This layer, decoded from `parent`'s text, with its origins moved to `parent`'s input.
    fn within(mut self, parent: &Layer) -> Layer {
        for (s, e) in self.starts.iter_mut().zip(self.ends.iter_mut()) {
            let r = parent.span(self.base + *s as usize..self.base + *e as usize);
            *s = rel(r.start - parent.base);
            *e = rel(r.end - parent.base);
        }
        self.base = parent.base;
        self
    }
}

/// An offset inside one encoded span; spans are bounded far below 4 GiB (by the budget).
fn rel(offset: usize) -> u32 {
    u32::try_from(offset).unwrap_or(u32::MAX)
}

/// What one blob may still decode, and how many spans were left undecoded for lack of it.
struct Budget {
    left: usize,
    cut: u64,
}

impl Budget {
    fn take(&mut self, n: usize) -> bool {
        if n > self.left {
            self.cut += 1;
            return false;
        }
        self.left -= n;
        true
    }
}

/// Finds the secrets hidden inside encodings in `data` and merges them with `plain` (the
/// matches of `data` as written), so one place is reported once: a decoded match where a plain
/// one already is gives way to it, unless the decoded one names a provider and the plain one
/// is generic (the provider says more about the same bytes).
pub(super) fn with_decoded(
    matcher: &Matcher,
    data: &[u8],
    plain: Vec<RawMatch>,
    scratch: &mut Scratch,
) -> Vec<RawMatch> {
    let top = spans(data);
    with_decoded_spans(matcher, data, plain, top, scratch)
}

/// [`with_decoded`] with the spans of `data` worth decoding already found (by [`spans_from`]
/// over marks a delta reused from its base): everything after the span search is the same.
pub(super) fn with_decoded_spans(
    matcher: &Matcher,
    data: &[u8],
    plain: Vec<RawMatch>,
    top: Vec<(Encoding, Range<usize>)>,
    scratch: &mut Scratch,
) -> Vec<RawMatch> {
    let mut budget = Budget {
        left: DECODE_BUDGET,
        cut: 0,
    };
    let mut decoded = Vec::new();
    let mut walk = Walk {
        matcher,
        data,
        budget: &mut budget,
        scratch,
        out: &mut decoded,
    };
    walk.descend_spans(data, top, None, &[]);
    scratch.decode_cuts += budget.cut;
    if decoded.is_empty() {
        return plain;
    }
    merge(plain, decoded, matcher.rules())
}

/// One blob's descent through its encodings.
struct Walk<'a> {
    matcher: &'a Matcher,
    /// The blob as written: decoded matches are placed in it.
    data: &'a [u8],
    budget: &'a mut Budget,
    scratch: &'a mut Scratch,
    out: &'a mut Vec<RawMatch>,
}

impl Walk<'_> {
    /// Decodes each encoded span of `text` (the blob, or `parent`'s decoded text), matches it,
    /// and goes one level deeper while [`MAX_DEPTH`] allows.
    fn descend(&mut self, text: &[u8], parent: Option<&Layer>, chain: &[Encoding]) {
        self.descend_spans(text, spans(text), parent, chain);
    }

    /// [`Walk::descend`] over `text`'s spans, already found.
    fn descend_spans(
        &mut self,
        text: &[u8],
        found: Vec<(Encoding, Range<usize>)>,
        parent: Option<&Layer>,
        chain: &[Encoding],
    ) {
        for (encoding, range) in found {
            let Some(layer) = decode(encoding, text, range.clone(), self.budget) else {
                continue;
            };
            let layer = match parent {
                Some(p) => layer.within(p),
                None => layer,
            };
            let mut chain = chain.to_vec();
            chain.push(encoding);
            let name = match encoding {
                Encoding::Base64 => key_before(text, range.start),
                _ => None,
            };
            self.report(&layer, &chain, name);
            if chain.len() < MAX_DEPTH {
                self.descend(&layer.text, Some(&layer), &chain);
            }
        }
    }

    /// Matches `layer`'s text. A single value decoded from base64 under a key (`MAILGUN_API_KEY:
    /// <base64>` in a Kubernetes Secret's `data:`) is matched as `KEY=value`, so rules that know
    /// a key only by the name beside it still see the name.
    fn report(&mut self, layer: &Layer, chain: &[Encoding], name: Option<&[u8]>) {
        let named = name.filter(|_| !layer.text.contains(&b'\n'));
        let prefix = named.map_or(0, |n| n.len() + 1);
        let found = match named {
            Some(name) => {
                let mut text = Vec::with_capacity(prefix + layer.text.len());
                text.extend_from_slice(name);
                text.push(b'=');
                text.extend_from_slice(&layer.text);
                let mut found = self.matcher.find(&text, self.scratch);
                found.retain(|m| m.secret.start >= prefix);
                for m in &mut found {
                    m.secret = m.secret.start - prefix..m.secret.end - prefix;
                }
                found
            }
            None => self.matcher.find(&layer.text, self.scratch),
        };
        for m in found {
            let span = layer.span(m.secret.clone());
            let secret = &layer.text[m.secret.clone()];
            if self.data.get(span.clone()) == Some(secret) {
                // Written in plain here: the plain scan reports it.
                continue;
            }
            let after_end = (m.secret.end + AFTER).min(layer.text.len());
            self.out.push(RawMatch {
                rule: m.rule,
                secret: span,
                entropy: m.entropy,
                decoded: Some(Arc::new(Decoded {
                    secret: secret.to_vec(),
                    chain: chain.to_vec(),
                    after: layer.text[m.secret.end..after_end].to_vec(),
                })),
            });
        }
    }
}

/// The key a value starting at `at` is written under on its line (`NAME: `, `NAME=`,
/// `"name": "`), if any: 2 to 100 bytes of letters, digits, `_`, `-` and `.`.
fn key_before(text: &[u8], at: usize) -> Option<&[u8]> {
    let line = &text[text[..at]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1)..at];
    let trim = |s: &[u8]| -> usize {
        s.iter()
            .rposition(|&b| !matches!(b, b' ' | b'\t' | b'"' | b'\''))
            .map_or(0, |i| i + 1)
    };
    let end = trim(line);
    let before_op = match line[..end].last() {
        Some(b':' | b'=') => end - 1,
        _ => return None,
    };
    let end = trim(&line[..before_op]);
    let start = line[..end]
        .iter()
        .rposition(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')))
        .map_or(0, |i| i + 1);
    let name = &line[start..end];
    (2..=100).contains(&name.len()).then_some(name)
}

/// Plain and decoded matches, one per place: where they overlap, a provider rule beats a
/// generic one, then a plain match beats a decoded one, then the match decoded through more
/// encodings (it saw what the shallower one holds: the token inside a `.dockerconfigjson`'s
/// `auth`), then the longer, then the earlier rule.
fn merge(plain: Vec<RawMatch>, decoded: Vec<RawMatch>, rules: &RuleSet) -> Vec<RawMatch> {
    let mut all = plain;
    all.extend(decoded);
    all.sort_by(|a, b| {
        a.secret
            .start
            .cmp(&b.secret.start)
            .then(b.secret.end.cmp(&a.secret.end))
            .then(a.decoded.is_some().cmp(&b.decoded.is_some()))
            .then(a.rule.cmp(&b.rule))
    });
    let rank = |m: &RawMatch| {
        (
            !rules.get(m.rule).generic,
            m.decoded.is_none(),
            m.decoded.as_ref().map_or(0, |d| d.chain.len()),
            m.secret.len(),
            std::cmp::Reverse(m.rule),
        )
    };
    let mut kept: Vec<RawMatch> = Vec::with_capacity(all.len());
    for candidate in all {
        match kept.last_mut() {
            Some(last) if candidate.secret.start < last.secret.end => {
                if rank(&candidate) > rank(last) {
                    *last = candidate;
                }
            }
            _ => kept.push(candidate),
        }
    }
    kept
}

/// The spans of `text` worth decoding, by encoding, in order of discovery.
fn spans(text: &[u8]) -> Vec<(Encoding, Range<usize>)> {
    spans_from(text, &marks(text))
}

/// What the byte-by-byte part of the span search finds in a text: the only part of it whose
/// cost grows with the text rather than with what it holds. Each mark depends on a few bytes
/// around it only (a block on its bytes and the two bytes that end it, an escape on at most
/// [`ESCAPE_READ`] bytes from its lead byte), so a delta's text has its base's marks wherever
/// it copied those bytes (see `engine::incremental`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Marks {
    /// Every maximal run of base64 characters at least [`MIN_BASE64`] long, in order.
    pub blocks: Vec<Range<usize>>,
    /// Where every escape that stands for a token character starts (any kind), in order.
    pub escapes: Vec<usize>,
}

/// The marks of the whole of `text`.
pub(super) fn marks(text: &[u8]) -> Marks {
    let mut marks = Marks::default();
    base64_blocks(text, 0..text.len(), &mut marks.blocks);
    escape_marks(text, 0..text.len(), &mut marks.escapes);
    marks
}

/// The spans worth decoding, from `text`'s marks: exactly what [`spans`] finds (each step
/// past the marks reads `text` itself).
pub(super) fn spans_from(text: &[u8], marks: &Marks) -> Vec<(Encoding, Range<usize>)> {
    let mut out = Vec::new();
    base64_runs_in(text, &marks.blocks, &mut out);
    escape_regions_in(text, &marks.escapes, &mut out);
    out
}

/// Decodes one span, or `None` when it is not that encoding, is not mostly text once decoded,
/// or does not fit in the budget.
fn decode(
    encoding: Encoding,
    text: &[u8],
    range: Range<usize>,
    budget: &mut Budget,
) -> Option<Layer> {
    let layer = match encoding {
        Encoding::Base64 => base64_decode(text, range, budget)?,
        Encoding::Percent | Encoding::Escapes | Encoding::Html => {
            if !budget.take(range.len()) {
                return None;
            }
            unescape(encoding, text, range)
        }
        // Whole blobs only: see `utf16`.
        Encoding::Utf16Le | Encoding::Utf16Be => return None,
    };
    mostly_text(&layer.text).then_some(layer)
}

/// Whether decoded bytes read as text: at least 95% of them are printable characters or
/// whitespace in valid UTF-8. Random bytes (a hash, a key, an image) are about 40% printable,
/// so they never feed the rules, generic ones least of all.
fn mostly_text(bytes: &[u8]) -> bool {
    if bytes.is_empty() {
        return false;
    }
    // At most one byte in twenty may be anything but text: stop counting as soon as more are
    // (random bytes fail within their first few dozen).
    let mut bad = 0usize;
    for chunk in bytes.utf8_chunks() {
        bad += chunk.invalid().len();
        bad += chunk
            .valid()
            .chars()
            .filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
            .map(char::len_utf8)
            .sum::<usize>();
        if bad * 20 > bytes.len() {
            return false;
        }
    }
    true
}

/// Bytes of the base64 alphabets (standard and URL-safe), padding excluded. Branch-free (no
/// `||`), so [`base64_mask`] vectorises.
pub(super) fn is_base64(b: u8) -> bool {
    let folded = b | 0x20;
    (folded.wrapping_sub(b'a') < 26)
        | (b.wrapping_sub(b'0') < 10)
        | (b == b'+')
        | (b == b'/')
        | (b == b'-')
        | (b == b'_')
}

/// Bit i set when `block[i]` is a base64 character. Written as a byte-wise map then a
/// multiply per eight flags, so the compiler turns it into vector compares: about a third of
/// a cycle per byte, where a loop of shifts takes two.
fn base64_mask(block: &[u8; 64]) -> u64 {
    let mut flags = [0u8; 64];
    for (flag, &b) in flags.iter_mut().zip(block) {
        *flag = u8::from(is_base64(b));
    }
    let mut mask = 0u64;
    for (k, eight) in flags.chunks_exact(8).enumerate() {
        let word = u64::from_le_bytes(eight.try_into().unwrap_or_default());
        // Moves the low bit of byte j to bit 56 + j, with no two products meeting.
        mask |= (word.wrapping_mul(0x0102_0408_1020_4080) >> 56) << (8 * k);
    }
    mask
}

/// Runs of at least [`MIN_BASE64`] base64 characters (with their `=` padding, and across line
/// breaks when the lines are wrapped at a multiple of four, as PEM and `base64` wrap them).
#[cfg(test)]
fn base64_runs(text: &[u8], out: &mut Vec<(Encoding, Range<usize>)>) {
    let mut blocks = Vec::new();
    base64_blocks(text, 0..text.len(), &mut blocks);
    base64_runs_in(text, &blocks, out);
}

/// [`base64_runs`] given `text`'s blocks: where the search for the next run starts is the
/// first block with [`MIN_BASE64`] characters at or after it (what [`next_base64_run`] finds
/// byte by byte); the run's end, padding and wrapped lines are read from `text`.
fn base64_runs_in(text: &[u8], blocks: &[Range<usize>], out: &mut Vec<(Encoding, Range<usize>)>) {
    let mut pos = 0;
    let mut next = 0;
    loop {
        // A block too short from `pos` on stays too short for every later `pos`.
        while blocks
            .get(next)
            .is_some_and(|b| b.end < b.start.max(pos) + MIN_BASE64)
        {
            next += 1;
        }
        let Some(block) = blocks.get(next) else {
            break;
        };
        let start = block.start.max(pos);
        let end = base64_end(text, start + MIN_BASE64);
        if worth_decoding(&text[start..end]) {
            out.push((Encoding::Base64, start..end));
        }
        pos = end + 1;
    }
}

/// Every maximal run of at least [`MIN_BASE64`] base64 characters in `text[range]`, whose
/// edges must not cut a run (a non-base64 byte or the text's edge on each side).
pub(super) fn base64_blocks(text: &[u8], range: Range<usize>, out: &mut Vec<Range<usize>>) {
    let text = &text[..range.end];
    let mut pos = range.start;
    while let Some(start) = next_base64_run(text, pos) {
        let mut end = start + MIN_BASE64;
        while end < text.len() && is_base64(text[end]) {
            end += 1;
        }
        out.push(start..end);
        // `text[end]` is not base64: the next block starts after it.
        pos = end + 1;
    }
}

/// Where the first [`MIN_BASE64`] base64 characters in a row start, at or after `from`.
/// Source code is mostly identifier bytes, so a byte-by-byte search branches on every word;
/// this one classifies 64 bytes into a bit mask without a branch and finds a long enough run
/// in it with shifts, so text with no run costs a few instructions per byte.
fn next_base64_run(text: &[u8], from: usize) -> Option<usize> {
    const BLOCK: usize = 64;
    // Base64 bytes in a row just before `at`, counted up to the block's end.
    let mut carried = 0usize;
    let mut at = from;
    while let Some(block) = text
        .get(at..at + BLOCK)
        .and_then(|b| <&[u8; BLOCK]>::try_from(b).ok())
    {
        let mask = base64_mask(block);
        if carried + mask.trailing_ones() as usize >= MIN_BASE64 {
            return Some(at - carried);
        }
        // Bit i stays set when bytes i..i + MIN_BASE64 are all base64 (20 = 16 + 4).
        let mut run = mask & (mask >> 1);
        run &= run >> 2;
        run &= run >> 4;
        run &= run >> 8;
        run &= run >> (MIN_BASE64 - 16);
        if run != 0 {
            return Some(at + run.trailing_zeros() as usize);
        }
        carried = mask.leading_ones() as usize;
        at += BLOCK;
    }
    for (i, &b) in text.iter().enumerate().skip(at) {
        carried = if is_base64(b) { carried + 1 } else { 0 };
        if carried >= MIN_BASE64 {
            return Some(i + 1 - carried);
        }
    }
    None
}

/// Where a base64 run that is whole up to `from` ends: past its padding, and past wrapped lines.
fn base64_end(text: &[u8], from: usize) -> usize {
    let mut line_start = from.saturating_sub(MIN_BASE64);
    let mut end = from;
    loop {
        while end < text.len() && is_base64(text[end]) {
            end += 1;
        }
        let line = end - line_start;
        let newline = match text.get(end..end + 2) {
            Some([b'\r', b'\n']) => 2,
            _ if text.get(end) == Some(&b'\n') => 1,
            _ => 0,
        };
        if newline == 0 || line < 40 || !line.is_multiple_of(4) {
            break;
        }
        let mut next = end + newline;
        while next < text.len() && next - end < 32 && matches!(text[next], b' ' | b'\t') {
            next += 1;
        }
        if !text.get(next).copied().is_some_and(is_base64) {
            break;
        }
        line_start = next;
        end = next;
    }
    let mut padded = end;
    while padded < text.len() && padded - end < 2 && text[padded] == b'=' {
        padded += 1;
    }
    padded
}

/// Whether a run could be base64 of text: one alphabet only, and both letter cases (so hex,
/// numbers, and lower-case or upper-case words are left alone).
fn worth_decoding(run: &[u8]) -> bool {
    let has = |f: fn(&u8) -> bool| run.iter().any(f);
    has(u8::is_ascii_uppercase)
        && has(u8::is_ascii_lowercase)
        && !(has(|b| matches!(b, b'+' | b'/')) && has(|b| matches!(b, b'-' | b'_')))
}

/// The two decoders (standard and URL-safe alphabets, padding optional), built once: a blob can
/// hold thousands of candidate runs.
fn base64_engine(url_safe: bool) -> &'static GeneralPurpose {
    const CONFIG: GeneralPurposeConfig = GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true);
    static URL_SAFE: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::URL_SAFE, CONFIG);
    static STANDARD: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::STANDARD, CONFIG);
    if url_safe { &URL_SAFE } else { &STANDARD }
}

/// Decodes a base64 run of `text` (line breaks and indentation dropped); each decoded byte
/// comes from its four-character group. The first [`TEXT_PROBE`] characters are decoded first:
/// a run that does not start with text is not decoded further.
fn base64_decode(text: &[u8], range: Range<usize>, budget: &mut Budget) -> Option<Layer> {
    let run = &text[range.clone()];
    let url_safe = run.iter().any(|b| matches!(b, b'-' | b'_'));
    let engine = base64_engine(url_safe);
    if run.len() > TEXT_PROBE + TEXT_PROBE / 4 {
        let probe: Vec<u8> = run
            .iter()
            .copied()
            .filter(|&b| is_base64(b))
            .take(TEXT_PROBE)
            .collect();
        if !mostly_text(&engine.decode(&probe).ok()?) {
            return None;
        }
    }
    // Charged before anything is held: a run over the budget costs no memory.
    if !budget.take(run.len() / 4 * 3) {
        return None;
    }
    let mut chars = Vec::with_capacity(run.len());
    let mut at: Vec<usize> = Vec::with_capacity(run.len());
    for (i, &b) in run.iter().enumerate() {
        if is_base64(b) {
            chars.push(b);
            at.push(range.start + i);
        }
    }
    // One character past a multiple of four decodes to no byte: it is dropped.
    if chars.len() % 4 == 1 {
        chars.pop();
        at.pop();
    }
    if chars.len() < 4 {
        return None;
    }
    let bytes = engine.decode(&chars).ok()?;
    // Most runs in source code are identifiers that decode to noise: dropped before the
    // origin of each byte is recorded.
    if !mostly_text(&bytes) {
        return None;
    }
    let mut layer = Layer::with_capacity(bytes.len(), range.start);
    for (k, b) in bytes.iter().enumerate() {
        let group = k / 3 * 4;
        let last = (group + 3).min(at.len() - 1);
        layer.push(&[*b], at[group]..at[last] + 1);
    }
    Some(layer)
}

/// The lines around each escape that hides a token character, at most [`ESCAPE_REACH`] bytes
/// on each side of it: string escapes, then percent-encoding, then HTML entities. One pass
/// finds the three lead bytes (`&` alone is every few dozen bytes of Rust or C).
#[cfg(test)]
fn escape_regions(text: &[u8], out: &mut Vec<(Encoding, Range<usize>)>) {
    let mut escapes = Vec::new();
    escape_marks(text, 0..text.len(), &mut escapes);
    escape_regions_in(text, &escapes, out);
}

/// The most bytes from its lead byte on that decide whether an escape stands for a token
/// character (an HTML entity's `;` is looked for within 12).
pub(super) const ESCAPE_READ: usize = 12;

/// Where an escape that stands for a token character starts, for each lead byte in
/// `text[range]` (what follows it is read from `text`, up to [`ESCAPE_READ`] bytes).
pub(super) fn escape_marks(text: &[u8], range: Range<usize>, out: &mut Vec<usize>) {
    let from = range.start;
    for at in memchr::memchr3_iter(b'\\', b'%', b'&', &text[range]) {
        let at = from + at;
        if escape_at(escape_kind(text[at]), text, at).is_some_and(|(b, _)| token_byte(b)) {
            out.push(at);
        }
    }
}

/// The kind of escape a lead byte starts.
fn escape_kind(lead: u8) -> Encoding {
    match lead {
        b'\\' => Encoding::Escapes,
        b'%' => Encoding::Percent,
        _ => Encoding::Html,
    }
}

/// [`escape_regions`] given where the escapes that hide a token character are.
fn escape_regions_in(text: &[u8], escapes: &[usize], out: &mut Vec<(Encoding, Range<usize>)>) {
    const KINDS: [Encoding; 3] = [Encoding::Escapes, Encoding::Percent, Encoding::Html];
    let mut found: [Vec<Range<usize>>; 3] = Default::default();
    // Per kind, where its next region may start: an escape inside the last one is in it.
    let mut from = [0usize; 3];
    for &at in escapes {
        let kind = match text[at] {
            b'\\' => 0,
            b'%' => 1,
            _ => 2,
        };
        if at < from[kind] {
            continue;
        }
        let floor = at.saturating_sub(ESCAPE_REACH);
        let start = memchr::memrchr(b'\n', &text[floor..at]).map_or(floor, |n| floor + n + 1);
        let ceil = (at + ESCAPE_REACH).min(text.len());
        let end = memchr::memchr(b'\n', &text[at..ceil]).map_or(ceil, |n| at + n);
        found[kind].push(start..end);
        from[kind] = end.max(at + 1);
    }
    for (kind, regions) in KINDS.into_iter().zip(found) {
        out.extend(regions.into_iter().map(|r| (kind, r)));
    }
}

/// A character a token may be made of: an escape decoding to one of these can hide a token.
fn token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'_' | b'-' | b'.' | b'/' | b'+' | b'=' | b':' | b'@' | b'~'
        )
}

/// The byte an escape at `at` stands for and the escape's length, when `text[at..]` is one of
/// `encoding`'s escapes for a single byte or an ASCII character. Multi-byte escapes (`\u00e9`,
/// a surrogate pair, `&eacute;`) are decoded by [`unescape`] too, but never lead to a region.
fn escape_at(encoding: Encoding, text: &[u8], at: usize) -> Option<(u8, usize)> {
    let rest = &text[at..];
    if rest.first() != Some(&lead(encoding)?) {
        return None;
    }
    match encoding {
        Encoding::Percent => Some((hex_byte(rest.get(1..3)?)?, 3)),
        Encoding::Escapes => match rest.get(1)? {
            b'x' => Some((hex_byte(rest.get(2..4)?)?, 4)),
            b'u' => {
                let [hi, lo] = [hex_byte(rest.get(2..4)?)?, hex_byte(rest.get(4..6)?)?];
                (hi == 0 && lo < 0x80).then_some((lo, 6))
            }
            b'/' => Some((b'/', 2)),
            _ => None,
        },
        Encoding::Html => {
            let semi = memchr::memchr(b';', &rest[..rest.len().min(12)])?;
            let name = &rest[1..semi];
            let byte = match name.strip_prefix(b"#") {
                Some(num) => {
                    let (digits, radix) = match num.first() {
                        Some(b'x' | b'X') => (&num[1..], 16),
                        _ => (num, 10),
                    };
                    let n = u32::from_str_radix(std::str::from_utf8(digits).ok()?, radix).ok()?;
                    u8::try_from(n).ok().filter(u8::is_ascii)?
                }
                None => named_entity(name)?,
            };
            Some((byte, semi + 1))
        }
        Encoding::Base64 | Encoding::Utf16Le | Encoding::Utf16Be => None,
    }
}

/// The named HTML entities that can stand for part of a credential or its context.
fn named_entity(name: &[u8]) -> Option<u8> {
    Some(match name {
        b"amp" => b'&',
        b"quot" => b'"',
        b"apos" => b'\'',
        b"lt" => b'<',
        b"gt" => b'>',
        b"sol" => b'/',
        b"lowbar" => b'_',
        b"equals" => b'=',
        b"plus" => b'+',
        b"colon" => b':',
        b"period" => b'.',
        b"hyphen" | b"dash" => b'-',
        b"commat" => b'@',
        b"num" => b'#',
        b"percnt" => b'%',
        b"quest" => b'?',
        b"excl" => b'!',
        b"tilde" => b'~',
        b"nbsp" => b' ',
        _ => return None,
    })
}

fn hex_byte(two: &[u8]) -> Option<u8> {
    let digit = |b: u8| (b as char).to_digit(16);
    Some((digit(two[0])? * 16 + digit(two[1])?) as u8)
}

/// `text[range]` with every escape of `encoding` decoded; other bytes are kept as they are.
fn unescape(encoding: Encoding, text: &[u8], range: Range<usize>) -> Layer {
    let mut layer = Layer::with_capacity(range.len(), range.start);
    let mut i = range.start;
    while i < range.end {
        if let Some((bytes, len)) = escape_wide(encoding, &text[..range.end], i) {
            layer.push(&bytes, i..i + len);
            i += len;
        } else {
            layer.push(&text[i..i + 1], i..i + 1);
            i += 1;
        }
    }
    layer
}

/// The byte every escape of `encoding` starts with.
fn lead(encoding: Encoding) -> Option<u8> {
    match encoding {
        Encoding::Percent => Some(b'%'),
        Encoding::Escapes => Some(b'\\'),
        Encoding::Html => Some(b'&'),
        Encoding::Base64 | Encoding::Utf16Le | Encoding::Utf16Be => None,
    }
}

/// The bytes an escape at `at` decodes to (any character, as UTF-8) and its length.
fn escape_wide(encoding: Encoding, text: &[u8], at: usize) -> Option<(Vec<u8>, usize)> {
    let rest = &text[at..];
    if rest.first() != Some(&lead(encoding)?) {
        return None;
    }
    if let Some((b, len)) = escape_at(encoding, text, at) {
        return Some((vec![b], len));
    }
    let utf8 = |c: char| c.to_string().into_bytes();
    match encoding {
        Encoding::Percent => Some((vec![hex_byte(rest.get(1..3)?)?], 3)),
        Encoding::Escapes => match rest.get(1)? {
            b'u' => {
                let unit = |s: &[u8]| u16::from_str_radix(std::str::from_utf8(s).ok()?, 16).ok();
                let first = unit(rest.get(2..6)?)?;
                if (0xD800..0xDC00).contains(&first)
                    && rest.get(6..8) == Some(b"\\u")
                    && let Some(second) = rest.get(8..12).and_then(unit)
                    && let Some(Ok(c)) = char::decode_utf16([first, second]).next()
                {
                    return Some((utf8(c), 12));
                }
                Some((utf8(char::from_u32(u32::from(first))?), 6))
            }
            b'"' | b'\'' | b'\\' => Some((vec![rest[1]], 2)),
            _ => None,
        },
        Encoding::Html => {
            let semi = memchr::memchr(b';', &rest[..rest.len().min(12)])?;
            let num = rest[1..semi].strip_prefix(b"#")?;
            let (digits, radix) = match num.first() {
                Some(b'x' | b'X') => (&num[1..], 16),
                _ => (num, 10),
            };
            let n = u32::from_str_radix(std::str::from_utf8(digits).ok()?, radix).ok()?;
            Some((utf8(char::from_u32(n)?), semi + 1))
        }
        Encoding::Base64 | Encoding::Utf16Le | Encoding::Utf16Be => None,
    }
}

/// Largest blob transcoded from UTF-16 (the text is held twice while it is matched).
pub const MAX_UTF16: usize = 64 << 20;

/// A blob of UTF-16 text (a file saved by a Windows tool) as UTF-8, with its encoding: with a
/// byte-order mark, or without one when most code units of its start have a zero high byte on
/// the same side (ASCII text). `None` for anything else, and for text that does not decode to
/// mostly printable characters.
pub fn utf16(data: &[u8]) -> Option<(String, Encoding)> {
    if data.len() < 8 || data.len() > MAX_UTF16 {
        return None;
    }
    let (encoding, body) = match data {
        [0xFF, 0xFE, 0, 0, ..] => return None, // UTF-32LE
        [0xFF, 0xFE, rest @ ..] => (Encoding::Utf16Le, rest),
        [0xFE, 0xFF, rest @ ..] => (Encoding::Utf16Be, rest),
        _ => {
            let head = &data[..data.len().min(1024) & !1];
            // Text with no zero byte in its head (almost every blob) is not UTF-16: the counts
            // below would be zero on both sides.
            memchr::memchr(0, head)?;
            let units = head.len() / 2;
            let zero_at = |parity: usize| {
                head.iter()
                    .skip(parity)
                    .step_by(2)
                    .filter(|&&b| b == 0)
                    .count()
            };
            let (even, odd) = (zero_at(0), zero_at(1));
            if odd * 10 >= units * 9 && even * 10 <= units {
                (Encoding::Utf16Le, data)
            } else if even * 10 >= units * 9 && odd * 10 <= units {
                (Encoding::Utf16Be, data)
            } else {
                return None;
            }
        }
    };
    let units = body.chunks_exact(2).map(|pair| match encoding {
        Encoding::Utf16Be => u16::from_be_bytes([pair[0], pair[1]]),
        _ => u16::from_le_bytes([pair[0], pair[1]]),
    });
    let text: String = char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect();
    mostly_text(text.as_bytes()).then_some((text, encoding))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::testing::{builtin, cases, token};
    use crate::engine::{RuleInfos, findings_in_blob};
    use crate::finding::Finding;
    use crate::rules::testing::random;
    use proptest::prelude::*;

    /// A GitHub classic token from its documented format (30 base62 + CRC-32 checksum).
    fn github_token(seed: u32) -> String {
        let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
        let random: String = (0..30)
            .map(|_| {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                    [(state >> 16) as usize % 62] as char
            })
            .collect();
        let check = crate::rules::base62_checksum(random.as_bytes());
        format!("ghp_{random}{check}")
    }

    fn b64(bytes: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    fn scan(data: &[u8]) -> Vec<Finding> {
        let (matcher, infos): &(Matcher, RuleInfos) = builtin();
        findings_in_blob(matcher, infos, data, "f", &mut Scratch::default())
    }

    /// The one finding of `data`: its rule, secret, line, column and message.
    fn one(data: &[u8]) -> (String, String, usize, usize, Option<String>) {
        let found = scan(data);
        assert_eq!(found.len(), 1, "{:?}", said(&found));
        let f = &found[0];
        (
            f.rule.id.clone(),
            f.secret.clone(),
            f.location.line,
            f.location.column,
            f.message.clone(),
        )
    }

    fn said(found: &[Finding]) -> Vec<(String, usize, Option<String>)> {
        found
            .iter()
            .map(|f| (f.rule.id.clone(), f.location.line, f.message.clone()))
            .collect()
    }

    fn pct(text: &str) -> String {
        text.bytes().map(|b| format!("%{b:02X}")).collect()
    }

    #[test]
    fn a_kubernetes_secret_value_in_base64_is_found_at_its_encoded_span() {
        let t = github_token(1);
        let value = b64(t.as_bytes());
        let data = format!("apiVersion: v1\nkind: Secret\ndata:\n  token: {value}\n");
        let (rule, secret, line, column, message) = one(data.as_bytes());
        assert_eq!(rule, "github-pat-classic");
        assert_eq!(secret, t);
        assert_eq!((line, column), (4, 10));
        assert_eq!(message.as_deref(), Some("decoded from base64"));
    }

    /// A key known only by the name beside it (Mailgun's current keys have no prefix) is found
    /// in a Kubernetes Secret, where the name is outside the base64 and the value inside it.
    #[test]
    fn a_value_known_by_its_name_is_found_under_its_key_in_base64() {
        let hex = |seed: u64, n: usize| random(seed, b"0123456789abcdef", n);
        let key = format!("{}-{}-{}", hex(1, 32), hex(2, 8), hex(3, 8));
        let data = format!(
            "apiVersion: v1\nkind: Secret\ndata:\n  MAILGUN_API_KEY: {}\n  OTHER: {}\n",
            b64(key.as_bytes()),
            b64(hex(4, 44).as_bytes()),
        );
        let found = scan(data.as_bytes());
        let mailgun: Vec<&Finding> = found
            .iter()
            .filter(|f| f.rule.id == "mailgun-private-api-key")
            .collect();
        assert_eq!(mailgun.len(), 1, "{:?}", said(&found));
        assert_eq!(mailgun[0].secret, key);
        assert_eq!(mailgun[0].location.line, 4);
        assert_eq!(mailgun[0].location.column, 20);
        // Written in plain under the same name, it is the same finding.
        let plain = scan(format!("MAILGUN_API_KEY={key}\n").as_bytes());
        assert_eq!(plain[0].fingerprint, mailgun[0].fingerprint);
        // The same value under a name that says nothing stays unreported.
        let unnamed = format!("data:\n  blob: {}\n", b64(key.as_bytes()));
        assert!(
            scan(unnamed.as_bytes())
                .iter()
                .all(|f| f.rule.id != "mailgun-private-api-key")
        );
    }

    #[test]
    fn the_key_before_a_value_is_read_from_its_line() {
        for (line, key) in [
            ("  MAILGUN_API_KEY: ", Some("MAILGUN_API_KEY")),
            ("export TOKEN=", Some("TOKEN")),
            ("  \"mailgun.key\": \"", Some("mailgun.key")),
            ("a\nb: ", None),
            ("no operator ", None),
            (": ", None),
            ("x: ", None),
        ] {
            let text = format!("{line}QUJD");
            let at = text.len() - 4;
            let got =
                key_before(text.as_bytes(), at).map(|k| String::from_utf8_lossy(k).into_owned());
            assert_eq!(got.as_deref(), key, "{line:?}");
        }
    }

    #[test]
    fn the_fingerprint_is_the_plain_secrets() {
        let t = github_token(2);
        let plain = scan(format!("x = {t}\n").as_bytes());
        let encoded = scan(format!("x: {}\n", b64(t.as_bytes())).as_bytes());
        assert_eq!(plain.len(), 1);
        assert_eq!(encoded.len(), 1);
        assert_eq!(plain[0].fingerprint, encoded[0].fingerprint);
        assert!(plain[0].message.is_none());
    }

    #[test]
    fn url_safe_unpadded_and_wrapped_base64_are_decoded() {
        let t = github_token(3);
        // URL-safe alphabet, no padding: `?` and `>` in the text give `_` and `-`.
        let text = format!("??>>{t}?>");
        let url = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text.as_bytes());
        assert!(url.contains(['-', '_']));
        assert_eq!(one(format!("v={url}\n").as_bytes()).1, t);
        // Wrapped at 64 characters a line, PEM-style, indented.
        let long = format!(
            "{}\nTOKEN={t}\n{}",
            "lorem ipsum ".repeat(8),
            "dolor ".repeat(10)
        );
        let wrapped: Vec<String> = b64(long.as_bytes())
            .as_bytes()
            .chunks(64)
            .map(|c| format!("    {}", String::from_utf8_lossy(c)))
            .collect();
        let data = format!("blob: |\n{}\n", wrapped.join("\n"));
        let (_, secret, line, ..) = one(data.as_bytes());
        assert_eq!(secret, t);
        assert!(line >= 2);
    }

    #[test]
    fn a_dockerconfigjson_is_two_levels_deep() {
        let t = github_token(4);
        let auth = b64(format!("octocat:{t}").as_bytes());
        let config = format!(r#"{{"auths":{{"ghcr.io":{{"auth":"{auth}"}}}}}}"#);
        let data = format!(
            "kind: Secret\ntype: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: {}\n",
            b64(config.as_bytes())
        );
        let (rule, secret, line, column, message) = one(data.as_bytes());
        assert_eq!(
            (rule.as_str(), secret.as_str()),
            ("github-pat-classic", t.as_str())
        );
        assert_eq!(line, 4);
        assert!(column > 22, "{column}");
        assert_eq!(
            message.as_deref(),
            Some("decoded from base64 inside base64")
        );
    }

    #[test]
    fn a_basic_auth_header_and_a_piped_base64_are_decoded() {
        let t = github_token(5);
        let header = format!(
            "curl -H 'Authorization: Basic {}' x\n",
            b64(format!("me:{t}").as_bytes())
        );
        assert_eq!(one(header.as_bytes()).1, t);
        let piped = format!("echo {} | base64 -d\n", b64(t.as_bytes()));
        assert_eq!(one(piped.as_bytes()).1, t);
    }

    #[test]
    fn percent_encoding_escapes_and_entities_are_decoded_in_place() {
        let t = github_token(6);
        let (prefix, rest) = t.split_at(4);
        let cases = [
            (
                format!("url = https://x.test/?token=ghp%5F{rest}&a=1\n"),
                "percent-encoding",
            ),
            (
                format!("{{\"token\": \"ghp\\u005f{rest}\"}}\n"),
                "string escapes",
            ),
            (format!("var t = 'ghp\\x5f{rest}';\n"), "string escapes"),
            (
                format!("<input value=\"ghp&#95;{rest}\">\n"),
                "HTML entities",
            ),
            (
                format!("<input value=\"ghp&#x5F;{rest}\">\n"),
                "HTML entities",
            ),
            (
                format!("<input value=\"ghp&lowbar;{rest}\">\n"),
                "HTML entities",
            ),
        ];
        assert_eq!(prefix, "ghp_");
        for (data, encoding) in cases {
            let (rule, secret, line, column, message) = one(data.as_bytes());
            assert_eq!(rule, "github-pat-classic", "{data}");
            assert_eq!(secret, t, "{data}");
            assert_eq!(line, 1);
            // The span starts where the token's encoded form starts.
            assert_eq!(column, data.find("ghp").unwrap() + 1, "{data}");
            assert_eq!(message, Some(format!("decoded from {encoding}")), "{data}");
        }
    }

    #[test]
    fn a_span_maps_to_its_encoded_bytes() {
        let t = github_token(7);
        let data = format!("a\nk = \"{}\" # end\n", pct(&t));
        let found = scan(data.as_bytes());
        assert_eq!(found.len(), 1, "{:?}", said(&found));
        let l = &found[0].location;
        let start = data.find('%').unwrap();
        let line_start = data.find('\n').unwrap() + 1;
        assert_eq!((l.line, l.column), (2, start - line_start + 1));
        assert_eq!(
            (l.end_line, l.end_column),
            (2, start - line_start + 1 + 3 * t.len())
        );
    }

    #[test]
    fn nesting_stops_at_the_depth_limit() {
        let t = github_token(8);
        let mut text = format!("token: {t}");
        for _ in 0..MAX_DEPTH {
            text = b64(text.as_bytes());
        }
        let found = one(format!("x: {text}\n").as_bytes());
        assert_eq!(found.1, t);
        assert_eq!(
            found.4.as_deref(),
            Some("decoded from base64 inside base64 inside base64")
        );
        let deeper = b64(text.as_bytes());
        assert!(scan(format!("x: {deeper}\n").as_bytes()).is_empty());
    }

    #[test]
    fn base64_of_random_bytes_or_binary_is_never_rescanned() {
        // Bytes that are not text, around a token: the run does not decode to text.
        let t = github_token(9);
        let mut bytes: Vec<u8> = (0..200u32)
            .map(|i| (i.wrapping_mul(97) ^ 0xA5) as u8)
            .collect();
        bytes.extend_from_slice(t.as_bytes());
        let data = format!("x: {}\n", b64(&bytes));
        assert!(scan(data.as_bytes()).is_empty());
        assert!(!mostly_text(&bytes));
        assert!(mostly_text("héllo wörld\n\tok".as_bytes()));
        let mut layer_budget = Budget {
            left: 1 << 20,
            cut: 0,
        };
        // Dropped by the decoder itself, before a layer is built; the text beside it is not.
        let run = b64(&bytes);
        assert!(base64_decode(run.as_bytes(), 0..run.len(), &mut layer_budget).is_none());
        let text = b64(format!("token: {t}").as_bytes());
        assert!(base64_decode(text.as_bytes(), 0..text.len(), &mut layer_budget).is_some());
    }

    #[test]
    fn the_block_mask_classifies_every_byte_as_the_base64_alphabet_does() {
        let alphabet = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_');
        let all: Vec<u8> = (0..=255).collect();
        for block in all.chunks_exact(64) {
            let mask = base64_mask(block.try_into().unwrap());
            for (i, &b) in block.iter().enumerate() {
                assert_eq!(is_base64(b), alphabet(b), "byte {b:#04x}");
                assert_eq!(mask >> i & 1 == 1, alphabet(b), "byte {b:#04x}");
            }
        }
    }

    #[test]
    fn one_pass_finds_each_kind_of_escape_region_in_kind_order() {
        let text = b"a = &lowbar; b=%5F\nc = '\\x5f \\x41'\nd = &amp; && x % 2 \\n\n";
        let mut out = Vec::new();
        escape_regions(text, &mut out);
        // The second `\x` is inside the first one's line: one region. `&amp;`, `%`, `\n`
        // stand for no token character: no region.
        assert_eq!(
            out,
            [
                (Encoding::Escapes, 19..34),
                (Encoding::Percent, 0..18),
                (Encoding::Html, 0..18),
            ]
        );
    }

    #[test]
    fn hex_and_one_case_words_are_not_decoded() {
        let mut out = Vec::new();
        base64_runs(
            b"sha 0123456789abcdef0123456789abcdef01234567 end",
            &mut out,
        );
        base64_runs(b"SOME_VERY_LONG_CONSTANT_NAME_HERE", &mut out);
        base64_runs(b"a/path+with-both_alphabets/Mixed/Case", &mut out);
        assert!(out.is_empty(), "{out:?}");
        base64_runs(b"x dXNlcjpwYXNzd29yZDEyMw== y", &mut out);
        assert_eq!(out, [(Encoding::Base64, 2..26)]);
    }

    #[test]
    fn the_budget_cuts_and_counts() {
        let t = github_token(10);
        let filler = "lorem ipsum dolor sit amet ".repeat(DECODE_BUDGET / 20);
        let data = format!("x: {}\n", b64(format!("{filler}{t}").as_bytes()));
        let (matcher, infos) = builtin();
        let mut scratch = Scratch::default();
        assert!(findings_in_blob(matcher, infos, data.as_bytes(), "f", &mut scratch).is_empty());
        assert_eq!(scratch.take_decode_cuts(), 1);
        assert_eq!(scratch.take_decode_cuts(), 0);
        // Under the budget, found and not counted.
        let small = format!(
            "x: {}\n",
            b64(format!("{} {t}", &filler[..1000]).as_bytes())
        );
        assert_eq!(
            findings_in_blob(matcher, infos, small.as_bytes(), "f", &mut scratch).len(),
            1
        );
        assert_eq!(scratch.take_decode_cuts(), 0);
    }

    #[test]
    fn a_secret_in_plain_is_reported_once() {
        let t = github_token(11);
        // The same token in plain and, on the same line, an escape that makes the line decoded.
        let data = format!("{{\"url\": \"https:\\/\\/x.test\", \"token\": \"{t}\"}}\n");
        let (rule, secret, _, _, message) = one(data.as_bytes());
        assert_eq!(
            (rule.as_str(), secret.as_str()),
            ("github-pat-classic", t.as_str())
        );
        assert_eq!(message, None);
        // HTML with entities around a plain token.
        let html = format!("<a href=\"/x?a=1&amp;b=&#x2F;\">{t}</a>\n");
        assert_eq!(one(html.as_bytes()).4, None);
    }

    #[test]
    fn utf16_text_with_or_without_bom_is_read_as_text() {
        let t = github_token(12);
        let text = format!("# settings\r\nAPP=1\r\nGITHUB_TOKEN={t}\r\n");
        let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        for (bytes, name) in [
            ([&[0xFF, 0xFE][..], &le].concat(), "UTF-16LE"),
            (le.clone(), "UTF-16LE"),
            ([&[0xFE, 0xFF][..], &be].concat(), "UTF-16BE"),
        ] {
            let (rule, secret, line, column, message) = one(&bytes);
            assert_eq!(
                (rule.as_str(), secret.as_str()),
                ("github-pat-classic", t.as_str())
            );
            assert_eq!((line, column), (3, 14));
            assert_eq!(message, Some(format!("decoded from {name} text")));
        }
        // Binary with zero bytes is not UTF-16 text.
        assert!(utf16(&[0u8, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8]).is_none());
        // A file that looks like UTF-16 but also holds a token in single bytes keeps it.
        let other = github_token(13);
        let long = format!("{}{text}", "# a comment line\r\n".repeat(40));
        let long: Vec<u8> = long.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let mixed = [&long[..], b"\n", other.as_bytes(), b"\n"].concat();
        let found = scan(&mixed);
        let secrets: Vec<&str> = found.iter().map(|f| f.secret.as_str()).collect();
        assert_eq!(secrets, [t.as_str(), other.as_str()]);
    }

    #[test]
    fn describe_names_the_chain_innermost_first() {
        assert_eq!(
            describe(&[Encoding::Percent, Encoding::Base64]),
            "decoded from base64 inside percent-encoding"
        );
    }

    proptest! {
        #![proptest_config(cases(64))]

        /// Any bytes: decoding never panics, and every span it reports lies inside the input.
        #[test]
        fn decoding_never_panics_and_spans_stay_inside(
            data in proptest::collection::vec(prop_oneof![
                Just(b'%'), Just(b'\\'), Just(b'&'), Just(b'#'), Just(b';'), Just(b'u'),
                Just(b'x'), Just(b'0'), Just(b'5'), Just(b'F'), Just(b'\n'), Just(b'='),
                Just(0u8), any::<u8>(), 0x41u8..0x7b,
            ], 0..600),
        ) {
            let (matcher, _) = builtin();
            let mut budget = Budget { left: DECODE_BUDGET, cut: 0 };
            for (encoding, range) in spans(&data) {
                prop_assert!(range.end <= data.len());
                if let Some(layer) = decode(encoding, &data, range.clone(), &mut budget) {
                    for i in 0..layer.text.len() {
                        let s = layer.span(i..i + 1);
                        prop_assert!(range.start <= s.start && s.end <= range.end);
                    }
                }
            }
            let _ = utf16(&data);
            for m in matcher.find_all(&data, &mut Scratch::default()) {
                prop_assert!(m.secret.start < m.secret.end && m.secret.end <= data.len());
            }
        }

        /// The block scan finds the same run start as reading byte by byte, wherever the
        /// run falls against the 64-byte blocks (inside one, across two, in the tail).
        #[test]
        fn the_block_scan_finds_each_run_where_a_byte_scan_does(
            data in proptest::collection::vec(prop_oneof![
                8 => Just(b'A'), 8 => Just(b'z'), 1 => Just(b' '), 1 => Just(b'\n'),
            ], 0..300),
            from in 0usize..320,
        ) {
            let first = (from..data.len()).find(|&s| {
                s + MIN_BASE64 <= data.len() && data[s..s + MIN_BASE64].iter().all(|&b| is_base64(b))
            });
            prop_assert_eq!(next_base64_run(&data, from), first);
        }

        /// A token percent-encoded whole, anywhere in a line, is found at its encoded span.
        #[test]
        fn a_percent_encoded_token_is_found_where_it_is_written(
            (t, rule) in token(),
            before in "[a-z =:]{0,40}",
        ) {
            let data = format!("{before} {}\n", pct(&t));
            let found = scan(data.as_bytes());
            prop_assert_eq!(found.len(), 1, "{:?}", said(&found));
            prop_assert_eq!(&found[0].rule.id, rule);
            prop_assert_eq!(&found[0].secret, &t);
            prop_assert_eq!(found[0].location.column, before.chars().count() + 2);
        }
    }
}
