//! What the reports say and how (issue 12): previews that never give a secret away, advice with
//! repository-relative and copy-safe commands, a short "What to do", clean annotation
//! sentences, a step summary in the order to act, and SARIF that lists every rule in force and
//! never puts a history-only finding on an unrelated line of today's file.

use crate::common::{Tokens, git, leakgate, write};
use std::path::Path;

/// A PKCS#1 RSA private key in PEM armour with a random body (the rule's shape; not a key).
fn fake_rsa_pem(tokens: &mut Tokens) -> String {
    let body: Vec<String> = (0..6)
        .map(|_| {
            tokens.pick(
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
                64,
            )
        })
        .collect();
    format!(
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEow{}\n-----END RSA PRIVATE KEY-----\n",
        body.join("\n")
    )
}

fn init_repo(dir: &Path) {
    git(dir, &["init", "-q"]);
}

fn commit_all(dir: &Path, message: &str) {
    git(dir, &["add", "-A", "-f"]);
    git(dir, &["commit", "-q", "-m", message]);
}

fn json_report(dir: &Path) -> serde_json::Value {
    let out = leakgate()
        .arg("scan")
        .arg(dir)
        .args(["--format", "json"])
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).expect("JSON report")
}

fn sarif_report(dir: &Path, extra: &[&str]) -> serde_json::Value {
    let out = leakgate()
        .arg("scan")
        .arg(dir)
        .args(["--format", "sarif"])
        .args(extra)
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).expect("SARIF report")
}

/// Runs a scan as a GitHub Actions step: (stdout, stderr, step summary).
fn actions_run(dir: &Path) -> (String, String, String) {
    let files = tempfile::tempdir().unwrap();
    let summary = files.path().join("summary.md");
    let out = leakgate()
        .arg("scan")
        .arg(dir)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        std::fs::read_to_string(&summary).unwrap_or_default(),
    )
}

#[test]
fn a_pem_key_preview_names_the_key_type_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let pem = fake_rsa_pem(&mut Tokens::new(1201));
    write(dir.path(), "deploy/id_rsa", &pem);
    let json = json_report(dir.path());
    let finding = &json["findings"][0];
    assert_eq!(finding["rule"], "private-key-rsa", "{json}");
    assert_eq!(finding["preview"], "RSA private key (PEM)");
    let human = leakgate().arg("scan").arg(dir.path()).output().unwrap();
    let human = String::from_utf8_lossy(&human.stdout);
    assert!(human.contains("secret RSA private key (PEM)"), "{human}");
    let sarif = sarif_report(dir.path(), &[]);
    let result = &sarif["runs"][0]["results"][0];
    assert!(
        result["message"]["text"]
            .as_str()
            .unwrap()
            .contains("RSA private key (PEM)"),
        "{result}"
    );
    let (_, annotations, summary) = actions_run(dir.path());
    assert!(
        annotations.contains("RSA private key (PEM)"),
        "{annotations}"
    );
    assert!(summary.contains("`RSA private key (PEM)`"), "{summary}");
    for text in [
        json.to_string(),
        human.to_string(),
        sarif.to_string(),
        annotations,
        summary,
    ] {
        assert!(!text.contains("----…"), "a preview of dashes: {text}");
        assert!(!text.contains("MIIEow"), "key material shown: {text}");
    }
}

#[test]
fn a_short_password_preview_reveals_at_most_a_quarter_of_it() {
    let dir = tempfile::tempdir().unwrap();
    // Seven characters: today's four-character preview showed more than half of it.
    let password = format!("Xk9{}", Tokens::new(1202).base62(4));
    write(
        dir.path(),
        "config/db.txt",
        format!("DATABASE_URL=postgres://app:{password}@db.prod.example.com:5432/app\n"),
    );
    let json = json_report(dir.path());
    let finding = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "postgres-url-password")
        .unwrap_or_else(|| panic!("no password finding: {json}"));
    let preview = finding["preview"].as_str().unwrap();
    let shown = preview.trim_end_matches('…');
    assert!(
        shown.chars().count() <= password.len() / 4,
        "{preview:?} reveals more than a quarter of a {}-character secret",
        password.len()
    );
    assert!(password.starts_with(shown));
    let human = leakgate().arg("scan").arg(dir.path()).output().unwrap();
    let human = String::from_utf8_lossy(&human.stdout);
    assert!(!human.contains(&password[..2]), "{human}");
}

#[test]
fn a_documented_public_prefix_is_shown_and_nothing_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let key = Tokens::new(1203).stripe_live();
    write(dir.path(), "billing.py", format!("KEY = \"{key}\"\n"));
    let json = json_report(dir.path());
    assert_eq!(json["findings"][0]["preview"], "sk_live_…", "{json}");
}

/// The command suggested for a committed env file: named from the repository's top although
/// the scan path was absolute, and one shell word for a hostile name, so running the advice as
/// pasted untracks that file and does nothing else.
#[test]
fn advice_for_a_committed_env_file_is_repository_relative_and_safe_to_paste() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    init_repo(root);
    let hostile = "$(touch pwned) x;`touch pwned2`.env";
    write(
        root,
        "apps/web/.env.production",
        "DEBUG=false\nAPI_URL=https://api.example.com\n",
    );
    write(root, hostile, "DEBUG=false\n");
    commit_all(root, "add env files");
    let json = json_report(root);
    let messages: Vec<String> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "env-committed-real-file")
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(messages.len(), 2, "{json}");
    let absolute = root.to_string_lossy().into_owned();
    for message in &messages {
        assert!(
            !message.contains(&absolute),
            "absolute path in advice: {message}"
        );
    }
    let plain = messages
        .iter()
        .find(|m| m.contains(".env.production"))
        .unwrap();
    assert!(
        plain.contains("`git rm --cached apps/web/.env.production`"),
        "{plain}"
    );
    // Run each suggested command exactly as pasted, at the top of the repository.
    for message in &messages {
        let start = message.find("`git rm").unwrap() + 1;
        let end = start + message[start..].find("` ").unwrap();
        let command = &message[start..end];
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(command)
            .current_dir(root)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env_remove("GIT_DIR")
            .env_remove("GIT_INDEX_FILE")
            .env_remove("GIT_WORK_TREE")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{command}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert!(!root.join("pwned").exists() && !root.join("pwned2").exists());
    let tracked = git(root, &["ls-files"]);
    assert!(tracked.is_empty(), "still tracked: {tracked}");
    assert!(root.join(hostile).exists(), "the file itself stays on disk");
}

/// A realistic repository with many findings: "What to do" is a few lines, one per action.
#[test]
fn what_to_do_is_one_short_line_per_action() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    init_repo(root);
    let mut tokens = Tokens::new(1204);
    for i in 0..6 {
        write(
            root,
            &format!("services/s{i}.py"),
            format!(
                "GH = \"{}\"\nAWS = \"{}\"\nSTRIPE = \"{}\"\n",
                tokens.github_pat(),
                tokens.aws_key_id(),
                tokens.stripe_live()
            ),
        );
    }
    write(root, "deploy/id_rsa", fake_rsa_pem(&mut tokens));
    write(
        root,
        ".env.production",
        format!("STRIPE_KEY={}\n", tokens.stripe_test()),
    );
    write(
        root,
        ".env.staging",
        format!("STRIPE_KEY={}\n", tokens.stripe_live()),
    );
    commit_all(root, "everything");
    let out = leakgate().arg("scan").arg(root).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    let block: Vec<&str> = text
        .lines()
        .skip_while(|l| *l != "What to do")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect();
    assert!(!block.is_empty(), "{text}");
    assert!(
        block.len() <= 5,
        "What to do runs to {} lines:\n{text}",
        block.len()
    );
    let rotate = block
        .iter()
        .find(|l| l.trim_start().starts_with("Rotate: "))
        .unwrap();
    // Each distinct secret once, at most four rule names: the five secret rules (the env
    // checks' verdicts on the two Stripe keys are folded into their findings).
    assert!(rotate.contains("Rotate: 21 credentials ("), "{rotate}");
    assert!(rotate.contains(" and 1 more)"), "{rotate}");
    assert!(
        block
            .iter()
            .any(|l| l.contains("Remove from git: ") && l.contains(".env.production")),
        "{text}"
    );
    assert!(block.iter().any(|l| l.contains("--format json")), "{text}");
}

/// Annotations read as sentences (no "git.. Rotate"), and the step summary lists the most
/// severe first with no empty code span where a finding has no secret.
#[test]
fn annotations_are_clean_sentences_and_the_summary_is_sorted_by_severity() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    init_repo(root);
    let mut tokens = Tokens::new(1205);
    // Low first by path: a committed env file with nothing secret in it.
    write(root, "a/.env.development", "DEBUG=true\n");
    write(
        root,
        "z/app.py",
        format!("KEY = \"{}\"\n", tokens.github_pat()),
    );
    commit_all(root, "add");
    let (_, stderr, summary) = actions_run(root);
    let annotations: Vec<&str> = stderr.lines().filter(|l| l.starts_with("::")).collect();
    assert!(annotations.len() >= 2, "{stderr}");
    for line in &annotations {
        let message = line.split("::").nth(2).unwrap_or_default();
        assert!(!message.contains(".."), "double period: {line}");
        assert!(!message.contains(". ."), "empty sentence: {line}");
    }
    let env_note = annotations
        .iter()
        .find(|l| l.contains("env-committed-real-file"))
        .unwrap();
    assert!(
        !env_note.contains("Rotate it"),
        "nothing to rotate: {env_note}"
    );
    let rows: Vec<&str> = summary
        .lines()
        .filter(|l| l.starts_with("| "))
        .skip(1)
        .collect();
    assert!(rows.len() >= 2, "{summary}");
    let rank = |row: &str| {
        ["critical", "high", "medium", "low", "info"]
            .iter()
            .position(|s| row.starts_with(&format!("| {s} |")))
            .unwrap_or_else(|| panic!("no severity in {row}"))
    };
    let ranks: Vec<usize> = rows.iter().map(|r| rank(r)).collect();
    let mut sorted = ranks.clone();
    sorted.sort();
    assert_eq!(ranks, sorted, "not most severe first:\n{summary}");
    assert!(rows[0].contains("z/app.py"), "{summary}");
    assert!(!summary.contains("``"), "empty code span:\n{summary}");
}

fn rule_ids(sarif: &serde_json::Value) -> Vec<String> {
    sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

/// Every rule in force is listed, fired or not (secret rules, env checks, bundle checks), minus
/// the disabled ones; results point at their rule by index.
#[test]
fn sarif_lists_every_rule_in_force_and_results_reference_them_by_index() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "app.py",
        format!("K = \"{}\"\n", Tokens::new(1206).github_pat()),
    );
    write(
        dir.path(),
        ".leakgate.yml",
        "disable_rules: [env-drift, bundle-env-dump, aws-access-key-id]\n",
    );
    let sarif = sarif_report(dir.path(), &[]);
    let ids = rule_ids(&sarif);
    for id in [
        "github-pat-classic",
        "env-committed-real-file",
        "env-secret-in-template",
        "bundle-secret",
        "bundle-source-map-published",
    ] {
        assert!(ids.iter().any(|i| i == id), "{id} missing from the rules");
    }
    for off in ["env-drift", "bundle-env-dump", "aws-access-key-id"] {
        assert!(!ids.iter().any(|i| i == off), "disabled {off} listed");
    }
    let unique: std::collections::HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "a rule listed twice");
    for result in sarif["runs"][0]["results"].as_array().unwrap() {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(ids[index], result["ruleId"].as_str().unwrap());
    }
    // Steps that do not run have no rules in force.
    let without = rule_ids(&sarif_report(dir.path(), &["--no-env", "--no-bundle"]));
    assert!(
        !without
            .iter()
            .any(|i| i.starts_with("env-") || i.starts_with("bundle-"))
    );
}

/// A secret that exists only in an old commit is located at its commit and blob, with no
/// region in today's file of the same path (which holds unrelated code); a secret in HEAD keeps
/// its region. GitHub annotations do the same. The SARIF passes the Multitool with GitHub's
/// rules.
#[test]
fn a_history_only_finding_is_located_at_its_commit_and_blob_not_on_head_lines() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    init_repo(root);
    let mut tokens = Tokens::new(1207);
    let old = tokens.stripe_live();
    write(
        root,
        "app/settings.py",
        format!("A = 1\nB = 2\nKEY = \"{old}\"\n"),
    );
    commit_all(root, "add settings");
    let introduced = git(root, &["rev-parse", "HEAD"]);
    let blob = git(root, &["rev-parse", "HEAD:app/settings.py"]);
    // HEAD's file of the same path: unrelated, innocent code on the same lines.
    write(
        root,
        "app/settings.py",
        "DEBUG = False\nTIMEOUT = 30\nNAME = \"shop\"\n",
    );
    let current = tokens.github_pat();
    write(root, "app/token.py", format!("T = \"{current}\"\n"));
    commit_all(root, "remove the key, add a token");
    let out_dir = tempfile::tempdir().unwrap();
    let path = out_dir.path().join("leakgate.sarif");
    leakgate()
        .arg("scan")
        .arg(root)
        .args(["--format", "sarif", "--output"])
        .arg(&path)
        .assert()
        .code(1);
    let sarif: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let history = results
        .iter()
        .find(|r| r["ruleId"] == "stripe-secret-key-live")
        .unwrap_or_else(|| panic!("no history finding: {sarif}"));
    let physical = &history["locations"][0]["physicalLocation"];
    assert_eq!(physical["artifactLocation"]["uri"], "app/settings.py");
    assert!(
        physical.get("region").is_none(),
        "HEAD region on innocent code: {physical}"
    );
    assert_eq!(history["properties"]["commit"]["id"], introduced.as_str());
    assert_eq!(history["properties"]["blob"], blob.as_str());
    let message = history["message"]["text"].as_str().unwrap();
    assert!(
        message.contains(&format!("commit {}", &introduced[..12]))
            && message.contains(&format!("blob {}", &blob[..12])),
        "{message}"
    );
    let head = results
        .iter()
        .find(|r| r["ruleId"] == "github-pat-classic")
        .unwrap_or_else(|| panic!("no HEAD finding: {sarif}"));
    let region = &head["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 1, "{head}");
    assert_eq!(region["startColumn"], 6, "{head}");
    // Annotations: on the file for the history-only finding, on the line for the other.
    let (_, stderr, _) = actions_run(root);
    let old_note = stderr
        .lines()
        .find(|l| l.contains("stripe-secret-key-live"))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(
        old_note.starts_with("::error file=app/settings.py,title="),
        "{old_note}"
    );
    let new_note = stderr
        .lines()
        .find(|l| l.contains("github-pat-classic"))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(new_note.contains("file=app/token.py,line=1,"), "{new_note}");
    for text in [sarif.to_string(), stderr] {
        assert!(!text.contains(&old) && !text.contains(&current));
    }
    if let Some(tool) = crate::common::sarif_multitool() {
        crate::common::assert_valid_sarif(&tool, &path);
    }
}
