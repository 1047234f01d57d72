"""Does transformers load a BertSlim export and give the same logits?

    .venv/bin/python scripts/check-export.py MODEL_DIR [--tolerance 1e-4]

Runs `bertslim predict --json` and transformers' sequence classifier (BertForSequenceClassification,
or MPNetForSequenceClassification for an MPNet export) on the same sentences (MR test, plus pairs)
and prints the largest logit difference; exits 1 above the tolerance. Works for head-pruned BERT
exports too: transformers applies `pruned_heads` from config.json while loading; the script prints
the layout it applied and fails if it differs. (transformers' MPNet adds its relative-position bias
for every head, so it cannot run a head-pruned MPNet: the script says so and exits 2.)
"""
import argparse
import json
import pathlib
import subprocess
import sys

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

ROOT = pathlib.Path(__file__).resolve().parent.parent


def main():
    p = argparse.ArgumentParser()
    p.add_argument("model")
    p.add_argument("--tolerance", type=float, default=1e-4)
    p.add_argument("--count", type=int, default=64)
    p.add_argument("--bertslim", default=str(ROOT / ".build/release/bertslim"))
    args = p.parse_args()

    lines = (ROOT / "assets/data/mr/test.tsv").read_text(encoding="utf-8").splitlines()[1:args.count + 1]
    inputs = [(line.rsplit("\t", 1)[0], None) for line in lines]
    inputs += [("the acting is superb", "but the plot makes no sense"), ("short", "a much longer second segment here")]
    path = pathlib.Path("/tmp/bertslim-check-export.txt")
    path.write_text("".join(f"{a}\t{b}\n" if b else f"{a}\n" for a, b in inputs), encoding="utf-8")
    out = subprocess.run([args.bertslim, "predict", "--model", args.model, "--input", str(path), "--json"],
                         check=True, capture_output=True, text=True).stdout
    ours = [json.loads(line)["logits"] for line in out.splitlines()]

    torch.set_num_threads(2)
    config = json.loads((pathlib.Path(args.model) / "config.json").read_text())
    pruned = config.get("pruned_heads", {})
    if pruned and config.get("model_type") == "mpnet":
        print("transformers cannot run a head-pruned MPNet (its relative-position bias has every head)")
        sys.exit(2)
    model = AutoModelForSequenceClassification.from_pretrained(args.model, attn_implementation="eager").eval()
    if pruned:
        # transformers applied config.pruned_heads while loading: the layers must have the shapes BertSlim saved
        layers = model.bert.encoder.layer
        seen = {i: sorted(l.attention.pruned_heads) for i, l in enumerate(layers) if l.attention.pruned_heads}
        heads = [l.attention.self.num_attention_heads for l in layers]
        expected = {int(k): sorted(v) for k, v in pruned.items() if v}
        print(f"pruned heads as transformers applied them: {seen}; heads per layer {heads} "
              f"({sum(heads)} of {len(layers) * model.config.num_attention_heads}); "
              f"{sum(p.numel() for p in model.parameters())} parameters")
        if seen != expected:
            print(f"transformers pruned {seen}, config.json says {expected}")
            sys.exit(1)
    tok = AutoTokenizer.from_pretrained(args.model, use_fast=False)
    worst = 0.0
    with torch.no_grad():
        for (a, b), mine in zip(inputs, ours):
            enc = tok(a, b, return_tensors="pt", truncation=True, max_length=512)
            theirs = model(**enc).logits[0].tolist()
            worst = max(worst, max(abs(x - y) for x, y in zip(mine, theirs)))
    print(f"{args.model}: {len(inputs)} inputs, max |logit difference| = {worst:.2e} "
          f"(transformers {__import__('transformers').__version__})")
    sys.exit(0 if worst <= args.tolerance else 1)


if __name__ == "__main__":
    main()
