//! Fixture files and repositories, shared by the integration tests (`tests/common`) and the
//! crate's unit tests that need a real repository (`crate::source::fixture`): std only.
#![allow(dead_code)]

use std::path::Path;

/// Writes `contents` at `relative` under `root`, creating folders.
pub fn write(root: &Path, relative: &str, contents: impl AsRef<[u8]>) {
    let path = root.join(relative);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create parent dirs");
    }
    std::fs::write(path, contents).expect("write fixture file");
}

/// Runs git in `dir` for building fixture repositories, isolated from the machine's and the
/// caller's git setup (no system or global config, no `GIT_DIR`/`GIT_INDEX_FILE`/`GIT_WORK_TREE`
/// inherited from a hook the tests may run under), with a fixed identity and branch name.
/// Panics with git's stderr when it fails; returns its trimmed stdout.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = isolated_git(dir)
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.com"])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(["-c", "protocol.file.allow=always"])
        .args(args)
        .output()
        .expect("git runs (tests build fixture repositories with it)");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Feeds `stream` to `git fast-import --force` in `dir` (a repository), isolated like [`git`]:
/// many commits in one process, where a `git commit` per version would take minutes.
pub fn fast_import(dir: &Path, stream: &[u8]) {
    use std::io::Write;
    let mut child = isolated_git(dir)
        .args(["fast-import", "--quiet", "--force"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("git fast-import runs");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(stream)
        .expect("fast-import reads the stream");
    assert!(child.wait().expect("fast-import ends").success());
}

/// Repacks `dir`'s objects from scratch into one pack with delta chains up to 50 deep (a wide
/// window finds bases far back), the shape that makes history reading follow long chains.
pub fn repack_deep(dir: &Path) {
    git(
        dir,
        &[
            "repack",
            "-a",
            "-d",
            "-f",
            "-q",
            "--depth=50",
            "--window=250",
        ],
    );
}

/// A `git` command in `dir` that sees none of the machine's or the caller's git setup.
fn isolated_git(dir: &Path) -> std::process::Command {
    let mut command = std::process::Command::new("git");
    command
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_WORK_TREE");
    command
}
