#!/usr/bin/env bash
# `leakgate scan --staged` latency for a typical commit in a large repository, with hyperfine.
#
# Stages a typical change in a scratch clone of the corpus (three existing files edited in
# different directories, one new file), then times the pre-commit scan. Target: under 50 ms
# wall. Also times `--staged` with nothing staged (the common "hook on an amend" case).
#
# Usage: benches/staged_latency.sh [REPO]     (default /work/corpus/history)
#   LEAKGATE=target/release/leakgate  LEAKGATE_CONFIG=(default: built-in rules only)
#   BASELINE=/path/to/older/leakgate   also times an older build in the same hyperfine runs
#                                      (and checks both report the same findings)
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=${1:-/work/corpus/history}
LEAKGATE=${LEAKGATE:-$HERE/../target/release/leakgate}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
if [ -z "${LEAKGATE_CONFIG:-}" ]; then
    LEAKGATE_CONFIG=$WORK/empty-config.yml # built-in rules only
    : >"$LEAKGATE_CONFIG"
fi

git clone -q --no-hardlinks "$REPO" "$WORK/clone"
cd "$WORK/clone"
echo "files in HEAD: $(git ls-files | wc -l); commits: $(git rev-list --all | wc -l)"

# One command per build: this one, and the baseline when asked.
commands() {
    printf '%s\n' "$LEAKGATE scan --staged --quiet --config $LEAKGATE_CONFIG ."
    if [ -n "${BASELINE:-}" ]; then
        printf '%s\n' "$BASELINE scan --staged --quiet --config $LEAKGATE_CONFIG ."
    fi
}

# Every field of every finding of a build, sorted, for the same-output check.
findings() {
    "$1" scan --staged --format json --config "$LEAKGATE_CONFIG" . |
        jq -c '[.findings[] | tostring] | sort'
}

time_it() {
    mapfile -t cmds < <(commands)
    hyperfine --warmup 3 --runs 30 -N "${cmds[@]}"
    if [ -n "${BASELINE:-}" ]; then
        if [ "$(findings "$LEAKGATE")" = "$(findings "$BASELINE")" ]; then
            echo "same findings as the baseline"
        else
            echo "FINDINGS DIFFER from the baseline" >&2
            exit 1
        fi
    fi
}

time_it

mapfile -t picks < <(git ls-files '*.rs' | awk 'NR % 997 == 1' | head -n 3)
for f in "${picks[@]}"; do
    printf '\n// staged edit\nconst STAGED: u32 = 1;\n' >>"$f"
done
mkdir -p src/new_module
printf 'pub fn added() -> u32 { 42 }\n' >src/new_module/mod.rs
git add "${picks[@]}" src/new_module/mod.rs
echo "staged: $(git diff --cached --name-only | tr '\n' ' ')"

time_it
