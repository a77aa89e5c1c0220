//! `leakgate install-hook` / `uninstall-hook`: a git pre-commit hook that runs
//! `leakgate scan --staged`. The hook is ours only if it carries our marker line: a different
//! existing hook is never overwritten without `--force`, nor removed.

use super::EXIT_CLEAN;
use crate::report;
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

/// The line that marks a hook as written by leakgate.
const MARKER: &str = "# installed by `leakgate install-hook`";

fn hook_script(binary: &Path) -> String {
    let fallback = binary.display().to_string().replace('\'', "'\\''");
    format!(
        r#"#!/bin/sh
{MARKER}; remove with `leakgate uninstall-hook`.
# Blocks a commit whose staged changes add a secret. The report never shows the secret itself.
LEAKGATE=$(command -v leakgate 2>/dev/null || echo '{fallback}')
"$LEAKGATE" scan --staged
status=$?
if [ $status -eq 1 ]; then
  cat >&2 <<'MSG'

leakgate blocked this commit: the staged changes above add a secret.
  - Remove it from the file and `git add` again. Keep secrets in your environment or a secret
    manager, not in the repository. If it was ever pushed or shared, rotate it too.
  - A false positive? Add a `leakgate:allow` comment on that line, or put the fingerprint shown
    in the report into .leakgateignore.
MSG
fi
exit $status
"#
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

pub fn install(start: &Path, force: bool) -> Result<u8> {
    let dir = hooks_dir(start)?;
    let hook = dir.join("pre-commit");
    if let Ok(existing) = std::fs::read_to_string(&hook)
        && !existing.contains(MARKER)
        && !force
    {
        bail!(
            "{} already exists and was not written by leakgate; call leakgate from it, or pass --force to replace it",
            hook.display()
        );
    }
    let binary = std::env::current_exe().context("cannot locate the leakgate executable")?;
    std::fs::create_dir_all(&dir).with_context(|| format!("{}: cannot create", dir.display()))?;
    std::fs::write(&hook, hook_script(&binary))
        .with_context(|| format!("{}: cannot write", hook.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755))?;
    }
    report::note(&format!("installed {}", hook.display()));
    Ok(EXIT_CLEAN)
}

pub fn uninstall(start: &Path) -> Result<u8> {
    let hook = hooks_dir(start)?.join("pre-commit");
    match std::fs::read_to_string(&hook) {
        Ok(text) if text.contains(MARKER) => {
            std::fs::remove_file(&hook)
                .with_context(|| format!("{}: cannot remove", hook.display()))?;
            report::note(&format!("removed {}", hook.display()));
            Ok(EXIT_CLEAN)
        }
        Ok(_) => bail!(
            "{} was not written by leakgate; leaving it alone",
            hook.display()
        ),
        Err(_) => {
            report::note("no pre-commit hook installed");
            Ok(EXIT_CLEAN)
        }
    }
}
