#!/bin/bash
# MR accuracy of BERT-PKD, ensemble-taught and born-again students from fine-tuned MiniLM-L6
# teachers (the README's "Patient, ensemble and born-again distillation" table).
#   scripts/distill-pkd-mr.sh TEACHER1 TEACHER2 TEACHER3     (default: runs/teachers/mr-seed{1,2,3})
# Teacher folder i (1-based) runs with seed i. Each teacher gets three runs under runs/pkd-mr:
# recipes/distill-pkd.yaml (hard labels, Hinton KD, PKD-Skip, PKD-Last), recipes/distill-ensemble.yaml
# (the three teachers as one ensemble, the student made from teacher i) and recipes/born-again.yaml,
# each with teacher.model set to teacher i and its finetune stage removed. Set BERTSLIM to the
# binary (default: .build/release/bertslim); runs take the training lock when LOCK is set (a file).
# Then: python3 scripts/summarize-pkd-mr.py runs/pkd-mr
set -euo pipefail
cd "$(dirname "$0")/.."
BERTSLIM=${BERTSLIM:-.build/release/bertslim}
teachers=("$@")
[ ${#teachers[@]} -gt 0 ] || teachers=(runs/teachers/mr-seed1 runs/teachers/mr-seed2 runs/teachers/mr-seed3)
[ ${#teachers[@]} -eq 3 ] || { echo "three teacher folders, please (seeds 1-3)" >&2; exit 64; }
for i in 0 1 2; do teachers[$i]=$(realpath "${teachers[$i]}"); done
out=runs/pkd-mr
mkdir -p $out
for recipe in distill-pkd distill-ensemble born-again; do
  for i in 0 1 2; do
    seed=$((i + 1))
    file=$out/$recipe-seed$seed.yaml
    # Recipe paths are relative to the recipe's folder: make them absolute, point the teacher and
    # the ensemble at the given folders, and drop the finetune stage (the teachers are fine-tuned).
    sed -e "s#\.\./assets#$PWD/assets#g" -e "s#^seed: 1#seed: $seed#" \
        -e "s#^  model: .*#  model: ${teachers[$i]}#" \
        -e "s#models: \[.*\]#models: [${teachers[0]}, ${teachers[1]}, ${teachers[2]}]#" \
        -e "/^  - finetune:/d" recipes/$recipe.yaml > "$file"
    "$BERTSLIM" validate "$file" >/dev/null
    run=("$BERTSLIM" run "$file" --out "$out/$recipe-seed$seed" --seed "$seed" --resume --quiet)
    if [ -n "${LOCK:-}" ]; then flock "$LOCK" "${run[@]}"; else "${run[@]}"; fi
  done
done
