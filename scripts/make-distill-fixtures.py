"""Golden values for the distillation losses, from PyTorch (committed; the tests compare).

    .venv/bin/python scripts/make-distill-fixtures.py

Writes Tests/PluginTests/Fixtures/distill-losses.safetensors:
- `student`, `teacher` logits (8, 3) and `labels` (8);
- for each case i with temperature T and weight α (`kd.i.temperature`, `kd.i.alpha`):
  `kd.i.loss` = α·T²·KLDivLoss(log_softmax(s/T), softmax(t/T), reduction="batchmean")
               + (1 − α)·cross_entropy(s, y)
  and `kd.i.grad` = ∂loss/∂s;
- `mse.loss` = mse_loss(s, t) (mean over all values) and `mse.grad` = ∂/∂s.
- BERT-PKD (Sun et al. 2019): [CLS] states `pkd.student.cls.l` (l = 0…3: embeddings and 3
  student layers) and `pkd.teacher.cls.l` (l = 0…6: a 6-layer teacher), each (8, 16); for each
  case i (`pkd.i.temperature`, `.alpha`, `.beta`, `.pairs` as (student, teacher) layer numbers
  counted from 0, `.sum` 1 for reduction "sum")
  `pkd.i.loss` = KD as above + β·L_PT with h̃ = F.normalize(h[layer + 1]) and
  L_PT = mse_loss(stack(h̃_s), stack(h̃_t)) (the authors' code: mean over batch, pairs, units)
  or Σ (h̃_s − h̃_t)² / B; `pkd.i.grad` = ∂loss/∂s and `pkd.i.cls_grad.l` = ∂loss/∂ student state l.
"""
import pathlib

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "Tests/PluginTests/Fixtures/distill-losses.safetensors"
CASES = [(1.0, 0.5), (2.0, 0.7), (4.0, 1.0), (3.0, 0.0), (0.5, 0.9)]
# (temperature, alpha, beta, pairs, reduction): a 3-layer student, a 6-layer teacher.
# PKD-Skip maps student layers 0, 1 to teacher layers 1, 3; PKD-Last to 3, 4.
PKD_CASES = [
    (2.0, 0.5, 100.0, [(0, 1), (1, 3)], "mean"),
    (5.0, 0.7, 10.0, [(0, 3), (1, 4)], "mean"),
    (2.0, 0.0, 1.5, [(0, 0), (1, 5)], "sum"),
    (1.0, 1.0, 0.0, [(0, 1), (1, 3)], "mean"),
]


def main():
    g = torch.Generator().manual_seed(2015)
    student = (torch.randn(8, 3, generator=g) * 2).double()
    teacher = (torch.randn(8, 3, generator=g) * 3).double()
    labels = torch.randint(0, 3, (8,), generator=g)
    tensors = {"student": student.float(), "teacher": teacher.float(), "labels": labels.to(torch.int64)}
    kl = torch.nn.KLDivLoss(reduction="batchmean")
    for i, (t, alpha) in enumerate(CASES):
        s = student.clone().requires_grad_(True)
        loss = alpha * t * t * kl(F.log_softmax(s / t, dim=-1), F.softmax(teacher / t, dim=-1)) \
            + (1 - alpha) * F.cross_entropy(s, labels)
        loss.backward()
        tensors[f"kd.{i}.temperature"] = torch.tensor([t], dtype=torch.float32)
        tensors[f"kd.{i}.alpha"] = torch.tensor([alpha], dtype=torch.float32)
        tensors[f"kd.{i}.loss"] = loss.detach().float().reshape(1)
        tensors[f"kd.{i}.grad"] = s.grad.float()
    s = student.clone().requires_grad_(True)
    loss = F.mse_loss(s, teacher)
    loss.backward()
    tensors["mse.loss"] = loss.detach().float().reshape(1)
    tensors["mse.grad"] = s.grad.float()
    pkd(tensors, student, teacher, labels, g, kl)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(OUT), metadata={"source": "scripts/make-distill-fixtures.py", "torch": torch.__version__})
    print(f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size} bytes, {len(CASES)} KD cases, {len(PKD_CASES)} PKD cases)")


def pkd(tensors, student, teacher, labels, g, kl):
    """BERT-PKD's loss as the authors' code computes it, on random [CLS] states."""
    s_cls = [(torch.randn(8, 16, generator=g) * 1.5).double() for _ in range(4)]
    t_cls = [(torch.randn(8, 16, generator=g) * 1.5).double() for _ in range(7)]
    for layer, h in enumerate(s_cls):
        tensors[f"pkd.student.cls.{layer}"] = h.float()
    for layer, h in enumerate(t_cls):
        tensors[f"pkd.teacher.cls.{layer}"] = h.float()
    for i, (t, alpha, beta, pairs, reduction) in enumerate(PKD_CASES):
        s = student.clone().requires_grad_(True)
        hs = [h.clone().requires_grad_(True) for h in s_cls]
        loss = alpha * t * t * kl(F.log_softmax(s / t, dim=-1), F.softmax(teacher / t, dim=-1)) \
            + (1 - alpha) * F.cross_entropy(s, labels)
        mine = torch.stack([F.normalize(hs[a + 1], p=2, dim=-1) for a, _ in pairs], dim=1)
        theirs = torch.stack([F.normalize(t_cls[b + 1], p=2, dim=-1) for _, b in pairs], dim=1)
        patient = F.mse_loss(mine, theirs) if reduction == "mean" else ((mine - theirs) ** 2).sum() / mine.shape[0]
        loss = loss + beta * patient
        loss.backward()
        tensors[f"pkd.{i}.temperature"] = torch.tensor([t], dtype=torch.float32)
        tensors[f"pkd.{i}.alpha"] = torch.tensor([alpha], dtype=torch.float32)
        tensors[f"pkd.{i}.beta"] = torch.tensor([beta], dtype=torch.float32)
        tensors[f"pkd.{i}.pairs"] = torch.tensor(pairs, dtype=torch.int64)
        tensors[f"pkd.{i}.sum"] = torch.tensor([1 if reduction == "sum" else 0], dtype=torch.int64)
        tensors[f"pkd.{i}.loss"] = loss.detach().float().reshape(1)
        tensors[f"pkd.{i}.grad"] = s.grad.float()
        for layer, h in enumerate(hs):
            grad = h.grad if h.grad is not None else torch.zeros_like(h)
            tensors[f"pkd.{i}.cls_grad.{layer}"] = grad.float()


if __name__ == "__main__":
    main()
