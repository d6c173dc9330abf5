"""DRCD dev retrieval with the ranking constants overridden: the sweep behind ``searcher/ranking.py``.

    python bench/drcd.py                                  # the shipped constants
    python bench/drcd.py UNIGRAM_WEIGHT=0 UNIGRAM_WEIGHT=0.5 "K1=1.2,B=0.75"

Builds ../shared/eval/drcd/corpus.jsonl once (--index, default a temp dir), then for each
setting (comma-separated NAME=VALUE over ``searcher.ranking``'s K1, B, OR_MAX_DF, UNIGRAM_WEIGHT;
settings apply one after another) answers the 3,524 dev questions with op=or, limit 10, as
bench/run.py's quality step does, and prints MRR@10, R@1 and R@10.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
DRCD = os.path.join(os.path.dirname(os.path.dirname(HERE)), "shared", "eval", "drcd")

from searcher import index, match  # noqa: E402
from searcher.search import SearchParams, search  # noqa: E402


def load():
    with open(os.path.join(DRCD, "queries_dev.jsonl"), encoding="utf-8") as f:
        queries = [json.loads(line) for line in f if line.strip()]
    qrels: dict[str, set] = {}
    with open(os.path.join(DRCD, "qrels_dev.tsv"), encoding="utf-8") as f:
        next(f)
        for line in f:
            qid, cid, score = line.rstrip("\n").split("\t")
            if int(score) > 0:
                qrels.setdefault(qid, set()).add(cid)
    return [(q["_id"], q["text"]) for q in queries if q["_id"] in qrels], qrels


def evaluate(gen, judged, qrels) -> dict:
    rr = r1 = r10 = 0
    t = time.perf_counter()
    with gen.searcher() as s:
        for qid, text in judged:
            res = search(s, SearchParams(q=text, op="or", limit=10), variants=gen.variants, repeats=gen.repeats)
            rank = next((k for k, r in enumerate(res.results, 1) if r.id in qrels[qid]), None)
            if rank:
                rr += 1 / rank
                r1 += rank == 1
                r10 += 1
    n = len(judged)
    return {"mrr10": rr / n, "recall1": r1 / n, "recall10": r10 / n,
            "ms_per_query": (time.perf_counter() - t) * 1000 / n}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("settings", nargs="*", default=[""], help="NAME=VALUE[,NAME=VALUE...] per line of output")
    ap.add_argument("--index", default=None, help="index folder (built if missing; default: a temp dir)")
    args = ap.parse_args()
    tmp = None if args.index else tempfile.mkdtemp(prefix="drcd-")
    ix = args.index or os.path.join(tmp, "index")
    try:
        run(ap, args, ix)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


def run(ap, args, ix):
    if not index.exists(ix):
        index.build([os.path.join(DRCD, "corpus.jsonl")], ix, progress=False)
    gen = index.IndexHandle(ix).current()
    judged, qrels = load()
    for spec in args.settings or [""]:
        for item in filter(None, spec.split(",")):
            name, _, value = item.partition("=")
            if name not in ("K1", "B", "OR_MAX_DF", "UNIGRAM_WEIGHT"):
                ap.error(f"unknown constant {name!r}")
            setattr(match, name, float(value))
        m = evaluate(gen, judged, qrels)
        print(f"{spec or 'shipped':<32} n={len(judged)} MRR@10 {m['mrr10']:.4f} R@1 {m['recall1']:.4f} "
              f"R@10 {m['recall10']:.4f} ({m['ms_per_query']:.2f} ms/query)", flush=True)


if __name__ == "__main__":
    main()
