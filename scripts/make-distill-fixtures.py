"""Golden values for the distillation losses, from PyTorch (committed; the tests compare).

    .venv/bin/python scripts/make-distill-fixtures.py

Writes Tests/PluginTests/Fixtures/distill-losses.safetensors:
- `student`, `teacher` logits (8, 3) and `labels` (8);
- for each case i with temperature T and weight α (`kd.i.temperature`, `kd.i.alpha`):
  `kd.i.loss` = α·T²·KLDivLoss(log_softmax(s/T), softmax(t/T), reduction="batchmean")
               + (1 − α)·cross_entropy(s, y)
  and `kd.i.grad` = ∂loss/∂s;
- `mse.loss` = mse_loss(s, t) (mean over all values) and `mse.grad` = ∂/∂s.
"""
import pathlib

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "Tests/PluginTests/Fixtures/distill-losses.safetensors"
CASES = [(1.0, 0.5), (2.0, 0.7), (4.0, 1.0), (3.0, 0.0), (0.5, 0.9)]


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
    OUT.parent.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(OUT), metadata={"source": "scripts/make-distill-fixtures.py", "torch": torch.__version__})
    print(f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size} bytes, {len(CASES)} KD cases)")


if __name__ == "__main__":
    main()
