"""Fine-tune MiniLM-L6 on MR with BertSlim and with PyTorch/transformers, same recipe and
seeds, and print test accuracy/F1 per seed and the mean ± std.

    .venv/bin/python scripts/compare-finetune.py [--seeds 1 2 3] [--epochs 3] [--out /tmp/bertslim-ft]

Recipe (both sides): MR train/dev/test splits from scripts/fetch-assets.sh, max length 64,
batch 32, AdamW lr 5e-5 (weight decay 0.01, none on bias/LayerNorm), 10% linear warm-up
then linear decay, clipping at 1.0, dropout 0.1, length-bucketed batches.
"""
import argparse
import json
import pathlib
import statistics
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def run(command):
    print("$", " ".join(command), file=sys.stderr, flush=True)
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--out", default="/tmp/bertslim-ft")
    args = p.parse_args()
    data = ROOT / "assets/data/mr"
    results = {"bertslim": [], "pytorch": []}
    for seed in args.seeds:
        results["bertslim"].append(run([
            str(ROOT / ".build/release/bertslim"), "finetune", "--model", str(ROOT / "assets/model/minilm-l6"),
            "--train", str(data / "train.tsv"), "--dev", str(data / "dev.tsv"), "--test", str(data / "test.tsv"),
            "--out", f"{args.out}/seed{seed}", "--epochs", str(args.epochs), "--batch-size", "32",
            "--learning-rate", "5e-5", "--max-length", "64", "--seed", str(seed), "--json"]))
        results["pytorch"].append(run([sys.executable, str(ROOT / "scripts/finetune-reference.py"),
                                       "--seed", str(seed), "--epochs", str(args.epochs)]))
        for side in results:
            r = results[side][-1]
            print(f"seed {seed} {side:8}: test accuracy {r['test_accuracy']:.4f} F1 {r['test_f1']:.4f} ({r['seconds']} s)",
                  flush=True)
    for side, rs in results.items():
        acc = [r["test_accuracy"] * 100 for r in rs]
        f1 = [r["test_f1"] * 100 for r in rs]
        spread = lambda v: statistics.stdev(v) if len(v) > 1 else 0.0
        print(f"{side:8}: test accuracy {statistics.mean(acc):.2f} ± {spread(acc):.2f}, "
              f"F1 {statistics.mean(f1):.2f} ± {spread(f1):.2f}, mean time {statistics.mean(r['seconds'] for r in rs):.0f} s")


if __name__ == "__main__":
    main()
