#!/usr/bin/env bash
# Whole-process comparison of a directory scan: leakgate vs Kingfisher, gitleaks, betterleaks
# on the same bytes. The corpus is a copy of ~/.cargo/registry/src (hundreds of MB of real
# source), with .gitignore/.ignore files removed and no node_modules folder (gitleaks and
# betterleaks skip those by default), so every tool reads the same files.
#
#   bash benches/compare_worktree.sh            # corpus at /tmp/leakgate-corpus-src
#   CORPUS=/some/dir bash benches/compare_worktree.sh
#   BASELINE=/path/to/older/leakgate bash benches/compare_worktree.sh   # also time an older build
#
# Needs hyperfine (apt-get install hyperfine) and GNU time (/usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/.."
CORPUS=${CORPUS:-/tmp/leakgate-corpus-src}
RUNS=${RUNS:-5}
eval "$(bash benches/install_peers.sh)"
if [ ! -d "$CORPUS" ]; then
  mkdir -p "$CORPUS"
  cp -r "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/. "$CORPUS"/
  find "$CORPUS" \( -name .gitignore -o -name .ignore -o -name .git \) -prune -exec rm -rf {} +
  find "$CORPUS" -type d -name node_modules -prune -exec sh -c 'mv "$1" "$1-renamed"' _ {} \;
fi
# Known, generated secrets (one per file) so recall is measured too.
PLANTED=$(python3 benches/plant_secrets.py "$CORPUS" 5)
cargo build --release --quiet
LG=$PWD/target/release/leakgate
echo "corpus: $CORPUS ($(du -sh "$CORPUS" | cut -f1), $(find "$CORPUS" -type f | wc -l) files), $(nproc) cores"
# Exit codes are ignored: every tool exits non-zero when it finds something.
BASE_CMD=()
if [ -n "${BASELINE:-}" ]; then
  BASE_CMD=(-n baseline "$BASELINE scan $CORPUS --format json --output /tmp/lg-base.json -q")
fi
hyperfine --warmup 1 --runs "$RUNS" -i --export-markdown /tmp/compare_worktree.md \
  -n leakgate "$LG scan $CORPUS --format json --output /tmp/lg.json -q" "${BASE_CMD[@]}" \
  -n kingfisher "$KINGFISHER scan $CORPUS --no-validate --format json -o /tmp/kf.json --git-history none -j $(nproc)" \
  -n gitleaks "$GITLEAKS dir $CORPUS --no-banner --report-format json --report-path /tmp/gl.json --exit-code 0" \
  -n betterleaks "$BETTERLEAKS $CORPUS --no-banner -o /tmp/bl.json --exit-code 0"
cat /tmp/compare_worktree.md
echo
printf '%-12s %10s %10s %10s\n' tool wall_s cpu_s max_rss_mb
for t in leakgate kingfisher gitleaks betterleaks; do
  case $t in
    leakgate) cmd="$LG scan $CORPUS --format json --output /tmp/lg.json -q" ;;
    kingfisher) cmd="$KINGFISHER scan $CORPUS --no-validate --format json -o /tmp/kf.json --git-history none -j $(nproc)" ;;
    gitleaks) cmd="$GITLEAKS dir $CORPUS --no-banner --report-format json --report-path /tmp/gl.json --exit-code 0" ;;
    betterleaks) cmd="$BETTERLEAKS $CORPUS --no-banner -o /tmp/bl.json --exit-code 0" ;;
  esac
  /usr/bin/time -f "%e %U %S %M" -o /tmp/time.$t $cmd >/dev/null 2>&1 || true
  tail -n 1 /tmp/time.$t | awk -v t=$t '{ printf "%-12s %10s %10.2f %10.1f\n", t, $1, $2 + $3, $4 / 1024 }'
done
PLANTED=$PLANTED python3 - <<'PY'
import json, os
planted = int(os.environ["PLANTED"])
def items(path):
    d = json.load(open(path))
    if isinstance(d, dict):
        d = d.get("findings", [])
    return d
def path_of(f):
    for k in ("path", "File", "file"):
        if k in f:
            return f[k]
    # Kingfisher: finding.path or nested
    return json.dumps(f)
for tool, path in [("leakgate", "/tmp/lg.json"), ("kingfisher", "/tmp/kf.json"),
                   ("gitleaks", "/tmp/gl.json"), ("betterleaks", "/tmp/bl.json")]:
    try:
        found = items(path)
    except Exception as e:
        print(f"{tool:12} report unreadable: {e}")
        continue
    hit = {p.split("leakgate-planted/")[1].split("/")[0].split('"')[0]
           for p in map(path_of, found) if "leakgate-planted/" in p}
    other = sum(1 for p in map(path_of, found) if "leakgate-planted/" not in p)
    print(f"{tool:12} findings: {len(found):5}  planted files found: {len(hit)}/{planted}  elsewhere: {other}")
PY
