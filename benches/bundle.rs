//! Throughput of the client-bundle check on its worst realistic input: a 5 MB minified bundle
//! on one line, full of URLs, object literals and keyword-like identifiers, with one secret,
//! one dev endpoint and one test key near the end.
//!
//! Run: `cargo bench --bench bundle`. It also writes the same bundle to
//! `$CARGO_TARGET_DIR/bundle-bench/dist/assets/index-DiwrgTda.js` (default `target/`) with a
//! `.leakgate.yml` naming the same rules, so the whole process can be measured with
//! `cd target/bundle-bench && /usr/bin/time -v ../release/leakgate bundle dist`.
//!
//! Secret rules: the built-in set plus four inline rules, so the matcher has work even on a
//! branch without the built-in rule files.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use leakgate::checks::bundle::discover::{BundleFile, Visibility};
use leakgate::checks::bundle::{BundleCheck, BundleOptions, patterns};
use leakgate::engine::RuleInfos;
use leakgate::engine::{AllowList, Matcher, Scratch};
use leakgate::rules::RuleSet;
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;

const SIZE: usize = 5 * 1024 * 1024;

const BENCH_RULES: &str = r#"rules:
  - id: bench-stripe-live-secret
    name: Stripe live secret key
    description: bench
    severity: high
    keywords: [sk_live_]
    regex: '(?P<secret>sk_live_[0-9A-Za-z]{24,99})'
  - id: bench-aws-access-key
    name: AWS access key id
    description: bench
    severity: high
    keywords: [AKIA]
    regex: '(?P<secret>AKIA[A-Z2-7]{16})'
  - id: bench-google-api-key
    name: Google API key
    description: bench
    severity: medium
    keywords: [AIza]
    regex: '(?P<secret>AIza[0-9A-Za-z_-]{35})'
  - id: bench-generic-secret
    name: Generic secret assignment
    description: bench
    severity: medium
    keywords: [secret, token, apikey, api_key, password]
    entropy: 3.5
    tags: [generic]
    regex: '(?i)(?:secret|token|api_?key|password)["'']?\s*[:=]\s*["''](?P<secret>[0-9A-Za-z_\-]{16,64})["'']'
"#;

/// Deterministic minified-looking JavaScript, one line of `size` bytes.
pub fn minified_bundle(size: usize) -> Vec<u8> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    let mut out = String::with_capacity(size + 256);
    let mut i: u64 = 0;
    while out.len() < size - 512 {
        let r = next();
        match r % 6 {
            0 => out.push_str(&format!(
                "function a{i}(e,t){{return e?t.map(n=>n.id===e.id?{{...n,token:t.token}}:n):null}}"
            )),
            1 => out.push_str(&format!(
                "fetch(\"https://api.acme-corp.com/v1/items/{i}\",{{headers:{{Accept:\"application/json\"}}}});"
            )),
            2 => out.push_str(&format!(
                "const c{i}={{ACTION_{i}:\"action/{i}\",RESET:\"reset\",VALUE:{r},label:\"Item {i}\"}};"
            )),
            3 => out.push_str(&format!(
                "var s{i}=\"http://www.w3.org/2000/svg\",k{i}=\"secretary\",p{i}=\"password-field\";"
            )),
            4 => out.push_str(&format!("x{i}.apiKey=x{i}.apiKey||y[\"{:016x}\"];", r)),
            _ => out.push_str(&format!("if(n>{r}&&o<{i})throw new Error(\"E{i}: bad input\");")),
        }
        i += 1;
    }
    out.push_str("fetch(\"http://localhost:3000/api\");");
    out.push_str("const stripe=Stripe(\"pk_test_51HxYzAbCdEfGhIjKlMnOp\");");
    // Assembled at run time so this file holds no key-shaped literal (the self-scan stays clean).
    let leaked = ["sk", "live", "4eC39HqLyjWDarjtT1zdp7dcXyZ"].join("_");
    out.push_str(&format!("const leaked=\"{leaked}\";"));
    out.into_bytes()
}

fn fixture_root() -> PathBuf {
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| PathBuf::from("target"), PathBuf::from);
    target.join("bundle-bench")
}

/// Writes the bundle, plus a `.leakgate.yml` naming the bench rules, for whole-process runs.
fn write_fixture(data: &[u8]) -> PathBuf {
    let root = fixture_root();
    let path = root.join("dist/assets/index-DiwrgTda.js");
    let written = path
        .parent()
        .is_some_and(|p| std::fs::create_dir_all(p).is_ok())
        && std::fs::write(&path, data).is_ok()
        && std::fs::write(root.join("bench-rules.yaml"), BENCH_RULES).is_ok()
        && std::fs::write(
            root.join(".leakgate.yml"),
            "rules_files: [bench-rules.yaml]\n",
        )
        .is_ok();
    if written {
        eprintln!("wrote {} ({} bytes)", path.display(), data.len());
    }
    path
}

fn bench_bundle(c: &mut Criterion) {
    let data = minified_bundle(SIZE);
    let path = write_fixture(&data);
    let mut rules = RuleSet::builtin().expect("built-in rules compile");
    rules
        .add_yaml("bench", BENCH_RULES)
        .expect("bench rules compile");
    let matcher = Matcher::new(Arc::new(rules), AllowList::default());
    let infos = RuleInfos::new(&matcher);
    let options = BundleOptions {
        threads: 1,
        max_file_size: 25 * 1024 * 1024,
        switches: Default::default(),
        verbose: false,
        folders: false,
    };
    let check = BundleCheck::new(&matcher, &infos, options);
    let file = BundleFile {
        path: path.clone(),
        shown: "dist/assets/index-DiwrgTda.js".into(),
        visibility: Visibility::Client,
    };
    let mut scratch = Scratch::default();
    let found = check.check_file(&file, &data, &mut scratch);
    assert_eq!(
        found.findings.len(),
        3,
        "the bench input has three findings"
    );

    let mut group = c.benchmark_group("bundle");
    group.sample_size(20);
    group.throughput(Throughput::Bytes(data.len() as u64));
    group.bench_function("check_file_5mb_single_line", |b| {
        b.iter(|| black_box(check.check_file(&file, black_box(&data), &mut scratch)))
    });
    group.bench_function("secret_matcher_only_5mb", |b| {
        b.iter(|| black_box(matcher.find(black_box(&data), &mut scratch)))
    });
    group.bench_function("patterns_test_keys_5mb", |b| {
        b.iter(|| black_box(patterns::test_keys(black_box(&data))))
    });
    group.bench_function("patterns_endpoints_5mb", |b| {
        b.iter(|| black_box(patterns::endpoints(black_box(&data))))
    });
    group.bench_function("patterns_env_dumps_5mb", |b| {
        b.iter(|| black_box(patterns::env_dumps(black_box(&data))))
    });
    group.finish();
}

criterion_group!(benches, bench_bundle);
criterion_main!(benches);
