//! The context grammar: "a name next to a value", written once.
//!
//! Many provider credentials have no prefix (32 hex characters, 40 base62, a UUID): the only
//! thing that says "this is a Mailgun key" is the name it is assigned to, or the Mailgun host
//! the request goes to. Rules used to hand-write that assignment each in its own regex, each
//! covering a slightly different set of syntaxes. A rule now says *which* names and *what*
//! value (`context:` in its YAML), and [`ContextSpec::regex`] builds the one regex that knows
//! every syntax: env files, YAML (flat, nested, Kubernetes `name`/`value` pairs), JSON,
//! TOML/INI sections, Java properties, shell and CLI flags, code assignments and calls, HTTP
//! headers and URL query strings near the provider's host.
//!
//! Values that are obviously not secrets (placeholders, one repeated character, a run like
//! `0123456789`) are refused uniformly by [`is_placeholder`], whatever rule found them.

use serde::{Deserialize, Serialize};

/// The longest word a rule may list in `names` or `keys`.
const NAME_REACH: usize = 40;
/// How many lines a nested block (`provider:` then `  api_key: v`) or a request (a host, then
/// its header) may span between the provider's name and the value.
const BLOCK_LINES: usize = 8;
/// The entropy floor of a context rule that gives none: values found by a name alone need one.
pub const DEFAULT_ENTROPY: f32 = 3.0;

/// A rule's `context:` field. Field names are the file format: keep them stable.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ContextSpec {
    /// Words the key name must contain (`mailgun`, `secret_access_key`). With `keys`, they are
    /// the provider's words, and are also looked for as a parent key, a TOML section or a
    /// host near a header or a query parameter.
    pub names: Vec<String>,
    /// What the key name must also say after the provider's word (`api_key`, `token`).
    #[serde(default)]
    pub keys: Vec<String>,
    /// The documented value format, as a regex without groups named `secret`.
    pub value: String,
}

/// Why a `context:` field cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ContextError {
    #[error("context.names must list at least one name")]
    NoNames,
    #[error(
        "context.{field}: {} must be 2 to 40 letters, digits, `_`, `-` or `.`",
        crate::text::quoted_value(word)
    )]
    BadWord { field: &'static str, word: String },
    #[error("context.value must be a regex of the value only (no group named `secret`)")]
    ValueHasSecretGroup,
    #[error("context.value must not be empty")]
    EmptyValue,
}

impl ContextSpec {
    /// Checks the words and the value's shape (the value's syntax is checked when the
    /// generated regex compiles, with the rest of the rule's patterns).
    pub fn check(&self) -> Result<(), ContextError> {
        if self.names.is_empty() {
            return Err(ContextError::NoNames);
        }
        for (field, words) in [("names", &self.names), ("keys", &self.keys)] {
            if let Some(word) = words.iter().find(|w| !is_word(w)) {
                return Err(ContextError::BadWord {
                    field,
                    word: word.clone(),
                });
            }
        }
        if self.value.trim().is_empty() {
            return Err(ContextError::EmptyValue);
        }
        if self.value.contains("?P<secret>") || self.value.contains("?<secret>") {
            return Err(ContextError::ValueHasSecretGroup);
        }
        Ok(())
    }

    /// The keywords the prefilter looks for: each name as written and with its separators
    /// dropped or changed (`secret_access_key`, `secretaccesskey`, `secret-access-key`,
    /// `secret.access.key`), since the keyword pass is literal and case is all it ignores.
    pub fn keywords(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for name in &self.names {
            let parts = parts(name);
            for sep in ["", "_", "-", "."] {
                let k = parts.join(sep);
                if !out.contains(&k) {
                    out.push(k);
                }
            }
        }
        out
    }

    /// The rule's regex: every syntax the grammar knows, then `(?P<secret>value)`, then an edge
    /// no token character may cross.
    pub fn regex(&self) -> String {
        let names = alternation(&self.names);
        // Unbounded repetitions, not counted ones (`{0,200}`): a counter multiplies the states
        // of the lazy DFA by its bound at every occurrence of a provider's name, which made
        // text that names the provider often (its own SDK) scan a hundred times slower. What
        // the regex sees is bounded anyway: the window around a keyword, snapped to lines.
        let ident = "[A-Za-z0-9_.-]*".to_string();
        let key_name = if self.keys.is_empty() {
            format!("(?i:{names})")
        } else {
            format!("(?i:{names}{ident}?{})", alternation(&self.keys))
        };
        let line = "(?-u:[^\\r\\n])*".to_string();
        let mut syntaxes = vec![
            // Assignments and mappings: `A=v`, `export A="v"`, `a: v`, `"a": "v"`, `a = "v"`,
            // `a.b=v`, `a := "v"`, `a => 'v'`, `obj["a"] = v`, `self.a = "v"`, a Kubernetes
            // `- name: A` followed by `value: v`, and a call `setA("v")`.
            format!(
                "{key_name}[\"'\\]]{{0,2}}(?:[ \\t]*\\r?\\n[ \\t]*-?[ \\t]*value)?[ \\t]*\
                 (?::=|=>|[:=]|\\([ \\t]*)[ \\t]*[\"'`]?"
            ),
            // CLI flags with a space: `--a-key v`, `-a_key 'v'`.
            format!("(?m:^|[ \\t])--?{key_name}[ \\t]+[\"']?"),
        ];
        if !self.keys.is_empty() {
            let child = format!("(?i:{ident}?{})", alternation(&self.keys));
            // The lines of a nested mapping are indented (or blank): a line that is not has
            // left the provider's block.
            let indented = format!("(?:[ \\t]{line}\\r?\\n|[ \\t]*\\r?\\n){{0,{BLOCK_LINES}}}?");
            // A section lasts until the next `[section]`.
            let section = format!("(?:[^\\[\\r\\n]{line}\\r?\\n|\\r?\\n){{0,{BLOCK_LINES}}}?");
            syntaxes.extend([
                // A nested mapping: `provider:` (YAML), `"provider": {` (JSON), `provider = {`
                // (HCL), then within a few lines an indented `api_key: v`, or on the same line
                // (`"provider": {"apiKey": "v"}`).
                format!(
                    "(?i:{names}){ident}[\"']?[ \\t]*[:=][ \\t]*\
                     (?:\\{{?[ \\t]*\\r?\\n{indented}[ \\t]+|\
                     \\{{(?:(?-u:[^\\r\\n{{}}])*?,)?[ \\t]*)[\"']?{child}[\"']?[ \\t]*[:=][ \\t]*[\"']?"
                ),
                // A TOML or INI section: `[provider]` then `api_key = "v"`.
                format!(
                    "\\[[ \\t]*(?i:{ident}?{names}{ident})[ \\t]*\\][ \\t]*\\r?\\n{section}\
                     [ \\t]*[\"']?{child}[\"']?[ \\t]*[:=][ \\t]*[\"']?"
                ),
                // A request: the provider's host (or name), then on the same line, or the next
                // ones of a shell command continued with `\`, a header carrying the value
                // (`Authorization: Bearer v`, `X-Api-Key: v`). Not across any lines: tracking
                // every line after every mention of a provider's name made the automaton
                // thrash on text that names it often (its own SDK).
                format!(
                    "(?i:{names})(?:{line}\\\\\\r?\\n){{0,{BLOCK_LINES}}}{line}?\\b(?i:authorization|x-api-key|api-key|\
                     x-auth-token|x-access-token)[\"']?[ \\t]*[:=,][ \\t]*[\"']?\
                     (?i:(?:bearer|token|key)[ \\t]+)?"
                ),
                // A client built with the value: `Mistral(api_key="v")`, `new Mistral({ apiKey:
                // 'v' })`, `mistral.Client("v")`, `cloudinary.config(cloud_name="x", api_key="v")`.
                format!(
                    "(?i:{names})[A-Za-z0-9_.]{{0,20}}\\([ \\t]*\\{{?[ \\t]*(?:[\"'`]|\
                     (?-u:[^)\\r\\n])*?{child}[\"']?[ \\t]*[:=][ \\t]*[\"'`]?)"
                ),
                // A URL on the provider's host with the value in its query: `?api_key=v`.
                format!("(?i:{names})(?-u:[^\\s\"'<>])*?[?&]{child}="),
            ]);
        }
        format!(
            "(?:{})(?P<secret>{})(?:[^A-Za-z0-9_+/=-]|$)",
            syntaxes.join("|"),
            self.value
        )
    }
}

/// A name as a case-insensitive pattern whose separators may be dropped or changed:
/// `api_key` also reads `apiKey`, `api-key`, `api.key` and `APIKEY`.
fn flexible(word: &str) -> String {
    parts(word)
        .iter()
        .map(|p| regex::escape(p))
        .collect::<Vec<_>>()
        .join("[_.-]?")
}

fn alternation(words: &[String]) -> String {
    let mut flex: Vec<String> = words.iter().map(|w| flexible(w)).collect();
    // Longest first: the leftmost-first regex then prefers `private_key` over `key`.
    flex.sort_by_key(|w| std::cmp::Reverse(w.len()));
    format!("(?:{})", flex.join("|"))
}

fn parts(word: &str) -> Vec<String> {
    word.split(['_', '-', '.'])
        .filter(|p| !p.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

fn is_word(word: &str) -> bool {
    (2..=NAME_REACH).contains(&word.len())
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        && word.bytes().any(|b| b.is_ascii_alphanumeric())
}

/// Words that mark a value as a stand-in, not a credential.
const PLACEHOLDER_WORDS: &[&str] = &[
    "xxxx",
    "your",
    "changeme",
    "change_me",
    "example",
    "placeholder",
    "redacted",
    "dummy",
    "sample",
    "insert",
    "replace",
    "secret_here",
    "token_here",
    "key_here",
];

/// The shortest run of consecutive characters (`0123456`, `abcdefg`, `9876543`) that marks a
/// value as typed, not generated: a random 32-character hex value holds one with odds of
/// about one in ten million.
const SEQUENTIAL_RUN: usize = 7;

/// Whether a value found by context is a placeholder: a template (`<...>`, `${VAR}`, `{{x}}`,
/// `%s`), a stand-in word (`xxxx`, `your_api_key`, `changeme`), one repeated character, or a
/// run of consecutive characters.
pub fn is_placeholder(value: &[u8]) -> bool {
    let Some(&first) = value.first() else {
        return true;
    };
    if value.iter().all(|&b| b == first) {
        return true;
    }
    if matches!(first, b'<' | b'$' | b'{' | b'%') || value.ends_with(b">") {
        return true;
    }
    // Written all in lower or all in upper case, as people type them: a random mixed-case
    // value holds `yOuR` about 16 times more often than `your`.
    if PLACEHOLDER_WORDS.iter().any(|w| {
        memchr::memmem::find(value, w.as_bytes()).is_some()
            || memchr::memmem::find(value, w.to_ascii_uppercase().as_bytes()).is_some()
    }) {
        return true;
    }
    let lower = value.to_ascii_lowercase();
    let (mut up, mut down) = (1usize, 1usize);
    for pair in lower.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let alnum = a.is_ascii_alphanumeric() && b.is_ascii_alphanumeric();
        up = if alnum && b == a.wrapping_add(1) {
            up + 1
        } else {
            1
        };
        down = if alnum && a == b.wrapping_add(1) {
            down + 1
        } else {
            1
        };
        if up >= SEQUENTIAL_RUN || down >= SEQUENTIAL_RUN {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::random;

    const HEX: &str = "[0-9a-f]{32}-[0-9a-f]{8}-[0-9a-f]{8}";

    /// A value in the Mailgun format (32 hex, 8 hex, 8 hex) from a seed.
    fn value(seed: u64) -> String {
        let hex = random(seed, b"0123456789abcdef", 48);
        format!("{}-{}-{}", &hex[..32], &hex[32..40], &hex[40..])
    }

    fn spec(keys: &[&str]) -> ContextSpec {
        ContextSpec {
            names: vec!["mailgun".into()],
            keys: keys.iter().map(|k| k.to_string()).collect(),
            value: HEX.into(),
        }
    }

    fn found(spec: &ContextSpec, text: &str) -> Option<String> {
        let re = super::super::build_regex(&spec.regex()).expect("the grammar compiles");
        re.captures(text.as_bytes())
            .and_then(|c| c.name("secret"))
            .map(|m| String::from_utf8_lossy(m.as_bytes()).into_owned())
    }

    #[test]
    fn every_syntax_finds_the_value() {
        let s = spec(&["api_key", "private_key", "key", "token"]);
        let v = value(1);
        for text in [
            format!("MAILGUN_API_KEY={v}"),
            format!("export MAILGUN_API_KEY=\"{v}\""),
            format!("MAILGUN_KEY={v} node server.js"),
            format!("mailgun_api_key: {v}"),
            format!("mailgun:\n  domain: mg.example.org\n  api_key: '{v}'\n"),
            format!("env:\n  - name: MAILGUN_API_KEY\n    value: \"{v}\"\n"),
            format!("{{\"mailgunApiKey\": \"{v}\"}}"),
            format!("{{\n  \"mailgun\": {{\n    \"apiKey\": \"{v}\"\n  }}\n}}"),
            format!("{{\"mailgun\": {{\"domain\": \"mg.acme.test\", \"apiKey\": \"{v}\"}}}}"),
            format!("mailgun_api_key = \"{v}\""),
            format!("[mailgun]\ndomain = \"mg.example.org\"\napi_key = \"{v}\"\n"),
            format!("mailgun.api.key={v}"),
            format!("mailgun.api-key: {v}"),
            format!("deploy --mailgun-api-key {v}"),
            format!("deploy --mailgun-api-key={v}"),
            format!("const mailgunApiKey = \"{v}\";"),
            format!("mailgunKey := \"{v}\""),
            format!("'mailgun_key' => '{v}',"),
            format!("self.mailgun_api_key = \"{v}\""),
            format!("config.mailgunToken = '{v}'"),
            format!("client = Mailgun({{ mailgunKey: '{v}' }})"),
            format!("setMailgunApiKey(\"{v}\")"),
            format!("X-Mailgun-Key: {v}"),
            format!("curl https://api.mailgun.net/v3/lists \\\n  -H \"Authorization: Bearer {v}\""),
            format!("fetch('https://api.mailgun.net/v3', {{ headers: {{ 'X-Api-Key': '{v}' }} }})"),
            format!("GET https://api.mailgun.net/v3/events?limit=1&api_key={v}"),
            format!("client = Mailgun(api_key=\"{v}\")"),
            format!("const mg = new Mailgun({{ apiKey: '{v}' }});"),
            format!("mg = mailgun.Client(\"{v}\")"),
        ] {
            assert_eq!(found(&s, &text).as_deref(), Some(v.as_str()), "{text}");
        }
    }

    #[test]
    fn near_misses_are_not_found() {
        let s = spec(&["api_key", "key"]);
        let v = value(2);
        for text in [
            // Another provider's name.
            format!("SENDGRID_API_KEY={v}"),
            format!("sendgrid:\n  api_key: {v}\n"),
            format!("curl https://api.sendgrid.com \\\n  -H \"Authorization: Bearer {v}\""),
            // The provider named, but not as the key's name.
            format!("# mailgun\nAPI_KEY={v}"),
            format!("MAILGUN_DOMAIN={v}"),
            // Another block: the provider's mapping ended before the key.
            format!("mailgun:\n  domain: mg.acme.test\nsendgrid:\n  api_key: {v}\n"),
            format!("[mailgun]\ndomain = \"x\"\n[sendgrid]\napi_key = \"{v}\"\n"),
            // Too far: the nested key is more lines below than a block reaches.
            format!(
                "mailgun:\n{}  api_key: {v}\n",
                "  x: 1\n".repeat(BLOCK_LINES + 1)
            ),
            // A longer value is not cut to fit.
            format!("MAILGUN_API_KEY={v}0"),
        ] {
            assert_eq!(found(&s, &text), None, "{text}");
        }
        // Without `keys`, the name alone decides; headers and hosts need the provider's words.
        let names_only = ContextSpec {
            names: vec!["mailgun_api_key".into()],
            keys: vec![],
            value: HEX.into(),
        };
        assert_eq!(
            found(&names_only, &format!("MailgunApiKey: \"{v}\"")),
            Some(v.clone())
        );
        assert_eq!(
            found(
                &names_only,
                &format!("api.mailgun.net Authorization: Bearer {v}")
            ),
            None
        );
    }

    #[test]
    fn keywords_cover_each_spelling() {
        let s = ContextSpec {
            names: vec!["secret_access_key".into()],
            keys: vec![],
            value: "x".into(),
        };
        assert_eq!(
            s.keywords(),
            [
                "secretaccesskey",
                "secret_access_key",
                "secret-access-key",
                "secret.access.key"
            ]
        );
    }

    #[test]
    fn placeholders_are_refused_and_random_values_are_not() {
        for p in [
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "your_api_key_goes_in_this_place_",
            "YOUR_API_KEY",
            "AKIAEXAMPLE",
            "<mailgun-api-key>",
            "${MAILGUN_API_KEY}",
            "{{ mailgun_key }}",
            "changeme",
            "00000000000000000000000000000000",
            "0123456789abcdef0123456789abcdef",
            "zyxwvutsrqponmlk",
            "",
        ] {
            assert!(is_placeholder(p.as_bytes()), "{p}");
        }
        for seed in 0..500 {
            let v = value(seed);
            assert!(!is_placeholder(v.as_bytes()), "{v}");
        }
        // Mixed-case base62, as most unprefixed keys are.
        for seed in 0..5_000 {
            let v = random(
                seed,
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
                40,
            );
            assert!(!is_placeholder(v.as_bytes()), "{v}");
        }
    }

    #[test]
    fn bad_fields_are_refused() {
        let mut s = spec(&[]);
        s.names.clear();
        assert_eq!(s.check(), Err(ContextError::NoNames));
        let mut s = spec(&["api key"]);
        assert!(matches!(
            s.check(),
            Err(ContextError::BadWord { field: "keys", .. })
        ));
        s = spec(&[]);
        s.names = vec!["a".into()];
        assert!(matches!(
            s.check(),
            Err(ContextError::BadWord { field: "names", .. })
        ));
        s = spec(&[]);
        s.value = "(?P<secret>x)".into();
        assert_eq!(s.check(), Err(ContextError::ValueHasSecretGroup));
        s.value = " ".into();
        assert_eq!(s.check(), Err(ContextError::EmptyValue));
    }

    #[test]
    fn hostile_input_stays_linear() {
        let s = spec(&["api_key", "key"]);
        let re = super::super::build_regex(&s.regex()).expect("compiles");
        let mut text = "mailgun:\n".repeat(20_000);
        text.push_str(&"mailgun_".repeat(50_000));
        text.push_str(&"[mailgun]\n".repeat(10_000));
        let start = std::time::Instant::now();
        assert!(re.captures(text.as_bytes()).is_none());
        assert!(start.elapsed() < std::time::Duration::from_secs(20));
    }
}
