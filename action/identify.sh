#!/bin/sh
# Says which leakgate a source tree builds, as `key=value` lines for $GITHUB_OUTPUT:
#   version  the crate version in Cargo.toml (the release tag is v<version>)
#   source   SHA-256 over the paths and contents of everything the binary is built from
#            (Cargo.toml, Cargo.lock, build.rs, src/, rules/), in byte order
#   ref      the action's ref (ACTION_REF), reduced to characters a cache key accepts
#   rust     the Rust toolchain a source build uses (LEAKGATE_RUST)
#
# Why the source hash: the action's cache key cannot use hashFiles() (it ignores paths outside
# the workspace, where `uses: leakgate/leakgate@v1` puts the action), and a version or a branch
# name does not change with every fix. The release workflow publishes the same hash, so the
# action downloads a release binary only when it was built from exactly these sources.
#
# Usage: identify.sh [DIR]   (default: the directory above this script)
set -eu

dir=${1:-$(dirname "$0")/..}
cd "$dir"

if command -v sha256sum >/dev/null 2>&1; then
  sum="sha256sum"
else
  sum="shasum -a 256"
fi

# The [package] version: the first `version = "..."` line of Cargo.toml.
version=$(sed -n 's/^version *= *"\([^"]*\)" *$/\1/p' Cargo.toml | head -n 1)
if ! printf '%s' "$version" | grep -Eq '^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$'; then
  echo "leakgate: no version in $dir/Cargo.toml" >&2
  exit 1
fi

# One line per file, `<sha256>  <path>`, sorted by path; the hash of those lines is the hash of
# the tree. File modes and timestamps do not count: only what the compiler reads.
# \$sum is split on purpose (`shasum -a 256`).
# shellcheck disable=SC2086
source=$(
  find Cargo.toml Cargo.lock build.rs src rules -type f -print | LC_ALL=C sort | tr '\n' '\0' |
    xargs -0 $sum | $sum | cut -d' ' -f1
)

# A ref may hold characters a cache key refuses (a comma) and be long; keep it readable.
ref=$(printf '%s' "${ACTION_REF:-local}" | tr -c 'A-Za-z0-9._/-' '_' | cut -c1-64)

echo "version=$version"
echo "source=$source"
echo "ref=${ref:-local}"
echo "rust=${LEAKGATE_RUST:-stable}"
