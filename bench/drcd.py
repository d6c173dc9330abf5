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
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from run import DRCD, _ours_runner, drcd_dev, drcd_score  # noqa: E402  (bench/run.py)

from searcher import index, match  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("settings", nargs="*", default=[""], help="NAME=VALUE[,NAME=VALUE...] per line of output")
    ap.add_argument("--index", default=None, help="index folder (built if missing; default: a temp dir)")
    args = ap.parse_args()
    tmp = None if args.index else tempfile.mkdtemp(prefix="drcd-")
    ix = args.index or os.path.join(tmp, "index")
    try:
        sweep(ap, args, ix)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


def sweep(ap, args, ix):
    if not index.exists(ix):
        index.build([os.path.join(DRCD, "corpus.jsonl")], ix, progress=False)
    judged, qrels = drcd_dev()
    run_query = _ours_runner(ix)
    for spec in args.settings or [""]:
        for item in filter(None, spec.split(",")):
            name, _, value = item.partition("=")
            if name not in ("K1", "B", "OR_MAX_DF", "UNIGRAM_WEIGHT"):
                ap.error(f"unknown constant {name!r}")
            setattr(match, name, float(value))
        m = drcd_score(run_query, judged, qrels)
        print(f"{spec or 'shipped':<32} n={m['queries']} MRR@10 {m['mrr10']:.4f} R@1 {m['recall1']:.4f} "
              f"R@10 {m['recall10']:.4f} (p50 {m['query']['p50_ms']:.2f} ms/query)", flush=True)


if __name__ == "__main__":
    main()
