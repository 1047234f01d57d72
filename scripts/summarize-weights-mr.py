#!/usr/bin/env python3
"""The README's weight- and neuron-pruning table from the runs of scripts/prune-weights-mr.py.

    python3 scripts/summarize-weights-mr.py runs/weights-mr [--bench]

Per method and fraction: MR test accuracy after pruning and fine-tuning (the recipe's final
evaluate stage), per seed and mean ± sd, against the unpruned teachers; the export's size in MB.
With --bench (run it with the machine quiet), the seed-1 exports' latency at 8 × 128 against the
seed-1 teacher, alternating (`bertslim bench infer --versus`), as a speed-up.
"""
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load(path):
    return json.load(open(path)) if os.path.exists(path) else None


def folder_mb(path):
    return sum(os.path.getsize(os.path.join(path, f)) for f in os.listdir(path) if f.endswith(".safetensors")) / 1e6


def speedup(model, teacher):
    binary = os.environ.get("BERTSLIM", os.path.join(ROOT, ".build", "release", "bertslim"))
    out = subprocess.run([binary, "bench", "infer", "--model", model, "--versus", teacher, "--batch", "8", "--seq", "128",
                          "--runs", "20", "--json"], check=True, capture_output=True, text=True).stdout
    times = [json.loads(line)["median_ms"] for line in out.splitlines() if line.startswith("{")]
    return times[1] / times[0]


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "runs/weights-mr"
    bench = "--bench" in sys.argv
    rows = {}       # (method, fraction) -> {seed: (accuracy, export folder)}
    teacher = {}
    for method, prefix in (("magnitude (AGP, fine-tuned)", "magnitude"), ("FFN neurons (fine-tuned)", "neurons")):
        for seed in (1, 2, 3):
            results = load(os.path.join(root, f"{prefix}-seed{seed}", "results.json"))
            if not results:
                continue
            for point in results["points"]:
                pruned = next(m for m in point["models"] if m.get("pruning"))   # the recipe's one prune stage
                fraction = pruned["pruning"]["steps"][-1]["target"]
                if pruned["pruning"]["steps"][0].get("pruned"):
                    teacher[seed] = pruned["pruning"]["steps"][0]["pruned"]["accuracy"]
                final = [m for m in point["models"] if "test" in m.get("evaluations", {})][-1]
                exports = [os.path.join(root, f"{prefix}-seed{seed}", e) for e in point.get("exports", [])]
                rows.setdefault((method, fraction), {})[seed] = (final["evaluations"]["test"]["accuracy"], exports[0] if exports else None)
    print("| model | " + " | ".join(f"seed {s}" for s in (1, 2, 3)) + " | mean ± sd | file MB |" + (" speed-up at 8 × 128 |" if bench else ""))
    print("|---|---|---|---|---|---|" + ("---|" if bench else ""))
    if teacher:
        values = [100 * teacher.get(s, float("nan")) for s in (1, 2, 3)]
        known = [v for v in values if v == v]
        print("| teacher (MiniLM-L6) | " + " | ".join(f"{v:.2f}" if v == v else "–" for v in values)
              + f" | {statistics.mean(known):.2f}" + (f" ± {statistics.stdev(known):.2f}" if len(known) > 1 else "") + " | | |")
    teacher1 = os.path.join(ROOT, "runs", "teachers", "mr-seed1")
    for (method, fraction), runs in sorted(rows.items()):
        accuracy = [100 * runs[s][0] for s in (1, 2, 3) if s in runs and runs[s][0] is not None]
        cells = " | ".join(f"{100 * runs[s][0]:.2f}" if s in runs and runs[s][0] is not None else "–" for s in (1, 2, 3))
        sd = f" ± {statistics.stdev(accuracy):.2f}" if len(accuracy) > 1 else ""
        export = runs.get(1, (None, None))[1] or next((r[1] for r in runs.values() if r[1]), None)
        size = f"{folder_mb(export):.1f}" if export and os.path.isdir(export) else "–"
        line = f"| {method} {100 * fraction:.0f} % | {cells} | {statistics.mean(accuracy):.2f}{sd} | {size} |"
        if bench and export:
            line += f" {speedup(export, teacher1):.2f}× |"
        print(line)


if __name__ == "__main__":
    main()
