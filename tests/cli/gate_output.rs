//! Nothing leaks on the way out: repository text (commit messages, file names) is redacted and
//! cannot forge workflow commands; `redact` holds keys whole and ignores the repository's
//! config; `--show-secrets` never reaches annotations or the step summary; rule files cannot
//! send escape sequences; errors describe bad values instead of echoing them. Every test drives
//! the real binary with hostile input.

use crate::common::{Tokens, git, leakgate, write};
use std::path::Path;

/// Everything one run under GitHub Actions wrote: stdout, stderr, the step summary and the
/// report file (when `--output` was given).
struct ActionsRun {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    summary: String,
    report: String,
}

impl ActionsRun {
    fn all(&self) -> [&str; 4] {
        [&self.stdout, &self.stderr, &self.summary, &self.report]
    }
}

fn run_in_actions(dir: &Path, args: &[&str], output: bool) -> ActionsRun {
    let files = tempfile::tempdir().unwrap();
    let summary = files.path().join("summary.md");
    let report = files.path().join("report.out");
    let mut cmd = leakgate();
    cmd.current_dir(dir)
        .arg("scan")
        .arg(".")
        .args(args)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env_remove("GITHUB_OUTPUT");
    if output {
        cmd.arg("--output").arg(&report);
    }
    let out = cmd.output().unwrap();
    ActionsRun {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        summary: std::fs::read_to_string(&summary).unwrap_or_default(),
        report: std::fs::read_to_string(&report).unwrap_or_default(),
    }
}

#[test]
fn a_token_in_a_commit_message_or_file_name_never_reaches_any_output() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = Tokens::new(1001);
    let in_file = t.github_pat();
    let in_message = t.github_pat();
    let in_name = t.github_pat();
    let in_author = t.stripe_live();
    git(dir.path(), &["init", "-q"]);
    write(dir.path(), "deploy.sh", format!("export GH={in_file}\n"));
    write(
        dir.path(),
        &format!("keys/{in_name}.txt"),
        format!("token={}\n", t.github_pat()),
    );
    git(dir.path(), &["add", "."]);
    git(
        dir.path(),
        &[
            "-c",
            &format!("user.name=ci {in_author}"),
            "commit",
            "-qm",
            &format!("add deploy script with {in_message} for now"),
        ],
    );
    let mut runs = Vec::new();
    for format in ["human", "json", "sarif"] {
        runs.push(run_in_actions(dir.path(), &["--format", format], false));
        runs.push(run_in_actions(dir.path(), &["--format", format], true));
    }
    let human = &runs[0];
    assert_eq!(human.code, Some(1), "{}", human.stderr);
    assert!(
        human.stdout.contains("introduced in")
            && human.stdout.contains("add deploy script with ghp_…"),
        "the commit summary is shown, redacted: {}",
        human.stdout
    );
    assert!(human.stdout.contains("keys/ghp_…"), "{}", human.stdout);
    assert!(human.stderr.contains("::error file="), "{}", human.stderr);
    assert!(
        human.summary.contains("add deploy script with ghp_…"),
        "{}",
        human.summary
    );
    for run in &runs {
        for text in run.all() {
            for secret in [&in_file, &in_message, &in_name, &in_author] {
                assert!(!text.contains(secret.as_str()), "a secret leaked: {text}");
            }
        }
    }
    // The JSON report still says which commit it was and who made it.
    let json: serde_json::Value = serde_json::from_str(&runs[3].report).unwrap();
    let text = json.to_string();
    assert!(text.contains("add deploy script with ghp_…"), "{text}");
    assert!(text.contains("ci sk_live_…"), "{text}");
}

#[test]
fn file_names_cannot_forge_workflow_commands_or_terminal_sequences() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = Tokens::new(1002);
    let names = [
        "::error title=Forged::owned.txt",
        "::stop-commands::x",
        "::add-mask::y",
        "a\rb::error::cr.txt",
        "esc\u{1b}[31mred\u{1b}]0;title\u{7}.txt",
        "line\nbreak::warning::z",
    ];
    for name in names {
        write(dir.path(), name, format!("GH={}\n", t.github_pat()));
    }
    let run = run_in_actions(dir.path(), &["--no-git"], false);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    // The human report is wrapped in stop-commands with a fresh token, resumed at its end.
    let lines: Vec<&str> = run.stdout.lines().collect();
    let token = lines[0]
        .strip_prefix("::stop-commands::")
        .unwrap_or_else(|| panic!("the report starts by stopping commands: {}", run.stdout));
    assert!(token.len() >= 32, "{token}");
    let resume = format!("::{token}::");
    let end = lines
        .iter()
        .position(|l| *l == resume)
        .unwrap_or_else(|| panic!("commands are resumed: {}", run.stdout));
    assert!(
        lines[end + 1..]
            .iter()
            .all(|l| !l.trim_start().starts_with("::")),
        "{}",
        run.stdout
    );
    // Inside, no raw control character reaches the log.
    assert!(!run.stdout.contains('\u{1b}') && !run.stdout.contains('\r'));
    // Every annotation is one of ours, with the path escaped as a property.
    for line in run
        .stderr
        .lines()
        .filter(|l| l.trim_start().starts_with("::"))
    {
        assert!(
            line.starts_with("::error file=") || line.starts_with("::warning title=leakgate"),
            "forged workflow command: {line}"
        );
        let file = line
            .strip_prefix("::error file=")
            .and_then(|rest| rest.split(",line=").next())
            .unwrap_or("");
        assert!(!file.contains(':') && !file.contains(','), "{line}");
    }
    assert!(!run.stderr.contains('\r') && !run.stderr.contains('\u{1b}'));
    assert_eq!(run.stderr.matches("::error file=").count(), names.len());
    assert!(
        run.stderr
            .contains("%3A%3Aerror title=Forged%3A%3Aowned.txt")
    );
    // The step summary: no bare CR, no escape sequence, one table row per finding.
    assert!(!run.summary.contains('\r') && !run.summary.contains('\u{1b}'));
    assert_eq!(run.summary.matches("| critical |").count(), names.len());
}

#[test]
fn show_secrets_never_reaches_annotations_the_summary_or_the_log_copy() {
    let dir = tempfile::tempdir().unwrap();
    let token = Tokens::new(1003).github_pat();
    write(dir.path(), "app.env", format!("GH={token}\n"));
    let run = run_in_actions(
        dir.path(),
        &["--no-git", "--show-secrets", "--format", "sarif"],
        true,
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.report.contains(&token),
        "the report file holds what was asked for"
    );
    for text in [&run.stdout, &run.stderr, &run.summary] {
        assert!(!text.contains(&token), "secret in Actions output: {text}");
    }
    assert!(run.stderr.contains(" ghp_… (critical)"), "{}", run.stderr);
    assert!(run.summary.contains("`ghp_…`"), "{}", run.summary);
    // Human report on stdout: the report itself shows it; the annotations still do not.
    let run = run_in_actions(dir.path(), &["--no-git", "--show-secrets"], false);
    assert!(run.stdout.contains(&token));
    assert!(!run.stderr.contains(&token) && !run.summary.contains(&token));
}

#[test]
fn rule_files_cannot_send_escape_sequences_to_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "rules.yml",
        "rules:\n  - id: evil-rule\n    name: \"Evil \\e[31mred\\e[0m \\e]0;zzhijack\\a rule\"\n    \
         description: \"Rotate it.\\e[2J\\e[H\\r::error::forged\\x9b31m\"\n    severity: high\n    \
         keywords: [evil_]\n    regex: '(?P<secret>evil_[a-z0-9]{12})'\n    tags: [\"t\\e[1m\"]\n    \
         examples: ['evil_abcdef123456']\n",
    );
    write(dir.path(), ".leakgate.yml", "rules_files: [rules.yml]\n");
    write(dir.path(), "x.txt", "key = evil_q1w2e3r4t5y6\n");
    for format in ["human", "json", "sarif"] {
        let out = leakgate()
            .current_dir(dir.path())
            .args(["scan", ".", "--no-git", "--format", format])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("Evil red"), "{stdout}");
        assert!(
            !stdout.contains("zzhijack") && !stdout.contains("[31m"),
            "{stdout}"
        );
        assert!(
            !stdout.contains('\u{1b}') && !stdout.contains("\\u001b") && !stdout.contains('\u{9b}'),
            "{format}: {stdout}"
        );
        assert!(
            !stdout.contains('\r') && !stdout.contains("\\r"),
            "{format}: {stdout}"
        );
    }
}

#[test]
fn redact_ignores_the_repository_config_in_the_current_directory() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        ".leakgate.yml",
        "allow: ['.*']\ndisable_rules: [github-pat-classic]\n",
    );
    let token = Tokens::new(1004).github_pat();
    let out = leakgate()
        .current_dir(dir.path())
        .args(["redact", "--fail"])
        .write_stdin(format!("deploying with {token}\n"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout, "deploying with [REDACTED:github-pat-classic]\n");
    assert_eq!(out.status.code(), Some(1));
    // An explicit --config is still honoured.
    let out = leakgate()
        .current_dir(dir.path())
        .args(["redact", "--config", ".leakgate.yml"])
        .write_stdin(format!("deploying with {token}\n"))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains(&token));
}

/// A PEM RSA key with a generated body (random base64, `MII` like real DER).
fn rsa_key(t: &mut Tokens, eol: &str) -> String {
    const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut body = format!("MII{}", t.pick(B64, 61));
    for _ in 0..12 {
        body.push_str(eol);
        body.push_str(&t.pick(B64, 64));
    }
    format!("-----BEGIN RSA PRIVATE KEY-----{eol}{body}={eol}-----END RSA PRIVATE KEY-----")
}

#[test]
fn a_key_after_an_unterminated_begin_is_redacted_and_found_on_stdin() {
    let mut t = Tokens::new(1005);
    for eol in ["\n", "\r\n"] {
        let key = rsa_key(&mut t, eol);
        let body_line = key.lines().nth(2).unwrap().trim_end().to_string();
        // Fill the hold buffer (64 KiB) with an unterminated BEGIN and log lines, so the real
        // key arrives as the buffer overflows, at several offsets.
        for extra in [0usize, 300, 700, 1100] {
            let mut input = format!("-----BEGIN CERTIFICATE-----{eol}");
            while input.len() < 64 * 1024 - 1200 + extra {
                input.push_str(&format!("step {} done{eol}", input.len()));
            }
            input.push_str(&format!("{key}{eol}after{eol}"));
            let out = leakgate()
                .args(["redact", "--fail"])
                .write_stdin(input.clone())
                .output()
                .unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(
                !stdout.contains(&body_line),
                "key body released (offset {extra})"
            );
            assert!(stdout.contains("[REDACTED:private-key-rsa]"));
            assert_eq!(out.status.code(), Some(1));
            let out = leakgate()
                .args(["scan", "--stdin", "--format", "json"])
                .write_stdin(input)
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(1), "scan --stdin finds the key");
            assert!(String::from_utf8_lossy(&out.stdout).contains("private-key-rsa"));
        }
    }
}

#[test]
fn config_errors_never_echo_the_offending_value() {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q"]);
    // A value no built-in rule recognises: only not echoing it keeps it out of the log.
    let secret = Tokens::new(1006).base62(32);
    let s = secret.as_str();
    let configs = [
        format!("fail_on: {s}\n"),
        format!("{s}: 1\n"),
        format!("allow: ['{s}(']\n"),
        format!("exclude: ['{s}[']\n"),
        format!("disable_rules: [{s}]\n"),
        format!("env_files: {{'.env.x': {s}}}\n"),
        format!("env_files: {{'{s}[': production}}\n"),
        format!("stopwords: {s}\n"),
        format!("fail_on: {{{s}: 1}}\n"),
        "rules_files: [rules.yml]\n".to_string(),
    ];
    let rules = [
        format!(
            "rules:\n  - id: {s}_x\n    name: x\n    description: x\n    severity: high\n    keywords: [k]\n    regex: '(?P<secret>k)'\n    examples: [k]\n"
        ),
        format!(
            "rules:\n  - id: r\n    name: x\n    description: x\n    severity: high\n    keywords: [k]\n    regex: '(?P<secret>{s}('\n    examples: [k]\n"
        ),
        format!(
            "rules:\n  - id: r\n    name: x\n    description: x\n    severity: high\n    keywords: [k]\n    regex: '(?P<secret>k)'\n    allow: ['{s}[']\n    examples: [k]\n"
        ),
        format!(
            "rules:\n  - id: r\n    name: x\n    description: x\n    severity: {s}\n    keywords: [k]\n    regex: '(?P<secret>k)'\n    examples: [k]\n"
        ),
    ];
    let mut cases: Vec<(String, Option<String>)> =
        configs.iter().map(|c| (c.clone(), None)).collect();
    for r in &rules {
        cases.push(("rules_files: [rules.yml]\n".into(), Some(r.clone())));
    }
    for (config, rules) in cases {
        write(dir.path(), ".leakgate.yml", &config);
        if let Some(r) = &rules {
            write(dir.path(), "rules.yml", r);
        }
        let out = leakgate()
            .current_dir(dir.path())
            .args(["scan", "."])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{config} {rules:?}: {stderr}");
        assert!(stderr.contains("error"), "{stderr}");
        assert!(
            !stderr.contains(s) && !String::from_utf8_lossy(&out.stdout).contains(s),
            "{config} {rules:?}: {stderr}"
        );
    }
    std::fs::remove_file(dir.path().join(".leakgate.yml")).unwrap();
    // Baselines.
    for baseline in [
        format!(
            "{{\"schema_version\": 1, \"findings\": [{{\"fingerprint\": \"{s}\", \"rule\": \"r\", \"path\": \"p\"}}]}}"
        ),
        format!("{{\"schema_version\": \"{s}\", \"findings\": []}}"),
        format!("{{\"{s}\": 1}}"),
    ] {
        write(dir.path(), "baseline.json", &baseline);
        let out = leakgate()
            .current_dir(dir.path())
            .args(["scan", ".", "--baseline", "baseline.json"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{baseline}: {stderr}");
        assert!(!stderr.contains(s), "{baseline}: {stderr}");
    }
    // Command-line flags.
    for args in [
        vec!["scan", ".", "--fail-on", s],
        vec!["scan", ".", "--threads", s],
        vec!["scan", ".", "--format", s],
        vec!["scan", ".", "--max-file-size", s],
        vec!["scan", ".", "--since", &format!("a..{s}")],
    ] {
        let out = leakgate()
            .current_dir(dir.path())
            .args(&args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(!stderr.contains(s), "{args:?}: {stderr}");
    }
    // A provider token anywhere in an error line is redacted by the built-in rules.
    let token = Tokens::new(1007).github_pat();
    let out = leakgate()
        .current_dir(dir.path())
        .args(["scan", "--range", &format!("{token}..HEAD")])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains(&token), "{stderr}");
}
