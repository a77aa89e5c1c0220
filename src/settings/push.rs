//! What a `git push` is about to send, for `scan --pre-push`: the ref lines git writes on the
//! pre-push hook's standard input (`<local ref> <local sha> <remote ref> <remote sha>`, one per
//! ref), or, under the pre-commit framework (which reads those lines itself and runs the hook
//! once per ref), `PRE_COMMIT_FROM_REF` / `PRE_COMMIT_TO_REF`.
//!
//! Input is parsed strictly: a line that is not four fields with two object ids is an error,
//! never skipped, because a skipped line would be a pushed ref nobody scanned.

use crate::source::history::PushedRef;
use anyhow::{Result, bail};
use gix::ObjectId;

/// The updates in git's pre-push lines; deletions (local id all zeros) send nothing and are
/// left out. Errors name the line number, never its text.
pub fn parse_lines(input: &str) -> Result<Vec<PushedRef>> {
    let mut updates = Vec::new();
    for (n, line) in input.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let bad = || {
            anyhow::anyhow!(
                "--pre-push: line {} of standard input is not `<local ref> <local sha> <remote ref> \
                 <remote sha>` as git gives a pre-push hook",
                n + 1
            )
        };
        let fields: Vec<&str> = line.split(' ').collect();
        let [local_ref, local, _remote_ref, remote] = fields[..] else {
            return Err(bad());
        };
        let (Some(local), Some(remote)) = (object_id(local), object_id(remote)) else {
            return Err(bad());
        };
        if local_ref.is_empty() {
            return Err(bad());
        }
        if local.is_null() {
            continue;
        }
        updates.push(PushedRef {
            local_ref: local_ref.to_string(),
            local: local.to_string(),
            remote: (!remote.is_null()).then(|| remote.to_string()),
        });
    }
    Ok(updates)
}

/// A full hexadecimal object id (SHA-1 or SHA-256), nothing abbreviated.
fn object_id(hex: &str) -> Option<ObjectId> {
    if !matches!(hex.len(), 40 | 64) {
        return None;
    }
    ObjectId::from_hex(hex.as_bytes()).ok()
}

/// The pre-commit framework's form: `PRE_COMMIT_TO_REF` is what is pushed and
/// `PRE_COMMIT_FROM_REF` what the remote has (absent or all zeros for a new branch). These are
/// revisions, resolved by the scan.
pub fn from_framework(var: impl Fn(&str) -> Option<String>) -> Option<PushedRef> {
    let to = var("PRE_COMMIT_TO_REF").filter(|v| !v.is_empty())?;
    let from =
        var("PRE_COMMIT_FROM_REF").filter(|v| !v.is_empty() && !v.bytes().all(|b| b == b'0'));
    Some(PushedRef {
        local_ref: var("PRE_COMMIT_LOCAL_BRANCH")
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| to.clone()),
        local: to,
        remote: from,
    })
}

/// Reads the lines, refusing a terminal (git always pipes them).
pub fn read_stdin() -> Result<String> {
    use std::io::{IsTerminal, Read};
    let mut stdin = std::io::stdin();
    if stdin.is_terminal() {
        bail!(
            "--pre-push reads the ref lines git gives a pre-push hook on standard input; run it \
             from the hook (`leakgate install-hook --pre-push`)"
        );
    }
    let mut input = String::new();
    stdin
        .read_to_string(&mut input)
        .map_err(|e| anyhow::anyhow!("--pre-push: cannot read standard input: {e}"))?;
    Ok(input)
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "1111111111111111111111111111111111111111";
    const B: &str = "2222222222222222222222222222222222222222";
    const Z: &str = "0000000000000000000000000000000000000000";

    #[test]
    fn updates_new_refs_and_deletes() {
        let input = format!(
            "refs/heads/main {A} refs/heads/main {B}\n\
             refs/heads/new {A} refs/heads/new {Z}\n\
             (delete) {Z} refs/heads/old {B}\n"
        );
        let updates = parse_lines(&input).unwrap();
        assert_eq!(updates.len(), 2);
        assert_eq!(updates[0].remote.as_deref(), Some(B));
        assert_eq!(updates[1].local, A);
        assert!(updates[1].remote.is_none());
        assert!(parse_lines("").unwrap().is_empty());
    }

    #[test]
    fn malformed_lines_are_errors_without_their_text() {
        for bad in [
            format!("refs/heads/main {A} refs/heads/main"),
            format!("refs/heads/main {A} refs/heads/main {B} extra"),
            format!("refs/heads/main 1234 refs/heads/main {B}"),
            format!("refs/heads/main {}zz refs/heads/main {B}", &A[..38]),
            format!("refs/heads/main\t{A}\trefs/heads/main\t{B}"),
        ] {
            let err = parse_lines(&bad).unwrap_err().to_string();
            assert!(err.contains("line 1") && !err.contains(A), "{err}");
        }
    }

    #[test]
    fn the_framework_form_treats_zeros_as_a_new_branch() {
        let env = |to: Option<&str>, from: Option<&str>| {
            from_framework(|name| match name {
                "PRE_COMMIT_TO_REF" => to.map(str::to_string),
                "PRE_COMMIT_FROM_REF" => from.map(str::to_string),
                _ => None,
            })
        };
        assert_eq!(env(None, Some(A)), None);
        let new = env(Some(B), Some(Z)).unwrap();
        assert_eq!((new.local.as_str(), new.remote), (B, None));
        let update = env(Some(B), Some(A)).unwrap();
        assert_eq!(update.remote.as_deref(), Some(A));
    }
}
