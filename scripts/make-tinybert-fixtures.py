"""Golden values for the `tinybert` loss, from PyTorch (committed; Tests/PluginTests/TinyBERTLossTests.swift compares).

    .venv/bin/python scripts/make-tinybert-fixtures.py

Writes Tests/PluginTests/Fixtures/tinybert-loss.safetensors for a batch of B = 3 texts of
T = 5 positions with padding (`mask`, (3, 5)), a 2-layer student of width 6 and a 3-layer teacher
of width 8, both with 2 heads:
- `student.hidden.l` (l = 0…2, embeddings first) (3, 5, 6), `teacher.hidden.l` (l = 0…3) (3, 5, 8);
- `student.scores.l` (l = 0, 1) and `teacher.scores.l` (l = 0…2), (3, 2, 5, 5);
- `student.logits`, `teacher.logits` (3, 2); `w_e`, `w_h` (6, 8): the loss's projections;
- per case i (`case.i.parts`: 4 flags embedding, hidden, attention, prediction; `case.i.map`, the
  teacher layer of each student layer; `case.i.temperature`):
  `case.i.loss` and its gradients `case.i.grad.<name>` with respect to every student input and
  to w_e and w_h (zeros where a part is off).

The loss, as TinyBERT's paper writes it (Jiao et al. 2019, eq. 7–11) with padded positions left
out of every MSE: a hidden-state MSE is the mean over real tokens' units, an attention MSE the
mean over scores whose query and key are both real tokens; the prediction part is the soft
cross-entropy −Σ softmax(z_t/T)·log softmax(z_s/T), mean over the batch.
"""
import pathlib

import torch
from safetensors.torch import save_file

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "Tests/PluginTests/Fixtures/tinybert-loss.safetensors"
B, T, DS, DT, H = 3, 5, 6, 8, 2
# (embedding, hidden, attention, prediction), layer map, temperature
CASES = [
    ((1, 1, 1, 0), [1, 2], 1.0),
    ((0, 0, 0, 1), [1, 2], 2.0),
    ((1, 1, 1, 1), [0, 2], 1.0),
    ((0, 1, 0, 0), [2, 2], 1.0),
    ((0, 0, 1, 0), [0, 1], 1.0),
]


def masked_mse(a, b, weights):
    return ((a - b) ** 2 * weights).sum() / weights.sum()


def main():
    g = torch.Generator().manual_seed(1909)
    lengths = [5, 3, 2]
    mask = torch.zeros(B, T)
    for i, n in enumerate(lengths):
        mask[i, :n] = 1
    t = {
        "mask": mask.to(torch.int64),
        "student.logits": torch.randn(B, 2, generator=g) * 2,
        "teacher.logits": torch.randn(B, 2, generator=g) * 3,
        "w_e": torch.randn(DS, DT, generator=g) * 0.3,
        "w_h": torch.randn(DS, DT, generator=g) * 0.3,
    }
    for layer in range(3):
        t[f"student.hidden.{layer}"] = torch.randn(B, T, DS, generator=g)
    for layer in range(4):
        t[f"teacher.hidden.{layer}"] = torch.randn(B, T, DT, generator=g)
    for layer in range(2):
        t[f"student.scores.{layer}"] = torch.randn(B, H, T, T, generator=g) * 2
    for layer in range(3):
        t[f"teacher.scores.{layer}"] = torch.randn(B, H, T, T, generator=g) * 2
    tokens = mask[:, :, None].expand(B, T, DT)
    pairs = (mask[:, None, :, None] * mask[:, None, None, :]).expand(B, H, T, T)
    inputs = [f"student.hidden.{l}" for l in range(3)] + [f"student.scores.{l}" for l in range(2)] + ["student.logits", "w_e", "w_h"]
    for i, (parts, layer_map, temperature) in enumerate(CASES):
        x = {name: t[name].double().clone().requires_grad_(True) for name in inputs}
        loss = torch.zeros((), dtype=torch.float64)
        if parts[0]:
            loss = loss + masked_mse(x["student.hidden.0"] @ x["w_e"], t["teacher.hidden.0"].double(), tokens.double())
        if parts[1]:
            for m, gm in enumerate(layer_map):
                loss = loss + masked_mse(x[f"student.hidden.{m + 1}"] @ x["w_h"], t[f"teacher.hidden.{gm + 1}"].double(), tokens.double())
        if parts[2]:
            for m, gm in enumerate(layer_map):
                loss = loss + masked_mse(x[f"student.scores.{m}"], t[f"teacher.scores.{gm}"].double(), pairs.double())
        if parts[3]:
            p = torch.softmax(t["teacher.logits"].double() / temperature, dim=-1)
            loss = loss + (-p * torch.log_softmax(x["student.logits"] / temperature, dim=-1)).sum(-1).mean()
        loss.backward()
        t[f"case.{i}.parts"] = torch.tensor(parts, dtype=torch.int64)
        t[f"case.{i}.map"] = torch.tensor(layer_map, dtype=torch.int64)
        t[f"case.{i}.temperature"] = torch.tensor([temperature], dtype=torch.float32)
        t[f"case.{i}.loss"] = loss.detach().float().reshape(1)
        for name in inputs:
            grad = x[name].grad
            t[f"case.{i}.grad.{name}"] = (grad if grad is not None else torch.zeros_like(x[name])).float()
    t = {k: v.contiguous() for k, v in t.items()}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    save_file(t, str(OUT), metadata={"source": "scripts/make-tinybert-fixtures.py", "torch": torch.__version__})
    print(f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size} bytes, {len(CASES)} cases)")


if __name__ == "__main__":
    main()
