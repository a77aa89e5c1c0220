//! Offline token checks: formats that carry their own integrity check or embedded structure let
//! us reject look-alikes, and say more about a token, without any network call.
//!
//! A check answers with a [`Verdict`] (or rejects the match): whether the structure proved the
//! token well formed (the finding's confidence is then *validated*), the severity the token's
//! own content calls for (a JWT's role, an encrypted key, a temporary AWS key), and facts read
//! from it for the message (issuer, role, expiry, account id, cipher). Never the token itself.

mod jwt;

use crate::finding::Severity;
use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Validator {
    /// `PREFIX_` + 30 base62 chars + 6 base62 chars of CRC-32 over those 30 (GitHub, npm).
    GithubChecksum,
    /// A JWT whose header segment decodes to a JSON object with an `alg`; its claims set the
    /// severity (role, scope, expiry) and the message (issuer, role).
    Jwt,
    /// An AWS access key id: the account id it encodes goes in the message; a temporary
    /// (`ASIA`) key is rated one level lower. Reads, never rejects: the id has no checksum.
    AwsKeyId,
    /// A PyPI token: `pypi-` + a base64url macaroon (version 2 binary format) whose location
    /// names the index (`pypi.org`, `test.pypi.org`), whole up to its 32-byte signature.
    PypiMacaroon,
    /// An OpenSSH private key block: the body decodes to `openssh-key-v1` and names its cipher;
    /// a key encrypted with a passphrase is rated medium.
    OpensshKey,
    /// A bech32 string (age secret keys) whose checksum holds.
    Bech32,
    /// An OpenAI key carrying the `T3BlbkFJ` marker (base64 of "OpenAI"): validated when it
    /// does, still reported when it does not (the marker is not documented for every kind).
    OpenaiMarker,
}

/// What an offline check says about a token that passed it. See the module documentation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verdict {
    /// The structure proved the token well formed (a checksum, a decoded header or body), so
    /// the finding is *validated*; `false` when the check only read facts from it.
    pub validated: bool,
    /// The severity the token's content calls for, instead of the rule's.
    pub severity: Option<Severity>,
    /// Levels below that (an expired token, a temporary credential).
    pub lowered: u8,
    /// Publishable by design (a Supabase `anon` key): informational.
    pub publishable: bool,
    /// Facts read from the token for the reader; never the token or an encoding of it.
    pub message: Option<String>,
}

impl Verdict {
    fn validated() -> Verdict {
        Verdict {
            validated: true,
            ..Verdict::default()
        }
    }

    /// The severity of a finding whose rule (and place) says `severity`.
    pub fn severity(&self, severity: Severity) -> Severity {
        self.severity.unwrap_or(severity).lowered(self.lowered)
    }
}

impl Validator {
    /// The name rules files use for it.
    pub fn name(self) -> &'static str {
        match self {
            Validator::GithubChecksum => "github-checksum",
            Validator::Jwt => "jwt",
            Validator::AwsKeyId => "aws-key-id",
            Validator::PypiMacaroon => "pypi-macaroon",
            Validator::OpensshKey => "openssh-key",
            Validator::Bech32 => "bech32",
            Validator::OpenaiMarker => "openai-marker",
        }
    }

    /// Whether `secret` passes the check (the engine drops a match that does not).
    /// The same answer as [`Validator::check`], without reading what only the verdict needs
    /// (a JWT's claims): this runs on every candidate, the verdict only on findings.
    pub fn accepts(self, secret: &[u8]) -> bool {
        match self {
            Validator::Jwt => jwt::header_ok(secret),
            _ => self.check(secret, 0).is_some(),
        }
    }

    /// The verdict on `secret`, judged at `now` (seconds since the Unix epoch: a JWT's expiry
    /// is compared with it); `None` when the token fails the check.
    pub fn check(self, secret: &[u8], now: i64) -> Option<Verdict> {
        match self {
            Validator::GithubChecksum => github_checksum_ok(secret).then(Verdict::validated),
            Validator::Jwt => jwt::verdict(secret, now),
            Validator::AwsKeyId => Some(aws_key_id(secret)),
            Validator::PypiMacaroon => pypi_macaroon(secret),
            Validator::OpensshKey => openssh_key(secret),
            Validator::Bech32 => bech32_ok(secret).then(Verdict::validated),
            Validator::OpenaiMarker => Some(Verdict {
                validated: memchr::memmem::find(secret, b"T3BlbkFJ").is_some(),
                ..Verdict::default()
            }),
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

/// The base32 alphabet of AWS key ids (RFC 4648).
const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// An AWS access key id read: `AKIA` (long-term), `ASIA` (temporary, from STS: rated one level
/// lower), and the account id newer ids carry in bits 1-40 of their base32 body (bit 0 set
/// marks such an id). Published analyses of the format: Aidan Steele, "AWS Access Key ID
/// formats" (2020); WithSecure Labs, "A bitwise analysis of AWS access key identifiers".
fn aws_key_id(secret: &[u8]) -> Verdict {
    let mut verdict = Verdict::default();
    let mut notes = Vec::new();
    if secret.starts_with(b"ASIA") {
        verdict.lowered = 1;
        notes.push("a temporary (STS) key id: it expires, so it is rated one level lower".into());
    }
    let values: Option<Vec<u64>> = secret
        .get(4..16)
        .map(|body| {
            body.iter()
                .map(|c| BASE32.iter().position(|a| a == c).map(|v| v as u64))
                .collect()
        })
        .unwrap_or(None);
    if let Some(values) = values {
        // The first 60 bits of the body, most significant first.
        let bits = values.iter().fold(0u64, |acc, &v| acc << 5 | v);
        if bits >> 59 == 1 {
            let account = (bits >> 19) & ((1 << 40) - 1);
            notes.push(format!("AWS account {account:012}"));
        }
    }
    if !notes.is_empty() {
        notes.reverse();
        verdict.message = Some(format!("{}.", capitalised(&notes.join("; "))));
    }
    verdict
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A PyPI token: `pypi-` then a macaroon in the version 2 binary format (libmacaroons'
/// "format version 2": a version byte 2, then fields of a type byte, a varint length and the
/// data; a location (1) and identifier (2) closed by an end-of-section (0), caveat sections
/// each closed by 0, a closing 0, and a 32-byte signature (6)). The location names the index;
/// a TestPyPI token is rated lower by its own rule. Rejects a token cut short or padded.
fn pypi_macaroon(secret: &[u8]) -> Option<Verdict> {
    let body = secret.strip_prefix(b"pypi-")?;
    let bytes = base64url_decode(body)?;
    let (&version, mut rest) = bytes.split_first()?;
    if version != 2 {
        return None;
    }
    let field = |rest: &mut &[u8]| -> Option<(u8, Vec<u8>)> {
        let (&kind, tail) = rest.split_first()?;
        if kind == 0 {
            *rest = tail;
            return Some((0, Vec::new()));
        }
        let (len, tail) = varint(tail)?;
        let len = usize::try_from(len).ok()?;
        let data = tail.get(..len)?.to_vec();
        *rest = &tail[len..];
        Some((kind, data))
    };
    let (kind, location) = field(&mut rest)?;
    if kind != 1 || !location.ends_with(b"pypi.org") {
        return None;
    }
    if field(&mut rest)?.0 != 2 || field(&mut rest)?.0 != 0 {
        return None;
    }
    // Caveat sections, each closed by an end-of-section; an empty section ends the list.
    loop {
        let (kind, _) = field(&mut rest)?;
        if kind == 0 {
            break;
        }
        while field(&mut rest)?.0 != 0 {}
    }
    let (kind, signature) = field(&mut rest)?;
    (kind == 6 && signature.len() == 32 && rest.is_empty()).then(Verdict::validated)
}

/// An unsigned LEB128 varint (at most 9 bytes, as a length never needs more).
fn varint(bytes: &[u8]) -> Option<(u64, &[u8])> {
    let mut value = 0u64;
    for (i, &b) in bytes.iter().enumerate().take(9) {
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some((value, &bytes[i + 1..]));
        }
    }
    None
}

/// An OpenSSH private key block (PROTOCOL.key in OpenSSH's sources: `openssh-key-v1\0`, then
/// the cipher name and the KDF name as length-prefixed strings). `none` is a plain key, the
/// rule's severity; any cipher means a passphrase protects it: medium.
fn openssh_key(secret: &[u8]) -> Option<Verdict> {
    let bytes = pem_body_prefix(secret, 160)?;
    let rest = bytes.strip_prefix(b"openssh-key-v1\0")?;
    let (cipher, rest) = ssh_string(rest)?;
    let (kdf, _) = ssh_string(rest)?;
    let printable = |s: &[u8]| !s.is_empty() && s.iter().all(|b| b.is_ascii_graphic());
    if !printable(cipher) || !printable(kdf) {
        return None;
    }
    let mut verdict = Verdict::validated();
    if cipher != b"none" {
        verdict.severity = Some(Severity::Medium);
        verdict.message = Some(format!(
            "Encrypted with {} (key derivation {}): it is as safe as its passphrase.",
            String::from_utf8_lossy(cipher),
            String::from_utf8_lossy(kdf)
        ));
    }
    Some(verdict)
}

/// A big-endian u32 length, then that many bytes (at most 64: names, not data).
fn ssh_string(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let len = u32::from_be_bytes(bytes.get(..4)?.try_into().ok()?) as usize;
    if len > 64 {
        return None;
    }
    let value = bytes.get(4..4 + len)?;
    Some((value, &bytes[4 + len..]))
}

/// The first bytes (about `want`) of a PEM block's decoded body: after the `-----BEGIN ...-----`
/// line, skipping whitespace and the literal `\n`/`\r` escapes a key pasted into JSON or an env
/// file carries.
fn pem_body_prefix(block: &[u8], want: usize) -> Option<Vec<u8>> {
    let begin = memchr::memmem::find(block, b"-----BEGIN ")?;
    let after = begin + memchr::memmem::find(&block[begin + 11..], b"-----")? + 11 + 5;
    let mut base64 = Vec::with_capacity(want * 4 / 3 + 4);
    let mut bytes = block[after..].iter().peekable();
    while let Some(&b) = bytes.next() {
        match b {
            b'\\' if matches!(bytes.peek(), Some(b'n' | b'r')) => {
                bytes.next();
            }
            b if b.is_ascii_whitespace() => {}
            b'-' => break,
            b => base64.push(b),
        }
        if base64.len() >= want * 4 / 3 {
            break;
        }
    }
    base64.truncate(base64.len() / 4 * 4);
    base64url_decode(&base64)
}

/// The bech32 charset (BIP 173), in value order.
const BECH32: &[u8; 32] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";

/// Whether `text` (a human-readable part, `1`, data and a 6-character checksum; one case) is
/// bech32 whose checksum holds (BIP 173's polymod). age keys are bech32 with the part
/// `age-secret-key-` (age's specification, "Encoding").
fn bech32_ok(text: &[u8]) -> bool {
    let upper = text.iter().any(u8::is_ascii_uppercase);
    if upper && text.iter().any(u8::is_ascii_lowercase) {
        return false;
    }
    let lower = text.to_ascii_lowercase();
    let Some(sep) = lower.iter().rposition(|&b| b == b'1') else {
        return false;
    };
    let (hrp, data) = (&lower[..sep], &lower[sep + 1..]);
    if hrp.is_empty() || data.len() < 6 || !hrp.iter().all(|b| (33..=126).contains(b)) {
        return false;
    }
    let Some(values) = data
        .iter()
        .map(|c| BECH32.iter().position(|a| a == c).map(|v| v as u32))
        .collect::<Option<Vec<u32>>>()
    else {
        return false;
    };
    let expanded = hrp
        .iter()
        .map(|&c| u32::from(c) >> 5)
        .chain([0])
        .chain(hrp.iter().map(|&c| u32::from(c) & 31));
    bech32_polymod(expanded.chain(values)) == 1
}

fn bech32_polymod(values: impl Iterator<Item = u32>) -> u32 {
    const GENERATOR: [u32; 5] = [
        0x3b6a_57b2,
        0x2650_8e6d,
        0x1ea1_19fa,
        0x3d42_33dd,
        0x2a14_62b3,
    ];
    let mut check = 1u32;
    for v in values {
        let top = check >> 25;
        check = ((check & 0x1ff_ffff) << 5) ^ v;
        for (i, g) in GENERATOR.iter().enumerate() {
            if (top >> i) & 1 == 1 {
                check ^= g;
            }
        }
    }
    check
}

/// A bech32 string for `hrp` and 5-bit `data`, with its checksum: for tests and tools that
/// build well-formed age keys from the format.
pub fn bech32_encode(hrp: &str, data: &[u8]) -> String {
    let hrp = hrp.to_ascii_lowercase();
    let values: Vec<u32> = data.iter().map(|&v| u32::from(v & 31)).collect();
    let expanded: Vec<u32> = hrp
        .bytes()
        .map(|c| u32::from(c) >> 5)
        .chain([0])
        .chain(hrp.bytes().map(|c| u32::from(c) & 31))
        .collect();
    let polymod = bech32_polymod(
        expanded
            .iter()
            .copied()
            .chain(values.iter().copied())
            .chain([0; 6]),
    ) ^ 1;
    let mut out = format!("{hrp}1");
    for v in values
        .iter()
        .copied()
        .chain((0..6).map(|i| (polymod >> (5 * (5 - i))) & 31))
    {
        out.push(BECH32[v as usize] as char);
    }
    out
}

/// Encodes `bytes` as unpadded base64 (`url`: the base64url alphabet). Public so tests and
/// tools can build well-formed tokens (JWTs, macaroons, key bodies) from their documented format.
pub fn base64_encode(bytes: &[u8], url: bool) -> String {
    let alphabet: &[u8; 64] = if url {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    } else {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    };
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n =
            chunk.iter().fold(0u32, |acc, &b| acc << 8 | u32::from(b)) << (8 * (3 - chunk.len()));
        for i in 0..=chunk.len() {
            out.push(char::from(alphabet[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    out
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
    fn base64_round_trips() {
        for len in 0..20u8 {
            let bytes: Vec<u8> = (0..len).map(|i| i.wrapping_mul(97) ^ 0xf3).collect();
            for url in [true, false] {
                let text = base64_encode(&bytes, url);
                assert_eq!(base64url_decode(text.as_bytes()), Some(bytes.clone()));
            }
        }
        assert_eq!(
            base64_encode(b"openssh-key-v1", false),
            "b3BlbnNzaC1rZXktdjE"
        );
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

    fn b64(bytes: &[u8], url: bool) -> String {
        base64_encode(bytes, url)
    }
    const URL: bool = true;
    const STD: bool = false;

    #[test]
    fn npm_tokens_share_the_github_checksum() {
        let token = make_token("npm_", "Zx8Qw2Lm5Np7Rt9Vb3Cd6Fg1Hj4Kk0");
        assert!(Validator::GithubChecksum.accepts(token.as_bytes()));
        assert!(!Validator::GithubChecksum.accepts(&token.as_bytes()[..token.len() - 1]));
        let mut bad = token.clone().into_bytes();
        let last = bad.len() - 1;
        bad[last] = if bad[last] == b'A' { b'B' } else { b'A' };
        assert!(!Validator::GithubChecksum.accepts(&bad));
    }

    #[test]
    fn an_aws_key_id_names_its_account_and_a_temporary_one_is_lower() {
        // The published example decodes to 609629065308.
        let v = Validator::AwsKeyId
            .check(b"ASIAY34FZKBOKMUTVV7A", 0)
            .expect("never rejects");
        assert!(!v.validated, "no checksum to validate");
        assert_eq!(v.severity(Severity::Critical), Severity::High);
        let message = v.message.expect("account and kind");
        assert!(
            message.starts_with("AWS account 609629065308;"),
            "{message}"
        );
        assert!(message.contains("temporary"), "{message}");
        let long_term = Validator::AwsKeyId
            .check(b"AKIAY34FZKBOKMUTVV7A", 0)
            .unwrap();
        assert_eq!(long_term.severity(Severity::Critical), Severity::Critical);
        assert_eq!(
            long_term.message.as_deref(),
            Some("AWS account 609629065308.")
        );
        // An older id (first body character below `Q`) carries no account id.
        let old = Validator::AwsKeyId
            .check(b"AKIAIOSFODNN7ABCDEFG", 0)
            .unwrap();
        assert_eq!(old.message, None);
        // Short or foreign input: read what can be read, never a panic.
        assert!(Validator::AwsKeyId.check(b"AKIA", 0).is_some());
        assert_eq!(
            Validator::AwsKeyId
                .check(b"AKIA0000000000000000", 0)
                .unwrap()
                .message,
            None
        );
    }

    /// A PyPI token in the documented macaroon format, for `location`.
    pub(crate) fn pypi_token(location: &str, caveats: &[&str]) -> String {
        let mut m = vec![2u8, 1, location.len() as u8];
        m.extend(location.as_bytes());
        let id = b"\x0a\x10identifier-bytes";
        m.extend([2, id.len() as u8]);
        m.extend(id);
        m.push(0);
        for caveat in caveats {
            m.extend([4, caveat.len() as u8]);
            m.extend(caveat.as_bytes());
            m.push(0);
        }
        m.push(0);
        m.extend([6, 32]);
        m.extend((0..32u8).map(|i| i.wrapping_mul(73) ^ 0xa5));
        format!("pypi-{}", b64(&m, URL))
    }

    #[test]
    fn a_pypi_token_is_a_whole_macaroon_for_the_index() {
        let good = pypi_token("pypi.org", &[r#"{"version": 1, "permissions": "user"}"#]);
        assert!(good.starts_with("pypi-AgEIcHlwaS5vcmc"), "{good}");
        assert!(Validator::PypiMacaroon.accepts(good.as_bytes()));
        let test = pypi_token("test.pypi.org", &[]);
        assert!(test.starts_with("pypi-AgENdGVzdC5weXBpLm9yZw"), "{test}");
        assert!(Validator::PypiMacaroon.accepts(test.as_bytes()));
        // Cut short (the signature incomplete), padded, another location, not base64.
        assert!(!Validator::PypiMacaroon.accepts(&good.as_bytes()[..good.len() - 4]));
        assert!(!Validator::PypiMacaroon.accepts(format!("{good}AAAA").as_bytes()));
        assert!(!Validator::PypiMacaroon.accepts(pypi_token("evil.org", &[]).as_bytes()));
        assert!(!Validator::PypiMacaroon.accepts(b"pypi-AgEIcHlwaS5vcmc!!!"));
        assert!(!Validator::PypiMacaroon.accepts(b"pypi-"));
        // A huge varint length does not overflow or allocate.
        assert!(
            !Validator::PypiMacaroon.accepts(
                format!(
                    "pypi-{}",
                    b64(
                        &[2, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f],
                        URL
                    )
                )
                .as_bytes()
            )
        );
    }

    /// An OpenSSH key block whose body names `cipher`, with `escaped` literal `\n` line ends.
    pub(crate) fn openssh_block(cipher: &str, escaped: bool) -> String {
        let mut body = b"openssh-key-v1\0".to_vec();
        for name in [cipher, if cipher == "none" { "none" } else { "bcrypt" }] {
            body.extend((name.len() as u32).to_be_bytes());
            body.extend(name.as_bytes());
        }
        body.extend((0..120u8).map(|i| i.wrapping_mul(151) ^ 0x3c));
        let text = b64(&body, STD);
        let nl = if escaped { "\\n" } else { "\n" };
        let lines: Vec<&str> = text
            .as_bytes()
            .chunks(70)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        format!(
            "-----BEGIN OPENSSH PRIVATE KEY-----{nl}{}{nl}-----END OPENSSH PRIVATE KEY-----",
            lines.join(nl)
        )
    }

    #[test]
    fn an_openssh_key_says_whether_a_passphrase_protects_it() {
        for escaped in [false, true] {
            let plain = Validator::OpensshKey
                .check(openssh_block("none", escaped).as_bytes(), 0)
                .expect("a key");
            assert!(plain.validated);
            assert_eq!(plain.severity(Severity::Critical), Severity::Critical);
            let encrypted = Validator::OpensshKey
                .check(openssh_block("aes256-ctr", escaped).as_bytes(), 0)
                .expect("a key");
            assert_eq!(encrypted.severity(Severity::Critical), Severity::Medium);
            let message = encrypted.message.expect("says encrypted");
            assert!(message.contains("Encrypted with aes256-ctr"), "{message}");
        }
        // Not the magic, or a cipher name that is not a name.
        let other =
            openssh_block("none", false).replace("b3BlbnNzaC1rZXktdjE", "b3BlbnNzaC1rZXktdjI");
        assert!(!Validator::OpensshKey.accepts(other.as_bytes()));
        assert!(!Validator::OpensshKey.accepts(openssh_block("", false).as_bytes()));
        assert!(!Validator::OpensshKey.accepts(b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn"));
        assert!(!Validator::OpensshKey.accepts(b"-----BEGIN "));
    }

    #[test]
    fn bech32_checksums_hold_and_a_changed_character_breaks_them() {
        let data: Vec<u8> = (0..52u8).map(|i| i.wrapping_mul(7) % 32).collect();
        let key = bech32_encode("age-secret-key-", &data).to_ascii_uppercase();
        assert!(
            key.starts_with("AGE-SECRET-KEY-1") && key.len() == 74,
            "{key}"
        );
        assert!(Validator::Bech32.accepts(key.as_bytes()));
        assert!(Validator::Bech32.accepts(key.to_ascii_lowercase().as_bytes()));
        let mut bad = key.clone().into_bytes();
        bad[30] = if bad[30] == b'Q' { b'P' } else { b'Q' };
        assert!(!Validator::Bech32.accepts(&bad));
        assert!(!Validator::Bech32.accepts(&key.as_bytes()[..key.len() - 1]));
        let mixed = format!("{}{}", &key[..20], key[20..].to_ascii_lowercase());
        assert!(!Validator::Bech32.accepts(mixed.as_bytes()));
        assert!(!Validator::Bech32.accepts(b"AGE-SECRET-KEY-1BOI"));
        assert!(!Validator::Bech32.accepts(b"1qqqqqq"));
    }

    #[test]
    fn an_openai_key_with_its_marker_is_validated_and_one_without_is_still_reported() {
        let with = Validator::OpenaiMarker
            .check(b"sk-proj-abcT3BlbkFJxyz", 0)
            .unwrap();
        assert!(with.validated);
        let without = Validator::OpenaiMarker
            .check(b"sk-proj-abcdefghijklmn", 0)
            .unwrap();
        assert!(!without.validated);
    }

    #[test]
    fn jwt_needs_json_header_with_alg() {
        // {"alg":"HS256","typ":"JWT"}
        let good = b"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIn0.c2ln";
        assert!(Validator::Jwt.accepts(good));
        assert!(!Validator::Jwt.accepts(b"eyJub3Rqc29u.eyJzdWIiOiIxIn0.c2ln"));
    }
}
