"""Golden outputs of MPNet from transformers, for BertSlim's MPNet parity tests.

Run with the git-ignored venv (scripts/setup-venv.sh):  .venv/bin/python scripts/make-mpnet-fixtures.py
Writes under Tests/BertSlimSDKTests/Fixtures/:
- tiny-mpnet/ (config.json, model.safetensors): a randomly initialised 2-layer MPNetForSequenceClassification
  (hidden 64, 4 heads, 2 labels; seed 0), small enough to commit, so that every test run checks the MPNet
  path; tiny-mpnet-parity.safetensors: a padded batch of random ids up to 150 tokens long (relative
  distances past the buckets' 128), its unpadded hidden states (embeddings first), attention
  probabilities and logits, and the relative-position buckets for T = 150.
- mpnet-base-parity.safetensors, when assets/model/mpnet-base is present (`make assets-large`): real
  sentences through all-mpnet-base-v2's own tokenizer (tokenizer.json), their ids and masks, the unpadded
  hidden states of layers 0, 1, 6 and 12 and the pooled output, in fp32, eval mode.
"""
import importlib.util
import json
import pathlib

import numpy as np
import torch
from safetensors.numpy import save_file
from transformers import MPNetConfig, MPNetForSequenceClassification, MPNetModel

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "Tests/BertSlimSDKTests/Fixtures"
BASE = ROOT / "assets/model/mpnet-base"

SENTENCES = [
    ("a gripping, beautifully acted drama.", None),
    ("the plot is thin and the jokes fall flat", None),
    ("i loved it", "i hated it"),
    ("Un film très ennuyeux, mais l'actrice est géniale!", None),
    ("One of the year's best films — smart, funny and moving.", None),
    ("meh", None),
]


def long_review():
    """The long review of the MiniLM fixtures (make-bert-fixtures.py)."""
    spec = importlib.util.spec_from_file_location("bert_fixtures", ROOT / "scripts/make-bert-fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.LONG_TEXT


def tiny():
    torch.manual_seed(0)
    config = MPNetConfig(vocab_size=120, hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
                         intermediate_size=128, max_position_embeddings=160, relative_attention_num_buckets=32,
                         layer_norm_eps=1e-5, pad_token_id=1, bos_token_id=0, eos_token_id=2, num_labels=2,
                         id2label={0: "negative", 1: "positive"}, label2id={"negative": 0, "positive": 1})
    model = MPNetForSequenceClassification(config).eval()
    # A non-zero bias table and LayerNorms, so that the test sees every term.
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "LayerNorm" in name or name.endswith(".bias"):
                p.add_(0.1 * torch.randn_like(p))
        model.mpnet.encoder.relative_attention_bias.weight.normal_(0, 0.5)
    folder = FIXTURES / "tiny-mpnet"
    model.save_pretrained(folder, safe_serialization=True)
    config_path = folder / "config.json"
    saved = json.loads(config_path.read_text())
    saved.pop("torch_dtype", None)
    saved.pop("dtype", None)
    config_path.write_text(json.dumps(saved, indent=2, sort_keys=True) + "\n")

    lengths = [150, 7, 33, 1 + 1, 90]
    g = torch.Generator().manual_seed(1)
    t = max(lengths)
    ids = np.full((len(lengths), t), 1, np.int32)  # <pad> = 1
    mask = np.zeros_like(ids)
    for i, n in enumerate(lengths):
        body = torch.randint(4, 120, (n,), generator=g).numpy()
        body[0], body[-1] = 0, 2  # <s> … </s>
        ids[i, :n], mask[i, :n] = body, 1
    with torch.no_grad():
        out = model(input_ids=torch.tensor(ids, dtype=torch.long), attention_mask=torch.tensor(mask, dtype=torch.long),
                    output_hidden_states=True, output_attentions=True)
        positions = torch.arange(t)
        buckets = model.mpnet.encoder.relative_position_bucket(positions[None, :] - positions[:, None])
    tensors = {"input_ids": ids, "attention_mask": mask, "logits": out.logits.numpy(),
               "buckets": buckets.numpy().astype(np.int32)}
    for i, n in enumerate(lengths):
        for l, h in enumerate(out.hidden_states):
            tensors[f"example{i}.hidden{l}"] = np.ascontiguousarray(h[i, :n].numpy())
        for l, a in enumerate(out.attentions):
            tensors[f"example{i}.attention{l}"] = np.ascontiguousarray(a[i, :, :n, :n].numpy())
    path = FIXTURES / "tiny-mpnet-parity.safetensors"
    save_file(tensors, str(path))
    print(f"wrote {folder.relative_to(ROOT)} and {path.relative_to(ROOT)} ({path.stat().st_size / 1e6:.2f} MB)")


def base():
    if not (BASE / "model.safetensors").exists():
        print(f"{BASE.relative_to(ROOT)} is absent (make assets-large): no mpnet-base fixture")
        return
    from tokenizers import Tokenizer
    torch.set_num_threads(2)
    tok = Tokenizer.from_file(str(BASE / "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    model = MPNetModel.from_pretrained(str(BASE)).eval()
    examples = SENTENCES + [(long_review(), None)]
    enc = [tok.encode(a, b) if b else tok.encode(a) for a, b in examples]
    t = max(len(e.ids) for e in enc)
    ids = np.full((len(enc), t), 1, np.int32)
    mask = np.zeros_like(ids)
    for i, e in enumerate(enc):
        ids[i, :len(e.ids)], mask[i, :len(e.ids)] = e.ids, e.attention_mask
    with torch.no_grad():
        out = model(input_ids=torch.tensor(ids, dtype=torch.long), attention_mask=torch.tensor(mask, dtype=torch.long),
                    output_hidden_states=True)
    tensors = {"input_ids": ids, "attention_mask": mask, "pooled": out.pooler_output.numpy()}
    for i, e in enumerate(enc):
        for l in (0, 1, 6, 12):
            tensors[f"example{i}.hidden{l}"] = np.ascontiguousarray(out.hidden_states[l][i, :len(e.ids)].numpy())
    path = FIXTURES / "mpnet-base-parity.safetensors"
    save_file(tensors, str(path))
    print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size / 1e6:.2f} MB), lengths {[len(e.ids) for e in enc]}")


if __name__ == "__main__":
    tiny()
    base()
