#!/usr/bin/env python3
"""Normalises the JSON reports of leakgate and its peers (gitleaks, betterleaks, Kingfisher) to
one shape, (file, line, secret hash, rule, severity), and compares them: per tool, findings and
findings per GB; the secrets a peer reports that leakgate does not; leakgate's findings that no
peer reports.

    python3 benches/normalise.py --root CORPUS --bytes N --out DIR \
        leakgate=lg.json gitleaks=gl.json betterleaks=bl.json kingfisher=kf.json

Secrets are read from the reports (leakgate's with --show-secrets) only to hash and compare
them: nothing this script prints or writes holds a secret, only the first 16 hex digits of its
SHA-256. Two findings are the same secret when they are in the same file and one tool's secret
contains the other's (tools cut a secret differently: `user:pass` or `pass`, a whole PEM block
or its first line), or, when a secret is shorter than 8 characters, at the same line. With
--history, a secret matches wherever it was reported: each tool attributes a secret to one of
the paths and commits it had, and they choose differently across renames and copies.

--out DIR gets, per corpus, `findings.tsv` (every normalised finding), `missed-by-leakgate.tsv`
and `leakgate-only.tsv`, the rows to triage in docs/differential.md.
"""

import argparse
import hashlib
import json
import os
import sys
from collections import defaultdict


def short_hash(secret):
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()[:16] if secret else ""


def relative(path, root):
    """A path relative to the corpus root, `/`-separated; git-history paths are already so."""
    if not path:
        return ""
    path = path.replace("\\", "/")
    if root:
        root = root.rstrip("/") + "/"
        for prefix in (root, os.path.realpath(root).rstrip("/") + "/"):
            if path.startswith(prefix):
                return path[len(prefix):]
    return path.lstrip("./") if path.startswith("./") else path


def load(path):
    """A report: JSON (an object or an array) or JSON lines."""
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    text = text.strip()
    if not text:
        return []
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return [json.loads(line) for line in text.splitlines() if line.strip().startswith("{")]


def leakgate(report, root):
    for f in report.get("findings", []):
        secret = f.get("secret")
        if secret is None:
            preview = f.get("preview") or ""
            secret = "" if "…" in preview else preview
        yield {
            "file": relative(f.get("path", ""), root),
            "line": f.get("line", 0),
            "secret": secret,
            "rule": f.get("rule", ""),
            "severity": f.get("severity", ""),
        }


def gitleaks(report, root):
    for f in report if isinstance(report, list) else report.get("findings", []):
        yield {
            "file": relative(f.get("File", ""), root),
            "line": f.get("StartLine", 0),
            "secret": f.get("Secret", "") or "",
            "rule": f.get("RuleID", ""),
            "severity": "",
        }


def betterleaks(report, root):
    for f in report.get("findings", []) if isinstance(report, dict) else report:
        location = f.get("location") or {}
        found = f.get("match") or {}
        yield {
            "file": relative(location.get("path", ""), root),
            "line": location.get("start_line", 0),
            "secret": found.get("value", "") or "",
            "rule": f.get("rule_id", ""),
            "severity": f.get("confidence", ""),
        }


def kingfisher(report, root):
    items = report
    if isinstance(report, dict):
        items = report.get("findings", report.get("matches", []))
    for item in items:
        rule = item.get("rule", {})
        f = item.get("finding", item)
        path = f.get("path", "")
        git = f.get("git_metadata") or {}
        if not path and git:
            path = (git.get("file") or {}).get("path", "")
        secret = f.get("snippet") or f.get("secret") or ""
        yield {
            "file": relative(path, root),
            "line": f.get("line", 0),
            "secret": secret,
            "rule": rule.get("id", "") if isinstance(rule, dict) else str(rule),
            "severity": f.get("confidence", ""),
        }


READERS = {
    "leakgate": leakgate,
    "gitleaks": gitleaks,
    "betterleaks": betterleaks,
    "kingfisher": kingfisher,
}


def same_secret(a, b):
    """Whether two normalised findings in the same file are the same secret."""
    sa, sb = a["secret"].strip(), b["secret"].strip()
    if len(sa) >= 8 and len(sb) >= 8:
        return sa in sb or sb in sa
    return a["line"] == b["line"]


def unique(findings):
    """One finding per (file, secret): history tools report a secret once per commit."""
    seen, out = set(), []
    for f in findings:
        key = (f["file"], f["secret"] or f"line {f['line']}")
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def matched(finding, others_by_file, history):
    """Whether `finding` is among the others: in the same file, or, for history, anywhere (a
    history scan reports a secret once, at one of the paths it had: tools pick different ones
    across renames and copies)."""
    if history and len(finding["secret"].strip()) >= 8:
        others = (o for group in others_by_file.values() for o in group)
        return any(len(o["secret"].strip()) >= 8 and same_secret(finding, o) for o in others)
    return any(same_secret(finding, o) for o in others_by_file.get(finding["file"], []))


def by_file(findings):
    index = defaultdict(list)
    for f in findings:
        index[f["file"]].append(f)
    return index


def row(f, tool=""):
    cells = [f["file"], str(f["line"]), short_hash(f["secret"]), f["rule"], f["severity"]]
    return "\t".join(([tool] if tool else []) + cells)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--root", default="", help="the corpus folder the tools were given")
    p.add_argument("--bytes", type=int, required=True, help="the corpus size in bytes")
    p.add_argument("--out", help="a folder for the normalised findings and the triage lists")
    p.add_argument(
        "--history",
        action="store_true",
        help="the reports are of git history: a secret matches wherever it was reported",
    )
    p.add_argument(
        "--leakgate-min",
        default="info",
        help="compare only leakgate findings at least this severe (default: all)",
    )
    p.add_argument("reports", nargs="+", help="TOOL=REPORT.json")
    args = p.parse_args()

    order = ["info", "low", "medium", "high", "critical"]
    found = {}
    for spec in args.reports:
        tool, _, path = spec.partition("=")
        if tool not in READERS:
            sys.exit(f"unknown tool {tool!r} (expected one of {', '.join(READERS)})")
        try:
            found[tool] = unique(list(READERS[tool](load(path), args.root)))
        except (OSError, ValueError) as e:
            print(f"{tool}: report unreadable ({e})", file=sys.stderr)
            found[tool] = []
    if "leakgate" not in found:
        sys.exit("a leakgate report is needed to compare with")
    floor = order.index(args.leakgate_min)
    ours = [f for f in found["leakgate"] if order.index(f["severity"] or "info") >= floor]
    gb = args.bytes / 1e9

    print(f"{'tool':12} {'findings':>9} {'per GB':>9} {'missed by leakgate':>19} {'leakgate-only':>14}")
    ours_index = by_file(ours)
    peers = {t: v for t, v in found.items() if t != "leakgate"}
    missed = []
    for tool, findings in found.items():
        if tool == "leakgate":
            continue
        miss = [f for f in findings if not matched(f, ours_index, args.history)]
        missed += [(tool, f) for f in miss]
        print(f"{tool:12} {len(findings):9} {len(findings) / gb:9.1f} {len(miss):19}")
    peer_index = by_file([f for v in peers.values() for f in v])
    only = [f for f in ours if not matched(f, peer_index, args.history)]
    severe = [f for f in ours if f["severity"] in ("critical", "high")]
    print(f"{'leakgate':12} {len(ours):9} {len(ours) / gb:9.1f} {'':19} {len(only):14}")
    print(f"leakgate critical/high: {len(severe)} ({len(severe) / gb:.1f} per GB)")

    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "findings.tsv"), "w") as f:
            f.write("tool\tfile\tline\tsecret_sha256_16\trule\tseverity\n")
            for tool, findings in found.items():
                for x in findings:
                    f.write(row(x, tool) + "\n")
        with open(os.path.join(args.out, "missed-by-leakgate.tsv"), "w") as f:
            f.write("tool\tfile\tline\tsecret_sha256_16\trule\tseverity\n")
            for tool, x in sorted(missed, key=lambda t: (t[1]["file"], t[1]["line"], t[0])):
                f.write(row(x, tool) + "\n")
        with open(os.path.join(args.out, "leakgate-only.tsv"), "w") as f:
            f.write("file\tline\tsecret_sha256_16\trule\tseverity\n")
            for x in sorted(only, key=lambda x: (x["file"], x["line"])):
                f.write(row(x) + "\n")


if __name__ == "__main__":
    main()
