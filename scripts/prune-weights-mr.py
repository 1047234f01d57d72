#!/usr/bin/env python3
"""MR accuracy of magnitude pruning (AGP to 50/70/80/90 % of the encoder's Linear weights) and of
FFN neuron pruning (25/50/75 %), both with fine-tuning, from the fine-tuned MiniLM-L6 teachers
(the README's "Weight and neuron pruning" table).

    python3 scripts/prune-weights-mr.py [TEACHER1 TEACHER2 TEACHER3]   (default: runs/teachers/mr-seed{1,2,3})

Needs PyYAML. For teacher folder i (seed i), under runs/weights-mr:
- magnitude-seed<i>: recipes/magnitude.yaml (its sweep over the final sparsity);
- neurons-seed<i>: recipes/ffn-neurons.yaml (its sweep over the fraction of neurons);
both with teacher.model set to teacher i and the finetune stage removed. SEEDS (space-separated)
and RUNS (comma-separated: magnitude, neurons) choose what runs; BERTSLIM the binary (default
.build/release/bertslim); LOCK a file whose lock each run holds. Then, with the machine quiet:
    python3 scripts/summarize-weights-mr.py runs/weights-mr [--bench]
"""
import os
import sys

from mr_runs import ROOT, recipe, run

OUT = os.path.join(ROOT, "runs", "weights-mr")


def main():
    teachers = sys.argv[1:] or [os.path.join(ROOT, "runs", "teachers", f"mr-seed{i}") for i in (1, 2, 3)]
    if len(teachers) != 3:
        sys.exit("three teacher folders, please (seeds 1-3)")
    seeds = [int(s) for s in os.environ.get("SEEDS", "1 2 3").split()]
    runs = os.environ.get("RUNS", "magnitude,neurons").split(",")
    os.makedirs(OUT, exist_ok=True)
    for seed in seeds:
        teacher = teachers[seed - 1]
        if "neurons" in runs:
            run(recipe("ffn-neurons", teacher, seed), OUT, f"neurons-seed{seed}", seed)
        if "magnitude" in runs:
            run(recipe("magnitude", teacher, seed), OUT, f"magnitude-seed{seed}", seed)


if __name__ == "__main__":
    main()
