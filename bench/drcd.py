"""DRCD dev retrieval with the ranking constants overridden: the sweep behind ``searcher/ranking.py``.

    python bench/drcd.py                                  # the shipped constants
    python bench/drcd.py UNIGRAM_WEIGHT=0 UNIGRAM_WEIGHT=0.5 "K1=1.2,B=0.75"

Builds ../shared/eval/drcd/corpus.jsonl once with the current engine (--index, default a temp
dir), then for each setting (comma-separated NAME=VALUE over ``searcher.ranking``'s constants;
settings apply one after another) answers the 3,524 dev questions with op=or, limit 10, through
``searcher.search.search`` as bench/run.py's quality step does, and prints MRR@10, R@1 and R@10
on the two halves of the dev questions and on all of them.

The halves: half A holds the questions whose sha1(question id) is even, half B the others.
Choose designs and constants on A (``--split A`` scores only A), read B as the held-out estimate.

    python bench/drcd.py --timing 400 PROXIMITY_WEIGHT=0 ""     # speed: each setting against the others

``--timing N`` times the product's op=or search (``search``, as above) over N dev questions spread
over the set, each setting applied from the shipped constants: every question runs under every
setting in turn (one warm-up pass, then --rounds timed passes), so load on the machine falls on all
settings alike; prints p50 / p95 / mean milliseconds per setting.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from run import DRCD, _ours_runner, drcd_dev, drcd_score  # noqa: E402  (bench/run.py)

from searcher import match, ranking  # noqa: E402
from searcher.engine import open_engine  # noqa: E402


def half(qid: str) -> str:
    """"A" or "B": the dev half a question belongs to (sha1 of its id, mod 2)."""
    return "AB"[hashlib.sha1(qid.encode("utf-8")).digest()[-1] % 2]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("settings", nargs="*", default=[""], help="NAME=VALUE[,NAME=VALUE...] per line of output")
    ap.add_argument("--index", default=None, help="index folder (built if missing; default: a temp dir)")
    ap.add_argument("--split", choices=("A", "B", "all"), default="all",
                    help="score only one half (A: where choices are made) or all (A, B and both)")
    ap.add_argument("--timing", type=int, default=0, metavar="N", help="time N questions under each setting")
    ap.add_argument("--rounds", type=int, default=5, help="timed passes with --timing")
    args = ap.parse_args()
    tmp = None if args.index else tempfile.mkdtemp(prefix="drcd-")
    ix = args.index or os.path.join(tmp, "index")
    try:
        sweep(ap, args, ix)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


def _line(m) -> str:
    return (f"MRR@10 {m['mrr10']:.4f} R@1 {m['recall1']:.4f} R@10 {m['recall10']:.4f} "
            f"(n={m['queries']}, p50 {m['query']['p50_ms']:.2f} ms)")


def apply(ap, spec, defaults):
    for item in filter(None, spec.split(",")):
        name, _, value = item.partition("=")
        if name not in defaults:
            ap.error(f"unknown constant {name!r} (one of {', '.join(sorted(defaults))})")
        for mod in (ranking, match):
            if hasattr(mod, name):
                setattr(mod, name, type(defaults[name])(float(value)))


def timing(ap, args, run_query, judged, defaults):
    step = max(1, len(judged) // args.timing)
    questions = [text for _, text in judged[::step][: args.timing]]
    specs = args.settings or [""]
    ms = {spec: [] for spec in specs}
    for r in range(args.rounds + 1):
        for k, q in enumerate(questions):
            for j in range(len(specs)):
                spec = specs[(j + k + r) % len(specs)]  # rotate which setting runs first
                apply(ap, ",".join(f"{n}={v}" for n, v in defaults.items()), defaults)
                apply(ap, spec, defaults)
                t = time.perf_counter()
                run_query(q, "or")
                if r:
                    ms[spec].append((time.perf_counter() - t) * 1000)
    for spec in specs:
        v = sorted(ms[spec])
        print(f"{spec or 'shipped':<40} {len(questions)} questions x {args.rounds}: p50 {v[len(v) // 2]:.2f} ms  "
              f"p95 {v[int(len(v) * 0.95)]:.2f} ms  mean {sum(v) / len(v):.2f} ms", flush=True)


def sweep(ap, args, ix):
    eng = open_engine(ix)
    if not eng.exists():
        eng.build([os.path.join(DRCD, "corpus.jsonl")], progress=False)
    judged, qrels = drcd_dev()
    halves = {"A": [q for q in judged if half(q[0]) == "A"], "B": [q for q in judged if half(q[0]) == "B"]}
    run_query = _ours_runner(ix)
    defaults = {name: getattr(ranking, name) for name in dir(ranking) if name.isupper()}
    if args.timing:
        return timing(ap, args, run_query, judged, defaults)
    for spec in args.settings or [""]:
        apply(ap, spec, defaults)
        label = spec or "shipped"
        if args.split == "all":
            ma, mb = drcd_score(run_query, halves["A"], qrels), drcd_score(run_query, halves["B"], qrels)
            n = ma["queries"] + mb["queries"]
            both = {k: (ma[k] * ma["queries"] + mb[k] * mb["queries"]) / n for k in ("mrr10", "recall1", "recall10")}
            print(f"{label}\n  A    {_line(ma)}\n  B    {_line(mb)}\n  all  MRR@10 {both['mrr10']:.4f} "
                  f"R@1 {both['recall1']:.4f} R@10 {both['recall10']:.4f} (n={n})", flush=True)
        else:
            print(f"{label:<40} {args.split} {_line(drcd_score(run_query, halves[args.split], qrels))}", flush=True)


if __name__ == "__main__":
    main()
