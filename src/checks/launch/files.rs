//! Which files the launch checks read, decided from the path alone (so a walk, a git
//! snapshot or a staged index can ask before reading anything), and how each is read.
//!
//! Decision: test code, fixtures, examples, samples and docs are not read at all. A CORS
//! callback that allows everything in `test/`, or a workflow snippet in `docs/`, is not what
//! ships, and these checks have no secret to lose by skipping them (secrets in those files are
//! still found by the secret rules). Dependency folders and framework build output are the
//! other projects' code and generated code; minified and declaration files are not written by
//! hand; very large files are generated.

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
];

/// How the launch checks read the file at `relative` (from the scanned root, `/`-separated),
/// or `None` when they do not read it.
pub fn kind_of(relative: &str) -> Option<Kind> {
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
    if is_nginx(&lower, &dirs) {
        return Some(Kind::Nginx);
    }
    if is_test_file(&lower) {
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

fn is_nginx(lower: &str, dirs: &[&str]) -> bool {
    if lower == "nginx.conf" || lower.ends_with(".nginx") || lower.ends_with(".nginx.conf") {
        return true;
    }
    let in_nginx_dir = dirs.iter().any(|d| {
        let d = d.to_ascii_lowercase();
        d.contains("nginx") || d == "sites-available" || d == "sites-enabled" || d == "conf.d"
    });
    in_nginx_dir && (lower.ends_with(".conf") || lower.ends_with(".conf.template"))
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
