"""Latency of several model folders side by side: alternating rounds in one run, medians, ratios.

    .venv/bin/python scripts/compare-latency.py TEACHER STUDENT [MORE...] [--rounds 5] [--runs 10]

Each round runs `bertslim bench infer --model DIR --batch B --seq 128` for every folder and
batch size (1 and 8) in turn, so every model sees the same machine load; the table gives each
model's median over rounds and its speed-up over the first folder (the teacher).
"""
import argparse
import json
import pathlib
import statistics
import subprocess

ROOT = pathlib.Path(__file__).resolve().parent.parent
BERTSLIM = ROOT / ".build/release/bertslim"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("models", nargs="+")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seq", type=int, default=128)
    parser.add_argument("--batches", default="1,8")
    args = parser.parse_args()
    batches = [int(b) for b in args.batches.split(",")]
    times = {}
    for _ in range(args.rounds):
        for batch in batches:
            for model in args.models:
                out = subprocess.run([str(BERTSLIM), "bench", "infer", "--model", model, "--batch", str(batch),
                                      "--seq", str(args.seq), "--runs", str(args.runs), "--threads", str(args.threads), "--json"],
                                     check=True, capture_output=True, text=True).stdout
                times.setdefault((model, batch), []).append(json.loads(out)["median_ms"])
    print(f"{args.rounds} alternating rounds, median of {args.runs} runs each, {args.threads} threads, seq {args.seq}")
    print(f"{'model':<60}" + "".join(f"{f'b{b} ms':>10}{'speed-up':>10}" for b in batches))
    for model in args.models:
        cells = ""
        for batch in batches:
            ms = statistics.median(times[(model, batch)])
            base = statistics.median(times[(args.models[0], batch)])
            cells += f"{ms:10.2f}{base / ms:10.2f}"
        print(f"{model:<60}{cells}")


if __name__ == "__main__":
    main()
