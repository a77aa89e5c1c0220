//! The phases of a long scan on stderr (`files`, `history`, `checks`), so a person watching a
//! full audit of a large repository sees what it is doing and that it is not stuck. One line
//! names the phase; the history scan draws its own bar of blobs below it.
//!
//! Drawn only when the settings ask ([`ScanSettings::progress`], which the command sets
//! from `--quiet`) and stderr is a terminal: a CI log or a redirected stderr never gets
//! progress lines, whatever the settings say.
//!
//! [`ScanSettings::progress`]: crate::settings::ScanSettings::progress

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

/// A step of the scan, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// The working tree and the build output.
    Files,
    /// Git history.
    History,
    /// The env-file checks and the merge of what everything found.
    Checks,
}

impl Phase {
    /// The usual order: the working tree, then history, then the checks.
    pub const USUAL: [Phase; 3] = [Phase::Files, Phase::History, Phase::Checks];
    /// When history runs before the walk so the walk can take its findings (`scan::known`).
    pub const HISTORY_FIRST: [Phase; 3] = [Phase::History, Phase::Files, Phase::Checks];

    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Files => "files",
            Phase::History => "history",
            Phase::Checks => "checks",
        }
    }

    fn doing(self) -> &'static str {
        match self {
            Phase::Files => "reading the working tree and build output",
            Phase::History => "reading git history",
            Phase::Checks => "checking env files and merging findings",
        }
    }
}

/// The phase line on stderr, or nothing.
pub struct Phases {
    bars: Option<MultiProgress>,
    line: ProgressBar,
    /// The order this run takes the phases in, which numbers them ("1/3 history").
    order: [Phase; 3],
}

impl Phases {
    /// Draws when `wanted` and stderr is a terminal; otherwise every call does nothing. The
    /// phases are numbered in `order`, the order this run takes them in.
    pub fn new(wanted: bool, order: [Phase; 3]) -> Phases {
        Phases::drawn_to(
            wanted && std::io::stderr().is_terminal(),
            ProgressDrawTarget::stderr(),
            order,
        )
    }

    fn drawn_to(drawn: bool, target: ProgressDrawTarget, order: [Phase; 3]) -> Phases {
        if !drawn {
            return Phases {
                bars: None,
                line: ProgressBar::hidden(),
                order,
            };
        }
        let bars = MultiProgress::with_draw_target(target);
        let style = ProgressStyle::with_template("{spinner} [{prefix}] {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        let line = bars.add(ProgressBar::new_spinner().with_style(style));
        line.enable_steady_tick(Duration::from_millis(120));
        Phases {
            bars: Some(bars),
            line,
            order,
        }
    }

    pub fn start(&self, phase: Phase) {
        let step = self.order.iter().position(|p| *p == phase).unwrap_or(0) + 1;
        self.line
            .set_prefix(format!("{step}/{} {}", self.order.len(), phase.as_str()));
        self.line.set_message(phase.doing());
    }

    /// Where other bars of the scan go (below the phase line), when it is drawn.
    pub fn bars(&self) -> Option<&MultiProgress> {
        self.bars.as_ref()
    }
}

impl Drop for Phases {
    /// Clears the line however the scan ends (an error included), so the report or the error
    /// starts on a clean line.
    fn drop(&mut self) {
        self.line.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_drawn_unless_asked_and_on_a_terminal() {
        let phases = Phases::drawn_to(false, ProgressDrawTarget::stderr(), Phase::USUAL);
        phases.start(Phase::History);
        assert!(phases.line.is_hidden());
        assert!(phases.bars().is_none());
        // Under `cargo test` stderr is captured or piped, never a terminal.
        if !std::io::stderr().is_terminal() {
            assert!(Phases::new(true, Phase::USUAL).bars().is_none());
        }
    }

    #[test]
    fn the_line_names_the_phase_and_its_place_in_the_run() {
        let phases = Phases::drawn_to(true, ProgressDrawTarget::hidden(), Phase::USUAL);
        assert!(phases.bars().is_some());
        phases.start(Phase::History);
        assert_eq!(phases.line.prefix(), "2/3 history");
        assert_eq!(phases.line.message(), "reading git history");
    }

    /// A default scan runs history before the walk (so the walk can take history's findings);
    /// the line must not count "2/3 history" and then go back to "1/3 files".
    #[test]
    fn history_run_first_is_numbered_first() {
        let phases = Phases::drawn_to(true, ProgressDrawTarget::hidden(), Phase::HISTORY_FIRST);
        phases.start(Phase::History);
        assert_eq!(phases.line.prefix(), "1/3 history");
        phases.start(Phase::Files);
        assert_eq!(phases.line.prefix(), "2/3 files");
        phases.start(Phase::Checks);
        assert_eq!(phases.line.prefix(), "3/3 checks");
    }
}
