//! Secrets inside archives, through the real binary: every format read (told by magic bytes,
//! not names), nested archives up to the depth limit, bombs and recursive archives stopped by
//! budgets with a counted warning that names the archive (exit 2), corrupt archives counted,
//! and archives in history, staged for commit and piped to standard input. Every archive is
//! generated here with the crates leakgate itself reads them with; tokens are generated from
//! GitHub's documented format (never a real secret).

#[path = "common/mod.rs"]
mod common;

use common::{Tokens, git, leakgate, write};
use serde_json::Value;
use std::io::{Cursor, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// A fixture folder: `leakgate.yml` (the config every scan uses) next to the scanned `tree/`.
struct Fixture {
    dir: TempDir,
    tokens: Tokens,
}

struct Outcome {
    code: i32,
    report: Value,
    stderr: String,
    elapsed: Duration,
}

impl Outcome {
    /// Every finding as `path:line`.
    fn places(&self) -> Vec<String> {
        let mut places: Vec<String> = self.report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| format!("{}:{}", f["path"].as_str().unwrap(), f["line"]))
            .collect();
        places.sort();
        places
    }

    fn warnings(&self) -> Vec<String> {
        self.report["summary"]["warnings"]
            .as_array()
            .expect("warnings")
            .iter()
            .map(|w| w.as_str().unwrap().to_string())
            .collect()
    }

    fn complete(&self) -> bool {
        self.report["summary"]["complete"] == true
    }
}

impl Fixture {
    fn new(seed: u64) -> Fixture {
        Fixture::with_config(seed, "")
    }

    fn with_config(seed: u64, config: &str) -> Fixture {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("tree")).unwrap();
        std::fs::write(dir.path().join("leakgate.yml"), config).unwrap();
        Fixture {
            dir,
            tokens: Tokens::new(seed),
        }
    }

    fn tree(&self) -> PathBuf {
        self.dir.path().join("tree")
    }

    fn put(&self, name: &str, data: &[u8]) {
        write(&self.tree(), name, data);
    }

    /// An env file whose third line holds a fresh token.
    fn env(&mut self) -> (String, Vec<u8>) {
        let token = self.tokens.github_pat();
        let text = format!("APP_NAME=shop\nDEBUG=false\nGITHUB_TOKEN={token}\n");
        (token, text.into_bytes())
    }

    fn scan(&self, args: &[&str]) -> Outcome {
        self.scan_with_stdin(args, None)
    }

    fn scan_with_stdin(&self, args: &[&str], stdin: Option<Vec<u8>>) -> Outcome {
        let mut cmd = leakgate();
        cmd.current_dir(self.dir.path())
            .args(["scan", "--format", "json", "--no-env", "--config"])
            .arg(self.dir.path().join("leakgate.yml"))
            .args(args);
        if let Some(data) = stdin {
            cmd.write_stdin(data);
        }
        let started = Instant::now();
        let out = cmd.output().expect("leakgate runs");
        let elapsed = started.elapsed();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(!stderr.contains("panicked"), "{stderr}");
        let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {}\n{stderr}",
                String::from_utf8_lossy(&out.stdout)
            )
        });
        Outcome {
            code: out.status.code().expect("exit code"),
            report,
            stderr,
            elapsed,
        }
    }

    fn scan_tree(&self) -> Outcome {
        self.scan(&[self.tree().to_str().unwrap()])
    }
}

// ---- archive builders ----

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        writer.start_file(*name, options).unwrap();
        writer.write_all(data).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

fn stored_zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, data) in entries {
        writer.start_file(*name, options).unwrap();
        writer.write_all(data).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

fn tar_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, data) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder.append_data(&mut header, name, *data).unwrap();
    }
    builder.into_inner().unwrap()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

fn bzip2(data: &[u8]) -> Vec<u8> {
    let mut encoder = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

fn xz(data: &[u8]) -> Vec<u8> {
    let mut writer =
        lzma_rust2::XzWriter::new(Vec::new(), lzma_rust2::XzOptions::with_preset(6)).unwrap();
    writer.write_all(data).unwrap();
    writer.finish().unwrap()
}

fn zstd(data: &[u8]) -> Vec<u8> {
    ruzstd::encoding::compress_to_vec(data, ruzstd::encoding::CompressionLevel::Fastest)
}

/// A hand-made zip whose `copies` central-directory entries all point at one stored local
/// entry holding `inner`: each level multiplies what a reader sees, so nesting it is an
/// archive that, read naively, never ends (the recursive structure of overlapping-entry bombs).
fn fan_out_zip(inner: &[u8], copies: u16) -> Vec<u8> {
    let mut crc = flate2::Crc::new();
    crc.update(inner);
    let crc = crc.sum();
    let size = inner.len() as u32;
    let name = |i: u16| format!("again{i:05}.zip").into_bytes();
    let common = |out: &mut Vec<u8>, name_len: usize| {
        out.extend_from_slice(&20u16.to_le_bytes()); // version needed
        out.extend_from_slice(&0u16.to_le_bytes()); // flags
        out.extend_from_slice(&0u16.to_le_bytes()); // stored
        out.extend_from_slice(&0u32.to_le_bytes()); // time, date
        out.extend_from_slice(&crc.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&(name_len as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes()); // extra
    };
    let mut out = Vec::new();
    out.extend_from_slice(b"PK\x03\x04");
    common(&mut out, name(0).len());
    out.extend_from_slice(&name(0));
    out.extend_from_slice(inner);
    let directory = out.len() as u32;
    for i in 0..copies {
        // Every entry has its own name and the same data.
        out.extend_from_slice(b"PK\x01\x02");
        out.extend_from_slice(&20u16.to_le_bytes()); // version made by
        common(&mut out, name(i).len());
        out.extend_from_slice(&[0; 6]); // comment length, disk, internal attributes
        out.extend_from_slice(&0u32.to_le_bytes()); // external attributes
        out.extend_from_slice(&0u32.to_le_bytes()); // local header offset
        out.extend_from_slice(&name(i));
    }
    let directory_size = out.len() as u32 - directory;
    out.extend_from_slice(b"PK\x05\x06");
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&copies.to_le_bytes());
    out.extend_from_slice(&copies.to_le_bytes());
    out.extend_from_slice(&directory_size.to_le_bytes());
    out.extend_from_slice(&directory.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

// ---- every format ----

#[test]
fn a_secret_in_every_archive_format_is_found_at_its_entry_path_and_line() {
    let mut fx = Fixture::new(1601);
    let mut expected = Vec::new();
    let mut plant =
        |fx: &mut Fixture, file: &str, inner: &str, build: &dyn Fn(&[u8]) -> Vec<u8>| {
            let (_, env) = fx.env();
            fx.put(file, &build(&env));
            expected.push(format!("{file}!{inner}:3"));
        };
    plant(&mut fx, "release.zip", "app/.env", &|e| {
        zip_of(&[("app/.env", e)])
    });
    plant(
        &mut fx,
        "app.jar",
        "BOOT-INF/classes/application.properties",
        &|e| {
            zip_of(&[
                ("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\n"),
                ("BOOT-INF/classes/application.properties", e),
            ])
        },
    );
    plant(&mut fx, "web.war", "WEB-INF/web.env", &|e| {
        zip_of(&[("WEB-INF/web.env", e)])
    });
    plant(&mut fx, "mobile.apk", "assets/config.env", &|e| {
        zip_of(&[("assets/config.env", e)])
    });
    plant(&mut fx, "deploy.tar", "deploy/.env", &|e| {
        tar_of(&[("deploy/.env", e)])
    });
    plant(&mut fx, "deploy.tar.gz", "deploy/.env", &|e| {
        gzip(&tar_of(&[("deploy/.env", e)]))
    });
    plant(&mut fx, "site.tgz", "srv/.env", &|e| {
        gzip(&tar_of(&[("srv/.env", e)]))
    });
    plant(&mut fx, "dump.sql.gz", "dump.sql", &|e| gzip(e));
    plant(&mut fx, "dump.sql.bz2", "dump.sql", &|e| bzip2(e));
    plant(&mut fx, "dump.sql.xz", "dump.sql", &|e| xz(e));
    plant(&mut fx, "dump.sql.zst", "dump.sql", &|e| zstd(e));
    plant(&mut fx, "backup.tar.zst", "etc/app.env", &|e| {
        zstd(&tar_of(&[("etc/app.env", e)]))
    });
    // Told by magic bytes, not by name.
    plant(&mut fx, "blob.bin", "inside/.env", &|e| {
        zip_of(&[("inside/.env", e)])
    });
    plant(&mut fx, "noext", "x/.env", &|e| {
        bzip2(&tar_of(&[("x/.env", e)]))
    });
    let out = fx.scan_tree();
    expected.sort();
    let tree = "";
    let places: Vec<String> = out
        .places()
        .iter()
        .map(|p| p.strip_prefix(tree).unwrap_or(p).to_string())
        .collect();
    assert_eq!(places, expected, "{}", out.stderr);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.complete(), "{:?}", out.warnings());
}

#[test]
fn json_and_sarif_name_the_entry_inside_the_archive() {
    let mut fx = Fixture::new(1602);
    let (token, env) = fx.env();
    fx.put("release.zip", &zip_of(&[("app/.env", &env)]));
    let out = fx.scan_tree();
    assert_eq!(out.places(), ["release.zip!app/.env:3"]);
    let finding = &out.report["findings"][0];
    assert_eq!(finding["column"], 14);
    assert!(!out.report.to_string().contains(&token), "full secret");
    let sarif_file = fx.dir.path().join("out.sarif");
    let status = leakgate()
        .current_dir(fx.dir.path())
        .args(["scan", "--format", "sarif", "--no-env", "--output"])
        .arg(&sarif_file)
        .arg("tree")
        .output()
        .unwrap();
    assert_eq!(status.status.code(), Some(1));
    let sarif: Value = serde_json::from_slice(&std::fs::read(&sarif_file).unwrap()).unwrap();
    let location = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "release.zip!app/.env");
    assert_eq!(location["region"]["startLine"], 3);
    if let Some(tool) = common::sarif_multitool() {
        common::assert_valid_sarif(&tool, &sarif_file);
    }
}

// ---- nesting, recursion, bombs ----

/// `levels` zips, each holding a token in `levelN/.env` and the next level as `levelN+1.zip`.
fn nest(fx: &mut Fixture, levels: u32, token_at_every_level: bool) -> Vec<u8> {
    let mut inner: Option<Vec<u8>> = None;
    for level in (1..=levels).rev() {
        let (_, env) = fx.env();
        let env_name = format!("level{level}/.env");
        let next_name = format!("level{}.zip", level + 1);
        let mut entries: Vec<(&str, &[u8])> = Vec::new();
        if token_at_every_level || level == levels {
            entries.push((&env_name, &env));
        }
        if let Some(next) = &inner {
            entries.push((&next_name, next));
        }
        inner = Some(zip_of(&entries));
    }
    inner.unwrap()
}

fn nested_path(depth: u32) -> String {
    let mut path = "level1.zip".to_string();
    for level in 2..=depth {
        path.push_str(&format!("!level{level}.zip"));
    }
    path
}

#[test]
fn ten_levels_deep_are_read_up_to_the_depth_limit_and_the_rest_is_a_named_warning() {
    let mut fx = Fixture::new(1603);
    let archive = nest(&mut fx, 10, true);
    fx.put("level1.zip", &archive);
    let out = fx.scan_tree();
    // The default limit opens eight levels of archives.
    let expected: Vec<String> = (1..=8)
        .map(|level| format!("{}!level{level}/.env:3", nested_path(level)))
        .collect();
    let mut expected = expected;
    expected.sort();
    assert_eq!(out.places(), expected, "{}", out.stderr);
    let warnings = out.warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with(&format!(
            "{}: could not read: archive limit",
            nested_path(9)
        )) && warnings[0].contains("deeper than 8 levels"),
        "{warnings:?}"
    );
    assert!(!out.complete());
    assert_eq!(out.report["summary"]["skipped"]["unreadable"], 1);
    // Findings already fail the gate.
    assert_eq!(out.code, 1);

    // Only the deepest level holds a token: nothing is found, and the gate does not pass.
    let mut fx = Fixture::new(1604);
    let archive = nest(&mut fx, 10, false);
    fx.put("level1.zip", &archive);
    let out = fx.scan_tree();
    assert!(out.places().is_empty());
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("level1.zip!level2.zip"),
        "{}",
        out.stderr
    );

    // `archives.max_depth` reaches it.
    let mut fx = Fixture::with_config(1604, "archives:\n  max_depth: 10\n");
    let archive = nest(&mut fx, 10, false);
    fx.put("level1.zip", &archive);
    let out = fx.scan_tree();
    assert_eq!(
        out.places(),
        [format!("{}!level10/.env:3", nested_path(10))]
    );
    assert_eq!(out.code, 1);
    assert!(out.complete(), "{:?}", out.warnings());
}

#[test]
fn a_recursive_archive_ends_with_a_warning_naming_it() {
    let fx = Fixture::with_config(1605, "archives:\n  max_entries: 20000\n");
    // Read naively this is 40^7 (about 164 billion) nested entries.
    let mut archive = zip_of(&[("app/.env", b"NOTHING=here\n")]);
    for _ in 0..7 {
        archive = fan_out_zip(&archive, 40);
    }
    assert!(archive.len() < 100_000, "{}", archive.len());
    fx.put("recursive.zip", &archive);
    let out = fx.scan_tree();
    assert_eq!(out.code, 2, "{}", out.stderr);
    let warnings = out.warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with("recursive.zip!again00000.zip!")
            && warnings[0].ends_with(
                ": could not read: archive limit: more than 20000 entries in recursive.zip; \
                 the rest of it was not read"
            ),
        "{warnings:?}"
    );
    assert!(out.elapsed < Duration::from_secs(60), "{:?}", out.elapsed);
}

/// The most memory any child process of this test binary has used (kilobytes).
fn children_max_rss_kb() -> i64 {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage writes into the struct it is given.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    assert_eq!(rc, 0);
    usage.ru_maxrss
}

#[test]
fn a_gzip_bomb_of_a_gibibyte_of_zeros_stops_fast_in_bounded_memory() {
    let fx = Fixture::new(1606);
    // 1 GiB of zeros as 1024 gzip members of 1 MiB each (1 MiB on disk).
    let member = gzip(&vec![0u8; 1 << 20]);
    let bomb: Vec<u8> = member.repeat(1024);
    fx.put("db/backup.sql.gz", &bomb);
    let out = fx.scan_tree();
    assert_eq!(out.code, 2, "{}", out.stderr);
    let warnings = out.warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with("db/backup.sql.gz")
            && warnings[0].contains("times its compressed size"),
        "{warnings:?}"
    );
    assert!(out.stderr.contains("backup.sql.gz"), "{}", out.stderr);
    assert!(out.elapsed < Duration::from_secs(30), "{:?}", out.elapsed);

    // The same in a zip: many highly compressed entries, stopped at the first.
    let fx = Fixture::new(1614);
    let zeros = vec![0u8; 4 << 20];
    fx.put(
        "zeros.zip",
        &zip_of(&[("a.bin", &zeros), ("b.bin", &zeros), ("c.bin", &zeros)]),
    );
    let out = fx.scan_tree();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(
        out.warnings(),
        [
            "zeros.zip!a.bin: could not read: archive limit: unpacks to more than 200 times its \
          compressed size (an archive bomb?); the rest of zeros.zip was not read"
        ]
    );
    // Far below the gibibyte a naive reader would hold (all children of this test process).
    let rss = children_max_rss_kb();
    assert!(rss < 400 * 1024, "max RSS {rss} KiB");
}

#[test]
fn many_compressed_entries_hit_the_total_budget_and_a_large_entry_its_own() {
    // Each entry unpacks 400 kB at a modest ratio; together they pass the total (all levels).
    let mut fx = Fixture::with_config(1607, "archives:\n  max_unpacked_bytes: 2000000\n");
    let noise = Tokens::new(7).hex(400_000).into_bytes();
    let names: Vec<String> = (0..8).map(|i| format!("part{i}.txt")).collect();
    let refs: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &noise[..])).collect();
    let inner = zip_of(&refs);
    fx.put("parts.zip", &stored_zip_of(&[("lib/inner.jar", &inner)]));
    let (_, env) = fx.env();
    fx.put("ok.zip", &zip_of(&[(".env", &env)]));
    let out = fx.scan_tree();
    assert_eq!(out.places(), ["ok.zip!.env:3"]);
    let warnings = out.warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with("parts.zip!lib/inner.jar!part")
            && warnings[0].contains("more than 2000000 bytes unpacked from parts.zip"),
        "{warnings:?}"
    );
    assert_eq!(out.code, 1);

    // An entry larger than `max_entry_bytes` is named and not read (stored or not).
    let fx = Fixture::with_config(1608, "archives:\n  max_entry_bytes: 1048576\n");
    let big = Tokens::new(8).hex(2 << 20).into_bytes();
    fx.put("big.zip", &stored_zip_of(&[("big.txt", &big)]));
    let out = fx.scan_tree();
    assert_eq!(out.code, 2);
    assert_eq!(
        out.warnings(),
        ["big.zip!big.txt: could not read: archive limit: entry larger than 1 MiB; not read"]
    );
}

#[test]
fn corrupt_archives_are_counted_not_a_crash() {
    let fx = Fixture::new(1609);
    // No secret in them: a raw-bytes match of a broken archive (the fallback) finds nothing.
    let env = b"APP_NAME=shop\nDEBUG=false\n".repeat(20);
    let zip = zip_of(&[("app/.env", &env), ("other.txt", b"hello")]);
    fx.put("truncated.zip", &zip[..zip.len() / 2]);
    let mut flipped = gzip(&env);
    let n = flipped.len();
    flipped[n / 2] ^= 0x55;
    fx.put("flipped.gz", &flipped);
    let mut bad_xz = xz(&env);
    bad_xz.truncate(bad_xz.len() - 10);
    fx.put("short.xz", &bad_xz);
    fx.put("garbage.zst", b"\x28\xb5\x2f\xfd\xff\xff\xff\xff garbage");
    fx.put(
        "garbage.bz2",
        b"BZh91AY&SY\x00\x00garbage that is not bzip2",
    );
    let out = fx.scan_tree();
    assert_eq!(out.code, 2, "{}", out.stderr);
    let warnings = out.warnings().join("\n");
    for name in [
        "truncated.zip",
        "flipped.gz",
        "short.xz",
        "garbage.zst",
        "garbage.bz2",
    ] {
        assert!(
            warnings
                .lines()
                .any(|w| w.starts_with(name) && w.contains(": could not read: unreadable")),
            "{name}: {warnings}"
        );
    }
    assert_eq!(
        out.report["summary"]["skipped"]["unreadable"], 5,
        "{warnings}"
    );
}

// ---- history, staged, stdin ----

#[test]
fn an_archive_committed_in_history_is_found_with_its_commit() {
    let mut fx = Fixture::new(1610);
    let repo = fx.tree();
    git(&repo, &["init", "-q"]);
    let (_, env) = fx.env();
    fx.put("dist/release.tar.gz", &gzip(&tar_of(&[("app/.env", &env)])));
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-qm", "ship the release"]);
    let commit = git(&repo, &["rev-parse", "HEAD"]);
    git(&repo, &["rm", "-q", "dist/release.tar.gz"]);
    git(&repo, &["commit", "-qm", "remove the release"]);
    let out = fx.scan_tree();
    assert_eq!(out.places(), ["dist/release.tar.gz!app/.env:3"]);
    let finding = &out.report["findings"][0];
    assert_eq!(finding["commit"]["id"], commit.as_str());
    assert_eq!(finding["commit"]["summary"], "ship the release");
    assert_eq!(out.code, 1);
    assert!(out.complete(), "{:?}", out.warnings());
}

#[test]
fn a_staged_archive_is_judged_by_what_its_entries_add() {
    let mut fx = Fixture::new(1611);
    let repo = fx.tree();
    git(&repo, &["init", "-q"]);
    let (_, old_env) = fx.env();
    fx.put("app.jar", &zip_of(&[("application.properties", &old_env)]));
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-qm", "jar"]);
    // HEAD is pushed: only what the index adds to it counts.
    git(&repo, &["update-ref", "refs/remotes/origin/main", "HEAD"]);
    // The jar is rebuilt: the old secret is still in it (not this commit's doing), and a new
    // one is added in another entry.
    let (_, new_env) = fx.env();
    fx.put(
        "app.jar",
        &zip_of(&[
            ("application.properties", &old_env),
            ("BOOT-INF/classes/new.env", &new_env),
        ]),
    );
    git(&repo, &["add", "app.jar"]);
    let out = fx.scan(&["--staged", repo.to_str().unwrap()]);
    assert_eq!(
        out.places(),
        ["app.jar!BOOT-INF/classes/new.env:3"],
        "{}",
        out.stderr
    );
    assert_eq!(out.code, 1);
}

#[test]
fn an_archive_on_standard_input_is_read_entry_by_entry() {
    let mut fx = Fixture::new(1612);
    let (_, env) = fx.env();
    let archive = gzip(&tar_of(&[("deploy/.env", &env)]));
    let out = fx.scan_with_stdin(&["-"], Some(archive));
    assert_eq!(out.places(), ["<stdin>!deploy/.env:3"], "{}", out.stderr);
    assert_eq!(out.code, 1);
}

#[test]
fn an_archive_too_large_to_hold_is_read_from_its_file() {
    // Over the 16 MiB the walk reads whole: the walk reads it in windows, then the archive
    // is read from its file.
    let mut fx = Fixture::new(1613);
    let (_, env) = fx.env();
    let mut filler = Tokens::new(99);
    let noise = filler.base62(18 << 20).into_bytes();
    let archive = stored_zip_of(&[("lib/big.bin", &noise), ("config/.env", &env)]);
    assert!(archive.len() > 16 << 20);
    fx.put("big.zip", &archive);
    let out = fx.scan_tree();
    assert_eq!(out.places(), ["big.zip!config/.env:3"], "{}", out.stderr);
    assert_eq!(out.code, 1);
}
