//! JWTs read offline: the header proves the shape (a JSON object with an `alg`), the claims
//! say how much the token can do. Nothing is verified against a key and nothing is sent
//! anywhere: a leaked token is a leak whether or not its signature would pass.

use super::{Verdict, base64url_decode};
use crate::finding::Severity;
use serde_json::{Map, Value};

/// The longest issuer or role shown in a message; longer values are cut (they are repository
/// text, and a message is one line).
const MAX_SHOWN: usize = 80;

/// Roles that mean "everything": PostgREST/Supabase's `service_role` bypasses row level
/// security, the others are what people call an all-powerful account.
const ADMIN_ROLES: &[&str] = &[
    "service_role",
    "admin",
    "administrator",
    "superuser",
    "root",
];

/// The verdict on a JWT at `now` (seconds since the epoch); `None` when its header is not a
/// JSON object with an `alg`. Claims that do not decode leave the rule's severity as it is.
pub(super) fn verdict(secret: &[u8], now: i64) -> Option<Verdict> {
    if !header_ok(secret) {
        return None;
    }
    let mut segments = secret.split(|&b| b == b'.').skip(1);
    let mut verdict = Verdict::validated();
    let Some(claims) = segments.next().and_then(object) else {
        return Some(verdict);
    };
    let role = claims.get("role").and_then(Value::as_str).map(shown);
    let mut notes = Vec::new();
    if let Some(issuer) = claims.get("iss").and_then(Value::as_str) {
        notes.push(format!("issued by {}", shown(issuer)));
    }
    if let Some(role) = &role {
        notes.push(format!("role {role}"));
    }
    if let Some(why) = admin(&claims, role.as_deref()) {
        verdict.severity = Some(Severity::Critical);
        notes.push(why);
    } else if role.as_deref() == Some("anon") {
        // Supabase's (PostgREST's) anonymous key: shipped to browsers by design; what it can
        // do is decided by row level security.
        verdict.severity = Some(Severity::Info);
        verdict.publishable = true;
        notes.push("the anonymous (publishable) role".into());
    }
    if let Some(exp) = claims.get("exp").and_then(Value::as_f64)
        && exp.is_finite()
        && (exp as i64) < now
    {
        verdict.lowered = 1;
        let date = jiff::Timestamp::from_second(exp as i64)
            .map(|t| t.strftime("%Y-%m-%d").to_string())
            .unwrap_or_else(|_| "an unreadable date".into());
        notes.push(format!("expired on {date} (reported one level lower)"));
    }
    if !notes.is_empty() {
        verdict.message = Some(format!("JWT {}.", notes.join("; ")));
    }
    Some(verdict)
}

/// Whether the first segment decodes to a JSON object with an `alg`: what makes it a JWT.
pub(super) fn header_ok(secret: &[u8]) -> bool {
    secret
        .split(|&b| b == b'.')
        .next()
        .and_then(object)
        .is_some_and(|header| header.contains_key("alg"))
}

/// Why the claims look like an administrator's, if they do: an admin role, an `is_admin` or
/// `admin` flag, or a scope naming admin.
fn admin(claims: &Map<String, Value>, role: Option<&str>) -> Option<String> {
    if let Some(role) = role
        && ADMIN_ROLES.contains(&role.to_ascii_lowercase().as_str())
    {
        return Some("an administrator role: full access".into());
    }
    if ["is_admin", "admin", "isAdmin"]
        .iter()
        .any(|k| claims.get(*k) == Some(&Value::Bool(true)))
    {
        return Some("flagged admin".into());
    }
    let scopes: Vec<&str> = ["scope", "scp", "scopes"]
        .iter()
        .filter_map(|k| claims.get(*k))
        .flat_map(|v| match v {
            Value::String(s) => s.split([' ', ',']).collect::<Vec<_>>(),
            Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        })
        .collect();
    scopes
        .iter()
        .any(|s| s.to_ascii_lowercase().contains("admin"))
        .then(|| "an admin scope".into())
}

/// A segment decoded to a JSON object.
fn object(segment: &[u8]) -> Option<Map<String, Value>> {
    if segment.is_empty() {
        return None;
    }
    match serde_json::from_slice(&base64url_decode(segment)?) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    }
}

/// A claim as a message may show it: no control characters, at most [`MAX_SHOWN`] characters.
fn shown(value: &str) -> String {
    let clean = crate::text::strip_controls(value);
    if clean.chars().count() <= MAX_SHOWN {
        return clean;
    }
    let cut: String = clean.chars().take(MAX_SHOWN).collect();
    format!("{cut}...")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(bytes: &[u8]) -> String {
        super::super::base64_encode(bytes, true)
    }

    fn token(claims: &str) -> String {
        format!(
            "{}.{}.{}",
            b64(br#"{"alg":"HS256","typ":"JWT"}"#),
            b64(claims.as_bytes()),
            b64(b"signature bytes that are not checked")
        )
    }

    /// 2026-01-01T00:00:00Z, the "now" of these cases.
    const NOW: i64 = 1_767_225_600;

    #[test]
    fn claims_decide_severity_and_message() {
        // (claims, severity for a `medium` rule, publishable, message)
        let cases: &[(&str, Severity, bool, Option<&str>)] = &[
            (
                r#"{"iss":"supabase","ref":"abcdefghijklmnop","role":"service_role","iat":1700000000,"exp":2000000000}"#,
                Severity::Critical,
                false,
                Some(
                    "JWT issued by supabase; role service_role; an administrator role: full access.",
                ),
            ),
            (
                r#"{"iss":"supabase","role":"anon","exp":2000000000}"#,
                Severity::Info,
                true,
                Some("JWT issued by supabase; role anon; the anonymous (publishable) role."),
            ),
            (
                r#"{"iss":"https://auth.acme.io","role":"service_role","exp":1704067200}"#,
                Severity::High,
                false,
                Some(
                    "JWT issued by https://auth.acme.io; role service_role; an administrator \
                     role: full access; expired on 2024-01-01 (reported one level lower).",
                ),
            ),
            (
                r#"{"sub":"42","exp":1704067200}"#,
                Severity::Low,
                false,
                Some("JWT expired on 2024-01-01 (reported one level lower)."),
            ),
            (
                r#"{"sub":"42","is_admin":true}"#,
                Severity::Critical,
                false,
                Some("JWT flagged admin."),
            ),
            (
                r#"{"sub":"42","scope":"read:users write:admin"}"#,
                Severity::Critical,
                false,
                Some("JWT an admin scope."),
            ),
            (
                r#"{"sub":"42","scp":["files.read","Admin.All"]}"#,
                Severity::Critical,
                false,
                Some("JWT an admin scope."),
            ),
            (
                r#"{"sub":"42","role":"authenticated","exp":2000000000}"#,
                Severity::Medium,
                false,
                Some("JWT role authenticated."),
            ),
            (r#"{"sub":"42"}"#, Severity::Medium, false, None),
            // A role that only contains "admin" is not an admin role; a false flag is not one.
            (
                r#"{"role":"readonly_admin_viewer","is_admin":false}"#,
                Severity::Medium,
                false,
                Some("JWT role readonly_admin_viewer."),
            ),
            // An anon key that expired: informational stays informational.
            (r#"{"role":"anon","exp":1}"#, Severity::Info, true, None),
        ];
        for (claims, severity, publishable, message) in cases {
            let v = verdict(token(claims).as_bytes(), NOW).expect("a JWT");
            assert!(v.validated, "{claims}");
            assert_eq!(v.severity(Severity::Medium), *severity, "{claims}");
            assert_eq!(v.publishable, *publishable, "{claims}");
            if let Some(message) = message {
                assert_eq!(v.message.as_deref(), Some(*message), "{claims}");
            }
        }
    }

    #[test]
    fn the_message_never_holds_the_token_and_hostile_claims_are_tamed() {
        let long = "i".repeat(5000);
        let jwt = token(&format!(
            r#"{{"iss":"{long}\u001b[31m","role":"x\u0000y","exp":"soon"}}"#
        ));
        let v = verdict(jwt.as_bytes(), NOW).expect("a JWT");
        let message = v.message.expect("issuer and role");
        assert!(!message.contains(&jwt) && !message.contains(jwt.split('.').nth(1).unwrap()));
        assert!(message.len() < 250, "{message}");
        assert!(!message.chars().any(char::is_control), "{message:?}");
    }

    #[test]
    fn a_token_without_a_json_header_is_rejected_and_odd_claims_are_not() {
        assert!(verdict(b"eyJub3Rqc29u.eyJzdWIiOiIxIn0.c2ln", NOW).is_none());
        assert!(verdict(b"", NOW).is_none());
        assert!(verdict(b".", NOW).is_none());
        // {"typ":"JWT"}: no alg.
        assert!(
            verdict(
                format!("{}.e30.c2ln", b64(br#"{"typ":"JWT"}"#)).as_bytes(),
                NOW
            )
            .is_none()
        );
        // Claims that are not JSON, or an exp far outside any date: still a JWT.
        let header = b64(br#"{"alg":"none"}"#);
        assert!(verdict(format!("{header}.bm90IGpzb24.c2ln").as_bytes(), NOW).is_some());
        let huge = token(r#"{"exp":-1e300}"#);
        let v = verdict(huge.as_bytes(), NOW).expect("a JWT");
        assert_eq!(v.lowered, 1);
        assert!(v.message.unwrap().contains("unreadable date"));
    }
}
