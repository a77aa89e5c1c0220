//! `.leakgate.yml`: the repository's own settings. Strict on purpose: an unknown key is an
//! error naming the key and line, because a misspelt exclude that silently does nothing is a
//! hole in the gate, and a misspelt allow-list that silently does nothing is a noisy gate.

use crate::finding::Severity;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// The file looked for at the root of a scan when `--config` is not given.
pub const DEFAULT_CONFIG_NAME: &str = ".leakgate.yml";

/// Where editors find the JSON Schema of this file (`leakgate schema` prints the same; the
/// repository keeps a copy at `schema/leakgate.schema.json`, checked equal by a test), pinned
/// to this version's tag so it describes the options this binary accepts.
pub const SCHEMA_URL: &str = concat!(
    "https://raw.githubusercontent.com/leakgate/leakgate/v",
    env!("CARGO_PKG_VERSION"),
    "/schema/leakgate.schema.json"
);

/// The environment names `env_files` accepts (any case), `none` for "not an env file".
pub const ENV_NAMES: &[&str] = &[
    "local",
    "development",
    "dev",
    "test",
    "ci",
    "staging",
    "stage",
    "preview",
    "production",
    "prod",
    "template",
    "example",
    "none",
];

/// Config files are small; anything larger is refused before parsing.
const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
    #[error("{path}: {source}")]
    Yaml {
        path: String,
        #[source]
        source: crate::yaml::YamlError,
    },
}

/// `.leakgate.yml`. The doc comments are also the descriptions in its JSON Schema
/// ([`json_schema`]), so they speak to the person writing the file.
#[derive(Debug, Default, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = ".leakgate.yml",
    description = "leakgate's repository settings"
)]
pub struct Config {
    /// Glob patterns (gitignore-style, relative to the scanned root) of paths not to scan.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Regexes of values that are never secrets (test fixtures, well-known sample keys).
    #[serde(default)]
    pub allow: Vec<String>,
    /// Words that, anywhere in a matched value (case-insensitive), mark it as a placeholder.
    #[serde(default)]
    pub stopwords: Vec<String>,
    /// Rule ids to switch off.
    #[serde(default)]
    pub disable_rules: Vec<String>,
    /// Extra rules files (YAML, same format as the built-ins), relative to this config file.
    #[serde(default)]
    pub rules_files: Vec<PathBuf>,
    /// Lowest severity that fails the scan (overridden by `--fail-on`).
    #[serde(default)]
    pub fail_on: Option<Severity>,
    /// Env-file names (globs relative to the root) mapped to an environment: `local`,
    /// `development`, `test`, `staging`, `production`, `template` (or `dev`, `ci`, `stage`,
    /// `preview`, `prod`, `example`), or `none` for a file that is not an env file.
    #[serde(default)]
    #[schemars(schema_with = "env_files_schema")]
    pub env_files: std::collections::BTreeMap<String, String>,
    /// Extra build-output folders to check for client-bundle leaks (relative to the root).
    #[serde(default)]
    pub bundle_dirs: Vec<PathBuf>,
    /// On a pull request, honour `leakgate:allow` comments the pull request itself adds. Read
    /// only from the base commit's config (a pull request cannot switch it on for itself);
    /// off by default, so such a finding waits for a maintainer.
    #[serde(default)]
    pub trust_inline_allows_in_pull_requests: bool,
    /// Count findings in env files that git ignores and that were never committed against
    /// the gate too (by default they are reported but do not fail it).
    #[serde(default)]
    pub fail_on_ignored_env_files: bool,
    /// How much the secret scan may unpack from one archive (zip, jar, war, apk, tar, gz,
    /// bz2, xz, zst) before it stops reading it, says so, and fails closed (exit 2).
    #[serde(default)]
    pub archives: Archives,
}

/// Limits on reading one top-level archive, every nested level counted. The defaults let a
/// 200 MB Spring Boot jar with its nested jars through and stop an archive bomb early.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Archives {
    /// Archives inside archives opened (`a.zip!b.jar!c.properties` is 2; a `.tar.gz` is 1).
    pub max_depth: u32,
    /// Bytes unpacked in total from one archive, all levels.
    pub max_unpacked_bytes: u64,
    /// Bytes of one entry (each is held in memory while it is matched).
    pub max_entry_bytes: u64,
    /// Unpacked bytes per compressed byte of one stream (judged after its first MiB).
    pub max_ratio: u64,
    /// Entries in one archive, all levels.
    pub max_entries: u64,
}

impl Default for Archives {
    fn default() -> Archives {
        Archives {
            max_depth: 8,
            max_unpacked_bytes: 1024 * 1024 * 1024,
            max_entry_bytes: 256 * 1024 * 1024,
            max_ratio: 200,
            max_entries: 200_000,
        }
    }
}

fn env_files_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": "object",
        "additionalProperties": { "type": "string", "enum": ENV_NAMES },
        "default": {}
    })
}

/// The JSON Schema of `.leakgate.yml`, derived from [`Config`] so it cannot drift from what
/// [`load`] accepts.
pub fn json_schema() -> schemars::Schema {
    let mut schema = schemars::schema_for!(Config);
    schema.insert("$id".into(), SCHEMA_URL.into());
    schema
}

/// A loaded config plus where it came from (relative paths in it are relative to that folder).
#[derive(Debug, Default, Clone)]
pub struct LoadedConfig {
    pub config: Config,
    pub path: Option<PathBuf>,
    /// Set when the config was read from a commit (a pull request's base): its rules files are
    /// read from that commit too.
    pub commit: Option<String>,
}

impl LoadedConfig {
    pub fn base_dir(&self) -> Option<&Path> {
        self.path.as_deref().and_then(Path::parent)
    }
}

pub fn load(path: &Path) -> Result<LoadedConfig, ConfigError> {
    let shown = path.display().to_string();
    let io = |source| ConfigError::Io {
        path: shown.clone(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() || meta.len() > MAX_CONFIG_BYTES {
        return Err(ConfigError::Invalid {
            path: shown,
            message: format!("not a regular file of at most {MAX_CONFIG_BYTES} bytes"),
        });
    }
    let text = std::fs::read_to_string(path).map_err(io)?;
    let config = parse(&text).map_err(|source| ConfigError::Yaml {
        path: shown.clone(),
        source,
    })?;
    Ok(LoadedConfig {
        config,
        path: Some(path.to_path_buf()),
        commit: None,
    })
}

pub fn parse(text: &str) -> Result<Config, crate::yaml::YamlError> {
    if text.trim().is_empty() {
        return Ok(Config::default());
    }
    crate::yaml::from_str(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_is_named_with_its_line() {
        let err = parse("exclude: []\nexlcude_paths: [a]\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("exlcude_paths"), "{err}");
        assert!(err.contains('2'), "line number missing: {err}");
    }

    #[test]
    fn empty_file_is_the_default_config() {
        assert!(parse("\n# nothing\n").unwrap().exclude.is_empty());
    }

    mod properties {
        use super::*;
        use crate::engine::testing::{cases, token};
        use proptest::prelude::*;

        /// Any string as a YAML double-quoted scalar: characters YAML does not allow raw
        /// (controls, the BOM, non-characters) escaped, everything else as it is.
        fn quoted(s: &str) -> String {
            let mut out = String::from("\"");
            for c in s.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    c if c.is_control() || matches!(c, '\u{feff}' | '\u{fffe}' | '\u{ffff}') => {
                        out.push_str(&format!("\\u{:04x}", c as u32))
                    }
                    c => out.push(c),
                }
            }
            out.push('"');
            out
        }

        fn list(items: &[String]) -> String {
            let quoted: Vec<String> = items.iter().map(|s| quoted(s)).collect();
            format!("[{}]", quoted.join(", "))
        }

        fn strings() -> impl Strategy<Value = Vec<String>> {
            prop::collection::vec(
                prop_oneof![
                    "\\PC{0,16}",
                    "[\u{0}-\u{1f}\u{7f}-\u{9f}\"'\\\\#:&*!|>%@`{}\\[\\], ]{0,8}"
                ],
                0..4,
            )
        }

        proptest! {
            #![proptest_config(cases(128))]

            /// Any text is read or refused with a one-line error, never a panic.
            #[test]
            fn any_text_is_read_or_refused_in_one_line(text in "\\PC{0,200}|[a-z_:\\[\\]{}\\-&*!|> \n\"']{0,200}") {
                if let Err(e) = parse(&text) {
                    prop_assert!(!e.to_string().contains('\n'), "{e}");
                }
            }

            /// Every value a `.leakgate.yml` holds is read back exactly, whatever characters
            /// it holds (controls, quotes, `#`, `:`, anchors and tags as text, RTL marks).
            #[test]
            fn every_value_reads_back_exactly(
                exclude in strings(),
                allow in strings(),
                stopwords in strings(),
                disable_rules in strings(),
                rules_files in strings(),
                env_files in prop::collection::btree_map("\\PC{1,12}", prop::sample::select(ENV_NAMES.to_vec()), 0..4),
                fail_on in prop::option::of(prop::sample::select(vec!["info", "low", "medium", "high", "critical"])),
                flags in any::<(bool, bool)>(),
            ) {
                let mut text = format!(
                    "exclude: {}\nallow: {}\nstopwords: {}\ndisable_rules: {}\nrules_files: {}\nbundle_dirs: {}\n",
                    list(&exclude), list(&allow), list(&stopwords), list(&disable_rules),
                    list(&rules_files), list(&exclude),
                );
                text.push_str(if env_files.is_empty() { "env_files: {}\n" } else { "env_files:\n" });
                for (k, v) in &env_files {
                    text.push_str(&format!("  {}: {v}\n", quoted(k)));
                }
                if let Some(f) = fail_on {
                    text.push_str(&format!("fail_on: {f}\n"));
                }
                text.push_str(&format!(
                    "trust_inline_allows_in_pull_requests: {}\nfail_on_ignored_env_files: {}\n",
                    flags.0, flags.1
                ));
                let config = parse(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
                prop_assert_eq!(&config.exclude, &exclude);
                prop_assert_eq!(&config.allow, &allow);
                prop_assert_eq!(&config.stopwords, &stopwords);
                prop_assert_eq!(&config.disable_rules, &disable_rules);
                let paths: Vec<PathBuf> = rules_files.iter().map(PathBuf::from).collect();
                prop_assert_eq!(&config.rules_files, &paths);
                let dirs: Vec<PathBuf> = exclude.iter().map(PathBuf::from).collect();
                prop_assert_eq!(&config.bundle_dirs, &dirs);
                let env: std::collections::BTreeMap<String, String> =
                    env_files.iter().map(|(k, v)| (k.clone(), v.to_string())).collect();
                prop_assert_eq!(&config.env_files, &env);
                prop_assert_eq!(config.fail_on.map(Severity::as_str), fail_on);
                prop_assert_eq!(
                    (config.trust_inline_allows_in_pull_requests, config.fail_on_ignored_env_files),
                    flags
                );
            }

            /// A secret pasted in the wrong place (an unknown key, a wrong type, a bad
            /// severity, broken YAML after it) is refused without repeating it: the error is
            /// printed in CI logs.
            #[test]
            fn an_error_never_repeats_a_secret_in_the_file(
                (token, _) in token(),
                key in prop::sample::select(vec![
                    "exclude", "allow", "fail_on", "env_files", "trust_inline_allows_in_pull_requests",
                    "bundle_dirs", "unknown",
                ]),
                shape in prop::sample::select(vec![
                    "{t}: 1", "{k}: {t}", "{k}: '{t}'", "{k}: \"{t}\"", "{k}: {{{t}: x}}",
                    "{k}: [{t}", "{k}:\n  - {t}\n - x", "{k}: !{t} x", "{k}: *{t}", "{k}: &{t}",
                    "{k}: [a, {{b: {t}}}]", "{t}", "- {t}", "{k}: {t}\n{k}: {t}", "{k}: |\n{t}",
                    "{k}: [`{t}`]", "{k}: \"{t}", "{k}: '{t}", "{k}: {t}'s",
                ]),
            ) {
                let text = shape.replace("{t}", &token).replace("{k}", key);
                if let Err(e) = parse(&text) {
                    let message = e.to_string();
                    prop_assert!(!message.contains(&token), "{message}");
                    prop_assert!(!message.contains('\n'), "{message}");
                }
            }
        }
    }
}
