//! One scan split over N runners (`--shard I/N`), and the reports of those runners combined
//! into the report one scan would have written (`leakgate merge`).
//!
//! **What a shard is.** The sources match only the files and blobs whose git object id falls
//! in the shard ([`Shard::owns_id`]): a working-tree file by its blob id (what `git
//! hash-object` gives), a history blob, commit message or tag message by its object id. A
//! file too large to read whole (above `WHOLE_FILE_BYTES`, read in windows) or that cannot be
//! read falls in the shard of its displayed path. Everything cheap is done whole in every
//! shard: walking the tree and the commits, which paths ever held an env file, the env-file
//! and build-output checks. A check's finding is kept by the shard that owns the file it is
//! located in ([`Owner`]); one about a file that is not in the working tree (an env file only
//! history holds) by its path. So a secret and the env verdicts on its line are in one shard,
//! and `merge::one_per_value` folds them there.
//!
//! **What crosses shards** is history's fold of one secret over several blobs: a secret kept
//! through ten versions of a file is reported once, at the commit that introduced it, and
//! whether it is still in `HEAD` depends on every blob `HEAD` holds. A shard reports what its
//! own blobs say, with each finding's [`Origin`] (the path history grouped it by and the
//! introducing commit's position in the walk, which is the same in every shard); [`combine`]
//! keeps the earliest per secret and path, folds it into the working-tree finding of that
//! secret at that path (whichever shard found either), and takes "still in `HEAD`" from any
//! shard that saw the secret there.
//!
//! Known limit: the fold of an env verdict into a secret is decided in the shard, before the
//! history of other shards is known. It differs from an unsharded scan only for a secret that
//! the working tree holds, history held at the same path, but `HEAD` does not (removed in a
//! commit, then put back without committing): the unsharded scan keeps the verdict apart.

use super::DisplayPaths;
use crate::finding::{Finding, Origin, Severity};
use crate::settings::ScanSettings;
use crate::source::history::history_message;
use crate::source::{blob_id, worktree};
use crate::stats::{ScanStats, Shard};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// Whether a file with these bytes is the shard's: its git blob id decides.
pub fn owns_bytes(shard: &Shard, data: &[u8]) -> bool {
    match blob_id(data) {
        Some(id) => shard.owns_id(id.as_bytes()),
        // Hashing in memory does not fail; if it did, one shard (the first) still owns it.
        None => shard.index == 1,
    }
}

/// Decides which checks' findings a shard keeps: those in files it owns.
pub struct Owner<'a> {
    shard: Option<Shard>,
    paths: &'a DisplayPaths,
    /// Files up to this size are decided by their blob id, as the working-tree walk decides
    /// them (it reads them whole); larger ones by their path.
    whole: u64,
}

impl<'a> Owner<'a> {
    pub fn new(settings: &ScanSettings, paths: &'a DisplayPaths) -> Owner<'a> {
        Owner {
            shard: settings.shard,
            paths,
            whole: settings
                .skip_larger_than
                .unwrap_or(u64::MAX)
                .min(worktree::WHOLE_FILE_BYTES),
        }
    }

    /// `findings` without those another shard reports (all of them without `--shard`).
    pub fn keep(&self, mut findings: Vec<Finding>) -> Vec<Finding> {
        let Some(shard) = &self.shard else {
            return findings;
        };
        let mut decided: HashMap<String, bool> = HashMap::new();
        let mut buffer = Vec::new();
        findings.retain(|f| {
            let shown = &f.location.path;
            *decided.entry(shown.clone()).or_insert_with(|| {
                let on_disk = self.paths.on_disk(shown);
                owns_file(shard, &on_disk, shown, self.whole, &mut buffer)
            })
        });
        findings
    }
}

impl Owner<'_> {
    /// A check's counters: every shard runs the checks whole, so the files they read are
    /// counted by the first shard alone (and the sum over shards is the whole scan's).
    /// Skips and warnings stay in every shard: each must know it read what it reports on.
    pub fn check_stats(&self, mut stats: ScanStats) -> ScanStats {
        if self.shard.is_some_and(|s| s.index != 1) {
            stats.files_scanned = 0;
            stats.bytes_scanned = 0;
        }
        stats
    }
}

fn owns_file(shard: &Shard, on_disk: &Path, shown: &str, whole: u64, buf: &mut Vec<u8>) -> bool {
    match worktree::read_regular_file(on_disk, whole, buf) {
        Ok(()) => owns_bytes(shard, buf),
        Err(_) => shard.owns_path(shown),
    }
}

/// One report to combine, as read back (`report::read`).
#[derive(Debug)]
pub struct Input {
    pub findings: Vec<Finding>,
    pub stats: ScanStats,
    pub tool_version: String,
    pub fail_on: Option<Severity>,
}

/// Reports combined into one: findings folded as one scan folds them, counters summed.
#[derive(Debug)]
pub struct Combined {
    pub findings: Vec<Finding>,
    pub stats: ScanStats,
    /// The strictest threshold the reports were written with (`None`: none said).
    pub fail_on: Option<Severity>,
    /// Shards that should have been given and were not, as `I/N` (the combined report is
    /// then incomplete).
    pub missing: Vec<String>,
}

/// Why reports cannot be combined.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CombineError {
    #[error(
        "the reports come from different leakgate versions ({0} and {1}): scan every shard \
         with one version"
    )]
    Versions(String, String),
    #[error(
        "shard reports of one repository were split different ways ({0} and {1} shards): \
         give the N reports of one --shard I/N run"
    )]
    Counts(u32, u32),
    #[error("shard {0} is given twice")]
    Twice(String),
}

/// Combines reports of shards (and of separate scans): one finding per secret and place.
pub fn combine(reports: Vec<Input>) -> Result<Combined, CombineError> {
    if let Some(first) = reports.first()
        && let Some(other) = reports
            .iter()
            .find(|r| r.tool_version != first.tool_version)
    {
        return Err(CombineError::Versions(
            first.tool_version.clone(),
            other.tool_version.clone(),
        ));
    }
    // The shards of one repository are told apart from another's by the repositories they
    // scanned (shard reports name them).
    let mut groups: BTreeMap<Vec<String>, Vec<usize>> = BTreeMap::new();
    for (i, r) in reports.iter().enumerate() {
        if r.stats.shard.is_some() {
            let mut key: Vec<String> = r
                .stats
                .vcs
                .iter()
                .map(|v| format!("{} {:?}", v.repository_uri, v.revision_id))
                .collect();
            key.sort();
            groups.entry(key).or_default().push(i);
        }
    }
    let mut missing = Vec::new();
    let mut stats = ScanStats::default();
    let mut grouped = vec![false; reports.len()];
    for members in groups.values() {
        let shards: Vec<Shard> = members
            .iter()
            .filter_map(|&i| reports[i].stats.shard)
            .collect();
        let count = shards[0].count;
        if let Some(other) = shards.iter().find(|s| s.count != count) {
            return Err(CombineError::Counts(count, other.count));
        }
        for index in 1..=count {
            match shards.iter().filter(|s| s.index == index).count() {
                0 => missing.push(format!("{index}/{count}")),
                1 => {}
                _ => return Err(CombineError::Twice(format!("{index}/{count}"))),
            }
        }
        // One repository's shards walked the same commits: its commit count is counted once.
        let mut group = ScanStats::default();
        let mut commits = 0;
        for &i in members {
            grouped[i] = true;
            let mut s = reports[i].stats.clone();
            s.shard = None;
            if let Some(h) = &mut s.history {
                commits = commits.max(h.commits);
                h.commits = 0;
            }
            group.merge(s);
        }
        if let Some(h) = &mut group.history {
            h.commits = commits;
        }
        group.vcs.dedup();
        stats.merge(group);
    }
    let labels = repository_labels(&reports);
    let mut fail_on: Option<Severity> = None;
    let mut findings = Vec::new();
    for (i, mut r) in reports.into_iter().enumerate() {
        if let Some(label) = &labels[i] {
            for f in &mut r.findings {
                qualify(f, label);
            }
        }
        if !grouped[i] {
            stats.merge(r.stats);
        }
        if let Some(level) = r.fail_on {
            fail_on = Some(fail_on.map_or(level, |f| f.min(level)));
        }
        findings.extend(r.findings);
    }
    stats.shard = None;
    stats.incomplete_reports += missing.len() as u64;
    let mut warnings = std::mem::take(&mut stats.warnings);
    let mut seen = std::collections::HashSet::new();
    warnings.retain(|w| seen.insert(w.clone()));
    stats.warnings = warnings;
    let mut findings = fold_history(findings);
    Finding::list(&mut findings);
    Ok(Combined {
        findings,
        stats,
        fail_on,
        missing,
    })
}

/// What names each report's repository in a combined report, when the reports come from more
/// than one repository: their paths are relative to each repository, so the same `.env` in two
/// repositories would otherwise read (and fold) as one place. `None` for every report when they
/// all scanned one repository (or none said which), so a single repository's paths stay as its
/// scans printed them. A label is the repository's remote without scheme or `.git`, shortened
/// to `owner/name` when that tells the repositories apart.
fn repository_labels(reports: &[Input]) -> Vec<Option<String>> {
    let full: Vec<Option<String>> = reports
        .iter()
        .map(|r| {
            r.stats
                .vcs
                .first()
                .map(|v| repository_label(&v.repository_uri))
        })
        .collect();
    let distinct: std::collections::BTreeSet<&String> = full.iter().flatten().collect();
    if distinct.len() < 2 {
        return vec![None; reports.len()];
    }
    let short = |label: &String| {
        let parts: Vec<&str> = label.rsplitn(3, '/').collect();
        match parts.as_slice() {
            [name, owner, _] | [name, owner] => format!("{owner}/{name}"),
            _ => label.clone(),
        }
    };
    let shorts: std::collections::BTreeSet<String> = distinct.iter().map(|l| short(l)).collect();
    let unambiguous = shorts.len() == distinct.len();
    full.into_iter()
        .map(|label| {
            Some(match label {
                Some(l) if unambiguous => short(&l),
                Some(l) => l,
                None => "(no repository)".to_string(),
            })
        })
        .collect()
}

/// `https://github.com/acme/api.git` -> `github.com/acme/api`; `file:///srv/x` -> `/srv/x`.
fn repository_label(uri: &str) -> String {
    let rest = uri.split_once("://").map_or(uri, |(_, rest)| rest);
    // scp-like `git@host:owner/name`
    let rest = rest
        .rsplit_once('@')
        .map_or(rest, |(_, host)| host)
        .replacen(':', "/", 1);
    let rest = rest.trim_end_matches('/');
    rest.strip_suffix(".git").unwrap_or(rest).to_string()
}

/// A finding of one repository among several: its places are named with the repository.
fn qualify(f: &mut Finding, label: &str) {
    f.location.path = format!("{label}/{}", f.location.path);
    if let Some(h) = f.origin.as_mut().and_then(|o| o.history.as_mut()) {
        h.path = format!("{label}/{}", h.path);
    }
}

/// Whether a secret is still in `HEAD`, from every shard's say: one that saw it there wins.
fn in_head_by_fingerprint(findings: &[Finding]) -> HashMap<String, bool> {
    let mut head: HashMap<String, bool> = HashMap::new();
    for f in findings {
        if let (Some(_), Some(present)) = (history_of(f), f.in_head) {
            let slot = head.entry(f.fingerprint.clone()).or_insert(present);
            *slot |= present;
        }
    }
    head
}

fn history_of(f: &Finding) -> Option<&crate::finding::HistoryOrigin> {
    f.origin.as_ref().and_then(|o| o.history.as_ref())
}

fn from_worktree(f: &Finding) -> bool {
    f.origin.as_ref().is_some_and(|o| o.worktree)
}

/// A message that says where a secret stands against `HEAD`, restated for what every shard
/// together knows.
fn restate(message: &mut Option<String>, was: Option<bool>, now: Option<bool>) {
    let (Some(text), Some(was), Some(now)) = (message.as_mut(), was, now) else {
        return;
    };
    if was != now {
        *text = text.replace(history_message(was), history_message(now));
    }
}

/// History's fold across shards (see the module doc): per secret and path, the earliest
/// commit's findings, folded into the working-tree finding of that secret at that path.
fn fold_history(findings: Vec<Finding>) -> Vec<Finding> {
    let head = in_head_by_fingerprint(&findings);
    // Per (fingerprint, history path): the earliest position, and the finding that has it.
    let mut earliest: HashMap<(String, String), (u32, usize)> = HashMap::new();
    for (i, f) in findings.iter().enumerate() {
        if let Some(h) = history_of(f) {
            let key = (f.fingerprint.clone(), h.path.clone());
            let slot = earliest.entry(key).or_insert((h.order, i));
            if h.order < slot.0 {
                *slot = (h.order, i);
            }
        }
    }
    let mut folded_into_tree: std::collections::HashSet<(String, String)> = Default::default();
    let mut out: Vec<Finding> = Vec::with_capacity(findings.len());
    // Working-tree findings first: they take the earliest history of their secret and path.
    let winners: HashMap<(String, String), Finding> = earliest
        .iter()
        .map(|(key, &(_, i))| (key.clone(), findings[i].clone()))
        .collect();
    for mut f in findings.iter().filter(|f| from_worktree(f)).cloned() {
        let own = history_of(&f).map(|h| h.path.clone());
        let target = [Some(f.location.path.clone()), own]
            .into_iter()
            .flatten()
            .map(|path| (f.fingerprint.clone(), path))
            .find(|key| winners.contains_key(key));
        if let Some(key) = target {
            let winner = &winners[&key];
            let was = f.in_head;
            let now = head.get(&f.fingerprint).copied().or(winner.in_head);
            let had_history = history_of(&f).is_some();
            f.commit = winner.commit.clone();
            f.in_head = now;
            f.origin = Some(Origin {
                worktree: true,
                history: history_of(winner).cloned(),
            });
            if had_history {
                restate(&mut f.message, was, now);
            } else {
                let mut theirs = winner.message.clone();
                restate(&mut theirs, winner.in_head, now);
                f.message = match (f.message.take(), theirs) {
                    (None, theirs) => theirs,
                    // Verdicts folded in the shard come after history's sentence, as in a scan.
                    (Some(own), Some(theirs)) if own.starts_with("Also ") => {
                        Some(format!("{theirs} {own}"))
                    }
                    (own, _) => own,
                };
            }
            folded_into_tree.insert(key);
        }
        out.push(f);
    }
    for mut f in findings {
        if from_worktree(&f) {
            continue;
        }
        if let Some(h) = history_of(&f) {
            let key = (f.fingerprint.clone(), h.path.clone());
            if folded_into_tree.contains(&key) {
                continue;
            }
            // Only the earliest version's findings (all of them: a secret twice in one file).
            let (order, _) = earliest[&key];
            if h.order != order {
                continue;
            }
            if f.in_head.is_some() {
                let now = head.get(&f.fingerprint).copied();
                let was = f.in_head;
                f.in_head = now.or(was);
                restate(&mut f.message, was, f.in_head);
            }
        }
        out.push(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{CommitInfo, HistoryOrigin, Location, RuleInfo};

    fn finding(path: &str, fingerprint: &str) -> Finding {
        let rule = RuleInfo::for_test("r", Severity::High);
        Finding::new(
            rule,
            Severity::High,
            Location::span(path, (2, 1), (2, 9)),
            fingerprint.into(),
        )
    }

    fn from_history(path: &str, order: u32, in_head: bool) -> Finding {
        let mut f = finding(path, "fp");
        f.commit = Some(CommitInfo {
            id: format!("c{order}"),
            author_name: String::new(),
            author_email: String::new(),
            date: String::new(),
            summary: String::new(),
        });
        f.in_head = Some(in_head);
        f.blob = Some(format!("b{order}"));
        f.message = Some(history_message(in_head).to_string());
        f.origin = Some(Origin {
            worktree: false,
            history: Some(HistoryOrigin {
                path: path.into(),
                order,
            }),
        });
        f
    }

    fn input(index: u32, count: u32, findings: Vec<Finding>) -> Input {
        Input {
            findings,
            stats: ScanStats {
                shard: Some(Shard { index, count }),
                ..ScanStats::default()
            },
            tool_version: "1.0.0".into(),
            fail_on: Some(Severity::Low),
        }
    }

    #[test]
    fn the_earliest_commit_of_any_shard_wins_and_folds_into_the_tree() {
        let mut tree = finding("a.py", "fp");
        tree.origin = Some(Origin {
            worktree: true,
            history: None,
        });
        let combined = combine(vec![
            input(1, 2, vec![tree, from_history("a.py", 5, false)]),
            input(
                2,
                2,
                vec![
                    from_history("a.py", 2, false),
                    from_history("b.py", 7, true),
                ],
            ),
        ])
        .unwrap();
        let found: Vec<_> = combined
            .findings
            .iter()
            .map(|f| {
                (
                    f.location.path.as_str(),
                    f.commit.as_ref().map(|c| c.id.as_str()),
                    f.in_head,
                    f.blob.is_some(),
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                ("a.py", Some("c2"), Some(true), false),
                ("b.py", Some("c7"), Some(true), true)
            ]
        );
        assert_eq!(
            combined.findings[0].message.as_deref(),
            Some(history_message(true)),
            "restated for what every shard knows"
        );
        assert!(combined.missing.is_empty());
    }

    #[test]
    fn shards_that_do_not_add_up_are_named() {
        let one = || input(1, 3, Vec::new());
        let missing = combine(vec![one(), input(3, 3, Vec::new())]).unwrap();
        assert_eq!(missing.missing, ["2/3"]);
        assert!(!missing.stats.complete());
        assert_eq!(
            combine(vec![one(), input(2, 2, Vec::new())]).unwrap_err(),
            CombineError::Counts(3, 2)
        );
        assert_eq!(
            combine(vec![one(), one()]).unwrap_err(),
            CombineError::Twice("1/3".into())
        );
        let mut other = one();
        other.tool_version = "2.0.0".into();
        assert!(matches!(
            combine(vec![one(), other]).unwrap_err(),
            CombineError::Versions(..)
        ));
    }

    #[test]
    fn the_same_secret_at_the_same_path_of_two_repositories_stays_two_findings() {
        let of = |uri: &str, index: u32| {
            let mut i = input(index, 1, vec![from_history(".env", 0, true)]);
            i.stats.vcs = vec![crate::finding::VcsInfo {
                repository_uri: uri.into(),
                revision_id: None,
                branch: None,
            }];
            i
        };
        let combined = combine(vec![
            of("https://github.com/acme/api.git", 1),
            of("git@github.com:acme/web.git", 1),
        ])
        .unwrap();
        let paths: Vec<&str> = combined
            .findings
            .iter()
            .map(|f| f.location.path.as_str())
            .collect();
        assert_eq!(paths, ["acme/api/.env", "acme/web/.env"]);
        // One repository's shards keep their paths as scanned.
        let one = combine(vec![
            of("https://github.com/acme/api.git", 1),
            of("https://github.com/acme/api.git", 1),
        ]);
        assert!(one.is_err(), "the same shard twice is refused");
        assert_eq!(repository_label("file:///srv/repos/x/"), "/srv/repos/x");
    }
}
