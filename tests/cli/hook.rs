//! `install-hook` / `uninstall-hook` in a temporary repository.

use crate::common::leakgate;
use std::path::Path;
use std::process::Command;

fn git_init(dir: &Path) {
    let ok = Command::new("git")
        .args(["init", "-q"])
        .current_dir(dir)
        .status()
        .expect("git is installed for tests")
        .success();
    assert!(ok);
}

#[test]
fn install_writes_an_executable_hook_and_uninstall_removes_only_ours() {
    let dir = tempfile::tempdir().unwrap();
    git_init(dir.path());
    leakgate()
        .arg("install-hook")
        .arg(dir.path())
        .assert()
        .code(0);
    let hook = dir.path().join(".git/hooks/pre-commit");
    let text = std::fs::read_to_string(&hook).unwrap();
    assert!(text.contains("scan --staged"), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&hook).unwrap().permissions().mode() & 0o111,
            0o111
        );
    }
    // Installing again over our own hook is fine.
    leakgate()
        .arg("install-hook")
        .arg(dir.path())
        .assert()
        .code(0);
    leakgate()
        .arg("uninstall-hook")
        .arg(dir.path())
        .assert()
        .code(0);
    assert!(!hook.exists());
}

#[test]
fn a_foreign_hook_is_kept_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    git_init(dir.path());
    let hook = dir.path().join(".git/hooks/pre-commit");
    std::fs::create_dir_all(hook.parent().unwrap()).unwrap();
    std::fs::write(&hook, "#!/bin/sh\necho mine\n").unwrap();
    leakgate()
        .arg("install-hook")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--force"));
    assert_eq!(
        std::fs::read_to_string(&hook).unwrap(),
        "#!/bin/sh\necho mine\n"
    );
    leakgate()
        .arg("uninstall-hook")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("not written by leakgate"));
    leakgate()
        .args(["install-hook", "--force"])
        .arg(dir.path())
        .assert()
        .code(0);
    assert!(std::fs::read_to_string(&hook).unwrap().contains("leakgate"));
}

#[test]
fn outside_a_repository_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    leakgate()
        .arg("install-hook")
        .arg(dir.path())
        .env("GIT_CEILING_DIRECTORIES", dir.path().parent().unwrap())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("not inside a git repository"));
}
