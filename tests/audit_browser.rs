//! The release audit page in a real browser: `leakgate audit` on the startup fixture
//! (`common/release.rs`), rendered by Debian's Chromium driven by playwright-core
//! (`tests/browser/audit.js`), with JavaScript on and off, in a dark colour scheme and for
//! print. What the reader sees must be what the audit's JSON says (the verdict, the risks in rank
//! order, every env matrix cell), the page must ask for nothing but itself (no request, no
//! console or page error), hold no planted secret, and keep its text readable (contrast).
//! Screenshots go to `target/audit-screenshot*.png` for review (the README's `docs/audit.png`
//! is one of them).
//!
//! Needs `LEAKGATE_PLAYWRIGHT` (the playwright-core folder) and `LEAKGATE_CHROMIUM` (the
//! browser), which `.ci/run` installs and sets. Without them the test says it did not run (in CI
//! that is a failure); with either set, anything missing is a failure.

#[path = "common/mod.rs"]
mod common;
#[path = "common/release.rs"]
mod release;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The browser and its driver, or `None` (said on stderr) when the environment names neither.
fn browser() -> Option<(PathBuf, PathBuf)> {
    let playwright = std::env::var_os("LEAKGATE_PLAYWRIGHT");
    let chromium = std::env::var_os("LEAKGATE_CHROMIUM");
    if playwright.is_none() && chromium.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must set LEAKGATE_PLAYWRIGHT and LEAKGATE_CHROMIUM (see .ci/run)"
        );
        eprintln!(
            "LEAKGATE_PLAYWRIGHT and LEAKGATE_CHROMIUM not set: the audit page was not rendered \
             in a browser"
        );
        return None;
    }
    let playwright = PathBuf::from(
        playwright.expect("LEAKGATE_CHROMIUM is set, so LEAKGATE_PLAYWRIGHT must be too"),
    );
    let chromium = PathBuf::from(
        chromium.expect("LEAKGATE_PLAYWRIGHT is set, so LEAKGATE_CHROMIUM must be too"),
    );
    assert!(
        playwright.join("package.json").is_file(),
        "LEAKGATE_PLAYWRIGHT={} is not a playwright-core folder",
        playwright.display()
    );
    assert!(
        chromium.is_file(),
        "LEAKGATE_CHROMIUM={} does not exist",
        chromium.display()
    );
    Some((playwright, chromium))
}

/// `target/`, where the screenshots are kept for review.
fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR is target/tmp")
        .to_path_buf()
}

/// Whitespace folded, as a browser's text content is compared.
fn folded(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn str_of<'a>(value: &'a Value, what: &str) -> &'a str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("{what} is not a string: {value}"))
}

/// The landmarks the page is built around, without what may differ between renders
/// (visibility, and text a script may add).
fn structure(landmarks: &Value) -> Value {
    let mut structure = landmarks.clone();
    let object = structure.as_object_mut().expect("landmarks are an object");
    object.remove("bodyText");
    for key in ["sections", "risks"] {
        if let Some(items) = object.get_mut(key).and_then(Value::as_array_mut) {
            for item in items {
                item.as_object_mut().expect("an object").remove("visible");
            }
        }
    }
    object
        .get_mut("verdict")
        .and_then(Value::as_object_mut)
        .expect("verdict")
        .remove("visible");
    structure
}

#[test]
fn the_audit_page_shows_the_audit_in_chromium_without_network_or_errors() {
    let Some((playwright, chromium)) = browser() else {
        return;
    };
    let fixture = release::startup();
    let out_dir = tempfile::tempdir().expect("temp dir");
    let audit = common::leakgate()
        .timeout(Duration::from_secs(120))
        .arg("audit")
        .arg(fixture.path())
        .arg("--out-dir")
        .arg(out_dir.path())
        .output()
        .expect("leakgate runs");
    assert_eq!(
        audit.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&audit.stderr)
    );
    let page = out_dir.path().join("leakgate-audit.html");
    let json: Value = serde_json::from_slice(
        &std::fs::read(out_dir.path().join("leakgate-audit.json")).expect("the audit JSON"),
    )
    .expect("JSON");

    let shots = target_dir();
    // Kept beside the screenshots for review (it holds only the fixture's redacted tokens).
    std::fs::copy(&page, shots.join("leakgate-audit.html")).expect("copy the page to target/");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/audit.js");
    let rendered = assert_cmd::Command::new("node")
        .timeout(Duration::from_secs(300))
        .arg(&script)
        .arg(&page)
        .arg(&shots)
        .env("LEAKGATE_PLAYWRIGHT", &playwright)
        .env("LEAKGATE_CHROMIUM", &chromium)
        .output()
        .expect("node runs (it comes with the npm that installed playwright-core)");
    assert!(
        rendered.status.success(),
        "the browser script failed: {}",
        String::from_utf8_lossy(&rendered.stderr)
    );
    let result: Value = serde_json::from_slice(&rendered.stdout).unwrap_or_else(|e| {
        panic!(
            "the browser script printed no JSON ({e}): {}",
            String::from_utf8_lossy(&rendered.stderr)
        )
    });
    let url = str_of(&result["url"], "url");
    let renders = result["renders"].as_object().expect("renders");
    assert_eq!(renders.len(), 4, "{result:#}");

    // Every render: the page alone, nothing failing, nothing secret, readable.
    for (name, render) in renders {
        assert_eq!(
            render["requests"],
            serde_json::json!([url]),
            "{name}: {render:#}"
        );
        assert_eq!(render["failed"], serde_json::json!([]), "{name}");
        assert_eq!(render["consoleErrors"], serde_json::json!([]), "{name}");
        assert_eq!(render["pageErrors"], serde_json::json!([]), "{name}");
        let contrast = render["contrast"]["ratio"].as_f64().expect("contrast");
        assert!(
            contrast >= 4.5,
            "{name}: text below WCAG AA contrast (4.5:1): {}",
            render["contrast"]
        );
        let text = str_of(&render["landmarks"]["bodyText"], "body text");
        release::assert_no_secret(&fixture, &format!("{name} render"), text.as_bytes());
    }

    let script_on = &renders["script"]["landmarks"];
    // Complete without JavaScript: the same landmarks, the same data.
    assert_eq!(
        structure(&renders["noscript"]["landmarks"]),
        structure(script_on),
        "the page differs without JavaScript"
    );
    assert_eq!(
        structure(&renders["dark"]["landmarks"]),
        structure(script_on)
    );

    // The document.
    assert_eq!(script_on["lang"], "en");
    assert_eq!(script_on["charset"], "UTF-8");
    assert!(
        str_of(&script_on["title"], "title").starts_with("leakgate audit: "),
        "{}",
        script_on["title"]
    );
    assert_eq!(
        script_on["csp"],
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
    );
    assert_eq!(
        (script_on["h1"].as_u64(), script_on["main"].as_u64()),
        (Some(1), Some(1))
    );
    assert!(
        script_on["scripts"]
            .as_array()
            .expect("scripts")
            .iter()
            .all(|s| s["src"].is_null()),
        "every script is inline: {}",
        script_on["scripts"]
    );
    assert_eq!(
        script_on["external"],
        serde_json::json!([]),
        "nothing is loaded from elsewhere"
    );

    // The parts, in order, each a section labelled by its own h2.
    let sections = script_on["sections"].as_array().expect("sections");
    let ids: Vec<&str> = sections.iter().map(|s| str_of(&s["id"], "id")).collect();
    assert_eq!(
        ids,
        [
            "verdict", "risks", "env", "timeline", "bundles", "coverage", "handover"
        ]
    );
    for section in sections {
        let id = str_of(&section["id"], "id");
        assert_eq!(section["labelledby"], format!("{id}-h"), "{section}");
        assert_eq!(section["heading"]["tag"], "h2", "{section}");
        assert_eq!(section["heading"]["inside"], true, "{section}");
        assert!(!str_of(&section["heading"]["text"], "heading").is_empty());
    }

    // The verdict, as the JSON has it.
    let verdict = &script_on["verdict"];
    assert_eq!(verdict["state"], json["audit"]["verdict"]);
    assert_eq!(verdict["state"], "fix-first");
    assert_eq!(verdict["word"], "FIX FIRST");
    assert_eq!(
        str_of(&verdict["reason"], "reason"),
        folded(str_of(&json["audit"]["reason"], "JSON reason"))
    );

    // The risks: every row in the JSON's rank order, with its standing.
    let risks = json["audit"]["risks"].as_array().expect("audit.risks");
    let rows = script_on["risks"].as_array().expect("a risk table");
    assert!(
        script_on["riskHeaders"]
            .as_array()
            .is_some_and(|h| !h.is_empty() && h.iter().all(|s| s == "col")),
        "{}",
        script_on["riskHeaders"]
    );
    assert_eq!(rows.len(), risks.len(), "{rows:#?}");
    for (n, (row, risk)) in rows.iter().zip(risks).enumerate() {
        assert_eq!(row["rank"], (n + 1).to_string(), "{row}");
        assert_eq!(row["rank"], risk["rank"].to_string(), "{row} {risk}");
        assert_eq!(row["rule"], risk["rule"], "{row} {risk}");
        assert_eq!(row["fingerprint"], risk["fingerprint"], "{row} {risk}");
        assert_eq!(row["severity"], risk["severity"], "{row} {risk}");
        assert_eq!(row["inHead"], risk["in_head"].to_string(), "{row} {risk}");
        assert_eq!(
            row["inBundle"],
            risk["in_bundle"].to_string(),
            "{row} {risk}"
        );
    }
    // The fixture's own ranking: the key compiled into the client bundle first, the token that
    // is only in history after everything still in HEAD.
    let first = &rows[0];
    assert_eq!(
        (&first["rule"], &first["inBundle"], &first["severity"]),
        (
            &Value::from("bundle-secret"),
            &Value::from("true"),
            &Value::from("critical")
        )
    );
    let github_rank = rows
        .iter()
        .position(|r| r["rule"] == "github-pat-classic")
        .expect("the token removed from history is a risk");
    let github_row = &rows[github_rank];
    assert_eq!(
        (&github_row["inHead"], &github_row["inBundle"]),
        (&Value::from("false"), &Value::from("false"))
    );
    let last_in_head = rows
        .iter()
        .rposition(|r| r["inHead"] == "true")
        .expect("risks in HEAD");
    assert!(last_in_head < github_rank, "{rows:#?}");

    // The env matrix: every cell as the inventory has it, its state in words too.
    let matrices = script_on["matrices"].as_array().expect("matrices");
    let inventory = json["inventory"]["env"].as_array().expect("inventory.env");
    assert_eq!(matrices.len(), inventory.len());
    for (table, matrix) in matrices.iter().zip(inventory) {
        assert_eq!(table["dir"], matrix["dir"]);
        let envs: Vec<&Value> = matrix["environments"]
            .as_array()
            .expect("environments")
            .iter()
            .map(|e| &e["environment"])
            .collect();
        let columns: Vec<&Value> = table["columns"]
            .as_array()
            .expect("columns")
            .iter()
            .map(|c| &c["env"])
            .collect();
        assert_eq!(columns, envs);
        assert!(
            table["columns"]
                .as_array()
                .expect("columns")
                .iter()
                .all(|c| c["scope"] == "col")
        );
        let variables = matrix["variables"].as_array().expect("variables");
        let rows = table["rows"].as_array().expect("rows");
        assert_eq!(rows.len(), variables.len());
        for (row, variable) in rows.iter().zip(variables) {
            assert_eq!(row["name"], variable["name"]);
            assert_eq!(row["header"]["scope"], "row");
            assert_eq!(row["header"]["text"], variable["name"]);
            let cells = row["cells"].as_array().expect("cells");
            let want = variable["cells"].as_array().expect("cells");
            assert_eq!(cells.len(), want.len(), "{row}");
            for ((cell, want), env) in cells.iter().zip(want).zip(&envs) {
                assert_eq!(&&cell["env"], env, "{row}");
                assert_eq!(cell["state"], want["state"], "{row}");
                let checks: Vec<&str> = want["checks"]
                    .as_array()
                    .expect("checks")
                    .iter()
                    .map(|c| str_of(c, "check"))
                    .collect();
                assert_eq!(cell["checks"], checks.join(" "), "{row}");
                assert!(
                    !str_of(&cell["text"], "cell text").is_empty(),
                    "a cell says its state in words: {row}"
                );
            }
        }
    }
    let cell = |name: &str, env: &str| -> Value {
        matrices
            .iter()
            .flat_map(|t| t["rows"].as_array().expect("rows"))
            .filter(|r| r["name"] == name)
            .flat_map(|r| r["cells"].as_array().expect("cells"))
            .find(|c| c["env"] == env)
            .unwrap_or_else(|| panic!("no {name} cell for {env}: {matrices:#?}"))
            .clone()
    };
    let shared = cell("DATABASE_URL", "production");
    assert_eq!(shared["state"], "shared-value", "{shared}");
    assert!(
        str_of(&shared["checks"], "checks")
            .split(' ')
            .any(|c| c == "env-shared-secret")
    );
    assert_eq!(cell("STRIPE_SECRET_KEY", "production")["state"], "test-key");

    // The timeline: an accessible SVG, the secret that left history among its marks, and the
    // same data as a table.
    let timeline = &script_on["timeline"];
    assert_eq!(timeline["role"], "img");
    assert_eq!(timeline["labelledby"], "timeline-title");
    assert!(!str_of(&timeline["title"], "timeline title").is_empty());
    assert_eq!(timeline["tableAfter"], true);
    let github = &github_row["fingerprint"];
    assert!(
        timeline["secrets"]
            .as_array()
            .expect("marks")
            .contains(github),
        "{timeline}"
    );

    // What ships to browsers names the build folder; the handover lists each credential.
    assert!(
        str_of(&script_on["bundles"], "bundles").contains("dist"),
        "{}",
        script_on["bundles"]
    );
    let handover = script_on["handover"]["items"]
        .as_array()
        .expect("handover list");
    let fingerprints: Vec<&Value> = risks.iter().map(|r| &r["fingerprint"]).collect();
    assert!(!handover.is_empty());
    for item in handover {
        assert!(fingerprints.contains(&item), "{item} is not a risk");
    }
    for wanted in [&first["fingerprint"], github] {
        assert!(handover.contains(wanted), "{wanted} is not handed over");
    }

    // Printed: every part and every risk is on paper.
    let print = &renders["print"];
    assert!(
        print["pdfBytes"].as_u64().is_some_and(|n| n > 1000),
        "{print}"
    );
    let printed = &print["landmarks"];
    assert!(
        printed["sections"]
            .as_array()
            .expect("sections")
            .iter()
            .all(|s| s["visible"] == true),
        "{}",
        printed["sections"]
    );
    assert!(
        printed["risks"]
            .as_array()
            .expect("risks")
            .iter()
            .all(|r| r["visible"] == true),
        "{}",
        printed["risks"]
    );

    let screenshot = shots.join("audit-screenshot.png");
    let png = std::fs::read(&screenshot).expect("the screenshot");
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n"),
        "{}",
        screenshot.display()
    );
    eprintln!("screenshot: {}", screenshot.display());
}
