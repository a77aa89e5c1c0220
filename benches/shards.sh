#!/usr/bin/env bash
# A repository's history split over N shards, as N runners would scan it: each shard
# (`leakgate scan --git-only --shard I/N`) runs alone on this machine with all its cores, one
# after the other, and `leakgate merge` combines the reports. Prints wall time, CPU time and peak
# RSS per shard (GNU time), the slowest shard (the fan-out's wall time on N machines), the merge
# time, and checks that the merged findings equal the unsharded scan's (by fingerprint, path,
# line and commit).
#
# Usage: benches/shards.sh REPO [N...]
#   REPO  a full clone (e.g. the curl repository: git clone https://github.com/curl/curl)
#   N     shard counts to try (default: 1 2 4)
# Environment:
#   LEAKGATE  the binary (default target/release/leakgate; `cargo build --release`)
#   OUT       where reports go (default: a new temporary directory)
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=${1:?usage: benches/shards.sh REPO [N...]}
shift
COUNTS=("$@")
[ ${#COUNTS[@]} -gt 0 ] || COUNTS=(1 2 4)
LEAKGATE=${LEAKGATE:-$HERE/../target/release/leakgate}
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
CONFIG=$OUT/empty-config.yml
: >"$CONFIG"

timed() { # label command...; prints "label wall_s cpu_s maxrss_kb exit"
    local label=$1
    shift
    /usr/bin/time -f "%e %U %S %M %x" -o "$OUT/$label.time" "$@" >"$OUT/$label.stdout" 2>"$OUT/$label.stderr" || true
    tail -n 1 "$OUT/$label.time" | awk -v l="$label" '{printf "%-14s %7s %7.2f %9s %4s\n", l, $1, $2 + $3, $4, $5}'
}

keys() { # report.json -> sorted "fingerprint path line commit" lines
    python3 - "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
rows = set()
for f in d["findings"] + (d.get("suppressed") or []):
    c = (f.get("commit") or {}).get("id", "")
    rows.add(f"{f['fingerprint']} {f['path']} {f['line']} {c}")
print("\n".join(sorted(rows)))
PY
}

echo "repository: $REPO ($(git -C "$REPO" rev-list --all | wc -l) commits); $(nproc) cores; leakgate $("$LEAKGATE" --version)"
printf '%-14s %7s %7s %9s %4s\n' run wall_s cpu_s maxrss_kb exit
timed unsharded "$LEAKGATE" scan --git-only --quiet --config "$CONFIG" --format json -o "$OUT/unsharded.json" "$REPO"
keys "$OUT/unsharded.json" >"$OUT/unsharded.keys"
for n in "${COUNTS[@]}"; do
    reports=()
    for i in $(seq "$n"); do
        timed "shard-$i-of-$n" "$LEAKGATE" scan --git-only --quiet --config "$CONFIG" --shard "$i/$n" --format json -o "$OUT/shard-$i-of-$n.json" "$REPO"
        reports+=("$OUT/shard-$i-of-$n.json")
    done
    timed "merge-$n" "$LEAKGATE" merge --format json -o "$OUT/merged-$n.json" "${reports[@]}"
    keys "$OUT/merged-$n.json" >"$OUT/merged-$n.keys"
    if cmp -s "$OUT/unsharded.keys" "$OUT/merged-$n.keys"; then
        echo "  N=$n: merged findings equal the unsharded scan ($(wc -l <"$OUT/unsharded.keys") keys)"
    else
        echo "  N=$n: merged findings DIFFER from the unsharded scan:"
        diff "$OUT/unsharded.keys" "$OUT/merged-$n.keys" | head -20
    fi
done
echo "reports and timings in $OUT"
