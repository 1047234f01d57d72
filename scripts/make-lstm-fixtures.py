#!/usr/bin/env python3
"""Golden values for SlimTensor's `lstm` op, computed with torch.nn.LSTM.

Run from anywhere:  .venv/bin/python scripts/make-lstm-fixtures.py   (or `make fixtures`)

Writes Tests/SlimTensorTests/Fixtures/lstm.json, a list of cases:
    {"name": str, "bidirectional": bool, "lengths": [int] | null,
     "inputs": {"x": tensor, "weight_ih_l0": tensor, ..., "bias_hh_l0_reverse": tensor},
     "upstream": {"output": tensor | null, "h_n": tensor | null, "c_n": tensor | null},
     "output": {"output": tensor, "h_n": tensor, "c_n": tensor},
     "grads": {name: tensor for x and every parameter}}
with tensor = {"shape": [...], "data": [row-major values]}. Parameter names are torch.nn.LSTM's
(gate order i, f, g, o). With lengths, the batch runs as a pack_padded_sequence (outputs past a
sequence's length are zero, the reverse direction starts at its last token); without, as is. The
gradients are those of Σ output⊙U + Σ h_n⊙V + Σ c_n⊙W over the upstream tensors present (null:
that output does not enter the loss).

Computed in float64 and written as float32 (shortest round-trip form), so the golden values carry
no float32 rounding of their own. Seeded and on 2 threads: re-running gives the same file.
"""
import json
import pathlib

import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

torch.set_num_threads(2)
torch.use_deterministic_algorithms(True)
OUT = pathlib.Path(__file__).resolve().parent.parent / "Tests" / "SlimTensorTests" / "Fixtures"


def encode(t):
    a = t.detach().to(torch.float32).contiguous().numpy()
    return {"shape": list(a.shape), "data": [float(str(v)) for v in a.ravel()]}


def case(gen, name, batch, steps, features, hidden, bidirectional, lengths, loss=("output", "h_n", "c_n"), bias=True):
    lstm = torch.nn.LSTM(features, hidden, batch_first=True, bidirectional=bidirectional, bias=bias).double()
    with torch.no_grad():  # torch's own initialisation, drawn from this case's generator
        bound = hidden ** -0.5
        for p in lstm.parameters():
            p.copy_(torch.rand(p.shape, generator=gen, dtype=torch.float64) * 2 * bound - bound)
    # float32 values, so that the Swift side starts from exactly these inputs
    with torch.no_grad():
        for p in lstm.parameters():
            p.copy_(p.float().double())
    x = (torch.randn(batch, steps, features, generator=gen) * 1.5).double().requires_grad_(True)
    if lengths is None:
        out, (h_n, c_n) = lstm(x)
    else:
        packed = pack_padded_sequence(x, torch.tensor(lengths), batch_first=True, enforce_sorted=False)
        out, (h_n, c_n) = lstm(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=steps)
    results = {"output": out, "h_n": h_n, "c_n": c_n}
    upstream = {k: torch.randn(v.shape, generator=gen).double() if k in loss else None for k, v in results.items()}
    sum((results[k] * u).sum() for k, u in upstream.items() if u is not None).backward()
    params = dict(lstm.named_parameters())
    return {
        "name": name, "bidirectional": bidirectional, "lengths": lengths,
        "inputs": {"x": encode(x), **{k: encode(v) for k, v in params.items()}},
        "upstream": {k: None if u is None else encode(u) for k, u in upstream.items()},
        "output": {k: encode(v) for k, v in results.items()},
        "grads": {"x": encode(x.grad), **{k: encode(v.grad) for k, v in params.items()}},
    }


def main():
    gen = torch.Generator().manual_seed(15)
    cases = [
        case(gen, "unidirectional, every sequence full", 3, 4, 5, 6, False, None),
        case(gen, "unidirectional, padded", 4, 6, 7, 5, False, [6, 4, 1, 3]),
        case(gen, "bidirectional, padded", 4, 6, 7, 5, True, [6, 4, 1, 3]),
        case(gen, "bidirectional, padded, loss on h_n only", 4, 6, 7, 5, True, [2, 6, 5, 1], loss=("h_n",)),
        case(gen, "bidirectional, no biases, every sequence full", 2, 5, 3, 4, True, None, bias=False),
        # hidden 17: the fused loops' vector bodies and their tails at every vector width
        case(gen, "bidirectional, padded, hidden 17", 3, 5, 11, 17, True, [5, 2, 4]),
    ]
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "lstm.json"
    path.write_text(json.dumps(cases, separators=(",", ":")) + "\n")
    print(f"{path.relative_to(OUT.parent.parent.parent)}: {len(cases)} cases, {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
