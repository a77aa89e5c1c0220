//! What judges a scan on behalf of a pull request. Everything that can relax a scan (the
//! config, `.leakgateignore`, rules files, a baseline, inline allows) is the pull request's to
//! write, so none of it is read from the checkout: the base commit's versions are read from
//! git, whatever `--config` and `--baseline` name, and a file the base commit lacks is not
//! used. Without a readable base commit nothing of the repository's is used: the built-in
//! rules alone judge the pull request. Every such decision is said out loud (the notices go to
//! stderr and into the report), and every file the pull request changes is announced.

use super::ci::Trust;
use crate::config::{self, DEFAULT_CONFIG_NAME, LoadedConfig};
use crate::source::repo::{self, GitRepo};
use crate::suppress::{IGNORE_FILE_NAME, Suppressions};
use crate::text::slash_path;
use anyhow::{Context, Result};
use std::path::{Component, Path, PathBuf};

/// The sentence a finding carries when an inline allow the pull request added no longer hides it.
pub const ALLOWED_BY_PULL_REQUEST: &str =
    "allow-listed by this pull request: a maintainer must accept it";

/// Without a base commit no line can be told apart from the pull request's own.
const ALLOWED_WITHOUT_BASE: &str = "allow-listed inline, and without the base commit leakgate \
     cannot tell whether this pull request added it: a maintainer must accept it";

/// The configuration a pull request is judged by.
pub struct Judged {
    pub config: LoadedConfig,
    pub suppressions: Suppressions,
    /// The repository the config was read from (its rules files are read from it too).
    pub git: Option<GitRepo>,
    /// What was not used or was changed, for stderr and the report.
    pub notices: Vec<String>,
}

/// What the user named on the command line (or in the action's inputs).
pub struct Named<'a> {
    pub config: Option<&'a Path>,
    pub baseline: Option<&'a Path>,
}

/// The configuration for `trust`; `None` for [`Trust::WorkingTree`] (the caller reads the
/// checkout as usual).
pub fn judged(trust: &Trust, root: &Path, named: &Named<'_>) -> Result<Option<Judged>> {
    match trust {
        Trust::WorkingTree => Ok(None),
        Trust::BaseCommit(commit) => at_base(root, commit, named).map(Some),
        Trust::BuiltIn { reason } => Ok(Some(built_in_only(reason, root, named))),
    }
}

fn short(commit: &str) -> &str {
    &commit[..12.min(commit.len())]
}

fn at_base(root: &Path, commit: &str, named: &Named<'_>) -> Result<Judged> {
    let git = repo::discover(root)?;
    let workdir = git.repo.to_thread_local().workdir().map(Path::to_path_buf);
    let mut notices = Vec::new();
    let base = Base {
        git: &git,
        commit,
        workdir: workdir.as_deref(),
    };
    // The checkout's copies, compared with the base commit's to announce changes.
    let top = workdir.as_deref().unwrap_or(root);
    let config = base.config(top, named.config, &mut notices)?;
    let mut suppressions = Suppressions::default();
    if !config.config.trust_inline_allows_in_pull_requests {
        suppressions.distrust_inline_allows(ALLOWED_BY_PULL_REQUEST);
    }
    let ignore = top.join(IGNORE_FILE_NAME);
    if let Some(text) = base.text_announcing(IGNORE_FILE_NAME, &ignore, &mut notices)? {
        suppressions.load_ignore_text(&format!("{IGNORE_FILE_NAME}@{}", short(commit)), &text)?;
    }
    if let Some(path) = named.baseline
        && let Some((rel, text)) = base.named_text(path, "--baseline", &mut notices)?
    {
        suppressions.load_baseline_text(&format!("{rel}@{}", short(commit)), &text)?;
    }
    for rel in rules_files(&config).into_iter().flatten() {
        base.text_announcing(&rel, &top.join(&rel), &mut notices)?;
    }
    Ok(Judged {
        config,
        suppressions,
        git: Some(git),
        notices,
    })
}

/// The repository-relative path of each rules file the base config names (`None`: absolute,
/// which a commit cannot hold; `build_matcher` refuses it).
fn rules_files(loaded: &LoadedConfig) -> Vec<Option<String>> {
    let dir = loaded.base_dir().unwrap_or(Path::new(""));
    loaded
        .config
        .rules_files
        .iter()
        .map(|f| f.is_relative().then(|| slash_path(&dir.join(f))))
        .collect()
}

/// The base commit, and where its files would be in the checkout.
struct Base<'a> {
    git: &'a GitRepo,
    commit: &'a str,
    workdir: Option<&'a Path>,
}

impl Base<'_> {
    fn text(&self, rel: &str) -> Result<Option<String>> {
        let bytes = self
            .git
            .file_at_commit(self.commit, rel)
            .with_context(|| format!("reading {rel} from the base commit"))?;
        bytes
            .map(|b| {
                String::from_utf8(b)
                    .map_err(|_| anyhow::anyhow!("{rel} at {} is not UTF-8", short(self.commit)))
            })
            .transpose()
    }

    /// The base commit's `rel`, announcing it when the checkout's `here` differs: the pull
    /// request changes it, and the change is not used.
    fn text_announcing(
        &self,
        rel: &str,
        here: &Path,
        notices: &mut Vec<String>,
    ) -> Result<Option<String>> {
        let committed = self.text(rel)?;
        let current = std::fs::read(here).ok();
        if committed.as_deref().map(str::as_bytes) != current.as_deref() {
            notices.push(format!(
                "this pull request changes {rel}; using the base commit {}'s version, so a \
                 pull request cannot relax its own scan",
                short(self.commit)
            ));
        }
        Ok(committed)
    }

    /// A file named by `flag`, read from the base commit: `None` (said) when it is outside the
    /// repository or the base commit does not have it.
    fn named_text(
        &self,
        path: &Path,
        flag: &str,
        notices: &mut Vec<String>,
    ) -> Result<Option<(String, String)>> {
        let shown = path.display();
        let Some(rel) = self.workdir.and_then(|w| repo_relative(w, path)) else {
            notices.push(format!(
                "{flag} {shown} is not a file of this repository, so it cannot be read from \
                 the base commit; not used (on a pull request only the base commit is trusted)"
            ));
            return Ok(None);
        };
        let here = self.workdir.unwrap_or(Path::new("")).join(&rel);
        match self.text_announcing(&rel, &here, notices)? {
            Some(text) => Ok(Some((rel, text))),
            None => {
                notices.push(format!(
                    "{flag} {shown} is not in the base commit {}; not used (a pull request \
                     cannot bring its own)",
                    short(self.commit)
                ));
                Ok(None)
            }
        }
    }

    /// `--config` (else `.leakgate.yml`) as the base commit has it, or the defaults.
    fn config(
        &self,
        top: &Path,
        named: Option<&Path>,
        notices: &mut Vec<String>,
    ) -> Result<LoadedConfig> {
        let (rel, text) = match named {
            Some(path) => match self.named_text(path, "--config", notices)? {
                Some((rel, text)) => (rel, Some(text)),
                None => return Ok(LoadedConfig::default()),
            },
            None => {
                let here = top.join(DEFAULT_CONFIG_NAME);
                let text = self.text_announcing(DEFAULT_CONFIG_NAME, &here, notices)?;
                (DEFAULT_CONFIG_NAME.to_string(), text)
            }
        };
        let config = match text {
            Some(text) => {
                config::parse(&text).with_context(|| format!("{rel} at {}", short(self.commit)))?
            }
            None => config::Config::default(),
        };
        Ok(LoadedConfig {
            config,
            // Rules files are relative to the config's folder in the repository.
            path: named.map(|_| PathBuf::from(&rel)),
            commit: Some(self.commit.to_string()),
        })
    }
}

/// `path` (as given, relative to the current directory) relative to the repository's top, if
/// it is inside it. The file itself may be missing from the checkout, so only its folder is
/// resolved.
fn repo_relative(workdir: &Path, path: &Path) -> Option<String> {
    let workdir = std::fs::canonicalize(workdir).ok()?;
    let absolute = std::path::absolute(path).ok()?;
    let name = absolute.file_name()?;
    let folder = std::fs::canonicalize(absolute.parent()?).ok()?;
    let resolved = folder.join(name);
    let rel = resolved.strip_prefix(&workdir).ok()?;
    rel.components()
        .all(|c| matches!(c, Component::Normal(_)))
        .then(|| slash_path(rel))
}

/// No base commit: nothing of the checkout's is used; what is there and ignored is named.
fn built_in_only(reason: &str, root: &Path, named: &Named<'_>) -> Judged {
    let mut ignored: Vec<String> = [DEFAULT_CONFIG_NAME, IGNORE_FILE_NAME]
        .iter()
        .filter(|name| root.join(name).exists())
        .map(|name| name.to_string())
        .collect();
    ignored.extend(named.config.map(|p| format!("--config {}", p.display())));
    ignored.extend(
        named
            .baseline
            .map(|p| format!("--baseline {}", p.display())),
    );
    let mut notice = format!(
        "{reason}: the trusted base configuration cannot be read, so this scan uses the \
         built-in rules only: no .leakgate.yml, .leakgateignore, rules files or baseline from \
         this checkout, and inline leakgate:allow comments do not suppress"
    );
    if !ignored.is_empty() {
        notice.push_str(&format!(" (not used: {})", ignored.join(", ")));
    }
    notice.push_str(
        ". Fetch the base commit (the leakgate action does) or set `fetch-depth: 0` on \
         actions/checkout",
    );
    let mut suppressions = Suppressions::default();
    suppressions.distrust_inline_allows(ALLOWED_WITHOUT_BASE);
    Judged {
        config: LoadedConfig::default(),
        suppressions,
        git: None,
        notices: vec![notice],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_paths_are_taken_relative_to_the_repository_top_or_refused() {
        let dir = tempfile::tempdir().unwrap();
        let top = dir.path().join("repo");
        std::fs::create_dir_all(top.join("ci")).unwrap();
        assert_eq!(
            repo_relative(&top, &top.join("ci/leakgate.yml")).as_deref(),
            Some("ci/leakgate.yml")
        );
        assert_eq!(
            repo_relative(&top, &top.join("ci/../ci/x.json")).as_deref(),
            Some("ci/x.json")
        );
        assert_eq!(repo_relative(&top, &dir.path().join("outside.yml")), None);
        assert_eq!(repo_relative(&top, &top.join("missing/x.yml")), None);
    }
}
