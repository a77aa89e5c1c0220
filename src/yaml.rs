//! YAML parsing with budgets. Config and rules files can come from the repository being
//! scanned, which may be hostile (alias bombs, deep nesting), so every parse goes through here.

use serde::de::DeserializeOwned;

/// A YAML document that could not be read: one line naming the line, column and problem.
/// The parser's own error is deliberately not kept as a source: its later lines quote the
/// input, which may hold a secret.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct YamlError(String);

/// Parses one YAML document into `T`; the error is a single line that includes the location.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    let options = serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_events: 200_000,
            max_aliases: 100,
            max_anchors: 100,
            max_depth: 64,
        },
    };
    serde_saphyr::from_str_with_options(text, options).map_err(|e| {
        YamlError(crate::text::without_quoted_input(&first_line(
            &e.to_string(),
        )))
    })
}

/// The parser's first line names the line, column and problem; later lines quote the input,
/// which may hold a secret, so they are dropped; values quoted on the first line ("unknown
/// variant `…`") are shown only when they look like names (`text::without_quoted_input`).
fn first_line(s: &str) -> String {
    let line = s.lines().next().unwrap_or("invalid YAML").trim();
    line.strip_prefix("error: ").unwrap_or(line).to_string()
}
