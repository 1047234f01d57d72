"""The PyTorch/transformers reference for BertSlim's fine-tuning: same split, recipe and seed.

    .venv/bin/python scripts/finetune-reference.py --seed 1 [--epochs 3 --lr 5e-5 --batch 32 --max-length 64]

Fine-tunes MiniLM-L6 + a classification head on MR train (AdamW, linear warmup 10% then
linear decay, weight decay 0.01 except bias/LayerNorm, dropout 0.1), length-bucketed batches
as BertSlim makes them, and prints dev accuracy per epoch and test accuracy/F1 at the end as
one JSON line, so `bertslim finetune` can be compared run for run.
"""
import argparse
import json
import pathlib
import random
import time

import torch
from tokenizers import Tokenizer
from transformers import BertForSequenceClassification, get_linear_schedule_with_warmup

ROOT = pathlib.Path(__file__).resolve().parent.parent
MODEL = ROOT / "assets/model/minilm-l6"
DATA = ROOT / "assets/data/mr"
LABELS = ["negative", "positive"]


def read(split):
    lines = (DATA / f"{split}.tsv").read_text(encoding="utf-8").splitlines()[1:]
    rows = [line.rsplit("\t", 1) for line in lines]
    return [t for t, _ in rows], [LABELS.index(l) for _, l in rows]


def batches(encodings, labels, size, rng, shuffle):
    order = list(range(len(labels)))
    if shuffle:
        rng.shuffle(order)
        # bucket: sort chunks of 50 batches by length so padding stays small
        chunk = size * 50
        order = [i for s in range(0, len(order), chunk)
                 for i in sorted(order[s:s + chunk], key=lambda i: len(encodings[i].ids))]
        groups = [order[s:s + size] for s in range(0, len(order), size)]
        rng.shuffle(groups)
    else:
        groups = [order[s:s + size] for s in range(0, len(order), size)]
    for group in groups:
        t = max(len(encodings[i].ids) for i in group)
        ids = torch.zeros(len(group), t, dtype=torch.long)
        mask = torch.zeros_like(ids)
        for row, i in enumerate(group):
            n = len(encodings[i].ids)
            ids[row, :n] = torch.tensor(encodings[i].ids)
            mask[row, :n] = 1
        yield ids, mask, torch.tensor([labels[i] for i in group])


def evaluate(model, enc, labels, size):
    model.eval()
    predictions = []
    with torch.no_grad():
        for ids, mask, _ in batches(enc, labels, size, None, False):
            predictions += model(input_ids=ids, attention_mask=mask).logits.argmax(-1).tolist()
    tp = sum(p == 1 and y == 1 for p, y in zip(predictions, labels))
    fp = sum(p == 1 and y == 0 for p, y in zip(predictions, labels))
    fn = sum(p == 0 and y == 1 for p, y in zip(predictions, labels))
    accuracy = sum(p == y for p, y in zip(predictions, labels)) / len(labels)
    f1 = 2 * tp / max(2 * tp + fp + fn, 1)
    return accuracy, f1


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--lr", type=float, default=5e-5)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--max-length", type=int, default=64)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = random.Random(args.seed)

    tok = Tokenizer.from_file(str(MODEL / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(args.max_length)
    data = {s: read(s) for s in ("train", "dev", "test")}
    enc = {s: tok.encode_batch(texts) for s, (texts, _) in data.items()}

    model = BertForSequenceClassification.from_pretrained(
        str(MODEL), num_labels=2, id2label=dict(enumerate(LABELS)), label2id={l: i for i, l in enumerate(LABELS)},
        attn_implementation="eager")
    no_decay = [n for n, _ in model.named_parameters() if n.endswith("bias") or "LayerNorm" in n]
    groups = [{"params": [q for n, q in model.named_parameters() if n not in no_decay], "weight_decay": 0.01},
              {"params": [q for n, q in model.named_parameters() if n in no_decay], "weight_decay": 0.0}]
    optimizer = torch.optim.AdamW(groups, lr=args.lr)
    steps = args.epochs * ((len(data["train"][1]) + args.batch - 1) // args.batch)
    schedule = get_linear_schedule_with_warmup(optimizer, int(0.1 * steps), steps)

    start = time.time()
    dev = []
    for epoch in range(args.epochs):
        model.train()
        for ids, mask, y in batches(enc["train"], data["train"][1], args.batch, rng, True):
            loss = model(input_ids=ids, attention_mask=mask, labels=y).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
        dev.append(evaluate(model, enc["dev"], data["dev"][1], 64)[0])
    test_acc, test_f1 = evaluate(model, enc["test"], data["test"][1], 64)
    print(json.dumps({"framework": "pytorch", "seed": args.seed, "dev_accuracy": dev, "test_accuracy": test_acc,
                      "test_f1": test_f1, "seconds": round(time.time() - start, 1)}))


if __name__ == "__main__":
    main()
