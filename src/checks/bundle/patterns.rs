//! What the bundle check looks for besides secret rules: test and sandbox keys, endpoints that
//! only work on a developer's machine or inside a private network, inlined environment
//! objects and `sourceMappingURL` comments.
//!
//! Every scanner here is one forward pass over the bytes, anchored on a cheap literal found
//! with `memchr`/literal-prefixed regexes, and looks at most a few hundred bytes around each
//! anchor, so a 5 MB minified bundle on one line costs the same as 5 MB of short lines.
//! Precision beats recall: a production bundle gate that cries wolf is switched off, so URLs
//! need a scheme, documentation domains are ignored, and env objects need tell-tale keys.

use crate::checks::common::hosts::{self, HostKind};
use crate::checks::common::names;
use memchr::memmem;
use regex::bytes::Regex;
use std::ops::Range;
use std::sync::LazyLock;

/// A test-mode or sandbox credential found in the bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct TestKey {
    pub span: Range<usize>,
    pub provider: &'static str,
    /// A secret (server-side) test key, not a publishable one.
    pub secret: bool,
}

struct TestKeyPattern {
    provider: &'static str,
    regex: Regex,
    /// Values of the `kind` group that make the key a secret one.
    secret_kinds: &'static [&'static str],
}

fn pattern(
    provider: &'static str,
    regex: &str,
    secret_kinds: &'static [&'static str],
) -> TestKeyPattern {
    TestKeyPattern {
        provider,
        regex: Regex::new(regex).expect("test-key patterns are fixed and tested"),
        secret_kinds,
    }
}

static TEST_KEY_PATTERNS: LazyLock<Vec<TestKeyPattern>> = LazyLock::new(|| {
    vec![
        // Stripe (and Clerk, Paystack, which copied its scheme).
        pattern(
            "Stripe-style",
            r"(?-u:\b)(?P<kind>sk|rk|pk)_test_[0-9A-Za-z]{10,247}(?-u:\b)",
            &["sk", "rk"],
        ),
        pattern("Razorpay", r"(?-u:\b)rzp_test_[0-9A-Za-z]{14}(?-u:\b)", &[]),
        pattern(
            "Checkout.com",
            r"(?-u:\b)(?P<kind>sk|pk)_sbox_[0-9a-z]{20,40}(?-u:\b)",
            &["sk"],
        ),
        pattern(
            "Flutterwave",
            r"FLW(?P<kind>SECK|PUBK)_TEST-[0-9a-fA-F]{32}-X",
            &["SECK"],
        ),
        pattern(
            "Square",
            r"(?-u:\b)sandbox-sq0(?P<kind>idb|csb|atb)-[0-9A-Za-z_-]{22,60}",
            &["csb", "atb"],
        ),
        pattern(
            "Braintree",
            r"access_token\$sandbox\$[0-9a-z]{16}\$[0-9a-f]{32}",
            &[""],
        ),
    ]
});

/// Finds test-mode keys, sorted by position.
pub fn test_keys(data: &[u8]) -> Vec<TestKey> {
    let mut out = Vec::new();
    for p in TEST_KEY_PATTERNS.iter() {
        for caps in p.regex.captures_iter(data) {
            let whole = caps.get(0).expect("group 0 always matches");
            let kind = caps.name("kind").map_or("", |k| {
                std::str::from_utf8(k.as_bytes()).unwrap_or_default()
            });
            out.push(TestKey {
                span: whole.range(),
                provider: p.provider,
                secret: p.secret_kinds.contains(&kind),
            });
        }
    }
    out.sort_by_key(|k| k.span.start);
    out
}

/// Why an endpoint should not be in production output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointKind {
    Loopback,
    Unspecified,
    PrivateNetwork,
    LocalName,
    Staging,
    /// A payment or API provider's sandbox: reported as a test key, not a dev endpoint.
    Sandbox,
}

impl EndpointKind {
    pub fn describe(self) -> &'static str {
        match self {
            EndpointKind::Loopback => "the visitor's own machine (loopback)",
            EndpointKind::Unspecified => "0.0.0.0, which only means 'this machine' to a server",
            EndpointKind::PrivateNetwork => "a private-network address",
            EndpointKind::LocalName => "a local-network host name",
            EndpointKind::Staging => "a staging or development host",
            EndpointKind::Sandbox => "a provider's sandbox environment",
        }
    }
}

/// A URL in the bytes whose host should not be in production output.
#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    /// From the scheme to the end of the authority.
    pub span: Range<usize>,
    /// `scheme://host[:port]`, lower-cased, without credentials, path or query.
    pub origin: String,
    pub kind: EndpointKind,
}

/// Longest authority looked at; real host names are shorter.
const MAX_AUTHORITY: usize = 260;

/// Finds URLs (http, https, ws, wss; also JSON-escaped `:\/\/`) with a dev-only host.
pub fn endpoints(data: &[u8]) -> Vec<Endpoint> {
    let mut out = Vec::new();
    for (separator, len) in [(&b"://"[..], 3), (&br":\/\/"[..], 5)] {
        for at in memmem::find_iter(data, separator) {
            if let Some(endpoint) = endpoint_at(data, at, len) {
                out.push(endpoint);
            }
        }
    }
    out.sort_by_key(|e| e.span.start);
    out
}

fn endpoint_at(data: &[u8], at: usize, separator_len: usize) -> Option<Endpoint> {
    let scheme_start = (at.saturating_sub(5)..at)
        .rev()
        .take_while(|&i| data[i].is_ascii_alphabetic())
        .last()?;
    if scheme_start > 0 && data[scheme_start - 1].is_ascii_alphanumeric() {
        return None;
    }
    let scheme = data[scheme_start..at].to_ascii_lowercase();
    if !matches!(scheme.as_slice(), b"http" | b"https" | b"ws" | b"wss") {
        return None;
    }
    let authority_start = at + separator_len;
    let limit = (authority_start + MAX_AUTHORITY).min(data.len());
    let authority_end = (authority_start..limit)
        .find(|&i| is_authority_end(data[i]))
        .unwrap_or(limit);
    let authority = &data[authority_start..authority_end];
    // Credentials are dropped before anything is looked at or shown.
    let host_port = match memchr::memrchr(b'@', authority) {
        Some(i) => &authority[i + 1..],
        None => authority,
    };
    let (host, port) = split_host_port(host_port)?;
    let mut lower = [0u8; MAX_AUTHORITY];
    let lower = &mut lower[..host.len()];
    lower.copy_from_slice(host);
    lower.make_ascii_lowercase();
    // Only ASCII host characters pass `split_host_port`.
    let host = std::str::from_utf8(lower).ok()?;
    let kind = classify_host(host)?;
    let path_follows = data
        .get(authority_end)
        .is_some_and(|&b| b == b'/' || b == b'\\');
    if kind == EndpointKind::Loopback && host == "localhost" && port.is_none() && !path_follows {
        // A bare `http://localhost` is the dummy base many libraries give `new URL()`.
        return None;
    }
    let scheme = String::from_utf8_lossy(&scheme);
    let origin = match port {
        Some(port) => format!("{scheme}://{host}:{port}"),
        None => format!("{scheme}://{host}"),
    };
    Some(Endpoint {
        span: scheme_start..authority_end,
        origin,
        kind,
    })
}

fn is_authority_end(b: u8) -> bool {
    matches!(
        b,
        b'/' | b'\\'
            | b'?'
            | b'#'
            | b'"'
            | b'\''
            | b'`'
            | b'<'
            | b'>'
            | b')'
            | b'('
            | b','
            | b';'
            | b'{'
            | b'}'
            | b' '
            | b'|'
            | b'^'
    ) || b.is_ascii_whitespace()
        || b.is_ascii_control()
}

/// Splits `host[:port]` (IPv6 in brackets). Hosts with template or odd characters are refused.
fn split_host_port(text: &[u8]) -> Option<(&[u8], Option<u16>)> {
    let (host, rest) = if text.first() == Some(&b'[') {
        let close = memchr::memchr(b']', text)?;
        (&text[..=close], &text[close + 1..])
    } else {
        match memchr::memchr(b':', text) {
            Some(i) => (&text[..i], &text[i..]),
            None => (text, &b""[..]),
        }
    };
    let port = match rest {
        [] => None,
        [b':', digits @ ..] if !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) => {
            Some(std::str::from_utf8(digits).ok()?.parse().ok()?)
        }
        _ => return None,
    };
    let valid =
        |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':' | b'[' | b']');
    if host.is_empty() || !host.iter().all(valid) {
        return None;
    }
    Some((host, port))
}

/// Classifies a lower-case host; `None` when it is an ordinary public host. The host kinds
/// are the shared vocabulary's (`checks::common::hosts`); what matters in a browser bundle is
/// whether a visitor's browser can reach it, so every private or local name is reported, and
/// documentation domains (common in library code) are not.
pub fn classify_host(host: &str) -> Option<EndpointKind> {
    if hosts::is_documentation_host(host) {
        return None;
    }
    match hosts::classify(host) {
        HostKind::Loopback => Some(EndpointKind::Loopback),
        HostKind::Unspecified => Some(EndpointKind::Unspecified),
        HostKind::PrivateAddress => Some(EndpointKind::PrivateNetwork),
        HostKind::DockerHost | HostKind::DeveloperName | HostKind::InternalName => {
            Some(EndpointKind::LocalName)
        }
        HostKind::Sandbox => Some(EndpointKind::Sandbox),
        HostKind::NonProductionName(_) => Some(EndpointKind::Staging),
        HostKind::ProductionName(_) | HostKind::Other => None,
    }
}

/// An object literal holding many environment variables.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvDump {
    /// From the opening `{` to the end of the last value seen.
    pub span: Range<usize>,
    /// Every key in the object, in order.
    pub keys: Vec<String>,
    /// How many of them are environment-variable names with string values.
    pub env_keys: usize,
}

/// Fewest non-public environment-variable keys with string values that make an env dump.
const MIN_ENV_KEYS: usize = 6;
/// Longest string value followed (a long `PATH` fits; a whole embedded file does not).
const MAX_VALUE: usize = 32 * 1024;
/// Longest key looked back for.
const MAX_KEY: usize = 96;

/// Variables every shell or CI runner has: their presence means a whole environment was copied.
const SYSTEM_VARS: &[&str] = &[
    "PATH",
    "HOME",
    "USER",
    "SHELL",
    "PWD",
    "OLDPWD",
    "HOSTNAME",
    "LANG",
    "TERM",
    "LOGNAME",
    "TMPDIR",
    "SHLVL",
    "INIT_CWD",
    "NODE_VERSION",
    "YARN_VERSION",
    "CI",
    "GITHUB_ACTIONS",
    "GITLAB_CI",
    "CIRCLECI",
    "BUILDKITE",
    "JENKINS_URL",
    "COLORTERM",
    "EDITOR",
    "_",
];
const SYSTEM_PREFIXES: &[&str] = &["npm_", "GITHUB_", "RUNNER_", "CI_", "XDG_", "LC_"];
const PUBLIC_KEYS: &[&str] = &["BASE_URL", "MODE", "DEV", "PROD", "SSR", "NODE_ENV"];
fn is_env_name(key: &str) -> bool {
    key == "_"
        || key.starts_with("npm_")
        || (key.len() >= 2
            && key.as_bytes()[0].is_ascii_uppercase()
            && key
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'))
}

fn is_system_var(key: &str) -> bool {
    SYSTEM_VARS.contains(&key) || SYSTEM_PREFIXES.iter().any(|p| key.starts_with(p))
}

/// Variables bundlers expose to the client on purpose (public prefixes, Vite's built-in keys).
fn is_public_var(key: &str) -> bool {
    PUBLIC_KEYS.contains(&key) || names::client_prefix(key).is_some()
}

/// A key found just before a `:`.
struct Key {
    /// Position of the `{` or `,` before the key.
    separator: usize,
    opens: bool,
    name: Range<usize>,
}

/// How a value after a key ended.
struct Value {
    /// Position of the `,` or `}` after the value.
    terminator: usize,
    closes: bool,
    is_string: bool,
}

struct Cluster {
    start: usize,
    end: usize,
    /// Byte ranges of the keys: names are only made into strings for a cluster that qualifies.
    keys: Vec<Range<usize>>,
    env_string_keys: usize,
    system: usize,
    secret_names: usize,
}

impl Cluster {
    fn is_env_dump(&self) -> bool {
        self.env_string_keys >= MIN_ENV_KEYS && (self.system >= 1 || self.secret_names >= 2)
    }

    fn into_dump(self, data: &[u8]) -> EnvDump {
        EnvDump {
            span: self.start..self.end,
            keys: self
                .keys
                .into_iter()
                .map(|k| String::from_utf8_lossy(&data[k]).into_owned())
                .collect(),
            env_keys: self.env_string_keys,
        }
    }
}

/// Finds object literals of environment variables: runs of `KEY:"value"` pairs in one object.
pub fn env_dumps(data: &[u8]) -> Vec<EnvDump> {
    let mut out = Vec::new();
    let mut cluster: Option<Cluster> = None;
    // Where the previous value's `,` was: the next key of the same object starts there.
    let mut expected_separator: Option<usize> = None;
    let mut resume = 0;
    let mut memo = StringMemo::default();
    for colon in memchr::memchr_iter(b':', data) {
        if colon < resume {
            continue;
        }
        let Some(key) = key_before(data, colon) else {
            continue;
        };
        let continues = !key.opens && expected_separator == Some(key.separator);
        if !continues {
            finish_cluster(&mut cluster, data, &mut out);
            if !key.opens {
                expected_separator = None;
                continue;
            }
            cluster = Some(Cluster {
                start: key.separator,
                end: key.separator,
                keys: Vec::new(),
                env_string_keys: 0,
                system: 0,
                secret_names: 0,
            });
        }
        let Some(value) = value_after(data, colon, &mut memo) else {
            finish_cluster(&mut cluster, data, &mut out);
            expected_separator = None;
            continue;
        };
        // Keys are ASCII letters, digits, `_` and `$` (see `key_before`).
        let name = std::str::from_utf8(&data[key.name.clone()]).unwrap_or_default();
        if let Some(c) = cluster.as_mut() {
            if value.is_string && is_env_name(name) && !is_public_var(name) {
                c.env_string_keys += 1;
                c.system += usize::from(is_system_var(name));
                c.secret_names += usize::from(names::is_credential_bearing_name(name));
            }
            c.keys.push(key.name);
            c.end = value.terminator;
        }
        resume = value.terminator;
        if value.closes {
            finish_cluster(&mut cluster, data, &mut out);
            expected_separator = None;
        } else {
            expected_separator = Some(value.terminator);
        }
    }
    finish_cluster(&mut cluster, data, &mut out);
    out
}

fn finish_cluster(cluster: &mut Option<Cluster>, data: &[u8], out: &mut Vec<EnvDump>) {
    if let Some(c) = cluster.take()
        && c.is_env_dump()
    {
        out.push(c.into_dump(data));
    }
}

fn skip_space_back(data: &[u8], mut i: usize) -> usize {
    while i > 0 && data[i - 1].is_ascii_whitespace() {
        i -= 1;
    }
    i
}

fn skip_space(data: &[u8], mut i: usize) -> usize {
    while i < data.len() && data[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// `{KEY:`, `,"KEY":`, `, 'KEY' :` — the key and the separator before it.
fn key_before(data: &[u8], colon: usize) -> Option<Key> {
    let mut end = skip_space_back(data, colon);
    let quote = match end.checked_sub(1).map(|i| data[i]) {
        Some(q @ (b'"' | b'\'')) => {
            end -= 1;
            Some(q)
        }
        _ => None,
    };
    let floor = end.saturating_sub(MAX_KEY);
    let mut start = end;
    while start > floor
        && (data[start - 1].is_ascii_alphanumeric() || matches!(data[start - 1], b'_' | b'$'))
    {
        start -= 1;
    }
    if start == end || (start == floor && floor > 0) {
        return None;
    }
    let mut before = start;
    if let Some(q) = quote {
        if before == 0 || data[before - 1] != q {
            return None;
        }
        before -= 1;
    }
    let separator = skip_space_back(data, before).checked_sub(1)?;
    match data[separator] {
        b'{' | b',' => Some(Key {
            separator,
            opens: data[separator] == b'{',
            name: start..end,
        }),
        _ => None,
    }
}

/// A simple value: a string literal or a short literal token, then `,` or `}`.
fn value_after(data: &[u8], colon: usize, memo: &mut StringMemo) -> Option<Value> {
    let start = skip_space(data, colon + 1);
    let first = *data.get(start)?;
    let (after, is_string) = if matches!(first, b'"' | b'\'' | b'`') {
        (string_end(data, start, first, memo)? + 1, true)
    } else {
        let limit = (start + 64).min(data.len());
        let end = (start..limit).find(|&i| matches!(data[i], b',' | b'}'))?;
        if data[start..end]
            .iter()
            .any(|b| matches!(b, b'(' | b'{' | b'[' | b'?' | b'=' | b'"' | b'\''))
        {
            return None;
        }
        (end, false)
    };
    let terminator = skip_space(data, after);
    match data.get(terminator) {
        Some(b',') => Some(Value {
            terminator,
            closes: false,
            is_string,
        }),
        Some(b'}') => Some(Value {
            terminator,
            closes: true,
            is_string,
        }),
        _ => None,
    }
}

/// Where earlier failed searches for each quote kind (`"`, `'`, `` ` ``) stopped: the bytes
/// before that hold no closing quote of that kind, so a later search starting inside them resumes
/// there. Without it, many keys with unclosed strings would each re-read up to [`MAX_VALUE`].
#[derive(Default)]
struct StringMemo {
    searched_to: [usize; 3],
}

impl StringMemo {
    fn slot(quote: u8) -> usize {
        match quote {
            b'"' => 0,
            b'\'' => 1,
            _ => 2,
        }
    }
}

/// Position of the quote closing the string opened at `open`, within [`MAX_VALUE`].
fn string_end(data: &[u8], open: usize, quote: u8, memo: &mut StringMemo) -> Option<usize> {
    let limit = (open + 1 + MAX_VALUE).min(data.len());
    let slot = StringMemo::slot(quote);
    let mut i = (open + 1).max(memo.searched_to[slot]);
    while i < limit {
        match data[i] {
            b'\\' => i += 2,
            b if b == quote => return Some(i),
            b'\n' if quote != b'`' => break,
            _ => i += 1,
        }
    }
    memo.searched_to[slot] = i;
    None
}

/// A `sourceMappingURL` comment: where it is and the URL it gives.
#[derive(Debug, Clone, PartialEq)]
pub struct MapComment {
    /// From the comment's start to the end of the URL.
    pub span: Range<usize>,
    pub url: Range<usize>,
}

/// Finds `//# sourceMappingURL=...` (and `//@`, and CSS `/*# ... */`) comments.
pub fn source_map_comments(data: &[u8]) -> Vec<MapComment> {
    const NEEDLE: &[u8] = b"sourceMappingURL=";
    let mut out = Vec::new();
    for at in memmem::find_iter(data, NEEDLE) {
        let Some(prefix_start) = at.checked_sub(4) else {
            continue;
        };
        let prefix = &data[prefix_start..at];
        let is_comment = matches!(prefix, b"//# " | b"//@ " | b"/*# " | b"/*@ ");
        if !is_comment {
            continue;
        }
        let url_start = at + NEEDLE.len();
        let url_end = (url_start..data.len())
            .find(|&i| {
                data[i].is_ascii_whitespace()
                    || matches!(data[i], b'"' | b'\'' | b'`')
                    || data[i..].starts_with(b"*/")
            })
            .unwrap_or(data.len());
        if url_end > url_start {
            out.push(MapComment {
                span: prefix_start..url_end,
                url: url_start..url_end,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stripe_style_test_keys_are_split_into_secret_and_publishable() {
        // Keys are assembled at run time so this file holds no key-shaped literal.
        let secret = ["sk", "test", "4eC39HqLyjWDarjtT1zdp7dc"].join("_");
        let text =
            format!("a=\"pk_test_51HxYzAbCdEfGh\";b='{secret}';c=\"pk_live_abcdefghijklmno\"");
        let data = text.as_bytes();
        let keys = test_keys(data);
        assert_eq!(keys.len(), 2);
        assert!(!keys[0].secret && keys[1].secret);
        assert_eq!(&data[keys[1].span.clone()], secret.as_bytes());
    }

    #[test]
    fn test_keys_inside_identifiers_are_not_matched() {
        assert!(test_keys(b"function mask_test_abcdefghijklmnop(){}").is_empty());
    }

    fn origins(data: &[u8]) -> Vec<(String, EndpointKind)> {
        endpoints(data)
            .into_iter()
            .map(|e| (e.origin, e.kind))
            .collect()
    }

    #[test]
    fn dev_endpoints_are_found_with_their_kind() {
        let found = origins(
            br#"fetch("http://localhost:3000/api");ws="ws://127.0.0.1:8080";a="https://api.staging.acme-corp.com/v1";b="http://10.1.2.3/x";c="https://printer.local/";d="http:\/\/192.168.0.10:9000\/";e="http://0.0.0.0:5000""#,
        );
        assert_eq!(
            found,
            vec![
                ("http://localhost:3000".to_string(), EndpointKind::Loopback),
                ("ws://127.0.0.1:8080".to_string(), EndpointKind::Loopback),
                (
                    "https://api.staging.acme-corp.com".to_string(),
                    EndpointKind::Staging
                ),
                ("http://10.1.2.3".to_string(), EndpointKind::PrivateNetwork),
                ("https://printer.local".to_string(), EndpointKind::LocalName),
                (
                    "http://192.168.0.10:9000".to_string(),
                    EndpointKind::PrivateNetwork
                ),
                ("http://0.0.0.0:5000".to_string(), EndpointKind::Unspecified),
            ]
        );
    }

    #[test]
    fn public_and_documentation_hosts_are_not_dev_endpoints() {
        let data = br#"a="https://dev.to/x";b="https://api.acme-corp.com";c="http://staging.example.com/";d="https://devices.acme.io/";e="https://dev.azure.com/org";f=new URL(p,"http://localhost");g="http://8.8.8.8/";h="https://www.w3.org/2000/svg""#;
        assert_eq!(origins(data), vec![]);
    }

    #[test]
    fn credentials_never_reach_the_origin() {
        let credentials = ["admin", "hunter2secret"].join(":");
        let found =
            origins(format!("u='https://{credentials}@dev.acme-corp.com:8443/x'").as_bytes());
        assert_eq!(
            found,
            vec![(
                "https://dev.acme-corp.com:8443".to_string(),
                EndpointKind::Staging
            )]
        );
    }

    #[test]
    fn sandbox_hosts_are_their_own_kind() {
        assert_eq!(
            classify_host("api-m.sandbox.paypal.com"),
            Some(EndpointKind::Sandbox)
        );
        assert_eq!(
            classify_host("sandbox.plaid.com"),
            Some(EndpointKind::Sandbox)
        );
        assert_eq!(classify_host("api.paypal.com"), None);
    }

    #[test]
    fn ipv6_loopback_and_unique_local_are_classified() {
        assert_eq!(classify_host("[::1]"), Some(EndpointKind::Loopback));
        assert_eq!(
            classify_host("[fd00::1]"),
            Some(EndpointKind::PrivateNetwork)
        );
        assert_eq!(classify_host("[2001:db8::1]"), None);
    }

    #[test]
    fn a_serialised_process_env_is_an_env_dump() {
        let data = br#"var e={"PATH":"/usr/local/bin:/usr/bin","HOME":"/root","HOSTNAME":"runner-1","npm_config_cache":"/root/.npm","DATABASE_URL":"postgres://u:p@db/x","STRIPE_SECRET":"x","NODE_ENV":"production","AWS_REGION":"eu-west-1"};"#;
        let dumps = env_dumps(data);
        assert_eq!(dumps.len(), 1);
        assert_eq!(dumps[0].keys.len(), 8);
        assert_eq!(data[dumps[0].span.start], b'{');
        assert_eq!(dumps[0].env_keys, 7, "NODE_ENV is public");
    }

    #[test]
    fn constant_tables_and_public_env_objects_are_not_env_dumps() {
        let node_types = b"x={ELEMENT_NODE:1,ATTRIBUTE_NODE:2,TEXT_NODE:3,CDATA_SECTION_NODE:4,COMMENT_NODE:8,DOCUMENT_NODE:9,DOCUMENT_TYPE_NODE:10}";
        let events = br#"y={CLICK:"click",CHANGE:"change",SHOW:"show.bs",HIDE:"hide.bs",FOCUS:"focus",BLUR:"blur",INPUT:"input"}"#;
        let vite = br#"z={BASE_URL:"/",MODE:"production",DEV:!1,PROD:!0,SSR:!1,VITE_API:"https://api.acme.io",VITE_A:"1",VITE_B:"2",VITE_C:"3",VITE_D:"4",VITE_E:"5",VITE_F:"6"}"#;
        assert!(env_dumps(node_types).is_empty());
        assert!(env_dumps(events).is_empty());
        assert!(env_dumps(vite).is_empty());
    }

    #[test]
    fn secret_names_alone_can_make_an_env_dump() {
        let data = br#"const c = { API_URL: 'a', DB_PASSWORD: 'b', JWT_SECRET: 'c', REDIS_HOST: 'd', SMTP_USER: 'e', S3_BUCKET: 'f' };"#;
        assert_eq!(env_dumps(data).len(), 1);
    }

    #[test]
    fn unclosed_strings_do_not_make_the_env_scan_quadratic() {
        // Every key opens a string that never closes on its line: without the memo each of the
        // 200k keys would read ahead 32 KB.
        let mut data = Vec::new();
        for _ in 0..200_000 {
            data.extend_from_slice(b"{A:\"x,");
        }
        let started = std::time::Instant::now();
        assert!(env_dumps(&data).is_empty());
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn source_map_comments_are_found_but_not_string_mentions() {
        let data = b"x();\n//# sourceMappingURL=index-a1b2.js.map\nvar s=\"sourceMappingURL=\";/*# sourceMappingURL=app.css.map */";
        let found = source_map_comments(data);
        assert_eq!(found.len(), 2);
        assert_eq!(&data[found[0].url.clone()], b"index-a1b2.js.map");
        assert_eq!(&data[found[1].url.clone()], b"app.css.map");
    }
}
