#!/bin/bash
# MR accuracy of the BiLSTM and logistic-regression students distilled from fine-tuned MiniLM-L6
# teachers, with and without Tang et al.'s augmentation (the README's BiLSTM table).
#   scripts/distill-bilstm-mr.sh [TEACHER_FOLDER...]     (default: runs/teachers/mr-seed{1,2,3})
# Teacher folder i (1-based) runs with seed i. Each teacher gets one recipe, written to
# runs/bilstm-mr/seedI.yaml, whose nine sweep points are the table's rows; the augmented points
# share one transfer set labelled by that teacher. Set BERTSLIM to the binary (default:
# .build/release/bertslim); runs take the machine-wide training lock when LOCK is set (a file).
# Then: python3 scripts/summarize-bilstm-mr.py runs/bilstm-mr/seed*/results.json
set -euo pipefail
cd "$(dirname "$0")/.."
BERTSLIM=${BERTSLIM:-.build/release/bertslim}
N_ITER=${N_ITER:-5}   # the README's table; the paper (and recipes/distill-bilstm.yaml) use 20
teachers=("$@")
[ ${#teachers[@]} -gt 0 ] || teachers=(runs/teachers/mr-seed1 runs/teachers/mr-seed2 runs/teachers/mr-seed3)
for i in "${!teachers[@]}"; do teachers[$i]=$(realpath "${teachers[$i]}"); done
data=$PWD/assets/data/mr
mkdir -p runs/bilstm-mr
bilstm='{component: bilstm, settings: {lstm_size: 150, relu_size: 200, pooling: final, embeddings: teacher, vocabulary: training}}'
# The same with 64 units per direction, for the latency target at batch 1 × 64 tokens.
small='{component: bilstm, settings: {lstm_size: 64, relu_size: 200, pooling: final, embeddings: teacher, vocabulary: training}}'
lr='{component: logistic-regression, settings: {ngrams: 2, min_count: 1, weighting: tfidf}}'
augment="{component: tang-rules, settings: {n_iter: $N_ITER, p_mask: 0.1, p_neighbour: 0.1, p_ngram: 0.25, max_ngram: 5}}"
for i in "${!teachers[@]}"; do
  seed=$((i + 1))
  recipe=runs/bilstm-mr/seed$seed.yaml
  cat > "$recipe" <<YAML
recipe: 1
name: bilstm-mr-seed$seed
seed: $seed
data: {train: $data/train.tsv, dev: $data/dev.tsv, test: $data/test.tsv, max_length: 64}
teacher: {model: ${teachers[$i]}}
stages:
  - distill: {student: $bilstm, losses: [{component: cross-entropy}]}
  - evaluate: {split: test}
  - export: {name: student}
sweep:
  stages[0].distill:
    - {student: $bilstm, losses: [{component: cross-entropy}], epochs: 6, batch_size: 32, learning_rate: 2.0e-3, weight_decay: 0}
    - {student: $bilstm, losses: [{component: mse-logits}], epochs: 6, batch_size: 32, learning_rate: 2.0e-3, weight_decay: 0}
    - {student: $bilstm, losses: [{component: mse-logits}], augment: $augment, epochs: 3, batch_size: 64, learning_rate: 1.5e-3, weight_decay: 0, checkpoint_every: 1000}
    - {student: $bilstm, losses: [{component: hinton-kd, settings: {temperature: 2, alpha: 0.5}}], augment: $augment, epochs: 3, batch_size: 64, learning_rate: 1.5e-3, weight_decay: 0, checkpoint_every: 1000}
    - {student: $lr, losses: [{component: cross-entropy}], epochs: 10, batch_size: 32, learning_rate: 1.0e-2, weight_decay: 0}
    - {student: $lr, losses: [{component: mse-logits}], epochs: 10, batch_size: 32, learning_rate: 1.0e-2, weight_decay: 0}
    - {student: $lr, losses: [{component: mse-logits}], augment: $augment, epochs: 3, batch_size: 64, learning_rate: 1.0e-2, weight_decay: 0, checkpoint_every: 1000}
    - {student: $small, losses: [{component: cross-entropy}], epochs: 6, batch_size: 32, learning_rate: 2.0e-3, weight_decay: 0}
    - {student: $small, losses: [{component: mse-logits}], augment: $augment, epochs: 3, batch_size: 64, learning_rate: 1.5e-3, weight_decay: 0, checkpoint_every: 1000}
YAML
  "$BERTSLIM" validate "$recipe"
  if [ -n "${LOCK:-}" ]; then
    flock "$LOCK" "$BERTSLIM" run "$recipe" --out runs/bilstm-mr/seed$seed --cache runs/bilstm-mr/cache --resume
  else
    "$BERTSLIM" run "$recipe" --out runs/bilstm-mr/seed$seed --cache runs/bilstm-mr/cache --resume
  fi
done
