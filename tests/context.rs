//! Integration tests for the context grammar (`context:` rules: a provider's name next to an
//! unprefixed value, in any syntax) and multi-part credentials (`pair:`: the halves of one
//! credential reported as one finding), through the real binary. Values are generated at test
//! time in each provider's documented format; no output may show one in full.

use serde_json::Value;
use std::path::Path;

#[path = "common/mod.rs"]
mod common;
use common::{Tokens, leakgate, write};

/// Scans `dir` (no git) in JSON and returns the findings and everything printed.
fn scan(dir: &Path) -> (Vec<Value>, String) {
    let out = leakgate()
        .args(["scan", "--no-git", "--format", "json"])
        .arg(dir)
        .output()
        .expect("leakgate runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let json: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is JSON ({e}): {stdout}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let human = leakgate()
        .args(["scan", "--no-git"])
        .arg(dir)
        .output()
        .expect("leakgate runs");
    let printed = format!(
        "{stdout}{}{}{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&human.stdout),
        String::from_utf8_lossy(&human.stderr)
    );
    let findings = json["findings"].as_array().cloned().unwrap_or_default();
    (findings, printed)
}

fn rules_of(findings: &[Value]) -> Vec<&str> {
    findings
        .iter()
        .map(|f| f["rule"].as_str().unwrap_or(""))
        .collect()
}

#[test]
fn an_aws_key_pair_is_one_finding_at_the_secret_naming_the_key_id_and_its_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut t = Tokens::new(11);
    let id = t.aws_key_id();
    let secret = t.base62(40);
    write(
        dir.path(),
        "deploy/credentials",
        format!("[default]\naws_access_key_id = {id}\naws_secret_access_key = {secret}\n"),
    );
    let (findings, printed) = scan(dir.path());
    assert_eq!(rules_of(&findings), ["aws-secret-access-key"], "{printed}");
    let f = &findings[0];
    assert_eq!(f["line"], 3);
    assert_eq!(f["severity"], "critical");
    let message = f["message"].as_str().expect("the pair is explained");
    assert!(
        message.contains("AWS access key ID") && message.contains("line 2"),
        "{message}"
    );
    for value in [&id, &secret] {
        assert!(!printed.contains(value.as_str()), "a full value is printed");
    }
}

#[test]
fn halves_far_apart_or_alone_are_reported_as_before() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut t = Tokens::new(12);
    let (id, secret) = (t.aws_key_id(), t.base62(40));
    let filler = "# unrelated\n".repeat(20);
    write(
        dir.path(),
        "far.conf",
        format!("AWS_ACCESS_KEY_ID={id}\n{filler}AWS_SECRET_ACCESS_KEY={secret}\n"),
    );
    let (findings, printed) = scan(dir.path());
    let mut rules = rules_of(&findings);
    rules.sort_unstable();
    assert_eq!(
        rules,
        ["aws-access-key-id", "aws-secret-access-key"],
        "{printed}"
    );
    assert!(findings.iter().all(|f| f["message"].is_null()), "{printed}");
}

#[test]
fn an_algolia_admin_key_with_its_app_id_rises_to_critical() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut t = Tokens::new(13);
    let app = t.pick(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 10);
    let key = t.hex(32);
    write(
        dir.path(),
        "search.cfg",
        format!("ALGOLIA_APP_ID={app}\nALGOLIA_ADMIN_KEY={key}\n"),
    );
    let (findings, printed) = scan(dir.path());
    assert_eq!(rules_of(&findings), ["algolia-admin-key"], "{printed}");
    assert_eq!(findings[0]["severity"], "critical");
    write(
        dir.path(),
        "search.cfg",
        format!("ALGOLIA_ADMIN_KEY={key}\n"),
    );
    let (findings, _) = scan(dir.path());
    assert_eq!(rules_of(&findings), ["algolia-admin-key"]);
    assert_eq!(findings[0]["severity"], "high");
}

#[test]
fn an_unprefixed_key_is_found_by_its_provider_name_in_each_syntax() {
    let mut t = Tokens::new(14);
    let v = format!("{}-{}-{}", t.hex(32), t.hex(8), t.hex(8));
    for (path, text) in [
        ("mail.conf", format!("MAILGUN_API_KEY={v}\n")),
        (
            "config.yml",
            format!("mailgun:\n  domain: mg.acme.test\n  api_key: \"{v}\"\n"),
        ),
        (
            "settings.json",
            format!("{{\n  \"mailgun\": {{\n    \"apiKey\": \"{v}\"\n  }}\n}}\n"),
        ),
        ("app.toml", format!("[mailgun]\napi_key = \"{v}\"\n")),
        (
            "mail.js",
            format!("const mg = new Mailgun({{ apiKey: '{v}' }});\n"),
        ),
        ("run.sh", format!("./send --mailgun-api-key {v}\n")),
        ("app.properties", format!("mailgun.api.key={v}\n")),
    ] {
        let dir = tempfile::tempdir().expect("temp dir");
        write(dir.path(), path, &text);
        let (findings, printed) = scan(dir.path());
        assert_eq!(
            rules_of(&findings),
            ["mailgun-private-api-key"],
            "{path}: {printed}"
        );
        assert!(
            !printed.contains(&v),
            "{path}: the value is printed in full"
        );
    }
    // A placeholder or another provider's name is not a Mailgun key.
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        "mail.conf",
        format!(
            "MAILGUN_API_KEY=00000000000000000000000000000000-00000000-00000000\n\
             POSTMARK_API_KEY={v}\n"
        ),
    );
    let (findings, printed) = scan(dir.path());
    assert!(
        !rules_of(&findings).contains(&"mailgun-private-api-key"),
        "{printed}"
    );
}

#[test]
fn a_user_rule_written_with_context_and_pair_loads_checks_and_shows_its_regex() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut t = Tokens::new(16);
    let id = format!("ACX{}", t.pick(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", 12));
    let secret = t.base62(36);
    let example_id = format!("ACX{}", t.pick(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", 12));
    let example = t.base62(36);
    let rules = format!(
        "rules:\n  - id: acme-key-id\n    name: Acme key id\n    description: Rotate it.\n    \
         severity: low\n    keywords: [ACX]\n    regex: '\\b(?P<secret>ACX[A-Z]{{12}})\\b'\n    entropy: 3.0\n    \
         tags: [acme]\n    examples: ['ACME_KEY_ID={example_id}']\n    \
         negative_examples: ['ACME_KEY_ID=ACXAAAAAAAAAAAA']\n  \
         - id: acme-secret\n    name: Acme secret\n    description: Rotate it.\n    \
         severity: high\n    context:\n      names: [acme]\n      keys: [secret]\n      \
         value: '[A-Za-z0-9]{{36}}'\n    pair: {{ with: acme-key-id, within: 5, severity: critical }}\n    \
         tags: [acme]\n    examples: [\"acme:\\n  secret: {example}\"]\n    \
         negative_examples: ['ACME_SECRET=<your-secret>']\n"
    );
    write(dir.path(), "rules/acme.yaml", &rules);
    write(
        dir.path(),
        ".leakgate.yml",
        "rules_files: [rules/acme.yaml]\n",
    );
    let check = leakgate()
        .args(["rules", "check"])
        .arg(dir.path().join("rules/acme.yaml"))
        .output()
        .expect("leakgate runs");
    assert!(
        check.status.success(),
        "{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    let show = leakgate()
        .args(["rules", "show", "acme-secret", "--rules"])
        .arg(dir.path().join("rules/acme.yaml"))
        .output()
        .expect("leakgate runs");
    let shown = String::from_utf8_lossy(&show.stdout);
    assert!(
        shown.contains("built by the context grammar") && shown.contains("acme-key-id"),
        "{shown}{}",
        String::from_utf8_lossy(&show.stderr)
    );
    assert!(!shown.contains(&example), "{shown}");
    write(
        dir.path(),
        "service.yml",
        format!("acme:\n  key_id: {id}\n  secret: {secret}\n"),
    );
    let (findings, printed) = scan(dir.path());
    let mine: Vec<&Value> = findings
        .iter()
        .filter(|f| {
            f["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("service.yml"))
        })
        .collect();
    assert_eq!(mine.len(), 1, "{printed}");
    assert_eq!(mine[0]["rule"], "acme-secret");
    assert_eq!(mine[0]["severity"], "critical");
    assert!(!printed.contains(&secret) && !printed.contains(&id));
}

#[test]
fn a_pair_naming_an_unknown_rule_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        "rules/bad.yaml",
        "rules:\n  - id: acme-secret\n    name: n\n    description: Rotate it.\n    \
         severity: high\n    context:\n      names: [acme]\n      value: '[a-z]{20}'\n    \
         pair: { with: acme-nope, within: 5 }\n    tags: [acme]\n",
    );
    let out = leakgate()
        .args(["rules", "check"])
        .arg(dir.path().join("rules/bad.yaml"))
        .output()
        .expect("leakgate runs");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("pair.with names unknown rule `acme-nope`"),
        "{err}"
    );
}
