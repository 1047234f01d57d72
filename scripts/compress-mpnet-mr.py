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
A seed's student runs share a stage cache (runs/mpnet-mr/cache-seed<s>): the teacher's outputs are
computed once. Every run starts from the teacher's export with the finetune stage removed.

RUNS (comma-separated, default students,sixteen-heads,q8bert,hard) and SEEDS (space-separated)
choose what runs; BERTSLIM is the binary (default .build/release/bertslim), LOCK a file whose lock
each run holds. Then: python3 scripts/summarize-mpnet-mr.py runs/mpnet-mr
"""
import os
import subprocess

import yaml

from mr_runs import ROOT, recipe

OUT = os.path.join(ROOT, "runs", "mpnet-mr")


def run(document, name, seed, cache=None):
    path = os.path.join(OUT, name + ".yaml")
    with open(path, "w") as f:
        yaml.safe_dump(document, f, sort_keys=False)
    binary = os.environ.get("BERTSLIM", os.path.join(ROOT, ".build", "release", "bertslim"))
    subprocess.run([binary, "validate", path], check=True, stdout=subprocess.DEVNULL)
    command = [binary, "run", path, "--out", os.path.join(OUT, name), "--seed", str(seed), "--resume", "--quiet", "--no-ledger"]
    if cache:
        command += ["--cache", cache]
    if os.environ.get("LOCK"):
        command = ["flock", os.environ["LOCK"]] + command
    print(" ".join(command), flush=True)
    subprocess.run(command, check=True)


def students(teacher, seed, losses=None):
    document = recipe("mpnet-students", teacher, seed)
    if losses:
        next(s for s in document["stages"] if s.get("id") == "students")["distill"]["losses"] = losses
    return document


def sixteen_heads(teacher, seed):
    document = recipe("sixteen-heads", teacher, seed)
    prune = next(s for s in document["stages"] if "prune" in s)["prune"]
    prune["evaluate"], prune["stop_below"] = "dev", 0.99
    return document


def main():
    chosen = os.environ.get("RUNS", "students,sixteen-heads,q8bert,hard").split(",")
    for kind in chosen:
        for seed in [int(s) for s in os.environ.get("SEEDS", "1 2 3").split()]:
            teacher = os.path.join(OUT, f"teacher-seed{seed}", "exports", "teacher")
            if not os.path.exists(os.path.join(teacher, "model.safetensors")):
                raise SystemExit(f"{teacher} is missing: run scripts/finetune-mpnet-mr.sh first")
            cache = os.path.join(OUT, f"cache-seed{seed}")
            if kind == "students":
                run(students(teacher, seed), f"students-seed{seed}", seed, cache)
            elif kind == "hard":
                run(students(teacher, seed, [{"component": "cross-entropy"}]), f"hard-seed{seed}", seed, cache)
            elif kind == "sixteen-heads":
                run(sixteen_heads(teacher, seed), f"sixteen-heads-seed{seed}", seed)
            elif kind == "q8bert":
                run(recipe("q8bert-ptq", teacher, seed), f"q8bert-seed{seed}", seed)
            else:
                raise SystemExit(f"RUNS: unknown run {kind!r} (students, sixteen-heads, q8bert, hard)")


if __name__ == "__main__":
    main()
