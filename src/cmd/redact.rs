//! `leakgate redact`: a filter that copies stdin to stdout with every secret replaced by
//! `[REDACTED:<rule-id>]`, so `some-command 2>&1 | leakgate redact` is safe to publish.
//! Streaming, line-buffered and bounded in memory (see `source::stream`).
//!
//! The rules are the built-in ones plus an explicit `--config` only (see
//! `settings::redact_matcher`): a log filter must not be switched off by whatever
//! `.leakgate.yml` sits in the directory it runs in.

use super::{EXIT_CLEAN, EXIT_FINDINGS};
use crate::cli::RedactArgs;
use crate::engine::{Matcher, Scratch};
use crate::settings::redact_matcher;
use crate::source::stream::{self, safe_cut};
use anyhow::Result;
use std::io::{BufRead, Write};

pub fn run(args: &RedactArgs) -> Result<u8> {
    let matcher = redact_matcher(args.config.as_deref())?;
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let redacted = redact_stream(&matcher, stdin.lock(), &mut stdout.lock())
        .map_err(|e| anyhow::Error::new(e).context("redact"))?;
    Ok(if args.fail && redacted > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    })
}

/// Copies `input` to `out` with every secret the matcher finds replaced; returns how many.
pub fn redact_stream(
    matcher: &Matcher,
    input: impl BufRead,
    out: &mut dyn Write,
) -> std::io::Result<usize> {
    let mut scratch = Scratch::default();
    let mut redacted = 0usize;
    stream::for_each_block(input, |block| {
        let matches = matcher.find(block.data, &mut scratch);
        let done = if block.whole {
            block.data.len()
        } else {
            safe_cut(block.data.len(), matches.iter().map(|m| m.secret.clone()))
        };
        let mut pos = 0;
        for m in matches.iter().filter(|m| m.secret.end <= done) {
            out.write_all(&block.data[pos..m.secret.start])?;
            write!(out, "[REDACTED:{}]", matcher.rule(m.rule).id())?;
            pos = m.secret.end;
            redacted += 1;
        }
        out.write_all(&block.data[pos..done])?;
        out.flush()?;
        Ok(done)
    })?;
    Ok(redacted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::AllowList;
    use crate::rules::RuleSet;
    use crate::source::stream::{CUT_OVERLAP, MAX_BLOCK, MAX_PEM_BLOCK, Trickle};
    use std::io;
    use std::sync::Arc;

    fn redact(matcher: &Matcher, input: &[u8], read_size: usize) -> Vec<u8> {
        let reader = io::BufReader::with_capacity(
            read_size,
            Trickle {
                data: input,
                n: read_size,
            },
        );
        let mut out = Vec::new();
        redact_stream(matcher, reader, &mut out).expect("in-memory streams do not fail");
        out
    }

    /// Filler log lines of `total` bytes (`width`-byte lines, `eol` line ends) with no keyword.
    fn filler(total: usize, width: usize, eol: &str) -> String {
        let line = format!(
            "{}{eol}",
            ".".repeat(width.saturating_sub(eol.len()).max(1))
        );
        let mut s = line.repeat(total / line.len());
        let rest = total - s.len();
        if rest > 0 {
            s.push_str(&".".repeat(rest.saturating_sub(eol.len())));
            s.push_str(&eol[..rest.min(eol.len())]);
        }
        s
    }

    /// The property: every built-in rule's example, at any offset, after any prefix (short
    /// lines, CRLF, an earlier `-----BEGIN` that never ends and fills the PEM hold buffer, a
    /// line longer than a block), read in pieces that split it anywhere, comes out redacted.
    #[test]
    fn every_builtin_example_is_redacted_after_any_prefix_at_any_offset() {
        let rules = Arc::new(RuleSet::builtin().expect("built-in rules load"));
        let matcher = Matcher::new(rules.clone(), AllowList::default());
        let mut scratch = Scratch::default();
        let mut failures = Vec::new();
        let mut cases = 0usize;
        let mut line_context = std::collections::BTreeSet::new();
        for (n, rule) in rules.rules().iter().enumerate() {
            for (k, example) in rule.spec.examples.iter().enumerate() {
                for eol in ["\n", "\r\n"] {
                    let example = example.replace('\n', eol);
                    let secrets: Vec<Vec<u8>> = matcher
                        .find(example.as_bytes(), &mut scratch)
                        .into_iter()
                        .map(|m| example.as_bytes()[m.secret].to_vec())
                        .collect();
                    assert!(
                        !secrets.is_empty(),
                        "{}: example {k} is not found",
                        rule.id()
                    );
                    let leaks = |out: &[u8]| {
                        secrets
                            .iter()
                            .any(|s| memchr::memmem::find(out, s).is_some())
                    };
                    // A stream is matched line by line: a rule that needs context from an
                    // earlier line (a YAML key, its value below) cannot see it there. Such an
                    // example is out of this property's scope, unless it is a key: keys are
                    // held whole and must always be redacted.
                    let alone = redact(&matcher, format!("{example}{eol}").as_bytes(), 1 << 16);
                    if leaks(&alone) {
                        let key = rule.spec.tags.iter().any(|t| t == "private-key");
                        assert!(
                            !key && example.contains('\n'),
                            "{} example {k} (eol {eol:?}) is not redacted even on its own",
                            rule.id()
                        );
                        line_context.insert(rule.id().to_string());
                        continue;
                    }
                    let unterminated = format!("-----BEGIN RSA PRIVATE KEY-----{eol}");
                    let len = example.len();
                    // Vary the offsets case by case (cheap), covering every residue of the
                    // read size over the whole set.
                    let wiggle = (n * 7 + k * 3) % 61;
                    // The hold buffer fills before, inside or just after the example (one of
                    // the three per case: a 64 KiB prefix is costly in a debug build).
                    let fill = match (n + k) % 3 {
                        0 => MAX_PEM_BLOCK - unterminated.len() - 10,
                        1 => MAX_PEM_BLOCK.saturating_sub(unterminated.len() + len / 2 + 1),
                        _ => MAX_PEM_BLOCK - unterminated.len() + wiggle,
                    };
                    let mut prefixes = vec![
                        (String::new(), 7),
                        (format!("log line{eol}"), 7),
                        (filler(wiggle + 1, 13, eol), 5),
                        (
                            format!("{unterminated}{}", filler(fill, 80, eol)),
                            4096 + wiggle,
                        ),
                    ];
                    // A line longer than a block, cut (with overlap) at or near the example:
                    // every 25th case, for the same reason.
                    if (n + k) % 25 == 0 && eol == "\n" {
                        for at in [MAX_BLOCK - CUT_OVERLAP - len / 2, MAX_BLOCK - len / 2] {
                            let prefix = format!("{} ", "x".repeat(at.saturating_sub(1)));
                            prefixes.push((prefix, 65536 + wiggle));
                        }
                    }
                    for (prefix, read_size) in prefixes {
                        {
                            cases += 1;
                            let input = format!("{prefix}{example}{eol}tail{eol}");
                            let out = redact(&matcher, input.as_bytes(), read_size);
                            if leaks(&out) {
                                failures.push(format!(
                                    "{} example {k} (eol {eol:?}) after a {}-byte prefix \
                                     starting {:?}, reads of {read_size}",
                                    rule.id(),
                                    prefix.len(),
                                    &prefix[..prefix.len().min(20)]
                                ));
                            }
                        }
                    }
                }
            }
        }
        eprintln!(
            "{cases} cases; multi-line examples needing context from an earlier line, out of \
             scope: {line_context:?}"
        );
        assert!(cases > 5_000, "{cases} cases");
        assert!(
            failures.is_empty(),
            "{} of {cases} cases leaked:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
}
