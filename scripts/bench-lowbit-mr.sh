#!/bin/bash
# Latency of the low-bit folders of scripts/quantize-lowbit-mr.sh against their fp32 teacher, for
# the README's low-bit table: every post-training folder of one seed's runs, timed with
# `bench infer --versus` (the two models in alternation, same batch, median of RUNS) at 8 × 128;
# then the folders matching CAPPED (an extended regex on the point's label) again under each
# BERTSLIM_MAX_ISA cap in CAPS, the kernels other x86-64 CPUs pick.
#   scripts/bench-lowbit-mr.sh            (SEED, default 1; RUNS, default 15)
# Appends one JSON object per pair to runs/lowbit-mr/latency.jsonl: run, export, label, cap,
# fp32_ms, lowbit_ms and the kernels used. Needs a quiet machine: run nothing else meanwhile.
# Then: python3 scripts/summarize-lowbit-mr.py runs/lowbit-mr
set -euo pipefail
cd "$(dirname "$0")/.."
BERTSLIM=${BERTSLIM:-.build/release/bertslim}
SEED=${SEED:-1}
RUNS=${RUNS:-15}
CAPS=${CAPS:-avx512_vnni avx512 avx2}
CAPPED=${CAPPED:-bits: 3, granularity: row|kmeans, settings: \{bits: 4\}|q8bert}
out=runs/lowbit-mr/latency.jsonl
teacher=$(realpath runs/teachers/mr-seed$SEED)
for run in runs/lowbit-mr/*-e0*-seed$SEED; do
  python3 -c '
import json, sys
for p in json.load(open(sys.argv[1] + "/results.json"))["points"]:
    for e in p.get("exports", []):
        print(e + "\t" + p["label"])' "$run" |
  while IFS=$'\t' read -r export label; do
    caps=(none); echo "$label" | grep -Eq "$CAPPED" && caps+=($CAPS)
    for cap in "${caps[@]}"; do
      capped=(); [ "$cap" = none ] || capped=(BERTSLIM_MAX_ISA=$cap)
      lines=$(env "${capped[@]}" "$BERTSLIM" bench infer --model "$teacher" \
              --versus "$run/$export" --batch 8 --seq 128 --runs "$RUNS" --json)
      python3 -c '
import json, sys
fp32, lowbit = (json.loads(l) for l in sys.argv[1].splitlines()[-2:])
print(json.dumps({"run": sys.argv[2], "export": sys.argv[3], "label": sys.argv[4], "cap": sys.argv[5],
                  "fp32_ms": fp32["median_ms"], "lowbit_ms": lowbit["median_ms"], "kernels": lowbit["kernels"]}))
' "$lines" "$(basename "$run")" "$export" "$label" "$cap" | tee -a "$out"
    done
  done
done
