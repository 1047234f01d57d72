#!/usr/bin/env python3
"""Golden top Hessian eigenvalue of a small BERT layer, computed with PyTorch.

Run from anywhere:  .venv/bin/python scripts/make-hessian-fixtures.py   (or `make fixtures`)

Q-BERT (Shen et al. 2019) ranks layers by the top eigenvalue of the loss's Hessian with respect
to each encoder layer's weights. BertSlim estimates it by power iteration on finite-difference
Hessian-vector products (SlimTensor has no double backward); this script gives the exact
reference: torch.autograd.functional.hvp (double backward) and power iteration, in float64.

Writes Tests/BertSlimSDKTests/Fixtures/hessian-bert/:
- config.json, model.safetensors: a 2-layer BertForSequenceClassification (hidden 32, 4 heads,
  FFN 64, vocabulary 40, 2 labels), random weights (std 0.1), float32;
- hessian.json: {"input_ids", "attention_mask", "token_type_ids": [[int]], "labels": [int],
  "layers": [{"parameters": [name], "eigenvalue": float, "second": float, "iterations": int}]}
  for each encoder layer, the dominant eigenvalue of the Hessian of the mean cross-entropy (eval
  mode: no dropout) with respect to that layer's six Linear weights (query, key, value, attention
  output, intermediate, output), and the next one (by deflation) to show the spectral gap.
The weights are stored in float32 and the Hessian is taken in float64 at those exact values.

Everything is seeded and runs on 2 threads, so re-running gives the same files.
"""
import json
import pathlib

import torch
from torch.func import functional_call
from transformers import BertConfig, BertForSequenceClassification

torch.set_num_threads(2)
OUT = pathlib.Path(__file__).resolve().parent.parent / "Tests" / "BertSlimSDKTests" / "Fixtures" / "hessian-bert"
WEIGHTS = ["attention.self.query.weight", "attention.self.key.weight", "attention.self.value.weight",
           "attention.output.dense.weight", "intermediate.dense.weight", "output.dense.weight"]


def power_iteration(hvp, shapes, generator, deflate=None, iterations=2000, tolerance=1e-12):
    """Dominant eigenpair of the operator v ↦ hvp(v) (optionally minus λ₁·u₁u₁ᵀ)."""
    v = [torch.randn(s, generator=generator, dtype=torch.float64) for s in shapes]
    def norm(xs):
        return torch.sqrt(sum((x * x).sum() for x in xs))
    def apply(xs):
        out = hvp(xs)
        if deflate is not None:
            value, u = deflate
            d = sum((a * b).sum() for a, b in zip(u, xs))
            out = [o - value * d * a for o, a in zip(out, u)]
        return out
    n = norm(v)
    v = [x / n for x in v]
    estimate = 0.0
    for step in range(1, iterations + 1):
        hv = apply(v)
        value = float(sum((a * b).sum() for a, b in zip(v, hv)))
        n = norm(hv)
        v = [x / n for x in hv]
        if abs(value - estimate) <= tolerance * abs(value):
            return value, v, step
        estimate = value
    raise RuntimeError(f"power iteration did not converge: last change {abs(value - estimate)}")


def main():
    torch.manual_seed(0)
    config = BertConfig(vocab_size=40, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                        intermediate_size=64, max_position_embeddings=16, type_vocab_size=2,
                        initializer_range=0.1, hidden_act="gelu", attn_implementation="eager",
                        id2label={0: "negative", 1: "positive"}, label2id={"negative": 0, "positive": 1})
    model = BertForSequenceClassification(config).eval()
    model.config.architectures = ["BertForSequenceClassification"]
    OUT.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(OUT, safe_serialization=True)

    gen = torch.Generator().manual_seed(1)
    batch, length = 6, 10
    ids = torch.randint(1, 40, (batch, length), generator=gen)
    mask = torch.ones(batch, length, dtype=torch.long)
    for row, keep in enumerate([10, 10, 7, 9, 4, 10]):  # padded rows: pad id 0, mask 0
        mask[row, keep:] = 0
        ids[row, keep:] = 0
    types = torch.zeros(batch, length, dtype=torch.long)
    types[:, 6:] = mask[:, 6:]
    labels = torch.tensor([0, 1, 1, 0, 1, 0])

    model = model.double()
    full = dict(model.named_parameters())
    layers = []
    for layer in range(config.num_hidden_layers):
        names = [f"bert.encoder.layer.{layer}.{w}" for w in WEIGHTS]
        fixed = {k: v.detach() for k, v in full.items() if k not in names}

        def loss(*weights, names=names, fixed=fixed):
            params = dict(fixed, **dict(zip(names, weights)))
            out = functional_call(model, params, (), {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})
            return torch.nn.functional.cross_entropy(out.logits, labels)

        point = tuple(full[n].detach() for n in names)
        def hvp(v, point=point, loss=loss):
            return list(torch.autograd.functional.hvp(loss, point, tuple(v))[1])

        shapes = [p.shape for p in point]
        value, vector, steps = power_iteration(hvp, shapes, gen)
        second, _, _ = power_iteration(hvp, shapes, gen, deflate=(value, vector))
        print(f"layer {layer}: λ₁ = {value:.6g} ({steps} iterations), next |λ| = {abs(second):.6g}, "
              f"ratio {abs(second) / abs(value):.3f}")
        layers.append({"parameters": [n.removeprefix("bert.") for n in names], "eigenvalue": value,
                       "second": second, "iterations": steps})

    fixture = {"input_ids": ids.tolist(), "attention_mask": mask.tolist(), "token_type_ids": types.tolist(),
               "labels": labels.tolist(), "layers": layers}
    (OUT / "hessian.json").write_text(json.dumps(fixture, separators=(",", ":")) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
