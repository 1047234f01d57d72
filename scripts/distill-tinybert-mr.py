#!/usr/bin/env python3
"""MR accuracy of TinyBERT and its ablations (the README's "TinyBERT" table), from fine-tuned
MiniLM-L6 teachers.

    python3 scripts/distill-tinybert-mr.py [TEACHER1 TEACHER2 TEACHER3]   (default: runs/teachers/mr-seed{1,2,3})

Needs PyYAML (Debian's python3-yaml, or the .venv). Every run is built from recipes/tinybert.yaml:

- general distillation runs once (its stage with the pre-trained MiniLM-L6 as the teacher, seed 1),
  into runs/tinybert-mr/general: it is task-agnostic, as in the paper, and every config below
  that starts from it reads its export;
- for teacher folder i (seed i), five runs under runs/tinybert-mr/<config>-seed<i>, each starting
  with the teacher scored on the test split (`id: teacher`) and ending with the student scored
  and exported:
    hard           the general-distilled student fine-tuned on the labels (cross-entropy)
    kd             the same student taught by Hinton KD (T = 2, α = 0.5)
    tinybert-no-gd task distillation (intermediate, then prediction) into a randomly initialised student
    tinybert-no-da task distillation from the general-distilled student without augmentation
    tinybert       task distillation from the general-distilled student with augmentation
  The runs with augmentation train one epoch per stage on the augmented set (n_a = 2: about three
  times the training set), those without it three epochs, so every config takes about the same
  number of steps. A teacher's runs share a stage cache (runs/tinybert-mr/cache-seed<i>), so its
  augmented transfer set is labelled once.

CONFIGS (comma-separated) and SEEDS (space-separated) choose what runs; BERTSLIM the binary
(default .build/release/bertslim); LOCK a file whose lock each run holds. Then:
    python3 scripts/summarize-tinybert-mr.py runs/tinybert-mr
"""
import copy
import os
import subprocess
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "runs", "tinybert-mr")
CONFIGS = ["hard", "kd", "tinybert-no-gd", "tinybert-no-da", "tinybert"]


def recipe():
    with open(os.path.join(ROOT, "recipes", "tinybert.yaml")) as f:
        text = f.read().replace("../assets", os.path.join(ROOT, "assets"))
    return yaml.safe_load(text)


def stage(document, stage_id):
    return copy.deepcopy(next(s for s in document["stages"] if s.get("id") == stage_id))


def run(path, out, seed, cache=None):
    binary = os.environ.get("BERTSLIM", os.path.join(ROOT, ".build", "release", "bertslim"))
    subprocess.run([binary, "validate", path], check=True, stdout=subprocess.DEVNULL)
    command = [binary, "run", path, "--out", out, "--seed", str(seed), "--resume", "--quiet", "--no-ledger"]
    if cache:
        command += ["--cache", cache]
    if os.environ.get("LOCK"):
        command = ["flock", os.environ["LOCK"]] + command
    print(" ".join(command), flush=True)
    subprocess.run(command, check=True)


def write(document, name):
    path = os.path.join(OUT, name + ".yaml")
    with open(path, "w") as f:
        yaml.safe_dump(document, f, sort_keys=False)
    return path


def general():
    """General distillation alone, from the pre-trained MiniLM-L6 (the recipe's `general` stage)."""
    base = recipe()
    document = {k: v for k, v in base.items() if k != "stages"}
    gd = stage(base, "general")
    document["teacher"] = {"model": gd["distill"].pop("teacher")["model"]}
    document["name"] = "tinybert-general"
    document["stages"] = [gd, {"export": {"name": "general"}}]
    out = os.path.join(OUT, "general")
    run(write(document, "general"), out, 1)
    return os.path.join(out, "exports", "general")


def config_stages(base, config, general_folder):
    intermediate, prediction = stage(base, "intermediate"), stage(base, "prediction")
    from_general = {"model": general_folder}
    if config in ("hard", "kd"):
        block = copy.deepcopy(prediction["distill"])
        block.pop("augment", None)
        block.pop("teacher", None)
        block.update(student=from_general, epochs=3, teacher_outputs="auto")
        block["losses"] = ([{"component": "cross-entropy"}] if config == "hard"
                           else [{"component": "hinton-kd", "settings": {"temperature": 2, "alpha": 0.5}}])
        return [{"id": "student", "distill": block}]
    if config == "tinybert-no-gd":
        intermediate["distill"]["student"] = stage(base, "general")["distill"]["student"]
    else:
        intermediate["distill"]["student"] = from_general
    if config == "tinybert-no-da":
        for s in (intermediate, prediction):
            s["distill"].pop("augment")
            s["distill"]["epochs"] = 3
    return [intermediate, prediction]


def main():
    teachers = sys.argv[1:] or [os.path.join(ROOT, "runs", "teachers", f"mr-seed{i}") for i in (1, 2, 3)]
    if len(teachers) != 3:
        sys.exit("three teacher folders, please (seeds 1-3)")
    configs = os.environ.get("CONFIGS", ",".join(CONFIGS)).split(",")
    seeds = [int(s) for s in os.environ.get("SEEDS", "1 2 3").split()]
    os.makedirs(OUT, exist_ok=True)
    general_folder = general()
    base = recipe()
    for seed in seeds:
        for config in configs:
            document = {k: copy.deepcopy(v) for k, v in base.items() if k != "stages"}
            document["name"] = f"tinybert-mr-{config}"
            document["teacher"] = {"model": os.path.realpath(teachers[seed - 1])}
            document["stages"] = ([{"id": "teacher", "evaluate": {"split": "test"}}] + config_stages(base, config, general_folder)
                                  + [{"evaluate": {"split": "test"}}, {"export": {"name": "student"}}])
            name = f"{config}-seed{seed}"
            run(write(document, name), os.path.join(OUT, name), seed, cache=os.path.join(OUT, f"cache-seed{seed}"))


if __name__ == "__main__":
    main()
