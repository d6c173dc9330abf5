"""The parity corpus and query mix: the same searches on the embedded and the cluster engine.

Corpus: the seeds, the seeds cut into outlet articles (``make_outlet_corpus``: outlets,
dates, undated articles, regional spellings, exact repeats) and the 240 tw_laws articles
of ``tests/data``.  Queries (``queries()``, at least 100): every other query of the
benchmark mix (``bench/queries.txt``: words, AND, phrases, names, op=or questions) and
searches of the news corpus (names with variants, pinyin, compounds, NOT, OR, phrases,
date and outlet filters, undated, sorts, pages, excluded spellings, variants off).

``compare`` runs one query on both readers and says what differs; ``report`` sums up.
"""
from __future__ import annotations

import json
import os

from searcher.search import SearchParams, search

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SAMPLE = os.path.join(ROOT, "tests", "data", "tw_laws_sample.jsonl.gz")
BENCH_QUERIES = os.path.join(ROOT, "bench", "queries.txt")
REPORTS: list[str] = []  # printed at the end of the test run (conftest)

NEWS = [
    ("乌克兰", {}), ("烏克蘭", {}), ("阿拉斯加 峰會", {}), ('"烏克蘭總統"', {}), ("克蘭總", {}),
    ("蒲亭 OR 拉夫羅夫", {}), ("普京 -特朗普", {}), ("川普", {}), ("特朗普", {}), ("Trump", {}),
    ("Donald Trump", {}), ("普京", {}), ("Putin", {}), ("澤連斯基", {}), ("拜登", {}), ("baideng", {}),
    ("拜習會", {}), ("軟體", {}), ("世衛", {}), ("NOT 特朗普 普京", {}), ("(川普 OR 拜登) 普京", {}),
    ("「美國總統川普」", {}), ("峰會", {"date_from": "2025-06-01", "date_to": "2025-09-30"}),
    ("峰會", {"date_from": "2025-06-01", "undated": "include"}), ("峰會", {"undated": "only"}),
    ("普京", {"sources": ["明報", "新華社"]}), ("川普", {"sources": ["聯合報"]}), ("峰會", {"sort": "date"}),
    ("峰會", {"sort": "-date", "page": 2, "limit": 5}), ("川普", {"exclude": ["特朗普"]}),
    ("川普", {"variants": False}), ("俄烏停火的條件是什麼", {"op": "or"}),
    ("阿拉斯加峰會在哪裡舉行", {"op": "or"}), ("誰是烏克蘭總統", {"op": "or"}),
    ("普京和川普談了什麼 -拜登", {"op": "or"}), ("Trump 普京 會面", {"op": "or"}),
    ("本辦法", {}), ("主管機關", {"sort": "date"}), ("規定", {"date_to": "2020-12-31", "limit": 20}),
    ("施行", {"limit": 30}), ("訓練 OR 檢定", {}), ("第一條", {}), ("本所掌理哪些事項", {"op": "or"}),
    ("主管機關", {"sort": "-date", "page": 2, "limit": 5}), ("罰鍰", {"page": 3}),
]


def bench_queries(every: int = 2) -> list:
    out = []
    with open(BENCH_QUERIES, encoding="utf-8") as f:
        rows = [ln.rstrip("\n").split("\t") for ln in f if ln.strip() and not ln.startswith("#")]
    for i, (kind, op, q) in enumerate(rows):
        if i % every == 0:
            out.append((q, {"op": op} if op == "or" else {}))
    return out


def queries() -> list:
    return NEWS + bench_queries()


def params(q: str, kw: dict) -> SearchParams:
    return SearchParams(q=q, **kw)


def _ids(j) -> list:
    return [r["id"] for r in j["results"]]


def compare(a_reader, b_reader, q: str, kw: dict) -> dict:
    """One query on both: what is the same (total, page, passages, facets, whole JSON) and the
    top-10 overlap of the first page."""
    a = search(a_reader, params(q, kw)).to_json()
    b = search(b_reader, params(q, kw)).to_json()
    ia, ib = _ids(a), _ids(b)
    same_arts = [x for x in ia if x in ib]
    passages_same = all(ra["passages"] == rb["passages"] for ra in a["results"] for rb in b["results"]
                        if ra["id"] == rb["id"])
    top = set(ia[:10]) | set(ib[:10])
    return {
        "query": q, "params": kw, "total": (a["total"], b["total"]),
        "same_total": a["total"] == b["total"],
        "same_page": ia == ib,
        "same_passages": passages_same,
        "same_facets": a["facets"] == b["facets"],
        "same_variants": a["variants"] == b["variants"],
        "identical": a == b,
        "overlap10": (len(set(ia[:10]) & set(ib[:10])) / len(top)) if top else 1.0,
        "shared_articles": len(same_arts),
        "a": a if a != b else None, "b": b if a != b else None,
    }


def report(rows: list) -> str:
    n = len(rows)
    def count(k):
        return sum(1 for r in rows if r[k])
    overlap = sum(r["overlap10"] for r in rows) / max(n, 1)
    lines = [f"parity over {n} queries: identical JSON {count('identical')}, same total {count('same_total')}, "
             f"same first page (articles in order) {count('same_page')}, same passages {count('same_passages')}, "
             f"same facets {count('same_facets')}, same variants {count('same_variants')}; "
             f"mean top-10 overlap {overlap:.4f}"]
    for r in rows:
        if not r["identical"]:
            lines.append(f"  differs: {r['query']!r} {r['params']} totals {r['total']} page "
                         f"{'same' if r['same_page'] else 'differs'} passages "
                         f"{'same' if r['same_passages'] else 'differ'} facets "
                         f"{'same' if r['same_facets'] else 'differ'} overlap {r['overlap10']:.2f}")
    return "\n".join(lines)


def first_difference(r: dict) -> str:
    a, b = r["a"], r["b"]
    if a is None:
        return ""
    for k in a:
        if a[k] != b[k]:
            return f"{k}: {json.dumps(a[k], ensure_ascii=False)[:600]}\n vs {json.dumps(b[k], ensure_ascii=False)[:600]}"
    return ""
