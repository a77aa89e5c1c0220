//! Matcher throughput on realistic source text with sparse secrets, and start-up cost.
//!
//! The corpus is built from the crate sources cargo has already downloaded
//! (`~/.cargo/registry/src`), repeated until it reaches `LEAKGATE_BENCH_MB` (default 128) MB,
//! with a generated token every ~1 MB. Run: `cargo bench --bench engine`.
//! Throughput is per core: one thread, one `Matcher::find` per 1 MiB chunk, as the walker
//! calls it per file; `find_all` is the same with decoding (what every source runs), so the
//! cost of looking inside encodings reads as the difference between the two. `prefilter` is
//! the keyword filter alone; each has an `-automaton` twin that runs the Aho-Corasick DFA the
//! filter replaced, so before and after are measured in one run.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use leakgate::engine::{AllowList, KeywordHit, Matcher, Scratch};
use leakgate::rules::RuleSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const CHUNK: usize = 1 << 20;

fn registry_sources() -> Vec<PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .expect("HOME or CARGO_HOME is set");
    let mut files = Vec::new();
    collect(&home.join("registry").join("src"), &mut files);
    files.sort();
    files
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(ft) = entry.file_type() else { continue };
        if ft.is_dir() {
            collect(&path, out);
        } else if ft.is_file()
            && matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("rs" | "toml" | "md" | "json" | "yml" | "yaml" | "c" | "h" | "txt")
            )
        {
            out.push(path);
        }
    }
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
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .kind(Some(AhoCorasickKind::DFA))
        .build(&patterns)
        .expect("built-in keywords build")
}

fn automaton_hits(automaton: &AhoCorasick, data: &[u8], out: &mut Vec<KeywordHit>) {
    out.extend(automaton.find_overlapping_iter(data).map(|m| KeywordHit {
        pattern: m.pattern().as_u32(),
        start: m.start(),
        end: m.end(),
    }));
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
    let mut hits = Vec::new();
    for chunk in data.chunks(CHUNK) {
        matcher.keyword_hits(chunk, 0..chunk.len(), &mut hits);
    }
    eprintln!(
        "corpus: {} MB, {} keyword occurrences, {found} findings",
        data.len() >> 20,
        hits.len()
    );

    // The no-hit path: text with no keyword at all measures the prefilter alone.
    let plain: Vec<u8> = b"the quick brown fox jumps over the lazy dog 0123456789\n"
        .iter()
        .copied()
        .cycle()
        .take(64 << 20)
        .collect();
    // `prefilter` is the keyword occurrences alone (`automaton`: the Aho-Corasick DFA it
    // replaced); `find` matches text as written; `find_all` is what every source calls: the
    // same, plus the secrets hidden inside encodings. `*-automaton` runs the same stages from
    // the automaton's occurrences.
    let mut hits: Vec<KeywordHit> = Vec::new();
    let mut group = c.benchmark_group("matcher");
    group.sample_size(10);
    for (input, bytes) in [("registry-sources", &data), ("no-keywords", &plain)] {
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_with_input(BenchmarkId::new("prefilter", input), bytes, |b, data| {
            b.iter(|| {
                data.chunks(CHUNK)
                    .map(|chunk| {
                        hits.clear();
                        matcher.keyword_hits(chunk, 0..chunk.len(), &mut hits);
                        hits.len()
                    })
                    .sum::<usize>()
            })
        });
        group.bench_with_input(
            BenchmarkId::new("prefilter-automaton", input),
            bytes,
            |b, data| {
                b.iter(|| {
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
                b.iter(|| {
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
                    b.iter(|| {
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
