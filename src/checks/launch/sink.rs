//! The one place a launch check's verdict becomes a [`Finding`], so every launch finding has
//! the same shape: the span of code it is about (line and column as the secret rules count
//! them), a message in plain words, the inline `leakgate:allow` honoured as everywhere else,
//! and a fingerprint that survives the code moving (the check, the file and a short
//! description of the case, never the line number).

use super::SourceFile;
use crate::checks::{self, Check, Switches};
use crate::finding::{Finding, Location, Severity, Suppression, fingerprint};
use std::ops::Range;

pub struct Sink<'a> {
    switches: &'a Switches,
    file: &'a SourceFile<'a>,
    findings: Vec<Finding>,
}

impl<'a> Sink<'a> {
    pub fn new(switches: &'a Switches, file: &'a SourceFile<'a>) -> Sink<'a> {
        Sink {
            switches,
            file,
            findings: Vec::new(),
        }
    }

    /// The file being checked.
    pub fn file(&self) -> &SourceFile<'a> {
        self.file
    }

    /// Whether `check` is on: a family may skip work for a switched-off check.
    pub fn is_on(&self, check: &Check) -> bool {
        self.switches.is_on(check.id)
    }

    /// Reports a problem with the code at `span` (byte offsets into the file). `case` names the
    /// problem within the file, stably (for example `cors origin:true credentials:true` or the
    /// workflow job and step), so the fingerprint survives edits around it; `message` says in
    /// plain words what is wrong here and never quotes a secret. `severity` is at most the
    /// check's.
    pub fn report(
        &mut self,
        check: &'static Check,
        severity: Severity,
        span: Range<usize>,
        case: &str,
        message: String,
    ) {
        let identity = format!("{}\0{case}", self.file.relative);
        let fingerprint = fingerprint(check.id, identity.as_bytes());
        self.push(check, severity, span, fingerprint, message);
    }

    /// Reports a secret written where it must not be (an `ENV` value in a Dockerfile, a
    /// literal in a compose file's build args): `secret` is the span of the value itself,
    /// carried as the finding's secret (so reports preview it like any secret and redaction
    /// knows it) and hashed into the fingerprint as the secret rules do. `message` never
    /// quotes it.
    pub fn report_secret(
        &mut self,
        check: &'static Check,
        severity: Severity,
        secret: Range<usize>,
        message: String,
    ) {
        let value = &self.file.data[secret.clone()];
        let id = fingerprint(check.id, value);
        let secret_text = String::from_utf8_lossy(value).into_owned();
        if let Some(finding) = self.push(check, severity, secret, id, message) {
            finding.secret = secret_text;
        }
    }

    fn push(
        &mut self,
        check: &'static Check,
        severity: Severity,
        span: Range<usize>,
        fingerprint: String,
        message: String,
    ) -> Option<&mut Finding> {
        if !self.switches.is_on(check.id) {
            return None;
        }
        debug_assert!(severity <= check.severity, "{} above its ceiling", check.id);
        let severity = severity.min(check.severity);
        let data = self.file.data;
        let start = span.start.min(data.len());
        let end = span.end.clamp(start, data.len());
        let at = crate::engine::positions(data, [start, end]);
        let location = Location::span(self.file.shown, at[&start], at[&end]);
        let mut finding = Finding::new(checks::info(check.id), severity, location, fingerprint);
        finding.message = Some(message);
        finding.suppressed =
            crate::engine::allowed_inline(data, start).then_some(Suppression::Inline);
        self.findings.push(finding);
        self.findings.last_mut()
    }

    /// One finding per check and place: a family that reaches the same code twice reports it
    /// once.
    pub fn into_findings(mut self) -> Vec<Finding> {
        self.findings.sort_by(|a, b| {
            (
                &a.rule.id,
                a.location.line,
                a.location.column,
                &a.fingerprint,
            )
                .cmp(&(
                    &b.rule.id,
                    b.location.line,
                    b.location.column,
                    &b.fingerprint,
                ))
        });
        self.findings.dedup_by(|later, first| {
            later.rule.id == first.rule.id
                && later.location.line == first.location.line
                && later.location.column == first.location.column
                && later.fingerprint == first.fingerprint
        });
        self.findings
    }
}
