#!/usr/bin/env bash
# Fetches what `leakgate scan --ci` needs into the checkout, by the commit ids in the event
# payload: the base commit (whose .leakgate.yml, .leakgateignore, rules files and baseline judge
# a pull request) and the commits between base and head. actions/checkout fetches one commit by
# default; without the base commit a pull request is judged by the built-in rules alone and a
# push scans the whole checkout.
#
# Never fails the step: a fetch that does not work leaves the checkout as it was, and
# leakgate says what that means. Payload values are validated as hex commit ids and passed
# to git as separate arguments; nothing from the payload is evaluated by the shell.
set -u

say() { echo "leakgate action: $*" >&2; }

payload="${GITHUB_EVENT_PATH:-}"
event="${GITHUB_EVENT_NAME:-}"
remote="${LEAKGATE_REMOTE:-origin}"
if [ -z "$payload" ] || [ ! -r "$payload" ]; then
  say "no event payload; nothing fetched"
  exit 0
fi
if ! command -v jq >/dev/null 2>&1; then
  say "jq is not installed; base commit not fetched (set fetch-depth: 0 on actions/checkout)"
  exit 0
fi
if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  say "not in a git checkout; nothing fetched"
  exit 0
fi

field() { jq -r "$1 // empty" "$payload" 2>/dev/null; }

case "$event" in
  push)
    base=$(field .before)
    head=$(field .after)
    commits=$(field '.commits | length')
    ;;
  merge_group)
    base=$(field .merge_group.base_sha)
    head=$(field .merge_group.head_sha)
    commits=""
    ;;
  *)
    base=$(field .pull_request.base.sha)
    head=$(field .pull_request.head.sha)
    commits=$(field .pull_request.commits)
    ;;
esac

is_sha() { [[ "$1" =~ ^[0-9a-f]{40}([0-9a-f]{24})?$ ]] && [[ ! "$1" =~ ^0+$ ]]; }
if ! is_sha "$head"; then
  say "the $event payload names no commit to fetch"
  exit 0
fi
has() { git cat-file -e "$1^{commit}" 2>/dev/null; }

# The head and its own commits (one more than it has, to reach the fork point).
[[ "$commits" =~ ^[0-9]+$ ]] || commits=50
depth=$((commits + 1))
[ "$depth" -gt 1000 ] && depth=1000
git fetch --no-tags --quiet --depth="$depth" "$remote" "$head" ||
  say "could not fetch the head commit ${head:0:12}"
# No base to stop at (a new branch, or a force push whose old tip is gone): a push then scans
# the head's whole history, so fetch all of it.
whole_history() {
  if [ "$event" = push ] && has "$head" &&
    [ "$(git rev-parse --is-shallow-repository 2>/dev/null)" = true ]; then
    git fetch --no-tags --quiet --unshallow "$remote" "$head" ||
      say "could not fetch the history of ${head:0:12}"
  fi
}
if ! is_sha "$base"; then
  whole_history
  exit 0
fi
git fetch --no-tags --quiet --depth=1 "$remote" "$base" ||
  say "could not fetch the base commit ${base:0:12}"
if ! has "$base" || ! has "$head"; then
  whole_history
  exit 0
fi
# Deepen both until they meet, so base..head is exactly the new commits (bounded).
step=$depth
for _ in 1 2 3 4 5 6; do
  if git merge-base "$base" "$head" >/dev/null 2>&1; then
    exit 0
  fi
  git fetch --no-tags --quiet --deepen="$step" "$remote" "$base" "$head" || break
  step=$((step * 4))
done
if ! git merge-base "$base" "$head" >/dev/null 2>&1; then
  say "base ${base:0:12} and head ${head:0:12} share no fetched ancestor; leakgate scans what is present"
fi
exit 0
