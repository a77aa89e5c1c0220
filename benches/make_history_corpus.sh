#!/usr/bin/env bash
# Builds a large git history corpus for the history-scan benchmarks, locally, from the crate
# sources in the cargo registry (no network). Uses `git fast-import`, so thousands of commits
# take a minute or two rather than an hour of `git commit`.
#
# Shape of the history (deterministic: seeded):
#   pass 1   every crate's files are added under vendor/<crate>/, FILES_PER_COMMIT per commit
#   pass 2.. each pass edits about half of the files (a line inserted at a seeded position),
#            FILES_PER_COMMIT per commit; every 25th group goes on a feature branch that is
#            merged back with a merge commit; every 200th commit gets a tag
#   secrets  a few generated fake AWS key ids are added in some commits and deleted later
#            (all generated here; none is real)
# Then `git repack -adf` so the packs look like a server-side clone (deltas, pack order).
#
# Usage: benches/make_history_corpus.sh [OUT_DIR]     (default /work/corpus/history)
#   PASSES=4 FILES_PER_COMMIT=8 SRC=~/.cargo/registry/src/<index>/ REPACK=1
set -euo pipefail

OUT=${1:-/work/corpus/history}
PASSES=${PASSES:-4}
FILES_PER_COMMIT=${FILES_PER_COMMIT:-8}
SRC=${SRC:-$(ls -d "$HOME"/.cargo/registry/src/*/ | head -n 1)}
REPACK=${REPACK:-1}

if [ -e "$OUT" ]; then
    echo "$OUT exists; remove it first" >&2
    exit 2
fi
mkdir -p "$OUT"
git init -q -b main "$OUT"

python3 - "$SRC" "$PASSES" "$FILES_PER_COMMIT" <<'PY' | git -C "$OUT" fast-import --quiet --done
import os, random, sys

src, passes, per_commit = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(20240611)
out = sys.stdout.buffer
MAX = 4 * 1024 * 1024

files = []  # (repo path, bytes)
for crate in sorted(os.listdir(src)):
    base = os.path.join(src, crate)
    if not os.path.isdir(base):
        continue
    name = crate.rsplit("-", 1)[0] if crate[-1:].isdigit() else crate
    for root, dirs, names in os.walk(base):
        dirs.sort()
        for n in sorted(names):
            p = os.path.join(root, n)
            if os.path.islink(p) or not os.path.isfile(p) or os.path.getsize(p) > MAX:
                continue
            rel = os.path.relpath(p, base)
            with open(p, "rb") as f:
                files.append((f"vendor/{crate}/{rel}", f.read()))

mark = 0
clock = 1500000000
def new_mark():
    global mark
    mark += 1
    return mark

def commit(ref, message, changes, parents=(), author="Corpus Dev <dev@corpus.invalid>"):
    global clock
    clock += 600
    m = new_mark()
    msg = message.encode()
    out.write(f"commit {ref}\nmark :{m}\n".encode())
    out.write(f"author {author} {clock} +0000\ncommitter {author} {clock} +0000\n".encode())
    out.write(b"data %d\n%s\n" % (len(msg), msg))
    for i, p in enumerate(parents):
        out.write(f"{'from' if i == 0 else 'merge'} :{p}\n".encode())
    for op, path, data in changes:
        if op == "D":
            out.write(f"D {path}\n".encode())
        else:
            out.write(f"M 100644 inline {path}\ndata {len(data)}\n".encode())
            out.write(data)
            out.write(b"\n")
    out.write(b"\n")
    return m

B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
def fake_key():
    return "AKIA" + "".join(rng.choice(B32) for _ in range(16))

def edit(data, n):
    lines = data.split(b"\n")
    at = rng.randrange(len(lines) + 1)
    lines.insert(at, b"// corpus edit %d %d" % (n, rng.randrange(1 << 30)))
    return b"\n".join(lines)

head = None
count = 0
current = dict(files)
secret_paths = []
for p in range(1, passes + 1):
    if p == 1:
        paths = [f for f, _ in files]
    else:
        paths = [f for f, _ in files if rng.random() < 0.5]
    for g in range(0, len(paths), per_commit):
        group = paths[g:g + per_commit]
        changes = []
        for path in group:
            if p > 1:
                current[path] = edit(current[path], p)
            changes.append(("M", path, current[path]))
        count += 1
        if count % 97 == 0:
            sp = f"config/deploy-{count}.env"
            changes.append(("M", sp, f"AWS_ACCESS_KEY_ID={fake_key()}\nREGION=eu-west-1\n".encode()))
            secret_paths.append(sp)
        if count % 131 == 0 and secret_paths:
            changes.append(("D", secret_paths.pop(0), None))
        msg = f"pass {p}: update {group[0].split('/')[1]} ({len(group)} files)"
        if (g // per_commit) % 25 == 24 and head is not None:
            branch = f"refs/heads/feature/{count}"
            side = commit(branch, msg, changes, parents=(head,))
            side2 = commit(branch, f"pass {p}: follow-up {count}",
                           [("M", f"notes/feature-{count}.md", f"feature {count}\n".encode())],
                           parents=(side,))
            head = commit("refs/heads/main", f"Merge branch 'feature/{count}'", [], parents=(head, side2))
        else:
            head = commit("refs/heads/main", msg, changes, parents=(head,) if head else ())
        if count % 200 == 0:
            out.write(f"reset refs/tags/v0.{count // 200}.0\nfrom :{head}\n\n".encode())
out.write(b"done\n")
print(f"{count} commit groups", file=sys.stderr)
PY

git -C "$OUT" reset -q --hard main
if [ "$REPACK" = 1 ]; then
    git -C "$OUT" repack -q -a -d -f --window=10 --depth=50
fi
echo "commits: $(git -C "$OUT" rev-list --all | wc -l)"
echo "objects: $(git -C "$OUT" count-objects -v | tr '\n' ' ')"
