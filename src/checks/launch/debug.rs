//! Debug in production: the switches that turn an app's error pages into a debugger or its
//! published JavaScript into readable source. Django's `DEBUG = True` shows settings, SQL and
//! stack frames to anyone who hits an error; Werkzeug's debugger (Flask `debug=True`) is a
//! Python console in the browser; Starlette's `debug=True` returns tracebacks; production
//! source maps publish the original source, comments included.
//!
//! Decisions, with the reason next to each:
//! - Django fires only in a settings module named for production (`settings/production.py`,
//!   `prod.py`, `settings_prod.py`): `DEBUG = True` in `settings.py` or `local.py` is what
//!   every project has for development, and one file cannot say which settings ship.
//! - Flask and Starlette fire outside `if __name__ == "__main__":` only: `app.run(debug=True)`
//!   under that guard runs the development server from a shell, which production (gunicorn,
//!   uvicorn) never does. Flask is high in a file named for production, medium elsewhere
//!   (a factory may be the development one); Starlette is medium (tracebacks, not a console).
//! - Env files' `DEBUG=true` / `NODE_ENV=development` in production are the env check's
//!   (`env-insecure-production-setting`), not repeated here.
//! - Source maps: Next.js `productionBrowserSourceMaps: true`, Vite `build.sourcemap: true` or
//!   `'inline'` (`'hidden'` writes maps that are not linked, for error trackers: quiet), and
//!   webpack `devtool` with a linked map in a config named for production. Medium: the source
//!   is readable, secrets are not added by it (the bundle check finds those).

use super::syntax::{Code, Language, descendants};
use super::triggers::Subject;
use super::{Example, Examples, Sink};
use crate::checks::Check;
use crate::finding::Severity;
use tree_sitter::Node;

const DJANGO_DEBUG: Check = Check {
    id: "debug-django-production",
    name: "Django DEBUG on in production settings",
    severity: Severity::High,
    description: "A settings module named for production sets `DEBUG = True`, so every error \
                  page shows settings, SQL queries, stack frames and local variables to \
                  whoever triggers it. Set `DEBUG = False` in production settings (or read it \
                  from the environment with a false default: `env.bool(\"DJANGO_DEBUG\", \
                  default=False)`).",
    tags: &["launch", "debug"],
};

const FLASK_DEBUG: Check = Check {
    id: "debug-flask-debugger",
    name: "Flask debug mode outside the development entry point",
    severity: Severity::High,
    description: "Flask's debug mode (`app.run(debug=True)`, `app.debug = True`, \
                  `app.config[\"DEBUG\"] = True`) is set where the production app is built, \
                  not under `if __name__ == \"__main__\":`. It enables the Werkzeug debugger, a \
                  Python console in the browser on any error. Set debug from the environment \
                  (`FLASK_DEBUG`) and move `app.run(debug=True)` under the `__main__` guard.",
    tags: &["launch", "debug"],
};

const STARLETTE_DEBUG: Check = Check {
    id: "debug-starlette-debug",
    name: "FastAPI/Starlette app built with debug=True",
    severity: Severity::Medium,
    description: "`FastAPI(debug=True)` or `Starlette(debug=True)` returns full tracebacks to \
                  clients on every server error. Set `debug` from the environment with a false \
                  default (`debug=settings.DEBUG`).",
    tags: &["launch", "debug"],
};

const SOURCE_MAPS: Check = Check {
    id: "debug-browser-source-maps",
    name: "Source maps published with the production build",
    severity: Severity::Medium,
    description: "The production build publishes source maps next to the JavaScript \
                  (`productionBrowserSourceMaps: true`, Vite `build.sourcemap: true`, a webpack \
                  production `devtool` with a linked map), so anyone can read the original \
                  source, comments and internal routes. Set it to `false`, or to `'hidden'` and \
                  upload the maps to your error tracker only.",
    tags: &["launch", "debug"],
};

pub const CHECKS: [Check; 4] = [DJANGO_DEBUG, FLASK_DEBUG, STARLETTE_DEBUG, SOURCE_MAPS];

pub const EXAMPLES: &[Examples] = &[
    Examples {
        rule: "debug-django-production",
        fires: &[Example {
            path: "config/settings/production.py",
            text: "from .base import *\n\nDEBUG = True\nALLOWED_HOSTS = [\"example.com\"]\n",
        }],
        quiet: &[
            Example {
                path: "config/settings/local.py",
                text: "from .base import *\n\nDEBUG = True\n",
            },
            Example {
                path: "config/settings/production.py",
                text: "DEBUG = env.bool(\"DJANGO_DEBUG\", default=False)\n\ndef f():\n    DEBUG \
                       = True\n",
            },
        ],
    },
    Examples {
        rule: "debug-flask-debugger",
        fires: &[Example {
            path: "app.py",
            text: "from flask import Flask\n\napp = Flask(__name__)\napp.config[\"DEBUG\"] = \
                   True\n",
        }],
        quiet: &[Example {
            path: "app.py",
            text: "from flask import Flask\n\napp = Flask(__name__)\n\nif __name__ == \
                   \"__main__\":\n    app.run(debug=True)\n",
        }],
    },
    Examples {
        rule: "debug-starlette-debug",
        fires: &[Example {
            path: "app/main.py",
            text: "from fastapi import FastAPI\n\napp = FastAPI(title=\"api\", debug=True)\n",
        }],
        quiet: &[Example {
            path: "app/main.py",
            text: "from fastapi import FastAPI\n\napp = FastAPI(debug=settings.DEBUG)\n",
        }],
    },
    Examples {
        rule: "debug-browser-source-maps",
        fires: &[
            Example {
                path: "next.config.js",
                text: "module.exports = { reactStrictMode: true, productionBrowserSourceMaps: \
                       true };\n",
            },
            Example {
                path: "vite.config.ts",
                text: "export default defineConfig({ plugins: [react()], build: { sourcemap: \
                       true } });\n",
            },
        ],
        quiet: &[
            Example {
                path: "vite.config.ts",
                text: "export default defineConfig({ build: { sourcemap: 'hidden' }, css: { \
                       devSourcemap: true } });\n",
            },
            Example {
                path: "webpack.dev.js",
                text: "module.exports = { mode: 'development', devtool: 'eval-source-map' };\n",
            },
        ],
    },
];

/// File stems that name a production settings module.
const PRODUCTION_STEMS: &[&str] = &[
    "production",
    "prod",
    "settings_prod",
    "settings_production",
    "prod_settings",
    "production_settings",
    "settings.prod",
    "settings.production",
];

fn file_name(relative: &str) -> String {
    relative
        .rsplit('/')
        .next()
        .unwrap_or(relative)
        .to_ascii_lowercase()
}

fn is_production_module(relative: &str) -> bool {
    let name = file_name(relative);
    let stem = name.strip_suffix(".py").unwrap_or(&name);
    PRODUCTION_STEMS.contains(&stem)
}

/// Words [`concerns`] asks about: the Python frameworks whose debug switch is judged.
pub(super) const TRIGGER_WORDS: &[&str] = &["flask", "fastapi", "starlette"];

/// Whether this family could report on a file ([`super::triggers`]): in Python, a production
/// settings module (`django`) or a module that imports Flask, FastAPI or Starlette
/// (`python_apps`, whose import names hold these words); in scripts, one of the build
/// configuration files `source_maps` reads. A library that merely says `debug` is neither.
pub(super) fn concerns(subject: &Subject<'_, '_>) -> bool {
    match subject.language {
        Language::Python => {
            is_production_module(subject.relative) || subject.words.any(TRIGGER_WORDS)
        }
        Language::TypeScript | Language::Tsx => {
            build_config(&file_name(subject.relative)) != BuildConfig::None
        }
    }
}

/// The build configuration a script file is, by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BuildConfig {
    Next,
    Vite,
    /// A production webpack configuration (`webpack.prod.js`).
    WebpackProduction,
    None,
}

fn build_config(name: &str) -> BuildConfig {
    if name.starts_with("next.config.") {
        BuildConfig::Next
    } else if name.starts_with("vite.config.") {
        BuildConfig::Vite
    } else if name.starts_with("webpack") && name.contains("prod") {
        BuildConfig::WebpackProduction
    } else {
        BuildConfig::None
    }
}

/// Checks one parsed file.
pub fn code(code: &Code<'_>, sink: &mut Sink<'_>) {
    let relative = sink.file().relative.to_string();
    match code.language {
        Language::Python => {
            if is_production_module(&relative) {
                django(code, sink);
            }
            python_apps(code, sink, is_production_module(&relative));
        }
        Language::TypeScript | Language::Tsx => source_maps(code, sink, &file_name(&relative)),
    }
}

/// Whether `node` is a statement of the module itself (not in a function, class or block).
fn at_module_level(node: Node<'_>) -> bool {
    node.parent()
        .and_then(|p| p.parent())
        .is_some_and(|m| m.kind() == "module")
}

/// Whether `node` sits under `if __name__ == "__main__":`.
fn under_main_guard(code: &Code<'_>, node: Node<'_>) -> bool {
    let mut at = node.parent();
    while let Some(n) = at {
        if n.kind() == "if_statement"
            && let Some(condition) = n.child_by_field_name("condition")
        {
            let text = code.text(condition);
            if text.contains("__name__") && text.contains("__main__") {
                return true;
            }
        }
        at = n.parent();
    }
    false
}

fn django(code: &Code<'_>, sink: &mut Sink<'_>) {
    for assignment in code.nodes(&["assignment"]) {
        let (Some(left), Some(right)) = (
            assignment.child_by_field_name("left"),
            assignment.child_by_field_name("right"),
        ) else {
            continue;
        };
        if code.text(left) == "DEBUG" && code.is_true(right) && at_module_level(assignment) {
            sink.report(
                &DJANGO_DEBUG,
                Severity::High,
                assignment.byte_range(),
                "DEBUG = True",
                "`DEBUG = True` in a production settings module: error pages show settings, \
                 queries and stack frames to anyone."
                    .to_string(),
            );
        }
    }
}

fn imports(code: &Code<'_>, module: &str) -> bool {
    code.nodes(&["import_statement", "import_from_statement"])
        .iter()
        .any(|n| {
            n.child_by_field_name("module_name")
                .or_else(|| n.child_by_field_name("name"))
                .is_some_and(|m| {
                    let name = code.text(m);
                    name == module || name.starts_with(&format!("{module}."))
                })
        })
}

fn python_apps(code: &Code<'_>, sink: &mut Sink<'_>, production: bool) {
    let flask = imports(code, "flask");
    let starlette = imports(code, "fastapi") || imports(code, "starlette");
    if !flask && !starlette {
        return;
    }
    let flask_severity = if production {
        Severity::High
    } else {
        Severity::Medium
    };
    for call in code.calls() {
        if under_main_guard(code, call) {
            continue;
        }
        let Some(debug) = code.keyword_argument(call, "debug") else {
            continue;
        };
        if !code.is_true(debug) {
            continue;
        }
        let callee = code.callee(call);
        let last = callee.rsplit('.').next().unwrap_or(&callee);
        if flask && last == "run" {
            sink.report(
                &FLASK_DEBUG,
                flask_severity,
                call.byte_range(),
                &format!("{callee}(debug=True)"),
                format!(
                    "`{callee}(debug=True)` runs outside `if __name__ == \"__main__\":`, so the \
                     Werkzeug debugger is on wherever this runs."
                ),
            );
        } else if starlette && (last == "FastAPI" || last == "Starlette") {
            sink.report(
                &STARLETTE_DEBUG,
                Severity::Medium,
                call.byte_range(),
                &format!("{callee}(debug=True)"),
                format!("`{callee}(debug=True)` returns tracebacks to clients on server errors."),
            );
        }
    }
    if !flask {
        return;
    }
    for assignment in code.nodes(&["assignment"]) {
        let (Some(left), Some(right)) = (
            assignment.child_by_field_name("left"),
            assignment.child_by_field_name("right"),
        ) else {
            continue;
        };
        if !code.is_true(right) || under_main_guard(code, assignment) {
            continue;
        }
        let target = code.text(left).replace(' ', "");
        let debug = target.ends_with(".debug")
            || target.ends_with(".config[\"DEBUG\"]")
            || target.ends_with(".config['DEBUG']");
        if debug && at_module_level(assignment) {
            sink.report(
                &FLASK_DEBUG,
                flask_severity,
                assignment.byte_range(),
                &format!("{target} = True"),
                format!(
                    "`{target} = True` where the app is built turns on the Werkzeug debugger \
                     wherever it runs."
                ),
            );
        }
    }
}

fn source_maps(code: &Code<'_>, sink: &mut Sink<'_>, name: &str) {
    let config = build_config(name);
    let (next, vite, webpack) = (
        config == BuildConfig::Next,
        config == BuildConfig::Vite,
        config == BuildConfig::WebpackProduction,
    );
    if config == BuildConfig::None {
        return;
    }
    for pair in descendants(code.root(), &["pair"]) {
        let (Some(key), Some(value)) = (
            pair.child_by_field_name("key"),
            pair.child_by_field_name("value"),
        ) else {
            continue;
        };
        let key = code.key_name(key).unwrap_or_default();
        let string = code.string_value(value);
        let found = match key.as_str() {
            "productionBrowserSourceMaps" if next && code.is_true(value) => {
                Some("`productionBrowserSourceMaps: true`".to_string())
            }
            "sourcemap"
                if vite
                    && in_build_options(code, pair)
                    && (code.is_true(value) || string.as_deref() == Some("inline")) =>
            {
                Some(format!("Vite `build.sourcemap: {}`", code.text(value)))
            }
            "devtool"
                if webpack
                    && string.as_deref().is_some_and(|d| {
                        d.contains("source-map")
                            && !d.starts_with("hidden")
                            && !d.contains("nosources")
                    }) =>
            {
                Some(format!("webpack `devtool: {}`", code.text(value)))
            }
            _ => None,
        };
        if let Some(what) = found {
            sink.report(
                &SOURCE_MAPS,
                Severity::Medium,
                pair.byte_range(),
                &what,
                format!("{what} publishes the original source with the production build."),
            );
        }
    }
}

/// Whether a `sourcemap` pair is in the object under `build:`.
fn in_build_options(code: &Code<'_>, pair: Node<'_>) -> bool {
    pair.parent()
        .and_then(|object| object.parent())
        .filter(|p| p.kind() == "pair")
        .and_then(|p| p.child_by_field_name("key"))
        .and_then(|k| code.key_name(k))
        .is_some_and(|k| k == "build")
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

    fn found(path: &str, text: &str, rule: &str) -> Option<Severity> {
        run(path, text)
            .into_iter()
            .find(|f| f.rule.id == rule)
            .map(|f| f.severity)
    }

    #[test]
    fn django_production_settings() {
        let rule = "debug-django-production";
        for path in [
            "proj/settings/production.py",
            "proj/settings/prod.py",
            "proj/settings_prod.py",
        ] {
            assert_eq!(found(path, "DEBUG = True\n", rule), Some(Severity::High));
        }
        for (path, text) in [
            ("proj/settings.py", "DEBUG = True\n"),
            ("proj/settings/dev.py", "DEBUG = True\n"),
            ("proj/settings/production.py", "DEBUG = False\n"),
            ("proj/settings/production.py", "if X:\n    DEBUG = True\n"),
            ("proj/settings/production.py", "TEMPLATE_DEBUG = True\n"),
            ("proj/production_views.py", "DEBUG = True\n"),
        ] {
            assert_eq!(found(path, text, rule), None, "{path} {text}");
        }
    }

    #[test]
    fn flask_and_starlette() {
        let flask = "debug-flask-debugger";
        let table: &[(&str, &str, Option<Severity>)] = &[
            (
                "run.py",
                "from app import create_app\nfrom flask import Flask\napp = \
                 create_app()\napp.run(host='0.0.0.0', debug=True)\n",
                Some(Severity::Medium),
            ),
            (
                "prod.py",
                "import flask\napp = flask.Flask(__name__)\napp.debug = True\n",
                Some(Severity::High),
            ),
            (
                "run.py",
                "from flask import Flask\nif __name__ == '__main__':\n    \
                 app.run(debug=True)\n",
                None,
            ),
            (
                "run.py",
                "from flask import Flask\napp.run(debug=False)\n",
                None,
            ),
            ("run.py", "import pytest\npytest.run(debug=True)\n", None),
        ];
        for (path, text, want) in table {
            assert_eq!(found(path, text, flask), *want, "{text}");
        }
        let starlette = "debug-starlette-debug";
        assert_eq!(
            found(
                "main.py",
                "from starlette.applications import Starlette\napp = Starlette(debug=True)\n",
                starlette
            ),
            Some(Severity::Medium)
        );
        assert_eq!(
            found(
                "main.py",
                "from fastapi import FastAPI\nif __name__ == '__main__':\n    app = \
                 FastAPI(debug=True)\n",
                starlette
            ),
            None
        );
    }

    #[test]
    fn source_maps_in_build_configs() {
        let rule = "debug-browser-source-maps";
        let table: &[(&str, &str, bool)] = &[
            (
                "next.config.mjs",
                "export default withSentry({ productionBrowserSourceMaps: true });",
                true,
            ),
            (
                "next.config.mjs",
                "export default { productionBrowserSourceMaps: false };",
                false,
            ),
            (
                "vite.config.js",
                "export default { build: { sourcemap: 'inline' } };",
                true,
            ),
            (
                "vite.config.js",
                "export default { sourcemap: true };",
                false,
            ),
            (
                "webpack.prod.js",
                "module.exports = { devtool: 'source-map' };",
                true,
            ),
            (
                "webpack.prod.js",
                "module.exports = { devtool: 'hidden-source-map' };",
                false,
            ),
            (
                "src/config.ts",
                "export default { productionBrowserSourceMaps: true };",
                false,
            ),
        ];
        for (path, text, want) in table {
            assert_eq!(found(path, text, rule).is_some(), *want, "{path} {text}");
        }
    }

    proptest! {
        #![proptest_config(crate::engine::testing::cases(32))]

        /// Any text, parsed as Python or JavaScript under the names these checks look at, is
        /// checked without a panic.
        #[test]
        fn any_text_is_checked_without_panic(
            text in "(from flask import Flask\n|from fastapi import FastAPI\n|DEBUG = True\n|\
                     app.run\\(debug=True\\)|FastAPI\\(debug=True\\)|if __name__ == '__main__':\n|\
                     \\{ build: \\{ sourcemap: true \\} \\}|productionBrowserSourceMaps: true|\
                     [ -~\n]{0,12}){0,16}",
        ) {
            for path in ["settings/production.py", "app.py", "next.config.js", "vite.config.ts"] {
                for f in run(path, &text) {
                    prop_assert!(f.location.line <= text.lines().count() + 1);
                }
            }
        }
    }
}
