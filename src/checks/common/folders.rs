//! Folders that hold other people's code, version-control data or tool caches. Neither the
//! env check nor the bundle check looks inside them: an `.env` in `node_modules/pkg/` is a
//! package's, and `vendor/` is not this project's build output.
//!
//! Decision: one list for both checks (the bundle check's was a shorter copy). Framework
//! build folders (`.next`, `.nuxt`, `.svelte-kit`) are not here: they are exactly what the
//! bundle check reads, and only the env check, which never finds env files in them, skips
//! them too ([`BUILD_OUTPUT`]).

/// Dependencies, version control and tool caches.
pub const DEPENDENCIES: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    ".jj",
    "node_modules",
    "bower_components",
    "jspm_packages",
    ".pnpm-store",
    ".yarn",
    "vendor",
    ".venv",
    "venv",
    "__pycache__",
    ".tox",
    ".nox",
    "site-packages",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".terraform",
    ".gradle",
    ".m2",
    "Pods",
    "Carthage",
    ".bundle",
    ".cache",
    ".parcel-cache",
    ".turbo",
];

/// Framework build folders: build output for the bundle check, nothing for the env check.
pub const BUILD_OUTPUT: &[&str] = &[".next", ".nuxt", ".svelte-kit"];

/// Whether a folder of this name holds dependencies, VCS data or caches.
pub fn is_dependency_dir(name: &str) -> bool {
    DEPENDENCIES.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dependency_folders_are_pruned_and_build_output_is_not() {
        for name in [
            "node_modules",
            "vendor",
            ".git",
            ".venv",
            ".terraform",
            ".yarn",
        ] {
            assert!(is_dependency_dir(name), "{name}");
        }
        for name in [".next", "dist", "build", "src", "node_module"] {
            assert!(!is_dependency_dir(name), "{name}");
        }
    }
}
