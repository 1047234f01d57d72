#!/usr/bin/env bash
# Create <repo>/.venv with the Python reference stack (torch, transformers, onnxruntime)
# used only to generate test fixtures and run side-by-side benchmarks; BertSlim itself
# never depends on Python. Re-runs are instant once the stamp matches the pins below.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
# The +cpu wheel sits in pip's find-links (/opt/wheels); an unpinned torch from PyPI
# would pull several GB of CUDA packages.
TORCH="torch==2.13.0+cpu"
REST=("transformers<5" tokenizers safetensors numpy onnxruntime onnx)
STAMP="$VENV/.bertslim-installed"
WANT="$TORCH ${REST[*]}"

if [[ ! -x "$VENV/bin/python" ]]; then
  echo "creating $VENV"
  python3 -m venv "$VENV"
fi
[[ -f "$VENV/.gitignore" ]] || echo '*' > "$VENV/.gitignore"

if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$WANT" ]]; then
  echo "up to date: $VENV"
else
  PIP=("$VENV/bin/python" -m pip --disable-pip-version-check)
  # torch first and alone, then the rest constrained to it, so no resolver step can
  # swap it for a CUDA build.
  "${PIP[@]}" install --quiet "$TORCH"
  echo "$TORCH" > "$VENV/constraints.txt"
  "${PIP[@]}" install --quiet -c "$VENV/constraints.txt" "${REST[@]}"
  if "${PIP[@]}" list 2>/dev/null | grep -iE '^(nvidia-|triton)'; then
    echo "error: CUDA packages were installed into $VENV" >&2
    exit 1
  fi
  echo "$WANT" > "$STAMP"
fi

# Read versions from metadata rather than importing: keeps the no-op run instant.
"$VENV/bin/python" - <<'EOF'
import sys
from importlib.metadata import version
print(f"python {sys.version.split()[0]}")
for dist in ["torch", "transformers", "tokenizers", "safetensors", "numpy", "onnxruntime", "onnx"]:
    print(f"{dist} {version(dist)}")
EOF
