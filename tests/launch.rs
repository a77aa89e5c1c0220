//! Integration tests for the launch checks (CORS, cookies, webhooks, logs, debug, workflows,
//! Docker) through the real binary, in every scan mode. Each check's examples come from the
//! binary itself (`leakgate rules show ID --format json`), so a check added to a family is
//! tested here without a change: its first `fires` example must be reported at its path by
//! `scan`, and no `quiet` example may be. Then the switches (`--no-launch`, `disable_rules`),
//! SARIF, the pre-commit hook (the index blob is what is judged), a pull request that tries to
//! silence its own finding, and hostile input.

use serde_json::{Value, json};
use std::path::Path;

#[path = "common/mod.rs"]
mod common;
use common::{git, leakgate, write};

/// One example as `rules show --format json` gives it.
#[derive(Debug, Clone)]
struct Example {
    path: String,
    text: String,
}

#[derive(Debug, Clone)]
struct LaunchCheck {
    id: String,
    fires: Vec<Example>,
    quiet: Vec<Example>,
}

/// Every repository check id, as `rules list` marks them.
fn check_ids() -> Vec<String> {
    let out = leakgate().args(["rules", "list"]).output().unwrap();
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains("(check;"))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}

fn show(id: &str) -> Value {
    let out = leakgate()
        .args(["rules", "show", id, "--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{id}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("rules show JSON")
}

fn examples(list: &Value) -> Vec<Example> {
    list.as_array()
        .expect("examples")
        .iter()
        .map(|e| Example {
            path: e["path"]
                .as_str()
                .expect("a check's example has a path")
                .into(),
            text: e["text"].as_str().expect("text").into(),
        })
        .collect()
}

/// Every launch check (tagged `launch`) with its examples, from the binary.
fn launch_checks() -> Vec<LaunchCheck> {
    let checks: Vec<LaunchCheck> = check_ids()
        .iter()
        .map(|id| show(id))
        .filter(|d| d["tags"].as_array().unwrap().iter().any(|t| t == "launch"))
        .map(|d| LaunchCheck {
            id: d["id"].as_str().unwrap().into(),
            fires: examples(&d["examples"]["fires"]),
            quiet: examples(&d["examples"]["quiet"]),
        })
        .collect();
    assert!(!checks.is_empty(), "no launch check is listed");
    checks
}

/// A launch check whose first example is code in a file of its own (JS, TS or Python): the
/// one the tests that need an inline comment or a git repository use.
fn code_check() -> LaunchCheck {
    launch_checks()
        .into_iter()
        .find(|c| {
            c.id.starts_with("cors-")
                && [".js", ".ts", ".py"]
                    .iter()
                    .any(|e| c.fires[0].path.ends_with(e))
        })
        .expect("a CORS check with a JS, TS or Python example")
}

struct Scan {
    code: i32,
    json: Value,
    stderr: String,
}

impl Scan {
    /// (rule, path) of every finding reported (not suppressed).
    fn found(&self) -> Vec<(String, String)> {
        self.json["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| {
                (
                    f["rule"].as_str().unwrap().to_string(),
                    f["path"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    fn has(&self, rule: &str) -> bool {
        self.found().iter().any(|(r, _)| r == rule)
    }
}

fn scan_in(cwd: &Path, args: &[&str]) -> Scan {
    let out = leakgate()
        .arg("scan")
        .args(["--format", "json"])
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("not JSON; stderr: {stderr}"));
    Scan {
        code: out.status.code().expect("an exit code"),
        json,
        stderr,
    }
}

/// `scan --no-git` of a folder holding one file.
fn scan_one(example: &Example, extra: &[&str]) -> Scan {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &example.path, &example.text);
    let mut args = vec!["--no-git"];
    args.extend_from_slice(extra);
    args.push(".");
    scan_in(dir.path(), &args)
}

/// Runs `each` over every launch check, a few at a time (each runs the binary several times).
fn for_each_check(each: impl Fn(&LaunchCheck) + Sync) {
    let checks = launch_checks();
    let lanes = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(8);
    let each = &each;
    std::thread::scope(|scope| {
        for lane in 0..lanes {
            let checks = &checks;
            scope.spawn(move || {
                for check in checks.iter().skip(lane).step_by(lanes) {
                    each(check);
                }
            });
        }
    });
}

#[test]
fn every_launch_check_reports_its_example_at_its_path_and_not_its_negatives() {
    for_each_check(|check| {
        assert!(!check.fires.is_empty(), "{} has no example", check.id);
        assert!(!check.quiet.is_empty(), "{} has no negative", check.id);
        let example = &check.fires[0];
        let run = scan_one(example, &[]);
        assert_ne!(run.code, 2, "{}: {}", check.id, run.stderr);
        assert!(
            run.found()
                .iter()
                .any(|(rule, path)| *rule == check.id && *path == example.path),
            "{} missed its example at {}:\n{}\nfound: {:?}",
            check.id,
            example.path,
            example.text,
            run.found()
        );
        for quiet in &check.quiet {
            let run = scan_one(quiet, &[]);
            assert_ne!(run.code, 2, "{}: {}", check.id, run.stderr);
            assert!(
                !run.has(&check.id),
                "{} fired on its negative at {}:\n{}",
                check.id,
                quiet.path,
                quiet.text
            );
        }
    });
}

#[test]
fn no_launch_and_disable_rules_silence_launch_checks() {
    for_each_check(|check| {
        let example = &check.fires[0];
        let off = scan_one(example, &["--no-launch"]);
        assert!(
            !off.has(&check.id),
            "{} reported with --no-launch",
            check.id
        );
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), &example.path, &example.text);
        write(
            dir.path(),
            ".leakgate.yml",
            format!("disable_rules: [{}]\n", check.id),
        );
        let disabled = scan_in(dir.path(), &["--no-git", "."]);
        assert!(
            !disabled.has(&check.id),
            "{} reported although disabled",
            check.id
        );
    });
}

/// SARIF lists every launch check in force (fired or not) and the results of those that fired,
/// each pointing at its rule; the Multitool accepts it when `.ci/run` provides it.
#[test]
fn sarif_lists_launch_rules_and_their_results() {
    let checks = launch_checks();
    let check = code_check();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &check.fires[0].path, &check.fires[0].text);
    let sarif_path = dir.path().join("out.sarif");
    let out = leakgate()
        .args(["scan", "--no-git", "--format", "sarif", "--output"])
        .arg(&sarif_path)
        .arg(dir.path())
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(2));
    let sarif: Value = serde_json::from_slice(&std::fs::read(&sarif_path).unwrap()).unwrap();
    let rules: Vec<&str> = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    for c in &checks {
        assert!(
            rules.contains(&c.id.as_str()),
            "{} not in SARIF rules",
            c.id
        );
    }
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let result = results
        .iter()
        .find(|r| r["ruleId"] == check.id.as_str())
        .expect("the launch finding is a SARIF result");
    let index = result["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(rules[index], check.id);
    // With --no-launch no launch rule is in force.
    let out = leakgate()
        .args(["scan", "--no-git", "--no-launch", "--format", "sarif"])
        .arg(dir.path())
        .output()
        .unwrap();
    let without: Value = serde_json::from_slice(&out.stdout).unwrap();
    let listed = without["runs"][0]["tool"]["driver"]["rules"].to_string();
    assert!(
        !checks
            .iter()
            .any(|c| listed.contains(&format!("\"{}\"", c.id)))
    );
    if let Some(tool) = common::sarif_multitool() {
        common::assert_valid_sarif(&tool, &sarif_path);
    }
}

fn repo_with_readme() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q"]);
    write(dir.path(), "README.md", "hello\n");
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-qm", "first"]);
    dir
}

/// The pre-commit hook judges what `git commit` will record: the index blob, not the working
/// file.
#[test]
fn staged_launch_problems_are_judged_from_the_index() {
    let check = code_check();
    let example = &check.fires[0];
    let fixed = "\n";

    // Staged bad, working file fixed: found.
    let dir = repo_with_readme();
    write(dir.path(), &example.path, &example.text);
    git(dir.path(), &["add", "."]);
    write(dir.path(), &example.path, fixed);
    let run = scan_in(dir.path(), &["--staged"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.found()
            .iter()
            .any(|(r, p)| *r == check.id && *p == example.path),
        "{:?}",
        run.found()
    );
    // The same through `protect`.
    let out = leakgate()
        .args(["protect", "--format", "json"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));

    // Staged fixed, working file bad: not this commit's problem.
    let dir = repo_with_readme();
    write(dir.path(), &example.path, fixed);
    git(dir.path(), &["add", "."]);
    write(dir.path(), &example.path, &example.text);
    let run = scan_in(dir.path(), &["--staged"]);
    assert!(!run.has(&check.id), "{:?}", run.found());

    // A file the commit does not change is not blamed on it.
    let dir = repo_with_readme();
    write(dir.path(), &example.path, &example.text);
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-qm", "old problem"]);
    write(dir.path(), "other.txt", "x\n");
    git(dir.path(), &["add", "."]);
    let run = scan_in(dir.path(), &["--staged"]);
    assert!(!run.has(&check.id), "{:?}", run.found());
}

/// `--range` (and `--since`) judge the head of the range, in the files it changed.
#[test]
fn a_range_reports_launch_problems_it_adds() {
    let check = code_check();
    let example = &check.fires[0];
    let dir = repo_with_readme();
    let base = git(dir.path(), &["rev-parse", "HEAD"]);
    write(dir.path(), &example.path, &example.text);
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-qm", "add the problem"]);
    // The working tree no longer holds it: the range is what is judged.
    write(dir.path(), &example.path, "\n");
    let run = scan_in(dir.path(), &["--range", &format!("{base}..HEAD")]);
    assert!(run.has(&check.id), "{:?} {}", run.found(), run.stderr);
    let run = scan_in(dir.path(), &["--since", &base]);
    assert!(run.has(&check.id), "{:?}", run.found());
}

/// Every line of `text` with an inline allow comment in the file's comment syntax.
fn allowed_inline(path: &str, text: &str) -> String {
    let marker = if path.ends_with(".py") {
        "  # leakgate:allow"
    } else {
        "  // leakgate:allow"
    };
    text.lines()
        .map(|l| format!("{l}{marker}\n"))
        .collect::<String>()
}

/// A pull request that adds a CORS problem, switches its check off in `.leakgate.yml` and
/// allow-lists it inline still fails: on a pull request the base commit's configuration
/// judges, and the pull request's own inline allows do not count.
#[test]
fn a_pull_request_cannot_silence_its_own_launch_finding() {
    let check = code_check();
    let example = &check.fires[0];
    let text = allowed_inline(&example.path, &example.text);

    // Outside a pull request the allow and the config each hide it.
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &example.path, &text);
    let run = scan_in(dir.path(), &["--no-git", "."]);
    assert!(
        !run.has(&check.id),
        "the inline allow did not take: {:?}",
        run.found()
    );

    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "-q"]);
    write(&repo, "README.md", "hello\n");
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-qm", "base"]);
    let base = git(&repo, &["rev-parse", "HEAD"]);
    git(&repo, &["checkout", "-qb", "feature"]);
    write(&repo, &example.path, &text);
    write(
        &repo,
        ".leakgate.yml",
        format!("disable_rules: [{}]\n", check.id),
    );
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-qm", "feature"]);
    let head = git(&repo, &["rev-parse", "HEAD"]);
    let payload = json!({
        "action": "synchronize",
        "number": 7,
        "pull_request": {
            "number": 7,
            "commits": 1,
            "head": { "ref": "feature", "sha": head, "repo": { "full_name": "fork/repo" } },
            "base": { "ref": "main", "sha": base, "repo": { "full_name": "org/repo" } }
        },
        "repository": { "full_name": "org/repo" }
    });
    let payload_file = dir.path().join("event.json");
    std::fs::write(&payload_file, payload.to_string()).unwrap();
    let out = leakgate()
        .args(["scan", "--ci", "--format", "json"])
        .current_dir(&repo)
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_EVENT_PATH", &payload_file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == check.id.as_str())
        .unwrap_or_else(|| panic!("{} not reported: {report:#} {stderr}", check.id));
    assert_eq!(finding["path"], example.path.as_str());
    assert_eq!(finding["suppressed"], Value::Null);
    let severity = finding["severity"].as_str().unwrap();
    if severity != "info" {
        assert_eq!(out.status.code(), Some(1), "{stderr}");
    }
}

/// File names a shell or a terminal would choke on, and very large or minified code, neither
/// crash the checks nor stop the scan.
#[test]
fn hostile_names_and_huge_code_do_not_crash_the_checks() {
    let check = code_check();
    let example = &check.fires[0];
    let dir = tempfile::tempdir().unwrap();
    // Hostile folder names above the example's own path (its file name may matter to the
    // check), and a hostile file name of the same kind beside them.
    let prefixes = [
        "-rf --no-preserve-root".to_string(),
        "$(touch pwned)".to_string(),
        "quote\"and'apostrophe".to_string(),
        "new\nline".to_string(),
        "ünïcödé 名前".to_string(),
        "\u{1b}[31mred".to_string(),
        format!("very/{}deep", "d/".repeat(60)),
    ];
    for prefix in &prefixes {
        write(
            dir.path(),
            &format!("{prefix}/{}", example.path),
            &example.text,
        );
    }
    let extension = example.path.rsplit_once('.').map_or("js", |(_, e)| e);
    write(dir.path(), &format!("-n\t`id`.{extension}"), &example.text);
    // Minified code on one line (under the size limit), and a file over it.
    let line = "var a=function(b){return b&&b.c?b.c(1):{d:[1,2,3],e:\"x\"}};".repeat(6_000);
    write(dir.path(), "public/app.js", &line);
    let deep = format!("{}1{}", "(".repeat(20_000), ")".repeat(20_000));
    write(dir.path(), "src/deep.js", &deep);
    let huge = "x".repeat(600 * 1024);
    write(
        dir.path(),
        "src/huge.js",
        format!("const s = \"{huge}\";\n"),
    );
    write(dir.path(), "src/binary.py", [0u8, 159, 146, 150, 255, 0, 1]);
    let run = scan_in(dir.path(), &["--no-git", "."]);
    assert_ne!(run.code, 2, "{}", run.stderr);
    let on_hostile = run
        .found()
        .iter()
        .filter(|(rule, path)| *rule == check.id && path.ends_with(&example.path))
        .count();
    assert!(on_hostile >= prefixes.len(), "{:?}", run.found());
    assert!(!dir.path().join("pwned").exists());

    // The same files through the staged path.
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "."]);
    let run = scan_in(dir.path(), &["--staged"]);
    assert_ne!(run.code, 2, "{}", run.stderr);
    assert!(run.has(&check.id));
}

/// `rules show` prints a check's examples with their paths, and a secret rule's examples only
/// redacted.
#[test]
fn rules_show_prints_a_check_in_full_and_a_secret_rule_redacted() {
    let check = code_check();
    let out = leakgate()
        .args(["rules", "show", &check.id])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with(&format!("{} (check)", check.id)), "{text}");
    assert!(text.contains(&check.fires[0].path), "{text}");
    for field in ["name:", "severity:", "tags:", "launch"] {
        assert!(text.contains(field), "{field}: {text}");
    }

    // The built-in rule's examples are secrets in the provider's format: shown redacted.
    let rules_yaml =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/github.yaml"))
            .unwrap();
    let json = show("github-pat-classic");
    assert_eq!(json["kind"], "rule");
    assert_eq!(json["severity"], "critical");
    let shown = json["examples"].to_string();
    let mut tokens = 0;
    for token in rules_yaml
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| w.starts_with("ghp_") && w.len() > 20)
    {
        tokens += 1;
        assert!(!shown.contains(token), "a secret example shown in full");
    }
    assert!(tokens > 0, "the rule file holds no example token");
    assert!(shown.contains("ghp_…"), "{shown}");

    // An unknown id: one line, exit 2, the value described rather than echoed if it looks
    // like a secret.
    let out = leakgate()
        .args(["rules", "show", "no-such-rule"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
}

/// docs/launch.md names every launch check, and the README points at the checklist.
#[test]
fn docs_name_every_launch_check_and_the_checklist() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let docs = std::fs::read_to_string(root.join("docs/launch.md")).expect("docs/launch.md");
    for check in launch_checks() {
        assert!(
            docs.contains(&format!("`{}`", check.id)),
            "docs/launch.md does not name {}",
            check.id
        );
    }
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(readme.contains("leakgate checklist"));
    assert!(readme.contains("docs/launch.md"));
}

/// `--pre-push` judges what each updated ref's pushed commits changed, read from git.
#[test]
fn a_push_reports_launch_problems_its_commits_add() {
    let check = code_check();
    let example = &check.fires[0];
    let dir = repo_with_readme();
    let base = git(dir.path(), &["rev-parse", "HEAD"]);
    write(dir.path(), &example.path, &example.text);
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-qm", "add the problem"]);
    let head = git(dir.path(), &["rev-parse", "HEAD"]);
    write(dir.path(), &example.path, "\n");
    let push = |line: String| {
        let out = leakgate()
            .args([
                "scan",
                "--format",
                "json",
                "--pre-push",
                "origin",
                "file:///x",
            ])
            .env_remove("PRE_COMMIT")
            .current_dir(dir.path())
            .write_stdin(line)
            .output()
            .unwrap();
        let report: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == check.id.as_str() && f["path"] == example.path.as_str())
    };
    assert!(push(format!(
        "refs/heads/main {head} refs/heads/main {base}\n"
    )));
    // Nothing pushed beyond what the remote has: nothing to judge.
    assert!(!push(format!(
        "refs/heads/main {head} refs/heads/main {head}\n"
    )));
}

/// The release audit lists a failing launch finding as a configuration problem, and its
/// handover names it among what to fix before launch.
#[test]
fn the_audit_lists_launch_problems_in_its_handover() {
    let check = launch_checks()
        .into_iter()
        .find(|c| {
            let run = scan_one(&c.fires[0], &[]);
            run.json["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["rule"] == c.id.as_str() && f["severity"] != "info")
        })
        .expect("a launch check above info");
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &check.fires[0].path, &check.fires[0].text);
    let out_dir = tempfile::tempdir().unwrap();
    let out = leakgate()
        .args(["audit", "--format", "markdown", "-q", "--out-dir"])
        .arg(out_dir.path())
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let page = std::fs::read_to_string(out_dir.path().join("leakgate-audit.md")).unwrap();
    let handover = &page[page.find("## Handover checklist").expect("a handover")..];
    assert!(
        handover.contains("Launch configuration to fix"),
        "{handover}"
    );
    assert!(handover.contains(&check.id), "{handover}");
    assert!(stdout_says(&out.stdout, "configuration problem"));
}

fn stdout_says(stdout: &[u8], what: &str) -> bool {
    String::from_utf8_lossy(stdout).contains(what)
}

/// With `--shard I/N`, each file's launch findings are reported by exactly one shard (the one
/// that owns the file), so the shards together say what the whole scan says.
#[test]
fn shards_split_launch_findings_by_file() {
    let check = code_check();
    let example = &check.fires[0];
    let dir = tempfile::tempdir().unwrap();
    for i in 0..8 {
        // Each copy differs, so each has a blob id of its own.
        write(
            dir.path(),
            &format!("svc{i}/{}", example.path),
            format!(
                "{}\n{}\n",
                example.text,
                if example.path.ends_with(".py") {
                    format!("# copy {i}")
                } else {
                    format!("// copy {i}")
                }
            ),
        );
    }
    let launch_of = |run: &Scan| -> Vec<String> {
        let mut paths: Vec<String> = run
            .found()
            .into_iter()
            .filter(|(rule, _)| *rule == check.id)
            .map(|(_, path)| path)
            .collect();
        paths.sort();
        paths
    };
    let whole = launch_of(&scan_in(dir.path(), &["--no-git", "."]));
    assert_eq!(whole.len(), 8, "{whole:?}");
    let mut union = Vec::new();
    for shard in ["1/3", "2/3", "3/3"] {
        union.extend(launch_of(&scan_in(
            dir.path(),
            &["--no-git", "--shard", shard, "."],
        )));
    }
    union.sort();
    assert_eq!(union, whole);
}
