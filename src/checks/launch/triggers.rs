//! Which families a code file could concern, decided from its path and words before anything
//! is parsed.
//!
//! Why: parsing is the launch checks' whole cost. Parsing every source file of a tree made a
//! files-only scan of saleor 3x slower and of polar 4x slower (0.43 s -> 1.33 s, 0.54 s ->
//! 2.21 s, 2 cores), and on 544 MB of npm packages kept as application code the parse was
//! 60% of the scan, although a family only ever reports on a few shapes: the debug checks read
//! a Python module that imports Flask or FastAPI (or a production settings module) and three
//! build configuration files, not every file that says `debug`.
//!
//! How: one case-insensitive Aho-Corasick pass (a DFA, overlapping matches) over the file finds
//! every word any family asks for ([`Words`]); then each family gives its own condition (`concerns` in each module) over
//! those words, the path and the language. Two layers, both necessary conditions:
//! - [`BASELINE`]: per family, groups of words of which each must have one in the file (the
//!   gate the checks were measured behind; kept so no family ever runs where it did not);
//! - the family's `concerns`: a condition each of its checks needs to report anything, derived
//!   from the code that reports (a signature header literal, a log call's sensitive argument,
//!   a Flask import): a family whose condition is false cannot report, so skipping it loses
//!   nothing. Property tests run every family unconditionally on generated files and compare.
//!
//! Some conditions read a second, filtered view of the text ([`Words::squashed`]: lower-case
//! ASCII letters, digits and `/` only), built only when asked: a name such as `api__key` or a
//! route such as `/sign-up` is judged by the checks with punctuation removed, so its words are
//! looked for the same way.

use super::syntax::Language;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use std::cell::OnceCell;
use std::sync::LazyLock;

/// The families that read code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Cors,
    Cookies,
    Webhooks,
    Logs,
    Debug,
}

/// Per family, groups of words: the family can run only when every group has at least one
/// word in the file (ASCII case-insensitive). These are the words the families were gated on
/// before the per-family conditions existed; each family's `concerns` narrows them further.
const BASELINE: &[(Family, &[&[&str]])] = &[
    (Family::Cors, &[&["cors", "access-control-allow"]]),
    // Every session option the cookie checks judge is spelt with `cookie` (`cookie: {..}`,
    // `cookieSession`, `SESSION_COOKIE_SECURE`, `set_cookie`); `session` alone is mostly
    // a database session in Python.
    (Family::Cookies, &[&["cookie"]]),
    (Family::Webhooks, &[&["webhook", "signature", "hmac"]]),
    (
        Family::Logs,
        &[
            // What `logs` takes for a log call: console, *logger, log, _log, logging, winston,
            // pino, structlog, and Python's print/pprint (`log` alone is in login, dialog).
            &[
                "console", "logger", "logging", "log.", "winston", "pino", "print(", "pprint",
            ],
            &[
                "headers",
                "environ",
                "process.env",
                "authorization",
                "cookie",
                "password",
                "passwd",
                "token",
                "secret",
                "body",
                "meta",
                "json",
                "form",
                "data",
                "values",
                "apikey",
                "api_key",
                "privatekey",
                "private_key",
                "jwt",
            ],
        ],
    ),
    (
        Family::Debug,
        &[&["debug", "sourcemap", "source_map", "sourcemaps", "devtool"]],
    ),
];

/// The words as one automaton: each distinct word once.
struct Automaton {
    /// Every distinct word, lower case, sorted: a word's index is its place here, and the
    /// automaton's pattern id.
    words: Vec<String>,
    search: AhoCorasick,
}

static AUTOMATON: LazyLock<Automaton> = LazyLock::new(|| {
    let mut words: Vec<String> = BASELINE
        .iter()
        .flat_map(|(_, groups)| groups.iter().flat_map(|g| g.iter()))
        .map(|w| w.to_string())
        .chain(super::family_words())
        .map(|w| w.to_ascii_lowercase())
        .collect();
    words.sort();
    words.dedup();
    // A DFA searched for overlapping matches reports every occurrence of every word (one
    // inside another, `signature` in `stripe-signature`, or overlapping it) in one
    // transition per byte. The leftmost-longest search it replaces restarted after each match
    // (one byte after its start, so no word hid another), and the words are common enough in
    // code (`data`, `env`, `json`, `console`) that the restarts cost 2.5x the DFA's pass.
    let search = AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .kind(Some(AhoCorasickKind::DFA))
        .build(&words)
        .expect("a few hundred short literal words always build");
    Automaton { words, search }
});

/// The words of the automaton a file holds (ASCII case-insensitive), and the file itself for
/// the filtered view.
pub struct Words<'a> {
    seen: Vec<bool>,
    data: &'a [u8],
    squashed: OnceCell<Vec<u8>>,
}

impl<'a> Words<'a> {
    /// One pass over `data`, every occurrence of every word (overlapping ones too, so a word
    /// starting inside another, `signature` in `corsignature`, is still seen).
    pub fn of(data: &'a [u8]) -> Words<'a> {
        let automaton = &*AUTOMATON;
        let mut seen = vec![false; automaton.words.len()];
        for found in automaton.search.find_overlapping_iter(data) {
            seen[found.pattern().as_usize()] = true;
        }
        Words {
            seen,
            data,
            squashed: OnceCell::new(),
        }
    }

    /// Whether `word` (lower case, one of the automaton's) is in the file. A word the automaton
    /// does not know answers yes: a condition can only be too wide, never too narrow.
    pub fn has(&self, word: &str) -> bool {
        let automaton = &*AUTOMATON;
        match automaton.words.binary_search_by(|w| w.as_str().cmp(word)) {
            Ok(index) => self.seen[index],
            Err(_) => {
                debug_assert!(false, "`{word}` is not a trigger word");
                true
            }
        }
    }

    /// The file's bytes, for the conditions that look closer than a word.
    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    /// Whether any of `words` is in the file.
    pub fn any<S: AsRef<str>>(&self, words: &[S]) -> bool {
        words.iter().any(|w| self.has(w.as_ref()))
    }

    /// Whether the file, lower-cased with everything but ASCII letters, digits and `/` removed,
    /// contains `needle` (lower case). A name or string a check judges with punctuation removed
    /// (`says_auth`, `credential_name`) is a contiguous part of the file, so what it contains
    /// once filtered, the filtered file contains too.
    pub fn squashed_has(&self, needle: &str) -> bool {
        let squashed = self.squashed.get_or_init(|| {
            self.data
                .iter()
                .filter(|b| b.is_ascii_alphanumeric() || **b == b'/')
                .map(u8::to_ascii_lowercase)
                .collect()
        });
        memchr::memmem::find(squashed, needle.as_bytes()).is_some()
    }
}

/// The families whose conditions hold for a file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Wanted(u32);

impl Wanted {
    fn bit(family: Family) -> u32 {
        1 << BASELINE
            .iter()
            .position(|(f, _)| *f == family)
            .expect("every family has words")
    }

    pub fn has(self, family: Family) -> bool {
        self.0 & Wanted::bit(family) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// The file a condition is asked about.
pub struct Subject<'a, 'w> {
    /// Relative to the scanned root, `/`-separated (what the checks judge names by).
    pub relative: &'a str,
    pub language: Language,
    pub words: &'w Words<'a>,
}

/// Whether every group of `family`'s baseline words has a word in the file.
fn baseline(family: Family, words: &Words<'_>) -> bool {
    BASELINE
        .iter()
        .filter(|(f, _)| *f == family)
        .flat_map(|(_, groups)| groups.iter())
        .all(|group| words.any(group))
}

/// Which families the file at `relative` with these bytes could concern.
pub fn wanted(relative: &str, language: Language, data: &[u8]) -> Wanted {
    let words = Words::of(data);
    let subject = Subject {
        relative,
        language,
        words: &words,
    };
    let mut wanted = 0;
    for (family, _) in BASELINE {
        if baseline(*family, &words) && super::concerns(*family, &subject) {
            wanted |= Wanted::bit(*family);
        }
    }
    Wanted(wanted)
}

/// Which families the words alone allow (the gate before the per-family conditions): what
/// the tests compare the narrowed gate with.
#[cfg(test)]
pub fn baseline_wanted(data: &[u8]) -> Wanted {
    let words = Words::of(data);
    let mut wanted = 0;
    for (family, _) in BASELINE {
        if baseline(*family, &words) {
            wanted |= Wanted::bit(*family);
        }
    }
    Wanted(wanted)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(path: &str, text: &str) -> Wanted {
        wanted(path, Language::Tsx, text.as_bytes())
    }

    #[test]
    fn a_family_runs_only_when_its_words_are_there() {
        let w = code("src/app.ts", "app.use(CORS({ origin: true }))");
        assert!(w.has(Family::Cors));
        assert!(!w.has(Family::Cookies) && !w.has(Family::Logs));
        // A logging call without anything sensitive, and sensitive words without a log call.
        assert!(!code("a.js", "console.info('started')").has(Family::Logs));
        assert!(!code("a.js", "const headers = {}").has(Family::Logs));
        assert!(code("a.js", "console.info(req.headers)").has(Family::Logs));
        assert!(
            wanted("a.py", Language::Python, b"import os\nprint(os.environ)").has(Family::Logs)
        );
        assert!(code("a.js", "").is_empty());
        // A longer word counts as the shorter words it contains.
        assert!(wanted("settings/prod.py", Language::Python, b"DEBUG(x)").has(Family::Debug));
    }

    #[test]
    fn the_families_own_conditions_narrow_the_words() {
        // `debug` in a library is not a Flask app or a build configuration.
        let library = "const debug = require('debug')('x');";
        assert!(baseline_wanted(library.as_bytes()).has(Family::Debug));
        assert!(!code("lib/index.js", library).has(Family::Debug));
        assert!(
            code(
                "next.config.js",
                "productionBrowserSourceMaps: true // debug"
            )
            .has(Family::Debug)
        );
        let flask = b"from flask import Flask\napp.run(debug=True)";
        assert!(wanted("app.py", Language::Python, flask).has(Family::Debug));
        assert!(!wanted("lib.py", Language::Python, b"DEBUG = True").has(Family::Debug));
        assert!(
            wanted("settings/production.py", Language::Python, b"DEBUG = True").has(Family::Debug)
        );
        // Form data in a library that logs is not an auth route's body.
        let data = "console.log(format(data.values))";
        assert!(baseline_wanted(data.as_bytes()).has(Family::Logs));
        assert!(!code("lib/format.js", data).has(Family::Logs));
        // Nor is it in an auth route when no request object is in front of it.
        assert!(!code("routes/login.js", data).has(Family::Logs));
        assert!(code("routes/login.js", "console.log(format(req.values))").has(Family::Logs));
        assert!(
            code(
                "r.js",
                "router.post('/sign-in', (req) => console.log(req.body))"
            )
            .has(Family::Logs)
        );
        // A cryptographic `signature` is not a webhook.
        let crypto = "export function verify(signature, key) { return check(signature); }";
        assert!(baseline_wanted(crypto.as_bytes()).has(Family::Webhooks));
        assert!(!code("lib/sign.js", crypto).has(Family::Webhooks));
        assert!(code("api.js", "req.headers['Stripe-Signature']").has(Family::Webhooks));
        assert!(
            wanted(
                "v.py",
                Language::Python,
                b"request.META['HTTP_STRIPE_SIGNATURE']"
            )
            .has(Family::Webhooks)
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(500))]

        /// The one pass sees exactly the words the file contains (ASCII case-insensitive), on
        /// text stitched from the words, their pieces, other cases and noise bytes.
        #[test]
        fn the_pass_sees_exactly_the_words_in_the_file(
            picks in proptest::collection::vec((0usize..1000, 0usize..6, 0usize..40), 0..60),
        ) {
            let words = &AUTOMATON.words;
            let mut text: Vec<u8> = Vec::new();
            for (pick, shape, cut) in picks {
                let word = words[pick % words.len()].as_bytes();
                let cut = cut % (word.len() + 1);
                match shape {
                    0 => text.extend_from_slice(word),
                    1 => text.extend(word.iter().map(u8::to_ascii_uppercase)),
                    2 => text.extend_from_slice(&word[..cut]),
                    3 => text.extend_from_slice(&word[cut..]),
                    4 => text.extend_from_slice(b" \n.(\xc3\xa9"),
                    _ => text.push(b"xyz_$"[cut % 5]),
                }
            }
            let lower = text.to_ascii_lowercase();
            let seen = Words::of(&text);
            for word in words {
                let expected = memchr::memmem::find(&lower, word.as_bytes()).is_some();
                proptest::prop_assert_eq!(seen.has(word), expected, "{}", word);
            }
        }
    }

    /// Two words that overlap in the text (the end of one is the start of the other) are
    /// both seen, and a word is seen anywhere in the file.
    #[test]
    fn overlapping_words_are_all_seen() {
        let words = &AUTOMATON.words;
        for a in words {
            for b in words {
                for cut in 1..a.len().min(b.len()) {
                    if a.as_bytes()[a.len() - cut..] != b.as_bytes()[..cut] {
                        continue;
                    }
                    let text = format!("x{a}{}y", &b[cut..]);
                    let seen = Words::of(text.as_bytes());
                    assert!(seen.has(a), "{a} in {text}");
                    assert!(seen.has(b), "{b} in {text}");
                }
            }
        }
        let far = format!("{}cors", "x".repeat(100_000));
        assert!(Words::of(far.as_bytes()).has("cors"));
        assert!(Words::of(b"corsignature").has("signature"));
        let squashed = Words::of(b"const api__Key = 1; route('/sign-up')");
        assert!(squashed.squashed_has("apikey") && squashed.squashed_has("/signup"));
    }
}
