//! The gate: what a run found, and whether it read everything it was asked to, turned into the
//! process exit code. Kept apart from the report so that printing never decides the outcome.

use crate::finding::{Finding, Severity};
use crate::stats::ScanStats;

/// Exit codes, documented in the README and `--help`.
pub const EXIT_CLEAN: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

/// 1 when an active (not suppressed) finding is at or above `fail_on`; else 2 when something
/// the run was asked to read could not be read (a gate fails closed); else 0.
pub fn exit_code(findings: &[Finding], stats: &ScanStats, fail_on: Severity) -> u8 {
    if findings.iter().any(|f| f.fails(fail_on)) {
        EXIT_FINDINGS
    } else if !stats.complete() {
        EXIT_ERROR
    } else {
        EXIT_CLEAN
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Location, RuleInfo, Suppression};

    fn finding(severity: Severity, suppressed: Option<Suppression>) -> Finding {
        let rule = RuleInfo::for_test("r", severity);
        let mut f = Finding::new(rule, severity, Location::default(), "fp".into());
        f.suppressed = suppressed;
        f
    }

    #[test]
    fn findings_at_or_above_the_threshold_fail() {
        let stats = ScanStats::default();
        let found = [finding(Severity::Medium, None)];
        assert_eq!(exit_code(&found, &stats, Severity::Medium), EXIT_FINDINGS);
        assert_eq!(exit_code(&found, &stats, Severity::High), EXIT_CLEAN);
    }

    #[test]
    fn suppressed_findings_never_fail() {
        let stats = ScanStats::default();
        let found = [finding(Severity::Critical, Some(Suppression::Baseline))];
        assert_eq!(exit_code(&found, &stats, Severity::Info), EXIT_CLEAN);
    }

    #[test]
    fn an_incomplete_scan_fails_closed_unless_findings_already_fail_it() {
        let mut stats = ScanStats::default();
        stats.skipped.unreadable = 1;
        assert_eq!(exit_code(&[], &stats, Severity::Low), EXIT_ERROR);
        let found = [finding(Severity::High, None)];
        assert_eq!(exit_code(&found, &stats, Severity::Low), EXIT_FINDINGS);
    }
}
