//! The keyword filter's vector pass (x86_64 AVX2): the same test as the scalar loop in
//! [`super`], sixteen positions at a time, for the text without keywords that is almost all
//! text.
//!
//! For each position the scalar loop folds the four bytes starting there and the four after
//! them (`| 0x20`), reads the 32-bit word of the filter table the first four hash to, and
//! tests two of its bits, one named by the fifth byte and one by a hash of the fifth to eighth;
//! it compares the first three bytes with the (at most sixteen) three-byte keywords and, when
//! one- or two-byte keywords exist, tests one bit of the pair table. Here the grams of eight
//! positions are built from a 16-byte load by one byte shuffle, folded, hashed with 32-bit
//! multiplies, and their words fetched with a gather from the same table: the candidates are
//! exactly the scalar loop's, position for position, so what happens to a candidate (the exact
//! comparison) does not depend on which loop found it. The property tests run both loops
//! against Aho-Corasick.
//!
//! This is the crate's only `unsafe`: the intrinsics that read memory (unaligned loads, the
//! gather) and the calls into the `avx2` functions, made only after the processor said it has
//! AVX2. Each block says why its reads stay inside the slices it was given.

use std::arch::x86_64::{
    _mm_cvtsi32_si128, _mm_loadu_si128, _mm256_and_si256, _mm256_broadcastsi128_si256,
    _mm256_castsi256_ps, _mm256_cmpeq_epi32, _mm256_i32gather_epi32, _mm256_movemask_ps,
    _mm256_mullo_epi32, _mm256_or_si256, _mm256_set1_epi8, _mm256_set1_epi32, _mm256_setr_epi8,
    _mm256_shuffle_epi8, _mm256_slli_epi32, _mm256_srl_epi32, _mm256_srli_epi32, _mm256_srlv_epi32,
    _mm256_xor_si256,
};

/// The filter's shape, as the scalar loop uses it, for a position whose folded bytes are
/// `gram` (four, little-endian) then `next` (the four after): it passes when the 32-bit word
/// `(gram * multiplier) >> shift` of `table` has bit `(f ^ f >> 4) % 16` set, `f` being
/// `next`'s low byte, or bit `16 + (next * multiplier_high) >> 28`; or when `gram`'s low three
/// bytes are one of `threes`; or, with `pairs`, when bit `gram % 2^16` of `pairs` (little-endian
/// bit order over `u64` words) is set.
pub(in crate::engine) struct Filter<'a> {
    pub table: &'a [u32],
    pub threes: &'a [u32],
    pub multiplier: u32,
    pub multiplier_high: u32,
    pub shift: u32,
    pub pairs: Option<&'a [u64; (1 << 16) / 64]>,
}

use super::THREES;

/// Whether this processor can run [`scan`].
pub(in crate::engine) fn available() -> bool {
    std::arch::is_x86_feature_detected!("avx2")
}

/// Calls `candidate(at)`, in increasing order, for every position `at` from `start` that
/// passes the filter, sixteen positions per step while a whole step fits below `end` and its
/// 28 bytes of reading fit in `hay`. Returns the first position it did not look at, where the
/// scalar loop takes over. Does nothing (returns `start`) when the processor lacks AVX2, the
/// table is smaller than the hash's range or there are more than sixteen three-byte keys.
pub(in crate::engine) fn scan(
    filter: &Filter<'_>,
    hay: &[u8],
    start: usize,
    end: usize,
    candidate: impl FnMut(usize),
) -> usize {
    let words = 1u64
        .checked_shl(32u32.saturating_sub(filter.shift))
        .unwrap_or(u64::MAX);
    if !available()
        || filter.shift == 0
        || (filter.table.len() as u64) < words
        || filter.threes.len() > THREES
    {
        return start;
    }
    // SAFETY: the processor has AVX2 (checked just above), which is all `scan_avx2` requires.
    unsafe { scan_avx2(filter, hay, start, end, candidate) }
}

/// [`scan`]'s loop. The caller guarantees AVX2, a table of at least `2^(32 - shift)` words and
/// at most [`THREES`] three-byte keys.
#[target_feature(enable = "avx2")]
fn scan_avx2(
    filter: &Filter<'_>,
    hay: &[u8],
    start: usize,
    end: usize,
    mut candidate: impl FnMut(usize),
) -> usize {
    // Lane 0 builds the grams at offsets 0..4 of a 16-byte load, lane 1 those at 4..8 (both
    // lanes hold the same 16 bytes): eight little-endian 32-bit grams.
    #[rustfmt::skip]
    let grams = _mm256_setr_epi8(
        0, 1, 2, 3, 1, 2, 3, 4, 2, 3, 4, 5, 3, 4, 5, 6,
        4, 5, 6, 7, 5, 6, 7, 8, 6, 7, 8, 9, 7, 8, 9, 10,
    );
    let fold = _mm256_set1_epi8(0x20);
    let multiplier = _mm256_set1_epi32(filter.multiplier as i32);
    let multiplier_high = _mm256_set1_epi32(filter.multiplier_high as i32);
    let shift = _mm_cvtsi32_si128(filter.shift as i32);
    let low4 = _mm256_set1_epi32(15);
    let high = _mm256_set1_epi32(16);
    let low3 = _mm256_set1_epi32(0xFF_FFFF);
    let pair_mask = _mm256_set1_epi32(0xFFFF);
    let low5 = _mm256_set1_epi32(31);
    let table = filter.table.as_ptr().cast::<i32>();
    let mut threes = [_mm256_set1_epi32(0); THREES];
    for (key, &three) in threes.iter_mut().zip(filter.threes) {
        *key = _mm256_set1_epi32(three as i32);
    }
    let threes = &threes[..filter.threes.len()];
    // The folded four-byte grams of the eight positions from `at`.
    let grams_at = |at: usize| {
        // SAFETY: the loop below reads from a step's `at` to `at + 12` (two tests of eight
        // positions, each reading the grams at its position and four after), and runs only
        // while `at + 28 <= hay.len()`, so the 16 bytes read here are inside `hay`;
        // `_mm_loadu_si128` has no alignment requirement.
        let bytes = unsafe { _mm_loadu_si128(hay.as_ptr().add(at).cast()) };
        _mm256_or_si256(
            _mm256_shuffle_epi8(_mm256_broadcastsi128_si256(bytes), grams),
            fold,
        )
    };
    // The eight positions' tests as the low byte of a mask.
    let test = |at: usize| -> u32 {
        let gram = grams_at(at);
        let next = grams_at(at + 4);
        let word = _mm256_srl_epi32(_mm256_mullo_epi32(gram, multiplier), shift);
        // SAFETY: `word` holds 32-bit values shifted right by `shift`, below
        // `2^(32 - shift)`, and `scan` checked the table holds that many words.
        let words = unsafe { _mm256_i32gather_epi32::<4>(table, word) };
        let fifth = _mm256_and_si256(next, _mm256_set1_epi32(0xFF));
        let low = _mm256_and_si256(_mm256_xor_si256(fifth, _mm256_srli_epi32::<4>(fifth)), low4);
        let high_bit = _mm256_or_si256(
            high,
            _mm256_srli_epi32::<28>(_mm256_mullo_epi32(next, multiplier_high)),
        );
        let mut hit = _mm256_or_si256(
            _mm256_srlv_epi32(words, low),
            _mm256_srlv_epi32(words, high_bit),
        );
        let three = _mm256_and_si256(gram, low3);
        for &key in threes {
            hit = _mm256_or_si256(hit, _mm256_cmpeq_epi32(three, key));
        }
        if let Some(pairs) = filter.pairs {
            let pair = _mm256_and_si256(gram, pair_mask);
            // SAFETY: `pair < 2^16` and the pair table holds 2^16 bits, so the 32-bit word
            // `pair >> 5` is inside it.
            let words = unsafe {
                _mm256_i32gather_epi32::<4>(
                    pairs.as_ptr().cast::<i32>(),
                    _mm256_srli_epi32::<5>(pair),
                )
            };
            hit = _mm256_or_si256(hit, _mm256_srlv_epi32(words, _mm256_and_si256(pair, low5)));
        }
        _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_slli_epi32::<31>(hit))) as u32
    };
    let mut at = start;
    while at + 16 <= end && at + 28 <= hay.len() {
        let mut hits = test(at) | test(at + 8) << 8;
        while hits != 0 {
            candidate(at + hits.trailing_zeros() as usize);
            hits &= hits - 1;
        }
        at += 16;
    }
    at
}
