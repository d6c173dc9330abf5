"""Literal recall and precision: random Han substrings of indexed paragraphs must find them.

For each sampled string (2-10 consecutive Han characters taken from a random paragraph), the
query must return that paragraph (recall) and only paragraphs whose normalised text contains
the string (precision).  Corpora: the seeds and a sample of tw_laws.

usage (from the project root):
    python bench/literal_recall.py [--n 2000] [--laws-paragraphs 6000] [--seed 1]
"""
import argparse
import gzip
import json
import os
import random
import re
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from searcher.engine import open_engine  # noqa: E402
from searcher.ingest import IngestReport, read_sources  # noqa: E402
from searcher.normalize import simplify  # noqa: E402
from searcher.search import matching_paragraphs  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAWS = os.path.join(ROOT, "..", "shared", "bench", "tw_laws.jsonl.gz")
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{2,}")


def laws_sample(path, n_paragraphs, rng, out_path):
    """Every k-th law until n_paragraphs, written as JSONL (a real source for `build`)."""
    laws = []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            laws.append(line)
    rng.shuffle(laws)
    total = 0
    with open(out_path, "w", encoding="utf-8") as out:
        for line in laws:
            obj = json.loads(line)
            out.write(line)
            total += len(obj["paragraphs"])
            if total >= n_paragraphs:
                break
    return total


def open_reader(ix_dir):
    return open_engine(ix_dir).reader()


def measure(ix_dir, sources, n, rng, label):
    report = IngestReport()
    paras = [(a.id, i, p) for a in read_sources(sources, report) for i, p in enumerate(a.paragraphs, 1)]
    norm = {(aid, i): simplify(p).lower() for aid, i, p in paras}
    s = open_reader(ix_dir)
    found = returned = correct = 0
    misses = []
    t0 = time.time()
    for _ in range(n):
        while True:
            aid, i, p = rng.choice(paras)
            runs = HAN.findall(p)
            if runs:
                break
        run = rng.choice(runs)
        k = rng.randint(2, min(10, len(run)))
        j = rng.randint(0, len(run) - k)
        needle = run[j:j + k]
        got = matching_paragraphs(s, needle)
        nn = simplify(needle).lower()
        if (aid, i) in got:
            found += 1
        else:
            misses.append(needle)
        returned += len(got)
        correct += sum(1 for key in got if nn in norm[key])
    secs = time.time() - t0
    return {"corpus": label, "queries": n, "recall": found / n, "precision": correct / max(1, returned),
            "paragraphs_returned": returned, "misses": misses[:20], "seconds": round(secs, 2)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=2000, help="substrings per corpus")
    ap.add_argument("--laws-paragraphs", type=int, default=6000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results", "literal_recall.json"))
    args = ap.parse_args()
    rng = random.Random(args.seed)
    tmp = tempfile.mkdtemp(prefix="literal-")
    results = []
    seeds = [os.path.join(ROOT, "seeds")]
    open_engine(os.path.join(tmp, "seeds")).build(seeds, progress=False)
    results.append(measure(os.path.join(tmp, "seeds"), seeds, args.n, rng, "seeds"))
    if os.path.exists(LAWS):
        sample = os.path.join(tmp, "laws.jsonl")
        laws_sample(LAWS, args.laws_paragraphs, rng, sample)
        open_engine(os.path.join(tmp, "laws")).build([sample], progress=False)
        results.append(measure(os.path.join(tmp, "laws"), [sample], args.n, rng, "tw_laws sample"))
    for r in results:
        print(f"{r['corpus']:>15}: {r['queries']} substrings  recall {r['recall']:.4f}  "
              f"precision {r['precision']:.4f}  ({r['paragraphs_returned']} paragraphs returned, {r['seconds']} s)")
        if r["misses"]:
            print("   misses:", " ".join(r["misses"]))
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump({"seed": args.seed, "results": results}, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
