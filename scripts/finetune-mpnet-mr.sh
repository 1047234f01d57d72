#!/usr/bin/env bash
# Fine-tunes all-mpnet-base-v2 on MR for seeds 1-3 (recipes/mpnet-teacher.yaml) into
# runs/mpnet-mr/teacher-seed<s>; a stopped run resumes from its last checkpoint when the script
# runs again. Needs `make assets-large` and a release build.
#   BERTSLIM=.build/release/bertslim SEEDS="1 2 3" LOCK=/path/to/lockfile scripts/finetune-mpnet-mr.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BERTSLIM="${BERTSLIM:-$ROOT/.build/release/bertslim}"
[[ -f "$ROOT/assets/model/mpnet-base/model.safetensors" ]] || { echo "assets/model/mpnet-base is missing: run make assets-large" >&2; exit 1; }
mkdir -p "$ROOT/runs/mpnet-mr"
for seed in ${SEEDS:-1 2 3}; do
  command=("$BERTSLIM" run "$ROOT/recipes/mpnet-teacher.yaml" --out "$ROOT/runs/mpnet-mr/teacher-seed$seed" --seed "$seed" --resume --quiet --no-ledger)
  if [[ -n "${LOCK:-}" ]]; then command=(flock "$LOCK" "${command[@]}"); fi
  echo "${command[*]}"
  "${command[@]}"
done
