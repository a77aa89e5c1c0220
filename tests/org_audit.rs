//! Organisation-wide audits, tested as they run: the reusable workflow's shape
//! (`.github/workflows/org-audit.yml`), its scripts in `action/org-audit/` run with bash on
//! good and hostile inputs (plan: inputs -> matrix; clone: full history or nothing; scan: one
//! shard and its status; collect and merge: every shard or a failure), the Kubernetes manifest
//! in `docs/k8s/` (parsed, and its pods' scripts run locally index by index), and the docs'
//! caller workflow.
//!
//! Repositories are real git repositories served over `file://` (no network). Where a script
//! runs leakgate, a stand-in `leakgate` (a shell script) records its arguments and writes the
//! report the test asks for: the scripts' contract is what they pass and how they read exit
//! codes; `leakgate scan --shard` and `leakgate merge` have their own tests. The last test runs
//! the whole chain with the real binary.

mod common;

use common::{Tokens, git, run_scripts, uses_lines, write, yaml};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const WORKFLOW: &str = ".github/workflows/org-audit.yml";
const MANIFEST: &str = "docs/k8s/org-audit-job.yaml";
const REPORT_PREFIX: &str = "leakgate-org-audit-report-";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn script(name: &str) -> PathBuf {
    root().join("action/org-audit").join(name)
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `bash action/org-audit/NAME ARGS` with only the given environment on top of a clean one
/// (no inherited ORG_AUDIT_*, GitHub or git variables), git isolated from the machine's config.
fn run(name: &str, args: &[&str], env: &[(&str, &str)], cwd: &Path) -> Output {
    let mut cmd = Command::new("bash");
    cmd.arg(script(name))
        .args(args)
        .current_dir(cwd)
        .env_clear();
    cmd.env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", cwd)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("ORG_AUDIT_RETRY_DELAY", "0");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("bash runs")
}

fn plan(repositories: &str, shards: &str, args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    run(
        "plan.sh",
        args,
        &[
            ("ORG_AUDIT_REPOSITORIES", repositories),
            ("ORG_AUDIT_SHARDS", shards),
        ],
        dir.path(),
    )
}

/// plan.sh's `key=value` lines, the matrix parsed.
fn plan_outputs(out: &Output) -> (Value, usize, usize) {
    assert_eq!(out.status.code(), Some(0), "{}", stderr(out));
    let text = stdout(out);
    let field = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{key}=")))
            .unwrap_or_else(|| panic!("no {key}= in {text}"))
            .to_string()
    };
    assert_eq!(text.lines().count(), 3, "{text}");
    let matrix: Value = serde_json::from_str(&field("matrix")).expect("the matrix is JSON");
    (
        matrix,
        field("jobs").parse().unwrap(),
        field("repositories").parse().unwrap(),
    )
}

fn entries(matrix: &Value) -> Vec<(String, String, String)> {
    matrix["include"]
        .as_array()
        .expect("matrix.include")
        .iter()
        .map(|e| {
            assert_eq!(e.as_object().unwrap().len(), 3, "{e}");
            (
                e["repository"].as_str().unwrap().to_string(),
                e["shard"].as_str().unwrap().to_string(),
                e["artifact"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The workflow's shape

fn jobs() -> serde_json::Map<String, Value> {
    yaml(WORKFLOW)["jobs"].as_object().expect("jobs").clone()
}

fn steps(job: &str) -> Vec<Value> {
    jobs()[job]["steps"].as_array().expect("steps").clone()
}

fn step_running(job: &str, script_name: &str) -> Value {
    steps(job)
        .into_iter()
        .find(|s| s["run"].as_str().is_some_and(|r| r.contains(script_name)))
        .unwrap_or_else(|| panic!("{job} has no step running {script_name}"))
}

#[test]
fn the_workflow_is_called_with_repositories_shards_version_formats_and_a_token() {
    let workflow = yaml(WORKFLOW);
    let on = workflow["on"].as_object().expect("on:");
    assert_eq!(
        on.keys().collect::<Vec<_>>(),
        ["workflow_call"],
        "a reusable workflow only"
    );
    let call = &workflow["on"]["workflow_call"];
    let inputs = call["inputs"].as_object().unwrap();
    assert_eq!(inputs["repositories"]["type"], "string");
    assert_eq!(inputs["repositories"]["required"], true);
    assert_eq!(inputs["shards"]["type"], "number");
    assert_eq!(inputs["shards"]["default"], 1);
    assert_eq!(inputs["leakgate-ref"]["type"], "string");
    assert_eq!(inputs["leakgate-ref"]["default"], "");
    assert_eq!(inputs["formats"]["default"], "json sarif human");
    assert_eq!(inputs["fail-on"]["default"], "low");
    for (name, input) in inputs {
        assert!(
            input["description"].as_str().is_some_and(|d| !d.is_empty()),
            "{name} is described"
        );
    }
    let secrets = call["secrets"].as_object().unwrap();
    assert_eq!(secrets.keys().collect::<Vec<_>>(), ["token"]);
    assert_eq!(
        secrets["token"]["required"], false,
        "public repositories need none"
    );
    assert_eq!(
        call["outputs"]["report-artifact"]["value"],
        "${{ jobs.merge.outputs.artifact }}"
    );
}

#[test]
fn the_workflow_fans_out_over_the_plan_and_merges_every_shard() {
    let jobs = jobs();
    assert_eq!(
        jobs.keys().map(String::as_str).collect::<BTreeSet<_>>(),
        BTreeSet::from(["plan", "leakgate", "scan", "merge"])
    );
    // The plan job turns the inputs into the matrix, through env only.
    let plan_job = &jobs["plan"];
    assert_eq!(
        plan_job["outputs"]["matrix"],
        "${{ steps.plan.outputs.matrix }}"
    );
    let plan_step = step_running("plan", "plan.sh");
    assert_eq!(plan_step["id"], "plan");
    assert_eq!(
        plan_step["env"]["ORG_AUDIT_REPOSITORIES"],
        "${{ inputs.repositories }}"
    );
    assert_eq!(plan_step["env"]["ORG_AUDIT_SHARDS"], "${{ inputs.shards }}");
    assert_eq!(
        plan_step["env"]["ORG_AUDIT_FORMATS"],
        "${{ inputs.formats }}"
    );
    assert_eq!(
        plan_step["env"]["ORG_AUDIT_FAIL_ON"],
        "${{ inputs.fail-on }}"
    );
    assert!(
        plan_step["run"]
            .as_str()
            .unwrap()
            .contains(">> \"$GITHUB_OUTPUT\"")
    );

    // One scan job per matrix entry, none cancelled by another's failure.
    let scan = &jobs["scan"];
    assert_eq!(scan["needs"], json!(["plan", "leakgate"]));
    assert_eq!(
        scan["strategy"]["matrix"],
        "${{ fromJSON(needs.plan.outputs.matrix) }}"
    );
    assert_eq!(scan["strategy"]["fail-fast"], false);
    assert_eq!(
        scan["env"]["ORG_AUDIT_REPOSITORY"],
        "${{ matrix.repository }}"
    );
    assert_eq!(scan["env"]["ORG_AUDIT_SHARD"], "${{ matrix.shard }}");
    let scan_steps = steps("scan");
    let position = |needle: &str| {
        scan_steps
            .iter()
            .position(|s| {
                s["run"].as_str().is_some_and(|r| r.contains(needle))
                    || s["uses"].as_str().is_some_and(|u| u.contains(needle))
            })
            .unwrap_or_else(|| panic!("scan has no step with {needle}"))
    };
    assert!(position("download-artifact") < position("sha256sum --check"));
    assert!(position("sha256sum --check") < position("clone.sh"));
    assert!(position("clone.sh") < position("scan.sh"));
    assert!(position("scan.sh") < position("upload-artifact"));
    let clone = step_running("scan", "clone.sh");
    assert_eq!(clone["env"]["ORG_AUDIT_TOKEN"], "${{ secrets.token }}");
    assert_eq!(clone["env"]["ORG_AUDIT_SERVER"], "${{ github.server_url }}");
    let upload = &scan_steps[position("upload-artifact")];
    assert_eq!(upload["if"], "always()", "a failed scan's report is kept");
    assert_eq!(upload["with"]["name"], "${{ matrix.artifact }}");
    // The binary every job runs is the one the leakgate job built or verified.
    assert_eq!(
        jobs["leakgate"]["outputs"]["sha256"],
        "${{ steps.binary.outputs.sha256 }}"
    );

    // The merge job runs after every scan job whatever they did, and fails on missing shards.
    let merge = &jobs["merge"];
    assert_eq!(merge["needs"], json!(["plan", "leakgate", "scan"]));
    let condition = merge["if"].as_str().unwrap();
    assert!(condition.contains("!cancelled()"), "{condition}");
    assert!(
        condition.contains("needs.plan.result == 'success'"),
        "{condition}"
    );
    let download = steps("merge")
        .into_iter()
        .find(|s| s["with"]["pattern"].is_string())
        .expect("the merge job downloads the reports by pattern");
    assert_eq!(
        download["with"]["pattern"],
        format!("{REPORT_PREFIX}*"),
        "the pattern matches what plan.sh names"
    );
    let merge_step = step_running("merge", "merge.sh");
    assert_eq!(
        merge_step["env"]["ORG_AUDIT_REPOSITORIES"], "${{ inputs.repositories }}",
        "the merge job expects the shards the plan made, not what was downloaded"
    );
    assert_eq!(
        merge_step["env"]["ORG_AUDIT_SHARDS"],
        "${{ inputs.shards }}"
    );
    assert!(merge_step.get("continue-on-error").is_none());
    let merged_upload = steps("merge")
        .into_iter()
        .find(|s| s["with"]["name"] == "leakgate-org-audit")
        .expect("the merged report is uploaded");
    assert_eq!(merged_upload["if"], "always()");
    assert_eq!(merged_upload["with"]["if-no-files-found"], "error");

    // The artifact names the plan gives match the download pattern.
    let (matrix, _, _) = plan_outputs(&plan("acme/api", "2", &[]));
    for (_, _, artifact) in entries(&matrix) {
        assert!(artifact.starts_with(REPORT_PREFIX), "{artifact}");
    }
}

#[test]
fn the_workflow_has_least_privilege_pinned_actions_and_no_expressions_in_scripts() {
    let workflow = yaml(WORKFLOW);
    assert_eq!(workflow["permissions"], json!({ "contents": "read" }));
    for (name, job) in jobs() {
        let permissions = job["permissions"]
            .as_object()
            .unwrap_or_else(|| panic!("{name} says which permissions it needs"));
        for (scope, level) in permissions {
            assert!(
                level == "read" || level == "none",
                "{name}: {scope}: {level}"
            );
        }
        assert!(job["timeout-minutes"].is_number(), "{name} has a timeout");
    }

    // Every action is pinned by commit, to a commit this repository already reviewed.
    let reviewed: BTreeSet<String> = [read("action.yml"), read(".github/workflows/release.yml")]
        .iter()
        .flat_map(|t| uses_lines(t).into_iter().map(|(_, uses)| uses.to_string()))
        .collect();
    let text = read(WORKFLOW);
    let mut pinned = 0;
    for (line, uses) in uses_lines(&text) {
        let (_, version) = uses.split_once('@').expect("uses names a version");
        assert!(
            version.len() == 40 && version.bytes().all(|b| b.is_ascii_hexdigit()),
            "{uses} is not pinned by commit"
        );
        assert!(line.contains(" # v"), "{line}: the tag in a comment");
        assert!(
            reviewed.contains(uses),
            "{uses} is not a commit pinned elsewhere in this repository"
        );
        pinned += 1;
    }
    assert!(pinned >= 10, "{pinned}");

    // No `${{ }}` inside a script: inputs, matrix values and secrets reach them through env.
    let mut scripts = Vec::new();
    run_scripts(&workflow, "org-audit.yml", &mut scripts);
    assert!(scripts.len() >= 8);
    for (at, script) in &scripts {
        assert!(!script.contains("${{"), "{at}: {script}");
    }

    // Checkouts keep no credentials; the token reaches only the clone step.
    for (name, job) in jobs() {
        for step in job["steps"].as_array().unwrap() {
            let uses = step["uses"].as_str().unwrap_or_default();
            if uses.starts_with("actions/checkout@") {
                assert_eq!(step["with"]["persist-credentials"], false, "{name}");
            }
            let mentions_secret = step.to_string().contains("secrets.");
            assert_eq!(
                mentions_secret,
                step["run"].as_str().is_some_and(|r| r.contains("clone.sh")),
                "{name}: {step}"
            );
        }
    }
    assert_eq!(
        text.matches("secrets.token").count(),
        1,
        "the clone step alone"
    );
}

// ---------------------------------------------------------------------------------------------
// plan.sh

#[test]
fn plan_turns_a_list_or_a_json_array_into_one_job_per_repository_and_shard() {
    let lines = "acme/api\n\n# the front end\n  acme/web  \nAcme/API\nacme/.github\r\n";
    let (matrix, jobs, repositories) = plan_outputs(&plan(lines, "3", &[]));
    assert_eq!((jobs, repositories), (9, 3));
    let got = entries(&matrix);
    let expected: Vec<(String, String, String)> = ["acme/api", "acme/web", "acme/.github"]
        .iter()
        .flat_map(|repo| {
            (1..=3).map(move |i| {
                let (owner, name) = repo.split_once('/').unwrap();
                (
                    repo.to_string(),
                    format!("{i}/3"),
                    format!("{REPORT_PREFIX}{owner}__{name}-shard-{i}-of-3"),
                )
            })
        })
        .collect();
    assert_eq!(
        got, expected,
        "in order, each repository once (names compared without case)"
    );

    let json_input = "[\n  \"acme/api\",\n  \"acme/web\", \"acme/.github\"\n]\n";
    let (from_json, _, _) = plan_outputs(&plan(json_input, "3", &[]));
    assert_eq!(from_json, matrix, "a JSON array plans the same");

    // --list: what collect.sh expects, the same jobs.
    let list = plan(json_input, "3", &["--list"]);
    assert_eq!(list.status.code(), Some(0), "{}", stderr(&list));
    let listed: Vec<(String, String, String)> = stdout(&list)
        .lines()
        .map(|l| {
            let parts: Vec<&str> = l.split('\t').collect();
            assert_eq!(parts.len(), 3, "{l}");
            (
                parts[1].to_string(),
                parts[2].to_string(),
                parts[0].to_string(),
            )
        })
        .collect();
    assert_eq!(listed, expected);

    // Shards default to 1.
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        "plan.sh",
        &[],
        &[("ORG_AUDIT_REPOSITORIES", "acme/api")],
        dir.path(),
    );
    let (matrix, jobs, _) = plan_outputs(&out);
    assert_eq!(jobs, 1);
    assert_eq!(matrix["include"][0]["shard"], "1/1");
}

#[test]
fn plan_refuses_hostile_and_malformed_inputs_with_one_line_and_no_matrix() {
    let long_owner = format!("{}/x", "a".repeat(40));
    let long_name = format!("acme/{}", "n".repeat(101));
    let bad_repositories = [
        "../etc/passwd",
        "acme/..",
        "acme/.",
        "../acme",
        "acme",
        "acme/api/extra",
        "/acme/api",
        "acme/api;touch PWNED",
        "$(touch PWNED)/api",
        "`touch PWNED`/api",
        "acme/api|touch PWNED",
        "acme/api&&touch PWNED",
        "acme/a pi",
        "acme/*",
        "acme/api\nacme/${IFS}x",
        "https://github.com/acme/api",
        "git@github.com:acme/api",
        "-oProxyCommand=x/api",
        "acme/ap\u{e9}",
        "acme_x/api",
        long_owner.as_str(),
        long_name.as_str(),
        "",
        "\n# only a comment\n",
        "[]",
        "[\"acme/api\",]",
        "[\"acme/api\"",
        "[\"acme\\/api\"]",
        "[\"acme/api\\u0022\"]",
        "[\"acme/api\", 1]",
        "[\"acme/api\",, \"acme/web\"]",
        "[\"acme/api\" \"acme/web\"]",
        "[\"$(touch PWNED)/x\"]",
    ];
    for input in bad_repositories {
        let dir = tempfile::tempdir().unwrap();
        let out = run(
            "plan.sh",
            &[],
            &[("ORG_AUDIT_REPOSITORIES", input), ("ORG_AUDIT_SHARDS", "2")],
            dir.path(),
        );
        assert_eq!(out.status.code(), Some(2), "{input:?}: {}", stdout(&out));
        assert_eq!(stdout(&out), "", "{input:?}: nothing reaches GITHUB_OUTPUT");
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{input:?}: one line: {err}");
        assert!(err.starts_with("org-audit: "), "{err}");
        assert!(
            err.contains("repositor"),
            "{input:?}: says what is wrong: {err}"
        );
        assert!(
            !dir.path().join("PWNED").exists(),
            "{input:?}: nothing from the input was run"
        );
    }

    for shards in [
        "0",
        "-1",
        "1.5",
        "abc",
        "257",
        "4; touch PWNED",
        "04",
        " 4",
        "",
    ] {
        let out = plan("acme/api", shards, &[]);
        // An empty value is the default (1), as GitHub passes an unset number input.
        if shards.is_empty() {
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
            continue;
        }
        assert_eq!(out.status.code(), Some(2), "shards {shards:?}");
        assert_eq!(stdout(&out), "");
        assert!(stderr(&out).contains("shards must be"), "{}", stderr(&out));
    }

    let dir = tempfile::tempdir().unwrap();
    // A file named like a format: `*` must not become it.
    write(dir.path(), "sarif", "");
    for (key, value, says) in [
        ("ORG_AUDIT_FORMATS", "json xml", "formats"),
        ("ORG_AUDIT_FORMATS", " , ", "formats"),
        // A pattern is a word, never the names of files in the folder.
        ("ORG_AUDIT_FORMATS", "json *", "formats: '*' is not"),
        ("ORG_AUDIT_FAIL_ON", "everything", "fail-on"),
        ("ORG_AUDIT_FAIL_ON", "low; id", "fail-on"),
    ] {
        let out = run(
            "plan.sh",
            &[],
            &[("ORG_AUDIT_REPOSITORIES", "acme/api"), (key, value)],
            dir.path(),
        );
        assert_eq!(out.status.code(), Some(2), "{key}={value:?}");
        assert!(stderr(&out).contains(says), "{}", stderr(&out));
    }
    let out = run(
        "plan.sh",
        &["--matrix; id"],
        &[("ORG_AUDIT_REPOSITORIES", "acme/api")],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn plan_refuses_more_jobs_than_a_github_matrix_runs_and_allows_exactly_256() {
    let repos = |n: usize| {
        (1..=n)
            .map(|i| format!("acme/repo-{i}"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    // At the limit: 64 x 4 and 256 x 1.
    for (n, shards) in [(64, "4"), (256, "1"), (1, "256")] {
        let (matrix, jobs, _) = plan_outputs(&plan(&repos(n), shards, &[]));
        assert_eq!(jobs, 256);
        assert_eq!(entries(&matrix).len(), 256);
    }
    // Over it: refused before any runner starts, saying how many and what to do.
    for (n, shards) in [(65, "4"), (257, "1"), (129, "2")] {
        let out = plan(&repos(n), shards, &[]);
        assert_eq!(out.status.code(), Some(2), "{n} x {shards}");
        assert_eq!(stdout(&out), "");
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("more than the 256 jobs"), "{err}");
        assert!(err.contains("split the list"), "{err}");
    }
    // Duplicates do not count twice.
    let doubled = format!("{}\n{}", repos(256), repos(256).to_uppercase());
    let (_, jobs, repositories) = plan_outputs(&plan(&doubled, "1", &[]));
    assert_eq!((jobs, repositories), (256, 256));
}

// ---------------------------------------------------------------------------------------------
// clone.sh

/// A `file://` server: `<dir>/<owner>/<name>` repositories.
struct Server {
    dir: tempfile::TempDir,
}

impl Server {
    fn new() -> Server {
        Server {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn url(&self) -> String {
        format!("file://{}", self.dir.path().display())
    }

    fn path(&self, repo: &str) -> PathBuf {
        self.dir.path().join(repo)
    }

    /// A repository with `commits` commits on main and one on a side branch.
    fn repository(&self, repo: &str, files: &[(&str, &str)]) -> PathBuf {
        let path = self.path(repo);
        std::fs::create_dir_all(&path).unwrap();
        git(&path, &["init", "-q"]);
        git(&path, &["config", "uploadpack.allowFilter", "true"]);
        for (file, text) in files {
            write(&path, file, text);
            git(&path, &["add", "."]);
            git(&path, &["commit", "-qm", &format!("add {file}")]);
        }
        git(&path, &["checkout", "-qb", "side"]);
        write(&path, "side.txt", "side\n");
        git(&path, &["add", "."]);
        git(&path, &["commit", "-qm", "side"]);
        git(&path, &["checkout", "-q", "main"]);
        path
    }
}

fn clone(server: &Server, repo: &str, dest: &Path, extra: &[(&str, &str)]) -> Output {
    let url = server.url();
    let mut env = vec![("ORG_AUDIT_SERVER", url.as_str())];
    env.extend_from_slice(extra);
    run(
        "clone.sh",
        &[repo, dest.to_str().unwrap()],
        &env,
        dest.parent().unwrap(),
    )
}

fn commits(repo: &Path) -> String {
    git(repo, &["rev-list", "--all", "--count"])
}

#[test]
fn clone_fetches_every_commit_of_every_branch() {
    let server = Server::new();
    let origin = server.repository(
        "acme/api",
        &[("a.txt", "1\n"), ("b.txt", "2\n"), ("c.txt", "3\n")],
    );
    git(&origin, &["tag", "v1", "HEAD~1"]);
    let work = tempfile::tempdir().unwrap();
    let dest = work.path().join("repository");
    let out = clone(&server, "acme/api", &dest, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cloned acme/api: 4 commits, full history"),
        "{}",
        stderr(&out)
    );
    assert_eq!(commits(&dest), commits(&origin));
    assert_eq!(
        git(&dest, &["rev-parse", "--is-shallow-repository"]),
        "false"
    );
    assert_eq!(
        git(&dest, &["rev-parse", "origin/side"]),
        git(&origin, &["rev-parse", "side"])
    );
    assert!(
        dest.join("c.txt").exists(),
        "checked out: the scan reads files and history"
    );
    assert_eq!(
        git(&dest, &["config", "--get", "remote.origin.url"]),
        format!("{}/acme/api", server.url()),
        "no credentials in the clone's configuration"
    );
    // And the check alone agrees.
    let out = run(
        "clone.sh",
        &["--check", dest.to_str().unwrap()],
        &[],
        work.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn clone_fails_closed_on_a_shallow_or_partial_clone() {
    let server = Server::new();
    let origin = server.repository("acme/api", &[("a.txt", "1\n"), ("b.txt", "2\n")]);
    let origin_url = format!("file://{}", origin.display());

    // A server that only holds a shallow copy gives a shallow clone: refused.
    let shallow_server = server.path("acme/shallow");
    git(
        server.dir.path(),
        &[
            "clone",
            "-q",
            "--depth",
            "1",
            &origin_url,
            shallow_server.to_str().unwrap(),
        ],
    );
    let work = tempfile::tempdir().unwrap();
    let dest = work.path().join("repository");
    let out = clone(&server, "acme/shallow", &dest, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("shallow clone"), "{}", stderr(&out));
    assert!(stderr(&out).contains("refusing"), "{}", stderr(&out));

    // Clones made some other way, checked by --check: shallow, partial (blobs on the server),
    // borrowed objects (alternates).
    for (name, args, says) in [
        ("shallow", vec!["--depth", "1"], "shallow clone"),
        ("blobless", vec!["--filter=blob:none"], "partial clone"),
        ("treeless", vec!["--filter=tree:0"], "partial clone"),
        ("shared", vec!["--shared"], "borrows objects"),
    ] {
        let path = work.path().join(name);
        let source = if name == "shared" {
            origin.to_str().unwrap().to_string()
        } else {
            origin_url.clone()
        };
        let mut clone_args = vec!["clone", "-q"];
        clone_args.extend(args);
        clone_args.extend([source.as_str(), path.to_str().unwrap()]);
        git(work.path(), &clone_args);
        let out = run(
            "clone.sh",
            &["--check", path.to_str().unwrap()],
            &[],
            work.path(),
        );
        assert_eq!(out.status.code(), Some(1), "{name}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{name}: {}", stderr(&out));
    }
    // Not a repository at all.
    let out = run(
        "clone.sh",
        &["--check", work.path().to_str().unwrap()],
        &[],
        work.path(),
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn clone_refuses_bad_names_servers_and_destinations_and_reports_a_missing_repository() {
    let server = Server::new();
    server.repository("acme/api", &[("a.txt", "1\n")]);
    let work = tempfile::tempdir().unwrap();
    let dest = work.path().join("repository");
    for repo in [
        "../acme",
        "acme/..",
        "acme/api;touch PWNED",
        "$(touch PWNED)/x",
        "acme/a b",
        "-u/x",
    ] {
        let out = clone(&server, repo, &dest, &[]);
        assert_eq!(out.status.code(), Some(2), "{repo}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("is not owner/name"),
            "{}",
            stderr(&out)
        );
        assert!(!dest.exists());
        assert!(!work.path().join("PWNED").exists());
    }
    // Only https:// and file:// servers; a token only over https.
    for (server_url, token) in [
        ("http://github.com", ""),
        ("ssh://git@github.com", ""),
        ("ext::sh -c touch% PWNED", ""),
        (server.url().as_str(), "a-token"),
    ] {
        let mut env = vec![("ORG_AUDIT_SERVER", server_url)];
        if !token.is_empty() {
            env.push(("ORG_AUDIT_TOKEN", token));
        }
        let out = run(
            "clone.sh",
            &["acme/api", dest.to_str().unwrap()],
            &env,
            work.path(),
        );
        assert_eq!(out.status.code(), Some(2), "{server_url}: {}", stderr(&out));
        assert!(!dest.exists());
        assert!(!work.path().join("PWNED").exists());
    }
    // An existing destination is never cloned into.
    std::fs::create_dir(&dest).unwrap();
    let out = clone(&server, "acme/api", &dest, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("already exists"));
    std::fs::remove_dir(&dest).unwrap();
    // A repository that is not there (or not readable): tried three times, then exit 1.
    let out = clone(&server, "acme/missing", &dest, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("attempt 2 of 3"), "{err}");
    assert!(err.contains("could not clone acme/missing"), "{err}");
    assert!(!dest.exists(), "nothing half-cloned is left to scan");
}

// ---------------------------------------------------------------------------------------------
// scan.sh, collect.sh and merge.sh, with a stand-in leakgate

/// A `leakgate` stand-in: appends `<cwd>\t<args>` to `$STANDIN_LOG`, notes whether the GitHub
/// summary variables reached it, writes `--output` (the scan: a JSON naming the clone's origin
/// and the shard; the merge: `$STANDIN_MERGE_TEXT`, or its inputs, one a line), and exits with
/// `$STANDIN_SCAN_EXIT` / `$STANDIN_MERGE_EXIT` (default 0). `STANDIN_NO_REPORT=1` writes none.
fn standin(dir: &Path) -> PathBuf {
    let path = dir.join("leakgate");
    std::fs::write(
        &path,
        r#"#!/usr/bin/env bash
printf '%s\t%s\n' "$PWD" "$*" >> "$STANDIN_LOG"
if [ -n "${GITHUB_STEP_SUMMARY:-}${GITHUB_OUTPUT:-}${GITHUB_EVENT_PATH:-}" ]; then
  echo "LEAKED-GITHUB-ENV" >> "$STANDIN_LOG"
fi
out=""
prev=""
for arg in "$@"; do
  [ "$prev" = --output ] && out=$arg
  prev=$arg
done
case "$1" in
  scan)
    if [ -z "${STANDIN_NO_REPORT:-}" ]; then
      printf '{"origin":"%s","shard":"%s"}\n' "$(git config --get remote.origin.url)" "$3" > "$out"
    fi
    exit "${STANDIN_SCAN_EXIT:-0}"
    ;;
  merge)
    if [ -n "${STANDIN_MERGE_TEXT:-}" ]; then
      printf '%s\n' "$STANDIN_MERGE_TEXT" > "$out"
    else
      # The inputs: every argument after `--output FILE`.
      while [ "$1" != --output ]; do shift; done
      shift 2
      printf '%s\n' "$@" > "$out"
    fi
    exit "${STANDIN_MERGE_EXIT:-0}"
    ;;
esac
exit 64
"#,
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn log_lines(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn scan_runs_one_shard_of_the_clone_and_records_how_it_ended() {
    let server = Server::new();
    server.repository("acme/api", &[("a.txt", "1\n")]);
    let work = tempfile::tempdir().unwrap();
    let clone_dir = work.path().join("repository");
    let out = clone(&server, "acme/api", &clone_dir, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let leakgate = standin(work.path());
    let log = work.path().join("calls");
    let summary = work.path().join("summary.md");

    // (stand-in exit, scan.sh exit): findings are the merge job's to judge; an incomplete or
    // failed scan fails the shard's job.
    for (code, expected) in [("0", 0), ("1", 0), ("2", 2), ("101", 101)] {
        let report_dir = work.path().join(format!("report-{code}"));
        let out = run(
            "scan.sh",
            &[clone_dir.to_str().unwrap(), report_dir.to_str().unwrap()],
            &[
                ("LEAKGATE", leakgate.to_str().unwrap()),
                ("STANDIN_LOG", log.to_str().unwrap()),
                ("STANDIN_SCAN_EXIT", code),
                ("ORG_AUDIT_REPOSITORY", "acme/api"),
                ("ORG_AUDIT_SHARD", "2/4"),
                ("ORG_AUDIT_FAIL_ON", "high"),
                ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
                ("GITHUB_OUTPUT", summary.to_str().unwrap()),
                ("GITHUB_EVENT_PATH", summary.to_str().unwrap()),
            ],
            work.path(),
        );
        assert_eq!(
            out.status.code(),
            Some(expected),
            "exit {code}: {}",
            stderr(&out)
        );
        let status = std::fs::read_to_string(report_dir.join("status")).unwrap();
        assert_eq!(
            status,
            format!("repository=acme/api\nshard=2/4\nexit={code}\n")
        );
        let report: Value =
            serde_json::from_str(&std::fs::read_to_string(report_dir.join("report.json")).unwrap())
                .unwrap();
        assert_eq!(report["origin"], format!("{}/acme/api", server.url()));
        assert_eq!(report["shard"], "2/4");
    }
    let calls = log_lines(&log);
    assert_eq!(calls.len(), 4, "{calls:?}");
    let report = work.path().join("report-0/report.json");
    assert_eq!(
        calls[0],
        format!(
            "{}\tscan --shard 2/4 --format json --output {} --fail-on high .",
            clone_dir.display(),
            report.display()
        )
    );
    assert!(
        !std::fs::exists(&summary).unwrap(),
        "the caller's summary is the merge job's"
    );

    // No report: the shard failed, whatever leakgate said.
    let report_dir = work.path().join("report-none");
    let out = run(
        "scan.sh",
        &[clone_dir.to_str().unwrap(), report_dir.to_str().unwrap()],
        &[
            ("LEAKGATE", leakgate.to_str().unwrap()),
            ("STANDIN_LOG", log.to_str().unwrap()),
            ("STANDIN_NO_REPORT", "1"),
            ("ORG_AUDIT_REPOSITORY", "acme/api"),
            ("ORG_AUDIT_SHARD", "1/1"),
        ],
        work.path(),
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("without a report"),
        "{}",
        stderr(&out)
    );
    // A shard that is not I/N never reaches leakgate.
    let out = run(
        "scan.sh",
        &[clone_dir.to_str().unwrap(), report_dir.to_str().unwrap()],
        &[
            ("LEAKGATE", leakgate.to_str().unwrap()),
            ("STANDIN_LOG", log.to_str().unwrap()),
            ("ORG_AUDIT_REPOSITORY", "acme/api"),
            ("ORG_AUDIT_SHARD", "1/4 --show-secrets"),
        ],
        work.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(log_lines(&log).len(), 5);
}

/// Downloaded artifacts as actions/download-artifact lays them out, for every planned shard
/// of `repositories` x `shards`, each with a report and a status ending in `exit`.
fn reports(
    dir: &Path,
    repositories: &str,
    shards: &str,
    exit: &str,
) -> Vec<(String, String, String)> {
    let out = plan(repositories, shards, &["--list"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut planned = Vec::new();
    for line in stdout(&out).lines() {
        let parts: Vec<&str> = line.split('\t').collect();
        let (artifact, repo, shard) = (parts[0], parts[1], parts[2]);
        let folder = dir.join(artifact);
        write(
            &folder,
            "report.json",
            format!("{{\"repo\":\"{repo}\",\"shard\":\"{shard}\"}}\n"),
        );
        write(
            &folder,
            "status",
            format!("repository={repo}\nshard={shard}\nexit={exit}\n"),
        );
        planned.push((artifact.to_string(), repo.to_string(), shard.to_string()));
    }
    planned
}

fn collect(dir: &Path, repositories: &str, shards: &str) -> Output {
    run(
        "collect.sh",
        &[dir.to_str().unwrap()],
        &[
            ("ORG_AUDIT_REPOSITORIES", repositories),
            ("ORG_AUDIT_SHARDS", shards),
        ],
        dir.parent().expect("a temporary folder"),
    )
}

#[test]
fn collect_passes_only_when_every_planned_shard_left_a_finished_report() {
    let repositories = "acme/api\nacme/web";
    let dir = tempfile::tempdir().unwrap();
    let planned = reports(dir.path(), repositories, "3", "1");
    assert_eq!(planned.len(), 6);
    let all: Vec<String> = planned
        .iter()
        .map(|(a, _, _)| dir.path().join(a).join("report.json").display().to_string())
        .collect();
    let out = collect(dir.path(), repositories, "3");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().collect::<Vec<_>>(), all);
    assert!(stderr(&out).contains("all 6 shards done"));

    // An artifact nobody planned is not merged.
    write(
        &dir.path()
            .join(format!("{REPORT_PREFIX}evil__x-shard-1-of-1")),
        "report.json",
        "{}",
    );
    let out = collect(dir.path(), repositories, "3");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out).lines().collect::<Vec<_>>(), all);

    // Each way a shard can be missing or unfinished fails the collection and is named; the
    // reports that exist are still listed.
    type Break = fn(&Path);
    let breaks: [(&str, Break, &str, bool); 7] = [
        (
            "missing",
            |f| std::fs::remove_dir_all(f).unwrap(),
            "no report (its job did not run",
            false,
        ),
        (
            "no report",
            |f| std::fs::remove_file(f.join("report.json")).unwrap(),
            "the artifact holds no report.json",
            false,
        ),
        (
            "empty report",
            |f| std::fs::write(f.join("report.json"), "").unwrap(),
            "the artifact holds no report.json",
            false,
        ),
        (
            "symlinked report",
            |f| {
                std::fs::remove_file(f.join("report.json")).unwrap();
                std::os::unix::fs::symlink("/etc/hostname", f.join("report.json")).unwrap();
            },
            "the artifact holds no report.json",
            false,
        ),
        (
            "incomplete scan",
            |f| {
                std::fs::write(f.join("status"), "repository=acme/web\nshard=2/3\nexit=2\n")
                    .unwrap()
            },
            "leakgate exited 2",
            true,
        ),
        (
            "no status",
            |f| std::fs::remove_file(f.join("status")).unwrap(),
            "its status names nothing",
            true,
        ),
        (
            "another shard's report",
            |f| {
                std::fs::write(f.join("status"), "repository=acme/web\nshard=1/3\nexit=0\n")
                    .unwrap()
            },
            "its status names acme/web shard 1/3, not this shard",
            true,
        ),
    ];
    for (what, break_it, says, listed) in breaks {
        let dir = tempfile::tempdir().unwrap();
        let planned = reports(dir.path(), repositories, "3", "0");
        let (artifact, _, _) = &planned[4];
        assert!(artifact.ends_with("acme__web-shard-2-of-3"));
        break_it(&dir.path().join(artifact));
        let out = collect(dir.path(), repositories, "3");
        assert_eq!(out.status.code(), Some(2), "{what}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains(&format!("acme/web shard 2/3: {says}")),
            "{what}: {err}"
        );
        assert!(
            err.contains("5 of 6 shards done: the audit is INCOMPLETE"),
            "{what}: {err}"
        );
        assert_eq!(
            stdout(&out).lines().count(),
            if listed { 6 } else { 5 },
            "{what}"
        );
    }

    // Nothing downloaded at all.
    let empty = tempfile::tempdir().unwrap();
    let out = collect(empty.path(), repositories, "3");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("0 of 6 shards done"),
        "{}",
        stderr(&out)
    );
    let out = collect(&empty.path().join("absent"), repositories, "3");
    assert_eq!(out.status.code(), Some(2));
}

fn merge(reports_dir: &Path, out_dir: &Path, work: &Path, extra: &[(&str, &str)]) -> Output {
    let leakgate = standin(work);
    let log = work.join("calls");
    let leakgate = leakgate.to_str().unwrap().to_string();
    let log = log.to_str().unwrap().to_string();
    let mut env = vec![
        ("LEAKGATE", leakgate.as_str()),
        ("STANDIN_LOG", log.as_str()),
        ("ORG_AUDIT_REPOSITORIES", "acme/api\nacme/web"),
        ("ORG_AUDIT_SHARDS", "2"),
    ];
    env.extend_from_slice(extra);
    run(
        "merge.sh",
        &[reports_dir.to_str().unwrap(), out_dir.to_str().unwrap()],
        &env,
        work,
    )
}

#[test]
fn merge_merges_every_report_and_never_passes_a_missing_shard() {
    let work = tempfile::tempdir().unwrap();
    let reports_dir = work.path().join("reports");
    let planned = reports(&reports_dir, "acme/api\nacme/web", "2", "1");
    let summary = work.path().join("summary.md");
    let summary_env = ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap());

    // Every shard there: leakgate merge decides (0 clean, 1 findings), once per format, plus
    // the human report for the summary.
    for (merge_exit, verdict) in [("0", "Clean"), ("1", "Findings")] {
        let out_dir = work.path().join(format!("merged-{merge_exit}"));
        let _ = std::fs::remove_file(work.path().join("calls"));
        let _ = std::fs::remove_file(&summary);
        let out = merge(
            &reports_dir,
            &out_dir,
            work.path(),
            &[("STANDIN_MERGE_EXIT", merge_exit), summary_env],
        );
        assert_eq!(
            out.status.code(),
            Some(merge_exit.parse().unwrap()),
            "{}",
            stderr(&out)
        );
        let calls = log_lines(&work.path().join("calls"));
        let inputs: Vec<String> = planned
            .iter()
            .map(|(a, _, _)| {
                reports_dir
                    .join(a)
                    .join("report.json")
                    .display()
                    .to_string()
            })
            .collect();
        let formats: Vec<&str> = calls
            .iter()
            .map(|c| {
                let args = c.split('\t').nth(1).unwrap();
                assert!(
                    args.ends_with(&inputs.join(" ")),
                    "every report, in plan order: {args}"
                );
                args.split(' ').nth(2).unwrap()
            })
            .collect();
        assert_eq!(formats, ["json", "sarif", "human"], "{calls:?}");
        assert!(!calls.iter().any(|c| c.contains("LEAKED-GITHUB-ENV")));
        for file in [
            "leakgate-org-audit.json",
            "leakgate-org-audit.sarif",
            "leakgate-org-audit.txt",
        ] {
            assert!(out_dir.join(file).is_file(), "{file}");
        }
        let text = std::fs::read_to_string(&summary).unwrap();
        assert!(text.contains(&format!("**{verdict}:")), "{text}");
        assert!(text.contains("all 4 shards done"), "{text}");
    }

    // A missing shard fails the job even though the merge of the rest is clean, and the
    // summary names it and says the audit does not vouch for the repositories.
    std::fs::remove_dir_all(reports_dir.join(&planned[3].0)).unwrap();
    let out_dir = work.path().join("merged-missing");
    let _ = std::fs::remove_file(&summary);
    let out = merge(&reports_dir, &out_dir, work.path(), &[summary_env]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(text.contains("**FAILED: the audit is incomplete"), "{text}");
    assert!(text.contains("acme/web shard 2/2: no report"), "{text}");
    assert!(text.contains("3 of 4 shards done"), "{text}");
    assert!(
        out_dir.join("leakgate-org-audit.json").is_file(),
        "what exists is still merged"
    );

    // A merge that fails (an incomplete or unreadable report: 2; a crash) fails the job.
    reports(&reports_dir, "acme/api\nacme/web", "2", "0");
    for code in ["2", "134"] {
        let out = merge(
            &reports_dir,
            &work.path().join(format!("merged-{code}")),
            work.path(),
            &[("STANDIN_MERGE_EXIT", code)],
        );
        assert_eq!(
            out.status.code(),
            Some(2),
            "merge exit {code}: {}",
            stderr(&out)
        );
    }

    // No report at all: nothing to merge, leakgate is not run, the job fails.
    let empty = work.path().join("nothing");
    std::fs::create_dir(&empty).unwrap();
    let _ = std::fs::remove_file(work.path().join("calls"));
    let out = merge(&empty, &work.path().join("merged-empty"), work.path(), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no shard produced a report"),
        "{}",
        stderr(&out)
    );
    assert!(log_lines(&work.path().join("calls")).is_empty());

    // Only the formats asked for are written; the summary still gets the human report, in a
    // fence a file name full of backticks cannot close.
    let _ = std::fs::remove_file(&summary);
    let out_dir = work.path().join("merged-json");
    let out = merge(
        &reports_dir,
        &out_dir,
        work.path(),
        &[
            ("ORG_AUDIT_FORMATS", "json"),
            ("STANDIN_MERGE_TEXT", "src/````evil.env:3 generic-secret"),
            summary_env,
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(out_dir.join("leakgate-org-audit.json").is_file());
    assert!(!out_dir.join("leakgate-org-audit.sarif").exists());
    assert!(!out_dir.join("leakgate-org-audit.txt").exists());
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(
        text.contains("`````text\nsrc/````evil.env:3 generic-secret\n`````"),
        "{text}"
    );
}

// ---------------------------------------------------------------------------------------------
// The Kubernetes Indexed Job

fn manifest() -> Vec<Value> {
    serde_saphyr::from_multiple(&read(MANIFEST)).expect("the manifest is YAML")
}

fn object<'a>(docs: &'a [Value], kind: &str, name: &str) -> &'a Value {
    docs.iter()
        .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("{MANIFEST} has no {kind} {name}"))
}

fn container_env(container: &Value) -> Vec<(String, String)> {
    container["env"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| {
            Some((
                e["name"].as_str()?.to_string(),
                e["value"].as_str()?.to_string(),
            ))
        })
        .collect()
}

fn env_value(container: &Value, name: &str) -> String {
    container_env(container)
        .into_iter()
        .find(|(k, _)| k == name)
        .unwrap_or_else(|| panic!("no {name}"))
        .1
}

#[test]
fn the_kubernetes_job_is_indexed_unprivileged_and_maps_the_index_to_a_shard() {
    let docs = manifest();
    let scan = object(&docs, "Job", "leakgate-org-audit-scan");
    let merge = object(&docs, "Job", "leakgate-org-audit-merge");
    assert_eq!(scan["spec"]["completionMode"], "Indexed");
    let scan_container = &scan["spec"]["template"]["spec"]["containers"][0];
    let merge_container = &merge["spec"]["template"]["spec"]["containers"][0];
    let repositories = env_value(scan_container, "ORG_AUDIT_REPOSITORIES");
    let shards: u64 = env_value(scan_container, "ORG_AUDIT_SHARDS")
        .parse()
        .unwrap();
    let count = repositories
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count() as u64;
    assert!(
        count >= 2 && shards >= 2,
        "the example fans out over repositories and shards"
    );
    assert_eq!(
        scan["spec"]["completions"],
        count * shards,
        "one pod per repository and shard"
    );
    let parallelism = scan["spec"]["parallelism"].as_u64().unwrap();
    assert!((1..=count * shards).contains(&parallelism));
    // The merge Job expects what the scan Job makes.
    for name in [
        "ORG_AUDIT_REPOSITORIES",
        "ORG_AUDIT_SHARDS",
        "ORG_AUDIT_MAX_JOBS",
    ] {
        assert_eq!(
            env_value(merge_container, name),
            env_value(scan_container, name),
            "{name}"
        );
    }
    let command = scan_container["command"].as_array().unwrap();
    assert_eq!(command[..2], [json!("bash"), json!("-c")]);
    let script_text = command[2].as_str().unwrap();
    assert!(
        script_text.contains(
            "export LEAKGATE_SHARD=\"$((JOB_COMPLETION_INDEX % ORG_AUDIT_SHARDS + 1))/$ORG_AUDIT_SHARDS\""
        ),
        "{script_text}"
    );

    // Unprivileged, read-only, no Kubernetes API token, in every pod.
    for job in [scan, merge] {
        let pod = &job["spec"]["template"]["spec"];
        assert_eq!(pod["restartPolicy"], "Never");
        assert_eq!(pod["automountServiceAccountToken"], false);
        assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
        assert_ne!(pod["securityContext"]["runAsUser"], 0);
        assert_eq!(
            pod["securityContext"]["seccompProfile"]["type"],
            "RuntimeDefault"
        );
        for container in pod["containers"].as_array().unwrap() {
            let security = &container["securityContext"];
            assert_eq!(security["readOnlyRootFilesystem"], true);
            assert_eq!(security["allowPrivilegeEscalation"], false);
            assert_eq!(security["capabilities"]["drop"], json!(["ALL"]));
            assert!(container["resources"]["limits"]["memory"].is_string());
        }
        // Everything written goes to a volume: the work tree, the reports, /tmp.
        let mounts: Vec<&str> = pod["containers"][0]["volumeMounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["mountPath"].as_str().unwrap())
            .collect();
        assert!(
            mounts.contains(&"/tmp") && mounts.contains(&"/reports"),
            "{mounts:?}"
        );
    }
    let token = scan_container["env"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "ORG_AUDIT_TOKEN")
        .unwrap();
    assert_eq!(token["valueFrom"]["secretKeyRef"]["optional"], true);
    // Reports are shared between pods on different nodes.
    let claim = object(&docs, "PersistentVolumeClaim", "leakgate-org-audit-reports");
    assert_eq!(claim["spec"]["accessModes"], json!(["ReadWriteMany"]));
}

/// Runs a manifest container's script with bash, as the pod would, with the volume paths
/// pointed at temporary folders and the server at `file://`.
fn run_pod(container: &Value, index: Option<u64>, paths: &[(&str, &str)]) -> Output {
    let text = container["command"][2].as_str().unwrap();
    let mut cmd = Command::new("bash");
    cmd.arg("-c").arg(text).env_clear();
    cmd.env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("ORG_AUDIT_RETRY_DELAY", "0");
    for (k, v) in container_env(container) {
        cmd.env(k, v);
    }
    for (k, v) in paths {
        cmd.env(k, v);
    }
    if let Some(index) = index {
        cmd.env("JOB_COMPLETION_INDEX", index.to_string());
    }
    cmd.output().expect("bash runs")
}

#[test]
fn the_kubernetes_pods_scan_every_shard_of_every_repository_and_the_merge_checks_them() {
    let docs = manifest();
    let scan = object(&docs, "Job", "leakgate-org-audit-scan");
    let merge = object(&docs, "Job", "leakgate-org-audit-merge");
    let scan_container = &scan["spec"]["template"]["spec"]["containers"][0];
    let merge_container = &merge["spec"]["template"]["spec"]["containers"][0];
    let completions = scan["spec"]["completions"].as_u64().unwrap();
    let shards: u64 = env_value(scan_container, "ORG_AUDIT_SHARDS")
        .parse()
        .unwrap();
    let repositories: Vec<String> = env_value(scan_container, "ORG_AUDIT_REPOSITORIES")
        .lines()
        .map(str::to_string)
        .collect();

    let server = Server::new();
    for repo in &repositories {
        server.repository(repo, &[("README.md", &format!("{repo}\n"))]);
    }
    let volumes = tempfile::tempdir().unwrap();
    let bin = volumes.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    standin(&bin);
    let log = volumes.path().join("calls");
    let reports_dir = volumes.path().join("reports");
    let work = volumes.path().join("work");
    std::fs::create_dir_all(&reports_dir).unwrap();
    std::fs::create_dir_all(&work).unwrap();
    let scripts = root().join("action/org-audit");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let url = server.url();
    let paths = [
        ("PATH", path.as_str()),
        ("ORG_AUDIT_SERVER", url.as_str()),
        ("ORG_AUDIT_SCRIPTS", scripts.to_str().unwrap()),
        ("ORG_AUDIT_REPORTS", reports_dir.to_str().unwrap()),
        ("ORG_AUDIT_WORK", work.to_str().unwrap()),
        ("HOME", work.to_str().unwrap()),
        ("TMPDIR", volumes.path().to_str().unwrap()),
        ("STANDIN_LOG", log.to_str().unwrap()),
        ("STANDIN_SCAN_EXIT", "1"),
    ];

    // Before any pod ran, the merge fails: every shard is missing.
    let out = run_pod(merge_container, None, &paths);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("0 of {completions} shards done")),
        "{}",
        stderr(&out)
    );

    // Each index scans its repository's shard: index -> (repository index / N, index % N + 1).
    for index in 0..completions {
        let out = run_pod(scan_container, Some(index), &paths);
        assert_eq!(
            out.status.code(),
            Some(0),
            "index {index}: {}",
            stderr(&out)
        );
        let repo = &repositories[(index / shards) as usize];
        let shard = format!("{}/{shards}", index % shards + 1);
        let last = log_lines(&log).pop().unwrap();
        assert!(
            last.contains(&format!("scan --shard {shard} --format json")),
            "{index}: {last}"
        );
        let (owner, name) = repo.split_once('/').unwrap();
        let folder = reports_dir.join(format!(
            "{REPORT_PREFIX}{owner}__{name}-shard-{}-of-{shards}",
            index % shards + 1
        ));
        let report: Value =
            serde_json::from_str(&std::fs::read_to_string(folder.join("report.json")).unwrap())
                .unwrap();
        assert_eq!(report["origin"], format!("{url}/{repo}"), "index {index}");
        assert_eq!(report["shard"], shard);
    }
    // An index past the plan (completions set too high) fails its pod.
    let out = run_pod(scan_container, Some(completions), &paths);
    assert_ne!(out.status.code(), Some(0));

    // All there: the merge passes the stand-in's verdict through and shows the human report.
    let out = run_pod(merge_container, None, &paths);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let merged = reports_dir.join("merged");
    for file in [
        "leakgate-org-audit.json",
        "leakgate-org-audit.sarif",
        "leakgate-org-audit.txt",
    ] {
        assert!(merged.join(file).is_file(), "{file}");
    }
    assert_eq!(
        stdout(&out).lines().count() as u64,
        completions,
        "the stand-in's human report (one line per input) in the log: {}",
        stdout(&out)
    );
    // One pod's report lost: the merge fails.
    std::fs::remove_dir_all(reports_dir.join(format!(
        "{REPORT_PREFIX}{}-shard-1-of-{shards}",
        repositories[1].replace('/', "__")
    )))
    .unwrap();
    let out = run_pod(merge_container, None, &paths);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

// ---------------------------------------------------------------------------------------------
// Docs

#[test]
fn the_docs_caller_workflow_uses_the_declared_inputs_and_the_readme_links_the_guide() {
    let doc = read("docs/org-audit.md");
    let start = doc
        .find("```yaml\n# .github/workflows/leakgate-org-audit.yml")
        .expect("docs/org-audit.md has a caller workflow");
    let body = &doc[start + "```yaml\n".len()..];
    let caller: Value = serde_saphyr::from_str(&body[..body.find("```").unwrap()])
        .expect("the caller workflow is YAML");
    let workflow = yaml(WORKFLOW);
    let call = &workflow["on"]["workflow_call"];
    let audit = caller["jobs"]
        .as_object()
        .unwrap()
        .values()
        .find(|j| j["uses"].is_string())
        .expect("a job calling the workflow");
    let uses = audit["uses"].as_str().unwrap();
    assert!(
        uses.starts_with("leakgate/leakgate/.github/workflows/org-audit.yml@"),
        "{uses}"
    );
    for key in audit["with"].as_object().unwrap().keys() {
        assert!(call["inputs"][key].is_object(), "with: {key} is an input");
    }
    assert!(audit["with"]["repositories"].is_string());
    for key in audit["secrets"].as_object().unwrap().keys() {
        assert!(
            call["secrets"][key].is_object(),
            "secrets: {key} is declared"
        );
    }
    // The caller grants what the called jobs need and no more.
    assert_eq!(caller["permissions"], json!({ "contents": "read" }));
    for line in doc.lines() {
        let trimmed = line.trim_start().trim_start_matches("- ");
        if trimmed.starts_with("run:") {
            assert!(!trimmed.contains("${{"), "{line}");
        }
    }
    for needed in [
        "completionMode: Indexed",
        "JOB_COMPLETION_INDEX",
        "LEAKGATE_SHARD",
        "docs/k8s/org-audit-job.yaml",
        "256",
    ] {
        assert!(doc.contains(needed), "docs/org-audit.md mentions {needed}");
    }
    let readme = read("README.md");
    let section = &readme[readme
        .find("## Organisation-wide audits")
        .expect("the README has the section")..];
    assert!(section.contains("(docs/org-audit.md)"), "{section}");
    assert!(section.contains("(#shards-and-merging)"), "{section}");
}

// ---------------------------------------------------------------------------------------------
// The whole chain with the real binary

fn supports_shards(leakgate: &Path) -> bool {
    Command::new(leakgate)
        .args(["scan", "--help"])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("--shard"))
        && Command::new(leakgate)
            .args(["merge", "--help"])
            .output()
            .is_ok_and(|o| o.status.success())
}

#[test]
fn an_audit_of_two_repositories_in_shards_finds_every_secret_once_and_fails_on_a_lost_shard() {
    let leakgate = assert_cmd::cargo::cargo_bin("leakgate");
    assert!(
        supports_shards(&leakgate),
        "leakgate has `scan --shard` and `merge`"
    );
    let mut tokens = Tokens::new(1616);
    let api_token = tokens.github_pat();
    let web_token = tokens.stripe_live();
    // One key copied into both repositories at the same path: two leaks, one per repository.
    let shared_token = tokens.github_pat();
    let deploy = format!("export GITHUB_TOKEN={shared_token}\n");
    let server = Server::new();
    server.repository(
        "acme/api",
        &[
            ("config.py", &format!("TOKEN = '{api_token}'\n")),
            ("config.py", "TOKEN = os.environ['TOKEN']\n"),
            ("deploy.sh", &deploy),
        ],
    );
    server.repository(
        "acme/web",
        &[
            ("pay.js", &format!("const key = '{web_token}';\n")),
            ("deploy.sh", &deploy),
        ],
    );
    let work = tempfile::tempdir().unwrap();
    let reports_dir = work.path().join("reports");
    let list = plan("acme/api\nacme/web", "3", &["--list"]);
    assert_eq!(list.status.code(), Some(0));
    let leakgate_path = leakgate.to_str().unwrap();
    let url = server.url();
    for (n, line) in stdout(&list).lines().enumerate() {
        let parts: Vec<&str> = line.split('\t').collect();
        let dest = work.path().join(format!("clone-{n}"));
        let out = clone(&server, parts[1], &dest, &[]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let out = run(
            "scan.sh",
            &[
                dest.to_str().unwrap(),
                reports_dir.join(parts[0]).to_str().unwrap(),
            ],
            &[
                ("LEAKGATE", leakgate_path),
                ("ORG_AUDIT_REPOSITORY", parts[1]),
                ("ORG_AUDIT_SHARD", parts[2]),
                ("ORG_AUDIT_SERVER", url.as_str()),
            ],
            work.path(),
        );
        assert_eq!(out.status.code(), Some(0), "{line}: {}", stderr(&out));
    }
    let env = [
        ("LEAKGATE", leakgate_path),
        ("ORG_AUDIT_REPOSITORIES", "acme/api\nacme/web"),
        ("ORG_AUDIT_SHARDS", "3"),
    ];
    let merged = work.path().join("merged");
    let out = run(
        "merge.sh",
        &[reports_dir.to_str().unwrap(), merged.to_str().unwrap()],
        &env,
        work.path(),
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "findings fail the audit: {}",
        stderr(&out)
    );
    let json_text = std::fs::read_to_string(merged.join("leakgate-org-audit.json")).unwrap();
    let text = std::fs::read_to_string(merged.join("leakgate-org-audit.txt")).unwrap();
    for token in [&api_token, &web_token] {
        assert!(
            !json_text.contains(token.as_str()) && !text.contains(token.as_str()),
            "never the secret"
        );
    }
    assert!(
        text.contains("config.py") && text.contains("pay.js"),
        "{text}"
    );
    let merged_json: Value = serde_json::from_str(&json_text).unwrap();
    let mut deploy_paths: Vec<&str> = merged_json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .filter(|p| p.ends_with("deploy.sh"))
        .collect();
    deploy_paths.sort();
    deploy_paths.dedup();
    assert_eq!(
        deploy_paths.len(),
        2,
        "the shared key is reported in each repository: {deploy_paths:?}"
    );
    assert!(
        deploy_paths[0].contains("acme/api") && deploy_paths[1].contains("acme/web"),
        "each finding names its repository: {deploy_paths:?}"
    );
    let sarif = std::fs::read_to_string(merged.join("leakgate-org-audit.sarif")).unwrap();
    let sarif: Value = serde_json::from_str(&sarif).unwrap();
    assert_eq!(sarif["version"], "2.1.0");

    // A lost shard: whatever the others say, the audit fails as incomplete.
    let first = stdout(&list)
        .lines()
        .next()
        .unwrap()
        .split('\t')
        .next()
        .unwrap()
        .to_string();
    std::fs::remove_dir_all(reports_dir.join(first)).unwrap();
    let out = run(
        "merge.sh",
        &[
            reports_dir.to_str().unwrap(),
            work.path().join("merged-2").to_str().unwrap(),
        ],
        &env,
        work.path(),
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("5 of 6 shards done"),
        "{}",
        stderr(&out)
    );
}
