"""Benchmark of searcher.repeats on the Taiwan laws corpus (218,139 paragraphs).

    python bench/repeats_bench.py [--limit N] [--sample-near 50 --seed 1]

Streams ../shared/bench/tw_laws.jsonl.gz (one law a line: {"id", "title",
"paragraphs": [...]}), runs find_repeats over every paragraph and prints wall time,
peak RSS, groups of each kind and paragraphs in exact groups.  It then recounts
exact repeats independently (sha1 of normalise_for_repeats, no grouping code) and
asserts both counts agree:

    repeats = paragraphs whose non-empty normalised text already occurred earlier
            = sum(len(members) - 1) over exact + boilerplate groups.

The same check is made for exact groups alone, with the boilerplate rule (short
text in >= BOILERPLATE_MIN_ARTICLES articles) applied to the plain count.
Results go to bench/results/repeats.json; --sample-near writes that many random
near groups (member texts, truncated) to bench/results/repeats_near_sample.md.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import random
import resource
import sys
import time
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from searcher import repeats  # noqa: E402

DEFAULT_DATA = os.path.join(os.path.dirname(HERE), "..", "shared", "bench", "tw_laws.jsonl.gz")


def stream(path, limit=None):
    count = 0
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            law = json.loads(line)
            for n, text in enumerate(law["paragraphs"], 1):
                if limit is not None and count >= limit:
                    return
                yield law["id"], n, text
                count += 1


def plain_counts(path, limit):
    """(all repeats, repeats of non-boilerplate texts), counted with hashlib only."""
    seen = {}  # sha1 -> (normalised length, set of article ids, occurrences)
    for aid, _, text in stream(path, limit):
        norm = repeats.normalise_for_repeats(text)
        if not norm:
            continue
        key = hashlib.sha1(norm.encode("utf-8")).digest()
        entry = seen.setdefault(key, [len(norm), set(), 0])
        entry[1].add(aid)
        entry[2] += 1
    total = sum(occ - 1 for _, _, occ in seen.values())
    exact_only = sum(
        occ - 1
        for size, ids, occ in seen.values()
        if not (size <= repeats.BOILERPLATE_MAX_CHARS and len(ids) >= repeats.BOILERPLATE_MIN_ARTICLES)
    )
    return total, exact_only


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--limit", type=int, default=None, help="only the first N paragraphs")
    ap.add_argument("--sample-near", type=int, default=0, metavar="K", help="write K random near groups")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default=os.path.join(HERE, "results", "repeats.json"))
    args = ap.parse_args()

    read = [0]
    start = time.perf_counter()
    groups = repeats.find_repeats(stream(args.data, args.limit), progress=lambda k: read.__setitem__(0, read[0] + k))
    wall = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB

    kinds = Counter(g.kind for g in groups)
    in_kind = Counter()
    for g in groups:
        in_kind[g.kind] += len(g.members)
    lib_total = sum(len(g.members) - 1 for g in groups if g.kind in ("exact", "boilerplate"))
    lib_exact = sum(len(g.members) - 1 for g in groups if g.kind == "exact")
    plain_total, plain_exact = plain_counts(args.data, args.limit)

    result = {
        "paragraphs": read[0],
        "wall_seconds": round(wall, 2),
        "peak_rss_mb": round(peak_mb, 1),
        "groups": {k: kinds.get(k, 0) for k in repeats.KINDS},
        "paragraphs_in_groups": {k: in_kind.get(k, 0) for k in repeats.KINDS},
        "largest_group": {k: max((len(g.members) for g in groups if g.kind == k), default=0) for k in repeats.KINDS},
        "repeats_beyond_first_copy": {
            "library_exact_plus_boilerplate": lib_total,
            "plain_hash_count": plain_total,
            "library_exact_only": lib_exact,
            "plain_hash_count_without_boilerplate": plain_exact,
        },
        "settings": {
            "near_threshold": repeats.NEAR_THRESHOLD,
            "shingle": repeats.SHINGLE,
            "num_perm": repeats.NUM_PERM,
            "bands_rows": [repeats.BANDS, repeats.ROWS],
            "boilerplate_max_chars": repeats.BOILERPLATE_MAX_CHARS,
            "boilerplate_min_articles": repeats.BOILERPLATE_MIN_ARTICLES,
            "partial_min_cover": repeats.PARTIAL_MIN_COVER,
        },
        "limit": args.limit,
    }
    print(f"paragraphs          {read[0]}")
    print(f"wall time           {wall:.1f} s (exact + near + partial)")
    print(f"peak RSS            {peak_mb:.0f} MB")
    for k in repeats.KINDS:
        print(f"{k:<12} groups {kinds.get(k, 0):>7}  paragraphs {in_kind.get(k, 0):>7}")
    print(f"repeats beyond first copy: library {lib_total}, plain sha1 count {plain_total}")
    print(f"  exact groups only:       library {lib_exact}, plain sha1 count {plain_exact}")
    assert lib_total == plain_total, (lib_total, plain_total)
    assert lib_exact == plain_exact, (lib_exact, plain_exact)

    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(result, f, ensure_ascii=False, indent=1)
    print(f"wrote {args.out}")

    if args.sample_near:
        write_sample(args, groups)


def write_sample(args, groups, width=200, shown=30):
    near = [g for g in groups if g.kind == "near"]
    picked = random.Random(args.seed).sample(near, min(args.sample_near, len(near)))
    wanted = {(m.id, m.n) for g in picked for m in g.members[:shown]}
    texts = {}
    for aid, n, text in stream(args.data, args.limit):
        if (aid, n) in wanted:
            texts[(aid, n)] = text
    path = os.path.join(os.path.dirname(args.out), "repeats_near_sample.md")
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"# {len(picked)} random near-repeat groups (seed {args.seed}), first {shown} members, {width} chars each\n\n")
        for k, g in enumerate(picked, 1):
            f.write(f"## {k}. {len(g.members)} members, similarity {g.similarity:.3f}\n\n")
            for m in g.members[:shown]:
                t = " ".join(texts[(m.id, m.n)].split())
                f.write(f"- {m.id} #{m.n}: {t[:width]}{'…' if len(t) > width else ''}\n")
            f.write("\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
