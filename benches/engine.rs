//! Matcher throughput on real text, and start-up cost.
//!
//! Inputs, each `LEAKGATE_BENCH_MB` (default 128) MB:
//! - `registry-sources`: the crate sources cargo has already downloaded
//!   (`~/.cargo/registry/src`), with a generated token every ~1 MB;
//! - `npm-js` and `curl-c`: the JavaScript of an npm dependency tree and curl's C sources, from
//!   `LEAKGATE_BENCH_NPM` and `LEAKGATE_BENCH_CURL` (default `/work/corpora/npm-deps` and
//!   `/work/corpora/curl-master`; left out when absent);
//! - `no-keywords`: the lines of those real sources that hold no part of any built-in keyword's
//!   occurrence (checked by Aho-Corasick when the input is built): text without keywords, yet
//!   full of their prefixes (`data`, `const`, `stat`), as real text is;
//! - `keyword-dense`: the built-in keywords themselves, one assignment per line.
//!
//! Setup prints, per input, the keyword occurrences and the filter's candidates (positions
//! compared exactly) per byte: the reason one text is slower than another.
//! Throughput is per core: one thread, one `Matcher::find` per 1 MiB chunk, as the walker
//! calls it per file; `find_all` is the same with decoding (what every source runs), so the
//! cost of looking inside encodings reads as the difference between the two. `prefilter` is
//! the keyword filter alone (the vector loop where the processor has one); `prefilter-scalar`
//! forces the scalar loop (what processors without AVX2 run) and
//! `prefilter-automaton` runs the Aho-Corasick DFA that came before, so every step is measured
//! in one run. Run: `cargo bench --bench engine`, or `-- prefilter` for the filter alone.
//!
//! On a shared machine, `LEAKGATE_BENCH_CPU=1` times the throughput benchmarks by the thread's
//! own CPU time instead of the wall clock: the time other processes hold the core no longer
//! counts, so two builds measured at different moments of a busy machine compare (the cache
//! and memory bandwidth they share still do).

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use leakgate::engine::{AllowList, FilterPath, KeywordHit, Matcher, Scratch};
use leakgate::rules::RuleSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
#[cfg(unix)]
use std::time::Duration;

const CHUNK: usize = 1 << 20;

fn registry_sources() -> Vec<PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .expect("HOME or CARGO_HOME is set");
    let mut files = Vec::new();
    collect(
        &home.join("registry").join("src"),
        &["rs", "toml", "md", "json", "yml", "yaml", "c", "h", "txt"],
        &mut files,
    );
    files.sort();
    files
}

/// The files under `dir` whose extension is one of `extensions`, in no particular order.
fn collect(dir: &Path, extensions: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(ft) = entry.file_type() else { continue };
        if ft.is_dir() {
            collect(&path, extensions, out);
        } else if ft.is_file()
            && path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| extensions.contains(&e))
        {
            out.push(path);
        }
    }
}

/// The first `target` bytes (or all, if fewer) of the files under `$variable` (or `default`)
/// with one of `extensions`, in path order; `None` when the folder is absent or holds none.
fn corpus_files(
    variable: &str,
    default: &str,
    extensions: &[&str],
    target: usize,
) -> Option<Vec<u8>> {
    let root = std::env::var_os(variable).map_or_else(|| PathBuf::from(default), PathBuf::from);
    let mut files = Vec::new();
    collect(&root, extensions, &mut files);
    files.sort();
    let mut data = Vec::with_capacity(target);
    for file in files {
        if data.len() >= target {
            break;
        }
        if let Ok(bytes) = std::fs::read(file) {
            data.extend_from_slice(&bytes);
        }
    }
    data.truncate(target);
    if data.is_empty() {
        eprintln!("{variable}: no input under {}, left out", root.display());
        return None;
    }
    Some(data)
}

/// `data` repeated (whole, then cut) to `target` bytes.
fn repeat_to(data: &[u8], target: usize) -> Vec<u8> {
    data.iter().copied().cycle().take(target).collect()
}

/// The lines of `sources` that hold no byte of any occurrence of a built-in keyword, repeated
/// to `target` bytes. No keyword holds a line break, so joining the kept lines makes no new
/// occurrence; the automaton checks that on the result.
fn without_keywords(sources: &[&[u8]], automaton: &AhoCorasick, target: usize) -> Vec<u8> {
    let mut kept = Vec::new();
    for text in sources {
        let mut hit = vec![false; text.len() + 1];
        for m in automaton.find_overlapping_iter(*text) {
            hit[m.start()..m.end()].iter_mut().for_each(|h| *h = true);
        }
        let mut at = 0;
        for line in text.split_inclusive(|&b| b == b'\n') {
            if !hit[at..at + line.len()].contains(&true) {
                kept.extend_from_slice(line);
            }
            at += line.len();
        }
    }
    let text = repeat_to(&kept, target);
    assert!(
        automaton.find_overlapping_iter(&text).next().is_none(),
        "the no-keywords input holds a keyword"
    );
    text
}

/// Every built-in keyword in an assignment of its own, in both cases by turns: a keyword
/// starts every ~20 bytes.
fn keyword_dense(target: usize) -> Vec<u8> {
    let mut text = Vec::new();
    for (n, keyword) in builtin_keywords().iter().enumerate() {
        let keyword = match n % 2 {
            0 => keyword.to_ascii_uppercase(),
            _ => keyword.clone(),
        };
        text.extend_from_slice(format!("v{n} = {keyword};\n").as_bytes());
    }
    repeat_to(&text, target)
}

/// Realistic text: real source files, with one generated GitHub-format token per ~1 MB.
fn corpus(target: usize) -> Vec<u8> {
    let files = registry_sources();
    assert!(
        !files.is_empty(),
        "no sources under ~/.cargo/registry/src: run `cargo fetch` first"
    );
    let mut data = Vec::with_capacity(target + CHUNK);
    let mut next_secret = CHUNK;
    let mut n = 0u32;
    'outer: loop {
        for f in &files {
            if let Ok(bytes) = std::fs::read(f) {
                data.extend_from_slice(&bytes);
                if data.len() >= next_secret {
                    n += 1;
                    let random = format!("{:0>30}", format!("Bench{n}Token{}", n * 7919));
                    let check = leakgate::rules::base62_checksum(random.as_bytes());
                    data.extend_from_slice(
                        format!("\nlet t = \"ghp_{random}{check}\";\n").as_bytes(),
                    );
                    next_secret += CHUNK;
                }
                if data.len() >= target {
                    break 'outer;
                }
            }
        }
    }
    data
}

fn matcher() -> Matcher {
    let rules = RuleSet::builtin().expect("built-in rules compile");
    Matcher::new(Arc::new(rules), AllowList::default())
}

/// What the prefilter was before the keyword filter (main up to 43976e9): an Aho-Corasick DFA
/// over the same distinct lowercased keywords, in the matcher's pattern order, so its
/// occurrences feed [`Matcher::find_from_hits`] unchanged. Measured in the same run as the
/// filter, the ratio between the two is what the filter gained.
fn automaton() -> AhoCorasick {
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .kind(Some(AhoCorasickKind::DFA))
        .build(builtin_keywords())
        .expect("built-in keywords build")
}

/// The built-in rules' distinct lowercased keywords, in the matcher's pattern order.
fn builtin_keywords() -> Vec<String> {
    let rules = RuleSet::builtin().expect("built-in rules compile");
    let mut patterns: Vec<String> = Vec::new();
    for rule in rules.rules() {
        for keyword in rule.keywords() {
            let keyword = keyword.to_ascii_lowercase();
            if !patterns.contains(&keyword) {
                patterns.push(keyword);
            }
        }
    }
    patterns
}

fn automaton_hits(automaton: &AhoCorasick, data: &[u8], out: &mut Vec<KeywordHit>) {
    out.extend(automaton.find_overlapping_iter(data).map(|m| KeywordHit {
        pattern: m.pattern().as_u32(),
        start: m.start(),
        end: m.end(),
    }));
}

/// Runs `routine` as criterion's `iter` does, timed by the wall clock, or by this thread's CPU
/// time when `LEAKGATE_BENCH_CPU` is set (see the module documentation; Unix only).
fn timed<R>(b: &mut criterion::Bencher<'_>, mut routine: impl FnMut() -> R) {
    #[cfg(unix)]
    if std::env::var_os("LEAKGATE_BENCH_CPU").is_some() {
        let now = || {
            let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
            Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
        };
        b.iter_custom(|iterations| {
            let start = now();
            for _ in 0..iterations {
                std::hint::black_box(routine());
            }
            now().saturating_sub(start)
        });
        return;
    }
    b.iter(routine);
}

fn bench_throughput(c: &mut Criterion) {
    let mb: usize = std::env::var("LEAKGATE_BENCH_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(128);
    let data = corpus(mb << 20);
    let matcher = matcher();
    let automaton = automaton();
    let mut scratch = Scratch::default();
    let found: usize = data
        .chunks(CHUNK)
        .map(|c| matcher.find(c, &mut scratch).len())
        .sum();
    let target = mb << 20;
    let npm = corpus_files(
        "LEAKGATE_BENCH_NPM",
        "/work/corpora/npm-deps",
        &["js"],
        target,
    );
    let curl = corpus_files(
        "LEAKGATE_BENCH_CURL",
        "/work/corpora/curl-master",
        &["c", "h"],
        target,
    );
    let mut sources: Vec<&[u8]> = vec![&data];
    sources.extend(npm.as_deref());
    sources.extend(curl.as_deref());
    let plain = without_keywords(&sources, &automaton, target);
    let dense = keyword_dense(target);
    let mut inputs: Vec<(&str, &[u8])> = vec![("registry-sources", &data)];
    if let Some(npm) = &npm {
        inputs.push(("npm-js", npm));
    }
    if let Some(curl) = &curl {
        inputs.push(("curl-c", curl));
    }
    inputs.push(("no-keywords", &plain));
    inputs.push(("keyword-dense", &dense));
    let mut hits = Vec::new();
    for (input, bytes) in &inputs {
        hits.clear();
        let mut candidates = 0;
        for chunk in bytes.chunks(CHUNK) {
            matcher.keyword_hits(chunk, 0..chunk.len(), &mut hits);
            candidates += matcher.keyword_candidates(chunk);
        }
        let per_kib = |n: usize| n as f64 * 1024.0 / bytes.len() as f64;
        eprintln!(
            "{input}: {} MB, {:.1} keyword occurrences and {:.1} filter candidates per KiB ({:.2}% of positions)",
            bytes.len() >> 20,
            per_kib(hits.len()),
            per_kib(candidates),
            candidates as f64 * 100.0 / bytes.len() as f64
        );
    }
    eprintln!("registry-sources: {found} findings");

    // `prefilter` is the keyword occurrences alone (`automaton`: the Aho-Corasick DFA it
    // replaced); `find` matches text as written; `find_all` is what every source calls: the
    // same, plus the secrets hidden inside encodings. `*-automaton` runs the same stages from
    // the automaton's occurrences.
    let mut hits: Vec<KeywordHit> = Vec::new();
    let mut group = c.benchmark_group("matcher");
    group.sample_size(10);
    for (input, bytes) in inputs {
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        for (name, path) in [
            ("prefilter", FilterPath::Vector),
            ("prefilter-scalar", FilterPath::Scalar),
        ] {
            group.bench_with_input(BenchmarkId::new(name, input), bytes, |b, data| {
                timed(b, || {
                    data.chunks(CHUNK)
                        .map(|chunk| {
                            hits.clear();
                            matcher.keyword_hits_by(path, chunk, 0..chunk.len(), &mut hits);
                            hits.len()
                        })
                        .sum::<usize>()
                })
            });
        }
        group.bench_with_input(
            BenchmarkId::new("prefilter-automaton", input),
            bytes,
            |b, data| {
                timed(b, || {
                    data.chunks(CHUNK)
                        .map(|chunk| {
                            hits.clear();
                            automaton_hits(&automaton, chunk, &mut hits);
                            hits.len()
                        })
                        .sum::<usize>()
                })
            },
        );
        for decoded in [false, true] {
            let name = if decoded { "find_all" } else { "find" };
            group.bench_with_input(BenchmarkId::new(name, input), bytes, |b, data| {
                timed(b, || {
                    data.chunks(CHUNK)
                        .map(|chunk| match decoded {
                            false => matcher.find(chunk, &mut scratch).len(),
                            true => matcher.find_all(chunk, &mut scratch).len(),
                        })
                        .sum::<usize>()
                })
            });
            if decoded {
                // Decoding searches the decoded text with the matcher's own filter: there is no
                // automaton twin of `find_all` (its cost over `find` is the same either way).
                continue;
            }
            group.bench_with_input(
                BenchmarkId::new("find-automaton", input),
                bytes,
                |b, data| {
                    timed(b, || {
                        data.chunks(CHUNK)
                            .map(|chunk| {
                                hits.clear();
                                automaton_hits(&automaton, chunk, &mut hits);
                                matcher.find_from_hits(chunk, &hits, &mut scratch).len()
                            })
                            .sum::<usize>()
                    })
                },
            );
        }
    }
    group.finish();
}

fn bench_startup(c: &mut Criterion) {
    c.bench_function("startup/compile-builtin-rules", |b| b.iter(matcher));
    c.bench_function("startup/compile-builtin-rules-automaton", |b| {
        b.iter(automaton)
    });
    c.bench_function("startup/load-builtin-rules", |b| {
        b.iter(|| RuleSet::builtin().expect("built-in rules compile"))
    });
}

criterion_group!(benches, bench_throughput, bench_startup);
criterion_main!(benches);
