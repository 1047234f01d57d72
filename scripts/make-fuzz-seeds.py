#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora, Tests/Fuzz/corpus/<target>/ (committed; small).

    python3 scripts/make-fuzz-seeds.py [--bertslim .build/release/bertslim]

Small inputs fuzz fast, so the models are shrunk: Tests/Fuzz/workspace/model is the test
fixture hessian-bert at width 8 (FFN 16) with random weights, and the MPNet seed is tiny-mpnet
shrunk the same way. The model-folder seeds are real exports: tiny recipes on the workspace make
an int8, a packed low-bit (Q-BERT and k-means), a sparse, a per-layer-FFN and a
logistic-regression folder with the given bertslim; the BiLSTM folder is a test fixture. A
folder is one input: config.json, then each other file after a line `#file: NAME`
(FuzzInput.swift).
"""
import argparse
import json
import os
import shutil
import struct
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "Tests", "Fuzz", "corpus")
WORKSPACE = os.path.join(ROOT, "Tests", "Fuzz", "workspace")
FIXTURES = os.path.join(ROOT, "Tests", "BertSlimSDKTests", "Fixtures")
PLUGIN_FIXTURES = os.path.join(ROOT, "Tests", "PluginTests", "Fixtures")
MARKER = b"\n#file: "

# One recipe per plugin folder format, on the workspace's tiny model and data.
FORMATS = {
    "int8": "- quantize: {quantizer: {component: q8bert, settings: {mode: dynamic}}, calibration_batches: 1}",
    "lowbit-qbert": "- quantize: {quantizer: {component: q-bert, settings: {bits: 3, groups: 4}}, calibration_batches: 1, epochs: 0}",
    "lowbit-kmeans": "- quantize: {quantizer: {component: kmeans, settings: {bits: 2}}, calibration_batches: 0, epochs: 0}",
    "sparse": "- prune: {pruner: {component: magnitude}, sparsity: 0.9, steps: 1}",
    "ffn-per-layer": "- prune: {pruner: {component: ffn-neurons, settings: {uniform: false}}, sparsity: 0.5, steps: 1}",
    "logistic-regression": ("- distill: {student: {component: logistic-regression}, losses: [{component: mse-logits}],"
                            " epochs: 1, batch_size: 8, learning_rate: 0.01}"),
}


def write(target, name, data):
    folder = os.path.join(CORPUS, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def read(path):
    with open(path, "rb") as f:
        return f.read()


def folder_input(folder, skip=("vocab.txt", "tokenizer_config.json", "golden.safetensors")):
    """A model folder as one input: config.json first, then its other files."""
    data = read(os.path.join(folder, "config.json"))
    for name in sorted(os.listdir(folder)):
        if name != "config.json" and name not in skip and os.path.isfile(os.path.join(folder, name)):
            data += MARKER + name.encode() + b"\n" + read(os.path.join(folder, name))
    return data


def safetensors(tensors, metadata=None):
    """A safetensors file: {name: (dtype, shape, raw bytes)}."""
    header, offset, body = {}, 0, b""
    if metadata:
        header["__metadata__"] = metadata
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        body += raw
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + body


def shrink(source, destination, hidden=8, intermediate=16, seed=1):
    """Copies the BERT or MPNet folder `source` at width `hidden` and FFN `intermediate`, with
    random weights: every tensor dimension equal to the old width (or FFN size) takes the new one."""
    import random
    rng = random.Random(seed)
    config = json.loads(read(os.path.join(source, "config.json")))
    sizes = {config["hidden_size"]: hidden, config["intermediate_size"]: intermediate}
    config.update(hidden_size=hidden, intermediate_size=intermediate)
    raw = read(os.path.join(source, "model.safetensors"))
    header = json.loads(raw[8:8 + struct.unpack("<Q", raw[:8])[0]])
    tensors = {}
    for name, entry in sorted(header.items()):
        if name == "__metadata__":
            continue
        shape = [sizes.get(d, d) for d in entry["shape"]]
        count = 1
        for d in shape:
            count *= d
        ones = name.endswith("LayerNorm.weight")
        values = [1.0 if ones else rng.gauss(0, 0.2) for _ in range(count)]
        tensors[name] = ("F32", shape, struct.pack(f"<{count}f", *values))
    os.makedirs(destination, exist_ok=True)
    with open(os.path.join(destination, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    with open(os.path.join(destination, "model.safetensors"), "wb") as f:
        f.write(safetensors(tensors))


def exports(bertslim):
    """The plugin formats' folders, exported by tiny recipes; {name: folder}."""
    work = tempfile.mkdtemp(prefix="fuzz-seeds-")
    shutil.copytree(WORKSPACE, os.path.join(work, "ws"))
    folders = {}
    for name, stage in FORMATS.items():
        recipe = os.path.join(work, "ws", f"{name}.yaml")
        with open(recipe, "w") as f:
            f.write(f"recipe: 1\nname: {name}\nseed: 1\n"
                    "data: {train: train.tsv, dev: dev.tsv, test: test.tsv, max_length: 16}\n"
                    "teacher: {model: model}\nstages:\n"
                    f"  {stage}\n  - export: {{name: out}}\n")
        out = os.path.join(work, name)
        subprocess.run([bertslim, "run", recipe, "--out", out, "--quiet", "--no-ledger"], check=True)
        folders[name] = os.path.join(out, "exports", "out")
    return work, folders


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bertslim", default=os.path.join(ROOT, ".build", "release", "bertslim"))
    args = parser.parse_args()
    shutil.rmtree(CORPUS, ignore_errors=True)
    model = os.path.join(WORKSPACE, "model")
    shrink(os.path.join(FIXTURES, "hessian-bert"), model)

    # Model folders: plain BERT, MPNet, BiLSTM and every plugin format.
    work, folders = exports(args.bertslim)
    shrink(os.path.join(FIXTURES, "tiny-mpnet"), os.path.join(work, "mpnet"))
    folders.update({"bert": model, "mpnet": os.path.join(work, "mpnet"),
                    "bilstm": os.path.join(PLUGIN_FIXTURES, "bilstm-final")})
    for name, folder in sorted(folders.items()):
        write("model-folder", name, folder_input(folder))
        if name not in ("bilstm", "logistic-regression"):  # not BERT configs
            write("config", name + ".json", read(os.path.join(folder, "config.json")))
    write("safetensors", "bert.safetensors", read(os.path.join(model, "model.safetensors")))
    write("safetensors", "mpnet.safetensors", read(os.path.join(folders["mpnet"], "model.safetensors")))
    write("safetensors", "int8.safetensors", read(os.path.join(folders["int8"], "model.safetensors")))
    write("safetensors", "sparse.safetensors", read(os.path.join(folders["sparse"], "model.sparse.safetensors")))
    shutil.rmtree(work)

    # Safetensors: every dtype the reader knows, metadata, an empty file.
    kinds = {"F32": (4, "<f"), "F16": (2, "<e"), "I64": (8, "<q"), "I32": (4, "<i"), "I8": (1, "<b"), "U8": (1, "<B"),
             "U16": (2, "<H")}
    for dtype, (size, code) in kinds.items():
        raw = b"".join(struct.pack(code, v) for v in (1, 2, 3, 4, 5, 6))
        write("safetensors", f"{dtype.lower()}.safetensors", safetensors({"t": (dtype, [2, 3], raw)}))
    write("safetensors", "bf16.safetensors", safetensors({"t": ("BF16", [2], b"\x80\x3f\x00\x40")}))
    write("safetensors", "metadata.safetensors", safetensors({"a": ("F32", [], b"\0\0\x80\x3f")}, {"format": "pt"}))
    write("safetensors", "empty.safetensors", safetensors({}))

    # Tokenizer folders: the workspace's vocabulary, cased and MPNet-style configurations, with text.
    vocab = read(os.path.join(model, "vocab.txt"))
    text = b"\n#file: text\nThe movie's plot is GOOD, isn't it? \xc3\xa9t\xc3\xa9 \xe6\xbc\xa2\xe5\xad\x97 \xf0\x9f\x98\x80"
    write("vocab", "bert", vocab + text)
    write("vocab", "cased", vocab + b"\n#file: tokenizer_config.json\n" + json.dumps({"do_lower_case": False}).encode() + text)
    mpnet = {"tokenizer_class": "MPNetTokenizer", "cls_token": "[CLS]", "sep_token": "[SEP]", "pad_token": "[PAD]",
             "unk_token": {"content": "[UNK]"}, "mask_token": "[MASK]", "strip_accents": True, "tokenize_chinese_chars": False,
             "model_max_length": 512}
    write("vocab", "mpnet", vocab + b"\n#file: tokenizer_config.json\n" + json.dumps(mpnet).encode() + text)

    # Tokenizer text: MR sentences and a slice of the Unicode sweep.
    with open(os.path.join(ROOT, "assets", "data", "mr", "dev.tsv"), encoding="utf-8") as f:
        lines = f.read().splitlines()[1:6]
    for i, line in enumerate(lines):
        write("tokenizer", f"mr-{i}", line.split("\t")[0])
    sweep = read(os.path.join(FIXTURES, "unicode-sweep.txt")).splitlines()
    for i in range(0, min(len(sweep), 40), 8):
        write("tokenizer", f"unicode-{i}", b"\n".join(sweep[i:i + 8]))
    write("tokenizer", "invalid-utf8", b"caf\xc3 \xff\xfe bad \xed\xa0\x80 bytes [CLS] [SEP] [UNK]")

    # Data files: the workspace's TSV, the same rows as CSV (with quoting) and JSON Lines.
    rows = [line.split("\t") for line in read(os.path.join(WORKSPACE, "train.tsv")).decode().splitlines()[1:9]]
    write("tsv", "train.tsv", "label\ttext\n" + "".join(f"{l}\t{t}\n" for l, t in rows))
    write("tsv", "pair.tsv", "text\ttext_pair\tlabel\n" + "".join(f"{t}\t{t}\t{l}\n" for l, t in rows))
    write("csv", "train.csv", "text,label\n" + "".join(f"\"{t}, \"\"quoted\"\"\",{l}\n" for l, t in rows))
    write("jsonl", "train.jsonl", "".join(json.dumps({"text": t, "label": l}) + "\n" for l, t in rows))
    write("jsonl", "mixed.jsonl", '{"text": "a", "label": "positive"}\n{"text": "b\\u00e9", "label": "negative", "x": [1, {}]}\n')

    # Recipes: the repository's, pointed at the workspace.
    for name in sorted(os.listdir(os.path.join(ROOT, "recipes"))):
        text = read(os.path.join(ROOT, "recipes", name)).decode()
        for split in ("train", "dev", "test"):
            text = text.replace(f"../assets/data/mr/{split}.tsv", f"{split}.tsv")
        for folder in ("minilm-l6", "mpnet-base"):
            text = text.replace(f"../assets/model/{folder}", "model")
        write("recipe", name, text)

    # Plugin descriptors (DescriptorLayout.swift): a valid one with two components, and variants.
    strings = [b"1.6.0", b"swift-6.3.1+sdk-1.6.0", b"org.example.fuzz", b"Fuzz", b"1.0", b"MIT",
               b"cosine", b"a loss", b"cosine", b"a student"]
    pool = b"\0".join(strings)
    header = lambda abi, size, flags, count, stride, kind: struct.pack("<IIBIIB", abi, size, flags, count, stride, kind)
    write("descriptor", "valid", header(0x10005, 96, 0xFF, 2, 24, 3) + pool)
    write("descriptor", "newer", header(0x10009, 200, 0xFF, 2, 48, 1) + pool)
    write("descriptor", "no-components", header(0x10000, 96, 0x7F, 0, 24, 0) + pool)
    write("descriptor", "abi-2", header(0x20000, 96, 0xFF, 1, 24, 2) + pool)


if __name__ == "__main__":
    main()
