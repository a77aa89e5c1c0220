//! `leakgate install-hook` / `uninstall-hook`: a git pre-commit hook that runs
//! `leakgate scan --staged`, or a pre-push hook that runs `leakgate scan --pre-push`. A hook is
//! ours only if it carries our marker line: a different existing hook is never overwritten
//! without `--force`, nor removed.
//!
//! The scripts only find the binary and hand over: git's environment (`GIT_INDEX_FILE`,
//! `GIT_DIR`), its arguments and, for pre-push, its ref lines on standard input reach
//! leakgate unchanged, and the "blocked: here is what to do" text is the binary's
//! ([`BLOCKED_COMMIT`], [`BLOCKED_PUSH`]), so every way of running the hook says the same.

use super::EXIT_CLEAN;
use crate::report;
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

/// The line that marks a hook as written by leakgate.
const MARKER: &str = "# installed by `leakgate install-hook`";

/// Printed on stderr when `scan --staged` blocks a commit.
pub const BLOCKED_COMMIT: &str = "\
leakgate blocked this commit: what it would commit (above) holds a secret.
  - Remove it from the file and `git add` it again. Keep secrets in your environment or a secret
    manager, not in the repository. If it was ever pushed or shared, rotate it too.
  - A false positive? Add a `leakgate:allow` comment on that line, or put the fingerprint shown
    in the report into .leakgateignore.";

/// Printed on stderr when `scan --pre-push` blocks a push.
pub const BLOCKED_PUSH: &str = "\
leakgate blocked this push: a commit it would send (above) adds a secret.
  - The secret is in your local history: take it out of that commit, not just the files
    (`git rebase -i` and edit the commit, or `git commit --amend` if it is the last one), then
    push again. Rotate it if it was ever shared.
  - A false positive? Add a `leakgate:allow` comment on that line, or put the fingerprint shown
    in the report into .leakgateignore.";

/// Which hook to install or remove.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hook {
    PreCommit,
    PrePush,
}

impl Hook {
    pub fn chosen(pre_push: bool) -> Hook {
        if pre_push {
            Hook::PrePush
        } else {
            Hook::PreCommit
        }
    }

    /// The file name git looks for in the hooks folder.
    fn file_name(self) -> &'static str {
        match self {
            Hook::PreCommit => "pre-commit",
            Hook::PrePush => "pre-push",
        }
    }

    /// What the script runs: `exec` keeps git's environment, arguments and standard input.
    fn command(self) -> &'static str {
        match self {
            Hook::PreCommit => "exec \"$LEAKGATE\" scan --staged",
            Hook::PrePush => "exec \"$LEAKGATE\" scan --pre-push \"$@\"",
        }
    }

    fn purpose(self) -> &'static str {
        match self {
            Hook::PreCommit => {
                "# Blocks a commit that adds a secret: it scans the index git is committing \
                 (GIT_INDEX_FILE)."
            }
            Hook::PrePush => {
                "# Blocks a push that sends a commit adding a secret: it scans exactly the \
                 pushed commits."
            }
        }
    }
}

fn hook_script(binary: &Path, hook: Hook) -> String {
    let fallback = binary.display().to_string().replace('\'', "'\\''");
    format!(
        "#!/bin/sh\n\
         {MARKER}; remove with `leakgate uninstall-hook`.\n\
         {purpose} The report never shows the secret itself.\n\
         LEAKGATE=$(command -v leakgate 2>/dev/null || echo '{fallback}')\n\
         {command}\n",
        purpose = hook.purpose(),
        command = hook.command(),
    )
}

/// Finds `.git/hooks` for the repository containing `start` (worktrees and `gitdir:` files too),
/// honouring `core.hooksPath`.
fn hooks_dir(start: &Path) -> Result<PathBuf> {
    let repo = gix::discover(start)
        .with_context(|| format!("{}: not inside a git repository", start.display()))?;
    let configured = repo
        .config_snapshot()
        .trusted_path("core.hooksPath")
        .context("core.hooksPath is not a valid path")?;
    let dir = match configured {
        Some(p) if p.is_absolute() => p,
        Some(p) => repo.workdir().unwrap_or_else(|| repo.git_dir()).join(p),
        None => repo.common_dir().join("hooks"),
    };
    Ok(dir)
}

pub fn install(start: &Path, hook: Hook, force: bool) -> Result<u8> {
    let dir = hooks_dir(start)?;
    let path = dir.join(hook.file_name());
    if let Ok(existing) = std::fs::read_to_string(&path)
        && !existing.contains(MARKER)
        && !force
    {
        bail!(
            "{} already exists and was not written by leakgate; call leakgate from it, or pass --force to replace it",
            path.display()
        );
    }
    let binary = std::env::current_exe().context("cannot locate the leakgate executable")?;
    std::fs::create_dir_all(&dir).with_context(|| format!("{}: cannot create", dir.display()))?;
    std::fs::write(&path, hook_script(&binary, hook))
        .with_context(|| format!("{}: cannot write", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))?;
    }
    report::note(&format!("installed {}", path.display()));
    Ok(EXIT_CLEAN)
}

pub fn uninstall(start: &Path, hook: Hook) -> Result<u8> {
    let path = hooks_dir(start)?.join(hook.file_name());
    match std::fs::read_to_string(&path) {
        Ok(text) if text.contains(MARKER) => {
            std::fs::remove_file(&path)
                .with_context(|| format!("{}: cannot remove", path.display()))?;
            report::note(&format!("removed {}", path.display()));
            Ok(EXIT_CLEAN)
        }
        Ok(_) => bail!(
            "{} was not written by leakgate; leaving it alone",
            path.display()
        ),
        Err(_) => {
            report::note(&format!("no {} hook installed", hook.file_name()));
            Ok(EXIT_CLEAN)
        }
    }
}
