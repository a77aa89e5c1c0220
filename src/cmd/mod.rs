//! One thin `run()` per subcommand, plus the gate. Each command builds its settings, runs the
//! scan steps it needs, hands the findings to `report` and returns the exit code the gate
//! decides; errors bubble up as `anyhow` and become one line on stderr with exit code 2.
//!
//! [`finish`] is also where repository text is redacted: every command that reports findings
//! passes through it with its matcher, and it is the one layer that may use both the engine
//! (which spans of a text are secrets) and `report::redact` (how a secret becomes text), so a
//! token in a commit message, a file name or a check's message is shown exactly as a finding's
//! secret is, in every format.

pub mod audit;
pub mod baseline;
pub mod bundle;
pub mod checklist;
pub mod docs;
pub mod env;
pub mod gate;
pub mod hook;
pub mod init;
pub mod merge;
pub mod redact;
pub mod rules;
pub mod scan;

pub use gate::{EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS};

use crate::checks;
use crate::engine::{Matcher, RuleInfos, Scratch};
use crate::finding::{Finding, RuleInfo};
use crate::report::{self, Report};
use crate::settings::OutputSettings;
use crate::stats::ScanStats;
use anyhow::Result;
use std::sync::Arc;
use std::time::Instant;

/// Sorts, reports and decides the exit code; shared by every command that reports findings.
pub fn finish(
    output: &OutputSettings,
    matcher: &Matcher,
    rules: &[Arc<RuleInfo>],
    mut findings: Vec<Finding>,
    mut stats: ScanStats,
    started: Instant,
) -> Result<u8> {
    settle(matcher, &mut findings, &mut stats, Vec::new());
    if !output.quiet {
        warn_all(&stats);
    }
    let report = Report {
        findings: &findings,
        stats: &stats,
        rules,
        elapsed: started.elapsed(),
        options: &output.report,
    };
    report::write(&report)?;
    report::write_github_extras(&report);
    Ok(gate::exit_code(&findings, &stats, output.report.fail_on))
}

/// What every reporting command does to a run's results before they are shown: repository
/// text redacted (the findings', the warnings', and any `more` text the command reports
/// besides, such as the audit's inventory), then the findings sorted and duplicates dropped
/// (the same place and secret reached by two sources).
pub fn settle(
    matcher: &Matcher,
    findings: &mut Vec<Finding>,
    stats: &mut ScanStats,
    more: Vec<&mut String>,
) {
    redact_repository_text(matcher, findings, stats, more);
    Finding::list(findings);
}

/// The run's warnings on stderr (already redacted by [`settle`]), and how many were dropped.
pub fn warn_all(stats: &ScanStats) {
    for warning in &stats.warnings {
        report::warn(warning);
    }
    if stats.warnings_dropped > 0 {
        report::warn(&format!(
            "{} more warnings not shown",
            stats.warnings_dropped
        ));
    }
}

/// Every rule in force for a run, for the reports that list them (SARIF's
/// `tool.driver.rules`, so code scanning knows each one whether it fired or not): the secret
/// rules the matcher holds (disabled ones are not in it), then the checks of each step that
/// runs (`env`, `bundle`, `launch`), minus those `disable_rules` switches off.
pub fn rules_in_force(
    infos: &RuleInfos,
    switches: &checks::Switches,
    steps: Steps,
) -> Vec<Arc<RuleInfo>> {
    let env_checks = checks::env_files::CHECKS.iter().filter(move |_| steps.env);
    let bundle_checks = checks::bundle::CHECKS.iter().filter(move |_| steps.bundle);
    let launch_checks = checks::launch::checks().filter(move |_| steps.launch);
    infos
        .all()
        .cloned()
        .chain(
            env_checks
                .chain(bundle_checks)
                .chain(launch_checks)
                .filter(|c| switches.is_on(c.id))
                .map(|c| checks::info(c.id)),
        )
        .collect()
}

/// Which check steps a run has on, for [`rules_in_force`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Steps {
    pub env: bool,
    pub bundle: bool,
    pub launch: bool,
}

impl Steps {
    /// The steps a scan's settings turn on.
    pub fn of(settings: &crate::settings::ScanSettings) -> Steps {
        Steps {
            env: settings.env.is_some(),
            bundle: settings.bundle.is_some(),
            launch: settings.launch.is_some(),
        }
    }
}

/// Redacts every secret the matcher finds in repository text that is about to be reported:
/// each finding's text fields ([`Finding::repository_text_mut`]), the warnings (they name
/// paths), the repository provenance, and `more` (what else the command reports, e.g.
/// `Inventory::repository_text_mut`). Done whatever `--show-secrets` says: that flag shows a
/// finding's own secret in the report, never a secret inside a path or a commit message.
fn redact_repository_text(
    matcher: &Matcher,
    findings: &mut [Finding],
    stats: &mut ScanStats,
    more: Vec<&mut String>,
) {
    let mut scratch = Scratch::default();
    let mut redact = |text: &mut String| {
        let spans: Vec<_> = matcher
            .find(text.as_bytes(), &mut scratch)
            .into_iter()
            .map(|m| m.secret)
            .collect();
        if !spans.is_empty() {
            *text = report::redact::redact_spans(text, &spans);
        }
    };
    for finding in findings.iter_mut() {
        for field in finding.repository_text_mut() {
            redact(field);
        }
    }
    for warning in &mut stats.warnings {
        redact(warning);
    }
    for vcs in &mut stats.vcs {
        redact(&mut vcs.repository_uri);
        if let Some(branch) = &mut vcs.branch {
            redact(branch);
        }
    }
    for text in more {
        redact(text);
    }
}

/// The exit status when whoever reads stdout stops reading (`leakgate rules list | head`):
/// what a process killed by `SIGPIPE` reports to a shell (128 + 13), without a message. Not 0:
/// a report that was not delivered must not pass a gate run under `set -o pipefail`.
pub const EXIT_BROKEN_PIPE: u8 = 141;

/// Whether a command failed only because the reader of its output went away (`EPIPE`). Only a
/// pipe or a socket gives that error; a failed write to a file (full disk, bad permissions)
/// keeps its one-line error and exit 2.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// A command-line error. Help and version are printed as clap prints them; a bad value is
/// named by its flag, never echoed (it may be a secret pasted into the wrong flag, and CI logs
/// are read by many); anything else is clap's message with recognisable secrets redacted.
pub fn usage_error(err: clap::Error) -> std::process::ExitCode {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    match err.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => err.exit(),
        ErrorKind::InvalidValue | ErrorKind::ValueValidation | ErrorKind::InvalidUtf8 => {
            let flag = match err.get(ContextKind::InvalidArg) {
                Some(ContextValue::String(flag)) => flag.clone(),
                _ => "an argument".to_string(),
            };
            let mut message = format!("invalid value for {flag} (the value is not shown)");
            if let Some(ContextValue::Strings(valid)) = err.get(ContextKind::ValidValue) {
                message.push_str(&format!("; expected one of {}", valid.join(", ")));
            }
            if let Some(ContextValue::String(why)) = err.get(ContextKind::Custom) {
                message.push_str(&format!(": {}", crate::text::without_quoted_input(why)));
            }
            report::error(&message);
        }
        _ => report::usage(&redact_with_builtin_rules(&err.render().to_string())),
    }
    std::process::ExitCode::from(EXIT_ERROR)
}

/// `text` with every secret the built-in rules find in it redacted, for messages printed
/// before (or without) a configured matcher: fatal errors and usage errors.
pub fn redact_with_builtin_rules(text: &str) -> String {
    // Without the matcher nothing can be shown safely: the text is withheld, never let through.
    const WITHHELD: &str =
        "an error occurred; its text is withheld because the built-in rules could not be built";
    let Ok(rules) = crate::rules::RuleSet::builtin() else {
        return WITHHELD.to_string();
    };
    let matcher = Matcher::new(Arc::new(rules), crate::engine::AllowList::default());
    let spans: Vec<_> = matcher
        .find(text.as_bytes(), &mut Scratch::default())
        .into_iter()
        .map(|m| m.secret)
        .collect();
    report::redact::redact_spans(text, &spans)
}
