"""Side-by-side speed: BertSlim against PyTorch on the same machine, same threads, one run.

    .venv/bin/python scripts/bench-vs-pytorch.py ops [--rounds 3] [--threads 2]
    .venv/bin/python scripts/bench-vs-pytorch.py infer    # MiniLM-L6 and bert-base forward, 1x128 8x128 32x64
    .venv/bin/python scripts/bench-vs-pytorch.py train    # one MiniLM fine-tuning step, 8x128 and 32x64, and peak RSS
        (--model mpnet: all-mpnet-base-v2 from `make assets-large` instead, for infer and train)
    .venv/bin/python scripts/bench-vs-pytorch.py distill  # one step of a 3-layer student on cached teacher logits, 32x64
    .venv/bin/python scripts/bench-vs-pytorch.py prune-heads  # 6 of 12 heads removed in every layer, 8x128:
                                                              # pruned ÷ unpruned latency on each side
    .venv/bin/python scripts/bench-vs-pytorch.py lstm     # one training step of a bidirectional LSTM layer,
                                                          # 32x64, input 300, hidden 300: forward + backward
    .venv/bin/python scripts/bench-vs-pytorch.py sparse   # y = x·Wᵀ + b with W pruned by magnitude to
                                                          # 50-95 %: each side's sparse kernel (PyTorch: CSR
                                                          # tensors) against its own dense GEMM

Alternates BertSlim (`bertslim bench ... --json`, release build) and PyTorch for several
rounds, takes each side's median over rounds, and prints one ratio per op:
BertSlim ÷ PyTorch (below 1.0 means BertSlim is faster). The machine is shared and noisy:
ratios carry over, absolute times do not. `--isa avx2` (or avx2_vnni, avx512, avx512_vnni)
caps both sides at that instruction-set level (scripts/isa_caps.py).
"""
import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time

import isa_caps

ISA = isa_caps.apply_from_argv()
import torch  # noqa: E402 (after the caps)
import torch.nn.functional as F

ROOT = pathlib.Path(__file__).resolve().parent.parent
BERTSLIM = ROOT / ".build/release/bertslim"  # --bertslim overrides


def timed(fn, runs, warmup=3):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def torch_ops(runs):
    """The op list of OpsBenchmark.swift, in PyTorch (forward, no grad)."""
    g = torch.Generator().manual_seed(1)
    results = {}
    with torch.no_grad():
        for m in (128, 1024):
            for k in (384, 768, 1536, 3072):
                for n in (384, 768, 1536, 3072):
                    x, w = torch.randn(m, k, generator=g), torch.randn(n, k, generator=g)
                    results[("matmul", f"{m}x{k}x{n}")] = timed(lambda: F.linear(x, w), runs)
        for rows, h in ((1024, 384), (1024, 768), (4096, 384)):
            x, gamma, beta = torch.randn(rows, h), torch.randn(h), torch.randn(h)
            results[("layer_norm", f"{rows}x{h}")] = timed(lambda: F.layer_norm(x, (h,), gamma, beta, 1e-12), runs)
        for b, heads, t in ((8, 12, 128), (32, 12, 64)):
            scores, mask = torch.randn(b, heads, t, t), torch.zeros(b, 1, 1, t)
            results[("softmax", f"{b}x{heads}x{t}x{t}")] = timed(lambda: torch.softmax(scores + mask, -1), runs)
        for rows, ffn in ((1024, 1536), (1024, 3072)):
            x = torch.randn(rows, ffn)
            results[("gelu", f"{rows}x{ffn}")] = timed(lambda: F.gelu(x), runs)
    return results


def bertslim_ops(runs, threads):
    out = subprocess.run([str(BERTSLIM), "bench", "ops", "--json", "--runs", str(runs), "--threads", str(threads)],
                         check=True, capture_output=True, text=True).stdout
    report = json.loads(out)
    PEAKS.append(report["fma_peak_gflops"])
    return {(r["name"], r["shape"]): r["timing"]["median_ms"] for r in report["results"]}


PEAKS = []  # FMA ceiling BertSlim measured in each round


MODEL = ROOT / "assets/model/minilm-l6"
MPNET = ROOT / "assets/model/mpnet-base"
INFER_SHAPES = [(1, 128), (8, 128), (32, 64)]
TRAIN_SHAPES = [(8, 128), (32, 64)]


def random_batch(vocab, batch, seq):
    """The same kind of batch as ModelBenchmark.randomBatch: [CLS] then random ids, no padding."""
    g = torch.Generator().manual_seed(7)
    ids = torch.randint(1000, vocab, (batch, seq), generator=g)
    ids[:, 0] = 101
    return ids, torch.ones_like(ids)


def torch_model(model, head=False):
    from transformers import BertConfig, BertForSequenceClassification, BertModel
    if model == "mpnet":
        from transformers import MPNetForSequenceClassification, MPNetModel
        return MPNetForSequenceClassification.from_pretrained(str(MPNET), num_labels=2) if head else MPNetModel.from_pretrained(str(MPNET))
    cls = BertForSequenceClassification if head else BertModel
    if model == "minilm-l6":
        return cls.from_pretrained(str(MODEL), num_labels=2) if head else cls.from_pretrained(str(MODEL))
    config = BertConfig(vocab_size=30522, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                        intermediate_size=3072, num_labels=2)
    return cls(config)


def child(args):
    """Runs one PyTorch workload in this (child) process and prints its median ms as JSON."""
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    if args.child == "infer":
        model = torch_model(args.model).eval()
        if args.prune_heads:
            model.prune_heads({layer: list(range(args.prune_heads)) for layer in range(model.config.num_hidden_layers)})
        ids, mask = random_batch(30522, args.batch, args.seq)
        with torch.no_grad():
            ms = timed(lambda: model(input_ids=ids, attention_mask=mask), args.runs)
    elif args.child == "distill":
        ms = torch_distill_step(args)
    elif args.child == "lstm":
        ms = torch_lstm_step(args)
    else:
        model = torch_model(args.model, head=True).train()
        ids, mask = random_batch(30522, args.batch, args.seq)
        labels = torch.arange(args.batch) % 2
        no_decay = [n for n, _ in model.named_parameters() if n.endswith("bias") or "LayerNorm" in n]
        optimizer = torch.optim.AdamW([
            {"params": [q for n, q in model.named_parameters() if n not in no_decay], "weight_decay": 0.01},
            {"params": [q for n, q in model.named_parameters() if n in no_decay], "weight_decay": 0.0}], lr=2e-5)

        def step():
            model(input_ids=ids, attention_mask=mask, labels=labels).loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            optimizer.zero_grad()
        ms = timed(step, args.runs, warmup=2)
    print(json.dumps({"median_ms": ms}))


def torch_distill_step(args):
    """One Hinton-KD step of a 3-layer student (teacher layers 0, 2, 4 copied) on teacher
    logits computed once: the workload of `bertslim bench distill`."""
    from transformers import BertForSequenceClassification
    teacher = torch_model("minilm-l6", head=True).eval()
    config = teacher.config.__class__.from_dict({**teacher.config.to_dict(), "num_hidden_layers": 3})
    student = BertForSequenceClassification(config)
    state = teacher.state_dict()
    for i, t in enumerate([0, 2, 4]):
        for name in [n for n in state if n.startswith(f"bert.encoder.layer.{t}.")]:
            state[name.replace(f"layer.{t}.", f"layer.{i}.", 1)] = state[name]
    student.load_state_dict({k: v for k, v in state.items() if k in student.state_dict()})
    student.train()
    ids, mask = random_batch(30522, args.batch, args.seq)
    labels = torch.arange(args.batch) % 2
    with torch.no_grad():
        teacher_logits = teacher(input_ids=ids, attention_mask=mask).logits
    no_decay = [n for n, _ in student.named_parameters() if n.endswith("bias") or "LayerNorm" in n]
    optimizer = torch.optim.AdamW([
        {"params": [q for n, q in student.named_parameters() if n not in no_decay], "weight_decay": 0.01},
        {"params": [q for n, q in student.named_parameters() if n in no_decay], "weight_decay": 0.0}], lr=1e-4)
    kl = torch.nn.KLDivLoss(reduction="batchmean")
    t, alpha = 2.0, 0.5

    def step():
        logits = student(input_ids=ids, attention_mask=mask).logits
        loss = alpha * t * t * kl(F.log_softmax(logits / t, -1), F.softmax(teacher_logits / t, -1)) \
            + (1 - alpha) * F.cross_entropy(logits, labels)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(student.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad()
    return timed(step, args.runs, warmup=2)


def torch_lstm_step(args):
    """One training step of torch.nn.LSTM on a full batch, as `bertslim bench lstm` times it: forward,
    backward from sum(output * U) for a fixed random U into the input (which requires gradients, as an
    embedding's output would) and every weight, gradients cleared; no optimizer."""
    lstm = torch.nn.LSTM(args.input, args.hidden, batch_first=True, bidirectional=not args.unidirectional)
    g = torch.Generator().manual_seed(1)
    x = torch.randn(args.batch, args.seq, args.input, generator=g).requires_grad_(True)
    upstream = torch.randn(args.batch, args.seq, (1 if args.unidirectional else 2) * args.hidden, generator=g)

    def step():
        output, _ = lstm(x)
        (output * upstream).sum().backward()
        lstm.zero_grad(set_to_none=True)
        x.grad = None
    return timed(step, args.runs, warmup=2)


def run_measured(command):
    """Runs a child process; returns its JSON output and its peak RSS in MB."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    out = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise SystemExit(f"failed: {' '.join(command)}")
    return json.loads(out.strip().splitlines()[-1]), usage.ru_maxrss / 1024


def model_rows(what, args):
    """(label, BertSlim command, PyTorch command) for the infer/train comparisons."""
    rows = []
    sources = {"minilm-l6": ["--model", str(MODEL)], "mpnet": ["--model", str(MPNET)], "bert-base": ["--architecture", "bert-base"]}
    if what == "infer":
        for model in [args.model] if args.model else ["minilm-l6", "bert-base"]:
            for batch, seq in INFER_SHAPES:
                source = sources[model]
                rows.append((f"{model} {batch}x{seq}",
                             [str(BERTSLIM), "bench", "infer", *source, "--batch", str(batch), "--seq", str(seq)],
                             ["--model", model, "--batch", str(batch), "--seq", str(seq)]))
    elif what == "lstm":
        shape = ["--batch", "32", "--seq", "64", "--input", "300", "--hidden", "300"]
        rows.append(("bilstm train 32x64 300/300", [str(BERTSLIM), "bench", "lstm", *shape], shape))
    elif what == "distill":
        rows.append(("student-3L distill 32x64",
                     [str(BERTSLIM), "bench", "distill", "--model", str(MODEL), "--student-layers", "3", "--batch", "32", "--seq", "64"],
                     ["--model", "minilm-l6", "--batch", "32", "--seq", "64"]))
    else:
        model = args.model or "minilm-l6"
        if model == "bert-base":
            raise SystemExit("train compares minilm-l6 or mpnet (a folder to train from)")
        for batch, seq in TRAIN_SHAPES:
            rows.append((f"{model} train {batch}x{seq}",
                         [str(BERTSLIM), "bench", "train", *sources[model], "--batch", str(batch), "--seq", str(seq)],
                         ["--model", model, "--batch", str(batch), "--seq", str(seq)]))
    return rows


def compare_models(args):
    runs = args.runs if args.what in ("infer", "lstm") else min(args.runs, 8)
    ours, theirs, rss, online = {}, {}, {}, {}
    for _ in range(args.rounds):
        for label, slim, torch_args in model_rows(args.what, args):
            out, mb = run_measured(slim + ["--json", "--runs", str(runs), "--threads", str(args.threads)])
            ours.setdefault(label, []).append(out["median_ms"])
            rss.setdefault(label, [[], []])[0].append(mb)
            out, mb = run_measured([sys.executable, __file__, args.what, "--child", args.what, *torch_args,
                                    "--runs", str(runs), "--threads", str(args.threads)])
            theirs.setdefault(label, []).append(out["median_ms"])
            rss[label][1].append(mb)
            if args.what == "distill":  # the same step with the teacher run inside it, for the cache's gain
                out, _ = run_measured(slim + ["--online", "--json", "--runs", str(runs), "--threads", str(args.threads)])
                online.setdefault(label, []).append(out["median_ms"])
    print(f"torch {torch.__version__}, {args.threads} threads, {args.rounds} alternating rounds, median of {runs} runs each")
    print(f"{'workload':<26}{'BertSlim ms':>12}{'PyTorch ms':>12}{'ratio':>8}{'RSS MB ours':>13}{'theirs':>8}{'ratio':>7}")
    for label in ours:
        a, b = statistics.median(ours[label]), statistics.median(theirs[label])
        ra, rb = max(rss[label][0]), max(rss[label][1])
        print(f"{label:<26}{a:12.1f}{b:12.1f}{a / b:8.2f}{ra:13.0f}{rb:8.0f}{ra / rb:7.2f}")
    for label, times in online.items():
        c = statistics.median(times)
        print(f"{label}: BertSlim with the teacher run in every step {c:.1f} ms; cached teacher logits make a step "
              f"{c / statistics.median(ours[label]):.2f}x faster")


def compare_pruning(args):
    """Each side's latency with `--prune-heads` heads removed from every layer against the
    unpruned model, 8x128, alternating BertSlim and PyTorch; prints both speedups."""
    heads = args.prune_heads or 6
    rows = []
    for model in ("minilm-l6", "bert-base"):
        source = ["--model", str(MODEL)] if model == "minilm-l6" else ["--architecture", model]
        for pruned in (0, heads):
            slim = [str(BERTSLIM), "bench", "infer", *source, "--batch", "8", "--seq", "128", "--prune-heads", str(pruned)]
            theirs = ["--model", model, "--batch", "8", "--seq", "128", "--prune-heads", str(pruned)]
            rows.append(((model, pruned), slim, theirs))
    ours, torch_ms = {}, {}
    for _ in range(args.rounds):
        for key, slim, theirs in rows:
            out, _ = run_measured(slim + ["--json", "--runs", str(args.runs), "--threads", str(args.threads)])
            ours.setdefault(key, []).append(out["median_ms"])
            out, _ = run_measured([sys.executable, __file__, "infer", "--child", "infer", *theirs,
                                   "--runs", str(args.runs), "--threads", str(args.threads)])
            torch_ms.setdefault(key, []).append(out["median_ms"])
    print(f"torch {torch.__version__}, {args.threads} threads, {args.rounds} alternating rounds, median of {args.runs} runs each; "
          f"{heads} of 12 heads removed in every layer, 8x128")
    print(f"{'model':<11}{'BertSlim ms':>12}{'pruned':>9}{'speedup':>9}{'PyTorch ms':>12}{'pruned':>9}{'speedup':>9}"
          f"{'ours/theirs unpruned':>22}{'pruned':>8}")
    for model in ("minilm-l6", "bert-base"):
        a0, a1 = statistics.median(ours[(model, 0)]), statistics.median(ours[(model, heads)])
        b0, b1 = statistics.median(torch_ms[(model, 0)]), statistics.median(torch_ms[(model, heads)])
        print(f"{model:<11}{a0:12.1f}{a1:9.1f}{a0 / a1:8.2f}x{b0:12.1f}{b1:9.1f}{b0 / b1:8.2f}x{a0 / b0:22.2f}{a1 / b1:8.2f}")


def compare_sparse(args):
    """`bench ops --sparse` against PyTorch's CSR tensors (sparse W times dense xᵀ) at the same
    shapes and magnitude-pruned weights, alternating the two sides; prints each side's speed-up
    over its own dense GEMM and BertSlim's sparse time over PyTorch's."""
    ours, theirs = {}, {}
    for _ in range(args.rounds):
        out = subprocess.run([str(BERTSLIM), "bench", "ops", "--sparse", "--json", "--runs", str(args.runs), "--threads", str(args.threads)],
                             check=True, capture_output=True, text=True).stdout
        for r in json.loads(out)["results"]:
            ours.setdefault((r["shape"], round(r["sparsity"], 2)), []).append(r["timing"]["median_ms"])
        g = torch.Generator().manual_seed(1)
        with torch.no_grad():
            for k in (384, 1536):
                for n in (384, 1536):
                    x, w, bias = torch.randn(1024, k, generator=g), 0.05 * torch.randn(n, k, generator=g), torch.randn(n, generator=g)
                    shape = f"1024x{k}x{n}"
                    theirs.setdefault((shape, 0.0), []).append(timed(lambda: F.linear(x, w, bias), args.runs))
                    order = w.abs().flatten().sort().values
                    for sparsity in (0.5, 0.7, 0.8, 0.9, 0.95):
                        threshold = order[int(sparsity * order.numel())]
                        csr = torch.where(w.abs() < threshold, torch.zeros_like(w), w).to_sparse_csr()
                        column = bias[:, None]
                        theirs.setdefault((shape, sparsity), []).append(
                            timed(lambda: torch.addmm(column, csr, x.t()).t(), args.runs))
    print(f"torch {torch.__version__}, {args.threads} threads, {args.rounds} alternating rounds, median of {args.runs} runs each; "
          f"speed-up = the side's dense GEMM time / its sparse time")
    print(f"{'shape':<17}{'sparsity':>9}{'BertSlim ms':>12}{'speed-up':>9}{'PyTorch ms':>12}{'speed-up':>9}{'ours/theirs':>12}")
    for shape, sparsity in sorted(theirs, key=lambda key: (key[0], key[1])):
        a, b = statistics.median(ours[(shape, sparsity)]), statistics.median(theirs[(shape, sparsity)])
        a0, b0 = statistics.median(ours[(shape, 0.0)]), statistics.median(theirs[(shape, 0.0)])
        print(f"{shape:<17}{100 * sparsity:8.0f}%{a:12.3f}{a0 / a:8.2f}x{b:12.3f}{b0 / b:8.2f}x{a / b:12.2f}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["ops", "infer", "train", "distill", "prune-heads", "lstm", "sparse"])
    parser.add_argument("--prune-heads", type=int, default=0, help="heads removed from every layer (prune-heads: default 6)")
    parser.add_argument("--child", choices=["infer", "train", "distill", "lstm"], help=argparse.SUPPRESS)
    parser.add_argument("--model", choices=["minilm-l6", "bert-base", "mpnet"],
                        help="infer/train: this model only (mpnet: all-mpnet-base-v2, `make assets-large`)")
    parser.add_argument("--batch", type=int, default=8, help=argparse.SUPPRESS)
    parser.add_argument("--seq", type=int, default=128, help=argparse.SUPPRESS)
    parser.add_argument("--input", type=int, default=300, help=argparse.SUPPRESS)
    parser.add_argument("--hidden", type=int, default=300, help=argparse.SUPPRESS)
    parser.add_argument("--unidirectional", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--bertslim", help="the bertslim executable (default: .build/release/bertslim)")
    parser.add_argument("--isa", choices=list(isa_caps.LEVELS), help="cap both sides at this instruction-set level")
    args = parser.parse_args()
    if args.bertslim:
        global BERTSLIM
        BERTSLIM = pathlib.Path(args.bertslim).resolve()
    if args.child:
        return child(args)
    if not BERTSLIM.exists():
        raise SystemExit(f"{BERTSLIM} is missing: run `swift build -c release` first")
    torch.set_num_threads(args.threads)
    if ISA:
        print(f"instruction sets capped at {ISA} (torch: {torch.backends.cpu.get_cpu_capability()})")
    if args.what == "prune-heads":
        return compare_pruning(args)
    if args.what == "sparse":
        return compare_sparse(args)
    if args.what != "ops":
        return compare_models(args)

    ours, theirs = {}, {}
    for _ in range(args.rounds):
        for key, ms in bertslim_ops(args.runs, args.threads).items():
            ours.setdefault(key, []).append(ms)
        for key, ms in torch_ops(args.runs).items():
            theirs.setdefault(key, []).append(ms)

    print(f"torch {torch.__version__}, {args.threads} threads, {args.rounds} alternating rounds, median of {args.runs} runs each")
    peak = statistics.median(PEAKS)
    print(f"FMA ceiling measured by BertSlim: {peak:.0f} GFLOP/s; GEMM columns: GFLOP/s and % of it")
    print(f"{'op':<12}{'shape':<18}{'BertSlim ms':>12}{'PyTorch ms':>12}{'ratio':>8}{'ours':>9}{'%':>5}{'torch':>8}{'%':>5}")
    ratios = {}
    for key in theirs:
        a, b = statistics.median(ours[key]), statistics.median(theirs[key])
        ratios.setdefault(key[0], []).append(a / b)
        flops = ""
        if key[0] == "matmul":
            m, k, n = map(int, key[1].split("x"))
            ours_rate, torch_rate = 2 * m * k * n / a / 1e6, 2 * m * k * n / b / 1e6
            flops = f"{ours_rate:9.1f}{100 * ours_rate / peak:5.0f}{torch_rate:8.1f}{100 * torch_rate / peak:5.0f}"
        print(f"{key[0]:<12}{key[1]:<18}{a:12.3f}{b:12.3f}{a / b:8.2f}{flops}")
    print("geometric-mean ratio per op: " + ", ".join(
        f"{op} {statistics.geometric_mean(r):.2f}" for op, r in ratios.items()))


if __name__ == "__main__":
    main()
