//! What a variable's name and value say, without knowing which file they came from:
//! placeholders, secret-sounding names, browser-exposed prefixes, hosts inside URLs,
//! live/test payment credentials, randomness. Every function is pure and small so each
//! judgement can be tested on its own and read in one place.
//!
//! Values given here are "masked" ([`super::dotenv::Entry::masked_value`]): references to
//! other variables are replaced by [`REFERENCE_MARK`], and anything touching one is treated
//! as unknown rather than as a secret or a host.

use super::dotenv::REFERENCE_MARK;
use regex::Regex;
use std::ops::Range;
use std::sync::LazyLock;

// ---------------------------------------------------------------------------------------------
// Names (the vocabulary shared with the bundle check lives in `checks::common::names`)
// ---------------------------------------------------------------------------------------------

pub use crate::checks::common::names::{
    DATA_STORE_WORDS, client_prefix, is_client_secret_name, is_secret_name, name_words,
};

/// Names that select the application's own mode, not a provider's.
pub const APP_MODE_KEYS: &[&str] = &[
    "NODE_ENV",
    "APP_ENV",
    "RAILS_ENV",
    "RACK_ENV",
    "FLASK_ENV",
    "DJANGO_ENV",
    "MIX_ENV",
    "GO_ENV",
    "ENV",
    "ENVIRONMENT",
    "APP_ENVIRONMENT",
    "ASPNETCORE_ENVIRONMENT",
    "DOTNET_ENVIRONMENT",
    "PYTHON_ENV",
    "SYMFONY_ENV",
    "APP_MODE",
];

// ---------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------

/// Fragments that mark a value as a placeholder wherever they occur (lower case).
const PLACEHOLDER_FRAGMENTS: &[&str] = &[
    "changeme",
    "change_me",
    "change-me",
    "change_this",
    "change-this",
    "changethis",
    "replaceme",
    "replace_me",
    "replace-me",
    "replace_with",
    "replace-with",
    "your_",
    "your-",
    "your ",
    "yourkey",
    "yoursecret",
    "yourpassword",
    "xxxx",
    "****",
    "...",
    "todo",
    "fixme",
    "placeholder",
    "example",
    "dummy",
    "fake",
    "sample",
    "insert_",
    "insert-",
    "enter_",
    "enter-",
    "enter your",
    "put_your",
    "_here",
    "-here",
    " here",
    "redacted",
    "notset",
    "not_set",
    "not-set",
    "{{",
    "}}",
    "${",
    "<your",
    "<insert",
    "<enter",
    "<replace",
];

/// Whole values that are placeholders (lower case).
const PLACEHOLDER_VALUES: &[&str] = &[
    "secret",
    "password",
    "pass",
    "passwd",
    "token",
    "key",
    "apikey",
    "api_key",
    "test",
    "testing",
    "string",
    "value",
    "none",
    "null",
    "nil",
    "undefined",
    "n/a",
    "na",
    "tbd",
    "foo",
    "bar",
    "baz",
    "foobar",
    "abc",
    "abc123",
    "123",
    "1234",
    "12345",
    "123456",
    "changeit",
    "default",
    "empty",
    "unset",
    "true",
    "false",
    "yes",
    "no",
    "on",
    "off",
];

/// Whether a value is obviously not a real secret: empty, a stock placeholder, one repeated
/// character, punctuation only, or matching the repository's own stopwords.
pub fn is_placeholder(value: &str, stopwords: &[String]) -> bool {
    let v = value.trim().to_ascii_lowercase();
    if v.is_empty() || PLACEHOLDER_VALUES.contains(&v.as_str()) {
        return true;
    }
    if PLACEHOLDER_FRAGMENTS.iter().any(|f| v.contains(f)) {
        return true;
    }
    if stopwords
        .iter()
        .any(|w| !w.is_empty() && v.contains(w.as_str()))
    {
        return true;
    }
    if v.starts_with('<') && v.ends_with('>') {
        return true;
    }
    let first = v.chars().next().unwrap_or(' ');
    if v.chars().all(|c| c == first) {
        return true;
    }
    !v.chars().any(|c| c.is_alphanumeric())
}

/// Whether a masked value touches a reference (and so is not fully known).
pub fn has_reference(value: &str) -> bool {
    value.contains(REFERENCE_MARK)
}

pub fn is_truthy(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "true" | "1" | "yes" | "on" | "y" | "enabled"
    )
}

pub fn is_falsy(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "false" | "0" | "no" | "off" | "n" | "disabled"
    )
}

/// Shannon entropy of a value in bits per byte (the engine's measure, so a rule's `entropy:`
/// floor and this check agree on what looks random).
pub fn shannon(value: &str) -> f64 {
    f64::from(crate::engine::shannon(value.as_bytes()))
}

pub fn looks_random(value: &str) -> bool {
    let v = value.trim();
    if v.len() < 16 || v.len() > 8192 {
        return false;
    }
    if v.chars().any(|c| c.is_whitespace() || c == REFERENCE_MARK) || v.contains("://") {
        return false;
    }
    if v.starts_with('/') || v.starts_with("./") || v.starts_with("~/") {
        return false;
    }
    if looks_like_hostname(v) || (v.contains('@') && v.contains('.')) {
        return false;
    }
    let has_digit = v.chars().any(|c| c.is_ascii_digit());
    let has_alpha = v.chars().any(|c| c.is_ascii_alphabetic());
    has_digit && has_alpha && shannon(v) >= 3.5
}

fn looks_like_hostname(v: &str) -> bool {
    v.contains('.')
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == ':')
        && v.rsplit('.')
            .next()
            .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_alphabetic()) && !tld.is_empty())
}

// ---------------------------------------------------------------------------------------------
// Endpoints: hosts in URLs and in host-valued variables
// ---------------------------------------------------------------------------------------------

/// URL schemes of databases, caches and brokers: a host behind one of these holds data.
const DATA_SCHEMES: &[&str] = &[
    "postgres",
    "postgresql",
    "mysql",
    "mariadb",
    "mongodb",
    "redis",
    "rediss",
    "amqp",
    "amqps",
    "mssql",
    "sqlserver",
    "cockroachdb",
    "clickhouse",
    "neo4j",
    "bolt",
    "cassandra",
    "memcached",
    "couchdb",
    "oracle",
    "db2",
    "nats",
    "kafka",
    "elasticsearch",
    "opensearch",
];

/// Name words that make a variable's value a host (or a list of `host:port`).
const HOST_WORDS: &[&str] = &[
    "HOST", "HOSTNAME", "HOSTS", "SERVER", "SERVERS", "ENDPOINT", "ADDR", "ADDRESS", "URL", "URI",
    "DOMAIN", "ORIGIN", "BROKER", "BROKERS", "NODES", "DSN",
];

/// A host named by a variable, with what we know about how it is used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// Lower case, without brackets or port.
    pub host: String,
    /// A database, cache or broker (by URL scheme or variable name).
    pub data_store: bool,
    /// Inside a `scheme://` URL (as opposed to a bare host value).
    pub in_url: bool,
    /// The URL's password, when it has a literal one.
    pub password: Option<String>,
}

/// Whether a variable sets the address a server listens on (`HOST=0.0.0.0`, `BIND_ADDR`):
/// those are not places production connects to.
pub fn is_listen_key(key: &str) -> bool {
    let words = name_words(key);
    let upper = key.to_ascii_uppercase();
    matches!(upper.as_str(), "HOST" | "HOSTNAME" | "ADDR" | "LISTEN")
        || words.iter().any(|w| w == "BIND" || w == "LISTEN")
        || [
            "SERVER_HOST",
            "HTTP_HOST",
            "APP_HOST",
            "NITRO_HOST",
            "WEB_HOST",
        ]
        .iter()
        .any(|s| upper.ends_with(s))
}

/// Every host a variable points at: hosts inside `scheme://` URLs anywhere in the value, and,
/// for host-named variables (`DB_HOST`, `REDIS_ADDR`, `KAFKA_BROKERS`), the bare value.
pub fn endpoints(key: &str, value: &str) -> Vec<Endpoint> {
    let words = name_words(key);
    let data_name = words.iter().any(|w| DATA_STORE_WORDS.contains(&w.as_str()));
    let mut out = Vec::new();
    let mut search = 0;
    while let Some(found) = value[search..].find("://") {
        let sep = search + found;
        let scheme = scheme_before(value, sep);
        let rest = &value[sep + 3..];
        let authority_len = rest
            .find(|c: char| {
                matches!(c, '/' | '?' | '#' | '"' | '\'' | '<' | '>' | ')') || c.is_whitespace()
            })
            .unwrap_or(rest.len());
        let authority = &rest[..authority_len];
        let data_store = is_data_scheme(&scheme) || data_name;
        let (userinfo, hosts) = match authority.rfind('@') {
            Some(at) => (Some(&authority[..at]), &authority[at + 1..]),
            None => (None, authority),
        };
        let password = userinfo
            .and_then(|u| u.split_once(':'))
            .map(|(_, p)| p)
            .filter(|p| !p.is_empty() && !has_reference(p))
            .map(str::to_string);
        for host in hosts.split(',').filter_map(host_of) {
            out.push(Endpoint {
                host,
                data_store,
                in_url: true,
                password: password.clone(),
            });
        }
        search = sep + 3 + authority_len;
    }
    if out.is_empty() && words.iter().any(|w| HOST_WORDS.contains(&w.as_str())) {
        let bare = value.trim();
        let host_chars = |c: char| {
            c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']' | ',' | '_')
        };
        if !bare.is_empty() && bare.chars().all(host_chars) {
            for host in bare.split(',').filter_map(host_of) {
                out.push(Endpoint {
                    host,
                    data_store: data_name,
                    in_url: false,
                    password: None,
                });
            }
        }
    }
    out
}

fn scheme_before(value: &str, sep: usize) -> String {
    let head = &value[..sep];
    let start = head
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-' | ':')))
        .map_or(0, |i| i + 1);
    head[start..].to_ascii_lowercase()
}

/// `jdbc:postgresql`, `mongodb+srv`, `postgresql+asyncpg` -> their database word.
fn is_data_scheme(scheme: &str) -> bool {
    let scheme = scheme.strip_prefix("jdbc:").unwrap_or(scheme);
    let base = scheme.split(['+', ':']).next().unwrap_or(scheme);
    DATA_SCHEMES.contains(&base)
}

/// The host of `host`, `host:port` or `[v6]:port`, lower case; `None` when it is empty or
/// touches a reference.
fn host_of(part: &str) -> Option<String> {
    let part = part.trim();
    if part.is_empty() || has_reference(part) {
        return None;
    }
    let host = if let Some(rest) = part.strip_prefix('[') {
        rest.split(']').next()?
    } else if part.matches(':').count() > 1 {
        part // a bare IPv6 address
    } else {
        part.split(':').next()?
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    (!host.is_empty()).then_some(host)
}

pub use crate::checks::common::hosts::{HostKind, classify as host_kind};

/// Whether a URL in the value turns off transport security (`sslmode=disable`, `ssl=false`).
pub fn url_disables_tls(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    lower.contains("://")
        && [
            "sslmode=disable",
            "ssl-mode=disabled",
            "ssl=false",
            "tls=false",
            "usessl=false",
            "ssl=0",
        ]
        .iter()
        .any(|p| lower.contains(p))
}

// ---------------------------------------------------------------------------------------------
// Live and test credentials
// ---------------------------------------------------------------------------------------------

/// A credential whose format says which mode (live or test/sandbox) it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModedCredential {
    pub label: &'static str,
    pub range: Range<usize>,
}

static LIVE_CREDENTIALS: LazyLock<Vec<(&'static str, Regex)>> = LazyLock::new(|| {
    compile(&[
        ("a Stripe live secret key", r"\b[sr]k_live_[0-9A-Za-z]{10,}"),
        ("a Razorpay live key", r"\brzp_live_[0-9A-Za-z]{10,}"),
        (
            "a Flutterwave live secret key",
            r"\bFLWSECK-[0-9A-Za-z]{10,}",
        ),
        (
            "a Braintree/PayPal production access token",
            r"access_token\$production\$[0-9a-z]{10,}\$[0-9a-f]{10,}",
        ),
        (
            "a Square production OAuth secret",
            r"\bsq0csp-[0-9A-Za-z_-]{20,}",
        ),
        ("a Paddle live API key", r"\bpdl_live_[0-9A-Za-z_]{10,}"),
        ("a Mollie live API key", r"\blive_[0-9A-Za-z]{30}\b"),
    ])
});

static TEST_CREDENTIALS: LazyLock<Vec<(&'static str, Regex)>> = LazyLock::new(|| {
    compile(&[
        ("a Stripe test key", r"\b[srp]k_test_[0-9A-Za-z]{10,}"),
        ("a Razorpay test key", r"\brzp_test_[0-9A-Za-z]{10,}"),
        (
            "a Flutterwave test key",
            r"\bFLW(?:SECK|PUBK)_TEST-[0-9A-Za-z]{10,}",
        ),
        (
            "a Braintree/PayPal sandbox access token",
            r"access_token\$sandbox\$[0-9a-z]+",
        ),
        (
            "a Square sandbox credential",
            r"\bsandbox-sq0[a-z]{3}-[0-9A-Za-z_-]+",
        ),
        (
            "a Checkout.com sandbox key",
            r"\b[sp]k_sbox_[0-9A-Za-z]{10,}",
        ),
        ("a Paddle sandbox API key", r"\bpdl_sdbx_[0-9A-Za-z_]{10,}"),
        ("a Mollie test API key", r"\btest_[0-9A-Za-z]{30}\b"),
    ])
});

fn compile(list: &[(&'static str, &str)]) -> Vec<(&'static str, Regex)> {
    list.iter()
        .map(|(label, re)| {
            (
                *label,
                Regex::new(re).expect("built-in credential patterns are valid regexes"),
            )
        })
        .collect()
}

fn find_credentials(
    patterns: &[(&'static str, Regex)],
    value: &str,
    stopwords: &[String],
) -> Vec<ModedCredential> {
    let mut out = Vec::new();
    for (label, re) in patterns {
        for m in re.find_iter(value) {
            if !is_placeholder(m.as_str(), stopwords) {
                out.push(ModedCredential {
                    label,
                    range: m.range(),
                });
            }
        }
    }
    out
}

/// Live-mode credentials in a value (`sk_live_...`, `access_token$production$...`).
pub fn live_credentials(value: &str, stopwords: &[String]) -> Vec<ModedCredential> {
    find_credentials(&LIVE_CREDENTIALS, value, stopwords)
}

/// Test/sandbox-mode credentials in a value (`sk_test_...`, `access_token$sandbox$...`).
pub fn test_credentials(value: &str, stopwords: &[String]) -> Vec<ModedCredential> {
    find_credentials(&TEST_CREDENTIALS, value, stopwords)
}

/// Whether a value is a JWT whose payload claims `"role": "service_role"` (a Supabase key
/// that bypasses row-level security).
pub fn is_service_role_jwt(value: &str) -> bool {
    let mut parts = value.trim().split('.');
    let (Some(header), Some(payload), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    if !header.starts_with("eyJ") || !payload.starts_with("eyJ") {
        return false;
    }
    let Some(decoded) = crate::rules::base64url_decode(payload.as_bytes()) else {
        return false;
    };
    let text = String::from_utf8_lossy(&decoded);
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    compact.contains("\"role\":\"service_role\"")
}

/// Unpadded base64url (as in JWTs); `None` on any character outside the alphabet.
#[cfg(test)]
mod tests {
    use super::*;

    /// Key-like test values are generated, never written out, so this file stays clean under
    /// a self-scan (xorshift over `alphabet`, seeded).
    fn generated(seed: u64, alphabet: &[u8], n: usize) -> String {
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..n)
            .map(|_| {
                x ^= x >> 12;
                x ^= x << 25;
                x ^= x >> 27;
                let r = x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 32;
                alphabet[(r % alphabet.len() as u64) as usize] as char
            })
            .collect()
    }

    const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    #[test]
    fn placeholders() {
        let none: &[String] = &[];
        for p in [
            "",
            "changeme",
            "your-api-key",
            "<token>",
            "xxxxxxxxxxxxxxxx",
            "secret",
            "****",
            "aaaaaaaa",
            "${X}",
            "{{ vault }}",
            "insert_key_here",
            "...",
        ] {
            assert!(is_placeholder(p, none), "{p:?}");
        }
        let real = [
            "postgres".to_string(),
            format!("{}-{}", generated(1, BASE62, 6), generated(2, BASE62, 4)),
            generated(3, BASE62, 16),
        ];
        for real in &real {
            assert!(!is_placeholder(real, none), "{real:?}");
        }
        assert!(is_placeholder("acme-fixture-123", &["fixture".to_string()]));
    }

    #[test]
    fn randomness() {
        let base62 = generated(4, BASE62, 20);
        assert!(looks_random(&base62), "{base62}");
        let hex = generated(5, b"0123456789abcdef", 32);
        assert!(looks_random(&hex), "{hex}");
        assert!(!looks_random("my_super_secret_value"));
        assert!(!looks_random("api-123.staging.example.com"));
        assert!(!looks_random(&format!("https://x.io/{base62}")));
        assert!(!looks_random("short1A"));
    }

    #[test]
    fn endpoints_in_urls_and_host_variables() {
        let password = generated(8, BASE62, 12);
        let url = format!("postgres://app:{password}@db.prod.example.com:5432/app");
        let e = endpoints("DATABASE_URL", &url);
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].host, "db.prod.example.com");
        assert!(e[0].data_store && e[0].in_url);
        assert_eq!(e[0].password.as_deref(), Some(password.as_str()));
        let e = endpoints(
            "MONGO",
            "mongodb+srv://u:p@h1.example.com,h2.example.com/x?y=1",
        );
        assert_eq!(
            e.iter().map(|e| e.host.as_str()).collect::<Vec<_>>(),
            ["h1.example.com", "h2.example.com"]
        );
        let e = endpoints(
            "CALLBACK",
            "see http://[::1]:3000/cb and https://api.example.com",
        );
        assert_eq!(
            e.iter().map(|e| e.host.as_str()).collect::<Vec<_>>(),
            ["::1", "api.example.com"]
        );
        assert!(!e[0].data_store);
        let e = endpoints("REDIS_HOST", "localhost:6379");
        assert_eq!(
            (e[0].host.as_str(), e[0].data_store, e[0].in_url),
            ("localhost", true, false)
        );
        assert!(endpoints("GREETING", "localhost").is_empty());
        assert!(endpoints("MAIL_FROM_ADDRESS", "noreply@example.com").is_empty());
        let masked = format!("postgres://u:{m}@{m}/db", m = REFERENCE_MARK);
        assert!(endpoints("DATABASE_URL", &masked).is_empty());
        let e = endpoints("JDBC_URL", "jdbc:postgresql://10.0.0.5/db");
        assert!(e[0].data_store);
    }

    #[test]
    fn moded_credentials() {
        let none: &[String] = &[];
        let body = generated(6, BASE62, 24);
        let live_key = format!("sk_{}_{body}", "live");
        let live = live_credentials(&format!("x {live_key} y"), none);
        assert_eq!(live.len(), 1);
        assert_eq!(live[0].range, 2..2 + live_key.len());
        let placeholder = format!("sk_{}_{}", "live", "x".repeat(20));
        assert!(live_credentials(&placeholder, none).is_empty());
        let test_key = format!("pk_{}_{body}", "test");
        assert_eq!(test_credentials(&test_key, none).len(), 1);
        let sandbox = format!(
            "access_token${}${}",
            "sandbox",
            generated(7, b"abcdef0123", 16)
        );
        assert_eq!(test_credentials(&sandbox, none).len(), 1);
        assert!(test_credentials(&live_key, none).is_empty());
    }

    #[test]
    fn service_role_jwts() {
        let b64 = |s: &str| {
            let mut out = String::new();
            let table = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            for chunk in s.as_bytes().chunks(3) {
                let n = chunk.iter().fold(0u32, |a, &b| (a << 8) | u32::from(b))
                    << (8 * (3 - chunk.len()));
                for i in 0..=chunk.len() {
                    out.push(table[((n >> (18 - 6 * i)) & 63) as usize] as char);
                }
            }
            out
        };
        let header = b64(r#"{"alg":"HS256","typ":"JWT"}"#);
        let service = format!(
            "{header}.{}.sig",
            b64(r#"{"iss":"supabase","role": "service_role"}"#)
        );
        let anon = format!(
            "{header}.{}.sig",
            b64(r#"{"iss":"supabase","role":"anon"}"#)
        );
        assert!(is_service_role_jwt(&service));
        assert!(!is_service_role_jwt(&anon));
        assert!(!is_service_role_jwt("a.b.c"));
    }

    #[test]
    fn tls_off_in_urls() {
        assert!(url_disables_tls("postgres://h/db?sslmode=disable"));
        assert!(!url_disables_tls("postgres://h/db?sslmode=require"));
        assert!(!url_disables_tls("sslmode=disable"));
    }
}
