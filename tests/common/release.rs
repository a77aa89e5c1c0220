//! The startup repository the release-audit tests (`tests/audit.rs`, `tests/audit_browser.rs`)
//! audit: what a small team's repository looks like the week before a first customer. A GitHub
//! token committed in a config file and removed a commit later (history only; the removing
//! commit's message quotes it), a live Stripe
//! key still in a server file at `HEAD`, env files for local, staging and production (the
//! database password shared by staging and production, a Stripe test key in production, the
//! real files committed by mistake), and a built client bundle (`dist/`, git-ignored as builds
//! are) with another live key compiled into it. Every token is generated at test time from its
//! provider's documented format; the repository lives in a temporary folder.
#![allow(dead_code)]

use crate::common::{Tokens, git, write};
use std::path::Path;

pub struct Release {
    pub dir: tempfile::TempDir,
    /// Every planted secret, named by what it is: none of them may appear in any output.
    pub secrets: Vec<(&'static str, String)>,
    /// The commit that added the GitHub token, and the one that removed it.
    pub leaked_in: String,
    pub removed_in: String,
    /// Who committed the token, as git records it.
    pub author: &'static str,
}

impl Release {
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn secret(&self, name: &str) -> &str {
        self.secrets
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, s)| s.as_str())
            .unwrap_or_else(|| panic!("no planted secret named {name}"))
    }
}

/// A password-like value: letters and digits only, so no rule but the URL rule sees it.
fn password(t: &mut Tokens) -> String {
    t.base62(20)
}

/// A developer's local database password (built at run time: the repository's own self-scan
/// would otherwise find it).
fn dev_password() -> String {
    ["dev", "pass"].concat()
}

/// Commits everything in `root` as the given author on the given day.
fn commit(root: &Path, author: &str, date: &str, message: &str) -> String {
    git(root, &["add", "-A"]);
    git(
        root,
        &[
            "commit", "-q", "--author", author, "--date", date, "-m", message,
        ],
    );
    git(root, &["rev-parse", "HEAD"])
}

pub fn startup() -> Release {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    let mut t = Tokens::new(1507);
    let github = t.github_pat();
    let stripe_server = t.stripe_live();
    let stripe_bundle = t.stripe_live();
    let stripe_test_prod = t.stripe_test();
    let stripe_test_local = t.stripe_test();
    let db_password = password(&mut t);
    let author = "Dana Founder <dana@acme-startup.test>";

    git(root, &["init", "-q"]);
    write(root, ".gitignore", "node_modules/\ndist/\n.env\n");
    write(
        root,
        "package.json",
        r#"{"name":"acme-shop","private":true,"scripts":{"build":"vite build"}}"#,
    );
    write(
        root,
        "src/config.js",
        format!("export const githubToken = \"{github}\";\nexport const apiBase = \"/api\";\n"),
    );
    let leaked_in = commit(root, author, "2024-01-15T09:00:00Z", "Add deploy config");

    write(
        root,
        "src/config.js",
        "export const githubToken = process.env.GITHUB_TOKEN;\nexport const apiBase = \"/api\";\n",
    );
    // The message that removes the token quotes it, as people do: repository text (a commit
    // summary in the findings and in the inventory's departures) that must be redacted too.
    let removed_in = commit(
        root,
        author,
        "2024-02-01T17:30:00Z",
        &format!("Read the deploy token from the environment, not {github}"),
    );

    write(
        root,
        "server/payments.js",
        format!(
            "const Stripe = require(\"stripe\");\nconst stripe = Stripe(\"{stripe_server}\");\n\
             module.exports = stripe;\n"
        ),
    );
    write(
        root,
        ".env.example",
        "DATABASE_URL=postgres://app:changeme@localhost:5432/app\nSTRIPE_SECRET_KEY=\n\
         PUBLIC_API_URL=\n",
    );
    write(
        root,
        ".env.staging",
        format!(
            "DATABASE_URL=postgres://app:{db_password}@db.staging.acme-shop.io:5432/app\n\
             STRIPE_SECRET_KEY=\nPUBLIC_API_URL=https://staging.acme-shop.io\n"
        ),
    );
    write(
        root,
        ".env.production",
        format!(
            "DATABASE_URL=postgres://app:{db_password}@db.prod.acme-shop.io:5432/app\n\
             STRIPE_SECRET_KEY={stripe_test_prod}\nPUBLIC_API_URL=https://acme-shop.io\n"
        ),
    );
    commit(
        root,
        "Sam Backend <sam@acme-startup.test>",
        "2024-03-10T11:00:00Z",
        "Payments and deploy settings",
    );

    // Not committed: the developer's own env file and the build output.
    write(
        root,
        ".env",
        format!(
            "DATABASE_URL=postgres://app:{}@localhost:5432/app\n\
             STRIPE_SECRET_KEY={stripe_test_local}\nPUBLIC_API_URL=http://localhost:3000\n",
            dev_password()
        ),
    );
    write(
        root,
        "dist/index.html",
        "<!doctype html><html><head><script type=\"module\" src=\"/assets/index-Bq7xZ1.js\">\
         </script></head><body><div id=\"app\"></div></body></html>\n",
    );
    write(
        root,
        "dist/assets/index-Bq7xZ1.js",
        format!(
            "const env={{MODE:\"production\",PUBLIC_API_URL:\"https://acme-shop.io\"}};\
             const pay=()=>fetch(\"/api/pay\",{{headers:{{Authorization:\"Bearer {stripe_bundle}\"}}}});\
             export{{pay,env}};\n"
        ),
    );

    Release {
        dir,
        secrets: vec![
            ("github token (history only)", github),
            ("stripe live key (server, HEAD)", stripe_server),
            ("stripe live key (client bundle)", stripe_bundle),
            ("stripe test key (production)", stripe_test_prod),
            ("stripe test key (local)", stripe_test_local),
            ("database password (staging and production)", db_password),
        ],
        leaked_in,
        removed_in,
        author: "Dana Founder",
    }
}

/// No planted secret, nor any eight characters of one beyond its provider's documented public
/// prefix (a preview shows at most four), anywhere in `bytes`.
pub fn assert_no_secret(release: &Release, what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    for (name, secret) in &release.secrets {
        let body = ["ghp_", "sk_live_", "sk_test_"]
            .iter()
            .find_map(|prefix| secret.strip_prefix(prefix))
            .unwrap_or(secret);
        for start in 0..=body.len().saturating_sub(8) {
            let part = &body[start..(start + 8).min(body.len())];
            assert!(
                !text.contains(part),
                "{what}: part of the {name} ({part}) is in the output"
            );
        }
    }
}
