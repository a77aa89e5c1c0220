//! Test-only helpers shared by the rules' and the engine's unit tests.

/// `n` characters of `alphabet` from `seed` (xorshift): values in a provider's documented
/// format that nobody wrote, so no test string is a real credential and every run sees the same.
pub(crate) fn random(seed: u64, alphabet: &[u8], n: usize) -> String {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            char::from(alphabet[(state % alphabet.len() as u64) as usize])
        })
        .collect()
}
