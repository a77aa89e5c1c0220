//! The categories rules are counted under (`leakgate rules list --stats`), from their tags.
//!
//! A rule's first tag names its provider (`mailgun`); the others say what kind of service it
//! is (`email`), in the words each rule file chose. This table maps those words to the few
//! categories a reader scans for ("do they know my payment provider?"), in one place, so a new
//! rule file that uses a new word fails the built-in test until the word is placed here.

use super::Rule;

/// Categories in the order they are listed, each with the tags that put a rule in it.
pub const CATEGORIES: &[(&str, &[&str])] = &[
    ("AI and ML", &["ai"]),
    (
        "Cloud platforms",
        &[
            "cloud",
            "azure",
            "google",
            "paas",
            "virtualization",
            "iac",
            "terraform",
        ],
    ),
    (
        "Hosting, CDN and network",
        &["hosting", "cdn", "dns", "network", "vpn", "tls"],
    ),
    (
        "Databases and storage",
        &[
            "database",
            "storage",
            "data",
            "redis",
            "postgres",
            "mysql",
            "mongodb",
            "sqlserver",
            "jdbc",
            "search",
        ],
    ),
    (
        "Payments and finance",
        &[
            "payments",
            "finance",
            "banking",
            "tax",
            "braintree",
            "crypto",
            "kyc",
        ],
    ),
    (
        "Email, SMS and chat",
        &[
            "email",
            "mail",
            "sms",
            "chat",
            "messaging",
            "push",
            "notifications",
            "realtime",
        ],
    ),
    (
        "Auth and identity",
        &["identity", "oauth", "auth", "mfa", "entra", "jwt"],
    ),
    (
        "Observability",
        &["monitoring", "logging", "incident-management", "incident"],
    ),
    (
        "CI/CD, source and packages",
        &[
            "ci",
            "gitlab",
            "github",
            "vcs",
            "packages",
            "supply-chain",
            "devops",
            "containers",
            "kubernetes",
            "bitbucket",
        ],
    ),
    (
        "Security and secret stores",
        &[
            "security",
            "secrets-manager",
            "vault",
            "hashicorp",
            "threat-intel",
            "edr",
            "mdm",
            "sops",
            "encrypted",
        ],
    ),
    (
        "Private keys",
        &["private-key", "rsa", "ec", "dsa", "pgp", "age", "ssh"],
    ),
    (
        "Business apps",
        &[
            "productivity",
            "crm",
            "cms",
            "support",
            "ecommerce",
            "jira",
            "confluence",
            "youtrack",
        ],
    ),
    (
        "Marketing, analytics and social",
        &["marketing", "analytics", "social", "media"],
    ),
    ("Feature flags", &["feature-flags"]),
    (
        "Maps, location and shipping",
        &["maps", "geolocation", "weather", "shipping"],
    ),
    ("Webhooks", &["webhook"]),
    (
        "Other APIs",
        &[
            "scraping",
            "captcha",
            "api-marketplace",
            "api",
            "api-key",
            "url",
        ],
    ),
    ("Generic", &["generic"]),
];

/// Where a rule is counted when none of its tags is in [`CATEGORIES`].
pub const OTHER: &str = "Other";

/// The category of `rule`: the first of its kind tags (after the provider) that the table
/// knows, else the provider tag itself when it is a category word (`generic`), else [`OTHER`].
pub fn category(rule: &Rule) -> &'static str {
    let tags = &rule.spec.tags;
    tags.iter()
        .skip(1)
        .chain(tags.first())
        .find_map(|tag| {
            CATEGORIES
                .iter()
                .find(|(_, words)| words.contains(&tag.as_str()))
                .map(|(name, _)| *name)
        })
        .unwrap_or(OTHER)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleSet;

    #[test]
    fn every_builtin_rule_has_a_category() {
        let rules = RuleSet::builtin().unwrap();
        let uncategorised: Vec<String> = rules
            .rules()
            .iter()
            .filter(|r| category(r) == OTHER)
            .map(|r| format!("{} {:?}", r.id(), r.spec.tags))
            .collect();
        assert!(
            uncategorised.is_empty(),
            "put one of these rules' tags in rules::category::CATEGORIES:\n{}",
            uncategorised.join("\n")
        );
    }

    #[test]
    fn the_kind_tag_decides_not_the_provider() {
        let mut set = RuleSet::default();
        set.add_yaml(
            "t",
            r#"
rules:
  - id: a
    name: A
    description: A.
    severity: high
    keywords: [aaa_]
    regex: '(?P<secret>aaa_[a-z]{8})'
    tags: [google, ai]
    examples: ['aaa_abcdefgh']
    negative_examples: ['aaa_']
  - id: b
    name: B
    description: B.
    severity: high
    keywords: [bbb_]
    regex: '(?P<secret>bbb_[a-z]{8})'
    tags: [acme]
    examples: ['bbb_abcdefgh']
    negative_examples: ['bbb_']
"#,
        )
        .unwrap();
        assert_eq!(category(set.get(0)), "AI and ML");
        assert_eq!(category(set.get(1)), OTHER);
    }
}
