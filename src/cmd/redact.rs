//! `leakgate redact`: a filter that copies stdin to stdout with every secret replaced by
//! `[REDACTED:<rule-id>]`, so `some-command 2>&1 | leakgate redact` is safe to publish.
//! Streaming, line-buffered and bounded in memory (see `source::stream`).

use super::{EXIT_CLEAN, EXIT_FINDINGS};
use crate::cli::RedactArgs;
use crate::engine::Scratch;
use crate::engine::Workload;
use crate::settings::{build_matcher, load_config};
use crate::source::stream::{self, safe_cut};
use anyhow::Result;
use std::io::Write;

pub fn run(args: &RedactArgs) -> Result<u8> {
    let config = load_config(args.config.as_deref(), None)?;
    let matcher = build_matcher(&config, None, Workload::Large)?;
    let mut scratch = Scratch::default();
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut redacted = 0usize;
    stream::for_each_block(stdin.lock(), |block| {
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
    })
    .map_err(|e| anyhow::anyhow!("redact: {e}"))?;
    Ok(if args.fail && redacted > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    })
}
