//! The keyword prefilter: every occurrence of every keyword in a blob, overlapping and ASCII
//! case-insensitive, found fast on the text that has none (almost all text).
//!
//! An Aho-Corasick DFA over the ~1,200 built-in keywords spends one table transition per byte
//! (~400 MiB/s per core) and tens of milliseconds to build, which was most of start-up. Here a
//! position is looked at closely only when the bytes starting there, case-folded, pass a test
//! that costs one table read: the folded four bytes at the position hash to one 32-bit word of
//! a table of [`WORDS`] words (256 KiB), and the position passes when the word has one of two
//! bits set, the first named by the fifth byte, the second by a hash of the fifth to eighth
//! bytes. A keyword is entered by as many of its leading bytes as it has, up to eight:
//!
//! - one of four bytes sets every bit of the first half of its word (whatever the fifth byte);
//! - one of five to seven bytes sets the bit of the first half its fifth byte names;
//! - one of eight bytes or more sets the bit of the second half its fifth to eighth bytes name;
//! - one of three bytes is compared with the position's first three bytes directly, sixteen of
//!   them at most (the built-in rules have seven); further ones, and those of one or two bytes,
//!   go to a direct table of folded byte pairs (8 KiB, by their first two bytes), tested only
//!   when such a keyword exists.
//!
//! Keying each keyword by all the bytes it has matters: real text is full of the four-byte
//! prefixes of longer keywords (`cons`, `stat`, `toke`, `line`); keyed by four bytes they made
//! ~1.5% of all positions candidates, two thirds of them such prefixes or collisions with the
//! three-byte keywords' 128 possible fourth bytes each. One read per position matters more: the
//! reads are most of the loop's time. A set bit only makes the position a candidate: the
//! keywords entered under its word are then compared byte by byte (`eq_ignore_ascii_case`), so
//! the result is exact whatever the hash collides with.
//!
//! Folding is `| 0x20` on every byte, the same for keywords and text: it maps an ASCII letter's
//! two cases to one value (and also a few non-letters together, which only adds candidates),
//! so a case-insensitive occurrence always has the folded bytes its keyword was entered under.
//! Past the end of the searched bytes a position's bytes are padded with zeros, which only adds
//! candidates (a keyword's own bytes are never padding); the comparison never reads beyond the
//! bytes it was given.
//!
//! Where the processor has AVX2 (x86_64, detected at run time) the same test runs sixteen
//! positions per step in [`avx2`]; its candidates are the scalar loop's, position for position,
//! and the scalar loop stays for other processors and for the last bytes of a range.

use super::KeywordHit;
use std::ops::Range;

#[cfg(target_arch = "x86_64")]
mod avx2;

/// Which loop tests the positions: both find the same candidates, so the same occurrences.
/// [`Keywords::new`] picks the vector loop where the processor has one; benchmarks and tests
/// name a loop to compare them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterPath {
    /// One position at a time (eight per iteration, no vector instructions): every processor.
    Scalar,
    /// Sixteen positions per step with AVX2 where the processor has it; elsewhere the scalar
    /// loop.
    Vector,
}

/// The multiplier of the filter's multiply-shift hash (the golden ratio's 32-bit fraction).
const MULTIPLIER: u32 = 0x9E37_79B1;
/// The multiplier of the fifth to eighth bytes' hash (odd, unrelated to the first).
const MULTIPLIER_HIGH: u32 = 0x85EB_CA6B;

/// Words in the filter table, as a power of two: 2^16 words is 256 KiB (in a core's L2
/// cache), sparse enough (the built-in keywords touch ~2% of the words, and set one bit of 16
/// in most of those) that text without a keyword rarely makes a candidate.
const WORD_LOG2: u32 = 16;
const WORDS: usize = 1 << WORD_LOG2;
/// Keywords are bucketed by their word shifted right by this: 2^12 buckets, few keywords in
/// each (a candidate rejects a neighbour's in one comparison).
const BUCKET_SHIFT: u32 = 4;
const BUCKETS: usize = WORDS >> BUCKET_SHIFT;
/// The length from which a keyword is keyed by eight bytes (the most the filter reads).
const WIDE: usize = 8;
/// The fold applied to every byte (eight at a time) before hashing and grouping.
const FOLD: u64 = 0x2020_2020_2020_2020;
/// How many length classes of short keywords (one, two and three bytes) [`Groups`] keeps.
const SHORT: usize = 3;
/// How many three-byte keywords the filter compares directly; more go to the pair table.
const THREES: usize = 16;

/// The compiled keyword set. `patterns[id]` is keyword `id`, lowercased as given.
#[derive(Debug)]
pub(super) struct Keywords {
    patterns: Vec<Box<[u8]>>,
    longest: usize,
    /// The filter's words, by [`word_of`] the position's folded first four bytes (see the
    /// module documentation).
    table: Box<Table>,
    /// The folded three-byte keywords compared directly (at most [`THREES`]).
    threes: Vec<u32>,
    /// The same keywords as the scalar loop looks them up: each alone in its slot.
    three_slots: ThreeSlots,
    /// Folded first two bytes of every keyword of one or two bytes (and of the three-byte ones
    /// past [`THREES`]), indexed directly; `None` when there is none.
    pairs: Option<Box<PairTable>>,
    /// The keywords of one to three bytes by length class, grouped by their folded prefix of
    /// that many bytes (few: the built-in rules have seven).
    short: [Groups; SHORT],
    /// The keywords of four bytes or more by their word.
    long: Buckets,
    /// The loop [`Keywords::find`] runs.
    path: FilterPath,
}

/// A keyword of four bytes or more as a candidate first sees it: its folded first eight bytes
/// (masked to its length), compared with the text's in one step before the whole keyword is.
#[derive(Debug, Clone, Copy)]
struct Long {
    prefix: u64,
    mask: u64,
    id: u32,
}

/// Keywords by their word: `entries[starts[b]..starts[b+1]]` are those whose word falls in
/// bucket `b` (see [`BUCKET_SHIFT`]), so a candidate looks at a handful of entries with no
/// search.
#[derive(Debug)]
struct Buckets {
    starts: Box<[u32]>,
    entries: Box<[Long]>,
}

impl Buckets {
    /// Buckets `(word, keyword)` pairs: a counting sort, linear, no hashing.
    fn new(keywords: Vec<(usize, Long)>) -> Buckets {
        let mut starts = vec![0u32; BUCKETS + 1].into_boxed_slice();
        for &(word, _) in &keywords {
            starts[(word >> BUCKET_SHIFT) + 1] += 1;
        }
        for b in 0..BUCKETS {
            starts[b + 1] += starts[b];
        }
        let mut next: Vec<u32> = starts[..BUCKETS].to_vec();
        let empty = Long {
            prefix: 0,
            mask: 0,
            id: 0,
        };
        let mut entries = vec![empty; keywords.len()].into_boxed_slice();
        for (word, entry) in keywords {
            let bucket = word >> BUCKET_SHIFT;
            entries[next[bucket] as usize] = entry;
            next[bucket] += 1;
        }
        Buckets { starts, entries }
    }

    /// The keywords whose word shares `word`'s bucket.
    fn get(&self, word: usize) -> &[Long] {
        let bucket = word >> BUCKET_SHIFT;
        &self.entries[self.starts[bucket] as usize..self.starts[bucket + 1] as usize]
    }
}

/// Keywords sharing a folded prefix: `keys` sorted, `ranges[k]` the slice of `ids` holding
/// the keywords whose prefix is `keys[k]`. `present` has the bit [`Groups::bit`] of every key
/// set: almost every candidate has none of these few prefixes, and one bit test says so
/// without a search.
#[derive(Debug, Default)]
struct Groups {
    keys: Vec<u32>,
    ranges: Vec<Range<u32>>,
    ids: Vec<u32>,
    present: [u64; 32],
}

impl Groups {
    fn new(mut entries: Vec<(u32, u32)>) -> Groups {
        entries.sort_unstable();
        let mut groups = Groups::default();
        for (key, id) in entries {
            let at = groups.ids.len() as u32;
            if groups.keys.last() != Some(&key) {
                groups.keys.push(key);
                groups.ranges.push(at..at);
            }
            groups.ids.push(id);
            if let Some(range) = groups.ranges.last_mut() {
                range.end = at + 1;
            }
            let bit = Groups::bit(key);
            groups.present[bit >> 6] |= 1 << (bit & 63);
        }
        groups
    }

    /// Where a key falls in `present` (a multiply-shift hash to 11 bits).
    fn bit(key: u32) -> usize {
        (key.wrapping_mul(MULTIPLIER) >> 21) as usize
    }

    fn get(&self, key: u32) -> &[u32] {
        let bit = Groups::bit(key);
        if self.present[bit >> 6] >> (bit & 63) & 1 == 0 {
            return &[];
        }
        match self.keys.binary_search(&key) {
            Ok(k) => {
                let range = &self.ranges[k];
                &self.ids[range.start as usize..range.end as usize]
            }
            Err(_) => &[],
        }
    }
}

/// The three-byte keywords by slot, so the scalar loop compares a position's first three bytes
/// with one of them instead of each: every key alone in the slot the multiply-shift hash by
/// `multiplier` gives it, the other slots holding `u32::MAX` (no three bytes, zero-extended,
/// equal it). Membership is exact: three bytes equal a key only where the key is.
#[derive(Debug)]
struct ThreeSlots {
    multiplier: u32,
    slots: Box<[u32; 256]>,
}

impl ThreeSlots {
    /// Places `keys` (at most [`THREES`], distinct, below 2^24), trying multipliers until no
    /// two share a slot; `None` if none of a thousand does (sixteen keys in 256 slots collide
    /// under a given multiplier about half the time, so this is not seen in practice).
    fn new(keys: &[u32]) -> Option<ThreeSlots> {
        (0..1000u32).find_map(|attempt| {
            let multiplier = MULTIPLIER.wrapping_add(attempt.wrapping_mul(0x2545_F492));
            let mut slots = Box::new([u32::MAX; 256]);
            for &key in keys {
                let slot = &mut slots[ThreeSlots::slot(multiplier, key)];
                if *slot != u32::MAX {
                    return None;
                }
                *slot = key;
            }
            Some(ThreeSlots { multiplier, slots })
        })
    }

    fn slot(multiplier: u32, three: u32) -> usize {
        (three.wrapping_mul(multiplier | 1) >> 24) as usize
    }

    /// Whether `three` (a position's first three folded bytes) is one of the keys.
    fn contains(&self, three: u32) -> bool {
        self.slots[ThreeSlots::slot(self.multiplier, three)] == three
    }
}

/// The filter's words; a fixed size, so indexing it needs no bounds check in the hot loop.
type Table = [u32; WORDS];
/// One bit per folded byte pair.
type PairTable = [u64; (1 << 16) / 64];

/// The word of a position whose folded first four bytes are `gram` (little-endian).
fn word_of(gram: u32) -> usize {
    (gram.wrapping_mul(MULTIPLIER) >> (32 - WORD_LOG2)) as usize
}

/// The two bits of its word a position whose folded four bytes after the first four are
/// `next` (little-endian) tests: in the first half, the one its fifth byte names (its two
/// nibbles mixed: letters a fold apart land apart); in the second half, the one a hash of all
/// four names.
fn bits_of(next: u32) -> (u32, u32) {
    let fifth = next & 0xFF;
    (
        (fifth ^ fifth >> 4) & 15,
        16 + (next.wrapping_mul(MULTIPLIER_HIGH) >> 28),
    )
}

/// Sets bit `pair` (folded byte pair, little-endian) of the pair table, made on first use.
fn set_pair(pairs: &mut Option<Box<PairTable>>, pair: u32) {
    let table = pairs.get_or_insert_with(|| Box::new([0; (1 << 16) / 64]));
    table[pair as usize >> 6] |= 1 << (pair & 63);
}

/// Eight bytes of `bytes` from `at`, folded, little-endian, zero past the end (before folding).
fn folded_word(bytes: &[u8], at: usize) -> u64 {
    if let Some(word) = bytes.get(at..at.saturating_add(8)) {
        return u64::from_le_bytes(
            word.try_into()
                .expect("an 8-byte slice converts to [u8; 8]"),
        ) | FOLD;
    }
    let mut word = [0u8; 8];
    let end = bytes.len().min(at + 8);
    if at < end {
        word[..end - at].copy_from_slice(&bytes[at..end]);
    }
    u64::from_le_bytes(word) | FOLD
}

/// The mask of a keyword's first `len` bytes (at most eight) in a little-endian word.
fn mask_of(len: usize) -> u64 {
    match len {
        8.. => u64::MAX,
        n => (1u64 << (8 * n)) - 1,
    }
}

impl Keywords {
    /// Compiles `patterns` (distinct, lowercased, each non-empty: the rule loader refuses an
    /// empty keyword; an empty one here would be ignored). Linear in the keywords' bytes.
    pub(super) fn new<P: AsRef<[u8]>>(patterns: &[P]) -> Keywords {
        let mut table: Box<Table> = vec![0u32; WORDS]
            .into_boxed_slice()
            .try_into()
            .expect("a WORDS-long slice converts to a table");
        let mut threes: Vec<u32> = Vec::new();
        let mut pairs: Option<Box<PairTable>> = None;
        let mut entries: [Vec<(u32, u32)>; SHORT] = Default::default();
        let mut long: Vec<(usize, Long)> = Vec::new();
        let folded_values = || (0..=255u8).filter(|b| b & 0x20 != 0).map(u32::from);
        for (id, pattern) in patterns.iter().enumerate() {
            let bytes = pattern.as_ref();
            let id = id as u32;
            let mask = mask_of(bytes.len());
            let entry = Long {
                prefix: folded_word(bytes, 0) & mask,
                mask,
                id,
            };
            let key = entry.prefix as u32;
            let word = word_of(key);
            let (low, high) = bits_of((entry.prefix >> 32) as u32);
            let mut pair = |pair: u32| set_pair(&mut pairs, pair);
            match bytes.len() {
                0 => continue,
                1 => folded_values().for_each(|second| pair(key | second << 8)),
                2 => pair(key),
                3 if threes.len() < THREES => threes.push(key),
                3 => pair(key & 0xFFFF),
                4 => table[word] |= 0xFFFF,
                5..WIDE => table[word] |= 1 << low,
                _ => table[word] |= 1 << high,
            }
            match bytes.len() {
                1..=SHORT => entries[bytes.len() - 1].push((key, id)),
                _ => long.push((word, entry)),
            }
        }
        // Three-byte keywords that cannot be placed one per slot (not seen in practice) are
        // entered in the pair table instead, which stays exact.
        let three_slots = ThreeSlots::new(&threes).unwrap_or_else(|| {
            for &key in &threes {
                set_pair(&mut pairs, key & 0xFFFF);
            }
            threes.clear();
            ThreeSlots::new(&[]).expect("no keys share a slot")
        });
        Keywords {
            long: Buckets::new(long),
            patterns: patterns
                .iter()
                .map(|p| p.as_ref().to_vec().into_boxed_slice())
                .collect(),
            longest: patterns.iter().map(|p| p.as_ref().len()).max().unwrap_or(0),
            table,
            threes,
            three_slots,
            pairs,
            short: entries.map(Groups::new),
            path: FilterPath::Vector,
        }
    }

    /// The keywords, by pattern id.
    #[cfg(test)]
    pub(super) fn patterns(&self) -> &[Box<[u8]>] {
        &self.patterns
    }

    /// The longest keyword's length in bytes.
    pub(super) fn longest(&self) -> usize {
        self.longest
    }

    /// Appends every occurrence that starts in `range` and ends within `hay`.
    pub(super) fn find(&self, hay: &[u8], range: Range<usize>, out: &mut Vec<KeywordHit>) {
        self.find_by(self.path, hay, range, out);
    }

    /// [`Keywords::find`] with the loop named by `path`.
    pub(super) fn find_by(
        &self,
        path: FilterPath,
        hay: &[u8],
        range: Range<usize>,
        out: &mut Vec<KeywordHit>,
    ) {
        self.candidates(path, hay, range, |at| self.verify(hay, at, out));
    }

    /// How many positions of `range` pass the filter (each costs an exact comparison): what
    /// makes one text slower to search than another.
    pub(super) fn candidate_count(&self, hay: &[u8], range: Range<usize>) -> usize {
        let mut count = 0;
        self.candidates(FilterPath::Scalar, hay, range, |_| count += 1);
        count
    }

    /// Calls `candidate(at)` for every position of `range` that passes the filter, in
    /// increasing order.
    fn candidates(
        &self,
        path: FilterPath,
        hay: &[u8],
        range: Range<usize>,
        mut candidate: impl FnMut(usize),
    ) {
        let end = range.end.min(hay.len());
        let mut start = range.start.min(end);
        #[cfg(target_arch = "x86_64")]
        if path == FilterPath::Vector {
            start = avx2::scan(&self.vector_filter(), hay, start, end, &mut candidate);
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = path;
        match &self.pairs {
            None => self.scan::<false>(hay, start, end, &[0; (1 << 16) / 64], candidate),
            Some(pairs) => self.scan::<true>(hay, start, end, pairs, candidate),
        }
    }

    /// The tables as the vector loop reads them.
    #[cfg(target_arch = "x86_64")]
    fn vector_filter(&self) -> avx2::Filter<'_> {
        avx2::Filter {
            table: &self.table[..],
            threes: &self.threes,
            multiplier: MULTIPLIER,
            multiplier_high: MULTIPLIER_HIGH,
            shift: 32 - WORD_LOG2,
            pairs: self.pairs.as_deref(),
        }
    }

    /// The scalar filter loop: eight positions per three 8-byte loads while sixteen bytes
    /// remain, then one at a time with zero-padded words. `PAIRS` adds the test for one- and
    /// two-byte keywords.
    fn scan<const PAIRS: bool>(
        &self,
        hay: &[u8],
        start: usize,
        end: usize,
        pairs: &PairTable,
        mut candidate: impl FnMut(usize),
    ) {
        let table: &Table = &self.table;
        let threes = &self.three_slots;
        // Whether the position whose folded bytes are `gram` then `next` passes.
        let passes = |gram: u32, next: u32| -> u64 {
            let (low, high) = bits_of(next);
            let word = table[word_of(gram)];
            let mut hit = u64::from((word >> low | word >> high) & 1);
            hit |= u64::from(threes.contains(gram & 0xFF_FFFF));
            if PAIRS {
                let pair = (gram & 0xFFFF) as usize;
                hit |= pairs[pair >> 6] >> (pair & 63) & 1;
            }
            hit
        };
        let load = |at: usize| -> u64 {
            u64::from_le_bytes(
                hay[at..at + 8]
                    .try_into()
                    .expect("an 8-byte slice converts to [u8; 8]"),
            ) | FOLD
        };
        let mut at = start;
        while at + 8 <= end && at + 16 <= hay.len() {
            let words = [load(at), load(at + 4), load(at + 8)];
            // The folded four bytes at `at + j`, for j in 0..12.
            let gram = |j: usize| (words[j / 4] >> (8 * (j % 4))) as u32;
            // No branch per position: the eight tests are gathered in one mask, and only a set
            // bit (rare on text without a keyword) takes the slow path.
            let mut hits = 0u64;
            for k in 0..8 {
                hits |= passes(gram(k), gram(k + 4)) << k;
            }
            while hits != 0 {
                candidate(at + hits.trailing_zeros() as usize);
                hits &= hits - 1;
            }
            at += 8;
        }
        while at < end {
            let word = folded_word(hay, at);
            if passes(word as u32, (word >> 32) as u32) != 0 {
                candidate(at);
            }
            at += 1;
        }
    }

    /// Compares the keywords that may start at `at` with the bytes there: first those of four
    /// bytes or more entered under the position's word (their first eight folded bytes in one
    /// comparison, then the whole keyword), then the short ones.
    #[inline(never)]
    fn verify(&self, hay: &[u8], at: usize, out: &mut Vec<KeywordHit>) {
        let rest = &hay[at..];
        let word = folded_word(hay, at);
        let gram = word as u32;
        for entry in self.long.get(word_of(gram)) {
            if word & entry.mask == entry.prefix {
                self.compare(rest, at, entry.id, out);
            }
        }
        for (class, groups) in self.short.iter().enumerate() {
            let key = gram & ((1u32 << (8 * (class + 1))) - 1);
            for &id in groups.get(key) {
                self.compare(rest, at, id, out);
            }
        }
    }

    /// Appends keyword `id`'s occurrence at `at` when `rest` (the bytes from `at`) starts
    /// with it, ignoring ASCII case.
    fn compare(&self, rest: &[u8], at: usize, id: u32, out: &mut Vec<KeywordHit>) {
        let pattern = &self.patterns[id as usize];
        if rest.len() >= pattern.len() && rest[..pattern.len()].eq_ignore_ascii_case(pattern) {
            out.push(KeywordHit {
                pattern: id,
                start: at,
                end: at + pattern.len(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
    use proptest::prelude::*;

    /// What the prefilter was before: Aho-Corasick's overlapping search, ASCII
    /// case-insensitive.
    fn automaton(patterns: &[Vec<u8>], kind: AhoCorasickKind) -> AhoCorasick {
        AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .kind(Some(kind))
            .build(patterns)
            .expect("test keywords build")
    }

    /// The automaton's occurrences over the whole of `hay` that start in `range`.
    fn automaton_hits(automaton: &AhoCorasick, hay: &[u8], range: Range<usize>) -> Vec<KeywordHit> {
        let mut hits: Vec<KeywordHit> = automaton
            .find_overlapping_iter(hay)
            .filter(|m| range.contains(&m.start()))
            .map(|m| KeywordHit {
                pattern: m.pattern().as_u32(),
                start: m.start(),
                end: m.end(),
            })
            .collect();
        hits.sort_unstable();
        hits
    }

    /// Both loops.
    const PATHS: [FilterPath; 2] = [FilterPath::Scalar, FilterPath::Vector];

    /// The new filter over what a caller may read for `range`: up to the longest keyword's
    /// length minus one past its end. Asserts that both loops find the same, and returns it.
    fn filter_hits(keywords: &Keywords, hay: &[u8], range: Range<usize>) -> Vec<KeywordHit> {
        let [scalar, vector] = PATHS.map(|path| filter_hits_by(path, keywords, hay, range.clone()));
        assert_eq!(scalar, vector, "the loops disagree over {range:?}");
        vector
    }

    fn filter_hits_by(
        path: FilterPath,
        keywords: &Keywords,
        hay: &[u8],
        range: Range<usize>,
    ) -> Vec<KeywordHit> {
        let readable = (range.end + keywords.longest().saturating_sub(1)).min(hay.len());
        let mut hits = Vec::new();
        keywords.find_by(path, &hay[..readable], range, &mut hits);
        hits.sort_unstable();
        hits
    }

    /// The positions each loop makes candidates of, in order.
    fn candidate_positions(
        path: FilterPath,
        keywords: &Keywords,
        hay: &[u8],
        range: Range<usize>,
    ) -> Vec<usize> {
        let mut found = Vec::new();
        keywords.candidates(path, hay, range, |at| found.push(at));
        found
    }

    /// Distinct keywords lowercased as the matcher enters them.
    fn distinct_lowercase(raw: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
        let mut out: Vec<Vec<u8>> = Vec::new();
        for k in raw {
            let k = k.to_ascii_lowercase();
            if !k.is_empty() && !out.contains(&k) {
                out.push(k);
            }
        }
        out
    }

    /// Where to plant which keyword, and its case (bit `i` upper-cases byte `i`).
    type Plant = (prop::sample::Index, prop::sample::Index, u64);

    /// Inserts into `hay`, for each plant, one of `patterns` at one of its places, in the
    /// plant's case.
    fn plant(hay: &mut Vec<u8>, patterns: &[Vec<u8>], plants: Vec<Plant>) {
        for (which, place, case) in plants {
            let keyword = &patterns[which.index(patterns.len())];
            let at = place.index(hay.len() + 1);
            let planted: Vec<u8> = keyword
                .iter()
                .enumerate()
                .map(|(i, &b)| match case >> (i % 64) & 1 {
                    1 => b.to_ascii_uppercase(),
                    _ => b,
                })
                .collect();
            hay.splice(at..at, planted);
        }
    }

    /// Bytes that collide under folding (`@` and a backtick, `[` and `{`, NUL and space),
    /// letters in both cases, and bytes of UTF-8 sequences.
    const ALPHABET: &[u8] = b"abAB-_ @`[{\0\xc3\xa9\xffkK";

    fn byte() -> impl Strategy<Value = u8> {
        prop::sample::select(ALPHABET)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        #[test]
        fn same_occurrences_as_aho_corasick(
            raw in prop::collection::vec(prop::collection::vec(byte(), 1..9), 1..12),
            filler in prop::collection::vec(byte(), 0..200),
            plants in prop::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>(), any::<u64>()), 0..8),
            cut in (any::<prop::sample::Index>(), any::<prop::sample::Index>()),
        ) {
            let patterns = distinct_lowercase(raw);
            let mut hay = filler;
            // Plant keywords, in random case, at random places (range edges included below).
            plant(&mut hay, &patterns, plants);
            let a = cut.0.index(hay.len() + 1);
            let b = cut.1.index(hay.len() + 1);
            let range = a.min(b)..a.max(b);
            let keywords = Keywords::new(&patterns);
            for kind in [AhoCorasickKind::DFA, AhoCorasickKind::NoncontiguousNFA] {
                prop_assert_eq!(
                    filter_hits(&keywords, &hay, 0..hay.len()),
                    automaton_hits(&automaton(&patterns, kind), &hay, 0..hay.len())
                );
            }
            prop_assert_eq!(
                filter_hits(&keywords, &hay, range.clone()),
                automaton_hits(&automaton(&patterns, AhoCorasickKind::DFA), &hay, range)
            );
        }

        #[test]
        fn occurrences_at_every_range_edge(
            keyword in prop::collection::vec(byte(), 1..7),
            before in 0usize..12,
            after in 0usize..12,
        ) {
            let patterns = distinct_lowercase(vec![keyword.clone(), b"zz".to_vec()]);
            let mut hay = vec![b'.'; before];
            hay.extend(keyword.to_ascii_uppercase());
            hay.extend(std::iter::repeat_n(b'.', after));
            let keywords = Keywords::new(&patterns);
            let automaton = automaton(&patterns, AhoCorasickKind::DFA);
            for start in 0..=hay.len() {
                for end in start..=hay.len() {
                    prop_assert_eq!(
                        filter_hits(&keywords, &hay, start..end),
                        automaton_hits(&automaton, &hay, start..end)
                    );
                }
            }
        }

        /// Three-byte keywords past the sixteen both loops compare directly go to the pair
        /// table by their first two bytes: mixed with keywords of every other length class,
        /// planted in random case, both loops still find exactly Aho-Corasick's occurrences, from
        /// the same candidates.
        #[test]
        fn more_three_byte_keywords_than_the_loops_compare(
            threes in prop::collection::vec(prop::collection::vec(byte(), 3), 17..40),
            others in prop::collection::vec(prop::collection::vec(byte(), 1..10), 0..6),
            filler in prop::collection::vec(prop_oneof![byte(), 0x80u8..=0xFF], 0..300),
            plants in prop::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>(), any::<u64>()), 0..12),
            start in 0usize..40,
        ) {
            let patterns = distinct_lowercase(threes.into_iter().chain(others).collect());
            let mut hay = filler;
            plant(&mut hay, &patterns, plants);
            let range = start.min(hay.len())..hay.len();
            let keywords = Keywords::new(&patterns);
            prop_assert_eq!(
                filter_hits(&keywords, &hay, range.clone()),
                automaton_hits(&automaton(&patterns, AhoCorasickKind::DFA), &hay, range.clone())
            );
            prop_assert_eq!(
                candidate_positions(FilterPath::Vector, &keywords, &hay, range.clone()),
                candidate_positions(FilterPath::Scalar, &keywords, &hay, range)
            );
        }

        /// The vector loop works in steps of sixteen positions over 24 bytes: keywords planted
        /// at every offset modulo 64 of a long text of bytes 0x80-0xFF, ASCII and fold
        /// collisions, searched over ranges that start and end inside a step, with a readable
        /// end anywhere past the range.
        #[test]
        fn both_loops_find_every_occurrence_at_every_offset(
            raw in prop::collection::vec(prop::collection::vec(any::<u8>(), 1..12), 1..10),
            filler in prop::collection::vec(prop_oneof![any::<u8>(), byte(), 0x80u8..=0xFF], 64..400),
            offset in 0usize..64,
            case in any::<u64>(),
            cut in (0usize..80, 0usize..80, 0usize..16),
        ) {
            let patterns = distinct_lowercase(raw);
            let mut hay = filler;
            for (n, keyword) in patterns.iter().enumerate() {
                let at = (offset + 64 * n).min(hay.len());
                let planted: Vec<u8> = keyword
                    .iter()
                    .enumerate()
                    .map(|(i, &b)| if case >> ((i + n) % 64) & 1 == 1 { b.to_ascii_uppercase() } else { b })
                    .collect();
                hay.splice(at..at, planted);
            }
            let start = cut.0.min(hay.len());
            let end = hay.len().saturating_sub(cut.1).max(start);
            let readable = (end + cut.2).min(hay.len());
            let keywords = Keywords::new(&patterns);
            let automaton = automaton(&patterns, AhoCorasickKind::DFA);
            let expected: Vec<KeywordHit> = automaton_hits(&automaton, &hay[..readable], start..end);
            for path in PATHS {
                let mut hits = Vec::new();
                keywords.find_by(path, &hay[..readable], start..end, &mut hits);
                hits.sort_unstable();
                prop_assert_eq!(&hits, &expected, "{:?}", path);
            }
            prop_assert_eq!(
                candidate_positions(FilterPath::Vector, &keywords, &hay[..readable], start..end),
                candidate_positions(FilterPath::Scalar, &keywords, &hay[..readable], start..end)
            );
        }
    }

    /// Where the processor has the vector loop, it is the one that runs (and is tested above):
    /// over a long text it looks at all but the last step's positions itself.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_vector_loop_runs_where_the_processor_has_it() {
        let keywords = Keywords::new(&[b"abcd".as_slice(), b"x"]);
        let hay = vec![b'a'; 1000];
        let filter = keywords.vector_filter();
        let reached = avx2::scan(&filter, &hay, 3, 1000, |_| {});
        if avx2::available() {
            assert_eq!(reached, 3 + 16 * ((1000 - 28 - 3) / 16 + 1));
            assert_eq!(keywords.path, FilterPath::Vector);
        } else {
            assert_eq!(reached, 3);
        }
        // A table smaller than the hash's range is refused rather than read past, and so are
        // more three-byte keys than the loop compares.
        let many = [0u32; THREES + 1];
        for small in [
            avx2::Filter {
                table: &keywords.table[..WORDS - 1],
                ..keywords.vector_filter()
            },
            avx2::Filter {
                shift: 32 - WORD_LOG2 - 1,
                ..keywords.vector_filter()
            },
            avx2::Filter {
                shift: 0,
                ..keywords.vector_filter()
            },
            avx2::Filter {
                threes: &many,
                ..keywords.vector_filter()
            },
        ] {
            assert_eq!(avx2::scan(&small, &hay, 0, 1000, |_| {}), 0);
        }
    }

    #[test]
    fn built_in_keywords_on_real_text_as_aho_corasick() {
        let rules = crate::rules::RuleSet::builtin().expect("built-in rules load");
        let patterns = distinct_lowercase(
            rules
                .rules()
                .iter()
                .flat_map(|r| r.keywords().iter().map(|k| k.as_bytes().to_vec()))
                .collect(),
        );
        assert!(patterns.len() > 1000, "{} keywords", patterns.len());
        let keywords = Keywords::new(&patterns);
        // This crate's own sources, rules (with every rule's examples) and documents, as
        // written and in upper case.
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut text = Vec::new();
        for dir in ["src", "src/engine", "src/rules", "rules", "docs", "tests"] {
            let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
                continue;
            };
            let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
            paths.sort();
            for path in paths.into_iter().filter(|p| p.is_file()) {
                text.extend(std::fs::read(path).expect("a source file is readable"));
            }
        }
        assert!(text.len() > 1 << 20, "{} bytes of text", text.len());
        let upper = text.to_ascii_uppercase();
        for hay in [&text, &upper] {
            // Candidates equal position for position, from every start offset of a step.
            for skip in 0..16 {
                assert_eq!(
                    candidate_positions(FilterPath::Vector, &keywords, hay, skip..hay.len()),
                    candidate_positions(FilterPath::Scalar, &keywords, hay, skip..hay.len())
                );
            }
            let found = filter_hits(&keywords, hay, 0..hay.len());
            assert!(found.len() > 10_000, "{} occurrences", found.len());
            assert_eq!(
                found,
                automaton_hits(
                    &automaton(&patterns, AhoCorasickKind::DFA),
                    hay,
                    0..hay.len()
                )
            );
        }
    }

    /// The scalar loop's three-byte lookup says yes to exactly the keys, over every three-byte
    /// value, for sets from none to the most the loops compare (keys sharing bytes included).
    #[test]
    fn three_byte_slots_hold_exactly_the_keys() {
        for count in [0, 1, 7, THREES] {
            let keys: Vec<u32> = (0..count as u32)
                .map(|k| (0x7F_2020 + k * 0x01_0203) & 0xFF_FFFF)
                .collect();
            let slots = ThreeSlots::new(&keys).expect("the keys are placed");
            let mut key = vec![false; 1 << 24];
            keys.iter().for_each(|&k| key[k as usize] = true);
            let wrong = (0..1u32 << 24).find(|&three| slots.contains(three) != key[three as usize]);
            assert_eq!(wrong, None, "{count} keys");
        }
    }

    /// A keyword of five bytes or more is keyed by its fifth to eighth bytes too: text full of
    /// its first four (and of three of a three-byte keyword) makes no candidate, where keying by
    /// four bytes made every `cons`, `stat` and `line` one.
    #[test]
    fn a_longer_keywords_first_four_bytes_make_no_candidate() {
        let patterns: Vec<&[u8]> = vec![
            b"consul",
            b"consumer_key",
            b"statuspage",
            b"line_pay",
            b"eyj",
        ];
        let keywords = Keywords::new(&patterns);
        let hay =
            b"const x = console.log(constant); static status = state; inline outline EYE key;"
                .repeat(20);
        for path in PATHS {
            assert_eq!(
                candidate_positions(path, &keywords, &hay, 0..hay.len()),
                Vec::<usize>::new(),
                "{path:?}"
            );
        }
        // The keywords themselves, in either case, are candidates and occurrences.
        let hay = b"..CONSUL..consumer_KEY..StatusPage..line_pay..eYj..".repeat(3);
        let found = filter_hits(&keywords, &hay, 0..hay.len());
        assert_eq!(found.len(), 15, "{found:?}");
    }

    #[test]
    fn short_and_odd_keywords_are_found_to_the_last_byte() {
        let patterns: Vec<&[u8]> = vec![b"x", b"y\0", b"\xff\xfe\xfd", b"abcd", b"@"];
        let keywords = Keywords::new(&patterns);
        let hay = b"..X..Y\0..\xff\xfe\xfd..ABCD..`..@";
        let hits = filter_hits(&keywords, hay, 0..hay.len());
        let found: Vec<(u32, usize)> = hits.iter().map(|h| (h.pattern, h.start)).collect();
        assert_eq!(found, [(0, 2), (1, 5), (2, 9), (3, 14), (4, 23)]);
        // The byte the fold confuses with `@` (a backtick) is not an occurrence.
        assert!(hits.iter().all(|h| hay[h.start] != b'`'));
    }
}
