//! Client-bundle checks, end to end: each test generates a small build (Vite- or Next-style
//! `dist/` with hashed chunks and maps) in a temporary folder and drives the real binary through
//! `leakgate bundle DIR` or `leakgate scan`. Secret rules come from a rules file written next to
//! the build (ids `fixture-*`), so the tests do not depend on which built-in rules exist; every
//! token is generated at test time from the provider's documented format.

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;
use std::time::Duration;

const RULES: &str = r#"rules:
  - id: fixture-stripe-live-secret
    name: Stripe live secret key (fixture)
    description: Rotate it in the Stripe dashboard.
    severity: high
    keywords: [sk_live_]
    regex: '(?P<secret>sk_live_[0-9A-Za-z]{24,99})'
  - id: fixture-stripe-test-secret
    name: Stripe test secret key (fixture)
    description: Rotate it in the Stripe dashboard.
    severity: medium
    keywords: [sk_test_]
    regex: '(?P<secret>sk_test_[0-9A-Za-z]{24,99})'
  - id: fixture-stripe-publishable
    name: Stripe publishable key (fixture)
    description: Public by design.
    severity: low
    publishable: true
    keywords: [pk_live_]
    regex: '(?P<secret>pk_live_[0-9A-Za-z]{24,99})'
  - id: fixture-google-api-key
    name: Google API key (fixture)
    description: Restrict or rotate it.
    severity: medium
    keywords: [AIza]
    regex: '(?P<secret>AIza[0-9A-Za-z_-]{35})'
"#;

#[path = "common/mod.rs"]
mod common;
use common::{Tokens, write};

fn leakgate() -> Command {
    let mut cmd = common::leakgate();
    cmd.timeout(Duration::from_secs(120));
    cmd
}

/// A project folder with the fixture rules wired in through `.leakgate.yml`.
fn project(extra_config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "fixture-rules.yaml", RULES);
    write(
        dir.path(),
        ".leakgate.yml",
        format!("rules_files: [fixture-rules.yaml]\n{extra_config}"),
    );
    write(
        dir.path(),
        "package.json",
        r#"{"name":"web","private":true}"#,
    );
    dir
}

/// Token shapes only the bundle tests need, on the shared seeded generator.
trait BundleTokens {
    /// Stripe keys: prefix + 24 base62 (newer ones are longer).
    fn stripe(&mut self, prefix: &str) -> String;
    /// Google browser key: `AIza` + 35 of `[0-9A-Za-z_-]`.
    fn google(&mut self) -> String;
}

impl BundleTokens for Tokens {
    fn stripe(&mut self, prefix: &str) -> String {
        format!("{prefix}{}", self.base62(24))
    }

    fn google(&mut self) -> String {
        format!("AIza{}", self.base62(35))
    }
}

/// Minified-looking filler: one long line of harmless code, `n` bytes.
fn filler(n: usize, seed: u64) -> String {
    let mut t = Tokens::new(seed);
    let mut out = String::with_capacity(n + 64);
    let mut i = 0;
    while out.len() < n {
        let name = t.base62(2).to_lowercase();
        out.push_str(&format!(
            "function {name}{i}(e,t){{return e.map(n=>n+t).filter(Boolean)}}var x{i}=\"https://cdn.acme-corp.com/img/{i}.png\";",
        ));
        i += 1;
    }
    out.truncate(n);
    out
}

fn bundle_json(dir: &Path, args: &[&str]) -> (Option<i32>, Value, String) {
    let out = leakgate()
        .current_dir(dir)
        .arg("bundle")
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (
        out.status.code(),
        json,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn scan_json(dir: &Path, args: &[&str]) -> (Option<i32>, Value) {
    let out = leakgate()
        .arg("scan")
        .arg(dir)
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code(), json)
}

/// The fixture rule, or a built-in Stripe rule that won the overlap with it.
fn is_stripe_live_rule(rule: &Value) -> bool {
    let id = rule.as_str().unwrap_or_default();
    !id.starts_with("bundle-") && id.contains("stripe")
}

fn findings(json: &Value) -> Vec<Value> {
    json["findings"].as_array().cloned().unwrap_or_default()
}

fn with_rule<'a>(findings: &'a [Value], rule: &str) -> Vec<&'a Value> {
    findings.iter().filter(|f| f["rule"] == rule).collect()
}

/// A Vite-style production build of a harmless app.
fn clean_vite_build(root: &Path) {
    write(
        root,
        "dist/index.html",
        "<!doctype html><html><head><script type=\"module\" src=\"/assets/index-DiwrgTda.js\"></script>\
         <link rel=\"stylesheet\" href=\"/assets/index-B1x9kQ2e.css\"></head><body><div id=\"app\"></div></body></html>\n",
    );
    let js = format!(
        "{}const env={{BASE_URL:\"/\",MODE:\"production\",DEV:!1,PROD:!0,SSR:!1,VITE_API_URL:\"https://api.acme-corp.com\"}};\
         const svg=\"http://www.w3.org/2000/svg\";const u=new URL(p,\"http://localhost\");\
         const T={{ELEMENT_NODE:1,ATTRIBUTE_NODE:2,TEXT_NODE:3,CDATA_SECTION_NODE:4,COMMENT_NODE:8,DOCUMENT_NODE:9}};\
         const E={{CLICK:\"click\",CHANGE:\"change\",SHOW:\"show\",HIDE:\"hide\",FOCUS:\"focus\",BLUR:\"blur\",INPUT:\"input\"}};\
         fetch(\"https://api.acme-corp.com/v1/items\");const docs=\"https://staging.example.com/\";{}",
        filler(3000, 1),
        filler(2000, 2)
    );
    write(root, "dist/assets/index-DiwrgTda.js", js);
    write(root, "dist/assets/vendor-C3kP0aZx.js", filler(4000, 3));
    write(
        root,
        "dist/assets/index-B1x9kQ2e.css",
        "body{margin:0;background:url(/assets/bg.png)}",
    );
    write(root, "dist/assets/bg.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
}

#[test]
fn a_clean_build_reports_nothing() {
    let dir = project("");
    clean_vite_build(dir.path());
    let (code, json, _) = bundle_json(dir.path(), &["dist"]);
    assert_eq!(findings(&json), Vec::<Value>::new());
    assert_eq!(code, Some(0));
    // The PNG is read too (for secrets): binary files are never skipped.
    assert_eq!(json["summary"]["files_scanned"], 5, "{json}");
    assert_eq!(json["summary"]["skipped"]["binary"], 0);
    let human = leakgate()
        .current_dir(dir.path())
        .args(["bundle", "dist"])
        .output()
        .unwrap();
    assert_eq!(human.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&human.stdout).contains("no secrets found"));
}

#[test]
fn a_secret_in_a_minified_bundle_is_critical_with_line_column_and_redacted_excerpt() {
    let dir = project("");
    let mut t = Tokens::new(7);
    let secret = t.stripe("sk_live_");
    let before = filler(200_000, 4);
    let js = format!(
        "{before}const stripe=Stripe(\"{secret}\");{}",
        filler(200_000, 5)
    );
    write(dir.path(), "dist/assets/index-DiwrgTda.js", js);
    write(dir.path(), "dist/index.html", "<html></html>");
    let (code, json, stderr) = bundle_json(dir.path(), &["dist"]);
    assert_eq!(code, Some(1), "{stderr}");
    let all = findings(&json);
    assert_eq!(all.len(), 1, "{json}");
    let f = &all[0];
    assert_eq!(f["rule"], "bundle-secret");
    assert_eq!(f["severity"], "critical");
    assert_eq!(f["path"], "dist/assets/index-DiwrgTda.js");
    assert_eq!(f["line"], 1);
    let column = before.len() + "const stripe=Stripe(\"".len() + 1;
    assert_eq!(f["column"], column);
    assert_eq!(f["preview"], "sk_live_…");
    let message = f["message"].as_str().unwrap();
    assert!(
        message.contains("Excerpt:") && message.contains("Stripe(\"sk_live_…\")"),
        "{message}"
    );
    assert!(
        message.len() < 400,
        "the excerpt is short, not the line: {message}"
    );
    let text = serde_json::to_string(&json).unwrap();
    assert!(!text.contains(&secret), "the secret leaked into the report");

    let shown = leakgate()
        .current_dir(dir.path())
        .args(["bundle", "dist", "--show-secrets", "--format", "json"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&shown.stdout).contains(&secret));
}

#[test]
fn publishable_keys_are_informational_only() {
    let dir = project("");
    let mut t = Tokens::new(8);
    let publishable = t.stripe("pk_live_");
    let google = t.google();
    write(
        dir.path(),
        "dist/assets/app-a1b2c3d4.js",
        format!(
            "const s=Stripe(\"{publishable}\");const firebase={{apiKey:\"{google}\",authDomain:\"acme.firebaseapp.com\"}};"
        ),
    );
    let (code, json, _) = bundle_json(dir.path(), &["dist"]);
    let all = findings(&json);
    assert_eq!(all.len(), 2, "{json}");
    for f in &all {
        assert_eq!(f["rule"], "bundle-secret");
        assert_eq!(f["severity"], "info");
        assert_eq!(f["publishable"], true);
    }
    assert_eq!(code, Some(0), "info findings do not fail the default gate");
    let (strict, _, _) = bundle_json(dir.path(), &["dist", "--fail-on", "info"]);
    assert_eq!(strict, Some(1));
}

#[test]
fn test_keys_and_sandbox_endpoints_in_production_output() {
    let dir = project("");
    let mut t = Tokens::new(9);
    let pk_test = t.stripe("pk_test_");
    let sk_test = t.stripe("sk_test_");
    write(
        dir.path(),
        "dist/assets/checkout-9f8e7d6c.js",
        format!(
            "var a=\"{pk_test}\";\nvar b=\"{sk_test}\";\nvar c=\"https://api-m.sandbox.paypal.com/v2/checkout\";\n"
        ),
    );
    let (code, json, _) = bundle_json(dir.path(), &["dist"]);
    assert_eq!(code, Some(1));
    let all = findings(&json);
    let tests = with_rule(&all, "bundle-test-key");
    assert_eq!(tests.len(), 3, "{json}");
    assert!(
        with_rule(&all, "bundle-secret").is_empty(),
        "sk_test_ is reported once, as a test key"
    );
    let by_line = |line: u64| tests.iter().find(|f| f["line"] == line).unwrap();
    assert_eq!(by_line(1)["severity"], "medium");
    assert_eq!(by_line(2)["severity"], "high");
    assert_eq!(by_line(3)["severity"], "medium");
    assert!(
        by_line(3)["message"]
            .as_str()
            .unwrap()
            .contains("https://api-m.sandbox.paypal.com")
    );
    assert!(!serde_json::to_string(&json).unwrap().contains(&sk_test));
}

#[test]
fn dev_endpoints_are_reported_once_per_origin() {
    let dir = project("");
    let js = format!(
        "{}fetch(\"http://localhost:3000/api/items\");fetch(\"http://localhost:3000/api/users\");\
         fetch(\"http://localhost:3000/api/x\");const ws=new WebSocket(\"ws://192.168.1.20:8080/live\");\
         const api=\"https://api.staging.acme-corp.com/v1\";const printer=\"http://printer.local/status\";\
         const prod=\"https://api.acme-corp.com/v1\";",
        filler(500, 6)
    );
    write(dir.path(), "dist/assets/index-DiwrgTda.js", js);
    let (code, json, _) = bundle_json(dir.path(), &["dist"]);
    assert_eq!(code, Some(1));
    let all = findings(&json);
    let dev = with_rule(&all, "bundle-dev-endpoint");
    let messages: Vec<&str> = dev.iter().map(|f| f["message"].as_str().unwrap()).collect();
    assert_eq!(dev.len(), 4, "{messages:#?}");
    assert!(messages[0].contains("http://localhost:3000") && messages[0].contains("2 more times"));
    assert!(messages[1].contains("ws://192.168.1.20:8080"));
    assert!(messages[2].contains("https://api.staging.acme-corp.com"));
    assert!(messages[3].contains("http://printer.local"));
    assert!(
        messages.iter().all(|m| m.contains("Excerpt:")),
        "minified line: excerpts"
    );
    assert!(
        dev.iter()
            .all(|f| f["severity"] == "medium" && f["line"] == 1)
    );
}

/// A Vite build with a published map whose embedded sources hold a secret.
fn build_with_map(root: &Path, secret: &str, dependency_secret: &str) {
    write(
        root,
        "dist/assets/index-DiwrgTda.js",
        "const a=1;console.log(a);\n//# sourceMappingURL=index-DiwrgTda.js.map\n",
    );
    let map = serde_json::json!({
        "version": 3,
        "file": "index-DiwrgTda.js",
        "sources": ["../../src/config.ts", "../../node_modules/some-lib/index.js"],
        "sourcesContent": [
            format!("// API client\nexport const api = {{\n  key: \"{secret}\",\n}};\n"),
            format!("/** example: {dependency_secret} */\nexport default 1;\n"),
        ],
        "names": [],
        "mappings": "AAAA,MAAM,CAAC"
    });
    write(root, "dist/assets/index-DiwrgTda.js.map", map.to_string());
}

#[test]
fn a_published_source_map_is_reported_and_its_sources_scanned_at_original_lines() {
    let dir = project("");
    let mut t = Tokens::new(10);
    let secret = t.stripe("sk_live_");
    let dependency_secret = t.stripe("sk_live_");
    build_with_map(dir.path(), &secret, &dependency_secret);
    let (code, json, _) = bundle_json(dir.path(), &["dist"]);
    assert_eq!(code, Some(1));
    let all = findings(&json);
    let maps = with_rule(&all, "bundle-source-map-published");
    assert_eq!(maps.len(), 1, "{json}");
    assert_eq!(maps[0]["path"], "dist/assets/index-DiwrgTda.js.map");
    assert_eq!(maps[0]["severity"], "medium");
    let message = maps[0]["message"].as_str().unwrap();
    assert!(message.contains("src/config.ts"), "{message}");
    assert!(
        message.contains("dist/assets/index-DiwrgTda.js:2:1"),
        "{message}"
    );
    let secrets = with_rule(&all, "bundle-secret");
    assert_eq!(
        secrets.len(),
        1,
        "dependencies' sources are not scanned: {json}"
    );
    assert_eq!(secrets[0]["path"], "src/config.ts");
    assert_eq!(secrets[0]["line"], 3);
    assert_eq!(secrets[0]["column"], 9);
    assert_eq!(secrets[0]["severity"], "critical");
    assert!(
        secrets[0]["message"]
            .as_str()
            .unwrap()
            .contains("dist/assets/index-DiwrgTda.js.map")
    );
}

#[test]
fn sources_of_a_map_in_a_folder_named_by_absolute_path_keep_their_leading_slash() {
    // Regression: `leakgate bundle /abs/dist` reported `abs/src/config.ts`, a path that does
    // not exist, for a secret in the map's embedded sources.
    let dir = project("");
    let mut t = Tokens::new(11);
    let secret = t.stripe("sk_live_");
    let dependency_secret = t.stripe("sk_live_");
    build_with_map(dir.path(), &secret, &dependency_secret);
    let root = std::fs::canonicalize(dir.path()).unwrap();
    let dist = root.join("dist");
    let (code, json, _) = bundle_json(dir.path(), &[dist.to_str().unwrap()]);
    assert_eq!(code, Some(1));
    let all = findings(&json);
    let secrets = with_rule(&all, "bundle-secret");
    assert_eq!(secrets.len(), 1, "{json}");
    let expected = root.join("src/config.ts");
    assert_eq!(secrets[0]["path"], expected.to_str().unwrap(), "{json}");
    assert!(
        secrets[0]["path"].as_str().unwrap().starts_with('/'),
        "{json}"
    );
}

#[test]
fn an_inline_source_map_is_published_too() {
    let dir = project("");
    let mut t = Tokens::new(11);
    let secret = t.stripe("sk_live_");
    let map = serde_json::json!({
        "version": 3,
        "sources": ["webpack://web/./src/pay.js"],
        "sourcesContent": [format!("\nconst k = '{secret}';\n")],
        "mappings": "AAAA"
    })
    .to_string();
    let encoded = base64(map.as_bytes());
    write(
        dir.path(),
        "build/static/js/main.3f2a8c1e.js",
        format!(
            "!function(){{}}();\n//# sourceMappingURL=data:application/json;charset=utf-8;base64,{encoded}\n"
        ),
    );
    write(dir.path(), "build/index.html", "<html></html>");
    let (code, json, _) = bundle_json(dir.path(), &["build"]);
    assert_eq!(code, Some(1));
    let all = findings(&json);
    let maps = with_rule(&all, "bundle-source-map-published");
    assert_eq!(maps.len(), 1, "{json}");
    assert_eq!(maps[0]["path"], "build/static/js/main.3f2a8c1e.js");
    assert_eq!(maps[0]["line"], 2);
    let secrets = with_rule(&all, "bundle-secret");
    assert_eq!(secrets.len(), 1, "{json}");
    assert_eq!(secrets[0]["path"], "src/pay.js");
    assert_eq!(secrets[0]["line"], 2);
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn a_serialised_process_env_is_an_env_dump() {
    let dir = project("");
    let password = format!("pw-{}", Tokens::new(12).base62(20));
    let js = format!(
        "{}var process={{env:{{\"PATH\":\"/usr/local/bin:/usr/bin:/bin\",\"HOME\":\"/home/runner\",\"CI\":\"true\",\
         \"npm_config_user_agent\":\"npm/10.2.0 node/v20.10.0 linux x64\",\"DB_PASSWORD\":\"{password}\",\
         \"DATABASE_HOST\":\"db.internal\",\"NODE_ENV\":\"production\",\"SESSION_KEY_NAME\":\"sid\"}}}};",
        filler(300, 13)
    );
    write(dir.path(), "dist/assets/index-DiwrgTda.js", js);
    let (code, json, _) = bundle_json(dir.path(), &["dist"]);
    assert_eq!(code, Some(1));
    let all = findings(&json);
    let dumps = with_rule(&all, "bundle-env-dump");
    assert_eq!(dumps.len(), 1, "{json}");
    assert_eq!(dumps[0]["severity"], "critical");
    let message = dumps[0]["message"].as_str().unwrap();
    assert!(
        message.contains("8 keys") && message.contains("PATH"),
        "{message}"
    );
    assert!(
        !message.contains("/usr/local/bin"),
        "no values of the variables: {message}"
    );
    assert!(!serde_json::to_string(&json).unwrap().contains(&password));
}

#[test]
fn next_server_output_is_server_only_and_cache_is_not_read() {
    let dir = project("");
    let mut t = Tokens::new(14);
    let server_secret = t.stripe("sk_live_");
    let cache_secret = t.stripe("sk_live_");
    write(
        dir.path(),
        ".next/server/app/page.js",
        format!("const db=\"http://10.0.0.5:5432\";const stripe=\"{server_secret}\";"),
    );
    write(
        dir.path(),
        ".next/server/app/page.js.map",
        r#"{"version":3,"sources":["a.ts"],"sourcesContent":["x"],"mappings":""}"#,
    );
    write(
        dir.path(),
        ".next/static/chunks/pages/index-4b5c9f1e2d.js",
        "fetch(\"http://localhost:4000/graphql\")",
    );
    write(
        dir.path(),
        ".next/cache/webpack/client/0.pack",
        &cache_secret,
    );
    for args in [&["."][..], &[".next"][..]] {
        let (code, json, _) = bundle_json(dir.path(), args);
        assert_eq!(code, Some(1));
        let all = findings(&json);
        assert_eq!(all.len(), 2, "{args:?}: {json}");
        let server = all
            .iter()
            .find(|f| f["path"] == ".next/server/app/page.js")
            .unwrap();
        assert!(
            is_stripe_live_rule(&server["rule"]),
            "server output keeps the secret rule: {server}"
        );
        assert!(server["message"].as_str().unwrap().contains("server-only"));
        let client = all
            .iter()
            .find(|f| f["path"] == ".next/static/chunks/pages/index-4b5c9f1e2d.js")
            .unwrap();
        assert_eq!(client["rule"], "bundle-dev-endpoint");
    }
}

#[test]
fn scan_still_matches_a_server_source_map_that_the_bundle_check_leaves_alone() {
    // The working-tree walk leaves build output to the bundle check, which reads each file
    // once; a server's source map gets no bundle findings, so the walk must still match it.
    let dir = project("");
    let secret = Tokens::new(16).stripe("sk_live_");
    let map = serde_json::json!({
        "version": 3,
        "sources": ["../../../src/db.ts"],
        "sourcesContent": [format!("export const key = \"{secret}\";\n")],
        "mappings": ""
    });
    write(dir.path(), ".next/server/app/page.js.map", map.to_string());
    write(dir.path(), ".next/server/app/page.js", "module.exports=1;");
    let (code, json) = scan_json(dir.path(), &["--no-git"]);
    assert_eq!(code, Some(1), "{json}");
    let all = findings(&json);
    let hits: Vec<_> = all
        .iter()
        .filter(|f| f["path"] == ".next/server/app/page.js.map")
        .collect();
    assert_eq!(hits.len(), 1, "{json}");
    assert!(is_stripe_live_rule(&hits[0]["rule"]), "{json}");
}

#[test]
fn scan_checks_gitignored_build_output_unless_told_not_to() {
    let dir = project("");
    let secret = Tokens::new(15).stripe("sk_live_");
    write(dir.path(), ".gitignore", "dist/\n");
    write(dir.path(), "src/main.ts", "export const answer = 42;\n");
    write(dir.path(), "dist/index.html", "<html></html>");
    write(
        dir.path(),
        "dist/assets/index-DiwrgTda.js",
        format!("Stripe(\"{secret}\")"),
    );
    let (code, json) = scan_json(dir.path(), &[]);
    assert_eq!(code, Some(1));
    let all = findings(&json);
    assert_eq!(all.len(), 1, "{json}");
    assert_eq!(all[0]["rule"], "bundle-secret");
    assert_eq!(all[0]["path"], "dist/assets/index-DiwrgTda.js");
    let (code, json) = scan_json(dir.path(), &["--no-bundle"]);
    assert_eq!(code, Some(0), "{json}");
    assert!(findings(&json).is_empty());
}

#[test]
fn scan_reports_a_secret_in_tracked_build_output_once() {
    let dir = project("");
    let secret = Tokens::new(16).stripe("sk_live_");
    write(dir.path(), "dist/index.html", "<html></html>");
    write(
        dir.path(),
        "dist/assets/index-DiwrgTda.js",
        format!("Stripe(\"{secret}\")"),
    );
    write(
        dir.path(),
        "src/pay.ts",
        format!("const key = \"{secret}\";\n"),
    );
    let (code, json) = scan_json(dir.path(), &[]);
    assert_eq!(code, Some(1));
    let all = findings(&json);
    let in_dist: Vec<&Value> = all
        .iter()
        .filter(|f| f["path"] == "dist/assets/index-DiwrgTda.js")
        .collect();
    assert_eq!(in_dist.len(), 1, "{json}");
    assert_eq!(in_dist[0]["rule"], "bundle-secret");
    assert_eq!(in_dist[0]["severity"], "critical");
    let in_src: Vec<&Value> = all.iter().filter(|f| f["path"] == "src/pay.ts").collect();
    assert_eq!(in_src.len(), 1);
    assert!(is_stripe_live_rule(&in_src[0]["rule"]), "{json}");
}

#[test]
fn scan_with_several_roots_still_reports_build_output_once() {
    let dir = project("");
    let secret = Tokens::new(17).stripe("sk_live_");
    write(dir.path(), "web/dist/index.html", "<html></html>");
    write(
        dir.path(),
        "web/dist/assets/app-a1b2c3d4.js",
        format!("Stripe(\"{secret}\")"),
    );
    write(dir.path(), "api/main.py", "print('ok')\n");
    let out = leakgate()
        .current_dir(dir.path())
        .args([
            "scan",
            "web",
            "api",
            "--config",
            ".leakgate.yml",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let all = findings(&json);
    assert_eq!(all.len(), 1, "{json}");
    assert_eq!(all[0]["path"], "web/dist/assets/app-a1b2c3d4.js");
    assert_eq!(all[0]["rule"], "bundle-secret");
}

#[test]
fn scan_takes_extra_bundle_dirs_from_flags_and_config() {
    let dir = project("bundle_dirs: [site/public/assets, not-built-yet]\n");
    write(
        dir.path(),
        "site/public/assets/app.js",
        "fetch('http://localhost:8080/api')",
    );
    write(
        dir.path(),
        "other/www/app.js",
        "fetch('http://127.0.0.1:9000/api')",
    );
    let out = leakgate()
        .arg("scan")
        .arg(dir.path())
        .arg("--bundle")
        .arg(dir.path().join("other/www"))
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let all = findings(&json);
    let dev = with_rule(&all, "bundle-dev-endpoint");
    let paths: Vec<&str> = dev.iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(
        paths,
        ["other/www/app.js", "site/public/assets/app.js"],
        "{json}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("not-built-yet") && stderr.contains("does not exist"),
        "{stderr}"
    );
}

#[test]
fn a_generic_dist_that_is_not_web_output_is_left_to_the_normal_scan() {
    let dir = project("");
    // A compiled Node service: no HTML, no assets, no bundles.
    write(
        dir.path(),
        "dist/index.js",
        "const db = 'http://localhost:5432/app';\n",
    );
    write(dir.path(), "dist/index.d.ts", "export {};\n");
    let (code, json) = scan_json(dir.path(), &[]);
    assert_eq!(code, Some(0), "{json}");
    // Named explicitly, the user says it is client output.
    let (code, json, _) = bundle_json(dir.path(), &["dist"]);
    assert_eq!(code, Some(1));
    assert_eq!(with_rule(&findings(&json), "bundle-dev-endpoint").len(), 1);
}

#[test]
fn scan_honours_the_config_excludes_in_build_output() {
    let dir = project("exclude: [fixtures, 'web/dist/legacy']\n");
    write(dir.path(), "fixtures/site/dist/index.html", "<html></html>");
    write(
        dir.path(),
        "fixtures/site/dist/app.js",
        "fetch('http://localhost:1/x')",
    );
    write(
        dir.path(),
        "fixtures/vendor.min.js",
        "fetch('http://localhost:2/x')",
    );
    write(dir.path(), "web/dist/index.html", "<html></html>");
    write(
        dir.path(),
        "web/dist/legacy/old.js",
        "fetch('http://localhost:3/x')",
    );
    write(
        dir.path(),
        "web/dist/app.js",
        "fetch('http://localhost:4/x')",
    );
    let (code, json) = scan_json(dir.path(), &[]);
    assert_eq!(code, Some(1));
    let all = findings(&json);
    assert_eq!(all.len(), 1, "{json}");
    assert_eq!(all[0]["path"], "web/dist/app.js");
}

#[test]
fn loose_minified_bundles_are_client_output_wherever_they_are() {
    let dir = project("");
    write(
        dir.path(),
        "static/js/app.min.js",
        "fetch(\"http://192.168.0.7:8000/api\")",
    );
    write(
        dir.path(),
        "node_modules/lib/dist/lib.min.js",
        "fetch(\"http://192.168.0.8:8000/api\")",
    );
    let (code, json) = scan_json(dir.path(), &[]);
    assert_eq!(code, Some(1));
    let all = findings(&json);
    assert_eq!(all.len(), 1, "{json}");
    assert_eq!(all[0]["path"], "static/js/app.min.js");
    assert_eq!(all[0]["rule"], "bundle-dev-endpoint");
}

#[cfg(unix)]
#[test]
fn symlinks_fifos_and_node_modules_in_build_output_are_not_read() {
    let dir = project("");
    let outside = tempfile::tempdir().unwrap();
    let secret = Tokens::new(18).stripe("sk_live_");
    write(outside.path(), "secret.js", format!("Stripe(\"{secret}\")"));
    write(dir.path(), "dist/index.html", "<html></html>");
    write(
        dir.path(),
        "dist/node_modules/x/index.js",
        format!("Stripe(\"{secret}\")"),
    );
    std::os::unix::fs::symlink(
        outside.path().join("secret.js"),
        dir.path().join("dist/linked.js"),
    )
    .unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("dist/linked-dir")).unwrap();
    let fifo = std::ffi::CString::new(dir.path().join("dist/pipe.js").to_str().unwrap()).unwrap();
    // SAFETY: mkfifo with a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
    let (code, json, _) = bundle_json(dir.path(), &["dist"]);
    assert_eq!(code, Some(0), "{json}");
    assert!(findings(&json).is_empty());
    assert_eq!(json["summary"]["skipped"]["symlink"], 2);
    assert_eq!(json["summary"]["skipped"]["special"], 1);
}

#[test]
fn bundle_accepts_the_scan_output_flags() {
    let dir = project("");
    write(
        dir.path(),
        "dist/assets/index-DiwrgTda.js",
        "fetch(\"http://localhost:3000/api\")",
    );
    // Medium finding, gate at critical: passes; SARIF written to a file; quiet.
    let out = leakgate()
        .current_dir(dir.path())
        .args([
            "bundle",
            "dist",
            "--format",
            "sarif",
            "-o",
            "report.sarif",
            "--fail-on",
            "critical",
            "-q",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty() && out.stderr.is_empty());
    let sarif: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("report.sarif")).unwrap()).unwrap();
    let run = &sarif["runs"][0];
    assert_eq!(run["results"][0]["ruleId"], "bundle-dev-endpoint");
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    for id in [
        "bundle-secret",
        "bundle-test-key",
        "bundle-dev-endpoint",
        "bundle-source-map-published",
        "bundle-env-dump",
    ] {
        assert!(rules.contains(&id), "{id} missing from {rules:?}");
    }
    let failing = leakgate()
        .current_dir(dir.path())
        .args(["bundle", "dist"])
        .output()
        .unwrap();
    assert_eq!(failing.status.code(), Some(1));
    let text = String::from_utf8_lossy(&failing.stdout);
    assert!(
        text.contains("Development endpoint in production build output"),
        "{text}"
    );
    assert!(text.contains("What to do"), "{text}");
}

#[test]
fn accepted_findings_in_leakgateignore_do_not_fail_the_check() {
    let dir = project("");
    write(
        dir.path(),
        "dist/assets/index-DiwrgTda.js",
        "fetch(\"http://localhost:3000/api\")",
    );
    let (code, json, _) = bundle_json(dir.path(), &["dist"]);
    assert_eq!(code, Some(1));
    let fingerprint = findings(&json)[0]["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    write(
        dir.path(),
        ".leakgateignore",
        format!("{fingerprint}  # local mock server\n"),
    );
    let (code, json, _) = bundle_json(dir.path(), &["dist"]);
    assert_eq!(code, Some(0), "{json}");
}

#[test]
fn a_missing_dir_is_an_error() {
    let dir = project("");
    let out = leakgate()
        .current_dir(dir.path())
        .args(["bundle", "no-such-dist"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("no-such-dist: no such file or directory"),
        "{stderr}"
    );
    let out = leakgate()
        .arg("scan")
        .arg(dir.path())
        .args(["--bundle", "/no/such/dist"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn bundle_rules_can_be_disabled_in_the_config_but_not_misspelt() {
    let dir = project("disable_rules: [bundle-source-map-published]\n");
    let mut t = Tokens::new(19);
    build_with_map(dir.path(), &t.stripe("sk_live_"), &t.stripe("sk_live_"));
    let (_, json, _) = bundle_json(dir.path(), &["dist"]);
    let all = findings(&json);
    assert!(
        with_rule(&all, "bundle-source-map-published").is_empty(),
        "{json}"
    );
    assert_eq!(with_rule(&all, "bundle-secret").len(), 1);

    let typo = project("disable_rules: [bundle-source-maps]\n");
    write(typo.path(), "dist/a.js", "1");
    let out = leakgate()
        .current_dir(typo.path())
        .args(["bundle", "dist"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bundle-source-maps"));
}

#[test]
fn a_five_megabyte_single_line_bundle_is_checked_quickly_and_exactly() {
    let dir = project("");
    let secret = Tokens::new(20).stripe("sk_live_");
    let head = filler(5 * 1024 * 1024, 21);
    let js = format!("{head};fetch(\"http://10.20.30.40:8443/x\");k=\"{secret}\";");
    write(dir.path(), "dist/assets/index-DiwrgTda.js", &js);
    let started = std::time::Instant::now();
    let (code, json, _) = bundle_json(dir.path(), &["dist"]);
    let elapsed = started.elapsed();
    assert_eq!(code, Some(1));
    let all = findings(&json);
    assert_eq!(all.len(), 2, "{json}");
    let endpoint = with_rule(&all, "bundle-dev-endpoint")[0];
    assert_eq!(endpoint["line"], 1);
    assert_eq!(endpoint["column"], head.len() + ";fetch(\"".len() + 1);
    let secret_finding = with_rule(&all, "bundle-secret")[0];
    assert_eq!(secret_finding["column"], js.len() - secret.len() - 2 + 1);
    // A generous bound (debug build, shared CI machine) that still catches quadratic work.
    assert!(elapsed < Duration::from_secs(60), "took {elapsed:?}");
}
