//! Precision on the false positives real third-party code showed (docs/differential.md): a
//! README's example connection string, minified code assigning one property to another, and
//! secrets in test fixtures, docs, examples and translations, which are lowered, not dropped.

use crate::common::{Tokens, git, scan_json, write};
use serde_json::Value;

fn findings(dir: &std::path::Path, extra: &[&str]) -> Vec<Value> {
    let (json, _) = scan_json(dir, extra);
    json["findings"].as_array().cloned().unwrap_or_default()
}

/// (path, line, severity, message) of each finding.
fn said(findings: &[Value]) -> Vec<(String, u64, String, String)> {
    let mut v: Vec<_> = findings
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap_or_default().to_string(),
                f["line"].as_u64().unwrap_or_default(),
                f["severity"].as_str().unwrap_or_default().to_string(),
                f["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn a_readme_example_connection_string_is_reported_low_not_critical() {
    let dir = tempfile::tempdir().unwrap();
    let line = "    redis://alice:foobared@redis.example.com:6379/0\n";
    write(dir.path(), "README.md", format!("Connect with:\n\n{line}"));
    // The same example in code: a documentation host opens nothing, wherever it is written.
    write(dir.path(), "src/cache.js", format!("// e.g.\n//{line}"));
    let found = findings(dir.path(), &["--no-git"]);
    let severities: Vec<(String, String)> = said(&found)
        .into_iter()
        .map(|(path, _, severity, _)| (path, severity))
        .collect();
    assert_eq!(
        severities,
        [
            ("README.md".to_string(), "low".to_string()),
            ("src/cache.js".to_string(), "low".to_string()),
        ]
    );
}

#[test]
fn minified_code_assigning_a_property_chain_is_not_a_bundle_secret() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "dist/index.html",
        "<script src=\"/assets/index-abc.js\"></script>\n",
    );
    write(
        dir.path(),
        "dist/assets/index-abc.js",
        "function H(t){this.secret=this.privateKey=this.key=t,this.iv=null}\
         a.password=n.passwordHash=r.hash=e;var s={secret:o.secret};\n",
    );
    let found = findings(dir.path(), &["--no-git"]);
    assert_eq!(said(&found), [], "{found:#?}");
}

#[test]
fn secrets_in_fixtures_docs_examples_and_translations_are_lowered_and_say_why() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = Tokens::new(1101);
    let password = t.base62(20);
    let url = format!("postgres://app:{password}@db.acme-corp.io:5432/app");
    for path in [
        "src/db.ts",
        "tests/fixtures/db.ts",
        "docs/setup.md",
        ".env.example",
        "locales/fr.json",
    ] {
        write(dir.path(), path, format!("const url = \"{url}\";\n"));
    }
    // A token whose checksum validates is very likely real wherever it is: not lowered.
    let pat = t.github_pat();
    write(dir.path(), "test/ci.yml", format!("token: {pat}\n"));
    let got = said(&findings(dir.path(), &["--no-git"]));
    let want = [
        (
            ".env.example",
            "medium",
            "In an example or sample: lowered from critical.",
        ),
        (
            "docs/setup.md",
            "medium",
            "In documentation: lowered from critical.",
        ),
        (
            "locales/fr.json",
            "medium",
            "In a translation file: lowered from critical.",
        ),
        ("src/db.ts", "critical", ""),
        ("test/ci.yml", "critical", ""),
        (
            "tests/fixtures/db.ts",
            "medium",
            "In a test fixture: lowered from critical.",
        ),
    ];
    let got: Vec<(&str, &str, &str)> = got
        .iter()
        .map(|(p, _, s, m)| (p.as_str(), s.as_str(), m.as_str()))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn a_secret_found_in_history_is_lowered_by_the_path_it_had() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let password = Tokens::new(1102).base62(20);
    git(d, &["init", "-q"]);
    write(
        d,
        "docs/deploy.md",
        format!("DATABASE_URL=mysql://app:{password}@db.acme-corp.io/app\n"),
    );
    write(
        d,
        "deploy.sh",
        format!("DATABASE_URL=mysql://app:{password}x@db.acme-corp.io/app\n"),
    );
    git(d, &["add", "-A"]);
    git(d, &["commit", "-q", "-m", "deploy notes"]);
    git(d, &["rm", "-q", "docs/deploy.md", "deploy.sh"]);
    git(d, &["commit", "-q", "-m", "remove"]);
    // History's own sentence ("No longer in HEAD, ...") comes first; the path's note after it.
    let got: Vec<(String, String, bool)> = said(&findings(d, &["--git-only"]))
        .into_iter()
        .map(|(p, _, s, m)| {
            (
                p,
                s,
                m.ends_with(" In documentation: lowered from critical."),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("deploy.sh".into(), "critical".into(), false),
            ("docs/deploy.md".into(), "medium".into(), true),
        ]
    );
}

#[test]
fn translated_words_are_not_secrets_wherever_the_catalogue_is() {
    let dir = tempfile::tempdir().unwrap();
    let catalogue = r#"{
  "password": "パスワードを入力してください",
  "secret": "秘密の質問に答えてください",
  "api_key": "APIキーを再生成しました",
  "token": "トークンの有効期限が切れました",
  "access_token": "访问令牌已过期请重新登录"
}
"#;
    write(dir.path(), "public/locales/ja/common.json", catalogue);
    write(dir.path(), "src/strings.json", catalogue);
    let found = findings(dir.path(), &["--no-git"]);
    assert_eq!(said(&found), [], "{found:#?}");
}
