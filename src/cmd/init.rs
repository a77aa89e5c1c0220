//! `leakgate init`: sets a repository up in one step: a commented starter `.leakgate.yml`, the
//! GitHub workflow, and the pre-commit framework's entry, all at the top of the work tree.
//!
//! It writes into someone's repository, so it is careful in three ways. An existing file is
//! kept unless `--force` (and `.pre-commit-config.yaml`, which holds the user's other hooks, is
//! only ever added to: the new entry is inserted as text and the result must parse to the old
//! file plus that entry, or the file is left alone and the entry printed to add by hand). It
//! never writes through a symbolic link or outside the work tree. And it says, for every file,
//! what it did.

use super::EXIT_CLEAN;
use crate::cli::InitArgs;
use crate::config::SCHEMA_URL;
use crate::report;
use anyhow::{Context, Result, bail};
use std::io::Write;
use std::path::{Component, Path, PathBuf};

const CONFIG_PATH: &str = ".leakgate.yml";
const WORKFLOW_PATH: &str = ".github/workflows/leakgate.yml";
const PRE_COMMIT_PATH: &str = ".pre-commit-config.yaml";

/// Anything larger is not a pre-commit config a person wrote; it is left alone.
const MAX_PRE_COMMIT_BYTES: u64 = 1024 * 1024;

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The starter `.leakgate.yml`: every option, at its default, with what it does.
pub fn starter_config() -> String {
    format!(
        "\
# yaml-language-server: $schema={SCHEMA_URL}
# leakgate's settings for this repository, written by `leakgate init`. Every option is shown at
# its default. An unknown key is an error, so a typo never silently switches something off. On
# a pull request, the base branch's copy of this file counts, not the pull request's.

# Lowest severity that fails a scan: critical, high, medium, low or info (--fail-on wins).
fail_on: low

# Paths not to scan: gitignore-style globs relative to this folder (no `/`: at any depth).
exclude: []
#  - tests/fixtures/
#  - \"docs/*.md\"

# Regexes of values that are never secrets (well-known sample keys, test fixtures).
allow: []
#  - '^AKIA[A-Z0-9]{{12}}EXAMPLE$'

# Words that mark a matched value as a placeholder when it contains one (any case).
stopwords: []
#  - changeme

# Rule and check ids to switch off (`leakgate rules list` shows them; an unknown id is an
# error).
disable_rules: []

# Extra rules files (the format of the built-in rules), relative to this file; check one with
# `leakgate rules check FILE`.
rules_files: []

# Env files whose names do not say their environment: a glob mapped to local, development,
# test, staging, production, template (an example file without real values) or none (not an
# env file).
env_files: {{}}
#  deploy/web.env: production

# Build-output folders to check for what ships to browsers, besides those found by name
# (dist/, build/, .next/static/, ...).
bundle_dirs: []

# On a pull request, let `leakgate:allow` comments the pull request itself adds suppress its
# findings. Read from the base branch's copy only; while off, a maintainer accepts them.
trust_inline_allows_in_pull_requests: false

# Findings in env files that git ignores and that no commit ever held (a local `.env.local`)
# are reported but do not fail the gate; true makes them fail it like any other.
fail_on_ignored_env_files: false

# How much the secret scan unpacks from one archive (zip, jar, tar, gz, bz2, xz, zst) and the
# archives inside it. Past a limit it stops reading that archive, names it, and exits 2.
archives:
  max_depth: 8                     # archives inside archives (a .tar.gz is one level)
  max_unpacked_bytes: 1073741824   # 1 GiB in total
  max_entry_bytes: 268435456       # 256 MiB for one entry (held in memory)
  max_ratio: 200                   # unpacked per compressed byte of a stream (a bomb sign)
  max_entries: 200000

# To accept one finding, put the fingerprint the report shows into .leakgateignore.
"
    )
}

/// The workflow: the action of this version on pushes and pull requests, SARIF to code scanning.
pub fn workflow() -> String {
    format!(
        "\
# leakgate: fails the check when a push or pull request adds a secret or unsafe configuration.
# Written by `leakgate init`. Make this job a required check so a pull request cannot remove it.
name: leakgate
on:
  push:
  pull_request:
  merge_group:
permissions:
  contents: read           # checkout, and reading the base and pull request commits
  security-events: write   # the SARIF upload to code scanning
jobs:
  leakgate:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
        with:
          fetch-depth: 0   # all history: a push or pull request is judged by what it adds
      - id: leakgate
        # Pinned by tag: the release's commit SHA is safer (workflow-unpinned-action says why);
        # put it here and drop the allow once you know it (`git ls-remote --tags` on the repo).
        uses: leakgate/leakgate@v{VERSION}  # leakgate:allow
        with:
          fail-on: low
      - name: Upload the findings to code scanning
        if: always()
        # Pull requests from forks get no security-events: write, so the upload fails there;
        # the leakgate step above still passes or fails the check.
        continue-on-error: true
        uses: github/codeql-action/upload-sarif@5d4e8d1aca955e8d8589aabd499c5cae939e33c7 # v4.31.9
        with:
          sarif_file: ${{{{ steps.leakgate.outputs.sarif-file }}}}
          category: leakgate
"
    )
}

/// The `repos:` entry for the pre-commit framework, its sequence dash at `indent` spaces.
fn pre_commit_entry(indent: usize) -> String {
    let pad = " ".repeat(indent);
    format!(
        "{pad}# leakgate: blocks a commit that would record a secret (pre-commit run --all-files\n\
         {pad}# checks every tracked file).\n\
         {pad}- repo: https://github.com/leakgate/leakgate\n\
         {pad}  rev: v{VERSION}\n\
         {pad}  hooks:\n\
         {pad}    - id: leakgate\n"
    )
}

fn new_pre_commit_config() -> String {
    format!(
        "# The pre-commit framework (https://pre-commit.com): `pre-commit install` once.\n\
         repos:\n{}",
        pre_commit_entry(2)
    )
}

/// What happened to one file, said on stderr.
enum Outcome {
    Wrote,
    Replaced,
    Added,
    Kept(String),
}

pub fn run(args: &InitArgs) -> Result<u8> {
    let top = work_tree_top(&args.path)?;
    for (relative, contents) in [(CONFIG_PATH, starter_config()), (WORKFLOW_PATH, workflow())] {
        let target = Target::inside(&top, relative)?;
        let outcome = if target.exists() && !args.force {
            Outcome::Kept("it exists; --force replaces it".into())
        } else {
            target.write(contents.as_bytes())?
        };
        say(relative, &outcome);
    }
    let target = Target::inside(&top, PRE_COMMIT_PATH)?;
    let outcome = add_pre_commit_hook(&target)?;
    say(PRE_COMMIT_PATH, &outcome);
    report::note(
        "next: review and commit these files; run `pre-commit install` for the commit hook",
    );
    Ok(EXIT_CLEAN)
}

fn say(relative: &str, outcome: &Outcome) {
    let line = match outcome {
        Outcome::Wrote => format!("wrote {relative}"),
        Outcome::Replaced => format!("replaced {relative} (--force)"),
        Outcome::Added => format!("added the leakgate hook to {relative}"),
        Outcome::Kept(why) => format!("left {relative} alone: {why}"),
    };
    report::note(&line);
}

/// The top of the work tree of the repository containing `path`, resolved.
fn work_tree_top(path: &Path) -> Result<PathBuf> {
    if !path.is_dir() {
        bail!("{}: not a folder", path.display());
    }
    let repo = gix::discover(path).with_context(|| {
        format!(
            "{}: not inside a git repository (run `git init` first)",
            path.display()
        )
    })?;
    let top = repo.workdir().with_context(|| {
        format!(
            "{}: a bare repository has no work tree to set up",
            path.display()
        )
    })?;
    std::fs::canonicalize(top).with_context(|| format!("{}: cannot resolve", top.display()))
}

/// A file `init` may write: inside the work tree, reached through no symbolic link.
struct Target {
    path: PathBuf,
    shown: String,
}

impl Target {
    /// Checks every part of `relative` below `top`: an existing part that is a symbolic link
    /// (which could lead anywhere) or not a folder is refused.
    fn inside(top: &Path, relative: &str) -> Result<Target> {
        let mut path = top.to_path_buf();
        let parts: Vec<Component<'_>> = Path::new(relative).components().collect();
        for (i, component) in parts.iter().enumerate() {
            let Component::Normal(part) = component else {
                bail!("{relative}: not a plain path inside the repository");
            };
            path.push(part);
            let last = i + 1 == parts.len();
            match std::fs::symlink_metadata(&path) {
                Ok(meta) if meta.file_type().is_symlink() => bail!(
                    "{}: a symbolic link; refusing to write through it (it may lead outside the \
                     repository)",
                    path.display()
                ),
                Ok(meta) if !last && !meta.is_dir() => bail!("{}: not a folder", path.display()),
                Ok(meta) if last && !meta.is_file() => {
                    bail!("{}: not a regular file", path.display())
                }
                _ => {}
            }
        }
        Ok(Target {
            path,
            shown: relative.to_string(),
        })
    }

    fn exists(&self) -> bool {
        std::fs::symlink_metadata(&self.path).is_ok()
    }

    /// Writes the whole file: a new file is created exclusively (never through a link that
    /// appeared meanwhile); an existing one is replaced by renaming a new file over it, which
    /// replaces a link rather than following it.
    fn write(&self, contents: &[u8]) -> Result<Outcome> {
        let parent = self.path.parent().context("a file has a folder")?;
        std::fs::create_dir_all(parent)
            .with_context(|| format!("{}: cannot create", parent.display()))?;
        let existed = self.exists();
        let fresh = if existed {
            parent.join(format!(".{}.leakgate-init", self.file_name()))
        } else {
            self.path.clone()
        };
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&fresh)
            .with_context(|| format!("{}: cannot create", fresh.display()))?;
        file.write_all(contents)
            .and_then(|()| file.sync_all())
            .with_context(|| format!("{}: cannot write", fresh.display()))?;
        if existed {
            std::fs::rename(&fresh, &self.path).with_context(|| {
                let _ = std::fs::remove_file(&fresh);
                format!("{}: cannot replace", self.shown)
            })?;
            Ok(Outcome::Replaced)
        } else {
            Ok(Outcome::Wrote)
        }
    }

    fn file_name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

/// Creates `.pre-commit-config.yaml`, or adds the leakgate entry to the one there.
fn add_pre_commit_hook(target: &Target) -> Result<Outcome> {
    if !target.exists() {
        return target.write(new_pre_commit_config().as_bytes());
    }
    let by_hand = |why: &str| {
        Outcome::Kept(format!(
            "{why}; add this under `repos:` by hand:\n{}",
            pre_commit_entry(2)
        ))
    };
    let size = std::fs::metadata(&target.path)
        .with_context(|| format!("{}: cannot read", target.shown))?
        .len();
    if size > MAX_PRE_COMMIT_BYTES {
        return Ok(by_hand("it is larger than a config file"));
    }
    let text = std::fs::read_to_string(&target.path)
        .with_context(|| format!("{}: cannot read", target.shown))?;
    let Ok(before) = parse_yaml(&text) else {
        return Ok(by_hand("it does not parse as YAML"));
    };
    if runs_leakgate(&before) {
        return Ok(Outcome::Kept("it already runs leakgate".into()));
    }
    match with_entry(&text).filter(|after| adds_only_the_entry(&before, after)) {
        Some(after) => {
            target.write(after.as_bytes())?;
            Ok(Outcome::Added)
        }
        None => Ok(by_hand(
            "its `repos:` list is not in a form init can add to safely",
        )),
    }
}

fn parse_yaml(text: &str) -> Result<serde_json::Value> {
    if text.trim().is_empty() {
        return Ok(serde_json::Value::Null);
    }
    Ok(serde_saphyr::from_str(text)?)
}

/// Whether any hook of the config is leakgate's (by id, or a local hook running it).
fn runs_leakgate(config: &serde_json::Value) -> bool {
    config["repos"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|repo| {
            repo["hooks"].as_array().into_iter().flatten().any(|hook| {
                hook["id"]
                    .as_str()
                    .is_some_and(|id| id.starts_with("leakgate"))
                    || hook["entry"]
                        .as_str()
                        .is_some_and(|entry| entry.contains("leakgate"))
            })
        })
}

/// `text` with the leakgate entry first in its block-style `repos:` list (or a new `repos:`
/// when it has none); `None` when the list is written in a form this does not edit.
fn with_entry(text: &str) -> Option<String> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let repos_line = lines.iter().position(|line| {
        line.strip_prefix("repos:").is_some_and(|rest| {
            let rest = rest.trim();
            rest.is_empty() || rest.starts_with('#')
        })
    });
    let Some(at) = repos_line else {
        // No block-style `repos:` key: only a file without one gets a new one.
        if lines.iter().any(|line| line.starts_with("repos")) {
            return None;
        }
        let mut out = text.to_string();
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str("repos:\n");
        out.push_str(&pre_commit_entry(2));
        return Some(out);
    };
    // The list's items are indented like its first item (YAML allows zero).
    let first_item = lines[at + 1..].iter().find(|line| {
        let content = line.trim_start();
        !content.is_empty() && !content.starts_with('#')
    });
    let indent = match first_item {
        Some(line) if line.trim_start().starts_with("- ") || line.trim() == "-" => {
            line.len() - line.trim_start_matches(' ').len()
        }
        Some(_) => return None,
        None => 2,
    };
    let mut out = String::with_capacity(text.len() + 256);
    for line in &lines[..=at] {
        out.push_str(line);
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&pre_commit_entry(indent));
    for line in &lines[at + 1..] {
        out.push_str(line);
    }
    Some(out)
}

/// Whether `after` parses to `before` with the leakgate entry first in `repos` and nothing
/// else changed.
fn adds_only_the_entry(before: &serde_json::Value, after: &str) -> bool {
    let Ok(after) = parse_yaml(after) else {
        return false;
    };
    let Some(repos) = after["repos"].as_array() else {
        return false;
    };
    let Some((first, rest)) = repos.split_first() else {
        return false;
    };
    let ours = first["repo"] == "https://github.com/leakgate/leakgate"
        && first["hooks"][0]["id"] == "leakgate";
    let old_repos: &[serde_json::Value] = before["repos"].as_array().map_or(&[], |v| v);
    let other_keys_same = match (before, &after) {
        (serde_json::Value::Object(b), serde_json::Value::Object(a)) => {
            a.iter().all(|(k, v)| k == "repos" || b.get(k) == Some(v))
                && b.keys().all(|k| k == "repos" || a.contains_key(k))
        }
        (serde_json::Value::Null, serde_json::Value::Object(a)) => a.len() == 1,
        _ => false,
    };
    ours && rest == old_repos && other_keys_same
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_starter_config_loads_and_shows_every_option() {
        let config = crate::config::parse(&starter_config()).expect("the starter config loads");
        assert!(config.exclude.is_empty() && !config.trust_inline_allows_in_pull_requests);
        let schema = serde_json::to_value(crate::config::json_schema()).unwrap();
        let starter: serde_json::Value = parse_yaml(&starter_config()).unwrap();
        for key in schema["properties"].as_object().unwrap().keys() {
            assert!(starter.get(key).is_some(), "the starter config lacks {key}");
        }
    }

    #[test]
    fn an_entry_is_added_under_repos_at_its_indentation_keeping_everything_else() {
        let cases = [
            "repos:\n  - repo: local\n    hooks:\n      - id: mine\n        name: mine\n        entry: true\n        language: system\n",
            "# top\nrepos:\n- repo: local\n  hooks:\n  - id: mine\n    name: mine\n    entry: true\n    language: system\nfail_fast: true\n",
            "default_stages: [pre-commit]\n",
            "",
            "repos: # mine\n\n    # a comment\n    - repo: local\n      hooks: []\n",
        ];
        for text in cases {
            let before = parse_yaml(text).unwrap();
            let after = with_entry(text).expect(text);
            assert!(adds_only_the_entry(&before, &after), "{text}\n---\n{after}");
            assert!(after.contains(text.trim_end_matches('\n').lines().last().unwrap_or("")));
        }
        // Flow style is not edited.
        assert!(with_entry("repos: []\n").is_none());
        assert!(with_entry("repos: [{repo: local, hooks: []}]\n").is_none());
    }

    #[test]
    fn leakgate_hooks_are_recognised() {
        let config = parse_yaml(
            "repos:\n  - repo: local\n    hooks:\n      - id: secrets\n        entry: leakgate protect --\n",
        )
        .unwrap();
        assert!(runs_leakgate(&config));
        assert!(!runs_leakgate(&parse_yaml("repos: []\n").unwrap()));
    }
}
