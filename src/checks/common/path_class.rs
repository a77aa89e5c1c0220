//! What kind of file a path names when it is not code that runs: a test fixture, an example or
//! sample, documentation, or a translation. A secret rule's finding in such a file is lowered,
//! not dropped (`scan::lowering`), because that is where third-party code keeps its made-up keys
//! (a test certificate, a README's `redis://alice:foobared@...`, a `.env.example`), while a real
//! key pasted there is still a leak worth a failing default gate.
//!
//! Decided from the path alone, once, for every source: a working-tree file, a blob in history
//! (at the path history found it under), an archive entry (`outer.zip!tests/key.pem`) and a
//! stream's name are classified the same way. Folder names are compared without case; the
//! first class found, in the order of [`PathClass`], wins.
//!
//! Decisions, each from what the differential benchmark's corpora hold (docs/differential.md):
//! - A folder anywhere in the path counts (`node_modules/pkg/test/key.pem` is a fixture of
//!   `pkg`), and so does the file's own name (`client.test.ts`, `test_api.py`, `README.md`).
//! - `*.txt` is not documentation: `secrets.txt` and `credentials.txt` are where people put
//!   real keys. `*.template` is not a sample: templates are filled in and deployed.
//! - A file named for a locale (`fr.json`, `pt-BR.yml`, `messages_de.properties`) is a
//!   translation only inside a translation folder or with a translation extension (`.po`): a
//!   bare `id.json` or `ca.json` elsewhere can be anything.

/// Why a path is not code that ships.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathClass {
    /// Tests and their data: `test/`, `__fixtures__/`, `testdata/`, `*.spec.ts`, `*_test.go`.
    TestFixture,
    /// Examples and samples: `examples/`, `demo/`, `*.example`, `*.sample`, `env.sample`.
    Example,
    /// Documentation: `docs/`, `*.md`, `*.rst`, `*.adoc`, `README`.
    Documentation,
    /// Translations: `locales/`, `i18n/`, `lang/fr.json`, `*.po`, `*.xliff`.
    Translation,
}

impl PathClass {
    /// Where the finding is, for a message: "in a test fixture".
    pub fn place(self) -> &'static str {
        match self {
            PathClass::TestFixture => "in a test fixture",
            PathClass::Example => "in an example or sample",
            PathClass::Documentation => "in documentation",
            PathClass::Translation => "in a translation file",
        }
    }
}

/// Folders holding tests and their data.
const TEST_DIRS: &[&str] = &[
    "test",
    "tests",
    "__tests__",
    "__test__",
    "spec",
    "specs",
    "e2e",
    "fixtures",
    "fixture",
    "__fixtures__",
    "__mocks__",
    "mocks",
    "__snapshots__",
    "testdata",
    "test-data",
    "test_data",
    "testfiles",
    "test-fixtures",
    "testutil",
    "testutils",
    "cypress",
    "playwright",
];

/// Folders holding examples and samples.
const EXAMPLE_DIRS: &[&str] = &[
    "example",
    "examples",
    "sample",
    "samples",
    "demo",
    "demos",
    "_examples",
];

/// Folders holding documentation. (Not `website/`: in a monorepo that is a site that ships.)
const DOC_DIRS: &[&str] = &["docs", "doc", "documentation", "man", "_docs"];

/// Folders holding translations.
const TRANSLATION_DIRS: &[&str] = &[
    "locales",
    "locale",
    "i18n",
    "l10n",
    "lang",
    "langs",
    "languages",
    "translations",
    "_locales",
];

/// Extensions of documentation files.
const DOC_EXTENSIONS: &[&str] = &[
    "md", "markdown", "mdx", "rst", "adoc", "asciidoc", "textile", "pod",
];

/// Extensions of translation catalogues (gettext, XLIFF, Apple strings, Qt).
const TRANSLATION_EXTENSIONS: &[&str] = &["po", "pot", "xliff", "xlf", "strings", "ts.xml"];

/// The class of the file at `path` (`/`-separated, relative or not; `!` separates an archive
/// from its entries), or `None` for a file that may ship.
pub fn classify(path: &str) -> Option<PathClass> {
    let lower = path.to_ascii_lowercase();
    let mut parts: Vec<&str> = lower
        .split(['/', '\\', '!'])
        .filter(|p| !p.is_empty())
        .collect();
    let name = parts.pop()?;
    let of_dirs = |class: PathClass| parts.iter().any(|d| of_folder(d) == Some(class));
    let by_name = [
        (PathClass::TestFixture, is_test_file(name)),
        (PathClass::Example, is_sample_file(name)),
        (PathClass::Documentation, is_doc_file(name)),
        (PathClass::Translation, is_translation_file(name)),
    ];
    by_name
        .into_iter()
        .find(|&(class, named)| named || of_dirs(class))
        .map(|(class, _)| class)
}

/// The class of everything inside a folder of this name (compared without case): `tests` holds
/// fixtures, `docs` documentation. The launch checks skip such folders too.
pub fn of_folder(name: &str) -> Option<PathClass> {
    // The lists are lower case (a test holds them so): compared without building a lower-case
    // copy, since the launch checks ask this of every folder of every file a walk reads.
    FOLDER_CLASSES
        .into_iter()
        .find(|(_, dirs)| dirs.iter().any(|d| d.eq_ignore_ascii_case(name)))
        .map(|(class, _)| class)
}

/// The folder lists [`of_folder`] reads, in the order it tries them.
const FOLDER_CLASSES: [(PathClass, &[&str]); 4] = [
    (PathClass::TestFixture, TEST_DIRS),
    (PathClass::Example, EXAMPLE_DIRS),
    (PathClass::Documentation, DOC_DIRS),
    (PathClass::Translation, TRANSLATION_DIRS),
];

/// `foo.test.ts`, `foo.spec.js`, `foo_test.go`, `test_foo.py`, `conftest.py`, `foo_spec.rb`,
/// `foo.stories.tsx`. (Java and C# tests live in `src/test/` and `*.Tests/` folders; a
/// `*Test.java` rule would also take `Latest.java`.)
fn is_test_file(name: &str) -> bool {
    let stem = name.split_once('.').map_or(name, |(s, _)| s);
    let inner = name.rsplit_once('.').map_or(name, |(s, _)| s);
    [".test", ".spec", ".e2e", ".stories"]
        .iter()
        .any(|mark| inner.ends_with(mark))
        || stem.starts_with("test_")
        || stem.ends_with("_test")
        || stem.ends_with("_tests")
        || stem.ends_with("_spec")
        || stem == "conftest"
}

/// `.env.example`, `env.sample`, `config.example.yml`, `example.env`, `settings.sample.json`.
fn is_sample_file(name: &str) -> bool {
    name.split('.')
        .any(|part| matches!(part, "example" | "sample" | "examples" | "samples"))
}

/// `README`, `README.md`, `CHANGELOG.rst`, `guide.adoc`.
fn is_doc_file(name: &str) -> bool {
    let (stem, extension) = name.rsplit_once('.').unwrap_or((name, ""));
    DOC_EXTENSIONS.contains(&extension) || (extension.is_empty() && stem == "readme")
}

/// `fr.po`, `messages.pot`, `app.xliff`, `Localizable.strings`, and Spring's resource bundles
/// (`messages_fr.properties`, `messages_pt_BR.properties`; `messages.properties` is the
/// default language's).
fn is_translation_file(name: &str) -> bool {
    let catalogue = TRANSLATION_EXTENSIONS
        .iter()
        .any(|e| name.strip_suffix(e).is_some_and(|stem| stem.ends_with('.')));
    catalogue
        || name.strip_suffix(".properties").is_some_and(|stem| {
            stem == "messages"
                || stem.strip_prefix("messages_").is_some_and(|locale| {
                    locale.split('_').all(|w| {
                        (2..=3).contains(&w.len()) && w.bytes().all(|b| b.is_ascii_alphabetic())
                    })
                })
        })
}

#[cfg(test)]
mod tests {
    use super::PathClass::*;
    use super::*;

    /// `of_folder` compares names ASCII case-insensitively with the lists as written, which
    /// is lower-casing the name and comparing only while every entry is lower case.
    #[test]
    fn the_folder_lists_are_lower_case() {
        for (_, dirs) in FOLDER_CLASSES {
            for dir in dirs {
                assert_eq!(*dir, dir.to_ascii_lowercase());
            }
        }
        assert_eq!(of_folder("Tests"), Some(TestFixture));
        assert_eq!(of_folder("DOCS"), Some(Documentation));
        assert_eq!(of_folder("testsx"), None);
    }

    #[test]
    fn each_path_has_one_class() {
        let cases: &[(&str, Option<PathClass>)] = &[
            // Code and configuration that ships.
            ("src/config.js", None),
            ("app/settings/production.py", None),
            (".env", None),
            (".env.production", None),
            ("deploy/secrets.txt", None),
            ("config/credentials.yml.template", None),
            ("dist/assets/index-abc.js", None),
            ("src/latest.rs", None),
            ("src/contest.py", None),
            ("lib/attestation.go", None),
            ("src/id.json", None),
            ("ca.json", None),
            ("config/application.properties", None),
            ("src/main/resources/application_prod.properties", None),
            ("src/docsify.js", None),
            ("website/src/pages/index.tsx", None),
            // Tests and their data, in any package.
            ("tests/test_api.py", Some(TestFixture)),
            ("node_modules/jsonwebtoken/test/priv.pem", Some(TestFixture)),
            ("crates/foo-1.0/tests/data/key.pem", Some(TestFixture)),
            ("pkg/testdata/creds.json", Some(TestFixture)),
            ("e2e/Playwright/login.ts", Some(TestFixture)),
            ("src/__fixtures__/env.ts", Some(TestFixture)),
            ("src/client.test.ts", Some(TestFixture)),
            ("src/client.spec.js", Some(TestFixture)),
            ("auth/token_test.go", Some(TestFixture)),
            ("app/test_views.py", Some(TestFixture)),
            ("conftest.py", Some(TestFixture)),
            ("src/test/java/AuthTest.java", Some(TestFixture)),
            ("src/main/java/Latest.java", None),
            ("spec/models/user_spec.rb", Some(TestFixture)),
            ("Src/Test/Keys.cs", Some(TestFixture)),
            ("bundle.zip!tests/key.pem", Some(TestFixture)),
            // Examples and samples.
            ("examples/basic/main.rs", Some(Example)),
            (".env.example", Some(Example)),
            ("env.sample", Some(Example)),
            ("config/database.example.yml", Some(Example)),
            ("example.env", Some(Example)),
            ("demo/index.html", Some(Example)),
            // Documentation.
            ("README.md", Some(Documentation)),
            ("README", Some(Documentation)),
            ("docs/setup.html", Some(Documentation)),
            ("CHANGELOG.rst", Some(Documentation)),
            ("guide/install.adoc", Some(Documentation)),
            ("node_modules/redis/README.md", Some(Documentation)),
            // Translations.
            ("public/locales/fr/common.json", Some(Translation)),
            ("src/i18n/de.json", Some(Translation)),
            ("lang/fr.json", Some(Translation)),
            ("po/fr.po", Some(Translation)),
            ("messages.pot", Some(Translation)),
            ("Resources/Localizable.strings", Some(Translation)),
            (
                "src/main/resources/messages_fr.properties",
                Some(Translation),
            ),
            (
                "src/main/resources/messages_pt_BR.properties",
                Some(Translation),
            ),
            ("src/main/resources/application_dev.properties", None),
            // The first class wins: a README inside a test folder is a fixture.
            ("test/fixtures/README.md", Some(TestFixture)),
            ("examples/docs/guide.md", Some(Example)),
        ];
        for (path, class) in cases {
            assert_eq!(classify(path), *class, "{path}");
        }
    }

    #[test]
    fn hostile_paths_are_classified_without_panicking() {
        for path in [
            "",
            "/",
            "!",
            ".",
            "..",
            "a/",
            "\u{0}/test",
            "é/ü.md",
            "messages_.properties",
            "_fr.properties",
            ".po",
        ] {
            let _ = classify(path);
        }
        let deep = "test/".repeat(100_000) + "key.pem";
        assert_eq!(classify(&deep), Some(TestFixture));
        let long = "a".repeat(1 << 20);
        assert_eq!(classify(&long), None);
    }
}
