#!/usr/bin/env python3
"""Data-parallel scaling on paper (the README's "Training on several processes" model): the step
time of N machines, each computing a step of `--batch` examples in `--compute` seconds, that then
sum a gradient of `--bytes` bytes with a ring all-reduce over links of 10, 25 and 100 Gb/s.

    python3 scripts/scaling-model.py --name MiniLM-L6 --compute 0.52 --bytes 90.9e6
    python3 scripts/scaling-model.py --name BERT-base --compute 3.1 --bytes 438e6

Ring all-reduce (Patarasuk & Yuan 2009, as Horovod and NCCL run it): each machine sends and
receives 2(N-1)/N of the gradient, in 2(N-1) messages, so
    t_sum(N) = 2(N-1)/N * S / B + 2(N-1) * latency.
BertSlim sums after backward (no overlap), so a step takes compute + t_sum. With the batch per
machine fixed (the global batch grows with N), throughput is N * batch / step and the speed-up
over one machine is N * compute / (compute + t_sum); the efficiency compute / (compute + t_sum)
falls towards compute / (compute + 2S/B), never below it, but at 64 machines the 126 message
latencies add up too. The links are taken at full line rate (a lower bound on t_sum).
"""
import argparse

LINKS = [10, 25, 100]  # Gb/s
MACHINES = [1, 2, 4, 8, 16, 32, 64]


def allreduce_seconds(n, size, gbps, latency):
    if n == 1:
        return 0.0
    return 2 * (n - 1) / n * size / (gbps * 1e9 / 8) + 2 * (n - 1) * latency


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--name", required=True)
    parser.add_argument("--compute", type=float, required=True, help="seconds of one machine's training step (forward, backward, optimizer)")
    parser.add_argument("--bytes", type=float, required=True, help="gradient bytes (float32 parameters x 4)")
    parser.add_argument("--batch", type=int, default=32, help="examples per machine per step")
    parser.add_argument("--latency", type=float, default=50e-6, help="seconds per message (default 50 us, TCP over Ethernet)")
    args = parser.parse_args()
    print(f"{args.name}: compute {args.compute:.2f} s per step on one machine, gradient {args.bytes / 1e6:.0f} MB, "
          f"{args.latency * 1e6:.0f} us per message\n")
    print("| machines | " + " | ".join(f"{g} Gb/s: step s (all-reduce %), speed-up" for g in LINKS) + " |")
    print("|---|" + "---|" * len(LINKS))
    for n in MACHINES:
        cells = []
        for gbps in LINKS:
            t = allreduce_seconds(n, args.bytes, gbps, args.latency)
            step = args.compute + t
            cells.append(f"{step:.2f} ({100 * t / step:.0f} %), {n * args.compute / step:.1f}x")
        print(f"| {n} | " + " | ".join(cells) + " |")
    print()
    for gbps in LINKS:
        limit = args.compute / (args.compute + 2 * args.bytes / (gbps * 1e9 / 8))
        half = next((n for n in range(2, 100000) if args.compute / (args.compute + allreduce_seconds(n, args.bytes, gbps, args.latency)) < 0.5), None)
        # The recipe's batch fixed instead (each machine computes 1/N of it, at most `batch` machines).
        fixed = {n: args.compute / (args.compute / n + allreduce_seconds(n, args.bytes, gbps, args.latency)) for n in MACHINES if n <= args.batch}
        best = max(fixed, key=fixed.get)
        print(f"{gbps} Gb/s: efficiency tends to {100 * limit:.0f} %" + (f"; below 50 % from {half} machines" if half else "; never below 50 %")
              + f". With the batch of {args.batch} fixed: " + ", ".join(f"{n}: {v:.1f}x" for n, v in fixed.items())
              + f" (best at {best})")


if __name__ == "__main__":
    main()
