"""Int8 inference side by side, one run: BertSlim fp32 and int8 against PyTorch fp32, PyTorch
dynamic int8 (`torch.ao.quantization.quantize_dynamic`) and ONNX Runtime int8
(`onnxruntime.quantization.quantize_dynamic` on a `torch.onnx.export` of the same model), on
MiniLM-L6 at 1x128, 8x128 and 32x64, same threads.

    .venv/bin/python scripts/bench-int8.py --int8-model runs/q8bert-qat/exports/int8 [--rounds 3] [--threads 2]

`--int8-model` is a folder converted by a q8bert quantize stage (static ranges, as QAT
leaves them; e.g. recipes/q8bert-qat.yaml's export). Also timed: BertSlim's dynamic
int8 (`bench infer --int8`, ranges from each batch like the two peers). Rounds alternate every
engine; each engine's median over rounds is reported with its ratio to BertSlim int8 (above
1.0: slower than BertSlim int8), and the weight files' sizes. The machine is shared and noisy:
ratios carry over, absolute times do not. `--isa avx2` (or avx2_vnni, avx512, avx512_vnni) caps
BertSlim and PyTorch at that level (scripts/isa_caps.py); ONNX Runtime's MLAS and PyTorch's
FBGEMM int8 kernels have no such switch and run at the machine's own level, while
`torch-int8-onednn` (quantize_dynamic on PyTorch's oneDNN engine) obeys it.
"""
import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

import isa_caps

ISA = isa_caps.apply_from_argv()

ROOT = pathlib.Path(__file__).resolve().parent.parent
BERTSLIM = ROOT / ".build/release/bertslim"
MODEL = ROOT / "assets/model/minilm-l6"
SHAPES = [(1, 128), (8, 128), (32, 64)]
ENGINES = ["bertslim-fp32", "bertslim-int8", "bertslim-int8-dynamic", "torch-fp32",
           "torch-int8-dynamic", "torch-int8-onednn", "ort-int8"]


def timed(fn, runs, warmup=3):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def random_batch(batch, seq):
    """As ModelBenchmark.randomBatch: [CLS] then random ids past 1000, no padding."""
    import torch
    g = torch.Generator().manual_seed(7)
    ids = torch.randint(1000, 30522, (batch, seq), generator=g)
    ids[:, 0] = 101
    return ids, torch.ones_like(ids)


def onnx_models(folder):
    """MiniLM-L6 exported to ONNX once, and its ONNX Runtime dynamic int8 form."""
    fp32, int8 = folder / "minilm-l6.onnx", folder / "minilm-l6-int8.onnx"
    if not int8.exists():
        import torch
        from onnxruntime.quantization import QuantType, quantize_dynamic
        from transformers import BertModel
        model = BertModel.from_pretrained(str(MODEL)).eval()
        ids, mask = random_batch(2, 16)
        torch.onnx.export(model, (ids, mask), str(fp32), input_names=["input_ids", "attention_mask"],
                          output_names=["last_hidden_state", "pooler_output"], opset_version=17, dynamo=False,
                          dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"}})
        quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8)
    return fp32, int8


def child(args):
    """One engine at one shape in this (child) process; prints its median ms as JSON."""
    import torch
    torch.set_num_threads(args.threads)
    ids, mask = random_batch(args.batch, args.seq)
    if args.engine == "ort-int8":
        import onnxruntime as ort
        options = ort.SessionOptions()
        options.intra_op_num_threads, options.inter_op_num_threads = args.threads, 1
        session = ort.InferenceSession(args.onnx, options, providers=["CPUExecutionProvider"])
        feed = {"input_ids": ids.numpy(), "attention_mask": mask.numpy()}
        ms = timed(lambda: session.run(None, feed), args.runs)
    else:
        from transformers import BertModel
        model = BertModel.from_pretrained(str(MODEL)).eval()
        if args.engine.startswith("torch-int8"):
            # FBGEMM (the default engine) picks its kernels by CPU alone; the oneDNN engine obeys
            # ONEDNN_MAX_CPU_ISA, so it is the PyTorch int8 that --isa really caps.
            torch.backends.quantized.engine = "onednn" if args.engine == "torch-int8-onednn" else "fbgemm"
            model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
        with torch.no_grad():
            ms = timed(lambda: model(input_ids=ids, attention_mask=mask), args.runs)
    print(json.dumps({"median_ms": ms}))


def command(engine, batch, seq, args, onnx_int8):
    shape = ["--batch", str(batch), "--seq", str(seq), "--runs", str(args.runs), "--threads", str(args.threads)]
    if engine == "bertslim-fp32":
        return [str(BERTSLIM), "bench", "infer", "--model", str(MODEL), "--json", *shape]
    if engine == "bertslim-int8":
        return [str(BERTSLIM), "bench", "infer", "--model", args.int8_model, "--json", *shape]
    if engine == "bertslim-int8-dynamic":
        return [str(BERTSLIM), "bench", "infer", "--model", str(MODEL), "--int8", "--json", *shape]
    return [sys.executable, __file__, "--child", engine, "--onnx", str(onnx_int8), *shape]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--int8-model", help="a q8bert-int8 model folder (static ranges)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--child", choices=ENGINES, help=argparse.SUPPRESS, dest="engine")
    parser.add_argument("--onnx", help=argparse.SUPPRESS)
    parser.add_argument("--batch", type=int, default=8, help=argparse.SUPPRESS)
    parser.add_argument("--seq", type=int, default=128, help=argparse.SUPPRESS)
    parser.add_argument("--isa", choices=list(isa_caps.LEVELS), help="cap BertSlim and PyTorch at this instruction-set level")
    args = parser.parse_args()
    if args.engine:
        return child(args)
    if not args.int8_model:
        raise SystemExit("--int8-model DIR is required (a folder exported by a q8bert quantize stage)")
    if not BERTSLIM.exists():
        raise SystemExit(f"{BERTSLIM} is missing: run `swift build -c release` first")
    folder = pathlib.Path(tempfile.gettempdir()) / "bertslim-bench-int8"
    folder.mkdir(exist_ok=True)
    onnx_fp32, onnx_int8 = onnx_models(folder)

    results = {}
    for _ in range(args.rounds):
        for batch, seq in SHAPES:
            for engine in ENGINES:
                out = subprocess.run(command(engine, batch, seq, args, onnx_int8), check=True, capture_output=True, text=True).stdout
                results.setdefault((batch, seq, engine), []).append(json.loads(out.strip().splitlines()[-1])["median_ms"])

    import torch
    import onnxruntime
    print(f"torch {torch.__version__}, onnxruntime {onnxruntime.__version__}, {args.threads} threads, "
          f"{args.rounds} alternating rounds, median of {args.runs} runs each; ms, (ratio to BertSlim int8)")
    if ISA:
        print(f"BertSlim and PyTorch capped at {ISA}; ONNX Runtime and torch-int8-dynamic (FBGEMM) uncapped: "
              "they have no switch and run at the machine's own level")
    print(f"{'shape':<8}" + "".join(f"{e:>24}" for e in ENGINES))
    for batch, seq in SHAPES:
        base = statistics.median(results[(batch, seq, "bertslim-int8")])
        cells = []
        for engine in ENGINES:
            ms = statistics.median(results[(batch, seq, engine)])
            cells.append(f"{ms:10.1f} ({ms / base:5.2f}x)")
        print(f"{batch}x{seq:<6}" + "".join(f"{c:>24}" for c in cells))
    fp32 = statistics.median(results[(8, 128, "bertslim-fp32")])
    int8 = statistics.median(results[(8, 128, "bertslim-int8")])
    ort8 = statistics.median(results[(8, 128, "ort-int8")])
    print(f"8x128: BertSlim int8 is {fp32 / int8:.2f}x faster than BertSlim fp32 and {ort8 / int8:.2f}x faster than ONNX Runtime int8")
    weights = MODEL / "model.safetensors"
    ours = pathlib.Path(args.int8_model) / "model.safetensors"
    print(f"weights: fp32 {weights.stat().st_size / 1e6:.1f} MB, BertSlim int8 {ours.stat().st_size / 1e6:.1f} MB "
          f"({weights.stat().st_size / ours.stat().st_size:.2f}x smaller), ONNX fp32 {onnx_fp32.stat().st_size / 1e6:.1f} MB, "
          f"ONNX Runtime int8 {onnx_int8.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
