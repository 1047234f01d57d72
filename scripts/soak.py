#!/usr/bin/env python3
"""Kill-and-resume soak: does a run that is killed at random moments and resumed end exactly
where an uninterrupted run ends?

    python3 scripts/soak.py [--trials N] [--kills K] [--bertslim PATH] [--seed S] [--keep DIR]

A small recipe (one epoch of fine-tuning MiniLM-L6, Hinton KD of it into a 1-layer student, Q8BERT
quantization-aware training of the student, checkpoints every 2 steps, test evaluation, int8
export) on 96 MR training sentences runs once uninterrupted. Then each trial starts it again in a fresh folder,
SIGKILLs it at a random moment (up to K times, uniform over the reference run's duration),
resumes it with --resume after each kill, and lets the last resume finish. Every trial must give
results.json (losses, dev and test metrics, sizes) and an exported model.safetensors identical,
byte for byte, to the reference; a resume that fails means a kill left the folder unreadable.
The last trial also sends SIGINT once: the run must stop cleanly (exit 130, "resumes with
--resume") and resume to the same end.

Then --disk-full trials (default 1) fill the disk: at a random moment the running process's
file-size limit drops to 1 MiB (RLIMIT_FSIZE, with SIGXFSZ ignored: every write past 1 MiB fails
with EFBIG, as on a full disk), so the next checkpoint or export fails part-way. The run must end
with one error naming the file and the reason, and a resume with room again must reach the same
end. Exits 1 on any mismatch.
"""
import argparse
import hashlib
import json
import os
import pathlib
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent

RECIPE = """recipe: 1
name: soak
seed: 3
data: {{train: train.tsv, dev: dev.tsv, test: test.tsv, max_length: 32}}
teacher: {{model: {teacher}}}
stages:
  - finetune: {{epochs: 1, batch_size: 16, learning_rate: 5.0e-5, checkpoint_every: 2}}
  - distill:
      student: {{component: bert-student, settings: {{layers: 1}}}}
      losses: [{{component: hinton-kd, settings: {{temperature: 2, alpha: 0.5}}}}]
      epochs: 2
      batch_size: 16
      learning_rate: 1.0e-4
      checkpoint_every: 2
  - quantize:
      quantizer: {{component: q8bert, settings: {{mode: qat, ema_decay: 0.9}}}}
      epochs: 1
      batch_size: 16
      learning_rate: 2.0e-5
      checkpoint_every: 2
      calibration_batches: 2
  - evaluate: {{split: test}}
  - export: {{name: final}}
"""


def workspace(folder):
    """MR's first 96 / 32 / 64 lines of train / dev / test and the recipe."""
    for split, count in (("train", 96), ("dev", 32), ("test", 64)):
        lines = (ROOT / f"assets/data/mr/{split}.tsv").read_text(encoding="utf-8").splitlines()
        (folder / f"{split}.tsv").write_text("\n".join(lines[:count + 1]) + "\n", encoding="utf-8")
    (folder / "soak.yaml").write_text(RECIPE.format(teacher=ROOT / "assets/model/minilm-l6"), encoding="utf-8")


def command(bertslim, folder, out, resume):
    return [bertslim, "run", str(folder / "soak.yaml"), "--out", str(out), "--quiet", "--no-ledger", "--threads", "2"] + \
        (["--resume"] if resume else [])


def outcome(out):
    """What must not depend on interruptions: results without timings, and the export's bytes."""
    results = json.loads((out / "results.json").read_text())
    for point in results["points"]:
        for model in point["models"]:
            model.pop("latencyMs", None)
            model.pop("threads", None)
    weights = out / "exports/final/model.safetensors"
    return results, hashlib.sha256(weights.read_bytes()).hexdigest()


def run_to_end(bertslim, folder, out, kills, duration, rng, interrupt=False, resume=False):
    """Runs the recipe into `out`, killed (or interrupted once) at random moments, resumed each time."""
    events = []
    for attempt in range(kills + 1):
        process = subprocess.Popen(command(bertslim, folder, out, resume), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if attempt < kills:
            sigint = interrupt and attempt == 0
            # (a SIGINT in the first moments could come before the handler is installed)
            delay = rng.uniform(0.2 if sigint else 0.05, 1.0) * duration
            try:
                process.wait(timeout=delay)
            except subprocess.TimeoutExpired:
                if sigint:
                    process.send_signal(signal.SIGINT)
                    _, errors = process.communicate(timeout=600)
                    if process.returncode == 0:  # it was past its last stage's check
                        events.append(f"SIGINT at {delay:.1f} s: the run had finished its last stage")
                        return events
                    if process.returncode != 130 or "resumes with --resume" not in errors:
                        raise SystemExit(f"SIGINT: exit {process.returncode}, stderr: {errors.strip()[-400:]}")
                    events.append(f"SIGINT at {delay:.1f} s: clean stop")
                else:
                    process.kill()
                    process.wait()
                    events.append(f"killed at {delay:.1f} s")
                resume = True
                continue
        _, errors = process.communicate()
        if process.returncode != 0:
            raise SystemExit(f"run failed (exit {process.returncode}) after {events}: {errors.strip()[-600:]}")
        events.append("finished")
        return events
    return events


def disk_full(bertslim, folder, out, duration, rng):
    """Runs into `out`, fills the disk at a random moment, then resumes with room."""
    process = subprocess.Popen(command(bertslim, folder, out, False), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True, preexec_fn=lambda: signal.signal(signal.SIGXFSZ, signal.SIG_IGN))
    delay = rng.uniform(0.1, 0.9) * duration
    try:
        process.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        resource.prlimit(process.pid, resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))
    _, errors = process.communicate()
    if process.returncode == 0:
        return [f"disk full at {delay:.1f} s: nothing left to write"]
    lines = [line for line in errors.splitlines() if line.strip()]
    if len(lines) != 1 or "File too large" not in lines[0] or str(out) not in lines[0]:
        raise SystemExit(f"disk full: exit {process.returncode}, want one error naming the file: {errors.strip()[-800:]}")
    events = [f"disk full at {delay:.1f} s: {lines[0][len('Error: '):][:160]}"]
    return events + run_to_end(bertslim, folder, out, 0, duration, rng, resume=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--kills", type=int, default=3, help="kills per trial")
    parser.add_argument("--bertslim", default=str(ROOT / ".build/release/bertslim"))
    parser.add_argument("--disk-full", type=int, default=1, help="disk-full trials")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", help="keep the run folders here")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    base = pathlib.Path(args.keep) if args.keep else pathlib.Path(tempfile.mkdtemp(prefix="bertslim-soak-"))
    base.mkdir(parents=True, exist_ok=True)
    try:
        workspace(base)
        start = time.monotonic()
        run_to_end(args.bertslim, base, base / "reference", 0, 0, rng)
        duration = time.monotonic() - start
        expected = outcome(base / "reference")
        print(f"reference run: {duration:.1f} s, export sha256 {expected[1][:12]}")
        mismatches = 0
        for trial in range(args.trials + args.disk_full):
            out = base / f"trial-{trial + 1}"
            if trial < args.trials:
                events = run_to_end(args.bertslim, base, out, args.kills, duration, rng, interrupt=trial == args.trials - 1)
            else:
                events = disk_full(args.bertslim, base, out, duration, rng)
            got = outcome(out)
            same = got == expected
            mismatches += not same
            print(f"trial {trial + 1}: {', '.join(events)}: {'identical' if same else 'DIFFERENT'}")
            if not same:
                for name, a, b in (("results", expected[0], got[0]), ("export", expected[1], got[1])):
                    if a != b:
                        print(f"  {name} differs: {json.dumps(a)[:300]} vs {json.dumps(b)[:300]}")
        print(f"soak: {args.trials} kill trials, {args.disk_full} disk-full trials, {mismatches} mismatches")
        sys.exit(1 if mismatches else 0)
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
