#!/usr/bin/env python3
"""The README's MPNet table from the runs of scripts/finetune-mpnet-mr.sh and scripts/compress-mpnet-mr.py.

    python3 scripts/summarize-mpnet-mr.py runs/mpnet-mr

Prints a Markdown table: MR test accuracy (%) per seed, mean ± sample standard deviation, the share
of the MPNet teachers' mean, parameters and file size (seed 1's), and latency at 1 and 8 × 128
against the teacher (runs/mpnet-mr/latency.json: each model timed in alternation with its teacher).
"""
import json
import os
import statistics
import sys

root = sys.argv[1] if len(sys.argv) > 1 else "runs/mpnet-mr"
SEEDS = (1, 2, 3)
rows = {}  # name → {"acc": {seed: %}, "params": n, "bytes": n, "latency": key, "heads": {seed: heads kept}}


def points(name, seed):
    path = os.path.join(root, f"{name}-seed{seed}", "results.json")
    return json.load(open(path))["points"] if os.path.exists(path) else []


def add(name, seed, model, latency=None, heads=None):
    test = model["evaluations"].get("test")
    if not test:
        return
    row = rows.setdefault(name, {"acc": {}, "heads": {}})
    row["acc"][seed] = 100 * test["accuracy"]
    if heads:
        row["heads"][seed] = heads
    if seed == 1 or "params" not in row:
        row["params"], row["bytes"], row["latency"] = model["parameters"], model["fileBytes"], latency


TEACHER = "teacher: all-mpnet-base-v2 fine-tuned"
STUDENTS = [("6 × 768 student (layers 0, 2, …, 10), Hinton KD", "6x768-kd"),
            ("MiniLM-L6-shaped student (from MiniLM-L6), Hinton KD", "minilm-kd")]
HARD = ["6 × 768 student, hard labels", "MiniLM-L6-shaped student, hard labels"]
for seed in SEEDS:
    for point in points("teacher", seed):
        add(TEACHER, seed, point["models"][-1])
    for index, point in enumerate(points("students", seed)):
        add(STUDENTS[index][0], seed, point["models"][-1], STUDENTS[index][1])
    for index, point in enumerate(points("hard", seed)):
        add(HARD[index], seed, point["models"][-1])
    for point in points("pkd", seed):
        add("6 × 768 student, BERT-PKD (PKD-Skip)", seed, point["models"][-1])
    for point in points("sixteen-heads", seed):
        model = point["models"][-1]
        pruning = next((m["pruning"] for m in point["models"] if "pruning" in m), None)
        heads = pruning and next(s["heads"] for s in pruning["steps"] if s["step"] == pruning["keptStep"])
        add("Sixteen Heads (within 1 % on dev)", seed, model, "sixteen-heads", heads)
    for index, point in enumerate(points("q8bert", seed)):
        add(["Q8BERT int8, static ranges", "Q8BERT int8, dynamic ranges"][index], seed, point["models"][-1],
            ["int8-static", "int8-dynamic"][index])

latency_path = os.path.join(root, "latency.json")
latency = json.load(open(latency_path)) if os.path.exists(latency_path) else {}
teacher_mean = statistics.mean(rows[TEACHER]["acc"].values()) if TEACHER in rows else None


def timing(key, size):
    entry = latency.get(key, {}).get(size)
    return f"{entry['model_ms']:.1f} ({entry['teacher_ms'] / entry['model_ms']:.2f}×)" if entry else "–"


print("| model | seed 1 | seed 2 | seed 3 | mean ± sd | of teacher | parameters | file | 1 × 128 ms (speed-up) | 8 × 128 ms (speed-up) |")
print("|---|---|---|---|---|---|---|---|---|---|")
for name, row in rows.items():
    values = [row["acc"].get(seed) for seed in SEEDS]
    done = [v for v in values if v is not None]
    mean = statistics.mean(done)
    spread = f"{mean:.2f} ± {statistics.stdev(done):.2f}" if len(done) > 1 else f"{mean:.2f}"
    share = f"{100 * mean / teacher_mean:.1f} %" if teacher_mean else "–"
    cells = " | ".join(f"{v:.2f}" if v is not None else "–" for v in values)
    heads = ", ".join(str(row["heads"][s]) for s in SEEDS if s in row["heads"])
    label = f"{name[:-1]}; heads kept of 144: {heads})" if heads else name
    if name == TEACHER:
        first = next(iter(latency.values()), {})
        times = [f"{first[s]['teacher_ms']:.1f}" if s in first else "–" for s in ("1x128", "8x128")]
    else:
        times = [timing(row["latency"], s) for s in ("1x128", "8x128")] if row["latency"] else ["–", "–"]
    print(f"| {label} | {cells} | {spread} | {share} | {row['params'] / 1e6:.1f} M | {row['bytes'] / 2**20:.0f} MiB | {times[0]} | {times[1]} |")
