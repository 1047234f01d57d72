#!/usr/bin/env python3
"""The README's low-bit table from the runs of scripts/quantize-lowbit-mr.sh.

    python3 scripts/summarize-lowbit-mr.py runs/lowbit-mr

Prints a Markdown table of MR test accuracy (%) per seed and mean ± sample standard deviation, after
training (post-training quantization, PTQ) and with one epoch of quantization-aware training or
centroid fine-tuning (QAT / FT), with the encoder's Linear weights in MB as stored (codes, scales,
zero points, codebooks), the whole weight file in MB, and latency at 8 × 128 as a multiple of the
fp32 teacher's measured in the same run (the runs' benchmark stages, median of 10, or
scripts/bench-lowbit-mr.sh's latency.jsonl, where the runs had none; under ISA caps in a second
table). Then the bits mixed precision chose per seed.
"""
import glob
import json
import os
import re
import statistics
import struct
import sys

root = sys.argv[1] if len(sys.argv) > 1 else "runs/lowbit-mr"
LINEAR = re.compile(r"(bert\.)?encoder\.layer\.\d+\.(attention\.self\.(query|key|value)|attention\.output\.dense|"
                    r"intermediate\.dense|output\.dense)\.weight(_scale|_zero_point|_codebook)?$")


def encoder_megabytes(folder):
    """MB of the encoder's Linear weights (and their quantization parameters) in a folder's safetensors."""
    with open(os.path.join(folder, "model.safetensors"), "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
    return sum(e["data_offsets"][1] - e["data_offsets"][0] for name, e in header.items()
               if name != "__metadata__" and LINEAR.match(name)) / 1e6


def row_name(values):
    quantizer = next((v for k, v in values.items() if k.endswith(".quantizer")), "")
    bits = re.search(r"bits: (\d+)", quantizer)
    if "q8bert" in quantizer:
        return "Q8BERT int8 (dynamic activations)", 8
    if "mixed" in quantizer:
        return "Q-BERT mixed precision, size of 3 bits (a range per row)", 3
    if "kmeans" in quantizer:
        return f"k-means {bits.group(1)}-bit (a codebook per matrix)", int(bits.group(1))
    if "tensor" in quantizer:
        return f"linear {bits.group(1)}-bit (a range per matrix)", int(bits.group(1))
    if "row" in quantizer:
        return f"Q-BERT {bits.group(1)}-bit (a range per row)", int(bits.group(1))
    return f"Q-BERT {bits.group(1)}-bit (a range per head's rows, 12 per FFN matrix)", int(bits.group(1))


rows, sizes, files, latency, mixed, folders = {}, {}, {}, {}, {}, {}
teacher, teacher_latency, teacher_sizes = {}, {}, {}
for path in sorted(glob.glob(os.path.join(root, "*-seed*/results.json"))):
    run = os.path.dirname(path)
    seed = int(re.search(r"seed(\d+)$", run).group(1))
    for point in json.load(open(path))["points"]:
        first, last = point["models"][0], point["models"][-1]
        if "test" in first["evaluations"]:
            teacher[seed] = 100 * first["evaluations"]["test"]["accuracy"]
            teacher_sizes[seed] = (first["fileBytes"] / 1e6)
            if "8" in first["latencyMs"]:
                teacher_latency.setdefault(seed, []).append(first["latencyMs"]["8"])
        if len(point["models"]) < 2 or "test" not in last["evaluations"]:
            continue
        name, bits = row_name(point["values"])
        epochs = next((v for k, v in point["values"].items() if k.endswith(".epochs")), "0")
        key = (name, "PTQ" if str(epochs) == "0" else "QAT / FT")
        rows.setdefault(key, {})[seed] = 100 * last["evaluations"]["test"]["accuracy"]
        files.setdefault(name, []).append(last["fileBytes"] / 1e6)
        if "8" in last["latencyMs"] and "8" in first["latencyMs"]:
            latency.setdefault(name, []).append(last["latencyMs"]["8"] / first["latencyMs"]["8"])
        for export in point.get("exports", []):
            folders[(os.path.basename(run), export)] = name
            folder = os.path.join(run, export)
            if os.path.exists(os.path.join(folder, "model.safetensors")):
                sizes.setdefault(name, []).append(encoder_megabytes(folder))
                if "mixed" in name:
                    config = json.load(open(os.path.join(folder, "config.json")))
                    mixed.setdefault(seed, []).append((key[1], config["quantization"].get("layer_bits")))

capped = {}
timings = os.path.join(root, "latency.jsonl")
for line in open(timings) if os.path.exists(timings) else []:
    entry = json.loads(line)
    name = folders.get((entry["run"], entry["export"]))
    if name:
        ratio = entry["lowbit_ms"] / entry["fp32_ms"]
        (latency.setdefault(name, []) if entry["cap"] == "none" else capped.setdefault((entry["cap"], name), [])).append(ratio)


def cells(by):
    values = [by.get(seed) for seed in (1, 2, 3)]
    done = [v for v in values if v is not None]
    mean = f"{statistics.mean(done):.2f} ± {statistics.stdev(done):.2f}" if len(done) > 1 else "–"
    return mean + " (" + " / ".join(f"{v:.2f}" if v is not None else "–" for v in values) + ")"


def median(values):
    return f"{statistics.median(values):.2f}" if values else "–"


teacher_folder = os.path.realpath("runs/teachers/mr-seed1")
fp32_encoder = encoder_megabytes(teacher_folder) if os.path.exists(teacher_folder) else None
print("| model | bits | PTQ: mean ± sd (seeds 1 / 2 / 3) | QAT or centroid FT, 1 epoch | encoder MB | file MB | 8 × 128 time ÷ fp32 |")
print("|---|---|---|---|---|---|---|")
print(f"| fp32 teacher | 32 | {cells(teacher)} | | {fp32_encoder or 0:.1f} | {median(list(teacher_sizes.values()))} | 1 |")
names = sorted({name for name, _ in rows})
order = ["Q8BERT", "Q-BERT 8-bit (a range per row", "Q-BERT 4-bit (a range per row", "Q-BERT 3-bit", "Q-BERT 2-bit", "Q-BERT mixed",
         "Q-BERT 4-bit (a range per head", "linear 8", "linear 4", "linear 3", "linear 2", "k-means 8", "k-means 4", "k-means 3", "k-means 2"]
names.sort(key=lambda n: next((i for i, p in enumerate(order) if n.startswith(p)), len(order)))
for name in names:
    bits = re.search(r"(\d+)-bit|size of (\d+)|int(8)", name)
    ptq, qat = rows.get((name, "PTQ"), {}), rows.get((name, "QAT / FT"), {})
    print(f"| {name} | {next(g for g in bits.groups() if g)} | {cells(ptq) if ptq else '–'} | {cells(qat) if qat else '–'} | "
          f"{median(sizes.get(name, []))} | {median(files.get(name, []))} | {median(latency.get(name, []))} |")
if capped:
    print("\n| BERTSLIM_MAX_ISA | model | 8 × 128 time ÷ fp32 |\n|---|---|---|")
    for (cap, name), ratios in sorted(capped.items()):
        print(f"| {cap} | {name} | {median(ratios)} |")
print()
for seed, chosen in sorted(mixed.items()):
    print(f"seed {seed}: mixed precision chose " + "; ".join(f"{k}: {b}" for k, b in chosen))
