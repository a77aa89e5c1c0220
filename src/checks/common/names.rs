//! Variable names: what a name says about its value. Shared by the env check (which values to
//! treat as secrets, which variables ship to browsers) and the bundle check (how many secret
//! names make an inlined object an environment dump), so both judge a name the same way.
//!
//! Decisions, with the reason next to each:
//! - A name is a secret's name by its words, not by substrings: `TOKENIZER_MODEL` is not a
//!   token and `AWS_ACCESS_KEY_ID` is an id (the bundle check used to match `TOKEN` and
//!   `ACCESS_KEY` anywhere in the name).
//! - `DATABASE_URL` and other connection strings are not secrets by name: their password is
//!   read out of the URL by the env check. They do count as credential-bearing in an inlined
//!   environment object ([`is_credential_bearing_name`]), where nobody parses the URL.

/// Upper-case words of a variable name: `next_public_apiKey` -> `NEXT`, `PUBLIC`, `APIKEY`.
pub fn name_words(key: &str) -> Vec<String> {
    key.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_ascii_uppercase())
        .collect()
}

/// Words that make a name a secret's name wherever they appear.
const SECRET_WORDS: &[&str] = &[
    "SECRET",
    "SECRETS",
    "PASSWORD",
    "PASSWORDS",
    "PASSWD",
    "PASS",
    "PWD",
    "PASSPHRASE",
    "TOKEN",
    "TOKENS",
    "PRIVATE",
    "CREDENTIAL",
    "CREDENTIALS",
    "CREDS",
    "APIKEY",
    "SALT",
    "PEPPER",
];

/// Last words that make a name describe something about a secret, not the secret itself:
/// `JWT_SECRET_TTL`, `DB_PASSWORD_FILE`, `API_TOKEN_URL`, `AWS_ACCESS_KEY_ID`.
const NOT_A_SECRET_SUFFIXES: &[&str] = &[
    "URL",
    "URI",
    "URLS",
    "HOST",
    "HOSTNAME",
    "ENDPOINT",
    "PORT",
    "PATH",
    "FILE",
    "DIR",
    "NAME",
    "ID",
    "IDS",
    "USER",
    "USERNAME",
    "LOGIN",
    "EMAIL",
    "TTL",
    "EXPIRY",
    "EXPIRES",
    "EXPIRE",
    "EXPIRATION",
    "LIFETIME",
    "LENGTH",
    "SIZE",
    "ALGORITHM",
    "ALG",
    "ALGO",
    "TYPE",
    "HEADER",
    "PREFIX",
    "ENABLED",
    "ENABLE",
    "DISABLED",
    "REGION",
    "TIMEOUT",
    "ISSUER",
    "AUDIENCE",
    "SCOPE",
    "SCOPES",
    "MODE",
    "VERSION",
    "FORMAT",
    "COUNT",
    "MAX",
    "MIN",
    "LIMIT",
    "ROUNDS",
    "COST",
    "POLICY",
    "REQUIRED",
    "ENV",
    "FIELD",
    "PARAM",
    "LOCATION",
    "PROVIDER",
    "STRATEGY",
    "NAMESPACE",
    "LABEL",
];

/// Words that say a key is public by design (`STRIPE_PUBLISHABLE_KEY`, `SUPABASE_ANON_KEY`,
/// `RECAPTCHA_SITE_KEY`, `JWT_PUBLIC_KEY`).
const PUBLIC_WORDS: &[&str] = &["PUBLIC", "PUBLISHABLE", "ANON", "SITE"];

/// Whether a variable name says it holds a secret: `DB_PASSWORD`, `STRIPE_SECRET_KEY`,
/// `API_KEY`, `SUPABASE_SERVICE_ROLE_KEY`; not `AWS_ACCESS_KEY_ID`, `JWT_PUBLIC_KEY`.
pub fn is_secret_name(key: &str) -> bool {
    let words = name_words(key);
    let Some(last) = words.last() else {
        return false;
    };
    if NOT_A_SECRET_SUFFIXES.contains(&last.as_str()) {
        return false;
    }
    let has = |w: &str| words.iter().any(|x| x == w);
    let strong =
        words.iter().any(|w| SECRET_WORDS.contains(&w.as_str())) || (has("SERVICE") && has("ROLE"));
    if strong {
        return true;
    }
    has("KEY") && !words.iter().any(|w| PUBLIC_WORDS.contains(&w.as_str()))
}

/// Prefixes that frameworks inline into browser bundles at build time, and who does it.
/// Decision: `STORYBOOK_` is one of them (the bundle check had it, the env check did not):
/// Storybook inlines `STORYBOOK_*` variables into its static build, which teams deploy
/// publicly, so a secret there reaches browsers like a `VITE_` one.
pub const CLIENT_PREFIXES: &[(&str, &str)] = &[
    ("NEXT_PUBLIC_", "Next.js"),
    ("NUXT_PUBLIC_", "Nuxt"),
    ("EXPO_PUBLIC_", "Expo"),
    ("REACT_APP_", "Create React App"),
    ("VITE_", "Vite"),
    ("VUE_APP_", "Vue CLI"),
    ("GATSBY_", "Gatsby"),
    ("STORYBOOK_", "Storybook"),
    ("PUBLIC_", "SvelteKit/Astro"),
];

/// The browser-exposed prefix of a name and the framework that exposes it.
pub fn client_prefix(key: &str) -> Option<(&'static str, &'static str)> {
    CLIENT_PREFIXES
        .iter()
        .find(|(prefix, _)| key.starts_with(prefix) && key.len() > prefix.len())
        .copied()
}

/// Whether the part of a name after its public prefix says "secret" strongly enough that
/// nothing in it should ever reach a browser (`SECRET`, `PRIVATE`, `PASSWORD`, `SERVICE_ROLE`).
/// Weaker words (`TOKEN`, `KEY`) are common in public-by-design values and are left to rules.
pub fn is_client_secret_name(rest: &str) -> bool {
    let words = name_words(rest);
    if words
        .last()
        .is_some_and(|l| NOT_A_SECRET_SUFFIXES.contains(&l.as_str()))
    {
        return false;
    }
    let has = |w: &str| words.iter().any(|x| x == w);
    [
        "SECRET",
        "SECRETS",
        "PRIVATE",
        "PASSWORD",
        "PASSWD",
        "PWD",
        "PASSPHRASE",
    ]
    .iter()
    .any(|w| has(w))
        || (has("SERVICE") && has("ROLE"))
}

/// Whether a variable holds a secret or a connection string with one in it: the secret names,
/// plus `DATABASE_URL`, `REDIS_URL`, `MONGODB_URI` and the like (`*_URL`/`*_URI`/`*_DSN` whose
/// other words name a data store).
pub fn is_credential_bearing_name(key: &str) -> bool {
    if is_secret_name(key) {
        return true;
    }
    let words = name_words(key);
    let Some(last) = words.last() else {
        return false;
    };
    matches!(last.as_str(), "URL" | "URI" | "DSN")
        && words.iter().any(|w| DATA_STORE_WORDS.contains(&w.as_str()))
}

/// Words naming a data store or broker: a host- or URL-valued variable with one of them in its
/// name points at data (`DB_HOST`, `REDIS_URL`, `KAFKA_BROKERS`).
pub const DATA_STORE_WORDS: &[&str] = &[
    "DB",
    "DATABASE",
    "POSTGRES",
    "POSTGRESQL",
    "PG",
    "MYSQL",
    "MARIADB",
    "MONGO",
    "MONGODB",
    "REDIS",
    "MEMCACHED",
    "RABBITMQ",
    "AMQP",
    "CASSANDRA",
    "CLICKHOUSE",
    "NEO4J",
    "MSSQL",
    "SQL",
    "ELASTICSEARCH",
    "OPENSEARCH",
    "KAFKA",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names() {
        for yes in [
            "DB_PASSWORD",
            "STRIPE_SECRET_KEY",
            "API_KEY",
            "apiKey",
            "JWT_SECRET",
            "GITHUB_TOKEN",
            "SUPABASE_SERVICE_ROLE_KEY",
            "PRIVATE_KEY",
            "SMTP_PASS",
            "APP_KEY",
            "AWS_SECRET_ACCESS_KEY",
        ] {
            assert!(is_secret_name(yes), "{yes}");
        }
        for no in [
            "AWS_ACCESS_KEY_ID",
            "JWT_PUBLIC_KEY",
            "STRIPE_PUBLISHABLE_KEY",
            "SUPABASE_ANON_KEY",
            "DB_PASSWORD_FILE",
            "TOKEN_URL",
            "PORT",
            "DATABASE_URL",
            "CACHE_KEY_PREFIX",
            "RECAPTCHA_SITE_KEY",
            "PASSPORT_STRATEGY",
        ] {
            assert!(!is_secret_name(no), "{no}");
        }
    }

    #[test]
    fn client_prefixes_and_client_secret_names() {
        assert_eq!(
            client_prefix("NEXT_PUBLIC_X").map(|p| p.0),
            Some("NEXT_PUBLIC_")
        );
        assert_eq!(client_prefix("PUBLIC_X").map(|p| p.0), Some("PUBLIC_"));
        assert_eq!(client_prefix("VITE_"), None);
        assert_eq!(client_prefix("next_public_x"), None);
        assert!(is_client_secret_name("STRIPE_SECRET_KEY"));
        assert!(is_client_secret_name("SUPABASE_SERVICE_ROLE_KEY"));
        assert!(!is_client_secret_name("MAPBOX_TOKEN"));
        assert!(!is_client_secret_name("SUPABASE_ANON_KEY"));
    }

    #[test]
    fn storybook_is_browser_exposed() {
        assert_eq!(
            client_prefix("STORYBOOK_API_KEY").map(|p| p.1),
            Some("Storybook")
        );
    }

    #[test]
    fn connection_strings_bear_credentials_without_being_secret_names() {
        for name in [
            "DATABASE_URL",
            "REDIS_URL",
            "MONGODB_URI",
            "MSSQL_DSN",
            "DB_PASSWORD",
        ] {
            assert!(is_credential_bearing_name(name), "{name}");
        }
        for name in [
            "API_URL",
            "CDN_URL",
            "SENTRY_DSN",
            "TOKENIZER_MODEL",
            "PORT",
        ] {
            assert!(!is_credential_bearing_name(name), "{name}");
        }
        assert!(!is_secret_name("DATABASE_URL"));
        assert!(!is_secret_name("TOKENIZER_MODEL"));
    }
}
