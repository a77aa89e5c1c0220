//! Hostile pull requests: nothing a pull request adds may silence its own findings. Each test
//! builds a real repository whose base commit is clean and whose pull request adds a token
//! together with something that tries to hide it (a config, an ignore file, a baseline, an
//! inline allow, a file named on the command line), then runs `leakgate scan --ci` with a
//! GitHub event payload shaped like the real one. Today's main passes each of them with exit 0.

use crate::common::{Tokens, git, leakgate, write};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A repository whose `main` is the base commit (with `base_files`) and whose `feature` branch,
/// checked out, is the pull request (adding `pr_files`).
struct PullRequest {
    dir: tempfile::TempDir,
    base: String,
    head: String,
}

impl PullRequest {
    fn new(base_files: &[(&str, &str)], pr_files: &[(&str, &str)]) -> PullRequest {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("repo");
        std::fs::create_dir(&repo).unwrap();
        git(&repo, &["init", "-q"]);
        write(&repo, "README.md", "hello\n");
        for (path, text) in base_files {
            write(&repo, path, text);
        }
        git(&repo, &["add", "."]);
        git(&repo, &["commit", "-qm", "base"]);
        let base = git(&repo, &["rev-parse", "HEAD"]);
        git(&repo, &["checkout", "-qb", "feature"]);
        for (path, text) in pr_files {
            write(&repo, path, text);
        }
        git(&repo, &["add", "."]);
        git(&repo, &["commit", "-qm", "feature"]);
        let head = git(&repo, &["rev-parse", "HEAD"]);
        PullRequest { dir, base, head }
    }

    fn repo(&self) -> PathBuf {
        self.dir.path().join("repo")
    }

    /// What `actions/checkout` gives by default: one commit, the pull request's head.
    fn shallow_clone(&self) -> PathBuf {
        let clone = self.dir.path().join("shallow");
        let url = format!("file://{}", self.repo().display());
        git(
            self.dir.path(),
            &[
                "clone", "-q", "--depth", "1", "--branch", "feature", &url, "shallow",
            ],
        );
        assert_eq!(git(&clone, &["rev-parse", "HEAD"]), self.head);
        assert!(
            Command::new("git")
                .args(["cat-file", "-e", &format!("{}^{{commit}}", self.base)])
                .current_dir(&clone)
                .status()
                .is_ok_and(|s| !s.success()),
            "the shallow clone must lack the base commit"
        );
        clone
    }

    /// A `pull_request` payload as GitHub sends it (trimmed to the fields around the ids).
    fn payload(&self) -> Value {
        json!({
            "action": "synchronize",
            "number": 7,
            "pull_request": {
                "number": 7,
                "commits": 1,
                "head": { "ref": "feature", "sha": self.head, "repo": { "full_name": "fork/repo" } },
                "base": { "ref": "main", "sha": self.base, "repo": { "full_name": "org/repo" } }
            },
            "repository": { "full_name": "org/repo" }
        })
    }
}

struct Run {
    code: i32,
    json: Value,
    stderr: String,
}

impl Run {
    fn rules(&self) -> Vec<String> {
        self.json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap().to_string())
            .collect()
    }

    fn warnings(&self) -> String {
        self.json["summary"]["warnings"].to_string()
    }
}

/// `leakgate scan --ci` in `cwd` (the workspace, as in Actions) with `event` and `payload`.
fn ci_scan(cwd: &Path, event: &str, payload: &Value, extra: &[&str]) -> Run {
    let payload_file = cwd.with_extension("event.json");
    std::fs::write(&payload_file, payload.to_string()).unwrap();
    let out = leakgate()
        .args(["scan", "--ci", "--format", "json"])
        .args(extra)
        .current_dir(cwd)
        .env("GITHUB_EVENT_NAME", event)
        .env("GITHUB_EVENT_PATH", &payload_file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("not JSON; stderr: {stderr}"));
    Run {
        code: out.status.code().unwrap(),
        json,
        stderr,
    }
}

/// The fingerprint leakgate gives `token` (found by scanning it alone).
fn fingerprint_of(token: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "t.txt", format!("{token}\n"));
    let out = leakgate()
        .args(["scan", "--no-git", "--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    json["findings"][0]["fingerprint"]
        .as_str()
        .expect("the token is found")
        .to_string()
}

fn baseline_with(fingerprint: &str) -> String {
    json!({
        "schema_version": 1,
        "findings": [{ "fingerprint": fingerprint, "rule": "github-pat-classic", "path": "app.py", "line": 1 }]
    })
    .to_string()
}

const BUILT_IN_ONLY: &str = "built-in rules only";

#[test]
fn a_shallow_checkout_ignores_a_pull_request_config_that_excludes_everything() {
    let token = Tokens::new(1001).github_pat();
    let pr = PullRequest::new(
        &[],
        &[
            ("app.py", &format!("TOKEN = '{token}'\n")),
            (".leakgate.yml", "exclude: [\"*\"]\n"),
        ],
    );
    let clone = pr.shallow_clone();
    let run = ci_scan(&clone, "pull_request", &pr.payload(), &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.rules(), vec!["github-pat-classic"]);
    // Said on stderr and in the report.
    assert!(run.stderr.contains(BUILT_IN_ONLY), "{}", run.stderr);
    assert!(run.warnings().contains(BUILT_IN_ONLY), "{}", run.warnings());
    assert!(
        run.warnings().contains(".leakgate.yml"),
        "{}",
        run.warnings()
    );
}

#[test]
fn a_shallow_checkout_ignores_a_pull_request_ignore_file_and_baseline() {
    let token = Tokens::new(1002).github_pat();
    let fp = fingerprint_of(&token);
    let pr = PullRequest::new(
        &[],
        &[
            ("app.py", &format!("TOKEN = '{token}'\n")),
            (".leakgateignore", &format!("{fp}  # mine\n")),
            ("baseline.json", &baseline_with(&fp)),
        ],
    );
    let clone = pr.shallow_clone();
    let run = ci_scan(
        &clone,
        "pull_request",
        &pr.payload(),
        &["--baseline", "baseline.json"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.rules(), vec!["github-pat-classic"]);
    assert_eq!(run.json["findings"][0]["suppressed"], Value::Null);
    assert!(run.stderr.contains(".leakgateignore"), "{}", run.stderr);
    assert!(
        run.stderr.contains("--baseline baseline.json"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_shallow_checkout_does_not_trust_inline_allows() {
    let token = Tokens::new(1003).github_pat();
    let pr = PullRequest::new(
        &[],
        &[("app.py", &format!("TOKEN = '{token}'  # leakgate:allow\n"))],
    );
    let clone = pr.shallow_clone();
    let run = ci_scan(&clone, "pull_request", &pr.payload(), &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let message = run.json["findings"][0]["message"].as_str().unwrap_or("");
    assert!(message.contains("a maintainer must accept it"), "{message}");
}

#[test]
fn config_and_baseline_named_on_the_command_line_come_from_the_base_commit() {
    let token = Tokens::new(1004).github_pat();
    let fp = fingerprint_of(&token);
    let pr = PullRequest::new(
        &[],
        &[
            ("app.py", &format!("TOKEN = '{token}'\n")),
            ("ci/leakgate.yml", "exclude: [\"*\"]\n"),
            ("ci/baseline.json", &baseline_with(&fp)),
        ],
    );
    let repo = pr.repo();
    let run = ci_scan(
        &repo,
        "pull_request",
        &pr.payload(),
        &["--config", "ci/leakgate.yml"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("--config ci/leakgate.yml is not in the base commit"),
        "{}",
        run.stderr
    );
    let run = ci_scan(
        &repo,
        "pull_request",
        &pr.payload(),
        &["--baseline", "ci/baseline.json"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.warnings()
            .contains("--baseline ci/baseline.json is not in the base commit"),
        "{}",
        run.warnings()
    );
    // A path outside the repository cannot come from the base commit either.
    let outside = pr.dir.path().join("outside.yml");
    std::fs::write(&outside, "exclude: [\"*\"]\n").unwrap();
    let run = ci_scan(
        &repo,
        "pull_request",
        &pr.payload(),
        &["--config", outside.to_str().unwrap()],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("not a file of this repository"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_config_named_on_the_command_line_is_the_base_commits_version() {
    let token = Tokens::new(1005).github_pat();
    let fp = fingerprint_of(&token);
    // The base has its own config and baseline under ci/; the pull request rewrites both.
    let pr = PullRequest::new(
        &[
            ("ci/leakgate.yml", "rules_files: [extra.yaml]\n"),
            ("ci/extra.yaml", "rules: []\n"),
            ("ci/baseline.json", &baseline_with(&"0".repeat(64))),
        ],
        &[
            ("app.py", &format!("TOKEN = '{token}'\n")),
            ("ci/leakgate.yml", "exclude: [\"*\"]\n"),
            ("ci/baseline.json", &baseline_with(&fp)),
        ],
    );
    let run = ci_scan(
        &pr.repo(),
        "pull_request",
        &pr.payload(),
        &[
            "--config",
            "ci/leakgate.yml",
            "--baseline",
            "ci/baseline.json",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.rules(), vec!["github-pat-classic"]);
    for changed in ["ci/leakgate.yml", "ci/baseline.json"] {
        assert!(
            run.stderr
                .contains(&format!("this pull request changes {changed}")),
            "{changed}: {}",
            run.stderr
        );
    }
}

#[test]
fn an_inline_allow_the_pull_request_adds_needs_a_maintainer() {
    let token = Tokens::new(1006).github_pat();
    let added = format!("# leakgate:allow\nTOKEN = '{token}'\n");
    // The pull request also tries to switch the trust on for itself.
    let pr = PullRequest::new(
        &[],
        &[
            ("app.py", &added),
            (
                ".leakgate.yml",
                "trust_inline_allows_in_pull_requests: true\n",
            ),
        ],
    );
    let run = ci_scan(&pr.repo(), "pull_request", &pr.payload(), &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let finding = &run.json["findings"][0];
    assert_eq!(finding["suppressed"], Value::Null);
    let message = finding["message"].as_str().unwrap_or("");
    assert!(
        message.starts_with("allow-listed by this pull request: a maintainer must accept it"),
        "{message}"
    );
    // The human report says it too.
    let payload_file = pr.repo().with_extension("human.json");
    std::fs::write(&payload_file, pr.payload().to_string()).unwrap();
    let out = leakgate()
        .args(["scan", "--ci"])
        .current_dir(pr.repo())
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_EVENT_PATH", &payload_file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let human = String::from_utf8_lossy(&out.stdout);
    assert!(human.contains("a maintainer must accept it"), "{human}");
    assert!(!human.contains(&token), "never the whole secret");

    // With the switch in the base commit's config, the allow is trusted.
    let trusted = PullRequest::new(
        &[(
            ".leakgate.yml",
            "trust_inline_allows_in_pull_requests: true\n",
        )],
        &[("app.py", &added)],
    );
    let run = ci_scan(&trusted.repo(), "pull_request", &trusted.payload(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // And a maintainer accepts it in the base commit's ignore file.
    let accepted = PullRequest::new(
        &[(".leakgateignore", &format!("{}\n", fingerprint_of(&token)))],
        &[("app.py", &added)],
    );
    let run = ci_scan(&accepted.repo(), "pull_request", &accepted.payload(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn a_push_still_trusts_inline_allows_and_the_working_tree() {
    let token = Tokens::new(1007).github_pat();
    let pr = PullRequest::new(
        &[],
        &[("app.py", &format!("TOKEN = '{token}'  # leakgate:allow\n"))],
    );
    let payload = json!({ "before": pr.base, "after": pr.head, "created": false });
    let run = ci_scan(&pr.repo(), "push", &payload, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn a_merge_queue_entry_is_judged_by_its_base_commit() {
    let token = Tokens::new(1008).github_pat();
    let pr = PullRequest::new(
        &[],
        &[
            ("app.py", &format!("TOKEN = '{token}'\n")),
            (".leakgate.yml", "disable_rules: [github-pat-classic]\n"),
        ],
    );
    let payload = json!({
        "action": "checks_requested",
        "merge_group": {
            "head_sha": pr.head,
            "head_ref": "refs/heads/gh-readonly-queue/main/pr-7-0000000",
            "base_sha": pr.base,
            "base_ref": "refs/heads/main",
            "head_commit": { "id": pr.head, "message": "feature" }
        },
        "repository": { "full_name": "org/repo" }
    });
    let run = ci_scan(&pr.repo(), "merge_group", &payload, &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.rules(), vec!["github-pat-classic"]);
    assert!(
        run.stderr
            .contains("this pull request changes .leakgate.yml"),
        "{}",
        run.stderr
    );
}

#[test]
fn review_events_and_unknown_events_never_use_the_working_tree_config() {
    let token = Tokens::new(1009).github_pat();
    let pr = PullRequest::new(
        &[],
        &[
            ("app.py", &format!("TOKEN = '{token}'\n")),
            (".leakgate.yml", "exclude: [\"*\"]\n"),
        ],
    );
    for event in ["pull_request_review", "pull_request_review_comment"] {
        let run = ci_scan(&pr.repo(), event, &pr.payload(), &[]);
        assert_eq!(run.code, 1, "{event}: {}", run.stderr);
        assert_eq!(run.rules(), vec!["github-pat-classic"], "{event}");
    }
    // An event leakgate does not know, with no pull request in its payload: everything,
    // built-in rules only.
    let payload = json!({ "action": "created", "repository": { "full_name": "org/repo" } });
    let run = ci_scan(&pr.repo(), "some_future_event", &payload, &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.rules().contains(&"github-pat-classic".to_string()));
    assert!(run.stderr.contains(BUILT_IN_ONLY), "{}", run.stderr);
}

#[test]
fn changes_to_the_ignore_file_and_rules_files_are_announced() {
    let token = Tokens::new(1010).github_pat();
    let fp = fingerprint_of(&token);
    let pr = PullRequest::new(
        &[
            (".leakgate.yml", "rules_files: [rules/extra.yaml]\n"),
            ("rules/extra.yaml", "rules: []\n"),
            (".leakgateignore", &format!("{}\n", "0".repeat(64))),
        ],
        &[
            ("app.py", &format!("TOKEN = '{token}'\n")),
            ("rules/extra.yaml", "rules: []\n# changed\n"),
            (".leakgateignore", &format!("{}\n{fp}\n", "0".repeat(64))),
        ],
    );
    let run = ci_scan(&pr.repo(), "pull_request", &pr.payload(), &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    for changed in [".leakgateignore", "rules/extra.yaml"] {
        assert!(
            run.stderr
                .contains(&format!("this pull request changes {changed}")),
            "{changed}: {}",
            run.stderr
        );
    }
    assert!(
        !run.stderr.contains("changes .leakgate.yml"),
        "unchanged: {}",
        run.stderr
    );
}

/// The action's `runs.steps`, as GitHub reads them.
fn action_steps() -> Vec<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml");
    let text = std::fs::read_to_string(path).unwrap();
    let action: Value = serde_saphyr::from_str(&text).expect("action.yml is YAML");
    action["runs"]["steps"].as_array().expect("steps").clone()
}

fn step_script(steps: &[Value], name_starts: &str) -> String {
    steps
        .iter()
        .find(|s| {
            s["name"]
                .as_str()
                .is_some_and(|n| n.starts_with(name_starts))
        })
        .and_then(|s| s["run"].as_str())
        .unwrap_or_else(|| panic!("no `{name_starts}` step with a script"))
        .to_string()
}

/// Runs one of the action's step scripts with bash in `cwd`, as the runner would.
fn run_step(script: &str, cwd: &Path, event: &str, payload: &Path, env: &[(&str, &Path)]) -> i32 {
    assert!(
        Command::new("jq").arg("--version").output().is_ok(),
        "the action's fetch step needs jq (installed on GitHub's runners)"
    );
    let mut cmd = Command::new("bash");
    cmd.args(["-e", "-c", script])
        .current_dir(cwd)
        .env("ACTION_PATH", env!("CARGO_MANIFEST_DIR"))
        .env("GITHUB_EVENT_NAME", event)
        .env("GITHUB_EVENT_PATH", payload)
        .env_remove("GITHUB_ACTIONS")
        .env("GIT_CONFIG_COUNT", "1")
        .env("GIT_CONFIG_KEY_0", "protocol.file.allow")
        .env("GIT_CONFIG_VALUE_0", "always");
    for (key, value) in env {
        cmd.env(key, value);
    }
    cmd.status().expect("bash runs").code().unwrap_or(-1)
}

#[test]
fn the_action_fetches_the_base_so_a_default_checkout_is_judged_by_it() {
    let mut t = Tokens::new(1011);
    let (old, new) = (t.github_pat(), t.github_pat());
    // The base commit already holds an accepted token and a config; the pull request adds a
    // token and a config that excludes everything. The base branch moves on after the fork.
    let pr = PullRequest::new(
        &[("old.py", &format!("OLD = '{old}'\n"))],
        &[
            ("app.py", &format!("TOKEN = '{new}'\n")),
            (".leakgate.yml", "exclude: [\"*\"]\n"),
        ],
    );
    let repo = pr.repo();
    git(&repo, &["checkout", "-q", "main"]);
    write(&repo, "later.txt", "the base branch moved on\n");
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-qm", "later on main"]);
    let base = git(&repo, &["rev-parse", "HEAD"]);
    git(&repo, &["checkout", "-q", "feature"]);
    // GitHub serves any reachable commit by id.
    git(
        &repo,
        &["config", "uploadpack.allowReachableSHA1InWant", "true"],
    );
    let pr = PullRequest {
        base,
        head: pr.head.clone(),
        dir: pr.dir,
    };
    let clone = pr.shallow_clone();
    let payload = pr.dir.path().join("event.json");
    std::fs::write(&payload, pr.payload().to_string()).unwrap();

    let steps = action_steps();
    let fetch = step_script(&steps, "Fetch the base commit");
    assert_eq!(run_step(&fetch, &clone, "pull_request", &payload, &[]), 0);
    git(
        &clone,
        &["cat-file", "-e", &format!("{}^{{commit}}", pr.base)],
    );

    // The action's own scan step, with the binary where the build step installs it.
    let home = pr.dir.path().join("home");
    std::fs::create_dir_all(home.join(".leakgate/bin")).unwrap();
    std::os::unix::fs::symlink(
        assert_cmd::cargo::cargo_bin("leakgate"),
        home.join(".leakgate/bin/leakgate"),
    )
    .unwrap();
    let sarif = pr.dir.path().join("out.sarif");
    let scan = step_script(&steps, "Scan");
    let code = run_step(
        &format!("LEAKGATE_FAIL_ON=low LEAKGATE_CONFIG= LEAKGATE_ARGS=\n{scan}"),
        &clone,
        "pull_request",
        &payload,
        &[("HOME", &home), ("LEAKGATE_SARIF", &sarif)],
    );
    assert_eq!(code, 1);
    let sarif: Value = serde_json::from_slice(&std::fs::read(&sarif).unwrap()).unwrap();
    let files: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    // Only what the pull request added: the base's own token is not news.
    assert_eq!(files, vec!["app.py"]);
    let run = ci_scan(&clone, "pull_request", &pr.payload(), &[]);
    assert!(
        run.stderr.contains("judged by the base commit"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains(BUILT_IN_ONLY), "{}", run.stderr);
}

#[test]
fn the_action_fetch_step_tolerates_missing_commits_and_hostile_payloads() {
    let pr = PullRequest::new(&[], &[("a.txt", "a\n")]);
    let clone = pr.shallow_clone();
    let fetch = step_script(&action_steps(), "Fetch the base commit");
    let marker = pr.dir.path().join("pwned");
    let payloads = [
        json!({ "pull_request": { "base": { "sha": "1".repeat(40) }, "head": { "sha": pr.head } } }),
        json!({ "pull_request": {
            "base": { "sha": format!("$(touch {})", marker.display()) },
            "head": { "sha": format!("`touch {}`", marker.display()) },
            "commits": "$(touch x)"
        } }),
        json!({ "merge_group": { "base_sha": "--upload-pack=touch", "head_sha": "-q" } }),
        json!("not an object"),
    ];
    for (n, payload) in payloads.iter().enumerate() {
        let file = pr.dir.path().join(format!("event{n}.json"));
        std::fs::write(&file, payload.to_string()).unwrap();
        for event in ["pull_request", "merge_group", "push"] {
            assert_eq!(run_step(&fetch, &clone, event, &file, &[]), 0, "{payload}");
        }
    }
    assert!(!marker.exists(), "payload text was never run");
    // The checkout is intact and scans clean.
    let run = ci_scan(&clone, "pull_request", &pr.payload(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn the_action_pins_what_it_runs_and_documents_its_permissions() {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml")).unwrap();
    let steps = action_steps();
    let mut pinned = 0;
    for step in &steps {
        if let Some(uses) = step["uses"].as_str() {
            let (_, version) = uses.split_once('@').expect("uses names a version");
            assert!(
                version.len() == 40 && version.bytes().all(|b| b.is_ascii_hexdigit()),
                "{uses} is not pinned by commit"
            );
            let line = text.lines().find(|l| l.contains(uses)).unwrap();
            assert!(line.contains("# v"), "{line}: the tag in a comment");
            pinned += 1;
        }
    }
    assert!(pinned > 0);
    let build = step_script(&steps, "Build leakgate");
    assert!(build.contains("rustup toolchain install"), "{build}");
    assert!(
        text.contains("LEAKGATE_RUST: 1."),
        "the toolchain is pinned by version"
    );
    assert!(text.contains("contents: read") && text.contains("security-events: write"));
    // The fetch runs before the scan.
    let names: Vec<&str> = steps.iter().filter_map(|s| s["name"].as_str()).collect();
    let fetch = names.iter().position(|n| n.starts_with("Fetch the base"));
    let scan = names.iter().position(|n| *n == "Scan");
    assert!(fetch.is_some() && fetch < scan, "{names:?}");
}
