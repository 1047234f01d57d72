#!/bin/bash
# MR accuracy of Q-BERT, k-means and linear low-bit quantization from fine-tuned MiniLM-L6
# teachers (the README's "Q-BERT and k-means quantization" table).
#   scripts/quantize-lowbit-mr.sh TEACHER1 TEACHER2 TEACHER3     (default: runs/teachers/mr-seed{1,2,3})
# Teacher folder i (1-based) runs with seed i, through recipes/qbert.yaml and recipes/kmeans.yaml
# with teacher.model set to it and the finetune stage removed. EPOCHS sets the swept epochs of the
# quantize stage (default "0, 1": after training, and with one epoch of quantization-aware
# training); KEEP, an extended regex, keeps only the sweep's quantizer entries that match it
# (default: all); RECIPES names the recipes (default: "qbert kmeans"). Runs go to
# runs/lowbit-mr/<recipe>-e<EPOCHS><TAG>-seed<i> (TAG, default empty, tells apart runs that keep
# different entries); BENCH=0 drops the benchmark stages (latency is then timed apart, with
# bench infer --versus); SEEDS picks seeds (default "1 2 3"). Set BERTSLIM to the binary
# (default: .build/release/bertslim); runs take the training lock when LOCK is set (a file).
# Then: python3 scripts/summarize-lowbit-mr.py runs/lowbit-mr
set -euo pipefail
cd "$(dirname "$0")/.."
BERTSLIM=${BERTSLIM:-.build/release/bertslim}
EPOCHS=${EPOCHS:-0, 1}
KEEP=${KEEP:-.}
RECIPES=${RECIPES:-qbert kmeans}
TAG=${TAG:-}
BENCH=${BENCH:-1}
SEEDS=${SEEDS:-1 2 3}
teachers=("$@")
[ ${#teachers[@]} -gt 0 ] || teachers=(runs/teachers/mr-seed1 runs/teachers/mr-seed2 runs/teachers/mr-seed3)
[ ${#teachers[@]} -eq 3 ] || { echo "three teacher folders, please (seeds 1-3)" >&2; exit 64; }
for i in 0 1 2; do teachers[$i]=$(realpath "${teachers[$i]}"); done
out=runs/lowbit-mr
mkdir -p $out
tag="e$(echo "$EPOCHS" | tr -d ' ,')$TAG"
for recipe in $RECIPES; do
  for seed in $SEEDS; do
    i=$((seed - 1))
    name=$recipe-$tag-seed$seed
    file=$out/$name.yaml
    # Recipe paths are relative to the recipe's folder: make them absolute, point the teacher at
    # the given folder, drop the finetune stage, set the epochs axis and keep the chosen quantizers.
    sed -e "s#\.\./assets#$PWD/assets#g" -e "s#^seed: 1#seed: $seed#" \
        -e "s#^  model: .*#  model: ${teachers[$i]}#" -e "/^  - finetune:/d" \
        -e "s#^\(  stages\.[a-z]*\.epochs:\) .*#\1 [$EPOCHS]#" recipes/$recipe.yaml \
      | if [ "$BENCH" = 0 ]; then sed "/^  - benchmark:/d"; else cat; fi \
      | awk -v keep="$KEEP" '!/^    - \{component:/ || $0 ~ keep' > "$file"
    "$BERTSLIM" validate "$file" >/dev/null
    run=("$BERTSLIM" run "$file" --out "$out/$name" --seed "$seed" --resume --quiet --no-ledger)
    if [ -n "${LOCK:-}" ]; then flock "$LOCK" "${run[@]}"; else "${run[@]}"; fi
  done
done
