//! The env files of one scanned root, read and parsed, with what git and the engine said about
//! each: the model every check reads. Also the [`Judge`], which holds the repository's own
//! notion of "not a secret" (its `allow` patterns and `stopwords`) and decides which values
//! count as secrets, so every check agrees on that.

use super::classify::Environment;
use super::dotenv::{Dotenv, Entry};
use super::rules::Place;
use super::values;
use crate::source::index::Tracking;
use regex::bytes::Regex;
use std::ops::Range;
use std::path::PathBuf;

/// A secret-rule match inside an env file.
#[derive(Debug, Clone)]
pub struct Hit {
    /// Byte range in the file.
    pub range: Range<usize>,
    pub rule_id: String,
    pub publishable: bool,
    pub secret: String,
}

/// One env file under the scanned root.
#[derive(Debug)]
pub struct EnvFile {
    /// Relative to the scanned root, `/`-separated (stable across roots; used in fingerprints).
    pub relative: String,
    /// As shown in reports (relative, or joined with the root when several roots are scanned).
    pub shown: String,
    /// From the top of the repository (for `git rm --cached ...` advice, run there).
    pub command_path: String,
    pub environment: Environment,
    pub file_name: String,
    /// The folder it is in, relative to the root (`""` for the root itself).
    pub dir: PathBuf,
    /// Present in the working tree (otherwise only in the git index).
    pub in_worktree: bool,
    /// Whether a `.gitignore` file ignores it (`None`: not in the working tree).
    pub gitignored: Option<bool>,
    /// What git has (`None`: not inside a git repository).
    pub tracking: Option<Tracking>,
    pub dotenv: Dotenv,
    pub hits: Vec<Hit>,
    /// Encrypted at rest (sops, dotenvx): safe to commit by design.
    pub encrypted: bool,
    /// Lines of entries a `leakgate:allow` comment accepts (on the line, or alone on the line
    /// before): findings about those entries are suppressed like a secret rule's.
    pub allowed_lines: std::collections::HashSet<usize>,
}

impl EnvFile {
    pub fn place(&self) -> Place<'_> {
        Place {
            shown: &self.shown,
            relative: &self.relative,
            allowed_lines: &self.allowed_lines,
        }
    }

    pub fn is_template(&self) -> bool {
        self.environment.is_template()
    }

    /// Non-publishable secret-rule matches inside an entry's value.
    pub fn secret_hits<'a>(&'a self, entry: &'a Entry) -> impl Iterator<Item = &'a Hit> + 'a {
        self.hits.iter().filter(move |h| {
            !h.publishable
                && h.range.start < entry.value_span.end
                && entry.value_span.start < h.range.end
        })
    }

    /// Whether the file's name marks it as machine-local by convention (`.env.local`,
    /// `.env.production.local`): never meant to be committed, whatever it holds.
    pub fn is_local_only_name(&self) -> bool {
        self.file_name.to_ascii_lowercase().ends_with(".local")
    }
}

/// Values that sops and dotenvx write for encrypted entries.
pub fn is_encrypted_value(value: &str) -> bool {
    let v = value.trim();
    v.starts_with("ENC[") || v.starts_with("encrypted:")
}

/// Whether a parsed file is an encrypted env file (sops metadata keys, or dotenvx's public
/// key next to encrypted values).
pub fn is_encrypted_file(dotenv: &Dotenv) -> bool {
    let has_key = |prefix: &str| dotenv.entries.iter().any(|e| e.key.starts_with(prefix));
    let has_encrypted_value = dotenv.entries.iter().any(|e| is_encrypted_value(&e.value));
    has_key("sops_") || (has_key("DOTENV_PUBLIC_KEY") && has_encrypted_value)
}

/// A value that counts as a secret (a rule's match, a URL's password, or a value whose
/// variable name says secret).
#[derive(Debug, Clone)]
pub struct SecretValue {
    pub value: String,
}

/// Decides what counts as a secret and what is a placeholder, with the repository's own
/// allow-list and stopwords.
#[derive(Debug, Default, Clone)]
pub struct Judge {
    pub stopwords: Vec<String>,
    pub allow: Vec<Regex>,
}

/// Shortest value a secret-named variable must hold to be compared as a secret; shorter
/// values (`1`, `yes`, `3600`) are settings.
const MIN_NAMED_SECRET_LEN: usize = 8;

impl Judge {
    pub fn is_placeholder(&self, value: &str) -> bool {
        values::is_placeholder(value, &self.stopwords)
            || self.allow.iter().any(|r| r.is_match(value.as_bytes()))
    }

    /// Every secret in an entry's value: rule matches, URL passwords, and the whole value
    /// when the name says "secret" (browser-public names only when they say it strongly,
    /// `NEXT_PUBLIC_..._SECRET`; `NEXT_PUBLIC_API_KEY` is public by design).
    /// References to other variables, placeholders and encrypted values are never secrets.
    pub fn secret_values(&self, file: &EnvFile, entry: &Entry) -> Vec<SecretValue> {
        let masked = entry.masked_value();
        if is_encrypted_value(&masked) || entry.is_reference_only() {
            return Vec::new();
        }
        let mut out: Vec<SecretValue> = Vec::new();
        for hit in file.secret_hits(entry) {
            if !self.is_placeholder(&hit.secret) {
                out.push(SecretValue {
                    value: hit.secret.clone(),
                });
            }
        }
        for endpoint in values::endpoints(&entry.key, &masked) {
            if let Some(password) = endpoint.password
                && !self.is_placeholder(&password)
                && out.iter().all(|s| s.value != password)
            {
                out.push(SecretValue { value: password });
            }
        }
        let value = masked.trim();
        let public_by_design = values::client_prefix(&entry.key)
            .is_some_and(|(prefix, _)| !values::is_client_secret_name(&entry.key[prefix.len()..]));
        if out.is_empty()
            && values::is_secret_name(&entry.key)
            && !public_by_design
            && value.chars().count() >= MIN_NAMED_SECRET_LEN
            && !values::has_reference(value)
            && !value.contains("://")
            && !self.is_placeholder(value)
        {
            out.push(SecretValue {
                value: value.to_string(),
            });
        }
        out
    }

    /// Whether any entry of the file holds a secret.
    pub fn holds_secrets(&self, file: &EnvFile) -> bool {
        file.dotenv
            .entries
            .iter()
            .any(|e| !self.secret_values(file, e).is_empty())
    }
}
