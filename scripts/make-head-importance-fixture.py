"""Golden head importance (Michel et al. 2019) and pruned logits from transformers, for the
Sixteen Heads tests.

Run with the git-ignored venv (scripts/setup-venv.sh):
    .venv/bin/python scripts/make-head-importance-fixture.py
Writes Tests/PluginTests/Fixtures/head-importance.safetensors, holding:
- the classification head given to the raw MiniLM-L6 (seeded, so the test is self-contained);
- four padded batches of eight MR training sentences (ids, mask, types, label ids);
- importance.raw: the mean over batches of |d loss / d head_mask| (cross-entropy, eval mode),
  (layers, heads) — head_mask is transformers' per-head gate on the attention probabilities;
- importance.layer: each layer divided by its L2 norm; importance.normalized: that, min-max
  scaled over all heads (the defaults of transformers' bertology example);
- pruned.logits: batch 0's logits after prune_heads(PRUNE_FIRST) then prune_heads(PRUNE_SECOND)
  (the second names an already removed head, which must be ignored).
"""
import pathlib

import numpy as np
import torch
from safetensors.numpy import save_file
from tokenizers import Tokenizer
from transformers import BertForSequenceClassification

ROOT = pathlib.Path(__file__).resolve().parent.parent
MODEL = ROOT / "assets/model/minilm-l6"
DATA = ROOT / "assets/data/mr/train.tsv"
OUT = ROOT / "Tests/PluginTests/Fixtures/head-importance.safetensors"
LABELS = ["negative", "positive"]  # BertSlim's label ids: sorted label names
BATCHES, BATCH_SIZE, MAX_LENGTH = 4, 8, 64
PRUNE_FIRST = {0: [0, 5, 11], 2: [3], 5: list(range(1, 12))}
PRUNE_SECOND = {0: [5, 6], 3: [7]}


def main():
    torch.manual_seed(0)
    torch.set_num_threads(2)
    tok = Tokenizer.from_file(str(MODEL / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(MAX_LENGTH)
    rows = [line.rsplit("\t", 1) for line in DATA.read_text(encoding="utf-8").splitlines()[1:BATCHES * BATCH_SIZE + 1]]
    model = BertForSequenceClassification.from_pretrained(str(MODEL), num_labels=2, attn_implementation="eager").eval()
    tensors = {"classifier.weight": model.classifier.weight.detach().numpy().copy(),
               "classifier.bias": model.classifier.bias.detach().numpy().copy()}
    layers, heads = model.config.num_hidden_layers, model.config.num_attention_heads
    total = torch.zeros(layers, heads, dtype=torch.float64)
    batches = []
    for b in range(BATCHES):
        chunk = rows[b * BATCH_SIZE:(b + 1) * BATCH_SIZE]
        enc = [tok.encode(text) for text, _ in chunk]
        t = max(len(e.ids) for e in enc)
        ids = np.zeros((len(enc), t), np.int32)
        mask, types = np.zeros_like(ids), np.zeros_like(ids)
        for i, e in enumerate(enc):
            n = len(e.ids)
            ids[i, :n], mask[i, :n], types[i, :n] = e.ids, e.attention_mask, e.type_ids
        labels = np.array([LABELS.index(label) for _, label in chunk], np.int32)
        for name, array in (("input_ids", ids), ("attention_mask", mask), ("token_type_ids", types), ("labels", labels)):
            tensors[f"batch{b}.{name}"] = array
        batch = {"input_ids": torch.tensor(ids, dtype=torch.long), "attention_mask": torch.tensor(mask, dtype=torch.long),
                 "token_type_ids": torch.tensor(types, dtype=torch.long)}
        batches.append(batch)
        head_mask = torch.ones(layers, heads, requires_grad=True)
        loss = model(**batch, head_mask=head_mask, labels=torch.tensor(labels, dtype=torch.long)).loss
        loss.backward()
        total += head_mask.grad.abs().double()
    raw = total / BATCHES
    layer = raw / (raw.pow(2).sum(-1, keepdim=True).sqrt() + 1e-20)
    normalized = (layer - layer.min()) / (layer.max() - layer.min())
    tensors["importance.raw"] = raw.float().numpy()
    tensors["importance.layer"] = layer.float().numpy()
    tensors["importance.normalized"] = normalized.float().numpy()

    model.prune_heads(PRUNE_FIRST)
    model.prune_heads(PRUNE_SECOND)
    with torch.no_grad():
        tensors["pruned.logits"] = model(**batches[0]).logits.numpy()
    print("pruned heads:", {k: sorted(v) for k, v in model.bert.encoder.layer[0].attention.pruned_heads and
                            {i: l.attention.pruned_heads for i, l in enumerate(model.bert.encoder.layer)}.items()})
    print("parameters after pruning:", sum(p.numel() for p in model.parameters()))
    print("importance (normalized):")
    print(np.array2string(normalized.numpy(), precision=3, max_line_width=150))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()}, str(OUT))
    print(f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
