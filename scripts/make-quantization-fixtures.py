#!/usr/bin/env python3
"""Golden values for SlimTensor's int8 quantization, computed with PyTorch.

Run from anywhere:  .venv/bin/python scripts/make-quantization-fixtures.py   (or `make fixtures`)

Writes Tests/SlimTensorTests/Fixtures/quantize.json in scripts/make-fixtures.py's format:
- fakeQuantize: torch.fake_quantize_per_tensor_affine (zero point 0, range ±127) at scale
  1/s; its gradient is PyTorch's straight-through one (inputs kept inside the range, where it
  equals Q8BERT's plain identity).
- fakeQuantizeRows: torch.fake_quantize_per_channel_affine over axis 0.
- fakeQuantize clamped: values past ±127/s (forward only).
- int8Linear: Q8BERT's int8 linear layer (Zafrir et al. 2019) in exact integer arithmetic:
  S_x = 127/max|x|, weights per tensor or per row, y = (x_q·W_qᵀ + round(b·S_w·S_x)) / (S_w·S_x).
Scales are powers of two in the fake-quantization cases so 1/s is exact in float32.
"""
import importlib.util
import pathlib

import torch

spec = importlib.util.spec_from_file_location("fixtures", pathlib.Path(__file__).with_name("make-fixtures.py"))
fixtures = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fixtures)


def q(x, s):
    return torch.clamp(torch.round(x * s), -127, 127)


def int8_linear(x, w, b, per_channel):
    x, w, b = x.double(), w.double(), b.double()
    sx = 127 / x.abs().max()
    sw = 127 / (w.abs().amax(dim=1) if per_channel else w.abs().max().expand(w.shape[0]))
    # Scales as float32, as SlimTensor keeps them.
    sx, sw = sx.float().double(), sw.float().double()
    xq, wq = q(x, sx), q(w, sw[:, None])
    acc = xq.long() @ wq.long().T
    bias = torch.round(b * sw * sx)
    return ((acc.double() + bias) / (sw * sx)).float()


def forward_only(c, name, op, fn, inputs, attrs):
    """A case without gradients (Cases.add differentiates every case)."""
    c.cases.append({"name": name, "op": op, "attrs": attrs, "inputs": {k: fixtures.encode(v) for k, v in inputs.items()},
                    "ints": {}, "upstream": None, "output": fixtures.encode(fn(**inputs)), "grads": {}})


def main():
    c = fixtures.Cases(11)
    x = torch.clamp(c.randn(4, 9, scale=1.5), -3.9, 3.9)
    c.add("fakeQuantize s=32", "fakeQuantize", lambda x: torch.fake_quantize_per_tensor_affine(x, 1 / 32, 0, -127, 127),
          {"x": x}, grad=("x",), attrs={"scale": 32.0})
    w = c.randn(3, 8) * torch.tensor([[0.5], [2.0], [8.0]])
    scales = torch.tensor([64.0, 32.0, 8.0])
    c.add("fakeQuantizeRows", "fakeQuantizeRows",
          lambda w, rowScales: torch.fake_quantize_per_channel_affine(w, 1 / rowScales, torch.zeros(3, dtype=torch.int32), 0, -127, 127),
          {"w": w, "rowScales": scales}, grad=("w",))
    forward_only(c, "fakeQuantize clamped s=16", "fakeQuantize", lambda x: torch.fake_quantize_per_tensor_affine(x, 1 / 16, 0, -127, 127),
                 {"x": c.randn(5, 6, scale=12.0)}, attrs={"scale": 16.0})
    for per_channel in (False, True):
        x, w, b = c.randn(6, 24, scale=2.0), c.randn(10, 24, scale=0.3), c.randn(10)
        forward_only(c, f"int8Linear perChannel {per_channel}", "int8Linear",
                     lambda x, w, b, per_channel=per_channel: int8_linear(x, w, b, per_channel),
                     {"x": x, "w": w, "b": b}, attrs={"perChannel": per_channel})
    c.write("quantize.json")


if __name__ == "__main__":
    main()
