#!/usr/bin/env python3
"""The MPNet teachers' students and compressed versions on MR (the README's MPNet table).

    python3 scripts/compress-mpnet-mr.py

Needs the fine-tuned teachers of scripts/finetune-mpnet-mr.sh (runs/mpnet-mr/teacher-seed<s>) and
PyYAML. For each seed s, in this order (so that the first results come first), each run resumable:
    students-seed<s>        recipes/mpnet-students.yaml: Hinton KD into the 6 × 768 student (every
                            other layer) and into the MiniLM-L6-shaped one (from pretrained MiniLM-L6)
    sixteen-heads-seed<s>   recipes/sixteen-heads.yaml: heads removed 10 % at a time while the dev
                            accuracy stays within 1 % of the unpruned teacher's (stop_below: 0.99)
    q8bert-seed<s>          recipes/q8bert-ptq.yaml: int8, static and dynamic ranges
    hard-seed<s>            the students of recipes/mpnet-students.yaml on the hard labels alone
    pkd-seed<s>             the 6 × 768 student taught by BERT-PKD (PKD-Skip: teacher layers 2, 4, …, 10
                            for student layers 1-5; T = 2, α = 0.5, β = 100), Sun et al.'s 12 → 6 setting
    latency                 seed 1's exports each timed against its teacher, in alternation
                            (`bertslim bench infer --model TEACHER --versus EXPORT --json`) at 1 and
                            8 × 128, into runs/mpnet-mr/latency.json
A seed's student runs share a stage cache (runs/mpnet-mr/cache-seed<s>): the teacher's outputs are
computed once. Every run starts from the teacher's export with the finetune stage removed.

RUNS (comma-separated, default students,sixteen-heads,q8bert,hard,pkd,latency) and SEEDS (space-separated)
choose what runs; BERTSLIM is the binary (default .build/release/bertslim), LOCK a file whose lock
each run holds. Then: python3 scripts/summarize-mpnet-mr.py runs/mpnet-mr
"""
import json
import os
import subprocess

import mr_runs
from mr_runs import ROOT, recipe

OUT = os.path.join(ROOT, "runs", "mpnet-mr")


def run(document, name, seed, cache=None):
    mr_runs.run(document, OUT, name, seed, cache)


def students(teacher, seed, losses=None):
    document = recipe("mpnet-students", teacher, seed)
    if losses:
        next(s for s in document["stages"] if s.get("id") == "students")["distill"]["losses"] = losses
    return document


def pkd(teacher, seed):
    document = students(teacher, seed, [{"component": "pkd", "settings": {"strategy": "skip", "temperature": 2, "alpha": 0.5, "beta": 100}}])
    del document["sweep"]  # the 6 × 768 student only: PKD compares hidden states of the teacher's width
    return document


def sixteen_heads(teacher, seed):
    document = recipe("sixteen-heads", teacher, seed)
    prune = next(s for s in document["stages"] if "prune" in s)["prune"]
    prune["evaluate"], prune["stop_below"] = "dev", 0.99
    return document


# The exports timed against the teacher: name in latency.json → folder under runs/mpnet-mr.
EXPORTS = {"6x768-kd": "students-seed1/exports/p0-student", "minilm-kd": "students-seed1/exports/p1-student",
           "sixteen-heads": "sixteen-heads-seed1/exports/pruned",
           "int8-static": "q8bert-seed1/exports/p0-int8", "int8-dynamic": "q8bert-seed1/exports/p1-int8"}


def latency():
    binary = os.environ.get("BERTSLIM", os.path.join(ROOT, ".build", "release", "bertslim"))
    teacher = os.path.join(OUT, "teacher-seed1", "exports", "teacher")
    path = os.path.join(OUT, "latency.json")
    results = json.load(open(path)) if os.path.exists(path) else {}
    for name, folder in EXPORTS.items():
        for batch, runs in ((1, 40), (8, 15)):
            key = f"{batch}x128"
            if key in results.get(name, {}) or not os.path.exists(os.path.join(OUT, folder, "config.json")):
                continue
            command = [binary, "bench", "infer", "--model", teacher, "--versus", os.path.join(OUT, folder),
                       "--batch", str(batch), "--seq", "128", "--runs", str(runs), "--json"]
            if os.environ.get("LOCK"):
                command = ["flock", os.environ["LOCK"]] + command
            print(" ".join(command), flush=True)
            lines = [json.loads(line) for line in subprocess.run(command, check=True, capture_output=True, text=True).stdout.splitlines()
                     if line.startswith("{")]
            first, second = lines[-2], lines[-1]
            results.setdefault(name, {})[key] = {"teacher_ms": first["median_ms"], "model_ms": second["median_ms"]}
            with open(path, "w") as f:
                json.dump(results, f, indent=1, sort_keys=True)


def main():
    chosen = os.environ.get("RUNS", "students,sixteen-heads,q8bert,hard,pkd,latency").split(",")
    if "latency" in chosen:
        chosen.remove("latency")
        chosen.append("latency")
    for kind in chosen:
        if kind == "latency":
            latency()
            continue
        for seed in [int(s) for s in os.environ.get("SEEDS", "1 2 3").split()]:
            teacher = os.path.join(OUT, f"teacher-seed{seed}", "exports", "teacher")
            if not os.path.exists(os.path.join(teacher, "model.safetensors")):
                raise SystemExit(f"{teacher} is missing: run scripts/finetune-mpnet-mr.sh first")
            cache = os.path.join(OUT, f"cache-seed{seed}")
            if kind == "students":
                run(students(teacher, seed), f"students-seed{seed}", seed, cache)
            elif kind == "hard":
                run(students(teacher, seed, [{"component": "cross-entropy"}]), f"hard-seed{seed}", seed, cache)
            elif kind == "pkd":
                run(pkd(teacher, seed), f"pkd-seed{seed}", seed, cache)
            elif kind == "sixteen-heads":
                run(sixteen_heads(teacher, seed), f"sixteen-heads-seed{seed}", seed)
            elif kind == "q8bert":
                run(recipe("q8bert-ptq", teacher, seed), f"q8bert-seed{seed}", seed)
            else:
                raise SystemExit(f"RUNS: unknown run {kind!r} (students, sixteen-heads, q8bert, hard, pkd, latency)")


if __name__ == "__main__":
    main()
