#!/bin/sh
# Installs a released leakgate binary, verified against the release's SHA256SUMS.
#
#   curl -sSfL https://raw.githubusercontent.com/leakgate/leakgate/v0.1.0/action/install.sh | sh -s -- v0.1.0
#   sh install.sh [--to DIR] [--source-hash HEX] VERSION
#
# VERSION is a release tag (v0.1.0) or version (0.1.0). The binary goes to DIR/leakgate
# (default: $LEAKGATE_INSTALL_DIR, else ~/.local/bin). --source-hash (the action's) installs only
# a release built from exactly those sources (see identify.sh).
#
# Environment:
#   LEAKGATE_BASE_URL  where releases are: <base>/<tag>/<file>. An https:// URL, a file:// URL
#                      or a local directory (mirrors, tests). Default: GitHub releases.
#   LEAKGATE_TARGET    the target triple to install (default: this machine's).
#
# Exit codes:
#   0  installed, SHA-256 verified
#   1  refused: the download does not match its checksum (corrupted or tampered), nothing to
#      verify with, bad arguments, or the install itself failed. Never installs an unverified
#      binary.
#   3  no release matches: no such release, no binary for this platform, a download failed,
#      or the release was built from other sources. Build from source instead (the action does).
set -eu

# All in one function, called on the last line: a download cut short (`curl ... | sh`) runs
# nothing.
main() {

  say() { echo "leakgate install: $*" >&2; }
  refuse() {
    say "$*"
    exit 1
  }
  no_release() {
    say "$*"
    exit 3
  }

  base=${LEAKGATE_BASE_URL:-https://github.com/leakgate/leakgate/releases/download}
  dest=${LEAKGATE_INSTALL_DIR:-${HOME:-}/.local/bin}
  source_hash=""
  version=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --to)
        [ $# -ge 2 ] || refuse "--to needs a directory"
        dest=$2
        shift 2
        ;;
      --source-hash)
        [ $# -ge 2 ] || refuse "--source-hash needs a value"
        source_hash=$2
        shift 2
        ;;
      -h | --help)
        if [ -f "$0" ] && grep -q "^# Installs a released leakgate" "$0"; then
          sed -n '2,/^set -eu$/p' "$0" 2>/dev/null | sed 's/^# \{0,1\}//' | sed '$d' >&2
        else
          echo "usage: install.sh [--to DIR] [--source-hash HEX] VERSION (e.g. v0.1.0)" >&2
        fi
        exit 0
        ;;
      -*) refuse "unknown option $1 (usage: install.sh [--to DIR] [--source-hash HEX] VERSION)" ;;
      *)
        [ -z "$version" ] || refuse "one version only (got $version and $1)"
        version=$1
        shift
        ;;
    esac
  done

  version=${version#v}
  case "$version" in
    *"
"*) refuse "not a version: it holds a line break" ;;
  esac
  if ! printf '%s' "$version" | grep -Eq '^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$'; then
    refuse "name a release version, e.g. v0.1.0 (got '${version}')"
  fi
  tag="v$version"
  [ -n "$dest" ] || refuse "no install directory: pass --to DIR"

  if [ -n "${LEAKGATE_TARGET:-}" ]; then
    target=$LEAKGATE_TARGET
  else
    case "$(uname -s)" in
      Linux) os=unknown-linux-musl ;;
      Darwin) os=apple-darwin ;;
      *) no_release "no release binary for $(uname -s); build from source (cargo install --locked --git https://github.com/leakgate/leakgate --tag $tag)" ;;
    esac
    case "$(uname -m)" in
      x86_64 | amd64) arch=x86_64 ;;
      aarch64 | arm64) arch=aarch64 ;;
      *) no_release "no release binary for $(uname -m); build from source (cargo install --locked --git https://github.com/leakgate/leakgate --tag $tag)" ;;
    esac
    target="$arch-$os"
  fi
  case "$target" in
    *[!A-Za-z0-9_.-]*) refuse "not a target triple: $target" ;;
  esac
  asset="leakgate-$version-$target.tar.gz"

  sha256() {
    if command -v sha256sum >/dev/null 2>&1; then
      sha256sum "$1" | cut -d' ' -f1
    elif command -v shasum >/dev/null 2>&1; then
      shasum -a 256 "$1" | cut -d' ' -f1
    elif command -v openssl >/dev/null 2>&1; then
      openssl dgst -sha256 -r "$1" | cut -d' ' -f1
    else
      return 1
    fi
  }
  sha256 /dev/null >/dev/null 2>&1 ||
    refuse "no sha256sum, shasum or openssl to verify the download with; not installing"

  # fetch NAME FILE: one file of the release, from a local directory or over https only.
  fetch() {
    url="$base/$tag/$1"
    case "$base" in
      file://*) cp "${url#file://}" "$2" 2>/dev/null ;;
      /*) cp "$url" "$2" 2>/dev/null ;;
      https://*)
        if command -v curl >/dev/null 2>&1; then
          curl --proto '=https' --tlsv1.2 -fsSL --retry 3 -o "$2" "$url"
        elif command -v wget >/dev/null 2>&1; then
          wget -q --https-only -O "$2" "$url"
        else
          say "neither curl nor wget is installed"
          return 1
        fi
        ;;
      *)
        say "LEAKGATE_BASE_URL must be https://, file:// or an absolute directory (got $base)"
        return 1
        ;;
    esac
  }

  tmp=$(mktemp -d 2>/dev/null || mktemp -d -t leakgate)
  trap 'rm -rf "$tmp"' EXIT
  trap 'exit 1' HUP INT TERM

  fetch SHA256SUMS "$tmp/SHA256SUMS" ||
    no_release "no release $tag at $base (its SHA256SUMS could not be downloaded)"

  # expected NAME: the checksum SHA256SUMS lists for NAME (`<hex>  NAME` or `<hex> *NAME`).
  expected() {
    awk -v name="$1" '$2 == name || $2 == ("*" name) { print tolower($1) }' "$tmp/SHA256SUMS"
  }

  # check NAME FILE: FILE's SHA-256 is the one SHA256SUMS lists for NAME, or the install stops.
  check() {
    want=$(expected "$1")
    case "$want" in
      *"
"*) refuse "SHA256SUMS of $tag lists $1 more than once; not installing" ;;
    esac
    printf '%s' "$want" | grep -Eq '^[0-9a-f]{64}$' ||
      refuse "SHA256SUMS of $tag has no valid checksum for $1; not installing"
    got=$(sha256 "$2")
    if [ "$got" != "$want" ]; then
      refuse "checksum mismatch for $1: SHA256SUMS says $want, the download is $got. Not installing a corrupted or tampered binary (nothing was changed)."
    fi
  }

  if [ -n "$source_hash" ]; then
    name="leakgate-$version-source.sha256"
    fetch "$name" "$tmp/source" ||
      no_release "release $tag does not say which sources it was built from ($name)"
    check "$name" "$tmp/source"
    built_from=$(cut -d' ' -f1 < "$tmp/source" | head -n 1)
    [ "$built_from" = "$source_hash" ] ||
      no_release "release $tag was built from other sources than this copy of leakgate (a branch or commit after the release)"
  fi

  [ -n "$(expected "$asset")" ] || no_release "release $tag has no binary for $target"
  fetch "$asset" "$tmp/$asset" || no_release "could not download $asset from $base/$tag"
  check "$asset" "$tmp/$asset"

  mkdir "$tmp/unpacked"
  member="leakgate-$version-$target/leakgate"
  tar -xzf "$tmp/$asset" -C "$tmp/unpacked" "$member" 2>/dev/null ||
    no_release "$asset does not hold $member"
  binary="$tmp/unpacked/$member"
  chmod 755 "$binary"
  ran=$("$binary" --version 2>/dev/null) || no_release "the $target binary does not run on this machine"
  [ "$ran" = "leakgate $version" ] ||
    refuse "$asset holds '$ran', not leakgate $version; not installing"

  mkdir -p "$dest" || refuse "cannot create $dest"
  if ! { cp "$binary" "$dest/.leakgate.$$" && chmod 755 "$dest/.leakgate.$$" &&
    mv -f "$dest/.leakgate.$$" "$dest/leakgate"; }; then
    rm -f "$dest/.leakgate.$$"
    refuse "cannot write $dest/leakgate"
  fi
  say "installed leakgate $version ($target) to $dest/leakgate, SHA-256 verified against SHA256SUMS"
  case ":${PATH:-}:" in
    *":$dest:"*) ;;
    *) say "$dest is not on your PATH; add it, or run $dest/leakgate" ;;
  esac
}

main "$@"
