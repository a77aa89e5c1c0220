//! Launch checks: the unsafe configuration a startup ships with (CORS open to any origin with
//! credentials, session cookies without `Secure`, webhooks that never verify a signature,
//! secrets written to logs, debug mode in production, GitHub workflows that leak or run
//! attacker text, images that bake in secrets), found in the repository before the first
//! customer. Part of `leakgate scan` by default (`--no-launch` turns it off); each check is a
//! rule id like any other (`rules list`, `disable_rules`, every report format).
//!
//! Shape: unlike the env and bundle checks, which compare several files, every launch check
//! judges one file on its own (a route and its verification live in one module, a workflow is
//! one file), so the scan hands each file the walk already read to [`check_file`] and no extra
//! walk runs. [`files::kind_of`] decides from the path alone which files are read and how
//! (code, a Dockerfile, a compose file, an nginx config, a workflow); code is parsed once into
//! a syntax tree ([`syntax`], tree-sitter) and handed to every family: [`cors`], [`cookies`],
//! [`webhooks`], [`logs`], [`debug`], [`workflows`], [`docker`]. Each family owns its `CHECKS`
//! table and its [`Examples`], and speaks through the one [`Sink`].
//!
//! Precision first: these are heuristics over code, and a noisy check gets the tool switched
//! off. Test code, fixtures, examples and docs are not read ([`files::kind_of`]); each check's
//! severity was set by what it reported on real applications of its stack (docs/launch.md).

mod cookies;
mod cors;
mod debug;
mod docker;
pub mod files;
mod logs;
mod sink;
pub mod syntax;
mod triggers;
mod webhooks;
mod workflows;

pub use files::{Kind, kind_of};
pub use sink::Sink;

use crate::checks::{Check, Switches};
use crate::finding::Finding;
use syntax::Code;
use triggers::Family;

/// Launch-check settings, built once by `settings`.
#[derive(Debug, Clone, Default)]
pub struct LaunchSettings {
    switches: Switches,
}

impl LaunchSettings {
    pub fn new(switches: Switches) -> LaunchSettings {
        LaunchSettings { switches }
    }
}

/// One file as the launch checks see it: where it is and its bytes.
pub struct SourceFile<'a> {
    /// Relative to the scanned root, `/`-separated: what the checks judge names by.
    pub relative: &'a str,
    /// As findings name it.
    pub shown: &'a str,
    pub data: &'a [u8],
    pub kind: Kind,
}

/// Every launch check, in a stable order.
pub fn checks() -> impl Iterator<Item = &'static Check> {
    cors::CHECKS
        .iter()
        .chain(cookies::CHECKS.iter())
        .chain(webhooks::CHECKS.iter())
        .chain(logs::CHECKS.iter())
        .chain(debug::CHECKS.iter())
        .chain(workflows::CHECKS.iter())
        .chain(docker::CHECKS.iter())
}

/// Every family's examples, for the self-test and the docs.
pub fn examples() -> impl Iterator<Item = &'static Examples> {
    cors::EXAMPLES
        .iter()
        .chain(cookies::EXAMPLES.iter())
        .chain(webhooks::EXAMPLES.iter())
        .chain(logs::EXAMPLES.iter())
        .chain(debug::EXAMPLES.iter())
        .chain(workflows::EXAMPLES.iter())
        .chain(docker::EXAMPLES.iter())
}

/// A file a check is shown on: its path (which decides the file's kind, and for some checks
/// its environment) and its text.
#[derive(Debug)]
pub struct Example {
    pub path: &'static str,
    pub text: &'static str,
}

/// What one check must report ([`Examples::fires`]: at least one finding of `rule` in each)
/// and must not ([`Examples::quiet`]: none of `rule`), proven by a test over every check.
#[derive(Debug)]
pub struct Examples {
    pub rule: &'static str,
    pub fires: &'static [Example],
    pub quiet: &'static [Example],
}

/// A family's entry point for parsed code.
type CodeCheck = fn(&Code<'_>, &mut Sink<'_>);

/// Runs every launch check that applies to `file`. A file that is not UTF-8, or code that does
/// not parse into anything, yields nothing (these checks judge what a reader can read).
pub fn check_file(settings: &LaunchSettings, file: &SourceFile<'_>) -> Vec<Finding> {
    check_file_with(settings, file, |relative, language, data| {
        triggers::wanted(relative, language, data)
    })
}

/// Every word a family's `concerns` may ask `Words::has` about, besides the baseline's. Kept
/// here, with [`concerns`], so `triggers` reads the families through their parent and never
/// imports the families that import it.
fn family_words() -> Vec<String> {
    let mut words = Vec::new();
    words.extend(webhooks::trigger_words());
    words.extend(logs::TRIGGER_WORDS.iter().map(|w| w.to_string()));
    words.extend(debug::TRIGGER_WORDS.iter().map(|w| w.to_string()));
    words
}

/// The family's own condition.
fn concerns(family: Family, subject: &triggers::Subject<'_, '_>) -> bool {
    match family {
        Family::Cors => cors::concerns(subject),
        Family::Cookies => cookies::concerns(subject),
        Family::Webhooks => webhooks::concerns(subject),
        Family::Logs => logs::concerns(subject),
        Family::Debug => debug::concerns(subject),
    }
}

/// [`check_file`] with the families of a code file chosen by `gate` (the tests compare the
/// narrowed gate with wider ones).
fn check_file_with(
    settings: &LaunchSettings,
    file: &SourceFile<'_>,
    gate: impl Fn(&str, syntax::Language, &[u8]) -> triggers::Wanted,
) -> Vec<Finding> {
    let mut sink = Sink::new(&settings.switches, file);
    let Ok(text) = std::str::from_utf8(file.data) else {
        return Vec::new();
    };
    match file.kind {
        Kind::Code(language) => {
            // Parsing is the cost: only files a family could report on are parsed (`triggers`).
            let wanted = gate(file.relative, language, file.data);
            // A minified build or a library's distribution file is not the application's
            // code (`files::is_build_artefact`); asked only of files a family concerns.
            if wanted.is_empty() || files::is_build_artefact(file.data) {
                return Vec::new();
            }
            let Some(tree) = syntax::parse(text, language) else {
                return Vec::new();
            };
            let code = Code::new(text, &tree, language);
            let families: [(Family, CodeCheck); 5] = [
                (Family::Cors, cors::code),
                (Family::Cookies, cookies::code),
                (Family::Webhooks, webhooks::code),
                (Family::Logs, logs::code),
                (Family::Debug, debug::code),
            ];
            for (family, check) in families {
                if wanted.has(family) {
                    check(&code, &mut sink);
                }
            }
        }
        Kind::Dockerfile => docker::dockerfile(text, &mut sink),
        Kind::Compose => docker::compose(text, &mut sink),
        Kind::Nginx => {
            cors::nginx(text, &mut sink);
            cookies::nginx(text, &mut sink);
        }
        Kind::Workflow => workflows::workflow(text, &mut sink),
    }
    sink.into_findings()
}

/// Every launch finding on `text` as if it were the file at `path` (which must be a path
/// [`kind_of`] reads), with every check on: the one way the families' tests run a snippet.
#[cfg(test)]
pub(crate) fn check_text(path: &str, text: &str) -> Vec<Finding> {
    let file = SourceFile {
        relative: path,
        shown: path,
        data: text.as_bytes(),
        kind: kind_of(path).unwrap_or_else(|| panic!("{path} is not a path the checks read")),
    };
    check_file(&LaunchSettings::default(), &file)
}

/// The (rule id, severity) of every finding of the checks whose id starts with `prefix` (one
/// family) on `text` at `path`: what the families' table tests compare.
#[cfg(test)]
pub(crate) fn family_findings(
    prefix: &str,
    path: &str,
    text: &str,
) -> Vec<(String, crate::finding::Severity)> {
    check_text(path, text)
        .into_iter()
        .filter(|f| f.rule.id.starts_with(prefix))
        .map(|f| (f.rule.id.clone(), f.severity))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn run(example: &Example) -> Vec<Finding> {
        check_text(example.path, example.text)
    }

    /// Every launch check reports each of its examples and none of its negative examples,
    /// and has at least one of each.
    #[test]
    fn every_check_fires_on_its_examples_and_stays_quiet_on_its_negatives() {
        let ids: HashSet<&str> = checks().map(|c| c.id).collect();
        let mut covered = HashSet::new();
        for examples in examples() {
            assert!(
                ids.contains(examples.rule),
                "{} is not a check",
                examples.rule
            );
            assert!(
                !examples.fires.is_empty(),
                "{} has no example",
                examples.rule
            );
            assert!(
                !examples.quiet.is_empty(),
                "{} has no negative",
                examples.rule
            );
            covered.insert(examples.rule);
            for example in examples.fires {
                let found = run(example);
                assert!(
                    found.iter().any(|f| f.rule.id == examples.rule),
                    "{} missed its example {}:\n{}\nfound: {:?}",
                    examples.rule,
                    example.path,
                    example.text,
                    found.iter().map(|f| &f.rule.id).collect::<Vec<_>>()
                );
                for f in &found {
                    assert!(
                        f.severity <= crate::checks::find(&f.rule.id).expect("a check").severity
                    );
                }
            }
            for example in examples.quiet {
                let found = run(example);
                assert!(
                    !found.iter().any(|f| f.rule.id == examples.rule),
                    "{} fired on its negative example {}:\n{}",
                    examples.rule,
                    example.path,
                    example.text
                );
            }
        }
        let missing: Vec<_> = ids.difference(&covered).collect();
        assert!(missing.is_empty(), "checks without examples: {missing:?}");
    }

    /// What the tests compare of a finding: everything a report shows.
    fn summary(findings: &[Finding]) -> Vec<String> {
        let mut out: Vec<String> = findings
            .iter()
            .map(|f| {
                format!(
                    "{} {:?} {:?} {} {:?}",
                    f.rule.id, f.severity, f.location, f.fingerprint, f.message
                )
            })
            .collect();
        out.sort();
        out
    }

    /// The findings on `text` at `path` with the narrowed gate, and with the words-only gate
    /// the checks were measured behind (every family whose words are there runs).
    fn narrowed_and_baseline(path: &str, text: &str) -> (Vec<String>, Vec<String>) {
        let file = SourceFile {
            relative: path,
            shown: path,
            data: text.as_bytes(),
            kind: kind_of(path).expect("a read path"),
        };
        let settings = LaunchSettings::default();
        let narrowed = check_file(&settings, &file);
        let baseline = check_file_with(&settings, &file, |_, _, data| {
            triggers::baseline_wanted(data)
        });
        (summary(&narrowed), summary(&baseline))
    }

    /// Every example of every check is reported the same with the narrowed gate as with every
    /// family the words allow: the families' own conditions drop nothing they report.
    #[test]
    fn the_narrowed_gate_keeps_every_example_finding() {
        for examples in examples() {
            for example in examples.fires.iter().chain(examples.quiet) {
                let (narrowed, baseline) = narrowed_and_baseline(example.path, example.text);
                assert_eq!(narrowed, baseline, "{}\n{}", example.path, example.text);
            }
        }
    }

    /// Code-file paths the generated files are judged at: each family's path conditions
    /// (webhook routes, auth routes, production settings, build configurations, development
    /// files) and plain library paths.
    const PATHS: &[&str] = &[
        "src/server.ts",
        "lib/index.js",
        "app/api/webhooks/stripe/route.ts",
        "pages/api/webhook.js",
        "src/routes/login.js",
        "src/auth/register.tsx",
        "next.config.mjs",
        "vite.config.ts",
        "webpack.prod.js",
        "config/dev.js",
        "app.py",
        "billing/views.py",
        "proj/settings/production.py",
        "proj/settings/local.py",
        "accounts/login.py",
        "hooks/stripe_webhook.py",
    ];

    /// Lines of every code example, plus near misses of the trigger words, to build files from.
    fn fragments(python: bool) -> Vec<String> {
        let mut lines: Vec<String> = examples()
            .flat_map(|e| e.fires.iter().chain(e.quiet))
            .filter(|e| e.path.ends_with(".py") == python)
            .filter(|e| matches!(kind_of(e.path), Some(Kind::Code(_))))
            .flat_map(|e| e.text.lines().map(str::to_string))
            .collect();
        let extra: &[&str] = if python {
            &[
                "import os",
                "print(os . environ)",
                "print(os.environ.get('X'), request.META)",
                "logging.info(request.META)",
                "print(environment)",
                "logger.info(api__key)",
                "def sign_in(request):",
                "    logging.info(request.POST)",
                "    print(request.data)",
                "DEBUG = True",
                "from flask import Flask",
                "app.run(debug=True)",
                "sig = request.META['HTTP_X_HUB_SIGNATURE_256']",
                "ok = hmac.new(key, body, 'sha256').hexdigest() == sig",
                "if signature == settings.WEBHOOK_SECRET:",
                "pprint.pprint(os.environ)",
                "log . info(token)",
                "self.logger.warning(password)",
                "logging.getLogger(__name__).info(password)",
                "LOGGER.INFO(api_key)",
                "logger \\\n    .info(password)",
                "x = (logger  # the logger\n    .info(password))",
            ]
        } else {
            &[
                "console.log(process\n  .env)",
                "console.log(process.env)",
                "console.log(process.env.PORT, { ...process.env })",
                "console.log(my_tok_en, x\\u0041_token, 12token, caf\u{e9}_token)",
                "console.log(tokenCount, nextPageToken, hashedPassword)",
                "console.log(process/* c */.env)",
                "logger.info({ private__key })",
                "router.post('/sign-up', async (req, res) => { console.log(req.body); });",
                "const data = await req.json(); console.log(data);",
                "const debug = require('debug')('x');",
                "module.exports = { devtool: 'source-map' };",
                "export default { build: { sourcemap: true } };",
                "const e = req.headers['x-slack-request-timestamp'];",
                "const h = crypto.createHmac('sha256', s).update(b).digest('hex'); if (h === sig) ok();",
                "if (event.type === 'checkout.session.completed') fulfil();",
                "if (signature !== process.env.STRIPE_WEBHOOK_SECRET) return;",
                "res.cookie('session', v, { secure: false });",
                "app.use(cors({ origin: true, credentials: true }));",
                "const env = process.env.NODE_ENV; console.log(env);",
                "function f(env) { logger.info(env); }",
                "console.log(process // why\n  .env)",
                "console.log(process\u{2028}.env, process\u{a0}.env)",
                "console.log(process?.env, globalThis.process.env, xprocess.env)",
                "logger\n  .info(password)",
                "this.myLogger . warn({ headers: req.headers })",
                "log.info(token); _log.error(secret); dialog.info(token);",
                "LOGGER.INFO(apiKey); Console.Log(refresh_token);",
                "console/* c */.log(password); console // c\n.log(password);",
                "winston.info(process.env); pino.info(req.headers);",
                "logger?.info(password); logger!.info(password); new console.log(password);",
                "console.\u{2028}log(password); con sole.log(password);",
                "return console.log(password)",
            ]
        };
        lines.extend(extra.iter().map(|l| l.to_string()));
        lines
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(400))]

        /// Files stitched from the examples' lines and near misses, at paths each condition
        /// reads, report the same with the narrowed gate as with the words-only gate.
        #[test]
        fn the_narrowed_gate_keeps_every_generated_finding(
            path in 0..PATHS.len(),
            picks in proptest::collection::vec((0usize..10_000, 0usize..4), 1..10),
        ) {
            let path = PATHS[path];
            let lines = fragments(path.ends_with(".py"));
            let mut text = String::new();
            for (pick, join) in picks {
                text.push_str(&lines[pick % lines.len()]);
                text.push_str(["\n", "\n\n", "\n    ", ";\n"][join]);
            }
            let (narrowed, baseline) = narrowed_and_baseline(path, &text);
            proptest::prop_assert_eq!(narrowed, baseline, "{}\n{}", path, text);
        }
    }

    /// What sits between the parts of a call or a member expression: spaces, line breaks,
    /// comments, Unicode whitespace, a line continuation, nothing.
    const SEPARATORS: &[&str] = &[
        "", "", "", " ", "$", "\n  ", "\t", "\u{b}", "\u{a0}", "\u{2028}", "\u{3000}", "/* c */",
        "// c\n", "# c\n", "\\\n", "é", "?", "!",
    ];
    const OWNERS: &[&str] = &[
        "console",
        "logger",
        "Logger",
        "LOGGER",
        "log",
        "_log",
        "logging",
        "winston",
        "pino",
        "structlog",
        "this.myLogger",
        "req.log",
        "dialog",
        "xconsole",
        "$log",
        "log ger",
        "con sole",
        "pprint",
    ];
    const LEVELS: &[&str] = &[
        "log", "info", "Warn", "ERROR", "debug", "dir", "logs", "print",
    ];
    const LOGGED: &[&str] = &[
        "process{s}.{s}env",
        "process{s}?.{s}env",
        "{ ...process{s}.{s}env }",
        "process.env.PORT",
        "os{s}.{s}environ",
        "password",
        "apiKey",
        "req{s}.{s}headers",
        "x.process.env",
        "env",
    ];
    const AROUND: &[&str] = &[
        "",
        "return ",
        "x",
        "const a = ",
        "(",
        "\n",
        "if True:\n    ",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1000))]

        /// Log calls built from owners, levels and logged values with odd separators between
        /// their parts report the same with the narrowed gate (the byte tests of a log call
        /// and of `process.env` written whole) as with the words-only gate.
        #[test]
        fn the_narrowed_gate_keeps_every_finding_with_odd_spacing(
            path in 0..PATHS.len(),
            parts in (0..AROUND.len(), 0..OWNERS.len(), 0..LEVELS.len(), 0..LOGGED.len()),
            seps in proptest::collection::vec(0..SEPARATORS.len(), 4),
        ) {
            let path = PATHS[path];
            let (around, owner, level, logged) = parts;
            let sep = |i: usize| SEPARATORS[seps[i]];
            let logged = LOGGED[logged].replacen("{s}", sep(2), 1).replace("{s}", sep(3));
            let text = format!(
                "{}{}{}.{}{}({})\n",
                AROUND[around], OWNERS[owner], sep(0), sep(1), LEVELS[level], logged
            );
            let (narrowed, baseline) = narrowed_and_baseline(path, &text);
            proptest::prop_assert_eq!(narrowed, baseline, "{}\n{}", path, text);
        }
    }

    /// Request objects for the auth-body test: the names `is_request` takes, written oddly,
    /// some that are not the request, and (`{long}`) a long object `short` cuts at 80
    /// characters so that the cut ends in a request name.
    const REQUEST_OBJECTS: &[&str] = &[
        "req",
        "request",
        "ctx",
        "context",
        "this.req",
        "c.req",
        "self.request",
        "rawRequest",
        "x.incomingRequest",
        "re q",
        "c\u{a0}tx",
        "res",
        "this.ctx",
        "JSON.parse(x)",
        "(req)",
        "req!",
        "$req",
        "{long}req",
        "{long}requestX",
        "{long}request",
        "{long}rawRequest",
        "{long}incomingRequest",
        "{long}reqs",
    ];
    /// What is read from the request: the parts `classify` and `body_names` know, as members
    /// and calls, split by whitespace, and near misses.
    const BODY_PARTS: &[&str] = &[
        "body",
        "json",
        "form",
        "data",
        "POST",
        "values",
        "json()",
        "formData()",
        "get_json()",
        "body()",
        "form()",
        "da ta",
        "js\u{2028}on()",
        "bodyParser",
        "format()",
        "headers",
    ];
    /// Log statements in auth routes (`{x}`: the read), script and Python.
    const AUTH_ROUTES: &[(&str, &str)] = &[
        (
            "src/server.ts",
            "router.post('/login', async (req, res) => {\n  console.log({x});\n});\n",
        ),
        (
            "lib/index.js",
            "async function signIn(req) { const b = {x}; console.log(b); }\n",
        ),
        (
            "src/server.ts",
            "function register(ctx) {\n  logger.info({ body: {x} });\n}\n",
        ),
        (
            "src/routes/login.js",
            "app.use((request) => console.log(JSON.stringify({x})));\n",
        ),
        ("app.py", "def login(request):\n    logging.info({x})\n"),
        (
            "accounts/login.py",
            "def view(request):\n    data = {x}\n    print(data)\n",
        ),
    ];

    /// One read of a request body: `object`, the separators around the dot (`None`: no dot
    /// at all, as where tree-sitter inserts a missing one), `part`; `long` characters before a
    /// `{long}` object's name.
    fn body_read(
        object: &str,
        before: Option<&str>,
        after: &str,
        part: &str,
        long: usize,
    ) -> String {
        let object = object.replace("{long}", &format!("o{}.", "a".repeat(long)));
        match before {
            Some(before) => format!("{object}{before}.{after}{part}"),
            None => format!("{object} {part}"),
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1000))]

        /// Request bodies read in auth routes through odd objects, separators, missing dots
        /// and objects `short` cuts, report the same with the narrowed gate (which wants a
        /// request object in front of a body part) as with the words-only gate.
        #[test]
        fn the_narrowed_gate_keeps_every_request_body_finding(
            route in 0..AUTH_ROUTES.len(),
            object in 0..REQUEST_OBJECTS.len(),
            part in 0..BODY_PARTS.len(),
            seps in (0..SEPARATORS.len() + 1, 0..SEPARATORS.len()),
            long in 70usize..=80,
        ) {
            let (path, route) = AUTH_ROUTES[route];
            let before = SEPARATORS.get(seps.0).copied();
            let read = body_read(REQUEST_OBJECTS[object], before, SEPARATORS[seps.1], BODY_PARTS[part], long);
            let text = route.replace("{x}", &read);
            let (narrowed, baseline) = narrowed_and_baseline(path, &text);
            proptest::prop_assert_eq!(narrowed, baseline, "{}\n{}", path, text);
        }
    }

    /// The auth-body reads the narrowed gate must let through, among them the ones only its
    /// least obvious parts see: a missing dot, a request name split by whitespace, an object
    /// `short` cuts in the middle of a name.
    #[test]
    fn request_bodies_read_oddly_are_still_reported() {
        let long_cut = body_read("{long}requestX", Some(""), "", "body", 75);
        for (route, read) in [
            (0, "req.body".to_string()),
            (0, "req . json()".to_string()),
            (2, "ctx . data".to_string()),
            (1, "request\n  .formData()".to_string()),
            (5, "request.get_json()".to_string()),
            (4, "request.form".to_string()),
            (0, long_cut),
        ] {
            let (path, route) = AUTH_ROUTES[route];
            let text = route.replace("{x}", &read);
            let (narrowed, baseline) = narrowed_and_baseline(path, &text);
            assert!(
                narrowed
                    .iter()
                    .any(|f| f.starts_with("log-auth-request-body")),
                "{text}\n{narrowed:?}"
            );
            assert_eq!(narrowed, baseline, "{text}");
        }
    }

    /// A switched-off check reports nothing, and the others still report.
    #[test]
    fn a_disabled_check_is_silent() {
        for examples in examples() {
            let example = &examples.fires[0];
            let settings =
                LaunchSettings::new(Switches::from_disabled(&[examples.rule.to_string()]));
            let file = SourceFile {
                relative: example.path,
                shown: example.path,
                data: example.text.as_bytes(),
                kind: kind_of(example.path).expect("a read path"),
            };
            let found = check_file(&settings, &file);
            assert!(
                !found.iter().any(|f| f.rule.id == examples.rule),
                "{}",
                examples.rule
            );
        }
    }
}
