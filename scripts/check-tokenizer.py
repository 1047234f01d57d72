#!/usr/bin/env python3
"""Tokenizer parity and speed: BertSlim's WordPieceTokenizer against Hugging Face `tokenizers`.

Usage (from the repository root, with the virtualenv of scripts/setup-venv.sh):
    .venv/bin/python scripts/check-tokenizer.py              # parity over every MR/RT sentence + speed
    .venv/bin/python scripts/check-tokenizer.py --fixtures   # also rewrite the test fixtures
    .venv/bin/python scripts/check-tokenizer.py --no-bench

Parity: every sentence of assets/data/{mr,rt}/{train,dev,test}.tsv, plus the hand-picked hard
cases below, is encoded by `tokenizers` (tokenizer.json with padding and truncation off, or
truncation at the case's max_length) and by BertSlim (the release `tokenize-check` tool); the
ids and token type ids must be identical. Exits 1 on any difference.

Speed: all MR sentences, `encode_batch` (Rust, all cores) against BertSlim's batch `encode`
(shared pool, all cores), and one-at-a-time on both sides; best of --repeats runs each.

Fixtures (read by Tests/BertSlimSDKTests, so CI needs no Python):
  tokenizer-sample.jsonl  ~300 cases: seeded MR/RT samples, the hard cases, truncated pairs.
  unicode-sweep.txt       what basic tokenisation does to every code point, run-length coded.
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time

from tokenizers import Tokenizer, normalizers

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL = os.path.join(ROOT, "assets", "model", "minilm-l6")
DATA = os.path.join(ROOT, "assets", "data")
FIXTURES = os.path.join(ROOT, "Tests", "BertSlimSDKTests", "Fixtures")
TOOL = os.path.join(ROOT, ".build", "release", "tokenize-check")

HARD_CASES = [
    # accents and combining marks (NFD, then marks dropped; order of stacked marks)
    "Café crème brûlée, naïve résumé, Ångström, façade, jalapeño",
    "ÀÉÎÕÜ àéîõü ÇÑ Œuvre Æsir ß Straße",
    "e\u0301 a\u0323\u0301 o\u0301\u0323 precomposed é vs decomposed e\u0301",
    "Ǆemal ǅ ǆ ﬁne ﬂow ﬀ",
    "İstanbul ıi IJ ĳ",
    "ΣΊΣΥΦΟΣ Ελληνικά ΑΒΓ",
    "ПРИВЕТ, мир! Ёлка",
    "Ｆｕｌｌ－ｗｉｄｔｈ ＡＢＣ１２３",
    # CJK and other scripts
    "我爱北京天安门",
    "BERT是一个模型,它很好。",
    "日本語のテキストとカタカナ",
    "한국어 텍스트 처리",
    "𠀀𠀁𪜀 豈更 CJK extensions",
    "مرحبا بالعالم",
    "שלום עולם",
    "नमस्ते दुनिया",
    "สวัสดีชาวโลก",
    # emoji and symbols
    "I ❤️ this movie 😀👍🏽!!",
    "family 👨‍👩‍👧 flags 🇫🇷🇯🇵 keycap 1️⃣",
    "x² ≥ ½ ∑ ∞ ± × ÷ € £ ¥ © ® ™ °",
    # control characters, invisible characters, whitespace
    "a\x00b c\x01d e\x7ff",
    "tab\there line\nbreak\r\nreturn",
    "\x07bell \x1bescape \x0bvtab \x0cformfeed",
    "zero\u200bwidth soft\u00adhyphen joiner\u200dnon\u200cjoiner",
    "\ufeffbyte order mark",
    "replacement \ufffd char",
    "nbsp\u00a0here em\u2003space ideographic\u3000space line\u2028separator",
    "private \ue000 use \U000f0000 area",
    "",
    "   ",
    "\x01\x02\x03",
    # long words (100 characters is the limit)
    "a" * 100,
    "a" * 101,
    "é" * 100,
    "é" * 101,
    "supercalifragilisticexpialidocious antidisestablishmentarianism",
    "pneumonoultramicroscopicsilicovolcanoconiosis" * 3,
    # punctuation
    "!!!???... wait---what?! ...",
    "$100+ @home #1 ^_^ `code` {x|y} ~z <tag> a=b; c:d",
    "«quoted» „german“ ‘single’ — dash … ellipsis ¿qué? ¡sí!",
    "【brackets】「quote」『double』〈angle〉・dot",
    "don't won't it's rock'n'roll o'clock",
    "https://example.com/a?b=c&d=e#frag user@example.org",
    "3.14159 1,000,000 10:30pm 50% -5 +7",
    "##ing ## #hashtag",
    # special tokens written in the text
    "[CLS] hello [SEP] world [SEP]",
    "x[MASK]y [UNK][PAD]",
    "[cls] lowercase is not special [Sep]",
    "[ CLS ] spaced [CLS",
]

PAIR_CASES = [
    ("A short premise.", "A hypothesis that is considerably longer than the premise it follows.", 16),
    ("A premise that is considerably longer than the hypothesis that follows it.", "Short one.", 16),
    ("one two three four five", "six seven eight nine ten", 10),
    ("one two three four five", "six seven eight nine ten", 11),
    ("one two three four five six", "seven", 8),
    ("one", "two three four five six seven", 8),
    ("tiny", "", 5),
    ("", "only the second segment has words", 6),
    ("ten words here to be cut down to size by the limit", "and ten more words on this side to be cut too", 3),
    ("symmetric case", "symmetric case", 5),
]


def read_tsv_texts(path):
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    if not lines or lines[0] != "text\tlabel":
        sys.exit(f"error: {path}: unexpected header {lines[:1]}")
    return [line.rsplit("\t", 1)[0] for line in lines[1:] if line]


def corpus():
    texts = {}
    for name in ("mr", "rt"):
        for split in ("train", "dev", "test"):
            texts[(name, split)] = read_tsv_texts(os.path.join(DATA, name, f"{split}.tsv"))
    return texts


def load_reference():
    tok = Tokenizer.from_file(os.path.join(MODEL, "tokenizer.json"))
    # sentence-transformers' tokenizer.json pads and truncates to 128 by default.
    tok.no_padding()
    tok.no_truncation()
    return tok


def reference_encode(tok, cases):
    """HF ids for each case dict {text, pair, max_length}."""
    out = []
    for case in cases:
        if case.get("max_length"):
            tok.enable_truncation(case["max_length"], strategy="longest_first")
        else:
            tok.no_truncation()
        enc = tok.encode(case["text"], case["pair"]) if case.get("pair") is not None else tok.encode(case["text"])
        out.append({"ids": enc.ids, "type_ids": enc.type_ids})
    tok.no_truncation()
    return out


def build_tool():
    print("building tokenize-check (release)...", flush=True)
    subprocess.run(["swift", "build", "-c", "release", "--product", "tokenize-check"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def bertslim_encode(cases, workdir, cased=False):
    src, dst = os.path.join(workdir, "in.jsonl"), os.path.join(workdir, "out.jsonl")
    write_jsonl(src, [{"text": c["text"], "pair": c.get("pair"), "max_length": c.get("max_length")} for c in cases])
    subprocess.run([TOOL] + (["--cased"] if cased else []) + ["encode", MODEL, src, dst], check=True)
    with open(dst, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def compare(tok, cases, ours, theirs):
    bad = [i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b]
    if len(ours) != len(theirs):
        print(f"  count differs: {len(ours)} vs {len(theirs)}")
        return False
    for i in bad[:10]:
        c = cases[i]
        print(f"  DIFF {c.get('source', '')}: {c['text'][:80]!r}")
        print(f"    tokenizers: {[tok.id_to_token(t) for t in theirs[i]['ids']]}")
        print(f"    BertSlim:   {[tok.id_to_token(t) for t in ours[i]['ids']]}")
    return not bad


def parity(tok, texts, workdir):
    cases = [{"text": t, "source": f"{name}/{split}:{n + 2}"}
             for (name, split), rows in texts.items() for n, t in enumerate(rows)]
    corpus_count = len(cases)
    cases += [{"text": t, "source": "hard case"} for t in HARD_CASES]
    cases += [{"text": a, "pair": b, "max_length": m, "source": "pair"} for a, b, m in PAIR_CASES]
    ours = bertslim_encode(cases, workdir)
    theirs = reference_encode(tok, cases)
    ok = compare(tok, cases, ours, theirs)
    same = sum(a == b for a, b in zip(ours, theirs))
    same_corpus = sum(a == b for a, b in zip(ours[:corpus_count], theirs[:corpus_count]))
    tokens = sum(len(r["ids"]) for r in theirs[:corpus_count])
    print(f"parity: {same_corpus}/{corpus_count} MR+RT sentences identical ({tokens} tokens), "
          f"{same - same_corpus}/{len(cases) - corpus_count} hard cases and pairs identical")

    # The cased path (no lower-casing, no accent stripping) with the same vocabulary: the
    # pieces differ from the uncased ones, the algorithm must not.
    cased_tok = load_reference()
    cased_tok.normalizer = normalizers.BertNormalizer(lowercase=False)
    cased_ours = bertslim_encode(cases, workdir, cased=True)
    cased_theirs = reference_encode(cased_tok, cases)
    cased_ok = compare(cased_tok, cases, cased_ours, cased_theirs)
    print(f"parity, cased: {sum(a == b for a, b in zip(cased_ours, cased_theirs))}/{len(cases)} identical")
    return ok and cased_ok


def bench(tok, texts, workdir, repeats):
    mr = [t for (name, _), rows in texts.items() if name == "mr" for t in rows]
    src = os.path.join(workdir, "bench.jsonl")
    write_jsonl(src, [{"text": t} for t in mr])
    batch, single = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        encodings = tok.encode_batch(mr)
        batch.append((time.perf_counter() - start) * 1e3)
        start = time.perf_counter()
        for t in mr:
            tok.encode(t)
        single.append((time.perf_counter() - start) * 1e3)
    hf_tokens = sum(len(e.ids) for e in encodings)
    result = subprocess.run([TOOL, "bench", MODEL, src, str(repeats)], check=True, capture_output=True, text=True)
    swift = json.loads(result.stdout)
    if swift["tokens"] != hf_tokens:
        print(f"  warning: token counts differ ({swift['tokens']} vs {hf_tokens})")
    hb, hs = min(batch), min(single)
    sb, ss = min(swift["parallel_ms"]), min(swift["serial_ms"])
    print(f"speed, {len(mr)} MR sentences ({hf_tokens} tokens), best of {repeats}, {swift['threads']} threads:")
    print(f"  batch   tokenizers encode_batch {hb:8.1f} ms   BertSlim encode([String]) {sb:8.1f} ms   "
          f"BertSlim is {hb / sb:5.1f}x faster")
    print(f"  serial  tokenizers encode       {hs:8.1f} ms   BertSlim encode(String)   {ss:8.1f} ms   "
          f"BertSlim is {hs / ss:5.1f}x faster")
    print("  (tokenizers' serial time includes Python's per-call overhead)")


def write_sample_fixture(tok, texts):
    rng = random.Random(2024)
    picked = []
    for key in sorted(texts):
        rows = texts[key]
        count = 50 if key[1] == "train" else 25
        picked += [{"text": t, "pair": None, "max_length": None} for t in rng.sample(rows, count)]
    picked += [{"text": t, "pair": None, "max_length": None} for t in HARD_CASES]
    picked += [{"text": a, "pair": b, "max_length": m} for a, b, m in PAIR_CASES]
    # Corpus sentences cut short, alone and paired (longest-first truncation).
    long_ones = sorted((t for rows in texts.values() for t in rows), key=len)[-40:]
    for i in range(0, 20, 2):
        picked.append({"text": long_ones[i], "pair": None, "max_length": 12 + i})
        picked.append({"text": long_ones[i + 1], "pair": long_ones[i + 20], "max_length": 20 + i})
    expected = reference_encode(tok, picked)
    path = os.path.join(FIXTURES, "tokenizer-sample.jsonl")
    write_jsonl(path, [dict(case, **exp) for case, exp in zip(picked, expected)])
    print(f"wrote {path} ({len(picked)} cases)")


def hangul_jamo(cp):
    """The canonical decomposition of a precomposed Hangul syllable ("" for anything else)."""
    index = cp - 0xAC00
    if not 0 <= index < 11172:
        return ""
    lead, vowel, trail = 0x1100 + index // 588, 0x1161 + index % 588 // 28, 0x11A7 + index % 28
    return chr(lead) + chr(vowel) + (chr(trail) if trail != 0x11A7 else "")


def write_unicode_sweep(tok):
    """For each code point c, the words of "x" + c + "x": run-length coded kinds
    keep (one word, c unchanged), drop (c removed), space (c splits), isolate (c alone),
    hangul (a syllable decomposed into its jamo, by the algorithm of Unicode ch. 3.12),
    plus explicit lines where c is otherwise changed (lower-cased, decomposed, accents dropped)."""
    normalizer, pre = tok.normalizer, tok.pre_tokenizer
    lines, run = [], None

    def close():
        if run:
            lines.append(f"{run[0]:x} {run[1]:x} {run[2]}")

    for cp in range(0x110000):
        if 0xD800 <= cp < 0xE000:
            continue
        c = chr(cp)
        words = [w for w, _ in pre.pre_tokenize_str(normalizer.normalize_str("x" + c + "x"))]
        kinds = {("x" + c + "x",): "keep", ("xx",): "drop", ("x", "x"): "space", ("x", c, "x"): "isolate"}
        if hangul_jamo(cp):
            kinds[("x" + hangul_jamo(cp) + "x",)] = "hangul"
        kind = kinds.get(tuple(words))
        # A run ends only at a code point of another kind, so it may span the surrogates.
        if kind and run and run[2] == kind:
            run[1] = cp
            continue
        close()
        run = None
        if kind:
            run = [cp, cp, kind]
        else:
            lines.append(f"{cp:x} = " + " ".join(".".join(f"{ord(ch):x}" for ch in w) for w in words))
    close()
    path = os.path.join(FIXTURES, "unicode-sweep.txt")
    with open(path, "w") as f:
        f.write("# Generated by scripts/check-tokenizer.py --fixtures from tokenizers "
                f"{__import__('tokenizers').__version__}: words of \"x\" + c + \"x\" for every code point c.\n")
        f.write("# START END KIND (keep|drop|space|isolate|hangul), or CP = words (scalars in hex, '.'-joined).\n")
        f.write("\n".join(lines) + "\n")
    print(f"wrote {path} ({len(lines)} lines)")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fixtures", action="store_true", help="rewrite the test fixtures")
    parser.add_argument("--no-bench", action="store_true", help="skip the speed comparison")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    tok = load_reference()
    texts = corpus()
    if args.fixtures:
        write_sample_fixture(tok, texts)
        write_unicode_sweep(tok)
    build_tool()
    with tempfile.TemporaryDirectory() as workdir:
        ok = parity(tok, texts, workdir)
        if not args.no_bench:
            bench(tok, texts, workdir, args.repeats)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
