"""MR test accuracy of Q8BERT's int8 models against their fp32 teachers, one row per teacher.

    .venv/bin/python scripts/q8bert-accuracy.py runs/teachers/mr-seed1 runs/teachers/mr-seed2 ... \
        [--out runs/q8bert-accuracy] [--only ptq|qat] [--qat-epochs 3] [--qat-lr 5e-5] [--qat-ema-decay 0.99]
        [--calibration-batches 16]
        [--qat-train-limit N]

For each fine-tuned teacher folder (seed N from a `seedN` in its name, else its position) it
writes and runs two recipes with `bertslim run`: post-training quantization of the teacher
(one sweep point static with ranges from calibration batches, one dynamic) and
quantization-aware fine-tuning as in Q8BERT: the pretrained MiniLM-L6 fine-tuned on MR with
fake quantization, same seed and the teachers' settings (3 epochs, batch 32, lr 5e-5;
range EMA decay 0.99, as recipes/q8bert-qat.yaml), then
converted. Every accuracy is the converted int8 model's, scored by the recipe's evaluate
stage. Prints the table and the means over teachers. `BERTSLIM=path/to/bertslim` runs
another build.
"""
import argparse
import json
import os
import pathlib
import re
import statistics
import subprocess

ROOT = pathlib.Path(__file__).resolve().parent.parent
BERTSLIM = pathlib.Path(os.environ.get("BERTSLIM", ROOT / ".build/release/bertslim"))  # plugins sit beside it
DATA = ROOT / "assets/data/mr"
PRETRAINED = ROOT / "assets/model/minilm-l6"


def recipe(name, seed, teacher, stages, sweep="", train_limit=None):
    limit = f"\n  limit: {{train: {train_limit}}}" if train_limit else ""
    return f"""recipe: 1
name: {name}
seed: {seed}
data:
  train: {DATA / 'train.tsv'}
  dev: {DATA / 'dev.tsv'}
  test: {DATA / 'test.tsv'}
  max_length: 64{limit}
teacher:
  model: {teacher}
stages:
{stages}{sweep}
"""


def run(path, out):
    subprocess.run([str(BERTSLIM), "run", str(path), "--out", str(out), "--quiet"], check=True)
    return json.loads((out / "results.json").read_text())


def test_accuracy(model):
    return model["evaluations"]["test"]["accuracy"] * 100


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("teachers", nargs="+")
    parser.add_argument("--out", default=str(ROOT / "runs/q8bert-accuracy"))
    parser.add_argument("--only", choices=["ptq", "qat"])
    parser.add_argument("--qat-epochs", type=int, default=3)
    parser.add_argument("--qat-lr", type=float, default=5e-5)
    parser.add_argument("--qat-ema-decay", type=float, default=0.99)
    parser.add_argument("--calibration-batches", type=int, default=16)
    parser.add_argument("--qat-train-limit", type=int, help="QAT on the first N training examples only (shorter runs)")
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for i, teacher in enumerate(args.teachers):
        match = re.search(r"seed(\d+)", teacher)
        seed = int(match.group(1)) if match else i + 1
        row = {"teacher": teacher, "seed": seed}
        if args.only != "qat":
            stages = f"""  - evaluate: {{split: test}}
  - quantize:
      quantizer: {{component: q8bert, settings: {{mode: static}}}}
      calibration_batches: {args.calibration_batches}
  - evaluate: {{split: test}}
"""
            sweep = "sweep:\n  stages[1].quantize.quantizer.settings.mode: [static, dynamic]"
            path = out / f"ptq-seed{seed}.yaml"
            path.write_text(recipe(f"q8bert-ptq-seed{seed}", seed, teacher, stages, sweep))
            results = run(path, out / f"ptq-seed{seed}")
            for point in results["points"]:
                row["fp32"] = test_accuracy(point["models"][0])
                row["ptq-" + point["values"]["stages[1].quantize.quantizer.settings.mode"]] = test_accuracy(point["models"][1])
        if args.only != "ptq":
            stages = f"""  - quantize:
      quantizer: {{component: q8bert, settings: {{mode: qat, ema_decay: {args.qat_ema_decay}}}}}
      epochs: {args.qat_epochs}
      batch_size: 32
      learning_rate: {args.qat_lr}
      checkpoint_every: 100
      calibration_batches: {args.calibration_batches}
  - evaluate: {{split: test}}
  - export: {{name: int8}}
"""
            path = out / f"qat-seed{seed}.yaml"
            path.write_text(recipe(f"q8bert-qat-seed{seed}", seed, PRETRAINED, stages, train_limit=args.qat_train_limit))
            results = run(path, out / f"qat-seed{seed}")
            row["qat"] = test_accuracy(results["points"][0]["models"][1])
        rows.append(row)
        (out / "accuracy.json").write_text(json.dumps(rows, indent=1))

    columns = [c for c in ("fp32", "ptq-dynamic", "ptq-static", "qat") if any(c in r for r in rows)]
    print("MR test accuracy (%), int8 models scored after conversion")
    print(f"{'seed':<6}" + "".join(f"{c:>13}" for c in columns))
    for r in rows:
        print(f"{r['seed']:<6}" + "".join(f"{r[c]:13.2f}" if c in r else f"{'-':>13}" for c in columns))
    means = {c: statistics.mean(r[c] for r in rows if c in r) for c in columns}
    print(f"{'mean':<6}" + "".join(f"{means[c]:13.2f}" for c in columns))
    for c in columns:
        if c != "fp32" and "fp32" in means:
            print(f"{c}: {means[c] - means['fp32']:+.2f} points against fp32")


if __name__ == "__main__":
    main()
