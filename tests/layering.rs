//! The layering of `src/`, enforced: data flows one way (cli -> settings -> scan -> source /
//! engine / checks -> report -> cmd), and no module imports one that runs back up that chain.
//! `ARCHITECTURE.md` explains each layer; this test is its executable form. It reads the
//! `crate::` paths of every file (test modules excluded) like `shared/tools/cycles.py` does,
//! and fails on any import that the table below does not allow, and on any cycle between
//! files.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top-level module -> the top-level modules it may import. Leaves first.
const ALLOWED: &[(&str, &[&str])] = &[
    ("text", &[]),
    ("delta", &[]),
    ("yaml", &["text"]),
    ("cli", &[]),
    ("finding", &[]),
    ("stats", &["finding"]),
    ("inventory", &["finding"]),
    ("rules", &["finding", "text", "yaml"]),
    ("config", &["finding", "yaml"]),
    ("suppress", &["finding", "text"]),
    ("engine", &["rules", "finding", "text", "delta"]),
    (
        "source",
        &["finding", "inventory", "stats", "text", "delta"],
    ),
    ("report", &["finding", "inventory", "stats", "text"]),
    (
        "checks",
        &[
            "engine",
            "rules",
            "source",
            "config",
            "yaml",
            "report",
            "finding",
            "inventory",
            "stats",
            "text",
        ],
    ),
    (
        "settings",
        &[
            "cli",
            "config",
            "rules",
            "engine",
            "checks",
            "source",
            "suppress",
            "report",
            "finding",
            "inventory",
            "stats",
            "text",
        ],
    ),
    (
        "scan",
        &[
            "settings",
            "source",
            "engine",
            "checks",
            "suppress",
            "config",
            "finding",
            "inventory",
            "stats",
            "text",
        ],
    ),
    (
        "cmd",
        &[
            "cli",
            "settings",
            "scan",
            "source",
            "engine",
            "checks",
            "rules",
            "suppress",
            "report",
            "config",
            "finding",
            "inventory",
            "stats",
            "text",
        ],
    ),
];

/// Narrower rules inside an allowed edge: (importing module, imported path prefix that is the
/// only part of that module it may use).
const ONLY_THROUGH: &[(&str, &str, &str)] = &[
    // Checks build redacted excerpts; the report formats are not theirs to call.
    ("checks", "report", "report::redact"),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The file's text without `#[cfg(test)] mod ... { ... }` blocks.
fn strip_tests(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("#[cfg(test)]") {
        let after = &rest[at..];
        let Some(open) = after.find('{') else { break };
        if !after[..open].contains("mod ") {
            out.push_str(&rest[..at + 12]);
            rest = &rest[at + 12..];
            continue;
        }
        out.push_str(&rest[..at]);
        let mut depth = 0usize;
        let mut end = after.len();
        for (i, c) in after[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// Every `crate::a::b` path in the text, including the members of `use crate::a::{b, c::d}`.
fn crate_paths(text: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut search = text;
    while let Some(at) = search.find("crate::") {
        let preceded_by_ident = search[..at].chars().last().is_some_and(is_ident);
        let rest = &search[at + 7..];
        let end = rest
            .find(|c: char| !(is_ident(c) || c == ':'))
            .unwrap_or(rest.len());
        let path = rest[..end].trim_end_matches(':').to_string();
        if !preceded_by_ident && !path.is_empty() {
            if rest[end..].starts_with('{') && rest[..end].ends_with("::") {
                let close = rest[end..].find('}').map_or(rest.len(), |c| end + c);
                for member in rest[end + 1..close].split(',') {
                    let member = member.trim().split(' ').next().unwrap_or_default();
                    if !member.is_empty() && member != "self" {
                        paths.push(format!("{path}::{member}"));
                    }
                }
            }
            paths.push(path);
        }
        search = &rest[end..];
    }
    paths
}

fn module_of(file: &Path) -> String {
    let rel = file.strip_prefix(src()).expect("under src");
    let first = rel.components().next().expect("a component");
    first
        .as_os_str()
        .to_string_lossy()
        .trim_end_matches(".rs")
        .to_string()
}

#[test]
fn no_module_imports_one_above_it() {
    let allowed: BTreeMap<&str, BTreeSet<&str>> = ALLOWED
        .iter()
        .map(|(m, deps)| (*m, deps.iter().copied().collect()))
        .collect();
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut problems = Vec::new();
    for file in &files {
        let module = module_of(file);
        if module == "lib" || module == "main" {
            continue;
        }
        let Some(may) = allowed.get(module.as_str()) else {
            problems.push(format!(
                "{}: module `{module}` is not in the layering table (tests/layering.rs and \
                 ARCHITECTURE.md)",
                file.display()
            ));
            continue;
        };
        let text = strip_tests(&std::fs::read_to_string(file).expect("readable"));
        for path in crate_paths(&text) {
            let target = path.split("::").next().unwrap_or_default();
            if target == module || target.is_empty() {
                continue;
            }
            if !may.contains(target) {
                problems.push(format!(
                    "{}: `{module}` imports `crate::{path}`, which it may not",
                    file.display()
                ));
                continue;
            }
            for (from, to, only) in ONLY_THROUGH {
                let through = path == *only || path.starts_with(&format!("{only}::"));
                if module == *from && target == *to && !through {
                    problems.push(format!(
                        "{}: `{module}` may use `{to}` only through `{only}`, not `crate::{path}`",
                        file.display()
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_layering_table_is_itself_acyclic() {
    // Each module may only import modules listed before it: the table is the order.
    let mut seen = BTreeSet::new();
    for (module, deps) in ALLOWED {
        for dep in *deps {
            assert!(
                seen.contains(dep),
                "`{module}` may import `{dep}`, which comes after it in the table"
            );
        }
        seen.insert(*module);
    }
}

#[test]
fn the_path_reader_sees_grouped_and_nested_imports() {
    let text = "use crate::a::{b, c::d};\nfn f() { crate::e::g(); }\n#[cfg(test)]\nmod tests { use crate::z; }\n";
    let paths = crate_paths(&strip_tests(text));
    for want in ["a::b", "a::c::d", "e::g"] {
        assert!(paths.iter().any(|p| p == want), "{want} in {paths:?}");
    }
    assert!(!paths.iter().any(|p| p.starts_with('z')), "{paths:?}");
}
