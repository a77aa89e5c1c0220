//! Matcher throughput on realistic source text with sparse secrets, and start-up cost.
//!
//! The corpus is built from the crate sources cargo has already downloaded
//! (`~/.cargo/registry/src`), repeated until it reaches `LEAKGATE_BENCH_MB` (default 128) MB,
//! with a generated token every ~1 MB. Run: `cargo bench --bench engine`.
//! Throughput is per core: one thread, one `Matcher::find` per 1 MiB chunk, as the walker
//! calls it per file; `find_all` is the same with decoding (what every source runs), so the
//! cost of looking inside encodings reads as the difference between the two.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use leakgate::engine::{AllowList, Matcher, Scratch, Workload};
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
    Matcher::new(Arc::new(rules), AllowList::default(), Workload::Large)
        .expect("built-in keywords build")
}

fn bench_throughput(c: &mut Criterion) {
    let mb: usize = std::env::var("LEAKGATE_BENCH_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(128);
    let data = corpus(mb << 20);
    let matcher = matcher();
    let mut scratch = Scratch::default();
    let found: usize = data
        .chunks(CHUNK)
        .map(|c| matcher.find(c, &mut scratch).len())
        .sum();
    eprintln!("corpus: {} MB, {found} findings", data.len() >> 20);

    // The no-hit path: text with no keyword at all measures the prefilter alone.
    let plain: Vec<u8> = b"the quick brown fox jumps over the lazy dog 0123456789\n"
        .iter()
        .copied()
        .cycle()
        .take(64 << 20)
        .collect();
    // `find` matches text as written; `find_all` is what every source calls: the same, plus
    // the secrets hidden inside encodings.
    type Find = fn(&Matcher, &[u8], &mut Scratch) -> usize;
    let ways: [(&str, Find); 2] = [
        ("find", |m, c, s| m.find(c, s).len()),
        ("find_all", |m, c, s| m.find_all(c, s).len()),
    ];
    let mut group = c.benchmark_group("matcher");
    group.sample_size(10);
    for (input, bytes) in [("registry-sources", &data), ("no-keywords", &plain)] {
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        for (name, find) in ways {
            group.bench_with_input(BenchmarkId::new(name, input), bytes, |b, data| {
                b.iter(|| {
                    data.chunks(CHUNK)
                        .map(|chunk| find(&matcher, chunk, &mut scratch))
                        .sum::<usize>()
                })
            });
        }
    }
    group.finish();
}

fn bench_startup(c: &mut Criterion) {
    c.bench_function("startup/compile-builtin-rules", |b| b.iter(matcher));
}

criterion_group!(benches, bench_throughput, bench_startup);
criterion_main!(benches);
