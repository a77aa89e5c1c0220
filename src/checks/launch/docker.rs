//! Docker: secrets baked into images (a Dockerfile's `ENV`/`ARG` values, a `.env` file copied
//! in) and secrets written into compose files (`environment:`, `build.args`). Anyone who can
//! pull an image reads its `ENV`, `ARG` defaults and files with `docker history` and
//! `docker save`, long after the repository is cleaned.
//!
//! Decisions, with the reason next to each:
//! - A name says "secret" through `checks::common::names` (the env and bundle checks' rule);
//!   GPG/PGP key fingerprints (`ENV GPG_KEY` in official images) and public keys are not.
//! - A value is a literal only when it has no `$` reference, and it is judged with the env
//!   check's placeholder and randomness tests (`env_files::values`): a random-looking value is
//!   a real secret (high); a weak word (`postgres`, `devpassword`) is a local default (low, or
//!   medium in a compose file named for production). Placeholders are quiet.
//! - `COPY . .` would copy a `.env` unless `.dockerignore` excludes it; one file cannot see the
//!   other, so only `COPY`/`ADD` of an env file by name (or a `.env*` glob) fires. Example and
//!   template env files are documentation. `COPY --from=` copies from another stage.
//! - A compose `env_file:` reads the file on the host at run time and bakes nothing: quiet.
//! - Dockerfiles are a line format: a small tokenizer (continuation lines, quotes, comments)
//!   that keeps every word's bytes, so the secret's span is exact.

use super::syntax::Yaml;
use super::{Example, Examples, Sink};
use crate::checks::Check;
use crate::checks::common::names;
use crate::checks::env_files::values;
use crate::finding::Severity;
use std::ops::Range;

const SECRET_IN_IMAGE: Check = Check {
    id: "docker-secret-in-image",
    name: "Secret in a Dockerfile ENV or ARG",
    severity: Severity::High,
    description: "A Dockerfile sets a secret-named `ENV` or `ARG` to a literal value. It is \
                  stored in the image's layers and metadata, and anyone who can pull the image \
                  reads it with `docker history` or `docker inspect`. Rotate the value, remove \
                  it from the Dockerfile, and pass it at run time (`docker run -e`, the \
                  orchestrator's secret store) or, for build steps, with `RUN \
                  --mount=type=secret`.",
    tags: &["launch", "docker"],
};

const ENV_FILE_IN_IMAGE: Check = Check {
    id: "docker-env-file-in-image",
    name: "Env file copied into an image",
    severity: Severity::High,
    description: "A Dockerfile copies an env file (`.env`, `.env.production`) into the image, so \
                  every secret in it ships to whoever pulls the image. Replace the copy with \
                  run-time configuration (`docker run --env-file`, compose `env_file:`, the \
                  platform's secrets) and add `.env*` to `.dockerignore`.",
    tags: &["launch", "docker"],
};

const COMPOSE_SECRET: Check = Check {
    id: "docker-compose-secret",
    name: "Literal secret in a compose file",
    severity: Severity::High,
    description: "A compose file sets a secret-named variable in `environment:` or `build.args` \
                  to a literal value, committed with the repository (and, as a build arg, \
                  baked into the image). Replace it with interpolation from the host's \
                  environment (`API_KEY: ${API_KEY}`) or an `env_file:` that is not committed, \
                  and rotate it if it was ever a real secret.",
    tags: &["launch", "docker"],
};

pub const CHECKS: [Check; 3] = [SECRET_IN_IMAGE, ENV_FILE_IN_IMAGE, COMPOSE_SECRET];

pub const EXAMPLES: &[Examples] = &[
    Examples {
        rule: "docker-secret-in-image",
        fires: &[
            Example {
                path: "Dockerfile",
                text: "FROM node:20\nENV NODE_ENV=production \\\n    \
                       STRIPE_SECRET_KEY=\"Zq8vR2mX7tLp4Wc9Nd3Hs6Kf1Jb5Yg0A\"\n",
            },
            Example {
                path: "deploy/Dockerfile.prod",
                text: "FROM python:3.12\nARG DB_PASSWORD=hunter2\n",
            },
        ],
        quiet: &[Example {
            path: "Dockerfile",
            text: "FROM python:3.12\nENV GPG_KEY A035C8C19219BA821ECEA86B64E628F8D684696D\nARG \
                   API_TOKEN\nENV API_TOKEN=${API_TOKEN} SECRET_KEY=changeme \
                   DB_PASSWORD_FILE=/run/secrets/db\n# ENV JWT_SECRET=Zq8vR2mX7tLp4Wc9Nd3Hs6Kf\n",
        }],
    },
    Examples {
        rule: "docker-env-file-in-image",
        fires: &[Example {
            path: "Dockerfile",
            text: "FROM node:20\nWORKDIR /app\nCOPY package.json .env.production ./\n",
        }],
        quiet: &[Example {
            path: "Dockerfile",
            text: "FROM node:20\nCOPY .env.example .env\nCOPY --from=build /app/.env ./\nCOPY \
                   . .\n",
        }],
    },
    Examples {
        rule: "docker-compose-secret",
        fires: &[Example {
            path: "docker-compose.prod.yml",
            text: "services:
  api:
    image: api
    environment:
      - JWT_SECRET=Zq8vR2mX7tLp4Wc9Nd3Hs6Kf1Jb5Yg0A
    build:
      context: .
      args:
        NPM_TOKEN: s3cr3t-npm
",
        }],
        quiet: &[Example {
            path: "docker-compose.yml",
            text: "services:\n  db:\n    image: postgres\n    env_file: .env.production\n    \
                   environment:\n      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}\n      \
                   POSTGRES_USER: app\n      SECRET_KEY: changeme\n",
        }],
    },
];

/// Words that make a key-named variable public or not a secret at all.
const NOT_SECRET_WORDS: &[&str] = &["GPG", "PGP", "FINGERPRINT", "PUBLIC", "PUB"];

/// Decision: Next.js's server-only naming convention (`NEXT_PRIVATE_SMTP_FROM_ADDRESS`) says
/// "not for the browser", not "secret": the rest of the name decides.
fn is_secret_name(name: &str) -> bool {
    let name = name.strip_prefix("NEXT_PRIVATE_").unwrap_or(name);
    names::is_secret_name(name)
        && !names::name_words(name)
            .iter()
            .any(|w| NOT_SECRET_WORDS.contains(&w.as_str()))
}

/// How bad a literal is: `None` when it is not one (a reference, empty, a placeholder).
fn literal_severity(value: &str, weak: Severity) -> Option<Severity> {
    if value.contains('$') || values::is_placeholder(value, &[]) {
        return None;
    }
    Some(if values::looks_random(value) {
        Severity::High
    } else {
        weak
    })
}

/// One word of a Dockerfile instruction: its text as written (quotes kept) and its bytes in
/// the file (contiguous unless the word runs over a continuation line).
struct Word {
    text: String,
    offsets: Vec<usize>,
}

impl Word {
    /// The bytes of `self.text[range]` in the file, when they are contiguous there.
    fn span(&self, range: Range<usize>) -> Option<Range<usize>> {
        if range.is_empty() {
            return None;
        }
        let start = *self.offsets.get(range.start)?;
        let last = *self.offsets.get(range.end - 1)?;
        (last + 1 - start == range.len()).then_some(start..last + 1)
    }
}

/// A Dockerfile's instructions: the keyword (upper case) and its words, with continuation
/// lines joined and comment lines dropped.
fn instructions(text: &str) -> Vec<(String, Vec<Word>)> {
    let mut out = Vec::new();
    let mut current: Vec<(char, usize)> = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        let start = offset;
        offset += line.len();
        if body.trim_start().starts_with('#') {
            continue;
        }
        let (content, continues) = match body.trim_end().strip_suffix('\\') {
            Some(head) => (head, true),
            None => (body, false),
        };
        current.extend(content.char_indices().map(|(i, c)| (c, start + i)));
        if continues {
            current.push((' ', start + content.len()));
            continue;
        }
        push_instruction(&mut out, &current);
        current.clear();
    }
    push_instruction(&mut out, &current);
    out
}

fn push_instruction(out: &mut Vec<(String, Vec<Word>)>, chars: &[(char, usize)]) {
    let mut words = words(chars).into_iter();
    if let Some(first) = words.next() {
        out.push((first.text.to_ascii_uppercase(), words.collect()));
    }
}

/// Splits characters on whitespace outside quotes, keeping each character's file offset
/// (one per byte of the word's text, so `Word::span` can slice by byte).
fn words(chars: &[(char, usize)]) -> Vec<Word> {
    let mut out = Vec::new();
    let mut word = Word {
        text: String::new(),
        offsets: Vec::new(),
    };
    let mut quote: Option<char> = None;
    for &(c, at) in chars {
        if quote.is_none() && c.is_whitespace() {
            if !word.text.is_empty() {
                out.push(std::mem::replace(
                    &mut word,
                    Word {
                        text: String::new(),
                        offsets: Vec::new(),
                    },
                ));
            }
            continue;
        }
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), _) if q == c => quote = None,
            _ => {}
        }
        word.text.push(c);
        word.offsets.extend((0..c.len_utf8()).map(|i| at + i));
    }
    if !word.text.is_empty() {
        out.push(word);
    }
    out
}

/// `"value"` or `'value'` -> the range of `value` inside `text[range]`.
fn unquoted(text: &str, range: Range<usize>) -> Range<usize> {
    let inner = &text[range.clone()];
    for q in ['"', '\''] {
        if inner.len() >= 2 && inner.starts_with(q) && inner.ends_with(q) {
            return range.start + 1..range.end - 1;
        }
    }
    range
}

/// Checks one Dockerfile.
pub fn dockerfile(text: &str, sink: &mut Sink<'_>) {
    for (keyword, words) in instructions(text) {
        match keyword.as_str() {
            "ENV" | "ARG" => env_values(sink, &keyword, &words),
            "COPY" | "ADD" => copies(sink, &keyword, &words),
            _ => {}
        }
    }
}

fn env_values(sink: &mut Sink<'_>, keyword: &str, words: &[Word]) {
    // `ENV NAME value with spaces` (the legacy form): one name, the rest is its value.
    if keyword == "ENV"
        && let Some(first) = words.first()
        && !first.text.contains('=')
    {
        if let (Some(second), Some(last)) = (words.get(1), words.last()) {
            let start = second.offsets.first().copied().unwrap_or(0);
            let end = last.offsets.last().map_or(start, |e| e + 1);
            let data = sink.file().data;
            let value = String::from_utf8_lossy(data.get(start..end).unwrap_or_default());
            let inner = unquoted(&value, 0..value.len());
            let span = start + inner.start..start + inner.end;
            report_env(sink, keyword, &first.text, &value[inner], span);
        }
        return;
    }
    for word in words {
        let Some(eq) = word.text.find('=') else {
            continue;
        };
        let name = &word.text[..eq];
        let range = unquoted(&word.text, eq + 1..word.text.len());
        let Some(span) = word.span(range.clone()) else {
            continue;
        };
        report_env(sink, keyword, name, &word.text[range], span);
    }
}

fn report_env(sink: &mut Sink<'_>, keyword: &str, name: &str, value: &str, span: Range<usize>) {
    if !is_secret_name(name) {
        return;
    }
    let Some(severity) = literal_severity(value, Severity::Low) else {
        return;
    };
    let why = if severity == Severity::High {
        "a real-looking secret"
    } else {
        "a weak literal (a default the image runs with if nothing overrides it)"
    };
    sink.report_secret(
        &SECRET_IN_IMAGE,
        severity,
        span,
        format!(
            "`{keyword} {name}` is set to {why}, stored in the image's layers for anyone who \
             pulls it."
        ),
    );
}

/// Env files whose names say they document variables rather than hold them.
const DOCUMENTATION_SUFFIXES: &[&str] = &[
    "example", "sample", "template", "dist", "defaults", "default", "schema", "tpl",
];

fn copies(sink: &mut Sink<'_>, keyword: &str, words: &[Word]) {
    if words.iter().any(|w| w.text.starts_with("--from")) {
        return;
    }
    let args: Vec<&Word> = words.iter().filter(|w| !w.text.starts_with("--")).collect();
    let Some((_, sources)) = args.split_last() else {
        return;
    };
    for source in sources {
        let path = source.text.trim_matches(['[', ']', ',', '"', '\'']);
        let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
        let is_env = name == ".env"
            || name.starts_with(".env.")
            || name.starts_with(".env*")
            || name.ends_with(".env");
        if !is_env
            || DOCUMENTATION_SUFFIXES
                .iter()
                .any(|s| name.ends_with(&format!(".{s}")))
        {
            continue;
        }
        let severity = if ["dev", "development", "test", "ci", "docker"]
            .iter()
            .any(|e| name.ends_with(&format!(".{e}")))
        {
            Severity::Medium
        } else {
            Severity::High
        };
        let span = source
            .span(0..source.text.len())
            .unwrap_or_else(|| source.offsets.first().map_or(0..0, |s| *s..*s));
        sink.report(
            &ENV_FILE_IN_IMAGE,
            severity,
            span,
            &format!("{} {path}", keyword.to_ascii_lowercase()),
            format!("`{keyword} {path}` puts an env file and every secret in it into the image."),
        );
    }
}

/// Checks one compose file.
pub fn compose(text: &str, sink: &mut Sink<'_>) {
    if !sink.is_on(&COMPOSE_SECRET) {
        return;
    }
    let Some(doc) = Yaml::parse(text) else {
        return;
    };
    let relative = sink.file().relative.to_ascii_lowercase();
    let production = relative.contains("prod");
    let weak = if production {
        Severity::Medium
    } else {
        Severity::Low
    };
    // A compose file for CI, tests or a dev container starts throwaway services: even a
    // random-looking password there is a fixture (measured: redash's `.ci/compose.ci.yaml`).
    let throwaway = !production
        && names::name_words(&relative).iter().any(|w| {
            [
                "CI",
                "TEST",
                "TESTS",
                "TESTING",
                "DEV",
                "DEVCONTAINER",
                "LOCAL",
                "E2E",
            ]
            .contains(&w.as_str())
        });
    for (service_key, service) in doc.get("services").map(Yaml::entries).unwrap_or_default() {
        let service_name = service_key.as_str().unwrap_or("service");
        let lists = [
            ("environment", service.get("environment")),
            (
                "build args",
                service.get("build").and_then(|b| b.get("args")),
            ),
        ];
        for (what, list) in lists {
            let Some(list) = list else {
                continue;
            };
            for (name, value, node) in variables(list) {
                if !is_secret_name(&name) {
                    continue;
                }
                let Some(mut severity) = literal_severity(&value, weak) else {
                    continue;
                };
                if throwaway {
                    severity = Severity::Low;
                }
                let Some(span) = value_span(text, node, &name, &value) else {
                    continue;
                };
                let why = match severity {
                    Severity::High => "a real-looking secret",
                    _ if production => "a literal in a file named for production",
                    _ if throwaway => "a literal in a file for CI, tests or development",
                    _ => "a weak literal (a local default)",
                };
                sink.report_secret(
                    &COMPOSE_SECRET,
                    severity,
                    span,
                    format!("`{name}` in the {what} of service {service_name} is {why}."),
                );
            }
        }
    }
}

/// A compose variable list, as a mapping (`NAME: value`) or a sequence (`- NAME=value`):
/// name, value and the node that holds the value.
fn variables(list: &Yaml) -> Vec<(String, String, &Yaml)> {
    let mut out = Vec::new();
    for (key, value) in list.entries() {
        if let (Some(name), Some(v)) = (key.as_str(), value.as_str()) {
            out.push((name.to_string(), v.to_string(), value));
        }
    }
    for item in list.items() {
        if let Some((name, v)) = item.as_str().and_then(|s| s.split_once('=')) {
            out.push((name.trim().to_string(), v.to_string(), item));
        }
    }
    out
}

/// The bytes of `value` in the file: inside the node's own text (after `NAME=` in the list
/// form), or `None` when the scalar does not hold it verbatim (escapes, folding).
fn value_span(text: &str, node: &Yaml, name: &str, value: &str) -> Option<Range<usize>> {
    let raw = text.get(node.span.clone())?;
    let from = raw
        .find(&format!("{name}="))
        .map_or(0, |i| i + name.len() + 1);
    let at = raw.get(from..)?.find(value)? + from;
    (!value.is_empty()).then(|| node.span.start + at..node.span.start + at + value.len())
}

#[cfg(test)]
mod tests {
    use super::super::check_text;
    use super::*;
    use crate::finding::Finding;
    use proptest::prelude::*;

    fn run(path: &str, text: &str) -> Vec<Finding> {
        check_text(path, text)
    }

    /// A random-looking value made at test time, so no secret rule meets a committed one.
    fn random_value() -> String {
        let alphabet = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        (0..32)
            .map(|i| char::from(alphabet[(i * 37 + 11) % alphabet.len()]))
            .collect()
    }

    #[test]
    fn dockerfile_env_and_arg_values() {
        let secret = random_value();
        let table: Vec<(String, Option<Severity>)> = vec![
            (format!("ENV API_KEY={secret}"), Some(Severity::High)),
            (format!("ENV API_KEY \"{secret}\""), Some(Severity::High)),
            (format!("ARG NPM_TOKEN='{secret}'"), Some(Severity::High)),
            (
                format!("ENV A=1 \\\n  JWT_SECRET={secret}"),
                Some(Severity::High),
            ),
            ("ENV DB_PASSWORD=devpass".into(), Some(Severity::Low)),
            ("ENV DB_PASSWORD=\"\"".into(), None),
            ("ARG DB_PASSWORD".into(), None),
            ("ENV DB_PASSWORD=$DB_PASSWORD".into(), None),
            (format!("ENV GPG_KEY={secret}"), None),
            (format!("ENV AWS_ACCESS_KEY_ID={secret}"), None),
            (format!("# ENV API_KEY={secret}"), None),
            (format!("RUN API_KEY={secret} make"), None),
        ];
        for (line, want) in table {
            let text = format!("FROM alpine\n{line}\n");
            let found = run("Dockerfile", &text);
            let got = found
                .iter()
                .find(|f| f.rule.id == "docker-secret-in-image")
                .map(|f| {
                    assert!(!f.secret.is_empty() && text.contains(&f.secret));
                    assert!(!f.secret.contains('"') && !f.secret.contains('='));
                    f.severity
                });
            assert_eq!(got, want, "{line}");
        }
    }

    #[test]
    fn env_files_copied() {
        let table: &[(&str, Option<Severity>)] = &[
            ("COPY .env /app/.env", Some(Severity::High)),
            ("ADD [\".env.production\", \"/app/\"]", Some(Severity::High)),
            ("COPY --chown=node .env* ./", Some(Severity::High)),
            ("COPY .env.docker .env", Some(Severity::Medium)),
            ("COPY .env.example .env", None),
            ("COPY --from=builder /app/.env .env", None),
            ("COPY . .", None),
            ("COPY environment.ts ./", None),
        ];
        for (line, want) in table {
            let found = run("Dockerfile", &format!("FROM alpine\n{line}\n"));
            let got = found
                .iter()
                .find(|f| f.rule.id == "docker-env-file-in-image")
                .map(|f| f.severity);
            assert_eq!(got, *want, "{line}");
        }
    }

    #[test]
    fn compose_variables() {
        let secret = random_value();
        let table: Vec<(&str, String, Option<Severity>)> = vec![
            (
                "docker-compose.yml",
                format!("environment:\n      API_KEY: {secret}"),
                Some(Severity::High),
            ),
            (
                "docker-compose.yml",
                format!("environment:\n      - \"API_KEY={secret}\""),
                Some(Severity::High),
            ),
            (
                "docker-compose.yml",
                "environment:\n      POSTGRES_PASSWORD: devpass".into(),
                Some(Severity::Low),
            ),
            (
                "docker-compose.prod.yml",
                "environment:\n      POSTGRES_PASSWORD: devpass".into(),
                Some(Severity::Medium),
            ),
            (
                "compose.yaml",
                format!("build:\n      context: .\n      args:\n        - NPM_TOKEN={secret}"),
                Some(Severity::High),
            ),
            (
                "compose.yaml",
                "environment:\n      API_KEY: ${API_KEY:-}\n      DEBUG: 'true'".into(),
                None,
            ),
            ("compose.yaml", "env_file: .env.production".into(), None),
            (
                ".ci/compose.ci.yaml",
                format!("environment:\n      API_KEY: {secret}"),
                Some(Severity::Low),
            ),
            (
                "docker-compose.yml",
                "environment:\n      - NEXT_PRIVATE_SMTP_FROM_ADDRESS=a@b.c".into(),
                None,
            ),
        ];
        for (path, service, want) in table {
            let text = format!("services:\n  app:\n    image: x\n    {service}\n");
            let found = run(path, &text);
            let got = found
                .iter()
                .find(|f| f.rule.id == "docker-compose-secret")
                .map(|f| {
                    assert!(!f.secret.is_empty() && text.contains(&f.secret));
                    assert!(!f.secret.contains('='));
                    f.severity
                });
            assert_eq!(got, want, "{path} {service}");
        }
    }

    proptest! {
        #![proptest_config(crate::engine::testing::cases(64))]

        /// Any text is checked as a Dockerfile and as a compose file without a panic, and
        /// every finding's secret is a piece of the input.
        #[test]
        fn any_text_is_checked_without_panic(
            text in "((ENV|ARG|COPY|ADD|env|FROM) |[A-Z_]{1,12}=|API_KEY|\"|'|\\\\\n|\n|#|\
                     services:\n  a:\n    environment:\n      |- |: |\\.env|é|[ -~]{0,10}){0,30}",
        ) {
            for path in ["Dockerfile", "docker-compose.yml"] {
                for f in run(path, &text) {
                    prop_assert!(text.contains(&f.secret));
                }
            }
        }
    }
}
