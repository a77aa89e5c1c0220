//! Offline token checks: formats that carry their own integrity check let us reject look-alikes
//! without any network call.

use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Validator {
    /// `PREFIX_` + 30 base62 chars + 6 base62 chars of CRC-32 over those 30 (GitHub, npm).
    GithubChecksum,
    /// A JWT whose header segment decodes to a JSON object with an `alg`.
    Jwt,
}

impl Validator {
    pub fn accepts(self, secret: &[u8]) -> bool {
        match self {
            Validator::GithubChecksum => github_checksum_ok(secret),
            Validator::Jwt => jwt_header_ok(secret),
        }
    }
}

const BASE62_UPPER_FIRST: &[u8; 62] =
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const BASE62_LOWER_FIRST: &[u8; 62] =
    b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

fn base62_6(mut n: u32, alphabet: &[u8; 62]) -> [u8; 6] {
    let mut out = [b'0'; 6];
    for slot in out.iter_mut().rev() {
        *slot = alphabet[(n % 62) as usize];
        n /= 62;
    }
    out
}

/// The 6-character checksum GitHub and npm append to a token's 30 random characters
/// (CRC-32, base62, digits then upper then lower case). Public so tests and tools can build
/// well-formed tokens from the documented format.
pub fn base62_checksum(random: &[u8]) -> String {
    String::from_utf8_lossy(&base62_6(crc32(random), BASE62_UPPER_FIRST)).into_owned()
}

/// The body after the last `_` must be 36 base62 chars: 30 random + 6 checksum. Published
/// descriptions disagree on the base62 digit order, so both orders are accepted; a random
/// string still passes with probability about 2 in 62^6.
fn github_checksum_ok(secret: &[u8]) -> bool {
    let body = match secret.iter().rposition(|&b| b == b'_') {
        Some(i) => &secret[i + 1..],
        None => secret,
    };
    if body.len() != 36 || !body.iter().all(u8::is_ascii_alphanumeric) {
        return false;
    }
    let (random, check) = body.split_at(30);
    let crc = crc32(random);
    check == base62_6(crc, BASE62_UPPER_FIRST) || check == base62_6(crc, BASE62_LOWER_FIRST)
}

/// CRC-32 (IEEE, as zlib computes it). Small enough that a dependency would not earn its keep.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

fn jwt_header_ok(secret: &[u8]) -> bool {
    let header = match secret.split(|&b| b == b'.').next() {
        Some(h) if !h.is_empty() => h,
        _ => return false,
    };
    let Some(decoded) = base64url_decode(header) else {
        return false;
    };
    match serde_json::from_slice::<serde_json::Value>(&decoded) {
        Ok(serde_json::Value::Object(map)) => map.contains_key("alg"),
        _ => false,
    }
}

/// Decodes base64url (or standard base64) without padding checks; `None` on a foreign byte.
pub fn base64url_decode(input: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(input.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for &c in input {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            b'=' => break,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn make_token(prefix: &str, random: &str) -> String {
        let check = base62_6(crc32(random.as_bytes()), BASE62_UPPER_FIRST);
        format!("{prefix}{random}{}", std::str::from_utf8(&check).unwrap())
    }

    #[test]
    fn crc32_matches_zlib() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn github_checksum_accepts_well_formed_and_rejects_a_flipped_char() {
        let token = make_token("ghp_", "aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC2");
        assert!(Validator::GithubChecksum.accepts(token.as_bytes()));
        let mut bad = token.into_bytes();
        bad[10] = if bad[10] == b'x' { b'y' } else { b'x' };
        assert!(!Validator::GithubChecksum.accepts(&bad));
    }

    #[test]
    fn jwt_needs_json_header_with_alg() {
        // {"alg":"HS256","typ":"JWT"}
        let good = b"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIn0.c2ln";
        assert!(Validator::Jwt.accepts(good));
        assert!(!Validator::Jwt.accepts(b"eyJub3Rqc29u.eyJzdWIiOiIxIn0.c2ln"));
    }
}
