//! Checks that judge one env file at a time: is it tracked or unprotected by git, and does
//! any variable in it hold something wrong for its environment (live keys outside production,
//! test keys or developer endpoints in production, insecure settings, real values in a
//! template, secrets in browser-exposed variables).
//!
//! Each check is a function over one file that hands [`Verdict`]s to the [`Sink`]; messages
//! name the variable and, where it helps, a host or a setting from a fixed vocabulary, but
//! never a secret value (that travels only in `Verdict::secret`, which `report/` redacts).

use super::classify::Environment;
use super::dotenv::Entry;
use super::project::{EnvFile, Judge, is_encrypted_value};
use super::rules::{EnvRule, Sink, Verdict, lower};
use super::values::{self, HostKind};
use crate::finding::Severity;

/// Runs every single-file check over every file.
pub fn check_all(files: &[EnvFile], judge: &Judge, sink: &mut Sink) {
    for file in files {
        committed_real_file(file, judge, sink);
        not_ignored(file, sink);
        for entry in &file.dotenv.entries {
            if is_encrypted_value(&entry.value) {
                continue;
            }
            match file.environment {
                Environment::Template => secret_in_template(file, entry, judge, sink),
                Environment::Production => {
                    test_key_in_production(file, entry, judge, sink);
                    dev_endpoint_in_production(file, entry, sink);
                    insecure_setting(file, entry, sink);
                }
                Environment::Staging => {
                    live_key_outside_production(file, entry, judge, sink);
                    production_host_in_staging(file, entry, sink);
                    insecure_setting(file, entry, sink);
                }
                Environment::Development | Environment::Test => {
                    live_key_outside_production(file, entry, judge, sink);
                }
            }
            client_exposed_secret(file, entry, judge, sink);
        }
    }
}

fn committed_real_file(file: &EnvFile, judge: &Judge, sink: &mut Sink) {
    let Some(tracking) = file.tracking else {
        return;
    };
    if file.is_template() || file.encrypted || !tracking.is_tracked() {
        return;
    }
    let holds_secrets = judge.holds_secrets(file);
    let severity = if !holds_secrets && !file.is_local_only_name() {
        Severity::Low
    } else if file.environment.is_deployed() {
        Severity::Critical
    } else {
        Severity::High
    };
    let state = if tracking.in_head {
        "is committed (in HEAD)"
    } else {
        "is staged in the git index (not committed yet)"
    };
    let gone = if file.in_worktree {
        ""
    } else {
        " although it is deleted from the working tree"
    };
    let next = if tracking.in_head {
        "then rotate every secret it holds: it stays in git history and in every clone"
    } else {
        "no rotation is needed if it was never committed or pushed"
    };
    let mut message = format!(
        "{} ({} env file) {state}{gone}. Run `{}` at the top of the repository, add it to \
         .gitignore and commit; {next}.",
        file.shown,
        file.environment,
        crate::text::git_untrack_command(&file.command_path)
    );
    if !holds_secrets && !file.is_local_only_name() {
        message.push_str(
            " It holds no secret-looking value today, hence the low severity; keep it that \
             way or stop tracking it.",
        );
    }
    let verdict = Verdict {
        rule: EnvRule::CommittedRealFile,
        severity,
        message,
        secret: None,
        case: super::rules::COMMITTED_CASE.into(),
    };
    sink.at_file(verdict, &file.place());
}

fn not_ignored(file: &EnvFile, sink: &mut Sink) {
    if file.is_template() || file.encrypted || file.gitignored != Some(false) {
        return;
    }
    let pattern = if file.file_name.starts_with(".env") {
        ".env*".to_string()
    } else if file.file_name.ends_with(".env") {
        "*.env".to_string()
    } else {
        format!("/{}", file.relative)
    };
    let severity = if file.environment.is_deployed() {
        Severity::High
    } else {
        Severity::Medium
    };
    let message = format!(
        "{} ({} env file) is not matched by any .gitignore, so `git add .` would commit it. \
         Add `{pattern}` to .gitignore (and `!.env.example` to keep a template tracked).",
        file.shown, file.environment
    );
    let verdict = Verdict {
        rule: EnvRule::NotIgnored,
        severity,
        message,
        secret: None,
        case: "not-ignored".into(),
    };
    sink.at_file(verdict, &file.place());
}

fn live_key_outside_production(file: &EnvFile, entry: &Entry, judge: &Judge, sink: &mut Sink) {
    let masked = entry.masked_value();
    for credential in values::live_credentials(&masked, &judge.stopwords) {
        let secret = &masked[credential.range.clone()];
        if judge.is_placeholder(secret) {
            continue;
        }
        let severity = if file.environment == Environment::Staging {
            Severity::High
        } else {
            Severity::Critical
        };
        let message = format!(
            "`{}` holds {} in a {} env file. Use a test-mode key here, keep live keys only in \
             production's secret store, and rotate this one if the file was ever shared.",
            entry.key, credential.label, file.environment
        );
        let verdict = Verdict {
            rule: EnvRule::LiveKeyOutsideProduction,
            severity,
            message,
            secret: Some(secret.to_string()),
            case: String::new(),
        };
        sink.at_entry(verdict, &file.place(), entry);
    }
}

fn test_key_in_production(file: &EnvFile, entry: &Entry, judge: &Judge, sink: &mut Sink) {
    let masked = entry.masked_value();
    for credential in values::test_credentials(&masked, &judge.stopwords) {
        let secret = &masked[credential.range.clone()];
        if judge.is_placeholder(secret) {
            continue;
        }
        let message = format!(
            "`{}` holds {} in a production env file, so production runs in test mode. Set the \
             live credential from your secret store.",
            entry.key, credential.label
        );
        let verdict = Verdict {
            rule: EnvRule::TestKeyInProduction,
            severity: Severity::High,
            message,
            secret: Some(secret.to_string()),
            case: String::new(),
        };
        sink.at_entry(verdict, &file.place(), entry);
    }
    for endpoint in values::endpoints(&entry.key, &masked) {
        if values::host_kind(&endpoint.host) == HostKind::Sandbox {
            let message = format!(
                "`{}` points at the sandbox host `{}` in a production env file. Use the \
                 provider's live endpoint.",
                entry.key, endpoint.host
            );
            let verdict = Verdict {
                rule: EnvRule::TestKeyInProduction,
                severity: Severity::Medium,
                message,
                secret: None,
                case: format!("{}\0{}", entry.key, endpoint.host),
            };
            sink.at_entry(verdict, &file.place(), entry);
        }
    }
    if let Some(mode) = provider_test_mode(&entry.key, &entry.value) {
        let message = format!(
            "`{}={mode}` puts a provider in {mode} mode in a production env file. Set the live \
             mode and live credentials.",
            entry.key
        );
        let verdict = Verdict {
            rule: EnvRule::TestKeyInProduction,
            severity: Severity::Medium,
            message,
            secret: None,
            case: entry.key.clone(),
        };
        sink.at_entry(verdict, &file.place(), entry);
    }
}

/// `PAYPAL_MODE=sandbox`, `PLAID_ENV=sandbox`, `STRIPE_MODE=test`: a provider's own mode
/// switch (not the app's `NODE_ENV`, which the insecure-setting check judges).
fn provider_test_mode(key: &str, value: &str) -> Option<&'static str> {
    let upper = key.to_ascii_uppercase();
    if values::APP_MODE_KEYS.contains(&upper.as_str()) {
        return None;
    }
    let words = values::name_words(key);
    let last = words.last()?;
    if words.len() < 2 || !matches!(last.as_str(), "ENV" | "ENVIRONMENT" | "MODE") {
        return None;
    }
    match value.trim().to_ascii_lowercase().as_str() {
        "sandbox" => Some("sandbox"),
        "test" | "testing" => Some("test"),
        _ => None,
    }
}

fn dev_endpoint_in_production(file: &EnvFile, entry: &Entry, sink: &mut Sink) {
    if values::is_listen_key(&entry.key) {
        return;
    }
    let mut seen: Vec<String> = Vec::new();
    for endpoint in values::endpoints(&entry.key, &entry.masked_value()) {
        if seen.contains(&endpoint.host) {
            continue;
        }
        let kind = values::host_kind(&endpoint.host);
        let (severity, what) = match kind {
            HostKind::Loopback => (Severity::Medium, "this machine (loopback)".to_string()),
            HostKind::Unspecified if endpoint.in_url => (
                Severity::Medium,
                "the unspecified address, a bind address".into(),
            ),
            HostKind::DockerHost => (
                Severity::Medium,
                "the developer's machine via Docker".into(),
            ),
            HostKind::DeveloperName => (
                Severity::Medium,
                "a name that only resolves on a developer's machine or network".into(),
            ),
            HostKind::NonProductionName(word) => {
                (Severity::Medium, format!("a host named for {word}"))
            }
            HostKind::PrivateAddress => (Severity::Low, "a private network address".into()),
            // Cloud and company private zones (`db.prod.internal`, `*.svc.cluster.local`) are
            // where production's private hosts live: not a development endpoint.
            HostKind::InternalName => continue,
            _ => continue,
        };
        seen.push(endpoint.host.clone());
        let advice = if severity == Severity::Low {
            "Fine only if production runs inside that private network; otherwise set the \
             production host."
        } else {
            "Set the host production should reach."
        };
        let message = format!(
            "`{}` points at `{}`, {what}, in a production env file. {advice}",
            entry.key, endpoint.host
        );
        let verdict = Verdict {
            rule: EnvRule::DevEndpointInProduction,
            severity,
            message,
            secret: None,
            case: format!("{}\0{}", entry.key, endpoint.host),
        };
        sink.at_entry(verdict, &file.place(), entry);
    }
}

/// Hosts named like production in a staging file (data stores are reported as production
/// credentials by the cross-file check, so only other services are judged here).
fn production_host_in_staging(file: &EnvFile, entry: &Entry, sink: &mut Sink) {
    if values::is_listen_key(&entry.key) {
        return;
    }
    for endpoint in values::endpoints(&entry.key, &entry.masked_value()) {
        if endpoint.data_store {
            continue;
        }
        if let HostKind::ProductionName(word) = values::host_kind(&endpoint.host) {
            let message = format!(
                "`{}` points at `{}`, a host named for {word}, from a staging env file: staging \
                 traffic would reach production. Point it at the staging service.",
                entry.key, endpoint.host
            );
            let verdict = Verdict {
                rule: EnvRule::DevEndpointInProduction,
                severity: Severity::Medium,
                message,
                secret: None,
                case: format!("{}\0{}", entry.key, endpoint.host),
            };
            sink.at_entry(verdict, &file.place(), entry);
        }
    }
}

/// A setting that is wrong in a deployed environment: how bad in production, the value as
/// shown (from a fixed vocabulary, never the raw value), what it does and what to set.
struct Insecure {
    severity: Severity,
    shown: String,
    problem: &'static str,
    fix: &'static str,
}

fn insecure_setting(file: &EnvFile, entry: &Entry, sink: &mut Sink) {
    let Some(found) = judge_setting(&entry.key, &entry.value) else {
        return;
    };
    let severity = if file.environment == Environment::Production {
        found.severity
    } else {
        lower(found.severity)
    };
    let message = format!(
        "`{}={}` {} in a {} env file. {}",
        entry.key, found.shown, found.problem, file.environment, found.fix
    );
    let verdict = Verdict {
        rule: EnvRule::InsecureProductionSetting,
        severity,
        message,
        secret: None,
        case: entry.key.clone(),
    };
    sink.at_entry(verdict, &file.place(), entry);
}

/// The table of insecure settings (see docs/env.md for the list and severities), in groups
/// tried in order; the first match wins.
fn judge_setting(key: &str, value: &str) -> Option<Insecure> {
    let s = Setting::new(key, value);
    debug_or_development_mode(&s)
        .or_else(|| tls_verification_off(&s))
        .or_else(|| open_to_any_origin(&s))
        .or_else(|| weak_sessions_or_auth(&s))
        .or_else(|| noisy_in_production(&s))
}

/// A variable as the settings table sees it.
struct Setting<'a> {
    upper: String,
    words: Vec<String>,
    /// Trimmed, lower case.
    value: String,
    raw: &'a str,
}

impl Setting<'_> {
    fn new<'a>(key: &str, value: &'a str) -> Setting<'a> {
        Setting {
            upper: key.to_ascii_uppercase(),
            words: values::name_words(key),
            value: value.trim().to_ascii_lowercase(),
            raw: value,
        }
    }

    fn has(&self, word: &str) -> bool {
        self.words.iter().any(|w| w == word)
    }

    fn has_any(&self, list: &[&str]) -> bool {
        list.iter().any(|w| self.has(w))
    }

    fn truthy(&self) -> bool {
        values::is_truthy(&self.value)
    }

    fn falsy(&self) -> bool {
        values::is_falsy(&self.value)
    }

    /// Whether a comma/space separated list value contains `*`.
    fn lists_wildcard(&self) -> bool {
        self.value.split([',', ' ', ';']).any(|p| p == "*")
    }
}

fn insecure(
    severity: Severity,
    shown: &str,
    problem: &'static str,
    fix: &'static str,
) -> Option<Insecure> {
    Some(Insecure {
        severity,
        shown: shown.to_string(),
        problem,
        fix,
    })
}

fn debug_or_development_mode(s: &Setting<'_>) -> Option<Insecure> {
    let u = s.upper.as_str();
    let debug_key = u == "DEBUG" || u.ends_with("_DEBUG") || u.ends_with("DEBUG_MODE");
    if debug_key && s.truthy() {
        return insecure(
            Severity::High,
            &s.value,
            "turns on debug mode (stack traces and internals shown to visitors)",
            "Set it to false.",
        );
    }
    if u == "DEBUG" && !s.value.is_empty() && !s.falsy() {
        return insecure(
            Severity::Low,
            "…",
            "turns on debug logging",
            "Unset it in deployed environments.",
        );
    }
    if values::APP_MODE_KEYS.contains(&u)
        && matches!(
            s.value.as_str(),
            "development" | "dev" | "local" | "test" | "testing"
        )
    {
        return insecure(
            Severity::High,
            &s.value,
            "runs the application in a non-production mode (verbose errors, dev tooling, \
             relaxed security)",
            "Set it to production.",
        );
    }
    if u == "SPRING_PROFILES_ACTIVE"
        && s.value
            .split([',', ' '])
            .any(|p| matches!(p, "dev" | "development" | "local"))
    {
        return insecure(
            Severity::High,
            "dev",
            "activates a development profile",
            "Activate the production profile.",
        );
    }
    None
}

fn tls_verification_off(s: &Setting<'_>) -> Option<Insecure> {
    let u = s.upper.as_str();
    if (u.ends_with("REJECT_UNAUTHORIZED") || u == "PYTHONHTTPSVERIFY") && s.falsy() {
        return insecure(
            Severity::High,
            &s.value,
            "turns off TLS certificate verification for outgoing connections",
            "Remove it; trust a private CA with NODE_EXTRA_CA_CERTS or the system store instead.",
        );
    }
    let tls_word = s.has_any(&["SSL", "TLS", "HTTPS", "CERT", "CERTS", "CERTIFICATE"]);
    if tls_word && s.has_any(&["VERIFY", "VERIFICATION", "CHECK", "VALIDATE", "VALIDATION"]) {
        let negated = s.has_any(&["NO", "SKIP", "DISABLE", "DISABLED", "INSECURE", "IGNORE"]);
        if (negated && s.truthy()) || (!negated && s.falsy()) {
            return insecure(
                Severity::High,
                &s.value,
                "turns off TLS certificate verification",
                "Turn verification back on.",
            );
        }
    }
    if s.has("INSECURE") && (tls_word || s.has("SKIP")) && s.truthy() {
        return insecure(
            Severity::High,
            &s.value,
            "turns off TLS certificate verification",
            "Set it to false.",
        );
    }
    if (u == "PGSSLMODE" || u.ends_with("SSLMODE") || u.ends_with("SSL_MODE"))
        && matches!(s.value.as_str(), "disable" | "disabled")
    {
        return insecure(
            Severity::Medium,
            &s.value,
            "connects to the database without TLS",
            "Use require or verify-full.",
        );
    }
    if values::url_disables_tls(s.raw) {
        return insecure(
            Severity::Medium,
            "…sslmode=disable",
            "connects without TLS (the URL turns it off)",
            "Remove the parameter or require TLS (sslmode=require).",
        );
    }
    None
}

fn open_to_any_origin(s: &Setting<'_>) -> Option<Insecure> {
    let u = s.upper.as_str();
    let cors = s.has("CORS") || u.contains("ALLOW_ORIGIN") || u.contains("ALLOWED_ORIGIN");
    if cors && s.lists_wildcard() {
        return insecure(
            Severity::Medium,
            "*",
            "lets any website call the API from a visitor's browser",
            "List the exact origins that may call it.",
        );
    }
    if cors && s.has("ALL") && s.truthy() {
        return insecure(
            Severity::Medium,
            &s.value,
            "lets any website call the API from a visitor's browser",
            "Set it to false and list the allowed origins.",
        );
    }
    if (u == "ALLOWED_HOSTS" || u.ends_with("_ALLOWED_HOSTS")) && s.lists_wildcard() {
        return insecure(
            Severity::Medium,
            "*",
            "accepts any Host header (cache poisoning, password-reset link hijacking)",
            "List the production host names.",
        );
    }
    None
}

fn weak_sessions_or_auth(s: &Setting<'_>) -> Option<Insecure> {
    let cookie = s.has_any(&["SESSION", "COOKIE", "COOKIES", "CSRF"]);
    if cookie && s.has("SECURE") && s.falsy() {
        return insecure(
            Severity::Medium,
            &s.value,
            "sends session cookies over plain HTTP",
            "Set it to true.",
        );
    }
    if cookie && (s.has("HTTPONLY") || (s.has("HTTP") && s.has("ONLY"))) && s.falsy() {
        return insecure(
            Severity::Medium,
            &s.value,
            "lets page scripts read the session cookie",
            "Set it to true.",
        );
    }
    let guard = s.has_any(&["AUTH", "AUTHENTICATION", "AUTHORIZATION", "CSRF", "LOGIN"]);
    if guard && s.has_any(&["DISABLE", "DISABLED", "SKIP", "BYPASS", "NO"]) && s.truthy() {
        return insecure(
            Severity::High,
            &s.value,
            "turns off authentication or CSRF protection",
            "Remove it.",
        );
    }
    if guard && s.has_any(&["ENABLED", "ENABLE"]) && s.falsy() {
        return insecure(
            Severity::High,
            &s.value,
            "turns off authentication or CSRF protection",
            "Set it to true.",
        );
    }
    None
}

fn noisy_in_production(s: &Setting<'_>) -> Option<Insecure> {
    let u = s.upper.as_str();
    if (u.ends_with("LOG_LEVEL") || u == "LOGLEVEL")
        && matches!(
            s.value.as_str(),
            "debug" | "trace" | "silly" | "verbose" | "all"
        )
    {
        return insecure(
            Severity::Low,
            &s.value,
            "logs at a debugging level (request bodies and tokens often end up in logs)",
            "Use info or warn.",
        );
    }
    if s.has_any(&["PLAYGROUND", "INTROSPECTION", "GRAPHIQL"]) && s.truthy() {
        return insecure(
            Severity::Low,
            &s.value,
            "exposes the GraphQL schema explorer",
            "Set it to false.",
        );
    }
    let https_switch = matches!(
        u,
        "FORCE_HTTPS" | "FORCE_SSL" | "SECURE_SSL_REDIRECT" | "HTTPS_ONLY" | "REQUIRE_HTTPS"
    );
    if https_switch && s.falsy() {
        return insecure(
            Severity::Low,
            &s.value,
            "serves plain HTTP",
            "Set it to true.",
        );
    }
    None
}

/// Rule-matched secrets in templates are high; random-looking values and real-looking
/// passwords in connection URLs to non-local hosts are medium.
fn secret_in_template(file: &EnvFile, entry: &Entry, judge: &Judge, sink: &mut Sink) {
    let place = file.place();
    if let Some(hit) = file
        .secret_hits(entry)
        .find(|h| !judge.is_placeholder(&h.secret))
    {
        let message = format!(
            "`{}` in the template holds a value matching the `{}` rule. Replace it with a \
             placeholder and rotate it if it is real.",
            entry.key, hit.rule_id
        );
        let verdict = Verdict {
            rule: EnvRule::SecretInTemplate,
            severity: Severity::High,
            message,
            secret: Some(hit.secret.clone()),
            case: String::new(),
        };
        sink.at_entry(verdict, &place, entry);
        return;
    }
    let masked = entry.masked_value();
    for endpoint in values::endpoints(&entry.key, &masked) {
        let Some(password) = &endpoint.password else {
            continue;
        };
        let remote = matches!(
            values::host_kind(&endpoint.host),
            HostKind::Other | HostKind::ProductionName(_) | HostKind::NonProductionName(_)
        ) && endpoint.host.contains('.');
        if remote && !judge.is_placeholder(password) && !is_stock_dev_password(password) {
            let message = format!(
                "`{}` in the template has a password for the remote host `{}`. Replace it \
                 with a placeholder and rotate it if it is real.",
                entry.key, endpoint.host
            );
            let verdict = Verdict {
                rule: EnvRule::SecretInTemplate,
                severity: Severity::Medium,
                message,
                secret: Some(password.clone()),
                case: String::new(),
            };
            sink.at_entry(verdict, &place, entry);
            return;
        }
    }
    let value = masked.trim();
    if values::looks_random(value) && !judge.is_placeholder(value) {
        let message = format!(
            "`{}` in the template holds a random-looking value (key material, not a \
             placeholder). Replace it with a placeholder and rotate it if it is real.",
            entry.key
        );
        let verdict = Verdict {
            rule: EnvRule::SecretInTemplate,
            severity: Severity::Medium,
            message,
            secret: Some(value.to_string()),
            case: String::new(),
        };
        sink.at_entry(verdict, &place, entry);
    }
}

/// Passwords that docker-compose setups and tutorials use for throwaway local databases.
fn is_stock_dev_password(password: &str) -> bool {
    matches!(
        password.to_ascii_lowercase().as_str(),
        "postgres"
            | "password"
            | "root"
            | "admin"
            | "mysql"
            | "redis"
            | "guest"
            | "secret"
            | "pass"
            | "dev"
            | "development"
            | "test"
            | "example"
    )
}

fn client_exposed_secret(file: &EnvFile, entry: &Entry, judge: &Judge, sink: &mut Sink) {
    let Some((prefix, framework)) = values::client_prefix(&entry.key) else {
        return;
    };
    let rest = &entry.key[prefix.len()..];
    let masked = entry.masked_value();
    let value = masked.trim();
    // A JWT alone is not proof of a secret here: browser-side anon keys (Supabase, Hasura) are
    // JWTs by design. The dangerous kind, a service-role JWT, is recognised below.
    let rule_hit = file
        .secret_hits(entry)
        .filter(|h| h.rule_id != "jwt")
        .find(|h| !judge.is_placeholder(&h.secret))
        .map(|h| {
            (
                format!("a value matching the `{}` rule", h.rule_id),
                h.secret.clone(),
            )
        });
    let moded = values::live_credentials(value, &judge.stopwords)
        .into_iter()
        .chain(values::test_credentials(value, &judge.stopwords))
        .find(|c| !is_publishable_credential(&value[c.range.clone()]))
        .map(|c| (c.label.to_string(), value[c.range.clone()].to_string()));
    let service_role = values::is_service_role_jwt(value).then(|| {
        (
            "a service-role JWT that bypasses row-level security".to_string(),
            value.to_string(),
        )
    });
    let (severity, what, secret) = if let Some((what, secret)) = rule_hit.or(moded).or(service_role)
    {
        (Severity::Critical, what, Some(secret))
    } else if values::is_client_secret_name(rest) {
        let real = !value.is_empty()
            && !entry.is_reference_only()
            && !judge.is_placeholder(value)
            && !values::has_reference(value);
        if real {
            (
                Severity::High,
                "a value its name calls secret".to_string(),
                Some(value.to_string()),
            )
        } else {
            (
                Severity::Medium,
                "no value yet, but its name says it is for a secret".to_string(),
                None,
            )
        }
    } else {
        return;
    };
    let message = format!(
        "`{}` is inlined into the browser bundle by {framework} (`{prefix}` prefix) and holds \
         {what}. Rename it without the prefix, use it only on the server, and rotate it if it \
         was ever deployed.",
        entry.key
    );
    let verdict = Verdict {
        rule: EnvRule::ClientExposedSecret,
        severity,
        message,
        secret,
        case: entry.key.clone(),
    };
    sink.at_entry(verdict, &file.place(), entry);
}

/// Test-mode publishable keys (`pk_test_`, `FLWPUBK_TEST-`, `pk_sbox_`) are meant for browsers.
fn is_publishable_credential(text: &str) -> bool {
    text.starts_with("pk_") || text.starts_with("FLWPUBK")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setting(key: &str, value: &str) -> Option<(Severity, String)> {
        judge_setting(key, value).map(|i| (i.severity, i.shown))
    }

    #[test]
    fn insecure_settings_table() {
        assert_eq!(
            setting("DEBUG", "True"),
            Some((Severity::High, "true".into()))
        );
        assert_eq!(setting("APP_DEBUG", "1").unwrap().0, Severity::High);
        assert_eq!(setting("DEBUG", "false"), None);
        assert_eq!(setting("DEBUG", "express:*").unwrap().0, Severity::Low);
        assert_eq!(
            setting("NODE_ENV", "development").unwrap().0,
            Severity::High
        );
        assert_eq!(setting("NODE_ENV", "production"), None);
        assert_eq!(
            setting("NODE_TLS_REJECT_UNAUTHORIZED", "0").unwrap().0,
            Severity::High
        );
        assert_eq!(setting("NODE_TLS_REJECT_UNAUTHORIZED", "1"), None);
        assert_eq!(setting("SSL_VERIFY", "false").unwrap().0, Severity::High);
        assert_eq!(
            setting("GIT_SSL_NO_VERIFY", "true").unwrap().0,
            Severity::High
        );
        assert_eq!(
            setting("CORS_ORIGIN", "*"),
            Some((Severity::Medium, "*".into()))
        );
        assert_eq!(setting("CORS_ORIGIN", "https://app.example.com"), None);
        assert_eq!(
            setting("CORS_ALLOW_ALL_ORIGINS", "True").unwrap().0,
            Severity::Medium
        );
        assert_eq!(
            setting("SESSION_COOKIE_SECURE", "False").unwrap().0,
            Severity::Medium
        );
        assert_eq!(
            setting("SESSION_SECURE_COOKIE", "false").unwrap().0,
            Severity::Medium
        );
        assert_eq!(setting("SESSION_SECURE_COOKIE", "true"), None);
        assert_eq!(setting("DISABLE_AUTH", "true").unwrap().0, Severity::High);
        assert_eq!(setting("LOG_LEVEL", "debug").unwrap().0, Severity::Low);
        assert_eq!(setting("PGSSLMODE", "disable").unwrap().0, Severity::Medium);
        assert_eq!(
            setting("DATABASE_URL", "postgres://h/db?sslmode=disable")
                .unwrap()
                .0,
            Severity::Medium
        );
        assert_eq!(setting("ALLOWED_HOSTS", "*").unwrap().0, Severity::Medium);
        assert_eq!(setting("PORT", "3000"), None);
    }

    #[test]
    fn provider_modes_are_not_the_app_mode() {
        assert_eq!(
            provider_test_mode("PAYPAL_MODE", "sandbox"),
            Some("sandbox")
        );
        assert_eq!(provider_test_mode("PLAID_ENV", "Sandbox"), Some("sandbox"));
        assert_eq!(provider_test_mode("NODE_ENV", "test"), None);
        assert_eq!(provider_test_mode("MODE", "test"), None);
        assert_eq!(provider_test_mode("PAYPAL_MODE", "live"), None);
    }
}
