#!/usr/bin/env python3
"""Data-parallel scaling on this machine: fine-tuning steps of MiniLM-L6 at batch 32 × 64 tokens
with 1 rank × 1 thread against `mpirun -np 2` ranks × 1 thread, alternating, in one run.

    python3 scripts/bench-distributed.py [--bertslim .build/release/bertslim] [--rounds 3] [--steps 30]

The texts are MR training sentences joined until they pass 64 WordPiece tokens, so every batch
is 32 × 64 after truncation. Prints, per setting, the median training throughput (examples/s
over the steps after the first 5) and, for 2 ranks, the all-reduce time per step from the run's
log; then the ratio. Needs mpirun (openmpi-bin) and a build with the mpi plugin.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bertslim", default=os.path.join(ROOT, ".build", "release", "bertslim"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=30)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="bertslim-bench-distributed-")
    rows = [line.rstrip("\n").split("\t") for line in open(os.path.join(ROOT, "assets/data/mr/train.tsv"))]
    header, rows = rows[0], rows[1:]
    text, label = header.index("text"), header.index("label")
    joined = []
    for i in range(0, len(rows) - 4, 4):  # four sentences pass 64 WordPiece tokens
        joined.append(" ".join(r[text] for r in rows[i:i + 4]) + "\t" + rows[i][label])
    train = os.path.join(work, "train.tsv")
    with open(train, "w") as f:
        f.write("text\tlabel\n" + "\n".join(joined[:32 * args.steps]) + "\n")
    recipe = os.path.join(work, "bench.yaml")
    with open(recipe, "w") as f:
        f.write(f"""recipe: 1
name: bench-distributed
seed: 1
data: {{train: {train}, dev: {train}, max_length: 64, limit: {{dev: 32}}}}
teacher: {{model: {os.path.join(ROOT, "assets/model/minilm-l6")}}}
stages:
  - finetune: {{epochs: 1, batch_size: 32, learning_rate: 5.0e-5, checkpoint_every: 0}}
""")
    options = ["--no-ledger", "--threads", "1", "--log-format", "json"]
    mpirun = ["mpirun", "--allow-run-as-root", "--oversubscribe", "--bind-to", "core", "-np", "2"]
    speeds = {1: [], 2: []}
    reduce_ms = []
    for round_ in range(args.rounds):
        for ranks in (1, 2):
            out = os.path.join(work, f"run-{ranks}-{round_}")
            command = ([args.bertslim] if ranks == 1 else mpirun + [args.bertslim]) + ["run", recipe, "--out", out] + options
            lines = subprocess.run(command, check=True, capture_output=True, text=True).stdout.splitlines()
            events = [json.loads(l) for l in lines if l.startswith("{")]
            steps = [e["examples_per_second"] for e in events if e.get("event") == "step"][5:]
            speeds[ranks].append(statistics.median(steps))
            if ranks == 2:
                log = open(os.path.join(out, "log.txt")).read()
                reduce_ms.append(float(re.search(r"all-reduce ([0-9.]+) ms per step", log).group(1)))
            print(f"round {round_ + 1}, {ranks} rank(s): {speeds[ranks][-1]:.1f} examples/s", flush=True)
    one, two = statistics.median(speeds[1]), statistics.median(speeds[2])
    print(f"\n1 rank × 1 thread:  {one:.1f} examples/s (median of {args.rounds} runs' medians)")
    print(f"2 ranks × 1 thread: {two:.1f} examples/s; all-reduce {statistics.median(reduce_ms):.1f} ms per step")
    print(f"speed-up: {two / one:.2f}×")


if __name__ == "__main__":
    main()
