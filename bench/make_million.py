"""The 1M-paragraph corpus for scale benchmarks, made from ../shared/bench/tw_laws.jsonl.gz.

Five copies of the 218,139 paragraphs (1,090,695 in all), each transformed the way the
same text reaches a newsroom through different outlets, so that repeats are realistic:

    copy 0  as it is                                    ids unchanged
    copy 1  Simplified Chinese (OpenCC t2s)             ids "s-<id>"
    copy 2  Hong Kong forms (OpenCC t2hk), 20% of paragraphs with one character edited
                                                        ids "hk-<id>"
    copy 3  Taiwan phrasing (OpenCC t2tw), 30% with 2-3 characters edited, dates a year later
                                                        ids "tw-<id>"
    copy 4  Simplified, 50% of paragraphs with 1-3 characters edited
                                                        ids "cn-<id>"

An edit replaces a Han character with another Han character of the same paragraph
(deterministic per article).  Written once to bench/data/tw_laws_1m.jsonl.gz (git-ignored);
later runs reuse it.

    python bench/make_million.py [--out bench/data/tw_laws_1m.jsonl.gz] [--copies 5]
"""
from __future__ import annotations

import argparse
import gzip
import json
import multiprocessing as mp
import os
import random
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
LAWS = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "bench", "tw_laws.jsonl.gz"))
OUT = os.path.join(HERE, "data", "tw_laws_1m.jsonl.gz")
HAN = re.compile(r"[\u4e00-\u9fff]")
COPIES = [  # (id prefix, OpenCC config or None, share of paragraphs edited, most edits, years added)
    ("", None, 0.0, 0, 0),
    ("s-", "t2s", 0.0, 0, 0),
    ("hk-", "t2hk", 0.2, 1, 0),
    ("tw-", "t2tw", 0.3, 3, 1),
    ("cn-", "t2s", 0.5, 3, 0),
]


def _edit(text: str, rng: random.Random, most: int) -> str:
    han = [i for i, c in enumerate(text) if HAN.match(c)]
    if len(han) < 8:
        return text
    chars = list(text)
    for _ in range(rng.randint(1, most)):
        i, j = rng.choice(han), rng.choice(han)
        chars[i] = text[j]
    return "".join(chars)


_converters: dict = {}


def _convert(text: str, config):
    if config is None:
        return text
    if config not in _converters:
        from opencc import OpenCC

        _converters[config] = OpenCC(config)
    return _converters[config].convert(text)


def transform(job):
    line, k = job
    prefix, config, share, most, years = COPIES[k]
    d = json.loads(line)
    rng = random.Random(f"{k}-{d['id']}")
    paras = d.get("paragraphs") or [d.get("text", "")]
    out = []
    for p in paras:
        p = _convert(p, config)
        if share and rng.random() < share:
            p = _edit(p, rng, most)
        out.append(p)
    date = d.get("date")
    if years and date and len(date) == 8:
        date = f"{int(date[:4]) + years:04d}{date[4:]}"
    rec = {"id": prefix + d["id"], "title": _convert(d.get("title", ""), config), "paragraphs": out}
    if date:
        rec["date"] = date
    return json.dumps(rec, ensure_ascii=False) + "\n", len(out)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=OUT)
    ap.add_argument("--copies", type=int, default=len(COPIES))
    args = ap.parse_args(argv)
    if os.path.exists(args.out):
        print(f"{args.out} exists", file=sys.stderr)
        return args.out
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with gzip.open(LAWS, "rt", encoding="utf-8") as f:
        lines = f.read().splitlines()
    t0, n = time.time(), 0
    tmp = args.out + ".tmp"
    with gzip.open(tmp, "wt", encoding="utf-8", compresslevel=1) as out, mp.Pool(2) as pool:
        for k in range(args.copies):
            for rec, paras in pool.imap(transform, ((ln, k) for ln in lines), chunksize=64):
                out.write(rec)
                n += paras
            print(f"copy {k}: {n} paragraphs so far, {time.time() - t0:.0f} s", file=sys.stderr)
    os.replace(tmp, args.out)
    print(f"{n} paragraphs -> {args.out} in {time.time() - t0:.0f} s", file=sys.stderr)
    return args.out


if __name__ == "__main__":
    main()
