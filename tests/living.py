"""Helpers for the living-index tests: a pool of articles in several versions, and a
view of everything a user can see of an index (to compare two indexes)."""
from __future__ import annotations

import gzip
import json
import os
import random

from searcher.ingest import Article, IngestReport, read_sources
from searcher.search import SearchParams, search
from tests.conftest import SEEDS

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE = os.path.join(HERE, "data", "tw_laws_sample.jsonl.gz")
NAME_LINE = "烏克蘭軍情局長布達諾夫（Kyrylo Budanov）表示，前線局勢嚴峻。"
NAME_LINE_2 = "布達諾夫稱，俄軍正在集結。"


def pool(n_laws: int = 120) -> dict[str, Article]:
    arts = {a.id: a for a in read_sources([SEEDS], IngestReport())}
    with gzip.open(SAMPLE, "rt", encoding="utf-8") as f:
        for line in list(f)[:n_laws]:
            d = json.loads(line)
            arts[d["id"]] = Article(d["id"], d.get("title") or d["paragraphs"][0][:20],
                                    f"{d['date'][:4]}-{d['date'][4:6]}-{d['date'][6:8]}" if d.get("date") else None,
                                    d["paragraphs"])
    return arts


def version(a: Article, v: int, others: list[Article]) -> Article:
    """Version v of an article: 0 as it is; others edited the ways news is corrected."""
    if v == 0:
        return a
    rng = random.Random(f"{a.id}-{v}")
    ps = list(a.paragraphs)
    if v == 1 and len(ps) > 1:  # a paragraph dropped, a character changed
        ps.pop(rng.randrange(len(ps)))
        i = rng.randrange(len(ps))
        ps[i] = ps[i][:-1] + "。" if len(ps[i]) > 3 else ps[i]
    elif v == 2:  # a name in brackets and a paragraph copied from another article
        ps.insert(0, NAME_LINE)
        if others:
            ps.append(rng.choice(others).paragraphs[0])
    elif v == 3:  # the same text, another date
        return Article(a.id, a.title, "2024-02-29", ps)
    return Article(a.id, a.title, a.date, ps)


def write_jsonl(path: str, articles) -> str:
    with open(path, "w", encoding="utf-8") as f:
        for a in articles:
            f.write(json.dumps({"id": a.id, "title": a.title, "date": a.date, "paragraphs": a.paragraphs},
                               ensure_ascii=False) + "\n")
    return path


QUERIES = [
    ("阿拉斯加", {}), ("川普", {}), ("普京 -特朗普", {}), ('"烏克蘭總統"', {}), ("布達諾夫", {}),
    ("Kyrylo Budanov", {}), ("本辦法", {}), ("主管機關", {}), ("訓練 OR 檢定", {}), ("第一條", {}),
    ("本所掌理哪些事項", {"op": "or"}), ("俄烏停火的條件是什麼", {"op": "or"}), ("主管機關", {"sort": "date"}),
    ("主管機關", {"sort": "-date", "page": 2, "limit": 5}), ("阿拉斯加", {"date_from": "2025-08-15"}),
    ("規定", {"date_to": "2020-12-31", "limit": 20}), ("前線", {}), ("施行", {"limit": 30}),
]


def view(reader) -> dict:
    """What a user sees of an index: searches (totals, articles, passages, scores, repeat
    flags, expansions), every repeat group, every name group."""
    out = {}
    for q, kw in QUERIES:
        out[f"{q} {sorted(kw.items())}"] = search(reader, SearchParams(q=q, **kw)).to_json()
    out["repeats"] = [g.to_json() for g in reader.repeats.all_groups()]
    names = reader.names
    out["names"] = sorted(sorted(g.members) for g in names.groups())
    out["stats"] = {k: v for k, v in reader.stats().items() if k in ("paragraphs", "articles")}
    return out
