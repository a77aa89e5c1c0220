//! Properties (proptest) of everything that reads hostile input, through the library's public
//! API and the real binary: the matcher, the dotenv parser, the source-map reader, the rules
//! loader, standard input as a stream, and the JSON and SARIF reports. The readers the library
//! does not export (`.leakgate.yml`, the GitHub event payload, the large-file windows, the report
//! writers on their own) have their properties next to their code (`proptest!` in `src/`).
//!
//! Case counts are small so `cargo test` stays quick; `PROPTEST_CASES=100000 cargo test
//! --release --test properties` runs longer. A failure is shrunk to a small input and saved
//! under `proptest-regressions/`, which is committed, so it is tried first on every later run.

mod common;

use common::{Tokens, leakgate};
use leakgate::checks::bundle::sourcemap;
use leakgate::checks::env_files::dotenv::{self, Quote};
use leakgate::engine::{AllowList, Matcher, RuleInfos, Scratch, findings_in_blob};
use leakgate::finding::Finding;
use leakgate::rules::RuleSet;
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence};
use std::sync::{Arc, OnceLock};

/// `cases` cases, or `PROPTEST_CASES` when it is set (to run longer).
fn cases(cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(cases);
    Config {
        cases,
        // With the crate's other regressions (relative to the package root, where cargo runs
        // tests), not beside this file.
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/properties.txt",
        ))),
        ..Config::default()
    }
}

/// The built-in rules' matcher, built once for every property.
fn builtin() -> &'static (Matcher, RuleInfos) {
    static BUILT: OnceLock<(Matcher, RuleInfos)> = OnceLock::new();
    BUILT.get_or_init(|| {
        let rules = Arc::new(RuleSet::builtin().expect("built-in rules load"));
        let matcher = Matcher::new(rules, AllowList::default());
        let infos = RuleInfos::new(&matcher);
        (matcher, infos)
    })
}

fn scan(data: &[u8]) -> Vec<Finding> {
    let (matcher, infos) = builtin();
    findings_in_blob(matcher, infos, data, "f", &mut Scratch::default())
}

/// Every keyword of every built-in rule: input made of them reaches every rule's regex.
fn keywords() -> &'static Vec<String> {
    static KEYWORDS: OnceLock<Vec<String>> = OnceLock::new();
    KEYWORDS.get_or_init(|| {
        let mut all: Vec<String> = builtin()
            .0
            .rules()
            .rules()
            .iter()
            .flat_map(|r| r.spec.keywords.iter().cloned())
            .collect();
        all.sort();
        all.dedup();
        all
    })
}

/// Every example of every built-in rule (text the rules do match).
fn examples() -> &'static Vec<String> {
    static EXAMPLES: OnceLock<Vec<String>> = OnceLock::new();
    EXAMPLES.get_or_init(|| {
        let rules = builtin().0.rules().rules();
        rules
            .iter()
            .flat_map(|r| r.spec.examples.iter().cloned())
            .collect()
    })
}

/// Hostile bytes: random bytes, rule keywords, rule examples (secrets the rules find, also
/// at the very end of the input), and the punctuation rules and dotenv files key on, mixed.
fn hostile_bytes() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..40),
        prop::sample::select(keywords().clone()).prop_map(String::into_bytes),
        prop::sample::select(examples().clone()).prop_map(String::into_bytes),
        "[A-Za-z0-9+/=_-]{1,80}".prop_map(String::into_bytes),
        prop::sample::select(vec![
            "\n",
            "\r\n",
            " = ",
            ": ",
            "\"",
            "'",
            "`",
            "@",
            "://",
            "-----BEGIN ",
            "-----END ",
            "PRIVATE KEY-----",
            "leakgate:allow",
            "\u{202e}",
            "\u{200b}",
            "\t",
            "\\",
            "$",
            "${",
            "$(",
            "}",
            ")",
            "#",
            "export ",
            "A=",
            "\u{feff}",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

/// Line and column (1-based; columns in characters, a byte that cannot start one counting
/// nothing, as `engine::line_columns` documents) of byte `offset`, computed the slow way.
fn line_column(data: &[u8], offset: usize) -> (usize, usize) {
    let before = &data[..offset];
    let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = 1 + before[line_start..]
        .utf8_chunks()
        .map(|c| {
            c.valid().chars().count() + c.invalid().iter().filter(|&&b| b & 0xC0 != 0x80).count()
        })
        .sum::<usize>();
    (line, column)
}

/// A provider token made at test time from its documented format, and the rule that must find
/// it.
fn token() -> impl Strategy<Value = (String, &'static str)> {
    (0..5usize, any::<u64>()).prop_map(|(kind, seed)| {
        let mut t = Tokens::new(seed);
        match kind {
            0 => (t.github_pat(), "github-pat-classic"),
            1 => (t.aws_key_id(), "aws-access-key-id"),
            2 => (t.stripe_live(), "stripe-secret-key-live"),
            3 => (format!("glpat-{}", t.base62(20)), "gitlab-pat"),
            _ => (
                format!(
                    "xoxb-{}-{}-{}",
                    t.pick(b"0123456789", 11),
                    t.pick(b"0123456789", 12),
                    t.base62(24)
                ),
                "slack-bot-token",
            ),
        }
    })
}

/// Text that cannot be part of a token: anything but ASCII letters, digits and the characters
/// tokens are made of (every other Unicode character, controls, line ends, RTL and zero-width
/// marks). A token planted in it stands alone, so it must be found exactly once.
fn surroundings() -> impl Strategy<Value = String> {
    "[^0-9A-Za-z_.+/=-]{0,200}"
}

proptest! {
    #![proptest_config(cases(16))]

    /// The matcher never panics, and every finding points inside the input.
    #[test]
    fn the_matcher_never_panics_and_places_findings_inside_the_input(data in hostile_bytes()) {
        let findings = scan(&data);
        let lines = 1 + data.iter().filter(|&&b| b == b'\n').count();
        for f in &findings {
            prop_assert!(!f.secret.is_empty());
            let l = &f.location;
            prop_assert!(l.line >= 1 && l.column >= 1 && l.line <= lines, "{l:?}");
            prop_assert!((l.end_line, l.end_column) >= (l.line, l.column), "{l:?}");
            prop_assert!(l.end_line <= lines, "{l:?}");
        }
    }

    /// A token planted at any character offset of any surrounding text is found exactly once,
    /// by its own rule, at the right line and column.
    #[test]
    fn a_token_at_any_offset_is_found_exactly_once_at_its_place(
        text in surroundings(),
        at in any::<prop::sample::Index>(),
        (token, rule) in token(),
    ) {
        let boundaries: Vec<usize> = text
            .char_indices()
            .map(|(i, _)| i)
            .chain([text.len()])
            .collect();
        let offset = *at.get(&boundaries);
        let data = format!("{}{token}{}", &text[..offset], &text[offset..]);
        let findings = scan(data.as_bytes());
        let found: Vec<(&str, &str)> = findings
            .iter()
            .map(|f| (f.rule.id.as_str(), f.secret.as_str()))
            .collect();
        prop_assert_eq!(found, vec![(rule, token.as_str())]);
        let l = &findings[0].location;
        let start = line_column(data.as_bytes(), offset);
        let end = line_column(data.as_bytes(), offset + token.len());
        prop_assert_eq!((l.line, l.column, l.end_line, l.end_column), (start.0, start.1, end.0, end.1));
    }

    /// Every built-in rule's every example, planted as lines of any surrounding text, is found
    /// exactly as it is found alone: same rules, same secrets, lines shifted by the lines before.
    #[test]
    fn every_rule_example_is_found_exactly_once_among_any_lines(
        before in prop::collection::vec(surroundings(), 0..4),
        after in prop::collection::vec(surroundings(), 0..4),
        which in any::<prop::sample::Index>(),
    ) {
        let (matcher, _) = builtin();
        let examples: Vec<&String> = matcher.rules().rules().iter().flat_map(|r| &r.spec.examples).collect();
        let example = which.get(&examples);
        let alone = scan(example.as_bytes());
        prop_assert!(!alone.is_empty(), "example not found alone: {example}");
        let before: String = before.iter().map(|l| format!("{}\n", l.replace('\n', " "))).collect();
        let after: String = after.iter().map(|l| format!("\n{}", l.replace('\n', " "))).collect();
        let data = format!("{before}{example}{after}");
        let shift = before.matches('\n').count();
        let place = |f: &Finding| {
            let l = &f.location;
            (f.rule.id.clone(), f.secret.clone(), l.line, l.column, l.end_line, l.end_column)
        };
        let expected: Vec<_> = alone
            .iter()
            .map(|f| {
                let mut p = place(f);
                p.2 += shift;
                p.4 += shift;
                p
            })
            .collect();
        let got: Vec<_> = scan(data.as_bytes()).iter().map(place).collect();
        prop_assert_eq!(got, expected);
    }
}

// ---------------------------------------------------------------------------------------------
// The dotenv parser.

/// One assignment as a test writes it, and what the parser must read back.
#[derive(Debug, Clone)]
struct Assignment {
    key: String,
    value: String,
    quote: Quote,
    /// `export `, leading blanks, `=` with spaces, or `: `.
    prefix: String,
    operator: &'static str,
}

fn assignment() -> impl Strategy<Value = Assignment> {
    let unquoted =
        "[A-Za-z0-9_./:@+=,${}()-]([A-Za-z0-9_./:@+=,${}() \t-]{0,20}[A-Za-z0-9_./:@+=,${}()-])?"
            .prop_map(|v| (v, Quote::None));
    let double = "\\PC{0,20}|[\\\\\"'`$\n\t a-z{}]{0,20}".prop_map(|v| (v, Quote::Double));
    let single = "[^'\\\\\r]{0,20}".prop_map(|v| (v, Quote::Single));
    let back = "[^`\\\\\r]{0,20}".prop_map(|v| (v, Quote::Back));
    (
        "[A-Za-z_][A-Za-z0-9_.-]{0,12}",
        prop_oneof![unquoted, double, single, back],
        prop::sample::select(vec!["", "export ", "  ", "\t", "export\t "]),
        prop::sample::select(vec!["=", " = ", "=\t", ": "]),
    )
        .prop_map(|(key, (value, quote), prefix, operator)| Assignment {
            key,
            value,
            quote,
            prefix: prefix.to_string(),
            operator,
        })
}

/// The value as written in the file.
fn written(a: &Assignment) -> String {
    match a.quote {
        Quote::None => a.value.clone(),
        Quote::Single => format!("'{}'", a.value),
        Quote::Back => format!("`{}`", a.value),
        Quote::Double => {
            let mut out = String::from("\"");
            for c in a.value.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '"' => out.push_str("\\\""),
                    '$' => out.push_str("\\$"),
                    '\r' => out.push_str("\\r"),
                    c => out.push(c),
                }
            }
            out.push('"');
            out
        }
    }
}

proptest! {
    #![proptest_config(cases(128))]

    /// Any bytes parse without a panic; every entry points inside the file, its value span is
    /// its raw text, and its references are slices of its value.
    #[test]
    fn the_dotenv_parser_never_panics_and_stays_inside_the_file(data in hostile_bytes()) {
        let parsed = dotenv::parse(&data);
        let lines = 1 + data.iter().filter(|&&b| b == b'\n').count();
        for e in &parsed.entries {
            prop_assert!(e.value_span.start <= e.value_span.end && e.value_span.end <= data.len());
            prop_assert!(e.line >= 1 && e.line <= e.end_line && e.end_line <= lines, "{e:?}");
            prop_assert!(e.column >= 1);
            for r in &e.references {
                prop_assert!(e.value.get(r.clone()).is_some(), "{e:?}");
            }
            let _ = e.masked_value();
            let _ = e.is_reference_only();
        }
        for m in &parsed.malformed {
            prop_assert!(m.line >= 1 && m.line <= lines);
        }
    }

    /// What a dotenv file says is what the parser reads: every key, value, quote style, line
    /// and column, around blank lines and comments, with LF or CRLF line ends and a BOM.
    #[test]
    fn dotenv_files_read_back_exactly_what_they_say(
        items in prop::collection::vec((assignment(), 0..3usize, "[^\n\r]{0,10}"), 0..12),
        crlf in any::<bool>(),
        bom in any::<bool>(),
    ) {
        let eol = if crlf { "\r\n" } else { "\n" };
        let mut file = String::new();
        if bom {
            file.push('\u{feff}');
        }
        let mut line = 1;
        let mut expected = Vec::new();
        for (a, extra, comment) in &items {
            match extra {
                1 => { file.push_str(eol); line += 1; }
                2 => { file.push_str(&format!("# {comment}{eol}")); line += 1; }
                _ => {}
            }
            let value = written(a);
            file.push_str(&format!("{}{}{}{value}{eol}", a.prefix, a.key, a.operator));
            // A literal line end inside a quoted value: CRLF reads as LF.
            let expected_value = match a.quote {
                Quote::None => a.value.clone(),
                _ => a.value.replace("\r\n", "\n"),
            };
            let end_line = line + value.matches('\n').count();
            expected.push((a.key.clone(), expected_value, a.quote, line, 1 + a.prefix.chars().count(), end_line));
            line = end_line + 1;
        }
        let parsed = dotenv::parse(file.as_bytes());
        prop_assert!(parsed.malformed.is_empty(), "{:?} in {file:?}", parsed.malformed);
        let got: Vec<_> = parsed
            .entries
            .iter()
            .map(|e| (e.key.clone(), e.value.clone(), e.quote, e.line, e.column, e.end_line))
            .collect();
        prop_assert_eq!(got, expected, "{:?}", file);
    }
}

// ---------------------------------------------------------------------------------------------
// The source-map reader.

fn json_string() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,30}",
        "[\u{0}-\u{1f}\"\\\\</>\u{2028}\u{202e}\u{200b}a-z]{0,30}"
    ]
}

proptest! {
    #![proptest_config(cases(128))]

    /// Any bytes, and any JSON value, are read without a panic: a source map or an error.
    #[test]
    fn the_source_map_reader_never_panics(data in hostile_bytes(), json in json_value()) {
        let _ = sourcemap::parse(&data);
        let text = serde_json::to_vec(&json).expect("a JSON value serialises");
        let _ = sourcemap::parse(&text);
        let _ = sourcemap::parse_data_url(&[b"data:application/json;base64,".as_slice(), &data].concat());
        let _ = sourcemap::parse_data_url(&[b"data:application/json,".as_slice(), &data].concat());
    }

    /// A map's sources and embedded texts are read back exactly, whatever they hold, plain
    /// or behind the XSSI prefix, and from a `data:` URL.
    #[test]
    fn a_source_map_reads_back_every_source_and_text(
        sources in prop::collection::vec((json_string(), prop::option::of(json_string())), 0..6),
        root in prop::option::of(json_string()),
        xssi in any::<bool>(),
    ) {
        let map = serde_json::json!({
            "version": 3,
            "mappings": "AAAA",
            "sourceRoot": root,
            "sources": sources.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            "sourcesContent": sources.iter().map(|(_, c)| c).collect::<Vec<_>>(),
        });
        let mut text = serde_json::to_vec(&map).expect("serialises");
        if xssi {
            text.splice(0..0, b")]}'\n".iter().copied());
        }
        let read = sourcemap::parse(&text).expect("a valid map is read");
        let got: Vec<(String, Option<String>)> =
            read.sources.into_iter().map(|s| (s.raw_name, s.content)).collect();
        prop_assert_eq!(&got, &sources);
        prop_assert_eq!(read.source_root, root.filter(|r| !r.is_empty()));
        let encoded: String = text
            .iter()
            .map(|b| format!("%{b:02X}"))
            .collect();
        let from_url = sourcemap::parse_data_url(format!("data:application/json,{encoded}").as_bytes())
            .expect("a data URL is read");
        prop_assert_eq!(from_url.sources.len(), sources.len());
    }

    /// Whatever a map calls its sources, the path they are shown at never climbs out of the
    /// tree (`..`), and stays relative when the map's own path is.
    #[test]
    fn source_names_never_leave_the_tree(
        map_path in "([a-z.]{1,3}/){0,3}[a-z]{1,3}\\.map",
        root in prop::option::of("[a-z./:]{0,12}"),
        name in "([a-z.]{0,3}|\\.\\.|[a-z+-]{1,8}://)(/?([a-z.]{1,3}|\\.\\.|/)){0,6}[?#]?[a-z./]{0,4}",
    ) {
        let shown = sourcemap::original_path(&map_path, root.as_deref(), &name);
        prop_assert!(!shown.starts_with('/'), "{shown}");
        prop_assert!(!shown.split('/').any(|part| part == ".."), "{shown}");
    }
}

/// Any JSON value (for readers that must refuse what is not theirs without a panic).
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        json_string().prop_map(Value::String),
        Just(Value::from(3)),
        Just(Value::from("AAAA")),
    ];
    leaf.prop_recursive(4, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    json_string(),
                    prop::sample::select(vec![
                        "version",
                        "mappings",
                        "sources",
                        "sourcesContent",
                        "sourceRoot",
                        "sections",
                        "map",
                        "offset",
                        "url",
                    ])
                    .prop_map(String::from),
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A map behind many XSSI prefix lines is refused without exhausting the stack: the prefix is
/// one line, once (each extra one used to cost a stack frame, so a large hostile `.map` in build
/// output crashed the scan).
#[test]
fn a_map_behind_a_million_prefix_lines_is_refused_without_a_crash() {
    let mut data = b")]}'\n".repeat(1_000_000);
    data.extend_from_slice(br#"{"version":3,"mappings":"","sources":["a.js"]}"#);
    assert!(sourcemap::parse(&data).is_err());
    let once = [
        b")]}'\n".as_slice(),
        br#"{"version":3,"mappings":"","sources":["a.js"]}"#,
    ]
    .concat();
    assert_eq!(
        sourcemap::parse(&once)
            .expect("one prefix line is allowed")
            .sources
            .len(),
        1
    );
}

// ---------------------------------------------------------------------------------------------
// The rules loader.

/// A rules file around a planted token: the token in any field, and fields mistyped, missing
/// or unknown.
fn rules_file(token: String) -> impl Strategy<Value = String> {
    // The regex most often: a pattern that does not compile is quoted by its compiler.
    let field = prop_oneof![
        2 => Just("regex"),
        1 => prop::sample::select(vec![
            "id", "name", "description", "severity", "keywords", "regex", "entropy", "allow",
            "validate", "publishable", "window", "tags", "local_severity", "examples",
            "negative_examples", "unknown_field",
        ]),
    ];
    let shape = prop::sample::select(vec![
        "{}",
        "'{}'",
        "\"{}\"",
        "[{}]",
        "[{}, x]",
        "{{a: {}}}",
        "|\n      {}",
        "(?P<secret>{})",
        "'(?P<secret>{}'",
        "'{}(?P<secret>x)'",
        "&a {}",
        "*{}",
        "!!binary {}",
    ]);
    (
        prop::collection::vec((field, shape), 1..3),
        any::<bool>(),
        hostile_bytes(),
    )
        .prop_map(move |(planted, valid_rest, noise)| {
            let mut fields: Vec<(String, String)> = vec![
                ("id".into(), "t-rule".into()),
                ("name".into(), "T".into()),
                ("description".into(), "d".into()),
                ("severity".into(), "high".into()),
                ("keywords".into(), "[tok]".into()),
                ("regex".into(), "'tok(?P<secret>[a-z]{8})'".into()),
            ];
            for (field, shape) in planted {
                let value = shape.replace("{}", &token);
                match fields.iter_mut().find(|(k, _)| k == field) {
                    Some(slot) => slot.1 = value,
                    None => fields.push((field.to_string(), value)),
                }
            }
            let mut text = String::from("rules:\n");
            for (i, (k, v)) in fields.iter().enumerate() {
                let lead = if i == 0 { "  - " } else { "    " };
                text.push_str(&format!("{lead}{k}: {v}\n"));
            }
            if !valid_rest {
                text.push_str(&String::from_utf8_lossy(&noise));
            }
            text
        })
}

proptest! {
    #![proptest_config(cases(64))]

    /// A rules file that holds a secret in the wrong place is refused (or loaded) without a
    /// panic, and its error never repeats the secret: errors end up in CI logs.
    #[test]
    fn a_rules_file_error_never_repeats_a_secret_in_it(
        (token, file) in token().prop_flat_map(|(token, _)| (Just(token.clone()), rules_file(token))),
    ) {
        let mut set = RuleSet::default();
        if let Err(e) = set.add_yaml("rules.yaml", &file) {
            let message = leakgate_error_chain(&e);
            prop_assert!(!message.contains(&token), "{message}");
            prop_assert!(!message.contains('\n'), "{message}");
        }
        for e in RuleSet::default().add_yaml_reporting_all("rules.yaml", &file) {
            let message = leakgate_error_chain(&e);
            prop_assert!(!message.contains(&token), "{message}");
        }
    }

    /// Any text at all is loaded or refused, never a panic.
    #[test]
    fn the_rules_loader_never_panics(data in hostile_bytes()) {
        let text = String::from_utf8_lossy(&data);
        let _ = RuleSet::default().add_yaml("rules.yaml", &text);
        let _ = RuleSet::default().add_yaml_reporting_all("rules.yaml", &format!("rules:\n  - {text}"));
    }
}

/// An error and its causes on one line, as the binary prints them.
fn leakgate_error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

// ---------------------------------------------------------------------------------------------
// The JSON and SARIF reports, end to end: the real binary on a real tree with hostile names.

/// A file name as a repository may have one: any Unicode (RTL and zero-width marks), control
/// characters, bytes that are not UTF-8, markup, and a token (which must not be printed).
fn hostile_name(token: String) -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        "[^/\u{0}]{1,8}".prop_map(String::into_bytes),
        prop::sample::select(vec![
            "</script>",
            "\u{202e}",
            "\u{200b}",
            "\u{feff}",
            "\u{1b}[31m",
            "\t",
            "\n",
            "\r",
            " ",
            "%20",
            "#",
            "?",
            ":",
            "\\",
            "..",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
        prop::sample::select(vec![
            vec![0xffu8],
            vec![0xc3],
            vec![0x80, 0x80],
            vec![0xed, 0xa0, 0x80]
        ]),
        // Standing alone, so it is a token (`xghp_…` is not one).
        Just(format!(" {token} ").into_bytes()),
    ];
    prop::collection::vec(piece, 1..6)
        .prop_map(|pieces| {
            let mut name = pieces.concat();
            name.truncate(200);
            name
        })
        .prop_filter("a usable file name", |n| {
            !n.is_empty() && n != b"." && n != b".." && !n.contains(&b'/') && !n.contains(&0)
        })
}

/// Every string in a JSON document, keys included.
fn json_strings(value: &serde_json::Value, out: &mut Vec<String>) {
    use serde_json::Value;
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| json_strings(v, out)),
        Value::Object(map) => {
            for (k, v) in map {
                out.push(k.clone());
                json_strings(v, out);
            }
        }
        _ => {}
    }
}

proptest! {
    #![proptest_config(cases(3))]

    /// A tree whose file name is hostile (and holds a token) and whose file holds a token among
    /// hostile lines (control characters, RTL marks, a huge line): the JSON or SARIF report
    /// parses back, reports the token exactly once at its line and column, and holds neither
    /// token in full anywhere. SARIF also passes the SARIF Multitool when
    /// `LEAKGATE_SARIF_MULTITOOL` is set (as `.ci/run` does).
    #[test]
    fn reports_of_hostile_trees_are_valid_and_never_hold_a_secret(
        ((name_token, _), name) in token().prop_flat_map(|t| (Just(t.clone()), hostile_name(t.0))),
        (token, rule) in token(),
        before in prop::collection::vec(surroundings(), 0..4),
        after in surroundings(),
        huge in prop::option::of(1usize..30_000),
        sarif in any::<bool>(),
    ) {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let mut text = before.join("\n");
        if let Some(n) = huge {
            text.push_str(&"\u{202e}x".repeat(n / 4));
        }
        text.push(' ');
        let offset = text.len();
        let data = format!("{text}{token} {after}\n");
        let path = dir.path().join(std::ffi::OsStr::from_bytes(&name));
        std::fs::write(&path, &data).expect("write the file");
        let out_dir = tempfile::tempdir().expect("temp dir");
        let report = out_dir.path().join("report");
        let format = if sarif { "sarif" } else { "json" };
        let run = leakgate()
            .arg("scan")
            .arg(dir.path())
            .args(["--no-git", "--format", format, "--output"])
            .arg(&report)
            .output()
            .expect("the binary runs");
        let stderr = String::from_utf8_lossy(&run.stderr);
        prop_assert_eq!(run.status.code(), Some(1), "{}", stderr);
        let raw = std::fs::read(&report).expect("the report is written");
        let doc: serde_json::Value = serde_json::from_slice(&raw)
            .map_err(|e| TestCaseError::fail(format!("not JSON: {e}")))?;
        // Where the token is: (line, column) to (line, column), as the slow count says.
        let start = line_column(data.as_bytes(), offset);
        let end = line_column(data.as_bytes(), offset + token.len());
        let places: Vec<(String, u64, u64, u64, u64)> = if sarif {
            let run = &doc["runs"][0];
            let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
            run["results"]
                .as_array()
                .expect("results")
                .iter()
                .map(|r| {
                    let index = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
                    assert_eq!(rules[index]["id"], r["ruleId"]);
                    let region = &r["locations"][0]["physicalLocation"]["region"];
                    let n = |k: &str| region[k].as_u64().expect("a region");
                    let rule = r["ruleId"].as_str().expect("ruleId").to_string();
                    (rule, n("startLine"), n("startColumn"), n("endLine"), n("endColumn"))
                })
                .collect()
        } else {
            doc["findings"]
                .as_array()
                .expect("findings")
                .iter()
                .map(|f| {
                    let n = |k: &str| f[k].as_u64().expect("a place");
                    let rule = f["rule"].as_str().expect("rule").to_string();
                    (rule, n("line"), n("column"), n("end_line"), n("end_column"))
                })
                .collect()
        };
        let expected = (rule.to_string(), start.0 as u64, start.1 as u64, end.0 as u64, end.1 as u64);
        prop_assert_eq!(places, vec![expected]);
        let mut strings = Vec::new();
        json_strings(&doc, &mut strings);
        let raw_text = String::from_utf8_lossy(&raw);
        for secret in [&token, &name_token] {
            prop_assert!(!raw_text.contains(secret.as_str()), "{secret} is in the report");
            prop_assert!(!strings.iter().any(|s| s.contains(secret.as_str())), "{secret} is in the report");
            prop_assert!(!stderr.contains(secret.as_str()), "{secret} is on stderr");
        }
        if sarif && let Some(tool) = common::sarif_multitool() {
            let file = out_dir.path().join("report.sarif");
            std::fs::rename(&report, &file).expect("rename");
            common::assert_valid_sarif(&tool, &file);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The bugs these properties found, end to end through the binary (each failed on main).

/// A token written right after letters of another script is a token (word boundaries in rule
/// regexes used to be Unicode-aware, so `密钥AKIA…` had no boundary and was missed).
#[test]
fn a_token_right_after_letters_of_another_script_is_found() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut t = Tokens::new(16);
    let (aws, github) = (t.aws_key_id(), t.github_pat());
    common::write(
        dir.path(),
        "notes.txt",
        format!("密钥{aws}\nключ{github}ж\n"),
    );
    let out = leakgate()
        .arg("scan")
        .arg(dir.path())
        .args(["--no-git", "--format", "json"])
        .output()
        .expect("the binary runs");
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let found: Vec<(&str, u64, u64)> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().expect("rule"),
                f["line"].as_u64().expect("line"),
                f["column"].as_u64().expect("column"),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![("aws-access-key-id", 1, 3), ("github-pat-classic", 2, 5)]
    );
}

/// On standard input, a token after the cut of a line longer than a block (1 MiB) is placed at
/// its column in the whole line (it used to be counted from the cut).
#[test]
fn a_token_after_a_long_line_cut_on_stdin_has_its_column_in_the_line() {
    let token = Tokens::new(7).github_pat();
    let before = 1_044_480;
    let input = format!("{} {token} {}\n", ".".repeat(before), ".".repeat(100_000));
    let out = leakgate()
        .args(["scan", "-", "--format", "json"])
        .write_stdin(input)
        .output()
        .expect("the binary runs");
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let f = &doc["findings"][0];
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(1), Some(before as u64 + 2))
    );
    assert_eq!(doc["findings"].as_array().map(Vec::len), Some(1));
}

/// Files from several roots are named by absolute paths; SARIF gives them as `file:` URIs with
/// no base (a relative reference under `%SRCROOT%` must not start with `/`: the SARIF
/// Multitool rejected the report).
#[test]
fn sarif_of_files_outside_one_root_is_valid() {
    let (a, b) = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let mut t = Tokens::new(3);
    common::write(a.path(), "x.env", format!("TOKEN={}\n", t.github_pat()));
    common::write(b.path(), "y.env", format!("TOKEN={}\n", t.github_pat()));
    let out_dir = tempfile::tempdir().expect("dir");
    let sarif = out_dir.path().join("r.sarif");
    leakgate()
        .arg("scan")
        .arg(a.path().join("x.env"))
        .arg(b.path().join("y.env"))
        .args(["--no-git", "--format", "sarif", "--output"])
        .arg(&sarif)
        .assert()
        .code(1);
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&sarif).expect("report")).expect("JSON");
    let results = doc["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 2);
    for r in results {
        let location = &r["locations"][0]["physicalLocation"]["artifactLocation"];
        let uri = location["uri"].as_str().expect("uri");
        assert!(
            uri.starts_with("file:///") && location.get("uriBaseId").is_none()
                || !uri.starts_with('/') && location["uriBaseId"] == "%SRCROOT%",
            "{location}"
        );
    }
    if let Some(tool) = common::sarif_multitool() {
        common::assert_valid_sarif(&tool, &sarif);
    }
}
