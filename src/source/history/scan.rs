//! Reading and matching the blobs, in parallel.
//!
//! Blobs in the repository's packs are read as the forest of their delta chains (`packed`):
//! worker threads take whole trees in turn, largest first, and walk each depth first, so every
//! pack entry is inflated once, each delta is applied to its base already in memory, and the
//! matcher is told what each delta copied from its base, so it searches only what the delta
//! changed (`BlobMatcher::findings_after`). The blobs left over (loose objects, alternates,
//! what the forest cannot follow) are then read by id through gix, sorted by where they sit in
//! their pack file and cut into contiguous chunks that the threads take in turn, each with its
//! own repository handle and delta-base cache. Each blob is matched and dropped: no
//! whole-history buffer.
//!
//! `Deltas::Off` (the hidden `--history-deltas off`) reads every blob by id and matches it
//! whole (the slow path the fast one is compared with in the tests and benchmarks);
//! `Deltas::Stats` counts how many blobs each path took, in the summary's
//! `history.read_paths`. Both are for testing and measuring only.

use super::lines::AddedLines;
use super::packed::{Forest, Reader};
use super::{BlobTask, Deltas};
use crate::finding::Finding;
use crate::source::{BlobMatcher, Copied};
use crate::stats::{ReadPaths, ScanStats};
use crate::text::one_line;
use gix::objs::Find;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Blobs per chunk a worker takes at a time: large enough to keep delta chains together,
/// small enough to balance the threads at the end.
const CHUNK: usize = 256;

/// Delta-base cache per worker thread.
const PACK_CACHE_BYTES: usize = 8 * 1024 * 1024;

/// Scans shorter than this many blobs never show a progress bar.
const PROGRESS_MIN_BLOBS: usize = 2_000;

/// Findings of one blob (already filtered to added lines where asked).
pub struct BlobHit {
    pub task: usize,
    pub findings: Vec<Finding>,
}

pub struct BlobScan<'a, M: BlobMatcher> {
    pub repo: &'a gix::ThreadSafeRepository,
    pub matcher: &'a M,
    pub max_file_size: u64,
    pub threads: usize,
    pub progress: bool,
    /// Draw the bar here (below the scan's phases) rather than alone.
    pub bars: Option<&'a indicatif::MultiProgress>,
    /// Report only findings on lines added relative to each task's `previous` versions.
    pub added_lines_only: bool,
    /// How blobs are read (tests and benchmarks only).
    pub deltas: Deltas,
}

#[derive(Default)]
struct Totals {
    blobs: AtomicU64,
    bytes: AtomicU64,
    /// Blobs matched from what their delta changed, matched whole after being rebuilt from a
    /// pack, and read by id.
    paths: [AtomicU64; 3],
}

/// How a blob was read and matched (an index into [`Totals::paths`]).
#[derive(Clone, Copy)]
enum ReadPath {
    Delta = 0,
    Whole = 1,
    ById = 2,
}

impl<M: BlobMatcher> BlobScan<'_, M> {
    /// Scans every task; returns the hits and the counters (with warnings for what could not
    /// be read).
    pub fn run(&self, tasks: &[BlobTask]) -> (Vec<BlobHit>, ScanStats) {
        let deltas = self.deltas != Deltas::Off;
        let (forest, rest) = if deltas {
            Forest::plan(self.repo.objects.path(), tasks)
        } else {
            Forest::plan(Path::new(""), &[])
        };
        let rest = if deltas {
            rest
        } else {
            (0..tasks.len()).collect()
        };
        let order = pack_order(self.repo, tasks, rest);
        let chunks: Vec<&[usize]> = order.chunks(CHUNK).collect();
        let work = Work {
            forest: &forest,
            next_tree: AtomicUsize::new(0),
            chunks: &chunks,
            next_chunk: AtomicUsize::new(0),
        };
        let totals = Totals::default();
        let results: Mutex<Vec<(Vec<BlobHit>, ScanStats)>> = Mutex::new(Vec::new());
        let progress = self.progress_bar(tasks.len());
        let threads = self
            .threads
            .clamp(1, (chunks.len() + forest.trees.len()).max(1));
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(|| {
                    let part = self.worker(tasks, &work, &totals, &progress);
                    results
                        .lock()
                        .unwrap_or_else(|poisoned| poisoned.into_inner())
                        .push(part);
                });
            }
        });
        progress.finish_and_clear();
        let mut hits = Vec::new();
        let mut stats = ScanStats::default();
        for (h, s) in results.into_inner().unwrap_or_else(|p| p.into_inner()) {
            hits.extend(h);
            stats.merge(s);
        }
        if self.deltas == Deltas::Stats {
            let [delta, whole, by_id] = totals.paths.each_ref().map(|p| p.load(Ordering::Relaxed));
            let history = stats.history.get_or_insert_with(Default::default);
            history.read_paths = Some(ReadPaths {
                delta,
                whole,
                by_id,
            });
        }
        hits.sort_by_key(|h| h.task);
        (hits, stats)
    }

    fn progress_bar(&self, total: usize) -> ProgressBar {
        if !self.progress || total < PROGRESS_MIN_BLOBS {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "scanning history {bar:30} {pos}/{len} blobs {msg} ({elapsed})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        let bar = match self.bars {
            Some(bars) => bars.add(bar),
            None => bar,
        };
        bar.enable_steady_tick(Duration::from_millis(200));
        bar
    }

    fn worker(
        &self,
        tasks: &[BlobTask],
        work: &Work<'_>,
        totals: &Totals,
        progress: &ProgressBar,
    ) -> (Vec<BlobHit>, ScanStats) {
        let mut repo = self.repo.to_thread_local();
        repo.objects.set_pack_cache(|| {
            Box::new(gix::odb::pack::cache::lru::MemoryCappedHashmap::new(
                PACK_CACHE_BYTES,
            ))
        });
        repo.objects.unset_object_cache();
        let mut state = WorkerState {
            repo,
            buf: Vec::new(),
            scratch: M::Scratch::default(),
            hits: Vec::new(),
            stats: ScanStats::default(),
        };
        let started = Instant::now();
        let mut reader = Reader::default();
        let done = |blobs: u64, bytes: u64| {
            let blobs = totals.blobs.fetch_add(blobs, Ordering::Relaxed) + blobs;
            let all_bytes = totals.bytes.fetch_add(bytes, Ordering::Relaxed) + bytes;
            if !progress.is_hidden() {
                progress.set_position(blobs);
                let secs = started.elapsed().as_secs_f64().max(0.001);
                progress.set_message(format!("{:.0} MB/s", all_bytes as f64 / 1e6 / secs));
            }
        };
        let forest = work.forest;
        loop {
            let i = work.next_tree.fetch_add(1, Ordering::Relaxed);
            let Some(&root) = forest.trees.get(i) else {
                break;
            };
            let (mut blobs, mut bytes) = (0, 0);
            let unread = forest.walk(root, &mut reader, &mut |node, data, base| {
                let mut known = None;
                for (k, &task) in forest.tasks(node).iter().enumerate() {
                    let read =
                        self.scan_bytes(&mut state, tasks, task as usize, data, base, totals);
                    blobs += 1;
                    bytes += read.0;
                    if k == 0 {
                        known = read.1;
                    }
                }
                known
            });
            for node in unread {
                for &task in forest.tasks(node) {
                    blobs += 1;
                    bytes += self.scan_one(&mut state, tasks, task as usize, totals);
                }
            }
            done(blobs, bytes);
        }
        loop {
            let i = work.next_chunk.fetch_add(1, Ordering::Relaxed);
            let Some(chunk) = work.chunks.get(i) else {
                break;
            };
            let mut bytes = 0;
            for &task in *chunk {
                bytes += self.scan_one(&mut state, tasks, task, totals);
            }
            done(chunk.len() as u64, bytes);
        }
        (state.hits, state.stats)
    }

    /// Reads one blob by id and matches it whole; returns the bytes read.
    fn scan_one(
        &self,
        state: &mut WorkerState<M::Scratch>,
        tasks: &[BlobTask],
        index: usize,
        totals: &Totals,
    ) -> u64 {
        let task = &tasks[index];
        let mut buf = std::mem::take(&mut state.buf);
        let mut message = false;
        let data = match state.repo.objects.try_find(&task.id, &mut buf) {
            Ok(Some(data)) if data.kind == gix::object::Kind::Blob => data.data,
            // A commit or annotated tag task stands for its message (see `MessageTask`).
            Ok(Some(data))
                if matches!(
                    data.kind,
                    gix::object::Kind::Commit | gix::object::Kind::Tag
                ) =>
            {
                message = true;
                match message_of(data.kind, data.data, state.repo.object_hash()) {
                    Ok(text) => text,
                    Err(e) => {
                        state.stats.skipped.unreadable += 1;
                        state.stats.warn(format!(
                            "{}: {} {} cannot be decoded: {}",
                            task.path, data.kind, task.id, e
                        ));
                        state.buf = buf;
                        return 0;
                    }
                }
            }
            Ok(Some(data)) => {
                state.stats.warn(format!(
                    "{}: object {} is a {}, not a file; skipped",
                    task.path, task.id, data.kind
                ));
                state.buf = buf;
                return 0;
            }
            Ok(None) => {
                state.stats.skipped.unreadable += 1;
                state.stats.warn(format!(
                    "{}: blob {} is not in this clone (partial clone or missing object); not scanned",
                    task.path, task.id
                ));
                state.buf = buf;
                return 0;
            }
            Err(e) => {
                state.stats.skipped.unreadable += 1;
                state.stats.warn(format!(
                    "{}: blob {} cannot be read (corrupt object?): {}",
                    task.path,
                    task.id,
                    one_line(&e)
                ));
                state.buf = buf;
                return 0;
            }
        };
        let size = self.matched(
            state,
            tasks,
            index,
            data,
            Matching::Plain { message },
            totals,
        );
        state.buf = buf;
        size
    }

    /// Matches one blob rebuilt from a pack (with its base's state and the delta's copies,
    /// when it is a delta of a blob matched before); returns the bytes read and the state its
    /// own deltas can reuse.
    fn scan_bytes(
        &self,
        state: &mut WorkerState<M::Scratch>,
        tasks: &[BlobTask],
        index: usize,
        data: &[u8],
        base: Option<(&M::Known, &[Copied])>,
        totals: &Totals,
    ) -> (u64, Option<M::Known>) {
        let mut known = None;
        let matching = Matching::Kept {
            base,
            known: &mut known,
        };
        let size = self.matched(state, tasks, index, data, matching, totals);
        (size, known)
    }

    /// Matches the bytes of task `index` and keeps its findings (only those on added lines,
    /// when asked); returns the bytes read.
    fn matched(
        &self,
        state: &mut WorkerState<M::Scratch>,
        tasks: &[BlobTask],
        index: usize,
        data: &[u8],
        matching: Matching<'_, M::Known>,
        totals: &Totals,
    ) -> u64 {
        let task = &tasks[index];
        let size = data.len() as u64;
        if size > self.max_file_size {
            state.stats.skipped.too_large += 1;
            state.stats.warn(format!(
                "{}: blob {} skipped, larger than --max-file-size ({size} bytes)",
                task.path, task.id
            ));
            return size;
        }
        let history = state.stats.history.get_or_insert_with(Default::default);
        if matches!(matching, Matching::Plain { message: true }) {
            history.messages_scanned += 1;
        } else {
            history.blobs_scanned += 1;
            history.bytes_scanned += size;
        }
        let (path, scratch, stats) = (&task.path, &mut state.scratch, &mut state.stats);
        let (read, mut findings) = match matching {
            Matching::Plain { .. } => (
                ReadPath::ById,
                self.matcher.findings(data, path, scratch, stats),
            ),
            Matching::Kept { base, known } => {
                let (read, (found, kept)) = match base {
                    Some(base) => (
                        ReadPath::Delta,
                        self.matcher
                            .findings_after(data, path, base, scratch, stats),
                    ),
                    None => (
                        ReadPath::Whole,
                        self.matcher.findings_known(data, path, scratch, stats),
                    ),
                };
                *known = kept;
                (read, found)
            }
        };
        totals.paths[read as usize].fetch_add(1, Ordering::Relaxed);
        self.matcher
            .matched(&task.id, &task.path, &findings, &mut state.scratch);
        if findings.is_empty() {
            return size;
        }
        if self.added_lines_only {
            let new = data.to_vec();
            let previous = self.previous_versions(state, task);
            let added = AddedLines::new(&new, &previous);
            // Inside an archive, lines of the archive mean nothing: a finding is new when no
            // previous version of the archive held it in the same entry.
            let mut before = std::collections::HashSet::new();
            if findings.iter().any(|f| f.location.path != task.path) {
                for data in &previous {
                    let mut ignored = ScanStats::default();
                    for f in
                        self.matcher
                            .findings(data, &task.path, &mut state.scratch, &mut ignored)
                    {
                        before.insert((f.location.path, f.fingerprint));
                    }
                }
            }
            findings.retain(|f| {
                if f.location.path == task.path {
                    added.touches(f)
                } else {
                    !before.contains(&(f.location.path.clone(), f.fingerprint.clone()))
                }
            });
            if findings.is_empty() {
                return size;
            }
        }
        state.hits.push(BlobHit {
            task: index,
            findings,
        });
        size
    }

    fn previous_versions(
        &self,
        state: &mut WorkerState<M::Scratch>,
        task: &BlobTask,
    ) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for id in &task.previous {
            match state.repo.objects.try_find(id, &mut state.buf) {
                Ok(Some(data)) => out.push(data.data.to_vec()),
                _ => state.stats.warn(format!(
                    "{}: previous version {id} cannot be read; every line counts as added",
                    task.path
                )),
            }
        }
        out
    }
}

/// The message of a commit or annotated tag: the text after the headers (a tag's signature
/// is not part of it).
fn message_of(
    kind: gix::object::Kind,
    data: &[u8],
    hash: gix::hash::Kind,
) -> Result<&[u8], String> {
    match kind {
        gix::object::Kind::Commit => {
            gix::objs::CommitRef::from_bytes(data, hash).map(|c| -> &[u8] { c.message })
        }
        _ => gix::objs::TagRef::from_bytes(data, hash).map(|t| -> &[u8] { t.message }),
    }
    .map_err(|e| one_line(&e))
}

/// What the threads share: the trees of the delta forest, then the chunks of blobs read by id.
struct Work<'a> {
    forest: &'a Forest,
    next_tree: AtomicUsize,
    chunks: &'a [&'a [usize]],
    next_chunk: AtomicUsize,
}

/// How a blob is matched.
enum Matching<'a, K> {
    /// Whole, keeping nothing (read by id; `message`: a commit or tag message).
    Plain { message: bool },
    /// Rebuilt from a pack: from its base's state when there is one, keeping its own for its
    /// deltas.
    Kept {
        base: Option<(&'a K, &'a [Copied])>,
        known: &'a mut Option<K>,
    },
}

struct WorkerState<S> {
    repo: gix::Repository,
    buf: Vec<u8>,
    scratch: S,
    hits: Vec<BlobHit>,
    stats: ScanStats,
}

/// The task indices `subset` sorted by (pack, offset in pack). Offsets come from the pack
/// index files (a binary search each, no inflation); blobs in no pack (loose objects,
/// alternates) go last in id order. The order is only a speed hint: every blob is still found
/// by id.
fn pack_order(
    repo: &gix::ThreadSafeRepository,
    tasks: &[BlobTask],
    subset: Vec<usize>,
) -> Vec<usize> {
    if subset.is_empty() {
        return subset;
    }
    let indices = pack_indices(repo);
    let mut keyed: Vec<(u32, u64, usize)> = subset
        .into_iter()
        .map(|i| {
            let task = &tasks[i];
            let place = indices.iter().enumerate().find_map(|(pack, index)| {
                index
                    .lookup(task.id)
                    .map(|entry| (pack as u32, index.pack_offset_at_index(entry)))
            });
            let (pack, offset) = place.unwrap_or((u32::MAX, 0));
            (pack, offset, i)
        })
        .collect();
    keyed.sort_unstable_by(|a, b| {
        (a.0, a.1)
            .cmp(&(b.0, b.1))
            .then_with(|| tasks[a.2].id.cmp(&tasks[b.2].id))
    });
    keyed.into_iter().map(|(_, _, i)| i).collect()
}

/// The `.idx` files of the repository's own packs, largest first (most blobs live there).
fn pack_indices(repo: &gix::ThreadSafeRepository) -> Vec<gix::odb::pack::index::File> {
    super::packed::index_files(repo.objects.path())
        .into_iter()
        .filter_map(|path| gix::odb::pack::index::File::at(path, gix::hash::Kind::Sha1).ok())
        .collect()
}
