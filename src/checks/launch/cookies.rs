//! Session cookies: the cookie that IS the signed-in user must travel only over HTTPS
//! (`Secure`), stay out of reach of page scripts (`HttpOnly`), and, when it must cross sites
//! (`SameSite=None`), be `Secure` or browsers drop it.
//!
//! Decisions:
//! - Only session and auth cookies are judged: a cookie set by a session library
//!   (express-session, cookie-session, `@fastify/session`, iron-session, Remix session storage:
//!   an options object with `cookie`/`cookieOptions` next to `secret`, `password`, `keys`,
//!   `store`...; next-auth `{ name, options }`), or one whose name says so by its words
//!   (`session` or `jwt` anywhere; `sid`, `sess`, `auth`, `refresh`, `...token`). A theme,
//!   analytics, "last login method" or OAuth-modal cookie may be read by scripts.
//! - Only literals decide. `secure: process.env.NODE_ENV === 'production'`, `secure: !isDev`,
//!   `SESSION_COOKIE_SECURE = not DEBUG` or `= env.bool(...)` are the right practice and stay
//!   quiet; so does everything in settings files or config classes named for development.
//! - A missing `httpOnly` fires only where the framework's default is off (Express
//!   `res.cookie`, Fastify `setCookie`, Hono `setCookie`, Next.js `cookies().set`, Django/Flask/
//!   Starlette `set_cookie`), and low: session libraries and Django/Flask session settings are
//!   HttpOnly by default. CSRF cookies are meant to be read by scripts (double submit), so they
//!   are never judged for `HttpOnly`.
//! - Severity follows the file: `SESSION_COOKIE_SECURE = False` in a production settings
//!   module (or a `ProductionConfig` class) is high; in a plain `settings.py` it is low, since
//!   Django and Flask default to `False` anyway and the file is often the developer's. A cookie
//!   set in code with `secure: false` is medium (it ships as written unless a proxy rewrites it).

use super::cors::{is_development_file, is_production_file, option};
use super::syntax::Code;
use super::triggers::Subject;
use super::{Example, Examples, Sink};
use crate::checks::Check;
use crate::finding::Severity;
use tree_sitter::Node;

const NOT_SECURE: Check = Check {
    id: "cookie-not-secure",
    name: "Session cookie sent without Secure",
    severity: Severity::High,
    description: "A session or auth cookie is set with `Secure` switched off, so the browser also \
                  sends it over plain HTTP, where anyone on the network (public Wi-Fi, a proxy) \
                  can copy it and be the user. Set `secure: true` (`SESSION_COOKIE_SECURE = \
                  True`, `CSRF_COOKIE_SECURE = True`, `secure=True`) in production, for example \
                  `secure: process.env.NODE_ENV === 'production'`.",
    tags: &["launch", "cookies"],
};

const NOT_HTTPONLY: Check = Check {
    id: "cookie-not-httponly",
    name: "Session cookie readable by page scripts",
    severity: Severity::Medium,
    description: "A session or auth cookie is set without `HttpOnly`, so any script on the page \
                  (an XSS bug, a compromised third-party script) can read it and send it away. \
                  Set `httpOnly: true` (`httponly=True`, `SESSION_COOKIE_HTTPONLY = True`) \
                  unless the browser code really must read it.",
    tags: &["launch", "cookies"],
};

const SAMESITE_NONE: Check = Check {
    id: "cookie-samesite-none-without-secure",
    name: "SameSite=None cookie without Secure",
    severity: Severity::Low,
    description: "A session or auth cookie is set with `SameSite=None` but not `Secure`. \
                  Browsers reject such cookies (sign-in silently breaks), and where accepted the \
                  cookie rides along on every cross-site request over plain HTTP. Set \
                  `secure: true` with `sameSite: 'none'`, or set `sameSite: 'lax'` if the \
                  cookie need not cross sites.",
    tags: &["launch", "cookies"],
};

pub const CHECKS: [Check; 3] = [NOT_SECURE, NOT_HTTPONLY, SAMESITE_NONE];

pub const EXAMPLES: &[Examples] = &[
    Examples {
        rule: NOT_SECURE.id,
        fires: &[
            Example {
                path: "src/app.js",
                text: "app.use(session({ secret: process.env.SESSION_SECRET, resave: false, \
                       cookie: { secure: false, httpOnly: true } }));",
            },
            Example {
                path: "config/settings/production.py",
                text: "SESSION_COOKIE_SECURE = False\n",
            },
            Example {
                path: "app/auth.py",
                text: "response.set_cookie(\"session_token\", token, secure=False, \
                       httponly=True)\n",
            },
        ],
        quiet: &[
            Example {
                path: "src/app.js",
                text: "app.use(session({ secret: process.env.SESSION_SECRET, cookie: { secure: \
                       process.env.NODE_ENV === 'production' } }));",
            },
            Example {
                path: "config/settings/production.py",
                text: "SESSION_COOKIE_SECURE = not DEBUG\n",
            },
            Example {
                path: "config/settings/local.py",
                text: "SESSION_COOKIE_SECURE = False\n",
            },
            Example {
                path: "src/theme.ts",
                text: "res.cookie('theme', 'dark', { secure: false });",
            },
        ],
    },
    Examples {
        rule: NOT_HTTPONLY.id,
        fires: &[
            Example {
                path: "src/routes/auth.ts",
                text: "res.cookie('refresh_token', token, { httpOnly: false, secure: true });",
            },
            Example {
                path: "src/routes/auth.ts",
                text: "res.cookie('session', id, { secure: true, sameSite: 'lax' });",
            },
            Example {
                path: "app/config.py",
                text: "class ProductionConfig(Config):\n    SESSION_COOKIE_HTTPONLY = False\n",
            },
        ],
        quiet: &[
            Example {
                path: "src/app.js",
                text: "app.use(session({ secret: s, cookie: { secure: true } }));",
            },
            Example {
                path: "src/routes/auth.ts",
                text: "res.cookie('XSRF-TOKEN', req.csrfToken(), { httpOnly: false, secure: true \
                       });",
            },
            Example {
                path: "src/routes/auth.ts",
                text: "res.cookie('session', '', { maxAge: 0 });",
            },
        ],
    },
    Examples {
        rule: SAMESITE_NONE.id,
        fires: &[
            Example {
                path: "app/api/login/route.ts",
                text: "cookies().set('auth-token', token, { httpOnly: true, sameSite: 'none' });",
            },
            Example {
                path: "myapp/settings.py",
                text: "SESSION_COOKIE_SAMESITE = \"None\"\n",
            },
        ],
        quiet: &[
            Example {
                path: "app/api/login/route.ts",
                text: "cookies().set('auth-token', token, { httpOnly: true, secure: true, \
                       sameSite: 'none' });",
            },
            Example {
                path: "src/session.ts",
                text: "export const options = { httpOnly: true, secure: useSecure, sameSite: \
                       useSecure ? 'none' : 'lax' };",
            },
        ],
    },
];

/// Whether a cookie's name (a literal, or the expression that names it) says it carries a
/// session or sign-in: `session` anywhere (`sessionid`, `__session`), `jwt` anywhere, or a
/// word `sid`, `sess`, `auth`, `token` (or a word ending in it: `authtoken`), `refresh`.
/// Words split at punctuation and camel case, so `hideGoogleOauthModal`, `oauth_state` and
/// `sidebar_state` are not sessions.
fn is_session_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    if lower.contains("session") || lower.contains("jwt") {
        return true;
    }
    words(name).iter().any(|w| {
        matches!(w.as_str(), "sid" | "ssid" | "sess" | "auth" | "refresh") || w.ends_with("token")
    })
}

/// Lower-case words of a name, split at non-alphanumerics and camel-case humps
/// (`refreshToken` -> `refresh`, `token`; `SESSION_ID` -> `session`, `id`).
fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            previous_lower = false;
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            continue;
        }
        if c.is_ascii_uppercase() && previous_lower && !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        word.push(c.to_ascii_lowercase());
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// CSRF cookies are read by scripts on purpose.
fn is_csrf_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.contains("csrf") || lower.contains("xsrf")
}

/// A short, stable label for a cookie name in a fingerprint.
fn label(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace())
        .take(60)
        .collect()
}

/// Whether this family could report on a file ([`super::triggers`]): `code` returns at once on a
/// development file.
pub(super) fn concerns(subject: &Subject<'_, '_>) -> bool {
    !is_development_file(subject.relative)
}

pub fn code(code: &Code<'_>, sink: &mut Sink<'_>) {
    let relative = sink.file().relative;
    if is_development_file(relative) {
        return;
    }
    let production = is_production_file(relative);
    if code.language.is_script() {
        script_cookies(code, sink, production);
        session_libraries(code, sink, production);
    } else {
        python_settings(code, sink, production);
        python_set_cookie(code, sink);
    }
}

// ---------------------------------------------------------------- JavaScript

/// A cookie set by hand in JavaScript: where the name, value and options are in the call.
fn script_cookie_call<'t>(
    code: &Code<'_>,
    call: Node<'t>,
) -> Option<(Node<'t>, Option<Node<'t>>, Option<Node<'t>>)> {
    let callee = code.callee(call);
    let last = callee.rsplit('.').next().unwrap_or(&callee);
    let arguments = code.arguments(call);
    let at = |i: usize| arguments.get(i).copied();
    match last {
        // Express `res.cookie(name, value, options)`.
        "cookie" if callee.contains('.') => Some((at(0)?, at(1), at(2))),
        // Fastify `reply.setCookie(name, value, options)`; Hono `setCookie(c, name, value, o)`.
        "setCookie" if callee.contains('.') => Some((at(0)?, at(1), at(2))),
        "setCookie" => Some((at(1)?, at(2), at(3))),
        "setSignedCookie" => Some((at(1)?, at(2), at(4))),
        // Next.js `cookies().set(name, value, options)` or `.set({ name, value, ...options })`,
        // Koa `ctx.cookies.set`.
        "set" if callee.to_ascii_lowercase().contains("cookies") => {
            let first = at(0)?;
            if first.kind() == "object" {
                Some((
                    code.property(first, "name")?,
                    code.property(first, "value"),
                    Some(first),
                ))
            } else {
                Some((first, at(1), at(2)))
            }
        }
        _ => None,
    }
}

/// Whether a cookie is being cleared (empty value, `maxAge: 0`, `expires: new Date(0)`).
fn is_clearing(code: &Code<'_>, value: Option<Node<'_>>, options: Option<Node<'_>>) -> bool {
    if value
        .and_then(|v| code.string_value(v))
        .is_some_and(|v| v.is_empty())
    {
        return true;
    }
    options.is_some_and(|o| {
        code.property(o, "maxAge")
            .or_else(|| code.property(o, "max_age"))
            .is_some_and(|m| matches!(code.text(m), "0" | "-1"))
            || code.property(o, "expires").is_some_and(|e| {
                let t: String = code
                    .text(e)
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .collect();
                t == "newDate(0)" || t == "0" || t.contains("newDate(0)")
            })
    })
}

fn script_cookies(code: &Code<'_>, sink: &mut Sink<'_>, production: bool) {
    for call in code.calls() {
        let Some((name, value, options)) = script_cookie_call(code, call) else {
            continue;
        };
        let name_text = code
            .string_value(name)
            .unwrap_or_else(|| code.text(name).to_string());
        if !is_session_name(&name_text) {
            continue;
        }
        let options = options
            .map(|o| code.resolve(o))
            .filter(|o| o.kind() == "object");
        if is_clearing(code, value, options) {
            continue;
        }
        let what = format!("The `{}` cookie", label(&name_text));
        judge_script_options(
            code,
            sink,
            call,
            &what,
            options,
            !is_csrf_name(&name_text),
            production,
        );
    }
}

/// Session libraries: an options object whose `cookie` (or `cookieOptions`) object sits next to
/// what only a session library takes (`secret`, `password`, `keys`, `store`, ...), or inside a
/// call named for sessions; and `cookieSession({...})`, whose options are the cookie's.
fn session_libraries(code: &Code<'_>, sink: &mut Sink<'_>, production: bool) {
    const MARKERS: &[&str] = &[
        "secret",
        "password",
        "keys",
        "store",
        "resave",
        "saveUninitialized",
        "cookieName",
        "sessionName",
        "rolling",
    ];
    for object in code.nodes(&["object"]) {
        let Some(cookie) = ["cookie", "cookieOptions"]
            .iter()
            .find_map(|k| code.property(object, k))
            .map(|c| code.resolve(c))
            .filter(|c| c.kind() == "object")
        else {
            continue;
        };
        let in_session_call = object
            .parent()
            .and_then(|arguments| arguments.parent())
            .filter(|call| matches!(call.kind(), "call_expression" | "new_expression"))
            .is_some_and(|call| code.callee(call).to_ascii_lowercase().contains("session"));
        if !in_session_call && !MARKERS.iter().any(|m| code.property(object, m).is_some()) {
            continue;
        }
        judge_script_options(
            code,
            sink,
            cookie,
            "The session cookie",
            Some(cookie),
            false,
            production,
        );
    }
    // next-auth / Auth.js `cookies: { sessionToken: { name: '...', options: { ... } } }`.
    for object in code.nodes(&["object"]) {
        let (Some(name), Some(options)) = (
            code.property(object, "name"),
            code.property(object, "options").map(|o| code.resolve(o)),
        ) else {
            continue;
        };
        let name_text = code
            .string_value(name)
            .unwrap_or_else(|| code.text(name).to_string());
        if options.kind() != "object" || !is_session_name(&name_text) {
            continue;
        }
        let what = format!("The `{}` cookie", label(&name_text));
        judge_script_options(code, sink, options, &what, Some(options), false, production);
    }
    for call in code.calls() {
        if code.callee(call) != "cookieSession" {
            continue;
        }
        let Some(options) = code
            .arguments(call)
            .first()
            .map(|o| code.resolve(*o))
            .filter(|o| o.kind() == "object")
        else {
            continue;
        };
        judge_script_options(
            code,
            sink,
            options,
            "The cookie-session cookie",
            Some(options),
            false,
            production,
        );
    }
}

/// Judges one session cookie's options. `missing_httponly`: whether a missing `httpOnly`
/// counts (the framework's default is off, and the cookie is not a CSRF cookie).
fn judge_script_options(
    code: &Code<'_>,
    sink: &mut Sink<'_>,
    site: Node<'_>,
    what: &str,
    options: Option<Node<'_>>,
    judge_httponly: bool,
    production: bool,
) {
    let get = |name: &str| options.and_then(|o| spread_option(code, o, name).0);
    // Options spread in from another file (`{ ...baseOptions, expires }`) may say anything.
    let unknown = options.is_some_and(|o| spread_option(code, o, "").1);
    let secure = get("secure");
    let secure_false = secure.is_some_and(|s| code.is_false(s));
    if secure_false {
        let severity = if production {
            Severity::High
        } else {
            Severity::Medium
        };
        sink.report(
            &NOT_SECURE,
            severity,
            site.byte_range(),
            &format!("{what} secure:false"),
            format!("{what} is set with `secure: false`: it is also sent over plain HTTP."),
        );
    }
    match get("httpOnly").or_else(|| get("httponly")) {
        Some(h) if code.is_false(h) && judge_httponly_explicit(what) => sink.report(
            &NOT_HTTPONLY,
            Severity::Medium,
            site.byte_range(),
            &format!("{what} httpOnly:false"),
            format!("{what} is set with `httpOnly: false`: page scripts can read it."),
        ),
        None if judge_httponly && !unknown => sink.report(
            &NOT_HTTPONLY,
            Severity::Low,
            site.byte_range(),
            &format!("{what} no httpOnly"),
            format!(
                "{what} is set without `httpOnly` (off by default here): page scripts can read \
                 it. Low: the code may need to, but a session cookie rarely should be readable."
            ),
        ),
        _ => {}
    }
    let same_site_none = get("sameSite")
        .or_else(|| get("samesite"))
        .and_then(|s| code.string_value(s))
        .is_some_and(|s| s.eq_ignore_ascii_case("none"));
    if same_site_none && (secure.is_none() || secure_false) {
        sink.report(
            &SAMESITE_NONE,
            Severity::Low,
            site.byte_range(),
            &format!("{what} sameSite:none"),
            format!(
                "{what} is set with `sameSite: 'none'` but not `secure: true`: browsers reject it."
            ),
        );
    }
}

/// An option of a cookie's options object, looking also into objects spread into it
/// (`{ ...sessionCookieOptions, expires }`) when this file defines them; a property written
/// after a spread wins, as at run time. Second: whether a spread could not be read here.
fn spread_option<'t>(code: &'t Code<'_>, object: Node<'t>, name: &str) -> (Option<Node<'t>>, bool) {
    let mut found = None;
    let mut unknown = false;
    let mut cursor = object.walk();
    for child in object.named_children(&mut cursor) {
        if child.kind() == "spread_element" {
            let spread = child.named_child(0).map(|a| code.resolve(a));
            match spread.filter(|s| s.kind() == "object") {
                Some(inner) => {
                    if let Some(value) = option(code, inner, name) {
                        found = Some(value);
                    }
                }
                None => unknown = true,
            }
        } else if let Some(value) = option(code, object, name)
            .filter(|v| v.parent().is_some_and(|p| p == child) || *v == child)
        {
            found = Some(value);
        }
    }
    (found, unknown)
}

/// An explicit `httpOnly: false` counts on every session cookie except a CSRF one.
fn judge_httponly_explicit(what: &str) -> bool {
    !is_csrf_name(what)
}

// ---------------------------------------------------------------- Python

/// Where a setting is written: a development context (skipped), a production one, or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Context {
    Development,
    Production,
    Plain,
}

/// The config class around a setting (`class ProductionConfig:`), if any, decides over the
/// file's name.
fn python_context(code: &Code<'_>, node: Node<'_>, production_file: bool) -> Context {
    let mut at = node.parent();
    while let Some(n) = at {
        if n.kind() == "class_definition" {
            let name = n
                .child_by_field_name("name")
                .map_or("", |c| code.text(c))
                .to_ascii_lowercase();
            if ["dev", "test", "local", "debug"]
                .iter()
                .any(|w| name.contains(w))
            {
                return Context::Development;
            }
            if name.contains("prod") {
                return Context::Production;
            }
        }
        at = n.parent();
    }
    if production_file {
        Context::Production
    } else {
        Context::Plain
    }
}

/// Every setting this file writes with a literal name: `NAME = v` (module or class level),
/// `app.config["NAME"] = v`, `app.config.update(NAME=v)`, `{"NAME": v}`.
fn python_setting_writes<'t>(code: &'t Code<'_>) -> Vec<(String, Node<'t>, Node<'t>)> {
    let mut out = Vec::new();
    for node in code.nodes(&["assignment", "keyword_argument", "pair"]) {
        let (key, value) = match node.kind() {
            "assignment" => (
                node.child_by_field_name("left"),
                node.child_by_field_name("right"),
            ),
            "keyword_argument" => (
                node.child_by_field_name("name"),
                node.child_by_field_name("value"),
            ),
            _ => (
                node.child_by_field_name("key"),
                node.child_by_field_name("value"),
            ),
        };
        let (Some(key), Some(value)) = (key, value) else {
            continue;
        };
        let name = match key.kind() {
            "identifier" => code.text(key).to_string(),
            "attribute" => code
                .text(key)
                .rsplit('.')
                .next()
                .unwrap_or_default()
                .to_string(),
            "subscript" => match key
                .child_by_field_name("subscript")
                .and_then(|s| code.string_value(s))
            {
                Some(name) => name,
                None => continue,
            },
            _ => match code.string_value(key) {
                Some(name) => name,
                None => continue,
            },
        };
        if name.contains("COOKIE_") {
            out.push((name, value, node));
        }
    }
    out
}

fn python_settings(code: &Code<'_>, sink: &mut Sink<'_>, production_file: bool) {
    let writes = python_setting_writes(code);
    let secure_true = |prefix: &str| {
        writes
            .iter()
            .any(|(name, value, _)| name == &format!("{prefix}_SECURE") && code.is_true(*value))
    };
    for (name, value, node) in &writes {
        let context = python_context(code, *node, production_file);
        if context == Context::Development {
            continue;
        }
        let Some((prefix, attribute)) = name.rsplit_once('_') else {
            continue;
        };
        if !matches!(prefix, "SESSION_COOKIE" | "CSRF_COOKIE" | "REMEMBER_COOKIE") {
            continue;
        }
        match attribute {
            "SECURE" if code.is_false(*value) => {
                let (severity, why) = match context {
                    Context::Production => (Severity::High, "in production settings"),
                    _ => (
                        Severity::Low,
                        "low: the file is not named for production, and Django and Flask \
                         default to False anyway, but production must set it True",
                    ),
                };
                sink.report(
                    &NOT_SECURE,
                    severity,
                    node.byte_range(),
                    &format!("{name} = False"),
                    format!("`{name} = False` ({why}): the cookie is also sent over plain HTTP."),
                );
            }
            "HTTPONLY" if prefix != "CSRF_COOKIE" && code.is_false(*value) => sink.report(
                &NOT_HTTPONLY,
                Severity::Medium,
                node.byte_range(),
                &format!("{name} = False"),
                format!("`{name} = False` turns off the default `HttpOnly`: page scripts can read the cookie."),
            ),
            "SAMESITE"
                if code
                    .string_value(*value)
                    .is_some_and(|v| v.eq_ignore_ascii_case("none"))
                    && !secure_true(prefix) =>
            {
                sink.report(
                    &SAMESITE_NONE,
                    Severity::Low,
                    node.byte_range(),
                    &format!("{name} = None"),
                    format!("`{name} = \"None\"` without `{prefix}_SECURE = True` here: browsers reject the cookie."),
                )
            }
            _ => {}
        }
    }
}

/// Django, Flask and Starlette `response.set_cookie(key, value, ...)`: `secure` and `httponly`
/// are off by default in all three.
fn python_set_cookie(code: &Code<'_>, sink: &mut Sink<'_>) {
    for call in code.calls() {
        let callee = code.callee(call);
        if callee.rsplit('.').next() != Some("set_cookie") || !callee.contains('.') {
            continue;
        }
        let positional: Vec<Node<'_>> = code
            .arguments(call)
            .into_iter()
            .filter(|a| a.kind() != "keyword_argument")
            .collect();
        let Some(name) = positional
            .first()
            .copied()
            .or_else(|| code.keyword_argument(call, "key"))
        else {
            continue;
        };
        let name_text = code
            .string_value(name)
            .unwrap_or_else(|| code.text(name).to_string());
        if !is_session_name(&name_text) {
            continue;
        }
        let value = positional
            .get(1)
            .copied()
            .or_else(|| code.keyword_argument(call, "value"));
        let clearing = value
            .and_then(|v| code.string_value(v))
            .is_some_and(|v| v.is_empty())
            || code
                .keyword_argument(call, "max_age")
                .or_else(|| code.keyword_argument(call, "expires"))
                .is_some_and(|m| code.text(m) == "0");
        if clearing {
            continue;
        }
        let what = format!("The `{}` cookie", label(&name_text));
        let secure = code.keyword_argument(call, "secure");
        let secure_false = secure.is_some_and(|s| code.is_false(s));
        if secure_false {
            sink.report(
                &NOT_SECURE,
                Severity::Medium,
                call.byte_range(),
                &format!("{what} secure=False"),
                format!("{what} is set with `secure=False`: it is also sent over plain HTTP."),
            );
        }
        if !is_csrf_name(&name_text) {
            match code.keyword_argument(call, "httponly") {
                Some(h) if code.is_false(h) => sink.report(
                    &NOT_HTTPONLY,
                    Severity::Medium,
                    call.byte_range(),
                    &format!("{what} httponly=False"),
                    format!("{what} is set with `httponly=False`: page scripts can read it."),
                ),
                None => sink.report(
                    &NOT_HTTPONLY,
                    Severity::Low,
                    call.byte_range(),
                    &format!("{what} no httponly"),
                    format!(
                        "{what} is set without `httponly=True` (off by default): page scripts \
                         can read it. Low: the code may need to."
                    ),
                ),
                _ => {}
            }
        }
        let same_site_none = code
            .keyword_argument(call, "samesite")
            .and_then(|s| code.string_value(s))
            .is_some_and(|s| s.eq_ignore_ascii_case("none"));
        if same_site_none && (secure.is_none() || secure_false) {
            sink.report(
                &SAMESITE_NONE,
                Severity::Low,
                call.byte_range(),
                &format!("{what} samesite=None"),
                format!("{what} is set with `samesite=\"None\"` but not `secure=True`: browsers reject it."),
            );
        }
    }
}

/// nginx: `proxy_cookie_flags` could strip flags, but no real config does; nothing is judged.
pub fn nginx(_text: &str, _sink: &mut Sink<'_>) {}

#[cfg(test)]
mod tests {
    use super::super::{check_text, family_findings};
    use super::*;
    use proptest::prelude::*;

    fn found(path: &str, text: &str) -> Vec<(String, Severity)> {
        family_findings("cookie-", path, text)
    }

    #[test]
    fn which_cookies_are_which() {
        use Severity::*;
        let secure = "cookie-not-secure";
        let http = "cookie-not-httponly";
        let none = "cookie-samesite-none-without-secure";
        type Case<'a> = (&'a str, &'a str, &'a [(&'a str, Severity)]);
        let cases: &[Case] = &[
            // Express session libraries.
            (
                "app.js",
                "app.use(session({ secret: s, cookie: { secure: false } }))",
                &[(secure, Medium)],
            ),
            (
                "app.js",
                "app.use(session({ secret: s, cookie: { secure: !isDev, httpOnly: true } }))",
                &[],
            ),
            (
                "app.js",
                "app.use(session({ secret: s, cookie: { secure: process.env.NODE_ENV === 'production' } }))",
                &[],
            ),
            (
                "app.js",
                "app.use(session({ secret: s, cookie: { httpOnly: false, secure: true } }))",
                &[(http, Medium)],
            ),
            ("app.js", "app.use(session({ secret: s }))", &[]),
            (
                "app.js",
                "const sessionConfig = { secret: s, cookie: { secure: false } };\napp.use(session(sessionConfig))",
                &[(secure, Medium)],
            ),
            (
                "app.js",
                "app.use(cookieSession({ name: 'session', keys: [k], secure: false }))",
                &[(secure, Medium)],
            ),
            (
                "app.js",
                "app.use(cookieSession({ name: 'session', keys: [k] }))",
                &[],
            ),
            (
                "app.ts",
                "fastify.register(fastifySession, { secret: s, cookie: { secure: false, sameSite: 'none' } })",
                &[(secure, Medium), (none, Low)],
            ),
            (
                "app.ts",
                "export const storage = createCookieSessionStorage({ cookie: { name: '__session', secure: false } })",
                &[(secure, Medium)],
            ),
            (
                "app.ts",
                "const o = { cookieName: 'app', password: p, cookieOptions: { secure: false } }",
                &[(secure, Medium)],
            ),
            ("app.ts", "const x = { cookie: { secure: false } }", &[]),
            (
                "auth.ts",
                "export const authOptions = { cookies: { sessionToken: { name: 'next-auth.session-token', options: { httpOnly: true, secure: false } } } }",
                &[(secure, Medium)],
            ),
            (
                "auth.ts",
                "export const authOptions = { cookies: { sessionToken: { name: `${p}next-auth.session-token`, options: { httpOnly: true, secure: VERCEL } } } }",
                &[],
            ),
            (
                "auth.ts",
                "const f = { name: 'theme', options: { secure: false } }",
                &[],
            ),
            // Hand-set cookies.
            ("auth.ts", "res.cookie('token', jwt)", &[(http, Low)]),
            (
                "auth.ts",
                "res.cookie('token', jwt, { ...base, secure: true })",
                &[],
            ),
            (
                "auth.ts",
                "const base = { secure: false } as const;\nres.cookie('token', jwt, { ...base, httpOnly: true })",
                &[(secure, Medium)],
            ),
            (
                "auth.ts",
                "const base = { secure: false };\nres.cookie('token', jwt, { ...base, httpOnly: true, secure: true })",
                &[],
            ),
            (
                "auth.ts",
                "res.cookie('token', jwt, { httpOnly: true, secure: false })",
                &[(secure, Medium)],
            ),
            (
                "auth.ts",
                "res.cookie('lang', 'en', { secure: false })",
                &[],
            ),
            (
                "auth.ts",
                "res.cookie('connect.sid', v, { httpOnly: true })",
                &[],
            ),
            ("auth.ts", "res.clearCookie('token')", &[]),
            (
                "auth.ts",
                "res.cookie('token', '', { expires: new Date(0) })",
                &[],
            ),
            (
                "auth.ts",
                "reply.setCookie('sessionId', id, { path: '/', httpOnly: true, sameSite: 'none' })",
                &[(none, Low)],
            ),
            (
                "auth.ts",
                "setCookie(c, 'auth_token', t, { httpOnly: true, secure: true })",
                &[],
            ),
            (
                "auth.ts",
                "setCookie(c, SESSION_COOKIE, t, { secure: false, httpOnly: true })",
                &[(secure, Medium)],
            ),
            (
                "route.ts",
                "cookies().set({ name: 'session', value: v, httpOnly: true, secure: false })",
                &[(secure, Medium)],
            ),
            (
                "route.ts",
                "response.cookies.set('refreshToken', v, { httpOnly: true, secure: process.env.NODE_ENV === 'production' })",
                &[],
            ),
            (
                "route.ts",
                "response.cookies.set(DISTINCT_ID_COOKIE, v, { httpOnly: false })",
                &[],
            ),
            (
                "route.ts",
                "res.cookie('XSRF-TOKEN', t, { secure: true })",
                &[],
            ),
            ("route.ts", "document.cookie = 'session=1'", &[]),
            // Django / Flask settings.
            (
                "config/settings/production.py",
                "SESSION_COOKIE_SECURE = False",
                &[(secure, High)],
            ),
            (
                "config/settings/production.py",
                "CSRF_COOKIE_SECURE = False",
                &[(secure, High)],
            ),
            (
                "myapp/settings.py",
                "SESSION_COOKIE_SECURE = False",
                &[(secure, Low)],
            ),
            (
                "config/settings/local.py",
                "SESSION_COOKIE_SECURE = False",
                &[],
            ),
            (
                "myapp/settings.py",
                "SESSION_COOKIE_SECURE = not DEBUG",
                &[],
            ),
            (
                "myapp/settings.py",
                "SESSION_COOKIE_SECURE = env.bool('SECURE', default=True)",
                &[],
            ),
            (
                "myapp/settings.py",
                "SESSION_COOKIE_HTTPONLY = False",
                &[(http, Medium)],
            ),
            ("myapp/settings.py", "CSRF_COOKIE_HTTPONLY = False", &[]),
            (
                "myapp/settings.py",
                "SESSION_COOKIE_SAMESITE = 'None'",
                &[(none, Low)],
            ),
            ("myapp/settings.py", "SESSION_COOKIE_SAMESITE = None", &[]),
            (
                "myapp/settings.py",
                "SESSION_COOKIE_SAMESITE = 'None'\nSESSION_COOKIE_SECURE = True",
                &[],
            ),
            (
                "app/config.py",
                "class ProductionConfig:\n    SESSION_COOKIE_SECURE = False",
                &[(secure, High)],
            ),
            (
                "app/config.py",
                "class DevelopmentConfig:\n    SESSION_COOKIE_SECURE = False",
                &[],
            ),
            (
                "app/__init__.py",
                "app.config['SESSION_COOKIE_SECURE'] = False",
                &[(secure, Low)],
            ),
            (
                "app/__init__.py",
                "app.config.update(SESSION_COOKIE_HTTPONLY=False)",
                &[(http, Medium)],
            ),
            ("app/__init__.py", "LANGUAGE_COOKIE_SECURE = False", &[]),
            // Python set_cookie.
            (
                "views.py",
                "response.set_cookie('sessionid', sid, secure=False, httponly=True)",
                &[(secure, Medium)],
            ),
            (
                "views.py",
                "response.set_cookie('auth', t, httponly=True, secure=settings.SECURE)",
                &[],
            ),
            (
                "views.py",
                "response.set_cookie('auth', t, secure=True)",
                &[(http, Low)],
            ),
            (
                "views.py",
                "response.set_cookie('csrf_token', generate_csrf())",
                &[],
            ),
            (
                "views.py",
                "response.set_cookie('auth', '', max_age=0)",
                &[],
            ),
            ("views.py", "response.set_cookie('theme', 'dark')", &[]),
            (
                "views.py",
                "resp.set_cookie(key='session', value=v, httponly=True, samesite='None')",
                &[(none, Low)],
            ),
        ];
        for (path, text, want) in cases {
            let mut got = found(path, text);
            got.sort();
            let mut want: Vec<(String, Severity)> =
                want.iter().map(|(r, s)| (r.to_string(), *s)).collect();
            want.sort();
            assert_eq!(got, want, "{path}: {text}");
        }
    }

    #[test]
    fn session_names() {
        for name in [
            "session",
            "connect.sid",
            "auth_token",
            "refreshToken",
            "__Secure-next-auth.session-token",
            "remember_token",
            "SESSION_COOKIE_NAME",
            "jwt",
        ] {
            assert!(is_session_name(name), "{name}");
        }
        for name in [
            "theme",
            "lang",
            "consent",
            "dub_id",
            "sidebar_state",
            "distinct_id",
        ] {
            assert!(!is_session_name(name), "{name}");
        }
    }

    proptest! {
        #![proptest_config(crate::engine::testing::cases(64))]

        /// Any text never panics, and every finding lies inside it.
        #[test]
        fn never_panics_and_spans_stay_inside(
            text in "(res\\.cookie|setCookie|cookies\\(\\)\\.set|session|secure|httpOnly|sameSite|false|'none'|SESSION_COOKIE_SECURE|set_cookie|False|[{}();,:='\"\\[\\] \n]|[a-z]{1,3}){0,40}",
            which in 0usize..3,
        ) {
            let path = ["a.ts", "a.js", "settings/production.py"][which];
            let lines = text.split('\n').count();
            for finding in check_text(path, &text) {
                prop_assert!(finding.location.line >= 1 && finding.location.line <= lines);
            }
        }
    }
}
