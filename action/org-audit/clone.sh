#!/usr/bin/env bash
# Clones one repository with its whole history for an org-audit shard, and refuses a clone that
# does not hold all of it.
#
#   clone.sh OWNER/NAME DEST      clone, then check (DEST must not exist yet)
#   clone.sh --check DIR          only check an existing clone
#
# A shard must see every commit: a shallow clone (history cut at a depth), a partial clone
# (blobs left on the server: --filter, promisor remotes), borrowed objects (alternates) or
# grafts make the scan blind to part of the history. Any of them fails the job here (exit 1),
# so the shard's report is missing and the merge job fails: never a clean report of a part.
#
# Environment:
#   ORG_AUDIT_SERVER  where repositories are: <server>/<owner>/<name>. An https:// URL
#                     (default https://github.com; the workflow passes github.server_url) or a
#                     file:// URL (tests, mirrors).
#   ORG_AUDIT_TOKEN   optional: a token that can read the repository (private repositories).
#                     Sent as an HTTP header through git's environment configuration: never on
#                     a command line, in the URL or in the clone's .git/config.
#   ORG_AUDIT_RETRY_DELAY  seconds before the second attempt (doubled before the third;
#                     default 5). A clone that fails is tried three times.
#
# Exit codes: 0 a full clone; 1 the clone failed or is not complete; 2 bad arguments.
set -euo pipefail

say() { echo "org-audit: $*" >&2; }
usage() {
  say "$* (usage: clone.sh OWNER/NAME DEST | clone.sh --check DIR)"
  exit 2
}

# check DIR: the clone holds the whole history the server gave it.
check() {
  local dir=$1 git_dir
  git_dir=$(git -C "$dir" rev-parse --absolute-git-dir 2>/dev/null) || {
    say "$dir is not a git repository"
    return 1
  }
  if [ "$(git -C "$dir" rev-parse --is-shallow-repository)" != false ] || [ -e "$git_dir/shallow" ]; then
    say "$dir is a shallow clone: the commits behind its boundary cannot be scanned; refusing (clone without --depth)"
    return 1
  fi
  local partial
  partial=$(git -C "$dir" config --get-regexp '^(extensions\.partialclone|remote\..*\.(promisor|partialclonefilter))$' 2>/dev/null || true)
  if [ -n "$partial" ] || compgen -G "$git_dir/objects/pack/*.promisor" >/dev/null; then
    say "$dir is a partial clone (objects left on the server): they cannot be scanned; refusing (clone without --filter)"
    return 1
  fi
  if [ -s "$git_dir/objects/info/alternates" ]; then
    say "$dir borrows objects from another repository (alternates); refusing (clone without --reference or --shared)"
    return 1
  fi
  if [ -e "$git_dir/info/grafts" ]; then
    say "$dir has grafts that hide history; refusing"
    return 1
  fi
  return 0
}

if [ "${1:-}" = --check ]; then
  [ $# -eq 2 ] || usage "--check takes one directory"
  check "$2"
  exit $?
fi
[ $# -eq 2 ] || usage "two arguments"
repo=$1
dest=$2

# The same check as plan.sh: nothing else ever reaches a URL.
[[ "$repo" =~ ^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$ ]] && [[ ! "${repo#*/}" =~ ^\.\.?$ ]] ||
  usage "$(printf '%q' "$repo") is not owner/name"
[ -n "$dest" ] || usage "no destination"
[ ! -e "$dest" ] || usage "$dest already exists"

server=${ORG_AUDIT_SERVER:-https://github.com}
server=${server%/}
case "$server" in
  https://* | file://*) ;;
  *) usage "ORG_AUDIT_SERVER must be an https:// or file:// URL (got $(printf '%q' "$server"))" ;;
esac
[[ "$server" != *[[:space:]]* ]] || usage "ORG_AUDIT_SERVER holds a space"
url="$server/$repo"

# Never a prompt (a private repository without a token fails at once), never a checkout filter
# from the machine's configuration, never an LFS download: leakgate reads blobs as stored.
export GIT_TERMINAL_PROMPT=0 GIT_LFS_SKIP_SMUDGE=1 GIT_ASKPASS=true SSH_ASKPASS=true
if [ -n "${ORG_AUDIT_TOKEN:-}" ]; then
  case "$server" in
    https://*) ;;
    *) usage "ORG_AUDIT_TOKEN is only sent to an https:// server" ;;
  esac
  header="AUTHORIZATION: basic $(printf 'x-access-token:%s' "$ORG_AUDIT_TOKEN" | base64 | tr -d '\n')"
  if [ "${GITHUB_ACTIONS:-}" = true ]; then
    echo "::add-mask::${header#AUTHORIZATION: basic }"
  fi
  n=${GIT_CONFIG_COUNT:-0}
  [[ "$n" =~ ^[0-9]+$ ]] || n=0
  export "GIT_CONFIG_KEY_$n=http.$server/.extraheader" "GIT_CONFIG_VALUE_$n=$header"
  export GIT_CONFIG_COUNT=$((n + 1))
  unset header
fi

delay=${ORG_AUDIT_RETRY_DELAY:-5}
[[ "$delay" =~ ^[0-9]{1,3}$ ]] || delay=5
attempt=1
until git clone --quiet --no-local -- "$url" "$dest"; do
  rm -rf -- "$dest"
  if [ "$attempt" -ge 3 ]; then
    say "could not clone $repo from $server after $attempt attempts (does the token given as secrets.token read it?)"
    exit 1
  fi
  say "cloning $repo failed (attempt $attempt of 3); retrying"
  sleep $((attempt * delay))
  attempt=$((attempt + 1))
done

if ! check "$dest"; then
  exit 1
fi
commits=$(git -C "$dest" rev-list --all --count 2>/dev/null || echo 0)
say "cloned $repo: $commits commits, full history"
