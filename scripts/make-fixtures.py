#!/usr/bin/env python3
"""Golden values for SlimTensor's numeric tests, computed with PyTorch.

Run from anywhere:  .venv/bin/python scripts/make-fixtures.py   (or `make fixtures`)

Writes one JSON file per op family into Tests/SlimTensorTests/Fixtures/. Each file is a
list of cases:
    {"name": str, "op": str, "attrs": {str: number | bool},
     "inputs": {name: tensor}, "ints": {name: int tensor},
     "upstream": tensor | null, "output": tensor, "grads": {name: tensor}}
with tensor = {"shape": [...], "data": [row-major values]}. Floats are float32 written in
their shortest round-trip form. For a non-scalar output the gradients are those of
sum(output * upstream); for a scalar, of the output itself. Inputs not listed in "grads"
are not differentiated (masks, targets whose PyTorch gradient is undefined).

Everything is seeded and runs on 2 threads, so re-running gives the same files.
"""
import json
import pathlib

import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(2)
torch.use_deterministic_algorithms(True)
OUT = pathlib.Path(__file__).resolve().parent.parent / "Tests" / "SlimTensorTests" / "Fixtures"


def encode(t):
    a = t.detach().to(torch.float32).contiguous().numpy()
    # str() of a numpy float32 is its shortest round-trip form: about half the bytes of repr(float).
    return {"shape": list(a.shape), "data": [float(str(v)) for v in a.ravel()]}


def encode_ints(t):
    return {"shape": list(t.shape), "data": [int(v) for v in t.reshape(-1).tolist()]}


class Cases:
    def __init__(self, seed):
        self.gen = torch.Generator().manual_seed(seed)
        self.cases = []

    def randn(self, *shape, scale=1.0):
        return torch.randn(*shape, generator=self.gen) * scale

    def add(self, name, op, fn, inputs, grad=(), ints=None, attrs=None):
        """Runs fn(**inputs, **ints) in float32 and records output and gradients."""
        leaves = {k: v.detach().clone().requires_grad_(k in grad) for k, v in inputs.items()}
        out = fn(**leaves, **(ints or {}))
        upstream = None
        if out.dim() == 0:
            out.backward()
        else:
            upstream = self.randn(*out.shape)
            (out * upstream).sum().backward()
        self.cases.append({
            "name": name, "op": op, "attrs": attrs or {},
            "inputs": {k: encode(v) for k, v in inputs.items()},
            "ints": {k: encode_ints(v) for k, v in (ints or {}).items()},
            "upstream": None if upstream is None else encode(upstream),
            "output": encode(out),
            "grads": {k: encode(leaves[k].grad) for k in grad},
        })

    def write(self, filename):
        OUT.mkdir(parents=True, exist_ok=True)
        path = OUT / filename
        path.write_text(json.dumps(self.cases, separators=(",", ":")) + "\n")
        print(f"{path.relative_to(OUT.parent.parent.parent)}: {len(self.cases)} cases, {path.stat().st_size} bytes")


def matmul_cases():
    c = Cases(1)
    for ta, tb, alpha, b_shape in [(False, False, 1.0, (2, 4, 5)), (True, False, 1.0, (2, 4, 5)),
                                   (False, True, 1.0, (2, 5, 4)), (True, True, 0.5, (2, 5, 4)),
                                   (False, False, 1.0, (4, 5)), (False, True, 0.125, (5, 4))]:
        a = c.randn(*((2, 4, 3) if ta else (2, 3, 4)))
        b = c.randn(*b_shape)
        def fn(a, b, ta=ta, tb=tb, alpha=alpha):
            return alpha * ((a.transpose(-1, -2) if ta else a) @ (b.transpose(-1, -2) if tb else b))
        name = f"matmul a{'ᵀ' if ta else ''} b{list(b_shape)}{'ᵀ' if tb else ''} alpha {alpha}"
        c.add(name, "matmul", fn, {"a": a, "b": b}, grad=("a", "b"),
              attrs={"transposeA": ta, "transposeB": tb, "alpha": alpha})
    c.write("matmul.json")


def softmax_cases():
    c = Cases(2)
    # Attention scores (B, H, T, T) with a (B, T) padding mask: batch 1 pads its last 2 tokens.
    scores = c.randn(2, 3, 4, 5, scale=2.0)
    mask = torch.zeros(2, 5)
    mask[1, 3:] = -10000.0
    c.add("softmax masked (2,3,4,5)", "softmax",
          lambda x, mask: F.softmax(x + mask[:, None, None, :], dim=-1),
          {"x": scores, "mask": mask}, grad=("x",))
    c.add("softmax (3,7)", "softmax", lambda x: F.softmax(x, dim=-1), {"x": c.randn(3, 7, scale=3.0)}, grad=("x",))
    c.add("logSoftmax (4,9)", "logSoftmax", lambda x: F.log_softmax(x, dim=-1),
          {"x": c.randn(4, 9, scale=3.0)}, grad=("x",))
    c.add("logSoftmax (2,3,6)", "logSoftmax", lambda x: F.log_softmax(x, dim=-1),
          {"x": c.randn(2, 3, 6)}, grad=("x",))
    c.write("softmax.json")


def layer_norm_cases():
    c = Cases(3)
    for shape, eps in [((2, 3, 16), 1e-12), ((5, 7), 1e-5)]:
        x = c.randn(*shape, scale=2.0) + 0.5
        gamma, beta = 1 + 0.1 * c.randn(shape[-1]), 0.1 * c.randn(shape[-1])
        c.add(f"layerNorm {list(shape)} eps {eps}", "layerNorm",
              lambda x, gamma, beta, eps=eps: F.layer_norm(x, (x.shape[-1],), gamma, beta, eps),
              {"x": x, "gamma": gamma, "beta": beta}, grad=("x", "gamma", "beta"), attrs={"eps": eps})
    c.write("layer_norm.json")


def activation_cases():
    c = Cases(4)
    sweep = torch.linspace(-6, 6, 61)
    c.add("gelu sweep", "gelu", lambda x: F.gelu(x), {"x": sweep}, grad=("x",))
    c.add("gelu (3,11)", "gelu", lambda x: F.gelu(x), {"x": c.randn(3, 11, scale=2.0)}, grad=("x",))
    c.add("tanh sweep", "tanh", torch.tanh, {"x": sweep}, grad=("x",))
    c.add("sigmoid sweep", "sigmoid", torch.sigmoid, {"x": sweep * 2}, grad=("x",))
    c.write("activations.json")


def loss_cases():
    c = Cases(5)
    labels = torch.tensor([3, -100, 0, 4, 1, 2])
    c.add("crossEntropy with an ignored row", "crossEntropy",
          lambda logits, labels: F.cross_entropy(logits, labels), {"logits": c.randn(6, 5, scale=2.0)},
          grad=("logits",), ints={"labels": labels})
    labels = torch.tensor([[1, 0, 6], [5, 5, 2]])
    c.add("crossEntropy (2,3,7) ignoreIndex 5", "crossEntropy",
          lambda logits, labels: F.cross_entropy(logits.reshape(-1, 7), labels.reshape(-1), ignore_index=5),
          {"logits": c.randn(2, 3, 7)}, grad=("logits",), ints={"labels": labels}, attrs={"ignoreIndex": 5})
    c.write("cross_entropy.json")

    c = Cases(6)
    log_input = F.log_softmax(c.randn(3, 2, 6), dim=-1)
    target = F.softmax(c.randn(3, 2, 6), dim=-1)
    c.add("klDivergence batchmean (3,2,6)", "klDivergence",
          lambda logInput, target: F.kl_div(logInput, target, reduction="batchmean"),
          {"logInput": log_input, "target": target}, grad=("logInput", "target"))
    target = target.clone()
    target[0, 1, 2] = 0.0
    target[2, 0, :] = 0.0
    # PyTorch's gradient for a zero target is NaN (0/0 in xlogy's backward); only the input's is compared.
    c.add("klDivergence batchmean with zero targets", "klDivergence",
          lambda logInput, target: F.kl_div(logInput, target, reduction="batchmean"),
          {"logInput": log_input, "target": target}, grad=("logInput",))
    c.write("kl_divergence.json")

    c = Cases(7)
    c.add("softCrossEntropy (4,6)", "softCrossEntropy",
          lambda logits, targets: F.cross_entropy(logits, targets),
          {"logits": c.randn(4, 6, scale=2.0), "targets": F.softmax(c.randn(4, 6), dim=-1)},
          grad=("logits", "targets"))
    c.add("softCrossEntropy (2,3,5)", "softCrossEntropy",
          lambda logits, targets: F.cross_entropy(logits.reshape(-1, 5), targets.reshape(-1, 5)),
          {"logits": c.randn(2, 3, 5), "targets": F.softmax(c.randn(2, 3, 5) * 2, dim=-1)},
          grad=("logits", "targets"))
    c.add("mseLoss (3,5)", "mseLoss", lambda a, b: F.mse_loss(a, b),
          {"a": c.randn(3, 5), "b": c.randn(3, 5)}, grad=("a", "b"))
    c.write("regression_losses.json")


def normalize_cases():
    c = Cases(8)
    x = c.randn(3, 4)
    x[1] = torch.tensor([1e-7, -2e-7, 0.0, 1e-7])  # below eps: the clamp holds
    c.add("l2Normalize rows, one below eps", "l2Normalize",
          lambda x: F.normalize(x, dim=-1, eps=1e-6), {"x": x}, grad=("x",), attrs={"axis": -1, "eps": 1e-6})
    c.add("l2Normalize axis 0", "l2Normalize", lambda x: F.normalize(x, dim=0), {"x": c.randn(5, 3)},
          grad=("x",), attrs={"axis": 0, "eps": 1e-12})
    a, b = c.randn(4, 6), c.randn(4, 6)
    b[2] = b[2] * 1e-9
    # PyTorch clamps the norms in place under no_grad, so for a vector shorter than eps its
    # gradient still differentiates the unclamped norm (inconsistent with its own forward);
    # SlimTensor differentiates what it computes. Only a's gradient is compared here.
    c.add("cosineSimilarity, one tiny row", "cosineSimilarity",
          lambda a, b: F.cosine_similarity(a, b, dim=-1, eps=1e-8), {"a": a, "b": b}, grad=("a",),
          attrs={"axis": -1, "eps": 1e-8})
    c.add("cosineSimilarity broadcast", "cosineSimilarity",
          lambda a, b: F.cosine_similarity(a, b, dim=1), {"a": c.randn(3, 4, 2), "b": c.randn(1, 4, 2)},
          grad=("a", "b"), attrs={"axis": 1, "eps": 1e-8})
    c.write("normalize.json")


if __name__ == "__main__":
    torch.manual_seed(0)
    matmul_cases()
    softmax_cases()
    layer_norm_cases()
    activation_cases()
    loss_cases()
    normalize_cases()
