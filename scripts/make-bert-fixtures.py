"""Golden outputs of the real MiniLM-L6 checkpoint from transformers, for BertSlim's parity test.

Run with the git-ignored venv (scripts/setup-venv.sh):  .venv/bin/python scripts/make-bert-fixtures.py
Writes Tests/BertSlimSDKTests/Fixtures/minilm-parity.safetensors: token ids of two padded batches
(short sentences and pairs; two inputs over 128 tokens), and for every example its unpadded hidden
states (embeddings first), attention probabilities and pooled output, in fp32, eval mode.
"""
import pathlib

import numpy as np
import torch
from safetensors.numpy import save_file
from tokenizers import Tokenizer
from transformers import BertModel

ROOT = pathlib.Path(__file__).resolve().parent.parent
MODEL = ROOT / "assets/model/minilm-l6"
OUT = ROOT / "Tests/BertSlimSDKTests/Fixtures/minilm-parity.safetensors"

SHORT = [
    ("a gripping, beautifully acted drama.", None),
    ("the plot is thin and the jokes fall flat", None),
    ("Un film très ennuyeux, mais l'actrice est géniale!", None),
    ("it's not bad .", None),
    ("i loved it", "i hated it"),
    ("The cast is strong.", "But the script wastes them entirely, scene after scene."),
    ("what a mess", None),
    ("One of the year's best films — smart, funny and moving.", None),
    ("東京 was the setting; the visuals are stunning.", None),
    ("meh", None),
    ("a two-hour commercial for its soundtrack", None),
    ("Is it worth seeing?", "Yes, absolutely, if only for the final twenty minutes."),
    ("bold , original and wildly entertaining", None),
    ("the director's cut restores 40 minutes nobody asked for", None),
]
LONG_TEXT = (
    "this sprawling family saga begins with a wedding and ends with a funeral , and in between "
    "it finds room for three generations of grudges , a missing inheritance , a house fire , two "
    "affairs , a subplot about a racehorse that goes nowhere , and more voice-over narration than "
    "any film really needs ; the performances are committed and the photography is often lovely , "
    "yet the whole thing feels like a miniseries compressed into two and a half hours , with every "
    "emotional beat arriving a little too early or a little too late , so that by the time the "
    "long-estranged brothers finally reconcile on the porch we have stopped caring whether they do"
)
LONG = [(LONG_TEXT, None), (LONG_TEXT[:300], "and yet " + LONG_TEXT[300:700])]


def main():
    torch.manual_seed(0)
    torch.set_num_threads(2)
    tok = Tokenizer.from_file(str(MODEL / "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    model = BertModel.from_pretrained(str(MODEL), attn_implementation="eager").eval()
    tensors = {}
    for b, examples in enumerate([SHORT, LONG]):
        enc = [tok.encode(a, b2) if b2 else tok.encode(a) for a, b2 in examples]
        t = max(len(e.ids) for e in enc)
        ids = np.zeros((len(enc), t), np.int32)
        mask = np.zeros_like(ids)
        types = np.zeros_like(ids)
        for i, e in enumerate(enc):
            n = len(e.ids)
            ids[i, :n], mask[i, :n], types[i, :n] = e.ids, e.attention_mask, e.type_ids
        with torch.no_grad():
            out = model(input_ids=torch.tensor(ids, dtype=torch.long),
                        attention_mask=torch.tensor(mask, dtype=torch.long),
                        token_type_ids=torch.tensor(types, dtype=torch.long),
                        output_hidden_states=True, output_attentions=True)
        tensors[f"batch{b}.input_ids"] = ids
        tensors[f"batch{b}.attention_mask"] = mask
        tensors[f"batch{b}.token_type_ids"] = types
        tensors[f"batch{b}.pooled"] = out.pooler_output.numpy()
        for i, e in enumerate(enc):
            n = len(e.ids)
            for l, h in enumerate(out.hidden_states):
                tensors[f"batch{b}.example{i}.hidden{l}"] = np.ascontiguousarray(h[i, :n].numpy())
            for l, a in enumerate(out.attentions):
                tensors[f"batch{b}.example{i}.attention{l}"] = np.ascontiguousarray(a[i, :, :n, :n].numpy())
        print(f"batch {b}: {len(enc)} examples, lengths {[len(e.ids) for e in enc]}")
    save_file(tensors, str(OUT))
    print(f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
