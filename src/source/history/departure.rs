//! When each secret that `HEAD` no longer holds left its history, for the release audit's
//! timeline: the first commit on `HEAD`'s first-parent line (the line `git log --first-parent`
//! shows: the branch's own commits and its merges) from which on no file holds the secret.
//!
//! The history scan already knows every blob that holds each secret: every unique blob of
//! history is read once, and a finding keeps the blobs it was found in ([`HistoryFinding`]).
//! "A commit holds the secret" is therefore "its tree holds one of those blobs", which is
//! exactly how `in_head` is decided, so the two never disagree, a renamed or copied file is
//! still recognised, and no blob is read again. The walk goes from `HEAD` to its first parent,
//! then that commit's first parent, and so on; `HEAD` holds none of the secrets (that is what
//! "no longer in HEAD" means), and as long as a commit holds none of them, its parent holds one
//! only in a file that differs between the two. So each step reads only the trees that changed
//! between a commit and its first parent (as a range scan does, through the same
//! `TreeDiffer`), and the first parent that holds a secret makes the child its departure.
//!
//! Bounded: at most [`MAX_COMMITS`] steps back from `HEAD` (a long-lived repository's main
//! line is a few tens of thousands of commits; each step reads only changed trees, and no
//! blob). A walk that stops at the bound or at a shallow clone's boundary with secrets still
//! open leaves those secrets out and says so in a warning: their departure is unknown, not
//! absent. A secret the first-parent line never held (it lived on a branch that was never
//! merged, or in a merged side branch only between two merges) has no departure on that line,
//! and is left out without a warning.

use super::attribute::commit_info;
use super::enumerate::{Problems, TreeDiffer, read_commit};
use super::{Collect, GitRepo, HistoryFinding, repo};
use crate::inventory::Departure;
use crate::stats::ScanStats;
use gix::ObjectId;
use std::collections::{BTreeMap, HashMap, HashSet};

/// How many steps back from `HEAD` the walk takes at most.
pub const MAX_COMMITS: usize = 100_000;

/// The departure of every secret of `findings` that was committed and is no longer in `HEAD`
/// (`in_head == Some(false)`), in fingerprint order; what cannot be decided is warned about in
/// `stats`. `max_commits` is [`MAX_COMMITS`] outside tests.
pub fn departures(
    git: &GitRepo,
    findings: &[HistoryFinding],
    max_commits: usize,
    stats: &mut ScanStats,
) -> Vec<Departure> {
    // A secret still in `HEAD` at any of its places has not left, whatever its other places.
    let in_head: HashSet<&str> = findings
        .iter()
        .filter(|found| found.finding.in_head == Some(true))
        .map(|found| found.finding.fingerprint.as_str())
        .collect();
    // Which secrets each blob holds, by fingerprint.
    let mut holders: HashMap<ObjectId, Vec<&str>> = HashMap::new();
    let mut open: BTreeMap<&str, Option<ObjectId>> = BTreeMap::new();
    for found in findings {
        let f = &found.finding;
        if f.commit.is_none()
            || f.in_head != Some(false)
            || in_head.contains(f.fingerprint.as_str())
        {
            continue;
        }
        open.insert(f.fingerprint.as_str(), None);
        for blob in &found.blobs {
            let held = holders.entry(*blob).or_default();
            if !held.contains(&f.fingerprint.as_str()) {
                held.push(f.fingerprint.as_str());
            }
        }
    }
    if open.is_empty() {
        return Vec::new();
    }
    let repo = git.repo.to_thread_local();
    let Ok(head) = repo.head_id() else {
        return Vec::new();
    };
    let shallow = repo::shallow_boundary(&repo);
    let mut problems = Collect { stats };
    let mut differ = TreeDiffer::new(&repo);
    let mut buf = Vec::new();
    let mut undecided = open.len();
    let mut child = match read_commit(&repo, head.detach(), &mut buf) {
        Ok(node) => node,
        Err(e) => {
            problems.unreadable(format!(
                "commit {head} (HEAD) cannot be read, so when secrets left history is not known: {}",
                crate::text::one_line(&e)
            ));
            return Vec::new();
        }
    };
    let mut stopped: Option<String> = None;
    let mut steps = 0;
    while undecided > 0 {
        let Some(&parent_id) = child.parents.first() else {
            break; // the root: what is still open was never on this line
        };
        if shallow.binary_search(&child.id).is_ok() {
            stopped = Some(format!(
                "the history is shallow (commit {} is at its boundary)",
                child.id
            ));
            break;
        }
        if steps == max_commits {
            stopped = Some(format!(
                "the walk stopped after {max_commits} commits of HEAD's first-parent line"
            ));
            break;
        }
        steps += 1;
        let parent = match read_commit(&repo, parent_id, &mut buf) {
            Ok(node) => node,
            Err(e) => {
                let message = crate::text::one_line(&e);
                stopped = Some(format!(
                    "commit {parent_id} (parent of {}) cannot be read: {message}",
                    child.id
                ));
                break;
            }
        };
        for task in differ.blobs_not_in(parent.tree, vec![child.tree], &mut problems) {
            for fingerprint in holders.get(&task.id).into_iter().flatten() {
                if let Some(slot @ None) = open.get_mut(fingerprint) {
                    *slot = Some(child.id);
                    undecided -= 1;
                }
            }
        }
        child = parent;
    }
    if let Some(why) = stopped {
        problems.warn(format!(
            "when {undecided} secret(s) no longer in HEAD left its history is not known: {why}"
        ));
    }
    let mut infos: HashMap<ObjectId, Option<crate::finding::CommitInfo>> = HashMap::new();
    open.into_iter()
        .filter_map(|(fingerprint, commit)| {
            let commit = commit?;
            let info = infos
                .entry(commit)
                .or_insert_with(|| commit_info(&repo, commit))
                .clone()?;
            Some(Departure {
                fingerprint: fingerprint.to_string(),
                commit: info,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Finding, Location, RuleInfo, Severity, fingerprint};
    use crate::source::fixture::git;
    use crate::source::{BlobMatcher, worktree};
    use std::path::Path;

    /// Finds each of a few made-up secrets wherever its bytes are, as a rule would.
    struct Needles(Vec<String>);

    impl BlobMatcher for Needles {
        type Scratch = ();
        type Known = ();

        fn findings(&self, data: &[u8], path: &str, _: &mut (), _: &mut ScanStats) -> Vec<Finding> {
            let rule = RuleInfo::for_test("test-secret", Severity::High);
            self.0
                .iter()
                .filter(|n| memchr::memmem::find(data, n.as_bytes()).is_some())
                .map(|n| {
                    let mut f = Finding::new(
                        rule.clone(),
                        Severity::High,
                        Location::file_start(path),
                        fingerprint("test-secret", n.as_bytes()),
                    );
                    f.secret = n.clone();
                    f
                })
                .collect()
        }
    }

    /// A made-up secret (never a real credential's format), different per test and name.
    fn secret(name: &str) -> String {
        let seed = format!("{name}-{}", std::process::id());
        format!("NOTASECRET{}", &fingerprint("seed", seed.as_bytes())[..24])
    }

    fn commit(dir: &Path, file: &str, text: &str, message: &str) -> String {
        crate::source::fixture::write(dir, file, text);
        git(dir, &["add", "-A"]);
        git(dir, &["commit", "-q", "-m", message]);
        git(dir, &["rev-parse", "HEAD"])
    }

    fn remove(dir: &Path, file: &str, message: &str) -> String {
        git(dir, &["rm", "-q", file]);
        git(dir, &["commit", "-q", "-m", message]);
        git(dir, &["rev-parse", "HEAD"])
    }

    /// The history scan of `dir` with `secrets` as the only rule, then the departures.
    fn departed(dir: &Path, secrets: &[&str], max_commits: usize) -> (Vec<Departure>, ScanStats) {
        let git = crate::source::repo::discover(dir).expect("the fixture is a repository");
        let matcher = Needles(secrets.iter().map(|s| s.to_string()).collect());
        let exclude = worktree::exclude_set(&[]).expect("no patterns");
        let options = super::super::HistoryOptions {
            matcher: &matcher,
            threads: 1,
            max_file_size: 1 << 20,
            progress: false,
            bars: None,
            exclude: &exclude,
            within: None,
            is_env_file: &|_: &str| false,
            shard: None,
            deltas: super::super::Deltas::On,
        };
        let all = super::super::Selection::All { refs: Vec::new() };
        let outcome = super::super::scan(&git, &all, &options).expect("history scans");
        let mut stats = ScanStats::default();
        let found = departures(&git, &outcome.findings, max_commits, &mut stats);
        (found, stats)
    }

    fn by_secret(found: &[Departure], secret: &str) -> Option<String> {
        let fp = fingerprint("test-secret", secret.as_bytes());
        found
            .iter()
            .find(|d| d.fingerprint == fp)
            .map(|d| d.commit.id.clone())
    }

    fn repo() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        git(dir.path(), &["init", "-q"]);
        dir
    }

    #[test]
    fn the_departure_is_the_commit_that_removed_the_secret() {
        let dir = repo();
        let d = dir.path();
        let key = secret("removed");
        commit(d, "README", "hello\n", "first");
        commit(d, "config.js", &format!("const k = '{key}';\n"), "add key");
        commit(
            d,
            "config.js",
            &format!("// edited\nconst k = '{key}';\n"),
            "edit around",
        );
        commit(d, "other.txt", "unrelated\n", "unrelated");
        let removal = commit(d, "config.js", "const k = process.env.K;\n", "use env");
        commit(d, "README", "hello again\n", "later");
        let (found, stats) = departed(d, &[&key], MAX_COMMITS);
        assert_eq!(by_secret(&found, &key), Some(removal.clone()));
        assert_eq!(found.len(), 1);
        let info = &found[0].commit;
        assert_eq!(info.summary, "use env");
        assert_eq!(info.author_name, "Test");
        assert!(!info.date.is_empty());
        assert!(stats.warnings.is_empty(), "{:?}", stats.warnings);
    }

    #[test]
    fn a_secret_still_in_head_or_added_again_has_not_departed() {
        let dir = repo();
        let d = dir.path();
        let (kept, again) = (secret("kept"), secret("again"));
        commit(d, "a.txt", &format!("{kept}\n"), "kept");
        commit(d, "b.txt", &format!("{again}\n"), "add");
        remove(d, "b.txt", "remove");
        commit(d, "c.txt", &format!("{again}\n"), "re-add elsewhere");
        let (found, _) = departed(d, &[&kept, &again], MAX_COMMITS);
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn with_two_places_the_secret_departs_when_the_last_one_goes() {
        let dir = repo();
        let d = dir.path();
        let key = secret("two places");
        commit(d, "a.env", &format!("KEY={key}\n"), "a");
        commit(d, "deploy/b.yml", &format!("key: {key}\n"), "b");
        remove(d, "a.env", "drop a");
        commit(d, "x", "x\n", "between");
        let last = remove(d, "deploy/b.yml", "drop b");
        let (found, _) = departed(d, &[&key], MAX_COMMITS);
        assert_eq!(by_secret(&found, &key), Some(last));
    }

    #[test]
    fn a_rename_keeps_the_secret_until_the_renamed_file_goes() {
        let dir = repo();
        let d = dir.path();
        let key = secret("renamed");
        commit(d, "old.txt", &format!("{key}\n"), "add");
        git(d, &["mv", "old.txt", "new.txt"]);
        git(d, &["commit", "-q", "-m", "rename"]);
        let gone = remove(d, "new.txt", "remove renamed");
        let (found, _) = departed(d, &[&key], MAX_COMMITS);
        assert_eq!(by_secret(&found, &key), Some(gone));
    }

    #[test]
    fn a_removal_on_a_merged_branch_departs_at_the_merge() {
        let dir = repo();
        let d = dir.path();
        let key = secret("merged");
        commit(d, "a.txt", &format!("{key}\n"), "add");
        git(d, &["checkout", "-q", "-b", "fix"]);
        remove(d, "a.txt", "remove on the branch");
        git(d, &["checkout", "-q", "main"]);
        commit(d, "b.txt", "meanwhile\n", "meanwhile on main");
        git(d, &["merge", "-q", "--no-ff", "-m", "merge fix", "fix"]);
        let merge = git(d, &["rev-parse", "HEAD"]);
        let (found, _) = departed(d, &[&key], MAX_COMMITS);
        assert_eq!(by_secret(&found, &key), Some(merge));
    }

    #[test]
    fn a_secret_only_a_side_branch_held_has_no_departure_on_the_line() {
        let dir = repo();
        let d = dir.path();
        let key = secret("side");
        commit(d, "a.txt", "a\n", "base");
        git(d, &["checkout", "-q", "-b", "side"]);
        commit(d, "s.txt", &format!("{key}\n"), "add on side");
        remove(d, "s.txt", "remove on side");
        git(d, &["checkout", "-q", "main"]);
        git(d, &["merge", "-q", "--no-ff", "-m", "merge side", "side"]);
        let (found, stats) = departed(d, &[&key], MAX_COMMITS);
        assert!(found.is_empty(), "{found:?}");
        assert!(stats.warnings.is_empty(), "{:?}", stats.warnings);
    }

    #[test]
    fn a_walk_cut_by_its_budget_leaves_the_secret_out_and_says_so() {
        let dir = repo();
        let d = dir.path();
        let key = secret("budget");
        commit(d, "a.txt", &format!("{key}\n"), "add");
        let removal = remove(d, "a.txt", "remove");
        for n in 0..3 {
            commit(d, "n.txt", &format!("{n}\n"), "later");
        }
        // The removal is 3 steps back from HEAD: 4 steps find it, 3 do not.
        let (found, _) = departed(d, &[&key], 4);
        assert_eq!(by_secret(&found, &key), Some(removal));
        let (found, stats) = departed(d, &[&key], 3);
        assert!(found.is_empty(), "{found:?}");
        assert_eq!(stats.warnings.len(), 1, "{:?}", stats.warnings);
        assert!(stats.warnings[0].contains("after 3 commits"));
        assert!(!stats.warnings[0].contains(&key));
    }

    #[test]
    fn a_secret_still_at_one_of_its_places_has_not_departed() {
        // A range scan decides `in_head` per place: one place may still hold what another lost.
        let dir = repo();
        let d = dir.path();
        let key = secret("one place left");
        let added = commit(d, "a.txt", &format!("{key}\n"), "a");
        let gone = remove(d, "a.txt", "remove a");
        let id = |spec: &str| ObjectId::from_hex(git(d, &["rev-parse", spec]).as_bytes());
        let blob = id(&format!("{added}:a.txt")).expect("a blob id");
        let introduced = id(&added).expect("a commit id");
        let repository = crate::source::repo::discover(d).expect("the fixture is a repository");
        let place = |path: &str, in_head: bool| {
            let matcher = Needles(vec![key.clone()]);
            let mut stats = ScanStats::default();
            let mut found = matcher.findings(key.as_bytes(), path, &mut (), &mut stats);
            let mut finding = found.remove(0);
            finding.in_head = Some(in_head);
            finding.commit = commit_info(&repository.repo.to_thread_local(), introduced);
            HistoryFinding {
                finding,
                blobs: vec![blob],
            }
        };
        let mut stats = ScanStats::default();
        let lost = [place("a.txt", false)];
        let found = departures(&repository, &lost, MAX_COMMITS, &mut stats);
        assert_eq!(by_secret(&found, &key), Some(gone));
        let kept = [place("a.txt", false), place("b.txt", true)];
        assert!(departures(&repository, &kept, MAX_COMMITS, &mut stats).is_empty());
    }

    #[test]
    fn a_shallow_clone_finds_the_removal_it_holds_and_says_when_it_cannot() {
        let origin = repo();
        let o = origin.path();
        let key = secret("shallow");
        commit(o, "a.txt", "a\n", "base");
        commit(o, "b.txt", &format!("{key}\n"), "add");
        git(o, &["branch", "side"]);
        commit(o, "c.txt", "c\n", "between");
        let removal = remove(o, "b.txt", "remove");
        commit(o, "d.txt", "d\n", "after");
        let url = format!("file://{}", o.display());
        // Deep enough to hold the last commit with the secret.
        let deep = tempfile::tempdir().unwrap();
        git(deep.path(), &["clone", "-q", "--depth", "3", &url, "."]);
        let (found, stats) = departed(deep.path(), &[&key], MAX_COMMITS);
        assert_eq!(by_secret(&found, &key), Some(removal));
        assert!(
            stats
                .warnings
                .iter()
                .all(|w| !w.contains("left its history"))
        );
        // A side branch that still holds the secret is merged (the merge keeps main's
        // removal). Two commits deep, the clone holds the merge, `after` and the side commit:
        // the secret is in history, and the main line ends before any commit that held it.
        git(o, &["checkout", "-q", "side"]);
        commit(o, "s.txt", "s\n", "on side");
        git(o, &["checkout", "-q", "main"]);
        git(o, &["merge", "-q", "--no-ff", "-m", "merge side", "side"]);
        let short = tempfile::tempdir().unwrap();
        git(short.path(), &["clone", "-q", "--depth", "2", &url, "."]);
        let (found, stats) = departed(short.path(), &[&key], MAX_COMMITS);
        assert!(found.is_empty(), "{found:?}");
        let warned: Vec<&String> = stats
            .warnings
            .iter()
            .filter(|w| w.contains("left its history"))
            .collect();
        assert_eq!(warned.len(), 1, "{:?}", stats.warnings);
        assert!(warned[0].contains("shallow"), "{}", warned[0]);
    }
}
