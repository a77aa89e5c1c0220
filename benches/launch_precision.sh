#!/usr/bin/env bash
# Launch-check precision on real applications: fetch each application listed in
# benches/launch-apps.txt at its recorded commit, run leakgate's launch checks on it, and list
# every launch finding for judging (docs/launch-precision/ holds the judged tables), plus the
# time the launch checks add to a files-only scan.
#
# Usage: benches/launch_precision.sh [APPS_DIR]
#   APPS_DIR  where the applications are (default /work/apps); a missing one is cloned from
#             GitHub at the commit in benches/launch-apps.txt (needs network; the apps are
#             never committed here)
# Environment:
#   LEAKGATE  the binary (default target/release/leakgate; built if missing)
#   OUT       where the JSON reports and the tables go (default a new temporary folder)
# Output: one line per finding (app, rule, severity, path:line, message) in $OUT/findings.tsv,
# a per-app summary on stdout, and the extra time of the launch checks per app (median of 3).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
APPS=${1:-/work/apps}
OUT=${OUT:-$(mktemp -d)}
LEAKGATE=${LEAKGATE:-$HERE/../target/release/leakgate}
[ -x "$LEAKGATE" ] || (cd "$HERE/.." && cargo build --release --quiet)
mkdir -p "$APPS" "$OUT"
LAUNCH='^(cors|cookie|webhook|log|debug|workflow|docker)-'

median_ms() { # command... -> median wall milliseconds of 3 runs
    local times=()
    for _ in 1 2 3; do
        local start end
        start=$(date +%s%N)
        "$@" >/dev/null 2>&1 || true
        end=$(date +%s%N)
        times+=($(((end - start) / 1000000)))
    done
    printf '%s\n' "${times[@]}" | sort -n | sed -n 2p
}

: >"$OUT/findings.tsv"
printf '%-40s %-12s %6s %6s %6s %6s %6s %9s %9s\n' app stack crit high med low info "off(ms)" "on(ms)"
grep -v '^#' "$HERE/launch-apps.txt" | while read -r name stack commit; do
    [ -n "$name" ] || continue
    dir=$APPS/${name/\//+}
    if [ ! -d "$dir" ]; then
        git clone --quiet --filter=blob:limit=1m "https://github.com/$name" "$dir"
        git -C "$dir" checkout --quiet "$commit"
    fi
    report=$OUT/${name/\//+}.json
    "$LEAKGATE" scan --no-git --no-env --no-bundle --quiet --format json -o "$report" "$dir" || true
    jq -r --arg app "$name" --arg re "$LAUNCH" '.findings[] | select(.rule | test($re))
        | [$app, .rule, .severity, "\(.path):\(.line)", (.message // "")] | @tsv' \
        "$report" >>"$OUT/findings.tsv"
    counts=$(jq -r --arg re "$LAUNCH" '[.findings[] | select(.rule | test($re)) | .severity]
        | [("critical","high","medium","low","info") as $s | map(select(. == $s)) | length]
        | @tsv' "$report")
    off=$(median_ms "$LEAKGATE" scan --no-git --no-env --no-bundle --no-launch --quiet "$dir")
    on=$(median_ms "$LEAKGATE" scan --no-git --no-env --no-bundle --quiet "$dir")
    # shellcheck disable=SC2086
    printf '%-40s %-12s %6s %6s %6s %6s %6s %9s %9s\n' "$name" "$stack" $counts "$off" "$on"
done
echo
echo "findings: $OUT/findings.tsv ($(wc -l <"$OUT/findings.tsv") lines); reports: $OUT/*.json"
