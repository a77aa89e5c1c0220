//! What a scan saw besides its findings, for the release audit (`leakgate audit`): the env
//! files of each folder as a matrix of variables by environment, the build output that ships
//! to browsers, and when each secret that is gone from `HEAD` left it. Findings say what is
//! wrong; the inventory is the context a reader needs to judge them and to say "clean" only
//! about what was actually looked at.
//!
//! Plain data shared by the steps that fill it (`checks`, `source`, `scan`) and the report
//! that renders it, so it sits low in the layers beside `finding`. It never holds a secret
//! value: a matrix cell says what a value *is* (set, shared, a test key), never the value.

use crate::finding::CommitInfo;
use serde::Serialize;

/// Everything the audit shows beyond the findings. Empty unless the scan was asked to fill it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Inventory {
    /// One matrix per folder that holds env files, in path order.
    pub env: Vec<EnvMatrix>,
    /// Each build output folder found, client and server, in path order.
    pub bundles: Vec<BuildFolder>,
    /// When each secret found in history but no longer in `HEAD` left it, by fingerprint.
    pub departures: Vec<Departure>,
}

/// The env files of one folder: variables (rows) by environment (columns).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnvMatrix {
    /// The folder, as reports show paths (`""` for the scanned root).
    pub dir: String,
    pub environments: Vec<EnvColumn>,
    /// Sorted by name; every variable any file of the folder sets.
    pub variables: Vec<EnvRow>,
}

/// One environment of a folder and the files that configure it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnvColumn {
    /// `local/development`, `test`, `staging`, `production` or `template`
    /// (`checks::env_files::Environment::as_str`).
    pub environment: String,
    /// As reports show paths.
    pub files: Vec<String>,
}

/// One variable across the environments of a folder.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnvRow {
    pub name: String,
    /// One per [`EnvMatrix::environments`], in the same order.
    pub cells: Vec<EnvCell>,
}

/// What one environment's files say about one variable.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnvCell {
    pub state: CellState,
    /// The ids of the env checks that fired on this variable in this environment's files
    /// (`env-shared-secret`, `env-test-key-in-production`, ...), sorted, each once.
    pub checks: Vec<String>,
}

/// The one word a matrix cell shows. When several apply, the first in this order that does
/// wins: a shared value, a test key, a dev endpoint, then set or empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CellState {
    /// No file of this environment sets it.
    Missing,
    /// Set to an empty value.
    Empty,
    /// Set, and no check found anything wrong with it.
    Set,
    /// The same secret value as another environment's (`env-shared-secret`).
    SharedValue,
    /// A provider's test-mode key where a live one belongs (`env-test-key-in-production`).
    TestKey,
    /// A localhost or development host where a deployed one belongs
    /// (`env-dev-endpoint-in-production`).
    DevEndpoint,
}

impl CellState {
    pub fn as_str(self) -> &'static str {
        match self {
            CellState::Missing => "missing",
            CellState::Empty => "empty",
            CellState::Set => "set",
            CellState::SharedValue => "shared-value",
            CellState::TestKey => "test-key",
            CellState::DevEndpoint => "dev-endpoint",
        }
    }
}

/// A folder of build output (`dist/`, `.next/static/`): what it ships.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BuildFolder {
    /// As reports show paths.
    pub path: String,
    /// Served to browsers (everything in it is public), as opposed to server-only output.
    pub client: bool,
    /// Files the bundle check read in it.
    pub files: usize,
    pub bytes: u64,
    /// Source maps among them (`*.map`): published source when `client`.
    pub source_maps: usize,
}

/// When a secret left the history of `HEAD`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Departure {
    /// The finding's fingerprint (one secret under one rule).
    pub fingerprint: String,
    /// The first commit on `HEAD`'s first-parent line where none of the places that held the
    /// secret hold it any more.
    pub commit: CommitInfo,
}

impl Inventory {
    /// Every repository text the inventory carries (paths, variable names, commit authors and
    /// summaries), so the caller can redact any secret inside them before it is reported, as
    /// it does for findings (`Finding::repository_text_mut`). Destructured field by field: a
    /// new text field does not compile until it is listed here.
    pub fn repository_text_mut(&mut self) -> Vec<&mut String> {
        let Inventory {
            env,
            bundles,
            departures,
        } = self;
        let mut out = Vec::new();
        for EnvMatrix {
            dir,
            environments,
            variables,
        } in env
        {
            out.push(dir);
            for EnvColumn {
                environment: _,
                files,
            } in environments
            {
                out.extend(files.iter_mut());
            }
            for EnvRow { name, cells: _ } in variables {
                out.push(name);
            }
        }
        for BuildFolder {
            path,
            client: _,
            files: _,
            bytes: _,
            source_maps: _,
        } in bundles
        {
            out.push(path);
        }
        for Departure {
            fingerprint: _,
            commit,
        } in departures
        {
            let CommitInfo {
                id: _,
                author_name,
                author_email,
                date: _,
                summary,
            } = commit;
            out.extend([author_name, author_email, summary]);
        }
        out
    }
}
