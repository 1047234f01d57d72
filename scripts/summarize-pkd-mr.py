#!/usr/bin/env python3
"""The README's PKD, ensemble and born-again table from the runs of scripts/distill-pkd-mr.sh.

    python3 scripts/summarize-pkd-mr.py runs/pkd-mr

Prints a Markdown table of MR test accuracy (%) per seed and mean ± sample standard deviation, and
the per-seed paired differences that tell signal from noise (one test sentence is 0.09 points).
"""
import json
import os
import statistics
import sys

root = sys.argv[1] if len(sys.argv) > 1 else "runs/pkd-mr"
rows = {}


def add(name, seed, evaluation):
    if evaluation:
        rows.setdefault(name, {})[seed] = 100 * evaluation["accuracy"]


def load(name, seed):
    path = os.path.join(root, f"{name}-seed{seed}", "results.json")
    return json.load(open(path))["points"] if os.path.exists(path) else []


POINTS = ["3-layer, hard labels", "3-layer, Hinton KD", "3-layer, PKD-Skip", "3-layer, PKD-Last"]
for seed in (1, 2, 3):
    for index, point in enumerate(load("distill-pkd", seed)):
        add("teacher (fine-tuned MiniLM-L6)", seed, point["models"][0]["evaluations"].get("test"))
        add(POINTS[index], seed, point["models"][-1]["evaluations"].get("test"))
    for point in load("distill-ensemble", seed):
        for model in point["models"]:
            name = "ensemble of the 3 teachers" if model["origin"].endswith(".teacher") else "3-layer, Hinton KD from the ensemble"
            add(name, seed, model["evaluations"].get("test"))
    for point in load("born-again", seed):
        add("born-again 6-layer (from pretrained, BAM annealing)", seed, point["models"][-1]["evaluations"].get("test"))


def cells(by):
    values = [by.get(seed) for seed in (1, 2, 3)]
    done = [v for v in values if v is not None]
    mean = f"{statistics.mean(done):.2f} ± {statistics.stdev(done):.2f}" if len(done) > 1 else "–"
    return " | ".join(f"{v:.2f}" if v is not None else "–" for v in values) + f" | {mean}"


print("| model | seed 1 | seed 2 | seed 3 | mean ± sd |")
print("|---|---|---|---|---|")
for name, by in rows.items():
    print(f"| {name} | {cells(by)} |")
print()
PAIRS = [("3-layer, PKD-Skip", "3-layer, Hinton KD"), ("3-layer, PKD-Last", "3-layer, Hinton KD"),
         ("3-layer, Hinton KD", "3-layer, hard labels"),
         ("3-layer, Hinton KD from the ensemble", "3-layer, Hinton KD"),
         ("born-again 6-layer (from pretrained, BAM annealing)", "teacher (fine-tuned MiniLM-L6)")]
print("| paired difference (points) | seed 1 | seed 2 | seed 3 | mean |")
print("|---|---|---|---|---|")
for a, b in PAIRS:
    if a in rows and b in rows:
        diffs = [rows[a][s] - rows[b][s] if s in rows[a] and s in rows[b] else None for s in (1, 2, 3)]
        done = [d for d in diffs if d is not None]
        print(f"| {a} − {b} | " + " | ".join(f"{d:+.2f}" if d is not None else "–" for d in diffs)
              + f" | {statistics.mean(done):+.2f} |" if done else " | – |")
