#!/usr/bin/env bash
# Runs one shard of an org-audit: `leakgate scan --shard I/N --format json` over a full clone,
# and records how it ended next to the report, for collect.sh.
#
#   scan.sh CLONE OUT
#
# Writes OUT/report.json (leakgate's JSON report) and OUT/status:
#   repository=owner/name
#   shard=I/N
#   exit=<leakgate's exit code>
#
# Environment: LEAKGATE (the binary), ORG_AUDIT_REPOSITORY, ORG_AUDIT_SHARD (I/N),
# ORG_AUDIT_FAIL_ON (default low).
#
# Exit code: 0 when leakgate wrote its report and exited 0 (clean) or 1 (findings: the merge
# job judges them); otherwise leakgate's own code (2: the scan was incomplete or could not
# run), so the shard's job shows it. The report and status are kept either way.
set -euo pipefail

say() { echo "org-audit: $*" >&2; }
[ $# -eq 2 ] || {
  say "usage: scan.sh CLONE OUT"
  exit 2
}
clone=$1
out=$2
leakgate=${LEAKGATE:?LEAKGATE names the leakgate binary}
repo=${ORG_AUDIT_REPOSITORY:?ORG_AUDIT_REPOSITORY names the repository}
shard=${ORG_AUDIT_SHARD:?ORG_AUDIT_SHARD is I/N}
fail_on=${ORG_AUDIT_FAIL_ON:-low}
[[ "$shard" =~ ^[1-9][0-9]*/[1-9][0-9]*$ ]] || {
  say "ORG_AUDIT_SHARD must be I/N (got $(printf '%q' "$shard"))"
  exit 2
}

mkdir -p -- "$out"
out=$(cd -- "$out" && pwd)
rm -f -- "$out/report.json" "$out/status"

# The audit scans the whole clone: none of the calling workflow's event, summary or outputs
# apply to another repository (the merge job writes the one summary).
code=0
(
  cd -- "$clone"
  exec env -u GITHUB_EVENT_NAME -u GITHUB_EVENT_PATH -u GITHUB_STEP_SUMMARY -u GITHUB_OUTPUT \
    "$leakgate" scan --shard "$shard" --format json --output "$out/report.json" \
    --fail-on "$fail_on" .
) || code=$?

printf 'repository=%s\nshard=%s\nexit=%s\n' "$repo" "$shard" "$code" >"$out/status"
if [ ! -s "$out/report.json" ]; then
  say "$repo shard $shard: leakgate exited $code without a report"
  [ "$code" -ne 0 ] || code=2
  exit "$code"
fi
case "$code" in
  0) say "$repo shard $shard: no findings" ;;
  1) say "$repo shard $shard: findings (the merge job reports them)"; code=0 ;;
  *) say "$repo shard $shard: leakgate exited $code (incomplete or failed); the merge job fails" ;;
esac
exit "$code"
