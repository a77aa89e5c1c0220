#!/usr/bin/env bash
# The org-audit's last step: checks every shard left a report (collect.sh), merges the reports
# into one with `leakgate merge`, and writes the verdict to the job summary.
#
#   merge.sh REPORTS OUT
#
# Writes OUT/leakgate-org-audit.json, .sarif and .txt (human), as ORG_AUDIT_FORMATS asks
# (json, sarif, human; default all three). The job summary ($GITHUB_STEP_SUMMARY, when set)
# gets the verdict, every missing or failed shard, and the human report.
#
# Environment: LEAKGATE (the binary), ORG_AUDIT_FORMATS, and plan.sh's inputs
# (ORG_AUDIT_REPOSITORIES, ORG_AUDIT_SHARDS), which say which shards must be there.
#
# Exit codes: 0 every shard is there and the merged findings pass the gate; 1 findings fail it;
# 2 a shard is missing or failed, no report at all, a report is incomplete or unreadable, or
# leakgate merge failed. What exists is merged and written in every case.
set -euo pipefail
# Lists are split on spaces and commas; never expanded as file name patterns.
set -f

say() { echo "org-audit: $*" >&2; }
[ $# -eq 2 ] || {
  say "usage: merge.sh REPORTS OUT"
  exit 2
}
reports=$1
out=$2
leakgate=${LEAKGATE:?LEAKGATE names the leakgate binary}
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
mkdir -p -- "$out"
work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT

# rank CODE: 0 and 1 as leakgate means them; anything else (2, a crash, a signal) is 2.
rank() {
  case "$1" in
    0 | 1) echo "$1" ;;
    *) echo 2 ;;
  esac
}
worst=0
note() {
  local r
  r=$(rank "$1")
  [ "$r" -le "$worst" ] || worst=$r
}

collect_code=0
bash "$here/collect.sh" "$reports" >"$work/reports" 2>"$work/collect" || collect_code=$?
cat "$work/collect" >&2
note "$collect_code"
mapfile -t files <"$work/reports"

formats=${ORG_AUDIT_FORMATS:-json sarif human}
want_human=false
merged=()
if [ "${#files[@]}" -eq 0 ]; then
  say "no shard produced a report: nothing to merge"
  worst=2
else
  for format in ${formats//,/ } human-summary; do
    case "$format" in
      json) target="$out/leakgate-org-audit.json" ;;
      sarif) target="$out/leakgate-org-audit.sarif" ;;
      human)
        want_human=true
        continue
        ;;
      human-summary)
        format=human
        if [ "$want_human" = true ]; then target="$out/leakgate-org-audit.txt"; else target="$work/human.txt"; fi
        ;;
      *)
        say "formats: '$format' is not one of json, sarif, human"
        worst=2
        continue
        ;;
    esac
    code=0
    env -u GITHUB_STEP_SUMMARY -u GITHUB_OUTPUT \
      "$leakgate" merge --format "$format" --output "$target" "${files[@]}" >/dev/null || code=$?
    note "$code"
    [ "$code" -le 1 ] || say "leakgate merge --format $format exited $code"
    if [ -f "$target" ]; then merged+=("$target"); fi
    human_report=$target
  done
fi

case "$worst" in
  0) verdict="Clean: every shard of every repository was scanned, no finding fails the gate." ;;
  1) verdict="Findings: at least one finding fails the gate (see below and the merged report)." ;;
  *) verdict="FAILED: the audit is incomplete or could not be merged. It does not say the repositories are clean." ;;
esac
say "$verdict"

if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  {
    echo "## leakgate org audit"
    echo
    echo "**$verdict**"
    echo
    if [ -s "$work/collect" ]; then
      echo '```text'
      sed 's/^org-audit: //; s/`/'"'"'/g' "$work/collect"
      echo '```'
      echo
    fi
    if [ "${#files[@]}" -gt 0 ] && [ -f "${human_report:-}" ]; then
      # A fence longer than any run of backticks in the report, so a file name cannot end it.
      longest=$({ grep -o '`\+' "$human_report" || true; } | awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }')
      fence='```'
      while [ "${#fence}" -le "$longest" ]; do fence+='`'; done
      echo "${fence}text"
      # The summary takes 1 MiB a step; the whole report is in the artifact.
      head -c 900000 "$human_report"
      if [ "$(wc -c <"$human_report")" -gt 900000 ]; then
        echo
        echo "... cut here: the whole report is in the leakgate-org-audit artifact"
      fi
      echo "$fence"
    fi
  } >>"$GITHUB_STEP_SUMMARY"
fi
exit "$worst"
