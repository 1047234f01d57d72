#!/usr/bin/env python3
"""The README's TinyBERT table from the runs of scripts/distill-tinybert-mr.py.

    python3 scripts/summarize-tinybert-mr.py runs/tinybert-mr

Per config: MR test accuracy per seed (teacher i = seed i), mean ± sample sd, and the share of
the teachers' mean accuracy it keeps; then the general distillation's time and steps.
"""
import json
import os
import statistics
import sys

CONFIGS = [
    ("hard", "hard labels (from the general-distilled student)"),
    ("kd", "Hinton KD (from the general-distilled student)"),
    ("tinybert-no-gd", "TinyBERT without general distillation"),
    ("tinybert-no-da", "TinyBERT without augmentation"),
    ("tinybert", "TinyBERT (general + task distillation with augmentation)"),
]


def test_accuracy(model):
    return model.get("evaluations", {}).get("test", {}).get("accuracy")


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "runs/tinybert-mr"
    teachers = {}
    rows = []
    for config, label in CONFIGS:
        values = {}
        for seed in (1, 2, 3):
            path = os.path.join(root, f"{config}-seed{seed}", "results.json")
            if not os.path.exists(path):
                continue
            models = json.load(open(path))["points"][0]["models"]
            teachers[seed] = test_accuracy(models[0])
            student = [m for m in models if m["origin"].startswith("stages[") and test_accuracy(m) is not None][-1]
            values[seed] = (100 * test_accuracy(student), student)
        rows.append((label, values))
    teacher_mean = statistics.mean(100 * v for v in teachers.values()) if teachers else None
    print("| student (4 layers, 312 wide) | seed 1 | seed 2 | seed 3 | mean ± sd | of the teacher's mean |")
    print("|---|---|---|---|---|---|")
    if teachers:
        t = [100 * teachers[s] for s in sorted(teachers)]
        sd = f" ± {statistics.stdev(t):.2f}" if len(t) > 1 else ""
        print(f"| teacher (MiniLM-L6, 6 × 384) | " + " | ".join(f"{100 * teachers[s]:.2f}" if s in teachers else "–" for s in (1, 2, 3))
              + f" | {statistics.mean(t):.2f}{sd} | 100 % |")
    for label, values in rows:
        cells = [f"{values[s][0]:.2f}" if s in values else "–" for s in (1, 2, 3)]
        accuracies = [v[0] for v in values.values()]
        if accuracies:
            sd = f" ± {statistics.stdev(accuracies):.2f}" if len(accuracies) > 1 else ""
            mean = statistics.mean(accuracies)
            share = f"{100 * mean / teacher_mean:.1f} %" if teacher_mean else "–"
            print(f"| {label} | " + " | ".join(cells) + f" | {mean:.2f}{sd} | {share} |")
        else:
            print(f"| {label} | – | – | – | – | – |")
    student = next((v[1] for _, values in rows for v in values.values()), None)
    general = os.path.join(root, "general", "results.json")
    if os.path.exists(general):
        models = json.load(open(general))["points"][0]["models"]
        made = [m for m in models if m["origin"].startswith("stages[0]")][-1]
        print(f"\ngeneral distillation: {len(made['losses'])} steps, loss {made['losses'][0]:.2f} → {made['losses'][-1]:.2f}")
    if student:
        print(f"student: {student['parameters'] / 1e6:.2f} M parameters, {student['fileBytes'] / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
