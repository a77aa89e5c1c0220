//! `leakgate checklist [PATH]`: the launch checklist as a report. It runs what `scan PATH`
//! runs (`scan::collect`), settles the findings as every reporting command does
//! (`cmd::settle`: repository text redacted, sorted, deduplicated), judges each item of the
//! minimum bar (`report::checklist`) with the rules and checks in force, writes the checklist
//! (human, Markdown or JSON; stdout or `--output`), and exits with the gate's code.

use crate::checks;
use crate::cli::{ChecklistArgs, ChecklistFormat};
use crate::engine::RuleInfos;
use crate::finding::RuleInfo;
use crate::report::{self, checklist};
use crate::settings::ScanSettings;
use anyhow::Result;
use std::sync::Arc;

pub fn run(args: &ChecklistArgs) -> Result<u8> {
    let settings = ScanSettings::from_checklist_args(args)?.with_progress();
    let infos = Arc::new(RuleInfos::new(&settings.matcher));
    let (mut findings, mut stats) = crate::scan::collect(&settings, &infos)?;
    let mut shown_path = args.path.display().to_string();
    super::settle(
        &settings.matcher,
        &mut findings,
        &mut stats,
        vec![&mut shown_path],
    );
    if !settings.output.quiet {
        super::warn_all(&stats);
    }
    let in_force = super::rules_in_force(
        &infos,
        &checks::Switches::from_disabled(&settings.config.config.disable_rules),
        super::Steps::of(&settings),
    );
    let every_check: Vec<Arc<RuleInfo>> = checks::all().map(|c| checks::info(c.id)).collect();
    let fail_on = settings.output.report.fail_on;
    let unread = report::audit::unread(&stats);
    let list = checklist::Checklist::build(&checklist::Inputs {
        path: report::display_path(&shown_path),
        findings: &findings,
        complete: stats.complete(),
        incomplete_because: (!unread.is_empty()).then(|| unread.join(", ")),
        fail_on,
        in_force: &in_force,
        checks: &every_check,
    });
    let format = match args.format {
        ChecklistFormat::Human => checklist::Format::Human,
        ChecklistFormat::Markdown => checklist::Format::Markdown,
        ChecklistFormat::Json => checklist::Format::Json,
    };
    checklist::write(&list, format, args.output.as_deref())?;
    Ok(super::gate::exit_code(&findings, &stats, fail_on))
}
