#!/usr/bin/env bash
# Turns the org-audit workflow's inputs into its job matrix: one job per repository and shard.
#
#   plan.sh               key=value lines for $GITHUB_OUTPUT: matrix={"include":[...]}, jobs=N,
#                         repositories=N
#   plan.sh --list        one line per job: the report artifact it must upload, its repository
#                         and its shard, tab-separated (what collect.sh expects; the same
#                         inputs always give the same lines)
#
# Inputs come from the environment, never from the command line or `${{ }}` in a script:
#   ORG_AUDIT_REPOSITORIES  owner/name repositories: a JSON array of strings, or one a line
#                           (blank lines and lines starting with # are skipped)
#   ORG_AUDIT_SHARDS        shards per repository, 1..256 (default 1)
#   ORG_AUDIT_FORMATS       merged report formats: json, sarif, human (checked here so a typo
#                           fails before any runner starts; default "json sarif human")
#   ORG_AUDIT_FAIL_ON       critical, high, medium, low or info (default low)
#   ORG_AUDIT_MAX_JOBS      most jobs allowed (default 256, GitHub's matrix limit; a Kubernetes
#                           Indexed Job has no such limit and sets more)
#
# Every name is checked against GitHub's owner/name characters before it is used anywhere (a
# clone URL, an artifact name, a job name). Names are compared without case, as GitHub does, and
# each repository is planned once. GitHub runs at most 256 jobs from one matrix: a plan above
# that is refused (exit 2) with what to do, never cut short.
#
# Exit codes: 0 planned; 2 bad input (one line on stderr saying which and why).
set -euo pipefail
# Lists are split on spaces and commas; never expanded as file name patterns.
set -f

MAX_JOBS=${ORG_AUDIT_MAX_JOBS:-256}

fail() {
  echo "org-audit: $*" >&2
  exit 2
}

[[ "$MAX_JOBS" =~ ^[1-9][0-9]{0,5}$ ]] || fail "ORG_AUDIT_MAX_JOBS must be a whole number from 1 to 999999 (got '$MAX_JOBS')"

mode=output
case "${1:-}" in
  "") ;;
  --list) mode=list ;;
  *) fail "unknown argument $(printf '%q' "$1") (usage: plan.sh [--list])" ;;
esac
[ $# -le 1 ] || fail "one argument at most (usage: plan.sh [--list])"

shards=${ORG_AUDIT_SHARDS:-1}
[[ "$shards" =~ ^[1-9][0-9]{0,5}$ ]] && [ "$shards" -le "$MAX_JOBS" ] ||
  fail "shards must be a whole number from 1 to $MAX_JOBS (got '$shards')"

fail_on=${ORG_AUDIT_FAIL_ON:-low}
case "$fail_on" in
  critical | high | medium | low | info) ;;
  *) fail "fail-on must be critical, high, medium, low or info (got '$fail_on')" ;;
esac

formats=${ORG_AUDIT_FORMATS:-json sarif human}
format_count=0
for format in ${formats//,/ }; do
  case "$format" in
    json | sarif | human) format_count=$((format_count + 1)) ;;
    *) fail "formats: '$format' is not one of json, sarif, human" ;;
  esac
done
[ "$format_count" -gt 0 ] || fail "formats: name at least one of json, sarif, human"

input=${ORG_AUDIT_REPOSITORIES:-}

# The names, one per line: JSON when the input starts with `[`, else one a line. JSON is read
# strictly and without escapes: an element that is not a plain "owner/name" string is refused
# (no jq needed, and nothing is decoded into a character the checks below did not see).
names=()
trimmed=${input#"${input%%[![:space:]]*}"}
if [[ "$trimmed" == "["* ]]; then
  body=${trimmed#\[}
  body=${body%"${body##*[![:space:]]}"}
  [[ "$body" == *"]" ]] || fail "repositories: a JSON array must end with ]"
  body=${body%]}
  if [[ "$body" =~ ^[[:space:]]*$ ]]; then
    body=""
  fi
  if [[ "$body" =~ ,[[:space:]]*$ ]]; then
    fail "repositories: a JSON array cannot end with a comma"
  fi
  if [ -n "$body" ]; then
    IFS=, read -r -d '' -a elements < <(printf '%s\0' "$body") || true
    for element in "${elements[@]}"; do
      element=${element#"${element%%[![:space:]]*}"}
      element=${element%"${element##*[![:space:]]}"}
      [[ "$element" =~ ^\"([^\"\\]*)\"$ ]] ||
        fail "repositories: $(printf '%q' "$element") is not a JSON string holding owner/name"
      names+=("${BASH_REMATCH[1]}")
    done
  fi
else
  while IFS= read -r line || [ -n "$line" ]; do
    line=${line%$'\r'}
    line=${line#"${line%%[![:space:]]*}"}
    line=${line%"${line##*[![:space:]]}"}
    [ -z "$line" ] && continue
    [[ "$line" == "#"* ]] && continue
    names+=("$line")
  done <<<"$input"
fi

# owner: GitHub's user and organisation names (letters, digits, hyphens; 39 at most, not starting
# with a hyphen). name: letters, digits, '.', '_', '-' (100 at most), never '.' or '..'.
valid() {
  [[ "$1" =~ ^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$ ]] || return 1
  case "${1#*/}" in
    . | ..) return 1 ;;
  esac
}

repos=()
seen=" "
for name in "${names[@]}"; do
  valid "$name" ||
    fail "repositories: $(printf '%q' "$name") is not owner/name (letters, digits and - in the owner; letters, digits, . _ - in the name; no URLs, no paths)"
  key=" ${name,,} "
  [[ "$seen" == *"$key"* ]] && continue
  seen+="${name,,} "
  repos+=("$name")
done
[ "${#repos[@]}" -gt 0 ] || fail "repositories: no repository named (a JSON array or one owner/name a line)"

jobs=$((${#repos[@]} * shards))
[ "$jobs" -le "$MAX_JOBS" ] ||
  fail "${#repos[@]} repositories x $shards shards = $jobs jobs, more than the $MAX_JOBS jobs allowed (GitHub runs at most 256 from one matrix); nothing was started. Use fewer shards, or split the list over several calls of this workflow and combine their merged JSON reports with leakgate merge (docs/org-audit.md)"

# The artifact a job uploads: owner/name becomes owner__name (an owner holds no _, so the first
# __ splits it back without doubt).
artifact() { printf 'leakgate-org-audit-report-%s__%s-shard-%s-of-%s' "${1%%/*}" "${1#*/}" "$2" "$shards"; }

if [ "$mode" = list ]; then
  for repo in "${repos[@]}"; do
    for ((i = 1; i <= shards; i++)); do
      printf '%s\t%s\t%s\n' "$(artifact "$repo" "$i")" "$repo" "$i/$shards"
    done
  done
  exit 0
fi

# Every value is from the checked character set above, so it needs no JSON escaping.
matrix='{"include":['
sep=""
for repo in "${repos[@]}"; do
  for ((i = 1; i <= shards; i++)); do
    matrix+="$sep{\"repository\":\"$repo\",\"shard\":\"$i/$shards\",\"artifact\":\"$(artifact "$repo" "$i")\"}"
    sep=","
  done
done
matrix+=']}'
echo "matrix=$matrix"
echo "jobs=$jobs"
echo "repositories=${#repos[@]}"
echo "org-audit: ${#repos[@]} repositories x $shards shards = $jobs jobs" >&2
