//! CORS: which other sites a browser lets read this app's responses. The danger is one
//! combination: every origin allowed AND credentials (cookies) allowed, with the server echoing
//! the caller's origin back, so any web page a signed-in user visits can read their data through
//! their cookies. That is [`CREDENTIALS_ANY_ORIGIN`].
//!
//! Decisions, each from what the libraries actually send:
//! - Browsers refuse a literal `Access-Control-Allow-Origin: *` together with
//!   `Access-Control-Allow-Credentials: true`, so `*` with credentials is a broken setting, not
//!   an open door ([`WILDCARD_CREDENTIALS`], low): the risk is the next "fix", which reflects
//!   the origin. Express `cors`, `@fastify/cors`, NestJS `enableCors` and Hono `cors` send a
//!   literal `*`; Starlette/FastAPI `CORSMiddleware`, django-cors-headers and Flask-CORS echo the
//!   request origin when credentials are on, so `*` there IS the open door (high).
//! - Any origin without credentials ([`ANY_ORIGIN`]) is how public APIs are meant to work:
//!   reported as `info` so it shows in an inventory and never fails a build.
//! - Only literals decide: `origin: allowedOrigins`, `allow_origins=settings.CORS_ORIGINS` or a
//!   callback with any condition in it are the app choosing, and stay quiet. An origin header
//!   written by hand is reflection only when the header's value reads the request's `Origin`
//!   directly and no `if` around it mentions the origin (an allow-list check).
//! - Settings files named for development (`local.py`, `dev.py`, `development.py`, tests) are
//!   not what ships and are not judged.

use super::syntax::{Code, descendants, is_function};
use super::triggers::Subject;
use super::{Example, Examples, Sink};
use crate::checks::Check;
use crate::finding::Severity;
use tree_sitter::Node;

const CREDENTIALS_ANY_ORIGIN: Check = Check {
    id: "cors-credentials-any-origin",
    name: "CORS lets any website read signed-in responses",
    severity: Severity::High,
    description: "The server allows every origin (it echoes the caller's `Origin` back) and also \
                  allows credentials, so any web page a signed-in user opens can call the API \
                  with the user's cookies and read the answers. Replace the open origin with the \
                  list of the app's own origins (`origin: ['https://app.example.com']`, \
                  `allow_origins=[...]`, `CORS_ALLOWED_ORIGINS = [...]`), or set credentials off \
                  if the API does not use cookies.",
    tags: &["launch", "cors"],
};

const WILDCARD_CREDENTIALS: Check = Check {
    id: "cors-wildcard-credentials",
    name: "CORS wildcard origin with credentials",
    severity: Severity::Low,
    description: "`Access-Control-Allow-Origin: *` is sent together with \
                  `Access-Control-Allow-Credentials: true`. Browsers refuse that combination, \
                  so credentialed calls fail, and the usual quick fix (echoing the request's \
                  origin) opens the API to every website. Replace `*` with the list of the app's \
                  own origins, or set credentials off.",
    tags: &["launch", "cors"],
};

const ANY_ORIGIN: Check = Check {
    id: "cors-any-origin",
    name: "CORS allows any origin",
    severity: Severity::Info,
    description: "Every website may read these responses (no credentials). That is right for a \
                  public API and wrong for one that answers by IP, network location or an API \
                  key kept in the browser. If the API is not public, set the allowed origins to \
                  the app's own (`origin: [...]`, `allow_origins=[...]`, \
                  `CORS_ALLOWED_ORIGINS`).",
    tags: &["launch", "cors"],
};

pub const CHECKS: [Check; 3] = [CREDENTIALS_ANY_ORIGIN, WILDCARD_CREDENTIALS, ANY_ORIGIN];

pub const EXAMPLES: &[Examples] = &[
    Examples {
        rule: CREDENTIALS_ANY_ORIGIN.id,
        fires: &[
            Example {
                path: "src/app.js",
                text: "app.use(cors({ origin: true, credentials: true }));",
            },
            Example {
                path: "src/main.ts",
                text: "app.enableCors({ origin: (origin, cb) => cb(null, true), credentials: \
                       true });",
            },
            Example {
                path: "app/main.py",
                text: "app.add_middleware(CORSMiddleware, allow_origins=[\"*\"], \
                       allow_credentials=True)\n",
            },
            Example {
                path: "config/settings/production.py",
                text: "CORS_ALLOW_ALL_ORIGINS = True\nCORS_ALLOW_CREDENTIALS = True\n",
            },
            Example {
                path: "app/__init__.py",
                text: "CORS(app, supports_credentials=True)\n",
            },
            Example {
                path: "deploy/nginx/site.conf",
                text: "location /api/ {\n  add_header Access-Control-Allow-Origin $http_origin \
                       always;\n  add_header Access-Control-Allow-Credentials true always;\n}\n",
            },
        ],
        quiet: &[
            Example {
                path: "src/app.js",
                text: "app.use(cors({ origin: ['https://app.example.com'], credentials: true \
                       }));",
            },
            Example {
                path: "src/app.js",
                text: "app.use(cors({ origin: (origin, cb) => cb(null, allowed.includes(origin)), \
                       credentials: true }));",
            },
            Example {
                path: "app/main.py",
                text: "app.add_middleware(CORSMiddleware, allow_origins=settings.CORS_ORIGINS, \
                       allow_credentials=True)\n",
            },
            Example {
                path: "config/settings/local.py",
                text: "CORS_ALLOW_ALL_ORIGINS = True\nCORS_ALLOW_CREDENTIALS = True\n",
            },
            Example {
                path: "deploy/nginx/site.conf",
                text: "if ($http_origin ~* ^https://app\\.example\\.com$) {\n  add_header \
                       Access-Control-Allow-Origin $http_origin;\n  add_header \
                       Access-Control-Allow-Credentials true;\n}\n",
            },
        ],
    },
    Examples {
        rule: WILDCARD_CREDENTIALS.id,
        fires: &[
            Example {
                path: "src/server.ts",
                text: "app.use(cors({ origin: '*', credentials: true }));",
            },
            Example {
                path: "app/api/data/route.ts",
                text: "export function GET() {\n  return new Response('{}', { headers: { \
                       'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Credentials': \
                       'true' } });\n}\n",
            },
            Example {
                path: "nginx.conf",
                text: "add_header 'Access-Control-Allow-Origin' '*';\nadd_header \
                       'Access-Control-Allow-Credentials' 'true';\n",
            },
        ],
        quiet: &[
            Example {
                path: "src/server.ts",
                text: "app.use(cors({ origin: '*' }));",
            },
            Example {
                path: "app/main.py",
                text: "app.add_middleware(CORSMiddleware, allow_origins=[\"*\"], \
                       allow_credentials=False)\n",
            },
        ],
    },
    Examples {
        rule: ANY_ORIGIN.id,
        fires: &[
            Example {
                path: "src/app.js",
                text: "app.use(cors());",
            },
            Example {
                path: "hc/api/views.py",
                text: "def badge(request):\n    response = HttpResponse()\n    \
                       response[\"Access-Control-Allow-Origin\"] = \"*\"\n    return response\n",
            },
        ],
        quiet: &[
            Example {
                path: "src/app.js",
                text: "app.use(cors({ origin: process.env.APP_ORIGIN }));",
            },
            Example {
                path: "app/main.py",
                text: "CORS_ALLOW_ALL_ORIGINS = DEBUG\n",
            },
        ],
    },
];

/// Who may read: the part of a CORS setting that decides the verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origins {
    /// Every origin, echoed back by the server (`origin: true`, a callback that always allows,
    /// the request's `Origin` header copied, or a framework that echoes for `*`).
    Echoed(&'static str),
    /// A literal `*`.
    Star(&'static str),
}

/// One CORS setting seen, judged.
fn verdict(
    sink: &mut Sink<'_>,
    span: std::ops::Range<usize>,
    what: &str,
    origins: Origins,
    credentials: bool,
) {
    match (origins, credentials) {
        (Origins::Echoed(how), true) => sink.report(
            &CREDENTIALS_ANY_ORIGIN,
            Severity::High,
            span,
            &format!("{what} {how} credentials"),
            format!(
                "{what} allows every origin ({how}) together with credentials: any website can \
                 read responses with the signed-in user's cookies."
            ),
        ),
        (Origins::Star(how), true) => sink.report(
            &WILDCARD_CREDENTIALS,
            Severity::Low,
            span,
            &format!("{what} {how} credentials"),
            format!(
                "{what} sends `Access-Control-Allow-Origin: *` ({how}) with credentials: browsers \
                 refuse this, and echoing the origin instead would open the API to every site."
            ),
        ),
        (Origins::Echoed(how) | Origins::Star(how), false) => sink.report(
            &ANY_ORIGIN,
            Severity::Info,
            span,
            &format!("{what} {how}"),
            format!(
                "{what} allows every origin ({how}) without credentials; fine for a public API."
            ),
        ),
    }
}

/// Whether this family could report on a file ([`super::triggers`]): `code` returns at once on a
/// development file.
pub(super) fn concerns(subject: &Subject<'_, '_>) -> bool {
    !is_development_file(subject.relative)
}

pub fn code(code: &Code<'_>, sink: &mut Sink<'_>) {
    if is_development_file(sink.file().relative) {
        return;
    }
    if code.language.is_script() {
        script_libraries(code, sink);
    } else {
        python_libraries(code, sink);
        django_settings(code, sink);
    }
    headers_by_hand(code, sink);
}

/// Whether a path names a development or test settings file (`settings/local.py`,
/// `dev.py`, `config/development.py`, `settings_test.py`): not what ships.
pub(super) fn is_development_file(relative: &str) -> bool {
    let name = relative.rsplit('/').next().unwrap_or(relative);
    let stem = name.split('.').next().unwrap_or(name).to_ascii_lowercase();
    stem.split(['_', '-']).any(|w| {
        matches!(
            w,
            "local" | "dev" | "develop" | "development" | "test" | "testing" | "tests" | "ci"
        )
    })
}

/// Whether a path names a production settings file (`settings/production.py`, `prod.py`,
/// `config/settings_prod.py`).
pub(super) fn is_production_file(relative: &str) -> bool {
    let name = relative.rsplit('/').next().unwrap_or(relative);
    let stem = name.split('.').next().unwrap_or(name).to_ascii_lowercase();
    stem.split(['_', '-'])
        .any(|w| matches!(w, "production" | "prod" | "prd" | "live"))
}

// ---------------------------------------------------------------- JavaScript libraries

/// Express `cors()`, Hono `cors()`, NestJS `enableCors()` and `NestFactory.create(.., { cors })`,
/// Fastify `register(cors, {...})`. All of them send a literal `*` for `*` or no origin, and
/// echo the origin for `origin: true`, a regex matching everything, or a callback that always
/// allows.
fn script_libraries(code: &Code<'_>, sink: &mut Sink<'_>) {
    for call in code.calls() {
        let callee = code.callee(call);
        let last = callee.rsplit('.').next().unwrap_or(&callee);
        let arguments = code.arguments(call);
        let (what, options) = match last {
            "cors" if callee == "cors" => match arguments.as_slice() {
                [] => ("cors()", None),
                [one] => match code.resolve(*one) {
                    o if o.kind() == "object" => ("cors()", Some(o)),
                    _ => continue,
                },
                _ => continue,
            },
            "enableCors" => match arguments.first().map(|a| code.resolve(*a)) {
                None => ("enableCors()", None),
                Some(o) if o.kind() == "object" => ("enableCors()", Some(o)),
                Some(_) => continue,
            },
            "register" => {
                let Some(plugin) = arguments.first() else {
                    continue;
                };
                if !code.text(*plugin).to_ascii_lowercase().contains("cors") {
                    continue;
                }
                match arguments.get(1).map(|a| code.resolve(*a)) {
                    None => ("register(cors)", None),
                    Some(o) if o.kind() == "object" => ("register(cors)", Some(o)),
                    Some(_) => continue,
                }
            }
            "create" if callee.ends_with("NestFactory.create") => {
                let Some(settings) = arguments.get(1).map(|a| code.resolve(*a)) else {
                    continue;
                };
                if settings.kind() != "object" {
                    continue;
                }
                match code.property(settings, "cors").map(|c| code.resolve(c)) {
                    Some(c) if code.is_true(c) => ("NestFactory.create cors", None),
                    Some(c) if c.kind() == "object" => ("NestFactory.create cors", Some(c)),
                    _ => continue,
                }
            }
            _ => continue,
        };
        let (origins, credentials) = match options {
            None => (Some(Origins::Star("the default origin `*`")), false),
            Some(options) => {
                let credentials = code
                    .property(options, "credentials")
                    .is_some_and(|c| code.is_true(c));
                (script_origin(code, options), credentials)
            }
        };
        if let Some(origins) = origins {
            verdict(sink, call.byte_range(), what, origins, credentials);
        }
    }
}

/// What the `origin` option of a JavaScript CORS library allows, when a literal decides it.
fn script_origin(code: &Code<'_>, options: Node<'_>) -> Option<Origins> {
    let Some(origin) = option(code, options, "origin") else {
        return Some(Origins::Star("the default origin `*`"));
    };
    if code.is_true(origin) {
        return Some(Origins::Echoed("origin: true"));
    }
    if code.string_value(origin).as_deref() == Some("*") {
        return Some(Origins::Star("origin: '*'"));
    }
    if origin.kind() == "regex" {
        let pattern = origin
            .child_by_field_name("pattern")
            .map_or("", |p| code.text(p));
        return matches_everything(pattern)
            .then_some(Origins::Echoed("an origin regex that matches everything"));
    }
    if is_function(origin.kind()) && always_allows(code, origin) {
        return Some(Origins::Echoed(
            "an origin callback that allows every origin",
        ));
    }
    None
}

/// An option of an object literal, whether written as a property (`origin: ...`) or as a
/// method (`origin(o, cb) { ... }`, which `Code::property` does not read).
pub(super) fn option<'t>(code: &Code<'_>, object: Node<'t>, name: &str) -> Option<Node<'t>> {
    code.property(object, name).or_else(|| {
        let mut cursor = object.walk();
        object
            .named_children(&mut cursor)
            .filter(|c| c.kind() == "method_definition")
            .filter(|m| {
                m.child_by_field_name("name")
                    .is_some_and(|n| code.text(n) == name)
            })
            .last()
    })
}

/// Whether a regular expression over origins matches every origin: `.*`, `^.*$`,
/// `https?://.*`, `.+`.
fn matches_everything(pattern: &str) -> bool {
    let p = pattern.trim_start_matches('^').trim_end_matches('$');
    let p = [
        "https?://",
        "https?:\\/\\/",
        "https://",
        "https:\\/\\/",
        "http://",
        "http:\\/\\/",
    ]
    .iter()
    .find_map(|scheme| p.strip_prefix(scheme))
    .unwrap_or(p);
    matches!(p, ".*" | ".+" | "(.*)" | "(.+)" | ".*?" | "[\\s\\S]*" | "") && !pattern.is_empty()
}

/// The identifiers a function takes, in order (`(origin, callback)`, `origin =>`,
/// `lambda origin:`).
fn parameter_names<'a>(code: &Code<'a>, function: Node<'_>) -> Vec<&'a str> {
    if let Some(single) = function.child_by_field_name("parameter") {
        return vec![code.text(single)];
    }
    let Some(list) = function.child_by_field_name("parameters") else {
        return Vec::new();
    };
    let mut cursor = list.walk();
    list.named_children(&mut cursor)
        .map(|p| match p.child_by_field_name("pattern") {
            Some(pattern) => code.text(pattern),
            None if p.kind() == "identifier" => code.text(p),
            None => "",
        })
        .collect()
}

/// Whether an origin callback allows every origin: no condition in it at all, and every call
/// of its callback says yes (`cb(null, true)`, `cb(null, origin)`), or (Hono) it returns the
/// origin or `true` every time.
fn always_allows(code: &Code<'_>, function: Node<'_>) -> bool {
    let params = parameter_names(code, function);
    let Some(origin) = params.first().copied().filter(|p| !p.is_empty()) else {
        return false;
    };
    let conditional = descendants(
        function,
        &[
            "if_statement",
            "ternary_expression",
            "switch_statement",
            "conditional_expression",
            "binary_expression",
        ],
    );
    if !conditional.is_empty() {
        return false;
    }
    let yes = |node: Node<'_>| code.is_true(node) || code.text(node) == origin;
    if let Some(callback) = params.get(1).copied().filter(|p| !p.is_empty()) {
        let calls: Vec<Node<'_>> = descendants(function, &["call_expression"])
            .into_iter()
            .filter(|c| code.callee(*c) == callback)
            .collect();
        if !calls.is_empty() {
            return calls.iter().all(|call| {
                let arguments = code.arguments(*call);
                arguments.len() == 2
                    && matches!(code.text(arguments[0]), "null" | "undefined")
                    && yes(arguments[1])
            });
        }
    }
    let Some(body) = function.child_by_field_name("body") else {
        return false;
    };
    if body.kind() != "statement_block" {
        return yes(body);
    }
    let returns = descendants(body, &["return_statement"]);
    !returns.is_empty() && returns.iter().all(|r| r.named_child(0).is_some_and(yes))
}

// ---------------------------------------------------------------- Python libraries

/// Starlette/FastAPI `CORSMiddleware` and Flask-CORS `CORS(app)` / `@cross_origin()`: both echo
/// the request's origin for `*` when credentials are on.
fn python_libraries(code: &Code<'_>, sink: &mut Sink<'_>) {
    for call in code.calls() {
        let callee = code.callee(call);
        let last = callee.rsplit('.').next().unwrap_or(&callee);
        let arguments = code.arguments(call);
        if last == "CORSMiddleware"
            || arguments
                .iter()
                .any(|a| a.kind() != "keyword_argument" && code.text(*a) == "CORSMiddleware")
        {
            let credentials = code
                .keyword_argument(call, "allow_credentials")
                .is_some_and(|v| code.is_true(v));
            let everything = code
                .keyword_argument(call, "allow_origins")
                .is_some_and(|v| python_origins_are_any(code, v))
                || code
                    .keyword_argument(call, "allow_origin_regex")
                    .and_then(|v| code.string_value(v))
                    .is_some_and(|p| matches_everything(&p));
            if everything {
                let origins = if credentials {
                    Origins::Echoed(
                        "allow_origins=[\"*\"], which Starlette answers by echoing the origin",
                    )
                } else {
                    Origins::Star("allow_origins=[\"*\"]")
                };
                verdict(
                    sink,
                    call.byte_range(),
                    "CORSMiddleware",
                    origins,
                    credentials,
                );
            }
        } else if matches!(last, "CORS" | "cross_origin") {
            let credentials = code
                .keyword_argument(call, "supports_credentials")
                .is_some_and(|v| code.is_true(v));
            let any = match code.keyword_argument(call, "origins") {
                Some(origins) => python_origins_are_any(code, origins),
                None => match code.keyword_argument(call, "resources") {
                    // Per-route settings: open only when every route's origins are.
                    Some(resources) => {
                        let resources = code.resolve(resources);
                        let all: Vec<Node<'_>> = descendants(resources, &["pair"])
                            .into_iter()
                            .filter(|p| {
                                p.child_by_field_name("key")
                                    .and_then(|k| code.string_value(k))
                                    .as_deref()
                                    == Some("origins")
                            })
                            .filter_map(|p| p.child_by_field_name("value"))
                            .collect();
                        all.iter().all(|o| python_origins_are_any(code, *o))
                    }
                    None => true,
                },
            };
            if any {
                let origins = if credentials {
                    Origins::Echoed(
                        "origins `*` (the default), which Flask-CORS answers by echoing the origin",
                    )
                } else {
                    Origins::Star("origins `*` (the default)")
                };
                verdict(sink, call.byte_range(), last, origins, credentials);
            }
        }
    }
}

/// Whether a Python origins value is `"*"`, a list holding `"*"`, or a regex matching all.
fn python_origins_are_any(code: &Code<'_>, value: Node<'_>) -> bool {
    let value = code.resolve(value);
    if let Some(s) = code.string_value(value) {
        return s == "*" || matches_everything(&s);
    }
    if matches!(value.kind(), "list" | "tuple" | "set") {
        let mut cursor = value.walk();
        return value
            .named_children(&mut cursor)
            .any(|item| code.string_value(item).as_deref() == Some("*"));
    }
    false
}

/// django-cors-headers: `CORS_ALLOW_ALL_ORIGINS = True` (or the old `CORS_ORIGIN_ALLOW_ALL`)
/// sends `*` alone, and echoes the origin when `CORS_ALLOW_CREDENTIALS = True` is in the same
/// settings file.
fn django_settings(code: &Code<'_>, sink: &mut Sink<'_>) {
    let mut allow_all = None;
    let mut credentials = false;
    for assignment in code.nodes(&["assignment"]) {
        let (Some(left), Some(right)) = (
            assignment.child_by_field_name("left"),
            assignment.child_by_field_name("right"),
        ) else {
            continue;
        };
        match code.text(left) {
            "CORS_ALLOW_ALL_ORIGINS" | "CORS_ORIGIN_ALLOW_ALL" if code.is_true(right) => {
                allow_all = Some(assignment);
            }
            "CORS_ALLOW_CREDENTIALS" if code.is_true(right) => credentials = true,
            _ => {}
        }
    }
    if let Some(assignment) = allow_all {
        let origins = if credentials {
            Origins::Echoed("CORS_ALLOW_ALL_ORIGINS = True, which echoes the origin")
        } else {
            Origins::Star("CORS_ALLOW_ALL_ORIGINS = True")
        };
        verdict(
            sink,
            assignment.byte_range(),
            "Django settings",
            origins,
            credentials,
        );
    }
}

// ---------------------------------------------------------------- headers written by hand

const ALLOW_ORIGIN: &str = "access-control-allow-origin";
const ALLOW_CREDENTIALS: &str = "access-control-allow-credentials";

/// A response header set in code: its name (lower case), value, and the node that sets it.
struct HeaderSet<'t> {
    name: String,
    value: Node<'t>,
    site: Node<'t>,
}

/// Every header this file sets with a literal name: `res.setHeader(name, v)`, `res.header`,
/// `res.set`, `headers.set/append/add`, `c.header`, `{ 'Name': v }` (a `Headers` init, a
/// `writeHead` map, a Python dict), `{ key: 'Name', value: v }` (Next.js `headers()`), and
/// `headers['Name'] = v` / `response['Name'] = v`.
fn header_sets<'t>(code: &'t Code<'_>) -> Vec<HeaderSet<'t>> {
    let mut out = Vec::new();
    for node in code.nodes(&[
        "call_expression",
        "call",
        "pair",
        "object",
        "assignment_expression",
        "assignment",
    ]) {
        let found = match node.kind() {
            "call_expression" | "call" => {
                let callee = code.callee(node);
                let last = callee.rsplit('.').next().unwrap_or(&callee);
                let arguments = code.arguments(node);
                if matches!(
                    last,
                    "setHeader" | "header" | "set" | "append" | "add" | "setdefault"
                ) && arguments.len() == 2
                {
                    code.string_value(arguments[0]).map(|n| (n, arguments[1]))
                } else {
                    None
                }
            }
            "pair" => node
                .child_by_field_name("key")
                .and_then(|k| code.string_value(k))
                .zip(node.child_by_field_name("value")),
            "object" => code
                .property(node, "key")
                .and_then(|k| code.string_value(k))
                .zip(code.property(node, "value")),
            _ => {
                let (left, right) = ("left", "right");
                let left = node.child_by_field_name(left);
                let value = node.child_by_field_name(right);
                let key = left
                    .filter(|l| matches!(l.kind(), "subscript_expression" | "subscript"))
                    .and_then(|l| {
                        l.child_by_field_name("index")
                            .or_else(|| l.child_by_field_name("subscript"))
                    })
                    .and_then(|k| code.string_value(k));
                key.zip(value)
            }
        };
        if let Some((name, value)) = found {
            out.push(HeaderSet {
                name: name.trim().to_ascii_lowercase(),
                value,
                site: node,
            });
        }
    }
    out
}

/// Whether a header value reads the request's `Origin` header itself
/// (`req.headers.origin`, `request.headers.get("origin")`, `req.get('origin')`,
/// `request.META["HTTP_ORIGIN"]`).
fn reads_request_origin(code: &Code<'_>, value: Node<'_>) -> bool {
    if matches!(value.kind(), "identifier" | "string" | "template_string") {
        return false;
    }
    let text: String = code
        .text(value)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase()
        .replace('"', "'");
    [
        "headers.origin",
        "headers['origin']",
        "headers.get('origin')",
        "header('origin')",
        ".get('origin')",
        "http_origin",
    ]
    .iter()
    .any(|needle| text.contains(needle))
}

/// Whether an allow-list check comes first: an `if` (or `?:`) whose condition mentions the
/// origin, around `node` or earlier in the same function (`if (!allowed.includes(origin))
/// return;`).
fn guarded_by_origin_check(code: &Code<'_>, node: Node<'_>) -> bool {
    let scope = code.enclosing_function(node).unwrap_or_else(|| code.root());
    descendants(
        scope,
        &[
            "if_statement",
            "ternary_expression",
            "conditional_expression",
            "elif_clause",
        ],
    )
    .into_iter()
    .filter(|n| n.start_byte() <= node.start_byte())
    .filter(|n| {
        code.enclosing_function(*n).map(|f| f.id()) == code.enclosing_function(node).map(|f| f.id())
    })
    .any(|n| {
        let condition = n.child_by_field_name("condition").unwrap_or(n);
        code.text(condition).to_ascii_lowercase().contains("origin")
    })
}

fn headers_by_hand(code: &Code<'_>, sink: &mut Sink<'_>) {
    let sets = header_sets(code);
    for set in sets.iter().filter(|s| s.name == ALLOW_ORIGIN) {
        let origins = if code.string_value(set.value).as_deref() == Some("*") {
            Origins::Star("`Access-Control-Allow-Origin: *` set by hand")
        } else if reads_request_origin(code, set.value) && !guarded_by_origin_check(code, set.site)
        {
            Origins::Echoed("the request's Origin header copied into Access-Control-Allow-Origin")
        } else {
            continue;
        };
        let scope = code
            .enclosing_function(set.site)
            .unwrap_or_else(|| code.root());
        let credentials = sets.iter().any(|other| {
            other.name == ALLOW_CREDENTIALS
                && Code::contains(scope, other.site)
                && (code.is_true(other.value)
                    || code
                        .string_value(other.value)
                        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true")))
        });
        verdict(
            sink,
            set.site.byte_range(),
            "A response header",
            origins,
            credentials,
        );
    }
}

// ---------------------------------------------------------------- nginx

/// One nginx directive: its words (quotes removed), where it is, and the blocks around it
/// (outermost first; each block named by its directive's index).
#[derive(Debug)]
pub(super) struct Directive {
    pub words: Vec<String>,
    pub span: std::ops::Range<usize>,
    pub blocks: Vec<usize>,
}

/// Splits an nginx configuration into directives. A careful small tokenizer: `#` comments,
/// single and double quotes with backslash escapes, `;` ends a directive, `{` opens a block
/// (the directive before it names the block), `}` closes one. Unbalanced braces are tolerated.
pub(super) fn nginx_directives(text: &str) -> Vec<Directive> {
    let mut out: Vec<Directive> = Vec::new();
    let mut stack: Vec<usize> = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut start: Option<usize> = None;
    let bytes = text.as_bytes();
    let mut i = 0;
    let finish = |out: &mut Vec<Directive>,
                  words: &mut Vec<String>,
                  start: &mut Option<usize>,
                  end: usize,
                  stack: &[usize]| {
        if !words.is_empty() {
            out.push(Directive {
                words: std::mem::take(words),
                span: start.unwrap_or(end)..end,
                blocks: stack.to_vec(),
            });
        }
        *start = None;
    };
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b';' => {
                finish(&mut out, &mut words, &mut start, i + 1, &stack);
                i += 1;
            }
            b'{' => {
                finish(&mut out, &mut words, &mut start, i + 1, &stack);
                stack.push(out.len().saturating_sub(1));
                i += 1;
            }
            b'}' => {
                finish(&mut out, &mut words, &mut start, i, &stack);
                stack.pop();
                i += 1;
            }
            c if c.is_ascii_whitespace() => i += 1,
            b'"' | b'\'' => {
                let quote = c;
                start.get_or_insert(i);
                let mut word = Vec::new();
                i += 1;
                while i < bytes.len() && bytes[i] != quote {
                    if bytes[i] == b'\\' && i + 1 < bytes.len() {
                        i += 1;
                    }
                    word.push(bytes[i]);
                    i += 1;
                }
                i += 1;
                words.push(String::from_utf8_lossy(&word).into_owned());
            }
            _ => {
                start.get_or_insert(i);
                let begin = i;
                while i < bytes.len()
                    && !bytes[i].is_ascii_whitespace()
                    && !matches!(bytes[i], b';' | b'{' | b'}' | b'"' | b'\'')
                {
                    i += 1;
                }
                words.push(String::from_utf8_lossy(&bytes[begin..i]).into_owned());
            }
        }
    }
    let end = bytes.len();
    finish(&mut out, &mut words, &mut start, end, &stack);
    out
}

/// `add_header Access-Control-Allow-Origin *` or `$http_origin` (not under an
/// `if ($http_origin ~ ...)` allow-list), with `Access-Control-Allow-Credentials true` in the
/// same block, a block around it, or one inside it.
pub fn nginx(text: &str, sink: &mut Sink<'_>) {
    let directives = nginx_directives(text);
    let header = |d: &Directive, name: &str| -> Option<String> {
        (d.words.len() >= 3
            && matches!(d.words[0].as_str(), "add_header" | "more_set_headers")
            && d.words[1].eq_ignore_ascii_case(name))
        .then(|| d.words[2].clone())
    };
    for directive in &directives {
        let Some(value) = header(directive, ALLOW_ORIGIN) else {
            continue;
        };
        let origins = match value.as_str() {
            "*" => Origins::Star("add_header Access-Control-Allow-Origin *"),
            "$http_origin" => {
                let guarded = directive.blocks.iter().any(|b| {
                    directives.get(*b).is_some_and(|block| {
                        block.words.first().map(String::as_str) == Some("if")
                            && block.words.iter().any(|w| w.contains("$http_origin"))
                    })
                });
                if guarded {
                    continue;
                }
                Origins::Echoed("add_header Access-Control-Allow-Origin $http_origin")
            }
            _ => continue,
        };
        let credentials = directives.iter().any(|other| {
            header(other, ALLOW_CREDENTIALS).is_some_and(|v| v.eq_ignore_ascii_case("true"))
                && (other.blocks.starts_with(&directive.blocks)
                    || directive.blocks.starts_with(&other.blocks))
        });
        verdict(sink, directive.span.clone(), "nginx", origins, credentials);
    }
}

#[cfg(test)]
mod tests {
    use super::super::{check_text, family_findings};
    use super::*;
    use proptest::prelude::*;

    fn found(path: &str, text: &str) -> Vec<(String, Severity)> {
        family_findings("cors-", path, text)
    }

    #[test]
    fn which_settings_are_which() {
        use Severity::*;
        let high = "cors-credentials-any-origin";
        let low = "cors-wildcard-credentials";
        let any = "cors-any-origin";
        type Case<'a> = (&'a str, &'a str, Option<(&'a str, Severity)>);
        let cases: &[Case] = &[
            // Express / Nest / Fastify / Hono.
            (
                "a.js",
                "app.use(cors({ origin: true, credentials: true }))",
                Some((high, High)),
            ),
            (
                "a.js",
                "const o = { origin: true, credentials: true };\napp.use(cors(o))",
                Some((high, High)),
            ),
            ("a.js", "app.use(cors({ origin: true }))", Some((any, Info))),
            (
                "a.js",
                "app.use(cors({ origin: (o, cb) => cb(null, o), credentials: true }))",
                Some((high, High)),
            ),
            (
                "a.js",
                "app.use(cors({ origin: function (o, callback) { callback(null, true) }, credentials: true }))",
                Some((high, High)),
            ),
            (
                "a.js",
                "app.use(cors({ origin(o, cb) { if (!o || list.includes(o)) cb(null, true); else cb(new Error('no')) }, credentials: true }))",
                None,
            ),
            (
                "a.js",
                "app.use(cors({ origin: /.*/, credentials: true }))",
                Some((high, High)),
            ),
            (
                "a.js",
                "app.use(cors({ origin: /\\.example\\.com$/, credentials: true }))",
                None,
            ),
            (
                "a.js",
                "app.use(cors({ credentials: true }))",
                Some((low, Low)),
            ),
            (
                "a.js",
                "app.use(cors({ origin: process.env.ORIGIN, credentials: true }))",
                None,
            ),
            ("a.js", "app.use(cors({ origin: false }))", None),
            ("a.js", "return cors(request, response)", None),
            (
                "main.ts",
                "const app = await NestFactory.create(AppModule, { cors: true });",
                Some((any, Info)),
            ),
            (
                "main.ts",
                "const app = await NestFactory.create(AppModule, { cors: { origin: true, credentials: true } });",
                Some((high, High)),
            ),
            (
                "main.ts",
                "app.enableCors({ origin: '*', credentials: true });",
                Some((low, Low)),
            ),
            (
                "main.ts",
                "app.enableCors({ origin: ['https://a.example'], credentials: true });",
                None,
            ),
            (
                "app.ts",
                "await fastify.register(cors, { origin: true, credentials: true })",
                Some((high, High)),
            ),
            (
                "app.ts",
                "await fastify.register(import('@fastify/cors'), { origin: '*' })",
                Some((any, Info)),
            ),
            (
                "app.ts",
                "await fastify.register(helmet, { origin: true, credentials: true })",
                None,
            ),
            (
                "app.ts",
                "app.use('/api/*', cors({ origin: (origin) => origin, credentials: true }))",
                Some((high, High)),
            ),
            (
                "app.ts",
                "app.use('/api/*', cors({ origin: (origin) => origin.endsWith('.example.com') ? origin : null, credentials: true }))",
                None,
            ),
            // Headers by hand.
            (
                "r.ts",
                "res.setHeader('Access-Control-Allow-Origin', req.headers.origin);\nres.setHeader('Access-Control-Allow-Credentials', 'true');",
                Some((high, High)),
            ),
            (
                "r.ts",
                "res.setHeader('Access-Control-Allow-Origin', req.headers.origin);",
                Some((any, Info)),
            ),
            (
                "r.ts",
                "if (allowed.includes(req.headers.origin)) { res.setHeader('Access-Control-Allow-Origin', req.headers.origin); res.setHeader('Access-Control-Allow-Credentials', 'true'); }",
                None,
            ),
            (
                "r.ts",
                "const origin = req.headers.origin;\nres.setHeader('Access-Control-Allow-Origin', origin);\nres.setHeader('Access-Control-Allow-Credentials', 'true');",
                None,
            ),
            (
                "next.config.js",
                "module.exports = { async headers() { return [{ source: '/api/:path*', headers: [{ key: 'Access-Control-Allow-Origin', value: '*' }, { key: 'Access-Control-Allow-Credentials', value: 'true' }] }] } }",
                Some((low, Low)),
            ),
            (
                "r.ts",
                "const h = new Headers({ 'Access-Control-Allow-Origin': '*' })",
                Some((any, Info)),
            ),
            (
                "r.ts",
                "const h = new Headers({ 'Access-Control-Allow-Origin': 'https://app.example.com', 'Access-Control-Allow-Credentials': 'true' })",
                None,
            ),
            // Python.
            (
                "main.py",
                "app.add_middleware(CORSMiddleware, allow_origins=['*'], allow_credentials=True)",
                Some((high, High)),
            ),
            (
                "main.py",
                "app.add_middleware(CORSMiddleware, allow_origin_regex='.*', allow_credentials=True)",
                Some((high, High)),
            ),
            (
                "main.py",
                "app.add_middleware(CORSMiddleware, allow_origins=['*'])",
                Some((any, Info)),
            ),
            (
                "main.py",
                "middleware = [Middleware(CORSMiddleware, allow_origins=['*'], allow_credentials=True)]",
                Some((high, High)),
            ),
            (
                "main.py",
                "app.add_middleware(CORSMiddleware, allow_origins=origins, allow_credentials=True)",
                None,
            ),
            (
                "main.py",
                "ORIGINS = ['*']\napp.add_middleware(CORSMiddleware, allow_origins=ORIGINS, allow_credentials=True)",
                Some((high, High)),
            ),
            ("app.py", "CORS(app)", Some((any, Info))),
            (
                "app.py",
                "CORS(app, supports_credentials=True)",
                Some((high, High)),
            ),
            (
                "app.py",
                "CORS(app, origins=['https://a.example'], supports_credentials=True)",
                None,
            ),
            (
                "app.py",
                "CORS(app, resources={r'/api/*': {'origins': 'https://a.example'}}, supports_credentials=True)",
                None,
            ),
            (
                "app.py",
                "CORS(app, resources={r'/api/*': {'origins': '*'}}, supports_credentials=True)",
                Some((high, High)),
            ),
            (
                "settings.py",
                "CORS_ALLOW_ALL_ORIGINS = True\nCORS_ALLOW_CREDENTIALS = True",
                Some((high, High)),
            ),
            (
                "settings.py",
                "CORS_ORIGIN_ALLOW_ALL = True",
                Some((any, Info)),
            ),
            (
                "settings.py",
                "CORS_ORIGIN_ALLOW_ALL = DEBUG\nCORS_ALLOW_CREDENTIALS = True",
                None,
            ),
            (
                "settings/dev.py",
                "CORS_ALLOW_ALL_ORIGINS = True\nCORS_ALLOW_CREDENTIALS = True",
                None,
            ),
            (
                "views.py",
                "response['Access-Control-Allow-Origin'] = request.META.get('HTTP_ORIGIN')\nresponse['Access-Control-Allow-Credentials'] = 'true'",
                Some((high, High)),
            ),
            (
                "views.py",
                "if origin in ALLOWED:\n    headers['Access-Control-Allow-Origin'] = request.headers.get('Origin')\n    headers['Access-Control-Allow-Credentials'] = 'true'",
                None,
            ),
            (
                "views.py",
                "# response['Access-Control-Allow-Origin'] = '*'",
                None,
            ),
            // nginx.
            (
                "nginx.conf",
                "add_header Access-Control-Allow-Origin *;",
                Some((any, Info)),
            ),
            (
                "nginx.conf",
                "server { location / { add_header Access-Control-Allow-Origin $http_origin; add_header Access-Control-Allow-Credentials true; } }",
                Some((high, High)),
            ),
            (
                "nginx.conf",
                "server { location /a { add_header Access-Control-Allow-Origin $http_origin; } location /b { add_header Access-Control-Allow-Credentials true; } }",
                Some((any, Info)),
            ),
            (
                "nginx.conf",
                "map $http_origin $cors { default ''; ~^https://a\\.example$ $http_origin; }\nadd_header Access-Control-Allow-Origin $cors;\nadd_header Access-Control-Allow-Credentials true;",
                None,
            ),
            (
                "nginx.conf",
                "# add_header Access-Control-Allow-Origin *;",
                None,
            ),
        ];
        for (path, text, want) in cases {
            let got = found(path, text);
            match want {
                Some((rule, severity)) => assert!(
                    got.len() == 1 && got[0].0 == *rule && got[0].1 == *severity,
                    "{path}: {text}\nwant {rule} {severity:?}, got {got:?}"
                ),
                None => assert!(got.is_empty(), "{path}: {text}\ngot {got:?}"),
            }
        }
    }

    #[test]
    fn settings_file_names() {
        for dev in [
            "config/settings/local.py",
            "settings/dev.py",
            "settings_test.py",
            "development.py",
        ] {
            assert!(is_development_file(dev), "{dev}");
        }
        for other in [
            "config/settings/base.py",
            "settings.py",
            "production.py",
            "app/devices.py",
        ] {
            assert!(!is_development_file(other), "{other}");
        }
        assert!(is_production_file("config/settings/production.py"));
        assert!(is_production_file("settings_prod.py"));
        assert!(!is_production_file("settings/product.py"));
    }

    proptest! {
        #![proptest_config(crate::engine::testing::cases(64))]

        /// Any text, read as any kind of file this family judges, never panics and every span
        /// reported lies inside the text.
        #[test]
        fn never_panics_and_spans_stay_inside(
            text in "(cors|origin|true|\\*|\\$http_origin|add_header|Access-Control-Allow-(Origin|Credentials)|[{}();,:='\"`#\\[\\] \n]|CORS_ALLOW_ALL_ORIGINS|CORSMiddleware|[a-z]{1,3}){0,40}",
            which in 0usize..4,
        ) {
            let path = ["a.ts", "a.js", "a.py", "nginx.conf"][which];
            let lines = text.split('\n').count();
            for finding in check_text(path, &text) {
                prop_assert!(finding.location.line >= 1 && finding.location.line <= lines);
            }
        }
    }
}
