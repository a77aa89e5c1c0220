//! Which files the launch checks read, decided from the path alone (so a walk, a git
//! snapshot or a staged index can ask before reading anything), and how each is read.
//!
//! Decision: test code, fixtures, examples, samples and docs are not read at all. A CORS
//! callback that allows everything in `test/`, or a workflow snippet in `docs/`, is not what
//! ships, and these checks have no secret to lose by skipping them (secrets in those files are
//! still found by the secret rules). Dependency folders and framework build output are the
//! other projects' code and generated code; minified and declaration files are not written by
//! hand; very large files are generated.
//!
//! Decision: code copied in from elsewhere is not read either, when its path or its bytes say
//! so (read before parsing, because parsing is the cost): a `third_party/` folder, a minified
//! build (most of its bytes in lines over 1,000 bytes long, whatever its name), or a library's
//! distribution file (`/*! name v1.2.3 ...` or `@license` in its first comment). What it ships
//! to browsers is the bundle check's question; a launch finding in another project's code is
//! not the application's configuration, and on a tree of vendored packages these files were
//! most of the parsing.

use super::syntax::Language;
use crate::checks::common::{folders, path_class};

/// How a file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Source code, parsed into a syntax tree.
    Code(Language),
    /// `Dockerfile`, `Containerfile`, `Dockerfile.prod`, `api.Dockerfile`.
    Dockerfile,
    /// `docker-compose*.yml`, `compose*.yaml`.
    Compose,
    /// An nginx configuration (`nginx.conf`, `*.conf` in a folder named for nginx, sites).
    Nginx,
    /// A GitHub Actions workflow (`.github/workflows/*.yml`).
    Workflow,
}

/// Larger files are generated (bundles, vendored libraries, data), not configuration.
pub const MAX_BYTES: usize = 512 * 1024;

/// Folder names whose contents are not what ships, besides the tests, fixtures, examples,
/// documentation and translations every secret finding is lowered in
/// (`checks::common::path_class::of_folder`).
const NOT_SHIPPED_DIRS: &[&str] = &[
    "stories",
    "storybook",
    "benchmarks",
    // Compiled or generated output: the source it was built from is read instead.
    "dist",
    "coverage",
    ".output",
    "storybook-static",
    // Other projects' code copied in (`vendor` is a dependency folder everywhere).
    "third_party",
    "third-party",
];

/// How the launch checks read the file at `relative` (from the scanned root, `/`-separated),
/// or `None` when they do not read it.
pub fn kind_of(relative: &str) -> Option<Kind> {
    // The last non-empty component is the name, the others are the folders. Asked of every
    // file a walk reads: the folders are iterated where they lie, never collected.
    let trimmed = relative.trim_end_matches('/');
    let (folders_text, name) = trimmed.rsplit_once('/').unwrap_or(("", trimmed));
    if name.is_empty() {
        return None;
    }
    let dirs = || folders_text.split('/').filter(|p| !p.is_empty());
    if dirs().any(|d| {
        folders::is_dependency_dir(d)
            || folders::BUILD_OUTPUT.contains(&d)
            || path_class::of_folder(d).is_some()
            || NOT_SHIPPED_DIRS.iter().any(|n| n.eq_ignore_ascii_case(d))
    }) {
        return None;
    }
    let lower = name.to_ascii_lowercase();
    let mut last_two = dirs().rev();
    if last_two.next() == Some("workflows")
        && last_two.next() == Some(".github")
        && (lower.ends_with(".yml") || lower.ends_with(".yaml"))
    {
        return Some(Kind::Workflow);
    }
    if lower == "dockerfile"
        || lower == "containerfile"
        || lower.starts_with("dockerfile.")
        || lower.ends_with(".dockerfile")
    {
        return Some(Kind::Dockerfile);
    }
    if is_compose(&lower) {
        return Some(Kind::Compose);
    }
    if is_nginx(&lower, dirs()) {
        return Some(Kind::Nginx);
    }
    code_of(&lower)
}

/// A file read as code, by its name alone (lower case): not a test, not minified or a
/// declaration file, and in a language the checks parse.
fn code_of(lower: &str) -> Option<Kind> {
    if is_test_file(lower) {
        return None;
    }
    let (stem, extension) = lower.rsplit_once('.')?;
    if stem.ends_with(".min") || stem.ends_with(".d") || stem.ends_with(".bundle") {
        return None;
    }
    let language = match extension {
        "ts" | "mts" | "cts" => Language::TypeScript,
        "tsx" | "js" | "jsx" | "mjs" | "cjs" => Language::Tsx,
        "py" => Language::Python,
        _ => return None,
    };
    Some(Kind::Code(language))
}

/// A line longer than this is not written by hand.
const LONG_LINE: usize = 1_000;

/// How far into a file its opening comment is looked for.
const BANNER_WINDOW: usize = 1_024;

/// Whether a code file's bytes say it is a build artefact or another project's distribution
/// file rather than the application's source: more than half of its bytes in lines longer than
/// [`LONG_LINE`] (minified), or an opening `/*!` comment (the comment minifiers keep) that names
/// a version or a licence, or an opening comment with `@license`. One pass over the newlines.
pub fn is_build_artefact(data: &[u8]) -> bool {
    let mut long = 0usize;
    let mut start = 0usize;
    for end in memchr::memchr_iter(b'\n', data).chain(std::iter::once(data.len())) {
        if end - start > LONG_LINE {
            long += end - start;
        }
        start = end + 1;
    }
    if long > data.len() / 2 {
        return true;
    }
    let head = &data[..data.len().min(BANNER_WINDOW)];
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let trimmed = head.trim_ascii_start();
    let Some(comment) = trimmed.strip_prefix(b"/*") else {
        return false;
    };
    let comment = match memchr::memmem::find(comment, b"*/") {
        Some(end) => &comment[..end],
        None => comment,
    };
    let licence = memchr::memmem::find(comment, b"@license").is_some();
    licence
        || comment.starts_with(b"!")
            && (names_a_version(comment) || {
                let lower = comment.to_ascii_lowercase();
                memchr::memmem::find(&lower, b"license").is_some()
            })
}

/// Whether `text` holds a version number: digits, a dot, digits, a dot, digits (`1.2.3`).
fn names_a_version(text: &[u8]) -> bool {
    text.windows(5).enumerate().any(|(i, w)| {
        w[0].is_ascii_digit() && w[1] == b'.' && w[2].is_ascii_digit() && {
            // digits . digits . digit
            let rest = &text[i + 2..];
            let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
            rest.get(digits) == Some(&b'.') && rest.get(digits + 1).is_some_and(u8::is_ascii_digit)
        }
    })
}

/// `docker-compose.yml`, `compose.prod.yaml`, and the names projects give per environment:
/// `prod.compose.yml`, `app-compose.yaml`, `stack_compose.yml` (found in a real repository).
fn is_compose(lower: &str) -> bool {
    let Some(stem) = lower
        .strip_suffix(".yml")
        .or_else(|| lower.strip_suffix(".yaml"))
    else {
        return false;
    };
    stem.starts_with("docker-compose")
        || stem.starts_with("compose")
        || [".compose", "-compose", "_compose"]
            .iter()
            .any(|mark| stem.contains(mark))
}

/// `foo.test.ts`, `foo.spec.js`, `test_foo.py`, `foo_test.py`, `conftest.py`, stories.
fn is_test_file(lower: &str) -> bool {
    let stem = lower.rsplit_once('.').map_or(lower, |(s, _)| s);
    stem.ends_with(".test")
        || stem.ends_with(".spec")
        || stem.ends_with(".stories")
        || stem.ends_with(".e2e")
        || (lower.ends_with(".py")
            && (stem.starts_with("test_") || stem.ends_with("_test") || stem == "conftest"))
}

fn is_nginx<'a>(lower: &str, mut dirs: impl Iterator<Item = &'a str>) -> bool {
    if lower == "nginx.conf" || lower.ends_with(".nginx") || lower.ends_with(".nginx.conf") {
        return true;
    }
    let in_nginx_dir = dirs.any(|d| {
        d.as_bytes()
            .windows(5)
            .any(|w| w.eq_ignore_ascii_case(b"nginx"))
            || ["sites-available", "sites-enabled", "conf.d"]
                .iter()
                .any(|n| n.eq_ignore_ascii_case(d))
    });
    in_nginx_dir && (lower.ends_with(".conf") || lower.ends_with(".conf.template"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How `kind_of` read a path before it stopped collecting the folders (and lower-casing
    /// each): the reference the property test holds it to.
    fn kind_of_collected(relative: &str) -> Option<Kind> {
        let mut parts: Vec<&str> = relative.split('/').filter(|p| !p.is_empty()).collect();
        let name = parts.pop()?;
        let dirs = parts;
        if dirs.iter().any(|d| {
            folders::is_dependency_dir(d)
                || folders::BUILD_OUTPUT.contains(d)
                || path_class::of_folder(d).is_some()
                || NOT_SHIPPED_DIRS.contains(&d.to_ascii_lowercase().as_str())
        }) {
            return None;
        }
        let lower = name.to_ascii_lowercase();
        if dirs.len() >= 2
            && dirs[dirs.len() - 2] == ".github"
            && dirs[dirs.len() - 1] == "workflows"
            && (lower.ends_with(".yml") || lower.ends_with(".yaml"))
        {
            return Some(Kind::Workflow);
        }
        let nginx_named =
            lower == "nginx.conf" || lower.ends_with(".nginx") || lower.ends_with(".nginx.conf");
        let in_nginx_dir = dirs.iter().any(|d| {
            let d = d.to_ascii_lowercase();
            d.contains("nginx") || d == "sites-available" || d == "sites-enabled" || d == "conf.d"
        });
        let before_nginx = if lower == "dockerfile"
            || lower == "containerfile"
            || lower.starts_with("dockerfile.")
            || lower.ends_with(".dockerfile")
        {
            Some(Some(Kind::Dockerfile))
        } else if is_compose(&lower) {
            Some(Some(Kind::Compose))
        } else if nginx_named
            || in_nginx_dir && (lower.ends_with(".conf") || lower.ends_with(".conf.template"))
        {
            Some(Some(Kind::Nginx))
        } else {
            None
        };
        if let Some(kind) = before_nginx {
            return kind;
        }
        // What follows never read the folders, and is the same function.
        code_of(&lower)
    }

    const COMPONENTS: &[&str] = &[
        "",
        "src",
        "lib",
        ".github",
        "workflows",
        "Workflows",
        "node_modules",
        ".next",
        "Tests",
        "DIST",
        "third_party",
        "Third-Party",
        "nginx",
        "my-NGINX-conf",
        "Sites-Enabled",
        "conf.d",
        "docs",
        "api",
        "server.js",
        "app.ts",
        "a.test.ts",
        "ci.yml",
        "deploy.YAML",
        "Dockerfile",
        "docker-compose.yml",
        "site.conf",
        "x.conf.template",
        "nginx.conf",
        "views.py",
        "é",
        "x.min.js",
        "index.d.ts",
    ];

    proptest::proptest! {
        /// Paths of every shape `kind_of` distinguishes (empty components, trailing slashes,
        /// folder names in any case) are read as the collecting version read them.
        #[test]
        fn kind_of_reads_a_path_as_the_collecting_version_did(
            parts in proptest::collection::vec(0..COMPONENTS.len(), 0..6),
            slash in proptest::bool::ANY,
        ) {
            let mut path = parts.iter().map(|&p| COMPONENTS[p]).collect::<Vec<_>>().join("/");
            if slash {
                path.push('/');
            }
            proptest::prop_assert_eq!(kind_of(&path), kind_of_collected(&path), "{}", path);
        }
    }

    #[test]
    fn which_files_are_read_and_how() {
        let cases: &[(&str, Option<Kind>)] = &[
            ("server.js", Some(Kind::Code(Language::Tsx))),
            ("src/app.ts", Some(Kind::Code(Language::TypeScript))),
            ("app/api/route.tsx", Some(Kind::Code(Language::Tsx))),
            ("lib/cookies.mjs", Some(Kind::Code(Language::Tsx))),
            (
                "myproject/settings/production.py",
                Some(Kind::Code(Language::Python)),
            ),
            ("Dockerfile", Some(Kind::Dockerfile)),
            ("deploy/Dockerfile.prod", Some(Kind::Dockerfile)),
            ("api.Dockerfile", Some(Kind::Dockerfile)),
            ("docker-compose.prod.yml", Some(Kind::Compose)),
            ("compose.yaml", Some(Kind::Compose)),
            ("prod.compose.yml", Some(Kind::Compose)),
            ("deploy/app-compose.yaml", Some(Kind::Compose)),
            ("composer.json", None),
            ("src/compose.ts", Some(Kind::Code(Language::TypeScript))),
            ("nginx.conf", Some(Kind::Nginx)),
            ("deploy/nginx/site.conf", Some(Kind::Nginx)),
            ("etc/sites-available/app.conf", Some(Kind::Nginx)),
            (".github/workflows/ci.yml", Some(Kind::Workflow)),
            ("sub/.github/workflows/deploy.yaml", Some(Kind::Workflow)),
            // Not read: tests, fixtures, examples, docs, dependencies, generated code.
            ("test/app.js", None),
            ("src/__tests__/cors.ts", None),
            ("src/cors.test.ts", None),
            ("src/cors.spec.js", None),
            ("tests/test_views.py", None),
            ("app/test_views.py", None),
            ("conftest.py", None),
            ("examples/express/server.js", None),
            ("docs/workflow.yml", None),
            ("node_modules/cors/lib/index.js", None),
            ("vendor/x.py", None),
            ("third_party/lib/x.js", None),
            ("static/third-party/chart.js", None),
            (".next/server/app.js", None),
            ("public/app.min.js", None),
            ("dist/main.js", None),
            ("packages/api/dist/server.js", None),
            ("types/index.d.ts", None),
            ("README.md", None),
            ("config.yml", None),
            ("app.conf", None),
            (".github/dependabot.yml", None),
        ];
        for (path, want) in cases {
            assert_eq!(kind_of(path), *want, "{path}");
        }
    }

    #[test]
    fn build_artefacts_by_their_bytes() {
        let minified = format!("!function(e){{{}}}();\n", "var a=1;".repeat(300));
        let hand_written = "import cors from 'cors';\n\napp.use(cors());\n".repeat(50);
        let long_data_line = format!("{}\nconst a = '{}';\n", hand_written, "x".repeat(1_200));
        let cases: &[(&[u8], bool)] = &[
            (minified.as_bytes(), true),
            (hand_written.as_bytes(), false),
            // One long line that is not most of the file: hand-written with a data string.
            (long_data_line.as_bytes(), false),
            (
                b"/*! jQuery v3.6.0 | (c) OpenJS Foundation and other contributors */\n(f)()",
                true,
            ),
            (
                b"\xEF\xBB\xBF\n/*!\n * lodash 4.17.21 <https://lodash.com/>\n */\nvar a;",
                true,
            ),
            (
                b"/*! For license information please see main.js.LICENSE.txt */\nx()",
                true,
            ),
            (
                b"/**\n * @license React\n * react.production.min.js\n */\n",
                true,
            ),
            // A hand-written header, and a `/*!` comment without a version or licence.
            (
                b"/**\n * Copyright 2024 Acme. Server v2 setup.\n */\napp.use(cors())",
                false,
            ),
            (b"/*! keep this comment */\nconsole.log(req.headers)", false),
            (b"// @license MIT\nconsole.log(req.headers)", false),
            (b"app.listen(3000) /* v1.2.3 */", false),
            (b"", false),
            (b"/*", false),
            (b"/*!", false),
        ];
        for (data, want) in cases {
            assert_eq!(
                is_build_artefact(data),
                *want,
                "{}",
                String::from_utf8_lossy(&data[..data.len().min(80)])
            );
        }
        // Hostile sizes: one huge line, and a huge file of empty lines, answer without trouble.
        assert!(is_build_artefact(&vec![b'a'; 4 << 20]));
        assert!(!is_build_artefact(&vec![b'\n'; 4 << 20]));
    }
}
