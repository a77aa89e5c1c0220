//! Secrets in logs: whole request headers or cookies (every session token and `Authorization`
//! bearer that reaches the server), the `Authorization` header itself, the body of a login,
//! signup or password request, the whole environment (`process.env`, `os.environ`: every
//! secret the app has), or a password or token variable, written through a logger. Logs are
//! copied to log services, kept for months and read by people and tools that never should see
//! credentials.
//!
//! Decisions, each from what real applications do (docs/launch-precision/logs.md):
//! - A log call is `console.*`, Python `print`/`logging.*`, or a level method (`info`,
//!   `debug`, `error`, ...) on something named like a logger (`logger`, `this.logger`,
//!   `req.log`, `fastify.log`, `app.logger`, `winston`, `pino`).
//! - Only a whole object fires: `req.headers`, `{ headers: req.headers }`,
//!   `${JSON.stringify(req.headers)}`, `dict(request.headers)`. One field read out of it
//!   (`req.headers['user-agent']`, `process.env.PORT`, `os.environ.get("PORT")`) or the object
//!   passed through any call other than a plain serialiser (`Object.keys(req.headers)`,
//!   `redact(req.headers)`) does not: that is the code choosing what to log.
//! - A credential variable fires by its name's last word (`password`, `token`, `secret`,
//!   `apiKey`, `privateKey`), never by a word in a string, and not for names that say it is
//!   something else (`passwordReset`, `tokenCount`, `hashedPassword`, `csrfToken`,
//!   `nextPageToken`).
//! - Logging inside a development-only branch (`if (process.env.NODE_ENV !== 'production')`,
//!   `if settings.DEBUG`) is reported lower (low): it does not reach production logs unless
//!   the environment is wrong.

use super::syntax::{Code, descendants, is_function, short};
use super::triggers::{Subject, Words};
use super::{Example, Examples, Sink};
use crate::checks::Check;
use crate::finding::Severity;
use tree_sitter::Node;

pub const CHECKS: [Check; 4] = [
    Check {
        id: "log-request-headers",
        name: "Request headers, cookies or Authorization written to logs",
        severity: Severity::High,
        description: "A log call writes the whole request headers, the cookies or the \
                      `Authorization` header, so every session cookie and bearer token that \
                      reaches the server is copied into the logs, where anyone with log access \
                      (and every log service the logs are shipped to) can replay them. Replace \
                      the whole object with the few fields you need \
                      (`req.headers['user-agent']`, the request id), or set the logger's \
                      redaction (pino `redact: ['req.headers.authorization', \
                      'req.headers.cookie']`, a logging filter in Python).",
        tags: &["launch", "logs"],
    },
    Check {
        id: "log-environment",
        name: "Whole environment written to logs",
        severity: Severity::High,
        description: "A log call writes the whole environment (`process.env`, `os.environ`), which \
                      holds every secret the app runs with: database URLs, API keys, signing \
                      secrets. Replace it with the single non-secret variables you need to see \
                      (`process.env.NODE_ENV`), and rotate any secret that reached a log service.",
        tags: &["launch", "logs"],
    },
    Check {
        id: "log-auth-request-body",
        name: "Login, signup or password request body written to logs",
        severity: Severity::High,
        description: "A log call in a login, signup, password or token route writes the whole \
                      request body, which carries the user's password or token in clear text. \
                      Replace it with the fields that are not secret (the email or user id), or \
                      set the logger to redact `password` and `token` fields.",
        tags: &["launch", "logs"],
    },
    Check {
        id: "log-credential-variable",
        name: "Password, token or secret variable written to logs",
        severity: Severity::Medium,
        description: "A log call writes a variable whose name says it is a password, token, secret \
                      or key. Replace it with something that identifies the value without \
                      revealing it (its length, the last four characters, the user id), and \
                      rotate the credential if these logs were shipped anywhere.",
        tags: &["launch", "logs"],
    },
];

const HEADERS: &Check = &CHECKS[0];
const ENVIRONMENT: &Check = &CHECKS[1];
const AUTH_BODY: &Check = &CHECKS[2];
const CREDENTIAL: &Check = &CHECKS[3];

pub const EXAMPLES: &[Examples] = &[
    Examples {
        rule: "log-request-headers",
        fires: &[
            Example {
                path: "src/middleware/log.js",
                text: "app.use((req, res, next) => {\n  console.log('incoming', req.headers);\n  \
                       next();\n});\n",
            },
            Example {
                path: "src/server.ts",
                text: "fastify.addHook('onRequest', async (request) => {\n  \
                       request.log.info({ headers: request.headers }, 'request');\n});\n",
            },
            Example {
                path: "src/auth.ts",
                text: "logger.debug(`auth: ${req.headers.authorization}`);\n",
            },
            Example {
                path: "app/views.py",
                text: "def index(request):\n    logging.info(\"headers %s\", \
                       dict(request.headers))\n    return render(request, 'index.html')\n",
            },
        ],
        quiet: &[
            Example {
                path: "src/middleware/log.js",
                text: "app.use((req, res, next) => {\n  console.log(req.method, req.url, \
                       req.headers['user-agent']);\n  next();\n});\n",
            },
            Example {
                path: "app/views.py",
                text: "def index(request):\n    logger.info(\"ua %s\", \
                       request.headers.get(\"User-Agent\"))\n    return render(request, \
                       'index.html')\n",
            },
            Example {
                path: "src/server.ts",
                text: "console.log('header names', Object.keys(req.headers));\n",
            },
        ],
    },
    Examples {
        rule: "log-environment",
        fires: &[
            Example {
                path: "src/index.js",
                text: "console.log('starting with', process.env);\n",
            },
            Example {
                path: "app/main.py",
                text: "import os\nprint(os.environ)\n",
            },
        ],
        quiet: &[
            Example {
                path: "src/index.js",
                text: "console.log(`listening on ${process.env.PORT}`);\n",
            },
            Example {
                path: "app/main.py",
                text: "import os\nlogging.info('port %s', os.environ.get('PORT'))\n",
            },
        ],
    },
    Examples {
        rule: "log-auth-request-body",
        fires: &[
            Example {
                path: "src/routes/auth.js",
                text: "router.post('/login', async (req, res) => {\n  console.log('login', \
                       req.body);\n  const user = await login(req.body.email, \
                       req.body.password);\n  res.json(user);\n});\n",
            },
            Example {
                path: "app/api/signup/route.ts",
                text: "export async function POST(req: Request) {\n  const body = await \
                       req.json();\n  console.log(body);\n  return Response.json(await \
                       signup(body));\n}\n",
            },
        ],
        quiet: &[
            Example {
                path: "src/routes/auth.js",
                text: "router.post('/login', async (req, res) => {\n  console.log('login', \
                       req.body.email);\n  res.json(await login(req.body.email, \
                       req.body.password));\n});\n",
            },
            Example {
                path: "src/routes/posts.js",
                text: "router.post('/posts', async (req, res) => {\n  console.log('new post', \
                       req.body);\n  res.json(await create(req.body));\n});\n",
            },
        ],
    },
    Examples {
        rule: "log-credential-variable",
        fires: &[
            Example {
                path: "src/services/user.ts",
                text: "async function reset(email: string, password: string) {\n  \
                       console.log('new password', password);\n}\n",
            },
            Example {
                path: "app/auth.py",
                text: "def issue(user):\n    token = make_token(user)\n    logger.debug(\"token \
                       %s\", token)\n    return token\n",
            },
        ],
        quiet: &[
            Example {
                path: "src/services/user.ts",
                text: "console.log('password reset requested', passwordReset, tokenCount);\n\
                       console.log('Enter your password');\n",
            },
            Example {
                path: "app/auth.py",
                text: "def issue(user):\n    logger.debug(\"token issued for %s\", \
                       user.id)\n    logger.info(\"hash %s\", hashed_password)\n",
            },
        ],
    },
];

/// Level methods of a logger.
const LEVELS: &[&str] = &[
    "log",
    "info",
    "warn",
    "warning",
    "error",
    "exception",
    "critical",
    "fatal",
    "debug",
    "trace",
    "verbose",
    "silly",
    "http",
    "dir",
];

/// Whether `callee` writes a log line.
fn is_log_call(callee: &str, python: bool) -> bool {
    if python && matches!(callee, "print" | "pprint" | "pprint.pprint") {
        return true;
    }
    let mut segments = callee.rsplit('.');
    let (Some(last), Some(owner)) = (segments.next(), segments.next()) else {
        return false;
    };
    let owner = owner.to_ascii_lowercase();
    let last = last.to_ascii_lowercase();
    if !LEVELS.contains(&last.as_str()) {
        return false;
    }
    owner == "console"
        || owner.ends_with("logger")
        || owner == "log"
        || owner == "_log"
        || owner == "logging"
        || owner == "winston"
        || owner == "pino"
        || owner == "structlog"
}

/// What a logged value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Secret {
    Headers,
    Cookies,
    Authorization,
    Environment,
    AuthBody,
    Credential,
}

impl Secret {
    fn check(self) -> &'static Check {
        match self {
            Secret::Headers | Secret::Cookies | Secret::Authorization => HEADERS,
            Secret::Environment => ENVIRONMENT,
            Secret::AuthBody => AUTH_BODY,
            Secret::Credential => CREDENTIAL,
        }
    }

    fn says(self) -> &'static str {
        match self {
            Secret::Headers => "the whole request headers",
            Secret::Cookies => "the request cookies",
            Secret::Authorization => "the Authorization header",
            Secret::Environment => "the whole environment",
            Secret::AuthBody => "the request body of an auth route",
            Secret::Credential => "a credential variable",
        }
    }
}

/// Words [`concerns`] asks about besides the baseline's (`triggers::BASELINE`).
pub(super) const TRIGGER_WORDS: &[&str] = &[
    "headers",
    "authorization",
    "cookie",
    "meta",
    "process",
    "env",
    "environ",
    "body",
    "json",
    "form",
    "data",
    "values",
    "post",
];

/// Whether this family could report on a file ([`super::triggers`]); one condition per kind of
/// secret `classify` returns, each a word its code needs:
/// - headers, cookies, `Authorization`: a `headers`/`rawHeaders` property or key, a `cookies`
///   one, an `authorization` or `cookie` key, or Django's `META` written whole;
/// - the environment: `process` and an `env` property written whole (not `process.env.PORT`),
///   or an `environ` one (not `os.environ.get`, not `environment`);
/// - a credential variable: an identifier `credential_name` accepts ([`names_a_credential`]);
/// - an auth route's body: a body, JSON, form, data, values or POST read, and something that
///   says auth: the path, or a function name or route string (`says_auth`, judged with
///   punctuation removed, so looked for in the filtered text: `/sign-up`).
///
/// And all of them need a log call `is_log_call` accepts ([`has_log_call`]): a library that
/// says `headers` and `token` but never logs through a logger is not read.
pub(super) fn concerns(subject: &Subject<'_, '_>) -> bool {
    let words = subject.words;
    let data = words.data();
    if !has_log_call(data, subject.language == super::syntax::Language::Python) {
        return false;
    }
    words.any(&["headers", "authorization", "cookie"])
        || words.has("meta") && written_whole(data, b"META")
        || words.has("process") && words.has("env") && environment_written_whole(data)
        || words.has("environ") && written_whole(data, b"environ")
        || names_a_credential(words)
        || words.any(&["body", "json", "form", "data", "values", "post"])
            && (says_auth(subject.relative) || AUTH_WORDS.iter().any(|a| words.squashed_has(a)))
            && reads_request_body(data)
}

/// What `is_request` takes for the request: an object whose last segment is one of the first
/// four, or that is one of the last two.
const REQUEST_NAMES: &[&[u8]] = &[
    b"req",
    b"request",
    b"rawRequest",
    b"incomingRequest",
    b"ctx",
    b"context",
];

/// Whether the file could hold a request body `classify` reports (`Secret::AuthBody`), found
/// without parsing. Each way to one needs a request object in front of a body part:
/// - a member `OBJECT.PART` (`PART`: `body`, `json`, `form`, `data`, `POST`, `values`, a token
///   of its own): [`member_of_request`];
/// - a call `OBJECT.METHOD(...)` (`json`, `formData`, `body`, `form`, `get_json`), or a body
///   name's value `OBJECT.PART` read with whitespace removed: [`method_of_request`];
/// - an object longer than `short`'s 80 characters, which `is_request` reads cut: then the
///   cut ends in `.req`, `.request`, `.rawRequest` or `.incomingRequest`:
///   [`long_request_object`].
///
/// Like the other conditions here it may only say too much: a comment or a line break where
/// the object should be, or a non-ASCII byte (which may be Unicode whitespace), counts.
fn reads_request_body(data: &[u8]) -> bool {
    member_of_request(data) || method_of_request(data) || long_request_object(data)
}

/// Whether `run` (the identifier bytes right before a dot) may end a request object: the end of
/// one of [`REQUEST_NAMES`] (the rest may be split off by whitespace, which `short` removes).
fn may_end_request(run: &[u8]) -> bool {
    !run.is_empty() && REQUEST_NAMES.iter().any(|name| name.ends_with(run))
}

/// Whether what ends at `at` may be a request object read by a member or a call: looking back
/// over spaces and one dot (`.` or `?.`; none where tree-sitter inserts a missing one) for the
/// identifier that ends the object, which must end a request name ([`may_end_request`]). Where
/// the object may be hidden it counts: a line break, a comment or a non-ASCII byte
/// (`skip_spaces_back`), or a byte tree-sitter may skip as an error between the parts of a
/// member (`?`, `!`, `$`, `#`, `\`). After any other byte (`)`, `]`, a quote) the object's
/// text ends in that byte, and `is_request` does not take it.
fn object_may_be_request(data: &[u8], mut at: usize) -> bool {
    let mut dotted = false;
    loop {
        let Some(end) = skip_spaces_back(data, at) else {
            return true;
        };
        at = end;
        let Some(before) = at.checked_sub(1).map(|i| data[i]) else {
            return false;
        };
        match before {
            b'.' if !dotted => {
                dotted = true;
                at -= 1;
                if at > 0 && data[at - 1] == b'?' {
                    at -= 1;
                }
            }
            b'?' | b'!' | b'$' | b'#' | b'\\' => return true,
            byte if is_word_byte(byte) => {
                let mut start = at;
                while start > 0 && is_word_byte(data[start - 1]) {
                    start -= 1;
                }
                return may_end_request(&data[start..at]);
            }
            _ => return false,
        }
    }
}

/// A member whose property is a body part, as a whole token, and whose object may be the
/// request ([`object_may_be_request`]).
fn member_of_request(data: &[u8]) -> bool {
    const PARTS: &[&[u8]] = &[b"body", b"json", b"form", b"data", b"POST", b"values"];
    PARTS.iter().any(|part| {
        memchr::memmem::find_iter(data, part).any(|at| {
            let end = at + part.len();
            let inside = at > 0 && (data[at - 1].is_ascii_alphabetic() || data[at - 1] == b'_')
                || data.get(end).is_some_and(|b| is_identifier_byte(*b));
            !inside && object_may_be_request(data, at)
        })
    })
}

/// A dot, then a body method or part with whitespace anywhere in it (`code.callee` and `short`
/// remove whitespace, and the text after the last dot must be the name), ending a token, and
/// before it an object that may be the request ([`object_may_be_request`]).
fn method_of_request(data: &[u8]) -> bool {
    const METHODS: &[&[u8]] = &[b"json", b"formData", b"body", b"form", b"get_json", b"data"];
    memchr::memchr_iter(b'.', data).any(|dot| {
        METHODS.iter().any(|method| {
            spelt_after(data, dot + 1, method)
                .is_some_and(|end| !data.get(end).is_some_and(|b| is_identifier_byte(*b)))
        }) && object_may_be_request(data, dot + 1)
    })
}

/// A dot, then `req`, `rawRequest` or `incomingRequest` with whitespace anywhere in it: where
/// `short` may cut an object longer than 80 characters so that `is_request` reads it as the
/// request (`request` starts with `req`; `ctx` and `context` count only as the whole object).
fn long_request_object(data: &[u8]) -> bool {
    const CUT_NAMES: &[&[u8]] = &[b"req", b"rawRequest", b"incomingRequest"];
    memchr::memchr_iter(b'.', data).any(|dot| {
        CUT_NAMES
            .iter()
            .any(|name| spelt_after(data, dot + 1, name).is_some())
    })
}

/// Where `word` ends when it is spelt from `at` on, whitespace (and non-ASCII bytes) skipped
/// before it and between its letters.
fn spelt_after(data: &[u8], mut at: usize, word: &[u8]) -> Option<usize> {
    for &letter in word {
        while at < data.len() && is_space_or_unsure(data[at]) {
            at += 1;
        }
        if data.get(at) != Some(&letter) {
            return None;
        }
        at += 1;
    }
    Some(at)
}

/// Bytes of a JavaScript or Python identifier in ASCII.
fn is_identifier_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'$'
}

/// Whether `name` (an exact property name, as `classify` compares it) occurs as a whole
/// identifier that is not read further: the next byte after any spaces is not `.` followed by
/// a name, nor `[` (`process.env.PORT`, `os.environ["X"]`, `os.environ.get` are a field read,
/// which `whole_value_reaches` never reports). Anything else (a comment, `?.`, the end of the
/// file) counts: this may only say too much.
fn written_whole(data: &[u8], name: &[u8]) -> bool {
    written_whole_where(data, name, |_| true)
}

/// [`written_whole`] for the occurrences at which `also` (given the occurrence's offset) holds.
fn written_whole_where(data: &[u8], name: &[u8], also: impl Fn(usize) -> bool) -> bool {
    memchr::memmem::find_iter(data, name).any(|at| {
        let end = at + name.len();
        // `$` is part of a JavaScript name but not of a Python one: it does not bound.
        if at > 0 && is_word_byte(data[at - 1]) {
            return false;
        }
        if data.get(end).is_some_and(|b| is_word_byte(*b)) {
            return false;
        }
        let rest = data[end..].trim_ascii_start();
        let whole = match rest.first() {
            Some(b'[') => false,
            Some(b'.') => !rest[1..]
                .trim_ascii_start()
                .first()
                .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_' || *b == b'$'),
            _ => true,
        };
        whole && also(at)
    })
}

/// Whether `process.env` occurs written whole ([`written_whole`]) as `classify` reads it: an
/// `env` property whose object is exactly `process` (`process.env`, `process?.env`, spaces
/// around the dot). A comment or a line break between `process` and the dot may hide the
/// object from a byte test (tree-sitter keeps the comment out of the object's text), so
/// either counts: this may only say too much. `const env = ...` or `function (env)` in a
/// library is not the environment.
fn environment_written_whole(data: &[u8]) -> bool {
    written_whole_where(data, b"env", |at| {
        // The dot (and an optional `?`), with spaces around it; a comment, a line break or a
        // non-ASCII character there leaves the object unknown.
        let Some(before) = skip_spaces_back(data, at) else {
            return true;
        };
        let Some(dot) = before.checked_sub(1).filter(|&d| data[d] == b'.') else {
            return false;
        };
        let dot = if dot > 0 && data[dot - 1] == b'?' {
            dot - 1
        } else {
            dot
        };
        match skip_spaces_back(data, dot) {
            Some(end) => ends_with_name(data, end, b"process"),
            None => true,
        }
    })
}

/// The offset before the ASCII spaces and tabs that end at `at`; none when a line break, a
/// non-ASCII byte (Unicode whitespace or a line separator may end a `//` comment) or the end of
/// a `/* */` comment is there: what comes before may then be hidden by a comment.
fn skip_spaces_back(data: &[u8], mut at: usize) -> Option<usize> {
    while at > 0 && is_space_or_unsure(data[at - 1]) {
        at -= 1;
        if !matches!(data[at], b' ' | b'\t') {
            return None;
        }
    }
    (at == 0 || data[at - 1] != b'/').then_some(at)
}

/// Whitespace (with the vertical tab), or a byte of a non-ASCII character (which may be Unicode
/// whitespace, as the checks' `squash` removes it): skipped between the parts of a member
/// expression.
fn is_space_or_unsure(byte: u8) -> bool {
    byte.is_ascii_whitespace() || byte == 0x0b || !byte.is_ascii()
}

/// Whether the identifier ending at `end` (exclusive) may be exactly `name`: the bytes before
/// `end` are `name` and the byte before them is not a letter, digit or `_` (`$` is part of a
/// JavaScript name but not of a Python one, so it does not count).
fn ends_with_name(data: &[u8], end: usize, name: &[u8]) -> bool {
    end >= name.len()
        && &data[end - name.len()..end] == name
        && (end == name.len() || !is_word_byte(data[end - name.len() - 1]))
}

/// Bytes of an identifier in both JavaScript and Python (ASCII).
fn is_word_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

/// Whether the file could hold a call `is_log_call` accepts, found without parsing. Its callee
/// is written `OWNER.LEVEL` (spaces removed): `LEVEL` one of [`LEVELS`] (one token, any case)
/// after a dot, and `OWNER`, the text before the dot back to the previous dot, ending in
/// `logger` or equal to `console`, `log`, `_log`, `logging`, `winston`, `pino` or `structlog`
/// (any case); in Python also `print` and `pprint`. Spaces (and any non-ASCII byte, which may
/// be Unicode whitespace) are skipped around the dot and inside the owner's last letters, and
/// an owner's identifier that starts right after a space may be the end of a longer owner
/// split by it, so it counts when it ends one of the names: this may only say too much.
fn has_log_call(data: &[u8], python: bool) -> bool {
    if python && memchr::memmem::find(data, b"print").is_some() {
        return true;
    }
    memchr::memchr_iter(b'.', data).any(|dot| {
        // The level: one identifier token after the dot.
        // A `$` may start a JavaScript name (not a level) or be a Python error tree-sitter
        // skips: skipped, as a space is.
        let mut start = dot + 1;
        while start < data.len() && (is_space_or_unsure(data[start]) || data[start] == b'$') {
            start += 1;
        }
        let mut end = start;
        while end < data.len() && is_word_byte(data[end]) {
            end += 1;
        }
        let level = &data[start..end];
        if level.is_empty()
            || !LEVELS
                .iter()
                .any(|l| l.as_bytes().eq_ignore_ascii_case(level))
        {
            return false;
        }
        log_owner_before(data, dot)
    })
}

/// Whether the text before the dot at `dot` may be an owner `is_log_call` accepts (see
/// [`has_log_call`]).
fn log_owner_before(data: &[u8], dot: usize) -> bool {
    // The last letters, spaces skipped, for an owner ending in `logger`.
    let mut letters = [0u8; 6];
    let mut count = 0;
    let mut at = dot;
    while at > 0 && count < letters.len() {
        let byte = data[at - 1];
        at -= 1;
        if is_space_or_unsure(byte) {
            continue;
        }
        if !is_word_byte(byte) {
            break;
        }
        letters[letters.len() - 1 - count] = byte.to_ascii_lowercase();
        count += 1;
    }
    if count == letters.len() && &letters == b"logger" {
        return true;
    }
    // The identifier right before the dot (spaces skipped), for the owners named in full
    // (letters, digits and `_`: a `$` before it may be a Python error tree-sitter skips).
    let mut end = dot;
    while end > 0 && is_space_or_unsure(data[end - 1]) {
        end -= 1;
    }
    let mut start = end;
    while start > 0 && is_word_byte(data[start - 1]) {
        start -= 1;
    }
    let owner = data[start..end].to_ascii_lowercase();
    const OWNERS: &[&[u8]] = &[
        b"console",
        b"log",
        b"_log",
        b"logging",
        b"winston",
        b"pino",
        b"structlog",
    ];
    let split = start > 0 && is_space_or_unsure(data[start - 1]);
    !owner.is_empty()
        && OWNERS
            .iter()
            .any(|name| *name == owner.as_slice() || split && name.ends_with(&owner))
}

/// Whether some identifier of the file could be a credential variable (`credential_name`),
/// found without parsing: every identifier is a run of identifier bytes (an identifier with a
/// `\u` escape is judged by its last run, which holds its ending; a number glued before a name
/// is tried without it). A run next to a non-ASCII byte may be part of a longer identifier:
/// then any credential word in the filtered text counts, as before.
fn names_a_credential(words: &Words<'_>) -> bool {
    let data = words.data();
    let mut unsure = false;
    let mut at = 0;
    while at < data.len() {
        if !is_identifier_byte(data[at]) {
            at += 1;
            continue;
        }
        let start = at;
        while at < data.len() && is_identifier_byte(data[at]) {
            at += 1;
        }
        unsure |=
            start > 0 && !data[start - 1].is_ascii() || data.get(at).is_some_and(|b| !b.is_ascii());
        let run = std::str::from_utf8(&data[start..at]).expect("ASCII bytes are UTF-8");
        // Cheap first: the run's last three letters or digits (`credential_name` drops `_` and
        // `$`), read backwards, must end a credential word.
        let mut ending = run
            .bytes()
            .rev()
            .filter(u8::is_ascii_alphanumeric)
            .map(|b| b.to_ascii_lowercase())
            .take(3);
        let ending = [ending.next(), ending.next(), ending.next()];
        let credential_ending = [b"dro", b"dws", b"nek", b"ter", b"yek", b"twj"]
            .iter()
            .any(|e| ending == [Some(e[0]), Some(e[1]), Some(e[2])]);
        if !credential_ending {
            continue;
        }
        if credential_name(run)
            || credential_name(run.trim_start_matches(|c: char| c.is_ascii_digit()))
        {
            return true;
        }
    }
    unsure && CREDENTIAL_ENDINGS.iter().any(|e| words.squashed_has(e))
}

pub fn code(code: &Code<'_>, sink: &mut Sink<'_>) {
    let python = code.language == super::syntax::Language::Python;
    let auth_file = says_auth(sink.file().relative);
    let bodies = body_names(code);
    let destructured = destructurings(code);
    for call in code.calls() {
        let callee = code.callee(call);
        if !is_log_call(&callee, python) {
            continue;
        }
        let mut seen: Vec<Secret> = Vec::new();
        for argument in code.arguments(call) {
            for node in descendants(
                argument,
                &[
                    "member_expression",
                    "subscript_expression",
                    "attribute",
                    "subscript",
                    "call_expression",
                    "call",
                    "identifier",
                    "shorthand_property_identifier",
                ],
            ) {
                let Some(secret) = classify(code, node, &bodies, &destructured) else {
                    continue;
                };
                if !whole_value_reaches(code, node, argument) {
                    continue;
                }
                if secret == Secret::AuthBody && !(auth_file || in_auth_route(code, call)) {
                    continue;
                }
                // Python `print` of a credential is a command's output to its operator (a
                // seed script printing the token it made, a CLI showing a new client secret),
                // by design; a web app logs through `logging`.
                if secret == Secret::Credential && python && callee == "print" {
                    continue;
                }
                if seen.contains(&secret) || !sink.is_on(secret.check()) {
                    continue;
                }
                seen.push(secret);
                let check = secret.check();
                let dev_only = in_dev_only_branch(code, call);
                let severity = if dev_only {
                    Severity::Low
                } else {
                    check.severity
                };
                let shown = short(code.text(node));
                let guard = if dev_only {
                    " (inside a development-only branch, so reported low)"
                } else {
                    ""
                };
                sink.report(
                    check,
                    severity,
                    call.byte_range(),
                    &format!("{callee} {shown}"),
                    format!(
                        "`{callee}` writes {} (`{shown}`) to the logs{guard}.",
                        secret.says()
                    ),
                );
            }
        }
    }
}

/// What `node` is, if it is something that must not be logged whole (`destructured`: the
/// file's [`destructurings`]).
fn classify(
    code: &Code<'_>,
    node: Node<'_>,
    bodies: &[String],
    destructured: &[Destructuring<'_>],
) -> Option<Secret> {
    match node.kind() {
        "member_expression" | "attribute" => {
            let object = node.child_by_field_name("object")?;
            let property = node
                .child_by_field_name("property")
                .or_else(|| node.child_by_field_name("attribute"))?;
            let object_text = short(code.text(object));
            let property_text = code.text(property);
            let lower = property_text.to_ascii_lowercase();
            if object_text == "process" && property_text == "env"
                || object_text == "os" && property_text == "environ"
            {
                return Some(Secret::Environment);
            }
            if is_request(&object_text) {
                match property_text {
                    "headers" | "META" | "rawHeaders" => return Some(Secret::Headers),
                    "cookies" | "signedCookies" | "COOKIES" => return Some(Secret::Cookies),
                    "body" | "json" | "form" | "data" | "POST" | "values" => {
                        return Some(Secret::AuthBody);
                    }
                    _ => {}
                }
            }
            if object_text.to_ascii_lowercase().ends_with("headers")
                && matches!(lower.as_str(), "authorization" | "cookie")
            {
                return Some(Secret::Authorization);
            }
            // A field called `token` is as often an id (`transaction.token`, `coupon.token`)
            // as a credential: only the names that cannot be anything else count here.
            (credential_name(property_text) && !lower.ends_with("token") || is_token_field(&lower))
                .then_some(Secret::Credential)
        }
        "subscript_expression" | "subscript" => {
            let object = node
                .child_by_field_name("object")
                .or_else(|| node.child_by_field_name("value"))?;
            let index = node
                .child_by_field_name("index")
                .or_else(|| node.child_by_field_name("subscript"))?;
            let object_text = short(code.text(object)).to_ascii_lowercase();
            let key = code.string_value(index)?.to_ascii_lowercase();
            ((object_text.ends_with("headers") || object_text.ends_with(".meta"))
                && matches!(
                    key.as_str(),
                    "authorization" | "cookie" | "http_authorization" | "http_cookie"
                ))
            .then_some(Secret::Authorization)
        }
        "call_expression" | "call" => {
            // `req.headers.get('authorization')`, `req.header('Authorization')`,
            // `request.headers.get("Cookie")`, `await req.json()` in an auth route.
            let callee = code.callee(node);
            let first = code.arguments(node).first().copied();
            let key = first
                .and_then(|a| code.string_value(a))
                .map(|k| k.to_ascii_lowercase());
            let getter = callee.ends_with("headers.get")
                || callee.ends_with(".header")
                || callee.ends_with(".get") && is_request(callee.trim_end_matches(".get"));
            if getter && matches!(key.as_deref(), Some("authorization" | "cookie")) {
                return Some(Secret::Authorization);
            }
            let (object, method) = callee.rsplit_once('.')?;
            (is_request(object) && matches!(method, "json" | "formData" | "body" | "form"))
                .then_some(Secret::AuthBody)
        }
        "identifier" | "shorthand_property_identifier" => {
            let name = code.text(node);
            if bodies.iter().any(|b| b == name) {
                return Some(Secret::AuthBody);
            }
            // The `token` in `transaction.token` (a Python attribute's name is an identifier)
            // is judged with its object, as a field.
            let field = node
                .parent()
                .is_some_and(|p| matches!(p.kind(), "attribute" | "member_expression"));
            if is_property_key(node) || field {
                return None;
            }
            if let Some(secret) = request_part_named(code, node, destructured) {
                return Some(secret);
            }
            credential_name(name).then_some(Secret::Credential)
        }
        _ => None,
    }
}

/// A declaration that destructures an object: `const { headers } = req`. Listed once per file
/// ([`destructurings`]): [`request_part_named`] asks about each name a log call writes, and
/// going through every declarator of the file for each made the log checks quadratic.
struct Destructuring<'t> {
    /// Where the declarator starts.
    start: usize,
    /// The `object_pattern`.
    pattern: Node<'t>,
    /// What it destructures.
    source: Node<'t>,
}

/// Every `variable_declarator` whose name is an object pattern and which has a value, in
/// document order.
fn destructurings<'t>(code: &'t Code<'_>) -> Vec<Destructuring<'t>> {
    code.nodes(&["variable_declarator"])
        .into_iter()
        .filter_map(|declarator| {
            let pattern = declarator.child_by_field_name("name")?;
            let source = declarator.child_by_field_name("value")?;
            (pattern.kind() == "object_pattern").then(|| Destructuring {
                start: declarator.start_byte(),
                pattern,
                source,
            })
        })
        .collect()
}

/// The request's headers, cookies or `Authorization` under another name in the same file:
/// `const h = req.headers`, `headers = request.headers`, `const { headers } = req`,
/// `const { cookies: jar } = req`, `const { authorization } = req.headers`.
fn request_part_named(
    code: &Code<'_>,
    node: Node<'_>,
    destructured: &[Destructuring<'_>],
) -> Option<Secret> {
    let name = code.text(node);
    let value = code.resolve(node);
    if value != node
        && matches!(
            value.kind(),
            "member_expression" | "attribute" | "subscript"
        )
    {
        return classify(code, value, &[], destructured)
            .filter(|s| matches!(s, Secret::Headers | Secret::Cookies | Secret::Authorization));
    }
    for &Destructuring {
        start,
        pattern,
        source,
    } in destructured
    {
        if start > node.start_byte() {
            continue;
        }
        let mut cursor = pattern.walk();
        let key = pattern
            .named_children(&mut cursor)
            .find_map(|part| match part.kind() {
                "shorthand_property_identifier_pattern" if code.text(part) == name => {
                    Some(name.to_string())
                }
                "pair_pattern" => {
                    let value = part.child_by_field_name("value")?;
                    (code.text(value) == name)
                        .then(|| part.child_by_field_name("key"))
                        .flatten()
                        .and_then(|k| code.key_name(k))
                }
                _ => None,
            });
        let Some(key) = key else {
            continue;
        };
        let source = short(code.text(source));
        let secret = if is_request(&source) {
            match key.as_str() {
                "headers" | "rawHeaders" => Some(Secret::Headers),
                "cookies" | "signedCookies" => Some(Secret::Cookies),
                _ => None,
            }
        } else if source.to_ascii_lowercase().ends_with("headers")
            && matches!(
                key.to_ascii_lowercase().as_str(),
                "authorization" | "cookie"
            )
        {
            Some(Secret::Authorization)
        } else {
            None
        };
        if secret.is_some() {
            return secret;
        }
    }
    None
}

/// Fields whose name says which token it is: `accessToken`, `refresh_token`, `id_token`.
fn is_token_field(lower: &str) -> bool {
    let squashed: String = lower
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    matches!(
        squashed.as_str(),
        "accesstoken" | "refreshtoken" | "idtoken" | "authtoken" | "sessiontoken" | "bearertoken"
    )
}

/// `req`, `request`, `ctx.request`, `c.req`, `self.request`: the incoming request.
fn is_request(object: &str) -> bool {
    let last = object.rsplit('.').next().unwrap_or(object);
    matches!(last, "req" | "request" | "rawRequest" | "incomingRequest")
        || object == "ctx"
        || object == "context"
}

/// A key in an object literal or a keyword argument's name is not a logged value.
fn is_property_key(node: Node<'_>) -> bool {
    node.parent().is_some_and(|p| {
        (p.kind() == "pair" || p.kind() == "keyword_argument")
            && p.child_by_field_name("key")
                .or_else(|| p.child_by_field_name("name"))
                .is_some_and(|k| k.id() == node.id())
    })
}

/// The last words of a credential's name (letters and digits only, lower case).
const CREDENTIAL_ENDINGS: &[&str] = &[
    "password",
    "passwd",
    "token",
    "secret",
    "apikey",
    "privatekey",
    "secretkey",
    "jwt",
];

/// Whether a variable's name says it holds a credential: its last word is `password`,
/// `token`, `secret`, `apikey`, `privatekey`, `jwt`; unless another word says it is something
/// else (a hash, a count, a flag, a page cursor, a CSRF token).
fn credential_name(name: &str) -> bool {
    let lower: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    if lower.len() > 40 {
        return false;
    }
    let credential = CREDENTIAL_ENDINGS.iter().any(|s| lower.ends_with(s));
    if !credential {
        return false;
    }
    let other = [
        "hash",
        "csrf",
        "xsrf",
        "page",
        "cursor",
        "count",
        "total",
        "max",
        "min",
        "num",
        "input",
        "field",
        "label",
        "placeholder",
        "next",
        "cancel",
        "continuation",
        "type",
        "show",
        "salt",
        "length",
        "name",
        "tokenizer",
        "encrypted",
        "masked",
        "redacted",
        "public",
    ];
    if other.iter().any(|o| lower.contains(o)) {
        return false;
    }
    !(lower.starts_with("is") && lower.len() > 2 && !lower.starts_with("issue")
        || lower.starts_with("has")
        || lower.starts_with("should"))
}

/// Names assigned the whole request body: `const body = await req.json()`,
/// `data = request.get_json()`, `const { ...rest } = req.body` is left alone.
fn body_names(code: &Code<'_>) -> Vec<String> {
    let mut names = Vec::new();
    for assignment in code.nodes(&["variable_declarator", "assignment"]) {
        let (Some(name), Some(value)) = (
            assignment
                .child_by_field_name("name")
                .or_else(|| assignment.child_by_field_name("left")),
            assignment
                .child_by_field_name("value")
                .or_else(|| assignment.child_by_field_name("right")),
        ) else {
            continue;
        };
        if name.kind() != "identifier" {
            continue;
        }
        let mut value = value;
        while matches!(value.kind(), "await_expression" | "await" | "as_expression") {
            match value.named_child(0) {
                Some(inner) => value = inner,
                None => break,
            }
        }
        let text = short(code.text(value));
        let body = match value.kind() {
            "member_expression" | "attribute" => {
                let (object, property) = text.rsplit_once('.').unwrap_or(("", ""));
                is_request(object) && matches!(property, "body" | "json" | "form" | "data")
            }
            "call_expression" | "call" => {
                let callee = code.callee(value);
                let (object, method) = callee.rsplit_once('.').unwrap_or(("", ""));
                is_request(object) && matches!(method, "json" | "formData" | "get_json" | "body")
            }
            _ => false,
        };
        if body {
            names.push(code.text(name).to_string());
        }
    }
    names
}

/// Whether the value of `node` reaches the log call whole: every step from it up to the
/// argument is a container (an object, array, template, f-string, concatenation, keyword
/// argument) or a plain serialiser (`JSON.stringify`, `util.inspect`, `dict`, `str`,
/// `json.dumps`), never a field access or another call.
fn whole_value_reaches(code: &Code<'_>, node: Node<'_>, argument: Node<'_>) -> bool {
    let mut at = node;
    while at.id() != argument.id() {
        let Some(parent) = at.parent() else {
            return false;
        };
        match parent.kind() {
            "member_expression" | "attribute" => {
                if parent
                    .child_by_field_name("object")
                    .is_some_and(|o| o.id() == at.id())
                {
                    return false;
                }
            }
            // A field read out of it, or used as an index: not logged whole.
            "subscript_expression" | "subscript" => return false,
            "call_expression" | "call" => {
                if parent
                    .child_by_field_name("function")
                    .is_some_and(|f| f.id() == at.id())
                {
                    // The node is what is called (`req.json` in `req.json()`): the call's value
                    // is judged on its own.
                    return false;
                }
            }
            "arguments" | "argument_list" => {
                let call = parent.parent();
                if !call.is_some_and(|c| is_serialiser(&code.callee(c))) {
                    return false;
                }
            }
            "binary_expression" | "binary_operator" => {
                let operator = parent
                    .child_by_field_name("operator")
                    .map(|o| code.text(o))
                    .unwrap_or("");
                if !matches!(operator, "+" | "%") {
                    return false;
                }
            }
            "pair" | "keyword_argument" => {
                let value = parent.child_by_field_name("value");
                if value.is_none_or(|v| v.id() != at.id()) {
                    return false;
                }
            }
            "object"
            | "array"
            | "dictionary"
            | "list"
            | "tuple"
            | "set"
            | "template_string"
            | "template_substitution"
            | "string"
            | "interpolation"
            | "parenthesized_expression"
            | "spread_element"
            | "await_expression"
            | "await"
            | "as_expression"
            | "non_null_expression"
            | "satisfies_expression"
            | "expression_list"
            | "dictionary_splat"
            | "list_splat"
            | "string_content"
            | "format_expression" => {}
            kind if is_function(kind) => return false,
            _ => return false,
        }
        at = parent;
    }
    true
}

/// Calls that pass a whole object on to the log unchanged.
fn is_serialiser(callee: &str) -> bool {
    matches!(
        callee,
        "JSON.stringify"
            | "util.inspect"
            | "inspect"
            | "String"
            | "str"
            | "repr"
            | "dict"
            | "json.dumps"
            | "pformat"
            | "pprint.pformat"
            | "Object.fromEntries"
            | "Array.from"
    ) || callee.ends_with(".format")
}

/// A login, signup, password or token route: the function around `call` (or the route path
/// it is registered under) says so.
fn in_auth_route(code: &Code<'_>, call: Node<'_>) -> bool {
    let mut at = call.parent();
    while let Some(node) = at {
        if is_function(node.kind()) {
            if let Some(name) = function_name(code, node)
                && says_auth(&name)
            {
                return true;
            }
            // A handler passed to `router.post('/login', ...)`.
            if let Some(call) = node
                .parent()
                .filter(|p| matches!(p.kind(), "arguments" | "argument_list"))
                .and_then(|p| p.parent())
                && let Some(path) = code
                    .arguments(call)
                    .first()
                    .and_then(|a| code.string_value(*a))
                && says_auth(&path)
            {
                return true;
            }
        }
        at = node.parent();
    }
    false
}

fn function_name(code: &Code<'_>, function: Node<'_>) -> Option<String> {
    if let Some(name) = function.child_by_field_name("name") {
        return Some(code.text(name).to_string());
    }
    let parent = function.parent()?;
    (parent.kind() == "variable_declarator")
        .then(|| parent.child_by_field_name("name"))
        .flatten()
        .map(|n| code.text(n).to_string())
}

/// A name or path about logging in, signing up or passwords.
fn says_auth(text: &str) -> bool {
    let lower: String = text
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '/')
        .collect::<String>()
        .to_ascii_lowercase();
    AUTH_WORDS.iter().any(|w| lower.contains(w))
}

/// What a name or path about authentication holds (letters, digits and `/` only, lower case).
const AUTH_WORDS: &[&str] = &[
    "login",
    "signin",
    "signup",
    "register",
    "password",
    "resetpass",
    "logon",
    "authenticate",
    "/auth/",
    "/auth",
];

/// Inside `if (process.env.NODE_ENV !== 'production')`, `if (isDev)`, `if settings.DEBUG:`.
fn in_dev_only_branch(code: &Code<'_>, call: Node<'_>) -> bool {
    let mut at = call.parent();
    while let Some(node) = at {
        if node.kind() == "if_statement"
            && let Some(condition) = node.child_by_field_name("condition")
            && node
                .child_by_field_name("consequence")
                .is_some_and(|c| Code::contains(c, call))
        {
            let text = short(code.text(condition));
            let dev = text.contains("development")
                || text.contains("NODE_ENV!==\"production\"")
                || text.contains("NODE_ENV!=='production'")
                || text.contains("NODE_ENV!=\"production\"")
                || text.contains("NODE_ENV!='production'")
                || text.contains("isDev")
                || text.contains("IS_DEV")
                || text.contains("__DEV__")
                || text.contains("env.DEV")
                || text.ends_with("DEBUG")
                || text.ends_with("DEBUG)")
                || text.ends_with(".debug");
            if dev {
                return true;
            }
        }
        at = node.parent();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::super::triggers::Words;
    use super::super::{check_text, family_findings};
    use super::{environment_written_whole, has_log_call, names_a_credential, written_whole};

    /// The byte tests of a log call and of `process.env` written whole, on the shapes the
    /// parsed checks tell apart and on the odd spacing between them.
    #[test]
    fn log_calls_and_the_environment_without_parsing() {
        for (text, python, want) in [
            ("console.log(x)", false, true),
            ("console .\n  log(x)", false, true),
            ("this.myLogger.warn(x)", false, true),
            ("LOGGER.INFO(x)", false, true),
            ("req.log.info(x)", false, true),
            ("return _log.error(x)", false, true),
            ("logging.debug(x)", true, true),
            ("print(x)", true, true),
            ("print(x)", false, false),
            ("dialog.info(x)", false, false),
            ("logger?.info(x)", false, false),
            ("console.logger(x)", false, false),
            ("console['log'](x)", false, false),
            ("getLogger().info(x)", false, false),
            ("const log = 1; info(x)", false, false),
            ("", false, false),
            (".", false, false),
            ("info.", false, false),
        ] {
            assert_eq!(has_log_call(text.as_bytes(), python), want, "{text}");
        }
        for (text, want) in [
            ("console.log(process.env)", true),
            ("console.log(process?.env)", true),
            ("console.log(process . env)", true),
            ("console.log(process /* c */.env)", true),
            ("console.log(process // c\n.env)", true),
            ("console.log(process\u{a0}.env)", true),
            ("env", false),
            ("const env = process.env.NODE_ENV; log(env)", false),
            ("function f(env) { return env }", false),
            ("globalThis.xprocess.env", false),
            ("process.env.PORT", false),
            (".env", false),
        ] {
            assert_eq!(environment_written_whole(text.as_bytes()), want, "{text}");
        }
    }

    /// What the condition reads without parsing, on the shapes `classify` tells apart.
    #[test]
    fn whole_values_and_credential_names_without_parsing() {
        for (text, name, want) in [
            ("console.log(process.env)", "env", true),
            ("console.log({ ...process.env })", "env", true),
            ("console.log(process.env /* all */ .X)", "env", true),
            ("console.log(process.env?.X)", "env", true),
            ("console.log(process.env.PORT)", "env", false),
            ("console.log(process.env\n  .PORT)", "env", false),
            ("console.log(process.env['PORT'])", "env", false),
            ("const environment = 1; envelope(x)", "env", false),
            ("print(os.environ)", "environ", true),
            ("print(os.environ.get('X'))", "environ", false),
            ("print(environment)", "environ", false),
            ("print(request.META)", "META", true),
            ("print(request.META['HTTP_X'])", "META", false),
            ("x.META_DATA", "META", false),
        ] {
            assert_eq!(
                written_whole(text.as_bytes(), name.as_bytes()),
                want,
                "{text}"
            );
        }
        for (text, want) in [
            ("console.log(token)", true),
            ("console.log(user.apiKey)", true),
            ("console.log(my_tok_en)", true),
            ("console.log(x\\u0041_token)", true),
            ("console.log(12token)", true),
            ("console.log(SECRET_)", true),
            ("console.log(caf\u{e9}_token)", true),
            (
                "console.log(tokenCount, isToken, tokenizer, hashedPassword)",
                false,
            ),
            ("console.log(nextPageToken, csrfToken)", false),
            ("console.log('the token')", true),
            ("console.log(tokens, secrets)", false),
            ("", false),
        ] {
            assert_eq!(
                names_a_credential(&Words::of(text.as_bytes())),
                want,
                "{text}"
            );
        }
    }
    use crate::finding::{Finding, Severity};
    use proptest::prelude::*;

    fn run(path: &str, text: &str) -> Vec<Finding> {
        check_text(path, text)
            .into_iter()
            .filter(|f| f.rule.id.starts_with("log-"))
            .collect()
    }

    fn rules(path: &str, text: &str) -> Vec<(String, Severity)> {
        family_findings("log-", path, text)
    }

    fn one(rule: &str, severity: Severity) -> Vec<(String, Severity)> {
        vec![(rule.to_string(), severity)]
    }

    #[test]
    fn javascript_cases() {
        let headers_high = one("log-request-headers", Severity::High);
        let cases: &[(&str, Vec<(String, Severity)>)] = &[
            ("console.log(req.headers)", headers_high.clone()),
            // The headers under another name (found in a real app: destructured from req).
            (
                "app.get('/', (req, res) => { const { headers } = req; console.log('h', headers); })",
                headers_high.clone(),
            ),
            (
                "const h = req.headers;\nconsole.log(h)",
                headers_high.clone(),
            ),
            (
                "const { cookies: jar } = req;\nlogger.info(jar)",
                headers_high.clone(),
            ),
            (
                "const { authorization } = req.headers;\nconsole.log(authorization)",
                headers_high.clone(),
            ),
            // Not the request's: a local object that happens to be called headers.
            ("const { headers } = options;\nconsole.log(headers)", vec![]),
            (
                "const headers = { accept: 'json' };\nconsole.log(headers)",
                vec![],
            ),
            (
                "console.error('x', JSON.stringify(req.headers))",
                headers_high.clone(),
            ),
            (
                "console.log(`h=${JSON.stringify(request.headers)}`)",
                headers_high.clone(),
            ),
            (
                "this.logger.log({ cookies: req.cookies })",
                headers_high.clone(),
            ),
            ("req.log.info({ ...req.headers })", headers_high.clone()),
            (
                "logger.info('auth ' + req.headers['authorization'])",
                headers_high.clone(),
            ),
            (
                "console.log(req.headers.get('Authorization'))",
                headers_high.clone(),
            ),
            (
                "console.log(process.env)",
                one("log-environment", Severity::High),
            ),
            (
                "winston.info(JSON.stringify(process.env, null, 2))",
                one("log-environment", Severity::High),
            ),
            (
                "if (process.env.NODE_ENV !== 'production') { console.log(process.env) }",
                one("log-environment", Severity::Low),
            ),
            (
                "console.log(user.password)",
                one("log-credential-variable", Severity::Medium),
            ),
            (
                "console.log(session.accessToken)",
                one("log-credential-variable", Severity::Medium),
            ),
            (
                "console.log('coupon', coupon.token, transaction.token)",
                vec![],
            ),
            (
                "logger.debug('token', accessToken)",
                one("log-credential-variable", Severity::Medium),
            ),
            // Quiet: single fields, names, other loggers, other calls.
            (
                "console.log(req.headers['user-agent'], req.headers.host)",
                vec![],
            ),
            (
                "console.log(process.env.PORT, process.env['NODE_ENV'])",
                vec![],
            ),
            ("console.log(Object.keys(req.headers))", vec![]),
            ("logger.info(redact(req.headers))", vec![]),
            ("res.json(req.headers)", vec![]),
            ("fetch(url, { headers: req.headers })", vec![]),
            (
                "console.log(tokenCount, passwordReset, hashedPassword, csrfToken, nextPageToken)",
                vec![],
            ),
            ("console.log('password', 'token')", vec![]),
            (
                "console.log(token.length, password ? 'set' : 'unset')",
                vec![],
            ),
            (
                "console.log(isPasswordValid, hasToken, showPassword)",
                vec![],
            ),
            ("console.log(response.headers)", vec![]),
            ("console.log({ password: '***' })", vec![]),
            (
                "const log = (m) => m; console.log(m => req.headers)",
                vec![],
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(&rules("src/app.ts", text), expected, "{text}");
        }
    }

    #[test]
    fn python_cases() {
        let cases: &[(&str, Vec<(String, Severity)>)] = &[
            (
                "print(request.headers)",
                one("log-request-headers", Severity::High),
            ),
            (
                "logger.info('meta %s', request.META)",
                one("log-request-headers", Severity::High),
            ),
            (
                "logging.debug(f'auth={request.headers[\"Authorization\"]}')",
                one("log-request-headers", Severity::High),
            ),
            (
                "print(dict(os.environ))",
                one("log-environment", Severity::High),
            ),
            (
                "app.logger.info(\"%s\", os.environ)",
                one("log-environment", Severity::High),
            ),
            (
                "if settings.DEBUG:\n    print(os.environ)\n",
                one("log-environment", Severity::Low),
            ),
            (
                "logger.warning('pw %s', password)",
                one("log-credential-variable", Severity::Medium),
            ),
            ("print(os.environ.get('PORT'), os.environ['HOME'])", vec![]),
            (
                "logger.info('ua %s', request.headers.get('user-agent'))",
                vec![],
            ),
            ("print(password_reset_url, token_type, max_tokens)", vec![]),
            ("print(f'ACCESS_TOKEN={token}')", vec![]),
            (
                "logger.info('releasing %s', transaction_item.token)",
                vec![],
            ),
            (
                "logger.info('refreshing %s', creds.refresh_token)",
                one("log-credential-variable", Severity::Medium),
            ),
            ("logger.info('x', extra={'password': None})", vec![]),
        ];
        for (text, expected) in cases {
            assert_eq!(&rules("app/views.py", text), expected, "{text}");
        }
    }

    #[test]
    fn auth_bodies_only_in_auth_routes() {
        let login = "router.post('/auth/login', (req, res) => { console.log(req.body); });";
        assert_eq!(
            rules("src/routes/index.js", login),
            one("log-auth-request-body", Severity::High)
        );
        let named =
            "async function signup(req, res) { logger.info('signup', { body: req.body }); }";
        assert_eq!(
            rules("src/controllers/users.js", named),
            one("log-auth-request-body", Severity::High)
        );
        let python = "@app.post('/login')\ndef login():\n    data = request.get_json()\n    \
                      logging.info('login %s', data)\n";
        assert_eq!(
            rules("app/api.py", python),
            one("log-auth-request-body", Severity::High)
        );
        let posts = "router.post('/posts', (req, res) => { console.log(req.body); });";
        assert!(rules("src/routes/index.js", posts).is_empty());
        let field = "router.post('/login', (req, res) => { console.log(req.body.email); });";
        assert!(rules("src/routes/index.js", field).is_empty());
    }

    proptest! {
        #![proptest_config(crate::engine::testing::cases(64))]

        #[test]
        fn never_panics_and_spans_stay_inside(text in "[ -~\n]{0,400}", python in proptest::bool::ANY) {
            let path = if python { "app/login.py" } else { "src/routes/login.ts" };
            let prefixed = format!("console.log(req.headers, process.env, password); print(os.environ)\n{text}");
            for text in [text.as_str(), prefixed.as_str()] {
                for finding in run(path, text) {
                    prop_assert!(finding.location.line >= 1);
                    prop_assert!(finding.location.end_line <= text.lines().count().max(1) + 1);
                }
            }
        }
    }
}
