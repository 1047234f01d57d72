#!/usr/bin/env python3
"""MR accuracy of LRP heads, concrete gates, Sixteen Heads and random heads at 20/40/60/80 % of
heads removed, without fine-tuning, from the fine-tuned MiniLM-L6 teachers (the README's
"Choosing heads" table).

    python3 scripts/prune-heads-mr.py [TEACHER1 TEACHER2 TEACHER3]   (default: runs/teachers/mr-seed{1,2,3})

Needs PyYAML. For teacher folder i (seed i), under runs/heads-mr:
- lrp-seed<i>: recipes/lrp-heads.yaml (its sweep: LRP, Sixteen Heads, random heads; 4 steps to 80 %);
- gates-seed<i>: recipes/concrete-gates.yaml with `lambda` removed, so that λ is searched for the
  stage's sparsity, swept over 0.2, 0.4, 0.6, 0.8 (one step each);
- gates50-seed<i>: the same at 50 % (the issue's target point);
- gates-ft-seed<i>: the same pruner in one stage of 4 steps (20, 40, 60, 80 %), each followed by
  one epoch of fine-tuning at lr 2e-5 (as the Sixteen Heads table's fine-tuned column).
All with teacher.model set to teacher i and the finetune stage removed. SEEDS (space-separated)
and RUNS (comma-separated: lrp, gates, gates50, gates-ft) choose what runs; BERTSLIM the binary (default
.build/release/bertslim); LOCK a file whose lock each run holds. Then:
    python3 scripts/summarize-heads-mr.py runs/heads-mr
"""
import os
import sys

from mr_runs import ROOT, recipe, run

OUT = os.path.join(ROOT, "runs", "heads-mr")


def main():
    teachers = sys.argv[1:] or [os.path.join(ROOT, "runs", "teachers", f"mr-seed{i}") for i in (1, 2, 3)]
    if len(teachers) != 3:
        sys.exit("three teacher folders, please (seeds 1-3)")
    seeds = [int(s) for s in os.environ.get("SEEDS", "1 2 3").split()]
    runs = os.environ.get("RUNS", "lrp,gates,gates50,gates-ft").split(",")
    os.makedirs(OUT, exist_ok=True)
    for seed in seeds:
        teacher = teachers[seed - 1]
        if "lrp" in runs:
            run(recipe("lrp-heads", teacher, seed), OUT, f"lrp-seed{seed}", seed)
        for name, fractions in (("gates", [0.2, 0.4, 0.6, 0.8]), ("gates50", [0.5])):
            if name not in runs:
                continue
            document = recipe("concrete-gates", teacher, seed)
            gates = next(s for s in document["stages"] if s.get("id") == "gates")
            gates["prune"]["pruner"]["settings"].pop("lambda")
            document["sweep"] = {"stages.gates.sparsity": fractions}
            run(document, OUT, f"{name}-seed{seed}", seed)
        if "gates-ft" in runs:
            document = recipe("concrete-gates", teacher, seed)
            document.pop("sweep")
            prune = next(s for s in document["stages"] if s.get("id") == "gates")["prune"]
            prune["pruner"]["settings"].pop("lambda")
            prune["sparsity"] = {"schedule": "linear", "from": 0, "to": 0.8}
            prune["steps"] = 4
            prune["finetune"] = {"epochs": 1, "batch_size": 32, "learning_rate": 2.0e-5, "checkpoint_every": 0}
            run(document, OUT, f"gates-ft-seed{seed}", seed)


if __name__ == "__main__":
    main()
