"""What the MR experiment scripts share: a committed recipe pointed at one fine-tuned teacher, and
a resumable run of it (validated first, optionally holding a lock file so that runs queue)."""
import os
import subprocess

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def recipe(name, teacher, seed):
    """recipes/<name>.yaml with teacher.model set to `teacher`, the seed set, the finetune stage removed."""
    with open(os.path.join(ROOT, "recipes", name + ".yaml")) as f:
        document = yaml.safe_load(f.read().replace("../assets", os.path.join(ROOT, "assets")))
    document["teacher"]["model"] = os.path.realpath(teacher)
    document["seed"] = seed
    document["stages"] = [s for s in document["stages"] if "finetune" not in s]
    return document


def run(document, out, name, seed, cache=None):
    """Writes `document` as out/<name>.yaml and runs it into out/<name> (--resume; --cache `cache`
    when given): BERTSLIM is the binary (default .build/release/bertslim), LOCK a file whose lock
    the run holds."""
    path = os.path.join(out, name + ".yaml")
    with open(path, "w") as f:
        yaml.safe_dump(document, f, sort_keys=False)
    binary = os.environ.get("BERTSLIM", os.path.join(ROOT, ".build", "release", "bertslim"))
    subprocess.run([binary, "validate", path], check=True, stdout=subprocess.DEVNULL)
    command = [binary, "run", path, "--out", os.path.join(out, name), "--seed", str(seed), "--resume", "--quiet", "--no-ledger"]
    if cache:
        command += ["--cache", cache]
    if os.environ.get("LOCK"):
        command = ["flock", os.environ["LOCK"]] + command
    print(" ".join(command), flush=True)
    subprocess.run(command, check=True)
