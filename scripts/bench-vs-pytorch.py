"""Side-by-side speed: BertSlim against PyTorch on the same machine, same threads, one run.

    .venv/bin/python scripts/bench-vs-pytorch.py ops [--rounds 3] [--threads 2]

Alternates BertSlim (`bertslim bench ... --json`, release build) and PyTorch for several
rounds, takes each side's median over rounds, and prints one ratio per op:
BertSlim ÷ PyTorch (below 1.0 means BertSlim is faster). The machine is shared and noisy:
ratios carry over, absolute times do not.
"""
import argparse
import json
import pathlib
import statistics
import subprocess
import time

import torch
import torch.nn.functional as F

ROOT = pathlib.Path(__file__).resolve().parent.parent
BERTSLIM = ROOT / ".build/release/bertslim"


def timed(fn, runs, warmup=3):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def torch_ops(runs):
    """The op list of OpsBenchmark.swift, in PyTorch (forward, no grad)."""
    g = torch.Generator().manual_seed(1)
    results = {}
    with torch.no_grad():
        for m in (128, 1024):
            for k in (384, 768, 1536, 3072):
                for n in (384, 768, 1536, 3072):
                    x, w = torch.randn(m, k, generator=g), torch.randn(n, k, generator=g)
                    results[("matmul", f"{m}x{k}x{n}")] = timed(lambda: F.linear(x, w), runs)
        for rows, h in ((1024, 384), (1024, 768), (4096, 384)):
            x, gamma, beta = torch.randn(rows, h), torch.randn(h), torch.randn(h)
            results[("layer_norm", f"{rows}x{h}")] = timed(lambda: F.layer_norm(x, (h,), gamma, beta, 1e-12), runs)
        for b, heads, t in ((8, 12, 128), (32, 12, 64)):
            scores, mask = torch.randn(b, heads, t, t), torch.zeros(b, 1, 1, t)
            results[("softmax", f"{b}x{heads}x{t}x{t}")] = timed(lambda: torch.softmax(scores + mask, -1), runs)
        for rows, ffn in ((1024, 1536), (1024, 3072)):
            x = torch.randn(rows, ffn)
            results[("gelu", f"{rows}x{ffn}")] = timed(lambda: F.gelu(x), runs)
    return results


def bertslim_ops(runs, threads):
    out = subprocess.run([str(BERTSLIM), "bench", "ops", "--json", "--runs", str(runs), "--threads", str(threads)],
                         check=True, capture_output=True, text=True).stdout
    report = json.loads(out)
    return {(r["name"], r["shape"]): r["timing"]["median_ms"] for r in report["results"]}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["ops"])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    if not BERTSLIM.exists():
        raise SystemExit(f"{BERTSLIM} is missing: run `swift build -c release` first")
    torch.set_num_threads(args.threads)

    ours, theirs = {}, {}
    for _ in range(args.rounds):
        for key, ms in bertslim_ops(args.runs, args.threads).items():
            ours.setdefault(key, []).append(ms)
        for key, ms in torch_ops(args.runs).items():
            theirs.setdefault(key, []).append(ms)

    print(f"torch {torch.__version__}, {args.threads} threads, {args.rounds} alternating rounds, median of {args.runs} runs each")
    print(f"{'op':<12}{'shape':<18}{'BertSlim ms':>12}{'PyTorch ms':>12}{'ratio':>8}{'GFLOP/s':>9}")
    ratios = {}
    for key in theirs:
        a, b = statistics.median(ours[key]), statistics.median(theirs[key])
        ratios.setdefault(key[0], []).append(a / b)
        flops = ""
        if key[0] == "matmul":
            m, k, n = map(int, key[1].split("x"))
            flops = f"{2 * m * k * n / a / 1e6:9.1f}"
        print(f"{key[0]:<12}{key[1]:<18}{a:12.3f}{b:12.3f}{a / b:8.2f}{flops}")
    print("geometric-mean ratio per op: " + ", ".join(
        f"{op} {statistics.geometric_mean(r):.2f}" for op, r in ratios.items()))


if __name__ == "__main__":
    main()
