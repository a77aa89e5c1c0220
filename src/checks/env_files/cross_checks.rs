//! Checks that compare env files with each other: the same secret in two environments,
//! production data stores reached from other environments, and drift between a template and
//! the environments it describes.
//!
//! Secrets are compared by SHA-256 and never leave this module as text: a shared-secret
//! finding names the variables and files, not the value.

use super::classify::{Environment, is_base_name, is_layered_name};
use super::dotenv::Entry;
use super::project::{EnvFile, Judge};
use super::rules::{EnvRule, Sink, Verdict};
use super::values::{self, HostKind};
use crate::finding::Severity;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// How many other places a message lists before saying "and N more".
const MAX_LISTED: usize = 4;

pub fn check_all(files: &[EnvFile], judge: &Judge, sink: &mut Sink) {
    shared_secrets(files, judge, sink);
    production_data_stores_elsewhere(files, sink);
    drift(files, sink);
}

/// Where a value was seen: file index, entry index.
type Seen = (usize, usize);

// ---------------------------------------------------------------------------------------------
// env-shared-secret
// ---------------------------------------------------------------------------------------------

fn shared_secrets(files: &[EnvFile], judge: &Judge, sink: &mut Sink) {
    let mut by_hash: BTreeMap<[u8; 32], Vec<Seen>> = BTreeMap::new();
    // The value itself, to say which part of each variable is shared; never printed.
    let mut values: HashMap<[u8; 32], String> = HashMap::new();
    for (f, file) in files.iter().enumerate() {
        if file.is_template() || file.encrypted {
            continue;
        }
        for (e, entry) in file.dotenv.entries.iter().enumerate() {
            for secret in judge.secret_values(file, entry) {
                let hash: [u8; 32] = Sha256::digest(secret.value.as_bytes()).into();
                let places = by_hash.entry(hash).or_default();
                if !places.contains(&(f, e)) {
                    places.push((f, e));
                }
                values.entry(hash).or_insert(secret.value);
            }
        }
    }
    for (hash, places) in &by_hash {
        let environments: BTreeSet<Environment> =
            places.iter().map(|&(f, _)| files[f].environment).collect();
        if environments.len() < 2 {
            continue;
        }
        let top = *environments.last().expect("at least two environments");
        let severity = match top {
            Environment::Production => Severity::High,
            Environment::Staging => Severity::Medium,
            _ => Severity::Info,
        };
        let names: Vec<&str> = environments.iter().map(|e| e.as_str()).collect();
        let value = values.get(hash).map(String::as_str).unwrap_or_default();
        for &(f, e) in places.iter().filter(|&&(f, _)| files[f].environment == top) {
            let others: Vec<Seen> = places
                .iter()
                .copied()
                .filter(|&(of, _)| files[of].environment != top)
                .collect();
            let entry = &files[f].dotenv.entries[e];
            let here = SharedPart::of(entry, value);
            let mut listed: Vec<String> = others
                .iter()
                .take(MAX_LISTED)
                .map(|&(of, oe)| {
                    let (file, other) = (&files[of], &files[of].dotenv.entries[oe]);
                    format!(
                        "{} in {}:{} ({})",
                        SharedPart::of(other, value).describe(&other.key),
                        file.shown,
                        other.line,
                        file.environment
                    )
                })
                .collect();
            if others.len() > MAX_LISTED {
                listed.push(format!("and {} more", others.len() - MAX_LISTED));
            }
            let mut hosts: Vec<&str> = Vec::new();
            for &(pf, pe) in std::iter::once(&(f, e)).chain(&others) {
                if let SharedPart::Password(host) =
                    SharedPart::of(&files[pf].dotenv.entries[pe], value)
                    && !hosts.contains(&host)
                {
                    hosts.push(host);
                }
            }
            let hosts = if hosts.len() > 1 {
                format!(" (hosts {})", hosts.join(", "))
            } else {
                String::new()
            };
            let message = format!(
                "{} in {} is the same as {}{hosts}: one credential for {}. Give each \
                 environment its own credential and rotate this one.",
                capitalized(&here.describe(&entry.key)),
                files[f].shown,
                listed.join(", "),
                names.join(" and ")
            );
            let verdict = Verdict {
                rule: EnvRule::SharedSecret,
                severity,
                message,
                secret: None,
                case: format!("{}\0{}", entry.key, names.join(",")),
            };
            let sharing: Vec<(&str, usize)> = others
                .iter()
                .map(|&(of, oe)| {
                    let file = &files[of];
                    (file.relative.as_str(), file.dotenv.entries[oe].line)
                })
                .collect();
            sink.at_entry_sharing(verdict, &files[f].place(), entry, &sharing);
        }
    }
}

/// Which part of a variable a shared secret is, to say what is shared without the value.
#[derive(Debug, PartialEq)]
enum SharedPart<'a> {
    /// The whole value.
    Value,
    /// The password of a connection URL to this host.
    Password(&'a str),
    /// A secret inside a longer value.
    Inside,
}

impl SharedPart<'_> {
    fn of<'a>(entry: &'a Entry, secret: &str) -> SharedPart<'a> {
        let masked = entry.masked_value();
        if masked.trim() == secret {
            return SharedPart::Value;
        }
        // The host as written in the value (so the part borrows from the entry).
        for endpoint in values::endpoints(&entry.key, &masked) {
            if endpoint.password.as_deref() == Some(secret)
                && let Some(at) = entry.value.to_ascii_lowercase().find(&endpoint.host)
            {
                return SharedPart::Password(&entry.value[at..at + endpoint.host.len()]);
            }
        }
        SharedPart::Inside
    }

    fn describe(&self, key: &str) -> String {
        match self {
            SharedPart::Value => format!("the value of `{key}`"),
            SharedPart::Password(_) => format!("the password of `{key}`"),
            SharedPart::Inside => format!("a secret in `{key}`"),
        }
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

// ---------------------------------------------------------------------------------------------
// env-live-key-outside-production: production data stores
// ---------------------------------------------------------------------------------------------

/// A host counts as production's data store when a production file connects to it as a
/// database, cache or broker and it is a public name (loopback and private addresses are the
/// same words in every environment and say nothing).
fn production_data_hosts(files: &[EnvFile]) -> HashMap<String, Seen> {
    let mut hosts = HashMap::new();
    for (f, file) in files.iter().enumerate() {
        if file.environment != Environment::Production {
            continue;
        }
        for (e, entry) in file.dotenv.entries.iter().enumerate() {
            for endpoint in values::endpoints(&entry.key, &entry.masked_value()) {
                let public = matches!(
                    values::host_kind(&endpoint.host),
                    HostKind::Other | HostKind::ProductionName(_)
                );
                if endpoint.data_store && public && endpoint.host.contains('.') {
                    hosts.entry(endpoint.host).or_insert((f, e));
                }
            }
        }
    }
    hosts
}

fn production_data_stores_elsewhere(files: &[EnvFile], sink: &mut Sink) {
    let production = production_data_hosts(files);
    for file in files {
        if !matches!(
            file.environment,
            Environment::Development | Environment::Test | Environment::Staging
        ) {
            continue;
        }
        for entry in &file.dotenv.entries {
            let mut reported: Vec<String> = Vec::new();
            for endpoint in values::endpoints(&entry.key, &entry.masked_value()) {
                if !endpoint.data_store || reported.contains(&endpoint.host) {
                    continue;
                }
                let mut compared: Vec<&str> = Vec::new();
                let why = if let Some(&(pf, pe)) = production.get(&endpoint.host) {
                    let (pfile, pentry) = (&files[pf], &files[pf].dotenv.entries[pe]);
                    compared.push(pfile.relative.as_str());
                    format!(
                        "`{}` in {}:{} connects to it too",
                        pentry.key, pfile.shown, pentry.line
                    )
                } else if let HostKind::ProductionName(word) = values::host_kind(&endpoint.host) {
                    format!("its name says {word}")
                } else {
                    continue;
                };
                reported.push(endpoint.host.clone());
                let message = format!(
                    "`{}` connects to the production data store `{}` ({why}) from a {} env \
                     file. Point it at a {} database and keep production credentials out of \
                     this file.",
                    entry.key,
                    endpoint.host,
                    file.environment,
                    if file.environment == Environment::Staging {
                        "staging"
                    } else {
                        "local or test"
                    }
                );
                let verdict = Verdict {
                    rule: EnvRule::LiveKeyOutsideProduction,
                    severity: Severity::High,
                    message,
                    secret: None,
                    case: format!("{}\0{}", entry.key, endpoint.host),
                };
                sink.at_entry_among(verdict, &file.place(), entry, &compared);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// env-drift
// ---------------------------------------------------------------------------------------------

/// Env files that are loaded together for one environment: in one folder, the environment's
/// own `.env.<env>*` files plus the base files frameworks (Next.js, Vite, CRA, dotenv-flow)
/// load in every mode. For local development both `.env` and `.env.local`; for the other
/// environments only `.env`, and only when it ships with the code (tracked, or not ignored by
/// git), because a developer's ignored `.env` is not on the production server. Any other env
/// file (`prod.env`) stands alone.
struct Group {
    environment: Environment,
    dir: PathBuf,
    members: Vec<usize>,
}

fn groups(files: &[EnvFile]) -> Vec<Group> {
    let mut layered: BTreeMap<(PathBuf, Environment), Vec<usize>> = BTreeMap::new();
    let mut out = Vec::new();
    for (f, file) in files.iter().enumerate() {
        if file.is_template() || file.encrypted {
            continue;
        }
        if is_layered_name(&file.file_name) {
            layered
                .entry((file.dir.clone(), file.environment))
                .or_default()
                .push(f);
        } else {
            out.push(Group {
                environment: file.environment,
                dir: file.dir.clone(),
                members: vec![f],
            });
        }
    }
    let bases: Vec<usize> = layered
        .values()
        .flatten()
        .copied()
        .filter(|&f| is_base_name(&files[f].file_name))
        .collect();
    for ((dir, environment), mut members) in layered {
        for &b in &bases {
            let base = &files[b];
            let ships =
                base.tracking.is_some_and(|t| t.is_tracked()) || base.gitignored == Some(false);
            let loaded = environment == Environment::Development
                || (base.file_name.eq_ignore_ascii_case(".env") && ships);
            if base.dir == dir && loaded && !members.contains(&b) {
                members.push(b);
            }
        }
        out.push(Group {
            environment,
            dir,
            members,
        });
    }
    out
}

/// Templates by folder.
fn templates(files: &[EnvFile]) -> BTreeMap<PathBuf, Vec<usize>> {
    let mut out: BTreeMap<PathBuf, Vec<usize>> = BTreeMap::new();
    for (f, file) in files.iter().enumerate() {
        if file.is_template() && !file.encrypted {
            out.entry(file.dir.clone()).or_default().push(f);
        }
    }
    out
}

/// The templates that describe a folder: its own, or the nearest ancestor's.
fn templates_for<'a>(
    dir: &Path,
    templates: &'a BTreeMap<PathBuf, Vec<usize>>,
) -> Option<&'a [usize]> {
    dir.ancestors()
        .find_map(|d| templates.get(d))
        .map(Vec::as_slice)
}

fn drift(files: &[EnvFile], sink: &mut Sink) {
    let templates = templates(files);
    for group in groups(files) {
        let Some(template_files) = templates_for(&group.dir, &templates) else {
            continue;
        };
        drift_in_group(files, &group, template_files, sink);
    }
}

/// First definition of each key among `members`, preferring environment-specific files.
fn keys_of(files: &[EnvFile], members: &[usize]) -> BTreeMap<String, Seen> {
    let mut keys = BTreeMap::new();
    let mut ordered: Vec<usize> = members.to_vec();
    ordered.sort_by_key(|&f| (is_base_name(&files[f].file_name), f));
    for f in ordered {
        for (e, entry) in files[f].dotenv.entries.iter().enumerate() {
            keys.entry(entry.key.clone()).or_insert((f, e));
        }
    }
    keys
}

fn drift_in_group(files: &[EnvFile], group: &Group, template_files: &[usize], sink: &mut Sink) {
    let template_keys = keys_of(files, template_files);
    let present = keys_of(files, &group.members);
    let specific: Vec<usize> = group
        .members
        .iter()
        .copied()
        .filter(|&f| !is_base_name(&files[f].file_name) || group.members.len() == 1)
        .collect();
    let extra: BTreeMap<&String, Seen> = present
        .iter()
        .filter(|(k, seen)| !template_keys.contains_key(*k) && specific.contains(&seen.0))
        .map(|(k, seen)| (k, *seen))
        .collect();
    let deployed = group.environment.is_deployed();
    let member_names: Vec<&str> = group
        .members
        .iter()
        .map(|&f| files[f].shown.as_str())
        .collect();
    let template_name = &files[template_files[0]].shown;
    // A drift verdict compares the group with its template: it is about all of them.
    let compared: Vec<&str> = group
        .members
        .iter()
        .chain(template_files)
        .map(|&f| files[f].relative.as_str())
        .collect();
    let mut paired: Vec<&String> = Vec::new();
    for (key, &(tf, te)) in &template_keys {
        if present.contains_key(key) {
            continue;
        }
        if let Some(misspelt) = closest(key, extra.keys().copied().filter(|k| !paired.contains(k)))
        {
            paired.push(misspelt);
            let (f, e) = extra[misspelt];
            let message = format!(
                "`{misspelt}` is not in the template {template_name}, which has `{key}`: a \
                 misspelling? Code that reads `{key}` gets nothing in {}. Rename one so they match.",
                group.environment
            );
            let verdict = Verdict {
                rule: EnvRule::Drift,
                severity: if deployed {
                    Severity::Medium
                } else {
                    Severity::Low
                },
                message,
                secret: None,
                case: format!("misspelt\0{misspelt}\0{key}"),
            };
            sink.at_entry_among(
                verdict,
                &files[f].place(),
                &files[f].dotenv.entries[e],
                &compared,
            );
            continue;
        }
        let message = format!(
            "`{key}` is in the template but not set for {} ({}). Add it there, or remove it \
             from the template if it is no longer used.",
            group.environment,
            member_names.join(", ")
        );
        let verdict = Verdict {
            rule: EnvRule::Drift,
            severity: if deployed {
                Severity::Medium
            } else {
                Severity::Info
            },
            message,
            secret: None,
            case: format!(
                "missing\0{key}\0{}\0{}",
                group.environment,
                group.dir.to_string_lossy()
            ),
        };
        let template_entry: &Entry = &files[tf].dotenv.entries[te];
        sink.at_entry_among(verdict, &files[tf].place(), template_entry, &compared);
    }
    if !deployed {
        return;
    }
    for (key, &(f, e)) in &extra {
        if paired.contains(key) {
            continue;
        }
        let message = format!(
            "`{key}` is set for {} but missing from the template {template_name}. Add it there \
             with a placeholder so other environments know it exists.",
            group.environment
        );
        let verdict = Verdict {
            rule: EnvRule::Drift,
            severity: Severity::Low,
            message,
            secret: None,
            case: format!("undocumented\0{key}"),
        };
        sink.at_entry_among(
            verdict,
            &files[f].place(),
            &files[f].dotenv.entries[e],
            &compared,
        );
    }
}

/// The candidate nearest to `key` if it is near enough to be a misspelling: the same after
/// ignoring case and separators, or within one edit (names up to 6 characters) or two edits
/// (longer names), counting a swap of neighbours as one edit.
fn closest<'a>(key: &str, candidates: impl Iterator<Item = &'a String>) -> Option<&'a String> {
    let norm = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_uppercase())
            .collect()
    };
    let target = norm(key);
    let limit = if target.len() <= 6 { 1 } else { 2 };
    candidates
        .filter_map(|c| {
            let other = norm(c);
            let d = if other == target {
                0
            } else {
                edit_distance(&target, &other)
            };
            (d <= limit && other.len() >= 3).then_some((d, c))
        })
        .min_by_key(|(d, c)| (*d, (*c).clone()))
        .map(|(_, c)| c)
}

/// Optimal string alignment distance (Levenshtein plus adjacent transpositions).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_misses() {
        let c = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let list = c(&["DATABSE_URL", "REDIS_URL", "PORT"]);
        assert_eq!(
            closest("DATABASE_URL", list.iter()).map(String::as_str),
            Some("DATABSE_URL")
        );
        let list = c(&["database_url"]);
        assert_eq!(
            closest("DATABASE_URL", list.iter()).map(String::as_str),
            Some("database_url")
        );
        let list = c(&["STRIPE_KEY"]);
        assert_eq!(closest("STRIPE_SECRET_KEY", list.iter()), None);
        let list = c(&["PROT", "HOST"]);
        assert_eq!(
            closest("PORT", list.iter()).map(String::as_str),
            Some("PROT")
        );
        assert_eq!(edit_distance("ABCD", "ACBD"), 1);
        assert_eq!(edit_distance("", "AB"), 2);
    }

    #[test]
    fn the_shared_part_of_a_variable_is_named_without_its_value() {
        let parsed = super::super::dotenv::parse(
            b"DATABASE_URL=postgres://app:examplePw1@DB.Prod.acme.io:5432/app\nTOKEN=abcdef123456\n\
              AUTH=Bearer abcdef123456\n",
        );
        let [url, token, auth] = &parsed.entries[..] else {
            panic!("three entries")
        };
        assert_eq!(
            SharedPart::of(url, "examplePw1"),
            SharedPart::Password("DB.Prod.acme.io")
        );
        assert_eq!(SharedPart::of(token, "abcdef123456"), SharedPart::Value);
        assert_eq!(SharedPart::of(auth, "abcdef123456"), SharedPart::Inside);
        assert_eq!(
            SharedPart::of(url, "examplePw1").describe("DATABASE_URL"),
            "the password of `DATABASE_URL`"
        );
        assert_eq!(capitalized("a secret in `X`"), "A secret in `X`");
    }
}
