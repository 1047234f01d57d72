#!/usr/bin/env python3
"""What loading the first-party plugins adds to `bertslim` start-up (median wall time).

    scripts/bench-plugin-startup.py [BERTSLIM] [RUNS]

Runs, interleaved: `bertslim --version` (start-up alone), `bertslim plugins list
--no-default-paths` (same path, nothing to load) and `bertslim plugins list` (loads every
plugin beside the executable). The target is < 50 ms for the difference of the last two.
"""
import os
import statistics
import subprocess
import sys
import time

exe = sys.argv[1] if len(sys.argv) > 1 else ".build/release/bertslim"
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 41
env = {k: v for k, v in os.environ.items() if k != "BERTSLIM_PLUGIN_PATH"}
cases = {
    "bertslim --version": [exe, "--version"],
    "plugins list --no-default-paths": [exe, "plugins", "list", "--no-default-paths"],
    "plugins list (first-party plugins)": [exe, "plugins", "list"],
}
times = {name: [] for name in cases}
for _ in range(3):  # warm the page cache
    for command in cases.values():
        subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
for _ in range(runs):
    for name, command in cases.items():
        start = time.perf_counter()
        subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times[name].append((time.perf_counter() - start) * 1000)
listed = subprocess.run([exe, "plugins", "list"], env=env, capture_output=True, text=True).stdout
print(f"{exe}, {runs} runs each; plugins loaded:\n{listed}")
for name, values in times.items():
    print(f"{name:38s} median {statistics.median(values):7.2f} ms  (min {min(values):.2f}, max {max(values):.2f})")
added = statistics.median(times["plugins list (first-party plugins)"]) - statistics.median(times["plugins list --no-default-paths"])
print(f"loading the first-party plugins adds {added:.2f} ms (target < 50 ms)")
