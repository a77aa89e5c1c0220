//! A labelled corpus generated from the rules themselves, to measure recall per rule.
//!
//! A rule's examples prove that it finds a secret written one way. Users write the same secret
//! many ways: an env file, `export NAME="..."`, YAML, JSON, TOML, Java properties, code in
//! several languages, a Dockerfile `ENV`, a Kubernetes container env, and encoded: base64 in a
//! Kubernetes `Secret`, percent-encoded in a form body, a UTF-16 file. Each example's secret is
//! lifted out with the name it was given (or the provider's name) and rewritten in each of
//! those syntaxes, with the name in that syntax's casing (`MAILGUN_API_KEY`, `mailgun_api_key`,
//! `mailgunApiKey`, `mailgun.api.key`). Every sample is then scanned as a file of its kind
//! through [`findings_in_blob`], exactly as a scan would, and counts as found when a finding of
//! the same rule, or of another rule of the same provider, covers the line the value is on.
//!
//! The samples are labelled by construction (the generator knows where the value is), so no
//! one has to judge them, and they grow with the rules: a new rule is measured the day it is
//! added. `leakgate rules list --stats` prints the figures by category, and a test holds every
//! built-in rule to the recall committed in `tests/fixtures/labelled-recall.tsv`.

use super::{AllowList, Matcher, RuleInfos, Scratch, findings_in_blob};
use crate::rules::{Rule, RuleSet};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The ways a value is written in the corpus, each with the file name a sample is scanned as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Syntax {
    /// The rule's own example, as written.
    Example,
    /// `NAME=value` in `.env`.
    Env,
    /// `export NAME="value"` in a shell script.
    ShellExport,
    /// `name: "value"` in YAML.
    Yaml,
    /// `{"name": "value"}`.
    Json,
    /// `name = "value"` in TOML.
    Toml,
    /// `name.in.dots=value` in a Java properties file.
    Properties,
    /// `const nameInCamel = "value";` in JavaScript.
    JavaScript,
    /// `NAME = 'value'` in Python.
    Python,
    /// `nameInCamel := "value"` in Go.
    Go,
    /// `ENV NAME=value` in a Dockerfile.
    Dockerfile,
    /// `- name: NAME` / `value: "value"` in a Kubernetes manifest.
    Kubernetes,
    /// A Kubernetes `Secret` whose `data:` holds the value in base64.
    KubernetesSecret,
    /// `name=value` in a form-encoded body, percent-encoded as `encodeURIComponent` does.
    FormEncoded,
    /// `NAME=value` in an env file saved as UTF-16LE with a byte-order mark (Windows tools).
    Utf16Env,
}

impl Syntax {
    pub const ALL: [Syntax; 15] = [
        Syntax::Example,
        Syntax::Env,
        Syntax::ShellExport,
        Syntax::Yaml,
        Syntax::Json,
        Syntax::Toml,
        Syntax::Properties,
        Syntax::JavaScript,
        Syntax::Python,
        Syntax::Go,
        Syntax::Dockerfile,
        Syntax::Kubernetes,
        Syntax::KubernetesSecret,
        Syntax::FormEncoded,
        Syntax::Utf16Env,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Syntax::Example => "example",
            Syntax::Env => "env",
            Syntax::ShellExport => "shell",
            Syntax::Yaml => "yaml",
            Syntax::Json => "json",
            Syntax::Toml => "toml",
            Syntax::Properties => "properties",
            Syntax::JavaScript => "javascript",
            Syntax::Python => "python",
            Syntax::Go => "go",
            Syntax::Dockerfile => "dockerfile",
            Syntax::Kubernetes => "kubernetes",
            Syntax::KubernetesSecret => "k8s-secret-base64",
            Syntax::FormEncoded => "form-encoded",
            Syntax::Utf16Env => "utf16-env",
        }
    }

    /// The file a sample in this syntax is scanned as.
    fn path(self) -> &'static str {
        match self {
            Syntax::Example => "config.txt",
            Syntax::Env => "app/.env",
            Syntax::ShellExport => "deploy.sh",
            Syntax::Yaml => "config/settings.yml",
            Syntax::Json => "config/settings.json",
            Syntax::Toml => "config/settings.toml",
            Syntax::Properties => "src/main/resources/application.properties",
            Syntax::JavaScript => "src/config.js",
            Syntax::Python => "app/settings.py",
            Syntax::Go => "internal/config/config.go",
            Syntax::Dockerfile => "Dockerfile",
            Syntax::Kubernetes => "deploy/deployment.yaml",
            Syntax::KubernetesSecret => "deploy/secret.yaml",
            Syntax::FormEncoded => "requests/token.http",
            Syntax::Utf16Env => "windows/.env",
        }
    }

    /// Whether a value spanning several lines (a PEM key) can be written this way as it is.
    fn takes_lines(self) -> bool {
        matches!(
            self,
            Syntax::Example | Syntax::Json | Syntax::Yaml | Syntax::KubernetesSecret
        )
    }
}

/// One generated file: its text, the rule it is labelled with, and the lines the value is on.
#[derive(Debug, Clone)]
pub struct Sample {
    pub rule: usize,
    pub syntax: Syntax,
    pub path: &'static str,
    /// The file's bytes: text, except for the UTF-16 syntax.
    pub text: Vec<u8>,
    /// First and last line (1-based) of the value in `text`.
    pub lines: (usize, usize),
}

/// What an example says: the value holding the secret, and the name it was assigned to.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Lifted {
    name: Option<String>,
    value: String,
}

/// Bytes that end a value written bare: whitespace, quotes, the punctuation around values, and
/// the next parameter of a URL query or the next XML element.
fn ends_value(b: u8) -> bool {
    b.is_ascii_whitespace()
        || matches!(
            b,
            b'"' | b'\'' | b'`' | b',' | b';' | b')' | b'}' | b']' | b'&' | b'<'
        )
}

/// Bytes that start a value when read leftwards from the secret: the above plus assignment
/// and opening punctuation (`=` is not one on the right: base64 padding).
fn starts_value(b: u8) -> bool {
    ends_value(b) || matches!(b, b'=' | b'(' | b'{' | b'[' | b'>')
}

/// Lifts the value around `secret` out of `example`, and the name written before it
/// (`NAME=`, `name: `, `"name": `, `name := `, `name => `), if any.
fn lift(example: &str, secret: std::ops::Range<usize>) -> Lifted {
    let bytes = example.as_bytes();
    let multi_line = example[secret.clone()].contains('\n');
    let start = if multi_line {
        secret.start
    } else {
        bytes[..secret.start]
            .iter()
            .rposition(|&b| starts_value(b))
            .map_or(0, |i| i + 1)
    };
    let end = if multi_line {
        secret.end
    } else {
        bytes[secret.end..]
            .iter()
            .position(|&b| ends_value(b))
            .map_or(bytes.len(), |i| secret.end + i)
    };
    let value = example[start..end].to_string();
    // Leftwards from the value: quotes and spaces, an assignment operator, quotes and
    // spaces, then the name.
    let before = example[..start].trim_end_matches(['"', '\'', '`', ' ', '\t']);
    let before = ["=>", ":=", "=", ":"]
        .iter()
        .find_map(|op| before.strip_suffix(op));
    let name = before.and_then(|b| {
        let b = b.trim_end_matches(['"', '\'', '`', ' ', '\t', ']']);
        let from = b
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
            .map_or(0, |i| i + 1);
        let name = &b[from..];
        name.chars()
            .any(|c| c.is_ascii_alphabetic())
            .then(|| name.to_string())
    });
    // A Kubernetes container env (`- name: NAME` then `value: v`): the name is the line before.
    let name = match name {
        Some(n) if n.eq_ignore_ascii_case("value") => example[..start]
            .rsplit_once("name:")
            .map(|(_, after)| {
                after
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .trim_matches(['"', '\''])
            })
            .filter(|n| !n.is_empty())
            .map(str::to_string)
            .or(Some(n)),
        other => other,
    };
    Lifted { name, value }
}

/// The words of a name: `MAILGUN_API_KEY`, `mailgun-api-key`, `mailgun.api.key` and
/// `mailgunApiKey` all give `[mailgun, api, key]`.
fn words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        word.push(c.to_ascii_lowercase());
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

fn upper_snake(words: &[String]) -> String {
    words.join("_").to_ascii_uppercase()
}

fn camel(words: &[String]) -> String {
    let mut out = String::new();
    for (i, w) in words.iter().enumerate() {
        if i == 0 {
            out.push_str(w);
        } else {
            let mut chars = w.chars();
            if let Some(first) = chars.next() {
                out.push(first.to_ascii_uppercase());
                out.extend(chars);
            }
        }
    }
    out
}

/// A JSON string literal's body for `value` (quotes, backslashes and newlines escaped).
fn json_body(value: &str) -> String {
    let quoted = serde_json::to_string(value).expect("a string serialises");
    quoted[1..quoted.len() - 1].to_string()
}

/// `value` as JavaScript's `encodeURIComponent` writes it: everything but letters, digits and
/// `-_.!~*'()` percent-encoded, byte by byte.
fn form_encoded(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Writes `value` under `name` in `syntax`, between lines a real file would have, and
/// returns the text and the line the value starts on.
fn render(syntax: Syntax, example: &str, name: &[String], value: &str) -> (String, usize) {
    let snake = name.join("_");
    let upper = upper_snake(name);
    let camel = camel(name);
    let body = match syntax {
        Syntax::Example => example.to_string(),
        Syntax::Env => format!("{upper}={value}"),
        Syntax::ShellExport => format!("export {upper}=\"{value}\""),
        Syntax::Yaml if value.contains('\n') => {
            let indented: Vec<String> = value.lines().map(|l| format!("    {l}")).collect();
            format!("  {snake}: |\n{}", indented.join("\n"))
        }
        Syntax::Yaml => format!("  {snake}: \"{value}\""),
        Syntax::Json => format!("  \"{snake}\": \"{}\",", json_body(value)),
        Syntax::Toml => format!("{snake} = \"{value}\""),
        Syntax::Properties => format!("{}={value}", name.join(".")),
        Syntax::JavaScript => format!("const {camel} = \"{value}\";"),
        Syntax::Python => format!("{upper} = '{value}'"),
        Syntax::Go => format!("\t{camel} := \"{value}\""),
        Syntax::Dockerfile => format!("ENV {upper}={value}"),
        Syntax::Kubernetes => {
            format!("            - name: {upper}\n              value: \"{value}\"")
        }
        Syntax::KubernetesSecret => format!("  {upper}: {}", STANDARD.encode(value)),
        Syntax::FormEncoded => format!("{snake}={}", form_encoded(value)),
        Syntax::Utf16Env => format!("{upper}={value}"),
    };
    let (head, tail) = match syntax {
        Syntax::Example => ("# settings\n", "\n"),
        Syntax::Env => ("NODE_ENV=production\nPORT=3000\n", "\nLOG_LEVEL=info\n"),
        Syntax::ShellExport => ("#!/bin/sh\nset -eu\n", "\n./run.sh\n"),
        Syntax::Yaml => ("app:\n  port: 3000\n", "\n  log_level: info\n"),
        Syntax::Json => ("{\n  \"port\": 3000,\n", "\n  \"log_level\": \"info\"\n}\n"),
        Syntax::Toml => ("[app]\nport = 3000\n", "\nlog_level = \"info\"\n"),
        Syntax::Properties => ("server.port=8080\n", "\nlogging.level.root=INFO\n"),
        Syntax::JavaScript => ("const port = 3000;\n", "\nmodule.exports = { port };\n"),
        Syntax::Python => ("import os\n\nPORT = 8000\n", "\nDEBUG = False\n"),
        Syntax::Go => ("package config\n\nfunc load() {\n", "\n}\n"),
        Syntax::Dockerfile => (
            "FROM node:20-alpine\nWORKDIR /app\n",
            "\nCMD [\"node\", \"server.js\"]\n",
        ),
        Syntax::Kubernetes => (
            "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          env:\n",
            "\n",
        ),
        Syntax::KubernetesSecret => (
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\ntype: Opaque\ndata:\n",
            "\n",
        ),
        Syntax::FormEncoded => (
            "POST https://auth.example.com/token\nContent-Type: application/x-www-form-urlencoded\n\ngrant_type=client_credentials&",
            "&scope=read\n",
        ),
        Syntax::Utf16Env => ("APP_ENV=production\r\n", "\r\n"),
    };
    let first_line = head.matches('\n').count() + 1;
    (format!("{head}{body}{tail}"), first_line)
}

/// Every sample for every rule in `rules`.
pub fn samples(rules: &Arc<RuleSet>) -> Vec<Sample> {
    let mut out = Vec::new();
    let mut scratch = Scratch::default();
    for (index, rule) in rules.rules().iter().enumerate() {
        let alone = Matcher::new(
            Arc::new(RuleSet::single(rule.clone())),
            AllowList::default(),
        );
        for example in &rule.spec.examples {
            let Some(found) = alone
                .find(example.as_bytes(), &mut scratch)
                .into_iter()
                .next()
            else {
                // An example its rule does not find is the self-test's problem, not ours.
                continue;
            };
            let lifted = lift(example, found.secret);
            let name = named(rule, lifted.name.as_deref());
            let multi_line = lifted.value.contains('\n');
            for syntax in Syntax::ALL {
                if multi_line && !syntax.takes_lines() {
                    continue;
                }
                let (text, first) = render(syntax, example, &name, &lifted.value);
                let text = match syntax {
                    Syntax::Utf16Env => [0xFF, 0xFE]
                        .into_iter()
                        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
                        .collect(),
                    _ => text.into_bytes(),
                };
                let extra_lines = match syntax {
                    Syntax::Example => example.matches('\n').count(),
                    Syntax::Yaml if multi_line => lifted.value.lines().count(),
                    Syntax::Kubernetes => 1,
                    _ => 0,
                };
                out.push(Sample {
                    rule: index,
                    syntax,
                    path: syntax.path(),
                    text,
                    lines: (first, first + extra_lines),
                });
            }
        }
    }
    out
}

/// The name a value is written under: the example's own, with the provider's name put in
/// front when it lacks it (`API_KEY` in a line that names the provider's host elsewhere
/// becomes `ABSTRACTAPI_API_KEY`, as it would in an env file). A value the example assigns to
/// no name (a header, a bare token) takes the name the rule looks for: its context's first
/// name and key, or its first keyword that names the provider, else the provider and `token`.
fn named(rule: &Rule, name: Option<&str>) -> Vec<String> {
    let provider = words(provider(rule));
    let mut name = match name.map(words).filter(|w| !w.is_empty()) {
        Some(name) => name,
        None => rule_name(rule, &provider),
    };
    if !name.concat().contains(&provider.concat()) {
        name.splice(0..0, provider);
    }
    name
}

/// The name a rule itself says its values go under (see [`named`]).
fn rule_name(rule: &Rule, provider: &[String]) -> Vec<String> {
    if let Some(context) = &rule.spec.context {
        let mut name = context.names.first().map(|n| words(n)).unwrap_or_default();
        if let Some(key) = context.keys.first() {
            name.extend(words(key));
        }
        return name;
    }
    let provider = provider.concat();
    rule.keywords()
        .iter()
        .map(|k| words(k))
        .find(|w| w.len() > 1 && w.concat().contains(&provider))
        .unwrap_or_else(|| vec!["token".to_string()])
}

/// The provider a rule belongs to: its first tag (`rules/*.yaml` put it first).
pub fn provider(rule: &Rule) -> &str {
    rule.spec.tags.first().map_or(rule.id(), String::as_str)
}

/// Recall of one rule on its samples.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleRecall {
    pub found: usize,
    pub total: usize,
    /// The syntaxes in which a sample was missed, in [`Syntax::ALL`] order, without repeats.
    pub missed: Vec<Syntax>,
}

/// Scans every sample with the whole rule set and tells, per rule id, how many were found.
pub fn measure(rules: &Arc<RuleSet>) -> BTreeMap<String, RuleRecall> {
    let matcher = Matcher::new(rules.clone(), AllowList::default());
    let infos = RuleInfos::new(&matcher);
    let mut scratch = Scratch::default();
    let mut recall: BTreeMap<String, RuleRecall> = rules
        .rules()
        .iter()
        .map(|r| (r.id().to_string(), RuleRecall::default()))
        .collect();
    for sample in samples(rules) {
        let rule = rules.get(sample.rule);
        let findings = findings_in_blob(&matcher, &infos, &sample.text, sample.path, &mut scratch);
        let hit = findings.iter().any(|f| {
            let same = f.rule.id == rule.id()
                || f.rule.tags.first().map(String::as_str) == Some(provider(rule));
            same && f.location.line <= sample.lines.1 && f.location.end_line >= sample.lines.0
        });
        let entry = recall.entry(rule.id().to_string()).or_default();
        entry.total += 1;
        if hit {
            entry.found += 1;
        } else if !entry.missed.contains(&sample.syntax) {
            entry.missed.push(sample.syntax);
        }
    }
    for r in recall.values_mut() {
        r.missed.sort();
    }
    recall
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifting_keeps_the_value_and_its_name() {
        let cases: &[(&str, &str, Option<&str>, &str)] = &[
            (
                "MAILGUN_API_KEY=key-abc",
                "key-abc",
                Some("MAILGUN_API_KEY"),
                "key-abc",
            ),
            (
                "\"sendbird_token\": \"abc123\"",
                "abc123",
                Some("sendbird_token"),
                "abc123",
            ),
            (
                "heroku.api_key = 'abc'",
                "abc",
                Some("heroku.api_key"),
                "abc",
            ),
            ("token := \"t0k\"", "t0k", Some("token"), "t0k"),
            (
                "DATABASE_URL=postgres://u:pw@db.internal/app",
                "pw",
                Some("DATABASE_URL"),
                "postgres://u:pw@db.internal/app",
            ),
            ("Authorization: Bearer abc.def", "abc.def", None, "abc.def"),
            ("just ghp_x here", "ghp_x", None, "ghp_x"),
            ("KEY=abc==,", "abc", Some("KEY"), "abc=="),
            (
                "env:\n  - name: AWS_SECRET_ACCESS_KEY\n    value: \"s3cr3t\"",
                "s3cr3t",
                Some("AWS_SECRET_ACCESS_KEY"),
                "s3cr3t",
            ),
        ];
        for &(example, secret, name, value) in cases {
            let at = example.find(secret).unwrap();
            let lifted = lift(example, at..at + secret.len());
            assert_eq!(lifted.name.as_deref(), name, "{example}");
            assert_eq!(lifted.value, value, "{example}");
        }
    }

    #[test]
    fn names_are_split_into_words_whatever_their_casing() {
        for name in [
            "MAILGUN_API_KEY",
            "mailgun-api-key",
            "mailgun.api.key",
            "mailgunApiKey",
        ] {
            assert_eq!(words(name), ["mailgun", "api", "key"], "{name}");
        }
        let w = words("mailgunApiKey");
        assert_eq!(upper_snake(&w), "MAILGUN_API_KEY");
        assert_eq!(camel(&w), "mailgunApiKey");
    }

    #[test]
    fn every_syntax_puts_the_value_on_the_lines_it_reports() {
        let name = words("ACME_TOKEN");
        for syntax in Syntax::ALL {
            let (text, first) = render(syntax, "ACME_TOKEN=v4lue", &name, "v4lue");
            let line = text.lines().nth(first - 1).unwrap();
            let expected = match syntax {
                Syntax::Kubernetes => "ACME".to_string(),
                Syntax::KubernetesSecret => STANDARD.encode("v4lue"),
                _ => "v4lue".to_string(),
            };
            assert!(
                line.contains(&expected),
                "{syntax:?}: line {first} is {line:?} in {text:?}"
            );
        }
        let pem = "-----BEGIN X-----\nabc\n-----END X-----";
        let (text, first) = render(Syntax::Yaml, pem, &name, pem);
        assert_eq!(text.lines().nth(first - 1).unwrap().trim(), "acme_token: |");
        let (text, _) = render(Syntax::Json, pem, &name, pem);
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed["acme_token"], pem);
        assert_eq!(form_encoded("a+b/c=d_e~"), "a%2Bb%2Fc%3Dd_e~");
    }

    /// A rule that finds its value only after `NAME=` is measured as missing it elsewhere,
    /// and a rule that finds the value anywhere is measured as finding it everywhere: the
    /// figures come from scanning, not from the generator.
    #[test]
    fn recall_counts_what_the_scan_finds() {
        let yaml = r#"
rules:
  - id: acme-anywhere
    name: Acme token
    description: An Acme token.
    severity: high
    keywords: [acme_]
    regex: '\b(?P<secret>acme_[a-z0-9]{20})\b'
    tags: [acme, test]
    examples: ['ACME_TOKEN=acme_0a1b2c3d4e5f6g7h8i9j']
    negative_examples: ['acme_short']
  - id: zeta-env-only
    name: Zeta key
    description: A Zeta key.
    severity: high
    keywords: [zeta_key=]
    regex: '(?i)zeta_key=(?P<secret>[0-9a-f]{24})'
    tags: [zeta, test]
    examples: ['ZETA_KEY=0a1b2c3d4e5f60718293a4b5']
    negative_examples: ['ZETA_KEY=nothex']
"#;
        let mut set = RuleSet::default();
        set.add_yaml("test", yaml).unwrap();
        let recall = measure(&Arc::new(set));
        let anywhere = &recall["acme-anywhere"];
        assert_eq!(anywhere.total, Syntax::ALL.len());
        assert_eq!(anywhere.found, anywhere.total, "{anywhere:?}");
        let env_only = &recall["zeta-env-only"];
        assert!(
            env_only.found >= 3 && env_only.found < env_only.total,
            "{env_only:?}"
        );
        assert!(env_only.missed.contains(&Syntax::Json), "{env_only:?}");
        assert!(!env_only.missed.contains(&Syntax::Env), "{env_only:?}");
    }
}

/// The recall table as committed in `tests/fixtures/labelled-recall.tsv`: one line per rule,
/// `id`, samples found, samples, and the syntaxes missed.
pub fn to_tsv(recall: &BTreeMap<String, RuleRecall>) -> String {
    let mut out = String::from("# rule\tfound\tsamples\tmissed\n");
    for (id, r) in recall {
        let missed: Vec<&str> = r.missed.iter().map(|s| s.as_str()).collect();
        out.push_str(&format!(
            "{id}\t{}\t{}\t{}\n",
            r.found,
            r.total,
            missed.join(",")
        ));
    }
    out
}

#[cfg(test)]
mod builtin {
    use super::*;
    use std::path::Path;

    /// Holds every built-in rule to the recall committed in `tests/fixtures/labelled-recall.tsv`:
    /// a rule change that makes a rule find less of its own generated samples fails here. Run
    /// with `LEAKGATE_BLESS=1` to rewrite the table after a deliberate change, and commit it.
    #[test]
    fn builtin_rules_keep_their_recall_on_the_generated_corpus() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/labelled-recall.tsv");
        let rules = Arc::new(RuleSet::builtin().unwrap());
        let recall = measure(&rules);
        if std::env::var_os("LEAKGATE_BLESS").is_some() {
            std::fs::write(&path, to_tsv(&recall)).unwrap();
            return;
        }
        let committed = std::fs::read_to_string(&path).unwrap();
        let mut fell = Vec::new();
        let (mut was_found, mut was_total) = (0, 0);
        for line in committed.lines().filter(|l| !l.starts_with('#')) {
            let fields: Vec<&str> = line.split('\t').collect();
            let (id, found, total): (&str, usize, usize) = (
                fields[0],
                fields[1].parse().unwrap(),
                fields[2].parse().unwrap(),
            );
            was_found += found;
            was_total += total;
            let Some(now) = recall.get(id) else { continue };
            // Compare ratios: a rule may have gained or lost examples since.
            if now.found * total < found * now.total {
                fell.push(format!(
                    "{id}: {}/{} (was {found}/{total}), missed {:?}",
                    now.found, now.total, now.missed
                ));
            }
        }
        let found: usize = recall.values().map(|r| r.found).sum();
        let total: usize = recall.values().map(|r| r.total).sum();
        assert!(
            fell.is_empty(),
            "rules find less of their generated samples than committed (rerun with \
             LEAKGATE_BLESS=1 if this is deliberate):\n{}",
            fell.join("\n")
        );
        assert!(
            found * was_total >= was_found * total,
            "overall recall fell: {found}/{total}, was {was_found}/{was_total}"
        );
        // The corpus must exercise every syntax and nearly every rule.
        assert!(recall.values().filter(|r| r.total > 0).count() * 100 >= rules.len() * 95);
    }
}
