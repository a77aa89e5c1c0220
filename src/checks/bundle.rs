//! Client-bundle leak checks: what a production build ships to every browser.
//!
//! Build output is found by [`discover`] (with ignore rules off, since `dist/` is nearly always
//! git-ignored), each file is read once, and five checks run over it, each a rule with a stable
//! id, a severity and advice:
//!
//! | id | what | severity |
//! |---|---|---|
//! | `bundle-secret` | a secret rule matched in client-visible output | critical (info when publishable by design) |
//! | `bundle-test-key` | test/sandbox keys and endpoints in production output | medium (high for secret test keys) |
//! | `bundle-dev-endpoint` | localhost, private-range IPs, `*.local`, staging/dev hosts | medium |
//! | `bundle-source-map-published` | a source map served with the client build | medium (low without sources) |
//! | `bundle-env-dump` | an inlined object of many environment variables | critical |
//!
//! Server-only output (`.next/server/`, `dist/server/`) is not sent to browsers: only the secret
//! rules run there, reported under their own ids. A source map's `sourcesContent` is scanned as
//! the original files, and findings in it are reported at the original file name and line.
//!
//! Shaped for minified files: each file is one pass per check (see [`patterns`]), positions of
//! all findings of a file are computed in one pass, and a finding carries line, column and a
//! short redacted excerpt instead of the (possibly megabyte-long) line. Files are checked in
//! parallel; memory is one file buffer per worker plus the parsed map, both bounded by
//! `--max-file-size`.

pub mod discover;
mod folders;
pub mod patterns;
mod rules;
pub mod sourcemap;

pub use rules::{BundleRule, CHECKS};

use crate::checks::{self, Switches};
use crate::engine::{Matcher, Scratch, positions};
use crate::engine::{RuleInfos, allowed_inline, findings_in_blob};
use crate::finding::{Finding, Location, RuleInfo, Severity, Suppression, fingerprint};
use crate::source::worktree::{is_binary, read_regular_file};
use crate::stats::ScanStats;
use discover::{BundleFile, Found, Visibility};
use patterns::{EndpointKind, MapComment};
use rayon::prelude::*;
use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

/// A line longer than this (in bytes around a finding) is treated as minified: the finding's
/// message then carries a short redacted excerpt so a reader can see what it is without the line.
const MINIFIED_LINE: usize = 160;
/// Example original file names listed in a source-map finding.
const LISTED_SOURCES: usize = 3;
/// Key names listed in an env-dump finding.
const LISTED_KEYS: usize = 6;

/// How the check runs; built once from settings.
#[derive(Debug, Clone)]
pub struct BundleOptions {
    pub threads: usize,
    pub max_file_size: u64,
    /// Which checks are on (`disable_rules`).
    pub switches: Switches,
    /// Warn about every file passed over (symlinks, special files, binaries), not only errors.
    pub verbose: bool,
    /// Also tally what each build folder ships ([`BundleOutcome::folders`]), for the audit.
    pub folders: bool,
}

/// What the check produced.
#[derive(Debug, Default)]
pub struct BundleOutcome {
    pub findings: Vec<Finding>,
    pub stats: ScanStats,
    /// Each build folder found and what was read in it, when [`BundleOptions::folders`] asks.
    pub folders: Vec<crate::inventory::BuildFolder>,
}

/// A file's findings plus the map references it makes, before references are resolved.
#[derive(Debug, Default)]
pub struct FileResult {
    pub findings: Vec<Finding>,
    pub map_refs: Vec<MapRef>,
}

/// `//# sourceMappingURL=x.js.map` in a client file, pointing at another file of the output.
#[derive(Debug, Clone, PartialEq)]
pub struct MapRef {
    pub from: String,
    pub line: usize,
    /// Column; a byte offset until the file's positions are computed.
    pub column: usize,
    /// The referenced map as a shown path.
    pub target: String,
}

/// The check: a matcher for secret rules plus the bundle rules.
pub struct BundleCheck<'a> {
    matcher: &'a Matcher,
    infos: &'a RuleInfos,
    options: BundleOptions,
}

/// A finding of a file before its position is known (positions are computed in one pass).
struct Pending {
    rule: Arc<RuleInfo>,
    severity: Severity,
    span: Range<usize>,
    secret: String,
    fingerprint: String,
    entropy: Option<f32>,
    publishable: bool,
    message: String,
}

impl<'a> BundleCheck<'a> {
    pub fn new(matcher: &'a Matcher, infos: &'a RuleInfos, options: BundleOptions) -> Self {
        BundleCheck {
            matcher,
            infos,
            options,
        }
    }

    /// Checks every discovered file in parallel and gathers the results.
    pub fn run(&self, found: Found) -> BundleOutcome {
        let mut outcome = BundleOutcome::default();
        for skip in &found.skipped {
            outcome.stats.skip(
                &skip.path,
                skip.reason,
                skip.detail.clone(),
                self.options.verbose,
            );
        }
        if self.options.verbose {
            for dir in &found.dirs {
                let who = match dir.visibility {
                    Visibility::Client => "client-visible",
                    Visibility::Server => "server-only",
                };
                outcome
                    .stats
                    .warn(format!("{}: build output ({who}), checked", dir.shown));
            }
        }
        let results: Vec<(FileResult, ScanStats)> = match rayon::ThreadPoolBuilder::new()
            .num_threads(self.options.threads.max(1))
            .build()
        {
            Ok(pool) => pool.install(|| self.check_all(&found.files)),
            // Without a pool of our own, rayon's global one does the same work.
            Err(_) => self.check_all(&found.files),
        };
        if self.options.folders {
            let read: Vec<(u64, u64)> = results
                .iter()
                .map(|(_, stats)| (stats.files_scanned, stats.bytes_scanned))
                .collect();
            outcome.folders = folders::tally(&found, &read);
        }
        let mut map_refs = Vec::new();
        for (result, stats) in results {
            outcome.findings.extend(result.findings);
            map_refs.extend(result.map_refs);
            outcome.stats.merge(stats);
        }
        attach_map_references(&mut outcome.findings, &map_refs);
        outcome
            .findings
            .retain(|f| self.options.switches.is_on(&f.rule.id));
        outcome
    }

    /// Checks build output the caller read (files of a commit's tree): the same checks and
    /// map references as [`BundleCheck::run`], without the file system.
    pub fn run_given(&self, files: &[(BundleFile, Vec<u8>)]) -> BundleOutcome {
        let mut outcome = BundleOutcome::default();
        let mut scratch = Scratch::default();
        let mut map_refs = Vec::new();
        for (file, data) in files {
            if is_binary(data) {
                // No script or source map to check; the history scan reads its secrets, since
                // a range's blobs are matched whole, binary or not.
                continue;
            }
            outcome.stats.files_scanned += 1;
            outcome.stats.bytes_scanned += data.len() as u64;
            let result = self.check_file(file, data, &mut scratch);
            outcome.findings.extend(result.findings);
            map_refs.extend(result.map_refs);
        }
        attach_map_references(&mut outcome.findings, &map_refs);
        outcome
            .findings
            .retain(|f| self.options.switches.is_on(&f.rule.id));
        outcome
    }

    fn check_all(&self, files: &[BundleFile]) -> Vec<(FileResult, ScanStats)> {
        files
            .par_iter()
            .map_init(
                || (Scratch::default(), Vec::new()),
                |(scratch, buffer), file| self.read_and_check(file, buffer, scratch),
            )
            .collect()
    }

    fn read_and_check(
        &self,
        file: &BundleFile,
        buffer: &mut Vec<u8>,
        scratch: &mut Scratch,
    ) -> (FileResult, ScanStats) {
        let mut stats = ScanStats::default();
        match read_regular_file(&file.path, self.options.max_file_size, buffer) {
            Ok(()) if is_binary(buffer) => {
                // Not script or a source map, but a secret in an image or a wasm module ships
                // too (and the working-tree scan leaves build output to this check).
                stats.files_scanned += 1;
                stats.bytes_scanned += buffer.len() as u64;
                let found =
                    findings_in_blob(self.matcher, self.infos, buffer, &file.shown, scratch);
                let result = FileResult {
                    findings: found,
                    map_refs: Vec::new(),
                };
                (result, stats)
            }
            Ok(()) => {
                stats.files_scanned += 1;
                stats.bytes_scanned += buffer.len() as u64;
                let result = self.check_file(file, buffer, scratch);
                (result, stats)
            }
            Err(error) => {
                let (reason, detail) = error.into_skip();
                stats.skip(&file.path, reason, detail, self.options.verbose);
                (FileResult::default(), stats)
            }
        }
    }

    /// Whether this check reports on `file`, so the working-tree scan must leave it alone. A
    /// server's source map is not served to browsers and gets no findings here: its sources are
    /// the repository's own, and the working-tree scan matches it like any file.
    pub fn reports_on(file: &BundleFile) -> bool {
        !(file.visibility == Visibility::Server && is_map_name(&file.shown))
    }

    /// Checks the bytes of one file of build output.
    pub fn check_file(&self, file: &BundleFile, data: &[u8], scratch: &mut Scratch) -> FileResult {
        if is_map_name(&file.shown)
            && let Ok(map) = sourcemap::parse(data)
        {
            return match file.visibility {
                Visibility::Client => self.published_map(file, &map, scratch),
                // A server's source map is not served; its sources are the repository's own.
                Visibility::Server => FileResult::default(),
            };
        }
        match file.visibility {
            Visibility::Server => FileResult {
                findings: self.server_secrets(file, data, scratch),
                map_refs: Vec::new(),
            },
            Visibility::Client => self.client_file(file, data, scratch),
        }
    }

    fn server_secrets(
        &self,
        file: &BundleFile,
        data: &[u8],
        scratch: &mut Scratch,
    ) -> Vec<Finding> {
        let mut found = findings_in_blob(self.matcher, self.infos, data, &file.shown, scratch);
        for f in &mut found {
            f.message = Some("In server-only build output (not sent to browsers).".to_string());
        }
        found
    }

    fn client_file(&self, file: &BundleFile, data: &[u8], scratch: &mut Scratch) -> FileResult {
        let mut pending = Vec::new();
        let test_keys = patterns::test_keys(data);
        self.secrets(data, &test_keys, &mut pending, scratch);
        self.test_keys(data, &test_keys, &mut pending);
        self.endpoints(data, &mut pending);
        self.env_dumps(data, &mut pending);
        let comments = patterns::source_map_comments(data);
        let mut result = FileResult::default();
        let mut inline_maps = Vec::new();
        for comment in &comments {
            self.map_comment(
                file,
                data,
                comment,
                &mut pending,
                &mut inline_maps,
                &mut result.map_refs,
            );
        }
        result.findings = place(data, &file.shown, pending);
        locate_refs(data, &mut result.map_refs);
        for (map, comment_shown) in inline_maps {
            self.embedded_sources(
                &map,
                &comment_shown,
                &file.shown,
                &mut result.findings,
                scratch,
            );
        }
        result
    }

    /// Secret-rule matches, reclassified for a browser: critical, or info when publishable.
    fn secrets(
        &self,
        data: &[u8],
        test_keys: &[patterns::TestKey],
        out: &mut Vec<Pending>,
        scratch: &mut Scratch,
    ) {
        for m in self.matcher.find(data, scratch) {
            if test_keys
                .iter()
                .any(|k| k.span.start < m.secret.end && m.secret.start < k.span.end)
            {
                // Reported once, as a test key.
                continue;
            }
            let rule = self.matcher.rule(m.rule);
            let secret = String::from_utf8_lossy(&data[m.secret.clone()]).into_owned();
            let publishable = rule.spec.publishable || is_publishable_by_design(&secret);
            out.push(Pending {
                rule: checks::info(BundleRule::Secret.id()),
                severity: if publishable {
                    Severity::Info
                } else {
                    Severity::Critical
                },
                fingerprint: fingerprint(BundleRule::Secret.id(), secret.as_bytes()),
                secret,
                entropy: Some(m.entropy),
                publishable,
                message: secret_message(&rule.spec.name, rule.id(), publishable),
                span: m.secret,
            });
        }
    }

    fn test_keys(&self, data: &[u8], keys: &[patterns::TestKey], out: &mut Vec<Pending>) {
        for key in keys {
            let secret = String::from_utf8_lossy(&data[key.span.clone()]).into_owned();
            let (severity, what) = if key.secret {
                (
                    Severity::High,
                    "secret test key: anyone can use the test account with it",
                )
            } else {
                (
                    Severity::Medium,
                    "publishable test key: the live site talks to a test account",
                )
            };
            out.push(Pending {
                rule: checks::info(BundleRule::TestKey.id()),
                severity,
                fingerprint: fingerprint(BundleRule::TestKey.id(), secret.as_bytes()),
                secret,
                entropy: None,
                publishable: false,
                message: format!("{} {what}.", key.provider),
                span: key.span.clone(),
            });
        }
    }

    /// Dev-only endpoints, one finding per origin per file (the first occurrence), and sandbox
    /// endpoints as test keys.
    fn endpoints(&self, data: &[u8], out: &mut Vec<Pending>) {
        let mut by_origin: HashMap<String, (patterns::Endpoint, usize)> = HashMap::new();
        let mut order = Vec::new();
        for endpoint in patterns::endpoints(data) {
            match by_origin.get_mut(&endpoint.origin) {
                Some((_, count)) => *count += 1,
                None => {
                    order.push(endpoint.origin.clone());
                    by_origin.insert(endpoint.origin.clone(), (endpoint, 1));
                }
            }
        }
        for origin in order {
            let (endpoint, count) = by_origin
                .remove(&origin)
                .expect("every origin was inserted");
            let more = match count {
                1 => String::new(),
                n => format!(
                    " ({} more time{} in this file)",
                    n - 1,
                    if n == 2 { "" } else { "s" }
                ),
            };
            let (rule, id) = if endpoint.kind == EndpointKind::Sandbox {
                (
                    checks::info(BundleRule::TestKey.id()),
                    BundleRule::TestKey.id(),
                )
            } else {
                (
                    checks::info(BundleRule::DevEndpoint.id()),
                    BundleRule::DevEndpoint.id(),
                )
            };
            out.push(Pending {
                severity: rule.severity,
                rule,
                fingerprint: fingerprint(id, endpoint.origin.as_bytes()),
                secret: String::new(),
                entropy: None,
                publishable: false,
                message: format!("Points at {origin}, {}{more}.", endpoint.kind.describe()),
                span: endpoint.span,
            });
        }
    }

    fn env_dumps(&self, data: &[u8], out: &mut Vec<Pending>) {
        for dump in patterns::env_dumps(data) {
            let mut sorted = dump.keys.clone();
            sorted.sort();
            let listed: Vec<&str> = dump
                .keys
                .iter()
                .take(LISTED_KEYS)
                .map(String::as_str)
                .collect();
            let ellipsis = if dump.keys.len() > LISTED_KEYS {
                ", …"
            } else {
                ""
            };
            out.push(Pending {
                rule: checks::info(BundleRule::EnvDump.id()),
                severity: BundleRule::EnvDump.check().severity,
                fingerprint: fingerprint(BundleRule::EnvDump.id(), sorted.join("\n").as_bytes()),
                secret: String::new(),
                entropy: None,
                publishable: false,
                message: format!(
                    "An object of {} keys, {} of them non-public environment variables ({}{ellipsis}), \
                     is inlined here.",
                    dump.keys.len(),
                    dump.env_keys,
                    listed.join(", ")
                ),
                span: dump.span.start..dump.span.start + 1,
            });
        }
    }

    /// An inline `data:` map is a published map at the comment; a relative URL is remembered so
    /// the map file's finding can say who references it.
    fn map_comment(
        &self,
        file: &BundleFile,
        data: &[u8],
        comment: &MapComment,
        out: &mut Vec<Pending>,
        inline_maps: &mut Vec<(sourcemap::SourceMap, String)>,
        refs: &mut Vec<MapRef>,
    ) {
        let url = &data[comment.url.clone()];
        if url.len() >= 5 && url[..5].eq_ignore_ascii_case(b"data:") {
            let Ok(map) = sourcemap::parse_data_url(url) else {
                return;
            };
            let shown = format!("{} (inline source map)", file.shown);
            out.push(Pending {
                rule: checks::info(BundleRule::SourceMap.id()),
                severity: map_severity(&map),
                fingerprint: fingerprint(
                    BundleRule::SourceMap.id(),
                    format!("{}#inline", stable_name(&file.shown)).as_bytes(),
                ),
                secret: String::new(),
                entropy: None,
                publishable: false,
                message: format!("Inline source map: {}.", describe_map(&map, &file.shown)),
                span: comment.span.start..comment.span.start + 1,
            });
            inline_maps.push((map, shown));
            return;
        }
        let Ok(url) = std::str::from_utf8(url) else {
            return;
        };
        if let Some(target) = resolve_relative(&file.shown, url) {
            refs.push(MapRef {
                from: file.shown.clone(),
                line: 0,
                column: comment.span.start,
                target,
            });
        }
    }

    /// A `.map` file in client output: one finding for the map, plus its embedded sources
    /// scanned as the original files.
    fn published_map(
        &self,
        file: &BundleFile,
        map: &sourcemap::SourceMap,
        scratch: &mut Scratch,
    ) -> FileResult {
        let mut finding = Finding::new(
            checks::info(BundleRule::SourceMap.id()),
            map_severity(map),
            Location::file_start(&file.shown),
            fingerprint(
                BundleRule::SourceMap.id(),
                stable_name(&file.shown).as_bytes(),
            ),
        );
        finding.message = Some(format!("{}.", capitalise(&describe_map(map, &file.shown))));
        let mut findings = vec![finding];
        self.embedded_sources(map, &file.shown, &file.shown, &mut findings, scratch);
        FileResult {
            findings,
            map_refs: Vec::new(),
        }
    }

    /// Scans each embedded original file like a source file and reports secrets and test keys
    /// at the original name and line. Dependencies' sources (`node_modules`) are skipped: their
    /// comments are full of documentation sample keys, and they are not this project's secrets.
    fn embedded_sources(
        &self,
        map: &sourcemap::SourceMap,
        map_shown: &str,
        resolve_from: &str,
        out: &mut Vec<Finding>,
        scratch: &mut Scratch,
    ) {
        for source in &map.sources {
            let Some(content) = &source.content else {
                continue;
            };
            let original = sourcemap::original_path(
                resolve_from,
                map.source_root.as_deref(),
                &source.raw_name,
            );
            if original.split('/').any(|part| part == "node_modules") {
                continue;
            }
            let data = content.as_bytes();
            let mut pending = Vec::new();
            let test_keys = patterns::test_keys(data);
            self.secrets(data, &test_keys, &mut pending, scratch);
            self.test_keys(data, &test_keys, &mut pending);
            for p in &mut pending {
                p.message = format!(
                    "{} Shipped in the published source map {map_shown}.",
                    p.message.trim_end()
                );
            }
            out.extend(place(data, &original, pending));
        }
    }
}

fn is_map_name(shown: &str) -> bool {
    let bytes = shown.as_bytes();
    bytes.len() >= 4 && bytes[bytes.len() - 4..].eq_ignore_ascii_case(b".map")
}

/// Keys made to be embedded in web pages, whatever rule matched them: Stripe publishable live
/// keys, Google browser keys (Firebase web config, Maps JavaScript API) and Mapbox public
/// tokens. Their protection is a referrer/domain restriction, not secrecy.
pub fn is_publishable_by_design(secret: &str) -> bool {
    ["pk_live_", "AIza", "pk.eyJ"]
        .iter()
        .any(|prefix| secret.starts_with(prefix))
}

fn secret_message(rule_name: &str, rule_id: &str, publishable: bool) -> String {
    if publishable {
        format!(
            "{rule_name} ({rule_id}): publishable by design, informational only. Restrict it by \
             HTTP referrer or allowed domains."
        )
    } else {
        format!("{rule_name} ({rule_id}): ships to every browser that loads this file.")
    }
}

fn map_severity(map: &sourcemap::SourceMap) -> Severity {
    if map.embedded_count() > 0 {
        Severity::Medium
    } else {
        Severity::Low
    }
}

/// "embeds the source of 12 original files (src/App.tsx, src/api.ts, …)".
fn describe_map(map: &sourcemap::SourceMap, map_shown: &str) -> String {
    let names: Vec<String> = map
        .sources
        .iter()
        .map(|s| sourcemap::original_path(map_shown, map.source_root.as_deref(), &s.raw_name))
        .filter(|n| !n.is_empty())
        .collect();
    let mut own: Vec<&String> = names
        .iter()
        .filter(|n| !n.contains("node_modules/"))
        .collect();
    if own.is_empty() {
        own = names.iter().collect();
    }
    let listed: Vec<&str> = own
        .iter()
        .take(LISTED_SOURCES)
        .map(|s| s.as_str())
        .collect();
    let more = if own.len() > LISTED_SOURCES {
        ", …"
    } else {
        ""
    };
    let embedded = map.embedded_count();
    if embedded > 0 {
        format!(
            "embeds the source code of {embedded} of its {} original files ({}{more})",
            map.sources.len(),
            listed.join(", ")
        )
    } else {
        format!(
            "maps to {} original files ({}{more}) without embedding their code",
            map.sources.len(),
            listed.join(", ")
        )
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Resolves a relative `sourceMappingURL` against the referencing file's folder; absolute URLs
/// and site-rooted paths cannot be resolved without knowing the server and are left alone.
fn resolve_relative(from_shown: &str, url: &str) -> Option<String> {
    let url = url.split(['?', '#']).next().unwrap_or_default();
    if url.is_empty() || url.contains("://") || url.starts_with('/') {
        return None;
    }
    let base = Path::new(from_shown).parent().unwrap_or(Path::new(""));
    let mut parts: Vec<String> = Vec::new();
    for component in base.join(url).components() {
        match component {
            std::path::Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
            std::path::Component::ParentDir => {
                parts.pop();
            }
            std::path::Component::RootDir => parts.push(String::new()),
            _ => {}
        }
    }
    Some(parts.join("/"))
}

/// A path with content hashes taken out (`assets/index-DiwrgTda.js.map` -> `assets/index.js.map`),
/// so a fingerprint survives a rebuild.
pub fn stable_name(shown: &str) -> String {
    shown
        .split('/')
        .map(strip_hashes)
        .collect::<Vec<_>>()
        .join("/")
}

/// One path component without its hash pieces; a component that is all hash becomes `*`.
fn strip_hashes(component: &str) -> String {
    let whole_hash = looks_like_hash(component)
        && (component.len() >= 16 || component.bytes().any(|b| b.is_ascii_digit()));
    if whole_hash {
        return "*".to_string();
    }
    let bytes = component.as_bytes();
    let mut out = String::new();
    let mut piece_start = 0;
    let mut separator: Option<usize> = None;
    for i in 0..=bytes.len() {
        if i < bytes.len() && bytes[i] != b'.' && bytes[i] != b'-' {
            continue;
        }
        let body = &component[piece_start..i];
        if separator.is_none() || !looks_like_hash(body) {
            if let Some(s) = separator {
                out.push_str(&component[s..piece_start]);
            }
            out.push_str(body);
        }
        separator = Some(i);
        piece_start = i + 1;
    }
    out
}

/// Content hashes: 8+ characters of letters, digits and `_`, with a digit in them, or mixing
/// upper and lower case beyond the first letter (`DiwrgTda`).
fn looks_like_hash(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.len() < 8
        || !bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'_')
    {
        return false;
    }
    let digits = bytes.iter().any(u8::is_ascii_digit);
    let letters = bytes.iter().any(u8::is_ascii_alphabetic);
    let inner_upper = bytes[1..].iter().any(u8::is_ascii_uppercase);
    let lower = bytes.iter().any(u8::is_ascii_lowercase);
    digits || !letters || (inner_upper && lower)
}

/// Gives pending findings their line and column (one pass for the whole file) and, on
/// minified lines, a short redacted excerpt.
fn place(data: &[u8], path: &str, mut pending: Vec<Pending>) -> Vec<Finding> {
    if pending.is_empty() {
        return Vec::new();
    }
    pending.sort_by_key(|p| p.span.start);
    let positions = positions(
        data,
        pending.iter().flat_map(|p| [p.span.start, p.span.end]),
    );
    pending
        .into_iter()
        .map(|p| {
            let mut message = p.message;
            let long_line = on_long_line(data, &p.span);
            // `leakgate:allow` is honoured in readable code (embedded sources, unminified files);
            // on a minified line there is no comment to carry it, and the check stays bounded.
            let suppressed =
                (!long_line && allowed_inline(data, p.span.start)).then_some(Suppression::Inline);
            // An env dump's surroundings are the values of the variables: never excerpted.
            if p.rule.id != BundleRule::EnvDump.id() && long_line {
                let excerpt =
                    crate::report::redact::excerpt(data, p.span.clone(), !p.secret.is_empty());
                message = format!("{message} Excerpt: {excerpt}");
            }
            let location = Location::span(path, positions[&p.span.start], positions[&p.span.end]);
            let mut finding = Finding::new(p.rule, p.severity, location, p.fingerprint);
            finding.secret = p.secret;
            finding.entropy = p.entropy;
            finding.publishable = p.publishable;
            finding.message = Some(message);
            finding.suppressed = suppressed;
            finding
        })
        .collect()
}

/// Turns the byte offsets stored in `column` of fresh references into line and column.
fn locate_refs(data: &[u8], refs: &mut [MapRef]) {
    let positions = positions(data, refs.iter().map(|r| r.column));
    for r in refs.iter_mut() {
        let (line, column) = positions[&r.column];
        r.line = line;
        r.column = column;
    }
}

/// Whether the line around `span` is longer than [`MINIFIED_LINE`], looking no further than that.
fn on_long_line(data: &[u8], span: &Range<usize>) -> bool {
    let lo = span.start.saturating_sub(MINIFIED_LINE);
    let hi = (span.end + MINIFIED_LINE).min(data.len());
    let before = memchr::memrchr(b'\n', &data[lo..span.start])
        .map_or(span.start - lo, |i| span.start - lo - i - 1);
    let after = memchr::memchr(b'\n', &data[span.end..hi]).unwrap_or(hi - span.end);
    before + (span.end - span.start) + after > MINIFIED_LINE
}

/// Adds "referenced by FILE:LINE:COL" to each published map's finding.
fn attach_map_references(findings: &mut [Finding], refs: &[MapRef]) {
    if refs.is_empty() {
        return;
    }
    let mut by_target: HashMap<&str, Vec<&MapRef>> = HashMap::new();
    for r in refs {
        by_target.entry(r.target.as_str()).or_default().push(r);
    }
    for f in findings
        .iter_mut()
        .filter(|f| f.rule.id == BundleRule::SourceMap.id())
    {
        let Some(list) = by_target.get(f.location.path.as_str()) else {
            continue;
        };
        let first = list[0];
        let others = match list.len() {
            1 => String::new(),
            n => format!(" and {} more", n - 1),
        };
        let note = format!(
            " Its sourceMappingURL comment is in {}:{}:{}{others}.",
            first.from, first.line, first.column
        );
        if let Some(message) = f.message.as_mut() {
            message.push_str(&note);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::AllowList;
    use crate::rules::RuleSet;

    #[test]
    fn a_file_that_vanished_before_reading_makes_the_check_incomplete() {
        let matcher = Matcher::new(Arc::new(RuleSet::default()), AllowList::default());
        let infos = RuleInfos::new(&matcher);
        let options = BundleOptions {
            threads: 1,
            max_file_size: 1024,
            switches: Switches::default(),
            verbose: false,
            folders: false,
        };
        let dir = tempfile::tempdir().unwrap();
        let present = dir.path().join("a.js");
        std::fs::write(&present, "fetch('http://localhost:1234/x')").unwrap();
        let file = |name: &str| BundleFile {
            path: dir.path().join(name),
            shown: format!("dist/{name}"),
            visibility: Visibility::Client,
        };
        let found = Found {
            files: vec![file("a.js"), file("gone.js")],
            ..Found::default()
        };
        let outcome = BundleCheck::new(&matcher, &infos, options).run(found);
        assert!(!outcome.stats.complete());
        assert_eq!(outcome.stats.skipped.unreadable, 1);
        assert!(outcome.stats.warnings[0].contains("gone.js: could not read"));
        assert_eq!(
            outcome.findings.len(),
            1,
            "the readable file is still checked"
        );
    }

    #[test]
    fn content_hashes_are_taken_out_of_names() {
        assert_eq!(
            stable_name("dist/assets/index-DiwrgTda.js.map"),
            "dist/assets/index.js.map"
        );
        assert_eq!(
            stable_name("build/static/js/main.3f2a8c1e.chunk.js.map"),
            "build/static/js/main.chunk.js.map"
        );
        assert_eq!(
            stable_name("dist/assets/vendor.js.map"),
            "dist/assets/vendor.js.map"
        );
        assert_eq!(
            stable_name(".next/static/Vx3kP9abcDEF12345/_buildManifest.js"),
            ".next/static/*/_buildManifest.js"
        );
    }

    #[test]
    fn relative_map_urls_resolve_against_the_file() {
        assert_eq!(
            resolve_relative("dist/assets/index.js", "index.js.map"),
            Some("dist/assets/index.js.map".into())
        );
        assert_eq!(
            resolve_relative("dist/assets/index.js", "../maps/index.js.map?v=2"),
            Some("dist/maps/index.js.map".into())
        );
        assert_eq!(
            resolve_relative("dist/a.js", "https://cdn.acme.io/a.js.map"),
            None
        );
        assert_eq!(resolve_relative("dist/a.js", "/a.js.map"), None);
    }

    #[test]
    fn publishable_prefixes() {
        assert!(is_publishable_by_design("pk_live_abc"));
        assert!(is_publishable_by_design("AIzaSyA-abc"));
        assert!(!is_publishable_by_design("sk_live_abc"));
    }

    #[test]
    fn long_lines_are_detected_without_scanning_them_whole() {
        let mut data = vec![b'a'; 1000];
        data[500] = b'\n';
        assert!(on_long_line(&data, &(100..110)));
        let short = b"x\nconst a = 'http://localhost:1/';\ny";
        assert!(!on_long_line(short, &(13..31)));
    }
}
