//! `leakgate audit`, end to end on the startup fixture (`common/release.rs`): the files it
//! writes, the verdict and the ranking in the JSON, the env matrix and the departure of the
//! token removed from history, redaction in every byte it writes or prints, the exit codes
//! (SHIP 0, findings 1, an incomplete audit 2 and never SHIP), and bad input as one line. The
//! page itself is checked in a browser by `tests/audit_browser.rs`.

#[path = "common/mod.rs"]
mod common;
#[path = "common/release.rs"]
mod release;

use common::{git, leakgate, write};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn audit(path: &Path, out_dir: &Path, extra: &[&str]) -> Run {
    let out = leakgate()
        .timeout(Duration::from_secs(120))
        .arg("audit")
        .arg(path)
        .arg("--out-dir")
        .arg(out_dir)
        .args(extra)
        .output()
        .expect("leakgate runs");
    Run {
        code: out.status.code().expect("an exit code, not a signal"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("the audit JSON is written"))
        .expect("the audit JSON parses")
}

fn short(fingerprint: &str) -> &str {
    &fingerprint[..16]
}

/// The summary's lines: the verdict word and its reason, then one line per file written.
fn summary(run: &Run) -> (String, String, Vec<PathBuf>) {
    let mut lines = run.stdout.lines();
    let first = lines
        .next()
        .unwrap_or_else(|| panic!("no summary: {}", run.stderr));
    let (word, reason) = first
        .split_once(": ")
        .unwrap_or_else(|| panic!("not `WORD: reason`: {first}"));
    let written = lines
        .map(|l| {
            PathBuf::from(
                l.strip_prefix("wrote ")
                    .unwrap_or_else(|| panic!("not `wrote PATH`: {l}")),
            )
        })
        .collect();
    (word.to_string(), reason.to_string(), written)
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .expect("written")
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn the_startup_audit_says_fix_first_and_ranks_what_reached_browsers_first() {
    let fixture = release::startup();
    let out = tempfile::tempdir().expect("temp dir");
    // A folder that does not exist yet is created.
    let out_dir = out.path().join("audit/2024-03");
    let run = audit(fixture.path(), &out_dir, &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);

    let page = out_dir.join("leakgate-audit.html");
    let json_path = out_dir.join("leakgate-audit.json");
    let (word, reason, written) = summary(&run);
    assert_eq!(word, "FIX FIRST");
    assert_eq!(written, [page.clone(), json_path.clone()]);
    #[cfg(unix)]
    assert_eq!((mode(&page), mode(&json_path)), (0o600, 0o600));
    assert!(!out_dir.join("leakgate-audit.md").exists());
    // stderr is not a terminal here: no progress bar, nothing drawn over.
    assert!(
        !run.stderr.contains('\r') && !run.stderr.contains('\u{1b}'),
        "{:?}",
        run.stderr
    );

    let json = read_json(&json_path);
    // The normal report, which `merge` reads, plus the inventory and the audit.
    for key in ["findings", "summary", "inventory", "audit"] {
        assert!(json.get(key).is_some(), "no `{key}` in the audit JSON");
    }
    assert_eq!(json["audit"]["verdict"], "fix-first");
    assert_eq!(json["audit"]["reason"], reason.as_str());
    let merged = leakgate()
        .args(["merge", "--format", "json"])
        .arg(&json_path)
        .output()
        .expect("leakgate runs");
    assert_eq!(merged.status.code(), Some(1));
    let merged: Value = serde_json::from_slice(&merged.stdout).expect("merge reads the audit JSON");
    assert_eq!(
        merged["summary"]["total_findings"],
        json["summary"]["total_findings"]
    );

    // The ranking: by where the secret is (a client bundle, then HEAD, then history only),
    // then severity, then the number of places. Each secret once, ranks 1..n.
    let risks = json["audit"]["risks"].as_array().expect("audit.risks");
    for (n, risk) in risks.iter().enumerate() {
        assert_eq!(risk["rank"], n + 1, "{risk}");
    }
    let mut seen = std::collections::BTreeSet::new();
    for risk in risks {
        assert!(
            seen.insert(risk["fingerprint"].as_str().expect("fingerprint")),
            "{risk}"
        );
    }
    let rank_of = |rule: &str, secret: &str| -> usize {
        let fingerprint = leakgate::finding::fingerprint(rule, secret.as_bytes());
        risks
            .iter()
            .position(|r| r["fingerprint"] == short(&fingerprint))
            .unwrap_or_else(|| panic!("no risk for {rule}: {risks:#?}"))
    };
    let [bundle, database, server, test_key, github] = [
        ("bundle-secret", "stripe live key (client bundle)"),
        (
            "postgres-url-password",
            "database password (staging and production)",
        ),
        ("stripe-secret-key-live", "stripe live key (server, HEAD)"),
        ("stripe-secret-key-test", "stripe test key (production)"),
        ("github-pat-classic", "github token (history only)"),
    ]
    .map(|(rule, secret)| rank_of(rule, fixture.secret(secret)));
    assert_eq!(bundle, 0, "the bundled key is the first risk: {risks:#?}");
    // Both critical and in HEAD: the password in two env files before the key in one file.
    assert!(bundle < database && database < server, "{risks:#?}");
    // A high test key in HEAD after the critical ones, and the token history alone holds after
    // everything still in HEAD.
    assert!(server < test_key && test_key < github, "{risks:#?}");
    let standing = |i: usize| {
        (
            risks[i]["in_bundle"].clone(),
            risks[i]["in_head"].clone(),
            risks[i]["severity"].clone(),
        )
    };
    // The build output is in the current files (built, never committed).
    assert_eq!(
        standing(bundle),
        (true.into(), true.into(), "critical".into())
    );
    assert_eq!(
        standing(database),
        (false.into(), true.into(), "critical".into())
    );
    assert_eq!(
        standing(github),
        (false.into(), false.into(), "critical".into())
    );

    // The env matrix of the root folder.
    let env = json["inventory"]["env"].as_array().expect("inventory.env");
    let root = env
        .iter()
        .find(|m| m["dir"] == "")
        .unwrap_or_else(|| panic!("no matrix for the root folder: {env:#?}"));
    let environments: Vec<&str> = root["environments"]
        .as_array()
        .expect("environments")
        .iter()
        .map(|e| e["environment"].as_str().expect("name"))
        .collect();
    for wanted in ["local/development", "staging", "production"] {
        assert!(environments.contains(&wanted), "{environments:?}");
    }
    let cell = |name: &str, environment: &str| -> &Value {
        let column = environments
            .iter()
            .position(|e| *e == environment)
            .expect("column");
        let row = root["variables"]
            .as_array()
            .expect("variables")
            .iter()
            .find(|v| v["name"] == name)
            .unwrap_or_else(|| panic!("no row {name}: {root:#}"));
        &row["cells"][column]
    };
    let shared = cell("DATABASE_URL", "production");
    assert_eq!(shared["state"], "shared-value", "{shared}");
    assert!(
        shared["checks"]
            .as_array()
            .expect("checks")
            .contains(&"env-shared-secret".into())
    );
    let test = cell("STRIPE_SECRET_KEY", "production");
    assert_eq!(test["state"], "test-key", "{test}");
    assert!(
        test["checks"]
            .as_array()
            .expect("checks")
            .contains(&"env-test-key-in-production".into())
    );
    assert_eq!(cell("STRIPE_SECRET_KEY", "staging")["state"], "empty");
    assert_eq!(cell("PUBLIC_API_URL", "staging")["state"], "set");

    // The token left history with the commit that removed it; the build folder ships to
    // browsers.
    let github_fingerprint = leakgate::finding::fingerprint(
        "github-pat-classic",
        fixture.secret("github token (history only)").as_bytes(),
    );
    let departures = json["inventory"]["departures"]
        .as_array()
        .expect("departures");
    let departure = departures
        .iter()
        .find(|d| d["fingerprint"] == github_fingerprint.as_str())
        .unwrap_or_else(|| panic!("no departure for the removed token: {departures:#?}"));
    assert_eq!(departure["commit"]["id"], fixture.removed_in.as_str());
    let bundles = json["inventory"]["bundles"].as_array().expect("bundles");
    assert!(
        bundles
            .iter()
            .any(|b| b["path"] == "dist" && b["client"] == true && b["files"] == 2),
        "{bundles:#?}"
    );
    // The token's findings: the file that held it, with who committed it, and the message of
    // the commit that removed it (quoted, redacted).
    let places: Vec<&Value> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["fingerprint"] == github_fingerprint.as_str())
        .collect();
    let committed = places
        .iter()
        .find(|f| f["path"] == "src/config.js")
        .unwrap_or_else(|| panic!("no finding in src/config.js: {places:#?}"));
    assert_eq!(committed["commit"]["id"], fixture.leaked_in.as_str());
    assert_eq!(committed["commit"]["author_name"], fixture.author);
    assert!(
        places
            .iter()
            .any(|f| f["commit"]["id"] == fixture.removed_in.as_str()),
        "{places:#?}"
    );
    assert!(
        departure["commit"]["summary"]
            .as_str()
            .is_some_and(|s| s.starts_with("Read the deploy token from the environment, not ghp_")),
        "{departure}"
    );

    // Not one planted secret, nor a long part of one, in any byte written or printed.
    let html = std::fs::read(&page).expect("the page");
    for (what, bytes) in [
        ("the page", html.as_slice()),
        ("the JSON", &std::fs::read(&json_path).expect("JSON")),
        ("stdout", run.stdout.as_bytes()),
        ("stderr", run.stderr.as_bytes()),
    ] {
        release::assert_no_secret(&fixture, what, bytes);
    }
    let html = String::from_utf8(html).expect("the page is UTF-8");
    assert!(
        html.contains("id=\"verdict-word\""),
        "the page is the audit"
    );
    assert_eq!(
        html5_errors(&html),
        Vec::<String>::new(),
        "the page is well-formed HTML5"
    );
    // The parser does object to a broken page.
    assert!(!html5_errors("<!doctype html><title>t</title><p></div>").is_empty());
}

/// What an HTML5 parser (html5ever, every error reported) objects to in a page.
fn html5_errors(html: &str) -> Vec<String> {
    use html5ever::tendril::TendrilSink;
    let mut opts = html5ever::ParseOpts::default();
    opts.tokenizer.exact_errors = true;
    opts.tree_builder.exact_errors = true;
    let dom = html5ever::parse_document(markup5ever_rcdom::RcDom::default(), opts).one(html);
    dom.errors.borrow().iter().map(|e| e.to_string()).collect()
}

#[test]
fn markdown_writes_the_markdown_page_beside_the_json() {
    let fixture = release::startup();
    let out = tempfile::tempdir().expect("temp dir");
    let run = audit(fixture.path(), out.path(), &["--format", "markdown"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let page = out.path().join("leakgate-audit.md");
    let json_path = out.path().join("leakgate-audit.json");
    let (word, _, written) = summary(&run);
    assert_eq!(word, "FIX FIRST");
    assert_eq!(written, [page.clone(), json_path.clone()]);
    assert!(!out.path().join("leakgate-audit.html").exists());
    let markdown = std::fs::read_to_string(&page).expect("the Markdown page");
    assert!(markdown.contains("FIX FIRST"), "{markdown}");
    assert!(!markdown.contains("<html"), "Markdown, not HTML");
    assert_eq!(read_json(&json_path)["audit"]["verdict"], "fix-first");
    for (what, bytes) in [
        ("the Markdown page", markdown.as_bytes()),
        ("stdout", run.stdout.as_bytes()),
        ("stderr", run.stderr.as_bytes()),
    ] {
        release::assert_no_secret(&fixture, what, bytes);
    }
}

/// A small repository with nothing to report: code, a template env file, two commits.
fn clean_repository(root: &Path) {
    git(root, &["init", "-q"]);
    write(root, ".gitignore", ".env\n");
    write(root, "src/app.js", "export const apiBase = \"/api\";\n");
    git(root, &["add", "-A"]);
    git(root, &["commit", "-qm", "app"]);
    write(
        root,
        ".env.example",
        "DATABASE_URL=postgres://app:changeme@localhost:5432/app\n",
    );
    write(root, "README.md", "# Acme shop\n\nRun `npm start`.\n");
    git(root, &["add", "-A"]);
    git(root, &["commit", "-qm", "docs"]);
}

#[test]
fn a_clean_repository_ships() {
    let dir = tempfile::tempdir().expect("temp dir");
    clean_repository(dir.path());
    let out = tempfile::tempdir().expect("temp dir");
    let run = audit(dir.path(), out.path(), &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let (word, _, _) = summary(&run);
    assert_eq!(word, "SHIP");
    let json = read_json(&out.path().join("leakgate-audit.json"));
    assert_eq!(json["audit"]["verdict"], "ship");
    assert_eq!(json["audit"]["risks"], serde_json::json!([]));
    assert_eq!(json["summary"]["complete"], true);
    let html = std::fs::read_to_string(out.path().join("leakgate-audit.html")).expect("the page");
    assert!(html.contains("id=\"no-risks\""));
    assert!(!html.contains("id=\"risk-table\""));
}

/// An audit that could not read everything says so and never says SHIP: the shallow clone of a
/// clean repository (its older history was never fetched), and a file passed over for its size.
#[test]
fn an_incomplete_audit_never_ships() {
    let origin = tempfile::tempdir().expect("temp dir");
    clean_repository(origin.path());
    let clones = tempfile::tempdir().expect("temp dir");
    let url = format!("file://{}", origin.path().display());
    git(
        clones.path(),
        &["clone", "-q", "--depth", "1", &url, "shallow"],
    );
    let out = tempfile::tempdir().expect("temp dir");
    let run = audit(&clones.path().join("shallow"), out.path(), &[]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    let (word, reason, _) = summary(&run);
    assert_eq!(word, "FIX FIRST", "{reason}");
    let json = read_json(&out.path().join("leakgate-audit.json"));
    assert_eq!(json["audit"]["verdict"], "fix-first");
    assert_eq!(json["summary"]["complete"], false);
    assert_eq!(json["summary"]["history"]["truncated"], true);

    let out = tempfile::tempdir().expect("temp dir");
    let run = audit(origin.path(), out.path(), &["--max-file-size", "10"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert_eq!(summary(&run).0, "FIX FIRST");
    let json = read_json(&out.path().join("leakgate-audit.json"));
    assert_eq!(json["audit"]["verdict"], "fix-first");
    assert!(json["summary"]["skipped"]["too_large"].as_u64() > Some(0));
    // Said on stderr too, as scan says it; `--quiet` leaves only the summary.
    assert!(run.stderr.contains("warning:"), "{}", run.stderr);
    let quiet = audit(
        origin.path(),
        out.path(),
        &["--max-file-size", "10", "--quiet"],
    );
    assert_eq!(quiet.code, 2);
    assert_eq!(quiet.stderr, "");
    assert_eq!(summary(&quiet).0, "FIX FIRST");
}

/// One line on stderr, exit 2, nothing on stdout, no panic.
fn assert_one_line_error(run: &Run, mentions: &str) {
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.stdout, "", "{}", run.stderr);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{}", run.stderr);
    assert!(lines[0].starts_with("leakgate: error: "), "{}", run.stderr);
    assert!(lines[0].contains(mentions), "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    clean_repository(dir.path());
    let out = tempfile::tempdir().expect("temp dir");

    let missing = dir.path().join("no-such-folder");
    assert_one_line_error(
        &audit(&missing, out.path(), &[]),
        "no such file or directory",
    );
    let file = dir.path().join("README.md");
    assert_one_line_error(&audit(&file, out.path(), &[]), "not a directory");
    // An --out-dir that cannot be created (a file is in the way) fails before the scan.
    let blocked = file.join("audit");
    assert_one_line_error(&audit(dir.path(), &blocked, &[]), "--out-dir");
    assert_one_line_error(
        &audit(dir.path(), out.path(), &["--fail-on", "severe"]),
        "--fail-on",
    );
    assert_one_line_error(
        &audit(dir.path(), out.path(), &["--baseline", "missing.json"]),
        "missing.json",
    );
    // A page is never written through a symlink someone left in the output folder.
    #[cfg(unix)]
    {
        let target = dir.path().join("elsewhere.html");
        std::os::unix::fs::symlink(&target, out.path().join("leakgate-audit.html"))
            .expect("symlink");
        assert_one_line_error(&audit(dir.path(), out.path(), &[]), "leakgate-audit.html");
        assert!(!target.exists());
    }
}
