//! Reads source maps (v3, plain and indexed) just far enough to know which original files a map
//! ships and what their text is, so the bundle check can scan `sourcesContent` as source files
//! and report findings at the original file name and line.
//!
//! Shaped for hostile input: the map comes from build output that may be anything, so parsing
//! is one bounded `serde_json` pass over bytes the caller already capped in size, unknown fields
//! are ignored, `sections` that point at other URLs are not followed, and names are normalised
//! without touching the file system. `mappings` is never decoded: we only need the sources.

use serde::Deserialize;
use std::path::{Component, Path, PathBuf};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum SourceMapError {
    #[error("not JSON")]
    NotJson(#[source] serde_json::Error),
    #[error("JSON, but not a source map (no `version` with `mappings` or `sections`)")]
    NotASourceMap,
    #[error("bad base64 in an inline source map")]
    BadBase64,
}

/// One original file a map describes.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// The name as written in the map (`webpack://app/./src/a.ts`, `../../src/a.ts`).
    pub raw_name: String,
    /// Its embedded text, when the map has `sourcesContent` for it.
    pub content: Option<String>,
}

/// What the bundle check needs from a source map.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SourceMap {
    /// `sourceRoot` of the (outer) map, if any.
    pub source_root: Option<String>,
    pub sources: Vec<Source>,
}

impl SourceMap {
    /// Number of original files whose text the map embeds.
    pub fn embedded_count(&self) -> usize {
        self.sources.iter().filter(|s| s.content.is_some()).count()
    }
}

#[derive(Deserialize)]
struct RawMap {
    version: Option<serde_json::Value>,
    mappings: Option<serde::de::IgnoredAny>,
    #[serde(rename = "sourceRoot")]
    source_root: Option<String>,
    #[serde(default)]
    sources: Vec<Option<String>>,
    #[serde(default, rename = "sourcesContent")]
    sources_content: Vec<Option<String>>,
    sections: Option<Vec<RawSection>>,
}

#[derive(Deserialize)]
struct RawSection {
    /// Sections with a `url` instead of a `map` are not followed: we never fetch anything.
    map: Option<Box<RawMap>>,
}

/// Parses a source map from bytes. Anything that is not a v3 map is an error, so callers can
/// fall back to scanning the file as plain text (a `.map` may be a linker map, for example).
pub fn parse(bytes: &[u8]) -> Result<SourceMap, SourceMapError> {
    // An optional `)]}'` XSSI prefix line is allowed by the spec: one line, once (stripping
    // it again and again would let a file of prefix lines exhaust the stack).
    let bytes = strip_xssi_prefix(bytes).unwrap_or(bytes);
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') {
        // Cheap refusal before serde: maps are JSON objects.
        return Err(SourceMapError::NotASourceMap);
    }
    let raw: RawMap = serde_json::from_slice(bytes).map_err(SourceMapError::NotJson)?;
    if raw.version.is_none() || (raw.mappings.is_none() && raw.sections.is_none()) {
        return Err(SourceMapError::NotASourceMap);
    }
    let mut map = SourceMap {
        source_root: raw.source_root.clone().filter(|r| !r.is_empty()),
        sources: Vec::new(),
    };
    flatten(raw, &mut map.sources);
    Ok(map)
}

fn strip_xssi_prefix(bytes: &[u8]) -> Option<&[u8]> {
    let rest = bytes.strip_prefix(b")]}")?;
    let newline = memchr::memchr(b'\n', rest)?;
    Some(&rest[newline + 1..])
}

/// Collects the sources of a map and of every embedded section, in order.
fn flatten(raw: RawMap, out: &mut Vec<Source>) {
    let mut contents = raw.sources_content.into_iter();
    for name in raw.sources {
        let content = contents.next().flatten();
        out.push(Source {
            raw_name: name.unwrap_or_default(),
            content,
        });
    }
    for section in raw.sections.into_iter().flatten() {
        if let Some(inner) = section.map {
            flatten(*inner, out);
        }
    }
}

/// Parses the JSON of a `data:` URL from a `sourceMappingURL` comment (base64 or plain).
pub fn parse_data_url(url: &[u8]) -> Result<SourceMap, SourceMapError> {
    let comma = memchr::memchr(b',', url).ok_or(SourceMapError::NotASourceMap)?;
    let (header, payload) = (&url[..comma], &url[comma + 1..]);
    if !header
        .to_ascii_lowercase()
        .starts_with(b"data:application/json")
    {
        return Err(SourceMapError::NotASourceMap);
    }
    let json = if header.ends_with(b";base64") {
        // The payload is part of a file already capped in size, so its decoding is too.
        crate::rules::base64url_decode(payload).ok_or(SourceMapError::BadBase64)?
    } else {
        percent_decode(payload)
    };
    parse(&json)
}

fn percent_decode(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        if input[i] == b'%'
            && let Some(hex) = input.get(i + 1..i + 3)
            && let Ok(text) = std::str::from_utf8(hex)
            && let Ok(byte) = u8::from_str_radix(text, 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(input[i]);
        i += 1;
    }
    out
}

/// Where an original file would live, as a path to show: bundler URL schemes and namespaces are
/// dropped (`webpack://app/./src/a.ts` -> `src/a.ts`), query strings removed, and relative names
/// resolved against the folder of the map as shown (`dist/assets` + `../../src/a.ts` ->
/// `src/a.ts`). Never leaves the shown tree upwards: extra `..` are dropped.
pub fn original_path(map_shown_path: &str, source_root: Option<&str>, raw_name: &str) -> String {
    let name = raw_name.split(['?', '#']).next().unwrap_or_default();
    let (scheme_stripped, had_scheme) = strip_scheme(name);
    let joined = match source_root {
        Some(root) if !had_scheme => {
            let (root, _) = strip_scheme(root);
            format!("{}/{}", root.trim_end_matches('/'), scheme_stripped)
        }
        _ => scheme_stripped.to_string(),
    };
    let base: PathBuf = if had_scheme || joined.starts_with('/') {
        // Bundler URLs are relative to the project, not to the map's folder.
        PathBuf::new()
    } else {
        Path::new(map_shown_path)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    };
    normalise(&base.join(joined.trim_start_matches('/')))
}

/// Drops `scheme://` and, for bundler schemes, the namespace segment after it.
fn strip_scheme(name: &str) -> (&str, bool) {
    let Some(index) = name.find("://") else {
        return (name, false);
    };
    let scheme = &name[..index];
    if !scheme
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'+')
    {
        return (name, false);
    }
    let rest = &name[index + 3..];
    if let Some(stripped) = rest.strip_prefix('/') {
        return (stripped, true);
    }
    if scheme.eq_ignore_ascii_case("webpack") {
        // `webpack://<namespace>/<path>`: the namespace is the package name, not a folder.
        return match rest.find('/') {
            Some(slash) => (&rest[slash + 1..], true),
            None => (rest, true),
        };
    }
    (rest, true)
}

/// `a/./b/../c` -> `a/c`. An absolute path stays absolute (a map shown as `/tmp/x/dist/a.js.map`
/// has its sources at `/tmp/x/src/...`, not `tmp/x/src/...`); `..` never climbs above the start.
fn normalise(path: &Path) -> String {
    let absolute = path.has_root();
    let mut parts: Vec<String> = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
            Component::ParentDir => {
                parts.pop();
            }
            Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
        }
    }
    let joined = parts.join("/");
    if absolute {
        format!("/{joined}")
    } else {
        joined
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_of_a_map_shown_with_an_absolute_path_keep_the_leading_slash() {
        assert_eq!(
            original_path("/tmp/x/dist/assets/a.js.map", None, "../../src/aws.ts"),
            "/tmp/x/src/aws.ts"
        );
        assert_eq!(
            original_path("/tmp/x/dist/a.js.map", None, "../../../../../etc/passwd"),
            "/etc/passwd"
        );
        // Bundler URLs are relative to the project, whatever the map's path.
        assert_eq!(
            original_path("/tmp/x/dist/a.js.map", None, "webpack://app/./src/a.ts"),
            "src/a.ts"
        );
        assert_eq!(
            original_path("dist/assets/a.js.map", None, "../../src/a.ts"),
            "src/a.ts"
        );
    }

    #[test]
    fn reads_sources_and_their_content() {
        let map = parse(
            br#"{"version":3,"sources":["../../src/a.ts","b.ts"],
                "sourcesContent":["const a = 1;\n",null],"mappings":"AAAA"}"#,
        )
        .unwrap();
        assert_eq!(map.sources.len(), 2);
        assert_eq!(map.sources[0].content.as_deref(), Some("const a = 1;\n"));
        assert_eq!(map.sources[1].content, None);
        assert_eq!(map.embedded_count(), 1);
    }

    #[test]
    fn indexed_maps_are_flattened_but_urls_not_followed() {
        let map = parse(
            br#"{"version":3,"sections":[
                {"offset":{"line":0,"column":0},"map":{"version":3,"sources":["x.js"],
                 "sourcesContent":["x"],"mappings":""}},
                {"offset":{"line":9,"column":0},"url":"https://example.invalid/y.map"}]}"#,
        )
        .unwrap();
        assert_eq!(map.sources.len(), 1);
        assert_eq!(map.sources[0].raw_name, "x.js");
    }

    #[test]
    fn json_that_is_not_a_map_and_non_json_are_refused() {
        assert!(matches!(
            parse(br#"{"name":"pkg"}"#),
            Err(SourceMapError::NotASourceMap)
        ));
        assert!(matches!(
            parse(b"{not json"),
            Err(SourceMapError::NotJson(_))
        ));
        assert!(matches!(
            parse(b"Memory map of the linker\n.text 0x0"),
            Err(SourceMapError::NotASourceMap)
        ));
    }

    #[test]
    fn xssi_prefix_is_allowed() {
        let map = parse(b")]}'\n{\"version\":3,\"sources\":[],\"mappings\":\"\"}").unwrap();
        assert!(map.sources.is_empty());
    }

    #[test]
    fn base64_data_urls_decode() {
        let url = b"data:application/json;charset=utf-8;base64,eyJ2ZXJzaW9uIjozLCJzb3VyY2VzIjpbImEuanMiXSwibWFwcGluZ3MiOiIifQ==";
        let map = parse_data_url(url).unwrap();
        assert_eq!(map.sources[0].raw_name, "a.js");
        assert!(matches!(
            parse_data_url(b"data:application/json;base64,e!"),
            Err(SourceMapError::BadBase64)
        ));
    }

    #[test]
    fn plain_data_urls_are_percent_decoded() {
        let url = b"data:application/json,%7B%22version%22%3A3%2C%22sources%22%3A%5B%5D%2C%22mappings%22%3A%22%22%7D";
        assert!(parse_data_url(url).unwrap().sources.is_empty());
    }

    #[test]
    fn original_paths_are_resolved_and_normalised() {
        let map = "dist/assets/index-a1b2.js.map";
        assert_eq!(original_path(map, None, "../../src/App.tsx"), "src/App.tsx");
        assert_eq!(
            original_path(map, None, "webpack://my-app/./src/a.js?5f3c"),
            "src/a.js"
        );
        assert_eq!(original_path(map, None, "webpack:///src/b.js"), "src/b.js");
        assert_eq!(original_path(map, None, "../../../../../../etc/x"), "etc/x");
        assert_eq!(original_path(map, Some("/"), "src/c.ts"), "src/c.ts");
        assert_eq!(original_path(map, Some("../../"), "src/d.ts"), "src/d.ts");
    }
}
