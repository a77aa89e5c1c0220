//! Helpers for the history module's tests: repositories built with git itself.

use std::io::Write;
use std::path::Path;

/// Runs `git ARGS` in `dir` with no user or system configuration; returns its output.
pub(super) fn git(dir: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Feeds `stream` to `git fast-import --force` in `dir` (a repository): many commits in one
/// process.
pub(super) fn fast_import(dir: &Path, stream: &[u8]) {
    let mut child = std::process::Command::new("git")
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
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
