//! Rules are data: YAML files under `rules/`, embedded at build time, plus any files a user
//! names in `.leakgate.yml`. This module turns that YAML into a validated, compiled [`RuleSet`].
//!
//! Loading is strict (unknown keys, bad regexes, missing examples are errors with the file and
//! line) because a rule that silently fails to compile is a hole in the gate.

mod builtin;
pub mod category;
mod context;
#[cfg(test)]
pub(crate) mod testing;
mod validate;

pub use context::{ContextError, ContextSpec, is_placeholder};
pub use validate::{
    Validator, Verdict, base62_checksum, base64_encode, base64url_decode, bech32_encode, crc32,
};

use crate::finding::{Confidence, Severity};
use crate::text::{error_chain, strip_controls, without_quoted_input};
use regex::bytes::Regex;
use serde::Deserialize;
use std::collections::HashSet;
use std::path::Path;
use std::sync::OnceLock;
use thiserror::Error;

/// Default number of bytes on each side of a keyword hit that a rule's regex sees.
pub const DEFAULT_WINDOW: usize = 256;

/// Upper bound on a YAML rules file; anything larger is not a rules file.
const MAX_RULES_FILE_BYTES: usize = 4 * 1024 * 1024;

/// The largest compiled regex one rule (or one of its allow patterns) may have. Token regexes
/// are far smaller; a hostile rules file is not.
const REGEX_SIZE_LIMIT: usize = 4 * 1024 * 1024;
/// The lazy DFA cache each regex may grow to while scanning (per thread), as `regex` defaults.
const REGEX_DFA_SIZE_LIMIT: usize = 2 * 1024 * 1024;
/// The compiled size all user rules together may take: many rules each just under the
/// per-rule limit would otherwise exhaust memory.
const USER_REGEX_BUDGET: usize = 64 * 1024 * 1024;
/// The widest window a rule may ask for: large inputs are read in windows that overlap by it.
pub const MAX_WINDOW: usize = 64 * 1024;
/// The longest keyword: keywords are short literals, and they all go into one automaton.
const MAX_KEYWORD_BYTES: usize = 256;

#[derive(Debug, Error)]
pub enum RuleError {
    #[error("{file}: {message}")]
    Parse { file: String, message: String },
    #[error("{file}: {source}")]
    Json {
        file: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("{file}: {source}")]
    Yaml {
        file: String,
        #[source]
        source: crate::yaml::YamlError,
    },
    #[error("disable_rules names unknown rule {}", crate::text::quoted_value(id))]
    UnknownRule { id: String },
    #[error("{file}: rule {}: {message}", crate::text::quoted_value(id))]
    Invalid {
        file: String,
        id: String,
        message: String,
    },
    #[error("{file}: rule #{number} in `rules`: {message}")]
    Structure {
        file: String,
        number: usize,
        message: String,
    },
    #[error("{file}: cannot read: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
}

/// One rule as written in YAML. Field names are the file format: keep them stable.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub id: String,
    pub name: String,
    pub description: String,
    pub severity: Severity,
    /// Literals the prefilter looks for. Built from `context.names` for a context rule.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// The rule's own regex, with a `secret` group; a rule has either this or `context`.
    #[serde(default)]
    pub regex: String,
    /// A name next to a value, in any syntax the context grammar knows (see
    /// [`ContextSpec`]); for values with no prefix of their own.
    #[serde(default)]
    pub context: Option<ContextSpec>,
    /// The other half of a multi-part credential (see [`PairSpec`]).
    #[serde(default)]
    pub pair: Option<PairSpec>,
    #[serde(default)]
    pub entropy: Option<f32>,
    #[serde(default)]
    pub allow: Vec<String>,
    #[serde(default)]
    pub validate: Option<Validator>,
    #[serde(default)]
    pub publishable: bool,
    #[serde(default)]
    pub window: Option<usize>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// For connection URLs (`scheme://user:SECRET@host`): the severity when the host is the
    /// developer's own machine (`localhost`, `127.0.0.1`, `::1`, `*.localhost`,
    /// `host.docker.internal`, a service of the compose file it is in) or a host reserved for
    /// documentation (`db.example.com`).
    #[serde(default)]
    pub local_severity: Option<Severity>,
    /// How sure a match is to be a real credential when no offline check validates it:
    /// `possible` for a rule that finds an unprefixed value by the provider's name beside it,
    /// `likely` for a distinctive format. Unset: `possible` for `generic` rules; otherwise
    /// `likely` when a keyword occurs in the matched secret itself (a prefix), else `possible`.
    /// `validated` is never declared: only a passing `validate` check earns it.
    #[serde(default)]
    pub confidence: Option<Confidence>,
    #[serde(default)]
    pub examples: Vec<String>,
    #[serde(default)]
    pub negative_examples: Vec<String>,
}

/// A rule's `pair:` field: the secret half of a multi-part credential (an AWS secret access
/// key) names the rule that finds its other half (the access key id). When both are found
/// within `within` lines of each other, one finding is reported at the secret half, the other
/// half folded into it; alone, the secret half is reported as any other match.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct PairSpec {
    /// The id of the rule that finds the other half.
    pub with: String,
    /// How many lines apart the halves may be (0: the same line).
    pub within: usize,
    /// The severity of the complete pair, when it is worse than the half alone.
    #[serde(default)]
    pub severity: Option<Severity>,
}

/// The widest neighbourhood a pair may ask for: halves further apart are not one credential.
pub const MAX_PAIR_LINES: usize = 50;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    rules: Vec<RuleSpec>,
}

/// A rules file read rule by rule, so `rules check` can name every malformed rule, not only
/// the first the strict parse stops at.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LooseRuleFile {
    rules: Vec<serde_json::Value>,
}

/// A validated rule, ready for the engine.
///
/// Regexes are compiled on first use: compiling all of them costs far more than the rest of
/// start-up, and a pre-commit scan of a small change only ever needs the few whose keywords
/// occur. Every pattern is parsed (syntax and the `secret` group checked) at load, and user
/// rules are also compiled at load so their errors surface at once; built-in rules are all
/// compiled by the test suite.
#[derive(Debug, Clone)]
pub struct Rule {
    pub spec: RuleSpec,
    /// The regex the rule runs: its own, or the one the context grammar built.
    pattern: String,
    /// The prefilter's literals: its own, or the context names' spellings.
    keywords: Vec<String>,
    /// The compiled regex and the index of its `secret` capture group.
    compiled: OnceLock<(Regex, usize)>,
    allow: OnceLock<Vec<Regex>>,
    /// Whether the `secret` group starts with a literal of at least [`PREFIX_BYTES`] bytes
    /// (`ghp_`, `sk-proj-`): worked out on first need, like the regex.
    prefixed: OnceLock<bool>,
    /// Generic rules lose to specific ones when both match the same bytes.
    pub generic: bool,
    /// Where the rule came from (`builtin:rules/aws.yaml` or a user path), for messages.
    pub origin: String,
}

impl Rule {
    pub fn id(&self) -> &str {
        &self.spec.id
    }

    pub fn regex(&self) -> &Regex {
        &self.compiled().0
    }

    /// The regex source the rule runs (built by the context grammar for a context rule).
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    pub fn keywords(&self) -> &[String] {
        &self.keywords
    }

    /// Whether the rule finds values by the name next to them: such values also pass the
    /// grammar's placeholder filter.
    pub fn by_context(&self) -> bool {
        self.spec.context.is_some()
    }

    /// The entropy floor: the rule's own, or the grammar's for a context rule that gives none.
    pub fn entropy_floor(&self) -> Option<f32> {
        self.spec
            .entropy
            .or(self.by_context().then_some(context::DEFAULT_ENTROPY))
    }

    /// Index of the `secret` capture group in [`Rule::regex`].
    pub fn secret_group(&self) -> usize {
        self.compiled().1
    }

    fn compiled(&self) -> &(Regex, usize) {
        self.compiled.get_or_init(|| {
            compile(&self.pattern)
                .expect("user rules are compiled when they load; built-in ones by the test suite")
        })
    }

    pub fn allow(&self) -> &[Regex] {
        self.allow.get_or_init(|| {
            self.spec
                .allow
                .iter()
                .map(|a| {
                    build_regex(a).expect(
                        "user rules are compiled when they load; built-in ones by the test suite",
                    )
                })
                .collect()
        })
    }

    /// The confidence of a match of this rule whose secret is `secret`, before any offline
    /// check (see [`RuleSpec::confidence`]).
    pub fn confidence(&self, secret: &[u8]) -> Confidence {
        if let Some(declared) = self.spec.confidence {
            return declared;
        }
        if self.generic {
            return Confidence::Possible;
        }
        let secret = secret.to_ascii_lowercase();
        let keyword_inside = self
            .keywords
            .iter()
            .any(|k| memchr::memmem::find(&secret, k.to_ascii_lowercase().as_bytes()).is_some());
        let prefixed = *self
            .prefixed
            .get_or_init(|| secret_prefix_len(&self.pattern) >= PREFIX_BYTES);
        if keyword_inside || prefixed {
            Confidence::Likely
        } else {
            Confidence::Possible
        }
    }

    pub fn window(&self) -> usize {
        self.spec.window.unwrap_or(DEFAULT_WINDOW)
    }

    /// Severity as reported: publishable-by-design keys are informational whatever the file says.
    pub fn severity(&self) -> Severity {
        if self.spec.publishable {
            Severity::Info
        } else {
            self.spec.severity
        }
    }
}

/// All rules in force for one run, in a stable order (built-ins first, then user files).
#[derive(Debug, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
    /// The ids in `rules`, so a duplicate is refused without a scan of every rule.
    ids: HashSet<String>,
    /// Compiled regex size charged to user rules so far (see [`USER_REGEX_BUDGET`]).
    regex_bytes: usize,
}

impl RuleSet {
    /// The rules compiled into the binary (regexes compiled lazily; see [`Rule`]).
    pub fn builtin() -> Result<RuleSet, RuleError> {
        let mut set = RuleSet::default();
        for (name, _, json) in builtin::FILES {
            let origin = format!("builtin:{name}");
            let file: RuleFile = serde_json::from_str(json).map_err(|source| RuleError::Json {
                file: origin.clone(),
                source,
            })?;
            for spec in file.rules {
                set.push(&origin, spec, Compile::Lazily)?;
            }
        }
        set.check_pairs(0)?;
        Ok(set)
    }

    /// A set of one rule, to test it in isolation.
    pub fn single(rule: Rule) -> RuleSet {
        RuleSet {
            ids: HashSet::from([rule.spec.id.clone()]),
            rules: vec![rule],
            regex_bytes: 0,
        }
    }

    /// Parses, fully compiles and adds every rule in one YAML document.
    pub fn add_yaml(&mut self, origin: &str, text: &str) -> Result<(), RuleError> {
        let first = self.rules.len();
        for spec in parse_rules_yaml(origin, text)? {
            self.push(origin, spec, Compile::Now)?;
        }
        self.check_pairs(first)
    }

    /// Every `pair.with` of the rules from `first` on names a rule of the set (a typo would
    /// silently leave the halves reported apart).
    fn check_pairs(&self, first: usize) -> Result<(), RuleError> {
        for rule in &self.rules[first..] {
            if let Some(pair) = &rule.spec.pair
                && !self.ids.contains(&pair.with)
            {
                return Err(invalid(
                    &rule.origin,
                    rule.id(),
                    format!(
                        "pair.with names unknown rule {}",
                        crate::text::quoted_value(&pair.with)
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Validates one rule and adds it, refusing an id the set already has.
    fn push(&mut self, origin: &str, spec: RuleSpec, when: Compile) -> Result<(), RuleError> {
        if self.ids.contains(&spec.id) {
            return Err(invalid(origin, &spec.id, "duplicate rule id"));
        }
        let rule = validate(origin, spec, when)?;
        if when == Compile::Now {
            let cost = compiled_cost(&rule);
            if self.regex_bytes + cost > USER_REGEX_BUDGET {
                return Err(invalid(
                    origin,
                    &rule.spec.id,
                    format!(
                        "regexes too large: with this rule the rules files' compiled regexes \
                         would exceed {} MiB in total",
                        USER_REGEX_BUDGET >> 20
                    ),
                ));
            }
            self.regex_bytes += cost;
        }
        self.ids.insert(rule.spec.id.clone());
        self.rules.push(rule);
        Ok(())
    }

    /// Every problem in one rules document, not only the first (for `rules check`): each
    /// malformed rule, each rule that does not validate or compile, each duplicate id. The
    /// rules that pass are added. Never reports fewer problems than the strict load would.
    pub fn add_yaml_reporting_all(&mut self, origin: &str, text: &str) -> Vec<RuleError> {
        let mut problems = Vec::new();
        let specs = match parse_rules_yaml(origin, text) {
            Ok(specs) => specs,
            Err(strict) => {
                let Ok(loose) = crate::yaml::from_str::<LooseRuleFile>(text) else {
                    return vec![strict];
                };
                let mut specs = Vec::new();
                for (n, value) in loose.rules.into_iter().enumerate() {
                    match serde_json::from_value::<RuleSpec>(value) {
                        Ok(spec) => specs.push(spec),
                        Err(e) => problems.push(RuleError::Structure {
                            file: origin.to_string(),
                            number: n + 1,
                            message: without_quoted_input(&e.to_string()),
                        }),
                    }
                }
                if problems.is_empty() {
                    // Read loosely, nothing was wrong: the strict parse's problem stands.
                    problems.push(strict);
                }
                specs
            }
        };
        let first = self.rules.len();
        for spec in specs {
            if let Err(e) = self.push(origin, spec, Compile::Now) {
                problems.push(e);
            }
        }
        if let Err(e) = self.check_pairs(first) {
            problems.push(e);
        }
        problems
    }

    /// Whether a rule with this id is in the set.
    pub fn contains(&self, id: &str) -> bool {
        self.ids.contains(id)
    }

    pub fn add_file(&mut self, path: &Path) -> Result<(), RuleError> {
        let origin = path.display().to_string();
        let text = read_rules_file(path)?;
        self.add_yaml(&origin, &text)
    }

    /// Drops rules by id (from `.leakgate.yml` `disable_rules`); unknown ids are an error so a
    /// typo cannot silently leave a rule on.
    pub fn disable(&mut self, ids: &[String]) -> Result<(), RuleError> {
        if let Some(unknown) = ids.iter().find(|id| !self.ids.contains(id.as_str())) {
            return Err(RuleError::UnknownRule {
                id: unknown.clone(),
            });
        }
        self.rules.retain(|r| !ids.contains(&r.spec.id));
        self.ids.retain(|id| !ids.contains(id));
        Ok(())
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn get(&self, index: usize) -> &Rule {
        &self.rules[index]
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

pub fn read_rules_file(path: &Path) -> Result<String, RuleError> {
    let origin = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| RuleError::Io {
        file: origin.clone(),
        source,
    })?;
    if bytes.len() > MAX_RULES_FILE_BYTES {
        return Err(RuleError::Parse {
            file: origin,
            message: format!("larger than {MAX_RULES_FILE_BYTES} bytes"),
        });
    }
    String::from_utf8(bytes).map_err(|_| RuleError::Parse {
        file: origin,
        message: "not UTF-8 text".into(),
    })
}

/// Parses rules YAML with budgets: user rules files may come from the scanned repository.
pub fn parse_rules_yaml(origin: &str, text: &str) -> Result<Vec<RuleSpec>, RuleError> {
    let file: RuleFile = crate::yaml::from_str(text).map_err(|source| RuleError::Yaml {
        file: origin.to_string(),
        source,
    })?;
    Ok(file.rules)
}

fn invalid(origin: &str, id: &str, message: impl Into<String>) -> RuleError {
    RuleError::Invalid {
        file: origin.to_string(),
        id: id.to_string(),
        message: message.into(),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Compile {
    Now,
    Lazily,
}

/// Regexes of scanned-for tokens are small; the limits keep a hostile rules file from making
/// us build a huge automaton.
fn build_regex(pattern: &str) -> Result<Regex, regex::Error> {
    build_regex_within(pattern, REGEX_SIZE_LIMIT)
}

fn build_regex_within(pattern: &str, limit: usize) -> Result<Regex, regex::Error> {
    regex::bytes::RegexBuilder::new(&ascii_word_boundaries(pattern))
        .size_limit(limit)
        .dfa_size_limit(REGEX_DFA_SIZE_LIMIT)
        .build()
}

/// `pattern` with every word boundary (`\b`, `\B`, `\b{start}`, ...) outside a character class
/// made ASCII-only. A token's edges are ASCII: with Unicode boundaries, a token written right
/// after a letter of another script (`ключAKIA…`, `密钥ghp_…`) had no boundary before it and was
/// missed. (Also faster: the regex crate's lazy DFA cannot run Unicode boundaries on non-ASCII
/// input.)
fn ascii_word_boundaries(pattern: &str) -> std::borrow::Cow<'_, str> {
    if !pattern.contains("\\b") && !pattern.contains("\\B") {
        return pattern.into();
    }
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut chars = pattern.chars().peekable();
    // Nesting of character classes (`[a[b]]`); a `]` first in a class is a literal.
    let mut class = 0usize;
    let mut class_start = false;
    while let Some(c) = chars.next() {
        let at_class_start = std::mem::take(&mut class_start);
        match c {
            '\\' => match chars.next() {
                Some(b @ ('b' | 'B')) if class == 0 => {
                    out.push_str("(?-u:\\");
                    out.push(b);
                    if chars.peek() == Some(&'{') {
                        for d in chars.by_ref() {
                            out.push(d);
                            if d == '}' {
                                break;
                            }
                        }
                    }
                    out.push(')');
                }
                Some(e) => {
                    out.push('\\');
                    out.push(e);
                }
                None => out.push('\\'),
            },
            '[' => {
                class += 1;
                class_start = true;
                out.push(c);
                if chars.peek() == Some(&'^') {
                    out.push('^');
                    chars.next();
                }
            }
            ']' if class > 0 && !at_class_start => {
                class -= 1;
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.into()
}

/// What a compiled rule is charged against [`USER_REGEX_BUDGET`]: for each of its regexes, the
/// smallest of a few size limits it compiles within (an upper bound, within a factor of four;
/// the `regex` crate does not report the size itself). Small regexes compile at the first try.
fn compiled_cost(rule: &Rule) -> usize {
    std::iter::once(&rule.pattern)
        .chain(&rule.spec.allow)
        .map(|pattern| {
            let mut limit = REGEX_SIZE_LIMIT >> 8;
            while limit < REGEX_SIZE_LIMIT && build_regex_within(pattern, limit).is_err() {
                limit <<= 2;
            }
            limit.min(REGEX_SIZE_LIMIT)
        })
        .sum()
}

fn validate(origin: &str, mut spec: RuleSpec, when: Compile) -> Result<Rule, RuleError> {
    // Names, descriptions and tags are printed to terminals and CI logs; a rules file (which a
    // repository may supply) must not carry escape sequences into them.
    spec.name = strip_controls(&spec.name);
    spec.description = strip_controls(&spec.description);
    for tag in &mut spec.tags {
        *tag = strip_controls(tag);
    }
    let id = spec.id.clone();
    let bad = |m: String| invalid(origin, &id, m);
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(bad(
            "id must be non-empty kebab-case (letters, digits, `-`)".into(),
        ));
    }
    let (pattern, keywords) = match &spec.context {
        Some(_) if !spec.regex.is_empty() => {
            return Err(bad(
                "has both `regex` and `context`; a rule has one of them".into(),
            ));
        }
        Some(_) if !spec.keywords.is_empty() => {
            return Err(bad(
                "a `context` rule's keywords are its context names; remove `keywords`".into(),
            ));
        }
        Some(context) => {
            context.check().map_err(|e| bad(e.to_string()))?;
            (context.regex(), context.keywords())
        }
        None if spec.regex.is_empty() => {
            return Err(bad("needs a `regex` or a `context`".into()));
        }
        None => (spec.regex.clone(), spec.keywords.clone()),
    };
    if keywords.is_empty() || keywords.iter().any(|k| k.trim().is_empty()) {
        return Err(bad("needs at least one non-empty keyword".into()));
    }
    if let Some(pair) = &spec.pair {
        if pair.with == id {
            return Err(bad("pair.with names the rule itself".into()));
        }
        if pair.within > MAX_PAIR_LINES {
            return Err(bad(format!(
                "pair.within must be at most {MAX_PAIR_LINES} lines"
            )));
        }
    }
    if let Some(e) = spec.entropy
        && !(0.0..=8.0).contains(&e)
    {
        return Err(bad(format!("entropy {e} is outside 0..8 bits per byte")));
    }
    if spec.confidence == Some(Confidence::Validated) {
        return Err(bad(
            "confidence `validated` cannot be declared: a match earns it when its `validate` \
             check passes (declare `likely` or `possible`)"
                .into(),
        ));
    }
    if spec.window == Some(0) {
        return Err(bad("window must be at least 1 byte".into()));
    }
    if spec.window.is_some_and(|w| w > MAX_WINDOW) {
        return Err(bad(format!("window must be at most {MAX_WINDOW} bytes")));
    }
    if keywords.iter().any(|k| k.len() > MAX_KEYWORD_BYTES) {
        return Err(bad(format!(
            "keywords must be at most {MAX_KEYWORD_BYTES} bytes"
        )));
    }
    let rule = Rule {
        generic: spec.tags.iter().any(|t| t == "generic"),
        spec,
        pattern,
        keywords,
        compiled: OnceLock::new(),
        allow: OnceLock::new(),
        prefixed: OnceLock::new(),
        origin: origin.to_string(),
    };
    // Built-in rules are compiled on first use: parsing hundreds of regexes would cost more
    // than the rest of start-up, and the test suite compiles and proves every one of them.
    if when == Compile::Now {
        let compiled = compile(&rule.pattern).map_err(|e| bad(error_chain(&e)))?;
        let allow = rule
            .spec
            .allow
            .iter()
            .map(|a| {
                build_regex(a).map_err(|e| {
                    bad(format!(
                        "allow regex does not compile: {}",
                        without_quoted_input(&e.to_string())
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        rule.compiled
            .set(compiled)
            .expect("a new rule has no regex yet");
        rule.allow
            .set(allow)
            .expect("a new rule has no allow list yet");
    }
    Ok(rule)
}

/// The shortest literal prefix that makes a secret's format distinctive on its own (`sk-`,
/// `pat`, `xox`): two bytes (`AC`, `1/`) are too common to tell a provider's value from others.
const PREFIX_BYTES: usize = 3;

/// How many bytes every match of the `secret` group of `pattern` starts with for certain
/// (a literal, or alternatives of literals: the shortest), 0 when it starts with a class of
/// characters or the pattern does not parse.
fn secret_prefix_len(pattern: &str) -> usize {
    use regex_syntax::hir::{Hir, HirKind, literal::Extractor};
    fn secret_group(hir: &Hir) -> Option<&Hir> {
        match hir.kind() {
            HirKind::Capture(c) if c.name.as_deref() == Some("secret") => Some(&c.sub),
            HirKind::Capture(c) => secret_group(&c.sub),
            HirKind::Repetition(r) => secret_group(&r.sub),
            HirKind::Concat(items) | HirKind::Alternation(items) => {
                items.iter().find_map(secret_group)
            }
            _ => None,
        }
    }
    let Ok(hir) = regex_syntax::ParserBuilder::new().build().parse(pattern) else {
        return 0;
    };
    let Some(secret) = secret_group(&hir) else {
        return 0;
    };
    // A class of two or more characters is not a literal: it ends the prefix.
    let prefixes = Extractor::new().limit_class(1).extract(secret);
    prefixes.min_literal_len().unwrap_or(0)
}

/// Why a rule's regex cannot be used.
#[derive(Debug, Error)]
enum PatternError {
    /// The compiler's message without the pattern it quotes (see `text::without_quoted_input`).
    #[error("regex does not compile: {0}")]
    DoesNotCompile(String),
    #[error("regex has no capture group named `secret`")]
    NoSecretGroup,
}

/// Compiles a rule's regex and finds its `secret` group.
fn compile(pattern: &str) -> Result<(Regex, usize), PatternError> {
    let regex = build_regex(pattern)
        .map_err(|e| PatternError::DoesNotCompile(without_quoted_input(&e.to_string())))?;
    let group = regex
        .capture_names()
        .position(|n| n == Some("secret"))
        .ok_or(PatternError::NoSecretGroup)?;
    Ok((regex, group))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_boundaries_are_ascii_outside_character_classes() {
        assert_eq!(ascii_word_boundaries(r"\bx\B"), r"(?-u:\b)x(?-u:\B)");
        assert_eq!(
            ascii_word_boundaries(r"\\b[\b]\b{start}x"),
            r"\\b[\b](?-u:\b{start})x"
        );
        assert_eq!(
            ascii_word_boundaries(r"[]\b][^]\b]\b"),
            r"[]\b][^]\b](?-u:\b)"
        );
        let re = build_regex(r"\b(?P<secret>AKIA[A-Z2-7]{16})\b").expect("compiles");
        assert!(re.is_match("密钥AKIAQRPV4JGL324HRC7U".as_bytes()));
        assert!(re.is_match("AKIAQRPV4JGL324HRC7Uключ".as_bytes()));
        assert!(!re.is_match(b"xAKIAQRPV4JGL324HRC7U"));
    }

    #[test]
    fn the_builtin_json_says_exactly_what_the_yaml_says() {
        for (name, yaml, json) in builtin::FILES {
            let from_yaml = parse_rules_yaml(name, yaml).expect("built-in YAML parses");
            let from_json: RuleFile = serde_json::from_str(json).expect("built-in JSON parses");
            assert_eq!(from_yaml, from_json.rules, "{name}");
        }
    }

    #[test]
    fn every_builtin_regex_compiles_with_a_secret_group() {
        // Built-in rules are compiled lazily, so this test is what proves them at build time.
        let rules = RuleSet::builtin().expect("built-in rules parse");
        for rule in rules.rules() {
            compile(rule.pattern()).unwrap_or_else(|e| panic!("{}: {e}", rule.id()));
            for a in &rule.spec.allow {
                build_regex(a).unwrap_or_else(|e| panic!("{} allow: {e}", rule.id()));
            }
        }
    }

    #[test]
    fn builtin_rules_say_what_to_do() {
        let rules = RuleSet::builtin().expect("built-in rules compile");
        for rule in rules.rules() {
            let d = rule.spec.description.to_ascii_lowercase();
            assert!(
                [
                    "rotate",
                    "revoke",
                    "regenerate",
                    "reset",
                    "roll",
                    "delete",
                    "replace"
                ]
                .iter()
                .any(|w| d.contains(w)),
                "{} does not say what to do",
                rule.id()
            );
            assert!(!rule.spec.tags.is_empty(), "{} has no tags", rule.id());
        }
    }

    #[test]
    fn rule_errors_name_the_rule_and_problem() {
        let mut set = RuleSet::default();
        let err = set
            .add_yaml(
                "x.yaml",
                "rules:\n  - id: a\n    name: b\n    description: c\n    severity: low\n    keywords: [k]\n    regex: '(?P<secret>k'\n",
            )
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("x.yaml") && err.contains("`a`") && err.contains("regex"),
            "{err}"
        );
    }

    fn rule_yaml(id: &str, regex: &str) -> String {
        format!(
            "  - id: {id}\n    name: n\n    description: d\n    severity: low\n    \
             keywords: [k]\n    regex: '{regex}'\n"
        )
    }

    #[test]
    fn a_huge_regex_is_refused_naming_its_rule() {
        let yaml = format!(
            "rules:\n{}",
            rule_yaml("huge", "(?P<secret>(a{1000}){1000})")
        );
        let err = RuleSet::default().add_yaml("x.yaml", &yaml).unwrap_err();
        let err = error_chain(&err);
        assert!(err.contains("`huge`") && !err.contains('\n'), "{err}");
    }

    #[test]
    fn many_large_regexes_exhaust_the_budget_and_name_the_rule_that_did() {
        // Each compiles alone, but not all of them together.
        let yaml: String = (0..300)
            .map(|i| rule_yaml(&format!("big-{i}"), "(?P<secret>(?:[a-z]{100}){200})"))
            .collect();
        let err = RuleSet::default()
            .add_yaml("x.yaml", &format!("rules:\n{yaml}"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("x.yaml: rule `big-") && err.contains("in total"),
            "{err}"
        );
    }

    #[test]
    fn windows_and_keywords_are_bounded() {
        let yaml = format!(
            "rules:\n{}    window: {}\n",
            rule_yaml("wide", "(?P<secret>k)"),
            MAX_WINDOW + 1
        );
        assert!(RuleSet::default().add_yaml("x.yaml", &yaml).is_err());
    }

    fn load(body: &str) -> Result<(), String> {
        let yaml = format!(
            "rules:\n  - id: half\n    name: n\n    description: d\n    severity: low\n    \
             keywords: [IDX]\n    regex: '(?P<secret>IDX[A-Z]{{16}})'\n  - id: c\n    \
             name: n\n    description: d\n    severity: low\n{body}"
        );
        RuleSet::default()
            .add_yaml("x.yaml", &yaml)
            .map_err(|e| error_chain(&e))
    }

    #[test]
    fn context_and_pair_fields_are_checked_at_load() {
        let context = "    context:\n      names: [acme]\n      value: '[0-9a-f]{32}'\n";
        assert_eq!(load(context), Ok(()));
        for (body, says) in [
            (
                format!("{context}    regex: '(?P<secret>x)'\n"),
                "has both `regex` and `context`",
            ),
            (
                format!("{context}    keywords: [acme]\n"),
                "keywords are its context names",
            ),
            (
                "    keywords: [k]\n".to_string(),
                "needs a `regex` or a `context`",
            ),
            (
                "    context:\n      names: []\n      value: x\n".to_string(),
                "context.names must list",
            ),
            (
                "    context:\n      names: [acme]\n      keys: ['a b']\n      value: x\n"
                    .to_string(),
                "context.keys",
            ),
            (
                "    context:\n      names: [acme]\n      value: '(?P<secret>x)'\n".to_string(),
                "no group named `secret`",
            ),
            (
                "    context:\n      names: [acme]\n      value: '(x'\n".to_string(),
                "regex does not compile",
            ),
            (
                format!("{context}    pair: {{ with: nope, within: 3 }}\n"),
                "pair.with names unknown rule `nope`",
            ),
            (
                format!("{context}    pair: {{ with: c, within: 3 }}\n"),
                "pair.with names the rule itself",
            ),
            (
                format!("{context}    pair: {{ with: half, within: 51 }}\n"),
                "at most 50 lines",
            ),
        ] {
            let err = load(&body).expect_err(&body);
            assert!(
                err.contains(says) && err.contains("x.yaml"),
                "{body}: {err}"
            );
        }
        // A misspelt field inside `context` or `pair` is refused with its line.
        for (body, line) in [
            (format!("{context}      name: [acme]\n"), "line 15"),
            (
                format!("{context}    pair: {{ with: half, whithin: 3 }}\n"),
                "line 15",
            ),
        ] {
            let err = load(&body).expect_err(&body);
            assert!(err.contains(line), "{body}: {err}");
        }
    }

    #[test]
    fn a_context_rule_gets_its_keywords_and_regex_from_the_grammar() {
        let mut set = RuleSet::default();
        set.add_yaml(
            "x.yaml",
            "rules:\n  - id: c\n    name: n\n    description: d\n    severity: low\n    \
             context:\n      names: [acme_key]\n      value: '[0-9a-f]{32}'\n",
        )
        .expect("loads");
        let rule = &set.rules()[0];
        assert_eq!(
            rule.keywords(),
            ["acmekey", "acme_key", "acme-key", "acme.key"]
        );
        assert!(rule.pattern().contains("(?P<secret>[0-9a-f]{32})"));
        assert_eq!(rule.entropy_floor(), Some(context::DEFAULT_ENTROPY));
    }

    #[test]
    fn confidence_is_declared_or_derived_and_never_declared_validated() {
        let rule = |extra: &str, tags: &str| {
            let yaml = format!(
                "rules:\n  - id: r\n    name: n\n    description: d\n    severity: low\n    \
                 keywords: [acme_]\n    regex: '(?P<secret>acme_[a-z]+|[0-9]+)'\n    \
                 tags: [{tags}]\n{extra}"
            );
            let mut set = RuleSet::default();
            set.add_yaml("x.yaml", &yaml).map(|()| set.get(0).clone())
        };
        let provider = rule("", "acme").expect("loads");
        assert_eq!(provider.confidence(b"ACME_abc"), Confidence::Likely);
        assert_eq!(provider.confidence(b"12345"), Confidence::Possible);
        let generic = rule("", "generic").expect("loads");
        assert_eq!(generic.confidence(b"acme_abc"), Confidence::Possible);
        let declared = rule("    confidence: likely\n", "acme").expect("loads");
        assert_eq!(declared.confidence(b"12345"), Confidence::Likely);
        let err = rule("    confidence: validated\n", "acme")
            .unwrap_err()
            .to_string();
        assert!(err.contains("cannot be declared"), "{err}");
        assert!(rule("    confidence: sure\n", "acme").is_err());
    }

    #[test]
    fn a_secret_prefix_is_a_literal_the_secret_group_starts_with() {
        for (pattern, len) in [
            (r"\b(?P<secret>ghp_[A-Za-z0-9]{36})\b", 4),
            (r"(?P<secret>(?:sk-proj-|sk-admin-)[A-Za-z0-9]{40})", 8),
            (r"key=(?P<secret>[0-9]{32})", 0),
            (r"(?P<secret>[a-f0-9]{24}:[a-f0-9]{64})", 0),
            (r"(?i:twilio)[^\n]{0,60}?(?P<secret>AC[0-9a-f]{32})", 2),
            (r"(?P<secret>pat[A-Za-z0-9]{14}\.[a-f0-9]{64})", 3),
            (r"no secret group", 0),
            (r"(?P<secret>", 0),
        ] {
            assert_eq!(secret_prefix_len(pattern), len, "{pattern}");
        }
    }

    #[test]
    fn disabling_an_unknown_rule_is_refused() {
        let mut set = RuleSet::builtin().expect("built-in rules compile");
        assert!(set.disable(&["nope".into()]).is_err());
    }
}
