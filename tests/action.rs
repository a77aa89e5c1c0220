//! The distribution path, tested as it runs: the action's steps (taken from `action.yml` and run
//! with bash, with the env and event payloads GitHub gives them), `action/install.sh` against a
//! release laid out in a local directory (no network: `LEAKGATE_BASE_URL` names it), the cache
//! key `action/identify.sh` computes, `action/fetch-commits.sh` on push, force-push and pull
//! request payloads, the release workflow's shape, and the README's GitLab CI job.
//!
//! The release stand-in is a shell script named `leakgate` that answers `--version`: the
//! installer only moves and checks bytes, and a real 150 MB debug binary would make each test
//! pack it. Fake `rustup` and `cargo` on PATH record what the source build would run.

mod common;

use common::{Tokens, git, run_scripts, uses_lines, write, yaml};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const VERSION: &str = "0.1.0";
const TARGET: &str = "x86_64-unknown-linux-musl";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn action_steps() -> Vec<Value> {
    yaml("action.yml")["runs"]["steps"]
        .as_array()
        .expect("runs.steps")
        .clone()
}

fn step(steps: &[Value], name_starts: &str) -> Value {
    steps
        .iter()
        .find(|s| {
            s["name"]
                .as_str()
                .is_some_and(|n| n.starts_with(name_starts))
        })
        .unwrap_or_else(|| panic!("action.yml has no `{name_starts}` step"))
        .clone()
}

fn script(steps: &[Value], name_starts: &str) -> String {
    step(steps, name_starts)["run"]
        .as_str()
        .expect("a run: script")
        .to_string()
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn executable(path: &Path, text: &str) {
    write(
        path.parent().unwrap(),
        path.file_name().unwrap().to_str().unwrap(),
        text,
    );
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A release as the release workflow lays it out: `<dir>/v<version>/` holding the target's
/// tarball, the source hash file and SHA256SUMS over both.
struct Release {
    dir: tempfile::TempDir,
    /// The bytes of the packed `leakgate`.
    binary: String,
}

impl Release {
    fn new(source_hash: &str) -> Release {
        let dir = tempfile::tempdir().unwrap();
        let binary = format!(
            "#!/bin/sh\n# release stand-in {}\necho 'leakgate {VERSION}'\n",
            sha256_hex(dir.path().to_string_lossy().as_bytes())
        );
        let release = Release { dir, binary };
        let tag = release.tag_dir();
        let name = format!("leakgate-{VERSION}-{TARGET}");
        let stage = release.dir.path().join("stage");
        executable(&stage.join(&name).join("leakgate"), &release.binary);
        std::fs::create_dir_all(&tag).unwrap();
        let tarball = tag.join(format!("{name}.tar.gz"));
        let status = Command::new("tar")
            .arg("-C")
            .arg(&stage)
            .arg("-czf")
            .arg(&tarball)
            .arg(&name)
            .status()
            .unwrap();
        assert!(status.success());
        std::fs::write(
            tag.join(format!("leakgate-{VERSION}-source.sha256")),
            format!("{source_hash}\n"),
        )
        .unwrap();
        release.write_sums();
        release
    }

    fn tag_dir(&self) -> PathBuf {
        self.dir.path().join(format!("v{VERSION}"))
    }

    fn base(&self) -> String {
        self.dir.path().to_str().unwrap().to_string()
    }

    fn asset(&self) -> PathBuf {
        self.tag_dir()
            .join(format!("leakgate-{VERSION}-{TARGET}.tar.gz"))
    }

    /// SHA256SUMS over every file in the tag directory, as `sha256sum` writes it.
    fn write_sums(&self) {
        let mut lines = String::new();
        let mut names: Vec<String> = std::fs::read_dir(self.tag_dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n != "SHA256SUMS")
            .collect();
        names.sort();
        for name in names {
            let bytes = std::fs::read(self.tag_dir().join(&name)).unwrap();
            lines.push_str(&format!("{}  {name}\n", sha256_hex(&bytes)));
        }
        std::fs::write(self.tag_dir().join("SHA256SUMS"), lines).unwrap();
    }
}

/// `sh action/install.sh ARGS` with the release at `base` and the target fixed.
fn install(base: &str, args: &[&str]) -> Output {
    Command::new("sh")
        .arg(root().join("action/install.sh"))
        .args(args)
        .env("LEAKGATE_BASE_URL", base)
        .env("LEAKGATE_TARGET", TARGET)
        .env_remove("LEAKGATE_INSTALL_DIR")
        .output()
        .expect("sh runs")
}

#[test]
fn install_sh_installs_a_release_whose_checksum_matches() {
    let release = Release::new("unused");
    for base in [release.base(), format!("file://{}", release.base())] {
        let dest = tempfile::tempdir().unwrap();
        let to = dest.path().join("bin");
        let out = install(
            &base,
            &["--to", to.to_str().unwrap(), &format!("v{VERSION}")],
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("SHA-256 verified"),
            "{}",
            stderr(&out)
        );
        let installed = to.join("leakgate");
        assert_eq!(std::fs::read_to_string(&installed).unwrap(), release.binary);
        let mode = std::fs::metadata(&installed).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o755);
        let ran = Command::new(&installed).arg("--version").output().unwrap();
        assert_eq!(
            String::from_utf8_lossy(&ran.stdout).trim(),
            "leakgate 0.1.0"
        );
    }
    // The version without its `v` works too, and `LEAKGATE_INSTALL_DIR` is the default target.
    let dest = tempfile::tempdir().unwrap();
    let out = Command::new("sh")
        .arg(root().join("action/install.sh"))
        .arg(VERSION)
        .env("LEAKGATE_BASE_URL", release.base())
        .env("LEAKGATE_TARGET", TARGET)
        .env("LEAKGATE_INSTALL_DIR", dest.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(dest.path().join("leakgate").exists());
}

#[test]
fn install_sh_refuses_a_download_whose_checksum_differs() {
    let release = Release::new("unused");
    // The tarball is replaced after SHA256SUMS was written (a tampered or corrupted download):
    // a different, working binary in the same layout.
    let stage = release.dir.path().join("evil");
    let name = format!("leakgate-{VERSION}-{TARGET}");
    executable(
        &stage.join(&name).join("leakgate"),
        "#!/bin/sh\necho 'leakgate 0.1.0'\n# not the release\n",
    );
    let status = Command::new("tar")
        .arg("-C")
        .arg(&stage)
        .arg("-czf")
        .arg(release.asset())
        .arg(&name)
        .status()
        .unwrap();
    assert!(status.success());

    let dest = tempfile::tempdir().unwrap();
    std::fs::write(dest.path().join("leakgate"), "previous install\n").unwrap();
    let out = install(
        &release.base(),
        &["--to", dest.path().to_str().unwrap(), VERSION],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("checksum mismatch for leakgate-0.1.0-x86_64-unknown-linux-musl.tar.gz"),
        "{err}"
    );
    assert!(err.contains("Not installing"), "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    // Nothing was replaced and nothing else was left behind.
    assert_eq!(
        std::fs::read_to_string(dest.path().join("leakgate")).unwrap(),
        "previous install\n"
    );
    assert_eq!(std::fs::read_dir(dest.path()).unwrap().count(), 1);

    // A checksum line that is not a SHA-256 is refused the same way, never skipped.
    let sums = release.tag_dir().join("SHA256SUMS");
    let text = std::fs::read_to_string(&sums).unwrap();
    let forged: String = text
        .lines()
        .map(|l| {
            if l.ends_with(".tar.gz") {
                format!("not-a-checksum  {}\n", l.split_whitespace().nth(1).unwrap())
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    std::fs::write(&sums, forged).unwrap();
    let out = install(
        &release.base(),
        &["--to", dest.path().to_str().unwrap(), VERSION],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no valid checksum"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn install_sh_reports_when_no_release_matches() {
    let release = Release::new("abc");
    let dest = tempfile::tempdir().unwrap();
    let to = dest.path().to_str().unwrap();
    let expect_3 = |base: &str, args: &[&str], says: &str| {
        let out = install(base, args);
        assert_eq!(out.status.code(), Some(3), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
        assert!(!dest.path().join("leakgate").exists());
    };
    // No such release.
    expect_3(
        &release.base(),
        &["--to", to, "v9.9.9"],
        "no release v9.9.9",
    );
    // A release built from other sources than the caller's (the action on a later commit).
    expect_3(
        &release.base(),
        &["--to", to, "--source-hash", "def", VERSION],
        "built from other sources",
    );
    // The release has no binary for this platform.
    let out = Command::new("sh")
        .arg(root().join("action/install.sh"))
        .args(["--to", to, VERSION])
        .env("LEAKGATE_BASE_URL", release.base())
        .env("LEAKGATE_TARGET", "riscv64gc-unknown-linux-musl")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("has no binary for riscv64gc-unknown-linux-musl"));
    // Listed in SHA256SUMS but the download fails.
    std::fs::remove_file(release.asset()).unwrap();
    expect_3(
        &release.base(),
        &["--to", to, VERSION],
        "could not download",
    );
    // The same sources: only the download is missing, so it still says that.
    expect_3(
        &release.base(),
        &["--to", to, "--source-hash", "abc", VERSION],
        "could not download",
    );
}

#[test]
fn install_sh_rejects_bad_arguments_and_plain_http() {
    let release = Release::new("unused");
    let dest = tempfile::tempdir().unwrap();
    let to = dest.path().to_str().unwrap();
    for args in [
        vec!["--to", to],
        vec!["--to", to, "latest"],
        vec!["--to", to, "1.0; touch pwned"],
        vec!["--to", to, "v0.1.0\n0.2.0"],
        vec!["--to", to, "--bogus", VERSION],
        vec!["--to", to, VERSION, "0.2.0"],
    ] {
        let out = install(&release.base(), &args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        assert_eq!(
            stderr(&out).lines().count(),
            1,
            "{args:?}: {}",
            stderr(&out)
        );
    }
    let out = install("http://example.invalid/releases", &["--to", to, VERSION]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("must be https://"),
        "{}",
        stderr(&out)
    );
    assert!(!dest.path().join("leakgate").exists());
    assert!(!Path::new("pwned").exists());
}

/// A scratch `HOME` and `GITHUB_OUTPUT`, and fake `rustup`/`cargo` that log their arguments.
struct Runner {
    dir: tempfile::TempDir,
}

impl Runner {
    fn new() -> Runner {
        let runner = Runner {
            dir: tempfile::tempdir().unwrap(),
        };
        std::fs::create_dir_all(runner.home()).unwrap();
        std::fs::write(runner.output(), "").unwrap();
        for tool in ["rustup", "cargo"] {
            executable(
                &runner.dir.path().join("fakebin").join(tool),
                &format!(
                    "#!/bin/sh\necho \"{tool} $*\" >> \"{}\"\n",
                    runner.calls_file().display()
                ),
            );
        }
        runner
    }
    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }
    fn output(&self) -> PathBuf {
        self.dir.path().join("github_output")
    }
    fn calls_file(&self) -> PathBuf {
        self.dir.path().join("calls")
    }
    fn calls(&self) -> String {
        std::fs::read_to_string(self.calls_file()).unwrap_or_default()
    }
    fn outputs(&self) -> String {
        std::fs::read_to_string(self.output()).unwrap()
    }

    /// One of the action's step scripts, run as GitHub runs `shell: bash`, with the step's own
    /// `env:` replaced by `env`.
    fn run(&self, script: &str, env: &[(&str, &str)]) -> Output {
        let path = format!(
            "{}:{}",
            self.dir.path().join("fakebin").display(),
            std::env::var("PATH").unwrap()
        );
        let mut cmd = Command::new("bash");
        cmd.args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
            .current_dir(self.dir.path())
            .env("HOME", self.home())
            .env("GITHUB_OUTPUT", self.output())
            .env("ACTION_PATH", root())
            .env("PATH", path)
            .env("LEAKGATE_TARGET", TARGET);
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    }
}

/// Whether a step runs, for the `if:` conditions of the install steps: `cache-hit` and
/// `installed` are the only outputs they read.
fn step_runs(step: &Value, cache_hit: bool, installed: &str) -> bool {
    let condition = step["if"].as_str().unwrap_or("true");
    let mut result = true;
    for clause in condition.split("&&").map(str::trim) {
        result &= match clause {
            "steps.cache.outputs.cache-hit != 'true'" => !cache_hit,
            "steps.download.outputs.installed != 'release'" => installed != "release",
            other => panic!("unexpected condition `{other}` in {step}"),
        };
    }
    result
}

#[test]
fn the_action_runs_the_verified_release_and_builds_only_when_none_matches() {
    let steps = action_steps();
    let download = step(&steps, "Download the leakgate release");
    let build = step(&steps, "Build leakgate from source");
    let identity = script(&steps, "Identify this leakgate");
    let source_hash = {
        let runner = Runner::new();
        let out = runner.run(
            &identity,
            &[("ACTION_REF", "v0.1.0"), ("LEAKGATE_RUST", "1.95.0")],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        runner
            .outputs()
            .lines()
            .find_map(|l| l.strip_prefix("source="))
            .expect("source= output")
            .to_string()
    };
    let download_script = download["run"].as_str().unwrap();
    let build_script = build["run"].as_str().unwrap();
    let env = |release: &Release| {
        vec![
            ("LEAKGATE_BASE_URL", release.base()),
            ("LEAKGATE_VERSION", VERSION.to_string()),
            ("LEAKGATE_SOURCE_HASH", source_hash.clone()),
            ("LEAKGATE_RUST", "1.95.0".to_string()),
        ]
    };
    let run = |runner: &Runner, script: &str, release: &Release| {
        let env = env(release);
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        runner.run(script, &env)
    };

    // A release built from these sources: installed, verified, and no build.
    let release = Release::new(&source_hash);
    let runner = Runner::new();
    assert!(step_runs(&download, false, ""));
    let out = run(&runner, download_script, &release);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(runner.outputs().contains("installed=release"));
    assert!(
        stderr(&out).contains("SHA-256 verified"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(runner.home().join(".leakgate/bin/leakgate")).unwrap(),
        release.binary
    );
    assert!(!step_runs(&build, false, "release"));
    // A cache hit runs neither.
    assert!(!step_runs(&download, true, "") && !step_runs(&build, true, ""));

    // No release for these sources (a branch ahead of the release): the build runs, and says so.
    let other = Release::new("0123");
    let runner = Runner::new();
    let out = run(&runner, download_script, &other);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(runner.outputs().contains("installed=none"));
    assert!(
        stderr(&out).contains("building it from source"),
        "{}",
        stderr(&out)
    );
    assert!(!runner.home().join(".leakgate/bin/leakgate").exists());
    assert!(step_runs(&build, false, "none"));
    let out = run(&runner, build_script, &other);
    assert!(out.status.success(), "{}", stderr(&out));
    let calls = runner.calls();
    assert!(
        calls.contains("rustup toolchain install 1.95.0 --profile minimal"),
        "{calls}"
    );
    assert!(
        calls.contains(&format!(
            "cargo +1.95.0 install --locked --quiet --path {} --root {}",
            root().display(),
            runner.home().join(".leakgate").display()
        )),
        "{calls}"
    );

    // A tampered download fails the step: no output, no binary, no build.
    let tampered = Release::new(&source_hash);
    let mut bytes = std::fs::read(tampered.asset()).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(tampered.asset(), bytes).unwrap();
    let runner = Runner::new();
    let out = run(&runner, download_script, &tampered);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("checksum mismatch"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("not building or running anything"));
    assert_eq!(runner.outputs(), "");
    assert!(!runner.home().join(".leakgate/bin/leakgate").exists());
    assert_eq!(runner.calls(), "");
}

/// The cache key template of the restore step, with `runner.*` and the identify step's outputs
/// filled in.
fn cache_key(outputs: &str) -> String {
    let steps = action_steps();
    let restore = step(&steps, "Restore leakgate from the cache");
    let mut key = restore["with"]["key"].as_str().unwrap().to_string();
    key = key
        .replace("${{ runner.os }}", "Linux")
        .replace("${{ runner.arch }}", "X64");
    for line in outputs.lines() {
        let (name, value) = line.split_once('=').unwrap();
        key = key.replace(&format!("${{{{ steps.identity.outputs.{name} }}}}"), value);
    }
    assert!(!key.contains("${{"), "unfilled: {key}");
    key
}

#[test]
fn the_cache_key_changes_with_the_sources_the_ref_the_version_and_rust() {
    let steps = action_steps();
    let identity = step(&steps, "Identify this leakgate");
    assert_eq!(identity["id"], "identity");
    let restore = step(&steps, "Restore leakgate from the cache");
    let template = restore["with"]["key"].as_str().unwrap();
    assert!(
        !template.contains("hashFiles"),
        "hashFiles ignores the action's own files: {template}"
    );
    for part in [
        "runner.os",
        "runner.arch",
        "outputs.ref",
        "outputs.version",
        "outputs.source",
        "outputs.rust",
    ] {
        assert!(template.contains(part), "{part} is not in {template}");
    }
    assert_eq!(identity["env"]["ACTION_REF"], "${{ github.action_ref }}");

    // A copy of the action, as `uses: leakgate/leakgate@v1` unpacks it outside the workspace.
    let copy = tempfile::tempdir().unwrap();
    for file in [
        "Cargo.toml",
        "Cargo.lock",
        "build.rs",
        "README.md",
        "action/identify.sh",
    ] {
        write(copy.path(), file, std::fs::read(root().join(file)).unwrap());
    }
    for dir in ["src", "rules"] {
        let status = Command::new("cp")
            .arg("-R")
            .arg(root().join(dir))
            .arg(copy.path())
            .status()
            .unwrap();
        assert!(status.success());
    }
    let script = identity["run"].as_str().unwrap();
    let key = |ref_: &str, rust: &str| {
        let runner = Runner::new();
        let action = copy.path().to_str().unwrap();
        let out = runner.run(
            script,
            &[
                ("ACTION_PATH", action),
                ("ACTION_REF", ref_),
                ("LEAKGATE_RUST", rust),
            ],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        // What the step writes to GITHUB_OUTPUT it also shows in the log.
        assert_eq!(String::from_utf8_lossy(&out.stdout), runner.outputs());
        cache_key(&runner.outputs())
    };
    let first = key("v1", "1.95.0");
    assert!(
        first.starts_with("leakgate-Linux-X64-v1-v0.1.0-src-"),
        "{first}"
    );
    assert_eq!(key("v1", "1.95.0"), first, "stable for the same sources");
    assert_ne!(key("v2", "1.95.0"), first, "the ref");
    assert_ne!(key("v1", "1.96.0"), first, "the Rust version");
    // Docs do not change the binary; sources do, under the same ref and version (a fix on @main).
    write(copy.path(), "README.md", "changed\n");
    assert_eq!(key("v1", "1.95.0"), first);
    let main_rs = copy.path().join("src/main.rs");
    let mut text = std::fs::read_to_string(&main_rs).unwrap();
    text.push_str("\n// a fix\n");
    std::fs::write(&main_rs, &text).unwrap();
    let fixed = key("v1", "1.95.0");
    assert_ne!(fixed, first, "a source change");
    write(copy.path(), "rules/zz-new.yaml", "rules: []\n");
    assert_ne!(key("v1", "1.95.0"), fixed, "a new rules file");
    let cargo = std::fs::read_to_string(copy.path().join("Cargo.toml")).unwrap();
    std::fs::write(
        copy.path().join("Cargo.toml"),
        cargo.replacen("version = \"0.1.0\"", "version = \"0.1.1\"", 1),
    )
    .unwrap();
    assert!(key("v1", "1.95.0").contains("-v0.1.1-"), "the version");
    // A ref GitHub allows but a cache key does not (a comma), or one crafted for the shell.
    let odd = key("feature/a,b$(touch pwned)", "1.95.0");
    assert!(
        odd.starts_with("leakgate-Linux-X64-feature/a_b__touch_pwned_-v0.1.1-"),
        "{odd}"
    );
    assert!(!copy.path().join("pwned").exists());
    // `uses: ./` has no ref.
    assert!(key("", "1.95.0").starts_with("leakgate-Linux-X64-local-"));
}

#[test]
fn the_release_is_built_from_the_sources_the_action_hashes() {
    // The release workflow publishes identify.sh's hash of the tagged sources; the action
    // compares it with its own. Both must run the same script over the same tree.
    let text = std::fs::read_to_string(root().join(".github/workflows/release.yml")).unwrap();
    assert!(text.contains("sh action/identify.sh ."), "{text}");
    assert!(text.contains("leakgate-$VERSION-source.sha256"));
    let out = Command::new("sh")
        .arg(root().join("action/identify.sh"))
        .arg(root())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let source = stdout
        .lines()
        .find_map(|l| l.strip_prefix("source="))
        .unwrap();
    assert_eq!(source.len(), 64);
    assert!(source.bytes().all(|b| b.is_ascii_hexdigit()));
    let version = stdout
        .lines()
        .find_map(|l| l.strip_prefix("version="))
        .unwrap();
    assert_eq!(version, env!("CARGO_PKG_VERSION"));
}

fn assert_pinned(path: &str) -> usize {
    let text = std::fs::read_to_string(root().join(path)).unwrap();
    let mut pinned = 0;
    for (line, uses) in uses_lines(&text) {
        if uses.starts_with("./") {
            continue;
        }
        let (_, version) = uses.split_once('@').expect("uses names a version");
        assert!(
            version.len() == 40 && version.bytes().all(|b| b.is_ascii_hexdigit()),
            "{path}: {uses} is not pinned by commit"
        );
        assert!(line.contains("# v"), "{path}: {line}: the tag in a comment");
        pinned += 1;
    }
    pinned
}

#[test]
fn the_release_workflow_builds_static_binaries_with_sums_and_least_privilege() {
    let workflow = yaml(".github/workflows/release.yml");
    assert_eq!(workflow["on"]["push"]["tags"], json!(["v*"]));
    assert_eq!(workflow["permissions"], json!({}), "nothing by default");
    let jobs = workflow["jobs"].as_object().unwrap();
    for (name, job) in jobs {
        let write = job["permissions"]
            .as_object()
            .map(|p| p.values().any(|v| v == "write"))
            .unwrap_or(false);
        assert_eq!(write, name == "publish", "{name}: {}", job["permissions"]);
    }
    assert_eq!(
        jobs["publish"]["permissions"],
        json!({ "contents": "write" })
    );
    let targets: Vec<&str> = jobs["build"]["strategy"]["matrix"]["include"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["target"].as_str().unwrap())
        .collect();
    assert_eq!(
        targets,
        [
            "x86_64-unknown-linux-musl",
            "aarch64-unknown-linux-musl",
            "x86_64-apple-darwin",
            "aarch64-apple-darwin"
        ]
    );
    // Tools by version, actions by commit.
    assert!(assert_pinned(".github/workflows/release.yml") >= 3);
    assert!(assert_pinned("action.yml") >= 2);
    let env = &workflow["env"];
    for tool in ["LEAKGATE_RUST", "CARGO_ZIGBUILD", "ZIGLANG"] {
        let version = env[tool].as_str().unwrap_or_default();
        assert!(
            version.split('.').count() == 3 && version.split('.').all(|p| p.parse::<u32>().is_ok()),
            "{tool} is pinned by version: {version:?}"
        );
    }
    // The file names install.sh asks for.
    let text = std::fs::read_to_string(root().join(".github/workflows/release.yml")).unwrap();
    assert!(text.contains("name=\"leakgate-$VERSION-$TARGET\""));
    assert!(text.contains("tar -C dist -czf \"dist/$name.tar.gz\" \"$name\""));
    assert!(text.contains("> SHA256SUMS"));
    let install = std::fs::read_to_string(root().join("action/install.sh")).unwrap();
    assert!(install.contains("asset=\"leakgate-$version-$target.tar.gz\""));
    assert!(install.contains("member=\"leakgate-$version-$target/leakgate\""));
}

#[test]
fn no_expression_is_expanded_inside_a_script() {
    // leakgate's own rule for workflows: `${{ }}` inside `run:` lets a branch name or an input
    // inject shell code; values reach scripts through env.
    for path in ["action.yml", ".github/workflows/release.yml"] {
        let mut scripts = Vec::new();
        run_scripts(&yaml(path), path, &mut scripts);
        assert!(!scripts.is_empty());
        for (at, script) in scripts {
            assert!(!script.contains("${{"), "{at}: {script}");
        }
    }
    // The same rule in the docs' examples.
    for doc in ["README.md", "docs/history.md"] {
        let text = std::fs::read_to_string(root().join(doc)).unwrap();
        for line in text.lines() {
            let trimmed = line.trim_start().trim_start_matches("- ");
            if trimmed.starts_with("run:") {
                assert!(!trimmed.contains("${{"), "{doc}: {line}");
            }
        }
    }
}

/// An origin repository and a shallow clone of it, as `actions/checkout` leaves the workspace.
struct Origin {
    dir: tempfile::TempDir,
}

impl Origin {
    fn new() -> Origin {
        let origin = Origin {
            dir: tempfile::tempdir().unwrap(),
        };
        let repo = origin.repo();
        std::fs::create_dir(&repo).unwrap();
        git(&repo, &["init", "-q"]);
        git(
            &repo,
            &["config", "uploadpack.allowReachableSHA1InWant", "true"],
        );
        origin
    }
    fn repo(&self) -> PathBuf {
        self.dir.path().join("origin")
    }
    fn commit(&self, file: &str, text: &str) -> String {
        write(&self.repo(), file, text);
        git(&self.repo(), &["add", "."]);
        git(&self.repo(), &["commit", "-qm", file]);
        git(&self.repo(), &["rev-parse", "HEAD"])
    }
    fn shallow_clone(&self, name: &str) -> PathBuf {
        let url = format!("file://{}", self.repo().display());
        git(
            self.dir.path(),
            &["clone", "-q", "--depth", "1", &url, name],
        );
        self.dir.path().join(name)
    }
    fn payload(&self, value: &Value) -> PathBuf {
        let path = self.dir.path().join("event.json");
        std::fs::write(&path, value.to_string()).unwrap();
        path
    }
}

fn has_commit(repo: &Path, sha: &str) -> bool {
    Command::new("git")
        .args(["cat-file", "-e", &format!("{sha}^{{commit}}")])
        .current_dir(repo)
        .status()
        .is_ok_and(|s| s.success())
}

/// The action's fetch step, as the runner runs it.
fn fetch_commits(clone: &Path, event: &str, payload: &Path) -> Output {
    let script = script(&action_steps(), "Fetch the base commit");
    Command::new("bash")
        .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", &script])
        .current_dir(clone)
        .env("ACTION_PATH", root())
        .env("GITHUB_EVENT_NAME", event)
        .env("GITHUB_EVENT_PATH", payload)
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_WORK_TREE")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_COUNT", "1")
        .env("GIT_CONFIG_KEY_0", "protocol.file.allow")
        .env("GIT_CONFIG_VALUE_0", "always")
        .output()
        .unwrap()
}

fn ci_scan(clone: &Path, event: &str, payload: &Path) -> Output {
    common::leakgate()
        .current_dir(clone)
        .args(["scan", "--ci", "--format", "json"])
        .env("GITHUB_EVENT_NAME", event)
        .env("GITHUB_EVENT_PATH", payload)
        .output()
        .unwrap()
}

fn finding_files(out: &Output) -> Vec<String> {
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("JSON report: {}", stderr(out)));
    let mut files: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap_or_default().to_string())
        .collect();
    files.sort();
    files
}

#[test]
fn the_fetch_step_gives_a_push_its_new_commits() {
    let mut t = Tokens::new(1212);
    let origin = Origin::new();
    origin.commit("old.py", &format!("OLD = '{}'\n", t.github_pat()));
    let before = origin.commit("README.md", "v1\n");
    // The push: two commits; the first adds a token, the second removes it again.
    origin.commit("leak.py", &format!("TOKEN = '{}'\n", t.github_pat()));
    let after = origin.commit("leak.py", "TOKEN = os.environ['TOKEN']\n");
    let clone = origin.shallow_clone("push");
    assert!(!has_commit(&clone, &before));
    let payload = origin.payload(&json!({
        "ref": "refs/heads/main", "before": before, "after": after,
        "created": false, "deleted": false, "forced": false,
        "commits": [{ "id": "x" }, { "id": after }],
        "repository": { "full_name": "org/repo", "default_branch": "main" }
    }));
    let out = fetch_commits(&clone, "push", &payload);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(has_commit(&clone, &before));
    git(&clone, &["merge-base", &before, &after]);
    // The scan sees the token the push added in its first commit, and not the older one.
    let scan = ci_scan(&clone, "push", &payload);
    assert_eq!(scan.status.code(), Some(1), "{}", stderr(&scan));
    let files = finding_files(&scan);
    assert!(
        files.iter().all(|f| f == "leak.py") && !files.is_empty(),
        "{files:?}"
    );
}

#[test]
fn the_fetch_step_survives_a_force_push_and_fetches_the_new_history() {
    let mut t = Tokens::new(1213);
    let origin = Origin::new();
    let root_commit = origin.commit("README.md", "v1\n");
    let old_tip = origin.commit("old.txt", "old work\n");
    // History rewritten: the old tip is gone from the origin (no ref, pruned).
    git(&origin.repo(), &["reset", "-q", "--hard", &root_commit]);
    origin.commit("new.py", &format!("TOKEN = '{}'\n", t.github_pat()));
    let after = origin.commit("more.txt", "more\n");
    git(
        &origin.repo(),
        &["reflog", "expire", "--expire=now", "--all"],
    );
    git(&origin.repo(), &["gc", "-q", "--prune=now"]);
    let clone = origin.shallow_clone("forced");
    let payload = origin.payload(&json!({
        "ref": "refs/heads/main", "before": old_tip, "after": after,
        "created": false, "deleted": false, "forced": true, "commits": [],
        "repository": { "full_name": "org/repo", "default_branch": "main" }
    }));
    let out = fetch_commits(&clone, "push", &payload);
    assert_eq!(
        out.status.code(),
        Some(0),
        "never fails the step: {}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains(&format!(
            "could not fetch the base commit {}",
            &old_tip[..12]
        )),
        "{}",
        stderr(&out)
    );
    // The rewritten branch's whole history arrived (a push with no base scans all of it), and
    // the checkout is as it was.
    assert!(has_commit(&clone, &after) && has_commit(&clone, &root_commit));
    assert!(!has_commit(&clone, &old_tip));
    assert_eq!(
        git(&clone, &["rev-parse", "--is-shallow-repository"]),
        "false"
    );
    assert_eq!(git(&clone, &["rev-parse", "HEAD"]), after);
    assert_eq!(git(&clone, &["status", "--porcelain"]), "");

    // A new branch (`before` is all zeros): the same.
    let clone = origin.shallow_clone("new-branch");
    let payload = origin.payload(&json!({
        "ref": "refs/heads/topic", "before": "0".repeat(40), "after": after,
        "created": true, "deleted": false, "forced": false, "commits": [{ "id": after }],
        "repository": { "full_name": "org/repo", "default_branch": "main" }
    }));
    let out = fetch_commits(&clone, "push", &payload);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(has_commit(&clone, &root_commit), "{}", stderr(&out));
    assert_eq!(
        git(&clone, &["rev-parse", "--is-shallow-repository"]),
        "false"
    );
}

#[test]
fn the_fetch_step_gives_a_pull_request_from_a_fork_its_base() {
    let mut t = Tokens::new(1214);
    let origin = Origin::new();
    let base = origin.commit(".leakgate.yml", "fail_on: low\n");
    git(&origin.repo(), &["checkout", "-qb", "feature"]);
    origin.commit("app.py", &format!("TOKEN = '{}'\n", t.github_pat()));
    origin.commit(".leakgate.yml", "exclude: [\"*\"]\n");
    let head = git(&origin.repo(), &["rev-parse", "HEAD"]);
    let clone = origin.shallow_clone("pr");
    // actions/checkout of a pull request checks out the head by id, detached.
    git(&clone, &["fetch", "-q", "--depth", "1", "origin", &head]);
    git(&clone, &["checkout", "-q", "--detach", &head]);
    let payload = origin.payload(&json!({
        "action": "opened", "number": 3,
        "pull_request": {
            "number": 3, "commits": 2,
            "head": { "ref": "feature", "sha": head, "repo": { "full_name": "fork/repo" } },
            "base": { "ref": "main", "sha": base, "repo": { "full_name": "org/repo" } }
        },
        "repository": { "full_name": "org/repo" }
    }));
    let out = fetch_commits(&clone, "pull_request", &payload);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(has_commit(&clone, &base));
    // The pull request's own .leakgate.yml does not hide its token: the base's judges it.
    let scan = ci_scan(&clone, "pull_request", &payload);
    assert_eq!(scan.status.code(), Some(1), "{}", stderr(&scan));
    assert_eq!(finding_files(&scan), ["app.py"]);
}

/// The `.gitlab-ci.yml` the README shows.
fn readme_gitlab_job() -> Value {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme
        .find("# .gitlab-ci.yml")
        .expect("README shows a .gitlab-ci.yml");
    let block = &readme[start..];
    let block = &block[..block.find("```").unwrap()];
    let ci: Value = serde_saphyr::from_str(block).expect("the README's .gitlab-ci.yml is YAML");
    ci["leakgate"].clone()
}

#[test]
fn the_readme_gitlab_job_fetches_history_and_judges_a_merge_request_by_its_base() {
    let job = readme_gitlab_job();
    assert_eq!(
        job["variables"]["GIT_DEPTH"],
        json!(0),
        "full history: {job}"
    );
    let before: Vec<&str> = job["before_script"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert!(
        before
            .iter()
            .any(|l| l.contains("install.sh") && l.contains("sh -s --")),
        "installs with the checksum-verifying script: {before:?}"
    );
    let script: Vec<String> = job["script"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap().to_string())
        .collect();

    // A merge request that adds a token and a config excluding everything, in a full clone.
    let mut t = Tokens::new(1215);
    let origin = Origin::new();
    let base = origin.commit(".leakgate.yml", "fail_on: low\n");
    git(&origin.repo(), &["checkout", "-qb", "feature"]);
    origin.commit("app.py", &format!("TOKEN = '{}'\n", t.github_pat()));
    let head = origin.commit(".leakgate.yml", "exclude: [\"*\"]\n");
    let bin = origin.dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink(
        assert_cmd::cargo::cargo_bin("leakgate"),
        bin.join("leakgate"),
    )
    .unwrap();
    let run = |vars: &[(&str, &str)]| {
        let mut cmd = Command::new("sh");
        cmd.args(["-e", "-c", &script.join("\n")])
            .current_dir(origin.repo())
            .env(
                "PATH",
                format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
            )
            .env("HOME", origin.dir.path())
            .env_remove("GITHUB_EVENT_NAME")
            .env_remove("GITHUB_EVENT_PATH")
            .env_remove("GITHUB_ACTIONS")
            .env("CI_COMMIT_SHA", &head);
        for (k, v) in vars {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    };
    let mr = run(&[
        ("CI_PIPELINE_SOURCE", "merge_request_event"),
        ("CI_MERGE_REQUEST_DIFF_BASE_SHA", &base),
    ]);
    assert_eq!(mr.status.code(), Some(1), "{}", stderr(&mr));
    assert!(
        stderr(&mr).contains("judged by the base commit"),
        "{}",
        stderr(&mr)
    );
    let out = String::from_utf8_lossy(&mr.stdout);
    assert!(out.contains("app.py"), "{out}");
}

#[test]
fn the_sarif_upload_is_skipped_for_fork_pull_requests_and_the_scan_still_gates() {
    // A fork's pull request has a read-only token: an upload step that runs there fails the
    // job for lack of `security-events: write`, whatever the scan found.
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme
        .find("# .github/workflows/leakgate.yml")
        .expect("README shows the workflow");
    let block = &readme[start..];
    let workflow: Value = serde_saphyr::from_str(&block[..block.find("```").unwrap()])
        .expect("the README's workflow is YAML");
    let ci = yaml(".github/workflows/ci.yml");
    for (name, steps) in [
        ("README", workflow["jobs"]["leakgate"]["steps"].clone()),
        ("ci.yml", ci["jobs"]["leakgate"]["steps"].clone()),
    ] {
        let steps = steps.as_array().unwrap();
        let upload = steps
            .iter()
            .find(|s| {
                s["uses"]
                    .as_str()
                    .is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif"))
            })
            .unwrap_or_else(|| panic!("{name}: an upload step"));
        let condition = upload["if"].as_str().unwrap_or_default();
        assert!(condition.contains("always()"), "{name}: {condition}");
        assert!(
            condition
                .contains("github.event.pull_request.head.repo.full_name == github.repository"),
            "{name}: {condition}"
        );
        // The scan step itself has no condition and no continue-on-error: it gates.
        let scan = steps
            .iter()
            .find(|s| s["id"] == "leakgate")
            .unwrap_or_else(|| panic!("{name}: the scan step"));
        assert!(
            scan["if"].is_null() && scan["continue-on-error"].is_null(),
            "{name}"
        );
    }
    assert!(
        readme.contains("a pull request from a fork")
            || readme.contains("A pull request from a fork")
    );
}

#[test]
fn the_docker_image_builds_from_the_sources_and_runs_unprivileged() {
    let dockerfile = std::fs::read_to_string(root().join("Dockerfile")).unwrap();
    let ignore = std::fs::read_to_string(root().join(".dockerignore")).unwrap();
    // The build context holds exactly what the build reads: everything cargo needs, and no
    // `target/`, `.git` or env files.
    assert!(ignore.lines().any(|l| l.trim() == "*"), "{ignore}");
    for path in [
        "Cargo.toml",
        "Cargo.lock",
        "build.rs",
        "benches",
        "rules",
        "src",
    ] {
        assert!(dockerfile.contains(path), "Dockerfile copies {path}");
        assert!(
            ignore
                .lines()
                .any(|l| l.trim().trim_end_matches('/') == format!("!{path}")),
            ".dockerignore lets {path} in"
        );
    }
    assert!(dockerfile.contains("cargo build --locked --release"));
    let last_stage = &dockerfile[dockerfile.rfind("\nFROM ").unwrap()..];
    assert!(last_stage.starts_with("\nFROM scratch"), "{last_stage}");
    assert!(last_stage.contains("USER 65532:65532"), "{last_stage}");
    assert!(
        last_stage.contains("ENTRYPOINT [\"/usr/local/bin/leakgate\"]"),
        "{last_stage}"
    );

    // What the image promises: leakgate reads a repository owned by another user, as an
    // unprivileged user with no HOME, no PATH and no git. Needs root to switch users.
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let setpriv = Command::new("setpriv").arg("--version").output().is_ok();
    if !is_root || !setpriv {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI runs as root with setpriv"
        );
        eprintln!("not root or no setpriv: the unprivileged run is not checked");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "-q"]);
    let token = Tokens::new(1216).github_pat();
    write(&repo, "app.py", format!("TOKEN = '{token}'\n"));
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-qm", "token"]);
    let binary = dir.path().join("leakgate");
    std::fs::copy(assert_cmd::cargo::cargo_bin("leakgate"), &binary).unwrap();
    for path in [dir.path().to_path_buf(), binary.clone()] {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let status = Command::new("chmod")
        .args(["-R", "a+rX"])
        .arg(&repo)
        .status()
        .unwrap();
    assert!(status.success());
    let out = Command::new("setpriv")
        .args([
            "--reuid=65532",
            "--regid=65532",
            "--clear-groups",
            "env",
            "-i",
        ])
        .arg(&binary)
        .args(["scan", "."])
        .current_dir(&repo)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("app.py"), "{stdout}");
    assert!(!stdout.contains(&token), "never the secret");
}
