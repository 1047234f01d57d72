#!/usr/bin/env python3
"""The README's BiLSTM accuracy table from the runs of scripts/distill-bilstm-mr.sh.

    python3 scripts/summarize-bilstm-mr.py runs/bilstm-mr/seed1/results.json runs/bilstm-mr/seed2/results.json …

Each results.json is one teacher (seed); its sweep points are the rows, in order. Prints a Markdown
table: MR test accuracy (%) per seed, mean ± sample standard deviation, parameters and weight-file
size of the student (the first seed's), and each row's dev accuracy after every epoch (first seed).
"""
import json
import statistics
import sys

ROWS = ["BiLSTM (150), hard labels", "BiLSTM (150), MSE, no augmentation", "BiLSTM (150), MSE, augmented",
        "BiLSTM (150), Hinton KD, augmented",
        "logistic regression, hard labels", "logistic regression, MSE, no augmentation", "logistic regression, MSE, augmented",
        "BiLSTM (64 units), hard labels", "BiLSTM (64 units), MSE, augmented"]

runs = [json.load(open(path)) for path in sys.argv[1:]]
print("| student | " + " | ".join(f"seed {i + 1}" for i in range(len(runs))) + " | mean ± sd | parameters | file |")
print("|---|" + "---|" * len(runs) + "---|---|---|")
for index, name in enumerate(ROWS):
    accuracies, first = [], None
    for run in runs:
        points = run["points"]
        if index >= len(points):
            accuracies.append(None)
            continue
        model = points[index]["models"][-1]
        first = first or model
        test = model.get("evaluations", {}).get("test")
        accuracies.append(100 * test["accuracy"] if test else None)
    done = [a for a in accuracies if a is not None]
    mean = f"{statistics.mean(done):.2f} ± {statistics.stdev(done):.2f}" if len(done) > 1 else (f"{done[0]:.2f}" if done else "–")
    cells = " | ".join(f"{a:.2f}" if a is not None else "–" for a in accuracies)
    size = f"{first['parameters'] / 1e6:.2f} M | {first['fileBytes'] / 2**20:.1f} MiB" if first else "– | –"
    print(f"| {name} | {cells} | {mean} | {size} |")
print()
for index, name in enumerate(ROWS):
    if runs and index < len(runs[0]["points"]):
        epochs = runs[0]["points"][index]["models"][-1].get("epochs", [])
        print(f"{name}: dev " + ", ".join(f"{100 * e['accuracy']:.2f}" for e in epochs))
