//! What one match is worth: its severity (the rule's, its `local_severity` for a password of
//! a service on the developer's own machine, refined by the rule's offline check), its
//! confidence (validated / likely / possible) and the facts the check read from the token for
//! the message. One call per finding, made where matches are placed, so every source gets
//! the same judgement and the per-blob matching path pays nothing for it.

use super::Matcher;
use crate::finding::{Confidence, Severity};
use crate::rules::Rule;

/// The judgement on one match (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub severity: Severity,
    pub confidence: Confidence,
    pub publishable: bool,
    /// Facts read from the token (issuer, role, expiry, account, cipher); never the token.
    pub message: Option<String>,
}

impl Matcher {
    /// Judges the match of `rule` whose secret is `bytes`, found at `path`, at `now` (seconds
    /// since the Unix epoch: expiry is judged against it). `after[end..]` is the text that
    /// follows the secret (the host a password is for): the blob itself, or for a secret found
    /// inside an encoding, the decoded text after it.
    pub fn assess(
        &self,
        rule: &Rule,
        bytes: &[u8],
        (after, end): (&[u8], usize),
        path: &str,
        now: i64,
    ) -> Assessment {
        let severity = self.severity_at(rule, after, end, path);
        let verdict = rule.spec.validate.and_then(|v| v.check(bytes, now));
        let Some(verdict) = verdict else {
            return Assessment {
                severity,
                confidence: rule.confidence(bytes),
                publishable: rule.spec.publishable,
                message: None,
            };
        };
        Assessment {
            severity: verdict.severity(severity),
            confidence: if verdict.validated {
                Confidence::Validated
            } else {
                rule.confidence(bytes)
            },
            publishable: rule.spec.publishable || verdict.publishable,
            message: verdict.message,
        }
    }
}

/// Seconds since the Unix epoch now, for [`Matcher::assess`].
pub fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}
