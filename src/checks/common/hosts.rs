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
    fn documentation_hosts() {
        for host in ["example.com", "api.example.org", "x.example", "a.invalid"] {
            assert!(is_documentation_host(host), "{host}");
        }
        for host in ["myapp.test", "notexample.com", "example.com.evil.io"] {
            assert!(!is_documentation_host(host), "{host}");
        }
    }
}
