#!/usr/bin/env python3
"""Golden values for the `bilstm` student (Plugins/BiLSTMStudent), computed with PyTorch modules.

Run from anywhere:  .venv/bin/python scripts/make-bilstm-fixtures.py   (or `make fixtures`)

Writes Tests/PluginTests/Fixtures/bilstm-final and bilstm-max: student folders in the format the
plugin saves (config.json naming the `bilstm` component, model.safetensors with PyTorch's module
names: embedding, a bidirectional nn.LSTM called lstm, dense, classifier), each holding in
golden.safetensors a padded batch (`ids`, `lengths`, `labels`, I32), the logits of
    s = [h_n forward ; h_n reverse]          (pooling: final)
    s = max over real steps of the outputs    (pooling: max)
    z = classifier(relu(dense(s)))
with the LSTM run on a pack_padded_sequence, and the gradient of mean cross-entropy(z, labels)
for every parameter (`grad.<name>`). Weights are drawn in float32, the forward and backward run
in float64 on them, and the results are written as float32. Seeded: re-running gives the same files.
"""
import json
import pathlib

import torch
from safetensors.torch import save_file
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

torch.set_num_threads(2)
torch.use_deterministic_algorithms(True)
OUT = pathlib.Path(__file__).resolve().parent.parent / "Tests" / "PluginTests" / "Fixtures"
VOCAB, EMBED, HIDDEN, RELU, CLASSES = 50, 8, 6, 5, 2


def make(pooling, seed):
    torch.manual_seed(seed)
    modules = {
        "embedding": torch.nn.Embedding(VOCAB, EMBED),
        "lstm": torch.nn.LSTM(EMBED, HIDDEN, batch_first=True, bidirectional=True),
        "dense": torch.nn.Linear(2 * HIDDEN, RELU),
        "classifier": torch.nn.Linear(RELU, CLASSES),
    }
    net = torch.nn.ModuleDict(modules).double()
    lengths = torch.tensor([7, 3, 5, 1])
    steps = int(lengths.max())
    ids = torch.randint(1, VOCAB, (len(lengths), steps))
    for row, n in enumerate(lengths):
        ids[row, n:] = 0  # padding id; masked by the lengths
    labels = torch.tensor([1, 0, 0, 1])

    x = net["embedding"](ids)
    packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    out, (h_n, _) = net["lstm"](packed)
    if pooling == "final":
        s = torch.cat([h_n[0], h_n[1]], dim=1)
    else:
        y, _ = pad_packed_sequence(out, batch_first=True, total_length=steps)
        pad = torch.arange(steps)[None, :] >= lengths[:, None]
        s = y.masked_fill(pad[:, :, None], float("-inf")).max(dim=1).values
    z = net["classifier"](torch.relu(net["dense"](s)))
    torch.nn.functional.cross_entropy(z, labels).backward()

    folder = OUT / f"bilstm-{pooling}"
    folder.mkdir(parents=True, exist_ok=True)
    params = {name: p.detach().float().contiguous() for name, p in net.named_parameters()}
    save_file(params, str(folder / "model.safetensors"))
    golden = {"ids": ids.int(), "lengths": lengths.int(), "labels": labels.int(), "logits": z.detach().float()}
    golden.update({f"grad.{name}": p.grad.float().contiguous() for name, p in net.named_parameters()})
    save_file({k: v.contiguous() for k, v in golden.items()}, str(folder / "golden.safetensors"))
    config = {"bertslim_component": "bilstm", "model_type": "bertslim-bilstm", "labels": ["negative", "positive"],
              "vocab_size": VOCAB, "embedding_size": EMBED, "lstm_size": HIDDEN, "relu_size": RELU,
              "pooling": pooling, "dropout": 0.0}
    (folder / "config.json").write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
    print(folder, {k: list(v.shape) for k, v in params.items()})


make("final", 1)
make("max", 2)
