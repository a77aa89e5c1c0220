//! Which files are env files and which environment each one configures.
//!
//! Names decide by default (`.env.production.local` is production, `.env.example` a template,
//! `staging.env` staging); `.leakgate.yml` `env_files` maps other paths (globs relative to the
//! scanned root) to an environment, or to `none` to say "not an env file". The vocabulary is
//! deliberately small and documented, because a file put in the wrong environment turns every
//! cross-environment check upside down.

use globset::{Glob, GlobSet, GlobSetBuilder};
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

/// The environment an env file configures. Ordered from least to most sensitive for the
/// real environments; `Template` is not an environment but a description of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Environment {
    Development,
    Test,
    Staging,
    Production,
    Template,
}

impl Environment {
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Development => "local/development",
            Environment::Test => "test",
            Environment::Staging => "staging",
            Environment::Production => "production",
            Environment::Template => "template",
        }
    }

    pub fn is_template(self) -> bool {
        self == Environment::Template
    }

    /// Production and staging: deployed, reachable, holding real users' data.
    pub fn is_deployed(self) -> bool {
        matches!(self, Environment::Production | Environment::Staging)
    }

    /// Parses a name from `.leakgate.yml` (`none` is handled by the caller).
    pub fn from_config_name(name: &str) -> Option<Environment> {
        Some(match name.trim().to_ascii_lowercase().as_str() {
            "local" | "development" | "dev" => Environment::Development,
            "test" | "ci" => Environment::Test,
            "staging" | "stage" | "preview" => Environment::Staging,
            "production" | "prod" => Environment::Production,
            "template" | "example" => Environment::Template,
            _ => return None,
        })
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Name parts that mark a template; they win over every environment word
/// (`.env.production.example` is a template for production, not production).
const TEMPLATE_WORDS: &[&str] = &[
    "example", "examples", "sample", "template", "tpl", "tmpl", "dist", "defaults", "default",
];
const PRODUCTION_WORDS: &[&str] = &["production", "prod", "prd", "live"];
/// `preprod` is staging by meaning, whatever its letters say.
const STAGING_WORDS: &[&str] = &["staging", "stage", "stg", "preview", "preprod", "uat", "qa"];
const TEST_WORDS: &[&str] = &["test", "testing", "ci", "e2e"];

/// The environment a file name implies, or `None` if it is not a dotenv-family name.
///
/// `.env` and `.env.<words>` (any words; unknown ones mean local/development), and
/// `<words>.env`. Not env files: `.envrc` (a direnv shell script) and `.env.vault` (encrypted
/// by design, meant to be committed).
pub fn classify_name(file_name: &str) -> Option<Environment> {
    let name = file_name.to_ascii_lowercase();
    let words: Vec<&str> = if name == ".env" {
        Vec::new()
    } else if let Some(rest) = name.strip_prefix(".env.") {
        if rest == "vault" || rest.is_empty() {
            return None;
        }
        rest.split('.').collect()
    } else if let Some(stem) = name.strip_suffix(".env") {
        if stem.is_empty() || stem == "." {
            return None;
        }
        stem.split(['.', '-', '_']).collect()
    } else {
        return None;
    };
    Some(environment_of_words(&words))
}

fn environment_of_words(words: &[&str]) -> Environment {
    let any = |list: &[&str]| words.iter().any(|w| list.contains(w));
    let pre_prod = words.windows(2).any(|w| w[0] == "pre" && w[1] == "prod");
    if any(TEMPLATE_WORDS) {
        Environment::Template
    } else if any(STAGING_WORDS) || pre_prod {
        Environment::Staging
    } else if any(PRODUCTION_WORDS) {
        Environment::Production
    } else if any(TEST_WORDS) {
        Environment::Test
    } else {
        Environment::Development
    }
}

/// Whether a name is one of the base files every framework loads in every mode (`.env`,
/// `.env.local`), as opposed to a mode-specific one (`.env.production`).
pub fn is_base_name(file_name: &str) -> bool {
    matches!(
        file_name.to_ascii_lowercase().as_str(),
        ".env" | ".env.local"
    )
}

/// Whether a name belongs to the layered `.env*` family that frameworks load together
/// (Next.js, Vite, CRA, dotenv-flow); other env files (`prod.env`) stand alone.
pub fn is_layered_name(file_name: &str) -> bool {
    let lower = file_name.to_ascii_lowercase();
    lower == ".env" || lower.starts_with(".env.")
}

/// `.leakgate.yml` `env_files`, compiled.
#[derive(Debug, Clone, Default)]
pub struct EnvNames {
    set: GlobSet,
    /// Per glob, in `set` order: its environment (`None`: "not an env file") and its length,
    /// used to let the most specific (longest) pattern win when several match.
    targets: Vec<(Option<Environment>, usize)>,
}

#[derive(Debug, thiserror::Error)]
pub enum EnvNamesError {
    #[error(
        "env_files: {} maps to unknown environment {} (expected local, \
         development, test, staging, production, template or none)",
        crate::text::quoted_value(pattern),
        crate::text::quoted_value(name)
    )]
    UnknownEnvironment { pattern: String, name: String },
    #[error(
        "env_files: bad pattern {}: {}",
        crate::text::quoted_value(pattern),
        crate::text::without_quoted_input(&problem.kind().to_string())
    )]
    BadPattern {
        pattern: String,
        problem: globset::Error,
    },
}

impl EnvNames {
    pub fn from_config(map: &BTreeMap<String, String>) -> Result<EnvNames, EnvNamesError> {
        let mut builder = GlobSetBuilder::new();
        let mut targets = Vec::new();
        for (pattern, name) in map {
            let target = if name.trim().eq_ignore_ascii_case("none") {
                None
            } else {
                Some(Environment::from_config_name(name).ok_or_else(|| {
                    EnvNamesError::UnknownEnvironment {
                        pattern: pattern.clone(),
                        name: name.clone(),
                    }
                })?)
            };
            let trimmed = pattern.trim_start_matches("./").trim_start_matches('/');
            // Like `.gitignore` and `exclude`: a pattern without `/` matches at any depth.
            let anchored = if trimmed.contains('/') {
                trimmed.to_string()
            } else {
                format!("**/{trimmed}")
            };
            let glob = Glob::new(&anchored).map_err(|e| EnvNamesError::BadPattern {
                pattern: pattern.clone(),
                problem: e,
            })?;
            builder.add(glob);
            targets.push((target, trimmed.len()));
        }
        let set = builder.build().map_err(|e| EnvNamesError::BadPattern {
            pattern: map.keys().cloned().collect::<Vec<_>>().join(", "),
            problem: e,
        })?;
        Ok(EnvNames { set, targets })
    }

    /// The environment of a file at `relative` (to the scanned root), or `None` if it is not
    /// an env file. Config patterns win over names.
    pub fn classify(&self, relative: &Path) -> Option<Environment> {
        let configured = self
            .set
            .matches(relative)
            .into_iter()
            .max_by_key(|&i| self.targets[i].1)
            .map(|i| self.targets[i].0);
        match configured {
            Some(target) => target,
            None => classify_name(&relative.file_name()?.to_string_lossy()),
        }
    }

    /// Whether any config pattern exists (discovery must then consider every file name).
    pub fn has_patterns(&self) -> bool {
        !self.targets.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Environment::*;

    #[test]
    fn dotenv_family_names() {
        let cases = [
            (".env", Some(Development)),
            (".env.local", Some(Development)),
            (".env.development", Some(Development)),
            (".env.development.local", Some(Development)),
            (".env.dev", Some(Development)),
            (".env.test", Some(Test)),
            (".env.test.local", Some(Test)),
            (".env.staging", Some(Staging)),
            (".env.stage", Some(Staging)),
            (".env.preview", Some(Staging)),
            (".env.preprod", Some(Staging)),
            (".env.production", Some(Production)),
            (".env.production.local", Some(Production)),
            (".env.prod", Some(Production)),
            (".env.example", Some(Template)),
            (".env.sample", Some(Template)),
            (".env.template", Some(Template)),
            (".env.dist", Some(Template)),
            (".env.defaults", Some(Template)),
            (".env.production.example", Some(Template)),
            (".ENV.PRODUCTION", Some(Production)),
            ("prod.env", Some(Production)),
            ("pre-prod.env", Some(Staging)),
            ("app.env", Some(Development)),
            ("ci.env", Some(Test)),
            ("example.env", Some(Template)),
            (".envrc", None),
            (".env.vault", None),
            ("env", None),
            ("environment.ts", None),
            ("production.env.js", None),
        ];
        for (name, want) in cases {
            assert_eq!(classify_name(name), want, "{name}");
        }
    }

    #[test]
    fn config_patterns_win_and_the_longest_pattern_decides() {
        let map: BTreeMap<String, String> = [
            ("config/*.vars", "production"),
            ("config/staging.vars", "staging"),
            ("docker.env", "none"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let names = EnvNames::from_config(&map).unwrap();
        assert_eq!(
            names.classify(Path::new("config/app.vars")),
            Some(Production)
        );
        assert_eq!(
            names.classify(Path::new("config/staging.vars")),
            Some(Staging)
        );
        assert_eq!(names.classify(Path::new("deploy/docker.env")), None);
        assert_eq!(names.classify(Path::new("web/.env.test")), Some(Test));
        assert_eq!(names.classify(Path::new("web/app.vars")), None);
    }

    #[test]
    fn unknown_environment_names_are_refused_with_the_pattern() {
        let map = BTreeMap::from([("x.env".to_string(), "prodution".to_string())]);
        let err = EnvNames::from_config(&map).unwrap_err().to_string();
        assert!(err.contains("x.env") && err.contains("prodution"), "{err}");
    }
}
