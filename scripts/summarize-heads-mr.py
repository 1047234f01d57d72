#!/usr/bin/env python3
"""The README's "Choosing heads" table from the runs of scripts/prune-heads-mr.py.

    python3 scripts/summarize-heads-mr.py runs/heads-mr

Per method and target fraction: MR test accuracy after pruning without fine-tuning, per seed
and mean ± sd, with the fraction of heads actually removed (concrete gates land near the target,
not on it); concrete gates fine-tuned after each step as one more row. Then the scoring time of LRP against Sixteen Heads (first step, same run) and the
Spearman rank correlation between LRP's and Sixteen Heads' first scores, per layer.
"""
import json
import os
import statistics
import sys


def load(path):
    return json.load(open(path)) if os.path.exists(path) else None


def histories(results):
    """(pruner, sparsity value of the point, history) for every prune stage of a run."""
    for point in results["points"]:
        for model in point["models"]:
            if model.get("pruning"):
                yield model["pruning"].get("pruner"), point.get("values", {}), model["pruning"]


def ranks(values):
    order = sorted(range(len(values)), key=lambda i: values[i])
    out = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            out[order[k]] = (i + j) / 2
        i = j + 1
    return out


def spearman(a, b):
    ra, rb = ranks(a), ranks(b)
    ma, mb = statistics.mean(ra), statistics.mean(rb)
    num = sum((x - ma) * (y - mb) for x, y in zip(ra, rb))
    den = (sum((x - ma) ** 2 for x in ra) * sum((y - mb) ** 2 for y in rb)) ** 0.5
    return num / den if den else float("nan")


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "runs/heads-mr"
    table = {}      # (method, target) -> {seed: (accuracy, fraction)}
    teacher = {}
    timing = []     # (lrp seconds, sixteen seconds) per seed
    correlation = {}  # layer -> [rho per seed]
    for seed in (1, 2, 3):
        lrp = load(os.path.join(root, f"lrp-seed{seed}", "results.json"))
        if lrp:
            maps, seconds = {}, {}
            for pruner, _, history in histories(lrp):
                teacher[seed] = history["steps"][0]["pruned"]["accuracy"]
                for step in history["steps"][1:]:
                    table.setdefault((pruner, round(step["target"], 2)), {})[seed] = (step["pruned"]["accuracy"], step["headFraction"])
                maps[pruner] = history.get("headImportance")
                seconds[pruner] = history["steps"][1].get("scoringSeconds")
            if seconds.get("lrp-heads") and seconds.get("sixteen-heads"):
                timing.append((seconds["lrp-heads"], seconds["sixteen-heads"]))
            if maps.get("lrp-heads") and maps.get("sixteen-heads"):
                for layer, (a, b) in enumerate(zip(maps["lrp-heads"], maps["sixteen-heads"])):
                    correlation.setdefault(layer, []).append(spearman(a, b))
        for name in ("gates", "gates50"):
            gates = load(os.path.join(root, f"{name}-seed{seed}", "results.json"))
            for _, values, history in histories(gates) if gates else []:
                step = history["steps"][-1]
                table.setdefault(("concrete-gates", round(step["target"], 2)), {})[seed] = (step["pruned"]["accuracy"], step["headFraction"])
        tuned = load(os.path.join(root, f"gates-ft-seed{seed}", "results.json"))
        if tuned:
            for _, _, history in histories(tuned):
                for step in history["steps"][1:]:
                    if step.get("finetuned"):
                        table.setdefault(("concrete-gates, fine-tuned after each step", round(step["target"], 2)), {})[seed] = (
                            step["finetuned"]["accuracy"], step["headFraction"])
    targets = sorted({t for _, t in table})
    print("| method | " + " | ".join(f"{int(100 * t)} % target" for t in targets) + " |")
    print("|---|" + "---|" * len(targets))
    if teacher:
        values = [100 * v for v in teacher.values()]
        sd = f" ± {statistics.stdev(values):.2f}" if len(values) > 1 else ""
        print(f"| unpruned teacher | {statistics.mean(values):.2f}{sd} (all targets) |" + " |" * (len(targets) - 1))
    for method in ("random-heads", "sixteen-heads", "lrp-heads", "concrete-gates", "concrete-gates, fine-tuned after each step"):
        cells = []
        for t in targets:
            runs = table.get((method, t), {})
            if not runs:
                cells.append("–")
                continue
            accuracy = [100 * a for a, _ in runs.values()]
            fraction = statistics.mean(f for _, f in runs.values())
            sd = f" ± {statistics.stdev(accuracy):.2f}" if len(accuracy) > 1 else ""
            per_seed = "/".join(f"{100 * runs[s][0]:.1f}" if s in runs else "–" for s in (1, 2, 3))
            cells.append(f"{statistics.mean(accuracy):.2f}{sd} ({per_seed}; {100 * fraction:.0f} % removed)")
        print(f"| {method} | " + " | ".join(cells) + " |")
    if timing:
        ratios = [a / b for a, b in timing]
        print(f"\nLRP scoring / Sixteen Heads scoring (first step, 512 examples): {', '.join(f'{r:.2f}' for r in ratios)}"
              f" (median {statistics.median(ratios):.2f}); seconds {timing}")
    if correlation:
        print("\nSpearman ρ between LRP's and Sixteen Heads' first scores, per layer (seeds 1–3):")
        for layer, rhos in sorted(correlation.items()):
            print(f"  layer {layer}: " + ", ".join(f"{r:+.2f}" for r in rhos) + f" (mean {statistics.mean(rhos):+.2f})")


if __name__ == "__main__":
    main()
