#!/usr/bin/env python3
"""Plants generated (fake, well-formed) secrets into a corpus so a comparison measures recall as
well as speed. Writes DIR/leakgate-planted/NNN-<kind>.<ext>, one secret per file, and prints the
number planted. Tokens follow each provider's documented format (GitHub tokens carry a valid
CRC-32 checksum); none is real."""
import base64, os, random, sys, zlib

B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
rng = random.Random(20261129)

def s(alphabet, n):
    return "".join(rng.choice(alphabet) for _ in range(n))

def b62(n): return s(B62, n)

def gh(prefix):
    body = b62(30)
    crc = zlib.crc32(body.encode()) & 0xFFFFFFFF
    check = ""
    for _ in range(6):
        check = B62[crc % 62] + check
        crc //= 62
    return prefix + body + check

def pem():
    der = bytes(rng.getrandbits(8) for _ in range(600))
    body = "MII" + base64.b64encode(der).decode()[3:]
    lines = "\n".join(body[i:i + 64] for i in range(0, len(body), 64))
    return f"-----BEGIN RSA PRIVATE KEY-----\n{lines}\n-----END RSA PRIVATE KEY-----\n"

KINDS = [
    ("github", "py", lambda: f"GITHUB_TOKEN = '{gh('ghp_')}'\n"),
    ("aws", "cfg", lambda: "[default]\naws_access_key_id = AKIA" + s("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)
        + "\naws_secret_access_key = " + s(B62 + "/+", 40) + "\n"),
    ("stripe", "js", lambda: f"const stripe = require('stripe')('sk_live_{b62(24)}');\n"),
    ("slack", "env", lambda: f"SLACK_BOT_TOKEN=xoxb-{s('0123456789', 12)}-{s('0123456789', 13)}-{b62(24)}\n"),
    ("postgres", "yml", lambda: f"url: postgres://app:{b62(20)}@db.internal.example.net:5432/app\n"),
    ("rsa", "pem", pem),
    ("gitlab", "sh", lambda: f"export GITLAB_TOKEN=glpat-{b62(20)}\n"),
    ("sendgrid", "rb", lambda: f"SENDGRID = 'SG.{b62(22)}.{b62(43)}'\n"),
]

def main():
    root = sys.argv[1]
    per_kind = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    out = os.path.join(root, "leakgate-planted")
    os.makedirs(out, exist_ok=True)
    n = 0
    for i in range(per_kind):
        for kind, ext, make in KINDS:
            n += 1
            with open(os.path.join(out, f"{n:03}-{kind}.{ext}"), "w") as f:
                f.write(make())
    print(n)

if __name__ == "__main__":
    main()
