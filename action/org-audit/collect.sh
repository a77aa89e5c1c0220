#!/usr/bin/env bash
# Checks that every shard of an org-audit left a report, and lists them for the merge.
#
#   collect.sh REPORTS
#
# REPORTS holds the downloaded artifacts, one folder each, named as plan.sh --list names them
# (actions/download-artifact without merge-multiple). The expected set comes from plan.sh with
# the same inputs (ORG_AUDIT_REPOSITORIES, ORG_AUDIT_SHARDS), not from what was downloaded: a
# shard whose job never ran, failed before scanning or lost its upload is missing, and a
# missing shard never looks clean.
#
# A shard counts as done when its folder holds a non-empty report.json (a regular file) and a
# status whose repository and shard are the planned ones and whose exit is 0 or 1 (clean or
# findings). Every report that exists is listed on stdout (one path a line) so the merge shows
# what was found; every shard that is not done is named on stderr.
#
# Exit codes: 0 every shard is done; 2 at least one is missing or failed, or bad input.
set -euo pipefail

say() { echo "org-audit: $*" >&2; }
[ $# -eq 1 ] || {
  say "usage: collect.sh REPORTS"
  exit 2
}
reports=$1
[ -d "$reports" ] || {
  say "$reports is not a folder (no report was downloaded)"
  exit 2
}

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
plan=$(bash "$here/plan.sh" --list) || exit 2

expected=0
done_count=0
problems=()
while IFS=$'\t' read -r artifact repo shard; do
  expected=$((expected + 1))
  dir="$reports/$artifact"
  report="$dir/report.json"
  if [ ! -d "$dir" ]; then
    problems+=("$repo shard $shard: no report (its job did not run, failed before the scan, or its upload is missing)")
    continue
  fi
  if [ -L "$report" ] || [ ! -f "$report" ] || [ ! -s "$report" ]; then
    problems+=("$repo shard $shard: the artifact holds no report.json")
    continue
  fi
  # The report exists: merge it whatever its status says, so its findings are shown.
  printf '%s\n' "$report"
  got_repo="" got_shard="" got_exit=""
  if [ -f "$dir/status" ] && [ ! -L "$dir/status" ]; then
    while IFS='=' read -r key value; do
      case "$key" in
        repository) got_repo=$value ;;
        shard) got_shard=$value ;;
        exit) got_exit=$value ;;
      esac
    done <"$dir/status"
  fi
  if [ "$got_repo" != "$repo" ] || [ "$got_shard" != "$shard" ]; then
    problems+=("$repo shard $shard: its status names $(printf '%q' "${got_repo:-nothing}") shard $(printf '%q' "${got_shard:-none}"), not this shard")
    continue
  fi
  case "$got_exit" in
    0 | 1) done_count=$((done_count + 1)) ;;
    "") problems+=("$repo shard $shard: no exit status recorded (the scan did not finish)") ;;
    *) problems+=("$repo shard $shard: leakgate exited $got_exit (the scan was incomplete or failed; see that job's log)") ;;
  esac
done <<<"$plan"

if [ "${#problems[@]}" -gt 0 ]; then
  for problem in "${problems[@]}"; do
    say "$problem"
  done
  say "$done_count of $expected shards done: the audit is INCOMPLETE"
  exit 2
fi
say "all $expected shards done"
