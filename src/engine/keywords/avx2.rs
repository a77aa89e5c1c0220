//! The keyword filter's vector pass (x86_64 AVX2): the same test as the scalar loop in
//! [`super`], sixteen positions at a time, for the text without keywords that is almost all
//! text.
//!
//! For each position the scalar loop folds the four bytes starting there and the four after
//! them (`| 0x20`), hashes the first four and all eight by multiply-shift and tests one bit of
//! each of two 32 KiB tables (and, when one- or two-byte keywords exist, one bit of the pair
//! table). Here the grams of eight positions are built from a 16-byte load by one byte
//! shuffle, folded, hashed with 32-bit multiplies, and their bits fetched with gathers from
//! the same tables: the candidates are
//! exactly the scalar loop's, position for position, so what happens to a candidate (the exact
//! comparison) does not depend on which loop found it. The property tests run both loops
//! against Aho-Corasick.
//!
//! This is the crate's only `unsafe`: the intrinsics that read memory (unaligned loads, the
//! gather) and the calls into the `avx2` functions, made only after the processor said it has
//! AVX2. Each block says why its reads stay inside the slices it was given.

use std::arch::x86_64::{
    _mm_cvtsi32_si128, _mm_loadu_si128, _mm256_and_si256, _mm256_broadcastsi128_si256,
    _mm256_castsi256_ps, _mm256_i32gather_epi32, _mm256_movemask_ps, _mm256_mullo_epi32,
    _mm256_or_si256, _mm256_set1_epi8, _mm256_set1_epi32, _mm256_setr_epi8, _mm256_shuffle_epi8,
    _mm256_slli_epi32, _mm256_srl_epi32, _mm256_srli_epi32, _mm256_srlv_epi32, _mm256_xor_si256,
};

/// The filter's shape, as the scalar loop uses it, for a position whose folded bytes are
/// `gram` (four, little-endian) then `next` (the four after): `(gram * multiplier) >> shift`
/// indexes `table` (little-endian bit order over `u64` words), `(gram * multiplier ^ next *
/// multiplier_high) >> shift` indexes `wide`, and `pairs`, when present, is indexed by the
/// gram's low two bytes.
pub(in crate::engine) struct Filter<'a> {
    pub table: &'a [u64],
    pub wide: &'a [u64],
    pub multiplier: u32,
    pub multiplier_high: u32,
    pub shift: u32,
    pub pairs: Option<&'a [u64; (1 << 16) / 64]>,
}

/// Whether this processor can run [`scan`].
pub(in crate::engine) fn available() -> bool {
    std::arch::is_x86_feature_detected!("avx2")
}

/// Calls `candidate(at)`, in increasing order, for every position `at` from `start` whose
/// folded four bytes set a bit of the filter, sixteen positions per step while a whole step
/// fits below `end` and its 28 bytes of reading fit in `hay`. Returns the first position it
/// did not look at, where the scalar loop takes over. Does nothing (returns `start`) when the
/// processor lacks AVX2 or a table is smaller than the hash's range.
pub(in crate::engine) fn scan(
    filter: &Filter<'_>,
    hay: &[u8],
    start: usize,
    end: usize,
    candidate: impl FnMut(usize),
) -> usize {
    let bits = 1u64
        .checked_shl(32u32.saturating_sub(filter.shift))
        .unwrap_or(0);
    let short = |table: &[u64]| (table.len() as u64) * 64 < bits;
    if !available() || filter.shift == 0 || short(filter.table) || short(filter.wide) {
        return start;
    }
    // SAFETY: the processor has AVX2 (checked just above), which is all `scan_avx2` requires.
    unsafe { scan_avx2(filter, hay, start, end, candidate) }
}

/// [`scan`]'s loop. The caller guarantees AVX2 and tables of at least `2^(32 - shift)` bits.
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
    let low5 = _mm256_set1_epi32(31);
    let pair_mask = _mm256_set1_epi32(0xFFFF);
    let (table, wide) = (filter.table.as_ptr().cast::<i32>(), filter.wide.as_ptr());
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
    // The eight positions' filter bits (and pair bits) as the low byte of a mask.
    let test = |at: usize| -> u32 {
        let gram = grams_at(at);
        let hashed = _mm256_mullo_epi32(gram, multiplier);
        let bit = _mm256_srl_epi32(hashed, shift);
        let high = _mm256_mullo_epi32(grams_at(at + 4), multiplier_high);
        let wide_bit = _mm256_srl_epi32(_mm256_xor_si256(hashed, high), shift);
        // SAFETY: `bit` and `wide_bit` are below `2^(32 - shift)` (32-bit values shifted right
        // by `shift`), and `scan` checked both tables hold that many bits, so the 32-bit words
        // `bit >> 5` and `wide_bit >> 5` are inside them.
        let (words, wide_words) = unsafe {
            (
                _mm256_i32gather_epi32::<4>(table, _mm256_srli_epi32::<5>(bit)),
                _mm256_i32gather_epi32::<4>(wide.cast(), _mm256_srli_epi32::<5>(wide_bit)),
            )
        };
        let mut hit = _mm256_or_si256(
            _mm256_srlv_epi32(words, _mm256_and_si256(bit, low5)),
            _mm256_srlv_epi32(wide_words, _mm256_and_si256(wide_bit, low5)),
        );
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
