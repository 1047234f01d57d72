#!/usr/bin/env python3
"""Builds the fuzz targets (Sources/BertSlimFuzz) under libFuzzer with AddressSanitizer and runs
each for a set time or number of executions; prints (and writes to .build/fuzz/results.json)
executions, time, corpus size and crashes per target.

    python3 scripts/fuzz.py [--seconds 60] [--runs N] [--jobs J] [--debug] [--build-only] [TARGET ...]
    (make fuzz FUZZ_SECONDS=... or FUZZ_RUNS=...)

--runs stops each target after N executions (then --seconds, if given, is a cap on its time);
--jobs runs that many targets at once (one core each).

The build is a release build (--debug: a debug one, quicker to build, slower to run; the tests'
smoke uses it) of the SDK, the host, the plugins and the targets with `-sanitize=fuzzer,address`
in its own scratch folder (.build/fuzz); libFuzzer's driver is linked from the toolchain's clang. Each target starts from its committed seeds (Tests/Fuzz/corpus/<t>)
and a working corpus that grows across runs (.build/fuzz/corpus/<t>). A crash's input is
written to .build/fuzz/crashes/<t>/; minimise it (`bertslim-fuzz -minimize_crash=1 ...`), fix
the bug and commit the input under Tests/Fuzz/crashes/<t>/, which the tests replay.
Leak detection is off: the Swift runtime's caches and the plugin registry live for the process.
"""
import argparse
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRATCH = os.path.join(ROOT, ".build", "fuzz")
TARGETS = ["safetensors", "config", "model-folder", "vocab", "tokenizer", "tsv", "csv", "jsonl", "recipe", "descriptor"]
FLAGS = ["--scratch-path", SCRATCH, "-Xswiftc", "-sanitize=fuzzer,address"]


def plugin_products():
    text = open(os.path.join(ROOT, "Package.swift")).read()
    names = text[text.index("let pluginNames = ["):]
    return re.findall(r'"(\w+)",', names[:names.index("]")])


def build(configuration):
    """Builds the targets' library and every plugin, then links libFuzzer's driver; returns its path."""
    flags = ["-c", configuration] + FLAGS
    env = dict(os.environ, BERTSLIM_FUZZ="1")  # Package.swift then declares the BertSlimFuzz library
    for product in ["BertSlimFuzz"] + plugin_products():
        subprocess.run(["swift", "build", *flags, "--product", product], cwd=ROOT, check=True, env=env)
    bin_dir = subprocess.run(["swift", "build", *flags, "--show-bin-path"], cwd=ROOT, check=True, env=env,
                             capture_output=True, text=True).stdout.strip()
    clang = os.path.join(os.path.dirname(os.path.realpath(shutil.which("swift"))), "clang")
    driver = os.path.join(bin_dir, "bertslim-fuzz")
    subprocess.run([clang, "-fsanitize=fuzzer,address", "-x", "c", "/dev/null", "-o", driver, f"-L{bin_dir}",
                    "-lBertSlimFuzz", f"-Wl,-rpath,{bin_dir}"], check=True)
    return driver


def run(driver, target, seconds, runs=None):
    corpus = os.path.join(SCRATCH, "corpus", target)
    crashes = os.path.join(SCRATCH, "crashes", target)
    workspace = f"/dev/shm/bertslim-fuzz-{target}" if os.path.isdir("/dev/shm") else os.path.join(SCRATCH, "ws", target)
    os.makedirs(corpus, exist_ok=True)
    os.makedirs(crashes, exist_ok=True)
    env = dict(os.environ, BERTSLIM_FUZZ_TARGET=target, BERTSLIM_FUZZ_WORKSPACE=workspace,
               BERTSLIM_FUZZ_REPOSITORY=ROOT, SWIFT_BACKTRACE="enable=no",
               ASAN_OPTIONS="detect_leaks=0:allocator_may_return_null=0", OMP_NUM_THREADS="1")
    seeds = os.path.join(ROOT, "Tests", "Fuzz", "corpus", target)
    command = [driver, f"-max_total_time={seconds or 0}", "-print_final_stats=1", "-detect_leaks=0",
               "-malloc_limit_mb=256", "-rss_limit_mb=4096", "-timeout=30",
               f"-artifact_prefix={crashes}/", corpus, seeds] + ([f"-runs={runs}"] if runs else [])
    start = time.monotonic()
    result = subprocess.run(command, env=env, capture_output=True, text=True, errors="replace")
    elapsed = time.monotonic() - start
    shutil.rmtree(workspace, ignore_errors=True)
    log = result.stdout + result.stderr
    with open(os.path.join(SCRATCH, f"{target}.log"), "w") as f:
        f.write(log)
    stat = lambda name: int((re.search(rf"stat::{name}:\s*(\d+)", log) or [0, 0])[1])
    found = sorted(os.listdir(crashes))
    return {"target": target, "executions": stat("number_of_executed_units"), "seconds": round(elapsed, 1),
            "corpus": len(os.listdir(corpus)), "peak_rss_mb": stat("peak_rss_mb"), "crashes": found,
            "exit": result.returncode}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("targets", nargs="*", default=TARGETS)
    parser.add_argument("--seconds", type=int, help="time per target (default 60 without --runs; with it, no limit)")
    parser.add_argument("--runs", type=int, help="executions per target")
    parser.add_argument("--jobs", type=int, default=1, help="targets run at once")
    parser.add_argument("--debug", action="store_true", help="a debug build")
    parser.add_argument("--build-only", action="store_true")
    args = parser.parse_args()
    unknown = set(args.targets) - set(TARGETS)
    if unknown:
        sys.exit(f"unknown fuzz targets {sorted(unknown)}; known: {', '.join(TARGETS)}")
    driver = build("debug" if args.debug else "release")
    if args.build_only:
        return
    seconds = args.seconds if args.seconds is not None else (None if args.runs else 60)
    print(f"{'target':<14}{'executions':>12}{'seconds':>9}{'exec/s':>9}{'corpus':>8}  crashes", flush=True)
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        pending = [pool.submit(run, driver, target, seconds, args.runs) for target in args.targets]
        results = []
        for future in concurrent.futures.as_completed(pending):
            r = future.result()
            results.append(r)
            rate = r["executions"] / max(r["seconds"], 1e-9)
            print(f"{r['target']:<14}{r['executions']:>12,}{r['seconds']:>9.0f}{rate:>9.0f}{r['corpus']:>8}  "
                  f"{', '.join(r['crashes']) or 'none'}", flush=True)
    results.sort(key=lambda r: args.targets.index(r["target"]))
    with open(os.path.join(SCRATCH, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    failed = [r["target"] for r in results if r["crashes"] or r["exit"] != 0]
    if failed:
        sys.exit(f"fuzzing found crashes in {', '.join(failed)}: see .build/fuzz/<target>.log and .build/fuzz/crashes/")


if __name__ == "__main__":
    main()
