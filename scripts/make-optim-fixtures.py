#!/usr/bin/env python3
"""Golden values for SlimTensor's optimizers, schedules and gradient clipping.

Usage: .venv/bin/python scripts/make-optim-fixtures.py
Writes Tests/SlimTensorTests/Fixtures/optim.json.

Everything the Swift tests need is in the file: initial parameters, the gradient fed at
every step, and what torch.optim / transformers produce from them. Gradients are fixed
numbers rather than a model's, so the comparison isolates the optimizer arithmetic.
"""
import json
import math
import os

import torch
from transformers import (get_constant_schedule_with_warmup, get_cosine_schedule_with_warmup,
                          get_linear_schedule_with_warmup)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "SlimTensorTests", "Fixtures", "optim.json")
STEPS = 6

# Hugging Face-style names: the helper that builds the two AdamW groups must put
# "dense.bias" and both LayerNorm tensors in the no-decay group.
SHAPES = {
    "encoder.dense.weight": [4, 3],
    "encoder.dense.bias": [4],
    "encoder.LayerNorm.weight": [4],
    "encoder.LayerNorm.bias": [4],
    "head.weight": [2, 4],
}
NO_DECAY = ("bias", "LayerNorm", "layer_norm")


def no_decay(name):
    return name.endswith("bias") or any(key in name for key in NO_DECAY[1:])


def tensor_json(t):
    return {"shape": list(t.shape), "values": [float(x) for x in t.detach().reshape(-1).tolist()]}


def make_problem(seed):
    g = torch.Generator().manual_seed(seed)
    params = {n: torch.randn(s, generator=g) for n, s in SHAPES.items()}
    # Alternate small and large gradients so that clipping at 1.0 both does and does not act.
    grads = [{n: torch.randn(s, generator=g) * (0.1 if step % 2 == 0 else 1.5) for n, s in SHAPES.items()}
             for step in range(STEPS)]
    return params, grads


def run(params, grads, make_optimizer, max_norm, make_schedule=None):
    live = {n: torch.nn.Parameter(p.clone()) for n, p in params.items()}
    optimizer = make_optimizer(live)
    scheduler = make_schedule(optimizer) if make_schedule else None
    steps = []
    for step_grads in grads:
        for n, p in live.items():
            p.grad = step_grads[n].clone()
        record = {"lrs": [group["lr"] for group in optimizer.param_groups]}
        if max_norm is not None:
            record["norm"] = float(torch.nn.utils.clip_grad_norm_(list(live.values()), max_norm))
            record["clipped_grads"] = {n: tensor_json(p.grad) for n, p in live.items()}
        optimizer.step()
        if scheduler:
            scheduler.step()
        record["params"] = {n: tensor_json(p) for n, p in live.items()}
        steps.append(record)
    # Buffers only; AdamW's per-parameter step count equals the number of steps here.
    state = {n: {k: tensor_json(v) for k, v in optimizer.state[p].items() if k != "step"} for n, p in live.items()}
    return steps, state


def adamw_case():
    params, grads = make_problem(1)
    lr, weight_decay, head_scale = 0.05, 0.1, 0.5

    def make(live):
        decay = [p for n, p in live.items() if not no_decay(n)]
        rest = [p for n, p in live.items() if no_decay(n)]
        return torch.optim.AdamW([{"params": decay, "weight_decay": weight_decay},
                                  {"params": rest, "weight_decay": 0.0, "lr": lr * head_scale}],
                                 lr=lr, betas=(0.9, 0.99), eps=1e-6)

    steps, state = run(params, grads, make, max_norm=1.0,
                       make_schedule=lambda o: get_linear_schedule_with_warmup(o, 2, STEPS + 2))
    return {"settings": {"lr": lr, "weight_decay": weight_decay, "no_decay_lr_scale": head_scale,
                         "beta1": 0.9, "beta2": 0.99, "eps": 1e-6, "max_norm": 1.0,
                         "warmup_steps": 2, "total_steps": STEPS + 2},
            "no_decay": [n for n in SHAPES if no_decay(n)],
            "params": {n: tensor_json(p) for n, p in params.items()},
            "grads": [{n: tensor_json(t) for n, t in g.items()} for g in grads],
            "steps": steps, "state": state}


def sgd_case(nesterov, seed):
    params, grads = make_problem(seed)
    lr, momentum, weight_decay = 0.1, 0.9, 0.01
    steps, state = run(params, grads,
                       lambda live: torch.optim.SGD(list(live.values()), lr=lr, momentum=momentum,
                                                    weight_decay=weight_decay, nesterov=nesterov),
                       max_norm=None)
    return {"settings": {"lr": lr, "momentum": momentum, "weight_decay": weight_decay, "nesterov": nesterov},
            "params": {n: tensor_json(p) for n, p in params.items()},
            "grads": [{n: tensor_json(t) for n, t in g.items()} for g in grads],
            "steps": steps, "state": state}


def schedules():
    probe = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    steps = list(range(0, 14))
    cases = [
        ("linear", {"warmup_steps": 3, "total_steps": 10}, get_linear_schedule_with_warmup(probe, 3, 10)),
        ("linear", {"warmup_steps": 0, "total_steps": 7}, get_linear_schedule_with_warmup(probe, 0, 7)),
        ("cosine", {"warmup_steps": 3, "total_steps": 10, "cycles": 0.5}, get_cosine_schedule_with_warmup(probe, 3, 10)),
        ("cosine", {"warmup_steps": 2, "total_steps": 12, "cycles": 1.5},
         get_cosine_schedule_with_warmup(probe, 2, 12, num_cycles=1.5)),
        ("constant", {"warmup_steps": 4}, get_constant_schedule_with_warmup(probe, 4)),
        ("constant", {"warmup_steps": 0}, get_constant_schedule_with_warmup(probe, 0)),
    ]
    return [{"kind": kind, **settings, "factors": [sched.lr_lambdas[0](k) for k in steps]}
            for kind, settings, sched in cases]


def clipping():
    g = torch.Generator().manual_seed(7)
    cases = []
    for scale, max_norm in [(3.0, 1.0), (0.01, 1.0), (1.0, 0.25)]:
        grads = [torch.randn(s, generator=g) * scale for s in ([3, 5], [5], [2, 2, 2])]
        params = [torch.nn.Parameter(torch.zeros_like(t)) for t in grads]
        for p, t in zip(params, grads):
            p.grad = t.clone()
        # A parameter without a gradient is skipped, not treated as zeros.
        params.append(torch.nn.Parameter(torch.ones(2)))
        norm = torch.nn.utils.clip_grad_norm_(params, max_norm)
        cases.append({"max_norm": max_norm, "grads": [tensor_json(t) for t in grads],
                      "norm": float(norm), "clipped": [tensor_json(p.grad) for p in params[:-1]]})
    return cases


def main():
    fixture = {
        "generator": "scripts/make-optim-fixtures.py",
        "torch": torch.__version__,
        "order": list(SHAPES),
        "adamw": adamw_case(),
        "sgd": sgd_case(nesterov=False, seed=2),
        "sgd_nesterov": sgd_case(nesterov=True, seed=3),
        "schedules": schedules(),
        "clipping": clipping(),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    print(f"wrote {OUT} ({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    main()
