//! What the bundle check reports: one [`BundleRule`] per kind of finding, each with its entry
//! in [`CHECKS`] (id, name, highest severity, advice). The same shape as the env check's
//! `rules.rs`; the registry in `checks/mod.rs` lists both.

use crate::checks::Check;
use crate::finding::Severity;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BundleRule {
    Secret,
    TestKey,
    DevEndpoint,
    SourceMap,
    EnvDump,
}

impl BundleRule {
    pub const ALL: [BundleRule; 5] = [
        BundleRule::Secret,
        BundleRule::TestKey,
        BundleRule::DevEndpoint,
        BundleRule::SourceMap,
        BundleRule::EnvDump,
    ];

    /// This rule's entry in [`CHECKS`].
    pub fn check(self) -> &'static Check {
        &CHECKS[self as usize]
    }

    pub fn id(self) -> &'static str {
        self.check().id
    }
}

/// What each bundle check reports, in [`BundleRule::ALL`] order.
pub const CHECKS: [Check; 5] = [
    Check {
        id: "bundle-secret",
        name: "Secret in client-visible build output",
        severity: Severity::Critical,
        description: "A secret was compiled into JavaScript, HTML or a source map that is served to \
                 every visitor's browser, so anyone can read it. Rotate the secret now. Then move \
                 the call that needs it behind a server route or function that reads it from a \
                 server-only environment variable (never one with a public prefix such as VITE_, \
                 NEXT_PUBLIC_ or REACT_APP_), and rebuild. Keys that are publishable by design \
                 (Stripe pk_live_, Firebase web and Google Maps browser keys) are reported as \
                 info: restrict them by HTTP referrer and API instead.",
        tags: &["bundle"],
    },
    Check {
        id: "bundle-test-key",
        name: "Test or sandbox key in production build output",
        severity: Severity::Medium,
        description: "The production build contains a test-mode or sandbox key or endpoint, so the \
                 live site talks to a test account (payments do not go through), and a secret \
                 test key lets anyone act on that account. Build with the production \
                 environment's configuration (check which env file the CI build step loads) and \
                 rotate any secret test key (sk_test_, rk_test_) that shipped.",
        tags: &["bundle"],
    },
    Check {
        id: "bundle-dev-endpoint",
        name: "Development endpoint in production build output",
        severity: Severity::Medium,
        description: "The production build points at localhost, a private-network address, a \
                 local-network name or a staging/development host. Visitors' browsers cannot \
                 reach it, so the feature is broken for them, and it tells everyone about \
                 internal infrastructure. Set the API base URL from the production environment \
                 at build time, and make sure the CI build uses the production env file.",
        tags: &["bundle"],
    },
    Check {
        id: "bundle-source-map-published",
        name: "Source map published with the client build",
        severity: Severity::Medium,
        description: "A source map is served with the client build, so anyone can download the \
                 original source code, comments included. Upload source maps to your error \
                 tracker privately and leave them out of what is deployed: Vite build.sourcemap \
                 'hidden', webpack devtool 'hidden-source-map', Next.js \
                 productionBrowserSourceMaps false, or delete *.map after the upload step.",
        tags: &["bundle"],
    },
    Check {
        id: "bundle-env-dump",
        name: "Environment variables inlined into client build output",
        severity: Severity::Critical,
        description: "An object holding many environment variables (typically a serialised \
                 process.env from a define/DefinePlugin setting) is compiled into client code, \
                 so every variable of the build machine, secrets included, ships to every \
                 browser. Inline only the few public variables the client needs \
                 (import.meta.env.VITE_*, process.env.NEXT_PUBLIC_*), rotate every secret the \
                 build environment held, and rebuild.",
        tags: &["bundle"],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_follows_the_enum() {
        for rule in BundleRule::ALL {
            assert!(rule.id().starts_with("bundle-"));
            assert_eq!(
                BundleRule::ALL
                    .iter()
                    .filter(|r| r.id() == rule.id())
                    .count(),
                1
            );
        }
    }
}
