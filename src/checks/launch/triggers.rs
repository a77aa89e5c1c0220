//! Which families a code file could concern, decided from its words before anything is parsed.
//!
//! Why: parsing is the launch checks' whole cost. Parsing every source file of a tree made a
//! files-only scan of saleor 3x slower and of polar 4x slower (0.43 s -> 1.33 s, 0.54 s ->
//! 2.21 s, 2 cores), while a CORS check has nothing to say about a file that never says `cors`
//! or `Access-Control-Allow`. One case-insensitive Aho-Corasick pass over the file finds the
//! words; a family runs only when each of its groups has a word in the file, and the file is
//! parsed only when some family runs. The words are necessary conditions of what each family
//! reports (every example of every check is run through this filter by the examples test).

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
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

/// Per family, groups of words: the family runs when every group has at least one word in the
/// file (ASCII case-insensitive).
const WORDS: &[(Family, &[&[&str]])] = &[
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
                // Request data by other names (Django's `request.META`, Flask's
                // `request.get_json()`, `.form`, `.data`, `.values`), and credential names
                // the words above miss (`api_key`, `privateKey`, `jwt`): what `logs` reports.
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

/// The words as one automaton: each distinct word once, owning every (family, group) whose
/// word it is or contains (so a leftmost-longest match of `debug(` also counts as `debug`).
struct Automaton {
    words: AhoCorasick,
    owners: Vec<Vec<(usize, usize)>>,
}

/// Every (word, family index, group index) of [`WORDS`], words in lower case.
fn entries() -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    for (family, (_, groups)) in WORDS.iter().enumerate() {
        for (group, words) in groups.iter().enumerate() {
            for word in *words {
                out.push((word.to_ascii_lowercase(), family, group));
            }
        }
    }
    out
}

static AUTOMATON: LazyLock<Automaton> = LazyLock::new(|| {
    let entries = entries();
    let mut words: Vec<String> = entries.iter().map(|(w, _, _)| w.clone()).collect();
    words.sort();
    words.dedup();
    let owners = words
        .iter()
        .map(|word| {
            let mut owners: Vec<(usize, usize)> = entries
                .iter()
                .filter(|(w, _, _)| word.contains(w.as_str()))
                .map(|(_, family, group)| (*family, *group))
                .collect();
            owners.sort();
            owners.dedup();
            owners
        })
        .collect();
    // Leftmost-longest search keeps the automaton's fast prefilter (an overlapping search was
    // a tenth of a files-only scan); see `wanted` for how no word hides another.
    let words = AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::LeftmostLongest)
        .build(&words)
        .expect("a few dozen short literal words always build");
    Automaton { words, owners }
});

/// The families whose words are all in a file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Wanted(u32);

impl Wanted {
    pub fn has(self, family: Family) -> bool {
        let index = WORDS
            .iter()
            .position(|(f, _)| *f == family)
            .expect("every family has words");
        self.0 & (1 << index) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// Calls `on_word` with the owners of each word found in `data` until it returns false. The
/// next search starts one byte after the last match's start, not at its end, so a word
/// starting inside another's match (`signature` in `corsignature`) is still seen.
fn for_each_word(data: &[u8], mut on_word: impl FnMut(&[(usize, usize)]) -> bool) {
    let automaton = &*AUTOMATON;
    let mut from = 0;
    while let Some(found) = automaton
        .words
        .find(aho_corasick::Input::new(data).range(from..))
    {
        if !on_word(&automaton.owners[found.pattern().as_usize()]) {
            return;
        }
        from = found.start() + 1;
    }
}

/// Which families `data` could concern.
pub fn wanted(data: &[u8]) -> Wanted {
    // One bit per (family, group) seen.
    let mut seen = [0u64; WORDS.len()];
    let complete: Vec<u64> = WORDS.iter().map(|(_, g)| (1u64 << g.len()) - 1).collect();
    for_each_word(data, |owners| {
        for &(family, group) in owners {
            seen[family] |= 1 << group;
        }
        // Stop early once every family is wanted.
        !seen.iter().zip(&complete).all(|(s, c)| s == c)
    });
    let mut wanted = 0;
    for (index, all) in complete.iter().enumerate() {
        if seen[index] == *all {
            wanted |= 1 << index;
        }
    }
    Wanted(wanted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_family_runs_only_when_every_group_has_a_word() {
        let w = wanted(b"app.use(CORS({ origin: true }))");
        assert!(w.has(Family::Cors));
        assert!(!w.has(Family::Cookies) && !w.has(Family::Logs));
        // A logging call without anything sensitive, and sensitive words without a log call.
        assert!(!wanted(b"console.info('started')").has(Family::Logs));
        assert!(!wanted(b"const headers = {}").has(Family::Logs));
        assert!(wanted(b"console.info(req.headers)").has(Family::Logs));
        assert!(wanted(b"import os\nprint(os.environ)").has(Family::Logs));
        assert!(wanted(b"").is_empty());
        assert!(wanted(b"DEBUG = True").has(Family::Debug));
        // A longer word counts as the shorter words it contains.
        assert!(wanted(b"debug(x)").has(Family::Debug));
    }

    /// Two words that overlap in the text (the end of one is the start of the other) are
    /// both seen, and a word is seen anywhere in the file.
    #[test]
    fn overlapping_words_are_all_seen() {
        let entries = entries();
        for (a, fa, ga) in &entries {
            for (b, fb, gb) in &entries {
                for cut in 1..a.len().min(b.len()) {
                    if a[a.len() - cut..] != b[..cut] {
                        continue;
                    }
                    let text = format!("x{a}{}y", &b[cut..]);
                    let mut seen = Vec::new();
                    for_each_word(text.as_bytes(), |owners| {
                        seen.extend_from_slice(owners);
                        true
                    });
                    assert!(seen.contains(&(*fa, *ga)), "{a} in {text}");
                    assert!(seen.contains(&(*fb, *gb)), "{b} in {text}");
                }
            }
        }
        let far = format!("{}cors", "x".repeat(100_000));
        assert!(wanted(far.as_bytes()).has(Family::Cors));
        assert!(wanted(b"corsignature").has(Family::Webhooks));
    }
}
