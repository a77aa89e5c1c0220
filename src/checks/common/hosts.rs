//! Host names and addresses: what kind of place a URL points at. One classifier for every
//! check; each check decides what a kind means for it (a `.internal` name is fine in a
//! production env file, and broken in a browser bundle, because browsers cannot reach it).
//!
//! Decisions where the env and bundle checks used to differ, with the reason:
//! - `100.64.0.0/10` (carrier-grade NAT, Tailscale) is a private address: it is not routable
//!   on the internet (RFC 6598).
//! - `*.test` is a developer's name, not documentation: RFC 6761 reserves it for testing, and
//!   local setups (Laravel Valet, dnsmasq) use it for the app on the laptop. Only `.example`,
//!   `.invalid` and `example.com/net/org` are documentation ([`is_documentation_host`]).
//! - `*.lan` and `*.home.arpa` are home and office networks: developer names. `*.internal`,
//!   `*.cluster.local`, `*.corp` and `*.intranet` are where production's private hosts live
//!   (cloud private DNS zones, Kubernetes services): internal names. The env check therefore
//!   no longer calls `db.prod.internal` a development endpoint in production.
//! - Sandbox hosts: one list (both checks' entries); a name with a `sandbox` word is one too.
//! - `test`/`testing` in a subdomain mark a non-production host for both checks (the bundle
//!   check only knew staging/dev words), and words are split on `-` and `_` with trailing
//!   digits dropped (`api-dev2`, `staging_db`).
//! - A single-label name (`staging-db`, a compose service) is judged by its words; the last
//!   two labels of longer names are the registered domain and say nothing (`dev.to`).
//! - Public sites whose first label is an environment word (`dev.azure.com`) are public.

use std::net::IpAddr;

/// What kind of place a host is, for the endpoint checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostKind {
    /// `localhost`, `127.0.0.0/8`, `::1`, `*.localhost`.
    Loopback,
    /// `0.0.0.0` / `::` used as a destination.
    Unspecified,
    /// Docker Desktop's name for the developer's machine.
    DockerHost,
    /// `*.local` (mDNS), `*.test` (reserved for testing), `*.lan` and `*.home.arpa` (home and
    /// office networks): names that only resolve on a developer's own network.
    DeveloperName,
    /// Private or link-local address ranges.
    PrivateAddress,
    /// `*.internal`, `*.cluster.local`, `*.corp`, `*.intranet`: private names of a cloud or
    /// company network, which is where production's private hosts live.
    InternalName,
    /// A name whose words say staging/dev/test (`staging.example.com`, `api-dev.fly.dev`).
    NonProductionName(&'static str),
    /// A name whose words say production (`db.prod.example.com`).
    ProductionName(&'static str),
    /// A payment or API provider's sandbox (`api.sandbox.paypal.com`).
    Sandbox,
    /// Anything else: a public name or address.
    Other,
}

const NON_PRODUCTION_WORDS: &[&str] = &[
    "dev",
    "develop",
    "development",
    "staging",
    "stage",
    "stg",
    "test",
    "testing",
    "qa",
    "uat",
    "preprod",
];
const PRODUCTION_HOST_WORDS: &[&str] = &["prod", "production", "prd"];

/// Names that only resolve on a developer's machine or home/office network.
const DEVELOPER_SUFFIXES: &[&str] = &[".local", ".test", ".lan", ".home.arpa"];
/// Private names of cloud and company networks (GCP `*.internal`, AWS `ec2.internal`,
/// Kubernetes `svc.cluster.local`).
const INTERNAL_SUFFIXES: &[&str] = &[".internal", ".corp", ".intranet"];

/// Public hosts whose first label happens to be an environment word.
const PUBLIC_DEV_HOSTS: &[&str] = &[
    "dev.azure.com",
    "dev.w3.org",
    "dev.mysql.com",
    "dev.virtualearth.net",
    "dev.twitter.com",
    "dev.maxmind.com",
    "dev.socrata.com",
    "dev.office.com",
    "dev.visualstudio.com",
    "dev.chromium.org",
];

/// Hosts of well-known sandboxes whose names do not contain the word.
const SANDBOX_HOSTS: &[&str] = &[
    "apitest.authorize.net",
    "test.authorize.net",
    "checkout-test.adyen.com",
    "pal-test.adyen.com",
    "test.salesforce.com",
    "api.test.paypal.com",
];

/// What kind of place a lower-case host name or address (IPv6 with or without brackets) is.
pub fn classify(host: &str) -> HostKind {
    let unbracketed = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if let Ok(ip) = unbracketed.parse::<IpAddr>() {
        return ip_kind(ip);
    }
    let h = host.trim_end_matches('.');
    if PUBLIC_DEV_HOSTS.contains(&h) {
        return HostKind::Other;
    }
    if h == "localhost" || h.ends_with(".localhost") {
        return HostKind::Loopback;
    }
    if matches!(
        h,
        "host.docker.internal" | "gateway.docker.internal" | "host.containers.internal"
    ) {
        return HostKind::DockerHost;
    }
    if h.ends_with(".cluster.local") {
        return HostKind::InternalName;
    }
    if DEVELOPER_SUFFIXES.iter().any(|s| h.ends_with(s)) {
        return HostKind::DeveloperName;
    }
    if INTERNAL_SUFFIXES.iter().any(|s| h.ends_with(s)) {
        return HostKind::InternalName;
    }
    let words = host_words(h);
    if SANDBOX_HOSTS.contains(&h) || words.iter().any(|w| w.starts_with("sandbox")) {
        return HostKind::Sandbox;
    }
    if let Some(w) = NON_PRODUCTION_WORDS
        .iter()
        .find(|w| words.iter().any(|x| x == *w))
    {
        return HostKind::NonProductionName(w);
    }
    if words.windows(2).any(|p| p[0] == "pre" && p[1] == "prod") {
        return HostKind::NonProductionName("pre-prod");
    }
    if let Some(w) = PRODUCTION_HOST_WORDS
        .iter()
        .find(|w| words.iter().any(|x| x == *w))
    {
        return HostKind::ProductionName(w);
    }
    HostKind::Other
}

fn ip_kind(ip: IpAddr) -> HostKind {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            if v4.is_loopback() {
                HostKind::Loopback
            } else if v4.is_unspecified() {
                HostKind::Unspecified
            } else if v4.is_private() || v4.is_link_local() || (o[0] == 100 && (o[1] & 0xC0) == 64)
            {
                HostKind::PrivateAddress
            } else {
                HostKind::Other
            }
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            if v6.is_loopback() {
                HostKind::Loopback
            } else if v6.is_unspecified() {
                HostKind::Unspecified
            } else if (first & 0xFE00) == 0xFC00 || (first & 0xFFC0) == 0xFE80 {
                HostKind::PrivateAddress
            } else {
                HostKind::Other
            }
        }
    }
}

/// The words of a host name that describe the service rather than its registered domain:
/// the last two labels (name and top-level domain) are dropped, so `myapp.dev` or
/// `test-payments.com` is not "a dev host" but `api.staging.example.com` and a compose
/// service called `staging-db` are. Trailing digits are dropped (`dev2` is `dev`).
fn host_words(host: &str) -> Vec<String> {
    let labels: Vec<&str> = host.split('.').filter(|l| !l.is_empty()).collect();
    let keep = match labels.len() {
        1 => 1,
        n => n.saturating_sub(2),
    };
    labels[..keep]
        .iter()
        .flat_map(|l| l.split(['-', '_']))
        .map(|w| w.trim_end_matches(|c: char| c.is_ascii_digit()).to_string())
        .filter(|w| !w.is_empty())
        .collect()
}

/// Domains reserved for documentation (RFC 2606): never a real endpoint. The bundle check
/// skips them, because libraries compiled into a bundle are full of documentation examples.
pub fn is_documentation_host(host: &str) -> bool {
    let last = host.rsplit('.').next().unwrap_or_default();
    if matches!(last, "example" | "invalid") {
        return true;
    }
    ["example.com", "example.org", "example.net"]
        .iter()
        .any(|d| host == *d || host.ends_with(&format!(".{d}")))
}

/// Whether credentials for `host` (as written after a connection URL's `@`) open nothing
/// anyone else can reach: a database on the developer's own machine (loopback: `localhost`,
/// `127.0.0.0/8`, `::1`, `*.localhost`; `0.0.0.0`; Docker's name for the host machine; and,
/// inside a compose file (`path`, whose bytes are `data`), one of that file's own services),
/// or a host reserved for documentation (`redis.example.com`, `db.example`: RFC 2606, never a
/// real endpoint, which is what a README's `redis://alice:foobared@redis.example.com` is).
/// Such a password is a development default or an illustration, not a leak of anything
/// reachable: the engine rates it low (the rule's `local_severity`). Everything else, private
/// addresses included, stays as severe as the rule says.
pub fn opens_nothing_reachable(host: &str, path: &str, data: &[u8]) -> bool {
    let host = host.to_ascii_lowercase();
    if is_documentation_host(&host) {
        return true;
    }
    match classify(&host) {
        HostKind::Loopback | HostKind::Unspecified | HostKind::DockerHost => true,
        _ => !host.contains('.') && is_compose_file(path) && compose_services(data).contains(&host),
    }
}

/// Whether `path` names a Docker Compose file (`compose.yaml`, `docker-compose.override.yml`).
pub fn is_compose_file(path: &str) -> bool {
    let name = path
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(path)
        .to_ascii_lowercase();
    let stem = name
        .strip_suffix(".yml")
        .or_else(|| name.strip_suffix(".yaml"));
    stem.is_some_and(|stem| {
        ["compose", "docker-compose"]
            .iter()
            .any(|base| stem == *base || stem.starts_with(&format!("{base}.")))
    })
}

/// The service names of a compose file: the keys one level under a top-level `services:`.
/// Read line by line (a compose file is plain block YAML in practice); a file this does not
/// understand has no services, so nothing is rated lower for it.
fn compose_services(data: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(data);
    let mut services = Vec::new();
    let mut inside = false;
    let mut indent = None;
    for line in text.lines() {
        let content = line.trim_end();
        let trimmed = content.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let depth = content.len() - trimmed.len();
        if depth == 0 {
            inside = trimmed.split('#').next().map(str::trim_end) == Some("services:");
            indent = None;
            continue;
        }
        if !inside || *indent.get_or_insert(depth) != depth {
            continue;
        }
        if let Some(name) = trimmed.strip_suffix(':').or_else(|| {
            trimmed
                .split_once(':')
                .filter(|(_, rest)| rest.trim_start().starts_with('#'))
                .map(|(name, _)| name)
        }) {
            let name = name.trim().trim_matches(['"', '\'']);
            if !name.is_empty() {
                services.push(name.to_ascii_lowercase());
            }
        }
    }
    services
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_kinds() {
        use HostKind::*;
        let cases = [
            ("localhost", Loopback),
            ("127.0.0.2", Loopback),
            ("::1", Loopback),
            ("app.localhost", Loopback),
            ("0.0.0.0", Unspecified),
            ("host.docker.internal", DockerHost),
            ("mybox.local", DeveloperName),
            ("api.test", DeveloperName),
            ("10.1.2.3", PrivateAddress),
            ("172.20.0.1", PrivateAddress),
            ("192.168.1.10", PrivateAddress),
            ("fd00::1", PrivateAddress),
            ("db.svc.cluster.local", InternalName),
            ("ip-10-0-0-1.ec2.internal", InternalName),
            // Decisions (see the module documentation).
            ("100.64.0.7", PrivateAddress),
            ("100.127.255.1", PrivateAddress),
            ("100.128.0.1", Other),
            ("myapp.test", DeveloperName),
            ("nas.lan", DeveloperName),
            ("printer.home.arpa", DeveloperName),
            ("db.prod.internal", InternalName),
            ("gitlab.corp", InternalName),
            ("[::1]", Loopback),
            ("[fd12::1]", PrivateAddress),
            ("dev.azure.com", Other),
            ("api.test.example.com", NonProductionName("test")),
            ("staging-db", NonProductionName("staging")),
            ("staging_db.acme.io", NonProductionName("staging")),
            ("checkout-test.adyen.com", Sandbox),
            ("dev.to", Other),
            ("staging.example.com", NonProductionName("staging")),
            ("api-dev2.example.com", NonProductionName("dev")),
            ("myapp-dev.fly.dev", NonProductionName("dev")),
            ("db.pre-prod.example.com", NonProductionName("pre-prod")),
            ("db.prod.example.com", ProductionName("prod")),
            ("api.sandbox.paypal.com", Sandbox),
            ("apitest.authorize.net", Sandbox),
            ("myapp.dev", Other),
            ("test-payments.com", Other),
            ("devices.example.com", Other),
            ("8.8.8.8", Other),
        ];
        for (host, want) in cases {
            assert_eq!(classify(host), want, "{host}");
        }
    }

    #[test]
    fn hosts_that_open_nothing_reachable() {
        let compose = b"version: '3'\nservices:\n  db:\n    image: postgres\n  cache: # redis\n    image: redis\nvolumes:\n  data:\n";
        let cases: [(&str, &str, &[u8], bool); 19] = [
            ("localhost", ".env", b"", true),
            ("LOCALHOST", ".env", b"", true),
            ("127.0.0.1", ".env", b"", true),
            ("[::1]", ".env", b"", true),
            ("::1", ".env", b"", true),
            ("app.localhost", ".env", b"", true),
            ("host.docker.internal", ".env", b"", true),
            ("0.0.0.0", ".env", b"", true),
            ("db", "docker-compose.yml", compose, true),
            ("cache", "deploy/compose.override.yaml", compose, true),
            // Documentation hosts: a README's example connection string.
            ("redis.example.com", "README.md", b"", true),
            ("DB.EXAMPLE", "src/db.ts", b"", true),
            // Negative: remote and private hosts, names that only look local, a service name
            // outside a compose file, and a name the compose file does not define.
            ("db.prod.acme.io", ".env", b"", false),
            ("example.com.evil.io", ".env", b"", false),
            ("10.0.3.17", ".env", b"", false),
            ("localhost.evil.io", ".env", b"", false),
            ("db", ".env", compose, false),
            ("data", "docker-compose.yml", compose, false),
            ("db", "docker-compose.yml", b"services: {}\n", false),
        ];
        for (host, path, data, want) in cases {
            assert_eq!(
                opens_nothing_reachable(host, path, data),
                want,
                "{host} in {path}"
            );
        }
    }

    #[test]
    fn compose_file_names() {
        for path in [
            "compose.yaml",
            "a/docker-compose.yml",
            "docker-compose.dev.yaml",
        ] {
            assert!(is_compose_file(path), "{path}");
        }
        for path in [
            "composer.json",
            "compose.yaml.bak",
            "my-compose.yml",
            "docker-compose",
        ] {
            assert!(!is_compose_file(path), "{path}");
        }
    }

    #[test]
    fn documentation_hosts() {
        for host in ["example.com", "api.example.org", "x.example", "a.invalid"] {
            assert!(is_documentation_host(host), "{host}");
        }
        for host in ["myapp.test", "notexample.com", "example.com.evil.io"] {
            assert!(!is_documentation_host(host), "{host}");
        }
    }
}
